/*
 * fam_product.c — data products: a developer builds a product on resources
 * (and other products) of a grant, the grant's operator reviews it for
 * out-of-domain compliance (出域审核), the authority acknowledges the
 * filing, and the operator releases it.
 *
 * State:
 *   prod/<product_id> → developer, grant_id, operator, name, inputs
 *       {resources, products}, category, price_fen, unit, status, filed,
 *       seq; after review `notes` and `reviewer`; after release
 *       `released_seq`; after withdrawal `reason`; after a product.reprice
 *       `reprices` (how many) and `reprice_reason`.
 *   gprod/<grant_id>/<product_id> → {seq}: the products of a grant, in key
 *       order, for views and later rules.
 *
 * States of a product:
 *   submitted → passed | failed        (product.review, the policy's reviewer)
 *   passed, filed=false → filed=true    (product.file, authority)
 *   passed + filed → released           (product.release, the grant's operator)
 *   any but withdrawn → withdrawn       (product.withdraw, operator or developer)
 *
 * Invariants:
 *  (1) a product names at least one input; every input resource is listed
 *      and in its grant, every input product exists, each input once;
 *  (2) public-welfare products are free; an industry price is within the
 *      cap pdl_price_cap gives for its unit when it is set (submit or
 *      reprice): the year's cap under 发改价格〔2025〕65号, else the
 *      grant's fee cap;
 *  (3) the operator, directly or through a controlled developer, never
 *      builds on a product already delivered (released) under a grant it
 *      operates (DESIGN §5: no redevelopment of delivered products);
 *  (4) a product is released only when it passed review, its filing was
 *      acknowledged, its grant is active and, with the policy's
 *      product_registration_before_release, it has a coded P registration;
 *      `released_seq` is set then and never cleared, so "delivered"
 *      survives a later withdrawal;
 *  (5) the review is the policy's product_reviewer's: the operator of the
 *      product's grant (Wuhan), or an authority (Ezhou, 002 §11).
 */
#include <stdio.h>
#include <string.h>

#include "families.h"

#define INPUTS_MAX 256u /* inputs of each kind per product: bounds the duplicate scan (n²) */

static const char *const category_list[] = {"public_welfare", "industry", NULL};
static const char *const unit_list[] = {"per_call", "per_record", "per_month", "per_product", NULL};
static const char *const outcome_list[] = {"pass", "fail", NULL};

static const struct pdl_field inputs_fields[] = {
	{"resources", F_IDS, 0, INPUTS_MAX, NULL},
	{"products", F_IDS, 0, INPUTS_MAX, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { IN_RES, IN_PROD };

static const struct pdl_field submit_fields[] = {
	{"product_id", F_ID, 0, 0, NULL},
	{"grant_id", F_ID, 0, 0, NULL},
	{"name", F_STR, 0, 256, NULL},
	{"inputs", F_MAP, 0, 0, inputs_fields},
	{"category", F_ENUM, 0, 0, category_list},
	{"price_fen", F_UINT, 0, 0, NULL},
	{"unit", F_ENUM, 0, 0, unit_list},
	{NULL, 0, 0, 0, NULL},
};
enum { S_ID, S_GRANT, S_NAME, S_INPUTS, S_CATEGORY, S_PRICE, S_UNIT };

static const struct pdl_field review_fields[] = {
	{"product_id", F_ID, 0, 0, NULL},
	{"outcome", F_ENUM, 0, 0, outcome_list},
	{"notes", F_TEXT, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { RV_ID, RV_OUTCOME, RV_NOTES };

static const struct pdl_field id_fields[] = {
	{"product_id", F_ID, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { I_ID };

static const struct pdl_field withdraw_fields[] = {
	{"product_id", F_ID, 0, 0, NULL},
	{"reason", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { W_ID, W_REASON };

/* Every act of this family names its product first. */
#define P_ID 0u

/* Reads prod/<product_id> of the act; refuses with product.unknown. */
static int
product_load(struct pdl_ctx *c, struct mp_cur *rec)
{
	struct pdl_str id = pdl_body_str(c, P_ID);
	int rc = pdl_rec_get(c, "prod", id, rec);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "product.unknown", "no product %.*s", (int)id.n, id.p);
	return rc;
}

/* A string field every product record has; a record without it is corrupt. */
static int
rec_field(struct mp_cur rec, const char *key, struct pdl_str *out)
{
	return pdl_rec_str(rec, key, out) == PDL_OK ? PDL_OK : PDL_ESTORE;
}

/* Refuses with product.not_operator unless the actor operates the product's grant. */
static int
actor_is_operator(struct pdl_ctx *c, struct mp_cur rec, const char *act)
{
	struct pdl_str op, id = pdl_body_str(c, P_ID);
	if (rec_field(rec, "operator", &op) != PDL_OK)
		return PDL_ESTORE;
	if (!pdl_str_eq(op, pdl_actor(c)))
		return pdl_rule_fail(c, "product.not_operator", "only %.*s, the operator of product %.*s's grant, may %s it",
		                     (int)op.n, op.p, (int)id.n, id.p, act);
	return PDL_OK;
}

/* The grant named by the product record must be active now. */
static int
product_grant_active(struct pdl_ctx *c, struct mp_cur rec)
{
	struct pdl_str gid;
	if (rec_field(rec, "grant_id", &gid) != PDL_OK)
		return PDL_ESTORE;
	return pdl_grant_check(c, gid, NULL);
}

/* ---- product.submit ---- */

static int
bind_inputs(const struct pdl_ctx *c, struct pdl_fields *in)
{
	struct mp_cur cur = pdl_body(c, S_INPUTS);
	struct pdl_status st;
	/* the engine bound the same bytes against the same schema already */
	return pdl_fields_bind(inputs_fields, &cur, in, &st, "body.inputs") == PDL_OK ? PDL_OK : PDL_ESTORE;
}

/* Reads the ids of an input array into ids[] (at most INPUTS_MAX). */
static int
read_ids(const struct pdl_fields *in, unsigned i, struct pdl_str *ids, uint32_t *n)
{
	struct mp_cur cur = pdl_fields_cur(in, i);
	if (mp_read_array(&cur, n) != PDL_OK || *n > INPUTS_MAX)
		return PDL_ESTORE;
	for (uint32_t k = 0; k < *n; k++)
		if (mp_read_str(&cur, &ids[k].p, &ids[k].n) != PDL_OK)
			return PDL_ESTORE;
	return PDL_OK;
}

/* Index of the first id listed twice, or -1. */
static long
first_duplicate(const struct pdl_str *ids, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = 0; j < i; j++)
			if (pdl_str_eq(ids[i], ids[j]))
				return (long)i;
	return -1;
}

/* 1 when product rec was delivered (released, now or before a withdrawal). */
static int
was_delivered(struct mp_cur rec)
{
	uint64_t rs;
	return pdl_rec_is(rec, "status", "released") || pdl_rec_uint(rec, "released_seq", &rs) == PDL_OK;
}

/* Invariant (2), for submit and reprice. */
static int
price_check(struct pdl_ctx *c, struct pdl_str id, struct pdl_str gid, struct mp_cur grant, struct pdl_str category,
            struct pdl_str unit, uint64_t price)
{
	uint64_t cap;
	int from_caps;
	if (mp_str_eq(category.p, category.n, "public_welfare")) {
		if (price != 0)
			return pdl_rule_fail(c, "product.welfare_price_not_zero",
			                     "public-welfare product %.*s must be free, not %llu fen", (int)id.n, id.p,
			                     (unsigned long long)price);
		return PDL_OK;
	}
	int rc = pdl_price_cap(c, gid, grant, unit, &cap, &from_caps);
	if (rc != PDL_OK)
		return rc;
	if (price > cap)
		return pdl_rule_fail(c, "product.price_over_cap",
		                     from_caps ? "price %llu fen of product %.*s is over grant %.*s's cap of %llu fen %.*s "
		                                 "this year (pricing.set_caps)"
		                               : "price %llu fen of product %.*s is over grant %.*s's fee cap of %llu fen%.*s",
		                     (unsigned long long)price, (int)id.n, id.p, (int)gid.n, gid.p, (unsigned long long)cap,
		                     from_caps ? (int)unit.n : 0, unit.p);
	return PDL_OK;
}

static int
submit_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, S_ID), gid = pdl_body_str(c, S_GRANT), me = pdl_actor(c);
	struct pdl_str res[INPUTS_MAX], prods[INPUTS_MAX], op;
	struct pdl_fields in;
	struct mp_cur grant, gres, prec;
	uint32_t nres, nprod;
	int controlled = 0, rc;
	long dup;

	if (pdl_rec_exists(c, "prod", id))
		return pdl_rule_fail(c, "product.id_taken", "product id %.*s is already taken", (int)id.n, id.p);
	if ((rc = pdl_grant_check(c, gid, &grant)) != PDL_OK)
		return rc;
	if (pdl_rec_str(grant, "operator", &op) != PDL_OK || mp_map_find(grant, "resources", &gres) != PDL_OK)
		return PDL_ESTORE;
	if ((rc = pdl_developer_check(c, gid, me, &controlled)) != PDL_OK)
		return rc;

	if (bind_inputs(c, &in) != PDL_OK || read_ids(&in, IN_RES, res, &nres) != PDL_OK ||
	    read_ids(&in, IN_PROD, prods, &nprod) != PDL_OK)
		return PDL_ESTORE;
	if (nres + nprod == 0)
		return pdl_rule_fail(c, "product.no_inputs", "product %.*s lists no input resource or product", (int)id.n,
		                     id.p);
	if ((dup = first_duplicate(res, nres)) >= 0)
		return pdl_rule_fail(c, "product.duplicate_input", "resource %.*s is listed twice in inputs.resources",
		                     (int)res[dup].n, res[dup].p);
	if ((dup = first_duplicate(prods, nprod)) >= 0)
		return pdl_rule_fail(c, "product.duplicate_input", "product %.*s is listed twice in inputs.products",
		                     (int)prods[dup].n, prods[dup].p);
	for (uint32_t i = 0; i < nres; i++) {
		if ((rc = pdl_resource_check(c, res[i], NULL)) != PDL_OK)
			return rc;
		if (!pdl_strs_has(gres, res[i]))
			return pdl_rule_fail(c, "product.resource_not_in_grant", "resource %.*s is not in grant %.*s",
			                     (int)res[i].n, res[i].p, (int)gid.n, gid.p);
	}
	for (uint32_t i = 0; i < nprod; i++)
		if (!pdl_rec_exists(c, "prod", prods[i]))
			return pdl_rule_fail(c, "product.unknown_input", "input product %.*s does not exist",
			                     (int)prods[i].n, prods[i].p);

	rc = price_check(c, id, gid, grant, pdl_body_str(c, S_CATEGORY), pdl_body_str(c, S_UNIT),
	                 pdl_body_uint(c, S_PRICE));
	if (rc != PDL_OK)
		return rc;

	/* Invariant (3): the operator itself, or a developer admitted as under its control. */
	if (pdl_str_eq(me, op) || controlled) {
		for (uint32_t i = 0; i < nprod; i++) {
			struct pdl_str pop;
			if (pdl_rec_get(c, "prod", prods[i], &prec) != PDL_OK || rec_field(prec, "operator", &pop) != PDL_OK)
				return PDL_ESTORE;
			if (was_delivered(prec) && pdl_str_eq(pop, op))
				return pdl_rule_fail(c, "product.operator_redevelops_delivered",
				                     "%.*s %s operator %.*s, which may not develop, directly or through a party "
				                     "it controls, a product on %.*s, already delivered under its own grant",
				                     (int)me.n, me.p, pdl_str_eq(me, op) ? "is" : "is controlled by", (int)op.n,
				                     op.p, (int)prods[i].n, prods[i].p);
		}
	}
	return PDL_OK;
}

static int
submit_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, S_ID), gid = pdl_body_str(c, S_GRANT), op;
	struct mp_cur grant;
	char opbuf[PDL_ID_LEN_MAX], key[2 * PDL_ID_LEN_MAX + 2];
	if (pdl_rec_get(c, "grant", gid, &grant) != PDL_OK || pdl_rec_str(grant, "operator", &op) != PDL_OK ||
	    op.n > sizeof opbuf)
		return PDL_ESTORE;
	/* the grant record's bytes may move once state is written */
	memcpy(opbuf, op.p, op.n);
	op.p = opbuf;
	const struct pdl_kv kv[] = {
		KV_S("developer", pdl_actor(c)),
		KV_S("grant_id", gid),
		KV_S("operator", op),
		KV_S("name", pdl_body_str(c, S_NAME)),
		KV_RAWV("inputs", pdl_body(c, S_INPUTS)),
		KV_S("category", pdl_body_str(c, S_CATEGORY)),
		KV_U("price_fen", pdl_body_uint(c, S_PRICE)),
		KV_S("unit", pdl_body_str(c, S_UNIT)),
		KV_CS("status", "submitted"),
		KV_B("filed", 0),
		KV_U("seq", c->seq),
	};
	int rc = pdl_rec_set(c, "prod", id, kv, sizeof kv / sizeof kv[0]);
	if (rc != PDL_OK)
		return rc;
	int kn = snprintf(key, sizeof key, "%.*s/%.*s", (int)gid.n, gid.p, (int)id.n, id.p);
	if (kn < 0 || (size_t)kn >= sizeof key)
		return PDL_ESTORE;
	const struct pdl_kv ix[] = {KV_U("seq", c->seq)};
	return pdl_rec_set(c, "gprod", (struct pdl_str){key, (size_t)kn}, ix, 1);
}

/* ---- product.review ---- */

/* Invariant (5). */
static int
actor_is_reviewer(struct pdl_ctx *c, struct mp_cur rec)
{
	if (c->info->policy.product_reviewer == PDL_REVIEWER_OPERATOR)
		return actor_is_operator(c, rec, "review");
	if (pdl_actor_has_role(c, PDL_ROLE_AUTHORITY))
		return PDL_OK;
	struct pdl_str id = pdl_body_str(c, RV_ID);
	return pdl_rule_fail(c, "product.not_reviewer",
	                     "under this ledger's policy the authority organizes the compliance review of product %.*s; "
	                     "%.*s is not an authority",
	                     (int)id.n, id.p, (int)c->act->actor_len, c->act->actor);
}

static int
review_validate(struct pdl_ctx *c)
{
	struct mp_cur rec;
	struct pdl_str st, id = pdl_body_str(c, RV_ID);
	int rc;
	if ((rc = product_load(c, &rec)) != PDL_OK || (rc = actor_is_reviewer(c, rec)) != PDL_OK)
		return rc;
	if (rec_field(rec, "status", &st) != PDL_OK)
		return PDL_ESTORE;
	if (!mp_str_eq(st.p, st.n, "submitted"))
		return pdl_rule_fail(c, "product.bad_state", "product %.*s is %.*s; only a submitted product is reviewed",
		                     (int)id.n, id.p, (int)st.n, st.p);
	return product_grant_active(c, rec);
}

static int
review_apply(struct pdl_ctx *c)
{
	struct pdl_str o = pdl_body_str(c, RV_OUTCOME);
	const struct pdl_kv kv[] = {
		KV_CS("status", mp_str_eq(o.p, o.n, "pass") ? "passed" : "failed"),
		KV_S("notes", pdl_body_str(c, RV_NOTES)),
		KV_S("reviewer", pdl_actor(c)),
	};
	return pdl_rec_set(c, "prod", pdl_body_str(c, RV_ID), kv, 3);
}

/* ---- product.file ---- */

static int
file_validate(struct pdl_ctx *c)
{
	struct mp_cur rec;
	struct pdl_str st, id = pdl_body_str(c, I_ID);
	int filed = 0, rc;
	if ((rc = product_load(c, &rec)) != PDL_OK)
		return rc;
	if (rec_field(rec, "status", &st) != PDL_OK || pdl_rec_bool(rec, "filed", &filed) != PDL_OK)
		return PDL_ESTORE;
	if (filed)
		return pdl_rule_fail(c, "product.already_filed", "the filing of product %.*s was already acknowledged",
		                     (int)id.n, id.p);
	if (!mp_str_eq(st.p, st.n, "passed"))
		return pdl_rule_fail(c, "product.not_passed",
		                     "product %.*s is %.*s; a filing is acknowledged only after the review passed",
		                     (int)id.n, id.p, (int)st.n, st.p);
	return PDL_OK;
}

static int
file_apply(struct pdl_ctx *c)
{
	const struct pdl_kv kv[] = {KV_B("filed", 1)};
	return pdl_rec_set(c, "prod", pdl_body_str(c, I_ID), kv, 1);
}

/* ---- product.release ---- */

static int
release_validate(struct pdl_ctx *c)
{
	struct mp_cur rec;
	struct pdl_str st, id = pdl_body_str(c, I_ID);
	int filed = 0, rc;
	if ((rc = product_load(c, &rec)) != PDL_OK || (rc = actor_is_operator(c, rec, "release")) != PDL_OK)
		return rc;
	if (rec_field(rec, "status", &st) != PDL_OK || pdl_rec_bool(rec, "filed", &filed) != PDL_OK)
		return PDL_ESTORE;
	if (!mp_str_eq(st.p, st.n, "passed") || !filed)
		return pdl_rule_fail(c, "product.release_needs_pass_and_filing",
		                     "product %.*s is %.*s and %s; release needs a passed review and an acknowledged "
		                     "filing",
		                     (int)id.n, id.p, (int)st.n, st.p, filed ? "filed" : "not filed");
	if ((rc = product_grant_active(c, rec)) != PDL_OK)
		return rc;
	if (c->info->policy.product_registration_before_release) {
		rc = pdl_registration_live(c, 'P', id, NULL);
		if (rc == PDL_ENOTFOUND)
			return pdl_rule_fail(c, "product.not_registered",
			                     "product %.*s has no coded registration (kind P); this ledger's policy registers "
			                     "products before release",
			                     (int)id.n, id.p);
		if (rc != PDL_OK)
			return rc;
	}
	return PDL_OK;
}

static int
release_apply(struct pdl_ctx *c)
{
	const struct pdl_kv kv[] = {KV_CS("status", "released"), KV_U("released_seq", c->seq)};
	return pdl_rec_set(c, "prod", pdl_body_str(c, I_ID), kv, 2);
}

/* ---- product.withdraw ---- */

static int
withdraw_validate(struct pdl_ctx *c)
{
	struct mp_cur rec;
	struct pdl_str st, op, dev, id = pdl_body_str(c, W_ID), me = pdl_actor(c);
	int rc;
	if ((rc = product_load(c, &rec)) != PDL_OK)
		return rc;
	if (rec_field(rec, "status", &st) != PDL_OK || rec_field(rec, "operator", &op) != PDL_OK ||
	    rec_field(rec, "developer", &dev) != PDL_OK)
		return PDL_ESTORE;
	if (!pdl_str_eq(me, op) && !pdl_str_eq(me, dev))
		return pdl_rule_fail(c, "product.not_permitted",
		                     "only %.*s (operator) or %.*s (developer) may withdraw product %.*s", (int)op.n, op.p,
		                     (int)dev.n, dev.p, (int)id.n, id.p);
	if (mp_str_eq(st.p, st.n, "withdrawn"))
		return pdl_rule_fail(c, "product.bad_state", "product %.*s is already withdrawn", (int)id.n, id.p);
	return PDL_OK;
}

static int
withdraw_apply(struct pdl_ctx *c)
{
	/* withdrawn_ms: revenue of the months it was on sale can still be recorded */
	const struct pdl_kv kv[] = {KV_CS("status", "withdrawn"), KV_S("reason", pdl_body_str(c, W_REASON)),
	                            KV_U("withdrawn_ms", c->time_ms)};
	return pdl_rec_set(c, "prod", pdl_body_str(c, W_ID), kv, 3);
}

/* ---- product.reprice ---- */

static const struct pdl_field reprice_fields[] = {
	{"product_id", F_ID, 0, 0, NULL},
	{"price_fen", F_UINT, 0, 0, NULL},
	{"reason", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { RP_ID, RP_PRICE, RP_REASON };

static int
reprice_validate(struct pdl_ctx *c)
{
	struct mp_cur rec, grant;
	struct pdl_str st, gid, cat, unit, id = pdl_body_str(c, RP_ID);
	uint64_t price = pdl_body_uint(c, RP_PRICE), old;
	int rc;
	if ((rc = product_load(c, &rec)) != PDL_OK || (rc = actor_is_operator(c, rec, "reprice")) != PDL_OK)
		return rc;
	if (rec_field(rec, "status", &st) != PDL_OK || rec_field(rec, "grant_id", &gid) != PDL_OK ||
	    rec_field(rec, "category", &cat) != PDL_OK || rec_field(rec, "unit", &unit) != PDL_OK ||
	    pdl_rec_uint(rec, "price_fen", &old) != PDL_OK)
		return PDL_ESTORE;
	if (mp_str_eq(st.p, st.n, "withdrawn") || mp_str_eq(st.p, st.n, "failed"))
		return pdl_rule_fail(c, "product.bad_state", "product %.*s is %.*s; it has no price to change", (int)id.n,
		                     id.p, (int)st.n, st.p);
	if (price == old)
		return pdl_rule_fail(c, "product.price_unchanged", "product %.*s already costs %llu fen", (int)id.n, id.p,
		                     (unsigned long long)price);
	if ((rc = pdl_grant_check(c, gid, &grant)) != PDL_OK)
		return rc;
	return price_check(c, id, gid, grant, cat, unit, price);
}

static int
reprice_apply(struct pdl_ctx *c)
{
	struct mp_cur rec;
	uint64_t n = 0;
	if (pdl_rec_get(c, "prod", pdl_body_str(c, RP_ID), &rec) != PDL_OK)
		return PDL_ESTORE;
	(void)pdl_rec_uint(rec, "reprices", &n);
	const struct pdl_kv kv[] = {KV_U("price_fen", pdl_body_uint(c, RP_PRICE)), KV_U("reprices", n + 1),
	                            KV_S("reprice_reason", pdl_body_str(c, RP_REASON))};
	return pdl_rec_set(c, "prod", pdl_body_str(c, RP_ID), kv, 3);
}

static const struct pdl_act_def acts[] = {
	{"product.submit", PDL_ROLE_DEVELOPER, submit_fields, submit_validate, submit_apply,
	 "submit a data product built on a grant's resources and other products, with its category, price and unit",
	 "developer admitted under the grant", PDL_PUBLIC},
	{"product.review", PDL_ROLE_OPERATOR | PDL_ROLE_AUTHORITY, review_fields, review_validate, review_apply,
	 "out-of-domain compliance review (出域审核) of a submitted product: pass or fail",
	 "the policy's product_reviewer: the operator of the product's grant, or the authority", PDL_PUBLIC},
	{"product.file", PDL_ROLE_AUTHORITY, id_fields, file_validate, file_apply,
	 "acknowledge the filing of a product that passed review", "authority", PDL_PUBLIC},
	{"product.release", PDL_ROLE_OPERATOR, id_fields, release_validate, release_apply,
	 "release a product that passed review and was filed", "the operator of the product's grant", PDL_PUBLIC},
	{"product.withdraw", PDL_ROLE_OPERATOR | PDL_ROLE_DEVELOPER, withdraw_fields, withdraw_validate,
	 withdraw_apply, "withdraw a product, whatever its status", "the operator of the product's grant, or its developer", PDL_PUBLIC},
	{"product.reprice", PDL_ROLE_OPERATOR, reprice_fields, reprice_validate, reprice_apply,
	 "change a product's price (a public price change, within the caps)", "the operator of the product's grant",
	 PDL_PUBLIC},
};

const struct pdl_family pdl_family_product = {"product", acts, sizeof acts / sizeof acts[0]};
