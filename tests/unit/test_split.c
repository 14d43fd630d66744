/* test_split.c — the settlement split: hand-computed cases and a property
 * test over random cases checked with independent exact arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "split.h"

static void
expect(const struct pdl_split_in *in, const int64_t *want)
{
	int64_t got[PDL_SPLIT_PROVIDERS_MAX + 3];
	assert_int_equal(pdl_split(in, got), PDL_OK);
	for (size_t i = 0; i < in->n_providers + 3; i++)
		if (got[i] != want[i])
			fail_msg("line %zu: got %lld, want %lld", i, (long long)got[i], (long long)want[i]);
}

static void
test_weighted(void **state)
{
	(void)state;
	uint64_t w[] = {1, 2};
	struct pdl_split_in in = {10000, 6000, 2000, 1500, 500, 2, w};
	int64_t want[] = {2000, 4000, 2000, 1500, 500};
	expect(&in, want);
}

static void
test_remainders_zero_usage(void **state)
{
	(void)state;
	/* G=101: pool 50.5 over three equal providers (no usage: equal weights) =
	 * 16.833 each; operator 25.25, developer 15.15, authority 10.1. Floors sum
	 * to 98; the 3 leftover fen go to the three .833 fractions. */
	uint64_t w[] = {0, 0, 0};
	struct pdl_split_in in = {101, 5000, 2500, 1500, 1000, 3, w};
	int64_t want[] = {17, 17, 17, 25, 15, 10};
	expect(&in, want);
}

static void
test_ties_go_first(void **state)
{
	(void)state;
	/* 1 fen over two equal providers: 0.5 each, the tie goes to the first */
	uint64_t w[] = {5, 5};
	struct pdl_split_in in = {1, 10000, 0, 0, 0, 2, w};
	int64_t want[] = {1, 0, 0, 0, 0};
	expect(&in, want);
	/* 3 fen, four lines of .75: the first three lines get them */
	uint64_t w1[] = {1};
	struct pdl_split_in in2 = {3, 2500, 2500, 2500, 2500, 1, w1};
	int64_t want2[] = {1, 1, 1, 0};
	expect(&in2, want2);
}

static void
test_single_provider(void **state)
{
	(void)state;
	/* 999 fen: provider 699.3, the others 99.9 each; leftover 3 → the .9 lines */
	uint64_t w[] = {42};
	struct pdl_split_in in = {999, 7000, 1000, 1000, 1000, 1, w};
	int64_t want[] = {699, 100, 100, 100};
	expect(&in, want);
}

static void
test_zero_gross_and_zero_lines(void **state)
{
	(void)state;
	uint64_t w[] = {3, 0};
	struct pdl_split_in in = {0, 5000, 5000, 0, 0, 2, w};
	int64_t want[] = {0, 0, 0, 0, 0};
	expect(&in, want);
	/* a provider with no usage beside one with usage gets nothing (kept as a line) */
	struct pdl_split_in in2 = {1000, 5000, 5000, 0, 0, 2, w};
	int64_t want2[] = {500, 0, 500, 0, 0};
	expect(&in2, want2);
}

static void
test_max_gross(void **state)
{
	(void)state;
	uint64_t w[] = {UINT64_MAX, 1, UINT64_MAX - 7};
	struct pdl_split_in in = {INT64_MAX, 2500, 2500, 2500, 2500, 3, w};
	int64_t got[6];
	assert_int_equal(pdl_split(&in, got), PDL_OK);
	__int128 sum = 0;
	for (int i = 0; i < 6; i++) {
		assert_true(got[i] >= 0);
		sum += got[i];
	}
	assert_true(sum == (__int128)INT64_MAX);
	/* operator: INT64_MAX / 4 = 2305843009213693951.75 → floor or +1 */
	assert_true(got[3] == 2305843009213693951LL || got[3] == 2305843009213693952LL);
}

static void
test_rejects(void **state)
{
	(void)state;
	uint64_t w[] = {1};
	int64_t got[4];
	struct pdl_split_in bad_bp = {100, 5000, 5000, 1, 0, 1, w};
	assert_int_equal(pdl_split(&bad_bp, got), PDL_EINVAL);
	struct pdl_split_in neg = {-1, 10000, 0, 0, 0, 1, w};
	assert_int_equal(pdl_split(&neg, got), PDL_EINVAL);
	struct pdl_split_in nopool = {100, 5000, 5000, 0, 0, 0, w};
	assert_int_equal(pdl_split(&nopool, got), PDL_EINVAL);
}

/* ---- property test, with its own exact arithmetic (4 × 64-bit limbs) ---- */

typedef struct {
	uint64_t l[4]; /* little endian */
} big;

static big
big_mul(uint64_t a, uint64_t b, uint64_t c) /* a × b × c */
{
	big r = {{0, 0, 0, 0}};
	unsigned __int128 ab = (unsigned __int128)a * b;
	uint64_t lo = (uint64_t)ab, hi = (uint64_t)(ab >> 64);
	unsigned __int128 t = (unsigned __int128)lo * c;
	r.l[0] = (uint64_t)t;
	t = (t >> 64) + (unsigned __int128)hi * c;
	r.l[1] = (uint64_t)t;
	r.l[2] = (uint64_t)(t >> 64);
	return r;
}

static big
big_mul128(unsigned __int128 x, uint64_t y) /* x × y */
{
	big r = {{0, 0, 0, 0}};
	unsigned __int128 t = (unsigned __int128)(uint64_t)x * y;
	r.l[0] = (uint64_t)t;
	t = (t >> 64) + (unsigned __int128)(uint64_t)(x >> 64) * y;
	r.l[1] = (uint64_t)t;
	r.l[2] = (uint64_t)(t >> 64);
	return r;
}

static int
big_cmp(big a, big b)
{
	for (int i = 3; i >= 0; i--)
		if (a.l[i] != b.l[i])
			return a.l[i] < b.l[i] ? -1 : 1;
	return 0;
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct prov {
	int id;
	uint64_t w;
};

static int
by_id(const void *a, const void *b)
{
	return ((const struct prov *)a)->id - ((const struct prov *)b)->id;
}

/* Splits with providers sorted by id, as the ledger does; amounts by id. */
static void
split_by_id(struct prov *p, size_t np, int64_t g, const uint32_t bp[4], int64_t *by_id_out, int64_t *rest)
{
	struct prov sorted[16];
	uint64_t w[16];
	int64_t out[19];
	memcpy(sorted, p, np * sizeof *p);
	qsort(sorted, np, sizeof *sorted, by_id);
	for (size_t i = 0; i < np; i++)
		w[i] = sorted[i].w;
	struct pdl_split_in in = {g, bp[0], bp[1], bp[2], bp[3], np, w};
	assert_int_equal(pdl_split(&in, out), PDL_OK);
	for (size_t i = 0; i < np; i++)
		by_id_out[sorted[i].id] = out[i];
	memcpy(rest, out + np, 3 * sizeof *rest);
}

static void
test_property(void **state)
{
	(void)state;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (int iter = 0; iter < 10000; iter++) {
		/* gross: small, medium, huge */
		int64_t g;
		switch (rnd(&seed) % 4) {
		case 0: g = (int64_t)(rnd(&seed) % 1000); break;
		case 1: g = (int64_t)(rnd(&seed) % 100000000); break;
		case 2: g = (int64_t)(rnd(&seed) >> 1); break;
		default: g = INT64_MAX - (int64_t)(rnd(&seed) % 1000); break;
		}
		uint32_t bp[4], left = PDL_BP_TOTAL;
		for (int i = 0; i < 3; i++) {
			bp[i] = (uint32_t)(rnd(&seed) % (left + 1));
			left -= bp[i];
		}
		bp[3] = left;
		size_t np = 1 + rnd(&seed) % 8;
		struct prov p[16];
		int allzero = 1;
		for (size_t i = 0; i < np; i++) {
			p[i].id = (int)i;
			switch (rnd(&seed) % 4) {
			case 0: p[i].w = 0; break;
			case 1: p[i].w = rnd(&seed) % 10; break;
			case 2: p[i].w = rnd(&seed) % 1000000; break;
			default: p[i].w = rnd(&seed) >> (rnd(&seed) % 8); break;
			}
			allzero &= p[i].w == 0;
		}
		/* the sum of weights must fit the ledger's uint64 usage sums */
		unsigned __int128 wsum = 0;
		for (size_t i = 0; i < np; i++)
			wsum += p[i].w;
		if (wsum > UINT64_MAX)
			for (size_t i = 0; i < np; i++)
				p[i].w >>= 4;
		wsum = 0;
		for (size_t i = 0; i < np; i++)
			wsum += allzero ? 1 : p[i].w;

		int64_t a[16], rest[3];
		split_by_id(p, np, g, bp, a, rest);

		/* (1) exact sum */
		__int128 sum = rest[0] + (__int128)rest[1] + rest[2];
		for (size_t i = 0; i < np; i++)
			sum += a[i];
		if (sum != (__int128)g)
			fail_msg("case %d: lines sum to %lld, gross %lld", iter, (long long)sum, (long long)g);

		/* (2) within 1 fen: (amount - 1) × D < N < (amount + 1) × D */
		for (size_t i = 0; i < np + 3; i++) {
			big n, lo, hi;
			int64_t amt;
			if (i < np) {
				uint64_t w = allzero ? 1 : p[i].w;
				n = big_mul((uint64_t)g, bp[0], w);
				unsigned __int128 d = (unsigned __int128)PDL_BP_TOTAL * wsum;
				amt = a[i];
				lo = big_mul128(d, (uint64_t)(amt > 0 ? amt - 1 : 0));
				hi = big_mul128(d, (uint64_t)amt + 1);
				if ((amt > 0 && big_cmp(lo, n) >= 0) || big_cmp(n, hi) >= 0)
					fail_msg("case %d provider %zu: %lld is not within 1 fen of its share", iter, i, (long long)amt);
			} else {
				n = big_mul((uint64_t)g, bp[i - np + 1], 1);
				amt = rest[i - np];
				lo = big_mul((uint64_t)(amt > 0 ? amt - 1 : 0), PDL_BP_TOTAL, 1);
				hi = big_mul((uint64_t)amt + 1, PDL_BP_TOTAL, 1);
				if ((amt > 0 && big_cmp(lo, n) >= 0) || big_cmp(n, hi) >= 0)
					fail_msg("case %d role %zu: %lld is not within 1 fen of its share", iter, i - np, (long long)amt);
			}
		}

		/* (3) independent of input order: shuffle the providers, same amounts by id */
		struct prov q[16];
		memcpy(q, p, np * sizeof *p);
		for (size_t i = np; i > 1; i--) {
			size_t j = rnd(&seed) % i;
			struct prov t = q[i - 1];
			q[i - 1] = q[j];
			q[j] = t;
		}
		int64_t b[16], rest2[3];
		split_by_id(q, np, g, bp, b, rest2);
		assert_memory_equal(a, b, np * sizeof *a);
		assert_memory_equal(rest, rest2, sizeof rest);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weighted),
		cmocka_unit_test(test_remainders_zero_usage),
		cmocka_unit_test(test_ties_go_first),
		cmocka_unit_test(test_single_provider),
		cmocka_unit_test(test_zero_gross_and_zero_lines),
		cmocka_unit_test(test_max_gross),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_property),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
