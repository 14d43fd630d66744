/* test_fam_catalog.c — the catalog family: publish, consent, amend,
 * withdraw, request and decide; every rule id, the records they write and
 * who may submit them. */
#include "families.h"
#include "harness.h"

#define ITEMS "[\"uscc\",\"name\",\"address\"]"

/* A catalog.publish act; extra is appended inside the body (",\"source\":\"x\""). */
static const char *
pub(const char *actor, const char *id, const char *items, int level, const char *extra)
{
	static char buf[8192];
	snprintf(buf, sizeof buf,
	         "{\"type\":\"catalog.publish\",\"actor\":\"%s\",\"body\":{\"resource_id\":\"%s\","
	         "\"name\":\"Business licences\",\"items\":%s,\"format\":\"csv\",\"update_frequency\":\"daily\","
	         "\"usage_conditions\":\"no resale\",\"level\":%d,\"attribute\":\"authorized\"%s}}",
	         actor, id, items, level, extra);
	return buf;
}

/* The body of a resource for catalog.decide (no enclosing act). */
static const char *
res_body(const char *id, int level, const char *extra)
{
	static char buf[1024];
	snprintf(buf, sizeof buf,
	         "{\"resource_id\":\"%s\",\"name\":\"Permits\",\"items\":[\"permit_no\",\"holder\"],\"format\":"
	         "\"json\",\"update_frequency\":\"weekly\",\"usage_conditions\":\"\",\"level\":%d,\"attribute\":"
	         "\"open\"%s}",
	         id, level, extra);
	return buf;
}

static void
setup(struct h *h)
{
	h_open(h);
	h_party(h, "prov-1", "provider");
	h_party(h, "prov-2", "provider");
	h_party(h, "src-1", "provider");
	h_party(h, "op-1", "operator");
	h_party(h, "dev-1", "developer");
}

static const char *
jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "(absent)";
}

static uint64_t
juint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	assert_true(json_is_integer(v));
	return (uint64_t)json_integer_value(v);
}

/* ---- catalog.publish ---- */

static void
test_publish(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	uint64_t seq = h_ok(&h, pub("prov-1", "res-1", ITEMS, 2, ""));
	json_t *r = h_rec(&h, "res", "res-1");
	assert_non_null(r);
	assert_string_equal(jstr(r, "provider"), "prov-1");
	assert_string_equal(jstr(r, "name"), "Business licences");
	json_t *items = json_object_get(r, "items");
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(json_string_value(json_array_get(items, 2)), "address");
	assert_string_equal(jstr(r, "format"), "csv");
	assert_string_equal(jstr(r, "update_frequency"), "daily");
	assert_string_equal(jstr(r, "usage_conditions"), "no resale");
	assert_int_equal(juint(r, "level"), 2);
	assert_string_equal(jstr(r, "attribute"), "authorized");
	assert_null(json_object_get(r, "source"));
	assert_true(json_is_true(json_object_get(r, "consented")));
	assert_string_equal(jstr(r, "status"), "listed");
	assert_int_equal(juint(r, "seq"), seq);
	json_decref(r);

	/* shared-in data waits for its source's consent */
	h_ok(&h, pub("prov-1", "res-2", ITEMS, 4, ",\"source\":\"src-1\""));
	r = h_rec(&h, "res", "res-2");
	assert_string_equal(jstr(r, "source"), "src-1");
	assert_true(json_is_false(json_object_get(r, "consented")));
	json_decref(r);
	h_close(&h);
}

static void
test_publish_rules(void **state)
{
	(void)state;
	struct h h;
	char items[1024], big[300];
	setup(&h);
	h_ok(&h, pub("prov-1", "res-1", ITEMS, 1, ""));
	h_rule(&h, pub("prov-2", "res-1", ITEMS, 1, ""), "catalog.id_taken");
	h_rule(&h, pub("prov-1", "res-x", "[]", 1, ""), "catalog.items_empty");
	memset(big, 'a', 257);
	big[257] = 0;
	snprintf(items, sizeof items, "[\"ok\",\"%s\"]", big);
	h_rule(&h, pub("prov-1", "res-x", items, 1, ""), "catalog.item_too_long");
	big[256] = 0; /* exactly the limit is fine */
	snprintf(items, sizeof items, "[\"%s\"]", big);
	h_ok(&h, pub("prov-1", "res-256", items, 1, ""));
	h_rule(&h, pub("prov-1", "res-x", ITEMS, 0, ""), "catalog.level_invalid");
	h_rule(&h, pub("prov-1", "res-x", ITEMS, 5, ""), "catalog.level_invalid");
	h_rule(&h, pub("prov-1", "res-x", ITEMS, 3, ",\"source\":\"nobody\""), "catalog.unknown_source");
	h_rule(&h, pub("prov-1", "res-x", ITEMS, 3, ",\"source\":\"prov-1\""), "catalog.source_is_self");
	/* the schema: attribute is an enum, fields are known, source is an id */
	h_err(&h, pub("prov-1", "res-x", ITEMS, 3, ",\"extra\":1"), PDL_EFIELD);
	h_err(&h,
	      "{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"res-x\",\"name\":\"n\","
	      "\"items\":[\"a\"],\"format\":\"csv\",\"update_frequency\":\"daily\",\"usage_conditions\":\"\","
	      "\"level\":1,\"attribute\":\"secret\"}}",
	      PDL_EFIELD);
	h_err(&h,
	      "{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"res-x\",\"name\":\"n\","
	      "\"items\":[\"a\"],\"format\":\"csv\",\"usage_conditions\":\"\",\"level\":1,\"attribute\":\"open\"}}",
	      PDL_EFIELD);
	/* only providers publish */
	h_err(&h, pub("dev-1", "res-x", ITEMS, 1, ""), PDL_EROLE);
	h_err(&h, pub("op-1", "res-x", ITEMS, 1, ""), PDL_EROLE);
	assert_null(h_rec(&h, "res", "res-x"));
	h_close(&h);
}

/* ---- catalog.consent ---- */

static const char *
consent(const char *actor, const char *id)
{
	return h_fmt("{\"type\":\"catalog.consent\",\"actor\":\"%s\",\"body\":{\"resource_id\":\"%s\"}}", actor, id);
}

static void
test_consent(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_party(&h, "dept-1", "operator"); /* the source needs no particular role */
	h_ok(&h, pub("prov-1", "res-s", ITEMS, 2, ",\"source\":\"dept-1\""));
	h_ok(&h, pub("prov-1", "res-n", ITEMS, 2, ""));
	h_rule(&h, consent("dept-1", "res-none"), "catalog.unknown_resource");
	h_rule(&h, consent("dept-1", "res-n"), "catalog.no_source");
	h_rule(&h, consent("prov-1", "res-s"), "catalog.not_source");
	h_rule(&h, consent("src-1", "res-s"), "catalog.not_source");
	h_ok(&h, consent("dept-1", "res-s"));
	json_t *r = h_rec(&h, "res", "res-s");
	assert_true(json_is_true(json_object_get(r, "consented")));
	assert_string_equal(jstr(r, "status"), "listed");
	json_decref(r);
	h_rule(&h, consent("dept-1", "res-s"), "catalog.already_consented");

	h_ok(&h, pub("prov-1", "res-w", ITEMS, 2, ",\"source\":\"dept-1\""));
	h_ok(&h, "{\"type\":\"catalog.withdraw\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"res-w\","
	         "\"reason\":\"superseded\"}}");
	h_rule(&h, consent("dept-1", "res-w"), "catalog.withdrawn");
	h_close(&h);
}

/* ---- catalog.amend ---- */

static const char *
amend(const char *actor, const char *id, const char *fields)
{
	return h_fmt("{\"type\":\"catalog.amend\",\"actor\":\"%s\",\"body\":{\"resource_id\":\"%s\"%s}}", actor, id,
	             fields);
}

static void
test_amend(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	uint64_t seq = h_ok(&h, pub("prov-1", "res-1", ITEMS, 2, ""));
	h_ok(&h, amend("prov-1", "res-1", ",\"name\":\"Licences (all)\",\"level\":3,\"items\":[\"uscc\"]"));
	json_t *r = h_rec(&h, "res", "res-1");
	assert_string_equal(jstr(r, "name"), "Licences (all)");
	assert_int_equal(juint(r, "level"), 3);
	assert_int_equal(json_array_size(json_object_get(r, "items")), 1);
	assert_string_equal(jstr(r, "format"), "csv"); /* untouched fields kept */
	assert_string_equal(jstr(r, "provider"), "prov-1");
	assert_true(json_is_true(json_object_get(r, "consented")));
	assert_int_equal(juint(r, "seq"), seq); /* seq stays the creating entry */
	json_decref(r);

	/* a new source must consent again; naming the same source changes nothing */
	h_ok(&h, amend("prov-1", "res-1", ",\"source\":\"src-1\""));
	r = h_rec(&h, "res", "res-1");
	assert_string_equal(jstr(r, "source"), "src-1");
	assert_true(json_is_false(json_object_get(r, "consented")));
	json_decref(r);
	h_ok(&h, consent("src-1", "res-1"));
	h_ok(&h, amend("prov-1", "res-1", ",\"source\":\"src-1\",\"format\":\"parquet\""));
	r = h_rec(&h, "res", "res-1");
	assert_true(json_is_true(json_object_get(r, "consented")));
	assert_string_equal(jstr(r, "format"), "parquet");
	json_decref(r);
	h_party(&h, "src-2", "provider");
	h_ok(&h, amend("prov-1", "res-1", ",\"source\":\"src-2\""));
	r = h_rec(&h, "res", "res-1");
	assert_string_equal(jstr(r, "source"), "src-2");
	assert_true(json_is_false(json_object_get(r, "consented")));
	json_decref(r);
	h_rule(&h, consent("src-1", "res-1"), "catalog.not_source");
	h_ok(&h, consent("src-2", "res-1"));
	h_close(&h);
}

static void
test_amend_rules(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, pub("prov-1", "res-1", ITEMS, 2, ""));
	h_rule(&h, amend("prov-1", "res-none", ",\"name\":\"x\""), "catalog.unknown_resource");
	h_rule(&h, amend("prov-2", "res-1", ",\"name\":\"x\""), "catalog.not_owner");
	h_rule(&h, amend("prov-1", "res-1", ""), "catalog.nothing_to_amend");
	h_rule(&h, amend("prov-1", "res-1", ",\"items\":[]"), "catalog.items_empty");
	h_rule(&h, amend("prov-1", "res-1", ",\"level\":0"), "catalog.level_invalid");
	h_rule(&h, amend("prov-1", "res-1", ",\"source\":\"ghost\""), "catalog.unknown_source");
	h_rule(&h, amend("prov-1", "res-1", ",\"source\":\"prov-1\""), "catalog.source_is_self");
	h_err(&h, amend("prov-1", "res-1", ",\"provider\":\"prov-2\""), PDL_EFIELD); /* the owner cannot change */
	h_err(&h, amend("dev-1", "res-1", ",\"name\":\"x\""), PDL_EROLE);
	h_ok(&h, "{\"type\":\"catalog.withdraw\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"res-1\","
	         "\"reason\":\"closed\"}}");
	h_rule(&h, amend("prov-1", "res-1", ",\"name\":\"x\""), "catalog.withdrawn");
	h_close(&h);
}

/* ---- catalog.withdraw ---- */

static const char *
withdraw(const char *actor, const char *id)
{
	return h_fmt("{\"type\":\"catalog.withdraw\",\"actor\":\"%s\",\"body\":{\"resource_id\":\"%s\","
	             "\"reason\":\"source system retired\"}}",
	             actor, id);
}

static void
test_withdraw(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, pub("prov-1", "res-1", ITEMS, 2, ""));
	h_rule(&h, withdraw("prov-1", "res-none"), "catalog.unknown_resource");
	h_rule(&h, withdraw("prov-2", "res-1"), "catalog.not_owner");
	h_err(&h, withdraw("dev-1", "res-1"), PDL_EROLE);
	h_err(&h,
	      "{\"type\":\"catalog.withdraw\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"res-1\",\"reason\":\"\"}}",
	      PDL_EFIELD);
	h_ok(&h, withdraw("prov-1", "res-1"));
	json_t *r = h_rec(&h, "res", "res-1");
	assert_string_equal(jstr(r, "status"), "withdrawn");
	assert_string_equal(jstr(r, "reason"), "source system retired");
	assert_string_equal(jstr(r, "name"), "Business licences");
	json_decref(r);
	h_rule(&h, withdraw("prov-1", "res-1"), "catalog.withdrawn");
	/* the id stays taken */
	h_rule(&h, pub("prov-1", "res-1", ITEMS, 2, ""), "catalog.id_taken");
	h_close(&h);
}

/* ---- catalog.request / catalog.decide ---- */

static const char *
request(const char *actor, const char *id, const char *provider, const char *items)
{
	return h_fmt("{\"type\":\"catalog.request\",\"actor\":\"%s\",\"body\":{\"request_id\":\"%s\",\"provider\":"
	             "\"%s\",\"name\":\"Building permits\",\"items\":%s,\"purpose\":\"site selection model\"}}",
	             actor, id, provider, items);
}

static const char *
decide(const char *actor, const char *id, const char *rest)
{
	return h_fmt("{\"type\":\"catalog.decide\",\"actor\":\"%s\",\"body\":{\"request_id\":\"%s\"%s}}", actor, id,
	             rest);
}

static void
test_request(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_time(&h, "2026-10-12T09:30:00");
	uint64_t seq = h_ok(&h, request("op-1", "req-1", "prov-1", "[\"permit_no\",\"holder\"]"));
	json_t *r = h_rec(&h, "catreq", "req-1");
	assert_non_null(r);
	assert_string_equal(jstr(r, "operator"), "op-1");
	assert_string_equal(jstr(r, "provider"), "prov-1");
	assert_string_equal(jstr(r, "name"), "Building permits");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	assert_string_equal(jstr(r, "purpose"), "site selection model");
	assert_string_equal(jstr(r, "status"), "open");
	assert_int_equal(juint(r, "time_ms"), h_ms("2026-10-12T09:30:00"));
	assert_int_equal(juint(r, "seq"), seq);
	assert_null(json_object_get(r, "decided_ms"));
	assert_null(json_object_get(r, "resource_id"));
	json_decref(r);

	h_rule(&h, request("op-1", "req-1", "prov-2", "[\"a\"]"), "catalog.request_id_taken");
	h_rule(&h, request("op-1", "req-2", "nobody", "[\"a\"]"), "catalog.not_a_provider");
	h_rule(&h, request("op-1", "req-2", "dev-1", "[\"a\"]"), "catalog.not_a_provider");
	h_rule(&h, request("op-1", "req-2", "prov-1", "[]"), "catalog.items_empty");
	char items[600], big[400];
	memset(big, 'z', 300);
	big[300] = 0;
	snprintf(items, sizeof items, "[\"%s\"]", big);
	h_rule(&h, request("op-1", "req-2", "prov-1", items), "catalog.item_too_long");
	h_err(&h, request("dev-1", "req-2", "prov-1", "[\"a\"]"), PDL_EROLE);
	h_err(&h, request("prov-2", "req-2", "prov-1", "[\"a\"]"), PDL_EROLE);
	h_close(&h);
}

static void
test_decide_reject(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, request("op-1", "req-1", "prov-1", "[\"permit_no\"]"));
	h_rule(&h, decide("prov-1", "req-none", ",\"decision\":\"reject\",\"reason\":\"no\""),
	       "catalog.unknown_request");
	h_rule(&h, decide("prov-2", "req-1", ",\"decision\":\"reject\",\"reason\":\"no\""), "catalog.not_addressed");
	h_err(&h, decide("op-1", "req-1", ",\"decision\":\"reject\",\"reason\":\"no\""), PDL_EROLE);
	h_err(&h, decide("dev-1", "req-1", ",\"decision\":\"reject\",\"reason\":\"no\""), PDL_EROLE);
	/* DESIGN §5: a rejection without a reason is refused */
	h_rule(&h, decide("prov-1", "req-1", ",\"decision\":\"reject\""), "catalog.reject_needs_reason");
	h_rule(&h, decide("prov-1", "req-1", ",\"decision\":\"reject\",\"reason\":\"\""),
	       "catalog.reject_needs_reason");
	h_err(&h, decide("prov-1", "req-1", ",\"decision\":\"maybe\",\"reason\":\"x\""), PDL_EFIELD);
	h_time(&h, "2026-10-13T15:00:00");
	h_ok(&h, decide("prov-1", "req-1", ",\"decision\":\"reject\",\"reason\":\"contains personal data\""));
	json_t *r = h_rec(&h, "catreq", "req-1");
	assert_string_equal(jstr(r, "status"), "rejected");
	assert_string_equal(jstr(r, "reason"), "contains personal data");
	assert_int_equal(juint(r, "decided_ms"), h_ms("2026-10-13T15:00:00"));
	assert_null(json_object_get(r, "resource_id"));
	json_decref(r);
	h_rule(&h, decide("prov-1", "req-1", ",\"decision\":\"reject\",\"reason\":\"again\""),
	       "catalog.request_closed");
	char rest[4096];
	snprintf(rest, sizeof rest, ",\"decision\":\"approve\",\"resource\":%s", res_body("r", 1, ""));
	h_rule(&h, decide("prov-1", "req-1", rest), "catalog.request_closed");
	h_close(&h);
}

static void
test_decide_approve(void **state)
{
	(void)state;
	struct h h;
	char rest[4096];
	setup(&h);
	h_ok(&h, pub("prov-1", "res-1", ITEMS, 2, ""));
	h_ok(&h, request("op-1", "req-1", "prov-1", "[\"permit_no\",\"holder\"]"));
	h_rule(&h, decide("prov-1", "req-1", ",\"decision\":\"approve\""), "catalog.approve_needs_resource");
	snprintf(rest, sizeof rest, ",\"decision\":\"approve\",\"resource\":%s", res_body("res-1", 1, ""));
	h_rule(&h, decide("prov-1", "req-1", rest), "catalog.id_taken");
	snprintf(rest, sizeof rest, ",\"decision\":\"approve\",\"resource\":%s", res_body("res-p", 9, ""));
	h_rule(&h, decide("prov-1", "req-1", rest), "catalog.level_invalid");
	snprintf(rest, sizeof rest, ",\"decision\":\"approve\",\"resource\":%s",
	         res_body("res-p", 1, ",\"source\":\"prov-1\""));
	h_rule(&h, decide("prov-1", "req-1", rest), "catalog.source_is_self");
	snprintf(rest, sizeof rest, ",\"decision\":\"approve\",\"resource\":%s",
	         res_body("res-p", 1, ",\"source\":\"ghost\""));
	h_rule(&h, decide("prov-1", "req-1", rest), "catalog.unknown_source");
	/* the resource is checked by the publish schema */
	h_err(&h, decide("prov-1", "req-1", ",\"decision\":\"approve\",\"resource\":{\"resource_id\":\"res-p\"}"),
	      PDL_EFIELD);

	h_time(&h, "2026-10-14T11:00:00");
	snprintf(rest, sizeof rest, ",\"decision\":\"approve\",\"resource\":%s",
	         res_body("res-p", 3, ",\"source\":\"src-1\""));
	uint64_t seq = h_ok(&h, decide("prov-1", "req-1", rest));
	assert_string_equal(h_out_str(&h, "resource_id"), "res-p");
	json_t *r = h_rec(&h, "catreq", "req-1");
	assert_string_equal(jstr(r, "status"), "approved");
	assert_string_equal(jstr(r, "resource_id"), "res-p");
	assert_int_equal(juint(r, "decided_ms"), h_ms("2026-10-14T11:00:00"));
	assert_null(json_object_get(r, "reason"));
	json_decref(r);
	/* listed exactly as catalog.publish would, owned by the deciding provider */
	r = h_rec(&h, "res", "res-p");
	assert_non_null(r);
	assert_string_equal(jstr(r, "provider"), "prov-1");
	assert_string_equal(jstr(r, "name"), "Permits");
	assert_int_equal(json_array_size(json_object_get(r, "items")), 2);
	assert_string_equal(jstr(r, "format"), "json");
	assert_string_equal(jstr(r, "update_frequency"), "weekly");
	assert_string_equal(jstr(r, "usage_conditions"), "");
	assert_int_equal(juint(r, "level"), 3);
	assert_string_equal(jstr(r, "attribute"), "open");
	assert_string_equal(jstr(r, "source"), "src-1");
	assert_true(json_is_false(json_object_get(r, "consented")));
	assert_string_equal(jstr(r, "status"), "listed");
	assert_int_equal(juint(r, "seq"), seq);
	json_decref(r);
	/* and it behaves as any listed resource */
	h_ok(&h, consent("src-1", "res-p"));
	h_ok(&h, amend("prov-1", "res-p", ",\"level\":2"));
	h_rule(&h, amend("prov-2", "res-p", ",\"level\":2"), "catalog.not_owner");
	snprintf(rest, sizeof rest, ",\"decision\":\"approve\",\"resource\":%s", res_body("res-q", 1, ""));
	h_rule(&h, decide("prov-1", "req-1", rest), "catalog.request_closed");
	h_close(&h);
}

/* pdl_resource_check decides "listed" for the other families. */
static void
test_resource_check(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, pub("prov-1", "res-1", ITEMS, 2, ""));
	h_ok(&h, pub("prov-1", "res-2", ITEMS, 2, ""));
	h_ok(&h, withdraw("prov-1", "res-2"));

	MDB_txn *t;
	struct pdl_ctx c;
	struct pdl_status st;
	struct mp_cur rec;
	struct pdl_str prov;
	memset(&c, 0, sizeof c);
	memset(&st, 0, sizeof st);
	assert_int_equal(pdl_store_rtxn(&h.s, &t), PDL_OK);
	c.s = &h.s;
	c.txn = t;
	c.info = &h.e.info;
	c.st = &st;
	assert_int_equal(pdl_resource_check(&c, pdl_cstr("res-1"), &rec), PDL_OK);
	assert_int_equal(pdl_rec_str(rec, "provider", &prov), PDL_OK);
	assert_true(pdl_str_eq(prov, pdl_cstr("prov-1")));
	assert_int_equal(pdl_resource_check(&c, pdl_cstr("res-1"), NULL), PDL_OK);
	assert_int_equal(pdl_resource_check(&c, pdl_cstr("res-2"), &rec), PDL_ERULE);
	assert_string_equal(st.rule, "catalog.withdrawn");
	assert_int_equal(pdl_resource_check(&c, pdl_cstr("res-3"), NULL), PDL_ERULE);
	assert_string_equal(st.rule, "catalog.unknown_resource");
	pdl_store_rdone(&h.s, t);
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish),       cmocka_unit_test(test_publish_rules),
		cmocka_unit_test(test_consent),       cmocka_unit_test(test_amend),
		cmocka_unit_test(test_amend_rules),   cmocka_unit_test(test_withdraw),
		cmocka_unit_test(test_request),       cmocka_unit_test(test_decide_reject),
		cmocka_unit_test(test_decide_approve), cmocka_unit_test(test_resource_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
