/*
 * Reading a local input file (target lists, zone files, resolv.conf)
 * without trusting what the path names.  A directory, a device or a FIFO
 * given where a file is expected must be an error, not an endless read of
 * /dev/zero or a hang on a FIFO with no writer; a file is read whole up to
 * a cap, and lines are cut only by their newline, so a long commented-out
 * line is refused as a whole instead of having its tail read as a new line.
 */
#ifndef KD_FILEIO_H
#define KD_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Caps that fit every text input we read; callers may pass others. */
#define KD_FILE_MAX_BYTES	(16u * 1024 * 1024)
#define KD_FILE_MAX_LINE	1023

/*
 * Read the regular file at path, at most max_bytes of it, into *out
 * (malloc'd, NUL-terminated, *len bytes without the NUL).  Returns 0, or
 * -1 with err naming the file and what is wrong ("x: is a directory, not
 * a regular file", "x: larger than 1048576 bytes", "x: read: I/O error").
 * A FIFO is refused without blocking.  Messages hold the name as given:
 * escape them for a terminal when printing (kd_sanitize), as any message.
 */
int	kd_read_regular(const char *path, size_t max_bytes, char **out,
	    size_t *len, char *err, size_t errlen);

/*
 * The same for an already open descriptor such as standard input, which
 * may be a pipe: read until end of file, refusing more than max_bytes.
 * name is used in messages only.  The descriptor is not closed.
 */
int	kd_read_fd(int fd, const char *name, size_t max_bytes, char **out,
	    size_t *len, char *err, size_t errlen);

/* "a directory", "a FIFO", ...: what a path is when it is not a regular file. */
const char	*kd_file_kind(mode_t);

/*
 * A line iterator over a buffer read above.  It writes NULs into the
 * buffer in place of the newlines (and a CR before one), so each line is a
 * C string that lives as long as the buffer; buf[len] must be writable,
 * as the NUL the readers above put there is.
 */
struct kd_lines {
	char		*p;		/* first byte not yet returned */
	char		*end;		/* one past the last byte */
	const char	*name;		/* the file, for messages */
	size_t		 lineno;	/* 1-based number of the last line seen */
	size_t		 max_line;	/* longest line accepted, without newline */
};

void	kd_lines_init(struct kd_lines *, char *buf, size_t len,
	    const char *name, size_t max_line);
/*
 * 1: *line is the next line.  0: no more lines.  -1: the next line is
 * longer than max_line or holds a NUL byte; err says "name: line N: ...".
 * After -1 the iterator has stepped over that whole line, so a caller may
 * report it and go on, or stop.
 */
int	kd_lines_next(struct kd_lines *, char **line, char *err, size_t errlen);

#endif
