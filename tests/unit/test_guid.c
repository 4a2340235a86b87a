/*
 * GUID wire/text forms (protocol doc §0), FILETIME to RFC 3339 with the
 * times of the worked examples (§13), and UTF-16LE decoding with the
 * hostile cases: no terminator, lone surrogates, a short output buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "guid.h"
#include "kdtest.h"

/* §0: 51c82175-844e-4750-b0d8-ec255555bc06 goes on the wire as ... */
static const uint8_t kms_if_wire[16] = {
	0x75, 0x21, 0xc8, 0x51, 0x4e, 0x84, 0x50, 0x47,
	0xb0, 0xd8, 0xec, 0x25, 0x55, 0x55, 0xbc, 0x06
};
static const uint8_t kms_if_text[16] = {
	0x51, 0xc8, 0x21, 0x75, 0x84, 0x4e, 0x47, 0x50,
	0xb0, 0xd8, 0xec, 0x25, 0x55, 0x55, 0xbc, 0x06
};

static void
test_guid(void)
{
	struct kd_guid g, h;
	uint8_t wire[16];
	char s[KD_GUID_STRLEN];

	kd_guid_from_wire(&g, kms_if_wire);
	KDT_MEMEQ(g.b, kms_if_text, 16);
	KDT_STREQ(kd_guid_format(&g, s), "51c82175-844e-4750-b0d8-ec255555bc06");
	KDT_CHECK(strlen(s) == 36);
	kd_guid_to_wire(&g, wire);
	KDT_MEMEQ(wire, kms_if_wire, 16);

	KDT_CHECK(kd_guid_parse(&h, "51c82175-844e-4750-b0d8-ec255555bc06"));
	KDT_CHECK(kd_guid_eq(&g, &h));
	KDT_CHECK(kd_guid_parse(&h, "51C82175-844E-4750-B0D8-EC255555BC06"));
	KDT_CHECK(kd_guid_eq(&g, &h));
	KDT_CHECK(kd_guid_parse(&h, "{51c82175-844e-4750-b0d8-ec255555bc06}"));
	KDT_CHECK(kd_guid_eq(&g, &h));
	KDT_CHECK(!kd_guid_is_nil(&h));

	/* A.4's SkuId and CMID, wire bytes from the dump. */
	{
		static const uint8_t sku[16] = {
			0x60, 0x77, 0x32, 0x6f, 0x5c, 0x8c, 0x7c, 0x41,
			0x9b, 0x61, 0x83, 0x6a, 0x98, 0x28, 0x7e, 0x0c };

		kd_guid_from_wire(&g, sku);
		KDT_STREQ(kd_guid_format(&g, s), "6f327760-8c5c-417c-9b61-836a98287e0c");
		KDT_CHECK(kd_guid_parse(&h, s) && kd_guid_eq(&g, &h));
	}

	/* NDR transfer syntax, §2.5 table. */
	{
		static const uint8_t ndr[16] = {
			0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
			0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 };

		KDT_CHECK(kd_guid_parse(&g, "8a885d04-1ceb-11c9-9fe8-08002b104860"));
		kd_guid_to_wire(&g, wire);
		KDT_MEMEQ(wire, ndr, 16);
	}

	KDT_CHECK(kd_guid_parse(&g, "00000000-0000-0000-0000-000000000000"));
	KDT_CHECK(kd_guid_is_nil(&g));
	KDT_STREQ(kd_guid_format(&g, s), "00000000-0000-0000-0000-000000000000");

	/* Rejects. */
	KDT_CHECK(!kd_guid_parse(&g, ""));
	KDT_CHECK(!kd_guid_parse(&g, "51c82175-844e-4750-b0d8-ec255555bc0"));
	KDT_CHECK(!kd_guid_parse(&g, "51c82175-844e-4750-b0d8-ec255555bc066"));
	KDT_CHECK(!kd_guid_parse(&g, "51c82175-844e-4750-b0d8-ec255555bc0g"));
	KDT_CHECK(!kd_guid_parse(&g, "51c82175x844e-4750-b0d8-ec255555bc06"));
	KDT_CHECK(!kd_guid_parse(&g, "51c82175-844e-4750-b0d8+ec255555bc06"));
	KDT_CHECK(!kd_guid_parse(&g, "51c8217-5844e-4750-b0d8-ec255555bc06"));
	KDT_CHECK(!kd_guid_parse(&g, "51c82175844e4750b0d8ec255555bc06----"));
	KDT_CHECK(!kd_guid_parse(&g, "{51c82175-844e-4750-b0d8-ec255555bc06"));
	KDT_CHECK(!kd_guid_parse(&g, "51c82175-844e-4750-b0d8-ec255555bc06}"));
	KDT_CHECK(!kd_guid_parse(&g, "(51c82175-844e-4750-b0d8-ec255555bc06)"));
	KDT_CHECK(!kd_guid_parse(&g, "{51c82175-844e-4750-b0d8-ec255555bc06}x"));
	KDT_CHECK(!kd_guid_parse(&g, " 51c82175-844e-4750-b0d8-ec255555bc06"));
	KDT_CHECK(!kd_guid_parse(&g, "51c82175-844e-4750-b0d8-ec255555bc 6"));
	KDT_CHECK(!kd_guid_parse(&g, "51c82175-844e-4750-b0d8-ec255555bc\xff" "6"));
}

static void
test_filetime(void)
{
	char s[64];
	int64_t secs = -1;
	uint32_t frac = 99;

	/* §13: A.4 request time, C.6 request time, B.3 request time. */
	KDT_STREQ(kd_filetime_format(134400901780000000ULL, s, sizeof(s)),
	    "2026-11-25T14:22:58Z");
	KDT_STREQ(kd_filetime_format(134400901880000000ULL, s, sizeof(s)),
	    "2026-11-25T14:23:08Z");
	KDT_STREQ(kd_filetime_format(134400901800000000ULL, s, sizeof(s)),
	    "2026-11-25T14:23:00Z");
	KDT_CHECK(kd_filetime_to_unix(134400901880000000ULL, &secs, &frac));
	KDT_CHECK(secs == 1795616588 && frac == 0);
	/* Unix seconds = FILETIME / 10^7 - 11644473600 (§0). */
	KDT_CHECK(secs == (int64_t)(134400901880000000ULL / 10000000) - 11644473600LL);
	KDT_CHECK(kd_filetime_from_unix(secs, 0) == 134400901880000000ULL);
	KDT_CHECK(kd_filetime_from_unix(secs, 123456) == 134400901881234560ULL);
	KDT_CHECK(kd_filetime_to_unix(134400901881234567ULL, &secs, &frac));
	KDT_CHECK(secs == 1795616588 && frac == 1234567);
	KDT_STREQ(kd_filetime_format(134400901881234567ULL, s, sizeof(s)),
	    "2026-11-25T14:23:08Z");

	KDT_CHECK(kd_filetime_to_unix(KD_FILETIME_UNIX_EPOCH, &secs, NULL) && secs == 0);
	KDT_STREQ(kd_filetime_format(KD_FILETIME_UNIX_EPOCH, s, sizeof(s)),
	    "1970-01-01T00:00:00Z");
	/* Before 1970, zero and the far future are "invalid", never garbage. */
	KDT_CHECK(!kd_filetime_to_unix(KD_FILETIME_UNIX_EPOCH - 1, &secs, NULL));
	KDT_STREQ(kd_filetime_format(KD_FILETIME_UNIX_EPOCH - 1, s, sizeof(s)), "invalid");
	KDT_STREQ(kd_filetime_format(0, s, sizeof(s)), "invalid");
	KDT_STREQ(kd_filetime_format(UINT64_MAX, s, sizeof(s)), "invalid");
	KDT_STREQ(kd_filetime_format(kd_filetime_from_unix(253402300799LL, 0), s,
	    sizeof(s)), "9999-12-31T23:59:59Z");
	KDT_STREQ(kd_filetime_format(kd_filetime_from_unix(253402300800LL, 0), s,
	    sizeof(s)), "invalid");
	KDT_STREQ(kd_unix_format(0, s, sizeof(s)), "1970-01-01T00:00:00Z");
	KDT_STREQ(kd_unix_format(-1, s, sizeof(s)), "invalid");
	KDT_STREQ(kd_unix_format(951782400, s, sizeof(s)), "2000-02-29T00:00:00Z");
	/* A buffer too small for the date gets a truncated "invalid", still terminated. */
	kd_unix_format(0, s, 5);
	KDT_CHECK(strlen(s) < 5);
}

/* Writes ASCII text as UTF-16LE units. */
static void
u16(uint8_t *out, const char *s)
{
	for (; *s != '\0'; s++, out += 2) {
		out[0] = (uint8_t)*s;
		out[1] = 0;
	}
}

static void
unit(uint8_t *out, size_t i, uint16_t v)
{
	out[2 * i] = (uint8_t)v;
	out[2 * i + 1] = (uint8_t)(v >> 8);
}

static void
test_utf16(void)
{
	uint8_t in[128], enc[128];
	char out[200];
	struct kd_utf16_result r;

	/* A.4's workstation name: NUL terminated and NUL padded. */
	memset(in, 0, sizeof(in));
	u16(in, "OFFICE-PC-17");
	KDT_CHECK(kd_utf16le_to_utf8(in, 64, out, sizeof(out), &r));
	KDT_STREQ(out, "OFFICE-PC-17");
	KDT_CHECK(r.terminated && r.valid && r.units == 12);

	/* Missing terminator: all 64 units used, not terminated, still valid. */
	for (int i = 0; i < 64; i++)
		unit(in, (size_t)i, 'a' + i % 26);
	KDT_CHECK(kd_utf16le_to_utf8(in, 64, out, sizeof(out), &r));
	KDT_CHECK(!r.terminated && r.valid && r.units == 64 && strlen(out) == 64);

	/* Zero units. */
	KDT_CHECK(kd_utf16le_to_utf8(in, 0, out, sizeof(out), &r));
	KDT_CHECK(out[0] == '\0' && !r.terminated && r.units == 0);

	/* BMP characters: e-acute (2 bytes) and the euro sign (3 bytes). */
	memset(in, 0, sizeof(in));
	unit(in, 0, 0x00e9);
	unit(in, 1, 0x20ac);
	unit(in, 2, 'x');
	KDT_CHECK(kd_utf16le_to_utf8(in, 8, out, sizeof(out), &r));
	KDT_STREQ(out, "\xc3\xa9\xe2\x82\xac" "x");
	KDT_CHECK(r.units == 3 && r.terminated);

	/* A surrogate pair: U+1F600. */
	memset(in, 0, sizeof(in));
	unit(in, 0, 'A');
	unit(in, 1, 0xd83d);
	unit(in, 2, 0xde00);
	unit(in, 3, 'B');
	KDT_CHECK(kd_utf16le_to_utf8(in, 8, out, sizeof(out), &r));
	KDT_STREQ(out, "A\xf0\x9f\x98\x80" "B");
	KDT_CHECK(r.valid && r.terminated && r.units == 4);

	/* Lone low surrogate. */
	memset(in, 0, sizeof(in));
	unit(in, 0, 'A');
	unit(in, 1, 0xdc00);
	unit(in, 2, 'B');
	KDT_CHECK(!kd_utf16le_to_utf8(in, 8, out, sizeof(out), &r));
	KDT_CHECK(!r.valid && r.bad_unit == 1);
	KDT_STREQ(out, "A");

	/* High surrogate followed by a non-surrogate. */
	unit(in, 1, 0xd800);
	unit(in, 2, 'B');
	KDT_CHECK(!kd_utf16le_to_utf8(in, 8, out, sizeof(out), &r));
	KDT_CHECK(!r.valid && r.bad_unit == 1);
	KDT_STREQ(out, "A");

	/* High surrogate followed by the NUL. */
	unit(in, 2, 0);
	KDT_CHECK(!kd_utf16le_to_utf8(in, 8, out, sizeof(out), &r));
	KDT_CHECK(!r.valid && r.bad_unit == 1);

	/* High surrogate as the very last unit: the missing low half is not read. */
	unit(in, 0, 'A');
	unit(in, 1, 0xdbff);
	unit(in, 2, 0xdc00);	/* beyond nunits */
	KDT_CHECK(!kd_utf16le_to_utf8(in, 2, out, sizeof(out), &r));
	KDT_CHECK(!r.valid && r.bad_unit == 1);
	KDT_STREQ(out, "A");

	/* Two high surrogates in a row. */
	unit(in, 1, 0xd800);
	unit(in, 2, 0xd800);
	unit(in, 3, 0xdc00);
	KDT_CHECK(!kd_utf16le_to_utf8(in, 8, out, sizeof(out), &r));
	KDT_CHECK(!r.valid && r.bad_unit == 1);

	/* The result pointer is optional. */
	KDT_CHECK(!kd_utf16le_to_utf8(in, 8, out, sizeof(out), NULL));

	/* A small output buffer truncates but stays terminated. */
	memset(in, 0, sizeof(in));
	u16(in, "abcdefgh");
	KDT_CHECK(kd_utf16le_to_utf8(in, 16, out, 4, &r));
	KDT_STREQ(out, "abc");
	unit(in, 0, 0x20ac);
	unit(in, 1, 0x20ac);
	KDT_CHECK(kd_utf16le_to_utf8(in, 16, out, 5, &r));
	KDT_STREQ(out, "\xe2\x82\xac");
	KDT_CHECK(!kd_utf16le_to_utf8(in, 16, out, 0, &r));

	/* Encoder: round trip, exact fit, no fit, bad UTF-8. */
	KDT_CHECK(kd_utf8_to_utf16le("OFFICE-PC-17", enc, 64));
	memset(in, 0, sizeof(in));
	u16(in, "OFFICE-PC-17");
	KDT_MEMEQ(enc, in, 128);
	KDT_CHECK(kd_utf8_to_utf16le("A\xf0\x9f\x98\x80\xc3\xa9", enc, 8));
	KDT_CHECK(enc[0] == 'A' && enc[2] == 0x3d && enc[3] == 0xd8 &&
	    enc[4] == 0x00 && enc[5] == 0xde && enc[6] == 0xe9 && enc[7] == 0);
	KDT_CHECK(enc[8] == 0 && enc[9] == 0 && enc[15] == 0);
	KDT_CHECK(kd_utf16le_to_utf8(enc, 8, out, sizeof(out), &r));
	KDT_STREQ(out, "A\xf0\x9f\x98\x80\xc3\xa9");
	{
		char s63[64], s64[65];

		memset(s63, 'x', 63);
		s63[63] = '\0';
		memset(s64, 'y', 64);
		s64[64] = '\0';
		KDT_CHECK(kd_utf8_to_utf16le(s63, enc, 64));
		KDT_CHECK(enc[124] == 'x' && enc[126] == 0 && enc[127] == 0);
		KDT_CHECK(!kd_utf8_to_utf16le(s64, enc, 64));
	}
	/* The pair needs two units plus the NUL. */
	KDT_CHECK(!kd_utf8_to_utf16le("\xf0\x9f\x98\x80", enc, 2));
	KDT_CHECK(kd_utf8_to_utf16le("\xf0\x9f\x98\x80", enc, 3));
	KDT_CHECK(kd_utf8_to_utf16le("", enc, 1) && enc[0] == 0 && enc[1] == 0);
	KDT_CHECK(!kd_utf8_to_utf16le("\x80", enc, 8));
	KDT_CHECK(!kd_utf8_to_utf16le("\xc3", enc, 8));
	KDT_CHECK(!kd_utf8_to_utf16le("\xe2\x82", enc, 8));
	KDT_CHECK(!kd_utf8_to_utf16le("\xff", enc, 8));
	/* UTF-8 that names a surrogate or lies beyond U+10FFFF has no UTF-16 form. */
	KDT_CHECK(!kd_utf8_to_utf16le("\xed\xa0\x80", enc, 8));
	KDT_CHECK(!kd_utf8_to_utf16le("\xf4\x90\x80\x80", enc, 8));
	KDT_CHECK(!kd_utf8_to_utf16le("\xf7\xbf\xbf\xbf", enc, 8));
	/* Overlong forms are not valid UTF-8. */
	KDT_CHECK(!kd_utf8_to_utf16le("\xc0\xaf", enc, 8));
	KDT_CHECK(!kd_utf8_to_utf16le("\xe0\x80\xaf", enc, 8));
	KDT_CHECK(kd_utf8_to_utf16le("\xf4\x8f\xbf\xbf", enc, 8));
	KDT_CHECK(enc[0] == 0xff && enc[1] == 0xdb && enc[2] == 0xff && enc[3] == 0xdf);
}

int
main(void)
{
	test_guid();
	test_filetime();
	test_utf16();
	return KDT_DONE("test_guid");
}
