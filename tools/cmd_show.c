/*
 * cmd_show.c — pdl show KIND ID: one party, resource, registration, grant
 * or product as the ledger has it now (its state record, times also in
 * CST) and the entries that made it so (lookup.h), for a clerk who has an
 * id and a question.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lookup.h"
#include "mpjson.h"

static const char show_help[] =
	"usage: pdl show party|resource|registration|grant|product ID (--data DIR | --ledger URL)\n\n"
	"Prints one JSON line: {\"kind\",\"id\",\"state\",\"entries\"}.\n"
	"  state    the record as the ledger keeps it now (spec/state.md), each ledger time also as\n"
	"           CST ISO 8601 (<name>_cst); a party's roles by name. Read from a data directory:\n"
	"           over --ledger it is null (pdld serves entries, not state).\n"
	"  entries  the entries that made it, in order: {seq, time_ms, time_cst, type, actor, hash,\n"
	"           outcome?} — a registration's include its objections and the acts that name its\n"
	"           code. Over a network listener private entries come only to a reader entitled to\n"
	"           them (--reader); \"withheld\" counts the others.\n"
	"Exits 1 (PDL_ENOTFOUND) when the ledger has neither a record nor an entry of ID.\n"
	"The registration ID is its application id; `pdl code check CODE` finds one by its code.\n";

/* A party record is the one array record: [roles, suspended, public key, uscc, name, seq]. */
static json_t *
party_json(const uint8_t *v, size_t n)
{
	struct mp_cur c = mp_cur_make(v, n);
	uint32_t an;
	uint64_t roles, seq;
	int suspended;
	const uint8_t *pk;
	const char *uscc, *name;
	size_t pkn, un, nn;
	struct pdl_pubkey key; /* of the ledger's suite, as the party record holds it */
	if (mp_read_array(&c, &an) != PDL_OK || an < 6 || mp_read_uint(&c, &roles) != PDL_OK ||
	    mp_read_bool(&c, &suspended) != PDL_OK || mp_read_bin(&c, &pk, &pkn) != PDL_OK ||
	    pdl_pubkey_set(&key, pdl_suite(), pk, pkn) != PDL_OK ||
	    mp_read_str(&c, &uscc, &un) != PDL_OK || mp_read_str(&c, &name, &nn) != PDL_OK ||
	    mp_read_uint(&c, &seq) != PDL_OK)
		return NULL;
	json_t *o = json_object(), *r = json_array();
	char b64[PDL_PK_B64_LEN];
	for (uint32_t bit = 1; bit <= PDL_ROLE_AUDITOR; bit <<= 1)
		if (roles & bit)
			json_array_append_new(r, json_string(pdl_role_name(bit)));
	pdl_pubkey_b64(&key, b64);
	json_object_set_new(o, "name", json_stringn(name, nn));
	json_object_set_new(o, "uscc", json_stringn(uscc, un));
	json_object_set_new(o, "roles", r);
	json_object_set_new(o, "suspended", json_boolean(suspended));
	json_object_set_new(o, "public_key", json_string(b64));
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	return o;
}

/* The state record of kind/id from a data directory: a new reference, or
 * json_null() when there is none. Errors: PDL_ESTORE (unreadable). */
static int
state_json(struct src *s, const struct lookup_kind *k, const char *id, json_t **out, struct pdl_status *st)
{
	char key[PDL_ID_LEN_MAX + 16];
	const uint8_t *v;
	size_t vn;
	MDB_txn *t;
	*out = json_null();
	int kn = snprintf(key, sizeof key, "%s/%s", k->prefix, id);
	int rc = pdl_store_rtxn(&s->store, &t);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot read the ledger");
	rc = pdl_store_state_get(t, &s->store, key, (size_t)kn, &v, &vn);
	if (rc == PDL_OK) {
		struct mp_cur c = mp_cur_make(v, vn);
		json_t *j = strcmp(k->name, "party") == 0 ? party_json(v, vn) : pdl_mp_to_json(&c);
		if (j == NULL)
			rc = pdl_status_set(st, PDL_ESTORE, NULL, "the record %s does not decode (run pdl verify --replay)", key);
		pdl_json_add_cst(j);
		*out = j != NULL ? j : json_null();
	} else if (rc == PDL_ENOTFOUND) {
		rc = PDL_OK;
	} else {
		pdl_status_set(st, rc, NULL, "cannot read the record %s", key);
	}
	pdl_store_rdone(&s->store, t);
	return rc;
}

int
cmd_show(int argc, char **argv)
{
	const char *dir = NULL, *ledger = NULL;
	int orc = src_opts(argc, argv, "show", show_help, &dir, &ledger);
	if (orc >= 0)
		return orc;
	if (optind + 2 != argc)
		return usage_error("show", "give KIND and ID, e.g. pdl show registration app-1 --data DIR");
	const struct lookup_kind *k = lookup_kind_find(argv[optind]);
	const char *id = argv[optind + 1];
	if (k == NULL)
		return usage_error("show", "KIND is party, resource, registration, grant or product");
	if (!pdl_id_valid(id, strlen(id)))
		return usage_error("show", "ID is 1-64 characters of A-Z a-z 0-9 . _ -");
	struct src s;
	struct pdl_status st = {0};
	json_t *state = NULL, *entries = NULL;
	uint64_t withheld = 0, bad = 0;
	if (src_open(&s, dir, ledger, &st) != PDL_OK || (s.local && state_json(&s, k, id, &state, &st) != PDL_OK) ||
	    lookup_entries(&s, k, id, &entries, &withheld, &bad, &st) != PDL_OK) {
		json_decref(state);
		return src_fail(&s, "show", &st);
	}
	src_close(&s);
	if (state == NULL)
		state = json_null();
	if (json_is_null(state) && json_array_size(entries) == 0) {
		json_decref(state);
		json_decref(entries);
		fprintf(stderr, "pdl show: no %s %s in this ledger (PDL_ENOTFOUND)\n", k->name, id);
		return 1;
	}
	json_t *o = json_object();
	json_object_set_new(o, "kind", json_string(k->name));
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "state", state);
	json_object_set_new(o, "entries", entries);
	if (withheld)
		json_object_set_new(o, "withheld", json_integer((json_int_t)withheld));
	if (bad)
		json_object_set_new(o, "undecodable", json_integer((json_int_t)bad));
	out_json(o);
	return 0;
}
