/* test_htab.c — the one hash table (base/htab.h): what goes in comes back,
 * across growth, with keys that share prefixes, hold NUL bytes or are
 * empty; new values are zeroed; absent keys are NULL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "htab.h"

#define KEYS 5000u /* several doublings past the first 1024 slots */

static void
test_put_get_across_growth(void **state)
{
	(void)state;
	struct pdl_htab h;
	char k[32];
	pdl_htab_init(&h, sizeof(uint64_t));
	assert_null(pdl_htab_get(&h, "x", 1)); /* an empty table */
	for (unsigned i = 0; i < KEYS; i++) {
		int n = snprintf(k, sizeof k, "party-%u", i);
		uint64_t *v = pdl_htab_put(&h, k, (size_t)n);
		assert_non_null(v);
		assert_int_equal(*v, 0); /* new: zeroed */
		*v = 1000u + i;
	}
	assert_int_equal(h.n, KEYS);
	for (unsigned i = 0; i < KEYS; i++) {
		int n = snprintf(k, sizeof k, "party-%u", i);
		uint64_t *v = pdl_htab_get(&h, k, (size_t)n);
		assert_non_null(v);
		assert_int_equal(*v, 1000u + i);
		assert_ptr_equal(pdl_htab_put(&h, k, (size_t)n), v); /* put of a present key: the same value */
	}
	assert_int_equal(h.n, KEYS);
	assert_null(pdl_htab_get(&h, "party-", 6));        /* a prefix of the keys */
	assert_null(pdl_htab_get(&h, "party-50000", 11)); /* longer than one */
	pdl_htab_free(&h);
	assert_int_equal(h.cap, 0);
}

static void
test_binary_keys(void **state)
{
	(void)state;
	struct pdl_htab h;
	pdl_htab_init(&h, 32);
	uint8_t *a = pdl_htab_put(&h, "a\0b", 3), *b = pdl_htab_put(&h, "a\0c", 3), *e = pdl_htab_put(&h, "", 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(e);
	assert_ptr_not_equal(a, b); /* a NUL inside does not end the key */
	memset(a, 0xaa, 32);
	memset(e, 0xee, 32);
	assert_int_equal(((uint8_t *)pdl_htab_get(&h, "a\0b", 3))[31], 0xaa);
	assert_int_equal(((uint8_t *)pdl_htab_get(&h, "a\0c", 3))[0], 0);
	assert_int_equal(((uint8_t *)pdl_htab_get(&h, "", 0))[5], 0xee);
	assert_null(pdl_htab_get(&h, "a", 1));
	pdl_htab_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_across_growth),
		cmocka_unit_test(test_binary_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
