/* test_fam_ledger.c — the genesis policy of the national rules: the fields
 * an older genesis lacks and their defaults, the presets of `pdl init
 * --policy`, and ledger.policy_invalid for the new fields; the genesis's
 * crypto suite, and a ledger of the sm2-sm3 suite through the engine,
 * verify and replay. (The rest of ledger.genesis is tested in
 * test_engine.c.) */
#include <sys/stat.h>

#include "crypto.h"
#include "harness.h"
#include "replay.h"
#include "verify.h"

/* An empty ledger: no genesis yet. */
static void
open_empty(struct h *h)
{
	memset(h, 0, sizeof *h);
	assert_true(sodium_init() >= 0);
	snprintf(h->dir, sizeof h->dir, "/tmp/pdl-unit-XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	assert_int_equal(pdl_store_open(&h->s, h->dir, PDL_STORE_CREATE | PDL_STORE_NOSYNC), PDL_OK);
	pdl_engine_init(&h->e, &h->s);
	h_time(h, "2026-10-09T10:00:00");
}

static const char *
genesis(const char *policy)
{
	static char a64[PDL_PK_B64_LEN], l64[PDL_PK_B64_LEN];
	h_pub("authority", a64);
	h_pub("ledger", l64);
	return h_fmt("{\"type\":\"ledger.genesis\",\"actor\":\"authority\",\"nonce\":0,\"body\":{\"origin\":\"test.pdl/log\","
	             "\"jurisdiction\":\"420100\",\"authority\":{\"id\":\"authority\",\"name\":\"Authority\",\"uscc\":"
	             "\"114201000000000004\",\"public_key\":\"%s\"},\"ledger_key\":\"%s\",\"policy\":%s}}",
	             a64, l64, policy);
}

#define OLD5 "\"accept_wd\":3,\"notice_wd\":10,\"grant_months_max\":60,\"trial_months_max\":6,\"blob_bytes_max\":32768"

static void
test_old_genesis_defaults(void **state)
{
	(void)state;
	struct h h;
	h_open(&h);
	const struct pdl_policy *p = &h.e.info.policy;
	assert_int_equal(p->grant_total_months_max, 66); /* term + trial, as before */
	assert_int_equal(p->registration_required, 0);
	assert_int_equal(p->product_registration_before_release, 0);
	assert_int_equal(p->product_reviewer, PDL_REVIEWER_OPERATOR);
	assert_int_equal(p->disclosure_due_month, 3);
	assert_int_equal(p->disclosure_due_day, 31);
	assert_int_equal(p->log_retention_months, 12);
	h_close(&h);

	h_open_policy(&h, H_POLICY_EZHOU);
	p = &h.e.info.policy;
	assert_int_equal(p->grant_months_max, 60);
	assert_int_equal(p->trial_months_max, 0);
	assert_int_equal(p->grant_total_months_max, 60);
	assert_int_equal(p->registration_required, 1);
	assert_int_equal(p->product_registration_before_release, 1);
	assert_int_equal(p->product_reviewer, PDL_REVIEWER_AUTHORITY);
	h_close(&h);

	/* the engine reads the policy back from the stored genesis the same way */
	h_open_policy(&h, "{" OLD5 ",\"disclosure_due\":\"12-31\",\"log_retention_months\":24}");
	struct pdl_engine e2;
	MDB_txn *t;
	pdl_engine_init(&e2, &h.s);
	assert_int_equal(pdl_store_rtxn(&h.s, &t), PDL_OK);
	assert_int_equal(pdl_engine_load(&e2, t), PDL_OK);
	pdl_store_rdone(&h.s, t);
	assert_int_equal(e2.info.policy.disclosure_due_month, 12);
	assert_int_equal(e2.info.policy.disclosure_due_day, 31);
	assert_int_equal(e2.info.policy.log_retention_months, 24);
	pdl_engine_fini(&e2);
	h_close(&h);
}

static void
test_presets(void **state)
{
	(void)state;
	struct pdl_policy p;
	assert_int_equal(pdl_policy_preset("wuhan", &p), PDL_OK);
	assert_int_equal(p.grant_months_max, 36);
	assert_int_equal(p.trial_months_max, 6);
	assert_int_equal(p.grant_total_months_max, 60);
	assert_int_equal(p.registration_required, 1);
	assert_int_equal(p.product_registration_before_release, 0);
	assert_int_equal(p.product_reviewer, PDL_REVIEWER_OPERATOR);
	assert_int_equal(p.log_retention_months, 12);
	assert_int_equal(pdl_policy_preset("ezhou", &p), PDL_OK);
	assert_int_equal(p.grant_months_max, 60);
	assert_int_equal(p.trial_months_max, 0);
	assert_int_equal(p.product_registration_before_release, 1);
	assert_int_equal(p.product_reviewer, PDL_REVIEWER_AUTHORITY);
	assert_int_equal(pdl_policy_preset("national", &p), PDL_OK);
	assert_int_equal(p.grant_total_months_max, 60);
	assert_int_equal(p.disclosure_due_month * 100 + p.disclosure_due_day, 331);
	assert_int_equal(pdl_policy_preset("beijing", &p), PDL_ENOTFOUND);
}

static void
test_policy_invalid(void **state)
{
	(void)state;
	struct h h;
	open_empty(&h);
	h_rule(&h, genesis("{" OLD5 ",\"disclosure_due\":\"02-29\"}"), "ledger.policy_invalid");
	h_rule(&h, genesis("{" OLD5 ",\"disclosure_due\":\"13-01\"}"), "ledger.policy_invalid");
	h_rule(&h, genesis("{" OLD5 ",\"disclosure_due\":\"03/31\"}"), "ledger.policy_invalid");
	h_rule(&h, genesis("{" OLD5 ",\"disclosure_due\":\"04-31\"}"), "ledger.policy_invalid");
	h_rule(&h, genesis("{" OLD5 ",\"grant_total_months_max\":0}"), "ledger.policy_invalid");
	h_err(&h, genesis("{" OLD5 ",\"disclosure_due\":\"3-31\"}"), PDL_ERULE);
	h_err(&h, genesis("{" OLD5 ",\"product_reviewer\":\"developer\"}"), PDL_EFIELD);
	h_err(&h, genesis("{" OLD5 ",\"registration_required\":1}"), PDL_EFIELD);
	h_err(&h, genesis("{" OLD5 ",\"retention\":12}"), PDL_EFIELD);
	h_ok(&h, genesis(H_POLICY_WUHAN));
	assert_int_equal(h.e.info.policy.registration_required, 1);
	h_close(&h);
}

/* A genesis whose body names suite (a JSON value, e.g. "\"x\"" or "7"). */
static const char *
genesis_suite(const char *suite)
{
	char a64[PDL_PK_B64_LEN], l64[PDL_PK_B64_LEN];
	h_pub("authority", a64);
	h_pub("ledger", l64);
	return h_fmt("{\"type\":\"ledger.genesis\",\"actor\":\"authority\",\"nonce\":0,\"body\":{\"origin\":\"test.pdl/log\","
	             "\"jurisdiction\":\"420100\",\"authority\":{\"id\":\"authority\",\"name\":\"Authority\",\"uscc\":"
	             "\"114201000000000004\",\"public_key\":\"%s\"},\"ledger_key\":\"%s\",\"policy\":{" OLD5 "},"
	             "\"suite\":%s}}",
	             a64, l64, suite);
}

/* The genesis names the crypto suite (formats.md §16); an unknown one is
 * refused by rule, before the signature is checked; a known one is what
 * the engine reads back. */
static void
test_suite_field(void **state)
{
	(void)state;
	struct h h;
	open_empty(&h);
	h_rule(&h, genesis_suite("\"rsa-md5\""), "ledger.suite_unknown");
	assert_non_null(strstr(h.st.msg, "ed25519-sha256"));
	h_rule(&h, genesis_suite("\"ED25519-SHA256\""), "ledger.suite_unknown");
	h_err(&h, genesis_suite("7"), PDL_EFIELD);
	h_err(&h, genesis_suite("\"\""), PDL_EFIELD);
	h_ok(&h, genesis_suite("\"ed25519-sha256\""));
	assert_ptr_equal(h.e.info.suite, &pdl_suite_ed25519_sha256);
	assert_ptr_equal(h.e.info.ledger_pk.suite, &pdl_suite_ed25519_sha256);
	struct pdl_engine e2;
	MDB_txn *t;
	pdl_engine_init(&e2, &h.s);
	assert_int_equal(pdl_store_rtxn(&h.s, &t), PDL_OK);
	assert_int_equal(pdl_engine_load(&e2, t), PDL_OK);
	pdl_store_rdone(&h.s, t);
	assert_ptr_equal(e2.info.suite, &pdl_suite_ed25519_sha256);
	assert_true(pdl_pubkey_eq(&e2.info.ledger_pk, &h.e.info.ledger_pk));
	pdl_engine_fini(&e2);
	h_close(&h);
	/* a genesis without the field is ed25519-sha256 */
	h_open(&h);
	assert_ptr_equal(h.e.info.suite, &pdl_suite_ed25519_sha256);
	h_close(&h);
}

/* The same engine, rules, verify and replay under sm2-sm3: a party
 * registered with an SM2 key acts; an Ed25519 key in a body is refused
 * naming both; the stored party key is 65 bytes; the whole store verifies
 * (SM3 chain and tree, SM2 signatures) and replays. */
static void
test_sm2_ledger(void **state)
{
	(void)state;
	struct h h;
	assert_int_equal(pdl_crypto_init(), PDL_OK);
	pdl_suite_use(&pdl_suite_sm2_sm3);
	h_open(&h);
	assert_ptr_equal(h.e.info.suite, &pdl_suite_sm2_sm3);
	assert_ptr_equal(h.e.info.ledger_pk.suite, &pdl_suite_sm2_sm3);
	h_party(&h, "prov-1", "provider");
	h_ok(&h, "{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"r1\",\"name\":\"R\","
	         "\"items\":[\"a\"],\"format\":\"csv\",\"update_frequency\":\"daily\",\"usage_conditions\":\"\","
	         "\"level\":1,\"attribute\":\"open\"}}");
	struct pdl_party p;
	MDB_txn *t;
	assert_int_equal(pdl_store_rtxn(&h.s, &t), PDL_OK);
	assert_int_equal(pdl_party_get(t, &h.s, "prov-1", 6, &p), PDL_OK);
	pdl_store_rdone(&h.s, t);
	assert_ptr_equal(p.pk.suite, &pdl_suite_sm2_sm3);
	struct pdl_seckey ed;
	char ed64[PDL_PK_B64_LEN], uscc[19];
	assert_int_equal(pdl_seckey_generate(&ed, &pdl_suite_ed25519_sha256), PDL_OK);
	pdl_pubkey_b64(&ed.pk, ed64);
	pdl_seckey_wipe(&ed);
	h_uscc(&h, uscc);
	h_err(&h, h_fmt("{\"type\":\"party.register\",\"actor\":\"authority\",\"body\":{\"id\":\"p-ed\",\"name\":\"E\","
	                "\"uscc\":\"%s\",\"roles\":[\"provider\"],\"public_key\":\"%s\"}}",
	                uscc, ed64),
	      PDL_EFIELD);
	assert_non_null(strstr(h.st.msg, "an Ed25519 public key (32 bytes), but this ledger's suite sm2-sm3 takes SM2 keys"));
	struct pdl_verify_result r;
	assert_int_equal(pdl_verify_store(&h.s, 2, 0, &r), PDL_OK);
	assert_true(r.ok);
	assert_int_equal(r.size, 3); /* genesis, party.register, catalog.publish */
	assert_int_equal(r.signatures, 3);
	char scratch[80];
	snprintf(scratch, sizeof scratch, "%s/replay", h.dir);
	assert_int_equal(mkdir(scratch, 0700), 0);
	assert_int_equal(pdl_replay_store(&h.s, scratch, 0, &r), PDL_OK);
	assert_true(r.ok);
	h_close(&h);
	pdl_suite_use(&pdl_suite_ed25519_sha256);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_old_genesis_defaults),
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_policy_invalid),
		cmocka_unit_test(test_suite_field),
		cmocka_unit_test(test_sm2_ledger),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
