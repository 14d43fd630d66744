/*
 * fuzz_ed25519 — crypto/ed25519.c's table path against libsodium: every
 * answer of pdl_ed25519_verify and pdl_ed25519_verify_many equals
 * crypto_sign_verify_detached's (ed25519.h, invariant 1).
 *
 * Random signatures almost never pass, so most inputs start from a good
 * one: byte 0 picks the key (the fixed fuzz key, or that key plus a point
 * of order 8, whose signatures pass only when 8 divides h) and how to
 * spoil the signature made over the rest of the input: not at all, XOR
 * bytes of the input into it, R made a small-order encoding, s + L, the
 * input's first 64 bytes as the signature, or R the identity with s = h·a
 * (s·B - h·A = R holds; libsodium refuses R as of small order). Both keys have their tables
 * from the start, so the table path answers whenever it may. The check
 * is made alone, then in a list of eight good ones (at a place the
 * input's size picks) by the eight-at-once path and by the scalar one.
 */
#include "fuzz.h"

#include "ed25519.h"

static uint8_t pk[2][32];
static uint8_t sk[64];
static uint8_t a[32]; /* the secret scalar of sk, mod L */

static const uint8_t t8[32] = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
                               0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
                               0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};
static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                              0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                              0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

/* A signature by a under key pk[w] (for w = 0 libsodium's own), the nonce
 * from the message: R ‖ r + h·a. */
static void
sign_with(int w, const uint8_t *m, size_t n, uint8_t sig[64])
{
	if (w == 0) {
		crypto_sign_detached(sig, NULL, m, n, sk);
		return;
	}
	uint8_t wide[64], r[32], h[32], ha[32];
	crypto_generichash(wide, sizeof wide, m, n, NULL, 0);
	crypto_core_ed25519_scalar_reduce(r, wide);
	if (crypto_scalarmult_ed25519_base_noclamp(sig, r) != 0)
		abort();
	crypto_hash_sha512_state hs;
	crypto_hash_sha512_init(&hs);
	crypto_hash_sha512_update(&hs, sig, 32);
	crypto_hash_sha512_update(&hs, pk[1], 32);
	crypto_hash_sha512_update(&hs, m, n);
	crypto_hash_sha512_final(&hs, wide);
	crypto_core_ed25519_scalar_reduce(h, wide);
	crypto_core_ed25519_scalar_mul(ha, h, a);
	crypto_core_ed25519_scalar_add(sig + 32, r, ha);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	uint8_t az[64], wide[64] = {0};
	fuzz_keypair(FUZZ_ACT_SEED_BYTE, pk[0], sk);
	crypto_hash_sha512(az, sk, 32);
	az[0] &= 248;
	az[31] &= 127;
	az[31] |= 64;
	memcpy(wide, az, 32);
	crypto_core_ed25519_scalar_reduce(a, wide);
	if (crypto_core_ed25519_add(pk[1], pk[0], t8) != 0)
		abort();
	/* both keys earn their tables: signatures libsodium accepts */
	for (int w = 0; w < 2; w++) {
		int ok = 0;
		for (uint32_t i = 0; ok < 40 && i < 100000; i++) {
			uint8_t sig[64];
			sign_with(w, (const uint8_t *)&i, sizeof i, sig);
			if (crypto_sign_verify_detached(sig, (const uint8_t *)&i, sizeof i, pk[w]) == 0) {
				FUZZ_ASSERT(pdl_ed25519_verify(sig, (const uint8_t *)&i, sizeof i, pk[w]) == 0);
				ok++;
			}
		}
	}
	struct pdl_ed25519_stats st;
	pdl_ed25519_stats(&st);
	FUZZ_ASSERT(st.built == 2);
	return 0;
}

static void
spoil(uint8_t sig[64], unsigned how, const uint8_t *data, size_t size)
{
	switch (how) {
	case 1: /* XOR the input into the signature */
		for (size_t i = 1; i < size; i++)
			sig[(i * 7) % 64] ^= data[i];
		break;
	case 2: /* R: a small-order encoding, maybe with the sign bit */
		memset(sig, 0, 32);
		sig[0] = size > 1 ? data[1] % 2 : 1;
		if (size > 2 && data[2] & 1)
			memcpy(sig, t8, 32);
		if (size > 2 && data[2] & 2)
			sig[31] |= 0x80;
		break;
	case 3: { /* s + L (left as is when it passes 2^256) */
		unsigned carry = 0;
		uint8_t s[32];
		for (int i = 0; i < 32; i++) {
			unsigned x = sig[32 + i] + L[i] + carry;
			s[i] = (uint8_t)x;
			carry = x >> 8;
		}
		if (!carry)
			memcpy(sig + 32, s, 32);
		break;
	}
	case 4: /* the input itself */
		if (size >= 65)
			memcpy(sig, data + 1, 64);
		break;
	case 5: { /* R the identity, s = h·a: the equation holds, libsodium refuses R */
		uint8_t wide[64], h[32];
		crypto_hash_sha512_state hs;
		memset(sig, 0, 32);
		sig[0] = 1;
		crypto_hash_sha512_init(&hs);
		crypto_hash_sha512_update(&hs, sig, 32);
		crypto_hash_sha512_update(&hs, pk[0], 32);
		crypto_hash_sha512_update(&hs, data + 1, size - 1);
		crypto_hash_sha512_final(&hs, wide);
		crypto_core_ed25519_scalar_reduce(h, wide);
		crypto_core_ed25519_scalar_mul(sig + 32, h, a);
		break;
	}
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned how = (data[0] >> 1) % 6;
	int w = how == 5 ? 0 : data[0] & 1; /* (5 is for the plain key) */
	const uint8_t *m = data + 1;
	size_t n = size - 1;
	uint8_t sig[64];
	sign_with(w, m, n, sig);
	spoil(sig, how, data, size);
	int want = crypto_sign_verify_detached(sig, m, n, pk[w]) == 0 ? 0 : -1;
	FUZZ_ASSERT(pdl_ed25519_verify(sig, m, n, pk[w]) == want);
	/* in a list of eight (one pass of the eight-at-once path, where the CPU
	 * has it), among good checks of key 0; then the scalar table path */
	struct pdl_pubkey k[2];
	uint8_t gsig[64];
	for (int i = 0; i < 2; i++) {
		k[i].suite = &pdl_suite_ed25519_sha256;
		memcpy(k[i].b, pk[i], 32);
	}
	sign_with(0, m, n, gsig);
	size_t pos = size % 8;
	for (int on = 1; on >= 0; on--) {
		struct pdl_sigcheck c[8];
		for (size_t j = 0; j < 8; j++)
			c[j] = j == pos ? (struct pdl_sigcheck){.pk = &k[w], .sig = sig, .m = m, .n = n}
			                : (struct pdl_sigcheck){.pk = &k[0], .sig = gsig, .m = m, .n = n};
		pdl_ed25519_lanes_for_tests(on);
		pdl_ed25519_verify_many(c, 8);
		for (size_t j = 0; j < 8; j++)
			FUZZ_ASSERT(c[j].rc == (j != pos || want == 0 ? PDL_OK : PDL_EBADSIG));
	}
	pdl_ed25519_lanes_for_tests(1);
	return 0;
}
