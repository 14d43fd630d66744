/* test_fam_calendar.c — calendar.publish: the record, every rule, and that
 * working days and deadlines follow the published calendar (republishing
 * replaces a year). */
#include "harness.h"

#define PUB(year, hol, work)                                                                                 \
	h_fmt("{\"type\":\"calendar.publish\",\"actor\":\"authority\",\"body\":{\"year\":%s,\"holidays\":[%s]," \
	      "\"workdays\":[%s]}}",                                                                             \
	      year, hol, work)

/* A read-only rule context over the harness ledger, for pdl_is_workday and
 * pdl_workday_deadline. */
struct rctx {
	MDB_txn *t;
	struct pdl_ctx c;
};

static void
rctx_open(struct h *h, struct rctx *r)
{
	memset(r, 0, sizeof *r);
	assert_int_equal(pdl_store_rtxn(&h->s, &r->t), PDL_OK);
	r->c.s = &h->s;
	r->c.txn = r->t;
	r->c.info = &h->e.info;
}

static void
rctx_close(struct h *h, struct rctx *r)
{
	pdl_store_rdone(&h->s, r->t);
}

static int
workday(struct h *h, const char *date)
{
	struct rctx r;
	int yes = -1;
	rctx_open(h, &r);
	assert_int_equal(pdl_is_workday(&r.c, pdl_date_parse(pdl_cstr(date)), &yes), PDL_OK);
	rctx_close(h, &r);
	return yes;
}

static uint64_t
deadline(struct h *h, const char *from, uint64_t n)
{
	struct rctx r;
	uint64_t d = 0;
	rctx_open(h, &r);
	assert_int_equal(pdl_workday_deadline(&r.c, h_ms(from), n, &d), PDL_OK);
	rctx_close(h, &r);
	return d;
}

static void
test_publish_record(void **state)
{
	(void)state;
	struct h h;
	h_open(&h);
	/* no calendar: plain weekends */
	assert_int_equal(workday(&h, "2026-10-01"), 1);
	assert_int_equal(workday(&h, "2026-10-10"), 0);

	uint64_t seq = h_ok(&h, PUB("2026", "\"2026-10-01\",\"2026-10-02\",\"2026-10-05\"", "\"2026-10-10\""));
	json_t *r = h_rec(&h, "cal", "2026");
	assert_non_null(r);
	json_t *hol = json_object_get(r, "holidays"), *wd = json_object_get(r, "workdays");
	assert_int_equal(json_array_size(hol), 3);
	assert_string_equal(json_string_value(json_array_get(hol, 0)), "2026-10-01");
	assert_string_equal(json_string_value(json_array_get(hol, 2)), "2026-10-05");
	assert_int_equal(json_array_size(wd), 1);
	assert_string_equal(json_string_value(json_array_get(wd, 0)), "2026-10-10");
	assert_int_equal(json_integer_value(json_object_get(r, "seq")), seq);
	assert_int_equal(json_object_size(r), 3);
	json_decref(r);

	assert_int_equal(workday(&h, "2026-10-01"), 0); /* Thursday, holiday */
	assert_int_equal(workday(&h, "2026-10-05"), 0); /* Monday, holiday */
	assert_int_equal(workday(&h, "2026-10-06"), 1); /* Tuesday */
	assert_int_equal(workday(&h, "2026-10-10"), 1); /* Saturday, make-up */
	assert_int_equal(workday(&h, "2026-10-11"), 0); /* Sunday */
	/* from Wed 09-30: 10-01, 02 off, 03-04 weekend, 05 off; 06 is day 1, 07 day 2 */
	assert_int_equal(deadline(&h, "2026-09-30T15:00:00", 2), h_ms("2026-10-08T00:00:00"));
	/* another year is untouched */
	assert_int_equal(workday(&h, "2027-10-01"), 1);
	h_close(&h);
}

static void
test_republish_replaces(void **state)
{
	(void)state;
	struct h h;
	h_open(&h);
	h_ok(&h, PUB("2026", "\"2026-10-01\",\"2026-10-02\"", "\"2026-10-10\""));
	assert_int_equal(workday(&h, "2026-10-02"), 0);
	uint64_t seq = h_ok(&h, PUB("2026", "\"2026-10-01\",\"2026-10-12\"", ""));
	json_t *r = h_rec(&h, "cal", "2026");
	assert_int_equal(json_array_size(json_object_get(r, "holidays")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "holidays"), 1)), "2026-10-12");
	assert_int_equal(json_array_size(json_object_get(r, "workdays")), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "seq")), seq);
	assert_int_equal(json_object_size(r), 3);
	json_decref(r);
	assert_int_equal(workday(&h, "2026-10-02"), 1);  /* no longer a holiday */
	assert_int_equal(workday(&h, "2026-10-10"), 0);  /* no longer a make-up workday */
	assert_int_equal(workday(&h, "2026-10-12"), 0);  /* newly a holiday */
	h_close(&h);
}

static void
test_weekend_holiday_allowed(void **state)
{
	(void)state;
	struct h h;
	h_open(&h);
	/* 2026-10-03 is a Saturday: listing it changes nothing, but is accepted */
	h_ok(&h, PUB("2026", "\"2026-10-03\"", ""));
	assert_int_equal(workday(&h, "2026-10-03"), 0);
	/* empty lists and the edges of the range are fine */
	h_ok(&h, PUB("1970", "", ""));
	h_ok(&h, PUB("9999", "\"9999-12-31\"", ""));
	json_t *r = h_rec(&h, "cal", "9999");
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "holidays"), 0)), "9999-12-31");
	json_decref(r);
	h_close(&h);
}

static void
test_rules(void **state)
{
	(void)state;
	struct h h;
	h_open(&h);
	h_rule(&h, PUB("1969", "", ""), "calendar.year_out_of_range");
	h_rule(&h, PUB("10000", "", ""), "calendar.year_out_of_range");
	h_rule(&h, PUB("2026", "\"2026-10-01\",\"2027-01-01\"", ""), "calendar.date_outside_year");
	h_rule(&h, PUB("2026", "", "\"2025-12-27\""), "calendar.date_outside_year");
	h_rule(&h, PUB("2026", "", "\"2026-10-09\""), "calendar.workday_not_weekend"); /* a Friday */
	h_rule(&h, PUB("2026", "\"2026-10-10\"", "\"2026-10-10\""), "calendar.date_in_both");
	h_rule(&h, PUB("2026", "\"2026-10-01\",\"2026-10-02\",\"2026-10-01\"", ""), "calendar.date_repeated");
	h_rule(&h, PUB("2026", "", "\"2026-10-10\",\"2026-10-10\""), "calendar.date_repeated");
	/* schema: a date must be a real date, year an integer */
	h_err(&h, PUB("2026", "\"2026-02-30\"", ""), PDL_EFIELD);
	h_err(&h, PUB("\"2026\"", "", ""), PDL_EFIELD);
	h_err(&h, "{\"type\":\"calendar.publish\",\"actor\":\"authority\",\"body\":{\"year\":2026,\"holidays\":[]}}",
	      PDL_EFIELD);
	/* only the authority publishes */
	h_party(&h, "reg-1", "registrar");
	h_err(&h,
	      "{\"type\":\"calendar.publish\",\"actor\":\"reg-1\",\"body\":{\"year\":2026,\"holidays\":[],\"workdays\":[]}}",
	      PDL_EROLE);
	assert_null(h_rec(&h, "cal", "2026"));
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_record),
		cmocka_unit_test(test_republish_replaces),
		cmocka_unit_test(test_weekend_holiday_allowed),
		cmocka_unit_test(test_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
