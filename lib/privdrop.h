/*
 * Giving up root once the capture is open, the way tcpdump -Z does: the
 * packet decoders then run with the rights of an unprivileged user, so a
 * bug reached by crafted traffic cannot act as root.
 */
#ifndef KD_PRIVDROP_H
#define KD_PRIVDROP_H

#include "diag.h"

#define KD_PRIVDROP_DEFAULT_USER	"nobody"

/*
 * Running as root (euid 0): switch to user (NULL = "nobody"): its
 * supplementary groups, its primary group, then its uid, and verify that
 * root cannot be regained.  A user whose uid is 0 (-Z root) keeps root.
 * Not running as root: nothing to switch; capabilities the program got
 * from its file (setcap cap_net_raw,...) are dropped instead.
 * Returns 0, or -1 with *err set (unknown user, a failed call).
 */
int	kd_drop_privileges(const char *user, struct kd_diag *err);

#endif
