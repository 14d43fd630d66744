/*
 * nodecache.h — the upper nodes of a Merkle tree (merkle.h) kept in memory
 * for readers on any number of threads.
 *
 * A stored node is the hash of a complete subtree: written once, by the
 * append that completes it, and never changed. A copy read from a
 * committed snapshot therefore stays true for the life of the tree, and
 * nothing ever has to be invalidated. Every proof of a random leaf reads
 * the same few nodes near the root (and, at ten million entries, a dozen
 * more from levels where each node covers thousands of leaves); this keeps
 * those in memory so a proof's reads go to the database only for the
 * levels near its leaf, where the tree's key layout puts them on one or
 * two pages.
 *
 * Direct-mapped: PDL_NODECACHE_SLOTS slots of (level, index, hash), a node
 * at level >= the cache's level_min in the slot its key hashes to. Each
 * slot is a sequence lock, so readers and fillers on any thread never wait
 * and never see half a slot: a reader that meets a slot being written, or
 * written under it, counts a miss and reads the database.
 *
 * Invariants:
 *  (1) a slot holds a node only as it was read from the tree: the caller
 *      fills it with nodes read in a read-only transaction of a committed
 *      snapshot (never in a write transaction, which may abort);
 *  (2) a hit is returned only when the slot's sequence was the same even
 *      number before and after the copy, and the copied key is the one asked.
 */
#ifndef PDL_NODECACHE_H
#define PDL_NODECACHE_H

#include <stdatomic.h>

#include "merkle.h"
#include "pdl.h"

#define PDL_NODECACHE_SLOTS (1u << 16) /* 3 MiB: the levels >= 8 of a tree of 16 million leaves */
#define PDL_NODECACHE_LEVEL_MIN 8u     /* subtrees of 256 leaves and up */

struct pdl_nodecache_slot {
	_Atomic uint64_t seq; /* odd while a filler writes the slot */
	_Atomic uint64_t key; /* (level + 1) << 56 | index; 0: empty */
	_Atomic uint64_t h[PDL_HASH_BYTES / 8];
};

struct pdl_nodecache {
	struct pdl_nodecache_slot *slots; /* PDL_NODECACHE_SLOTS, zeroed */
	unsigned level_min;
};

/* Errors: PDL_ENOMEM. */
int pdl_nodecache_init(struct pdl_nodecache *c, unsigned level_min);
void pdl_nodecache_free(struct pdl_nodecache *c);

/* 1 and the hash in out when node (level, index) is in the cache, else 0. */
int pdl_nodecache_get(const struct pdl_nodecache *c, unsigned level, uint64_t index, uint8_t out[PDL_HASH_BYTES]);
/* Keeps node (level, index) if its level is kept; skipped when another
 * thread is writing the same slot. The handle is const: only the slots it
 * points to change, so readers holding a const view of their tree can fill it. */
void pdl_nodecache_put(const struct pdl_nodecache *c, unsigned level, uint64_t index, const uint8_t h[PDL_HASH_BYTES]);

/* A merkle.h get through the cache: node (level, index) from c, else from
 * get(ctx, ...), kept in c when found. The read-only tree ios of the store
 * and the views are this over their own lookups. */
int pdl_nodecache_read(const struct pdl_nodecache *c, pdl_merkle_get_fn get, void *ctx, unsigned level,
                       uint64_t index, uint8_t out[PDL_HASH_BYTES]);

#endif
