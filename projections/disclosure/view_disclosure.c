/*
 * view_disclosure.c — the disclosure view (DESIGN §6): what the public may
 * know of the ledger, projected from entries. See disclosure.h for the
 * tables and invariants, spec/views.md for what is disclosed and why.
 *
 * Every act type has one row in `rules` below: whether its entries are
 * public, and the function that folds it into the documents. An act type
 * the view does not know is private (fail closed) until it gets a row.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disclosure.h"
#include "jcompact.h"
#include "rules.h"
#include "views.h"

static const char *const tables[] = {"disclosure_docs", "disclosure_feed", "disclosure_private", NULL};

void
disc_tables_get(const struct pdl_vdb *db, struct disc_tables *tb)
{
	tb->docs = pdl_vdb_table(db, "disclosure_docs");
	tb->feed = pdl_vdb_table(db, "disclosure_feed");
	tb->priv = pdl_vdb_table(db, "disclosure_private");
}

/* ---- helpers ---- */

const char *
disc_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

uint64_t
disc_uint(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));
	return v > 0 ? (uint64_t)v : 0;
}

json_t *
disc_get(MDB_txn *t, MDB_dbi dbi, const char *fmt, ...)
{
	char key[DISC_KEY_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(key, sizeof key, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof key)
		return NULL;
	return pdl_vdoc_get(t, dbi, key);
}

json_t *
disc_get_seq(MDB_txn *t, MDB_dbi dbi, uint64_t seq)
{
	uint8_t kb[8];
	pdl_be64(kb, seq);
	MDB_val k = {8, kb}, v;
	if (mdb_get(t, dbi, &k, &v) != 0)
		return NULL;
	return json_loadb(v.mv_data, v.mv_size, 0, NULL);
}

/* First ms (CST) of a "YYYY-MM-DD" date; -1 when it is not one. */
static int64_t
date_ms(const char *s)
{
	struct pdl_str str = {s, strlen(s)};
	if (!pdl_date_valid(str.p, str.n))
		return -1;
	return (int64_t)pdl_ms_of_date(pdl_date_parse(str));
}

json_t *
disc_grant_present(const json_t *doc, uint64_t now_ms)
{
	json_t *g = json_deep_copy(doc);
	if (g == NULL)
		return NULL;
	const char *status = disc_str(doc, "status");
	int64_t start = date_ms(disc_str(doc, "start"));
	int64_t end = date_ms(disc_str(doc, "end"));
	int64_t trial = date_ms(disc_str(doc, "trial_end"));
	int64_t end_ms = end < 0 ? -1 : end + (int64_t)PDL_DAY_MS; /* the end date is the term's last day */
	int64_t now = (int64_t)now_ms;
	const char *phase = "term";
	if (end_ms >= 0 && now >= end_ms)
		phase = "ended";
	else if (start >= 0 && now < start)
		phase = "not_started";
	else if (trial >= 0 && now < trial)
		phase = "trial";
	if (strcmp(status, "terminated") != 0 && end_ms >= 0 && now >= end_ms) {
		/* expiry is not an act: the grant ends by its term */
		json_object_set_new(g, "status", json_string("expired"));
		json_object_set_new(g, "exit_reason", json_string("expiry"));
		json_object_set_new(g, "exit_note", json_string("the term ended"));
		json_object_set_new(g, "exit_seq", json_null());
		json_object_set_new(g, "exit_ms", json_integer(end_ms));
	}
	if (json_object_get(g, "exit_reason") == NULL) {
		json_object_set_new(g, "exit_reason", json_null());
		json_object_set_new(g, "exit_note", json_null());
		json_object_set_new(g, "exit_seq", json_null());
		json_object_set_new(g, "exit_ms", json_null());
	}
	json_object_set_new(g, "phase", json_string(phase));
	json_object_set_new(g, "trial", json_boolean(trial >= 0));
	if (json_object_get(g, "trial_end") == NULL)
		json_object_set_new(g, "trial_end", json_null());
	return g;
}

void
disc_head(MDB_txn *t, const struct disc_tables *tb, uint64_t *seq, uint64_t *time_ms, int *have)
{
	json_t *h = pdl_vdoc_get(t, tb->docs, "meta/head");
	*have = h != NULL;
	*seq = disc_uint(h, "seq");
	*time_ms = disc_uint(h, "time_ms");
	json_decref(h);
}

int
disc_walk(MDB_txn *t, MDB_dbi dbi, const char *prefix, const char *after, size_t limit, size_t scan_max,
          disc_take_fn fn, void *arg, json_t *items, char *next, int *more)
{
	MDB_cursor *c;
	MDB_val k, v;
	size_t pl = strlen(prefix), taken = 0, seen = 0;
	char start[DISC_KEY_MAX];
	*more = 0;
	next[0] = 0;
	if (after != NULL)
		snprintf(start, sizeof start, "%s%s", prefix, after);
	else
		snprintf(start, sizeof start, "%s", prefix);
	if (mdb_cursor_open(t, dbi, &c) != 0)
		return PDL_ESTORE;
	k.mv_size = strlen(start);
	k.mv_data = start;
	int rc = PDL_OK;
	int m = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	/* "after" is exclusive */
	if (m == 0 && after != NULL && k.mv_size == strlen(start) && memcmp(k.mv_data, start, k.mv_size) == 0)
		m = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	for (; m == 0; m = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < pl || memcmp(k.mv_data, prefix, pl) != 0)
			break;
		if (taken == limit || seen == scan_max) {
			*more = 1; /* past scan_max: next is the last key looked at */
			break;
		}
		char key[DISC_KEY_MAX];
		if (k.mv_size >= sizeof key)
			continue;
		memcpy(key, k.mv_data, k.mv_size);
		key[k.mv_size] = 0;
		if (++seen == scan_max)
			snprintf(next, DISC_KEY_MAX, "%s", key + pl);
		json_t *doc = json_loadb(v.mv_data, v.mv_size, 0, NULL);
		if (doc == NULL) {
			rc = PDL_ESTORE;
			break;
		}
		int r = fn(key + pl, doc, items, arg);
		json_decref(doc);
		if (r < 0) {
			rc = r;
			break;
		}
		if (r > 0) {
			taken++;
			snprintf(next, DISC_KEY_MAX, "%s", key + pl);
		}
	}
	mdb_cursor_close(c);
	return rc;
}

/* ---- apply ---- */

/* What the view makes of an entry ahead of its apply (pdl_view.ahead). */
struct made {
	int priv;               /* item is the private note, not the feed item */
	struct pdl_vbytes item; /* the feed item or the private note; p NULL: apply makes it */
	char key[DISC_KEY_MAX]; /* party.register: party/<id> */
	struct pdl_vbytes party; /* the new party's document; p NULL: apply makes it */
};

struct ap {
	MDB_txn *t;
	struct disc_tables tb;
	const struct pdl_ventry *e;
	const json_t *body;
	json_t *item;            /* the feed item, for public entries not made ahead */
	const struct made *made; /* or NULL */
};

static json_t *
get(struct ap *a, const char *fmt, const char *id)
{
	return disc_get(a->t, a->tb.docs, fmt, id);
}

static int
put(struct ap *a, const char *fmt, const char *id, json_t *doc)
{
	char key[DISC_KEY_MAX];
	int n = snprintf(key, sizeof key, fmt, id);
	if (n < 0 || (size_t)n >= sizeof key)
		return PDL_OK; /* ids are ≤ 64 chars: cannot happen for an accepted act */
	return pdl_vdoc_put(a->t, a->tb.docs, key, doc);
}

/* Puts doc under fmt/id and releases it. */
static int
put_new(struct ap *a, const char *fmt, const char *id, json_t *doc)
{
	if (doc == NULL)
		return PDL_ENOMEM;
	int rc = put(a, fmt, id, doc);
	json_decref(doc);
	return rc;
}

static const char *
b(struct ap *a, const char *key)
{
	return disc_str(a->body, key);
}

static json_t *
bdup(struct ap *a, const char *key)
{
	json_t *v = json_object_get(a->body, key);
	return v ? json_deep_copy(v) : json_null();
}

/* k: a literal of this file (ASCII: jansson need not check it) */
static void
set_s(json_t *o, const char *k, const char *v)
{
	json_object_set_new_nocheck(o, k, json_string(v));
}

static void
set_u(json_t *o, const char *k, uint64_t v)
{
	json_object_set_new_nocheck(o, k, json_integer((json_int_t)v));
}

/* Appends {seq, type, time_ms[, reason]} of e to doc.history and marks doc updated. */
static void
history_of(const struct pdl_ventry *e, json_t *doc, const char *reason)
{
	json_t *h = json_object_get(doc, "history");
	if (!json_is_array(h)) {
		h = json_array();
		json_object_set_new(doc, "history", h);
	}
	json_t *ev = json_object();
	set_u(ev, "seq", e->seq);
	set_s(ev, "type", e->type);
	set_u(ev, "time_ms", e->time_ms);
	if (reason != NULL && *reason)
		json_object_set_new(ev, "reason", json_string(reason));
	json_array_append_new(h, ev);
	json_object_set_new(doc, "updated_seq", json_integer((json_int_t)e->seq));
}

static void
history(struct ap *a, json_t *doc, const char *reason)
{
	history_of(a->e, doc, reason);
}

static const char *
party_name(struct ap *a, const char *id, char *buf, size_t cap)
{
	json_t *p = get(a, "party/%s", id);
	snprintf(buf, cap, "%s", disc_str(p, "name"));
	json_decref(p);
	return buf;
}

/* ledger.genesis */
static int
ap_genesis(struct ap *a)
{
	json_t *au = json_object_get(a->body, "authority");
	json_t *m = json_pack("{s:s,s:s,s:s,s:s,s:s,s:O,s:I,s:I}", "origin", b(a, "origin"), "jurisdiction",
	                      b(a, "jurisdiction"), "authority_id", disc_str(au, "id"), "authority_name",
	                      disc_str(au, "name"), "ledger_key", b(a, "ledger_key"), "policy",
	                      json_object_get(a->body, "policy") ? json_object_get(a->body, "policy") : json_null(),
	                      "seq", (json_int_t)a->e->seq, "time_ms", (json_int_t)a->e->time_ms);
	/* the signature suite, when genesis names one (the pages say what a
	 * browser can check) */
	if (json_is_string(json_object_get(a->body, "suite")))
		set_s(m, "suite", b(a, "suite"));
	int rc = pdl_vdoc_put(a->t, a->tb.docs, "meta/ledger", m);
	json_decref(m);
	if (rc != PDL_OK || !json_is_object(au))
		return rc;
	json_t *p = json_pack("{s:s,s:s,s:s,s:[s],s:s,s:s,s:I,s:I}", "id", disc_str(au, "id"), "name",
	                      disc_str(au, "name"), "uscc", disc_str(au, "uscc"), "roles", "authority", "public_key",
	                      disc_str(au, "public_key"), "status", "active", "seq", (json_int_t)a->e->seq, "time_ms",
	                      (json_int_t)a->e->time_ms);
	return put_new(a, "party/%s", disc_str(au, "id"), p);
}

/* party.register's document, from the entry alone (made ahead, or in
 * ap_party). Member by member: json_pack would parse its format for every
 * party. */
static json_t *
party_registered(const struct pdl_ventry *e)
{
	json_t *p = json_object(), *roles = json_object_get(e->body, "roles");
	if (p == NULL)
		return NULL;
	set_s(p, "id", disc_str(e->body, "id"));
	set_s(p, "name", disc_str(e->body, "name"));
	set_s(p, "uscc", disc_str(e->body, "uscc"));
	json_object_set_new_nocheck(p, "roles", roles ? json_deep_copy(roles) : json_null());
	set_s(p, "public_key", disc_str(e->body, "public_key"));
	set_s(p, "status", "active");
	set_u(p, "seq", e->seq);
	set_u(p, "time_ms", e->time_ms);
	history_of(e, p, NULL);
	return p;
}

/* party.* */
static int
ap_party(struct ap *a)
{
	const char *id = b(a, "id");
	const char *ty = a->e->type + strlen("party.");
	if (strcmp(ty, "register") == 0) {
		if (a->made != NULL && a->made->party.p != NULL)
			return pdl_vdoc_put_bytes(a->t, a->tb.docs, a->made->key, &a->made->party);
		return put_new(a, "party/%s", id, party_registered(a->e));
	}
	json_t *p = get(a, "party/%s", id);
	if (p == NULL)
		return PDL_OK; /* the ledger accepted it, so this cannot happen; never block the view */
	if (strcmp(ty, "rotate_key") == 0) {
		set_s(p, "public_key", b(a, "public_key"));
	} else if (strcmp(ty, "suspend") == 0) {
		set_s(p, "status", "suspended");
		set_s(p, "reason", b(a, "reason"));
	} else if (strcmp(ty, "reinstate") == 0) {
		set_s(p, "status", "active");
		json_object_del(p, "reason");
	}
	history(a, p, b(a, "reason"));
	return put_new(a, "party/%s", id, p);
}

static const char *const resource_fields[] = {"name", "items", "format", "update_frequency", "usage_conditions",
                                              "level", "attribute", "source", NULL};

static int
put_resource(struct ap *a, const json_t *src, const char *provider, const char *via)
{
	const char *rid = disc_str(src, "resource_id");
	json_t *r = json_object();
	set_s(r, "resource_id", rid);
	set_s(r, "provider", provider);
	for (const char *const *f = resource_fields; *f != NULL; f++) {
		json_t *v = json_object_get(src, *f);
		if (v != NULL)
			json_object_set(r, *f, v);
	}
	set_s(r, "status", "listed");
	json_object_set_new(r, "consented", json_boolean(json_object_get(src, "source") == NULL));
	set_u(r, "seq", a->e->seq);
	if (via != NULL)
		set_s(r, "catalog_request", via);
	history(a, r, NULL);
	return put_new(a, "res/%s", rid, r);
}

/* catalog.* */
static int
ap_catalog(struct ap *a)
{
	const char *ty = a->e->type + strlen("catalog.");
	if (strcmp(ty, "publish") == 0)
		return put_resource(a, a->body, a->e->actor, NULL);
	if (strcmp(ty, "decide") == 0) {
		json_t *res = json_object_get(a->body, "resource");
		if (strcmp(b(a, "decision"), "approve") != 0 || !json_is_object(res))
			return PDL_OK;
		return put_resource(a, res, a->e->actor, b(a, "request_id"));
	}
	if (strcmp(ty, "request") == 0)
		return PDL_OK;
	const char *rid = b(a, "resource_id");
	json_t *r = get(a, "res/%s", rid);
	if (r == NULL)
		return PDL_OK;
	if (strcmp(ty, "amend") == 0) {
		for (const char *const *f = resource_fields; *f != NULL; f++) {
			json_t *v = json_object_get(a->body, *f);
			if (v != NULL)
				json_object_set(r, *f, v);
		}
		if (json_object_get(a->body, "source") != NULL)
			json_object_set_new(r, "consented", json_false());
	} else if (strcmp(ty, "withdraw") == 0) {
		set_s(r, "status", "withdrawn");
		set_s(r, "reason", b(a, "reason"));
	} else if (strcmp(ty, "consent") == 0) {
		json_object_set_new(r, "consented", json_true());
	}
	history(a, r, b(a, "reason"));
	return put_new(a, "res/%s", rid, r);
}

/* registration.* */
static int
ap_registration(struct ap *a)
{
	const char *ty = a->e->type + strlen("registration.");
	const json_t *out = a->e->outcome;
	char app[PDL_ID_LEN_MAX + 1], nb[256];
	json_t *r;
	if (strcmp(ty, "apply") == 0) {
		const char *holder = a->e->actor;
		r = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:I,s:I}", "application_id", b(a, "application_id"),
		              "holder", holder, "holder_name", party_name(a, holder, nb, sizeof nb), "kind", b(a, "kind"),
		              "subject", b(a, "subject"), "name", b(a, "name"), "summary", b(a, "summary"), "evidence",
		              bdup(a, "evidence"), "status", "applied", "seq", (json_int_t)a->e->seq, "time_ms",
		              (json_int_t)a->e->time_ms);
		if (json_object_get(out, "accept_due") != NULL)
			json_object_set(r, "accept_due", json_object_get(out, "accept_due"));
		json_object_set_new(r, "objections", json_array());
		history(a, r, NULL);
		return put_new(a, "reg/%s", b(a, "application_id"), r);
	}
	/* find the application: by id, by objection, or by code */
	if (json_object_get(a->body, "application_id") != NULL) {
		snprintf(app, sizeof app, "%s", b(a, "application_id"));
	} else if (strcmp(ty, "resolve_objection") == 0) {
		json_t *o = get(a, "x/regobj/%s", b(a, "objection_id"));
		snprintf(app, sizeof app, "%s", disc_str(o, "application_id"));
		json_decref(o);
	} else {
		json_t *c = get(a, "code/%s", b(a, "code"));
		snprintf(app, sizeof app, "%s", disc_str(c, "application_id"));
		json_decref(c);
	}
	if ((r = get(a, "reg/%s", app)) == NULL)
		return PDL_OK;
	const char *reason = b(a, "reason");
	int rc = PDL_OK;
	if (strcmp(ty, "accept") == 0) {
		set_s(r, "status", "accepted");
	} else if (strcmp(ty, "reject") == 0) {
		set_s(r, "status", "rejected");
	} else if (strcmp(ty, "request_correction") == 0) {
		set_s(r, "status", "correction");
		json_object_set_new(r, "correction_items", bdup(a, "items"));
	} else if (strcmp(ty, "correct") == 0) {
		set_s(r, "status", "applied");
		json_object_del(r, "correction_items");
		if (json_object_get(a->body, "summary") != NULL)
			set_s(r, "summary", b(a, "summary"));
		if (json_object_get(a->body, "evidence") != NULL)
			json_object_set_new(r, "evidence", bdup(a, "evidence"));
		if (json_object_get(out, "accept_due") != NULL)
			json_object_set(r, "accept_due", json_object_get(out, "accept_due"));
	} else if (strcmp(ty, "review") == 0) {
		set_s(r, "status", strcmp(b(a, "outcome"), "pass") == 0 ? "passed" : "failed");
		json_object_set_new(r, "review", json_pack("{s:s,s:s,s:I}", "outcome", b(a, "outcome"), "notes",
		                                           b(a, "notes"), "seq", (json_int_t)a->e->seq));
	} else if (strcmp(ty, "publicize") == 0) {
		set_s(r, "status", "notice");
		set_u(r, "notice_seq", a->e->seq);
		set_u(r, "notice_starts", a->e->time_ms);
		if (json_object_get(out, "notice_ends") != NULL)
			json_object_set(r, "notice_ends", json_object_get(out, "notice_ends"));
	} else if (strcmp(ty, "object") == 0) {
		json_array_append_new(json_object_get(r, "objections"),
		                      json_pack("{s:s,s:s,s:s,s:s,s:I}", "objection_id", b(a, "objection_id"), "by",
		                                a->e->actor, "reason", reason, "status", "open", "seq",
		                                (json_int_t)a->e->seq));
		rc = put_new(a, "x/regobj/%s", b(a, "objection_id"), json_pack("{s:s}", "application_id", app));
		reason = NULL;
	} else if (strcmp(ty, "resolve_objection") == 0) {
		int upheld = json_is_true(json_object_get(a->body, "upheld"));
		size_t i;
		json_t *o;
		json_array_foreach(json_object_get(r, "objections"), i, o)
		{
			if (strcmp(disc_str(o, "objection_id"), b(a, "objection_id")) != 0)
				continue;
			set_s(o, "status", upheld ? "upheld" : "dismissed");
			set_s(o, "resolution", reason);
			set_u(o, "resolved_seq", a->e->seq);
		}
		if (upheld)
			set_s(r, "status", "ended");
	} else if (strcmp(ty, "assign_code") == 0) {
		const char *code = disc_str(out, "code");
		set_s(r, "status", "coded");
		set_s(r, "code", code);
		set_u(r, "code_seq", a->e->seq);
		set_u(r, "code_ms", a->e->time_ms);
		if (*code)
			rc = put_new(a, "code/%s", code,
			             json_pack("{s:s,s:I}", "application_id", app, "seq", (json_int_t)a->e->seq));
	} else if (strcmp(ty, "change") == 0) {
		if (json_object_get(a->body, "name") != NULL)
			set_s(r, "name", b(a, "name"));
		if (json_object_get(a->body, "summary") != NULL)
			set_s(r, "summary", b(a, "summary"));
		if (json_object_get(a->body, "evidence") != NULL)
			json_object_set_new(r, "evidence", bdup(a, "evidence"));
	} else if (strcmp(ty, "cancel") == 0) {
		set_s(r, "status", "cancelled");
	} else if (strcmp(ty, "national_code") == 0) {
		set_s(r, "national_code", b(a, "national_code"));
		if (json_object_get(a->body, "query_code") != NULL)
			set_s(r, "query_code", b(a, "query_code"));
		set_u(r, "national_seq", a->e->seq);
	}
	history(a, r, reason);
	if (rc != PDL_OK) {
		json_decref(r);
		return rc;
	}
	return put_new(a, "reg/%s", app, r);
}

/* An array member of doc, created empty when an older document lacks it. */
static json_t *
arr_of(json_t *doc, const char *key)
{
	json_t *v = json_object_get(doc, key);
	if (!json_is_array(v)) {
		v = json_array();
		json_object_set_new(doc, key, v);
	}
	return v;
}

static json_t *
obj_of(json_t *doc, const char *key)
{
	json_t *v = json_object_get(doc, key);
	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(doc, key, v);
	}
	return v;
}

/* grant.amend: the grant document follows the ledger's record (the held
 * resources, the split) and lists the amendment. */
static void
grant_amend(struct ap *a, json_t *g)
{
	json_t *res = json_object_get(g, "resources"), *keep = json_array(), *v, *r;
	json_t *add = json_object_get(a->body, "add_resources"), *rem = json_object_get(a->body, "remove_resources");
	size_t i, j;
	json_array_foreach(res, i, v)
	{
		int gone = 0;
		json_array_foreach(rem, j, r)
		{
			gone |= json_equal(r, v);
		}
		if (!gone)
			json_array_append(keep, v);
	}
	json_array_foreach(add, i, v)
	{
		json_array_append(keep, v);
	}
	json_object_set_new(g, "resources", keep);
	/* the split before, so a report of an earlier year can show that one */
	json_t *before = json_object_get(g, "split_bp");
	before = before != NULL ? json_deep_copy(before) : json_null();
	if (json_object_get(a->body, "split_bp") != NULL)
		json_object_set_new(g, "split_bp", bdup(a, "split_bp"));
	uint64_t version = disc_uint(a->e->outcome, "version");
	set_u(g, "version", version);
	json_t *am = json_pack("{s:I,s:s,s:I,s:I}", "version", (json_int_t)version, "reason", b(a, "reason"), "seq",
	                       (json_int_t)a->e->seq, "time_ms", (json_int_t)a->e->time_ms);
	if (am != NULL && json_object_get(a->body, "split_bp") != NULL)
		json_object_set(am, "split_bp_before", before);
	json_decref(before);
	const char *keys[] = {"add_resources", "remove_resources", "split_bp"};
	for (int k = 0; k < 3 && am != NULL; k++)
		if (json_object_get(a->body, keys[k]) != NULL)
			json_object_set_new(am, keys[k], bdup(a, keys[k]));
	json_array_append_new(arr_of(g, "amendments"), am);
}

/* pricing.set_caps: the year's caps and allowance, with the deduction the
 * ledger computed, under the grant's `pricing`. */
static void
grant_pricing(struct ap *a, json_t *g)
{
	char y[24];
	snprintf(y, sizeof y, "%llu", (unsigned long long)disc_uint(a->body, "year"));
	json_t *caps = json_object(), *c;
	size_t i;
	json_array_foreach(json_object_get(a->body, "caps"), i, c)
	{
		json_object_set(caps, disc_str(c, "unit"), json_object_get(c, "cap_fen"));
	}
	json_t *prev = json_object_get(obj_of(g, "pricing"), y);
	json_t *pr = json_pack("{s:o,s:O,s:O,s:O,s:O,s:I,s:I,s:I}", "caps", caps, "allowed_revenue_fen",
	                       json_object_get(a->body, "allowed_revenue_fen"), "trial_tariff",
	                       json_object_get(a->body, "trial_tariff"), "deduction_fen",
	                       json_object_get(a->e->outcome, "deduction_fen"), "effective_allowed_fen",
	                       json_object_get(a->e->outcome, "effective_allowed_fen"), "version",
	                       (json_int_t)(disc_uint(prev, "version") + 1), "seq", (json_int_t)a->e->seq, "time_ms",
	                       (json_int_t)a->e->time_ms);
	if (pr != NULL)
		json_object_set_new(obj_of(g, "pricing"), y, pr);
}

/* grant.*, pricing.set_caps and developer.* (the developers a grant admitted
 * and refused are public; a refusal without its reason) */
static int
ap_grant(struct ap *a)
{
	const char *ty = a->e->type;
	const char *gid = b(a, "grant_id");
	char nb[256];
	json_t *g;
	if (strcmp(ty, "grant.issue") == 0) {
		g = json_deep_copy(a->body);
		set_s(g, "operator_name", party_name(a, b(a, "operator"), nb, sizeof nb));
		set_s(g, "authority", a->e->actor);
		set_s(g, "status", "active");
		set_u(g, "seq", a->e->seq);
		set_u(g, "time_ms", a->e->time_ms);
		json_object_set_new(g, "reports", json_array());
		json_object_set_new(g, "evaluations", json_array());
		json_object_set_new(g, "developers", json_object());
		set_u(g, "version", 0);
		json_object_set_new(g, "amendments", json_array());
		json_object_set_new(g, "rectifications", json_array());
		json_object_set_new(g, "pricing", json_object());
		json_object_set_new(g, "refusals", json_array());
		history(a, g, NULL);
		return put_new(a, "grant/%s", gid, g);
	}
	if ((g = get(a, "grant/%s", gid)) == NULL)
		return PDL_OK;
	const char *reason = b(a, "reason");
	if (strcmp(ty, "grant.suspend") == 0) {
		set_s(g, "status", "suspended");
		set_s(g, "suspend_reason", reason);
	} else if (strcmp(ty, "grant.resume") == 0) {
		set_s(g, "status", "active");
		json_object_del(g, "suspend_reason");
	} else if (strcmp(ty, "grant.terminate") == 0) {
		set_s(g, "status", "terminated");
		set_s(g, "exit_reason", reason);
		set_s(g, "exit_note", b(a, "note"));
		set_u(g, "exit_seq", a->e->seq);
		set_u(g, "exit_ms", a->e->time_ms);
		json_t *closed = json_object_get(a->e->outcome, "closed");
		if (closed != NULL)
			json_object_set(g, "closed", closed);
		if (json_object_get(a->e->outcome, "logs_retain_until") != NULL)
			set_s(g, "logs_retain_until", disc_str(a->e->outcome, "logs_retain_until"));
	} else if (strcmp(ty, "grant.amend") == 0) {
		grant_amend(a, g);
	} else if (strcmp(ty, "grant.rectify") == 0) {
		json_array_append_new(arr_of(g, "rectifications"),
		                      json_pack("{s:s,s:o,s:s,s:I,s:I}", "notice_id", b(a, "notice_id"), "items",
		                                bdup(a, "items"), "due", b(a, "due"), "seq", (json_int_t)a->e->seq,
		                                "time_ms", (json_int_t)a->e->time_ms));
	} else if (strcmp(ty, "grant.exit_attest") == 0) {
		json_t *x = json_pack("{s:s,s:I,s:I}", "deletion", b(a, "deletion"), "seq", (json_int_t)a->e->seq, "time_ms",
		                      (json_int_t)a->e->time_ms);
		if (x != NULL && json_object_get(a->body, "handover") != NULL)
			set_s(x, "handover", b(a, "handover"));
		json_object_set_new(g, "exit_attestation", x);
	} else if (strcmp(ty, "pricing.set_caps") == 0) {
		grant_pricing(a, g);
	} else if (strcmp(ty, "developer.refuse") == 0) {
		/* public without its reason (the act's disclosure rule) */
		json_array_append_new(arr_of(g, "refusals"),
		                      json_pack("{s:s,s:s,s:I,s:I}", "developer", b(a, "developer"), "name",
		                                party_name(a, b(a, "developer"), nb, sizeof nb), "seq",
		                                (json_int_t)a->e->seq, "time_ms", (json_int_t)a->e->time_ms));
		reason = NULL;
	} else if (strcmp(ty, "grant.report") == 0) {
		json_t *r = json_pack("{s:I,s:s,s:I}", "year", (json_int_t)disc_uint(a->body, "year"), "summary",
		                      b(a, "summary"), "seq", (json_int_t)a->e->seq);
		if (json_object_get(a->body, "digest") != NULL)
			set_s(r, "digest", b(a, "digest"));
		json_array_append_new(json_object_get(g, "reports"), r);
	} else if (strcmp(ty, "grant.evaluate") == 0) {
		json_array_append_new(json_object_get(g, "evaluations"),
		                      json_pack("{s:I,s:s,s:s,s:I}", "year", (json_int_t)disc_uint(a->body, "year"),
		                                "result", b(a, "result"), "notes", b(a, "notes"), "seq",
		                                (json_int_t)a->e->seq));
	} else if (strcmp(ty, "developer.admit") == 0 || strcmp(ty, "developer.remove") == 0) {
		int admit = strcmp(ty, "developer.admit") == 0;
		json_t *devs = json_object_get(g, "developers");
		json_t *d = json_pack("{s:s,s:s,s:I}", "name", party_name(a, b(a, "developer"), nb, sizeof nb), "status",
		                      admit ? "admitted" : "removed", "seq", (json_int_t)a->e->seq);
		if (admit)
			json_object_set_new(d, "controlled", json_boolean(json_is_true(json_object_get(a->body, "controlled"))));
		else
			set_s(d, "reason", reason);
		if (json_is_object(devs))
			json_object_set_new(devs, b(a, "developer"), d);
		else
			json_decref(d);
		reason = NULL;
	}
	history(a, g, reason);
	return put_new(a, "grant/%s", gid, g);
}

/* call.request (private): remembered so usage can be attributed. */
static int
ap_call_request(struct ap *a)
{
	return put_new(a, "x/call/%s", b(a, "call_id"),
	               json_pack("{s:s,s:s,s:I}", "grant_id", b(a, "grant_id"), "developer", a->e->actor, "seq",
	                         (json_int_t)a->e->seq));
}

/* call.usage (public): totals per resource and period. */
static int
ap_call_usage(struct ap *a)
{
	char key[DISC_KEY_MAX];
	const char *rid = b(a, "resource_id"), *period = b(a, "period");
	uint64_t records = disc_uint(a->body, "records"), bytes = disc_uint(a->body, "bytes");
	json_t *call = get(a, "x/call/%s", b(a, "call_id"));
	const char *gid = disc_str(call, "grant_id");
	snprintf(key, sizeof key, "usage/%s/%s", rid, period);
	json_t *u = pdl_vdoc_get(a->t, a->tb.docs, key);
	if (u == NULL) {
		json_t *res = get(a, "res/%s", rid);
		u = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:o,s:o,s:o}", "resource_id", rid, "resource_name",
		              disc_str(res, "name"), "provider", disc_str(res, "provider"), "period", period, "records",
		              (json_int_t)0, "bytes", (json_int_t)0, "reports", (json_int_t)0, "operators", json_object(),
		              "grants", json_object(), "seqs", json_array());
		json_decref(res);
	}
	set_u(u, "records", disc_uint(u, "records") + records);
	set_u(u, "bytes", disc_uint(u, "bytes") + bytes);
	set_u(u, "reports", disc_uint(u, "reports") + 1);
	set_u(u, "seq", a->e->seq);
	json_array_append_new(json_object_get(u, "seqs"), json_integer((json_int_t)a->e->seq));
	/* per operator and per grant, for the annual disclosure */
	const char *dims[2][2] = {{"operators", a->e->actor}, {"grants", gid}};
	for (int i = 0; i < 2; i++) {
		if (*dims[i][1] == 0)
			continue;
		json_t *m = json_object_get(u, dims[i][0]);
		json_t *o = json_object_get(m, dims[i][1]);
		if (o == NULL) {
			o = json_pack("{s:I,s:I}", "records", (json_int_t)0, "bytes", (json_int_t)0);
			json_object_set_new(m, dims[i][1], o);
		}
		set_u(o, "records", disc_uint(o, "records") + records);
		set_u(o, "bytes", disc_uint(o, "bytes") + bytes);
	}
	json_decref(call);
	int rc = pdl_vdoc_put(a->t, a->tb.docs, key, u);
	json_decref(u);
	return rc;
}

/* product.* */
static int
ap_product(struct ap *a)
{
	const char *ty = a->e->type + strlen("product.");
	const char *pid = b(a, "product_id");
	char nb[256];
	json_t *p;
	if (strcmp(ty, "submit") == 0) {
		json_t *g = get(a, "grant/%s", b(a, "grant_id"));
		const char *op = disc_str(g, "operator");
		p = json_deep_copy(a->body);
		set_s(p, "developer", a->e->actor);
		set_s(p, "developer_name", party_name(a, a->e->actor, nb, sizeof nb));
		set_s(p, "operator", op);
		set_s(p, "operator_name", party_name(a, op, nb, sizeof nb));
		set_s(p, "status", "submitted");
		json_object_set_new(p, "filed", json_false());
		set_u(p, "seq", a->e->seq);
		set_u(p, "time_ms", a->e->time_ms);
		json_decref(g);
		history(a, p, NULL);
		return put_new(a, "prod/%s", pid, p);
	}
	if ((p = get(a, "prod/%s", pid)) == NULL)
		return PDL_OK;
	if (strcmp(ty, "review") == 0) {
		set_s(p, "status", strcmp(b(a, "outcome"), "pass") == 0 ? "passed" : "failed");
		json_object_set_new(p, "review", json_pack("{s:s,s:s,s:s,s:I}", "outcome", b(a, "outcome"), "notes",
		                                           b(a, "notes"), "reviewer", a->e->actor, "seq",
		                                           (json_int_t)a->e->seq));
	} else if (strcmp(ty, "file") == 0) {
		json_object_set_new(p, "filed", json_true());
		set_u(p, "filed_seq", a->e->seq);
	} else if (strcmp(ty, "release") == 0) {
		set_s(p, "status", "released");
		set_u(p, "released_seq", a->e->seq);
		set_u(p, "released_ms", a->e->time_ms);
	} else if (strcmp(ty, "withdraw") == 0) {
		set_s(p, "status", "withdrawn");
		set_s(p, "withdraw_reason", b(a, "reason"));
		set_u(p, "withdrawn_seq", a->e->seq);
		set_u(p, "withdrawn_ms", a->e->time_ms);
	} else if (strcmp(ty, "reprice") == 0) {
		json_array_append_new(arr_of(p, "price_changes"),
		                      json_pack("{s:O,s:O,s:s,s:I,s:I}", "from_fen", json_object_get(p, "price_fen"), "to_fen",
		                                json_object_get(a->body, "price_fen"), "reason", b(a, "reason"), "seq",
		                                (json_int_t)a->e->seq, "time_ms", (json_int_t)a->e->time_ms));
		json_object_set(p, "price_fen", json_object_get(a->body, "price_fen"));
	}
	history(a, p, b(a, "reason"));
	return put_new(a, "prod/%s", pid, p);
}

/* The act type of the entry at seq, from the view's own records. */
static const char *
type_at(struct ap *a, uint64_t seq, char *buf, size_t cap)
{
	json_t *d = seq < a->e->seq ? disc_get_seq(a->t, a->tb.feed, seq) : NULL;
	if (d == NULL && seq < a->e->seq)
		d = disc_get_seq(a->t, a->tb.priv, seq);
	snprintf(buf, cap, "%s", d ? disc_str(d, "type") : "");
	json_decref(d);
	return buf;
}

/* dispute.file (private): what the decision will need to say. */
static int
ap_dispute_file(struct ap *a)
{
	char tb[80];
	uint64_t subj = disc_uint(a->body, "subject_seq");
	return put_new(a, "x/disp/%s", b(a, "dispute_id"),
	               json_pack("{s:I,s:s,s:I,s:I}", "subject_seq", (json_int_t)subj, "subject_type",
	                         type_at(a, subj, tb, sizeof tb), "filed_seq", (json_int_t)a->e->seq, "filed_ms",
	                         (json_int_t)a->e->time_ms));
}

/* dispute.decide (public): the outcome, and what was disputed (not by whom or why). */
static int
ap_dispute_decide(struct ap *a)
{
	const char *id = b(a, "dispute_id");
	json_t *f = get(a, "x/disp/%s", id);
	json_t *d = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "dispute_id", id, "subject_seq",
	                      (json_int_t)disc_uint(f, "subject_seq"), "subject_type", disc_str(f, "subject_type"),
	                      "outcome", b(a, "outcome"), "reason", b(a, "reason"), "decided_by", a->e->actor, "seq",
	                      (json_int_t)a->e->seq, "time_ms", (json_int_t)a->e->time_ms, "filed_ms",
	                      (json_int_t)disc_uint(f, "filed_ms"));
	json_object_set_new(a->item, "dispute",
	                    json_pack("{s:I,s:s}", "subject_seq", (json_int_t)disc_uint(f, "subject_seq"),
	                              "subject_type", disc_str(f, "subject_type")));
	json_decref(f);
	return put_new(a, "disp/%s", id, d);
}

/* quality.report (private until resolved). */
static int
ap_quality_report(struct ap *a)
{
	return put_new(a, "x/qual/%s", b(a, "report_id"),
	               json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "report_id", b(a, "report_id"), "resource_id",
	                         b(a, "resource_id"), "issue", b(a, "issue"), "detail", b(a, "detail"), "by",
	                         a->e->actor, "seq", (json_int_t)a->e->seq, "time_ms", (json_int_t)a->e->time_ms));
}

/* quality.resolve: the report becomes public with its resolution. */
static int
ap_quality_resolve(struct ap *a)
{
	json_t *r = get(a, "x/qual/%s", b(a, "report_id"));
	if (r == NULL)
		return PDL_OK;
	json_object_set(a->item, "report", r);
	uint8_t kb[8];
	pdl_be64(kb, disc_uint(r, "seq"));
	MDB_val k = {8, kb};
	int m = mdb_del(a->t, a->tb.priv, &k, NULL);
	json_decref(r);
	return m == 0 || m == MDB_NOTFOUND ? PDL_OK : PDL_ESTORE;
}

/* disclosure.publish: discl/<year>/<publisher>, late or not. */
static int
ap_disclosure(struct ap *a)
{
	char nb[256], key[DISC_KEY_MAX];
	int late = json_is_true(json_object_get(a->e->outcome, "late"));
	json_t *d = json_pack("{s:s,s:s,s:I,s:s,s:b,s:I,s:I}", "publisher", a->e->actor, "publisher_name",
	                      party_name(a, a->e->actor, nb, sizeof nb), "year", (json_int_t)disc_uint(a->body, "year"),
	                      "report", b(a, "report"), "late", late, "seq", (json_int_t)a->e->seq, "time_ms",
	                      (json_int_t)a->e->time_ms);
	if (d == NULL)
		return PDL_ENOMEM;
	if (json_object_get(a->body, "url") != NULL)
		set_s(d, "url", b(a, "url"));
	snprintf(key, sizeof key, "%04llu/%s", (unsigned long long)disc_uint(a->body, "year") % 10000, a->e->actor);
	return put_new(a, "discl/%s", key, d);
}

/* evidence.deposit: a public deposit (one without its document) indexed by
 * its digest, for /v1/evidence; a deposit carrying a blob is private and
 * leaves no trace here. */
static int
ap_evidence(struct ap *a)
{
	char key[DISC_KEY_MAX], name[256];
	if (disc_private_why(a->e->type, a->body) != NULL)
		return PDL_OK;
	json_t *d = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:I,s:I}", "digest", b(a, "digest"), "evidence_id",
	                      b(a, "evidence_id"), "depositor", a->e->actor, "depositor_name",
	                      party_name(a, a->e->actor, name, sizeof name), "size",
	                      (json_int_t)disc_uint(a->body, "size"), "media_type", b(a, "media_type"), "subject",
	                      b(a, "subject"), "seq", (json_int_t)a->e->seq, "time_ms", (json_int_t)a->e->time_ms);
	snprintf(key, sizeof key, "%.64s/%016llx", b(a, "digest"), (unsigned long long)a->e->seq);
	return put_new(a, "ev/%s", key, d);
}

static int
ap_none(struct ap *a)
{
	(void)a;
	return PDL_OK;
}

/* What the view does with each public or private act type. Whether an entry
 * is public is the act's own rule (its row's vis in the rules engine), so
 * this table only says how an entry changes the view's documents. */
static const struct rule {
	const char *type;
	int (*fn)(struct ap *a);
} rules[] = {
	{"ledger.genesis", ap_genesis},
	{"party.register", ap_party},
	{"party.rotate_key", ap_party},
	{"party.suspend", ap_party},
	{"party.reinstate", ap_party},
	{"calendar.publish", ap_none},
	{"catalog.publish", ap_catalog},
	{"catalog.consent", ap_catalog},
	{"catalog.amend", ap_catalog},
	{"catalog.withdraw", ap_catalog},
	{"catalog.request", ap_catalog},
	{"catalog.decide", ap_catalog},
	{"evidence.deposit", ap_evidence},
	{"registration.apply", ap_registration},
	{"registration.accept", ap_registration},
	{"registration.reject", ap_registration},
	{"registration.request_correction", ap_registration},
	{"registration.correct", ap_registration},
	{"registration.review", ap_registration},
	{"registration.publicize", ap_registration},
	{"registration.object", ap_registration},
	{"registration.resolve_objection", ap_registration},
	{"registration.assign_code", ap_registration},
	{"registration.change", ap_registration},
	{"registration.cancel", ap_registration},
	{"registration.national_code", ap_registration},
	{"grant.issue", ap_grant},
	{"grant.suspend", ap_grant},
	{"grant.resume", ap_grant},
	{"grant.terminate", ap_grant},
	{"grant.report", ap_grant},
	{"grant.evaluate", ap_grant},
	{"grant.amend", ap_grant},
	{"grant.rectify", ap_grant},
	{"grant.exit_attest", ap_grant},
	{"pricing.set_caps", ap_grant},
	{"developer.admit", ap_grant},
	{"developer.remove", ap_grant},
	{"developer.apply", ap_none},
	{"developer.refuse", ap_grant},
	{"call.request", ap_call_request},
	{"call.approve", ap_none},
	{"call.reject", ap_none},
	{"call.escalate", ap_none},
	{"call.assess", ap_none},
	{"call.usage", ap_call_usage},
	{"product.submit", ap_product},
	{"product.review", ap_product},
	{"product.file", ap_product},
	{"product.release", ap_product},
	{"product.withdraw", ap_product},
	{"product.reprice", ap_product},
	{"dispute.file", ap_dispute_file},
	{"dispute.decide", ap_dispute_decide},
	{"quality.report", ap_quality_report},
	{"quality.resolve", ap_quality_resolve},
	{"revenue.record", ap_none},
	{"revenue.correct", ap_none},
	{"revenue.refund", ap_none},
	{"settlement.run", ap_none},
	{"settlement.confirm", ap_none},
	{"checkpoint.cosign", ap_none},
	{"disclosure.publish", ap_disclosure},
	{"incident.report", ap_none},
};

static const struct rule *
rule_find(const char *type)
{
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (strcmp(rules[i].type, type) == 0)
			return &rules[i];
	return NULL;
}

const char *
disc_private_why(const char *type, const json_t *body)
{
	return disc_private_why_blob(type, json_object_get(body, "blob") != NULL);
}

const char *
disc_private_why_blob(const char *type, int has_blob)
{
	const struct pdl_act_def *d = pdl_rules_find(type, strlen(type));
	if (d == NULL || d->vis == PDL_VIS_UNSET)
		return "an act type this view does not classify (private until it does)";
	if (d->vis == PDL_VIS_PUBLIC)
		return NULL;
	if (d->vis == PDL_VIS_PRIVATE_IF_BLOB && !has_blob)
		return NULL;
	return d->private_why;
}

/* The feed's item for e, with body (taken): {seq, time_ms, type, actor,
 * body}; NULL out of memory. Built member by member: json_pack parses
 * its format each time, once per entry here. */
static json_t *
feed_item(const struct pdl_ventry *e, json_t *body)
{
	json_t *o = json_object();
	if (o == NULL) {
		json_decref(body);
		return NULL;
	}
	/* every member set (set_new takes its value, or drops it, or fails on
	 * NULL), then one check */
	int bad = json_object_set_new_nocheck(o, "seq", json_integer((json_int_t)e->seq)) |
	          json_object_set_new_nocheck(o, "time_ms", json_integer((json_int_t)e->time_ms)) |
	          json_object_set_new_nocheck(o, "type", json_string(e->type)) |
	          json_object_set_new_nocheck(o, "actor", json_string(e->actor)) |
	          json_object_set_new_nocheck(o, "body", body);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* "meta/head": {"seq":N,"time_ms":M}, the bytes the views' documents have
 * (compact, keys sorted), written without a JSON object: once per entry. */
static int
put_head(MDB_txn *t, MDB_dbi docs, const struct pdl_ventry *e)
{
	char b[80], d1[PDL_JSON_INT_BYTES], d2[PDL_JSON_INT_BYTES];
	const char *s = pdl_json_int((int64_t)e->seq, d1), *m = pdl_json_int((int64_t)e->time_ms, d2);
	size_t sn = (size_t)(d1 + sizeof d1 - s), mn = (size_t)(d2 + sizeof d2 - m), n = 0;
	memcpy(b, "{\"seq\":", 7), n = 7;
	memcpy(b + n, s, sn), n += sn;
	memcpy(b + n, ",\"time_ms\":", 11), n += 11;
	memcpy(b + n, m, mn), n += mn;
	b[n++] = '}';
	MDB_val k = {9, "meta/head"}, v = {n, b};
	return pdl_store_err(mdb_put(t, docs, &k, &v, 0));
}

/* The rules that add to the feed item: it cannot be made ahead for them. */
static int
adds_to_item(const struct rule *r)
{
	return r != NULL && (r->fn == ap_dispute_decide || r->fn == ap_quality_resolve);
}

/* What of e the feed shows: NULL when e is public, with *withheld the one
 * field the feed leaves out when it is public without it (the entry's
 * bytes, which hold it, stay private), else NULL; otherwise the reason e
 * is private. */
static const char *
item_shown(const struct pdl_ventry *e, const char **withheld)
{
	const struct pdl_act_def *def = pdl_rules_find(e->type, strlen(e->type));
	*withheld = def != NULL && def->vis == PDL_VIS_PUBLIC_WITHOUT ? def->withheld : NULL;
	return *withheld != NULL ? NULL : disc_private_why(e->type, e->body);
}

/* e's feed item, when e is public (item_shown); else NULL with *why, the
 * reason it is private. NULL with *why NULL: out of memory. */
static json_t *
item_new(const struct pdl_ventry *e, const char **why)
{
	const char *withheld;
	if ((*why = item_shown(e, &withheld)) != NULL)
		return NULL;
	json_t *body = withheld != NULL ? json_deep_copy(e->body) : json_incref(e->body);
	if (withheld != NULL && body != NULL)
		json_object_del(body, withheld);
	json_t *item = feed_item(e, body);
	if (item == NULL)
		return NULL;
	if (withheld != NULL)
		json_object_set_new(item, "withheld", json_pack("[s]", withheld));
	if (json_object_size(e->outcome) > 0)
		json_object_set(item, "outcome", e->outcome);
	return item;
}

/* What a private entry leaves in the private table. */
static json_t *
private_note(const struct pdl_ventry *e, const char *why)
{
	return json_pack("{s:s,s:s}", "type", e->type, "why", why);
}

/* The bytes of item_new's item or private_note's note, written straight
 * from e (the keys in JSON_SORT_KEYS order): PDL_OK, or not this writer's
 * to make (an act public without a field, bytes jansson must write). */
static int
item_bytes(const struct pdl_ventry *e, struct pdl_jbuf *w, int *priv)
{
	const char *withheld, *why = item_shown(e, &withheld);
	if (withheld != NULL)
		return PDL_EINVAL;
	*priv = why != NULL;
	int rc = pdl_jw_raw(w, "{");
	if (why != NULL) {
		rc |= pdl_jw_key(w, "type") | pdl_jw_str(w, e->type);
		rc |= pdl_jw_key(w, "why") | pdl_jw_str(w, why);
		return rc | pdl_jw_raw(w, "}");
	}
	rc |= pdl_jw_key(w, "actor") | pdl_jw_str(w, e->actor);
	rc |= pdl_jw_key(w, "body") | pdl_jw_value(w, e->body);
	if (json_object_size(e->outcome) > 0)
		rc |= pdl_jw_key(w, "outcome") | pdl_jw_value(w, e->outcome);
	rc |= pdl_jw_key(w, "seq") | pdl_jw_int(w, (int64_t)e->seq);
	rc |= pdl_jw_key(w, "time_ms") | pdl_jw_int(w, (int64_t)e->time_ms);
	rc |= pdl_jw_key(w, "type") | pdl_jw_str(w, e->type);
	return rc | pdl_jw_raw(w, "}");
}

/* The bytes of party_registered's document, likewise. */
static int
party_bytes(const struct pdl_ventry *e, struct pdl_jbuf *w)
{
	const json_t *roles = json_object_get(e->body, "roles");
	int rc = pdl_jw_raw(w, "{");
	rc |= pdl_jw_key(w, "history") | pdl_jw_raw(w, "[{");
	rc |= pdl_jw_key(w, "seq") | pdl_jw_int(w, (int64_t)e->seq);
	rc |= pdl_jw_key(w, "time_ms") | pdl_jw_int(w, (int64_t)e->time_ms);
	rc |= pdl_jw_key(w, "type") | pdl_jw_str(w, e->type) | pdl_jw_raw(w, "}]");
	rc |= pdl_jw_key(w, "id") | pdl_jw_str(w, disc_str(e->body, "id"));
	rc |= pdl_jw_key(w, "name") | pdl_jw_str(w, disc_str(e->body, "name"));
	rc |= pdl_jw_key(w, "public_key") | pdl_jw_str(w, disc_str(e->body, "public_key"));
	rc |= pdl_jw_key(w, "roles") | (roles != NULL ? pdl_jw_value(w, roles) : pdl_jw_raw(w, "null"));
	rc |= pdl_jw_key(w, "seq") | pdl_jw_int(w, (int64_t)e->seq);
	rc |= pdl_jw_key(w, "status") | pdl_jw_str(w, "active");
	rc |= pdl_jw_key(w, "time_ms") | pdl_jw_int(w, (int64_t)e->time_ms);
	rc |= pdl_jw_key(w, "updated_seq") | pdl_jw_int(w, (int64_t)e->seq);
	rc |= pdl_jw_key(w, "uscc") | pdl_jw_str(w, disc_str(e->body, "uscc"));
	return rc | pdl_jw_raw(w, "}");
}

static void *
ahead(const struct pdl_ventry *e)
{
	struct pdl_jbuf w;
	struct made *m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	if (!adds_to_item(rule_find(e->type))) {
		pdl_jbuf_init(&w);
		pdl_vbytes_keep(item_bytes(e, &w, &m->priv), &w, &m->item);
	}
	if (strcmp(e->type, "party.register") == 0) {
		int n = snprintf(m->key, sizeof m->key, "party/%s", disc_str(e->body, "id"));
		pdl_jbuf_init(&w);
		pdl_vbytes_keep(n > 0 && (size_t)n < sizeof m->key ? party_bytes(e, &w) : PDL_EINVAL, &w, &m->party);
	}
	return m;
}

static void
ahead_free(void *made)
{
	struct made *m = made;
	free(m->item.p);
	free(m->party.p);
	free(m);
}

static int
apply(struct pdl_vdb *db, MDB_txn *t, const struct pdl_ventry *e)
{
	const struct made *m = e->ahead;
	struct ap a = {t, {0, 0, 0}, e, e->body, NULL, m};
	disc_tables_get(db, &a.tb);
	const struct rule *r = rule_find(e->type);
	const char *why = NULL;
	int made = m != NULL && m->item.p != NULL, rc = PDL_OK;
	if (!made && (a.item = item_new(e, &why)) == NULL && why == NULL)
		return PDL_ENOMEM;
	if (r != NULL)
		rc = r->fn(&a);
	if (rc == PDL_OK && made) {
		rc = pdl_vdoc_put_seq_bytes(t, m->priv ? a.tb.priv : a.tb.feed, e->seq, &m->item);
	} else if (rc == PDL_OK && a.item != NULL) {
		rc = pdl_vdoc_put_seq(t, a.tb.feed, e->seq, a.item);
	} else if (rc == PDL_OK) {
		json_t *p = private_note(e, why);
		rc = p != NULL ? pdl_vdoc_put_seq(t, a.tb.priv, e->seq, p) : PDL_ENOMEM;
		json_decref(p);
	}
	json_decref(a.item);
	if (rc == PDL_OK)
		rc = put_head(t, a.tb.docs, e);
	return rc;
}

void
pdl_disclosure_party_name(const struct pdl_vdb *db, MDB_txn *t, const char *id, char *name, size_t cap)
{
	struct disc_tables tb;
	assert(cap > 0);
	name[0] = 0;
	disc_tables_get(db, &tb);
	if (tb.docs == (MDB_dbi)-1 || id == NULL || !pdl_id_valid(id, strlen(id)))
		return;
	json_t *p = disc_get(t, tb.docs, "party/%s", id);
	snprintf(name, cap, "%s", disc_str(p, "name"));
	json_decref(p);
}

const struct pdl_view pdl_view_disclosure = {"disclosure", tables, apply, pdl_routes_disclosure, ahead, ahead_free};
