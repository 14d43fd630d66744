/*
 * fam_quality.c — the quality family (DESIGN §5 "quality"): any party
 * reports a problem with a listed catalog resource; the resource's provider
 * resolves it, as corrected or as rejected with a reason. The report and
 * resolution times feed the providers' evaluation (DESIGN §6).
 *
 * State (spec/state.md):
 *   qual/<report_id>  resource_id, provider, by, issue, detail, status,
 *                     time_ms, seq; on resolve also resolved_ms and reason?
 * States of a report: open → corrected | rejected (quality.resolve); final.
 *
 * Invariants:
 *  (1) qual.provider is the resource's provider when the report was made;
 *      a resource's provider never changes (fam_catalog.c invariant 1), so
 *      it is the owner who resolves.
 *  (2) a rejected report always carries a non-empty reason.
 */
#include <string.h>

#include "families.h"

#define QUAL_TEXT_MAX 4096u /* free text: details and reasons */

/* `secret` is a trade secret (商业秘密) of the data's owner or a third party,
 * as 001 art. 10 has it; state secrets are outside this rule (such data is
 * never in the catalog). */
static const char *const issue_list[] = {"error", "omission", "privacy", "secret", "ip", NULL};
static const char *const outcome_list[] = {"corrected", "rejected", NULL};

/* ---- quality.report ---- */

static const struct pdl_field report_fields[] = {
	{"report_id", F_ID, 0, 0, NULL},
	{"resource_id", F_ID, 0, 0, NULL},
	{"issue", F_ENUM, 0, 0, issue_list},
	{"detail", F_STR, 0, QUAL_TEXT_MAX, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { R_ID, R_RES, R_ISSUE, R_DETAIL };

static int
report_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, R_ID);
	if (pdl_rec_exists(c, "qual", id))
		return pdl_rule_fail(c, "quality.id_taken", "quality report id %.*s is already used", (int)id.n, id.p);
	return pdl_resource_check(c, pdl_body_str(c, R_RES), NULL);
}

static int
report_apply(struct pdl_ctx *c)
{
	struct mp_cur res;
	struct pdl_str prov;
	if (pdl_resource_check(c, pdl_body_str(c, R_RES), &res) != PDL_OK ||
	    pdl_rec_str(res, "provider", &prov) != PDL_OK)
		return PDL_ESTORE;
	/* prov points into res/<id>; pdl_rec_set copies it before it writes qual/<id> */
	struct pdl_kv kv[] = {
		KV_S("resource_id", pdl_body_str(c, R_RES)),
		KV_S("provider", prov),
		KV_S("by", pdl_actor(c)),
		KV_S("issue", pdl_body_str(c, R_ISSUE)),
		KV_S("detail", pdl_body_str(c, R_DETAIL)),
		KV_CS("status", "open"),
		KV_U("time_ms", c->time_ms),
		KV_U("seq", c->seq),
	};
	return pdl_rec_set(c, "qual", pdl_body_str(c, R_ID), kv, sizeof kv / sizeof kv[0]);
}

/* ---- quality.resolve ---- */

static const struct pdl_field resolve_fields[] = {
	{"report_id", F_ID, 0, 0, NULL},
	{"outcome", F_ENUM, 0, 0, outcome_list},
	{"reason", F_TEXT, 1, QUAL_TEXT_MAX, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { S_ID, S_OUTCOME, S_REASON };

static int
resolve_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, S_ID), prov = {NULL, 0}, status = {NULL, 0};
	struct pdl_str outcome = pdl_body_str(c, S_OUTCOME);
	struct mp_cur rec;
	int rc = pdl_rec_get(c, "qual", id, &rec);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "quality.unknown_report", "no quality report %.*s", (int)id.n, id.p);
	if (rc != PDL_OK)
		return rc;
	(void)pdl_rec_str(rec, "provider", &prov);
	if (!pdl_str_eq(prov, pdl_actor(c)))
		return pdl_rule_fail(c, "quality.not_owner",
		                     "quality report %.*s is on a resource of provider %.*s; only it may resolve",
		                     (int)id.n, id.p, (int)prov.n, prov.p);
	(void)pdl_rec_str(rec, "status", &status);
	if (!mp_str_eq(status.p, status.n, "open"))
		return pdl_rule_fail(c, "quality.not_open", "quality report %.*s is already %.*s", (int)id.n, id.p,
		                     (int)status.n, status.p);
	if (mp_str_eq(outcome.p, outcome.n, "rejected") && pdl_body_str(c, S_REASON).n == 0)
		return pdl_rule_fail(c, "quality.reject_needs_reason", "rejecting quality report %.*s needs a reason",
		                     (int)id.n, id.p);
	return PDL_OK;
}

static int
resolve_apply(struct pdl_ctx *c)
{
	struct pdl_kv kv[3];
	size_t n = 0;
	kv[n++] = KV_S("status", pdl_body_str(c, S_OUTCOME));
	kv[n++] = KV_U("resolved_ms", c->time_ms);
	if (pdl_body_str(c, S_REASON).n > 0)
		kv[n++] = KV_S("reason", pdl_body_str(c, S_REASON));
	return pdl_rec_set(c, "qual", pdl_body_str(c, S_ID), kv, n);
}

static const struct pdl_act_def acts[] = {
	{"quality.report", PDL_ROLE_ANY, report_fields, report_validate, report_apply,
	 "report an error, omission, privacy, secrecy or IP problem with a listed resource", "any party", PDL_PRIVATE_UNTIL_RESOLVED("a quality report not yet resolved")},
	{"quality.resolve", PDL_ROLE_PROVIDER, resolve_fields, resolve_validate, resolve_apply,
	 "close a quality report as corrected, or as rejected with a reason", "the provider owning the resource", PDL_PUBLIC},
};

const struct pdl_family pdl_family_quality = {"quality", acts, sizeof acts / sizeof acts[0]};
