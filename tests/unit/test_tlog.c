/*
 * test_tlog.c — the witness's formats (tlog.h), tlog-policy (tpolicy.h)
 * and HTTP/1.1 framing (http1.h).
 *
 * Reference vectors, copied from their sources (not produced by this code):
 *  - c2sp.org/signed-note, "Verifier keys / Example": the vkey
 *    example.com/foo+530d903a+… and the note it verifies.
 *  - c2sp.org/tlog-policy, "Example policy": its structure (the keys are
 *    ours: the spec elides them).
 * Cosignatures are checked against libsodium directly, over the message
 * c2sp.org/tlog-cosignature gives, not through the code under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "http1.h"
#include "tlog.h"
#include "tpolicy.h"
#include "util.h"

#define EM "\xe2\x80\x94"

#define SPEC_VKEY "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
#define SPEC_NOTE                                                                                  \
	"This is an example message.\n\n" EM " example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi" \
	"2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"

/* pdl_cosig_sign with a key given as libsodium's seed || public key. */
static int
cosig_sign_raw(const char *name, const uint8_t sk[64], uint64_t ts, const char *text, size_t tl, char *line,
               size_t cap, size_t *ln)
{
	struct pdl_seckey k;
	assert_int_equal(pdl_seckey_open(&k, &pdl_suite_ed25519_sha256, sk), PDL_OK);
	int rc = pdl_cosig_sign(name, &k, ts, text, tl, line, cap, ln);
	pdl_seckey_wipe(&k);
	return rc;
}

static void
key_of(uint8_t first, uint8_t pk[32], uint8_t sk[64])
{
	uint8_t seed[32];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(first + i);
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
}

static void
test_vkey_spec_example(void **state)
{
	(void)state;
	struct pdl_vkey k;
	struct pdl_tnote nt;
	struct pdl_tverify r;
	const char *why = NULL;
	char out[256];
	assert_int_equal(pdl_vkey_parse(SPEC_VKEY, strlen(SPEC_VKEY), &k, &why), PDL_OK);
	assert_string_equal(k.name, "example.com/foo");
	assert_int_equal(k.type, PDL_SIGTYPE_ED25519);
	assert_int_equal(k.id, 0x530d903a);
	assert_int_equal(pdl_vkey_format(&k, out, sizeof out), PDL_OK);
	assert_string_equal(out, SPEC_VKEY);
	assert_int_equal(pdl_tnote_open(SPEC_NOTE, strlen(SPEC_NOTE), &nt), PDL_OK);
	assert_int_equal(nt.nsigs, 1);
	assert_int_equal(pdl_tnote_verify(&nt, &k, 1, &r, NULL, 0, NULL), PDL_OK);
	assert_int_equal(r.good, 1);
	/* one changed byte of the text */
	char m[sizeof SPEC_NOTE];
	memcpy(m, SPEC_NOTE, sizeof m);
	m[0] = 't';
	assert_int_equal(pdl_tnote_open(m, strlen(m), &nt), PDL_OK);
	assert_int_equal(pdl_tnote_verify(&nt, &k, 1, &r, NULL, 0, NULL), PDL_EBADSIG);
	assert_int_equal(r.bad, 1);
	assert_int_equal(r.good, 0);
}

static void
test_vkey_malformed(void **state)
{
	(void)state;
	struct pdl_vkey k;
	const char *why;
	static const char *const bad[] = {
		"example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", /* uppercase ID */
		"example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", /* wrong ID */
		"example.com/foo+530d903aAekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  /* one '+' */
		"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2",  /* not base64 */
		"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3Q==", /* 31-byte key */
		"+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",                /* no name */
		"exa mple+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",        /* a space */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		assert_int_equal(pdl_vkey_parse(bad[i], strlen(bad[i]), &k, &why), PDL_ENOTE);
		assert_non_null(why);
	}
	/* an ML-DSA-44 key (type 0x06, 1312 bytes) parses, so callers can name it */
	uint8_t raw[1313];
	uint8_t h[32];
	char b64[PDL_B64_LEN(sizeof raw)], vk[2100];
	raw[0] = 0x06;
	for (size_t i = 1; i < sizeof raw; i++)
		raw[i] = (uint8_t)i;
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"pq.example/w\n", 13);
	crypto_hash_sha256_update(&st, raw, sizeof raw);
	crypto_hash_sha256_final(&st, h);
	pdl_b64(raw, sizeof raw, b64);
	snprintf(vk, sizeof vk, "pq.example/w+%02x%02x%02x%02x+%s", h[0], h[1], h[2], h[3], b64);
	assert_int_equal(pdl_vkey_parse(vk, strlen(vk), &k, &why), PDL_OK);
	assert_int_equal(k.type, 0x06);
	assert_int_equal(k.key_len, 1312);
	assert_string_equal(pdl_sigtype_name(k.type), "ML-DSA-44 cosignature");
}

static void
test_note_malformed(void **state)
{
	(void)state;
	struct pdl_tnote nt;
	static const char *const bad[] = {
		"text\n",                                   /* no blank line */
		"text\n\n",                                 /* no signature line */
		"text\n\n" EM " k AAAAAAAA\n",              /* base64 of 6 bytes: ok length, see below */
		"text\n\n" EM " kAAAAAAAAAA\n",             /* no space after the name */
		"text\n\n" EM "  AAAAAAAAAAA=\n",           /* empty name */
		"text\n\n- k AAAAAAAAAAA=\n",               /* not an em dash */
		"te\x01xt\n\n" EM " k AAAAAAAAAAA=\n",      /* a control character */
		"text\n\n" EM " k AAAAAA==\n",              /* 4 bytes: no signature after the key ID */
		"text\n\n" EM " k AAAAAAAAAAA=",            /* no final newline */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = pdl_tnote_open(bad[i], strlen(bad[i]), &nt);
		if (i == 2)
			assert_int_equal(rc, PDL_OK); /* well formed: any key's line, 6 bytes */
		else
			assert_int_equal(rc, PDL_ENOTE);
	}
	/* at most PDL_TLOG_NOTE_SIGS_MAX signature lines */
	size_t cap = 64 + (PDL_TLOG_NOTE_SIGS_MAX + 1) * 32;
	char *n = malloc(cap);
	size_t len = (size_t)snprintf(n, cap, "text\n\n");
	for (unsigned i = 0; i < PDL_TLOG_NOTE_SIGS_MAX; i++)
		len += (size_t)snprintf(n + len, cap - len, EM " k%u AAAAAAAAAAA=\n", i);
	assert_int_equal(pdl_tnote_open(n, len, &nt), PDL_OK);
	len += (size_t)snprintf(n + len, cap - len, EM " kx AAAAAAAAAAA=\n");
	assert_int_equal(pdl_tnote_open(n, len, &nt), PDL_ENOTE);
	free(n);
}

/* The cosignature/v1 message of tlog-cosignature, checked with libsodium. */
static void
test_cosig(void **state)
{
	(void)state;
	uint8_t pk[32], sk[64], raw[76];
	char line[PDL_COSIG_LINE_MAX], msg[256];
	size_t ln = 0, rl = 0;
	const char *text = "example.com/log\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\next line\n";
	key_of(7, pk, sk);
	assert_int_equal(cosig_sign_raw("w.example/1", sk, 1679315147, text, strlen(text), line, sizeof line, &ln),
	                 PDL_OK);
	assert_int_equal(ln, strlen(line));
	assert_memory_equal(line, EM " w.example/1 ", 4 + 12);
	assert_int_equal(line[ln - 1], '\n');
	assert_int_equal(pdl_unb64_var(line + 16, ln - 17, raw, sizeof raw, &rl), PDL_OK);
	assert_int_equal(rl, 76);
	/* key ID: SHA-256(name || "\n" || 0x04 || key)[:4] */
	uint8_t idin[12 + 1 + 32], h[32];
	memcpy(idin, "w.example/1\n", 12);
	idin[12] = 0x04;
	memcpy(idin + 13, pk, 32);
	crypto_hash_sha256(h, idin, sizeof idin);
	assert_memory_equal(raw, h, 4);
	assert_int_equal(pdl_get_be64(raw + 4), 1679315147);
	int mn = snprintf(msg, sizeof msg, "cosignature/v1\ntime 1679315147\n%s", text);
	assert_int_equal(crypto_sign_verify_detached(raw + 12, (const uint8_t *)msg, (size_t)mn, pk), 0);
	/* and pdl_tnote_verify agrees, with the timestamp */
	struct pdl_vkey k;
	struct pdl_tnote nt;
	struct pdl_tverify r;
	char note[512];
	int nn = snprintf(note, sizeof note, "%s\n%s", text, line);
	assert_int_equal(pdl_vkey_make("w.example/1", PDL_SIGTYPE_COSIG, pk, &k), PDL_OK);
	assert_int_equal(pdl_tnote_open(note, (size_t)nn, &nt), PDL_OK);
	assert_int_equal(pdl_tnote_verify(&nt, &k, 1, &r, NULL, 0, NULL), PDL_OK);
	assert_int_equal(r.cosig_time, 1679315147);
	/* the same key as a plain Ed25519 note key (0x01) has another ID: the line is not its */
	assert_int_equal(pdl_vkey_make("w.example/1", PDL_SIGTYPE_ED25519, pk, &k), PDL_OK);
	assert_int_equal(pdl_tnote_verify(&nt, &k, 1, &r, NULL, 0, NULL), PDL_EBADSIG);
	assert_int_equal(r.good + r.bad, 0);
	/* no timestamp 0, nor past 2^63 - 1; the text ends in a newline */
	assert_int_equal(cosig_sign_raw("w.example/1", sk, 0, text, strlen(text), line, sizeof line, &ln), PDL_EINVAL);
	assert_int_equal(cosig_sign_raw("w.example/1", sk, 1ull << 63, text, strlen(text), line, sizeof line, &ln),
	                 PDL_EINVAL);
	assert_int_equal(cosig_sign_raw("w.example/1", sk, 5, text, strlen(text) - 1, line, sizeof line, &ln), PDL_EINVAL);
}

static void
test_verify_mixed(void **state)
{
	(void)state;
	uint8_t pk[32], sk[64], pk2[32], sk2[64];
	char l1[PDL_COSIG_LINE_MAX], l2[PDL_COSIG_LINE_MAX], note[1024], good[1024];
	size_t n1, n2, gl = 0;
	const char *text = "o\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
	key_of(1, pk, sk);
	key_of(2, pk2, sk2);
	assert_int_equal(cosig_sign_raw("w/a", sk, 10, text, strlen(text), l1, sizeof l1, &n1), PDL_OK);
	assert_int_equal(cosig_sign_raw("w/b", sk2, 11, text, strlen(text), l2, sizeof l2, &n2), PDL_OK);
	struct pdl_vkey keys[2];
	assert_int_equal(pdl_vkey_make("w/a", PDL_SIGTYPE_COSIG, pk, &keys[0]), PDL_OK);
	assert_int_equal(pdl_vkey_make("w/b", PDL_SIGTYPE_COSIG, pk2, &keys[1]), PDL_OK);
	/* an unknown key's line, then both: the good lines are copied out */
	int nn = snprintf(note, sizeof note, "%s\n" EM " x/y AAAAAAAAAAA=\n%s%s", text, l1, l2);
	struct pdl_tnote nt;
	struct pdl_tverify r;
	assert_int_equal(pdl_tnote_open(note, (size_t)nn, &nt), PDL_OK);
	assert_int_equal(pdl_tnote_verify(&nt, keys, 2, &r, good, sizeof good, &gl), PDL_OK);
	assert_int_equal(r.good, 2);
	assert_int_equal(r.good_keys, 3);
	assert_int_equal(gl, n1 + n2);
	assert_memory_equal(good, l1, n1);
	/* a line of a known key that fails spoils the note, beside a good one */
	l2[n2 - 3] = l2[n2 - 3] == 'A' ? 'B' : 'A';
	nn = snprintf(note, sizeof note, "%s\n%s%s", text, l1, l2);
	assert_int_equal(pdl_tnote_open(note, (size_t)nn, &nt), PDL_OK);
	assert_int_equal(pdl_tnote_verify(&nt, keys, 2, &r, NULL, 0, NULL), PDL_EBADSIG);
	assert_int_equal(r.good, 1);
	assert_int_equal(r.bad, 1);
}

static void
test_checkpoint_parse(void **state)
{
	(void)state;
	struct pdl_tckpt c;
	const char *why;
	const char *ok = "example.com/log\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\nx\ny y\n";
	assert_int_equal(pdl_tckpt_parse(ok, strlen(ok), &c, &why), PDL_OK);
	assert_string_equal(c.origin, "example.com/log");
	assert_int_equal(c.size, 20852163);
	assert_int_equal(c.ext_lines, 2);
	assert_int_equal(c.root[0], 0x0a);
	static const char *const bad[] = {
		"o\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n",   /* an empty extension line */
		"o\n01\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",    /* a leading zero */
		"o\n-1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
		"o\n18446744073709551616\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", /* 2^64 */
		"o\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",     /* 31 bytes */
		"o\n1\n",
		"\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		assert_int_equal(pdl_tckpt_parse(bad[i], strlen(bad[i]), &c, &why), PDL_ENOTE);
		assert_non_null(why);
	}
	const char *zero = "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
	assert_int_equal(pdl_tckpt_parse(zero, strlen(zero), &c, &why), PDL_OK);
	assert_int_equal(c.size, 0);
}

static void
test_addckpt(void **state)
{
	(void)state;
	pdl_hash proof[PDL_TLOG_PROOF_MAX + 1];
	struct pdl_addckpt a;
	const char *why;
	char *b;
	size_t bn;
	for (unsigned i = 0; i <= PDL_TLOG_PROOF_MAX; i++)
		memset(proof[i], (int)i, 32);
	const char *note = "o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n" EM " o AAAAAAAAAAA=\n";
	assert_int_equal(pdl_addckpt_format(3, proof, PDL_TLOG_PROOF_MAX, note, strlen(note), &b, &bn), PDL_OK);
	assert_memory_equal(b, "old 3\nAAAA", 10);
	assert_int_equal(pdl_addckpt_parse(b, bn, &a, &why), PDL_OK);
	assert_int_equal(a.old_size, 3);
	assert_int_equal(a.nproof, PDL_TLOG_PROOF_MAX);
	assert_memory_equal(a.proof[62], proof[62], 32);
	assert_int_equal(a.note_len, strlen(note));
	free(b);
	assert_int_equal(pdl_addckpt_format(3, proof, PDL_TLOG_PROOF_MAX + 1, note, strlen(note), &b, &bn), PDL_EINVAL);
	/* 64 lines, parsed */
	char big[64 * 46 + 256];
	size_t n = (size_t)snprintf(big, sizeof big, "old 1\n");
	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
	n += (size_t)snprintf(big + n, sizeof big - n, "\n%s", note);
	assert_int_equal(pdl_addckpt_parse(big, n, &a, &why), PDL_EINVAL);
	static const char *const bad[] = {"old 0\n", "old 00\n\nx", "old \n\nx", "olds 0\n\nx", "old 0\nAAAA\n\nx",
	                                  "old 1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(pdl_addckpt_parse(bad[i], strlen(bad[i]), &a, &why), PDL_EINVAL);
	assert_int_equal(pdl_addckpt_parse("old 0\n\nx", 8, &a, &why), PDL_OK);
	assert_int_equal(a.nproof, 0);
	assert_int_equal(a.note_len, 1);
}

/* Writes vkeys of type 0x04 for names into the policy text's %s slots. */
static const char *
wvkey(const char *name, uint8_t first)
{
	static char buf[8][128];
	static int k;
	uint8_t pk[32], sk[64];
	struct pdl_vkey v;
	key_of(first, pk, sk);
	assert_int_equal(pdl_vkey_make(name, PDL_SIGTYPE_COSIG, pk, &v), PDL_OK);
	char *out = buf[k++ % 8];
	assert_int_equal(pdl_vkey_format(&v, out, 128), PDL_OK);
	return out;
}

static void
test_policy_spec_example(void **state)
{
	(void)state;
	char text[4096];
	struct pdl_tpolicy *p = calloc(1, sizeof *p);
	struct pdl_status st = {0};
	snprintf(text, sizeof text,
	         "log %s\n\n"
	         "witness X1 %s\nwitness X2 %s\nwitness X3 %s\ngroup X-witnesses 2 X1 X2 X3\n\n"
	         "witness Y1 %s\nwitness Y2 %s\nwitness Y3 %s\n"
	         "  # Y: any one\n\tgroup\tY-witnesses any Y1 Y2 Y3   \n\n"
	         "group X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y",
	         SPEC_VKEY, wvkey("x1", 1), wvkey("x2", 2), wvkey("x3", 3), wvkey("y1", 4), wvkey("y2", 5),
	         wvkey("y3", 6));
	assert_int_equal(pdl_tpolicy_parse(text, strlen(text), PDL_TPOLICY_FULL, p, &st), PDL_OK);
	assert_int_equal(p->nlogs, 1);
	assert_int_equal(p->nwitnesses, 6);
	assert_int_equal(p->ngroups, 3);
	assert_string_equal(pdl_tpolicy_ref_name(p, p->quorum), "X-and-Y");
	/*                           X1 X2 X3 Y1 Y2 Y3 */
	unsigned char c1[6] = {1, 1, 0, 0, 0, 1};
	unsigned char c2[6] = {1, 0, 0, 1, 1, 1};
	unsigned char c3[6] = {1, 1, 1, 0, 0, 0};
	unsigned char c4[6] = {0, 1, 1, 0, 1, 0};
	assert_int_equal(pdl_tpolicy_quorum_met(p, c1), 1);
	assert_int_equal(pdl_tpolicy_quorum_met(p, c2), 0);
	assert_int_equal(pdl_tpolicy_quorum_met(p, c3), 0);
	assert_int_equal(pdl_tpolicy_quorum_met(p, c4), 1);
	/* quorum none: met with no cosignature */
	snprintf(text, sizeof text, "witness A %s\nquorum none\n", wvkey("a", 9));
	assert_int_equal(pdl_tpolicy_parse(text, strlen(text), PDL_TPOLICY_FULL, p, &st), PDL_OK);
	unsigned char none[1] = {0};
	assert_int_equal(pdl_tpolicy_quorum_met(p, none), 1);
	free(p);
}

static void
test_policy_refusals(void **state)
{
	(void)state;
	char text[4096];
	struct pdl_tpolicy *p = calloc(1, sizeof *p);
	struct pdl_status st;
	const char *a = wvkey("a", 1), *b = wvkey("b", 2);
	struct {
		const char *fmt;
		const char *want; /* in the message */
	} cases[] = {
		{"witness A %s\nwitness B %s\nquorum C\n", "line 3"},                          /* undefined quorum */
		{"witness A %s\nwitness B %s\ngroup G 1 A C\nquorum G\n", "line 3"},         /* undefined member */
		{"witness A %s\nwitness B %s\ngroup G any A A\nquorum G\n", "twice"},        /* a member twice */
		{"witness A %s\nwitness B %s\ngroup G 0 A B\nquorum G\n", "threshold"},      /* k = 0 */
		{"witness A %s\nwitness B %s\ngroup G 3 A B\nquorum G\n", "threshold"},      /* k > n */
		{"witness A %s\nwitness B %s\ngroup G any none\nquorum G\n", "none"},        /* none as a member */
		{"witness A %s\nwitness A %s\nquorum A\n", "already defined"},               /* a name twice */
		{"witness none %s\nwitness B %s\nquorum B\n", "predefined"},
		{"witness A %s\nwitness B %s\nquorum A\nquorum B\n", "second quorum"},
		{"witness A %s\nwitness B %s\n", "no quorum"},
		{"witness A %s\nwitness B %s\nquorum A\nwitnesses C\n", "unknown line"},
		{"witness A %s\nwitness B %s extra tokens\nquorum A\n", "line 2"},
		{"witness A %s\nwitness B %s\x0b\nquorum A\n", "control character"},
		{"group G any A\nwitness A %s\nwitness B %s\nquorum G\n", "line 1"},         /* defined later */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&st, 0, sizeof st);
		snprintf(text, sizeof text, cases[i].fmt, a, b);
		assert_int_equal(pdl_tpolicy_parse(text, strlen(text), PDL_TPOLICY_FULL, p, &st), PDL_EINVAL);
		if (strstr(st.msg, cases[i].want) == NULL)
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, st.msg, cases[i].want);
	}
	/* the same key twice (under two names) is a duplicate witness */
	snprintf(text, sizeof text, "witness A %s\nwitness B %s\nquorum A\n", a, wvkey("other-name", 1));
	assert_int_equal(pdl_tpolicy_parse(text, strlen(text), PDL_TPOLICY_FULL, p, &st), PDL_EINVAL);
	assert_non_null(strstr(st.msg, "same public key"));
	/* a logs file: log lines only */
	snprintf(text, sizeof text, "# logs\nlog %s https://example.com/\n", SPEC_VKEY);
	assert_int_equal(pdl_tpolicy_parse(text, strlen(text), PDL_TPOLICY_LOGS_ONLY, p, &st), PDL_OK);
	assert_string_equal(p->log[0].url, "https://example.com/");
	snprintf(text, sizeof text, "log %s\nlog %s\n", SPEC_VKEY, SPEC_VKEY);
	assert_int_equal(pdl_tpolicy_parse(text, strlen(text), PDL_TPOLICY_LOGS_ONLY, p, &st), PDL_EINVAL);
	snprintf(text, sizeof text, "log %s\nwitness A %s\n", SPEC_VKEY, a);
	assert_int_equal(pdl_tpolicy_parse(text, strlen(text), PDL_TPOLICY_LOGS_ONLY, p, &st), PDL_EINVAL);
	free(p);
}

static void
test_http_request(void **state)
{
	(void)state;
	struct pdl_h1_head h;
	const char *why;
	const char *r1 = "POST /add-checkpoint HTTP/1.1\r\nHost: x\r\nContent-Length:  12 \r\nExpect: 100-continue\r\n\r\n";
	assert_int_equal(pdl_h1_head_len(r1, strlen(r1)), strlen(r1));
	assert_int_equal(pdl_h1_head_len(r1, strlen(r1) - 1), 0);
	assert_int_equal(pdl_h1_request_parse(r1, strlen(r1), &h, &why), 0);
	assert_string_equal(h.method, "POST");
	assert_string_equal(h.target, "/add-checkpoint");
	assert_int_equal(h.length, 12);
	assert_true(h.has_length && h.expect_continue && !h.close);
	assert_true(h.host == r1 + 37 && h.host_len == 1 && h.authorization == NULL);
	const char *r2 = "GET / HTTP/1.0\nTransfer-Encoding: chunked\n\n";
	assert_int_equal(pdl_h1_request_parse(r2, strlen(r2), &h, &why), 0);
	assert_true(h.chunked && h.close && h.host == NULL);
	/* Host and Authorization: trimmed, in the bytes parsed */
	const char *r4 = "GET /v1/x HTTP/1.1\r\nhOsT:  a.example:8080 \r\nAuthorization: PDL-Sig party=p\r\n\r\n";
	assert_int_equal(pdl_h1_request_parse(r4, strlen(r4), &h, &why), 0);
	assert_int_equal(h.host_len, strlen("a.example:8080"));
	assert_memory_equal(h.host, "a.example:8080", h.host_len);
	assert_int_equal(h.authorization_len, strlen("PDL-Sig party=p"));
	assert_memory_equal(h.authorization, "PDL-Sig party=p", h.authorization_len);
	/* RFC 9112 §3.2.2: the absolute form is answered as its origin form,
	 * the target's authority the host (§3.3), whatever Host says */
	struct {
		const char *req, *target, *host;
	} abs[] = {
		{"GET http://h.example:8080/v1/x?y=1 HTTP/1.1\r\nHost: other\r\n\r\n", "/v1/x?y=1", "h.example:8080"},
		{"GET HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n", "/", "h"},
		{"GET http://h?q HTTP/1.0\r\n\r\n", "/?q", "h"},
		{"GET http:/x HTTP/1.1\r\nHost: h\r\n\r\n", "http:/x", "h"},
	};
	for (size_t i = 0; i < sizeof abs / sizeof abs[0]; i++) {
		assert_int_equal(pdl_h1_request_parse(abs[i].req, strlen(abs[i].req), &h, &why), 0);
		assert_string_equal(h.target, abs[i].target);
		assert_int_equal(h.host_len, strlen(abs[i].host));
		assert_memory_equal(h.host, abs[i].host, h.host_len);
	}
	const char *ra = "GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n", *rb = "GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n";
	assert_int_equal(pdl_h1_request_parse(ra, strlen(ra), &h, &why), 400);
	assert_int_equal(pdl_h1_request_parse(rb, strlen(rb), &h, &why), 400);
	/* a response's Host-like fields are not a request's */
	const char *r5 = "HTTP/1.1 200 OK\r\nHost: c\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(pdl_h1_response_parse(r5, strlen(r5), &h, &why), 0);
	assert_true(h.host == NULL);
	struct {
		const char *req;
		int want;
	} cases[] = {
		{"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"POST / HTTP/2.0\r\n\r\n", 505},
		{"POST / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nExpect: something\r\n\r\n", 417},
		{"POST /a b HTTP/1.1\r\n\r\n", 400},
		{"POST\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400},
		/* RFC 9112 §3.2: HTTP/1.1 names its Host once; Authorization once too */
		{"GET / HTTP/1.1\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: a\r\nAuthorization: x\r\nAuthorization: y\r\n\r\n", 400},
		{"GET / HTTP/1.0\r\n\r\n", 0},
		{"GET / HTTP/1.1\r\nHost:\r\n\r\n", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(pdl_h1_request_parse(cases[i].req, strlen(cases[i].req), &h, &why), cases[i].want);
	/* the same Content-Length twice is one length */
	const char *r3 = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\ncontent-length: 2\r\nConnection: keep-alive, close\r\n\r\n";
	assert_int_equal(pdl_h1_request_parse(r3, strlen(r3), &h, &why), 0);
	assert_true(h.close);
	/* every status the servers send has its phrase */
	assert_string_equal(pdl_h1_reason(401), "Unauthorized");
	assert_string_equal(pdl_h1_reason(502), "Bad Gateway");
}

static void
test_http_response_and_chunks(void **state)
{
	(void)state;
	struct pdl_h1_head h;
	const char *why;
	const char *r = "HTTP/1.1 409 Conflict\r\nContent-Type: text/x.tlog.size\r\nContent-Length: 3\r\n\r\n";
	assert_int_equal(pdl_h1_response_parse(r, strlen(r), &h, &why), 0);
	assert_int_equal(h.status, 409);
	assert_string_equal(h.content_type, "text/x.tlog.size");
	assert_int_equal(pdl_h1_response_parse("HTTP/1.1 20 OK\r\n\r\n", 18, &h, &why), -1);
	assert_int_equal(pdl_h1_response_parse("HTTP/1.1 204\r\n\r\n", 16, &h, &why), 0);
	assert_int_equal(pdl_h1_response_parse("SPDY/3 200 OK\r\n\r\n", 17, &h, &why), -1);

	/* a chunked body fed one byte at a time, with an extension and a trailer */
	const char *c = "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
	struct pdl_h1_chunks ch;
	char out[64];
	size_t used = 0, total = 0;
	int rc = 0;
	memset(&ch, 0, sizeof ch);
	for (size_t i = 0; i < strlen(c) && rc == 0; i++) {
		rc = pdl_h1_chunks_feed(&ch, c + i, 1, &used, out, sizeof out);
		total += used;
	}
	assert_int_equal(rc, 1);
	assert_int_equal(ch.out_len, 12);
	assert_memory_equal(out, "hello, world", 12);
	assert_int_equal(total, strlen(c) - 4);
	/* all at once: the bytes after the body are left */
	memset(&ch, 0, sizeof ch);
	assert_int_equal(pdl_h1_chunks_feed(&ch, c, strlen(c), &used, out, sizeof out), 1);
	assert_int_equal(used, strlen(c) - 4);
	/* over the cap, malformed */
	memset(&ch, 0, sizeof ch);
	assert_int_equal(pdl_h1_chunks_feed(&ch, c, strlen(c), &used, out, 11), -2);
	memset(&ch, 0, sizeof ch);
	assert_int_equal(pdl_h1_chunks_feed(&ch, "zz\r\n", 4, &used, out, sizeof out), -1);
	memset(&ch, 0, sizeof ch);
	assert_int_equal(pdl_h1_chunks_feed(&ch, "2\r\nabX", 6, &used, out, sizeof out), -1);
	memset(&ch, 0, sizeof ch);
	assert_int_equal(pdl_h1_chunks_feed(&ch, "fffffffffffffffff\r\n", 19, &used, out, sizeof out), -1);
}

static void
test_http_url(void **state)
{
	(void)state;
	struct pdl_h1_url u;
	const char *why;
	assert_int_equal(pdl_h1_url_parse("https://witness.example.org/prefix/", &u, &why), PDL_OK);
	assert_true(u.tls);
	assert_int_equal(u.port, 443);
	assert_string_equal(u.path, "/prefix");
	assert_string_equal(u.dial, "tls+tcp://witness.example.org:443");
	assert_string_equal(u.authority, "witness.example.org");
	assert_int_equal(pdl_h1_url_parse("http://127.0.0.1:8080", &u, &why), PDL_OK);
	assert_string_equal(u.path, "");
	assert_string_equal(u.dial, "tcp://127.0.0.1:8080");
	assert_string_equal(u.authority, "127.0.0.1:8080");
	assert_int_equal(pdl_h1_url_parse("http://[::1]:9/w", &u, &why), PDL_OK);
	assert_string_equal(u.dial, "tcp://[::1]:9");
	static const char *const bad[] = {"ftp://x/", "http://", "http://user@host/", "http://h:0/", "http://h:65536/",
	                                  "http://h/a?b", "http://h/a#b", "http://h/a b", "http://[zz]/", "x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(pdl_h1_url_parse(bad[i], &u, &why), PDL_EINVAL);
}

/* ---- tlog-tiles (tests of part 2) ---- */

static void
test_paths(void **state)
{
	char p[PDL_TLOG_PATH_MAX];
	(void)state;
	pdl_tlog_path(0, 1234067, 0, p, sizeof p);
	assert_string_equal(p, "tile/0/x001/x234/067");
	pdl_tlog_path(0, 0, 256, p, sizeof p);
	assert_string_equal(p, "tile/0/000");
	pdl_tlog_path(1, 1, 17, p, sizeof p);
	assert_string_equal(p, "tile/1/001.p/17");
	pdl_tlog_path(PDL_TILE_LEVEL_ENTRIES, 273, 112, p, sizeof p);
	assert_string_equal(p, "tile/entries/273.p/112");
	pdl_tlog_path(63, 1000, 0, p, sizeof p);
	assert_string_equal(p, "tile/63/x001/000");
	pdl_tlog_path(2, UINT64_MAX, 1, p, sizeof p);
	assert_string_equal(p, "tile/2/x018/x446/x744/x073/x709/x551/615.p/1");
}

static void
test_parse(void **state)
{
	static const struct {
		const char *path;
		int level;
		uint64_t index;
		unsigned w;
	} good[] = {
		{"tile/0/x001/x234/067", 0, 1234067, 0},
		{"tile/entries/273.p/112", PDL_TILE_LEVEL_ENTRIES, 273, 112},
		{"tile/2/000.p/1", 2, 0, 1},
		{"tile/63/999", 63, 999, 0},
	};
	static const char *const bad[] = {
		"tile/0/1", "tile/0/0001", "tile/00/000", "tile/64/000", "tile/0/001.p/256", "tile/0/001.p/0",
		"tile/0/001.p/012", "tile/0/x001", "tile/0/001/002", "tile/0/x01/002", "tiles/0/000", "tile/0/000.p/",
		"tile/x/000", "tile/0/000.q/5", "tile/0/x000/x000/x000/x000/x000/x000/x000/000",
	};
	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int l;
		uint64_t n;
		unsigned w;
		char back[PDL_TLOG_PATH_MAX];
		assert_int_equal(pdl_tlog_path_parse(good[i].path, strlen(good[i].path), &l, &n, &w), PDL_OK);
		assert_int_equal(l, good[i].level);
		assert_int_equal(n, good[i].index);
		assert_int_equal(w, good[i].w);
		pdl_tlog_path(l, n, w, back, sizeof back);
		assert_string_equal(back, good[i].path);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int l;
		uint64_t n;
		unsigned w;
		if (pdl_tlog_path_parse(bad[i], strlen(bad[i]), &l, &n, &w) == PDL_OK)
			fail_msg("accepted %s", bad[i]);
	}
}

/* "a tree of size 70,000 will be represented by 273 full level 0 tiles, one
 * partial level 0 tile of width 112, one full level 1 tile, one partial
 * level 1 tile of width 17, and one partial level 2 tile of width 1";
 * "a tree of size 256 will be represented by a full level 0 tile and a
 * partial level 1 tile of width 1" */
static void
test_levels(void **state)
{
	uint64_t full;
	unsigned part;
	(void)state;
	assert_int_equal(pdl_tlog_levels(70000), 3);
	pdl_tlog_level(70000, 0, &full, &part);
	assert_int_equal(full, 273);
	assert_int_equal(part, 112);
	pdl_tlog_level(70000, 1, &full, &part);
	assert_int_equal(full, 1);
	assert_int_equal(part, 17);
	pdl_tlog_level(70000, 2, &full, &part);
	assert_int_equal(full, 0);
	assert_int_equal(part, 1);
	assert_int_equal(pdl_tlog_levels(256), 2);
	pdl_tlog_level(256, 0, &full, &part);
	assert_int_equal(full, 1);
	assert_int_equal(part, 0);
	pdl_tlog_level(256, 1, &full, &part);
	assert_int_equal(full, 0);
	assert_int_equal(part, 1);
	assert_int_equal(pdl_tlog_levels(0), 0);
	assert_int_equal(pdl_tlog_levels(1), 1);
	assert_int_equal(pdl_tlog_levels(UINT64_MAX), 8);
}

static void
test_bundle(void **state)
{
	const uint8_t b[] = {0, 3, 'a', 'b', 'c', 0, 0, 0, 2, 'x'};
	size_t off = 0, n;
	const uint8_t *e;
	(void)state;
	assert_int_equal(pdl_tlog_bundle_next(b, sizeof b, &off, &e, &n), PDL_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(e, "abc", 3);
	assert_int_equal(pdl_tlog_bundle_next(b, sizeof b, &off, &e, &n), PDL_OK);
	assert_int_equal(n, 0);
	/* the third says 2 bytes and has 1: truncated */
	assert_int_equal(pdl_tlog_bundle_next(b, sizeof b, &off, &e, &n), PDL_EDECODE);
	off = 0;
	assert_int_equal(pdl_tlog_bundle_next(b, 5, &off, &e, &n), PDL_OK);
	assert_int_equal(pdl_tlog_bundle_next(b, 5, &off, &e, &n), PDL_ENOTFOUND);
	off = 0;
	assert_int_equal(pdl_tlog_bundle_next(b, 1, &off, &e, &n), PDL_EDECODE); /* half a length */
}

static void
test_tile_root(void **state)
{
	uint8_t hs[PDL_TILE_BYTES], a[32], b[32];
	(void)state;
	for (size_t i = 0; i < sizeof hs; i++)
		hs[i] = (uint8_t)(i * 7 + 3);
	/* width 1: the hash itself; width 2: one node; width 256: as a range */
	pdl_tlog_tile_root(hs, 1, a);
	assert_memory_equal(a, hs, 32);
	pdl_tlog_tile_root(hs, 2, a);
	pdl_merkle_node_hash(hs, hs + 32, b);
	assert_memory_equal(a, b, 32);
	uint8_t l[32], r[32];
	pdl_tlog_tile_root(hs, 256, a);
	pdl_tlog_tile_root(hs, 128, l);
	pdl_tlog_tile_root(hs + 128 * 32, 128, r);
	pdl_merkle_node_hash(l, r, b);
	assert_memory_equal(a, b, 32);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vkey_spec_example),
		cmocka_unit_test(test_vkey_malformed),
		cmocka_unit_test(test_note_malformed),
		cmocka_unit_test(test_cosig),
		cmocka_unit_test(test_verify_mixed),
		cmocka_unit_test(test_checkpoint_parse),
		cmocka_unit_test(test_addckpt),
		cmocka_unit_test(test_policy_spec_example),
		cmocka_unit_test(test_policy_refusals),
		cmocka_unit_test(test_http_request),
		cmocka_unit_test(test_http_response_and_chunks),
		cmocka_unit_test(test_http_url),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_bundle),
		cmocka_unit_test(test_tile_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
