/*
 * entry.h — the log entry (the Merkle leaf data) and the signed act.
 *
 * Entry: msgpack array [seq, time_ms, prev_chain_hash(bin 32), act(bin),
 * sig(bin 64), outcome(map)]. Act: msgpack map {v:1, type, actor, nonce,
 * body}, signed as Ed25519(actor key, "pdl/act/v1\n" ‖ act bytes).
 *
 * Invariants:
 *  (1) pdl_entry_decode(pdl_entry_encode(e)) == e, and decode accepts
 *      nothing that encode cannot produce the same way (fixed arity, exact
 *      hash and signature sizes, a map outcome, no trailing bytes);
 *  (2) decoded pointers point into the caller's buffer: no allocation.
 */
#ifndef PDL_ENTRY_H
#define PDL_ENTRY_H

#include <msgpack.h>

#include "mp.h"
#include "pdl.h"

struct pdl_entry {
	uint64_t seq;
	uint64_t time_ms;
	uint8_t prev[32];
	const uint8_t *act;
	size_t act_len;
	const uint8_t *sig; /* 64 bytes */
	const uint8_t *outcome; /* msgpack map bytes */
	size_t outcome_len;
};

/* Appends the encoded entry to sb. */
void pdl_entry_encode(const struct pdl_entry *e, msgpack_sbuffer *sb);
/* Errors: PDL_EDECODE (with st->msg saying what is wrong). */
int pdl_entry_decode(const uint8_t *b, size_t len, struct pdl_entry *e, struct pdl_status *st);

struct pdl_act_def;

/* A decoded act: pointers into the caller's act bytes. */
struct pdl_act {
	const uint8_t *bytes;
	size_t len;
	const uint8_t *sig; /* 64 bytes */
	const char *type;
	size_t type_len;
	const char *actor;
	size_t actor_len;
	uint64_t nonce;
	const struct pdl_act_def *def;
	struct pdl_fields body;
	uint8_t hash[32]; /* SHA-256 of the act bytes: identity for idempotency */
};

/* Decodes an act and checks its shape: version, known type, actor id,
 * body fields against the type's schema. Does not check the signature.
 * Errors: PDL_ETOOBIG, PDL_EDECODE, PDL_EFIELD, PDL_EVERSION, PDL_ETYPE. */
int pdl_act_decode(const uint8_t *b, size_t len, const uint8_t *sig, struct pdl_act *a, struct pdl_status *st);

/* Checks the act's signature with pk. Returns PDL_OK or PDL_EBADSIG. */
PDL_WUR int pdl_act_verify(const struct pdl_act *a, const uint8_t pk[32]);
/* Signs act bytes with sk. */
void pdl_act_sign(const uint8_t *b, size_t len, const uint8_t sk[64], uint8_t sig[64]);

#endif
