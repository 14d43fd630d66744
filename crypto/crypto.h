/*
 * crypto.h — every call pdl makes into libsodium, behind pdl's own names:
 * Ed25519 key pairs, signing and verifying, random bytes, constant-time
 * comparison and wiping. Nothing outside crypto/ includes <sodium.h>, so a
 * second suite (spec/architecture.md, "Adding a crypto suite") changes this
 * folder and its tests, not the tree.
 *
 * Today there is one suite, ed25519-sha256: Ed25519 signatures
 * (libsodium) and SHA-256 (sha256.h). Sizes are the PDL_PK_BYTES,
 * PDL_SK_BYTES and PDL_SIG_BYTES of pdl.h; a secret key is libsodium's
 * 64-byte form, seed ‖ public key.
 *
 * Invariants:
 *  (1) pdl_crypto_init has returned PDL_OK before any other function here
 *      runs (each program's main calls it first);
 *  (2) pdl_sign_verify answers PDL_OK only for a signature pdl_sign made
 *      over the same bytes with the matching secret key;
 *  (3) these functions keep no state of their own: safe from any thread.
 */
#ifndef PDL_CRYPTO_H
#define PDL_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "pdl.h"

#define PDL_SEED_BYTES 32u /* an Ed25519 secret key file holds the seed */

/* Initialises libsodium. Errors: PDL_EINVAL (it could not start). */
int pdl_crypto_init(void);

/* The key pair of a 32-byte seed. */
void pdl_sign_seed_keypair(uint8_t pk[PDL_PK_BYTES], uint8_t sk[PDL_SK_BYTES], const uint8_t seed[PDL_SEED_BYTES]);
/* A fresh random key pair. */
void pdl_sign_keypair(uint8_t pk[PDL_PK_BYTES], uint8_t sk[PDL_SK_BYTES]);
/* A detached signature over m[0..n). */
void pdl_sign(uint8_t sig[PDL_SIG_BYTES], const void *m, size_t n, const uint8_t sk[PDL_SK_BYTES]);
/* PDL_OK when sig is pk's signature over m[0..n), else PDL_EBADSIG. */
PDL_WUR int pdl_sign_verify(const uint8_t sig[PDL_SIG_BYTES], const void *m, size_t n,
                            const uint8_t pk[PDL_PK_BYTES]);

/* n bytes from the operating system's random source. */
void pdl_random(void *out, size_t n);

/* Compares in time independent of the bytes: 0 when equal, else -1 (as
 * libsodium's sodium_memcmp). For secrets and for values an attacker
 * chooses to probe. */
int pdl_memcmp_ct(const void *a, const void *b, size_t n);
/* Overwrites n bytes with zeros in a way the compiler keeps. */
void pdl_wipe(void *p, size_t n);

#endif
