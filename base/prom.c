/* prom.c — see prom.h. */
#include "prom.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a over the label values, each with its terminating NUL. */
static uint64_t
values_hash(const char *const *values, unsigned n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (unsigned i = 0; i < n; i++) {
		size_t len = strnlen(values[i], PDL_PROM_VALUE_BYTES - 1);
		for (size_t k = 0; k <= len; k++) {
			h ^= k < len ? (uint8_t)values[i][k] : 0;
			h *= 0x100000001b3ull;
		}
	}
	return h;
}

static int
values_equal(const struct pdl_prom_series *s, const char *const *values, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		size_t len = strnlen(values[i], PDL_PROM_VALUE_BYTES - 1);
		if (strncmp(s->values[i], values[i], len) != 0 || s->values[i][len] != 0)
			return 0;
	}
	return 1;
}

/* The last slot is kept for "_other" (invariant 2); the others hold the
 * series by hash. */
#define SLOTS (PDL_PROM_SERIES_MAX - 1u)

/* The slot of these values among slots [first, first + n) probed from h:
 * found, or claimed (invariant 1); NULL when they are all taken by others. */
static struct pdl_prom_series *
series_get(struct pdl_prom_family *f, const char *const *values, uint64_t h, unsigned first, unsigned n)
{
	for (unsigned probe = 0; probe < n; probe++) {
		struct pdl_prom_series *s = &f->series[first + (h + probe) % n];
		int st = atomic_load_explicit(&s->state, memory_order_acquire);
		if (st == 0) {
			int free_state = 0;
			if (atomic_compare_exchange_strong_explicit(&s->state, &free_state, 1, memory_order_acquire,
			                                            memory_order_acquire)) {
				s->hash = h;
				for (unsigned i = 0; i < f->nlabels; i++)
					snprintf(s->values[i], sizeof s->values[i], "%s", values[i]);
				atomic_store_explicit(&s->state, 2, memory_order_release);
				return s;
			}
			st = free_state; /* another thread is naming it: see what */
		}
		while (st == 1) /* a few stores away from 2 */
			st = atomic_load_explicit(&s->state, memory_order_acquire);
		if (s->hash == h && values_equal(s, values, f->nlabels))
			return s;
	}
	return NULL;
}

void
pdl_prom_family_add(struct pdl_prom_family *f, uint64_t n, const char *const *values)
{
	assert(f->nlabels >= 1 && f->nlabels <= PDL_PROM_LABELS_MAX);
	struct pdl_prom_series *s = series_get(f, values, values_hash(values, f->nlabels), 0, SLOTS);
	if (s == NULL) {
		/* full (invariant 2): the "_other" series, in the slot kept for it */
		const char *other[PDL_PROM_LABELS_MAX] = {PDL_PROM_OTHER, PDL_PROM_OTHER, PDL_PROM_OTHER};
		s = series_get(f, other, 0, SLOTS, 1);
		assert(s != NULL); /* nothing else ever takes that slot */
	}
	atomic_fetch_add_explicit(&s->v, n, memory_order_relaxed);
}

void
pdl_prom_hist_init(struct pdl_prom_hist *h, const uint64_t *bounds, unsigned n)
{
	assert(n <= PDL_PROM_BUCKETS_MAX);
	for (unsigned i = 0; i < n; i++) {
		assert(i == 0 || bounds[i] > bounds[i - 1]);
		h->bounds[i] = bounds[i];
	}
	h->n = n;
}

void
pdl_prom_observe(struct pdl_prom_hist *h, uint64_t v)
{
	unsigned lo = 0, hi = h->n; /* the first bound >= v; n: +Inf */
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (h->bounds[mid] >= v)
			hi = mid;
		else
			lo = mid + 1;
	}
	atomic_fetch_add_explicit(&h->buckets[lo], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum, v, memory_order_relaxed);
}

/* ---- writing ---- */

void
pdl_prom_buf_free(struct pdl_prom_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

static void __attribute__((format(printf, 2, 3)))
put(struct pdl_prom_buf *b, const char *fmt, ...)
{
	va_list ap;
	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->n;
		va_start(ap, fmt);
		int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? room : 0, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->oom = 1;
			return;
		}
		if (b->p != NULL && (size_t)k < room) {
			b->n += (size_t)k;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap - b->n <= (size_t)k)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

/* A label value: backslash, double quote and newline escaped, as the format
 * requires; other bytes as they are. */
static void
put_value(struct pdl_prom_buf *b, const char *v)
{
	put(b, "\"");
	for (const char *c = v; *c; c++) {
		if (*c == '\\')
			put(b, "\\\\");
		else if (*c == '"')
			put(b, "\\\"");
		else if (*c == '\n')
			put(b, "\\n");
		else
			put(b, "%c", *c);
	}
	put(b, "\"");
}

static void
put_decimal(struct pdl_prom_buf *b, uint64_t v, unsigned scale_digits)
{
	uint64_t p = 1;
	for (unsigned i = 0; i < scale_digits; i++)
		p *= 10;
	if (scale_digits == 0)
		put(b, "%llu", (unsigned long long)v);
	else
		put(b, "%llu.%0*llu", (unsigned long long)(v / p), (int)scale_digits, (unsigned long long)(v % p));
}

void
pdl_prom_header(struct pdl_prom_buf *b, const char *name, const char *type, const char *help)
{
	/* HELP text escapes backslash and newline */
	put(b, "# HELP %s ", name);
	for (const char *c = help; *c; c++) {
		if (*c == '\\')
			put(b, "\\\\");
		else if (*c == '\n')
			put(b, "\\n");
		else
			put(b, "%c", *c);
	}
	put(b, "\n# TYPE %s %s\n", name, type);
}

static void
put_labels(struct pdl_prom_buf *b, const char *const *names, const char *const *values, unsigned n,
           const char *le)
{
	if (n == 0 && le == NULL)
		return;
	put(b, "{");
	for (unsigned i = 0; i < n; i++) {
		put(b, "%s%s=", i ? "," : "", names[i]);
		put_value(b, values[i]);
	}
	if (le != NULL)
		put(b, "%sle=\"%s\"", n ? "," : "", le);
	put(b, "}");
}

void
pdl_prom_sample(struct pdl_prom_buf *b, const char *name, const char *const *label_names,
                const char *const *label_values, unsigned n, uint64_t v, unsigned scale_digits)
{
	put(b, "%s", name);
	put_labels(b, label_names, label_values, n, NULL);
	put(b, " ");
	put_decimal(b, v, scale_digits);
	put(b, "\n");
}

void
pdl_prom_write_counter(struct pdl_prom_buf *b, const char *name, const char *help, uint64_t v)
{
	pdl_prom_header(b, name, "counter", help);
	pdl_prom_sample(b, name, NULL, NULL, 0, v, 0);
}

void
pdl_prom_write_gauge(struct pdl_prom_buf *b, const char *name, const char *help, uint64_t v, unsigned scale_digits)
{
	pdl_prom_header(b, name, "gauge", help);
	pdl_prom_sample(b, name, NULL, NULL, 0, v, scale_digits);
}

struct snap {
	const struct pdl_prom_series *s;
	uint64_t v;
};

static int
cmp_snap(const void *x, const void *y, void *arg)
{
	const struct snap *a = x, *b = y;
	unsigned nlabels = *(const unsigned *)arg;
	for (unsigned i = 0; i < nlabels; i++) {
		int c = strcmp(a->s->values[i], b->s->values[i]);
		if (c != 0)
			return c;
	}
	return 0;
}

void
pdl_prom_write_family(struct pdl_prom_buf *b, const struct pdl_prom_family *f)
{
	struct snap *snaps = malloc(PDL_PROM_SERIES_MAX * sizeof *snaps);
	unsigned n = 0;
	if (snaps == NULL) {
		b->oom = 1;
		return;
	}
	for (unsigned i = 0; i < PDL_PROM_SERIES_MAX; i++) {
		const struct pdl_prom_series *s = &f->series[i];
		if (atomic_load_explicit(&s->state, memory_order_acquire) != 2)
			continue;
		snaps[n].s = s;
		snaps[n].v = atomic_load_explicit(&s->v, memory_order_relaxed);
		n++;
	}
	unsigned nlabels = f->nlabels;
	qsort_r(snaps, n, sizeof *snaps, cmp_snap, &nlabels);
	pdl_prom_header(b, f->name, "counter", f->help);
	for (unsigned i = 0; i < n; i++) {
		const char *vals[PDL_PROM_LABELS_MAX];
		for (unsigned k = 0; k < f->nlabels; k++)
			vals[k] = snaps[i].s->values[k];
		pdl_prom_sample(b, f->name, f->labels, vals, f->nlabels, snaps[i].v, 0);
	}
	free(snaps);
}

void
pdl_prom_write_hist(struct pdl_prom_buf *b, const char *name, const char *help, struct pdl_prom_hist *h,
                    unsigned scale_digits)
{
	uint64_t counts[PDL_PROM_BUCKETS_MAX + 1], total = 0;
	for (unsigned i = 0; i <= h->n; i++)
		counts[i] = atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
	uint64_t sum = atomic_load_explicit(&h->sum, memory_order_relaxed);
	pdl_prom_header(b, name, "histogram", help);
	for (unsigned i = 0; i <= h->n; i++) {
		char le[48];
		struct pdl_prom_buf lb = {0};
		total += counts[i];
		if (i < h->n) {
			put_decimal(&lb, h->bounds[i], scale_digits);
			snprintf(le, sizeof le, "%s", lb.oom ? "0" : lb.p);
			pdl_prom_buf_free(&lb);
		} else {
			snprintf(le, sizeof le, "+Inf");
		}
		put(b, "%s_bucket", name);
		put_labels(b, NULL, NULL, 0, le);
		put(b, " %llu\n", (unsigned long long)total);
	}
	put(b, "%s_sum ", name);
	put_decimal(b, sum, scale_digits);
	put(b, "\n%s_count %llu\n", name, (unsigned long long)total);
}
