/*
 * cmd_settle.c — pdl settle: finance staff's view of a settlement before
 * (and after) it is recorded.
 *
 *   --dry-run   the lines a settlement.run would record now, computed by the
 *               code the ledger runs (fam_revenue.c, settle.h), from a read
 *               snapshot; for a period already settled, the lines the ledger
 *               recorded (from the settlement's entry), saying so.
 *   --explain   the same, with every input and step, so a reader can redo
 *               the split by hand: the revenue records summed, the split's
 *               basis points, each provider's usage weight and the call.usage
 *               entries it came from, each line's exact rational share as
 *               floor + remainder/denominator, and the leftover fen of the
 *               largest-remainder pass (split.h).
 *   otherwise   submits settlement.run and prints its receipt.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "date.h"
#include "lookup.h"
#include "mpjson.h"
#include "settle.h"
#include "split.h"
#include "state.h"

#define EXPLAIN_CALLS_MAX 4096u /* call ids of one grant and developer an explanation tracks */

struct settle_opts {
	const char *dir, *ledger, *product, *period, *id, *actor, *key;
	uint64_t nonce;
	int dry, explain;
};

static const char settle_help[] =
	"usage: pdl settle --product ID --period YYYY-MM --dry-run [--explain] --data DIR\n"
	"       pdl settle --product ID --period YYYY-MM --id SETTLEMENT_ID --actor PARTY --key KEYFILE\n"
	"                  (--data DIR | --ledger URL) [--nonce N]\n\n"
	"--dry-run prints the split a settlement.run would record now (same code as the ledger):\n"
	"{\"product_id\",\"period\",\"gross_fen\",\"gross_yuan\",\"lines\":[{\"party\",\"role\",\"amount_fen\",\n"
	"\"amount_yuan\"}],\"dry_run\":true}. For a period already settled it prints the lines the ledger\n"
	"recorded, with \"settled\":{\"settlement_id\",\"seq\",\"time_cst\",\"status\",\"by\"}.\n"
	"--explain adds how the split came about, for checking it by hand: the revenue records summed\n"
	"(\"revenue\"), the grant's \"split_bp\", each input resource's provider and the records it served\n"
	"the developer in the period with the call.usage entries they came from (\"resources\"), each\n"
	"provider's weight (\"providers\"; all equal when no usage was reported), and per line the exact\n"
	"share as a formula, its floor, its remainder/denominator and the extra fen the largest-remainder\n"
	"pass gave it (\"lines\"), with the floors' sum and the leftover fen. For a settled period it\n"
	"explains today's state and says whether that still gives the recorded lines (\"matches_recorded\").\n"
	"Otherwise submits settlement.run and prints its receipt (outcome holds the lines).\n"
	"Amounts are integer fen; *_yuan repeat them as exact decimal strings (\"-93.33\").\n";

static int
settle_opts(int argc, char **argv, struct settle_opts *o)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},    {"ledger", required_argument, NULL, 'L'},
		{"product", required_argument, NULL, 'p'}, {"period", required_argument, NULL, 'P'},
		{"id", required_argument, NULL, 'i'},      {"actor", required_argument, NULL, 'a'},
		{"key", required_argument, NULL, 'k'},     {"nonce", required_argument, NULL, 'n'},
		{"dry-run", no_argument, NULL, 'D'},       {"explain", no_argument, NULL, 'E'},
		{"help", no_argument, NULL, 'h'},          {0},
	};
	int ch;
	memset(o, 0, sizeof *o);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->dir = optarg; break;
		case 'L': o->ledger = optarg; break;
		case 'p': o->product = optarg; break;
		case 'P': o->period = optarg; break;
		case 'i': o->id = optarg; break;
		case 'a': o->actor = optarg; break;
		case 'k': o->key = optarg; break;
		case 'n':
			if (pdl_u64_parse(optarg, &o->nonce) != PDL_OK)
				return usage_error("settle", "--nonce is a number");
			break;
		case 'D': o->dry = 1; break;
		case 'E': o->explain = o->dry = 1; break;
		case 'h': fputs(settle_help, stdout); return 0;
		default: return usage_error("settle", "unknown option");
		}
	}
	if (o->product == NULL || o->period == NULL)
		return usage_error("settle", "--product ID and --period YYYY-MM are required");
	if (!pdl_period_valid(o->period, strlen(o->period))) {
		char m[128];
		snprintf(m, sizeof m, "--period %.16s is not a period: YYYY-MM with a month 01 to 12", o->period);
		return usage_error("settle", m);
	}
	if (o->dry && o->dir == NULL)
		return usage_error("settle", "--dry-run and --explain read --data DIR");
	return -1;
}

/* A read-only rules context over a snapshot, for previews. */
static int
open_ctx(struct pdl_store *s, struct pdl_engine *e, MDB_txn **t, struct pdl_ctx *c, struct pdl_status *st)
{
	memset(c, 0, sizeof *c);
	pdl_engine_init(e, s);
	int rc = pdl_store_rtxn(s, t);
	if (rc == PDL_OK && (rc = pdl_engine_load(e, *t)) != PDL_OK)
		pdl_store_rdone(s, *t);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot read the ledger");
	c->s = s;
	c->txn = *t;
	c->info = &e->info;
	c->st = st;
	struct pdl_head h;
	pdl_store_head(*t, s, &h);
	/* "now": a settlement submitted now gets at least the wall clock's time */
	c->time_ms = h.time_ms > pdl_now_ms() ? h.time_ms : pdl_now_ms();
	c->seq = h.size;
	return PDL_OK;
}

static json_t *
yuan(int64_t fen)
{
	char b[32];
	return json_string(pdl_fen_cny(fen, b));
}

/* Adds amount_yuan beside every line's amount_fen, and gross_yuan. */
static void
add_yuan(json_t *o)
{
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(o, "lines"), i, l)
		json_object_set_new(l, "amount_yuan", yuan(json_integer_value(json_object_get(l, "amount_fen"))));
	if (json_is_integer(json_object_get(o, "gross_fen")))
		json_object_set_new(o, "gross_yuan", yuan(json_integer_value(json_object_get(o, "gross_fen"))));
}

/* ---- a period already settled: what the ledger recorded ---- */

/* The settlement of product/period, if any: its id, record and entry. */
static int
recorded(struct pdl_ctx *c, const char *product, const char *period, json_t **out)
{
	char k[PDL_REC_KEY_MAX];
	struct mp_cur ix, rec;
	struct pdl_str sid, status;
	uint64_t seq;
	const uint8_t *b;
	size_t n;
	struct lookup_entry e;
	*out = NULL;
	snprintf(k, sizeof k, "%s/%s", product, period);
	if (pdl_rec_get(c, "settlep", pdl_cstr(k), &ix) != PDL_OK)
		return PDL_ENOTFOUND;
	if (pdl_rec_str(ix, "settlement_id", &sid) != PDL_OK || pdl_rec_get(c, "settle", sid, &rec) != PDL_OK ||
	    pdl_rec_uint(rec, "seq", &seq) != PDL_OK || pdl_rec_str(rec, "status", &status) != PDL_OK ||
	    pdl_store_entry(c->txn, c->s, seq, &b, &n) != PDL_OK || lookup_decode(b, n, &e) != PDL_OK)
		return pdl_status_set(c->st, PDL_ESTORE, NULL, "the settlement of %s for %s is unreadable (pdl verify)",
		                      product, period);
	struct mp_cur oc = e.outcome;
	json_t *o = pdl_mp_to_json(&oc), *row = lookup_row(&e);
	if (o == NULL || row == NULL) {
		json_decref(o);
		json_decref(row);
		return pdl_status_set(c->st, PDL_ESTORE, NULL, "the settlement entry %llu does not decode",
		                      (unsigned long long)seq);
	}
	json_object_set_new(o, "settled", json_pack("{s:s%,s:I,s:O,s:s%,s:O}", "settlement_id", sid.p, sid.n, "seq",
	                                            (json_int_t)seq, "time_cst", json_object_get(row, "time_cst"),
	                                            "status", status.p, status.n, "by", json_object_get(row, "actor")));
	json_decref(row);
	*out = o;
	return PDL_OK;
}

/* ---- --explain ---- */

/* Finds the call.usage entries behind each input resource's weight: the
 * calls of the product's developer under its grant (call.request), then
 * their usage in the period for the product's resources. */
struct usage_scan {
	const struct pdl_settle_calc *x;
	const char *period;
	char calls[EXPLAIN_CALLS_MAX][PDL_ID_LEN_MAX + 1];
	size_t ncalls;
	json_t *per_res[PDL_SETTLE_INPUTS_MAX]; /* arrays of {seq, time_cst, call_id, records} */
};

static int
call_known(const struct usage_scan *u, struct pdl_str id)
{
	for (size_t i = 0; i < u->ncalls; i++)
		if (mp_str_eq(id.p, id.n, u->calls[i]))
			return 1;
	return 0;
}

static int
body_str(const struct lookup_entry *e, const char *k, struct pdl_str *v)
{
	struct mp_cur c;
	return mp_map_find(e->body, k, &c) == PDL_OK && mp_read_str(&c, &v->p, &v->n) == PDL_OK;
}

static void
usage_entry(struct usage_scan *u, const struct lookup_entry *e)
{
	struct pdl_str call, res, per;
	struct mp_cur rc;
	uint64_t records;
	char iso[PDL_CST_LEN];
	if (!body_str(e, "call_id", &call) || !call_known(u, call) || !body_str(e, "resource_id", &res) ||
	    !body_str(e, "period", &per) || !mp_str_eq(per.p, per.n, u->period) ||
	    mp_map_find(e->body, "records", &rc) != PDL_OK || mp_read_uint(&rc, &records) != PDL_OK)
		return;
	for (size_t i = 0; i < u->x->nres; i++)
		if (mp_str_eq(res.p, res.n, u->x->res[i].resource))
			json_array_append_new(u->per_res[i],
			                      json_pack("{s:I,s:s,s:s%,s:I}", "seq", (json_int_t)e->seq, "time_cst",
			                                pdl_ms_cst(e->time_ms, iso), "call_id", call.p, call.n, "records",
			                                (json_int_t)records));
}

static int
on_usage_entry(void *arg, uint64_t seq, const uint8_t *b, size_t n)
{
	struct usage_scan *u = arg;
	struct lookup_entry e;
	struct pdl_str call, grant;
	(void)seq;
	if (lookup_decode(b, n, &e) != PDL_OK)
		return 0;
	if (mp_str_eq(e.type.p, e.type.n, "call.request")) {
		if (body_str(&e, "call_id", &call) && body_str(&e, "grant_id", &grant) &&
		    mp_str_eq(grant.p, grant.n, u->x->grant) && mp_str_eq(e.actor.p, e.actor.n, u->x->dev) &&
		    u->ncalls < EXPLAIN_CALLS_MAX && call.n <= PDL_ID_LEN_MAX)
			snprintf(u->calls[u->ncalls++], PDL_ID_LEN_MAX + 1, "%.*s", (int)call.n, call.p);
	} else if (mp_str_eq(e.type.p, e.type.n, "call.usage")) {
		usage_entry(u, &e);
	}
	return 0;
}

/* "resources": each input resource, its provider, its records and their entries. */
static int
explain_resources(struct src *s, const struct pdl_settle_calc *x, const char *period, json_t *o,
                  struct pdl_status *st)
{
	static struct usage_scan u; /* 260 KiB of call ids: off the stack */
	uint64_t withheld;
	memset(&u, 0, sizeof u);
	u.x = x;
	u.period = period;
	for (size_t i = 0; i < x->nres; i++)
		u.per_res[i] = json_array();
	int rc = src_scan(s, 0, on_usage_entry, &u, &withheld, st);
	json_t *arr = json_array();
	for (size_t i = 0; i < x->nres; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:o}", "resource_id", x->res[i].resource, "provider",
		                                     x->res[i].provider, "records", (json_int_t)x->res[i].records,
		                                     "usage_entries", u.per_res[i]));
	json_object_set_new(o, "resources", arr);
	return rc;
}

/* "revenue": the records the gross sums, from state (revp/<product>/<period>/…). */
static json_t *
explain_revenue(struct pdl_ctx *c, const char *product, const char *period)
{
	char prefix[PDL_REC_KEY_MAX];
	int pn = snprintf(prefix, sizeof prefix, "revp/%s/%s/", product, period);
	json_t *arr = json_array();
	struct pdl_scan sc;
	int rc = pdl_store_state_scan(c->txn, c->s, prefix, (size_t)pn, &sc);
	while (rc == PDL_OK && (rc = pdl_scan_next(&sc)) == PDL_OK) {
		struct mp_cur r = mp_cur_make(sc.v, sc.vn);
		struct pdl_str latest;
		int64_t fen;
		uint64_t seq;
		if (pdl_rec_str(r, "revenue_id", &latest) != PDL_OK || pdl_rec_int(r, "gross_fen", &fen) != PDL_OK ||
		    pdl_rec_uint(r, "seq", &seq) != PDL_OK)
			continue;
		json_array_append_new(arr, json_pack("{s:s%,s:s%,s:I,s:o,s:I}", "original",
		                                     (const char *)sc.k + pn, sc.kn - (size_t)pn, "revenue_id",
		                                     latest.p, latest.n, "gross_fen", (json_int_t)fen, "gross_yuan",
		                                     yuan(fen), "seq", (json_int_t)seq));
	}
	pdl_scan_close(&sc);
	return arr;
}

/* One line's explanation: its formula, floor, remainder and extra fen. */
static json_t *
explain_line(const struct pdl_settle_calc *x, size_t i, const struct pdl_split_detail *d, uint64_t wsum, int equal)
{
	static const char *const roles[] = {"operator", "developer", "authority"};
	char f[256];
	int prov = i < x->np;
	const char *party = prov ? x->prov[i].id : i == x->np ? x->op : i == x->np + 1 ? x->dev : x->auth;
	uint32_t bp = prov ? x->bp[0] : x->bp[1 + (i - x->np)];
	if (prov)
		snprintf(f, sizeof f, "%lld × %u × %llu / (10000 × %llu)", (long long)x->gross, bp,
		         (unsigned long long)(equal ? 1 : x->prov[i].w), (unsigned long long)wsum);
	else
		snprintf(f, sizeof f, "%lld × %u / 10000", (long long)x->gross, bp);
	char rem[2 * PDL_SPLIT_DEC_LEN + 2];
	snprintf(rem, sizeof rem, "%s/%s", d->rem, d->den);
	json_t *l = json_pack("{s:s,s:s,s:I,s:s,s:I,s:s,s:I,s:I}", "party", party, "role", prov ? "provider" : roles[i - x->np],
	                      "bp", (json_int_t)bp, "share", f, "floor_fen", (json_int_t)d->floor_fen, "remainder", rem,
	                      "extra_fen", (json_int_t)d->extra_fen, "amount_fen", (json_int_t)x->amounts[i]);
	if (prov)
		json_object_set_new(l, "weight", json_integer((json_int_t)x->prov[i].w));
	json_object_set_new(l, "amount_yuan", yuan(x->amounts[i]));
	return l;
}

/* "split_bp", "providers", "lines", the floors and the leftover. */
static int
explain_split(const struct pdl_settle_calc *x, json_t *o)
{
	uint64_t w[PDL_SPLIT_PROVIDERS_MAX], wsum = 0;
	int64_t amounts[PDL_SPLIT_PROVIDERS_MAX + 3], floors = 0;
	struct pdl_split_detail d[PDL_SPLIT_PROVIDERS_MAX + 3];
	int equal = 1;
	json_t *provs = json_array(), *lines = json_array();
	for (size_t i = 0; i < x->np; i++) {
		w[i] = x->prov[i].w;
		wsum += w[i]; /* the ledger refused a sum that would wrap (settlement.usage_overflow) */
		equal &= w[i] == 0;
		json_array_append_new(provs, json_pack("{s:s,s:I}", "party", x->prov[i].id, "weight", (json_int_t)w[i]));
	}
	struct pdl_split_in in = {x->gross, x->bp[0], x->bp[1], x->bp[2], x->bp[3], x->np, w};
	int rc = pdl_split_explain(&in, amounts, d);
	for (size_t i = 0; rc == PDL_OK && i < x->np + 3; i++) {
		json_array_append_new(lines, explain_line(x, i, &d[i], equal ? x->np : wsum, equal));
		floors += d[i].floor_fen;
	}
	json_object_set_new(o, "split_bp", json_pack("{s:I,s:I,s:I,s:I}", "providers", (json_int_t)x->bp[0], "operator",
	                                             (json_int_t)x->bp[1], "developer", (json_int_t)x->bp[2],
	                                             "authority", (json_int_t)x->bp[3]));
	json_t *wj = json_object();
	json_object_set_new(wj, "basis",
	                    json_string(equal ? "no usage reported for these resources in the period: every provider "
	                                        "weighs 1"
	                                      : "records the product's input resources served its developer under its "
	                                        "grant in the period (call.usage); a provider weighs the sum over its "
	                                        "resources"));
	json_object_set_new(wj, "equal", json_boolean(equal));
	json_object_set_new(wj, "total", json_integer((json_int_t)(equal ? x->np : wsum)));
	json_object_set_new(o, "weights", wj);
	json_object_set_new(o, "providers", provs);
	json_object_set_new(o, "lines", lines);
	json_object_set_new(o, "floors_fen", json_integer(floors));
	json_object_set_new(o, "leftover_fen", json_integer(x->gross - floors));
	json_object_set_new(o, "largest_remainder",
	                    json_string("each line gets the floor of its exact share; the leftover fen go one each to the "
	                                "lines with the largest remainders (compared as fractions), ties to the earlier "
	                                "line; lines in order: providers by party id, operator, developer, authority"));
	return rc;
}

static int
explain(struct src *s, struct pdl_ctx *c, const struct settle_opts *o, json_t *rec)
{
	static struct pdl_settle_calc x; /* ~45 KiB */
	int rc = pdl_settlement_explain(c, pdl_cstr(o->product), pdl_cstr(o->period), &x);
	if (rc != PDL_OK)
		return rc;
	json_t *j = json_pack("{s:s,s:s,s:b,s:I,s:o,s:o,s:s,s:s,s:s,s:s}", "product_id", o->product, "period", o->period,
	                      "dry_run", 1, "gross_fen", (json_int_t)x.gross, "gross_yuan", yuan(x.gross), "revenue",
	                      explain_revenue(c, o->product, o->period), "grant_id", x.grant, "developer", x.dev,
	                      "operator", x.op, "authority", x.auth);
	if ((rc = explain_split(&x, j)) == PDL_OK)
		rc = explain_resources(s, &x, o->period, j, c->st);
	if (rc == PDL_OK && rec != NULL) {
		/* settled already: does today's state still give the recorded lines? */
		json_t *mine = json_object_get(j, "lines"), *theirs = json_object_get(rec, "lines");
		int same = json_array_size(mine) == json_array_size(theirs);
		for (size_t i = 0; same && i < json_array_size(mine); i++)
			same = json_equal(json_object_get(json_array_get(mine, i), "amount_fen"),
			                  json_object_get(json_array_get(theirs, i), "amount_fen")) &&
			       json_equal(json_object_get(json_array_get(mine, i), "party"),
			                  json_object_get(json_array_get(theirs, i), "party"));
		json_object_set(j, "settled", json_object_get(rec, "settled"));
		json_object_set(j, "recorded_lines", theirs);
		json_object_set_new(j, "matches_recorded", json_boolean(same));
	}
	if (rc == PDL_OK)
		out_json(j);
	else
		json_decref(j);
	return rc;
}

/* ---- --dry-run ---- */

static int
preview(struct pdl_ctx *c, const struct settle_opts *o)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	int rc = pdl_settlement_preview(c, pdl_cstr(o->product), pdl_cstr(o->period), &pk);
	if (rc == PDL_OK) {
		struct mp_cur cur = mp_cur_make(sb.data, sb.size);
		json_t *j = pdl_mp_to_json(&cur);
		add_yuan(j);
		json_object_set_new(j, "product_id", json_string(o->product));
		json_object_set_new(j, "period", json_string(o->period));
		json_object_set_new(j, "dry_run", json_true());
		out_json(j);
	}
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

static int
dry_run(const struct settle_opts *o)
{
	struct src s;
	struct pdl_engine e;
	struct pdl_ctx c;
	struct pdl_status st = {0};
	MDB_txn *t;
	json_t *rec = NULL;
	if (src_open(&s, o->dir, NULL, &st) != PDL_OK)
		return src_fail(&s, "settle", &st);
	if (open_ctx(&s.store, &e, &t, &c, &st) != PDL_OK) {
		pdl_engine_fini(&e);
		return src_fail(&s, "settle", &st);
	}
	int rc = recorded(&c, o->product, o->period, &rec);
	if (rc == PDL_ENOTFOUND)
		rc = o->explain ? explain(&s, &c, o, NULL) : preview(&c, o);
	else if (rc == PDL_OK && o->explain)
		rc = explain(&s, &c, o, rec);
	else if (rc == PDL_OK) {
		add_yuan(rec);
		json_object_set_new(rec, "product_id", json_string(o->product));
		json_object_set_new(rec, "period", json_string(o->period));
		json_object_set_new(rec, "dry_run", json_true());
		out_json(json_incref(rec));
	}
	json_decref(rec);
	pdl_store_rdone(&s.store, t);
	pdl_engine_fini(&e);
	if (rc != PDL_OK) {
		if (st.err == PDL_OK)
			pdl_status_set(&st, rc, NULL, "cannot compute the settlement");
		return src_fail(&s, "settle", &st);
	}
	src_close(&s);
	return 0;
}

/* ---- the settlement.run itself ---- */

static int
submit_run(const struct settle_opts *o)
{
	uint64_t nonce = o->nonce ? o->nonce : pdl_now_ms() * 1000 + (pdl_mono_ns() / 1000) % 1000;
	json_t *act = json_pack("{s:s,s:s,s:I,s:{s:s,s:s,s:s}}", "type", "settlement.run", "actor", o->actor, "nonce",
	                        (json_int_t)nonce, "body", "settlement_id", o->id, "product_id", o->product, "period",
	                        o->period);
	char path[] = "/tmp/pdl-settle-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || act == NULL) {
		json_decref(act);
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "pdl settle: cannot write the act to a temporary file (PDL_EIO)\n");
		return 1;
	}
	FILE *f = fdopen(fd, "w");
	json_dumpf(act, f, JSON_COMPACT);
	fclose(f);
	json_decref(act);
	char *sargv[] = {"submit", "--key", (char *)o->key, o->dir ? "--data" : "--ledger",
	                 (char *)(o->dir ? o->dir : o->ledger), path, NULL};
	optind = 1;
	int rc = pdl_cmd_submit(6, sargv);
	unlink(path);
	return rc;
}

int
cmd_settle(int argc, char **argv)
{
	struct settle_opts o;
	int orc = settle_opts(argc, argv, &o);
	if (orc >= 0)
		return orc;
	if (o.dry)
		return dry_run(&o);
	if (o.id == NULL || o.actor == NULL || o.key == NULL || (o.dir == NULL) == (o.ledger == NULL))
		return usage_error("settle", "give --id, --actor, --key and one of --data/--ledger (or --dry-run)");
	return submit_run(&o);
}
