/* test_fam_grant.c — grant.issue, amend, suspend, resume, rectify,
 * terminate, exit_attest, report, evaluate and pdl_grant_check: every rule
 * id of the grant family, the happy paths, and that termination and expiry
 * close every permission relying on a grant at once. */
#include "harness.h"

/* Lists a resource of prov-1; source may be NULL. */
static void
publish(struct h *h, const char *id, const char *source)
{
	char src[96] = "";
	if (source != NULL)
		snprintf(src, sizeof src, ",\"source\":\"%s\"", source);
	h_ok(h, h_fmt("{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"%s\",\"name\":"
	              "\"Resource %s\",\"items\":[\"a\",\"b\"],\"format\":\"csv\",\"update_frequency\":\"daily\","
	              "\"usage_conditions\":\"in the domain only\",\"level\":2,\"attribute\":\"authorized\"%s}}",
	              id, id, src));
}

/* Parties, and resources r1, r2 (plain), r3 (shared in from src-1, no
 * consent), r4 (shared in from src-1, consented); the agreement deposit. */
static void
setup_policy(struct h *h, const char *policy)
{
	h_open_policy(h, policy);
	h_party(h, "prov-1", "provider");
	h_party(h, "src-1", "provider");
	h_party(h, "op-1", "operator");
	h_party(h, "op-2", "operator");
	h_party(h, "dev-1", "developer");
	h_party(h, "dev-2", "developer");
	h_party(h, "reg-1", "registrar");
	publish(h, "r1", NULL);
	publish(h, "r2", NULL);
	publish(h, "r3", "src-1");
	publish(h, "r4", "src-1");
	h_ok(h, "{\"type\":\"catalog.consent\",\"actor\":\"src-1\",\"body\":{\"resource_id\":\"r4\"}}");
	h_agreement(h);
}

static void
setup(struct h *h)
{
	setup_policy(h, H_POLICY_OLD);
}

#define SPLIT_OK "{\"providers\":4000,\"operator\":3000,\"developer\":2000,\"authority\":1000}"

/* A grant.issue act. trial may be NULL; split NULL is SPLIT_OK. */
static const char *
issue_act(const char *actor, const char *gid, const char *op, const char *mode, const char *res, const char *start,
          const char *end, const char *trial, int excl, const char *split)
{
	static char buf[4096];
	char tr[64] = "";
	if (trial != NULL)
		snprintf(tr, sizeof tr, ",\"trial_end\":\"%s\"", trial);
	snprintf(buf, sizeof buf,
	         "{\"type\":\"grant.issue\",\"actor\":\"%s\",\"body\":{\"grant_id\":\"%s\",\"operator\":\"%s\","
	         "\"mode\":\"%s\",\"resources\":%s,\"scope\":\"traffic analytics\",\"start\":\"%s\",\"end\":\"%s\"%s,"
	         "\"exclusive\":%s,\"split_bp\":%s,\"fee_cap_fen\":500000,\"agreement\":\"ev-agreement\"}}",
	         actor, gid, op, mode, res, start, end, tr, excl ? "true" : "false", split ? split : SPLIT_OK);
	return buf;
}

/* The usual grant: g-id to op-1 over r1, r2, 2026-10-01 .. 2029-09-30. */
static const char *
issue(const char *gid, const char *op, const char *res, int excl)
{
	return issue_act("authority", gid, op, "overall", res, "2026-10-01", "2029-09-30", NULL, excl, NULL);
}

static const char *
act1(const char *type, const char *actor, const char *body)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "{\"type\":\"%s\",\"actor\":\"%s\",\"body\":%s}", type, actor, body);
	return buf;
}

static json_int_t
jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	assert_non_null(v);
	return json_integer_value(v);
}

static const char *
jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	assert_non_null(v);
	return json_string_value(v);
}

/* ---- grant.issue ---- */

static void
test_issue_ok(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	uint64_t seq = h_ok(&h, issue_act("authority", "g1", "op-1", "overall", "[\"r1\",\"r4\"]", "2026-10-01",
	                                  "2029-09-30", "2027-01-01", 1, NULL));
	json_t *g = h_rec(&h, "grant", "g1");
	assert_non_null(g);
	assert_string_equal(jstr(g, "operator"), "op-1");
	assert_string_equal(jstr(g, "authority"), "authority");
	assert_string_equal(jstr(g, "mode"), "overall");
	assert_int_equal(json_array_size(json_object_get(g, "resources")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(g, "resources"), 1)), "r4");
	assert_string_equal(jstr(g, "scope"), "traffic analytics");
	assert_string_equal(jstr(g, "start"), "2026-10-01");
	assert_string_equal(jstr(g, "end"), "2029-09-30");
	assert_string_equal(jstr(g, "trial_end"), "2027-01-01");
	assert_true(json_is_true(json_object_get(g, "exclusive")));
	json_t *sp = json_object_get(g, "split_bp");
	assert_int_equal(jint(sp, "providers"), 4000);
	assert_int_equal(jint(sp, "operator"), 3000);
	assert_int_equal(jint(sp, "developer"), 2000);
	assert_int_equal(jint(sp, "authority"), 1000);
	assert_int_equal(jint(g, "fee_cap_fen"), 500000);
	assert_int_equal((uint64_t)jint(g, "start_ms"), h_ms("2026-10-01T00:00:00"));
	assert_int_equal((uint64_t)jint(g, "end_ms"), h_ms("2029-10-01T00:00:00"));
	assert_string_equal(jstr(g, "status"), "active");
	assert_int_equal((uint64_t)jint(g, "seq"), seq);
	json_decref(g);
	json_t *ix = h_rec(&h, "gres", "r4/g1");
	assert_non_null(ix);
	json_decref(ix);

	/* split keys in any order are stored in the fixed order */
	h_ok(&h, issue_act("authority", "g2", "op-2", "scenario", "[\"r2\"]", "2026-10-01", "2027-09-30", NULL, 0,
	                   "{\"authority\":0,\"developer\":0,\"operator\":0,\"providers\":10000}"));
	g = h_rec(&h, "grant", "g2");
	assert_false(json_is_true(json_object_get(g, "exclusive")));
	assert_null(json_object_get(g, "trial_end"));
	assert_string_equal(json_object_iter_key(json_object_iter(json_object_get(g, "split_bp"))), "providers");
	json_decref(g);
	h_close(&h);
}

static void
test_issue_roles_and_fields(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_err(&h, issue_act("op-1", "g1", "op-1", "overall", "[\"r1\"]", "2026-10-01", "2029-09-30", NULL, 0, NULL),
	      PDL_EROLE);
	h_err(&h, issue_act("authority", "g1", "op-1", "global", "[\"r1\"]", "2026-10-01", "2029-09-30", NULL, 0, NULL),
	      PDL_EFIELD);
	h_err(&h, issue_act("authority", "g1", "op-1", "overall", "[\"r1\"]", "2026-10-01", "2029-09-30", NULL, 0,
	                    "{\"providers\":10000,\"operator\":0,\"developer\":0}"),
	      PDL_EFIELD);
	h_err(&h, issue_act("authority", "g1", "op-1", "overall", "[\"r1\"]", "2026-10-01", "2029-09-30", NULL, 0,
	                    "{\"providers\":10001,\"operator\":0,\"developer\":0,\"authority\":0}"),
	      PDL_EFIELD);
	h_close(&h);
}

static void
test_issue_id_operator_resources(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, issue("g1", "op-1", "[\"r1\"]", 0));
	h_rule(&h, issue("g1", "op-2", "[\"r2\"]", 0), "grant.id_taken");
	h_rule(&h, issue("g2", "dev-1", "[\"r2\"]", 0), "grant.not_an_operator");
	h_rule(&h, issue("g2", "nobody", "[\"r2\"]", 0), "grant.not_an_operator");
	h_rule(&h, issue("g2", "op-1", "[]", 0), "grant.no_resources");
	h_rule(&h, issue("g2", "op-1", "[\"r1\",\"r2\",\"r1\"]", 0), "grant.duplicate_resource");
	h_rule(&h, issue("g2", "op-1", "[\"r2\",\"r9\"]", 0), "catalog.unknown_resource");
	h_ok(&h, "{\"type\":\"catalog.withdraw\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"r2\",\"reason\":\"x\"}}");
	h_rule(&h, issue("g2", "op-1", "[\"r2\"]", 0), "catalog.withdrawn");
	h_close(&h);
}

static void
test_issue_source_consent(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_rule(&h, issue("g1", "op-1", "[\"r1\",\"r3\"]", 0), "grant.source_not_consented");
	h_ok(&h, "{\"type\":\"catalog.consent\",\"actor\":\"src-1\",\"body\":{\"resource_id\":\"r3\"}}");
	h_ok(&h, issue("g1", "op-1", "[\"r1\",\"r3\"]", 0));
	h_close(&h);
}

static void
test_issue_terms(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	const char *r = "[\"r1\"]";
	/* end must be after start; the trial strictly between them */
	h_rule(&h, issue_act("authority", "g", "op-1", "overall", r, "2026-10-01", "2026-10-01", NULL, 0, NULL),
	       "grant.bad_term");
	h_rule(&h, issue_act("authority", "g", "op-1", "overall", r, "2026-10-01", "2026-09-30", NULL, 0, NULL),
	       "grant.bad_term");
	h_rule(&h, issue_act("authority", "g", "op-1", "overall", r, "2026-10-01", "2027-09-30", "2026-10-01", 0, NULL),
	       "grant.bad_term");
	h_rule(&h, issue_act("authority", "g", "op-1", "overall", r, "2026-10-01", "2027-09-30", "2027-09-30", 0, NULL),
	       "grant.bad_term");
	h_rule(&h, issue_act("authority", "g", "op-1", "overall", r, "2026-10-01", "2027-09-30", "2027-10-30", 0, NULL),
	       "grant.bad_term");
	/* trial at most 6 months (policy) */
	h_rule(&h, issue_act("authority", "g", "op-1", "overall", r, "2026-10-01", "2029-09-30", "2027-04-02", 0, NULL),
	       "grant.trial_exceeds_policy");
	h_ok(&h, issue_act("authority", "g1", "op-1", "overall", r, "2026-10-01", "2029-09-30", "2027-04-01", 0, NULL));
	/* agreement term at most 60 months (policy): exactly 60 passes, a day more fails */
	h_ok(&h, issue_act("authority", "g2", "op-1", "overall", r, "2026-10-01", "2031-09-30", NULL, 0, NULL));
	h_rule(&h, issue_act("authority", "g", "op-1", "overall", r, "2026-10-01", "2031-10-01", NULL, 0, NULL),
	       "grant.term_exceeds_policy");
	/* with a trial, the term is counted from trial_end: 6 + 60 months */
	h_ok(&h, issue_act("authority", "g3", "op-1", "overall", r, "2026-10-01", "2032-03-31", "2027-04-01", 0, NULL));
	h_rule(&h, issue_act("authority", "g", "op-1", "overall", r, "2026-10-01", "2032-04-01", "2027-04-01", 0, NULL),
	       "grant.term_exceeds_policy");
	assert_string_equal(h.st.rule, "grant.term_exceeds_policy");
	h_close(&h);
}

static void
test_issue_exclusive_split(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	const char *r = "[\"r1\"]";
	h_rule(&h, issue_act("authority", "g", "op-1", "domain", r, "2026-10-01", "2029-09-30", NULL, 1, NULL),
	       "grant.exclusive_not_overall");
	h_rule(&h, issue_act("authority", "g", "op-1", "scenario", r, "2026-10-01", "2029-09-30", NULL, 1, NULL),
	       "grant.exclusive_not_overall");
	h_rule(&h, issue_act("authority", "g", "op-1", "overall", r, "2026-10-01", "2029-09-30", NULL, 0,
	                     "{\"providers\":4000,\"operator\":3000,\"developer\":2000,\"authority\":999}"),
	       "grant.split_not_10000");
	h_rule(&h, issue_act("authority", "g", "op-1", "overall", r, "2026-10-01", "2029-09-30", NULL, 0,
	                     "{\"providers\":4000,\"operator\":3000,\"developer\":2000,\"authority\":1001}"),
	       "grant.split_not_10000");
	h_close(&h);
}

static void
test_issue_exclusivity(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, issue("g1", "op-1", "[\"r1\"]", 1));
	/* another overall grant over r1 for an overlapping term is refused */
	h_rule(&h, issue("g2", "op-2", "[\"r2\",\"r1\"]", 0), "grant.resource_exclusive");
	/* 000 二(三): individual (domain, scenario) grants use r1 non-exclusively
	 * beside the exclusive overall grant (refused before the national rules) */
	h_ok(&h, issue_act("authority", "gs", "op-2", "scenario", "[\"r1\"]", "2026-10-01", "2027-09-30", NULL, 0, NULL));
	h_ok(&h, issue_act("authority", "gd", "op-1", "domain", "[\"r1\",\"r2\"]", "2026-10-01", "2027-09-30", NULL, 0,
	                   NULL));
	/* an overall grant whose term begins after the exclusive one ends is free */
	h_ok(&h, issue_act("authority", "g3", "op-2", "overall", "[\"r1\"]", "2029-10-01", "2030-09-30", NULL, 0, NULL));
	/* r2 is held by the domain grant gd only: an exclusive overall grant may take it */
	h_ok(&h, issue("g4", "op-1", "[\"r2\"]", 1));
	/* an exclusive overall grant over a resource another overall grant holds is refused */
	h_ok(&h, issue("g6", "op-2", "[\"r4\"]", 0));
	h_rule(&h, issue("g7", "op-1", "[\"r4\"]", 1), "grant.exclusive_conflict");
	/* a suspended exclusive grant still covers; a terminated one does not */
	h_ok(&h, act1("grant.suspend", "authority", "{\"grant_id\":\"g1\",\"reason\":\"audit\"}"));
	h_rule(&h, issue("g5", "op-2", "[\"r1\"]", 0), "grant.resource_exclusive");
	h_ok(&h, act1("grant.terminate", "authority", "{\"grant_id\":\"g1\",\"reason\":\"breach\",\"note\":\"\"}"));
	h_ok(&h, issue("g5", "op-2", "[\"r1\"]", 0));
	h_close(&h);
}

/* The agreement (and a selection notice) must be deposits of the issuing
 * authority or of the operator. */
static void
test_issue_documents(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	const char *base = issue("g1", "op-1", "[\"r1\"]", 0);
	char act[4096];
	/* no such deposit */
	snprintf(act, sizeof act, "%s", base);
	char *p = strstr(act, "ev-agreement");
	assert_non_null(p);
	memcpy(p, "ev-agreemenX", 12);
	h_rule(&h, act, "grant.agreement_not_deposited");
	/* a deposit of another party */
	h_deposit(&h, "dev-1", "ev-dev-doc");
	h_rule(&h, h_fmt("%.*s\"ev-dev-doc\"}}", (int)(p - act - 1), act), "grant.agreement_not_deposited");
	/* the operator's deposit is the agreement too; a selection notice likewise */
	h_deposit(&h, "op-1", "ev-op-agreement");
	h_deposit(&h, "authority", "ev-selection");
	h_rule(&h, h_fmt("%.*s\"ev-op-agreement\",\"selection\":\"ev-dev-doc\"}}", (int)(p - act - 1), act),
	       "grant.selection_not_deposited");
	h_rule(&h, h_fmt("%.*s\"ev-op-agreement\",\"selection\":\"ev-none\"}}", (int)(p - act - 1), act),
	       "grant.selection_not_deposited");
	h_ok(&h, h_fmt("%.*s\"ev-op-agreement\",\"selection\":\"ev-selection\"}}", (int)(p - act - 1), act));
	json_t *g = h_rec(&h, "grant", "g1");
	assert_string_equal(jstr(g, "agreement"), "ev-op-agreement");
	assert_string_equal(jstr(g, "selection"), "ev-selection");
	json_decref(g);
	/* the field is required */
	h_err(&h, h_fmt("%.*s}}", (int)(p - act - 14), act), PDL_EFIELD); /* without ,"agreement":… */
	h_close(&h);
}

/* registration_required: a resource enters a grant only with a coded,
 * uncancelled R registration of its provider. */
static void
test_issue_registration(void **state)
{
	(void)state;
	struct h h;
	setup_policy(&h, H_POLICY_WUHAN);
	const char *r = "[\"r1\"]";
	h_rule(&h, issue_act("authority", "g1", "op-1", "overall", r, "2026-10-01", "2029-09-30", NULL, 0, NULL),
	       "grant.resource_not_registered");
	/* applied and under notice is not enough */
	h_deposit(&h, "prov-1", "ev-r1");
	h_ok(&h, "{\"type\":\"registration.apply\",\"actor\":\"prov-1\",\"body\":{\"application_id\":\"a-r1\","
	         "\"kind\":\"R\",\"subject\":\"r1\",\"name\":\"r1\",\"summary\":\"s\",\"evidence\":[\"ev-r1\"]}}");
	h_rule(&h, issue_act("authority", "g1", "op-1", "overall", r, "2026-10-01", "2029-09-30", NULL, 0, NULL),
	       "grant.resource_not_registered");
	h_ok(&h, "{\"type\":\"registration.reject\",\"actor\":\"reg-1\",\"body\":{\"application_id\":\"a-r1\","
	         "\"reason\":\"incomplete\"}}");
	/* coded: the resource may enter; r2 of the same list is still refused */
	char code[PDL_CODE_LEN + 1];
	snprintf(code, sizeof code, "%s", h_register(&h, "reg-1", "prov-1", "a-r1b", "R", "r1"));
	h_rule(&h, issue_act("authority", "g1", "op-1", "overall", "[\"r1\",\"r2\"]", "2026-10-01", "2029-09-30", NULL,
	                     0, NULL),
	       "grant.resource_not_registered");
	h_ok(&h, issue_act("authority", "g1", "op-1", "overall", r, "2026-10-01", "2029-09-30", NULL, 0, NULL));
	/* a cancelled registration no longer opens the door */
	h_ok(&h, h_fmt("{\"type\":\"registration.cancel\",\"actor\":\"prov-1\",\"body\":{\"code\":\"%s\","
	               "\"reason\":\"merged\"}}",
	               code));
	h_rule(&h, issue_act("authority", "g2", "op-2", "scenario", r, "2026-10-01", "2027-09-30", NULL, 0, NULL),
	       "grant.resource_not_registered");
	h_close(&h);
}

/* The whole grant, trial included, within grant_total_months_max. */
static void
test_issue_total_term(void **state)
{
	(void)state;
	struct h h;
	setup_policy(&h, "{\"accept_wd\":3,\"notice_wd\":10,\"grant_months_max\":60,\"trial_months_max\":12,"
	                 "\"blob_bytes_max\":32768,\"grant_total_months_max\":60}");
	const char *r = "[\"r1\"]";
	/* 6 months of trial and 55 of term: each within its own bound, 61 in all */
	h_rule(&h, issue_act("authority", "g", "op-1", "overall", r, "2026-10-01", "2031-10-31", "2027-04-01", 0, NULL),
	       "grant.total_exceeds_policy");
	h_ok(&h, issue_act("authority", "g1", "op-1", "overall", r, "2026-10-01", "2031-09-30", "2027-04-01", 0, NULL));
	h_close(&h);
	/* an older genesis without the field: term + trial bound it (60 + 6) */
	setup(&h);
	h_ok(&h, issue_act("authority", "g1", "op-1", "overall", r, "2026-10-01", "2032-03-31", "2027-04-01", 0, NULL));
	h_close(&h);
	/* the Wuhan preset: 36 months after a trial of at most 6 */
	setup_policy(&h, H_POLICY_WUHAN);
	assert_int_equal(h.e.info.policy.grant_months_max, 36);
	assert_int_equal(h.e.info.policy.grant_total_months_max, 60);
	h_close(&h);
}

/* ---- grant.amend ---- */

static void
test_amend(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	publish(&h, "r5", NULL);
	h_ok(&h, issue("g1", "op-1", "[\"r1\",\"r2\"]", 0));
	const char *am = "{\"type\":\"grant.amend\",\"actor\":\"%s\",\"body\":{\"grant_id\":\"%s\"%s,"
	                 "\"reason\":\"catalog decision\"}}";
	h_err(&h, h_fmt(am, "op-1", "g1", ",\"add_resources\":[\"r5\"]"), PDL_EROLE);
	h_rule(&h, h_fmt(am, "authority", "g9", ",\"add_resources\":[\"r5\"]"), "grant.unknown");
	h_rule(&h, h_fmt(am, "authority", "g1", ""), "grant.amend_empty");
	h_rule(&h, h_fmt(am, "authority", "g1",
	                 ",\"split_bp\":{\"providers\":1,\"operator\":0,\"developer\":0,\"authority\":0}"),
	       "grant.split_not_10000");
	h_rule(&h, h_fmt(am, "authority", "g1", ",\"add_resources\":[\"r5\",\"r5\"]"), "grant.duplicate_resource");
	h_rule(&h, h_fmt(am, "authority", "g1", ",\"add_resources\":[\"r5\"],\"remove_resources\":[\"r5\"]"),
	       "grant.duplicate_resource");
	h_rule(&h, h_fmt(am, "authority", "g1", ",\"remove_resources\":[\"r5\"]"), "grant.resource_not_in_grant");
	h_rule(&h, h_fmt(am, "authority", "g1", ",\"add_resources\":[\"r2\"]"), "grant.resource_already_in_grant");
	h_rule(&h, h_fmt(am, "authority", "g1", ",\"remove_resources\":[\"r1\",\"r2\"]"), "grant.no_resources");
	h_rule(&h, h_fmt(am, "authority", "g1", ",\"add_resources\":[\"r9\"]"), "catalog.unknown_resource");
	h_rule(&h, h_fmt(am, "authority", "g1", ",\"add_resources\":[\"r3\"]"), "grant.source_not_consented");

	/* version 1: r5 in, r2 out, a new split */
	h_ok(&h, h_fmt(am, "authority", "g1",
	               ",\"add_resources\":[\"r5\"],\"remove_resources\":[\"r2\"],\"split_bp\":{\"authority\":500,"
	               "\"developer\":2000,\"operator\":3500,\"providers\":4000}"));
	assert_int_equal(h_out_uint(&h, "version"), 1);
	json_t *g = h_rec(&h, "grant", "g1");
	json_t *res = json_object_get(g, "resources");
	assert_int_equal(json_array_size(res), 2);
	assert_string_equal(json_string_value(json_array_get(res, 0)), "r1");
	assert_string_equal(json_string_value(json_array_get(res, 1)), "r5");
	assert_int_equal(jint(json_object_get(g, "split_bp"), "operator"), 3500);
	assert_string_equal(json_object_iter_key(json_object_iter(json_object_get(g, "split_bp"))), "providers");
	assert_int_equal(jint(g, "version"), 1);
	json_decref(g);
	json_t *ix = h_rec(&h, "gres", "r5/g1");
	assert_non_null(ix);
	json_decref(ix);
	assert_null(h_rec(&h, "gres", "r2/g1"));
	json_t *a = h_rec(&h, "gamend", "g1/1");
	assert_non_null(a);
	assert_string_equal(jstr(a, "reason"), "catalog decision");
	assert_int_equal(json_array_size(json_object_get(a, "add")), 1);
	json_decref(a);
	/* r2 is free again for an exclusive overall grant; r5 is not */
	h_ok(&h, issue("g2", "op-2", "[\"r2\"]", 1));
	h_rule(&h, issue("g3", "op-2", "[\"r5\"]", 1), "grant.exclusive_conflict");
	/* an amendment cannot add a resource an exclusive overall grant holds */
	h_rule(&h, h_fmt(am, "authority", "g1", ",\"add_resources\":[\"r2\"]"), "grant.resource_exclusive");
	/* version 2; calls see the new resources at once */
	h_ok(&h, h_fmt(am, "authority", "g1", ",\"add_resources\":[\"r4\"]"));
	assert_int_equal(h_out_uint(&h, "version"), 2);
	h_ok(&h, "{\"type\":\"developer.admit\",\"actor\":\"op-1\",\"body\":{\"grant_id\":\"g1\",\"developer\":"
	         "\"dev-1\",\"controlled\":false}}");
	h_ok(&h, "{\"type\":\"call.request\",\"actor\":\"dev-1\",\"body\":{\"call_id\":\"c1\",\"grant_id\":\"g1\","
	         "\"resources\":[\"r4\",\"r5\"],\"purpose\":\"p\"}}");
	h_rule(&h, "{\"type\":\"call.request\",\"actor\":\"dev-1\",\"body\":{\"call_id\":\"c2\",\"grant_id\":"
	           "\"g1\",\"resources\":[\"r2\"],\"purpose\":\"p\"}}",
	       "call.resource_not_in_grant");
	/* a terminated or an expired grant is not amended */
	h_ok(&h, issue_act("authority", "g8", "op-1", "overall", "[\"r1\"]", "2026-10-01", "2026-12-31", NULL, 0, NULL));
	h_ok(&h, act1("grant.terminate", "authority", "{\"grant_id\":\"g2\",\"reason\":\"breach\",\"note\":\"\"}"));
	h_rule(&h, h_fmt(am, "authority", "g2", ",\"add_resources\":[\"r5\"]"), "grant.terminated");
	h_time(&h, "2027-01-01T00:00:00");
	h_rule(&h, h_fmt(am, "authority", "g8", ",\"add_resources\":[\"r5\"]"), "grant.expired");
	h_close(&h);
}

/* grant.amend honours registration_required, and holds at most 256 resources. */
static void
test_amend_registration_and_size(void **state)
{
	(void)state;
	struct h h;
	setup_policy(&h, H_POLICY_WUHAN);
	h_register(&h, "reg-1", "prov-1", "a-r1", "R", "r1");
	h_ok(&h, issue_act("authority", "g1", "op-1", "domain", "[\"r1\"]", "2026-10-01", "2029-09-30", NULL, 0, NULL));
	const char *add = "{\"type\":\"grant.amend\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\","
	                  "\"add_resources\":[\"r2\"],\"reason\":\"approved by catalog.decide\"}}";
	h_rule(&h, add, "grant.resource_not_registered");
	h_register(&h, "reg-1", "prov-1", "a-r2", "R", "r2");
	h_ok(&h, add);
	h_close(&h);

	setup(&h);
	char list[256 * 8 + 8];
	size_t o = 0;
	list[o++] = '[';
	for (int i = 0; i < 256; i++) {
		char id[16];
		snprintf(id, sizeof id, "x%d", i);
		publish(&h, id, NULL);
		o += (size_t)snprintf(list + o, sizeof list - o, "%s\"%s\"", i ? "," : "", id);
	}
	list[o++] = ']';
	list[o] = 0;
	h_ok(&h, issue("g1", "op-1", list, 0));
	h_rule(&h, "{\"type\":\"grant.amend\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\","
	           "\"add_resources\":[\"r1\"],\"reason\":\"one more\"}}",
	       "grant.too_many_resources");
	h_ok(&h, "{\"type\":\"grant.amend\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\","
	         "\"add_resources\":[\"r1\"],\"remove_resources\":[\"x0\"],\"reason\":\"swap\"}}");
	h_close(&h);
}

/* ---- grant.rectify, missed_targets, retention, exit_attest ---- */

static void
test_rectify_and_missed_targets(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, issue("g1", "op-1", "[\"r1\"]", 0));
	const char *missed = "{\"grant_id\":\"g1\",\"reason\":\"missed_targets\",\"note\":\"targets missed\"}";
	const char *rect = "{\"type\":\"grant.rectify\",\"actor\":\"%s\",\"body\":{\"grant_id\":\"%s\","
	                   "\"notice_id\":\"%s\",\"items\":%s,\"due\":\"%s\"}}";
	/* no notice: refused */
	h_rule(&h, act1("grant.terminate", "authority", missed), "grant.rectification_not_due");
	h_err(&h, h_fmt(rect, "op-1", "g1", "n1", "[\"x\"]", "2026-12-31"), PDL_EROLE);
	h_rule(&h, h_fmt(rect, "authority", "g9", "n1", "[\"x\"]", "2026-12-31"), "grant.unknown");
	h_rule(&h, h_fmt(rect, "authority", "g1", "n1", "[]", "2026-12-31"), "grant.rectify_items_empty");
	h_rule(&h, h_fmt(rect, "authority", "g1", "n1", "[\"x\"]", "2026-10-09"), "grant.rectify_due_past");
	h_ok(&h, h_fmt(rect, "authority", "g1", "n1", "[\"usage below target\",\"late report\"]", "2026-12-31"));
	json_t *n = h_rec(&h, "rectify", "n1");
	assert_string_equal(jstr(n, "grant_id"), "g1");
	assert_string_equal(jstr(n, "due"), "2026-12-31");
	assert_int_equal((uint64_t)jint(n, "due_ms"), h_ms("2027-01-01T00:00:00"));
	json_decref(n);
	h_rule(&h, h_fmt(rect, "authority", "g1", "n1", "[\"x\"]", "2027-01-31"), "grant.rectify_id_taken");
	/* a later notice does not postpone the earlier deadline */
	h_ok(&h, h_fmt(rect, "authority", "g1", "n2", "[\"x\"]", "2027-03-31"));
	/* not before the due date has passed: the last millisecond of 12-31 is still inside */
	h_time(&h, "2026-12-31T23:59:59");
	h_rule(&h, act1("grant.terminate", "authority", missed), "grant.rectification_not_due");
	/* other reasons never needed a notice */
	h_ok(&h, issue("g2", "op-2", "[\"r2\"]", 0));
	h_ok(&h, act1("grant.terminate", "authority", "{\"grant_id\":\"g2\",\"reason\":\"breach\",\"note\":\"\"}"));
	assert_string_equal(h_out_str(&h, "logs_retain_until"), "2027-12-31");
	h_rule(&h, h_fmt(rect, "authority", "g2", "n3", "[\"x\"]", "2027-03-31"), "grant.terminated");
	h_time(&h, "2027-01-01T00:00:00");
	h_ok(&h, act1("grant.terminate", "authority", missed));
	assert_string_equal(h_out_str(&h, "logs_retain_until"), "2028-01-01");
	json_t *g = h_rec(&h, "grant", "g1");
	assert_string_equal(jstr(g, "logs_retain_until"), "2028-01-01");
	assert_string_equal(jstr(g, "reason"), "missed_targets");
	json_decref(g);
	h_close(&h);

	/* the retention is the policy's, from the exit date; month ends clamp */
	setup_policy(&h, "{\"accept_wd\":3,\"notice_wd\":10,\"grant_months_max\":60,\"trial_months_max\":6,"
	                 "\"blob_bytes_max\":32768,\"log_retention_months\":13}");
	h_ok(&h, issue("g1", "op-1", "[\"r1\"]", 0));
	h_time(&h, "2027-01-31T10:00:00");
	h_ok(&h, act1("grant.terminate", "authority", "{\"grant_id\":\"g1\",\"reason\":\"expiry\",\"note\":\"\"}"));
	assert_string_equal(h_out_str(&h, "logs_retain_until"), "2028-02-29");
	h_close(&h);
}

static void
test_exit_attest(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, issue("g1", "op-1", "[\"r1\"]", 0));
	h_deposit(&h, "op-1", "ev-deletion");
	h_deposit(&h, "op-1", "ev-handover");
	h_deposit(&h, "op-2", "ev-other");
	const char *att = "{\"grant_id\":\"%s\",\"deletion\":\"%s\"%s}";
	h_err(&h, act1("grant.exit_attest", "authority", h_fmt(att, "g1", "ev-deletion", "")), PDL_EROLE);
	h_rule(&h, act1("grant.exit_attest", "op-1", h_fmt(att, "g9", "ev-deletion", "")), "grant.unknown");
	h_rule(&h, act1("grant.exit_attest", "op-2", h_fmt(att, "g1", "ev-other", "")), "grant.not_grantee");
	h_rule(&h, act1("grant.exit_attest", "op-1", h_fmt(att, "g1", "ev-deletion", "")), "grant.not_terminated");
	h_ok(&h, act1("grant.terminate", "authority",
	              "{\"grant_id\":\"g1\",\"reason\":\"requested_exit\",\"note\":\"\"}"));
	h_rule(&h, act1("grant.exit_attest", "op-1", h_fmt(att, "g1", "ev-other", "")), "grant.exit_evidence_not_deposited");
	h_rule(&h, act1("grant.exit_attest", "op-1", h_fmt(att, "g1", "ev-none", "")), "grant.exit_evidence_not_deposited");
	h_rule(&h, act1("grant.exit_attest", "op-1", h_fmt(att, "g1", "ev-deletion", ",\"handover\":\"ev-other\"")),
	       "grant.exit_evidence_not_deposited");
	uint64_t seq = h_ok(&h, act1("grant.exit_attest", "op-1",
	                             h_fmt(att, "g1", "ev-deletion", ",\"handover\":\"ev-handover\"")));
	json_t *g = h_rec(&h, "grant", "g1");
	assert_string_equal(jstr(g, "exit_deletion"), "ev-deletion");
	assert_string_equal(jstr(g, "exit_handover"), "ev-handover");
	assert_int_equal((uint64_t)jint(g, "exit_seq"), seq);
	json_decref(g);
	h_rule(&h, act1("grant.exit_attest", "op-1", h_fmt(att, "g1", "ev-deletion", "")), "grant.exit_attested");
	h_close(&h);
}

/* ---- grant.suspend / resume ---- */

static void
test_suspend_resume(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, issue("g1", "op-1", "[\"r1\"]", 0));
	const char *admit = "{\"type\":\"developer.admit\",\"actor\":\"op-1\",\"body\":{\"grant_id\":\"g1\","
	                    "\"developer\":\"dev-1\",\"controlled\":false}}";
	h_err(&h, act1("grant.suspend", "op-1", "{\"grant_id\":\"g1\",\"reason\":\"x\"}"), PDL_EROLE);
	h_rule(&h, act1("grant.suspend", "authority", "{\"grant_id\":\"g9\",\"reason\":\"x\"}"), "grant.unknown");
	h_rule(&h, act1("grant.resume", "authority", "{\"grant_id\":\"g1\",\"reason\":\"x\"}"), "grant.bad_state");
	h_err(&h, act1("grant.suspend", "authority", "{\"grant_id\":\"g1\",\"reason\":\"\"}"), PDL_EFIELD);
	h_ok(&h, act1("grant.suspend", "authority", "{\"grant_id\":\"g1\",\"reason\":\"late report\"}"));
	json_t *g = h_rec(&h, "grant", "g1");
	assert_string_equal(jstr(g, "status"), "suspended");
	assert_string_equal(jstr(g, "reason"), "late report");
	json_decref(g);
	h_rule(&h, act1("grant.suspend", "authority", "{\"grant_id\":\"g1\",\"reason\":\"x\"}"), "grant.bad_state");
	h_rule(&h, admit, "grant.suspended");
	h_ok(&h, act1("grant.resume", "authority", "{\"grant_id\":\"g1\",\"reason\":\"report filed\"}"));
	g = h_rec(&h, "grant", "g1");
	assert_string_equal(jstr(g, "status"), "active");
	json_decref(g);
	h_ok(&h, admit);
	h_close(&h);
}

/* ---- grant.terminate: closes every permission at once ---- */

static void
test_terminate_closes_everything(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, issue("g1", "op-1", "[\"r1\",\"r2\"]", 0));
	for (int i = 1; i <= 2; i++)
		h_ok(&h, h_fmt("{\"type\":\"developer.admit\",\"actor\":\"op-1\",\"body\":{\"grant_id\":\"g1\","
		               "\"developer\":\"dev-%d\",\"controlled\":false}}",
		               i));
	for (int i = 1; i <= 5; i++)
		h_ok(&h, h_fmt("{\"type\":\"call.request\",\"actor\":\"dev-1\",\"body\":{\"call_id\":\"c%d\",\"grant_id\":"
		               "\"g1\",\"resources\":[\"r1\"],\"purpose\":\"model training\"}}",
		               i));
	h_ok(&h, act1("call.approve", "op-1", "{\"call_id\":\"c2\"}"));
	h_ok(&h, act1("call.reject", "op-1", "{\"call_id\":\"c3\",\"reason\":\"purpose unclear\"}"));
	h_ok(&h, act1("call.escalate", "op-1", "{\"call_id\":\"c4\",\"risk\":\"privacy\",\"note\":\"\"}"));
	h_ok(&h, act1("call.approve", "op-1", "{\"call_id\":\"c5\"}"));
	for (int i = 1; i <= 2; i++)
		h_ok(&h, h_fmt("{\"type\":\"product.submit\",\"actor\":\"dev-1\",\"body\":{\"product_id\":\"p%d\","
		               "\"grant_id\":\"g1\",\"name\":\"P\",\"inputs\":{\"resources\":[\"r1\"],\"products\":[]},"
		               "\"category\":\"public_welfare\",\"price_fen\":0,\"unit\":\"per_call\"}}",
		               i));
	h_ok(&h, act1("product.review", "op-1", "{\"product_id\":\"p2\",\"outcome\":\"fail\",\"notes\":\"leaks\"}"));
	h_ok(&h, act1("developer.remove", "op-1", "{\"grant_id\":\"g1\",\"developer\":\"dev-2\",\"reason\":\"left\"}"));

	const char *term = "{\"grant_id\":\"g1\",\"reason\":\"breach\",\"note\":\"data resold\"}";
	h_err(&h, act1("grant.terminate", "op-1", term), PDL_EROLE);
	h_err(&h, act1("grant.terminate", "authority", "{\"grant_id\":\"g1\",\"reason\":\"bored\",\"note\":\"\"}"),
	      PDL_EFIELD);
	h_rule(&h, act1("grant.terminate", "authority", "{\"grant_id\":\"g9\",\"reason\":\"breach\",\"note\":\"\"}"),
	       "grant.unknown");
	h_ok(&h, act1("grant.terminate", "authority", term));
	json_t *closed = json_object_get(h.outcome, "closed");
	assert_non_null(closed);
	assert_int_equal(jint(closed, "developers"), 1);   /* dev-1; dev-2 was removed */
	assert_int_equal(jint(closed, "calls"), 4);        /* c1 requested, c2 c5 approved, c4 escalated */
	assert_int_equal(jint(closed, "products"), 1);     /* p1 submitted; p2 failed review */
	json_t *g = h_rec(&h, "grant", "g1");
	assert_string_equal(jstr(g, "status"), "terminated");
	assert_string_equal(jstr(g, "reason"), "breach");
	assert_string_equal(jstr(g, "note"), "data resold");
	json_decref(g);
	h_rule(&h, act1("grant.terminate", "authority", term), "grant.bad_state");
	h_rule(&h, act1("grant.resume", "authority", "{\"grant_id\":\"g1\",\"reason\":\"x\"}"), "grant.bad_state");
	h_rule(&h, act1("grant.suspend", "authority", "{\"grant_id\":\"g1\",\"reason\":\"x\"}"), "grant.bad_state");

	/* every later act relying on the grant is refused */
	h_rule(&h, "{\"type\":\"developer.admit\",\"actor\":\"op-1\",\"body\":{\"grant_id\":\"g1\",\"developer\":"
	           "\"dev-2\",\"controlled\":false}}",
	       "grant.terminated");
	h_rule(&h, "{\"type\":\"call.request\",\"actor\":\"dev-1\",\"body\":{\"call_id\":\"c9\",\"grant_id\":\"g1\","
	           "\"resources\":[\"r1\"],\"purpose\":\"p\"}}",
	       "grant.terminated");
	h_rule(&h, act1("call.approve", "op-1", "{\"call_id\":\"c1\"}"), "grant.terminated");
	h_rule(&h, act1("call.reject", "op-1", "{\"call_id\":\"c1\",\"reason\":\"r\"}"), "grant.terminated");
	h_rule(&h, act1("call.assess", "authority", "{\"call_id\":\"c4\",\"decision\":\"approve\",\"reason\":\"ok\"}"),
	       "grant.terminated");
	h_rule(&h, "{\"type\":\"call.usage\",\"actor\":\"op-1\",\"body\":{\"call_id\":\"c2\",\"resource_id\":\"r1\","
	           "\"period\":\"2026-10\",\"records\":10,\"bytes\":100}}",
	       "grant.terminated");
	h_rule(&h, act1("grant.report", "op-1", "{\"grant_id\":\"g1\",\"year\":2026,\"summary\":\"s\"}"),
	       "grant.terminated");
	/* removal needs no permission; the evaluation may still be recorded */
	h_ok(&h, act1("developer.remove", "op-1", "{\"grant_id\":\"g1\",\"developer\":\"dev-1\",\"reason\":\"ended\"}"));
	h_ok(&h, act1("grant.evaluate", "authority",
	              "{\"grant_id\":\"g1\",\"year\":2026,\"result\":\"fail\",\"notes\":\"terminated for breach\"}"));
	h_close(&h);
}

/* ---- pdl_grant_check: expiry and start ---- */

static void
test_expiry_and_start(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, issue_act("authority", "g1", "op-1", "overall", "[\"r1\"]", "2026-10-01", "2026-12-31", NULL, 0, NULL));
	h_ok(&h, issue_act("authority", "g2", "op-1", "overall", "[\"r2\"]", "2027-01-01", "2027-12-31", NULL, 0, NULL));
	const char *admit = "{\"type\":\"developer.admit\",\"actor\":\"op-1\",\"body\":{\"grant_id\":\"%s\","
	                    "\"developer\":\"%s\",\"controlled\":false}}";
	h_rule(&h, h_fmt(admit, "g2", "dev-1"), "grant.not_started");
	h_rule(&h, h_fmt(admit, "g9", "dev-1"), "grant.unknown");
	h_ok(&h, h_fmt(admit, "g1", "dev-1"));
	h_ok(&h, "{\"type\":\"call.request\",\"actor\":\"dev-1\",\"body\":{\"call_id\":\"c1\",\"grant_id\":\"g1\","
	         "\"resources\":[\"r1\"],\"purpose\":\"p\"}}");
	h_ok(&h, act1("call.approve", "op-1", "{\"call_id\":\"c1\"}"));
	/* the last millisecond of the end date is still inside the term */
	h_time(&h, "2026-12-31T23:59:59");
	h_ok(&h, h_fmt(admit, "g1", "dev-2"));
	h_time(&h, "2027-01-01T00:00:00");
	h_rule(&h, h_fmt(admit, "g1", "dev-1"), "grant.expired");
	h_rule(&h, "{\"type\":\"call.request\",\"actor\":\"dev-1\",\"body\":{\"call_id\":\"c2\",\"grant_id\":\"g1\","
	           "\"resources\":[\"r1\"],\"purpose\":\"p\"}}",
	       "grant.expired");
	h_rule(&h, "{\"type\":\"call.usage\",\"actor\":\"op-1\",\"body\":{\"call_id\":\"c1\",\"resource_id\":\"r1\","
	           "\"period\":\"2026-12\",\"records\":10,\"bytes\":100}}",
	       "grant.expired");
	/* g2 has started */
	h_ok(&h, h_fmt(admit, "g2", "dev-1"));
	h_close(&h);
}

/* ---- grant.report / grant.evaluate ---- */

static void
test_report(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, issue("g1", "op-1", "[\"r1\"]", 0));
	const char *digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	h_err(&h, act1("grant.report", "dev-1", "{\"grant_id\":\"g1\",\"year\":2026,\"summary\":\"s\"}"), PDL_EROLE);
	h_rule(&h, act1("grant.report", "op-1", "{\"grant_id\":\"g9\",\"year\":2026,\"summary\":\"s\"}"),
	       "grant.unknown");
	h_rule(&h, act1("grant.report", "op-2", "{\"grant_id\":\"g1\",\"year\":2026,\"summary\":\"s\"}"),
	       "grant.not_grantee");
	h_rule(&h, act1("grant.report", "op-1", "{\"grant_id\":\"g1\",\"year\":2025,\"summary\":\"s\"}"),
	       "grant.bad_year");
	h_rule(&h, act1("grant.report", "op-1", "{\"grant_id\":\"g1\",\"year\":2027,\"summary\":\"s\"}"),
	       "grant.bad_year"); /* not begun yet */
	h_err(&h, act1("grant.report", "op-1", "{\"grant_id\":\"g1\",\"year\":2026,\"summary\":\"s\",\"digest\":\"ab\"}"),
	      PDL_EFIELD);
	uint64_t seq = h_ok(&h, act1("grant.report", "op-1",
	                             h_fmt("{\"grant_id\":\"g1\",\"year\":2026,\"summary\":\"first quarter\","
	                                   "\"digest\":\"%s\"}",
	                                   digest)));
	json_t *r = h_rec(&h, "greport", "g1/2026");
	assert_non_null(r);
	assert_string_equal(jstr(r, "operator"), "op-1");
	assert_string_equal(jstr(r, "summary"), "first quarter");
	assert_string_equal(jstr(r, "digest"), digest);
	assert_int_equal((uint64_t)jint(r, "seq"), seq);
	json_decref(r);
	h_rule(&h, act1("grant.report", "op-1", "{\"grant_id\":\"g1\",\"year\":2026,\"summary\":\"again\"}"),
	       "grant.report_exists");
	/* next year, and a year after the term */
	h_time(&h, "2027-01-10T10:00:00");
	h_ok(&h, act1("grant.report", "op-1", "{\"grant_id\":\"g1\",\"year\":2027,\"summary\":\"s\"}"));
	h_time(&h, "2031-01-10T10:00:00");
	h_rule(&h, act1("grant.report", "op-1", "{\"grant_id\":\"g1\",\"year\":2030,\"summary\":\"s\"}"),
	       "grant.bad_year");
	/* a suspended or expired grant is still reported on */
	h_ok(&h, act1("grant.report", "op-1", "{\"grant_id\":\"g1\",\"year\":2029,\"summary\":\"final\"}"));
	h_close(&h);
}

static void
test_evaluate(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, issue("g1", "op-1", "[\"r1\"]", 0));
	const char *ev = "{\"grant_id\":\"g1\",\"year\":2026,\"result\":\"good\",\"notes\":\"on target\"}";
	h_err(&h, act1("grant.evaluate", "op-1", ev), PDL_EROLE);
	h_err(&h, act1("grant.evaluate", "authority", "{\"grant_id\":\"g1\",\"year\":2026,\"result\":\"meh\",\"notes\":\"\"}"),
	      PDL_EFIELD);
	h_rule(&h, act1("grant.evaluate", "authority",
	                "{\"grant_id\":\"g9\",\"year\":2026,\"result\":\"good\",\"notes\":\"\"}"),
	       "grant.unknown");
	h_rule(&h, act1("grant.evaluate", "authority",
	                "{\"grant_id\":\"g1\",\"year\":2028,\"result\":\"good\",\"notes\":\"\"}"),
	       "grant.bad_year");
	uint64_t seq = h_ok(&h, act1("grant.evaluate", "authority", ev));
	json_t *r = h_rec(&h, "geval", "g1/2026");
	assert_non_null(r);
	assert_string_equal(jstr(r, "authority"), "authority");
	assert_string_equal(jstr(r, "result"), "good");
	assert_string_equal(jstr(r, "notes"), "on target");
	assert_int_equal((uint64_t)jint(r, "seq"), seq);
	json_decref(r);
	h_rule(&h, act1("grant.evaluate", "authority", ev), "grant.evaluation_exists");
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_ok),
		cmocka_unit_test(test_issue_roles_and_fields),
		cmocka_unit_test(test_issue_id_operator_resources),
		cmocka_unit_test(test_issue_source_consent),
		cmocka_unit_test(test_issue_terms),
		cmocka_unit_test(test_issue_exclusive_split),
		cmocka_unit_test(test_issue_exclusivity),
		cmocka_unit_test(test_issue_documents),
		cmocka_unit_test(test_issue_registration),
		cmocka_unit_test(test_issue_total_term),
		cmocka_unit_test(test_amend),
		cmocka_unit_test(test_amend_registration_and_size),
		cmocka_unit_test(test_rectify_and_missed_targets),
		cmocka_unit_test(test_exit_attest),
		cmocka_unit_test(test_suspend_resume),
		cmocka_unit_test(test_terminate_closes_everything),
		cmocka_unit_test(test_expiry_and_start),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_evaluate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
