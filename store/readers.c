/* readers.c — see readers.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ckpt.h"
#include "crypto.h"
#include "entry.h"
#include "note.h"
#include "readers.h"

int
pdl_read_head(MDB_txn *t, const struct pdl_store *s, struct pdl_head *h, struct pdl_status *st)
{
	int rc = pdl_store_head(t, s, h);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "the head record is unreadable (%s)", pdl_errmsg(rc));
	return PDL_OK;
}

int
pdl_read_entry_bound(uint64_t seq, size_t n, struct pdl_status *st)
{
	if (n > PDL_ENTRY_BYTES_MAX)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry %" PRIu64 " is %zu bytes, over the %u-byte limit of an entry",
		                      seq, n, PDL_ENTRY_BYTES_MAX);
	return PDL_OK;
}

int
pdl_read_entry(MDB_txn *t, const struct pdl_store *s, uint64_t seq, const uint8_t **b, size_t *n,
               struct pdl_status *st)
{
	int rc = pdl_store_entry(t, s, seq, b, n);
	if (rc == PDL_ENOTFOUND)
		return pdl_status_set(st, rc, NULL, "no entry %" PRIu64, seq);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot read entry %" PRIu64, seq);
	return pdl_read_entry_bound(seq, *n, st);
}

int
pdl_read_note_bound(size_t n, struct pdl_status *st)
{
	if (n > PDL_NOTE_BYTES_MAX)
		return pdl_status_set(st, PDL_ENOTE, NULL, "the checkpoint is %zu bytes, over the %u-byte limit of a note", n,
		                      PDL_NOTE_BYTES_MAX);
	return PDL_OK;
}

int
pdl_read_checkpoint(MDB_txn *t, const struct pdl_store *s, uint64_t *size, const char **note, size_t *n,
                    struct pdl_status *st)
{
	const char *pol;
	size_t pn;
	int rc = pdl_ckpt_published(t, s, size, note, n);
	if (rc == PDL_ENOTFOUND && pdl_ckpt_policy(t, s, &pol, &pn))
		return pdl_status_set(st, rc, NULL,
		                      "no checkpoint has met the witness policy's quorum yet (pdld --witness-policy)");
	if (rc == PDL_ENOTFOUND)
		return pdl_status_set(st, rc, NULL, "no checkpoint stored");
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "the checkpoint table is unreadable");
	if (*size == 0)
		return pdl_status_set(st, PDL_ENOTE, NULL, "a checkpoint is stored under size 0");
	return pdl_read_note_bound(*n, st);
}

/* "; stored sizes nearest it: 5 and 9" (or one of them, or none). */
static void
nearest_sizes(MDB_txn *t, const struct pdl_store *s, uint64_t size, char *out, size_t cap)
{
	MDB_cursor *c;
	uint8_t k[8];
	MDB_val key = {8, k}, val;
	int have_above = 0, have_below = 0;
	uint64_t above = 0, below = 0;
	out[0] = 0;
	pdl_be64(k, size);
	if (mdb_cursor_open(t, s->ckpt, &c) != 0)
		return;
	int m = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE);
	if (m == 0 && key.mv_size == 8) {
		have_above = 1;
		above = pdl_get_be64(key.mv_data);
		m = mdb_cursor_get(c, &key, &val, MDB_PREV);
	} else {
		m = mdb_cursor_get(c, &key, &val, MDB_LAST);
	}
	if (m == 0 && key.mv_size == 8) {
		have_below = 1;
		below = pdl_get_be64(key.mv_data);
	}
	mdb_cursor_close(c);
	if (have_below && have_above)
		snprintf(out, cap, "; the stored sizes nearest it are %" PRIu64 " and %" PRIu64, below, above);
	else if (have_below || have_above)
		snprintf(out, cap, "; the stored size nearest it is %" PRIu64, have_below ? below : above);
}

int
pdl_read_checkpoint_at(MDB_txn *t, const struct pdl_store *s, uint64_t size, const char **note, size_t *n,
                       struct pdl_status *st)
{
	int rc = pdl_store_ckpt_get(t, s, size, note, n);
	if (rc == PDL_ENOTFOUND) {
		char near[96];
		nearest_sizes(t, s, size, near, sizeof near);
		return pdl_status_set(st, rc, NULL, "no checkpoint is stored at size %" PRIu64 "%s (pdl checkpoint --list)",
		                      size, near);
	}
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "the checkpoint table is unreadable");
	if (size == 0)
		return pdl_status_set(st, PDL_ENOTE, NULL, "a checkpoint is stored under size 0");
	return pdl_read_note_bound(*n, st);
}

int
pdl_read_checkpoint_sizes(MDB_txn *t, const struct pdl_store *s, int (*fn)(void *arg, uint64_t size), void *arg,
                          struct pdl_status *st)
{
	MDB_cursor *c;
	MDB_val key, val;
	if (mdb_cursor_open(t, s->ckpt, &c) != 0)
		return pdl_status_set(st, PDL_ESTORE, NULL, "the checkpoint table is unreadable");
	int rc = PDL_OK;
	for (int m = mdb_cursor_get(c, &key, &val, MDB_FIRST); m == 0; m = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		if (key.mv_size != 8) {
			rc = pdl_status_set(st, PDL_ESTORE, NULL, "a checkpoint is stored under a key of %zu bytes", key.mv_size);
			break;
		}
		if (fn(arg, pdl_get_be64(key.mv_data)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc;
}

static int
proof_fail(int rc, struct pdl_status *st)
{
	if (rc == PDL_ENOTFOUND)
		return pdl_status_set(st, rc, NULL, "a tree node the proof needs is not stored");
	if (rc == PDL_ESTORE)
		return pdl_status_set(st, rc, NULL, "a stored tree node is unreadable (not %u bytes)", PDL_HASH_BYTES);
	return pdl_status_set(st, rc, NULL, "cannot build the proof");
}

int
pdl_read_inclusion(MDB_txn *t, struct pdl_store *s, uint64_t index, uint64_t size, uint8_t leaf[PDL_HASH_BYTES], pdl_hash *proof,
                   size_t *n, struct pdl_status *st)
{
	struct pdl_head h;
	int rc = pdl_read_head(t, s, &h, st);
	if (rc != PDL_OK)
		return rc;
	if (index >= size || size > h.size)
		return pdl_status_set(st, PDL_EINVAL, NULL, "need INDEX < SIZE <= %" PRIu64, h.size);
	struct pdl_tree_ctx tc = {t, s};
	struct pdl_merkle_io io;
	pdl_store_tree_io(&tc, &io);
	rc = io.get(io.ctx, 0, index, leaf);
	if (rc == PDL_OK)
		rc = pdl_merkle_prove_inclusion(&io, index, size, proof, n);
	return rc == PDL_OK ? PDL_OK : proof_fail(rc, st);
}

int
pdl_read_consistency(MDB_txn *t, struct pdl_store *s, uint64_t old_size, uint64_t new_size, pdl_hash *proof,
                     size_t *n, struct pdl_status *st)
{
	struct pdl_head h;
	int rc = pdl_read_head(t, s, &h, st);
	if (rc != PDL_OK)
		return rc;
	if (old_size == 0 || old_size > new_size || new_size > h.size)
		return pdl_status_set(st, PDL_EINVAL, NULL, "need 0 < OLD <= NEW <= %" PRIu64, h.size);
	struct pdl_tree_ctx tc = {t, s};
	struct pdl_merkle_io io;
	pdl_store_tree_io(&tc, &io);
	rc = pdl_merkle_prove_consistency(&io, old_size, new_size, proof, n);
	return rc == PDL_OK ? PDL_OK : proof_fail(rc, st);
}

/* Entry 0, checked to decode as an entry at seq 0. */
static int
genesis_entry(MDB_txn *t, const struct pdl_store *s, const uint8_t **b, size_t *n, struct pdl_status *st)
{
	struct pdl_entry e;
	struct pdl_status dst;
	int rc = pdl_read_entry(t, s, 0, b, n, st);
	if (rc == PDL_ENOTFOUND)
		return pdl_status_set(st, PDL_EGENESIS, NULL, "the ledger has no genesis entry");
	if (rc != PDL_OK)
		return rc;
	if (pdl_entry_decode(*b, *n, &e, &dst) != PDL_OK)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry 0 does not decode: %s", dst.msg);
	if (e.seq != 0)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry 0 says seq %" PRIu64, e.seq);
	return PDL_OK;
}

int
pdl_read_suite(MDB_txn *t, const struct pdl_store *s, struct pdl_status *st)
{
	const uint8_t *b;
	size_t n;
	const struct pdl_suite *suite;
	int rc = genesis_entry(t, s, &b, &n, st);
	if (rc != PDL_OK)
		return rc;
	if ((rc = pdl_genesis_suite(b, n, &suite, st)) != PDL_OK)
		return rc;
	pdl_suite_use(suite);
	return PDL_OK;
}

int
pdl_read_ledger_id(MDB_txn *t, const struct pdl_store *s, uint8_t id[PDL_HASH_BYTES], struct pdl_status *st)
{
	const uint8_t *b;
	size_t n;
	int rc = pdl_read_suite(t, s, st);
	if (rc == PDL_OK)
		rc = genesis_entry(t, s, &b, &n, st);
	if (rc != PDL_OK)
		return rc;
	pdl_digest(id, b, n);
	return PDL_OK;
}

size_t
pdl_export_line(uint64_t seq, const uint8_t *b, size_t n, char *out, size_t cap)
{
	if (n > PDL_ENTRY_BYTES_MAX)
		return 0;
	int hn = snprintf(out, cap, "{\"seq\":%" PRIu64 ",\"entry\":\"", seq);
	size_t bl = pdl_b64_len(n); /* with its NUL */
	if (hn < 0 || (size_t)hn + bl + 3 > cap)
		return 0;
	pdl_b64(b, n, out + hn);
	size_t len = (size_t)hn + bl - 1;
	memcpy(out + len, "\"}\n", 4);
	return len + 3;
}
