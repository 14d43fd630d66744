/*
 * split.h — the settlement split of ACTS.md, exact to the fen.
 *
 * Lines: providers (in the caller's order: by party id), then operator,
 * developer, authority. Exact shares: provider p gets
 * G × bp.providers × w_p / (10,000 × Σw); every other role G × bp / 10,000.
 * One largest-remainder pass: floor every exact share, then give the
 * leftover fen one each to the lines with the largest fractional parts,
 * ties to the line that comes first.
 *
 * G may be negative (a period whose refunds exceed its revenue): the pass
 * is the same, with the mathematical floor (towards −∞) and the fractional
 * part s − floor(s) ∈ [0, 1), so the lines are negative, sum to G and are
 * each within 1 fen of their exact share just the same.
 *
 * Invariants (checked by the property test):
 *  (1) the amounts sum exactly to G;
 *  (2) each amount is within 1 fen of its exact share (floor or floor + 1);
 *  (3) the result depends only on the inputs, not on evaluation order.
 * All arithmetic is exact integer arithmetic (256-bit intermediates), so
 * any int64 gross and any uint64 weights are safe.
 */
#ifndef PDL_SPLIT_H
#define PDL_SPLIT_H

#include "pdl.h"

#define PDL_SPLIT_PROVIDERS_MAX 64u /* bounds a settlement's lines: 67 lines of ≤ 200 bytes fit PDL_OUT_BYTES_MAX */
#define PDL_BP_TOTAL 10000u

struct pdl_split_in {
	int64_t gross_fen;   /* any sign; > INT64_MIN */
	uint32_t bp_providers, bp_operator, bp_developer, bp_authority; /* sum 10,000 */
	size_t n_providers;
	const uint64_t *weights; /* per provider; all zero means all equal */
};

/* amounts: n_providers + 3 entries (providers…, operator, developer, authority).
 * Errors: PDL_EINVAL (gross INT64_MIN, bp not summing to 10,000, too many providers). */
int pdl_split(const struct pdl_split_in *in, int64_t *amounts);

/* How each line came to be, for a reader to redo it by hand (`pdl settle
 * --explain`): its exact share is floor_fen + rem/den (den > 0, 0 ≤ rem <
 * den, decimal strings: den can pass 2^64), and amount = floor_fen +
 * extra_fen, extra_fen being the 0 or 1 fen of the largest-remainder pass. */
#define PDL_SPLIT_DEC_LEN 40u /* a 128-bit number in decimal: 39 digits and the NUL */
struct pdl_split_detail {
	int64_t floor_fen;
	char rem[PDL_SPLIT_DEC_LEN], den[PDL_SPLIT_DEC_LEN];
	int extra_fen;
};
/* pdl_split, and the detail of each line (n_providers + 3 of them). The
 * amounts are pdl_split's, bit for bit (one code path). */
int pdl_split_explain(const struct pdl_split_in *in, int64_t *amounts, struct pdl_split_detail *detail);

/* fen as yuan with two decimals, "-93.33" for -9333 and "-0.50" for -50
 * (settlement lines of a refunded period are negative). out holds any
 * int64: 32 bytes. Returns out. */
char *pdl_fen_cny(int64_t fen, char out[32]);

#endif
