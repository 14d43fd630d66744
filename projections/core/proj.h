/*
 * proj.h — the projection framework: a worker that follows the ledger and
 * keeps a view in its own LMDB environment.
 *
 * The ledger publishes committed entries over NNG PUB, which drops
 * messages for slow subscribers; so pub/sub is only a hint. The worker
 * knows the next seq it needs; on start, on any gap, and once a second it
 * catches up with batched `range` reads over REQ. Every entry's chain link
 * is checked against the last applied entry before the view sees it.
 *
 * Invariants:
 *  (1) the view tables and the cursor (meta "next" = next seq, "chain" =
 *      chain hash of entry next-1) change in the same transaction, so a
 *      crash never double-applies or skips an entry;
 *  (2) a view's apply is deterministic in the entries (ledger time only,
 *      never the wall clock): deleting the view and rebuilding it from the
 *      log gives the same bytes (pdl-project digest compares);
 *  (3) entries are applied strictly in seq order, each exactly once;
 *  (4) the framework's own table `proj_party` holds every party as the
 *      applied entries left it (ledger.genesis's authority, party.register,
 *      party.rotate_key, party.suspend, party.reinstate): its current key,
 *      roles and whether it is suspended, written in the same transaction
 *      as the views, so a reader's token is checked against the key the
 *      party holds at the view's cursor; meta "ledger_id" is the chain hash
 *      of entry 0 (the id a read token names, readtok.h), and meta "suite"
 *      the crypto suite the genesis names (suite.h), recorded as the
 *      genesis is applied and named as the process's when the view opens.
 *
 *  (5) the framework's tables `proj_log` (seq → the entry's exact bytes) and
 *      `proj_tree` (the Merkle tree's complete subtrees, as the ledger's
 *      `tree` table, merkle.h) are written in the same transaction as the
 *      views: the view serves entries and inclusion proofs from its own
 *      copy, with no round trip to pdld (issue 13 item 6);
 *  (6) meta "ckpt" is the newest checkpoint the view has seen (from the PUB
 *      feed or pdld's `checkpoint`) that is signed by the ledger key genesis
 *      names, covers no entry the view has not applied, and whose root is
 *      the view's own tree's at its size; it never moves back.
 *
 * View environments carry a format number (PDL_VIEW_FORMAT); one made by an
 * older pdl-project (entries applied under another format: no party table,
 * no evidence index, no entry copy) is refused (PDL_EVERSION): rebuild it
 * (pdl-project --rebuild).
 */
#ifndef PDL_PROJ_H
#define PDL_PROJ_H

#include <jansson.h>
#include <lmdb.h>

#include "entry.h"
#include "note.h"
#include "progress.h"
#include "prom.h"
#include "proto.h"
#include "store.h"

#define PDL_VIEW_TABLES_MAX 8u
#define PDL_PROJ_BATCH 1024u /* entries per catch-up read and per view transaction */
/* 2: the party table and the ledger id (invariant (4)); 3: the revenue
 * view's names; 4: the disclosure view's evidence index (ev/), which an
 * older view would answer "not deposited" without; 5: entries, tree,
 * checkpoint (invariants (5), (6)) */
#define PDL_VIEW_FORMAT 5u

/* A committed entry as views see it. */
struct pdl_ventry {
	uint64_t seq;
	uint64_t time_ms;
	const uint8_t *bytes; /* the exact leaf bytes */
	size_t len;
	const char *type;     /* NUL-terminated copy */
	const char *actor;
	json_t *body;         /* the act body as JSON (borrowed) */
	json_t *outcome;      /* the outcome map as JSON (borrowed) */
	const void *ahead;    /* what the view's ahead hook made of this entry, or NULL */
};

struct pdl_vdb; /* the view environment */
#define PDL_VDB_VIEWS_MAX 8 /* views in one environment */
struct pdl_route; /* http.h */

/* A view: one folder of projections/, registered in views.h. */
struct pdl_view {
	const char *name;
	const char *const *tables;          /* NULL-terminated DBI names it owns */
	int (*apply)(struct pdl_vdb *db, MDB_txn *t, const struct pdl_ventry *e);
	const struct pdl_route *routes;     /* its HTTP routes (NULL-path terminated), or NULL */
	/* Optional, both or neither: the part of apply that needs nothing of
	 * the view's state (documents made from the entry alone), done ahead
	 * on the catch-up's read-ahead thread (pdl_vdb_prepare) from e without
	 * e->ahead. apply then finds the result in e->ahead; NULL there (not
	 * made ahead: a live entry, out of memory, or nothing ahead could do)
	 * means apply does all of it itself, and the view's bytes come out the
	 * same either way (t_80 compares a catch-up made ahead with one that
	 * was not). */
	void *(*ahead)(const struct pdl_ventry *e);
	void (*ahead_free)(void *made);
};

struct pdl_vdb {
	MDB_env *env;
	MDB_dbi meta;
	MDB_dbi dbi[PDL_VIEW_TABLES_MAX * 4]; /* all tables of the active views */
	const char *names[PDL_VIEW_TABLES_MAX * 4];
	unsigned ndbi;
	const struct pdl_view *views[PDL_VDB_VIEWS_MAX];
	unsigned nviews;
	MDB_dbi party; /* proj_party; (MDB_dbi)-1 in a read-only open of an older view */
	MDB_dbi log, tree; /* proj_log, proj_tree (invariant 5); (MDB_dbi)-1 likewise */
	char dir[4096];
	uint64_t last_time_ms; /* ledger time of the last entry applied (lag measurement) */
	struct pdl_nodecache nodes; /* upper nodes of the view's tree, for readers (pdl_vdb_tree_rio) */
	unsigned batch; /* entries per catch-up read; 0: PDL_PROJ_BATCH (fewer: pdl-project --test-batch) */
};

/* Opens DIR/view (creating it) with the given views' tables. Errors:
 * PDL_EIO (cannot create DIR), PDL_ESTORE, PDL_EVERSION (a view made by an
 * older pdl-project: rebuild it; read-only opens accept it). */
int pdl_vdb_open(struct pdl_vdb *db, const char *dir, const struct pdl_view *const *views, unsigned n, int rdonly);
void pdl_vdb_close(struct pdl_vdb *db);
MDB_dbi pdl_vdb_table(const struct pdl_vdb *db, const char *name);
/* The cursor: next seq to apply and chain hash of the last one. */
int pdl_vdb_cursor(MDB_txn *t, const struct pdl_vdb *db, uint64_t *next, uint8_t chain[PDL_HASH_BYTES]);

/* A party as the applied entries left it (invariant (4)). */
struct pdl_vparty {
	struct pdl_pubkey pk; /* its current key, of the ledger's suite */
	uint32_t roles;       /* PDL_ROLE_* */
	int suspended;
	uint64_t seq;         /* the entry that last changed it */
};
/* Looks up party id. Errors: PDL_ENOTFOUND (no such party, or a view
 * without the table), PDL_ESTORE (a record that does not parse). */
int pdl_vdb_party(MDB_txn *t, const struct pdl_vdb *db, const char *id, struct pdl_vparty *p);
/* The ledger id: chain hash of entry 0. PDL_ENOTFOUND before genesis. */
int pdl_vdb_ledger_id(MDB_txn *t, const struct pdl_vdb *db, uint8_t id[PDL_HASH_BYTES]);

/* Entry seq as the view applied it (invariant 5). *b points into the map:
 * valid until the transaction ends. Errors: PDL_ENOTFOUND (not applied),
 * PDL_ESTORE. */
int pdl_vdb_entry(MDB_txn *t, const struct pdl_vdb *db, uint64_t seq, const uint8_t **b, size_t *n);

/* The Merkle node store of the view's tree (merkle.h's io), read-only. */
struct pdl_vtree_ctx {
	MDB_txn *txn;
	MDB_dbi dbi;
	const struct pdl_nodecache *nodes; /* pdl_vdb_tree_rio's */
};
void pdl_vdb_tree_io(const struct pdl_vdb *db, MDB_txn *t, struct pdl_vtree_ctx *ctx, struct pdl_merkle_io *io);
/* The same over a read transaction, through the view's cache of upper
 * nodes (nodecache.h): every proof a reader asks for. A node is written
 * once and never changes, so a copy stays true; never over the applier's
 * write transaction (nodecache.h, invariant 1). */
void pdl_vdb_tree_rio(const struct pdl_vdb *db, MDB_txn *t, struct pdl_vtree_ctx *ctx, struct pdl_merkle_io *io);

/* The checkpoint the view holds (invariant 6): the note (NUL-terminated,
 * cap >= PDL_NOTE_BYTES_MAX + 1) and its parsed body. PDL_ENOTFOUND before
 * the first. */
int pdl_vdb_checkpoint(MDB_txn *t, const struct pdl_vdb *db, char *note, size_t cap, size_t *n, struct pdl_ckpt *c);

/* Offers a checkpoint note (invariant 6). PDL_OK when it is kept or is not
 * newer than the one kept; PDL_ENOTFOUND when it covers entries the view
 * has not applied yet (offer it again later); PDL_EBADSIG / PDL_ENOTE /
 * PDL_EMERKLE (with st) when it is not the ledger's or not this tree's. */
int pdl_vdb_offer_checkpoint(struct pdl_vdb *db, const char *note, size_t n, struct pdl_status *st);

/* JSON documents in view tables. get returns a new reference or NULL. */
json_t *pdl_vdoc_get(MDB_txn *t, MDB_dbi dbi, const char *key);
int pdl_vdoc_put(MDB_txn *t, MDB_dbi dbi, const char *key, json_t *doc); /* does not steal doc */
int pdl_vdoc_put_seq(MDB_txn *t, MDB_dbi dbi, uint64_t seq, json_t *doc); /* 8-byte BE key */
/* A document's bytes made before its put (an ahead hook), with jcompact's
 * pdl_jw_* writers into w: pdl_vbytes_keep keeps them in v when rc (the
 * writers' results, or'ed) is PDL_OK and memory allows, else leaves v->p
 * NULL (apply then makes the document itself); it frees w either way.
 * pdl_vdoc_put_bytes writes them under key. */
struct pdl_jbuf;
struct pdl_vbytes {
	char *p;
	size_t n;
};
void pdl_vbytes_keep(int rc, struct pdl_jbuf *w, struct pdl_vbytes *v);
int pdl_vdoc_put_bytes(MDB_txn *t, MDB_dbi dbi, const char *key, const struct pdl_vbytes *v);
int pdl_vdoc_put_seq_bytes(MDB_txn *t, MDB_dbi dbi, uint64_t seq, const struct pdl_vbytes *v);

/* Applies decoded entries [first, first+n) that follow the cursor, in one
 * transaction. Entries before the cursor are skipped; an entry after it
 * (a gap) stops the batch with PDL_ENOTFOUND so the caller catches up.
 * PDL_ECHAIN when an entry's prev does not match the applied chain.
 * *applied_time_ms gets the ledger time of the last entry applied. */
int pdl_vdb_apply(struct pdl_vdb *db, const uint8_t *const *entries, const size_t *lens, size_t n,
                  size_t *applied, struct pdl_status *st);

/* Entries decoded ahead of their apply (pdl_vdb_prepare), on any thread,
 * by a view that has applied genesis (its suite, which the hashes use, is
 * known): pdl-project's catch-up decodes the next batch while it applies
 * the last, and the views' ahead hooks and the party table make what they
 * can of it from the entries alone. n: the entries decoded, up to the
 * first that does not decode (pdl_vdb_apply_prepared decodes that one
 * again and reports it). */
struct pdl_vprepped;
struct pdl_vprep {
	size_t n;
	struct pdl_vprepped *p;
	const struct pdl_vdb *db; /* whose views' ahead hooks made p[i].ahead */
};
void pdl_vdb_prepare(const struct pdl_vdb *db, const uint8_t *const *entries, const size_t *lens, size_t n,
                     struct pdl_vprep *out);
void pdl_vprep_free(struct pdl_vprep *prep);
/* pdl_vdb_apply with entries [0, prep->n) decoded by pdl_vdb_prepare (prep
 * may be NULL); the same results, the same errors. */
int pdl_vdb_apply_prepared(struct pdl_vdb *db, const uint8_t *const *entries, const size_t *lens, size_t n,
                           struct pdl_vprep *prep, size_t *applied, struct pdl_status *st);

/* A REQ client to pdld for a projection: the dial does not block (a pdld
 * that accepts but never answers — stopped, hung — cannot hold the caller
 * in a handshake), and every send and receive gives up after timeout_ms, so
 * a worker or route can always notice a stop request. Close it with
 * pdl_client_close. Errors: as pdl_dialed_start; PDL_ECLOSED. */
int pdl_proj_client_open(struct pdl_client *c, const char *url, unsigned timeout_ms, struct pdl_status *st);

/* What the worker counts for pdl-project --metrics (prom.h): written by the
 * worker with relaxed atomics, read by a scrape on another thread. */
struct pdl_follow_metrics {
	struct pdl_prom_counter applied, live_msgs, gaps;
	atomic_uint_fast64_t ledger_size;   /* the largest log size seen: a live entry's seq + 1, a checkpoint's size */
	atomic_uint_fast64_t last_time_ms;  /* ledger time of the last entry applied */
	/* this host's time since when the view lacks entries seen (0: it has them all) */
	atomic_uint_fast64_t behind_since_ms;
	struct pdl_prom_hist lag_ms;        /* an entry's commit (ledger time) → applied, sampled per message */
};

/* The worker: follows ledger_url (REQ) and pub_url (SUB) until *stop. */
struct pdl_follow_stats {
	struct pdl_follow_metrics *m; /* NULL: none kept */
	uint64_t drop_every;  /* tests: discard every Nth live message, as a lossy pub would */
	uint64_t received;
	uint64_t live_msgs;  /* entry messages that came over the subscription */
	uint64_t applied;
	uint64_t gaps;       /* times a gap sent it to range reads */
	uint64_t lag_n;
	uint64_t lag_ms[1 << 16]; /* commit (entry time) → applied, ring */
};
int pdl_follow(struct pdl_vdb *db, const char *ledger_url, const char *pub_url, volatile int *stop,
               struct pdl_follow_stats *stats, struct pdl_status *st);
/* Catch up to the ledger's head with range reads; returns entries applied. */
int pdl_catch_up(struct pdl_vdb *db, struct pdl_client *cl, uint64_t *applied, struct pdl_status *st);
/* The same, telling prog the view's next seq after each range read
 * (`pdl-project --rebuild`). */
int pdl_catch_up_progress(struct pdl_vdb *db, struct pdl_client *cl, uint64_t *applied, struct pdl_progress *prog,
                          struct pdl_status *st);

/* The ledger suite's hash over every view table (keys and values in order), the party
 * table and the cursor. */
int pdl_vdb_digest(struct pdl_vdb *db, uint8_t out[PDL_HASH_BYTES], uint64_t *next);

#endif
