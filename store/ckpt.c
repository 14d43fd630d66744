/* ckpt.c — see ckpt.h. Checkpoints are written without extension lines
 * (C2SP tlog-checkpoint recommends against them and public witnesses
 * refuse them): origin, size, root. The chain hash stays in every entry. */
#include <stdio.h>
#include <string.h>

#include "ckpt.h"

int
pdl_ckpt_make(MDB_txn *t, struct pdl_store *s, const struct pdl_head *h, const char *origin, const struct pdl_seckey *k,
              char *out, size_t cap, size_t *n)
{
	struct pdl_ckpt c;
	struct pdl_tree_ctx tc = {t, s};
	struct pdl_merkle_io io;
	char body[PDL_NOTE_BYTES_MAX];
	size_t bn;
	memset(&c, 0, sizeof c);
	snprintf(c.origin, sizeof c.origin, "%s", origin);
	c.size = h->size;
	pdl_store_tree_io(&tc, &io);
	int rc = pdl_merkle_root(&io, h->size, c.root);
	if (rc != PDL_OK)
		return rc;
	c.has_chain = 0; /* C2SP tlog-checkpoint: no extension line (spec/formats.md §6.1) */
	rc = pdl_ckpt_format(&c, body, sizeof body, &bn);
	if (rc != PDL_OK)
		return rc;
	rc = pdl_note_sign(body, bn, origin, k, out, cap, n);
	if (rc != PDL_OK)
		return rc;
	return pdl_store_ckpt_put(t, s, h->size, out, *n);
}
