/*
 * readers.h — reading a data directory (or a pdld's reply) that may be
 * hostile: what `pdl get`, `export`, `proof`, `checkpoint`, `ledger-id`,
 * `evidence prove` and the store fuzzer share.
 *
 * Auditors run pdl on data handed to them, so nothing read from the store
 * or the wire is trusted: every length is bounded by the format's own limit
 * before it sizes a buffer or a loop, every index is checked against the
 * head, and a value of the wrong size is an error with a message, never an
 * assertion. The LMDB page structure itself is LMDB's business (see
 * README, Security): these functions bound the values it hands out.
 *
 * Invariants:
 *  (1) an entry handed out is at most PDL_ENTRY_BYTES_MAX bytes, a note at
 *      most PDL_NOTE_BYTES_MAX;
 *  (2) a proof is built only for sizes within the head's size, and only
 *      from stored nodes of exactly 32 bytes;
 *  (3) every error sets st with a message naming what is wrong.
 */
#ifndef PDL_READERS_H
#define PDL_READERS_H

#include "store.h"
#include "util.h"

/* One line of `pdl export`: {"seq":N,"entry":"<base64>"} and a newline,
 * for an entry of at most PDL_ENTRY_BYTES_MAX bytes. */
#define PDL_EXPORT_LINE_MAX (((PDL_ENTRY_BYTES_MAX + 2u) / 3u) * 4u + 64u)

/* The head record. Errors: PDL_ESTORE (a head of the wrong size). */
int pdl_read_head(MDB_txn *t, const struct pdl_store *s, struct pdl_head *h, struct pdl_status *st);

/* Entry seq's bytes. *b points into the LMDB map; valid until the
 * transaction ends. Do not free. Errors: PDL_ENOTFOUND, PDL_EDECODE (over
 * PDL_ENTRY_BYTES_MAX), PDL_ESTORE. */
int pdl_read_entry(MDB_txn *t, const struct pdl_store *s, uint64_t seq, const uint8_t **b, size_t *n,
                   struct pdl_status *st);
/* The same bound for entry bytes from elsewhere (a pdld's reply). */
int pdl_read_entry_bound(uint64_t seq, size_t n, struct pdl_status *st);

/* The published checkpoint (ckpt.h's pdl_ckpt_published: the newest
 * quorate one under a witness policy, else the newest). *note points into the map. Errors: PDL_ENOTFOUND
 * (none yet), PDL_ENOTE (over PDL_NOTE_BYTES_MAX, or stored under size 0),
 * PDL_ESTORE. */
int pdl_read_checkpoint(MDB_txn *t, const struct pdl_store *s, uint64_t *size, const char **note, size_t *n,
                        struct pdl_status *st);
/* The checkpoint stored at exactly size (`pdl checkpoint --size N`), for
 * consistency proofs from an old tree head. *note points into the map.
 * Errors: PDL_ENOTFOUND (none at that size: the message names the nearest
 * stored sizes below and above), PDL_ENOTE, PDL_ESTORE. */
int pdl_read_checkpoint_at(MDB_txn *t, const struct pdl_store *s, uint64_t size, const char **note, size_t *n,
                           struct pdl_status *st);
/* Calls fn with the size of every stored checkpoint, in order, until it
 * returns non-zero. Errors: PDL_ESTORE (a key that is not 8 bytes). */
int pdl_read_checkpoint_sizes(MDB_txn *t, const struct pdl_store *s, int (*fn)(void *arg, uint64_t size), void *arg,
                              struct pdl_status *st);
/* The note bound for a note from elsewhere. Errors: PDL_ENOTE. */
int pdl_read_note_bound(size_t n, struct pdl_status *st);

/* RFC 9162 proofs from the stored tree, for sizes up to the head's:
 * index < size <= head.size, and 0 < old <= new <= head.size.
 * proof holds PDL_MERKLE_PROOF_MAX hashes. leaf receives the stored leaf
 * hash of index. Errors: PDL_EINVAL (out of range, with the head's size in
 * the message), PDL_ENOTFOUND / PDL_ESTORE (a node missing or not 32 bytes). */
int pdl_read_inclusion(MDB_txn *t, struct pdl_store *s, uint64_t index, uint64_t size, uint8_t leaf[PDL_HASH_BYTES],
                       pdl_hash *proof, size_t *n, struct pdl_status *st);
int pdl_read_consistency(MDB_txn *t, struct pdl_store *s, uint64_t old_size, uint64_t new_size, pdl_hash *proof,
                         size_t *n, struct pdl_status *st);

/* Names this process's suite (suite.h: pdl_suite_use) from the genesis,
 * entry 0: what every reader of a ledger does before it hashes. Entry 0
 * must decode as an entry at seq 0. Errors: PDL_EGENESIS (no entry 0),
 * PDL_EDECODE, PDL_EINVAL (a suite this pdl does not know), PDL_ESTORE. */
int pdl_read_suite(MDB_txn *t, const struct pdl_store *s, struct pdl_status *st);
/* The ledger id: the ledger suite's hash of entry 0's exact bytes
 * (spec/formats.md §1.6), after pdl_read_suite. Errors as pdl_read_suite. */
int pdl_read_ledger_id(MDB_txn *t, const struct pdl_store *s, uint8_t id[PDL_HASH_BYTES], struct pdl_status *st);

/* Writes one export line (with its newline, NUL-terminated) into out.
 * Returns its length, or 0 when n is over PDL_ENTRY_BYTES_MAX or the line
 * does not fit cap. */
size_t pdl_export_line(uint64_t seq, const uint8_t *b, size_t n, char *out, size_t cap);

#endif
