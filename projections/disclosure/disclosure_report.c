/*
 * disclosure_report.c — the annual disclosure (GET /v1/reports/annual?year=Y,
 * spec/views.md): for the implementing agency its grants (object, content,
 * scope, term, amendments, exits with their log retention dates), fee caps
 * and the year's price caps under 发改价格〔2025〕65号 (caps per unit, allowed
 * revenue, the deduction carried in and out); for each operator the
 * resources it may use, its products and services with their actual prices,
 * its resource usage in the year, and its own yearly disclosure; and every
 * disclosure of the year, late ones flagged and counted. It is the document
 * the agency and the operators deposit (disclosure.publish).
 *
 * The report is read from the view as it stands; each grant is shown as it
 * stood at the end of the year (or now, if the year has not ended): its
 * status replayed from its history, amendments, rectifications and
 * refusals up to then, and its resources and split with later amendments
 * undone, so a report for a past year does not change when a grant is
 * amended or terminated later. Two things about the year are made after it
 * ends and are shown as recorded by now: its disclosures (due by the next
 * year's disclosure_due) and the excess carried into the next year's price
 * caps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure.h"
#include "views.h"

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
	if (disc_walk(t, dbi, prefix, NULL, (size_t)-1, (size_t)-1, take_all, NULL, items, next, &more) != PDL_OK) {
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
		json_object_del(g, "logs_retain_until");
	}
	json_t *x = json_object_get(g, "exit_attestation");
	if (x != NULL && disc_uint(x, "time_ms") > at_ms)
		json_object_del(g, "exit_attestation");
	/* amendments after at_ms are undone, latest first */
	json_t *ams = json_object_get(g, "amendments");
	size_t na = json_array_size(ams), kept = na;
	while (kept > 0 && disc_uint(json_array_get(ams, kept - 1), "time_ms") > at_ms) {
		json_t *am = json_array_get(ams, kept - 1), *res = json_object_get(g, "resources"), *v;
		json_t *back = json_array();
		size_t i, j;
		json_array_foreach(res, i, v)
		{
			int added = 0;
			json_t *r;
			json_array_foreach(json_object_get(am, "add_resources"), j, r)
			{
				added |= json_equal(r, v);
			}
			if (!added)
				json_array_append(back, v);
		}
		json_array_foreach(json_object_get(am, "remove_resources"), i, v)
		{
			json_array_append(back, v);
		}
		json_object_set_new(g, "resources", back);
		if (json_object_get(am, "split_bp_before") != NULL)
			json_object_set(g, "split_bp", json_object_get(am, "split_bp_before"));
		kept--;
	}
	if (ams != NULL) {
		while (json_array_size(ams) > kept)
			json_array_remove(ams, json_array_size(ams) - 1);
		json_object_set_new(g, "version", json_integer((json_int_t)kept));
	}
	/* lists of dated events: up to at_ms */
	static const char *const dated[] = {"rectifications", "refusals", NULL};
	for (const char *const *k = dated; *k != NULL; k++) {
		json_t *arr = json_object_get(g, *k);
		while (json_array_size(arr) > 0 && disc_uint(json_array_get(arr, json_array_size(arr) - 1), "time_ms") > at_ms)
			json_array_remove(arr, json_array_size(arr) - 1);
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

/* A publisher's disclosure of year, as published by at_ms (the report's
 * now), or null. */
static json_t *
disclosure_of(MDB_txn *t, MDB_dbi docs, int year, const char *id, uint64_t at_ms)
{
	json_t *d = disc_get(t, docs, "discl/%04d/%s", year % 10000, id);
	if (d == NULL || disc_uint(d, "time_ms") > at_ms) {
		json_decref(d);
		return json_null();
	}
	return d;
}

static json_t *
operator_entry(json_t *ops, const char *id, MDB_txn *t, MDB_dbi docs, int year, uint64_t now_ms)
{
	json_t *o = json_object_get(ops, id);
	if (o != NULL)
		return o;
	json_t *p = disc_get(t, docs, "party/%s", id);
	o = json_pack("{s:s,s:s,s:[],s:[],s:[],s:[],s:{s:I,s:I},s:o}", "operator", id, "name", disc_str(p, "name"),
	              "grants", "resources", "products", "usage", "usage_total", "records", (json_int_t)0, "bytes",
	              (json_int_t)0, "disclosure", disclosure_of(t, docs, year, id, now_ms));
	json_decref(p);
	json_object_set_new(ops, id, o);
	return o;
}

/* The grant's pricing record of year y as set by at_ms, or null. */
static json_t *
pricing_of(const json_t *g, int y, uint64_t at_ms)
{
	char k[16];
	snprintf(k, sizeof k, "%d", y);
	json_t *p = json_object_get(json_object_get(g, "pricing"), k);
	if (p == NULL || disc_uint(p, "time_ms") > at_ms)
		return json_null();
	return json_deep_copy(p);
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
	uint64_t year_start = pdl_ms_of_date((struct pdl_date){year, 1, 1});
	uint64_t year_end = pdl_ms_of_date((struct pdl_date){year + 1, 1, 1}); /* first ms of the next year */
	uint64_t at_ms = now_ms < year_end ? now_ms : year_end - 1;
	json_t *meta = pdl_vdoc_get(t, tb->docs, "meta/ledger");
	json_t *grants = all(t, tb->docs, "grant/"), *prods = all(t, tb->docs, "prod/"), *usage = all(t, tb->docs, "usage/");
	json_t *out = NULL;
	if (grants == NULL || prods == NULL || usage == NULL)
		goto done;
	char at_iso[40];
	pdl_ms_iso(at_ms, at_iso);
	json_t *ops = json_object();
	json_t *glist = json_array(), *caps = json_array(), *pcaps = json_array();
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
		/* the national rules' additions: the agreement on record, versions,
		 * rectifications, the exit and how long its logs are kept */
		static const char *const more[] = {"agreement", "selection", "version", "amendments", "rectifications",
		                                   "refusals", "logs_retain_until", "exit_attestation", NULL};
		for (const char *const *k = more; item != NULL && *k != NULL; k++) {
			json_t *v = json_object_get(g, *k);
			json_object_set(item, *k, v != NULL ? v : json_null());
		}
		json_t *pr = pricing_of(g, year, at_ms), *next = pricing_of(g, year + 1, now_ms);
		if (item != NULL)
			json_object_set(item, "pricing", pr);
		json_array_append_new(glist, item);
		json_array_append_new(caps, json_pack("{s:s,s:s,s:O,s:O}", "grant_id", gid, "operator", op, "fee_cap_fen",
		                                      json_object_get(g, "fee_cap_fen"), "seq", json_object_get(g, "seq")));
		if (json_is_object(pr)) {
			/* 发改价格〔2025〕65号: the year's caps and allowance, the deduction carried
			 * in from the year before, and (once next year's caps are set) the
			 * excess of this year carried out */
			json_t *pc = json_pack("{s:s,s:s,s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "grant_id", gid, "operator", op, "caps",
			                       json_object_get(pr, "caps"), "allowed_revenue_fen",
			                       json_object_get(pr, "allowed_revenue_fen"), "trial_tariff",
			                       json_object_get(pr, "trial_tariff"), "deduction_fen",
			                       json_object_get(pr, "deduction_fen"), "effective_allowed_fen",
			                       json_object_get(pr, "effective_allowed_fen"), "version",
			                       json_object_get(pr, "version"), "seq", json_object_get(pr, "seq"));
			if (pc != NULL)
				json_object_set_new(pc, "carried_to_next_year_fen",
				                    json_is_object(next) ? json_deep_copy(json_object_get(next, "deduction_fen"))
				                                         : json_null());
			json_array_append_new(pcaps, pc);
		}
		json_decref(pr);
		json_decref(next);
		json_t *o = operator_entry(ops, op, t, tb->docs, year, now_ms);
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
		json_t *o = operator_entry(ops, disc_str(d, "operator"), t, tb->docs, year, now_ms);
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
			json_t *o = operator_entry(ops, opid, t, tb->docs, year, now_ms);
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
	/* every disclosure of the year published so far; late ones counted */
	char dpfx[16];
	snprintf(dpfx, sizeof dpfx, "discl/%04d/", year % 10000);
	json_t *discs = all(t, tb->docs, dpfx), *dl = json_array();
	json_int_t nlate = 0;
	json_array_foreach(discs, i, d)
	{
		nlate += json_is_true(json_object_get(d, "late"));
		json_array_append(dl, d);
	}
	json_decref(discs);
	out = json_pack("{s:i,s:s,s:s,s:s,s:{s:s,s:s,s:o},s:o,s:o,s:o,s:o,s:{s:o,s:I,s:I}}", "year", year, "origin",
	                disc_str(meta, "origin"), "jurisdiction", disc_str(meta, "jurisdiction"), "status_at", at_iso,
	                "agency", "id", disc_str(meta, "authority_id"), "name", disc_str(meta, "authority_name"),
	                "disclosure", disclosure_of(t, tb->docs, year, disc_str(meta, "authority_id"), now_ms), "grants",
	                glist, "fee_caps", caps, "price_caps", pcaps, "operators", oplist, "disclosures", "items", dl,
	                "published", (json_int_t)json_array_size(dl), "late", nlate);
done:
	json_decref(meta);
	json_decref(grants);
	json_decref(prods);
	json_decref(usage);
	return out;
}

int
pdl_disclosure_annual(const char *viewdir, int year, json_t **doc, struct pdl_status *st)
{
	const struct pdl_view *views[1] = {&pdl_view_disclosure};
	struct pdl_vdb db;
	struct disc_tables tb;
	MDB_txn *t;
	*doc = NULL;
	if (pdl_vdb_open(&db, viewdir, views, 1, 1) != PDL_OK)
		return pdl_status_set(st, PDL_ENOTFOUND, NULL,
		                      "no disclosure view in %s (run pdl-project disclosure|all --data %s)", viewdir, viewdir);
	if (mdb_txn_begin(db.env, NULL, MDB_RDONLY, &t) != 0) {
		pdl_vdb_close(&db);
		return pdl_status_set(st, PDL_ESTORE, NULL, "cannot read the view in %s", viewdir);
	}
	disc_tables_get(&db, &tb);
	*doc = disc_annual(t, &tb, year);
	mdb_txn_abort(t);
	pdl_vdb_close(&db);
	if (*doc == NULL)
		return pdl_status_set(st, PDL_ENOMEM, NULL, "the view could not produce the %d report", year);
	return PDL_OK;
}
