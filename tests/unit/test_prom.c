/* test_prom.c — the metrics module (prom.h): exact text of counters,
 * gauges, families and histograms; label escaping; bucket edges; a full
 * family counting into "_other"; and increments from many threads at once
 * summing exactly (the lock-free paths). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prom.h"

/* the buffer's text, NUL-terminated, for comparisons */
static const char *
text(struct pdl_prom_buf *b)
{
	assert_false(b->oom);
	assert_non_null(b->p);
	assert_true(b->n < b->cap);
	b->p[b->n] = 0;
	return b->p;
}

static void
test_counter_gauge(void **state)
{
	(void)state;
	struct pdl_prom_counter c = {0};
	struct pdl_prom_buf b = {0};
	pdl_prom_add(&c, 3);
	pdl_prom_add(&c, 4);
	pdl_prom_write_counter(&b, "pdl_x_total", "Things \\ counted\nhere.", atomic_load(&c.v));
	pdl_prom_write_gauge(&b, "pdl_age_seconds", "An age.", 12345, 3);
	pdl_prom_write_gauge(&b, "pdl_small_seconds", "Below one.", 7, 3);
	assert_string_equal(text(&b), "# HELP pdl_x_total Things \\\\ counted\\nhere.\n"
	                              "# TYPE pdl_x_total counter\n"
	                              "pdl_x_total 7\n"
	                              "# HELP pdl_age_seconds An age.\n"
	                              "# TYPE pdl_age_seconds gauge\n"
	                              "pdl_age_seconds 12.345\n"
	                              "# HELP pdl_small_seconds Below one.\n"
	                              "# TYPE pdl_small_seconds gauge\n"
	                              "pdl_small_seconds 0.007\n");
	pdl_prom_buf_free(&b);
}

static struct pdl_prom_family fam = {"pdl_acts_refused_total", "Acts refused.", 2, {"type", "rule"}, {{0}}};

static void
test_family(void **state)
{
	(void)state;
	struct pdl_prom_buf b = {0};
	memset(fam.series, 0, sizeof fam.series);
	pdl_prom_family_add(&fam, 1, (const char *[]){"grant.issue", "grant.term_exceeds_policy"});
	pdl_prom_family_add(&fam, 2, (const char *[]){"call.request", "call.not_in_grant"});
	pdl_prom_family_add(&fam, 1, (const char *[]){"grant.issue", "grant.term_exceeds_policy"});
	/* a value needing escapes, and one longer than the kept 63 bytes */
	pdl_prom_family_add(&fam, 1, (const char *[]){"a\"b\\c\nd", ""});
	char longv[200];
	memset(longv, 'x', sizeof longv - 1);
	longv[sizeof longv - 1] = 0;
	pdl_prom_family_add(&fam, 5, (const char *[]){longv, "r"});
	longv[100] = 0; /* the same first 63 bytes: the same series */
	pdl_prom_family_add(&fam, 1, (const char *[]){longv, "r"});
	pdl_prom_write_family(&b, &fam);
	char want[1024];
	snprintf(want, sizeof want,
	         "# HELP pdl_acts_refused_total Acts refused.\n"
	         "# TYPE pdl_acts_refused_total counter\n"
	         "pdl_acts_refused_total{type=\"a\\\"b\\\\c\\nd\",rule=\"\"} 1\n"
	         "pdl_acts_refused_total{type=\"call.request\",rule=\"call.not_in_grant\"} 2\n"
	         "pdl_acts_refused_total{type=\"grant.issue\",rule=\"grant.term_exceeds_policy\"} 2\n"
	         "pdl_acts_refused_total{type=\"%.63s\",rule=\"r\"} 6\n",
	         longv);
	assert_string_equal(text(&b), want);
	pdl_prom_buf_free(&b);
}

static void
test_family_full(void **state)
{
	(void)state;
	static struct pdl_prom_family f = {"pdl_http_requests_total", "Requests.", 1, {"route"}, {{0}}};
	char v[32];
	for (unsigned i = 0; i < PDL_PROM_SERIES_MAX + 100; i++) {
		snprintf(v, sizeof v, "/r%u", i);
		pdl_prom_family_add(&f, 1, (const char *[]){v});
	}
	/* every increment is somewhere: in its own series or in "_other" */
	uint64_t total = 0, other = 0, series = 0;
	for (unsigned i = 0; i < PDL_PROM_SERIES_MAX; i++) {
		if (atomic_load(&f.series[i].state) != 2)
			continue;
		series++;
		total += atomic_load(&f.series[i].v);
		if (strcmp(f.series[i].values[0], PDL_PROM_OTHER) == 0)
			other = atomic_load(&f.series[i].v);
	}
	assert_int_equal(series, PDL_PROM_SERIES_MAX);
	assert_int_equal(total, PDL_PROM_SERIES_MAX + 100);
	assert_int_equal(other, 101); /* what did not fit in the other 511 slots */
}

static void
test_hist(void **state)
{
	(void)state;
	struct pdl_prom_hist h = {0};
	struct pdl_prom_buf b = {0};
	const uint64_t bounds[] = {500, 1000, 250000};
	pdl_prom_hist_init(&h, bounds, 3);
	pdl_prom_observe(&h, 0);
	pdl_prom_observe(&h, 500);  /* on a bound: that bucket (le is <=) */
	pdl_prom_observe(&h, 501);
	pdl_prom_observe(&h, 250000);
	pdl_prom_observe(&h, 9000000);
	pdl_prom_write_hist(&b, "pdl_commit_seconds", "Commit time.", &h, 6);
	assert_string_equal(text(&b), "# HELP pdl_commit_seconds Commit time.\n"
	                              "# TYPE pdl_commit_seconds histogram\n"
	                              "pdl_commit_seconds_bucket{le=\"0.000500\"} 2\n"
	                              "pdl_commit_seconds_bucket{le=\"0.001000\"} 3\n"
	                              "pdl_commit_seconds_bucket{le=\"0.250000\"} 4\n"
	                              "pdl_commit_seconds_bucket{le=\"+Inf\"} 5\n"
	                              "pdl_commit_seconds_sum 9.251001\n"
	                              "pdl_commit_seconds_count 5\n");
	pdl_prom_buf_free(&b);
}

static void
test_sample_labels(void **state)
{
	(void)state;
	struct pdl_prom_buf b = {0};
	pdl_prom_header(&b, "pdl_project_view_lag_entries", "gauge", "Entries behind.");
	pdl_prom_sample(&b, "pdl_project_view_lag_entries", (const char *[]){"view"}, (const char *[]){"disclosure"}, 1,
	                3, 0);
	assert_string_equal(text(&b), "# HELP pdl_project_view_lag_entries Entries behind.\n"
	                              "# TYPE pdl_project_view_lag_entries gauge\n"
	                              "pdl_project_view_lag_entries{view=\"disclosure\"} 3\n");
	pdl_prom_buf_free(&b);
}

/* ---- many threads at once ---- */

#define THREADS 8
#define ROUNDS 20000

static struct pdl_prom_family tfam = {"pdl_t_total", "T.", 2, {"a", "b"}, {{0}}};
static struct pdl_prom_hist thist;
static struct pdl_prom_counter tcount;

static void *
hammer(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	char a[16], bb[16];
	for (unsigned i = 0; i < ROUNDS; i++) {
		/* 16 series, named by whichever thread comes first */
		snprintf(a, sizeof a, "t%u", (i + id) % 4);
		snprintf(bb, sizeof bb, "r%u", i % 4);
		pdl_prom_family_add(&tfam, 1, (const char *[]){a, bb});
		pdl_prom_observe(&thist, i % 7);
		pdl_prom_add(&tcount, 1);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	(void)state;
	const uint64_t bounds[] = {1, 3, 5};
	pdl_prom_hist_init(&thist, bounds, 3);
	pthread_t th[THREADS];
	for (uintptr_t i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, (void *)i), 0);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	uint64_t total = 0;
	unsigned series = 0;
	for (unsigned i = 0; i < PDL_PROM_SERIES_MAX; i++)
		if (atomic_load(&tfam.series[i].state) == 2) {
			series++;
			total += atomic_load(&tfam.series[i].v);
			assert_int_equal(atomic_load(&tfam.series[i].v), THREADS * ROUNDS / 16);
		}
	assert_int_equal(series, 16); /* each named once, however many threads raced for it */
	assert_int_equal(total, THREADS * ROUNDS);
	assert_int_equal(atomic_load(&tcount.v), THREADS * ROUNDS);
	uint64_t n = 0;
	for (unsigned i = 0; i <= thist.n; i++)
		n += atomic_load(&thist.buckets[i]);
	assert_int_equal(n, THREADS * ROUNDS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_gauge), cmocka_unit_test(test_family),  cmocka_unit_test(test_family_full),
		cmocka_unit_test(test_hist),          cmocka_unit_test(test_sample_labels), cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
