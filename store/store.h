/*
 * store.h — the ledger's LMDB environment: one file set in the data
 * directory, six tables, one writer.
 *
 *   log    seq (u64 BE)              → entry bytes (the Merkle leaf data)
 *   tree   node (level, index) → 32-byte complete-subtree hash (merkle.h),
 *          keyed by the layout meta "tree_layout" names (below)
 *   meta   name                      → value ("head", "genesis", "mapsize")
 *   nonce  actor ‖ 0x00 ‖ nonce (u64 BE) → act hash (32) ‖ seq (u64 BE)
 *   state  family key                → msgpack record (rules decide)
 *   ckpt   size (u64 BE)             → signed checkpoint note
 *   blob   digest (32, the suite hash) → file bytes kept by `pdl evidence deposit --store`
 *          (outside the log: content-addressed, checked against its digest)
 *
 * Invariants:
 *  (1) head.size == number of log records; log keys are exactly 0..size-1.
 *  (2) log[n].prev == H(log[n-1]) and head.chain == H(log[size-1]), H the
 *      ledger suite's hash (suite.h: pdl_digest).
 *  (3) tree holds every complete subtree of the first head.size leaves.
 *  (4) every write to the six tables happens in the writer's transaction;
 *      readers see a consistent snapshot of all six.
 *  (5) a transaction marked partial (pdl_store_mark_partial: part of an act
 *      that failed is in it) is never committed.
 * pdl_store_append checks (1) and (2) for the entry it appends (its seq is
 * the size, its prev the head's chain, its time not before the head's),
 * pdl_store_commit checks (5) (PDL_INVARIANT, base/pdl.h); the Merkle code
 * asserts (3)'s arithmetic; `pdl verify` re-derives all of them from disk.
 *
 * The tree table's two key layouts (spec/formats.md §9). Layout 1, of
 * every data directory made before meta "tree_layout" existed: level (u8)
 * ‖ index (u64 BE). Each append writes at the end of every level's run,
 * in the middle of the table, so LMDB splits those pages in half: about
 * 210 bytes of tree per entry. Layout 2, of every store created since
 * (meta "tree_layout" = 0x02): the last leaf the node covers, (index+1)·
 * 2^level − 1 (u64 BE), ‖ level (u8). An append's nodes, (0, n) and then
 * the nodes n completes level by level, sort after every node before
 * them: the table grows only at its end, LMDB fills its pages, and the
 * tree costs about 105 bytes per entry. Same nodes, same hashes, same
 * roots and proofs: only the keys differ. A store keeps its layout; one
 * that names a layout this code does not know is refused (PDL_ESTORE).
 *
 * Readers from several threads (MDB_NOTLS) take pdl_store_rdlock around a
 * read transaction so the writer can grow the map (which needs no
 * transaction open in this process).
 */
#ifndef PDL_STORE_H
#define PDL_STORE_H

#include <pthread.h>

#include <lmdb.h>

#include "merkle.h"
#include "nodecache.h"
#include "pdl.h"
#include "util.h"

#define PDL_MAPSIZE_DEFAULT ((size_t)1 << 30) /* 1 GiB to start; doubles when full */
#define PDL_MAPSIZE_MAX ((size_t)1 << 40)     /* 1 TiB: beyond this refuse with PDL_EMAPFULL */

enum {
	PDL_STORE_RDONLY = 1,
	PDL_STORE_CREATE = 2,
	PDL_STORE_NOSYNC = 4,   /* tests' scratch copies only */
	PDL_STORE_TREE_V1 = 8,  /* tests only: a new store gets tree layout 1, as an old data directory has */
};
enum { PDL_TREE_BY_LEVEL = 1, PDL_TREE_BY_END = 2 }; /* the tree table's key layouts (above) */

struct pdl_store {
	MDB_env *env;
	MDB_dbi log, tree, meta, nonce, state, ckpt, blob;
	size_t mapsize;
	/* Called after every state put/del (replay tracks who wrote what). */
	void (*on_state_write)(void *arg, const void *k, size_t kn);
	void *hook_arg;
	/* Puts and deletes made through this store, in every table. LMDB
	 * admits one write transaction at a time, so only its holder changes
	 * it: the engine reads it around validate (rules.h, invariant 1). */
	uint64_t writes;
	int txn_partial; /* (5): set by pdl_store_mark_partial, cleared by pdl_store_wtxn */
	unsigned flags;
	unsigned tree_layout; /* PDL_TREE_BY_LEVEL or PDL_TREE_BY_END, from meta "tree_layout" at open */
	pthread_rwlock_t resize; /* readers hold it shared; growth takes it exclusive */
	struct pdl_nodecache nodes; /* upper tree nodes read in read transactions (pdl_store_tree_rio) */
	char dir[4096];
};

struct pdl_head {
	uint64_t size;
	uint64_t time_ms; /* time of the last entry */
	uint8_t chain[PDL_HASH_BYTES];
};

/* Opens (or with PDL_STORE_CREATE creates) DIR/data.mdb. Clears stale
 * reader slots. A store with an empty tree table and no layout gets tree
 * layout 2 (written to meta when the store is opened for writing).
 * Errors: PDL_ESTORE (also: a tree layout this code does not know),
 * PDL_EIO (no such directory). */
int pdl_store_open(struct pdl_store *s, const char *dir, unsigned flags);
void pdl_store_close(struct pdl_store *s);

/* Doubles the map; the caller must have no transaction open and must not
 * hold the rdlock. Errors: PDL_EMAPFULL at PDL_MAPSIZE_MAX, PDL_ESTORE. */
int pdl_store_grow(struct pdl_store *s);

/* A read transaction with the rdlock held; end it with pdl_store_rdone. */
int pdl_store_rtxn(struct pdl_store *s, MDB_txn **t);
void pdl_store_rdone(struct pdl_store *s, MDB_txn *t);
/* Begins the write transaction (clears the partial mark of invariant 5). */
int pdl_store_wtxn(struct pdl_store *s, MDB_txn **t);
/* Marks the write transaction as holding part of a failed act: it must be
 * aborted, and pdl_store_commit stops the process rather than commit it. */
void pdl_store_mark_partial(struct pdl_store *s);

/* Maps an LMDB return code to a pdl error. */
int pdl_store_err(int mdb_rc);

/* Commits a write transaction; returns mdb_txn_commit's code (0, an LMDB
 * code or an errno), for pdl_store_err and for the message (mdb_strerror).
 * LMDB 0.9 reports a short write as EIO ("short write, filesystem full?"),
 * which is what a full disk gives when the last bytes fit: then, if the
 * data directory's file system has (almost) no space left, this returns
 * ENOSPC, so the refusal says "No space left on device". */
int pdl_store_commit(struct pdl_store *s, MDB_txn *t);

int pdl_store_head(MDB_txn *t, const struct pdl_store *s, struct pdl_head *h);
/* Appends one entry whose seq is h->size, prev h->chain and time h->time_ms
 * (the caller sets the head's time first): writes log, tree and head, and
 * advances *h. An entry that is not so is a programmer's error
 * (PDL_INVARIANT). Errors: PDL_ESTORE, PDL_EMAPFULL. */
int pdl_store_append(MDB_txn *t, struct pdl_store *s, struct pdl_head *h, const uint8_t *entry, size_t len);
/* *b points into the map; valid until the transaction ends. Do not free. */
int pdl_store_entry(MDB_txn *t, const struct pdl_store *s, uint64_t seq, const uint8_t **b, size_t *len);

/* The Merkle node store over a transaction (merkle.h's io). */
struct pdl_tree_ctx {
	MDB_txn *txn;
	struct pdl_store *s;
};
void pdl_store_tree_io(struct pdl_tree_ctx *ctx, struct pdl_merkle_io *io);
/* The same over a read transaction (a committed snapshot), through the
 * store's cache of upper nodes (nodecache.h): what every proof a reader
 * asks for uses. Never over the write transaction (nodecache.h, (1)). */
void pdl_store_tree_rio(struct pdl_tree_ctx *ctx, struct pdl_merkle_io *io);
/* The tree table key of node (level, index) in the store's layout; returns
 * its length (PDL_TREE_KEY_BYTES). */
#define PDL_TREE_KEY_BYTES 9u
size_t pdl_store_tree_key(const struct pdl_store *s, unsigned level, uint64_t index, uint8_t k[PDL_TREE_KEY_BYTES]);

int pdl_store_meta_get(MDB_txn *t, const struct pdl_store *s, const char *name, const uint8_t **v, size_t *n);
int pdl_store_meta_put(MDB_txn *t, struct pdl_store *s, const char *name, const void *v, size_t n);

int pdl_store_state_get(MDB_txn *t, const struct pdl_store *s, const void *k, size_t kn, const uint8_t **v,
                        size_t *n);
int pdl_store_state_put(MDB_txn *t, struct pdl_store *s, const void *k, size_t kn, const void *v, size_t n);
int pdl_store_state_del(MDB_txn *t, struct pdl_store *s, const void *k, size_t kn);

int pdl_store_nonce_get(MDB_txn *t, const struct pdl_store *s, const char *actor, size_t an, uint64_t nonce,
                        uint8_t hash[PDL_HASH_BYTES], uint64_t *seq);
int pdl_store_nonce_put(MDB_txn *t, struct pdl_store *s, const char *actor, size_t an, uint64_t nonce,
                        const uint8_t hash[PDL_HASH_BYTES], uint64_t seq);

/* Blob table: digest-addressed file bytes. */
int pdl_store_blob_put(MDB_txn *t, struct pdl_store *s, const uint8_t digest[PDL_HASH_BYTES], const void *b, size_t n);
/* The checkpoint stored for exactly this size. */
int pdl_store_ckpt_get(MDB_txn *t, const struct pdl_store *s, uint64_t size, const char **note, size_t *n);

int pdl_store_ckpt_put(MDB_txn *t, struct pdl_store *s, uint64_t size, const char *note, size_t n);
/* The newest checkpoint (largest size). *note points into the map. */
int pdl_store_ckpt_latest(MDB_txn *t, const struct pdl_store *s, uint64_t *size, const char **note, size_t *n);

/* A scan of one table in key order, the one way code outside the store
 * walks a table (no LMDB cursor of its own):
 *
 *     struct pdl_scan sc;
 *     int rc = pdl_store_log_scan(t, s, from, &sc);
 *     while (rc == PDL_OK && (rc = pdl_scan_next(&sc)) == PDL_OK)
 *             use(sc.seq, sc.v, sc.vn);
 *     pdl_scan_close(&sc);
 *     if (rc != PDL_END) ...error...
 *
 * pdl_scan_next gives the next record (k/kn, v/vn point into the map,
 * valid until the transaction ends) or PDL_END after the last one (for a
 * state scan: the last whose key starts with the prefix); PDL_ESTORE on
 * an LMDB error. A log or checkpoint scan also sets seq to the record's
 * u64 key; a log scan checks that the keys run on without a gap (store
 * invariant 1) and returns PDL_ECHAIN at the first that does not (seq is
 * that key, next_seq the one missing). */
#define PDL_END 1 /* not an error (errors are negative): the scan is over */
#define PDL_SCAN_PREFIX_MAX 256u /* a state key's family prefix ("grant/", "rev/p/…") */
struct pdl_scan {
	MDB_cursor *cur;
	MDB_cursor_op op; /* the next mdb_cursor_get: the positioning one, then MDB_NEXT */
	MDB_val key, val;
	uint8_t start[PDL_SCAN_PREFIX_MAX];
	size_t prefix_n; /* a state scan's prefix: start[0..prefix_n) */
	int is_log;      /* keys are u64 sequence numbers without gaps */
	uint64_t next_seq;
	/* the current record */
	uint64_t seq;
	const uint8_t *k, *v;
	size_t kn, vn;
};
int pdl_store_log_scan(MDB_txn *t, const struct pdl_store *s, uint64_t from, struct pdl_scan *sc);
int pdl_store_ckpt_scan(MDB_txn *t, const struct pdl_store *s, struct pdl_scan *sc);
/* The state records whose key starts with prefix (pn <= PDL_SCAN_PREFIX_MAX;
 * 0: the whole table). */
int pdl_store_state_scan(MDB_txn *t, const struct pdl_store *s, const void *prefix, size_t pn, struct pdl_scan *sc);
int pdl_scan_next(struct pdl_scan *sc);
void pdl_scan_close(struct pdl_scan *sc);

#endif
