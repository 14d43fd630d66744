/*
 * pdl token — a reader's signed token for one request to pdl-project's
 * private listener (projections/core/http.h; the format is lib/readtok.h and
 * spec/formats.md):
 *
 *   pdl token --key FILE --party ID (--data DIR | --ledger URL | --ledger-id HEX)
 *             [--method GET] [--time MS] TARGET
 *
 * prints the value of the Authorization header, so that
 *   curl -H "Authorization: $(pdl token … /v1/revenue/parties/ID)" http://HOST/v1/revenue/parties/ID
 * works. TARGET is the request target exactly as it will be sent (path and
 * query). With --data or --ledger the ledger id is read from the ledger
 * (chain hash of entry 0), and with --data the key is also checked against
 * the party's current key, so a wrong or rotated key fails here instead of
 * as a 401 later.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "cli.h"
#include "key.h"
#include "readtok.h"

static const char help[] =
	"usage: pdl token --key FILE --party ID (--data DIR | --ledger URL | --ledger-id HEX)\n"
	"                 [--method GET] [--time MS] TARGET\n\n"
	"Prints a read token for one request to pdl-project's private listener: the value of\n"
	"its Authorization header, PDL-Sig party=ID,time=MS,sig=BASE64. The signature (by the\n"
	"party's ledger key) covers this ledger's id, the HTTP method and TARGET, the request\n"
	"target exactly as sent (path and query: sign \"/v1/revenue/parties/ID?period=2026-09\"\n"
	"for that URL); the server accepts it for 5 minutes either side of TIME.\n\n"
	"  --key FILE       the party's secret key (its current one: after party.rotate_key the\n"
	"                   new key)\n"
	"  --party ID       the party the key belongs to\n"
	"  --data DIR       read the ledger id from the data directory (and check that the key\n"
	"                   is the party's current key and the party is not suspended)\n"
	"  --ledger URL     read the ledger id from a pdld\n"
	"  --ledger-id HEX  the ledger id itself: the hash of entry 0, 64 hex digits (a private\n"
	"                   listener's 401 names it in WWW-Authenticate)\n"
	"  --method M       the HTTP method (default GET)\n"
	"  --time MS        sign for this time (ms since the epoch) instead of now\n\n"
	"  curl -H \"Authorization: $(pdl token --key me.key --party me --data DIR /v1/revenue/parties/me)\" \\\n"
	"       http://127.0.0.1:8081/v1/revenue/parties/me\n";

/* The request target of an HTTP request line: origin-form, visible ASCII. */
static int
target_ok(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > PDL_READTOK_TARGET_MAX || t[0] != '/')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return 0;
	return 1;
}

static int
method_ok(const char *m)
{
	size_t n = strlen(m);
	if (n == 0 || n > 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (m[i] < 'A' || m[i] > 'Z')
			return 0;
	return 1;
}

static int
nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 64 lowercase hex digits (spec/formats.md §0: uppercase is refused). */
static int
hex32(const char *s, uint8_t out[PDL_HASH_BYTES])
{
	if (strlen(s) != 2 * PDL_HASH_BYTES)
		return PDL_EINVAL;
	for (size_t i = 0; i < PDL_HASH_BYTES; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return PDL_EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return PDL_OK;
}

/* The ledger id from the ledger itself; with a data directory, also checks
 * the key against the party's record. 0, or the exit code. */
static int
from_ledger(const char *data, const char *ledger, const char *party, const struct pdl_seckey *k, const char *key,
            uint8_t lid[PDL_HASH_BYTES])
{
	struct src s;
	struct pdl_status st = {0};
	uint8_t *e = NULL;
	size_t n;
	const struct pdl_suite *suite = NULL;
	int rc = src_open(&s, data, ledger, &st);
	if (rc == PDL_OK)
		rc = src_get(&s, 0, &e, &n, &st);
	/* the id is entry 0's hash in the suite entry 0 names, the key's suite too */
	if (rc == PDL_OK)
		rc = pdl_genesis_suite(e, n, &suite, &st);
	if (rc == PDL_OK && k->suite != suite)
		rc = pdl_key_wrong_suite(key, k, suite, &st);
	if (rc != PDL_OK) {
		free(e);
		src_close(&s);
		return die_status("token", &st);
	}
	pdl_suite_use(suite);
	pdl_digest(lid, e, n);
	free(e);
	if (s.local) {
		MDB_txn *t;
		struct pdl_party p;
		rc = pdl_store_rtxn(&s.store, &t);
		if (rc == PDL_OK) {
			rc = pdl_party_get(t, &s.store, party, strlen(party), &p);
			pdl_store_rdone(&s.store, t);
		}
		if (rc == PDL_ENOTFOUND) {
			fprintf(stderr, "pdl token: no party %s in the ledger in %s\n", party, data);
			src_close(&s);
			return 1;
		}
		if (rc != PDL_OK) {
			fprintf(stderr, "pdl token: cannot read party %s in %s (%s)\n", party, data, pdl_strerror(rc));
			src_close(&s);
			return 1;
		}
		if (!pdl_pubkey_eq(&p.pk, &k->pk)) {
			fprintf(stderr, "pdl token: the key is not %s's current key (rotated?): the server would refuse the "
			                "token\n", party);
			src_close(&s);
			return 1;
		}
		if (p.suspended)
			fprintf(stderr, "pdl token: warning: %s is suspended; the server refuses its reads\n", party);
	}
	src_close(&s);
	return 0;
}

int
cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},       {"party", required_argument, NULL, 'p'},
		{"data", required_argument, NULL, 'd'},      {"ledger", required_argument, NULL, 'L'},
		{"ledger-id", required_argument, NULL, 'i'}, {"method", required_argument, NULL, 'm'},
		{"time", required_argument, NULL, 't'},      {"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *key = NULL, *party = NULL, *data = NULL, *ledger = NULL, *idhex = NULL, *method = "GET";
	uint64_t when = 0;
	int have_time = 0, ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k': key = optarg; break;
		case 'p': party = optarg; break;
		case 'd': data = optarg; break;
		case 'L': ledger = optarg; break;
		case 'i': idhex = optarg; break;
		case 'm': method = optarg; break;
		case 't':
			if (pdl_u64_parse(optarg, &when) != PDL_OK)
				return usage_error("token", "--time is ms since the epoch");
			have_time = 1;
			break;
		case 'h': fputs(help, stdout); return 0;
		default: return usage_error("token", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return usage_error("token", "give one TARGET, the request target as sent (/v1/…)");
	const char *target = argv[optind];
	if (key == NULL || party == NULL)
		return usage_error("token", "--key FILE and --party ID are required");
	if ((data != NULL) + (ledger != NULL) + (idhex != NULL) != 1)
		return usage_error("token", "give exactly one of --data DIR, --ledger URL or --ledger-id HEX");
	if (!pdl_id_valid(party, strlen(party)))
		return usage_error("token", "--party is an id: 1-64 of A-Z a-z 0-9 . _ -");
	if (!target_ok(target))
		return usage_error("token", "TARGET is a request target: it starts with / and has no spaces or control "
		                            "characters (percent-encode them), at most 2048 characters");
	if (!method_ok(method))
		return usage_error("token", "--method is an HTTP method such as GET");
	uint8_t lid[PDL_HASH_BYTES];
	struct pdl_seckey k;
	if (idhex != NULL && hex32(idhex, lid) != PDL_OK)
		return usage_error("token", "--ledger-id is 64 lowercase hex digits (the hash of entry 0)");
	struct pdl_status st = {0};
	if (pdl_key_load(key, &k, &st) != PDL_OK)
		return die_status("token", &st);
	if (idhex == NULL) {
		int rc = from_ledger(data, ledger, party, &k, key, lid);
		if (rc != 0) {
			pdl_seckey_wipe(&k);
			return rc;
		}
	}
	char out[PDL_READTOK_LEN_MAX + 1];
	int rc = pdl_readtok_sign(out, sizeof out, party, &k, lid, method, target, have_time ? when : pdl_now_ms());
	pdl_seckey_wipe(&k);
	if (rc != PDL_OK) {
		fprintf(stderr, "pdl token: cannot sign the token (%s)\n", pdl_strerror(rc));
		return 1;
	}
	puts(out);
	return 0;
}
