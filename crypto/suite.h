/*
 * suite.h — the crypto suite interface: every hash, signature and key pdl
 * makes or checks goes through one ops table per suite, chosen once, from
 * the ledger's genesis (its `suite` field; a genesis without one names
 * ed25519-sha256).
 *
 * A suite is a struct of function pointers and sizes (as NNG's TLS
 * engines are): its id (the genesis names it), its key algorithm (key
 * files and party keys name it), the hash (one-shot, gathered and
 * incremental), key generation, signing and verifying, the public key
 * encoding, and how its keys appear in C2SP signed notes (the signature
 * type byte and identifier that key IDs and verifier keys carry). Every
 * key carries its suite; a key of one suite handed to another is refused
 * by the reader, naming both (pdl_pubkey_parse, key.h).
 *
 * The ledger's suite. A process reads one ledger at a time (pdld, a pdl
 * command, a projection): it names that ledger's suite once with
 * pdl_suite_use as soon as it has read the genesis (or, for `pdl init`,
 * before it writes one), and pdl_digest and the other helpers below use it
 * from then on. Until then it is ed25519-sha256, the suite of every ledger
 * made before suites existed. Signing and verifying need no choice: they
 * use the suite of the key they are given.
 *
 * Sizes. Every suite's digest is PDL_HASH_BYTES and every signature
 * PDL_SIG_BYTES (pdl.h: the entry, the Merkle tree and the wire carry them
 * at those sizes), so only public keys differ in length: pk_bytes, at most
 * PDL_PK_BYTES_MAX. A key file holds PDL_SECRET_BYTES secret bytes in every
 * suite.
 *
 * Invariants:
 *  (1) pdl_crypto_init (crypto.h) has returned PDL_OK before anything here
 *      runs; pdl_suite_use is called before any thread hashes (it is a
 *      process setting, not a lock-protected one);
 *  (2) for every suite s: s->verify answers PDL_OK only for a signature
 *      s->sign made over the same bytes with the matching secret key;
 *      s->hash_bytes == PDL_HASH_BYTES, s->sig_bytes == PDL_SIG_BYTES,
 *      s->pk_bytes <= PDL_PK_BYTES_MAX (pdl_suite_use asserts them);
 *  (3) no two suites share an id, a key algorithm or a public key length,
 *      so a bare key's length tells its algorithm (pdl_pubkey_parse);
 *  (4) the functions here keep no state but the ledger's suite and caches
 *      private to each suite: safe from any thread.
 */
#ifndef PDL_SUITE_H
#define PDL_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include "pdl.h"
#include "util.h"

#define PDL_PK_BYTES_MAX 65u  /* the longest public key: SM2's uncompressed point 04 ‖ x ‖ y */
#define PDL_SECRET_BYTES 32u  /* a key file's secret: the Ed25519 seed, the SM2 private scalar */
#define PDL_SUITE_ID_LEN_MAX 32u
/* The signed-note signature type: one byte, and for 0xff an identifier
 * after it (C2SP signed-note, "Signature types"). */
#define PDL_NOTE_TYPE_BYTES_MAX 40u
/* Room for a suite's incremental hash state (SHA-256's is 112 bytes); the
 * suites check theirs fits. Private to crypto/: no layer above sees a
 * hash function but through a suite. */
#define PDL_DIGEST_STATE_BYTES 128u

struct pdl_suite;

/* One piece of a message hashed or signed in pieces. */
struct pdl_iov {
	const void *p;
	size_t n;
};

/* One signature to check among many (pdl_verify_many): rc is the answer,
 * PDL_OK or PDL_EBADSIG, as pdl_verify(pk, sig, m, n) gives it. */
struct pdl_sigcheck {
	const struct pdl_pubkey *pk;
	const uint8_t *sig;
	const void *m;
	size_t n;
	int rc;
};

/* An incremental hash. Started with pdl_hash_init (the ledger's suite) or
 * s->hash_init; every init is followed by exactly one final, which frees
 * what the suite allocated. */
typedef struct pdl_digest_ctx {
	const struct pdl_suite *suite;
	union {
		uint64_t align;
		uint8_t state[PDL_DIGEST_STATE_BYTES]; /* SHA-256: sha256.h's context */
		void *md;                              /* SM3: OpenSSL's EVP_MD_CTX */
	} u;
} pdl_digest_ctx;

/* A public key: its suite and its encoding (suite->pk_bytes of b). */
struct pdl_pubkey {
	const struct pdl_suite *suite;
	uint8_t b[PDL_PK_BYTES_MAX];
};

/* A secret key, opened for signing. Close it with pdl_seckey_wipe. */
struct pdl_seckey {
	const struct pdl_suite *suite;
	struct pdl_pubkey pk;
	uint8_t secret[PDL_SECRET_BYTES]; /* what a key file holds */
	void *obj;                        /* the suite's own key object (SM2: an EVP_PKEY), or NULL */
};

/* How a key appears in signed notes: the type byte and the identifier that
 * follows it (empty for the types C2SP assigns). Key ID =
 * hash(name ‖ "\n" ‖ type ‖ identifier ‖ public key)[:4], with the suite's
 * hash; a verifier key's base64 is of type ‖ identifier ‖ public key. */
struct pdl_note_type {
	uint8_t type;
	const char *id;
};

struct pdl_suite {
	const char *id;        /* "ed25519-sha256": the genesis's suite */
	const char *alg;       /* "ed25519": key files say "pdl-<alg>-v1" */
	const char *alg_name;  /* "Ed25519": in messages */
	const char *hash_name; /* "SHA-256": in messages */
	size_t hash_bytes;     /* == PDL_HASH_BYTES */
	size_t sig_bytes;      /* == PDL_SIG_BYTES */
	size_t pk_bytes;       /* <= PDL_PK_BYTES_MAX */
	const char *pk_form;   /* what the encoding is, in messages */
	struct pdl_note_type note;  /* checkpoints and other signed notes */
	struct pdl_note_type cosig; /* C2SP tlog-cosignature lines */

	void (*hash_init)(pdl_digest_ctx *h);
	void (*hash_update)(pdl_digest_ctx *h, const void *m, size_t n);
	void (*hash_final)(pdl_digest_ctx *h, uint8_t out[PDL_HASH_BYTES]);
	/* The hash of the pieces' concatenation; out may alias any piece. */
	void (*hashv)(uint8_t out[PDL_HASH_BYTES], const struct pdl_iov *v, size_t n);

	/* A fresh key from the operating system's randomness. Errors:
	 * PDL_ENOMEM. */
	int (*keygen)(struct pdl_seckey *k);
	/* Completes k from k->secret: the public key and k->obj. Errors:
	 * PDL_EKEY (not a secret of this suite), PDL_ENOMEM. */
	int (*key_open)(struct pdl_seckey *k);
	/* Frees k->obj (never the secret: pdl_seckey_wipe wipes it). */
	void (*key_close)(struct pdl_seckey *k);
	/* PDL_OK when b (pk_bytes) is a public key of this suite, else
	 * PDL_EINVAL (SM2: not an uncompressed point on the curve). */
	int (*pk_check)(const uint8_t *b);
	/* A signature over m[0..n). Never fails but for memory, which aborts
	 * (as a failed malloc does where pdl cannot go on). */
	void (*sign)(const struct pdl_seckey *k, const void *m, size_t n, uint8_t sig[PDL_SIG_BYTES]);
	/* PDL_OK when sig is pk's signature over m[0..n), else PDL_EBADSIG. */
	PDL_WUR int (*verify)(const struct pdl_pubkey *pk, const uint8_t sig[PDL_SIG_BYTES], const void *m, size_t n);
	/* The same answer by the underlying library's own call, no cache of
	 * the suite's in between (Ed25519: libsodium's
	 * crypto_sign_verify_detached; ed25519.c checks a known key's
	 * signatures faster). NULL: verify is that call. For benchmarks: the
	 * machine's verify bound is this call's rate. */
	PDL_WUR int (*verify_plain)(const struct pdl_pubkey *pk, const uint8_t sig[PDL_SIG_BYTES], const void *m,
	                            size_t n);
	/* Sets c[i].rc for each of c[0..n), every key of this suite: verify's
	 * answers, found together where that is cheaper (Ed25519: one field
	 * inversion for many checks). NULL: one verify each. */
	void (*verify_many)(struct pdl_sigcheck *c, size_t n);
};

/* The suites, in the order `pdl init --help` lists them; NULL-terminated. */
extern const struct pdl_suite *const pdl_suites[];
extern const struct pdl_suite pdl_suite_ed25519_sha256;
extern const struct pdl_suite pdl_suite_sm2_sm3;

/* Starts OpenSSL for the sm2-sm3 suite (suite_sm2.c; pdl_crypto_init calls
 * it). Errors: PDL_EINVAL (OpenSSL lacks SM2 or SM3). */
int pdl_sm2_init(void);
/* Tests only: the next SM2 signature of this thread uses nonce k (so the
 * GB/T 32918.5 Annex A example can be reproduced). */
void pdl_sm2_nonce_for_tests(const uint8_t k[32]);

/* The suite with this id (genesis) or key algorithm (key files); NULL if
 * none. */
const struct pdl_suite *pdl_suite_find(const char *id, size_t n);
const struct pdl_suite *pdl_suite_by_alg(const char *alg, size_t n);
/* "ed25519-sha256, sm2-sm3": for help texts and errors. */
const char *pdl_suite_list(void);

/* The ledger's suite (above). pdl_suite_use asserts invariant (2) of s. */
void pdl_suite_use(const struct pdl_suite *s);
const struct pdl_suite *pdl_suite(void);

/* Hashing with the ledger's suite. */
void pdl_digest(uint8_t out[PDL_HASH_BYTES], const void *m, size_t n);
void pdl_digestv(uint8_t out[PDL_HASH_BYTES], const struct pdl_iov *v, size_t n);
void pdl_digest_init(pdl_digest_ctx *h);
void pdl_digest_update(pdl_digest_ctx *h, const void *m, size_t n);
void pdl_digest_final(pdl_digest_ctx *h, uint8_t out[PDL_HASH_BYTES]);

/* Public keys. pdl_pubkey_set checks b (n bytes) as a key of suite s.
 * Errors: PDL_EINVAL. */
int pdl_pubkey_set(struct pdl_pubkey *pk, const struct pdl_suite *s, const uint8_t *b, size_t n);
/* A key as acts carry it (spec/formats.md §1.4, "key"): standard base64 of
 * the suite's encoding. Its algorithm is the ledger's: s is the suite the
 * key must be of. Errors: PDL_EINVAL, with why (NUL-terminated, at most
 * cap bytes) naming the algorithm the bytes are of and the one s takes. */
int pdl_pubkey_parse(struct pdl_pubkey *pk, const struct pdl_suite *s, const char *b64, size_t n, char *why,
                     size_t cap);
/* Writes the base64 (NUL-terminated) into out, of PDL_PK_B64_LEN bytes. */
#define PDL_PK_B64_LEN PDL_B64_LEN(PDL_PK_BYTES_MAX)
void pdl_pubkey_b64(const struct pdl_pubkey *pk, char out[PDL_PK_B64_LEN]);
/* 1 when a and b are the same key of the same suite. */
int pdl_pubkey_eq(const struct pdl_pubkey *a, const struct pdl_pubkey *b);

/* Signing and verifying with a key's own suite. */
void pdl_sign(const struct pdl_seckey *k, const void *m, size_t n, uint8_t sig[PDL_SIG_BYTES]);
PDL_WUR int pdl_verify(const struct pdl_pubkey *pk, const uint8_t sig[PDL_SIG_BYTES], const void *m, size_t n);
/* pdl_verify's answer for each of c[0..n) in c[i].rc, each with its key's
 * suite (runs of one suite go to its verify_many). */
void pdl_verify_many(struct pdl_sigcheck *c, size_t n);
/* As pdl_verify, by the library's own call (the suite's verify_plain). */
PDL_WUR int pdl_verify_plain(const struct pdl_pubkey *pk, const uint8_t sig[PDL_SIG_BYTES], const void *m, size_t n);

/* Secret keys. pdl_seckey_generate makes a fresh one of suite s;
 * pdl_seckey_open one from its secret bytes (a key file's). Errors:
 * PDL_EKEY, PDL_ENOMEM. Wipe (and close) every opened key with
 * pdl_seckey_wipe, also after an error. */
int pdl_seckey_generate(struct pdl_seckey *k, const struct pdl_suite *s);
int pdl_seckey_open(struct pdl_seckey *k, const struct pdl_suite *s, const uint8_t secret[PDL_SECRET_BYTES]);
void pdl_seckey_wipe(struct pdl_seckey *k);

/* Signed notes (lib/note.h writes the lines): the bytes after the name in
 * a key ID's hash and in a verifier key, type ‖ identifier ‖ public key,
 * of the note (cosig 0) or cosignature (cosig 1) type of pk's suite;
 * returns their length. */
#define PDL_NOTE_KEY_BYTES_MAX (PDL_NOTE_TYPE_BYTES_MAX + PDL_PK_BYTES_MAX)
size_t pdl_pubkey_note_bytes(const struct pdl_pubkey *pk, int cosig, uint8_t out[PDL_NOTE_KEY_BYTES_MAX]);
/* The key ID: the first 4 bytes, big endian, of the pk suite's hash of
 * name ‖ "\n" ‖ pdl_pubkey_note_bytes. */
uint32_t pdl_pubkey_note_id(const struct pdl_pubkey *pk, int cosig, const char *name, size_t name_len);
/* The public key of a verifier key's raw bytes (type ‖ identifier ‖ key):
 * the suite whose note type they start with. Errors: PDL_ENOTE (no suite
 * has that type, or the key is malformed). */
int pdl_pubkey_note_parse(const uint8_t *raw, size_t n, struct pdl_pubkey *pk);

#endif
