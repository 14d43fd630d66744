/* crypto.c — see crypto.h. */
#include <sodium.h>

#include "crypto.h"

int
pdl_crypto_init(void)
{
	return sodium_init() < 0 ? PDL_EINVAL : PDL_OK;
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
