/* crypto.c — see crypto.h. */
#include <sodium.h>

#include "crypto.h"

int
pdl_crypto_init(void)
{
	if (sodium_init() < 0)
		return PDL_EINVAL;
	return pdl_sm2_init();
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
