/* test_fam_pricing.c — pricing.set_caps: every rule id, the record, and
 * versions (the deduction carried between years is tested with real
 * settlements in test_fam_revenue.c, test_pricing_deduction). */
#include "harness.h"

static void
setup(struct h *h)
{
	h_open(h);
	h_party(h, "prov-1", "provider");
	h_party(h, "op-1", "operator");
	h_ok(h, "{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"r1\",\"name\":\"R\","
	        "\"items\":[\"a\"],\"format\":\"csv\",\"update_frequency\":\"daily\",\"usage_conditions\":\"\",\"level\":1,"
	        "\"attribute\":\"open\"}}");
	h_agreement(h);
	/* 2026-09-07 .. 2029-09-06: a full operating year ends on 2027-09-07 */
	h_ok(h, "{\"type\":\"grant.issue\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\",\"operator\":\"op-1\","
	        "\"mode\":\"overall\",\"resources\":[\"r1\"],\"scope\":\"s\",\"start\":\"2026-09-07\",\"end\":\"2029-09-06\","
	        "\"exclusive\":false,\"split_bp\":{\"providers\":4000,\"operator\":3000,\"developer\":2000,\"authority\":1000},"
	        "\"fee_cap_fen\":1000,\"agreement\":\"ev-agreement\"}}");
}

static const char *
set_caps(const char *actor, const char *grant, int year, const char *caps, const char *allowed, int trial)
{
	return h_fmt("{\"type\":\"pricing.set_caps\",\"actor\":\"%s\",\"body\":{\"grant_id\":\"%s\",\"year\":%d,\"caps\":%s,"
	             "\"allowed_revenue_fen\":%s,\"trial_tariff\":%s}}",
	             actor, grant, year, caps, allowed, trial ? "true" : "false");
}

static void
test_set_caps(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	const char *two = "[{\"unit\":\"per_call\",\"cap_fen\":20},{\"unit\":\"per_month\",\"cap_fen\":90000}]";
	uint64_t seq = h_ok(&h, set_caps("authority", "g1", 2026, two, "5000000", 1));
	assert_int_equal(json_integer_value(json_object_get(h.outcome, "deduction_fen")), 0);
	assert_int_equal(json_integer_value(json_object_get(h.outcome, "effective_allowed_fen")), 5000000);
	json_t *r = h_rec(&h, "pcaps", "g1/2026");
	assert_non_null(r);
	json_t *c = json_object_get(r, "caps");
	assert_int_equal(json_integer_value(json_object_get(c, "per_call")), 20);
	assert_int_equal(json_integer_value(json_object_get(c, "per_month")), 90000);
	assert_int_equal(json_object_size(c), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "allowed_revenue_fen")), 5000000);
	assert_true(json_is_true(json_object_get(r, "trial_tariff")));
	assert_int_equal(json_integer_value(json_object_get(r, "version")), 1);
	assert_int_equal((uint64_t)json_integer_value(json_object_get(r, "seq")), seq);
	json_decref(r);
	/* a price change of the same year is a new version */
	h_ok(&h, set_caps("authority", "g1", 2026, "[]", "4000000", 1));
	r = h_rec(&h, "pcaps", "g1/2026");
	assert_int_equal(json_integer_value(json_object_get(r, "version")), 2);
	assert_int_equal(json_object_size(json_object_get(r, "caps")), 0);
	json_decref(r);
	h_close(&h);
}

static void
test_set_caps_rules(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	const char *one = "[{\"unit\":\"per_call\",\"cap_fen\":20}]";
	h_err(&h, set_caps("op-1", "g1", 2026, one, "1", 0), PDL_EROLE);
	h_err(&h, set_caps("authority", "g1", 2026, "[{\"unit\":\"per_hour\",\"cap_fen\":20}]", "1", 0), PDL_EFIELD);
	h_err(&h, set_caps("authority", "g1", 2026, "[{\"unit\":\"per_call\"}]", "1", 0), PDL_EFIELD);
	h_err(&h, set_caps("authority", "g1", 2026, "[{\"unit\":\"per_call\",\"cap_fen\":1,\"x\":1}]", "1", 0), PDL_EFIELD);
	h_err(&h, set_caps("authority", "g1", 2026, "{\"unit\":\"per_call\",\"cap_fen\":1}", "1", 0), PDL_EFIELD);
	h_err(&h,
	      set_caps("authority", "g1", 2026,
	               "[{\"unit\":\"per_call\",\"cap_fen\":1},{\"unit\":\"per_record\",\"cap_fen\":1},{\"unit\":\"per_month\","
	               "\"cap_fen\":1},{\"unit\":\"per_product\",\"cap_fen\":1},{\"unit\":\"per_call\",\"cap_fen\":1}]",
	               "1", 0),
	      PDL_EFIELD); /* more than the four units */
	h_rule(&h, set_caps("authority", "g9", 2026, one, "1", 0), "grant.unknown");
	h_rule(&h, set_caps("authority", "g1", 2025, one, "1", 0), "pricing.year_outside_term");
	h_rule(&h, set_caps("authority", "g1", 2030, one, "1", 0), "pricing.year_outside_term");
	h_ok(&h, set_caps("authority", "g1", 2029, one, "1", 0));
	h_rule(&h, set_caps("authority", "g1", 2026, "[{\"unit\":\"per_call\",\"cap_fen\":1},{\"unit\":\"per_call\",\"cap_fen\":2}]",
	                    "1", 0),
	       "pricing.duplicate_unit");
	h_rule(&h, set_caps("authority", "g1", 2026, "[{\"unit\":\"per_call\",\"cap_fen\":1000000000000001}]", "1", 0),
	       "pricing.amount_too_large");
	h_rule(&h, set_caps("authority", "g1", 2026, one, "1000000000000001", 0), "pricing.amount_too_large");
	h_ok(&h, set_caps("authority", "g1", 2026, one, "1000000000000000", 0));
	/* the trial tariff until the first full operating year (2027-09-07) */
	h_ok(&h, set_caps("authority", "g1", 2027, one, "1", 1));
	h_rule(&h, set_caps("authority", "g1", 2028, one, "1", 1), "pricing.trial_after_first_year");
	h_ok(&h, set_caps("authority", "g1", 2028, one, "1", 0));
	h_ok(&h, "{\"type\":\"grant.terminate\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\",\"reason\":\"breach\","
	         "\"note\":\"\"}}");
	h_rule(&h, set_caps("authority", "g1", 2027, one, "1", 0), "grant.terminated");
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_caps),
		cmocka_unit_test(test_set_caps_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
