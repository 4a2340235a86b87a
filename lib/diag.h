/*
 * Errors as values with a location.  A decoder never prints and never
 * exits: it returns a kd_status and fills a kd_diag that the caller
 * renders as "file: packet 7: offset 54: dcerpc: truncated (...)".
 */
#ifndef KD_DIAG_H
#define KD_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum kd_status {
	KD_OK = 0,
	KD_ETRUNC,	/* ran out of captured bytes: a capture artefact */
	KD_EINVAL,	/* the sender wrote something impossible */
	KD_EUNSUP,	/* valid but not something we decode */
	KD_ELIMIT,	/* a named cap from limits.h was hit */
	KD_ENOMEM,
	KD_EIO,
	KD_ETIMEDOUT,
	KD_EVERIFY	/* integrity check (MAC/hash/HMAC/padding) failed */
};

const char	*kd_strstatus(enum kd_status);

struct kd_diag {
	const char	*source;	/* file name, "host:port", "dns:..." */
	uint64_t	 pkt_no;	/* 1-based, 0 = not tied to a packet */
	size_t		 offset;	/* from the start of the packet or message */
	const char	*layer;		/* "pcap", "tcp", "dcerpc", "kms", ... */
	enum kd_status	 status;
	char		 msg[192];
};

/* Record a failure; returns status so callers can "return kd_diag_set(...)". */
enum kd_status	kd_diag_set(struct kd_diag *, enum kd_status, const char *layer,
		    size_t offset, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));
void		kd_diag_clear(struct kd_diag *);
/* "src: packet N: offset O: layer: status (msg)" without a newline. */
int		kd_diag_format(const struct kd_diag *, char *buf, size_t len);

#endif
