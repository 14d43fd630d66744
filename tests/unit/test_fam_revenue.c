/* test_fam_revenue.c — revenue.record, revenue.correct, settlement.run and
 * settlement.confirm: every rule id of fam_revenue.c, and settlements
 * checked line by line, to the fen, against the algorithm of ACTS.md
 * ("Settlement of product X"; spec/revenue.md works the first case by hand).
 * Every expected amount here was computed independently with exact rational
 * arithmetic (Python fractions), not with pdl_split. settlement.split_invalid
 * is the one rule id not exercised: it cannot fire (grant.issue keeps the bp
 * at 10,000 and every product reaches at least one provider). */
#include "harness.h"

int pdl_settlement_preview(struct pdl_ctx *c, struct pdl_str product, struct pdl_str period, msgpack_packer *pk);

#define I64_MAX_S "9223372036854775807"

/* ---- the ledger every test starts from ----
 *
 * Providers prov-a (res-a1), prov-b (res-b1, res-b2) and Z-prov (res-z1);
 * "Z-prov" sorts before "prov-a" in byte order (0x5A < 0x70).
 * g-1: operator op-1 over all four resources, split 4000/3000/2000/1000;
 * g-2: operator op-2 over res-a1 and res-z1, same split.
 * dev-1 and dev-2 admitted to g-1, dev-1 to g-2.
 * Calls (approved): c-1 dev-1 on g-1 (all four), c-2 dev-2 on g-1 (res-a1,
 * res-z1), c-3 dev-1 on g-2 (res-a1, res-z1).
 * Products of dev-1 under g-1, released: p-1 (res-b1, res-a1), p-2
 * (res-z1, res-b2 + product p-1), p-w (public welfare, res-a1); p-s is only
 * submitted. The clock ends at 2026-11-05 09:00 CST. */

static void
publish(struct h *h, const char *prov, const char *id)
{
	h_ok(h, h_fmt("{\"type\":\"catalog.publish\",\"actor\":\"%s\",\"body\":{\"resource_id\":\"%s\",\"name\":"
	              "\"Resource %s\",\"items\":[\"a\",\"b\"],\"format\":\"csv\",\"update_frequency\":\"daily\","
	              "\"usage_conditions\":\"authorized use only\",\"level\":2,\"attribute\":\"authorized\"}}",
	              prov, id, id));
}

static void
issue(struct h *h, const char *id, const char *op, const char *resources)
{
	h_agreement(h);
	h_ok(h, h_fmt("{\"type\":\"grant.issue\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"%s\",\"operator\":"
	              "\"%s\",\"mode\":\"domain\",\"resources\":%s,\"scope\":\"transport\",\"start\":\"2026-10-01\","
	              "\"end\":\"2028-09-30\",\"exclusive\":false,\"split_bp\":{\"providers\":4000,\"operator\":3000,"
	              "\"developer\":2000,\"authority\":1000},\"fee_cap_fen\":100000,\"agreement\":\"ev-agreement\"}}",
	              id, op, resources));
}

static void
admit(struct h *h, const char *op, const char *grant, const char *dev)
{
	h_ok(h, h_fmt("{\"type\":\"developer.admit\",\"actor\":\"%s\",\"body\":{\"grant_id\":\"%s\",\"developer\":"
	              "\"%s\",\"controlled\":false}}",
	              op, grant, dev));
}

static void
call(struct h *h, const char *dev, const char *op, const char *id, const char *grant, const char *resources)
{
	h_ok(h, h_fmt("{\"type\":\"call.request\",\"actor\":\"%s\",\"body\":{\"call_id\":\"%s\",\"grant_id\":\"%s\","
	              "\"resources\":%s,\"purpose\":\"route planning\"}}",
	              dev, id, grant, resources));
	h_ok(h, h_fmt("{\"type\":\"call.approve\",\"actor\":\"%s\",\"body\":{\"call_id\":\"%s\"}}", op, id));
}

/* call.usage by the call's operator; records is a JSON number (may be 2^63-1). */
static void
usage(struct h *h, const char *op, const char *cid, const char *rid, const char *period, const char *records)
{
	h_ok(h, h_fmt("{\"type\":\"call.usage\",\"actor\":\"%s\",\"body\":{\"call_id\":\"%s\",\"resource_id\":\"%s\","
	              "\"period\":\"%s\",\"records\":%s,\"bytes\":1000}}",
	              op, cid, rid, period, records));
}

static const char *
submit(const char *dev, const char *id, const char *grant, const char *resources, const char *products,
       const char *category, unsigned price)
{
	return h_fmt("{\"type\":\"product.submit\",\"actor\":\"%s\",\"body\":{\"product_id\":\"%s\",\"grant_id\":\"%s\","
	             "\"name\":\"Product %s\",\"inputs\":{\"resources\":%s,\"products\":%s},\"category\":\"%s\","
	             "\"price_fen\":%u,\"unit\":\"per_call\"}}",
	             dev, id, grant, id, resources, products, category, price);
}

static void
deliver(struct h *h, const char *dev, const char *op, const char *id, const char *grant, const char *resources,
        const char *products, const char *category)
{
	h_ok(h, submit(dev, id, grant, resources, products, category, strcmp(category, "industry") == 0 ? 100 : 0));
	h_ok(h, h_fmt("{\"type\":\"product.review\",\"actor\":\"%s\",\"body\":{\"product_id\":\"%s\",\"outcome\":"
	              "\"pass\",\"notes\":\"compliant\"}}",
	              op, id));
	h_ok(h, h_fmt("{\"type\":\"product.file\",\"actor\":\"authority\",\"body\":{\"product_id\":\"%s\"}}", id));
	h_ok(h, h_fmt("{\"type\":\"product.release\",\"actor\":\"%s\",\"body\":{\"product_id\":\"%s\"}}", op, id));
}

static void
setup(struct h *h)
{
	h_open(h);
	h_party(h, "prov-a", "provider");
	h_party(h, "prov-b", "provider");
	h_party(h, "Z-prov", "provider");
	h_party(h, "op-1", "operator");
	h_party(h, "op-2", "operator");
	h_party(h, "dev-1", "developer");
	h_party(h, "dev-2", "developer");
	h_party(h, "auth-2", "authority");
	publish(h, "prov-a", "res-a1");
	publish(h, "prov-b", "res-b1");
	publish(h, "prov-b", "res-b2");
	publish(h, "Z-prov", "res-z1");
	issue(h, "g-1", "op-1", "[\"res-a1\",\"res-b1\",\"res-b2\",\"res-z1\"]");
	issue(h, "g-2", "op-2", "[\"res-a1\",\"res-z1\"]");
	admit(h, "op-1", "g-1", "dev-1");
	admit(h, "op-1", "g-1", "dev-2");
	admit(h, "op-2", "g-2", "dev-1");
	h_time(h, "2026-10-12T09:00:00");
	call(h, "dev-1", "op-1", "c-1", "g-1", "[\"res-a1\",\"res-b1\",\"res-b2\",\"res-z1\"]");
	call(h, "dev-2", "op-1", "c-2", "g-1", "[\"res-a1\",\"res-z1\"]");
	call(h, "dev-1", "op-2", "c-3", "g-2", "[\"res-a1\",\"res-z1\"]");
	deliver(h, "dev-1", "op-1", "p-1", "g-1", "[\"res-b1\",\"res-a1\"]", "[]", "industry");
	deliver(h, "dev-1", "op-1", "p-2", "g-1", "[\"res-z1\",\"res-b2\"]", "[\"p-1\"]", "industry");
	deliver(h, "dev-1", "op-1", "p-w", "g-1", "[\"res-a1\"]", "[]", "public_welfare");
	h_ok(h, submit("dev-1", "p-s", "g-1", "[\"res-a1\"]", "[]", "industry", 100));
	h_time(h, "2026-11-05T09:00:00");
}

/* ---- acts ---- */

static const char *
record(const char *actor, const char *id, const char *product, const char *period, const char *gross)
{
	return h_fmt("{\"type\":\"revenue.record\",\"actor\":\"%s\",\"body\":{\"revenue_id\":\"%s\",\"product_id\":"
	             "\"%s\",\"period\":\"%s\",\"gross_fen\":%s}}",
	             actor, id, product, period, gross);
}

static const char *
correct(const char *actor, const char *id, const char *target, const char *gross)
{
	return h_fmt("{\"type\":\"revenue.correct\",\"actor\":\"%s\",\"body\":{\"revenue_id\":\"%s\",\"corrects\":"
	             "\"%s\",\"gross_fen\":%s,\"reason\":\"invoice reissued\"}}",
	             actor, id, target, gross);
}

static const char *
run(const char *actor, const char *id, const char *product, const char *period)
{
	return h_fmt("{\"type\":\"settlement.run\",\"actor\":\"%s\",\"body\":{\"settlement_id\":\"%s\",\"product_id\":"
	             "\"%s\",\"period\":\"%s\"}}",
	             actor, id, product, period);
}

static const char *
confirm(const char *actor, const char *id)
{
	return h_fmt("{\"type\":\"settlement.confirm\",\"actor\":\"%s\",\"body\":{\"settlement_id\":\"%s\"}}", actor, id);
}

/* ---- checks ---- */

struct line {
	const char *party, *role;
	int64_t amount;
};

/* o is {gross_fen, lines}: exactly these lines in this order, summing to gross. */
static void
expect_lines(json_t *o, int64_t gross, const struct line *want, size_t n)
{
	assert_non_null(o);
	json_t *ls = json_object_get(o, "lines");
	assert_int_equal(json_integer_value(json_object_get(o, "gross_fen")), gross);
	assert_true(json_is_array(ls));
	if (json_array_size(ls) != n)
		fail_msg("%zu lines, want %zu", json_array_size(ls), n);
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *l = json_array_get(ls, i);
		const char *p = json_string_value(json_object_get(l, "party"));
		const char *r = json_string_value(json_object_get(l, "role"));
		int64_t a = json_integer_value(json_object_get(l, "amount_fen"));
		assert_int_equal(json_object_size(l), 3);
		if (p == NULL || r == NULL || strcmp(p, want[i].party) != 0 || strcmp(r, want[i].role) != 0 ||
		    a != want[i].amount)
			fail_msg("line %zu: got %s/%s %lld, want %s/%s %lld", i, p ? p : "?", r ? r : "?", (long long)a,
			         want[i].party, want[i].role, (long long)want[i].amount);
		/* every line has the gross's sign (zero allowed) */
		assert_true(gross >= 0 ? a >= 0 && a <= gross - sum : a <= 0 && a >= gross - sum);
		sum += a;
	}
	assert_int_equal(sum, gross);
}

/* What `pdl settle --dry-run` prints ({gross_fen, lines}), from a read snapshot;
 * NULL with *rule set when the computation is refused. */
static json_t *
preview(struct h *h, const char *product, const char *period, char rule[64])
{
	MDB_txn *t;
	struct pdl_ctx c;
	struct pdl_status st;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	memset(&c, 0, sizeof c);
	memset(&st, 0, sizeof st);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	assert_int_equal(pdl_store_rtxn(&h->s, &t), PDL_OK);
	c.s = &h->s;
	c.txn = t;
	c.info = &h->e.info;
	c.st = &st;
	c.time_ms = h->now_ms;
	int rc = pdl_settlement_preview(&c, pdl_cstr(product), pdl_cstr(period), &pk);
	pdl_store_rdone(&h->s, t);
	json_t *j = NULL;
	if (rc == PDL_OK) {
		struct mp_cur cur = mp_cur_make(sb.data, sb.size);
		j = pdl_mp_to_json(&cur);
	}
	if (rule != NULL)
		snprintf(rule, 64, "%s", st.rule);
	msgpack_sbuffer_destroy(&sb);
	return j;
}

/* Runs the settlement; its outcome must be the preview taken just before and
 * these lines. Returns the entry's seq. */
static uint64_t
settle(struct h *h, const char *actor, const char *id, const char *product, const char *period, int64_t gross,
       const struct line *want, size_t n)
{
	/* a period is settled once it is over: move the clock past its end */
	int y = atoi(period), m = atoi(period + 5);
	char next[32];
	snprintf(next, sizeof next, "%04d-%02d-01T09:00:00", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
	if (h->now_ms < h_ms(next))
		h_time(h, next);
	json_t *pre = preview(h, product, period, NULL);
	assert_non_null(pre);
	expect_lines(pre, gross, want, n);
	uint64_t seq = h_ok(h, run(actor, id, product, period));
	assert_int_equal(json_object_size(h->outcome), 2);
	expect_lines(h->outcome, gross, want, n);
	assert_true(json_equal(pre, h->outcome));
	json_decref(pre);
	return seq;
}

static int64_t
rec_i(struct h *h, const char *kind, const char *id, const char *field)
{
	json_t *r = h_rec(h, kind, id);
	if (r == NULL)
		fail_msg("no record %s/%s", kind, id);
	json_t *v = json_object_get(r, field);
	if (!json_is_integer(v))
		fail_msg("%s/%s has no integer %s", kind, id, field);
	int64_t x = json_integer_value(v);
	json_decref(r);
	return x;
}

static void
expect_rec_s(struct h *h, const char *kind, const char *id, const char *field, const char *want)
{
	json_t *r = h_rec(h, kind, id);
	if (r == NULL)
		fail_msg("no record %s/%s", kind, id);
	const char *s = json_string_value(json_object_get(r, field));
	if (s == NULL || strcmp(s, want) != 0)
		fail_msg("%s/%s.%s is %s, want %s", kind, id, field, s ? s : "(absent)", want);
	json_decref(r);
}

/* ---- happy paths, exact to the fen ---- */

/* Usage of 2026-10 that must not count for dev-1's products under g-1:
 * dev-2's calls under g-1, dev-1's calls under g-2, and another month. */
static void
noise_usage(struct h *h, const char *period)
{
	usage(h, "op-1", "c-2", "res-a1", period, "5000");
	usage(h, "op-1", "c-2", "res-z1", period, "1000");
	usage(h, "op-2", "c-3", "res-a1", period, "7000");
	usage(h, "op-2", "c-3", "res-z1", period, "3000");
}

static void
test_weighted_with_corrections(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	/* dev-1 under g-1 in 2026-10: res-a1 60 + 40, res-b1 50, res-b2 250 (not an input of p-1) */
	usage(&h, "op-1", "c-1", "res-a1", "2026-10", "60");
	usage(&h, "op-1", "c-1", "res-a1", "2026-10", "40");
	usage(&h, "op-1", "c-1", "res-b1", "2026-10", "50");
	usage(&h, "op-1", "c-1", "res-b2", "2026-10", "250");
	usage(&h, "op-1", "c-1", "res-a1", "2026-11", "999");
	noise_usage(&h, "2026-10");

	uint64_t s1 = h_ok(&h, record("op-1", "r-1", "p-1", "2026-10", "100000"));
	assert_int_equal(json_object_size(h.outcome), 0);
	h_ok(&h, record("op-1", "r-2", "p-1", "2026-10", "33333"));
	h_ok(&h, correct("op-1", "c-1", "r-2", "50001"));
	/* correcting the correction: the chain still starts at r-2, c-2 is the latest */
	uint64_t s4 = h_ok(&h, correct("op-1", "c-2", "c-1", "23457"));
	h_ok(&h, record("op-1", "r-3", "p-1", "2026-11", "999")); /* another period */
	h_ok(&h, record("op-1", "r-4", "p-2", "2026-10", "777")); /* another product */

	/* the records */
	expect_rec_s(&h, "rev", "r-1", "product_id", "p-1");
	expect_rec_s(&h, "rev", "r-1", "period", "2026-10");
	assert_int_equal(rec_i(&h, "rev", "r-1", "gross_fen"), 100000);
	assert_int_equal(rec_i(&h, "rev", "r-1", "seq"), s1);
	expect_rec_s(&h, "rev", "c-2", "corrects", "r-2");
	expect_rec_s(&h, "rev", "c-2", "reason", "invoice reissued");
	expect_rec_s(&h, "rev", "c-2", "product_id", "p-1");
	expect_rec_s(&h, "rev", "c-2", "period", "2026-10");
	assert_int_equal(rec_i(&h, "rev", "c-1", "gross_fen"), 50001);
	assert_int_equal(rec_i(&h, "rev", "r-2", "gross_fen"), 33333); /* never edited */
	expect_rec_s(&h, "revp", "p-1/2026-10/r-2", "revenue_id", "c-2");
	assert_int_equal(rec_i(&h, "revp", "p-1/2026-10/r-2", "gross_fen"), 23457);
	assert_int_equal(rec_i(&h, "revp", "p-1/2026-10/r-2", "seq"), s4);
	expect_rec_s(&h, "revp", "p-1/2026-10/r-1", "revenue_id", "r-1");
	json_t *none = h_rec(&h, "revp", "p-1/2026-10/c-1");
	assert_null(none);

	/* G = 100000 + 23457 = 123457; weights prov-a 100, prov-b 50 (Σ 150).
	 * Exact: prov-a 493828/15 = 32921.87, prov-b 246914/15 = 16460.93,
	 * op 37037.1, dev 24691.4, authority 12345.7; floors 123454; the 3 fen go
	 * to prov-b (.93), prov-a (.87), authority (.7). */
	static const struct line want[] = {
		{"prov-a", "provider", 32922}, {"prov-b", "provider", 16461}, {"op-1", "operator", 37037},
		{"dev-1", "developer", 24691}, {"authority", "authority", 12346},
	};
	uint64_t seq = settle(&h, "op-1", "s-1", "p-1", "2026-10", 123457, want, 5);
	expect_rec_s(&h, "settle", "s-1", "product_id", "p-1");
	expect_rec_s(&h, "settle", "s-1", "period", "2026-10");
	expect_rec_s(&h, "settle", "s-1", "status", "run");
	assert_int_equal(rec_i(&h, "settle", "s-1", "gross_fen"), 123457);
	assert_int_equal(rec_i(&h, "settle", "s-1", "seq"), seq);
	expect_rec_s(&h, "settlep", "p-1/2026-10", "settlement_id", "s-1");

	uint64_t cseq = h_ok(&h, confirm("authority", "s-1"));
	assert_int_equal(json_object_size(h.outcome), 0);
	expect_rec_s(&h, "settle", "s-1", "status", "confirmed");
	assert_int_equal(rec_i(&h, "settle", "s-1", "confirmed_seq"), cseq);
	assert_int_equal(rec_i(&h, "settle", "s-1", "gross_fen"), 123457);
	assert_int_equal(rec_i(&h, "settle", "s-1", "seq"), seq);
	h_close(&h);
}

static void
test_transitive_providers_and_ties(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	/* p-2 = res-z1 + res-b2 + p-1 (res-b1, res-a1): providers Z-prov, prov-a, prov-b.
	 * dev-1 under g-1 in 2026-10: res-a1 100, res-b1 50, res-b2 250, res-z1 none. */
	usage(&h, "op-1", "c-1", "res-a1", "2026-10", "100");
	usage(&h, "op-1", "c-1", "res-b1", "2026-10", "50");
	usage(&h, "op-1", "c-1", "res-b2", "2026-10", "250");
	noise_usage(&h, "2026-10");
	h_ok(&h, record("op-1", "r-1", "p-2", "2026-10", "700"));
	h_ok(&h, record("op-1", "r-2", "p-2", "2026-10", "79"));
	/* G = 779, weights Z-prov 0, prov-a 100, prov-b 300 (Σ 400): exact
	 * 0, 77.9, 233.7, op 233.7, dev 155.8, authority 77.9; floors 775; 4 fen:
	 * prov-a .9, authority .9, dev .8, then prov-b and op tie at .7
	 * (7/10 = 2,800,000/4,000,000) and prov-b comes first. Z-prov's zero
	 * line is kept, and first: byte order puts 'Z' before 'p'. The operator
	 * (op-1) and the authority sort before the providers but come after them. */
	static const struct line want[] = {
		{"Z-prov", "provider", 0},     {"prov-a", "provider", 78},    {"prov-b", "provider", 234},
		{"op-1", "operator", 233},     {"dev-1", "developer", 156},   {"authority", "authority", 78},
	};
	settle(&h, "authority", "s-2", "p-2", "2026-10", 779, want, 6);
	h_close(&h);
}

static void
test_equal_weights(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_time(&h, "2026-12-03T09:00:00");
	/* in 2026-12 dev-1 used nothing under g-1 (a report of 0 records is still
	 * nothing); the others' usage does not count */
	usage(&h, "op-1", "c-1", "res-a1", "2026-12", "0");
	usage(&h, "op-1", "c-1", "res-b2", "2026-12", "900"); /* not an input of p-1 */
	noise_usage(&h, "2026-12");
	usage(&h, "op-1", "c-1", "res-b1", "2026-11", "400"); /* another month */
	h_ok(&h, record("op-1", "r-1", "p-1", "2026-12", "1003"));
	/* equal weights: prov-a, prov-b 200.6 each, op 300.9, dev 200.6,
	 * authority 100.3; floors 1000; 3 fen: op (.9), then the .6 tie among
	 * prov-a, prov-b, dev goes to the first two lines */
	static const struct line want[] = {
		{"prov-a", "provider", 201}, {"prov-b", "provider", 201}, {"op-1", "operator", 301},
		{"dev-1", "developer", 200}, {"authority", "authority", 100},
	};
	settle(&h, "op-1", "s-1", "p-1", "2026-12", 1003, want, 5);
	/* the authority that settles need not be the grant's issuer */
	h_ok(&h, record("op-1", "r-2", "p-1", "2026-11", "10"));
	static const struct line want2[] = {
		/* 2026-11: prov-b 400 (res-b1), prov-a 0: 10 × 0.4 all to prov-b */
		{"prov-a", "provider", 0}, {"prov-b", "provider", 4}, {"op-1", "operator", 3},
		{"dev-1", "developer", 2}, {"authority", "authority", 1},
	};
	settle(&h, "auth-2", "s-2", "p-1", "2026-11", 10, want2, 5);
	h_close(&h);
}

static void
test_zero_gross(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	/* no revenue at all, and revenue corrected down to zero: every line kept, at 0 */
	static const struct line want[] = {
		{"prov-a", "provider", 0}, {"prov-b", "provider", 0}, {"op-1", "operator", 0},
		{"dev-1", "developer", 0}, {"authority", "authority", 0},
	};
	settle(&h, "op-1", "s-1", "p-1", "2026-10", 0, want, 5);
	h_ok(&h, record("op-1", "r-1", "p-1", "2026-11", "500"));
	h_ok(&h, correct("op-1", "r-1c", "r-1", "0"));
	settle(&h, "op-1", "s-2", "p-1", "2026-11", 0, want, 5);
	h_close(&h);
}

static void
test_huge_amounts_and_overflow(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	/* the largest gross: G = 2^63-1, equal weights. Exact: prov-a, prov-b, dev
	 * G/5 = …161.4, op …742.1, authority …580.7; 2 fen: authority, then the .4
	 * tie goes to prov-a */
	h_ok(&h, record("op-1", "r-1", "p-1", "2026-10", I64_MAX_S));
	static const struct line want[] = {
		{"prov-a", "provider", 1844674407370955162LL}, {"prov-b", "provider", 1844674407370955161LL},
		{"op-1", "operator", 2767011611056432742LL},    {"dev-1", "developer", 1844674407370955161LL},
		{"authority", "authority", 922337203685477581LL},
	};
	settle(&h, "op-1", "s-1", "p-1", "2026-10", INT64_MAX, want, 5);

	/* two records summing past 2^63-1 cannot be settled … */
	h_ok(&h, record("op-1", "r-2", "p-1", "2026-11", I64_MAX_S));
	h_ok(&h, record("op-1", "r-3", "p-1", "2026-11", "1"));
	h_time(&h, "2026-12-02T09:00:00"); /* November is over */
	char rule[64];
	assert_null(preview(&h, "p-1", "2026-11", rule));
	assert_string_equal(rule, "settlement.gross_overflow");
	h_rule(&h, run("op-1", "s-2", "p-1", "2026-11"), "settlement.gross_overflow");
	assert_null(h_rec(&h, "settlep", "p-1/2026-11"));
	/* … until a correction brings them back */
	h_ok(&h, correct("op-1", "r-3c", "r-3", "0"));
	settle(&h, "op-1", "s-2", "p-1", "2026-11", INT64_MAX, want, 5);
	h_close(&h);
}

static void
test_usage_weights_extreme(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	/* res-b1: 2 × (2^63-1) + 1 = 2^64-1 records; res-a1: 1 record */
	usage(&h, "op-1", "c-1", "res-b1", "2026-10", I64_MAX_S);
	usage(&h, "op-1", "c-1", "res-b1", "2026-10", I64_MAX_S);
	usage(&h, "op-1", "c-1", "res-b1", "2026-10", "1");
	usage(&h, "op-1", "c-1", "res-a1", "2026-10", "1");
	h_ok(&h, record("op-1", "r-1", "p-1", "2026-10", "1000"));
	/* prov-a 400/2^64 (floor 0), prov-b 400 × (2^64-1)/2^64 (floor 399,
	 * fraction 1 - 400/2^64): the one leftover fen goes to prov-b */
	static const struct line want[] = {
		{"prov-a", "provider", 0}, {"prov-b", "provider", 400}, {"op-1", "operator", 300},
		{"dev-1", "developer", 200}, {"authority", "authority", 100},
	};
	settle(&h, "op-1", "s-1", "p-1", "2026-10", 1000, want, 5);
	/* a provider's weight is the sum over its input resources: with res-b2
	 * (1 more record) prov-b's weight passes 2^64-1 */
	usage(&h, "op-1", "c-1", "res-b2", "2026-10", "1");
	deliver(&h, "dev-1", "op-1", "p-3", "g-1", "[\"res-b1\",\"res-b2\"]", "[]", "industry");
	h_ok(&h, record("op-1", "r-2", "p-3", "2026-10", "1000"));
	h_rule(&h, run("op-1", "s-2", "p-3", "2026-10"), "settlement.usage_overflow");
	char rule[64];
	assert_null(preview(&h, "p-3", "2026-10", rule));
	assert_string_equal(rule, "settlement.usage_overflow");
	h_close(&h);
}

/* 64 providers settle (67 lines); 65 are refused. */
static void
test_providers_max(void **state)
{
	(void)state;
	struct h h;
	char res[65 * 12 + 8], id[32];
	size_t o = 0;
	h_open(&h);
	h_party(&h, "op-1", "operator");
	h_party(&h, "dev-1", "developer");
	o += (size_t)snprintf(res + o, sizeof res - o, "[");
	for (int i = 0; i < 65; i++) {
		snprintf(id, sizeof id, "pv-%02d", 64 - i); /* registered in reverse order */
		h_party(&h, id, "provider");
		char rid[32];
		snprintf(rid, sizeof rid, "rs-%02d", 64 - i);
		publish(&h, id, rid);
		o += (size_t)snprintf(res + o, sizeof res - o, "%s\"%s\"", i ? "," : "", rid);
	}
	snprintf(res + o, sizeof res - o, "]");
	issue(&h, "g-1", "op-1", res);
	admit(&h, "op-1", "g-1", "dev-1");
	/* p-65: all 65 resources; p-64: rs-64 … rs-01 (providers pv-01 … pv-64) */
	deliver(&h, "dev-1", "op-1", "p-65", "g-1", res, "[]", "industry");
	char res64[65 * 12 + 8];
	snprintf(res64, sizeof res64, "%.*s]", (int)(strrchr(res, ',') - res), res); /* drops the last, rs-00 */
	deliver(&h, "dev-1", "op-1", "p-64", "g-1", res64, "[]", "industry");
	h_ok(&h, record("op-1", "r-1", "p-64", "2026-10", "640001"));
	h_ok(&h, record("op-1", "r-2", "p-65", "2026-10", "640001"));
	h_time(&h, "2026-11-02T09:00:00"); /* October is over */
	h_rule(&h, run("op-1", "s-65", "p-65", "2026-10"), "settlement.inputs_too_many");
	/* 64 equal providers: 640001 × 0.4 / 64 = 4000.00625 each; op 192000.3,
	 * dev 128000.2, authority 64000.1; floors 640000; the 1 fen goes to the
	 * operator (.3 beats .2, .1 and .00625) */
	static struct line want[67];
	static char names[64][16];
	for (int i = 0; i < 64; i++) {
		snprintf(names[i], sizeof names[i], "pv-%02d", i + 1);
		want[i] = (struct line){names[i], "provider", 4000};
	}
	want[64] = (struct line){"op-1", "operator", 192001};
	want[65] = (struct line){"dev-1", "developer", 128000};
	want[66] = (struct line){"authority", "authority", 64000};
	settle(&h, "op-1", "s-64", "p-64", "2026-10", 640001, want, 67);
	h_close(&h);
}

/* ---- rules ---- */

static void
test_record_rules(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, record("op-1", "r-1", "p-1", "2026-10", "100"));
	h_err(&h, record("dev-1", "r-2", "p-1", "2026-10", "100"), PDL_EROLE);
	h_err(&h, record("authority", "r-2", "p-1", "2026-10", "100"), PDL_EROLE);
	h_rule(&h, record("op-1", "r-1", "p-1", "2026-11", "100"), "revenue.id_taken");
	h_rule(&h, record("op-1", "r-2", "p-none", "2026-10", "100"), "revenue.unknown_product");
	h_rule(&h, record("op-2", "r-2", "p-1", "2026-10", "100"), "revenue.not_operator");
	h_rule(&h, record("op-1", "r-2", "p-s", "2026-10", "100"), "revenue.product_not_released");
	h_rule(&h, record("op-1", "r-2", "p-w", "2026-10", "1"), "revenue.welfare_not_zero");
	h_ok(&h, record("op-1", "r-w", "p-w", "2026-10", "0"));
	h_rule(&h, record("op-1", "r-2", "p-1", "2026-10", "-1"), "revenue.negative");
	h_ok(&h, record("op-1", "r-0", "p-1", "2026-10", "0"));
	/* schema */
	h_err(&h, record("op-1", "r-2", "p-1", "2026-13", "100"), PDL_EFIELD);
	h_err(&h, record("op-1", "r-2", "p-1", "2026-10", "\"100\""), PDL_EFIELD);
	h_err(&h, "{\"type\":\"revenue.record\",\"actor\":\"op-1\",\"body\":{\"revenue_id\":\"r-2\",\"product_id\":\"p-1\","
	          "\"period\":\"2026-10\",\"gross_fen\":1,\"currency\":\"CNY\"}}",
	      PDL_EFIELD);
	/* a withdrawn product takes revenue of the months it was on sale, and no later */
	h_ok(&h, "{\"type\":\"product.withdraw\",\"actor\":\"op-1\",\"body\":{\"product_id\":\"p-2\",\"reason\":\"x\"}}");
	h_rule(&h, record("op-1", "r-2", "p-2", "2026-12", "100"), "revenue.product_not_released");
	h_ok(&h, record("op-1", "r-2", "p-2", "2026-11", "100"));
	h_close(&h);
}

static void
test_correct_rules(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, record("op-1", "r-1", "p-1", "2026-10", "100"));
	h_ok(&h, record("op-1", "r-w", "p-w", "2026-10", "0"));
	h_err(&h, correct("dev-1", "c-1", "r-1", "90"), PDL_EROLE);
	h_rule(&h, correct("op-1", "r-1", "r-1", "90"), "revenue.id_taken");
	h_rule(&h, correct("op-1", "c-1", "r-none", "90"), "revenue.unknown_record");
	h_rule(&h, correct("op-1", "c-1", "r-1", "-90"), "revenue.negative");
	h_rule(&h, correct("op-2", "c-1", "r-1", "90"), "revenue.not_operator");
	h_rule(&h, correct("op-1", "c-1", "r-w", "5"), "revenue.welfare_not_zero");
	h_err(&h, "{\"type\":\"revenue.correct\",\"actor\":\"op-1\",\"body\":{\"revenue_id\":\"c-1\",\"corrects\":\"r-1\","
	          "\"gross_fen\":90}}",
	      PDL_EFIELD); /* reason is required */
	h_ok(&h, correct("op-1", "c-1", "r-1", "90"));
	h_rule(&h, correct("op-1", "c-1", "r-1", "80"), "revenue.id_taken");
	h_rule(&h, record("op-1", "c-1", "p-1", "2026-10", "80"), "revenue.id_taken");
	h_close(&h);
}

static void
test_grant_terminated(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, record("op-1", "r-1", "p-1", "2026-11", "100"));
	/* terminated at the first millisecond of December (CST) */
	h_time(&h, "2026-12-01T00:00:00");
	h_ok(&h, "{\"type\":\"grant.terminate\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g-1\",\"reason\":"
	         "\"breach\",\"note\":\"data resold\"}}");
	h_time(&h, "2027-01-10T09:00:00");
	/* periods that began before the termination still take revenue … */
	h_ok(&h, record("op-1", "r-2", "p-1", "2026-10", "100"));
	h_ok(&h, record("op-1", "r-3", "p-1", "2026-11", "100"));
	h_ok(&h, correct("op-1", "c-1", "r-1", "150"));
	h_ok(&h, record("op-1", "r-4", "p-1", "2026-12", "100")); /* terminated at its start, not before it */
	/* … later ones do not */
	h_rule(&h, record("op-1", "r-5", "p-1", "2027-01", "100"), "revenue.grant_terminated");
	h_rule(&h, record("op-1", "r-5", "p-2", "2030-06", "100"), "revenue.grant_terminated");
	/* and the open periods can still be settled */
	static const struct line want[] = {
		{"prov-a", "provider", 50}, {"prov-b", "provider", 50}, {"op-1", "operator", 75},
		{"dev-1", "developer", 50}, {"authority", "authority", 25},
	};
	settle(&h, "op-1", "s-1", "p-1", "2026-11", 250, want, 5);
	h_close(&h);
}

static void
test_settle_rules(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, record("op-1", "r-1", "p-1", "2026-10", "100"));
	h_err(&h, run("dev-1", "s-1", "p-1", "2026-10"), PDL_EROLE);
	h_err(&h, run("prov-a", "s-1", "p-1", "2026-10"), PDL_EROLE);
	h_err(&h, run("op-1", "s-1", "p-1", "2026-1"), PDL_EFIELD);
	h_rule(&h, run("op-1", "s-1", "p-none", "2026-10"), "settlement.unknown_product");
	h_rule(&h, run("op-2", "s-1", "p-1", "2026-10"), "settlement.not_operator");
	h_rule(&h, run("op-1", "s-1", "p-w", "2026-10"), "settlement.welfare_product");
	h_rule(&h, run("authority", "s-1", "p-w", "2026-10"), "settlement.welfare_product");
	/* a period is settled once it is over (the ledger clock is in November) */
	h_rule(&h, run("op-1", "s-1", "p-1", "2026-11"), "settlement.period_not_over");
	char rule[64];
	assert_null(preview(&h, "p-1", "2026-11", rule));
	assert_string_equal(rule, "settlement.period_not_over");
	/* the dry run refuses what settlement.run refuses (the actor aside) */
	assert_null(preview(&h, "p-none", "2026-10", rule));
	assert_string_equal(rule, "settlement.unknown_product");
	assert_null(preview(&h, "p-w", "2026-10", rule));
	assert_string_equal(rule, "settlement.welfare_product");
	h_ok(&h, run("op-1", "s-1", "p-1", "2026-10"));
	assert_null(preview(&h, "p-1", "2026-10", rule));
	assert_string_equal(rule, "settlement.already_settled");
	h_rule(&h, run("op-1", "s-1", "p-1", "2026-11"), "settlement.id_taken");
	h_rule(&h, run("op-1", "s-2", "p-1", "2026-10"), "settlement.already_settled");
	/* the refusal says where the recorded lines are */
	assert_string_equal(h.st.msg, "p-1 for 2026-10 is already settled by s-1; its lines: pdl statement --party ID "
	                              "--period 2026-10 (or pdl settle --dry-run)");
	h_rule(&h, run("authority", "s-2", "p-1", "2026-10"), "settlement.already_settled");
	/* the settled period is closed to revenue */
	h_rule(&h, record("op-1", "r-2", "p-1", "2026-10", "5"), "revenue.period_settled");
	h_rule(&h, correct("op-1", "c-1", "r-1", "5"), "revenue.period_settled");
	h_ok(&h, record("op-1", "r-2", "p-1", "2026-11", "5"));
	h_ok(&h, record("op-1", "r-3", "p-2", "2026-10", "5"));
	/* confirm */
	h_err(&h, confirm("op-1", "s-1"), PDL_EROLE);
	h_rule(&h, confirm("authority", "s-none"), "settlement.unknown");
	h_ok(&h, confirm("authority", "s-1"));
	h_rule(&h, confirm("authority", "s-1"), "settlement.already_confirmed");
	h_rule(&h, confirm("auth-2", "s-1"), "settlement.already_confirmed");
	h_close(&h);
}

static const char *
refund(const char *actor, const char *id, const char *settlement, const char *period, const char *amount)
{
	return h_fmt("{\"type\":\"revenue.refund\",\"actor\":\"%s\",\"body\":{\"refund_id\":\"%s\",\"settlement_id\":"
	             "\"%s\",\"period\":\"%s\",\"amount_fen\":%s,\"reason\":\"subscription cancelled\"}}",
	             actor, id, settlement, period, amount);
}

/* A refund after settlement lowers a later period's gross; a negative net
 * settles with negative lines from the same largest-remainder pass. */
static void
test_refund(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, record("op-1", "r-10", "p-1", "2026-10", "100000"));
	static const struct line oct[] = {{"prov-a", "provider", 20000}, {"prov-b", "provider", 20000},
	                                  {"op-1", "operator", 30000},     {"dev-1", "developer", 20000},
	                                  {"authority", "authority", 10000}};
	settle(&h, "op-1", "st-10", "p-1", "2026-10", 100000, oct, 5);
	h_err(&h, refund("dev-1", "f-1", "st-10", "2026-12", "1"), PDL_EROLE);
	h_rule(&h, refund("op-1", "f-1", "st-xx", "2026-12", "1"), "revenue.refund_unknown_settlement");
	h_rule(&h, refund("op-1", "f-1", "st-10", "2026-10", "1"), "revenue.refund_period_not_later");
	h_rule(&h, refund("op-1", "f-1", "st-10", "2026-09", "1"), "revenue.refund_period_not_later");
	h_rule(&h, refund("op-1", "f-1", "st-10", "2026-12", "0"), "revenue.refund_zero");
	h_rule(&h, refund("op-1", "f-1", "st-10", "2026-12", "100001"), "revenue.refund_exceeds_settled");
	h_rule(&h, refund("op-2", "f-1", "st-10", "2026-12", "1"), "revenue.not_operator");
	h_rule(&h, refund("op-1", "r-10", "st-10", "2026-12", "1"), "revenue.id_taken");

	/* 2026-12: 10000 of revenue and a refund of 30001 → a net of -20001 */
	h_ok(&h, record("op-1", "r-12", "p-1", "2026-12", "10000"));
	h_ok(&h, refund("op-1", "f-1", "st-10", "2026-12", "30001"));
	assert_int_equal(rec_i(&h, "settle", "st-10", "refunded_fen"), 30001);
	assert_int_equal(rec_i(&h, "rev", "f-1", "gross_fen"), -30001);
	h_rule(&h, correct("op-1", "f-1c", "f-1", "5"), "revenue.refund_not_correctable");
	/* the rest of the settled gross may still be refunded, not a fen more */
	h_rule(&h, refund("op-1", "f-2", "st-10", "2026-11", "70000"), "revenue.refund_exceeds_settled");
	h_ok(&h, refund("op-1", "f-2", "st-10", "2026-11", "69998"));
	/* exact shares of -20001: providers -4000.2 each, operator -6000.3, developer
	 * -4000.2, authority -2000.1; floors -4001 -4001 -6001 -4001 -2001 leave 4 fen
	 * for the largest fractional parts: authority .9, then prov-a, prov-b, dev-1 .8 */
	static const struct line dec[] = {{"prov-a", "provider", -4000}, {"prov-b", "provider", -4000},
	                                  {"op-1", "operator", -6001},     {"dev-1", "developer", -4000},
	                                  {"authority", "authority", -2000}};
	settle(&h, "op-1", "st-12", "p-1", "2026-12", -20001, dec, 5);
	/* a refund into a settled period; of a settlement with nothing left (a
	 * negative one); into a period after the grant was terminated */
	h_rule(&h, refund("op-1", "f-3", "st-10", "2026-12", "1"), "revenue.period_settled");
	h_rule(&h, refund("op-1", "f-3", "st-12", "2027-01", "1"), "revenue.refund_exceeds_settled");
	h_ok(&h, "{\"type\":\"grant.terminate\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"g-1\",\"reason\":"
	         "\"breach\",\"note\":\"\"}}");
	h_rule(&h, refund("op-1", "f-3", "st-10", "2027-02", "1"), "revenue.grant_terminated");
	h_close(&h);
}

static const char *
caps(const char *grant, int year, const char *allowed)
{
	return h_fmt("{\"type\":\"pricing.set_caps\",\"actor\":\"authority\",\"body\":{\"grant_id\":\"%s\",\"year\":%d,"
	             "\"caps\":[{\"unit\":\"per_call\",\"cap_fen\":100000}],\"allowed_revenue_fen\":%s,"
	             "\"trial_tariff\":false}}",
	             grant, year, allowed);
}

/* 发改价格〔2025〕65号: revenue settled over a year's allowance is deducted
 * from the next year's, and the ledger computes it. */
static void
test_pricing_deduction(void **state)
{
	(void)state;
	struct h h;
	setup(&h);
	h_ok(&h, caps("g-1", 2026, "50000"));
	assert_int_equal(json_integer_value(json_object_get(h.outcome, "deduction_fen")), 0);
	assert_int_equal(json_integer_value(json_object_get(h.outcome, "effective_allowed_fen")), 50000);
	h_ok(&h, record("op-1", "r-10", "p-1", "2026-10", "100000"));
	h_ok(&h, record("op-1", "r-10b", "p-2", "2026-10", "7"));
	static const struct line oct[] = {{"prov-a", "provider", 20000}, {"prov-b", "provider", 20000},
	                                  {"op-1", "operator", 30000},     {"dev-1", "developer", 20000},
	                                  {"authority", "authority", 10000}};
	settle(&h, "op-1", "st-10", "p-1", "2026-10", 100000, oct, 5);
	h_ok(&h, run("op-1", "st-10b", "p-2", "2026-10"));
	assert_int_equal(rec_i(&h, "gyear", "g-1/2026", "settled_fen"), 100007);
	/* g-2's settlements are its own */
	assert_null(h_rec(&h, "gyear", "g-2/2026"));
	/* 2027: 100007 settled over 50000 allowed */
	h_ok(&h, caps("g-1", 2027, "80000"));
	assert_int_equal(json_integer_value(json_object_get(h.outcome, "deduction_fen")), 50007);
	assert_int_equal(json_integer_value(json_object_get(h.outcome, "effective_allowed_fen")), 29993);
	/* a refund in 2026-12 lowers 2026's settled gross; re-setting 2027 recomputes */
	h_ok(&h, refund("op-1", "f-1", "st-10", "2026-12", "10"));
	h_time(&h, "2027-01-02T09:00:00");
	h_ok(&h, run("op-1", "st-12", "p-1", "2026-12"));
	assert_int_equal(rec_i(&h, "gyear", "g-1/2026", "settled_fen"), 99997);
	h_ok(&h, caps("g-1", 2027, "40000"));
	assert_int_equal(json_integer_value(json_object_get(h.outcome, "deduction_fen")), 49997);
	assert_int_equal(json_integer_value(json_object_get(h.outcome, "effective_allowed_fen")), -9997);
	assert_int_equal(rec_i(&h, "pcaps", "g-1/2027", "version"), 2);
	/* 2028: nothing settled in 2027, but its allowance was already overdrawn */
	h_ok(&h, caps("g-1", 2028, "60000"));
	assert_int_equal(json_integer_value(json_object_get(h.outcome, "deduction_fen")), 9997);
	assert_int_equal(json_integer_value(json_object_get(h.outcome, "effective_allowed_fen")), 50003);
	/* a year without a record for the year before has no deduction */
	h_ok(&h, caps("g-2", 2027, "1"));
	assert_int_equal(json_integer_value(json_object_get(h.outcome, "deduction_fen")), 0);
	h_close(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weighted_with_corrections),
		cmocka_unit_test(test_transitive_providers_and_ties),
		cmocka_unit_test(test_equal_weights),
		cmocka_unit_test(test_zero_gross),
		cmocka_unit_test(test_huge_amounts_and_overflow),
		cmocka_unit_test(test_usage_weights_extreme),
		cmocka_unit_test(test_providers_max),
		cmocka_unit_test(test_record_rules),
		cmocka_unit_test(test_correct_rules),
		cmocka_unit_test(test_grant_terminated),
		cmocka_unit_test(test_settle_rules),
		cmocka_unit_test(test_refund),
		cmocka_unit_test(test_pricing_deduction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
