/*
 * kd_drop_privileges: each case runs in a child process, since a drop
 * cannot be undone.  As root: to nobody (by default and by name), root
 * cannot be regained, supplementary groups are gone; an unknown user and
 * an empty name fail with a message; "root" stays root.  Not root: a no-op
 * that still clears capabilities.
 */
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kdtest.h"
#include "privdrop.h"

/* Child exit codes: 0 as expected, anything else names the failed step. */
static int
child_drop(const char *user, uid_t want_uid, gid_t want_gid)
{
	struct kd_diag d = { 0 };
	gid_t groups[4];
	int n;

	if (kd_drop_privileges(user, &d) != 0)
		return 10;
	if (getuid() != want_uid || geteuid() != want_uid)
		return 11;
	if (getgid() != want_gid || getegid() != want_gid)
		return 12;
	if (want_uid != 0 && setuid(0) == 0)
		return 13;
	n = getgroups(4, groups);
	if (want_uid != 0 && (n < 0 || n > 1 || (n == 1 && groups[0] != want_gid)))
		return 14;
	return 0;
}

static int
child_fail(const char *user, const char *want_msg)
{
	struct kd_diag d = { 0 };

	if (kd_drop_privileges(user, &d) != -1)
		return 20;
	if (strstr(d.msg, want_msg) == NULL || d.layer == NULL ||
	    strcmp(d.layer, "privdrop") != 0)
		return 21;
	if (getuid() != 0)	/* a failed lookup changes nothing */
		return 22;
	return 0;
}

static int
in_child(int (*fn)(void *), void *arg)
{
	pid_t pid;
	int st;

	fflush(NULL);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static const struct passwd *nobody;

static int
c_default(void *arg)
{
	(void)arg;
	return child_drop(NULL, nobody->pw_uid, nobody->pw_gid);
}

static int
c_named(void *arg)
{
	(void)arg;
	return child_drop("nobody", nobody->pw_uid, nobody->pw_gid);
}

static int
c_root(void *arg)
{
	(void)arg;
	return child_drop("root", 0, getgid());
}

static int
c_unknown(void *arg)
{
	(void)arg;
	return child_fail("kd-no-such-user", "unknown user \"kd-no-such-user\"");
}

static int
c_empty(void *arg)
{
	(void)arg;
	return child_fail("", "empty user name");
}

static int
c_unprivileged(void *arg)
{
	struct kd_diag d = { 0 };
	uid_t u = getuid();

	(void)arg;
	if (kd_drop_privileges("kd-no-such-user", &d) != 0)
		return 30;
	return getuid() == u ? 0 : 31;
}

int
main(void)
{
	if (geteuid() != 0) {
		KDT_CHECK(in_child(c_unprivileged, NULL) == 0);
		fprintf(stderr, "test_privdrop: not root, only the no-op case tested\n");
		return KDT_DONE("test_privdrop");
	}
	if ((nobody = getpwnam("nobody")) == NULL) {
		fprintf(stderr, "test_privdrop: no user nobody\n");
		KDT_CHECK(nobody != NULL);
		return KDT_DONE("test_privdrop");
	}
	/* Give the children a supplementary group to lose. */
	setgroups(1, (gid_t[]){ 0 });
	KDT_CHECK(in_child(c_default, NULL) == 0);
	KDT_CHECK(in_child(c_named, NULL) == 0);
	KDT_CHECK(in_child(c_root, NULL) == 0);
	KDT_CHECK(in_child(c_unknown, NULL) == 0);
	KDT_CHECK(in_child(c_empty, NULL) == 0);
	return KDT_DONE("test_privdrop");
}
