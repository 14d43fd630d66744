/*
 * test_readacl.c — who may read an entry over a network listener
 * (readacl.h): public acts to anyone; a private act to its actor, a party
 * named in its body or outcome, the authority and auditors, and to nobody
 * else; undecodable bytes and unknown types fail closed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "entry.h"
#include "mp.h"
#include "readacl.h"

/* An entry of act {v:1, type, actor, nonce:1, body} with the given body and
 * outcome (msgpack maps, packed by the callers' functions). */
static void
make_entry(msgpack_sbuffer *out, const char *type, const char *actor, void (*body)(msgpack_packer *),
           void (*outcome)(msgpack_packer *))
{
	msgpack_sbuffer act, oc;
	msgpack_packer pk;
	msgpack_sbuffer_init(&act);
	msgpack_packer_init(&pk, &act, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 5);
	mp_pack_cstr(&pk, "v");
	msgpack_pack_uint64(&pk, 1);
	mp_pack_cstr(&pk, "type");
	mp_pack_cstr(&pk, type);
	mp_pack_cstr(&pk, "actor");
	mp_pack_cstr(&pk, actor);
	mp_pack_cstr(&pk, "nonce");
	msgpack_pack_uint64(&pk, 1);
	mp_pack_cstr(&pk, "body");
	body(&pk);
	msgpack_sbuffer_init(&oc);
	msgpack_packer_init(&pk, &oc, msgpack_sbuffer_write);
	if (outcome != NULL)
		outcome(&pk);
	else
		msgpack_pack_map(&pk, 0);
	uint8_t sig[64] = {0};
	struct pdl_entry e = {7, 1000, {0}, (const uint8_t *)act.data, act.size, sig, (const uint8_t *)oc.data, oc.size};
	msgpack_sbuffer_init(out);
	pdl_entry_encode(&e, out);
	msgpack_sbuffer_destroy(&act);
	msgpack_sbuffer_destroy(&oc);
}

static void
body_call(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 4);
	mp_pack_cstr(pk, "call_id");
	mp_pack_cstr(pk, "c1");
	mp_pack_cstr(pk, "grant_id");
	mp_pack_cstr(pk, "g1");
	mp_pack_cstr(pk, "resources");
	msgpack_pack_array(pk, 1);
	mp_pack_cstr(pk, "r1");
	mp_pack_cstr(pk, "purpose");
	mp_pack_cstr(pk, "operator-x"); /* a party id, but not under a party key: names nobody */
}

static void
body_register(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 1);
	mp_pack_cstr(pk, "id");
	mp_pack_cstr(pk, "p1");
}

static void
body_settle(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 1);
	mp_pack_cstr(pk, "settlement_id");
	mp_pack_cstr(pk, "s1");
}

static void
outcome_lines(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 1);
	mp_pack_cstr(pk, "lines");
	msgpack_pack_array(pk, 2);
	for (int i = 0; i < 2; i++) {
		msgpack_pack_map(pk, 2);
		mp_pack_cstr(pk, "party");
		mp_pack_cstr(pk, i ? "provider-b" : "developer-a");
		mp_pack_cstr(pk, "amount_fen");
		msgpack_pack_uint64(pk, 100);
	}
}

static void
body_blob(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	mp_pack_cstr(pk, "evidence_id");
	mp_pack_cstr(pk, "e1");
	mp_pack_cstr(pk, "blob");
	mp_pack_cstr(pk, "aGVsbG8=");
}

static void
body_noblob(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 1);
	mp_pack_cstr(pk, "evidence_id");
	mp_pack_cstr(pk, "e1");
}

static int
allows(const msgpack_sbuffer *e, const char *party, uint32_t roles)
{
	struct pdl_net_reader r;
	memset(&r, 0, sizeof r);
	if (party != NULL)
		strcpy(r.party, party);
	r.roles = roles;
	return pdl_readacl_allows(NULL, NULL, &r, (const uint8_t *)e->data, e->size);
}

static void
test_public_to_anyone(void **state)
{
	(void)state;
	msgpack_sbuffer e;
	make_entry(&e, "party.register", "authority", body_register, NULL);
	assert_int_equal(pdl_readacl_public((const uint8_t *)e.data, e.size), 1);
	assert_int_equal(allows(&e, NULL, 0), 1);
	assert_int_equal(pdl_readacl_allows(NULL, NULL, NULL, (const uint8_t *)e.data, e.size), 1);
	msgpack_sbuffer_destroy(&e);
}

static void
test_private_call(void **state)
{
	(void)state;
	msgpack_sbuffer e;
	make_entry(&e, "call.request", "developer-a", body_call, NULL);
	assert_int_equal(pdl_readacl_public((const uint8_t *)e.data, e.size), 0);
	assert_int_equal(allows(&e, NULL, 0), 0);                           /* anonymous */
	assert_int_equal(allows(&e, "developer-a", PDL_ROLE_DEVELOPER), 1); /* its actor */
	assert_int_equal(allows(&e, "developer-b", PDL_ROLE_DEVELOPER), 0); /* another party */
	assert_int_equal(allows(&e, "operator-x", PDL_ROLE_OPERATOR), 0);   /* in a value, not a party key */
	assert_int_equal(allows(&e, "city", PDL_ROLE_AUTHORITY), 1);
	assert_int_equal(allows(&e, "aud", PDL_ROLE_AUDITOR), 1);
	assert_int_equal(allows(&e, "reg", PDL_ROLE_REGISTRAR | PDL_ROLE_PROVIDER), 0);
	msgpack_sbuffer_destroy(&e);
}

static void
test_named_in_outcome(void **state)
{
	(void)state;
	msgpack_sbuffer e;
	make_entry(&e, "settlement.run", "operator-x", body_settle, outcome_lines);
	assert_int_equal(allows(&e, "developer-a", 0), 1);
	assert_int_equal(allows(&e, "provider-b", 0), 1);
	assert_int_equal(allows(&e, "provider-c", 0), 0);
	assert_int_equal(allows(&e, "operator-x", 0), 1);
	assert_int_equal(allows(&e, NULL, 0), 0);
	msgpack_sbuffer_destroy(&e);
}

static void
test_blob(void **state)
{
	(void)state;
	msgpack_sbuffer a, b;
	make_entry(&a, "evidence.deposit", "p1", body_blob, NULL);
	make_entry(&b, "evidence.deposit", "p1", body_noblob, NULL);
	assert_int_equal(allows(&a, NULL, 0), 0);
	assert_int_equal(allows(&a, "p1", 0), 1);
	assert_int_equal(allows(&b, NULL, 0), 1);
	msgpack_sbuffer_destroy(&a);
	msgpack_sbuffer_destroy(&b);
}

static void
test_fail_closed(void **state)
{
	(void)state;
	msgpack_sbuffer e;
	make_entry(&e, "no.such_act", "p1", body_register, NULL);
	assert_int_equal(allows(&e, NULL, 0), 0);
	assert_int_equal(allows(&e, "p1", 0), 1); /* still its actor's */
	/* a truncated entry: public to nobody, its actor cannot be read */
	assert_int_equal(pdl_readacl_public((const uint8_t *)e.data, e.size - 3), 0);
	struct pdl_net_reader r = {"p1", 0};
	assert_int_equal(pdl_readacl_allows(NULL, NULL, &r, (const uint8_t *)e.data, e.size - 3), 0);
	r.roles = PDL_ROLE_AUDITOR;
	assert_int_equal(pdl_readacl_allows(NULL, NULL, &r, (const uint8_t *)e.data, e.size - 3), 1);
	const uint8_t junk[] = {0xc1, 0xff, 0x00};
	assert_int_equal(pdl_readacl_public(junk, sizeof junk), 0);
	msgpack_sbuffer_destroy(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_to_anyone), cmocka_unit_test(test_private_call),
		cmocka_unit_test(test_named_in_outcome), cmocka_unit_test(test_blob),
		cmocka_unit_test(test_fail_closed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
