/*
 * A plain main() for the fuzz targets (libpcap's onefile.c idea), so a gcc
 * build with ASan+UBSan replays the corpus in "make check":
 *
 *	fuzz_x FILE|DIR ...
 *
 * Each FILE, and every regular file directly inside each DIR (dot files
 * skipped, names sorted), is read into a buffer of exactly its size, so
 * an over-read is caught, and handed to LLVMFuzzerTestOneInput() once.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
run_file(const char *path)
{
	FILE *fp;
	uint8_t *buf;
	struct stat st;
	size_t len, got;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "onefile: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &st) == -1 || st.st_size < 0) {
		fprintf(stderr, "onefile: %s: %s\n", path, strerror(errno));
		fclose(fp);
		return -1;
	}
	len = (size_t)st.st_size;
	/* malloc(0) may return NULL; keep a real (empty) allocation. */
	if ((buf = malloc(len ? len : 1)) == NULL) {
		fprintf(stderr, "onefile: %s: out of memory\n", path);
		fclose(fp);
		return -1;
	}
	got = fread(buf, 1, len, fp);
	fclose(fp);
	if (got != len) {
		fprintf(stderr, "onefile: %s: short read\n", path);
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run_dir(const char *dir, size_t *n)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t cnt = 0, cap = 0;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "onefile: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char *p;
		struct stat st;
		size_t plen;

		if (de->d_name[0] == '.')
			continue;
		plen = strlen(dir) + strlen(de->d_name) + 2;
		if ((p = malloc(plen)) == NULL) {
			rc = -1;
			break;
		}
		snprintf(p, plen, "%s/%s", dir, de->d_name);
		if (stat(p, &st) == -1 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **nn = realloc(names, ncap * sizeof(*nn));

			if (nn == NULL) {
				free(p);
				rc = -1;
				break;
			}
			names = nn;
			cap = ncap;
		}
		names[cnt++] = p;
	}
	closedir(d);
	if (cnt > 0)
		qsort(names, cnt, sizeof(*names), cmp);
	for (size_t i = 0; i < cnt; i++) {
		if (run_file(names[i]) == 0)
			(*n)++;
		else
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	size_t n = 0;
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file|dir ...\n", argv[0]);
		return 64;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "onefile: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &n) != 0)
				rc = 1;
		} else if (run_file(argv[i]) == 0)
			n++;
		else
			rc = 1;
	}
	printf("%s: %zu inputs replayed\n", argv[0], n);
	return rc;
}
