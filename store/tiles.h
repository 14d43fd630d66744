/*
 * tiles.h — writing a ledger as C2SP tlog-tiles static files (lib/tlog.h):
 * what `pdl tiles` and `pdld --tiles` share.
 *
 * OUT holds, for the checkpoint written last:
 *   OUT/checkpoint                       the signed note, as published
 *   OUT/tile/<L>/<N>[.p/<W>]             hash tiles
 *   OUT/tile/entries/<N>[.p/<W>]         entry bundles (uint16-length-prefixed):
 *                                        with PDL_TILES_ENTRIES_PUBLIC only those
 *                                        whose entries are all public
 *   OUT/pdl/entries/<N>[.p/<W>]          PDL_TILES_ENTRIES_PUBLIC: every bundle,
 *                                        a private entry in it as its 32-byte
 *                                        RFC 6962 leaf hash (the level-0 tile's)
 *   OUT/pdl/checkpoint/<size>            a checkpoint an entry refers to (a
 *                                        checkpoint.cosign), so that a mirror
 *                                        can re-check that act's rule
 * Any web server, object store or CDN serves OUT as it is (dist/nginx).
 *
 * Invariants:
 *  (1) everything is read from one read transaction: a consistent snapshot,
 *      safe while pdld writes;
 *  (2) a reader never sees a file half written: each is written under a
 *      temporary name in its directory and renamed;
 *  (3) OUT/checkpoint is replaced last, after every tile and bundle it
 *      covers is written and the file system synced (syncfs), so a reader
 *      (or a copy that syncs in the same order) never finds a checkpoint
 *      whose tiles are missing;
 *  (4) a run writes only what changed since OUT/checkpoint: the tiles that
 *      filled or grew; a partial tile's directory "<N>.p/" is removed once
 *      the full tile <N> is written and the new checkpoint is in place;
 *  (5) nothing is written that does not match the store: every entry is
 *      hashed against its leaf, every full tile against the node above it,
 *      and the checkpoint's root against the tree at its size; OUT's
 *      previous checkpoint must be this tree's at its size (else refused:
 *      OUT belongs to another log);
 *  (6) one writer per OUT at a time (a lock file, OUT/.lock);
 *  (7) with PDL_TILES_ENTRIES_PUBLIC no private entry's bytes are written
 *      (the public test is the caller's, rules/readacl.h), and an OUT that
 *      holds a bundle written otherwise (--entries all, or a pdl before
 *      pdl/entries/) is refused rather than extended; one written public is
 *      refused for PDL_TILES_ENTRIES_ALL (its mixed bundles are missing).
 */
#ifndef PDL_TILES_H
#define PDL_TILES_H

#include "progress.h"
#include "store.h"
#include "tlog.h"
#include "util.h"

#define PDL_TILES_LOCK_FILE ".lock"

struct pdl_tiles_stats {
	uint64_t from_size; /* OUT/checkpoint's size before the run (0: none) */
	uint64_t size;      /* the checkpoint written */
	uint64_t files;     /* files written: tiles, bundles, notes, the checkpoint */
	uint64_t bytes;     /* their bytes */
	uint64_t entries;   /* entries written into bundles */
	uint64_t withheld;  /* private entries written as their leaf hash (PDL_TILES_ENTRIES_PUBLIC) */
	uint64_t earlier;   /* files of earlier checkpoints' partial tiles (put_between), not in files,
	                     * bytes and entries, which count the published checkpoint's */
	uint64_t removed;   /* partial tiles' directories removed once full */
	uint64_t sync_ns;   /* time in syncfs before the checkpoint (the disk's, not pdl's) */
};

/* 1 and *size when an entry refers to the ledger's checkpoint of that
 * size (rules/: pdl_entry_ckpt_ref), else 0. */
typedef int (*pdl_tiles_ref_fn)(const uint8_t *entry, size_t n, uint64_t *size);

/* 1 when an entry's bytes may go to anyone (rules/: pdl_readacl_public). */
typedef int (*pdl_tiles_public_fn)(const uint8_t *entry, size_t n);

/* Which entries' bytes OUT holds. */
enum pdl_tiles_entries {
	PDL_TILES_ENTRIES_PUBLIC, /* for public hosting: pdl/entries/, and tile/entries/ where all are public */
	PDL_TILES_ENTRIES_ALL,    /* every entry's bytes in tile/entries/: for auditors and mirrors only */
};

/* What the export asks of the rules layer. refs may be NULL; pub is
 * required for PDL_TILES_ENTRIES_PUBLIC. */
struct pdl_tiles_rules {
	pdl_tiles_ref_fn refs;
	pdl_tiles_public_fn pub;
	enum pdl_tiles_entries entries;
};

/* "public" or "all" into *e; PDL_EINVAL otherwise. */
int pdl_tiles_entries_parse(const char *s, enum pdl_tiles_entries *e);

/* The checkpoint to publish: ckpt.h's pdl_ckpt_published (through
 * pdl_read_checkpoint) — under a witness policy the newest one whose
 * cosignatures met the quorum, with them; else the newest signed. Every
 * place that publishes a checkpoint in tiles (pdl tiles, pdld --tiles) asks
 * here. *note points into the map. Errors: as pdl_read_checkpoint. */
int pdl_tiles_checkpoint(MDB_txn *t, const struct pdl_store *s, uint64_t *size, const char **note, size_t *n,
                         struct pdl_status *st);

/* Brings OUT up to the checkpoint note (one the ledger signed, of size at
 * most the head's), reading from t, with r's entries. prog: started by the
 * caller; its total is set here (the entries the bundles to write hold),
 * it is told after each bundle and ended on success or failure (NULL: no
 * progress). Errors (st says which file or seq): PDL_EIO (OUT), PDL_EBUSY
 * (OUT locked), PDL_EINVAL (OUT holds another log, or a checkpoint ahead
 * of this one, or bundles of the other kind, invariant 7), PDL_ENOTE, PDL_EMERKLE / PDL_ESTORE / PDL_EDECODE (the
 * store does not match itself: run pdl verify). */
int pdl_tiles_export(MDB_txn *t, struct pdl_store *s, const char *out, const char *note, size_t note_n,
                     const struct pdl_tiles_rules *r, struct pdl_tiles_stats *stats, struct pdl_progress *prog,
                     struct pdl_status *st);

#endif
