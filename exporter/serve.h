/* The exporter's HTTP server (serve.c). */
#ifndef KD_EXPORTER_SERVE_H
#define KD_EXPORTER_SERVE_H

#include <stddef.h>
#include <sys/socket.h>

#include "exporter.h"

struct exp_server;

/* "127.0.0.1:9688", "[::1]:9688": numeric only.  -1 with *errstr set. */
int	exp_listen_parse(const char *spec, struct sockaddr_storage *, socklen_t *,
	    const char **errstr);
/* Listening and serving in the library's threads when it returns non-NULL. */
struct exp_server *exp_server_start(const struct exp_config *, const struct sockaddr_storage *,
	    char *err, size_t errlen);
void	exp_server_stop(struct exp_server *);

#endif
