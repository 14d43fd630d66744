/* readacl.c — who may read an entry over a network listener (readacl.h). */
#include <string.h>

#include "entry.h"
#include "mp.h"
#include "readacl.h"
#include "rules.h"

#define NAMED_DEPTH_MAX 6u /* bodies nest 3 deep, settlement lines 2: bounds the walk */

static const char *const party_keys[] = {"party", "developer", "operator", "provider", "source", "holder", NULL};

/* What an act is about, and where the state keeps its record (d). */
static const struct {
	const char *body_key, *prefix;
} refs[] = {
	{"call_id", "call"},
	{"product_id", "prod"},
	{"report_id", "qual"},
	{"settlement_id", "settle"},
};

struct act_view {
	const char *type, *actor;
	size_t type_n, actor_n;
	struct mp_cur body, outcome;
	int has_blob;
};

/* The parts of an entry the decision needs. Errors: PDL_EDECODE. */
static int
view(const uint8_t *e, size_t n, struct act_view *v)
{
	struct pdl_entry en;
	struct pdl_status st = {0};
	struct mp_cur c, x;
	memset(v, 0, sizeof *v);
	if (pdl_entry_decode(e, n, &en, &st) != PDL_OK)
		return PDL_EDECODE;
	c = mp_cur_make(en.act, en.act_len);
	if (mp_peek(&c) != MP_MAP || mp_map_find(c, "type", &x) != PDL_OK || mp_read_str(&x, &v->type, &v->type_n) != PDL_OK ||
	    mp_map_find(c, "actor", &x) != PDL_OK || mp_read_str(&x, &v->actor, &v->actor_n) != PDL_OK ||
	    mp_map_find(c, "body", &v->body) != PDL_OK || mp_peek(&v->body) != MP_MAP)
		return PDL_EDECODE;
	v->has_blob = mp_map_find(v->body, "blob", &x) == PDL_OK;
	v->outcome = mp_cur_make(en.outcome, en.outcome_len);
	return PDL_OK;
}

int
pdl_readacl_public(const uint8_t *e, size_t n)
{
	struct act_view v;
	if (view(e, n, &v) != PDL_OK)
		return 0;
	return pdl_act_public(v.type, v.type_n, v.has_blob);
}

static int
is_party_key(const char *k, size_t kn)
{
	for (const char *const *p = party_keys; *p != NULL; p++)
		if (mp_str_eq(k, kn, *p))
			return 1;
	return 0;
}

/* 1 when the value at *c names party id under a party key (at any depth);
 * advances *c past the value. A value that does not parse names nobody. */
static int
names(struct mp_cur *c, const char *id, size_t idn, unsigned depth)
{
	uint32_t k;
	int found = 0;
	if (depth > NAMED_DEPTH_MAX) {
		mp_skip(c);
		return 0;
	}
	switch (mp_peek(c)) {
	case MP_MAP:
		if (mp_read_map(c, &k) != PDL_OK)
			return 0;
		for (uint32_t i = 0; i < k; i++) {
			const char *key, *s;
			size_t kn, sn;
			if (mp_read_str(c, &key, &kn) != PDL_OK)
				return 0;
			if (is_party_key(key, kn) && mp_peek(c) == MP_STR) {
				if (mp_read_str(c, &s, &sn) != PDL_OK)
					return 0;
				found |= sn == idn && memcmp(s, id, sn) == 0;
			} else {
				found |= names(c, id, idn, depth + 1);
			}
			if (c->err != PDL_OK)
				return 0;
		}
		return found;
	case MP_ARR:
		if (mp_read_array(c, &k) != PDL_OK)
			return 0;
		for (uint32_t i = 0; i < k && c->err == PDL_OK; i++)
			found |= names(c, id, idn, depth + 1);
		return c->err == PDL_OK && found;
	default:
		mp_skip(c);
		return 0;
	}
}

/* (d): the records the act refers to, as the state holds them now. */
static int
named_in_records(MDB_txn *t, const struct pdl_store *s, struct mp_cur body, const char *id, size_t idn)
{
	for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
		struct mp_cur x;
		const char *rid;
		size_t rn, kn, vn;
		const uint8_t *v;
		char key[PDL_ID_LEN_MAX + 16];
		if (mp_map_find(body, refs[i].body_key, &x) != PDL_OK || mp_read_str(&x, &rid, &rn) != PDL_OK)
			continue;
		if ((kn = pdl_state_key(key, sizeof key, refs[i].prefix, rid, rn)) == 0)
			continue;
		if (pdl_store_state_get(t, s, key, kn, &v, &vn) != PDL_OK)
			continue;
		struct mp_cur rec = mp_cur_make(v, vn);
		if (names(&rec, id, idn, 0))
			return 1;
	}
	return 0;
}

int
pdl_readacl_allows(MDB_txn *t, const struct pdl_store *s, const struct pdl_net_reader *r, const uint8_t *e,
                   size_t n)
{
	struct act_view v;
	int ok = view(e, n, &v) == PDL_OK;
	if (ok && pdl_act_public(v.type, v.type_n, v.has_blob))
		return 1;
	if (r == NULL || r->party[0] == 0)
		return 0;
	if (r->roles & (PDL_ROLE_AUTHORITY | PDL_ROLE_AUDITOR))
		return 1;
	if (!ok)
		return 0;
	size_t idn = strlen(r->party);
	if (v.actor_n == idn && memcmp(v.actor, r->party, idn) == 0)
		return 1;
	struct mp_cur b = v.body, o = v.outcome;
	if (names(&b, r->party, idn, 0) || names(&o, r->party, idn, 0))
		return 1;
	return t != NULL && named_in_records(t, s, v.body, r->party, idn);
}
