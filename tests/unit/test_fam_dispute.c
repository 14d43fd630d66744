/* test_fam_dispute.c — dispute.file on each kind of decision, dispute.decide,
 * every rule id of fam_dispute.c, records and roles. */
#include "harness.h"

static const char *
rec_s(json_t *r, const char *k)
{
	const char *s = json_string_value(json_object_get(r, k));
	return s ? s : "";
}

static uint64_t
rec_u(json_t *r, const char *k)
{
	return (uint64_t)json_integer_value(json_object_get(r, k));
}

/* The seqs of the decisions the tests dispute. */
struct seqs {
	uint64_t publish, admit, remove, review, approve, reject, assess;
};

/* A grant g-1 of op-1 on res-1 with dev-1 and dev-2 admitted, a product
 * review and call decisions, so every kind of decision is in the log. */
static void
setup(struct h *h, struct seqs *s)
{
	h_open(h);
	h_party(h, "prov-1", "provider");
	h_party(h, "op-1", "operator");
	h_party(h, "dev-1", "developer");
	h_party(h, "dev-2", "developer");
	h_party(h, "aud-1", "auditor");
	s->publish = h_ok(h, "{\"type\":\"catalog.publish\",\"actor\":\"prov-1\",\"body\":{\"resource_id\":\"res-1\","
	                     "\"name\":\"Bus GPS\",\"items\":[\"line\",\"position\"],\"format\":\"csv\","
	                     "\"update_frequency\":\"hourly\",\"usage_conditions\":\"authorized use only\",\"level\":2,"
	                     "\"attribute\":\"authorized\"}}");
	h_agreement(h);
	h_ok(h, "{\"type\":\"grant.issue\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g-1\",\"operator\":\"op-1\","
	        "\"mode\":\"domain\",\"resources\":[\"res-1\"],\"scope\":\"transport\",\"start\":\"2026-10-01\","
	        "\"end\":\"2028-09-30\",\"exclusive\":false,\"split_bp\":{\"providers\":4000,\"operator\":3000,"
	        "\"developer\":2000,\"authority\":1000},\"fee_cap_fen\":100000,\"agreement\":\"ev-agreement\"}}");
	s->admit = h_ok(h, "{\"type\":\"developer.admit\",\"actor\":\"op-1\",\"body\":{\"grant_id\":\"g-1\",\"developer\":"
	                   "\"dev-1\",\"controlled\":false}}");
	h_ok(h, "{\"type\":\"developer.admit\",\"actor\":\"op-1\",\"body\":{\"grant_id\":\"g-1\",\"developer\":\"dev-2\","
	        "\"controlled\":false}}");
	h_ok(h, "{\"type\":\"product.submit\",\"actor\":\"dev-1\",\"body\":{\"product_id\":\"p-1\",\"grant_id\":\"g-1\","
	        "\"name\":\"Bus ETA\",\"inputs\":{\"resources\":[\"res-1\"],\"products\":[]},\"category\":\"industry\","
	        "\"price_fen\":100,\"unit\":\"per_call\"}}");
	s->review = h_ok(h, "{\"type\":\"product.review\",\"actor\":\"op-1\",\"body\":{\"product_id\":\"p-1\",\"outcome\":"
	                    "\"fail\",\"notes\":\"personal data leaves the domain\"}}");
	h_ok(h, "{\"type\":\"call.request\",\"actor\":\"dev-1\",\"body\":{\"call_id\":\"c-1\",\"grant_id\":\"g-1\","
	        "\"resources\":[\"res-1\"],\"purpose\":\"ETA model\"}}");
	s->approve = h_ok(h, "{\"type\":\"call.approve\",\"actor\":\"op-1\",\"body\":{\"call_id\":\"c-1\"}}");
	h_ok(h, "{\"type\":\"call.request\",\"actor\":\"dev-1\",\"body\":{\"call_id\":\"c-2\",\"grant_id\":\"g-1\","
	        "\"resources\":[\"res-1\"],\"purpose\":\"ticketing\"}}");
	s->reject = h_ok(h, "{\"type\":\"call.reject\",\"actor\":\"op-1\",\"body\":{\"call_id\":\"c-2\",\"reason\":"
	                    "\"purpose unclear\"}}");
	h_ok(h, "{\"type\":\"call.request\",\"actor\":\"dev-1\",\"body\":{\"call_id\":\"c-3\",\"grant_id\":\"g-1\","
	        "\"resources\":[\"res-1\"],\"purpose\":\"crowd tracking\"}}");
	h_ok(h, "{\"type\":\"call.escalate\",\"actor\":\"op-1\",\"body\":{\"call_id\":\"c-3\",\"risk\":\"privacy\","
	        "\"note\":\"individual tracking\"}}");
	s->assess = h_ok(h, "{\"type\":\"call.assess\",\"actor\":\"authority\",\"body\":{\"call_id\":\"c-3\",\"decision\":"
	                    "\"reject\",\"reason\":\"privacy risk\"}}");
	s->remove = h_ok(h, "{\"type\":\"developer.remove\",\"actor\":\"op-1\",\"body\":{\"grant_id\":\"g-1\","
	                    "\"developer\":\"dev-2\",\"reason\":\"inactive\"}}");
	h_time(h, "2026-10-12T09:00:00");
}

static const char *
file(const char *actor, const char *id, uint64_t seq)
{
	return h_fmt("{\"type\":\"dispute.file\",\"actor\":\"%s\",\"body\":{\"dispute_id\":\"%s\",\"subject_seq\":%llu,"
	             "\"reason\":\"the decision ignores our filing\"}}",
	             actor, id, (unsigned long long)seq);
}

static const char *
decide(const char *actor, const char *id, const char *outcome)
{
	return h_fmt("{\"type\":\"dispute.decide\",\"actor\":\"%s\",\"body\":{\"dispute_id\":\"%s\",\"outcome\":\"%s\","
	             "\"reason\":\"reviewed the record\"}}",
	             actor, id, outcome);
}

static void
test_file_each_decision(void **state)
{
	(void)state;
	struct h h;
	struct seqs s;
	setup(&h, &s);
	const struct {
		const char *by, *id;
		uint64_t seq;
		const char *type;
	} cases[] = {
		{"dev-2", "d-admit", s.admit, "developer.admit"},
		{"dev-2", "d-remove", s.remove, "developer.remove"},
		{"dev-1", "d-review", s.review, "product.review"},
		{"prov-1", "d-approve", s.approve, "call.approve"},
		{"dev-1", "d-reject", s.reject, "call.reject"},
		{"op-1", "d-assess", s.assess, "call.assess"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t seq = h_ok(&h, file(cases[i].by, cases[i].id, cases[i].seq));
		json_t *r = h_rec(&h, "disp", cases[i].id);
		assert_non_null(r);
		assert_string_equal(rec_s(r, "by"), cases[i].by);
		assert_int_equal(rec_u(r, "subject_seq"), cases[i].seq);
		assert_string_equal(rec_s(r, "subject_type"), cases[i].type);
		assert_string_equal(rec_s(r, "reason"), "the decision ignores our filing");
		assert_string_equal(rec_s(r, "status"), "open");
		assert_int_equal(rec_u(r, "seq"), seq);
		json_decref(r);
	}
	h_close(&h);
}

static void
test_decide(void **state)
{
	(void)state;
	struct h h;
	struct seqs s;
	setup(&h, &s);
	h_ok(&h, file("dev-1", "d-1", s.review));
	h_ok(&h, file("dev-2", "d-2", s.remove));
	uint64_t seq = h_ok(&h, decide("authority", "d-1", "upheld"));
	json_t *r = h_rec(&h, "disp", "d-1");
	assert_string_equal(rec_s(r, "status"), "upheld");
	assert_string_equal(rec_s(r, "decision_reason"), "reviewed the record");
	assert_int_equal(rec_u(r, "decided_seq"), seq);
	assert_string_equal(rec_s(r, "reason"), "the decision ignores our filing");
	assert_string_equal(rec_s(r, "subject_type"), "product.review");
	json_decref(r);
	h_ok(&h, decide("authority", "d-2", "dismissed"));
	r = h_rec(&h, "disp", "d-2");
	assert_string_equal(rec_s(r, "status"), "dismissed");
	json_decref(r);
	h_rule(&h, decide("authority", "d-1", "dismissed"), "dispute.not_open");
	h_rule(&h, decide("authority", "d-2", "upheld"), "dispute.not_open");
	h_rule(&h, decide("authority", "d-x", "upheld"), "dispute.unknown");
	h_err(&h, decide("authority", "d-2", "withdrawn"), PDL_EFIELD);
	h_close(&h);
}

static void
test_file_rules(void **state)
{
	(void)state;
	struct h h;
	struct seqs s;
	setup(&h, &s);
	h_ok(&h, file("dev-1", "d-1", s.review));
	h_rule(&h, file("dev-2", "d-1", s.admit), "dispute.id_taken");
	uint64_t size = h_size(&h);
	h_rule(&h, file("dev-1", "d-2", size), "dispute.unknown_subject");
	h_rule(&h, file("dev-1", "d-2", 1000000), "dispute.unknown_subject");
	h_rule(&h, file("dev-1", "d-2", 0), "dispute.not_a_decision");         /* genesis */
	h_rule(&h, file("prov-1", "d-2", s.publish), "dispute.not_a_decision"); /* catalog.publish */
	h_rule(&h, file("dev-1", "d-2", size - 1), "dispute.not_a_decision");   /* the dispute.file itself */
	h_close(&h);
}

static void
test_roles(void **state)
{
	(void)state;
	struct h h;
	struct seqs s;
	setup(&h, &s);
	h_err(&h, file("authority", "d-1", s.review), PDL_EROLE);
	h_err(&h, file("aud-1", "d-1", s.review), PDL_EROLE);
	h_ok(&h, file("op-1", "d-1", s.review));
	h_err(&h, decide("op-1", "d-1", "upheld"), PDL_EROLE);
	h_err(&h, decide("dev-1", "d-1", "upheld"), PDL_EROLE);
	h_err(&h, decide("aud-1", "d-1", "upheld"), PDL_EROLE);
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_each_decision),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_file_rules),
		cmocka_unit_test(test_roles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
