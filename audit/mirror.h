/*
 * mirror.h — a verifying copy of a ledger (`pdl mirror`): the checks and
 * the store, with no network (tools/cmd_mirror.c fetches, from tiles or a
 * pdld, and hands entries and checkpoints here).
 *
 * The mirror's data directory is a pdl data directory without the ledger's
 * key: `pdl verify`, `get`, `proof`, `export` read it, and `pdld
 * --read-only` serves it to `pdl-project`.
 *
 * Invariants:
 *  (1) an entry is kept only after the Merkle root of the mirror's tree with
 *      it equals the root of a checkpoint signed by the verifier key the
 *      operator gave (--vkey), and after it has been re-decided by the rules
 *      engine (pdl_engine_submit at the entry's own time) into the exact
 *      same bytes: so its chain link, its act signature (with the key its
 *      actor held) and its outcome are the ledger's own rules' result;
 *  (2) the genesis entry must name the verifier key's ledger key and origin;
 *  (3) a checkpoint is stored only when its root is the mirror's tree's at
 *      its size; every stored note is signed by the ledger key;
 *  (4) a checkpoint.cosign act is re-checked against the ledger's note of
 *      the size it names, fetched through the caller and checked as in (3).
 */
#ifndef PDL_MIRROR_H
#define PDL_MIRROR_H

#include "note.h"
#include "rules.h"

struct pdl_mirror {
	struct pdl_store store;
	struct pdl_engine engine;
	char origin[PDL_ORIGIN_LEN_MAX + 1]; /* the verifier key's name */
	struct pdl_pubkey pk;                /* the ledger key, of the suite its type names */
};

/* The ledger's signed checkpoint of exactly `size` into note (cap
 * PDL_NOTE_BYTES_MAX). Errors: any, with st. */
typedef int (*pdl_mirror_note_fn)(void *arg, uint64_t size, char *note, size_t cap, size_t *n, struct pdl_status *st);

/* Opens (creating, mode 0700) the mirror's data directory. Errors: PDL_ENOTE
 * (vkey malformed), PDL_EIO, PDL_ESTORE. */
int pdl_mirror_open(struct pdl_mirror *m, const char *dir, const char *vkey, struct pdl_status *st);
void pdl_mirror_close(struct pdl_mirror *m);

/* The mirror's size and its newest stored note (n 0 when none). */
int pdl_mirror_head(struct pdl_mirror *m, uint64_t *size, char *note, size_t cap, size_t *n, struct pdl_status *st);

/* A note signed by the verifier key under its name, parsed.
 * Errors: PDL_EBADSIG, PDL_ENOTE. */
PDL_WUR int pdl_mirror_note(const struct pdl_mirror *m, const char *note, size_t n, struct pdl_ckpt *c,
                            struct pdl_status *st);

/* The root of the mirror's tree at size (<= its size). */
int pdl_mirror_root(struct pdl_mirror *m, uint64_t size, uint8_t root[32], struct pdl_status *st);

/* The root the mirror's tree would have with `k` more leaves (hashes, in
 * order after its head): for a diagnosis, nothing is written. */
int pdl_mirror_root_with(struct pdl_mirror *m, const pdl_hash *leaves, size_t k, uint8_t root[32],
                         struct pdl_status *st);

/* Keeps note (already checked by pdl_mirror_note) for a size the mirror
 * holds, when its root is the mirror's tree's (invariant 3): PDL_OK;
 * PDL_EMERKLE when it is not. */
int pdl_mirror_keep_note(struct pdl_mirror *m, const char *note, size_t n, struct pdl_status *st);

struct pdl_mirror_result {
	int root_mismatch;  /* the entries do not make the checkpoint's root: nothing kept */
	int has_seq;
	uint64_t seq;       /* the entry that failed */
};

/* Appends the k entries that follow the mirror's head, under note (checked
 * by pdl_mirror_note, size head + k): the root first (from the leaves, before
 * anything is written), then every entry re-decided by the rules and
 * committed in batches, then the note. Errors: PDL_EMERKLE with
 * r->root_mismatch (nothing written); the rules' errors with r->seq for an
 * entry the rules refuse or decide otherwise (the entries before it are
 * kept: they are under a signed root, and the mirror stops); PDL_ESTORE. */
int pdl_mirror_append(struct pdl_mirror *m, const uint8_t *const *entries, const size_t *lens, size_t k,
                      const char *note, size_t note_n, pdl_mirror_note_fn fetch, void *arg,
                      struct pdl_mirror_result *r, struct pdl_status *st);

#endif
