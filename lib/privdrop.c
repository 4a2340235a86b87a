/*
 * See privdrop.h.  The order matters: groups first (setgroups and setgid
 * need root), the uid last, then a check that setuid(0) now fails, since a
 * partial drop that still allows regaining root is worse than an error.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "privdrop.h"

/*
 * A process with file capabilities but no root keeps them in its permitted
 * set; clearing every set is always allowed (only raising needs rights).
 * Raw syscall: libcap is one more dependency for a single call.
 */
static int
drop_capabilities(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	return (int)syscall(SYS_capset, &hdr, data);
}

int
kd_drop_privileges(const char *user, struct kd_diag *err)
{
	const struct passwd *pw;
	uid_t uid;
	gid_t gid;

	kd_diag_clear(err);
	err->source = "privileges";
	err->pkt_no = 0;
	if (user == NULL)
		user = KD_PRIVDROP_DEFAULT_USER;
	if (geteuid() != 0) {
		if (drop_capabilities() != 0) {
			kd_diag_set(err, KD_EIO, "privdrop", 0, "cannot drop "
			    "capabilities: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (user[0] == '\0') {
		kd_diag_set(err, KD_EINVAL, "privdrop", 0, "empty user name");
		return -1;
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH)
			kd_diag_set(err, KD_EIO, "privdrop", 0, "cannot look up user "
			    "\"%s\": %s", user, strerror(errno));
		else
			kd_diag_set(err, KD_EINVAL, "privdrop", 0, "unknown user \"%s\"; "
			    "name an existing unprivileged user with -Z", user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0)
		return 0;	/* asked to stay root (-Z root) */
	if (initgroups(pw->pw_name, gid) != 0 && setgroups(1, &gid) != 0) {
		kd_diag_set(err, KD_EIO, "privdrop", 0, "cannot set the groups of "
		    "\"%s\": %s", user, strerror(errno));
		return -1;
	}
	if (setgid(gid) != 0) {
		kd_diag_set(err, KD_EIO, "privdrop", 0, "cannot change to group %lu: "
		    "%s", (unsigned long)gid, strerror(errno));
		return -1;
	}
	if (setuid(uid) != 0) {
		kd_diag_set(err, KD_EIO, "privdrop", 0, "cannot change to user \"%s\" "
		    "(uid %lu): %s", user, (unsigned long)uid, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || geteuid() != uid || getuid() != uid ||
	    getegid() != gid || getgid() != gid) {
		kd_diag_set(err, KD_EIO, "privdrop", 0, "root could still be regained "
		    "after changing to \"%s\"; refusing to continue", user);
		return -1;
	}
	return 0;
}
