/*
 * cmd_statement.c — pdl statement: a party's settlement lines for a period
 * or a range of periods, read from the settlement entries of the log, as
 * JSON (fen and yuan) or as CSV a spreadsheet sums right (lib/csv.h: the
 * same layout the revenue view serves).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "csv.h"
#include "date.h"
#include "split.h"
#include "state.h"

struct statement_opts {
	const char *dir, *party, *from, *to;
	int csv, bom;
};

static const char statement_help[] =
	"usage: pdl statement --party ID (--period YYYY-MM | --from YYYY-MM --to YYYY-MM) --data DIR\n"
	"                     [--csv [--bom]]\n\n"
	"The party's settlement lines for the period, or for every period from --from to --to\n"
	"(inclusive), read from the settlement entries in the log. JSON: {\"party\",\"party_name\",\n"
	"\"period\" (or \"from\",\"to\"),\"lines\":[{\"settlement_id\",\"product_id\",\"product_name\",\"period\",\n"
	"\"role\",\"amount_fen\",\"amount_yuan\",\"status\",\"seq\"}],\"total_fen\",\"total_yuan\"}; amounts are\n"
	"integer fen, *_yuan the same as exact decimal strings (\"-93.33\").\n"
	"--csv writes CSV: a header row, one row per line (with the party's and the product's names),\n"
	"and a last row labelled TOTAL whose total stands in its own columns (total_fen, total_yuan),\n"
	"so a SUM over amount_fen counts it once. Text is quoted as RFC 4180 says, and a name a\n"
	"spreadsheet would run as a formula (= + - @) gets a leading '. --bom starts the file with the\n"
	"UTF-8 byte order mark Excel needs to read Chinese names right.\n"
	"A party the ledger does not know is an error (PDL_ENOTFOUND), not an empty statement.\n";

static int
bad_period(const char *opt, const char *p)
{
	char m[128];
	snprintf(m, sizeof m, "%s %.16s is not a period: YYYY-MM with a month 01 to 12", opt, p);
	return usage_error("statement", m);
}

static int
statement_opts(int argc, char **argv, struct statement_opts *o)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'}, {"party", required_argument, NULL, 'p'},
		{"period", required_argument, NULL, 'P'}, {"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},    {"csv", no_argument, NULL, 'c'},
		{"bom", no_argument, NULL, 'b'},          {"help", no_argument, NULL, 'h'},
		{0}};
	const char *period = NULL;
	int ch;
	memset(o, 0, sizeof *o);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->dir = optarg; break;
		case 'p': o->party = optarg; break;
		case 'P': period = optarg; break;
		case 'f': o->from = optarg; break;
		case 't': o->to = optarg; break;
		case 'c': o->csv = 1; break;
		case 'b': o->bom = 1; break;
		case 'h': fputs(statement_help, stdout); return 0;
		default: return usage_error("statement", "unknown option");
		}
	}
	if (o->dir == NULL || o->party == NULL)
		return usage_error("statement", "--party ID and --data DIR are required");
	if ((period != NULL) == (o->from != NULL || o->to != NULL))
		return usage_error("statement", "give --period YYYY-MM, or --from YYYY-MM and --to YYYY-MM");
	if (period != NULL)
		o->from = o->to = period;
	if (o->from == NULL || o->to == NULL)
		return usage_error("statement", "a range needs both --from and --to");
	if (!pdl_period_valid(o->from, strlen(o->from)))
		return bad_period(period ? "--period" : "--from", o->from);
	if (!pdl_period_valid(o->to, strlen(o->to)))
		return bad_period("--to", o->to);
	if (strcmp(o->from, o->to) > 0)
		return usage_error("statement", "--from comes after --to");
	if (o->bom && !o->csv)
		return usage_error("statement", "--bom goes with --csv");
	return -1;
}

/* The name in a record (a party's is the array's fifth element); "" if
 * none. Returns PDL_ENOTFOUND when there is no such record. */
static int
name_of(struct pdl_ctx *c, const char *kind, struct pdl_str id, char *out, size_t cap)
{
	char key[PDL_REC_KEY_MAX];
	const uint8_t *v;
	size_t vn;
	struct pdl_str n = {"", 0};
	out[0] = 0;
	int kn = snprintf(key, sizeof key, "%s/%.*s", kind, (int)id.n, id.p);
	if (kn <= 0 || (size_t)kn >= sizeof key)
		return PDL_ENOTFOUND;
	int rc = pdl_store_state_get(c->txn, c->s, key, (size_t)kn, &v, &vn);
	if (rc != PDL_OK)
		return rc;
	struct mp_cur r = mp_cur_make(v, vn);
	if (strcmp(kind, "party") == 0) {
		uint32_t an;
		if (mp_read_array(&r, &an) != PDL_OK || an < 5)
			return PDL_OK;
		for (int i = 0; i < 4; i++)
			if (mp_skip(&r) != PDL_OK)
				return PDL_OK;
		if (mp_read_str(&r, &n.p, &n.n) != PDL_OK)
			return PDL_OK;
	} else if (pdl_rec_str(r, "name", &n) != PDL_OK) {
		return PDL_OK;
	}
	if (mp_utf8_valid(n.p, n.n))
		snprintf(out, cap, "%.*s", (int)n.n, n.p);
	return PDL_OK;
}

struct collect {
	const struct statement_opts *o;
	struct pdl_ctx *c;
	json_t *lines;
	int64_t total;
	int overflow;
};

/* The party's lines of one settlement entry. */
static void
collect_entry(struct collect *k, struct pdl_str sid, struct pdl_str prod, struct pdl_str per, struct pdl_str status,
              uint64_t seq)
{
	const uint8_t *eb;
	size_t en;
	struct pdl_entry e;
	struct pdl_status est;
	struct mp_cur lc;
	uint32_t nl;
	char pname[300];
	if (pdl_store_entry(k->c->txn, k->c->s, seq, &eb, &en) != PDL_OK || pdl_entry_decode(eb, en, &e, &est) != PDL_OK ||
	    mp_map_find(mp_cur_make(e.outcome, e.outcome_len), "lines", &lc) != PDL_OK || mp_read_array(&lc, &nl) != PDL_OK)
		return;
	(void)name_of(k->c, "prod", prod, pname, sizeof pname); /* no name: an empty field */
	for (uint32_t i = 0; i < nl; i++) {
		struct mp_cur line = lc, av;
		struct pdl_str p, role;
		int64_t amt;
		char y[32];
		if (mp_skip(&lc) != PDL_OK) /* the count is read from the store: stop where the bytes do */
			break;
		if (pdl_rec_str(line, "party", &p) != PDL_OK || !mp_str_eq(p.p, p.n, k->o->party) ||
		    pdl_rec_str(line, "role", &role) != PDL_OK || mp_map_find(line, "amount_fen", &av) != PDL_OK ||
		    mp_read_int(&av, &amt) != PDL_OK || !mp_utf8_valid(role.p, role.n))
			continue;
		json_array_append_new(k->lines, json_pack("{s:s%,s:s%,s:s,s:s%,s:s%,s:I,s:s,s:s%,s:I}", "settlement_id",
		                                          sid.p, sid.n, "product_id", prod.p, prod.n, "product_name", pname,
		                                          "period", per.p, per.n, "role", role.p, role.n, "amount_fen",
		                                          (json_int_t)amt, "amount_yuan", pdl_fen_cny(amt, y), "status",
		                                          status.p, status.n, "seq", (json_int_t)seq));
		k->overflow |= __builtin_add_overflow(k->total, amt, &k->total);
	}
}

/* Every settlement record (settle/<id>) of a period in the range. */
static int
collect(struct collect *k)
{
	struct pdl_scan sc;
	if (pdl_store_state_scan(k->c->txn, k->c->s, "settle/", 7, &sc) != PDL_OK)
		return pdl_status_set(k->c->st, PDL_ESTORE, NULL, "cannot read the ledger's settlements");
	while (pdl_scan_next(&sc) == PDL_OK) {
		struct mp_cur rec = mp_cur_make(sc.v, sc.vn);
		struct pdl_str per, prod, status, sid = {(const char *)sc.k + 7, sc.kn - 7};
		uint64_t seq;
		if (pdl_rec_str(rec, "period", &per) != PDL_OK || per.n != 7 || memcmp(per.p, k->o->from, 7) < 0 ||
		    memcmp(per.p, k->o->to, 7) > 0 || pdl_rec_uint(rec, "seq", &seq) != PDL_OK ||
		    pdl_rec_str(rec, "product_id", &prod) != PDL_OK || pdl_rec_str(rec, "status", &status) != PDL_OK)
			continue;
		if (!mp_utf8_valid(sid.p, sid.n) || !mp_utf8_valid(prod.p, prod.n) || !mp_utf8_valid(status.p, status.n))
			continue; /* not text: no record pdl wrote */
		collect_entry(k, sid, prod, per, status, seq);
	}
	pdl_scan_close(&sc);
	return PDL_OK;
}

static void
print_csv(const struct statement_opts *o, const char *pname, json_t *lines, int64_t total)
{
	size_t i;
	json_t *l;
	char range[32];
	if (o->bom)
		fputs(PDL_CSV_BOM, stdout);
	pdl_csv_header(stdout);
	json_array_foreach(lines, i, l) {
		struct pdl_csv_line r = {
			o->party, pname, json_string_value(json_object_get(l, "period")),
			json_string_value(json_object_get(l, "settlement_id")), json_string_value(json_object_get(l, "product_id")),
			json_string_value(json_object_get(l, "product_name")), json_string_value(json_object_get(l, "role")),
			json_string_value(json_object_get(l, "status")), json_integer_value(json_object_get(l, "amount_fen")),
			(uint64_t)json_integer_value(json_object_get(l, "seq"))};
		pdl_csv_row(stdout, &r);
	}
	if (strcmp(o->from, o->to) == 0)
		snprintf(range, sizeof range, "%s", o->from);
	else
		snprintf(range, sizeof range, "%s..%s", o->from, o->to);
	pdl_csv_total(stdout, pname, range, total);
}

static void
print_json(const struct statement_opts *o, const char *pname, json_t *lines, int64_t total)
{
	char y[32];
	json_t *j = json_object();
	json_object_set_new(j, "party", json_string(o->party));
	json_object_set_new(j, "party_name", json_string(pname));
	if (strcmp(o->from, o->to) == 0) {
		json_object_set_new(j, "period", json_string(o->from));
	} else {
		json_object_set_new(j, "from", json_string(o->from));
		json_object_set_new(j, "to", json_string(o->to));
	}
	json_object_set_new(j, "lines", lines);
	json_object_set_new(j, "total_fen", json_integer(total));
	json_object_set_new(j, "total_yuan", json_string(pdl_fen_cny(total, y)));
	out_json(j);
}

int
cmd_statement(int argc, char **argv)
{
	struct statement_opts o;
	int orc = statement_opts(argc, argv, &o);
	if (orc >= 0)
		return orc;
	struct src s;
	struct pdl_status st = {0};
	struct pdl_ctx c;
	MDB_txn *t;
	char pname[300];
	if (src_open(&s, o.dir, NULL, &st) != PDL_OK)
		return src_fail(&s, "statement", &st);
	if (pdl_store_rtxn(&s.store, &t) != PDL_OK) {
		pdl_status_set(&st, PDL_ESTORE, NULL, "cannot read the ledger in %s", o.dir);
		return src_fail(&s, "statement", &st);
	}
	memset(&c, 0, sizeof c);
	c.s = &s.store;
	c.txn = t;
	c.st = &st;
	struct collect k = {&o, &c, json_array(), 0, 0};
	int rc = name_of(&c, "party", pdl_cstr(o.party), pname, sizeof pname);
	if (rc == PDL_ENOTFOUND)
		rc = pdl_status_set(&st, PDL_ENOTFOUND, NULL, "no party %s in this ledger (pdl show party ID looks one up)",
		                    o.party);
	else if (rc != PDL_OK)
		rc = pdl_status_set(&st, rc, NULL, "cannot read party %s", o.party);
	else
		rc = collect(&k);
	pdl_store_rdone(&s.store, t);
	if (rc == PDL_OK && k.overflow)
		rc = pdl_status_set(&st, PDL_EINVAL, NULL, "the total of %s's lines from %s to %s exceeds 2^63-1 fen",
		                    o.party, o.from, o.to);
	if (rc != PDL_OK) {
		json_decref(k.lines);
		return src_fail(&s, "statement", &st);
	}
	src_close(&s);
	if (o.csv) {
		print_csv(&o, pname, k.lines, k.total);
		json_decref(k.lines);
	} else {
		print_json(&o, pname, k.lines, k.total);
	}
	return 0;
}
