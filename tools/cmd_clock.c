/* cmd_clock.c — pdl clock set: the test clock of a pdld --test-clock. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mpjson.h"

int
cmd_clock(int argc, char **argv)
{
	const char *dir = NULL, *ledger = NULL;
	int orc = src_opts(argc, argv, "clock",
	                   "usage: pdl clock set (--data DIR | --ledger URL) WHEN\n\n"
			       "Sets the ledger time of a pdld started with --test-clock. WHEN is ms since the\n"
			       "epoch or ISO 8601 (2026-10-09T10:00:00+08:00). Time only moves forward.\n", &dir, &ledger);
	if (orc >= 0)
		return orc;
	uint64_t ms;
	if (optind + 2 != argc || strcmp(argv[optind], "set") != 0)
		return usage_error("clock", "usage: pdl clock set WHEN");
	if (parse_when(argv[optind + 1], &ms) != PDL_OK)
		return usage_error("clock", "WHEN is ms since the epoch or ISO 8601 with a zone");
	char url[4200];
	if (dir != NULL) {
		pdl_client_url_for_dir(dir, url, sizeof url);
		ledger = url;
		dir = NULL;
	}
	struct src s;
	struct pdl_status st = {0};
	if (src_open(&s, NULL, ledger, &st) != PDL_OK)
		return src_fail(&s, "clock", &st);
	msgpack_sbuffer sb;
	uint8_t *rep;
	size_t rn;
	pdl_req_clock(&sb, ms);
	int rc = src_call(&s, &sb, &rep, &rn, &st);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return src_fail(&s, "clock", &st);
	free(rep);
	json_t *o = json_object();
	json_object_set_new(o, "time_ms", json_integer((json_int_t)ms));
	pdl_json_add_cst(o);
	out_json(o);
	src_close(&s);
	return 0;
}
