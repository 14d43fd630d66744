/*
 * fam_pricing.c — prices under 发改价格〔2025〕65号: the authorizing body
 * sets, per grant and year, the highest price per charging unit (product
 * quantity, service calls, service time, data volume) and the operator's
 * highest allowed revenue (最高准许收入); revenue settled over a year's
 * allowance is deducted from the next year's; a trial tariff applies until
 * the grant has run a full operating year. Every act here is public: price
 * rules and their changes are disclosed.
 *
 * State (spec/state.md):
 *   pcaps/<grant_id>/<year>  {caps {<unit>: cap_fen}, allowed_revenue_fen,
 *                            trial_tariff, deduction_fen (int),
 *                            effective_allowed_fen (int), version, seq}
 *
 * Invariants:
 *  (1) deduction_fen = max(0, S − E), where S is the settled gross of the
 *      grant's periods in year − 1 (pdl_settled_gross, refunds included)
 *      and E that year's effective_allowed_fen (its allowed_revenue_fen when
 *      it had no caps record); a year with no record for year − 1 has no
 *      deduction. Both are computed from state when the act is applied, so
 *      `verify --replay` gets the same figures;
 *  (2) effective_allowed_fen = allowed_revenue_fen − deduction_fen (it may
 *      be negative: the whole year is then over its allowance, and the
 *      excess carries on by (1));
 *  (3) a later pricing.set_caps for the same grant and year replaces the
 *      record (version + 1) and computes (1) afresh: the authority re-sets
 *      a year once the previous year's last periods are settled;
 *  (4) pdl_price_cap is the one place that says what a unit may cost.
 */
#include <stdio.h>
#include <string.h>

#include "families.h"

#define CAPS_MAX 4u    /* one per charging unit */
#define YEAR_MAX 9999u /* dates are YYYY */
/* 10^15 fen (10 trillion CNY) per cap or allowance: far above any real
 * figure, and it keeps allowances, deductions and their differences inside
 * int64 (they are clamped there as well, see clamp64). */
#define PRICING_FEN_MAX 1000000000000000ull

typedef __int128 i128;

static int64_t
clamp64(i128 v)
{
	return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : (int64_t)v;
}

static const char *const unit_list[] = {"per_call", "per_record", "per_month", "per_product", NULL};

static const struct pdl_field cap_fields[] = {
	{"unit", F_ENUM, 0, 0, unit_list},
	{"cap_fen", F_UINT, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { CP_UNIT, CP_FEN };

static const struct pdl_field set_caps_fields[] = {
	{"grant_id", F_ID, 0, 0, NULL},
	{"year", F_UINT, 0, YEAR_MAX, NULL},
	{"caps", F_MAPS, 0, CAPS_MAX, cap_fields},
	{"allowed_revenue_fen", F_UINT, 0, 0, NULL},
	{"trial_tariff", F_BOOL, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { SC_GRANT, SC_YEAR, SC_CAPS, SC_ALLOWED, SC_TRIAL };

/* "<grant_id>/<year>" */
static struct pdl_str
year_key(char *buf, size_t cap, struct pdl_str grant_id, uint64_t year)
{
	int n = snprintf(buf, cap, "%.*s/%llu", (int)grant_id.n, grant_id.p, (unsigned long long)year);
	struct pdl_str r = {buf, n > 0 && (size_t)n < cap ? (size_t)n : 0};
	return r;
}

int
pdl_price_cap(struct pdl_ctx *c, struct pdl_str grant_id, struct mp_cur grant, struct pdl_str unit, uint64_t *cap_fen,
              int *from_caps)
{
	char kb[PDL_ID_LEN_MAX + 16], ub[16];
	struct mp_cur rec, caps, v;
	uint64_t year = (uint64_t)pdl_date_of_ms(c->time_ms).y;
	if (from_caps != NULL)
		*from_caps = 0;
	int rc = pdl_rec_get(c, "pcaps", year_key(kb, sizeof kb, grant_id, year), &rec);
	if (rc == PDL_OK && mp_map_find(rec, "caps", &caps) == PDL_OK) {
		snprintf(ub, sizeof ub, "%.*s", (int)unit.n, unit.p);
		if (mp_map_find(caps, ub, &v) == PDL_OK && mp_read_uint(&v, cap_fen) == PDL_OK) {
			if (from_caps != NULL)
				*from_caps = 1;
			return PDL_OK;
		}
	} else if (rc != PDL_OK && rc != PDL_ENOTFOUND) {
		return rc;
	}
	return pdl_rec_uint(grant, "fee_cap_fen", cap_fen) == PDL_OK ? PDL_OK : PDL_ESTORE;
}

/* ---- pricing.set_caps ---- */

static int
set_caps_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, SC_GRANT), s, e;
	struct mp_cur grant, caps = pdl_body(c, SC_CAPS);
	uint64_t year = pdl_body_uint(c, SC_YEAR);
	uint32_t n;
	int rc = pdl_rec_get(c, "grant", id, &grant);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "grant.unknown", "no grant %.*s", (int)id.n, id.p);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_is(grant, "status", "terminated"))
		return pdl_rule_fail(c, "grant.terminated", "grant %.*s is terminated", (int)id.n, id.p);
	if (pdl_rec_str(grant, "start", &s) != PDL_OK || pdl_rec_str(grant, "end", &e) != PDL_OK)
		return PDL_ESTORE;
	struct pdl_date start = pdl_date_parse(s), end = pdl_date_parse(e);
	if (year < (uint64_t)start.y || year > (uint64_t)end.y)
		return pdl_rule_fail(c, "pricing.year_outside_term", "year %llu is outside grant %.*s's term (%d-%d)",
		                     (unsigned long long)year, (int)id.n, id.p, start.y, end.y);
	/* the trial tariff lasts until the grant has operated a full year */
	struct pdl_date full = pdl_date_add_months(start, 12), jan1 = {(int)year, 1, 1};
	if (pdl_fields_bool(&c->act->body, SC_TRIAL) && pdl_date_cmp(jan1, full) >= 0) {
		char fb[11];
		pdl_date_format(full, fb);
		return pdl_rule_fail(c, "pricing.trial_after_first_year",
		                     "grant %.*s completed a full operating year on %s: no trial tariff for %llu", (int)id.n,
		                     id.p, fb, (unsigned long long)year);
	}
	if (pdl_body_uint(c, SC_ALLOWED) > PRICING_FEN_MAX)
		return pdl_rule_fail(c, "pricing.amount_too_large", "allowed_revenue_fen is over %llu",
		                     (unsigned long long)PRICING_FEN_MAX);
	if (mp_read_array(&caps, &n) != PDL_OK)
		return PDL_EFIELD;
	struct pdl_str seen[CAPS_MAX];
	for (uint32_t i = 0; i < n && i < CAPS_MAX; i++) {
		struct pdl_fields f;
		struct pdl_status st;
		if (pdl_fields_bind(cap_fields, &caps, &f, &st, "body.caps") != PDL_OK)
			return PDL_EFIELD;
		seen[i] = pdl_fields_str(&f, CP_UNIT);
		if (pdl_fields_uint(&f, CP_FEN) > PRICING_FEN_MAX)
			return pdl_rule_fail(c, "pricing.amount_too_large", "the cap of %.*s is over %llu", (int)seen[i].n,
			                     seen[i].p, (unsigned long long)PRICING_FEN_MAX);
		for (uint32_t j = 0; j < i; j++)
			if (pdl_str_eq(seen[i], seen[j]))
				return pdl_rule_fail(c, "pricing.duplicate_unit", "caps name unit %.*s twice", (int)seen[i].n,
				                     seen[i].p);
	}
	return PDL_OK;
}

static int
set_caps_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, SC_GRANT);
	struct mp_cur caps = pdl_body(c, SC_CAPS), prev;
	uint64_t year = pdl_body_uint(c, SC_YEAR), allowed = pdl_body_uint(c, SC_ALLOWED), version = 0, pa;
	int64_t deduction = 0, settled, prev_eff;
	char kb[PDL_ID_LEN_MAX + 16];
	uint32_t n;
	/* invariant (1): what the previous year earned over its allowance */
	int rc = pdl_rec_get(c, "pcaps", year_key(kb, sizeof kb, id, year - 1), &prev);
	if (rc == PDL_OK) {
		if (pdl_rec_int(prev, "effective_allowed_fen", &prev_eff) != PDL_OK)
			prev_eff = pdl_rec_uint(prev, "allowed_revenue_fen", &pa) == PDL_OK ? (int64_t)pa : 0;
		if ((rc = pdl_settled_gross(c, id, year - 1, &settled)) != PDL_OK)
			return rc;
		if (settled > prev_eff)
			deduction = clamp64((i128)settled - prev_eff);
	} else if (rc != PDL_ENOTFOUND) {
		return rc;
	}
	struct mp_cur old;
	if (pdl_rec_get(c, "pcaps", year_key(kb, sizeof kb, id, year), &old) == PDL_OK)
		(void)pdl_rec_uint(old, "version", &version);
	version++;
	/* caps as a map unit → cap_fen, in the order given */
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (mp_read_array(&caps, &n) != PDL_OK) {
		msgpack_sbuffer_destroy(&sb);
		return PDL_ESTORE;
	}
	msgpack_pack_map(&pk, n);
	for (uint32_t i = 0; i < n; i++) {
		struct pdl_fields f;
		struct pdl_status st;
		if (pdl_fields_bind(cap_fields, &caps, &f, &st, "body.caps") != PDL_OK) {
			msgpack_sbuffer_destroy(&sb);
			return PDL_ESTORE;
		}
		struct pdl_str u = pdl_fields_str(&f, CP_UNIT);
		mp_pack_str(&pk, u.p, u.n);
		msgpack_pack_uint64(&pk, pdl_fields_uint(&f, CP_FEN));
	}
	int64_t effective = clamp64((i128)(int64_t)allowed - deduction);
	struct pdl_kv kv[] = {
		{"caps", KV_RAW, sb.data, sb.size, 0},
		KV_U("allowed_revenue_fen", allowed),
		KV_B("trial_tariff", pdl_fields_bool(&c->act->body, SC_TRIAL)),
		KV_I("deduction_fen", deduction),
		KV_I("effective_allowed_fen", effective),
		KV_U("version", version),
		KV_U("seq", c->seq),
	};
	rc = pdl_rec_set(c, "pcaps", year_key(kb, sizeof kb, id, year), kv, sizeof kv / sizeof kv[0]);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return rc;
	pdl_out_int(c, "deduction_fen", deduction);
	pdl_out_int(c, "effective_allowed_fen", effective);
	return PDL_OK;
}

static const struct pdl_act_def acts[] = {
	{"pricing.set_caps", PDL_ROLE_AUTHORITY, set_caps_fields, set_caps_validate, set_caps_apply,
	 "set a grant's price caps per charging unit and its allowed revenue for a year; the ledger carries the "
	 "previous year's excess forward as a deduction",
	 "authority", PDL_PUBLIC},
};

const struct pdl_family pdl_family_pricing = {"pricing", acts, sizeof acts / sizeof acts[0]};
