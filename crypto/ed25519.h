/*
 * ed25519.h — Ed25519 signature checks that give libsodium's answer at a
 * fraction of its cost for a key checked before (ed25519.c says how).
 * The ed25519-sha256 suite's verify; private to crypto/ and its tests.
 *
 * Invariants:
 *  (1) pdl_ed25519_verify(sig, m, n, pk) == 0 exactly when libsodium's
 *      crypto_sign_verify_detached(sig, m, n, pk) == 0, for every input;
 *  (2) the caches are per thread: safe from any thread, no lock taken;
 *      a thread's cache is freed when the thread exits.
 */
#ifndef PDL_ED25519_H
#define PDL_ED25519_H

#include <stddef.h>
#include <stdint.h>

#include "suite.h"

/* 0 when sig is pk's Ed25519 signature over m[0..n), else -1. */
int pdl_ed25519_verify(const uint8_t sig[64], const uint8_t *m, size_t n, const uint8_t pk[32]);

/* pdl_ed25519_verify's answer (as PDL_OK or PDL_EBADSIG) in c[i].rc for
 * each of c[0..n), every c[i].pk an Ed25519 key: the checks whose key has
 * a table share one field inversion per 64. */
void pdl_ed25519_verify_many(struct pdl_sigcheck *c, size_t n);

/* This thread's counts since it started: checks answered by a key's
 * table, checks libsodium answered (first uses of a key, and every
 * signature the table path did not accept), tables built. */
struct pdl_ed25519_stats {
	uint64_t fast;
	uint64_t slow;
	uint64_t built;
};
void pdl_ed25519_stats(struct pdl_ed25519_stats *s);

/* Tests: out = encoding of a·B (a below 2^255, any bytes) through the
 * base point's table, as crypto_scalarmult_ed25519_base_noclamp gives it
 * for a nonzero a·B. */
void pdl_ed25519_base_mul_for_tests(uint8_t out[32], const uint8_t a[32]);

/* Tests: on = 0 keeps pdl_ed25519_verify_many to the scalar table path,
 * on = 1 lets it check eight at once where the CPU can (AVX-512 IFMA).
 * Returns 1 when the eight-at-once path is in use. */
int pdl_ed25519_lanes_for_tests(int on);

#endif
