/* test_fam_witness.c — checkpoint.cosign: C2SP tlog-cosignature lines built
 * here from the spec with libsodium, on checkpoints the ledger signed;
 * every rule id of fam_witness.c, records and roles. */
#include <inttypes.h>

#include "harness.h"

#define ORIGIN "test.pdl/log" /* h_open's genesis */

struct ck {
	uint64_t size;
	char note[PDL_NOTE_BYTES_MAX];
	size_t n, body_n;
	char root[64];
};

/* The Ed25519 test key of id as libsodium holds it (harness.h's seeds), so
 * the cosignatures below are made without pdl's code. */
static void
ed_key(const char *id, uint8_t pk[32], uint8_t sk[64])
{
	uint8_t seed[32];
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"pdl-test-key:", 13);
	crypto_hash_sha256_update(&st, (const uint8_t *)id, strlen(id));
	crypto_hash_sha256_final(&st, seed);
	crypto_sign_seed_keypair(pk, sk, seed);
}

/* Signs and stores a checkpoint of the current log, as pdld does. */
static void
make_ckpt(struct h *h, struct ck *ck)
{
	MDB_txn *t;
	struct pdl_head hd;
	struct pdl_ckpt cp;
	struct pdl_seckey lk;
	h_key("ledger", &lk);
	assert_int_equal(pdl_store_wtxn(&h->s, &t), PDL_OK);
	assert_int_equal(pdl_store_head(t, &h->s, &hd), PDL_OK);
	assert_int_equal(pdl_ckpt_make(t, &h->s, &hd, ORIGIN, &lk, ck->note, sizeof ck->note, &ck->n), PDL_OK);
	assert_int_equal(mdb_txn_commit(t), 0);
	ck->size = hd.size;
	assert_int_equal(pdl_note_verify(ck->note, ck->n, ORIGIN, &lk.pk, &ck->body_n), PDL_OK);
	pdl_seckey_wipe(&lk);
	assert_int_equal(pdl_ckpt_parse(ck->note, ck->n, &cp), PDL_OK);
	pdl_b64(cp.root, 32, ck->root);
}

static void
be64(uint8_t *b, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

/* The C2SP cosignature line "— name base64(keyid || ts || sig)" by the key of
 * party `signer`, for the key ID alg byte `alg`, signing `msg_body` (the
 * checkpoint body) after the cosignature/v1 header with time `sig_ts`, and
 * writing `line_ts` into the line. */
static void
cosig_line_ex(char *out, size_t cap, const char *signer, const char *name, uint8_t alg, uint64_t line_ts,
              uint64_t sig_ts, const char *body, size_t body_n)
{
	uint8_t pk[32], sk[64], raw[76], h[32];
	char msg[PDL_NOTE_BYTES_MAX + 64], b64[128];
	crypto_hash_sha256_state st;
	ed_key(signer, pk, sk);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
	crypto_hash_sha256_update(&st, (const uint8_t *)"\n", 1);
	crypto_hash_sha256_update(&st, &alg, 1);
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_final(&st, h);
	memcpy(raw, h, 4);
	be64(raw + 4, line_ts);
	int mn = snprintf(msg, sizeof msg, "cosignature/v1\ntime %" PRIu64 "\n", sig_ts);
	memcpy(msg + mn, body, body_n);
	crypto_sign_detached(raw + 12, NULL, (const uint8_t *)msg, (size_t)mn + body_n, sk);
	pdl_b64(raw, sizeof raw, b64);
	snprintf(out, cap, "\xe2\x80\x94 %s %s", name, b64);
}

static void
cosig_line(char *out, size_t cap, const char *signer, const char *name, uint64_t ts, const struct ck *ck)
{
	cosig_line_ex(out, cap, signer, name, 0x04, ts, ts, ck->note, ck->body_n);
}

static const char *
cosign(const char *actor, uint64_t size, const char *root, const char *line)
{
	return h_fmt("{\"type\":\"checkpoint.cosign\",\"actor\":\"%s\",\"body\":{\"size\":%" PRIu64
	             ",\"root\":\"%s\",\"cosignature\":\"%s\"}}",
	             actor, size, root, line);
}

static void
setup(struct h *h)
{
	h_open(h);
	h_party(h, "aud-1", "auditor");
	h_party(h, "aud-2", "auditor");
	h_party(h, "op-1", "operator");
}

static void
test_cosign(void **state)
{
	(void)state;
	struct h h;
	struct ck ck;
	char line[600], id[64];
	setup(&h);
	make_ckpt(&h, &ck);
	assert_int_equal(ck.size, 4);
	cosig_line(line, sizeof line, "aud-1", "witness.example.org/aud-1", 1791511200, &ck);
	uint64_t seq = h_ok(&h, cosign("aud-1", ck.size, ck.root, line));
	assert_int_equal(json_object_size(h.outcome), 0);
	snprintf(id, sizeof id, "%" PRIu64 "/aud-1", ck.size);
	json_t *r = h_rec(&h, "cosign", id);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "root")), ck.root);
	assert_string_equal(json_string_value(json_object_get(r, "cosignature")), line);
	assert_int_equal(json_integer_value(json_object_get(r, "timestamp")), 1791511200);
	assert_int_equal(json_integer_value(json_object_get(r, "seq")), seq);
	json_decref(r);

	/* The line is a signed-note signature line: appended to the checkpoint, the
	 * note still verifies under the ledger key (other keys' lines are skipped). */
	char both[PDL_NOTE_BYTES_MAX];
	struct pdl_seckey lk;
	size_t bn;
	h_key("ledger", &lk);
	int n = snprintf(both, sizeof both, "%.*s%s\n", (int)ck.n, ck.note, line);
	assert_int_equal(pdl_note_verify(both, (size_t)n, ORIGIN, &lk.pk, &bn), PDL_OK);
	pdl_seckey_wipe(&lk);
	assert_int_equal(bn, ck.body_n);

	/* another auditor on the same checkpoint, its line ending in "\n" as witnesses return it */
	cosig_line(line, sizeof line, "aud-2", "aud-2", 1791511260, &ck);
	strcat(line, "\\n");
	h_ok(&h, cosign("aud-2", ck.size, ck.root, line));
	/* the same auditor on a later checkpoint, which has the chain extension line of a longer log */
	struct ck ck2;
	make_ckpt(&h, &ck2);
	assert_true(ck2.size > ck.size);
	cosig_line(line, sizeof line, "aud-1", "witness.example.org/aud-1", 1791511300, &ck2);
	h_ok(&h, cosign("aud-1", ck2.size, ck2.root, line));
	/* a second cosignature by aud-2 on the same checkpoint, with a later time */
	cosig_line(line, sizeof line, "aud-2", "aud-2", 1791511400, &ck);
	h_rule(&h, cosign("aud-2", ck.size, ck.root, line), "witness.already_cosigned");
	h_close(&h);
}

static void
test_rules(void **state)
{
	(void)state;
	struct h h;
	struct ck ck, ck2;
	char line[600], other_root[64];
	uint8_t zero[32] = {0};
	setup(&h);
	make_ckpt(&h, &ck);
	h_party(&h, "aud-3", "auditor");
	make_ckpt(&h, &ck2);
	pdl_b64(zero, 32, other_root);
	cosig_line(line, sizeof line, "aud-1", "aud-1", 1791511200, &ck);

	/* root */
	h_rule(&h, cosign("aud-1", ck.size, "not-base64", line), "witness.bad_root");
	h_rule(&h, cosign("aud-1", ck.size, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", line), "witness.bad_root"); /* 31 bytes */
	/* checkpoint */
	h_rule(&h, cosign("aud-1", ck.size - 1, ck.root, line), "witness.unknown_checkpoint");
	h_rule(&h, cosign("aud-1", 0, ck.root, line), "witness.unknown_checkpoint");
	h_rule(&h, cosign("aud-1", 1000000, ck.root, line), "witness.unknown_checkpoint");
	h_rule(&h, cosign("aud-1", ck.size, other_root, line), "witness.root_mismatch");
	h_rule(&h, cosign("aud-1", ck.size, ck2.root, line), "witness.root_mismatch");

	/* malformed lines */
	h_rule(&h, cosign("aud-1", ck.size, ck.root, line + 4), "witness.bad_cosignature"); /* no "— " */
	h_rule(&h, cosign("aud-1", ck.size, ck.root, "\xe2\x80\x94 aud-1"), "witness.bad_cosignature");
	h_rule(&h, cosign("aud-1", ck.size, ck.root, "\xe2\x80\x94 aud-1 AAAA"), "witness.bad_cosignature");
	h_rule(&h, cosign("aud-1", ck.size, ck.root, "\xe2\x80\x94  AAAA"), "witness.bad_cosignature");
	h_rule(&h, cosign("aud-1", ck.size, ck.root, "- aud-1 AAAA"), "witness.bad_cosignature");
	/* a signed-note (0x01) key ID, not a cosignature (0x04) one */
	cosig_line_ex(line, sizeof line, "aud-1", "aud-1", 0x01, 1791511200, 1791511200, ck.note, ck.body_n);
	h_rule(&h, cosign("aud-1", ck.size, ck.root, line), "witness.bad_cosignature");
	/* signed by another auditor's key (its key ID too) */
	cosig_line(line, sizeof line, "aud-2", "aud-1", 1791511200, &ck);
	h_rule(&h, cosign("aud-1", ck.size, ck.root, line), "witness.bad_cosignature");
	/* the time in the line is not the one signed */
	cosig_line_ex(line, sizeof line, "aud-1", "aud-1", 0x04, 1791511201, 1791511200, ck.note, ck.body_n);
	h_rule(&h, cosign("aud-1", ck.size, ck.root, line), "witness.bad_cosignature");
	/* a cosignature of another checkpoint */
	cosig_line(line, sizeof line, "aud-1", "aud-1", 1791511200, &ck2);
	h_rule(&h, cosign("aud-1", ck.size, ck.root, line), "witness.bad_cosignature");
	/* the ledger's checkpoints have no extension line (C2SP
	 * tlog-checkpoint), so one signed with an extension line the stored
	 * body lacks (the earlier "chain" line) is another message */
	char ext_body[PDL_NOTE_BYTES_MAX];
	int en = snprintf(ext_body, sizeof ext_body, "%.*schain %s\n", (int)ck.body_n, ck.note,
	                  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
	assert_true(en > 0 && (size_t)en < sizeof ext_body);
	cosig_line_ex(line, sizeof line, "aud-1", "aud-1", 0x04, 1791511200, 1791511200, ext_body, (size_t)en);
	h_rule(&h, cosign("aud-1", ck.size, ck.root, line), "witness.bad_cosignature");
	/* a timestamp over 2^63 - 1 */
	cosig_line_ex(line, sizeof line, "aud-1", "aud-1", 0x04, 1ull << 63, 1ull << 63, ck.note, ck.body_n);
	h_rule(&h, cosign("aud-1", ck.size, ck.root, line), "witness.bad_cosignature");

	/* a key name signed-note refuses (note.h's pdl_note_name_valid: a
	 * no-break space, U+00A0, is a Unicode space), signed as that name */
	cosig_line(line, sizeof line, "aud-1", "aud\xc2\xa0" "1", 1791511200, &ck);
	h_rule(&h, cosign("aud-1", ck.size, ck.root, line), "witness.bad_cosignature");

	/* one per (size, auditor); ck is older than ck2 and may still be cosigned */
	cosig_line(line, sizeof line, "aud-1", "aud-1", 1791511200, &ck);
	h_ok(&h, cosign("aud-1", ck.size, ck.root, line));
	h_rule(&h, cosign("aud-1", ck.size, ck.root, line), "witness.already_cosigned");
	cosig_line(line, sizeof line, "aud-1", "aud-1.other-name", 1791511999, &ck);
	h_rule(&h, cosign("aud-1", ck.size, ck.root, line), "witness.already_cosigned");
	h_close(&h);
}

/* A note in the ckpt table that the ledger key did not sign is not "one the
 * ledger signed". */
static void
test_foreign_checkpoint(void **state)
{
	(void)state;
	struct h h;
	struct ck ck;
	char line[600], note[PDL_NOTE_BYTES_MAX];
	struct pdl_seckey k;
	size_t n;
	setup(&h);
	make_ckpt(&h, &ck);
	h_key("not-the-ledger", &k);
	assert_int_equal(pdl_note_sign(ck.note, ck.body_n, ORIGIN, &k, note, sizeof note, &n), PDL_OK);
	pdl_seckey_wipe(&k);
	MDB_txn *t;
	assert_int_equal(pdl_store_wtxn(&h.s, &t), PDL_OK);
	assert_int_equal(pdl_store_ckpt_put(t, &h.s, ck.size, note, n), PDL_OK);
	assert_int_equal(mdb_txn_commit(t), 0);
	cosig_line(line, sizeof line, "aud-1", "aud-1", 1791511200, &ck);
	h_rule(&h, cosign("aud-1", ck.size, ck.root, line), "witness.unknown_checkpoint");
	h_close(&h);
}

static void
test_roles(void **state)
{
	(void)state;
	struct h h;
	struct ck ck;
	char line[600];
	setup(&h);
	make_ckpt(&h, &ck);
	cosig_line(line, sizeof line, "op-1", "op-1", 1791511200, &ck);
	h_err(&h, cosign("op-1", ck.size, ck.root, line), PDL_EROLE);
	cosig_line(line, sizeof line, "authority", "authority", 1791511200, &ck);
	h_err(&h, cosign("authority", ck.size, ck.root, line), PDL_EROLE);
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cosign),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_foreign_checkpoint),
		cmocka_unit_test(test_roles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
