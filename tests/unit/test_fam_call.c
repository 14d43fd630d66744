/* test_fam_call.c — call.request, approve, reject, escalate, assess and
 * usage: every rule id of the call family, the happy paths, and that the
 * grant's state decides every act on its calls. */
#include "harness.h"

static void
publish(struct h *h, const char *id)
{
	h_ok(h, h_fmt("{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"%s\",\"name\":"
	              "\"Resource %s\",\"items\":[\"a\"],\"format\":\"csv\",\"update_frequency\":\"daily\","
	              "\"usage_conditions\":\"\",\"level\":1,\"attribute\":\"authorized\"}}",
	              id, id));
}

/* Parties; r1, r2, r3 listed; grant g1 of op-1 over r1, r2 from
 * 2026-10-01 to 2027-09-30; dev-1 admitted, dev-2 not. */
static void
setup(struct h *h)
{
	h_open(h);
	h_party(h, "prov-1", "provider");
	h_party(h, "op-1", "operator");
	h_party(h, "op-2", "operator");
	h_party(h, "dev-1", "developer");
	h_party(h, "dev-2", "developer");
	publish(h, "r1");
	publish(h, "r2");
	publish(h, "r3");
	h_agreement(h);
	h_ok(h, "{\"type\":\"grant.issue\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\",\"operator\":\"op-1\","
	        "\"mode\":\"overall\",\"resources\":[\"r1\",\"r2\"],\"scope\":\"s\",\"start\":\"2026-10-01\",\"end\":"
	        "\"2027-09-30\",\"exclusive\":false,\"split_bp\":{\"providers\":5000,\"operator\":3000,\"developer\":"
	        "2000,\"authority\":0},\"fee_cap_fen\":0,\"agreement\":\"ev-agreement\"}}");
	h_ok(h, "{\"type\":\"developer.admit\",\"actor\":\"op-1\",\"body\":{\"grant_id\":\"g1\",\"developer\":\"dev-1\","
	        "\"controlled\":false}}");
}

static const char *
request(const char *dev, const char *cid, const char *gid, const char *res)
{
	return h_fmt("{\"type\":\"call.request\",\"actor\":\"%s\",\"body\":{\"call_id\":\"%s\",\"grant_id\":\"%s\","
	             "\"resources\":%s,\"purpose\":\"congestion model\"}}",
	             dev, cid, gid, res);
}

static const char *
act1(const char *type, const char *actor, const char *body)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "{\"type\":\"%s\",\"actor\":\"%s\",\"body\":%s}", type, actor, body);
	return buf;
}

static const char *
usage(const char *actor, const char *cid, const char *rid, const char *period, const char *records,
      const char *bytes)
{
	return h_fmt("{\"type\":\"call.usage\",\"actor\":\"%s\",\"body\":{\"call_id\":\"%s\",\"resource_id\":\"%s\","
	             "\"period\":\"%s\",\"records\":%s,\"bytes\":%s}}",
	             actor, cid, rid, period, records, bytes);
}

static const char *
status_of(struct h *h, const char *cid)
{
	static char buf[32];
	json_t *c = h_rec(h, "call", cid);
	assert_non_null(c);
	snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(c, "status")));
	json_decref(c);
	return buf;
}

/* ---- call.request ---- */

static void
test_request(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_err(&h, request("op-1", "c1", "g1", "[\"r1\"]"), PDL_EROLE);
	h_rule(&h, request("dev-1", "c1", "g9", "[\"r1\"]"), "grant.unknown");
	h_rule(&h, request("dev-2", "c1", "g1", "[\"r1\"]"), "developer.not_admitted");
	h_rule(&h, request("dev-1", "c1", "g1", "[]"), "call.no_resources");
	h_rule(&h, request("dev-1", "c1", "g1", "[\"r1\",\"r1\"]"), "call.duplicate_resource");
	h_rule(&h, request("dev-1", "c1", "g1", "[\"r1\",\"r7\"]"), "catalog.unknown_resource");
	assert_non_null(strstr(h.st.msg, "catalog.request"));
	h_rule(&h, request("dev-1", "c1", "g1", "[\"r1\",\"r3\"]"), "call.resource_not_in_grant");
	uint64_t seq = h_ok(&h, request("dev-1", "c1", "g1", "[\"r2\",\"r1\"]"));
	json_t *c = h_rec(&h, "call", "c1");
	assert_non_null(c);
	assert_string_equal(json_string_value(json_object_get(c, "developer")), "dev-1");
	assert_string_equal(json_string_value(json_object_get(c, "grant_id")), "g1");
	assert_string_equal(json_string_value(json_object_get(c, "operator")), "op-1");
	assert_int_equal(json_array_size(json_object_get(c, "resources")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "resources"), 0)), "r2");
	assert_string_equal(json_string_value(json_object_get(c, "purpose")), "congestion model");
	assert_string_equal(json_string_value(json_object_get(c, "status")), "requested");
	assert_int_equal(json_integer_value(json_object_get(c, "seq")), seq);
	json_decref(c);
	json_t *ix = h_rec(&h, "gcall", "g1/c1");
	assert_non_null(ix);
	json_decref(ix);
	h_rule(&h, request("dev-1", "c1", "g1", "[\"r1\"]"), "call.id_taken");
	/* a withdrawn resource cannot be requested */
	h_ok(&h, "{\"type\":\"catalog.withdraw\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"r2\",\"reason\":\"x\"}}");
	h_rule(&h, request("dev-1", "c2", "g1", "[\"r2\"]"), "catalog.withdrawn");
	h_close(&h);
}

/* ---- call.approve / call.reject / call.escalate ---- */

static void
test_approve_reject(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, request("dev-1", "c1", "g1", "[\"r1\"]"));
	h_ok(&h, request("dev-1", "c2", "g1", "[\"r1\"]"));
	h_ok(&h, request("dev-1", "c3", "g1", "[\"r2\"]"));
	h_err(&h, act1("call.approve", "dev-1", "{\"call_id\":\"c1\"}"), PDL_EROLE);
	h_rule(&h, act1("call.approve", "op-1", "{\"call_id\":\"c9\"}"), "call.unknown");
	h_rule(&h, act1("call.approve", "op-2", "{\"call_id\":\"c1\"}"), "call.not_operator");
	h_ok(&h, act1("call.approve", "op-1", "{\"call_id\":\"c1\"}"));
	assert_string_equal(status_of(&h, "c1"), "approved");
	h_rule(&h, act1("call.approve", "op-1", "{\"call_id\":\"c1\"}"), "call.bad_state");
	h_rule(&h, act1("call.reject", "op-1", "{\"call_id\":\"c1\",\"reason\":\"r\"}"), "call.bad_state");
	/* a rejection needs a reason */
	h_err(&h, act1("call.reject", "op-1", "{\"call_id\":\"c2\"}"), PDL_EFIELD);
	h_err(&h, act1("call.reject", "op-1", "{\"call_id\":\"c2\",\"reason\":\"\"}"), PDL_EFIELD);
	h_rule(&h, act1("call.reject", "op-2", "{\"call_id\":\"c2\",\"reason\":\"r\"}"), "call.not_operator");
	h_ok(&h, act1("call.reject", "op-1", "{\"call_id\":\"c2\",\"reason\":\"purpose outside the scope\"}"));
	json_t *c = h_rec(&h, "call", "c2");
	assert_string_equal(json_string_value(json_object_get(c, "status")), "rejected");
	assert_string_equal(json_string_value(json_object_get(c, "reason")), "purpose outside the scope");
	json_decref(c);
	h_rule(&h, act1("call.approve", "op-1", "{\"call_id\":\"c2\"}"), "call.bad_state");
	/* approval rechecks the catalog: r2 was withdrawn after the request */
	h_ok(&h, "{\"type\":\"catalog.withdraw\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"r2\",\"reason\":\"x\"}}");
	h_rule(&h, act1("call.approve", "op-1", "{\"call_id\":\"c3\"}"), "catalog.withdrawn");
	h_ok(&h, act1("call.reject", "op-1", "{\"call_id\":\"c3\",\"reason\":\"resource withdrawn\"}"));
	h_close(&h);
}

static void
test_escalate_assess(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, request("dev-1", "c1", "g1", "[\"r1\"]"));
	h_ok(&h, request("dev-1", "c2", "g1", "[\"r1\"]"));
	const char *esc = "{\"call_id\":\"c1\",\"risk\":\"privacy\",\"note\":\"personal data in r1\"}";
	h_err(&h, act1("call.escalate", "dev-1", esc), PDL_EROLE);
	h_err(&h, act1("call.escalate", "op-1", "{\"call_id\":\"c1\",\"risk\":\"weather\",\"note\":\"\"}"), PDL_EFIELD);
	h_rule(&h, act1("call.escalate", "op-2", esc), "call.not_operator");
	h_rule(&h, act1("call.assess", "authority", "{\"call_id\":\"c1\",\"decision\":\"approve\",\"reason\":\"r\"}"),
	       "call.bad_state");
	h_ok(&h, act1("call.escalate", "op-1", esc));
	json_t *c = h_rec(&h, "call", "c1");
	assert_string_equal(json_string_value(json_object_get(c, "status")), "escalated");
	assert_string_equal(json_string_value(json_object_get(c, "risk")), "privacy");
	assert_string_equal(json_string_value(json_object_get(c, "note")), "personal data in r1");
	json_decref(c);
	h_rule(&h, act1("call.escalate", "op-1", esc), "call.bad_state");
	/* once escalated only the authority decides */
	h_rule(&h, act1("call.approve", "op-1", "{\"call_id\":\"c1\"}"), "call.bad_state");
	h_rule(&h, act1("call.reject", "op-1", "{\"call_id\":\"c1\",\"reason\":\"r\"}"), "call.bad_state");
	h_err(&h, act1("call.assess", "op-1", "{\"call_id\":\"c1\",\"decision\":\"approve\",\"reason\":\"r\"}"),
	      PDL_EROLE);
	h_rule(&h, act1("call.assess", "authority", "{\"call_id\":\"c9\",\"decision\":\"approve\",\"reason\":\"r\"}"),
	       "call.unknown");
	h_err(&h, act1("call.assess", "authority", "{\"call_id\":\"c1\",\"decision\":\"approve\",\"reason\":\"\"}"),
	      PDL_EFIELD);
	h_ok(&h, act1("call.assess", "authority",
	              "{\"call_id\":\"c1\",\"decision\":\"approve\",\"reason\":\"de-identified before use\"}"));
	c = h_rec(&h, "call", "c1");
	assert_string_equal(json_string_value(json_object_get(c, "status")), "approved");
	assert_string_equal(json_string_value(json_object_get(c, "reason")), "de-identified before use");
	json_decref(c);
	h_rule(&h, act1("call.assess", "authority", "{\"call_id\":\"c1\",\"decision\":\"reject\",\"reason\":\"r\"}"),
	       "call.bad_state");
	h_ok(&h, act1("call.escalate", "op-1", "{\"call_id\":\"c2\",\"risk\":\"secrets\",\"note\":\"\"}"));
	h_ok(&h, act1("call.assess", "authority", "{\"call_id\":\"c2\",\"decision\":\"reject\",\"reason\":\"state secrets\"}"));
	assert_string_equal(status_of(&h, "c2"), "rejected");
	h_close(&h);
}

/* ---- call.usage ---- */

static void
test_usage(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, request("dev-1", "c1", "g1", "[\"r1\",\"r2\"]"));
	h_rule(&h, usage("op-1", "c1", "r1", "2026-10", "1", "1"), "call.not_approved");
	h_ok(&h, act1("call.approve", "op-1", "{\"call_id\":\"c1\"}"));
	h_err(&h, usage("dev-1", "c1", "r1", "2026-10", "1", "1"), PDL_EROLE);
	h_err(&h, usage("op-1", "c1", "r1", "2026-13", "1", "1"), PDL_EFIELD);
	h_err(&h, usage("op-1", "c1", "r1", "2026-10", "-1", "1"), PDL_EFIELD);
	h_rule(&h, usage("op-1", "c9", "r1", "2026-10", "1", "1"), "call.unknown");
	h_rule(&h, usage("op-2", "c1", "r1", "2026-10", "1", "1"), "call.not_operator");
	h_rule(&h, usage("op-1", "c1", "r3", "2026-10", "1", "1"), "call.resource_not_in_call");
	h_rule(&h, usage("op-1", "c1", "r1", "2026-09", "1", "1"), "call.bad_period"); /* before the grant */
	h_rule(&h, usage("op-1", "c1", "r1", "2026-11", "1", "1"), "call.bad_period"); /* not yet */
	h_ok(&h, usage("op-1", "c1", "r1", "2026-10", "1200", "65536"));
	h_ok(&h, usage("op-1", "c1", "r1", "2026-10", "300", "1024"));
	h_ok(&h, usage("op-1", "c1", "r2", "2026-10", "7", "70"));
	json_t *u = h_rec(&h, "usage", "g1/dev-1/2026-10/r1");
	assert_non_null(u);
	assert_int_equal(json_integer_value(json_object_get(u, "records")), 1500);
	assert_int_equal(json_integer_value(json_object_get(u, "bytes")), 66560);
	json_decref(u);
	u = h_rec(&h, "usage", "g1/dev-1/2026-10/r2");
	assert_int_equal(json_integer_value(json_object_get(u, "records")), 7);
	json_decref(u);
	/* a later month, once it has begun */
	h_time(&h, "2026-11-02T09:00:00");
	h_ok(&h, usage("op-1", "c1", "r1", "2026-11", "5", "50"));
	u = h_rec(&h, "usage", "g1/dev-1/2026-11/r1");
	assert_int_equal(json_integer_value(json_object_get(u, "records")), 5);
	json_decref(u);
	/* sums never wrap */
	h_ok(&h, usage("op-1", "c1", "r2", "2026-11", "9223372036854775807", "0"));
	h_ok(&h, usage("op-1", "c1", "r2", "2026-11", "9223372036854775807", "0"));
	h_rule(&h, usage("op-1", "c1", "r2", "2026-11", "2", "0"), "call.usage_overflow");
	h_ok(&h, usage("op-1", "c1", "r2", "2026-11", "1", "9223372036854775807"));
	h_ok(&h, usage("op-1", "c1", "r2", "2026-11", "0", "9223372036854775807"));
	h_rule(&h, usage("op-1", "c1", "r2", "2026-11", "0", "2"), "call.usage_overflow");
	h_close(&h);
}

/* ---- the grant decides ---- */

static void
test_grant_state(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, request("dev-1", "c1", "g1", "[\"r1\"]"));
	h_ok(&h, request("dev-1", "c2", "g1", "[\"r1\"]"));
	h_ok(&h, act1("call.approve", "op-1", "{\"call_id\":\"c2\"}"));
	h_ok(&h, "{\"type\":\"grant.suspend\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\",\"reason\":\"r\"}}");
	h_rule(&h, request("dev-1", "c3", "g1", "[\"r1\"]"), "grant.suspended");
	h_rule(&h, act1("call.approve", "op-1", "{\"call_id\":\"c1\"}"), "grant.suspended");
	h_rule(&h, act1("call.escalate", "op-1", "{\"call_id\":\"c1\",\"risk\":\"security\",\"note\":\"\"}"),
	       "grant.suspended");
	h_rule(&h, usage("op-1", "c2", "r1", "2026-10", "1", "1"), "grant.suspended");
	h_ok(&h, "{\"type\":\"grant.resume\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g1\",\"reason\":\"r\"}}");
	h_ok(&h, act1("call.approve", "op-1", "{\"call_id\":\"c1\"}"));
	h_ok(&h, usage("op-1", "c2", "r1", "2026-10", "1", "1"));
	/* after the term ends: every act is refused */
	h_ok(&h, request("dev-1", "c4", "g1", "[\"r1\"]"));
	h_time(&h, "2027-10-01T00:00:00");
	h_rule(&h, usage("op-1", "c2", "r1", "2027-09", "1", "1"), "grant.expired");
	h_rule(&h, act1("call.approve", "op-1", "{\"call_id\":\"c4\"}"), "grant.expired");
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_approve_reject),
		cmocka_unit_test(test_escalate_assess),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_grant_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
