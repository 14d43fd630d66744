/*
 * suite_sm2.c — the sm2-sm3 suite (国密): SM2 signatures (GB/T 32918, with
 * the user id "1234567812345678" of GB/T 35276 set explicitly: OpenSSL 3.0
 * defaults to an empty one) and SM3 hashes (GB/T 32905), both computed by
 * OpenSSL 3's default provider. Nothing here does curve or hash arithmetic
 * of its own; OpenSSL is used in this file only (spec/architecture.md).
 *
 * Encodings (spec/formats.md §16):
 *   public key  65 bytes, the uncompressed point 04 ‖ x ‖ y (big endian);
 *   secret key  the 32-byte private scalar d, big endian, 1 ≤ d ≤ n − 2;
 *   signature   64 bytes, r ‖ s, each 32 bytes big endian (OpenSSL speaks
 *               DER; converted here, so a signature has one encoding);
 *   signed-note types 0xff ‖ "pdl.sm2-sm3/note" (checkpoints) and
 *               0xff ‖ "pdl.sm2-sm3/cosignature" (cosignatures): C2SP
 *               assigns SM2 no type byte, and reserves 0xff for such.
 *
 * Deterministic signatures. SM2 needs a secret nonce k per signature; a
 * repeated or biased k gives the key away, and a random one makes every
 * ledger different on every run (a fixture's pinned root could not be
 * reproduced). So k is derived from the key and the message, as RFC 6979
 * derives ECDSA's: K = HMAC-SM3(d, "pdl/sm2/nonce/v1" ‖ public key ‖
 * SM3(message)), and the bytes OpenSSL's signer draws are the stream
 * HMAC-SM3(K, BE32(0)) ‖ HMAC-SM3(K, BE32(1)) ‖ … . OpenSSL 3.0 has no way
 * to hand its SM2 signer a nonce, so the stream reaches it through the one
 * interface it draws randomness by: a RAND_METHOD installed once, which
 * gives the current thread's stream while a signature is being made and
 * libsodium's randomness at every other time (key generation included).
 * The signature is an ordinary SM2 signature: verifiers need none of this.
 * Its bytes depend on how many random bytes OpenSSL draws and in what order
 * (its k first, then its blinding), which a change of OpenSSL could alter;
 * then the fixtures' sm2-sm3 root would need regenerating, nothing else.
 *
 * Speed. An SM2 verification is two scalar multiplications in OpenSSL's
 * generic code (about 0.3 ms here); what OpenSSL 3's EVP layer adds per call
 * (key objects, contexts, fetches) is kept off that path: a party key's
 * EVP_PKEY is made once per thread and cached, the digest contexts are made
 * once per thread and reused, SM3 is fetched once.
 *
 * Invariants:
 *  (1) init (pthread_once) has run before any OpenSSL call here: the SM3
 *      method, the curve and the RAND_METHOD are set once and read-only
 *      afterwards;
 *  (2) a thread's nonce stream is on only inside sm2_sign, so no other
 *      draw of randomness (a key, a blinding outside a signature) is
 *      derived;
 *  (3) every per-thread object (digest contexts, key cache) is freed when
 *      its thread exits (pthread key destructor), the main thread's at exit.
 */
/* RAND_set_rand_method is deprecated in OpenSSL 3.0 but is its only hook
 * for the signer's randomness (above). */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "suite.h"

#define SM2_USER_ID "1234567812345678" /* the default user id of GM/T 0009-2012 and GB/T 35276-2017 */
#define SM2_USER_ID_LEN 16u
#define SM2_PK_BYTES 65u         /* 04 ‖ x ‖ y */
#define SM2_SCALAR_BYTES 32u
#define SM2_DER_SIG_MAX 80u      /* SEQUENCE of two INTEGERs of at most 33 bytes */
#define KEY_CACHE 64u            /* party keys kept per thread: the actors of a busy minute */
#define NONCE_DOMAIN "pdl/sm2/nonce/v1"

_Static_assert(SM2_SCALAR_BYTES == PDL_SECRET_BYTES, "an SM2 private scalar is PDL_SECRET_BYTES");
_Static_assert(2 * SM2_SCALAR_BYTES == PDL_SIG_BYTES, "an SM2 signature r || s is PDL_SIG_BYTES");
_Static_assert(SM2_PK_BYTES <= PDL_PK_BYTES_MAX, "an SM2 public key fits a pdl_pubkey");

/* ---- process-wide, set once (invariant 1) ---- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_ok;
static EVP_MD *sm3;
static EC_GROUP *curve;
static BIGNUM *order_minus_1; /* d must be below it */
static pthread_key_t tls_key;

/* ---- per thread ---- */

struct cached_key {
	uint8_t pk[SM2_PK_BYTES];
	EVP_PKEY *key;
};

struct tls {
	EVP_MD_CTX *md;  /* one-shot hashes */
	EVP_MD_CTX *sig; /* signing and verifying */
	struct cached_key cache[KEY_CACHE];
	/* the nonce stream of the signature being made (invariant 2) */
	int stream_on;
	uint8_t stream_key[PDL_HASH_BYTES];
	uint32_t stream_ctr;
	uint8_t block[PDL_HASH_BYTES];
	size_t block_used;
	int test_k_set;
	uint8_t test_k[SM2_SCALAR_BYTES];
};

static void
tls_free(void *p)
{
	struct tls *t = p;
	if (t == NULL)
		return;
	EVP_MD_CTX_free(t->md);
	EVP_MD_CTX_free(t->sig);
	for (unsigned i = 0; i < KEY_CACHE; i++)
		EVP_PKEY_free(t->cache[i].key);
	sodium_memzero(t, sizeof *t);
	free(t);
}

static void
fatal(const char *what)
{
	fprintf(stderr, "pdl: OpenSSL failed (%s): ", what);
	ERR_print_errors_fp(stderr);
	fputc('\n', stderr);
	abort();
}

static struct tls *
tls_get(void)
{
	struct tls *t = pthread_getspecific(tls_key);
	if (t != NULL)
		return t;
	t = calloc(1, sizeof *t);
	if (t == NULL || (t->md = EVP_MD_CTX_new()) == NULL || (t->sig = EVP_MD_CTX_new()) == NULL ||
	    pthread_setspecific(tls_key, t) != 0)
		fatal("per-thread contexts");
	return t;
}

/* ---- the nonce stream ---- */

static void
hmac_sm3(const uint8_t *key, size_t kn, const void *data, size_t dn, uint8_t out[PDL_HASH_BYTES])
{
	size_t on = 0;
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SM3", NULL, key, kn, data, dn, out, PDL_HASH_BYTES, &on) == NULL ||
	    on != PDL_HASH_BYTES)
		fatal("HMAC-SM3");
}

static void sm3_hashv(uint8_t out[PDL_HASH_BYTES], const struct pdl_iov *v, size_t n);

/* K = HMAC-SM3(d, NONCE_DOMAIN ‖ public key ‖ SM3(m)); the stream starts. */
static void
stream_start(struct tls *t, const struct pdl_seckey *k, const void *m, size_t n)
{
	uint8_t in[sizeof NONCE_DOMAIN - 1 + SM2_PK_BYTES + PDL_HASH_BYTES];
	const struct pdl_iov v = {m, n};
	memcpy(in, NONCE_DOMAIN, sizeof NONCE_DOMAIN - 1);
	memcpy(in + sizeof NONCE_DOMAIN - 1, k->pk.b, SM2_PK_BYTES);
	sm3_hashv(in + sizeof NONCE_DOMAIN - 1 + SM2_PK_BYTES, &v, 1);
	hmac_sm3(k->secret, SM2_SCALAR_BYTES, in, sizeof in, t->stream_key);
	t->stream_ctr = 0;
	t->block_used = PDL_HASH_BYTES;
	t->stream_on = 1;
}

static void
stream_stop(struct tls *t)
{
	t->stream_on = 0;
	t->test_k_set = 0;
	sodium_memzero(t->stream_key, sizeof t->stream_key);
	sodium_memzero(t->block, sizeof t->block);
}

static void
stream_fill(struct tls *t, uint8_t *buf, size_t num)
{
	if (t->test_k_set && num == SM2_SCALAR_BYTES) {
		/* tests only (pdl_sm2_nonce_for_tests): the standard's k first */
		memcpy(buf, t->test_k, SM2_SCALAR_BYTES);
		t->test_k_set = 0;
		return;
	}
	for (size_t i = 0; i < num; i++) {
		if (t->block_used == PDL_HASH_BYTES) {
			uint8_t ctr[4] = {(uint8_t)(t->stream_ctr >> 24), (uint8_t)(t->stream_ctr >> 16),
			                  (uint8_t)(t->stream_ctr >> 8), (uint8_t)t->stream_ctr};
			hmac_sm3(t->stream_key, sizeof t->stream_key, ctr, sizeof ctr, t->block);
			t->stream_ctr++;
			t->block_used = 0;
		}
		buf[i] = t->block[t->block_used++];
	}
}

/* OpenSSL's randomness: the signing thread's stream, else libsodium's. */
static int
rand_bytes(unsigned char *buf, int num)
{
	struct tls *t = pthread_getspecific(tls_key);
	if (num < 0)
		return 0;
	if (t != NULL && t->stream_on)
		stream_fill(t, buf, (size_t)num);
	else
		randombytes_buf(buf, (size_t)num);
	return 1;
}

static int
rand_status(void)
{
	return 1;
}

static RAND_METHOD rand_method = {NULL, rand_bytes, NULL, NULL, rand_bytes, rand_status};

void
pdl_sm2_nonce_for_tests(const uint8_t k[32])
{
	struct tls *t = tls_get();
	memcpy(t->test_k, k, SM2_SCALAR_BYTES);
	t->test_k_set = 1;
}

/* ---- init ---- */

/* The exiting thread's objects (the main thread's, at exit): freed before
 * OpenSSL's own cleanup, which was registered earlier and so runs later. */
static void
free_exiting_thread(void)
{
	tls_free(pthread_getspecific(tls_key));
	pthread_setspecific(tls_key, NULL);
}

static void
init_once(void)
{
	if (pthread_key_create(&tls_key, tls_free) != 0)
		return;
	if (RAND_set_rand_method(&rand_method) != 1)
		return;
	sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
	curve = EC_GROUP_new_by_curve_name(NID_sm2);
	order_minus_1 = BN_new();
	if (sm3 == NULL || curve == NULL || order_minus_1 == NULL ||
	    BN_copy(order_minus_1, EC_GROUP_get0_order(curve)) == NULL || !BN_sub_word(order_minus_1, 1))
		return;
	atexit(free_exiting_thread);
	init_ok = 1;
}

int
pdl_sm2_init(void)
{
	pthread_once(&once, init_once);
	return init_ok ? PDL_OK : PDL_EINVAL;
}

static void
need_init(void)
{
	if (pdl_sm2_init() != PDL_OK)
		fatal("SM2/SM3 unavailable");
}

/* ---- SM3 ---- */

static void
sm3_hashv(uint8_t out[PDL_HASH_BYTES], const struct pdl_iov *v, size_t n)
{
	need_init();
	struct tls *t = tls_get();
	unsigned on = 0;
	if (EVP_DigestInit_ex2(t->md, sm3, NULL) != 1)
		fatal("SM3 init");
	for (size_t i = 0; i < n; i++)
		if (v[i].n > 0 && EVP_DigestUpdate(t->md, v[i].p, v[i].n) != 1)
			fatal("SM3 update");
	if (EVP_DigestFinal_ex(t->md, out, &on) != 1 || on != PDL_HASH_BYTES) /* out may alias a piece: read by now */
		fatal("SM3 final");
}

static void
sm3_init(pdl_digest_ctx *h)
{
	need_init();
	h->suite = &pdl_suite_sm2_sm3;
	if ((h->u.md = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex2(h->u.md, sm3, NULL) != 1)
		fatal("SM3 init");
}

static void
sm3_update(pdl_digest_ctx *h, const void *m, size_t n)
{
	if (n > 0 && EVP_DigestUpdate(h->u.md, m, n) != 1)
		fatal("SM3 update");
}

static void
sm3_final(pdl_digest_ctx *h, uint8_t out[PDL_HASH_BYTES])
{
	unsigned on = 0;
	if (EVP_DigestFinal_ex(h->u.md, out, &on) != 1 || on != PDL_HASH_BYTES)
		fatal("SM3 final");
	EVP_MD_CTX_free(h->u.md);
	h->u.md = NULL;
	h->suite = NULL;
}

/* ---- keys ---- */

/* An EVP_PKEY of the point pk and, when d is not NULL, the scalar d. */
static EVP_PKEY *
make_pkey(const uint8_t pk[SM2_PK_BYTES], const BIGNUM *d)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *key = NULL;
	if (b == NULL || !OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, SN_sm2, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pk, SM2_PK_BYTES) ||
	    (d != NULL && !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d)) ||
	    (params = OSSL_PARAM_BLD_to_param(b)) == NULL)
		goto fail;
	if ((pc = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL)) == NULL || EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, &key, d != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1)
		key = NULL;
fail:
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	return key;
}

/* PDL_OK when b is an uncompressed point on the curve, not the identity. */
static int
point_ok(const uint8_t *b)
{
	need_init();
	if (b[0] != POINT_CONVERSION_UNCOMPRESSED)
		return PDL_EINVAL;
	EC_POINT *p = EC_POINT_new(curve);
	int ok = p != NULL && EC_POINT_oct2point(curve, p, b, SM2_PK_BYTES, NULL) == 1 &&
	         !EC_POINT_is_at_infinity(curve, p) && EC_POINT_is_on_curve(curve, p, NULL) == 1;
	EC_POINT_free(p);
	ERR_clear_error();
	return ok ? PDL_OK : PDL_EINVAL;
}

static int
sm2_pk_check(const uint8_t *b)
{
	return point_ok(b);
}

static int
sm2_open(struct pdl_seckey *k)
{
	need_init();
	int rc = PDL_EKEY;
	BIGNUM *d = BN_secure_new();
	EC_POINT *p = EC_POINT_new(curve);
	BN_CTX *bc = BN_CTX_secure_new();
	k->obj = NULL;
	if (d == NULL || p == NULL || bc == NULL) {
		rc = PDL_ENOMEM;
		goto fail;
	}
	/* GB/T 32918.1: the private key is in [1, n - 2] */
	if (BN_bin2bn(k->secret, SM2_SCALAR_BYTES, d) == NULL || BN_is_zero(d) || BN_cmp(d, order_minus_1) >= 0)
		goto fail;
	BN_set_flags(d, BN_FLG_CONSTTIME);
	if (EC_POINT_mul(curve, p, d, NULL, NULL, bc) != 1 ||
	    EC_POINT_point2oct(curve, p, POINT_CONVERSION_UNCOMPRESSED, k->pk.b, SM2_PK_BYTES, bc) != SM2_PK_BYTES)
		goto fail;
	if ((k->obj = make_pkey(k->pk.b, d)) == NULL) {
		rc = PDL_ENOMEM;
		goto fail;
	}
	k->pk.suite = k->suite;
	rc = PDL_OK;
fail:
	BN_CTX_free(bc);
	EC_POINT_free(p);
	BN_clear_free(d);
	ERR_clear_error();
	return rc;
}

static int
sm2_keygen(struct pdl_seckey *k)
{
	/* a uniform scalar, drawn again in the rare case it is not in [1, n - 2] */
	for (int tries = 0; tries < 64; tries++) {
		randombytes_buf(k->secret, SM2_SCALAR_BYTES);
		int rc = sm2_open(k);
		if (rc != PDL_EKEY)
			return rc;
	}
	return PDL_ENOMEM;
}

static void
sm2_close(struct pdl_seckey *k)
{
	EVP_PKEY_free(k->obj);
	k->obj = NULL;
}

/* The thread's EVP_PKEY for public key pk, made on first use. */
static EVP_PKEY *
cached_pkey(struct tls *t, const uint8_t pk[SM2_PK_BYTES])
{
	uint32_t h = 2166136261u;
	for (unsigned i = 1; i < SM2_PK_BYTES; i++)
		h = (h ^ pk[i]) * 16777619u;
	struct cached_key *c = &t->cache[h % KEY_CACHE];
	if (c->key != NULL && memcmp(c->pk, pk, SM2_PK_BYTES) == 0)
		return c->key;
	EVP_PKEY *key = make_pkey(pk, NULL);
	if (key == NULL)
		return NULL; /* not a key: nothing cached */
	EVP_PKEY_free(c->key);
	memcpy(c->pk, pk, SM2_PK_BYTES);
	c->key = key;
	return key;
}

/* ---- signatures ---- */

/* mctx set up to sign or verify with key under the user id. */
static int
sig_init(EVP_MD_CTX *mctx, EVP_PKEY *key, int sign, EVP_PKEY_CTX **pc)
{
	*pc = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (*pc == NULL || EVP_PKEY_CTX_set1_id(*pc, SM2_USER_ID, SM2_USER_ID_LEN) != 1)
		return -1;
	EVP_MD_CTX_set_pkey_ctx(mctx, *pc);
	return sign ? EVP_DigestSignInit(mctx, NULL, sm3, NULL, key) : EVP_DigestVerifyInit(mctx, NULL, sm3, NULL, key);
}

static void
sig_done(EVP_MD_CTX *mctx, EVP_PKEY_CTX *pc)
{
	EVP_MD_CTX_reset(mctx); /* keeps pc: EVP_MD_CTX_set_pkey_ctx leaves it to the caller */
	EVP_PKEY_CTX_free(pc);
	ERR_clear_error();
}

static void
sm2_sign(const struct pdl_seckey *k, const void *m, size_t n, uint8_t sig[PDL_SIG_BYTES])
{
	need_init();
	struct tls *t = tls_get();
	uint8_t der[SM2_DER_SIG_MAX];
	size_t dn = sizeof der;
	EVP_PKEY_CTX *pc = NULL;
	const uint8_t *dp = der;
	ECDSA_SIG *es = NULL;
	assert(k->obj != NULL);
	stream_start(t, k, m, n);
	int ok = sig_init(t->sig, k->obj, 1, &pc) == 1 && EVP_DigestSign(t->sig, der, &dn, m, n) == 1;
	stream_stop(t);
	sig_done(t->sig, pc);
	if (!ok || (es = d2i_ECDSA_SIG(NULL, &dp, (long)dn)) == NULL ||
	    BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, SM2_SCALAR_BYTES) != SM2_SCALAR_BYTES ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + SM2_SCALAR_BYTES, SM2_SCALAR_BYTES) != SM2_SCALAR_BYTES)
		fatal("SM2 sign");
	ECDSA_SIG_free(es);
}

/* r ‖ s as the DER OpenSSL verifies; 0 when either is 0 (never valid). */
static size_t
sig_der(const uint8_t sig[PDL_SIG_BYTES], uint8_t der[SM2_DER_SIG_MAX])
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, SM2_SCALAR_BYTES, NULL), *s = BN_bin2bn(sig + SM2_SCALAR_BYTES, SM2_SCALAR_BYTES, NULL);
	size_t n = 0;
	if (es != NULL && r != NULL && s != NULL && !BN_is_zero(r) && !BN_is_zero(s) && ECDSA_SIG_set0(es, r, s) == 1) {
		r = s = NULL; /* es owns them now */
		int len = i2d_ECDSA_SIG(es, NULL);
		uint8_t *p = der;
		if (len > 0 && (size_t)len <= SM2_DER_SIG_MAX && i2d_ECDSA_SIG(es, &p) == len)
			n = (size_t)len;
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return n;
}

static int
sm2_verify(const struct pdl_pubkey *pk, const uint8_t sig[PDL_SIG_BYTES], const void *m, size_t n)
{
	need_init();
	assert(pk->suite == &pdl_suite_sm2_sm3);
	struct tls *t = tls_get();
	uint8_t der[SM2_DER_SIG_MAX];
	size_t dn = sig_der(sig, der);
	EVP_PKEY *key = cached_pkey(t, pk->b);
	EVP_PKEY_CTX *pc = NULL;
	if (dn == 0 || key == NULL) {
		ERR_clear_error();
		return PDL_EBADSIG;
	}
	int ok = sig_init(t->sig, key, 0, &pc) == 1 && EVP_DigestVerify(t->sig, der, dn, m, n) == 1;
	sig_done(t->sig, pc);
	return ok ? PDL_OK : PDL_EBADSIG;
}

const struct pdl_suite pdl_suite_sm2_sm3 = {
	.id = "sm2-sm3",
	.alg = "sm2",
	.alg_name = "SM2",
	.hash_name = "SM3",
	.hash_bytes = PDL_HASH_BYTES, /* SM3's 256 bits */
	.sig_bytes = PDL_SIG_BYTES,
	.pk_bytes = SM2_PK_BYTES,
	.pk_form = "65 bytes, an uncompressed point 04 || x || y on the SM2 curve",
	.note = {0xff, "pdl.sm2-sm3/note"},        /* C2SP signed-note: 0xff and an identifier */
	.cosig = {0xff, "pdl.sm2-sm3/cosignature"},
	.hash_init = sm3_init,
	.hash_update = sm3_update,
	.hash_final = sm3_final,
	.hashv = sm3_hashv,
	.keygen = sm2_keygen,
	.key_open = sm2_open,
	.key_close = sm2_close,
	.pk_check = sm2_pk_check,
	.sign = sm2_sign,
	.verify = sm2_verify,
};
