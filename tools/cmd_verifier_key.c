/* cmd_verifier_key.c — pdl verifier-key: the signed-note verifier key of the ledger's checkpoints. */
#include <stdio.h>

#include "cli.h"
#include "note.h"

int
cmd_verifier_key(int argc, char **argv)
{
	const char *dir = NULL, *ledger = NULL;
	int orc = src_opts(argc, argv, "verifier-key",
	                   "usage: pdl verifier-key --data DIR\n\nPrints the signed-note verifier key of the ledger's "
			       "checkpoints:\nORIGIN+<8 hex key id>+<base64(type || public key)>: type 0x01 and the Ed25519 key in an\n"
			       "ed25519-sha256 ledger; 0xff, the identifier \"pdl.sm2-sm3/note\" and the SM2 key in an\n"
			       "sm2-sm3 ledger (spec/formats.md).\n", &dir, &ledger);
	if (orc >= 0)
		return orc;
	if (dir == NULL)
		return usage_error("verifier-key", "--data DIR is required");
	struct src s;
	struct pdl_status st = {0};
	if (src_open(&s, dir, NULL, &st) != PDL_OK)
		return src_fail(&s, "verifier-key", &st);
	MDB_txn *t;
	struct pdl_engine e;
	pdl_engine_init(&e, &s.store);
	int rc = pdl_store_rtxn(&s.store, &t);
	if (rc == PDL_OK) {
		rc = pdl_engine_load(&e, t);
		pdl_store_rdone(&s.store, t);
	}
	if (rc != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot read the genesis");
		return src_fail(&s, "verifier-key", &st);
	}
	char vkey[PDL_VKEY_LEN_MAX + 1];
	pdl_note_vkey_format(e.info.origin, &e.info.ledger_pk, vkey, sizeof vkey);
	printf("%s\n", vkey);
	pdl_engine_fini(&e);
	src_close(&s);
	return 0;
}
