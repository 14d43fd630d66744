/* lookup.c — see lookup.h. */
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "lookup.h"
#include "mpjson.h"
#include "suite.h"

const struct lookup_kind lookup_kinds[] = {
	{"party", "party"}, {"resource", "res"}, {"registration", "reg"}, {"grant", "grant"}, {"product", "prod"},
	{NULL, NULL},
};

const struct lookup_kind *
lookup_kind_find(const char *name)
{
	for (const struct lookup_kind *k = lookup_kinds; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

int
lookup_str_is(struct mp_cur c, const char *s)
{
	const char *v;
	size_t n;
	return mp_read_str(&c, &v, &n) == PDL_OK && mp_str_eq(v, n, s);
}

static int
read_str(struct mp_cur c, const char *key, struct pdl_str *out)
{
	struct mp_cur v;
	return mp_map_find(c, key, &v) == PDL_OK && mp_read_str(&v, &out->p, &out->n) == PDL_OK ? PDL_OK : PDL_EDECODE;
}

int
lookup_decode(const uint8_t *b, size_t n, struct lookup_entry *e)
{
	struct pdl_entry en;
	struct pdl_status st;
	memset(e, 0, sizeof *e);
	if (pdl_entry_decode(b, n, &en, &st) != PDL_OK)
		return PDL_EDECODE;
	struct mp_cur act = mp_cur_make(en.act, en.act_len);
	if (read_str(act, "type", &e->type) != PDL_OK || read_str(act, "actor", &e->actor) != PDL_OK ||
	    mp_map_find(act, "body", &e->body) != PDL_OK || mp_peek(&e->body) != MP_MAP)
		return PDL_EDECODE;
	e->seq = en.seq;
	e->time_ms = en.time_ms;
	e->outcome = mp_cur_make(en.outcome, en.outcome_len);
	e->bytes = b;
	e->len = n;
	return PDL_OK;
}

json_t *
lookup_row(const struct lookup_entry *e)
{
	char iso[PDL_CST_LEN], hex[2 * PDL_HASH_BYTES + 1];
	uint8_t h[PDL_HASH_BYTES];
	pdl_digest(h, e->bytes, e->len);
	pdl_hex(h, PDL_HASH_BYTES, hex);
	json_t *o = json_object();
	json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
	json_object_set_new(o, "time_ms", json_integer((json_int_t)e->time_ms));
	json_object_set_new(o, "time_cst", json_string(pdl_ms_cst(e->time_ms, iso)));
	json_object_set_new(o, "type", json_stringn(e->type.p, e->type.n));
	json_object_set_new(o, "actor", json_stringn(e->actor.p, e->actor.n));
	json_object_set_new(o, "hash", json_string(hex));
	struct mp_cur oc = e->outcome;
	uint32_t k;
	struct mp_cur probe = oc;
	if (mp_read_map(&probe, &k) == PDL_OK && k > 0) {
		json_t *out = pdl_mp_to_json(&oc);
		pdl_json_add_cst(out);
		if (out != NULL)
			json_object_set_new(o, "outcome", out);
	}
	return o;
}

/* ---- which entries are a record's ---- */

struct match {
	const struct lookup_kind *k;
	const char *id;
	char alias[LOOKUP_ALIASES_MAX][PDL_ID_LEN_MAX + 1];
	unsigned n_alias;
	json_t *rows;
	uint64_t undecodable;
};

static int
type_in(const struct lookup_entry *e, const char *family)
{
	size_t n = strlen(family);
	return e->type.n > n && memcmp(e->type.p, family, n) == 0 && e->type.p[n] == '.';
}

static int
body_is(const struct lookup_entry *e, const char *field, const char *id)
{
	struct mp_cur v;
	return mp_map_find(e->body, field, &v) == PDL_OK && lookup_str_is(v, id);
}

static int
is_alias(const struct match *m, struct mp_cur body, const char *field)
{
	struct pdl_str v;
	if (read_str(body, field, &v) != PDL_OK)
		return 0;
	for (unsigned i = 0; i < m->n_alias; i++)
		if (mp_str_eq(v.p, v.n, m->alias[i]))
			return 1;
	return 0;
}

static void
add_alias(struct match *m, struct mp_cur c, const char *field)
{
	struct pdl_str v;
	if (m->n_alias < LOOKUP_ALIASES_MAX && read_str(c, field, &v) == PDL_OK && v.n <= PDL_ID_LEN_MAX)
		snprintf(m->alias[m->n_alias++], PDL_ID_LEN_MAX + 1, "%.*s", (int)v.n, v.p);
}

/* A registration's entries: its application id, then the objections to it
 * and the code it was given, which later acts name instead. */
static int
registration_match(struct match *m, const struct lookup_entry *e)
{
	if (!type_in(e, "registration"))
		return 0;
	if (body_is(e, "application_id", m->id)) {
		if (mp_str_eq(e->type.p, e->type.n, "registration.object"))
			add_alias(m, e->body, "objection_id");
		if (mp_str_eq(e->type.p, e->type.n, "registration.assign_code"))
			add_alias(m, e->outcome, "code");
		return 1;
	}
	return is_alias(m, e->body, "objection_id") || is_alias(m, e->body, "code");
}

static int
matches(struct match *m, const struct lookup_entry *e)
{
	const char *k = m->k->name;
	if (strcmp(k, "party") == 0) {
		struct mp_cur au;
		if (mp_str_eq(e->type.p, e->type.n, "ledger.genesis"))
			return mp_map_find(e->body, "authority", &au) == PDL_OK && mp_map_find(au, "id", &au) == PDL_OK &&
			       lookup_str_is(au, m->id);
		return type_in(e, "party") && body_is(e, "id", m->id);
	}
	if (strcmp(k, "resource") == 0) {
		struct mp_cur r;
		if (mp_str_eq(e->type.p, e->type.n, "catalog.decide")) /* an approval lists the resource */
			return mp_map_find(e->body, "resource", &r) == PDL_OK && mp_map_find(r, "resource_id", &r) == PDL_OK &&
			       lookup_str_is(r, m->id);
		return type_in(e, "catalog") && body_is(e, "resource_id", m->id);
	}
	if (strcmp(k, "registration") == 0)
		return registration_match(m, e);
	if (strcmp(k, "grant") == 0)
		return type_in(e, "grant") && body_is(e, "grant_id", m->id);
	return type_in(e, "product") && body_is(e, "product_id", m->id);
}

static int
on_entry(void *arg, uint64_t seq, const uint8_t *b, size_t n)
{
	struct match *m = arg;
	struct lookup_entry e;
	(void)seq;
	if (lookup_decode(b, n, &e) != PDL_OK) {
		m->undecodable++;
		return 0;
	}
	if (matches(m, &e))
		json_array_append_new(m->rows, lookup_row(&e));
	return 0;
}

int
lookup_entries(struct src *s, const struct lookup_kind *k, const char *id, json_t **out, uint64_t *withheld,
               uint64_t *undecodable, struct pdl_status *st)
{
	static struct match m; /* 16 KiB of aliases: off the stack; pdl is one thread here */
	memset(&m, 0, sizeof m);
	m.k = k;
	m.id = id;
	m.rows = json_array();
	int rc = src_scan(s, 0, on_entry, &m, withheld, st);
	*undecodable = m.undecodable;
	if (rc != PDL_OK) {
		json_decref(m.rows);
		return rc;
	}
	*out = m.rows;
	return PDL_OK;
}
