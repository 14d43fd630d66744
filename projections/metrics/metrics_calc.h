/*
 * metrics_calc.h — the pure arithmetic of the contributor-evaluation view
 * (view_metrics.c, metrics_http.c): working time on a published calendar,
 * nearest-rank percentiles, integer ratios rendered as decimal strings, and
 * the weighted score with its configuration (weights and targets).
 *
 * Nothing here reads LMDB, the wall clock or floating point: every result
 * is an integer, or a decimal string made from integers, so the same
 * figures give the same bytes on every machine (proj.h invariant (2)).
 *
 * Working time (spec/views.md "## Metrics"): the part of [from, to) that
 * lies inside 09:00–17:00 China Standard Time (UTC+8) of working days, as
 * lib/date.h counts them on the published calendar (struct pdl_workcal).
 */
#ifndef PDL_METRICS_CALC_H
#define PDL_METRICS_CALC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "date.h"
#include "pdl.h"
#include "util.h"
#include "views.h"

#define PDL_METRICS_OPEN_MS (9ull * 3600u * 1000u)   /* 09:00 CST: a working day starts */
#define PDL_METRICS_CLOSE_MS (17ull * 3600u * 1000u) /* 17:00 CST: it ends (8 working hours) */
#define PDL_METRICS_HOUR_MS (3600ull * 1000u)

/* Working milliseconds in [from_ms, to_ms) on cal (lib/date.h); 0 when
 * to_ms <= from_ms. */
uint64_t pdl_metrics_work_ms(const struct pdl_workcal *cal, uint64_t from_ms, uint64_t to_ms);

/* Nearest-rank percentile: the 0-based index of the pct-th percentile
 * (1 ≤ pct ≤ 100) of n ≥ 1 sorted samples, ceil(pct·n/100) − 1. The median
 * is pct 50 (the lower middle sample when n is even). */
size_t pdl_metrics_rank(unsigned pct, size_t n);
/* Sorts v (n ≥ 1) ascending in place and returns v[pdl_metrics_rank(pct, n)]. */
uint64_t pdl_metrics_percentile(uint64_t *v, size_t n, unsigned pct);

/* round(num · mul / den), halves up, exact (128-bit), saturating at
 * UINT64_MAX; den must not be 0. */
uint64_t pdl_metrics_div_round(uint64_t num, uint64_t mul, uint64_t den);
/* num·mul/den rounded half up to `places` (≤ 6) decimals, as "12.50" into
 * buf (exact; saturates like pdl_metrics_div_round). den must not be 0,
 * mul at most 2^40. */
void pdl_metrics_decimal(uint64_t num, uint64_t mul, uint64_t den, unsigned places, char *buf, size_t cap);

/* ---- the score ---- */

/* Score components, in output order. */
enum pdl_metrics_comp {
	PDL_MC_CATALOG_REVIEW,   /* median working time, catalog.request → catalog.decide */
	PDL_MC_QUALITY_REVIEW,   /* median working time, quality.report → quality.resolve */
	PDL_MC_QUALITY_RATE,     /* quality reports per records served */
	PDL_MC_QUALITY_RESOLVED, /* share of the period's reports resolved */
	PDL_MC_APPROVED_CALLS,
	PDL_MC_RECORDS_SERVED,
	PDL_MC_PRODUCTS_DERIVED,
	PDL_MC_REVENUE,
	PDL_MC_N
};
extern const char *const pdl_metrics_comp_names[PDL_MC_N];

#define PDL_METRICS_WEIGHT_MAX 1000000u /* keeps Σ weight · 10,000 far from overflow */
#define PDL_METRICS_CONFIG_BYTES_MAX (64u * 1024u)

struct pdl_metrics_config {
	uint64_t weight[PDL_MC_N];
	uint64_t catalog_full_ms, catalog_zero_ms; /* full marks at or under, none at or over */
	uint64_t quality_full_ms, quality_zero_ms;
	uint64_t rate_zero_per_million;            /* reports per 10^6 records that scores 0 */
	uint64_t target_calls, target_records, target_products; /* full marks at or over; 0 = not scored */
	int64_t target_revenue_fen;
};

/* The figures of one provider and period the score reads. */
struct pdl_metrics_figs {
	uint64_t catalog_n, catalog_median_ms;
	uint64_t quality_n, quality_median_ms;
	uint64_t reports, resolved, records;
	uint64_t calls, products;
	int64_t revenue_fen;
	uint64_t settlements; /* settlement lines naming the provider; 0: revenue not scored */
};

struct pdl_metrics_score {
	int scored[PDL_MC_N];           /* 0: no data (or weight 0), left out of the total */
	uint64_t comp_bp[PDL_MC_N];     /* 0–10,000 when scored */
	uint64_t weight_total;          /* Σ weight of the scored components */
	int has_total;
	uint64_t total_bp;              /* round(Σ w·s / Σ w), 0–10,000 */
};

void pdl_metrics_config_default(struct pdl_metrics_config *cfg);
/* Reads the config document (spec/views.md): absent keys keep defaults.
 * PDL_EFIELD (unknown key, wrong type, out of range) or PDL_EINVAL (a full
 * threshold not below its zero threshold, all weights 0), with st's message
 * naming the key. */
int pdl_metrics_config_parse(const json_t *doc, struct pdl_metrics_config *cfg, struct pdl_status *st);
/* The config as its JSON document (a new reference). */
json_t *pdl_metrics_config_json(const struct pdl_metrics_config *cfg);
void pdl_metrics_score(const struct pdl_metrics_config *cfg, const struct pdl_metrics_figs *f,
                       struct pdl_metrics_score *out);

/* The config the HTTP routes use. pdl_metrics_config_load (views.h: the
 * view's entry point for pdl-project --weights) installs FILE (call it
 * before serving; PDL_EIO, PDL_EDECODE, PDL_ETOOBIG or a parse error).
 * Without it, the first pdl_metrics_config_get loads the file named by
 * $PDL_METRICS_WEIGHTS, or the defaults; NULL (and st set) when that file
 * is bad. The returned config is static; do not free. */
const struct pdl_metrics_config *pdl_metrics_config_get(struct pdl_status *st);

#endif
