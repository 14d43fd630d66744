/*
 * view_metrics.c — the contributor-evaluation view (DESIGN §6): per
 * provider and period, review timeliness, data quality and usage, each
 * figure with the entries it came from. The definitions are in
 * spec/views.md "## Metrics"; the tables in metrics_view.h; the routes in
 * metrics_http.c; the arithmetic in metrics_calc.c.
 *
 * Invariants:
 *  (1) the view reads only entries (type, actor, body, outcome, seq,
 *      time_ms): ledger time, never the wall clock, and no configuration —
 *      the score's weights are applied when a figure is read, so changing
 *      them needs no rebuild and a rebuild gives the same bytes;
 *  (2) every change to a figure writes, in the same transaction, the
 *      metrics_src row of the entry that caused it; a figure that is later
 *      taken back (a settlement replaced by a re-run) deletes that row, so
 *      the rows under a figure are exactly the entries it counts;
 *  (3) a resource's owner is the provider whose catalog.publish, or
 *      approving catalog.decide, first listed it, and never changes;
 *  (4) each request, report, call and product is counted once: its track
 *      record remembers the seq that counted it (decided_seq, resolved_seq,
 *      approved_seq, released_seq) and later entries about it are ignored;
 *  (5) an entry the view cannot attribute (unknown resource, request,
 *      report, call or product; a malformed id) changes nothing: the
 *      ledger's rules are the authority, the view never stops on one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "metrics_calc.h"
#include "metrics_view.h"
#include "views.h"

static const char *const tables[] = {PDL_MT_TRACK, PDL_MT_FIG, PDL_MT_SRC, PDL_MT_SAMPLE, NULL};

const char *const pdl_metrics_figures[] = {
	PDL_MF_CATALOG_REVIEW, PDL_MF_QUALITY_REVIEW,  PDL_MF_QUALITY_REPORTS,  PDL_MF_QUALITY_RESOLVED,
	PDL_MF_APPROVED_CALLS, PDL_MF_RECORDS_SERVED, PDL_MF_PRODUCTS_DERIVED, PDL_MF_REVENUE,
	NULL,
};

/* One entry being applied. */
struct mx {
	MDB_txn *t;
	const struct pdl_ventry *e;
	MDB_dbi track, fig, src, sample;
	char period[8]; /* of the entry's ledger time */
};

/* ---- JSON helpers ---- */

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A count or amount: integers as they are; a uint over INT64_MAX arrives
 * as a real (mpjson.c) and saturates; anything else is 0. */
static json_int_t
jint(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return json_real_value(v) > 0 ? INT64_MAX : 0;
	return 0;
}

static json_int_t
sadd(json_int_t a, json_int_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

static void
bump(json_t *sec, const char *field, json_int_t d)
{
	json_object_set_new(sec, field, json_integer(sadd(jint(sec, field), d)));
}

/* ---- track records ---- */

static json_t *
track_get(struct mx *m, const char *kind, const char *id)
{
	char key[PDL_METRICS_KEY_MAX];
	if (!pdl_id_cstr_valid(id))
		return NULL;
	snprintf(key, sizeof key, "%s/%s", kind, id);
	return pdl_vdoc_get(m->t, m->track, key);
}

/* Stores doc (stolen) under kind/id. */
static int
track_put(struct mx *m, const char *kind, const char *id, json_t *doc)
{
	char key[PDL_METRICS_KEY_MAX];
	snprintf(key, sizeof key, "%s/%s", kind, id);
	int rc = doc ? pdl_vdoc_put(m->t, m->track, key, doc) : PDL_ENOMEM;
	json_decref(doc);
	return rc;
}

/* Owner of a resource: the provider id (borrowed from *res, which the
 * caller decrefs), or NULL. */
static const char *
owner(struct mx *m, const char *rid, json_t **res)
{
	*res = track_get(m, "res", rid);
	const char *p = jstr(*res, "provider");
	return pdl_id_cstr_valid(p) ? p : NULL;
}

/* ---- figures ---- */

static json_t *
review_new(void)
{
	return json_pack("{s:i,s:i,s:n,s:n,s:n,s:n}", "count", 0, "sum_work_ms", 0, "median_work_ms", "median_seq",
	                 "p90_work_ms", "p90_seq");
}

static json_t *
fig_load(struct mx *m, const char *prov, const char *period)
{
	char key[PDL_METRICS_KEY_MAX];
	snprintf(key, sizeof key, "%s %s", prov, period);
	json_t *d = pdl_vdoc_get(m->t, m->fig, key);
	if (d != NULL)
		return d;
	return json_pack("{s:s,s:s,s:o,s:o,s:{s:i,s:i,s:i,s:i,s:i},s:{s:i,s:i,s:i,s:i,s:i,s:i}}", "provider", prov,
	                 "period", period, PDL_MF_CATALOG_REVIEW, review_new(), PDL_MF_QUALITY_REVIEW, review_new(),
	                 "quality", "reports", 0, "resolved", 0, "corrected", 0, "rejected", 0, "resolve_work_ms_sum", 0,
	                 "usage", "approved_calls", 0, "records_served", 0, "bytes_served", 0, "products_derived", 0,
	                 "revenue_fen", 0, "settlements", 0);
}

/* Stores doc (stolen). */
static int
fig_put(struct mx *m, json_t *doc)
{
	char key[PDL_METRICS_KEY_MAX];
	if (doc == NULL)
		return PDL_ENOMEM;
	snprintf(key, sizeof key, "%s %s", jstr(doc, "provider"), jstr(doc, "period"));
	int rc = pdl_vdoc_put(m->t, m->fig, key, doc);
	json_decref(doc);
	return rc;
}

/* Adds d to section.field of prov's figures in period. */
static int
fig_bump(struct mx *m, const char *prov, const char *period, const char *section, const char *field, json_int_t d)
{
	json_t *doc = fig_load(m, prov, period);
	if (doc == NULL)
		return PDL_ENOMEM;
	bump(json_object_get(doc, section), field, d);
	return fig_put(m, doc);
}

/* Records this entry (item, stolen; seq and type added) behind figure. */
static int
src_put(struct mx *m, const char *prov, const char *period, const char *figure, json_t *item)
{
	char key[PDL_METRICS_KEY_MAX];
	if (item == NULL)
		return PDL_ENOMEM;
	json_object_set_new(item, "seq", json_integer((json_int_t)m->e->seq));
	json_object_set_new(item, "type", json_string(m->e->type));
	snprintf(key, sizeof key, "%s %s %s %016llx", prov, period, figure, (unsigned long long)m->e->seq);
	int rc = pdl_vdoc_put(m->t, m->src, key, item);
	json_decref(item);
	return rc;
}

static int
src_del(struct mx *m, const char *prov, const char *period, const char *figure, uint64_t seq)
{
	char key[PDL_METRICS_KEY_MAX];
	snprintf(key, sizeof key, "%s %s %s %016llx", prov, period, figure, (unsigned long long)seq);
	MDB_val k = {strlen(key), key};
	int rc = mdb_del(m->t, m->src, &k, NULL);
	return rc == 0 || rc == MDB_NOTFOUND ? PDL_OK : pdl_store_err(rc);
}

/* ---- the calendar the view has seen ---- */

struct calbuf {
	int64_t *days; /* holidays then workdays */
	struct pdl_workcal cal;
};

static int
cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Appends the parsed dates of arr to v (sorted and made unique by the caller). */
static size_t
add_days(const json_t *arr, int64_t *v, size_t n)
{
	size_t i;
	const json_t *d;
	json_array_foreach(arr, i, d) {
		int64_t day;
		const char *ds = json_string_value(d);
		if (ds != NULL && pdl_day_parse(ds, strlen(ds), &day) == PDL_OK)
			v[n++] = day;
	}
	return n;
}

static size_t
sort_unique(int64_t *v, size_t n)
{
	size_t o = 0;
	qsort(v, n, sizeof *v, cmp_day);
	for (size_t i = 0; i < n; i++)
		if (o == 0 || v[o - 1] != v[i])
			v[o++] = v[i];
	return o;
}

static int
cal_load(struct mx *m, struct calbuf *cb)
{
	json_t *cal = pdl_vdoc_get(m->t, m->track, "cal"), *y;
	const char *k;
	size_t nh = 0, nw = 0;
	memset(cb, 0, sizeof *cb);
	json_object_foreach(cal, k, y) {
		nh += json_array_size(json_object_get(y, "holidays"));
		nw += json_array_size(json_object_get(y, "workdays"));
	}
	cb->days = malloc((nh + nw + 1) * sizeof *cb->days);
	if (cb->days == NULL) {
		json_decref(cal);
		return PDL_ENOMEM;
	}
	nh = 0;
	json_object_foreach(cal, k, y) {
		nh = add_days(json_object_get(y, "holidays"), cb->days, nh);
	}
	nh = sort_unique(cb->days, nh);
	nw = 0;
	json_object_foreach(cal, k, y) {
		nw = add_days(json_object_get(y, "workdays"), cb->days + nh, nw);
	}
	nw = sort_unique(cb->days + nh, nw);
	json_decref(cal);
	cb->cal = (struct pdl_workcal){cb->days, nh, cb->days + nh, nw};
	return PDL_OK;
}

static int
work_ms(struct mx *m, uint64_t from_ms, uint64_t to_ms, uint64_t *out)
{
	struct calbuf cb;
	int rc = cal_load(m, &cb);
	if (rc != PDL_OK)
		return rc;
	*out = pdl_metrics_work_ms(&cb.cal, from_ms, to_ms);
	free(cb.days);
	return PDL_OK;
}

/* calendar.publish: a republished year replaces the year (as the ledger's
 * cal/<year>); durations already recorded stay as they were. */
static int
on_calendar(struct mx *m)
{
	const json_t *b = m->e->body;
	json_int_t year = jint(b, "year");
	char yk[16];
	if (year < 1970 || year > 9999)
		return PDL_OK;
	snprintf(yk, sizeof yk, "%04d", (int)year);
	json_t *cal = pdl_vdoc_get(m->t, m->track, "cal");
	if (cal == NULL)
		cal = json_object();
	json_t *h = json_object_get(b, "holidays"), *w = json_object_get(b, "workdays");
	h = json_is_array(h) ? json_incref(h) : json_array();
	w = json_is_array(w) ? json_incref(w) : json_array();
	json_object_set_new(cal, yk, json_pack("{s:o,s:o,s:I}", "holidays", h, "workdays", w, "seq", (json_int_t)m->e->seq));
	int rc = pdl_vdoc_put(m->t, m->track, "cal", cal);
	json_decref(cal);
	return rc;
}

/* ---- timeliness samples ---- */

struct sample {
	uint64_t work_ms, seq;
};

/* Adds one review duration to figure (catalog_review / quality_review) of
 * prov in the entry's period, with its source row (item, stolen), and
 * recomputes the median and p90 over the period's samples. */
static int
sample_add(struct mx *m, const char *prov, const char *figure, uint64_t wms, json_t *item)
{
	char prefix[PDL_METRICS_KEY_MAX], key[PDL_METRICS_KEY_MAX + 40]; /* prefix + two hex fields */
	int pn = snprintf(prefix, sizeof prefix, "%s %s %s ", prov, m->period, figure);
	snprintf(key, sizeof key, "%s%016llx %016llx", prefix, (unsigned long long)wms, (unsigned long long)m->e->seq);
	MDB_val k = {strlen(key), key}, v = {0, ""};
	int rc = pdl_store_err(mdb_put(m->t, m->sample, &k, &v, 0));
	if (rc != PDL_OK) {
		json_decref(item);
		return rc;
	}
	json_object_set_new(item, "work_ms", json_integer((json_int_t)wms));
	if ((rc = src_put(m, prov, m->period, figure, item)) != PDL_OK)
		return rc;

	/* the samples of this figure, in value order */
	MDB_cursor *c;
	size_t n = 0, cap = 64;
	struct sample *s = malloc(cap * sizeof *s);
	if (s == NULL)
		return PDL_ENOMEM;
	if ((rc = pdl_store_err(mdb_cursor_open(m->t, m->sample, &c))) != PDL_OK) {
		free(s);
		return rc;
	}
	k = (MDB_val){(size_t)pn, prefix};
	for (int r = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); r == 0; r = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != (size_t)pn + 33 || memcmp(k.mv_data, prefix, (size_t)pn) != 0)
			break;
		if (n == cap) {
			struct sample *ns = realloc(s, (cap *= 2) * sizeof *s);
			if (ns == NULL) {
				rc = PDL_ENOMEM;
				break;
			}
			s = ns;
		}
		char hex[17];
		memcpy(hex, (const char *)k.mv_data + pn, 16);
		hex[16] = 0;
		s[n].work_ms = strtoull(hex, NULL, 16);
		memcpy(hex, (const char *)k.mv_data + pn + 17, 16);
		s[n].seq = strtoull(hex, NULL, 16);
		n++;
	}
	mdb_cursor_close(c);
	if (rc != PDL_OK || n == 0) {
		free(s);
		return rc != PDL_OK ? rc : PDL_ESTORE;
	}
	json_t *doc = fig_load(m, prov, m->period), *sec = json_object_get(doc, figure);
	size_t mi = pdl_metrics_rank(50, n), pi = pdl_metrics_rank(90, n);
	json_object_set_new(sec, "count", json_integer((json_int_t)n));
	bump(sec, "sum_work_ms", (json_int_t)wms);
	json_object_set_new(sec, "median_work_ms", json_integer((json_int_t)s[mi].work_ms));
	json_object_set_new(sec, "median_seq", json_integer((json_int_t)s[mi].seq));
	json_object_set_new(sec, "p90_work_ms", json_integer((json_int_t)s[pi].work_ms));
	json_object_set_new(sec, "p90_seq", json_integer((json_int_t)s[pi].seq));
	free(s);
	return fig_put(m, doc);
}

/* ---- catalog ---- */

static int
own(struct mx *m, const char *rid, const char *prov)
{
	json_t *res = track_get(m, "res", rid);
	if (res != NULL || !pdl_id_cstr_valid(rid) || !pdl_id_cstr_valid(prov)) {
		json_decref(res);
		return PDL_OK; /* invariant (3): the first listing owns it */
	}
	return track_put(m, "res", rid,
	                 json_pack("{s:s,s:I,s:s}", "provider", prov, "seq", (json_int_t)m->e->seq, "type", m->e->type));
}

static int
on_catalog_publish(struct mx *m)
{
	return own(m, jstr(m->e->body, "resource_id"), m->e->actor);
}

static int
on_catalog_request(struct mx *m)
{
	const char *id = jstr(m->e->body, "request_id"), *prov = jstr(m->e->body, "provider");
	json_t *old = track_get(m, "creq", id);
	if (old != NULL || !pdl_id_cstr_valid(id) || !pdl_id_cstr_valid(prov)) {
		json_decref(old);
		return PDL_OK;
	}
	return track_put(m, "creq", id,
	                 json_pack("{s:s,s:I,s:I}", "provider", prov, "seq", (json_int_t)m->e->seq, "time_ms",
	                           (json_int_t)m->e->time_ms));
}

static int
on_catalog_decide(struct mx *m)
{
	const json_t *b = m->e->body;
	const char *id = jstr(b, "request_id"), *decision = jstr(b, "decision");
	int approve = decision != NULL && strcmp(decision, "approve") == 0, rc = PDL_OK;
	json_t *req = track_get(m, "creq", id);
	const char *prov = jstr(req, "provider");
	if (req == NULL || json_object_get(req, "decided_seq") != NULL || prov == NULL || strcmp(prov, m->e->actor) != 0)
		goto done;
	if (approve) {
		const char *rid = jstr(m->e->outcome, "resource_id");
		if (rid == NULL)
			rid = jstr(json_object_get(b, "resource"), "resource_id");
		if ((rc = own(m, rid, prov)) != PDL_OK)
			goto done;
	}
	uint64_t wms;
	if ((rc = work_ms(m, (uint64_t)jint(req, "time_ms"), m->e->time_ms, &wms)) != PDL_OK)
		goto done;
	rc = sample_add(m, prov, PDL_MF_CATALOG_REVIEW, wms,
	                json_pack("{s:s,s:s,s:I,s:s}", "request_id", id, "decision", decision ? decision : "",
	                          "request_seq", jint(req, "seq"), "request_type", "catalog.request"));
	if (rc != PDL_OK)
		goto done;
	json_object_set_new(req, "decided_seq", json_integer((json_int_t)m->e->seq));
	rc = track_put(m, "creq", id, json_incref(req));
done:
	json_decref(req);
	return rc;
}

/* ---- quality ---- */

static int
on_quality_report(struct mx *m)
{
	const json_t *b = m->e->body;
	const char *id = jstr(b, "report_id"), *rid = jstr(b, "resource_id");
	json_t *res = NULL, *old = track_get(m, "qrep", id);
	const char *prov = owner(m, rid, &res);
	int rc = PDL_OK;
	if (old != NULL || prov == NULL || !pdl_id_cstr_valid(id))
		goto done;
	rc = track_put(m, "qrep", id,
	               json_pack("{s:s,s:s,s:I,s:s,s:I,s:I}", "provider", prov, "resource_id", rid, "resource_seq",
	                         jint(res, "seq"), "period", m->period, "seq", (json_int_t)m->e->seq, "time_ms",
	                         (json_int_t)m->e->time_ms));
	if (rc == PDL_OK)
		rc = fig_bump(m, prov, m->period, "quality", "reports", 1);
	if (rc == PDL_OK) {
		const char *issue = jstr(b, "issue");
		rc = src_put(m, prov, m->period, PDL_MF_QUALITY_REPORTS,
		             json_pack("{s:s,s:s,s:I,s:s}", "report_id", id, "resource_id", rid, "resource_seq",
		                       jint(res, "seq"), "issue", issue ? issue : ""));
	}
done:
	json_decref(old);
	json_decref(res);
	return rc;
}

static int
on_quality_resolve(struct mx *m)
{
	const json_t *b = m->e->body;
	const char *id = jstr(b, "report_id"), *outcome = jstr(b, "outcome");
	json_t *rep = track_get(m, "qrep", id);
	const char *prov = jstr(rep, "provider"), *rperiod = jstr(rep, "period");
	int rc = PDL_OK;
	uint64_t wms;
	if (rep == NULL || json_object_get(rep, "resolved_seq") != NULL || prov == NULL || rperiod == NULL ||
	    strcmp(prov, m->e->actor) != 0)
		goto done;
	if (outcome == NULL || (strcmp(outcome, "corrected") != 0 && strcmp(outcome, "rejected") != 0))
		goto done;
	if ((rc = work_ms(m, (uint64_t)jint(rep, "time_ms"), m->e->time_ms, &wms)) != PDL_OK)
		goto done;
	/* timeliness: in the period of the resolution */
	rc = sample_add(m, prov, PDL_MF_QUALITY_REVIEW, wms,
	                json_pack("{s:s,s:s,s:I,s:s}", "report_id", id, "outcome", outcome, "report_seq",
	                          jint(rep, "seq"), "report_type", "quality.report"));
	if (rc != PDL_OK)
		goto done;
	/* data quality: in the period of the report */
	json_t *doc = fig_load(m, prov, rperiod), *q = json_object_get(doc, "quality");
	bump(q, "resolved", 1);
	bump(q, outcome, 1);
	bump(q, "resolve_work_ms_sum", (json_int_t)wms);
	if ((rc = fig_put(m, doc)) != PDL_OK)
		goto done;
	rc = src_put(m, prov, rperiod, PDL_MF_QUALITY_RESOLVED,
	             json_pack("{s:s,s:s,s:I,s:I}", "report_id", id, "outcome", outcome, "report_seq", jint(rep, "seq"),
	                       "work_ms", (json_int_t)wms));
	if (rc != PDL_OK)
		goto done;
	json_object_set_new(rep, "resolved_seq", json_integer((json_int_t)m->e->seq));
	rc = track_put(m, "qrep", id, json_incref(rep));
done:
	json_decref(rep);
	return rc;
}

/* ---- calls ---- */

static int
on_call_request(struct mx *m)
{
	const json_t *b = m->e->body, *res = json_object_get(b, "resources");
	const char *id = jstr(b, "call_id"), *gid = jstr(b, "grant_id");
	json_t *old = track_get(m, "call", id);
	if (old != NULL || !pdl_id_cstr_valid(id) || !json_is_array(res)) {
		json_decref(old);
		return PDL_OK;
	}
	return track_put(m, "call", id,
	                 json_pack("{s:s,s:s,s:O,s:I}", "developer", m->e->actor, "grant_id", gid ? gid : "",
	                           "resources", res, "seq", (json_int_t)m->e->seq));
}

/* {provider: [resource_id…]} of the resources in arr, in arr's order;
 * unowned resources are left out. A new object, or NULL. */
static json_t *
by_owner(struct mx *m, const json_t *arr)
{
	json_t *out = json_object();
	size_t i;
	const json_t *r;
	if (out == NULL)
		return NULL;
	json_array_foreach(arr, i, r) {
		json_t *res;
		const char *rid = json_string_value(r), *p = owner(m, rid, &res);
		if (p != NULL) {
			json_t *l = json_object_get(out, p);
			if (l == NULL)
				json_object_set_new(out, p, l = json_array());
			json_array_append_new(l, json_string(rid));
		}
		json_decref(res);
	}
	return out;
}

/* call.approve, or call.assess with decision approve: one approved call
 * for every provider owning one of its resources. */
static int
call_approved(struct mx *m)
{
	const char *id = jstr(m->e->body, "call_id");
	json_t *call = track_get(m, "call", id), *provs = NULL, *l;
	const char *p;
	int rc = PDL_OK;
	if (call == NULL || json_object_get(call, "approved_seq") != NULL)
		goto done;
	if ((provs = by_owner(m, json_object_get(call, "resources"))) == NULL) {
		rc = PDL_ENOMEM;
		goto done;
	}
	json_object_foreach(provs, p, l) {
		if ((rc = fig_bump(m, p, m->period, "usage", "approved_calls", 1)) != PDL_OK)
			goto done;
		rc = src_put(m, p, m->period, PDL_MF_APPROVED_CALLS,
		             json_pack("{s:s,s:I,s:O}", "call_id", id, "request_seq", jint(call, "seq"), "resources", l));
		if (rc != PDL_OK)
			goto done;
	}
	json_object_set_new(call, "approved_seq", json_integer((json_int_t)m->e->seq));
	rc = track_put(m, "call", id, json_incref(call));
done:
	json_decref(provs);
	json_decref(call);
	return rc;
}

static int
on_call_approve(struct mx *m)
{
	return call_approved(m);
}

static int
on_call_assess(struct mx *m)
{
	const char *d = jstr(m->e->body, "decision");
	return d != NULL && strcmp(d, "approve") == 0 ? call_approved(m) : PDL_OK;
}

/* call.usage counts in the period it reports (body.period), the month the
 * records were served in; see spec/views.md. */
static int
on_call_usage(struct mx *m)
{
	const json_t *b = m->e->body;
	const char *rid = jstr(b, "resource_id"), *period = jstr(b, "period"), *cid = jstr(b, "call_id");
	json_t *res;
	const char *prov = owner(m, rid, &res);
	json_int_t records = jint(b, "records"), bytes = jint(b, "bytes");
	int rc = PDL_OK;
	if (prov == NULL || records < 0 || bytes < 0)
		goto done;
	if (period == NULL || !pdl_period_valid(period, strlen(period)))
		period = m->period;
	json_t *doc = fig_load(m, prov, period), *u = json_object_get(doc, "usage");
	bump(u, "records_served", records);
	bump(u, "bytes_served", bytes);
	if ((rc = fig_put(m, doc)) != PDL_OK)
		goto done;
	rc = src_put(m, prov, period, PDL_MF_RECORDS_SERVED,
	             json_pack("{s:s,s:s,s:I,s:I,s:I}", "call_id", cid ? cid : "", "resource_id", rid, "resource_seq",
	                       jint(res, "seq"), "records", records, "bytes", bytes));
done:
	json_decref(res);
	return rc;
}

/* ---- products ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* product.submit: the product's resources, taken transitively through its
 * input products (whose sets were computed when they were submitted). */
static int
on_product_submit(struct mx *m)
{
	const json_t *b = m->e->body, *in = json_object_get(b, "inputs");
	const json_t *res = json_object_get(in, "resources"), *prods = json_object_get(in, "products"), *v;
	const char *id = jstr(b, "product_id");
	json_t *old = track_get(m, "prod", id), *inputs = json_array(), *set = NULL;
	const char **ids = NULL;
	size_t n = 0, cap = 0, i;
	int rc = PDL_OK;
	if (old != NULL || !pdl_id_cstr_valid(id) || inputs == NULL)
		goto done;
	/* keep the input products' docs alive while ids points into them */
	json_array_foreach(prods, i, v) {
		json_t *p = track_get(m, "prod", json_string_value(v));
		if (p != NULL) {
			cap += json_array_size(json_object_get(p, "resources"));
			json_array_append_new(inputs, p);
		}
	}
	cap += json_array_size(res);
	ids = malloc((cap + 1) * sizeof *ids);
	if (ids == NULL) {
		rc = PDL_ENOMEM;
		goto done;
	}
	json_array_foreach(res, i, v) {
		if (pdl_id_cstr_valid(json_string_value(v)))
			ids[n++] = json_string_value(v);
	}
	json_array_foreach(inputs, i, v) {
		size_t j;
		const json_t *r;
		json_array_foreach(json_object_get(v, "resources"), j, r) {
			if (pdl_id_cstr_valid(json_string_value(r)))
				ids[n++] = json_string_value(r);
		}
	}
	qsort(ids, n, sizeof *ids, cmp_str);
	if ((set = json_array()) == NULL) {
		rc = PDL_ENOMEM;
		goto done;
	}
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(ids[i - 1], ids[i]) != 0)
			json_array_append_new(set, json_string(ids[i]));
	rc = track_put(m, "prod", id, json_pack("{s:O,s:I}", "resources", set, "seq", (json_int_t)m->e->seq));
done:
	free(ids);
	json_decref(set);
	json_decref(inputs);
	json_decref(old);
	return rc;
}

static int
on_product_release(struct mx *m)
{
	const char *id = jstr(m->e->body, "product_id"), *p;
	json_t *prod = track_get(m, "prod", id), *provs = NULL, *l;
	int rc = PDL_OK;
	if (prod == NULL || json_object_get(prod, "released_seq") != NULL)
		goto done;
	if ((provs = by_owner(m, json_object_get(prod, "resources"))) == NULL) {
		rc = PDL_ENOMEM;
		goto done;
	}
	json_object_foreach(provs, p, l) {
		if ((rc = fig_bump(m, p, m->period, "usage", "products_derived", 1)) != PDL_OK)
			goto done;
		rc = src_put(m, p, m->period, PDL_MF_PRODUCTS_DERIVED,
		             json_pack("{s:s,s:I,s:O}", "product_id", id, "submit_seq", jint(prod, "seq"), "resources", l));
		if (rc != PDL_OK)
			goto done;
	}
	json_object_set_new(prod, "released_seq", json_integer((json_int_t)m->e->seq));
	rc = track_put(m, "prod", id, json_incref(prod));
done:
	json_decref(provs);
	json_decref(prod);
	return rc;
}

/* ---- settlements ---- */

/* settlement.run: the provider lines of the outcome, summed per party, in
 * the settled period (body.period). A re-run for the same product and
 * period settles it again from scratch (ACTS.md), so it replaces the
 * earlier run's attribution instead of adding to it. */
static int
on_settlement_run(struct mx *m)
{
	const json_t *b = m->e->body, *lines = json_object_get(m->e->outcome, "lines"), *ln;
	const char *pid = jstr(b, "product_id"), *period = jstr(b, "period"), *sid = jstr(b, "settlement_id");
	char key[PDL_METRICS_KEY_MAX];
	json_t *old = NULL, *sum = NULL, *keep = NULL, *v;
	const char *party;
	size_t i;
	int rc = PDL_OK;
	if (!pdl_id_cstr_valid(pid) || !json_is_array(lines))
		return PDL_OK;
	if (period == NULL || !pdl_period_valid(period, strlen(period)))
		period = m->period;
	/* settle/<product_id>/<period>: two ids, so not through track_get */
	snprintf(key, sizeof key, "settle/%s/%s", pid, period);
	old = pdl_vdoc_get(m->t, m->track, key);
	if (old != NULL) {
		json_int_t oseq = jint(old, "seq");
		json_array_foreach(json_object_get(old, "lines"), i, ln) {
			const char *p = jstr(ln, "party");
			if (!pdl_id_cstr_valid(p))
				continue;
			json_t *doc = fig_load(m, p, period), *u = json_object_get(doc, "usage");
			bump(u, "revenue_fen", -jint(ln, "amount_fen"));
			bump(u, "settlements", -1);
			if ((rc = fig_put(m, doc)) != PDL_OK || (rc = src_del(m, p, period, PDL_MF_REVENUE, (uint64_t)oseq)) != PDL_OK)
				goto done;
		}
	}
	if ((sum = json_object()) == NULL || (keep = json_array()) == NULL) {
		rc = PDL_ENOMEM;
		goto done;
	}
	json_array_foreach(lines, i, ln) {
		const char *role = jstr(ln, "role"), *p = jstr(ln, "party");
		if (role == NULL || strcmp(role, "provider") != 0 || !pdl_id_cstr_valid(p) || !json_is_integer(json_object_get(ln, "amount_fen")))
			continue;
		json_object_set_new(sum, p, json_integer(sadd(jint(sum, p), jint(ln, "amount_fen"))));
	}
	json_object_foreach(sum, party, v) {
		json_int_t amt = json_integer_value(v);
		json_t *doc = fig_load(m, party, period), *u = json_object_get(doc, "usage");
		bump(u, "revenue_fen", amt);
		bump(u, "settlements", 1);
		if ((rc = fig_put(m, doc)) != PDL_OK)
			goto done;
		json_t *item = json_pack("{s:s,s:s,s:I}", "settlement_id", sid ? sid : "", "product_id", pid, "amount_fen", amt);
		if (item != NULL && old != NULL)
			json_object_set_new(item, "replaces_seq", json_integer(jint(old, "seq")));
		if ((rc = src_put(m, party, period, PDL_MF_REVENUE, item)) != PDL_OK)
			goto done;
		json_array_append_new(keep, json_pack("{s:s,s:I}", "party", party, "amount_fen", amt));
	}
	json_t *doc = json_pack("{s:s,s:I,s:O}", "settlement_id", sid ? sid : "", "seq", (json_int_t)m->e->seq, "lines", keep);
	rc = doc ? pdl_vdoc_put(m->t, m->track, key, doc) : PDL_ENOMEM;
	json_decref(doc);
done:
	json_decref(keep);
	json_decref(sum);
	json_decref(old);
	return rc;
}

/* ---- yearly disclosures ---- */

/* disclosure.publish: the year's publications, on time and late (the NDA's
 * 2026 notice; the ledger's outcome says which), each with its entry. */
static int
on_disclosure_publish(struct mx *m)
{
	const json_t *b = m->e->body;
	char year[16];
	json_int_t y = jint(b, "year");
	if (y <= 0 || y > 9999 || !pdl_id_cstr_valid(m->e->actor))
		return PDL_OK;
	snprintf(year, sizeof year, "%04d", (int)y);
	int late = json_is_true(json_object_get(m->e->outcome, "late"));
	json_t *d = track_get(m, "disclosure", year);
	if (d == NULL)
		d = json_pack("{s:I,s:I,s:I,s:I,s:{}}", "year", y, "published", (json_int_t)0, "on_time", (json_int_t)0,
		              "late", (json_int_t)0, "publishers");
	if (d == NULL)
		return PDL_ENOMEM;
	json_t *pubs = json_object_get(d, "publishers");
	if (!json_is_object(pubs) || json_object_get(pubs, m->e->actor) != NULL) {
		json_decref(d); /* one publication per publisher and year (the ledger's rule) */
		return PDL_OK;
	}
	bump(d, "published", 1);
	bump(d, late ? "late" : "on_time", 1);
	json_object_set_new(pubs, m->e->actor,
	                    json_pack("{s:b,s:I,s:I}", "late", late, "seq", (json_int_t)m->e->seq, "time_ms",
	                              (json_int_t)m->e->time_ms));
	return track_put(m, "disclosure", year, d);
}

/* ---- the view ---- */

/* The entries the view reads; every other type passes by. */
static const struct {
	const char *type;
	int (*fn)(struct mx *m);
} handlers[] = {
	{"calendar.publish", on_calendar},
	{"catalog.publish", on_catalog_publish},
	{"catalog.request", on_catalog_request},
	{"catalog.decide", on_catalog_decide},
	{"quality.report", on_quality_report},
	{"quality.resolve", on_quality_resolve},
	{"call.request", on_call_request},
	{"call.approve", on_call_approve},
	{"call.assess", on_call_assess},
	{"call.usage", on_call_usage},
	{"product.submit", on_product_submit},
	{"product.release", on_product_release},
	{"settlement.run", on_settlement_run},
	{"disclosure.publish", on_disclosure_publish},
};

static int
apply(struct pdl_vdb *db, MDB_txn *t, const struct pdl_ventry *e)
{
	for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++) {
		if (strcmp(e->type, handlers[i].type) != 0)
			continue;
		struct mx m = {t, e, pdl_vdb_table(db, PDL_MT_TRACK), pdl_vdb_table(db, PDL_MT_FIG),
		               pdl_vdb_table(db, PDL_MT_SRC), pdl_vdb_table(db, PDL_MT_SAMPLE), ""};
		pdl_period_of_ms(e->time_ms, m.period);
		return handlers[i].fn(&m);
	}
	return PDL_OK;
}

const struct pdl_view pdl_view_metrics = {"metrics", tables, apply, pdl_routes_metrics, NULL, NULL};
