/*
 * See fileio.h.  Plain read(2) on a descriptor we opened and checked:
 * stdio's fgets splits long lines silently and its error flag is easy to
 * forget, and fopen cannot refuse a FIFO before blocking on it.
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
#include "textf.h"

const char *
kd_file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int
kd_read_fd(int fd, const char *name, size_t max_bytes, char **out,
    size_t *len, char *err, size_t errlen)
{
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0;
	ssize_t r;

	*out = NULL;
	*len = 0;
	/* The buffer holds max_bytes + 2 (one past the cap, the NUL): keep that finite. */
	if (max_bytes > SIZE_MAX / 2)
		max_bytes = SIZE_MAX / 2;
	for (;;) {
		if (n == cap) {
			/* One byte past the cap tells "too large" from "exactly full". */
			size_t ncap = cap == 0 ? 4096 : cap * 2;

			if (ncap > max_bytes + 1)
				ncap = max_bytes + 1;
			if (ncap <= n) {
				kd_setf(err, errlen, "%s: larger than %zu bytes",
				    name, max_bytes);
				goto fail;
			}
			if ((nb = realloc(buf, ncap + 1)) == NULL) {
				kd_setf(err, errlen, "%s: out of memory", name);
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			kd_setf(err, errlen, "%s: read: %s", name, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max_bytes) {
			kd_setf(err, errlen, "%s: larger than %zu bytes", name,
			    max_bytes);
			goto fail;
		}
	}
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		kd_setf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	return -1;
}

int
kd_read_regular(const char *path, size_t max_bytes, char **out, size_t *len,
    char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	*out = NULL;
	*len = 0;
	/* O_NONBLOCK: opening a FIFO with no writer would otherwise hang here. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		kd_setf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		kd_setf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		kd_setf(err, errlen, "%s: is %s, not a regular file", path,
		    kd_file_kind(st.st_mode));
		close(fd);
		return -1;
	}
	if ((unsigned long long)st.st_size > max_bytes) {
		kd_setf(err, errlen, "%s: larger than %zu bytes", path, max_bytes);
		close(fd);
		return -1;
	}
	/* The size is checked again while reading: the file may grow. */
	rc = kd_read_fd(fd, path, max_bytes, out, len, err, errlen);
	close(fd);
	return rc;
}

void
kd_lines_init(struct kd_lines *it, char *buf, size_t len, const char *name,
    size_t max_line)
{
	it->p = buf;
	it->end = buf + len;
	it->name = name;
	it->lineno = 0;
	it->max_line = max_line;
}

int
kd_lines_next(struct kd_lines *it, char **line, char *err, size_t errlen)
{
	char *s = it->p, *nl, *nul;
	size_t n;

	*line = NULL;
	if (it->p >= it->end)
		return 0;
	it->lineno++;
	nl = memchr(s, '\n', (size_t)(it->end - s));
	n = nl != NULL ? (size_t)(nl - s) : (size_t)(it->end - s);
	it->p = nl != NULL ? nl + 1 : it->end;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n > it->max_line) {
		kd_setf(err, errlen, "%s: line %zu: longer than %zu bytes",
		    it->name, it->lineno, it->max_line);
		return -1;
	}
	if ((nul = memchr(s, '\0', n)) != NULL) {
		kd_setf(err, errlen, "%s: line %zu: NUL byte at column %zu",
		    it->name, it->lineno, (size_t)(nul - s) + 1);
		return -1;
	}
	s[n] = '\0';
	*line = s;
	return 1;
}
