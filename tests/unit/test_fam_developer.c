/* test_fam_developer.c — developer.admit, developer.remove,
 * developer.apply, developer.refuse and pdl_developer_check: every rule id
 * of the developer family, the happy paths, and that a refusal is a
 * decision dispute.file may name. */
#include "harness.h"

static void
publish(struct h *h, const char *id)
{
	h_ok(h, h_fmt("{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"%s\",\"name\":"
	              "\"Resource %s\",\"items\":[\"a\"],\"format\":\"csv\",\"update_frequency\":\"daily\","
	              "\"usage_conditions\":\"\",\"level\":1,\"attribute\":\"open\"}}",
	              id, id));
}

/* Parties, r1, and grant g1 of op-1 over r1 (2026-10-01 .. 2029-09-30). */
static void
setup(struct h *h)
{
	h_open(h);
	h_party(h, "prov-1", "provider");
	h_party(h, "op-1", "operator");
	h_party(h, "op-2", "operator");
	h_party(h, "dev-1", "developer");
	h_party(h, "dev-2", "developer,operator");
	publish(h, "r1");
	h_agreement(h);
	h_ok(h, "{\"type\":\"grant.issue\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\",\"operator\":\"op-1\","
	        "\"mode\":\"domain\",\"resources\":[\"r1\"],\"scope\":\"s\",\"start\":\"2026-10-01\",\"end\":"
	        "\"2029-09-30\",\"exclusive\":false,\"split_bp\":{\"providers\":5000,\"operator\":3000,\"developer\":"
	        "2000,\"authority\":0},\"fee_cap_fen\":0,\"agreement\":\"ev-agreement\"}}");
}

static const char *
admit(const char *actor, const char *gid, const char *dev, int controlled)
{
	return h_fmt("{\"type\":\"developer.admit\",\"actor\":\"%s\",\"body\":{\"grant_id\":\"%s\",\"developer\":\"%s\","
	             "\"controlled\":%s}}",
	             actor, gid, dev, controlled ? "true" : "false");
}

static const char *
remove_act(const char *actor, const char *gid, const char *dev)
{
	return h_fmt("{\"type\":\"developer.remove\",\"actor\":\"%s\",\"body\":{\"grant_id\":\"%s\",\"developer\":\"%s\","
	             "\"reason\":\"contract ended\"}}",
	             actor, gid, dev);
}

static const char *
request(const char *dev, const char *cid)
{
	return h_fmt("{\"type\":\"call.request\",\"actor\":\"%s\",\"body\":{\"call_id\":\"%s\",\"grant_id\":\"g1\","
	             "\"resources\":[\"r1\"],\"purpose\":\"p\"}}",
	             dev, cid);
}

static void
test_admit(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_err(&h, admit("dev-1", "g1", "dev-1", 0), PDL_EROLE);
	h_err(&h, "{\"type\":\"developer.admit\",\"actor\":\"op-1\",\"body\":{\"grant_id\":\"g1\",\"developer\":"
	          "\"dev-1\"}}",
	      PDL_EFIELD);
	h_rule(&h, admit("op-1", "g9", "dev-1", 0), "grant.unknown");
	h_rule(&h, admit("op-2", "g1", "dev-1", 0), "developer.not_grant_operator");
	h_rule(&h, admit("op-1", "g1", "op-2", 0), "developer.not_a_developer");
	h_rule(&h, admit("op-1", "g1", "nobody", 0), "developer.not_a_developer");
	uint64_t seq = h_ok(&h, admit("op-1", "g1", "dev-1", 1));
	json_t *d = h_rec(&h, "dev", "g1/dev-1");
	assert_non_null(d);
	assert_true(json_is_true(json_object_get(d, "controlled")));
	assert_string_equal(json_string_value(json_object_get(d, "status")), "admitted");
	assert_int_equal(json_integer_value(json_object_get(d, "seq")), seq);
	json_decref(d);
	h_rule(&h, admit("op-1", "g1", "dev-1", 0), "developer.already_admitted");
	/* a party with developer among its roles is a developer */
	h_ok(&h, admit("op-1", "g1", "dev-2", 0));
	h_close(&h);
}

static void
test_remove_and_readmit(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, admit("op-1", "g1", "dev-1", 1));
	h_ok(&h, request("dev-1", "c1"));
	h_err(&h, remove_act("dev-1", "g1", "dev-1"), PDL_EROLE);
	h_rule(&h, remove_act("op-1", "g9", "dev-1"), "grant.unknown");
	h_rule(&h, remove_act("op-2", "g1", "dev-1"), "developer.not_grant_operator");
	h_rule(&h, remove_act("op-1", "g1", "dev-2"), "developer.not_admitted");
	h_ok(&h, remove_act("op-1", "g1", "dev-1"));
	json_t *d = h_rec(&h, "dev", "g1/dev-1");
	assert_string_equal(json_string_value(json_object_get(d, "status")), "removed");
	assert_string_equal(json_string_value(json_object_get(d, "reason")), "contract ended");
	json_decref(d);
	h_rule(&h, remove_act("op-1", "g1", "dev-1"), "developer.not_admitted");
	/* a removed developer can no longer request calls, nor have them approved */
	h_rule(&h, request("dev-1", "c2"), "developer.not_admitted");
	h_rule(&h, "{\"type\":\"call.approve\",\"actor\":\"op-1\",\"body\":{\"call_id\":\"c1\"}}",
	       "developer.not_admitted");
	/* re-admission is a new admission */
	uint64_t seq = h_ok(&h, admit("op-1", "g1", "dev-1", 0));
	d = h_rec(&h, "dev", "g1/dev-1");
	assert_string_equal(json_string_value(json_object_get(d, "status")), "admitted");
	assert_false(json_is_true(json_object_get(d, "controlled")));
	assert_int_equal(json_integer_value(json_object_get(d, "seq")), seq);
	assert_null(json_object_get(d, "reason"));
	json_decref(d);
	h_ok(&h, request("dev-1", "c2"));
	h_close(&h);
}

static void
test_grant_closed(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, admit("op-1", "g1", "dev-1", 0));
	h_ok(&h, "{\"type\":\"grant.suspend\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\",\"reason\":\"r\"}}");
	h_rule(&h, admit("op-1", "g1", "dev-2", 0), "grant.suspended");
	/* removal needs no permission under the grant */
	h_ok(&h, remove_act("op-1", "g1", "dev-1"));
	h_ok(&h, "{\"type\":\"grant.terminate\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\",\"reason\":"
	         "\"requested_exit\",\"note\":\"\"}}");
	h_rule(&h, admit("op-1", "g1", "dev-1", 0), "grant.terminated");
	h_close(&h);
}

static const char *
apply(const char *dev, const char *gid, const char *qual)
{
	return h_fmt("{\"type\":\"developer.apply\",\"actor\":\"%s\",\"body\":{\"grant_id\":\"%s\",\"qualification\":"
	             "\"%s\"}}",
	             dev, gid, qual);
}

static const char *
refuse(const char *actor, const char *gid, const char *dev)
{
	return h_fmt("{\"type\":\"developer.refuse\",\"actor\":\"%s\",\"body\":{\"grant_id\":\"%s\",\"developer\":"
	             "\"%s\",\"reason\":\"no data-security certification\"}}",
	             actor, gid, dev);
}

static void
test_apply_refuse(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_deposit(&h, "dev-1", "ev-q1");
	h_deposit(&h, "dev-2", "ev-q2");
	h_err(&h, apply("op-1", "g1", "ev-q1"), PDL_EROLE);
	h_rule(&h, apply("dev-1", "g9", "ev-q1"), "grant.unknown");
	h_rule(&h, apply("dev-1", "g1", "ev-q2"), "developer.qualification_not_deposited");
	h_rule(&h, apply("dev-1", "g1", "ev-none"), "developer.qualification_not_deposited");
	uint64_t seq = h_ok(&h, apply("dev-1", "g1", "ev-q1"));
	json_t *r = h_rec(&h, "devapp", "g1/dev-1");
	assert_string_equal(json_string_value(json_object_get(r, "status")), "applied");
	assert_string_equal(json_string_value(json_object_get(r, "qualification")), "ev-q1");
	assert_int_equal((uint64_t)json_integer_value(json_object_get(r, "seq")), seq);
	json_decref(r);
	h_rule(&h, apply("dev-1", "g1", "ev-q1"), "developer.application_pending");
	/* refusal: the grant's operator, a pending application */
	h_err(&h, refuse("dev-1", "g1", "dev-1"), PDL_EROLE);
	h_rule(&h, refuse("op-2", "g1", "dev-1"), "developer.not_grant_operator");
	h_rule(&h, refuse("op-1", "g1", "dev-2"), "developer.no_application");
	uint64_t rseq = h_ok(&h, refuse("op-1", "g1", "dev-1"));
	r = h_rec(&h, "devapp", "g1/dev-1");
	assert_string_equal(json_string_value(json_object_get(r, "status")), "refused");
	assert_string_equal(json_string_value(json_object_get(r, "reason")), "no data-security certification");
	assert_int_equal((uint64_t)json_integer_value(json_object_get(r, "decided_seq")), rseq);
	json_decref(r);
	h_rule(&h, refuse("op-1", "g1", "dev-1"), "developer.no_application");
	/* the refusal is a decision the developer may dispute */
	uint64_t dseq = h_ok(&h, h_fmt("{\"type\":\"dispute.file\",\"actor\":\"dev-1\",\"body\":{\"dispute_id\":\"d-1\","
	                               "\"subject_seq\":%llu,\"reason\":\"the certificate was attached\"}}",
	                               (unsigned long long)rseq));
	(void)dseq;
	json_t *d = h_rec(&h, "disp", "d-1");
	assert_string_equal(json_string_value(json_object_get(d, "subject_type")), "developer.refuse");
	json_decref(d);
	/* a refused developer may apply again; an admission decides the application */
	h_ok(&h, apply("dev-1", "g1", "ev-q1"));
	h_ok(&h, admit("op-1", "g1", "dev-1", 0));
	r = h_rec(&h, "devapp", "g1/dev-1");
	assert_string_equal(json_string_value(json_object_get(r, "status")), "admitted");
	json_decref(r);
	h_rule(&h, apply("dev-1", "g1", "ev-q1"), "developer.already_admitted");
	h_rule(&h, refuse("op-1", "g1", "dev-1"), "developer.no_application");
	/* the refusal is public without its reason; the application is private */
	const struct pdl_act_def *def = pdl_rules_find("developer.refuse", 16);
	assert_non_null(def);
	assert_int_equal(def->vis, PDL_VIS_PUBLIC_WITHOUT);
	assert_string_equal(def->withheld, "reason");
	assert_int_equal(pdl_act_public("developer.refuse", 16, 0), 0);
	assert_int_equal(pdl_act_public("developer.apply", 15, 0), 0);
	/* no application on a grant that is not active */
	h_ok(&h, "{\"type\":\"grant.suspend\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\",\"reason\":\"x\"}}");
	h_rule(&h, apply("dev-2", "g1", "ev-q2"), "grant.suspended");
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admit),
		cmocka_unit_test(test_remove_and_readmit),
		cmocka_unit_test(test_grant_closed),
		cmocka_unit_test(test_apply_refuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
