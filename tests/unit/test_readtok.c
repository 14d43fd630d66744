/*
 * test_readtok.c — readers' signed tokens (readtok.h): a round trip, and
 * every way a token must be refused (another ledger, method, target, key,
 * a flipped signature bit, a stale or future time, malformed headers), and
 * the same with SM2 keys of an sm2-sm3 ledger (an Ed25519 key refused).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "crypto.h"
#include "readtok.h"

#define T0 1790000000000ull

/* A key as libsodium holds it (pk, sk) and as pdl does (k, its public key
 * pub), so the tests check pdl's tokens against libsodium. */
struct kp {
	uint8_t pk[32], sk[64];
	struct pdl_seckey k;
	struct pdl_pubkey pub;
};

static void
kp_seed(struct kp *k, uint8_t b)
{
	uint8_t seed[32];
	memset(seed, b, sizeof seed);
	crypto_sign_seed_keypair(k->pk, k->sk, seed);
	assert_int_equal(pdl_seckey_open(&k->k, &pdl_suite_ed25519_sha256, seed), PDL_OK);
	assert_memory_equal(k->k.pk.b, k->pk, 32);
	k->pub = k->k.pk;
}

static void
test_round_trip(void **state)
{
	(void)state;
	struct kp k;
	kp_seed(&k, 7);
	uint8_t lid[32];
	memset(lid, 0xab, sizeof lid);
	char tok[PDL_READTOK_LEN_MAX + 1];
	const char *target = "/v1/revenue/parties/operator-city?period=2026-09";
	assert_int_equal(pdl_readtok_sign(tok, sizeof tok, "operator-city", &k.k, lid, "GET", target, T0), PDL_OK);
	assert_true(strncmp(tok, "PDL-Sig party=operator-city,time=1790000000000,sig=", 51) == 0);
	struct pdl_readtok t;
	assert_int_equal(pdl_readtok_parse(tok, strlen(tok), &t), PDL_OK);
	assert_string_equal(t.party, "operator-city");
	assert_int_equal(t.time_ms, T0);
	assert_int_equal(pdl_readtok_check(&t, &k.pub, lid, "GET", target, T0 + 1000), PDL_OK);
	assert_int_equal(pdl_readtok_check(&t, &k.pub, lid, "GET", target, T0 - PDL_READTOK_SKEW_MS), PDL_OK);

	/* bound to one ledger, method, target and key */
	uint8_t other[32];
	memset(other, 0xac, sizeof other);
	assert_int_equal(pdl_readtok_check(&t, &k.pub, other, "GET", target, T0), PDL_EBADSIG);
	assert_int_equal(pdl_readtok_check(&t, &k.pub, lid, "NNG", target, T0), PDL_EBADSIG);
	assert_int_equal(pdl_readtok_check(&t, &k.pub, lid, "GET", "/v1/revenue/parties/operator-city", T0), PDL_EBADSIG);
	struct kp k2;
	kp_seed(&k2, 8);
	assert_int_equal(pdl_readtok_check(&t, &k2.pub, lid, "GET", target, T0), PDL_EBADSIG);
	t.sig[5] ^= 1;
	assert_int_equal(pdl_readtok_check(&t, &k.pub, lid, "GET", target, T0), PDL_EBADSIG);
	t.sig[5] ^= 1;

	/* the time window, both ways */
	assert_int_equal(pdl_readtok_check(&t, &k.pub, lid, "GET", target, T0 + PDL_READTOK_SKEW_MS + 1), PDL_ECLOCK);
	assert_int_equal(pdl_readtok_check(&t, &k.pub, lid, "GET", target, T0 - PDL_READTOK_SKEW_MS - 1), PDL_ECLOCK);

	/* the signed bytes are what readtok.h says */
	char msg[256];
	size_t mn = pdl_readtok_message(msg, sizeof msg, lid, "NNG", "range", 42);
	const char *want = "pdl/read/v1\n"
	                   "abababababababababababababababababababababababababababababababab\nNNG\nrange\n42\n";
	assert_int_equal(mn, strlen(want));
	assert_string_equal(msg, want);
}

static void
test_malformed(void **state)
{
	(void)state;
	struct pdl_readtok t;
	const char *bad[] = {
		"",
		"PDL-Sig ",
		"Bearer x",
		"PDL-Sig party=a,time=1",
		"PDL-Sig party=a,time=1,sig=AAAA",
		"PDL-Sig time=1,party=a,sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
		"PDL-Sig party=a b,time=1,sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
		"PDL-Sig party=a,time=01,sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
		"PDL-Sig party=a,time=1x,sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
		"PDL-Sig party=a,time=99999999999999999999,sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
		"PDL-Sig party=a,time=1,sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==,x=1",
		"PDL-Sig party=,time=1,sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
		"PDL-Sig party=a,time=1,sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==,",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(pdl_readtok_parse(bad[i], strlen(bad[i]), &t), PDL_EINVAL);
	const char *good = "PDL-Sig party=a,time=1,sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
	assert_int_equal(pdl_readtok_parse(good, strlen(good), &t), PDL_OK);
	/* an embedded NUL is outside the header grammar */
	char nul[200];
	memcpy(nul, good, strlen(good) + 1);
	nul[16] = '\0';
	assert_int_equal(pdl_readtok_parse(nul, strlen(good), &t), PDL_EINVAL);
	char big[PDL_READTOK_LEN_MAX + 2];
	memset(big, 'a', sizeof big);
	assert_int_equal(pdl_readtok_parse(big, sizeof big, &t), PDL_EINVAL);
}

/* An sm2-sm3 ledger's readers sign with their SM2 keys: the same token
 * form, a 64-byte r || s signature, bound in the same ways; a token checked
 * against a key of the other suite is refused. */
static void
test_sm2(void **state)
{
	(void)state;
	uint8_t secret[PDL_SECRET_BYTES];
	memset(secret, 0x31, sizeof secret);
	struct pdl_seckey k, k2;
	assert_int_equal(pdl_seckey_open(&k, &pdl_suite_sm2_sm3, secret), PDL_OK);
	secret[0] = 0x32;
	assert_int_equal(pdl_seckey_open(&k2, &pdl_suite_sm2_sm3, secret), PDL_OK);
	assert_ptr_equal(k.pk.suite, &pdl_suite_sm2_sm3);
	uint8_t lid[PDL_HASH_BYTES];
	memset(lid, 0x5c, sizeof lid);
	const char *target = "/v1/revenue/parties/operator-city?period=2026-09";
	char tok[PDL_READTOK_LEN_MAX + 1];
	assert_int_equal(pdl_readtok_sign(tok, sizeof tok, "operator-city", &k, lid, "GET", target, T0), PDL_OK);
	struct pdl_readtok t;
	assert_int_equal(pdl_readtok_parse(tok, strlen(tok), &t), PDL_OK);
	assert_int_equal(pdl_readtok_check(&t, &k.pk, lid, "GET", target, T0 + 1000), PDL_OK);
	/* the signature is SM2 over the documented bytes */
	char msg[256];
	size_t mn = pdl_readtok_message(msg, sizeof msg, lid, "GET", target, T0);
	assert_int_equal(pdl_verify(&k.pk, t.sig, msg, mn), PDL_OK);

	assert_int_equal(pdl_readtok_check(&t, &k2.pk, lid, "GET", target, T0), PDL_EBADSIG);
	assert_int_equal(pdl_readtok_check(&t, &k.pk, lid, "NNG", target, T0), PDL_EBADSIG);
	uint8_t other[PDL_HASH_BYTES];
	memset(other, 0x5d, sizeof other);
	assert_int_equal(pdl_readtok_check(&t, &k.pk, other, "GET", target, T0), PDL_EBADSIG);
	t.sig[40] ^= 0x80;
	assert_int_equal(pdl_readtok_check(&t, &k.pk, lid, "GET", target, T0), PDL_EBADSIG);
	t.sig[40] ^= 0x80;
	assert_int_equal(pdl_readtok_check(&t, &k.pk, lid, "GET", target, T0), PDL_OK);

	/* an Ed25519 key of the same party name does not take it */
	struct kp ed;
	kp_seed(&ed, 7);
	assert_int_equal(pdl_readtok_check(&t, &ed.pub, lid, "GET", target, T0), PDL_EBADSIG);
	pdl_seckey_wipe(&ed.k);
	pdl_seckey_wipe(&k);
	pdl_seckey_wipe(&k2);
}

int
main(void)
{
	if (pdl_crypto_init() != PDL_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sm2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
