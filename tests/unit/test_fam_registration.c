/* test_fam_registration.c — registration.*: the whole state machine, every
 * rule, the records and outcomes, the code sequence per (jurisdiction,
 * year, kind), and a walk across the National Day holiday and a weekend on
 * a published calendar. */
#include "harness.h"

/* h_open with genesis at another time (h_open fixes 2026-10-09T10:00, and
 * ledger time never goes back, so the holiday walk needs an earlier start). */
static void
open_at(struct h *h, const char *when)
{
	memset(h, 0, sizeof *h);
	assert_true(sodium_init() >= 0);
	snprintf(h->dir, sizeof h->dir, "/tmp/pdl-unit-XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	assert_int_equal(pdl_store_open(&h->s, h->dir, PDL_STORE_CREATE | PDL_STORE_NOSYNC), PDL_OK);
	pdl_engine_init(&h->e, &h->s);
	h_time(h, when);
	char a64[PDL_PK_B64_LEN], l64[PDL_PK_B64_LEN];
	h_pub("authority", a64);
	h_pub("ledger", l64);
	h_ok(h, h_fmt("{\"type\":\"ledger.genesis\",\"actor\":\"authority\",\"nonce\":0,\"body\":{\"origin\":\"test.pdl/log\","
	              "\"jurisdiction\":\"420100\",\"authority\":{\"id\":\"authority\",\"name\":\"Authority\",\"uscc\":"
	              "\"114201000000000004\",\"public_key\":\"%s\"},\"ledger_key\":\"%s\",\"policy\":{\"accept_wd\":3,"
	              "\"notice_wd\":10,\"grant_months_max\":60,\"trial_months_max\":6,\"blob_bytes_max\":32768}}}",
	              a64, l64));
}

static void
deposit(struct h *h, const char *actor, const char *id)
{
	uint8_t d[32];
	char hex[65];
	crypto_hash_sha256(d, (const uint8_t *)id, strlen(id));
	pdl_hex(d, 32, hex);
	h_ok(h, h_fmt("{\"type\":\"evidence.deposit\",\"actor\":\"%s\",\"body\":{\"evidence_id\":\"%s\",\"digest\":\"%s\","
	              "\"size\":%zu,\"media_type\":\"text/plain\",\"subject\":\"registration evidence\"}}",
	              actor, id, hex, strlen(id)));
}

/* registrar reg-1, holder prov-1 (evidence ev-p1, ev-p2), dev-1 (ev-d1).
 * Subjects (invariant 5: the holder's): resources res-0 … res-4 that
 * prov-1 publishes; products prod-1, prod-3, prod-d that dev-1 developed
 * under grant g-reg, which prov-1 operates. */
static void
parties(struct h *h)
{
	h_party(h, "reg-1", "registrar");
	h_party(h, "prov-1", "provider,operator");
	h_party(h, "dev-1", "developer");
	deposit(h, "prov-1", "ev-p1");
	deposit(h, "prov-1", "ev-p2");
	deposit(h, "dev-1", "ev-d1");
	for (int i = 0; i <= 4; i++)
		h_ok(h, h_fmt("{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"res-%d\","
		              "\"name\":\"Traffic flow %d\",\"items\":[\"count\"],\"format\":\"csv\",\"update_frequency\":"
		              "\"hourly\",\"usage_conditions\":\"\",\"level\":1,\"attribute\":\"open\"}}",
		              i, i));
	h_agreement(h);
	h_ok(h, "{\"type\":\"grant.issue\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g-reg\",\"operator\":"
	        "\"prov-1\",\"mode\":\"domain\",\"resources\":[\"res-0\"],\"scope\":\"s\",\"start\":\"2026-01-01\","
	        "\"end\":\"2027-12-31\",\"exclusive\":false,\"split_bp\":{\"providers\":10000,\"operator\":0,"
	        "\"developer\":0,\"authority\":0},\"fee_cap_fen\":0,\"agreement\":\"ev-agreement\"}}");
	h_ok(h, "{\"type\":\"developer.admit\",\"actor\":\"prov-1\",\"body\":{\"grant_id\":\"g-reg\",\"developer\":"
	        "\"dev-1\",\"controlled\":false}}");
	const char *const prods[] = {"prod-1", "prod-3", "prod-d"};
	for (int i = 0; i < 3; i++)
		h_ok(h, h_fmt("{\"type\":\"product.submit\",\"actor\":\"dev-1\",\"body\":{\"product_id\":\"%s\","
		              "\"grant_id\":\"g-reg\",\"name\":\"P\",\"inputs\":{\"resources\":[\"res-0\"],\"products\":[]},"
		              "\"category\":\"public_welfare\",\"price_fen\":0,\"unit\":\"per_call\"}}",
		              prods[i]));
}

/* The subject of application app-N: res-N for kind R, prod-N for P and S. */
static const char *
subject_of(const char *id, const char *kind)
{
	static char buf[80];
	const char *n = strncmp(id, "app-", 4) == 0 ? id + 4 : id;
	snprintf(buf, sizeof buf, "%s-%s", kind[0] == 'R' ? "res" : "prod", n);
	return buf;
}

static void
setup(struct h *h)
{
	h_open(h);
	parties(h);
}

static const char *
apply_subject(const char *actor, const char *id, const char *kind, const char *subject, const char *evidence)
{
	return h_fmt("{\"type\":\"registration.apply\",\"actor\":\"%s\",\"body\":{\"application_id\":\"%s\",\"kind\":"
	             "\"%s\",\"subject\":\"%s\",\"name\":\"Traffic flow data\",\"summary\":\"hourly counts\","
	             "\"evidence\":[%s]}}",
	             actor, id, kind, subject, evidence);
}

static const char *
apply_json(const char *actor, const char *id, const char *kind, const char *evidence)
{
	char subject[80];
	snprintf(subject, sizeof subject, "%s", subject_of(id, kind));
	return apply_subject(actor, id, kind, subject, evidence);
}

/* {application_id} acts: accept, publicize, assign_code */
static const char *
app_act(const char *type, const char *actor, const char *id)
{
	return h_fmt("{\"type\":\"registration.%s\",\"actor\":\"%s\",\"body\":{\"application_id\":\"%s\"}}", type, actor,
	             id);
}

static const char *
review_json(const char *actor, const char *id, const char *outcome)
{
	return h_fmt("{\"type\":\"registration.review\",\"actor\":\"%s\",\"body\":{\"application_id\":\"%s\",\"outcome\":"
	             "\"%s\",\"notes\":\"checked\"}}",
	             actor, id, outcome);
}

static const char *
object_json(const char *actor, const char *oid, const char *id)
{
	return h_fmt("{\"type\":\"registration.object\",\"actor\":\"%s\",\"body\":{\"objection_id\":\"%s\","
	             "\"application_id\":\"%s\",\"reason\":\"the data is ours\"}}",
	             actor, oid, id);
}

static const char *
resolve_json(const char *actor, const char *oid, int upheld)
{
	return h_fmt("{\"type\":\"registration.resolve_objection\",\"actor\":\"%s\",\"body\":{\"objection_id\":\"%s\","
	             "\"upheld\":%s,\"reason\":\"decided\"}}",
	             actor, oid, upheld ? "true" : "false");
}

/* Applies (by prov-1), accepts, passes and publicizes id; returns notice_ends. */
static uint64_t
to_notice(struct h *h, const char *id, const char *kind)
{
	h_ok(h, apply_json("prov-1", id, kind, "\"ev-p1\""));
	h_ok(h, app_act("accept", "reg-1", id));
	h_ok(h, review_json("reg-1", id, "pass"));
	h_ok(h, app_act("publicize", "reg-1", id));
	return h_out_uint(h, "notice_ends");
}

/* To notice, then coded at notice_ends; the code into out. Moves the clock. */
static void
to_coded(struct h *h, const char *id, const char *kind, char out[PDL_CODE_LEN + 1])
{
	uint64_t ends = to_notice(h, id, kind);
	if (h->now_ms < ends)
		h->now_ms = ends;
	h_ok(h, app_act("assign_code", "reg-1", id));
	snprintf(out, PDL_CODE_LEN + 1, "%s", h_out_str(h, "code"));
}

static const char *
rs(json_t *r, const char *k)
{
	const char *s = json_string_value(json_object_get(r, k));
	return s ? s : "(absent)";
}

static uint64_t
ru(json_t *r, const char *k)
{
	json_t *v = json_object_get(r, k);
	assert_true(json_is_integer(v));
	return (uint64_t)json_integer_value(v);
}

static void
assert_status(struct h *h, const char *id, const char *status)
{
	json_t *r = h_rec(h, "reg", id);
	assert_non_null(r);
	assert_string_equal(rs(r, "status"), status);
	json_decref(r);
}

/* ---- apply ---- */

static void
test_apply(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	uint64_t seq = h_ok(&h, apply_json("prov-1", "app-1", "R", "\"ev-p1\",\"ev-p2\""));
	/* Fri 10-09 10:00, no calendar: Mon 12, Tue 13, Wed 14 → end of Wed */
	assert_int_equal(h_out_uint(&h, "accept_due"), h_ms("2026-10-15T00:00:00"));
	json_t *r = h_rec(&h, "reg", "app-1");
	assert_non_null(r);
	assert_string_equal(rs(r, "holder"), "prov-1");
	assert_string_equal(rs(r, "kind"), "R");
	assert_string_equal(rs(r, "subject"), "res-1");
	assert_string_equal(rs(r, "name"), "Traffic flow data");
	assert_string_equal(rs(r, "summary"), "hourly counts");
	json_t *ev = json_object_get(r, "evidence");
	assert_int_equal(json_array_size(ev), 2);
	assert_string_equal(json_string_value(json_array_get(ev, 1)), "ev-p2");
	assert_string_equal(rs(r, "status"), "applied");
	assert_int_equal(ru(r, "accept_due"), h_ms("2026-10-15T00:00:00"));
	assert_int_equal(ru(r, "open_objections"), 0);
	assert_int_equal(ru(r, "time_ms"), h_ms("2026-10-09T10:00:00"));
	assert_int_equal(ru(r, "seq"), seq);
	assert_null(json_object_get(r, "notice_ends"));
	assert_null(json_object_get(r, "code"));
	json_decref(r);

	/* any registered party may apply with its own evidence */
	h_ok(&h, apply_json("dev-1", "app-d", "S", "\"ev-d1\""));
	r = h_rec(&h, "reg", "app-d");
	assert_string_equal(rs(r, "holder"), "dev-1");
	assert_string_equal(rs(r, "kind"), "S");
	json_decref(r);

	h_rule(&h, apply_json("prov-1", "app-1", "R", "\"ev-p1\""), "registration.id_taken");
	h_rule(&h, apply_json("dev-1", "app-1", "P", "\"ev-d1\""), "registration.id_taken");
	h_rule(&h, apply_json("prov-1", "app-2", "R", ""), "registration.evidence_missing");
	h_rule(&h, apply_json("prov-1", "app-2", "R", "\"ev-p1\",\"ev-nope\""), "registration.evidence_missing");
	h_rule(&h, apply_json("prov-1", "app-2", "R", "\"ev-p1\",\"ev-d1\""), "registration.evidence_not_holders");
	h_rule(&h, apply_json("prov-1", "app-2", "R", "\"ev-p1\",\"ev-p1\""), "registration.evidence_duplicate");
	assert_null(h_rec(&h, "reg", "app-2"));
	h_err(&h, apply_json("prov-1", "app-2", "X", "\"ev-p1\""), PDL_EFIELD);
	h_err(&h, apply_json("nobody", "app-2", "R", "\"ev-p1\""), PDL_EACTOR);
	h_close(&h);
}

/* ---- accept / reject / request_correction / correct ---- */

static void
test_accept_reject(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, apply_json("prov-1", "app-1", "R", "\"ev-p1\""));
	h_ok(&h, apply_json("prov-1", "app-2", "R", "\"ev-p1\""));
	h_ok(&h, apply_json("prov-1", "app-3", "P", "\"ev-p1\""));

	h_err(&h, app_act("accept", "prov-1", "app-1"), PDL_EROLE);
	h_rule(&h, app_act("accept", "reg-1", "app-none"), "registration.unknown");

	/* one ms before accept_due: on time */
	h.now_ms = h_ms("2026-10-15T00:00:00") - 1;
	h_ok(&h, app_act("accept", "reg-1", "app-1"));
	json_t *r = h_rec(&h, "reg", "app-1");
	assert_string_equal(rs(r, "status"), "accepted");
	assert_true(json_is_false(json_object_get(r, "accepted_late")));
	assert_int_equal(ru(r, "accepted_ms"), h.now_ms);
	json_decref(r);
	h_rule(&h, app_act("accept", "reg-1", "app-1"), "registration.bad_state");

	/* at accept_due: late, measured and still accepted */
	h.now_ms = h_ms("2026-10-15T00:00:00");
	h_ok(&h, app_act("accept", "reg-1", "app-3"));
	r = h_rec(&h, "reg", "app-3");
	assert_string_equal(rs(r, "status"), "accepted");
	assert_true(json_is_true(json_object_get(r, "accepted_late")));
	json_decref(r);

	h_err(&h, "{\"type\":\"registration.reject\",\"actor\":\"reg-1\",\"body\":{\"application_id\":\"app-2\",\"reason\":\"\"}}",
	      PDL_EFIELD);
	h_err(&h, "{\"type\":\"registration.reject\",\"actor\":\"reg-1\",\"body\":{\"application_id\":\"app-2\"}}",
	      PDL_EFIELD);
	h_err(&h, "{\"type\":\"registration.reject\",\"actor\":\"dev-1\",\"body\":{\"application_id\":\"app-2\",\"reason\":\"no\"}}",
	      PDL_EROLE);
	h_rule(&h, "{\"type\":\"registration.reject\",\"actor\":\"reg-1\",\"body\":{\"application_id\":\"app-1\",\"reason\":\"no\"}}",
	       "registration.bad_state");
	h_ok(&h, "{\"type\":\"registration.reject\",\"actor\":\"reg-1\",\"body\":{\"application_id\":\"app-2\",\"reason\":"
	         "\"evidence does not show ownership\"}}");
	r = h_rec(&h, "reg", "app-2");
	assert_string_equal(rs(r, "status"), "rejected");
	assert_string_equal(rs(r, "reason"), "evidence does not show ownership");
	json_decref(r);
	/* rejected is terminal */
	h_rule(&h, app_act("accept", "reg-1", "app-2"), "registration.bad_state");
	h_rule(&h, review_json("reg-1", "app-2", "pass"), "registration.bad_state");
	h_close(&h);
}

#define CORRECTION(actor, id, items)                                                                              \
	h_fmt("{\"type\":\"registration.request_correction\",\"actor\":\"%s\",\"body\":{\"application_id\":\"%s\","   \
	      "\"items\":[%s]}}",                                                                                     \
	      actor, id, items)

static void
test_correction(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, apply_json("prov-1", "app-1", "R", "\"ev-p1\""));
	h_rule(&h, "{\"type\":\"registration.correct\",\"actor\":\"prov-1\",\"body\":{\"application_id\":\"app-1\"}}",
	       "registration.bad_state");
	h_err(&h, CORRECTION("prov-1", "app-1", "\"summary\""), PDL_EROLE);
	h_rule(&h, CORRECTION("reg-1", "app-1", ""), "registration.correction_items_empty");
	h_rule(&h, CORRECTION("reg-1", "app-x", "\"summary\""), "registration.unknown");
	h_ok(&h, CORRECTION("reg-1", "app-1", "\"summary\",\"evidence\""));
	json_t *r = h_rec(&h, "reg", "app-1");
	assert_string_equal(rs(r, "status"), "correction");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "items"), 1)), "evidence");
	json_decref(r);
	/* while in correction the registrar cannot act on it */
	h_rule(&h, app_act("accept", "reg-1", "app-1"), "registration.bad_state");
	h_rule(&h, CORRECTION("reg-1", "app-1", "\"name\""), "registration.bad_state");

	/* only the holder corrects, with the holder's own evidence */
	h_rule(&h, "{\"type\":\"registration.correct\",\"actor\":\"dev-1\",\"body\":{\"application_id\":\"app-1\"}}",
	       "registration.not_holder");
	h_rule(&h, "{\"type\":\"registration.correct\",\"actor\":\"prov-1\",\"body\":{\"application_id\":\"app-x\"}}",
	       "registration.unknown");
	h_rule(&h, "{\"type\":\"registration.correct\",\"actor\":\"prov-1\",\"body\":{\"application_id\":\"app-1\","
	           "\"evidence\":[\"ev-d1\"]}}",
	       "registration.evidence_not_holders");
	h_rule(&h, "{\"type\":\"registration.correct\",\"actor\":\"prov-1\",\"body\":{\"application_id\":\"app-1\","
	           "\"evidence\":[]}}",
	       "registration.evidence_missing");

	/* Fri 10-16 09:00: the deadline restarts: Mon 19, Tue 20, Wed 21 */
	h_time(&h, "2026-10-16T09:00:00");
	h_ok(&h, "{\"type\":\"registration.correct\",\"actor\":\"prov-1\",\"body\":{\"application_id\":\"app-1\","
	         "\"summary\":\"hourly counts, 2020 onwards\",\"evidence\":[\"ev-p2\",\"ev-p1\"]}}");
	assert_int_equal(h_out_uint(&h, "accept_due"), h_ms("2026-10-22T00:00:00"));
	r = h_rec(&h, "reg", "app-1");
	assert_string_equal(rs(r, "status"), "applied");
	assert_string_equal(rs(r, "summary"), "hourly counts, 2020 onwards");
	assert_string_equal(rs(r, "name"), "Traffic flow data");
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "evidence"), 0)), "ev-p2");
	assert_int_equal(ru(r, "accept_due"), h_ms("2026-10-22T00:00:00"));
	assert_int_equal(ru(r, "time_ms"), h_ms("2026-10-09T10:00:00")); /* when it was filed */
	json_decref(r);

	/* a second round, this time correcting nothing but resubmitting */
	h_ok(&h, CORRECTION("reg-1", "app-1", "\"summary\""));
	h_time(&h, "2026-10-19T09:00:00");
	h_ok(&h, "{\"type\":\"registration.correct\",\"actor\":\"prov-1\",\"body\":{\"application_id\":\"app-1\"}}");
	assert_int_equal(h_out_uint(&h, "accept_due"), h_ms("2026-10-23T00:00:00"));
	/* accepted on the old deadline's day but within the restarted one */
	h_time(&h, "2026-10-22T12:00:00");
	h_ok(&h, app_act("accept", "reg-1", "app-1"));
	r = h_rec(&h, "reg", "app-1");
	assert_true(json_is_false(json_object_get(r, "accepted_late")));
	json_decref(r);
	h_close(&h);
}

/* ---- review / publicize ---- */

static void
test_review_publicize(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, apply_json("prov-1", "app-1", "R", "\"ev-p1\""));
	h_ok(&h, apply_json("prov-1", "app-2", "R", "\"ev-p1\""));
	h_rule(&h, review_json("reg-1", "app-1", "pass"), "registration.bad_state");
	h_rule(&h, app_act("publicize", "reg-1", "app-1"), "registration.bad_state");
	h_ok(&h, app_act("accept", "reg-1", "app-1"));
	h_ok(&h, app_act("accept", "reg-1", "app-2"));
	h_err(&h, review_json("prov-1", "app-1", "pass"), PDL_EROLE);
	h_err(&h, review_json("reg-1", "app-1", "maybe"), PDL_EFIELD);
	h_rule(&h, review_json("reg-1", "app-9", "pass"), "registration.unknown");
	h_rule(&h, app_act("publicize", "reg-1", "app-1"), "registration.bad_state");

	h_ok(&h, review_json("reg-1", "app-2", "fail"));
	json_t *r = h_rec(&h, "reg", "app-2");
	assert_string_equal(rs(r, "status"), "failed");
	assert_string_equal(rs(r, "notes"), "checked");
	json_decref(r);
	h_rule(&h, app_act("publicize", "reg-1", "app-2"), "registration.bad_state");
	h_rule(&h, review_json("reg-1", "app-2", "pass"), "registration.bad_state");

	h_ok(&h, review_json("reg-1", "app-1", "pass"));
	assert_status(&h, "app-1", "passed");
	h_rule(&h, review_json("reg-1", "app-1", "pass"), "registration.bad_state");
	h_err(&h, app_act("publicize", "prov-1", "app-1"), PDL_EROLE);
	h_ok(&h, app_act("publicize", "reg-1", "app-1"));
	/* Fri 10-09: ten weekdays are 12–16 and 19–23 → end of Fri 10-23 */
	assert_int_equal(h_out_uint(&h, "notice_ends"), h_ms("2026-10-24T00:00:00"));
	r = h_rec(&h, "reg", "app-1");
	assert_string_equal(rs(r, "status"), "notice");
	assert_int_equal(ru(r, "notice_ends"), h_ms("2026-10-24T00:00:00"));
	json_decref(r);
	h_rule(&h, app_act("publicize", "reg-1", "app-1"), "registration.bad_state");
	h_close(&h);
}

/* ---- objections ---- */

static void
test_objection_dismissed(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, apply_json("prov-1", "app-0", "R", "\"ev-p1\""));
	uint64_t ends = to_notice(&h, "app-1", "R");
	h_rule(&h, object_json("dev-1", "obj-1", "app-0"), "registration.bad_state");
	h_rule(&h, object_json("dev-1", "obj-1", "app-9"), "registration.unknown");
	uint64_t seq = h_ok(&h, object_json("dev-1", "obj-1", "app-1"));
	json_t *r = h_rec(&h, "regobj", "obj-1");
	assert_non_null(r);
	assert_string_equal(rs(r, "application_id"), "app-1");
	assert_string_equal(rs(r, "by"), "dev-1");
	assert_string_equal(rs(r, "reason"), "the data is ours");
	assert_string_equal(rs(r, "status"), "open");
	assert_int_equal(ru(r, "seq"), seq);
	json_decref(r);
	r = h_rec(&h, "reg", "app-1");
	assert_int_equal(ru(r, "open_objections"), 1);
	json_decref(r);
	h_rule(&h, object_json("prov-1", "obj-1", "app-1"), "registration.objection_id_taken");

	/* the last ms of the notice still takes objections (any role may object) */
	h.now_ms = ends - 1;
	h_ok(&h, object_json("authority", "obj-2", "app-1"));
	h.now_ms = ends;
	h_rule(&h, object_json("dev-1", "obj-3", "app-1"), "registration.notice_over");
	assert_non_null(strstr(h.st.msg, "ended 20"));
	assert_non_null(strstr(h.st.msg, "T00:00+08:00; objections are closed"));

	h_rule(&h, app_act("assign_code", "reg-1", "app-1"), "registration.objection_open");
	h_err(&h, resolve_json("dev-1", "obj-1", 0), PDL_EROLE);
	h_rule(&h, resolve_json("reg-1", "obj-9", 0), "registration.unknown_objection");
	h_ok(&h, resolve_json("reg-1", "obj-1", 0));
	r = h_rec(&h, "regobj", "obj-1");
	assert_string_equal(rs(r, "status"), "dismissed");
	assert_string_equal(rs(r, "resolution"), "decided");
	json_decref(r);
	h_rule(&h, resolve_json("reg-1", "obj-1", 1), "registration.objection_not_open");
	r = h_rec(&h, "reg", "app-1");
	assert_int_equal(ru(r, "open_objections"), 1);
	assert_string_equal(rs(r, "status"), "notice");
	json_decref(r);
	h_rule(&h, app_act("assign_code", "reg-1", "app-1"), "registration.objection_open");
	h_ok(&h, resolve_json("reg-1", "obj-2", 0));
	h_ok(&h, app_act("assign_code", "reg-1", "app-1"));
	assert_status(&h, "app-1", "coded");
	h_close(&h);
}

static void
test_objection_upheld(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	uint64_t ends = to_notice(&h, "app-1", "R");
	h_ok(&h, object_json("dev-1", "obj-1", "app-1"));
	h_ok(&h, object_json("dev-1", "obj-2", "app-1"));
	h_ok(&h, resolve_json("reg-1", "obj-1", 1));
	json_t *r = h_rec(&h, "regobj", "obj-1");
	assert_string_equal(rs(r, "status"), "upheld");
	json_decref(r);
	r = h_rec(&h, "reg", "app-1");
	assert_string_equal(rs(r, "status"), "ended");
	assert_int_equal(ru(r, "open_objections"), 1);
	json_decref(r);
	/* the application is over: no more objections, no code */
	h_rule(&h, object_json("dev-1", "obj-3", "app-1"), "registration.bad_state");
	h.now_ms = ends;
	h_rule(&h, app_act("assign_code", "reg-1", "app-1"), "registration.bad_state");
	/* the other objection can still be closed; the application stays ended */
	h_ok(&h, resolve_json("reg-1", "obj-2", 0));
	r = h_rec(&h, "reg", "app-1");
	assert_string_equal(rs(r, "status"), "ended");
	assert_int_equal(ru(r, "open_objections"), 0);
	json_decref(r);
	h_rule(&h, app_act("assign_code", "reg-1", "app-1"), "registration.bad_state");
	h_close(&h);
}

/* ---- codes ---- */

static void
test_assign_code(void **state)
{
	(void)state;
	struct h h;
	const char *why;
	setup(&h);
	uint64_t ends = to_notice(&h, "app-1", "R");
	h_rule(&h, app_act("assign_code", "reg-1", "app-9"), "registration.unknown");
	h_err(&h, app_act("assign_code", "prov-1", "app-1"), PDL_EROLE);
	h.now_ms = ends - 1;
	h_rule(&h, app_act("assign_code", "reg-1", "app-1"), "registration.notice_not_over");
	h.now_ms = ends;
	h_ok(&h, app_act("assign_code", "reg-1", "app-1"));
	assert_string_equal(h_out_str(&h, "code"), "420100-2026-R-00000001-T");
	assert_int_equal(pdl_code_valid(h_out_str(&h, "code"), strlen(h_out_str(&h, "code")), &why), PDL_OK);
	json_t *r = h_rec(&h, "reg", "app-1");
	assert_string_equal(rs(r, "status"), "coded");
	assert_string_equal(rs(r, "code"), "420100-2026-R-00000001-T");
	json_decref(r);
	r = h_rec(&h, "code", "420100-2026-R-00000001-T");
	assert_non_null(r);
	assert_string_equal(rs(r, "application_id"), "app-1");
	json_decref(r);
	h_rule(&h, app_act("assign_code", "reg-1", "app-1"), "registration.bad_state");

	/* the sequence runs per kind ... */
	char code[PDL_CODE_LEN + 1];
	to_coded(&h, "app-2", "R", code);
	assert_string_equal(code, "420100-2026-R-00000002-R");
	to_coded(&h, "app-3", "P", code);
	assert_string_equal(code, "420100-2026-P-00000001-H");
	/* ... and restarts with the year of assignment */
	h_time(&h, "2027-01-04T09:00:00");
	to_coded(&h, "app-4", "R", code);
	assert_string_equal(code, "420100-2027-R-00000001-A");
	assert_int_equal(pdl_code_valid(code, strlen(code), &why), PDL_OK);
	r = h_rec(&h, "codeseq", "420100-2026-R");
	assert_int_equal(ru(r, "last"), 2);
	json_decref(r);
	h_close(&h);
}

static void
test_codes_exhausted(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	uint64_t ends = to_notice(&h, "app-1", "S");
	/* the last of 99,999,999 S codes of 2026 was assigned */
	MDB_txn *t;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	static const char key[] = "codeseq/420100-2026-S";
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	mp_pack_cstr(&pk, "last");
	msgpack_pack_uint64(&pk, 99999999);
	assert_int_equal(pdl_store_wtxn(&h.s, &t), PDL_OK);
	assert_int_equal(pdl_store_state_put(t, &h.s, key, sizeof key - 1, sb.data, sb.size), PDL_OK);
	assert_int_equal(mdb_txn_commit(t), 0);
	msgpack_sbuffer_destroy(&sb);
	h.now_ms = ends;
	h_rule(&h, app_act("assign_code", "reg-1", "app-1"), "registration.codes_exhausted");
	assert_status(&h, "app-1", "notice");
	h_close(&h);
}

/* ---- change / cancel ---- */

#define CHANGE(actor, code, fields)                                                                     \
	h_fmt("{\"type\":\"registration.change\",\"actor\":\"%s\",\"body\":{\"code\":\"%s\"%s}}", actor, code, \
	      fields)
#define CANCEL(actor, code)                                                                                \
	h_fmt("{\"type\":\"registration.cancel\",\"actor\":\"%s\",\"body\":{\"code\":\"%s\",\"reason\":"      \
	      "\"withdrawn from service\"}}",                                                                  \
	      actor, code)

static void
test_change_cancel(void **state)
{
	(void)state;
	struct h h;
	char c1[PDL_CODE_LEN + 1], c2[PDL_CODE_LEN + 1];
	setup(&h);
	to_coded(&h, "app-1", "R", c1);
	to_coded(&h, "app-2", "R", c2);

	h_rule(&h, CHANGE("prov-1", "420100-2026-R-00000009-X", ",\"name\":\"n\""), "registration.unknown_code");
	h_rule(&h, CHANGE("dev-1", c1, ",\"name\":\"n\""), "registration.not_holder");
	h_rule(&h, CHANGE("reg-1", c1, ",\"name\":\"n\""), "registration.not_holder");
	h_rule(&h, CHANGE("prov-1", c1, ""), "registration.change_empty");
	h_rule(&h, CHANGE("prov-1", c1, ",\"evidence\":[\"ev-d1\"]"), "registration.evidence_not_holders");
	h_rule(&h, CHANGE("prov-1", c1, ",\"evidence\":[\"ev-zz\"]"), "registration.evidence_missing");
	h_err(&h, CHANGE("prov-1", c1, ",\"code2\":1"), PDL_EFIELD);

	h_ok(&h, CHANGE("prov-1", c1, ",\"name\":\"Traffic flow, hourly\""));
	json_t *r = h_rec(&h, "reg", "app-1");
	assert_string_equal(rs(r, "name"), "Traffic flow, hourly");
	assert_string_equal(rs(r, "summary"), "hourly counts");
	assert_string_equal(rs(r, "status"), "coded");
	json_decref(r);
	h_ok(&h, CHANGE("prov-1", c1, ",\"summary\":\"every 15 minutes\",\"evidence\":[\"ev-p2\"]"));
	r = h_rec(&h, "reg", "app-1");
	assert_string_equal(rs(r, "name"), "Traffic flow, hourly");
	assert_string_equal(rs(r, "summary"), "every 15 minutes");
	assert_int_equal(json_array_size(json_object_get(r, "evidence")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "evidence"), 0)), "ev-p2");
	json_decref(r);

	h_rule(&h, CANCEL("dev-1", c1), "registration.cancel_not_permitted");
	h_rule(&h, CANCEL("prov-1", "no-such-code"), "registration.unknown_code");
	h_ok(&h, CANCEL("prov-1", c1));
	r = h_rec(&h, "reg", "app-1");
	assert_string_equal(rs(r, "status"), "cancelled");
	assert_string_equal(rs(r, "reason"), "withdrawn from service");
	json_decref(r);
	/* the code keeps pointing at the application, which is over */
	r = h_rec(&h, "code", c1);
	assert_string_equal(rs(r, "application_id"), "app-1");
	json_decref(r);
	h_rule(&h, CANCEL("prov-1", c1), "registration.bad_state");
	h_rule(&h, CANCEL("reg-1", c1), "registration.bad_state");
	h_rule(&h, CHANGE("prov-1", c1, ",\"name\":\"again\""), "registration.bad_state");

	/* a registrar may cancel too */
	h_ok(&h, CANCEL("reg-1", c2));
	assert_status(&h, "app-2", "cancelled");
	h_close(&h);
}

/* ---- the National Day walk ---- */

static void
test_holiday_walk(void **state)
{
	(void)state;
	struct h h;
	const char *why;
	open_at(&h, "2026-09-01T09:00:00");
	parties(&h);
	/* holidays Thu 10-01 … Wed 10-07; make-up workdays Sun 09-27 and Sat 10-10 */
	h_ok(&h, "{\"type\":\"calendar.publish\",\"actor\":\"authority\",\"body\":{\"year\":2026,\"holidays\":["
	         "\"2026-10-01\",\"2026-10-02\",\"2026-10-03\",\"2026-10-04\",\"2026-10-05\",\"2026-10-06\",\"2026-10-07\"],"
	         "\"workdays\":[\"2026-09-27\",\"2026-10-10\"]}}");

	/* Wed 09-30 15:00: day 1 is Thu 10-08, day 2 Fri 10-09, day 3 Sat 10-10 (make-up) */
	h_time(&h, "2026-09-30T15:00:00");
	h_ok(&h, apply_json("prov-1", "app-1", "R", "\"ev-p1\""));
	assert_int_equal(h_out_uint(&h, "accept_due"), h_ms("2026-10-11T00:00:00"));

	h_time(&h, "2026-10-08T09:00:00");
	h_ok(&h, app_act("accept", "reg-1", "app-1"));
	json_t *r = h_rec(&h, "reg", "app-1");
	assert_true(json_is_false(json_object_get(r, "accepted_late")));
	json_decref(r);
	h_time(&h, "2026-10-08T10:00:00");
	h_ok(&h, review_json("reg-1", "app-1", "pass"));

	/* Fri 10-09: day 1 Sat 10-10 (make-up), 2–6 Mon 12 … Fri 16, Sat/Sun off,
	 * 7–10 Mon 19 … Thu 22 → end of Thu 10-22 */
	h_time(&h, "2026-10-09T10:00:00");
	h_ok(&h, app_act("publicize", "reg-1", "app-1"));
	uint64_t ends = h_out_uint(&h, "notice_ends");
	assert_int_equal(ends, h_ms("2026-10-23T00:00:00"));

	/* an objection on the make-up Saturday, dismissed */
	h_time(&h, "2026-10-10T11:00:00");
	h_ok(&h, object_json("dev-1", "obj-1", "app-1"));
	h_ok(&h, resolve_json("reg-1", "obj-1", 0));

	/* the refusal says when, in CST and in working days (12–16, 19–22) */
	h_rule(&h, app_act("assign_code", "reg-1", "app-1"), "registration.notice_not_over");
	assert_string_equal(h.st.msg, "the notice of application app-1 ends 2026-10-23T00:00+08:00 (in 9 working days); "
	                              "it is now 2026-10-10T11:00+08:00");
	h.now_ms = ends - 1;
	h_rule(&h, app_act("assign_code", "reg-1", "app-1"), "registration.notice_not_over");
	assert_string_equal(h.st.msg, "the notice of application app-1 ends 2026-10-23T00:00+08:00 (no working day left "
	                              "before it); it is now 2026-10-22T23:59:59.999+08:00");
	h.now_ms = ends;
	h_ok(&h, app_act("assign_code", "reg-1", "app-1"));
	const char *code = h_out_str(&h, "code");
	assert_int_equal(pdl_code_valid(code, strlen(code), &why), PDL_OK);
	/* check character: ISO/IEC 7064 MOD 37,36 over 4201002026R00000001 */
	assert_string_equal(code, "420100-2026-R-00000001-T");
	r = h_rec(&h, "reg", "app-1");
	assert_string_equal(rs(r, "status"), "coded");
	assert_int_equal(ru(r, "accept_due"), h_ms("2026-10-11T00:00:00"));
	assert_int_equal(ru(r, "notice_ends"), h_ms("2026-10-23T00:00:00"));
	json_decref(r);
	h_close(&h);
}

/* A republished calendar moves later deadlines only. */
static void
test_republish_keeps_recorded(void **state)
{
	(void)state;
	struct h h;
	open_at(&h, "2026-09-01T09:00:00");
	parties(&h);
	h_time(&h, "2026-09-30T15:00:00");
	h_ok(&h, apply_json("prov-1", "app-1", "R", "\"ev-p1\""));
	/* no calendar yet: Thu 10-01, Fri 10-02, Mon 10-05 */
	assert_int_equal(h_out_uint(&h, "accept_due"), h_ms("2026-10-06T00:00:00"));
	h_ok(&h, "{\"type\":\"calendar.publish\",\"actor\":\"authority\",\"body\":{\"year\":2026,\"holidays\":["
	         "\"2026-10-01\",\"2026-10-02\",\"2026-10-05\"],\"workdays\":[]}}");
	h_ok(&h, apply_json("prov-1", "app-2", "R", "\"ev-p1\""));
	assert_int_equal(h_out_uint(&h, "accept_due"), h_ms("2026-10-09T00:00:00"));
	json_t *r = h_rec(&h, "reg", "app-1");
	assert_int_equal(ru(r, "accept_due"), h_ms("2026-10-06T00:00:00"));
	json_decref(r);
	h_close(&h);
}

/* Invariant (5): the subject is the holder's, and one live application
 * per kind and subject. */
static void
test_subject_rules(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_party(&h, "prov-2", "provider");
	h_party(&h, "dev-2", "developer");
	deposit(&h, "prov-2", "ev-q1");
	deposit(&h, "dev-2", "ev-e1");
	h_ok(&h, "{\"type\":\"catalog.publish\",\"actor\":\"prov-2\",\"body\":{\"resource_id\":\"res-q\",\"name\":"
	         "\"Q\",\"items\":[\"a\"],\"format\":\"csv\",\"update_frequency\":\"daily\",\"usage_conditions\":\"\","
	         "\"level\":1,\"attribute\":\"open\"}}");
	/* a resource not in the catalog, another provider's resource */
	h_rule(&h, apply_subject("prov-1", "a1", "R", "res-nope", "\"ev-p1\""), "registration.subject_not_holders");
	h_rule(&h, apply_subject("prov-1", "a1", "R", "res-q", "\"ev-p1\""), "registration.subject_not_holders");
	h_ok(&h, apply_subject("prov-2", "a-q", "R", "res-q", "\"ev-q1\""));
	/* a product that does not exist; one the applicant neither developed nor operates */
	h_rule(&h, apply_subject("dev-2", "a2", "P", "prod-nope", "\"ev-e1\""), "registration.subject_not_holders");
	h_rule(&h, apply_subject("dev-2", "a2", "P", "prod-1", "\"ev-e1\""), "registration.subject_not_holders");
	h_rule(&h, apply_subject("dev-2", "a2", "S", "prod-1", "\"ev-e1\""), "registration.subject_not_holders");
	/* the developer and the operator both hold a product; P and S are separate */
	h_ok(&h, apply_subject("dev-1", "a-p1", "P", "prod-1", "\"ev-d1\""));
	h_ok(&h, apply_subject("prov-1", "a-s1", "S", "prod-1", "\"ev-p1\""));
	h_rule(&h, apply_subject("prov-1", "a-p1b", "P", "prod-1", "\"ev-p1\""), "registration.subject_already_registered");
	/* open at every stage, then free again once the application ends */
	h_ok(&h, apply_json("prov-1", "app-1", "R", "\"ev-p1\""));
	h_rule(&h, apply_subject("prov-1", "app-1b", "R", "res-1", "\"ev-p1\""), "registration.subject_already_registered");
	h_ok(&h, app_act("accept", "reg-1", "app-1"));
	h_rule(&h, apply_subject("prov-1", "x1", "R", "res-1", "\"ev-p1\""), "registration.subject_already_registered");
	h_ok(&h, review_json("reg-1", "app-1", "fail"));
	h_ok(&h, apply_subject("prov-1", "app-1c", "R", "res-1", "\"ev-p1\""));
	h_ok(&h, "{\"type\":\"registration.reject\",\"actor\":\"reg-1\",\"body\":{\"application_id\":\"app-1c\","
	         "\"reason\":\"no\"}}");
	char code[PDL_CODE_LEN + 1];
	to_coded(&h, "app-2", "R", code);
	h_rule(&h, apply_subject("prov-1", "x2", "R", "res-2", "\"ev-p1\""), "registration.subject_already_registered");
	h_ok(&h, h_fmt("{\"type\":\"registration.cancel\",\"actor\":\"prov-1\",\"body\":{\"code\":\"%s\","
	               "\"reason\":\"re-registering\"}}",
	               code));
	h_ok(&h, apply_subject("prov-1", "x2", "R", "res-2", "\"ev-p1\""));
	json_t *ix = h_rec(&h, "regsubj", "R/res-2");
	assert_string_equal(rs(ix, "application_id"), "x2");
	json_decref(ix);
	/* an upheld objection ends an application: the subject is free */
	to_notice(&h, "app-3", "R");
	h_ok(&h, object_json("prov-2", "o1", "app-3"));
	h_ok(&h, resolve_json("reg-1", "o1", 1));
	h_ok(&h, apply_subject("prov-1", "app-3b", "R", "res-3", "\"ev-p1\""));
	h_close(&h);
}

static void
test_national_code(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	char c1[PDL_CODE_LEN + 1], c2[PDL_CODE_LEN + 1];
	to_coded(&h, "app-1", "R", c1);
	to_coded(&h, "app-2", "R", c2);
	const char *nc = "{\"type\":\"registration.national_code\",\"actor\":\"%s\",\"body\":{\"code\":\"%s\","
	                 "\"national_code\":\"%s\"%s}}";
	h_err(&h, h_fmt(nc, "prov-1", c1, "GJ-2026-0001", ""), PDL_EROLE);
	h_err(&h, h_fmt(nc, "reg-1", c1, "GJ 2026", ""), PDL_EFIELD);
	h_rule(&h, h_fmt(nc, "reg-1", "420100-2026-R-00000099-X", "GJ-2026-0001", ""), "registration.unknown_code");
	uint64_t seq = h_ok(&h, h_fmt(nc, "reg-1", c1, "GJ-2026-0001", ",\"query_code\":\"Q7F3K2\""));
	json_t *r = h_rec(&h, "reg", "app-1");
	assert_string_equal(rs(r, "national_code"), "GJ-2026-0001");
	assert_string_equal(rs(r, "query_code"), "Q7F3K2");
	assert_int_equal(ru(r, "national_seq"), seq);
	assert_string_equal(rs(r, "code"), c1);
	json_decref(r);
	h_rule(&h, h_fmt(nc, "reg-1", c1, "GJ-2026-0002", ""), "registration.national_code_recorded");
	h_rule(&h, h_fmt(nc, "reg-1", c2, "GJ-2026-0001", ""), "registration.national_code_taken");
	/* a cancelled registration gets none */
	h_ok(&h, h_fmt("{\"type\":\"registration.cancel\",\"actor\":\"reg-1\",\"body\":{\"code\":\"%s\","
	               "\"reason\":\"duplicate\"}}",
	               c2));
	h_rule(&h, h_fmt(nc, "reg-1", c2, "GJ-2026-0002", ""), "registration.bad_state");
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_accept_reject),
		cmocka_unit_test(test_correction),
		cmocka_unit_test(test_review_publicize),
		cmocka_unit_test(test_objection_dismissed),
		cmocka_unit_test(test_objection_upheld),
		cmocka_unit_test(test_assign_code),
		cmocka_unit_test(test_codes_exhausted),
		cmocka_unit_test(test_change_cancel),
		cmocka_unit_test(test_holiday_walk),
		cmocka_unit_test(test_republish_keeps_recorded),
		cmocka_unit_test(test_subject_rules),
		cmocka_unit_test(test_national_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
