/*
 * metrics_view.h — what the metrics view (view_metrics.c), its HTTP
 * routes (metrics_http.c) and its page (metrics_page.c) share: the tables
 * and their key formats, and the figures as served.
 *
 * Tables (all values are JSON with sorted keys unless said otherwise):
 *   metrics_track   what the view must remember between entries:
 *                     cal                     {<year>: {holidays, workdays, seq}}
 *                     res/<resource_id>       {provider, seq, type}
 *                     creq/<request_id>       {provider, seq, time_ms, decided_seq?}
 *                     qrep/<report_id>        {provider, resource_id, resource_seq, period, seq,
 *                                              time_ms, resolved_seq?}
 *                     call/<call_id>          {developer, grant_id, resources, seq, approved_seq?}
 *                     prod/<product_id>       {resources (transitive, sorted), seq, released_seq?}
 *                     settle/<product_id>/<period>  {settlement_id, seq, lines [{party, amount_fen}]}
 *                     disclosure/<YYYY>       {year, published, on_time, late,
 *                                              publishers {<id>: {late, seq, time_ms}}}:
 *                                              the yearly disclosures of that year
 *   metrics_fig     "<provider> <period>" → the figures of that provider and
 *                   period (spec/views.md "## Metrics")
 *   metrics_src     "<provider> <period> <figure> <seq:16 hex>" → one entry
 *                   behind a figure {seq, type, …}
 *   metrics_sample  "<provider> <period> <figure> <work_ms:16 hex> <seq:16 hex>"
 *                   → empty: the review durations of a timeliness figure,
 *                   in value order, for the median and p90
 *
 * The separator is a space: it sorts below every id character, so keys
 * sort by provider id, then period, then figure, then seq (or value).
 */
#ifndef PDL_METRICS_VIEW_H
#define PDL_METRICS_VIEW_H

#include "http.h"

#define PDL_MT_TRACK "metrics_track"
#define PDL_MT_FIG "metrics_fig"
#define PDL_MT_SRC "metrics_src"
#define PDL_MT_SAMPLE "metrics_sample"

/* The figures that keep their source entries, in output order. */
#define PDL_MF_CATALOG_REVIEW "catalog_review"
#define PDL_MF_QUALITY_REVIEW "quality_review"
#define PDL_MF_QUALITY_REPORTS "quality_reports"
#define PDL_MF_QUALITY_RESOLVED "quality_resolved"
#define PDL_MF_APPROVED_CALLS "approved_calls"
#define PDL_MF_RECORDS_SERVED "records_served"
#define PDL_MF_PRODUCTS_DERIVED "products_derived"
#define PDL_MF_REVENUE "revenue"

#define PDL_METRICS_KEY_MAX 256u /* id (≤ 64) + period + figure + 2 × 16 hex + separators */

extern const char *const pdl_metrics_figures[]; /* the PDL_MF_* names, NULL-terminated */

/* The view's routes (metrics_http.c), which its pdl_view carries. */
extern const struct pdl_route pdl_routes_metrics[];

struct pdl_metrics_config;
/* The stored figures of one provider and period (borrowed) as served: a new
 * document with hours, ratios and the score. full: with revenue attributed
 * (the private listener); else without it, as spec/views.md says the
 * public reads them. NULL when out of memory. */
json_t *pdl_metrics_render(const struct pdl_metrics_config *cfg, const json_t *stored, int full);
/* 1 when nothing public is counted in a stored figure document: only a
 * settlement (revenue attributed) made it. The public never sees it. */
int pdl_metrics_public_empty(const json_t *stored);

/* GET /metrics: the contributor evaluation for people (metrics_page.c). */
void pdl_metrics_route_page(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out);

#endif
