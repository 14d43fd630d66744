/*
 * suite_ed25519.c — the ed25519-sha256 suite: Ed25519 signatures
 * (RFC 8032, libsodium) and SHA-256 (sha256.h). The suite of every ledger
 * whose genesis names none, and the only one C2SP tlog-tiles and the
 * public witness network accept.
 *
 * Signatures are checked by ed25519.c: libsodium's answer, from a table of
 * the key's multiples once the key has been seen before.
 *
 * A secret key is the 32-byte seed; libsodium's 64-byte secret key is
 * seed ‖ public key, put together on the stack for each signature and
 * wiped after it. Signed notes use C2SP's assigned types: 0x01 (Ed25519
 * signatures) and 0x04 (timestamped Ed25519 cosignatures).
 */
#include <assert.h>
#include <sodium.h>
#include <string.h>

#include "crypto.h"
#include "ed25519.h"
#include "sha256.h"
#include "suite.h"

_Static_assert(sizeof(pdl_sha256_ctx) <= PDL_DIGEST_STATE_BYTES, "a SHA-256 state fits a pdl_digest_ctx");

static pdl_sha256_ctx *
sha_ctx(pdl_digest_ctx *h)
{
	return (pdl_sha256_ctx *)(void *)h->u.state;
}

static void
sha_init(pdl_digest_ctx *h)
{
	h->suite = &pdl_suite_ed25519_sha256;
	pdl_sha256_init(sha_ctx(h));
}

static void
sha_update(pdl_digest_ctx *h, const void *m, size_t n)
{
	pdl_sha256_update(sha_ctx(h), m, n);
}

static void
sha_final(pdl_digest_ctx *h, uint8_t out[PDL_HASH_BYTES])
{
	pdl_sha256_final(sha_ctx(h), out);
	h->suite = NULL;
}

static void
sha_hashv(uint8_t out[PDL_HASH_BYTES], const struct pdl_iov *v, size_t n)
{
	pdl_sha256_ctx c;
	pdl_sha256_init(&c);
	for (size_t i = 0; i < n; i++)
		if (v[i].n > 0)
			pdl_sha256_update(&c, v[i].p, v[i].n);
	pdl_sha256_final(&c, out); /* after every piece is read: out may alias one */
}

static int
ed_open(struct pdl_seckey *k)
{
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	crypto_sign_seed_keypair(k->pk.b, sk, k->secret);
	sodium_memzero(sk, sizeof sk);
	k->pk.suite = k->suite;
	k->obj = NULL;
	return PDL_OK;
}

static int
ed_keygen(struct pdl_seckey *k)
{
	randombytes_buf(k->secret, sizeof k->secret);
	return ed_open(k);
}

static void
ed_close(struct pdl_seckey *k)
{
	(void)k; /* nothing beyond the secret, which the caller wipes */
}

static int
ed_pk_check(const uint8_t *b)
{
	(void)b; /* any 32 bytes: a key no one holds verifies nothing */
	return PDL_OK;
}

static void
ed_sign(const struct pdl_seckey *k, const void *m, size_t n, uint8_t sig[PDL_SIG_BYTES])
{
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	_Static_assert(crypto_sign_SECRETKEYBYTES == PDL_SECRET_BYTES + crypto_sign_PUBLICKEYBYTES,
	               "libsodium's secret key is seed || public key");
	memcpy(sk, k->secret, PDL_SECRET_BYTES);
	memcpy(sk + PDL_SECRET_BYTES, k->pk.b, crypto_sign_PUBLICKEYBYTES);
	crypto_sign_detached(sig, NULL, m, n, sk);
	sodium_memzero(sk, sizeof sk);
}

static int
ed_verify(const struct pdl_pubkey *pk, const uint8_t sig[PDL_SIG_BYTES], const void *m, size_t n)
{
	assert(pk->suite == &pdl_suite_ed25519_sha256);
	return pdl_ed25519_verify(sig, m, n, pk->b) == 0 ? PDL_OK : PDL_EBADSIG;
}

static int
ed_verify_plain(const struct pdl_pubkey *pk, const uint8_t sig[PDL_SIG_BYTES], const void *m, size_t n)
{
	assert(pk->suite == &pdl_suite_ed25519_sha256);
	return crypto_sign_verify_detached(sig, m, n, pk->b) == 0 ? PDL_OK : PDL_EBADSIG;
}

static void
ed_verify_many(struct pdl_sigcheck *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert(c[i].pk->suite == &pdl_suite_ed25519_sha256);
	pdl_ed25519_verify_many(c, n);
}

_Static_assert(crypto_sign_BYTES == PDL_SIG_BYTES, "an Ed25519 signature is PDL_SIG_BYTES");
_Static_assert(crypto_sign_SEEDBYTES == PDL_SECRET_BYTES, "an Ed25519 seed is PDL_SECRET_BYTES");
_Static_assert(crypto_hash_sha256_BYTES == PDL_HASH_BYTES, "a SHA-256 digest is PDL_HASH_BYTES");

const struct pdl_suite pdl_suite_ed25519_sha256 = {
	.id = "ed25519-sha256",
	.alg = "ed25519",
	.alg_name = "Ed25519",
	.hash_name = "SHA-256",
	.hash_bytes = crypto_hash_sha256_BYTES,
	.sig_bytes = crypto_sign_BYTES,
	.pk_bytes = crypto_sign_PUBLICKEYBYTES,
	.pk_form = "32 bytes, RFC 8032",
	.note = {0x01, ""},  /* C2SP signed-note: Ed25519 */
	.cosig = {0x04, ""}, /* C2SP tlog-cosignature: timestamped Ed25519 */
	.hash_init = sha_init,
	.hash_update = sha_update,
	.hash_final = sha_final,
	.hashv = sha_hashv,
	.keygen = ed_keygen,
	.key_open = ed_open,
	.key_close = ed_close,
	.pk_check = ed_pk_check,
	.sign = ed_sign,
	.verify = ed_verify,
	.verify_plain = ed_verify_plain,
	.verify_many = ed_verify_many,
};
