/* test_rcptjson.c — the fast receipt line writer (rcptjson.h) against the
 * jansson one that defines the line: typical receipts and refusals taken
 * and equal byte for byte, the forms it must decline declined, and
 * generated results (random keys, values, nesting, clashing CST names,
 * strings needing escapes) where every line written fast equals jansson's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rcptjson.h"

/* 1 when the fast writer took the result; checks it equals jansson's. */
static int
agree(const msgpack_sbuffer *item, const char *file, size_t index)
{
	msgpack_sbuffer fast, slow;
	int rf = -1, rs = -1;
	msgpack_sbuffer_init(&fast);
	msgpack_sbuffer_init(&slow);
	msgpack_sbuffer_write(&fast, "x", 1); /* lines are appended: keep what is there */
	struct mp_cur cf = mp_cur_make(item->data, item->size), cs = cf;
	int rc = pdl_rcpt_line_fast(&cf, file, index, &fast, &rf);
	assert_true(rc == PDL_OK || rc == PDL_EDECODE);
	if (rc == PDL_OK) {
		assert_int_equal(pdl_rcpt_line_json(&cs, file, index, &slow, &rs), PDL_OK);
		/* both moved past the result, and only past it */
		assert_ptr_equal(cf.p, cs.p);
		assert_ptr_equal(cf.p, (const uint8_t *)item->data + item->size);
		if (fast.size - 1 != slow.size || memcmp(fast.data + 1, slow.data, slow.size) != 0)
			fail_msg("fast: %.*s\njson: %.*s", (int)fast.size - 1, fast.data + 1, (int)slow.size, slow.data);
		assert_int_equal(rf, rs);
	} else {
		assert_int_equal(fast.size, 1);
		assert_ptr_equal(cf.p, (const uint8_t *)item->data);
	}
	msgpack_sbuffer_destroy(&fast);
	msgpack_sbuffer_destroy(&slow);
	return rc == PDL_OK;
}

static void
str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

static void
test_typical(void **state)
{
	(void)state;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t h[32];
	for (int i = 0; i < 32; i++)
		h[i] = (uint8_t)(i * 7);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	/* a receipt */
	msgpack_pack_map(&pk, 5);
	str(&pk, "seq");
	msgpack_pack_uint64(&pk, 5000);
	str(&pk, "hash");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, h, 32);
	str(&pk, "time_ms");
	msgpack_pack_uint64(&pk, 1796191920144u);
	str(&pk, "outcome");
	msgpack_pack_map(&pk, 2);
	str(&pk, "accept_due");
	msgpack_pack_uint64(&pk, 1796191920000u);
	str(&pk, "note");
	str(&pk, "quote \" back \\ nl \n 中文 \x01");
	str(&pk, "dup");
	msgpack_pack_false(&pk);
	assert_true(agree(&sb, "acts_00.json", 4999));
	assert_true(agree(&sb, "dir/\"odd\" name\t.json", 0));
	/* a refusal */
	msgpack_sbuffer_clear(&sb);
	msgpack_pack_map(&pk, 3);
	str(&pk, "error");
	str(&pk, "PDL_ERULE");
	str(&pk, "rule");
	str(&pk, "party.exists");
	str(&pk, "message");
	str(&pk, "party p1 is registered already");
	assert_true(agree(&sb, "-", 3));
	/* an empty map */
	msgpack_sbuffer_clear(&sb);
	msgpack_pack_map(&pk, 0);
	assert_true(agree(&sb, "f", 1));
	/* declined: a file name that is not UTF-8 (jansson leaves "file" out) */
	assert_false(agree(&sb, "\xff.json", 1));
	/* declined: a hash that is not 32 bytes of bin, a key "file" */
	msgpack_sbuffer_clear(&sb);
	msgpack_pack_map(&pk, 1);
	str(&pk, "hash");
	str(&pk, "not bin");
	assert_false(agree(&sb, "f", 1));
	msgpack_sbuffer_clear(&sb);
	msgpack_pack_map(&pk, 1);
	str(&pk, "file");
	str(&pk, "x");
	assert_false(agree(&sb, "f", 1));
	/* declined: a CST name clashing with a member */
	msgpack_sbuffer_clear(&sb);
	msgpack_pack_map(&pk, 2);
	str(&pk, "time_ms");
	msgpack_pack_uint64(&pk, 1);
	str(&pk, "time_cst");
	str(&pk, "x");
	assert_false(agree(&sb, "f", 1));
	msgpack_sbuffer_destroy(&sb);
}

/* ---- generated results ---- */

static uint64_t rng = 0x2545f4914f6cdd1du;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void gen_value(msgpack_packer *pk, unsigned depth);

static void
gen_map(msgpack_packer *pk, unsigned depth, int top)
{
	static const char *const keys[] = {"seq", "time_ms", "outcome", "dup", "error", "rule", "message", "accept_due",
	                                   "notice_ends", "notice_starts", "x_ms", "x_cst", "accept_due_ms",
	                                   "accept_due_cst", "file", "index", "", "a\"b", "中", "hash", "_ms"};
	unsigned n = rnd(7);
	msgpack_pack_map(pk, n);
	for (unsigned i = 0; i < n; i++) {
		const char *k = keys[rnd(sizeof keys / sizeof *keys)];
		str(pk, k);
		if (strcmp(k, "hash") == 0 && rnd(4)) {
			uint8_t h[40] = {1, 2, 3};
			size_t hn = rnd(5) ? 32 : rnd(40);
			msgpack_pack_bin(pk, hn);
			msgpack_pack_bin_body(pk, h, hn);
		} else if (strcmp(k, "outcome") == 0 && rnd(3)) {
			gen_map(pk, depth + 1, 0);
		} else if (rnd(3) == 0 && depth < 10) {
			msgpack_pack_uint64(pk, rnd(2) ? 1796191920144u + rnd(100000) : rnd(100));
		} else {
			gen_value(pk, depth + 1);
		}
	}
	(void)top;
}

static void
gen_value(msgpack_packer *pk, unsigned depth)
{
	static const char *const strs[] = {"", "plain", "中文", "q\"b\\s", "ctl\x01\x1f\x7f", "tab\tnl\n", "\xff\xfe",
	                                   "/slash/", "𝄞"};
	switch (depth > 9 ? rnd(6) : rnd(10)) {
	case 0: msgpack_pack_nil(pk); break;
	case 1: rnd(2) ? msgpack_pack_true(pk) : msgpack_pack_false(pk); break;
	case 2: msgpack_pack_uint64(pk, rnd(4) ? rnd(1000000) : UINT64_MAX - rnd(3)); break;
	case 3: msgpack_pack_int64(pk, -(int64_t)rnd(100000) - 1); break;
	case 4: str(pk, strs[rnd(sizeof strs / sizeof *strs)]); break;
	case 5: {
		uint8_t b[3] = {0, 1, 2};
		if (rnd(2)) {
			msgpack_pack_bin(pk, 3);
			msgpack_pack_bin_body(pk, b, 3);
		} else if (rnd(2)) {
			msgpack_pack_double(pk, 1.5);
		} else {
			/* int8 0xd0 holding a positive value: signed type, value >= 0 */
			msgpack_pack_int8(pk, 5);
		}
		break;
	}
	case 6:
	case 7: gen_map(pk, depth + 1, 0); break;
	default: {
		unsigned n = rnd(4);
		msgpack_pack_array(pk, n);
		for (unsigned i = 0; i < n; i++)
			gen_value(pk, depth + 1);
	}
	}
}

static void
test_generated(void **state)
{
	(void)state;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	unsigned taken = 0;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	for (int i = 0; i < 20000; i++) {
		msgpack_sbuffer_clear(&sb);
		gen_map(&pk, 0, 1);
		taken += (unsigned)agree(&sb, rnd(4) ? "acts.json" : "a \"q\" file", (size_t)rnd(5000));
	}
	printf("# generated results written fast: %u of 20000\n", taken);
	assert_true(taken > 3000);
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typical),
		cmocka_unit_test(test_generated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
