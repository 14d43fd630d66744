/*
 * proofdoc.h — the pinned JSON proof documents of `pdl proof` (and the
 * "inclusion" object of `pdl evidence prove`), read back and checked.
 *
 *   inclusion   {"index":I,"size":N,"leaf_hash":"<b64 32>","proof":["<b64 32>",…]}
 *   consistency {"old":M,"new":N,"proof":["<b64 32>",…]}
 *
 * The kind is told by the keys. Unknown keys are refused (a typo must not
 * pass as a proof); numbers are non-negative integers; every hash is
 * exactly 32 bytes of standard base64; at most PDL_MERKLE_PROOF_MAX hashes.
 *
 * Invariants:
 *  (1) a parsed document holds only what the JSON said: parse does no
 *      Merkle arithmetic, so a document that parses may still not verify;
 *  (2) the struct owns no memory: nothing to free.
 */
#ifndef PDL_PROOFDOC_H
#define PDL_PROOFDOC_H

#include <jansson.h>

#include "merkle.h"
#include "util.h"

#define PDL_PROOFDOC_BYTES_MAX (16u * 1024u) /* 130 hashes of 44 chars and the numbers fit in 8 KiB */

enum pdl_proofdoc_kind { PDL_PROOFDOC_INCLUSION = 1, PDL_PROOFDOC_CONSISTENCY = 2 };

struct pdl_proofdoc {
	int kind;
	uint64_t index, size;      /* inclusion */
	uint8_t leaf_hash[PDL_HASH_BYTES];     /* inclusion */
	uint64_t old_size, new_size; /* consistency */
	size_t n;
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
};

/* Parses a proof document from JSON text (len bytes, need not be
 * NUL-terminated). Errors: PDL_ETOOBIG (over PDL_PROOFDOC_BYTES_MAX or too
 * many hashes), PDL_EDECODE (not JSON), PDL_EFIELD (missing, unknown or
 * mistyped key, a hash that is not 32 bytes of base64); st->msg says which. */
int pdl_proofdoc_parse(const char *json, size_t len, struct pdl_proofdoc *d, struct pdl_status *st);

/* The same from a parsed JSON object (borrowed, not modified). */
int pdl_proofdoc_from_json(const json_t *o, struct pdl_proofdoc *d, struct pdl_status *st);

/* Checks an inclusion document against the root of a tree of d->size
 * leaves. Errors: PDL_EINVAL (not an inclusion document, or index >= size),
 * PDL_EMERKLE (the proof does not lead to root). */
PDL_WUR int pdl_proofdoc_verify_inclusion(const struct pdl_proofdoc *d, const uint8_t root[PDL_HASH_BYTES]);

/* Checks a consistency document between the roots of its two trees.
 * Errors: PDL_EINVAL (not a consistency document, impossible sizes),
 * PDL_EMERKLE. */
PDL_WUR int pdl_proofdoc_verify_consistency(const struct pdl_proofdoc *d, const uint8_t old_root[PDL_HASH_BYTES],
                                            const uint8_t new_root[PDL_HASH_BYTES]);

#endif
