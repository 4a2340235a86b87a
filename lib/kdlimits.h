/*
 * Every cap on wire-controlled sizes and counts, in one place (style R4).
 * Hitting one is reported (KD_ELIMIT and a diag), never silent.
 */
#ifndef KD_KDLIMITS_H
#define KD_KDLIMITS_H

/* Largest DCE/RPC fragment we accept; KMS PDUs are ~330 bytes and peers
 * negotiate 5840 (protocol doc §2.9).  The u16 field allows 65535. */
#define KD_MAX_RPC_FRAG		16384
/* Largest reassembled RPC stub (several fragments of one call). */
#define KD_MAX_RPC_STUB		65536
/* Largest KMS message inside a stub; the biggest real one is 260 bytes. */
#define KD_MAX_KMS_MSG		4096
/* TCP reassembly: bytes held per direction and out-of-order segments held. */
#define KD_MAX_FLOW_BYTES	(256 * 1024)
#define KD_MAX_OOO_SEGS		64
/*
 * Flows tracked at once; the least recently active one is evicted beyond
 * this.  A large site at 8 a.m. has about 10,000 KMS connections in
 * flight; 20,000 leaves room for twice that.  A flow's own state is about
 * 1 KiB (20 MiB at the cap) and an idle flow holds no buffer.
 */
#define KD_MAX_FLOWS		20000
/*
 * Bytes held over all flows: reassembly windows in use, fragment stubs
 * and calls waiting for their response (about 1.2 KiB each).  The
 * per-flow caps alone allow KD_MAX_FLOWS times 2 * KD_MAX_FLOW_BYTES
 * when a lossy live capture leaves holes in every stream; beyond this
 * budget the least recently active flows are evicted instead.  With the
 * flow structs this keeps the engine's connection state within 64 MiB.
 */
#define KD_MAX_BUFFERED		(40 * 1024 * 1024)
/* Calls awaiting a response per connection. */
#define KD_MAX_PENDING_CALLS	16
/* Distinct clients remembered per KMS counted ID (a host keeps 50; we keep more to see splits). */
#define KD_CLIENT_SLOTS		131072	/* power of two; 3/4 of it usable */
#define KD_MAX_CLIENTS		(KD_CLIENT_SLOTS / 4 * 3)
/* Hosts remembered in the summary. */
#define KD_MAX_HOSTS		1024
/* Problems listed per kind in the summary text. */
#define KD_MAX_PROBLEM_EXAMPLES	5

#endif
