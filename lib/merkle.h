/*
 * merkle.h — the RFC 6962 / RFC 9162 Merkle tree over the log's entries.
 *
 * The tree is kept as the hashes of its complete subtrees: node (level L,
 * index i) is MTH of leaves [i << L, (i + 1) << L). Level 0 holds the leaf
 * hashes. Appending leaf n stores node (0, n) and then, while the new node
 * is a right child, its parent — about two hashes per leaf, as in the design
 * of Go's checksum database. Any root, inclusion or consistency proof then
 * needs O(log n) node reads.
 *
 * The module does no I/O itself: the caller passes a get/put pair (LMDB in
 * the store, an array in tests).
 *
 * Invariants:
 *  (1) leaf hash = H(0x00 || entry bytes); node = H(0x01 || l || r), H the
 *      ledger suite's hash (suite.h: SHA-256, or SM3 in an sm2-sm3 ledger).
 *  (2) node (L, i) is stored exactly when leaves [i << L, (i + 1) << L) all exist.
 *  (3) MTH of the empty tree is H of the empty string.
 */
#ifndef PDL_MERKLE_H
#define PDL_MERKLE_H

#include "pdl.h"

#define PDL_MERKLE_LEVELS_MAX 64u
/* An inclusion proof has at most 63 hashes, a consistency proof at most
 * 2 * 63 + 1; both fit in this many. */
#define PDL_MERKLE_PROOF_MAX 130u

typedef uint8_t pdl_hash[PDL_HASH_BYTES];

/* Return PDL_OK, PDL_ENOTFOUND (node not stored) or another error. */
typedef int (*pdl_merkle_get_fn)(void *ctx, unsigned level, uint64_t index, uint8_t out[PDL_HASH_BYTES]);
typedef int (*pdl_merkle_put_fn)(void *ctx, unsigned level, uint64_t index, const uint8_t h[PDL_HASH_BYTES]);

struct pdl_merkle_io {
	pdl_merkle_get_fn get;
	pdl_merkle_put_fn put; /* may be NULL for read-only use */
	void *ctx;
};

void pdl_merkle_leaf_hash(const void *data, size_t len, uint8_t out[PDL_HASH_BYTES]);
void pdl_merkle_node_hash(const uint8_t l[PDL_HASH_BYTES], const uint8_t r[PDL_HASH_BYTES], uint8_t out[PDL_HASH_BYTES]);

/* Store leaf `index` (which must equal the current tree size) and every
 * subtree it completes. Errors: whatever get/put return. */
int pdl_merkle_append(const struct pdl_merkle_io *io, uint64_t index, const uint8_t leaf[PDL_HASH_BYTES]);

/* MTH of leaves [lo, hi), hi > lo, from stored nodes. */
int pdl_merkle_subtree(const struct pdl_merkle_io *io, uint64_t lo, uint64_t hi, uint8_t out[PDL_HASH_BYTES]);

/* Root of the tree of the first `size` leaves. */
int pdl_merkle_root(const struct pdl_merkle_io *io, uint64_t size, uint8_t out[PDL_HASH_BYTES]);

/* RFC 9162 §2.1.3 inclusion proof of leaf `index` in tree `size`.
 * proof must hold PDL_MERKLE_PROOF_MAX hashes; *n receives the count.
 * Errors: PDL_EINVAL (index >= size), get's errors. */
int pdl_merkle_prove_inclusion(const struct pdl_merkle_io *io, uint64_t index, uint64_t size,
                               pdl_hash *proof, size_t *n);

/* RFC 9162 §2.1.4 consistency proof between trees old and new (0 < old <= new).
 * Errors: PDL_EINVAL (old == 0 or old > new), get's errors. */
int pdl_merkle_prove_consistency(const struct pdl_merkle_io *io, uint64_t old_size, uint64_t new_size,
                                 pdl_hash *proof, size_t *n);

/* RFC 9162 §2.1.3.2 / §2.1.4.2 verification; need no stored nodes.
 * Return PDL_OK or PDL_EMERKLE (or PDL_EINVAL for impossible sizes). */
PDL_WUR int pdl_merkle_verify_inclusion(const uint8_t leaf[PDL_HASH_BYTES], uint64_t index, uint64_t size,
                                        const pdl_hash *proof, size_t n, const uint8_t root[PDL_HASH_BYTES]);
/* The same inclusion check with a memo of the node hashes it computed
 * before (a server checking every proof it answers against the
 * checkpoint: the proofs of random leaves share their upper nodes). A slot
 * keeps a parent with its two children, placed by the node's position
 * (level >= PDL_MERKLE_MEMO_LEVEL_MIN); it is used only when both children
 * are byte for byte the ones in hand, so a hit is exactly the hash that
 * would have been computed, and the result is the one without the memo
 * (the final comparison with root is always made). One memo per thread,
 * zeroed before first use; it follows the ledger's suite (pdl_suite). */
#define PDL_MERKLE_MEMO_SLOTS 1024u
#define PDL_MERKLE_MEMO_LEVEL_MIN 6u
struct pdl_merkle_memo {
	const void *suite; /* the suite its hashes are of; reset when pdl_suite() differs */
	struct pdl_merkle_memo_slot {
		uint64_t key; /* (level + 1) << 56 | index | direction << 55; 0: empty */
		pdl_hash l, r, parent;
	} slot[PDL_MERKLE_MEMO_SLOTS];
};
PDL_WUR int pdl_merkle_verify_inclusion_memo(struct pdl_merkle_memo *m, const uint8_t leaf[PDL_HASH_BYTES],
                                             uint64_t index, uint64_t size, const pdl_hash *proof, size_t n,
                                             const uint8_t root[PDL_HASH_BYTES]);
PDL_WUR int pdl_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
                                          const uint8_t old_root[PDL_HASH_BYTES], const uint8_t new_root[PDL_HASH_BYTES],
                                          const pdl_hash *proof, size_t n);

/* A compact range: the roots of the complete subtrees covering [0, size),
 * for computing roots while streaming leaves (verify, projections). */
struct pdl_merkle_range {
	uint64_t size;
	unsigned n;
	pdl_hash stack[PDL_MERKLE_LEVELS_MAX];
};
void pdl_merkle_range_init(struct pdl_merkle_range *r);
/* Pushes the next leaf. The subtrees it completes are hashed on the way:
 * if made is not NULL, made[i] receives the one at level i+1 (its index is
 * the old size >> (i+1)); returns how many (the trailing ones of the old
 * size), for checking a stored tree node by node (pdl verify). */
unsigned pdl_merkle_range_push(struct pdl_merkle_range *r, const uint8_t leaf[PDL_HASH_BYTES], pdl_hash *made);
void pdl_merkle_range_root(const struct pdl_merkle_range *r, uint8_t out[PDL_HASH_BYTES]);

#endif
