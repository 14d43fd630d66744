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

#define FUZZ_ACT_SEED_BYTE 0x5a    /* actor key: seed of 32 such bytes */
#define FUZZ_LEDGER_SEED_BYTE 0xa5 /* ledger (checkpoint) key */
#define FUZZ_ORIGIN "fuzz.example/pdl"

static inline void
fuzz_keypair(uint8_t byte, uint8_t pk[32], uint8_t sk[64])
{
	uint8_t seed[32];
	memset(seed, byte, sizeof seed);
	if (sodium_init() < 0)
		abort();
	crypto_sign_seed_keypair(pk, sk, seed);
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
