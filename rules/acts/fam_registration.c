/*
 * fam_registration.c — the registration family (登记): a holder applies to
 * register a data resource, product or service; a registrar accepts (受理),
 * reviews (形式审核) and publicizes (公示) it; anyone may object during the
 * notice; when the notice has ended with no objection open the ledger
 * assigns the registration code (赋码). Later the holder may change the
 * registration, and the holder or a registrar may cancel it.
 *
 * State:
 *   reg/<application_id> → {holder, kind, subject, name, summary, evidence [id],
 *                           status, accept_due, notice_ends?, open_objections,
 *                           code?, time_ms, seq, and (owned here, beyond the
 *                           shared contract) accepted_ms?, accepted_late?,
 *                           items? (correction requested), notes? (review),
 *                           reason? (reject / cancel)}
 *   regobj/<objection_id> → {application_id, by, reason, status, time_ms, seq,
 *                            resolution?, resolved_ms?}
 *   code/<code> → {application_id}
 *   codeseq/<jurisdiction>-<year>-<kind> → {last}   (state.c, pdl_code_assign)
 *   regsubj/<kind>/<subject> → {application_id}: the latest application of
 *       a kind and subject, which is the live one if any is (invariant 5)
 *   ncode/<national_code> → {application_id}
 *   reg/<id> also gets national_code?, query_code?, national_seq? from
 *       registration.national_code
 *
 * States of an application:
 *   applied → correction (request_correction) → applied (correct) …
 *   applied → accepted | rejected
 *   accepted → passed | failed (review)
 *   passed → notice (publicize)
 *   notice → ended (an objection upheld) | coded (assign_code)
 *   coded → cancelled
 *   rejected, failed, ended and cancelled are terminal.
 *
 * Invariants:
 *  (1) every evidence id an application cites names a deposit whose
 *      depositor is the application's holder;
 *  (2) accept_due is the working-day deadline (policy accept_wd) from the
 *      last apply or correct; acceptance after it is recorded
 *      (accepted_late), never refused;
 *  (3) open_objections counts the application's objections whose status is
 *      open; objections are filed only while status is notice and the
 *      ledger time is before notice_ends;
 *  (4) a code is assigned once per application, only when status is notice,
 *      the ledger time is at or after notice_ends and open_objections is 0;
 *      code/<code> points back to the application.
 *  (5) the subject of an application is the holder's: a resource it
 *      publishes (R), a product or service it developed or operates (P, S);
 *      a kind and subject have at most one live application (one not
 *      rejected, failed, ended or cancelled), and regsubj/ points at it.
 *  (6) a national code (统一赋码) is recorded once per coded registration
 *      and names one registration.
 */
#include <stdio.h>
#include <string.h>

#include "families.h"

#define REG_EVIDENCE_MAX 64u   /* evidence cited by one application */
#define REG_ITEMS_MAX 64u      /* items one correction request lists */
#define REG_CODE_LEN_MAX 64u   /* longer than any code; unknown codes are a rule */
#define REG_STATUS_LEN_MAX 16u /* longest status name, with room */

static const char *const kind_list[] = {"R", "P", "S", NULL};
static const char *const review_list[] = {"pass", "fail", NULL};

/* ---- helpers ---- */

/* Reads reg/<id>; refuses with registration.unknown when absent. */
static int
reg_get(struct pdl_ctx *c, struct pdl_str id, struct mp_cur *rec)
{
	int rc = pdl_rec_get(c, "reg", id, rec);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "registration.unknown", "no application %.*s", (int)id.n, id.p);
	return rc;
}

/* Refuses with registration.bad_state unless the record's status is want. */
static int
need_status(struct pdl_ctx *c, struct mp_cur rec, struct pdl_str id, const char *want, const char *act)
{
	struct pdl_str st = {"?", 1};
	if (pdl_rec_is(rec, "status", want))
		return PDL_OK;
	(void)pdl_rec_str(rec, "status", &st);
	return pdl_rule_fail(c, "registration.bad_state", "application %.*s is %.*s; %s needs it %s", (int)id.n, id.p,
	                     (int)st.n, st.p, act, want);
}

/* Refuses with registration.not_holder unless the actor holds the record. */
static int
need_holder(struct pdl_ctx *c, struct mp_cur rec, struct pdl_str id)
{
	struct pdl_str holder = {"", 0};
	(void)pdl_rec_str(rec, "holder", &holder);
	if (pdl_str_eq(holder, pdl_actor(c)))
		return PDL_OK;
	return pdl_rule_fail(c, "registration.not_holder", "%.*s is not the holder of application %.*s (%.*s is)",
	                     (int)c->act->actor_len, c->act->actor, (int)id.n, id.p, (int)holder.n, holder.p);
}

/* Invariant (1): arr (a body F_IDS array) names at least one deposit, each
 * once, each deposited by holder. */
static int
evidence_check(struct pdl_ctx *c, struct mp_cur arr, struct pdl_str holder)
{
	struct mp_cur all = arr;
	uint32_t n;
	if (mp_read_array(&arr, &n) != PDL_OK || mp_read_array(&all, &n) != PDL_OK)
		return PDL_EFIELD;
	if (n == 0)
		return pdl_rule_fail(c, "registration.evidence_missing",
		                     "an application needs at least one evidence deposit by its holder");
	for (uint32_t i = 0; i < n; i++) {
		struct pdl_str id, dep = {"", 0};
		struct mp_cur rec, prev = all;
		if (mp_read_str(&arr, &id.p, &id.n) != PDL_OK)
			return PDL_EFIELD;
		for (uint32_t j = 0; j < i; j++) {
			struct pdl_str t;
			if (mp_read_str(&prev, &t.p, &t.n) != PDL_OK)
				return PDL_EFIELD;
			if (pdl_str_eq(id, t))
				return pdl_rule_fail(c, "registration.evidence_duplicate", "evidence %.*s is cited twice",
				                     (int)id.n, id.p);
		}
		int rc = pdl_rec_get(c, "evid", id, &rec);
		if (rc == PDL_ENOTFOUND)
			return pdl_rule_fail(c, "registration.evidence_missing", "no evidence %.*s has been deposited",
			                     (int)id.n, id.p);
		if (rc != PDL_OK)
			return rc;
		(void)pdl_rec_str(rec, "depositor", &dep);
		if (!pdl_str_eq(dep, holder))
			return pdl_rule_fail(c, "registration.evidence_not_holders",
			                     "evidence %.*s was deposited by %.*s, not by the holder %.*s", (int)id.n, id.p,
			                     (int)dep.n, dep.p, (int)holder.n, holder.p);
	}
	return PDL_OK;
}

/* Sets fields of reg/<id>. */
static int
reg_set(struct pdl_ctx *c, struct pdl_str id, const struct pdl_kv *kv, size_t n)
{
	return pdl_rec_set(c, "reg", id, kv, n);
}

/* The application a code was assigned to, copied into buf (the record
 * points into the map, which the act's writes may move). Refuses with
 * registration.unknown_code. */
static int
code_app(struct pdl_ctx *c, struct pdl_str code, char buf[PDL_ID_LEN_MAX + 1], struct pdl_str *app)
{
	struct mp_cur rec;
	struct pdl_str s;
	int rc = pdl_rec_get(c, "code", code, &rec);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "registration.unknown_code", "no registration has code %.*s", (int)code.n, code.p);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_str(rec, "application_id", &s) != PDL_OK || s.n > PDL_ID_LEN_MAX)
		return PDL_ESTORE;
	memcpy(buf, s.p, s.n);
	app->p = buf;
	app->n = s.n;
	return PDL_OK;
}

/* ---- registration.apply ---- */

static const struct pdl_field apply_fields[] = {
	{"application_id", F_ID, 0, 0, NULL},
	{"kind", F_ENUM, 0, 0, kind_list},
	{"subject", F_ID, 0, 0, NULL},
	{"name", F_STR, 0, 256, NULL},
	{"summary", F_STR, 0, 4096, NULL},
	{"evidence", F_IDS, 0, REG_EVIDENCE_MAX, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { A_ID, A_KIND, A_SUBJECT, A_NAME, A_SUMMARY, A_EVIDENCE };

/* "<kind>/<subject>", the regsubj/ id. */
static struct pdl_str
subj_id(char *buf, size_t cap, char kind, struct pdl_str subject)
{
	int n = snprintf(buf, cap, "%c/%.*s", kind, (int)subject.n, subject.p);
	struct pdl_str r = {buf, n > 0 && (size_t)n < cap ? (size_t)n : 0};
	return r;
}

/* The statuses after which an application no longer holds its subject. */
static int
is_final(struct mp_cur rec)
{
	return pdl_rec_is(rec, "status", "rejected") || pdl_rec_is(rec, "status", "failed") ||
	       pdl_rec_is(rec, "status", "ended") || pdl_rec_is(rec, "status", "cancelled");
}

/* The latest application of kind and subject (regsubj/), in *rec and *app.
 * PDL_ENOTFOUND when there is none. */
static int
subject_app(struct pdl_ctx *c, char kind, struct pdl_str subject, struct mp_cur *rec, struct pdl_str *app)
{
	char k[PDL_ID_LEN_MAX + 4];
	struct mp_cur ix;
	int rc = pdl_rec_get(c, "regsubj", subj_id(k, sizeof k, kind, subject), &ix);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_str(ix, "application_id", app) != PDL_OK)
		return PDL_ESTORE;
	rc = pdl_rec_get(c, "reg", *app, rec);
	return rc == PDL_ENOTFOUND ? PDL_ESTORE : rc;
}

int
pdl_registration_live(struct pdl_ctx *c, char kind, struct pdl_str subject, struct pdl_str *holder)
{
	struct mp_cur rec;
	struct pdl_str app;
	int rc = subject_app(c, kind, subject, &rec, &app);
	if (rc != PDL_OK)
		return rc;
	if (!pdl_rec_is(rec, "status", "coded"))
		return PDL_ENOTFOUND;
	if (holder != NULL && pdl_rec_str(rec, "holder", holder) != PDL_OK)
		return PDL_ESTORE;
	return PDL_OK;
}

/* Invariant (5), first half: the subject is the holder's. */
static int
subject_check(struct pdl_ctx *c, char kind, struct pdl_str subject)
{
	struct pdl_str me = pdl_actor(c), who = {"", 0}, dev = {"", 0};
	struct mp_cur rec;
	if (kind == 'R') {
		int rc = pdl_rec_get(c, "res", subject, &rec);
		if (rc != PDL_OK && rc != PDL_ENOTFOUND)
			return rc;
		if (rc == PDL_OK)
			(void)pdl_rec_str(rec, "provider", &who);
		if (rc == PDL_OK && pdl_str_eq(who, me))
			return PDL_OK;
		return pdl_rule_fail(c, "registration.subject_not_holders",
		                     rc == PDL_ENOTFOUND ? "%.*s registers resource %.*s, which is not in the catalog"
		                                         : "%.*s registers resource %.*s, which %.*s publishes",
		                     (int)me.n, me.p, (int)subject.n, subject.p, (int)who.n, who.p);
	}
	/* products and services are both `prod` records (the catalogue of what is on offer) */
	int rc = pdl_rec_get(c, "prod", subject, &rec);
	if (rc != PDL_OK && rc != PDL_ENOTFOUND)
		return rc;
	if (rc == PDL_OK) {
		(void)pdl_rec_str(rec, "operator", &who);
		(void)pdl_rec_str(rec, "developer", &dev);
		if (pdl_str_eq(who, me) || pdl_str_eq(dev, me))
			return PDL_OK;
	}
	return pdl_rule_fail(c, "registration.subject_not_holders",
	                     rc == PDL_ENOTFOUND ? "%.*s registers product %.*s, which does not exist"
	                                         : "%.*s registers product %.*s, which it neither developed nor operates",
	                     (int)me.n, me.p, (int)subject.n, subject.p);
}

static int
apply_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, A_ID), kind = pdl_body_str(c, A_KIND), subject = pdl_body_str(c, A_SUBJECT);
	struct pdl_str other;
	struct mp_cur rec;
	if (pdl_rec_exists(c, "reg", id))
		return pdl_rule_fail(c, "registration.id_taken", "application %.*s already exists", (int)id.n, id.p);
	int rc = subject_check(c, kind.p[0], subject);
	if (rc != PDL_OK)
		return rc;
	rc = subject_app(c, kind.p[0], subject, &rec, &other);
	if (rc == PDL_OK && !is_final(rec)) {
		struct pdl_str st = {"?", 1};
		(void)pdl_rec_str(rec, "status", &st);
		return pdl_rule_fail(c, "registration.subject_already_registered",
		                     "%.*s %.*s already has application %.*s (%.*s); one subject has one live registration",
		                     (int)kind.n, kind.p, (int)subject.n, subject.p, (int)other.n, other.p, (int)st.n, st.p);
	}
	if (rc != PDL_OK && rc != PDL_ENOTFOUND)
		return rc;
	return evidence_check(c, pdl_body(c, A_EVIDENCE), pdl_actor(c));
}

static int
apply_apply(struct pdl_ctx *c)
{
	uint64_t due;
	int rc = pdl_workday_deadline(c, c->time_ms, c->info->policy.accept_wd, &due);
	if (rc != PDL_OK)
		return rc;
	struct pdl_kv kv[] = {
		KV_S("holder", pdl_actor(c)),
		KV_S("kind", pdl_body_str(c, A_KIND)),
		KV_S("subject", pdl_body_str(c, A_SUBJECT)),
		KV_S("name", pdl_body_str(c, A_NAME)),
		KV_S("summary", pdl_body_str(c, A_SUMMARY)),
		KV_RAWV("evidence", pdl_body(c, A_EVIDENCE)),
		KV_CS("status", "applied"),
		KV_U("accept_due", due),
		KV_U("open_objections", 0),
		KV_U("time_ms", c->time_ms),
		KV_U("seq", c->seq),
	};
	rc = reg_set(c, pdl_body_str(c, A_ID), kv, sizeof kv / sizeof kv[0]);
	if (rc != PDL_OK)
		return rc;
	char k[PDL_ID_LEN_MAX + 4];
	struct pdl_kv ix = KV_S("application_id", pdl_body_str(c, A_ID));
	rc = pdl_rec_set(c, "regsubj", subj_id(k, sizeof k, pdl_body_str(c, A_KIND).p[0], pdl_body_str(c, A_SUBJECT)),
	                 &ix, 1);
	if (rc != PDL_OK)
		return rc;
	pdl_out_uint(c, "accept_due", due);
	return PDL_OK;
}

/* ---- registration.accept / reject / request_correction ---- */

static const struct pdl_field accept_fields[] = {
	{"application_id", F_ID, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
static const struct pdl_field reject_fields[] = {
	{"application_id", F_ID, 0, 0, NULL},
	{"reason", F_STR, 0, 4096, NULL}, /* F_STR: a rejection always says why */
	{NULL, 0, 0, 0, NULL},
};
static const struct pdl_field correction_fields[] = {
	{"application_id", F_ID, 0, 0, NULL},
	{"items", F_STRS, 0, REG_ITEMS_MAX, NULL},
	{NULL, 0, 0, 0, NULL},
};
/* every act on an application has application_id first */
enum { X_ID, X_SECOND };

/* The common validate of the registrar's acts: the application exists and
 * is in status want. */
static int
in_status(struct pdl_ctx *c, const char *want)
{
	struct pdl_str id = pdl_body_str(c, X_ID);
	struct mp_cur rec;
	int rc = reg_get(c, id, &rec);
	if (rc != PDL_OK)
		return rc;
	return need_status(c, rec, id, want, c->act->def->type);
}

static int
applied_validate(struct pdl_ctx *c)
{
	return in_status(c, "applied");
}

static int
accept_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, X_ID);
	struct mp_cur rec;
	uint64_t due = 0;
	if (pdl_rec_get(c, "reg", id, &rec) != PDL_OK || pdl_rec_uint(rec, "accept_due", &due) != PDL_OK)
		return PDL_ESTORE;
	/* invariant (2): measured, not refused */
	struct pdl_kv kv[] = {
		KV_CS("status", "accepted"),
		KV_U("accepted_ms", c->time_ms),
		KV_B("accepted_late", c->time_ms >= due),
	};
	return reg_set(c, id, kv, sizeof kv / sizeof kv[0]);
}

static int
reject_apply(struct pdl_ctx *c)
{
	struct pdl_kv kv[] = {
		KV_CS("status", "rejected"),
		KV_S("reason", pdl_body_str(c, X_SECOND)),
	};
	return reg_set(c, pdl_body_str(c, X_ID), kv, sizeof kv / sizeof kv[0]);
}

static int
correction_validate(struct pdl_ctx *c)
{
	struct mp_cur items = pdl_body(c, X_SECOND);
	uint32_t n;
	int rc = in_status(c, "applied");
	if (rc != PDL_OK)
		return rc;
	if (mp_read_array(&items, &n) != PDL_OK)
		return PDL_EFIELD;
	if (n == 0)
		return pdl_rule_fail(c, "registration.correction_items_empty",
		                     "a correction request lists at least one item to correct");
	return PDL_OK;
}

static int
correction_apply(struct pdl_ctx *c)
{
	struct pdl_kv kv[] = {
		KV_CS("status", "correction"),
		KV_RAWV("items", pdl_body(c, X_SECOND)),
	};
	return reg_set(c, pdl_body_str(c, X_ID), kv, sizeof kv / sizeof kv[0]);
}

/* ---- registration.correct ---- */

static const struct pdl_field correct_fields[] = {
	{"application_id", F_ID, 0, 0, NULL},
	{"summary", F_STR, 1, 4096, NULL},
	{"evidence", F_IDS, 1, REG_EVIDENCE_MAX, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { C_ID, C_SUMMARY, C_EVIDENCE };

static int
correct_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, C_ID);
	struct mp_cur rec;
	int rc = reg_get(c, id, &rec);
	if (rc == PDL_OK)
		rc = need_holder(c, rec, id);
	if (rc == PDL_OK)
		rc = need_status(c, rec, id, "correction", "registration.correct");
	if (rc == PDL_OK && pdl_body_has(c, C_EVIDENCE))
		rc = evidence_check(c, pdl_body(c, C_EVIDENCE), pdl_actor(c));
	return rc;
}

static int
correct_apply(struct pdl_ctx *c)
{
	struct pdl_kv kv[4];
	size_t n = 0;
	uint64_t due;
	/* invariant (2): the acceptance clock restarts at the correction */
	int rc = pdl_workday_deadline(c, c->time_ms, c->info->policy.accept_wd, &due);
	if (rc != PDL_OK)
		return rc;
	kv[n++] = KV_CS("status", "applied");
	kv[n++] = KV_U("accept_due", due);
	if (pdl_body_has(c, C_SUMMARY))
		kv[n++] = KV_S("summary", pdl_body_str(c, C_SUMMARY));
	if (pdl_body_has(c, C_EVIDENCE))
		kv[n++] = KV_RAWV("evidence", pdl_body(c, C_EVIDENCE));
	rc = reg_set(c, pdl_body_str(c, C_ID), kv, n);
	if (rc != PDL_OK)
		return rc;
	pdl_out_uint(c, "accept_due", due);
	return PDL_OK;
}

/* ---- registration.review ---- */

static const struct pdl_field review_fields[] = {
	{"application_id", F_ID, 0, 0, NULL},
	{"outcome", F_ENUM, 0, 0, review_list},
	{"notes", F_TEXT, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { V_ID, V_OUTCOME, V_NOTES };

static int
review_validate(struct pdl_ctx *c)
{
	return in_status(c, "accepted");
}

static int
review_apply(struct pdl_ctx *c)
{
	struct pdl_str o = pdl_body_str(c, V_OUTCOME);
	struct pdl_kv kv[] = {
		KV_CS("status", mp_str_eq(o.p, o.n, "pass") ? "passed" : "failed"),
		KV_S("notes", pdl_body_str(c, V_NOTES)),
	};
	return reg_set(c, pdl_body_str(c, V_ID), kv, sizeof kv / sizeof kv[0]);
}

/* ---- registration.publicize ---- */

static int
publicize_validate(struct pdl_ctx *c)
{
	return in_status(c, "passed");
}

static int
publicize_apply(struct pdl_ctx *c)
{
	uint64_t ends;
	int rc = pdl_workday_deadline(c, c->time_ms, c->info->policy.notice_wd, &ends);
	if (rc != PDL_OK)
		return rc;
	struct pdl_kv kv[] = {
		KV_CS("status", "notice"),
		KV_U("notice_ends", ends),
	};
	rc = reg_set(c, pdl_body_str(c, X_ID), kv, sizeof kv / sizeof kv[0]);
	if (rc != PDL_OK)
		return rc;
	pdl_out_uint(c, "notice_ends", ends);
	return PDL_OK;
}

/* ---- registration.object ---- */

static const struct pdl_field object_fields[] = {
	{"objection_id", F_ID, 0, 0, NULL},
	{"application_id", F_ID, 0, 0, NULL},
	{"reason", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { O_ID, O_APP, O_REASON };

static int
object_validate(struct pdl_ctx *c)
{
	struct pdl_str oid = pdl_body_str(c, O_ID), id = pdl_body_str(c, O_APP);
	struct mp_cur rec;
	uint64_t ends = 0;
	if (pdl_rec_exists(c, "regobj", oid))
		return pdl_rule_fail(c, "registration.objection_id_taken", "objection %.*s already exists", (int)oid.n,
		                     oid.p);
	int rc = reg_get(c, id, &rec);
	if (rc != PDL_OK)
		return rc;
	rc = need_status(c, rec, id, "notice", "registration.object");
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_uint(rec, "notice_ends", &ends) != PDL_OK)
		return PDL_ESTORE;
	if (c->time_ms >= ends) {
		char at[PDL_CST_LEN];
		return pdl_rule_fail(c, "registration.notice_over",
		                     "the notice of application %.*s ended %s; objections are closed", (int)id.n, id.p,
		                     pdl_ms_cst(ends, at));
	}
	return PDL_OK;
}

static int
object_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, O_APP);
	struct mp_cur rec;
	uint64_t open = 0;
	struct pdl_kv ob[] = {
		KV_S("application_id", id),
		KV_S("by", pdl_actor(c)),
		KV_S("reason", pdl_body_str(c, O_REASON)),
		KV_CS("status", "open"),
		KV_U("time_ms", c->time_ms),
		KV_U("seq", c->seq),
	};
	int rc = pdl_rec_set(c, "regobj", pdl_body_str(c, O_ID), ob, sizeof ob / sizeof ob[0]);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_get(c, "reg", id, &rec) != PDL_OK || pdl_rec_uint(rec, "open_objections", &open) != PDL_OK)
		return PDL_ESTORE;
	struct pdl_kv kv = KV_U("open_objections", open + 1);
	return reg_set(c, id, &kv, 1);
}

/* ---- registration.resolve_objection ---- */

static const struct pdl_field resolve_fields[] = {
	{"objection_id", F_ID, 0, 0, NULL},
	{"upheld", F_BOOL, 0, 0, NULL},
	{"reason", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { RO_ID, RO_UPHELD, RO_REASON };

static int
resolve_validate(struct pdl_ctx *c)
{
	struct pdl_str oid = pdl_body_str(c, RO_ID), st = {"?", 1};
	struct mp_cur rec;
	int rc = pdl_rec_get(c, "regobj", oid, &rec);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "registration.unknown_objection", "no objection %.*s", (int)oid.n, oid.p);
	if (rc != PDL_OK)
		return rc;
	if (!pdl_rec_is(rec, "status", "open")) {
		(void)pdl_rec_str(rec, "status", &st);
		return pdl_rule_fail(c, "registration.objection_not_open", "objection %.*s is already %.*s", (int)oid.n,
		                     oid.p, (int)st.n, st.p);
	}
	return PDL_OK;
}

static int
resolve_apply(struct pdl_ctx *c)
{
	struct pdl_str oid = pdl_body_str(c, RO_ID), s, app;
	struct mp_cur rec;
	char ab[PDL_ID_LEN_MAX + 1];
	uint64_t open = 0;
	int upheld = pdl_fields_bool(&c->act->body, RO_UPHELD);
	if (pdl_rec_get(c, "regobj", oid, &rec) != PDL_OK || pdl_rec_str(rec, "application_id", &s) != PDL_OK ||
	    s.n > PDL_ID_LEN_MAX)
		return PDL_ESTORE;
	memcpy(ab, s.p, s.n); /* the write below may move the record */
	app.p = ab;
	app.n = s.n;
	struct pdl_kv ob[] = {
		KV_CS("status", upheld ? "upheld" : "dismissed"),
		KV_S("resolution", pdl_body_str(c, RO_REASON)),
		KV_U("resolved_ms", c->time_ms),
	};
	int rc = pdl_rec_set(c, "regobj", oid, ob, sizeof ob / sizeof ob[0]);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_get(c, "reg", app, &rec) != PDL_OK || pdl_rec_uint(rec, "open_objections", &open) != PDL_OK ||
	    open == 0)
		return PDL_ESTORE; /* invariant (3) */
	/* An upheld objection ends the application (DESIGN §5). A second
	 * objection resolved after that only closes itself. */
	struct pdl_kv kv[2];
	size_t n = 0;
	kv[n++] = KV_U("open_objections", open - 1);
	if (upheld && pdl_rec_is(rec, "status", "notice"))
		kv[n++] = KV_CS("status", "ended");
	return reg_set(c, app, kv, n);
}

/* ---- registration.assign_code ---- */

/* registration.notice_not_over in words: "the notice of application A ends
 * 2026-12-17T00:00+08:00 (in 6 working days); it is now 2026-12-08T10:00+08:00". */
static int
notice_not_over(struct pdl_ctx *c, struct pdl_str id, uint64_t ends)
{
	char at[PDL_CST_LEN], now[PDL_CST_LEN], left[48];
	uint64_t wd;
	int rc = pdl_workdays_left(c, c->time_ms, ends, &wd);
	if (rc != PDL_OK)
		return rc;
	if (wd == 0)
		snprintf(left, sizeof left, "no working day left before it");
	else
		snprintf(left, sizeof left, "in %llu working day%s", (unsigned long long)wd, wd == 1 ? "" : "s");
	return pdl_rule_fail(c, "registration.notice_not_over", "the notice of application %.*s ends %s (%s); it is now %s",
	                     (int)id.n, id.p, pdl_ms_cst(ends, at), left, pdl_ms_cst(c->time_ms, now));
}

/* The codeseq id pdl_code_assign (state.c) uses for kind at c->time_ms. */
static void
codeseq_id(struct pdl_ctx *c, char kind, char buf[32])
{
	struct pdl_date today = pdl_date_of_ms(c->time_ms);
	snprintf(buf, 32, "%.6s-%04d-%c", c->info->jurisdiction, today.y % 10000, kind);
}

#define REG_CODE_SEQ_MAX 99999999u /* 8 digits in the code */

static int
assign_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, X_ID), kind = {"R", 1};
	struct mp_cur rec, sq;
	uint64_t ends = 0, open = 0, last = 0;
	char sid[32];
	int rc = reg_get(c, id, &rec);
	if (rc != PDL_OK)
		return rc;
	rc = need_status(c, rec, id, "notice", "registration.assign_code");
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_uint(rec, "notice_ends", &ends) != PDL_OK || pdl_rec_uint(rec, "open_objections", &open) != PDL_OK ||
	    pdl_rec_str(rec, "kind", &kind) != PDL_OK || kind.n != 1)
		return PDL_ESTORE;
	if (c->time_ms < ends)
		return notice_not_over(c, id, ends);
	if (open != 0)
		return pdl_rule_fail(c, "registration.objection_open", "application %.*s has %llu open objection%s",
		                     (int)id.n, id.p, (unsigned long long)open, open == 1 ? "" : "s");
	codeseq_id(c, kind.p[0], sid);
	if (pdl_rec_get(c, "codeseq", pdl_cstr(sid), &sq) == PDL_OK && pdl_rec_uint(sq, "last", &last) == PDL_OK &&
	    last >= REG_CODE_SEQ_MAX)
		return pdl_rule_fail(c, "registration.codes_exhausted", "all %u codes of %s are assigned",
		                     REG_CODE_SEQ_MAX, sid);
	return PDL_OK;
}

static int
assign_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, X_ID), kind;
	struct mp_cur rec;
	char code[PDL_CODE_LEN + 1];
	if (pdl_rec_get(c, "reg", id, &rec) != PDL_OK || pdl_rec_str(rec, "kind", &kind) != PDL_OK || kind.n != 1)
		return PDL_ESTORE;
	int rc = pdl_code_assign(c, kind.p[0], code);
	if (rc != PDL_OK)
		return rc == PDL_ERULE ? PDL_ESTORE : rc; /* exhaustion was refused in validate */
	struct pdl_str cs = pdl_cstr(code);
	struct pdl_kv cv = KV_S("application_id", id);
	rc = pdl_rec_set(c, "code", cs, &cv, 1);
	if (rc != PDL_OK)
		return rc;
	struct pdl_kv kv[] = {
		KV_CS("status", "coded"),
		KV_S("code", cs),
	};
	rc = reg_set(c, id, kv, sizeof kv / sizeof kv[0]);
	if (rc != PDL_OK)
		return rc;
	pdl_out_str(c, "code", cs.p, cs.n);
	return PDL_OK;
}

/* ---- registration.change / cancel ---- */

static const struct pdl_field change_fields[] = {
	{"code", F_STR, 0, REG_CODE_LEN_MAX, NULL},
	{"name", F_STR, 1, 256, NULL},
	{"summary", F_STR, 1, 4096, NULL},
	{"evidence", F_IDS, 1, REG_EVIDENCE_MAX, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { G_CODE, G_NAME, G_SUMMARY, G_EVIDENCE };

static int
change_validate(struct pdl_ctx *c)
{
	struct pdl_str app;
	struct mp_cur rec;
	char ab[PDL_ID_LEN_MAX + 1];
	int rc = code_app(c, pdl_body_str(c, G_CODE), ab, &app);
	if (rc != PDL_OK)
		return rc;
	if ((rc = reg_get(c, app, &rec)) != PDL_OK || (rc = need_holder(c, rec, app)) != PDL_OK ||
	    (rc = need_status(c, rec, app, "coded", "registration.change")) != PDL_OK)
		return rc;
	if (!pdl_body_has(c, G_NAME) && !pdl_body_has(c, G_SUMMARY) && !pdl_body_has(c, G_EVIDENCE))
		return pdl_rule_fail(c, "registration.change_empty", "a change names at least one of name, summary, evidence");
	if (pdl_body_has(c, G_EVIDENCE))
		return evidence_check(c, pdl_body(c, G_EVIDENCE), pdl_actor(c));
	return PDL_OK;
}

static int
change_apply(struct pdl_ctx *c)
{
	struct pdl_str app;
	char ab[PDL_ID_LEN_MAX + 1];
	struct pdl_kv kv[3];
	size_t n = 0;
	int rc = code_app(c, pdl_body_str(c, G_CODE), ab, &app);
	if (rc != PDL_OK)
		return PDL_ESTORE;
	if (pdl_body_has(c, G_NAME))
		kv[n++] = KV_S("name", pdl_body_str(c, G_NAME));
	if (pdl_body_has(c, G_SUMMARY))
		kv[n++] = KV_S("summary", pdl_body_str(c, G_SUMMARY));
	if (pdl_body_has(c, G_EVIDENCE))
		kv[n++] = KV_RAWV("evidence", pdl_body(c, G_EVIDENCE));
	return reg_set(c, app, kv, n);
}

static const struct pdl_field cancel_fields[] = {
	{"code", F_STR, 0, REG_CODE_LEN_MAX, NULL},
	{"reason", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { K_CODE, K_REASON };

static int
cancel_validate(struct pdl_ctx *c)
{
	struct pdl_str app, holder = {"", 0};
	struct mp_cur rec;
	char ab[PDL_ID_LEN_MAX + 1];
	int rc = code_app(c, pdl_body_str(c, K_CODE), ab, &app);
	if (rc != PDL_OK)
		return rc;
	if ((rc = reg_get(c, app, &rec)) != PDL_OK)
		return rc;
	(void)pdl_rec_str(rec, "holder", &holder);
	if (!pdl_str_eq(holder, pdl_actor(c)) && !pdl_actor_has_role(c, PDL_ROLE_REGISTRAR))
		return pdl_rule_fail(c, "registration.cancel_not_permitted",
		                     "only the holder %.*s or a registrar may cancel registration %.*s", (int)holder.n,
		                     holder.p, (int)app.n, app.p);
	return need_status(c, rec, app, "coded", "registration.cancel");
}

static int
cancel_apply(struct pdl_ctx *c)
{
	struct pdl_str app;
	char ab[PDL_ID_LEN_MAX + 1];
	if (code_app(c, pdl_body_str(c, K_CODE), ab, &app) != PDL_OK)
		return PDL_ESTORE;
	struct pdl_kv kv[] = {
		KV_CS("status", "cancelled"),
		KV_S("reason", pdl_body_str(c, K_REASON)),
	};
	return reg_set(c, app, kv, sizeof kv / sizeof kv[0]);
}

/* ---- registration.national_code ---- */

static const struct pdl_field national_fields[] = {
	{"code", F_STR, 0, REG_CODE_LEN_MAX, NULL},
	{"national_code", F_ID, 0, 0, NULL},
	{"query_code", F_ID, 1, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { N_CODE, N_NATIONAL, N_QUERY };

static int
national_validate(struct pdl_ctx *c)
{
	struct pdl_str app, nc = pdl_body_str(c, N_NATIONAL), had, other;
	struct mp_cur rec, ix;
	char ab[PDL_ID_LEN_MAX + 1];
	int rc = code_app(c, pdl_body_str(c, N_CODE), ab, &app);
	if (rc != PDL_OK)
		return rc;
	if ((rc = reg_get(c, app, &rec)) != PDL_OK ||
	    (rc = need_status(c, rec, app, "coded", "registration.national_code")) != PDL_OK)
		return rc;
	if (pdl_rec_str(rec, "national_code", &had) == PDL_OK)
		return pdl_rule_fail(c, "registration.national_code_recorded",
		                     "registration %.*s already has the national code %.*s", (int)app.n, app.p, (int)had.n,
		                     had.p);
	rc = pdl_rec_get(c, "ncode", nc, &ix);
	if (rc == PDL_OK) {
		if (pdl_rec_str(ix, "application_id", &other) != PDL_OK)
			return PDL_ESTORE;
		return pdl_rule_fail(c, "registration.national_code_taken",
		                     "national code %.*s is recorded for registration %.*s", (int)nc.n, nc.p, (int)other.n,
		                     other.p);
	}
	return rc == PDL_ENOTFOUND ? PDL_OK : rc;
}

static int
national_apply(struct pdl_ctx *c)
{
	struct pdl_str app;
	char ab[PDL_ID_LEN_MAX + 1];
	struct pdl_kv kv[3];
	size_t n = 0;
	if (code_app(c, pdl_body_str(c, N_CODE), ab, &app) != PDL_OK)
		return PDL_ESTORE;
	kv[n++] = KV_S("national_code", pdl_body_str(c, N_NATIONAL));
	if (pdl_body_has(c, N_QUERY))
		kv[n++] = KV_S("query_code", pdl_body_str(c, N_QUERY));
	kv[n++] = KV_U("national_seq", c->seq);
	int rc = reg_set(c, app, kv, n);
	if (rc != PDL_OK)
		return rc;
	struct pdl_kv ix = KV_S("application_id", app);
	return pdl_rec_set(c, "ncode", pdl_body_str(c, N_NATIONAL), &ix, 1);
}

static const struct pdl_act_def acts[] = {
	{"registration.apply", PDL_ROLE_ANY, apply_fields, apply_validate, apply_apply,
	 "apply to register a resource, product or service, citing evidence the holder deposited",
	 "any party (it becomes the holder)", PDL_PUBLIC},
	{"registration.accept", PDL_ROLE_REGISTRAR, accept_fields, applied_validate, accept_apply,
	 "accept an application for review (late acceptance is recorded)", "registrar", PDL_PUBLIC},
	{"registration.reject", PDL_ROLE_REGISTRAR, reject_fields, applied_validate, reject_apply,
	 "reject an application, with a reason", "registrar", PDL_PUBLIC},
	{"registration.request_correction", PDL_ROLE_REGISTRAR, correction_fields, correction_validate,
	 correction_apply, "send an application back to its holder, listing what to correct", "registrar", PDL_PUBLIC},
	{"registration.correct", PDL_ROLE_ANY, correct_fields, correct_validate, correct_apply,
	 "resubmit a corrected application; the acceptance deadline restarts", "the holder", PDL_PUBLIC},
	{"registration.review", PDL_ROLE_REGISTRAR, review_fields, review_validate, review_apply,
	 "formal review of an accepted application: pass or fail", "registrar", PDL_PUBLIC},
	{"registration.publicize", PDL_ROLE_REGISTRAR, accept_fields, publicize_validate, publicize_apply,
	 "put a passed application under public notice for the policy's working days", "registrar", PDL_PUBLIC},
	{"registration.object", PDL_ROLE_ANY, object_fields, object_validate, object_apply,
	 "object to an application while its notice runs", "any party", PDL_PUBLIC},
	{"registration.resolve_objection", PDL_ROLE_REGISTRAR, resolve_fields, resolve_validate, resolve_apply,
	 "uphold (ending the application) or dismiss an objection", "registrar", PDL_PUBLIC},
	{"registration.assign_code", PDL_ROLE_REGISTRAR, accept_fields, assign_validate, assign_apply,
	 "assign the registration code once the notice ended with no objection open", "registrar", PDL_PUBLIC},
	{"registration.change", PDL_ROLE_ANY, change_fields, change_validate, change_apply,
	 "change the name, summary or evidence of a coded registration", "the holder", PDL_PUBLIC},
	{"registration.cancel", 0, cancel_fields, cancel_validate, cancel_apply, "cancel a coded registration",
	 "the holder or a registrar", PDL_PUBLIC},
	{"registration.national_code", PDL_ROLE_REGISTRAR, national_fields, national_validate, national_apply,
	 "record the code the national platform gave a coded registration (统一赋码) and its query code",
	 "registrar", PDL_PUBLIC},
};

const struct pdl_family pdl_family_registration = {"registration", acts, sizeof acts / sizeof acts[0]};
