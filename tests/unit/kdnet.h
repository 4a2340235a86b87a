/* Loopback helpers shared by the unit tests that open real sockets. */
#ifndef KD_TEST_NET_H
#define KD_TEST_NET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/*
 * A loopback port that answers with RST: bound, never listening.  Returns
 * the port (0 on failure); keep *fd open for as long as the port is used.
 */
static inline int
kdt_refused_port(int *fd)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(*fd, (struct sockaddr *)&sa, &sl) != 0)
		return 0;
	return ntohs(sa.sin_port);
}

#endif
