/*
 * Error lines per kind, capped.  A capture of a DCE/RPC fragment bomb or a
 * port scan produces the same decode error thousands of times; a reader
 * needs the first few (with their packet numbers) and a count of the rest,
 * not 20,000 lines.  The engine still counts every error (the summary's
 * "errors"); only the events beyond the first ERRLIMIT_SHOWN of a kind are
 * withheld, and the caller reports the counts at the end.
 *
 * A kind is the layer, the status and the message with its numbers
 * replaced by "N" ("middle/last fragment of call N without its first
 * fragment"), so errors differing only in a call ID or offset are one kind.
 */
#ifndef KD_ERRLIMIT_H
#define KD_ERRLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define ERRLIMIT_SHOWN	20	/* error events passed on per kind */
#define ERRLIMIT_KINDS	64	/* kinds told apart; the rest share one slot */

struct errlimit_kind {
	bool		 other;		/* the slot shared beyond ERRLIMIT_KINDS */
	const char	*layer;		/* static, as in kd_diag */
	enum kd_status	 status;
	char		 like[112];	/* the message, numbers as N */
	uint64_t	 seen;		/* errors of this kind, shown or not */
	uint64_t	 first_hidden, last;	/* packet numbers */
};

struct errlimit {
	struct errlimit_kind kinds[ERRLIMIT_KINDS];
	size_t		 nkinds;
	struct errlimit_kind other;	/* kinds beyond the table */
};

/* Count d; true when its event should still be passed on. */
bool	errlimit_pass(struct errlimit *, const struct kd_diag *d);

/*
 * The kinds of which errors were withheld, in first-seen order: call with
 * *i = 0 until it returns NULL.  Withheld = seen - ERRLIMIT_SHOWN.
 */
const struct errlimit_kind *errlimit_next_hidden(const struct errlimit *, size_t *i);

struct capture;
const struct errlimit *capture_errlimit(const struct capture *);

#endif
