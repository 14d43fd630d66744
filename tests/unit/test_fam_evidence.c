/* test_fam_evidence.c — evidence.deposit: records (evid/, evdig/, blob/),
 * every rule, and who may deposit. */
#include "harness.h"

/* Lowercase hex SHA-256 of n bytes. */
static void
sha_hex(const void *b, size_t n, char out[65])
{
	uint8_t d[32];
	crypto_hash_sha256(d, b, n);
	pdl_hex(d, 32, out);
}

/* An evidence.deposit act; blob64 NULL leaves the blob out. Caller frees. */
static char *
deposit(const char *actor, const char *id, const char *digest, size_t size, const char *blob64)
{
	size_t cap = 1024 + (blob64 ? strlen(blob64) : 0);
	char *j = malloc(cap);
	assert_non_null(j);
	snprintf(j, cap,
	         "{\"type\":\"evidence.deposit\",\"actor\":\"%s\",\"body\":{\"evidence_id\":\"%s\",\"digest\":\"%s\","
	         "\"size\":%zu,\"media_type\":\"application/pdf\",\"subject\":\"license of res-1\"%s%s%s}}",
	         actor, id, digest, size, blob64 ? ",\"blob\":\"" : "", blob64 ? blob64 : "", blob64 ? "\"" : "");
	return j;
}

static void
ok(struct h *h, char *json)
{
	h_ok(h, json);
	free(json);
}

static void
rule(struct h *h, char *json, const char *id)
{
	h_rule(h, json, id);
	free(json);
}

static void
test_deposit_digest_only(void **state)
{
	(void)state;
	struct h h;
	char dg[65];
	h_open(&h);
	h_party(&h, "prov-1", "provider");
	sha_hex("a document", 10, dg);
	uint64_t seq = h_ok(&h, h_fmt("{\"type\":\"evidence.deposit\",\"actor\":\"prov-1\",\"body\":{\"evidence_id\":"
	                              "\"ev-1\",\"digest\":\"%s\",\"size\":123456789,\"media_type\":\"application/pdf\","
	                              "\"subject\":\"license of res-1\"}}",
	                              dg));
	json_t *r = h_rec(&h, "evid", "ev-1");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "depositor")), "prov-1");
	assert_string_equal(json_string_value(json_object_get(r, "digest")), dg);
	assert_int_equal(json_integer_value(json_object_get(r, "size")), 123456789);
	assert_string_equal(json_string_value(json_object_get(r, "media_type")), "application/pdf");
	assert_string_equal(json_string_value(json_object_get(r, "subject")), "license of res-1");
	assert_true(json_is_false(json_object_get(r, "blob")));
	assert_int_equal(json_integer_value(json_object_get(r, "seq")), seq);
	json_decref(r);
	char ix[128];
	snprintf(ix, sizeof ix, "prov-1/%s", dg);
	r = h_rec(&h, "evdig", ix);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "evidence_id")), "ev-1");
	json_decref(r);
	assert_null(h_rec(&h, "blob", "ev-1"));
	h_close(&h);
}

static void
test_deposit_blob(void **state)
{
	(void)state;
	struct h h;
	char dg[65];
	h_open(&h);
	h_party(&h, "dev-1", "developer");
	sha_hex("hello", 5, dg);
	ok(&h, deposit("dev-1", "ev-blob", dg, 5, "aGVsbG8="));
	json_t *r = h_rec(&h, "evid", "ev-blob");
	assert_true(json_is_true(json_object_get(r, "blob")));
	json_decref(r);
	r = h_rec(&h, "blob", "ev-blob");
	assert_non_null(r);
	assert_int_equal(json_object_size(r), 1);
	assert_string_equal(json_string_value(json_object_get(r, "data")), "aGVsbG8="); /* bin shown as base64 */
	json_decref(r);

	/* a blob exactly at the policy limit (32768 bytes) is accepted */
	size_t n = 32768;
	uint8_t *b = calloc(1, n);
	char *b64 = malloc(pdl_b64_len(n));
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7);
	pdl_b64(b, n, b64);
	sha_hex(b, n, dg);
	ok(&h, deposit("dev-1", "ev-big", dg, n, b64));
	r = h_rec(&h, "blob", "ev-big");
	assert_string_equal(json_string_value(json_object_get(r, "data")), b64);
	json_decref(r);
	/* an empty blob of an empty document */
	sha_hex("", 0, dg);
	ok(&h, deposit("dev-1", "ev-empty", dg, 0, ""));
	r = h_rec(&h, "blob", "ev-empty");
	assert_string_equal(json_string_value(json_object_get(r, "data")), "");
	json_decref(r);
	free(b);
	free(b64);
	h_close(&h);
}

static void
test_uniqueness(void **state)
{
	(void)state;
	struct h h;
	char d1[65], d2[65];
	h_open(&h);
	h_party(&h, "prov-1", "provider");
	h_party(&h, "prov-2", "provider");
	sha_hex("one", 3, d1);
	sha_hex("two", 3, d2);
	ok(&h, deposit("prov-1", "ev-1", d1, 3, NULL));
	/* evidence ids are global: another depositor cannot reuse one */
	rule(&h, deposit("prov-2", "ev-1", d2, 3, NULL), "evidence.id_taken");
	rule(&h, deposit("prov-1", "ev-1", d2, 3, NULL), "evidence.id_taken");
	/* a digest once per depositor */
	rule(&h, deposit("prov-1", "ev-2", d1, 3, NULL), "evidence.digest_duplicate");
	assert_null(h_rec(&h, "evid", "ev-2"));
	/* but another depositor may deposit the same document */
	ok(&h, deposit("prov-2", "ev-2", d1, 3, NULL));
	json_t *r = h_rec(&h, "evid", "ev-2");
	assert_string_equal(json_string_value(json_object_get(r, "depositor")), "prov-2");
	json_decref(r);
	h_close(&h);
}

static void
test_blob_rules(void **state)
{
	(void)state;
	struct h h;
	char dg[65], other[65];
	h_open(&h);
	h_party(&h, "prov-1", "provider");
	sha_hex("hello", 5, dg);
	sha_hex("hellO", 5, other);
	rule(&h, deposit("prov-1", "ev-1", other, 5, "aGVsbG8="), "evidence.blob_mismatch");
	rule(&h, deposit("prov-1", "ev-1", dg, 6, "aGVsbG8="), "evidence.size_mismatch");
	/* passes the schema's alphabet check but is not canonical base64 */
	rule(&h, deposit("prov-1", "ev-1", dg, 1, "AB=="), "evidence.blob_not_base64");
	/* one byte over the policy's blob_bytes_max (32768 in the harness) */
	size_t n = 32769;
	uint8_t *b = calloc(1, n);
	char *b64 = malloc(pdl_b64_len(n));
	pdl_b64(b, n, b64);
	sha_hex(b, n, dg);
	rule(&h, deposit("prov-1", "ev-1", dg, n, b64), "evidence.blob_too_large");
	free(b);
	free(b64);
	/* over the schema's bound: a field error before any rule */
	char *huge = malloc(70000);
	memset(huge, 'A', 65536);
	huge[65536] = 0;
	char *j = deposit("prov-1", "ev-1", dg, 1, huge);
	int rc = h_submit_raw(&h, j);
	assert_true(rc == PDL_EFIELD || rc == PDL_ETOOBIG);
	free(j);
	free(huge);
	assert_null(h_rec(&h, "evid", "ev-1"));
	assert_int_equal(h_size(&h), 2);
	h_close(&h);
}

static void
test_schema_and_roles(void **state)
{
	(void)state;
	struct h h;
	char dg[65];
	h_open(&h);
	h_party(&h, "aud-1", "auditor");
	sha_hex("x", 1, dg);
	/* any role may deposit */
	ok(&h, deposit("aud-1", "ev-a", dg, 1, NULL));
	ok(&h, deposit("authority", "ev-b", dg, 1, NULL));
	/* an unregistered party may not */
	char *j = deposit("nobody", "ev-c", dg, 1, NULL);
	h_err(&h, j, PDL_EACTOR);
	free(j);
	/* digests are lowercase hex of 32 bytes */
	char up[65];
	for (int i = 0; i < 64; i++)
		up[i] = (char)(dg[i] >= 'a' ? dg[i] - 32 : dg[i]);
	up[64] = 0;
	j = deposit("aud-1", "ev-c", up, 1, NULL);
	h_err(&h, j, PDL_EFIELD);
	free(j);
	j = deposit("aud-1", "ev-c", "abcd", 1, NULL);
	h_err(&h, j, PDL_EFIELD);
	free(j);
	/* media_type at most 128 bytes */
	char mt[140];
	memset(mt, 'm', 129);
	mt[129] = 0;
	h_err(&h, h_fmt("{\"type\":\"evidence.deposit\",\"actor\":\"aud-1\",\"body\":{\"evidence_id\":\"ev-c\",\"digest\":"
	                "\"%s\",\"size\":1,\"media_type\":\"%s\",\"subject\":\"s\"}}",
	                dg, mt),
	      PDL_EFIELD);
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deposit_digest_only),
		cmocka_unit_test(test_deposit_blob),
		cmocka_unit_test(test_uniqueness),
		cmocka_unit_test(test_blob_rules),
		cmocka_unit_test(test_schema_and_roles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
