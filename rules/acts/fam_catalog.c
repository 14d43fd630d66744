/*
 * fam_catalog.c — the catalog family (DESIGN §5 "catalog" and "catalog
 * update"): what public data a provider lists, the operator's requests for
 * data not yet listed, and the source party's consent for shared-in data.
 *
 * State (spec/state.md):
 *   res/<resource_id>   provider, name, items [str], format, update_frequency,
 *                       usage_conditions, level, attribute, source?, consented,
 *                       status, reason? (why it was withdrawn), seq
 *   catreq/<request_id> operator, provider, name, items, purpose, status,
 *                       resource_id? (approved), reason? (as given on decide),
 *                       time_ms, decided_ms?, seq
 * States of a resource: listed → withdrawn (catalog.withdraw); final.
 * States of a request:  open → approved | rejected (catalog.decide); final.
 *
 * Invariants:
 *  (1) res.provider is the party that listed the resource (catalog.publish,
 *      or the provider approving a catalog.request) and never changes; only
 *      it amends or withdraws the resource.
 *  (2) res.consented is true exactly when there is no source or the current
 *      source has submitted catalog.consent since it became the source.
 *  (3) a resource is written by one function, res_put, whether it enters by
 *      catalog.publish or by an approved catalog.decide: 一次授权、重复可用.
 *  (4) a listed resource is decided by pdl_resource_check alone.
 */
#include <string.h>

#include "families.h"

#define CAT_NAME_MAX 256u   /* names, formats, frequencies: one line */
#define CAT_TEXT_MAX 4096u  /* free text: conditions, purposes, reasons */
#define CAT_ITEMS_MAX 256u  /* data items per resource: bounds the record */
#define CAT_ITEM_MAX 256u   /* bytes per data item name (the schema allows 1024) */
#define CAT_LEVEL_MAX 4u    /* classification levels 1–4 */

static const char *const attribute_list[] = {"shared", "open", "authorized", NULL};
static const char *const decision_list[] = {"approve", "reject", NULL};

/* The description of a resource, after its resource_id: the same rows for
 * publish (required) and amend (optional), so one enum indexes both. */
#define RES_FIELDS(o)                                                                                          \
	{"name", F_STR, (o), CAT_NAME_MAX, NULL}, {"items", F_STRS, (o), CAT_ITEMS_MAX, NULL},                   \
	    {"format", F_STR, (o), CAT_NAME_MAX, NULL}, {"update_frequency", F_STR, (o), CAT_NAME_MAX, NULL},      \
	    {"usage_conditions", F_TEXT, (o), CAT_TEXT_MAX, NULL}, {"level", F_UINT, (o), 0, NULL},                \
	    {"attribute", F_ENUM, (o), 0, attribute_list}, {"source", F_ID, 1, 0, NULL}

static const struct pdl_field publish_fields[] = {
	{"resource_id", F_ID, 0, 0, NULL},
	RES_FIELDS(0),
	{NULL, 0, 0, 0, NULL},
};
static const struct pdl_field amend_fields[] = {
	{"resource_id", F_ID, 0, 0, NULL},
	RES_FIELDS(1),
	{NULL, 0, 0, 0, NULL},
};
enum { P_ID, P_NAME, P_ITEMS, P_FORMAT, P_FREQ, P_COND, P_LEVEL, P_ATTR, P_SOURCE, P_N };

static struct pdl_str
rec_str(struct mp_cur rec, const char *key)
{
	struct pdl_str s = {NULL, 0};
	if (pdl_rec_str(rec, key, &s) != PDL_OK)
		s.n = 0;
	return s;
}

int
pdl_resource_check(struct pdl_ctx *c, struct pdl_str resource_id, struct mp_cur *rec)
{
	struct mp_cur r;
	int rc = pdl_rec_get(c, "res", resource_id, &r);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "catalog.unknown_resource", "no resource %.*s in the catalog",
		                     (int)resource_id.n, resource_id.p);
	if (rc != PDL_OK)
		return rc;
	if (!pdl_rec_is(r, "status", "listed"))
		return pdl_rule_fail(c, "catalog.withdrawn", "resource %.*s has been withdrawn from the catalog",
		                     (int)resource_id.n, resource_id.p);
	if (rec != NULL)
		*rec = r;
	return PDL_OK;
}

/* Data items: at least one, each at most CAT_ITEM_MAX bytes. cur is on the array. */
static int
items_check(struct pdl_ctx *c, struct mp_cur cur)
{
	uint32_t n;
	const char *s;
	size_t sn;
	if (mp_read_array(&cur, &n) != PDL_OK)
		return PDL_EDECODE;
	if (n == 0)
		return pdl_rule_fail(c, "catalog.items_empty", "a resource lists at least one data item");
	for (uint32_t i = 0; i < n; i++) {
		if (mp_read_str(&cur, &s, &sn) != PDL_OK)
			return PDL_EDECODE;
		if (sn > CAT_ITEM_MAX)
			return pdl_rule_fail(c, "catalog.item_too_long", "data item %u is %zu bytes; the limit is %u",
			                     i, sn, CAT_ITEM_MAX);
	}
	return PDL_OK;
}

/* Checks the description fields present in f (publish, amend, or the
 * resource of an approving decide) for a resource owned by provider. */
static int
res_check(struct pdl_ctx *c, const struct pdl_fields *f, struct pdl_str provider)
{
	int rc;
	if (pdl_fields_has(f, P_ITEMS) && (rc = items_check(c, pdl_fields_cur(f, P_ITEMS))) != PDL_OK)
		return rc;
	if (pdl_fields_has(f, P_LEVEL)) {
		uint64_t level = pdl_fields_uint(f, P_LEVEL);
		if (level < 1 || level > CAT_LEVEL_MAX)
			return pdl_rule_fail(c, "catalog.level_invalid", "level %llu is not a classification level 1-%u",
			                     (unsigned long long)level, CAT_LEVEL_MAX);
	}
	if (pdl_fields_has(f, P_SOURCE)) {
		struct pdl_str src = pdl_fields_str(f, P_SOURCE);
		struct pdl_party p;
		rc = pdl_party_get(c->txn, c->s, src.p, src.n, &p);
		if (rc == PDL_ENOTFOUND)
			return pdl_rule_fail(c, "catalog.unknown_source", "source %.*s is not a registered party",
			                     (int)src.n, src.p);
		if (rc != PDL_OK)
			return rc;
		if (pdl_str_eq(src, provider))
			return pdl_rule_fail(c, "catalog.source_is_self",
			                     "provider %.*s cannot be the source of its own resource", (int)src.n,
			                     src.p);
	}
	return PDL_OK;
}

/* A new resource: its id is free and its description valid. */
static int
res_new_check(struct pdl_ctx *c, const struct pdl_fields *f, struct pdl_str provider)
{
	struct pdl_str id = pdl_fields_str(f, P_ID);
	if (pdl_rec_exists(c, "res", id))
		return pdl_rule_fail(c, "catalog.id_taken", "resource id %.*s is already in the catalog", (int)id.n,
		                     id.p);
	return res_check(c, f, provider);
}

/* Writes res/<id> from a complete description (invariant 3). */
static int
res_put(struct pdl_ctx *c, const struct pdl_fields *f, struct pdl_str provider)
{
	int has_src = pdl_fields_has(f, P_SOURCE);
	struct pdl_kv kv[12];
	size_t n = 0;
	kv[n++] = KV_S("provider", provider);
	kv[n++] = KV_S("name", pdl_fields_str(f, P_NAME));
	kv[n++] = KV_RAWV("items", pdl_fields_cur(f, P_ITEMS));
	kv[n++] = KV_S("format", pdl_fields_str(f, P_FORMAT));
	kv[n++] = KV_S("update_frequency", pdl_fields_str(f, P_FREQ));
	kv[n++] = KV_S("usage_conditions", pdl_fields_str(f, P_COND));
	kv[n++] = KV_U("level", pdl_fields_uint(f, P_LEVEL));
	kv[n++] = KV_S("attribute", pdl_fields_str(f, P_ATTR));
	if (has_src)
		kv[n++] = KV_S("source", pdl_fields_str(f, P_SOURCE));
	kv[n++] = KV_B("consented", !has_src);
	kv[n++] = KV_CS("status", "listed");
	kv[n++] = KV_U("seq", c->seq);
	return pdl_rec_set(c, "res", pdl_fields_str(f, P_ID), kv, n);
}

/* ---- catalog.publish ---- */

static int
publish_validate(struct pdl_ctx *c)
{
	return res_new_check(c, &c->act->body, pdl_actor(c));
}

static int
publish_apply(struct pdl_ctx *c)
{
	return res_put(c, &c->act->body, pdl_actor(c));
}

/* ---- catalog.consent ---- */

static const struct pdl_field consent_fields[] = {
	{"resource_id", F_ID, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { C_ID };

static int
consent_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, C_ID), src;
	struct mp_cur rec;
	int rc = pdl_resource_check(c, id, &rec);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_str(rec, "source", &src) != PDL_OK)
		return pdl_rule_fail(c, "catalog.no_source", "resource %.*s has no source whose consent it needs",
		                     (int)id.n, id.p);
	if (!pdl_str_eq(src, pdl_actor(c)))
		return pdl_rule_fail(c, "catalog.not_source", "only %.*s, the source of resource %.*s, may consent",
		                     (int)src.n, src.p, (int)id.n, id.p);
	int consented = 0;
	if (pdl_rec_bool(rec, "consented", &consented) == PDL_OK && consented)
		return pdl_rule_fail(c, "catalog.already_consented", "%.*s has already consented to resource %.*s",
		                     (int)src.n, src.p, (int)id.n, id.p);
	return PDL_OK;
}

static int
consent_apply(struct pdl_ctx *c)
{
	struct pdl_kv kv[] = {KV_B("consented", 1)};
	return pdl_rec_set(c, "res", pdl_body_str(c, C_ID), kv, 1);
}

/* ---- catalog.amend ---- */

/* The owner of a listed resource: the actor. */
static int
owned_check(struct pdl_ctx *c, struct pdl_str id, struct mp_cur *rec)
{
	int rc = pdl_resource_check(c, id, rec);
	if (rc != PDL_OK)
		return rc;
	struct pdl_str prov = rec_str(*rec, "provider");
	if (!pdl_str_eq(prov, pdl_actor(c)))
		return pdl_rule_fail(c, "catalog.not_owner", "resource %.*s belongs to provider %.*s", (int)id.n,
		                     id.p, (int)prov.n, prov.p);
	return PDL_OK;
}

static int
amend_validate(struct pdl_ctx *c)
{
	const struct pdl_fields *b = &c->act->body;
	struct mp_cur rec;
	int rc = owned_check(c, pdl_body_str(c, P_ID), &rec);
	if (rc != PDL_OK)
		return rc;
	int any = 0;
	for (unsigned i = P_NAME; i < P_N; i++)
		any |= pdl_fields_has(b, i);
	if (!any)
		return pdl_rule_fail(c, "catalog.nothing_to_amend", "the amendment changes no field of resource %.*s",
		                     (int)pdl_body_str(c, P_ID).n, pdl_body_str(c, P_ID).p);
	return res_check(c, b, pdl_actor(c));
}

static int
amend_apply(struct pdl_ctx *c)
{
	static const char *const keys[P_N] = {
		NULL, "name", "items", "format", "update_frequency", "usage_conditions", "level", "attribute", "source",
	};
	const struct pdl_fields *b = &c->act->body;
	struct pdl_str id = pdl_body_str(c, P_ID), old;
	struct mp_cur rec;
	struct pdl_kv kv[P_N + 1];
	size_t n = 0;
	if (pdl_rec_get(c, "res", id, &rec) != PDL_OK)
		return PDL_ESTORE;
	for (unsigned i = P_NAME; i < P_N; i++) {
		if (!pdl_fields_has(b, i))
			continue;
		if (i == P_ITEMS)
			kv[n++] = KV_RAWV(keys[i], pdl_fields_cur(b, i));
		else if (i == P_LEVEL)
			kv[n++] = KV_U(keys[i], pdl_fields_uint(b, i));
		else
			kv[n++] = KV_S(keys[i], pdl_fields_str(b, i));
	}
	/* invariant 2: a new source has not consented yet; naming the same source again changes nothing */
	if (pdl_fields_has(b, P_SOURCE) &&
	    (pdl_rec_str(rec, "source", &old) != PDL_OK || !pdl_str_eq(old, pdl_fields_str(b, P_SOURCE))))
		kv[n++] = KV_B("consented", 0);
	return pdl_rec_set(c, "res", id, kv, n);
}

/* ---- catalog.withdraw ---- */

static const struct pdl_field withdraw_fields[] = {
	{"resource_id", F_ID, 0, 0, NULL},
	{"reason", F_STR, 0, CAT_TEXT_MAX, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { W_ID, W_REASON };

static int
withdraw_validate(struct pdl_ctx *c)
{
	struct mp_cur rec;
	return owned_check(c, pdl_body_str(c, W_ID), &rec);
}

static int
withdraw_apply(struct pdl_ctx *c)
{
	struct pdl_kv kv[] = {KV_CS("status", "withdrawn"), KV_S("reason", pdl_body_str(c, W_REASON))};
	return pdl_rec_set(c, "res", pdl_body_str(c, W_ID), kv, 2);
}

/* ---- catalog.request ---- */

static const struct pdl_field request_fields[] = {
	{"request_id", F_ID, 0, 0, NULL},
	{"provider", F_ID, 0, 0, NULL},
	{"name", F_STR, 0, CAT_NAME_MAX, NULL},
	{"items", F_STRS, 0, CAT_ITEMS_MAX, NULL},
	{"purpose", F_STR, 0, CAT_TEXT_MAX, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { Q_ID, Q_PROVIDER, Q_NAME, Q_ITEMS, Q_PURPOSE };

static int
request_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, Q_ID), prov = pdl_body_str(c, Q_PROVIDER);
	if (pdl_rec_exists(c, "catreq", id))
		return pdl_rule_fail(c, "catalog.request_id_taken", "catalog request id %.*s is already used",
		                     (int)id.n, id.p);
	if (!pdl_party_has_role(c, prov, PDL_ROLE_PROVIDER))
		return pdl_rule_fail(c, "catalog.not_a_provider", "%.*s is not a registered provider", (int)prov.n,
		                     prov.p);
	return items_check(c, pdl_body(c, Q_ITEMS));
}

static int
request_apply(struct pdl_ctx *c)
{
	struct pdl_kv kv[] = {
		KV_S("operator", pdl_actor(c)),
		KV_S("provider", pdl_body_str(c, Q_PROVIDER)),
		KV_S("name", pdl_body_str(c, Q_NAME)),
		KV_RAWV("items", pdl_body(c, Q_ITEMS)),
		KV_S("purpose", pdl_body_str(c, Q_PURPOSE)),
		KV_CS("status", "open"),
		KV_U("time_ms", c->time_ms),
		KV_U("seq", c->seq),
	};
	return pdl_rec_set(c, "catreq", pdl_body_str(c, Q_ID), kv, sizeof kv / sizeof kv[0]);
}

/* ---- catalog.decide ---- */

static const struct pdl_field decide_fields[] = {
	{"request_id", F_ID, 0, 0, NULL},
	{"decision", F_ENUM, 0, 0, decision_list},
	{"reason", F_TEXT, 1, CAT_TEXT_MAX, NULL},
	{"resource", F_MAP, 1, 0, publish_fields},
	{NULL, 0, 0, 0, NULL},
};
enum { D_ID, D_DECISION, D_REASON, D_RESOURCE };

static int
approving(const struct pdl_ctx *c)
{
	struct pdl_str d = pdl_body_str(c, D_DECISION);
	return mp_str_eq(d.p, d.n, "approve");
}

/* Binds body.resource (already checked by the engine against publish_fields). */
static int
bind_resource(const struct pdl_ctx *c, struct pdl_fields *f, struct pdl_status *st)
{
	struct mp_cur cur = pdl_body(c, D_RESOURCE);
	return pdl_fields_bind(publish_fields, &cur, f, st, "body.resource");
}

static int
decide_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, D_ID), prov, status;
	struct mp_cur rec;
	int rc = pdl_rec_get(c, "catreq", id, &rec);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "catalog.unknown_request", "no catalog request %.*s", (int)id.n, id.p);
	if (rc != PDL_OK)
		return rc;
	prov = rec_str(rec, "provider");
	if (!pdl_str_eq(prov, pdl_actor(c)))
		return pdl_rule_fail(c, "catalog.not_addressed", "catalog request %.*s is addressed to provider %.*s",
		                     (int)id.n, id.p, (int)prov.n, prov.p);
	status = rec_str(rec, "status");
	if (!mp_str_eq(status.p, status.n, "open"))
		return pdl_rule_fail(c, "catalog.request_closed", "catalog request %.*s is already %.*s", (int)id.n,
		                     id.p, (int)status.n, status.p);
	if (!approving(c)) {
		if (!pdl_body_has(c, D_REASON) || pdl_body_str(c, D_REASON).n == 0)
			return pdl_rule_fail(c, "catalog.reject_needs_reason",
			                     "rejecting catalog request %.*s needs a reason", (int)id.n, id.p);
		return PDL_OK;
	}
	if (!pdl_body_has(c, D_RESOURCE))
		return pdl_rule_fail(c, "catalog.approve_needs_resource",
		                     "approving catalog request %.*s needs the resource to list", (int)id.n, id.p);
	struct pdl_fields f;
	if ((rc = bind_resource(c, &f, c->st)) != PDL_OK)
		return rc;
	return res_new_check(c, &f, pdl_actor(c));
}

static int
decide_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, D_ID);
	struct pdl_kv kv[4];
	size_t n = 0;
	int rc;
	if (approving(c)) {
		struct pdl_fields f;
		struct pdl_status st;
		if (bind_resource(c, &f, &st) != PDL_OK)
			return PDL_ESTORE;
		rc = res_put(c, &f, pdl_actor(c));
		if (rc != PDL_OK)
			return rc;
		struct pdl_str rid = pdl_fields_str(&f, P_ID);
		kv[n++] = KV_CS("status", "approved");
		kv[n++] = KV_S("resource_id", rid);
		pdl_out_str(c, "resource_id", rid.p, rid.n);
	} else {
		kv[n++] = KV_CS("status", "rejected");
	}
	if (pdl_body_has(c, D_REASON) && pdl_body_str(c, D_REASON).n > 0)
		kv[n++] = KV_S("reason", pdl_body_str(c, D_REASON));
	kv[n++] = KV_U("decided_ms", c->time_ms);
	return pdl_rec_set(c, "catreq", id, kv, n);
}

static const struct pdl_act_def acts[] = {
	{"catalog.publish", PDL_ROLE_PROVIDER, publish_fields, publish_validate, publish_apply,
	 "list a data resource in the catalog: items, format, update frequency, usage conditions, level, "
	 "attribute and, for shared-in data, its source",
	 "provider", PDL_PUBLIC},
	{"catalog.consent", 0, consent_fields, consent_validate, consent_apply,
	 "consent, as its source, to a shared-in resource entering grants", "the resource's source party", PDL_PUBLIC},
	{"catalog.amend", PDL_ROLE_PROVIDER, amend_fields, amend_validate, amend_apply,
	 "change fields of a listed resource; a new source must consent again", "the owning provider", PDL_PUBLIC},
	{"catalog.withdraw", PDL_ROLE_PROVIDER, withdraw_fields, withdraw_validate, withdraw_apply,
	 "withdraw a resource from the catalog, with a reason", "the owning provider", PDL_PUBLIC},
	{"catalog.request", PDL_ROLE_OPERATOR, request_fields, request_validate, request_apply,
	 "ask a provider to list a resource not yet in the catalog", "operator", PDL_PUBLIC},
	{"catalog.decide", PDL_ROLE_PROVIDER, decide_fields, decide_validate, decide_apply,
	 "approve a catalog request by listing the resource, or reject it with a reason",
	 "the provider the request is addressed to", PDL_PUBLIC},
};

const struct pdl_family pdl_family_catalog = {"catalog", acts, sizeof acts / sizeof acts[0]};
