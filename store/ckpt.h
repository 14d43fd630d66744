/*
 * ckpt.h — the ledger's checkpoints: the signed note over the current tree,
 * made by the writer and stored in the ckpt table in the same transaction
 * as the entries it covers; the witnesses' cosignatures on them; and which
 * checkpoint pdld publishes (pdl_ckpt_published).
 *
 * Cosignatures (pdld --witness-policy, daemon/witness.c) are kept in the
 * ckpt table itself: the record of a checkpoint grows the C2SP
 * cosignature lines of the witnesses that cosigned it, after the ledger's
 * own signature line, so the record stays a valid signed note that every
 * reader of the table already checks with the ledger key (other keys'
 * lines are skipped, signed-note). Two meta records say what is published:
 *   "witness_policy"  the policy file pdld runs with (absent: no policy)
 *   "witnessed"       u64 BE: the size of the newest checkpoint whose
 *                     cosignatures met that policy's quorum
 *
 * Invariants:
 *  (1) a cosigned record is the writer's note (body, blank line, the
 *      ledger's signature line) followed by cosignature lines only: the
 *      checkpoint it names, and the ledger's signature, never change;
 *  (2) "witnessed" never decreases and names a size that has a record.
 */
#ifndef PDL_CKPT_H
#define PDL_CKPT_H

#include "note.h"
#include "store.h"

/* Signs a checkpoint for head (size ≥ 1) with the ledger key and stores it:
 * the body is "<origin>\n<size>\n<base64 root>\n", no extension line.
 * out (cap ≥ PDL_NOTE_BYTES_MAX) receives the note. Errors: store errors. */
int pdl_ckpt_make(MDB_txn *t, struct pdl_store *s, const struct pdl_head *h, const char *origin,
                  const struct pdl_seckey *k, char *out, size_t cap, size_t *n);

#define PDL_META_WITNESS_POLICY "witness_policy"
#define PDL_META_WITNESSED "witnessed"

/* THE checkpoint pdld publishes — on its PUB feed, to the `checkpoint`
 * request (and so /v1/checkpoint), from `pdl checkpoint` and in tiles:
 * with a witness policy recorded (pdld --witness-policy), the newest
 * checkpoint whose cosignatures met the policy's quorum, with them; else
 * the newest checkpoint the ledger signed. *note points into the map.
 * Errors: PDL_ENOTFOUND (none yet: no checkpoint, or none quorate under a
 * policy), PDL_ESTORE. */
int pdl_ckpt_published(MDB_txn *t, const struct pdl_store *s, uint64_t *size, const char **note, size_t *n);

/* 1 when a witness policy is recorded (and *policy, *n point at it). */
int pdl_ckpt_policy(MDB_txn *t, const struct pdl_store *s, const char **policy, size_t *n);
/* Records the policy pdld runs with, or removes it (policy NULL). */
int pdl_ckpt_policy_set(MDB_txn *t, struct pdl_store *s, const char *policy, size_t n);

/* Replaces the record of the checkpoint at size with note (the writer's
 * note and cosignature lines, invariant 1) and, when quorate, marks it
 * published. Errors: PDL_ENOTFOUND (no checkpoint at size), PDL_EINVAL
 * (note does not extend the stored record's ledger-signed part), store
 * errors. */
int pdl_ckpt_cosigned_put(MDB_txn *t, struct pdl_store *s, uint64_t size, const char *note, size_t n, int quorate);

/* The length of the ledger-signed part of a stored note: through the
 * first signature line (the writer's). 0 when there is none. */
size_t pdl_ckpt_signed_len(const char *note, size_t n);

#endif
