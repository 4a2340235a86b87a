/*
 * A command line for the parse tests: "kmsdiag-x -t 2 host" split at
 * spaces into a static argv (arguments with spaces cannot be written).
 */
#ifndef KD_ARGV_H
#define KD_ARGV_H

#include <stdio.h>
#include <string.h>

#define KDA_MAX	48

static inline int
kda_split(const char *prog, const char *line, char ***argvp)
{
	static char buf[1024];
	static char *argv[KDA_MAX + 1];
	int argc = 0;
	char *s;

	snprintf(buf, sizeof(buf), "%s %s", prog, line);
	for (s = strtok(buf, " "); s != NULL && argc < KDA_MAX; s = strtok(NULL, " "))
		argv[argc++] = s;
	argv[argc] = NULL;
	*argvp = argv;
	return argc;
}

#endif
