/*
 * fam_ledger.c — the ledger family: ledger.genesis, the first entry.
 *
 * Genesis fixes the origin (the checkpoint name), the jurisdiction, the
 * crypto suite (suite.h: its `suite` field, ed25519-sha256 when absent),
 * the checkpoint key, the policy limits every later rule reads, and
 * registers the authority party. It is signed by the authority key it names, since
 * no party exists before it, under the zero ledger id (entry.h): its own
 * entry's hash becomes the id every later act is signed under.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "crypto.h"
#include "families.h"

static const struct pdl_field authority_fields[] = {
	{"id", F_ID, 0, 0, NULL},
	{"name", F_STR, 0, 256, NULL},
	{"uscc", F_STR, 0, 18, NULL},
	{"public_key", F_KEY, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { AU_ID, AU_NAME, AU_USCC, AU_KEY };

static const char *const reviewer_list[] = {"operator", "authority", NULL};

/* The last six came with the national rules and are optional, so that a
 * genesis written before them still reads (rules.h, struct pdl_policy). */
static const struct pdl_field policy_fields[] = {
	{"accept_wd", F_UINT, 0, 365, NULL},
	{"notice_wd", F_UINT, 0, 365, NULL},
	{"grant_months_max", F_UINT, 0, 1200, NULL},
	{"trial_months_max", F_UINT, 0, 120, NULL},
	{"blob_bytes_max", F_UINT, 0, 35840, NULL}, /* a blob rides inside a 48 KiB act (fam_evidence.c) */
	{"grant_total_months_max", F_UINT, 1, 1320, NULL}, /* term + trial at their maxima */
	{"registration_required", F_BOOL, 1, 0, NULL},
	{"product_registration_before_release", F_BOOL, 1, 0, NULL},
	{"product_reviewer", F_ENUM, 1, 0, reviewer_list},
	{"disclosure_due", F_STR, 1, 5, NULL}, /* "MM-DD" */
	{"log_retention_months", F_UINT, 1, 1200, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { PO_ACCEPT, PO_NOTICE, PO_GRANT, PO_TRIAL, PO_BLOB, PO_TOTAL, PO_REGREQ, PO_PRODREG, PO_REVIEWER, PO_DUE,
       PO_RETAIN };

/* Days of each month in a common year: a disclosure date recurs every
 * year, so 29 February is not one. */
static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* "MM-DD" of a day that exists every year; 0 and *m, *d set, or -1. */
static int
due_parse(struct pdl_str s, int *m, int *d)
{
	if (s.n != 5 || s.p[2] != '-')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s.p[i] < '0' || s.p[i] > '9'))
			return -1;
	*m = (s.p[0] - '0') * 10 + (s.p[1] - '0');
	*d = (s.p[3] - '0') * 10 + (s.p[4] - '0');
	return *m >= 1 && *m <= 12 && *d >= 1 && *d <= month_days[*m - 1] ? 0 : -1;
}

int
pdl_policy_preset(const char *name, struct pdl_policy *p)
{
	const struct pdl_policy base = PDL_POLICY_DEFAULTS;
	*p = base;
	p->registration_required = 1;
	if (strcmp(name, "wuhan") == 0) {
		/* 000 二(四)1: an agreement of 3 years after a trial of at most 6 months */
		p->grant_months_max = 36;
		p->trial_months_max = 6;
		p->grant_total_months_max = 60;
		return PDL_OK;
	}
	if (strcmp(name, "ezhou") == 0) {
		/* 002 §6: 5 years, no trial; §10–11: the authority organizes the
		 * compliance review, products are registered before release */
		p->grant_months_max = 60;
		p->trial_months_max = 0;
		p->grant_total_months_max = 60;
		p->product_registration_before_release = 1;
		p->product_reviewer = PDL_REVIEWER_AUTHORITY;
		return PDL_OK;
	}
	if (strcmp(name, "national") == 0) {
		/* 27号 art. 14: at most 5 years in all, the trial inside them */
		p->grant_months_max = 60;
		p->trial_months_max = 60;
		p->grant_total_months_max = 60;
		return PDL_OK;
	}
	*p = base;
	return PDL_ENOTFOUND;
}

static const struct pdl_field genesis_fields[] = {
	{"origin", F_STR, 0, PDL_ORIGIN_LEN_MAX, NULL},
	{"jurisdiction", F_STR, 0, 6, NULL},
	{"authority", F_MAP, 0, 0, authority_fields},
	{"ledger_key", F_KEY, 0, 0, NULL},
	{"policy", F_MAP, 0, 0, policy_fields},
	/* absent in a genesis made before suites: ed25519-sha256 */
	{"suite", F_STR, 1, PDL_SUITE_ID_LEN_MAX, NULL},
	/* true: the ledger's time may be set by hand (pdld --test-clock), so its
	 * times prove nothing; pdld refuses --test-clock on a genesis without
	 * it. Absent in a genesis made for the real clock (and before this). */
	{"test_clock", F_BOOL, 1, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { G_ORIGIN, G_JURIS, G_AUTH, G_LKEY, G_POLICY, G_SUITE, G_TEST_CLOCK };

/* The suite the genesis names; NULL when it names one this pdl does not know. */
static const struct pdl_suite *
genesis_suite(const struct pdl_act *a)
{
	if (!pdl_fields_has(&a->body, G_SUITE))
		return &pdl_suite_ed25519_sha256;
	struct pdl_str id = pdl_fields_str(&a->body, G_SUITE);
	return pdl_suite_find(id.p, id.n);
}

static int
bind_sub(const struct pdl_act *a, unsigned i, const struct pdl_field *def, struct pdl_fields *out)
{
	struct mp_cur c = pdl_fields_cur(&a->body, i);
	struct pdl_status st;
	return pdl_fields_bind(def, &c, out, &st, "body");
}

int
pdl_ledger_info_from_genesis(const struct pdl_act *a, struct pdl_ledger_info *info)
{
	struct pdl_fields au, po;
	memset(info, 0, sizeof *info);
	if (!mp_str_eq(a->type, a->type_len, "ledger.genesis"))
		return PDL_EGENESIS;
	if (bind_sub(a, G_AUTH, authority_fields, &au) != PDL_OK ||
	    bind_sub(a, G_POLICY, policy_fields, &po) != PDL_OK)
		return PDL_EFIELD;
	pdl_fields_cstr(&a->body, G_ORIGIN, info->origin, sizeof info->origin);
	info->test_clock = pdl_fields_has(&a->body, G_TEST_CLOCK) && pdl_fields_bool(&a->body, G_TEST_CLOCK);
	pdl_fields_cstr(&a->body, G_JURIS, info->jurisdiction, sizeof info->jurisdiction);
	pdl_fields_cstr(&au, AU_ID, info->authority_id, sizeof info->authority_id);
	if ((info->suite = genesis_suite(a)) == NULL)
		return PDL_EFIELD;
	struct pdl_str k = pdl_fields_str(&a->body, G_LKEY);
	char why[160];
	if (pdl_pubkey_parse(&info->ledger_pk, info->suite, k.p, k.n, why, sizeof why) != PDL_OK)
		return PDL_EFIELD;
	info->policy.accept_wd = pdl_fields_uint(&po, PO_ACCEPT);
	info->policy.notice_wd = pdl_fields_uint(&po, PO_NOTICE);
	info->policy.grant_months_max = pdl_fields_uint(&po, PO_GRANT);
	info->policy.trial_months_max = pdl_fields_uint(&po, PO_TRIAL);
	info->policy.blob_bytes_max = pdl_fields_uint(&po, PO_BLOB);
	/* the national fields: absent in an older genesis (rules.h) */
	const struct pdl_policy def = PDL_POLICY_DEFAULTS;
	struct pdl_policy *p = &info->policy;
	p->grant_total_months_max = pdl_fields_has(&po, PO_TOTAL) ? pdl_fields_uint(&po, PO_TOTAL)
	                                                          : p->grant_months_max + p->trial_months_max;
	p->registration_required = pdl_fields_has(&po, PO_REGREQ) ? pdl_fields_bool(&po, PO_REGREQ)
	                                                          : def.registration_required;
	p->product_registration_before_release = pdl_fields_has(&po, PO_PRODREG) ? pdl_fields_bool(&po, PO_PRODREG)
	                                                                         : def.product_registration_before_release;
	p->product_reviewer = def.product_reviewer;
	if (pdl_fields_has(&po, PO_REVIEWER)) {
		struct pdl_str r = pdl_fields_str(&po, PO_REVIEWER);
		p->product_reviewer = mp_str_eq(r.p, r.n, "authority") ? PDL_REVIEWER_AUTHORITY : PDL_REVIEWER_OPERATOR;
	}
	p->disclosure_due_month = def.disclosure_due_month;
	p->disclosure_due_day = def.disclosure_due_day;
	if (pdl_fields_has(&po, PO_DUE) &&
	    due_parse(pdl_fields_str(&po, PO_DUE), &p->disclosure_due_month, &p->disclosure_due_day) != 0)
		return PDL_EFIELD;
	p->log_retention_months = pdl_fields_has(&po, PO_RETAIN) ? pdl_fields_uint(&po, PO_RETAIN)
	                                                         : def.log_retention_months;
	return PDL_OK;
}

/* The origin names the checkpoint's signer in signed-note lines, so it
 * must be one token the note format accepts everywhere: printable ASCII
 * without spaces or '+' (a schema-less URL such as example.gov.cn/pdl). */
static int
origin_ok(struct pdl_str o)
{
	for (size_t i = 0; i < o.n; i++) {
		unsigned char ch = (unsigned char)o.p[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == '+')
			return 0;
	}
	return o.n > 0;
}

static int
genesis_validate(struct pdl_ctx *c)
{
	const struct pdl_act *a = c->act;
	const struct pdl_suite *suite = genesis_suite(a);
	struct pdl_fields au, po;
	struct pdl_pubkey pk;
	if (bind_sub(a, G_AUTH, authority_fields, &au) != PDL_OK ||
	    bind_sub(a, G_POLICY, policy_fields, &po) != PDL_OK)
		return pdl_rule_fail(c, "ledger.genesis_malformed", "authority or policy map malformed");
	struct pdl_str id = pdl_fields_str(&au, AU_ID);
	if (id.n != a->actor_len || memcmp(id.p, a->actor, id.n) != 0)
		return pdl_rule_fail(c, "ledger.genesis_actor", "genesis must be submitted by the authority it names");
	/* The suite before the signature: the keys are checked as the process's
	 * suite's (which pdl init and every reader take from this field). */
	if (suite == NULL) {
		struct pdl_str id = pdl_fields_str(&a->body, G_SUITE);
		return pdl_rule_fail(c, "ledger.suite_unknown", "suite \"%.*s\" is not one of %s",
		                     id.n > PDL_SUITE_ID_LEN_MAX ? (int)PDL_SUITE_ID_LEN_MAX : (int)id.n, id.p,
		                     pdl_suite_list());
	}
	if (suite != pdl_suite())
		return pdl_rule_fail(c, "ledger.suite_mismatch", "the genesis names %s; this ledger is being made as %s",
		                     suite->id, pdl_suite()->id);
	/* signed under the zero ledger id: its own entry's hash is not known yet */
	if (pdl_party_key(&au, AU_KEY, &pk) != PDL_OK ||
	    pdl_act_verify(pdl_ledger_id_genesis, a->bytes, a->len, a->sig, &pk) != PDL_OK) {
		c->st->err = PDL_EBADSIG;
		snprintf(c->st->msg, sizeof c->st->msg, "genesis is not signed by the authority key it names");
		c->st->rule[0] = 0;
		return PDL_EBADSIG;
	}
	if (!origin_ok(pdl_fields_str(&a->body, G_ORIGIN)))
		return pdl_rule_fail(c, "ledger.origin_invalid", "origin must be printable ASCII without spaces or '+'");
	struct pdl_str j = pdl_fields_str(&a->body, G_JURIS);
	int digits = j.n == 6;
	for (size_t i = 0; digits && i < 6; i++)
		digits = j.p[i] >= '0' && j.p[i] <= '9';
	if (!digits)
		return pdl_rule_fail(c, "ledger.jurisdiction_invalid", "jurisdiction must be a 6-digit division code");
	struct pdl_str u = pdl_fields_str(&au, AU_USCC);
	const char *why = pdl_uscc_why(u.p, u.n);
	if (why != NULL)
		return pdl_rule_fail(c, "party.uscc_invalid", "authority uscc: %s", why);
	if (pdl_fields_uint(&po, PO_ACCEPT) == 0 || pdl_fields_uint(&po, PO_NOTICE) == 0 ||
	    pdl_fields_uint(&po, PO_GRANT) == 0)
		return pdl_rule_fail(c, "ledger.policy_invalid", "accept_wd, notice_wd and grant_months_max must be >= 1");
	if (pdl_fields_has(&po, PO_TOTAL) && pdl_fields_uint(&po, PO_TOTAL) == 0)
		return pdl_rule_fail(c, "ledger.policy_invalid", "grant_total_months_max must be >= 1");
	int m, d;
	if (pdl_fields_has(&po, PO_DUE) && due_parse(pdl_fields_str(&po, PO_DUE), &m, &d) != 0)
		return pdl_rule_fail(c, "ledger.policy_invalid",
		                     "disclosure_due is \"MM-DD\", a day every year has (not 02-29)");
	return PDL_OK;
}

static int
genesis_apply(struct pdl_ctx *c)
{
	struct pdl_fields au;
	struct pdl_pubkey pk;
	if (bind_sub(c->act, G_AUTH, authority_fields, &au) != PDL_OK)
		return PDL_ESTORE;
	struct pdl_str id = pdl_fields_str(&au, AU_ID);
	if (pdl_party_key(&au, AU_KEY, &pk) != PDL_OK)
		return PDL_ESTORE;
	return pdl_party_put(c, id.p, id.n, PDL_ROLE_AUTHORITY, 0, &pk, pdl_fields_str(&au, AU_USCC),
	                     pdl_fields_str(&au, AU_NAME), c->seq);
}

static const struct pdl_act_def acts[] = {
	{"ledger.genesis", 0, genesis_fields, genesis_validate, genesis_apply,
	 "the first entry: origin, jurisdiction, checkpoint key, policy, the authority party", "authority, seq 0 only", PDL_PUBLIC},
};

const struct pdl_family pdl_family_ledger = {"ledger", acts, sizeof acts / sizeof acts[0]};
