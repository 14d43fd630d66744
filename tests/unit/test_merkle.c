/*
 * test_merkle.c — merkle.c against the Certificate Transparency vectors, a
 * naive RFC 9162 model for every small tree, and a read budget on a big one.
 *
 * The store is an array per level with a "present" byte per node, so a test
 * can see which nodes append wrote and count every get.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "merkle.h"

#define RAND_LEAVES 300u       /* naive model: every size up to this */
#define RAND_CONS_ALL 200u     /* all consistency pairs up to this new size; a third above */
#define RAND_DATA_MAX 40u      /* random leaf data bytes */
#define BIG_LEAVES 131071u     /* 2^17 - 1: ~100k leaves, every popcount worst */
#define BIG_PROBES 3000u

/* ---- in-memory store ---- */

struct store {
	uint64_t cap;                                  /* leaves it can hold */
	uint8_t (*node[PDL_MERKLE_LEVELS_MAX])[PDL_HASH_BYTES];
	uint8_t *have[PDL_MERKLE_LEVELS_MAX];
	unsigned long gets;
	unsigned long puts;
};

static struct store *store_new(uint64_t cap)
{
	struct store *s = calloc(1, sizeof *s);

	assert_non_null(s);
	s->cap = cap;
	for (unsigned l = 0; l < PDL_MERKLE_LEVELS_MAX && (cap >> l) > 0; l++) {
		s->node[l] = calloc(cap >> l, PDL_HASH_BYTES);
		s->have[l] = calloc(cap >> l, 1);
		assert_non_null(s->node[l]);
		assert_non_null(s->have[l]);
	}
	return s;
}

static void store_free(struct store *s)
{
	for (unsigned l = 0; l < PDL_MERKLE_LEVELS_MAX; l++) {
		free(s->node[l]);
		free(s->have[l]);
	}
	free(s);
}

static int store_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct store *s = ctx;

	s->gets++;
	if (level >= PDL_MERKLE_LEVELS_MAX || index >= (s->cap >> level) || !s->have[level][index])
		return PDL_ENOTFOUND;
	memcpy(out, s->node[level][index], PDL_HASH_BYTES);
	return PDL_OK;
}

/* Only complete subtrees fit the per-level arrays, so a put outside them,
 * or a second put of one node, breaks merkle.h's invariant (2). */
static int store_put(void *ctx, unsigned level, uint64_t index, const uint8_t h[32])
{
	struct store *s = ctx;

	s->puts++;
	if (level >= PDL_MERKLE_LEVELS_MAX || index >= (s->cap >> level))
		return PDL_EINVAL;
	if (s->have[level][index])
		return PDL_EINVAL;
	memcpy(s->node[level][index], h, PDL_HASH_BYTES);
	s->have[level][index] = 1;
	return PDL_OK;
}

static struct pdl_merkle_io store_io(struct store *s)
{
	struct pdl_merkle_io io = { store_get, store_put, s };

	return io;
}

/* ---- helpers ---- */

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t len = 0;

	assert_int_equal(sodium_hex2bin(out, cap, hex, strlen(hex), NULL, &len, NULL), 0);
	return len;
}

static void unhex32(const char *hex, uint8_t out[32])
{
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(unhex(hex, out, 32), 32);
}

static void assert_hash_hex(const uint8_t h[32], const char *hex)
{
	uint8_t want[32];

	unhex32(hex, want);
	assert_memory_equal(h, want, 32);
}

/* splitmix64: a fixed seed makes every run test the same trees. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static unsigned bitlen(uint64_t x)
{
	unsigned n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

static const uint8_t some_hash[32] = {
	0xab, 0xac, 0xab, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x60, 0x06, 0x1e, 0x00, 0x12, 0x34,
};

/* Asserts that every corruption of a good inclusion proof is refused
 * (with PDL_EMERKLE or, for impossible sizes, PDL_EINVAL). */
static void inclusion_rejects(const uint8_t leaf[32], uint64_t index, uint64_t size,
                              const pdl_hash *proof, size_t n, const uint8_t root[32])
{
	pdl_hash bad[PDL_MERKLE_PROOF_MAX + 1];
	uint8_t wrong_leaf[32];
	const uint64_t wrong_index[] = { index - 1, index + 1, index ^ 1, index ^ 2 };
	/* As in consistency_rejects: only sizes that change the path length. */
	const uint64_t wrong_size[] = { size * 2, size / 2 };

	assert_true(n < PDL_MERKLE_PROOF_MAX);
	for (size_t j = 0; j < sizeof wrong_index / sizeof wrong_index[0]; j++) {
		if (wrong_index[j] == index)
			continue;
		assert_int_not_equal(pdl_merkle_verify_inclusion(leaf, wrong_index[j], size, proof, n, root),
		                     PDL_OK);
	}
	for (size_t j = 0; j < sizeof wrong_size / sizeof wrong_size[0]; j++)
		assert_int_not_equal(pdl_merkle_verify_inclusion(leaf, index, wrong_size[j], proof, n, root),
		                     PDL_OK);
	memcpy(wrong_leaf, leaf, 32);
	wrong_leaf[31] ^= 1;
	assert_int_equal(pdl_merkle_verify_inclusion(wrong_leaf, index, size, proof, n, root), PDL_EMERKLE);
	assert_int_equal(pdl_merkle_verify_inclusion(leaf, index, size, proof, n, some_hash), PDL_EMERKLE);

	/* One flipped bit in each element. */
	for (size_t i = 0; i < n; i++) {
		memcpy(bad, proof, n * sizeof *proof);
		bad[i][i % 32] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(pdl_merkle_verify_inclusion(leaf, index, size, (const pdl_hash *)bad, n, root),
		                 PDL_EMERKLE);
	}
	/* Trailing and preceding garbage; a missing last element. */
	memcpy(bad, proof, n * sizeof *proof);
	memcpy(bad[n], root, 32);
	assert_int_equal(pdl_merkle_verify_inclusion(leaf, index, size, (const pdl_hash *)bad, n + 1, root),
	                 PDL_EMERKLE);
	memcpy(bad[0], root, 32);
	memcpy(bad + 1, proof, n * sizeof *proof);
	assert_int_equal(pdl_merkle_verify_inclusion(leaf, index, size, (const pdl_hash *)bad, n + 1, root),
	                 PDL_EMERKLE);
	if (n > 0)
		assert_int_equal(pdl_merkle_verify_inclusion(leaf, index, size, proof, n - 1, root),
		                 PDL_EMERKLE);
}

/* Same for a consistency proof between different sizes. */
static void consistency_rejects(uint64_t old_size, uint64_t new_size, const uint8_t old_root[32],
                                const uint8_t new_root[32], const pdl_hash *proof, size_t n)
{
	pdl_hash bad[PDL_MERKLE_PROOF_MAX + 1];
	const uint64_t wrong_old[] = { old_size - 1, old_size + 1, old_size ^ 2 };
	/* Not new_size + 1: sizes whose trees share the proof's shape (6 -> 7
	 * and 6 -> 8, say) verify the same path, and RFC 9162 checks the path,
	 * not the size. Doubling or halving always changes the path's length. */
	const uint64_t wrong_new[] = { new_size * 2, new_size / 2 };

	assert_true(old_size < new_size);
	assert_true(n > 0 && n < PDL_MERKLE_PROOF_MAX);
	for (size_t j = 0; j < sizeof wrong_old / sizeof wrong_old[0]; j++) {
		if (wrong_old[j] == old_size)
			continue;
		assert_int_not_equal(pdl_merkle_verify_consistency(wrong_old[j], new_size, old_root, new_root,
		                                                   proof, n),
		                     PDL_OK);
	}
	for (size_t j = 0; j < sizeof wrong_new / sizeof wrong_new[0]; j++)
		assert_int_not_equal(pdl_merkle_verify_consistency(old_size, wrong_new[j], old_root, new_root,
		                                                   proof, n),
		                     PDL_OK);
	assert_int_equal(pdl_merkle_verify_consistency(old_size, new_size, new_root, old_root, proof, n),
	                 PDL_EMERKLE);
	assert_int_equal(pdl_merkle_verify_consistency(old_size, new_size, some_hash, new_root, proof, n),
	                 PDL_EMERKLE);
	assert_int_equal(pdl_merkle_verify_consistency(old_size, new_size, old_root, some_hash, proof, n),
	                 PDL_EMERKLE);
	assert_int_equal(pdl_merkle_verify_consistency(old_size, new_size, old_root, new_root, NULL, 0),
	                 PDL_EMERKLE);

	for (size_t i = 0; i < n; i++) {
		memcpy(bad, proof, n * sizeof *proof);
		bad[i][(i * 7) % 32] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(pdl_merkle_verify_consistency(old_size, new_size, old_root, new_root,
		                                               (const pdl_hash *)bad, n),
		                 PDL_EMERKLE);
	}
	memcpy(bad, proof, n * sizeof *proof);
	memcpy(bad[n], old_root, 32);
	assert_int_equal(pdl_merkle_verify_consistency(old_size, new_size, old_root, new_root,
	                                               (const pdl_hash *)bad, n + 1),
	                 PDL_EMERKLE);
	memcpy(bad[0], new_root, 32);
	memcpy(bad + 1, proof, n * sizeof *proof);
	assert_int_equal(pdl_merkle_verify_consistency(old_size, new_size, old_root, new_root,
	                                               (const pdl_hash *)bad, n + 1),
	                 PDL_EMERKLE);
	memcpy(bad[0], proof[0], 32);
	assert_int_equal(pdl_merkle_verify_consistency(old_size, new_size, old_root, new_root,
	                                               (const pdl_hash *)bad, n + 1),
	                 PDL_EMERKLE);
	assert_int_equal(pdl_merkle_verify_consistency(old_size, new_size, old_root, new_root, proof, n - 1),
	                 PDL_EMERKLE);
}

/* ---- a. Certificate Transparency vectors ---- */

/*
 * The eight-leaf tree of the CT test suite, as published in
 * github.com/transparency-dev/merkle (testonly/constants.go and
 * proof/verify_test.go; earlier in certificate-transparency's
 * merkle_tree_test.cc and trillian's merkle/testonly).
 */
static const char *const ct_leaves[8] = {
	"", "00", "10", "2021", "3031", "40414243",
	"5051525354555657", "606162636465666768696a6b6c6d6e6f",
};

static const char *const ct_empty_root =
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static const char *const ct_roots[8] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* Every complete subtree of the 8-leaf tree, by level and index. */
static const struct {
	unsigned level;
	uint64_t index;
	const char *hex;
} ct_nodes[] = {
	{ 0, 0, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d" },
	{ 0, 1, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7" },
	{ 0, 2, "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7" },
	{ 0, 3, "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7" },
	{ 0, 4, "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" },
	{ 0, 5, "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658" },
	{ 0, 6, "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f" },
	{ 0, 7, "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1" },
	{ 1, 0, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" },
	{ 1, 1, "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e" },
	{ 1, 2, "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a" },
	{ 1, 3, "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0" },
	{ 2, 0, "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" },
	{ 2, 1, "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" },
	{ 3, 0, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328" },
};

/* Inclusion paths; the source numbers leaves from 1, these from 0. */
static const struct {
	uint64_t index, size;
	size_t n;
	const char *path[3];
} ct_inclusion[] = {
	{ 0, 1, 0, { NULL } },
	{ 0, 8, 3, {
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	} },
	{ 5, 8, 3, {
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	} },
	{ 2, 3, 1, {
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	} },
	{ 1, 5, 3, {
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	} },
};

static const struct {
	uint64_t old_size, new_size;
	size_t n;
	const char *path[3];
} ct_consistency[] = {
	{ 1, 1, 0, { NULL } },
	{ 1, 8, 3, {
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	} },
	{ 6, 8, 3, {
		"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	} },
	{ 2, 5, 2, {
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	} },
	{ 6, 7, 3, {
		"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	} },
};

/* Compact range contents after each size, as (level, index) of ct_nodes. */
static const struct {
	unsigned n;
	unsigned level[3];
	uint64_t index[3];
} ct_compact[9] = {
	{ 0, { 0 }, { 0 } },
	{ 1, { 0 }, { 0 } },
	{ 1, { 1 }, { 0 } },
	{ 2, { 1, 0 }, { 0, 2 } },
	{ 1, { 2 }, { 0 } },
	{ 2, { 2, 0 }, { 0, 4 } },
	{ 2, { 2, 1 }, { 0, 2 } },
	{ 3, { 2, 1, 0 }, { 0, 2, 6 } },
	{ 1, { 3 }, { 0 } },
};

static const char *ct_node_hex(unsigned level, uint64_t index)
{
	for (size_t i = 0; i < sizeof ct_nodes / sizeof ct_nodes[0]; i++)
		if (ct_nodes[i].level == level && ct_nodes[i].index == index)
			return ct_nodes[i].hex;
	fail_msg("no CT node (%u, %llu)", level, (unsigned long long)index);
	return NULL;
}

struct ct_tree {
	struct store *s;
	struct pdl_merkle_io io;
	uint8_t leaf[8][32];
};

static void ct_build(struct ct_tree *t)
{
	uint8_t data[16];

	t->s = store_new(8);
	t->io = store_io(t->s);
	for (uint64_t i = 0; i < 8; i++) {
		size_t len = unhex(ct_leaves[i], data, sizeof data);

		pdl_merkle_leaf_hash(data, len, t->leaf[i]);
		assert_int_equal(pdl_merkle_append(&t->io, i, t->leaf[i]), PDL_OK);
	}
}

static void test_ct_roots(void **state)
{
	struct ct_tree t;
	struct pdl_merkle_range r;
	uint8_t h[32];

	(void)state;
	ct_build(&t);
	assert_int_equal(pdl_merkle_root(&t.io, 0, h), PDL_OK);
	assert_hash_hex(h, ct_empty_root);
	for (uint64_t size = 1; size <= 8; size++) {
		assert_int_equal(pdl_merkle_root(&t.io, size, h), PDL_OK);
		assert_hash_hex(h, ct_roots[size - 1]);
	}
	/* Append stored exactly the complete subtrees (invariant (2)). */
	for (size_t i = 0; i < sizeof ct_nodes / sizeof ct_nodes[0]; i++) {
		assert_true(t.s->have[ct_nodes[i].level][ct_nodes[i].index]);
		assert_hash_hex(t.s->node[ct_nodes[i].level][ct_nodes[i].index], ct_nodes[i].hex);
	}
	assert_int_equal(t.s->puts, sizeof ct_nodes / sizeof ct_nodes[0]);

	pdl_merkle_range_init(&r);
	pdl_merkle_range_root(&r, h);
	assert_hash_hex(h, ct_empty_root);
	for (uint64_t size = 1; size <= 8; size++) {
		pdl_merkle_range_push(&r, t.leaf[size - 1], NULL);
		assert_int_equal(r.size, size);
		assert_int_equal(r.n, ct_compact[size].n);
		for (unsigned j = 0; j < r.n; j++)
			assert_hash_hex(r.stack[j], ct_node_hex(ct_compact[size].level[j], ct_compact[size].index[j]));
		pdl_merkle_range_root(&r, h);
		assert_hash_hex(h, ct_roots[size - 1]);
	}
	store_free(t.s);
}

static void test_ct_partial_store(void **state)
{
	struct store *s = store_new(8);
	struct pdl_merkle_io io = store_io(s);
	uint8_t data[16], leaf[32];

	(void)state;
	/* After 7 leaves, nodes (1, 3) and (2, 1) must not exist yet. */
	for (uint64_t i = 0; i < 7; i++) {
		size_t len = unhex(ct_leaves[i], data, sizeof data);

		pdl_merkle_leaf_hash(data, len, leaf);
		assert_int_equal(pdl_merkle_append(&io, i, leaf), PDL_OK);
	}
	assert_false(s->have[1][3]);
	assert_false(s->have[2][1]);
	assert_false(s->have[3][0]);
	assert_true(s->have[0][6]);
	assert_true(s->have[1][2]);
	assert_true(s->have[2][0]);
	store_free(s);
}

static void test_ct_inclusion(void **state)
{
	struct ct_tree t;
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	uint8_t root[32];
	size_t n;

	(void)state;
	ct_build(&t);
	for (size_t v = 0; v < sizeof ct_inclusion / sizeof ct_inclusion[0]; v++) {
		uint64_t index = ct_inclusion[v].index, size = ct_inclusion[v].size;

		assert_int_equal(pdl_merkle_prove_inclusion(&t.io, index, size, proof, &n), PDL_OK);
		assert_int_equal(n, ct_inclusion[v].n);
		for (size_t i = 0; i < n; i++)
			assert_hash_hex(proof[i], ct_inclusion[v].path[i]);
		unhex32(ct_roots[size - 1], root);
		assert_int_equal(pdl_merkle_verify_inclusion(t.leaf[index], index, size,
		                                             (const pdl_hash *)proof, n, root),
		                 PDL_OK);
		inclusion_rejects(t.leaf[index], index, size, (const pdl_hash *)proof, n, root);
	}
	store_free(t.s);
}

static void test_ct_consistency(void **state)
{
	struct ct_tree t;
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	uint8_t r1[32], r2[32];
	size_t n;

	(void)state;
	ct_build(&t);
	for (size_t v = 0; v < sizeof ct_consistency / sizeof ct_consistency[0]; v++) {
		uint64_t m = ct_consistency[v].old_size, sz = ct_consistency[v].new_size;

		assert_int_equal(pdl_merkle_prove_consistency(&t.io, m, sz, proof, &n), PDL_OK);
		assert_int_equal(n, ct_consistency[v].n);
		for (size_t i = 0; i < n; i++)
			assert_hash_hex(proof[i], ct_consistency[v].path[i]);
		unhex32(ct_roots[m - 1], r1);
		unhex32(ct_roots[sz - 1], r2);
		assert_int_equal(pdl_merkle_verify_consistency(m, sz, r1, r2, (const pdl_hash *)proof, n),
		                 PDL_OK);
		if (m < sz)
			consistency_rejects(m, sz, r1, r2, (const pdl_hash *)proof, n);
	}
	store_free(t.s);
}

/* The edge cases of RFC 9162 §2.1.4.2 and of the API's size rules. */
static void test_verify_edges(void **state)
{
	uint8_t a[32], b[32], leaf[32];
	pdl_hash one[1];

	(void)state;
	unhex32(ct_roots[0], a);
	unhex32(ct_roots[1], b);
	memcpy(one[0], a, 32);

	/* old == new: only an empty proof and equal roots. */
	assert_int_equal(pdl_merkle_verify_consistency(1, 1, a, a, NULL, 0), PDL_OK);
	assert_int_equal(pdl_merkle_verify_consistency(5, 5, b, b, NULL, 0), PDL_OK);
	assert_int_equal(pdl_merkle_verify_consistency(1, 1, a, b, NULL, 0), PDL_EMERKLE);
	assert_int_equal(pdl_merkle_verify_consistency(1, 1, a, a, (const pdl_hash *)one, 1), PDL_EMERKLE);
	/* old < new needs a proof. */
	assert_int_equal(pdl_merkle_verify_consistency(1, 2, a, b, NULL, 0), PDL_EMERKLE);
	/* Impossible sizes. */
	assert_int_equal(pdl_merkle_verify_consistency(0, 0, a, a, NULL, 0), PDL_EINVAL);
	assert_int_equal(pdl_merkle_verify_consistency(0, 1, a, b, NULL, 0), PDL_EINVAL);
	assert_int_equal(pdl_merkle_verify_consistency(2, 1, b, a, NULL, 0), PDL_EINVAL);

	/* A one-leaf tree: its root is the leaf hash and the proof is empty. */
	pdl_merkle_leaf_hash("data", 4, leaf);
	assert_int_equal(pdl_merkle_verify_inclusion(leaf, 0, 1, NULL, 0, leaf), PDL_OK);
	assert_int_equal(pdl_merkle_verify_inclusion(leaf, 0, 1, NULL, 0, a), PDL_EMERKLE);
	assert_int_equal(pdl_merkle_verify_inclusion(leaf, 0, 1, (const pdl_hash *)one, 1, leaf), PDL_EMERKLE);
	assert_int_equal(pdl_merkle_verify_inclusion(leaf, 0, 0, NULL, 0, leaf), PDL_EINVAL);
	assert_int_equal(pdl_merkle_verify_inclusion(leaf, 1, 1, NULL, 0, leaf), PDL_EINVAL);
	assert_int_equal(pdl_merkle_verify_inclusion(leaf, 2, 1, NULL, 0, leaf), PDL_EINVAL);
}

static void test_prove_errors(void **state)
{
	struct ct_tree t;
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	uint8_t h[32];
	size_t n;

	(void)state;
	ct_build(&t);
	assert_int_equal(pdl_merkle_prove_inclusion(&t.io, 0, 0, proof, &n), PDL_EINVAL);
	assert_int_equal(pdl_merkle_prove_inclusion(&t.io, 8, 8, proof, &n), PDL_EINVAL);
	assert_int_equal(pdl_merkle_prove_consistency(&t.io, 0, 8, proof, &n), PDL_EINVAL);
	assert_int_equal(pdl_merkle_prove_consistency(&t.io, 5, 4, proof, &n), PDL_EINVAL);
	assert_int_equal(pdl_merkle_subtree(&t.io, 3, 3, h), PDL_EINVAL);
	/* Past the stored tree, the store's error comes back unchanged. */
	assert_int_equal(pdl_merkle_root(&t.io, 9, h), PDL_ENOTFOUND);
	assert_int_equal(pdl_merkle_prove_inclusion(&t.io, 0, 9, proof, &n), PDL_ENOTFOUND);
	assert_int_equal(n, 0);
	assert_int_equal(pdl_merkle_prove_consistency(&t.io, 3, 9, proof, &n), PDL_ENOTFOUND);
	assert_int_equal(n, 0);
	/* An unaligned range is still its own RFC tree: [1, 3) is leaves 1, 2. */
	assert_int_equal(pdl_merkle_subtree(&t.io, 1, 3, h), PDL_OK);
	{
		uint8_t want[32];

		pdl_merkle_node_hash(t.leaf[1], t.leaf[2], want);
		assert_memory_equal(h, want, 32);
	}
	store_free(t.s);
}

/* ---- b. naive RFC 9162 model ---- */

struct model {
	uint8_t leaf[RAND_LEAVES][32];
	uint8_t (*memo)[RAND_LEAVES + 1][32]; /* memo[lo][hi] */
	uint8_t (*have)[RAND_LEAVES + 1];
};

static uint64_t naive_k(uint64_t n)
{
	uint64_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

/* MTH straight from the definition, no stored nodes and no cache. */
static void naive_mth(const struct model *m, uint64_t lo, uint64_t hi, uint8_t out[32])
{
	uint8_t l[32], r[32];
	uint64_t k;

	if (hi - lo == 1) {
		memcpy(out, m->leaf[lo], 32);
		return;
	}
	k = naive_k(hi - lo);
	naive_mth(m, lo, lo + k, l);
	naive_mth(m, lo + k, hi, r);
	pdl_merkle_node_hash(l, r, out);
}

/* The same, remembered per range, so that all-pairs proofs stay fast. */
static const uint8_t *memo_mth(struct model *m, uint64_t lo, uint64_t hi)
{
	if (!m->have[lo][hi]) {
		if (hi - lo == 1) {
			memcpy(m->memo[lo][hi], m->leaf[lo], 32);
		} else {
			uint64_t k = naive_k(hi - lo);

			pdl_merkle_node_hash(memo_mth(m, lo, lo + k), memo_mth(m, lo + k, hi), m->memo[lo][hi]);
		}
		m->have[lo][hi] = 1;
	}
	return m->memo[lo][hi];
}

/* PATH(m, D[lo:hi]) of RFC 9162 §2.1.3.1, recursively. */
static void naive_path(struct model *md, uint64_t m, uint64_t lo, uint64_t hi, pdl_hash *out, size_t *n)
{
	uint64_t k;

	if (hi - lo == 1)
		return;
	k = naive_k(hi - lo);
	if (m < k) {
		naive_path(md, m, lo, lo + k, out, n);
		memcpy(out[(*n)++], memo_mth(md, lo + k, hi), 32);
	} else {
		naive_path(md, m - k, lo + k, hi, out, n);
		memcpy(out[(*n)++], memo_mth(md, lo, lo + k), 32);
	}
}

/* SUBPROOF(m, D[lo:hi], b) of RFC 9162 §2.1.4.1, recursively. */
static void naive_subproof(struct model *md, uint64_t m, uint64_t lo, uint64_t hi, int b,
                           pdl_hash *out, size_t *n)
{
	uint64_t k;

	if (m == hi - lo) {
		if (!b)
			memcpy(out[(*n)++], memo_mth(md, lo, hi), 32);
		return;
	}
	k = naive_k(hi - lo);
	if (m <= k) {
		naive_subproof(md, m, lo, lo + k, b, out, n);
		memcpy(out[(*n)++], memo_mth(md, lo + k, hi), 32);
	} else {
		naive_subproof(md, m - k, lo + k, hi, 0, out, n);
		memcpy(out[(*n)++], memo_mth(md, lo, lo + k), 32);
	}
}

static void test_random_vs_naive(void **state)
{
	struct model *md = calloc(1, sizeof *md);
	struct store *s = store_new(RAND_LEAVES);
	struct pdl_merkle_io io = store_io(s);
	struct pdl_merkle_range range;
	pdl_hash got[PDL_MERKLE_PROOF_MAX], want[PDL_MERKLE_PROOF_MAX];
	uint8_t data[RAND_DATA_MAX];
	uint8_t h[32], naive[32];
	unsigned long incl = 0, cons = 0;
	size_t n, wn;

	(void)state;
	assert_non_null(md);
	md->memo = calloc(RAND_LEAVES + 1, sizeof *md->memo);
	md->have = calloc(RAND_LEAVES + 1, sizeof *md->have);
	assert_non_null(md->memo);
	assert_non_null(md->have);
	rng_state = 6962;
	pdl_merkle_range_init(&range);
	for (uint64_t i = 0; i < RAND_LEAVES; i++) {
		size_t len = (size_t)(rng_next() % (RAND_DATA_MAX + 1));

		for (size_t j = 0; j < len; j++)
			data[j] = (uint8_t)rng_next();
		pdl_merkle_leaf_hash(data, len, md->leaf[i]);
		assert_int_equal(pdl_merkle_append(&io, i, md->leaf[i]), PDL_OK);

		/* d. the compact range agrees at every size. */
		pdl_merkle_range_push(&range, md->leaf[i], NULL);
		pdl_merkle_range_root(&range, h);
		assert_int_equal(pdl_merkle_root(&io, i + 1, naive), PDL_OK);
		assert_memory_equal(h, naive, 32);
	}

	for (uint64_t size = 1; size <= RAND_LEAVES; size++) {
		uint8_t root[32];

		assert_int_equal(pdl_merkle_root(&io, size, root), PDL_OK);
		naive_mth(md, 0, size, naive);
		assert_memory_equal(root, naive, 32);

		for (uint64_t index = 0; index < size; index++) {
			assert_int_equal(pdl_merkle_prove_inclusion(&io, index, size, got, &n), PDL_OK);
			wn = 0;
			naive_path(md, index, 0, size, want, &wn);
			assert_int_equal(n, wn);
			assert_memory_equal(got, want, n * sizeof *got);
			assert_int_equal(pdl_merkle_verify_inclusion(md->leaf[index], index, size,
			                                             (const pdl_hash *)got, n, root),
			                 PDL_OK);
			inclusion_rejects(md->leaf[index], index, size, (const pdl_hash *)got, n, root);
			incl++;
		}
	}

	for (uint64_t new_size = 1; new_size <= RAND_LEAVES; new_size++) {
		const uint8_t *new_root = memo_mth(md, 0, new_size);

		for (uint64_t old_size = 1; old_size <= new_size; old_size++) {
			const uint8_t *old_root = memo_mth(md, 0, old_size);

			/* Past RAND_CONS_ALL, a deterministic third of the pairs. */
			if (new_size > RAND_CONS_ALL && old_size != new_size && rng_next() % 3 != 0)
				continue;
			assert_int_equal(pdl_merkle_prove_consistency(&io, old_size, new_size, got, &n), PDL_OK);
			wn = 0;
			if (old_size < new_size)
				naive_subproof(md, old_size, 0, new_size, 1, want, &wn);
			assert_int_equal(n, wn);
			assert_memory_equal(got, want, n * sizeof *got);
			assert_int_equal(pdl_merkle_verify_consistency(old_size, new_size, old_root, new_root,
			                                               (const pdl_hash *)got, n),
			                 PDL_OK);
			if (old_size < new_size)
				consistency_rejects(old_size, new_size, old_root, new_root, (const pdl_hash *)got, n);
			cons++;
		}
	}
	print_message("naive model: %lu inclusion and %lu consistency proofs\n", incl, cons);

	free(md->memo);
	free(md->have);
	free(md);
	store_free(s);
}

/* ---- c. read budget on a large tree ---- */

static void check_budget(unsigned long gets, uint64_t size, unsigned long *worst)
{
	/* Walk of bitlen(size - 1) levels, one incomplete sibling of at most
	 * that many nodes, and one more for the old tree's last subtree. */
	unsigned long budget = 2ul * bitlen(size - 1) + 1;

	if (gets > budget)
		fail_msg("size %llu: %lu reads > %lu", (unsigned long long)size, gets, budget);
	if (gets > *worst)
		*worst = gets;
}

static void test_big_tree_reads(void **state)
{
	struct store *s = store_new(BIG_LEAVES);
	struct pdl_merkle_io io = store_io(s);
	struct pdl_merkle_range range;
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	uint8_t *roots = malloc((size_t)(BIG_LEAVES + 1) * 32);
	uint8_t (*leaf)[32] = malloc((size_t)BIG_LEAVES * 32);
	unsigned long worst_incl = 0, worst_cons = 0, worst_root = 0;
	uint8_t h[32];
	size_t n;

	(void)state;
	assert_non_null(roots);
	assert_non_null(leaf);
	pdl_merkle_range_init(&range);
	pdl_merkle_range_root(&range, roots);
	for (uint64_t i = 0; i < BIG_LEAVES; i++) {
		uint8_t data[8];

		for (unsigned j = 0; j < 8; j++)
			data[j] = (uint8_t)(i >> (8 * j));
		pdl_merkle_leaf_hash(data, sizeof data, leaf[i]);
		assert_int_equal(pdl_merkle_append(&io, i, leaf[i]), PDL_OK);
		pdl_merkle_range_push(&range, leaf[i], NULL);
		pdl_merkle_range_root(&range, roots + (i + 1) * 32);
	}
	/* About two hashes stored per leaf. */
	assert_true(s->puts < 2ul * BIG_LEAVES);

	/* One read for an aligned power-of-two range. */
	s->gets = 0;
	assert_int_equal(pdl_merkle_subtree(&io, 65536, 98304, h), PDL_OK);
	assert_int_equal(s->gets, 1);
	assert_memory_equal(h, s->node[15][2], 32);

	rng_state = 9162;
	for (unsigned p = 0; p < BIG_PROBES; p++) {
		/* The largest sizes plus random ones; worst popcounts included. */
		uint64_t size = p < 4 ? BIG_LEAVES - p : 1 + rng_next() % BIG_LEAVES;
		uint64_t index = p == 0 ? 0 : p == 1 ? size - 1 : rng_next() % size;
		uint64_t old_size = p == 0 ? 1 : p == 1 ? size - 1 : p == 2 ? size : 1 + rng_next() % size;

		s->gets = 0;
		assert_int_equal(pdl_merkle_root(&io, size, h), PDL_OK);
		assert_memory_equal(h, roots + size * 32, 32);
		check_budget(s->gets, size, &worst_root);

		s->gets = 0;
		assert_int_equal(pdl_merkle_prove_inclusion(&io, index, size, proof, &n), PDL_OK);
		check_budget(s->gets, size, &worst_incl);
		assert_int_equal(pdl_merkle_verify_inclusion(leaf[index], index, size, (const pdl_hash *)proof,
		                                             n, roots + size * 32),
		                 PDL_OK);

		s->gets = 0;
		assert_int_equal(pdl_merkle_prove_consistency(&io, old_size, size, proof, &n), PDL_OK);
		check_budget(s->gets, size, &worst_cons);
		assert_int_equal(pdl_merkle_verify_consistency(old_size, size, roots + old_size * 32,
		                                               roots + size * 32, (const pdl_hash *)proof, n),
		                 PDL_OK);
	}
	/* The brief's budget: well under 3 log2 n. */
	assert_true(worst_incl <= 3ul * 17);
	assert_true(worst_cons <= 3ul * 17);
	print_message("%u leaves: worst reads root %lu, inclusion %lu, consistency %lu\n", BIG_LEAVES,
	              worst_root, worst_incl, worst_cons);
	free(leaf);
	free(roots);
	store_free(s);
}

/* The memo of upper node hashes (pdl_merkle_verify_inclusion_memo) gives
 * the plain check's answer for every proof, good or corrupted, cold and
 * warm, across trees of several sizes whose right edges differ (slots of
 * the same position with other children must not be taken). */
static void test_verify_memo(void **state)
{
	enum { LEAVES = 3000 };
	const uint64_t sizes[] = { 3000, 2999, 2048, 1500, 3000 };
	struct store *s = store_new(4096);
	struct pdl_merkle_io io = store_io(s);
	struct pdl_merkle_memo *memo = calloc(1, sizeof *memo);
	uint8_t leaf[32], root[32];
	pdl_hash proof[PDL_MERKLE_PROOF_MAX], bad[PDL_MERKLE_PROOF_MAX];
	size_t n, used = 0;

	(void)state;
	assert_non_null(memo);
	rng_state = 77;
	for (uint64_t i = 0; i < LEAVES; i++) {
		for (unsigned b = 0; b < 32; b += 8) {
			uint64_t x = rng_next();
			memcpy(leaf + b, &x, 8);
		}
		assert_int_equal(pdl_merkle_append(&io, i, leaf), PDL_OK);
	}
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		uint64_t size = sizes[k];
		assert_int_equal(pdl_merkle_root(&io, size, root), PDL_OK);
		for (uint64_t i = k; i < size; i += 23) {
			assert_int_equal(store_get(s, 0, i, leaf), PDL_OK);
			assert_int_equal(pdl_merkle_prove_inclusion(&io, i, size, proof, &n), PDL_OK);
			assert_int_equal(pdl_merkle_verify_inclusion_memo(memo, leaf, i, size, proof, n, root), PDL_OK);
			assert_int_equal(pdl_merkle_verify_inclusion_memo(memo, leaf, i, size, proof, n, some_hash),
			                 PDL_EMERKLE);
			for (size_t j = 0; j < n; j++) { /* a flipped bit in each element, the memo warm */
				memcpy(bad, proof, n * sizeof *proof);
				bad[j][(i + j) % 32] ^= 0x10;
				assert_int_equal(pdl_merkle_verify_inclusion_memo(memo, leaf, i, size, (const pdl_hash *)bad, n,
				                                                  root),
				                 PDL_EMERKLE);
			}
			leaf[5] ^= 1;
			assert_int_equal(pdl_merkle_verify_inclusion_memo(memo, leaf, i, size, proof, n, root), PDL_EMERKLE);
			if (n > 0)
				assert_int_equal(pdl_merkle_verify_inclusion_memo(memo, leaf, i, size, proof, n - 1, root),
				                 PDL_EMERKLE);
		}
	}
	for (unsigned i = 0; i < PDL_MERKLE_MEMO_SLOTS; i++)
		used += memo->slot[i].key != 0;
	assert_true(used > 0); /* levels >= PDL_MERKLE_MEMO_LEVEL_MIN were kept */
	free(memo);
	store_free(s);
}

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ct_roots),
		cmocka_unit_test(test_ct_partial_store),
		cmocka_unit_test(test_ct_inclusion),
		cmocka_unit_test(test_ct_consistency),
		cmocka_unit_test(test_verify_edges),
		cmocka_unit_test(test_prove_errors),
		cmocka_unit_test(test_random_vs_naive),
		cmocka_unit_test(test_big_tree_reads),
		cmocka_unit_test(test_verify_memo),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
