#ifndef KD_PCAPSRC_H
#define KD_PCAPSRC_H

#include <stdint.h>

#include "capture.h"

#define PCAPSRC_OK		0
#define PCAPSRC_CUT		1	/* read error part way: the rest was decoded */
#define PCAPSRC_UNREADABLE	2	/* not a capture, or an unsupported link type */
#define PCAPSRC_BADFILTER	3

/* Read one file ("-" = stdin) through the engine. */
int	pcapsrc_read(struct capture *, const char *path, const char *bpf,
	    uint64_t *npkts);

#endif
