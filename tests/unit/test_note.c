/*
 * test_note.c — signed notes, verifier keys and checkpoints.
 *
 * Reference vectors, copied from their sources (not produced by this code):
 *  - golang.org/x/mod sumdb/note/note_test.go: the PeterNeumann and EnochRoot
 *    keys, the PeterNeumann signer seed, the signed note, the manglings and
 *    the malformed notes of TestNewVerifier, TestSign and TestOpen.
 *  - google/trillian-examples formats/log/checkpoint_test.go: a checkpoint
 *    signed by sum.golang.org, with that log's verifier key (as in Go's
 *    cmd/go/internal/modfetch/key.go).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "note.h"

#define EM "\xe2\x80\x94"  /* U+2014 */

#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define PETER_SEED_B64 "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"  /* 0x01 || seed */
#define ENOCH_VKEY "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define GO_TEXT                                                    \
	"If you think cryptography is the answer to your problem,\n" \
	"then you don't know what your problem is.\n"
#define PETER_SIG                                                                    \
	EM " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZS" \
	   "NXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define ENOCH_SIG                                                                    \
	EM " EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovT" \
	   "G01oOTGwnWLox33WWd1RvMc+QQ=\n"

#define SUMDB_VKEY "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
#define SUMDB_NOTE                                                                    \
	"go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n" \
	EM " sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu9" \
	   "5949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n"

#define ORIGIN "example.com/pdl"
#define WITNESS "witness.example/w1"
#define ROOT_0_31 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

struct key {
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
};


/* These tests hold Ed25519 keys as libsodium's bytes (the Go vectors are
 * Ed25519 keys); the t_ functions hand them to note.h as keys of the
 * ed25519-sha256 suite (suite.h). */
static struct pdl_pubkey ed_pk(const uint8_t pk[32])
{
	struct pdl_pubkey k;

	assert_int_equal(pdl_pubkey_set(&k, &pdl_suite_ed25519_sha256, pk, 32), PDL_OK);
	return k;
}

static int t_note_verify(const char *note, size_t len, const char *name, const uint8_t pk[32], size_t *body_len)
{
	struct pdl_pubkey k = ed_pk(pk);

	return pdl_note_verify(note, len, name, &k, body_len);
}

static int t_vkey_parse(const char *vkey, char *name, size_t cap, uint8_t pk[32])
{
	struct pdl_pubkey k;
	int rc = pdl_note_vkey_parse(vkey, name, cap, &k);

	if (rc == PDL_OK) {
		assert_ptr_equal(k.suite, &pdl_suite_ed25519_sha256);
		memcpy(pk, k.b, 32);
	}
	return rc;
}

static int t_vkey_format(const char *name, const uint8_t pk[32], char *out, size_t cap)
{
	struct pdl_pubkey k = ed_pk(pk);

	return pdl_note_vkey_format(name, &k, out, cap);
}

static uint32_t t_key_id(const char *name, const uint8_t pk[32])
{
	struct pdl_pubkey k = ed_pk(pk);

	return pdl_note_key_id(name, &k);
}

/* sk is libsodium's seed || public key */
static int t_note_sign(const char *body, size_t body_len, const char *name, const uint8_t sk[64], char *out,
                       size_t cap, size_t *out_len)
{
	struct pdl_seckey k;

	assert_int_equal(pdl_seckey_open(&k, &pdl_suite_ed25519_sha256, sk), PDL_OK);
	assert_memory_equal(k.pk.b, sk + 32, 32);
	int rc = pdl_note_sign(body, body_len, name, &k, out, cap, out_len);
	pdl_seckey_wipe(&k);
	return rc;
}

static void seed_key(struct key *k, uint8_t first)
{
	uint8_t seed[crypto_sign_SEEDBYTES];

	for (size_t i = 0; i < sizeof seed; i++)
		seed[i] = (uint8_t)(first + i);
	assert_int_equal(crypto_sign_seed_keypair(k->pk, k->sk, seed), 0);
}

/* Appends n bytes to buf (which always stays NUL-terminated). */
static void app(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
	assert_true(*len + n < cap);
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

static void apps(char *buf, size_t cap, size_t *len, const char *s)
{
	app(buf, cap, len, s, strlen(s));
}

static int verify_str(const char *note, const char *name, const uint8_t pk[32])
{
	size_t body_len = 0;

	return t_note_verify(note, strlen(note), name, pk, &body_len);
}

static void peter_pk(uint8_t pk[32])
{
	char name[64];

	assert_int_equal(t_vkey_parse(PETER_VKEY, name, sizeof name, pk), PDL_OK);
}

static void enoch_pk(uint8_t pk[32])
{
	char name[64];

	assert_int_equal(t_vkey_parse(ENOCH_VKEY, name, sizeof name, pk), PDL_OK);
}

/* The signature line of a note pdl_note_sign wrote (everything after the blank line). */
static const char *sig_line(const char *note)
{
	const char *p = strstr(note, "\n\n");

	assert_non_null(p);
	return p + 2;
}

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

/* --- verifier keys ------------------------------------------------------- */

static void test_vkey_go_vectors(void **state)
{
	char name[64], out[PDL_VKEY_LEN_MAX + 1];
	uint8_t pk[32];

	(void)state;
	assert_int_equal(t_vkey_parse(PETER_VKEY, name, sizeof name, pk), PDL_OK);
	assert_string_equal(name, "PeterNeumann");
	assert_int_equal(t_key_id(name, pk), 0xc74f20a3u);
	assert_int_equal(t_vkey_format(name, pk, out, sizeof out), PDL_OK);
	assert_string_equal(out, PETER_VKEY);

	assert_int_equal(t_vkey_parse(ENOCH_VKEY, name, sizeof name, pk), PDL_OK);
	assert_string_equal(name, "EnochRoot");
	assert_int_equal(t_key_id(name, pk), 0xaf0cfe78u);
	assert_int_equal(t_vkey_format(name, pk, out, sizeof out), PDL_OK);
	assert_string_equal(out, ENOCH_VKEY);
}

static void test_vkey_sumdb(void **state)
{
	char name[64], out[PDL_VKEY_LEN_MAX + 1];
	uint8_t pk[32];

	(void)state;
	/* The base64 part holds '+' itself: only the first two '+' split. */
	assert_int_equal(t_vkey_parse(SUMDB_VKEY, name, sizeof name, pk), PDL_OK);
	assert_string_equal(name, "sum.golang.org");
	assert_int_equal(t_key_id("sum.golang.org", pk), 0x033de0aeu);
	assert_int_equal(t_vkey_format(name, pk, out, sizeof out), PDL_OK);
	assert_string_equal(out, SUMDB_VKEY);
	/* Same ID, other key bytes (its real ID would be dd28214c). */
	assert_int_equal(t_vkey_parse("sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+"
	                                     "s3Ky18htTTgkYzU2bk", name, sizeof name, pk),
	                 PDL_ENOTE);
}

/* Go's TestNewVerifier: no proper substring and no one-byte change is a key. */
static void test_vkey_manglings(void **state)
{
	char b[] = PETER_VKEY, sub[sizeof b], name[64];
	size_t n = strlen(b);
	uint8_t pk[32];

	(void)state;
	for (size_t i = 0; i <= n; i++) {
		for (size_t j = i + 1; j <= n; j++) {
			if (i == 0 && j == n)
				continue;
			memcpy(sub, b + i, j - i);
			sub[j - i] = '\0';
			assert_int_not_equal(t_vkey_parse(sub, name, sizeof name, pk), PDL_OK);
		}
	}
	for (size_t i = 0; i < n; i++) {
		b[i]++;
		assert_int_not_equal(t_vkey_parse(b, name, sizeof name, pk), PDL_OK);
		b[i]--;
	}
	/* wrong length key, with adjusted key hash */
	assert_int_equal(t_vkey_parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkm"
	                                     "qq/LDE4izWy10TWBADKEY==", name, sizeof name, pk),
	                 PDL_ENOTE);
	/* unknown algorithm, with adjusted key hash */
	assert_int_equal(t_vkey_parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkm"
	                                     "qq/LDE4izWy10TW", name, sizeof name, pk),
	                 PDL_ENOTE);
}

static void test_vkey_parse_rejects(void **state)
{
	uint8_t raw[33], pk[32];
	char b64[64], vkey[PDL_VKEY_LEN_MAX + 16], name[64];

	(void)state;
	/* Algorithm byte 0x02, with the ID pdl would compute for that name and key. */
	peter_pk(pk);
	raw[0] = 0x02;
	memcpy(raw + 1, pk, 32);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	snprintf(vkey, sizeof vkey, "PeterNeumann+c74f20a3+%s", b64);
	assert_int_equal(t_vkey_parse(vkey, name, sizeof name, pk), PDL_ENOTE);

	/* Mismatched key ID. */
	assert_int_equal(t_vkey_parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
	                                     "LDE4izWy10TW", name, sizeof name, pk),
	                 PDL_ENOTE);
	/* Uppercase hex is not the canonical spelling. */
	assert_int_equal(t_vkey_parse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
	                                     "LDE4izWy10TW", name, sizeof name, pk),
	                 PDL_ENOTE);
	assert_int_equal(t_vkey_parse("", name, sizeof name, pk), PDL_ENOTE);
	assert_int_equal(t_vkey_parse("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
	                                     name, sizeof name, pk),
	                 PDL_ENOTE);
	assert_int_equal(t_vkey_parse("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
	                                     "LDE4izWy10TW", name, sizeof name, pk),
	                 PDL_ENOTE);

	/* name_cap counts the NUL. */
	assert_int_equal(t_vkey_parse(PETER_VKEY, name, 12, pk), PDL_ETOOBIG);
	assert_int_equal(t_vkey_parse(PETER_VKEY, name, 13, pk), PDL_OK);

	memset(vkey, 'a', PDL_VKEY_LEN_MAX + 1);
	vkey[PDL_VKEY_LEN_MAX + 1] = '\0';
	assert_int_equal(t_vkey_parse(vkey, name, sizeof name, pk), PDL_ETOOBIG);
}

static void test_vkey_format_rejects(void **state)
{
	char out[PDL_VKEY_LEN_MAX + 1], long_name[PDL_ORIGIN_LEN_MAX + 2];
	uint8_t pk[32];
	size_t need = strlen(PETER_VKEY);

	(void)state;
	peter_pk(pk);
	assert_int_equal(t_vkey_format("", pk, out, sizeof out), PDL_EINVAL);
	assert_int_equal(t_vkey_format("a+b", pk, out, sizeof out), PDL_EINVAL);
	assert_int_equal(t_vkey_format("a b", pk, out, sizeof out), PDL_EINVAL);
	assert_int_equal(t_vkey_format("a\nb", pk, out, sizeof out), PDL_EINVAL);
	assert_int_equal(t_vkey_format("a\xc2\xa0" "b", pk, out, sizeof out), PDL_EINVAL);
	assert_int_equal(t_vkey_format("a\xff", pk, out, sizeof out), PDL_EINVAL);
	memset(long_name, 'n', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	assert_int_equal(t_vkey_format(long_name, pk, out, sizeof out), PDL_EINVAL);
	assert_int_equal(t_vkey_format("PeterNeumann", pk, out, need), PDL_ETOOBIG);
	assert_int_equal(t_vkey_format("PeterNeumann", pk, out, need + 1), PDL_OK);
	assert_string_equal(out, PETER_VKEY);
}

/* --- signing ------------------------------------------------------------- */

/* Go's TestSign: Ed25519 is deterministic, so the output must match byte for byte. */
static void test_sign_go_vector(void **state)
{
	uint8_t raw[33], pk[32], sk[64], want_pk[32];
	size_t raw_len = 0, out_len = 0;
	char out[512], inplace[512];
	const char *want = GO_TEXT "\n" PETER_SIG;

	(void)state;
	assert_int_equal(sodium_base642bin(raw, sizeof raw, PETER_SEED_B64, strlen(PETER_SEED_B64),
	                                   NULL, &raw_len, NULL, sodium_base64_VARIANT_ORIGINAL),
	                 0);
	assert_int_equal(raw_len, 33);
	assert_int_equal(raw[0], 0x01);
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, raw + 1), 0);
	peter_pk(want_pk);
	assert_memory_equal(pk, want_pk, 32);

	assert_int_equal(t_note_sign(GO_TEXT, strlen(GO_TEXT), "PeterNeumann", sk, out, sizeof out,
	                               &out_len),
	                 PDL_OK);
	assert_string_equal(out, want);
	assert_int_equal(out_len, strlen(want));

	/* out may be the body's own buffer. */
	strcpy(inplace, GO_TEXT);
	assert_int_equal(t_note_sign(inplace, strlen(GO_TEXT), "PeterNeumann", sk, inplace,
	                               sizeof inplace, &out_len),
	                 PDL_OK);
	assert_string_equal(inplace, want);

	/* cap counts the NUL. */
	assert_int_equal(t_note_sign(GO_TEXT, strlen(GO_TEXT), "PeterNeumann", sk, out,
	                               strlen(want), &out_len),
	                 PDL_ETOOBIG);
	assert_int_equal(t_note_sign(GO_TEXT, strlen(GO_TEXT), "PeterNeumann", sk, out,
	                               strlen(want) + 1, &out_len),
	                 PDL_OK);
	sodium_memzero(sk, sizeof sk);
}

static void test_sign_rejects(void **state)
{
	struct key k;
	char out[512];
	size_t out_len;

	(void)state;
	seed_key(&k, 0);
	assert_int_equal(t_note_sign("", 0, ORIGIN, k.sk, out, sizeof out, &out_len), PDL_EINVAL);
	assert_int_equal(t_note_sign("abc", 3, ORIGIN, k.sk, out, sizeof out, &out_len),
	                 PDL_EINVAL);
	assert_int_equal(t_note_sign("a\0b\n", 4, ORIGIN, k.sk, out, sizeof out, &out_len),
	                 PDL_EINVAL);
	assert_int_equal(t_note_sign("a\rb\n", 4, ORIGIN, k.sk, out, sizeof out, &out_len),
	                 PDL_EINVAL);
	assert_int_equal(t_note_sign("\xff\n", 2, ORIGIN, k.sk, out, sizeof out, &out_len),
	                 PDL_EINVAL);
	assert_int_equal(t_note_sign("a\n", 2, "", k.sk, out, sizeof out, &out_len), PDL_EINVAL);
	assert_int_equal(t_note_sign("a\n", 2, "a b", k.sk, out, sizeof out, &out_len),
	                 PDL_EINVAL);
	assert_int_equal(t_note_sign("a\n", 2, "a+b", k.sk, out, sizeof out, &out_len),
	                 PDL_EINVAL);
	assert_int_equal(t_note_sign("a\n", 2, "a\nb", k.sk, out, sizeof out, &out_len),
	                 PDL_EINVAL);
	sodium_memzero(&k, sizeof k);
}

/* --- verifying ----------------------------------------------------------- */

static void test_verify_go_vectors(void **state)
{
	const char *both = GO_TEXT "\n" PETER_SIG ENOCH_SIG;
	uint8_t peter[32], enoch[32];
	size_t body_len = 0;

	(void)state;
	peter_pk(peter);
	enoch_pk(enoch);
	assert_int_equal(t_note_verify(both, strlen(both), "PeterNeumann", peter, &body_len),
	                 PDL_OK);
	assert_int_equal(body_len, strlen(GO_TEXT));
	assert_int_equal(verify_str(both, "EnochRoot", enoch), PDL_OK);
	/* A verifier with someone else's key finds no signature of its own. */
	assert_int_equal(verify_str(both, "PeterNeumann", enoch), PDL_EBADSIG);
	assert_int_equal(verify_str(both, "EnochRoot", peter), PDL_EBADSIG);
	assert_int_equal(verify_str(GO_TEXT "\n" PETER_SIG PETER_SIG, "PeterNeumann", peter), PDL_OK);
}

/* Go's TestOpen: the bad-message list, each malformed. */
static void test_verify_go_malformed(void **state)
{
	const char *bad[] = {
		GO_TEXT,
		GO_TEXT "\n",
		NULL,  /* text + "\n" + peterSig without its final newline, built below */
		"\x01" GO_TEXT "\n" PETER_SIG,
		"\xff" GO_TEXT "\n" PETER_SIG,
		GO_TEXT "\n" EM " Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2p"
		        "ZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
		GO_TEXT "\n" PETER_SIG "Unexpected line.\n",
	};
	char chopped[512];
	uint8_t peter[32];

	(void)state;
	peter_pk(peter);
	snprintf(chopped, sizeof chopped, "%s", GO_TEXT "\n" PETER_SIG);
	chopped[strlen(chopped) - 1] = '\0';
	bad[2] = chopped;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(verify_str(bad[i], "PeterNeumann", peter), PDL_ENOTE);
}

/* Go's TestOpen: a line that decodes but does not verify fails the note. */
static void test_verify_go_invalid_sig(void **state)
{
	const char *ps = PETER_SIG, *es = ENOCH_SIG;
	char buf[1024];
	size_t n = 0;
	uint8_t peter[32], enoch[32];

	(void)state;
	peter_pk(peter);
	enoch_pk(enoch);
	apps(buf, sizeof buf, &n, GO_TEXT "\n");
	app(buf, sizeof buf, &n, ps, 60);
	apps(buf, sizeof buf, &n, "ABCD");
	apps(buf, sizeof buf, &n, ps + 60);
	assert_int_equal(verify_str(buf, "PeterNeumann", peter), PDL_EBADSIG);

	/* Two good Peter lines and a bad Enoch line: fine for Peter, not for Enoch. */
	n = 0;
	apps(buf, sizeof buf, &n, GO_TEXT "\n" PETER_SIG PETER_SIG ENOCH_SIG ENOCH_SIG);
	app(buf, sizeof buf, &n, es, 60);
	apps(buf, sizeof buf, &n, "ABCD");
	apps(buf, sizeof buf, &n, es + 60);
	assert_int_equal(verify_str(buf, "PeterNeumann", peter), PDL_OK);
	assert_int_equal(verify_str(buf, "EnochRoot", enoch), PDL_EBADSIG);
}

/* Go's TestOpen: lines for another name, or another key ID, are not ours. */
static void test_verify_go_other_keys(void **state)
{
	uint8_t peter[32];

	(void)state;
	peter_pk(peter);
	assert_int_equal(verify_str(GO_TEXT "\n" EM " CarmenSandiego x08go/ZJkuBS9UG/SffcvIAQxVBtiF"
	                            "upLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
	                            "PeterNeumann", peter),
	                 PDL_EBADSIG);
	assert_int_equal(verify_str(GO_TEXT "\n" EM " PeterNeumann xxxxo/ZJkuBS9UG/SffcvIAQxVBtiFup"
	                            "LLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
	                            "PeterNeumann", peter),
	                 PDL_EBADSIG);
	/* ... and they do not spoil the real one either. */
	assert_int_equal(verify_str(GO_TEXT "\n" EM " CarmenSandiego x08go/ZJkuBS9UG/SffcvIAQxVBtiF"
	                            "upLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
	                            PETER_SIG,
	                            "PeterNeumann", peter),
	                 PDL_OK);
}

static void test_verify_sumdb_checkpoint(void **state)
{
	uint8_t pk[32], want_root[32];
	char name[64];
	struct pdl_ckpt c;
	size_t body_len = 0;
	const char *body = "go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n";

	(void)state;
	assert_int_equal(t_vkey_parse(SUMDB_VKEY, name, sizeof name, pk), PDL_OK);
	assert_int_equal(t_note_verify(SUMDB_NOTE, strlen(SUMDB_NOTE), name, pk, &body_len),
	                 PDL_OK);
	assert_int_equal(body_len, strlen(body));
	assert_int_equal(pdl_ckpt_parse(SUMDB_NOTE, strlen(SUMDB_NOTE), &c), PDL_OK);
	assert_string_equal(c.origin, "go.sum database tree");
	assert_int_equal(c.size, 6476701u);
	assert_int_equal(sodium_hex2bin(want_root, sizeof want_root,
	                                "99bf102d022cd19d323f90acb6aea0ba3f3ba1759e0bd80433ca158a49a6f569",
	                                64, NULL, NULL, NULL),
	                 0);
	assert_memory_equal(c.root, want_root, 32);
	assert_int_equal(c.has_chain, 0);
}

static void test_roundtrip_seed_key(void **state)
{
	const char *body = "hello\nworld\n";
	struct key k;
	char note[512];
	size_t note_len = 0, body_len = 0;
	uint32_t id;

	(void)state;
	seed_key(&k, 0);
	assert_int_equal(t_note_sign(body, strlen(body), ORIGIN, k.sk, note, sizeof note,
	                               &note_len),
	                 PDL_OK);
	assert_int_equal(note_len, strlen(note));
	assert_int_equal(memcmp(note, "hello\nworld\n\n" EM " " ORIGIN " ", 13 + 4 + 16), 0);
	assert_int_equal(t_note_verify(note, note_len, ORIGIN, k.pk, &body_len), PDL_OK);
	assert_int_equal(body_len, strlen(body));
	assert_int_equal(t_note_verify(note, note_len, ORIGIN, k.pk, NULL), PDL_OK);

	/* The line carries the key ID, big endian, in its first four bytes. */
	{
		uint8_t raw[68];
		size_t raw_len = 0;
		const char *b64 = sig_line(note) + 4 + strlen(ORIGIN) + 1;

		assert_int_equal(sodium_base642bin(raw, sizeof raw, b64, strlen(b64) - 1, NULL,
		                                   &raw_len, NULL, sodium_base64_VARIANT_ORIGINAL),
		                 0);
		assert_int_equal(raw_len, 68);
		id = t_key_id(ORIGIN, k.pk);
		assert_int_equal(raw[0], (uint8_t)(id >> 24));
		assert_int_equal(raw[3], (uint8_t)id);
		assert_int_equal(crypto_sign_verify_detached(raw + 4, (const uint8_t *)body,
		                                             strlen(body), k.pk),
		                 0);
	}

	/* Empty lines inside the text are allowed: the last blank line splits. */
	assert_int_equal(t_note_sign("a\n\nb\n", 5, ORIGIN, k.sk, note, sizeof note, &note_len),
	                 PDL_OK);
	assert_int_equal(t_note_verify(note, note_len, ORIGIN, k.pk, &body_len), PDL_OK);
	assert_int_equal(body_len, 5);
	sodium_memzero(&k, sizeof k);
}

static void test_verify_rejects(void **state)
{
	const char *body = "hello\nworld\n";
	struct key k, other;
	char note[512], bad[600];
	size_t note_len = 0, n;
	uint8_t raw[68];
	size_t raw_len = 0;
	char *b64;

	(void)state;
	seed_key(&k, 0);
	seed_key(&other, 100);
	assert_int_equal(t_note_sign(body, strlen(body), ORIGIN, k.sk, note, sizeof note,
	                               &note_len),
	                 PDL_OK);

	/* Flipped byte in the body. */
	memcpy(bad, note, note_len + 1);
	bad[1] ^= 0x01;  /* 'e' -> 'd' */
	assert_int_equal(t_note_verify(bad, note_len, ORIGIN, k.pk, NULL), PDL_EBADSIG);

	/* Flipped byte in the signature itself, still well-formed base64. */
	memcpy(bad, note, note_len + 1);
	b64 = (char *)sig_line(bad) + 4 + strlen(ORIGIN) + 1;
	assert_int_equal(sodium_base642bin(raw, sizeof raw, b64, strlen(b64) - 1, NULL, &raw_len,
	                                   NULL, sodium_base64_VARIANT_ORIGINAL),
	                 0);
	raw[20] ^= 0x01;
	sodium_bin2base64(b64, 93, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
	b64[92] = '\n';
	assert_int_equal(t_note_verify(bad, note_len, ORIGIN, k.pk, NULL), PDL_EBADSIG);

	/* Missing blank line. */
	n = 0;
	apps(bad, sizeof bad, &n, body);
	apps(bad, sizeof bad, &n, sig_line(note));
	assert_int_equal(t_note_verify(bad, n, ORIGIN, k.pk, NULL), PDL_ENOTE);

	/* No signatures. */
	n = 0;
	apps(bad, sizeof bad, &n, body);
	apps(bad, sizeof bad, &n, "\n");
	assert_int_equal(t_note_verify(bad, n, ORIGIN, k.pk, NULL), PDL_ENOTE);
	assert_int_equal(t_note_verify(body, strlen(body), ORIGIN, k.pk, NULL), PDL_ENOTE);
	assert_int_equal(t_note_verify("", 0, ORIGIN, k.pk, NULL), PDL_ENOTE);

	/* Wrong key, under the same name and under another. */
	assert_int_equal(t_note_verify(note, note_len, ORIGIN, other.pk, NULL), PDL_EBADSIG);
	assert_int_equal(t_note_verify(note, note_len, WITNESS, k.pk, NULL), PDL_EBADSIG);

	/* Truncated base64: one character short is not base64 at all... */
	memcpy(bad, note, note_len + 1);
	bad[note_len - 2] = '\n';
	assert_int_equal(t_note_verify(bad, note_len - 1, ORIGIN, k.pk, NULL), PDL_ENOTE);
	/* ... four short is base64 of 66 bytes: our key ID, but no Ed25519 signature. */
	memcpy(bad, note, note_len + 1);
	bad[note_len - 5] = '\n';
	assert_int_equal(t_note_verify(bad, note_len - 4, ORIGIN, k.pk, NULL), PDL_EBADSIG);
	/* ... and only the key ID left is too short to be a signature. */
	n = 0;
	apps(bad, sizeof bad, &n, body);
	apps(bad, sizeof bad, &n, "\n" EM " " ORIGIN " AAAAAA==\n");
	assert_int_equal(t_note_verify(bad, n, ORIGIN, k.pk, NULL), PDL_ENOTE);

	/* NUL byte, in the body and in the signature block; and other controls. */
	memcpy(bad, note, note_len + 1);
	bad[2] = '\0';
	assert_int_equal(t_note_verify(bad, note_len, ORIGIN, k.pk, NULL), PDL_ENOTE);
	memcpy(bad, note, note_len + 1);
	bad[note_len - 1] = '\0';
	assert_int_equal(t_note_verify(bad, note_len, ORIGIN, k.pk, NULL), PDL_ENOTE);
	memcpy(bad, note, note_len + 1);
	bad[5] = '\r';
	assert_int_equal(t_note_verify(bad, note_len, ORIGIN, k.pk, NULL), PDL_ENOTE);
	memcpy(bad, note, note_len + 1);
	bad[5] = '\t';
	assert_int_equal(t_note_verify(bad, note_len, ORIGIN, k.pk, NULL), PDL_ENOTE);

	/* A hyphen-minus is not the em dash. */
	n = 0;
	apps(bad, sizeof bad, &n, body);
	apps(bad, sizeof bad, &n, "\n- ");
	apps(bad, sizeof bad, &n, sig_line(note) + 4);
	assert_int_equal(t_note_verify(bad, n, ORIGIN, k.pk, NULL), PDL_ENOTE);

	/* Two spaces after the dash leave an empty name. */
	n = 0;
	apps(bad, sizeof bad, &n, body);
	apps(bad, sizeof bad, &n, "\n" EM " ");
	apps(bad, sizeof bad, &n, sig_line(note) + 3);
	assert_int_equal(t_note_verify(bad, n, ORIGIN, k.pk, NULL), PDL_ENOTE);
	sodium_memzero(&k, sizeof k);
	sodium_memzero(&other, sizeof other);
}

/* Lines of other keys are skipped; lines of ours must all verify. */
static void test_verify_other_key_lines(void **state)
{
	const char *body = ORIGIN "\n5\n" ROOT_0_31 "\n";
	struct key k, w;
	char a[512], b[512], buf[2048], line[256];
	size_t a_len, b_len, n;
	const char *wl;

	(void)state;
	seed_key(&k, 0);
	seed_key(&w, 32);
	assert_int_equal(t_note_sign(body, strlen(body), ORIGIN, k.sk, a, sizeof a, &a_len),
	                 PDL_OK);
	assert_int_equal(t_note_sign(body, strlen(body), WITNESS, w.sk, b, sizeof b, &b_len),
	                 PDL_OK);
	wl = sig_line(b);

	/* Cosigned: either key verifies; order does not matter. */
	n = 0;
	apps(buf, sizeof buf, &n, a);
	apps(buf, sizeof buf, &n, wl);
	assert_int_equal(t_note_verify(buf, n, ORIGIN, k.pk, NULL), PDL_OK);
	assert_int_equal(t_note_verify(buf, n, WITNESS, w.pk, NULL), PDL_OK);
	n = 0;
	apps(buf, sizeof buf, &n, body);
	apps(buf, sizeof buf, &n, "\n");
	apps(buf, sizeof buf, &n, wl);
	apps(buf, sizeof buf, &n, sig_line(a));
	assert_int_equal(t_note_verify(buf, n, ORIGIN, k.pk, NULL), PDL_OK);

	/* Our name with the witness's key ID: someone else's key. */
	snprintf(line, sizeof line, EM " " ORIGIN "%s", wl + 4 + strlen(WITNESS));
	n = 0;
	apps(buf, sizeof buf, &n, a);
	apps(buf, sizeof buf, &n, line);
	assert_int_equal(t_note_verify(buf, n, ORIGIN, k.pk, NULL), PDL_OK);

	/* Our key ID under the witness's name: someone else's key too. */
	snprintf(line, sizeof line, EM " " WITNESS "%s", sig_line(a) + 4 + strlen(ORIGIN));
	n = 0;
	apps(buf, sizeof buf, &n, a);
	apps(buf, sizeof buf, &n, line);
	assert_int_equal(t_note_verify(buf, n, ORIGIN, k.pk, NULL), PDL_OK);
	/* ... but only those lines: nothing verifies. */
	n = 0;
	apps(buf, sizeof buf, &n, body);
	apps(buf, sizeof buf, &n, "\n");
	apps(buf, sizeof buf, &n, line);
	apps(buf, sizeof buf, &n, wl);
	assert_int_equal(t_note_verify(buf, n, ORIGIN, k.pk, NULL), PDL_EBADSIG);

	/* A second line of ours that fails spoils the good one. */
	/* (Change a character well inside the base64: the last ones hold pad bits.) */
	snprintf(line, sizeof line, "%s", sig_line(a));
	line[strlen(line) - 10] = line[strlen(line) - 10] == 'A' ? 'B' : 'A';
	n = 0;
	apps(buf, sizeof buf, &n, a);
	apps(buf, sizeof buf, &n, line);
	assert_int_equal(t_note_verify(buf, n, ORIGIN, k.pk, NULL), PDL_EBADSIG);
	sodium_memzero(&k, sizeof k);
	sodium_memzero(&w, sizeof w);
}

static void test_verify_sig_count(void **state)
{
	char buf[8192];
	size_t n = 0;
	uint8_t peter[32];

	(void)state;
	peter_pk(peter);
	apps(buf, sizeof buf, &n, GO_TEXT "\n");
	for (unsigned i = 0; i < PDL_NOTE_SIGS_MAX; i++)
		apps(buf, sizeof buf, &n, i % 2 ? PETER_SIG : ENOCH_SIG);
	assert_int_equal(t_note_verify(buf, n, "PeterNeumann", peter, NULL), PDL_OK);
	apps(buf, sizeof buf, &n, ENOCH_SIG);
	assert_int_equal(t_note_verify(buf, n, "PeterNeumann", peter, NULL), PDL_ENOTE);
}

/* Lines of 'a', each ending in "\n"; the last byte is "\n" too. */
static void fill_body(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		s[i] = (i % 100 == 99 || i == n - 1) ? '\n' : 'a';
}

static void test_size_limit(void **state)
{
	static char body[PDL_NOTE_BYTES_MAX + 8], note[PDL_NOTE_BYTES_MAX + 8],
		big[PDL_NOTE_BYTES_MAX + 8];
	/* body + "\n" + "— " + name + " " + 92 base64 + "\n" */
	const size_t overhead = 1 + 4 + strlen(ORIGIN) + 1 + 92 + 1;
	const size_t body_max = PDL_NOTE_BYTES_MAX - overhead;
	size_t note_len = 0, n = 0;
	struct key k;

	(void)state;
	seed_key(&k, 0);
	fill_body(body, body_max);
	assert_int_equal(t_note_sign(body, body_max, ORIGIN, k.sk, note, sizeof note, &note_len),
	                 PDL_OK);
	assert_int_equal(note_len, PDL_NOTE_BYTES_MAX);
	assert_int_equal(t_note_verify(note, note_len, ORIGIN, k.pk, NULL), PDL_OK);

	fill_body(body, body_max + 1);
	assert_int_equal(t_note_sign(body, body_max + 1, ORIGIN, k.sk, big, sizeof big, &n),
	                 PDL_ETOOBIG);
	/* One byte over, by hand: refused before any signature is looked at. */
	n = 0;
	app(big, sizeof big, &n, body, body_max + 1);
	apps(big, sizeof big, &n, "\n");
	apps(big, sizeof big, &n, sig_line(note));
	assert_int_equal(n, PDL_NOTE_BYTES_MAX + 1);
	assert_int_equal(t_note_verify(big, n, ORIGIN, k.pk, NULL), PDL_ENOTE);
	assert_int_equal(pdl_ckpt_parse(big, n, &(struct pdl_ckpt){ .size = 0 }), PDL_ENOTE);
	sodium_memzero(&k, sizeof k);
}

/* --- checkpoints --------------------------------------------------------- */

static void ckpt_example(struct pdl_ckpt *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->origin, ORIGIN);
	c->size = 5;
	for (int i = 0; i < 32; i++)
		c->root[i] = (uint8_t)i;
	memset(c->chain, 0xff, sizeof c->chain);
	c->has_chain = 1;
}

static void test_ckpt_roundtrip(void **state)
{
	const char *want = ORIGIN "\n5\n" ROOT_0_31 "\n"
	                   "chain //////////////////////////////////////////8=\n";
	struct pdl_ckpt c, got;
	char body[512], note[1024];
	size_t body_len = 0, note_len = 0, signed_len = 0;
	struct key k;

	(void)state;
	seed_key(&k, 0);
	ckpt_example(&c);
	assert_int_equal(pdl_ckpt_format(&c, body, sizeof body, &body_len), PDL_OK);
	assert_string_equal(body, want);
	assert_int_equal(body_len, strlen(want));
	assert_int_equal(t_note_sign(body, body_len, c.origin, k.sk, note, sizeof note, &note_len),
	                 PDL_OK);
	assert_int_equal(pdl_ckpt_parse(note, note_len, &got), PDL_OK);
	assert_string_equal(got.origin, c.origin);
	assert_int_equal(got.size, c.size);
	assert_memory_equal(got.root, c.root, 32);
	assert_memory_equal(got.chain, c.chain, 32);
	assert_int_equal(got.has_chain, 1);
	assert_int_equal(t_note_verify(note, note_len, got.origin, k.pk, &signed_len), PDL_OK);
	assert_int_equal(signed_len, body_len);
	/* The bare body parses the same. */
	assert_int_equal(pdl_ckpt_parse(body, body_len, &got), PDL_OK);
	assert_int_equal(got.has_chain, 1);

	/* Size 0: no chain line, and the root is MTH of the empty tree. */
	memset(&c, 0, sizeof c);
	strcpy(c.origin, ORIGIN);
	crypto_hash_sha256(c.root, NULL, 0);
	assert_int_equal(pdl_ckpt_format(&c, body, sizeof body, &body_len), PDL_OK);
	assert_string_equal(body, ORIGIN "\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
	assert_int_equal(t_note_sign(body, body_len, c.origin, k.sk, note, sizeof note, &note_len),
	                 PDL_OK);
	assert_int_equal(pdl_ckpt_parse(note, note_len, &got), PDL_OK);
	assert_int_equal(got.size, 0);
	assert_int_equal(got.has_chain, 0);
	assert_memory_equal(got.root, c.root, 32);
	assert_int_equal(t_note_verify(note, note_len, ORIGIN, k.pk, NULL), PDL_OK);

	c.size = UINT64_MAX;
	assert_int_equal(pdl_ckpt_format(&c, body, sizeof body, &body_len), PDL_OK);
	assert_int_equal(pdl_ckpt_parse(body, body_len, &got), PDL_OK);
	assert_true(got.size == UINT64_MAX);
	sodium_memzero(&k, sizeof k);
}

static void test_ckpt_format_rejects(void **state)
{
	struct pdl_ckpt c;
	char body[512];
	size_t len = 0, need;

	(void)state;
	ckpt_example(&c);
	assert_int_equal(pdl_ckpt_format(&c, body, sizeof body, &len), PDL_OK);
	need = len;
	assert_int_equal(pdl_ckpt_format(&c, body, need, &len), PDL_ETOOBIG);
	assert_int_equal(pdl_ckpt_format(&c, body, need + 1, &len), PDL_OK);

	c.origin[0] = '\0';
	assert_int_equal(pdl_ckpt_format(&c, body, sizeof body, &len), PDL_EINVAL);
	strcpy(c.origin, "a\nb");
	assert_int_equal(pdl_ckpt_format(&c, body, sizeof body, &len), PDL_EINVAL);
	memset(c.origin, 'o', sizeof c.origin);  /* no NUL at all */
	assert_int_equal(pdl_ckpt_format(&c, body, sizeof body, &len), PDL_EINVAL);
	ckpt_example(&c);
	c.size = 0;
	assert_int_equal(pdl_ckpt_format(&c, body, sizeof body, &len), PDL_EINVAL);
}

static int parse_str(const char *s)
{
	struct pdl_ckpt c;

	return pdl_ckpt_parse(s, strlen(s), &c);
}

static void test_ckpt_parse_rejects(void **state)
{
	static const char *bad[] = {
		"o\n05\n" ROOT_0_31 "\n",                      /* leading zero */
		"o\n00\n" ROOT_0_31 "\n",
		"o\n+5\n" ROOT_0_31 "\n",
		"o\n-1\n" ROOT_0_31 "\n",
		"o\n 5\n" ROOT_0_31 "\n",
		"o\n5 \n" ROOT_0_31 "\n",
		"o\n0x5\n" ROOT_0_31 "\n",
		"o\n18446744073709551616\n" ROOT_0_31 "\n",     /* UINT64_MAX + 1 */
		"o\n99999999999999999999\n" ROOT_0_31 "\n",
		"o\n100000000000000000000\n" ROOT_0_31 "\n",
		"o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",   /* 31 bytes */
		"o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n",  /* 33 bytes */
		"o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",   /* unpadded */
		"o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n",  /* non-zero pad bits */
		"o\n5\n" ROOT_0_31 "\nchain AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",
		"o\n5\n" ROOT_0_31 "\nchain " ROOT_0_31 "\nchain " ROOT_0_31 "\n",
		"o\n5\n" ROOT_0_31 "\nchain \n",
		"o\n0\n" ROOT_0_31 "\nchain " ROOT_0_31 "\n",   /* no entry for a chain hash */
		"o\n5\n" ROOT_0_31 "\n\next\n\n" EM " o AAAA\n", /* empty extension line */
		"\n5\n" ROOT_0_31 "\n",                          /* empty origin */
		"o\n5\n" ROOT_0_31,                              /* no final newline */
		"o\n5\n",
		"o\n",
		"",
		"o\n5\n\n" ROOT_0_31 "\n",
		"o\xff\n5\n" ROOT_0_31 "\n",
		"o\r\n5\n" ROOT_0_31 "\n",
	};
	char buf[512], origin[PDL_ORIGIN_LEN_MAX + 2];
	struct pdl_ckpt c;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse_str(bad[i]) != PDL_ENOTE)
			fail_msg("accepted bad checkpoint %zu: %s", i, bad[i]);
	}

	/* NUL byte in the origin. */
	n = 0;
	app(buf, sizeof buf, &n, "o\0o\n5\n" ROOT_0_31 "\n", 6 + 44 + 1);
	assert_int_equal(pdl_ckpt_parse(buf, n, &c), PDL_ENOTE);

	/* Origin at the limit, and one byte over. */
	memset(origin, 'o', PDL_ORIGIN_LEN_MAX);
	origin[PDL_ORIGIN_LEN_MAX] = '\0';
	snprintf(buf, sizeof buf, "%s\n5\n" ROOT_0_31 "\n", origin);
	assert_int_equal(parse_str(buf), PDL_OK);
	snprintf(buf, sizeof buf, "o%s\n5\n" ROOT_0_31 "\n", origin);
	assert_int_equal(parse_str(buf), PDL_ENOTE);
}

static void test_ckpt_parse_accepts(void **state)
{
	struct pdl_ckpt c;
	const char *s;

	(void)state;
	assert_int_equal(parse_str("o\n0\n" ROOT_0_31 "\n"), PDL_OK);
	s = "o\n18446744073709551615\n" ROOT_0_31 "\n";
	assert_int_equal(pdl_ckpt_parse(s, strlen(s), &c), PDL_OK);
	assert_true(c.size == UINT64_MAX);

	/* Other extension lines are someone else's business. */
	s = "o\n5\n" ROOT_0_31 "\nfoo bar\nchainsaw\nchain " ROOT_0_31 "\n— not a sig\n";
	assert_int_equal(pdl_ckpt_parse(s, strlen(s), &c), PDL_OK);
	assert_int_equal(c.has_chain, 1);
	assert_int_equal(c.chain[31], 31);
	assert_int_equal(c.size, 5);

	/* What follows the blank line is not read here. */
	s = "o\n5\n" ROOT_0_31 "\n\nanything at all\n";
	assert_int_equal(pdl_ckpt_parse(s, strlen(s), &c), PDL_OK);
	assert_int_equal(c.has_chain, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vkey_go_vectors),
		cmocka_unit_test(test_vkey_sumdb),
		cmocka_unit_test(test_vkey_manglings),
		cmocka_unit_test(test_vkey_parse_rejects),
		cmocka_unit_test(test_vkey_format_rejects),
		cmocka_unit_test(test_sign_go_vector),
		cmocka_unit_test(test_sign_rejects),
		cmocka_unit_test(test_verify_go_vectors),
		cmocka_unit_test(test_verify_go_malformed),
		cmocka_unit_test(test_verify_go_invalid_sig),
		cmocka_unit_test(test_verify_go_other_keys),
		cmocka_unit_test(test_verify_sumdb_checkpoint),
		cmocka_unit_test(test_roundtrip_seed_key),
		cmocka_unit_test(test_verify_rejects),
		cmocka_unit_test(test_verify_other_key_lines),
		cmocka_unit_test(test_verify_sig_count),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_ckpt_roundtrip),
		cmocka_unit_test(test_ckpt_format_rejects),
		cmocka_unit_test(test_ckpt_parse_rejects),
		cmocka_unit_test(test_ckpt_parse_accepts),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
