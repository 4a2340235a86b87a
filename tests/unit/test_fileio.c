/*
 * lib/fileio.c: what may be read as a local input file, and how lines are
 * cut.  Each refused kind (directory, device, FIFO, over the cap, an
 * over-long line) used to be read: /dev/zero forever, a FIFO blocking, a
 * long line split with its tail used as a line of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "kdtest.h"

static char dir[] = "/tmp/kd-fileio-XXXXXX";

static char *
tmp_path(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void
write_file(const char *path, const char *data, size_t n)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fwrite(data, 1, n, fp) != n || fclose(fp) != 0)
		abort();
}

static void
test_refused_kinds(void)
{
	char err[256], *buf;
	size_t len;
	char *fifo = tmp_path("fifo");

	KDT_CHECK(kd_read_regular(dir, 1024, &buf, &len, err, sizeof(err)) == -1);
	KDT_CHECK(strstr(err, "is a directory, not a regular file") != NULL);
	KDT_CHECK(buf == NULL && len == 0);

	KDT_CHECK(kd_read_regular("/dev/zero", 1024, &buf, &len, err, sizeof(err)) == -1);
	KDT_STREQ(err, "/dev/zero: is a character device, not a regular file");

	/* Must return at once: no writer will ever open it. */
	KDT_CHECK(mkfifo(fifo, 0600) == 0);
	KDT_CHECK(kd_read_regular(fifo, 1024, &buf, &len, err, sizeof(err)) == -1);
	KDT_CHECK(strstr(err, "is a FIFO, not a regular file") != NULL);
	unlink(fifo);

	KDT_CHECK(kd_read_regular(tmp_path("missing"), 1024, &buf, &len, err,
	    sizeof(err)) == -1);
	KDT_CHECK(strstr(err, "missing: No such file or directory") != NULL);

	/* Messages hold the name as given; printing them escapes it. */
	KDT_CHECK(kd_read_regular("/nonexistent/\x1b[2J", 1024, &buf, &len, err,
	    sizeof(err)) == -1);
	KDT_STREQ(err, "/nonexistent/\x1b[2J: No such file or directory");
}

static void
test_caps(void)
{
	char err[256], *buf, data[64];
	size_t len;
	char *p = tmp_path("cap");
	int fd;

	memset(data, 'a', sizeof(data));
	write_file(p, data, 10);
	KDT_CHECK(kd_read_regular(p, 10, &buf, &len, err, sizeof(err)) == 0);
	KDT_CHECK(len == 10 && buf[10] == '\0' && memcmp(buf, data, 10) == 0);
	free(buf);

	write_file(p, data, 11);
	KDT_CHECK(kd_read_regular(p, 10, &buf, &len, err, sizeof(err)) == -1);
	KDT_CHECK(strstr(err, "cap: larger than 10 bytes") != NULL);
	KDT_CHECK(buf == NULL);

	/* No cap at all is a cap that cannot overflow the buffer size. */
	KDT_CHECK(kd_read_regular(p, SIZE_MAX, &buf, &len, err, sizeof(err)) == 0);
	KDT_CHECK(len == 11);
	free(buf);

	write_file(p, "", 0);
	KDT_CHECK(kd_read_regular(p, 10, &buf, &len, err, sizeof(err)) == 0);
	KDT_CHECK(len == 0 && buf != NULL && buf[0] == '\0');
	free(buf);

	/* A stream (stdin may be a pipe or a device) is capped while read. */
	fd = open("/dev/zero", O_RDONLY);
	KDT_CHECK(kd_read_fd(fd, "-", 100000, &buf, &len, err, sizeof(err)) == -1);
	KDT_STREQ(err, "-: larger than 100000 bytes");
	close(fd);

	/* Larger than one read buffer, exactly at the cap. */
	{
		static char big[10000];

		memset(big, 'x', sizeof(big));
		write_file(p, big, sizeof(big));
		KDT_CHECK(kd_read_regular(p, sizeof(big), &buf, &len, err,
		    sizeof(err)) == 0);
		KDT_CHECK(len == sizeof(big) && buf[len] == '\0');
		free(buf);
		fd = open(p, O_RDONLY);
		KDT_CHECK(kd_read_fd(fd, "big", sizeof(big) - 1, &buf, &len, err,
		    sizeof(err)) == -1);
		close(fd);
	}
	unlink(p);
}

static void
test_lines(void)
{
	char err[256], *buf, *line;
	char text[] = "one\r\ntwo\n\n# xxxxxxxxxxxxxxxxxxxx\nthree\nlast";
	struct kd_lines it;
	size_t len;
	char *p = tmp_path("lines");

	write_file(p, text, strlen(text));
	KDT_CHECK(kd_read_regular(p, 1024, &buf, &len, err, sizeof(err)) == 0);
	kd_lines_init(&it, buf, len, "targets.txt", 16);
	KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == 1);
	KDT_STREQ(line, "one");
	KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == 1);
	KDT_STREQ(line, "two");
	KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == 1);
	KDT_STREQ(line, "");
	/* The over-long comment is refused whole: its tail is never a line. */
	KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == -1);
	KDT_STREQ(err, "targets.txt: line 4: longer than 16 bytes");
	KDT_CHECK(line == NULL && it.lineno == 4);
	KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == 1);
	KDT_STREQ(line, "three");
	KDT_CHECK(it.lineno == 5);
	/* The last line needs no newline. */
	KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == 1);
	KDT_STREQ(line, "last");
	KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == 0);
	KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == 0);
	free(buf);

	/* Exactly max_line bytes is accepted, a CR before the newline does not count. */
	{
		char at[] = "1234567890123456\r\n12345678901234567\n";

		kd_lines_init(&it, at, strlen(at), "f", 16);
		KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == 1);
		KDT_STREQ(line, "1234567890123456");
		KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == -1);
		KDT_STREQ(err, "f: line 2: longer than 16 bytes");
		KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == 0);
	}
	/* A NUL byte would cut the line short as a C string. */
	{
		char nul[] = "ab\0cd\nok\n";

		kd_lines_init(&it, nul, sizeof(nul) - 1, "f", 16);
		KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == -1);
		KDT_STREQ(err, "f: line 1: NUL byte at column 3");
		KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == 1);
		KDT_STREQ(line, "ok");
	}
	/* An empty buffer has no lines. */
	{
		char empty[1] = "";

		kd_lines_init(&it, empty, 0, "f", 16);
		KDT_CHECK(kd_lines_next(&it, &line, err, sizeof(err)) == 0);
	}
	unlink(p);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		abort();
	test_refused_kinds();
	test_caps();
	test_lines();
	rmdir(dir);
	return KDT_DONE("test_fileio");
}
