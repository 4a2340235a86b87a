/*
 * The line formats: wevtutil qe /f:text, slmgr.vbs /dlv and /dli,
 * ipconfig /all and systeminfo.  Each is "Label: value" text whose
 * labels are localized; a file whose labels we do not know is reported
 * as such instead of read as empty.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence_int.h"
#include "textf.h"

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* "  Label: value" -> label and value, both trimmed; false if no colon. */
static bool
label_value(char *line, char **label, char **value)
{
	char *colon = strchr(line, ':');

	if (colon == NULL)
		return false;
	*colon = '\0';
	*label = trim(line);
	*value = trim(colon + 1);
	return **label != '\0';
}

static long long
leading_num(const char *s)
{
	char *end;
	long long v;

	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtoll(s, &end, 10);
	return v < 0 ? -1 : v;
}

/* --- wevtutil qe /f:text ---------------------------------------------------------- */

#define EV_MSG_MAX	8192

struct text_state {
	struct ev_event	 ev;
	bool		 in_event, in_desc, have_id, id_bad;
	char		 msg[EV_MSG_MAX];
	size_t		 nmsg;
	uint64_t	 nevents;
};

static enum kd_status
text_start(struct ev_parser *p)
{
	if ((p->fs = calloc(1, sizeof(struct text_state))) == NULL)
		return ev_error(p, 0, 0, "text", KD_ENOMEM, "parser state");
	return KD_OK;
}

static void
text_flush(struct ev_parser *p)
{
	struct text_state *t = p->fs;

	if (!t->in_event)
		return;
	t->in_event = false;
	t->msg[t->nmsg] = '\0';
	if (!t->have_id) {
		ev_error(p, t->ev.line, t->ev.record, "text", KD_EINVAL,
		    t->id_bad ? "the Event ID is not a number" :
		    "no \"Event ID:\" line (wevtutil labels in another language? "
		    "use /f:xml, which is not translated)");
		return;
	}
	if (!ev_info_from_message(t->msg, &t->ev))
		t->ev.nfields = 0;
	ev_emit_event(p, &t->ev);
}

static void
text_line(struct ev_parser *p, char *line, size_t n)
{
	struct text_state *t = p->fs;
	char *label, *value;

	(void)n;
	if (strncmp(line, "Event[", 6) == 0) {
		text_flush(p);
		memset(&t->ev, 0, sizeof(t->ev));
		t->ev.when = EV_TIME_UNKNOWN;
		t->ev.line = p->lineno;
		t->ev.record = ++t->nevents;
		t->in_event = true;
		t->in_desc = t->have_id = t->id_bad = false;
		t->nmsg = 0;
		return;
	}
	if (!t->in_event)
		return;
	if (t->in_desc) {
		size_t len = strlen(line);

		if (t->nmsg + len + 1 < sizeof(t->msg)) {
			memcpy(t->msg + t->nmsg, line, len);
			t->nmsg += len;
			t->msg[t->nmsg++] = '\n';
		}
		return;
	}
	if (!label_value(line, &label, &value))
		return;
	if (strcmp(label, "Log Name") == 0)
		kd_setf(t->ev.channel, sizeof(t->ev.channel), "%s", value);
	else if (strcmp(label, "Source") == 0)
		kd_setf(t->ev.provider, sizeof(t->ev.provider), "%s", value);
	else if (strcmp(label, "Computer") == 0)
		kd_setf(t->ev.computer, sizeof(t->ev.computer), "%s", value);
	else if (strcmp(label, "Date") == 0) {
		if (!ev_parse_time(value, &t->ev.when)) {
			t->ev.when = EV_TIME_UNKNOWN;
			ev_error(p, p->lineno, t->ev.record, "text", KD_EINVAL,
			    "Date \"%.40s\" is not a date", value);
		}
	} else if (strcmp(label, "Event ID") == 0) {
		long long id = leading_num(value);

		if (id < 0 || id > UINT32_MAX)
			t->id_bad = true;
		else {
			t->ev.id = (uint32_t)id;
			t->have_id = true;
		}
	} else if (strcmp(label, "Description") == 0) {
		t->in_desc = true;
		/* Some versions start the message on the label's line. */
		if (*value != '\0') {
			kd_setf(t->msg, sizeof(t->msg), "%s\n", value);
			t->nmsg = strlen(t->msg);
		}
	}
}

static enum kd_status
text_end(struct ev_parser *p)
{
	struct text_state *t = p->fs;

	text_flush(p);
	if (t->nevents == 0)
		ev_error(p, 0, 0, "text", KD_EINVAL, "no \"Event[N]:\" record in the file");
	return KD_OK;
}

static void
fs_free(struct ev_parser *p)
{
	free(p->fs);
	p->fs = NULL;
}

const struct ev_fmt_ops ev_text_ops = {
	text_start, NULL, text_line, text_end, fs_free
};

/* --- slmgr.vbs /dlv ------------------------------------------------------------- */

struct slmgr_state {
	struct ev_slmgr		 s;
	struct ev_slmgr_block	*b;		/* current block or NULL */
	unsigned		 known, unknown;
};

/* Labels slmgr prints that carry nothing we judge; known, so not "another language". */
static const char *const slmgr_other[] = {
	"Software licensing service version", "Application ID", "Installation ID",
	"Use License URL", "Validation URL", "Processor Certificate URL",
	"Machine License URL", "Product Key Certificate URL", "Remaining Windows rearm count",
	"Remaining SKU rearm count", "Remaining App rearm count", "Trusted time",
	"Notification Reason", "Timebased activation expiration", "Evaluation End Date",
	"AO DN", "AO extended PID", "AO activation ID", "Offline Installation Identifier",
	"Product Key Type", "KMS SKU ID", "Activation Object name", "Error",
};

static enum kd_status
slmgr_start(struct ev_parser *p)
{
	if ((p->fs = calloc(1, sizeof(struct slmgr_state))) == NULL)
		return ev_error(p, 0, 0, "slmgr", KD_ENOMEM, "parser state");
	return KD_OK;
}

static struct ev_slmgr_block *
slmgr_new_block(struct ev_parser *p, struct slmgr_state *st)
{
	struct ev_slmgr_block *b;

	if (st->s.nblocks == EV_MAX_BLOCKS) {
		if (!st->s.blocks_cut)
			ev_error(p, p->lineno, 0, "slmgr", KD_ELIMIT,
			    "more than %d license blocks: the rest skipped", EV_MAX_BLOCKS);
		st->s.blocks_cut = true;
		return NULL;
	}
	b = &st->s.blocks[st->s.nblocks++];
	memset(b, 0, sizeof(*b));
	b->line = p->lineno;
	b->expiration_minutes = b->activation_interval = b->renewal_interval = -1;
	b->caching = b->dns_publishing = -1;
	b->current_count = b->listening_port = -1;
	b->total_requests = b->failed_requests = -1;
	return b;
}

static void
channel_of(const char *desc, char *out, size_t len)
{
	const char *c = strstr(desc, " channel");
	const char *w;

	out[0] = '\0';
	if (c == NULL)
		return;
	for (w = c; w > desc && w[-1] != ' ' && w[-1] != ','; w--)
		;
	kd_setf(out, len, "%.*s", (int)(c - w), w);
}

static bool
not_available(const char *v)
{
	return *v == '\0' || strstr(v, "not available") != NULL;
}

static void
slmgr_line(struct ev_parser *p, char *line, size_t n)
{
	struct slmgr_state *st = p->fs;
	struct ev_slmgr_block *b;
	char *label, *value, *l;
	size_t i;

	(void)n;
	l = trim(line);
	/* Header lines and switches without a colon. */
	if (strncmp(l, "Key Management Service client information", 41) == 0) {
		if ((b = st->b) != NULL)
			b->kms_client = true;
		st->known++;
		return;
	}
	if (strncmp(l, "Key Management Service is enabled on this machine", 49) == 0) {
		if ((b = st->b) != NULL)
			b->kms_host = true;
		st->known++;
		return;
	}
	if (strncmp(l, "AD Activation client information", 32) == 0) {
		if ((b = st->b) != NULL)
			b->adba = true;
		st->known++;
		return;
	}
	if (strncmp(l, "KMS host caching is ", 20) == 0) {
		if ((b = st->b) != NULL)
			b->caching = strncmp(l + 20, "enabled", 7) == 0;
		st->known++;
		return;
	}
	if (strncmp(l, "DNS publishing ", 15) == 0) {
		if ((b = st->b) != NULL)
			b->dns_publishing = strncmp(l + 15, "enabled", 7) == 0;
		st->known++;
		return;
	}
	if (!label_value(l, &label, &value))
		return;
	if (strcmp(label, "Name") == 0) {
		st->known++;
		if ((st->b = slmgr_new_block(p, st)) != NULL)
			kd_setf(st->b->name, sizeof(st->b->name), "%s", value);
		return;
	}
	b = st->b;
	if (strcmp(label, "Description") == 0) {
		if (b != NULL) {
			kd_setf(b->description, sizeof(b->description), "%s", value);
			channel_of(value, b->channel, sizeof(b->channel));
		}
	} else if (strcmp(label, "Activation ID") == 0) {
		if (b != NULL && !(b->has_activation_id = kd_guid_parse(&b->activation_id, value)))
			ev_error(p, p->lineno, st->s.nblocks, "slmgr", KD_EINVAL,
			    "Activation ID \"%.40s\" is not a GUID", value);
	} else if (strcmp(label, "Extended PID") == 0) {
		if (b != NULL)
			kd_setf(b->epid, sizeof(b->epid), "%s", value);
	} else if (strcmp(label, "Product Key Channel") == 0) {
		if (b != NULL)
			kd_setf(b->key_channel, sizeof(b->key_channel), "%s", value);
	} else if (strcmp(label, "Partial Product Key") == 0) {
		if (b != NULL)
			kd_setf(b->partial_key, sizeof(b->partial_key), "%s", value);
	} else if (strcmp(label, "License Status") == 0) {
		if (b != NULL)
			kd_setf(b->license_status, sizeof(b->license_status), "%s", value);
	} else if (strcmp(label, "Volume activation expiration") == 0) {
		if (b != NULL)
			b->expiration_minutes = leading_num(value);
	} else if (strcmp(label, "Configured Activation Type") == 0) {
		if (b != NULL)
			kd_setf(b->config_type, sizeof(b->config_type), "%s", value);
	} else if (strcmp(label, "Client Machine ID (CMID)") == 0) {
		if (b != NULL) {
			b->kms_client = true;
			if (!(b->has_cmid = kd_guid_parse(&b->cmid, value)))
				ev_error(p, p->lineno, st->s.nblocks, "slmgr", KD_EINVAL,
				    "CMID \"%.40s\" is not a GUID", value);
		}
	} else if (strcmp(label, "Registered KMS machine name") == 0) {
		if (b != NULL && !not_available(value))
			kd_setf(b->registered_kms, sizeof(b->registered_kms), "%s", value);
	} else if (strcmp(label, "Registered KMS SRV record lookup domain") == 0) {
		if (b != NULL && !not_available(value))
			kd_setf(b->lookup_domain, sizeof(b->lookup_domain), "%s", value);
	} else if (strcmp(label, "KMS machine name from DNS") == 0) {
		if (b != NULL)
			kd_setf(b->kms_from_dns, sizeof(b->kms_from_dns), "%s", value);
	} else if (strcmp(label, "DNS auto-discovery") == 0) {
		if (b != NULL && strstr(value, "not available") != NULL)
			b->dns_unavailable = true;
	} else if (strcmp(label, "KMS machine IP address") == 0) {
		if (b != NULL && !not_available(value))
			kd_setf(b->kms_ip, sizeof(b->kms_ip), "%s", value);
	} else if (strcmp(label, "KMS machine extended PID") == 0) {
		if (b != NULL)
			kd_setf(b->kms_epid, sizeof(b->kms_epid), "%s", value);
	} else if (strcmp(label, "Activation interval") == 0) {
		if (b != NULL)
			b->activation_interval = leading_num(value);
	} else if (strcmp(label, "Renewal interval") == 0) {
		if (b != NULL)
			b->renewal_interval = leading_num(value);
	} else if (strcmp(label, "Current count") == 0) {
		if (b != NULL) {
			b->kms_host = true;
			b->current_count = leading_num(value);
		}
	} else if (strcmp(label, "Listening on Port") == 0) {
		if (b != NULL)
			b->listening_port = leading_num(value);
	} else if (strcmp(label, "KMS priority") == 0) {
		if (b != NULL)
			kd_setf(b->priority, sizeof(b->priority), "%s", value);
	} else if (strcmp(label, "Total requests received") == 0) {
		if (b != NULL)
			b->total_requests = leading_num(value);
	} else if (strcmp(label, "Failed requests received") == 0) {
		if (b != NULL)
			b->failed_requests = leading_num(value);
	} else if (strncmp(label, "Requests with License Status", 28) == 0) {
		;
	} else {
		for (i = 0; i < sizeof(slmgr_other) / sizeof(slmgr_other[0]); i++)
			if (strcmp(label, slmgr_other[i]) == 0)
				break;
		if (i == sizeof(slmgr_other) / sizeof(slmgr_other[0])) {
			st->unknown++;
			if (st->s.sample_label[0] == '\0')
				kd_setf(st->s.sample_label, sizeof(st->s.sample_label), "%s", label);
			return;
		}
	}
	st->known++;
}

static enum kd_status
slmgr_end(struct ev_parser *p)
{
	struct slmgr_state *st = p->fs;

	/* A translated slmgr: its labels are all unknown, not missing. */
	if (st->known < 2 && st->unknown >= 2) {
		st->s.non_english = true;
		st->s.nblocks = 0;
		ev_error(p, 0, 0, "slmgr", KD_EUNSUP,
		    "slmgr labels in another language (\"%s\"): run slmgr with the English UI "
		    "(chcp 437 and an English language pack) or use the PowerShell export "
		    "(Get-CimInstance SoftwareLicensingProduct)", st->s.sample_label);
	} else if (st->s.nblocks == 0)
		ev_error(p, 0, 0, "slmgr", KD_EINVAL, "no license block (\"Name:\" line) found");
	p->records += st->s.nblocks;
	if (p->sink.slmgr != NULL)
		p->sink.slmgr(p->sink.arg, &st->s);
	return KD_OK;
}

const struct ev_fmt_ops ev_slmgr_ops = {
	slmgr_start, NULL, slmgr_line, slmgr_end, fs_free
};

/* --- ipconfig /all, systeminfo ------------------------------------------------------ */

enum net_list { NL_NONE, NL_SEARCH, NL_DNS };

struct net_state {
	struct ev_netcfg	 c;
	enum net_list		 list;		/* what an indented continuation line adds to */
	unsigned		 known, unknown;
};

static enum kd_status
net_start(struct ev_parser *p)
{
	struct net_state *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return ev_error(p, 0, 0, "netcfg", KD_ENOMEM, "parser state");
	st->c.kind = p->fmt;
	st->c.boot_time = EV_TIME_UNKNOWN;
	p->fs = st;
	return KD_OK;
}

static void
list_add(char list[][256], size_t *n, size_t cap, const char *v)
{
	size_t i;

	if (*v == '\0' || *n == cap)
		return;
	for (i = 0; i < *n; i++)
		if (strcasecmp(list[i], v) == 0)
			return;
	kd_setf(list[(*n)++], 256, "%s", v);
}

static void
dns_add(struct ev_netcfg *c, const char *v)
{
	if (*v == '\0' || c->ndns == EV_MAX_LIST)
		return;
	kd_setf(c->dns_servers[c->ndns++], sizeof(c->dns_servers[0]), "%s", v);
}

static void
note_unknown(struct net_state *st, const char *label)
{
	st->unknown++;
	if (st->c.sample_label[0] == '\0')
		kd_setf(st->c.sample_label, sizeof(st->c.sample_label), "%s", label);
}

static void
ipconfig_line(struct ev_parser *p, char *line, size_t n)
{
	struct net_state *st = p->fs;
	char *sep, *label, *value, *e;

	if (*line != ' ' && *line != '\0') {
		/* "Ethernet adapter Ethernet0:": a new adapter, no list continues. */
		st->list = NL_NONE;
		return;
	}
	sep = strstr(line, " : ");
	value = sep != NULL ? sep + 3 : NULL;
	/* An empty value: the line ends with " :" (CRLF already cut). */
	if (sep == NULL && n >= 2 && strcmp(line + n - 2, " :") == 0 && strstr(line, ". ") != NULL) {
		sep = line + n - 2;
		value = line + n;
	}
	if (sep == NULL) {
		/* An indented continuation of the last list. */
		value = trim(line);
		if (*value == '\0') {
			st->list = NL_NONE;
			return;
		}
		if (st->list == NL_SEARCH)
			list_add(st->c.search, &st->c.nsearch, EV_MAX_LIST, value);
		else if (st->list == NL_DNS)
			dns_add(&st->c, value);
		return;
	}
	*sep = '\0';
	value = trim(value);
	label = trim(line);
	/* Drop the dot padding: "Host Name . . . . ." -> "Host Name". */
	e = label + strlen(label);
	while (e > label && (e[-1] == '.' || e[-1] == ' '))
		*--e = '\0';
	st->list = NL_NONE;
	if (strcmp(label, "Host Name") == 0)
		kd_setf(st->c.host_name, sizeof(st->c.host_name), "%s", value);
	else if (strcmp(label, "Primary Dns Suffix") == 0) {
		st->c.has_primary_suffix = true;
		kd_setf(st->c.primary_suffix, sizeof(st->c.primary_suffix), "%s", value);
	} else if (strcmp(label, "DNS Suffix Search List") == 0) {
		list_add(st->c.search, &st->c.nsearch, EV_MAX_LIST, value);
		st->list = NL_SEARCH;
	} else if (strcmp(label, "Connection-specific DNS Suffix") == 0)
		list_add(st->c.conn_suffix, &st->c.nconn, EV_MAX_LIST, value);
	else if (strcmp(label, "DNS Servers") == 0) {
		dns_add(&st->c, value);
		st->list = NL_DNS;
	} else if (strcmp(label, "Node Type") != 0 && strcmp(label, "Description") != 0 &&
	    strcmp(label, "Physical Address") != 0 && strcmp(label, "DHCP Enabled") != 0 &&
	    strncmp(label, "IPv", 3) != 0 && strcmp(label, "Subnet Mask") != 0 &&
	    strcmp(label, "Default Gateway") != 0 && strcmp(label, "IP Routing Enabled") != 0 &&
	    strcmp(label, "WINS Proxy Enabled") != 0 && strcmp(label, "Media State") != 0 &&
	    strncmp(label, "Lease", 5) != 0 && strncmp(label, "DHCP", 4) != 0 &&
	    strcmp(label, "Autoconfiguration Enabled") != 0 &&
	    strcmp(label, "NetBIOS over Tcpip") != 0 && strncmp(label, "Link-local", 10) != 0 &&
	    strcmp(label, "Primary WINS Server") != 0) {
		note_unknown(st, label);
		return;
	}
	st->known++;
}

static void
systeminfo_line(struct ev_parser *p, char *line, size_t n)
{
	struct net_state *st = p->fs;
	char *label, *value, *colon;

	(void)n;
	if (*line == ' ' || (colon = strchr(line, ':')) == NULL)
		return;	/* continuation lines (processors, hotfixes, adapters) */
	*colon = '\0';
	label = trim(line);
	value = trim(colon + 1);
	if (strcmp(label, "Host Name") == 0)
		kd_setf(st->c.host_name, sizeof(st->c.host_name), "%s", value);
	else if (strcmp(label, "OS Name") == 0)
		kd_setf(st->c.os_name, sizeof(st->c.os_name), "%s", value);
	else if (strcmp(label, "OS Version") == 0)
		kd_setf(st->c.os_version, sizeof(st->c.os_version), "%s", value);
	else if (strcmp(label, "Domain") == 0)
		kd_setf(st->c.domain, sizeof(st->c.domain), "%s", value);
	else if (strcmp(label, "System Boot Time") == 0) {
		kd_setf(st->c.boot_text, sizeof(st->c.boot_text), "%s", value);
		if (!ev_parse_time(value, &st->c.boot_time)) {
			st->c.boot_time = EV_TIME_UNKNOWN;
			ev_error(p, p->lineno, 0, "systeminfo", KD_EINVAL,
			    "System Boot Time \"%.40s\" is not a date", value);
		}
	} else {
		if (strcmp(label, "OS Manufacturer") != 0 && strcmp(label, "Product ID") != 0 &&
		    strcmp(label, "System Manufacturer") != 0 && strcmp(label, "System Model") != 0 &&
		    strcmp(label, "System Type") != 0 && strcmp(label, "Time Zone") != 0 &&
		    strcmp(label, "Logon Server") != 0 && strcmp(label, "Hotfix(s)") != 0 &&
		    strcmp(label, "Network Card(s)") != 0 && strcmp(label, "Processor(s)") != 0 &&
		    strcmp(label, "Original Install Date") != 0 &&
		    strncmp(label, "OS ", 3) != 0 && strncmp(label, "BIOS", 4) != 0 &&
		    strstr(label, "Memory") == NULL && strstr(label, "Directory") == NULL &&
		    strstr(label, "Locale") == NULL && strcmp(label, "Registered Owner") != 0 &&
		    strcmp(label, "Registered Organization") != 0 &&
		    strcmp(label, "Boot Device") != 0 && strncmp(label, "Virtual", 7) != 0 &&
		    strstr(label, "Page File") == NULL && strncmp(label, "Hyper-V", 7) != 0)
			note_unknown(st, label);
		else
			st->known++;
		return;
	}
	st->known++;
}

static enum kd_status
net_end(struct ev_parser *p)
{
	struct net_state *st = p->fs;
	const char *tool = st->c.kind == EV_FMT_IPCONFIG ? "ipconfig" : "systeminfo";

	if (st->known == 0 && st->unknown > 0) {
		st->c.non_english = true;
		ev_error(p, 0, 0, tool, KD_EUNSUP,
		    "%s labels in another language (\"%s\"): run it on an English UI, or use "
		    "PowerShell (Get-DnsClientGlobalSetting, Get-CimInstance Win32_OperatingSystem)",
		    tool, st->c.sample_label);
	}
	p->records++;
	if (p->sink.netcfg != NULL)
		p->sink.netcfg(p->sink.arg, &st->c);
	return KD_OK;
}

const struct ev_fmt_ops ev_ipconfig_ops = {
	net_start, NULL, ipconfig_line, net_end, fs_free
};

const struct ev_fmt_ops ev_systeminfo_ops = {
	net_start, NULL, systeminfo_line, net_end, fs_free
};
