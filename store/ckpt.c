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

size_t
pdl_ckpt_signed_len(const char *note, size_t n)
{
	/* the writer's note: body lines, one blank line, one signature line */
	for (size_t i = 0; i + 1 < n; i++) {
		if (note[i] == '\n' && note[i + 1] == '\n') {
			const char *eol = memchr(note + i + 2, '\n', n - i - 2);
			return eol ? (size_t)(eol - note) + 1 : 0;
		}
	}
	return 0;
}

int
pdl_ckpt_policy(MDB_txn *t, const struct pdl_store *s, const char **policy, size_t *n)
{
	const uint8_t *v;
	if (pdl_store_meta_get(t, s, PDL_META_WITNESS_POLICY, &v, n) != PDL_OK)
		return 0;
	*policy = (const char *)v;
	return 1;
}

int
pdl_ckpt_policy_set(MDB_txn *t, struct pdl_store *s, const char *policy, size_t n)
{
	if (policy != NULL)
		return pdl_store_meta_put(t, s, PDL_META_WITNESS_POLICY, policy, n);
	MDB_val key = {strlen(PDL_META_WITNESS_POLICY), (void *)PDL_META_WITNESS_POLICY};
	int rc = mdb_del(t, s->meta, &key, NULL);
	return rc == MDB_NOTFOUND ? PDL_OK : pdl_store_err(rc);
}

int
pdl_ckpt_published(MDB_txn *t, const struct pdl_store *s, uint64_t *size, const char **note, size_t *n)
{
	const char *pol;
	const uint8_t *v;
	size_t pn, vn;
	if (!pdl_ckpt_policy(t, s, &pol, &pn))
		return pdl_store_ckpt_latest(t, s, size, note, n);
	int rc = pdl_store_meta_get(t, s, PDL_META_WITNESSED, &v, &vn);
	if (rc != PDL_OK)
		return rc;
	if (vn != 8)
		return PDL_ESTORE;
	*size = pdl_get_be64(v);
	rc = pdl_store_ckpt_get(t, s, *size, note, n);
	return rc == PDL_ENOTFOUND ? PDL_ESTORE : rc; /* invariant (2) */
}

int
pdl_ckpt_cosigned_put(MDB_txn *t, struct pdl_store *s, uint64_t size, const char *note, size_t n, int quorate)
{
	const char *cur;
	size_t cn;
	int rc = pdl_store_ckpt_get(t, s, size, &cur, &cn);
	if (rc != PDL_OK)
		return rc;
	/* invariant (1): the ledger-signed part stays as the writer made it */
	size_t sl = pdl_ckpt_signed_len(cur, cn);
	if (sl == 0 || n < sl || n > PDL_NOTE_BYTES_MAX || memcmp(cur, note, sl) != 0)
		return PDL_EINVAL;
	if ((rc = pdl_store_ckpt_put(t, s, size, note, n)) != PDL_OK || !quorate)
		return rc;
	const uint8_t *v;
	size_t vn;
	if (pdl_store_meta_get(t, s, PDL_META_WITNESSED, &v, &vn) == PDL_OK && vn == 8 && pdl_get_be64(v) >= size)
		return PDL_OK; /* invariant (2) */
	uint8_t b[8];
	pdl_be64(b, size);
	return pdl_store_meta_put(t, s, PDL_META_WITNESSED, b, sizeof b);
}
