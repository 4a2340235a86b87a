/*
 * Packet sources on a kd_loop; see capsrc.h.  The only file that talks to
 * libpcap: live interfaces and capture files both end in feed(), so every
 * packet takes the same path into the engine.
 *
 * Live: pcap_create/pcap_activate in immediate mode, non-blocking, and the
 * selectable fd in the loop; the kernel applies the BPF filter.
 * Files, as fast as possible: the file's own fd sits in the loop (a file
 * always polls readable) and each wakeup reads one batch, so the other fds
 * of the loop get their turn between batches.  Files in (scaled) real
 * time: a timer sleeps until the next packet is due.  The filter runs here with pcap_offline_filter so that
 * packet numbers stay the file's own.
 *
 * A classic pcap file (format 2.4, either byte order, micro- or
 * nanoseconds) on disk is read from a read-only mapping, the way libpcap
 * would read it: the packets are decoded where the page cache holds them
 * instead of being copied by read(2) and again by fread into libpcap's
 * buffer (a fifth of the CPU of reading a large file).  Anything out of
 * the ordinary -- a record cut short, a length over the snaplen, pcapng, a
 * pipe -- is left to libpcap from that record on, so its checks and its
 * error messages stay the ones users see.  So is the end of the mapping:
 * a file still being written goes on past the size it had at the open.
 */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capsrc.h"
#include "fileio.h"

/* Longest default filter: "tcp port 65535" per port, joined by " or ". */
#define DEFAULT_FILTER_MAX	(CAPTURE_MAX_PORTS * 20)

struct capsrc {
	struct capture	*cap;
	struct kd_loop	*loop;
	capsrc_end_cb	*on_end;
	void		*arg;

	pcap_t		*p;
	pcap_dumper_t	*dump;
	const char	*write_file;	/* -w, for messages */
	bool		 write_failed;	/* -w hit an error: nothing more is written */
	struct bpf_program prog;
	bool		 have_prog;	/* files: filter applied by us */
	const char	*name;		/* source in events: path, "(stdin)", iface */
	int		 dlt;
	bool		 live;

	int		 fd;		/* live: selectable fd, -1 when not registered */
	int		 file_fd;	/* files as fast as possible: registered fd, or -1 */
	long		 read_timer;	/* files in real time: the reader timer, 0 = none */
	long		 stop_timer;	/* --duration, 0 = none */

	uint64_t	 max_packets;	/* packets handed to the engine */
	uint64_t	 fed;
	uint64_t	 pkt_no;	/* packets read, = the file's packet number */
	uint64_t	 written;
	double		 speed;
	unsigned	 batch;

	/* Real-time replay: a packet read but not yet due. */
	bool		 pending;
	struct pcap_pkthdr *pend_hdr;
	const u_char	*pend_data;
	bool		 have_base;
	uint64_t	 base_ns;	/* monotonic time that the first packet maps to */
	double		 base_ts;	/* the first packet's timestamp, seconds */
	bool		 paused;
	uint64_t	 paused_at_ns;

	bool		 ended;
	/*
	 * Inside a read callback the engine's event callback may stop, pause
	 * or close the source; a close then waits until the read returns.
	 */
	unsigned	 busy;
	bool		 close_pending;
	struct pcap_stat last_kstat;	/* kept after the end, for capsrc_stats */
	bool		 kstat_known;

	/* Files: the mapping read instead of libpcap (map_open), or NULL. */
	const uint8_t	*map;
	size_t		 map_len, map_off;	/* map_off: the next record */
	size_t		 map_size;		/* bytes mapped (map_len: of them, in the file) */
	size_t		 map_kept;		/* pages from here on may be mapped */
	bool		 map_swapped, map_nsec;
	uint32_t	 map_snap;		/* pcap_snapshot(): libpcap's bound */
	struct pcap_pkthdr map_hdr;
};

/* Bytes of the mapping left resident behind the reader: a power of two, many pages. */
#define MAP_WINDOW	((size_t)4 << 20)

static void	map_close(struct capsrc *);

static uint32_t
map_u32(const struct capsrc *s, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return s->map_swapped ? __builtin_bswap32(v) : v;
}

/*
 * A file cut short while it is mapped (its writer truncates it, a log
 * rotation) takes the pages past its new end out of the mapping, and a
 * read there is a SIGBUS.  While a mapping is read, a handler puts zero
 * pages in place of what is gone and says so; the reader then leaves the
 * file to libpcap at the record it is on, which ends it as it ends any
 * file cut short.  One mapping at a time: another source reads by libpcap.
 */
static const uint8_t *volatile bus_map;
static volatile size_t	 bus_len;
static volatile sig_atomic_t bus_hit;
static uintptr_t	 bus_page;
static struct sigaction	 bus_old;

static void
on_sigbus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr, b = (uintptr_t)bus_map;

	(void)sig;
	(void)uc;
	if (b != 0 && a >= b && a < b + bus_len) {
		uintptr_t from = a & ~(bus_page - 1);

		if (mmap((void *)from, b + bus_len - from, PROT_READ, MAP_PRIVATE |
		    MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
			bus_hit = 1;
			return;
		}
	}
	/* Not the mapping's: the fault comes again, to what was there before. */
	sigaction(SIGBUS, &bus_old, NULL);
}

static bool
bus_watch(const uint8_t *m, size_t len)
{
	struct sigaction sa;
	long pg = sysconf(_SC_PAGESIZE);

	if (bus_map != NULL || pg <= 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	bus_page = (uintptr_t)pg;
	bus_len = len;
	bus_hit = 0;
	bus_map = m;
	if (sigaction(SIGBUS, &sa, &bus_old) != 0) {
		bus_map = NULL;
		return false;
	}
	return true;
}

static void
bus_unwatch(void)
{
	sigaction(SIGBUS, &bus_old, NULL);
	bus_map = NULL;
	bus_hit = 0;
}

/*
 * Map the file libpcap just opened when it is a classic pcap file of
 * format 2.4 of which libpcap read the header and nothing more.  Without
 * a mapping libpcap reads it, as before.
 */
static void
map_open(struct capsrc *s)
{
	FILE *fp = pcap_file(s->p);
	struct stat st;
	uint32_t magic;
	uint16_t major, minor;
	void *m;

	if (fp == NULL || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < 24 || (uintmax_t)st.st_size > SIZE_MAX ||
	    ftell(fp) != 24)
		return;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fileno(fp), 0);
	if (m == MAP_FAILED)
		return;
	if (!bus_watch(m, (size_t)st.st_size)) {
		munmap(m, (size_t)st.st_size);
		return;
	}
	s->map = m;
	s->map_len = s->map_size = (size_t)st.st_size;
	memcpy(&magic, s->map, 4);
	s->map_swapped = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	s->map_nsec = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
	memcpy(&major, s->map + 4, 2);
	memcpy(&minor, s->map + 6, 2);
	if (s->map_swapped) {
		major = __builtin_bswap16(major);
		minor = __builtin_bswap16(minor);
	}
	if ((magic != 0xa1b2c3d4 && !s->map_swapped && !s->map_nsec) ||
	    major != 2 || minor != 4 || pcap_snapshot(s->p) <= 0) {
		map_close(s);
		return;
	}
	s->map_snap = (uint32_t)pcap_snapshot(s->p);
	s->map_off = 24;
}

static void
map_close(struct capsrc *s)
{
	if (s->map == NULL)
		return;
	munmap((void *)(uintptr_t)s->map, s->map_size);
	bus_unwatch();
	s->map = NULL;
}

/*
 * The next packet from the mapping, as pcap_next_ex() gives it: 1 a packet.
 * -1: a record libpcap must judge, or the end of the mapping (the file may
 * have grown since), or the file was cut under the mapping; libpcap reads
 * on from that record.
 */
static int
map_next(struct capsrc *s, struct pcap_pkthdr **h, const u_char **data)
{
	const uint8_t *p = s->map + s->map_off;
	size_t left = s->map_len - s->map_off;
	uint32_t caplen;

	/*
	 * What was read is unmapped as it goes (the page cache keeps it), so
	 * the mapping adds a window to the resident size, not the file.
	 */
	if (s->map_off - s->map_kept >= MAP_WINDOW) {
		size_t upto = s->map_off & ~(MAP_WINDOW - 1);

		(void)madvise((void *)(uintptr_t)(s->map + s->map_kept),
		    upto - s->map_kept, MADV_DONTNEED);
		s->map_kept = upto;
	}
	if (left < 16 || (caplen = map_u32(s, p + 8)) > s->map_snap ||
	    caplen > left - 16)
		return -1;
	/*
	 * Every page of the record read once, so that a cut file shows here,
	 * not half-way through decoding zeros.
	 */
	(void)*(const volatile uint8_t *)p;
	for (size_t k = 16 + (size_t)caplen; k > 0; k = k > bus_page ? k - bus_page : 0)
		(void)*(const volatile uint8_t *)(p + k - 1);
	if (bus_hit)
		return -1;
	/*
	 * As libpcap 1.10 fills them: its file header holds signed 32-bit
	 * seconds and fraction, which its byte swap makes unsigned.
	 */
	if (s->map_swapped) {
		s->map_hdr.ts.tv_sec = (time_t)map_u32(s, p);
		s->map_hdr.ts.tv_usec = (suseconds_t)map_u32(s, p + 4);
	} else {
		s->map_hdr.ts.tv_sec = (int32_t)map_u32(s, p);
		s->map_hdr.ts.tv_usec = (int32_t)map_u32(s, p + 4);
	}
	if (s->map_nsec)
		s->map_hdr.ts.tv_usec /= 1000;
	s->map_hdr.caplen = caplen;
	s->map_hdr.len = map_u32(s, p + 12);
	*h = &s->map_hdr;
	*data = p + 16;
	s->map_off += 16 + (size_t)caplen;
	return 1;
}

/*
 * Once per batch: a file cut since the last look ends the mapping where
 * the file ends now.  Its last page past the new end reads as zeros, not
 * as a SIGBUS, and zeros look like records.  A cut within a batch is the
 * SIGBUS handler's to see (from the next page on: records in the zeros
 * of the new last page before it are read as they look).
 */
static void
map_recheck(struct capsrc *s)
{
	struct stat st;

	if (s->map == NULL || fstat(fileno(pcap_file(s->p)), &st) != 0 ||
	    (uintmax_t)st.st_size >= s->map_len)
		return;
	s->map_len = (size_t)st.st_size > s->map_off ? (size_t)st.st_size : s->map_off;
}

/* pcap_next_ex() of the file, from the mapping while it lasts. */
static int
next_packet(struct capsrc *s, struct pcap_pkthdr **h, const u_char **data)
{
	if (s->map != NULL) {
		int rc = map_next(s, h, data);

		if (rc == 1)
			return 1;
		/* libpcap takes over at this record. */
		if (fseeko(pcap_file(s->p), (off_t)s->map_off, SEEK_SET) != 0) {
			map_close(s);
			return PCAP_ERROR;
		}
		map_close(s);
	}
	return pcap_next_ex(s->p, h, data);
}

static int64_t	read_file_cb(struct kd_loop *, long, void *);
static void	read_file_fd_cb(struct kd_loop *, int, short, void *);
static void	destroy(struct capsrc *);

/* Leaving a read callback: true when s was closed meanwhile and is gone now. */
static bool
unbusy(struct capsrc *s)
{
	if (--s->busy == 0 && s->close_pending) {
		destroy(s);
		return true;
	}
	return false;
}

static const char *
dlt_name(int dlt)
{
	const char *n = pcap_datalink_val_to_name(dlt);

	return n != NULL ? n : "?";
}

static void
snap_kstats(struct capsrc *s)
{
	struct pcap_stat ps;

	if (!s->live || s->p == NULL)
		return;
	if (pcap_stats(s->p, &ps) == 0) {
		s->last_kstat = ps;
		s->kstat_known = true;
	}
}

/* Files: stop reading (pause, end). */
static void
disarm_reader(struct capsrc *s)
{
	if (s->file_fd >= 0) {
		kd_loop_del_fd(s->loop, s->file_fd);
		s->file_fd = -1;
	}
	if (s->read_timer > 0) {
		kd_loop_del_timer(s->loop, s->read_timer);
		s->read_timer = 0;
	}
}

/* Files: (re)start reading: by fd as fast as possible, else by timer. */
static int
arm_reader(struct capsrc *s)
{
	int fd;

	if (s->speed == 0 && (fd = pcap_get_selectable_fd(s->p)) >= 0 &&
	    kd_loop_add_fd(s->loop, fd, POLLIN, read_file_fd_cb, s) == 0) {
		s->file_fd = fd;
		return 0;
	}
	/* stdin already watched by the caller, say: a timer still works. */
	if ((s->read_timer = kd_loop_add_timer(s->loop, 0, read_file_cb, s)) < 0) {
		s->read_timer = 0;
		return -1;
	}
	return 0;
}

/*
 * -w failed (a full disk, a file size limit, an I/O error): say so once,
 * name the file, and stop writing.  The packets counted as written sat
 * partly in stdio's buffer, so none of them is claimed any more.
 */
static void
write_failed(struct capsrc *s, int errnum)
{
	struct kd_diag d = { 0 };

	if (s->write_failed)
		return;
	s->write_failed = true;
	d.source = s->write_file;
	kd_diag_set(&d, KD_EIO, "pcap", 0, "cannot write capture: %s; the file "
	    "is incomplete", errnum != 0 ? strerror(errnum) : "write error");
	capture_error(s->cap, &d);
}

/* Flush -w and check that every write so far succeeded. */
static void
check_written(struct capsrc *s)
{
	if (s->dump == NULL || s->write_failed)
		return;
	errno = 0;
	if (pcap_dump_flush(s->dump) != 0 || ferror(pcap_dump_file(s->dump)))
		write_failed(s, errno);
}

/*
 * Unregisters everything and runs the end callback exactly once.  The
 * callback comes last: it may close the source.
 */
static void
finish(struct capsrc *s, enum capsrc_end how)
{
	if (s->ended)
		return;
	s->ended = true;
	if (s->fd >= 0) {
		kd_loop_del_fd(s->loop, s->fd);
		s->fd = -1;
	}
	disarm_reader(s);
	if (s->stop_timer > 0) {
		kd_loop_del_timer(s->loop, s->stop_timer);
		s->stop_timer = 0;
	}
	s->pending = false;
	snap_kstats(s);
	check_written(s);
	if (s->on_end != NULL)
		s->on_end(s, how, s->arg);
}

/* One packet read from the source: filter (files), -w, the engine, -c. */
static void
feed(struct capsrc *s, const struct pcap_pkthdr *h, const u_char *data)
{
	struct timeval tv = { .tv_sec = h->ts.tv_sec, .tv_usec = h->ts.tv_usec };

	if (s->have_prog && pcap_offline_filter(&s->prog, h, data) == 0)
		return;
	if (s->dump != NULL && !s->write_failed) {
		pcap_dump((u_char *)s->dump, h, data);
		s->written++;
		/* stdio reports a failed write of its buffer here. */
		if (ferror(pcap_dump_file(s->dump)))
			write_failed(s, errno);
	}
	s->fed++;
	capture_packet(s->cap, s->name, s->pkt_no, &tv, s->dlt, data, h->caplen, h->len);
	/* Asked for a file and not getting one: stop like tcpdump, with the reason. */
	if (s->write_failed && !s->ended)
		finish(s, CAPSRC_END_ERROR);
}

static bool
at_limit(const struct capsrc *s)
{
	return s->max_packets > 0 && s->fed >= s->max_packets;
}

static void
read_error(struct capsrc *s, enum capsrc_end how)
{
	struct kd_diag d = { 0 };

	d.source = s->name;
	d.pkt_no = s->live ? 0 : s->pkt_no + 1;
	if (s->live)
		kd_diag_set(&d, KD_EIO, "pcap", 0, "capture stopped: %s after %llu "
		    "packet%s", pcap_geterr(s->p), (unsigned long long)s->pkt_no,
		    s->pkt_no == 1 ? "" : "s");
	else
		kd_diag_set(&d, KD_ETRUNC, "pcap", 0, "%s after %llu packet%s",
		    pcap_geterr(s->p), (unsigned long long)s->pkt_no,
		    s->pkt_no == 1 ? "" : "s");
	capture_error(s->cap, &d);
	finish(s, how);
}

static void
live_handler(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
	struct capsrc *s = (struct capsrc *)(void *)arg;

	if (s->ended)
		return;
	s->pkt_no++;
	feed(s, h, data);
	if (at_limit(s) || s->ended)
		pcap_breakloop(s->p);
}

static void
live_cb(struct kd_loop *loop, int fd, short revents, void *arg)
{
	struct capsrc *s = arg;
	int n;

	(void)loop;
	(void)fd;
	(void)revents;
	s->busy++;
	/* -1: everything in the buffer now; non-blocking, so never waits. */
	n = pcap_dispatch(s->p, -1, live_handler, (u_char *)s);
	check_written(s);	/* a killed capture leaves a readable file */
	if (s->write_failed && !s->ended)
		finish(s, CAPSRC_END_ERROR);
	else if (at_limit(s))
		finish(s, CAPSRC_END_LIMIT);
	else if (n == PCAP_ERROR && !s->ended)
		read_error(s, CAPSRC_END_ERROR);
	unbusy(s);
}

static uint64_t
ts_ns(const struct pcap_pkthdr *h)
{
	return (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec * 1000ULL;
}

/*
 * Real time: how many ms until the pending packet is due (0 = now).  The
 * first packet defines the origin; timestamps going backwards are due at
 * once rather than never.
 */
static uint64_t
due_in_ms(struct capsrc *s)
{
	double rel, due;
	uint64_t now = kd_now_ns();

	if (!s->have_base) {
		s->have_base = true;
		s->base_ns = now;
		s->base_ts = (double)ts_ns(s->pend_hdr) / 1e9;
		return 0;
	}
	rel = (double)ts_ns(s->pend_hdr) / 1e9 - s->base_ts;
	if (rel <= 0)
		return 0;
	due = (double)s->base_ns + rel / s->speed * 1e9;
	if (due <= (double)now)
		return 0;
	/* Capped so that a capture with a day-long gap still answers quickly to stop. */
	due = (due - (double)now) / 1e6 + 1;
	return due > 1000 ? 1000 : (uint64_t)due;
}

/*
 * Reads up to one batch.  Returns -1 when the source ended or was paused,
 * 0 to read on, or ms to wait (real time).  The caller holds s busy.
 */
static int64_t
read_batch(struct capsrc *s)
{
	unsigned i;
	int rc;

	map_recheck(s);
	for (i = 0; i < s->batch; i++) {
		if (s->ended || s->paused)
			return -1;
		if (!s->pending) {
			rc = next_packet(s, &s->pend_hdr, &s->pend_data);
			if (rc != 1) {
				if (rc == PCAP_ERROR)
					read_error(s, CAPSRC_END_CUT);
				else
					finish(s, CAPSRC_END_EOF);
				return -1;
			}
			s->pkt_no++;
			s->pending = true;
		}
		if (s->speed > 0) {
			uint64_t wait = due_in_ms(s);

			if (wait > 0)
				return (int64_t)wait;
		}
		s->pending = false;
		feed(s, s->pend_hdr, s->pend_data);
		if (at_limit(s)) {
			finish(s, CAPSRC_END_LIMIT);
			return -1;
		}
	}
	return s->ended || s->paused ? -1 : 0;
}

static int64_t
read_file_cb(struct kd_loop *loop, long id, void *arg)
{
	struct capsrc *s = arg;
	long self = s->read_timer;
	int64_t rc;

	(void)loop;
	(void)id;
	/* The loop took this timer off while it runs: nobody may delete it now. */
	s->read_timer = 0;
	s->busy++;
	rc = read_batch(s);
	if (unbusy(s) || rc < 0)
		return KD_NOMORE;
	s->read_timer = self;
	/* A full batch with more due: next round, not a spin inside this one. */
	return rc > 0 ? rc : 1;
}

static void
read_file_fd_cb(struct kd_loop *loop, int fd, short revents, void *arg)
{
	struct capsrc *s = arg;

	(void)loop;
	(void)fd;
	(void)revents;
	s->busy++;
	read_batch(s);
	unbusy(s);
}

static int64_t
duration_cb(struct kd_loop *loop, long id, void *arg)
{
	struct capsrc *s = arg;

	(void)loop;
	(void)id;
	s->stop_timer = 0;	/* this timer ends here */
	finish(s, CAPSRC_END_LIMIT);
	return KD_NOMORE;
}

/* "tcp port A or tcp port B ...": only what the engine will look at. */
static void
default_filter(const struct capsrc_opts *o, char *buf, size_t len)
{
	size_t i, off = 0;
	int n;

	buf[0] = '\0';
	if (o->ports == NULL || o->nports == 0) {
		snprintf(buf, len, "tcp port 1688");
		return;
	}
	for (i = 0; i < o->nports && i < CAPTURE_MAX_PORTS; i++) {
		n = snprintf(buf + off, len - off, "%stcp port %u", i ? " or " : "",
		    (unsigned)o->ports[i]);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
}

static pcap_t *
open_live(const struct capsrc_opts *o, struct kd_diag *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	int rc;

	if ((p = pcap_create(o->iface, errbuf)) == NULL) {
		kd_diag_set(err, KD_EIO, "pcap", 0, "cannot open interface: %s", errbuf);
		return NULL;
	}
	pcap_set_snaplen(p, o->snaplen > 0 ? o->snaplen : CAPSRC_DEFAULT_SNAPLEN);
	pcap_set_promisc(p, o->no_promisc ? 0 : 1);
	/* Deliver each packet at once: the poll loop, not a block timeout, sets the pace. */
	pcap_set_immediate_mode(p, 1);
	pcap_set_timeout(p, 100);
	pcap_set_buffer_size(p, (o->buffer_kib > 0 ? o->buffer_kib :
	    CAPSRC_DEFAULT_BUFFER_KIB) * 1024);
	rc = pcap_activate(p);
	if (rc < 0) {
		const char *why = pcap_geterr(p);

		if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
			kd_diag_set(err, KD_EINVAL, "pcap", 0, "no such interface "
			    "(ip link lists them; \"any\" captures on all)");
		else if (rc == PCAP_ERROR_PERM_DENIED)
			kd_diag_set(err, KD_EIO, "pcap", 0, "permission denied: %s; run "
			    "as root or give the program CAP_NET_RAW and CAP_NET_ADMIN",
			    why);
		else if (rc == PCAP_ERROR_IFACE_NOT_UP)
			kd_diag_set(err, KD_EIO, "pcap", 0, "interface is down");
		else
			kd_diag_set(err, KD_EIO, "pcap", 0, "cannot capture: %s",
			    why[0] ? why : pcap_statustostr(rc));
		pcap_close(p);
		return NULL;
	}
	if (pcap_setnonblock(p, 1, errbuf) != 0) {
		kd_diag_set(err, KD_EIO, "pcap", 0, "cannot make the capture "
		    "non-blocking: %s", errbuf);
		pcap_close(p);
		return NULL;
	}
	return p;
}

/*
 * -w: the file is opened before privileges are dropped, so often as root,
 * and its path may be in a directory others can write to.  Whatever was
 * planted there must not be written through: a symbolic link (refused by
 * O_NOFOLLOW), a hard link to a file worth keeping (refused by its link
 * count), a FIFO or a device (refused by fstat; O_NONBLOCK so a FIFO does
 * not block the open), and a file of another user (it would stay theirs
 * to read).  A new file is created 0600, since a capture holds client
 * names and addresses; an existing regular file of ours is truncated, only
 * after these checks, and set to 0600 too.
 */
static FILE *
open_write_file(const char *path, char *why, size_t whylen)
{
	struct stat st;
	FILE *fp;
	int fd, fl;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
		    O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			snprintf(why, whylen, "is a symbolic link, refused");
		else if (errno == ENXIO)
			snprintf(why, whylen, "is not a regular file");
		else
			snprintf(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "is %s, not a regular file",
		    kd_file_kind(st.st_mode));
		goto fail;
	}
	/*
	 * Someone else's file would stay theirs (and readable to them) with
	 * the capture in it: a file planted in /tmp for root to fill.
	 */
	if (st.st_uid != geteuid()) {
		snprintf(why, whylen, "belongs to another user (uid %lu), refused",
		    (unsigned long)st.st_uid);
		goto fail;
	}
	if (st.st_nlink > 1) {
		snprintf(why, whylen, "has %lu hard links, refused (writing "
		    "would change the other names too)", (unsigned long)st.st_nlink);
		goto fail;
	}
	if (ftruncate(fd, 0) != 0 || fchmod(fd, 0600) != 0 ||
	    (fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto fail;
	}
	if ((fp = fdopen(fd, "wb")) == NULL) {
		snprintf(why, whylen, "%s", strerror(errno));
		goto fail;
	}
	return fp;
fail:
	close(fd);
	return NULL;
}

struct capsrc *
capsrc_open(const struct capsrc_opts *o, struct capture *cap, struct kd_loop *loop,
    capsrc_end_cb *on_end, void *arg, struct kd_diag *err, bool *bad_filter)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "", deffilter[DEFAULT_FILTER_MAX];
	const char *filter = o->filter;
	struct capsrc *s;

	kd_diag_clear(err);
	err->pkt_no = 0;
	if (bad_filter != NULL)
		*bad_filter = false;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		if (o->iface == NULL && o->stream != NULL)
			fclose(o->stream);
		err->source = o->iface != NULL ? o->iface : o->file;
		kd_diag_set(err, KD_ENOMEM, "pcap", 0, "out of memory");
		return NULL;
	}
	s->cap = cap;
	s->loop = loop;
	s->on_end = on_end;
	s->arg = arg;
	s->fd = -1;
	s->file_fd = -1;
	s->max_packets = o->max_packets;
	s->speed = o->speed > 0 ? o->speed : 0;
	s->batch = o->batch > 0 ? o->batch : CAPSRC_DEFAULT_BATCH;
	s->live = o->iface != NULL;
	if (s->live) {
		s->name = o->iface;
		err->source = s->name;
		if ((s->p = open_live(o, err)) == NULL)
			goto fail;
		if (filter == NULL) {
			default_filter(o, deffilter, sizeof(deffilter));
			filter = deffilter;
		}
	} else {
		const char *path = o->file != NULL ? o->file : "-";

		s->name = strcmp(path, "-") == 0 ? "(stdin)" : path;
		err->source = s->name;
		if (o->stream != NULL) {
			s->p = pcap_fopen_offline_with_tstamp_precision(o->stream,
			    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
			if (s->p == NULL)
				fclose(o->stream);	/* ours in every case */
		} else
			s->p = pcap_open_offline_with_tstamp_precision(path,
			    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
		if (s->p == NULL) {
			kd_diag_set(err, KD_EINVAL, "pcap", 0, "cannot read capture: %s",
			    errbuf);
			goto fail;
		}
		map_open(s);
	}
	s->dlt = pcap_datalink(s->p);
	if (!pkt_dlt_supported(s->dlt)) {
		kd_diag_set(err, KD_EUNSUP, "pcap", 0, "link type %s (%d) not "
		    "supported; use Ethernet, Linux cooked, loopback or raw IP",
		    dlt_name(s->dlt), s->dlt);
		goto fail;
	}
	if (filter != NULL) {
		/* Compiled once; the kernel runs it live, feed() runs it on files. */
		if (pcap_compile(s->p, &s->prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			kd_diag_set(err, KD_EINVAL, "bpf", 0, "bad filter \"%s\": %s",
			    filter, pcap_geterr(s->p));
			if (bad_filter != NULL)
				*bad_filter = true;
			goto fail;
		}
		if (s->live) {
			int rc = pcap_setfilter(s->p, &s->prog);

			pcap_freecode(&s->prog);
			if (rc != 0) {
				kd_diag_set(err, KD_EIO, "bpf", 0, "cannot install filter "
				    "\"%s\": %s", filter, pcap_geterr(s->p));
				goto fail;
			}
		} else
			s->have_prog = true;
	}
	if (o->write_file != NULL) {
		char why[160];
		FILE *fp;

		s->write_file = o->write_file;
		if ((fp = open_write_file(o->write_file, why, sizeof(why))) == NULL) {
			err->source = o->write_file;
			kd_diag_set(err, KD_EIO, "pcap", 0, "cannot write capture: %s",
			    why);
			goto fail;
		}
		if ((s->dump = pcap_dump_fopen(s->p, fp)) == NULL) {
			fclose(fp);
			err->source = o->write_file;
			kd_diag_set(err, KD_EIO, "pcap", 0, "cannot write capture: %s",
			    pcap_geterr(s->p));
			goto fail;
		}
	}
	if (s->live) {
		if ((s->fd = pcap_get_selectable_fd(s->p)) < 0) {
			kd_diag_set(err, KD_EUNSUP, "pcap", 0, "this interface has no "
			    "selectable file descriptor");
			goto fail;
		}
		if (kd_loop_add_fd(loop, s->fd, POLLIN, live_cb, s) != 0) {
			s->fd = -1;
			kd_diag_set(err, KD_EIO, "pcap", 0, "cannot watch the capture: %s",
			    strerror(errno));
			goto fail;
		}
	} else if (arm_reader(s) != 0) {
		kd_diag_set(err, KD_ENOMEM, "pcap", 0, "out of memory");
		goto fail;
	}
	if (o->duration_ms > 0 &&
	    (s->stop_timer = kd_loop_add_timer(loop, o->duration_ms, duration_cb, s)) < 0) {
		s->stop_timer = 0;
		kd_diag_set(err, KD_ENOMEM, "pcap", 0, "out of memory");
		goto fail;
	}
	return s;
fail:
	s->on_end = NULL;
	s->ended = true;	/* nothing to report: the caller has *err */
	capsrc_close(s);
	return NULL;
}

void
capsrc_stop(struct capsrc *s)
{
	if (s != NULL)
		finish(s, CAPSRC_END_STOPPED);
}

void
capsrc_pause(struct capsrc *s, bool paused)
{
	if (s == NULL || s->live || s->ended || s->paused == paused)
		return;
	s->paused = paused;
	if (paused) {
		s->paused_at_ns = kd_now_ns();
		disarm_reader(s);
		return;
	}
	/* Real time resumes where it left off, not with a burst of the paused span. */
	if (s->have_base)
		s->base_ns += kd_now_ns() - s->paused_at_ns;
	if (arm_reader(s) != 0) {
		struct kd_diag d = { 0 };

		d.source = s->name;
		kd_diag_set(&d, KD_ENOMEM, "pcap", 0, "out of memory resuming the replay");
		capture_error(s->cap, &d);
		finish(s, CAPSRC_END_ERROR);
	}
}

bool
capsrc_live(const struct capsrc *s)
{
	return s != NULL && s->live;
}

void
capsrc_stats(const struct capsrc *s, struct capsrc_stats *st)
{
	struct pcap_stat ps;

	memset(st, 0, sizeof(*st));
	if (s == NULL)
		return;
	st->packets = s->pkt_no;
	st->written = s->write_failed ? 0 : s->written;
	st->write_failed = s->write_failed;
	if (!s->live)
		return;
	if (!s->ended && s->p != NULL && pcap_stats(s->p, &ps) == 0) {
		st->kernel_known = true;
	} else if (s->kstat_known) {
		ps = s->last_kstat;
		st->kernel_known = true;
	}
	if (st->kernel_known) {
		st->kernel_received = ps.ps_recv;
		st->kernel_dropped = ps.ps_drop;
		st->if_dropped = ps.ps_ifdrop;
	}
}

uint64_t
capsrc_matched(const struct capsrc *s)
{
	return s != NULL ? s->fed : 0;
}

static void
destroy(struct capsrc *s)
{
	if (s->fd >= 0)
		kd_loop_del_fd(s->loop, s->fd);
	disarm_reader(s);
	if (s->stop_timer > 0)
		kd_loop_del_timer(s->loop, s->stop_timer);
	if (s->have_prog)
		pcap_freecode(&s->prog);
	if (s->dump != NULL)
		pcap_dump_close(s->dump);
	map_close(s);
	if (s->p != NULL)
		pcap_close(s->p);
	free(s);
}

void
capsrc_close(struct capsrc *s)
{
	if (s == NULL)
		return;
	if (s->busy > 0) {
		/* Called from an event inside a read: finish reading first. */
		if (!s->ended) {
			s->on_end = NULL;
			finish(s, CAPSRC_END_STOPPED);
		}
		s->close_pending = true;
		return;
	}
	destroy(s);
}
