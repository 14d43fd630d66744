/* test_fam_quality.c — the quality family: reports on listed resources by
 * any party, resolution by the owning provider; every rule id, the records
 * and who may submit. */
#include "harness.h"

static void
setup(struct h *h)
{
	h_open(h);
	h_party(h, "prov-1", "provider");
	h_party(h, "prov-2", "provider");
	h_party(h, "op-1", "operator");
	h_party(h, "dev-1", "developer");
	h_ok(h, "{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"res-1\",\"name\":"
	        "\"Business licences\",\"items\":[\"uscc\",\"name\"],\"format\":\"csv\",\"update_frequency\":\"daily\","
	        "\"usage_conditions\":\"no resale\",\"level\":2,\"attribute\":\"authorized\"}}");
}

static const char *
report(const char *actor, const char *id, const char *res, const char *issue)
{
	return h_fmt("{\"type\":\"quality.report\",\"actor\":\"%s\",\"body\":{\"report_id\":\"%s\",\"resource_id\":"
	             "\"%s\",\"issue\":\"%s\",\"detail\":\"address column holds phone numbers\"}}",
	             actor, id, res, issue);
}

static const char *
resolve(const char *actor, const char *id, const char *rest)
{
	return h_fmt("{\"type\":\"quality.resolve\",\"actor\":\"%s\",\"body\":{\"report_id\":\"%s\"%s}}", actor, id,
	             rest);
}

static const char *
jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "(absent)";
}

static uint64_t
juint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	assert_true(json_is_integer(v));
	return (uint64_t)json_integer_value(v);
}

static void
test_report(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_time(&h, "2026-10-12T08:00:00");
	uint64_t seq = h_ok(&h, report("dev-1", "q-1", "res-1", "error"));
	json_t *r = h_rec(&h, "qual", "q-1");
	assert_non_null(r);
	assert_string_equal(jstr(r, "resource_id"), "res-1");
	assert_string_equal(jstr(r, "provider"), "prov-1");
	assert_string_equal(jstr(r, "by"), "dev-1");
	assert_string_equal(jstr(r, "issue"), "error");
	assert_string_equal(jstr(r, "detail"), "address column holds phone numbers");
	assert_string_equal(jstr(r, "status"), "open");
	assert_int_equal(juint(r, "time_ms"), h_ms("2026-10-12T08:00:00"));
	assert_int_equal(juint(r, "seq"), seq);
	assert_null(json_object_get(r, "resolved_ms"));
	json_decref(r);

	/* any party may report, of every role, on every issue */
	h_ok(&h, report("op-1", "q-2", "res-1", "omission"));
	h_ok(&h, report("prov-2", "q-3", "res-1", "privacy"));
	h_ok(&h, report("authority", "q-4", "res-1", "secret"));
	h_ok(&h, report("prov-1", "q-5", "res-1", "ip"));
	h_close(&h);
}

static void
test_report_rules(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, report("dev-1", "q-1", "res-1", "error"));
	h_rule(&h, report("op-1", "q-1", "res-1", "omission"), "quality.id_taken");
	h_rule(&h, report("dev-1", "q-2", "res-none", "error"), "catalog.unknown_resource");
	h_err(&h, report("dev-1", "q-2", "res-1", "typo"), PDL_EFIELD);
	h_err(&h,
	      "{\"type\":\"quality.report\",\"actor\":\"dev-1\",\"body\":{\"report_id\":\"q-2\",\"resource_id\":"
	      "\"res-1\",\"issue\":\"error\",\"detail\":\"\"}}",
	      PDL_EFIELD);
	h_err(&h, report("nobody", "q-2", "res-1", "error"), PDL_EACTOR);
	h_ok(&h, "{\"type\":\"catalog.withdraw\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"res-1\","
	         "\"reason\":\"retired\"}}");
	h_rule(&h, report("dev-1", "q-2", "res-1", "error"), "catalog.withdrawn");
	assert_null(h_rec(&h, "qual", "q-2"));
	h_close(&h);
}

static void
test_resolve(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, report("dev-1", "q-1", "res-1", "error"));
	h_ok(&h, report("op-1", "q-2", "res-1", "ip"));
	h_time(&h, "2026-10-15T16:00:00");
	h_ok(&h, resolve("prov-1", "q-1", ",\"outcome\":\"corrected\""));
	json_t *r = h_rec(&h, "qual", "q-1");
	assert_string_equal(jstr(r, "status"), "corrected");
	assert_int_equal(juint(r, "resolved_ms"), h_ms("2026-10-15T16:00:00"));
	assert_null(json_object_get(r, "reason"));
	assert_string_equal(jstr(r, "by"), "dev-1");
	json_decref(r);

	h_ok(&h, resolve("prov-1", "q-2", ",\"outcome\":\"rejected\",\"reason\":\"the licence is ours\""));
	r = h_rec(&h, "qual", "q-2");
	assert_string_equal(jstr(r, "status"), "rejected");
	assert_string_equal(jstr(r, "reason"), "the licence is ours");
	json_decref(r);
	h_close(&h);
}

static void
test_resolve_rules(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, report("dev-1", "q-1", "res-1", "error"));
	h_rule(&h, resolve("prov-1", "q-none", ",\"outcome\":\"corrected\""), "quality.unknown_report");
	h_rule(&h, resolve("prov-2", "q-1", ",\"outcome\":\"corrected\""), "quality.not_owner");
	h_err(&h, resolve("dev-1", "q-1", ",\"outcome\":\"corrected\""), PDL_EROLE);
	h_err(&h, resolve("op-1", "q-1", ",\"outcome\":\"corrected\""), PDL_EROLE);
	h_rule(&h, resolve("prov-1", "q-1", ",\"outcome\":\"rejected\""), "quality.reject_needs_reason");
	h_rule(&h, resolve("prov-1", "q-1", ",\"outcome\":\"rejected\",\"reason\":\"\""),
	       "quality.reject_needs_reason");
	h_err(&h, resolve("prov-1", "q-1", ",\"outcome\":\"ignored\""), PDL_EFIELD);
	/* a report outlives its resource's withdrawal and can still be closed */
	h_ok(&h, "{\"type\":\"catalog.withdraw\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"res-1\","
	         "\"reason\":\"retired\"}}");
	h_ok(&h, resolve("prov-1", "q-1", ",\"outcome\":\"corrected\",\"reason\":\"fixed in the last load\""));
	h_rule(&h, resolve("prov-1", "q-1", ",\"outcome\":\"rejected\",\"reason\":\"changed my mind\""),
	       "quality.not_open");
	h_rule(&h, resolve("prov-1", "q-1", ",\"outcome\":\"corrected\""), "quality.not_open");
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_report_rules),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
