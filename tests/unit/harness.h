/*
 * harness.h — a ledger in a temporary directory for rule tests: genesis by
 * "authority", parties with deterministic keys, acts written as JSON and
 * signed by their actor's key, a settable ledger clock.
 *
 *   struct h h; h_open(&h);
 *   h_party(&h, "prov-1", "provider");
 *   h_ok(&h, "{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{…}}");
 *   h_rule(&h, "{…}", "catalog.not_owner");   // refused with that rule id, log unchanged
 *   h_close(&h);
 *
 * Keys: seed = SHA-256("pdl-test-key:" ‖ party id). Nonces are added
 * automatically when the JSON has none. Each act commits in its own
 * transaction (stores opened with PDL_STORE_NOSYNC: scratch data only).
 */
#ifndef PDL_TEST_HARNESS_H
#define PDL_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "check.h"
#include "ckpt.h"
#include "mpjson.h"
#include "rules.h"
#include "state.h"

#define H_UNUSED __attribute__((unused))

struct h {
	char dir[64];
	struct pdl_store s;
	struct pdl_engine e;
	uint64_t now_ms;
	uint64_t nonce;
	unsigned uscc_n;
	int agreement;            /* h_agreement deposited "ev-agreement" */
	struct pdl_status st;     /* of the last submit */
	struct pdl_receipt r;     /* of the last accepted submit */
	json_t *outcome;          /* of the last accepted submit (owned) */
};

/* The test key of party id, in the ledger's suite (pdl_suite). Wipe it
 * with pdl_seckey_wipe. */
static H_UNUSED void
h_key(const char *id, struct pdl_seckey *k)
{
	uint8_t seed[32];
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"pdl-test-key:", 13);
	crypto_hash_sha256_update(&st, (const uint8_t *)id, strlen(id));
	crypto_hash_sha256_final(&st, seed);
	assert_int_equal(pdl_seckey_open(k, pdl_suite(), seed), PDL_OK);
}

/* The base64 public key of party id, as party.register takes it. */
static H_UNUSED void
h_pub(const char *id, char b64[PDL_PK_B64_LEN])
{
	struct pdl_seckey k;
	h_key(id, &k);
	pdl_pubkey_b64(&k.pk, b64);
	pdl_seckey_wipe(&k);
}

static H_UNUSED void
h_uscc(struct h *h, char out[19])
{
	char first[18];
	snprintf(first, sizeof first, "91420100%09u", 100000 + h->uscc_n++);
	memcpy(out, first, 17);
	assert_int_equal(pdl_uscc_check_char(first, &out[17]), PDL_OK);
	out[18] = 0;
}

/* ISO 8601 with zone, or a plain ms number. */
static H_UNUSED uint64_t
h_ms(const char *when)
{
	int y, mo, d, hh = 0, mi = 0, se = 0, n = 0;
	if (strchr(when, '-') == NULL)
		return strtoull(when, NULL, 10);
	if (sscanf(when, "%d-%d-%dT%d:%d:%d%n", &y, &mo, &d, &hh, &mi, &se, &n) < 3)
		fail_msg("bad time %s", when);
	struct pdl_date dt = {y, mo, d};
	/* times are China Standard Time unless they say Z */
	uint64_t ms = pdl_ms_of_date(dt) + ((uint64_t)hh * 3600 + (uint64_t)mi * 60 + (uint64_t)se) * 1000;
	if (n > 0 && when[n] == 'Z')
		ms += PDL_CST_OFFSET_MS;
	return ms;
}

static H_UNUSED void
h_time(struct h *h, const char *when)
{
	h->now_ms = h_ms(when);
}

static H_UNUSED int
h_submit_raw(struct h *h, const char *json)
{
	json_error_t je;
	json_t *a = json_loads(json, 0, &je);
	if (a == NULL)
		fail_msg("bad test JSON (%s): %s", je.text, json);
	if (json_object_get(a, "nonce") == NULL)
		json_object_set_new(a, "nonce", json_integer((json_int_t)++h->nonce));
	const char *actor = json_string_value(json_object_get(a, "actor"));
	const char *type = json_string_value(json_object_get(a, "type"));
	assert_non_null(actor);
	/* signed for this ledger (entry.h): a genesis under zeros */
	const uint8_t *lid = type != NULL && strcmp(type, "ledger.genesis") == 0 ? pdl_ledger_id_genesis : h->e.info.ledger_id;
	struct pdl_seckey k;
	uint8_t sig[PDL_SIG_BYTES];
	h_key(actor, &k);
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	memset(&h->st, 0, sizeof h->st);
	assert_int_equal(pdl_json_act_to_mp(a, &sb, &h->st), PDL_OK);
	json_decref(a);
	pdl_act_sign(lid, (const uint8_t *)sb.data, sb.size, &k, sig);
	pdl_seckey_wipe(&k);
	struct pdl_act act;
	int rc = pdl_act_decode((const uint8_t *)sb.data, sb.size, sig, &act, &h->st);
	if (rc == PDL_OK) {
		MDB_txn *t;
		struct pdl_head hd;
		assert_int_equal(pdl_store_wtxn(&h->s, &t), PDL_OK);
		assert_int_equal(pdl_store_head(t, &h->s, &hd), PDL_OK);
		rc = pdl_engine_submit(&h->e, t, &hd, h->now_ms, &act, NULL, &h->r, &h->st);
		if (rc == PDL_OK) {
			json_decref(h->outcome);
			struct mp_cur oc = mp_cur_make(h->r.outcome, h->r.outcome_len);
			h->outcome = pdl_mp_to_json(&oc);
			assert_int_equal(mdb_txn_commit(t), 0);
		} else {
			mdb_txn_abort(t);
		}
	}
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

static H_UNUSED uint64_t
h_size(struct h *h)
{
	MDB_txn *t;
	struct pdl_head hd;
	assert_int_equal(pdl_store_rtxn(&h->s, &t), PDL_OK);
	assert_int_equal(pdl_store_head(t, &h->s, &hd), PDL_OK);
	pdl_store_rdone(&h->s, t);
	return hd.size;
}

/* The act must be accepted; returns its seq. */
static H_UNUSED uint64_t
h_ok(struct h *h, const char *json)
{
	int rc = h_submit_raw(h, json);
	if (rc != PDL_OK)
		fail_msg("refused (%s, rule %s): %s\n  act: %s", pdl_strerror(rc), h->st.rule, h->st.msg, json);
	return h->r.seq;
}

/* The act must be refused with PDL_ERULE and this rule id; the log must not grow. */
static H_UNUSED void
h_rule(struct h *h, const char *json, const char *rule)
{
	uint64_t before = h_size(h);
	int rc = h_submit_raw(h, json);
	if (rc != PDL_ERULE || strcmp(h->st.rule, rule) != 0)
		fail_msg("want rule %s, got %s (rule \"%s\": %s)\n  act: %s", rule, pdl_strerror(rc), h->st.rule,
		         h->st.msg, json);
	assert_int_equal(h_size(h), before);
}

/* The act must be refused with this error code; the log must not grow. */
static H_UNUSED void
h_err(struct h *h, const char *json, int err)
{
	uint64_t before = h_size(h);
	int rc = h_submit_raw(h, json);
	if (rc != err)
		fail_msg("want %s, got %s (rule \"%s\": %s)\n  act: %s", pdl_strerror(err), pdl_strerror(rc), h->st.rule,
		         h->st.msg, json);
	assert_int_equal(h_size(h), before);
}

/* Formats JSON with printf arguments into a static buffer (one at a time). */
static H_UNUSED const char *
h_fmt(const char *fmt, ...)
{
	static char buf[16384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return buf;
}

/* Registers a party; roles is a comma-separated list ("provider,operator"). */
static H_UNUSED void
h_party(struct h *h, const char *id, const char *roles)
{
	char b64[PDL_PK_B64_LEN], uscc[19], rl[256] = "", tmp[64];
	h_pub(id, b64);
	h_uscc(h, uscc);
	const char *p = roles;
	while (*p) {
		size_t n = strcspn(p, ",");
		snprintf(tmp, sizeof tmp, "%s\"%.*s\"", rl[0] ? "," : "", (int)n, p);
		strncat(rl, tmp, sizeof rl - strlen(rl) - 1);
		p += n + (p[n] == ',');
	}
	h_ok(h, h_fmt("{\"type\":\"party.register\",\"actor\":\"authority\",\"body\":{\"id\":\"%s\",\"name\":\"%s\","
	              "\"uscc\":\"%s\",\"roles\":[%s],\"public_key\":\"%s\"}}",
	              id, id, uscc, rl, b64));
}

/* Deposits evidence id by actor (digest: SHA-256 of the id, so unique). */
static H_UNUSED void
h_deposit(struct h *h, const char *actor, const char *id)
{
	uint8_t d[32];
	char hex[65];
	crypto_hash_sha256(d, (const uint8_t *)id, strlen(id));
	pdl_hex(d, 32, hex);
	h_ok(h, h_fmt("{\"type\":\"evidence.deposit\",\"actor\":\"%s\",\"body\":{\"evidence_id\":\"%s\",\"digest\":\"%s\","
	              "\"size\":%zu,\"media_type\":\"text/plain\",\"subject\":\"%s\"}}",
	              actor, id, hex, strlen(id), id));
}

/* Walks a registration of subject by holder from apply to code (registrar
 * `registrar`, evidence "ev-<app>"), moving the clock to the end of the
 * notice. Returns the code (a static buffer, valid until the next call). */
static H_UNUSED const char *
h_register(struct h *h, const char *registrar, const char *holder, const char *app, const char *kind,
           const char *subject)
{
	static char code[PDL_CODE_LEN + 1];
	char ev[80];
	snprintf(ev, sizeof ev, "ev-%s", app);
	h_deposit(h, holder, ev);
	h_ok(h, h_fmt("{\"type\":\"registration.apply\",\"actor\":\"%s\",\"body\":{\"application_id\":\"%s\","
	              "\"kind\":\"%s\",\"subject\":\"%s\",\"name\":\"%s\",\"summary\":\"s\",\"evidence\":[\"%s\"]}}",
	              holder, app, kind, subject, subject, ev));
	const char *one = "{\"type\":\"registration.%s\",\"actor\":\"%s\",\"body\":{\"application_id\":\"%s\"}}";
	h_ok(h, h_fmt(one, "accept", registrar, app));
	h_ok(h, h_fmt("{\"type\":\"registration.review\",\"actor\":\"%s\",\"body\":{\"application_id\":\"%s\","
	              "\"outcome\":\"pass\",\"notes\":\"\"}}",
	              registrar, app));
	h_ok(h, h_fmt(one, "publicize", registrar, app));
	uint64_t ends = (uint64_t)json_integer_value(json_object_get(h->outcome, "notice_ends"));
	if (h->now_ms < ends)
		h->now_ms = ends;
	h_ok(h, h_fmt(one, "assign_code", registrar, app));
	snprintf(code, sizeof code, "%s", json_string_value(json_object_get(h->outcome, "code")));
	return code;
}

/* Deposits (once) the authority's evidence "ev-agreement", which
 * grant.issue acts cite as their agreement (,"agreement":"ev-agreement"). */
static H_UNUSED void
h_agreement(struct h *h)
{
	if (h->agreement)
		return;
	h_ok(h, "{\"type\":\"evidence.deposit\",\"actor\":\"authority\",\"body\":{\"evidence_id\":\"ev-agreement\","
	        "\"digest\":\"6b2c9ff8a0ba9a5b0c3c2be6d0ca5e43c6e1bb1ae0cbb0f36d83f8b2a3e2e0a1\",\"size\":1000,"
	        "\"media_type\":\"application/pdf\",\"subject\":\"authorized operation agreement\"}}");
	h->agreement = 1;
}

/* The policy of h_open: the five fields of a genesis written before the
 * national rules (the rest take their defaults, rules.h). */
#define H_POLICY_OLD                                                                                             \
	"{\"accept_wd\":3,\"notice_wd\":10,\"grant_months_max\":60,\"trial_months_max\":6,\"blob_bytes_max\":32768}"
/* The presets of ACTS.md, as `pdl init --policy` writes them. */
#define H_POLICY_WUHAN                                                                                           \
	"{\"accept_wd\":3,\"notice_wd\":10,\"grant_months_max\":36,\"trial_months_max\":6,\"blob_bytes_max\":32768,"   \
	"\"grant_total_months_max\":60,\"registration_required\":true,\"product_registration_before_release\":false," \
	"\"product_reviewer\":\"operator\",\"disclosure_due\":\"03-31\",\"log_retention_months\":12}"
#define H_POLICY_EZHOU                                                                                           \
	"{\"accept_wd\":3,\"notice_wd\":10,\"grant_months_max\":60,\"trial_months_max\":0,\"blob_bytes_max\":32768,"   \
	"\"grant_total_months_max\":60,\"registration_required\":true,\"product_registration_before_release\":true,"  \
	"\"product_reviewer\":\"authority\",\"disclosure_due\":\"03-31\",\"log_retention_months\":12}"

static void h_open_policy(struct h *h, const char *policy_json);

/* Opens a fresh ledger: genesis at 2026-10-09T10:00 CST by "authority". */
static H_UNUSED void
h_open(struct h *h)
{
	h_open_policy(h, H_POLICY_OLD);
}

/* h_open with the genesis policy given as a JSON object. */
static H_UNUSED void
h_open_policy(struct h *h, const char *policy_json)
{
	memset(h, 0, sizeof *h);
	assert_true(sodium_init() >= 0);
	snprintf(h->dir, sizeof h->dir, "/tmp/pdl-unit-XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	assert_int_equal(pdl_store_open(&h->s, h->dir, PDL_STORE_CREATE | PDL_STORE_NOSYNC), PDL_OK);
	pdl_engine_init(&h->e, &h->s);
	h_time(h, "2026-10-09T10:00:00");
	char a64[PDL_PK_B64_LEN], l64[PDL_PK_B64_LEN];
	h_pub("authority", a64);
	h_pub("ledger", l64);
	/* a ledger of the process's suite (pdl_suite_use before h_open); the
	 * default one's genesis names none, as before suites */
	char suite[64] = "";
	if (pdl_suite() != &pdl_suite_ed25519_sha256)
		snprintf(suite, sizeof suite, ",\"suite\":\"%s\"", pdl_suite()->id);
	h_ok(h, h_fmt("{\"type\":\"ledger.genesis\",\"actor\":\"authority\",\"nonce\":0,\"body\":{\"origin\":\"test.pdl/log\","
	              "\"jurisdiction\":\"420100\",\"authority\":{\"id\":\"authority\",\"name\":\"Authority\",\"uscc\":"
	              "\"114201000000000004\",\"public_key\":\"%s\"},\"ledger_key\":\"%s\",\"policy\":%s%s}}",
	              a64, l64, policy_json, suite));
}

static H_UNUSED void
h_close(struct h *h)
{
	char cmd[128];
	json_decref(h->outcome);
	h->outcome = NULL;
	pdl_engine_fini(&h->e);
	pdl_store_close(&h->s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", h->dir);
}

/* Reads a record of the state table as JSON (NULL if absent). Caller decrefs. */
static H_UNUSED json_t *
h_rec(struct h *h, const char *kind, const char *id)
{
	MDB_txn *t;
	struct pdl_ctx c;
	struct mp_cur rec;
	memset(&c, 0, sizeof c);
	assert_int_equal(pdl_store_rtxn(&h->s, &t), PDL_OK);
	c.s = &h->s;
	c.txn = t;
	c.info = &h->e.info;
	json_t *j = NULL;
	if (pdl_rec_get(&c, kind, pdl_cstr(id), &rec) == PDL_OK)
		j = pdl_mp_to_json(&rec);
	pdl_store_rdone(&h->s, t);
	return j;
}

/* A string field of the last accepted act's outcome ("" if absent). */
static H_UNUSED const char *
h_out_str(struct h *h, const char *key)
{
	const char *s = json_string_value(json_object_get(h->outcome, key));
	return s ? s : "";
}

static H_UNUSED uint64_t
h_out_uint(struct h *h, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(h->outcome, key));
}

#endif
