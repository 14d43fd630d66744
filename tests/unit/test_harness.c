/* test_harness.c — the rule-test harness itself works: genesis, parties,
 * rule refusals leave the log unchanged, the clock and dates are CST. */
#include "harness.h"

static void
test_open_party(void **state)
{
	(void)state;
	struct h h;
	h_open(&h);
	assert_int_equal(h_size(&h), 1);
	h_party(&h, "prov-1", "provider,operator");
	assert_int_equal(h_size(&h), 2);
	h_rule(&h, "{\"type\":\"party.suspend\",\"actor\":\"authority\",\"body\":{\"id\":\"nobody\",\"reason\":\"x\"}}",
	       "party.unknown");
	h_err(&h, "{\"type\":\"party.register\",\"actor\":\"prov-1\",\"body\":{\"id\":\"x\",\"name\":\"x\",\"uscc\":"
	          "\"91350100M000100Y43\",\"roles\":[\"developer\"],\"public_key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}}",
	      PDL_EROLE);
	h_close(&h);
}

static void
test_dates(void **state)
{
	(void)state;
	/* 2026-10-09T10:00 CST is 02:00 UTC */
	assert_int_equal(h_ms("2026-10-09T10:00:00"), h_ms("2026-10-09T02:00:00Z"));
	struct pdl_date d = pdl_date_of_ms(h_ms("2026-10-09T23:59:59"));
	assert_int_equal(d.d, 9);
	d = pdl_date_of_ms(h_ms("2026-10-09T16:30:00Z")); /* 00:30 CST on the 10th */
	assert_int_equal(d.d, 10);
	struct pdl_date fri = {2026, 10, 9};
	assert_int_equal(pdl_date_weekday(fri), 4);
	struct pdl_date a = {2026, 1, 31}, b = {2029, 1, 31}, c = {2029, 2, 1};
	assert_int_equal(pdl_months_between(a, b), 36);
	assert_int_equal(pdl_months_between(a, c), 37);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_party),
		cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
