/* kmsdiag-capture: decode KMS activation traffic from capture files or an interface. */
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsrc.h"
#include "capture.h"
#include "args.h"
#include "cli.h"
#include "errlimit.h"
#include "loop.h"
#include "privdrop.h"
#include "prom.h"
#include "site.h"

#define PROG		"kmsdiag-capture"

static volatile sig_atomic_t got_signal;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: kmsdiag-capture [-lv] [--json] [-p port]... [-f filter] [-c count]\n"
	    "                       [--duration seconds] -r file...\n"
	    "       kmsdiag-capture [-lv] [--json] [-p port]... [-f filter] [-c count]\n"
	    "                       [--duration seconds] [-s snaplen] [-B KiB] [-w file]\n"
	    "                       [-Z user] -i interface\n"
	    "\n"
	    "Decode KMS activation traffic (DCE/RPC on TCP 1688) from capture files\n"
	    "or live from a network interface.\n"
	    "\n"
	    "  -r, --read FILE     read a pcap or pcapng file (\"-\" = stdin); repeatable,\n"
	    "                      and further file operands may follow the options\n"
	    "  -i, --interface IF  capture live on IF (\"any\" = every interface)\n"
	    "  -p, --port PORT     KMS port to decode (repeatable; default 1688)\n"
	    "  -f, --filter EXPR   BPF expression selecting packets to decode (live\n"
	    "                      default: tcp port PORT for each port)\n"
	    "  -c, --count N       stop after N packets (after the filter)\n"
	    "      --duration S    stop after S seconds (decimals allowed)\n"
	    "  -s, --snaplen N     live: bytes kept per packet (default 262144)\n"
	    "  -B, --buffer KiB    live: kernel capture buffer size\n"
	    "  -w, --write FILE    also write the packets to FILE (pcap)\n"
	    "  -Z, --user USER     live, as root: run as USER once the interface is\n"
	    "                      open (default nobody; \"root\" keeps root)\n"
	    "      --no-promisc    live: do not put the interface in promiscuous mode\n"
	    "      --speed X       files: replay at X times real time (default: as\n"
	    "                      fast as possible)\n"
	    "  -l, --line-buffered flush the output after every line\n"
	    "  -v, --verbose       print every field of every exchange\n"
	    "  -j, --json          JSON Lines output (schema in kmsdiag-capture(1))\n"
	    "      --no-summary    do not print the summary\n"
	    "      --prometheus    print the summary as Prometheus metrics instead\n"
	    "      --output FILE   with --prometheus: write them to FILE atomically\n"
	    "                      (node_exporter's textfile collector)\n"
	    "      --max-flows N   connections tracked at once (default 20000)\n"
	    "  -h, --help          this help\n"
	    "  -V, --version       print the version\n"
	    "\n"
	    "Exit status: 0 nothing wrong, 1 warnings, 2 activation problems,\n"
	    "3 input could not be read or the interface not opened, 64 usage error.\n");
}

/* stdout's buffer when reading files (main). */
static char stdout_buf[1 << 16];

/* --prometheus: only decode errors reach a terminal, on stderr. */
static void
errors_only(const struct capture_event *e, void *arg)
{
	if (e->type == CE_ERROR)
		capture_out_event(e, arg);
}

/* The site the capture filled, judged (cl), as Prometheus metrics. */
static int
write_metrics(struct capture *cap, const struct kd_checklist *cl, const char *file)
{
	const struct capture_stats *cs = capture_stats(cap);
	struct kd_prom p;
	char err[512];
	int rc;

	kd_prom_init(&p);
	kd_prom_add(&p, "kmsdiag_capture_packets_total", "counter",
	    "packets read", (double)cs->packets, NULL, 0);
	kd_prom_add(&p, "kmsdiag_capture_exchanges_total", "counter",
	    "KMS activation calls decoded", (double)cs->exchanges, NULL, 0);
	kd_prom_add(&p, "kmsdiag_capture_errors_total", "counter",
	    "packets or PDUs that could not be decoded", (double)cs->errors, NULL, 0);
	kd_prom_add(&p, "kmsdiag_capture_calls_untracked_total", "counter",
	    "calls on connections over the flow cap or buffer budget, not counted",
	    (double)cs->calls_untracked, NULL, 0);
	kd_prom_site(&p, capture_site(cap), cl, 0);
	rc = p.oom ? -1 : kd_prom_write_file(file ? file : "-", &p, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "kmsdiag-capture: %s\n", p.oom ? "out of memory" : err);
	kd_prom_fini(&p);
	return rc;
}

static void
on_signal(int sig)
{
	got_signal = sig;
}

static int
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
		return -1;
	/* A file size limit makes a -w write fail with EFBIG, reported, not kill us. */
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGXFSZ, &sa, NULL) != 0)
		return -1;
	return 0;
}

struct run {
	enum capsrc_end	 how;
	bool		 ended;
};

static void
on_end(struct capsrc *src, enum capsrc_end how, void *arg)
{
	struct run *r = arg;

	(void)src;
	r->how = how;
	r->ended = true;
}

/*
 * After the last packet: how many errors of each kind were not shown
 * (beyond the first ERRLIMIT_SHOWN), so a flood of one error is a count.
 */
static void
print_hidden_errors(const struct capture_out *out, const struct capture *cap)
{
	const struct errlimit *el = capture_errlimit(cap);
	const struct errlimit_kind *k;
	char like[256];
	size_t i = 0;

	while ((k = errlimit_next_hidden(el, &i)) != NULL) {
		uint64_t n = k->seen - ERRLIMIT_SHOWN;

		if (out->json) {
			json_t *j = json_object();

			json_object_set_new(j, "type", json_string("errors_not_shown"));
			json_object_set_new(j, "layer", k->other ? json_null() :
			    json_string(k->layer ? k->layer : "input"));
			json_object_set_new(j, "status", k->other ? json_null() :
			    json_string(kd_strstatus(k->status)));
			json_object_set_new(j, "like", json_string(kd_sanitize(k->like,
			    like, sizeof(like))));
			json_object_set_new(j, "count", json_integer((json_int_t)n));
			json_object_set_new(j, "first_packet",
			    json_integer((json_int_t)k->first_hidden));
			json_object_set_new(j, "last_packet", json_integer((json_int_t)k->last));
			kd_json_line(out->fp, j);
			json_decref(j);
			continue;
		}
		if (!k->other)
			fprintf(out->fp, "error: ... and %llu more %s: %s errors like "
			    "\"%s\" (packets %llu to %llu)\n", (unsigned long long)n,
			    k->layer ? k->layer : "input", kd_strstatus(k->status),
			    kd_sanitize(k->like, like, sizeof(like)),
			    (unsigned long long)k->first_hidden,
			    (unsigned long long)k->last);
		else
			fprintf(out->fp, "error: ... and %llu more errors of other "
			    "kinds (packets %llu to %llu)\n", (unsigned long long)n,
			    (unsigned long long)k->first_hidden,
			    (unsigned long long)k->last);
	}
}

/* The kernel's view of a live capture, after the summary. */
static void
print_capture_stats(const struct capture_out *out, const char *iface,
    const struct capsrc_stats *st, const struct capture_stats *cs,
    const char *write_file)
{
	char safe[256];

	if (out->json) {
		json_t *j = json_object();

		json_object_set_new(j, "type", json_string("capture_stats"));
		json_object_set_new(j, "interface", json_string(iface));
		json_object_set_new(j, "packets", json_integer((json_int_t)st->packets));
		if (write_file != NULL)
			json_object_set_new(j, "written", st->write_failed ? json_null() :
			    json_integer((json_int_t)st->written));
		if (st->kernel_known) {
			json_object_set_new(j, "kernel_received",
			    json_integer((json_int_t)st->kernel_received));
			json_object_set_new(j, "kernel_dropped",
			    json_integer((json_int_t)st->kernel_dropped));
			json_object_set_new(j, "interface_dropped",
			    json_integer((json_int_t)st->if_dropped));
		} else {
			json_object_set_new(j, "kernel_received", json_null());
			json_object_set_new(j, "kernel_dropped", json_null());
			json_object_set_new(j, "interface_dropped", json_null());
		}
		/* What a long run costs the engine: all of it is capped. */
		json_object_set_new(j, "peak_flows", json_integer((json_int_t)cs->peak_flows));
		json_object_set_new(j, "peak_buffered_bytes",
		    json_integer((json_int_t)cs->peak_buffered));
		json_object_set_new(j, "flows_evicted",
		    json_integer((json_int_t)cs->flows_evicted));
		kd_json_line(out->fp, j);
		json_decref(j);
		return;
	}
	fprintf(out->fp, "\nCapture on %s: %llu packets captured",
	    kd_sanitize(iface, safe, sizeof(safe)),
	    (unsigned long long)st->packets);
	if (write_file != NULL && st->write_failed)
		fprintf(out->fp, ", writing %s failed", kd_sanitize(write_file,
		    safe, sizeof(safe)));
	else if (write_file != NULL)
		fprintf(out->fp, ", %llu written", (unsigned long long)st->written);
	if (st->kernel_known)
		fprintf(out->fp, "\n  %llu received by filter, %llu dropped by kernel, "
		    "%llu dropped by interface\n",
		    (unsigned long long)st->kernel_received,
		    (unsigned long long)st->kernel_dropped,
		    (unsigned long long)st->if_dropped);
	else
		fprintf(out->fp, "\n  kernel counters not available\n");
	fprintf(out->fp, "  at most %zu connections and %zu KiB of stream buffers "
	    "held at once, %llu connections evicted\n", cs->peak_flows,
	    cs->peak_buffered >> 10, (unsigned long long)cs->flows_evicted);
	if (st->kernel_known && st->kernel_dropped > 0)
		fprintf(out->fp, "  packets were lost: raise the kernel buffer (-B) or "
		    "lower the snap length (-s 2048 is plenty for KMS)\n");
}

/* A capture file on disk, as opposed to standard input or a FIFO. */
static bool
regular_file(const char *path)
{
	struct stat st;

	return path != NULL && strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
	    S_ISREG(st.st_mode);
}

static const struct kd_cli_tool tool = { PROG, NULL, usage, NULL };

int
main(int argc, char **argv)
{
	struct capture_args a;
	struct kd_cli_err err;
	struct capture_opts opts;
	struct capsrc_opts so;
	const char *const *files;
	const char *user, *prom_file;
	size_t nfiles;
	bool summary, prometheus, user_set;
	struct capture_out out = { 0 };
	struct capsrc_stats st = { 0 }, one;
	size_t readable = 0;
	uint64_t deadline = 0;
	bool stopped = false;
	struct capture_out errout = { 0 };
	struct capture *cap = NULL;
	struct kd_loop *loop = NULL;
	struct kd_report rep;
	struct kd_checklist cl;
	int act, status;
	bool prom_failed = false;

	act = capture_parse_args(argc, argv, &a, &err);
	if ((status = kd_cli_answer(act, &tool, false, &err)) >= 0)
		return status;
	/* The run below reads the options by these names. */
	opts = a.opts;
	so = a.so;
	so.ports = opts.ports;
	files = a.files;
	nfiles = a.nfiles;
	user = a.user;
	user_set = user != NULL;
	prom_file = a.prom_file;
	summary = a.summary;
	prometheus = a.prometheus;

	out.fp = stdout;
	out.json = a.json;
	out.verbose = a.verbose;
	if (a.line_buffered)
		setvbuf(stdout, NULL, _IOLBF, 0);
	else if (so.iface == NULL && regular_file(so.file) && !isatty(STDOUT_FILENO))
		/*
		 * A file on disk into a file or a pipe: fewer, larger writes (a
		 * JSON line is about 1 KiB).  Not for -r - from a pipe, where
		 * packets come as something captures them and lines should
		 * follow.  glibc takes a size only with a buffer.
		 */
		setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));
	out.color = !out.json && kd_want_color(stdout);
	out.in_capture_order = !out.json && so.iface == NULL;
	errout.fp = stderr;
	if ((cap = capture_new(&opts, prometheus ? errors_only : capture_out_event,
	    prometheus ? (void *)&errout : (void *)&out)) == NULL ||
	    (loop = kd_loop_new()) == NULL || catch_signals() != 0) {
		fprintf(stderr, "kmsdiag-capture: out of memory\n");
		capture_free(cap);
		kd_loop_free(loop);
		return KD_EXIT_UNKNOWN;
	}
	kd_loop_watch_flag(loop, &got_signal);
	if (so.duration_ms > 0)
		deadline = kd_now_ms() + so.duration_ms;

	/* One source at a time: each file in turn, or the one interface. */
	for (size_t i = 0; i < (so.iface != NULL ? 1 : nfiles) && !stopped; i++) {
		struct run run = { 0 };
		struct kd_diag d = { 0 };
		struct capsrc *src;
		bool bad_filter;

		if (so.iface == NULL)
			so.file = files[i];
		if (deadline > 0) {
			uint64_t now = kd_now_ms();

			if (now >= deadline)
				break;
			so.duration_ms = (unsigned)(deadline - now);
		}
		src = capsrc_open(&so, cap, loop, on_end, &run, &d, &bad_filter);
		if (src == NULL) {
			capture_error(cap, &d);
			if (bad_filter) {
				/* The error line may be held for capture order. */
				capture_out_flush(&out);
				capture_free(cap);
				kd_loop_free(loop);
				return KD_EXIT_USAGE;
			}
			continue;
		}
		readable++;
		if (so.iface != NULL &&
		    kd_drop_privileges(user_set ? user : NULL, &d) != 0) {
			/* Decoding traffic as root after being asked not to is no option. */
			capture_error(cap, &d);
			capsrc_close(src);
			readable = 0;
			break;
		}
		if (kd_loop_run(loop) != 0) {
			struct kd_diag le = { 0 };

			le.source = so.iface != NULL ? so.iface : so.file;
			kd_diag_set(&le, KD_EIO, "loop", 0, "poll: %s", strerror(errno));
			capture_error(cap, &le);
		}
		if (!run.ended)
			capsrc_stop(src);	/* a signal or a loop failure */
		if (run.how == CAPSRC_END_STOPPED || run.how == CAPSRC_END_ERROR)
			stopped = true;
		capsrc_stats(src, &one);
		st.packets += one.packets;
		st.written += one.written;
		st.write_failed |= one.write_failed;
		st.kernel_known = one.kernel_known;
		st.kernel_received = one.kernel_received;
		st.kernel_dropped = one.kernel_dropped;
		st.if_dropped = one.if_dropped;
		if (so.max_packets > 0) {
			/* -c counts across every file: what is left for the next one. */
			uint64_t fed = capsrc_matched(src);

			if (fed >= so.max_packets)
				stopped = true;
			else
				so.max_packets -= fed;
		}
		capsrc_close(src);
	}
	capture_finish(cap);
	capture_out_flush(&out);
	/* Nothing but the metrics on stdout with --prometheus. */
	print_hidden_errors(prometheus ? &errout : &out, cap);
	kd_report_init(&rep, "kmsdiag-capture");
	/* Judged once; every view (lines, summary, metrics, exit status) reads it. */
	capture_checklist(cap, &cl);
	kd_checklist_report(&cl, capture_site(cap), &rep);
	if (prometheus && readable > 0) {
		if (write_metrics(cap, &cl, prom_file) != 0)
			prom_failed = true;
	} else if (summary && readable > 0)
		capture_out_summary(&out, cap, &rep);
	if (so.iface != NULL && readable > 0)
		print_capture_stats(prometheus ? &errout : &out, so.iface, &st, capture_stats(cap),
		    so.write_file);
	if (readable == 0)
		status = KD_EXIT_UNKNOWN;
	else {
		status = capture_exit_status(cap, &rep);
		/* -w asked for a file; an incomplete one is no result, unless KMS failed. */
		if ((st.write_failed || prom_failed) && status != KD_EXIT_FAIL)
			status = KD_EXIT_UNKNOWN;
	}
	kd_report_fini(&rep);
	kd_checklist_fini(&cl);
	capture_free(cap);
	kd_loop_free(loop);
	fflush(stdout);
	return status;
}
