/*
 * test_crypto.c — the crypto suite interface (crypto/suite.h), key files
 * (crypto/key.h) and the genesis's suite (lib/entry.h), checked against
 * libsodium and against fixed bytes.
 *
 * Every suite in pdl_suites gets the interface checks (sizes, lookups,
 * hashing in one piece, in pieces and incrementally agreeing, sign/verify
 * round trips, a flipped bit and another key refused, the signed-note key
 * bytes); the ed25519-sha256 suite is also checked against libsodium.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <msgpack.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "crypto.h"
#include "entry.h"
#include "key.h"
#include "mp.h"

static int
setup(void **state)
{
	(void)state;
	return pdl_crypto_init() == PDL_OK ? 0 : -1;
}

/* ---- the table of suites ---- */

static void
test_suite_table(void **state)
{
	(void)state;
	size_t n = 0;
	for (const struct pdl_suite *const *s = pdl_suites; *s != NULL; s++, n++) {
		assert_int_equal((*s)->hash_bytes, PDL_HASH_BYTES);
		assert_int_equal((*s)->sig_bytes, PDL_SIG_BYTES);
		assert_true((*s)->pk_bytes > 0 && (*s)->pk_bytes <= PDL_PK_BYTES_MAX);
		assert_true(strlen((*s)->id) <= PDL_SUITE_ID_LEN_MAX);
		assert_ptr_equal(pdl_suite_find((*s)->id, strlen((*s)->id)), *s);
		assert_ptr_equal(pdl_suite_by_alg((*s)->alg, strlen((*s)->alg)), *s);
		assert_non_null(strstr(pdl_suite_list(), (*s)->id));
		/* invariant (3): no two suites share an id, an algorithm or a key length */
		for (const struct pdl_suite *const *o = s + 1; *o != NULL; o++) {
			assert_string_not_equal((*s)->id, (*o)->id);
			assert_string_not_equal((*s)->alg, (*o)->alg);
			assert_int_not_equal((*s)->pk_bytes, (*o)->pk_bytes);
		}
	}
	assert_true(n >= 1);
	assert_ptr_equal(pdl_suites[0], &pdl_suite_ed25519_sha256);
	assert_null(pdl_suite_find("ed25519-sha25", 13));
	assert_null(pdl_suite_find("ed25519-sha2566", 15));
	assert_null(pdl_suite_by_alg("ed", 2));
	/* a process that names no suite hashes as ed25519-sha256 */
	assert_ptr_equal(pdl_suite(), &pdl_suite_ed25519_sha256);
}

/* ---- what every suite must do ---- */

static void
check_suite(const struct pdl_suite *s)
{
	uint8_t msg[300], one[PDL_HASH_BYTES], pieces[PDL_HASH_BYTES], inc[PDL_HASH_BYTES];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 7 + 1);
	/* the hash three ways */
	const struct pdl_iov whole = {msg, sizeof msg};
	s->hashv(one, &whole, 1);
	const struct pdl_iov v[4] = {{msg, 1}, {msg + 1, 0}, {msg + 1, 150}, {msg + 151, sizeof msg - 151}};
	s->hashv(pieces, v, 4);
	assert_memory_equal(one, pieces, PDL_HASH_BYTES);
	pdl_digest_ctx h;
	s->hash_init(&h);
	for (size_t i = 0; i < sizeof msg; i += 37)
		s->hash_update(&h, msg + i, sizeof msg - i < 37 ? sizeof msg - i : 37);
	s->hash_final(&h, inc);
	assert_memory_equal(one, inc, PDL_HASH_BYTES);
	/* out may alias a piece (merkle.c hashes nodes in place) */
	uint8_t alias[PDL_HASH_BYTES * 2];
	memcpy(alias, one, PDL_HASH_BYTES);
	memcpy(alias + PDL_HASH_BYTES, pieces, PDL_HASH_BYTES);
	uint8_t want[PDL_HASH_BYTES];
	const struct pdl_iov av[2] = {{alias, PDL_HASH_BYTES}, {alias + PDL_HASH_BYTES, PDL_HASH_BYTES}};
	s->hashv(want, av, 2);
	s->hashv(alias, av, 2);
	assert_memory_equal(alias, want, PDL_HASH_BYTES);

	/* keys: fresh ones differ; one reopened from its secret is the same key */
	struct pdl_seckey k, k2, again;
	assert_int_equal(pdl_seckey_generate(&k, s), PDL_OK);
	assert_int_equal(pdl_seckey_generate(&k2, s), PDL_OK);
	assert_ptr_equal(k.suite, s);
	assert_ptr_equal(k.pk.suite, s);
	assert_false(pdl_pubkey_eq(&k.pk, &k2.pk));
	assert_int_equal(pdl_seckey_open(&again, s, k.secret), PDL_OK);
	assert_true(pdl_pubkey_eq(&again.pk, &k.pk));
	assert_int_equal(s->pk_check(k.pk.b), PDL_OK);

	/* sign and verify */
	uint8_t sig[PDL_SIG_BYTES], sig2[PDL_SIG_BYTES], bad[PDL_SIG_BYTES];
	pdl_sign(&k, msg, sizeof msg, sig);
	assert_int_equal(pdl_verify(&k.pk, sig, msg, sizeof msg), PDL_OK);
	/* deterministic: the same key and bytes give the same signature */
	pdl_sign(&again, msg, sizeof msg, sig2);
	assert_memory_equal(sig, sig2, PDL_SIG_BYTES);
	/* another key, another message, any flipped bit of the signature or the message */
	assert_int_equal(pdl_verify(&k2.pk, sig, msg, sizeof msg), PDL_EBADSIG);
	assert_int_equal(pdl_verify(&k.pk, sig, msg, sizeof msg - 1), PDL_EBADSIG);
	for (size_t bit = 0; bit < 8 * PDL_SIG_BYTES; bit += 13) {
		memcpy(bad, sig, sizeof bad);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(pdl_verify(&k.pk, bad, msg, sizeof msg), PDL_EBADSIG);
	}
	msg[100] ^= 0x04;
	assert_int_equal(pdl_verify(&k.pk, sig, msg, sizeof msg), PDL_EBADSIG);
	msg[100] ^= 0x04;
	/* a key without a suite verifies nothing */
	struct pdl_pubkey none;
	memset(&none, 0, sizeof none);
	assert_int_equal(pdl_verify(&none, sig, msg, sizeof msg), PDL_EBADSIG);

	/* public keys as acts carry them: base64 of the suite's encoding */
	char b64[PDL_PK_B64_LEN], why[160];
	struct pdl_pubkey parsed;
	pdl_pubkey_b64(&k.pk, b64);
	assert_int_equal(pdl_pubkey_parse(&parsed, s, b64, strlen(b64), why, sizeof why), PDL_OK);
	assert_true(pdl_pubkey_eq(&parsed, &k.pk));
	assert_int_equal(pdl_pubkey_parse(&parsed, s, b64, strlen(b64) - 4, why, sizeof why), PDL_EINVAL);
	assert_non_null(strstr(why, s->alg_name));
	assert_int_equal(pdl_pubkey_parse(&parsed, s, "not base64!", 11, why, sizeof why), PDL_EINVAL);
	assert_null(parsed.suite);

	/* signed-note key bytes: type ‖ identifier ‖ key; the key ID is the
	 * suite's hash of name ‖ "\n" ‖ those bytes */
	uint8_t kb[PDL_NOTE_KEY_BYTES_MAX], kh[PDL_HASH_BYTES];
	for (int cosig = 0; cosig < 2; cosig++) {
		const struct pdl_note_type *t = cosig ? &s->cosig : &s->note;
		size_t kn = pdl_pubkey_note_bytes(&k.pk, cosig, kb);
		assert_int_equal(kn, 1 + strlen(t->id) + s->pk_bytes);
		assert_int_equal(kb[0], t->type);
		assert_memory_equal(kb + 1, t->id, strlen(t->id));
		assert_memory_equal(kb + 1 + strlen(t->id), k.pk.b, s->pk_bytes);
		const struct pdl_iov iv[3] = {{"w.example/a", 11}, {"\n", 1}, {kb, kn}};
		s->hashv(kh, iv, 3);
		uint32_t id = (uint32_t)kh[0] << 24 | (uint32_t)kh[1] << 16 | (uint32_t)kh[2] << 8 | kh[3];
		assert_int_equal(pdl_pubkey_note_id(&k.pk, cosig, "w.example/a", 11), id);
		if (!cosig) {
			struct pdl_pubkey back;
			assert_int_equal(pdl_pubkey_note_parse(kb, kn, &back), PDL_OK);
			assert_true(pdl_pubkey_eq(&back, &k.pk));
			assert_int_equal(pdl_pubkey_note_parse(kb, kn - 1, &back), PDL_ENOTE);
		}
	}
	assert_true(s->note.type != s->cosig.type || strcmp(s->note.id, s->cosig.id) != 0);
	pdl_seckey_wipe(&k);
	pdl_seckey_wipe(&k2);
	pdl_seckey_wipe(&again);
	assert_null(k.suite);
}

static void
test_every_suite(void **state)
{
	(void)state;
	for (const struct pdl_suite *const *s = pdl_suites; *s != NULL; s++)
		check_suite(*s);
}

/* ---- ed25519-sha256 against libsodium ---- */

static void
test_ed25519_is_libsodium(void **state)
{
	(void)state;
	const struct pdl_suite *s = &pdl_suite_ed25519_sha256;
	uint8_t seed[32], pk[32], sk[64], msg[77], sig[64], h[32], want[32];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(3 * i + 5);
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)i;
	crypto_sign_seed_keypair(pk, sk, seed);
	struct pdl_seckey k;
	assert_int_equal(pdl_seckey_open(&k, s, seed), PDL_OK);
	assert_memory_equal(k.pk.b, pk, 32);
	pdl_sign(&k, msg, sizeof msg, sig);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, pk), 0);
	uint8_t lsig[64];
	crypto_sign_detached(lsig, NULL, msg, sizeof msg, sk);
	assert_memory_equal(sig, lsig, 64);
	pdl_seckey_wipe(&k);
	/* the hash is SHA-256; the suite's digest helpers use it */
	crypto_hash_sha256(want, msg, sizeof msg);
	pdl_suite_use(s);
	pdl_digest(h, msg, sizeof msg);
	assert_memory_equal(h, want, 32);
	/* C2SP's assigned signature types */
	assert_int_equal(s->note.type, 0x01);
	assert_string_equal(s->note.id, "");
	assert_int_equal(s->cosig.type, 0x04);
	assert_string_equal(s->cosig.id, "");
}

/* ---- sm2-sm3: the standards' examples ---- */

static void
unhex(const char *h, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(h), 2 * n);
	assert_int_equal(pdl_unhex(h, 2 * n, out, n), PDL_OK);
}

/* GB/T 32905-2016 Appendix A: examples 1 and 2. */
static void
test_sm3_vectors(void **state)
{
	(void)state;
	const struct pdl_suite *s = &pdl_suite_sm2_sm3;
	uint8_t h[32], want[32], m[64];
	const struct pdl_iov abc = {"abc", 3};
	s->hashv(h, &abc, 1);
	unhex("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0", want, 32);
	assert_memory_equal(h, want, 32);
	for (int i = 0; i < 64; i++)
		m[i] = (uint8_t)"abcd"[i % 4];
	const struct pdl_iov v64 = {m, 64};
	s->hashv(h, &v64, 1);
	unhex("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732", want, 32);
	assert_memory_equal(h, want, 32);
	/* incrementally, one byte at a time, and through pdl_digest as the ledger's hash */
	pdl_digest_ctx c;
	s->hash_init(&c);
	for (int i = 0; i < 64; i++)
		s->hash_update(&c, m + i, 1);
	s->hash_final(&c, h);
	assert_memory_equal(h, want, 32);
	pdl_suite_use(s);
	pdl_digest(h, m, 64);
	assert_memory_equal(h, want, 32);
	pdl_suite_use(&pdl_suite_ed25519_sha256);
	pdl_digest(h, m, 64);
	assert_memory_not_equal(h, want, 32);
}

/* The signature example of GB/T 32918.5-2017 Annex A (the same as GM/T
 * 0003.5-2012 Annex A), as OpenSSL's own test/sm2_internal_test.c (in
 * Debian's openssl source package) carries it: the key d, its point
 * (x, y), the user id 1234567812345678, the message "message digest", the
 * nonce k and the signature (r, s). */
#define ANNEX_D "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"
#define ANNEX_X "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
#define ANNEX_Y "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13"
#define ANNEX_K "59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21"
#define ANNEX_R "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
#define ANNEX_S "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa"
#define ANNEX_M "message digest"

static void
annex_key(struct pdl_pubkey *pk, uint8_t sig[64])
{
	uint8_t b[65];
	b[0] = 0x04;
	unhex(ANNEX_X, b + 1, 32);
	unhex(ANNEX_Y, b + 33, 32);
	assert_int_equal(pdl_pubkey_set(pk, &pdl_suite_sm2_sm3, b, sizeof b), PDL_OK);
	unhex(ANNEX_R, sig, 32);
	unhex(ANNEX_S, sig + 32, 32);
}

static void
test_sm2_annex_verify(void **state)
{
	(void)state;
	struct pdl_pubkey pk;
	uint8_t sig[64], bad[64];
	annex_key(&pk, sig);
	assert_int_equal(pdl_verify(&pk, sig, ANNEX_M, strlen(ANNEX_M)), PDL_OK);
	/* a flipped bit anywhere in the signature, the message or the key */
	for (int bit = 0; bit < 512; bit += 7) {
		memcpy(bad, sig, 64);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(pdl_verify(&pk, bad, ANNEX_M, strlen(ANNEX_M)), PDL_EBADSIG);
	}
	assert_int_equal(pdl_verify(&pk, sig, "message digesu", 14), PDL_EBADSIG);
	struct pdl_pubkey other = pk;
	other.b[64] ^= 1; /* no longer on the curve: refused as a key */
	assert_int_equal(pdl_pubkey_set(&other, &pdl_suite_sm2_sm3, other.b, 65), PDL_EINVAL);
	struct pdl_seckey k;
	assert_int_equal(pdl_seckey_generate(&k, &pdl_suite_sm2_sm3), PDL_OK);
	assert_int_equal(pdl_verify(&k.pk, sig, ANNEX_M, strlen(ANNEX_M)), PDL_EBADSIG); /* another key */
	pdl_seckey_wipe(&k);
	/* r or s of zero, or at least the order n, is no signature */
	memset(bad, 0, 32);
	memcpy(bad + 32, sig + 32, 32);
	assert_int_equal(pdl_verify(&pk, bad, ANNEX_M, strlen(ANNEX_M)), PDL_EBADSIG);
	memset(bad, 0xff, 32);
	assert_int_equal(pdl_verify(&pk, bad, ANNEX_M, strlen(ANNEX_M)), PDL_EBADSIG);
}

static void
test_sm2_annex_sign(void **state)
{
	(void)state;
	uint8_t d[32], k[32], want[64], sig[64];
	struct pdl_pubkey pk;
	struct pdl_seckey sk;
	annex_key(&pk, want);
	unhex(ANNEX_D, d, 32);
	unhex(ANNEX_K, k, 32);
	/* the key of d is the standard's point */
	assert_int_equal(pdl_seckey_open(&sk, &pdl_suite_sm2_sm3, d), PDL_OK);
	assert_true(pdl_pubkey_eq(&sk.pk, &pk));
	/* with the standard's nonce, pdl's signer (OpenSSL's, through the
	 * nonce stream) gives the standard's signature */
	pdl_sm2_nonce_for_tests(k);
	pdl_sign(&sk, ANNEX_M, strlen(ANNEX_M), sig);
	assert_memory_equal(sig, want, 64);
	/* and without it, a signature with a derived nonce: another (r, s),
	 * the same every time, valid */
	uint8_t s1[64], s2[64];
	pdl_sign(&sk, ANNEX_M, strlen(ANNEX_M), s1);
	pdl_sign(&sk, ANNEX_M, strlen(ANNEX_M), s2);
	assert_memory_not_equal(s1, want, 64);
	assert_memory_equal(s1, s2, 64);
	assert_int_equal(pdl_verify(&pk, s1, ANNEX_M, strlen(ANNEX_M)), PDL_OK);
	pdl_seckey_wipe(&sk);
	/* secrets outside [1, n - 2] are no SM2 keys */
	memset(d, 0, 32);
	assert_int_equal(pdl_seckey_open(&sk, &pdl_suite_sm2_sm3, d), PDL_EKEY);
	pdl_seckey_wipe(&sk);
	memset(d, 0xff, 32);
	assert_int_equal(pdl_seckey_open(&sk, &pdl_suite_sm2_sm3, d), PDL_EKEY);
	pdl_seckey_wipe(&sk);
	/* n - 1 (FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF 7203DF6B 21C6052B 53BBF409 39D54122) */
	unhex("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54122", d, 32);
	assert_int_equal(pdl_seckey_open(&sk, &pdl_suite_sm2_sm3, d), PDL_EKEY);
	pdl_seckey_wipe(&sk);
	d[31] = 0x21; /* n - 2 is a key */
	assert_int_equal(pdl_seckey_open(&sk, &pdl_suite_sm2_sm3, d), PDL_OK);
	pdl_seckey_wipe(&sk);
}

/* OpenSSL itself, not through pdl: an SM2 signature (DER) over m by the
 * key of d, under user id id (NULL: OpenSSL's default, an empty id),
 * returned as r ‖ s. */
static void
openssl_sign(const uint8_t d[32], const char *id, const char *m, uint8_t sig[64])
{
	struct pdl_seckey k;
	assert_int_equal(pdl_seckey_open(&k, &pdl_suite_sm2_sm3, d), PDL_OK);
	EVP_PKEY *key = k.obj;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	assert_non_null(mc);
	assert_non_null(pc);
	if (id != NULL)
		assert_int_equal(EVP_PKEY_CTX_set1_id(pc, id, strlen(id)), 1);
	EVP_MD_CTX_set_pkey_ctx(mc, pc);
	assert_int_equal(EVP_DigestSignInit(mc, NULL, EVP_sm3(), NULL, key), 1);
	uint8_t der[80];
	size_t dn = sizeof der;
	assert_int_equal(EVP_DigestSign(mc, der, &dn, (const uint8_t *)m, strlen(m)), 1);
	const uint8_t *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dn);
	assert_non_null(es);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32), 32);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32), 32);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(mc);
	EVP_PKEY_CTX_free(pc);
	pdl_seckey_wipe(&k);
}

/* The user id is part of what is signed: pdl verifies OpenSSL's signatures
 * under 1234567812345678, and refuses those under another id or OpenSSL's
 * default empty one. */
static void
test_sm2_user_id(void **state)
{
	(void)state;
	uint8_t d[32], sig[64];
	struct pdl_pubkey pk;
	unhex(ANNEX_D, d, 32);
	annex_key(&pk, sig);
	openssl_sign(d, "1234567812345678", "a ledger entry", sig);
	assert_int_equal(pdl_verify(&pk, sig, "a ledger entry", 14), PDL_OK);
	openssl_sign(d, "1234567812345679", "a ledger entry", sig);
	assert_int_equal(pdl_verify(&pk, sig, "a ledger entry", 14), PDL_EBADSIG);
	openssl_sign(d, NULL, "a ledger entry", sig);
	assert_int_equal(pdl_verify(&pk, sig, "a ledger entry", 14), PDL_EBADSIG);
	openssl_sign(d, "ALICE123@YAHOO.COM", "a ledger entry", sig);
	assert_int_equal(pdl_verify(&pk, sig, "a ledger entry", 14), PDL_EBADSIG);
}

/* Keys across suites: a key of one suite is refused where the other's is
 * wanted, naming both. */
static void
test_cross_suite_keys(void **state)
{
	(void)state;
	const struct pdl_suite *ed = &pdl_suite_ed25519_sha256, *sm = &pdl_suite_sm2_sm3;
	struct pdl_seckey a, b;
	struct pdl_pubkey pk;
	char b64[PDL_PK_B64_LEN], why[200];
	assert_int_equal(pdl_seckey_generate(&a, ed), PDL_OK);
	assert_int_equal(pdl_seckey_generate(&b, sm), PDL_OK);
	pdl_pubkey_b64(&a.pk, b64);
	assert_int_equal(pdl_pubkey_parse(&pk, sm, b64, strlen(b64), why, sizeof why), PDL_EINVAL);
	assert_non_null(strstr(why, "an Ed25519 public key (32 bytes), but this ledger's suite sm2-sm3 takes SM2 keys"));
	pdl_pubkey_b64(&b.pk, b64);
	assert_int_equal(strlen(b64), 88);
	assert_int_equal(pdl_pubkey_parse(&pk, ed, b64, strlen(b64), why, sizeof why), PDL_EINVAL);
	assert_non_null(strstr(why, "an SM2 public key (65 bytes), but this ledger's suite ed25519-sha256 takes Ed25519 keys"));
	assert_int_equal(pdl_pubkey_parse(&pk, sm, b64, strlen(b64), why, sizeof why), PDL_OK);
	/* a signature is checked with the key's own suite: an SM2 key does not
	 * verify an Ed25519 signature of the same bytes, nor the reverse */
	uint8_t sig[64];
	pdl_sign(&a, "x", 1, sig);
	assert_int_equal(pdl_verify(&b.pk, sig, "x", 1), PDL_EBADSIG);
	pdl_sign(&b, "x", 1, sig);
	assert_int_equal(pdl_verify(&a.pk, sig, "x", 1), PDL_EBADSIG);
	pdl_seckey_wipe(&a);
	pdl_seckey_wipe(&b);
}

/* ---- key files ---- */

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_key_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/pdl-crypto-XXXXXX", path[128];
	assert_non_null(mkdtemp(dir));
	struct pdl_status st = {0};
	for (const struct pdl_suite *const *s = pdl_suites; *s != NULL; s++) {
		struct pdl_pubkey pk;
		struct pdl_seckey k;
		snprintf(path, sizeof path, "%s/%s.key", dir, (*s)->alg);
		assert_int_equal(pdl_key_generate(path, *s, &pk, &st), PDL_OK);
		/* the first line names the algorithm */
		char text[256] = "", want[64];
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(text, sizeof text, f));
		fclose(f);
		snprintf(want, sizeof want, "pdl-%s-v1\n", (*s)->alg);
		assert_string_equal(text, want);
		assert_int_equal(pdl_key_load(path, &k, &st), PDL_OK);
		assert_ptr_equal(k.suite, *s);
		assert_true(pdl_pubkey_eq(&k.pk, &pk));
		pdl_seckey_wipe(&k);
		assert_int_equal(pdl_key_load_for(path, *s, &k, &st), PDL_OK);
		pdl_seckey_wipe(&k);
		/* a key of every other suite is refused, naming both */
		for (const struct pdl_suite *const *o = pdl_suites; *o != NULL; o++) {
			if (*o == *s)
				continue;
			assert_int_equal(pdl_key_load_for(path, *o, &k, &st), PDL_EKEY);
			assert_non_null(strstr(st.msg, (*s)->alg_name));
			assert_non_null(strstr(st.msg, (*o)->id));
			assert_null(k.suite);
		}
		/* never replaced */
		assert_int_equal(pdl_key_generate(path, *s, &pk, &st), PDL_EKEY);
	}
	/* the old Ed25519 key file form is the ed25519 suite's */
	snprintf(path, sizeof path, "%s/old.key", dir);
	write_file(path, "pdl-ed25519-v1\nTbcc3VP0op720bxJb0Uptwwm8QTrBKq+LpTNsSLJEOU=\n", 0600);
	struct pdl_seckey k;
	assert_int_equal(pdl_key_load(path, &k, &st), PDL_OK);
	assert_ptr_equal(k.suite, &pdl_suite_ed25519_sha256);
	pdl_seckey_wipe(&k);
	/* an algorithm pdl does not know, named */
	snprintf(path, sizeof path, "%s/rsa.key", dir);
	write_file(path, "pdl-rsa-v1\nTbcc3VP0op720bxJb0Uptwwm8QTrBKq+LpTNsSLJEOU=\n", 0600);
	assert_int_equal(pdl_key_load(path, &k, &st), PDL_EKEY);
	assert_non_null(strstr(st.msg, "\"rsa\""));
	/* first lines that are not pdl-<alg>-v1 */
	static const char *const bad[] = {
		"pdl-ed25519-v2\nTbcc3VP0op720bxJb0Uptwwm8QTrBKq+LpTNsSLJEOU=\n",
		"pdl--v1\nTbcc3VP0op720bxJb0Uptwwm8QTrBKq+LpTNsSLJEOU=\n",
		"ed25519-v1\nTbcc3VP0op720bxJb0Uptwwm8QTrBKq+LpTNsSLJEOU=\n",
		"pdl-ed25519-v1",
		"pdl-ed25519-v1\nTbcc3VP0op720bxJb0Uptwwm8QTrBKq+LpTNsSLJEO=\n",
		"pdl-ed25519-v1\nTbcc3VP0op720bxJb0Uptwwm8QTrBKq+LpTNsSLJEOU=",
		"pdl-abcdefghijklmnopq-v1\nTbcc3VP0op720bxJb0Uptwwm8QTrBKq+LpTNsSLJEOU=\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(path, sizeof path, "%s/bad%zu.key", dir, i);
		write_file(path, bad[i], 0600);
		assert_int_equal(pdl_key_load(path, &k, &st), PDL_EKEY);
		assert_null(k.suite);
	}
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- the genesis names the suite ---- */

/* An entry [0, 0, 32 zeros, act, 64 zeros, {}] whose act is a genesis with
 * body {origin, suite?}. */
static size_t
genesis_entry(uint8_t *out, size_t cap, const char *type, const char *suite)
{
	msgpack_sbuffer ab, eb;
	msgpack_packer p;
	msgpack_sbuffer_init(&ab);
	msgpack_packer_init(&p, &ab, msgpack_sbuffer_write);
	msgpack_pack_map(&p, 5);
	mp_pack_cstr(&p, "v");
	msgpack_pack_uint64(&p, 1);
	mp_pack_cstr(&p, "type");
	mp_pack_cstr(&p, type);
	mp_pack_cstr(&p, "actor");
	mp_pack_cstr(&p, "authority");
	mp_pack_cstr(&p, "nonce");
	msgpack_pack_uint64(&p, 0);
	mp_pack_cstr(&p, "body");
	msgpack_pack_map(&p, suite ? 2 : 1);
	mp_pack_cstr(&p, "origin");
	mp_pack_cstr(&p, "x.example/log");
	if (suite != NULL) {
		mp_pack_cstr(&p, "suite");
		mp_pack_cstr(&p, suite);
	}
	static const uint8_t zeros[PDL_SIG_BYTES];
	struct pdl_entry e = {0, 0, {0}, (const uint8_t *)ab.data, ab.size, zeros, NULL, 0};
	msgpack_sbuffer_init(&eb);
	pdl_entry_encode(&e, &eb);
	assert_true(eb.size <= cap);
	memcpy(out, eb.data, eb.size);
	size_t n = eb.size;
	msgpack_sbuffer_destroy(&ab);
	msgpack_sbuffer_destroy(&eb);
	return n;
}

static void
test_genesis_suite(void **state)
{
	(void)state;
	uint8_t b[512];
	const struct pdl_suite *s = NULL;
	struct pdl_status st = {0};
	/* none named: a ledger made before suites */
	size_t n = genesis_entry(b, sizeof b, "ledger.genesis", NULL);
	assert_int_equal(pdl_genesis_suite(b, n, &s, &st), PDL_OK);
	assert_ptr_equal(s, &pdl_suite_ed25519_sha256);
	for (const struct pdl_suite *const *x = pdl_suites; *x != NULL; x++) {
		n = genesis_entry(b, sizeof b, "ledger.genesis", (*x)->id);
		assert_int_equal(pdl_genesis_suite(b, n, &s, &st), PDL_OK);
		assert_ptr_equal(s, *x);
	}
	n = genesis_entry(b, sizeof b, "ledger.genesis", "rsa-md5\x01");
	assert_int_equal(pdl_genesis_suite(b, n, &s, &st), PDL_EINVAL);
	assert_null(s);
	assert_non_null(strstr(st.msg, "\"rsa-md5?\"")); /* named, control bytes shown as '?' */
	n = genesis_entry(b, sizeof b, "party.register", NULL);
	assert_int_equal(pdl_genesis_suite(b, n, &s, &st), PDL_EDECODE);
	assert_int_equal(pdl_genesis_suite(b, n - 1, &s, &st), PDL_EDECODE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite_table),
		cmocka_unit_test(test_every_suite),
		cmocka_unit_test(test_ed25519_is_libsodium),
		cmocka_unit_test(test_sm3_vectors),
		cmocka_unit_test(test_sm2_annex_verify),
		cmocka_unit_test(test_sm2_annex_sign),
		cmocka_unit_test(test_sm2_user_id),
		cmocka_unit_test(test_cross_suite_keys),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_genesis_suite),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
