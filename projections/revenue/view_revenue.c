/*
 * view_revenue.c — per-party revenue balances and statements (DESIGN §6),
 * built from settlement entries: settlement.run outcomes carry the exact
 * lines the ledger derived, settlement.confirm marks them confirmed.
 * Private: its routes exist only on the private listener (http.h), where
 * every reader is authenticated before a route runs.
 *
 * Tables:
 *   rev_settle  <settlement_id>                    {settlement_id, product_id, period, gross_fen, lines, status, seq}
 *   rev_line    <party>/<period>/<settlement_id>/<role>  {party, period, settlement_id, product_id, role, amount_fen, status, seq}
 * HTTP: GET /v1/revenue/parties/{id}[?period=YYYY-MM][&format=csv]
 *       GET /v1/revenue/settlements/{id}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "http.h"
#include "views.h"
#include "split.h"

static const char *const tables[] = {"rev_settle", "rev_line", NULL};

static int
put_line(MDB_txn *t, MDB_dbi dbi, json_t *line)
{
	char key[400];
	snprintf(key, sizeof key, "%s/%s/%s/%s", json_string_value(json_object_get(line, "party")),
	         json_string_value(json_object_get(line, "period")),
	         json_string_value(json_object_get(line, "settlement_id")),
	         json_string_value(json_object_get(line, "role")));
	return pdl_vdoc_put(t, dbi, key, line);
}

static int
apply(struct pdl_vdb *db, MDB_txn *t, const struct pdl_ventry *e)
{
	MDB_dbi settle = pdl_vdb_table(db, "rev_settle"), lines = pdl_vdb_table(db, "rev_line");
	if (strcmp(e->type, "settlement.run") == 0) {
		const char *sid = json_string_value(json_object_get(e->body, "settlement_id"));
		const char *pid = json_string_value(json_object_get(e->body, "product_id"));
		const char *per = json_string_value(json_object_get(e->body, "period"));
		json_t *ls = json_object_get(e->outcome, "lines");
		if (sid == NULL || pid == NULL || per == NULL || !json_is_array(ls))
			return PDL_EDECODE;
		json_t *doc = json_pack("{s:s,s:s,s:s,s:O,s:O,s:s,s:I}", "settlement_id", sid, "product_id", pid, "period",
		                        per, "gross_fen", json_object_get(e->outcome, "gross_fen"), "lines", ls, "status", "run",
		                        "seq", (json_int_t)e->seq);
		if (doc == NULL) /* no gross_fen in the outcome */
			return PDL_EDECODE;
		int rc = pdl_vdoc_put(t, settle, sid, doc);
		json_decref(doc);
		size_t i;
		json_t *l;
		json_array_foreach(ls, i, l) {
			if (rc != PDL_OK)
				break;
			json_t *line = json_pack("{s:O,s:s,s:s,s:s,s:O,s:O,s:s,s:I}", "party", json_object_get(l, "party"),
			                         "period", per, "settlement_id", sid, "product_id", pid, "role",
			                         json_object_get(l, "role"), "amount_fen", json_object_get(l, "amount_fen"),
			                         "status", "run", "seq", (json_int_t)e->seq);
			rc = line ? put_line(t, lines, line) : PDL_EDECODE;
			json_decref(line);
		}
		return rc;
	}
	if (strcmp(e->type, "settlement.confirm") == 0) {
		const char *sid = json_string_value(json_object_get(e->body, "settlement_id"));
		if (sid == NULL)
			return PDL_EDECODE;
		json_t *doc = pdl_vdoc_get(t, settle, sid);
		if (doc == NULL)
			return PDL_OK; /* the ledger refused an unknown one; nothing to show */
		json_object_set_new(doc, "status", json_string("confirmed"));
		json_object_set_new(doc, "confirmed_seq", json_integer((json_int_t)e->seq));
		int rc = pdl_vdoc_put(t, settle, sid, doc);
		size_t i;
		json_t *l;
		json_array_foreach(json_object_get(doc, "lines"), i, l) {
			char key[400];
			snprintf(key, sizeof key, "%s/%s/%s/%s", json_string_value(json_object_get(l, "party")),
			         json_string_value(json_object_get(doc, "period")), sid,
			         json_string_value(json_object_get(l, "role")));
			json_t *line = pdl_vdoc_get(t, lines, key);
			if (line == NULL)
				continue;
			json_object_set_new(line, "status", json_string("confirmed"));
			if (rc == PDL_OK)
				rc = pdl_vdoc_put(t, lines, key, line);
			json_decref(line);
		}
		json_decref(doc);
		return rc;
	}
	return PDL_OK;
}

/* A party's lines: to the party itself, the authority and auditors. */
static void
party_statement(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const params[] = {"period", "format", NULL};
	char period[16] = "", format[16] = "json";
	if (pdl_http_params_only(query, params, out))
		return;
	if (!pdl_id_valid(rest, strlen(rest))) {
		pdl_http_error(out, 400, "bad_party", "a party id is 1-64 characters of A-Z a-z 0-9 . _ -");
		return;
	}
	if (!pdl_reader_may(cx->reader, rest)) {
		char what[120];
		snprintf(what, sizeof what, "the statement of %s", rest);
		pdl_http_not_entitled(out, cx->reader, what);
		return;
	}
	if (pdl_http_param(query, "period", period, sizeof period) && !pdl_period_valid(period, strlen(period))) {
		pdl_http_error(out, 400, "bad_period", "period is YYYY-MM");
		return;
	}
	pdl_http_param(query, "format", format, sizeof format);
	if (strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) {
		pdl_http_error(out, 400, "bad_format", "format is json or csv");
		return;
	}
	MDB_txn *t;
	MDB_cursor *c;
	if (mdb_txn_begin(cx->db->env, NULL, MDB_RDONLY, &t) != 0) {
		pdl_http_error(out, 503, "unavailable", "the view cannot be read");
		return;
	}
	char prefix[200];
	int pn = snprintf(prefix, sizeof prefix, "%s/%s%s", rest, period, period[0] ? "/" : "");
	MDB_val k = {(size_t)pn, prefix}, v;
	json_t *lines = json_array(), *periods = json_object();
	int64_t total = 0;
	int overflow = 0;
	if (mdb_cursor_open(t, pdl_vdb_table(cx->db, "rev_line"), &c) != 0) {
		mdb_txn_abort(t);
		json_decref(lines);
		json_decref(periods);
		pdl_http_error(out, 503, "unavailable", "the view cannot be read");
		return;
	}
	for (int m = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); m == 0; m = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < (size_t)pn || memcmp(k.mv_data, prefix, (size_t)pn) != 0)
			break;
		json_t *line = json_loadb(v.mv_data, v.mv_size, 0, NULL);
		const char *per = json_string_value(json_object_get(line, "period"));
		if (line == NULL || per == NULL) {
			json_decref(line);
			continue;
		}
		/* totals are int64 fen like every amount: one that does not fit is
		 * refused below, never wrapped */
		int64_t a = json_integer_value(json_object_get(line, "amount_fen")), pt;
		overflow |= __builtin_add_overflow(json_integer_value(json_object_get(periods, per)), a, &pt);
		overflow |= __builtin_add_overflow(total, a, &total);
		json_object_set_new(periods, per, json_integer(pt));
		json_array_append_new(lines, line);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(t);
	if (overflow) {
		json_decref(lines);
		json_decref(periods);
		pdl_http_error(out, 422, "total_overflow",
		               "the total of %s's lines exceeds 2^63-1 fen; ask for one period at a time", rest);
		return;
	}
	if (strcmp(format, "csv") == 0) {
		/* rows are unbounded (ids of 64 characters, 19-digit amounts): a growing buffer */
		char *b = NULL;
		size_t len = 0, i;
		json_t *l;
		FILE *f = open_memstream(&b, &len);
		if (f == NULL) {
			json_decref(lines);
			json_decref(periods);
			pdl_http_error(out, 500, "no_memory", "out of memory");
			return;
		}
		fputs("party,period,settlement_id,product_id,role,amount_fen,amount_cny,status,seq\n", f);
		json_array_foreach(lines, i, l) {
			int64_t a = json_integer_value(json_object_get(l, "amount_fen"));
			char cny[32];
			fprintf(f, "%s,%s,%s,%s,%s,%lld,%s,%s,%lld\n", rest, json_string_value(json_object_get(l, "period")),
			        json_string_value(json_object_get(l, "settlement_id")),
			        json_string_value(json_object_get(l, "product_id")), json_string_value(json_object_get(l, "role")),
			        (long long)a, pdl_fen_cny(a, cny), json_string_value(json_object_get(l, "status")),
			        (long long)json_integer_value(json_object_get(l, "seq")));
		}
		char tcny[32];
		fprintf(f, "%s,%s,TOTAL,,,%lld,%s,,\n", rest, period, (long long)total, pdl_fen_cny(total, tcny));
		int bad = ferror(f);
		fclose(f); /* sets b and len */
		json_decref(lines);
		json_decref(periods);
		if (bad) {
			free(b);
			pdl_http_error(out, 500, "no_memory", "out of memory");
			return;
		}
		out->status = 200;
		out->content_type = "text/csv; charset=utf-8";
		out->body = b;
		out->len = len;
		return;
	}
	json_t *doc = json_pack("{s:s,s:o,s:o,s:I}", "party", rest, "lines", lines, "periods", periods, "total_fen",
	                        (json_int_t)total);
	if (period[0])
		json_object_set_new(doc, "period", json_string(period));
	pdl_http_json(out, 200, doc);
}

/* 1 when the settlement has a line for party. */
static int
has_line(const json_t *doc, const char *party)
{
	size_t i;
	const json_t *l;
	json_array_foreach(json_object_get(doc, "lines"), i, l) {
		const char *p = json_string_value(json_object_get(l, "party"));
		if (p != NULL && strcmp(p, party) == 0)
			return 1;
	}
	return 0;
}

/* A settlement's details: to the parties with a line in it, the authority
 * and auditors. Another party gets 403 whether or not the settlement
 * exists, so the answer is no oracle for settlement ids. */
static void
settlement_doc(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	static const char *const none[] = {NULL};
	if (pdl_http_params_only(query, none, out))
		return;
	if (!pdl_id_valid(rest, strlen(rest))) {
		pdl_http_error(out, 400, "bad_settlement", "a settlement id is 1-64 characters of A-Z a-z 0-9 . _ -");
		return;
	}
	MDB_txn *t;
	if (mdb_txn_begin(cx->db->env, NULL, MDB_RDONLY, &t) != 0) {
		pdl_http_error(out, 503, "unavailable", "the view cannot be read");
		return;
	}
	json_t *doc = pdl_vdoc_get(t, pdl_vdb_table(cx->db, "rev_settle"), rest);
	mdb_txn_abort(t);
	if (!pdl_reader_reads_all(cx->reader) && (doc == NULL || cx->reader == NULL || !has_line(doc, cx->reader->party))) {
		char what[120];
		json_decref(doc);
		snprintf(what, sizeof what, "settlement %s (it has no line for this party, or does not exist)", rest);
		pdl_http_not_entitled(out, cx->reader, what);
		return;
	}
	if (doc == NULL)
		pdl_http_error(out, 404, "not_found", "no settlement %s", rest);
	else
		pdl_http_json(out, 200, doc);
}

const struct pdl_route pdl_routes_revenue[] = {
	/* revenue and settlements are private (spec/views.md): never on the public listener */
	{"/v1/revenue/parties/", 1, party_statement, PDL_ROUTE_PRIVATE},
	{"/v1/revenue/settlements/", 1, settlement_doc, PDL_ROUTE_PRIVATE},
	{NULL, 0, NULL, 0},
};

const struct pdl_view pdl_view_revenue = {"revenue", tables, apply, pdl_routes_revenue};
