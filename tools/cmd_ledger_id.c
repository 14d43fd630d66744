/* cmd_ledger_id.c — pdl ledger-id: the ledger id every act signature names. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

int
cmd_ledger_id(int argc, char **argv)
{
	const char *dir = NULL, *ledger = NULL;
	int orc = src_opts(argc, argv, "ledger-id",
	                   "usage: pdl ledger-id (--data DIR | --ledger URL)\n\n"
	                   "Prints the ledger id in hex: the hash of the genesis entry's exact bytes (its chain hash;\nSHA-256, or SM3 in an sm2-sm3 ledger).\n"
	                   "Every act signature names it (\"pdl/act/v2\\n\" || ledger id || act), so an act signed\n"
	                   "for one ledger is refused by every other. Give it to `pdl sign --ledger-id` to sign\n"
	                   "acts on a machine that cannot reach the ledger.\n",
	                   &dir, &ledger);
	if (orc >= 0)
		return orc;
	if (optind != argc)
		return usage_error("ledger-id", "it takes no arguments");
	struct src s;
	struct pdl_status st = {0};
	uint8_t id[PDL_HASH_BYTES];
	char hex[2 * PDL_HASH_BYTES + 1];
	if (src_open(&s, dir, ledger, &st) != PDL_OK || src_ledger_id(&s, id, &st) != PDL_OK)
		return src_fail(&s, "ledger-id", &st);
	pdl_hex(id, sizeof id, hex);
	printf("%s\n", hex);
	src_close(&s);
	return 0;
}
