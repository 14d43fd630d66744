/*
 * fuzz.h — what the libFuzzer targets in tests/fuzz/ share: the fixed key
 * acts are verified with, and the verifier key and origin checkpoints are
 * checked against. gen_corpus.c signs the seed corpus with the same keys,
 * so seeds reach the code behind a valid signature.
 *
 * Each target is one file fuzz_<name>.c; its corpus is corpus/<name>/.
 * A target asserts the module's stated invariants (abort = a finding), not
 * just the absence of memory errors.
 */
#ifndef PDL_FUZZ_H
#define PDL_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "suite.h"

#define FUZZ_ACT_SEED_BYTE 0x5a    /* actor key: seed of 32 such bytes */
#define FUZZ_LEDGER_SEED_BYTE 0xa5 /* ledger (checkpoint) key */
#define FUZZ_ORIGIN "fuzz.example/pdl"
#define FUZZ_LEDGER_ID_BYTE 0x3c   /* acts are signed for the ledger id of 32 such bytes */

static inline void
fuzz_ledger_id(uint8_t id[32])
{
	memset(id, FUZZ_LEDGER_ID_BYTE, 32);
}

static inline void
fuzz_keypair(uint8_t byte, uint8_t pk[32], uint8_t sk[64])
{
	uint8_t seed[32];
	memset(seed, byte, sizeof seed);
	if (sodium_init() < 0)
		abort();
	crypto_sign_seed_keypair(pk, sk, seed);
}

/* The same key as pdl holds it (an ed25519-sha256 suite key). */
static inline void
fuzz_key(uint8_t byte, struct pdl_seckey *k)
{
	uint8_t seed[32];
	memset(seed, byte, sizeof seed);
	if (sodium_init() < 0 || pdl_seckey_open(k, &pdl_suite_ed25519_sha256, seed) != PDL_OK)
		abort();
}

/* fuzz_store's input: a data directory as a list of records, each
 *   tag (1 byte): table = tag & 7 (0 log, 1 tree, 2 meta, 3 nonce, 4 state,
 *                 5 ckpt, 6 blob; 7 is log again), bit 3: 3-byte length
 *   key length (1 byte), key
 *   value length (2 bytes BE, or 3 with bit 3), value
 * A record cut short by the end of the input is dropped. */
#define FUZZ_STORE_TABLES 7u
#define FUZZ_STORE_LONG 0x08u

static inline void
fuzz_store_record(FILE *f, unsigned table, const void *k, size_t kn, const void *v, size_t vn)
{
	int lng = vn > 0xffff;
	uint8_t h[2] = {(uint8_t)(table | (lng ? FUZZ_STORE_LONG : 0)), (uint8_t)kn};
	uint8_t l[3] = {(uint8_t)(vn >> 16), (uint8_t)(vn >> 8), (uint8_t)vn};
	if (kn > 255 || vn > 0xffffff)
		abort();
	fwrite(h, 1, 2, f);
	fwrite(k, 1, kn, f);
	fwrite(lng ? l : l + 1, 1, lng ? 3 : 2, f);
	fwrite(v, 1, vn, f);
}

/* A finding: print what broke and abort, so libFuzzer saves the input. */
#define FUZZ_ASSERT(cond)                                                                                      \
	do {                                                                                                   \
		if (!(cond)) {                                                                                 \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
			abort();                                                                               \
		}                                                                                              \
	} while (0)

/* st->msg must be a NUL-terminated string within its array. */
#define FUZZ_ASSERT_STATUS(st) FUZZ_ASSERT(memchr((st)->msg, 0, sizeof (st)->msg) != NULL)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
