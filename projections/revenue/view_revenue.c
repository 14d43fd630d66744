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
 *   rev_name    party/<id>, prod/<id>              {name}: for statements people read (ledger.genesis,
 *                                                  party.register, product.submit)
 * HTTP: GET /v1/revenue/parties/{id}[?period=YYYY-MM | ?from=YYYY-MM&to=YYYY-MM][&format=csv[&bom=1]]
 *       GET /v1/revenue/settlements/{id}
 * The CSV is lib/csv.h's, byte for byte what `pdl statement --csv` writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "date.h"
#include "http.h"
#include "jcompact.h"
#include "views.h"
#include "split.h"

static const char *const tables[] = {"rev_settle", "rev_line", "rev_name", NULL};

/* The name an entry states (ledger.genesis, party.register,
 * product.submit), and its key in rev_name; NULL when it states none (or
 * the ledger's schema, which guarantees both, was not kept). */
static const json_t *
name_stated(const struct pdl_ventry *e, char key[128])
{
	const char *kind;
	const json_t *id, *of = e->body;
	if (strcmp(e->type, "ledger.genesis") == 0) {
		of = json_object_get(e->body, "authority");
		kind = "party", id = json_object_get(of, "id");
	} else if (strcmp(e->type, "party.register") == 0) {
		kind = "party", id = json_object_get(of, "id");
	} else if (strcmp(e->type, "product.submit") == 0) {
		kind = "prod", id = json_object_get(of, "product_id");
	} else {
		return NULL;
	}
	const json_t *name = json_object_get(of, "name");
	if (!json_is_string(id) || !json_is_string(name))
		return NULL;
	snprintf(key, 128, "%s/%s", kind, json_string_value(id));
	return name;
}

/* The name's document {name} made ahead (pdl_view.ahead). */
struct made {
	char key[128];
	struct pdl_vbytes doc;
};

static void *
ahead(const struct pdl_ventry *e)
{
	char key[128];
	const json_t *name = name_stated(e, key);
	struct made *m = name != NULL ? malloc(sizeof *m) : NULL;
	if (m == NULL)
		return NULL; /* no name (most entries), or apply makes it */
	memcpy(m->key, key, sizeof key);
	struct pdl_jbuf w;
	pdl_jbuf_init(&w);
	int rc = pdl_jw_raw(&w, "{") | pdl_jw_key(&w, "name") | pdl_jw_value(&w, name) | pdl_jw_raw(&w, "}");
	pdl_vbytes_keep(rc, &w, &m->doc);
	return m;
}

static void
ahead_free(void *made)
{
	struct made *m = made;
	free(m->doc.p);
	free(m);
}

/* Remembers the name of a party or product as the ledger states it. */
static int
apply_name(struct pdl_vdb *db, MDB_txn *t, const struct pdl_ventry *e)
{
	MDB_dbi names = pdl_vdb_table(db, "rev_name");
	const struct made *m = e->ahead;
	if (m != NULL && m->doc.p != NULL)
		return pdl_vdoc_put_bytes(t, names, m->key, &m->doc);
	char key[128];
	const json_t *name = name_stated(e, key);
	if (name == NULL)
		return PDL_OK;
	json_t *doc = json_pack("{s:O}", "name", name);
	int rc = doc != NULL ? pdl_vdoc_put(t, names, key, doc) : PDL_ENOMEM;
	json_decref(doc);
	return rc;
}

/* The name of kind/id ("" when the view has none). */
static const char *
name_of(MDB_txn *t, struct pdl_vdb *db, const char *kind, const char *id, json_t **hold)
{
	char key[128];
	snprintf(key, sizeof key, "%s/%s", kind, id ? id : "");
	*hold = pdl_vdoc_get(t, pdl_vdb_table(db, "rev_name"), key);
	const char *n = json_string_value(json_object_get(*hold, "name"));
	return n ? n : "";
}

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
	int nrc = apply_name(db, t, e);
	if (nrc != PDL_OK)
		return nrc;
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

/* A statement request: one period, a range, or every period. */
struct stmt_q {
	char period[16], from[16], to[16], format[16], bom[8];
};

/* Reads and checks the parameters; 1 when an error reply was made. */
static int
stmt_params(const char *query, struct stmt_q *q, struct pdl_http_out *out)
{
	static const char *const params[] = {"period", "from", "to", "format", "bom", NULL};
	memset(q, 0, sizeof *q);
	snprintf(q->format, sizeof q->format, "json");
	if (pdl_http_params_only(query, params, out))
		return 1;
	int has_p = pdl_http_param(query, "period", q->period, sizeof q->period);
	int has_f = pdl_http_param(query, "from", q->from, sizeof q->from);
	int has_t = pdl_http_param(query, "to", q->to, sizeof q->to);
	pdl_http_param(query, "format", q->format, sizeof q->format);
	pdl_http_param(query, "bom", q->bom, sizeof q->bom);
	if ((has_p && !pdl_period_valid(q->period, strlen(q->period))) ||
	    (has_f && !pdl_period_valid(q->from, strlen(q->from))) || (has_t && !pdl_period_valid(q->to, strlen(q->to)))) {
		pdl_http_error(out, 400, "bad_period", "a period is YYYY-MM with a month 01 to 12");
		return 1;
	}
	if ((has_p && (has_f || has_t)) || has_f != has_t || (has_f && strcmp(q->from, q->to) > 0)) {
		pdl_http_error(out, 400, "bad_period", "give period, or from and to (from not after to), or neither");
		return 1;
	}
	if (has_p) {
		snprintf(q->from, sizeof q->from, "%s", q->period);
		snprintf(q->to, sizeof q->to, "%s", q->period);
	}
	if (strcmp(q->format, "json") != 0 && strcmp(q->format, "csv") != 0) {
		pdl_http_error(out, 400, "bad_format", "format is json or csv");
		return 1;
	}
	if (q->bom[0] && (strcmp(q->bom, "1") != 0 || strcmp(q->format, "csv") != 0)) {
		pdl_http_error(out, 400, "bad_parameter", "bom=1 goes with format=csv");
		return 1;
	}
	return 0;
}

/* The party's lines in the range (all when from is empty), with product
 * names and yuan; per-period totals in periods. */
static int
stmt_collect(MDB_txn *t, struct pdl_vdb *db, const char *party, const struct stmt_q *q, json_t *lines,
             json_t *periods, int64_t *total)
{
	MDB_cursor *c;
	char prefix[200];
	int pn = snprintf(prefix, sizeof prefix, "%s/", party), overflow = 0;
	char start[200];
	int sn = snprintf(start, sizeof start, "%s/%s", party, q->from);
	MDB_val k = {(size_t)sn, start}, v;
	if (mdb_cursor_open(t, pdl_vdb_table(db, "rev_line"), &c) != 0)
		return PDL_ESTORE;
	for (int m = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); m == 0; m = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < (size_t)pn || memcmp(k.mv_data, prefix, (size_t)pn) != 0)
			break;
		json_t *line = json_loadb(v.mv_data, v.mv_size, 0, NULL), *hold;
		const char *per = json_string_value(json_object_get(line, "period"));
		if (line == NULL || per == NULL) {
			json_decref(line);
			continue;
		}
		if (q->to[0] && strcmp(per, q->to) > 0) {
			json_decref(line);
			break; /* keys are in period order */
		}
		/* totals are int64 fen like every amount: one that does not fit is
		 * refused, never wrapped */
		int64_t a = json_integer_value(json_object_get(line, "amount_fen")), pt;
		char y[32];
		overflow |= __builtin_add_overflow(json_integer_value(json_object_get(periods, per)), a, &pt);
		overflow |= __builtin_add_overflow(*total, a, total);
		json_object_set_new(periods, per, json_integer(pt));
		json_object_set_new(line, "product_name",
		                    json_string(name_of(t, db, "prod", json_string_value(json_object_get(line, "product_id")),
		                                        &hold)));
		json_decref(hold);
		json_object_set_new(line, "amount_yuan", json_string(pdl_fen_cny(a, y)));
		json_array_append_new(lines, line);
	}
	mdb_cursor_close(c);
	return overflow ? PDL_ETOOBIG : PDL_OK;
}

static void
stmt_csv(struct pdl_http_out *out, const char *party, const char *pname, const struct stmt_q *q, json_t *lines,
         int64_t total)
{
	/* rows are unbounded (ids of 64 characters, 19-digit amounts): a growing buffer */
	char *b = NULL, range[40];
	size_t len = 0, i;
	json_t *l;
	FILE *f = open_memstream(&b, &len);
	if (f == NULL) {
		pdl_http_error(out, 500, "no_memory", "out of memory");
		return;
	}
	if (q->bom[0])
		fputs(PDL_CSV_BOM, f);
	pdl_csv_header(f);
	json_array_foreach(lines, i, l) {
		struct pdl_csv_line r = {
			party, pname, json_string_value(json_object_get(l, "period")),
			json_string_value(json_object_get(l, "settlement_id")), json_string_value(json_object_get(l, "product_id")),
			json_string_value(json_object_get(l, "product_name")), json_string_value(json_object_get(l, "role")),
			json_string_value(json_object_get(l, "status")), json_integer_value(json_object_get(l, "amount_fen")),
			(uint64_t)json_integer_value(json_object_get(l, "seq"))};
		pdl_csv_row(f, &r);
	}
	if (strcmp(q->from, q->to) == 0)
		snprintf(range, sizeof range, "%s", q->from);
	else
		snprintf(range, sizeof range, "%s..%s", q->from, q->to);
	pdl_csv_total(f, pname, range, total);
	int bad = ferror(f);
	fclose(f); /* sets b and len */
	if (bad) {
		free(b);
		pdl_http_error(out, 500, "no_memory", "out of memory");
		return;
	}
	out->status = 200;
	out->content_type = "text/csv; charset=utf-8";
	out->body = b;
	out->len = len;
}

/* A party's lines: to the party itself, the authority and auditors. */
static void
party_statement(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out)
{
	struct stmt_q q;
	if (stmt_params(query, &q, out))
		return;
	if (!pdl_id_cstr_valid(rest)) {
		pdl_http_error(out, 400, "bad_party", "a party id is 1-64 characters of A-Z a-z 0-9 . _ -");
		return;
	}
	if (!pdl_reader_may(cx->reader, rest)) {
		char what[120];
		snprintf(what, sizeof what, "the statement of %s", rest);
		pdl_http_not_entitled(out, cx->reader, what);
		return;
	}
	MDB_txn *t;
	struct pdl_vparty vp;
	if (mdb_txn_begin(cx->db->env, NULL, MDB_RDONLY, &t) != 0) {
		pdl_http_error(out, 503, "unavailable", "the view cannot be read");
		return;
	}
	if (pdl_vdb_party(t, cx->db, rest, &vp) != PDL_OK) {
		mdb_txn_abort(t);
		pdl_http_error(out, 404, "not_found", "no party %s", rest);
		return;
	}
	json_t *lines = json_array(), *periods = json_object(), *hold;
	int64_t total = 0;
	int rc = stmt_collect(t, cx->db, rest, &q, lines, periods, &total);
	char pname[300], y[32];
	snprintf(pname, sizeof pname, "%s", name_of(t, cx->db, "party", rest, &hold));
	json_decref(hold);
	mdb_txn_abort(t);
	if (rc == PDL_ETOOBIG)
		pdl_http_error(out, 422, "total_overflow",
		               "the total of %s's lines exceeds 2^63-1 fen; ask for one period at a time", rest);
	else if (rc != PDL_OK)
		pdl_http_error(out, 503, "unavailable", "the view cannot be read");
	else if (strcmp(q.format, "csv") == 0)
		stmt_csv(out, rest, pname, &q, lines, total);
	if (rc != PDL_OK || strcmp(q.format, "csv") == 0) {
		json_decref(lines);
		json_decref(periods);
		return;
	}
	json_t *doc = json_pack("{s:s,s:s,s:o,s:o,s:I,s:s}", "party", rest, "party_name", pname, "lines", lines,
	                        "periods", periods, "total_fen", (json_int_t)total, "total_yuan", pdl_fen_cny(total, y));
	if (q.period[0])
		json_object_set_new(doc, "period", json_string(q.period));
	else if (q.from[0]) {
		json_object_set_new(doc, "from", json_string(q.from));
		json_object_set_new(doc, "to", json_string(q.to));
	}
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
	if (!pdl_id_cstr_valid(rest)) {
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

const struct pdl_view pdl_view_revenue = {"revenue", tables, apply, pdl_routes_revenue, ahead, ahead_free};
