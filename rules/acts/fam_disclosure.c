/*
 * fam_disclosure.c — the yearly disclosure (the NDA's 2026 notice): the
 * implementing agency and each operator publish, by the policy's
 * disclosure_due of the next year (national: 31 March), their report on
 * the previous year. The act records where the published report is (an
 * evidence deposit, and its URL); the ledger flags a late publication.
 *
 * State (spec/state.md):
 *   discl/<publisher>/<year>  {report, url?, late, due_ms, time_ms, seq}
 *
 * Invariants:
 *  (1) one publication per publisher and year, of a year already over;
 *  (2) late is true exactly when the ledger time is at or after due_ms, the
 *      first ms (CST) after disclosure_due of year + 1: recorded in the
 *      outcome, never refused (a late report is still a report);
 *  (3) the publisher is an authority, or the operator of some grant.
 */
#include <stdio.h>
#include <string.h>

#include "families.h"

#define YEAR_MAX 9999u  /* dates are YYYY */
#define YEAR_MIN 1970u  /* ledger time starts at the epoch: the due date must be a ledger time */
#define URL_MAX 2048u   /* where the report is published */

static const struct pdl_field publish_fields[] = {
	{"year", F_UINT, 0, YEAR_MAX, NULL},
	{"report", F_ID, 0, 0, NULL},
	{"url", F_STR, 1, URL_MAX, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { P_YEAR, P_REPORT, P_URL };

/* "<publisher>/<year>" */
static struct pdl_str
pub_key(char *buf, size_t cap, struct pdl_str who, uint64_t year)
{
	int n = snprintf(buf, cap, "%.*s/%llu", (int)who.n, who.p, (unsigned long long)year);
	struct pdl_str r = {buf, n > 0 && (size_t)n < cap ? (size_t)n : 0};
	return r;
}

/* Invariant (2): the first ms after the due date of year + 1. */
static uint64_t
due_ms(const struct pdl_ctx *c, uint64_t year)
{
	const struct pdl_policy *p = &c->info->policy;
	struct pdl_date d = {(int)year + 1, p->disclosure_due_month, p->disclosure_due_day};
	return pdl_ms_of_date(pdl_date_add_days(d, 1));
}

static int
publish_validate(struct pdl_ctx *c)
{
	struct pdl_str me = pdl_actor(c), rep = pdl_body_str(c, P_REPORT), none = {NULL, 0};
	uint64_t year = pdl_body_uint(c, P_YEAR), now = (uint64_t)pdl_date_of_ms(c->time_ms).y;
	char kb[PDL_ID_LEN_MAX + 16];
	if (!pdl_actor_has_role(c, PDL_ROLE_AUTHORITY) && !pdl_grant_is_operator(c, me))
		return pdl_rule_fail(c, "disclosure.not_grantee",
		                     "%.*s is neither an authority nor the operator of a grant: it has no yearly "
		                     "disclosure to publish",
		                     (int)me.n, me.p);
	if (year < YEAR_MIN)
		return pdl_rule_fail(c, "disclosure.bad_year", "year %llu is before %u: no ledger reports on it",
		                     (unsigned long long)year, YEAR_MIN);
	if (year >= now)
		return pdl_rule_fail(c, "disclosure.year_not_over",
		                     "%llu is not over: the yearly disclosure covers a previous year", (unsigned long long)year);
	if (pdl_rec_exists(c, "discl", pub_key(kb, sizeof kb, me, year)))
		return pdl_rule_fail(c, "disclosure.already_published", "%.*s already published its disclosure of %llu",
		                     (int)me.n, me.p, (unsigned long long)year);
	int rc = pdl_evidence_of(c, rep, me, none);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "disclosure.report_not_deposited", "report %.*s is not an evidence deposit of %.*s",
		                     (int)rep.n, rep.p, (int)me.n, me.p);
	return rc;
}

static int
publish_apply(struct pdl_ctx *c)
{
	uint64_t year = pdl_body_uint(c, P_YEAR), due = due_ms(c, year);
	int late = c->time_ms >= due;
	char kb[PDL_ID_LEN_MAX + 16];
	struct pdl_kv kv[6];
	size_t n = 0;
	kv[n++] = KV_S("report", pdl_body_str(c, P_REPORT));
	if (pdl_body_has(c, P_URL))
		kv[n++] = KV_S("url", pdl_body_str(c, P_URL));
	kv[n++] = KV_B("late", late);
	kv[n++] = KV_U("due_ms", due);
	kv[n++] = KV_U("time_ms", c->time_ms);
	kv[n++] = KV_U("seq", c->seq);
	int rc = pdl_rec_set(c, "discl", pub_key(kb, sizeof kb, pdl_actor(c), year), kv, n);
	if (rc != PDL_OK)
		return rc;
	pdl_out_bool(c, "late", late);
	return PDL_OK;
}

static const struct pdl_act_def acts[] = {
	{"disclosure.publish", PDL_ROLE_AUTHORITY | PDL_ROLE_OPERATOR, publish_fields, publish_validate, publish_apply,
	 "publish the yearly disclosure of a previous year (its report as an evidence deposit); the ledger flags it "
	 "late after the policy's due date",
	 "authority, or the operator of a grant", PDL_PUBLIC},
};

const struct pdl_family pdl_family_disclosure = {"disclosure", acts, sizeof acts / sizeof acts[0]};
