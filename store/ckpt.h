/*
 * ckpt.h — the ledger's checkpoints: the signed note over the current tree,
 * made by the writer and stored in the ckpt table in the same transaction
 * as the entries it covers.
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

#endif
