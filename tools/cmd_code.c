/*
 * cmd_code.c — pdl code: check a registration code or a unified social
 * credit code; with a ledger, confirm a registration code was assigned
 * there, by whom and when.
 *
 * A wrong check character is the commonest typing mistake, so the reply
 * says which character the rest of the code calls for.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "lookup.h"

static const char code_help[] =
	"usage: pdl code check CODE [--data DIR | --ledger URL]\n"
	"       pdl code uscc CODE\n\n"
	"check: validates a registration code <6 digits>-<year>-<R|P|S>-<8 digits>-<check>\n"
	"(ISO/IEC 7064 MOD 37,36 over the code without hyphens). With --data or --ledger it\n"
	"also confirms the ledger assigned it: {\"assigned\":true,\"application_id\",\"by\" (the\n"
	"registrar that signed registration.assign_code),\"seq\",\"time_ms\",\"time_cst\",\"hash\",\n"
	"\"status\" (live, or cancelled with \"cancelled\":{seq,by,time_cst,reason}),\"entries\"\n"
	"(every act naming the code)}; a valid code the ledger never assigned exits 1.\n"
	"uscc: validates a unified social credit code (GB 32100).\n"
	"Prints {\"code\",\"valid\",…}; a wrong check character names the one expected\n"
	"(\"expected_check\"). Exits 1 when invalid.\n";

/* Why a registration code is malformed; NULL when well formed. flat gets
 * the characters without hyphens (*k of them). */
static const char *
code_shape(const char *code, char flat[32], size_t *k)
{
	static const char shape[] = "999999-9999-K-99999999-C";
	size_t n = strlen(code);
	*k = 0;
	if (n != sizeof shape - 1)
		return "a code has the form 420100-2026-R-00000042-B";
	for (size_t i = 0; i < n; i++) {
		char c = code[i];
		if ((shape[i] == '-' && c != '-') || (shape[i] == '9' && (c < '0' || c > '9')) ||
		    (shape[i] == 'K' && c != 'R' && c != 'P' && c != 'S') ||
		    (shape[i] == 'C' && !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))))
			return "a code has the form 420100-2026-R-00000042-B";
		if (c != '-')
			flat[(*k)++] = c;
	}
	return NULL;
}

/* {"code","valid"[,"why","expected_check"]}; *valid set. */
static json_t *
check_json(const char *kind, const char *code, int *valid)
{
	char flat[32], expect = 0;
	size_t k;
	const char *why;
	if (strcmp(kind, "uscc") == 0) {
		why = pdl_uscc_why(code, strlen(code));
		if (why != NULL && strcmp(why, "check character mismatch") == 0) {
			char first[18];
			memcpy(first, code, 17);
			first[17] = 0;
			if (pdl_uscc_check_char(first, &expect) != PDL_OK)
				expect = 0;
		}
	} else {
		why = code_shape(code, flat, &k);
		if (why == NULL && pdl_mod3736_valid(flat, k) != PDL_OK) {
			why = "check character mismatch";
			if (pdl_mod3736_check_char(flat, k - 1, &expect) != PDL_OK)
				expect = 0;
		}
	}
	json_t *o = json_object();
	json_object_set_new(o, "code", json_string(code));
	json_object_set_new(o, "valid", json_boolean(why == NULL));
	if (why != NULL && expect != 0) {
		char w[96], e[2] = {expect, 0};
		snprintf(w, sizeof w, "check character mismatch: the rest of the code calls for %c, not %c", expect,
		         code[strlen(code) - 1]);
		json_object_set_new(o, "why", json_string(w));
		json_object_set_new(o, "expected_check", json_string(e));
	} else if (why != NULL) {
		json_object_set_new(o, "why", json_string(why));
	}
	*valid = why == NULL;
	return o;
}

/* ---- was it assigned: the log's acts about the code ---- */

struct code_scan {
	const char *code;
	json_t *assigned; /* the assign_code row */
	json_t *cancelled;
	json_t *entries;
	char app[PDL_ID_LEN_MAX + 1];
};

static int
on_code_entry(void *arg, uint64_t seq, const uint8_t *b, size_t n)
{
	struct code_scan *cs = arg;
	struct lookup_entry e;
	struct mp_cur v;
	(void)seq;
	if (lookup_decode(b, n, &e) != PDL_OK)
		return 0;
	int assign = mp_str_eq(e.type.p, e.type.n, "registration.assign_code");
	int names = assign ? mp_map_find(e.outcome, "code", &v) == PDL_OK && lookup_str_is(v, cs->code)
	                   : mp_map_find(e.body, "code", &v) == PDL_OK && lookup_str_is(v, cs->code) &&
	                         e.type.n > 13 && memcmp(e.type.p, "registration.", 13) == 0;
	if (!names)
		return 0;
	json_t *row = lookup_row(&e);
	if (assign && cs->assigned == NULL) {
		const char *a;
		size_t an;
		if (mp_map_find(e.body, "application_id", &v) == PDL_OK && mp_read_str(&v, &a, &an) == PDL_OK &&
		    an <= PDL_ID_LEN_MAX)
			snprintf(cs->app, sizeof cs->app, "%.*s", (int)an, a);
		cs->assigned = json_incref(row);
	}
	if (mp_str_eq(e.type.p, e.type.n, "registration.cancel") && cs->cancelled == NULL) {
		const char *r;
		size_t rn;
		cs->cancelled = json_pack("{s:O,s:O,s:O}", "seq", json_object_get(row, "seq"), "by",
		                          json_object_get(row, "actor"), "time_cst", json_object_get(row, "time_cst"));
		if (mp_map_find(e.body, "reason", &v) == PDL_OK && mp_read_str(&v, &r, &rn) == PDL_OK)
			json_object_set_new(cs->cancelled, "reason", json_stringn(r, rn));
	}
	json_array_append_new(cs->entries, row);
	return 0;
}

/* Adds what the ledger says of the code to o; 0 when it was assigned. */
static int
confirm(const char *dir, const char *ledger, const char *code, json_t *o)
{
	struct src s;
	struct pdl_status st = {0};
	struct code_scan cs = {code, NULL, NULL, json_array(), ""};
	uint64_t withheld = 0;
	if (src_open(&s, dir, ledger, &st) != PDL_OK || src_scan(&s, 0, on_code_entry, &cs, &withheld, &st) != PDL_OK) {
		json_decref(cs.entries);
		json_decref(cs.assigned);
		json_decref(cs.cancelled);
		json_decref(o);
		return src_fail(&s, "code", &st);
	}
	src_close(&s);
	json_object_set_new(o, "assigned", json_boolean(cs.assigned != NULL));
	if (cs.assigned != NULL) {
		json_object_set_new(o, "application_id", json_string(cs.app));
		json_object_set(o, "by", json_object_get(cs.assigned, "actor"));
		json_object_set(o, "seq", json_object_get(cs.assigned, "seq"));
		json_object_set(o, "time_ms", json_object_get(cs.assigned, "time_ms"));
		json_object_set(o, "time_cst", json_object_get(cs.assigned, "time_cst"));
		json_object_set(o, "hash", json_object_get(cs.assigned, "hash"));
		json_object_set_new(o, "status", json_string(cs.cancelled ? "cancelled" : "live"));
		if (cs.cancelled)
			json_object_set_new(o, "cancelled", cs.cancelled);
		json_object_set_new(o, "entries", cs.entries);
		json_decref(cs.assigned);
	} else {
		json_decref(cs.entries);
	}
	if (withheld)
		json_object_set_new(o, "withheld", json_integer((json_int_t)withheld));
	int assigned = json_is_true(json_object_get(o, "assigned"));
	out_json(o);
	if (!assigned)
		fprintf(stderr, "pdl code: %s is well formed but this ledger never assigned it (PDL_ENOTFOUND)\n", code);
	return assigned ? 0 : 1;
}

int
cmd_code(int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {0}};
	const char *dir = NULL, *ledger = NULL;
	int ch;
	if (want_help(argc, argv)) {
		fputs(code_help, stdout);
		return 0;
	}
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'd')
			dir = optarg;
		else if (ch == 'L')
			ledger = optarg;
		else
			return usage_error("code", "unknown option");
	}
	if (optind + 2 != argc)
		return usage_error("code", "usage: pdl code check|uscc CODE");
	const char *kind = argv[optind], *code = argv[optind + 1];
	if (strcmp(kind, "uscc") != 0 && strcmp(kind, "check") != 0)
		return usage_error("code", "the subcommand is check or uscc");
	if ((dir || ledger) && strcmp(kind, "check") != 0)
		return usage_error("code", "--data and --ledger go with check (registration codes)");
	if (dir && ledger)
		return usage_error("code", "give one of --data DIR or --ledger URL");
	int valid;
	json_t *o = check_json(kind, code, &valid);
	if (!valid || (dir == NULL && ledger == NULL)) {
		out_json(o);
		return valid ? 0 : 1;
	}
	return confirm(dir, ledger, code, o);
}
