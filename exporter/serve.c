/*
 * The HTTP side of kmsdiag-exporter, on libmicrohttpd: one thread per
 * connection, at most max_connections of them (more are refused by the
 * library), and at most `concurrency` checks running at once (more get
 * 503 at once, so a scrape storm costs neither memory nor KMS hosts).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "exporter.h"
#include "serve.h"

#define MAX_DEADLINE_MS		120000
#define DEFAULT_DEADLINE_MS	10000
#define MIN_DEADLINE_MS		100

struct exp_stats_mod {
	uint64_t	 ok, failed, error;
	double		 seconds;
};

struct exp_server {
	const struct exp_config	*cfg;
	struct MHD_Daemon	*mhd;
	struct exp_ratelimit	 rl;
	atomic_uint		 in_flight;
	pthread_mutex_t		 mu;	/* guards the counters below */
	struct exp_stats_mod	 mod[EXP_MAX_MODULES];
	uint64_t		 refused_busy, refused_target, bad_request, not_found;
};

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
reply_text(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum MHD_Result
reply_text(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
	va_list ap;
	char *body = malloc(512);
	int n;

	if (body == NULL)
		return MHD_NO;
	va_start(ap, fmt);
	n = vsnprintf(body, 512, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	return reply(c, status, "text/plain; charset=utf-8", body,
	    (size_t)n < 512 ? (size_t)n : 511);
}

static void
count(struct exp_server *s, uint64_t *field)
{
	pthread_mutex_lock(&s->mu);
	(*field)++;
	pthread_mutex_unlock(&s->mu);
}

/* Prometheus says how long it waits; answer within that, minus a margin. */
static unsigned
deadline_ms(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "X-Prometheus-Scrape-Timeout-Seconds");
	char *end;
	double s;

	if (h == NULL)
		return DEFAULT_DEADLINE_MS;
	s = strtod(h, &end);
	if (end == h || *end != '\0' || !(s > 0))
		return DEFAULT_DEADLINE_MS;
	if (s * 1000.0 > MAX_DEADLINE_MS)
		return MAX_DEADLINE_MS;
	s = s * 1000.0 - EXP_DEADLINE_MARGIN_MS;
	return s < MIN_DEADLINE_MS ? MIN_DEADLINE_MS : (unsigned)s;
}

static enum MHD_Result
serve_probe(struct exp_server *s, struct MHD_Connection *c)
{
	const char *target = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "target");
	const char *mname = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "module");
	const struct exp_module *m;
	struct kd_site site;
	struct kd_checklist cl;
	struct exp_result res;
	struct kd_prom p;
	struct kd_prom_label l[2];
	char *body = NULL;
	size_t len = 0;
	FILE *fp;
	size_t mi;
	unsigned busy;

	if (target == NULL || target[0] == '\0' || strlen(target) > 255) {
		count(s, &s->bad_request);
		return reply_text(c, MHD_HTTP_BAD_REQUEST,
		    "target parameter missing or longer than 255 bytes\n");
	}
	if (mname == NULL)
		mname = s->cfg->modules[0].name;
	if ((m = exp_config_module(s->cfg, mname)) == NULL) {
		count(s, &s->bad_request);
		return reply_text(c, MHD_HTTP_BAD_REQUEST, "unknown module\n");
	}
	/* Only the allow list: an open /probe endpoint is a port scanner. */
	if (!exp_config_allowed(s->cfg, target)) {
		count(s, &s->refused_target);
		return reply_text(c, MHD_HTTP_FORBIDDEN,
		    "target not in the configuration's allow list\n");
	}
	busy = atomic_fetch_add(&s->in_flight, 1);
	if (busy >= s->cfg->concurrency) {
		atomic_fetch_sub(&s->in_flight, 1);
		count(s, &s->refused_busy);
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "%u checks already running; try again\n", s->cfg->concurrency);
	}
	mi = (size_t)(m - s->cfg->modules);
	kd_site_init(&site);
	memset(&cl, 0, sizeof(cl));
	exp_check_run(m, target, deadline_ms(c), &s->rl, &site, &cl, &res);
	atomic_fetch_sub(&s->in_flight, 1);

	pthread_mutex_lock(&s->mu);
	if (res.error[0] != '\0')
		s->mod[mi].error++;
	else if (res.success)
		s->mod[mi].ok++;
	else
		s->mod[mi].failed++;
	s->mod[mi].seconds += res.seconds;
	pthread_mutex_unlock(&s->mu);

	kd_prom_init(&p);
	l[0].name = "module";
	l[0].value = m->name;
	kd_prom_add(&p, "kmsdiag_probe_success", "gauge",
	    "1 when the check ran and no checklist item it judged failed", res.success, l, 1);
	kd_prom_add(&p, "kmsdiag_probe_duration_seconds", "gauge",
	    "how long the check took", res.seconds, l, 1);
	if (m->check == EXP_CHECK_ACTIVATE)
		kd_prom_add(&p, "kmsdiag_activation_cached", "gauge",
		    "1 when the count is from an earlier request (one per renewal interval)",
		    res.activation_cached, l, 1);
	kd_prom_site(&p, &site, &cl, (long long)time(NULL));
	fp = open_memstream(&body, &len);
	if (fp != NULL) {
		if (res.error[0] != '\0') {
			char esc[512];

			/* A comment, so Prometheus shows it without a series per error text. */
			kd_prom_escape(esc, sizeof(esc), res.error);
			for (char *q = esc; *q; q++)
				if (*q == '\n')
					*q = ' ';
			fprintf(fp, "# kmsdiag: %s\n", esc);
		}
		kd_prom_write(fp, &p);
		fclose(fp);
	}
	kd_prom_fini(&p);
	kd_checklist_fini(&cl);
	kd_site_fini(&site);
	if (body == NULL)
		return MHD_NO;
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

static enum MHD_Result
serve_metrics(struct exp_server *s, struct MHD_Connection *c)
{
	struct kd_prom p;
	struct kd_prom_label l[2];
	char *body = NULL;
	size_t len = 0;
	FILE *fp;

	kd_prom_init(&p);
	l[0].name = "version";
	l[0].value = KD_VERSION;
	kd_prom_add(&p, "kmsdiag_exporter_build_info", "gauge",
	    "the exporter's version (always 1)", 1, l, 1);
	kd_prom_add(&p, "kmsdiag_exporter_checks_in_flight", "gauge",
	    "checks running now", atomic_load(&s->in_flight), NULL, 0);
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->cfg->nmodules; i++) {
		static const char *const res[] = { "success", "failure", "error" };
		uint64_t n[3] = { s->mod[i].ok, s->mod[i].failed, s->mod[i].error };

		l[0].name = "module";
		l[0].value = s->cfg->modules[i].name;
		l[1].name = "result";
		for (int k = 0; k < 3; k++) {
			l[1].value = res[k];
			kd_prom_add(&p, "kmsdiag_exporter_checks_total", "counter",
			    "checks run, by module and result", (double)n[k], l, 2);
		}
		kd_prom_add(&p, "kmsdiag_exporter_check_seconds_total", "counter",
		    "time spent in checks, by module", s->mod[i].seconds, l, 1);
	}
	{
		static const char *const why[] = { "busy", "target_not_allowed",
		    "bad_request", "not_found" };
		uint64_t n[4] = { s->refused_busy, s->refused_target, s->bad_request,
		    s->not_found };

		l[0].name = "reason";
		for (int k = 0; k < 4; k++) {
			l[0].value = why[k];
			kd_prom_add(&p, "kmsdiag_exporter_refused_total", "counter",
			    "requests answered with an error instead of a check", (double)n[k],
			    l, 1);
		}
	}
	pthread_mutex_unlock(&s->mu);
	fp = open_memstream(&body, &len);
	if (fp != NULL) {
		kd_prom_write(fp, &p);
		fclose(fp);
	}
	kd_prom_fini(&p);
	if (body == NULL)
		return MHD_NO;
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

static enum MHD_Result
handle(void *arg, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	static int first;
	struct exp_server *s = arg;

	(void)version;
	(void)upload;
	if (*con_cls == NULL) {
		*con_cls = &first;
		return MHD_YES;
	}
	if (*upload_len != 0) {
		*upload_len = 0;	/* nothing is read from a body */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		count(s, &s->bad_request);
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	}
	if (strcmp(url, "/probe") == 0)
		return serve_probe(s, c);
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(s, c);
	if (strcmp(url, "/") == 0)
		return reply_text(c, MHD_HTTP_OK, "kmsdiag-exporter %s\n"
		    "  /probe?target=HOST[:PORT]&module=NAME   one check, its metrics\n"
		    "  /metrics                                 the exporter's own metrics\n",
		    KD_VERSION);
	count(s, &s->not_found);
	return reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
}

int
exp_listen_parse(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen,
    const char **errstr)
{
	char host[256];
	uint16_t port;
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!probe_parse_target(spec, 9688, host, sizeof(host), &port, errstr))
		return -1;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*sslen = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*sslen = sizeof(*v6);
	} else {
		*errstr = "not a numeric address (the exporter does not resolve names to listen)";
		return -1;
	}
	return 0;
}

struct exp_server *
exp_server_start(const struct exp_config *cfg, const struct sockaddr_storage *ss,
    char *err, size_t errlen)
{
	struct exp_server *s = calloc(1, sizeof(*s));
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	exp_ratelimit_init(&s->rl);
	pthread_mutex_init(&s->mu, NULL);
	atomic_init(&s->in_flight, 0);
	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
	    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)ss,
	    MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    MHD_OPTION_END);
	if (s->mhd == NULL) {
		snprintf(err, errlen, "cannot listen on %s: address in use or not local",
		    cfg->listen);
		exp_server_stop(s);
		return NULL;
	}
	return s;
}

void
exp_server_stop(struct exp_server *s)
{
	if (s == NULL)
		return;
	if (s->mhd != NULL)
		MHD_stop_daemon(s->mhd);
	exp_ratelimit_fini(&s->rl);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
