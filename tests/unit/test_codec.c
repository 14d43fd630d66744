/*
 * test_codec.c — the msgpack reader (mp.h), field schemas, the entry codec
 * and the act codec (entry.h).
 *
 * Every buffer handed to a decoder is a malloc'd copy of exactly the bytes
 * under test, so a read one byte past the end is an ASan error in
 * `make test SAN=1`, not a silent pass.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>
#include <sodium.h>

#include "entry.h"
#include "mp.h"
#include "mpjson.h"
#include "rules.h"

/* ---- helpers ---- */

static uint8_t *
dup_exact(const void *b, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	assert_non_null(p);
	if (n)
		memcpy(p, b, n);
	return p;
}

static void
raw(msgpack_sbuffer *sb, const void *b, size_t n)
{
	msgpack_sbuffer_write(sb, (const char *)b, n);
}

static void
raw_byte(msgpack_sbuffer *sb, uint8_t b)
{
	raw(sb, &b, 1);
}

/* A length header: marker then n big-endian in w bytes (w 0: fix form, n ORed into marker). */
static void
hdr(msgpack_sbuffer *sb, uint8_t marker, unsigned w, uint32_t n)
{
	uint8_t b[5];
	if (w == 0) {
		raw_byte(sb, (uint8_t)(marker | n));
		return;
	}
	b[0] = marker;
	for (unsigned i = 0; i < w; i++)
		b[1 + i] = (uint8_t)(n >> (8 * (w - 1 - i)));
	raw(sb, b, 1 + w);
}

static void
fill(msgpack_sbuffer *sb, uint8_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		raw_byte(sb, v);
}

/* An Ed25519 key as pdl holds it (k) and as libsodium does (pk, sk), so
 * tests can check pdl against libsodium. */
struct key {
	struct pdl_seckey k;
	uint8_t pk[32];
	uint8_t sk[64];
	char b64[48];
};

static void
seed_key(struct key *k, uint8_t first)
{
	uint8_t seed[32];
	for (size_t i = 0; i < sizeof seed; i++)
		seed[i] = (uint8_t)(first + i);
	assert_int_equal(crypto_sign_seed_keypair(k->pk, k->sk, seed), 0);
	assert_int_equal(pdl_seckey_open(&k->k, &pdl_suite_ed25519_sha256, seed), PDL_OK);
	assert_memory_equal(k->k.pk.b, k->pk, 32);
	pdl_b64(k->pk, 32, k->b64);
}

static int
setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

/* ---- scalars ---- */

struct ucase {
	const char *b;
	size_t n;
	uint64_t v;
	enum mp_type t;
};

static void
test_uint_widths(void **state)
{
	static const struct ucase cases[] = {
		{"\x00", 1, 0, MP_UINT},
		{"\x7f", 1, 127, MP_UINT},
		{"\xcc\x80", 2, 128, MP_UINT},
		{"\xcc\xff", 2, 255, MP_UINT},
		{"\xcd\x01\x00", 3, 256, MP_UINT},
		{"\xcd\xff\xff", 3, 65535, MP_UINT},
		{"\xce\x00\x01\x00\x00", 5, 65536, MP_UINT},
		{"\xce\xff\xff\xff\xff", 5, UINT32_MAX, MP_UINT},
		{"\xcf\x00\x00\x00\x01\x00\x00\x00\x00", 9, (uint64_t)1 << 32, MP_UINT},
		{"\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 9, UINT64_MAX, MP_UINT},
		/* non-negative values in signed encodings are still unsigned */
		{"\xd0\x05", 2, 5, MP_NINT},
		{"\xd1\x7f\xff", 3, 32767, MP_NINT},
		{"\xd3\x7f\xff\xff\xff\xff\xff\xff\xff", 9, INT64_MAX, MP_NINT},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t *b = dup_exact(cases[i].b, cases[i].n);
		struct mp_cur c = mp_cur_make(b, cases[i].n);
		uint64_t v = 12345;
		assert_int_equal(mp_peek(&c), cases[i].t);
		assert_int_equal(mp_read_uint(&c, &v), PDL_OK);
		assert_true(v == cases[i].v);
		assert_ptr_equal(c.p, c.end);
		assert_int_equal(c.err, PDL_OK);
		/* every truncation of the value fails */
		for (size_t k = 0; k < cases[i].n; k++) {
			uint8_t *t = dup_exact(b, k);
			struct mp_cur tc = mp_cur_make(t, k);
			assert_int_equal(mp_read_uint(&tc, &v), PDL_EDECODE);
			assert_int_equal(tc.err, PDL_EDECODE);
			tc = mp_cur_make(t, k);
			assert_int_equal(mp_skip(&tc), PDL_EDECODE);
			free(t);
		}
		free(b);
	}

	/* what msgpack-c writes at each width boundary reads back */
	static const struct {
		uint64_t v;
		size_t len;
	} packed[] = {
		{0, 1},         {127, 1},        {128, 2},        {255, 2},          {256, 3},
		{65535, 3},     {65536, 5},      {UINT32_MAX, 5}, {(uint64_t)UINT32_MAX + 1, 9}, {UINT64_MAX, 9},
	};
	for (size_t i = 0; i < sizeof packed / sizeof packed[0]; i++) {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_uint64(&pk, packed[i].v);
		assert_int_equal(sb.size, packed[i].len);
		uint8_t *b = dup_exact(sb.data, sb.size);
		struct mp_cur c = mp_cur_make(b, sb.size);
		uint64_t v;
		assert_int_equal(mp_read_uint(&c, &v), PDL_OK);
		assert_true(v == packed[i].v);
		assert_ptr_equal(c.p, c.end);
		free(b);
		msgpack_sbuffer_destroy(&sb);
	}
}

static void
test_int_widths(void **state)
{
	static const struct {
		const char *b;
		size_t n;
		int64_t v;
	} cases[] = {
		{"\xff", 1, -1},
		{"\xe0", 1, -32},
		{"\xd0\xdf", 2, -33},
		{"\xd0\x80", 2, -128},
		{"\xd1\xff\x7f", 3, -129},
		{"\xd1\x80\x00", 3, -32768},
		{"\xd2\xff\xff\x7f\xff", 5, -32769},
		{"\xd2\x80\x00\x00\x00", 5, INT32_MIN},
		{"\xd3\xff\xff\xff\xff\x7f\xff\xff\xff", 9, (int64_t)INT32_MIN - 1},
		{"\xd3\x80\x00\x00\x00\x00\x00\x00\x00", 9, INT64_MIN},
		{"\xd3\xff\xff\xff\xff\xff\xff\xff\xff", 9, -1},
		{"\x7f", 1, 127},
		{"\xcc\xff", 2, 255},
		{"\xcf\x7f\xff\xff\xff\xff\xff\xff\xff", 9, INT64_MAX},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t *b = dup_exact(cases[i].b, cases[i].n);
		struct mp_cur c = mp_cur_make(b, cases[i].n);
		int64_t v = 12345;
		assert_int_equal(mp_read_int(&c, &v), PDL_OK);
		assert_true(v == cases[i].v);
		assert_ptr_equal(c.p, c.end);
		for (size_t k = 0; k < cases[i].n; k++) {
			uint8_t *t = dup_exact(b, k);
			struct mp_cur tc = mp_cur_make(t, k);
			assert_int_equal(mp_read_int(&tc, &v), PDL_EDECODE);
			free(t);
		}
		free(b);
	}

	/* 2^63 does not fit an int64 */
	{
		uint8_t *b = dup_exact("\xcf\x80\x00\x00\x00\x00\x00\x00\x00", 9);
		struct mp_cur c = mp_cur_make(b, 9);
		int64_t v;
		assert_int_equal(mp_read_int(&c, &v), PDL_EDECODE);
		assert_int_equal(c.err, PDL_EDECODE);
		free(b);
	}

	static const struct {
		int64_t v;
		size_t len;
	} packed[] = {
		{-1, 1},     {-32, 1},    {-33, 2},       {-128, 2},       {-129, 3},
		{-32768, 3}, {-32769, 5}, {INT32_MIN, 5}, {(int64_t)INT32_MIN - 1, 9}, {INT64_MIN, 9},
		{0, 1},      {INT64_MAX, 9},
	};
	for (size_t i = 0; i < sizeof packed / sizeof packed[0]; i++) {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_int64(&pk, packed[i].v);
		assert_int_equal(sb.size, packed[i].len);
		uint8_t *b = dup_exact(sb.data, sb.size);
		struct mp_cur c = mp_cur_make(b, sb.size);
		int64_t v;
		assert_int_equal(mp_read_int(&c, &v), PDL_OK);
		assert_true(v == packed[i].v);
		assert_ptr_equal(c.p, c.end);
		free(b);
		msgpack_sbuffer_destroy(&sb);
	}
}

static void
test_uint_rejects_negative(void **state)
{
	static const struct {
		const char *b;
		size_t n;
	} neg[] = {
		{"\xff", 1},
		{"\xe0", 1},
		{"\xd0\x80", 2},
		{"\xd1\xff\xff", 3},
		{"\xd2\x80\x00\x00\x00", 5},
		{"\xd3\x80\x00\x00\x00\x00\x00\x00\x00", 9},
		{"\xd3\xff\xff\xff\xff\xff\xff\xff\xff", 9},
	};
	(void)state;
	for (size_t i = 0; i < sizeof neg / sizeof neg[0]; i++) {
		uint8_t *b = dup_exact(neg[i].b, neg[i].n);
		struct mp_cur c = mp_cur_make(b, neg[i].n);
		uint64_t v = 7;
		assert_int_equal(mp_peek(&c), MP_NINT);
		assert_int_equal(mp_read_uint(&c, &v), PDL_EDECODE);
		assert_int_equal(c.err, PDL_EDECODE);
		free(b);
	}
	/* other types are not integers */
	static const struct {
		const char *b;
		size_t n;
	} other[] = {
		{"\xc0", 1}, {"\xc3", 1}, {"\xa1x", 2}, {"\xc4\x01\x00", 3}, {"\x90", 1}, {"\x80", 1},
		{"\xca\x00\x00\x00\x00", 5}, {"\xc1", 1}, {"\xd4\x01\x00", 3},
	};
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
		uint8_t *b = dup_exact(other[i].b, other[i].n);
		struct mp_cur c = mp_cur_make(b, other[i].n);
		uint64_t u;
		int64_t s;
		assert_int_equal(mp_read_uint(&c, &u), PDL_EDECODE);
		c = mp_cur_make(b, other[i].n);
		assert_int_equal(mp_read_int(&c, &s), PDL_EDECODE);
		free(b);
	}
}

static void
test_sticky_error(void **state)
{
	(void)state;
	uint8_t *b = dup_exact("\xff\xc0\xc0", 3);
	struct mp_cur c = mp_cur_make(b, 3);
	uint64_t v;
	assert_int_equal(mp_read_uint(&c, &v), PDL_EDECODE);
	/* the error stays: later reads of valid bytes fail too */
	assert_int_equal(mp_peek(&c), MP_NONE);
	assert_int_equal(mp_read_nil(&c), PDL_EDECODE);
	assert_int_equal(mp_skip(&c), PDL_EDECODE);
	assert_int_equal(c.err, PDL_EDECODE);
	free(b);

	/* every reader on empty input */
	uint8_t *e = dup_exact("", 0);
	const char *s;
	const uint8_t *bp;
	size_t n;
	uint32_t k;
	int bv;
	int64_t iv;
	struct mp_cur ec = mp_cur_make(e, 0);
	assert_int_equal(mp_peek(&ec), MP_NONE);
	assert_int_equal(mp_read_nil(&ec), PDL_EDECODE);
	ec = mp_cur_make(e, 0);
	assert_int_equal(mp_read_bool(&ec, &bv), PDL_EDECODE);
	ec = mp_cur_make(e, 0);
	assert_int_equal(mp_read_uint(&ec, &v), PDL_EDECODE);
	ec = mp_cur_make(e, 0);
	assert_int_equal(mp_read_int(&ec, &iv), PDL_EDECODE);
	ec = mp_cur_make(e, 0);
	assert_int_equal(mp_read_str(&ec, &s, &n), PDL_EDECODE);
	ec = mp_cur_make(e, 0);
	assert_int_equal(mp_read_bin(&ec, &bp, &n), PDL_EDECODE);
	ec = mp_cur_make(e, 0);
	assert_int_equal(mp_read_array(&ec, &k), PDL_EDECODE);
	ec = mp_cur_make(e, 0);
	assert_int_equal(mp_read_map(&ec, &k), PDL_EDECODE);
	ec = mp_cur_make(e, 0);
	assert_int_equal(mp_skip(&ec), PDL_EDECODE);
	free(e);
}

static void
test_nil_bool_peek(void **state)
{
	static const struct {
		uint8_t b;
		enum mp_type t;
	} peeks[] = {
		{0x00, MP_UINT}, {0x7f, MP_UINT}, {0x80, MP_MAP},  {0x8f, MP_MAP},  {0x90, MP_ARR},  {0x9f, MP_ARR},
		{0xa0, MP_STR},  {0xbf, MP_STR},  {0xc0, MP_NIL},  {0xc1, MP_NONE}, {0xc2, MP_BOOL}, {0xc3, MP_BOOL},
		{0xc4, MP_BIN},  {0xc5, MP_BIN},  {0xc6, MP_BIN},  {0xc7, MP_EXT},  {0xc8, MP_EXT},  {0xc9, MP_EXT},
		{0xca, MP_FLOAT}, {0xcb, MP_FLOAT}, {0xcc, MP_UINT}, {0xcf, MP_UINT}, {0xd0, MP_NINT}, {0xd3, MP_NINT},
		{0xd4, MP_EXT},  {0xd8, MP_EXT},  {0xd9, MP_STR},  {0xdb, MP_STR},  {0xdc, MP_ARR},  {0xdd, MP_ARR},
		{0xde, MP_MAP},  {0xdf, MP_MAP},  {0xe0, MP_NINT}, {0xff, MP_NINT},
	};
	(void)state;
	for (size_t i = 0; i < sizeof peeks / sizeof peeks[0]; i++) {
		struct mp_cur c = mp_cur_make(&peeks[i].b, 1);
		assert_int_equal(mp_peek(&c), peeks[i].t);
	}
	uint8_t *b = dup_exact("\xc0\xc2\xc3\xc0", 4);
	struct mp_cur c = mp_cur_make(b, 4);
	int v = 5;
	assert_int_equal(mp_read_nil(&c), PDL_OK);
	assert_int_equal(mp_read_bool(&c, &v), PDL_OK);
	assert_int_equal(v, 0);
	assert_int_equal(mp_read_bool(&c, &v), PDL_OK);
	assert_int_equal(v, 1);
	assert_int_equal(mp_read_bool(&c, &v), PDL_EDECODE); /* nil is not a bool */
	free(b);
	b = dup_exact("\xc2", 1);
	c = mp_cur_make(b, 1);
	assert_int_equal(mp_read_nil(&c), PDL_EDECODE);
	/* 0xc1 is never used: not skippable */
	free(b);
	b = dup_exact("\xc1", 1);
	c = mp_cur_make(b, 1);
	assert_int_equal(mp_skip(&c), PDL_EDECODE);
	free(b);
}

/* ---- strings, binaries, arrays, maps ---- */

struct lcase {
	uint8_t marker;
	unsigned w;
	uint32_t n;
};

static void
test_str_widths(void **state)
{
	static const struct lcase cases[] = {
		{0xa0, 0, 0},     {0xa0, 0, 1},      {0xa0, 0, 31},    {0xd9, 1, 0},      {0xd9, 1, 32},
		{0xd9, 1, 255},   {0xda, 2, 0},      {0xda, 2, 256},   {0xda, 2, 65535},  {0xdb, 4, 0},
		{0xdb, 4, 65536}, {0xdb, 4, 70000},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		msgpack_sbuffer sb;
		msgpack_sbuffer_init(&sb);
		hdr(&sb, cases[i].marker, cases[i].w, cases[i].n);
		size_t h = sb.size;
		fill(&sb, 'x', cases[i].n);
		uint8_t *b = dup_exact(sb.data, sb.size);
		struct mp_cur c = mp_cur_make(b, sb.size);
		const char *s = NULL;
		size_t n = 99;
		assert_int_equal(mp_peek(&c), MP_STR);
		assert_int_equal(mp_read_str(&c, &s, &n), PDL_OK);
		assert_int_equal(n, cases[i].n);
		assert_ptr_equal(s, (const char *)b + h);
		assert_ptr_equal(c.p, c.end);
		/* a str is not a bin */
		c = mp_cur_make(b, sb.size);
		const uint8_t *bp;
		assert_int_equal(mp_read_bin(&c, &bp, &n), PDL_EDECODE);
		/* one byte short */
		c = mp_cur_make(b, sb.size - 1);
		assert_int_equal(mp_read_str(&c, &s, &n), PDL_EDECODE);
		free(b);
		msgpack_sbuffer_destroy(&sb);
	}
	/* msgpack-c's own encodings at the boundaries */
	static const size_t lens[] = {0, 31, 32, 255, 256, 65535, 65536};
	static const uint8_t marks[] = {0xa0, 0xbf, 0xd9, 0xd9, 0xda, 0xda, 0xdb};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		char *body = malloc(lens[i] + 1);
		assert_non_null(body);
		memset(body, 'q', lens[i]);
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		mp_pack_str(&pk, body, lens[i]);
		assert_int_equal((uint8_t)sb.data[0], marks[i]);
		uint8_t *b = dup_exact(sb.data, sb.size);
		struct mp_cur c = mp_cur_make(b, sb.size);
		const char *s;
		size_t n;
		assert_int_equal(mp_read_str(&c, &s, &n), PDL_OK);
		assert_int_equal(n, lens[i]);
		if (lens[i] > 0)
			assert_memory_equal(s, body, lens[i]);
		assert_ptr_equal(c.p, c.end);
		free(b);
		free(body);
		msgpack_sbuffer_destroy(&sb);
	}
}

static void
test_bin_widths(void **state)
{
	static const struct lcase cases[] = {
		{0xc4, 1, 0}, {0xc4, 1, 1}, {0xc4, 1, 255}, {0xc5, 2, 0}, {0xc5, 2, 256},
		{0xc5, 2, 65535}, {0xc6, 4, 0}, {0xc6, 4, 65536},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		msgpack_sbuffer sb;
		msgpack_sbuffer_init(&sb);
		hdr(&sb, cases[i].marker, cases[i].w, cases[i].n);
		size_t h = sb.size;
		fill(&sb, 0xab, cases[i].n);
		uint8_t *b = dup_exact(sb.data, sb.size);
		struct mp_cur c = mp_cur_make(b, sb.size);
		const uint8_t *bp = NULL;
		size_t n = 99;
		assert_int_equal(mp_peek(&c), MP_BIN);
		assert_int_equal(mp_read_bin(&c, &bp, &n), PDL_OK);
		assert_int_equal(n, cases[i].n);
		assert_ptr_equal(bp, b + h);
		assert_ptr_equal(c.p, c.end);
		c = mp_cur_make(b, sb.size);
		const char *s;
		assert_int_equal(mp_read_str(&c, &s, &n), PDL_EDECODE);
		c = mp_cur_make(b, sb.size - 1);
		assert_int_equal(mp_read_bin(&c, &bp, &n), PDL_EDECODE);
		c = mp_cur_make(b, sb.size);
		assert_int_equal(mp_skip(&c), PDL_OK);
		assert_ptr_equal(c.p, c.end);
		free(b);
		msgpack_sbuffer_destroy(&sb);
	}
}

static void
test_array_map_widths(void **state)
{
	static const struct lcase arrs[] = {
		{0x90, 0, 0}, {0x90, 0, 1}, {0x90, 0, 15}, {0xdc, 2, 0}, {0xdc, 2, 16},
		{0xdc, 2, 65535}, {0xdd, 4, 0}, {0xdd, 4, 65536},
	};
	static const struct lcase maps[] = {
		{0x80, 0, 0}, {0x80, 0, 1}, {0x80, 0, 15}, {0xde, 2, 0}, {0xde, 2, 16},
		{0xde, 2, 65535}, {0xdf, 4, 0}, {0xdf, 4, 65536},
	};
	(void)state;
	for (int m = 0; m < 2; m++) {
		const struct lcase *cases = m ? maps : arrs;
		for (size_t i = 0; i < 8; i++) {
			msgpack_sbuffer sb;
			msgpack_sbuffer_init(&sb);
			hdr(&sb, cases[i].marker, cases[i].w, cases[i].n);
			size_t elems = (size_t)cases[i].n * (m ? 2 : 1);
			fill(&sb, 0x01, elems);
			uint8_t *b = dup_exact(sb.data, sb.size);
			struct mp_cur c = mp_cur_make(b, sb.size);
			uint32_t n = 99;
			assert_int_equal(mp_peek(&c), m ? MP_MAP : MP_ARR);
			assert_int_equal(m ? mp_read_map(&c, &n) : mp_read_array(&c, &n), PDL_OK);
			assert_int_equal(n, cases[i].n);
			assert_int_equal((size_t)(c.end - c.p), elems);
			c = mp_cur_make(b, sb.size);
			assert_int_equal(mp_skip(&c), PDL_OK);
			assert_ptr_equal(c.p, c.end);
			/* a map is not an array and vice versa */
			c = mp_cur_make(b, sb.size);
			assert_int_equal(m ? mp_read_array(&c, &n) : mp_read_map(&c, &n), PDL_EDECODE);
			/* one element short */
			if (cases[i].n > 0) {
				c = mp_cur_make(b, sb.size - 1);
				assert_int_equal(mp_skip(&c), PDL_EDECODE);
			}
			free(b);
			msgpack_sbuffer_destroy(&sb);
		}
	}
}

static void
test_counts_over_input(void **state)
{
	static const struct {
		const char *b;
		size_t n;
		int map;
		int rc;
	} cases[] = {
		{"\x95\x01\x02\x03\x04", 5, 0, PDL_EDECODE},          /* 5 elements, 4 bytes */
		{"\x94\x01\x02\x03\x04", 5, 0, PDL_OK},               /* fits exactly */
		{"\xdc\x00\x05\x01\x02\x03\x04", 7, 0, PDL_EDECODE},
		{"\xdd\xff\xff\xff\xff\x01", 6, 0, PDL_EDECODE},
		{"\xdd\x00\x00\x00\x02\x01", 6, 0, PDL_EDECODE},
		{"\x83\x01\x02\x03\x04\x05\x06", 7, 1, PDL_OK},      /* 3 pairs in 6 bytes */
		{"\x83\x01\x02\x03\x04\x05\x06", 6, 1, PDL_EDECODE}, /* 3 pairs in 5 bytes */
		{"\xde\x00\x03\x01\x02\x03\x04\x05", 8, 1, PDL_EDECODE},
		{"\xdf\xff\xff\xff\xff\x01\x02", 7, 1, PDL_EDECODE},
		{"\xdf\x80\x00\x00\x00", 5, 1, PDL_EDECODE},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t *b = dup_exact(cases[i].b, cases[i].n);
		struct mp_cur c = mp_cur_make(b, cases[i].n);
		uint32_t n = 77;
		int rc = cases[i].map ? mp_read_map(&c, &n) : mp_read_array(&c, &n);
		assert_int_equal(rc, cases[i].rc);
		if (rc != PDL_OK) {
			assert_int_equal(n, 0);
			assert_int_equal(c.err, PDL_EDECODE);
		}
		c = mp_cur_make(b, cases[i].n);
		assert_int_equal(mp_skip(&c), cases[i].rc);
		free(b);
	}
	/* lengths of str/bin/ext past the end */
	static const struct {
		const char *b;
		size_t n;
	} lens[] = {
		{"\xa5xx", 3},
		{"\xd9\x0a\x61", 3},
		{"\xda\xff\xff\x61", 4},
		{"\xdb\xff\xff\xff\xff\x61", 6},
		{"\xc4\x02\x00", 3},
		{"\xc6\xff\xff\xff\xff\x00", 6},
		{"\xd8\x01\x00", 3},
		{"\xc7\x05\x01\x00", 4},
		{"\xc9\xff\xff\xff\xff\x01\x00", 7},
		{"\xcb\x00\x00\x00", 4},
	};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		uint8_t *b = dup_exact(lens[i].b, lens[i].n);
		struct mp_cur c = mp_cur_make(b, lens[i].n);
		assert_int_equal(mp_skip(&c), PDL_EDECODE);
		free(b);
	}
}

/* {"a": [1, -2, "x", bin(3), {"b": nil, "c": true}, [[]]], "f": 1.5, "g": 2.5f,
 *  "e": fixext4, "h": ext8, 7: {}} */
static void
pack_nested(msgpack_sbuffer *sb)
{
	msgpack_packer pk;
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 6);
	mp_pack_cstr(&pk, "a");
	msgpack_pack_array(&pk, 6);
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_int64(&pk, -2);
	mp_pack_cstr(&pk, "x");
	mp_pack_bin(&pk, "\x01\x02\x03", 3);
	msgpack_pack_map(&pk, 2);
	mp_pack_cstr(&pk, "b");
	msgpack_pack_nil(&pk);
	mp_pack_cstr(&pk, "c");
	msgpack_pack_true(&pk);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_array(&pk, 0);
	mp_pack_cstr(&pk, "f");
	msgpack_pack_double(&pk, 1.5);
	mp_pack_cstr(&pk, "g");
	msgpack_pack_float(&pk, 2.5f);
	mp_pack_cstr(&pk, "e");
	raw(sb, "\xd6\x05\x01\x02\x03\x04", 6);
	mp_pack_cstr(&pk, "h");
	raw(sb, "\xc7\x03\x07\x01\x02\x03", 6);
	msgpack_pack_uint64(&pk, 7);
	msgpack_pack_map(&pk, 0);
}

static void
test_skip_nested(void **state)
{
	(void)state;
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	pack_nested(&sb);
	size_t value_len = sb.size;
	raw_byte(&sb, 0x2a); /* sentinel after the value */
	uint8_t *b = dup_exact(sb.data, sb.size);
	struct mp_cur c = mp_cur_make(b, sb.size);
	assert_int_equal(mp_skip(&c), PDL_OK);
	assert_ptr_equal(c.p, b + value_len);
	uint64_t v;
	assert_int_equal(mp_read_uint(&c, &v), PDL_OK);
	assert_int_equal(v, 42);
	assert_ptr_equal(c.p, c.end);

	/* map_find walks past values of every kind, and past non-string keys */
	struct mp_cur root = mp_cur_make(b, value_len), val;
	assert_int_equal(mp_map_find(root, "f", &val), PDL_OK);
	assert_int_equal(mp_peek(&val), MP_FLOAT);
	assert_int_equal(mp_map_find(root, "h", &val), PDL_OK);
	assert_int_equal(mp_peek(&val), MP_EXT);
	assert_int_equal(mp_map_find(root, "nope", &val), PDL_ENOTFOUND);
	assert_int_equal(mp_map_find(root, "a", &val), PDL_OK);
	uint32_t n;
	assert_int_equal(mp_read_array(&val, &n), PDL_OK);
	assert_int_equal(n, 6);
	for (int i = 0; i < 4; i++)
		assert_int_equal(mp_skip(&val), PDL_OK);
	struct mp_cur inner;
	assert_int_equal(mp_map_find(val, "c", &inner), PDL_OK);
	int bv = 0;
	assert_int_equal(mp_read_bool(&inner, &bv), PDL_OK);
	assert_int_equal(bv, 1);
	/* not a map */
	struct mp_cur arr = mp_cur_make(b + 3, 1); /* the 0x96 array header */
	assert_int_equal(mp_peek(&arr), MP_ARR);
	assert_int_equal(mp_map_find(arr, "a", &val), PDL_EDECODE);
	free(b);
	msgpack_sbuffer_destroy(&sb);
}

/* n nested one-element arrays around a 0 (or maps {"k": ...} when map). */
static uint8_t *
nest(size_t n, int map, size_t *len)
{
	size_t per = map ? 3 : 1;
	uint8_t *b = malloc(n * per + 1);
	assert_non_null(b);
	for (size_t i = 0; i < n; i++) {
		if (map) {
			b[i * 3] = 0x81;
			b[i * 3 + 1] = 0xa1;
			b[i * 3 + 2] = 'k';
		} else {
			b[i] = 0x91;
		}
	}
	b[n * per] = 0x00;
	*len = n * per + 1;
	return b;
}

static void
test_depth_limit(void **state)
{
	(void)state;
	for (int map = 0; map < 2; map++) {
		size_t len;
		uint8_t *b = nest(MP_DEPTH_MAX, map, &len);
		struct mp_cur c = mp_cur_make(b, len);
		assert_int_equal(mp_skip(&c), PDL_OK);
		assert_ptr_equal(c.p, c.end);
		free(b);
		b = nest(MP_DEPTH_MAX + 1, map, &len);
		c = mp_cur_make(b, len);
		assert_int_equal(mp_skip(&c), PDL_EDECODE);
		assert_int_equal(c.err, PDL_EDECODE);
		free(b);
		/* far deeper than any stack would take if the limit were missing */
		b = nest(200000, map, &len);
		c = mp_cur_make(b, len);
		assert_int_equal(mp_skip(&c), PDL_EDECODE);
		free(b);
	}

	/* the full decode paths: an entry outcome and an act body nested too deep */
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t zero[64] = {0};
	size_t len;
	uint8_t *deep = nest(10000, 1, &len);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 6);
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_uint64(&pk, 2);
	mp_pack_bin(&pk, zero, 32);
	mp_pack_bin(&pk, "\x80", 1);
	mp_pack_bin(&pk, zero, 64);
	raw(&sb, deep, len);
	uint8_t *b = dup_exact(sb.data, sb.size);
	struct pdl_entry e;
	struct pdl_status st = {0};
	assert_int_equal(pdl_entry_decode(b, sb.size, &e, &st), PDL_EDECODE);
	free(b);
	msgpack_sbuffer_destroy(&sb);

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 5);
	mp_pack_cstr(&pk, "v");
	msgpack_pack_uint64(&pk, 1);
	mp_pack_cstr(&pk, "type");
	mp_pack_cstr(&pk, "party.suspend");
	mp_pack_cstr(&pk, "actor");
	mp_pack_cstr(&pk, "authority");
	mp_pack_cstr(&pk, "nonce");
	msgpack_pack_uint64(&pk, 1);
	mp_pack_cstr(&pk, "body");
	raw(&sb, deep, len);
	b = dup_exact(sb.data, sb.size);
	struct pdl_act a;
	assert_int_equal(pdl_act_decode(b, sb.size, zero, &a, &st), PDL_EDECODE);
	free(b);
	msgpack_sbuffer_destroy(&sb);
	free(deep);
}

/* ---- UTF-8 ---- */

static void
test_utf8(void **state)
{
	static const struct {
		const char *s;
		size_t n;
		int ok;
	} cases[] = {
		{"", 0, 1},
		{"plain ascii", 11, 1},
		{"\xc3\xa9", 2, 1},                           /* é */
		{"\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97", 9, 1}, /* 中文字 */
		{"\xe5\x85\xac\xe5\x85\xb1\xe6\x95\xb0\xe6\x8d\xae", 12, 1}, /* 公共数据 */
		{"\xf0\x9f\x98\x80", 4, 1},                   /* U+1F600 */
		{"\xc2\x80", 2, 1},                           /* U+0080, smallest 2-byte */
		{"\xdf\xbf", 2, 1},                           /* U+07FF */
		{"\xe0\xa0\x80", 3, 1},                       /* U+0800, smallest 3-byte */
		{"\xed\x9f\xbf", 3, 1},                       /* U+D7FF, below the surrogates */
		{"\xee\x80\x80", 3, 1},                       /* U+E000, above them */
		{"\xef\xbf\xbf", 3, 1},                       /* U+FFFF */
		{"\xf0\x90\x80\x80", 4, 1},                   /* U+10000, smallest 4-byte */
		{"\xf4\x8f\xbf\xbf", 4, 1},                   /* U+10FFFF, the last code point */
		{"a\0b", 3, 0},                               /* NUL */
		{"\0", 1, 0},
		{"\xc0\x80", 2, 0},                           /* overlong NUL */
		{"\xc1\xbf", 2, 0},                           /* overlong U+007F */
		{"\xe0\x80\xaf", 3, 0},                       /* overlong '/' */
		{"\xe0\x9f\xbf", 3, 0},                       /* overlong U+07FF */
		{"\xf0\x80\x80\xaf", 4, 0},                   /* overlong '/' */
		{"\xf0\x8f\xbf\xbf", 4, 0},                   /* overlong U+FFFF */
		{"\xed\xa0\x80", 3, 0},                       /* U+D800 */
		{"\xed\xbf\xbf", 3, 0},                       /* U+DFFF */
		{"\xed\xa0\xbd\xed\xb8\x80", 6, 0},           /* CESU-8 surrogate pair */
		{"\xf4\x90\x80\x80", 4, 0},                   /* U+110000 */
		{"\xf7\xbf\xbf\xbf", 4, 0},                   /* U+1FFFFF */
		{"\xf8\x88\x80\x80\x80", 5, 0},               /* 5-byte form */
		{"\x80", 1, 0},                               /* lone continuation */
		{"\xbf", 1, 0},
		{"\xfe", 1, 0},
		{"\xff", 1, 0},
		{"\xe4\xb8", 2, 0},                           /* truncated 中 */
		{"\xe4", 1, 0},
		{"\xf0\x9f\x98", 3, 0},
		{"\xe4\x41\xad", 3, 0},                       /* bad continuation */
		{"ok\xc3", 3, 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = (char *)dup_exact(cases[i].s, cases[i].n);
		if (mp_utf8_valid(s, cases[i].n) != cases[i].ok)
			fail_msg("case %zu: expected %d", i, cases[i].ok);
		free(s);
	}
}

/* ---- field schemas ---- */

static const char *const colours[] = {"red", "green", NULL};
static const struct pdl_field sub_def[] = {
	{"x", F_UINT, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
static const struct pdl_field def[] = {
	{"name", F_STR, 0, 8, NULL},          /* 0 */
	{"note", F_TEXT, 1, 4, NULL},         /* 1 */
	{"id", F_ID, 0, 0, NULL},             /* 2 */
	{"count", F_UINT, 1, 100, NULL},      /* 3 */
	{"delta", F_INT, 1, 0, NULL},         /* 4 */
	{"flag", F_BOOL, 1, 0, NULL},         /* 5 */
	{"key", F_KEY, 1, 0, NULL},           /* 6 */
	{"digest", F_HEX32, 1, 0, NULL},      /* 7 */
	{"day", F_DATE, 1, 0, NULL},          /* 8 */
	{"month", F_PERIOD, 1, 0, NULL},      /* 9 */
	{"colour", F_ENUM, 1, 0, colours},    /* 10 */
	{"tags", F_STRS, 1, 2, NULL},         /* 11 */
	{"ids", F_IDS, 1, 0, NULL},           /* 12 */
	{"sub", F_MAP, 1, 0, sub_def},        /* 13 */
	{"any", F_ANYMAP, 1, 0, NULL},        /* 14 */
	{"days", F_DATES, 1, 0, NULL},        /* 15 */
	{NULL, 0, 0, 0, NULL},
};

static int
bind_mp(const struct pdl_field *d, const void *b, size_t n, struct pdl_fields *f, struct pdl_status *st,
        uint8_t **keep)
{
	*keep = dup_exact(b, n);
	struct mp_cur c = mp_cur_make(*keep, n);
	memset(st, 0, sizeof *st);
	int rc = pdl_fields_bind(d, &c, f, st, "body");
	if (rc == PDL_OK) {
		assert_ptr_equal(c.p, c.end);
		assert_ptr_equal(f->end, c.end);
	}
	assert_int_equal(st->err, rc);
	return rc;
}

/* Binds the msgpack form of JSON text j; *keep holds the bytes f points into. */
static int
bind_json(const struct pdl_field *d, const char *j, struct pdl_fields *f, struct pdl_status *st, uint8_t **keep)
{
	json_error_t je;
	json_t *v = json_loads(j, 0, &je);
	if (v == NULL)
		fail_msg("bad test JSON %s: %s", j, je.text);
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(pdl_json_to_mp(v, &pk, st), PDL_OK);
	json_decref(v);
	int rc = bind_mp(d, sb.data, sb.size, f, st, keep);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

#define BASE "\"name\":\"n\",\"id\":\"i\""

static void
expect_ok(const char *j)
{
	struct pdl_fields f;
	struct pdl_status st;
	uint8_t *keep;
	int rc = bind_json(def, j, &f, &st, &keep);
	if (rc != PDL_OK)
		fail_msg("%s: expected PDL_OK, got %s (%s)", j, pdl_strerror(rc), st.msg);
	free(keep);
}

/* PDL_EFIELD with a message that contains want (the field's path). */
static void
expect_field(const char *j, const char *want)
{
	struct pdl_fields f;
	struct pdl_status st;
	uint8_t *keep;
	int rc = bind_json(def, j, &f, &st, &keep);
	if (rc != PDL_EFIELD || strstr(st.msg, want) == NULL)
		fail_msg("%s: expected PDL_EFIELD naming %s, got %s (%s)", j, want, pdl_strerror(rc), st.msg);
	assert_string_equal(st.rule, "");
	free(keep);
}

/* Every field error of a map in one message, in the order met; a mistyped
 * value is skipped whole and the check goes on past it (issue 15). */
static void
test_fields_all_errors(void **state)
{
	struct pdl_fields f;
	struct pdl_status st;
	uint8_t *keep;
	(void)state;
	int rc = bind_json(def,
	                   "{\"zzz\":[1,{\"a\":2}],\"name\":5,\"count\":101,\"tags\":[\"a\",7],"
	                   "\"sub\":{\"y\":1},\"colour\":\"blue\"}",
	                   &f, &st, &keep);
	assert_int_equal(rc, PDL_EFIELD);
	assert_string_equal(st.msg, "8 field errors: body: unknown field \"zzz\"; body.name: expected a string; "
	                            "body.count: 101 is over the maximum 100; body.tags[1]: expected a string; "
	                            "body.sub: unknown field \"y\"; body.sub.x: missing field; body.colour: must be one "
	                            "of red|green; body.id: missing field");
	free(keep);

	/* what JSON cannot say: a duplicate and a key that is not a string */
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 5);
	mp_pack_cstr(&pk, "name");
	mp_pack_cstr(&pk, "a");
	mp_pack_cstr(&pk, "id");
	mp_pack_cstr(&pk, "i");
	mp_pack_cstr(&pk, "name");
	msgpack_pack_uint64(&pk, 5);
	mp_pack_cstr(&pk, "count");
	mp_pack_cstr(&pk, "x");
	msgpack_pack_uint64(&pk, 1);
	mp_pack_cstr(&pk, "a");
	assert_int_equal(bind_mp(def, sb.data, sb.size, &f, &st, &keep), PDL_EFIELD);
	assert_string_equal(st.msg, "3 field errors: body.name: duplicate field; body.count: expected a non-negative "
	                            "integer; body: keys must be strings");
	free(keep);
	msgpack_sbuffer_destroy(&sb);
}

/* More errors than the message holds: the rest are counted, not lost. */
static void
test_fields_errors_overflow(void **state)
{
	struct pdl_fields f;
	struct pdl_status st;
	uint8_t *keep;
	char j[4096];
	size_t o = 0;
	(void)state;
	o += (size_t)snprintf(j + o, sizeof j - o, "{" BASE);
	for (int i = 0; i < 60; i++)
		o += (size_t)snprintf(j + o, sizeof j - o, ",\"unknown_field_number_%02d\":%d", i, i);
	snprintf(j + o, sizeof j - o, "}");
	assert_int_equal(bind_json(def, j, &f, &st, &keep), PDL_EFIELD);
	assert_true(strncmp(st.msg, "60 field errors: body: unknown field \"unknown_field_number_00\"", 62) == 0);
	const char *more = strstr(st.msg, "; … and ");
	assert_non_null(more);
	unsigned shown = 0, dropped = 0;
	for (const char *p = st.msg; (p = strstr(p, "unknown field")) != NULL; p++)
		shown++;
	assert_int_equal(sscanf(more, "; … and %u more", &dropped), 1);
	assert_int_equal(shown + dropped, 60);
	assert_true(strlen(st.msg) < PDL_MSG_LEN_MAX);
	free(keep);
}

static void
test_fields_valid(void **state)
{
	struct key k;
	char j[2048], hex[65];
	uint8_t d[32];
	struct pdl_fields f;
	struct pdl_status st;
	uint8_t *keep;
	(void)state;
	seed_key(&k, 1);
	for (int i = 0; i < 32; i++)
		d[i] = (uint8_t)(i * 7);
	pdl_hex(d, 32, hex);
	snprintf(j, sizeof j,
	         "{\"name\":\"abc\",\"note\":\"\",\"id\":\"A.b_c-9\",\"count\":100,\"delta\":-5,\"flag\":true,"
	         "\"key\":\"%s\",\"digest\":\"%s\",\"day\":\"2024-02-29\",\"month\":\"2025-12\",\"colour\":\"green\","
	         "\"tags\":[\"t1\",\"t2\"],\"ids\":[\"a\",\"b\"],\"sub\":{\"x\":3},\"any\":{\"q\":[1,{}]},"
	         "\"days\":[\"2000-02-29\",\"2025-12-31\"]}",
	         k.b64, hex);
	assert_int_equal(bind_json(def, j, &f, &st, &keep), PDL_OK);
	for (unsigned i = 0; i < 16; i++)
		assert_true(pdl_fields_has(&f, i));
	char buf[16];
	assert_int_equal(pdl_fields_cstr(&f, 0, buf, sizeof buf), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(pdl_fields_cstr(&f, 1, buf, sizeof buf), 0);
	assert_int_equal(pdl_fields_uint(&f, 3), 100);
	assert_true(pdl_fields_int(&f, 4) == -5);
	assert_int_equal(pdl_fields_bool(&f, 5), 1);
	struct pdl_str s = pdl_fields_str(&f, 10);
	assert_true(mp_str_eq(s.p, s.n, "green"));
	/* cstr truncates to cap */
	assert_int_equal(pdl_fields_cstr(&f, 2, buf, 4), 3);
	assert_string_equal(buf, "A.b");
	free(keep);

	/* only the required fields; absent ones read as empty */
	assert_int_equal(bind_json(def, "{\"id\":\"x\",\"name\":\"12345678\"}", &f, &st, &keep), PDL_OK);
	assert_false(pdl_fields_has(&f, 3));
	assert_false(pdl_fields_has(&f, 99));
	assert_int_equal(pdl_fields_uint(&f, 3), 0);
	s = pdl_fields_str(&f, 1);
	assert_null(s.p);
	assert_int_equal(s.n, 0);
	assert_int_equal(pdl_fields_cur(&f, 4).err, PDL_ENOTFOUND);
	free(keep);

	expect_ok("{" BASE ",\"note\":\"abcd\"}");
	expect_ok("{" BASE "}");
	expect_ok("{" BASE ",\"count\":0}");
	expect_ok("{" BASE ",\"delta\":9223372036854775807}");
	expect_ok("{" BASE ",\"delta\":-9223372036854775808}");
	expect_ok("{" BASE ",\"tags\":[]}");
	expect_ok("{" BASE ",\"sub\":{\"x\":0}}");
	expect_ok("{" BASE ",\"any\":{}}");
	expect_ok("{\"name\":\"\xe4\xb8\xad\xe6\x96\x87\",\"id\":\"i\"}"); /* 6 bytes */
}

static void
test_fields_errors(void **state)
{
	char j[512], id[80];
	(void)state;
	/* unknown, missing */
	expect_field("{" BASE ",\"zzz\":1}", "unknown field \"zzz\"");
	expect_field("{\"name\":\"n\"}", "body.id: missing");
	expect_field("{\"id\":\"i\"}", "body.name: missing");
	expect_field("{}", "body.name: missing");
	expect_field("{" BASE ",\"sub\":{}}", "body.sub.x: missing");
	expect_field("{" BASE ",\"sub\":{\"x\":1,\"y\":2}}", "body.sub: unknown field \"y\"");
	/* wrong types */
	expect_field("{\"name\":5,\"id\":\"i\"}", "body.name: expected a string");
	expect_field("{\"name\":\"n\",\"id\":5}", "body.id");
	expect_field("{" BASE ",\"note\":null}", "body.note");
	expect_field("{" BASE ",\"count\":\"5\"}", "body.count: expected a non-negative integer");
	expect_field("{" BASE ",\"count\":-1}", "body.count: expected a non-negative integer");
	expect_field("{" BASE ",\"count\":101}", "body.count: 101 is over the maximum 100");
	expect_field("{" BASE ",\"delta\":\"x\"}", "body.delta: expected an integer");
	expect_field("{" BASE ",\"delta\":true}", "body.delta: expected an integer");
	expect_field("{" BASE ",\"flag\":1}", "body.flag: expected a boolean");
	expect_field("{" BASE ",\"tags\":\"x\"}", "body.tags: expected an array of strings");
	expect_field("{" BASE ",\"tags\":[1]}", "body.tags[0]: expected a string");
	expect_field("{" BASE ",\"tags\":[\"a\",\"b\",\"c\"]}", "body.tags: more than 2 entries");
	expect_field("{" BASE ",\"tags\":[\"\"]}", "body.tags");
	expect_field("{" BASE ",\"ids\":[\"ok\",\"not ok\"]}", "body.ids");
	expect_field("{" BASE ",\"sub\":[]}", "body.sub: expected a map");
	expect_field("{" BASE ",\"sub\":{\"x\":\"no\"}}", "body.sub.x");
	expect_field("{" BASE ",\"any\":1}", "body.any: expected a map");
	expect_field("{" BASE ",\"any\":[]}", "body.any: expected a map");
	expect_field("{" BASE ",\"colour\":1}", "body.colour");
	expect_field("{" BASE ",\"days\":[\"2025-02-29\"]}", "body.days");
	/* enum */
	expect_field("{" BASE ",\"colour\":\"blue\"}", "body.colour: must be one of red|green");
	expect_field("{" BASE ",\"colour\":\"Red\"}", "body.colour");
	expect_field("{" BASE ",\"colour\":\"\"}", "body.colour");
	/* id syntax */
	static const char *const bad_ids[] = {"", "a b", "a/b", "a:b", "\xc3\xa9", "a\\u0001", "tab\\t"};
	for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
		snprintf(j, sizeof j, "{\"name\":\"n\",\"id\":\"%s\"}", bad_ids[i]);
		expect_field(j, "body.id: an id is 1-64 characters");
	}
	memset(id, 'a', 64);
	id[64] = 0;
	snprintf(j, sizeof j, "{\"name\":\"n\",\"id\":\"%s\"}", id);
	expect_ok(j);
	id[64] = 'a';
	id[65] = 0;
	snprintf(j, sizeof j, "{\"name\":\"n\",\"id\":\"%s\"}", id);
	expect_field(j, "body.id");
	/* string lengths: name is 1..8 bytes, note 0..4 */
	expect_field("{\"name\":\"\",\"id\":\"i\"}", "body.name: string length 0 outside 1..8");
	expect_field("{\"name\":\"123456789\",\"id\":\"i\"}", "body.name: string length 9 outside 1..8");
	expect_field("{\"name\":\"\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97\",\"id\":\"i\"}", "body.name: string length 9");
	expect_field("{" BASE ",\"note\":\"abcde\"}", "body.note: string length 5");
}

static void
test_fields_key_hex(void **state)
{
	struct key k;
	char j[512], hex[80];
	uint8_t b[33];
	char b64[64];
	(void)state;
	seed_key(&k, 9);
	snprintf(j, sizeof j, "{" BASE ",\"key\":\"%s\"}", k.b64);
	expect_ok(j);
	/* one char short, one char altered to non-base64, 31 and 33 bytes */
	snprintf(j, sizeof j, "{" BASE ",\"key\":\"%.43s\"}", k.b64);
	expect_field(j, "body.key: not a base64 Ed25519 public key");
	snprintf(j, sizeof j, "{" BASE ",\"key\":\"*%s\"}", k.b64 + 1);
	expect_field(j, "body.key");
	memset(b, 0x11, sizeof b);
	pdl_b64(b, 31, b64);
	snprintf(j, sizeof j, "{" BASE ",\"key\":\"%s\"}", b64);
	expect_field(j, "body.key");
	pdl_b64(b, 33, b64);
	snprintf(j, sizeof j, "{" BASE ",\"key\":\"%s\"}", b64);
	expect_field(j, "body.key");
	snprintf(j, sizeof j, "{" BASE ",\"key\":\"\"}");
	expect_field(j, "body.key");

	pdl_hex(b, 32, hex);
	snprintf(j, sizeof j, "{" BASE ",\"digest\":\"%s\"}", hex);
	expect_ok(j);
	snprintf(j, sizeof j, "{" BASE ",\"digest\":\"%.63s\"}", hex);
	expect_field(j, "body.digest: not a lowercase hex SHA-256 digest");
	snprintf(j, sizeof j, "{" BASE ",\"digest\":\"%s0\"}", hex);
	expect_field(j, "body.digest");
	hex[10] = 'A';
	snprintf(j, sizeof j, "{" BASE ",\"digest\":\"%s\"}", hex);
	expect_field(j, "body.digest");
	hex[10] = 'g';
	snprintf(j, sizeof j, "{" BASE ",\"digest\":\"%s\"}", hex);
	expect_field(j, "body.digest");
}

static void
test_fields_dates(void **state)
{
	static const char *const good_days[] = {"2024-02-29", "2000-02-29", "2025-02-28", "2025-12-31",
	                                        "2025-01-31", "2025-04-30", "1970-01-01"};
	static const char *const bad_days[] = {"2025-02-29", "2100-02-29", "1900-02-29", "2025-04-31",
	                                       "2025-13-01", "2025-00-10", "2025-01-00", "2025-01-32",
	                                       "2025-1-01",  "2025/01/01", "2025-01-01x", "25-01-01",
	                                       "2025-01",    "",           "2025-0a-01", "abcd-01-01"};
	static const char *const good_periods[] = {"2025-02", "2024-12", "1970-01"};
	static const char *const bad_periods[] = {"2025-13", "2025-00", "2025-2", "2025-02-01", "202502", "",
	                                          "2025/02"};
	char j[256];
	(void)state;
	for (size_t i = 0; i < sizeof good_days / sizeof good_days[0]; i++) {
		snprintf(j, sizeof j, "{" BASE ",\"day\":\"%s\"}", good_days[i]);
		expect_ok(j);
	}
	for (size_t i = 0; i < sizeof bad_days / sizeof bad_days[0]; i++) {
		snprintf(j, sizeof j, "{" BASE ",\"day\":\"%s\"}", bad_days[i]);
		expect_field(j, "body.day: not a valid date YYYY-MM-DD");
	}
	for (size_t i = 0; i < sizeof good_periods / sizeof good_periods[0]; i++) {
		snprintf(j, sizeof j, "{" BASE ",\"month\":\"%s\"}", good_periods[i]);
		expect_ok(j);
	}
	for (size_t i = 0; i < sizeof bad_periods / sizeof bad_periods[0]; i++) {
		snprintf(j, sizeof j, "{" BASE ",\"month\":\"%s\"}", bad_periods[i]);
		expect_field(j, "body.month: not a valid period YYYY-MM");
	}
}

/* Cases JSON cannot express: duplicates, non-string keys, bad UTF-8, bin. */
static void
test_fields_raw(void **state)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct pdl_fields f;
	struct pdl_status st;
	uint8_t *keep;
	(void)state;

	/* duplicate field */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_pack_cstr(&pk, "name");
	mp_pack_cstr(&pk, "a");
	mp_pack_cstr(&pk, "id");
	mp_pack_cstr(&pk, "i");
	mp_pack_cstr(&pk, "name");
	mp_pack_cstr(&pk, "b");
	assert_int_equal(bind_mp(def, sb.data, sb.size, &f, &st, &keep), PDL_EFIELD);
	assert_non_null(strstr(st.msg, "body.name: duplicate field"));
	free(keep);
	msgpack_sbuffer_destroy(&sb);

	/* key is not a string */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_uint64(&pk, 1);
	mp_pack_cstr(&pk, "a");
	assert_int_equal(bind_mp(def, sb.data, sb.size, &f, &st, &keep), PDL_EFIELD);
	assert_non_null(strstr(st.msg, "body: keys must be strings"));
	free(keep);
	msgpack_sbuffer_destroy(&sb);

	/* not a map at all */
	assert_int_equal(bind_mp(def, "\x92\x01\x02", 3, &f, &st, &keep), PDL_EFIELD);
	assert_non_null(strstr(st.msg, "body: expected a map"));
	free(keep);

	/* invalid UTF-8 and NUL in a string field; bin where a string belongs */
	static const struct {
		const char *s;
		size_t n;
	} bad[] = {{"\xc0\x80", 2}, {"a\0b", 3}, {"\xed\xa0\x80", 3}, {"\xff", 1}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 2);
		mp_pack_cstr(&pk, "name");
		mp_pack_str(&pk, bad[i].s, bad[i].n);
		mp_pack_cstr(&pk, "id");
		mp_pack_cstr(&pk, "i");
		assert_int_equal(bind_mp(def, sb.data, sb.size, &f, &st, &keep), PDL_EFIELD);
		assert_non_null(strstr(st.msg, "body.name: not valid UTF-8"));
		free(keep);
		msgpack_sbuffer_destroy(&sb);
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	mp_pack_cstr(&pk, "name");
	mp_pack_bin(&pk, "ab", 2);
	mp_pack_cstr(&pk, "id");
	mp_pack_cstr(&pk, "i");
	assert_int_equal(bind_mp(def, sb.data, sb.size, &f, &st, &keep), PDL_EFIELD);
	assert_non_null(strstr(st.msg, "body.name: expected a string"));
	free(keep);
	msgpack_sbuffer_destroy(&sb);

	/* an unknown key with control characters is quoted safely */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	mp_pack_str(&pk, "a\"\n\\", 4);
	msgpack_pack_nil(&pk);
	assert_int_equal(bind_mp(def, sb.data, sb.size, &f, &st, &keep), PDL_EFIELD);
	assert_non_null(strstr(st.msg, "unknown field \"a???\""));
	free(keep);
	msgpack_sbuffer_destroy(&sb);

	/* F_STR with max 0 means 4096 bytes */
	static const struct pdl_field big[] = {{"s", F_STR, 0, 0, NULL}, {NULL, 0, 0, 0, NULL}};
	char *s = malloc(4097);
	assert_non_null(s);
	memset(s, 'z', 4097);
	for (size_t n = 4096; n <= 4097; n++) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 1);
		mp_pack_cstr(&pk, "s");
		mp_pack_str(&pk, s, n);
		int rc = bind_mp(big, sb.data, sb.size, &f, &st, &keep);
		assert_int_equal(rc, n == 4096 ? PDL_OK : PDL_EFIELD);
		if (rc != PDL_OK)
			assert_non_null(strstr(st.msg, "body.s: string length 4097 outside 1..4096"));
		free(keep);
		msgpack_sbuffer_destroy(&sb);
	}
	free(s);

	/* F_STRS elements are at most 1024 bytes */
	static const struct pdl_field strs[] = {{"l", F_STRS, 0, 0, NULL}, {NULL, 0, 0, 0, NULL}};
	char e[1025];
	memset(e, 'e', sizeof e);
	for (size_t n = 1024; n <= 1025; n++) {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 1);
		mp_pack_cstr(&pk, "l");
		msgpack_pack_array(&pk, 1);
		mp_pack_str(&pk, e, n);
		assert_int_equal(bind_mp(strs, sb.data, sb.size, &f, &st, &keep), n == 1024 ? PDL_OK : PDL_EFIELD);
		if (n == 1025)
			assert_non_null(strstr(st.msg, "body.l"));
		free(keep);
		msgpack_sbuffer_destroy(&sb);
	}

	/* a schema over PDL_FIELDS_MAX fields is a programming error, reported as such */
	struct pdl_field many[PDL_FIELDS_MAX + 2];
	static const char *const names[] = {"f0", "f1", "f2",  "f3",  "f4",  "f5",  "f6",  "f7", "f8",
	                                    "f9", "fa", "fb", "fc", "fd", "fe", "ff", "fg"};
	for (unsigned i = 0; i < PDL_FIELDS_MAX + 1; i++) {
		many[i].name = names[i];
		many[i].type = F_UINT;
		many[i].opt = 1;
		many[i].max = 0;
		many[i].sub = NULL;
	}
	many[PDL_FIELDS_MAX + 1].name = NULL;
	assert_int_equal(bind_mp(many, "\x80", 1, &f, &st, &keep), PDL_EINVAL);
	free(keep);
}

/* F_B64: base64 of at most max decoded bytes. */
static void
test_fields_b64(void **state)
{
	static const struct pdl_field blob[] = {{"blob", F_B64, 0, 4, NULL}, {NULL, 0, 0, 0, NULL}};
	static const struct {
		const char *s;
		int ok;
		int known_bug; /* accepted today though invalid */
	} cases[] = {
		{"AAAA", 1, 0},          /* 3 bytes */
		{"AAAAAA==", 1, 0},      /* 4 bytes */
		{"AAAAAAAAAAAA", 0, 0},  /* 9 bytes */
		{"AAAAAAAAAAA=", 0, 0},  /* 8 bytes */
		{"AAA", 0, 0},           /* not a multiple of 4 */
		{"AA*A", 0, 0},
		{"=AAA", 0, 0},
		{"A=AA", 0, 0},
		{"AAAAAAA=", 0, 1},      /* 5 bytes */
		{"AAAAAAAA", 0, 1},      /* 6 bytes */
		{"AA=A", 0, 1},          /* padding in the middle */
	};
	char j[128], bugs[256] = "";
	size_t o = 0;
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pdl_fields f;
		struct pdl_status st;
		uint8_t *keep;
		snprintf(j, sizeof j, "{\"blob\":\"%s\"}", cases[i].s);
		int rc = bind_json(blob, j, &f, &st, &keep);
		free(keep);
		if (cases[i].ok) {
			if (rc != PDL_OK)
				fail_msg("%s: expected PDL_OK, got %s (%s)", cases[i].s, pdl_strerror(rc), st.msg);
			continue;
		}
		if (rc == PDL_EFIELD) {
			assert_non_null(strstr(st.msg, "body.blob"));
			continue;
		}
		if (rc == PDL_OK && cases[i].known_bug) {
			o += (size_t)snprintf(bugs + o, sizeof bugs - o, " %s", cases[i].s);
			continue;
		}
		fail_msg("%s: expected PDL_EFIELD, got %s (%s)", cases[i].s, pdl_strerror(rc), st.msg);
	}
	if (o > 0) {
		print_message("KNOWN BUG: F_B64 with max 4 accepts%s\n", bugs);
		fail();
	}
}

/* pdl_unb64_var against libsodium's decoder (with the alphabet check pdl
 * puts in front of it) on random short strings over a small alphabet that
 * hits every padding and trailing-bits case: same verdict, same bytes. */
static int
unb64_sodium(const char *s, size_t len, uint8_t *out, size_t cap, size_t *n)
{
	const char *end = NULL;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/' && s[i] != '=')
			return PDL_EINVAL;
	if (sodium_base642bin(out, cap, s, len, NULL, n, &end, sodium_base64_VARIANT_ORIGINAL) != 0 || end != s + len)
		return PDL_EINVAL;
	return PDL_OK;
}

static void
test_unb64_vs_libsodium(void **state)
{
	static const char al[] = "AQgZaz09+/=.=\xc3";
	unsigned accepted = 0;
	(void)state;
	for (unsigned it = 0; it < 400000; it++) {
		char s[16];
		size_t len = randombytes_uniform(14), cap = randombytes_uniform(10), na = 99, nb = 99;
		uint8_t a[16], b[16];
		for (size_t i = 0; i < len; i++)
			s[i] = al[randombytes_uniform(sizeof al - 1)];
		int ra = pdl_unb64_var(s, len, a, cap, &na), rb = unb64_sodium(s, len, b, cap, &nb);
		if (ra != rb || (ra == PDL_OK && (na != nb || memcmp(a, b, na) != 0)))
			fail_msg("'%.*s' cap %zu: pdl %d (%zu bytes), libsodium %d (%zu bytes)", (int)len, s, cap, ra, na, rb, nb);
		accepted += ra == PDL_OK;
	}
	assert_true(accepted > 10000); /* the cases are not all refusals */
}

/* pdl_b64 (base/, written without libsodium since the layering keeps
 * libsodium in crypto/) against libsodium's encoder: every length from 0
 * to 300 bytes, random bytes, the same text and the same NUL-terminated
 * length, PDL_B64_LEN included. */
static void
test_b64_vs_libsodium(void **state)
{
	(void)state;
	for (size_t n = 0; n <= 300; n++) {
		for (int rep = 0; rep < 20; rep++) {
			uint8_t b[300];
			char a[PDL_B64_LEN(300)], c[sodium_base64_ENCODED_LEN(300, sodium_base64_VARIANT_ORIGINAL)];
			randombytes_buf(b, n);
			memset(a, 'x', sizeof a);
			pdl_b64(b, n, a);
			sodium_bin2base64(c, sizeof c, b, n, sodium_base64_VARIANT_ORIGINAL);
			assert_int_equal(pdl_b64_len(n), sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL));
			assert_int_equal(strlen(a) + 1, pdl_b64_len(n));
			assert_string_equal(a, c);
		}
	}
}

/* ---- entries ---- */

static const uint8_t act_stub[] = {0x81, 0xa1, 'v', 0x01};

/* outcome: 0 map, 1 array, 2 nil, 3 str, 4 truncated map */
static void
pack_entry(msgpack_sbuffer *sb, unsigned arity, size_t prev_len, size_t sig_len, int outcome, int trailing)
{
	msgpack_packer pk;
	uint8_t zero[80];
	memset(zero, 0x5a, sizeof zero);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, arity);
	msgpack_pack_uint64(&pk, 3);
	msgpack_pack_uint64(&pk, 1700000000000ull);
	mp_pack_bin(&pk, zero, prev_len);
	mp_pack_bin(&pk, act_stub, sizeof act_stub);
	mp_pack_bin(&pk, zero, sig_len);
	if (arity >= 6) {
		switch (outcome) {
		case 0:
			msgpack_pack_map(&pk, 1);
			mp_pack_cstr(&pk, "k");
			msgpack_pack_uint64(&pk, 1);
			break;
		case 1: msgpack_pack_array(&pk, 0); break;
		case 2: msgpack_pack_nil(&pk); break;
		case 3: mp_pack_cstr(&pk, "map"); break;
		default: raw(sb, "\x82\xa1k\x01", 4); break;
		}
	}
	if (arity >= 7)
		msgpack_pack_nil(&pk);
	if (trailing)
		raw_byte(sb, 0x00);
}

static int
decode_sb(const msgpack_sbuffer *sb, struct pdl_status *st)
{
	uint8_t *b = dup_exact(sb->data, sb->size);
	struct pdl_entry e;
	memset(st, 0, sizeof *st);
	int rc = pdl_entry_decode(b, sb->size, &e, st);
	free(b);
	return rc;
}

static void
test_entry_roundtrip(void **state)
{
	uint8_t prev[32], sig[64];
	static const uint8_t outcome[] = {0x82, 0xa3, 's', 'e', 'q', 0x05, 0xa1, 'x', 0xc0};
	(void)state;
	for (int i = 0; i < 32; i++)
		prev[i] = (uint8_t)(0xf0 ^ i);
	for (int i = 0; i < 64; i++)
		sig[i] = (uint8_t)(3 * i);
	static const uint64_t seqs[] = {0, 1, 127, 128, 65536, UINT64_MAX};
	for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
		for (int with_outcome = 0; with_outcome < 2; with_outcome++) {
			struct pdl_entry in = {
				.seq = seqs[i],
				.time_ms = 1700000000123ull + i,
				.act = act_stub,
				.act_len = sizeof act_stub,
				.sig = sig,
				.outcome = with_outcome ? outcome : NULL,
				.outcome_len = with_outcome ? sizeof outcome : 0,
			};
			memcpy(in.prev, prev, 32);
			msgpack_sbuffer sb;
			msgpack_sbuffer_init(&sb);
			pdl_entry_encode(&in, &sb);
			uint8_t *b = dup_exact(sb.data, sb.size);
			struct pdl_entry out;
			struct pdl_status st = {0};
			assert_int_equal(pdl_entry_decode(b, sb.size, &out, &st), PDL_OK);
			assert_true(out.seq == in.seq);
			assert_true(out.time_ms == in.time_ms);
			assert_memory_equal(out.prev, prev, 32);
			assert_int_equal(out.act_len, sizeof act_stub);
			assert_memory_equal(out.act, act_stub, sizeof act_stub);
			assert_true(out.act >= b && out.act + out.act_len <= b + sb.size);
			assert_memory_equal(out.sig, sig, 64);
			if (with_outcome) {
				assert_int_equal(out.outcome_len, sizeof outcome);
				assert_memory_equal(out.outcome, outcome, sizeof outcome);
			} else {
				assert_int_equal(out.outcome_len, 1);
				assert_int_equal(out.outcome[0], 0x80);
			}
			assert_ptr_equal(out.outcome + out.outcome_len, b + sb.size);
			/* re-encoding the decoded entry gives the same bytes */
			msgpack_sbuffer sb2;
			msgpack_sbuffer_init(&sb2);
			pdl_entry_encode(&out, &sb2);
			assert_int_equal(sb2.size, sb.size);
			assert_memory_equal(sb2.data, sb.data, sb.size);
			msgpack_sbuffer_destroy(&sb2);
			free(b);
			msgpack_sbuffer_destroy(&sb);
		}
	}
}

static void
test_entry_rejects(void **state)
{
	static const struct {
		unsigned arity;
		size_t prev, sig;
		int outcome, trailing;
		int rc;
		const char *msg;
	} cases[] = {
		{6, 32, 64, 0, 0, PDL_OK, ""},
		{5, 32, 64, 0, 0, PDL_EDECODE, "6-element array"},
		{7, 32, 64, 0, 0, PDL_EDECODE, "6-element array"},
		{6, 31, 64, 0, 0, PDL_EDECODE, "prev hash is not 32 bytes"},
		{6, 33, 64, 0, 0, PDL_EDECODE, "prev hash is not 32 bytes"},
		{6, 0, 64, 0, 0, PDL_EDECODE, "prev hash"},
		{6, 32, 63, 0, 0, PDL_EDECODE, "signature is not 64 bytes"},
		{6, 32, 65, 0, 0, PDL_EDECODE, "signature is not 64 bytes"},
		{6, 32, 64, 1, 0, PDL_EDECODE, "outcome is not a map"},
		{6, 32, 64, 2, 0, PDL_EDECODE, "outcome is not a map"},
		{6, 32, 64, 3, 0, PDL_EDECODE, "outcome is not a map"},
		{6, 32, 64, 4, 0, PDL_EDECODE, "outcome is not a map"},
		{6, 32, 64, 0, 1, PDL_EDECODE, "trailing bytes"},
	};
	struct pdl_status st;
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		msgpack_sbuffer sb;
		msgpack_sbuffer_init(&sb);
		pack_entry(&sb, cases[i].arity, cases[i].prev, cases[i].sig, cases[i].outcome, cases[i].trailing);
		int rc = decode_sb(&sb, &st);
		if (rc != cases[i].rc || (rc != PDL_OK && strstr(st.msg, cases[i].msg) == NULL))
			fail_msg("case %zu: got %s (%s)", i, pdl_strerror(rc), st.msg);
		msgpack_sbuffer_destroy(&sb);
	}

	/* field types: negative seq, str act, bin seq, a map instead of an array */
	uint8_t z[64] = {0};
	for (int k = 0; k < 4; k++) {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		if (k == 3)
			msgpack_pack_map(&pk, 3);
		else
			msgpack_pack_array(&pk, 6);
		if (k == 0)
			msgpack_pack_int64(&pk, -1);
		else if (k == 2)
			mp_pack_bin(&pk, z, 1);
		else
			msgpack_pack_uint64(&pk, 0);
		msgpack_pack_uint64(&pk, 0);
		mp_pack_bin(&pk, z, 32);
		if (k == 1)
			mp_pack_str(&pk, "act", 3);
		else
			mp_pack_bin(&pk, act_stub, sizeof act_stub);
		mp_pack_bin(&pk, z, 64);
		msgpack_pack_map(&pk, 0);
		assert_int_equal(decode_sb(&sb, &st), PDL_EDECODE);
		msgpack_sbuffer_destroy(&sb);
	}
	/* an act over 48 KiB inside an entry */
	{
		msgpack_sbuffer sb;
		msgpack_packer pk;
		uint8_t *big = calloc(1, PDL_ACT_BYTES_MAX + 1);
		assert_non_null(big);
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_array(&pk, 6);
		msgpack_pack_uint64(&pk, 0);
		msgpack_pack_uint64(&pk, 0);
		mp_pack_bin(&pk, z, 32);
		mp_pack_bin(&pk, big, PDL_ACT_BYTES_MAX + 1);
		mp_pack_bin(&pk, z, 64);
		msgpack_pack_map(&pk, 0);
		assert_int_equal(decode_sb(&sb, &st), PDL_EDECODE);
		assert_non_null(strstr(st.msg, "48 KiB"));
		free(big);
		msgpack_sbuffer_destroy(&sb);
	}
	/* empty input */
	{
		struct pdl_entry e;
		uint8_t *b = dup_exact("", 0);
		assert_int_equal(pdl_entry_decode(b, 0, &e, &st), PDL_EDECODE);
		free(b);
	}
}

/* ---- acts ---- */

/* A valid party.register act; extra is spliced in as more top-level JSON. */
static void
make_act(msgpack_sbuffer *sb, const char *top, const char *body)
{
	struct key k;
	char j[8192];
	json_error_t je;
	struct pdl_status st;
	seed_key(&k, 40);
	if (body == NULL)
		body = "";
	snprintf(j, sizeof j,
	         "{%s\"type\":\"party.register\",\"actor\":\"authority\",\"nonce\":17,\"body\":{\"id\":\"prov-1\","
	         "\"name\":\"Provider One\",\"uscc\":\"91110000000000001X\",\"roles\":[\"provider\",\"auditor\"],"
	         "\"public_key\":\"%s\"%s}}",
	         top ? top : "", k.b64, body);
	json_t *v = json_loads(j, 0, &je);
	if (v == NULL)
		fail_msg("bad test JSON: %s", je.text);
	msgpack_sbuffer_init(sb);
	assert_int_equal(pdl_json_act_to_mp(v, sb, &st), PDL_OK);
	json_decref(v);
}

static int
act_decode_sb(const msgpack_sbuffer *sb, struct pdl_status *st)
{
	uint8_t *b = dup_exact(sb->data, sb->size);
	uint8_t sig[64] = {0};
	struct pdl_act a;
	memset(st, 0, sizeof *st);
	int rc = pdl_act_decode(b, sb->size, sig, &a, st);
	free(b);
	return rc;
}

static void
test_act_decode(void **state)
{
	msgpack_sbuffer sb;
	struct pdl_status st;
	uint8_t sig[64];
	(void)state;
	memset(sig, 0x77, sizeof sig);

	make_act(&sb, NULL, NULL);
	uint8_t *b = dup_exact(sb.data, sb.size);
	struct pdl_act a;
	assert_int_equal(pdl_act_decode(b, sb.size, sig, &a, &st), PDL_OK);
	assert_ptr_equal(a.bytes, b);
	assert_int_equal(a.len, sb.size);
	assert_ptr_equal(a.sig, sig);
	assert_true(mp_str_eq(a.type, a.type_len, "party.register"));
	assert_true(mp_str_eq(a.actor, a.actor_len, "authority"));
	assert_int_equal(a.nonce, 17);
	assert_non_null(a.def);
	assert_string_equal(a.def->type, "party.register");
	assert_ptr_equal(a.def, pdl_rules_find("party.register", 14));
	uint8_t h[32];
	crypto_hash_sha256(h, b, sb.size);
	assert_memory_equal(a.hash, h, 32);
	assert_true(pdl_fields_has(&a.body, 0));
	struct pdl_str id = pdl_fields_str(&a.body, 0);
	assert_true(mp_str_eq(id.p, id.n, "prov-1"));
	free(b);
	msgpack_sbuffer_destroy(&sb);

	static const struct {
		const char *top, *body;
		int rc;
		const char *msg;
	} cases[] = {
		{"\"v\":2,", NULL, PDL_EVERSION, "version 2"},
		{"\"v\":0,", NULL, PDL_EVERSION, "version 0"},
		{"\"v\":-1,", NULL, PDL_EFIELD, "act.v"},
		{"\"v\":\"1\",", NULL, PDL_EFIELD, "act.v"},
		{"\"extra\":1,", NULL, PDL_EFIELD, "act: unknown field \"extra\""},
		{"\"sig\":\"x\",", NULL, PDL_EFIELD, "unknown field \"sig\""},
		{NULL, ",\"extra\":1", PDL_EFIELD, "body: unknown field \"extra\""},
		/* the envelope's and the body's errors together */
		{"\"extra\":1,", ",\"extra\":1,\"more\":2", PDL_EFIELD,
		 "3 field errors: act: unknown field \"extra\"; body: unknown field \"extra\"; body: unknown field \"more\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		make_act(&sb, cases[i].top, cases[i].body);
		int rc = act_decode_sb(&sb, &st);
		msgpack_sbuffer_destroy(&sb);
		if (rc != cases[i].rc || strstr(st.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: got %s (%s)", i, pdl_strerror(rc), st.msg);
	}

	/* JSON-free cases: type, actor, missing fields, trailing bytes, size */
	static const char *const json_cases[] = {
		"{\"type\":\"nope.nope\",\"actor\":\"a\",\"nonce\":1,\"body\":{}}",
		"{\"type\":\"ledger.genesis2\",\"actor\":\"a\",\"nonce\":1,\"body\":{}}",
		"{\"type\":\"party.suspend\",\"actor\":\"not an id\",\"nonce\":1,\"body\":{\"id\":\"x\",\"reason\":\"r\"}}",
		"{\"type\":\"party.suspend\",\"actor\":\"a\",\"nonce\":-1,\"body\":{\"id\":\"x\",\"reason\":\"r\"}}",
		"{\"type\":\"party.suspend\",\"actor\":\"a\",\"nonce\":1}",
		"{\"type\":\"party.suspend\",\"actor\":\"a\",\"nonce\":1,\"body\":[]}",
		"{\"type\":\"party.suspend\",\"actor\":\"a\",\"nonce\":1,\"body\":{\"id\":\"x\"}}",
		"{\"type\":\"party.suspend\",\"actor\":\"a\",\"nonce\":1,\"body\":{\"id\":\"x\",\"reason\":\"r\"}}",
		"{\"type\":\"\",\"actor\":\"a\",\"nonce\":1,\"body\":{}}",
	};
	static const int json_rc[] = {PDL_ETYPE, PDL_ETYPE, PDL_EFIELD, PDL_EFIELD, PDL_EFIELD,
	                              PDL_EFIELD, PDL_EFIELD, PDL_OK, PDL_EFIELD};
	static const char *const json_msg[] = {"unknown act type \"nope.nope\"", "unknown act type",
	                                       "act.actor", "act.nonce", "act.body: missing field",
	                                       "act.body: expected a map", "body.reason: missing field", "",
	                                       "act.type"};
	for (size_t i = 0; i < sizeof json_cases / sizeof json_cases[0]; i++) {
		json_error_t je;
		json_t *v = json_loads(json_cases[i], 0, &je);
		assert_non_null(v);
		msgpack_sbuffer_init(&sb);
		assert_int_equal(pdl_json_act_to_mp(v, &sb, &st), PDL_OK);
		json_decref(v);
		int rc = act_decode_sb(&sb, &st);
		if (rc != json_rc[i] || strstr(st.msg, json_msg[i]) == NULL)
			fail_msg("json case %zu: got %s (%s)", i, pdl_strerror(rc), st.msg);
		/* trailing bytes after any decodable act */
		if (rc == PDL_OK) {
			raw_byte(&sb, 0xc0);
			assert_int_equal(act_decode_sb(&sb, &st), PDL_EDECODE);
			assert_non_null(strstr(st.msg, "trailing bytes"));
		}
		msgpack_sbuffer_destroy(&sb);
	}

	/* type strings are at most 64 bytes */
	{
		char j[300], t[70];
		memset(t, 'a', 65);
		t[65] = 0;
		snprintf(j, sizeof j, "{\"type\":\"%s\",\"actor\":\"a\",\"nonce\":1,\"body\":{}}", t);
		json_error_t je;
		json_t *v = json_loads(j, 0, &je);
		msgpack_sbuffer_init(&sb);
		assert_int_equal(pdl_json_act_to_mp(v, &sb, &st), PDL_OK);
		json_decref(v);
		assert_int_equal(act_decode_sb(&sb, &st), PDL_EFIELD);
		assert_non_null(strstr(st.msg, "act.type"));
		msgpack_sbuffer_destroy(&sb);
	}

	/* over 48 KiB: refused before any parsing, even if well formed */
	{
		make_act(&sb, NULL, NULL);
		size_t n = PDL_ACT_BYTES_MAX + 1;
		uint8_t *big = calloc(1, n);
		assert_non_null(big);
		memcpy(big, sb.data, sb.size);
		struct pdl_act a2;
		assert_int_equal(pdl_act_decode(big, n, sig, &a2, &st), PDL_ETOOBIG);
		assert_int_equal(st.err, PDL_ETOOBIG);
		/* at exactly the limit it is parsed: here the padding is trailing bytes */
		assert_int_equal(pdl_act_decode(big, n - 1, sig, &a2, &st), PDL_EDECODE);
		free(big);
		msgpack_sbuffer_destroy(&sb);

		/* a real act whose encoding is over the limit */
		char *reason = malloc(PDL_ACT_BYTES_MAX + 1);
		assert_non_null(reason);
		memset(reason, 'r', PDL_ACT_BYTES_MAX);
		reason[PDL_ACT_BYTES_MAX] = 0;
		json_t *v = json_pack("{s:s,s:s,s:i,s:{s:s,s:s}}", "type", "party.suspend", "actor", "a", "nonce", 1,
		                      "body", "id", "x", "reason", reason);
		assert_non_null(v);
		msgpack_sbuffer_init(&sb);
		assert_int_equal(pdl_json_act_to_mp(v, &sb, &st), PDL_OK);
		json_decref(v);
		free(reason);
		assert_true(sb.size > PDL_ACT_BYTES_MAX);
		assert_int_equal(act_decode_sb(&sb, &st), PDL_ETOOBIG);
		msgpack_sbuffer_destroy(&sb);
	}
}

static void
test_act_sign_verify(void **state)
{
	struct key k, other;
	msgpack_sbuffer sb;
	struct pdl_status st;
	uint8_t sig[64], lid[32], lid2[32];
	(void)state;
	seed_key(&k, 100);
	seed_key(&other, 101);
	for (int i = 0; i < 32; i++)
		lid[i] = (uint8_t)(0xa0 + i);
	memcpy(lid2, lid, 32);
	lid2[0] ^= 0x80;

	/* a small act (stack path in pdl_act_verify) and one over 1 KiB (heap path) */
	for (int big = 0; big < 2; big++) {
		char reason[2000];
		size_t rn = big ? 1024 : 5;
		memset(reason, 'r', rn);
		reason[rn] = 0;
		json_t *v = json_pack("{s:s,s:s,s:i,s:{s:s,s:s}}", "type", "party.suspend", "actor", "authority",
		                      "nonce", 3, "body", "id", "x", "reason", reason);
		msgpack_sbuffer_init(&sb);
		assert_int_equal(pdl_json_act_to_mp(v, &sb, &st), PDL_OK);
		json_decref(v);
		assert_true(big ? sb.size > 1024 : sb.size + PDL_ACT_SIG_HEAD_BYTES < 1024);
		uint8_t *b = dup_exact(sb.data, sb.size);
		pdl_act_sign(lid, b, sb.size, &k.k, sig);
		struct pdl_act a;
		assert_int_equal(pdl_act_decode(b, sb.size, sig, &a, &st), PDL_OK);
		assert_int_equal(pdl_act_verify(lid, a.bytes, a.len, a.sig, &k.k.pk), PDL_OK);
		assert_int_equal(pdl_act_verify(lid, a.bytes, a.len, a.sig, &other.k.pk), PDL_EBADSIG);
		/* the signature names the ledger: another id, or the genesis zeros, fails */
		assert_int_equal(pdl_act_verify(lid2, a.bytes, a.len, a.sig, &k.k.pk), PDL_EBADSIG);
		assert_int_equal(pdl_act_verify(pdl_ledger_id_genesis, a.bytes, a.len, a.sig, &k.k.pk), PDL_EBADSIG);

		/* the signature is over the domain, not the bare act, nor the old
		 * domain without a ledger ("pdl/act/v1\n" ‖ act) */
		uint8_t bare[64];
		crypto_sign_detached(bare, NULL, b, sb.size, k.sk);
		a.sig = bare;
		assert_int_equal(pdl_act_verify(lid, a.bytes, a.len, a.sig, &k.k.pk), PDL_EBADSIG);
		uint8_t *v1 = malloc(11 + sb.size);
		assert_non_null(v1);
		memcpy(v1, "pdl/act/v1\n", 11);
		memcpy(v1 + 11, b, sb.size);
		crypto_sign_detached(bare, NULL, v1, 11 + sb.size, k.sk);
		free(v1);
		assert_int_equal(pdl_act_verify(lid, a.bytes, a.len, a.sig, &k.k.pk), PDL_EBADSIG);

		/* any flipped signature byte */
		uint8_t bad[64];
		for (int i = 0; i < 64; i++) {
			memcpy(bad, sig, 64);
			bad[i] ^= 0x01;
			a.sig = bad;
			assert_int_equal(pdl_act_verify(lid, a.bytes, a.len, a.sig, &k.k.pk), PDL_EBADSIG);
		}
		/* a flipped act byte (keeping a.sig) */
		a.sig = sig;
		uint8_t *m = dup_exact(b, sb.size);
		for (size_t i = 0; i < sb.size; i += 7) {
			m[i] ^= 0x20;
			a.bytes = m;
			assert_int_equal(pdl_act_verify(lid, a.bytes, a.len, a.sig, &k.k.pk), PDL_EBADSIG);
			m[i] ^= 0x20;
		}
		a.bytes = m;
		assert_int_equal(pdl_act_verify(lid, a.bytes, a.len, a.sig, &k.k.pk), PDL_OK);
		/* many at once: each answer pdl_act_verify's (good ones, another key,
		 * a flipped signature byte, a flipped act byte, enough of them for
		 * the key to get its table), and under another ledger id none */
		enum { NC = 40 };
		struct pdl_act_check c[NC];
		uint8_t badsig[64], *badact = dup_exact(b, sb.size);
		memcpy(badsig, sig, 64);
		badsig[9] ^= 4;
		badact[sb.size / 2] ^= 1;
		for (int i = 0; i < NC; i++) {
			int kind = i % 4; /* 0 good, 1 other key, 2 bad signature, 3 bad act */
			c[i] = (struct pdl_act_check){.act = kind == 3 ? badact : b,
			                              .len = sb.size,
			                              .sig = kind == 2 ? badsig : sig,
			                              .pk = kind == 1 ? &other.k.pk : &k.k.pk,
			                              .rc = 99};
		}
		for (int pass = 0; pass < 2; pass++) { /* the second with the key's table */
			pdl_act_verify_many(lid, c, NC);
			for (int i = 0; i < NC; i++) {
				assert_int_equal(c[i].rc, i % 4 == 0 ? PDL_OK : PDL_EBADSIG);
				assert_int_equal(c[i].rc, pdl_act_verify(lid, c[i].act, c[i].len, c[i].sig, c[i].pk));
			}
		}
		pdl_act_verify_many(lid2, c, NC);
		for (int i = 0; i < NC; i++)
			assert_int_equal(c[i].rc, PDL_EBADSIG);
		pdl_act_verify_many(lid, c, 0); /* nothing to check */
		free(badact);
		/* signing is deterministic (Ed25519) */
		uint8_t sig2[64];
		pdl_act_sign(lid, b, sb.size, &k.k, sig2);
		assert_memory_equal(sig, sig2, 64);
		/* and is libsodium's signature over pdl_act_signed_bytes */
		size_t cap = PDL_ACT_SIG_HEAD_BYTES + sb.size;
		uint8_t *sm = malloc(cap);
		assert_non_null(sm);
		assert_int_equal(pdl_act_signed_bytes(lid, b, sb.size, sm, cap - 1), 0); /* one short */
		assert_int_equal(pdl_act_signed_bytes(lid, b, sb.size, sm, cap), cap);
		assert_int_equal(crypto_sign_verify_detached(sig, sm, cap, k.pk), 0);
		free(sm);
		free(m);
		free(b);
		msgpack_sbuffer_destroy(&sb);
	}
}

/* The signed bytes of an act, pinned (spec/formats.md §1.6 prints the same
 * example): the 81-byte party.suspend act of §1.5 for the ledger whose id
 * is 00 01 … 1f is "pdl/act/v2\n" ‖ id ‖ act, 124 bytes; with the key of
 * seed 32 × 0x07 its signature is the one below. */
static void
test_act_signed_bytes(void **state)
{
	(void)state;
	static const char act_hex[] =
		"85a17601a474797065ad70617274792e73757370656e64a56163746f72a9617574686f72697479"
		"a56e6f6e636516a4626f647982a26964a56465762d31a6726561736f6eac6c617465207265706f727473";
	uint8_t act[81], lid[32], out[200], seed[32], pk[32], sk[64], sig[64];
	assert_int_equal(pdl_unhex(act_hex, strlen(act_hex), act, sizeof act), PDL_OK);
	for (int i = 0; i < 32; i++)
		lid[i] = (uint8_t)i;
	/* the act is the JSON example's encoding */
	json_t *j = json_loads("{\"type\":\"party.suspend\",\"actor\":\"authority\",\"nonce\":22,"
	                       "\"body\":{\"id\":\"dev-1\",\"reason\":\"late reports\"}}", 0, NULL);
	msgpack_sbuffer sb;
	struct pdl_status st;
	msgpack_sbuffer_init(&sb);
	assert_int_equal(pdl_json_act_to_mp(j, &sb, &st), PDL_OK);
	json_decref(j);
	assert_int_equal(sb.size, sizeof act);
	assert_memory_equal(sb.data, act, sizeof act);
	msgpack_sbuffer_destroy(&sb);

	size_t n = pdl_act_signed_bytes(lid, act, sizeof act, out, sizeof out);
	assert_int_equal(n, 124);
	assert_int_equal(PDL_ACT_SIG_HEAD_BYTES, 43);
	assert_memory_equal(out, "pdl/act/v2\n", 11);
	assert_memory_equal(out + 11, lid, 32);
	assert_memory_equal(out + 43, act, sizeof act);
	char hex[2 * 124 + 1];
	pdl_hex(out, n, hex);
	assert_string_equal(hex, "70646c2f6163742f76320a"
	                         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	                         "85a17601a474797065ad70617274792e73757370656e64a56163746f72a9617574686f72697479"
	                         "a56e6f6e636516a4626f647982a26964a56465762d31a6726561736f6eac6c617465207265706f727473");
	memset(seed, 7, sizeof seed);
	crypto_sign_seed_keypair(pk, sk, seed);
	struct pdl_seckey k;
	assert_int_equal(pdl_seckey_open(&k, &pdl_suite_ed25519_sha256, seed), PDL_OK);
	pdl_act_sign(lid, act, sizeof act, &k, sig);
	pdl_seckey_wipe(&k);
	char sighex[129], pkhex[65];
	pdl_hex(sig, 64, sighex);
	pdl_hex(pk, 32, pkhex);
	/* the same values from Python's cryptography (OpenSSL's Ed25519) */
	assert_string_equal(pkhex, "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c");
	assert_string_equal(sighex, "7068b0b8d2b0e5c020e839510b261d44bfef678fbd71418e257e629c74257055"
	                            "404d47e878d64fb98cce58dec2577374d5520865411e4ccfca58e8933faa6b0e");
}

/* ---- truncations and random mutations ---- */

static void
make_entry_of(msgpack_sbuffer *eb, const msgpack_sbuffer *act)
{
	uint8_t prev[32], sig[64];
	static const uint8_t outcome[] = {0x82, 0xa3, 's', 'e', 'q', 0x05, 0xa1, 'x', 0x92, 0x01, 0xa1, 'y'};
	memset(prev, 0x11, sizeof prev);
	memset(sig, 0x22, sizeof sig);
	struct pdl_entry e = {
		.seq = 5,
		.time_ms = 1700000000000ull,
		.act = (const uint8_t *)act->data,
		.act_len = act->size,
		.sig = sig,
		.outcome = outcome,
		.outcome_len = sizeof outcome,
	};
	memcpy(e.prev, prev, 32);
	msgpack_sbuffer_init(eb);
	pdl_entry_encode(&e, eb);
}

static void
test_truncations(void **state)
{
	msgpack_sbuffer act, ent, nested;
	struct pdl_status st;
	(void)state;
	make_act(&act, NULL, NULL);
	make_entry_of(&ent, &act);
	msgpack_sbuffer_init(&nested);
	pack_nested(&nested);

	/* the whole values decode */
	assert_int_equal(act_decode_sb(&act, &st), PDL_OK);
	assert_int_equal(decode_sb(&ent, &st), PDL_OK);

	for (size_t n = 0; n < nested.size; n++) {
		uint8_t *b = dup_exact(nested.data, n);
		struct mp_cur c = mp_cur_make(b, n);
		if (mp_skip(&c) != PDL_EDECODE)
			fail_msg("nested value: prefix %zu of %zu skipped", n, nested.size);
		free(b);
	}
	for (size_t n = 0; n < ent.size; n++) {
		uint8_t *b = dup_exact(ent.data, n);
		struct pdl_entry e;
		int rc = pdl_entry_decode(b, n, &e, &st);
		if (rc != PDL_EDECODE)
			fail_msg("entry: prefix %zu of %zu gave %s", n, ent.size, pdl_strerror(rc));
		free(b);
	}
	msgpack_sbuffer_destroy(&act);
	msgpack_sbuffer_destroy(&ent);
	msgpack_sbuffer_destroy(&nested);
}

static void
test_act_truncations(void **state)
{
	msgpack_sbuffer act;
	struct pdl_status st;
	uint8_t sig[64] = {0};
	(void)state;
	make_act(&act, NULL, NULL);
	assert_int_equal(act_decode_sb(&act, &st), PDL_OK);

	/* KNOWN BUG (mp.c, pdl_fields_bind/check_value): a prefix that
	 * ends exactly where a key or value should start gives PDL_EFIELD
	 * ("expected a map", "keys must be strings", "expected a string"),
	 * because mp_peek reports MP_NONE at the end without setting cur->err.
	 * Those prefixes are collected; any other outcome but PDL_EDECODE fails
	 * here, and once the bug is fixed the test passes instead of skipping. */
	char eof_bug[512] = "";
	size_t eof_n = 0, o = 0;
	for (size_t n = 0; n < act.size; n++) {
		uint8_t *b = dup_exact(act.data, n);
		struct pdl_act a;
		int rc = pdl_act_decode(b, n, sig, &a, &st);
		free(b);
		if (rc == PDL_EDECODE)
			continue;
		if (rc == PDL_EFIELD && (strstr(st.msg, "expected") != NULL || strstr(st.msg, "keys must be") != NULL)) {
			eof_n++;
			if (o < sizeof eof_bug - 8)
				o += (size_t)snprintf(eof_bug + o, sizeof eof_bug - o, " %zu", n);
			continue;
		}
		fail_msg("act: prefix %zu of %zu gave %s (%s)", n, act.size, pdl_strerror(rc), st.msg);
	}
	msgpack_sbuffer_destroy(&act);
	if (eof_n > 0) {
		print_message("KNOWN BUG: %zu act prefixes ending on a key/value boundary give PDL_EFIELD, "
		              "not PDL_EDECODE (lengths:%s)\n",
		              eof_n, eof_bug);
		fail();
	}
}

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* xorshift64*: deterministic across runs and platforms */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

#define FUZZ_ROUNDS 20000u
#define FUZZ_SLACK 64u /* bytes a mutant may grow by */

static void
test_random_mutations(void **state)
{
	static const uint8_t interesting[] = {0x00, 0x01, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
	                                      0xc1, 0xc4, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcf, 0xd3, 0xd8,
	                                      0xd9, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff};
	msgpack_sbuffer act, ent;
	struct pdl_status st;
	uint8_t sig[64] = {0};
	unsigned ok[2] = {0, 0}, refused[2] = {0, 0};
	(void)state;
	make_act(&act, NULL, NULL);
	make_entry_of(&ent, &act);
	rng_state = 0x9e3779b97f4a7c15ull;

	uint8_t *work = malloc(ent.size + FUZZ_SLACK);
	assert_non_null(work);
	for (unsigned round = 0; round < FUZZ_ROUNDS; round++) {
		int is_entry = round & 1;
		const msgpack_sbuffer *base = is_entry ? &ent : &act;
		size_t n = base->size;
		memcpy(work, base->data, n);
		unsigned ops = 1 + (unsigned)(rng() % 4);
		for (unsigned o = 0; o < ops; o++) {
			size_t pos = n ? (size_t)(rng() % n) : 0;
			switch (rng() % 6) {
			case 0: /* flip a bit */
				if (n)
					work[pos] ^= (uint8_t)(1u << (rng() % 8));
				break;
			case 1: /* set a byte to a msgpack marker */
				if (n)
					work[pos] = interesting[rng() % sizeof interesting];
				break;
			case 2: /* random byte */
				if (n)
					work[pos] = (uint8_t)rng();
				break;
			case 3: /* truncate */
				n = pos;
				break;
			case 4: /* insert a byte */
				if (n < base->size + FUZZ_SLACK) {
					memmove(work + pos + 1, work + pos, n - pos);
					work[pos] = (rng() & 1) ? (uint8_t)rng() : interesting[rng() % sizeof interesting];
					n++;
				}
				break;
			default: /* delete a byte */
				if (n) {
					memmove(work + pos, work + pos + 1, n - pos - 1);
					n--;
				}
				break;
			}
		}
		uint8_t *b = dup_exact(work, n);
		int rc;
		memset(&st, 0, sizeof st);
		if (is_entry) {
			struct pdl_entry e;
			rc = pdl_entry_decode(b, n, &e, &st);
			if (rc == PDL_OK) {
				assert_true(e.act >= b && e.act + e.act_len <= b + n);
				assert_true(e.outcome >= b && e.outcome + e.outcome_len == b + n);
				/* the act inside a mutated entry goes through the act decoder too */
				struct pdl_act a;
				int arc = pdl_act_decode(e.act, e.act_len, e.sig, &a, &st);
				assert_true(arc <= 0 && arc >= PDL_EVERSION);
			}
		} else {
			struct pdl_act a;
			rc = pdl_act_decode(b, n, sig, &a, &st);
			if (rc == PDL_OK) {
				assert_ptr_equal(a.bytes, b);
				assert_int_equal(a.len, n);
				assert_non_null(a.def);
			}
		}
		if (!(rc <= 0 && rc >= PDL_EVERSION))
			fail_msg("round %u: decoder returned %d", round, rc);
		if (rc != PDL_OK)
			assert_int_equal(st.err, rc);
		(rc == PDL_OK ? ok : refused)[is_entry]++;
		free(b);
	}
	/* both outcomes happen for both decoders, so the mutations were neither all fatal nor all harmless */
	assert_true(ok[0] > 0 && ok[1] > 0);
	assert_true(refused[0] > FUZZ_ROUNDS / 4 && refused[1] > 0);
	free(work);
	msgpack_sbuffer_destroy(&act);
	msgpack_sbuffer_destroy(&ent);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint_widths),
		cmocka_unit_test(test_int_widths),
		cmocka_unit_test(test_uint_rejects_negative),
		cmocka_unit_test(test_sticky_error),
		cmocka_unit_test(test_nil_bool_peek),
		cmocka_unit_test(test_str_widths),
		cmocka_unit_test(test_bin_widths),
		cmocka_unit_test(test_array_map_widths),
		cmocka_unit_test(test_counts_over_input),
		cmocka_unit_test(test_skip_nested),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_fields_valid),
		cmocka_unit_test(test_fields_errors),
		cmocka_unit_test(test_fields_all_errors),
		cmocka_unit_test(test_fields_errors_overflow),
		cmocka_unit_test(test_fields_key_hex),
		cmocka_unit_test(test_fields_dates),
		cmocka_unit_test(test_fields_raw),
		cmocka_unit_test(test_fields_b64),
		cmocka_unit_test(test_unb64_vs_libsodium),
		cmocka_unit_test(test_b64_vs_libsodium),
		cmocka_unit_test(test_entry_roundtrip),
		cmocka_unit_test(test_entry_rejects),
		cmocka_unit_test(test_act_decode),
		cmocka_unit_test(test_act_sign_verify),
		cmocka_unit_test(test_act_signed_bytes),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_act_truncations),
		cmocka_unit_test(test_random_mutations),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
