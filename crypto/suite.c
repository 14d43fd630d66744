/* suite.c — see suite.h: the list of suites, the ledger's suite, and what
 * every suite does the same way (key parsing, signed-note key bytes). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "suite.h"

const struct pdl_suite *const pdl_suites[] = {
	&pdl_suite_ed25519_sha256,
	&pdl_suite_sm2_sm3,
	NULL,
};

/* The ledger's suite (suite.h): set before any thread hashes, read-only
 * afterwards (invariant 1). */
static const struct pdl_suite *ledger_suite = &pdl_suite_ed25519_sha256;

static int
str_is(const char *s, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(s, want, n) == 0;
}

const struct pdl_suite *
pdl_suite_find(const char *id, size_t n)
{
	for (const struct pdl_suite *const *s = pdl_suites; *s != NULL; s++)
		if (str_is(id, n, (*s)->id))
			return *s;
	return NULL;
}

const struct pdl_suite *
pdl_suite_by_alg(const char *alg, size_t n)
{
	for (const struct pdl_suite *const *s = pdl_suites; *s != NULL; s++)
		if (str_is(alg, n, (*s)->alg))
			return *s;
	return NULL;
}

const char *
pdl_suite_list(void)
{
	static char list[128];
	if (list[0] == '\0') {
		size_t o = 0;
		for (const struct pdl_suite *const *s = pdl_suites; *s != NULL && o < sizeof list; s++)
			o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", o ? ", " : "", (*s)->id);
	}
	return list;
}

void
pdl_suite_use(const struct pdl_suite *s)
{
	assert(s != NULL);
	assert(s->hash_bytes == PDL_HASH_BYTES && s->sig_bytes == PDL_SIG_BYTES);
	assert(s->pk_bytes > 0 && s->pk_bytes <= PDL_PK_BYTES_MAX);
	assert(strlen(s->id) <= PDL_SUITE_ID_LEN_MAX);
	ledger_suite = s;
}

const struct pdl_suite *
pdl_suite(void)
{
	return ledger_suite;
}

void
pdl_digest(uint8_t out[PDL_HASH_BYTES], const void *m, size_t n)
{
	const struct pdl_iov v = {m, n};
	ledger_suite->hashv(out, &v, 1);
}

void
pdl_digestv(uint8_t out[PDL_HASH_BYTES], const struct pdl_iov *v, size_t n)
{
	ledger_suite->hashv(out, v, n);
}

void
pdl_digest_init(pdl_digest_ctx *h)
{
	ledger_suite->hash_init(h);
}

void
pdl_digest_update(pdl_digest_ctx *h, const void *m, size_t n)
{
	assert(h->suite != NULL);
	h->suite->hash_update(h, m, n);
}

void
pdl_digest_final(pdl_digest_ctx *h, uint8_t out[PDL_HASH_BYTES])
{
	assert(h->suite != NULL);
	h->suite->hash_final(h, out);
}

int
pdl_pubkey_set(struct pdl_pubkey *pk, const struct pdl_suite *s, const uint8_t *b, size_t n)
{
	memset(pk, 0, sizeof *pk);
	if (n != s->pk_bytes || s->pk_check(b) != PDL_OK)
		return PDL_EINVAL;
	pk->suite = s;
	memcpy(pk->b, b, n);
	return PDL_OK;
}

/* The suite whose keys are n bytes long (invariant 3), or NULL. */
static const struct pdl_suite *
suite_of_length(size_t n)
{
	for (const struct pdl_suite *const *s = pdl_suites; *s != NULL; s++)
		if ((*s)->pk_bytes == n)
			return *s;
	return NULL;
}

int
pdl_pubkey_parse(struct pdl_pubkey *pk, const struct pdl_suite *s, const char *b64, size_t n, char *why,
                 size_t cap)
{
	uint8_t raw[PDL_PK_BYTES_MAX + 3]; /* room to see a longer key as too long */
	size_t got = 0;
	memset(pk, 0, sizeof *pk);
	if (pdl_unb64_var(b64, n, raw, sizeof raw, &got) != PDL_OK) {
		snprintf(why, cap, "not a base64 %s public key", s->alg_name);
		return PDL_EINVAL;
	}
	if (got != s->pk_bytes) {
		const struct pdl_suite *other = suite_of_length(got);
		if (other != NULL)
			snprintf(why, cap, "an %s public key (%zu bytes), but this ledger's suite %s takes %s keys (%zu bytes)",
			         other->alg_name, got, s->id, s->alg_name, s->pk_bytes);
		else
			snprintf(why, cap, "not a base64 %s public key (%zu bytes, not %zu)", s->alg_name, got, s->pk_bytes);
		return PDL_EINVAL;
	}
	if (pdl_pubkey_set(pk, s, raw, got) != PDL_OK) {
		snprintf(why, cap, "not an %s public key (%s)", s->alg_name, s->pk_form);
		return PDL_EINVAL;
	}
	return PDL_OK;
}

void
pdl_pubkey_b64(const struct pdl_pubkey *pk, char out[PDL_PK_B64_LEN])
{
	assert(pk->suite != NULL);
	pdl_b64(pk->b, pk->suite->pk_bytes, out);
}

int
pdl_pubkey_eq(const struct pdl_pubkey *a, const struct pdl_pubkey *b)
{
	return a->suite != NULL && a->suite == b->suite && memcmp(a->b, b->b, a->suite->pk_bytes) == 0;
}

void
pdl_sign(const struct pdl_seckey *k, const void *m, size_t n, uint8_t sig[PDL_SIG_BYTES])
{
	assert(k->suite != NULL);
	k->suite->sign(k, m, n, sig);
}

int
pdl_verify(const struct pdl_pubkey *pk, const uint8_t sig[PDL_SIG_BYTES], const void *m, size_t n)
{
	if (pk->suite == NULL)
		return PDL_EBADSIG;
	return pk->suite->verify(pk, sig, m, n) == PDL_OK ? PDL_OK : PDL_EBADSIG;
}

void
pdl_verify_many(struct pdl_sigcheck *c, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const struct pdl_suite *s = c[i].pk->suite;
		size_t j = i + 1;
		while (j < n && c[j].pk->suite == s)
			j++;
		if (s != NULL && s->verify_many != NULL)
			s->verify_many(c + i, j - i);
		else
			for (size_t k = i; k < j; k++)
				c[k].rc = pdl_verify(c[k].pk, c[k].sig, c[k].m, c[k].n);
		i = j;
	}
}

int
pdl_verify_plain(const struct pdl_pubkey *pk, const uint8_t sig[PDL_SIG_BYTES], const void *m, size_t n)
{
	if (pk->suite == NULL)
		return PDL_EBADSIG;
	int (*f)(const struct pdl_pubkey *, const uint8_t *, const void *, size_t) =
	        pk->suite->verify_plain != NULL ? pk->suite->verify_plain : pk->suite->verify;
	return f(pk, sig, m, n) == PDL_OK ? PDL_OK : PDL_EBADSIG;
}

int
pdl_seckey_generate(struct pdl_seckey *k, const struct pdl_suite *s)
{
	memset(k, 0, sizeof *k);
	k->suite = s;
	int rc = s->keygen(k);
	assert(rc != PDL_OK || k->pk.suite == s);
	return rc;
}

int
pdl_seckey_open(struct pdl_seckey *k, const struct pdl_suite *s, const uint8_t secret[PDL_SECRET_BYTES])
{
	memset(k, 0, sizeof *k);
	k->suite = s;
	memcpy(k->secret, secret, PDL_SECRET_BYTES);
	int rc = s->key_open(k);
	assert(rc != PDL_OK || k->pk.suite == s);
	return rc;
}

void
pdl_seckey_wipe(struct pdl_seckey *k)
{
	if (k->suite != NULL && k->obj != NULL)
		k->suite->key_close(k);
	pdl_wipe(k, sizeof *k);
}

size_t
pdl_pubkey_note_bytes(const struct pdl_pubkey *pk, int cosig, uint8_t out[PDL_NOTE_KEY_BYTES_MAX])
{
	const struct pdl_note_type *t = cosig ? &pk->suite->cosig : &pk->suite->note;
	size_t idn = strlen(t->id);
	assert(1 + idn <= PDL_NOTE_TYPE_BYTES_MAX);
	out[0] = t->type;
	memcpy(out + 1, t->id, idn);
	memcpy(out + 1 + idn, pk->b, pk->suite->pk_bytes);
	return 1 + idn + pk->suite->pk_bytes;
}

uint32_t
pdl_pubkey_note_id(const struct pdl_pubkey *pk, int cosig, const char *name, size_t name_len)
{
	uint8_t kb[PDL_NOTE_KEY_BYTES_MAX], h[PDL_HASH_BYTES];
	size_t kn = pdl_pubkey_note_bytes(pk, cosig, kb);
	const struct pdl_iov v[3] = {{name, name_len}, {"\n", 1}, {kb, kn}};
	pk->suite->hashv(h, v, 3);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

int
pdl_pubkey_note_parse(const uint8_t *raw, size_t n, struct pdl_pubkey *pk)
{
	memset(pk, 0, sizeof *pk);
	for (const struct pdl_suite *const *s = pdl_suites; *s != NULL; s++) {
		size_t idn = strlen((*s)->note.id);
		if (n < 1 + idn || raw[0] != (*s)->note.type || memcmp(raw + 1, (*s)->note.id, idn) != 0)
			continue;
		return pdl_pubkey_set(pk, *s, raw + 1 + idn, n - 1 - idn) == PDL_OK ? PDL_OK : PDL_ENOTE;
	}
	return PDL_ENOTE;
}
