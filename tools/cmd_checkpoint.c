/* cmd_checkpoint.c — pdl checkpoint: the published checkpoint (ckpt.h's
 * pdl_ckpt_published), exactly as stored. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int
cmd_checkpoint(int argc, char **argv)
{
	const char *dir = NULL, *ledger = NULL;
	int orc = src_opts(argc, argv, "checkpoint",
	                   "usage: pdl checkpoint (--data DIR | --ledger URL)\n\nPrints the published checkpoint "
			       "exactly as stored: the C2SP tlog-checkpoint body,\na blank line and the signature lines. "
			       "Without a witness policy it is the newest checkpoint\nthe ledger signed; under pdld "
			       "--witness-policy, the newest one whose witness cosignatures\nmet the quorum, with them "
			       "(cosignature/v1 lines after the ledger's).\n", &dir, &ledger);
	if (orc >= 0)
		return orc;
	struct src s;
	struct pdl_status st = {0};
	char *note;
	size_t n;
	if (src_open(&s, dir, ledger, &st) != PDL_OK || src_checkpoint(&s, &note, &n, &st) != PDL_OK)
		return src_fail(&s, "checkpoint", &st);
	fwrite(note, 1, n, stdout);
	free(note);
	src_close(&s);
	return 0;
}
