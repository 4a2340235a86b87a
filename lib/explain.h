/*
 * From an activation error code to what it means, the checklist items it
 * points to, and the kmsdiag commands to run next.  Pure: no I/O, so the
 * front command (kmsdiag explain, kmsdiag doctor) and the dashboard share it.
 *
 * Facts about an error (name, meaning, which check to run first) come from
 * the compiled error table (data/activation-errors.tsv through tables.h);
 * nothing here retypes them.  What this module adds is the troubleshooting
 * checklist of kmsdiag(7) as a table, the mapping from the error
 * table's check names to checklist items, and, per item, the command that
 * checks it.
 */
#ifndef KD_EXPLAIN_H
#define KD_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "report.h"
#include "tables.h"

#define KD_CHECKLIST_ITEMS	8
#define KD_ITEM_MAX_CMDS	3

/* One item of the troubleshooting checklist, numbered as in the checklist. */
struct kd_checklist_item {
	unsigned	 number;	/* 1..8 */
	/* "port", "dns", "rpc", "threshold", "host_key", "key", "domain", "time" */
	const char	*id;
	const char	*title;		/* "Port" */
	const char	*question;	/* one line: what must hold */
	/*
	 * kmsdiag commands that check the item, with placeholders HOST
	 * (name or address[:port]), DOMAIN, FILE (a capture of port 1688
	 * traffic) and PRODUCT; NULL-terminated.
	 */
	const char	*commands[KD_ITEM_MAX_CMDS + 1];
	/* What only a person can check, "" when the commands see it all. */
	const char	*by_hand;
};

size_t				 kd_checklist_count(void);
const struct kd_checklist_item	*kd_checklist_at(size_t);
/*
 * By item id, or by the finer names the error table and the tools use
 * ("srv_ttl", "srv_port", "hostkey", "host_state").  NULL for "other",
 * "", NULL and unknown names.
 */
const struct kd_checklist_item	*kd_checklist_find(const char *id);

/*
 * An error code as an administrator pastes it: "0xC004F074", "C004F074"
 * (exactly 8 hex digits without 0x are hex: that is how slmgr and the event
 * log print them), decimal "3221549172", or negative decimal "-1073418124"
 * (the signed 32-bit form some tools print).  false with *errstr set
 * ("empty", "invalid", "out of range") otherwise.
 */
bool	kd_explain_parse(const char *s, uint32_t *code, const char **errstr);

#define KD_EXPLAIN_MAX_CMDS	10

struct kd_explanation {
	/*
	 * The HRESULT explained.  A bare Win32 error number (1 to 0xFFFF, as
	 * clients log RPC errors: 0x6BA, 1722) is explained as the HRESULT
	 * 0x8007xxxx it stands for; given then holds the number as given.
	 */
	uint32_t			 code;
	uint32_t			 given;		/* == code unless a bare Win32 number */
	const struct kd_errcode		*err;		/* NULL: not in the error table */
	/* What the code's own structure says (facility, Win32 number). */
	char				 structure[256];
	/* Checklist items, the one to check first first; no duplicates. */
	const struct kd_checklist_item	*items[KD_CHECKLIST_ITEMS];
	size_t				 nitems;
	/* Commands to run next, in order, no duplicates; static storage. */
	const char			*commands[KD_EXPLAIN_MAX_CMDS];
	size_t				 ncommands;
};

/*
 * Fill out for code; never fails.  Unknown codes get items only from their
 * structure.  A bare Win32 number is read as its HRESULT (see above).
 */
void	kd_explain(uint32_t code, struct kd_explanation *out);
/* "0xC004F074" */
char	*kd_explain_code_str(uint32_t code, char *buf, size_t len);
/* One JSON object (type "explain"); NULL on allocation failure. */
json_t	*kd_explain_json(const struct kd_explanation *);

/*
 * Doctor: the most likely root cause among steps run in the order a client
 * goes through them.  Given verdicts in that order, the index of the step
 * that explains the run: the first FAIL; else the first UNKNOWN (the run
 * could not see past it); else the first WARN; -1 when all are OK.  Steps
 * marked skipped (verdict < 0) are ignored.
 */
int	kd_root_cause_index(const int *verdicts, size_t n);

#endif
