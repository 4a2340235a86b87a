/*
 * Error code -> meaning, checklist items, next commands.  See explain.h.
 *
 * The checklist below is the troubleshooting checklist of kmsdiag(7), in
 * its order; each item's commands are the tools that check it there.  The error table's check column names the
 * check to run first, also_check the others (data/README.md); both are
 * mapped onto checklist items by kd_checklist_find().
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "explain.h"
#include "parse.h"
#include "site.h"

/* Indexed by enum kd_item: the one enumeration of the checklist. */
static const struct kd_checklist_item checklist[KD_CHECKLIST_ITEMS] = {
	{ 1, "port", "Port",
	    "TCP 1688 on the KMS host can be reached from the client",
	    { "kmsdiag probe HOST", "kmsdiag probe --srv DOMAIN", NULL },
	    "" },
	{ 2, "dns", "DNS",
	    "_vlmcs._tcp.DOMAIN exists with TTL 60 minutes, the right port and a "
	    "target that resolves, in every client domain",
	    { "kmsdiag dnscheck DOMAIN", NULL },
	    "" },
	/* "RPC bind; opt-in activation request". */
	{ 3, "rpc", "RPC",
	    "the listener is a KMS host and answers activation requests",
	    { "kmsdiag probe HOST", "kmsdiag probe --activate HOST", NULL },
	    "" },
	{ 4, "threshold", "Threshold",
	    "the host has seen enough distinct clients (25 Windows client, 5 "
	    "Windows Server and Office), no cloned CMIDs, the count not split "
	    "across hosts",
	    { "kmsdiag probe --activate HOST", "kmsdiag capture -r FILE", NULL },
	    "" },
	/* "ePID from probe or capture"; the host's own licence state is part of this item. */
	{ 5, "host_key", "Host key",
	    "the host's key group covers the product and the host itself is "
	    "licensed (not in notification)",
	    { "kmsdiag probe --activate --product PRODUCT HOST",
	      "kmsdiag capture -r FILE", NULL },
	    "on the host: slmgr /dlv shows the host key and its licence state" },
	/* "requests seen in capture ... the GVLK table". */
	{ 6, "key", "Client key",
	    "the client still has its KMS client setup key (GVLK), not a MAK or "
	    "retail key",
	    { "kmsdiag capture -r FILE", NULL },
	    "on the client: slmgr /dlv must show VOLUME_KMSCLIENT; "
	    "slmgr /ipk GVLK puts the KMS client key back" },
	/* "a manual tick in the dashboard, helped by the resolv.conf domain". */
	{ 7, "domain", "Domain",
	    "the client is joined to the domain (it has the DNS suffix) and was "
	    "rebooted since",
	    { "kmsdiag dnscheck", NULL },
	    "on the client: ipconfig /all shows the primary DNS suffix; reboot "
	    "after joining" },
	{ 8, "time", "Time",
	    "client and host clocks are within 4 hours of each other",
	    { "kmsdiag capture -r FILE", NULL },
	    "compare the client's and the host's clocks in UTC "
	    "(w32tm /stripchart /computer:HOST)" },
};

/*
 * Names that are finer than a checklist item, resolved here once for every
 * tool.  srv_ttl and srv_port are parts of item 2 (error table,
 * data/README.md); host_state is item 5's "is the host itself licensed";
 * hostkey is how kmsdiag-probe spells item 5; client_key is the enum's name
 * for item 6.
 */
static const struct {
	const char	*name;
	enum kd_item	 item;
} aliases[] = {
	{ "srv_ttl",	KD_ITEM_DNS },
	{ "srv_port",	KD_ITEM_DNS },
	{ "host_state",	KD_ITEM_HOST_KEY },
	{ "hostkey",	KD_ITEM_HOST_KEY },
	{ "client_key",	KD_ITEM_CLIENT_KEY },
};

_Static_assert(KD_CHECKLIST_ITEMS == KD_ITEM_OTHER,
    "the checklist table is indexed by enum kd_item");

bool
kd_item_parse(const char *id, enum kd_item *out)
{
	size_t i;

	if (id == NULL || *id == '\0')
		return false;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(id, aliases[i].name) == 0) {
			*out = aliases[i].item;
			return true;
		}
	for (i = 0; i < KD_CHECKLIST_ITEMS; i++)
		if (strcmp(id, checklist[i].id) == 0) {
			*out = (enum kd_item)i;
			return true;
		}
	if (strcmp(id, "other") == 0) {
		*out = KD_ITEM_OTHER;
		return true;
	}
	return false;
}

const char *
kd_item_id(enum kd_item it)
{
	return (unsigned)it < KD_CHECKLIST_ITEMS ? checklist[it].id : "other";
}

const char *
kd_item_title(enum kd_item it)
{
	return (unsigned)it < KD_CHECKLIST_ITEMS ? checklist[it].title : "Other";
}

unsigned
kd_item_number(enum kd_item it)
{
	return (unsigned)it < KD_CHECKLIST_ITEMS ? checklist[it].number : 0;
}

size_t
kd_checklist_count(void)
{
	return KD_CHECKLIST_ITEMS;
}

const struct kd_checklist_item *
kd_checklist_at(size_t i)
{
	return i < KD_CHECKLIST_ITEMS ? &checklist[i] : NULL;
}

const struct kd_checklist_item *
kd_checklist_find(const char *id)
{
	enum kd_item it;

	if (!kd_item_parse(id, &it) || it == KD_ITEM_OTHER)
		return NULL;
	return &checklist[it];
}

bool
kd_explain_parse(const char *s, uint32_t *code, const char **errstr)
{
	uint64_t v = 0;
	size_t i, n;
	bool neg = false, hex = false;

	*errstr = NULL;
	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return false;
	}
	n = strlen(s);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		hex = true;
		s += 2;
		n -= 2;
		if (n == 0) {
			*errstr = "invalid";
			return false;
		}
	} else if (s[0] == '-') {
		neg = true;
		s++;
		n--;
	} else if (n == 8) {
		/*
		 * HRESULTs are printed as 8 hex digits; a decimal reading of
		 * those is never meant.
		 */
		hex = true;
		for (i = 0; i < n; i++)
			if (kd_hexval((unsigned char)s[i]) < 0)
				hex = false;
	}
	if (n == 0) {
		*errstr = "invalid";
		return false;
	}
	for (i = 0; i < n; i++) {
		int d = hex ? kd_hexval((unsigned char)s[i]) :
		    (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);

		if (d < 0) {
			*errstr = "invalid";
			return false;
		}
		/* Saturate: anything past 2^32 is out of range, however long. */
		if (v <= 0xFFFFFFFFULL)
			v = v * (hex ? 16 : 10) + (unsigned)d;
	}
	if (neg) {
		/* The signed 32-bit form: -1 .. -2147483648. */
		if (v == 0 || v > 0x80000000ULL) {
			*errstr = v == 0 ? "invalid" : "out of range";
			return false;
		}
		*code = (uint32_t)(0x100000000ULL - v);
		return true;
	}
	if (v > 0xFFFFFFFFULL) {
		*errstr = "out of range";
		return false;
	}
	*code = (uint32_t)v;
	return true;
}

char *
kd_explain_code_str(uint32_t code, char *buf, size_t len)
{
	snprintf(buf, len, "0x%08X", (unsigned)code);
	return buf;
}

static void
add_item(struct kd_explanation *x, const struct kd_checklist_item *it)
{
	size_t i;

	if (it == NULL)
		return;
	for (i = 0; i < x->nitems; i++)
		if (x->items[i] == it)
			return;
	if (x->nitems < KD_CHECKLIST_ITEMS)
		x->items[x->nitems++] = it;
}

/* Items from a ';'-separated list of check names. */
static void
add_items(struct kd_explanation *x, const char *list)
{
	char name[32];
	const char *p = list, *e;
	size_t n;

	while (p != NULL && *p != '\0') {
		e = strchr(p, ';');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			add_item(x, kd_checklist_find(name));
		}
		p = e != NULL ? e + 1 : NULL;
	}
}

static void
add_command(struct kd_explanation *x, const char *cmd)
{
	size_t i;

	for (i = 0; i < x->ncommands; i++)
		if (strcmp(x->commands[i], cmd) == 0)
			return;
	if (x->ncommands < KD_EXPLAIN_MAX_CMDS)
		x->commands[x->ncommands++] = cmd;
}

/*
 * What an HRESULT's layout tells about a code the table does not know:
 * facility 7 wraps a Win32 error number, and winerror.h gives the DNS
 * (9000-9999) and Winsock (10000-11999) ranges, which point at the DNS
 * and port items; facility 4 with 0xF... is slerror.h's licensing range.
 */
static void
structure(struct kd_explanation *x)
{
	uint32_t c = x->code, facility = (c >> 16) & 0x7FF, low = c & 0xFFFF;
	bool failure = (c & 0x80000000U) != 0;
	const char *range = "";
	char how[96];

	if (facility == 7 && failure) {
		if (low >= 9000 && low <= 9999) {
			range = ": a DNS error (winerror.h DNS_ERROR range 9000-9999)";
			if (x->err == NULL)
				add_item(x, kd_checklist_find("dns"));
		} else if (low >= 10000 && low <= 11999) {
			range = ": a Winsock (network) error (winerror.h WSA range "
			    "10000-11999)";
			if (x->err == NULL)
				add_item(x, kd_checklist_find("port"));
		}
		/* Say so when the code was given without its wrapper. */
		if (x->given != c)
			snprintf(how, sizeof(how), " (0x%X) given bare, read as the "
			    "HRESULT 0x%08X it stands for", (unsigned)low, (unsigned)c);
		else
			snprintf(how, sizeof(how), " wrapped as an HRESULT");
		snprintf(x->structure, sizeof(x->structure), "Win32 error %u%s%s",
		    (unsigned)low, how, range);
	} else if (facility == 4 && (low & 0xF000) == 0xF000)
		snprintf(x->structure, sizeof(x->structure),
		    "%s of the Software Licensing Service (slerror.h, 0x%c004Fxxx)",
		    failure ? "an error" : "an informational code", failure ? 'C' : '4');
	else if (facility == 4 && (low & 0xF000) == 0xC000)
		snprintf(x->structure, sizeof(x->structure),
		    "%s from Microsoft's activation servers (slerror.h, 0xC004Cxxx)",
		    failure ? "an error" : "a code");
	else
		snprintf(x->structure, sizeof(x->structure),
		    "HRESULT: severity %s, facility %u, code %u",
		    failure ? "error" : "success/info", (unsigned)facility, (unsigned)low);
}

void
kd_explain(uint32_t code, struct kd_explanation *x)
{
	size_t i, k;

	memset(x, 0, sizeof(*x));
	x->given = code;
	/*
	 * Logs and tickets often quote RPC and socket failures as bare Win32
	 * numbers (0x6BA, 0x0000071C, 1722).  Such a number stands for its
	 * HRESULT_FROM_WIN32, 0x8007xxxx, which is how the error table keys
	 * them.  0 is success, not a Win32 error.
	 */
	if (code != 0 && code <= 0xFFFF)
		code |= 0x80070000U;
	x->code = code;
	x->err = kd_err_find(code);
	if (x->err != NULL) {
		add_items(x, x->err->check);
		add_items(x, x->err->also_check);
	}
	structure(x);
	for (i = 0; i < x->nitems; i++)
		for (k = 0; x->items[i]->commands[k] != NULL; k++)
			add_command(x, x->items[i]->commands[k]);
	/* Doctor checks items 1 to 3 in one run, and 4 and 5 with --activate. */
	for (i = 0; i < x->nitems; i++)
		if (x->items[i]->number >= 4 && x->items[i]->number <= 5) {
			add_command(x, "kmsdiag doctor --domain DOMAIN --activate");
			break;
		}
	for (i = 0; i < x->nitems; i++)
		if (x->items[i]->number <= 3) {
			add_command(x, "kmsdiag doctor --domain DOMAIN");
			break;
		}
}

json_t *
kd_explain_json(const struct kd_explanation *x)
{
	json_t *o = json_object(), *items = json_array(), *cmds = json_array();
	char code[16];
	size_t i;

	if (o == NULL || items == NULL || cmds == NULL) {
		json_decref(o);
		json_decref(items);
		json_decref(cmds);
		return NULL;
	}
	json_object_set_new(o, "type", json_string("explain"));
	json_object_set_new(o, "code", json_string(kd_explain_code_str(x->code, code,
	    sizeof(code))));
	json_object_set_new(o, "decimal", json_integer((json_int_t)x->code));
	if (x->given != x->code)
		json_object_set_new(o, "given", json_string(kd_explain_code_str(x->given,
		    code, sizeof(code))));
	json_object_set_new(o, "known", json_boolean(x->err != NULL));
	if (x->err != NULL) {
		json_object_set_new(o, "name", x->err->name[0] ?
		    json_string(x->err->name) : json_null());
		json_object_set_new(o, "meaning", json_string(x->err->meaning));
		json_object_set_new(o, "check", json_string(x->err->check));
		json_object_set_new(o, "applies_to", json_string(x->err->applies_to));
		json_object_set_new(o, "ms_documented", json_boolean(x->err->ms_documented));
	} else {
		json_object_set_new(o, "name", json_null());
		json_object_set_new(o, "meaning", json_null());
	}
	json_object_set_new(o, "structure", json_string(x->structure));
	for (i = 0; i < x->nitems; i++) {
		const struct kd_checklist_item *it = x->items[i];
		json_t *j = json_pack("{s:i, s:s, s:s, s:s}", "number", (int)it->number,
		    "id", it->id, "title", it->title, "question", it->question);

		if (j != NULL && it->by_hand[0] != '\0')
			json_object_set_new(j, "by_hand", json_string(it->by_hand));
		json_array_append_new(items, j);
	}
	json_object_set_new(o, "checklist", items);
	for (i = 0; i < x->ncommands; i++)
		json_array_append_new(cmds, json_string(x->commands[i]));
	json_object_set_new(o, "next", cmds);
	return o;
}

int
kd_root_cause_index(const int *verdicts, size_t n)
{
	int best = -1, rank = 0;

	/* The first step of the worst verdict, in kd_verdict_rank's order. */
	for (size_t i = 0; i < n; i++) {
		int r;

		if (verdicts[i] < KD_V_OK || verdicts[i] > KD_V_UNKNOWN)
			continue;
		r = kd_verdict_rank((enum kd_verdict)verdicts[i]);
		if (r > rank) {
			rank = r;
			best = (int)i;
		}
	}
	return best;
}
