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
	struct pdl_split_in min = {INT64_MIN, 10000, 0, 0, 0, 1, w};
	assert_int_equal(pdl_split(&min, got), PDL_EINVAL);
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

/* A negative gross (refunds over a period's revenue): the same pass with
 * the mathematical floor. Worked by hand: -20001 at 4000/3000/2000/1000
 * over two equal providers. */
static void
test_negative_gross(void **state)
{
	(void)state;
	uint64_t w[] = {0, 0};
	int64_t got[5];
	struct pdl_split_in in = {-20001, 4000, 3000, 2000, 1000, 2, w};
	assert_int_equal(pdl_split(&in, got), PDL_OK);
	/* exact: -4000.2 -4000.2 -6000.3 -4000.2 -2000.1; floors -4001 -4001 -6001 -4001 -2001
	 * (sum -20005); 4 fen to the largest fractional parts .9 (authority), .8 .8 .8 (ties:
	 * the first three), not the operator's .7 */
	int64_t want[] = {-4000, -4000, -6001, -4000, -2000};
	assert_memory_equal(got, want, sizeof want);
	struct pdl_split_in one = {-1, 10000, 0, 0, 0, 2, w};
	assert_int_equal(pdl_split(&one, got), PDL_OK);
	int64_t want1[] = {0, -1, 0, 0, 0}; /* -0.5 -0.5: floors -1 -1, the fen back to the first (a tie) */
	assert_memory_equal(got, want1, sizeof want1);
	struct pdl_split_in max = {-INT64_MAX, 2500, 2500, 2500, 2500, 2, w};
	assert_int_equal(pdl_split(&max, got), PDL_OK);
	__int128 sum = 0;
	for (int i = 0; i < 5; i++)
		sum += got[i];
	assert_true(sum == -(__int128)INT64_MAX);
}

/* ---- property test of settlements after refunds (revenue.refund) ----
 *
 * A product's period is settled; refunds of it go into a later period,
 * whose net (its revenue minus the refunds) may be negative; that period
 * is settled with the same pass. Over thousands of seeded random cases:
 *  (1) each settlement's lines sum exactly to its gross, and the two
 *      settlements together to the revenue of both periods minus the
 *      refunds;
 *  (2) each line is within one fen of its exact rational share: it is the
 *      share's floor or floor + 1 (mathematical floor, so for a negative
 *      share the floor is the one further from zero);
 *  (3) the extra fen went to the largest fractional parts, ties to the
 *      line that comes first: no line left at its floor has a larger
 *      fractional part than a line that got the fen, nor an equal one
 *      and an earlier place.
 * Magnitudes stay below 2^40 fen and weights below 2^20, so that every
 * numerator, denominator and cross product here fits unsigned __int128:
 * this check shares no arithmetic with split.c's 256-bit code. */

typedef unsigned __int128 u128;

struct share {
	u128 num, den; /* |exact share| = num / den */
	int neg;
};

/* floor of the signed share, and its fractional part fnum / den ∈ [0, 1). */
static void
share_floor(struct share s, int64_t *fl, u128 *fnum)
{
	u128 q = s.num / s.den, r = s.num % s.den;
	if (!s.neg) {
		*fl = (int64_t)q;
		*fnum = r;
	} else if (r == 0) {
		*fl = -(int64_t)q;
		*fnum = 0;
	} else {
		*fl = -(int64_t)q - 1;
		*fnum = s.den - r;
	}
}

/* Checks (2) and (3) for one settlement; returns the sum of the lines. */
static __int128
check_settlement(int iter, int64_t g, const uint32_t bp[4], const uint64_t *w, size_t np, const int64_t *out)
{
	struct share sh[19];
	uint64_t wsum = 0;
	int allzero = 1;
	for (size_t i = 0; i < np; i++) {
		wsum += w[i];
		allzero &= w[i] == 0;
	}
	if (allzero)
		wsum = np;
	u128 ag = (u128)(g < 0 ? -(__int128)g : g);
	for (size_t i = 0; i < np + 3; i++) {
		if (i < np) {
			sh[i].num = ag * bp[0] * (allzero ? 1 : w[i]);
			sh[i].den = (u128)PDL_BP_TOTAL * wsum;
		} else {
			sh[i].num = ag * bp[i - np + 1];
			sh[i].den = PDL_BP_TOTAL;
		}
		sh[i].neg = g < 0;
	}
	__int128 sum = 0;
	int64_t fl[19];
	u128 fr[19];
	int extra[19];
	for (size_t i = 0; i < np + 3; i++) {
		share_floor(sh[i], &fl[i], &fr[i]);
		if (out[i] != fl[i] && out[i] != fl[i] + 1)
			fail_msg("case %d line %zu: %lld is neither floor %lld nor floor + 1 of its share", iter, i,
			         (long long)out[i], (long long)fl[i]);
		extra[i] = out[i] == fl[i] + 1;
		sum += out[i];
	}
	for (size_t i = 0; i < np + 3; i++)
		for (size_t j = 0; j < np + 3; j++) {
			if (!extra[i] || extra[j])
				continue;
			/* i got the fen, j did not: fr[i]/den[i] ≥ fr[j]/den[j], ties only if i < j */
			u128 a = fr[i] * sh[j].den, b = fr[j] * sh[i].den;
			if (a < b || (a == b && i > j))
				fail_msg("case %d: line %zu got the extra fen before line %zu", iter, i, j);
		}
	return sum;
}

static void
test_property_refunds(void **state)
{
	(void)state;
	uint64_t seed = 0x2545f4914f6cdd1dull;
	int negatives = 0;
	for (int iter = 0; iter < 20000; iter++) {
		uint32_t bp[4], left = PDL_BP_TOTAL;
		for (int i = 0; i < 3; i++) {
			bp[i] = (uint32_t)(rnd(&seed) % (left + 1));
			left -= bp[i];
		}
		bp[3] = left;
		size_t np = 1 + rnd(&seed) % 8;
		uint64_t w1[8], w2[8];
		for (size_t i = 0; i < np; i++) {
			w1[i] = rnd(&seed) % 3 == 0 ? 0 : rnd(&seed) % (1u << 20);
			w2[i] = rnd(&seed) % 3 == 0 ? 0 : rnd(&seed) % (1u << 20);
		}
		/* period 1: settled; refunds of it (each at most what is left of it) */
		int64_t g1 = (int64_t)(rnd(&seed) % ((rnd(&seed) % 2) ? 1000u : (1ull << 40)));
		int64_t refunded = 0;
		int nref = (int)(rnd(&seed) % 4);
		for (int k = 0; k < nref && refunded < g1; k++)
			refunded += 1 + (int64_t)(rnd(&seed) % (uint64_t)(g1 - refunded));
		/* period 2: its revenue, less the refunds */
		int64_t g2 = (int64_t)(rnd(&seed) % ((rnd(&seed) % 2) ? 1000u : (1ull << 40)));
		int64_t net = g2 - refunded;
		negatives += net < 0;
		int64_t out1[11], out2[11];
		struct pdl_split_in in1 = {g1, bp[0], bp[1], bp[2], bp[3], np, w1};
		struct pdl_split_in in2 = {net, bp[0], bp[1], bp[2], bp[3], np, w2};
		assert_int_equal(pdl_split(&in1, out1), PDL_OK);
		assert_int_equal(pdl_split(&in2, out2), PDL_OK);
		__int128 s1 = check_settlement(iter, g1, bp, w1, np, out1);
		__int128 s2 = check_settlement(iter, net, bp, w2, np, out2);
		if (s1 != g1 || s2 != net)
			fail_msg("case %d: lines sum to %lld and %lld, grosses %lld and %lld", iter, (long long)s1,
			         (long long)s2, (long long)g1, (long long)net);
		/* what each party got over both periods: exact in total */
		__int128 all = 0;
		for (size_t i = 0; i < np + 3; i++)
			all += (__int128)out1[i] + out2[i];
		assert_true(all == (__int128)g1 + g2 - refunded);
	}
	/* the cases did exercise negative nets */
	assert_true(negatives > 1000);
}

/* Statements print yuan beside fen; a refunded period's lines are negative. */
/* pdl_split_explain: the hand-computed case of test_remainders_zero_usage,
 * line by line (floor, remainder/denominator, extra fen), and on random
 * cases the same amounts as pdl_split with floor + rem/den equal to the
 * exact share: (floor·den + rem)·(10,000·Σw) = G·bp·w·den / den. */
static void
test_explain(void **state)
{
	(void)state;
	uint64_t w[] = {0, 0, 0};
	struct pdl_split_in in = {101, 5000, 2500, 1500, 1000, 3, w};
	int64_t a[6];
	struct pdl_split_detail d[11];
	assert_int_equal(pdl_split_explain(&in, a, d), PDL_OK);
	/* providers: 101 × 5000 × 1 / (10,000 × 3) = 16 + 25000/30000 */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(d[i].floor_fen, 16);
		assert_string_equal(d[i].rem, "25000");
		assert_string_equal(d[i].den, "30000");
		assert_int_equal(d[i].extra_fen, 1);
	}
	/* operator 101 × 2500 / 10,000 = 25 + 2500/10000; developer 15 + 1500/10000; authority 10 + 1000/10000 */
	assert_int_equal(d[3].floor_fen, 25);
	assert_string_equal(d[3].rem, "2500");
	assert_int_equal(d[3].extra_fen, 0);
	assert_int_equal(d[4].floor_fen, 15);
	assert_string_equal(d[4].rem, "1500");
	assert_int_equal(d[5].floor_fen, 10);
	assert_string_equal(d[5].den, "10000");
	/* a negative gross: -101 × 2500 / 10,000 = -25.25 = -26 + 7500/10000 */
	struct pdl_split_in neg = {-101, 5000, 2500, 1500, 1000, 3, w};
	assert_int_equal(pdl_split_explain(&neg, a, d), PDL_OK);
	assert_int_equal(d[3].floor_fen, -26);
	assert_string_equal(d[3].rem, "7500");
	assert_int_equal(a[3], -26 + d[3].extra_fen);

	uint64_t seed = 0x5eed5eedull;
	for (int round = 0; round < 2000; round++) {
		uint64_t ww[8];
		int64_t plain[11], ex[11];
		size_t np = 1 + rnd(&seed) % 8;
		for (size_t i = 0; i < np; i++)
			ww[i] = rnd(&seed) % 5 == 0 ? 0 : rnd(&seed) % 100000;
		uint32_t b0 = (uint32_t)(rnd(&seed) % 10001), b1 = (uint32_t)(rnd(&seed) % (10001 - b0)),
		         b2 = (uint32_t)(rnd(&seed) % (10001 - b0 - b1));
		int64_t g = (int64_t)(rnd(&seed) % 2000000001ull) - 1000000000;
		struct pdl_split_in r = {g, b0, b1, b2, 10000 - b0 - b1 - b2, np, ww};
		assert_int_equal(pdl_split(&r, plain), PDL_OK);
		assert_int_equal(pdl_split_explain(&r, ex, d), PDL_OK);
		uint64_t wsum = 0;
		int zero = 1;
		for (size_t i = 0; i < np; i++)
			wsum += ww[i], zero &= ww[i] == 0;
		int64_t left = g;
		for (size_t i = 0; i < np + 3; i++) {
			assert_int_equal(ex[i], plain[i]);
			assert_int_equal(ex[i], d[i].floor_fen + d[i].extra_fen);
			left -= d[i].floor_fen;
			/* exact share × den as an integer: G × bp × (w or 1) for a provider, G × bp otherwise, over den */
			__int128 num = (__int128)g * (i < np ? b0 : i == np ? b1 : i == np + 1 ? b2 : r.bp_authority) *
			               (i < np ? (zero ? 1 : (__int128)ww[i]) : 1);
			__int128 den = i < np ? (__int128)10000 * (zero ? (int64_t)np : (int64_t)wsum) : 10000;
			assert_true((__int128)strtoll(d[i].den, NULL, 10) == den);
			__int128 rem = strtoll(d[i].rem, NULL, 10);
			assert_true(rem >= 0 && rem < den);
			assert_true((__int128)d[i].floor_fen * den + rem == num);
		}
		/* the leftover fen went one each to as many lines */
		int extras = 0;
		for (size_t i = 0; i < np + 3; i++)
			extras += d[i].extra_fen;
		assert_int_equal(extras, left);
	}
}

static void
test_fen_cny(void **state)
{
	(void)state;
	char b[32];
	assert_string_equal(pdl_fen_cny(0, b), "0.00");
	assert_string_equal(pdl_fen_cny(5, b), "0.05");
	assert_string_equal(pdl_fen_cny(128017, b), "1280.17");
	assert_string_equal(pdl_fen_cny(-9333, b), "-93.33");
	assert_string_equal(pdl_fen_cny(-50, b), "-0.50");
	assert_string_equal(pdl_fen_cny(INT64_MAX, b), "92233720368547758.07");
	assert_string_equal(pdl_fen_cny(INT64_MIN, b), "-92233720368547758.08");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weighted),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_remainders_zero_usage),
		cmocka_unit_test(test_ties_go_first),
		cmocka_unit_test(test_single_provider),
		cmocka_unit_test(test_zero_gross_and_zero_lines),
		cmocka_unit_test(test_max_gross),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_property),
		cmocka_unit_test(test_negative_gross),
		cmocka_unit_test(test_property_refunds),
		cmocka_unit_test(test_fen_cny),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
