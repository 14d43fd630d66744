/*
 * test_envelope.c — HTTP bodies of signed acts (envelope.h): JSON and
 * msgpack envelopes become the socket's submit request, envelope by
 * envelope in body order; what only JSON gets wrong is answered in its
 * slot; a submit reply comes back as JSON with the hash in hex.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "mp.h"

static uint8_t lid[32];
static char lid_hex[65];

/* The acts of a packed request: the number of elements, and the types of
 * their act/sig (or MP_NIL for a nil element). */
static uint32_t
acts_of(const msgpack_sbuffer *sb, enum mp_type *kinds, const uint8_t **act0, size_t *act0n)
{
	struct mp_cur c = mp_cur_make(sb->data, sb->size), v, a;
	const char *op;
	size_t opn;
	uint32_t n;
	assert_int_equal(mp_map_find(c, "op", &v), PDL_OK);
	assert_int_equal(mp_read_str(&v, &op, &opn), PDL_OK);
	assert_true(mp_str_eq(op, opn, "submit"));
	assert_int_equal(mp_map_find(c, "acts", &a), PDL_OK);
	assert_int_equal(mp_read_array(&a, &n), PDL_OK);
	for (uint32_t i = 0; i < n; i++) {
		struct mp_cur el = a, x;
		kinds[i] = mp_peek(&el);
		if (kinds[i] == MP_MAP && i == 0 && act0 != NULL) {
			assert_int_equal(mp_map_find(el, "act", &x), PDL_OK);
			assert_int_equal(mp_read_bin(&x, act0, act0n), PDL_OK);
		}
		assert_int_equal(mp_skip(&a), PDL_OK);
	}
	assert_true(a.p == a.end);
	return n;
}

static void
test_json_one(void **state)
{
	(void)state;
	/* act "hi" = aGk=, sig 64 x 0x01 */
	char body[400];
	snprintf(body, sizeof body,
	         "{\"act\":\"aGk=\",\"sig\":\"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ==\","
	         "\"ledger_id\":\"%s\",\"file\":\"a.json\",\"index\":0}",
	         lid_hex);
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	struct pdl_status *slots, st = {0};
	uint32_t n;
	assert_int_equal(pdl_envelopes_json(body, strlen(body), lid, &sb, &slots, &n, &st), PDL_OK);
	assert_int_equal(n, 1);
	assert_int_equal(slots[0].err, PDL_OK);
	enum mp_type k[4];
	const uint8_t *a;
	size_t an;
	assert_int_equal(acts_of(&sb, k, &a, &an), 1);
	assert_int_equal(k[0], MP_MAP);
	assert_int_equal(an, 2);
	assert_memory_equal(a, "hi", 2);
	free(slots);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_json_slots(void **state)
{
	(void)state;
	const char *sig = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ==";
	char body[2000];
	snprintf(body, sizeof body,
	         "[{\"act\":\"aGk=\",\"sig\":\"%s\"},"          /* good */
	         "{\"act\":\"aGk\",\"sig\":\"%s\"},"            /* act not canonical base64 */
	         "{\"act\":\"aGk=\",\"sig\":\"%s\",\"ledger_id\":\"%064d\"}," /* another ledger */
	         "{\"act\":\"aGk=\",\"sig\":\"@@@@\"},"         /* sig not base64 */
	         "7,"                                           /* not an object */
	         "{\"sig\":\"%s\"},"                            /* no act */
	         "{\"act\":\"aGk=\"},"                          /* no sig: pdld answers as on the socket */
	         "{\"act\":\"aGk=\",\"sig\":\"%s\",\"ledger_id\":\"NOTHEX\"}]",
	         sig, sig, sig, 0, sig, sig);
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	struct pdl_status *slots, st = {0};
	uint32_t n;
	assert_int_equal(pdl_envelopes_json(body, strlen(body), lid, &sb, &slots, &n, &st), PDL_OK);
	assert_int_equal(n, 8);
	enum mp_type k[8];
	assert_int_equal(acts_of(&sb, k, NULL, NULL), 8);
	static const enum mp_type want_k[8] = {MP_MAP, MP_NIL, MP_NIL, MP_NIL, MP_NIL, MP_NIL, MP_MAP, MP_NIL};
	static const int want_e[8] = {PDL_OK, PDL_EPROTO, PDL_EBADSIG, PDL_EBADSIG, PDL_EPROTO, PDL_EPROTO, PDL_OK, PDL_EBADSIG};
	for (int i = 0; i < 8; i++) {
		assert_int_equal(k[i], want_k[i]);
		assert_int_equal(slots[i].err, want_e[i]);
	}
	assert_non_null(strstr(slots[2].msg, "signed for ledger 0000"));
	assert_non_null(strstr(slots[2].msg, lid_hex));
	assert_non_null(strstr(slots[7].msg, "not 64 lowercase hex"));

	/* the reply: slot errors replace the daemon's answers, hashes in hex */
	msgpack_sbuffer rep;
	msgpack_packer pk;
	msgpack_sbuffer_init(&rep);
	msgpack_packer_init(&pk, &rep, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	mp_pack_cstr(&pk, "results");
	msgpack_pack_array(&pk, 8);
	for (int i = 0; i < 8; i++) {
		if (i == 0) {
			uint8_t h[32];
			memset(h, 0xab, sizeof h);
			msgpack_pack_map(&pk, 3);
			mp_pack_cstr(&pk, "seq");
			msgpack_pack_uint64(&pk, 5);
			mp_pack_cstr(&pk, "hash");
			mp_pack_bin(&pk, h, 32);
			mp_pack_cstr(&pk, "dup");
			msgpack_pack_false(&pk);
		} else {
			msgpack_pack_map(&pk, 2);
			mp_pack_cstr(&pk, "error");
			mp_pack_cstr(&pk, i == 6 ? "PDL_EBADSIG" : "PDL_EPROTO");
			mp_pack_cstr(&pk, "message");
			mp_pack_cstr(&pk, "from pdld");
		}
	}
	json_t *doc = pdl_reply_json((const uint8_t *)rep.data, rep.size, slots, n);
	assert_non_null(doc);
	json_t *res = json_object_get(doc, "results");
	assert_int_equal(json_array_size(res), 8);
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 0), "hash")),
	                    "abababababababababababababababababababababababababababababababab");
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 2), "error")), "PDL_EBADSIG");
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 2), "message")), slots[2].msg);
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 6), "message")), "from pdld");
	json_decref(doc);
	msgpack_sbuffer_destroy(&rep);
	free(slots);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_json_whole(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		int err;
	} cases[] = {
		{"{", PDL_EDECODE}, {"42", PDL_EPROTO}, {"\"x\"", PDL_EPROTO}, {"[]", PDL_EPROTO},
		{"{\"a\":1,\"a\":2}", PDL_EDECODE}, {"[] []", PDL_EDECODE},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		msgpack_sbuffer sb;
		msgpack_sbuffer_init(&sb);
		struct pdl_status *slots = (struct pdl_status *)1, st = {0};
		uint32_t n = 9;
		int rc = pdl_envelopes_json(cases[i].body, strlen(cases[i].body), lid, &sb, &slots, &n, &st);
		if (rc != cases[i].err)
			fail_msg("body %s: %d, want %d", cases[i].body, rc, cases[i].err);
		assert_null(slots);
		assert_int_equal(n, 0);
		assert_int_equal(sb.size, 0);
		msgpack_sbuffer_destroy(&sb);
	}
	/* 4,097 envelopes: too many */
	size_t cap = 4097 * 3 + 2;
	char *big = malloc(cap + 1);
	assert_non_null(big);
	char *p = big;
	*p++ = '[';
	for (int i = 0; i < 4097; i++) {
		memcpy(p, "{},", 3);
		p += 3;
	}
	p[-1] = ']';
	*p = 0;
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	struct pdl_status *slots, st = {0};
	uint32_t n;
	assert_int_equal(pdl_envelopes_json(big, strlen(big), lid, &sb, &slots, &n, &st), PDL_ETOOBIG);
	free(big);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_mp(void **state)
{
	(void)state;
	msgpack_sbuffer body, sb;
	msgpack_packer pk;
	struct pdl_status st = {0};
	uint32_t n;
	enum mp_type k[4];
	/* one map */
	msgpack_sbuffer_init(&body);
	msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	mp_pack_cstr(&pk, "act");
	mp_pack_bin(&pk, "hi", 2);
	mp_pack_cstr(&pk, "sig");
	mp_pack_bin(&pk, "s", 1);
	msgpack_sbuffer_init(&sb);
	assert_int_equal(pdl_envelopes_mp((const uint8_t *)body.data, body.size, &sb, &n, &st), PDL_OK);
	assert_int_equal(n, 1);
	const uint8_t *a;
	size_t an;
	assert_int_equal(acts_of(&sb, k, &a, &an), 1);
	assert_int_equal(an, 2);
	msgpack_sbuffer_destroy(&sb);
	/* an array of it and a 5: copied as they are (pdld judges each) */
	msgpack_sbuffer arr;
	msgpack_sbuffer_init(&arr);
	msgpack_packer_init(&pk, &arr, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 2);
	msgpack_sbuffer_write(&arr, body.data, body.size);
	msgpack_pack_int(&pk, 5);
	msgpack_sbuffer_init(&sb);
	assert_int_equal(pdl_envelopes_mp((const uint8_t *)arr.data, arr.size, &sb, &n, &st), PDL_OK);
	assert_int_equal(acts_of(&sb, k, NULL, NULL), 2);
	assert_int_equal(k[0], MP_MAP);
	assert_int_equal(k[1], MP_UINT);
	msgpack_sbuffer_destroy(&sb);
	/* refusals of the body as a whole */
	msgpack_sbuffer_write(&arr, "\x01", 1);
	msgpack_sbuffer_init(&sb);
	assert_int_equal(pdl_envelopes_mp((const uint8_t *)arr.data, arr.size, &sb, &n, &st), PDL_EDECODE);
	assert_int_equal(pdl_envelopes_mp((const uint8_t *)"\x05", 1, &sb, &n, &st), PDL_EPROTO);
	assert_int_equal(pdl_envelopes_mp((const uint8_t *)"\x90", 1, &sb, &n, &st), PDL_EPROTO);
	assert_int_equal(pdl_envelopes_mp((const uint8_t *)"\xc1", 1, &sb, &n, &st), PDL_EDECODE);
	assert_int_equal(pdl_envelopes_mp((const uint8_t *)"\xdc\x10\x01\x01", 4, &sb, &n, &st), PDL_EDECODE);
	assert_int_equal(pdl_envelopes_mp((const uint8_t *)"\xdd\x00\x00\x10\x01", 5, &sb, &n, &st), PDL_EDECODE);
	assert_int_equal(sb.size, 0);
	msgpack_sbuffer_destroy(&sb);
	msgpack_sbuffer_destroy(&arr);
	msgpack_sbuffer_destroy(&body);
}

static void
test_reply_error(void **state)
{
	(void)state;
	msgpack_sbuffer rep;
	msgpack_packer pk;
	msgpack_sbuffer_init(&rep);
	msgpack_packer_init(&pk, &rep, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	mp_pack_cstr(&pk, "error");
	mp_pack_cstr(&pk, "PDL_EBUSY");
	mp_pack_cstr(&pk, "message");
	mp_pack_cstr(&pk, "retry");
	json_t *doc = pdl_reply_json((const uint8_t *)rep.data, rep.size, NULL, 0);
	assert_string_equal(json_string_value(json_object_get(doc, "error")), "PDL_EBUSY");
	json_decref(doc);
	assert_null(pdl_reply_json((const uint8_t *)"\x05", 1, NULL, 0));
	msgpack_sbuffer_destroy(&rep);
}

int
main(void)
{
	for (int i = 0; i < 32; i++)
		lid[i] = (uint8_t)(0xc0 + i);
	pdl_hex(lid, 32, lid_hex);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_one), cmocka_unit_test(test_json_slots), cmocka_unit_test(test_json_whole),
		cmocka_unit_test(test_mp), cmocka_unit_test(test_reply_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
