/*
 * fam_party.c — parties: who may act, with which roles and which key.
 *
 * State:
 *   party/<id> → [roles, suspended, public key (bin: the ledger suite's
 *                 encoding, suite.h), uscc, name, seq registered]
 *   uscc/<code> → <id>   (one party per unified social credit code)
 * States of a party: active ⇄ suspended (suspend / reinstate). A suspended
 * party's acts are refused by the engine before any rule runs.
 */
#include <assert.h>
#include <string.h>

#include "check.h"
#include "crypto.h"
#include "families.h"

static const char *const role_list[] = {"authority", "registrar", "provider", "operator", "developer", "auditor", NULL};

int
pdl_party_put(struct pdl_ctx *c, const char *id, size_t idn, uint32_t roles, int suspended,
              const struct pdl_pubkey *pk, struct pdl_str uscc, struct pdl_str name, uint64_t seq)
{
	char k[PDL_ID_LEN_MAX + 8];
	msgpack_sbuffer sb;
	msgpack_packer p;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&p, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&p, 6);
	msgpack_pack_uint32(&p, roles);
	if (suspended)
		msgpack_pack_true(&p);
	else
		msgpack_pack_false(&p);
	assert(pk->suite == pdl_suite()); /* one suite per ledger */
	mp_pack_bin(&p, pk->b, pk->suite->pk_bytes);
	mp_pack_str(&p, uscc.p, uscc.n);
	mp_pack_str(&p, name.p, name.n);
	msgpack_pack_uint64(&p, seq);
	size_t kn = pdl_state_key(k, sizeof k, "party", id, idn);
	int rc = pdl_store_state_put(c->txn, c->s, k, kn, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return rc;
	char uk[32];
	size_t ukn = pdl_state_key(uk, sizeof uk, "uscc", uscc.p, uscc.n);
	return pdl_store_state_put(c->txn, c->s, uk, ukn, id, idn);
}

/* Reads the whole record (for updates). */
struct party_rec {
	struct pdl_party p;
	struct pdl_str uscc, name;
	uint64_t seq;
	const uint8_t *raw; /* points into the map */
};

static int
party_read(struct pdl_ctx *c, struct pdl_str id, struct party_rec *r)
{
	char k[PDL_ID_LEN_MAX + 8];
	const uint8_t *v, *pk;
	size_t vn, pkn;
	size_t kn = pdl_state_key(k, sizeof k, "party", id.p, id.n);
	int rc = pdl_store_state_get(c->txn, c->s, k, kn, &v, &vn);
	if (rc != PDL_OK)
		return rc;
	struct mp_cur m = mp_cur_make(v, vn);
	uint32_t an;
	uint64_t roles;
	if (mp_read_array(&m, &an) != PDL_OK || an != 6 || mp_read_uint(&m, &roles) != PDL_OK ||
	    mp_read_bool(&m, &r->p.suspended) != PDL_OK || mp_read_bin(&m, &pk, &pkn) != PDL_OK ||
	    pdl_pubkey_set(&r->p.pk, pdl_suite(), pk, pkn) != PDL_OK ||
	    mp_read_str(&m, &r->uscc.p, &r->uscc.n) != PDL_OK || mp_read_str(&m, &r->name.p, &r->name.n) != PDL_OK ||
	    mp_read_uint(&m, &r->seq) != PDL_OK)
		return PDL_ESTORE;
	r->p.roles = (uint32_t)roles;
	return PDL_OK;
}

/* Copies a record's strings out of the map before it is rewritten. */
static int
party_rewrite(struct pdl_ctx *c, struct pdl_str id, const struct party_rec *r, int suspended,
              const struct pdl_pubkey *pk)
{
	char uscc[32], name[300];
	if (r->uscc.n >= sizeof uscc || r->name.n >= sizeof name)
		return PDL_ESTORE;
	memcpy(uscc, r->uscc.p, r->uscc.n);
	memcpy(name, r->name.p, r->name.n);
	struct pdl_str us = {uscc, r->uscc.n}, nm = {name, r->name.n};
	return pdl_party_put(c, id.p, id.n, r->p.roles, suspended, pk, us, nm, r->seq);
}

/* The public key in body field i (F_KEY: the schema has checked it is a
 * key of the ledger's suite). */
int
pdl_party_key(const struct pdl_fields *b, unsigned i, struct pdl_pubkey *pk)
{
	struct pdl_str key = pdl_fields_str(b, i);
	char why[160];
	return pdl_pubkey_parse(pk, pdl_suite(), key.p, key.n, why, sizeof why);
}

/* ---- party.register ---- */

static const struct pdl_field register_fields[] = {
	{"id", F_ID, 0, 0, NULL},
	{"name", F_STR, 0, 256, NULL},
	{"uscc", F_STR, 0, 18, NULL},
	{"roles", F_ENUMS, 0, 6, role_list},
	{"public_key", F_KEY, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { R_ID, R_NAME, R_USCC, R_ROLES, R_KEY };

static uint32_t
roles_of(const struct pdl_fields *f, unsigned i, int *dup)
{
	struct mp_cur c = pdl_fields_cur(f, i);
	uint32_t n, set = 0, r;
	const char *s;
	size_t sn;
	*dup = 0;
	if (mp_read_array(&c, &n) != PDL_OK)
		return 0;
	for (uint32_t k = 0; k < n; k++) {
		if (mp_read_str(&c, &s, &sn) != PDL_OK || pdl_role_parse(s, sn, &r) != PDL_OK)
			return 0;
		if (set & r)
			*dup = 1;
		set |= r;
	}
	return set;
}

static int
register_validate(struct pdl_ctx *c)
{
	const struct pdl_fields *b = &c->act->body;
	struct pdl_str id = pdl_fields_str(b, R_ID), u = pdl_fields_str(b, R_USCC);
	struct party_rec r;
	char uk[32];
	const uint8_t *v;
	size_t vn;
	int dup;
	int rc = party_read(c, id, &r);
	if (rc == PDL_OK)
		return pdl_rule_fail(c, "party.id_taken", "party id %.*s is already registered", (int)id.n, id.p);
	if (rc != PDL_ENOTFOUND)
		return rc;
	const char *why = pdl_uscc_why(u.p, u.n);
	if (why != NULL)
		return pdl_rule_fail(c, "party.uscc_invalid", "uscc %.*s: %s", (int)u.n, u.p, why);
	size_t ukn = pdl_state_key(uk, sizeof uk, "uscc", u.p, u.n);
	if (pdl_store_state_get(c->txn, c->s, uk, ukn, &v, &vn) == PDL_OK)
		return pdl_rule_fail(c, "party.uscc_taken", "uscc %.*s is already registered to party %.*s", (int)u.n,
		                     u.p, (int)vn, (const char *)v);
	uint32_t roles = roles_of(b, R_ROLES, &dup);
	if (roles == 0)
		return pdl_rule_fail(c, "party.roles_empty", "a party needs at least one role");
	if (dup)
		return pdl_rule_fail(c, "party.roles_duplicate", "a role is listed twice");
	return PDL_OK;
}

static int
register_apply(struct pdl_ctx *c)
{
	const struct pdl_fields *b = &c->act->body;
	struct pdl_str id = pdl_fields_str(b, R_ID);
	struct pdl_pubkey pk;
	int dup;
	if (pdl_party_key(b, R_KEY, &pk) != PDL_OK)
		return PDL_ESTORE;
	return pdl_party_put(c, id.p, id.n, roles_of(b, R_ROLES, &dup), 0, &pk, pdl_fields_str(b, R_USCC),
	                     pdl_fields_str(b, R_NAME), c->seq);
}

/* ---- party.rotate_key ---- */

static const struct pdl_field rotate_fields[] = {
	{"id", F_ID, 0, 0, NULL},
	{"public_key", F_KEY, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { K_ID, K_KEY };

static int
known(struct pdl_ctx *c, struct pdl_str id, struct party_rec *r)
{
	int rc = party_read(c, id, r);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "party.unknown", "no party %.*s", (int)id.n, id.p);
	return rc;
}

static int
actor_is_authority(struct pdl_ctx *c)
{
	struct pdl_party p;
	return pdl_party_get(c->txn, c->s, c->act->actor, c->act->actor_len, &p) == PDL_OK &&
	       (p.roles & PDL_ROLE_AUTHORITY);
}

static int
rotate_validate(struct pdl_ctx *c)
{
	const struct pdl_fields *b = &c->act->body;
	struct pdl_str id = pdl_fields_str(b, K_ID);
	struct party_rec r;
	struct pdl_pubkey pk;
	int rc = known(c, id, &r);
	if (rc != PDL_OK)
		return rc;
	int self = id.n == c->act->actor_len && memcmp(id.p, c->act->actor, id.n) == 0;
	if (!self && !actor_is_authority(c))
		return pdl_rule_fail(c, "party.rotate_not_permitted",
		                     "only the authority or the party itself may rotate its key");
	if (pdl_party_key(b, K_KEY, &pk) != PDL_OK || pdl_pubkey_eq(&pk, &r.p.pk))
		return pdl_rule_fail(c, "party.key_unchanged", "the new key equals the current key");
	return PDL_OK;
}

static int
rotate_apply(struct pdl_ctx *c)
{
	const struct pdl_fields *b = &c->act->body;
	struct pdl_str id = pdl_fields_str(b, K_ID);
	struct party_rec r;
	struct pdl_pubkey pk;
	if (party_read(c, id, &r) != PDL_OK || pdl_party_key(b, K_KEY, &pk) != PDL_OK)
		return PDL_ESTORE;
	return party_rewrite(c, id, &r, r.p.suspended, &pk);
}

/* ---- party.suspend / party.reinstate ---- */

static const struct pdl_field suspend_fields[] = {
	{"id", F_ID, 0, 0, NULL},
	{"reason", F_STR, 0, 1024, NULL},
	{NULL, 0, 0, 0, NULL},
};
static const struct pdl_field reinstate_fields[] = {
	{"id", F_ID, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { S_ID };

static int
suspend_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_fields_str(&c->act->body, S_ID);
	struct party_rec r;
	int rc = known(c, id, &r);
	if (rc != PDL_OK)
		return rc;
	if (id.n == c->act->actor_len && memcmp(id.p, c->act->actor, id.n) == 0)
		return pdl_rule_fail(c, "party.suspend_self", "the authority cannot suspend itself");
	if (r.p.suspended)
		return pdl_rule_fail(c, "party.already_suspended", "party %.*s is already suspended", (int)id.n, id.p);
	return PDL_OK;
}

static int
reinstate_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_fields_str(&c->act->body, S_ID);
	struct party_rec r;
	int rc = known(c, id, &r);
	if (rc != PDL_OK)
		return rc;
	if (!r.p.suspended)
		return pdl_rule_fail(c, "party.not_suspended", "party %.*s is not suspended", (int)id.n, id.p);
	return PDL_OK;
}

static int
set_suspended(struct pdl_ctx *c, int suspended)
{
	struct pdl_str id = pdl_fields_str(&c->act->body, S_ID);
	struct party_rec r;
	if (party_read(c, id, &r) != PDL_OK)
		return PDL_ESTORE;
	struct pdl_pubkey pk = r.p.pk; /* the rewrite replaces the record r points into */
	return party_rewrite(c, id, &r, suspended, &pk);
}

static int
suspend_apply(struct pdl_ctx *c)
{
	return set_suspended(c, 1);
}

static int
reinstate_apply(struct pdl_ctx *c)
{
	return set_suspended(c, 0);
}

static const struct pdl_act_def acts[] = {
	{"party.register", PDL_ROLE_AUTHORITY, register_fields, register_validate, register_apply,
	 "register a party with its unified social credit code, roles and key", "authority", PDL_PUBLIC},
	{"party.rotate_key", PDL_ROLE_ANY, rotate_fields, rotate_validate, rotate_apply,
	 "replace a party's public key; acts signed with the old key are refused from then on",
	 "authority, or the party itself", PDL_PUBLIC},
	{"party.suspend", PDL_ROLE_AUTHORITY, suspend_fields, suspend_validate, suspend_apply,
	 "suspend a party: its acts are refused until reinstated", "authority", PDL_PUBLIC},
	{"party.reinstate", PDL_ROLE_AUTHORITY, reinstate_fields, reinstate_validate, reinstate_apply,
	 "reinstate a suspended party", "authority", PDL_PUBLIC},
};

const struct pdl_family pdl_family_party = {"party", acts, sizeof acts / sizeof acts[0]};
