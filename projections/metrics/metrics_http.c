/*
 * metrics_http.c — the contributor-evaluation routes (spec/views.md
 * "## Metrics"):
 *
 *   GET /v1/metrics/providers[?period=YYYY-MM&limit=N&after=PROVIDER/PERIOD]
 *   GET /v1/metrics/providers/{id}[?period=YYYY-MM]
 *   GET /v1/metrics/providers/{id}/explain[?period=YYYY-MM&limit=N]
 *   GET /v1/metrics/weights
 *   GET /v1/metrics/disclosures[?year=YYYY]
 *
 * A figure document is the stored one (view_metrics.c) plus what is
 * derived from it when it is read: hours as decimal strings, ratios, means
 * and the score under the configured weights (metrics_calc.c). Reads are
 * one read-only LMDB transaction each.
 *
 * What the public sees (spec/views.md, "Public and private"): figures
 * follow the disclosure rule of the entries they come from. Revenue
 * attributed comes only from settlement.run (private), so the public
 * rendering drops `usage.revenue_fen` and `usage.settlements`, scores
 * without the revenue component, leaves out the `revenue` figure of
 * /explain, and never lists a provider and period that only a settlement
 * put there. An /explain row copies what its entry said, so a row whose
 * entry is private (a call decision, an unresolved quality report) is
 * reduced to {seq, type, private: true} — the same that /v1/entries/{seq}
 * tells anyone about that entry.
 *
 * On the private listener (cx->reader set) the same routes serve every
 * figure and row, to the provider itself, the authority and auditors; the
 * list of every provider to the latter two only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "metrics_calc.h"
#include "metrics_view.h"
#include "rules.h"

static uint64_t
uget(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static json_t *
decimal_or_null(int ok, uint64_t num, uint64_t mul, uint64_t den, unsigned places)
{
	char buf[48];
	if (!ok || den == 0)
		return json_null();
	pdl_metrics_decimal(num, mul, den, places, buf, sizeof buf);
	return json_string(buf);
}

static void
review_render(json_t *sec)
{
	const json_t *med = json_object_get(sec, "median_work_ms"), *p90 = json_object_get(sec, "p90_work_ms");
	json_object_set_new(sec, "median_work_hours",
	                    decimal_or_null(json_is_integer(med), uget(sec, "median_work_ms"), 1, PDL_METRICS_HOUR_MS, 2));
	json_object_set_new(sec, "p90_work_hours",
	                    decimal_or_null(json_is_integer(p90), uget(sec, "p90_work_ms"), 1, PDL_METRICS_HOUR_MS, 2));
}

/* full: the reader may see revenue attributed; else the revenue component
 * is left out, as if no settlement named the provider. */
static json_t *
score_json(const struct pdl_metrics_config *cfg, const json_t *doc, int full)
{
	const json_t *cr = json_object_get(doc, PDL_MF_CATALOG_REVIEW), *qr = json_object_get(doc, PDL_MF_QUALITY_REVIEW);
	const json_t *q = json_object_get(doc, "quality"), *u = json_object_get(doc, "usage");
	const json_t *rev = json_object_get(u, "revenue_fen");
	struct pdl_metrics_figs f = {
		uget(cr, "count"),         uget(cr, "median_work_ms"), uget(qr, "count"),
		uget(qr, "median_work_ms"), uget(q, "reports"),         uget(q, "resolved"),
		uget(u, "records_served"), uget(u, "approved_calls"),  uget(u, "products_derived"),
		json_is_integer(rev) ? json_integer_value(rev) : 0,   uget(u, "settlements"),
	};
	if (!full) {
		f.revenue_fen = 0;
		f.settlements = 0;
	}
	struct pdl_metrics_score s;
	pdl_metrics_score(cfg, &f, &s);
	json_t *comps = json_object();
	for (unsigned i = 0; i < PDL_MC_N; i++) {
		json_t *c = json_pack("{s:I,s:o}", "weight", (json_int_t)cfg->weight[i], "score_bp",
		                      s.scored[i] ? json_integer((json_int_t)s.comp_bp[i]) : json_null());
		if (!full && i == PDL_MC_REVENUE)
			json_object_set_new(c, "private", json_true());
		json_object_set_new(comps, pdl_metrics_comp_names[i], c);
	}
	return json_pack("{s:o,s:o,s:o,s:I}", "components", comps, "score_bp",
	                 s.has_total ? json_integer((json_int_t)s.total_bp) : json_null(), "score",
	                 decimal_or_null(s.has_total, s.total_bp, 1, 100, 2), "weight_total", (json_int_t)s.weight_total);
}

json_t *
pdl_metrics_render(const struct pdl_metrics_config *cfg, const json_t *stored, int full)
{
	json_t *d = json_deep_copy(stored);
	if (d == NULL)
		return NULL;
	if (!full) {
		json_object_del(json_object_get(d, "usage"), "revenue_fen");
		json_object_del(json_object_get(d, "usage"), "settlements");
	}
	review_render(json_object_get(d, PDL_MF_CATALOG_REVIEW));
	review_render(json_object_get(d, PDL_MF_QUALITY_REVIEW));
	json_t *q = json_object_get(d, "quality");
	uint64_t reports = uget(q, "reports"), resolved = uget(q, "resolved"), sum = uget(q, "resolve_work_ms_sum");
	uint64_t records = uget(json_object_get(d, "usage"), "records_served");
	json_object_set_new(q, "records_served", json_integer((json_int_t)records));
	json_object_set_new(q, "reports_per_1000_records", decimal_or_null(records > 0, reports, 1000, records, 3));
	json_object_set_new(q, "resolved_share_bp",
	                    reports > 0 ? json_integer((json_int_t)pdl_metrics_div_round(resolved, 10000, reports))
	                                : json_null());
	uint64_t mean = resolved > 0 ? pdl_metrics_div_round(sum, 1, resolved) : 0;
	json_object_set_new(q, "mean_resolve_work_ms", resolved > 0 ? json_integer((json_int_t)mean) : json_null());
	json_object_set_new(q, "mean_resolve_work_hours", decimal_or_null(resolved > 0, mean, 1, PDL_METRICS_HOUR_MS, 2));
	json_object_set_new(d, "score", score_json(cfg, stored, full));
	return d;
}

int
pdl_metrics_public_empty(const json_t *stored)
{
	const json_t *q = json_object_get(stored, "quality"), *u = json_object_get(stored, "usage");
	return uget(json_object_get(stored, PDL_MF_CATALOG_REVIEW), "count") == 0 &&
	       uget(json_object_get(stored, PDL_MF_QUALITY_REVIEW), "count") == 0 && uget(q, "reports") == 0 &&
	       uget(u, "approved_calls") == 0 && uget(u, "records_served") == 0 && uget(u, "bytes_served") == 0 &&
	       uget(u, "products_derived") == 0;
}

/* ---- request plumbing ---- */

struct rd {
	MDB_txn *t;
	MDB_dbi fig, src, track;
	const struct pdl_metrics_config *cfg;
	int full; /* the reader may see what private entries said (see the top) */
};

static int
rd_open(struct pdl_http_ctx *cx, struct rd *r, struct pdl_http_out *out)
{
	struct pdl_status st = {0};
	/* an authenticated reader on the private listener, entitled (the
	 * routes check that first) */
	r->full = cx->reader != NULL;
	r->cfg = pdl_metrics_config_get(&st);
	if (r->cfg == NULL) {
		pdl_http_error(out, 500, "bad_config", "the metrics weights cannot be used: %s", st.msg);
		return 0;
	}
	r->fig = pdl_vdb_table(cx->db, PDL_MT_FIG);
	r->src = pdl_vdb_table(cx->db, PDL_MT_SRC);
	r->track = pdl_vdb_table(cx->db, PDL_MT_TRACK);
	if (r->fig == (MDB_dbi)-1 || r->src == (MDB_dbi)-1 || r->track == (MDB_dbi)-1) {
		pdl_http_error(out, 404, "no_view", "this server does not keep the metrics view");
		return 0;
	}
	if (mdb_txn_begin(cx->db->env, NULL, MDB_RDONLY, &r->t) != 0) {
		pdl_http_error(out, 503, "unavailable", "cannot read the metrics view");
		return 0;
	}
	return 1;
}

/* ?period: 1 absent, 2 present and valid (in buf), 0 bad (out set). */
static int
period_param(const char *query, char buf[16], struct pdl_http_out *out)
{
	if (!pdl_http_param(query, "period", buf, 16))
		return 1;
	if (!pdl_period_valid(buf, strlen(buf))) {
		pdl_http_error(out, 400, "bad_period", "period is YYYY-MM (month 01-12)");
		return 0;
	}
	return 2;
}

static int
limit_param(const char *query, uint64_t *limit, struct pdl_http_out *out)
{
	if (pdl_http_uint(query, "limit", PDL_HTTP_LIMIT_DEFAULT, limit) < 0 || *limit == 0 ||
	    *limit > PDL_HTTP_LIMIT_MAX) {
		pdl_http_error(out, 400, "bad_limit", "limit is an integer 1..%u", PDL_HTTP_LIMIT_MAX);
		return 0;
	}
	return 1;
}

static int
has_prefix(const MDB_val *k, const char *p, size_t n)
{
	return k->mv_size >= n && memcmp(k->mv_data, p, n) == 0;
}

/* ---- GET /v1/metrics/providers ---- */

/* The list's items in r's transaction: of period (NULL: every one), from
 * the key after after_key (NULL: the first), at most limit; *next the
 * cursor past the last when more follow (JSON null otherwise). NULL when
 * the table cannot be read. */
static json_t *
list_items(struct rd *r, const char *period, const char *after_key, uint64_t limit, json_t **next)
{
	MDB_cursor *c;
	MDB_val k, v;
	char last[PDL_METRICS_KEY_MAX] = "";
	int m;
	if (mdb_cursor_open(r->t, r->fig, &c) != 0)
		return NULL;
	json_t *items = json_array();
	*next = json_null();
	if (after_key != NULL) {
		k = (MDB_val){strlen(after_key), (void *)after_key};
		m = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (m == 0 && k.mv_size == strlen(after_key) && memcmp(k.mv_data, after_key, k.mv_size) == 0)
			m = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	} else {
		m = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	}
	for (; m == 0; m = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		json_t *doc = json_loadb(v.mv_data, v.mv_size, 0, NULL);
		const char *dp = json_string_value(json_object_get(doc, "period"));
		if (doc == NULL || (period != NULL && (dp == NULL || strcmp(dp, period) != 0)) ||
		    (!r->full && pdl_metrics_public_empty(doc))) {
			json_decref(doc);
			continue;
		}
		if (json_array_size(items) == limit) {
			/* one more matches: hand out a cursor past the last one served */
			json_decref(*next);
			*next = json_string(last);
			json_decref(doc);
			break;
		}
		snprintf(last, sizeof last, "%s/%s", json_string_value(json_object_get(doc, "provider")), dp ? dp : "");
		json_array_append_new(items, pdl_metrics_render(r->cfg, doc, r->full));
		json_decref(doc);
	}
	mdb_cursor_close(c);
	return items;
}

static void
list(struct pdl_http_ctx *cx, const char *query, struct pdl_http_out *out)
{
	static const char *const params[] = {"period", "limit", "after", NULL};
	char period[16], after[160], key[PDL_METRICS_KEY_MAX];
	uint64_t limit;
	if (pdl_http_params_only(query, params, out))
		return;
	if (cx->reader != NULL && !pdl_reader_reads_all(cx->reader)) {
		pdl_http_not_entitled(out, cx->reader,
		                      "every provider's full figures (ask /v1/metrics/providers/YOUR_ID for your own)");
		return;
	}
	int pp = period_param(query, period, out);
	if (pp == 0 || !limit_param(query, &limit, out))
		return;
	int has_after = pdl_http_param(query, "after", after, sizeof after);
	if (has_after) {
		char *slash = strrchr(after, '/');
		if (slash == NULL || !pdl_id_valid(after, (size_t)(slash - after)) || !pdl_period_valid(slash + 1, strlen(slash + 1))) {
			pdl_http_error(out, 400, "bad_after", "after is PROVIDER/YYYY-MM (a list's \"next\")");
			return;
		}
		*slash = ' ';
		snprintf(key, sizeof key, "%s", after);
	}
	/* a period's figures are found by reading every provider's */
	int walk = pp == 2;
	if (walk && pdl_http_walk_begin(cx, out))
		return;
	struct rd r;
	json_t *items = NULL, *next = NULL;
	if (rd_open(cx, &r, out)) {
		items = list_items(&r, pp == 2 ? period : NULL, has_after ? key : NULL, limit, &next);
		mdb_txn_abort(r.t);
		if (items == NULL)
			pdl_http_error(out, 503, "unavailable", "cannot read the metrics view");
	}
	if (walk)
		pdl_http_walk_end(cx);
	if (items == NULL)
		return;
	json_t *res = json_pack("{s:o,s:o}", "items", items, "next", next);
	if (pp == 2)
		json_object_set_new(res, "period", json_string(period));
	pdl_http_json(out, 200, res);
}

/* ---- GET /v1/metrics/providers/{id} ---- */

static void
one(struct pdl_http_ctx *cx, const char *query, const char *id, struct pdl_http_out *out)
{
	static const char *const params[] = {"period", NULL};
	char period[16], prefix[PDL_METRICS_KEY_MAX];
	if (pdl_http_params_only(query, params, out))
		return;
	int pp = period_param(query, period, out);
	if (pp == 0)
		return;
	struct rd r;
	if (!rd_open(cx, &r, out))
		return;
	size_t pn = (size_t)snprintf(prefix, sizeof prefix, "%s ", id);
	MDB_cursor *c;
	MDB_val k = {pn, prefix}, v;
	json_t *periods = json_array();
	int any = 0;
	if (mdb_cursor_open(r.t, r.fig, &c) == 0) {
		for (int m = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); m == 0 && has_prefix(&k, prefix, pn);
		     m = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			json_t *doc = json_loadb(v.mv_data, v.mv_size, 0, NULL);
			const char *dp = json_string_value(json_object_get(doc, "period"));
			if (doc == NULL || (!r.full && pdl_metrics_public_empty(doc))) {
				json_decref(doc);
				continue;
			}
			any = 1;
			if (pp == 1 || (dp != NULL && strcmp(dp, period) == 0))
				json_array_append_new(periods, pdl_metrics_render(r.cfg, doc, r.full));
			json_decref(doc);
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(r.t);
	if (!any) {
		json_decref(periods);
		pdl_http_error(out, 404, "unknown_provider", "no figures for provider %s", id);
		return;
	}
	pdl_http_json(out, 200, json_pack("{s:s,s:o}", "provider", id, "periods", periods));
}

/* ---- GET /v1/metrics/providers/{id}/explain ---- */

static json_t *
explain_period(struct rd *r, const char *id, const char *period)
{
	char key[PDL_METRICS_KEY_MAX];
	json_t *figs = json_object(), *p = json_pack("{s:s,s:o}", "period", period, "figures", figs);
	for (const char *const *f = pdl_metrics_figures; *f != NULL; f++)
		if (r->full || strcmp(*f, PDL_MF_REVENUE) != 0)
			json_object_set_new(figs, *f, json_pack("{s:i,s:[],s:b}", "count", 0, "entries", "truncated", 0));
	/* which sample is the median and which the p90 */
	snprintf(key, sizeof key, "%s %s", id, period);
	json_t *doc = pdl_vdoc_get(r->t, r->fig, key);
	const char *reviews[] = {PDL_MF_CATALOG_REVIEW, PDL_MF_QUALITY_REVIEW};
	for (unsigned i = 0; i < 2; i++) {
		const json_t *sec = json_object_get(doc, reviews[i]);
		json_t *fo = json_object_get(figs, reviews[i]);
		json_object_set(fo, "median_seq", json_object_get(sec, "median_seq") ? json_object_get(sec, "median_seq")
		                                                                       : json_null());
		json_object_set(fo, "p90_seq",
		                json_object_get(sec, "p90_seq") ? json_object_get(sec, "p90_seq") : json_null());
	}
	json_decref(doc);
	return p;
}

/* 1 when the entry behind an /explain row is not public: its act's
 * disclosure rule (rules.h), and for a quality report whether the view has
 * seen it resolved. Unknown types are private (fail closed). */
static int
row_private(struct rd *r, const json_t *row)
{
	const char *type = json_string_value(json_object_get(row, "type"));
	const struct pdl_act_def *d = type ? pdl_rules_find(type, strlen(type)) : NULL;
	if (d == NULL)
		return 1;
	if (d->vis == PDL_VIS_PUBLIC)
		return 0;
	if (d->vis != PDL_VIS_PRIVATE_UNTIL_RESOLVED)
		return 1;
	const char *rid = json_string_value(json_object_get(row, "report_id"));
	char key[PDL_METRICS_KEY_MAX];
	if (rid == NULL || !pdl_id_valid(rid, strlen(rid)))
		return 1;
	snprintf(key, sizeof key, "qrep/%s", rid);
	json_t *rep = pdl_vdoc_get(r->t, r->track, key);
	int resolved = json_object_get(rep, "resolved_seq") != NULL;
	json_decref(rep);
	return !resolved;
}

/* The row as the reader may see it: a new reference, or NULL. */
static json_t *
row_render(struct rd *r, const MDB_val *v)
{
	json_t *row = json_loadb(v->mv_data, v->mv_size, 0, NULL);
	if (row == NULL || r->full || !row_private(r, row))
		return row;
	json_t *o = json_pack("{s:O,s:O,s:b}", "seq", json_object_get(row, "seq"), "type", json_object_get(row, "type"),
	                      "private", 1);
	json_decref(row);
	return o;
}

/* 1 when the provider has a figure the reader may see. */
static int
provider_known(struct rd *r, const char *id)
{
	char fk[PDL_METRICS_KEY_MAX];
	size_t fn = (size_t)snprintf(fk, sizeof fk, "%s ", id);
	MDB_val k = {fn, fk}, v;
	MDB_cursor *c;
	int known = 0;
	if (mdb_cursor_open(r->t, r->fig, &c) != 0)
		return 0;
	for (int m = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); !known && m == 0 && has_prefix(&k, fk, fn);
	     m = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		json_t *doc = r->full ? NULL : json_loadb(v.mv_data, v.mv_size, 0, NULL);
		known = r->full || (doc != NULL && !pdl_metrics_public_empty(doc));
		json_decref(doc);
	}
	mdb_cursor_close(c);
	return known;
}

static void
explain(struct pdl_http_ctx *cx, const char *query, const char *id, struct pdl_http_out *out)
{
	static const char *const params[] = {"period", "limit", NULL};
	char period[16], prefix[PDL_METRICS_KEY_MAX], fig[64], cur[8] = "";
	uint64_t limit;
	if (pdl_http_params_only(query, params, out))
		return;
	int pp = period_param(query, period, out);
	if (pp == 0 || !limit_param(query, &limit, out))
		return;
	/* every row of the provider (of the period) is read, to count them */
	if (pdl_http_walk_begin(cx, out))
		return;
	struct rd r;
	if (!rd_open(cx, &r, out)) {
		pdl_http_walk_end(cx);
		return;
	}
	size_t idn = strlen(id);
	size_t pn = (size_t)(pp == 2 ? snprintf(prefix, sizeof prefix, "%s %s ", id, period)
	                             : snprintf(prefix, sizeof prefix, "%s ", id));
	MDB_cursor *c;
	MDB_val k = {pn, prefix}, v;
	json_t *periods = json_array(), *figs = NULL;
	if (mdb_cursor_open(r.t, r.src, &c) == 0) {
		for (int m = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); m == 0 && has_prefix(&k, prefix, pn);
		     m = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			/* "<id> <period> <figure> <seq:16>" */
			const char *kb = k.mv_data;
			size_t kn = k.mv_size;
			if (kn < idn + 1 + 7 + 1 + 1 + 1 + 16 || kb[idn + 8] != ' ')
				continue;
			size_t fl = kn - (idn + 9) - 17;
			if (fl >= sizeof fig)
				continue;
			memcpy(fig, kb + idn + 9, fl);
			fig[fl] = 0;
			if (!r.full && strcmp(fig, PDL_MF_REVENUE) == 0)
				continue; /* only settlements make it: private */
			if (memcmp(cur, kb + idn + 1, 7) != 0 || figs == NULL) {
				memcpy(cur, kb + idn + 1, 7);
				cur[7] = 0;
				json_t *p = explain_period(&r, id, cur);
				figs = json_object_get(p, "figures");
				json_array_append_new(periods, p);
			}
			json_t *fo = json_object_get(figs, fig);
			if (fo == NULL)
				continue;
			json_int_t n = json_integer_value(json_object_get(fo, "count"));
			json_object_set_new(fo, "count", json_integer(n + 1));
			if ((uint64_t)n < limit)
				json_array_append_new(json_object_get(fo, "entries"), row_render(&r, &v));
			else
				json_object_set_new(fo, "truncated", json_true());
		}
		mdb_cursor_close(c);
	}
	/* a provider with figures but no rows (cannot happen; invariant (2)) still answers */
	int known = provider_known(&r, id);
	mdb_txn_abort(r.t);
	pdl_http_walk_end(cx);
	if (!known) {
		json_decref(periods);
		pdl_http_error(out, 404, "unknown_provider", "no figures for provider %s", id);
		return;
	}
	pdl_http_json(out, 200, json_pack("{s:s,s:o,s:I}", "provider", id, "periods", periods, "limit", (json_int_t)limit));
}

static void
providers(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	if (rest[0] == 0 || strcmp(rest, "/") == 0) {
		list(cx, query, out);
		return;
	}
	if (rest[0] != '/') {
		pdl_http_error(out, 404, "not_found", "no such resource (see /v1/metrics/providers)");
		return;
	}
	const char *id = rest + 1, *slash = strchr(id, '/');
	size_t n = slash ? (size_t)(slash - id) : strlen(id);
	char idb[PDL_ID_LEN_MAX + 1];
	if (!pdl_id_valid(id, n)) {
		pdl_http_error(out, 400, "bad_id", "a provider id is 1-64 of A-Z a-z 0-9 . _ -");
		return;
	}
	memcpy(idb, id, n);
	idb[n] = 0;
	if (cx->reader != NULL && !pdl_reader_may(cx->reader, idb)) {
		char what[120];
		snprintf(what, sizeof what, "the full figures of %s", idb);
		pdl_http_not_entitled(out, cx->reader, what);
		return;
	}
	if (slash == NULL)
		one(cx, query, idb, out);
	else if (strcmp(slash, "/explain") == 0)
		explain(cx, query, idb, out);
	else
		pdl_http_error(out, 404, "not_found", "no such resource: try /v1/metrics/providers/%s/explain", idb);
}

static void
weights(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const none[] = {NULL};
	(void)cx;
	(void)rest;
	struct pdl_status st = {0};
	if (pdl_http_params_only(query, none, out))
		return;
	const struct pdl_metrics_config *cfg = pdl_metrics_config_get(&st);
	if (cfg == NULL)
		pdl_http_error(out, 500, "bad_config", "the metrics weights cannot be used: %s", st.msg);
	else
		pdl_http_json(out, 200, pdl_metrics_config_json(cfg));
}

/* ---- GET /v1/metrics/disclosures ---- */

/* The yearly disclosures counted per year: published, on time, late (the
 * NDA's notice: by the policy's due date of the next year), each publisher
 * with the entry of its publication. */
static void
disclosures(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	char prefix[32] = "disclosure/";
	uint64_t year;
	MDB_txn *t;
	MDB_cursor *c;
	static const char *const params[] = {"year", NULL};
	(void)rest;
	if (pdl_http_params_only(query, params, out))
		return;
	int r = pdl_http_uint(query, "year", 0, &year);
	if (r < 0 || (r > 0 && (year < 1970 || year > 9999))) {
		pdl_http_error(out, 400, "bad_parameter", "year must be a year 1970..9999");
		return;
	}
	if (r > 0)
		snprintf(prefix, sizeof prefix, "disclosure/%04llu", (unsigned long long)year);
	MDB_dbi track = pdl_vdb_table(cx->db, PDL_MT_TRACK);
	if (track == (MDB_dbi)-1) {
		pdl_http_error(out, 404, "no_view", "this server does not keep the metrics view");
		return;
	}
	if (mdb_txn_begin(cx->db->env, NULL, MDB_RDONLY, &t) != 0) {
		pdl_http_error(out, 503, "unavailable", "cannot read the metrics view");
		return;
	}
	json_t *years = json_array();
	size_t pn = strlen(prefix);
	MDB_val k = {pn, prefix}, v;
	if (mdb_cursor_open(t, track, &c) == 0) {
		for (int m = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); m == 0 && has_prefix(&k, prefix, pn);
		     m = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			json_t *d = json_loadb(v.mv_data, v.mv_size, 0, NULL);
			if (d != NULL)
				json_array_append_new(years, d);
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(t);
	pdl_http_json(out, 200, json_pack("{s:o}", "years", years));
}

const struct pdl_route pdl_routes_metrics[] = {
	/* public: what spec/views.md lets anyone see; private: the full figures,
	 * to the provider itself, the authority and auditors */
	{"/v1/metrics/disclosures", 0, disclosures, PDL_ROUTE_PUBLIC},
	{"/v1/metrics/providers", 1, providers, PDL_ROUTE_PUBLIC | PDL_ROUTE_PRIVATE},
	{"/v1/metrics/weights", 0, weights, PDL_ROUTE_PUBLIC},
	{"/metrics", 0, pdl_metrics_route_page, PDL_ROUTE_PUBLIC},
	{NULL, 0, NULL, 0},
};
