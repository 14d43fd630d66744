/* test_fam_disclosure.c — disclosure.publish: every rule id, and the late
 * flag against the policy's disclosure_due of the next year (the NDA's
 * 2026 notice: by 31 March for the previous year). */
#include "harness.h"

static void
setup(struct h *h, const char *policy)
{
	h_open_policy(h, policy);
	h_party(h, "prov-1", "provider");
	h_party(h, "op-1", "operator");
	h_party(h, "op-2", "operator");
	h_ok(h, "{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"r1\",\"name\":\"R\","
	        "\"items\":[\"a\"],\"format\":\"csv\",\"update_frequency\":\"daily\",\"usage_conditions\":\"\",\"level\":1,"
	        "\"attribute\":\"open\"}}");
	h_agreement(h);
	h_ok(h, "{\"type\":\"grant.issue\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\",\"operator\":\"op-1\","
	        "\"mode\":\"domain\",\"resources\":[\"r1\"],\"scope\":\"s\",\"start\":\"2026-09-07\",\"end\":\"2029-09-06\","
	        "\"exclusive\":false,\"split_bp\":{\"providers\":4000,\"operator\":3000,\"developer\":2000,\"authority\":1000},"
	        "\"fee_cap_fen\":1000,\"agreement\":\"ev-agreement\"}}");
	h_deposit(h, "op-1", "ev-op1-2026");
	h_deposit(h, "authority", "ev-auth-2026");
	h_deposit(h, "op-2", "ev-op2-2026");
}

static const char *
publish(const char *actor, int year, const char *report, const char *url)
{
	char u[300] = "";
	if (url != NULL)
		snprintf(u, sizeof u, ",\"url\":\"%s\"", url);
	return h_fmt("{\"type\":\"disclosure.publish\",\"actor\":\"%s\",\"body\":{\"year\":%d,\"report\":\"%s\"%s}}", actor,
	             year, report, u);
}

static int
late(struct h *h)
{
	json_t *v = json_object_get(h->outcome, "late");
	assert_true(json_is_boolean(v));
	return json_is_true(v);
}

static void
test_publish(void **state)
{
	(void)state;
	struct h h;
	setup(&h, "{\"accept_wd\":3,\"notice_wd\":10,\"grant_months_max\":60,\"trial_months_max\":6,"
	          "\"blob_bytes_max\":32768,\"disclosure_due\":\"03-31\"}");
	h_err(&h, publish("prov-1", 2026, "ev-op1-2026", NULL), PDL_EROLE);
	/* an operator without a grant has nothing to disclose */
	h_rule(&h, publish("op-2", 2025, "ev-op2-2026", NULL), "disclosure.not_grantee");
	h_rule(&h, publish("op-1", 1969, "ev-op1-2026", NULL), "disclosure.bad_year");
	/* the year must be over */
	h_rule(&h, publish("op-1", 2026, "ev-op1-2026", NULL), "disclosure.year_not_over");
	h_time(&h, "2027-03-31T23:59:59");
	h_rule(&h, publish("op-1", 2026, "ev-auth-2026", NULL), "disclosure.report_not_deposited");
	h_rule(&h, publish("op-1", 2026, "ev-none", NULL), "disclosure.report_not_deposited");
	/* on the due day: on time */
	uint64_t seq = h_ok(&h, publish("authority", 2026, "ev-auth-2026", "https://sjj.wuhan.gov.cn/2026"));
	assert_false(late(&h));
	json_t *r = h_rec(&h, "discl", "authority/2026");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "report")), "ev-auth-2026");
	assert_string_equal(json_string_value(json_object_get(r, "url")), "https://sjj.wuhan.gov.cn/2026");
	assert_false(json_is_true(json_object_get(r, "late")));
	assert_int_equal((uint64_t)json_integer_value(json_object_get(r, "due_ms")), h_ms("2027-04-01T00:00:00"));
	assert_int_equal((uint64_t)json_integer_value(json_object_get(r, "seq")), seq);
	json_decref(r);
	h_rule(&h, publish("authority", 2026, "ev-auth-2026", NULL), "disclosure.already_published");
	/* the first millisecond of 1 April: late, recorded, not refused */
	h_time(&h, "2027-04-01T00:00:00");
	h_ok(&h, publish("op-1", 2026, "ev-op1-2026", NULL));
	assert_true(late(&h));
	/* an earlier year, years late */
	h_ok(&h, publish("op-1", 2025, "ev-op1-2026", NULL));
	assert_true(late(&h));
	h_close(&h);
}

/* The due date is the policy's; an older genesis gets 03-31. */
static void
test_due_from_policy(void **state)
{
	(void)state;
	struct h h;
	setup(&h, "{\"accept_wd\":3,\"notice_wd\":10,\"grant_months_max\":60,\"trial_months_max\":6,\"blob_bytes_max\":32768,"
	          "\"disclosure_due\":\"04-30\"}");
	h_time(&h, "2027-04-30T12:00:00");
	h_ok(&h, publish("op-1", 2026, "ev-op1-2026", NULL));
	assert_false(late(&h));
	h_close(&h);
	setup(&h, H_POLICY_OLD);
	h_time(&h, "2027-04-30T12:00:00");
	h_ok(&h, publish("op-1", 2026, "ev-op1-2026", NULL));
	assert_true(late(&h));
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_due_from_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
