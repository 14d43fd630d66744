/*
 * test_metrics.c — the contributor-evaluation view: working time on a
 * published calendar (exact cases and a brute-force model), nearest-rank
 * median and p90, integer ratios and decimal strings, the score and its
 * config, and the view's apply on hand-made entries (ownership, periods,
 * explain rows, settlement re-runs, rebuild determinism).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "metrics_calc.h"
#include "metrics_view.h"
#include "proj.h"

#define H (3600ull * 1000u)
#define MIN (60ull * 1000u)

extern const struct pdl_view pdl_view_metrics;

/* lib/date.h's parse of a C string (NULL: PDL_EINVAL, as the metrics
 * view's own parse answered before the calendar moved to lib/) */
static int
day_parse(const char *s, int64_t *day)
{
	return s == NULL ? PDL_EINVAL : pdl_day_parse(s, strlen(s), day);
}

/* ms of a CST wall time */
static uint64_t
cst(int y, int mo, int d, int hh, int mm)
{
	char s[16];
	int64_t day;
	snprintf(s, sizeof s, "%04d-%02d-%02d", y, mo, d);
	assert_int_equal(day_parse(s, &day), PDL_OK);
	return (uint64_t)day * PDL_DAY_MS + (uint64_t)hh * H + (uint64_t)mm * MIN - PDL_CST_OFFSET_MS;
}

static int64_t
day(const char *s)
{
	int64_t d;
	assert_int_equal(day_parse(s, &d), PDL_OK);
	return d;
}

/* 2026: National Day holidays 10-01..10-07 (Thu–Wed), make-up workdays
 * Sun 09-27 and Sat 10-10; a holiday listed on a Saturday changes nothing. */
static int64_t hol26[9], wd26[2];
static struct pdl_workcal cal26 = {hol26, 8, wd26, 2};
static const struct pdl_workcal plain = {NULL, 0, NULL, 0};

static int
setup_cal(void **state)
{
	(void)state;
	const char *h[] = {"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
	                   "2026-10-05", "2026-10-06", "2026-10-07", "2026-10-17"};
	for (unsigned i = 0; i < 8; i++)
		hol26[i] = day(h[i]);
	wd26[0] = day("2026-09-27");
	wd26[1] = day("2026-10-10");
	return 0;
}

static void
test_dates(void **state)
{
	(void)state;
	int64_t d;
	char p[8];
	assert_int_equal(day("1970-01-01"), 0);
	assert_int_equal(pdl_day_weekday(0), 3); /* Thursday */
	assert_int_equal(pdl_day_weekday(day("2026-10-09")), 4);
	assert_int_equal(pdl_day_weekday(day("2026-10-10")), 5);
	assert_int_equal(day("2000-03-01") - day("2000-02-28"), 2); /* 2000 is a leap year */
	assert_int_equal(day("2100-03-01") - day("2100-02-28"), 1); /* 2100 is not */
	assert_int_equal(day_parse("2026-02-29", &d), PDL_EINVAL);
	assert_int_equal(day_parse("2026-13-01", &d), PDL_EINVAL);
	assert_int_equal(day_parse("2026-1-01", &d), PDL_EINVAL);
	assert_int_equal(day_parse("1969-12-31", &d), PDL_EINVAL);
	assert_int_equal(day_parse(NULL, &d), PDL_EINVAL);
	/* the period is the CST month: 2026-09-30T16:00Z is 10-01 00:00 CST */
	pdl_period_of_ms(cst(2026, 10, 1, 0, 0), p);
	assert_string_equal(p, "2026-10");
	pdl_period_of_ms(cst(2026, 10, 1, 0, 0) - 1, p);
	assert_string_equal(p, "2026-09");
	pdl_period_of_ms(cst(2026, 12, 31, 23, 59), p);
	assert_string_equal(p, "2026-12");
	assert_true(pdl_period_valid("2026-10", 7));
	assert_false(pdl_period_valid("2026-13", 7));
	assert_false(pdl_period_valid("2026-00", 7));
	assert_false(pdl_period_valid("2026-1", 6));
	assert_false(pdl_period_valid("26-10-01", 8));
}

static void
test_workdays(void **state)
{
	(void)state;
	assert_true(pdl_workcal_is_workday(&cal26, day("2026-09-30")));  /* Wed */
	assert_false(pdl_workcal_is_workday(&cal26, day("2026-10-01"))); /* holiday */
	assert_false(pdl_workcal_is_workday(&cal26, day("2026-10-04"))); /* Sun */
	assert_true(pdl_workcal_is_workday(&cal26, day("2026-10-10")));  /* make-up Sat */
	assert_true(pdl_workcal_is_workday(&cal26, day("2026-09-27")));  /* make-up Sun */
	assert_false(pdl_workcal_is_workday(&cal26, day("2026-10-17"))); /* Sat listed as holiday */
	assert_false(pdl_workcal_is_workday(&plain, day("2026-10-10")));
	assert_true(pdl_workcal_is_workday(&plain, day("2026-10-01")));
	/* [09-27, 10-12): make-up 09-27, 09-28..30, none 10-01..07, 10-08, 10-09, make-up 10-10 */
	assert_int_equal(pdl_workcal_count(&cal26, day("2026-09-27"), day("2026-10-12")), 7);
	assert_int_equal(pdl_workcal_count(&plain, day("2026-09-27"), day("2026-10-12")), 10);
	assert_int_equal(pdl_workcal_count(&plain, day("2026-01-01"), day("2027-01-01")), 261);
	assert_int_equal(pdl_workcal_count(&cal26, day("2026-01-01"), day("2027-01-01")), 261 - 5 + 2);
	assert_int_equal(pdl_workcal_count(&cal26, day("2026-10-12"), day("2026-10-12")), 0);
	assert_int_equal(pdl_workcal_count(&cal26, day("2026-10-12"), day("2026-10-01")), 0);
}

static void
test_work_ms_cases(void **state)
{
	(void)state;
	/* same working day, inside office hours: 10:00 → 15:30 */
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 10, 9, 10, 0), cst(2026, 10, 9, 15, 30)), 5 * H + 30 * MIN);
	/* before opening to after closing: the whole 8 hours */
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 10, 9, 7, 0), cst(2026, 10, 9, 19, 0)), 8 * H);
	/* both outside office hours, same day */
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 10, 9, 17, 0), cst(2026, 10, 9, 23, 0)), 0);
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 10, 9, 0, 0), cst(2026, 10, 9, 9, 0)), 0);
	/* overnight: Thu 16:00 → Fri 10:00 is 1 h + 1 h */
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 10, 8, 16, 0), cst(2026, 10, 9, 10, 0)), 2 * H);
	/* 17:00 → next morning 09:00 is no working time */
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 10, 8, 17, 0), cst(2026, 10, 9, 9, 0)), 0);
	/* over a weekend with a make-up Saturday: Fri 16:00 → Mon 10:00 = 1 + 8 + 1 */
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 10, 9, 16, 0), cst(2026, 10, 12, 10, 0)), 10 * H);
	assert_int_equal(pdl_metrics_work_ms(&plain, cst(2026, 10, 9, 16, 0), cst(2026, 10, 12, 10, 0)), 2 * H);
	/* over the holidays: Wed 09-30 16:00 → Thu 10-08 10:00 = 1 + 1; plain: 1 + 5×8 + 1 */
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 9, 30, 16, 0), cst(2026, 10, 8, 10, 0)), 2 * H);
	assert_int_equal(pdl_metrics_work_ms(&plain, cst(2026, 9, 30, 16, 0), cst(2026, 10, 8, 10, 0)), 42 * H);
	/* a request on a holiday, decided on it: nothing */
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 10, 2, 10, 0), cst(2026, 10, 2, 16, 0)), 0);
	/* a plain weekend: nothing */
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 10, 24, 10, 0), cst(2026, 10, 25, 12, 0)), 0);
	/* milliseconds count */
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 10, 9, 10, 0), cst(2026, 10, 9, 10, 0) + 1), 1);
	/* empty and reversed intervals */
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 10, 9, 10, 0), cst(2026, 10, 9, 10, 0)), 0);
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 10, 9, 11, 0), cst(2026, 10, 9, 10, 0)), 0);
	/* a whole year */
	assert_int_equal(pdl_metrics_work_ms(&cal26, cst(2026, 1, 1, 0, 0), cst(2027, 1, 1, 0, 0)), (261 - 5 + 2) * 8 * H);
}

/* The definition, day by day, with linear lookups. */
static uint64_t
model_work_ms(const struct pdl_workcal *cal, uint64_t a, uint64_t b)
{
	uint64_t sum = 0;
	if (b <= a)
		return 0;
	for (int64_t d = pdl_day_of_ms(a); d <= pdl_day_of_ms(b); d++) {
		int wd = pdl_day_weekday(d) < 5, listed_h = 0, listed_w = 0;
		for (size_t i = 0; i < cal->n_holidays; i++)
			listed_h |= cal->holidays[i] == d;
		for (size_t i = 0; i < cal->n_workdays; i++)
			listed_w |= cal->workdays[i] == d;
		if (!(listed_w || (wd && !listed_h)))
			continue;
		uint64_t open = (uint64_t)d * PDL_DAY_MS - PDL_CST_OFFSET_MS + 9 * H, close = open + 8 * H;
		uint64_t lo = a > open ? a : open, hi = b < close ? b : close;
		if (hi > lo)
			sum += hi - lo;
	}
	return sum;
}

static void
test_work_ms_model(void **state)
{
	(void)state;
	uint64_t base = cst(2026, 9, 1, 0, 0), span = 120 * PDL_DAY_MS;
	for (unsigned i = 0; i < 20000; i++) {
		uint64_t a = base + randombytes_uniform(4000000) * (span / 4000000) + randombytes_uniform(1000);
		uint64_t len = i % 3 == 0 ? randombytes_uniform(48) * H : (uint64_t)randombytes_uniform(40) * PDL_DAY_MS / 2;
		uint64_t b = a + len + randombytes_uniform(3600000);
		assert_int_equal(pdl_metrics_work_ms(&cal26, a, b), model_work_ms(&cal26, a, b));
		assert_int_equal(pdl_metrics_work_ms(&plain, a, b), model_work_ms(&plain, a, b));
	}
}

static void
test_percentiles(void **state)
{
	(void)state;
	uint64_t one[] = {7};
	assert_int_equal(pdl_metrics_percentile(one, 1, 50), 7);
	assert_int_equal(pdl_metrics_percentile(one, 1, 90), 7);
	uint64_t three[] = {5, 1, 3};
	assert_int_equal(pdl_metrics_percentile(three, 3, 50), 3);
	assert_int_equal(pdl_metrics_percentile(three, 3, 90), 5);
	uint64_t four[] = {40, 10, 30, 20};
	assert_int_equal(pdl_metrics_percentile(four, 4, 50), 20); /* the lower middle: a real sample */
	assert_int_equal(pdl_metrics_percentile(four, 4, 90), 40);
	uint64_t ten[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
	assert_int_equal(pdl_metrics_percentile(ten, 10, 50), 5);
	assert_int_equal(pdl_metrics_percentile(ten, 10, 90), 9);
	uint64_t eleven[] = {11, 1, 10, 2, 9, 3, 8, 4, 7, 5, 6};
	assert_int_equal(pdl_metrics_percentile(eleven, 11, 50), 6);
	assert_int_equal(pdl_metrics_percentile(eleven, 11, 90), 10); /* ceil(9.9) = 10th */
	uint64_t ties[] = {2, 2, 2, 9};
	assert_int_equal(pdl_metrics_percentile(ties, 4, 50), 2);
	assert_int_equal(pdl_metrics_rank(50, 2), 0);
	assert_int_equal(pdl_metrics_rank(90, 20), 17);
	assert_int_equal(pdl_metrics_rank(90, 21), 18);
	assert_int_equal(pdl_metrics_rank(100, 7), 6);
	assert_int_equal(pdl_metrics_rank(1, 100), 0);
}

static void
test_ratios(void **state)
{
	(void)state;
	char b[48];
	assert_int_equal(pdl_metrics_div_round(1, 1, 2), 1); /* halves up */
	assert_int_equal(pdl_metrics_div_round(1, 1, 3), 0);
	assert_int_equal(pdl_metrics_div_round(2, 1, 3), 1);
	assert_int_equal(pdl_metrics_div_round(1, 10000, 3), 3333);
	assert_int_equal(pdl_metrics_div_round(2, 10000, 3), 6667);
	assert_int_equal(pdl_metrics_div_round(UINT64_MAX, 3, 3), UINT64_MAX); /* exact in 128 bits */
	assert_int_equal(pdl_metrics_div_round(UINT64_MAX, 2, 1), UINT64_MAX); /* saturates */
	pdl_metrics_decimal(5400000, 1, 3600000, 2, b, sizeof b);
	assert_string_equal(b, "1.50");
	pdl_metrics_decimal(1, 1000, 3, 3, b, sizeof b);
	assert_string_equal(b, "333.333");
	pdl_metrics_decimal(2, 1000, 3, 3, b, sizeof b);
	assert_string_equal(b, "666.667");
	pdl_metrics_decimal(1, 1, 8, 2, b, sizeof b); /* 0.125 → 0.13 */
	assert_string_equal(b, "0.13");
	pdl_metrics_decimal(0, 1, 7, 2, b, sizeof b);
	assert_string_equal(b, "0.00");
	pdl_metrics_decimal(8750, 1, 100, 2, b, sizeof b);
	assert_string_equal(b, "87.50");
	pdl_metrics_decimal(10, 1, 4, 0, b, sizeof b);
	assert_string_equal(b, "3"); /* 2.5 → 3 */
}

static void
test_score(void **state)
{
	(void)state;
	struct pdl_metrics_config cfg;
	struct pdl_metrics_score s;
	pdl_metrics_config_default(&cfg);
	struct pdl_metrics_figs f = {
		.catalog_n = 3, .catalog_median_ms = 4 * H,  /* ≤ 8 h: 10,000 */
		.quality_n = 1, .quality_median_ms = 48 * H, /* (80 − 48) / (80 − 16): 5,000 */
		.reports = 1, .resolved = 1, .records = 2000, /* 500 per 10^6 of 1,000: 5,000; resolved 10,000 */
		.calls = 5, .products = 1,                    /* 5/20: 2,500; 1/2: 5,000; records 2,000/100,000: 200 */
		.revenue_fen = 250000, .settlements = 1,      /* 2,500 */
	};
	pdl_metrics_score(&cfg, &f, &s);
	const uint64_t want[PDL_MC_N] = {10000, 5000, 5000, 10000, 2500, 200, 5000, 2500};
	for (unsigned i = 0; i < PDL_MC_N; i++) {
		assert_true(s.scored[i]);
		assert_int_equal(s.comp_bp[i], want[i]);
	}
	assert_int_equal(s.weight_total, 100);
	assert_true(s.has_total);
	/* (20·10000 + 15·5000 + 15·5000 + 10·10000 + 10·2500 + 10·200 + 10·5000 + 10·2500) / 100 */
	assert_int_equal(s.total_bp, 5520);

	/* no settlement yet: revenue is left out, not scored 0: 527,000 / 90 = 5855.6 */
	f.settlements = 0;
	pdl_metrics_score(&cfg, &f, &s);
	assert_false(s.scored[PDL_MC_REVENUE]);
	assert_int_equal(s.weight_total, 90);
	assert_int_equal(s.total_bp, 5856);

	/* the thresholds themselves, and beyond */
	f.catalog_median_ms = 8 * H;
	f.quality_median_ms = 80 * H;
	pdl_metrics_score(&cfg, &f, &s);
	assert_int_equal(s.comp_bp[PDL_MC_CATALOG_REVIEW], 10000);
	assert_int_equal(s.comp_bp[PDL_MC_QUALITY_REVIEW], 0);
	f.catalog_median_ms = 8 * H + 1; /* just over: rounds back to 10,000 */
	f.quality_median_ms = 16 * H + 64 * H / 3;
	pdl_metrics_score(&cfg, &f, &s);
	assert_int_equal(s.comp_bp[PDL_MC_CATALOG_REVIEW], 10000);
	assert_int_equal(s.comp_bp[PDL_MC_QUALITY_REVIEW], 6667);
	f.catalog_median_ms = 24 * H; /* halfway 8 → 40 */
	pdl_metrics_score(&cfg, &f, &s);
	assert_int_equal(s.comp_bp[PDL_MC_CATALOG_REVIEW], 5000);

	/* quality rate: at and past the zero threshold; no reports */
	f.reports = 2, f.records = 2000; /* 1,000 per million: 0 */
	pdl_metrics_score(&cfg, &f, &s);
	assert_int_equal(s.comp_bp[PDL_MC_QUALITY_RATE], 0);
	assert_int_equal(s.comp_bp[PDL_MC_QUALITY_RESOLVED], 5000);
	f.reports = 0;
	pdl_metrics_score(&cfg, &f, &s);
	assert_int_equal(s.comp_bp[PDL_MC_QUALITY_RATE], 10000);
	assert_false(s.scored[PDL_MC_QUALITY_RESOLVED]);
	f.reports = 1, f.records = 3000; /* 333.3 per million: 6,667 */
	pdl_metrics_score(&cfg, &f, &s);
	assert_int_equal(s.comp_bp[PDL_MC_QUALITY_RATE], 6667);

	/* nothing but zero usage: only the usage components, all 0 */
	struct pdl_metrics_figs z = {0};
	pdl_metrics_score(&cfg, &z, &s);
	for (unsigned i = 0; i < PDL_MC_N; i++)
		assert_int_equal(s.scored[i], i == PDL_MC_APPROVED_CALLS || i == PDL_MC_RECORDS_SERVED ||
		                                  i == PDL_MC_PRODUCTS_DERIVED);
	assert_int_equal(s.weight_total, 30);
	assert_true(s.has_total);
	assert_int_equal(s.total_bp, 0);

	/* over the targets: capped at 10,000 */
	z.calls = 1000, z.records = UINT64_MAX, z.products = 3;
	pdl_metrics_score(&cfg, &z, &s);
	assert_int_equal(s.total_bp, 10000);
}

static void
test_config(void **state)
{
	(void)state;
	struct pdl_metrics_config cfg, def;
	struct pdl_status st = {0};
	struct pdl_metrics_score s;
	pdl_metrics_config_default(&def);
	json_t *doc = json_loads("{\"weights\":{\"catalog_review\":1,\"quality_review\":0,\"quality_rate\":0,"
	                         "\"quality_resolved\":0,\"approved_calls\":0,\"records_served\":0,"
	                         "\"products_derived\":0,\"revenue\":0},"
	                         "\"targets\":{\"catalog_review_full_work_hours\":2},\"note\":\"test\"}",
	                         0, NULL);
	assert_int_equal(pdl_metrics_config_parse(doc, &cfg, &st), PDL_OK);
	json_decref(doc);
	assert_int_equal(cfg.weight[PDL_MC_CATALOG_REVIEW], 1);
	assert_int_equal(cfg.weight[PDL_MC_REVENUE], 0);
	assert_int_equal(cfg.catalog_full_ms, 2 * H);
	assert_int_equal(cfg.catalog_zero_ms, def.catalog_zero_ms); /* absent keys keep defaults */
	/* only the catalog component weighs; with no decision there is no score */
	struct pdl_metrics_figs f = {.calls = 3};
	pdl_metrics_score(&cfg, &f, &s);
	assert_false(s.has_total);
	f.catalog_n = 1, f.catalog_median_ms = 21 * H; /* (40 − 21) / (40 − 2) = 0.5 */
	pdl_metrics_score(&cfg, &f, &s);
	assert_true(s.has_total);
	assert_int_equal(s.total_bp, 5000);
	assert_false(s.scored[PDL_MC_APPROVED_CALLS]); /* weight 0 */

	/* round trip through the served document */
	json_t *j = pdl_metrics_config_json(&cfg);
	struct pdl_metrics_config back;
	assert_int_equal(pdl_metrics_config_parse(j, &back, &st), PDL_OK);
	assert_memory_equal(&back, &cfg, sizeof cfg);
	json_decref(j);

	static const struct {
		const char *json;
		int err;
		const char *msg;
	} bad[] = {
		{"[]", PDL_EFIELD, "JSON object"},
		{"{\"weight\":{}}", PDL_EFIELD, "unknown metrics config key \"weight\""},
		{"{\"weights\":{\"speed\":1}}", PDL_EFIELD, "unknown component \"speed\""},
		{"{\"weights\":{\"revenue\":-1}}", PDL_EFIELD, "weights.revenue"},
		{"{\"weights\":{\"revenue\":1.5}}", PDL_EFIELD, "weights.revenue"},
		{"{\"weights\":{\"revenue\":1000001}}", PDL_EFIELD, "weights.revenue"},
		{"{\"targets\":{\"records\":1}}", PDL_EFIELD, "unknown key \"records\""},
		{"{\"targets\":{\"revenue_fen\":\"1\"}}", PDL_EFIELD, "targets.revenue_fen"},
		{"{\"targets\":{\"catalog_review_full_work_hours\":40}}", PDL_EINVAL, "catalog_review_full_work_hours"},
		{"{\"targets\":{\"quality_review_zero_work_hours\":16}}", PDL_EINVAL, "quality_review_full_work_hours"},
		{"{\"weights\":{\"catalog_review\":0,\"quality_review\":0,\"quality_rate\":0,\"quality_resolved\":0,"
		 "\"approved_calls\":0,\"records_served\":0,\"products_derived\":0,\"revenue\":0}}",
		 PDL_EINVAL, "at least one weight"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *d = json_loads(bad[i].json, 0, NULL);
		assert_non_null(d);
		memset(&st, 0, sizeof st);
		assert_int_equal(pdl_metrics_config_parse(d, &cfg, &st), bad[i].err);
		if (strstr(st.msg, bad[i].msg) == NULL)
			fail_msg("config %s: message \"%s\" does not name \"%s\"", bad[i].json, st.msg, bad[i].msg);
		json_decref(d);
	}
}

static void
test_config_file(void **state)
{
	(void)state;
	char path[] = "/tmp/pdl-metrics-cfg.XXXXXX";
	struct pdl_status st = {0};
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *txt = "{\"weights\":{\"revenue\":30}}";
	assert_int_equal(write(fd, txt, strlen(txt)), (ssize_t)strlen(txt));
	close(fd);
	assert_int_equal(pdl_metrics_config_load(path, &st), PDL_OK);
	const struct pdl_metrics_config *c = pdl_metrics_config_get(&st);
	assert_non_null(c);
	assert_int_equal(c->weight[PDL_MC_REVENUE], 30);
	assert_int_equal(c->weight[PDL_MC_CATALOG_REVIEW], 20);
	FILE *f = fopen(path, "w");
	fputs("{\"weights\":", f);
	fclose(f);
	assert_int_equal(pdl_metrics_config_load(path, &st), PDL_EDECODE);
	assert_int_equal(pdl_metrics_config_load("/nonexistent/metrics.json", &st), PDL_EIO);
	/* a failed load keeps the installed config */
	assert_int_equal(pdl_metrics_config_get(&st)->weight[PDL_MC_REVENUE], 30);
	unlink(path);
	/* the shipped example is the defaults, written out (when run from the tree's root, as make does) */
	if (access("fixtures/metrics-weights.json", R_OK) == 0) {
		struct pdl_metrics_config def;
		pdl_metrics_config_default(&def);
		assert_int_equal(pdl_metrics_config_load("fixtures/metrics-weights.json", &st), PDL_OK);
		assert_memory_equal(pdl_metrics_config_get(&st), &def, sizeof def);
	}
}

/* ---- the view on hand-made entries ---- */

struct vt {
	char dir[64];
	struct pdl_vdb db;
	uint64_t seq;
};

static void
vt_open(struct vt *v)
{
	const struct pdl_view *views[] = {&pdl_view_metrics};
	snprintf(v->dir, sizeof v->dir, "/tmp/pdl-metrics-view.XXXXXX");
	assert_non_null(mkdtemp(v->dir));
	assert_int_equal(pdl_vdb_open(&v->db, v->dir, views, 1, 0), PDL_OK);
	v->seq = 1;
}

static void
vt_close(struct vt *v)
{
	char cmd[128];
	pdl_vdb_close(&v->db);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", v->dir);
	assert_int_equal(system(cmd), 0);
}

/* Applies one entry at ledger time `when`; returns its seq. */
static uint64_t
vt_apply(struct vt *v, uint64_t when, const char *type, const char *actor, const char *body, const char *outcome)
{
	MDB_txn *t;
	json_t *b = json_loads(body, 0, NULL), *o = json_loads(outcome ? outcome : "{}", 0, NULL);
	assert_non_null(b);
	assert_non_null(o);
	struct pdl_ventry e = {v->seq, when, (const uint8_t *)"", 0, type, actor, b, o, NULL};
	assert_int_equal(mdb_txn_begin(v->db.env, NULL, 0, &t), 0);
	assert_int_equal(pdl_view_metrics.apply(&v->db, t, &e), PDL_OK);
	assert_int_equal(mdb_txn_commit(t), 0);
	json_decref(b);
	json_decref(o);
	return v->seq++;
}

static json_t *
vt_get(struct vt *v, const char *table, const char *key)
{
	MDB_txn *t;
	assert_int_equal(mdb_txn_begin(v->db.env, NULL, MDB_RDONLY, &t), 0);
	json_t *d = pdl_vdoc_get(t, pdl_vdb_table(&v->db, table), key);
	mdb_txn_abort(t);
	return d;
}

static json_int_t
fig(struct vt *v, const char *key, const char *sec, const char *field)
{
	json_t *d = vt_get(v, PDL_MT_FIG, key);
	if (d == NULL)
		fail_msg("no figures %s", key);
	const json_t *x = json_object_get(json_object_get(d, sec), field);
	json_int_t r = json_is_integer(x) ? json_integer_value(x) : -1;
	json_decref(d);
	return r;
}

static unsigned
src_count(struct vt *v, const char *prefix)
{
	MDB_txn *t;
	MDB_cursor *c;
	MDB_val k = {strlen(prefix), (void *)prefix}, d;
	unsigned n = 0;
	assert_int_equal(mdb_txn_begin(v->db.env, NULL, MDB_RDONLY, &t), 0);
	assert_int_equal(mdb_cursor_open(t, pdl_vdb_table(&v->db, PDL_MT_SRC), &c), 0);
	for (int r = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE); r == 0; r = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		if (k.mv_size < strlen(prefix) || memcmp(k.mv_data, prefix, strlen(prefix)) != 0)
			break;
		n++;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(t);
	return n;
}

/* The scenario both view tests run: two providers, the 2026 calendar. */
static void
scenario(struct vt *v)
{
	vt_apply(v, cst(2026, 9, 1, 9, 0), "calendar.publish", "authority",
	         "{\"year\":2026,\"holidays\":[\"2026-10-01\",\"2026-10-02\",\"2026-10-05\",\"2026-10-06\","
	         "\"2026-10-07\"],\"workdays\":[\"2026-09-27\",\"2026-10-10\"]}",
	         NULL);
	vt_apply(v, cst(2026, 9, 1, 10, 0), "catalog.publish", "prov-a", "{\"resource_id\":\"ra\"}", NULL);
	vt_apply(v, cst(2026, 9, 1, 10, 5), "catalog.publish", "prov-b", "{\"resource_id\":\"rb\"}", NULL);
	/* catalog requests to prov-a, decided in October: q1 2 h; q2 10 h (over
	 * the make-up Saturday); q3 26 h (over the holidays and the make-up day) */
	vt_apply(v, cst(2026, 9, 30, 16, 0), "catalog.request", "op", "{\"request_id\":\"q3\",\"provider\":\"prov-a\"}",
	         NULL);
	vt_apply(v, cst(2026, 10, 8, 10, 0), "catalog.request", "op", "{\"request_id\":\"q1\",\"provider\":\"prov-a\"}",
	         NULL);
	vt_apply(v, cst(2026, 10, 8, 12, 0), "catalog.decide", "prov-a",
	         "{\"request_id\":\"q1\",\"decision\":\"approve\",\"resource\":{\"resource_id\":\"ra2\"}}",
	         "{\"resource_id\":\"ra2\"}");
	vt_apply(v, cst(2026, 10, 9, 16, 0), "catalog.request", "op", "{\"request_id\":\"q2\",\"provider\":\"prov-a\"}",
	         NULL);
	vt_apply(v, cst(2026, 10, 12, 10, 0), "catalog.decide", "prov-a",
	         "{\"request_id\":\"q2\",\"decision\":\"reject\",\"reason\":\"no\"}", NULL);
	vt_apply(v, cst(2026, 10, 12, 10, 0), "catalog.decide", "prov-a",
	         "{\"request_id\":\"q3\",\"decision\":\"reject\",\"reason\":\"no\"}", NULL);
	/* a second decision on q1 is not counted again */
	vt_apply(v, cst(2026, 10, 12, 11, 0), "catalog.decide", "prov-a", "{\"request_id\":\"q1\",\"decision\":\"reject\"}",
	         NULL);
	/* calls: c1 on both providers' resources; c2 escalated, assessed in November */
	vt_apply(v, cst(2026, 10, 12, 11, 0), "call.request", "dev",
	         "{\"call_id\":\"c1\",\"grant_id\":\"g\",\"resources\":[\"ra\",\"rb\",\"ra2\"]}", NULL);
	vt_apply(v, cst(2026, 10, 12, 11, 5), "call.approve", "op", "{\"call_id\":\"c1\"}", NULL);
	vt_apply(v, cst(2026, 10, 12, 11, 6), "call.request", "dev",
	         "{\"call_id\":\"c2\",\"grant_id\":\"g\",\"resources\":[\"rb\"]}", NULL);
	vt_apply(v, cst(2026, 10, 12, 11, 7), "call.escalate", "op", "{\"call_id\":\"c2\"}", NULL);
	/* quality: two reports on prov-a in October, one resolved in November */
	vt_apply(v, cst(2026, 10, 20, 9, 0), "quality.report", "dev",
	         "{\"report_id\":\"r1\",\"resource_id\":\"ra\",\"issue\":\"error\"}", NULL);
	vt_apply(v, cst(2026, 10, 20, 9, 30), "quality.report", "dev",
	         "{\"report_id\":\"r2\",\"resource_id\":\"ra2\",\"issue\":\"omission\"}", NULL);
	vt_apply(v, cst(2026, 11, 2, 9, 0), "call.assess", "authority", "{\"call_id\":\"c2\",\"decision\":\"approve\"}",
	         NULL);
	/* usage for October, reported in November */
	vt_apply(v, cst(2026, 11, 2, 10, 0), "call.usage", "op",
	         "{\"call_id\":\"c1\",\"resource_id\":\"ra\",\"period\":\"2026-10\",\"records\":1500,\"bytes\":10}", NULL);
	vt_apply(v, cst(2026, 11, 2, 10, 0), "call.usage", "op",
	         "{\"call_id\":\"c1\",\"resource_id\":\"ra2\",\"period\":\"2026-10\",\"records\":500,\"bytes\":20}", NULL);
	vt_apply(v, cst(2026, 11, 2, 11, 0), "quality.resolve", "prov-a",
	         "{\"report_id\":\"r1\",\"outcome\":\"corrected\"}", NULL);
	/* products: p1 on ra; p2 on p1 and rb → p2 is derived from both */
	vt_apply(v, cst(2026, 11, 3, 9, 0), "product.submit", "dev",
	         "{\"product_id\":\"p1\",\"inputs\":{\"resources\":[\"ra\"],\"products\":[]}}", NULL);
	vt_apply(v, cst(2026, 11, 3, 9, 1), "product.submit", "dev",
	         "{\"product_id\":\"p2\",\"inputs\":{\"resources\":[\"rb\"],\"products\":[\"p1\"]}}", NULL);
	vt_apply(v, cst(2026, 11, 4, 9, 0), "product.release", "op", "{\"product_id\":\"p2\"}", NULL);
	vt_apply(v, cst(2026, 11, 4, 9, 0), "product.release", "op", "{\"product_id\":\"p2\"}", NULL);
	/* a settlement of p2 for 2026-10, then a re-run replacing it */
	vt_apply(v, cst(2026, 11, 5, 9, 0), "settlement.run", "op",
	         "{\"settlement_id\":\"s1\",\"product_id\":\"p2\",\"period\":\"2026-10\"}",
	         "{\"gross_fen\":1000,\"lines\":[{\"party\":\"prov-a\",\"role\":\"provider\",\"amount_fen\":300},"
	         "{\"party\":\"prov-b\",\"role\":\"provider\",\"amount_fen\":100},"
	         "{\"party\":\"op\",\"role\":\"operator\",\"amount_fen\":600}]}");
	vt_apply(v, cst(2026, 11, 6, 9, 0), "settlement.run", "op",
	         "{\"settlement_id\":\"s2\",\"product_id\":\"p2\",\"period\":\"2026-10\"}",
	         "{\"gross_fen\":2000,\"lines\":[{\"party\":\"prov-a\",\"role\":\"provider\",\"amount_fen\":700},"
	         "{\"party\":\"prov-b\",\"role\":\"provider\",\"amount_fen\":0},"
	         "{\"party\":\"op\",\"role\":\"operator\",\"amount_fen\":1300}]}");
	/* noise the view ignores */
	vt_apply(v, cst(2026, 11, 6, 9, 1), "quality.report", "dev",
	         "{\"report_id\":\"r9\",\"resource_id\":\"nope\",\"issue\":\"error\"}", NULL);
	vt_apply(v, cst(2026, 11, 6, 9, 2), "call.usage", "op",
	         "{\"call_id\":\"c1\",\"resource_id\":\"nope\",\"period\":\"2026-10\",\"records\":9,\"bytes\":9}", NULL);
	vt_apply(v, cst(2026, 11, 6, 9, 3), "party.register", "authority", "{\"id\":\"x\"}", NULL);
}

static void
test_view(void **state)
{
	(void)state;
	struct vt v;
	vt_open(&v);
	scenario(&v);
	/* catalog timeliness (October decisions): 2 h (seq 6), 10 h (seq 8), 26 h (seq 9) */
	assert_int_equal(fig(&v, "prov-a 2026-10", PDL_MF_CATALOG_REVIEW, "count"), 3);
	assert_int_equal(fig(&v, "prov-a 2026-10", PDL_MF_CATALOG_REVIEW, "sum_work_ms"), 38 * H);
	assert_int_equal(fig(&v, "prov-a 2026-10", PDL_MF_CATALOG_REVIEW, "median_work_ms"), 10 * H);
	assert_int_equal(fig(&v, "prov-a 2026-10", PDL_MF_CATALOG_REVIEW, "median_seq"), 8);
	assert_int_equal(fig(&v, "prov-a 2026-10", PDL_MF_CATALOG_REVIEW, "p90_work_ms"), 26 * H);
	assert_int_equal(fig(&v, "prov-a 2026-10", PDL_MF_CATALOG_REVIEW, "p90_seq"), 9);
	assert_int_equal(src_count(&v, "prov-a 2026-10 catalog_review "), 3);
	/* approved calls: c1 counts once for each of its providers */
	assert_int_equal(fig(&v, "prov-a 2026-10", "usage", "approved_calls"), 1);
	assert_int_equal(fig(&v, "prov-b 2026-10", "usage", "approved_calls"), 1);
	assert_int_equal(fig(&v, "prov-b 2026-11", "usage", "approved_calls"), 1); /* c2, assessed in November */
	/* usage counts in its reported period */
	assert_int_equal(fig(&v, "prov-a 2026-10", "usage", "records_served"), 2000);
	assert_int_equal(fig(&v, "prov-a 2026-10", "usage", "bytes_served"), 30);
	assert_int_equal(src_count(&v, "prov-a 2026-10 records_served "), 2);
	/* quality: October cohort, resolution timed in November (r1: 10-20 09:00 → 11-02 11:00) */
	assert_int_equal(fig(&v, "prov-a 2026-10", "quality", "reports"), 2);
	assert_int_equal(fig(&v, "prov-a 2026-10", "quality", "resolved"), 1);
	assert_int_equal(fig(&v, "prov-a 2026-10", "quality", "corrected"), 1);
	uint64_t r1 = 8 * H * 9 + 2 * H; /* 10-20..10-30: 9 working days; 11-02 09:00–11:00 */
	assert_int_equal(fig(&v, "prov-a 2026-10", "quality", "resolve_work_ms_sum"), r1);
	assert_int_equal(fig(&v, "prov-a 2026-11", PDL_MF_QUALITY_REVIEW, "median_work_ms"), r1);
	assert_int_equal(src_count(&v, "prov-a 2026-10 quality_reports "), 2);
	assert_int_equal(src_count(&v, "prov-a 2026-10 quality_resolved "), 1);
	/* products: p2 (released once) is derived from ra (through p1) and rb */
	assert_int_equal(fig(&v, "prov-a 2026-11", "usage", "products_derived"), 1);
	assert_int_equal(fig(&v, "prov-b 2026-11", "usage", "products_derived"), 1);
	/* revenue: the re-run replaced the first run */
	assert_int_equal(fig(&v, "prov-a 2026-10", "usage", "revenue_fen"), 700);
	assert_int_equal(fig(&v, "prov-a 2026-10", "usage", "settlements"), 1);
	assert_int_equal(fig(&v, "prov-b 2026-10", "usage", "revenue_fen"), 0);
	assert_int_equal(fig(&v, "prov-b 2026-10", "usage", "settlements"), 1);
	assert_int_equal(src_count(&v, "prov-a 2026-10 revenue "), 1);
	json_t *row = vt_get(&v, PDL_MT_SRC, "prov-a 2026-10 revenue 000000000000001a");
	assert_non_null(row);
	assert_int_equal(json_integer_value(json_object_get(row, "replaces_seq")), 25);
	assert_int_equal(json_integer_value(json_object_get(row, "amount_fen")), 700);
	json_decref(row);
	/* nothing for the operator or the unknown resource */
	assert_null(vt_get(&v, PDL_MT_FIG, "op 2026-10"));

	/* a rebuild from the same entries is byte-identical */
	struct vt w;
	vt_open(&w);
	scenario(&w);
	uint8_t d1[32], d2[32];
	uint64_t n1, n2;
	assert_int_equal(pdl_vdb_digest(&v.db, d1, &n1), PDL_OK);
	assert_int_equal(pdl_vdb_digest(&w.db, d2, &n2), PDL_OK);
	assert_memory_equal(d1, d2, 32);
	vt_close(&w);
	vt_close(&v);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_workdays),
		cmocka_unit_test(test_work_ms_cases),
		cmocka_unit_test(test_work_ms_model),
		cmocka_unit_test(test_percentiles),
		cmocka_unit_test(test_ratios),
		cmocka_unit_test(test_score),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_view),
	};
	return cmocka_run_group_tests(tests, setup_cal, NULL);
}
