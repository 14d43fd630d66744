/*
 * fam_grant.c — grants: the authority's authorization of an operator to
 * process listed public data resources (DESIGN §5, "grant" row), and the
 * one check every later permission asks (pdl_grant_check).
 *
 * State (spec/state.md):
 *   grant/<grant_id>           the grant: operator, authority, mode, resources,
 *                              scope, start, end, trial_end?, exclusive,
 *                              split_bp, fee_cap_fen, agreement, selection?,
 *                              start_ms, end_ms, status, reason?, note?, seq;
 *                              version? (amendments so far), rectify_due_ms?
 *                              (the earliest rectification deadline, first ms
 *                              after its due date), terminated_ms?,
 *                              logs_retain_until?, exit_deletion?,
 *                              exit_handover?, exit_seq?
 *   gres/<resource_id>/<grant_id>  index: one per resource of a grant, {seq};
 *                              lets grant.issue and grant.amend find the
 *                              grants that already cover a resource
 *   gop/<operator>/<grant_id>  index: the grants of an operator, {seq}
 *   gamend/<grant_id>/<version>  an amendment: add?, remove?, split_bp?,
 *                              reason, time_ms, seq
 *   rectify/<notice_id>        a rectification notice: grant_id, items, due,
 *                              due_ms, time_ms, seq
 *   greport/<grant_id>/<year>  the grantee's yearly report
 *   geval/<grant_id>/<year>    the authority's yearly evaluation
 *
 * States of a grant: active ⇄ suspended (suspend / resume); active or
 * suspended → terminated (terminate). Terminated is final; the grantee then
 * attests its exit once (grant.exit_attest).
 *
 * Invariants:
 *  (1) a grant permits acts only while status is active and
 *      start_ms ≤ time < end_ms; pdl_grant_check is the one place that
 *      decides, so terminating a grant closes every admission, call and
 *      product relying on it at once, without rewriting their records;
 *  (2) end_ms is the first ms after the end date (CST), start_ms the first
 *      ms of the start date: the end date is the term's last day;
 *  (3) split_bp's four shares sum to exactly 10,000;
 *  (4) while an overall grant that is not terminated covers a resource, no
 *      other overall grant whose term overlaps it may include that resource
 *      if either of the two is exclusive; domain and scenario grants are
 *      never excluded and never exclude (000 二(三): resources of an
 *      individual authorization stay usable for the overall one and the
 *      other individual ones);
 *  (5) with the policy's registration_required, every resource a grant
 *      takes (issue or amend) has a coded, uncancelled R registration held
 *      by its provider at that moment;
 *  (6) resources, split_bp and version change only by grant.amend, which
 *      records each version under gamend/; gres/ lists exactly the
 *      resources the grant holds now;
 *  (7) a missed_targets termination follows a rectification notice whose
 *      due date has passed; every termination records logs_retain_until,
 *      the exit date plus the policy's log_retention_months.
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
	struct pdl_scan sc;
	if (kn == 0)
		return PDL_OK;
	k[kn++] = '/';
	int rc = pdl_store_state_scan(c->txn, c->s, k, kn, &sc);
	while (rc == PDL_OK && (rc = pdl_scan_next(&sc)) == PDL_OK) {
		assert(sc.kn >= kn); /* the scan keeps to the prefix */
		struct pdl_str suffix = {(const char *)sc.k + kn, sc.kn - kn};
		rc = fn(c, suffix, mp_cur_make(sc.v, sc.vn), arg);
	}
	pdl_scan_close(&sc);
	return rc == PDL_END ? PDL_OK : rc;
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
	{"agreement", F_ID, 0, 0, NULL},
	{"selection", F_ID, 1, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { I_ID, I_OPERATOR, I_MODE, I_RES, I_SCOPE, I_START, I_END, I_TRIAL, I_EXCL, I_SPLIT, I_FEECAP, I_AGREEMENT,
       I_SELECTION };

static int
split_bind_at(const struct pdl_ctx *c, unsigned i, struct pdl_fields *f)
{
	struct mp_cur cur = pdl_body(c, i);
	struct pdl_status st;
	return pdl_fields_bind(split_fields, &cur, f, &st, "body.split_bp");
}

/* Refuses with grant.split_not_10000 unless the split at body field i sums to 10,000. */
static int
split_check(struct pdl_ctx *c, unsigned i)
{
	struct pdl_fields sp;
	if (split_bind_at(c, i, &sp) != PDL_OK)
		return PDL_EFIELD;
	uint64_t sum = 0;
	for (unsigned k = 0; k < SP_N; k++)
		sum += pdl_fields_uint(&sp, k);
	if (sum != SPLIT_BP_TOTAL)
		return pdl_rule_fail(c, "grant.split_not_10000", "split_bp shares sum to %llu basis points, not 10000",
		                     (unsigned long long)sum);
	return PDL_OK;
}

/* The split at body field i as a msgpack map in the fixed key order, into
 * buf (64 bytes hold it: 4 short keys and 4 uints ≤ 10,000). */
static size_t
split_pack(const struct pdl_ctx *c, unsigned i, char buf[64])
{
	struct pdl_fields sp;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	if (split_bind_at(c, i, &sp) != PDL_OK)
		return 0;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, SP_N);
	for (unsigned k = 0; k < SP_N; k++) {
		mp_pack_cstr(&pk, split_fields[k].name);
		msgpack_pack_uint64(&pk, pdl_fields_uint(&sp, k));
	}
	assert(sb.size <= 64);
	size_t n = sb.size;
	memcpy(buf, sb.data, n);
	msgpack_sbuffer_destroy(&sb);
	return n;
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

/* What grant.issue or grant.amend knows about the grant that takes a
 * resource, to check the grants already covering it against. */
struct excl_arg {
	struct pdl_str resource;
	struct pdl_str self; /* the grant itself (amend), skipped */
	int exclusive, overall;
	uint64_t start_ms, end_ms;
};

/* Invariant (4): only two overall grants can exclude each other. */
static int
excl_one(struct pdl_ctx *c, struct pdl_str other_id, struct mp_cur val, void *arg)
{
	const struct excl_arg *a = arg;
	struct mp_cur other;
	uint64_t s, e;
	int other_excl = 0;
	(void)val;
	if (!a->overall || pdl_str_eq(other_id, a->self))
		return PDL_OK;
	int rc = pdl_rec_get(c, "grant", other_id, &other);
	if (rc == PDL_ENOTFOUND)
		return PDL_OK;
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_is(other, "status", "terminated") || !pdl_rec_is(other, "mode", "overall"))
		return PDL_OK;
	if (pdl_rec_uint(other, "start_ms", &s) != PDL_OK || pdl_rec_uint(other, "end_ms", &e) != PDL_OK)
		return PDL_ESTORE;
	(void)pdl_rec_bool(other, "exclusive", &other_excl);
	if (s >= a->end_ms || a->start_ms >= e)
		return PDL_OK; /* terms do not overlap */
	if (other_excl)
		return pdl_rule_fail(c, "grant.resource_exclusive",
		                     "resource %.*s is under exclusive overall grant %.*s for an overlapping term",
		                     (int)a->resource.n, a->resource.p, (int)other_id.n, other_id.p);
	if (a->exclusive)
		return pdl_rule_fail(c, "grant.exclusive_conflict",
		                     "an exclusive grant cannot include resource %.*s: overall grant %.*s covers it for an "
		                     "overlapping term",
		                     (int)a->resource.n, a->resource.p, (int)other_id.n, other_id.p);
	return PDL_OK;
}

/* What a resource must meet to enter a grant (issue or amend), after the
 * duplicate check: listed, its source consented, registered (invariant 5),
 * and no exclusivity conflict. */
static int
resource_enters(struct pdl_ctx *c, struct pdl_str id, struct excl_arg *ea)
{
	struct mp_cur res;
	struct pdl_str src, prov, holder;
	int consented;
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
	if (c->info->policy.registration_required) {
		if (pdl_rec_str(res, "provider", &prov) != PDL_OK)
			return PDL_ESTORE;
		/* reads only: prov still points into the map */
		rc = pdl_registration_live(c, 'R', id, &holder);
		if (rc != PDL_OK && rc != PDL_ENOTFOUND)
			return rc;
		if (rc == PDL_ENOTFOUND || !pdl_str_eq(holder, prov))
			return pdl_rule_fail(c, "grant.resource_not_registered",
			                     "resource %.*s has no coded, uncancelled registration (kind R) held by its "
			                     "provider %.*s; the policy requires one before it enters a grant",
			                     (int)id.n, id.p, (int)prov.n, prov.p);
	}
	ea->resource = id;
	return scan_prefix(c, "gres", id, excl_one, ea);
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
	uint64_t total_m = pdl_months_between(start, pdl_date_add_days(end, 1));
	if (total_m > po->grant_total_months_max)
		return pdl_rule_fail(c, "grant.total_exceeds_policy",
		                     "the grant from %.*s through %.*s is %llu months in all, trial included; the policy "
		                     "allows %llu",
		                     (int)ss.n, ss.p, (int)es.n, es.p, (unsigned long long)total_m,
		                     (unsigned long long)po->grant_total_months_max);
	return PDL_OK;
}

/* The agreement, and the selection notice when there is one, are deposits
 * of the authority issuing the grant or of its operator. */
static int
issue_check_documents(struct pdl_ctx *c)
{
	struct pdl_str me = pdl_actor(c), op = pdl_body_str(c, I_OPERATOR);
	struct pdl_str ag = pdl_body_str(c, I_AGREEMENT), sel = pdl_body_str(c, I_SELECTION);
	int rc = pdl_evidence_of(c, ag, me, op);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "grant.agreement_not_deposited",
		                     "agreement %.*s is not an evidence deposit of %.*s or of the operator %.*s", (int)ag.n,
		                     ag.p, (int)me.n, me.p, (int)op.n, op.p);
	if (rc != PDL_OK || !pdl_body_has(c, I_SELECTION))
		return rc;
	rc = pdl_evidence_of(c, sel, me, op);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "grant.selection_not_deposited",
		                     "selection notice %.*s is not an evidence deposit of %.*s or of the operator %.*s",
		                     (int)sel.n, sel.p, (int)me.n, me.p, (int)op.n, op.p);
	return rc;
}

static int
issue_check_resources(struct pdl_ctx *c)
{
	struct excl_arg ea;
	struct mp_cur arr = pdl_body(c, I_RES);
	uint32_t n;
	struct pdl_str mode = pdl_body_str(c, I_MODE);
	memset(&ea, 0, sizeof ea);
	ea.exclusive = pdl_fields_bool(&c->act->body, I_EXCL);
	ea.overall = mp_str_eq(mode.p, mode.n, "overall");
	issue_term(c, &ea.start_ms, &ea.end_ms);
	if (mp_read_array(&arr, &n) != PDL_OK)
		return PDL_EFIELD;
	if (n == 0)
		return pdl_rule_fail(c, "grant.no_resources", "a grant covers at least one resource");
	for (uint32_t i = 0; i < n; i++) {
		struct pdl_str id;
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
		int rc = resource_enters(c, id, &ea);
		if (rc != PDL_OK)
			return rc;
	}
	return PDL_OK;
}

static int
issue_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, I_ID), op = pdl_body_str(c, I_OPERATOR), mode = pdl_body_str(c, I_MODE);
	if (pdl_rec_exists(c, "grant", id))
		return pdl_rule_fail(c, "grant.id_taken", "grant %.*s already exists", (int)id.n, id.p);
	if (!pdl_party_has_role(c, op, PDL_ROLE_OPERATOR))
		return pdl_rule_fail(c, "grant.not_an_operator", "%.*s is not a registered party with the operator role",
		                     (int)op.n, op.p);
	if (pdl_fields_bool(&c->act->body, I_EXCL) && !mp_str_eq(mode.p, mode.n, "overall"))
		return pdl_rule_fail(c, "grant.exclusive_not_overall", "%.*s grants are non-exclusive; only overall "
		                     "grants may be exclusive", (int)mode.n, mode.p);
	int rc = split_check(c, I_SPLIT);
	if (rc != PDL_OK)
		return rc;
	rc = issue_check_dates(c);
	if (rc != PDL_OK)
		return rc;
	rc = issue_check_documents(c);
	if (rc != PDL_OK)
		return rc;
	return issue_check_resources(c);
}

static int
issue_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, I_ID);
	struct pdl_kv kv[18];
	size_t n = 0;
	uint64_t start_ms, end_ms;
	char split[64];
	/* split_bp in a fixed key order, whatever order the client used */
	size_t split_n = split_pack(c, I_SPLIT, split);
	if (split_n == 0)
		return PDL_ESTORE;

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
	kv[n++] = KV_S("agreement", pdl_body_str(c, I_AGREEMENT));
	if (pdl_body_has(c, I_SELECTION))
		kv[n++] = KV_S("selection", pdl_body_str(c, I_SELECTION));
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
	char ob[2 * PDL_ID_LEN_MAX + 2];
	struct pdl_kv seq = KV_U("seq", c->seq);
	return pdl_rec_set(c, "gop", pair_id(ob, sizeof ob, pdl_body_str(c, I_OPERATOR), id), &seq, 1);
}

static int
found_one(struct pdl_ctx *c, struct pdl_str suffix, struct mp_cur val, void *arg)
{
	(void)c, (void)suffix, (void)val;
	*(int *)arg = 1;
	return PDL_ENOTFOUND; /* stops the scan */
}

int
pdl_grant_is_operator(struct pdl_ctx *c, struct pdl_str party)
{
	int found = 0;
	(void)scan_prefix(c, "gop", party, found_one, &found);
	return found;
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
	struct pdl_str id = pdl_body_str(c, T_ID), reason = pdl_body_str(c, T_REASON);
	struct mp_cur rec;
	uint64_t due_ms;
	int rc = grant_get(c, id, &rec);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_is(rec, "status", "terminated"))
		return pdl_rule_fail(c, "grant.bad_state", "grant %.*s is already terminated", (int)id.n, id.p);
	/* invariant (7): 000 二(四)2, termination for missed targets only after
	 * rectification was ordered and its time ran out */
	if (mp_str_eq(reason.p, reason.n, "missed_targets")) {
		if (pdl_rec_uint(rec, "rectify_due_ms", &due_ms) != PDL_OK)
			return pdl_rule_fail(c, "grant.rectification_not_due",
			                     "grant %.*s may be terminated for missed targets only after a rectification "
			                     "notice (grant.rectify) whose due date has passed; it has none",
			                     (int)id.n, id.p);
		if (c->time_ms < due_ms) {
			char d[11];
			pdl_date_format(pdl_date_add_days(pdl_date_of_ms(due_ms), -1), d);
			return pdl_rule_fail(c, "grant.rectification_not_due",
			                     "grant %.*s has until %s to rectify; it may be terminated for missed targets "
			                     "only after that",
			                     (int)id.n, id.p, d);
		}
	}
	return PDL_OK;
}

/* logs_retain_until: the exit date plus the policy's retention (invariant 7). */
static void
retain_until(const struct pdl_ctx *c, char out[11])
{
	pdl_date_format(pdl_date_add_months(pdl_date_of_ms(c->time_ms), c->info->policy.log_retention_months), out);
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
	char keep[11];
	retain_until(c, keep);
	struct pdl_kv kv[] = {KV_CS("status", "terminated"), KV_S("reason", pdl_body_str(c, T_REASON)),
	                      KV_S("note", pdl_body_str(c, T_NOTE)), KV_U("terminated_ms", c->time_ms),
	                      KV_CS("logs_retain_until", keep)};
	rc = pdl_rec_set(c, "grant", id, kv, 5);
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
	pdl_out_str(c, "logs_retain_until", keep, 10);
	return PDL_OK;
}

/* ---- grant.amend ---- */

static const struct pdl_field amend_fields[] = {
	{"grant_id", F_ID, 0, 0, NULL},
	{"add_resources", F_IDS, 1, GRANT_RESOURCES_MAX, NULL},
	{"remove_resources", F_IDS, 1, GRANT_RESOURCES_MAX, NULL},
	{"split_bp", F_MAP, 1, 0, split_fields},
	{"reason", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { AM_ID, AM_ADD, AM_REMOVE, AM_SPLIT, AM_REASON };

/* Reads the ids of body field i (absent: none) into ids. */
static int
body_ids(const struct pdl_ctx *c, unsigned i, struct pdl_str *ids, uint32_t *n)
{
	*n = 0;
	if (!pdl_body_has(c, i))
		return PDL_OK;
	struct mp_cur arr = pdl_body(c, i);
	if (mp_read_array(&arr, n) != PDL_OK || *n > GRANT_RESOURCES_MAX)
		return PDL_EFIELD;
	for (uint32_t k = 0; k < *n; k++)
		if (mp_read_str(&arr, &ids[k].p, &ids[k].n) != PDL_OK)
			return PDL_EFIELD;
	return PDL_OK;
}

static int
ids_has(const struct pdl_str *ids, uint32_t n, struct pdl_str s)
{
	for (uint32_t k = 0; k < n; k++)
		if (pdl_str_eq(ids[k], s))
			return 1;
	return 0;
}

/* The resources of a grant record after the act's amendment: the ones it
 * holds minus remove_resources, then add_resources in the order given. */
static int
amended_resources(const struct pdl_ctx *c, struct mp_cur grant, struct pdl_str *out, uint32_t *n)
{
	static struct pdl_str add[GRANT_RESOURCES_MAX], rem[GRANT_RESOURCES_MAX];
	uint32_t na, nr, nh;
	struct mp_cur arr;
	*n = 0;
	if (body_ids(c, AM_ADD, add, &na) != PDL_OK || body_ids(c, AM_REMOVE, rem, &nr) != PDL_OK ||
	    mp_map_find(grant, "resources", &arr) != PDL_OK || mp_read_array(&arr, &nh) != PDL_OK)
		return PDL_ESTORE;
	for (uint32_t k = 0; k < nh; k++) {
		struct pdl_str r;
		if (mp_read_str(&arr, &r.p, &r.n) != PDL_OK)
			return PDL_ESTORE;
		if (!ids_has(rem, nr, r) && *n < 2 * GRANT_RESOURCES_MAX)
			out[(*n)++] = r;
	}
	for (uint32_t k = 0; k < na && *n < 2 * GRANT_RESOURCES_MAX; k++)
		out[(*n)++] = add[k];
	return PDL_OK;
}

static int
amend_validate(struct pdl_ctx *c)
{
	static struct pdl_str add[GRANT_RESOURCES_MAX], rem[GRANT_RESOURCES_MAX], after[2 * GRANT_RESOURCES_MAX];
	struct pdl_str id = pdl_body_str(c, AM_ID), st;
	struct mp_cur rec, held;
	uint32_t na, nr, nafter;
	uint64_t end_ms;
	int rc = grant_get(c, id, &rec);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_is(rec, "status", "terminated"))
		return pdl_rule_fail(c, "grant.terminated", "grant %.*s is terminated; it cannot be amended", (int)id.n,
		                     id.p);
	if (pdl_rec_uint(rec, "end_ms", &end_ms) != PDL_OK || pdl_rec_str(rec, "end", &st) != PDL_OK)
		return PDL_ESTORE;
	if (c->time_ms >= end_ms)
		return pdl_rule_fail(c, "grant.expired", "grant %.*s expired after %.*s; it cannot be amended", (int)id.n,
		                     id.p, (int)st.n, st.p);
	if (!pdl_body_has(c, AM_ADD) && !pdl_body_has(c, AM_REMOVE) && !pdl_body_has(c, AM_SPLIT))
		return pdl_rule_fail(c, "grant.amend_empty",
		                     "an amendment names at least one of add_resources, remove_resources, split_bp");
	if (pdl_body_has(c, AM_SPLIT) && (rc = split_check(c, AM_SPLIT)) != PDL_OK)
		return rc;
	if (body_ids(c, AM_ADD, add, &na) != PDL_OK || body_ids(c, AM_REMOVE, rem, &nr) != PDL_OK)
		return PDL_EFIELD;
	if (mp_map_find(rec, "resources", &held) != PDL_OK)
		return PDL_ESTORE;
	for (uint32_t i = 0; i < nr; i++) {
		if (ids_has(rem, i, rem[i]) || ids_has(add, na, rem[i]))
			return pdl_rule_fail(c, "grant.duplicate_resource", "resource %.*s is listed twice", (int)rem[i].n,
			                     rem[i].p);
		if (!pdl_strs_has(held, rem[i]))
			return pdl_rule_fail(c, "grant.resource_not_in_grant", "grant %.*s does not hold resource %.*s",
			                     (int)id.n, id.p, (int)rem[i].n, rem[i].p);
	}
	for (uint32_t i = 0; i < na; i++) {
		if (ids_has(add, i, add[i]))
			return pdl_rule_fail(c, "grant.duplicate_resource", "resource %.*s is listed twice", (int)add[i].n,
			                     add[i].p);
		if (pdl_strs_has(held, add[i]))
			return pdl_rule_fail(c, "grant.resource_already_in_grant", "grant %.*s already holds resource %.*s",
			                     (int)id.n, id.p, (int)add[i].n, add[i].p);
	}
	if (amended_resources(c, rec, after, &nafter) != PDL_OK)
		return PDL_ESTORE;
	if (nafter == 0)
		return pdl_rule_fail(c, "grant.no_resources", "a grant covers at least one resource; the amendment "
		                     "would remove them all");
	if (nafter > GRANT_RESOURCES_MAX)
		return pdl_rule_fail(c, "grant.too_many_resources", "the amended grant would hold %u resources; at most %u",
		                     nafter, GRANT_RESOURCES_MAX);
	struct excl_arg ea;
	memset(&ea, 0, sizeof ea);
	ea.self = id;
	ea.overall = pdl_rec_is(rec, "mode", "overall");
	(void)pdl_rec_bool(rec, "exclusive", &ea.exclusive);
	if (pdl_rec_uint(rec, "start_ms", &ea.start_ms) != PDL_OK)
		return PDL_ESTORE;
	ea.end_ms = end_ms;
	for (uint32_t i = 0; i < na; i++)
		if ((rc = resource_enters(c, add[i], &ea)) != PDL_OK)
			return rc;
	return PDL_OK;
}

static int
amend_apply(struct pdl_ctx *c)
{
	static struct pdl_str after[2 * GRANT_RESOURCES_MAX], rem[GRANT_RESOURCES_MAX];
	struct pdl_str id = pdl_body_str(c, AM_ID);
	struct mp_cur rec;
	uint32_t nafter, nr;
	uint64_t version = 0;
	char vb[24], split[64], kb[2 * PDL_ID_LEN_MAX + 2];
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int rc = pdl_rec_get(c, "grant", id, &rec);
	if (rc != PDL_OK)
		return rc == PDL_ENOTFOUND ? PDL_ESTORE : rc;
	(void)pdl_rec_uint(rec, "version", &version);
	version++;
	/* the new resource list, packed before any write moves the record */
	if (amended_resources(c, rec, after, &nafter) != PDL_OK || body_ids(c, AM_REMOVE, rem, &nr) != PDL_OK)
		return PDL_ESTORE;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, nafter);
	for (uint32_t i = 0; i < nafter; i++)
		mp_pack_str(&pk, after[i].p, after[i].n);
	struct pdl_kv kv[3];
	size_t n = 0;
	kv[n++] = (struct pdl_kv){"resources", KV_RAW, sb.data, sb.size, 0};
	if (pdl_body_has(c, AM_SPLIT)) {
		size_t sn = split_pack(c, AM_SPLIT, split);
		kv[n++] = (struct pdl_kv){"split_bp", KV_RAW, split, sn, 0};
	}
	kv[n++] = KV_U("version", version);
	rc = pdl_rec_set(c, "grant", id, kv, n);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return rc;
	/* invariant (6): gres/ follows the resources held */
	struct pdl_str add[GRANT_RESOURCES_MAX];
	uint32_t na;
	if (body_ids(c, AM_ADD, add, &na) != PDL_OK)
		return PDL_ESTORE;
	for (uint32_t i = 0; i < nr && rc == PDL_OK; i++)
		rc = pdl_rec_del(c, "gres", pair_id(kb, sizeof kb, rem[i], id));
	for (uint32_t i = 0; i < na && rc == PDL_OK; i++) {
		struct pdl_kv seq = KV_U("seq", c->seq);
		rc = pdl_rec_set(c, "gres", pair_id(kb, sizeof kb, add[i], id), &seq, 1);
	}
	if (rc != PDL_OK)
		return rc;
	struct pdl_kv am[6];
	n = 0;
	if (pdl_body_has(c, AM_ADD))
		am[n++] = KV_RAWV("add", pdl_body(c, AM_ADD));
	if (pdl_body_has(c, AM_REMOVE))
		am[n++] = KV_RAWV("remove", pdl_body(c, AM_REMOVE));
	if (pdl_body_has(c, AM_SPLIT))
		am[n++] = (struct pdl_kv){"split_bp", KV_RAW, split, split_pack(c, AM_SPLIT, split), 0};
	am[n++] = KV_S("reason", pdl_body_str(c, AM_REASON));
	am[n++] = KV_U("time_ms", c->time_ms);
	am[n++] = KV_U("seq", c->seq);
	snprintf(vb, sizeof vb, "%llu", (unsigned long long)version);
	rc = pdl_rec_set(c, "gamend", pair_id(kb, sizeof kb, id, pdl_cstr(vb)), am, n);
	if (rc != PDL_OK)
		return rc;
	pdl_out_uint(c, "version", version);
	return PDL_OK;
}

/* ---- grant.rectify ---- */

#define RECTIFY_ITEMS_MAX 64u /* items one notice lists */

static const struct pdl_field rectify_fields[] = {
	{"grant_id", F_ID, 0, 0, NULL},
	{"notice_id", F_ID, 0, 0, NULL},
	{"items", F_STRS, 0, RECTIFY_ITEMS_MAX, NULL},
	{"due", F_DATE, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { RF_ID, RF_NOTICE, RF_ITEMS, RF_DUE };

static int
rectify_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, RF_ID), nid = pdl_body_str(c, RF_NOTICE), due = pdl_body_str(c, RF_DUE);
	struct mp_cur rec, items = pdl_body(c, RF_ITEMS);
	uint32_t n;
	int rc = grant_get(c, id, &rec);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_is(rec, "status", "terminated"))
		return pdl_rule_fail(c, "grant.terminated", "grant %.*s is terminated", (int)id.n, id.p);
	if (pdl_rec_exists(c, "rectify", nid))
		return pdl_rule_fail(c, "grant.rectify_id_taken", "rectification notice %.*s already exists", (int)nid.n,
		                     nid.p);
	if (mp_read_array(&items, &n) != PDL_OK)
		return PDL_EFIELD;
	if (n == 0)
		return pdl_rule_fail(c, "grant.rectify_items_empty", "a rectification notice lists what to rectify");
	if (pdl_date_cmp(pdl_date_parse(due), pdl_date_of_ms(c->time_ms)) <= 0)
		return pdl_rule_fail(c, "grant.rectify_due_past",
		                     "due %.*s must be after today: a rectification needs time to be done", (int)due.n,
		                     due.p);
	return PDL_OK;
}

static int
rectify_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, RF_ID);
	struct mp_cur rec;
	uint64_t due_ms = pdl_ms_of_date(pdl_date_add_days(pdl_date_parse(pdl_body_str(c, RF_DUE)), 1)), had;
	struct pdl_kv kv[] = {KV_S("grant_id", id), KV_RAWV("items", pdl_body(c, RF_ITEMS)),
	                      KV_S("due", pdl_body_str(c, RF_DUE)), KV_U("due_ms", due_ms), KV_U("time_ms", c->time_ms),
	                      KV_U("seq", c->seq)};
	int rc = pdl_rec_set(c, "rectify", pdl_body_str(c, RF_NOTICE), kv, sizeof kv / sizeof kv[0]);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_get(c, "grant", id, &rec) != PDL_OK)
		return PDL_ESTORE;
	/* the earliest deadline decides when missed_targets may be invoked */
	if (pdl_rec_uint(rec, "rectify_due_ms", &had) == PDL_OK && had <= due_ms)
		return PDL_OK;
	struct pdl_kv d = KV_U("rectify_due_ms", due_ms);
	return pdl_rec_set(c, "grant", id, &d, 1);
}

/* ---- grant.exit_attest ---- */

static const struct pdl_field attest_fields[] = {
	{"grant_id", F_ID, 0, 0, NULL},
	{"deletion", F_ID, 0, 0, NULL},
	{"handover", F_ID, 1, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { XA_ID, XA_DELETION, XA_HANDOVER };

static int
attest_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, XA_ID), op = {"", 0}, me = pdl_actor(c), none = {NULL, 0};
	struct mp_cur rec;
	uint64_t seq;
	int rc = grant_get(c, id, &rec);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_str(rec, "operator", &op) != PDL_OK || !pdl_str_eq(op, me))
		return pdl_rule_fail(c, "grant.not_grantee", "only grant %.*s's operator %.*s may attest its exit",
		                     (int)id.n, id.p, (int)op.n, op.p);
	if (!pdl_rec_is(rec, "status", "terminated"))
		return pdl_rule_fail(c, "grant.not_terminated",
		                     "grant %.*s is not terminated: an exit is attested after the termination", (int)id.n,
		                     id.p);
	if (pdl_rec_uint(rec, "exit_seq", &seq) == PDL_OK)
		return pdl_rule_fail(c, "grant.exit_attested", "the exit from grant %.*s was attested at seq %llu",
		                     (int)id.n, id.p, (unsigned long long)seq);
	for (unsigned f = XA_DELETION; f <= XA_HANDOVER; f++) {
		if (!pdl_body_has(c, f))
			continue;
		struct pdl_str ev = pdl_body_str(c, f);
		rc = pdl_evidence_of(c, ev, me, none);
		if (rc == PDL_ENOTFOUND)
			return pdl_rule_fail(c, "grant.exit_evidence_not_deposited",
			                     "%s %.*s is not an evidence deposit of %.*s", f == XA_DELETION ? "deletion" : "handover",
			                     (int)ev.n, ev.p, (int)me.n, me.p);
		if (rc != PDL_OK)
			return rc;
	}
	return PDL_OK;
}

static int
attest_apply(struct pdl_ctx *c)
{
	struct pdl_kv kv[3];
	size_t n = 0;
	kv[n++] = KV_S("exit_deletion", pdl_body_str(c, XA_DELETION));
	if (pdl_body_has(c, XA_HANDOVER))
		kv[n++] = KV_S("exit_handover", pdl_body_str(c, XA_HANDOVER));
	kv[n++] = KV_U("exit_seq", c->seq);
	return pdl_rec_set(c, "grant", pdl_body_str(c, XA_ID), kv, n);
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
	{"grant.amend", PDL_ROLE_AUTHORITY, amend_fields, amend_validate, amend_apply,
	 "add or remove resources or change the split of a grant: a new, disclosed version (一次授权、重复可用)",
	 "authority", PDL_PUBLIC},
	{"grant.rectify", PDL_ROLE_AUTHORITY, rectify_fields, rectify_validate, rectify_apply,
	 "order the grantee to rectify by a due date; a missed_targets termination must follow one", "authority",
	 PDL_PUBLIC},
	{"grant.exit_attest", PDL_ROLE_OPERATOR, attest_fields, attest_validate, attest_apply,
	 "after a termination, the grantee's deletion certificate and handover, as evidence deposits",
	 "the grant's operator", PDL_PUBLIC},
};

const struct pdl_family pdl_family_grant = {"grant", acts, sizeof acts / sizeof acts[0]};
