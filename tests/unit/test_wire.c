/* test_wire.c — the typed wire API (wire/msgs.c): each request packs the
 * map pdld reads (daemon/reads.c takes the same names), and each reply
 * decoder takes a good reply, turns an error reply into its error and
 * refuses a malformed one with PDL_EPROTO. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

/* The request's op and its u64 argument key (if any). */
static void
check_req(msgpack_sbuffer *sb, const char *op, const char *k1, uint64_t v1, const char *k2, uint64_t v2)
{
	struct mp_cur c = mp_cur_make((const uint8_t *)sb->data, sb->size), v;
	uint32_t n;
	const char *s;
	size_t sn;
	uint64_t u;
	struct mp_cur m = c;
	assert_int_equal(mp_read_map(&m, &n), PDL_OK);
	assert_int_equal(n, 1 + (k1 != NULL) + (k2 != NULL));
	assert_int_equal(mp_map_find(c, "op", &v), PDL_OK);
	assert_int_equal(mp_read_str(&v, &s, &sn), PDL_OK);
	assert_true(mp_str_eq(s, sn, op));
	if (k1 != NULL) {
		assert_int_equal(mp_map_find(c, k1, &v), PDL_OK);
		assert_int_equal(mp_read_uint(&v, &u), PDL_OK);
		assert_int_equal(u, v1);
	}
	if (k2 != NULL) {
		assert_int_equal(mp_map_find(c, k2, &v), PDL_OK);
		assert_int_equal(mp_read_uint(&v, &u), PDL_OK);
		assert_int_equal(u, v2);
	}
	msgpack_sbuffer_destroy(sb);
}

static void
test_requests(void **state)
{
	(void)state;
	msgpack_sbuffer sb;
	uint64_t size = 77;
	pdl_req_head(&sb);
	check_req(&sb, "head", NULL, 0, NULL, 0);
	pdl_req_get(&sb, 5);
	check_req(&sb, "get", "seq", 5, NULL, 0);
	pdl_req_range(&sb, 10, 1024);
	check_req(&sb, "range", "from", 10, "count", 1024);
	pdl_req_checkpoint(&sb, NULL);
	check_req(&sb, "checkpoint", NULL, 0, NULL, 0);
	pdl_req_checkpoint(&sb, &size);
	check_req(&sb, "checkpoint", "size", 77, NULL, 0);
	pdl_req_inclusion(&sb, 3, 8);
	check_req(&sb, "inclusion", "index", 3, "size", 8);
	pdl_req_consistency(&sb, 4, 9);
	check_req(&sb, "consistency", "old", 4, "new", 9);
	pdl_req_clock(&sb, 1234);
	check_req(&sb, "clock", "ms", 1234, NULL, 0);
}

static void
test_submit(void **state)
{
	(void)state;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t sig[64] = {1};
	pdl_req_submit(&sb, &pk, 2);
	pdl_req_submit_act(&pk, (const uint8_t *)"\x80", 1, sig, sizeof sig);
	pdl_req_submit_act(&pk, (const uint8_t *)"\x81\xa1x\x01", 4, sig, sizeof sig);
	struct mp_cur c = mp_cur_make((const uint8_t *)sb.data, sb.size), acts, v;
	uint32_t n;
	const uint8_t *b;
	size_t bn;
	assert_int_equal(mp_map_find(c, "acts", &acts), PDL_OK);
	assert_int_equal(mp_read_array(&acts, &n), PDL_OK);
	assert_int_equal(n, 2);
	assert_int_equal(mp_map_find(acts, "sig", &v), PDL_OK);
	assert_int_equal(mp_read_bin(&v, &b, &bn), PDL_OK);
	assert_int_equal(bn, 64);
	assert_int_equal(b[0], 1);
	msgpack_sbuffer_destroy(&sb);
}

/* A reply map packed from n (key, packer call) pairs by the test. */
struct rep {
	msgpack_sbuffer sb;
	msgpack_packer pk;
};

static void
rep_begin(struct rep *r, uint32_t n)
{
	msgpack_sbuffer_init(&r->sb);
	msgpack_packer_init(&r->pk, &r->sb, msgpack_sbuffer_write);
	msgpack_pack_map(&r->pk, n);
}

static void
pack_proof(msgpack_packer *pk, unsigned n, size_t hash_len)
{
	uint8_t h[40] = {0};
	msgpack_pack_array(pk, n);
	for (unsigned i = 0; i < n; i++) {
		h[0] = (uint8_t)i;
		mp_pack_bin(pk, h, hash_len);
	}
}

static void
test_inclusion_reply(void **state)
{
	(void)state;
	struct rep r;
	struct pdl_status st = {0};
	uint8_t leaf[32], l32[32];
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	size_t n;
	memset(l32, 7, sizeof l32);
	rep_begin(&r, 2);
	mp_pack_cstr(&r.pk, "leaf_hash");
	mp_pack_bin(&r.pk, l32, 32);
	mp_pack_cstr(&r.pk, "proof");
	pack_proof(&r.pk, 3, 32);
	assert_int_equal(pdl_rep_inclusion((const uint8_t *)r.sb.data, r.sb.size, leaf, proof, &n, &st), PDL_OK);
	assert_int_equal(n, 3);
	assert_int_equal(proof[2][0], 2);
	assert_memory_equal(leaf, l32, 32);
	msgpack_sbuffer_destroy(&r.sb);
	/* a 31-byte hash in the path */
	rep_begin(&r, 2);
	mp_pack_cstr(&r.pk, "leaf_hash");
	mp_pack_bin(&r.pk, l32, 32);
	mp_pack_cstr(&r.pk, "proof");
	pack_proof(&r.pk, 2, 31);
	assert_int_equal(pdl_rep_inclusion((const uint8_t *)r.sb.data, r.sb.size, leaf, proof, &n, &st), PDL_EPROTO);
	msgpack_sbuffer_destroy(&r.sb);
	/* a path longer than any tree's */
	rep_begin(&r, 2);
	mp_pack_cstr(&r.pk, "leaf_hash");
	mp_pack_bin(&r.pk, l32, 32);
	mp_pack_cstr(&r.pk, "proof");
	pack_proof(&r.pk, PDL_MERKLE_PROOF_MAX + 1, 32);
	assert_int_equal(pdl_rep_consistency((const uint8_t *)r.sb.data, r.sb.size, proof, &n, &st), PDL_EPROTO);
	msgpack_sbuffer_destroy(&r.sb);
}

static void
test_error_reply(void **state)
{
	(void)state;
	struct rep r;
	struct pdl_status st = {0};
	const uint8_t *e;
	size_t en;
	rep_begin(&r, 2);
	mp_pack_cstr(&r.pk, "error");
	mp_pack_cstr(&r.pk, "PDL_ENOTFOUND");
	mp_pack_cstr(&r.pk, "message");
	mp_pack_cstr(&r.pk, "no entry 9 (log size 3)");
	assert_int_equal(pdl_rep_entry((const uint8_t *)r.sb.data, r.sb.size, &e, &en, &st), PDL_ENOTFOUND);
	assert_string_equal(st.msg, "no entry 9 (log size 3)");
	msgpack_sbuffer_destroy(&r.sb);
	/* an error name pdl does not know, and a name that is no error */
	rep_begin(&r, 1);
	mp_pack_cstr(&r.pk, "error");
	mp_pack_cstr(&r.pk, "PDL_EWHATEVER");
	assert_int_equal(pdl_rep_error((const uint8_t *)r.sb.data, r.sb.size, &st), PDL_EPROTO);
	msgpack_sbuffer_destroy(&r.sb);
	rep_begin(&r, 1);
	mp_pack_cstr(&r.pk, "error");
	mp_pack_cstr(&r.pk, "PDL_OK");
	assert_int_equal(pdl_rep_error((const uint8_t *)r.sb.data, r.sb.size, &st), PDL_EPROTO);
	msgpack_sbuffer_destroy(&r.sb);
	/* not a map at all */
	assert_int_equal(pdl_rep_error((const uint8_t *)"\x93\x01\x02\x03", 4, &st), PDL_EPROTO);
}

static void
test_head_reply(void **state)
{
	(void)state;
	struct rep r;
	struct pdl_status st = {0};
	struct pdl_wire_head h;
	uint8_t c[32] = {9};
	rep_begin(&r, 4);
	mp_pack_cstr(&r.pk, "size");
	msgpack_pack_uint64(&r.pk, 12);
	mp_pack_cstr(&r.pk, "time_ms");
	msgpack_pack_uint64(&r.pk, 1700000000000ull);
	mp_pack_cstr(&r.pk, "chain");
	mp_pack_bin(&r.pk, c, 32);
	mp_pack_cstr(&r.pk, "blob_max");
	msgpack_pack_uint64(&r.pk, 0);
	assert_int_equal(pdl_rep_head((const uint8_t *)r.sb.data, r.sb.size, &h, &st), PDL_OK);
	assert_int_equal(h.size, 12);
	assert_int_equal(h.chain[0], 9);
	assert_true(h.has_blob_max); /* 0 is a limit, not "not said" */
	assert_int_equal(h.blob_max, 0);
	assert_false(h.has_ledger_id);
	msgpack_sbuffer_destroy(&r.sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),        cmocka_unit_test(test_submit),
		cmocka_unit_test(test_inclusion_reply), cmocka_unit_test(test_error_reply),
		cmocka_unit_test(test_head_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
