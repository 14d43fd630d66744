/*
 * metrics_page.c — GET /metrics: the contributor evaluation for people
 * (spec/views.md "## Metrics", "The page"). For each provider and period:
 * review timeliness in working hours, data quality, usage and the weighted
 * score, as percentages, hours and grouped counts, with small SVG charts
 * over the periods drawn on the server; every figure links to the entries
 * behind it (the public /explain of that provider and period) and each
 * median to the entry that is the median.
 *
 * It serves what the public listener serves (pdl_metrics_render with full
 * = 0): revenue attributed comes only from settlements, which are private,
 * so the page says so and the score leaves it out. Ledger values (ids,
 * names) are escaped (page.h); the charts are markup, not script.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "metrics_calc.h"
#include "metrics_view.h"
#include "page.h"
#include "views.h"

#define PAGE_PERIODS_MAX 120u /* periods drawn per provider: ten years of months */
#define PAGE_PROVIDERS_MAX 500u /* providers on the page; the JSON API has the rest */
#define CHART_H 150           /* px: bars, value labels, period labels */
#define CHART_BAR_W 34
#define CHART_GAP 16

struct period_figs {
	char period[8];
	json_t *doc; /* rendered (pdl_metrics_render), owned */
};

static uint64_t
uget(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* Writes the explain link of a figure: /v1/metrics/providers/ID/explain?period=P */
static void
explain_href(struct pdl_page *b, const char *id, const char *period)
{
	pdl_page_puts(b, "/v1/metrics/providers/");
	pdl_page_url(b, id);
	pdl_page_puts(b, "/explain?period=");
	pdl_page_url(b, period);
}

static void
td_open(struct pdl_page *b, const char *label, const char *cls)
{
	pdl_page_printf(b, "<td data-label=\"%s\"%s%s%s>", label, cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
}

/* A figure cell whose text links to the entries behind it. */
static void
fig_open(struct pdl_page *b, const char *label, const char *id, const char *period)
{
	td_open(b, label, "n");
	pdl_page_puts(b, "<a href=\"");
	explain_href(b, id, period);
	pdl_page_puts(b, "\">");
}

static void
fig_close(struct pdl_page *b)
{
	pdl_page_puts(b, "</a></td>");
}

/* "2.50 h" from a decimal string the render made (or "—"). */
static void
hours(struct pdl_page *b, const json_t *v)
{
	if (json_is_string(v)) {
		pdl_page_esc(b, json_string_value(v));
		pdl_page_puts(b, " h");
	} else {
		pdl_page_puts(b, "—");
	}
}

/* One review figure: median (linked to the median entry) and p90, in
 * working hours, with the number of decisions. */
static void
td_review(struct pdl_page *b, const char *label, const char *id, const char *period, const json_t *sec)
{
	uint64_t n = uget(sec, "count");
	td_open(b, label, "r"); /* may wrap: three figures in one cell */
	pdl_page_puts(b, "<a href=\"");
	explain_href(b, id, period);
	pdl_page_puts(b, "\">");
	if (n == 0) {
		pdl_page_puts(b, "—");
		fig_close(b);
		return;
	}
	pdl_page_puts(b, "中位 median ");
	hours(b, json_object_get(sec, "median_work_hours"));
	pdl_page_puts(b, " · p90 ");
	hours(b, json_object_get(sec, "p90_work_hours"));
	pdl_page_printf(b, " · n=%llu</a>", (unsigned long long)n);
	if (json_is_integer(json_object_get(sec, "median_seq")))
		pdl_page_printf(b, " <a class=\"sub\" href=\"/entries/%llu\">#%llu</a>", (unsigned long long)uget(sec, "median_seq"),
		                (unsigned long long)uget(sec, "median_seq"));
	pdl_page_puts(b, "</td>");
}

static void
td_count(struct pdl_page *b, const char *label, const char *id, const char *period, uint64_t v)
{
	fig_open(b, label, id, period);
	pdl_page_int(b, (int64_t)v);
	fig_close(b);
}

/* ---- charts ---- */

enum chart_unit { UNIT_BP, UNIT_HOURS_MS, UNIT_COUNT };

static void
chart_value(struct pdl_page *b, enum chart_unit u, uint64_t v)
{
	switch (u) {
	case UNIT_BP: pdl_page_bp(b, (int64_t)v); break;
	case UNIT_HOURS_MS: pdl_page_printf(b, "%llu.%02llu h", (unsigned long long)(v / 3600000u),
		                            (unsigned long long)(v % 3600000u * 100u / 3600000u)); break;
	case UNIT_COUNT: pdl_page_int(b, (int64_t)v); break;
	}
}

/* A bar chart of one figure over the periods: each bar links to the
 * entries behind it; a period without the figure draws no bar ("—").
 * values[i] < 0: no value. The SVG scales down with its box (viewBox). */
static void
chart(struct pdl_page *b, const char *caption, const char *id, const struct period_figs *pf, const int64_t *values,
      size_t n, enum chart_unit unit, int alt)
{
	int64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	if (unit == UNIT_BP)
		max = 10000; /* scores are out of 100% */
	int w = 20 + (int)n * (CHART_BAR_W + CHART_GAP);
	pdl_page_printf(b, "<figure><svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
	                   "aria-label=\"%s\"><title>%s</title>",
	                w, CHART_H, w, CHART_H, caption, caption);
	pdl_page_printf(b, "<line x1=\"10\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8c959f\"/>", CHART_H - 22, w - 10,
	                CHART_H - 22);
	for (size_t i = 0; i < n; i++) {
		int x = 20 + (int)i * (CHART_BAR_W + CHART_GAP), base = CHART_H - 22, top = 22;
		if (values[i] >= 0) {
			int h = max > 0 ? (int)((values[i] * (int64_t)(base - top)) / max) : 0;
			if (h < 1 && values[i] > 0)
				h = 1;
			pdl_page_puts(b, "<a href=\"");
			explain_href(b, id, pf[i].period);
			pdl_page_printf(b, "\"><rect class=\"bar%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"><title>", alt ? " alt" : "",
			                x, base - h, CHART_BAR_W, h);
			pdl_page_esc(b, pf[i].period);
			pdl_page_puts(b, ": ");
			chart_value(b, unit, (uint64_t)values[i]);
			pdl_page_printf(b, "</title></rect></a><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x + CHART_BAR_W / 2,
			                base - h - 4);
			chart_value(b, unit, (uint64_t)values[i]);
			pdl_page_puts(b, "</text>");
		} else {
			pdl_page_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">—</text>", x + CHART_BAR_W / 2,
			                base - 4);
		}
		pdl_page_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x + CHART_BAR_W / 2, CHART_H - 6);
		pdl_page_esc(b, pf[i].period);
		pdl_page_puts(b, "</text>");
	}
	pdl_page_printf(b, "</svg><figcaption>%s</figcaption></figure>", caption);
}

static const char *const cols[] = {
	"期间 Period",
	"综合得分 Score",
	"目录申请答复 Catalog requests answered (working hours)",
	"质量问题处理 Quality reports resolved (working hours)",
	"质量问题 Reports per 1,000 records",
	"已处理 Resolved",
	"平均处理 Mean time to resolve",
	"批准调用 Approved calls",
	"服务记录 Records served",
	"衍生产品 Products derived",
	"收入归属 Revenue attributed",
	NULL,
};

static void
provider_section(struct pdl_page *b, const struct pdl_vdb *db, MDB_txn *t, const char *id, struct period_figs *pf,
                 size_t n)
{
	char name[256];
	int64_t score[PAGE_PERIODS_MAX], med[PAGE_PERIODS_MAX], recs[PAGE_PERIODS_MAX];
	pdl_disclosure_party_name(db, t, id, name, sizeof name);
	pdl_page_puts(b, "<section class=\"provider\" id=\"provider-");
	pdl_page_esc(b, id);
	pdl_page_puts(b, "\"><h2>");
	if (*name) {
		pdl_page_esc(b, name);
		pdl_page_puts(b, " ");
	}
	pdl_page_puts(b, "<code>");
	pdl_page_esc(b, id);
	pdl_page_puts(b, "</code></h2><div class=\"charts\">");
	for (size_t i = 0; i < n; i++) {
		const json_t *sc = json_object_get(pf[i].doc, "score");
		const json_t *cr = json_object_get(pf[i].doc, PDL_MF_CATALOG_REVIEW);
		score[i] = json_is_integer(json_object_get(sc, "score_bp")) ? (int64_t)uget(sc, "score_bp") : -1;
		med[i] = uget(cr, "count") > 0 ? (int64_t)uget(cr, "median_work_ms") : -1;
		recs[i] = (int64_t)uget(json_object_get(pf[i].doc, "usage"), "records_served");
	}
	chart(b, "综合得分 Score (%)", id, pf, score, n, UNIT_BP, 0);
	chart(b, "目录申请答复中位 Catalog review median (working hours)", id, pf, med, n, UNIT_HOURS_MS, 1);
	chart(b, "服务记录 Records served", id, pf, recs, n, UNIT_COUNT, 0);
	pdl_page_puts(b, "</div><div class=\"tw\"><table class=\"cards\"><thead><tr>");
	for (const char *const *c = cols; *c != NULL; c++)
		pdl_page_printf(b, "<th>%s</th>", *c);
	pdl_page_puts(b, "</tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const json_t *d = pf[i].doc, *q = json_object_get(d, "quality"), *u = json_object_get(d, "usage");
		const json_t *sc = json_object_get(d, "score");
		const char *p = pf[i].period;
		pdl_page_puts(b, "<tr class=\"period\" id=\"m-");
		pdl_page_esc(b, id);
		pdl_page_puts(b, "-");
		pdl_page_esc(b, p);
		pdl_page_puts(b, "\">");
		td_open(b, cols[0], "t");
		pdl_page_esc(b, p);
		pdl_page_puts(b, "</td>");
		fig_open(b, cols[1], id, p);
		if (json_is_integer(json_object_get(sc, "score_bp")))
			pdl_page_bp(b, (int64_t)uget(sc, "score_bp"));
		else
			pdl_page_puts(b, "—");
		fig_close(b);
		td_review(b, cols[2], id, p, json_object_get(d, PDL_MF_CATALOG_REVIEW));
		td_review(b, cols[3], id, p, json_object_get(d, PDL_MF_QUALITY_REVIEW));
		fig_open(b, cols[4], id, p);
		if (json_is_string(json_object_get(q, "reports_per_1000_records")))
			pdl_page_esc(b, json_string_value(json_object_get(q, "reports_per_1000_records")));
		else
			pdl_page_puts(b, "—");
		pdl_page_printf(b, " <span class=\"sub\">(%llu reports)</span>", (unsigned long long)uget(q, "reports"));
		fig_close(b);
		fig_open(b, cols[5], id, p);
		if (json_is_integer(json_object_get(q, "resolved_share_bp")))
			pdl_page_bp(b, (int64_t)uget(q, "resolved_share_bp"));
		else
			pdl_page_puts(b, "—");
		fig_close(b);
		fig_open(b, cols[6], id, p);
		hours(b, json_object_get(q, "mean_resolve_work_hours"));
		fig_close(b);
		td_count(b, cols[7], id, p, uget(u, "approved_calls"));
		td_count(b, cols[8], id, p, uget(u, "records_served"));
		td_count(b, cols[9], id, p, uget(u, "products_derived"));
		td_open(b, cols[10], NULL);
		pdl_page_puts(b, "<span class=\"sub\">不公开 not public</span></td></tr>\n");
	}
	pdl_page_puts(b, "</tbody></table></div></section>\n");
}

/* Draws the provider whose periods pf[0..*n) holds, then empties pf. */
static void
flush(struct pdl_page *b, const struct pdl_vdb *db, MDB_txn *t, const char *id, struct period_figs *pf, size_t *n,
      size_t *providers)
{
	if (*providers < PAGE_PROVIDERS_MAX)
		provider_section(b, db, t, id, pf, *n);
	(*providers)++;
	for (size_t i = 0; i < *n; i++)
		json_decref(pf[i].doc);
	*n = 0;
}

static void
weights_box(struct pdl_page *b, const struct pdl_metrics_config *cfg)
{
	static const char *const zh[PDL_MC_N] = {"目录申请答复时效", "质量问题处理时效", "质量问题率", "质量问题处理率",
	                                         "批准调用",         "服务记录",         "衍生产品",   "收入归属"};
	uint64_t total = 0;
	for (unsigned i = 0; i < PDL_MC_N; i++)
		if (i != PDL_MC_REVENUE)
			total += cfg->weight[i];
	pdl_page_puts(b, "<div class=\"box\" id=\"weights\"><h2>评分方法 How the score is made</h2><p>Each component "
	                 "scores 0–100%; the score is their weighted mean over the components with data in the period "
	                 "(<a href=\"/v1/metrics/weights\">weights and targets</a>). Working hours count 09:00–17:00 CST of "
	                 "working days (the ledger's published calendar): a request on Friday 16:00 answered Monday 10:00 "
	                 "took 2 working hours.</p><ul>");
	for (unsigned i = 0; i < PDL_MC_N; i++) {
		pdl_page_printf(b, "<li>%s <code>%s</code>: weight %llu", zh[i], pdl_metrics_comp_names[i],
		                (unsigned long long)cfg->weight[i]);
		if (i == PDL_MC_REVENUE)
			pdl_page_puts(b, " — <strong>不公开 not public</strong>: revenue is attributed only by settlements, "
			                 "which are private (commercial figures); the public score leaves it out. Providers, the "
			                 "authority and auditors read it on the private listener.");
		pdl_page_puts(b, "</li>");
	}
	pdl_page_printf(b, "</ul><p class=\"sub\">Public weights total %llu.</p></div>\n", (unsigned long long)total);
}

void
pdl_metrics_route_page(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const none[] = {NULL};
	static _Thread_local struct period_figs pf[PAGE_PERIODS_MAX]; /* off the handler's stack */
	struct pdl_status st = {0};
	struct pdl_page b = {0};
	MDB_txn *t;
	MDB_cursor *c;
	(void)rest;
	if (pdl_http_params_only(query, none, out))
		return;
	const struct pdl_metrics_config *cfg = pdl_metrics_config_get(&st);
	if (cfg == NULL) {
		pdl_http_error(out, 500, "bad_config", "the metrics weights cannot be used: %s", st.msg);
		return;
	}
	MDB_dbi fig = pdl_vdb_table(cx->db, PDL_MT_FIG);
	if (fig == (MDB_dbi)-1) {
		pdl_http_error(out, 404, "no_view", "this server does not keep the metrics view");
		return;
	}
	if (mdb_txn_begin(cx->db->env, NULL, MDB_RDONLY, &t) != 0) {
		pdl_http_error(out, 503, "unavailable", "cannot read the metrics view");
		return;
	}
	pdl_page_open(&b, cx, "数据提供方贡献评价 Contributor evaluation",
	              "数据提供方贡献评价 Contributor evaluation", "/metrics");
	pdl_page_puts(&b, "<p>For each data provider and month (CST): how fast it answered catalogue requests and "
	                  "resolved quality reports, in working hours; the quality reports on its resources; how much its "
	                  "data was used; and the weighted score. Every figure links to the entries behind it (JSON, "
	                  "<code>/explain</code>); each median links to the entry that is the median.</p>\n");
	weights_box(&b, cfg);
	size_t n = 0, providers = 0;
	char cur[PDL_ID_LEN_MAX + 1] = "";
	MDB_val k, v;
	int rc = mdb_cursor_open(t, fig, &c);
	/* keys are "<provider> <period>": a provider's periods are consecutive */
	for (int m = rc == 0 ? mdb_cursor_get(c, &k, &v, MDB_FIRST) : rc; m == 0; m = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		json_t *doc = json_loadb(v.mv_data, v.mv_size, 0, NULL);
		const char *pid = json_string_value(json_object_get(doc, "provider"));
		const char *per = json_string_value(json_object_get(doc, "period"));
		if (pid == NULL || per == NULL || strlen(pid) > PDL_ID_LEN_MAX || strlen(per) >= sizeof pf[0].period ||
		    pdl_metrics_public_empty(doc)) {
			json_decref(doc);
			continue;
		}
		if (n > 0 && (strcmp(pid, cur) != 0 || n == PAGE_PERIODS_MAX))
			flush(&b, cx->db, t, cur, pf, &n, &providers);
		snprintf(cur, sizeof cur, "%s", pid);
		snprintf(pf[n].period, sizeof pf[n].period, "%s", per);
		pf[n].doc = pdl_metrics_render(cfg, doc, 0);
		json_decref(doc);
		if (pf[n].doc != NULL)
			n++;
	}
	if (n > 0)
		flush(&b, cx->db, t, cur, pf, &n, &providers);
	if (rc == 0)
		mdb_cursor_close(c);
	mdb_txn_abort(t);
	if (providers == 0)
		pdl_page_puts(&b, "<p class=\"sub\">无 No provider has figures yet.</p>");
	else if (providers > PAGE_PROVIDERS_MAX)
		pdl_page_printf(&b, "<p class=\"sub\">First %u providers shown; <a href=\"/v1/metrics/providers\">the JSON "
		                    "API</a> has them all.</p>",
		                PAGE_PROVIDERS_MAX);
	pdl_page_close(&b);
	pdl_page_finish(&b, 200, out);
}
