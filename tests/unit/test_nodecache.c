/* test_nodecache.c — the upper tree nodes kept for readers (lib/nodecache.h):
 * what is put comes back until its slot is taken; lower levels are never
 * kept; proofs through the cache equal proofs without it, cold and warm;
 * and threads that fill and read the same slots never see a torn or
 * wrong hash (invariant 2). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "merkle.h"
#include "nodecache.h"

/* A node's stand-in hash, a function of (level, index) alone, so a reader
 * can tell a right copy from a torn one. */
static void
fake_hash(unsigned level, uint64_t index, uint8_t h[PDL_HASH_BYTES])
{
	uint64_t x = (uint64_t)level * 0x100000001B3u ^ index;
	for (unsigned i = 0; i < PDL_HASH_BYTES / 8; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		memcpy(h + 8 * i, &x, 8);
	}
}

static void
test_put_get(void **state)
{
	(void)state;
	struct pdl_nodecache c;
	uint8_t h[PDL_HASH_BYTES], got[PDL_HASH_BYTES];
	assert_int_equal(pdl_nodecache_init(&c, 8), PDL_OK);
	assert_int_equal(pdl_nodecache_get(&c, 8, 0, got), 0); /* empty */
	fake_hash(8, 0, h);
	pdl_nodecache_put(&c, 8, 0, h);
	memset(got, 0, sizeof got);
	assert_int_equal(pdl_nodecache_get(&c, 8, 0, got), 1);
	assert_memory_equal(got, h, sizeof h);
	assert_int_equal(pdl_nodecache_get(&c, 9, 0, got), 0); /* same index, other level */
	assert_int_equal(pdl_nodecache_get(&c, 8, 1, got), 0);
	/* below level_min: never kept */
	fake_hash(7, 3, h);
	pdl_nodecache_put(&c, 7, 3, h);
	assert_int_equal(pdl_nodecache_get(&c, 7, 3, got), 0);
	/* many keys: each one that comes back is right, and most do */
	unsigned hits = 0, n = PDL_NODECACHE_SLOTS / 2;
	for (unsigned i = 0; i < n; i++) {
		fake_hash(10 + i % 5, i, h);
		pdl_nodecache_put(&c, 10 + i % 5, i, h);
	}
	for (unsigned i = 0; i < n; i++) {
		if (pdl_nodecache_get(&c, 10 + i % 5, i, got)) {
			fake_hash(10 + i % 5, i, h);
			assert_memory_equal(got, h, sizeof h);
			hits++;
		}
	}
	assert_true(hits > n / 2); /* direct-mapped at half load: most keys own their slot */
	assert_true(hits < n || n == 0);
	pdl_nodecache_free(&c);
	assert_null(c.slots);
	assert_int_equal(pdl_nodecache_get(&c, 8, 0, got), 0); /* freed: all misses, no crash */
	pdl_nodecache_put(&c, 8, 0, h);
}

/* A tree of leaves in arrays (node (l, i) at t->n[l][i]), read through the
 * cache as the store's tree_get_cached does, counting the reads that miss. */
#define LEAVES 5000u
struct tree {
	pdl_hash *n[16];
	uint64_t count[16];
	struct pdl_nodecache *c;
	unsigned reads, plain_reads;
};

static int
arr_get(void *ctx, unsigned level, uint64_t index, uint8_t out[PDL_HASH_BYTES])
{
	struct tree *t = ctx;
	if (level >= 16 || index >= t->count[level])
		return PDL_ENOTFOUND;
	memcpy(out, t->n[level][index], PDL_HASH_BYTES);
	return PDL_OK;
}

static int
arr_put(void *ctx, unsigned level, uint64_t index, const uint8_t h[PDL_HASH_BYTES])
{
	struct tree *t = ctx;
	assert_true(level < 16);
	assert_int_equal(index, t->count[level]);
	t->n[level] = realloc(t->n[level], (index + 1) * sizeof(pdl_hash));
	memcpy(t->n[level][index], h, PDL_HASH_BYTES);
	t->count[level]++;
	return PDL_OK;
}

static int
plain_get(void *ctx, unsigned level, uint64_t index, uint8_t out[PDL_HASH_BYTES])
{
	((struct tree *)ctx)->plain_reads++;
	return arr_get(ctx, level, index, out);
}

/* arr_get counting the reads that reach the tree */
static int
counted_get(void *ctx, unsigned level, uint64_t index, uint8_t out[PDL_HASH_BYTES])
{
	((struct tree *)ctx)->reads++;
	return arr_get(ctx, level, index, out);
}

static int
cached_get(void *ctx, unsigned level, uint64_t index, uint8_t out[PDL_HASH_BYTES])
{
	return pdl_nodecache_read(((struct tree *)ctx)->c, counted_get, ctx, level, index, out);
}

static void
test_proofs_through_cache(void **state)
{
	(void)state;
	struct pdl_nodecache c;
	struct tree t = {{0}, {0}, &c, 0, 0};
	struct pdl_merkle_io w = {arr_get, arr_put, &t}, plain = {plain_get, NULL, &t}, cached = {cached_get, NULL, &t};
	uint8_t leaf[PDL_HASH_BYTES];
	pdl_hash a[PDL_MERKLE_PROOF_MAX], b[PDL_MERKLE_PROOF_MAX];
	size_t na, nb;
	assert_int_equal(pdl_nodecache_init(&c, 2), PDL_OK);
	for (uint64_t i = 0; i < LEAVES; i++) {
		pdl_merkle_leaf_hash(&i, sizeof i, leaf);
		assert_int_equal(pdl_merkle_append(&w, i, leaf), PDL_OK);
	}
	for (int round = 0; round < 2; round++) {
		t.reads = t.plain_reads = 0;
		for (uint64_t i = 0; i < LEAVES; i += 37) {
			uint64_t size = LEAVES - (i % 3);
			assert_int_equal(pdl_merkle_prove_inclusion(&plain, i, size, a, &na), PDL_OK);
			assert_int_equal(pdl_merkle_prove_inclusion(&cached, i, size, b, &nb), PDL_OK);
			assert_int_equal(na, nb);
			assert_memory_equal(a, b, na * sizeof(pdl_hash));
			uint64_t old = 1 + i;
			assert_int_equal(pdl_merkle_prove_consistency(&plain, old, size, a, &na), PDL_OK);
			assert_int_equal(pdl_merkle_prove_consistency(&cached, old, size, b, &nb), PDL_OK);
			assert_int_equal(na, nb);
			assert_memory_equal(a, b, na * sizeof(pdl_hash));
		}
		if (round == 1) /* warm: the upper levels came from memory */
			assert_true(t.reads * 2 < t.plain_reads);
	}
	pdl_nodecache_free(&c);
	for (unsigned l = 0; l < 16; l++)
		free(t.n[l]);
}

#define THREADS 4u
#define KEYS 3000u /* several keys per slot at level 8..11: slots change hands */
struct race {
	struct pdl_nodecache *c;
	unsigned seed;
	unsigned long hits, wrong;
};

static void *
racer(void *arg)
{
	struct race *r = arg;
	uint8_t h[PDL_HASH_BYTES], got[PDL_HASH_BYTES];
	unsigned x = r->seed;
	for (unsigned i = 0; i < 400000u; i++) {
		x = x * 1103515245u + 12345u;
		unsigned level = 8 + (x >> 8) % 4;
		uint64_t index = (x >> 12) % KEYS * (PDL_NODECACHE_SLOTS / 16); /* crowd a few slots */
		if (pdl_nodecache_get(r->c, level, index, got)) {
			fake_hash(level, index, h);
			r->hits++;
			r->wrong += memcmp(got, h, sizeof h) != 0;
		} else {
			fake_hash(level, index, h);
			pdl_nodecache_put(r->c, level, index, h);
		}
	}
	return NULL;
}

static void
test_threads(void **state)
{
	(void)state;
	struct pdl_nodecache c;
	pthread_t th[THREADS];
	struct race r[THREADS];
	assert_int_equal(pdl_nodecache_init(&c, 8), PDL_OK);
	for (unsigned i = 0; i < THREADS; i++) {
		r[i] = (struct race){&c, 7919u * (i + 1), 0, 0};
		assert_int_equal(pthread_create(&th[i], NULL, racer, &r[i]), 0);
	}
	unsigned long hits = 0;
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(r[i].wrong, 0);
		hits += r[i].hits;
	}
	assert_true(hits > 0);
	pdl_nodecache_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_proofs_through_cache),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
