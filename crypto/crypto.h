/*
 * crypto.h — what pdl asks of cryptography besides the suites: starting the
 * libraries, random bytes, constant-time comparison and wiping. Hashes,
 * signatures and keys are the suites' (suite.h, included here); secret key
 * files are key.h's. Nothing outside crypto/ includes <sodium.h> or an
 * OpenSSL header, so a suite changes this folder and its tests, not the
 * tree (spec/architecture.md, "A crypto suite").
 *
 * Invariants:
 *  (1) pdl_crypto_init has returned PDL_OK before any other function here
 *      or in suite.h runs (each program's main calls it first);
 *  (2) these functions keep no state of their own: safe from any thread.
 */
#ifndef PDL_CRYPTO_H
#define PDL_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "pdl.h"
#include "suite.h"

/* Starts libsodium (and OpenSSL for the SM2 suite). Errors: PDL_EINVAL
 * (a library could not start). */
int pdl_crypto_init(void);

/* n bytes from the operating system's random source. */
void pdl_random(void *out, size_t n);

/* Compares in time independent of the bytes: 0 when equal, else -1 (as
 * libsodium's sodium_memcmp). For secrets and for values an attacker
 * chooses to probe. */
int pdl_memcmp_ct(const void *a, const void *b, size_t n);
/* Overwrites n bytes with zeros in a way the compiler keeps. */
void pdl_wipe(void *p, size_t n);

#endif
