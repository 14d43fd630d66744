/* test_fam_product.c — product.submit → review → file → release, withdraw,
 * reprice: every rule id of fam_product.c, the cross-family checks it
 * relies on (grant, developer admission, catalog, price caps, product
 * registration), records and roles, under the Wuhan and Ezhou reviewers. */
#include "harness.h"

/* A ledger with two grants:
 *   g-1 (operator op-1, resources res-1 res-2, fee cap 100000 fen):
 *       dev-1 admitted (independent), dev-2 and op-1 itself admitted as controlled;
 *   g-2 (operator op-2, resource res-1, fee cap 500 fen): dev-1 and dev-2 admitted (independent).
 * res-3 is listed but in neither grant. */
static void
publish(struct h *h, const char *id)
{
	h_ok(h, h_fmt("{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"%s\",\"name\":"
	              "\"Resource %s\",\"items\":[\"a\",\"b\"],\"format\":\"csv\",\"update_frequency\":\"daily\","
	              "\"usage_conditions\":\"authorized use only\",\"level\":2,\"attribute\":\"authorized\"}}",
	              id, id));
}

static void
issue(struct h *h, const char *id, const char *op, const char *resources, unsigned long long cap)
{
	h_agreement(h);
	h_ok(h, h_fmt("{\"type\":\"grant.issue\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"%s\",\"operator\":"
	              "\"%s\",\"mode\":\"domain\",\"resources\":%s,\"scope\":\"transport\",\"start\":\"2026-10-01\","
	              "\"end\":\"2028-09-30\",\"exclusive\":false,\"split_bp\":{\"providers\":4000,\"operator\":3000,"
	              "\"developer\":2000,\"authority\":1000},\"fee_cap_fen\":%llu,\"agreement\":\"ev-agreement\"}}",
	              id, op, resources, cap));
}

static uint64_t
admit(struct h *h, const char *op, const char *grant, const char *dev, int controlled)
{
	return h_ok(h, h_fmt("{\"type\":\"developer.admit\",\"actor\":\"%s\",\"body\":{\"grant_id\":\"%s\","
	                     "\"developer\":\"%s\",\"controlled\":%s}}",
	                     op, grant, dev, controlled ? "true" : "false"));
}

static void
setup(struct h *h)
{
	h_open(h);
	h_party(h, "prov-1", "provider");
	h_party(h, "op-1", "operator,developer");
	h_party(h, "op-2", "operator,developer");
	h_party(h, "dev-1", "developer");
	h_party(h, "dev-2", "developer");
	publish(h, "res-1");
	publish(h, "res-2");
	publish(h, "res-3");
	issue(h, "g-1", "op-1", "[\"res-1\",\"res-2\"]", 100000);
	issue(h, "g-2", "op-2", "[\"res-1\"]", 500);
	admit(h, "op-1", "g-1", "dev-1", 0);
	admit(h, "op-1", "g-1", "dev-2", 1);
	admit(h, "op-1", "g-1", "op-1", 1);
	admit(h, "op-2", "g-2", "dev-1", 0);
	admit(h, "op-2", "g-2", "dev-2", 0);
	h_time(h, "2026-10-12T09:00:00");
}

/* A product.submit act (resources and products are JSON arrays). */
static const char *
submit(const char *actor, const char *id, const char *grant, const char *resources, const char *products,
       const char *category, unsigned long long price)
{
	return h_fmt("{\"type\":\"product.submit\",\"actor\":\"%s\",\"body\":{\"product_id\":\"%s\",\"grant_id\":\"%s\","
	             "\"name\":\"Product %s\",\"inputs\":{\"resources\":%s,\"products\":%s},\"category\":\"%s\","
	             "\"price_fen\":%llu,\"unit\":\"per_call\"}}",
	             actor, id, grant, id, resources, products, category, price);
}

static const char *
review(const char *actor, const char *id, const char *outcome)
{
	return h_fmt("{\"type\":\"product.review\",\"actor\":\"%s\",\"body\":{\"product_id\":\"%s\",\"outcome\":\"%s\","
	             "\"notes\":\"checked for out-of-domain compliance\"}}",
	             actor, id, outcome);
}

static const char *
act1(const char *type, const char *actor, const char *id)
{
	return h_fmt("{\"type\":\"%s\",\"actor\":\"%s\",\"body\":{\"product_id\":\"%s\"}}", type, actor, id);
}

static const char *
withdraw(const char *actor, const char *id)
{
	return h_fmt("{\"type\":\"product.withdraw\",\"actor\":\"%s\",\"body\":{\"product_id\":\"%s\",\"reason\":"
	             "\"superseded\"}}",
	             actor, id);
}

/* Submits, passes, files and releases a product. */
static void
deliver(struct h *h, const char *dev, const char *op, const char *id, const char *grant, const char *resources,
        const char *products)
{
	h_ok(h, submit(dev, id, grant, resources, products, "industry", 100));
	h_ok(h, review(op, id, "pass"));
	h_ok(h, act1("product.file", "authority", id));
	h_ok(h, act1("product.release", op, id));
}

static const char *
rec_s(json_t *r, const char *k)
{
	const char *s = json_string_value(json_object_get(r, k));
	return s ? s : "";
}

static void
test_lifecycle(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	uint64_t seq = h_ok(&h, submit("dev-1", "p-1", "g-1", "[\"res-1\",\"res-2\"]", "[]", "industry", 100000));
	json_t *r = h_rec(&h, "prod", "p-1");
	assert_non_null(r);
	assert_string_equal(rec_s(r, "developer"), "dev-1");
	assert_string_equal(rec_s(r, "grant_id"), "g-1");
	assert_string_equal(rec_s(r, "operator"), "op-1");
	assert_string_equal(rec_s(r, "name"), "Product p-1");
	assert_string_equal(rec_s(r, "category"), "industry");
	assert_string_equal(rec_s(r, "unit"), "per_call");
	assert_string_equal(rec_s(r, "status"), "submitted");
	assert_int_equal(json_integer_value(json_object_get(r, "price_fen")), 100000); /* price == cap is allowed */
	assert_true(json_is_false(json_object_get(r, "filed")));
	assert_int_equal(json_integer_value(json_object_get(r, "seq")), seq);
	json_t *in = json_object_get(r, "inputs");
	assert_int_equal(json_array_size(json_object_get(in, "resources")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(in, "resources"), 1)), "res-2");
	assert_int_equal(json_array_size(json_object_get(in, "products")), 0);
	json_decref(r);
	r = h_rec(&h, "gprod", "g-1/p-1");
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(r, "seq")), seq);
	json_decref(r);

	h_ok(&h, review("op-1", "p-1", "pass"));
	r = h_rec(&h, "prod", "p-1");
	assert_string_equal(rec_s(r, "status"), "passed");
	assert_string_equal(rec_s(r, "notes"), "checked for out-of-domain compliance");
	json_decref(r);

	h_ok(&h, act1("product.file", "authority", "p-1"));
	r = h_rec(&h, "prod", "p-1");
	assert_true(json_is_true(json_object_get(r, "filed")));
	assert_string_equal(rec_s(r, "status"), "passed");
	json_decref(r);

	uint64_t rel = h_ok(&h, act1("product.release", "op-1", "p-1"));
	assert_int_equal(json_object_size(h.outcome), 0);
	r = h_rec(&h, "prod", "p-1");
	assert_string_equal(rec_s(r, "status"), "released");
	assert_int_equal(json_integer_value(json_object_get(r, "released_seq")), rel);
	json_decref(r);

	h_ok(&h, withdraw("dev-1", "p-1"));
	r = h_rec(&h, "prod", "p-1");
	assert_string_equal(rec_s(r, "status"), "withdrawn");
	assert_string_equal(rec_s(r, "reason"), "superseded");
	assert_int_equal(json_integer_value(json_object_get(r, "released_seq")), rel);
	json_decref(r);
	h_close(&h);
}

static void
test_submit_variants(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	/* public welfare at 0; a product built only on another product; the operator on its own grant
	 * with no delivered input */
	h_ok(&h, submit("dev-1", "p-w", "g-1", "[\"res-1\"]", "[]", "public_welfare", 0));
	h_ok(&h, submit("dev-2", "p-d", "g-1", "[]", "[\"p-w\"]", "industry", 1));
	h_ok(&h, submit("op-1", "p-o", "g-1", "[\"res-2\"]", "[\"p-w\"]", "industry", 1));
	json_t *r = h_rec(&h, "prod", "p-o");
	assert_string_equal(rec_s(r, "developer"), "op-1");
	assert_string_equal(rec_s(r, "operator"), "op-1");
	json_decref(r);
	/* a failed review ends the way to release */
	h_ok(&h, review("op-1", "p-d", "fail"));
	r = h_rec(&h, "prod", "p-d");
	assert_string_equal(rec_s(r, "status"), "failed");
	json_decref(r);
	h_rule(&h, act1("product.file", "authority", "p-d"), "product.not_passed");
	h_rule(&h, act1("product.release", "op-1", "p-d"), "product.release_needs_pass_and_filing");
	/* the operator may withdraw it */
	h_ok(&h, withdraw("op-1", "p-d"));
	h_close(&h);
}

static void
test_submit_rules(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, submit("dev-1", "p-1", "g-1", "[\"res-1\"]", "[]", "industry", 10));
	h_rule(&h, submit("dev-2", "p-1", "g-1", "[\"res-1\"]", "[]", "industry", 10), "product.id_taken");
	h_rule(&h, submit("dev-1", "p-2", "g-x", "[\"res-1\"]", "[]", "industry", 10), "grant.unknown");
	h_rule(&h, submit("op-2", "p-2", "g-1", "[\"res-1\"]", "[]", "industry", 10), "developer.not_admitted");
	h_rule(&h, submit("dev-1", "p-2", "g-1", "[]", "[]", "industry", 10), "product.no_inputs");
	h_rule(&h, submit("dev-1", "p-2", "g-1", "[\"res-1\",\"res-2\",\"res-1\"]", "[]", "industry", 10),
	       "product.duplicate_input");
	h_rule(&h, submit("dev-1", "p-2", "g-1", "[]", "[\"p-1\",\"p-1\"]", "industry", 10), "product.duplicate_input");
	h_rule(&h, submit("dev-1", "p-2", "g-1", "[\"res-x\"]", "[]", "industry", 10), "catalog.unknown_resource");
	h_rule(&h, submit("dev-1", "p-2", "g-1", "[\"res-1\",\"res-3\"]", "[]", "industry", 10),
	       "product.resource_not_in_grant");
	h_rule(&h, submit("dev-1", "p-2", "g-2", "[\"res-2\"]", "[]", "industry", 10), "product.resource_not_in_grant");
	h_rule(&h, submit("dev-1", "p-2", "g-1", "[\"res-1\"]", "[\"p-1\",\"p-none\"]", "industry", 10),
	       "product.unknown_input");
	h_rule(&h, submit("dev-1", "p-2", "g-1", "[\"res-1\"]", "[]", "public_welfare", 1),
	       "product.welfare_price_not_zero");
	h_rule(&h, submit("dev-1", "p-2", "g-2", "[\"res-1\"]", "[]", "industry", 501), "product.price_over_cap");
	h_ok(&h, submit("dev-1", "p-2", "g-2", "[\"res-1\"]", "[]", "industry", 500));
	/* schema: inputs needs both arrays, unit from the list */
	h_err(&h, "{\"type\":\"product.submit\",\"actor\":\"dev-1\",\"body\":{\"product_id\":\"p-3\",\"grant_id\":\"g-1\","
	          "\"name\":\"x\",\"inputs\":{\"resources\":[\"res-1\"]},\"category\":\"industry\",\"price_fen\":1,"
	          "\"unit\":\"per_call\"}}",
	      PDL_EFIELD);
	h_err(&h, "{\"type\":\"product.submit\",\"actor\":\"dev-1\",\"body\":{\"product_id\":\"p-3\",\"grant_id\":\"g-1\","
	          "\"name\":\"x\",\"inputs\":{\"resources\":[\"res-1\"],\"products\":[]},\"category\":\"industry\","
	          "\"price_fen\":1,\"unit\":\"per_year\"}}",
	      PDL_EFIELD);
	/* a withdrawn resource and a removed developer */
	h_ok(&h, "{\"type\":\"catalog.withdraw\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"res-2\",\"reason\":\"stale\"}}");
	h_rule(&h, submit("dev-1", "p-3", "g-1", "[\"res-2\"]", "[]", "industry", 10), "catalog.withdrawn");
	h_ok(&h, "{\"type\":\"developer.remove\",\"actor\":\"op-1\",\"body\":{\"grant_id\":\"g-1\",\"developer\":\"dev-1\","
	         "\"reason\":\"contract ended\"}}");
	h_rule(&h, submit("dev-1", "p-3", "g-1", "[\"res-1\"]", "[]", "industry", 10), "developer.not_admitted");
	h_close(&h);
}

static void
test_grant_closed(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, submit("dev-1", "p-1", "g-1", "[\"res-1\"]", "[]", "industry", 10));
	h_ok(&h, submit("dev-1", "p-2", "g-1", "[\"res-1\"]", "[]", "industry", 10));
	h_ok(&h, review("op-1", "p-2", "pass"));
	h_ok(&h, act1("product.file", "authority", "p-2"));
	h_ok(&h, "{\"type\":\"grant.suspend\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g-1\",\"reason\":\"audit\"}}");
	h_rule(&h, submit("dev-1", "p-3", "g-1", "[\"res-1\"]", "[]", "industry", 10), "grant.suspended");
	h_rule(&h, review("op-1", "p-1", "pass"), "grant.suspended");
	h_rule(&h, act1("product.release", "op-1", "p-2"), "grant.suspended");
	h_ok(&h, "{\"type\":\"grant.terminate\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g-1\",\"reason\":"
	         "\"breach\",\"note\":\"data leaked\"}}");
	h_rule(&h, submit("dev-1", "p-3", "g-1", "[\"res-1\"]", "[]", "industry", 10), "grant.terminated");
	h_rule(&h, review("op-1", "p-1", "pass"), "grant.terminated");
	h_rule(&h, act1("product.release", "op-1", "p-2"), "grant.terminated");
	/* withdrawing needs no permission */
	h_ok(&h, withdraw("op-1", "p-2"));
	h_ok(&h, withdraw("dev-1", "p-1"));
	h_close(&h);
}

static void
test_redevelopment(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	/* p-1 under g-1 (op-1) not yet delivered: anyone admitted may build on it */
	h_ok(&h, submit("dev-1", "p-1", "g-1", "[\"res-1\"]", "[]", "industry", 10));
	h_ok(&h, submit("dev-2", "p-a", "g-1", "[]", "[\"p-1\"]", "industry", 10));
	h_ok(&h, review("op-1", "p-1", "pass"));
	h_ok(&h, act1("product.file", "authority", "p-1"));
	h_ok(&h, act1("product.release", "op-1", "p-1"));
	/* once delivered: not op-1 itself, not a party it controls */
	h_rule(&h, submit("op-1", "p-b", "g-1", "[]", "[\"p-1\"]", "industry", 10), "product.operator_redevelops_delivered");
	h_rule(&h, submit("dev-2", "p-b", "g-1", "[\"res-2\"]", "[\"p-a\",\"p-1\"]", "industry", 10),
	       "product.operator_redevelops_delivered");
	/* an independent developer may */
	h_ok(&h, submit("dev-1", "p-b", "g-1", "[]", "[\"p-1\"]", "industry", 10));
	/* a product delivered under another operator's grant is fair game for op-1's controlled developer */
	deliver(&h, "dev-1", "op-2", "p-2", "g-2", "[\"res-1\"]", "[]");
	h_ok(&h, submit("dev-2", "p-c", "g-1", "[]", "[\"p-2\"]", "industry", 10));
	h_ok(&h, submit("op-1", "p-e", "g-1", "[]", "[\"p-2\"]", "industry", 10));
	/* dev-2 was admitted to g-2 as independent of op-2: it may build on op-2's delivered p-2 */
	h_ok(&h, submit("dev-2", "p-f", "g-2", "[]", "[\"p-2\"]", "industry", 10));
	/* delivered stays delivered after a withdrawal */
	h_ok(&h, withdraw("op-1", "p-1"));
	h_rule(&h, submit("dev-2", "p-g", "g-1", "[]", "[\"p-1\"]", "industry", 10),
	       "product.operator_redevelops_delivered");
	/* a grant of op-1 other than the one the input was delivered under counts too */
	issue(&h, "g-3", "op-1", "[\"res-2\"]", 1000);
	admit(&h, "op-1", "g-3", "dev-2", 1);
	h_rule(&h, submit("dev-2", "p-g", "g-3", "[]", "[\"p-1\"]", "industry", 10),
	       "product.operator_redevelops_delivered");
	h_close(&h);
}

static void
test_review_file_release_rules(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, submit("dev-1", "p-1", "g-1", "[\"res-1\"]", "[]", "industry", 10));
	h_rule(&h, review("op-1", "p-x", "pass"), "product.unknown");
	h_rule(&h, review("op-2", "p-1", "pass"), "product.not_operator");
	h_rule(&h, act1("product.file", "authority", "p-x"), "product.unknown");
	h_rule(&h, act1("product.file", "authority", "p-1"), "product.not_passed");
	h_rule(&h, act1("product.release", "op-1", "p-x"), "product.unknown");
	h_rule(&h, act1("product.release", "op-2", "p-1"), "product.not_operator");
	h_rule(&h, act1("product.release", "op-1", "p-1"), "product.release_needs_pass_and_filing");
	h_ok(&h, review("op-1", "p-1", "pass"));
	h_rule(&h, review("op-1", "p-1", "fail"), "product.bad_state");
	h_rule(&h, act1("product.release", "op-1", "p-1"), "product.release_needs_pass_and_filing");
	h_ok(&h, act1("product.file", "authority", "p-1"));
	h_rule(&h, act1("product.file", "authority", "p-1"), "product.already_filed");
	h_ok(&h, act1("product.release", "op-1", "p-1"));
	h_rule(&h, act1("product.release", "op-1", "p-1"), "product.release_needs_pass_and_filing");
	h_rule(&h, review("op-1", "p-1", "pass"), "product.bad_state");
	/* withdrawn before filing: no filing any more */
	h_ok(&h, submit("dev-1", "p-2", "g-1", "[\"res-1\"]", "[]", "industry", 10));
	h_ok(&h, review("op-1", "p-2", "pass"));
	h_ok(&h, withdraw("dev-1", "p-2"));
	h_rule(&h, act1("product.file", "authority", "p-2"), "product.not_passed");
	h_close(&h);
}

static void
test_withdraw_rules(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, submit("dev-1", "p-1", "g-1", "[\"res-1\"]", "[]", "industry", 10));
	h_rule(&h, withdraw("dev-1", "p-x"), "product.unknown");
	h_rule(&h, withdraw("dev-2", "p-1"), "product.not_permitted");
	h_rule(&h, withdraw("op-2", "p-1"), "product.not_permitted");
	h_ok(&h, withdraw("op-1", "p-1"));
	h_rule(&h, withdraw("dev-1", "p-1"), "product.bad_state");
	h_rule(&h, review("op-1", "p-1", "pass"), "product.bad_state");
	h_close(&h);
}

static void
test_roles(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_err(&h, submit("prov-1", "p-1", "g-1", "[\"res-1\"]", "[]", "industry", 10), PDL_EROLE);
	h_ok(&h, submit("dev-1", "p-1", "g-1", "[\"res-1\"]", "[]", "industry", 10));
	h_err(&h, review("dev-1", "p-1", "pass"), PDL_EROLE);
	/* under the default policy (product_reviewer: operator) an authority is not the reviewer */
	h_rule(&h, review("authority", "p-1", "pass"), "product.not_operator");
	h_ok(&h, review("op-1", "p-1", "pass"));
	h_err(&h, act1("product.file", "op-1", "p-1"), PDL_EROLE);
	h_err(&h, act1("product.file", "dev-1", "p-1"), PDL_EROLE);
	h_ok(&h, act1("product.file", "authority", "p-1"));
	h_err(&h, act1("product.release", "dev-1", "p-1"), PDL_EROLE);
	h_err(&h, act1("product.release", "authority", "p-1"), PDL_EROLE);
	h_err(&h, withdraw("prov-1", "p-1"), PDL_EROLE);
	h_err(&h, withdraw("authority", "p-1"), PDL_EROLE);
	h_close(&h);
}

static const char *
submit_unit(const char *actor, const char *id, const char *grant, const char *unit, unsigned long long price)
{
	return h_fmt("{\"type\":\"product.submit\",\"actor\":\"%s\",\"body\":{\"product_id\":\"%s\",\"grant_id\":\"%s\","
	             "\"name\":\"Product %s\",\"inputs\":{\"resources\":[\"res-1\"],\"products\":[]},\"category\":"
	             "\"industry\",\"price_fen\":%llu,\"unit\":\"%s\"}}",
	             actor, id, grant, id, price, unit);
}

static const char *
reprice(const char *actor, const char *id, unsigned long long price)
{
	return h_fmt("{\"type\":\"product.reprice\",\"actor\":\"%s\",\"body\":{\"product_id\":\"%s\",\"price_fen\":"
	             "%llu,\"reason\":\"new tariff\"}}",
	             actor, id, price);
}

/* 发改价格〔2025〕65号: the year's cap per unit replaces the grant's fee cap
 * for the units it names. */
static void
test_caps_per_unit(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, "{\"type\":\"pricing.set_caps\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g-1\",\"year\":2026,"
	         "\"caps\":[{\"unit\":\"per_call\",\"cap_fen\":50},{\"unit\":\"per_month\",\"cap_fen\":300000}],"
	         "\"allowed_revenue_fen\":1000000,\"trial_tariff\":true}}");
	h_rule(&h, submit_unit("dev-1", "p-1", "g-1", "per_call", 51), "product.price_over_cap");
	h_ok(&h, submit_unit("dev-1", "p-1", "g-1", "per_call", 50));
	/* over the grant's fee cap of 100000, within the year's cap for the unit */
	h_ok(&h, submit_unit("dev-1", "p-2", "g-1", "per_month", 300000));
	h_rule(&h, submit_unit("dev-1", "p-3", "g-1", "per_month", 300001), "product.price_over_cap");
	/* a unit the caps do not name keeps the grant's fee cap */
	h_rule(&h, submit_unit("dev-1", "p-3", "g-1", "per_record", 100001), "product.price_over_cap");
	h_ok(&h, submit_unit("dev-1", "p-3", "g-1", "per_record", 100000));
	/* g-2 has no caps: its fee cap of 500 */
	h_rule(&h, submit_unit("dev-1", "p-4", "g-2", "per_call", 501), "product.price_over_cap");
	/* the caps are the current year's */
	h_ok(&h, "{\"type\":\"pricing.set_caps\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g-1\",\"year\":2027,"
	         "\"caps\":[{\"unit\":\"per_call\",\"cap_fen\":10}],\"allowed_revenue_fen\":1000000,\"trial_tariff\":true}}");
	h_ok(&h, submit_unit("dev-1", "p-5", "g-1", "per_call", 40));
	h_time(&h, "2027-01-04T09:00:00");
	h_rule(&h, submit_unit("dev-1", "p-6", "g-1", "per_call", 40), "product.price_over_cap");
	h_ok(&h, submit_unit("dev-1", "p-6", "g-1", "per_call", 10));
	h_close(&h);
}

static void
test_reprice(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, submit_unit("dev-1", "p-1", "g-1", "per_call", 100));
	h_ok(&h, submit("dev-1", "p-w", "g-1", "[\"res-1\"]", "[]", "public_welfare", 0));
	h_err(&h, reprice("dev-1", "p-1", 90), PDL_EROLE);
	h_rule(&h, reprice("op-1", "p-9", 90), "product.unknown");
	h_rule(&h, reprice("op-2", "p-1", 90), "product.not_operator");
	h_rule(&h, reprice("op-1", "p-1", 100), "product.price_unchanged");
	h_rule(&h, reprice("op-1", "p-1", 100001), "product.price_over_cap");
	h_rule(&h, reprice("op-1", "p-w", 1), "product.welfare_price_not_zero");
	uint64_t seq = h_ok(&h, reprice("op-1", "p-1", 80));
	(void)seq;
	json_t *r = h_rec(&h, "prod", "p-1");
	assert_int_equal((uint64_t)json_integer_value(json_object_get(r, "price_fen")), 80);
	assert_int_equal((uint64_t)json_integer_value(json_object_get(r, "reprices")), 1);
	assert_string_equal(rec_s(r, "reprice_reason"), "new tariff");
	json_decref(r);
	/* a lowered cap applies to the next price change */
	h_ok(&h, "{\"type\":\"pricing.set_caps\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g-1\",\"year\":2026,"
	         "\"caps\":[{\"unit\":\"per_call\",\"cap_fen\":60}],\"allowed_revenue_fen\":0,\"trial_tariff\":false}}");
	h_rule(&h, reprice("op-1", "p-1", 70), "product.price_over_cap");
	h_ok(&h, reprice("op-1", "p-1", 60));
	/* not after a failed review or a withdrawal, nor on a closed grant */
	h_ok(&h, withdraw("dev-1", "p-1"));
	h_rule(&h, reprice("op-1", "p-1", 50), "product.bad_state");
	h_ok(&h, submit_unit("dev-1", "p-2", "g-2", "per_call", 100));
	h_ok(&h, "{\"type\":\"grant.terminate\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g-2\",\"reason\":"
	         "\"breach\",\"note\":\"\"}}");
	h_rule(&h, reprice("op-2", "p-2", 50), "grant.terminated");
	h_close(&h);
}

/* The Ezhou process (002 §10–11): the authority organizes the review, and a
 * product is registered before its release. */
static void
test_ezhou_review_and_registration(void **state)
{
	(void)state;
	struct h h;
	h_open_policy(&h, H_POLICY_EZHOU);
	h_party(&h, "reg-1", "registrar");
	h_party(&h, "prov-1", "provider");
	h_party(&h, "op-1", "operator");
	h_party(&h, "dev-1", "developer");
	h_party(&h, "auth-2", "authority");
	publish(&h, "res-1");
	h_register(&h, "reg-1", "prov-1", "a-res-1", "R", "res-1");
	h_agreement(&h);
	h_ok(&h, "{\"type\":\"grant.issue\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g-1\",\"operator\":"
	         "\"op-1\",\"mode\":\"scenario\",\"resources\":[\"res-1\"],\"scope\":\"s\",\"start\":\"2026-10-01\","
	         "\"end\":\"2031-09-30\",\"exclusive\":false,\"split_bp\":{\"providers\":4000,\"operator\":3000,"
	         "\"developer\":2000,\"authority\":1000},\"fee_cap_fen\":100000,\"agreement\":\"ev-agreement\"}}");
	admit(&h, "op-1", "g-1", "dev-1", 0);
	h_ok(&h, submit_unit("dev-1", "p-1", "g-1", "per_call", 100));
	h_rule(&h, review("op-1", "p-1", "pass"), "product.not_reviewer");
	h_err(&h, review("dev-1", "p-1", "pass"), PDL_EROLE);
	/* any authority organizes it */
	h_ok(&h, review("auth-2", "p-1", "pass"));
	json_t *r = h_rec(&h, "prod", "p-1");
	assert_string_equal(rec_s(r, "reviewer"), "auth-2");
	json_decref(r);
	h_ok(&h, act1("product.file", "authority", "p-1"));
	h_rule(&h, act1("product.release", "op-1", "p-1"), "product.not_registered");
	/* under notice is not yet registered */
	h_deposit(&h, "dev-1", "ev-p-1");
	h_ok(&h, "{\"type\":\"registration.apply\",\"actor\":\"dev-1\",\"body\":{\"application_id\":\"a-p-1\","
	         "\"kind\":\"P\",\"subject\":\"p-1\",\"name\":\"P\",\"summary\":\"s\",\"evidence\":[\"ev-p-1\"]}}");
	h_rule(&h, act1("product.release", "op-1", "p-1"), "product.not_registered");
	h_ok(&h, "{\"type\":\"registration.reject\",\"actor\":\"reg-1\",\"body\":{\"application_id\":\"a-p-1\","
	         "\"reason\":\"resubmit\"}}");
	h_register(&h, "reg-1", "dev-1", "a-p-1b", "P", "p-1");
	h_ok(&h, act1("product.release", "op-1", "p-1"));
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_submit_variants),
		cmocka_unit_test(test_submit_rules),
		cmocka_unit_test(test_grant_closed),
		cmocka_unit_test(test_redevelopment),
		cmocka_unit_test(test_review_file_release_rules),
		cmocka_unit_test(test_withdraw_rules),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_caps_per_unit),
		cmocka_unit_test(test_reprice),
		cmocka_unit_test(test_ezhou_review_and_registration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
