/*
 * fam_call.c — calls: a developer's request to use resources under a
 * grant, the operator's decision (or the authority's assessment of an
 * escalated one), and the usage the operator reports serving
 * (DESIGN §5, "call" row).
 *
 * State (spec/state.md):
 *   call/<call_id>   developer, grant_id, operator, resources, purpose,
 *                    status, risk? and note? (escalation), reason?
 *                    (rejection or assessment), seq
 *   gcall/<grant_id>/<call_id>  index {seq}: the calls under a grant, so
 *                    grant.terminate can count what it closes
 *   usage/<grant_id>/<developer>/<period>/<resource_id>  records, bytes:
 *                    sums of every call.usage for that key
 *
 * States of a call:
 *   requested → approved | rejected          (call.approve / call.reject)
 *   requested → escalated                    (call.escalate)
 *   escalated → approved | rejected          (call.assess, authority only)
 * approved, rejected are final.
 *
 * Invariants:
 *  (1) every act on a call asks pdl_grant_check on the call's grant, so a
 *      suspended, terminated or expired grant refuses them all at once;
 *  (2) a call's resources are listed in the catalog and in its grant when
 *      requested, and still listed when approved;
 *  (3) usage sums never wrap: an addition that would overflow is refused.
 */
#include <stdio.h>
#include <string.h>

#include "families.h"

static const char *const risk_list[] = {"security", "public_interest", "privacy", "secrets", NULL};
static const char *const decision_list[] = {"approve", "reject", NULL};

#define CALL_RESOURCES_MAX 256u /* as a grant's: bounds the per-resource checks */

static int
call_get(struct pdl_ctx *c, struct pdl_str id, struct mp_cur *rec)
{
	int rc = pdl_rec_get(c, "call", id, rec);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "call.unknown", "no call %.*s", (int)id.n, id.p);
	return rc;
}

static struct pdl_str
rec_str(struct mp_cur rec, const char *key)
{
	struct pdl_str s = {"", 0};
	if (pdl_rec_str(rec, key, &s) != PDL_OK)
		s.p = "", s.n = 0;
	return s;
}

static int
bad_state(struct pdl_ctx *c, struct pdl_str id, struct mp_cur rec, const char *need)
{
	struct pdl_str st = rec_str(rec, "status");
	return pdl_rule_fail(c, "call.bad_state", "call %.*s is %.*s; this act needs it %s", (int)id.n, id.p, (int)st.n,
	                     st.p, need);
}

/* pdl_resource_check, with DESIGN's way out named in the message. */
static int
resource_listed(struct pdl_ctx *c, struct pdl_str id)
{
	int rc = pdl_resource_check(c, id, NULL);
	if (rc == PDL_ERULE && strcmp(c->st->rule, "catalog.unknown_resource") == 0) {
		size_t n = strlen(c->st->msg);
		snprintf(c->st->msg + n, sizeof c->st->msg - n,
		         "; resources outside the catalog go through catalog.request");
	}
	return rc;
}

/* Every resource of the array at arr (a call's) is still listed. */
static int
resources_listed(struct pdl_ctx *c, struct mp_cur arr)
{
	uint32_t n;
	if (mp_read_array(&arr, &n) != PDL_OK)
		return PDL_ESTORE;
	for (uint32_t i = 0; i < n; i++) {
		struct pdl_str id;
		if (mp_read_str(&arr, &id.p, &id.n) != PDL_OK)
			return PDL_ESTORE;
		int rc = resource_listed(c, id);
		if (rc != PDL_OK)
			return rc;
	}
	return PDL_OK;
}

/* What approving a call needs besides its state: the grant still active,
 * the developer still admitted, the resources still listed. */
static int
approvable(struct pdl_ctx *c, struct mp_cur rec)
{
	struct pdl_str gid = rec_str(rec, "grant_id"), dev = rec_str(rec, "developer");
	struct mp_cur arr;
	int rc = pdl_developer_check(c, gid, dev, NULL);
	if (rc != PDL_OK)
		return rc;
	if (mp_map_find(rec, "resources", &arr) != PDL_OK)
		return PDL_ESTORE;
	return resources_listed(c, arr);
}

/* ---- call.request ---- */

static const struct pdl_field request_fields[] = {
	{"call_id", F_ID, 0, 0, NULL},
	{"grant_id", F_ID, 0, 0, NULL},
	{"resources", F_IDS, 0, CALL_RESOURCES_MAX, NULL},
	{"purpose", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { Q_ID, Q_GRANT, Q_RES, Q_PURPOSE };

static int
request_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, Q_ID), gid = pdl_body_str(c, Q_GRANT);
	struct mp_cur grant, granted, arr = pdl_body(c, Q_RES);
	uint32_t n;
	if (pdl_rec_exists(c, "call", id))
		return pdl_rule_fail(c, "call.id_taken", "call %.*s already exists", (int)id.n, id.p);
	int rc = pdl_grant_check(c, gid, &grant);
	if (rc != PDL_OK)
		return rc;
	rc = pdl_developer_check(c, gid, pdl_actor(c), NULL);
	if (rc != PDL_OK)
		return rc;
	if (mp_map_find(grant, "resources", &granted) != PDL_OK)
		return PDL_ESTORE;
	if (mp_read_array(&arr, &n) != PDL_OK)
		return PDL_EFIELD;
	if (n == 0)
		return pdl_rule_fail(c, "call.no_resources", "a call names at least one resource");
	for (uint32_t i = 0; i < n; i++) {
		struct pdl_str rid;
		if (mp_read_str(&arr, &rid.p, &rid.n) != PDL_OK)
			return PDL_EFIELD;
		struct mp_cur prev = pdl_body(c, Q_RES);
		uint32_t pn;
		mp_read_array(&prev, &pn);
		for (uint32_t j = 0; j < i; j++) {
			struct pdl_str p;
			mp_read_str(&prev, &p.p, &p.n);
			if (pdl_str_eq(p, rid))
				return pdl_rule_fail(c, "call.duplicate_resource", "resource %.*s is listed twice",
				                     (int)rid.n, rid.p);
		}
		rc = resource_listed(c, rid);
		if (rc != PDL_OK)
			return rc;
		if (!pdl_strs_has(granted, rid))
			return pdl_rule_fail(c, "call.resource_not_in_grant", "resource %.*s is not in grant %.*s",
			                     (int)rid.n, rid.p, (int)gid.n, gid.p);
	}
	return PDL_OK;
}

static int
request_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, Q_ID), gid = pdl_body_str(c, Q_GRANT);
	struct mp_cur grant;
	char op[PDL_ID_LEN_MAX + 1], buf[2 * PDL_ID_LEN_MAX + 2];
	struct pdl_str ops;
	int rc = pdl_rec_get(c, "grant", gid, &grant);
	if (rc != PDL_OK)
		return rc == PDL_ENOTFOUND ? PDL_ESTORE : rc;
	if (pdl_rec_str(grant, "operator", &ops) != PDL_OK || ops.n > PDL_ID_LEN_MAX)
		return PDL_ESTORE;
	/* copied out: the grant's bytes live in the map, which the writes below may move */
	memcpy(op, ops.p, ops.n);
	ops.p = op;
	struct pdl_kv kv[] = {
		KV_S("developer", pdl_actor(c)),
		KV_S("grant_id", gid),
		KV_S("operator", ops),
		KV_RAWV("resources", pdl_body(c, Q_RES)),
		KV_S("purpose", pdl_body_str(c, Q_PURPOSE)),
		KV_CS("status", "requested"),
		KV_U("seq", c->seq),
	};
	rc = pdl_rec_set(c, "call", id, kv, sizeof kv / sizeof kv[0]);
	if (rc != PDL_OK)
		return rc;
	int n = snprintf(buf, sizeof buf, "%.*s/%.*s", (int)gid.n, gid.p, (int)id.n, id.p);
	struct pdl_str gcall = {buf, (size_t)n};
	struct pdl_kv seq = KV_U("seq", c->seq);
	return pdl_rec_set(c, "gcall", gcall, &seq, 1);
}

/* ---- the operator's decisions ---- */

/* The call named by field 0, acted on by its grant's operator. */
static int
operator_call(struct pdl_ctx *c, struct mp_cur *rec)
{
	struct pdl_str id = pdl_body_str(c, 0), op;
	int rc = call_get(c, id, rec);
	if (rc != PDL_OK)
		return rc;
	op = rec_str(*rec, "operator");
	if (!pdl_str_eq(op, pdl_actor(c)))
		return pdl_rule_fail(c, "call.not_operator", "call %.*s is decided by grant operator %.*s, not %.*s",
		                     (int)id.n, id.p, (int)op.n, op.p, (int)c->act->actor_len, c->act->actor);
	return PDL_OK;
}

/* operator_call, in state requested, under a grant still active. */
static int
requested_call(struct pdl_ctx *c, struct mp_cur *rec)
{
	int rc = operator_call(c, rec);
	if (rc != PDL_OK)
		return rc;
	if (!pdl_rec_is(*rec, "status", "requested"))
		return bad_state(c, pdl_body_str(c, 0), *rec, "requested");
	return pdl_grant_check(c, rec_str(*rec, "grant_id"), NULL);
}

static const struct pdl_field approve_fields[] = {
	{"call_id", F_ID, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
static const struct pdl_field reject_fields[] = {
	{"call_id", F_ID, 0, 0, NULL},
	{"reason", F_STR, 0, 4096, NULL}, /* F_STR: a rejection without a reason fails the schema */
	{NULL, 0, 0, 0, NULL},
};
static const struct pdl_field escalate_fields[] = {
	{"call_id", F_ID, 0, 0, NULL},
	{"risk", F_ENUM, 0, 0, risk_list},
	{"note", F_TEXT, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { D_ID, D_ARG1, D_ARG2 };

static int
approve_validate(struct pdl_ctx *c)
{
	struct mp_cur rec;
	int rc = requested_call(c, &rec);
	return rc != PDL_OK ? rc : approvable(c, rec);
}

static int
approve_apply(struct pdl_ctx *c)
{
	struct pdl_kv kv = KV_CS("status", "approved");
	return pdl_rec_set(c, "call", pdl_body_str(c, D_ID), &kv, 1);
}

static int
reject_validate(struct pdl_ctx *c)
{
	struct mp_cur rec;
	return requested_call(c, &rec);
}

static int
reject_apply(struct pdl_ctx *c)
{
	struct pdl_kv kv[] = {KV_CS("status", "rejected"), KV_S("reason", pdl_body_str(c, D_ARG1))};
	return pdl_rec_set(c, "call", pdl_body_str(c, D_ID), kv, 2);
}

static int
escalate_validate(struct pdl_ctx *c)
{
	struct mp_cur rec;
	return requested_call(c, &rec);
}

static int
escalate_apply(struct pdl_ctx *c)
{
	struct pdl_kv kv[] = {KV_CS("status", "escalated"), KV_S("risk", pdl_body_str(c, D_ARG1)),
	                      KV_S("note", pdl_body_str(c, D_ARG2))};
	return pdl_rec_set(c, "call", pdl_body_str(c, D_ID), kv, 3);
}

/* ---- call.assess ---- */

static const struct pdl_field assess_fields[] = {
	{"call_id", F_ID, 0, 0, NULL},
	{"decision", F_ENUM, 0, 0, decision_list},
	{"reason", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { AS_ID, AS_DECISION, AS_REASON };

static int
assess_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, AS_ID), d = pdl_body_str(c, AS_DECISION);
	struct mp_cur rec;
	int rc = call_get(c, id, &rec);
	if (rc != PDL_OK)
		return rc;
	if (!pdl_rec_is(rec, "status", "escalated"))
		return bad_state(c, id, rec, "escalated");
	rc = pdl_grant_check(c, rec_str(rec, "grant_id"), NULL);
	if (rc != PDL_OK)
		return rc;
	return mp_str_eq(d.p, d.n, "approve") ? approvable(c, rec) : PDL_OK;
}

static int
assess_apply(struct pdl_ctx *c)
{
	struct pdl_str d = pdl_body_str(c, AS_DECISION);
	struct pdl_kv kv[] = {KV_CS("status", mp_str_eq(d.p, d.n, "approve") ? "approved" : "rejected"),
	                      KV_S("reason", pdl_body_str(c, AS_REASON))};
	return pdl_rec_set(c, "call", pdl_body_str(c, AS_ID), kv, 2);
}

/* ---- call.usage ---- */

static const struct pdl_field usage_fields[] = {
	{"call_id", F_ID, 0, 0, NULL},
	{"resource_id", F_ID, 0, 0, NULL},
	{"period", F_PERIOD, 0, 0, NULL},
	{"records", F_UINT, 0, 0, NULL},
	{"bytes", F_UINT, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { U_ID, U_RES, U_PERIOD, U_RECORDS, U_BYTES };

/* usage/<grant_id>/<developer>/<period>/<resource_id> of the act's call. */
static struct pdl_str
usage_id(struct pdl_ctx *c, struct mp_cur call, char *buf, size_t cap)
{
	struct pdl_str gid = rec_str(call, "grant_id"), dev = rec_str(call, "developer");
	struct pdl_str period = pdl_body_str(c, U_PERIOD), rid = pdl_body_str(c, U_RES);
	int n = snprintf(buf, cap, "%.*s/%.*s/%.*s/%.*s", (int)gid.n, gid.p, (int)dev.n, dev.p, (int)period.n, period.p,
	                 (int)rid.n, rid.p);
	struct pdl_str r = {buf, n > 0 && (size_t)n < cap ? (size_t)n : 0};
	return r;
}

static unsigned
month_index(struct pdl_str s)
{
	/* "YYYY-MM" or "YYYY-MM-DD", already validated */
	unsigned y = (unsigned)((s.p[0] - '0') * 1000 + (s.p[1] - '0') * 100 + (s.p[2] - '0') * 10 + (s.p[3] - '0'));
	unsigned m = (unsigned)((s.p[5] - '0') * 10 + (s.p[6] - '0'));
	return y * 12 + m - 1;
}

static int
usage_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, U_ID), rid = pdl_body_str(c, U_RES), period = pdl_body_str(c, U_PERIOD);
	struct mp_cur rec, grant, arr, usage;
	char buf[PDL_REC_KEY_MAX];
	int rc = operator_call(c, &rec);
	if (rc != PDL_OK)
		return rc;
	if (!pdl_rec_is(rec, "status", "approved")) {
		struct pdl_str st = rec_str(rec, "status");
		return pdl_rule_fail(c, "call.not_approved", "call %.*s is %.*s; usage is reported on approved calls only",
		                     (int)id.n, id.p, (int)st.n, st.p);
	}
	struct pdl_str gid = rec_str(rec, "grant_id");
	rc = pdl_grant_check(c, gid, &grant);
	if (rc != PDL_OK)
		return rc;
	if (mp_map_find(rec, "resources", &arr) != PDL_OK)
		return PDL_ESTORE;
	if (!pdl_strs_has(arr, rid))
		return pdl_rule_fail(c, "call.resource_not_in_call", "resource %.*s is not one of call %.*s's", (int)rid.n,
		                     rid.p, (int)id.n, id.p);
	struct pdl_str start = rec_str(grant, "start");
	struct pdl_date today = pdl_date_of_ms(c->time_ms);
	unsigned p = month_index(period), now = (unsigned)today.y * 12 + (unsigned)today.m - 1;
	if (start.n < 7 || p < month_index(start) || p > now)
		return pdl_rule_fail(c, "call.bad_period",
		                     "period %.*s must lie between grant %.*s's start %.*s and the current month", (int)period.n,
		                     period.p, (int)gid.n, gid.p, (int)start.n, start.p);
	rc = pdl_rec_get(c, "usage", usage_id(c, rec, buf, sizeof buf), &usage);
	if (rc == PDL_OK) {
		uint64_t records = 0, bytes = 0;
		(void)pdl_rec_uint(usage, "records", &records);
		(void)pdl_rec_uint(usage, "bytes", &bytes);
		if (records > UINT64_MAX - pdl_body_uint(c, U_RECORDS) || bytes > UINT64_MAX - pdl_body_uint(c, U_BYTES))
			return pdl_rule_fail(c, "call.usage_overflow",
			                     "usage of %.*s in %.*s would exceed 2^64-1 records or bytes", (int)rid.n, rid.p,
			                     (int)period.n, period.p);
	} else if (rc != PDL_ENOTFOUND) {
		return rc;
	}
	return PDL_OK;
}

static int
usage_apply(struct pdl_ctx *c)
{
	struct mp_cur rec, usage;
	char buf[PDL_REC_KEY_MAX];
	uint64_t records = 0, bytes = 0;
	int rc = pdl_rec_get(c, "call", pdl_body_str(c, U_ID), &rec);
	if (rc != PDL_OK)
		return rc == PDL_ENOTFOUND ? PDL_ESTORE : rc;
	/* the key is copied into buf before anything is written */
	struct pdl_str id = usage_id(c, rec, buf, sizeof buf);
	if (id.n == 0)
		return PDL_ESTORE;
	rc = pdl_rec_get(c, "usage", id, &usage);
	if (rc == PDL_OK) {
		(void)pdl_rec_uint(usage, "records", &records);
		(void)pdl_rec_uint(usage, "bytes", &bytes);
	} else if (rc != PDL_ENOTFOUND) {
		return rc;
	}
	records += pdl_body_uint(c, U_RECORDS);
	bytes += pdl_body_uint(c, U_BYTES);
	struct pdl_kv kv[] = {KV_U("records", records), KV_U("bytes", bytes)};
	return pdl_rec_set(c, "usage", id, kv, 2);
}

static const struct pdl_act_def acts[] = {
	{"call.request", PDL_ROLE_DEVELOPER, request_fields, request_validate, request_apply,
	 "request the use of listed resources of a grant for a purpose", "admitted developer", PDL_PRIVATE("a call request and its purpose")},
	{"call.approve", PDL_ROLE_OPERATOR, approve_fields, approve_validate, approve_apply,
	 "approve a requested call", "the grant's operator", PDL_PRIVATE("a decision on a call request (only usage totals are public)")},
	{"call.reject", PDL_ROLE_OPERATOR, reject_fields, reject_validate, reject_apply,
	 "reject a requested call, with a reason", "the grant's operator", PDL_PRIVATE("a decision on a call request (only usage totals are public)")},
	{"call.escalate", PDL_ROLE_OPERATOR, escalate_fields, escalate_validate, escalate_apply,
	 "send a requested call to the authority for a risk assessment", "the grant's operator", PDL_PRIVATE("an escalated call request and its risk")},
	{"call.assess", PDL_ROLE_AUTHORITY, assess_fields, assess_validate, assess_apply,
	 "approve or reject an escalated call", "authority", PDL_PRIVATE("a decision on a call request (only usage totals are public)")},
	{"call.usage", PDL_ROLE_OPERATOR, usage_fields, usage_validate, usage_apply,
	 "report the records and bytes served on an approved call, per resource and period",
	 "the grant's operator", PDL_PUBLIC},
};

const struct pdl_family pdl_family_call = {"call", acts, sizeof acts / sizeof acts[0]};
