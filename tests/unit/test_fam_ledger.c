/* test_fam_ledger.c — the genesis policy of the national rules: the fields
 * an older genesis lacks and their defaults, the presets of `pdl init
 * --policy`, and ledger.policy_invalid for the new fields. (The rest of
 * ledger.genesis is tested in test_engine.c.) */
#include "harness.h"

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
	uint8_t apk[32], ask[64], lpk[32], lsk[64];
	static char a64[64], l64[64];
	h_key("authority", apk, ask);
	h_key("ledger", lpk, lsk);
	pdl_b64(apk, 32, a64);
	pdl_b64(lpk, 32, l64);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_old_genesis_defaults),
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_policy_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
