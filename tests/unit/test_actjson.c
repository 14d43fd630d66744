/* test_actjson.c — the fast JSON act reader (actjson.h) against the path
 * it stands in for, jansson's json_loadb + pdl_json_act_to_mp: on files it
 * takes, the same bytes act for act; on files it must decline, a decline.
 * Hand-written cases for every form and refusal, then generated acts and
 * random mutations of them (byte changes, insertions, cuts), where every
 * file taken must agree with jansson, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "actjson.h"
#include "mpjson.h"

/* What jansson and mpjson make of the file: 1 and the acts' bytes in
 * want (one after another, lengths in lens), or 0 if any act fails. */
static int
slow_path(const char *js, size_t n, msgpack_sbuffer *want, size_t *lens, size_t *count, char actors[][80])
{
	json_error_t je;
	json_t *root = json_loadb(js, n, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return 0;
	size_t c = json_is_array(root) ? json_array_size(root) : 1;
	int ok = 1;
	for (size_t i = 0; i < c && ok; i++) {
		json_t *a = json_is_array(root) ? json_array_get(root, i) : root;
		struct pdl_status st = {0};
		size_t before = want->size;
		ok = pdl_json_act_to_mp(a, want, &st) == PDL_OK;
		lens[i] = want->size - before;
		const char *actor = json_string_value(json_object_get(a, "actor"));
		snprintf(actors[i], 80, "%s", actor == NULL ? "<none>" : actor);
	}
	*count = c;
	json_decref(root);
	return ok;
}

/* 1 when the fast path took js; checks it against the slow path then. */
static int
agree(const char *js, size_t n)
{
	static size_t lens[4096];
	static char actors[4096][80];
	struct pdl_actjson aj;
	msgpack_sbuffer want;
	size_t count = 0;
	pdl_actjson_init(&aj);
	msgpack_sbuffer_init(&want);
	int rc = pdl_actjson_parse(&aj, js, n);
	assert_true(rc == PDL_OK || rc == PDL_EDECODE);
	if (rc == PDL_OK) {
		if (!slow_path(js, n, &want, lens, &count, actors))
			fail_msg("taken by the fast path, refused by jansson/mpjson: %.*s", (int)n, js);
		assert_int_equal(aj.n, count);
		size_t off = 0;
		for (size_t i = 0; i < count; i++) {
			const struct pdl_actjson_act *a = &aj.acts[i];
			if (a->len != lens[i] || memcmp(aj.mp.data + a->off, want.data + off, lens[i]) != 0)
				fail_msg("act %zu differs from mpjson's: %.*s", i, (int)n, js);
			char got[80];
			if (a->actor_len == SIZE_MAX)
				snprintf(got, sizeof got, "<none>");
			else
				snprintf(got, sizeof got, "%.*s", (int)a->actor_len, aj.mp.data + a->actor_off);
			assert_string_equal(got, actors[i]);
			off += lens[i];
		}
	}
	msgpack_sbuffer_destroy(&want);
	pdl_actjson_fini(&aj);
	return rc == PDL_OK;
}

static int
agree_s(const char *js)
{
	return agree(js, strlen(js));
}

static void
test_taken(void **state)
{
	(void)state;
	const char *ok[] = {
		"{\"type\":\"party.register\",\"actor\":\"authority\",\"nonce\":1,\"body\":{\"id\":\"p1\",\"name\":\"武汉数据\","
		"\"roles\":[\"provider\"],\"public_key\":\"AAAA\"}}",
		"[{\"v\":1,\"type\":\"x\",\"actor\":\"a\"}, {\"type\":\"y\",\"nonce\":0} ,{}]",
		" \t\r\n[ ] \n",
		"[]",
		"{\"actor\":7,\"body\":{\"a\":[],\"b\":{},\"c\":[1,[2,[3]]],\"d\":null,\"e\":true,\"f\":false}}",
		"{\"s\":\"tab\\there \\\"quoted\\\" back\\\\slash \\/ \\b\\f\\n\\r\",\"actor\":\"a\\nb\"}",
		"{\"n\":[0,9,10,127,128,255,256,65535,65536,4294967295,4294967296,999999999999999999]}",
		"{\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9,\"k10\":10,\"k11\":11,"
		"\"k12\":12,\"k13\":13,\"k14\":14,\"k15\":15}",
		"{\"v\":2,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9,\"k10\":10,\"k11\":11,"
		"\"k12\":12,\"k13\":13,\"k14\":14,\"k15\":15,\"k16\":16,\"actor\":\"late\"}",
		"{\"b\":{\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9,\"k10\":10,\"k11\":11,"
		"\"k12\":12,\"k13\":13,\"k14\":14,\"k15\":15,\"k16\":16},\"a\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}",
		"{\"\":\"\",\"é\":\"𝄞\"}",
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		if (!agree_s(ok[i]))
			fail_msg("declined: %s", ok[i]);
	/* strings at each msgpack length boundary, arrays past 65,535 */
	size_t lens[] = {31, 32, 255, 256, 65535, 65536};
	for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
		char *js = malloc(lens[i] + 64);
		int n = sprintf(js, "{\"actor\":\"");
		memset(js + n, 'x', lens[i]);
		n += (int)lens[i];
		n += sprintf(js + n, "\",\"t\":\"\\n\"}");
		assert_true(agree(js, (size_t)n));
		free(js);
	}
	char *big = malloc(70000 * 2 + 64);
	size_t n = (size_t)sprintf(big, "{\"a\":[");
	for (int i = 0; i < 70000; i++)
		n += (size_t)sprintf(big + n, i ? ",0" : "0");
	n += (size_t)sprintf(big + n, "]}");
	assert_true(agree(big, n));
	free(big);
}

static void
test_declined(void **state)
{
	(void)state;
	const char *no[] = {
		"", "   ", "1", "\"s\"", "null", "[1]", "[{}, 2]", "[[{}]]",
		"{\"a\":1,\"a\":2}", "{\"b\":{\"x\":1,\"x\":1}}",
		"{\"a\":-1}", "{\"a\":1.5}", "{\"a\":1e3}", "{\"a\":01}", "{\"a\":1234567890123456789}",
		"{\"a\":\"\\u4e2d\"}", "{\"a\\n\":1}", "{\"a\":\"\\x\"}", "{\"a\":\"tab\there\"}",
		"{\"a\":\"\xff\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":1,}", "[{},]", "{\"a\":1} x", "{\"a\":1}{}", "{\"a\" 1}", "{a:1}", "{\"a\":tru}",
		"{\"a\":truex}", "{\"a\":[1 2]}", "{\"a\":\"unterminated}", "\xef\xbb\xbf{}",
		"{\"a\":[[[[[[[[[[[[[[1]]]]]]]]]]]]]]}",
	};
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (agree_s(no[i]))
			fail_msg("taken: %s", no[i]);
	/* a NUL inside the input */
	assert_false(agree("{\"a\":\"x\0y\"}", 11));
	/* 33 keys: over OBJ_KEYS_MAX */
	char js[1024];
	size_t n = (size_t)sprintf(js, "{");
	for (int i = 0; i < 33; i++)
		n += (size_t)sprintf(js + n, "%s\"k%d\":%d", i ? "," : "", i, i);
	sprintf(js + n, "}");
	assert_false(agree_s(js));
}

/* ---- generated acts and their mutations ---- */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void
gen_str(char *b, size_t *n)
{
	static const char *const bits[] = {"a", "Z", "0", " ", "中文", "é", "𝄞", "\\n", "\\\"", "\\\\", "\\/", "\\t",
	                                   "\\u0041", "-", "_", "authority", "{", "}", "[", ",", ":"};
	b[(*n)++] = '"';
	for (unsigned k = rnd(6); k > 0; k--) {
		const char *s = bits[rnd(sizeof bits / sizeof *bits)];
		memcpy(b + *n, s, strlen(s));
		*n += strlen(s);
	}
	b[(*n)++] = '"';
}

static void
gen_value(char *b, size_t *n, unsigned depth)
{
	static const char *const keys[] = {"\"id\"", "\"name\"", "\"v\"", "\"actor\"", "\"x\"", "\"\""};
	switch (depth > 3 ? rnd(4) : rnd(7)) {
	case 0: gen_str(b, n); break;
	case 1: *n += (size_t)sprintf(b + *n, "%u", rnd(3) ? rnd(200) : rnd(4000000000u)); break;
	case 2: *n += (size_t)sprintf(b + *n, "%s", (const char *[]){"true", "false", "null"}[rnd(3)]); break;
	case 3: *n += (size_t)sprintf(b + *n, "%u", rnd(70000)); break;
	case 4:
	case 5: {
		unsigned m = rnd(5);
		b[(*n)++] = '{';
		for (unsigned i = 0; i < m; i++) {
			if (i)
				b[(*n)++] = ',';
			*n += (size_t)sprintf(b + *n, "%s", keys[rnd(6)]);
			b[(*n)++] = ':';
			gen_value(b, n, depth + 1);
		}
		b[(*n)++] = '}';
		break;
	}
	default: {
		unsigned m = rnd(4);
		b[(*n)++] = '[';
		for (unsigned i = 0; i < m; i++) {
			if (i)
				b[(*n)++] = ',';
			gen_value(b, n, depth + 1);
		}
		b[(*n)++] = ']';
	}
	}
}

static size_t
gen_file(char *b)
{
	size_t n = 0;
	unsigned acts = rnd(4);
	int array = acts != 1 || rnd(2);
	if (array)
		b[n++] = '[';
	for (unsigned i = 0; i < acts; i++) {
		if (i)
			n += (size_t)sprintf(b + n, rnd(2) ? "," : " ,\n ");
		n += (size_t)sprintf(b + n, "{\"type\":\"party.register\",\"actor\":");
		gen_str(b, &n);
		n += (size_t)sprintf(b + n, ",\"nonce\":%u,\"body\":", rnd(100000));
		gen_value(b, &n, 1);
		if (rnd(3) == 0)
			n += (size_t)sprintf(b + n, ",\"v\":%u", rnd(3));
		b[n++] = '}';
	}
	if (array)
		b[n++] = ']';
	return n;
}

static void
mutate(char *b, size_t *n)
{
	static const char alphabet[] = "{}[],:\"\\ 0123456789-.eE+tfnul\x01\x7f\xc3\xa9\xff";
	size_t at = *n ? rnd((unsigned)*n) : 0;
	switch (rnd(3)) {
	case 0:
		if (*n)
			b[at] = alphabet[rnd(sizeof alphabet - 1)];
		break;
	case 1:
		memmove(b + at + 1, b + at, *n - at);
		b[at] = alphabet[rnd(sizeof alphabet - 1)];
		(*n)++;
		break;
	default:
		if (*n) {
			memmove(b + at, b + at + 1, *n - at - 1);
			(*n)--;
		}
	}
}

static void
test_generated(void **state)
{
	(void)state;
	static char b[1 << 16];
	unsigned taken = 0, mutated_taken = 0;
	for (int i = 0; i < 20000; i++) {
		size_t n = gen_file(b);
		assert_true(n < sizeof b / 2);
		taken += (unsigned)agree(b, n);
		for (unsigned m = rnd(4) + 1; m > 0; m--)
			mutate(b, &n);
		mutated_taken += (unsigned)agree(b, n);
	}
	/* most generated files are taken (the rest hold a \u escape); some
	 * mutations are still valid and taken, the rest declined */
	printf("# generated files taken: %u of 20000; mutated files taken: %u\n", taken, mutated_taken);
	assert_true(taken > 5000);
	assert_true(mutated_taken > 500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_taken),
		cmocka_unit_test(test_declined),
		cmocka_unit_test(test_generated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
