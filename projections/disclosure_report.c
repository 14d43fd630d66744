/*
 * disclosure_report.c — the annual disclosure (GET /v1/reports/annual?year=Y,
 * spec/views.md): for the implementing agency its grants (object, content,
 * scope, term) and fee caps; for each operator the resources it may use,
 * its products and services with their actual prices, and its resource
 * usage in the year.
 *
 * The report is read from the view as it stands; each grant's status is
 * the one at the end of the year (or now, if the year has not ended),
 * replayed from the grant's history, so a report for a past year does not
 * change when a grant is terminated later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure.h"

static int
take_all(const char *key, json_t *doc, json_t *items, void *arg)
{
	(void)key;
	(void)arg;
	json_array_append(items, doc);
	return 1;
}

static json_t *
all(MDB_txn *t, MDB_dbi dbi, const char *prefix)
{
	char next[DISC_KEY_MAX];
	int more;
	json_t *items = json_array();
	if (disc_walk(t, dbi, prefix, NULL, (size_t)-1, take_all, NULL, items, next, &more) != PDL_OK) {
		json_decref(items);
		return NULL;
	}
	return items;
}

static int
year_of_date(const char *date)
{
	return (int)strtol(date, NULL, 10);
}

/* The grant as it stood at ledger time at_ms: status replayed from its history. */
static json_t *
grant_at(const json_t *doc, uint64_t at_ms)
{
	json_t *g = json_deep_copy(doc);
	const char *status = "active";
	size_t i;
	json_t *ev;
	json_array_foreach(json_object_get(doc, "history"), i, ev)
	{
		if (disc_uint(ev, "time_ms") > at_ms)
			break;
		const char *ty = disc_str(ev, "type");
		if (strcmp(ty, "grant.suspend") == 0)
			status = "suspended";
		else if (strcmp(ty, "grant.resume") == 0 || strcmp(ty, "grant.issue") == 0)
			status = "active";
		else if (strcmp(ty, "grant.terminate") == 0)
			status = "terminated";
	}
	json_object_set_new(g, "status", json_string(status));
	if (strcmp(status, "terminated") != 0) {
		json_object_del(g, "exit_reason");
		json_object_del(g, "exit_note");
		json_object_del(g, "exit_seq");
		json_object_del(g, "exit_ms");
		json_object_del(g, "closed");
	}
	json_t *p = disc_grant_present(g, at_ms);
	json_decref(g);
	return p;
}

/* The element of arr (objects with "year") for year y, or null. */
static json_t *
for_year(const json_t *arr, int y)
{
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o)
	{
		if ((int)disc_uint(o, "year") == y)
			return json_deep_copy(o);
	}
	return json_null();
}

static json_t *
operator_entry(json_t *ops, const char *id, MDB_txn *t, MDB_dbi docs)
{
	json_t *o = json_object_get(ops, id);
	if (o != NULL)
		return o;
	json_t *p = disc_get(t, docs, "party/%s", id);
	o = json_pack("{s:s,s:s,s:[],s:[],s:[],s:[],s:{s:I,s:I}}", "operator", id, "name", disc_str(p, "name"), "grants",
	              "resources", "products", "usage", "usage_total", "records", (json_int_t)0, "bytes", (json_int_t)0);
	json_decref(p);
	json_object_set_new(ops, id, o);
	return o;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *
disc_annual(MDB_txn *t, const struct disc_tables *tb, int year)
{
	uint64_t head_seq, now_ms;
	int have;
	disc_head(t, tb, &head_seq, &now_ms, &have);
	uint64_t year_start = (uint64_t)disc_date_start_ms(year, 1, 1);
	uint64_t year_end = (uint64_t)disc_date_start_ms(year + 1, 1, 1); /* first ms of the next year */
	uint64_t at_ms = now_ms < year_end ? now_ms : year_end - 1;
	json_t *meta = pdl_vdoc_get(t, tb->docs, "meta/ledger");
	json_t *grants = all(t, tb->docs, "grant/"), *prods = all(t, tb->docs, "prod/"), *usage = all(t, tb->docs, "usage/");
	json_t *out = NULL;
	if (grants == NULL || prods == NULL || usage == NULL)
		goto done;
	char at_iso[40];
	disc_ms_iso(at_ms, at_iso);
	json_t *ops = json_object();
	json_t *glist = json_array(), *caps = json_array();
	size_t i, k;
	json_t *d, *v;
	json_array_foreach(grants, i, d)
	{
		/* a grant of the year: its term touches the year, it was issued by
		 * the year's end, and it was not terminated before the year began */
		if (year_of_date(disc_str(d, "start")) > year || year_of_date(disc_str(d, "end")) < year ||
		    disc_uint(d, "time_ms") >= year_end)
			continue;
		if (json_object_get(d, "exit_ms") != NULL && disc_uint(d, "exit_ms") < year_start)
			continue;
		json_t *g = grant_at(d, at_ms);
		const char *gid = disc_str(g, "grant_id"), *op = disc_str(g, "operator");
		json_t *res = json_array();
		json_array_foreach(json_object_get(g, "resources"), k, v)
		{
			const char *rid = json_string_value(v) ? json_string_value(v) : "";
			json_t *r = disc_get(t, tb->docs, "res/%s", rid);
			json_array_append_new(res, json_pack("{s:s,s:s,s:s}", "resource_id", rid, "name", disc_str(r, "name"),
			                                     "provider", disc_str(r, "provider")));
			json_decref(r);
		}
		json_t *item = json_pack(
		    "{s:s,s:s,s:s,s:s,s:O,s:s,s:s,s:s,s:O,s:O,s:O,s:O,s:s,s:O,s:O,s:O,s:O,s:o,s:o}", "grant_id", gid,
		    "operator", op, "operator_name", disc_str(g, "operator_name"), "mode", disc_str(g, "mode"), "resources",
		    res, "scope", disc_str(g, "scope"), "start", disc_str(g, "start"), "end", disc_str(g, "end"),
		    "trial_end", json_object_get(g, "trial_end"), "exclusive", json_object_get(g, "exclusive"),
		    "fee_cap_fen", json_object_get(g, "fee_cap_fen"), "split_bp", json_object_get(g, "split_bp"), "status",
		    disc_str(g, "status"), "exit_reason", json_object_get(g, "exit_reason"), "exit_note",
		    json_object_get(g, "exit_note"), "exit_seq", json_object_get(g, "exit_seq"), "seq",
		    json_object_get(g, "seq"), "evaluation", for_year(json_object_get(g, "evaluations"), year), "report",
		    for_year(json_object_get(g, "reports"), year));
		json_array_append_new(glist, item);
		json_array_append_new(caps, json_pack("{s:s,s:s,s:O,s:O}", "grant_id", gid, "operator", op, "fee_cap_fen",
		                                      json_object_get(g, "fee_cap_fen"), "seq", json_object_get(g, "seq")));
		json_t *o = operator_entry(ops, op, t, tb->docs);
		json_array_append_new(json_object_get(o, "grants"), json_string(gid));
		json_array_foreach(res, k, v)
		{
			json_t *r = json_deep_copy(v);
			json_object_set_new(r, "grant_id", json_string(gid));
			json_array_append_new(json_object_get(o, "resources"), r);
		}
		json_decref(res);
		json_decref(g);
	}
	/* products and services on offer during the year, at their actual prices */
	json_array_foreach(prods, i, d)
	{
		if (json_object_get(d, "released_ms") == NULL || disc_uint(d, "released_ms") >= year_end)
			continue;
		if (json_object_get(d, "withdrawn_ms") != NULL && disc_uint(d, "withdrawn_ms") < year_start)
			continue;
		int withdrawn = json_object_get(d, "withdrawn_ms") != NULL && disc_uint(d, "withdrawn_ms") <= at_ms;
		json_t *o = operator_entry(ops, disc_str(d, "operator"), t, tb->docs);
		json_array_append_new(
		    json_object_get(o, "products"),
		    json_pack("{s:s,s:s,s:s,s:s,s:s,s:O,s:s,s:s,s:O,s:O}", "product_id", disc_str(d, "product_id"), "name",
		              disc_str(d, "name"), "grant_id", disc_str(d, "grant_id"), "developer", disc_str(d, "developer"),
		              "category", disc_str(d, "category"), "price_fen", json_object_get(d, "price_fen"), "unit",
		              disc_str(d, "unit"), "status", withdrawn ? "withdrawn" : "released", "released_seq",
		              json_object_get(d, "released_seq"), "seq", json_object_get(d, "seq")));
	}
	/* resource usage in the year's periods, per operator */
	char ypfx[8];
	snprintf(ypfx, sizeof ypfx, "%04d-", year);
	json_array_foreach(usage, i, d)
	{
		if (strncmp(disc_str(d, "period"), ypfx, 5) != 0)
			continue;
		const char *opid;
		json_object_foreach(json_object_get(d, "operators"), opid, v)
		{
			json_t *o = operator_entry(ops, opid, t, tb->docs);
			json_array_append_new(json_object_get(o, "usage"),
			                      json_pack("{s:s,s:s,s:s,s:O,s:O}", "resource_id", disc_str(d, "resource_id"),
			                                "resource_name", disc_str(d, "resource_name"), "period",
			                                disc_str(d, "period"), "records", json_object_get(v, "records"), "bytes",
			                                json_object_get(v, "bytes")));
			json_t *tot = json_object_get(o, "usage_total");
			json_object_set_new(tot, "records", json_integer((json_int_t)(disc_uint(tot, "records") +
			                                                              disc_uint(v, "records"))));
			json_object_set_new(tot, "bytes",
			                    json_integer((json_int_t)(disc_uint(tot, "bytes") + disc_uint(v, "bytes"))));
		}
	}
	/* operators in id order */
	size_t nops = json_object_size(ops), n = 0;
	const char **ids = malloc((nops ? nops : 1) * sizeof *ids);
	const char *key;
	json_object_foreach(ops, key, v)
	{
		if (ids != NULL)
			ids[n++] = key;
	}
	if (ids != NULL)
		qsort(ids, n, sizeof *ids, cmp_str);
	json_t *oplist = json_array();
	for (size_t j = 0; j < n; j++)
		json_array_append(oplist, json_object_get(ops, ids[j]));
	free(ids);
	json_decref(ops);
	out = json_pack("{s:i,s:s,s:s,s:s,s:{s:s,s:s},s:o,s:o,s:o}", "year", year, "origin", disc_str(meta, "origin"),
	                "jurisdiction", disc_str(meta, "jurisdiction"), "status_at", at_iso, "agency", "id",
	                disc_str(meta, "authority_id"), "name", disc_str(meta, "authority_name"), "grants", glist,
	                "fee_caps", caps, "operators", oplist);
done:
	json_decref(meta);
	json_decref(grants);
	json_decref(prods);
	json_decref(usage);
	return out;
}
