/*
 * A packet source driven by a kd_loop: a live interface (libpcap
 * pcap_create/pcap_activate, immediate mode, non-blocking selectable fd)
 * or a capture file replayed as fast as possible, in real time, or N times
 * real time.  It feeds one capture engine, so kmsdiag-capture and the
 * dashboard share one decode path for live and offline input.
 *
 *	src = capsrc_open(&opts, cap, loop, on_end, arg, &diag);
 *	kd_drop_privileges(user, &diag);	(live: right after opening)
 *	... kd_loop_run(loop) ...		(on_end runs once at the end)
 *	capsrc_stats(src, &st);
 *	capsrc_close(src);
 *
 * As-fast-as-possible replay reads at most opts.batch packets per loop
 * turn, so the terminal and the timers of the same loop stay responsive.
 *
 * Errors while reading (a file cut short, the interface going away) reach
 * the engine as capture_error() events before the end callback runs; an
 * open failure is only returned in *err (report it, e.g. capture_error()).
 * The end callback and the engine's event callback may call capsrc_stop,
 * capsrc_pause and capsrc_close; a close from inside a read takes effect
 * when the read returns.  After a signal stopped the loop, call
 * capsrc_stop() so the end callback runs.
 */
#ifndef KD_CAPSRC_H
#define KD_CAPSRC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "diag.h"
#include "loop.h"

#define CAPSRC_DEFAULT_SNAPLEN	262144
/*
 * The kernel ring, live.  Each packet takes a slot of the interface MTU (or
 * the snap length, if smaller), and in immediate mode libpcap's 2 MiB holds
 * about 30 slots on lo or "any" (MTU 65536), where every packet is seen
 * twice: one activation is 20 packets, and a capture that is not scheduled
 * for a millisecond drops some.  16 MiB is about 250 slots there and
 * thousands on Ethernet.
 */
#define CAPSRC_DEFAULT_BUFFER_KIB 16384
#define CAPSRC_DEFAULT_BATCH	256

/* How a source ended (the status passed to capsrc_end_cb). */
enum capsrc_end {
	CAPSRC_END_EOF = 0,	/* end of file */
	CAPSRC_END_LIMIT,	/* -c COUNT or --duration reached */
	CAPSRC_END_STOPPED,	/* capsrc_stop() (SIGINT, SIGTERM, the user) */
	CAPSRC_END_CUT,		/* read error part way: what came before was decoded */
	CAPSRC_END_ERROR	/* the interface went away, ... */
};

struct capsrc_opts {
	const char	*iface;		/* live: interface name or "any"; NULL: offline */
	const char	*file;		/* offline: pcap/pcapng path, "-" = stdin */
	const char	*filter;	/* BPF; NULL: live uses "tcp port P [or ...]" for
					   the engine's ports, offline uses none */
	const uint16_t	*ports;		/* for the default live filter; NULL: 1688 */
	size_t		 nports;
	int		 snaplen;	/* live; 0 = CAPSRC_DEFAULT_SNAPLEN */
	int		 buffer_kib;	/* live -B; 0 = CAPSRC_DEFAULT_BUFFER_KIB */
	const char	*write_file;	/* -w: also write every packet read (pcap); a
					   symlink, hard link or non-regular file is
					   refused, a new file is 0600 */
	uint64_t	 max_packets;	/* -c; 0 = no limit */
	unsigned	 duration_ms;	/* --duration; 0 = no limit */
	double		 speed;		/* offline: 0 = as fast as possible, 1 = real time */
	unsigned	 batch;		/* offline, as fast as possible; 0 = default */
	bool		 no_promisc;	/* live: do not put the interface in
					   promiscuous mode (default: like tcpdump, do) */
	FILE		*stream;	/* offline: read this stream instead of opening
					   file (which still names it); capsrc takes it
					   over and closes it, even when the open fails */
};

struct capsrc_stats {
	uint64_t	 packets;	/* read from the source (before the filter, files) */
	uint64_t	 written;	/* -w; 0 once writing failed */
	bool		 write_failed;	/* -w: a write failed (reported as an error) */
	bool		 kernel_known;	/* live: pcap_stats() worked */
	uint64_t	 kernel_received, kernel_dropped, if_dropped;
};

struct capsrc;
typedef void	capsrc_end_cb(struct capsrc *, enum capsrc_end, void *arg);

/*
 * Opens the source and registers it with the loop.  NULL with *err set
 * (source "iface" or the file name, layer "pcap"/"bpf") when it cannot be
 * opened, the link type is unsupported, or the filter does not compile;
 * *bad_filter tells the last case apart (a usage error) when non-NULL.
 */
struct capsrc	*capsrc_open(const struct capsrc_opts *, struct capture *, struct kd_loop *,
		    capsrc_end_cb *, void *arg, struct kd_diag *err, bool *bad_filter);
/* Stop reading now; the end callback runs with CAPSRC_END_STOPPED. */
void		 capsrc_stop(struct capsrc *);
/* Offline replay only: hold / resume (the dashboard's 'p'). */
void		 capsrc_pause(struct capsrc *, bool paused);
bool		 capsrc_live(const struct capsrc *);
void		 capsrc_stats(const struct capsrc *, struct capsrc_stats *);
/* Packets handed to the engine so far (after the filter; what -c counts). */
uint64_t	 capsrc_matched(const struct capsrc *);
/* Unregisters from the loop, closes pcap and the -w file.  NULL is a no-op. */
void		 capsrc_close(struct capsrc *);

#endif
