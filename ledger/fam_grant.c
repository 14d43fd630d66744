/*
 * fam_grant.c — grants: the authority's authorization of an operator to
 * process listed public data resources (DESIGN §5, "grant" row), and the
 * one check every later permission asks (pdl_grant_check).
 *
 * State (spec/state.md):
 *   grant/<grant_id>           the grant: operator, authority, mode, resources,
 *                              scope, start, end, trial_end?, exclusive,
 *                              split_bp, fee_cap_fen, start_ms, end_ms,
 *                              status, reason?, note?, seq
 *   gres/<resource_id>/<grant_id>  index: one per resource of a grant, {seq};
 *                              lets grant.issue find the grants that already
 *                              cover a resource (exclusivity)
 *   greport/<grant_id>/<year>  the grantee's yearly report
 *   geval/<grant_id>/<year>    the authority's yearly evaluation
 *
 * States of a grant: active ⇄ suspended (suspend / resume); active or
 * suspended → terminated (terminate). Terminated is final.
 *
 * Invariants:
 *  (1) a grant permits acts only while status is active and
 *      start_ms ≤ time < end_ms; pdl_grant_check is the one place that
 *      decides, so terminating a grant closes every admission, call and
 *      product relying on it at once, without rewriting their records;
 *  (2) end_ms is the first ms after the end date (CST), start_ms the first
 *      ms of the start date: the end date is the term's last day;
 *  (3) split_bp's four shares sum to exactly 10,000;
 *  (4) while a grant that is not terminated covers a resource, no grant
 *      whose term overlaps it may include that resource if either of the
 *      two is exclusive.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "families.h"

static const char *const mode_list[] = {"overall", "domain", "scenario", NULL};
static const char *const exit_list[] = {"expiry", "requested_exit", "breach", "missed_targets", "illegal", NULL};
static const char *const result_list[] = {"excellent", "good", "pass", "fail", NULL};

#define GRANT_RESOURCES_MAX 256u /* bounds the per-resource checks and the record */
#define SPLIT_BP_TOTAL 10000u    /* basis points: the split covers the whole gross */
#define YEAR_MAX 9999u           /* dates are YYYY */

/* ---- helpers ---- */

/* Calls fn for every state record whose key starts with "<kind>/<id>/",
 * with the rest of the key. Stops at the first non-PDL_OK return and
 * returns it. The value cursor points into the LMDB map: valid until the
 * next write. */
typedef int (*scan_fn)(struct pdl_ctx *c, struct pdl_str suffix, struct mp_cur val, void *arg);

static int
scan_prefix(struct pdl_ctx *c, const char *kind, struct pdl_str id, scan_fn fn, void *arg)
{
	char k[PDL_REC_KEY_MAX];
	size_t kn = pdl_state_key(k, sizeof k - 1, kind, id.p, id.n);
	MDB_cursor *cur;
	if (kn == 0)
		return PDL_OK;
	k[kn++] = '/';
	int mrc = mdb_cursor_open(c->txn, c->s->state, &cur);
	if (mrc != 0)
		return pdl_store_err(mrc);
	MDB_val key = {kn, k}, val;
	int rc = PDL_OK;
	for (mrc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size < kn || memcmp(key.mv_data, k, kn) != 0)
			break;
		struct pdl_str suffix = {(const char *)key.mv_data + kn, key.mv_size - kn};
		rc = fn(c, suffix, mp_cur_make(val.mv_data, val.mv_size), arg);
		if (rc != PDL_OK)
			break;
	}
	if (rc == PDL_OK && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = pdl_store_err(mrc);
	mdb_cursor_close(cur);
	return rc;
}

/* "<a>/<b>" into buf; a and b are ids (≤ 64 bytes) or short numbers. */
static struct pdl_str
pair_id(char *buf, size_t cap, struct pdl_str a, struct pdl_str b)
{
	int n = snprintf(buf, cap, "%.*s/%.*s", (int)a.n, a.p, (int)b.n, b.p);
	struct pdl_str r = {buf, n > 0 && (size_t)n < cap ? (size_t)n : 0};
	return r;
}

static int
grant_get(struct pdl_ctx *c, struct pdl_str id, struct mp_cur *rec)
{
	int rc = pdl_rec_get(c, "grant", id, rec);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "grant.unknown", "no grant %.*s", (int)id.n, id.p);
	return rc;
}

static struct pdl_str
status_of(struct mp_cur rec)
{
	struct pdl_str s = {"", 0};
	if (pdl_rec_str(rec, "status", &s) != PDL_OK)
		s.p = "", s.n = 0;
	return s;
}

int
pdl_grant_check(struct pdl_ctx *c, struct pdl_str grant_id, struct mp_cur *rec)
{
	struct mp_cur r;
	struct pdl_str start = {"", 0}, end = {"", 0};
	uint64_t start_ms, end_ms;
	int rc = grant_get(c, grant_id, &r);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_is(r, "status", "suspended"))
		return pdl_rule_fail(c, "grant.suspended", "grant %.*s is suspended: it permits nothing until resumed",
		                     (int)grant_id.n, grant_id.p);
	if (pdl_rec_is(r, "status", "terminated"))
		return pdl_rule_fail(c, "grant.terminated", "grant %.*s is terminated: every permission under it is closed",
		                     (int)grant_id.n, grant_id.p);
	if (pdl_rec_uint(r, "start_ms", &start_ms) != PDL_OK || pdl_rec_uint(r, "end_ms", &end_ms) != PDL_OK)
		return PDL_ESTORE;
	(void)pdl_rec_str(r, "start", &start);
	(void)pdl_rec_str(r, "end", &end);
	if (c->time_ms >= end_ms)
		return pdl_rule_fail(c, "grant.expired", "grant %.*s expired after %.*s: every permission under it is closed",
		                     (int)grant_id.n, grant_id.p, (int)end.n, end.p);
	if (c->time_ms < start_ms)
		return pdl_rule_fail(c, "grant.not_started", "grant %.*s starts on %.*s", (int)grant_id.n, grant_id.p,
		                     (int)start.n, start.p);
	if (rec != NULL)
		*rec = r;
	return PDL_OK;
}

/* ---- grant.issue ---- */

static const struct pdl_field split_fields[] = {
	{"providers", F_UINT, 0, SPLIT_BP_TOTAL, NULL},
	{"operator", F_UINT, 0, SPLIT_BP_TOTAL, NULL},
	{"developer", F_UINT, 0, SPLIT_BP_TOTAL, NULL},
	{"authority", F_UINT, 0, SPLIT_BP_TOTAL, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { SP_PROVIDERS, SP_OPERATOR, SP_DEVELOPER, SP_AUTHORITY, SP_N };

static const struct pdl_field issue_fields[] = {
	{"grant_id", F_ID, 0, 0, NULL},
	{"operator", F_ID, 0, 0, NULL},
	{"mode", F_ENUM, 0, 0, mode_list},
	{"resources", F_IDS, 0, GRANT_RESOURCES_MAX, NULL},
	{"scope", F_STR, 0, 4096, NULL},
	{"start", F_DATE, 0, 0, NULL},
	{"end", F_DATE, 0, 0, NULL},
	{"trial_end", F_DATE, 1, 0, NULL},
	{"exclusive", F_BOOL, 0, 0, NULL},
	{"split_bp", F_MAP, 0, 0, split_fields},
	{"fee_cap_fen", F_UINT, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { I_ID, I_OPERATOR, I_MODE, I_RES, I_SCOPE, I_START, I_END, I_TRIAL, I_EXCL, I_SPLIT, I_FEECAP };

static int
split_bind(const struct pdl_ctx *c, struct pdl_fields *f)
{
	struct mp_cur cur = pdl_body(c, I_SPLIT);
	struct pdl_status st;
	return pdl_fields_bind(split_fields, &cur, f, &st, "body.split_bp");
}

/* The term of the act's body: [start_ms, end_ms). */
static void
issue_term(const struct pdl_ctx *c, uint64_t *start_ms, uint64_t *end_ms)
{
	struct pdl_date start = pdl_date_parse(pdl_body_str(c, I_START));
	struct pdl_date end = pdl_date_parse(pdl_body_str(c, I_END));
	*start_ms = pdl_ms_of_date(start);
	*end_ms = pdl_ms_of_date(pdl_date_add_days(end, 1));
}

/* What grant.issue knows about the grant it checks a covering grant against. */
struct excl_arg {
	struct pdl_str resource;
	int exclusive;
	uint64_t start_ms, end_ms;
};

static int
excl_one(struct pdl_ctx *c, struct pdl_str other_id, struct mp_cur val, void *arg)
{
	const struct excl_arg *a = arg;
	struct mp_cur other;
	uint64_t s, e;
	int other_excl = 0;
	(void)val;
	int rc = pdl_rec_get(c, "grant", other_id, &other);
	if (rc == PDL_ENOTFOUND)
		return PDL_OK;
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_is(other, "status", "terminated"))
		return PDL_OK;
	if (pdl_rec_uint(other, "start_ms", &s) != PDL_OK || pdl_rec_uint(other, "end_ms", &e) != PDL_OK)
		return PDL_ESTORE;
	(void)pdl_rec_bool(other, "exclusive", &other_excl);
	if (s >= a->end_ms || a->start_ms >= e)
		return PDL_OK; /* terms do not overlap */
	if (other_excl)
		return pdl_rule_fail(c, "grant.resource_exclusive",
		                     "resource %.*s is under exclusive grant %.*s for an overlapping term", (int)a->resource.n,
		                     a->resource.p, (int)other_id.n, other_id.p);
	if (a->exclusive)
		return pdl_rule_fail(c, "grant.exclusive_conflict",
		                     "an exclusive grant cannot include resource %.*s: grant %.*s covers it for an "
		                     "overlapping term",
		                     (int)a->resource.n, a->resource.p, (int)other_id.n, other_id.p);
	return PDL_OK;
}

static int
issue_check_dates(struct pdl_ctx *c)
{
	struct pdl_str ss = pdl_body_str(c, I_START), es = pdl_body_str(c, I_END);
	struct pdl_date start = pdl_date_parse(ss), end = pdl_date_parse(es);
	struct pdl_date term_from = start;
	const struct pdl_policy *po = &c->info->policy;
	if (pdl_date_cmp(end, start) <= 0)
		return pdl_rule_fail(c, "grant.bad_term", "end %.*s must be after start %.*s", (int)es.n, es.p, (int)ss.n,
		                     ss.p);
	if (pdl_body_has(c, I_TRIAL)) {
		struct pdl_str ts = pdl_body_str(c, I_TRIAL);
		struct pdl_date trial = pdl_date_parse(ts);
		if (pdl_date_cmp(trial, start) <= 0 || pdl_date_cmp(trial, end) >= 0)
			return pdl_rule_fail(c, "grant.bad_term", "trial_end %.*s must lie strictly between start and end",
			                     (int)ts.n, ts.p);
		uint64_t trial_m = pdl_months_between(start, trial);
		if (trial_m > po->trial_months_max)
			return pdl_rule_fail(c, "grant.trial_exceeds_policy",
			                     "the trial from %.*s to %.*s is %llu months; the policy allows %llu", (int)ss.n,
			                     ss.p, (int)ts.n, ts.p, (unsigned long long)trial_m,
			                     (unsigned long long)po->trial_months_max);
		term_from = trial;
	}
	/* the end date is the term's last day, so the term runs to the day after */
	uint64_t term_m = pdl_months_between(term_from, pdl_date_add_days(end, 1));
	if (term_m > po->grant_months_max)
		return pdl_rule_fail(c, "grant.term_exceeds_policy",
		                     "the agreement term up to %.*s is %llu months; the policy allows %llu", (int)es.n, es.p,
		                     (unsigned long long)term_m, (unsigned long long)po->grant_months_max);
	return PDL_OK;
}

static int
issue_check_resources(struct pdl_ctx *c)
{
	struct excl_arg ea;
	struct mp_cur arr = pdl_body(c, I_RES), res;
	uint32_t n;
	ea.exclusive = pdl_fields_bool(&c->act->body, I_EXCL);
	issue_term(c, &ea.start_ms, &ea.end_ms);
	if (mp_read_array(&arr, &n) != PDL_OK)
		return PDL_EFIELD;
	if (n == 0)
		return pdl_rule_fail(c, "grant.no_resources", "a grant covers at least one resource");
	for (uint32_t i = 0; i < n; i++) {
		struct pdl_str id, src;
		int consented;
		if (mp_read_str(&arr, &id.p, &id.n) != PDL_OK)
			return PDL_EFIELD;
		/* duplicates: compare with the ones before (n ≤ 256) */
		struct mp_cur prev = pdl_body(c, I_RES);
		uint32_t pn;
		mp_read_array(&prev, &pn);
		for (uint32_t j = 0; j < i; j++) {
			struct pdl_str p;
			mp_read_str(&prev, &p.p, &p.n);
			if (pdl_str_eq(p, id))
				return pdl_rule_fail(c, "grant.duplicate_resource", "resource %.*s is listed twice",
				                     (int)id.n, id.p);
		}
		int rc = pdl_resource_check(c, id, &res);
		if (rc != PDL_OK)
			return rc;
		if (pdl_rec_str(res, "source", &src) == PDL_OK) {
			if (pdl_rec_bool(res, "consented", &consented) != PDL_OK)
				consented = 0;
			if (!consented)
				return pdl_rule_fail(c, "grant.source_not_consented",
				                     "resource %.*s was shared in by %.*s, which has not consented "
				                     "(catalog.consent) to its use in a grant",
				                     (int)id.n, id.p, (int)src.n, src.p);
		}
		ea.resource = id;
		rc = scan_prefix(c, "gres", id, excl_one, &ea);
		if (rc != PDL_OK)
			return rc;
	}
	return PDL_OK;
}

static int
issue_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, I_ID), op = pdl_body_str(c, I_OPERATOR), mode = pdl_body_str(c, I_MODE);
	struct pdl_fields sp;
	if (pdl_rec_exists(c, "grant", id))
		return pdl_rule_fail(c, "grant.id_taken", "grant %.*s already exists", (int)id.n, id.p);
	if (!pdl_party_has_role(c, op, PDL_ROLE_OPERATOR))
		return pdl_rule_fail(c, "grant.not_an_operator", "%.*s is not a registered party with the operator role",
		                     (int)op.n, op.p);
	if (pdl_fields_bool(&c->act->body, I_EXCL) && !mp_str_eq(mode.p, mode.n, "overall"))
		return pdl_rule_fail(c, "grant.exclusive_not_overall", "%.*s grants are non-exclusive; only overall "
		                     "grants may be exclusive", (int)mode.n, mode.p);
	if (split_bind(c, &sp) != PDL_OK)
		return PDL_EFIELD;
	uint64_t sum = 0;
	for (unsigned i = 0; i < SP_N; i++)
		sum += pdl_fields_uint(&sp, i);
	if (sum != SPLIT_BP_TOTAL)
		return pdl_rule_fail(c, "grant.split_not_10000", "split_bp shares sum to %llu basis points, not 10000",
		                     (unsigned long long)sum);
	int rc = issue_check_dates(c);
	if (rc != PDL_OK)
		return rc;
	return issue_check_resources(c);
}

static int
issue_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, I_ID);
	struct pdl_fields sp;
	struct pdl_kv kv[16];
	size_t n = 0;
	uint64_t start_ms, end_ms;
	char split[64];
	msgpack_sbuffer sb;
	msgpack_packer pk;

	if (split_bind(c, &sp) != PDL_OK)
		return PDL_ESTORE;
	/* split_bp in a fixed key order, whatever order the client used */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, SP_N);
	for (unsigned i = 0; i < SP_N; i++) {
		mp_pack_cstr(&pk, split_fields[i].name);
		msgpack_pack_uint64(&pk, pdl_fields_uint(&sp, i));
	}
	assert(sb.size <= sizeof split);
	memcpy(split, sb.data, sb.size);
	size_t split_n = sb.size;
	msgpack_sbuffer_destroy(&sb);

	issue_term(c, &start_ms, &end_ms);
	kv[n++] = KV_S("operator", pdl_body_str(c, I_OPERATOR));
	kv[n++] = KV_S("authority", pdl_actor(c));
	kv[n++] = KV_S("mode", pdl_body_str(c, I_MODE));
	kv[n++] = KV_RAWV("resources", pdl_body(c, I_RES));
	kv[n++] = KV_S("scope", pdl_body_str(c, I_SCOPE));
	kv[n++] = KV_S("start", pdl_body_str(c, I_START));
	kv[n++] = KV_S("end", pdl_body_str(c, I_END));
	if (pdl_body_has(c, I_TRIAL))
		kv[n++] = KV_S("trial_end", pdl_body_str(c, I_TRIAL));
	kv[n++] = KV_B("exclusive", pdl_fields_bool(&c->act->body, I_EXCL));
	kv[n++] = (struct pdl_kv){"split_bp", KV_RAW, split, split_n, 0};
	kv[n++] = KV_U("fee_cap_fen", pdl_body_uint(c, I_FEECAP));
	kv[n++] = KV_U("start_ms", start_ms);
	kv[n++] = KV_U("end_ms", end_ms);
	kv[n++] = KV_CS("status", "active");
	kv[n++] = KV_U("seq", c->seq);
	int rc = pdl_rec_set(c, "grant", id, kv, n);
	if (rc != PDL_OK)
		return rc;

	struct mp_cur arr = pdl_body(c, I_RES);
	uint32_t rn;
	if (mp_read_array(&arr, &rn) != PDL_OK)
		return PDL_ESTORE;
	for (uint32_t i = 0; i < rn; i++) {
		struct pdl_str rid;
		char buf[2 * PDL_ID_LEN_MAX + 2];
		if (mp_read_str(&arr, &rid.p, &rid.n) != PDL_OK)
			return PDL_ESTORE;
		struct pdl_kv seq = KV_U("seq", c->seq);
		rc = pdl_rec_set(c, "gres", pair_id(buf, sizeof buf, rid, id), &seq, 1);
		if (rc != PDL_OK)
			return rc;
	}
	return PDL_OK;
}

/* ---- grant.suspend / grant.resume ---- */

static const struct pdl_field suspend_fields[] = {
	{"grant_id", F_ID, 0, 0, NULL},
	{"reason", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { S_ID, S_REASON };

static int
expect_status(struct pdl_ctx *c, const char *want, const char *act)
{
	struct pdl_str id = pdl_body_str(c, S_ID);
	struct mp_cur rec;
	int rc = grant_get(c, id, &rec);
	if (rc != PDL_OK)
		return rc;
	if (!pdl_rec_is(rec, "status", want)) {
		struct pdl_str st = status_of(rec);
		return pdl_rule_fail(c, "grant.bad_state", "grant %.*s is %.*s; %s needs it %s", (int)id.n, id.p,
		                     (int)st.n, st.p, act, want);
	}
	return PDL_OK;
}

static int
suspend_validate(struct pdl_ctx *c)
{
	return expect_status(c, "active", "grant.suspend");
}

static int
resume_validate(struct pdl_ctx *c)
{
	return expect_status(c, "suspended", "grant.resume");
}

static int
set_status(struct pdl_ctx *c, const char *status)
{
	struct pdl_kv kv[] = {KV_CS("status", status), KV_S("reason", pdl_body_str(c, S_REASON))};
	return pdl_rec_set(c, "grant", pdl_body_str(c, S_ID), kv, 2);
}

static int
suspend_apply(struct pdl_ctx *c)
{
	return set_status(c, "suspended");
}

static int
resume_apply(struct pdl_ctx *c)
{
	return set_status(c, "active");
}

/* ---- grant.terminate ---- */

static const struct pdl_field terminate_fields[] = {
	{"grant_id", F_ID, 0, 0, NULL},
	{"reason", F_ENUM, 0, 0, exit_list},
	{"note", F_TEXT, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { T_ID, T_REASON, T_NOTE };

static int
terminate_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, T_ID);
	struct mp_cur rec;
	int rc = grant_get(c, id, &rec);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_is(rec, "status", "terminated"))
		return pdl_rule_fail(c, "grant.bad_state", "grant %.*s is already terminated", (int)id.n, id.p);
	return PDL_OK;
}

/* Counts the records under a prefix that termination closes. */
struct close_arg {
	const char *kind;          /* record the index points to; NULL: the value itself */
	const char *const *open;   /* statuses that count as open */
	uint64_t n;
};

static int
count_open(struct pdl_ctx *c, struct pdl_str suffix, struct mp_cur val, void *arg)
{
	struct close_arg *a = arg;
	struct mp_cur rec = val;
	if (a->kind != NULL && pdl_rec_get(c, a->kind, suffix, &rec) != PDL_OK)
		return PDL_OK;
	for (const char *const *s = a->open; *s != NULL; s++)
		if (pdl_rec_is(rec, "status", *s)) {
			a->n++;
			break;
		}
	return PDL_OK;
}

static int
terminate_apply(struct pdl_ctx *c)
{
	static const char *const dev_open[] = {"admitted", NULL};
	static const char *const call_open[] = {"requested", "escalated", "approved", NULL};
	static const char *const prod_open[] = {"submitted", "passed", NULL};
	struct pdl_str id = pdl_body_str(c, T_ID);
	struct close_arg dev = {NULL, dev_open, 0}, call = {"call", call_open, 0}, prod = {"prod", prod_open, 0};
	int rc = scan_prefix(c, "dev", id, count_open, &dev);
	if (rc == PDL_OK)
		rc = scan_prefix(c, "gcall", id, count_open, &call);
	if (rc == PDL_OK)
		rc = scan_prefix(c, "gprod", id, count_open, &prod);
	if (rc != PDL_OK)
		return rc;
	/* terminated_ms: revenue of periods that start after it is refused */
	struct pdl_kv kv[] = {KV_CS("status", "terminated"), KV_S("reason", pdl_body_str(c, T_REASON)),
	                      KV_S("note", pdl_body_str(c, T_NOTE)), KV_U("terminated_ms", c->time_ms)};
	rc = pdl_rec_set(c, "grant", id, kv, 4);
	if (rc != PDL_OK)
		return rc;
	pdl_out_key(c, "closed");
	msgpack_pack_map(&c->outpk, 3);
	mp_pack_cstr(&c->outpk, "developers");
	msgpack_pack_uint64(&c->outpk, dev.n);
	mp_pack_cstr(&c->outpk, "calls");
	msgpack_pack_uint64(&c->outpk, call.n);
	mp_pack_cstr(&c->outpk, "products");
	msgpack_pack_uint64(&c->outpk, prod.n);
	return PDL_OK;
}

/* ---- grant.report / grant.evaluate ---- */

static const struct pdl_field report_fields[] = {
	{"grant_id", F_ID, 0, 0, NULL},
	{"year", F_UINT, 0, YEAR_MAX, NULL},
	{"summary", F_STR, 0, 4096, NULL},
	{"digest", F_HEX32, 1, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { RP_ID, RP_YEAR, RP_SUMMARY, RP_DIGEST };

static const struct pdl_field evaluate_fields[] = {
	{"grant_id", F_ID, 0, 0, NULL},
	{"year", F_UINT, 0, YEAR_MAX, NULL},
	{"result", F_ENUM, 0, 0, result_list},
	{"notes", F_TEXT, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { EV_ID, EV_YEAR, EV_RESULT, EV_NOTES };

/* grant_id and year are fields 0 and 1 of both acts. */
static struct pdl_str
year_id(const struct pdl_ctx *c, char *buf, size_t cap)
{
	char y[8];
	snprintf(y, sizeof y, "%llu", (unsigned long long)pdl_body_uint(c, 1));
	return pair_id(buf, cap, pdl_body_str(c, 0), pdl_cstr(y));
}

/* A year is reportable when it is one of the grant's term and has begun. */
static int
check_year(struct pdl_ctx *c, struct mp_cur rec)
{
	struct pdl_str id = pdl_body_str(c, 0), s, e;
	uint64_t year = pdl_body_uint(c, 1);
	if (pdl_rec_str(rec, "start", &s) != PDL_OK || pdl_rec_str(rec, "end", &e) != PDL_OK)
		return PDL_ESTORE;
	uint64_t first = (uint64_t)pdl_date_parse(s).y, last = (uint64_t)pdl_date_parse(e).y;
	uint64_t now = (uint64_t)pdl_date_of_ms(c->time_ms).y;
	if (year < first || year > last || year > now)
		return pdl_rule_fail(c, "grant.bad_year",
		                     "year %llu is not one of grant %.*s's term (%llu-%llu) up to the current year %llu",
		                     (unsigned long long)year, (int)id.n, id.p, (unsigned long long)first,
		                     (unsigned long long)last, (unsigned long long)now);
	return PDL_OK;
}

static int
report_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, RP_ID), op = {"", 0}, actor = pdl_actor(c);
	struct mp_cur rec;
	char buf[PDL_ID_LEN_MAX + 16];
	int rc = grant_get(c, id, &rec);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_str(rec, "operator", &op) != PDL_OK || !pdl_str_eq(op, actor))
		return pdl_rule_fail(c, "grant.not_grantee", "only grant %.*s's operator %.*s may report on it", (int)id.n,
		                     id.p, (int)op.n, op.p);
	if (pdl_rec_is(rec, "status", "terminated"))
		return pdl_rule_fail(c, "grant.terminated", "grant %.*s is terminated", (int)id.n, id.p);
	rc = check_year(c, rec);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_exists(c, "greport", year_id(c, buf, sizeof buf)))
		return pdl_rule_fail(c, "grant.report_exists", "grant %.*s already has its report for %llu", (int)id.n,
		                     id.p, (unsigned long long)pdl_body_uint(c, RP_YEAR));
	return PDL_OK;
}

static int
report_apply(struct pdl_ctx *c)
{
	char buf[PDL_ID_LEN_MAX + 16];
	struct pdl_kv kv[5];
	size_t n = 0;
	kv[n++] = KV_S("operator", pdl_actor(c));
	kv[n++] = KV_S("summary", pdl_body_str(c, RP_SUMMARY));
	if (pdl_body_has(c, RP_DIGEST))
		kv[n++] = KV_S("digest", pdl_body_str(c, RP_DIGEST));
	kv[n++] = KV_U("time_ms", c->time_ms);
	kv[n++] = KV_U("seq", c->seq);
	return pdl_rec_set(c, "greport", year_id(c, buf, sizeof buf), kv, n);
}

static int
evaluate_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, EV_ID);
	struct mp_cur rec;
	char buf[PDL_ID_LEN_MAX + 16];
	int rc = grant_get(c, id, &rec);
	if (rc != PDL_OK)
		return rc;
	rc = check_year(c, rec);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_exists(c, "geval", year_id(c, buf, sizeof buf)))
		return pdl_rule_fail(c, "grant.evaluation_exists", "grant %.*s was already evaluated for %llu", (int)id.n,
		                     id.p, (unsigned long long)pdl_body_uint(c, EV_YEAR));
	return PDL_OK;
}

static int
evaluate_apply(struct pdl_ctx *c)
{
	char buf[PDL_ID_LEN_MAX + 16];
	struct pdl_kv kv[] = {KV_S("authority", pdl_actor(c)), KV_S("result", pdl_body_str(c, EV_RESULT)),
	                      KV_S("notes", pdl_body_str(c, EV_NOTES)), KV_U("seq", c->seq)};
	return pdl_rec_set(c, "geval", year_id(c, buf, sizeof buf), kv, 4);
}

static const struct pdl_act_def acts[] = {
	{"grant.issue", PDL_ROLE_AUTHORITY, issue_fields, issue_validate, issue_apply,
	 "authorize an operator to process listed resources for a term, with the revenue split and fee cap",
	 "authority", PDL_PUBLIC},
	{"grant.suspend", PDL_ROLE_AUTHORITY, suspend_fields, suspend_validate, suspend_apply,
	 "suspend an active grant: nothing relying on it is permitted until it is resumed", "authority", PDL_PUBLIC},
	{"grant.resume", PDL_ROLE_AUTHORITY, suspend_fields, resume_validate, resume_apply,
	 "resume a suspended grant", "authority", PDL_PUBLIC},
	{"grant.terminate", PDL_ROLE_AUTHORITY, terminate_fields, terminate_validate, terminate_apply,
	 "end a grant for good: every admission, call and product relying on it is closed at once", "authority", PDL_PUBLIC},
	{"grant.report", PDL_ROLE_OPERATOR, report_fields, report_validate, report_apply,
	 "the grantee's yearly report on its grant", "the grant's operator", PDL_PUBLIC},
	{"grant.evaluate", PDL_ROLE_AUTHORITY, evaluate_fields, evaluate_validate, evaluate_apply,
	 "the authority's yearly evaluation of a grant, the basis for renewal or exit", "authority", PDL_PUBLIC},
};

const struct pdl_family pdl_family_grant = {"grant", acts, sizeof acts / sizeof acts[0]};
