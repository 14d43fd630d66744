/* nodecache.c — see nodecache.h. */
#include "nodecache.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define WORDS (PDL_HASH_BYTES / 8)

int
pdl_nodecache_init(struct pdl_nodecache *c, unsigned level_min)
{
	c->slots = calloc(PDL_NODECACHE_SLOTS, sizeof *c->slots); /* all-zero atomics: empty slots */
	c->level_min = level_min;
	return c->slots != NULL ? PDL_OK : PDL_ENOMEM;
}

void
pdl_nodecache_free(struct pdl_nodecache *c)
{
	free(c->slots);
	c->slots = NULL;
}

static uint64_t
node_key(unsigned level, uint64_t index)
{
	assert(level < 63 && index < (UINT64_C(1) << 56));
	return ((uint64_t)level + 1) << 56 | index;
}

static struct pdl_nodecache_slot *
slot_of(const struct pdl_nodecache *c, uint64_t key)
{
	_Static_assert((PDL_NODECACHE_SLOTS & (PDL_NODECACHE_SLOTS - 1)) == 0, "slots: a power of two");
	uint64_t x = key * UINT64_C(0x9E3779B97F4A7C15); /* Fibonacci hashing: the high bits mix every key bit */
	return &c->slots[x >> (64 - __builtin_ctz(PDL_NODECACHE_SLOTS))];
}

int
pdl_nodecache_get(const struct pdl_nodecache *c, unsigned level, uint64_t index, uint8_t out[PDL_HASH_BYTES])
{
	if (c == NULL || c->slots == NULL || level < c->level_min || index >= (UINT64_C(1) << 56))
		return 0;
	uint64_t key = node_key(level, index), w[WORDS];
	struct pdl_nodecache_slot *s = slot_of(c, key);
	uint64_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
	if (s1 & 1)
		return 0;
	uint64_t k = atomic_load_explicit(&s->key, memory_order_relaxed);
	for (unsigned i = 0; i < WORDS; i++)
		w[i] = atomic_load_explicit(&s->h[i], memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&s->seq, memory_order_relaxed) != s1 || k != key)
		return 0; /* (2) */
	memcpy(out, w, PDL_HASH_BYTES);
	return 1;
}

void
pdl_nodecache_put(const struct pdl_nodecache *c, unsigned level, uint64_t index, const uint8_t h[PDL_HASH_BYTES])
{
	if (c == NULL || c->slots == NULL || level < c->level_min || index >= (UINT64_C(1) << 56))
		return;
	uint64_t key = node_key(level, index), w[WORDS];
	struct pdl_nodecache_slot *s = slot_of(c, key);
	uint64_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
	if ((seq & 1) || !atomic_compare_exchange_strong_explicit(&s->seq, &seq, seq + 1, memory_order_acquire,
	                                                          memory_order_relaxed))
		return; /* another filler has the slot */
	atomic_thread_fence(memory_order_release);
	memcpy(w, h, PDL_HASH_BYTES);
	atomic_store_explicit(&s->key, key, memory_order_relaxed);
	for (unsigned i = 0; i < WORDS; i++)
		atomic_store_explicit(&s->h[i], w[i], memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

int
pdl_nodecache_read(const struct pdl_nodecache *c, pdl_merkle_get_fn get, void *ctx, unsigned level, uint64_t index,
                   uint8_t out[PDL_HASH_BYTES])
{
	if (pdl_nodecache_get(c, level, index, out))
		return PDL_OK;
	int rc = get(ctx, level, index, out);
	if (rc == PDL_OK)
		pdl_nodecache_put(c, level, index, out);
	return rc;
}
