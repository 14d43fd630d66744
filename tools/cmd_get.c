/* cmd_get.c — pdl get: one entry, as JSON or its exact leaf bytes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "mpjson.h"

int
cmd_get(int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {"raw", no_argument, NULL, 'r'}, {0}};
	const char *dir = NULL, *ledger = NULL;
	int ch, raw = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'd')
			dir = optarg;
		else if (ch == 'L')
			ledger = optarg;
		else if (ch == 'r')
			raw = 1;
		else if (ch == 'h') {
			printf("usage: pdl get SEQ [--raw] (--data DIR | --ledger URL)\n\nPrints entry SEQ as JSON, or with "
			       "--raw writes its exact leaf bytes (the msgpack\nentry that the Merkle leaf hashes) to "
			       "stdout.\n");
			return 0;
		} else
			return usage_error("get", "unknown option");
	}
	uint64_t seq;
	if (optind + 1 != argc || pdl_u64_parse(argv[optind], &seq) != PDL_OK)
		return usage_error("get", "give one SEQ, a non-negative integer");
	struct src s;
	struct pdl_status st = {0};
	uint8_t *b;
	size_t n;
	if (src_open(&s, dir, ledger, &st) != PDL_OK || src_get(&s, seq, &b, &n, &st) != PDL_OK)
		return src_fail(&s, "get", &st);
	if (raw) {
		fwrite(b, 1, n, stdout);
	} else {
		json_t *j = pdl_entry_to_json(b, n);
		if (j == NULL) {
			pdl_status_set(&st, PDL_EDECODE, NULL, "entry %llu does not decode", (unsigned long long)seq);
			free(b);
			return src_fail(&s, "get", &st);
		}
		out_json(j);
	}
	free(b);
	src_close(&s);
	return 0;
}
