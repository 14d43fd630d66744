/*
 * test_sha256.c — both block functions of sha256.c against the FIPS 180-4
 * examples and against libsodium on every length up to several blocks,
 * fed whole and in random pieces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "sha256.h"

#define DIFF_LEN_MAX 1100u /* lengths 0..this: every padding case over many blocks */

static void hex32(const uint8_t d[32], char out[65])
{
	static const char x[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[64] = '\0';
}

static void expect(const void *data, size_t len, const char *want)
{
	uint8_t d[32];
	char h[65];

	pdl_sha256(d, data, len);
	hex32(d, h);
	assert_string_equal(h, want);
}

static void fips_vectors(void)
{
	expect("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expect("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	expect("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	expect("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	       112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

	/* one million 'a', fed in uneven pieces */
	pdl_sha256_ctx s;
	uint8_t d[32], a[997];
	char h[65];
	memset(a, 'a', sizeof a);
	pdl_sha256_init(&s);
	size_t left = 1000000;
	while (left > 0) {
		size_t n = left < sizeof a ? left : sizeof a;
		pdl_sha256_update(&s, a, n);
		left -= n;
	}
	pdl_sha256_final(&s, d);
	hex32(d, h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void against_libsodium(void)
{
	uint8_t *buf = malloc(DIFF_LEN_MAX);
	assert_non_null(buf);
	randombytes_buf(buf, DIFF_LEN_MAX);

	for (size_t len = 0; len <= DIFF_LEN_MAX; len++) {
		uint8_t want[32], got[32];
		crypto_hash_sha256(want, buf, len);

		pdl_sha256(got, buf, len);
		assert_memory_equal(got, want, 32);

		/* the same bytes in random pieces, some empty */
		pdl_sha256_ctx s;
		pdl_sha256_init(&s);
		size_t off = 0;
		while (off < len) {
			size_t n = randombytes_uniform(130);
			if (n > len - off)
				n = len - off;
			pdl_sha256_update(&s, buf + off, n);
			off += n;
		}
		pdl_sha256_final(&s, got);
		assert_memory_equal(got, want, 32);
	}

	/* in place: out aliases the input */
	uint8_t io[32], want[32];
	memcpy(io, buf, 32);
	crypto_hash_sha256(want, io, 32);
	pdl_sha256(io, io, 32);
	assert_memory_equal(io, want, 32);
	free(buf);
}

static void portable_fips(void **st)
{
	(void)st;
	pdl_sha256_force_portable(1);
	assert_string_equal(pdl_sha256_impl(), "portable");
	fips_vectors();
	pdl_sha256_force_portable(0);
}

static void portable_diff(void **st)
{
	(void)st;
	pdl_sha256_force_portable(1);
	against_libsodium();
	pdl_sha256_force_portable(0);
}

/* The CPU's choice: SHA-NI on machines that have it (this project's), else
 * the same portable code again. */
static void cpu_fips(void **st)
{
	(void)st;
	print_message("sha256 block function: %s\n", pdl_sha256_impl());
	fips_vectors();
}

static void cpu_diff(void **st)
{
	(void)st;
	against_libsodium();
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(portable_fips),
		cmocka_unit_test(portable_diff),
		cmocka_unit_test(cpu_fips),
		cmocka_unit_test(cpu_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
