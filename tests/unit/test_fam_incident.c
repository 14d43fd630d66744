/* test_fam_incident.c — incident.report: every rule id, the record, and
 * that the entry is private (000 二(五)3: a report to the authority). */
#include "harness.h"

static const char *
report(const char *actor, const char *id, const char *grant, const char *kind)
{
	return h_fmt("{\"type\":\"incident.report\",\"actor\":\"%s\",\"body\":{\"incident_id\":\"%s\",\"grant_id\":\"%s\","
	             "\"kind\":\"%s\",\"summary\":\"a developer shares an owner with the operator's subsidiary\"}}",
	             actor, id, grant, kind);
}

static void
test_report(void **state)
{
	(void)state;
	struct h h;
	h_open(&h);
	h_party(&h, "prov-1", "provider");
	h_party(&h, "op-1", "operator");
	h_party(&h, "op-2", "operator");
	h_ok(&h, "{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"r1\",\"name\":\"R\","
	         "\"items\":[\"a\"],\"format\":\"csv\",\"update_frequency\":\"daily\",\"usage_conditions\":\"\",\"level\":1,"
	         "\"attribute\":\"open\"}}");
	h_agreement(&h);
	h_ok(&h, "{\"type\":\"grant.issue\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\",\"operator\":\"op-1\","
	         "\"mode\":\"domain\",\"resources\":[\"r1\"],\"scope\":\"s\",\"start\":\"2026-09-07\",\"end\":\"2029-09-06\","
	         "\"exclusive\":false,\"split_bp\":{\"providers\":4000,\"operator\":3000,\"developer\":2000,\"authority\":1000},"
	         "\"fee_cap_fen\":1000,\"agreement\":\"ev-agreement\"}}");
	h_err(&h, report("authority", "i1", "g1", "security"), PDL_EROLE);
	h_err(&h, report("op-1", "i1", "g1", "gossip"), PDL_EFIELD);
	h_rule(&h, report("op-1", "i1", "g9", "security"), "grant.unknown");
	h_rule(&h, report("op-2", "i1", "g1", "security"), "incident.not_grantee");
	uint64_t seq = h_ok(&h, report("op-1", "i1", "g1", "hidden_relationship"));
	json_t *r = h_rec(&h, "incident", "i1");
	assert_string_equal(json_string_value(json_object_get(r, "kind")), "hidden_relationship");
	assert_string_equal(json_string_value(json_object_get(r, "operator")), "op-1");
	assert_int_equal((uint64_t)json_integer_value(json_object_get(r, "seq")), seq);
	json_decref(r);
	h_rule(&h, report("op-1", "i1", "g1", "data_leak"), "incident.id_taken");
	/* after an exit the operator still reports */
	h_ok(&h, "{\"type\":\"grant.terminate\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\",\"reason\":"
	         "\"requested_exit\",\"note\":\"\"}}");
	h_ok(&h, report("op-1", "i2", "g1", "data_leak"));
	/* private, so pdld's readers never serve it to the public */
	assert_int_equal(pdl_act_public("incident.report", 15, 0), 0);
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
