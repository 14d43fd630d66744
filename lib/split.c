/* split.c — see split.h. */
#include <stdio.h>
#include <string.h>

#include "split.h"

typedef unsigned __int128 u128;

/* A 256-bit unsigned number as two 128-bit halves. */
struct u256 {
	u128 hi, lo;
};

static struct u256
mul128(u128 a, u128 b)
{
	const u128 mask = ((u128)1 << 64) - 1;
	u128 a0 = a & mask, a1 = a >> 64, b0 = b & mask, b1 = b >> 64;
	u128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	u128 mid = (p00 >> 64) + (p01 & mask) + (p10 & mask);
	struct u256 r;
	r.lo = (p00 & mask) | (mid << 64);
	r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
	return r;
}

static int
cmp256(struct u256 a, struct u256 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

/* q = n / d, r = n % d, for d > 0; q must fit in 128 bits (it does: shares ≤ G). */
static void
divmod256(struct u256 n, u128 d, u128 *q, u128 *r)
{
	u128 rem = 0, quo = 0;
	for (int i = 255; i >= 0; i--) {
		unsigned bit = i >= 128 ? (unsigned)((n.hi >> (i - 128)) & 1) : (unsigned)((n.lo >> i) & 1);
		/* rem = rem * 2 + bit, without losing the top bit of rem */
		int carry = (int)(rem >> 127);
		rem = (rem << 1) | bit;
		if (carry || rem >= d) {
			rem -= d;
			if (i < 128)
				quo |= (u128)1 << i;
		}
	}
	*q = quo;
	*r = rem;
}

/* u128 in decimal (at most 39 digits). */
static void
u128_dec(u128 v, char out[PDL_SPLIT_DEC_LEN])
{
	char tmp[PDL_SPLIT_DEC_LEN];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v > 0 && n < sizeof tmp - 1);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = 0;
}

/* The exact share of line i as floor (q, signed like G) and fractional
 * part r/d in [0, 1). */
static void
exact_share(const struct pdl_split_in *in, size_t i, u128 g, u128 wsum, int all_zero, int neg, u128 *q, u128 *r,
            u128 *d)
{
	size_t np = in->n_providers;
	if (i < np) {
		/* G × bp × w / (10,000 × Σw) */
		u128 w = all_zero ? 1 : in->weights[i];
		*d = (u128)PDL_BP_TOTAL * wsum;
		divmod256(mul128(g * in->bp_providers, w), *d, q, r);
	} else {
		uint32_t bp = i == np ? in->bp_operator : i == np + 1 ? in->bp_developer : in->bp_authority;
		*d = PDL_BP_TOTAL;
		*q = g * bp / *d;
		*r = g * bp % *d;
	}
	/* |G|; for G < 0 the share is −a with a = q + r/d, whose floor is
	 * −q − (r > 0) and whose fractional part is (d − r)/d when r > 0 */
	if (neg && *r > 0) {
		(*q)++; /* |floor| */
		*r = *d - *r;
	}
}

static int
split_run(const struct pdl_split_in *in, int64_t *amounts, struct pdl_split_detail *detail)
{
	size_t np = in->n_providers, n = np + 3;
	u128 rem[PDL_SPLIT_PROVIDERS_MAX + 3], den[PDL_SPLIT_PROVIDERS_MAX + 3];
	if (in->gross_fen == INT64_MIN || np > PDL_SPLIT_PROVIDERS_MAX)
		return PDL_EINVAL;
	/* a provider pool needs a provider to go to (products always have input resources) */
	if (np == 0 && in->bp_providers != 0)
		return PDL_EINVAL;
	if ((uint64_t)in->bp_providers + in->bp_operator + in->bp_developer + in->bp_authority != PDL_BP_TOTAL)
		return PDL_EINVAL;
	int neg = in->gross_fen < 0;
	u128 g = (u128)(uint64_t)(neg ? -in->gross_fen : in->gross_fen), wsum = 0;
	int all_zero = 1;
	for (size_t i = 0; i < np; i++) {
		wsum += in->weights[i];
		all_zero &= in->weights[i] == 0;
	}
	if (all_zero)
		wsum = np;
	u128 total = 0;
	for (size_t i = 0; i < n; i++) {
		u128 q, r, d;
		exact_share(in, i, g, wsum, all_zero, neg, &q, &r, &d);
		amounts[i] = neg ? -(int64_t)q : (int64_t)q;
		rem[i] = r;
		den[i] = d;
		total += q;
		if (detail != NULL) {
			detail[i].floor_fen = amounts[i];
			u128_dec(r, detail[i].rem);
			u128_dec(d, detail[i].den);
			detail[i].extra_fen = 0;
		}
	}
	/* leftover fen: G − Σ floor ≥ 0 either way */
	u128 left = neg ? total - g : g - total;
	while (left > 0) {
		/* the line with the largest fractional part rem/den not yet topped up; ties: first */
		size_t best = n;
		for (size_t i = 0; i < n; i++) {
			if (den[i] == 0)
				continue;
			if (best == n || cmp256(mul128(rem[i], den[best]), mul128(rem[best], den[i])) > 0)
				best = i;
		}
		if (best == n)
			return PDL_EINVAL;
		amounts[best]++;
		if (detail != NULL)
			detail[best].extra_fen = 1;
		den[best] = 0; /* each line gets at most one extra fen */
		left--;
	}
	return PDL_OK;
}

int
pdl_split(const struct pdl_split_in *in, int64_t *amounts)
{
	return split_run(in, amounts, NULL);
}

int
pdl_split_explain(const struct pdl_split_in *in, int64_t *amounts, struct pdl_split_detail *detail)
{
	return split_run(in, amounts, detail);
}

char *
pdl_fen_cny(int64_t fen, char out[32])
{
	/* the magnitude as unsigned, so INT64_MIN has one too */
	uint64_t m = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	snprintf(out, 32, "%s%llu.%02llu", fen < 0 ? "-" : "", (unsigned long long)(m / 100), (unsigned long long)(m % 100));
	return out;
}
