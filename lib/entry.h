/*
 * entry.h — the log entry (the Merkle leaf data) and the signed act.
 *
 * Entry: msgpack array [seq, time_ms, prev_chain_hash(bin 32), act(bin),
 * sig(bin 64), outcome(map)]. Act: msgpack map {v:1, type, actor, nonce,
 * body}, signed with the actor's key in the ledger's suite (suite.h) over
 * "pdl/act/v2\n" ‖ ledger id ‖ act bytes.
 *
 * The ledger id is the ledger suite's hash of the genesis entry's exact
 * bytes (its chain hash, also entry 1's prev): one ledger's acts never
 * verify at another, even one whose parties share ids and keys (staging
 * and production, two cities). The genesis act cannot know its own entry's
 * hash, so it alone is signed under 32 zero bytes (pdl_ledger_id_genesis).
 * The genesis also names the suite (body.suite; none means ed25519-sha256):
 * pdl_genesis_suite reads it before anything is hashed.
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
#include "suite.h"

struct pdl_entry {
	uint64_t seq;
	uint64_t time_ms;
	uint8_t prev[PDL_HASH_BYTES];
	const uint8_t *act;
	size_t act_len;
	const uint8_t *sig; /* PDL_SIG_BYTES */
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
	const uint8_t *sig; /* PDL_SIG_BYTES */
	const char *type;
	size_t type_len;
	const char *actor;
	size_t actor_len;
	uint64_t nonce;
	const struct pdl_act_def *def;
	struct pdl_fields body;
	uint8_t hash[PDL_HASH_BYTES]; /* the ledger suite's hash of the act bytes: identity for idempotency */
};

/* pdl_act_decode, which needs the act's row in the rules tables to check
 * its body, is the rules engine's (rules.h). */

/* 32 zero bytes: the ledger id the genesis act is signed under. */
extern const uint8_t pdl_ledger_id_genesis[PDL_HASH_BYTES];

/* The bytes an act signature covers: PDL_ACT_SIG_PREFIX ‖ ledger_id ‖ act.
 * Writes them into out; returns their length (PDL_ACT_SIG_HEAD_BYTES + len),
 * or 0 when cap is too small. */
size_t pdl_act_signed_bytes(const uint8_t ledger_id[PDL_HASH_BYTES], const uint8_t *act, size_t len, uint8_t *out,
                            size_t cap);
/* Checks the signature sig over act bytes act[0..len) for the ledger
 * ledger_id with pk (of the ledger's suite). The one act signature check:
 * the engine, pdld's verifiers and `pdl verify` all call it. Returns PDL_OK
 * or PDL_EBADSIG (also when memory for a large act runs out). */
PDL_WUR int pdl_act_verify(const uint8_t ledger_id[PDL_HASH_BYTES], const uint8_t *act, size_t len,
                           const uint8_t sig[PDL_SIG_BYTES], const struct pdl_pubkey *pk);
/* One act's signature among many (pdl_act_verify_many); rc is the answer. */
struct pdl_act_check {
	const uint8_t *act;
	size_t len;
	const uint8_t *sig;
	const struct pdl_pubkey *pk;
	int rc; /* PDL_OK or PDL_EBADSIG */
};
/* pdl_act_verify's answer for each of c[0..n), all of the ledger
 * ledger_id, found together (pdl_verify_many: for Ed25519, one field
 * inversion for many acts). */
void pdl_act_verify_many(const uint8_t ledger_id[PDL_HASH_BYTES], struct pdl_act_check *c, size_t n);
/* Signs act bytes for the ledger ledger_id with k. */
void pdl_act_sign(const uint8_t ledger_id[PDL_HASH_BYTES], const uint8_t *b, size_t len, const struct pdl_seckey *k,
                  uint8_t sig[PDL_SIG_BYTES]);

/* The suite a genesis entry names: its act's body.suite, ed25519-sha256
 * when the body has none. Reads only what it needs (the act's type and
 * body.suite), so a reader learns the suite before it hashes or checks
 * anything. Errors: PDL_EDECODE (not an entry holding a genesis act),
 * PDL_EINVAL (a suite this pdl does not know); st says which. */
int pdl_genesis_suite(const uint8_t *entry, size_t len, const struct pdl_suite **out, struct pdl_status *st);

#endif
