/*
 * merkle.c — RFC 6962 / RFC 9162 Merkle tree hashes, proofs and compact ranges.
 *
 * Every range this file asks the store for is one the RFC's split produces
 * from [0, size): its start is a multiple of the largest power of two not
 * above its length. Such a range is either complete (a power of two long,
 * so one stored node) or ends at `size`; walking down a proof path, once a
 * step goes left every later range is complete. Hence at most one sibling
 * of a proof is incomplete, and it costs popcount of its length in reads:
 * proofs and roots read O(log n) nodes.
 *
 * Invariants (beside merkle.h's):
 *  (1) In prove_*, lo < boundary <= hi holds for the current range [lo, hi),
 *      so the loops never split a range of one leaf.
 *  (2) A compact range of `size` leaves holds popcount(size) roots, largest
 *      first; stack[j] covers the j-th set bit of size from the top.
 */
#include "crypto.h"
#include "merkle.h"

#include <assert.h>
#include <string.h>


#define LEAF_PREFIX 0x00u
#define NODE_PREFIX 0x01u

void pdl_merkle_leaf_hash(const void *data, size_t len, uint8_t out[PDL_HASH_BYTES])
{
	const uint8_t prefix = LEAF_PREFIX;
	const struct pdl_iov v[2] = {{&prefix, 1}, {data, len}};

	assert(data || len == 0);
	pdl_digestv(out, v, 2);
}

/* out may alias l or r: both are absorbed into the state before out is
 * written (suite.h: hashv), and the proof loops rely on hashing in place. */
void pdl_merkle_node_hash(const uint8_t l[PDL_HASH_BYTES], const uint8_t r[PDL_HASH_BYTES], uint8_t out[PDL_HASH_BYTES])
{
	const uint8_t prefix = NODE_PREFIX;
	const struct pdl_iov v[3] = {{&prefix, 1}, {l, PDL_HASH_BYTES}, {r, PDL_HASH_BYTES}};

	pdl_digestv(out, v, 3);
}

static int is_pow2(uint64_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/* The RFC's k: the largest power of two smaller than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	assert(n >= 2);
	return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

int pdl_merkle_append(const struct pdl_merkle_io *io, uint64_t index, const uint8_t leaf[PDL_HASH_BYTES])
{
	uint8_t h[PDL_HASH_BYTES];
	uint8_t left[PDL_HASH_BYTES];
	unsigned level = 0;
	int err;

	assert(io && io->get && io->put && leaf);
	/* Leaf UINT64_MAX would make a tree of 2^64 leaves, whose size no
	 * uint64_t can carry. */
	assert(index < UINT64_MAX);
	err = io->put(io->ctx, 0, index, leaf);
	if (err != PDL_OK)
		return err;
	memcpy(h, leaf, sizeof h);
	/* A right child completes its parent; the left sibling was stored
	 * when it was completed, by invariant (2) of merkle.h. */
	while (index & 1) {
		err = io->get(io->ctx, level, index - 1, left);
		if (err != PDL_OK)
			return err;
		pdl_merkle_node_hash(left, h, h);
		index >>= 1;
		level++;
		err = io->put(io->ctx, level, index, h);
		if (err != PDL_OK)
			return err;
	}
	return PDL_OK;
}

/* For a range whose start is aligned as described at the top of the file,
 * only the right half can be incomplete, so this recursion reads one node
 * per set bit of hi - lo. An unaligned range (never used by the proofs) is
 * still hashed correctly, just with more reads. */
int pdl_merkle_subtree(const struct pdl_merkle_io *io, uint64_t lo, uint64_t hi, uint8_t out[PDL_HASH_BYTES])
{
	uint8_t l[PDL_HASH_BYTES];
	uint8_t r[PDL_HASH_BYTES];
	uint64_t n, k;
	int err;

	assert(io && io->get && out);
	if (hi <= lo)
		return PDL_EINVAL;
	n = hi - lo;
	if (is_pow2(n) && (lo & (n - 1)) == 0) {
		unsigned level = (unsigned)__builtin_ctzll(n);

		return io->get(io->ctx, level, lo >> level, out);
	}
	k = split_point(n);
	err = pdl_merkle_subtree(io, lo, lo + k, l);
	if (err != PDL_OK)
		return err;
	err = pdl_merkle_subtree(io, lo + k, hi, r);
	if (err != PDL_OK)
		return err;
	pdl_merkle_node_hash(l, r, out);
	return PDL_OK;
}

int pdl_merkle_root(const struct pdl_merkle_io *io, uint64_t size, uint8_t out[PDL_HASH_BYTES])
{
	if (size == 0) {
		pdl_digest(out, "", 0);
		return PDL_OK;
	}
	return pdl_merkle_subtree(io, 0, size, out);
}

/* The RFC lists siblings innermost first, but the walk finds them from the
 * root down. */
static void reverse(pdl_hash *h, size_t n)
{
	uint8_t t[PDL_HASH_BYTES];

	for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
		memcpy(t, h[i], sizeof t);
		memcpy(h[i], h[j - 1], sizeof t);
		memcpy(h[j - 1], t, sizeof t);
	}
}

/* PATH(m, D[n]) of RFC 9162 §2.1.3.1, unrolled: at each split the sibling
 * half goes to the proof and the walk continues into the half holding m. */
int pdl_merkle_prove_inclusion(const struct pdl_merkle_io *io, uint64_t index, uint64_t size,
                               pdl_hash *proof, size_t *n)
{
	uint64_t lo = 0, hi = size;
	size_t count = 0;
	int err;

	assert(io && io->get && proof && n);
	*n = 0;
	if (index >= size)
		return PDL_EINVAL;
	while (hi - lo > 1) {
		uint64_t k = split_point(hi - lo);

		assert(count < PDL_MERKLE_LEVELS_MAX);
		if (index < lo + k) {
			err = pdl_merkle_subtree(io, lo + k, hi, proof[count]);
			hi = lo + k;
		} else {
			err = pdl_merkle_subtree(io, lo, lo + k, proof[count]);
			lo += k;
		}
		if (err != PDL_OK)
			return err;
		count++;
	}
	reverse(proof, count);
	*n = count;
	return PDL_OK;
}

/* SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1, unrolled the same way; `old`
 * is m in absolute terms (m = old - lo) and `whole` is b. */
int pdl_merkle_prove_consistency(const struct pdl_merkle_io *io, uint64_t old_size, uint64_t new_size,
                                 pdl_hash *proof, size_t *n)
{
	uint64_t lo = 0, hi = new_size;
	size_t count = 0;
	int whole = 1;
	int err;

	assert(io && io->get && proof && n);
	*n = 0;
	if (old_size == 0 || old_size > new_size)
		return PDL_EINVAL;
	while (old_size != hi) {
		uint64_t k = split_point(hi - lo);

		assert(lo < old_size && old_size < hi);
		assert(count < PDL_MERKLE_LEVELS_MAX);
		if (old_size <= lo + k) {
			err = pdl_merkle_subtree(io, lo + k, hi, proof[count]);
			hi = lo + k;
		} else {
			err = pdl_merkle_subtree(io, lo, lo + k, proof[count]);
			lo += k;
			whole = 0;
		}
		if (err != PDL_OK)
			return err;
		count++;
	}
	/* The old tree's last subtree; omitted when it is the whole old tree,
	 * whose root the verifier already has. */
	if (!whole) {
		assert(count < PDL_MERKLE_PROOF_MAX);
		err = pdl_merkle_subtree(io, lo, hi, proof[count]);
		if (err != PDL_OK)
			return err;
		count++;
	}
	reverse(proof, count);
	*n = count;
	return PDL_OK;
}

/* Right-shift fn and sn together until fn is odd or zero: skips the levels
 * where the path's node is the lone last node and has no sibling. */
static void skip_lone(uint64_t *fn, uint64_t *sn)
{
	while ((*fn & 1) == 0 && *fn != 0) {
		*fn >>= 1;
		*sn >>= 1;
	}
}

/* r := H(0x01 || l || rr) in place, through m when the node at (level,
 * index) is one it keeps; the memo's slot is taken only when both
 * children match (merkle.h). */
static void memo_hash(struct pdl_merkle_memo *m, unsigned level, uint64_t index, int left_is_proof,
                      const uint8_t *l, const uint8_t *rr, uint8_t out[PDL_HASH_BYTES])
{
	struct pdl_merkle_memo_slot *s;
	uint64_t key;

	if (m == NULL || level < PDL_MERKLE_MEMO_LEVEL_MIN || level > 54 || index >= (UINT64_C(1) << 55)) {
		pdl_merkle_node_hash(l, rr, out);
		return;
	}
	key = ((uint64_t)level + 1) << 56 | (uint64_t)left_is_proof << 55 | index;
	s = &m->slot[(key * UINT64_C(0x9E3779B97F4A7C15)) >> 54];
	_Static_assert(PDL_MERKLE_MEMO_SLOTS == 1024u, "the shift above takes 10 bits");
	if (s->key == key && memcmp(s->l, l, PDL_HASH_BYTES) == 0 && memcmp(s->r, rr, PDL_HASH_BYTES) == 0) {
		memcpy(out, s->parent, PDL_HASH_BYTES);
		return;
	}
	s->key = key;
	memcpy(s->l, l, PDL_HASH_BYTES);
	memcpy(s->r, rr, PDL_HASH_BYTES);
	pdl_merkle_node_hash(s->l, s->r, s->parent);
	memcpy(out, s->parent, PDL_HASH_BYTES);
}

int pdl_merkle_verify_inclusion_memo(struct pdl_merkle_memo *m, const uint8_t leaf[PDL_HASH_BYTES], uint64_t index,
                                     uint64_t size, const pdl_hash *proof, size_t n, const uint8_t root[PDL_HASH_BYTES])
{
	uint8_t r[PDL_HASH_BYTES];
	uint64_t fn, sn;
	unsigned level = 0;

	if (!leaf || !root || (n > 0 && !proof))
		return PDL_EINVAL;
	if (index >= size)
		return PDL_EINVAL;
	if (m != NULL && m->suite != (const void *)pdl_suite()) {
		memset(m->slot, 0, sizeof m->slot);
		m->suite = pdl_suite();
	}
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, sizeof r);
	for (size_t i = 0; i < n; i++) {
		/* Past the root: the proof is too long for this size. */
		if (sn == 0)
			return PDL_EMERKLE;
		if ((fn & 1) || fn == sn) {
			memo_hash(m, level, fn, 1, proof[i], r, r);
			while ((fn & 1) == 0 && fn != 0) { /* skip_lone, counting the levels */
				fn >>= 1;
				sn >>= 1;
				level++;
			}
		} else {
			memo_hash(m, level, fn, 0, r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
		level++;
	}
	/* sn != 0: the proof is too short to reach the root. */
	if (sn != 0 || memcmp(r, root, sizeof r) != 0)
		return PDL_EMERKLE;
	return PDL_OK;
}

int pdl_merkle_verify_inclusion(const uint8_t leaf[PDL_HASH_BYTES], uint64_t index, uint64_t size,
                                const pdl_hash *proof, size_t n, const uint8_t root[PDL_HASH_BYTES])
{
	return pdl_merkle_verify_inclusion_memo(NULL, leaf, index, size, proof, n, root);
}

/* RFC 9162 §2.1.4.2 for 0 < old < new. The RFC leaves old == new to the
 * caller; here it needs an empty proof and equal roots. old == 0 is refused
 * because pdl_merkle_prove_consistency never makes such a proof. */
int pdl_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
                                  const uint8_t old_root[PDL_HASH_BYTES], const uint8_t new_root[PDL_HASH_BYTES],
                                  const pdl_hash *proof, size_t n)
{
	uint8_t fr[PDL_HASH_BYTES];
	uint8_t sr[PDL_HASH_BYTES];
	const uint8_t *first;
	uint64_t fn, sn;
	size_t i = 0;

	if (!old_root || !new_root || (n > 0 && !proof))
		return PDL_EINVAL;
	if (old_size == 0 || old_size > new_size)
		return PDL_EINVAL;
	if (old_size == new_size) {
		if (n != 0 || memcmp(old_root, new_root, PDL_HASH_BYTES) != 0)
			return PDL_EMERKLE;
		return PDL_OK;
	}
	if (n == 0)
		return PDL_EMERKLE;
	/* An old tree of 2^k leaves is one subtree of the new one, and the
	 * proof leaves out its root (step 2): read it as if prepended. */
	if (is_pow2(old_size))
		first = old_root;
	else
		first = proof[i++];
	fn = old_size - 1;
	sn = new_size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, first, sizeof fr);
	memcpy(sr, first, sizeof sr);
	for (; i < n; i++) {
		if (sn == 0)
			return PDL_EMERKLE;
		if ((fn & 1) || fn == sn) {
			pdl_merkle_node_hash(proof[i], fr, fr);
			pdl_merkle_node_hash(proof[i], sr, sr);
			skip_lone(&fn, &sn);
		} else {
			pdl_merkle_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || memcmp(fr, old_root, sizeof fr) != 0 || memcmp(sr, new_root, sizeof sr) != 0)
		return PDL_EMERKLE;
	return PDL_OK;
}

void pdl_merkle_range_init(struct pdl_merkle_range *r)
{
	memset(r, 0, sizeof *r);
}

/* Like pdl_merkle_append with the store replaced by the stack: each set low
 * bit of size is a completed left sibling waiting on top of the stack. */
unsigned pdl_merkle_range_push(struct pdl_merkle_range *r, const uint8_t leaf[PDL_HASH_BYTES], pdl_hash *made)
{
	uint8_t h[PDL_HASH_BYTES];
	uint64_t s = r->size;
	unsigned k = 0;

	assert(r->size < UINT64_MAX);
	assert(r->n == (unsigned)__builtin_popcountll(r->size));
	memcpy(h, leaf, sizeof h);
	while (s & 1) {
		assert(r->n > 0);
		r->n--;
		pdl_merkle_node_hash(r->stack[r->n], h, h);
		if (made != NULL)
			memcpy(made[k], h, sizeof h);
		k++;
		s >>= 1;
	}
	assert(r->n < PDL_MERKLE_LEVELS_MAX);
	memcpy(r->stack[r->n], h, sizeof h);
	r->n++;
	r->size++;
	assert(k == (unsigned)__builtin_ctzll(r->size)); /* one per trailing one of the old size */
	return k;
}

/* MTH splits off the largest complete subtree first, so the root folds the
 * stack from the smallest (top) subtree down. */
void pdl_merkle_range_root(const struct pdl_merkle_range *r, uint8_t out[PDL_HASH_BYTES])
{
	uint8_t h[PDL_HASH_BYTES];

	assert(r->n == (unsigned)__builtin_popcountll(r->size));
	if (r->n == 0) {
		pdl_digest(out, "", 0);
		return;
	}
	memcpy(h, r->stack[r->n - 1], sizeof h);
	for (unsigned j = r->n - 1; j > 0; j--)
		pdl_merkle_node_hash(r->stack[j - 1], h, h);
	memcpy(out, h, sizeof h);
}
