/*
 * pdl settle / pdl statement — finance staff's commands.
 *
 *   settle --product ID --period P --dry-run --data DIR
 *          prints the split a settlement.run would record now, computed by
 *          the same code the ledger runs (fam_revenue.c), from a read snapshot.
 *   settle --product ID --period P --id SETTLEMENT_ID --actor PARTY --key KEY (--data DIR | --ledger URL)
 *          submits settlement.run and prints the receipt with its lines.
 *   statement --party ID --period P --data DIR [--csv]
 *          the party's settlement lines of a period, read from the log's
 *          settlement outcomes, with the total.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "cli.h"
#include "mpjson.h"
#include "split.h"
#include "state.h"

int pdl_settlement_preview(struct pdl_ctx *c, struct pdl_str product, struct pdl_str period, msgpack_packer *pk);

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

static int
settle(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'}, {"ledger", required_argument, NULL, 'L'},
		{"product", required_argument, NULL, 'p'}, {"period", required_argument, NULL, 'P'},
		{"id", required_argument, NULL, 'i'},      {"actor", required_argument, NULL, 'a'},
		{"key", required_argument, NULL, 'k'},     {"nonce", required_argument, NULL, 'n'},
		{"dry-run", no_argument, NULL, 'D'},       {"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *dir = NULL, *ledger = NULL, *product = NULL, *period = NULL, *id = NULL, *actor = NULL, *key = NULL;
	int ch, dry = 0;
	uint64_t nonce = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'L': ledger = optarg; break;
		case 'p': product = optarg; break;
		case 'P': period = optarg; break;
		case 'i': id = optarg; break;
		case 'a': actor = optarg; break;
		case 'k': key = optarg; break;
		case 'n':
			if (parse_u64(optarg, &nonce) != PDL_OK)
				return usage_error("settle", "--nonce is a number");
			break;
		case 'D': dry = 1; break;
		case 'h':
			printf("usage: pdl settle --product ID --period YYYY-MM --dry-run --data DIR\n"
			       "       pdl settle --product ID --period YYYY-MM --id SETTLEMENT_ID --actor PARTY --key KEYFILE\n"
			       "                  (--data DIR | --ledger URL) [--nonce N]\n\n"
			       "--dry-run prints the split a settlement.run would record now (same code as the ledger):\n"
			       "{\"product_id\",\"period\",\"gross_fen\",\"lines\":[{\"party\",\"role\",\"amount_fen\"}]}.\n"
			       "Otherwise submits settlement.run and prints its receipt (outcome holds the lines).\n");
			return 0;
		default: return usage_error("settle", "unknown option");
		}
	}
	if (product == NULL || period == NULL || !pdl_period_valid(period, strlen(period)))
		return usage_error("settle", "--product ID and --period YYYY-MM are required");
	struct pdl_status st = {0};
	if (dry) {
		if (dir == NULL)
			return usage_error("settle", "--dry-run reads --data DIR");
		struct pdl_store s;
		struct pdl_engine e;
		struct pdl_ctx c;
		MDB_txn *t;
		int rc = pdl_store_open(&s, dir, PDL_STORE_RDONLY);
		if (rc != PDL_OK) {
			pdl_status_set(&st, rc, NULL, "cannot open the ledger in %s", dir);
			return die_status("settle", &st);
		}
		if (open_ctx(&s, &e, &t, &c, &st) != PDL_OK) {
			pdl_engine_fini(&e);
			pdl_store_close(&s);
			return die_status("settle", &st);
		}
		msgpack_sbuffer sb;
		msgpack_packer pk;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		rc = pdl_settlement_preview(&c, pdl_cstr(product), pdl_cstr(period), &pk);
		pdl_store_rdone(&s, t);
		if (rc != PDL_OK) {
			if (st.err == PDL_OK)
				pdl_status_set(&st, rc, NULL, "cannot compute the settlement");
			msgpack_sbuffer_destroy(&sb);
			pdl_engine_fini(&e);
			pdl_store_close(&s);
			return die_status("settle", &st);
		}
		struct mp_cur cur = mp_cur_make(sb.data, sb.size);
		json_t *o = pdl_mp_to_json(&cur);
		json_object_set_new(o, "product_id", json_string(product));
		json_object_set_new(o, "period", json_string(period));
		json_object_set_new(o, "dry_run", json_true());
		out_json(o);
		msgpack_sbuffer_destroy(&sb);
		pdl_engine_fini(&e);
		pdl_store_close(&s);
		return 0;
	}
	if (id == NULL || actor == NULL || key == NULL || (dir == NULL) == (ledger == NULL))
		return usage_error("settle", "give --id, --actor, --key and one of --data/--ledger (or --dry-run)");
	if (nonce == 0)
		nonce = pdl_now_ms() * 1000 + (pdl_mono_ns() / 1000) % 1000;
	json_t *act = json_pack("{s:s,s:s,s:I,s:{s:s,s:s,s:s}}", "type", "settlement.run", "actor", actor, "nonce",
	                        (json_int_t)nonce, "body", "settlement_id", id, "product_id", product, "period", period);
	char path[] = "/tmp/pdl-settle-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || act == NULL)
		return 1;
	FILE *f = fdopen(fd, "w");
	json_dumpf(act, f, JSON_COMPACT);
	fclose(f);
	json_decref(act);
	char *sargv[] = {"submit", "--key", (char *)key, dir ? "--data" : "--ledger", (char *)(dir ? dir : ledger), path, NULL};
	extern int pdl_cmd_submit(int, char **);
	optind = 1;
	int rc = pdl_cmd_submit(6, sargv);
	unlink(path);
	return rc;
}

/* Statement lines of party in period, from the settlement entries. */
static int
statement(int argc, char **argv)
{
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'}, {"party", required_argument, NULL, 'p'},
	                                     {"period", required_argument, NULL, 'P'}, {"csv", no_argument, NULL, 'c'},
	                                     {"help", no_argument, NULL, 'h'}, {0}};
	const char *dir = NULL, *party = NULL, *period = NULL;
	int ch, csv = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'p': party = optarg; break;
		case 'P': period = optarg; break;
		case 'c': csv = 1; break;
		case 'h':
			printf("usage: pdl statement --party ID --period YYYY-MM --data DIR [--csv]\n\n"
			       "The party's settlement lines for the period, read from the settlement entries in the\n"
			       "log: settlement, product, role, amount (fen and yuan), status, seq; and the total.\n"
			       "--csv writes CSV with a header row and a final total row.\n");
			return 0;
		default: return usage_error("statement", "unknown option");
		}
	}
	if (dir == NULL || party == NULL || period == NULL || !pdl_period_valid(period, strlen(period)))
		return usage_error("statement", "--party, --period YYYY-MM and --data are required");
	struct pdl_store s;
	struct pdl_status st = {0};
	int rc = pdl_store_open(&s, dir, PDL_STORE_RDONLY);
	if (rc != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot open the ledger in %s", dir);
		return die_status("statement", &st);
	}
	MDB_txn *t;
	MDB_cursor *cur;
	MDB_val k = {7, "settle/"}, v;
	if (pdl_store_rtxn(&s, &t) != PDL_OK) {
		pdl_store_close(&s);
		pdl_status_set(&st, PDL_ESTORE, NULL, "cannot read the ledger in %s", dir);
		return die_status("statement", &st);
	}
	if (mdb_cursor_open(t, s.state, &cur) != 0) {
		pdl_store_rdone(&s, t);
		pdl_store_close(&s);
		pdl_status_set(&st, PDL_ESTORE, NULL, "cannot read the ledger in %s", dir);
		return die_status("statement", &st);
	}
	json_t *lines = json_array();
	int64_t total = 0;
	int overflow = 0;
	for (int m = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); m == 0; m = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 7 || memcmp(k.mv_data, "settle/", 7) != 0)
			break;
		struct mp_cur rec = mp_cur_make(v.mv_data, v.mv_size);
		struct pdl_str per, prod, status;
		uint64_t seq;
		if (pdl_rec_str(rec, "period", &per) != PDL_OK || !mp_str_eq(per.p, per.n, period) ||
		    pdl_rec_uint(rec, "seq", &seq) != PDL_OK || pdl_rec_str(rec, "product_id", &prod) != PDL_OK ||
		    pdl_rec_str(rec, "status", &status) != PDL_OK)
			continue;
		const uint8_t *eb;
		size_t en;
		struct pdl_entry e;
		struct pdl_status est;
		struct mp_cur lc;
		uint32_t nl;
		if (pdl_store_entry(t, &s, seq, &eb, &en) != PDL_OK || pdl_entry_decode(eb, en, &e, &est) != PDL_OK ||
		    mp_map_find(mp_cur_make(e.outcome, e.outcome_len), "lines", &lc) != PDL_OK ||
		    mp_read_array(&lc, &nl) != PDL_OK)
			continue;
		for (uint32_t i = 0; i < nl; i++) {
			struct mp_cur line = lc;
			struct pdl_str p, role;
			struct mp_cur av;
			int64_t amt;
			/* the count is read from the store: stop where the bytes do */
			if (mp_skip(&lc) != PDL_OK)
				break;
			if (pdl_rec_str(line, "party", &p) != PDL_OK || !mp_str_eq(p.p, p.n, party) ||
			    pdl_rec_str(line, "role", &role) != PDL_OK || mp_map_find(line, "amount_fen", &av) != PDL_OK ||
			    mp_read_int(&av, &amt) != PDL_OK)
				continue;
			if (!mp_utf8_valid((const char *)k.mv_data + 7, k.mv_size - 7) || !mp_utf8_valid(prod.p, prod.n) ||
			    !mp_utf8_valid(role.p, role.n) || !mp_utf8_valid(status.p, status.n))
				continue; /* not text: no line of a record pdl wrote */
			json_t *o = json_object();
			json_object_set_new(o, "settlement_id", json_stringn((const char *)k.mv_data + 7, k.mv_size - 7));
			json_object_set_new(o, "product_id", json_stringn(prod.p, prod.n));
			json_object_set_new(o, "role", json_stringn(role.p, role.n));
			json_object_set_new(o, "amount_fen", json_integer(amt));
			json_object_set_new(o, "status", json_stringn(status.p, status.n));
			json_object_set_new(o, "seq", json_integer((json_int_t)seq));
			json_array_append_new(lines, o);
			overflow |= __builtin_add_overflow(total, amt, &total);
		}
	}
	mdb_cursor_close(cur);
	pdl_store_rdone(&s, t);
	pdl_store_close(&s);
	if (overflow) {
		json_decref(lines);
		pdl_status_set(&st, PDL_EINVAL, NULL, "the total of %s's lines in %s exceeds 2^63-1 fen", party, period);
		return die_status("statement", &st);
	}
	if (csv) {
		size_t i;
		json_t *o;
		printf("party,period,settlement_id,product_id,role,amount_fen,amount_cny,status,seq\n");
		json_array_foreach(lines, i, o) {
			int64_t a = json_integer_value(json_object_get(o, "amount_fen"));
			char cny[32];
			printf("%s,%s,%s,%s,%s,%lld,%s,%s,%lld\n", party, period,
			       json_string_value(json_object_get(o, "settlement_id")),
			       json_string_value(json_object_get(o, "product_id")), json_string_value(json_object_get(o, "role")),
			       (long long)a, pdl_fen_cny(a, cny), json_string_value(json_object_get(o, "status")),
			       (long long)json_integer_value(json_object_get(o, "seq")));
		}
		char tcny[32];
		printf("%s,%s,TOTAL,,,%lld,%s,,\n", party, period, (long long)total, pdl_fen_cny(total, tcny));
		json_decref(lines);
		return 0;
	}
	json_t *o = json_object();
	json_object_set_new(o, "party", json_string(party));
	json_object_set_new(o, "period", json_string(period));
	json_object_set_new(o, "lines", lines);
	json_object_set_new(o, "total_fen", json_integer(total));
	out_json(o);
	return 0;
}

int
cmd_settle(int argc, char **argv)
{
	return settle(argc, argv);
}

int
cmd_statement(int argc, char **argv)
{
	return statement(argc, argv);
}
