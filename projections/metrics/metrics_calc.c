/* metrics_calc.c — see metrics_calc.h. */
#include <assert.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_calc.h"

typedef unsigned __int128 u128; /* exact products of two 64-bit figures */

/* ---- working time (the calendar itself is lib/date.h's) ---- */

/* Milliseconds of [from, to) (times of day) inside office hours. */
static uint64_t
office_overlap(uint64_t from, uint64_t to)
{
	uint64_t a = from > PDL_METRICS_OPEN_MS ? from : PDL_METRICS_OPEN_MS;
	uint64_t b = to < PDL_METRICS_CLOSE_MS ? to : PDL_METRICS_CLOSE_MS;
	return b > a ? b - a : 0;
}

uint64_t
pdl_metrics_work_ms(const struct pdl_workcal *cal, uint64_t from_ms, uint64_t to_ms)
{
	if (to_ms <= from_ms)
		return 0;
	int64_t da = pdl_day_of_ms(from_ms), db = pdl_day_of_ms(to_ms);
	uint64_t oa = (from_ms + PDL_CST_OFFSET_MS) % PDL_DAY_MS;
	uint64_t ob = (to_ms + PDL_CST_OFFSET_MS) % PDL_DAY_MS;
	assert(da <= db);
	if (da == db)
		return pdl_workcal_is_workday(cal, da) ? office_overlap(oa, ob) : 0;
	uint64_t ms = 0;
	if (pdl_workcal_is_workday(cal, da))
		ms += office_overlap(oa, PDL_DAY_MS);
	if (pdl_workcal_is_workday(cal, db))
		ms += office_overlap(0, ob);
	return ms + pdl_workcal_count(cal, da + 1, db) * (PDL_METRICS_CLOSE_MS - PDL_METRICS_OPEN_MS);
}

/* ---- percentiles and ratios ---- */

size_t
pdl_metrics_rank(unsigned pct, size_t n)
{
	assert(pct >= 1 && pct <= 100 && n >= 1);
	size_t r = (size_t)(((u128)pct * n + 99) / 100);
	return r - 1;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

uint64_t
pdl_metrics_percentile(uint64_t *v, size_t n, unsigned pct)
{
	qsort(v, n, sizeof *v, cmp_u64);
	return v[pdl_metrics_rank(pct, n)];
}

static uint64_t
sat(u128 x)
{
	return x > UINT64_MAX ? UINT64_MAX : (uint64_t)x;
}

uint64_t
pdl_metrics_div_round(uint64_t num, uint64_t mul, uint64_t den)
{
	assert(den != 0);
	u128 p = (u128)num * mul, q = p / den, r = p % den;
	if (r * 2 >= den) /* r < den < 2^64: no overflow */
		q++;
	return sat(q);
}

void
pdl_metrics_decimal(uint64_t num, uint64_t mul, uint64_t den, unsigned places, char *buf, size_t cap)
{
	assert(den != 0 && places <= 6 && mul <= (1ull << 40)); /* so num·mul·10^places < 2^128 */
	uint64_t scale = 1;
	for (unsigned i = 0; i < places; i++)
		scale *= 10;
	u128 p = (u128)num * mul * scale, q = p / den, r = p % den;
	if (r * 2 >= den)
		q++;
	uint64_t ip = sat(q / scale), fp = (uint64_t)(q % scale);
	if (places == 0)
		snprintf(buf, cap, "%llu", (unsigned long long)ip);
	else
		snprintf(buf, cap, "%llu.%0*llu", (unsigned long long)ip, (int)places, (unsigned long long)fp);
}

/* ---- config ---- */

const char *const pdl_metrics_comp_names[PDL_MC_N] = {
	"catalog_review", "quality_review", "quality_rate", "quality_resolved",
	"approved_calls", "records_served", "products_derived", "revenue",
};

void
pdl_metrics_config_default(struct pdl_metrics_config *cfg)
{
	static const uint64_t w[PDL_MC_N] = {20, 15, 15, 10, 10, 10, 10, 10};
	memcpy(cfg->weight, w, sizeof w);
	cfg->catalog_full_ms = 8 * PDL_METRICS_HOUR_MS;  /* one working day */
	cfg->catalog_zero_ms = 40 * PDL_METRICS_HOUR_MS; /* five working days */
	cfg->quality_full_ms = 16 * PDL_METRICS_HOUR_MS;
	cfg->quality_zero_ms = 80 * PDL_METRICS_HOUR_MS;
	cfg->rate_zero_per_million = 1000; /* one report per 1,000 records scores 0 */
	cfg->target_calls = 20;
	cfg->target_records = 100000;
	cfg->target_products = 2;
	cfg->target_revenue_fen = 1000000; /* 10,000 yuan */
}

#define HOURS_MAX 1000000u /* ~114 years: bounds the ms products */

struct target_key {
	const char *name;
	uint64_t max;
	int hours; /* stored in ms */
	size_t off;
};

#define OFF(f) offsetof(struct pdl_metrics_config, f)
static const struct target_key target_keys[] = {
	{"catalog_review_full_work_hours", HOURS_MAX, 1, OFF(catalog_full_ms)},
	{"catalog_review_zero_work_hours", HOURS_MAX, 1, OFF(catalog_zero_ms)},
	{"quality_review_full_work_hours", HOURS_MAX, 1, OFF(quality_full_ms)},
	{"quality_review_zero_work_hours", HOURS_MAX, 1, OFF(quality_zero_ms)},
	{"quality_rate_zero_per_million_records", 1000000000000ull, 0, OFF(rate_zero_per_million)},
	{"approved_calls", INT64_MAX, 0, OFF(target_calls)},
	{"records_served", INT64_MAX, 0, OFF(target_records)},
	{"products_derived", INT64_MAX, 0, OFF(target_products)},
	{"revenue_fen", INT64_MAX, 0, OFF(target_revenue_fen)},
};
#define N_TARGETS (sizeof target_keys / sizeof target_keys[0])

static int
get_uint(const json_t *v, uint64_t max, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
		return 0;
	*out = (uint64_t)json_integer_value(v);
	return 1;
}

int
pdl_metrics_config_parse(const json_t *doc, struct pdl_metrics_config *cfg, struct pdl_status *st)
{
	const char *k;
	const json_t *v;
	pdl_metrics_config_default(cfg);
	if (!json_is_object(doc))
		return pdl_status_set(st, PDL_EFIELD, NULL, "the metrics config is a JSON object");
	json_object_foreach((json_t *)doc, k, v) {
		if (strcmp(k, "note") == 0) {
			if (!json_is_string(v))
				return pdl_status_set(st, PDL_EFIELD, NULL, "note is a string");
		} else if (strcmp(k, "weights") == 0) {
			const char *wk;
			const json_t *wv;
			if (!json_is_object(v))
				return pdl_status_set(st, PDL_EFIELD, NULL, "weights is an object");
			json_object_foreach((json_t *)v, wk, wv) {
				unsigned i = 0;
				while (i < PDL_MC_N && strcmp(wk, pdl_metrics_comp_names[i]) != 0)
					i++;
				if (i == PDL_MC_N)
					return pdl_status_set(st, PDL_EFIELD, NULL, "weights: unknown component \"%s\"", wk);
				if (!get_uint(wv, PDL_METRICS_WEIGHT_MAX, &cfg->weight[i]))
					return pdl_status_set(st, PDL_EFIELD, NULL, "weights.%s is an integer 0..%u", wk,
					                      PDL_METRICS_WEIGHT_MAX);
			}
		} else if (strcmp(k, "targets") == 0) {
			const char *tk;
			const json_t *tv;
			if (!json_is_object(v))
				return pdl_status_set(st, PDL_EFIELD, NULL, "targets is an object");
			json_object_foreach((json_t *)v, tk, tv) {
				size_t i = 0;
				uint64_t x;
				while (i < N_TARGETS && strcmp(tk, target_keys[i].name) != 0)
					i++;
				if (i == N_TARGETS)
					return pdl_status_set(st, PDL_EFIELD, NULL, "targets: unknown key \"%s\"", tk);
				if (!get_uint(tv, target_keys[i].max, &x))
					return pdl_status_set(st, PDL_EFIELD, NULL, "targets.%s is an integer 0..%llu", tk,
					                      (unsigned long long)target_keys[i].max);
				if (target_keys[i].hours)
					x *= PDL_METRICS_HOUR_MS;
				if (target_keys[i].off == OFF(target_revenue_fen))
					cfg->target_revenue_fen = (int64_t)x;
				else
					*(uint64_t *)((char *)cfg + target_keys[i].off) = x;
			}
		} else {
			return pdl_status_set(st, PDL_EFIELD, NULL, "unknown metrics config key \"%s\"", k);
		}
	}
	if (cfg->catalog_full_ms >= cfg->catalog_zero_ms)
		return pdl_status_set(st, PDL_EINVAL, NULL,
		                      "targets: catalog_review_full_work_hours must be below catalog_review_zero_work_hours");
	if (cfg->quality_full_ms >= cfg->quality_zero_ms)
		return pdl_status_set(st, PDL_EINVAL, NULL,
		                      "targets: quality_review_full_work_hours must be below quality_review_zero_work_hours");
	uint64_t sum = 0;
	for (unsigned i = 0; i < PDL_MC_N; i++)
		sum += cfg->weight[i];
	if (sum == 0)
		return pdl_status_set(st, PDL_EINVAL, NULL, "weights: at least one weight must be above 0");
	return PDL_OK;
}

json_t *
pdl_metrics_config_json(const struct pdl_metrics_config *cfg)
{
	json_t *w = json_object(), *t = json_object();
	for (unsigned i = 0; i < PDL_MC_N; i++)
		json_object_set_new(w, pdl_metrics_comp_names[i], json_integer((json_int_t)cfg->weight[i]));
	for (size_t i = 0; i < N_TARGETS; i++) {
		uint64_t x = target_keys[i].off == OFF(target_revenue_fen)
		                 ? (uint64_t)cfg->target_revenue_fen
		                 : *(const uint64_t *)((const char *)cfg + target_keys[i].off);
		if (target_keys[i].hours)
			x /= PDL_METRICS_HOUR_MS;
		json_object_set_new(t, target_keys[i].name, json_integer((json_int_t)x));
	}
	return json_pack("{s:o,s:o}", "weights", w, "targets", t);
}

/* ---- score ---- */

static uint64_t
timeliness_bp(uint64_t m, uint64_t full, uint64_t zero)
{
	if (m <= full)
		return 10000;
	if (m >= zero)
		return 0;
	return pdl_metrics_div_round(zero - m, 10000, zero - full);
}

static uint64_t
target_bp(uint64_t x, uint64_t target)
{
	if (x >= target)
		return 10000;
	return pdl_metrics_div_round(x, 10000, target);
}

static uint64_t
rate_bp(uint64_t reports, uint64_t records, uint64_t zero_per_million)
{
	if (reports == 0)
		return 10000;
	if (zero_per_million == 0)
		return 0;
	/* 10,000 · (1 − (reports·10^6 / records) / zero) = 10,000 · (a − b) / a */
	u128 a = (u128)zero_per_million * records, b = (u128)reports * 1000000u;
	if (b >= a)
		return 0;
	/* a < 2^104, so 10,000·(a − b) fits in 128 bits */
	u128 q = ((a - b) * 10000u * 2 + a) / (a * 2);
	return (uint64_t)q;
}

void
pdl_metrics_score(const struct pdl_metrics_config *cfg, const struct pdl_metrics_figs *f, struct pdl_metrics_score *out)
{
	memset(out, 0, sizeof *out);
	if (f->catalog_n > 0) {
		out->scored[PDL_MC_CATALOG_REVIEW] = 1;
		out->comp_bp[PDL_MC_CATALOG_REVIEW] = timeliness_bp(f->catalog_median_ms, cfg->catalog_full_ms,
		                                                    cfg->catalog_zero_ms);
	}
	if (f->quality_n > 0) {
		out->scored[PDL_MC_QUALITY_REVIEW] = 1;
		out->comp_bp[PDL_MC_QUALITY_REVIEW] = timeliness_bp(f->quality_median_ms, cfg->quality_full_ms,
		                                                    cfg->quality_zero_ms);
	}
	if (f->records > 0) {
		out->scored[PDL_MC_QUALITY_RATE] = 1;
		out->comp_bp[PDL_MC_QUALITY_RATE] = rate_bp(f->reports, f->records, cfg->rate_zero_per_million);
	}
	if (f->reports > 0) {
		out->scored[PDL_MC_QUALITY_RESOLVED] = 1;
		out->comp_bp[PDL_MC_QUALITY_RESOLVED] = pdl_metrics_div_round(f->resolved, 10000, f->reports);
	}
	if (cfg->target_calls > 0) {
		out->scored[PDL_MC_APPROVED_CALLS] = 1;
		out->comp_bp[PDL_MC_APPROVED_CALLS] = target_bp(f->calls, cfg->target_calls);
	}
	if (cfg->target_records > 0) {
		out->scored[PDL_MC_RECORDS_SERVED] = 1;
		out->comp_bp[PDL_MC_RECORDS_SERVED] = target_bp(f->records, cfg->target_records);
	}
	if (cfg->target_products > 0) {
		out->scored[PDL_MC_PRODUCTS_DERIVED] = 1;
		out->comp_bp[PDL_MC_PRODUCTS_DERIVED] = target_bp(f->products, cfg->target_products);
	}
	if (f->settlements > 0 && cfg->target_revenue_fen > 0) {
		out->scored[PDL_MC_REVENUE] = 1;
		out->comp_bp[PDL_MC_REVENUE] =
		    f->revenue_fen <= 0 ? 0 : target_bp((uint64_t)f->revenue_fen, (uint64_t)cfg->target_revenue_fen);
	}
	uint64_t num = 0;
	for (unsigned i = 0; i < PDL_MC_N; i++) {
		if (cfg->weight[i] == 0)
			out->scored[i] = 0;
		if (!out->scored[i]) {
			out->comp_bp[i] = 0;
			continue;
		}
		num += cfg->weight[i] * out->comp_bp[i];
		out->weight_total += cfg->weight[i];
	}
	if (out->weight_total > 0) {
		out->has_total = 1;
		out->total_bp = pdl_metrics_div_round(num, 1, out->weight_total);
	}
}

/* ---- the installed config ---- */

static struct pdl_metrics_config installed;
static int installed_ok;          /* set before serving, or by the once below */
static struct pdl_status env_st;  /* the env file's error, if any */
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static int
load_file(const char *path, struct pdl_metrics_config *cfg, struct pdl_status *st)
{
	json_error_t je;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return pdl_status_set(st, PDL_EIO, NULL, "cannot open the metrics config %s", path);
	char *buf = malloc(PDL_METRICS_CONFIG_BYTES_MAX + 1);
	size_t n = buf ? fread(buf, 1, PDL_METRICS_CONFIG_BYTES_MAX + 1, f) : 0;
	fclose(f);
	if (buf == NULL)
		return PDL_ENOMEM;
	if (n > PDL_METRICS_CONFIG_BYTES_MAX) {
		free(buf);
		return pdl_status_set(st, PDL_ETOOBIG, NULL, "%s is over %u bytes", path, PDL_METRICS_CONFIG_BYTES_MAX);
	}
	json_t *doc = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (doc == NULL)
		return pdl_status_set(st, PDL_EDECODE, NULL, "%s: line %d: %s", path, je.line, je.text);
	struct pdl_status pst = {0};
	int rc = pdl_metrics_config_parse(doc, cfg, &pst);
	json_decref(doc);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "%s: %s", path, pst.msg);
	return PDL_OK;
}

int
pdl_metrics_config_load(const char *path, struct pdl_status *st)
{
	struct pdl_metrics_config cfg;
	int rc = load_file(path, &cfg, st);
	if (rc != PDL_OK)
		return rc;
	installed = cfg;
	installed_ok = 1;
	return PDL_OK;
}

static void
load_env(void)
{
	if (installed_ok)
		return;
	const char *path = getenv("PDL_METRICS_WEIGHTS");
	if (path == NULL || path[0] == 0) {
		pdl_metrics_config_default(&installed);
		installed_ok = 1;
		return;
	}
	if (load_file(path, &installed, &env_st) == PDL_OK)
		installed_ok = 1;
}

const struct pdl_metrics_config *
pdl_metrics_config_get(struct pdl_status *st)
{
	pthread_once(&env_once, load_env);
	if (!installed_ok) {
		*st = env_st;
		return NULL;
	}
	return &installed;
}
