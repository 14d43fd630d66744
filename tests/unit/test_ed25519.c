/*
 * test_ed25519.c — crypto/ed25519.c against libsodium: the base point's
 * table against crypto_scalarmult_ed25519_base_noclamp, and
 * pdl_ed25519_verify's answer against crypto_sign_verify_detached for
 * good signatures, every single-bit change of them, non-canonical s,
 * a small-order R made to satisfy the equation, keys with a torsion
 * component, random bytes, more keys than a thread's cache holds, and
 * many checks at once (pdl_verify_many) — with the counters showing which
 * answers the tables gave.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "crypto.h"
#include "ed25519.h"

/* L, the group order; a point of order 8 (libsodium's list) */
static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                              0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
static const uint8_t t8[32] = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
                               0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};

static int
setup(void **state)
{
	(void)state;
	return pdl_crypto_init() == PDL_OK ? 0 : -1;
}

/* libsodium's answer and ours, which must agree; returns libsodium's */
static int
both(const uint8_t sig[64], const uint8_t *m, size_t n, const uint8_t pk[32])
{
	int want = crypto_sign_verify_detached(sig, m, n, pk) == 0 ? 0 : -1;
	int got = pdl_ed25519_verify(sig, m, n, pk);
	if (got != want)
		fail_msg("pdl_ed25519_verify says %d, libsodium %d (message of %zu bytes)", got, want, n);
	return want;
}

static void
stats(struct pdl_ed25519_stats *s)
{
	pdl_ed25519_stats(s);
}

/* ---- the base point's table ---- */

static void
base_mul_one(const uint8_t a[32])
{
	uint8_t want[32], got[32];
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(want, a), 0);
	pdl_ed25519_base_mul_for_tests(got, a);
	assert_memory_equal(got, want, 32);
}

/* a scalar of 31 bytes fill and a last byte top */
static void
base_mul_filled(uint8_t fill, uint8_t top)
{
	uint8_t a[32];
	memset(a, fill, sizeof a);
	a[31] = top;
	base_mul_one(a);
}

static void
base_mul(void **state)
{
	(void)state;
	uint8_t a[32] = {0}, wide[64];
	a[0] = 1; /* B itself */
	base_mul_one(a);
	a[0] = 8;
	base_mul_one(a);
	/* L - 1, 2^252, and every digit 0xf (recoding's carries) */
	uint8_t lm1[32];
	memcpy(lm1, L, 32);
	lm1[0]--;
	base_mul_one(lm1);
	base_mul_filled(0, 0x10);
	base_mul_filled(0xff, 0x0f);
	/* radix-256 digits at their ends: 128 (no carry), 129 (-127, carry),
	 * 255 + carry (0, carry) up to a top digit of 128 */
	base_mul_filled(0x80, 0x7f);
	base_mul_filled(0x81, 0x7f);
	base_mul_filled(0xff, 0x7f);
	for (int i = 0; i < 32; i++)
		a[i] = (uint8_t)(i % 2 ? 0x80 : 0x7f);
	a[31] &= 0x7f;
	base_mul_one(a);
	for (int i = 0; i < 500; i++) {
		randombytes_buf(wide, sizeof wide);
		crypto_core_ed25519_scalar_reduce(a, wide);
		base_mul_one(a);
	}
}

/* ---- signatures ---- */

struct key {
	uint8_t pk[32], sk[64];
};

static void
key_new(struct key *k)
{
	crypto_sign_keypair(k->pk, k->sk);
}

/* n keys of which no two share a slot of the per-thread table cache
 * (crypto/ed25519.c: direct-mapped on the key's first bytes, 64 slots, so
 * on pk[0] mod 64): with random keys two of twelve share one about two
 * times in three, and then only one of them gets a table. */
static void
keys_apart(struct key *k, int n)
{
	for (int i = 0; i < n; i++) {
		int clash;
		do {
			key_new(&k[i]);
			clash = 0;
			for (int j = 0; j < i; j++)
				clash |= (k[j].pk[0] & 63) == (k[i].pk[0] & 63);
		} while (clash);
	}
}

static void
good_signatures(void **state)
{
	(void)state;
	struct key k;
	uint8_t m[300], sig[64];
	struct pdl_ed25519_stats a, b;
	key_new(&k);
	stats(&a);
	for (size_t i = 0; i < 200; i++) {
		size_t n = i % sizeof m;
		randombytes_buf(m, n);
		crypto_sign_detached(sig, NULL, m, n, k.sk);
		assert_int_equal(both(sig, m, n, k.pk), 0);
	}
	stats(&b);
	/* two answers from libsodium, then a table: the rest from it */
	assert_int_equal(b.built - a.built, 1);
	assert_int_equal(b.slow - a.slow, 2);
	assert_int_equal(b.fast - a.fast, 198);
}

static void
every_bit(void **state)
{
	(void)state;
	struct key k;
	uint8_t m[40], sig[64], bad[64], pk2[32];
	struct pdl_ed25519_stats a, b;
	key_new(&k);
	randombytes_buf(m, sizeof m);
	crypto_sign_detached(sig, NULL, m, sizeof m, k.sk);
	for (int i = 0; i < 3; i++) /* the table is built */
		assert_int_equal(both(sig, m, sizeof m, k.pk), 0);
	stats(&a);
	for (int bit = 0; bit < 512; bit++) {
		memcpy(bad, sig, 64);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(both(bad, m, sizeof m, k.pk), -1);
	}
	for (int bit = 0; bit < (int)sizeof m * 8; bit++) {
		m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(both(sig, m, sizeof m, k.pk), -1);
		m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	stats(&b);
	assert_int_equal(b.fast - a.fast, 0); /* the table accepted none of them */
	assert_int_equal(both(sig, m, sizeof m, k.pk), 0);
	/* the key's bits: another key each, libsodium's to answer */
	for (int bit = 0; bit < 256; bit++) {
		memcpy(pk2, k.pk, 32);
		pk2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(both(sig, m, sizeof m, pk2), -1);
	}
}

/* s + L: the same point, refused by libsodium as not canonical */
static void
noncanonical_s(void **state)
{
	(void)state;
	struct key k;
	uint8_t m[16], sig[64];
	key_new(&k);
	int tried = 0;
	for (int i = 0; i < 64; i++) {
		randombytes_buf(m, sizeof m);
		crypto_sign_detached(sig, NULL, m, sizeof m, k.sk);
		assert_int_equal(both(sig, m, sizeof m, k.pk), 0);
		unsigned carry = 0;
		for (int j = 0; j < 32; j++) {
			unsigned x = sig[32 + j] + L[j] + carry;
			sig[32 + j] = (uint8_t)x;
			carry = x >> 8;
		}
		if (carry)
			continue; /* s + L past 2^256: not a 32-byte s */
		tried++;
		assert_int_equal(both(sig, m, sizeof m, k.pk), -1);
	}
	assert_true(tried > 20);
}

/* a = the clamped secret scalar of k, reduced mod L */
static void
secret_scalar(uint8_t a[32], const struct key *k)
{
	uint8_t az[64], wide[64] = {0};
	crypto_hash_sha512(az, k->sk, 32);
	az[0] &= 248;
	az[31] &= 127;
	az[31] |= 64;
	memcpy(wide, az, 32);
	crypto_core_ed25519_scalar_reduce(a, wide);
}

/* h = SHA-512(R ‖ A ‖ m) mod L */
static void
challenge(uint8_t h[32], const uint8_t R[32], const uint8_t A[32], const uint8_t *m, size_t n)
{
	crypto_hash_sha512_state hs;
	uint8_t w[64];
	crypto_hash_sha512_init(&hs);
	crypto_hash_sha512_update(&hs, R, 32);
	crypto_hash_sha512_update(&hs, A, 32);
	crypto_hash_sha512_update(&hs, m, n);
	crypto_hash_sha512_final(&hs, w);
	crypto_core_ed25519_scalar_reduce(h, w);
}

/* R = the identity and s = h·a: s·B - h·A is R, but libsodium refuses a
 * small-order R; so must the table */
static void
small_order_r(void **state)
{
	(void)state;
	struct key k;
	uint8_t a[32], h[32], m[24], sig[64], sb[32], ha[32];
	key_new(&k);
	secret_scalar(a, &k);
	randombytes_buf(m, sizeof m);
	crypto_sign_detached(sig, NULL, m, sizeof m, k.sk);
	for (int i = 0; i < 3; i++)
		assert_int_equal(both(sig, m, sizeof m, k.pk), 0);
	memset(sig, 0, 32);
	sig[0] = 1;
	challenge(h, sig, k.pk, m, sizeof m);
	crypto_core_ed25519_scalar_mul(sig + 32, h, a);
	/* the equation holds: s·B = h·A */
	assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(sb, sig + 32), 0);
	assert_int_equal(crypto_scalarmult_ed25519_noclamp(ha, h, k.pk), 0);
	assert_memory_equal(sb, ha, 32);
	struct pdl_ed25519_stats x, y;
	stats(&x);
	assert_int_equal(both(sig, m, sizeof m, k.pk), -1);
	stats(&y);
	assert_int_equal(y.fast - x.fast, 0);
}

/* A key with an order-8 component, A' = A + T: a signature made with a
 * passes libsodium's check only when 8 divides h; the table must give the
 * same answer each time */
static void
torsion_key(void **state)
{
	(void)state;
	struct key k;
	uint8_t a[32], A2[32], r[32], wide[64], h[32], ha[32], m[32], sig[64];
	key_new(&k);
	secret_scalar(a, &k);
	assert_int_equal(crypto_core_ed25519_add(A2, k.pk, t8), 0);
	struct pdl_ed25519_stats x, y;
	stats(&x);
	int ok = 0, bad = 0;
	for (int i = 0; i < 400; i++) {
		randombytes_buf(m, sizeof m);
		randombytes_buf(wide, sizeof wide);
		crypto_core_ed25519_scalar_reduce(r, wide);
		assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(sig, r), 0);
		challenge(h, sig, A2, m, sizeof m);
		crypto_core_ed25519_scalar_mul(ha, h, a);
		crypto_core_ed25519_scalar_add(sig + 32, r, ha);
		if (both(sig, m, sizeof m, A2) == 0)
			ok++;
		else
			bad++;
	}
	stats(&y);
	assert_true(ok > 10 && bad > 10 * ok / 2);
	assert_true(y.fast - x.fast > 0); /* the table answered some */
}

static void
random_bytes(void **state)
{
	(void)state;
	struct key k;
	uint8_t m[8], sig[64];
	key_new(&k);
	randombytes_buf(m, sizeof m);
	crypto_sign_detached(sig, NULL, m, sizeof m, k.sk);
	for (int i = 0; i < 3; i++)
		assert_int_equal(both(sig, m, sizeof m, k.pk), 0);
	for (int i = 0; i < 500; i++) {
		randombytes_buf(sig, sizeof sig);
		if (i % 2)
			sig[63] &= 0x0f; /* a canonical s: the table computes */
		assert_int_equal(both(sig, m, sizeof m, k.pk), -1);
	}
}

/* More keys than slots, used in turns: every answer right, and keys that
 * share a slot do not rebuild tables in turn. */
#define MANY 200
static void
many_keys(void **state)
{
	(void)state;
	struct key *k = malloc(MANY * sizeof *k);
	uint8_t m[12], sig[64];
	assert_non_null(k);
	for (int i = 0; i < MANY; i++)
		key_new(&k[i]);
	struct pdl_ed25519_stats x, y;
	stats(&x);
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < MANY; i++) {
			for (int twice = 0; twice < 2; twice++) { /* acts come in runs from one actor */
				randombytes_buf(m, sizeof m);
				crypto_sign_detached(sig, NULL, m, sizeof m, k[i].sk);
				assert_int_equal(both(sig, m, sizeof m, k[i].pk), 0);
			}
			if (round % 5 == 0) {
				sig[5] ^= 1;
				assert_int_equal(both(sig, m, sizeof m, k[i].pk), -1);
			}
		}
	}
	stats(&y);
	assert_true(y.fast - x.fast > 0);
	/* runs of two earn a table in an empty slot, never another key's */
	assert_true(y.built - x.built <= 64);
	free(k);
}

/* Two threads at once: each its own cache, both right. */
static void *
thread_main(void *arg)
{
	const struct key *k = arg;
	uint8_t m[20], sig[64];
	for (int i = 0; i < 300; i++) {
		randombytes_buf(m, sizeof m);
		crypto_sign_detached(sig, NULL, m, sizeof m, k->sk);
		if (i % 3 == 0)
			m[0] ^= 1;
		int want = i % 3 == 0 ? -1 : 0;
		if (pdl_ed25519_verify(sig, m, sizeof m, k->pk) != want)
			return (void *)1;
	}
	struct pdl_ed25519_stats s;
	pdl_ed25519_stats(&s);
	return s.fast > 150 ? NULL : (void *)2;
}

static void
threads(void **state)
{
	(void)state;
	struct key k;
	pthread_t t[2];
	void *rc;
	key_new(&k);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_main, &k), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], &rc), 0);
		assert_null(rc);
	}
}

/* pdl_ed25519_verify_many: 150 checks (more than one inversion's 64) from
 * a key with a table, one without and one new, a third of them spoilt,
 * each answered as libsodium answers it. */
static void
many_at_once(void **state)
{
	(void)state;
	enum { N = 150 };
	struct key k[3];
	struct pdl_pubkey pk[3];
	static uint8_t m[N][40], sig[N][64];
	struct pdl_sigcheck c[N];
	for (int i = 0; i < 3; i++) {
		key_new(&k[i]);
		assert_int_equal(pdl_pubkey_set(&pk[i], &pdl_suite_ed25519_sha256, k[i].pk, 32), PDL_OK);
	}
	/* key 0 gets its table (its slot may hold an earlier test's key's:
	 * then after ADMIT_EVICT acceptances) */
	struct pdl_ed25519_stats x, y;
	int warm = 0;
	do {
		stats(&x);
		randombytes_buf(m[0], sizeof m[0]);
		crypto_sign_detached(sig[0], NULL, m[0], sizeof m[0], k[0].sk);
		assert_int_equal(both(sig[0], m[0], sizeof m[0], k[0].pk), 0);
		stats(&y);
	} while (y.fast == x.fast && ++warm < 40);
	assert_true(warm < 40);
	for (int i = 0; i < N; i++) {
		int w = i % 7 == 3 ? 1 : i % 11 == 5 ? 2 : 0;
		randombytes_buf(m[i], sizeof m[i]);
		crypto_sign_detached(sig[i], NULL, m[i], sizeof m[i], k[w].sk);
		if (i % 3 == 1)
			sig[i][i % 64] ^= (uint8_t)(1u << (i % 8));
		c[i] = (struct pdl_sigcheck){.pk = &pk[w], .sig = sig[i], .m = m[i], .n = sizeof m[i], .rc = 12345};
	}
	stats(&x);
	pdl_verify_many(c, N);
	stats(&y);
	int good = 0;
	for (int i = 0; i < N; i++) {
		int want = crypto_sign_verify_detached(sig[i], m[i], sizeof m[i], c[i].pk->b) == 0 ? PDL_OK : PDL_EBADSIG;
		assert_int_equal(c[i].rc, want);
		good += want == PDL_OK;
	}
	assert_true(good > N / 2 && good < N);
	assert_true(y.fast - x.fast >= 60); /* key 0's good ones: a table's */
	assert_int_equal((y.fast - x.fast) + (y.slow - x.slow), N);
}

/* The eight-at-once path (AVX-512 IFMA, where the CPU has it) against
 * the scalar one and libsodium: lists of 1 to 200 checks of 12 keys with
 * tables, the keys mixed across lanes, spoilt in R, in s and in the
 * message; every answer libsodium's, and the table path accepting the
 * same checks both ways. */
static void
lanes(void **state)
{
	(void)state;
	enum { K = 12, N = 200 };
	static const size_t sizes[] = {1, 3, 4, 5, 8, 9, 15, 16, 17, 63, 64, 65, N};
	struct key k[K];
	struct pdl_pubkey pk[K];
	static uint8_t m[N][72], sig[N][64];
	struct pdl_sigcheck c[N];
	struct pdl_ed25519_stats x, y;
	keys_apart(k, K);
	for (int i = 0; i < K; i++)
		assert_int_equal(pdl_pubkey_set(&pk[i], &pdl_suite_ed25519_sha256, k[i].pk, 32), PDL_OK);
	for (int i = 0; i < N; i++) {
		int w = i % K;
		randombytes_buf(m[i], sizeof m[i]);
		crypto_sign_detached(sig[i], NULL, m[i], sizeof m[i], k[w].sk);
		if (i % 5 == 1)
			sig[i][i % 32] ^= (uint8_t)(1u << (i % 8)); /* R */
		else if (i % 5 == 2)
			sig[i][32 + i % 31] ^= (uint8_t)(1u << (i % 8)); /* s, kept below 2^253 */
		else if (i % 5 == 3)
			m[i][i % sizeof m[i]] ^= 1;
	}
	/* every key's table, as far as the slots allow (ADMIT_EVICT) */
	for (int round = 0; round < 20; round++)
		for (int w = 0; w < K; w++) {
			randombytes_buf(m[0], sizeof m[0]);
			crypto_sign_detached(sig[0], NULL, m[0], sizeof m[0], k[w].sk);
			assert_int_equal(both(sig[0], m[0], sizeof m[0], k[w].pk), 0);
		}
	randombytes_buf(m[0], sizeof m[0]);
	crypto_sign_detached(sig[0], NULL, m[0], sizeof m[0], k[0].sk);
	uint64_t fast[2] = {0, 0};
	int avail = 0;
	for (int on = 1; on >= 0; on--) {
		int got = pdl_ed25519_lanes_for_tests(on);
		if (on)
			avail = got;
		else
			assert_int_equal(got, 0);
		for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
			size_t n = sizes[z];
			for (size_t i = 0; i < n; i++)
				c[i] = (struct pdl_sigcheck){.pk = &pk[i % K], .sig = sig[i], .m = m[i], .n = sizeof m[i], .rc = 12345};
			stats(&x);
			pdl_verify_many(c, n);
			stats(&y);
			fast[on] += y.fast - x.fast;
			for (size_t i = 0; i < n; i++) {
				int want = crypto_sign_verify_detached(sig[i], m[i], sizeof m[i], pk[i % K].b) == 0 ? PDL_OK
				                                                                                  : PDL_EBADSIG;
				assert_int_equal(c[i].rc, want);
			}
		}
	}
	pdl_ed25519_lanes_for_tests(1);
	assert_int_equal(fast[1], fast[0]);
	assert_true(fast[0] > N / 2); /* most good ones by a table */
	if (!avail)
		print_message("lanes: this CPU has no AVX-512 IFMA; the scalar table path only\n");
}

/* Keys of two suites in one list: each run to its own suite. */
static void
many_suites(void **state)
{
	(void)state;
	struct pdl_seckey sk[2];
	assert_int_equal(pdl_seckey_generate(&sk[0], &pdl_suite_ed25519_sha256), PDL_OK);
	assert_int_equal(pdl_seckey_generate(&sk[1], &pdl_suite_sm2_sm3), PDL_OK);
	uint8_t m[12][20], sig[12][PDL_SIG_BYTES];
	struct pdl_sigcheck c[12];
	for (int i = 0; i < 12; i++) {
		const struct pdl_seckey *k = &sk[(i / 2) % 2];
		randombytes_buf(m[i], sizeof m[i]);
		pdl_sign(k, m[i], sizeof m[i], sig[i]);
		if (i % 5 == 0)
			m[i][0] ^= 1;
		c[i] = (struct pdl_sigcheck){.pk = &k->pk, .sig = sig[i], .m = m[i], .n = sizeof m[i]};
	}
	pdl_verify_many(c, 12);
	for (int i = 0; i < 12; i++)
		assert_int_equal(c[i].rc, i % 5 == 0 ? PDL_EBADSIG : PDL_OK);
	pdl_seckey_wipe(&sk[0]);
	pdl_seckey_wipe(&sk[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(base_mul),       cmocka_unit_test(good_signatures), cmocka_unit_test(every_bit),
	        cmocka_unit_test(noncanonical_s), cmocka_unit_test(small_order_r),   cmocka_unit_test(torsion_key),
	        cmocka_unit_test(random_bytes),   cmocka_unit_test(many_keys),       cmocka_unit_test(threads),
	        cmocka_unit_test(many_at_once),   cmocka_unit_test(many_suites),     cmocka_unit_test(lanes),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
