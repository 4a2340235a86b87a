#include <errno.h>
#include <stdlib.h>

#include "parse.h"

long long
kd_parse_num(const char *s, long long min, long long max, const char **errstr)
{
	long long v;
	char *end;

	*errstr = NULL;
	errno = 0;
	if (*s == '\0' || *s == ' ' || *s == '+') {
		*errstr = "invalid";
		return 0;
	}
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		*errstr = "invalid";
	else if ((errno == ERANGE && v < 0) || v < min)
		*errstr = "too small";
	else if ((errno == ERANGE && v > 0) || v > max)
		*errstr = "too large";
	return *errstr == NULL ? v : 0;
}

int
kd_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
