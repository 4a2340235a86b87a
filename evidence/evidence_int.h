/*
 * Shared between the parts of the evidence parser only: the parser state
 * and the per-format entry points.
 */
#ifndef EVIDENCE_INT_H
#define EVIDENCE_INT_H

#include <iconv.h>

#include "evidence.h"

struct ev_parser;

/* One input format: started once the format is known, fed UTF-8. */
struct ev_fmt_ops {
	enum kd_status	(*start)(struct ev_parser *);
	enum kd_status	(*data)(struct ev_parser *, const char *, size_t);
	/* For line formats (data == NULL): one line, without its line end, NUL-terminated. */
	void		(*line)(struct ev_parser *, char *, size_t);
	enum kd_status	(*end)(struct ev_parser *);
	void		(*fini)(struct ev_parser *);
};

struct ev_parser {
	const char		*source;
	struct ev_sink		 sink;

	/* Decoding: raw bytes -> UTF-8. */
	enum ev_encoding	 enc;
	bool			 enc_known;
	uint8_t			 raw[8];	/* first bytes, for the BOM and .evtx magic */
	size_t			 nraw;
	iconv_t			 cd;		/* UTF-16 -> UTF-8; (iconv_t)-1 unused */
	uint8_t			 carry[8];	/* a character cut between two pieces */
	size_t			 ncarry;
	uint32_t		 cp850[128];	/* code page 850's upper half, from iconv */
	bool			 cp850_ready;
	bool			 bad_encoding_told;

	/* Detection: the first EV_HEAD bytes of UTF-8 are kept until the format is known. */
	char			*head;
	size_t			 nhead;
	bool			 detected;
	enum ev_format		 fmt;
	const struct ev_fmt_ops	*ops;

	/* Lines, for the line formats; lineno counts every format's lines. */
	char			*line;
	size_t			 nline;
	bool			 line_long;
	uint64_t		 lineno;

	void			*fs;		/* the format's own state */
	uint64_t		 records, errors;
	enum kd_status		 stop;		/* first fatal status, sticky */
};

#define EV_HEAD		4096

/* Report one error (capped at EV_MAX_ERRORS per file); returns status. */
enum kd_status	ev_error(struct ev_parser *, uint64_t line, uint64_t record,
		    const char *layer, enum kd_status, const char *fmt, ...)
		    __attribute__((format(printf, 6, 7)));
/* Hand a finished event to the sink (counts it). */
void		ev_emit_event(struct ev_parser *, struct ev_event *);
/* The fields from a message's "Info:" line; false when there is none. */
bool		ev_info_from_message(const char *msg, struct ev_event *);

/* Fields from EventData values (XML <Data>, JSON Data): see parser.c for the layouts. */
void		ev_fields_from_values(struct ev_event *, const char *const *, size_t);

enum ev_format	ev_detect(const char *, size_t);

extern const struct ev_fmt_ops ev_text_ops, ev_xml_ops, ev_csv_ops, ev_json_ops,
		    ev_slmgr_ops, ev_ipconfig_ops, ev_systeminfo_ops;

#endif
