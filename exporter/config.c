/*
 * The exporter's configuration: a small line format in the spirit of
 * sshd_config, so an administrator reads it without a manual:
 *
 *	listen 127.0.0.1:9688
 *	concurrency 8
 *	allow 192.0.2.0/24
 *	allow kms1.corp.example
 *	allow *.corp.example
 *	module kms_rpc
 *		check rpc
 *		timeout 3
 *
 * "module NAME" opens a module; the indented lines after it are its
 * settings.  Unknown keys are errors, not warnings: a typo in "activate"
 * must not silently change what the exporter does to a KMS host.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cli.h"
#include "exporter.h"
#include "parse.h"
#include "../probe/probe.h"

void
exp_config_init(struct exp_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "%s", EXP_DEFAULT_LISTEN);
	c->concurrency = EXP_DEFAULT_CONCURRENCY;
	c->max_connections = 64;
}

static bool
cfg_err(char *err, size_t errlen, const char *file, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static bool
cfg_err(char *err, size_t errlen, const char *file, size_t line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s:%zu: ", file, line);

	if (n < 0 || (size_t)n >= errlen)
		return false;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

static void
lower_name(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i] != '\0'; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
	if (i > 0 && dst[i - 1] == '.')
		dst[i - 1] = '\0';
}

static bool
parse_allow(struct exp_allow *a, const char *v)
{
	char buf[256], *slash;
	const char *errstr;

	memset(a, 0, sizeof(*a));
	if (strlen(v) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", v);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, a->addr) == 1) {
		a->family = AF_INET;
		a->bits = 32;
	} else if (inet_pton(AF_INET6, buf, a->addr) == 1) {
		a->family = AF_INET6;
		a->bits = 128;
	}
	if (a->family != 0) {
		a->is_prefix = true;
		if (slash != NULL) {
			a->bits = (unsigned)kd_parse_num(slash + 1, 0, a->bits, &errstr);
			if (errstr != NULL)
				return false;
		}
		return true;
	}
	if (slash != NULL || buf[0] == '\0')
		return false;
	if (strncmp(buf, "*.", 2) == 0) {
		a->suffix = true;
		lower_name(a->name, sizeof(a->name), buf + 2);
	} else
		lower_name(a->name, sizeof(a->name), buf);
	/* Host names: letters, digits, '-', '_', '.'. */
	for (const char *p = a->name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return a->name[0] != '\0';
}

static bool
module_key(struct exp_module *m, const char *key, const char *v, const char **why)
{
	const char *errstr = NULL;

	if (strcmp(key, "check") == 0) {
		if (strcmp(v, "tcp") == 0)
			m->check = EXP_CHECK_TCP;
		else if (strcmp(v, "rpc") == 0)
			m->check = EXP_CHECK_RPC;
		else if (strcmp(v, "activate") == 0)
			m->check = EXP_CHECK_ACTIVATE;
		else if (strcmp(v, "srv") == 0)
			m->check = EXP_CHECK_SRV;
		else
			*why = "check must be tcp, rpc, activate or srv";
	} else if (strcmp(key, "timeout") == 0) {
		/* The tools' -t: the same parser, the same syntax. */
		struct kd_cli_err err;

		if (!kd_cli_secs("timeout", v, KD_CLI_TIMEOUT_MIN_MS, 60000, &m->timeout_ms,
		    &err))
			*why = "timeout must be seconds between 0.01 and 60 (such as 0.5 or 2)";
	} else if (strcmp(key, "port") == 0) {
		m->port = (uint16_t)kd_parse_num(v, 1, 65535, &errstr);
		if (errstr != NULL)
			*why = "port must be 1-65535";
	} else if (strcmp(key, "activate") == 0) {
		if (strcmp(v, "yes") == 0)
			m->activate = true;
		else if (strcmp(v, "no") == 0)
			m->activate = false;
		else
			*why = "activate must be yes or no";
	} else if (strcmp(key, "product") == 0) {
		struct kd_guid g;

		m->product = kd_guid_parse(&g, v) ? kd_sku_find(&g) : kd_sku_find_name(v);
		if (m->product == NULL)
			*why = "product not in the product table (kmsdiag-probe --product list)";
	} else if (strcmp(key, "dns_server") == 0) {
		if (strlen(v) >= sizeof(m->dns_server))
			*why = "dns_server too long";
		else
			snprintf(m->dns_server, sizeof(m->dns_server), "%s", v);
	} else if (strcmp(key, "probe_targets") == 0) {
		if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)
			m->probe_targets = strcmp(v, "yes") == 0;
		else
			*why = "probe_targets must be yes or no";
	} else if (strcmp(key, "family") == 0) {
		if (strcmp(v, "ipv4") == 0)
			m->family = AF_INET;
		else if (strcmp(v, "ipv6") == 0)
			m->family = AF_INET6;
		else if (strcmp(v, "any") == 0)
			m->family = AF_UNSPEC;
		else
			*why = "family must be ipv4, ipv6 or any";
	} else
		*why = "unknown module setting";
	return *why == NULL;
}

bool
exp_config_parse(struct exp_config *c, const char *text, size_t len,
    const char *file, char *err, size_t errlen)
{
	struct exp_module *cur = NULL;
	size_t line = 0, pos = 0;

	while (pos < len) {
		char buf[1024], *key, *val, *p;
		size_t n = 0;
		bool indented;
		const char *why = NULL, *errstr = NULL;

		line++;
		while (pos < len && text[pos] != '\n') {
			if (text[pos] == '\0')
				return cfg_err(err, errlen, file, line, "NUL byte");
			if (n + 1 >= sizeof(buf))
				return cfg_err(err, errlen, file, line,
				    "line longer than %zu bytes", sizeof(buf) - 1);
			buf[n++] = text[pos++];
		}
		pos++;
		buf[n] = '\0';
		if ((p = strchr(buf, '#')) != NULL)
			*p = '\0';
		n = strlen(buf);
		while (n > 0 && isspace((unsigned char)buf[n - 1]))
			buf[--n] = '\0';
		indented = buf[0] == ' ' || buf[0] == '\t';
		key = buf + strspn(buf, " \t");
		if (*key == '\0')
			continue;
		val = key + strcspn(key, " \t");
		if (*val != '\0') {
			*val++ = '\0';
			val += strspn(val, " \t");
		}
		if (*val == '\0')
			return cfg_err(err, errlen, file, line, "%s: missing value", key);
		if (indented) {
			if (cur == NULL)
				return cfg_err(err, errlen, file, line,
				    "indented setting outside a module");
			if (!module_key(cur, key, val, &why))
				return cfg_err(err, errlen, file, line, "%s %s: %s", key, val, why);
			continue;
		}
		cur = NULL;
		if (strcmp(key, "module") == 0) {
			if (c->nmodules == EXP_MAX_MODULES)
				return cfg_err(err, errlen, file, line, "more than %d modules",
				    EXP_MAX_MODULES);
			if (strlen(val) >= sizeof(c->modules[0].name) ||
			    strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(val))
				return cfg_err(err, errlen, file, line,
				    "module name: letters, digits, '_' and '-' only");
			if (exp_config_module(c, val) != NULL)
				return cfg_err(err, errlen, file, line, "module %s defined twice", val);
			cur = &c->modules[c->nmodules++];
			memset(cur, 0, sizeof(*cur));
			snprintf(cur->name, sizeof(cur->name), "%s", val);
			cur->check = EXP_CHECK_RPC;
			cur->timeout_ms = 3000;
			cur->port = 1688;
		} else if (strcmp(key, "listen") == 0) {
			if (strlen(val) >= sizeof(c->listen))
				return cfg_err(err, errlen, file, line, "listen: too long");
			snprintf(c->listen, sizeof(c->listen), "%s", val);
		} else if (strcmp(key, "concurrency") == 0) {
			c->concurrency = (unsigned)kd_parse_num(val, 1, 256, &errstr);
			if (errstr != NULL)
				return cfg_err(err, errlen, file, line,
				    "concurrency %s: %s (1-256)", val, errstr);
		} else if (strcmp(key, "max_connections") == 0) {
			c->max_connections = (unsigned)kd_parse_num(val, 1, 4096, &errstr);
			if (errstr != NULL)
				return cfg_err(err, errlen, file, line,
				    "max_connections %s: %s (1-4096)", val, errstr);
		} else if (strcmp(key, "allow") == 0) {
			if (c->nallow == EXP_MAX_ALLOW)
				return cfg_err(err, errlen, file, line, "more than %d allow lines",
				    EXP_MAX_ALLOW);
			if (!parse_allow(&c->allow[c->nallow], val))
				return cfg_err(err, errlen, file, line,
				    "allow %s: not an address, prefix or host name", val);
			c->nallow++;
		} else if (strcmp(key, "state_dir") == 0) {
			if (strlen(val) >= sizeof(c->state_dir))
				return cfg_err(err, errlen, file, line, "state_dir: too long");
			snprintf(c->state_dir, sizeof(c->state_dir), "%s", val);
		} else
			return cfg_err(err, errlen, file, line, "unknown setting %s", key);
	}
	for (size_t i = 0; i < c->nmodules; i++) {
		const struct exp_module *m = &c->modules[i];

		/* Being counted as a client is a change to the host: say so. */
		if (m->check == EXP_CHECK_ACTIVATE && !m->activate)
			return cfg_err(err, errlen, file, line, "module %s: check activate "
			    "needs \"activate yes\" (the exporter is then counted as one "
			    "client of each host it probes)", m->name);
	}
	if (c->nmodules == 0)
		return cfg_err(err, errlen, file, line, "no module defined");
	if (c->nallow == 0)
		return cfg_err(err, errlen, file, line, "no allow line: every target "
		    "would be refused (an open /probe endpoint is a port scanner)");
	return true;
}

const struct exp_module *
exp_config_module(const struct exp_config *c, const char *name)
{
	for (size_t i = 0; i < c->nmodules; i++)
		if (strcmp(c->modules[i].name, name) == 0)
			return &c->modules[i];
	return NULL;
}

static bool
prefix_match(const struct exp_allow *a, int family, const uint8_t *addr)
{
	unsigned full = a->bits / 8, rest = a->bits % 8;

	if (a->family != family)
		return false;
	if (memcmp(a->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0;
}

bool
exp_config_allowed(const struct exp_config *c, const char *target)
{
	char host[256], name[256];
	uint16_t port;
	uint8_t addr[16];
	int family = 0;
	const char *errstr;

	if (!probe_parse_target(target, 1688, host, sizeof(host), &port, &errstr))
		return false;
	if (inet_pton(AF_INET, host, addr) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		family = AF_INET6;
	lower_name(name, sizeof(name), host);
	for (size_t i = 0; i < c->nallow; i++) {
		const struct exp_allow *a = &c->allow[i];
		size_t nl, al;

		if (a->is_prefix) {
			if (family != 0 && prefix_match(a, family, addr))
				return true;
			continue;
		}
		if (family != 0)
			continue;
		if (!a->suffix) {
			if (strcmp(a->name, name) == 0)
				return true;
			continue;
		}
		nl = strlen(name);
		al = strlen(a->name);
		if (nl > al && name[nl - al - 1] == '.' && strcmp(name + nl - al, a->name) == 0)
			return true;
	}
	return false;
}
