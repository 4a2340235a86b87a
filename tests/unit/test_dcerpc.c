/*
 * DCE/RPC codec (lib/dcerpc.c) against the protocol document: every PDU
 * of the worked examples in §13 decodes to the values of its field table,
 * the encoders reproduce those PDUs byte for byte (sizes of §4.8), encode
 * and decode round-trip, and hostile lengths and counts fail cleanly with
 * the right status.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcerpc.h"
#include "kdlimits.h"
#include "kdtest.h"

/* Hex dumps copied from §13 (offset columns dropped). */
/* A.1 (72 bytes) */
static const char ex_a1[] =
	    "05 00 0b 13 10 00 00 00 48 00 00 00 02 00 00 00 "
	    "d0 16 d0 16 00 00 00 00 01 00 00 00 00 00 01 00 "
	    "75 21 c8 51 4e 84 50 47 b0 d8 ec 25 55 55 bc 06 "
	    "01 00 00 00 04 5d 88 8a eb 1c c9 11 9f e8 08 00 "
	    "2b 10 48 60 02 00 00 00";

/* A.2 (60 bytes) */
static const char ex_a2[] =
	    "05 00 0c 13 10 00 00 00 3c 00 00 00 02 00 00 00 "
	    "d0 16 d0 16 a3 0e a0 89 05 00 31 36 38 38 00 00 "
	    "01 00 00 00 00 00 00 00 04 5d 88 8a eb 1c c9 11 "
	    "9f e8 08 00 2b 10 48 60 02 00 00 00";

/* A.3 (284 bytes) */
static const char ex_a3[] =
	    "05 00 00 03 10 00 00 00 1c 01 00 00 02 00 00 00 "
	    "04 01 00 00 00 00 00 00 fc 00 00 00 fc 00 00 00 "
	    "00 00 04 00 00 00 00 00 02 00 00 00 c0 a8 00 00 "
	    "81 28 a5 59 89 a9 9d 47 af 46 f2 75 c6 37 06 63 "
	    "60 77 32 6f 5c 8c 7c 41 9b 61 83 6a 98 28 7e 0c "
	    "46 f9 5a e8 25 2e b7 47 83 e1 be bc eb ea c6 11 "
	    "24 7b d3 a8 34 2b ed 46 8c e4 8b ab 0a 32 eb 8a "
	    "05 00 00 00 00 cd 16 78 e8 7c dd 01 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 4f 00 46 00 "
	    "46 00 49 00 43 00 45 00 2d 00 50 00 43 00 2d 00 "
	    "31 00 37 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 ae 0e e6 db "
	    "7e 0c 07 15 85 a0 66 f1 84 1f 90 fe";

/* A.5 (200 bytes) */
static const char ex_a5[] =
	    "05 00 02 03 10 00 00 00 c8 00 00 00 02 00 00 00 "
	    "b0 00 00 00 00 00 00 00 9e 00 00 00 00 00 02 00 "
	    "9e 00 00 00 00 00 04 00 62 00 00 00 30 00 36 00 "
	    "34 00 30 00 31 00 2d 00 30 00 30 00 30 00 39 00 "
	    "36 00 2d 00 32 00 31 00 33 00 2d 00 32 00 38 00 "
	    "32 00 33 00 36 00 32 00 2d 00 30 00 33 00 2d 00 "
	    "31 00 30 00 35 00 39 00 2d 00 39 00 36 00 30 00 "
	    "30 00 2e 00 30 00 30 00 30 00 30 00 2d 00 32 00 "
	    "38 00 30 00 32 00 30 00 32 00 36 00 00 00 24 7b "
	    "d3 a8 34 2b ed 46 8c e4 8b ab 0a 32 eb 8a 00 cd "
	    "16 78 e8 7c dd 01 0a 00 00 00 78 00 00 00 60 27 "
	    "00 00 50 13 7a 4a cc 5f 0c 3a 2e c4 d4 4a 10 18 "
	    "b0 92 00 00 00 00 00 00";

/* B.1 (292 bytes) */
static const char ex_b1[] =
	    "05 00 00 03 10 00 00 00 24 01 00 00 02 00 00 00 "
	    "0c 01 00 00 00 00 00 00 04 01 00 00 04 01 00 00 "
	    "00 00 05 00 19 1f 16 ba c0 b3 d3 75 96 3d 3e d9 "
	    "d2 f9 2c 43 ff 0a 22 74 c5 cf dd ff 1b 23 50 37 "
	    "dc 2b 53 0f 21 52 36 d7 c1 67 37 f4 16 54 0f 29 "
	    "0b bf e3 08 b1 55 df f3 9e d0 d5 13 6d 73 f1 ff "
	    "35 e6 94 14 b8 53 8f 38 2c b0 48 77 fd 24 b1 e8 "
	    "36 88 93 3c cb dd 6a 4d c1 73 23 03 e1 19 3a b6 "
	    "01 e3 49 d7 a5 31 64 21 b0 39 d1 f0 68 74 16 00 "
	    "aa e5 61 55 99 e0 cc b8 9e 07 dd 3f 35 91 8b 37 "
	    "81 4f 94 05 68 4f ba 0d 7f ac 20 35 c2 e8 5b 0f "
	    "f5 d4 a0 44 0c 64 07 ff 8f 73 6e 8d ec 74 55 bd "
	    "53 1a 50 84 fe 84 24 91 84 f0 54 d5 3a d3 85 af "
	    "17 26 e3 ff 58 13 b8 6a 31 28 4e 80 fa 81 a9 7a "
	    "ae 38 26 95 34 10 73 a1 5d 17 b0 c6 c4 ca 90 45 "
	    "98 55 70 4c 8f 4a 0c 21 b6 02 7e e9 64 58 84 bd "
	    "c1 d1 c3 da 6e 70 1e 94 3e 0a c4 94 56 76 76 3b "
	    "11 cf 70 dd 1c 75 e8 a0 46 7c 14 85 c8 69 1d 0a "
	    "b0 31 24 a1";

/* B.4 (268 bytes) */
static const char ex_b4[] =
	    "05 00 02 03 10 00 00 00 0c 01 00 00 02 00 00 00 "
	    "f4 00 00 00 00 00 00 00 e4 00 00 00 00 00 02 00 "
	    "e4 00 00 00 00 00 05 00 19 1f 16 ba c0 b3 d3 75 "
	    "96 3d 3e d9 d2 f9 2c 43 d1 e2 ce ab d6 50 1f 35 "
	    "bb a1 e1 ff 24 8c 0f 81 74 9d a0 4f aa a1 82 01 "
	    "b7 e3 1b 78 45 1c b6 df 98 03 34 6f aa f9 9c eb "
	    "9d 01 5a f1 f0 78 c9 a7 d5 c0 7e 4e 1a 77 51 56 "
	    "8e 2e 85 74 6e 3f ca d7 24 01 29 28 46 70 49 53 "
	    "48 ec bf 4a 45 22 41 05 0f 1f 49 a0 18 51 4f 10 "
	    "e6 37 76 08 b2 0b 85 ef 49 37 49 36 08 9e 25 f6 "
	    "22 11 f0 28 c9 c5 20 4f f2 c5 d8 c0 30 e0 48 bd "
	    "af 6e 07 20 34 cd ff 14 1e cf 0c ba dd d9 e5 ad "
	    "a2 c9 e3 a0 a7 03 ec b8 8d 1d a2 51 b1 2e 9c dd "
	    "d5 ea ac 8e d0 33 1b d0 29 fa 52 88 ab 4a 50 c8 "
	    "43 86 22 d7 aa f4 88 89 71 05 f1 7d 61 be 2f 08 "
	    "ec 11 ba fe c2 f0 d0 db f0 29 0f ff 97 bf e3 30 "
	    "e9 e7 d7 fd b3 d5 b1 32 00 00 00 00";

/* C.1 (160 bytes) */
static const char ex_c1[] =
	    "05 00 0b 13 10 00 00 00 a0 00 00 00 02 00 00 00 "
	    "d0 16 d0 16 00 00 00 00 03 00 00 00 00 00 01 00 "
	    "75 21 c8 51 4e 84 50 47 b0 d8 ec 25 55 55 bc 06 "
	    "01 00 00 00 04 5d 88 8a eb 1c c9 11 9f e8 08 00 "
	    "2b 10 48 60 02 00 00 00 01 00 01 00 75 21 c8 51 "
	    "4e 84 50 47 b0 d8 ec 25 55 55 bc 06 01 00 00 00 "
	    "33 05 71 71 ba be 37 49 83 19 b5 db ef 9c cc 36 "
	    "01 00 00 00 02 00 01 00 75 21 c8 51 4e 84 50 47 "
	    "b0 d8 ec 25 55 55 bc 06 01 00 00 00 2c 1c b7 6c "
	    "12 98 40 45 03 00 00 00 00 00 00 00 01 00 00 00";

/* C.2 (108 bytes) */
static const char ex_c2[] =
	    "05 00 0c 13 10 00 00 00 6c 00 00 00 02 00 00 00 "
	    "d0 16 d0 16 7b 5e 85 58 05 00 31 36 38 38 00 00 "
	    "03 00 00 00 02 00 02 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "33 05 71 71 ba be 37 49 83 19 b5 db ef 9c cc 36 "
	    "01 00 00 00 03 00 03 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00";

/* C.3 (72 bytes) */
static const char ex_c3[] =
	    "05 00 0e 13 10 00 00 00 48 00 00 00 02 00 00 00 "
	    "d0 16 d0 16 00 00 00 00 01 00 00 00 00 00 01 00 "
	    "75 21 c8 51 4e 84 50 47 b0 d8 ec 25 55 55 bc 06 "
	    "01 00 00 00 04 5d 88 8a eb 1c c9 11 9f e8 08 00 "
	    "2b 10 48 60 02 00 00 00";

/* C.4 (56 bytes) */
static const char ex_c4[] =
	    "05 00 0f 03 10 00 00 00 38 00 00 00 02 00 00 00 "
	    "d0 16 d0 16 7b 5e 85 58 00 00 31 36 01 00 00 00 "
	    "00 00 00 00 04 5d 88 8a eb 1c c9 11 9f e8 08 00 "
	    "2b 10 48 60 02 00 00 00";

/* C.5 (292 bytes) */
static const char ex_c5[] =
	    "05 00 00 03 10 00 00 00 24 01 00 00 02 00 00 00 "
	    "0c 01 00 00 00 00 00 00 04 01 00 00 04 01 00 00 "
	    "00 00 06 00 79 1d b3 56 c0 88 51 07 04 fd aa 83 "
	    "45 13 95 1d f2 4c cb 5c 6d a4 8d 5a fd ef ed ae "
	    "71 62 e9 5a 0c d6 92 3f 02 63 b2 31 4b 11 78 72 "
	    "0d f9 09 21 14 8e 97 cc f7 5d 8f 59 2d 69 bc 67 "
	    "f3 91 1e 04 6e ba 1a 7b 39 11 66 7b ce 51 6e 3f "
	    "49 43 f4 95 18 7b 4a 96 ee d5 a7 6c 36 b2 87 4d "
	    "3f e2 2b f2 f0 d2 2d b2 63 dc f8 fd 29 65 b3 4c "
	    "c3 b7 ea c4 fe 6d 7b 4c 8f 55 fd 61 e4 46 6d 06 "
	    "ba b0 f5 c5 38 ea 4d 27 21 33 79 c0 37 f2 0d e7 "
	    "a8 f5 71 63 64 36 ff c7 1b da c7 c3 2a bf 3a b1 "
	    "19 e1 51 8d 46 ba 93 bb 9c 72 11 07 1e d7 82 62 "
	    "6d 37 3e d7 4f 25 a6 35 f0 4e 45 b3 8a b7 4f 12 "
	    "00 92 38 c4 41 3e 05 33 5b b0 8b f9 c9 55 36 64 "
	    "fc 19 13 14 ed c7 9e 3a 17 a2 1c 4d e6 5c ed 55 "
	    "1d d8 f0 93 ac 16 d5 f4 a5 08 4c 42 42 26 d8 ca "
	    "72 83 e1 07 d6 b8 bf 7e a3 27 8c 04 cb fd 48 22 "
	    "70 10 0c 1c";

/* C.7 (300 bytes) */
static const char ex_c7[] =
	    "05 00 02 03 10 00 00 00 2c 01 00 00 02 00 00 00 "
	    "14 01 00 00 00 00 00 00 04 01 00 00 00 00 02 00 "
	    "04 01 00 00 00 00 06 00 53 9b 29 cf 30 bd 3f 66 "
	    "da d8 92 ae 1e 5f 6a a7 36 79 db f2 ae ee 9a 7f "
	    "58 c0 92 9b 28 11 72 ec b7 83 a5 43 7a af c1 5f "
	    "0b d3 4b a9 47 d8 3f 4e 86 63 5b 33 64 f8 91 cf "
	    "88 93 26 98 8d 04 4d 36 69 d6 2a 0d 93 a7 a2 06 "
	    "eb f4 39 47 af 9d 46 66 94 e0 74 27 bd a7 18 d2 "
	    "1f 45 a7 21 84 0a 5c 18 fa 29 ce c1 ba c7 42 dc "
	    "db 56 6e e8 35 75 5d 93 f0 81 a8 8a bb 91 c9 00 "
	    "e5 80 79 cd 1c dd 96 d7 52 a2 91 7c 76 1d 40 19 "
	    "05 57 a8 a9 7c da ba 62 9d 65 25 2f be e5 a5 ed "
	    "9d 63 8d 71 75 81 7c 4a eb e6 35 a4 97 58 47 f3 "
	    "0c d2 05 9e c8 75 4c 98 e7 56 14 d4 93 9c fa 80 "
	    "a4 5e 90 0a 4c 47 41 70 3c 27 e1 7d 0d 45 02 1b "
	    "48 90 b4 2f 99 30 e4 74 b6 72 32 c9 ab 46 7b 61 "
	    "76 cd d9 0f 37 b6 14 57 9e 6b 5c d8 b3 ee 37 f4 "
	    "e3 89 7a 4f 09 e2 89 4d 24 1f 94 dd cd 44 11 1d "
	    "15 c2 71 db c1 f0 9b 7d 00 00 00 00";

/* D.1 (40 bytes) */
static const char ex_d1[] =
	    "05 00 00 03 10 00 00 00 2c 01 00 00 03 00 00 00 "
	    "14 01 00 00 01 00 00 00 04 01 00 00 00 00 00 00 "
	    "04 01 00 00 00 00 00 00";

/* E.1 (36 bytes) */
static const char ex_e1[] =
	    "05 00 02 03 10 00 00 00 24 00 00 00 02 00 00 00 "
	    "0c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	    "42 f0 04 c0";

/* F.1 (32 bytes) */
static const char ex_f1[] =
	    "05 00 03 23 10 00 00 00 20 00 00 00 02 00 00 00 "
	    "20 00 00 00 00 00 ec 1f 03 00 01 1c 00 00 00 00";

/* F.2 (60 bytes) */
static const char ex_f2[] =
	    "05 00 0c 03 10 00 00 00 3c 00 00 00 07 00 00 00 "
	    "d0 16 d0 16 8a e7 ec 1f 05 00 31 36 38 38 00 00 "
	    "01 00 00 00 02 00 01 00 00 00 00 00 00 00 00 00 "
	    "00 00 00 00 00 00 00 00 00 00 00 00";

struct pdu {
	uint8_t			 b[512];
	size_t			 len;
	struct kd_cur		 c;
	struct dcerpc_hdr	 h;
	struct kd_diag		 d;
	enum kd_status		 st;
};

/* Load a dump and decode its common header with a cursor over the whole PDU. */
static void
load(struct pdu *p, const char *dump)
{
	memset(p, 0, sizeof(*p));
	p->len = kdt_unhex(dump, p->b, sizeof(p->b));
	kd_cur_init(&p->c, p->b, p->len);
	p->st = dcerpc_decode_hdr(&p->c, &p->h, &p->d);
}

static void
reload(struct pdu *p)
{
	memset(&p->d, 0, sizeof(p->d));
	kd_cur_init(&p->c, p->b, p->len);
	p->st = dcerpc_decode_hdr(&p->c, &p->h, &p->d);
}

static const char *
gs(const struct kd_guid *g)
{
	static char s[4][KD_GUID_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return kd_guid_format(g, s[i]);
}

#define KMS_IF	"51c82175-844e-4750-b0d8-ec255555bc06"
#define NDR_TS	"8a885d04-1ceb-11c9-9fe8-08002b104860"
#define NDR64_TS "71710533-beba-4937-8319-b5dbef9ccc36"
#define NIL	"00000000-0000-0000-0000-000000000000"

static void
test_bind(void)
{
	struct pdu p;
	struct dcerpc_bind b;

	/* A.1: one context, NDR. */
	load(&p, ex_a1);
	KDT_CHECK(p.st == KD_OK);
	KDT_CHECK(p.h.vers == 5 && p.h.vers_minor == 0 && p.h.ptype == DCERPC_BIND);
	KDT_CHECK(p.h.flags == (PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_CONC_MPX));
	KDT_CHECK(p.h.drep[0] == 0x10 && p.h.drep[1] == 0 && p.h.drep[2] == 0 && p.h.drep[3] == 0);
	KDT_CHECK(p.h.frag_length == 72 && p.h.auth_length == 0 && p.h.call_id == 2);
	KDT_STREQ(dcerpc_ptype_name(p.h.ptype), "bind");
	KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_OK);
	KDT_CHECK(b.max_xmit_frag == 5840 && b.max_recv_frag == 5840 && b.assoc_group == 0);
	KDT_CHECK(b.n_ctx == 1 && b.n_kept == 1);
	KDT_CHECK(b.ctx[0].id == 0 && b.ctx[0].n_transfer == 1);
	KDT_STREQ(gs(&b.ctx[0].abstract), KMS_IF);
	KDT_CHECK(b.ctx[0].abstract_version == 1);
	KDT_STREQ(gs(&b.ctx[0].transfer), NDR_TS);
	KDT_CHECK(b.ctx[0].transfer_version == 2);
	KDT_CHECK(b.ctx[0].syntax == SYNTAX_NDR && b.ctx[0].is_kms);
	KDT_CHECK(kd_cur_left(&p.c) == 0);

	/* C.1: three contexts, NDR, NDR64 and BTFN. */
	load(&p, ex_c1);
	KDT_CHECK(p.st == KD_OK && p.h.frag_length == 160 && p.len == 160);
	KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_OK);
	KDT_CHECK(b.n_ctx == 3 && b.n_kept == 3);
	for (int i = 0; i < 3; i++) {
		KDT_CHECK(b.ctx[i].id == i && b.ctx[i].is_kms);
		KDT_STREQ(gs(&b.ctx[i].abstract), KMS_IF);
	}
	KDT_CHECK(b.ctx[0].syntax == SYNTAX_NDR && b.ctx[0].transfer_version == 2);
	KDT_CHECK(b.ctx[1].syntax == SYNTAX_NDR64 && b.ctx[1].transfer_version == 1);
	KDT_STREQ(gs(&b.ctx[1].transfer), NDR64_TS);
	KDT_CHECK(b.ctx[2].syntax == SYNTAX_BTFN && b.ctx[2].transfer_version == 1);
	KDT_STREQ(gs(&b.ctx[2].transfer), "6cb71c2c-9812-4540-0300-000000000000");
	KDT_STREQ(dcerpc_syntax_name(b.ctx[2].syntax), "BTFN");
	KDT_STREQ(dcerpc_syntax_name(b.ctx[1].syntax), "NDR64");
	KDT_STREQ(dcerpc_syntax_name(b.ctx[0].syntax), "NDR");

	/* C.3: alter_context has the bind layout. */
	load(&p, ex_c3);
	KDT_CHECK(p.st == KD_OK && p.h.ptype == DCERPC_ALTER_CONTEXT);
	KDT_STREQ(dcerpc_ptype_name(p.h.ptype), "alter_context");
	KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_OK);
	KDT_CHECK(b.n_ctx == 1 && b.ctx[0].syntax == SYNTAX_NDR && b.ctx[0].is_kms);

	/* The KMS interface at version 2.0 is not "the KMS interface 1.0". */
	load(&p, ex_a1);
	p.b[0x30] = 2;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_OK);
	KDT_CHECK(!b.ctx[0].is_kms);
	/* Another interface (the endpoint mapper, as in F.2). */
	load(&p, ex_a1);
	{
		struct kd_guid epm;

		kd_guid_parse(&epm, "e1af8308-5d1f-11c9-91a4-08002b14a0fa");
		kd_guid_to_wire(&epm, p.b + 0x20);
	}
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_OK);
	KDT_CHECK(!b.ctx[0].is_kms && b.ctx[0].syntax == SYNTAX_NDR);
	/* An unknown transfer syntax. */
	load(&p, ex_a1);
	p.b[0x34] ^= 0xff;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_OK);
	KDT_CHECK(b.ctx[0].syntax == SYNTAX_UNKNOWN);
	KDT_STREQ(dcerpc_syntax_name(SYNTAX_UNKNOWN), "unknown");
}

static void
test_bind_ack(void)
{
	struct pdu p;
	struct dcerpc_bind_ack a;

	/* A.2 */
	load(&p, ex_a2);
	KDT_CHECK(p.st == KD_OK && p.h.ptype == DCERPC_BIND_ACK && p.h.frag_length == 60);
	KDT_CHECK(dcerpc_decode_bind_ack(&p.c, &p.h, &a, &p.d) == KD_OK);
	KDT_CHECK(a.max_xmit_frag == 5840 && a.max_recv_frag == 5840);
	KDT_CHECK(a.assoc_group == 0x89a00ea3);
	KDT_CHECK(a.sec_addr_len == 5);
	KDT_STREQ(a.sec_addr, "1688");
	KDT_CHECK(a.n_results == 1 && a.n_kept == 1);
	KDT_CHECK(a.res[0].result == 0 && a.res[0].reason == 0);
	KDT_STREQ(gs(&a.res[0].transfer), NDR_TS);
	KDT_CHECK(a.res[0].transfer_version == 2 && a.res[0].syntax == SYNTAX_NDR);
	KDT_STREQ(dcerpc_result_name(a.res[0].result), "acceptance");
	KDT_CHECK(kd_cur_left(&p.c) == 0);

	/* C.2: NDR rejected 2/2, NDR64 accepted, BTFN negotiate_ack 3/3. */
	load(&p, ex_c2);
	KDT_CHECK(p.st == KD_OK && p.h.frag_length == 108);
	KDT_CHECK(dcerpc_decode_bind_ack(&p.c, &p.h, &a, &p.d) == KD_OK);
	KDT_CHECK(a.assoc_group == 0x58855e7b);
	KDT_STREQ(a.sec_addr, "1688");
	KDT_CHECK(a.n_results == 3 && a.n_kept == 3);
	KDT_CHECK(a.res[0].result == 2 && a.res[0].reason == 2);
	KDT_STREQ(dcerpc_result_name(a.res[0].result), "provider_rejection");
	KDT_STREQ(dcerpc_reason_name(a.res[0].reason),
	    "proposed_transfer_syntaxes_not_supported");
	KDT_STREQ(gs(&a.res[0].transfer), NIL);
	KDT_CHECK(a.res[1].result == 0 && a.res[1].syntax == SYNTAX_NDR64 &&
	    a.res[1].transfer_version == 1);
	KDT_CHECK(a.res[2].result == 3 && a.res[2].reason == 3);
	KDT_STREQ(dcerpc_result_name(a.res[2].result), "negotiate_ack");

	/* C.4: alter_context_resp, empty secondary address, junk pad "31 36". */
	load(&p, ex_c4);
	KDT_CHECK(p.st == KD_OK && p.h.ptype == DCERPC_ALTER_CONTEXT_RESP);
	KDT_STREQ(dcerpc_ptype_name(p.h.ptype), "alter_context_resp");
	KDT_CHECK(dcerpc_decode_bind_ack(&p.c, &p.h, &a, &p.d) == KD_OK);
	KDT_CHECK(a.sec_addr_len == 0);
	KDT_STREQ(a.sec_addr, "");
	KDT_CHECK(a.n_results == 1 && a.res[0].result == 0 && a.res[0].syntax == SYNTAX_NDR);

	/* F.2: the endpoint mapper offered, provider_rejection / abstract syntax. */
	load(&p, ex_f2);
	KDT_CHECK(p.st == KD_OK && p.h.call_id == 7 &&
	    p.h.flags == (PFC_FIRST_FRAG | PFC_LAST_FRAG));
	KDT_CHECK(dcerpc_decode_bind_ack(&p.c, &p.h, &a, &p.d) == KD_OK);
	KDT_CHECK(a.assoc_group == 0x1fece78a);
	KDT_CHECK(a.n_results == 1 && a.res[0].result == 2 && a.res[0].reason == 1);
	KDT_STREQ(dcerpc_reason_name(a.res[0].reason), "abstract_syntax_not_supported");
	KDT_CHECK(kd_guid_is_nil(&a.res[0].transfer) && a.res[0].transfer_version == 0);
	KDT_CHECK(a.res[0].syntax == SYNTAX_UNKNOWN);

	/* "11688\0" (6 bytes) needs no pad: results still at 0x20 (§2.6). */
	{
		static const struct dcerpc_result r = { 0, 0, { { 0 } }, 2, SYNTAX_NDR };
		uint8_t out[128];
		size_t n = dcerpc_encode_bind_ack(out, sizeof(out), 2, 0, false, 1,
		    "11688", &r, 1);

		KDT_CHECK(n == 60 && out[0x20] == 1);
		memcpy(p.b, out, n);
		p.len = n;
		reload(&p);
		KDT_CHECK(dcerpc_decode_bind_ack(&p.c, &p.h, &a, &p.d) == KD_OK);
		KDT_STREQ(a.sec_addr, "11688");
		KDT_CHECK(a.n_results == 1 && a.res[0].syntax == SYNTAX_NDR);
	}

	/* Non-printable bytes in the secondary address are dropped; the NUL ends it. */
	load(&p, ex_a2);
	memcpy(p.b + 0x1a, "1\x01" "6\0" "8", 5);
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind_ack(&p.c, &p.h, &a, &p.d) == KD_OK);
	KDT_STREQ(a.sec_addr, "16");
}

/*
 * The PDU inside a captured frame: 14 + 20 + 20 bytes of Ethernet, IP and
 * TCP headers come first, and a sub-cursor keeps offsets from the frame
 * start.  bind_ack pads the secondary address to 4 counted from the PDU
 * start, not from the frame.
 */
static void
test_in_frame(void)
{
	uint8_t frame[256];
	struct pdu p;
	struct kd_cur fc, c;
	struct dcerpc_hdr h;
	struct dcerpc_bind_ack a;
	struct dcerpc_call call;
	struct kd_diag d;
	size_t moff, mlen;
	uint32_t hr;

	for (size_t skip = 53; skip <= 56; skip++) {
		memset(frame, 0xee, sizeof(frame));
		load(&p, ex_a2);
		memcpy(frame + skip, p.b, p.len);
		kd_cur_init(&fc, frame, skip + p.len + 7);
		kd_cur_skip(&fc, skip);
		KDT_CHECK(kd_cur_sub(&fc, p.len, &c));
		KDT_CHECK(dcerpc_decode_hdr(&c, &h, &d) == KD_OK);
		KDT_CHECK(dcerpc_decode_bind_ack(&c, &h, &a, &d) == KD_OK);
		KDT_CHECK(a.n_results == 1 && a.res[0].result == 0 &&
		    a.res[0].syntax == SYNTAX_NDR);
		KDT_CHECK(kd_cur_left(&c) == 0);

		load(&p, ex_c4);
		memcpy(frame + skip, p.b, p.len);
		kd_cur_init(&fc, frame, skip + p.len);
		kd_cur_skip(&fc, skip);
		KDT_CHECK(kd_cur_sub(&fc, p.len, &c));
		KDT_CHECK(dcerpc_decode_hdr(&c, &h, &d) == KD_OK);
		KDT_CHECK(dcerpc_decode_bind_ack(&c, &h, &a, &d) == KD_OK);
		KDT_CHECK(a.n_results == 1 && a.res[0].syntax == SYNTAX_NDR);

		/* A response in a frame: stub_off is counted from the PDU start. */
		load(&p, ex_a5);
		memcpy(frame + skip, p.b, p.len);
		kd_cur_init(&fc, frame, skip + p.len);
		kd_cur_skip(&fc, skip);
		KDT_CHECK(kd_cur_sub(&fc, p.len, &c));
		KDT_CHECK(dcerpc_decode_hdr(&c, &h, &d) == KD_OK);
		KDT_CHECK(dcerpc_decode_call(&c, &h, &call, &d) == KD_OK);
		KDT_CHECK(call.stub_off == 24 && call.stub_len == 176);
		kd_cur_init(&c, frame + skip + call.stub_off, call.stub_len);
		KDT_CHECK(kms_stub_unwrap_response(&c, SYNTAX_NDR, &moff, &mlen, &hr,
		    &d) == KD_OK);
		KDT_CHECK(moff == 12 && mlen == 158 && hr == 0);
		/* The stub as a sub-cursor of the frame: msg_off is still from the stub. */
		kd_cur_init(&fc, frame, skip + p.len);
		kd_cur_skip(&fc, skip + call.stub_off);
		KDT_CHECK(kd_cur_sub(&fc, call.stub_len, &c));
		KDT_CHECK(kms_stub_unwrap_response(&c, SYNTAX_NDR, &moff, &mlen, &hr,
		    &d) == KD_OK);
		KDT_CHECK(moff == 12 && mlen == 158 && hr == 0);
		/* The same for a request, and its diag offsets count from the frame. */
		load(&p, ex_a3);
		{
			static uint8_t big[400];

			memcpy(big + skip, p.b, p.len);
			kd_cur_init(&fc, big, skip + p.len);
			kd_cur_skip(&fc, skip + 24);
			KDT_CHECK(kd_cur_sub(&fc, 260, &c));
			KDT_CHECK(kms_stub_unwrap_request(&c, SYNTAX_NDR, &moff, &mlen,
			    &d) == KD_OK);
			KDT_CHECK(moff == 8 && mlen == 252);
			big[skip + 24] = 0xfd;	/* requestSize 253 > the 252 left */
			big[skip + 28] = 0xfd;
			kd_cur_init(&fc, big, skip + p.len);
			kd_cur_skip(&fc, skip + 24);
			kd_cur_sub(&fc, 260, &c);
			KDT_CHECK(kms_stub_unwrap_request(&c, SYNTAX_NDR, &moff, &mlen,
			    &d) == KD_ETRUNC);
			KDT_CHECK(d.offset == skip + 24 + 8);
		}
	}
}

static void
test_fault(void)
{
	struct pdu p;
	struct dcerpc_call call;

	load(&p, ex_f1);
	KDT_CHECK(p.st == KD_OK && p.h.ptype == DCERPC_FAULT && p.h.frag_length == 32);
	KDT_CHECK(p.h.flags == (PFC_FIRST_FRAG | PFC_LAST_FRAG | PFC_DID_NOT_EXECUTE));
	KDT_STREQ(dcerpc_ptype_name(p.h.ptype), "fault");
	KDT_CHECK(dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_OK);
	KDT_CHECK(call.alloc_hint == 32 && call.ctx_id == 0);
	KDT_CHECK(call.cancel_count == 0xec);
	KDT_CHECK(call.status == 0x1c010003);
	KDT_STREQ(dcerpc_fault_name(call.status), "nca_unk_if");
	KDT_CHECK(call.stub_off == 28 && call.stub_len == 4);
	KDT_STREQ(dcerpc_fault_name(0x1c01000b), "nca_proto_error");
	KDT_STREQ(dcerpc_fault_name(0x000006f7), "nca_s_fault_ndr");
	KDT_STREQ(dcerpc_fault_name(0x1c010002), "nca_op_rng_error");
	KDT_CHECK(dcerpc_fault_name(0x1c000001) == NULL);
	KDT_CHECK(dcerpc_fault_name(0) == NULL);
}

static void
test_calls(void)
{
	struct pdu p, m;
	struct dcerpc_call call;
	struct kd_cur sc;
	size_t moff = 99, mlen = 99;
	uint32_t hr = 99;

	/* A.3: request, NDR, 252-byte v4 message at stub offset 8. */
	load(&p, ex_a3);
	KDT_CHECK(p.st == KD_OK && p.h.ptype == DCERPC_REQUEST && p.h.frag_length == 284);
	KDT_CHECK(p.h.flags == (PFC_FIRST_FRAG | PFC_LAST_FRAG) && p.h.call_id == 2);
	KDT_CHECK(dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_OK);
	KDT_CHECK(call.alloc_hint == 260 && call.ctx_id == 0 && call.opnum == 0);
	KDT_CHECK(call.stub_off == 24 && call.stub_len == 260);
	kd_cur_init(&sc, p.b + call.stub_off, call.stub_len);
	KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR, &moff, &mlen, &p.d) == KD_OK);
	KDT_CHECK(moff == 8 && mlen == 252);
	KDT_CHECK(p.b[24 + moff + 2] == 4);	/* MajorVersion 4 */
	KDT_CHECK(p.b[24 + moff + 0xec] == 0xae);	/* first MAC byte */

	/* A.5: response, NDR, 158-byte message at stub offset 12, HRESULT 0. */
	load(&p, ex_a5);
	KDT_CHECK(p.st == KD_OK && p.h.ptype == DCERPC_RESPONSE && p.h.frag_length == 200);
	KDT_STREQ(dcerpc_ptype_name(p.h.ptype), "response");
	KDT_CHECK(dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_OK);
	KDT_CHECK(call.alloc_hint == 176 && call.ctx_id == 0 && call.cancel_count == 0);
	KDT_CHECK(call.stub_off == 24 && call.stub_len == 176);
	kd_cur_init(&sc, p.b + call.stub_off, call.stub_len);
	KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR, &moff, &mlen, &hr, &p.d) == KD_OK);
	KDT_CHECK(moff == 12 && mlen == 158 && hr == 0);
	KDT_CHECK(kd_cur_left(&sc) == 0);
	KDT_CHECK(p.b[24 + moff + 4] == 0x62);	/* PIDSize 98 */

	/* B.1 / B.4: v5, 260-byte request and 228-byte response. */
	load(&p, ex_b1);
	KDT_CHECK(p.st == KD_OK && dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_OK);
	KDT_CHECK(call.alloc_hint == 268 && call.stub_len == 268);
	kd_cur_init(&sc, p.b + call.stub_off, call.stub_len);
	KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR, &moff, &mlen, &p.d) == KD_OK);
	KDT_CHECK(moff == 8 && mlen == 260);
	load(&p, ex_b4);
	KDT_CHECK(p.st == KD_OK && dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_OK);
	KDT_CHECK(call.alloc_hint == 244 && call.stub_len == 244);
	kd_cur_init(&sc, p.b + call.stub_off, call.stub_len);
	KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR, &moff, &mlen, &hr, &p.d) == KD_OK);
	KDT_CHECK(moff == 12 && mlen == 228 && hr == 0);

	/* C.5 / C.7: v6. */
	load(&p, ex_c5);
	KDT_CHECK(p.st == KD_OK && dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_OK);
	kd_cur_init(&sc, p.b + call.stub_off, call.stub_len);
	KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR, &moff, &mlen, &p.d) == KD_OK);
	KDT_CHECK(moff == 8 && mlen == 260 && p.b[24 + 8 + 2] == 6);
	load(&p, ex_c7);
	KDT_CHECK(p.st == KD_OK && p.h.frag_length == 300);
	KDT_CHECK(dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_OK);
	KDT_CHECK(call.alloc_hint == 276 && call.stub_len == 276);
	kd_cur_init(&sc, p.b + call.stub_off, call.stub_len);
	KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR, &moff, &mlen, &hr, &p.d) == KD_OK);
	KDT_CHECK(moff == 12 && mlen == 260 && hr == 0);

	/* D.1: NDR64 request prefix; the 260-byte message is filled from C.5. */
	load(&m, ex_c5);
	load(&p, ex_d1);
	KDT_CHECK(p.len == 40);
	memcpy(p.b + 40, m.b + 32, 260);
	p.len = 300;
	reload(&p);
	KDT_CHECK(p.st == KD_OK && p.h.frag_length == 300 && p.h.call_id == 3);
	KDT_CHECK(dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_OK);
	KDT_CHECK(call.ctx_id == 1 && call.alloc_hint == 276 && call.stub_len == 276);
	kd_cur_init(&sc, p.b + call.stub_off, call.stub_len);
	KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR64, &moff, &mlen, &p.d) == KD_OK);
	KDT_CHECK(moff == 16 && mlen == 260);
	/* The same stub read as NDR fails: conformance 0 != requestSize 260. */
	kd_cur_init(&sc, p.b + call.stub_off, call.stub_len);
	KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR, &moff, &mlen, &p.d) == KD_EINVAL);

	/* D.2: NDR64 response prefix (the doc elides the message; C.7's is used). */
	{
		static const char d2_head[] =
		    "05 00 02 03 10 00 00 00 38 01 00 00 03 00 00 00 "
		    "20 01 00 00 01 00 00 00 04 01 00 00 00 00 00 00 "
		    "00 00 02 00 00 00 00 00 04 01 00 00 00 00 00 00";

		load(&m, ex_c7);
		memset(&p, 0, sizeof(p));
		p.len = kdt_unhex(d2_head, p.b, sizeof(p.b));
		KDT_CHECK(p.len == 48);
		memcpy(p.b + 48, m.b + 36, 260);
		kdt_unhex("18 04 1f 16 00 00 00 00", p.b + 0x130, 8);
		p.len = 312;
		reload(&p);
		KDT_CHECK(p.st == KD_OK && p.h.frag_length == 312);
		KDT_CHECK(dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_OK);
		KDT_CHECK(call.ctx_id == 1 && call.alloc_hint == 288 && call.stub_len == 288);
		kd_cur_init(&sc, p.b + call.stub_off, call.stub_len);
		KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR64, &moff, &mlen, &hr,
		    &p.d) == KD_OK);
		KDT_CHECK(moff == 24 && mlen == 260 && hr == 0);
		KDT_CHECK(kd_cur_left(&sc) == 0);
	}

	/* E.1: in-band error, NULL referent, HRESULT 0xC004F042. */
	load(&p, ex_e1);
	KDT_CHECK(p.st == KD_OK && p.h.frag_length == 36);
	KDT_CHECK(dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_OK);
	KDT_CHECK(call.alloc_hint == 12 && call.stub_len == 12);
	kd_cur_init(&sc, p.b + call.stub_off, call.stub_len);
	KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR, &moff, &mlen, &hr, &p.d) == KD_OK);
	KDT_CHECK(hr == 0xC004F042 && mlen == 0);
}

static void
test_encode(void)
{
	struct pdu p, q;
	uint8_t out[512], stub[512];
	size_t n;
	struct dcerpc_bind_spec spec;
	struct dcerpc_bind b;
	struct dcerpc_bind_ack a;
	struct dcerpc_bind_nak nak;
	struct dcerpc_call call;
	struct kd_cur sc;
	size_t moff, mlen;
	uint32_t hr;

	/* bind with one context reproduces A.1 (72 bytes, §4.8). */
	memset(&spec, 0, sizeof(spec));
	spec.call_id = 2;
	spec.ndr = true;
	load(&p, ex_a1);
	n = dcerpc_encode_bind(out, sizeof(out), &spec);
	KDT_CHECK(n == 72 && n == p.len);
	KDT_MEMEQ(out, p.b, 72);
	KDT_CHECK(dcerpc_encode_bind(out, 71, &spec) == 0);

	/* bind with three contexts reproduces C.1 (160 bytes). */
	spec.ndr64 = spec.btfn = true;
	load(&p, ex_c1);
	n = dcerpc_encode_bind(out, sizeof(out), &spec);
	KDT_CHECK(n == 160 && n == p.len);
	KDT_MEMEQ(out, p.b, 160);
	memcpy(q.b, out, n);
	q.len = n;
	reload(&q);
	KDT_CHECK(q.st == KD_OK && dcerpc_decode_bind(&q.c, &q.h, &b, &q.d) == KD_OK);
	KDT_CHECK(b.n_ctx == 3 && b.ctx[0].syntax == SYNTAX_NDR &&
	    b.ctx[1].syntax == SYNTAX_NDR64 && b.ctx[2].syntax == SYNTAX_BTFN);
	KDT_CHECK(b.ctx[0].is_kms && b.ctx[1].is_kms && b.ctx[2].is_kms);
	KDT_CHECK(b.ctx[1].id == 1 && b.ctx[2].id == 2);

	/* alter_context with one context reproduces C.3. */
	memset(&spec, 0, sizeof(spec));
	spec.call_id = 2;
	spec.ndr = true;
	spec.alter = true;
	load(&p, ex_c3);
	n = dcerpc_encode_bind(out, sizeof(out), &spec);
	KDT_CHECK(n == 72);
	KDT_MEMEQ(out, p.b, 72);

	/* NDR64 only, another interface, explicit flags. */
	{
		struct kd_guid epm;

		kd_guid_parse(&epm, "e1af8308-5d1f-11c9-91a4-08002b14a0fa");
		memset(&spec, 0, sizeof(spec));
		spec.call_id = 0x01020304;
		spec.flags = PFC_FIRST_FRAG | PFC_LAST_FRAG;
		spec.ndr64 = true;
		spec.iface = &epm;
		n = dcerpc_encode_bind(out, sizeof(out), &spec);
		KDT_CHECK(n == 72);
		memcpy(q.b, out, n);
		q.len = n;
		reload(&q);
		KDT_CHECK(q.st == KD_OK && q.h.call_id == 0x01020304 && q.h.flags == 3);
		KDT_CHECK(dcerpc_decode_bind(&q.c, &q.h, &b, &q.d) == KD_OK);
		KDT_CHECK(b.n_ctx == 1 && b.ctx[0].id == 0 && !b.ctx[0].is_kms &&
		    b.ctx[0].syntax == SYNTAX_NDR64 && kd_guid_eq(&b.ctx[0].abstract, &epm));
	}

	/* bind_ack reproduces A.2 (60), C.2 (108) and F.2. */
	{
		struct dcerpc_result r1[1] = { { 0, 0, { { 0 } }, 0, SYNTAX_NDR } };
		struct dcerpc_result r3[3] = {
			{ 2, 2, { { 0 } }, 0, SYNTAX_UNKNOWN },
			{ 0, 0, { { 0 } }, 0, SYNTAX_NDR64 },
			{ 3, 3, { { 0 } }, 0, SYNTAX_UNKNOWN } };
		struct dcerpc_result rf[1] = { { 2, 1, { { 0 } }, 0, SYNTAX_UNKNOWN } };

		load(&p, ex_a2);
		n = dcerpc_encode_bind_ack(out, sizeof(out), 2, 0, false, 0x89a00ea3,
		    "1688", r1, 1);
		KDT_CHECK(n == 60);
		KDT_MEMEQ(out, p.b, 60);
		KDT_CHECK(dcerpc_encode_bind_ack(out, 59, 2, 0, false, 0x89a00ea3,
		    "1688", r1, 1) == 0);

		load(&p, ex_c2);
		n = dcerpc_encode_bind_ack(out, sizeof(out), 2, 0, false, 0x58855e7b,
		    "1688", r3, 3);
		KDT_CHECK(n == 108);
		KDT_MEMEQ(out, p.b, 108);

		load(&p, ex_f2);
		n = dcerpc_encode_bind_ack(out, sizeof(out), 7,
		    PFC_FIRST_FRAG | PFC_LAST_FRAG, false, 0x1fece78a, "1688", rf, 1);
		KDT_CHECK(n == 60);
		KDT_MEMEQ(out, p.b, 60);

		/* alter_context_resp: empty secondary address, 56 bytes (§4.8). */
		load(&p, ex_c4);
		n = dcerpc_encode_bind_ack(out, sizeof(out), 2,
		    PFC_FIRST_FRAG | PFC_LAST_FRAG, true, 0x58855e7b, NULL, r1, 1);
		KDT_CHECK(n == 56);
		/* Equal to C.4 except the stale pad bytes vlmcsd leaves at 0x1a. */
		KDT_MEMEQ(out, p.b, 0x1a);
		KDT_MEMEQ(out + 0x1c, p.b + 0x1c, 56 - 0x1c);
		KDT_CHECK(out[0x1a] == 0 && out[0x1b] == 0);
		memcpy(q.b, out, n);
		q.len = n;
		reload(&q);
		KDT_CHECK(q.st == KD_OK && q.h.ptype == DCERPC_ALTER_CONTEXT_RESP);
		KDT_CHECK(dcerpc_decode_bind_ack(&q.c, &q.h, &a, &q.d) == KD_OK);
		KDT_CHECK(a.sec_addr_len == 0 && a.n_results == 1 && a.res[0].syntax == SYNTAX_NDR);

		/* Round trip with three results. */
		n = dcerpc_encode_bind_ack(out, sizeof(out), 9, 0, false, 42, "1688", r3, 3);
		memcpy(q.b, out, n);
		q.len = n;
		reload(&q);
		KDT_CHECK(q.st == KD_OK && q.h.call_id == 9);
		KDT_CHECK(dcerpc_decode_bind_ack(&q.c, &q.h, &a, &q.d) == KD_OK);
		KDT_CHECK(a.assoc_group == 42 && a.n_results == 3 && a.n_kept == 3);
		KDT_CHECK(a.res[0].result == 2 && a.res[0].reason == 2);
		KDT_CHECK(a.res[1].result == 0 && a.res[1].syntax == SYNTAX_NDR64);
		KDT_CHECK(a.res[2].result == 3 && a.res[2].reason == 3);

		/* A long secondary address is refused. */
		{
			char big[80];

			memset(big, '9', sizeof(big) - 1);
			big[sizeof(big) - 1] = '\0';
			KDT_CHECK(dcerpc_encode_bind_ack(out, sizeof(out), 1, 0, false, 1,
			    big, r1, 1) == 0);
		}
	}

	/* bind_nak round trip. */
	n = dcerpc_encode_bind_nak(out, sizeof(out), 5, 4);
	KDT_CHECK(n == 21);
	KDT_CHECK(dcerpc_encode_bind_nak(out, 20, 5, 4) == 0);
	memcpy(q.b, out, n);
	q.len = n;
	reload(&q);
	KDT_CHECK(q.st == KD_OK && q.h.ptype == DCERPC_BIND_NAK && q.h.call_id == 5);
	KDT_CHECK(dcerpc_decode_bind_nak(&q.c, &q.h, &nak, &q.d) == KD_OK);
	KDT_CHECK(nak.reason == 4 && nak.n_protocols == 1 && nak.n_kept == 1);
	KDT_CHECK(nak.protocols[0][0] == 5 && nak.protocols[0][1] == 0);
	KDT_STREQ(dcerpc_nak_reason_name(nak.reason), "protocol_version_not_supported");
	KDT_STREQ(dcerpc_nak_reason_name(9), "invalid_checksum");
	KDT_STREQ(dcerpc_nak_reason_name(10), "unknown");
	KDT_STREQ(dcerpc_ptype_name(DCERPC_BIND_NAK), "bind_nak");

	/* fault reproduces F.1 except vlmcsd's stale bytes 0x16-0x17. */
	load(&p, ex_f1);
	n = dcerpc_encode_fault(out, sizeof(out), 2, 0, 0x1c010003);
	KDT_CHECK(n == 32);
	p.b[0x16] = p.b[0x17] = 0;
	KDT_MEMEQ(out, p.b, 32);
	KDT_CHECK(dcerpc_encode_fault(out, 31, 2, 0, 1) == 0);
	n = dcerpc_encode_fault(out, sizeof(out), 77, 5, 0x1c01000b);
	memcpy(q.b, out, n);
	q.len = n;
	reload(&q);
	KDT_CHECK(q.st == KD_OK && q.h.ptype == DCERPC_FAULT && q.h.call_id == 77);
	KDT_CHECK(dcerpc_decode_call(&q.c, &q.h, &call, &q.d) == KD_OK);
	KDT_CHECK(call.ctx_id == 5 && call.status == 0x1c01000b && call.cancel_count == 0);
	KDT_STREQ(dcerpc_fault_name(call.status), "nca_proto_error");

	/* request: stub wrap + PDU reproduce A.3 (284 bytes). */
	{
		uint8_t msg[260];

		load(&p, ex_a3);
		memcpy(msg, p.b + 32, 252);
		n = kms_stub_wrap_request(stub, sizeof(stub), SYNTAX_NDR, msg, 252);
		KDT_CHECK(n == 260);
		KDT_MEMEQ(stub, p.b + 24, 260);
		KDT_CHECK(kms_stub_wrap_request(stub, 259, SYNTAX_NDR, msg, 252) == 0);
		n = dcerpc_encode_request(out, sizeof(out), 2, 0, 0, stub, n);
		KDT_CHECK(n == 284);
		KDT_MEMEQ(out, p.b, 284);
		KDT_CHECK(dcerpc_encode_request(out, 283, 2, 0, 0, stub, 260) == 0);

		/* NDR64 request stub: D.1's prefix, 300-byte PDU (§4.8). */
		load(&q, ex_d1);
		n = kms_stub_wrap_request(stub, sizeof(stub), SYNTAX_NDR64, msg, 260);
		KDT_CHECK(n == 276);
		KDT_MEMEQ(stub, q.b + 24, 16);
		n = dcerpc_encode_request(out, sizeof(out), 3, 1, 0, stub, n);
		KDT_CHECK(n == 300);
		KDT_MEMEQ(out, q.b, 40);
		memcpy(q.b, out, n);
		q.len = n;
		reload(&q);
		KDT_CHECK(dcerpc_decode_call(&q.c, &q.h, &call, &q.d) == KD_OK);
		KDT_CHECK(call.ctx_id == 1 && call.opnum == 0 && call.stub_len == 276);
		kd_cur_init(&sc, q.b + call.stub_off, call.stub_len);
		KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR64, &moff, &mlen,
		    &q.d) == KD_OK);
		KDT_CHECK(moff == 16 && mlen == 260);
		KDT_MEMEQ(q.b + 24 + moff, msg, 260);

		/* opnum survives a request round trip. */
		n = dcerpc_encode_request(out, sizeof(out), 9, 2, 7, stub, 0);
		KDT_CHECK(n == 24);
		memcpy(q.b, out, n);
		q.len = n;
		reload(&q);
		KDT_CHECK(dcerpc_decode_call(&q.c, &q.h, &call, &q.d) == KD_OK);
		KDT_CHECK(call.opnum == 7 && call.ctx_id == 2 && call.stub_len == 0);
	}

	/* response: stub wrap + PDU reproduce A.5 (200 bytes). */
	{
		uint8_t msg[260];

		load(&p, ex_a5);
		memcpy(msg, p.b + 36, 158);
		n = kms_stub_wrap_response(stub, sizeof(stub), SYNTAX_NDR, msg, 158, 0);
		KDT_CHECK(n == 176);
		KDT_MEMEQ(stub, p.b + 24, 176);
		n = dcerpc_encode_response(out, sizeof(out), 2, 0, stub, n);
		KDT_CHECK(n == 200);
		KDT_MEMEQ(out, p.b, 200);

		/* NDR64 response of 260 bytes: D.2's prefix, 312 bytes (§4.8). */
		load(&q, ex_c7);
		memcpy(msg, q.b + 36, 260);
		n = kms_stub_wrap_response(stub, sizeof(stub), SYNTAX_NDR64, msg, 260, 0);
		KDT_CHECK(n == 288);
		kdt_unhex("04 01 00 00 00 00 00 00 00 00 02 00 00 00 00 00 "
		    "04 01 00 00 00 00 00 00", out, 24);
		KDT_MEMEQ(stub, out, 24);
		n = dcerpc_encode_response(out, sizeof(out), 3, 1, stub, n);
		KDT_CHECK(n == 312);

		/* Odd sizes are padded to 4 before the HRESULT, both syntaxes. */
		for (size_t len = 157; len <= 161; len++) {
			n = kms_stub_wrap_response(stub, sizeof(stub), SYNTAX_NDR, msg,
			    len, 0x12345678);
			KDT_CHECK(n == 12 + ((len + 3) & ~(size_t)3) + 4);
			kd_cur_init(&sc, stub, n);
			KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR, &moff, &mlen,
			    &hr, &q.d) == KD_OK);
			KDT_CHECK(moff == 12 && mlen == len && hr == 0x12345678);
			KDT_CHECK(kd_cur_left(&sc) == 0);
			n = kms_stub_wrap_response(stub, sizeof(stub), SYNTAX_NDR64, msg,
			    len, 0);
			KDT_CHECK(n == 24 + ((len + 3) & ~(size_t)3) + 4);
			kd_cur_init(&sc, stub, n);
			KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR64, &moff, &mlen,
			    &hr, &q.d) == KD_OK);
			KDT_CHECK(moff == 24 && mlen == len && hr == 0);
		}
	}

	/* The error form reproduces E.1 (36 bytes); NDR64 is 44 (§4.8). */
	load(&p, ex_e1);
	n = kms_stub_wrap_response(stub, sizeof(stub), SYNTAX_NDR, NULL, 0, 0xC004F042);
	KDT_CHECK(n == 12);
	KDT_MEMEQ(stub, p.b + 24, 12);
	n = dcerpc_encode_response(out, sizeof(out), 2, 0, stub, n);
	KDT_CHECK(n == 36);
	KDT_MEMEQ(out, p.b, 36);
	n = kms_stub_wrap_response(stub, sizeof(stub), SYNTAX_NDR64, NULL, 0, 0x8007000D);
	KDT_CHECK(n == 20);
	KDT_CHECK(dcerpc_encode_response(out, sizeof(out), 2, 0, stub, n) == 44);
	kd_cur_init(&sc, stub, 20);
	KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR64, &moff, &mlen, &hr, &q.d) == KD_OK);
	KDT_CHECK(hr == 0x8007000D && mlen == 0);
	KDT_CHECK(kms_stub_wrap_response(stub, 11, SYNTAX_NDR, NULL, 0, 1) == 0);
}

/* A header with the given frag_length around a body of blen bytes. */
static size_t
mkpdu(uint8_t *out, uint8_t ptype, uint16_t flen, const uint8_t *body, size_t blen)
{
	memset(out, 0, 16);
	out[0] = 5;
	out[2] = ptype;
	out[3] = 3;
	out[4] = 0x10;
	out[8] = (uint8_t)flen;
	out[9] = (uint8_t)(flen >> 8);
	out[12] = 1;
	memcpy(out + 16, body, blen);
	return 16 + blen;
}

static void
test_hostile(void)
{
	struct pdu p;
	struct dcerpc_bind b;
	struct dcerpc_bind_ack a;
	struct dcerpc_bind_nak nak;
	struct dcerpc_call call;
	struct kd_cur sc;
	uint8_t body[512];
	size_t moff, mlen;
	uint32_t hr;

	/* Fewer than 16 bytes. */
	load(&p, ex_a1);
	p.len = 15;
	reload(&p);
	KDT_CHECK(p.st == KD_ETRUNC && p.d.status == KD_ETRUNC && p.d.offset == 0);
	KDT_STREQ(p.d.layer, "dcerpc");
	/* frag_length below the header length, zero, above the cap. */
	load(&p, ex_a1);
	p.b[8] = 15;
	reload(&p);
	KDT_CHECK(p.st == KD_EINVAL && p.d.offset == 8);
	p.b[8] = 0;
	reload(&p);
	KDT_CHECK(p.st == KD_EINVAL);
	p.b[8] = 0xff;
	p.b[9] = 0xff;
	reload(&p);
	KDT_CHECK(p.st == KD_ELIMIT);
	/* Exactly 16: a bodiless PDU header is fine, its body is not. */
	p.b[8] = 16;
	p.b[9] = 0;
	p.len = 16;
	reload(&p);
	KDT_CHECK(p.st == KD_OK);
	KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_ETRUNC);
	/* RPC version 4 and 5.2, big-endian drep, auth_length too long. */
	load(&p, ex_a1);
	p.b[0] = 4;
	reload(&p);
	KDT_CHECK(p.st == KD_EINVAL);
	load(&p, ex_a1);
	p.b[1] = 2;
	reload(&p);
	KDT_CHECK(p.st == KD_EINVAL);
	load(&p, ex_a1);
	p.b[1] = 1;
	reload(&p);
	KDT_CHECK(p.st == KD_OK);
	load(&p, ex_a1);
	p.b[4] = 0x00;
	reload(&p);
	KDT_CHECK(p.st == KD_EUNSUP && p.d.offset == 4);
	load(&p, ex_a1);
	p.b[10] = 57;
	reload(&p);
	KDT_CHECK(p.st == KD_EINVAL && p.d.offset == 10);
	p.b[10] = 56;
	reload(&p);
	KDT_CHECK(p.st == KD_OK);

	/*
	 * n_context_elem 255 in a 72-byte PDU: frag_length cannot hold them,
	 * so the sender lied (EINVAL at the count), no over-read.
	 */
	load(&p, ex_a1);
	p.b[0x18] = 255;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_EINVAL);
	KDT_CHECK(b.n_ctx == 255 && b.n_kept == 0);
	KDT_CHECK(p.d.offset == 0x18);
	load(&p, ex_a1);
	p.b[0x18] = 2;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_EINVAL);
	/* The same lie inside a frame: the offset is counted from the frame. */
	{
		uint8_t frame[200];
		struct kd_cur fc, c;
		struct dcerpc_hdr h;
		struct kd_diag d;

		memset(frame, 0, sizeof(frame));
		memcpy(frame + 54, p.b, 72);
		kd_cur_init(&fc, frame, 54 + 72);
		kd_cur_skip(&fc, 54);
		kd_cur_sub(&fc, 72, &c);
		KDT_CHECK(dcerpc_decode_hdr(&c, &h, &d) == KD_OK);
		KDT_CHECK(dcerpc_decode_bind(&c, &h, &b, &d) == KD_EINVAL);
		KDT_CHECK(d.offset == 54 + 0x18);
	}
	/*
	 * A three-context bind (C.1, 160 bytes) captured with only 100 bytes:
	 * the count fits frag_length, the bytes are missing: a truncation.
	 */
	load(&p, ex_c1);
	p.len = 100;
	reload(&p);
	KDT_CHECK(p.st == KD_OK);
	KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_ETRUNC);
	KDT_CHECK(b.n_ctx == 3 && b.n_kept == 1 && p.d.offset == 0x48);
	/* Ten well-formed contexts: all walked, DCERPC_MAX_CTX kept. */
	{
		uint8_t big[28 + 44 * 10];

		load(&p, ex_a1);
		memcpy(big, p.b, 28);
		for (int i = 0; i < 10; i++) {
			memcpy(big + 28 + 44 * i, p.b + 28, 44);
			big[28 + 44 * i] = (uint8_t)i;
		}
		big[0x18] = 10;
		big[8] = (uint8_t)sizeof(big);
		big[9] = (uint8_t)(sizeof(big) >> 8);
		memcpy(p.b, big, sizeof(big));
		p.len = sizeof(big);
		reload(&p);
		KDT_CHECK(p.st == KD_OK);
		KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_OK);
		KDT_CHECK(b.n_ctx == 10 && b.n_kept == DCERPC_MAX_CTX);
		KDT_CHECK(b.ctx[7].id == 7 && kd_cur_left(&p.c) == 0);
	}
	/* Zero contexts. */
	load(&p, ex_a1);
	p.b[0x18] = 0;
	p.len = 28;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_OK && b.n_ctx == 0);
	/* A context with no transfer syntax is invalid; 255 of them run past the PDU. */
	load(&p, ex_a1);
	p.b[0x1e] = 0;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_EINVAL);
	KDT_CHECK(p.d.offset == 0x1e);
	p.b[0x1e] = 255;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_ETRUNC);
	/* Two transfer syntaxes: the first is kept, the second skipped. */
	{
		uint8_t two[92];

		load(&p, ex_a1);
		memcpy(two, p.b, 72);
		memcpy(two + 72, p.b + 0x34, 20);
		two[0x1e] = 2;
		two[8] = 92;
		memcpy(p.b, two, sizeof(two));
		p.len = 92;
		reload(&p);
		KDT_CHECK(dcerpc_decode_bind(&p.c, &p.h, &b, &p.d) == KD_OK);
		KDT_CHECK(b.ctx[0].n_transfer == 2 && b.ctx[0].syntax == SYNTAX_NDR);
		KDT_CHECK(kd_cur_left(&p.c) == 0);
	}

	/* sec_addr_len 0xffff. */
	load(&p, ex_a2);
	p.b[0x18] = 0xff;
	p.b[0x19] = 0xff;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind_ack(&p.c, &p.h, &a, &p.d) == KD_ETRUNC);
	KDT_CHECK(p.d.offset == 0x1a);
	/* A secondary address longer than the field we keep is cut, not overflowed. */
	{
		static const struct dcerpc_result r = { 0, 0, { { 0 } }, 0, SYNTAX_NDR };
		uint8_t out[256];
		char addr[61];
		size_t n;

		memset(addr, '7', 60);
		addr[60] = '\0';
		n = dcerpc_encode_bind_ack(out, sizeof(out), 1, 0, false, 1, addr, &r, 1);
		KDT_CHECK(n == 116);
		memcpy(p.b, out, n);
		p.len = n;
		reload(&p);
		KDT_CHECK(dcerpc_decode_bind_ack(&p.c, &p.h, &a, &p.d) == KD_OK);
		KDT_CHECK(strlen(a.sec_addr) == sizeof(a.sec_addr) - 1);
		KDT_CHECK(a.sec_addr_len == 61 && a.n_results == 1);
	}
	/* More results than the body holds. */
	load(&p, ex_a2);
	p.b[0x20] = 2;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind_ack(&p.c, &p.h, &a, &p.d) == KD_ETRUNC);
	KDT_CHECK(a.n_results == 2 && a.n_kept == 1);
	load(&p, ex_a2);
	p.b[0x20] = 255;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind_ack(&p.c, &p.h, &a, &p.d) == KD_ETRUNC);
	/* Body ends inside the pad or the result count. */
	load(&p, ex_a2);
	p.len = 0x1f;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind_ack(&p.c, &p.h, &a, &p.d) == KD_ETRUNC);
	p.len = 0x21;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind_ack(&p.c, &p.h, &a, &p.d) == KD_ETRUNC);

	/* bind_nak: no reason is truncated; a version count past the end is tolerated. */
	mkpdu(p.b, DCERPC_BIND_NAK, 17, (const uint8_t *)"\x04", 1);
	p.len = 17;
	reload(&p);
	KDT_CHECK(p.st == KD_OK && dcerpc_decode_bind_nak(&p.c, &p.h, &nak, &p.d) == KD_ETRUNC);
	mkpdu(p.b, DCERPC_BIND_NAK, 18, (const uint8_t *)"\x04\x00", 2);
	p.len = 18;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind_nak(&p.c, &p.h, &nak, &p.d) == KD_OK);
	KDT_CHECK(nak.reason == 4 && nak.n_protocols == 0);
	memset(body, 0, sizeof(body));
	body[0] = 4;
	body[2] = 255;
	for (int i = 0; i < 20; i++)
		body[3 + 2 * i] = 5;
	mkpdu(p.b, DCERPC_BIND_NAK, 16 + 43, body, 43);
	p.len = 16 + 43;
	reload(&p);
	KDT_CHECK(dcerpc_decode_bind_nak(&p.c, &p.h, &nak, &p.d) == KD_OK);
	KDT_CHECK(nak.n_protocols == 255 && nak.n_kept == DCERPC_MAX_PROTOCOLS);

	/* Request / response / fault headers cut short. */
	load(&p, ex_a3);
	p.len = 16 + 7;
	reload(&p);
	KDT_CHECK(dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_ETRUNC);
	KDT_CHECK(p.d.offset == 16);
	load(&p, ex_f1);
	p.len = 16 + 11;
	reload(&p);
	KDT_CHECK(dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_ETRUNC);
	/* frag_length larger than the bytes given: the stub is not beyond the buffer. */
	load(&p, ex_a3);
	p.len = 100;
	reload(&p);
	KDT_CHECK(p.st == KD_OK && p.h.frag_length == 284);
	KDT_CHECK(dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_ETRUNC);
	KDT_CHECK(call.stub_off + call.stub_len <= 100);
	/* PFC_OBJECT_UUID: 16 bytes before the stub. */
	load(&p, ex_a3);
	p.b[3] |= PFC_OBJECT_UUID;
	reload(&p);
	KDT_CHECK(dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_OK);
	KDT_CHECK(call.stub_off == 40 && call.stub_len == 244);
	p.len = 30;
	p.b[8] = 30;
	p.b[9] = 0;
	reload(&p);
	KDT_CHECK(dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_ETRUNC);
	/* An auth trailer shortens the stub; one longer than the stub leaves none. */
	load(&p, ex_a3);
	p.b[10] = 16;
	reload(&p);
	KDT_CHECK(p.st == KD_OK && dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_OK);
	KDT_CHECK(call.stub_off == 24 && call.stub_len == 260 - 24);
	p.b[10] = 0x04;
	p.b[11] = 0x01;	/* 260 */
	reload(&p);
	KDT_CHECK(p.st == KD_OK && dcerpc_decode_call(&p.c, &p.h, &call, &p.d) == KD_OK);
	KDT_CHECK(call.stub_len == 0);

	/* Stub framing: short prefixes, conformance mismatch, sizes past the cap and the stub. */
	kdt_unhex("fc 00 00 00 fc 00 00", body, 7);
	kd_cur_init(&sc, body, 7);
	KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR, &moff, &mlen, &p.d) == KD_ETRUNC);
	kdt_unhex("fc 00 00 00 fb 00 00 00", body, 8);
	kd_cur_init(&sc, body, 8 + 252);
	KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR, &moff, &mlen, &p.d) == KD_EINVAL);
	kdt_unhex("ff ff ff ff ff ff ff ff", body, 8);
	kd_cur_init(&sc, body, sizeof(body));
	KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR, &moff, &mlen, &p.d) == KD_ELIMIT);
	kdt_unhex("01 10 00 00 01 10 00 00", body, 8);	/* 4097 */
	kd_cur_init(&sc, body, sizeof(body));
	KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR, &moff, &mlen, &p.d) == KD_ELIMIT);
	kdt_unhex("fc 00 00 00 fc 00 00 00", body, 8);
	kd_cur_init(&sc, body, 8 + 251);
	KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR, &moff, &mlen, &p.d) == KD_ETRUNC);
	kd_cur_init(&sc, body, 8 + 252);
	KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR, &moff, &mlen, &p.d) == KD_OK);
	/* NDR64: the high half of the conformance must be zero too. */
	kdt_unhex("04 01 00 00 00 00 00 00 04 01 00 00 01 00 00 00", body, 16);
	kd_cur_init(&sc, body, 16 + 260);
	KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR64, &moff, &mlen, &p.d) == KD_EINVAL);
	kd_cur_init(&sc, body, 15);
	KDT_CHECK(kms_stub_unwrap_request(&sc, SYNTAX_NDR64, &moff, &mlen, &p.d) == KD_ETRUNC);

	kdt_unhex("9e 00 00 00 00 00 02 00", body, 8);
	kd_cur_init(&sc, body, 8);
	KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR, &moff, &mlen, &hr, &p.d) == KD_ETRUNC);
	kdt_unhex("9e 00 00 00 00 00 02 00 9d 00 00 00", body, 12);
	kd_cur_init(&sc, body, 12 + 160 + 4);
	KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR, &moff, &mlen, &hr, &p.d) == KD_EINVAL);
	kdt_unhex("ff ff ff ff 00 00 02 00 ff ff ff ff", body, 12);
	kd_cur_init(&sc, body, sizeof(body));
	KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR, &moff, &mlen, &hr, &p.d) == KD_ELIMIT);
	kdt_unhex("9e 00 00 00 00 00 02 00 9e 00 00 00", body, 12);
	kd_cur_init(&sc, body, 12 + 157);
	KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR, &moff, &mlen, &hr, &p.d) == KD_ETRUNC);
	/* Message present but the HRESULT (after the pad) is missing. */
	kd_cur_init(&sc, body, 12 + 160);
	KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR, &moff, &mlen, &hr, &p.d) == KD_ETRUNC);
	kd_cur_init(&sc, body, 12 + 160 + 3);
	KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR, &moff, &mlen, &hr, &p.d) == KD_ETRUNC);
	/* Error form without its HRESULT. */
	memset(body, 0, 12);
	kd_cur_init(&sc, body, 11);
	KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR, &moff, &mlen, &hr, &p.d) == KD_ETRUNC);
	kd_cur_init(&sc, body, 19);
	KDT_CHECK(kms_stub_unwrap_response(&sc, SYNTAX_NDR64, &moff, &mlen, &hr, &p.d) == KD_ETRUNC);

	/* Encoders refuse what does not fit in a fragment or a message. */
	{
		static uint8_t huge[KD_MAX_RPC_FRAG + 64];

		KDT_CHECK(dcerpc_encode_request(huge, sizeof(huge), 1, 0, 0, huge + 32,
		    KD_MAX_RPC_FRAG) == 0);
		KDT_CHECK(kms_stub_wrap_request(huge, sizeof(huge), SYNTAX_NDR, huge + 32,
		    KD_MAX_KMS_MSG + 1) == 0);
		KDT_CHECK(kms_stub_wrap_response(huge, sizeof(huge), SYNTAX_NDR, huge + 32,
		    KD_MAX_KMS_MSG + 1, 0) == 0);
	}
}

static void
test_looks_like(void)
{
	struct pdu p;

	load(&p, ex_a3);
	KDT_CHECK(dcerpc_looks_like_hdr(p.b, p.len));
	KDT_CHECK(dcerpc_looks_like_hdr(p.b, 16));
	KDT_CHECK(!dcerpc_looks_like_hdr(p.b, 15));
	KDT_CHECK(!dcerpc_looks_like_hdr(p.b + 1, p.len - 1));
	p.b[2] = 20;
	KDT_CHECK(!dcerpc_looks_like_hdr(p.b, p.len));
	load(&p, ex_a3);
	p.b[4] = 0;
	KDT_CHECK(!dcerpc_looks_like_hdr(p.b, p.len));
	load(&p, ex_a3);
	p.b[8] = 8;
	p.b[9] = 0;
	KDT_CHECK(!dcerpc_looks_like_hdr(p.b, p.len));
	p.b[9] = 0xff;
	KDT_CHECK(!dcerpc_looks_like_hdr(p.b, p.len));
	KDT_STREQ(dcerpc_ptype_name(DCERPC_ORPHANED), "orphaned");
	KDT_STREQ(dcerpc_ptype_name(20), "unknown");
	KDT_STREQ(dcerpc_ptype_name(255), "unknown");
	KDT_STREQ(dcerpc_result_name(4), "unknown");
	KDT_STREQ(dcerpc_reason_name(3), "local_limit_exceeded");
	KDT_STREQ(dcerpc_reason_name(4), "unknown");
	KDT_CHECK(kd_guid_eq(&dcerpc_kms_interface, &dcerpc_kms_interface));
	KDT_STREQ(gs(&dcerpc_kms_interface), KMS_IF);
}

int
main(void)
{
	test_bind();
	test_bind_ack();
	test_in_frame();
	test_fault();
	test_calls();
	test_encode();
	test_hostile();
	test_looks_like();
	return KDT_DONE("test_dcerpc");
}
