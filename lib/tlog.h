/*
 * tlog.h — C2SP transparency logs, in two parts.
 *
 * Part 1: the C2SP transparency-log formats a witness and the logs that
 * talk to it share, for any log, not only pdl: verifier keys of any
 * signature type (c2sp.org/signed-note "Verifier keys"), signed notes of
 * up to PDL_TLOG_NOTE_BYTES_MAX with signatures checked against a set of
 * keys, checkpoint bodies with any extension lines (c2sp.org/
 * tlog-checkpoint), timestamped Ed25519 cosignatures (c2sp.org/
 * tlog-cosignature, "cosignature/v1", signature type 0x04), and the body
 * of a tlog-witness add-checkpoint request (c2sp.org/tlog-witness).
 *
 * note.h is pdl's own checkpoints (one key, 8 KiB); this module is the
 * witness's view of other people's notes, which may carry post-quantum
 * signatures of several kilobytes and extension lines pdl never writes.
 * The C2SP formats are Ed25519 and SHA-256 whatever suite the process's
 * ledger uses (suite.h): every signature made or checked here goes through
 * suite.h with the ed25519-sha256 suite's keys (pdl_sign, pdl_verify), and
 * every hash through its SHA-256 (pdl_tlog_sha256), in this file only.
 *
 * Signature types handled: 0x01 (Ed25519 over the note text) and 0x04
 * (timestamped Ed25519 cosignature over "cosignature/v1\ntime T\n" and the
 * note text). Any other type parses as a vkey (so a caller can name it in
 * its refusal) but never verifies: lines from such keys are ignored, as
 * signed-note says of unknown keys.
 *
 * Invariants:
 *  (1) parsing never reads past its length and never trusts a length it
 *      did not bound: notes ≤ PDL_TLOG_NOTE_BYTES_MAX, signature lines ≤
 *      PDL_TLOG_NOTE_SIGS_MAX each ≤ PDL_TLOG_SIG_RAW_MAX decoded bytes,
 *      proofs ≤ PDL_TLOG_PROOF_MAX hashes;
 *  (2) pdl_tnote_verify says PDL_OK only when at least one line of a
 *      given key verifies and no line whose name and key ID match a given
 *      key fails (signed-note: such a note is malformed);
 *  (3) a cosignature pdl_cosig_sign writes verifies under
 *      pdl_tnote_verify with the signer's 0x04 vkey.
 *
 * Part 2: the C2SP tlog-tiles layout (c2sp.org/tlog-tiles): which tiles a
 * tree of a given size has, their paths, and entry bundles. Pure functions
 * of numbers and bytes; the export from a store is store/tiles.h, the
 * fetch over HTTP wire/tlogfetch.h.
 *
 * A tile at level L (0..63) and index N holds the hashes of up to 256
 * consecutive tree nodes of height 8L: level 0 the leaf hashes, level L the
 * MTH of each full tile at level L-1. For a tree of size s, level L has
 * s >> 8(L+1) full tiles and a partial one of width (s >> 8L) & 255 when
 * that is not 0. Entry bundles follow level 0: bundle N holds entries
 * 256N … 256N+255, each as a big-endian uint16 length and the entry bytes.
 *
 * Paths: "tile/<L>/<N>[.p/<W>]" and "tile/entries/<N>[.p/<W>]", N written
 * as 3-digit groups, all but the last prefixed "x" (1234067 →
 * "x001/x234/067"), W the width of a partial tile (1..255).
 *
 * Invariants of part 2:
 *  (1) a path this module writes is one the spec allows, and
 *      pdl_tlog_path_parse reads back exactly what pdl_tlog_path wrote;
 *  (2) a bundle is accepted only whole: every length in range and the
 *      entries ending exactly at the end of the bytes.
 */
#ifndef PDL_TLOG_H
#define PDL_TLOG_H

#include "merkle.h"
#include "pdl.h"
#include "suite.h"

/* ---- Part 1: notes, checkpoints, cosignatures, add-checkpoint ---- */

/* Signature type bytes (c2sp.org/signed-note, "Signature types"). */
#define PDL_SIGTYPE_ED25519 0x01u /* Ed25519 note signature */
#define PDL_SIGTYPE_COSIG 0x04u   /* timestamped Ed25519 cosignature (cosignature/v1) */
#define PDL_SIGTYPE_MLDSA44 0x06u /* ML-DSA-44 (sub)tree cosignature: parsed, never verified */

/* Key names and origins: the ML-DSA cosigned_message carries names in a
 * one-byte length, so no interoperable name is longer. */
#define PDL_TLOG_NAME_MAX 255u
/* A note with 16 signatures of the largest post-quantum kind (nearly 5 kB
 * each, 6.6 kB in base64) fits, as signed-note requires, with room. */
#define PDL_TLOG_NOTE_BYTES_MAX (128u * 1024u)
#define PDL_TLOG_NOTE_SIGS_MAX 64u   /* signed-note: "MUST accept at least up to 16" */
#define PDL_TLOG_SIG_RAW_MAX 8192u  /* key ID and signature of any type decode to at most this */
#define PDL_TLOG_PROOF_MAX 63u      /* tlog-witness: "MUST NOT send more than 63 consistency proof lines" */
/* A vkey of an ML-DSA-44 key (1312 bytes, 1752 in base64) with a long name. */
#define PDL_TLOG_VKEY_LEN_MAX 2200u
#define PDL_COSIG_RAW_BYTES 76u     /* key ID 4, timestamp 8, Ed25519 signature 64 */
#define PDL_COSIG_TIME_MAX 0x7fffffffffffffffull /* tlog-cosignature: "MUST NOT exceed 2^63 - 1" */
/* "— " name " " base64(76 bytes: 104 characters) "\n", and a NUL. */
#define PDL_COSIG_LINE_MAX (4u + PDL_TLOG_NAME_MAX + 1u + 104u + 1u + 1u)

/* A verifier key: "<name>+<8 hex key ID>+<base64(type || key material)>". */
struct pdl_vkey {
	char name[PDL_TLOG_NAME_MAX + 1];
	size_t name_len;
	uint32_t id;
	uint8_t type;
	size_t key_len;         /* bytes of key material */
	uint8_t pk[32];         /* the key, when key_len is 32 (both Ed25519 types) */
	uint8_t key_hash[32];   /* SHA-256 of the key material: tlog-policy's duplicates */
};

#define ED25519_PK_BYTES 32u /* an Ed25519 public key */

/* SHA-256 of m[0..n): the hash of C2SP key IDs, of origins in the
 * witness's routes, and of tlog trees, whatever the ledger's suite. */
void pdl_tlog_sha256(uint8_t out[PDL_HASH_BYTES], const void *m, size_t n);

/* "Ed25519", "Ed25519 cosignature", "ML-DSA-44 cosignature", … or "unknown". */
const char *pdl_sigtype_name(uint8_t type);

/* Parses a vkey of any signature type. The key ID must be the one
 * signed-note recommends, SHA-256(name || "\n" || type || key)[:4], for the
 * types whose ID is computed so (all but 0x02); an Ed25519 type (0x01,
 * 0x04) must carry a 32-byte key. Errors: PDL_ENOTE (malformed, with *why
 * set to a static reason when why is not NULL). */
int pdl_vkey_parse(const char *s, size_t n, struct pdl_vkey *out, const char **why);
/* A vkey for a 32-byte Ed25519 key of type 0x01 or 0x04 under name.
 * Errors: PDL_EINVAL (bad name or type). */
int pdl_vkey_make(const char *name, uint8_t type, const uint8_t pk[32], struct pdl_vkey *out);
/* Writes the vkey string, NUL-terminated. Errors: PDL_ETOOBIG, PDL_EINVAL
 * (a key that pdl_vkey_make did not make: its material is not kept). */
int pdl_vkey_format(const struct pdl_vkey *k, char *out, size_t cap);

/* A signed note split into its text and signature block. Pointers point
 * into the caller's bytes. */
struct pdl_tnote {
	const char *text;  /* through its final "\n" */
	size_t text_len;
	const char *sigs;  /* the signature lines, each ending in "\n" */
	size_t sigs_len;
	unsigned nsigs;
};

/* Checks a whole note (size, UTF-8 and control characters, the last blank
 * line, every signature line's syntax: em dash, name, base64 of more than
 * four bytes) and splits it. Errors: PDL_ENOTE. */
int pdl_tnote_open(const char *note, size_t len, struct pdl_tnote *out);

/* What pdl_tnote_verify found, per note. */
struct pdl_tverify {
	unsigned good;       /* lines that verified */
	unsigned bad;        /* lines of a given key that did not */
	uint64_t good_keys;  /* bit i: keys[i] has a line that verified (first 64 keys) */
	uint64_t cosig_time; /* the timestamp of the last 0x04 line that verified */
};

/* Checks every signature line against keys[0..nkeys): a line whose name
 * and key ID both match a key must verify under it; other lines are
 * ignored. When good_out is not NULL the lines that verified are copied
 * there (cap bytes; PDL_ETOOBIG if they do not fit) and *good_len set.
 * Returns PDL_OK when at least one line verified and none failed,
 * PDL_EBADSIG otherwise (r says which), PDL_ENOMEM. */
PDL_WUR int pdl_tnote_verify(const struct pdl_tnote *nt, const struct pdl_vkey *keys, size_t nkeys,
                             struct pdl_tverify *r, char *good_out, size_t cap, size_t *good_len);

/* The three lines of a checkpoint body, and how many extension lines
 * follow them (c2sp.org/tlog-checkpoint: any, each non-empty). */
struct pdl_tckpt {
	char origin[PDL_TLOG_NAME_MAX + 1];
	size_t origin_len;
	uint64_t size;
	uint8_t root[PDL_HASH_BYTES];
	unsigned ext_lines;
};

/* Parses a note text (pdl_tnote.text). Errors: PDL_ENOTE with *why. */
int pdl_tckpt_parse(const char *text, size_t len, struct pdl_tckpt *out, const char **why);

/* Writes the cosignature line "— <name> base64(key ID || timestamp ||
 * signature)\n" (NUL-terminated) for the note text, key ID of type 0x04,
 * signed over "cosignature/v1\ntime <ts>\n" || text. sk is an
 * ed25519-sha256 key (asserted). Errors: PDL_EINVAL (name, ts 0 or over 2^63 - 1, a
 * text that does not end in "\n"), PDL_ETOOBIG, PDL_ENOMEM. */
int pdl_cosig_sign(const char *name, const struct pdl_seckey *sk, uint64_t ts, const char *text,
                   size_t text_len, char *line, size_t cap, size_t *line_len);

/* A tlog-witness add-checkpoint request body. note points into the body. */
struct pdl_addckpt {
	uint64_t old_size;
	size_t nproof;
	pdl_hash proof[PDL_TLOG_PROOF_MAX];
	const char *note;
	size_t note_len;
};

/* Parses "old N\n", up to 63 base64 hash lines, "\n", then the note
 * (checked later, by pdl_tnote_open). Errors: PDL_EINVAL with *why. */
int pdl_addckpt_parse(const char *b, size_t n, struct pdl_addckpt *out, const char **why);
/* Writes such a body into a malloc'd buffer (*out, *out_len; the caller
 * frees). Errors: PDL_EINVAL (over 63 hashes), PDL_ENOMEM. */
int pdl_addckpt_format(uint64_t old_size, const pdl_hash *proof, size_t nproof, const char *note, size_t note_len,
                       char **out, size_t *out_len);

/* "0", or decimal digits without a leading zero that fit in uint64. 0 ok. */
int pdl_tlog_parse_u64(const char *s, size_t n, uint64_t *out);

/* ---- Part 2: tlog-tiles (tiles, paths, bundles) ---- */

#define PDL_TILE_HEIGHT 8u
#define PDL_TILE_WIDTH 256u                             /* hashes in a full tile */
#define PDL_TILE_BYTES (PDL_TILE_WIDTH * PDL_HASH_BYTES) /* 8,192 */
#define PDL_TILE_LEVEL_ENTRIES (-1)                     /* the level argument naming entry bundles */
/* The longest bundle: 256 entries of PDL_ENTRY_BYTES_MAX and their prefixes. */
#define PDL_BUNDLE_BYTES_MAX ((size_t)PDL_TILE_WIDTH * (2u + PDL_ENTRY_BYTES_MAX))
/* "tile/entries/" + 7 groups of "x123/" + ".p/255" and a NUL */
#define PDL_TLOG_PATH_MAX 64u

/* Tiles of level level for a tree of size: *full tiles of width 256, then
 * one of width *partial when that is not 0. */
void pdl_tlog_level(uint64_t size, unsigned level, uint64_t *full, unsigned *partial);

/* The number of levels that have a tile (full or partial) for size: 0 for
 * an empty tree. */
unsigned pdl_tlog_levels(uint64_t size);

/* Writes the path of tile (level, index) of width w (w == 256 or 0: full)
 * into out (cap >= PDL_TLOG_PATH_MAX); level PDL_TILE_LEVEL_ENTRIES names
 * an entry bundle. Returns its length. */
size_t pdl_tlog_path(int level, uint64_t index, unsigned w, char *out, size_t cap);

/* Parses a path as pdl_tlog_path writes it (strictly: no leading zeroes in
 * L or W, 3-digit groups, "x" on all but the last). Returns PDL_OK or
 * PDL_EINVAL. *w is 0 for a full tile. */
int pdl_tlog_path_parse(const char *path, size_t n, int *level, uint64_t *index, unsigned *w);

/* Reads the next entry of a bundle at *off (advanced past it). Returns
 * PDL_OK, PDL_ENOTFOUND at the end, or PDL_EDECODE for a length running
 * past the end (a truncated bundle). *e points into b. */
int pdl_tlog_bundle_next(const uint8_t *b, size_t n, size_t *off, const uint8_t **e, size_t *len);

/* The MTH of the w hashes of a tile (as the subtree over them); w >= 1. */
void pdl_tlog_tile_root(const uint8_t *hashes, unsigned w, uint8_t out[PDL_HASH_BYTES]);

#endif
