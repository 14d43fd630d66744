/*
 * fam_incident.c — incidents (000 二(五)3): an operator reports a security
 * incident, a data leak or a hidden-relationship risk (关联关系) under its
 * grant to the authority. The entry is private: it is for the authority,
 * and a public report could expose the weakness it describes.
 *
 * State (spec/state.md):
 *   incident/<incident_id>  {grant_id, operator, kind, summary, time_ms, seq}
 *
 * Invariants:
 *  (1) only the grant's operator reports on it, on any grant it operates or
 *      operated (an incident may come to light after an exit).
 */
#include <string.h>

#include "families.h"

static const char *const kind_list[] = {"security", "data_leak", "hidden_relationship", "other", NULL};

static const struct pdl_field report_fields[] = {
	{"incident_id", F_ID, 0, 0, NULL},
	{"grant_id", F_ID, 0, 0, NULL},
	{"kind", F_ENUM, 0, 0, kind_list},
	{"summary", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { R_ID, R_GRANT, R_KIND, R_SUMMARY };

static int
report_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, R_ID), gid = pdl_body_str(c, R_GRANT), op = {"", 0};
	struct mp_cur grant;
	if (pdl_rec_exists(c, "incident", id))
		return pdl_rule_fail(c, "incident.id_taken", "incident %.*s was already reported", (int)id.n, id.p);
	int rc = pdl_rec_get(c, "grant", gid, &grant);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "grant.unknown", "no grant %.*s", (int)gid.n, gid.p);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_str(grant, "operator", &op) != PDL_OK || !pdl_str_eq(op, pdl_actor(c)))
		return pdl_rule_fail(c, "incident.not_grantee", "grant %.*s is operated by %.*s; only it reports incidents "
		                     "under it", (int)gid.n, gid.p, (int)op.n, op.p);
	return PDL_OK;
}

static int
report_apply(struct pdl_ctx *c)
{
	struct pdl_kv kv[] = {KV_S("grant_id", pdl_body_str(c, R_GRANT)), KV_S("operator", pdl_actor(c)),
	                      KV_S("kind", pdl_body_str(c, R_KIND)), KV_S("summary", pdl_body_str(c, R_SUMMARY)),
	                      KV_U("time_ms", c->time_ms), KV_U("seq", c->seq)};
	return pdl_rec_set(c, "incident", pdl_body_str(c, R_ID), kv, sizeof kv / sizeof kv[0]);
}

static const struct pdl_act_def acts[] = {
	{"incident.report", PDL_ROLE_OPERATOR, report_fields, report_validate, report_apply,
	 "report a security incident, data leak or hidden-relationship risk under a grant to the authority",
	 "the grant's operator", PDL_PRIVATE("an incident report is for the authority (it may describe a weakness)")},
};

const struct pdl_family pdl_family_incident = {"incident", acts, sizeof acts / sizeof acts[0]};
