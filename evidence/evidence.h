/*
 * kmsdiag-evidence: read what the KMS host and its clients record about
 * activation, from files exported with Windows' own commands, and turn it
 * into checks beside the network evidence.
 *
 * Inputs (detected by content, never by file name; see
 * ../shared/docs/windows-evidence.md for the formats):
 *   event logs   wevtutil qe ... /f:text, /f:xml (with or without
 *                /e:Events), /f:RenderedXml; Get-WinEvent | Export-Csv;
 *                Get-WinEvent | ConvertTo-Json (PowerShell 5.1 and 7)
 *   slmgr.vbs    /dlv, /dlv all, /dli
 *   ipconfig /all, systeminfo
 * in UTF-8 (with or without BOM), UTF-16LE/BE with BOM, or an 8-bit
 * console code page (bytes that are not UTF-8 are read as code page 850),
 * with LF or CRLF line ends.  A binary .evtx is recognised and refused
 * with the command that converts it: kmsdiag is not built with libevtx.
 *
 * Layers, each usable alone:
 *   ev_decoder    bytes in any of the encodings above -> UTF-8 (streaming)
 *   ev_parser     UTF-8 -> records (events, slmgr blocks, network settings)
 *                 through an ev_sink; pure, bounded memory per record,
 *                 errors as ev_err values naming file, line and record
 *   ev_info_decode  one event's fields -> the typed KMS fields of its ID
 *   ev_set        the records of every file -> per-CMID rows, counts,
 *                 findings (evidence/analyze.c)
 */
#ifndef EVIDENCE_H
#define EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "guid.h"
#include "report.h"

#define EVIDENCE_TOOL		"kmsdiag-evidence"

/* Caps (style R4): a record past one of them is reported, never silent. */
#define EV_MAX_FIELDS		12	/* Info fields kept per event; 12288 has 10 */
#define EV_FIELD_MAX		256	/* bytes per field, NUL included */
#define EV_MAX_LINE		(64 * 1024)	/* one text line; longer is an error */
#define EV_MAX_RECORD		(256 * 1024)	/* one XML event, one CSV row, one JSON event */
#define EV_MAX_JSON		(64 * 1024 * 1024)	/* jansson builds the whole tree */
#define EV_MAX_XML_DEPTH	32
#define EV_MAX_BLOCKS		32	/* slmgr /dlv all license blocks per file */
#define EV_MAX_LIST		8	/* suffixes, DNS servers kept per file */
#define EV_MAX_ERRORS		1000	/* error lines reported per file; the rest counted */

#define EV_TIME_UNKNOWN		INT64_MIN

enum ev_format {
	EV_FMT_UNKNOWN = 0,
	EV_FMT_EVENT_TEXT,	/* wevtutil /f:text */
	EV_FMT_EVENT_XML,	/* wevtutil /f:xml, /f:RenderedXml, evtxexport */
	EV_FMT_EVENT_CSV,	/* Export-Csv */
	EV_FMT_EVENT_JSON,	/* ConvertTo-Json */
	EV_FMT_EVTX,		/* binary: refused, with the conversion command */
	EV_FMT_SLMGR,		/* slmgr.vbs /dlv, /dli */
	EV_FMT_IPCONFIG,	/* ipconfig /all */
	EV_FMT_SYSTEMINFO,	/* systeminfo */
};
const char	*ev_format_name(enum ev_format);	/* "event log (wevtutil text)", ... */

enum ev_encoding { EV_ENC_UTF8, EV_ENC_UTF8_BOM, EV_ENC_UTF16LE, EV_ENC_UTF16BE, EV_ENC_CP850 };
const char	*ev_encoding_name(enum ev_encoding);

/* A problem with one record: the rest of the file is still read. */
struct ev_err {
	const char	*source;	/* file name */
	uint64_t	 line;		/* 1-based, 0 unknown */
	uint64_t	 record;	/* 1-based event/row/block number, 0 none */
	const char	*layer;		/* "xml", "csv", "json", "text", "event 12290", ... */
	enum kd_status	 status;
	char		 msg[192];
};
/* "kms-host.xml: line 12: record 3: event 12290: invalid (CMID "x": not a GUID)" */
int		 ev_err_format(const struct ev_err *, char *, size_t);

/* One event as exported: the System part and the raw Info fields. */
struct ev_event {
	uint32_t	 id;
	uint64_t	 record;		/* ordinal in the file, 1-based */
	uint64_t	 line;			/* where it starts */
	int64_t		 when;			/* TimeCreated, unix seconds; EV_TIME_UNKNOWN */
	char		 computer[256];
	char		 channel[64];
	char		 provider[96];
	char		 fields[EV_MAX_FIELDS][EV_FIELD_MAX];
	size_t		 nfields;
	bool		 fields_cut;		/* more than EV_MAX_FIELDS, or a field cut */
};

/* The typed fields of the KMS events (fact sheet, "Events"). */
struct ev_kms {
	uint32_t	 id;
	uint32_t	 hresult;
	uint32_t	 flags;			/* 12288, 12289 status flags */
	char		 name[256];		/* 12290 client FQDN; 12288 host:port; 12293/4 domain */
	struct kd_guid	 cmid, actid;
	int64_t		 client_time;		/* EV_TIME_UNKNOWN when unreadable */
	uint32_t	 vm, license_status, minutes_left;
	uint32_t	 required;		/* N-policy */
	uint32_t	 activated, count;	/* 12289 */
	uint32_t	 activation_interval, renewal_interval;	/* 12289, minutes */
};
/* False with err filled when a field is missing or malformed; IDs other than the KMS ones: EUNSUP. */
bool		 ev_info_decode(const struct ev_event *, struct ev_kms *, struct ev_err *);
/* Is this one of the IDs we read (12288-12294, 12308)? */
bool		 ev_id_known(uint32_t);
/* The comma-separated Info line into fields (", " or ","); returns the count. */
size_t		 ev_split_info(const char *, struct ev_event *);

/*
 * Dates as Windows writes them: ISO 8601 with or without zone and
 * fraction, "\/Date(ms)\/", "2010/9/29 21:46", "9/29/2010 9:46 PM",
 * "04.03.2024 09:35:31", "3/4/2024, 8:12:45 AM".  Without a zone the
 * time is taken as UTC (exports carry the exporting machine's local time:
 * said in the man page).  False when unreadable.
 */
bool		 ev_parse_time(const char *, int64_t *);

/* --- slmgr /dlv, /dli ----------------------------------------------------- */

struct ev_slmgr_block {
	uint64_t	 line;
	char		 name[256];
	char		 description[256];
	char		 channel[48];		/* "VOLUME_KMSCLIENT", "RETAIL", ... from Description */
	struct kd_guid	 activation_id;
	bool		 has_activation_id;
	char		 epid[128];
	char		 key_channel[48];	/* Product Key Channel */
	char		 partial_key[16];
	char		 license_status[128];
	int64_t		 expiration_minutes;	/* -1 unknown */
	char		 config_type[16];	/* All, AD, KMS, Token */
	/* Key Management Service client information */
	bool		 kms_client;
	struct kd_guid	 cmid;
	bool		 has_cmid;
	char		 registered_kms[256];	/* /skms: the client no longer uses DNS */
	char		 lookup_domain[256];	/* /skms-domain */
	char		 kms_from_dns[256];	/* host:port */
	bool		 dns_unavailable;	/* "DNS auto-discovery: KMS name not available" */
	char		 kms_ip[64];
	char		 kms_epid[128];
	int64_t		 activation_interval, renewal_interval;	/* -1 unknown */
	int		 caching;		/* -1 unknown, 0 disabled, 1 enabled */
	/* Key Management Service host */
	bool		 kms_host;
	int64_t		 current_count;		/* -1 unknown */
	int64_t		 listening_port;
	int		 dns_publishing;	/* -1, 0, 1 */
	char		 priority[16];
	int64_t		 total_requests, failed_requests;
	/* AD activation */
	bool		 adba;
	char		 ao_name[256];
};

struct ev_slmgr {
	struct ev_slmgr_block	 blocks[EV_MAX_BLOCKS];
	size_t			 nblocks;
	bool			 blocks_cut;	/* more than EV_MAX_BLOCKS */
	bool			 non_english;	/* labels in another language */
	char			 sample_label[64];	/* one such label, for the message */
};

/* --- ipconfig /all, systeminfo --------------------------------------------- */

struct ev_netcfg {
	enum ev_format	 kind;			/* EV_FMT_IPCONFIG or EV_FMT_SYSTEMINFO */
	char		 host_name[256];
	char		 primary_suffix[256];	/* ipconfig; "" when empty */
	bool		 has_primary_suffix;	/* the line was there */
	char		 search[EV_MAX_LIST][256];
	size_t		 nsearch;
	char		 conn_suffix[EV_MAX_LIST][256];	/* per adapter, non-empty ones */
	size_t		 nconn;
	char		 dns_servers[EV_MAX_LIST][64];
	size_t		 ndns;
	char		 domain[256];		/* systeminfo Domain: */
	char		 os_name[128], os_version[128];
	int64_t		 boot_time;		/* EV_TIME_UNKNOWN */
	char		 boot_text[64];
	bool		 non_english;
	char		 sample_label[64];
};

/* --- the parser ------------------------------------------------------------ */

/* Where the records go.  Every callback may be NULL. */
struct ev_sink {
	void	(*event)(void *, const struct ev_event *);
	void	(*slmgr)(void *, const struct ev_slmgr *);
	void	(*netcfg)(void *, const struct ev_netcfg *);
	void	(*error)(void *, const struct ev_err *);
	void	*arg;
};

struct ev_parser;

/*
 * A streaming reader for one file: feed it the file's bytes in pieces of
 * any size, then end it.  It detects the encoding and the format from the
 * first bytes and calls the sink for each record as soon as it is
 * complete.  Memory is bounded by the caps above, not by the file.
 * source is the name used in errors (kept as a pointer).
 */
struct ev_parser *ev_parser_new(const char *source, const struct ev_sink *);
/* Returns KD_OK, or the status that stopped the file (the sink got the error). */
enum kd_status	 ev_parser_feed(struct ev_parser *, const void *, size_t);
enum kd_status	 ev_parser_end(struct ev_parser *);
enum ev_format	 ev_parser_format(const struct ev_parser *);
enum ev_encoding ev_parser_encoding(const struct ev_parser *);
uint64_t	 ev_parser_records(const struct ev_parser *);	/* records seen */
uint64_t	 ev_parser_errors(const struct ev_parser *);	/* errors reported */
void		 ev_parser_free(struct ev_parser *);

/* Parse a whole buffer (tests, fuzzing): new + feed + end + free. */
enum kd_status	 ev_parse_buffer(const char *source, const void *, size_t,
		    const struct ev_sink *, enum ev_format *);
/* Feed a whole file in 64 KiB pieces, then end; open/read errors go to the sink too. */
enum kd_status	 ev_parser_read_file(struct ev_parser *, const char *path);
/* Read a file in 64 KiB pieces; open/read errors go to the sink too. */
enum kd_status	 ev_parse_file(const char *path, const struct ev_sink *, enum ev_format *);

/* --- the analysis ---------------------------------------------------------- */

struct ev_set;

struct evidence_opts {
	const char *const	*files;
	size_t			 nfiles;
	int64_t			 now;		/* unix seconds for ages; EV_TIME_UNKNOWN: the clock */
	bool			 anonymize;	/* CMIDs and names as keyed hashes */
	const char		*anon_key;	/* NULL: a fixed key */
};

void		 evidence_opts_init(struct evidence_opts *);
/*
 * Read every file and add the checks to report (tool EVIDENCE_TOOL).
 * Returns 0, or -1 when no file could be read at all.
 */
int		 evidence_run(const struct evidence_opts *, struct kd_report *);

/* Lower-level, for the dashboard and doctor: */
struct ev_set	*ev_set_new(const struct evidence_opts *);
void		 ev_set_free(struct ev_set *);
/* Read one file into the set; parse errors become "evidence.input" checks. */
void		 ev_set_read(struct ev_set *, const char *path);
void		 ev_set_read_buffer(struct ev_set *, const char *source, const void *, size_t);
/*
 * The conclusions as observations of the site model (KD_SRC_WINDOWS), each
 * with its checklist item, for a caller that judges them with its own
 * network evidence (doctor, the dashboard): kd_site_judge() then puts them
 * beside the network findings.  Facts name the record kind ("evidence":
 * "host log", "client log", "slmgr /dlv", "ipconfig /all", "systeminfo")
 * and the file.
 */
struct kd_site;
void		 ev_set_site(struct ev_set *, struct kd_site *);
/* The checklist of the evidence alone: ev_set_site, kd_site_judge, kd_checklist_report. */
void		 ev_set_report(struct ev_set *, struct kd_report *);
/*
 * Ask the _vlmcs._tcp records of every domain the evidence names (the
 * client's suffixes, the domain the host publishes in) from server (NULL:
 * resolv.conf) or from a zone file, so the report can say which record
 * the client really finds.  Call after reading the files.  -1 with err set
 * when the zone cannot be loaded.
 */
int		 ev_set_check_dns(struct ev_set *, const char *server, const char *zone_file,
		    const char *origin, char *err, size_t errlen);
/* The client inventory as CSV (one row per CMID and product), RFC 4180 quoting. */
int		 ev_set_csv(const struct ev_set *, FILE *);

#endif
