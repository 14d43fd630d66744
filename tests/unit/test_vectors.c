/*
 * test_vectors.c — the signing vectors of spec/vectors/: act JSON → act
 * bytes (msgpack) → signed bytes → signature, for a fixed key and ledger id.
 *
 * The vectors are made here with pdl's own encoder (pdl_json_act_to_mp)
 * and signer (pdl_act_sign) from spec/vectors/inputs.json. With
 * PDL_VECTORS_WRITE=1 in the environment (`make vectors`) the test writes
 * spec/vectors/ed25519-sha256.json; without it (`make test`) it makes them
 * again and fails unless the committed file is byte for byte what it made,
 * so the file cannot drift from the code. The reference signers of
 * clients/ are checked against the same file (t_108).
 *
 * Every vector must also be a real act: it decodes against its act's
 * schema and its signature verifies; the §1.6 worked example gives the
 * signature spec/formats.md prints.
 *
 * PDL_SRC names the source tree (default: the working directory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "entry.h"
#include "mpjson.h"
#include "rules.h"
#include "suite.h"

#define INPUTS "spec/vectors/inputs.json"
#define OUTPUT "spec/vectors/ed25519-sha256.json"
#define FILE_BYTES_MAX (1u << 20)

/* spec/formats.md §1.6: the signature of the party.suspend example */
static const char spec_sig_hex[] = "7068b0b8d2b0e5c020e839510b261d44bfef678fbd71418e257e629c74257055"
                                   "404d47e878d64fb98cce58dec2577374d5520865411e4ccfca58e8933faa6b0e";

static void
path_of(char *out, size_t cap, const char *rel)
{
	const char *src = getenv("PDL_SRC");
	snprintf(out, cap, "%s/%s", src && src[0] ? src : ".", rel);
}

static json_t *
hex_str(const uint8_t *b, size_t n)
{
	char *h = malloc(2 * n + 1);
	assert_non_null(h);
	pdl_hex(b, n, h);
	json_t *j = json_string(h);
	free(h);
	return j;
}

static json_t *
b64_str(const uint8_t *b, size_t n)
{
	char *s = malloc(pdl_b64_len(n));
	assert_non_null(s);
	pdl_b64(b, n, s);
	json_t *j = json_string(s);
	free(s);
	return j;
}

/* One vector: the act of `in` encoded, signed and checked. */
static json_t *
make_vector(const json_t *in, const uint8_t lid_in[32], const struct pdl_seckey *k)
{
	const json_t *act = json_object_get(in, "act");
	const char *name = json_string_value(json_object_get(in, "name"));
	const uint8_t *lid = json_is_true(json_object_get(in, "zero_ledger_id")) ? pdl_ledger_id_genesis : lid_in;
	struct pdl_status st = {0};
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	assert_non_null(name);
	if (pdl_json_act_to_mp(act, &sb, &st) != PDL_OK)
		fail_msg("vector %s: %s", name, st.msg);
	const uint8_t *ab = (const uint8_t *)sb.data;
	size_t an = sb.size;
	uint8_t sig[PDL_SIG_BYTES], hash[32];
	uint8_t *signed_b = malloc(PDL_ACT_SIG_HEAD_BYTES + an);
	assert_non_null(signed_b);
	size_t sn = pdl_act_signed_bytes(lid, ab, an, signed_b, PDL_ACT_SIG_HEAD_BYTES + an);
	assert_int_equal(sn, PDL_ACT_SIG_HEAD_BYTES + an);
	pdl_act_sign(lid, ab, an, k, sig);
	pdl_digest(hash, ab, an);

	/* a real act: its schema takes it, its signature verifies */
	struct pdl_act a;
	if (pdl_act_decode(ab, an, sig, &a, &st) != PDL_OK)
		fail_msg("vector %s does not decode: %s (%s)", name, st.msg, pdl_strerror(st.err));
	assert_int_equal(pdl_act_verify(lid, ab, an, sig, &k->pk), PDL_OK);
	if (strcmp(name, "party-suspend") == 0) {
		char hex[2 * PDL_SIG_BYTES + 1];
		pdl_hex(sig, sizeof sig, hex);
		assert_int_equal(an, 81);
		assert_string_equal(hex, spec_sig_hex);
	}

	json_t *v = json_object(), *env = json_object();
	json_object_set(v, "name", json_object_get(in, "name"));
	json_object_set(v, "note", json_object_get(in, "note"));
	json_object_set_new(v, "ledger_id", hex_str(lid, PDL_HASH_BYTES));
	json_object_set(v, "act", (json_t *)act);
	json_object_set_new(v, "act_hex", hex_str(ab, an));
	json_object_set_new(v, "act_sha256", hex_str(hash, sizeof hash));
	json_object_set_new(v, "signed_hex", hex_str(signed_b, sn));
	json_object_set_new(v, "sig_hex", hex_str(sig, sizeof sig));
	json_object_set_new(env, "act", b64_str(ab, an));
	json_object_set_new(env, "sig", b64_str(sig, sizeof sig));
	json_object_set_new(env, "ledger_id", hex_str(lid, PDL_HASH_BYTES));
	json_object_set_new(v, "envelope", env);
	free(signed_b);
	msgpack_sbuffer_destroy(&sb);
	return v;
}

static char *
make_all(void)
{
	char path[4096];
	json_error_t je;
	path_of(path, sizeof path, INPUTS);
	json_t *in = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (in == NULL)
		fail_msg("%s:%d:%d: %s", path, je.line, je.column, je.text);
	uint8_t seed[PDL_SECRET_BYTES], lid[PDL_HASH_BYTES];
	struct pdl_seckey k;
	const char *sh = json_string_value(json_object_get(in, "seed_hex"));
	const char *lh = json_string_value(json_object_get(in, "ledger_id"));
	assert_non_null(sh);
	assert_non_null(lh);
	assert_int_equal(pdl_unhex(sh, strlen(sh), seed, sizeof seed), PDL_OK);
	assert_int_equal(pdl_unhex(lh, strlen(lh), lid, sizeof lid), PDL_OK);
	assert_int_equal(pdl_seckey_open(&k, &pdl_suite_ed25519_sha256, seed), PDL_OK);
	const uint8_t *pk = k.pk.b;
	size_t pkn = k.suite->pk_bytes;

	json_t *doc = json_object(), *key = json_object(), *vs = json_array();
	char kf[128], sb64[PDL_B64_LEN(PDL_SECRET_BYTES)];
	pdl_b64(seed, sizeof seed, sb64);
	snprintf(kf, sizeof kf, "pdl-ed25519-v1\n%s\n", sb64);
	json_object_set_new(doc, "comment",
	                    json_string("Generated by tests/unit/test_vectors.c from inputs.json (make vectors); make test "
	                                "fails when this file is not what pdl makes. spec/formats.md §1 and §17 say what "
	                                "each field is."));
	json_object_set_new(doc, "suite", json_string("ed25519-sha256"));
	json_object_set_new(doc, "signing_prefix_hex", hex_str((const uint8_t *)PDL_ACT_SIG_PREFIX, 11));
	json_object_set_new(key, "seed_hex", json_string(sh));
	json_object_set_new(key, "public_key_hex", hex_str(pk, pkn));
	json_object_set_new(key, "public_key", b64_str(pk, pkn));
	json_object_set_new(key, "key_file", json_string(kf));
	json_object_set_new(doc, "key", key);
	json_object_set_new(doc, "vectors", vs);
	const json_t *acts = json_object_get(in, "acts");
	assert_true(json_array_size(acts) >= 4);
	for (size_t i = 0; i < json_array_size(acts); i++)
		json_array_append_new(vs, make_vector(json_array_get(acts, i), lid, &k));
	char *out = json_dumps(doc, JSON_INDENT(2));
	assert_non_null(out);
	json_decref(doc);
	json_decref(in);
	pdl_seckey_wipe(&k);
	pdl_wipe(seed, sizeof seed);
	return out;
}

static void
test_vectors_current(void **state)
{
	(void)state;
	char path[4096];
	char *made = make_all();
	size_t mn = strlen(made);
	path_of(path, sizeof path, OUTPUT);
	if (getenv("PDL_VECTORS_WRITE") != NULL) {
		char *text = malloc(mn + 2);
		assert_non_null(text);
		memcpy(text, made, mn);
		text[mn] = '\n';
		assert_int_equal(pdl_file_write(path, text, mn + 1, 0644), PDL_OK);
		printf("# wrote %s\n", path);
		free(text);
		free(made);
		return;
	}
	uint8_t *have = NULL;
	size_t hn = 0;
	if (pdl_file_read(path, FILE_BYTES_MAX, &have, &hn) != PDL_OK)
		fail_msg("cannot read %s (make vectors writes it)", path);
	int same = hn == mn + 1 && memcmp(have, made, mn) == 0 && have[mn] == '\n';
	if (!same) {
		size_t i = 0;
		while (i < hn && i < mn && have[i] == (uint8_t)made[i])
			i++;
		fail_msg("%s is not what pdl makes from %s (first difference at byte %zu): run make vectors", path, INPUTS, i);
	}
	free(have);
	free(made);
}

/* The generator itself must be able to fail: a changed act changes its
 * bytes and signature, so the comparison above would catch a stale file. */
static void
test_vector_depends_on_act(void **state)
{
	(void)state;
	uint8_t seed[PDL_SECRET_BYTES], lid[PDL_HASH_BYTES] = {0};
	struct pdl_seckey k;
	memset(seed, 7, sizeof seed);
	assert_int_equal(pdl_seckey_open(&k, &pdl_suite_ed25519_sha256, seed), PDL_OK);
	json_error_t je;
	json_t *a = json_loads("{\"name\":\"x\",\"note\":\"\",\"act\":{\"type\":\"party.suspend\",\"actor\":\"authority\","
	                       "\"nonce\":22,\"body\":{\"id\":\"dev-1\",\"reason\":\"late reports\"}}}",
	                       0, &je);
	json_t *b = json_loads("{\"name\":\"x\",\"note\":\"\",\"act\":{\"type\":\"party.suspend\",\"actor\":\"authority\","
	                       "\"nonce\":23,\"body\":{\"id\":\"dev-1\",\"reason\":\"late reports\"}}}",
	                       0, &je);
	lid[0] = 1;
	json_t *va = make_vector(a, lid, &k), *vb = make_vector(b, lid, &k);
	assert_string_not_equal(json_string_value(json_object_get(va, "act_hex")),
	                        json_string_value(json_object_get(vb, "act_hex")));
	assert_string_not_equal(json_string_value(json_object_get(va, "sig_hex")),
	                        json_string_value(json_object_get(vb, "sig_hex")));
	json_decref(va);
	json_decref(vb);
	json_decref(a);
	json_decref(b);
	pdl_seckey_wipe(&k);
}

int
main(void)
{
	if (pdl_crypto_init() != PDL_OK)
		return 1;
	pdl_suite_use(&pdl_suite_ed25519_sha256); /* the vectors are this suite's */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_current),
		cmocka_unit_test(test_vector_depends_on_act),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
