/*
 * fam_revenue.c — revenue and settlement: "谁投入、谁贡献、谁受益", exact to
 * the fen and reproducible by anyone from the log (ACTS.md, split.h).
 *
 * State (see spec/state.md):
 *   rev/<revenue_id>                       {product_id, period, gross_fen, corrects?, reason?,
 *                                           refund_of? (a refund: its settlement), seq}
 *   revp/<product_id>/<period>/<original>  {revenue_id (latest), gross_fen (latest), seq}
 *   settle/<settlement_id>                 {product_id, period, gross_fen, status run|confirmed,
 *                                           refunded_fen?, seq}
 *   settlep/<product_id>/<period>          {settlement_id}
 *   gyear/<grant_id>/<year>                {settled_fen (int)}: the grant's settled gross of
 *                                           periods in year (pricing's deduction reads it)
 * Corrections never edit: a revenue.correct is a new record; the index
 * entry of the original points at the latest correction, which is what the
 * next settlement sums. Once a product's period is settled its revenue is
 * closed (revenue.period_settled): a settlement never goes stale.
 *
 * A refund after settlement (revenue.refund) is a negative revenue record
 * of a later, unsettled period of the same product: that period's gross
 * goes down, possibly below zero, and its settlement then has negative
 * lines from the same largest-remainder pass (split.h). A settlement is
 * never refunded beyond its gross: refunded_fen ≤ gross_fen.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "families.h"
#include "settle.h"
#include "split.h"

#define INPUTS_MAX PDL_SETTLE_INPUTS_MAX

/* ---- shared lookups ---- */

/* The product, its grant and the grant's split; refuses unknown ones. */
static int
product_and_grant(struct pdl_ctx *c, struct pdl_str product, struct mp_cur *prod, struct mp_cur *grant,
                  const char *prefix)
{
	char rule[64];
	struct pdl_str gid;
	if (pdl_rec_get(c, "prod", product, prod) != PDL_OK) {
		snprintf(rule, sizeof rule, "%s.unknown_product", prefix);
		return pdl_rule_fail(c, rule, "no product %.*s", (int)product.n, product.p);
	}
	if (pdl_rec_str(*prod, "grant_id", &gid) != PDL_OK || pdl_rec_get(c, "grant", gid, grant) != PDL_OK)
		return PDL_ESTORE;
	return PDL_OK;
}

static uint64_t
period_start_ms(struct pdl_str period)
{
	struct pdl_date d = {(period.p[0] - '0') * 1000 + (period.p[1] - '0') * 100 + (period.p[2] - '0') * 10 +
	                         (period.p[3] - '0'),
	                     (period.p[5] - '0') * 10 + (period.p[6] - '0'), 1};
	return pdl_ms_of_date(d);
}

static int
period_settled(struct pdl_ctx *c, struct pdl_str product, struct pdl_str period)
{
	char k[PDL_REC_KEY_MAX];
	snprintf(k, sizeof k, "%.*s/%.*s", (int)product.n, product.p, (int)period.n, period.p);
	return pdl_rec_exists(c, "settlep", pdl_cstr(k));
}

/* Revenue of a period is recorded by the operator of the product's grant,
 * for a grant not terminated before the period, and while the period is
 * unsettled (the checks revenue.record, revenue.correct and revenue.refund
 * share). */
static int
period_open(struct pdl_ctx *c, struct mp_cur grant, struct pdl_str product, struct pdl_str period)
{
	struct pdl_str op;
	uint64_t term_ms;
	if (pdl_rec_str(grant, "operator", &op) != PDL_OK || !pdl_str_eq(op, pdl_actor(c)))
		return pdl_rule_fail(c, "revenue.not_operator", "only the operator of the product's grant records its revenue");
	if (pdl_rec_is(grant, "status", "terminated") &&
	    (pdl_rec_uint(grant, "terminated_ms", &term_ms) != PDL_OK || term_ms < period_start_ms(period)))
		return pdl_rule_fail(c, "revenue.grant_terminated",
		                     "the product's grant was terminated before %.*s", (int)period.n, period.p);
	if (period_settled(c, product, period))
		return pdl_rule_fail(c, "revenue.period_settled", "%.*s for %.*s is already settled", (int)product.n,
		                     product.p, (int)period.n, period.p);
	return PDL_OK;
}

/* Revenue may be recorded for a released product of a grant that was not
 * terminated before the period, by that grant's operator. */
static int
revenue_allowed(struct pdl_ctx *c, struct pdl_str product, struct pdl_str period, int64_t gross)
{
	struct mp_cur prod, grant;
	struct pdl_str op;
	uint64_t term_ms;
	int rc = product_and_grant(c, product, &prod, &grant, "revenue");
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_str(grant, "operator", &op) != PDL_OK || !pdl_str_eq(op, pdl_actor(c)))
		return pdl_rule_fail(c, "revenue.not_operator", "only the operator of the product's grant records its revenue");
	/* on sale in the period: released now, or released and withdrawn after the period began */
	uint64_t rel_seq, wd_ms;
	int was_on_sale = pdl_rec_is(prod, "status", "withdrawn") && pdl_rec_uint(prod, "released_seq", &rel_seq) == PDL_OK &&
	                  pdl_rec_uint(prod, "withdrawn_ms", &wd_ms) == PDL_OK && wd_ms > period_start_ms(period);
	if (!pdl_rec_is(prod, "status", "released") && !was_on_sale)
		return pdl_rule_fail(c, "revenue.product_not_released", "product %.*s was not on sale in %.*s",
		                     (int)product.n, product.p, (int)period.n, period.p);
	if (pdl_rec_is(grant, "status", "terminated") &&
	    (pdl_rec_uint(grant, "terminated_ms", &term_ms) != PDL_OK || term_ms < period_start_ms(period)))
		return pdl_rule_fail(c, "revenue.grant_terminated",
		                     "the product's grant was terminated before %.*s", (int)period.n, period.p);
	if (pdl_rec_is(prod, "category", "public_welfare") && gross != 0)
		return pdl_rule_fail(c, "revenue.welfare_not_zero",
		                     "public-welfare products are free: record zero revenue");
	if (period_settled(c, product, period))
		return pdl_rule_fail(c, "revenue.period_settled", "%.*s for %.*s is already settled", (int)product.n,
		                     product.p, (int)period.n, period.p);
	return PDL_OK;
}

/* ---- revenue.record ---- */

static const struct pdl_field record_fields[] = {
	{"revenue_id", F_ID, 0, 0, NULL},
	{"product_id", F_ID, 0, 0, NULL},
	{"period", F_PERIOD, 0, 0, NULL},
	{"gross_fen", F_INT, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { R_ID, R_PRODUCT, R_PERIOD, R_GROSS };

static int
gross_ok(struct pdl_ctx *c, int64_t gross)
{
	if (gross < 0)
		return pdl_rule_fail(c, "revenue.negative", "gross_fen must not be negative (correct a record instead)");
	return PDL_OK;
}

static int
record_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, R_ID);
	int64_t gross = pdl_fields_int(&c->act->body, R_GROSS);
	if (pdl_rec_exists(c, "rev", id))
		return pdl_rule_fail(c, "revenue.id_taken", "revenue record %.*s exists", (int)id.n, id.p);
	int rc = gross_ok(c, gross);
	if (rc != PDL_OK)
		return rc;
	return revenue_allowed(c, pdl_body_str(c, R_PRODUCT), pdl_body_str(c, R_PERIOD), gross);
}

static int
index_put(struct pdl_ctx *c, struct pdl_str product, struct pdl_str period, struct pdl_str original,
          struct pdl_str latest, int64_t gross)
{
	char k[PDL_REC_KEY_MAX];
	snprintf(k, sizeof k, "%.*s/%.*s/%.*s", (int)product.n, product.p, (int)period.n, period.p, (int)original.n,
	         original.p);
	struct pdl_kv kv[] = {KV_S("revenue_id", latest), KV_I("gross_fen", gross), KV_U("seq", c->seq)};
	return pdl_rec_set(c, "revp", pdl_cstr(k), kv, 3);
}

static int
record_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, R_ID), product = pdl_body_str(c, R_PRODUCT), period = pdl_body_str(c, R_PERIOD);
	int64_t gross = pdl_fields_int(&c->act->body, R_GROSS);
	struct pdl_kv kv[] = {KV_S("product_id", product), KV_S("period", period), KV_I("gross_fen", gross),
	                      KV_U("seq", c->seq)};
	int rc = pdl_rec_set(c, "rev", id, kv, 4);
	return rc == PDL_OK ? index_put(c, product, period, id, id, gross) : rc;
}

/* ---- revenue.correct ---- */

static const struct pdl_field correct_fields[] = {
	{"revenue_id", F_ID, 0, 0, NULL},
	{"corrects", F_ID, 0, 0, NULL},
	{"gross_fen", F_INT, 0, 0, NULL},
	{"reason", F_STR, 0, 1024, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { C_ID, C_CORRECTS, C_GROSS, C_REASON };

/* The original record a correction chain starts from. */
static int
original_of(struct pdl_ctx *c, struct pdl_str id, struct mp_cur *orig, struct pdl_str *orig_id)
{
	struct mp_cur r;
	struct pdl_str up;
	if (pdl_rec_get(c, "rev", id, &r) != PDL_OK)
		return PDL_ENOTFOUND;
	*orig_id = id;
	/* corrections point at the original, so one step is enough */
	if (pdl_rec_str(r, "corrects", &up) == PDL_OK) {
		*orig_id = up;
		if (pdl_rec_get(c, "rev", up, &r) != PDL_OK)
			return PDL_ESTORE;
	}
	*orig = r;
	return PDL_OK;
}

static int
correct_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, C_ID), target = pdl_body_str(c, C_CORRECTS), oid, product, period;
	struct mp_cur orig;
	int64_t gross = pdl_fields_int(&c->act->body, C_GROSS);
	if (pdl_rec_exists(c, "rev", id))
		return pdl_rule_fail(c, "revenue.id_taken", "revenue record %.*s exists", (int)id.n, id.p);
	if (original_of(c, target, &orig, &oid) != PDL_OK)
		return pdl_rule_fail(c, "revenue.unknown_record", "no revenue record %.*s to correct", (int)target.n, target.p);
	struct pdl_str of;
	if (pdl_rec_str(orig, "refund_of", &of) == PDL_OK)
		return pdl_rule_fail(c, "revenue.refund_not_correctable",
		                     "%.*s is a refund of settlement %.*s: record another refund instead", (int)oid.n, oid.p,
		                     (int)of.n, of.p);
	int rc = gross_ok(c, gross);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_str(orig, "product_id", &product) != PDL_OK || pdl_rec_str(orig, "period", &period) != PDL_OK)
		return PDL_ESTORE;
	return revenue_allowed(c, product, period, gross);
}

static int
correct_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, C_ID), target = pdl_body_str(c, C_CORRECTS), oid, product, period;
	struct mp_cur orig;
	int64_t gross = pdl_fields_int(&c->act->body, C_GROSS);
	char pb[PDL_ID_LEN_MAX + 1], per[8], ob[PDL_ID_LEN_MAX + 1];
	if (original_of(c, target, &orig, &oid) != PDL_OK || pdl_rec_str(orig, "product_id", &product) != PDL_OK ||
	    pdl_rec_str(orig, "period", &period) != PDL_OK)
		return PDL_ESTORE;
	/* copy out of the map before writing */
	snprintf(pb, sizeof pb, "%.*s", (int)product.n, product.p);
	snprintf(per, sizeof per, "%.*s", (int)period.n, period.p);
	snprintf(ob, sizeof ob, "%.*s", (int)oid.n, oid.p);
	struct pdl_kv kv[] = {KV_CS("product_id", pb), KV_CS("period", per), KV_I("gross_fen", gross),
	                      KV_CS("corrects", ob), KV_S("reason", pdl_body_str(c, C_REASON)), KV_U("seq", c->seq)};
	int rc = pdl_rec_set(c, "rev", id, kv, 6);
	return rc == PDL_OK ? index_put(c, pdl_cstr(pb), pdl_cstr(per), pdl_cstr(ob), id, gross) : rc;
}

/* ---- revenue.refund ---- */

static const struct pdl_field refund_fields[] = {
	{"refund_id", F_ID, 0, 0, NULL},
	{"settlement_id", F_ID, 0, 0, NULL},
	{"period", F_PERIOD, 0, 0, NULL},
	{"amount_fen", F_UINT, 0, 0, NULL},
	{"reason", F_STR, 0, 1024, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { F_REFUND_ID, F_REFUND_SETTLEMENT, F_REFUND_PERIOD, F_REFUND_AMOUNT, F_REFUND_REASON };

static int
refund_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, F_REFUND_ID), sid = pdl_body_str(c, F_REFUND_SETTLEMENT);
	struct pdl_str period = pdl_body_str(c, F_REFUND_PERIOD), product, settled_period;
	struct mp_cur st, prod, grant;
	uint64_t amount = pdl_body_uint(c, F_REFUND_AMOUNT), refunded = 0;
	int64_t gross;
	if (pdl_rec_exists(c, "rev", id))
		return pdl_rule_fail(c, "revenue.id_taken", "revenue record %.*s exists", (int)id.n, id.p);
	int rc = pdl_rec_get(c, "settle", sid, &st);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "revenue.refund_unknown_settlement", "no settlement %.*s to refund", (int)sid.n,
		                     sid.p);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_str(st, "product_id", &product) != PDL_OK || pdl_rec_str(st, "period", &settled_period) != PDL_OK ||
	    pdl_rec_int(st, "gross_fen", &gross) != PDL_OK)
		return PDL_ESTORE;
	(void)pdl_rec_uint(st, "refunded_fen", &refunded);
	/* periods are YYYY-MM: byte order is time order */
	if (period.n != settled_period.n || memcmp(period.p, settled_period.p, period.n) <= 0)
		return pdl_rule_fail(c, "revenue.refund_period_not_later",
		                     "a refund of settlement %.*s (period %.*s) goes to a later period, not %.*s", (int)sid.n,
		                     sid.p, (int)settled_period.n, settled_period.p, (int)period.n, period.p);
	if (amount == 0)
		return pdl_rule_fail(c, "revenue.refund_zero", "a refund is of at least 1 fen");
	if (gross < 0 || amount > (uint64_t)gross - refunded || refunded > (uint64_t)gross)
		return pdl_rule_fail(c, "revenue.refund_exceeds_settled",
		                     "settlement %.*s settled %lld fen and %llu fen of it were refunded: %llu fen more "
		                     "is too much",
		                     (int)sid.n, sid.p, (long long)gross, (unsigned long long)refunded,
		                     (unsigned long long)amount);
	if ((rc = product_and_grant(c, product, &prod, &grant, "revenue")) != PDL_OK)
		return rc == PDL_ERULE ? PDL_ESTORE : rc; /* a settled product exists */
	return period_open(c, grant, product, period);
}

static int
refund_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, F_REFUND_ID), sid = pdl_body_str(c, F_REFUND_SETTLEMENT);
	struct pdl_str period = pdl_body_str(c, F_REFUND_PERIOD), product;
	struct mp_cur st;
	uint64_t amount = pdl_body_uint(c, F_REFUND_AMOUNT), refunded = 0;
	char pb[PDL_ID_LEN_MAX + 1];
	if (pdl_rec_get(c, "settle", sid, &st) != PDL_OK || pdl_rec_str(st, "product_id", &product) != PDL_OK)
		return PDL_ESTORE;
	(void)pdl_rec_uint(st, "refunded_fen", &refunded);
	snprintf(pb, sizeof pb, "%.*s", (int)product.n, product.p); /* copied out of the map before writing */
	int64_t gross = -(int64_t)amount; /* amount ≤ a settled int64 gross (validate) */
	struct pdl_kv kv[] = {KV_CS("product_id", pb), KV_S("period", period), KV_I("gross_fen", gross),
	                      KV_S("refund_of", sid), KV_S("reason", pdl_body_str(c, F_REFUND_REASON)), KV_U("seq", c->seq)};
	int rc = pdl_rec_set(c, "rev", id, kv, sizeof kv / sizeof kv[0]);
	if (rc == PDL_OK)
		rc = index_put(c, pdl_cstr(pb), period, id, id, gross);
	if (rc != PDL_OK)
		return rc;
	struct pdl_kv r = KV_U("refunded_fen", refunded + amount);
	return pdl_rec_set(c, "settle", sid, &r, 1);
}

/* ---- settlement ---- */

/* Collects X's input resources transitively (ids into res[], up to INPUTS_MAX). */
static int
collect_resources(struct pdl_ctx *c, struct pdl_str product, char res[][PDL_ID_LEN_MAX + 1], size_t *nres,
                  char seen[][PDL_ID_LEN_MAX + 1], size_t *nseen, unsigned depth)
{
	struct mp_cur prod, inputs, arr;
	uint32_t n;
	if (depth > 32 || *nseen >= INPUTS_MAX)
		return PDL_ERULE;
	for (size_t i = 0; i < *nseen; i++)
		if (strlen(seen[i]) == product.n && memcmp(seen[i], product.p, product.n) == 0)
			return PDL_OK;
	snprintf(seen[(*nseen)++], PDL_ID_LEN_MAX + 1, "%.*s", (int)product.n, product.p);
	if (pdl_rec_get(c, "prod", product, &prod) != PDL_OK || mp_map_find(prod, "inputs", &inputs) != PDL_OK)
		return PDL_ESTORE;
	if (mp_map_find(inputs, "resources", &arr) == PDL_OK && mp_read_array(&arr, &n) == PDL_OK) {
		for (uint32_t i = 0; i < n; i++) {
			struct pdl_str r;
			if (mp_read_str(&arr, &r.p, &r.n) != PDL_OK)
				return PDL_ESTORE;
			int dup = 0;
			for (size_t k = 0; k < *nres && !dup; k++)
				dup = strlen(res[k]) == r.n && memcmp(res[k], r.p, r.n) == 0;
			if (dup)
				continue;
			if (*nres >= INPUTS_MAX)
				return PDL_ERULE;
			snprintf(res[(*nres)++], PDL_ID_LEN_MAX + 1, "%.*s", (int)r.n, r.p);
		}
	}
	if (mp_map_find(inputs, "products", &arr) == PDL_OK && mp_read_array(&arr, &n) == PDL_OK) {
		for (uint32_t i = 0; i < n; i++) {
			struct pdl_str p;
			if (mp_read_str(&arr, &p.p, &p.n) != PDL_OK)
				return PDL_ESTORE;
			struct mp_cur save = arr;
			int rc = collect_resources(c, p, res, nres, seen, nseen, depth + 1);
			if (rc != PDL_OK)
				return rc;
			arr = save;
		}
	}
	return PDL_OK;
}

static int
cmp_provider(const void *a, const void *b)
{
	/* the prov[] elements begin with their id */
	return strcmp((const char *)a, (const char *)b);
}

/* The parties of the product's grant and its split, into s. */
static int
settle_parties(struct pdl_ctx *c, struct pdl_str product, struct pdl_settle_calc *s)
{
	struct mp_cur prod, grant, bp, v;
	struct pdl_str gid, dev, op, auth;
	int rc = product_and_grant(c, product, &prod, &grant, "settlement");
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_str(prod, "grant_id", &gid) != PDL_OK || pdl_rec_str(prod, "developer", &dev) != PDL_OK ||
	    pdl_rec_str(grant, "operator", &op) != PDL_OK || pdl_rec_str(grant, "authority", &auth) != PDL_OK ||
	    mp_map_find(grant, "split_bp", &bp) != PDL_OK)
		return PDL_ESTORE;
	snprintf(s->op, sizeof s->op, "%.*s", (int)op.n, op.p);
	snprintf(s->dev, sizeof s->dev, "%.*s", (int)dev.n, dev.p);
	snprintf(s->auth, sizeof s->auth, "%.*s", (int)auth.n, auth.p);
	snprintf(s->grant, sizeof s->grant, "%.*s", (int)gid.n, gid.p);
	static const char *const bpk[4] = {"providers", "operator", "developer", "authority"};
	uint64_t sum = 0;
	for (int i = 0; i < 4; i++) {
		uint64_t b;
		if (mp_map_find(bp, bpk[i], &v) != PDL_OK || mp_read_uint(&v, &b) != PDL_OK || b > PDL_BP_TOTAL)
			return PDL_ESTORE;
		s->bp[i] = (uint32_t)b;
		sum += b;
	}
	assert(sum <= 4u * PDL_BP_TOTAL); /* each share was bounded above */
	return PDL_OK;
}

/* gross: the latest amount of each original record of this product and period */
static int
settle_gross(struct pdl_ctx *c, struct pdl_str product, struct pdl_str period, struct pdl_settle_calc *s)
{
	char prefix[PDL_REC_KEY_MAX];
	int pn = snprintf(prefix, sizeof prefix, "revp/%.*s/%.*s/", (int)product.n, product.p, (int)period.n, period.p);
	struct pdl_scan sc;
	int rc = pdl_store_state_scan(c->txn, c->s, prefix, (size_t)pn, &sc);
	while (rc == PDL_OK && (rc = pdl_scan_next(&sc)) == PDL_OK) {
		struct mp_cur r = mp_cur_make(sc.v, sc.vn), g;
		int64_t amt;
		if (mp_map_find(r, "gross_fen", &g) != PDL_OK || mp_read_int(&g, &amt) != PDL_OK) {
			rc = PDL_ESTORE;
			break;
		}
		if ((amt > 0 && s->gross > INT64_MAX - amt) || (amt < 0 && s->gross < INT64_MIN - amt)) {
			pdl_scan_close(&sc);
			return pdl_rule_fail(c, "settlement.gross_overflow", "the period's revenue overflows int64 fen");
		}
		s->gross += amt;
	}
	pdl_scan_close(&sc);
	return rc == PDL_END ? PDL_OK : PDL_ESTORE;
}

/* One input resource: its provider among s->prov, weighted by the records
 * served to the product's developer under its grant in the period. */
static int
settle_use(struct pdl_ctx *c, struct pdl_str period, const char *res, struct pdl_settle_calc *s)
{
	struct mp_cur rr;
	struct pdl_str prov;
	if (pdl_rec_get(c, "res", pdl_cstr(res), &rr) != PDL_OK || pdl_rec_str(rr, "provider", &prov) != PDL_OK)
		return PDL_ESTORE;
	struct pdl_settle_use *u = &s->res[s->nres++];
	snprintf(u->resource, sizeof u->resource, "%s", res);
	snprintf(u->provider, sizeof u->provider, "%.*s", (int)prov.n, prov.p);
	size_t j;
	for (j = 0; j < s->np; j++)
		if (strlen(s->prov[j].id) == prov.n && memcmp(s->prov[j].id, prov.p, prov.n) == 0)
			break;
	if (j == s->np) {
		if (s->np == PDL_SPLIT_PROVIDERS_MAX)
			return pdl_rule_fail(c, "settlement.inputs_too_many", "more than %u providers", PDL_SPLIT_PROVIDERS_MAX);
		snprintf(s->prov[s->np++].id, PDL_ID_LEN_MAX + 1, "%.*s", (int)prov.n, prov.p);
	}
	char uk[PDL_REC_KEY_MAX];
	struct mp_cur ur;
	uint64_t recs = 0;
	snprintf(uk, sizeof uk, "%.64s/%.64s/%.*s/%.64s", s->grant, s->dev, (int)period.n, period.p, res);
	if (pdl_rec_get(c, "usage", pdl_cstr(uk), &ur) == PDL_OK && pdl_rec_uint(ur, "records", &recs) == PDL_OK) {
		if (s->prov[j].w > UINT64_MAX - recs)
			return pdl_rule_fail(c, "settlement.usage_overflow", "usage records overflow");
		s->prov[j].w += recs;
		u->records = recs;
	}
	return PDL_OK;
}

/* Computes the settlement of product for period from state (reads only). */
static int
settle_compute(struct pdl_ctx *c, struct pdl_str product, struct pdl_str period, struct pdl_settle_calc *s)
{
	static char res[INPUTS_MAX][PDL_ID_LEN_MAX + 1], seen[INPUTS_MAX][PDL_ID_LEN_MAX + 1];
	size_t nres = 0, nseen = 0;
	memset(s, 0, sizeof *s);
	int rc = settle_parties(c, product, s);
	if (rc == PDL_OK)
		rc = settle_gross(c, product, period, s);
	if (rc != PDL_OK)
		return rc;
	/* providers of the input resources, weighted by records served to X's developer under X's grant */
	rc = collect_resources(c, product, res, &nres, seen, &nseen, 0);
	if (rc == PDL_ERULE)
		return pdl_rule_fail(c, "settlement.inputs_too_many", "the product's inputs exceed %u", INPUTS_MAX);
	if (rc != PDL_OK)
		return rc;
	for (size_t i = 0; i < nres && rc == PDL_OK; i++)
		rc = settle_use(c, period, res[i], s);
	if (rc != PDL_OK)
		return rc;
	assert(s->nres == nres && s->np <= PDL_SPLIT_PROVIDERS_MAX);
	qsort(s->prov, s->np, sizeof s->prov[0], cmp_provider);
	uint64_t w[PDL_SPLIT_PROVIDERS_MAX];
	for (size_t i = 0; i < s->np; i++)
		w[i] = s->prov[i].w;
	struct pdl_split_in in = {s->gross, s->bp[0], s->bp[1], s->bp[2], s->bp[3], s->np, w};
	if (pdl_split(&in, s->amounts) != PDL_OK)
		return pdl_rule_fail(c, "settlement.split_invalid", "the grant's split cannot be applied");
	return PDL_OK;
}

static const struct pdl_field run_fields[] = {
	{"settlement_id", F_ID, 0, 0, NULL},
	{"product_id", F_ID, 0, 0, NULL},
	{"period", F_PERIOD, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { S_ID, S_PRODUCT, S_PERIOD };

static struct pdl_settle_calc calc; /* the writer is one thread; this keeps 20 KiB off its stack */

/* settlement.already_settled, pointing at where the recorded lines are. */
static int
already_settled(struct pdl_ctx *c, struct pdl_str product, struct pdl_str period)
{
	char k[PDL_REC_KEY_MAX];
	struct mp_cur ix;
	struct pdl_str sid = {"?", 1};
	snprintf(k, sizeof k, "%.*s/%.*s", (int)product.n, product.p, (int)period.n, period.p);
	if (pdl_rec_get(c, "settlep", pdl_cstr(k), &ix) == PDL_OK)
		(void)pdl_rec_str(ix, "settlement_id", &sid);
	return pdl_rule_fail(c, "settlement.already_settled",
	                     "%.*s for %.*s is already settled by %.*s; its lines: pdl statement --party ID --period "
	                     "%.*s (or pdl settle --dry-run)",
	                     (int)product.n, product.p, (int)period.n, period.p, (int)sid.n, sid.p, (int)period.n, period.p);
}

/* What refuses a settlement of a known product whoever runs it (shared with
 * the preview, which must not print lines a settlement.run would not record). */
static int
settleable(struct pdl_ctx *c, struct mp_cur prod, struct pdl_str product, struct pdl_str period)
{
	if (pdl_rec_is(prod, "category", "public_welfare"))
		return pdl_rule_fail(c, "settlement.welfare_product", "public-welfare products are free: nothing to settle");
	/* a period is settled once it is over: settling it early would close its revenue */
	int y = (period.p[0] - '0') * 1000 + (period.p[1] - '0') * 100 + (period.p[2] - '0') * 10 + (period.p[3] - '0');
	int m = (period.p[5] - '0') * 10 + (period.p[6] - '0');
	struct pdl_date next = {m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1};
	if (c->time_ms < pdl_ms_of_date(next))
		return pdl_rule_fail(c, "settlement.period_not_over", "%.*s is not over yet (settle it from %04d-%02d-01)",
		                     (int)period.n, period.p, next.y % 10000, next.m % 100);
	if (period_settled(c, product, period))
		return already_settled(c, product, period);
	return PDL_OK;
}

static int
run_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, S_ID), product = pdl_body_str(c, S_PRODUCT), period = pdl_body_str(c, S_PERIOD);
	struct mp_cur prod, grant;
	struct pdl_str op;
	if (pdl_rec_exists(c, "settle", id))
		return pdl_rule_fail(c, "settlement.id_taken", "settlement %.*s exists", (int)id.n, id.p);
	int rc = product_and_grant(c, product, &prod, &grant, "settlement");
	if (rc != PDL_OK)
		return rc;
	if (!pdl_actor_has_role(c, PDL_ROLE_AUTHORITY) &&
	    (pdl_rec_str(grant, "operator", &op) != PDL_OK || !pdl_str_eq(op, pdl_actor(c))))
		return pdl_rule_fail(c, "settlement.not_operator", "only the authority or the grant's operator settles");
	rc = settleable(c, prod, product, period);
	if (rc != PDL_OK)
		return rc;
	return settle_compute(c, product, period, &calc);
}

static void
pack_line(msgpack_packer *pk, const char *party, const char *role, int64_t amount)
{
	msgpack_pack_map(pk, 3);
	mp_pack_cstr(pk, "party");
	mp_pack_cstr(pk, party);
	mp_pack_cstr(pk, "role");
	mp_pack_cstr(pk, role);
	mp_pack_cstr(pk, "amount_fen");
	msgpack_pack_int64(pk, amount);
}

static int
run_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, S_ID), product = pdl_body_str(c, S_PRODUCT), period = pdl_body_str(c, S_PERIOD);
	int rc = settle_compute(c, product, period, &calc);
	if (rc != PDL_OK)
		return PDL_ESTORE; /* validate just ran the same computation */
	pdl_out_int(c, "gross_fen", calc.gross);
	pdl_out_key(c, "lines");
	msgpack_pack_array(&c->outpk, calc.np + 3);
	for (size_t i = 0; i < calc.np; i++)
		pack_line(&c->outpk, calc.prov[i].id, "provider", calc.amounts[i]);
	pack_line(&c->outpk, calc.op, "operator", calc.amounts[calc.np]);
	pack_line(&c->outpk, calc.dev, "developer", calc.amounts[calc.np + 1]);
	pack_line(&c->outpk, calc.auth, "authority", calc.amounts[calc.np + 2]);
	struct pdl_kv kv[] = {KV_S("product_id", product), KV_S("period", period), KV_I("gross_fen", calc.gross),
	                      KV_CS("status", "run"), KV_U("seq", c->seq)};
	if ((rc = pdl_rec_set(c, "settle", id, kv, 5)) != PDL_OK)
		return rc;
	char k[PDL_REC_KEY_MAX];
	snprintf(k, sizeof k, "%.*s/%.*s", (int)product.n, product.p, (int)period.n, period.p);
	struct pdl_kv ix = KV_S("settlement_id", id);
	if ((rc = pdl_rec_set(c, "settlep", pdl_cstr(k), &ix, 1)) != PDL_OK)
		return rc;
	/* the grant's settled gross of the period's year (fam_pricing.c, deductions) */
	struct mp_cur prod;
	struct pdl_str gid;
	int64_t sum = 0;
	if (pdl_rec_get(c, "prod", product, &prod) != PDL_OK || pdl_rec_str(prod, "grant_id", &gid) != PDL_OK)
		return PDL_ESTORE;
	snprintf(k, sizeof k, "%.*s/%.4s", (int)gid.n, gid.p, period.p);
	struct mp_cur gy;
	if (pdl_rec_get(c, "gyear", pdl_cstr(k), &gy) == PDL_OK)
		(void)pdl_rec_int(gy, "settled_fen", &sum);
	/* saturating: a deduction of INT64_MAX is already more than any allowance */
	if (calc.gross > 0 && sum > INT64_MAX - calc.gross)
		sum = INT64_MAX;
	else if (calc.gross < 0 && sum < INT64_MIN - calc.gross)
		sum = INT64_MIN;
	else
		sum += calc.gross;
	struct pdl_kv g = KV_I("settled_fen", sum);
	return pdl_rec_set(c, "gyear", pdl_cstr(k), &g, 1);
}

int
pdl_settled_gross(struct pdl_ctx *c, struct pdl_str grant_id, uint64_t year, int64_t *gross_fen)
{
	char k[PDL_REC_KEY_MAX];
	struct mp_cur gy;
	*gross_fen = 0;
	snprintf(k, sizeof k, "%.*s/%04llu", (int)grant_id.n, grant_id.p, (unsigned long long)year);
	int rc = pdl_rec_get(c, "gyear", pdl_cstr(k), &gy);
	if (rc == PDL_ENOTFOUND)
		return PDL_OK;
	if (rc != PDL_OK)
		return rc;
	return pdl_rec_int(gy, "settled_fen", gross_fen) == PDL_OK ? PDL_OK : PDL_ESTORE;
}

static const struct pdl_field confirm_fields[] = {
	{"settlement_id", F_ID, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};

static int
confirm_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, 0);
	struct mp_cur r;
	if (pdl_rec_get(c, "settle", id, &r) != PDL_OK)
		return pdl_rule_fail(c, "settlement.unknown", "no settlement %.*s", (int)id.n, id.p);
	if (pdl_rec_is(r, "status", "confirmed"))
		return pdl_rule_fail(c, "settlement.already_confirmed", "settlement %.*s is already confirmed", (int)id.n, id.p);
	return PDL_OK;
}

static int
confirm_apply(struct pdl_ctx *c)
{
	struct pdl_kv kv[] = {KV_CS("status", "confirmed"), KV_U("confirmed_seq", c->seq)};
	return pdl_rec_set(c, "settle", pdl_body_str(c, 0), kv, 2);
}

/* `pdl settle --dry-run` (settle.h). A period already settled is refused:
 * its lines are in the settlement's entry (the tool shows those), and a
 * fresh computation could differ from them, since usage of a settled
 * period may still be reported. */

int
pdl_settlement_preview(struct pdl_ctx *c, struct pdl_str product, struct pdl_str period, msgpack_packer *pk)
{
	struct mp_cur prod, grant;
	int rc = product_and_grant(c, product, &prod, &grant, "settlement");
	if (rc == PDL_OK)
		rc = settleable(c, prod, product, period);
	if (rc == PDL_OK)
		rc = settle_compute(c, product, period, &calc);
	if (rc != PDL_OK)
		return rc;
	msgpack_pack_map(pk, 2);
	mp_pack_cstr(pk, "gross_fen");
	msgpack_pack_int64(pk, calc.gross);
	mp_pack_cstr(pk, "lines");
	msgpack_pack_array(pk, calc.np + 3);
	for (size_t i = 0; i < calc.np; i++)
		pack_line(pk, calc.prov[i].id, "provider", calc.amounts[i]);
	pack_line(pk, calc.op, "operator", calc.amounts[calc.np]);
	pack_line(pk, calc.dev, "developer", calc.amounts[calc.np + 1]);
	pack_line(pk, calc.auth, "authority", calc.amounts[calc.np + 2]);
	return PDL_OK;
}

int
pdl_settlement_explain(struct pdl_ctx *c, struct pdl_str product, struct pdl_str period, struct pdl_settle_calc *x)
{
	struct mp_cur prod, grant;
	int rc = product_and_grant(c, product, &prod, &grant, "settlement");
	if (rc == PDL_OK && pdl_rec_is(prod, "category", "public_welfare"))
		return pdl_rule_fail(c, "settlement.welfare_product", "public-welfare products are free: nothing to settle");
	return rc == PDL_OK ? settle_compute(c, product, period, x) : rc;
}

static const struct pdl_act_def acts[] = {
	{"revenue.record", PDL_ROLE_OPERATOR, record_fields, record_validate, record_apply,
	 "record a released product's gross revenue for a period", "operator of the product's grant", PDL_PRIVATE("revenue figures (commercial; parties get statements)")},
	{"revenue.correct", PDL_ROLE_OPERATOR, correct_fields, correct_validate, correct_apply,
	 "correct a revenue record with a new amount (append-only; the latest correction counts)",
	 "operator of the product's grant", PDL_PRIVATE("revenue figures (commercial; parties get statements)")},
	{"revenue.refund", PDL_ROLE_OPERATOR, refund_fields, refund_validate, refund_apply,
	 "a refund after settlement: reduces the gross of a later, unsettled period of the same product",
	 "operator of the product's grant", PDL_PRIVATE("revenue figures (commercial; parties get statements)")},
	{"settlement.run", PDL_ROLE_AUTHORITY | PDL_ROLE_OPERATOR, run_fields, run_validate, run_apply,
	 "settle a product's period: the ledger records exact line items per party", "authority, or the grant's operator", PDL_PRIVATE("a settlement (commercial; parties get statements)")},
	{"settlement.confirm", PDL_ROLE_AUTHORITY, confirm_fields, confirm_validate, confirm_apply,
	 "confirm a settlement", "authority", PDL_PRIVATE("a settlement (commercial; parties get statements)")},
};

const struct pdl_family pdl_family_revenue = {"revenue", acts, sizeof acts / sizeof acts[0]};
