/*
 * kmsdiag-evidence: every parser on the formats of the fact sheet
 * (../shared/docs/windows-evidence.md), their hostile variants, and the
 * conclusions reached from the fixtures of fixtures/windows/ (made by
 * fixtures/windows/gen.py), the same from every export format.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../../evidence/evidence.h"
#include "../../evidence/evidence_int.h"
#include "kdtest.h"

#define MAX_EV	64

struct got {
	struct ev_event	 ev[MAX_EV];
	size_t		 nev;
	uint64_t	 nev_total;
	struct ev_slmgr	 sl;
	size_t		 nsl;
	struct ev_netcfg net;
	size_t		 nnet;
	char		 err[8][256];
	size_t		 nerr;
};

static void
g_event(void *arg, const struct ev_event *e)
{
	struct got *g = arg;

	g->nev_total++;
	if (g->nev < MAX_EV)
		g->ev[g->nev++] = *e;
}

static void
g_slmgr(void *arg, const struct ev_slmgr *s)
{
	struct got *g = arg;

	g->sl = *s;
	g->nsl++;
}

static void
g_net(void *arg, const struct ev_netcfg *n)
{
	struct got *g = arg;

	g->net = *n;
	g->nnet++;
}

static void
g_err(void *arg, const struct ev_err *e)
{
	struct got *g = arg;

	if (g->nerr < 8)
		ev_err_format(e, g->err[g->nerr++], sizeof(g->err[0]));
}

static struct got *
parse(const char *text, size_t len, enum ev_format *fmt)
{
	static struct got g;
	struct ev_sink s = { g_event, g_slmgr, g_net, g_err, &g };

	memset(&g, 0, sizeof(g));
	ev_parse_buffer("t", text, len, &s, fmt);
	return &g;
}

/* The same input fed one byte at a time. */
static struct got *
parse_bytewise(const char *text, size_t len)
{
	static struct got g;
	struct ev_sink s = { g_event, g_slmgr, g_net, g_err, &g };
	struct ev_parser *p;
	size_t i;

	memset(&g, 0, sizeof(g));
	p = ev_parser_new("t", &s);
	for (i = 0; i < len; i++)
		ev_parser_feed(p, text + i, 1);
	ev_parser_end(p);
	ev_parser_free(p);
	return &g;
}

static bool
any_err(const struct got *g, const char *needle)
{
	size_t i;

	for (i = 0; i < g->nerr; i++)
		if (strstr(g->err[i], needle) != NULL)
			return true;
	return false;
}

#define S(x)	x, sizeof(x) - 1

static const char info12290[] =
    "0xC004F06C,5,client1.contoso.com,36f27b39-9f5a-4d6c-8b1c-bc2e3a71e6c1,2010/9/29 21:46,0,2,"
    "41520,68531fb9-5511-4989-97be-d11a0f55633f";
static const char info12288[] =
    "0xC004F06C, 0x00000000, kms1.contoso.com:1688, 36f27b39-9f5a-4d6c-8b1c-bc2e3a71e6c1, "
    "2010/09/29 17:52, 0, 2, 41760, 68531fb9-5511-4989-97be-d11a0f55633f, 5";

static void
test_time(void)
{
	int64_t t;

	KDT_CHECK(ev_parse_time("2010/9/29 21:46", &t) && t == 1285796760);
	KDT_CHECK(ev_parse_time("2010/09/29 21:46", &t) && t == 1285796760);
	KDT_CHECK(ev_parse_time("9/29/2010 9:46 PM", &t) && t == 1285796760);
	KDT_CHECK(ev_parse_time("9/29/2010 12:46 AM", &t) && t == 1285721160);
	KDT_CHECK(ev_parse_time("29.09.2010 21:46:00", &t) && t == 1285796760);
	KDT_CHECK(ev_parse_time("2010-09-29T21:46:00.1234567Z", &t) && t == 1285796760);
	KDT_CHECK(ev_parse_time("2010-09-29T22:46:00+01:00", &t) && t == 1285796760);
	KDT_CHECK(ev_parse_time("\\/Date(1285796760000)\\/", &t) && t == 1285796760);
	KDT_CHECK(ev_parse_time("/Date(1285796760000)/", &t) && t == 1285796760);
	KDT_CHECK(ev_parse_time("9/29/2010, 9:46:00 PM", &t) && t == 1285796760);
	KDT_CHECK(!ev_parse_time("2010/13/29 21:46", &t));
	KDT_CHECK(!ev_parse_time("2010/2/30 1:00", &t));
	KDT_CHECK(!ev_parse_time("13:00 PM 2010", &t));
	KDT_CHECK(!ev_parse_time("9/29/2010 13:46 PM", &t));
	KDT_CHECK(!ev_parse_time("", &t));
	KDT_CHECK(!ev_parse_time("2010-09-29T21:46:00Zjunk", &t));
}

static void
test_info(void)
{
	struct ev_event ev;
	struct ev_kms k;
	struct ev_err e;
	char g[KD_GUID_STRLEN];

	memset(&ev, 0, sizeof(ev));
	ev.id = 12290;
	KDT_CHECK(ev_split_info(info12290, &ev) == 9);
	KDT_CHECK(ev_info_decode(&ev, &k, &e));
	KDT_CHECK(k.hresult == 0xC004F06C && k.required == 5 && k.vm == 0 &&
	    k.license_status == 2 && k.minutes_left == 41520);
	KDT_STREQ(k.name, "client1.contoso.com");
	KDT_STREQ(kd_guid_format(&k.cmid, g), "36f27b39-9f5a-4d6c-8b1c-bc2e3a71e6c1");
	KDT_CHECK(k.client_time == 1285796760);

	memset(&ev, 0, sizeof(ev));
	ev.id = 12288;
	KDT_CHECK(ev_split_info(info12288, &ev) == 10);
	KDT_STREQ(ev.fields[2], "kms1.contoso.com:1688");	/* ", " separators trimmed */
	KDT_CHECK(ev_info_decode(&ev, &k, &e));
	KDT_CHECK(k.required == 5 && k.flags == 0);
	KDT_STREQ(k.name, "kms1.contoso.com:1688");

	/* 12289: HRESULT, flags, activated, unused, count, intervals, time */
	memset(&ev, 0, sizeof(ev));
	ev.id = 12289;
	ev_split_info("0x0,0x04000000,0,0,24,120,10080,2010/9/29 21:46", &ev);
	KDT_CHECK(ev_info_decode(&ev, &k, &e));
	KDT_CHECK(k.count == 24 && k.activated == 0 && k.flags == 0x04000000 &&
	    k.renewal_interval == 10080);

	/* A bad CMID names the field and the record. */
	memset(&ev, 0, sizeof(ev));
	ev.id = 12290;
	ev.record = 7;
	ev_split_info("0x0,25,c,not-a-guid,2010/9/29 21:46,0,2,1,68531fb9-5511-4989-97be-d11a0f55633f",
	    &ev);
	memset(&e, 0, sizeof(e));
	KDT_CHECK(!ev_info_decode(&ev, &k, &e));
	KDT_CHECK(strstr(e.msg, "field 4 (CMID)") != NULL && e.record == 7);
	/* Too few fields, a VM flag of 2, license status 7. */
	ev_split_info("0x0,25,c", &ev);
	KDT_CHECK(!ev_info_decode(&ev, &k, &e));
	ev_split_info("0x0,25,c,36f27b39-9f5a-4d6c-8b1c-bc2e3a71e6c1,x,2,2,1,"
	    "68531fb9-5511-4989-97be-d11a0f55633f", &ev);
	KDT_CHECK(!ev_info_decode(&ev, &k, &e) && strstr(e.msg, "VM") != NULL);
	ev_split_info("0x0,25,c,36f27b39-9f5a-4d6c-8b1c-bc2e3a71e6c1,x,0,7,1,"
	    "68531fb9-5511-4989-97be-d11a0f55633f", &ev);
	KDT_CHECK(!ev_info_decode(&ev, &k, &e) && strstr(e.msg, "license status") != NULL);
	/* More fields than we keep: cut, flagged. */
	ev_split_info("1,2,3,4,5,6,7,8,9,10,11,12,13,14", &ev);
	KDT_CHECK(ev.nfields == EV_MAX_FIELDS && ev.fields_cut);
	ev.id = 4624;
	KDT_CHECK(!ev_info_decode(&ev, &k, &e) && e.status == KD_EUNSUP);
}

static void
test_detect(void)
{
	KDT_CHECK(ev_detect(S("<Events><Event")) == EV_FMT_EVENT_XML);
	KDT_CHECK(ev_detect(S("  \r\n<Event xmlns='x'>")) == EV_FMT_EVENT_XML);
	KDT_CHECK(ev_detect(S("[\r\n    {")) == EV_FMT_EVENT_JSON);
	KDT_CHECK(ev_detect(S("Event[0]:\r\n  Log Name: x")) == EV_FMT_EVENT_TEXT);
	KDT_CHECK(ev_detect(S("\"TimeCreated\",\"Id\",\"MachineName\",\"Message\"\r\n")) ==
	    EV_FMT_EVENT_CSV);
	KDT_CHECK(ev_detect(S("#TYPE Selected.System\r\n\"a\"")) == EV_FMT_EVENT_CSV);
	KDT_CHECK(ev_detect(S("\r\nWindows IP Configuration\r\n")) == EV_FMT_IPCONFIG);
	KDT_CHECK(ev_detect(S("Host Name:                 WS05\nOS Name:                   W\n")) ==
	    EV_FMT_SYSTEMINFO);
	KDT_CHECK(ev_detect(S("Name: Windows(R)\nDescription: x\n")) == EV_FMT_SLMGR);
	/* Another language: a label: value layout with a GUID value. */
	KDT_CHECK(ev_detect(S("Name: W\nBeschreibung: x\nAktivierungs-ID: "
	    "73111121-5638-40f6-bc11-f1d7b0d64300\n")) == EV_FMT_SLMGR);
	KDT_CHECK(ev_detect(S("ElfFile\0\0\0\0")) == EV_FMT_EVTX);
	KDT_CHECK(ev_detect(S("hello world\n")) == EV_FMT_UNKNOWN);
	KDT_CHECK(ev_detect(S("")) == EV_FMT_UNKNOWN);
}

static const char xml_events[] =
    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
    "<Events>\n"
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
    "<Provider Name='Microsoft-Windows-Security-SPP'/><EventID Qualifiers='16384'>12290</EventID>"
    "<TimeCreated SystemTime='2026-11-02T08:00:00.0000000Z'/><Channel>Key Management Service"
    "</Channel><Computer>kms1</Computer></System><EventData>"
    "<Data>0x0</Data><Data>25</Data><Data>ws01</Data>"
    "<Data>36f27b39-9f5a-4d6c-8b1c-bc2e3a710001</Data><Data>2026/11/2 8:00</Data><Data>0</Data>"
    "<Data>2</Data><Data>43200</Data><Data>73111121-5638-40f6-bc11-f1d7b0d64300</Data>"
    "</EventData></Event>\n"
    "<Event><System><Provider Name='KmsRequests'/><EventID>12290</EventID>"
    "<TimeCreated SystemTime='2026-11-02T09:00:00Z'/></System><EventData>"
    "<Data>0x0,25,ws02,36f27b39-9f5a-4d6c-8b1c-bc2e3a710002,2026/11/2 9:00,0,2,43200,"
    "73111121-5638-40f6-bc11-f1d7b0d64300</Data><Data>0x0</Data><Data>25</Data><Data>ws02</Data>"
    "<Data>36f27b39-9f5a-4d6c-8b1c-bc2e3a710002</Data><Data>x</Data><Data>0</Data><Data>2</Data>"
    "<Data>43200</Data><Data>73111121-5638-40f6-bc11-f1d7b0d64300</Data></EventData></Event>\n"
    "<Event><System><EventID>12290</EventID></System><EventData>"
    "<Data>0x0, 25, ws03, 36f27b39-9f5a-4d6c-8b1c-bc2e3a710003, 2026/11/2 9:00, 0, 2, 43200, "
    "73111121-5638-40f6-bc11-f1d7b0d64300</Data></EventData></Event>\n"
    "<Event><System><EventID>12290</EventID></System><RenderingInfo Culture='en-US'><Message>"
    "An activation request has been processed.&#13;\nInfo:&#13;\n0x0,25,ws04,"
    "36f27b39-9f5a-4d6c-8b1c-bc2e3a710004,2026/11/2 9:00,0,2,43200,"
    "73111121-5638-40f6-bc11-f1d7b0d64300</Message></RenderingInfo></Event>\n"
    "</Events>\n";

static void
test_xml(void)
{
	enum ev_format f;
	struct got *g;
	struct ev_kms k;
	struct ev_err e;
	size_t i;
	char *frag, *bad;

	g = parse(S(xml_events), &f);
	KDT_CHECK(f == EV_FMT_EVENT_XML);
	KDT_CHECK(g->nev == 4 && g->nerr == 0);
	for (i = 0; i < g->nev && i < 4; i++) {
		char want[8];

		KDT_CHECK(g->ev[i].id == 12290 && g->ev[i].nfields == 9);
		KDT_CHECK(ev_info_decode(&g->ev[i], &k, &e));
		snprintf(want, sizeof(want), "ws0%zu", i + 1);
		KDT_STREQ(k.name, want);
	}
	KDT_STREQ(g->ev[0].channel, "Key Management Service");
	KDT_STREQ(g->ev[1].provider, "KmsRequests");
	KDT_CHECK(g->ev[0].when == 1793606400 && g->ev[2].when == EV_TIME_UNKNOWN);

	/* Byte by byte: the same events. */
	g = parse_bytewise(S(xml_events));
	KDT_CHECK(g->nev == 4 && g->nerr == 0);

	/* Without /e:Events: fragments, no root. */
	frag = strdup(strstr(xml_events, "<Event xmlns"));
	*strstr(frag, "</Events>") = '\0';
	g = parse(frag, strlen(frag), &f);
	KDT_CHECK(f == EV_FMT_EVENT_XML && g->nev == 4 && g->nerr == 0);
	free(frag);

	/* A broken event: reported with its line and record, the others read. */
	bad = strdup(xml_events);
	memcpy(strstr(strstr(bad, "ws02"), "</Data>"), "</Dat>", 6);
	g = parse(bad, strlen(bad), &f);
	KDT_CHECK(g->nev == 3 && g->nerr == 1);
	KDT_CHECK(any_err(g, "line 4: record 2: xml: invalid (mismatched tag"));
	g = parse_bytewise(bad, strlen(bad));
	KDT_CHECK(g->nev == 3 && g->nerr == 1);
	free(bad);

	/* Cut in the middle of an event. */
	g = parse(xml_events, strstr(xml_events, "ws03") - xml_events, &f);
	KDT_CHECK(g->nev == 2 && any_err(g, "record 3: xml: truncated"));

	/* Not XML after all, and an event without an ID. */
	g = parse(S("<Events><Event><System></System></Event></Events>"), &f);
	KDT_CHECK(g->nev == 0 && any_err(g, "event without <EventID>"));
	g = parse(S("<Events><Event><System><EventID>12x</EventID></System></Event></Events>"), &f);
	KDT_CHECK(g->nev == 0 && any_err(g, "not a number"));
	g = parse(S("<<<<"), &f);
	KDT_CHECK(g->nev == 0 && g->nerr >= 1);
}

static const char csv_host[] =
    "#TYPE Selected.System.Diagnostics.Eventing.Reader.EventLogRecord\r\n"
    "\"TimeCreated\",\"Id\",\"MachineName\",\"Message\"\r\n"
    "\"11/2/2026 8:00:00 AM\",\"12290\",\"kms1\",\"An activation request has been processed.\r\n"
    "Info:\r\n0x0,25,ws01,36f27b39-9f5a-4d6c-8b1c-bc2e3a710001,2026/11/2 8:00,0,2,43200,"
    "73111121-5638-40f6-bc11-f1d7b0d64300\"\r\n"
    "\"02.11.2026 09:00:00\",\"12290\",\"kms1\",\"He said \"\"Info:\"\" once\r\nInfo:\r\n"
    "0x0,25,ws02,36f27b39-9f5a-4d6c-8b1c-bc2e3a710002,2026/11/2 9:00,0,2,43200,"
    "73111121-5638-40f6-bc11-f1d7b0d64300\"\r\n"
    "\"11/2/2026 10:00:00 AM\",\"12290\"\r\n"
    "\"11/2/2026 10:00:00 AM\",\"x12290\",\"kms1\",\"m\"\r\n";

static void
test_csv(void)
{
	enum ev_format f;
	struct got *g;
	struct ev_kms k;
	struct ev_err e;
	char *big;
	size_t n;

	g = parse(S(csv_host), &f);
	KDT_CHECK(f == EV_FMT_EVENT_CSV);
	KDT_CHECK(g->nev_total == 3);	/* the short row has its Id: read, and reported */
	KDT_CHECK(g->ev[0].when == 1793606400 && g->ev[1].when == 1793610000);
	KDT_CHECK(ev_info_decode(&g->ev[1], &k, &e));
	KDT_STREQ(k.name, "ws02");
	KDT_CHECK(any_err(g, "record 3: csv: invalid (2 fields, the header has 4)"));
	KDT_CHECK(any_err(g, "record 4: csv: invalid (Id is not a number)"));
	g = parse_bytewise(S(csv_host));
	KDT_CHECK(g->nev_total == 3);

	/* No Id column. */
	g = parse(S("\"TimeCreated\",\"Message\"\r\n\"x\",\"y\"\r\n"), &f);
	KDT_CHECK(g->nev_total == 0 && any_err(g, "no \"Id\" column"));

	/* A field over EV_MAX_RECORD stops the file with a named cap. */
	n = EV_MAX_RECORD + 1024;
	big = malloc(n + 64);
	strcpy(big, "\"TimeCreated\",\"Id\",\"Message\"\r\n\"x\",\"12290\",\"");
	memset(big + strlen(big), 'a', n);
	big[n] = '\0';
	g = parse(big, strlen(big), &f);
	KDT_CHECK(any_err(g, "limit"));
	free(big);
}

static const char json51[] =
    "[\r\n    {\r\n        \"TimeCreated\":  \"\\/Date(1793606400000)\\/\",\r\n"
    "        \"Id\":  12290,\r\n        \"MachineName\":  \"kms1\",\r\n"
    "        \"Data\":  [ \"0x0\", \"25\", \"ws01\", \"36f27b39-9f5a-4d6c-8b1c-bc2e3a710001\","
    " \"2026/11/2 8:00\", \"0\", \"2\", \"43200\", \"73111121-5638-40f6-bc11-f1d7b0d64300\" ]\r\n"
    "    },\r\n    {\r\n        \"TimeCreated\":  \"2026-11-02T09:00:00+00:00\",\r\n"
    "        \"Id\":  \"12289\",\r\n        \"Properties\":  [ {\"Value\": -1073418184}, "
    "{\"Value\": 0}, {\"Value\": 0}, {\"Value\": 0}, {\"Value\": 3}, {\"Value\": 120}, "
    "{\"Value\": 10080}, {\"Value\": \"2026/11/2 9:00\"} ]\r\n    },\r\n"
    "    { \"Id\": 12294, \"Data\": \"contoso.com\" },\r\n"
    "    { \"Id\": 12290, \"Message\": \"x\\r\\nInfo:\\r\\n0x0,25,ws03,"
    "36f27b39-9f5a-4d6c-8b1c-bc2e3a710003,2026/11/2 8:00,0,2,43200,"
    "73111121-5638-40f6-bc11-f1d7b0d64300\" },\r\n"
    "    { \"Id\": \"none\" }, 7\r\n]\r\n";

static void
test_json(void)
{
	enum ev_format f;
	struct got *g;
	struct ev_kms k;
	struct ev_err e;

	g = parse(S(json51), &f);
	KDT_CHECK(f == EV_FMT_EVENT_JSON);
	KDT_CHECK(g->nev == 4);
	KDT_CHECK(g->ev[0].when == 1793606400 && g->ev[1].when == 1793610000);
	KDT_CHECK(ev_info_decode(&g->ev[1], &k, &e));
	KDT_CHECK(k.hresult == 0xC004F038 && k.count == 3);	/* Int32 HRESULT */
	KDT_CHECK(ev_info_decode(&g->ev[2], &k, &e));
	KDT_STREQ(k.name, "contoso.com");
	KDT_CHECK(ev_info_decode(&g->ev[3], &k, &e));
	KDT_STREQ(k.name, "ws03");
	KDT_CHECK(any_err(g, "record 5: json: invalid (\"Id\" is not a number)"));
	KDT_CHECK(any_err(g, "record 6: json: invalid (not an object)"));

	/* One event: ConvertTo-Json writes an object, not an array. */
	g = parse(S("{ \"Id\": 12294, \"Data\": [\"contoso.com\"] }"), &f);
	KDT_CHECK(g->nev == 1 && g->ev[0].id == 12294);
	/* TimeCreated as an object with its ETS properties (PowerShell 5.1). */
	g = parse(S("{ \"Id\": 12294, \"TimeCreated\": { \"value\": \"\\/Date(1793606400000)\\/\", "
	    "\"DateTime\": \"Monday, November 2, 2026 8:00:00 AM\" }, \"Data\": \"contoso.com\" }"), &f);
	KDT_CHECK(g->nev == 1 && g->ev[0].when == 1793606400 && g->nerr == 0);
	/* Without the Properties.Value projection: type names, so the Message is used. */
	g = parse(S("{ \"Id\": 12294, \"Properties\": [ \"System.Diagnostics.Eventing.Reader."
	    "EventProperty\" ], \"Message\": \"ok\\r\\nInfo:\\r\\ncontoso.com\" }"), &f);
	KDT_CHECK(g->nev == 1 && g->ev[0].nfields == 1);
	KDT_STREQ(g->ev[0].fields[0], "contoso.com");
	/* A syntax error names its line. */
	g = parse(S("[\n{ \"Id\": 12294,\n \"Data\": [\"x\" }\n]"), &f);
	KDT_CHECK(g->nev == 0 && any_err(g, "line 3:"));
}

static const char text_host[] =
    "Event[0]:\r\n  Log Name: Key Management Service\r\n  Source: Microsoft-Windows-Security-SPP\r\n"
    "  Date: 2026-11-02T08:00:00.000\r\n  Event ID: 12290\r\n  Task: N/A\r\n"
    "  Computer: kms1.contoso.com\r\n  Description: \r\nAn activation request has been processed."
    "\r\nInfo:\r\n0x0, 25, ws01, 36f27b39-9f5a-4d6c-8b1c-bc2e3a710001, 9/2/2026 8:00 AM, 0, 2, "
    "43200, 73111121-5638-40f6-bc11-f1d7b0d64300\r\n\r\n"
    "Event[1]:\r\n  Protokollname: Key Management Service\r\n  Ereignis-ID: 12290\r\n\r\n";

static void
test_text(void)
{
	enum ev_format f;
	struct got *g;
	struct ev_kms k;
	struct ev_err e;

	g = parse(S(text_host), &f);
	KDT_CHECK(f == EV_FMT_EVENT_TEXT);
	KDT_CHECK(g->nev == 1 && g->ev[0].id == 12290 && g->ev[0].when == 1793606400);
	KDT_STREQ(g->ev[0].computer, "kms1.contoso.com");
	KDT_CHECK(ev_info_decode(&g->ev[0], &k, &e));
	KDT_CHECK(k.client_time == 1788336000);
	KDT_CHECK(any_err(g, "line 13: record 2: text: invalid (no \"Event ID:\" line"));
	g = parse_bytewise(S(text_host));
	KDT_CHECK(g->nev == 1);
}

static const char slmgr_client[] =
    "Name: Windows(R), Enterprise edition\r\n"
    "Description: Windows(R) Operating System, VOLUME_KMSCLIENT channel\r\n"
    "Activation ID: 73111121-5638-40f6-bc11-f1d7b0d64300\r\n"
    "Extended PID: 03612-04856-000-000000-03-1033-19041.0000-3342026\r\n"
    "Partial Product Key: T83GX\r\n"
    "License Status: Licensed\r\n"
    "Volume activation expiration: 259200 minute(s) (180 day(s))\r\n\r\n"
    "Key Management Service client information\r\n"
    "    Client Machine ID (CMID): 36f27b39-9f5a-4d6c-8b1c-bc2e3a710005\r\n"
    "    Registered KMS machine name: kms2.contoso.com:1688\r\n"
    "    KMS machine name from DNS: kms1.contoso.com:1688\r\n"
    "    KMS machine IP address: fd00::10\r\n"
    "    Activation interval: 120 minutes\r\n"
    "    KMS host caching is disabled\r\n"
    "Name: Office 16, Office16ProPlusVL_KMS_Client edition\r\n"
    "Description: Office 16, VOLUME_KMSCLIENT channel\r\n"
    "License Status: Unlicensed\r\n";

/* Variants written by hand, not by gen.py: LF ends, Info on its label's line, prefixes. */
static void
test_variants(void)
{
	enum ev_format f;
	struct got *g;
	struct ev_kms k;
	struct ev_err e;

	g = parse(S("Event[0]:\n  Log Name: Key Management Service\n  Event ID: 12290\n"
	    "  Date: 3/4/2024 9:35:31 AM\n  Description: An activation request has been processed."
	    "\nInfo: 0x0,25,ws9.contoso.com,36f27b39-9f5a-4d6c-8b1c-bc2e3a710009,3/4/2024 9:35 AM,"
	    "1,1,259200,73111121-5638-40f6-bc11-f1d7b0d64300\n"), &f);
	KDT_CHECK(f == EV_FMT_EVENT_TEXT && g->nev == 1 && g->ev[0].when == 1709544931);
	KDT_CHECK(g->nev == 1 && ev_info_decode(&g->ev[0], &k, &e) && k.vm == 1);
	g = parse(S("<e:Events xmlns:e=\"http://schemas.microsoft.com/win/2004/08/events/event\">"
	    "<e:Event><e:System><e:EventID>12290</e:EventID><e:TimeCreated SystemTime=\"2024-03-04T"
	    "09:35:31Z\"/></e:System><e:EventData><e:Data Name=\"p1\">0x0</e:Data><e:Data>25</e:Data>"
	    "<e:Data>ws9</e:Data><e:Data>36f27b39-9f5a-4d6c-8b1c-bc2e3a710009</e:Data><e:Data>x"
	    "</e:Data><e:Data>0</e:Data><e:Data>1</e:Data><e:Data>1</e:Data><e:Data>"
	    "73111121-5638-40f6-bc11-f1d7b0d64300</e:Data></e:EventData></e:Event></e:Events>"), &f);
	KDT_CHECK(f == EV_FMT_EVENT_XML && g->nev == 1 && g->nerr == 0 &&
	    g->ev[0].when == 1709544931 && ev_info_decode(&g->ev[0], &k, &e));
	/* PowerShell 7 Export-Csv -UseQuotes AsNeeded, LF ends, columns in another order. */
	g = parse(S("Id,TimeCreated,Message,MachineName\n12290,2024-03-04 09:35:31,\"Processed.\n"
	    "Info:\n0x0,25,ws9,36f27b39-9f5a-4d6c-8b1c-bc2e3a710009,x,0,1,1,"
	    "73111121-5638-40f6-bc11-f1d7b0d64300\",kms1\n"), &f);
	KDT_CHECK(f == EV_FMT_EVENT_CSV && g->nev == 1 && g->ev[0].when == 1709544931);
	KDT_STREQ(g->ev[0].computer, "kms1");
}

static void
test_slmgr(void)
{
	enum ev_format f;
	struct got *g;
	const struct ev_slmgr_block *b;
	uint8_t u16[4096];
	size_t i, n;

	g = parse(S(slmgr_client), &f);
	KDT_CHECK(f == EV_FMT_SLMGR && g->nsl == 1 && g->sl.nblocks == 2 && !g->sl.non_english);
	b = &g->sl.blocks[0];
	KDT_STREQ(b->channel, "VOLUME_KMSCLIENT");
	KDT_STREQ(b->registered_kms, "kms2.contoso.com:1688");
	KDT_STREQ(b->kms_from_dns, "kms1.contoso.com:1688");
	KDT_STREQ(b->kms_ip, "fd00::10");
	KDT_CHECK(b->has_cmid && b->kms_client && b->caching == 0);
	KDT_CHECK(b->expiration_minutes == 259200 && b->activation_interval == 120);
	KDT_STREQ(b->license_status, "Licensed");
	KDT_STREQ(g->sl.blocks[1].license_status, "Unlicensed");

	/* UTF-16LE with a BOM, as PowerShell's ">" writes it; fed byte by byte. */
	u16[0] = 0xff;
	u16[1] = 0xfe;
	for (i = 0, n = 2; i < sizeof(slmgr_client) - 1; i++) {
		u16[n++] = (uint8_t)slmgr_client[i];
		u16[n++] = 0;
	}
	g = parse_bytewise((const char *)u16, n);
	KDT_CHECK(g->nsl == 1 && g->sl.nblocks == 2 && g->nerr == 0);
	KDT_STREQ(g->sl.blocks[0].registered_kms, "kms2.contoso.com:1688");
	/* Cut in the middle of a character. */
	g = parse((const char *)u16, n - 1, &f);
	KDT_CHECK(g->nsl == 1 && any_err(g, "utf-16: truncated"));
	/* A lone surrogate is replaced and reported once. */
	u16[10] = 0x00;
	u16[11] = 0xdc;
	g = parse((const char *)u16, n, &f);
	KDT_CHECK(any_err(g, "lone low surrogate"));

	/* Labels in another language, in code page 850 ("Schl\x81ssel"). */
	g = parse(S("Name: Windows(R)\r\nBeschreibung: VOLUME_KMSCLIENT channel\r\n"
	    "Aktivierungs-ID: 73111121-5638-40f6-bc11-f1d7b0d64300\r\n"
	    "Lizenzstatus: Lizenziert\r\nSchl\x81sselverwaltung: x\r\n"), &f);
	KDT_CHECK(f == EV_FMT_SLMGR && g->sl.non_english && g->sl.nblocks == 0);
	KDT_CHECK(any_err(g, "another language (\"Beschreibung\")"));

	/* Host block. */
	g = parse(S("Name: Windows(R), ServerStandard edition\n"
	    "Description: Windows(R) Operating System, VOLUME_KMS_WS19 channel\n"
	    "Key Management Service is enabled on this machine\n    Current count: 3\n"
	    "    Listening on Port: 21688\n    DNS publishing disabled\n"
	    "    Total requests received: 10\n    Failed requests received: 1\n"), &f);
	b = &g->sl.blocks[0];
	KDT_CHECK(b->kms_host && b->current_count == 3 && b->listening_port == 21688 &&
	    b->dns_publishing == 0 && b->failed_requests == 1);
	KDT_STREQ(b->channel, "VOLUME_KMS_WS19");
}

static void
test_netcfg(void)
{
	enum ev_format f;
	struct got *g;

	g = parse(S("\r\nWindows IP Configuration\r\n\r\n"
	    "   Host Name . . . . . . . . . . . . : WS05\r\n"
	    "   Primary Dns Suffix  . . . . . . . : corp.contoso.com\r\n"
	    "   DNS Suffix Search List. . . . . . : corp.contoso.com\r\n"
	    "                                       contoso.com\r\n\r\n"
	    "Ethernet adapter Ethernet0:\r\n\r\n"
	    "   Connection-specific DNS Suffix  . : branch.contoso.com\r\n"
	    "   IPv6 Address. . . . . . . . . . . : fd00::55(Preferred)\r\n"
	    "   DNS Servers . . . . . . . . . . . : 10.1.0.10\r\n"
	    "                                       fd00::10\r\n"), &f);
	KDT_CHECK(f == EV_FMT_IPCONFIG && g->nnet == 1);
	KDT_STREQ(g->net.host_name, "WS05");
	KDT_STREQ(g->net.primary_suffix, "corp.contoso.com");
	KDT_CHECK(g->net.nsearch == 2 && g->net.nconn == 1 && g->net.ndns == 2);
	KDT_STREQ(g->net.search[1], "contoso.com");
	KDT_STREQ(g->net.dns_servers[1], "fd00::10");
	/* An empty value ends the line with " :". */
	g = parse(S("Windows IP Configuration\r\n\r\n"
	    "   Primary Dns Suffix  . . . . . . . :\r\n"
	    "   Node Type . . . . . . . . . . . . : Hybrid\r\n"), &f);
	KDT_CHECK(g->net.has_primary_suffix && g->net.primary_suffix[0] == '\0' && g->nerr == 0);

	g = parse(S("\r\nHost Name:                 WS05\r\n"
	    "OS Name:                   Microsoft Windows 10 Enterprise\r\n"
	    "System Boot Time:          11/30/2026, 8:00:41 AM\r\n"
	    "Domain:                    WORKGROUP\r\n"), &f);
	KDT_CHECK(f == EV_FMT_SYSTEMINFO && g->nnet == 1);
	KDT_STREQ(g->net.domain, "WORKGROUP");
	KDT_CHECK(g->net.boot_time == 1796025641);

	/* German systeminfo: detected by its layout, reported as another language. */
	g = parse(S("Hostname:                  WS05\r\nBetriebssystemname:        Windows\r\n"
	    "Betriebssystemversion:     10.0\r\nDom\x84ne:                    WORKGROUP\r\n"
	    "Systemstartzeit:           30.11.2026, 08:00:41\r\n"), &f);
	KDT_CHECK(f == EV_FMT_SYSTEMINFO && g->net.non_english);
}

static void
test_hostile(void)
{
	enum ev_format f;
	struct got *g;
	char *big;
	size_t i;

	g = parse(S("ElfFile\0\1\0\0\0\0\0\0"), &f);
	KDT_CHECK(f == EV_FMT_EVTX && any_err(g, "wevtutil qe FILE.evtx"));
	g = parse(S("just some text\n"), &f);
	KDT_CHECK(f == EV_FMT_UNKNOWN && any_err(g, "not an export"));
	g = parse("", 0, &f);
	KDT_CHECK(f == EV_FMT_UNKNOWN);
	/* A line over the cap is skipped with an error; the next is read. */
	big = malloc(EV_MAX_LINE + 4096);
	strcpy(big, "Name: W\nDescription: x VOLUME_KMSCLIENT channel\nLicense Status: ");
	i = strlen(big);
	memset(big + i, 'x', EV_MAX_LINE + 10);
	strcpy(big + i + EV_MAX_LINE + 10, "\nPartial Product Key: ABCDE\n");
	g = parse(big, strlen(big), &f);
	KDT_CHECK(any_err(g, "line 3: text: limit") && g->sl.nblocks == 1);
	KDT_STREQ(g->sl.blocks[0].partial_key, "ABCDE");
	free(big);
}

/* A year of host log, 50 MiB of XML, through the parser in bounded memory. */
static void
test_big(void)
{
	struct ev_sink s;
	struct ev_parser *p;
	struct got *g = calloc(1, sizeof(*g));
	struct rusage before, after;
	char ev[1024];
	size_t n, total = 0, k = 0;

	memset(&s, 0, sizeof(s));
	s.event = g_event;
	s.error = g_err;
	s.arg = g;
	getrusage(RUSAGE_SELF, &before);
	p = ev_parser_new("big", &s);
	ev_parser_feed(p, "<Events>\n", 9);
	while (total < 50u * 1024 * 1024) {
		n = (size_t)snprintf(ev, sizeof(ev), "<Event xmlns='http://schemas.microsoft.com/"
		    "win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-SPP'/>"
		    "<EventID Qualifiers='16384'>12290</EventID><TimeCreated SystemTime='2026-11-02T08:"
		    "00:00.0000000Z'/><EventRecordID>%zu</EventRecordID><Channel>Key Management Service"
		    "</Channel><Computer>kms1.contoso.com</Computer></System><EventData><Data>0x0</Data>"
		    "<Data>25</Data><Data>ws%zu.contoso.com</Data><Data>36f27b39-9f5a-4d6c-8b1c-"
		    "%012zx</Data><Data>2026/11/2 8:00</Data><Data>0</Data><Data>2</Data><Data>43200"
		    "</Data><Data>73111121-5638-40f6-bc11-f1d7b0d64300</Data></EventData></Event>\n",
		    k, k, k);
		ev_parser_feed(p, ev, n);
		total += n;
		k++;
	}
	ev_parser_feed(p, "</Events>\n", 10);
	ev_parser_end(p);
	ev_parser_free(p);
	getrusage(RUSAGE_SELF, &after);
	KDT_CHECK(g->nev_total == k && g->nerr == 0);
	/* ru_maxrss is in KiB: the parser's memory does not grow with the file. */
	KDT_CHECK(after.ru_maxrss - before.ru_maxrss < 16 * 1024);
	printf("big: %zu events, %zu MiB, max RSS grew %ld KiB\n", k, total >> 20,
	    after.ru_maxrss - before.ru_maxrss);
	free(g);
}

/* --- conclusions from the fixtures ------------------------------------------------ */

static struct kd_report *
run(const char *const *files, size_t n, struct kd_report *r)
{
	struct evidence_opts o;

	evidence_opts_init(&o);
	o.files = files;
	o.nfiles = n;
	ev_parse_time("2026-12-06T00:00:00Z", &o.now);
	kd_report_init(r, EVIDENCE_TOOL);
	evidence_run(&o, r);
	return r;
}

static const struct kd_check *
find(const struct kd_report *r, const char *id, const char *summary_part)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->checks[i].id, id) == 0 &&
		    (summary_part == NULL || strstr(r->checks[i].summary, summary_part) != NULL))
			return &r->checks[i];
	return NULL;
}

/*
 * Many clients: a host log whose every CMID is cloned and a client log of
 * as many CMIDs, so a pairwise comparison anywhere in the analysis
 * (n squared: minutes) shows as a timeout; sorted, it takes a second.
 */
static void
test_many_clients(void)
{
	const size_t n = 100000;
	struct evidence_opts o;
	struct ev_set *s;
	struct kd_report r;
	struct timespec t0, t1;
	char *host, *client, *p;
	size_t i;
	double secs;
	const struct kd_check *c;

	host = malloc(n * 2 * 200 + 64);
	client = malloc(n * 200 + 64);
	p = host + sprintf(host, "\"TimeCreated\",\"Id\",\"MachineName\",\"Message\"\n");
	for (i = 0; i < 2 * n; i++)
		p += sprintf(p, "\"11/2/2026 8:00:00 AM\",\"12290\",\"kms1\",\"Info:\n0x0,25,"
		    "ws%zu,36f27b39-9f5a-4d6c-8b1c-%012zx,2026/11/2 8:00,0,2,43200,"
		    "73111121-5638-40f6-bc11-f1d7b0d64300\"\n", i, i / 2);
	p = client + sprintf(client, "\"TimeCreated\",\"Id\",\"MachineName\",\"Message\"\n");
	for (i = 0; i < n; i++)
		p += sprintf(p, "\"11/2/2026 8:00:00 AM\",\"12288\",\"c\",\"Info:\n0x0,0x0,"
		    "kms1:1688,46f27b39-9f5a-4d6c-8b1c-%012zx,2026/11/2 8:00,0,2,43200,"
		    "73111121-5638-40f6-bc11-f1d7b0d64300,25\"\n", i);
	evidence_opts_init(&o);
	o.now = 1793606400;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = ev_set_new(&o);
	ev_set_read_buffer(s, "host.csv", host, strlen(host));
	ev_set_read_buffer(s, "client.csv", client, strlen(client));
	kd_report_init(&r, EVIDENCE_TOOL);
	ev_set_report(s, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("many clients: %zu host events, %zu client events: %.2f s\n", 2 * n, n, secs);
	KDT_CHECK(secs < 10);
	c = find(&r, "cloned_cmid", "100000 CMIDs in all");
	KDT_CHECK(c != NULL);
	c = find(&r, "client_not_in_host_log", "100000 client CMIDs in all");
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	kd_report_fini(&r);
	ev_set_free(s);
	free(host);
	free(client);
}

static void
test_host_formats(void)
{
	static const char *const host[] = {
		"fixtures/windows/host-wevtutil.txt", "fixtures/windows/host-events.xml",
		"fixtures/windows/host-fragments.xml", "fixtures/windows/host-rendered.xml",
		"fixtures/windows/host-ps.csv", "fixtures/windows/host-ps51.csv",
		"fixtures/windows/host-ps51.json", "fixtures/windows/host-ps7.json",
	};
	size_t i;

	for (i = 0; i < sizeof(host) / sizeof(host[0]); i++) {
		struct kd_report r;
		const struct kd_check *c;
		int failed = kdt_failed;

		run(&host[i], 1, &r);
		c = find(&r, "input", NULL);
		KDT_CHECK(c != NULL && c->verdict == KD_V_OK);
		c = find(&r, "host_count", "Windows 10/11 (Volume): 24 ");
		KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
		KDT_CHECK(find(&r, "cloned_cmid", NULL) != NULL);
		c = find(&r, "fqdn_many_cmids", NULL);
		KDT_CHECK(c != NULL && strcmp(c->subject, "vdi01.contoso.com") == 0);
		c = find(&r, "host_refused", "0xC004F06C");
		KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL &&
		    strstr(c->fix, "SL_E_VL_INVALID_TIMESTAMP") != NULL);
		c = find(&r, "host_idle", "26 days");
		KDT_CHECK(c != NULL && c->verdict == KD_V_WARN);
		/* The same checklist as the other tools. */
		c = find(&r, "checklist.threshold", NULL);
		KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
		c = find(&r, "checklist.time", "0xC004F06C");
		KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
		if (kdt_failed != failed)
			fprintf(stderr, "  in %s\n", host[i]);
		kd_report_fini(&r);
	}
}

static void
test_client_formats(void)
{
	static const char *const client[] = {
		"fixtures/windows/client-wevtutil.txt", "fixtures/windows/client-events.xml",
		"fixtures/windows/client-ps.csv", "fixtures/windows/client-ps7.json",
	};
	size_t i;

	for (i = 0; i < sizeof(client) / sizeof(client[0]); i++) {
		struct kd_report r;
		const struct kd_check *c;

		run(&client[i], 1, &r);
		c = find(&r, "client_hosts", "kms1.contoso.com:1688 (1), "
		    "kms2.contoso.com:1688 (1)");
		KDT_CHECK(c != NULL);
		c = find(&r, "client_no_response", "1 of 2");
		KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL &&
		    strcmp(c->subject, "kms2.contoso.com:1688") == 0);
		c = find(&r, "client_count", "count is 24, the product needs 25");
		KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
		c = find(&r, "client_license", "state 2 (OOB grace), 29 days left");
		KDT_CHECK(c != NULL && c->verdict == KD_V_WARN);
		kd_report_fini(&r);
	}
}

static void
test_other_fixtures(void)
{
	static const struct {
		const char	*file, *id, *summary;
		enum kd_verdict	 v;
	} cases[] = {
		{ "host-app-12293.xml", "host_dns_publish", "12293", KD_V_FAIL },
		{ "client-one.json", "client_adba", "12308", KD_V_OK },
		{ "slmgr-client-dlv.txt", "slmgr_pinned", "kms2.contoso.com:1688",
		    KD_V_WARN },
		{ "slmgr-client-nodns.txt", "slmgr_dns", "found no KMS host", KD_V_FAIL },
		{ "slmgr-client-retail.txt", "slmgr_channel", "RETAIL", KD_V_FAIL },
		{ "slmgr-dlv-all.txt", "slmgr_channel", "VOLUME_KMSCLIENT", KD_V_OK },
		{ "slmgr-host-dlv.txt", "slmgr_host_count", "24", KD_V_WARN },
		{ "slmgr-host-dlv.txt", "slmgr_host_publish", "disabled", KD_V_WARN },
		{ "slmgr-german.txt", "slmgr_language", "another language", KD_V_UNKNOWN },
		{ "ipconfig-all.txt", "client_suffixes",
		    "_vlmcs._tcp.branch.contoso.com, _vlmcs._tcp.lab.contoso.com", KD_V_OK },
		{ "ipconfig-nosuffix.txt", "client_suffixes", "no DNS suffix", KD_V_FAIL },
		{ "systeminfo.txt", "client_domain", "workgroup WORKGROUP", KD_V_WARN },
		{ "systeminfo-joined.txt", "client_domain", "joined to contoso.com",
		    KD_V_OK },
		{ "systeminfo.txt", "client_boot", "2026-11-30T08:00:41Z", KD_V_OK },
		{ "binary.evtx", "input", "wevtutil qe FILE.evtx", KD_V_UNKNOWN },
		{ "utf16-cut.txt", "input", "could not be read", KD_V_WARN },
		{ "host-malformed.xml", "input", "27 events", KD_V_WARN },
		{ "host-cut.xml", "input", "could not be read", KD_V_WARN },
		{ "hostile.csv", "input", "could not be read", KD_V_WARN },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kd_report r;
		const struct kd_check *c;
		char path[128];
		const char *p = path;

		snprintf(path, sizeof(path), "fixtures/windows/%s", cases[i].file);
		run(&p, 1, &r);
		c = find(&r, cases[i].id, cases[i].summary);
		KDT_CHECK(c != NULL && c->verdict == cases[i].v);
		if (c == NULL || c->verdict != cases[i].v)
			fprintf(stderr, "  case %s %s\n", cases[i].file, cases[i].id);
		kd_report_fini(&r);
	}
}

/* The host's and the client's records side by side. */
static void
test_cross(void)
{
	static const char ipconfig[] = "Windows IP Configuration\r\n\r\n"
	    "   Host Name . . . . . . . . . . . . : WS07\r\n"
	    "   Primary Dns Suffix  . . . . . . . : contoso.com\r\n"
	    "   DNS Suffix Search List. . . . . . : contoso.com\r\n";
	static const char client[] = "{ \"Id\": 12288, \"TimeCreated\": \"2026-11-05T09:00:00Z\", "
	    "\"Data\": [\"0x0\", \"0x0\", \"KMS1:1688\", \"36f27b39-9f5a-4d6c-8b1c-bc2e3a719999\", "
	    "\"11/30/2026 9:00 AM\", \"0\", \"2\", \"43200\", "
	    "\"73111121-5638-40f6-bc11-f1d7b0d64300\", \"25\"] }";
	char late[sizeof(client)];
	static const char *const files[] = {
		"fixtures/windows/host-events.xml", "fixtures/windows/client-events.xml",
		"fixtures/windows/ipconfig-all.txt", "fixtures/windows/host-app-12293.xml",
	};
	struct evidence_opts o;
	struct ev_set *s;
	struct kd_report r;
	const struct kd_check *c;

	memcpy(late, client, sizeof(client));
	memcpy(strstr(late, "2026-11-05"), "2026-12-05", 10);
	run(files, 4, &r);
	c = find(&r, "client_misses_record", "publishes _vlmcs._tcp.contoso.com, but the client "
	    "asks only in branch.contoso.com, lab.contoso.com:");
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	c = find(&r, "client_in_host_log", "as ws05.contoso.com");
	KDT_CHECK(c != NULL && c->verdict == KD_V_OK);
	c = find(&r, "client_other_host", "1 time");
	KDT_CHECK(c != NULL && c->verdict == KD_V_WARN);
	c = find(&r, "checklist.dns", NULL);
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	kd_report_fini(&r);

	/* A client that asks where the host publishes; a CMID the host never logged. */
	evidence_opts_init(&o);
	ev_parse_time("2026-12-06T00:00:00Z", &o.now);
	s = ev_set_new(&o);
	ev_set_read(s, "fixtures/windows/host-app-12293.xml");
	ev_set_read(s, "fixtures/windows/host-events.xml");
	ev_set_read_buffer(s, "ipconfig.txt", ipconfig, sizeof(ipconfig) - 1);
	ev_set_read_buffer(s, "client.json", client, sizeof(client) - 1);
	kd_report_init(&r, EVIDENCE_TOOL);
	ev_set_report(s, &r);
	c = find(&r, "client_finds_record", "asks in contoso.com");
	KDT_CHECK(c != NULL && c->verdict == KD_V_OK);
	KDT_CHECK(find(&r, "client_misses_record", NULL) == NULL);
	c = find(&r, "client_not_in_host_log", "asked kms1.contoso.com 1 time while");
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	/* Facts name the record kind and the file; the source is the site model's. */
	KDT_CHECK(c != NULL && json_is_string(json_object_get(c->facts, "evidence")) &&
	    strcmp(json_string_value(json_object_get(c->facts, "evidence")), "client log") == 0);
	KDT_CHECK(c != NULL && json_is_string(json_object_get(c->facts, "source")) &&
	    strcmp(json_string_value(json_object_get(c->facts, "source")), "windows") == 0);
	kd_report_fini(&r);
	ev_set_free(s);

	/* slmgr's DNS discovery finds another host than the one whose log was given. */
	s = ev_set_new(&o);
	ev_set_read(s, "fixtures/windows/host-events.xml");
	ev_set_read_buffer(s, "slmgr.txt", slmgr_client, sizeof(slmgr_client) - 1);
	kd_report_init(&r, EVIDENCE_TOOL);
	ev_set_report(s, &r);
	KDT_CHECK(find(&r, "slmgr_dns_other_host", NULL) == NULL);
	kd_report_fini(&r);
	{
		char other[sizeof(slmgr_client)];

		memcpy(other, slmgr_client, sizeof(other));
		memcpy(strstr(other, "DNS: kms1") + 5, "kms2", 4);
		ev_set_read_buffer(s, "slmgr2.txt", other, sizeof(other) - 1);
	}
	kd_report_init(&r, EVIDENCE_TOOL);
	ev_set_report(s, &r);
	c = find(&r, "slmgr_dns_other_host", "finds kms2.contoso.com:1688, not kms1.contoso.com");
	KDT_CHECK(c != NULL && c->verdict == KD_V_WARN);
	kd_report_fini(&r);
	ev_set_free(s);

	/* The same request after the host's log ends: cannot tell. */
	s = ev_set_new(&o);
	ev_set_read(s, "fixtures/windows/host-events.xml");
	ev_set_read_buffer(s, "client.json", late, sizeof(late) - 1);
	kd_report_init(&r, EVIDENCE_TOOL);
	ev_set_report(s, &r);
	c = find(&r, "client_not_in_host_log", "not while");
	KDT_CHECK(c != NULL && c->verdict == KD_V_UNKNOWN);
	kd_report_fini(&r);
	ev_set_free(s);
}

/* The client's DNS asked in the same run, from a zone file. */
static void
test_dns(void)
{
	struct evidence_opts o;
	struct ev_set *s;
	struct kd_report r;
	const struct kd_check *c;
	char err[200];

	evidence_opts_init(&o);
	ev_parse_time("2026-12-06T00:00:00Z", &o.now);
	s = ev_set_new(&o);
	ev_set_read(s, "fixtures/windows/host-events.xml");
	ev_set_read(s, "fixtures/windows/client-events.xml");
	ev_set_read(s, "fixtures/windows/ipconfig-all.txt");
	ev_set_read(s, "fixtures/windows/slmgr-host-dlv.txt");
	KDT_CHECK(ev_set_check_dns(s, NULL, "fixtures/windows/contoso.zone", NULL, err,
	    sizeof(err)) == 0);
	kd_report_init(&r, EVIDENCE_TOOL);
	ev_set_report(s, &r);
	/* branch.contoso.com has none; lab.contoso.com, asked next, has one. */
	c = find(&r, "client_finds_srv", "finds _vlmcs._tcp.lab.contoso.com: kms1.contoso.com.:1700");
	KDT_CHECK(c != NULL && c->verdict == KD_V_OK);
	c = find(&r, "client_host_in_srv", "asked port 1688");
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	c = find(&r, "client_host_in_srv", "no SRV record of its domains names");
	KDT_CHECK(c != NULL && c->verdict == KD_V_WARN && strncmp(c->subject, "kms2", 4) == 0);
	c = find(&r, "srv_port_mismatch", "listens on 1688");
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	kd_report_fini(&r);
	ev_set_free(s);

	/* A zone that holds none of the client's domains. */
	s = ev_set_new(&o);
	ev_set_read(s, "fixtures/windows/ipconfig-all.txt");
	KDT_CHECK(ev_set_check_dns(s, NULL, "tests/dns/zones/good.test.zone", NULL, err,
	    sizeof(err)) == 0);
	kd_report_init(&r, EVIDENCE_TOOL);
	ev_set_report(s, &r);
	c = find(&r, "client_finds_srv", "none of the domains the client asks "
	    "(branch.contoso.com, lab.contoso.com)");
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	kd_report_fini(&r);
	/* A zone that does not load: the error says why. */
	KDT_CHECK(ev_set_check_dns(s, NULL, "fixtures/windows/ipconfig-all.txt", "x.test", err,
	    sizeof(err)) == -1 && err[0] != '\0');
	ev_set_free(s);
}

/* Joined but not rebooted: systeminfo's domain against ipconfig's primary suffix. */
static void
test_reboot(void)
{
	static const char *const stale[] = {
		"fixtures/windows/systeminfo-joined.txt", "fixtures/windows/ipconfig-all.txt",
	};
	static const char ipconfig[] = "Windows IP Configuration\r\n\r\n"
	    "   Host Name . . . . . . . . . . . . : WS05\r\n"
	    "   Primary Dns Suffix  . . . . . . . : contoso.com\r\n";
	struct evidence_opts o;
	struct ev_set *s;
	struct kd_report r;
	const struct kd_check *c;

	run(stale, 2, &r);
	c = find(&r, "client_rebooted", "primary DNS suffix is empty: not rebooted");
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	c = find(&r, "checklist.domain", NULL);
	KDT_CHECK(c != NULL && c->verdict == KD_V_FAIL);
	kd_report_fini(&r);

	evidence_opts_init(&o);
	s = ev_set_new(&o);
	ev_set_read(s, "fixtures/windows/systeminfo-joined.txt");
	ev_set_read_buffer(s, "ipconfig.txt", ipconfig, sizeof(ipconfig) - 1);
	kd_report_init(&r, EVIDENCE_TOOL);
	ev_set_report(s, &r);
	c = find(&r, "client_rebooted", "rebooted since the join");
	KDT_CHECK(c != NULL && c->verdict == KD_V_OK);
	kd_report_fini(&r);
	ev_set_free(s);
}

/* The inventory as CSV: RFC 4180 quoting, no formula from a client's name. */
static void
test_csv_out(void)
{
	static const char host[] = "[{ \"Id\": 12290, \"TimeCreated\": \"2026-11-05T09:00:00Z\", "
	    "\"Data\": [\"0x0\", \"25\", \"=HYPERLINK(\\\"x\\\")\", "
	    "\"36f27b39-9f5a-4d6c-8b1c-bc2e3a719999\", \"11/5/2026 9:00 AM\", \"1\", \"1\", "
	    "\"43200\", \"73111121-5638-40f6-bc11-f1d7b0d64300\"] }]";
	struct evidence_opts o;
	struct ev_set *s;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	evidence_opts_init(&o);
	s = ev_set_new(&o);
	ev_set_read_buffer(s, "host.json", host, sizeof(host) - 1);
	fp = open_memstream(&buf, &len);
	KDT_CHECK(ev_set_csv(s, fp) == 0);
	fclose(fp);
	KDT_CHECK(strncmp(buf, "cmid,fqdn,other_fqdn,product,", 29) == 0);
	KDT_CHECK(strstr(buf, "\"36f27b39-9f5a-4d6c-8b1c-bc2e3a719999\",\"'=HYPERLINK(\"\"x\"\")\","
	    "\"\",\"Windows 10/11 Enterprise\"") != NULL);
	KDT_CHECK(strstr(buf, "\"1\",\"Licensed\",\"25\",\"2026-11-05T09:00:00Z\"") != NULL);
	free(buf);
	ev_set_free(s);
}

static void
test_anonymize(void)
{
	struct evidence_opts o;
	struct kd_report r;
	const char *f = "fixtures/windows/host-events.xml";
	const struct kd_check *c;
	size_t i;

	evidence_opts_init(&o);
	o.files = &f;
	o.nfiles = 1;
	o.anonymize = true;
	kd_report_init(&r, EVIDENCE_TOOL);
	evidence_run(&o, &r);
	for (i = 0; i < r.n; i++) {
		KDT_CHECK(strstr(r.checks[i].summary, "contoso") == NULL);
		KDT_CHECK(strstr(r.checks[i].subject, "36f27b39") == NULL);
	}
	c = find(&r, "fqdn_many_cmids", NULL);
	KDT_CHECK(c != NULL && strncmp(c->subject, "host-", 5) == 0);
	kd_report_fini(&r);
}

int
main(void)
{
	test_time();
	test_info();
	test_detect();
	test_xml();
	test_csv();
	test_json();
	test_text();
	test_variants();
	test_slmgr();
	test_netcfg();
	test_hostile();
	test_big();
	test_many_clients();
	test_host_formats();
	test_client_formats();
	test_other_fixtures();
	test_cross();
	test_dns();
	test_reboot();
	test_csv_out();
	test_anonymize();
	return KDT_DONE("test_evidence");
}
