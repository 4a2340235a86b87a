/*
 * The KMS message hex dumps of the protocol document, section 13 (offset
 * columns dropped), shared by the codec and crypto tests.  Macros, not
 * arrays, so a test that uses only some of them compiles warning-free.
 */
#ifndef KD_TEST_VECTORS_H
#define KD_TEST_VECTORS_H

/* A.4: KMS v4 request message (252 bytes) */
#define KDV_A4 \
	    "00 00 04 00 00 00 00 00 02 00 00 00 c0 a8 00 00 " \
	    "81 28 a5 59 89 a9 9d 47 af 46 f2 75 c6 37 06 63 " \
	    "60 77 32 6f 5c 8c 7c 41 9b 61 83 6a 98 28 7e 0c " \
	    "46 f9 5a e8 25 2e b7 47 83 e1 be bc eb ea c6 11 " \
	    "24 7b d3 a8 34 2b ed 46 8c e4 8b ab 0a 32 eb 8a " \
	    "05 00 00 00 00 cd 16 78 e8 7c dd 01 00 00 00 00 " \
	    "00 00 00 00 00 00 00 00 00 00 00 00 4f 00 46 00 " \
	    "46 00 49 00 43 00 45 00 2d 00 50 00 43 00 2d 00 " \
	    "31 00 37 00 00 00 00 00 00 00 00 00 00 00 00 00 " \
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 " \
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 " \
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 " \
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 " \
	    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 " \
	    "00 00 00 00 00 00 00 00 00 00 00 00 ae 0e e6 db " \
	    "7e 0c 07 15 85 a0 66 f1 84 1f 90 fe"

/* A.6: KMS v4 response message (158 bytes) */
#define KDV_A6 \
	    "00 00 04 00 62 00 00 00 30 00 36 00 34 00 30 00 " \
	    "31 00 2d 00 30 00 30 00 30 00 39 00 36 00 2d 00 " \
	    "32 00 31 00 33 00 2d 00 32 00 38 00 32 00 33 00 " \
	    "36 00 32 00 2d 00 30 00 33 00 2d 00 31 00 30 00 " \
	    "35 00 39 00 2d 00 39 00 36 00 30 00 30 00 2e 00 " \
	    "30 00 30 00 30 00 30 00 2d 00 32 00 38 00 30 00 " \
	    "32 00 30 00 32 00 36 00 00 00 24 7b d3 a8 34 2b " \
	    "ed 46 8c e4 8b ab 0a 32 eb 8a 00 cd 16 78 e8 7c " \
	    "dd 01 0a 00 00 00 78 00 00 00 60 27 00 00 50 13 " \
	    "7a 4a cc 5f 0c 3a 2e c4 d4 4a 10 18 b0 92"

/* B.2: KMS v5 request message as sent (260 bytes) */
#define KDV_B2 \
	    "00 00 05 00 19 1f 16 ba c0 b3 d3 75 96 3d 3e d9 " \
	    "d2 f9 2c 43 ff 0a 22 74 c5 cf dd ff 1b 23 50 37 " \
	    "dc 2b 53 0f 21 52 36 d7 c1 67 37 f4 16 54 0f 29 " \
	    "0b bf e3 08 b1 55 df f3 9e d0 d5 13 6d 73 f1 ff " \
	    "35 e6 94 14 b8 53 8f 38 2c b0 48 77 fd 24 b1 e8 " \
	    "36 88 93 3c cb dd 6a 4d c1 73 23 03 e1 19 3a b6 " \
	    "01 e3 49 d7 a5 31 64 21 b0 39 d1 f0 68 74 16 00 " \
	    "aa e5 61 55 99 e0 cc b8 9e 07 dd 3f 35 91 8b 37 " \
	    "81 4f 94 05 68 4f ba 0d 7f ac 20 35 c2 e8 5b 0f " \
	    "f5 d4 a0 44 0c 64 07 ff 8f 73 6e 8d ec 74 55 bd " \
	    "53 1a 50 84 fe 84 24 91 84 f0 54 d5 3a d3 85 af " \
	    "17 26 e3 ff 58 13 b8 6a 31 28 4e 80 fa 81 a9 7a " \
	    "ae 38 26 95 34 10 73 a1 5d 17 b0 c6 c4 ca 90 45 " \
	    "98 55 70 4c 8f 4a 0c 21 b6 02 7e e9 64 58 84 bd " \
	    "c1 d1 c3 da 6e 70 1e 94 3e 0a c4 94 56 76 76 3b " \
	    "11 cf 70 dd 1c 75 e8 a0 46 7c 14 85 c8 69 1d 0a " \
	    "b0 31 24 a1"

/* B.5: KMS v5 response message as sent (228 bytes) */
#define KDV_B5 \
	    "00 00 05 00 19 1f 16 ba c0 b3 d3 75 96 3d 3e d9 " \
	    "d2 f9 2c 43 d1 e2 ce ab d6 50 1f 35 bb a1 e1 ff " \
	    "24 8c 0f 81 74 9d a0 4f aa a1 82 01 b7 e3 1b 78 " \
	    "45 1c b6 df 98 03 34 6f aa f9 9c eb 9d 01 5a f1 " \
	    "f0 78 c9 a7 d5 c0 7e 4e 1a 77 51 56 8e 2e 85 74 " \
	    "6e 3f ca d7 24 01 29 28 46 70 49 53 48 ec bf 4a " \
	    "45 22 41 05 0f 1f 49 a0 18 51 4f 10 e6 37 76 08 " \
	    "b2 0b 85 ef 49 37 49 36 08 9e 25 f6 22 11 f0 28 " \
	    "c9 c5 20 4f f2 c5 d8 c0 30 e0 48 bd af 6e 07 20 " \
	    "34 cd ff 14 1e cf 0c ba dd d9 e5 ad a2 c9 e3 a0 " \
	    "a7 03 ec b8 8d 1d a2 51 b1 2e 9c dd d5 ea ac 8e " \
	    "d0 33 1b d0 29 fa 52 88 ab 4a 50 c8 43 86 22 d7 " \
	    "aa f4 88 89 71 05 f1 7d 61 be 2f 08 ec 11 ba fe " \
	    "c2 f0 d0 db f0 29 0f ff 97 bf e3 30 e9 e7 d7 fd " \
	    "b3 d5 b1 32"

/* C.5: v6 request PDU; the KMS message starts at 0x20 (292 bytes) */
#define KDV_C5 \
	    "05 00 00 03 10 00 00 00 24 01 00 00 02 00 00 00 " \
	    "0c 01 00 00 00 00 00 00 04 01 00 00 04 01 00 00 " \
	    "00 00 06 00 79 1d b3 56 c0 88 51 07 04 fd aa 83 " \
	    "45 13 95 1d f2 4c cb 5c 6d a4 8d 5a fd ef ed ae " \
	    "71 62 e9 5a 0c d6 92 3f 02 63 b2 31 4b 11 78 72 " \
	    "0d f9 09 21 14 8e 97 cc f7 5d 8f 59 2d 69 bc 67 " \
	    "f3 91 1e 04 6e ba 1a 7b 39 11 66 7b ce 51 6e 3f " \
	    "49 43 f4 95 18 7b 4a 96 ee d5 a7 6c 36 b2 87 4d " \
	    "3f e2 2b f2 f0 d2 2d b2 63 dc f8 fd 29 65 b3 4c " \
	    "c3 b7 ea c4 fe 6d 7b 4c 8f 55 fd 61 e4 46 6d 06 " \
	    "ba b0 f5 c5 38 ea 4d 27 21 33 79 c0 37 f2 0d e7 " \
	    "a8 f5 71 63 64 36 ff c7 1b da c7 c3 2a bf 3a b1 " \
	    "19 e1 51 8d 46 ba 93 bb 9c 72 11 07 1e d7 82 62 " \
	    "6d 37 3e d7 4f 25 a6 35 f0 4e 45 b3 8a b7 4f 12 " \
	    "00 92 38 c4 41 3e 05 33 5b b0 8b f9 c9 55 36 64 " \
	    "fc 19 13 14 ed c7 9e 3a 17 a2 1c 4d e6 5c ed 55 " \
	    "1d d8 f0 93 ac 16 d5 f4 a5 08 4c 42 42 26 d8 ca " \
	    "72 83 e1 07 d6 b8 bf 7e a3 27 8c 04 cb fd 48 22 " \
	    "70 10 0c 1c"

/* C.7: v6 response PDU; the KMS message starts at 0x24 (300 bytes) */
#define KDV_C7 \
	    "05 00 02 03 10 00 00 00 2c 01 00 00 02 00 00 00 " \
	    "14 01 00 00 00 00 00 00 04 01 00 00 00 00 02 00 " \
	    "04 01 00 00 00 00 06 00 53 9b 29 cf 30 bd 3f 66 " \
	    "da d8 92 ae 1e 5f 6a a7 36 79 db f2 ae ee 9a 7f " \
	    "58 c0 92 9b 28 11 72 ec b7 83 a5 43 7a af c1 5f " \
	    "0b d3 4b a9 47 d8 3f 4e 86 63 5b 33 64 f8 91 cf " \
	    "88 93 26 98 8d 04 4d 36 69 d6 2a 0d 93 a7 a2 06 " \
	    "eb f4 39 47 af 9d 46 66 94 e0 74 27 bd a7 18 d2 " \
	    "1f 45 a7 21 84 0a 5c 18 fa 29 ce c1 ba c7 42 dc " \
	    "db 56 6e e8 35 75 5d 93 f0 81 a8 8a bb 91 c9 00 " \
	    "e5 80 79 cd 1c dd 96 d7 52 a2 91 7c 76 1d 40 19 " \
	    "05 57 a8 a9 7c da ba 62 9d 65 25 2f be e5 a5 ed " \
	    "9d 63 8d 71 75 81 7c 4a eb e6 35 a4 97 58 47 f3 " \
	    "0c d2 05 9e c8 75 4c 98 e7 56 14 d4 93 9c fa 80 " \
	    "a4 5e 90 0a 4c 47 41 70 3c 27 e1 7d 0d 45 02 1b " \
	    "48 90 b4 2f 99 30 e4 74 b6 72 32 c9 ab 46 7b 61 " \
	    "76 cd d9 0f 37 b6 14 57 9e 6b 5c d8 b3 ee 37 f4 " \
	    "e3 89 7a 4f 09 e2 89 4d 24 1f 94 dd cd 44 11 1d " \
	    "15 c2 71 db c1 f0 9b 7d 00 00 00 00"

#endif
