/*
 * test_jcompact.c — pdl_json_compact writes exactly the bytes of
 * json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) (the views' stored form,
 * which their digests cover): on hand-made documents with every escape,
 * non-ASCII text, extreme integers, many members and large sizes, and on
 * 2,000 random documents; and leaves to jansson (PDL_EINVAL) what it must.
 * Likewise the member-by-member writers (pdl_jw_*).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jcompact.h"

#define RANDOM_DOCS 2000u

static void
same_as_jansson(json_t *v)
{
	struct pdl_jbuf b;
	char *want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(want);
	pdl_jbuf_init(&b);
	assert_int_equal(pdl_json_compact(v, &b), PDL_OK);
	if (b.n != strlen(want) || memcmp(b.p, want, b.n) != 0)
		fail_msg("got  %.*s\nwant %s", (int)b.n, b.p, want);
	pdl_jbuf_free(&b);
	free(want);
}

static void
test_fixed(void **state)
{
	(void)state;
	json_t *v = json_pack("{s:s, s:i, s:b, s:b, s:n, s:[i, s, {}], s:{}, s:[]}", "z", "a\"b\\c/d\b\f\n\r\t\x01\x1f\x7f",
	                      "a", (json_int_t)-42, "m", 1, "f", 0, "null", "arr", (json_int_t)INT64_MAX, "基准测试 ✓ 😀",
	                      "obj", "empty");
	assert_non_null(v);
	json_object_set_new(v, "min", json_integer(INT64_MIN));
	json_object_set_new(v, "", json_string(""));
	json_object_set_new(v, "ab", json_integer(0));
	json_object_set_new(v, "a\xc3\xa9", json_integer(1)); /* sorts after "ab" (byte order) */
	json_object_set_new(v, "A", json_integer(2));
	same_as_jansson(v);
	/* 100 members (sorted with an allocation) and over 2 KiB (the buffer grows) */
	json_t *big = json_object();
	for (int i = 0; i < 100; i++) {
		char k[16];
		snprintf(k, sizeof k, "k%03d", (i * 37) % 100);
		json_object_set_new(big, k, json_string("0123456789abcdefghijklmnopqrstuvwxyz0123456789"));
	}
	json_object_set(v, "big", big);
	same_as_jansson(big);
	same_as_jansson(v);
	json_t *arr = json_array();
	json_array_append_new(arr, json_integer(1));
	same_as_jansson(arr);
	json_decref(arr);
	json_decref(big);
	json_decref(v);
}

static void
test_left_to_jansson(void **state)
{
	(void)state;
	struct pdl_jbuf b;
	pdl_jbuf_init(&b);
	json_t *real = json_pack("{s:f}", "x", 0.1);
	assert_int_equal(pdl_json_compact(real, &b), PDL_EINVAL);
	json_t *s = json_string("top");
	assert_int_equal(pdl_json_compact(s, &b), PDL_EINVAL); /* json_dumps refuses it too */
	json_t *bad = json_object();
	json_object_set_new(bad, "k", json_stringn_nocheck("\xc0\x80", 2)); /* overlong: not UTF-8 */
	assert_int_equal(pdl_json_compact(bad, &b), PDL_EINVAL);
	/* cut short, a lone continuation byte, a surrogate, above U+10FFFF, a
	 * 5-byte lead: each refused wherever it stands in the string */
	static const char *const not_utf8[] = {"\xe6\x95", "\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80"};
	for (size_t i = 0; i < sizeof not_utf8 / sizeof not_utf8[0]; i++) {
		char s2[32];
		int n = snprintf(s2, sizeof s2, "ok\"%s", not_utf8[i]);
		json_t *o = json_object();
		json_object_set_new(o, "k", json_stringn_nocheck(s2, (size_t)n));
		pdl_jbuf_free(&b);
		assert_int_equal(pdl_json_compact(o, &b), PDL_EINVAL);
		json_decref(o);
	}
	json_t *deep = json_array(), *cur = deep;
	for (unsigned i = 0; i <= PDL_JCOMPACT_DEPTH_MAX + 1; i++) {
		json_t *next = json_array();
		json_array_append_new(cur, next);
		cur = next;
	}
	assert_int_equal(pdl_json_compact(deep, &b), PDL_EINVAL);
	pdl_jbuf_free(&b);
	json_decref(real);
	json_decref(s);
	json_decref(bad);
	json_decref(deep);
}

static uint64_t rng = 88172645463325252ull;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static json_t *
rnd_string(void)
{
	static const char *const parts[] = {"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\b", "\f", "\r", "\x01", "\x1f", "\x7f",
	                                    "é", "数据", "😀", "key", ""};
	char s[64] = "";
	size_t n = rnd(6);
	for (size_t i = 0; i < n; i++)
		strcat(s, parts[rnd(sizeof parts / sizeof parts[0])]);
	return json_string(s);
}

static json_t *
rnd_value(unsigned depth)
{
	unsigned kind = rnd(depth > 3 ? 5 : 7);
	switch (kind) {
	case 0: return rnd_string();
	case 1: return json_integer((json_int_t)(rng >> rnd(64)) * (rnd(2) ? 1 : -1));
	case 2: return json_boolean(rnd(2));
	case 3: return json_null();
	case 4: return json_integer(rnd(3) == 0 ? INT64_MIN : rnd(1000));
	case 5: {
		json_t *a = json_array();
		for (unsigned i = rnd(5); i > 0; i--)
			json_array_append_new(a, rnd_value(depth + 1));
		return a;
	}
	default: {
		json_t *o = json_object();
		for (unsigned i = rnd(8); i > 0; i--) {
			json_t *k = rnd_string();
			json_object_set_new(o, json_string_value(k), rnd_value(depth + 1));
			json_decref(k);
		}
		return o;
	}
	}
}

static void
test_random(void **state)
{
	(void)state;
	for (unsigned i = 0; i < RANDOM_DOCS; i++) {
		json_t *o = json_object();
		for (unsigned k = rnd(10); k > 0; k--) {
			json_t *key = rnd_string();
			json_object_set_new(o, json_string_value(key), rnd_value(1));
			json_decref(key);
		}
		same_as_jansson(o);
		json_decref(o);
	}
}

/* The member-by-member writers (pdl_jw_*): the bytes json_dumps writes
 * for the same object, keys given in sorted order; commas right after an
 * empty object, inside an array of objects; PDL_EINVAL for what jansson
 * must write. */
static void
test_writer(void **state)
{
	(void)state;
	json_t *inner = json_pack("{s:[I,s,{}],s:{},s:s}", "b", (json_int_t)-7, "x\n", "c", "d", "值");
	json_t *want = json_pack("{s:O,s:{},s:[{s:I,s:s},{}],s:s,s:I,s:I,s:n}", "body", inner, "e", "h", "seq",
	                         (json_int_t)3, "type", "party.register", "name", "基准 \"q\"\t", "s", (json_int_t)INT64_MIN,
	                         "t", (json_int_t)INT64_MAX, "z");
	assert_non_null(want);
	char *exp = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
	struct pdl_jbuf w;
	pdl_jbuf_init(&w);
	int rc = pdl_jw_raw(&w, "{");
	rc |= pdl_jw_key(&w, "body") | pdl_jw_value(&w, inner);
	rc |= pdl_jw_key(&w, "e") | pdl_jw_value(&w, json_object_get(want, "e"));
	rc |= pdl_jw_key(&w, "h") | pdl_jw_raw(&w, "[{");
	rc |= pdl_jw_key(&w, "seq") | pdl_jw_int(&w, 3);
	rc |= pdl_jw_key(&w, "type") | pdl_jw_str(&w, "party.register") | pdl_jw_raw(&w, "},{}]");
	rc |= pdl_jw_key(&w, "name") | pdl_jw_str(&w, "基准 \"q\"\t");
	rc |= pdl_jw_key(&w, "s") | pdl_jw_int(&w, INT64_MIN);
	rc |= pdl_jw_key(&w, "t") | pdl_jw_int(&w, INT64_MAX);
	rc |= pdl_jw_key(&w, "z") | pdl_jw_raw(&w, "null") | pdl_jw_raw(&w, "}");
	assert_int_equal(rc, PDL_OK);
	if (w.n != strlen(exp) || memcmp(w.p, exp, w.n) != 0)
		fail_msg("got  %.*s\nwant %s", (int)w.n, w.p, exp);
	pdl_jbuf_free(&w);
	free(exp);
	/* left to jansson: text that is not UTF-8, a real, no value */
	pdl_jbuf_init(&w);
	assert_int_equal(pdl_jw_str(&w, "\xc3\x28"), PDL_EINVAL);
	json_t *r = json_real(0.5);
	assert_int_equal(pdl_jw_value(&w, r), PDL_EINVAL);
	assert_int_equal(pdl_jw_value(&w, NULL), PDL_EINVAL);
	pdl_jbuf_free(&w);
	json_decref(r);
	json_decref(inner);
	json_decref(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_left_to_jansson),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_writer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
