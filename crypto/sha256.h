/*
 * sha256.h — SHA-256 (FIPS 180-4) for every hash pdl computes.
 *
 * libsodium 1.0.18's SHA-256 is portable C (about 300 MB/s here); each act
 * costs three hashes of a few hundred bytes (act hash, Merkle leaf, chain)
 * plus about one node hash, which was 7% of pdld's CPU. On x86-64 CPUs with
 * the SHA extensions the block function below uses them (several times
 * faster); elsewhere it falls back to a portable block function. Which one
 * runs is decided once, on first use, from CPUID.
 *
 * Invariants:
 *  (1) Both block functions compute the same compression; tests/unit/
 *      test_sha256 checks each against FIPS vectors and against libsodium.
 *  (2) A context is used by one thread at a time; the dispatch choice is
 *      made once and is read-only afterwards.
 */
#ifndef PDL_SHA256_H
#define PDL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define PDL_SHA256_BYTES 32u

typedef struct pdl_sha256_ctx {
	uint32_t h[8];
	uint64_t total_bytes;
	uint8_t buf[64];
	size_t buf_fill;
} pdl_sha256_ctx;

void pdl_sha256_init(pdl_sha256_ctx *s);
void pdl_sha256_update(pdl_sha256_ctx *s, const void *data, size_t len);
/* Writes the digest and wipes the context. */
void pdl_sha256_final(pdl_sha256_ctx *s, uint8_t out[PDL_SHA256_BYTES]);

/* One-shot: out = SHA-256(data[0..len)). out may alias data. */
void pdl_sha256(uint8_t out[PDL_SHA256_BYTES], const void *data, size_t len);

/* Which block function runs: "sha-ni" or "portable". */
const char *pdl_sha256_impl(void);

/* Tests only: force the portable block function (1) or restore the choice
 * made from CPUID (0). Not thread-safe; call before any hashing threads. */
void pdl_sha256_force_portable(int on);

#endif
