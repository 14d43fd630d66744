/*
 * wstate.h — a witness's own LMDB environment (`pdl witness serve --data
 * DIR`): for each log origin, the latest checkpoint it cosigned.
 *
 *   origin  SHA-256(origin) (32) → record:
 *           "W1" ‖ size (u64 BE) ‖ root (32) ‖ time (u64 BE, the
 *           cosignature's) ‖ origin length (u16 BE) ‖ origin ‖ note
 *           (the checkpoint text, a blank line, the log signature lines
 *           that verified and the witness's cosignature line)
 *
 * The key is the hash so that the monitoring route
 * GET /<hex SHA-256(origin)>/checkpoint is one lookup.
 *
 * Invariants:
 *  (1) a record is replaced only inside pdl_wstate_begin .. commit, and
 *      LMDB runs one write transaction at a time: reading the stored size,
 *      checking the request against it and writing the new record is one
 *      atomic compare-and-swap per origin (tlog-witness: "checking the old
 *      size against the latest checkpoint and persisting the new
 *      checkpoint must be performed atomically");
 *  (2) commit returns only once the record is on disk (no MDB_NOSYNC), so
 *      a witness answers only with what survives a crash;
 *  (3) a record's size never decreases: the caller puts a record only
 *      for a checkpoint it proved consistent with the stored one, in the
 *      same transaction (1).
 */
#ifndef PDL_WSTATE_H
#define PDL_WSTATE_H

#include <lmdb.h>

#include "pdl.h"
#include "tlog.h"

#define PDL_WSTATE_MAPSIZE ((size_t)1 << 30) /* 1 GiB of address space; records are small */
#define PDL_WSTATE_FILE "witness.mdb"

struct pdl_wstate {
	MDB_env *env;
	MDB_dbi origins;
	char dir[4096];
};

/* One origin's record. note points into the map (valid until the
 * transaction ends). */
struct pdl_wrec {
	uint64_t size;
	uint8_t root[PDL_HASH_BYTES];
	uint64_t time;
	char origin[PDL_TLOG_NAME_MAX + 1];
	const char *note;
	size_t note_len;
};

/* Opens (creating when missing) DIR/witness.mdb. Errors: PDL_EIO (no such
 * directory), PDL_ESTORE. */
int pdl_wstate_open(struct pdl_wstate *w, const char *dir);
void pdl_wstate_close(struct pdl_wstate *w);

/* A write transaction (the one at a time). Errors: PDL_ESTORE. */
int pdl_wstate_begin(struct pdl_wstate *w, MDB_txn **t);
/* A read transaction. */
int pdl_wstate_rbegin(struct pdl_wstate *w, MDB_txn **t);
/* Commits (durably). Errors: PDL_ESTORE, PDL_EMAPFULL. */
int pdl_wstate_commit(MDB_txn *t);
void pdl_wstate_abort(MDB_txn *t);

/* The record of the origin whose SHA-256 is key. Errors: PDL_ENOTFOUND
 * (never cosigned), PDL_ESTORE (a record that does not decode). */
int pdl_wstate_get(MDB_txn *t, const struct pdl_wstate *w, const uint8_t key[32], struct pdl_wrec *r);
/* Writes the origin's record. Errors: PDL_ESTORE, PDL_EMAPFULL, PDL_EINVAL. */
int pdl_wstate_put(MDB_txn *t, struct pdl_wstate *w, const struct pdl_wrec *r);

#endif
