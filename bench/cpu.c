/*
 * cpu: run a command with stdout to /dev/null and report what it cost,
 * for bench/capture.sh.  Prints one line on stderr:
 *
 *	wall <s> cpu <s> rss <KiB> status <n>
 *
 * cpu is user plus system time of the child from wait4(2), with
 * microsecond resolution (GNU time rounds to 10 ms, a tenth of the bare
 * loop's whole run); rss is its peak resident size.
 *
 * usage: cpu command [arg...]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct timespec a, b;
	struct rusage ru;
	pid_t pid;
	int st, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: cpu command [arg...]\n");
		return 64;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if ((pid = fork()) == -1) {
		perror("cpu: fork");
		return 3;
	}
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) != -1)
			dup2(fd, 1);
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) == -1) {
		perror("cpu: wait4");
		return 3;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	fprintf(stderr, "wall %.6f cpu %.6f rss %ld status %d\n",
	    (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
	    tv_s(&ru.ru_utime) + tv_s(&ru.ru_stime), ru.ru_maxrss,
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
