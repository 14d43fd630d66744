/*
 * note.h — C2SP signed-note and tlog-checkpoint, with the keys of any suite
 * (suite.h).
 *
 * A note is UTF-8 text: a body of one or more lines each ending in "\n",
 * one blank line, then signature lines "— <name> <base64(keyid4 || sig64)>\n"
 * (the dash is U+2014). The key ID is the first 4 bytes (big endian) of
 * hash(name || "\n" || type || pubkey), with the key's suite's hash and
 * signed-note type (suite.h: for Ed25519, SHA-256 and 0x01, as C2SP says;
 * for SM2, SM3 and 0xff followed by an identifier). A verifier key string
 * is "<name>+<8 lowercase hex key id>+<base64(type || pubkey)>".
 *
 * A pdl checkpoint body is "<origin>\n<size>\n<base64 root>\n" (C2SP
 * tlog-checkpoint with no extension line). Ledgers written before that
 * carry one extension line "chain <base64 chain hash of entry size-1>";
 * the parser still reads it (has_chain) so their stored notes verify, and
 * pdl_ckpt_format still writes it when asked (tests of old ledgers only).
 * The note is signed with the ledger key under the name <origin>.
 *
 * Invariants:
 *  (1) pdl_note_verify accepts exactly the notes pdl_note_sign produces for
 *      that key and any note with extra signature lines by other keys.
 *  (2) parsing never reads past `len` and never allocates.
 */
#ifndef PDL_NOTE_H
#define PDL_NOTE_H

#include "pdl.h"
#include "suite.h"

#define PDL_NOTE_BYTES_MAX 8192u   /* a checkpoint with a few cosignatures */
/* Signature lines examined: the ledger's and a cosignature from each of up to
 * PDL_TPOLICY_WITNESSES_MAX (32) witnesses of a policy (tpolicy.h), with room. */
#define PDL_NOTE_SIGS_MAX 40u
/* name + 8 hex digits + two '+' + the base64 of the longest key bytes */
#define PDL_VKEY_LEN_MAX (PDL_ORIGIN_LEN_MAX + 10u + PDL_B64_LEN(PDL_NOTE_KEY_BYTES_MAX))

uint32_t pdl_note_key_id(const char *name, const struct pdl_pubkey *pk);

/* 1 when s[0..n) is what signed-note allows in a note: valid UTF-8 with no
 * control character but "\n". */
int pdl_note_text_valid(const char *s, size_t n);
/* 1 when name (n bytes) is a key name: non-empty UTF-8 without Unicode
 * spaces, '+' or control characters (Go's note package's rule, and
 * C2SP signed-note's). The one check: signing, verifier keys and the
 * cosignature lines checkpoint.cosign records all use it. */
int pdl_note_name_valid(const char *name, size_t n);

/* Writes the verifier key string (NUL-terminated). PDL_ETOOBIG if cap is short,
 * PDL_EINVAL if name is empty or contains '+', space or newline. */
int pdl_note_vkey_format(const char *name, const struct pdl_pubkey *pk, char *out, size_t cap);

/* Parses a verifier key string; pk gets the suite its type names. name
 * receives a NUL-terminated copy (cap name_cap). Errors: PDL_ENOTE
 * (malformed, a type no suite has, key id does not match), PDL_ETOOBIG. */
int pdl_note_vkey_parse(const char *vkey, char *name, size_t name_cap, struct pdl_pubkey *pk);

/* Appends "\n— name sig\n" to body (which must end in "\n") into out,
 * NUL-terminated; *out_len gets the length. The signature is k's, in k's
 * suite. Errors: PDL_EINVAL, PDL_ETOOBIG. */
int pdl_note_sign(const char *body, size_t body_len, const char *name, const struct pdl_seckey *k,
                  char *out, size_t cap, size_t *out_len);

/* Checks that the note carries a valid signature by (name, pk).
 * *body_len receives the length of the signed body (through its last "\n").
 * Errors: PDL_ENOTE (malformed), PDL_EBADSIG (no valid signature by that key). */
PDL_WUR int pdl_note_verify(const char *note, size_t len, const char *name, const struct pdl_pubkey *pk,
                            size_t *body_len);

/* A C2SP tlog-cosignature line (c2sp.org/tlog-cosignature,
 * "cosignature/v1") by k on the note's body (note may be a signed note or
 * a bare body): "— <name> base64(key ID (4) ‖ timestamp (8, BE) ‖ sig)"
 * without a final newline, NUL-terminated, where sig is k's signature over
 * "cosignature/v1\ntime <timestamp>\n" ‖ body and the key ID is of k's
 * suite's cosignature type (suite.h). Errors: PDL_EINVAL (bad name, not a
 * note, timestamp over 2^63 - 1), PDL_ETOOBIG (cap). */
int pdl_note_cosign(const char *note, size_t len, const char *name, const struct pdl_seckey *k, uint64_t timestamp,
                    char *out, size_t cap);

struct pdl_ckpt {
	char origin[PDL_ORIGIN_LEN_MAX + 1];
	uint64_t size;
	uint8_t root[PDL_HASH_BYTES];
	uint8_t chain[PDL_HASH_BYTES];
	int has_chain;
};

/* Formats a checkpoint body. Errors: PDL_ETOOBIG, PDL_EINVAL. */
int pdl_ckpt_format(const struct pdl_ckpt *c, char *out, size_t cap, size_t *out_len);

/* Parses the body of a checkpoint note (signature lines after the blank
 * line are ignored here; check them with pdl_note_verify).
 * Errors: PDL_ENOTE. */
int pdl_ckpt_parse(const char *note, size_t len, struct pdl_ckpt *out);

#endif
