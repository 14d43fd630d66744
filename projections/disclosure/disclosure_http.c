/*
 * disclosure_http.c — the disclosure view's JSON API (spec/views.md).
 *
 * Lists read the view in one LMDB read transaction per request. Entries
 * and inclusion proofs come from the view's own copy of the entries and
 * the Merkle tree, proven against the newest checkpoint the view holds
 * (proj.h, invariants 5 and 6: signed by the ledger key genesis names and
 * matching the view's tree), with no round trip to pdld. /v1/checkpoint
 * still asks pdld for the one it publishes (one REQ client per ask, at
 * most one ask per CKPT_FRESH_MS, shared by the server's threads).
 * Before an entry is served, the view's own record says whether it is
 * public, and the entry's bytes are classified again (fail closed).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <nng/nng.h>

#include "jcompact.h"
#include "disclosure.h"
#include "entry.h"
#include "merkle.h"
#include "mp.h"
#include "mpjson.h"
#include "note.h"
#include "check.h"
#include "date.h"
#include "util.h"

#define LEDGER_TIMEOUT_MS 5000 /* a request waits this long for pdld before 503 */
#define AFTER_LEN_MAX 200u     /* a list cursor is a key suffix: two ids and a period */

/* ---- parameters ---- */

int
disc_limit(const char *query, uint64_t def, uint64_t *limit, struct pdl_http_out *out)
{
	int r = pdl_http_uint(query, "limit", def, limit);
	if (r < 0) {
		pdl_http_error(out, 400, "bad_parameter", "limit must be a whole number 1..%u", PDL_HTTP_LIMIT_MAX);
		return 1;
	}
	if (*limit == 0 || *limit > PDL_HTTP_LIMIT_MAX) {
		pdl_http_error(out, 400, "bad_parameter", "limit %llu is out of range: give 1..%u", (unsigned long long)*limit,
		               PDL_HTTP_LIMIT_MAX);
		return 1;
	}
	return 0;
}

/* A string parameter that must be an id (ACTS.md) or one of `values` when
 * given. 1 if it answered 400; *v is "" when absent. */
static int
param_id(const char *query, const char *name, const char *const *values, char *v, size_t cap,
         struct pdl_http_out *out)
{
	if (!pdl_http_param(query, name, v, cap) || v[0] == 0) {
		v[0] = 0; /* absent, or empty as a blank form field sends it: no filter */
		return 0;
	}
	if (values != NULL) {
		char list[256] = "";
		for (const char *const *a = values; *a != NULL; a++) {
			if (strcmp(*a, v) == 0)
				return 0;
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", a == values ? "" : ", ", *a);
		}
		pdl_http_error(out, 400, "bad_parameter", "%s must be one of: %s", name, list);
		return 1;
	}
	if (!pdl_id_valid(v, strlen(v))) {
		pdl_http_error(out, 400, "bad_parameter", "%s must be an id: 1-64 of A-Z a-z 0-9 . _ -", name);
		return 1;
	}
	return 0;
}

static int
param_period(const char *query, char *v, size_t cap, struct pdl_http_out *out)
{
	if (!pdl_http_param(query, "period", v, cap) || v[0] == 0) {
		v[0] = 0;
		return 0;
	}
	if (!pdl_period_valid(v, strlen(v))) {
		pdl_http_error(out, 400, "bad_parameter", "period must be YYYY-MM");
		return 1;
	}
	return 0;
}

/* The list cursor: the key suffix a previous page returned as next. */
static int
param_after(const char *query, char *v, size_t cap, int *have, struct pdl_http_out *out)
{
	*have = pdl_http_param(query, "after", v, cap);
	if (!*have)
		return 0;
	int ok = *v != 0 && strlen(v) <= AFTER_LEN_MAX;
	for (const char *c = v; ok && *c; c++)
		ok = (unsigned char)*c > 0x20 && *c != 0x7f;
	if (!ok) {
		pdl_http_error(out, 400, "bad_parameter", "after must be the next value of a previous page");
		return 1;
	}
	return 0;
}

/* ---- view access ---- */

static int
rtxn(struct pdl_http_ctx *cx, MDB_txn **t, struct disc_tables *tb, struct pdl_http_out *out)
{
	if (mdb_txn_begin(cx->db->env, NULL, MDB_RDONLY, t) != 0) {
		pdl_http_error(out, 503, "view_unavailable", "cannot read the view");
		return 1;
	}
	disc_tables_get(cx->db, tb);
	return 0;
}

static json_t *
as_of(MDB_txn *t, const struct disc_tables *tb)
{
	uint64_t seq, ms;
	int have;
	disc_head(t, tb, &seq, &ms, &have);
	if (!have)
		return json_null();
	char iso[40];
	pdl_ms_iso(ms, iso);
	return json_pack("{s:I,s:I,s:s}", "seq", (json_int_t)seq, "time_ms", (json_int_t)ms, "time", iso);
}

static uint64_t
now_of(MDB_txn *t, const struct disc_tables *tb)
{
	uint64_t seq, ms;
	int have;
	disc_head(t, tb, &seq, &ms, &have);
	return ms;
}

/* Answers a list: {items, next, more, as_of}. */
static void
list_reply(MDB_txn *t, const struct disc_tables *tb, json_t *items, const char *next, int more,
           struct pdl_http_out *out)
{
	json_t *o = json_pack("{s:o,s:o,s:b,s:o}", "items", items, "next",
	                      more && *next ? json_string(next) : json_null(), "more", more, "as_of", as_of(t, tb));
	mdb_txn_abort(t);
	pdl_http_json(out, 200, o);
}

/* ---- grants ---- */

struct take_arg {
	uint64_t now_ms;
	const char *status; /* "" any */
	const char *operator_id;
	const char *kind;
	const char *resource;
	const char *period;
	const char *outcome;
};

static int
take_grant(const char *key, json_t *doc, json_t *items, void *arg)
{
	struct take_arg *a = arg;
	(void)key;
	json_t *g = disc_grant_present(doc, a->now_ms);
	if (g == NULL)
		return PDL_ENOMEM;
	if ((*a->status && strcmp(disc_str(g, "status"), a->status) != 0) ||
	    (*a->operator_id && strcmp(disc_str(g, "operator"), a->operator_id) != 0)) {
		json_decref(g);
		return 0;
	}
	json_array_append_new(items, g);
	return 1;
}

static const char *const grant_statuses[] = {"active", "suspended", "terminated", "expired", NULL};

/* Shared by the list routes: after + limit + a walk over prefix. */
static void
list_route(struct pdl_http_ctx *cx, const char *query, const char *prefix, disc_take_fn fn, struct take_arg *ta,
           struct pdl_http_out *out)
{
	char after[AFTER_LEN_MAX + 2], next[DISC_KEY_MAX];
	int have_after, more;
	uint64_t limit;
	MDB_txn *t;
	struct disc_tables tb;
	if (param_after(query, after, sizeof after, &have_after, out) ||
	    disc_limit(query, PDL_HTTP_LIMIT_DEFAULT, &limit, out) || rtxn(cx, &t, &tb, out))
		return;
	ta->now_ms = now_of(t, &tb);
	json_t *items = json_array();
	int rc = disc_walk(t, tb.docs, prefix, have_after ? after : NULL, (size_t)limit, (size_t)limit + DISC_SCAN_EXTRA,
	                   fn, ta, items, next, &more);
	if (rc != PDL_OK) {
		json_decref(items);
		mdb_txn_abort(t);
		pdl_http_error(out, 500, "view_error", "cannot read the view (%s)", pdl_strerror(rc));
		return;
	}
	list_reply(t, &tb, items, next, more, out);
}

static void
route_grants(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"status", "operator", "after", "limit", NULL};
	char status[32], op[80];
	(void)rest;
	if (pdl_http_params_only(query, params, out) || param_id(query, "status", grant_statuses, status, sizeof status, out) ||
	    param_id(query, "operator", NULL, op, sizeof op, out))
		return;
	struct take_arg ta = {0, status, op, "", "", "", ""};
	list_route(cx, query, "grant/", take_grant, &ta, out);
}

/* One document by id: prefix + rest (without its leading '/'). */
static void
one_doc(struct pdl_http_ctx *cx, const char *query, const char *rest, const char *what, const char *fmt,
        json_t *(*present)(const json_t *doc, uint64_t now_ms), struct pdl_http_out *out)
{
	static const char *const none[] = {NULL};
	MDB_txn *t;
	struct disc_tables tb;
	if (pdl_http_params_only(query, none, out))
		return;
	if (!pdl_id_valid(rest, strlen(rest))) {
		pdl_http_error(out, 400, "bad_id", "\"%.80s\" is not a %s id (1-64 of A-Z a-z 0-9 . _ -)", rest, what);
		return;
	}
	if (rtxn(cx, &t, &tb, out))
		return;
	json_t *d = disc_get(t, tb.docs, fmt, rest);
	if (d == NULL) {
		mdb_txn_abort(t);
		pdl_http_error(out, 404, "not_found", "no %s %s", what, rest);
		return;
	}
	json_t *p = present ? present(d, now_of(t, &tb)) : json_incref(d);
	json_decref(d);
	json_object_set_new(p, "as_of", as_of(t, &tb));
	mdb_txn_abort(t);
	pdl_http_json(out, 200, p);
}

static void
route_grant(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	one_doc(cx, query, rest, "grant", "grant/%s", disc_grant_present, out);
}

/* ---- products ---- */

static const char *const product_statuses[] = {"released", "withdrawn", "submitted", "passed", "failed", "all", NULL};

static int
take_product(const char *key, json_t *doc, json_t *items, void *arg)
{
	struct take_arg *a = arg;
	(void)key;
	const char *st = disc_str(doc, "status");
	if ((strcmp(a->status, "all") != 0 && strcmp(st, a->status) != 0) ||
	    (*a->operator_id && strcmp(disc_str(doc, "operator"), a->operator_id) != 0))
		return 0;
	json_array_append(items, doc);
	return 1;
}

static void
route_products(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"status", "operator", "after", "limit", NULL};
	char status[32], op[80];
	(void)rest;
	if (pdl_http_params_only(query, params, out) ||
	    param_id(query, "status", product_statuses, status, sizeof status, out) ||
	    param_id(query, "operator", NULL, op, sizeof op, out))
		return;
	struct take_arg ta = {0, *status ? status : "released", op, "", "", "", ""};
	list_route(cx, query, "prod/", take_product, &ta, out);
}

static void
route_product(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	one_doc(cx, query, rest, "product", "prod/%s", NULL, out);
}

/* ---- usage ---- */

static int
take_usage(const char *key, json_t *doc, json_t *items, void *arg)
{
	struct take_arg *a = arg;
	(void)key;
	if ((*a->resource && strcmp(disc_str(doc, "resource_id"), a->resource) != 0) ||
	    (*a->period && strcmp(disc_str(doc, "period"), a->period) != 0) ||
	    (*a->operator_id && json_object_get(json_object_get(doc, "operators"), a->operator_id) == NULL))
		return 0;
	json_array_append(items, doc);
	return 1;
}

static void
route_usage(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"resource", "period", "operator", "after", "limit", NULL};
	char res[80], period[16], op[80], prefix[120];
	(void)rest;
	if (pdl_http_params_only(query, params, out) || param_id(query, "resource", NULL, res, sizeof res, out) ||
	    param_period(query, period, sizeof period, out) || param_id(query, "operator", NULL, op, sizeof op, out))
		return;
	struct take_arg ta = {0, "", op, "", res, period, ""};
	if (*res)
		snprintf(prefix, sizeof prefix, "usage/%s/", res);
	else
		snprintf(prefix, sizeof prefix, "usage/");
	list_route(cx, query, prefix, take_usage, &ta, out);
}

/* ---- registrations ---- */

static const char *const reg_statuses[] = {"applied", "correction", "accepted", "rejected", "passed", "failed",
                                           "notice",  "ended",      "coded",    "cancelled", NULL};
static const char *const reg_kinds[] = {"R", "P", "S", NULL};

static json_t *
reg_present(const json_t *doc, uint64_t now_ms)
{
	json_t *r = json_deep_copy(doc);
	char iso[40];
	if (json_object_get(r, "notice_ends") != NULL) {
		uint64_t ends = disc_uint(r, "notice_ends");
		pdl_ms_iso(ends, iso);
		json_object_set_new(r, "notice_ends_time", json_string(iso));
		json_object_set_new(r, "notice_over", json_boolean(now_ms >= ends));
	}
	if (json_object_get(r, "accept_due") != NULL) {
		pdl_ms_iso(disc_uint(r, "accept_due"), iso);
		json_object_set_new(r, "accept_due_time", json_string(iso));
	}
	return r;
}

static int
take_reg(const char *key, json_t *doc, json_t *items, void *arg)
{
	struct take_arg *a = arg;
	(void)key;
	if ((*a->status && strcmp(disc_str(doc, "status"), a->status) != 0) ||
	    (*a->kind && strcmp(disc_str(doc, "kind"), a->kind) != 0))
		return 0;
	json_array_append_new(items, reg_present(doc, a->now_ms));
	return 1;
}

static void
route_registrations(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"status", "kind", "after", "limit", NULL};
	char status[32], kind[8];
	(void)rest;
	if (pdl_http_params_only(query, params, out) || param_id(query, "status", reg_statuses, status, sizeof status, out) ||
	    param_id(query, "kind", reg_kinds, kind, sizeof kind, out))
		return;
	struct take_arg ta = {0, status, "", kind, "", "", ""};
	list_route(cx, query, "reg/", take_reg, &ta, out);
}

/* /v1/registrations/{code}: a registration code, or an application id. */
static void
route_registration(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const none[] = {NULL};
	MDB_txn *t;
	struct disc_tables tb;
	char app[PDL_ID_LEN_MAX + 1];
	const char *why = NULL;
	size_t n = strlen(rest);
	if (pdl_http_params_only(query, none, out))
		return;
	int code_shape = n == PDL_CODE_LEN && rest[6] == '-' && rest[11] == '-';
	if (code_shape && pdl_code_valid(rest, n, &why) != PDL_OK) {
		pdl_http_error(out, 400, "bad_code", "\"%s\" is not a valid registration code: %s", rest,
		               why ? why : "malformed");
		return;
	}
	if (!code_shape && !pdl_id_valid(rest, n)) {
		pdl_http_error(out, 400, "bad_code",
		               "\"%.80s\" is neither a registration code (420100-2026-R-00000042-B) nor an application id",
		               rest);
		return;
	}
	if (rtxn(cx, &t, &tb, out))
		return;
	if (code_shape) {
		json_t *c = disc_get(t, tb.docs, "code/%s", rest);
		snprintf(app, sizeof app, "%s", disc_str(c, "application_id"));
		json_decref(c);
		if (!*app) {
			mdb_txn_abort(t);
			pdl_http_error(out, 404, "not_found", "no registration has code %s", rest);
			return;
		}
	} else {
		snprintf(app, sizeof app, "%s", rest);
	}
	json_t *d = disc_get(t, tb.docs, "reg/%s", app);
	if (d == NULL) {
		mdb_txn_abort(t);
		pdl_http_error(out, 404, "not_found", "no registration application %s", app);
		return;
	}
	json_t *r = reg_present(d, now_of(t, &tb));
	json_decref(d);
	json_object_set_new(r, "as_of", as_of(t, &tb));
	mdb_txn_abort(t);
	pdl_http_json(out, 200, r);
}

/* ---- disputes, parties, resources ---- */

static const char *const dispute_outcomes[] = {"upheld", "dismissed", NULL};

static int
take_plain(const char *key, json_t *doc, json_t *items, void *arg)
{
	struct take_arg *a = arg;
	(void)key;
	if (*a->outcome && strcmp(disc_str(doc, "outcome"), a->outcome) != 0)
		return 0;
	if (*a->status && strcmp(disc_str(doc, "status"), a->status) != 0)
		return 0;
	json_array_append(items, doc);
	return 1;
}

static void
route_disputes(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"outcome", "after", "limit", NULL};
	char outcome[16];
	(void)rest;
	if (pdl_http_params_only(query, params, out) ||
	    param_id(query, "outcome", dispute_outcomes, outcome, sizeof outcome, out))
		return;
	struct take_arg ta = {0, "", "", "", "", "", outcome};
	list_route(cx, query, "disp/", take_plain, &ta, out);
}

static void
route_parties(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"after", "limit", NULL};
	(void)rest;
	if (pdl_http_params_only(query, params, out))
		return;
	struct take_arg ta = {0, "", "", "", "", "", ""};
	list_route(cx, query, "party/", take_plain, &ta, out);
}

static void
route_resources(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"status", "after", "limit", NULL};
	static const char *const statuses[] = {"listed", "withdrawn", NULL};
	char status[16];
	(void)rest;
	if (pdl_http_params_only(query, params, out) || param_id(query, "status", statuses, status, sizeof status, out))
		return;
	struct take_arg ta = {0, status, "", "", "", "", ""};
	list_route(cx, query, "res/", take_plain, &ta, out);
}

/* ---- yearly disclosures (disclosure.publish), late ones flagged ---- */

static int
take_disclosure(const char *key, json_t *doc, json_t *items, void *arg)
{
	struct take_arg *a = arg;
	(void)key;
	if (*a->status && json_is_true(json_object_get(doc, "late")) != (strcmp(a->status, "true") == 0))
		return 0;
	json_array_append(items, doc);
	return 1;
}

static void
route_disclosures(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"year", "late", "after", "limit", NULL};
	static const char *const bools[] = {"true", "false", NULL};
	char late[8], prefix[32] = "discl/";
	uint64_t year;
	(void)rest;
	if (pdl_http_params_only(query, params, out) || param_id(query, "late", bools, late, sizeof late, out))
		return;
	int r = pdl_http_uint(query, "year", 0, &year);
	if (r < 0 || (r > 0 && (year < 1970 || year > 9999))) {
		pdl_http_error(out, 400, "bad_parameter", "year must be a year 1970..9999");
		return;
	}
	if (r > 0)
		snprintf(prefix, sizeof prefix, "discl/%04llu/", (unsigned long long)year);
	struct take_arg ta = {0, late, "", "", "", "", ""};
	list_route(cx, query, prefix, take_disclosure, &ta, out);
}

/* ---- feed ---- */

static void
route_feed(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"after", "limit", NULL};
	uint64_t after, limit;
	MDB_txn *t;
	struct disc_tables tb;
	(void)rest;
	if (pdl_http_params_only(query, params, out))
		return;
	int ha = pdl_http_uint(query, "after", 0, &after);
	if (ha < 0) {
		pdl_http_error(out, 400, "bad_parameter", "after must be a seq (a whole number up to 2^63-1)");
		return;
	}
	if (disc_limit(query, PDL_HTTP_LIMIT_DEFAULT, &limit, out) || rtxn(cx, &t, &tb, out))
		return;
	json_t *items = json_array();
	uint64_t last = after;
	int more = 0;
	MDB_cursor *c;
	if (mdb_cursor_open(t, tb.feed, &c) == 0) { /* after ≤ PDL_HTTP_UINT_MAX: after + 1 does not wrap */
		uint8_t kb[8];
		pdl_be64(kb, ha == 1 ? after + 1 : 0);
		MDB_val k = {8, kb}, v;
		for (int m = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); m == 0; m = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			if (json_array_size(items) == limit) {
				more = 1;
				break;
			}
			json_t *it = json_loadb(v.mv_data, v.mv_size, 0, NULL);
			if (it == NULL)
				continue;
			last = disc_uint(it, "seq");
			/* ledger times also as people read them: time_cst, <x>_cst (mpjson.h) */
			pdl_json_add_cst(it);
			pdl_json_add_cst(json_object_get(it, "outcome"));
			json_array_append_new(items, it);
		}
		mdb_cursor_close(c);
	}
	json_t *next = json_array_size(items) > 0 || ha == 1 ? json_integer((json_int_t)last) : json_null();
	json_t *o = json_pack("{s:o,s:o,s:b,s:o}", "items", items, "next", next, "more", more, "as_of", as_of(t, &tb));
	mdb_txn_abort(t);
	pdl_http_json(out, 200, o);
}

/* ---- the ledger: checkpoint, proofs, entries ---- */

struct ledger {
	struct pdl_http_ledger hl; /* the server closes it when it stops (http.h) */
	struct pdl_http_out *out;
};

static int
ledger_open(struct pdl_http_ctx *cx, struct ledger *l, struct pdl_http_out *out)
{
	struct pdl_status st = {0};
	l->out = out;
	if (pdl_http_ledger_open(cx, &l->hl, LEDGER_TIMEOUT_MS, &st) != PDL_OK) {
		pdl_http_ledger_close(&l->hl);
		pdl_http_error(out, 503, "ledger_unavailable", "the ledger cannot be reached: %s", st.msg);
		return 1;
	}
	return 0;
}

static void
ledger_close(struct ledger *l)
{
	pdl_http_ledger_close(&l->hl);
}

/* Calls op with up to two uint arguments; *rep is the reply (caller frees).
 * 1 if it answered an error: pdld's ENOTFOUND → 404, EINVAL → 400, else 502/503. */
static int
ledger_call(struct ledger *l, const char *op, msgpack_sbuffer *req, uint8_t **rep, size_t *rn)
{
	struct pdl_status st = {0};
	int rc = pdl_client_call(&l->hl.cl, req->data, req->size, rep, rn, &st);
	msgpack_sbuffer_destroy(req);
	if (rc != PDL_OK) {
		pdl_http_error(l->out, 503, "ledger_unavailable", "the ledger did not answer: %s", st.msg);
		return 1;
	}
	if ((rc = pdl_rep_error(*rep, *rn, &st)) != PDL_OK) {
		int status = rc == PDL_ENOTFOUND ? 404 : rc == PDL_EINVAL ? 400 : 502;
		pdl_http_error(l->out, status, status == 404 ? "not_found" : status == 400 ? "bad_parameter" : "ledger_error",
		               "%s: %s", op, st.msg);
		free(*rep);
		*rep = NULL;
		return 1;
	}
	return 0;
}

struct ckpt_info {
	char note[PDL_NOTE_BYTES_MAX + 1];
	struct pdl_ckpt ck;
	int verified; /* signed by the genesis ledger key */
};

/* The latest checkpoint, parsed and its signature checked. 1 if answered. */
static int
ledger_ckpt(struct pdl_http_ctx *cx, struct ledger *l, struct ckpt_info *ci)
{
	uint8_t *rep;
	size_t rn;
	msgpack_sbuffer req;
	pdl_req_checkpoint(&req, NULL);
	if (ledger_call(l, "checkpoint", &req, &rep, &rn))
		return 1;
	struct pdl_status st;
	const char *s;
	size_t n;
	if (pdl_rep_checkpoint(rep, rn, &s, &n, &st) != PDL_OK) {
		free(rep);
		pdl_http_error(l->out, 502, "ledger_error", "the ledger's checkpoint reply is malformed");
		return 1;
	}
	memcpy(ci->note, s, n);
	ci->note[n] = 0;
	free(rep);
	if (pdl_ckpt_parse(ci->note, n, &ci->ck) != PDL_OK) {
		pdl_http_error(l->out, 502, "ledger_error", "the ledger's checkpoint does not parse");
		return 1;
	}
	/* the checkpoint key is the one genesis names */
	MDB_txn *t;
	struct disc_tables tb;
	json_t *m = NULL;
	ci->verified = 0;
	if (mdb_txn_begin(cx->db->env, NULL, MDB_RDONLY, &t) == 0) {
		disc_tables_get(cx->db, &tb);
		m = pdl_vdoc_get(t, tb.docs, "meta/ledger");
		mdb_txn_abort(t);
	}
	if (m == NULL) {
		pdl_http_error(l->out, 503, "view_not_ready", "the view has not applied the genesis entry yet");
		return 1;
	}
	struct pdl_pubkey pk;
	size_t bl;
	char why[160];
	const char *k = disc_str(m, "ledger_key");
	if (pdl_pubkey_parse(&pk, pdl_suite(), k, strlen(k), why, sizeof why) == PDL_OK)
		ci->verified = pdl_note_verify(ci->note, n, disc_str(m, "origin"), &pk, &bl) == PDL_OK;
	json_decref(m);
	if (!ci->verified) {
		pdl_http_error(l->out, 502, "ledger_error",
		               "the ledger's checkpoint is not signed by the ledger key genesis names");
		return 1;
	}
	return 0;
}

static json_t *
b64_json(const uint8_t *b, size_t n)
{
	char *s = malloc(pdl_b64_len(n));
	if (s == NULL)
		return json_null();
	pdl_b64(b, n, s);
	json_t *j = json_string(s);
	free(s);
	return j;
}

/* pdld's answer, asked for on a new client and checked (the status and
 * JSON body /v1/checkpoint serves) */
static void
checkpoint_ask(struct pdl_http_ctx *cx, struct pdl_http_out *out)
{
	struct ledger l;
	static _Thread_local struct ckpt_info ci; /* 8 KiB: off the handler's stack */
	if (ledger_open(cx, &l, out))
		return;
	if (!ledger_ckpt(cx, &l, &ci)) {
		json_t *o = json_pack("{s:s,s:I,s:o,s:s,s:b}", "origin", ci.ck.origin, "size", (json_int_t)ci.ck.size, "root",
		                      b64_json(ci.ck.root, PDL_HASH_BYTES), "note", ci.note, "verified", ci.verified);
		if (ci.ck.has_chain) {
			/* the chain hash reads as hex wherever pdl prints it (spec/formats.md §4) */
			char hex[2 * PDL_HASH_BYTES + 1];
			pdl_hex(ci.ck.chain, PDL_HASH_BYTES, hex);
			json_object_set_new(o, "chain", json_string(hex));
		}
		pdl_http_json(out, 200, o);
	}
	ledger_close(&l);
}

/* /v1/checkpoint's answer is shared by the server's threads: pdld is asked
 * by one thread at a time, at most once per CKPT_FRESH_MS, so that a flood
 * of requests costs pdld a few connections a second instead of one each.
 * While one thread asks, the others serve the answer before it (at most
 * one ask, LEDGER_TIMEOUT_MS, older than fresh), or 503 before the first
 * answer; errors are kept as long as answers (pdld down costs one wait per
 * CKPT_FRESH_MS, not one per request). */
#define CKPT_FRESH_MS 250u

static struct {
	pthread_mutex_t mu;
	int asking;     /* a thread is asking pdld */
	int status;     /* the kept answer's; 0: none yet */
	char *body;     /* malloc'd */
	size_t len;
	uint64_t at_ns; /* when it was asked for */
} ckpt_kept = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* A copy of the kept answer into out: 1 if there is one (0 on no memory) */
static int
checkpoint_copy(struct pdl_http_out *out)
{
	if (ckpt_kept.status == 0 || (out->body = malloc(ckpt_kept.len + 1)) == NULL)
		return 0;
	memcpy(out->body, ckpt_kept.body, ckpt_kept.len + 1);
	out->len = ckpt_kept.len;
	out->status = ckpt_kept.status;
	out->content_type = "application/json";
	return 1;
}

static void
route_checkpoint(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const none[] = {NULL};
	(void)rest;
	if (pdl_http_params_only(query, none, out))
		return;
	uint64_t now = pdl_mono_ns();
	pthread_mutex_lock(&ckpt_kept.mu);
	int fresh = ckpt_kept.status != 0 && now - ckpt_kept.at_ns < (uint64_t)CKPT_FRESH_MS * 1000000u;
	if ((fresh || ckpt_kept.asking) && checkpoint_copy(out)) {
		pthread_mutex_unlock(&ckpt_kept.mu);
		return;
	}
	if (ckpt_kept.asking) {
		pthread_mutex_unlock(&ckpt_kept.mu);
		pdl_http_error(out, 503, "ledger_unavailable", "the ledger's checkpoint is being fetched: try again");
		return;
	}
	ckpt_kept.asking = 1;
	pthread_mutex_unlock(&ckpt_kept.mu);

	checkpoint_ask(cx, out);
	char *keep = out->body != NULL ? malloc(out->len + 1) : NULL;
	if (keep != NULL)
		memcpy(keep, out->body, out->len + 1);
	pthread_mutex_lock(&ckpt_kept.mu);
	ckpt_kept.asking = 0;
	if (keep != NULL) {
		free(ckpt_kept.body);
		ckpt_kept.body = keep;
		ckpt_kept.len = out->len;
		ckpt_kept.status = out->status;
		ckpt_kept.at_ns = now;
	}
	pthread_mutex_unlock(&ckpt_kept.mu);
}

/* ---- the ledger routes' answers, written straight into the body ----
 *
 * /v1/entries/{seq} and /v1/proof/inclusion are the hot read path (the
 * read-path bench, README): their answers are written member by member in
 * the order JSON_COMPACT | JSON_SORT_KEYS gives (pdl_http_json), so the
 * bytes are the ones jansson would print, without building a tree for the
 * parts that are only hashes, numbers and base64. */

#define JB_CAP_MIN 4096u /* an entry with its proof fits the first buffer */

struct jb {
	char *p; /* malloc'd; becomes the response body */
	size_t n, cap;
	int oom;
};

static void
jb_put(struct jb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : JB_CAP_MIN;
		while (b->n + n + 1 > cap)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

static void
jb_str(struct jb *b, const char *s)
{
	jb_put(b, s, strlen(s));
}

/* "key":N as jansson prints a json_int_t */
static void
jb_int(struct jb *b, const char *key, uint64_t v)
{
	char d[PDL_JSON_INT_BYTES];
	const char *p = pdl_json_int((int64_t)(json_int_t)v, d);
	jb_put(b, "\"", 1);
	jb_put(b, key, strlen(key));
	jb_put(b, "\":", 2);
	jb_put(b, p, (size_t)(d + sizeof d - p));
}

/* a quoted base64 string: its alphabet needs no JSON escape */
static void
jb_b64(struct jb *b, const uint8_t *v, size_t n)
{
	char small[PDL_B64_LEN(PDL_HASH_BYTES) + 2];
	size_t len = pdl_b64_len(n);
	char *s = len + 2 <= sizeof small ? small : malloc(len + 2);
	if (s == NULL) {
		b->oom = 1;
		return;
	}
	s[0] = '"';
	pdl_b64(v, n, s + 1);
	s[len] = '"';
	jb_put(b, s, len + 1);
	if (s != small)
		free(s);
}

/* any JSON value as pdl_http_json prints it inside a document */
static void
jb_json(struct jb *b, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (s == NULL) {
		b->oom = 1;
		return;
	}
	jb_str(b, s);
	free(s);
}

static void
jb_put_fn(void *ctx, const char *s, size_t n)
{
	jb_put(ctx, s, n);
}

/* A UTF-8 string of n bytes quoted as jansson quotes it by default
 * (jcompact.h) */
static void
jb_quoten(struct jb *b, const char *s, size_t n)
{
	pdl_json_quote(s, n, jb_put_fn, b);
}

static void
jb_quote(struct jb *b, const char *s)
{
	jb_quoten(b, s, strlen(s));
}

/* ---- an entry's act and outcome, written from their msgpack ---- */

#define MAP_MEMBERS_MAX 64u /* a map with more members goes through jansson (acts' have a dozen at most) */
#define TYPE_LEN_MAX 63u        /* an act type with a longer name goes through jansson */

static int mpw(struct jb *b, struct mp_cur *c, unsigned depth);

/* The order of JSON_SORT_KEYS for keys without NUL (strcmp's). */
static int
key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);
	return r != 0 ? r : (an > bn) - (an < bn);
}

/* A map key that pdl_mp_to_json keeps as it is: a UTF-8 string (so no
 * NUL) under 256 bytes. -1 otherwise. */
static int
mpw_key(struct mp_cur *c, const char **k, size_t *kn)
{
	if (mp_peek(c) != MP_STR || mp_read_str(c, k, kn) != PDL_OK || *kn >= 256 || !mp_utf8_valid(*k, *kn))
		return -1;
	return 0;
}

static void
jb_i64(struct jb *b, int64_t v)
{
	char d[PDL_JSON_INT_BYTES];
	const char *p = pdl_json_int(v, d);
	jb_put(b, p, (size_t)(d + sizeof d - p));
}

/* A member of a map being written: one of its own (value at v), or the
 * CST form pdl_json_add_cst adds to an outcome (cst). */
struct omember {
	const char *k;
	size_t kn;
	struct mp_cur v;
	const char *cst; /* NULL: its own */
};

/* Reads the members of the map at c into m (at most max), sorted by key
 * as JSON_SORT_KEYS prints them. -1 for a key mpw_key refuses, a key
 * given twice (jansson keeps one: which one is jansson's to say), more
 * than max members or a malformed map. */
static int
mpw_members(struct mp_cur *c, struct omember *m, size_t max, size_t *nm)
{
	uint32_t n;
	if (mp_read_map(c, &n) != PDL_OK || n > max)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		if (mpw_key(c, &m[i].k, &m[i].kn) != 0)
			return -1;
		m[i].v = *c;
		m[i].cst = NULL;
		if (mp_skip(c) != PDL_OK)
			return -1;
	}
	*nm = n;
	return 0;
}

/* Sorts m[0..n) by key (insertion sort: pdl writes most maps sorted
 * already, and they are small); -1 when a key repeats. */
static int
mpw_sort(struct omember *m, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			int r = key_cmp(m[j - 1].k, m[j - 1].kn, m[j].k, m[j].kn);
			if (r == 0)
				return -1;
			if (r < 0)
				break;
			struct omember x = m[j];
			m[j] = m[j - 1];
			m[j - 1] = x;
		}
	return 0;
}

/* Writes sorted members; their values at depth. */
static int
mpw_object(struct jb *b, struct omember *m, size_t n, unsigned depth)
{
	jb_put(b, "{", 1);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			jb_put(b, ",", 1);
		jb_quoten(b, m[i].k, m[i].kn);
		jb_put(b, ":", 1);
		if (m[i].cst != NULL)
			jb_quote(b, m[i].cst);
		else if (mpw(b, &m[i].v, depth) != 0)
			return -1;
	}
	jb_put(b, "}", 1);
	return 0;
}

static int
mpw_map(struct jb *b, struct mp_cur *c, unsigned depth)
{
	struct omember m[MAP_MEMBERS_MAX];
	size_t n;
	if (mpw_members(c, m, MAP_MEMBERS_MAX, &n) != 0 || mpw_sort(m, n) != 0)
		return -1;
	return mpw_object(b, m, n, depth + 1);
}

static int
mpw_str(struct jb *b, struct mp_cur *c, int bin)
{
	const char *s;
	size_t n;
	if (bin ? mp_read_bin(c, (const uint8_t **)&s, &n) != PDL_OK : mp_read_str(c, &s, &n) != PDL_OK)
		return -1;
	if (!bin && mp_utf8_valid(s, n))
		jb_quoten(b, s, n);
	else
		jb_b64(b, (const uint8_t *)s, n); /* as pdl_mp_to_json: bytes, or a string that is not UTF-8 */
	return 0;
}

/* Writes the value at c as pdl_mp_to_json and then json_dumps
 * (JSON_COMPACT | JSON_SORT_KEYS) would, where that is plain: nil,
 * booleans, integers that fit an int64, strings, byte strings, arrays, and
 * maps whose keys mpw_key accepts in strictly increasing order (as pdl
 * encodes acts), at most MP_DEPTH_MAX deep. Anything else (a float, an
 * extension, unsorted or repeated keys, a malformed value) is -1: the
 * caller then goes through jansson, which decides what it becomes. */
static int
mpw(struct jb *b, struct mp_cur *c, unsigned depth)
{
	if (depth > MP_DEPTH_MAX)
		return -1;
	switch (mp_peek(c)) {
	case MP_NIL:
		if (mp_read_nil(c) != PDL_OK)
			return -1;
		jb_put(b, "null", 4);
		return 0;
	case MP_BOOL: {
		int v;
		if (mp_read_bool(c, &v) != PDL_OK)
			return -1;
		jb_str(b, v ? "true" : "false");
		return 0;
	}
	case MP_UINT: {
		uint64_t v;
		if (mp_read_uint(c, &v) != PDL_OK || v > INT64_MAX)
			return -1; /* jansson prints a real */
		jb_i64(b, (int64_t)v);
		return 0;
	}
	case MP_NINT: {
		int64_t v;
		if (mp_read_int(c, &v) != PDL_OK)
			return -1;
		jb_i64(b, v);
		return 0;
	}
	case MP_STR:
	case MP_BIN:
		return mpw_str(b, c, mp_peek(c) == MP_BIN);
	case MP_ARR: {
		uint32_t n;
		if (mp_read_array(c, &n) != PDL_OK)
			return -1;
		jb_put(b, "[", 1);
		for (uint32_t i = 0; i < n; i++) {
			if (i > 0)
				jb_put(b, ",", 1);
			if (mpw(b, c, depth + 1) != 0)
				return -1;
		}
		jb_put(b, "]", 1);
		return 0;
	}
	case MP_MAP:
		return mpw_map(b, c, depth);
	default:
		return -1;
	}
}

/* The integer >= 0 at v, as jansson would hold it; 0 when it is none. */
static int
nonneg_int(struct mp_cur v, uint64_t *x)
{
	int64_t i;
	if (mp_peek(&v) == MP_UINT)
		return mp_read_uint(&v, x) == PDL_OK && *x <= INT64_MAX;
	if (mp_peek(&v) == MP_NINT && mp_read_int(&v, &i) == PDL_OK && i >= 0) {
		*x = (uint64_t)i;
		return 1;
	}
	return 0;
}

/* Adds the CST member of m[i] (pdl_json_add_cst) unless the outcome has
 * a member of that name already; -1 when two would add the same name. */
static int
outcome_cst(struct omember *m, size_t *nm, size_t own, size_t i, char (*names)[128], char (*csts)[PDL_CST_LEN])
{
	char key[256];
	uint64_t ms;
	if (!nonneg_int(m[i].v, &ms))
		return 0;
	memcpy(key, m[i].k, m[i].kn);
	key[m[i].kn] = '\0';
	if (!pdl_json_cst_key(key, names[i], sizeof names[i]))
		return 0;
	size_t nn = strlen(names[i]);
	for (size_t j = 0; j < *nm; j++)
		if (key_cmp(m[j].k, m[j].kn, names[i], nn) == 0)
			return j < own ? 0 : -1;
	m[*nm] = (struct omember){names[i], nn, m[i].v, pdl_ms_cst(ms, csts[i])};
	(*nm)++;
	return 0;
}

/* Writes the outcome at p[0..n) as entry_load's jansson path does
 * (pdl_mp_to_json, pdl_json_add_cst, sorted); -1 where mpw would be. */
static int
outcome_write(struct jb *b, const uint8_t *p, size_t n)
{
	struct omember m[2 * MAP_MEMBERS_MAX];
	char names[MAP_MEMBERS_MAX][128], csts[MAP_MEMBERS_MAX][PDL_CST_LEN];
	struct mp_cur c = mp_cur_make(p, n);
	size_t own, nm;
	if (mp_peek(&c) != MP_MAP)
		return mpw(b, &c, 0); /* pdl_json_add_cst adds to objects only */
	if (mpw_members(&c, m, MAP_MEMBERS_MAX, &own) != 0 || mpw_sort(m, own) != 0)
		return -1;
	nm = own;
	for (size_t i = 0; i < own; i++)
		if (outcome_cst(m, &nm, own, i, names, csts) != 0)
			return -1;
	if (mpw_sort(m, nm) != 0)
		return -1;
	return mpw_object(b, m, nm, 1);
}

/* The act's type and whether its body has a "blob", read from an act that
 * mpw wrote (its keys are unique); -1 when the type is not a short UTF-8
 * string. */
static int
act_class(const uint8_t *p, size_t n, char *type, size_t cap, int *has_blob)
{
	struct mp_cur c = mp_cur_make(p, n), v, body, blob;
	const char *s;
	size_t sn;
	if (mp_map_find(c, "type", &v) != PDL_OK || mp_peek(&v) != MP_STR || mp_read_str(&v, &s, &sn) != PDL_OK ||
	    sn >= cap || !mp_utf8_valid(s, sn))
		return -1;
	memcpy(type, s, sn);
	type[sn] = '\0';
	*has_blob = mp_map_find(c, "body", &body) == PDL_OK && mp_peek(&body) == MP_MAP &&
	            mp_map_find(body, "blob", &blob) == PDL_OK;
	return 0;
}

/* Hands the body to the server; 500 when it could not be written. */
static void
jb_send(struct jb *b, struct pdl_http_out *out)
{
	if (b->oom || b->p == NULL) {
		free(b->p);
		pdl_http_error(out, 500, "out_of_memory", "the answer could not be written");
		return;
	}
	out->status = 200;
	out->content_type = "application/json";
	out->body = b->p;
	out->len = b->n;
}

/* Writes the inclusion proof of index in size from the view's own tree
 * (proj.h, invariant 5), checked against root when root != NULL, as
 * {["checkpoint":note,]"index","leaf_hash","proof","size"}. 1 if it
 * answered an error instead. */
static int
view_inclusion(struct pdl_http_ctx *cx, MDB_txn *t, uint64_t index, uint64_t size, const uint8_t *root,
               const uint8_t *want_leaf, const char *note, struct jb *b, struct pdl_http_out *out)
{
	struct pdl_vtree_ctx tc;
	struct pdl_merkle_io io;
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	size_t np = 0;
	uint8_t leaf[PDL_HASH_BYTES];
	pdl_vdb_tree_rio(cx->db, t, &tc, &io); /* the upper nodes from memory (nodecache.h) */
	if (io.get(io.ctx, 0, index, leaf) != PDL_OK || pdl_merkle_prove_inclusion(&io, index, size, proof, &np) != PDL_OK) {
		pdl_http_error(out, 500, "view_error", "the view's tree cannot prove entry %llu in size %llu",
		               (unsigned long long)index, (unsigned long long)size);
		return 1;
	}
	if (want_leaf != NULL && memcmp(want_leaf, leaf, PDL_HASH_BYTES) != 0) {
		pdl_http_error(out, 500, "view_error", "the view's copy of entry %llu does not hash to its leaf (rebuild the view)",
		               (unsigned long long)index);
		return 1;
	}
	/* the upper nodes' hashes remembered from earlier answers (merkle.h:
	 * used only for the same two children, so the check is the same) */
	static _Thread_local struct pdl_merkle_memo memo;
	if (root != NULL && pdl_merkle_verify_inclusion_memo(&memo, leaf, index, size, proof, np, root) != PDL_OK) {
		pdl_http_error(out, 500, "view_error", "the view's tree does not match the checkpoint");
		return 1;
	}
	jb_put(b, "{", 1);
	if (note != NULL) {
		jb_str(b, "\"checkpoint\":");
		jb_quote(b, note);
		jb_put(b, ",", 1);
	}
	jb_int(b, "index", index);
	jb_str(b, ",\"leaf_hash\":");
	jb_b64(b, leaf, PDL_HASH_BYTES);
	jb_str(b, ",\"proof\":[");
	for (size_t i = 0; i < np; i++) {
		if (i > 0)
			jb_put(b, ",", 1);
		jb_b64(b, proof[i], PDL_HASH_BYTES);
	}
	jb_str(b, "],");
	jb_int(b, "size", size);
	jb_put(b, "}", 1);
	return 0;
}


/* Answered from the view's own entries, tree and checkpoint (proj.h,
 * invariants 5 and 6): no request goes to pdld. */
static void
route_inclusion(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"index", "size", NULL};
	static _Thread_local char note[PDL_NOTE_BYTES_MAX + 1];
	uint64_t index, size, next;
	uint8_t chain[PDL_HASH_BYTES];
	struct pdl_ckpt ck;
	size_t nn;
	MDB_txn *t;
	struct disc_tables tb;
	(void)rest;
	if (pdl_http_params_only(query, params, out))
		return;
	int hi = pdl_http_uint(query, "index", 0, &index), hs = pdl_http_uint(query, "size", 0, &size);
	if (hi == 0) {
		pdl_http_error(out, 400, "missing_parameter", "index is required: /v1/proof/inclusion?index=SEQ[&size=N]");
		return;
	}
	if (hi < 0 || hs < 0) {
		pdl_http_error(out, 400, "bad_parameter", "%s must be a whole number 0..%llu without leading zeros",
		               hi < 0 ? "index" : "size", (unsigned long long)PDL_HTTP_UINT_MAX);
		return;
	}
	if (hs == 1 && index >= size) {
		pdl_http_error(out, 400, "bad_parameter", "need index < size (index %llu, size %llu)",
		               (unsigned long long)index, (unsigned long long)size);
		return;
	}
	if (rtxn(cx, &t, &tb, out))
		return;
	int have = pdl_vdb_checkpoint(t, cx->db, note, sizeof note, &nn, &ck) == PDL_OK;
	if (pdl_vdb_cursor(t, cx->db, &next, chain) != PDL_OK) {
		mdb_txn_abort(t);
		pdl_http_error(out, 500, "view_error", "the view's cursor is unreadable");
		return;
	}
	if (hs == 0 && !have) {
		mdb_txn_abort(t);
		pdl_http_error(out, 503, "view_not_ready", "the view holds no checkpoint yet; retry shortly");
		return;
	}
	if (hs == 0)
		size = ck.size;
	if (index >= size) {
		mdb_txn_abort(t);
		pdl_http_error(out, 404, "not_found",
		               "entry %llu is not covered by the latest checkpoint (size %llu); retry after the next one",
		               (unsigned long long)index, (unsigned long long)size);
		return;
	}
	if (size > next) {
		mdb_txn_abort(t);
		pdl_http_error(out, 400, "bad_parameter", "size %llu is beyond the entries in the view (%llu)",
		               (unsigned long long)size, (unsigned long long)next);
		return;
	}
	int at_ckpt = have && size == ck.size;
	struct jb b = {0};
	if (view_inclusion(cx, t, index, size, at_ckpt ? ck.root : NULL, NULL, at_ckpt ? note : NULL, &b, out))
		free(b.p);
	else
		jb_send(&b, out);
	mdb_txn_abort(t);
}

/* Parses "/<seq>"; 1 if it answered 400. */
static int
parse_seq(const char *rest, uint64_t *seq, struct pdl_http_out *out)
{
	const char *s = rest[0] == '/' ? rest + 1 : rest;
	size_t n = strlen(s);
	int ok = n > 0 && n <= 19 && (n == 1 || s[0] != '0'); /* one spelling per number: no leading zeros */
	uint64_t v = 0;
	for (size_t i = 0; ok && i < n; i++) {
		ok = s[i] >= '0' && s[i] <= '9';
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (!ok) {
		pdl_http_error(out, 400, "bad_seq", "\"%.40s\" is not a seq: use /v1/entries/SEQ with SEQ a whole number without leading zeros", s);
		return 1;
	}
	if (v > PDL_HTTP_UINT_MAX) { /* 19 digits do not wrap, but a seq is at most 2^63-1 */
		pdl_http_error(out, 400, "bad_seq", "seq %s is out of range: a seq is at most %llu", s,
		               (unsigned long long)PDL_HTTP_UINT_MAX);
		return 1;
	}
	*seq = v;
	return 0;
}

/* The 403 of an entry that is not public (the same on both checks). */
static void
entry_not_public(struct pdl_http_out *out, uint64_t seq, const char *type, const char *why)
{
	char msg[300];
	snprintf(msg, sizeof msg, "entry %llu (%s) is not public: %s", (unsigned long long)seq, type, why);
	json_t *o = json_pack("{s:s,s:s,s:I,s:s}", "error", "not_public", "message", msg, "seq", (json_int_t)seq, "type",
	                      type);
	pdl_http_json(out, 403, o);
}

/* A decoded entry of the view, as pdl_entry_to_json renders it. */
struct entry_doc {
	const uint8_t *b; /* the entry's bytes, in the read transaction */
	size_t n;
	struct pdl_entry e;
	/* the act and the outcome as JSON text (mpw), or else as jansson
	 * values (act, outcome: NULL when written) */
	struct jb act_text, outcome_text;
	json_t *act, *outcome;
	const char *type; /* the act's type, "" none: in type_buf or act */
	char type_buf[TYPE_LEN_MAX + 1];
	int has_blob;
	uint8_t leaf[PDL_HASH_BYTES];
};

/* The members of the answer before "checkpoint", between it and
 * "proof", and after "proof" (sorted, as pdl_http_json prints them). */
static void
entry_head(struct jb *b, const struct entry_doc *d)
{
	jb_str(b, "{\"act\":");
	if (d->act != NULL)
		jb_json(b, d->act);
	else
		jb_put(b, d->act_text.p, d->act_text.n);
}

static void
entry_middle(struct jb *b, const struct entry_doc *d)
{
	char hex[2 * PDL_HASH_BYTES + 1];
	uint8_t h[PDL_HASH_BYTES];
	jb_str(b, ",\"entry\":");
	jb_b64(b, d->b, d->n);
	pdl_digest(h, d->b, d->n);
	pdl_hex(h, PDL_HASH_BYTES, hex);
	jb_str(b, ",\"hash\":\"");
	jb_str(b, hex);
	jb_str(b, "\",\"leaf_hash\":");
	jb_b64(b, d->leaf, PDL_HASH_BYTES);
	jb_str(b, ",\"outcome\":");
	if (d->outcome != NULL)
		jb_json(b, d->outcome);
	else
		jb_put(b, d->outcome_text.p, d->outcome_text.n);
	pdl_hex(d->e.prev, PDL_HASH_BYTES, hex);
	jb_str(b, ",\"prev\":\"");
	jb_str(b, hex);
	jb_str(b, "\",\"proof\":");
}

static void
entry_tail(struct jb *b, const struct entry_doc *d, const char *pending)
{
	char iso[PDL_CST_LEN];
	if (pending != NULL) {
		jb_str(b, ",\"proof_pending\":");
		jb_quote(b, pending);
	}
	jb_put(b, ",", 1);
	jb_int(b, "seq", d->e.seq);
	jb_str(b, ",\"sig\":");
	jb_b64(b, d->e.sig, PDL_SIG_BYTES);
	jb_str(b, ",\"time_cst\":\"");
	jb_str(b, pdl_ms_cst(d->e.time_ms, iso));
	jb_str(b, "\",");
	jb_int(b, "time_ms", d->e.time_ms);
	jb_put(b, "}", 1);
}

static void
entry_text_free(struct entry_doc *d)
{
	free(d->act_text.p);
	free(d->outcome_text.p);
	memset(&d->act_text, 0, sizeof d->act_text);
	memset(&d->outcome_text, 0, sizeof d->outcome_text);
}

/* The view's copy of seq decoded into d (zeroed by the caller); 1 if it
 * answered 500. The act and the outcome are written as JSON text from
 * their msgpack when mpw can (same bytes as jansson's), else through
 * jansson; either way d->type and d->has_blob come from the same bytes
 * that are served. */
static int
entry_load(struct pdl_http_ctx *cx, MDB_txn *t, uint64_t seq, struct entry_doc *d, struct pdl_http_out *out)
{
	struct pdl_status st;
	if (pdl_vdb_entry(t, cx->db, seq, &d->b, &d->n) != PDL_OK || pdl_entry_decode(d->b, d->n, &d->e, &st) != PDL_OK ||
	    d->e.seq != seq) {
		pdl_http_error(out, 500, "view_error", "the view's copy of entry %llu is unreadable (rebuild the view)",
		               (unsigned long long)seq);
		return 1;
	}
	pdl_merkle_leaf_hash(d->b, d->n, d->leaf);
	struct mp_cur ac = mp_cur_make(d->e.act, d->e.act_len);
	if (mpw(&d->act_text, &ac, 0) == 0 && !d->act_text.oom &&
	    outcome_write(&d->outcome_text, d->e.outcome, d->e.outcome_len) == 0 && !d->outcome_text.oom &&
	    act_class(d->e.act, d->e.act_len, d->type_buf, sizeof d->type_buf, &d->has_blob) == 0) {
		d->type = d->type_buf;
		return 0; /* the usual case: no jansson */
	}
	entry_text_free(d);
	struct mp_cur oc = mp_cur_make(d->e.outcome, d->e.outcome_len);
	ac = mp_cur_make(d->e.act, d->e.act_len);
	if ((d->act = pdl_mp_to_json(&ac)) == NULL)
		d->act = json_null();
	if ((d->outcome = pdl_mp_to_json(&oc)) == NULL)
		d->outcome = json_object();
	pdl_json_add_cst(d->outcome);
	d->type = disc_str(d->act, "type");
	d->has_blob = json_object_get(json_object_get(d->act, "body"), "blob") != NULL;
	return 0;
}

/* Frees what entry_load made. */
static void
entry_doc_free(struct entry_doc *d)
{
	entry_text_free(d);
	json_decref(d->act);
	json_decref(d->outcome);
}

/* Writes the public entry d with its proof against the view's
 * checkpoint; 1 if it answered an error instead. */
static int
entry_write(struct pdl_http_ctx *cx, MDB_txn *t, const struct entry_doc *d, struct jb *b, struct pdl_http_out *out)
{
	static _Thread_local char note[PDL_NOTE_BYTES_MAX + 1];
	struct pdl_ckpt ck;
	size_t nn;
	entry_head(b, d);
	if (pdl_vdb_checkpoint(t, cx->db, note, sizeof note, &nn, &ck) != PDL_OK) {
		jb_str(b, ",\"checkpoint\":null");
		entry_middle(b, d);
		jb_str(b, "null");
		entry_tail(b, d, "the view holds no checkpoint yet; retry shortly");
		return 0;
	}
	jb_str(b, ",\"checkpoint\":");
	jb_quote(b, note);
	entry_middle(b, d);
	if (d->e.seq >= ck.size) {
		jb_str(b, "null");
		entry_tail(b, d, "the latest checkpoint does not cover this entry yet; retry shortly");
		return 0;
	}
	if (view_inclusion(cx, t, d->e.seq, ck.size, ck.root, d->leaf, NULL, b, out))
		return 1;
	entry_tail(b, d, NULL);
	return 0;
}

/* Answered from the view's own copy (proj.h, invariants 5 and 6), as
 * /v1/proof/inclusion is. */
void
disc_route_entry(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const none[] = {NULL};
	uint64_t seq, next;
	uint8_t chain[PDL_HASH_BYTES];
	MDB_txn *t;
	struct disc_tables tb;
	if (pdl_http_params_only(query, none, out) || parse_seq(rest, &seq, out) || rtxn(cx, &t, &tb, out))
		return;
	/* 1. the view's own record decides */
	if (pdl_vdb_cursor(t, cx->db, &next, chain) != PDL_OK || seq >= next) {
		mdb_txn_abort(t);
		pdl_http_error(out, 404, "not_found", "no entry %llu in the view yet (it holds seqs below %llu)",
		               (unsigned long long)seq, (unsigned long long)next);
		return;
	}
	json_t *p = disc_get_seq(t, tb.priv, seq);
	if (p != NULL) {
		mdb_txn_abort(t);
		entry_not_public(out, seq, disc_str(p, "type"), disc_str(p, "why"));
		json_decref(p);
		return;
	}
	/* 2. the entry as the view applied it */
	struct entry_doc d;
	memset(&d, 0, sizeof d);
	if (entry_load(cx, t, seq, &d, out)) {
		mdb_txn_abort(t);
		return;
	}
	/* 3. classified again from the bytes served (fail closed); a quality
	 * report's status is the view's (public once resolved) */
	const char *why = disc_private_why_blob(d.type, d.has_blob);
	struct jb b = {0};
	if (why != NULL && strcmp(d.type, "quality.report") != 0)
		entry_not_public(out, seq, d.type, why);
	else if (entry_write(cx, t, &d, &b, out)) /* 4. its proof against the view's checkpoint */
		free(b.p);
	else
		jb_send(&b, out);
	entry_doc_free(&d);
	mdb_txn_abort(t);
}

/* ---- annual report ---- */

static void
route_annual(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"year", NULL};
	uint64_t year;
	MDB_txn *t;
	struct disc_tables tb;
	(void)rest;
	if (pdl_http_params_only(query, params, out))
		return;
	int r = pdl_http_uint(query, "year", 0, &year);
	if (r == 0) {
		pdl_http_error(out, 400, "missing_parameter", "year is required: /v1/reports/annual?year=YYYY");
		return;
	}
	if (r < 0 || year < 1970 || year > 9999) {
		pdl_http_error(out, 400, "bad_parameter", "year must be a year 1970..9999");
		return;
	}
	/* the report reads every grant, product and usage record */
	if (pdl_http_walk_begin(cx, out))
		return;
	if (rtxn(cx, &t, &tb, out)) {
		pdl_http_walk_end(cx);
		return;
	}
	json_t *o = disc_annual(t, &tb, (int)year);
	if (o != NULL)
		json_object_set_new(o, "as_of", as_of(t, &tb));
	mdb_txn_abort(t);
	pdl_http_walk_end(cx);
	if (o == NULL)
		pdl_http_error(out, 500, "view_error", "cannot build the report");
	else
		pdl_http_json(out, 200, o);
}

/* ---- index ---- */

static void
route_index(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const none[] = {NULL};
	MDB_txn *t;
	struct disc_tables tb;
	(void)rest;
	if (pdl_http_params_only(query, none, out) || rtxn(cx, &t, &tb, out))
		return;
	json_t *m = pdl_vdoc_get(t, tb.docs, "meta/ledger");
	json_t *o = json_pack(
	    "{s:s,s:s,s:[s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s],s:o}", "origin", disc_str(m, "origin"), "jurisdiction",
	    disc_str(m, "jurisdiction"), "endpoints", "/", "/v1/grants?status=&operator=", "/v1/grants/{grant_id}",
	    "/v1/products?status=&operator=", "/v1/products/{product_id}", "/v1/usage?resource=&period=&operator=",
	    "/v1/registrations?status=&kind=", "/v1/registrations/{code}", "/v1/disputes?outcome=",
	    "/v1/disclosures?year=&late=", "/v1/parties",
	    "/v1/resources?status=", "/v1/feed?after=SEQ&limit=N", "/v1/feed.atom", "/v1/checkpoint",
	    "/v1/proof/inclusion?index=&size=", "/v1/entries/{seq}", "/v1/evidence?digest=HEX", "/entries/{seq}", "/verify",
	    "/metrics", "/v1/reports/annual?year=YYYY", "/v1/metrics/providers",
	    "/v1/metrics/disclosures?year=", "/v1/", "as_of", as_of(t, &tb));
	json_decref(m);
	mdb_txn_abort(t);
	pdl_http_json(out, 200, o);
}

const struct pdl_route pdl_routes_disclosure[] = {
	{"/", 0, disc_route_page, PDL_ROUTE_PUBLIC},
	{"/v1", 0, route_index, PDL_ROUTE_PUBLIC},
	{"/v1/", 0, route_index, PDL_ROUTE_PUBLIC},
	{"/v1/grants", 0, route_grants, PDL_ROUTE_PUBLIC},
	{"/v1/grants/", 1, route_grant, PDL_ROUTE_PUBLIC},
	{"/v1/products", 0, route_products, PDL_ROUTE_PUBLIC},
	{"/v1/products/", 1, route_product, PDL_ROUTE_PUBLIC},
	{"/v1/usage", 0, route_usage, PDL_ROUTE_PUBLIC},
	{"/v1/registrations", 0, route_registrations, PDL_ROUTE_PUBLIC},
	{"/v1/registrations/", 1, route_registration, PDL_ROUTE_PUBLIC},
	{"/v1/disputes", 0, route_disputes, PDL_ROUTE_PUBLIC},
	{"/v1/disclosures", 0, route_disclosures, PDL_ROUTE_PUBLIC},
	{"/v1/parties", 0, route_parties, PDL_ROUTE_PUBLIC},
	{"/v1/resources", 0, route_resources, PDL_ROUTE_PUBLIC},
	{"/v1/feed", 0, route_feed, PDL_ROUTE_PUBLIC},
	{"/v1/feed.atom", 0, disc_route_atom, PDL_ROUTE_PUBLIC},
	{"/v1/checkpoint", 0, route_checkpoint, PDL_ROUTE_PUBLIC},
	{"/v1/proof/inclusion", 0, route_inclusion, PDL_ROUTE_PUBLIC | PDL_ROUTE_INLINE},
	{"/v1/entries/", 1, disc_route_entry, PDL_ROUTE_PUBLIC | PDL_ROUTE_INLINE},
	{"/v1/evidence", 0, disc_route_evidence, PDL_ROUTE_PUBLIC},
	{"/entries/", 1, disc_route_entry_page, PDL_ROUTE_PUBLIC},
	{"/verify", 0, disc_route_verify_page, PDL_ROUTE_PUBLIC},
	{"/v1/reports/annual", 0, route_annual, PDL_ROUTE_PUBLIC},
	{NULL, 0, NULL, 0},
};
