/* crypto.c — see crypto.h. */
#include <sodium.h>

#include "crypto.h"

int
pdl_crypto_init(void)
{
	return sodium_init() < 0 ? PDL_EINVAL : PDL_OK;
}

void
pdl_sign_seed_keypair(uint8_t pk[PDL_PK_BYTES], uint8_t sk[PDL_SK_BYTES], const uint8_t seed[PDL_SEED_BYTES])
{
	crypto_sign_seed_keypair(pk, sk, seed);
}

void
pdl_sign_keypair(uint8_t pk[PDL_PK_BYTES], uint8_t sk[PDL_SK_BYTES])
{
	crypto_sign_keypair(pk, sk);
}

void
pdl_sign(uint8_t sig[PDL_SIG_BYTES], const void *m, size_t n, const uint8_t sk[PDL_SK_BYTES])
{
	crypto_sign_detached(sig, NULL, m, n, sk);
}

int
pdl_sign_verify(const uint8_t sig[PDL_SIG_BYTES], const void *m, size_t n, const uint8_t pk[PDL_PK_BYTES])
{
	return crypto_sign_verify_detached(sig, m, n, pk) == 0 ? PDL_OK : PDL_EBADSIG;
}

void
pdl_random(void *out, size_t n)
{
	randombytes_buf(out, n);
}

int
pdl_memcmp_ct(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n);
}

void
pdl_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}
