/*
 * Fuzz target for the whole capture pipeline: the input is a pcap or
 * pcapng file.  It goes the way kmsdiag-capture -r reads a file: a packet
 * source (capture/capsrc.c) on a kd_loop, opened on the bytes through
 * fmemopen(), feeds capture_packet() (link layer, IP, TCP reassembly,
 * DCE/RPC, KMS decode, analysis); the events and the summary go through
 * the text or JSON writer (input length odd: JSON; bit 1: verbose) into
 * /dev/null, so the escaping of wire strings runs too.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../capture/capsrc.h"
#include "../capture/capture.h"
#include "loop.h"
#include "report.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
ended(struct capsrc *src, enum capsrc_end how, void *arg)
{
	(void)src;
	(void)how;
	(void)arg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static FILE *devnull;
	struct capture_opts opts;
	struct capsrc_opts so;
	struct capture_out out;
	struct capture *cap;
	struct capsrc *src;
	struct kd_loop *loop;
	struct kd_report rep;
	struct kd_diag d = { 0 };
	FILE *f;

	if (len == 0)
		return (0);
	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		return (0);
	if ((f = fmemopen((void *)(uintptr_t)data, len, "rb")) == NULL)
		return (0);
	memset(&out, 0, sizeof(out));
	out.fp = devnull;
	out.json = (len & 1) != 0;
	out.verbose = (len & 2) != 0;
	out.in_capture_order = (len & 4) != 0;	/* text: lines held and sorted */
	memset(&opts, 0, sizeof(opts));
	opts.max_flows = 64;
	memset(&so, 0, sizeof(so));
	so.file = "fuzz";
	so.stream = f;
	/* fmemopen has no fd: the timer reader; one batch takes every packet. */
	so.batch = 1u << 20;
	if ((loop = kd_loop_new()) == NULL) {
		fclose(f);
		return (0);
	}
	if ((cap = capture_new(&opts, capture_out_event, &out)) == NULL) {
		fclose(f);
		kd_loop_free(loop);
		return (0);
	}
	if ((src = capsrc_open(&so, cap, loop, ended, NULL, &d, NULL)) == NULL)
		capture_error(cap, &d);
	else {
		kd_loop_run(loop);
		capsrc_close(src);	/* closes f */
	}
	capture_finish(cap);
	kd_report_init(&rep, "capture");
	capture_report(cap, &rep);
	capture_out_summary(&out, cap, &rep);
	kd_report_fini(&rep);
	capture_free(cap);
	kd_loop_free(loop);
	return (0);
}
