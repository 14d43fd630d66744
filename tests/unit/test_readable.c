/*
 * test_readable.c — the forms people read: ledger times in CST (date.h's
 * pdl_ms_cst, mpjson.h's pdl_json_add_cst). Issue 15, clerks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "date.h"
#include "mpjson.h"

/* 2026-12-17T00:00+08:00 is 2026-12-16T16:00Z: 1797436800000 ms */
static void
test_ms_cst(void **state)
{
	(void)state;
	char b[PDL_CST_LEN];
	assert_string_equal(pdl_ms_cst(1797436800000ull, b), "2026-12-17T00:00+08:00");
	assert_string_equal(pdl_ms_cst(1797436800000ull + 5000, b), "2026-12-17T00:00:05+08:00");
	assert_string_equal(pdl_ms_cst(1797436800000ull + 5250, b), "2026-12-17T00:00:05.250+08:00");
	assert_string_equal(pdl_ms_cst(1797436800000ull - 1, b), "2026-12-16T23:59:59.999+08:00");
	assert_string_equal(pdl_ms_cst(0, b), "1970-01-01T08:00+08:00");
	/* the day boundary is CST's, not UTC's: 16:00Z is already the next day */
	assert_string_equal(pdl_ms_cst(pdl_ms_of_date((struct pdl_date){2026, 10, 1}), b), "2026-10-01T00:00+08:00");
	/* the largest ledger time still fits the buffer */
	assert_true(strlen(pdl_ms_cst(UINT64_MAX / 2, b)) < PDL_CST_LEN);
}

/* The same text as the printf formats it replaced, on times spread over
 * years 1970-9999 and on every kind of second and millisecond. */
static void
test_ms_cst_as_printf(void **state)
{
	(void)state;
	char b[PDL_CST_LEN], want[64], date[11];
	uint64_t x = 88172645463325252ull;
	for (unsigned i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t ms = x % 253402300800000ull; /* up to 9999-12-31 */
		if (i % 3 == 1)
			ms -= ms % 1000; /* whole seconds */
		if (i % 3 == 2)
			ms -= ms % 60000; /* whole minutes */
		struct pdl_date d = pdl_date_of_ms(ms);
		uint64_t in_day = (ms + 8 * 3600000ull) % 86400000ull;
		unsigned h = (unsigned)(in_day / 3600000u), mi = (unsigned)(in_day / 60000u % 60u);
		unsigned sec = (unsigned)(in_day / 1000u % 60u), frac = (unsigned)(in_day % 1000u);
		snprintf(date, sizeof date, "%04u-%02u-%02u", (unsigned)d.y % 10000u, (unsigned)d.m % 100u,
		         (unsigned)d.d % 100u);
		if (sec == 0 && frac == 0)
			snprintf(want, sizeof want, "%sT%02u:%02u+08:00", date, h, mi);
		else if (frac == 0)
			snprintf(want, sizeof want, "%sT%02u:%02u:%02u+08:00", date, h, mi, sec);
		else
			snprintf(want, sizeof want, "%sT%02u:%02u:%02u.%03u+08:00", date, h, mi, sec, frac);
		assert_string_equal(pdl_ms_cst(ms, b), want);
		char got[11];
		pdl_date_format(d, got);
		assert_string_equal(got, date);
	}
}

static void
test_json_add_cst(void **state)
{
	(void)state;
	json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:s,s:I,s:I}", "time_ms", (json_int_t)1797436800000ll, "accept_due",
	                      (json_int_t)1797436800000ll, "notice_ends", (json_int_t)1797436805000ll, "resolved_ms",
	                      (json_int_t)1797436800000ll, "code_ms", "not a number", "seq", (json_int_t)7, "lag", (json_int_t)5);
	pdl_json_add_cst(o);
	assert_string_equal(json_string_value(json_object_get(o, "time_cst")), "2026-12-17T00:00+08:00");
	assert_string_equal(json_string_value(json_object_get(o, "accept_due_cst")), "2026-12-17T00:00+08:00");
	assert_string_equal(json_string_value(json_object_get(o, "notice_ends_cst")), "2026-12-17T00:00:05+08:00");
	assert_string_equal(json_string_value(json_object_get(o, "resolved_cst")), "2026-12-17T00:00+08:00");
	/* the ms fields stay; a non-integer and a non-time member get nothing */
	assert_int_equal(json_integer_value(json_object_get(o, "time_ms")), 1797436800000ll);
	assert_null(json_object_get(o, "code_cst"));
	assert_null(json_object_get(o, "seq_cst"));
	assert_null(json_object_get(o, "lag_cst"));
	assert_int_equal(json_object_size(o), 11);
	json_decref(o);
	pdl_json_add_cst(NULL); /* no object: nothing to do */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ms_cst),
		cmocka_unit_test(test_ms_cst_as_printf),
		cmocka_unit_test(test_json_add_cst),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
