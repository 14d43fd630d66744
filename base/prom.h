/*
 * prom.h — metrics for `pdld --metrics` and `pdl-project --metrics`, written
 * in the Prometheus text exposition format (version 0.0.4: "# HELP",
 * "# TYPE", then one sample a line, `name{label="value",...} value`).
 *
 * What the hot path touches is updated with relaxed atomic adds and no lock:
 * a counter is one atomic; a histogram is one atomic per bucket plus its
 * sum; a family (a counter by label values: acts refused by type and rule,
 * HTTP requests by route and status) is a fixed table of series, each
 * claimed once by a compare-and-swap and found again by its hash, so after
 * the first increment of a series an increment is a probe and an add.
 *
 * Invariants:
 *  (1) a series slot goes 0 (free) → 1 (being named, by the one thread
 *      whose CAS won) → 2 (named; its label values never change again);
 *      readers use a slot only in state 2 (acquire), and its values were
 *      written before the release store of 2;
 *  (2) a family holds at most PDL_PROM_SERIES_MAX series: label values the
 *      code does not bound (an HTTP route a client made up) cannot grow
 *      memory; once the other slots are taken, increments go to the series
 *      whose every label is "_other", in the last slot, kept for it;
 *  (3) a histogram's buckets count observations ≤ their bound (the last,
 *      +Inf, everything); the count written is the sum of the buckets read,
 *      so the +Inf bucket always equals _count in what a scrape sees.
 *
 * Values are integers on the hot path; a histogram or a sample may show
 * them scaled to a decimal (microseconds as seconds) when written: exact
 * digits, no floating point.
 */
#ifndef PDL_PROM_H
#define PDL_PROM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define PDL_PROM_LABELS_MAX 3u        /* labels of a family: type, error, rule is the most */
#define PDL_PROM_VALUE_BYTES 64u      /* a label value kept (longer ones are cut): ids and rule ids fit */
#define PDL_PROM_SERIES_MAX 512u      /* series per family: bounds memory against unbounded label values */
#define PDL_PROM_BUCKETS_MAX 24u      /* buckets of a histogram besides +Inf */
#define PDL_PROM_OTHER "_other"       /* every label of the series a full family counts into */

struct pdl_prom_counter {
	atomic_uint_fast64_t v;
};

static inline void
pdl_prom_add(struct pdl_prom_counter *c, uint64_t n)
{
	atomic_fetch_add_explicit(&c->v, n, memory_order_relaxed);
}

struct pdl_prom_series {
	atomic_int state; /* invariant (1) */
	uint64_t hash;
	char values[PDL_PROM_LABELS_MAX][PDL_PROM_VALUE_BYTES];
	atomic_uint_fast64_t v;
};

/* A counter by label values. Define it static (zeroed) with its name, help
 * and label names; nothing to free. */
struct pdl_prom_family {
	const char *name;
	const char *help;
	unsigned nlabels;
	const char *labels[PDL_PROM_LABELS_MAX];
	struct pdl_prom_series series[PDL_PROM_SERIES_MAX];
};

/* Adds n to the series of f with these label values (f->nlabels of them,
 * NUL-terminated, any bytes: they are escaped when written). */
void pdl_prom_family_add(struct pdl_prom_family *f, uint64_t n, const char *const *values);

/* A histogram of integer observations. bounds: ascending, n of them. */
struct pdl_prom_hist {
	unsigned n;
	uint64_t bounds[PDL_PROM_BUCKETS_MAX];
	atomic_uint_fast64_t buckets[PDL_PROM_BUCKETS_MAX + 1]; /* per bucket (not cumulative); the last is +Inf */
	atomic_uint_fast64_t sum;
};

/* Sets the bounds (at most PDL_PROM_BUCKETS_MAX, ascending) of a zeroed
 * histogram. Call before any observation. */
void pdl_prom_hist_init(struct pdl_prom_hist *h, const uint64_t *bounds, unsigned n);
void pdl_prom_observe(struct pdl_prom_hist *h, uint64_t v);

/* The text being written for one scrape: malloc'd, grows as needed. An
 * allocation failure sets oom and drops the rest (the listener answers 500). */
struct pdl_prom_buf {
	char *p;
	size_t n, cap;
	int oom;
};
void pdl_prom_buf_free(struct pdl_prom_buf *b);

/* Writing. type: "counter", "gauge" or "histogram". A metric's samples
 * follow its header; labels (names and values) are n pairs. */
void pdl_prom_header(struct pdl_prom_buf *b, const char *name, const char *type, const char *help);
/* One sample of an integer, or of v / 10^scale_digits written as an exact decimal. */
void pdl_prom_sample(struct pdl_prom_buf *b, const char *name, const char *const *label_names,
                     const char *const *label_values, unsigned n, uint64_t v, unsigned scale_digits);
/* A counter or gauge without labels: header and sample. */
void pdl_prom_write_counter(struct pdl_prom_buf *b, const char *name, const char *help, uint64_t v);
void pdl_prom_write_gauge(struct pdl_prom_buf *b, const char *name, const char *help, uint64_t v,
                          unsigned scale_digits);
/* A family: header and one sample per series, sorted by label values. */
void pdl_prom_write_family(struct pdl_prom_buf *b, const struct pdl_prom_family *f);
/* A histogram: header, cumulative _bucket samples (bounds scaled like
 * values), _sum and _count (invariant 3). */
void pdl_prom_write_hist(struct pdl_prom_buf *b, const char *name, const char *help, struct pdl_prom_hist *h,
                         unsigned scale_digits);

#endif
