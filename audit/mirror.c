/* mirror.c — see mirror.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto.h"
#include "mirror.h"
#include "readers.h"

#define MIRROR_TXN_ENTRIES 4096u /* entries per write transaction of an append */

int
pdl_mirror_open(struct pdl_mirror *m, const char *dir, const char *vkey, struct pdl_status *st)
{
	memset(m, 0, sizeof *m);
	if (pdl_note_vkey_parse(vkey, m->origin, sizeof m->origin, &m->pk) != PDL_OK)
		return pdl_status_set(st, PDL_ENOTE, NULL, "--vkey is not a signed-note verifier key (name+id+key)");
	/* the suite the verifier key's type names hashes every leaf and root the
	 * mirror checks; a genesis that names another is refused (invariant 2) */
	pdl_suite_use(m->pk.suite);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return pdl_status_set(st, PDL_EIO, NULL, "cannot create %s: %s", dir, strerror(errno));
	int rc = pdl_store_open(&m->store, dir, PDL_STORE_CREATE);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot open the mirror's store in %s: %s", dir, pdl_errmsg(rc));
	pdl_engine_init(&m->engine, &m->store);
	MDB_txn *t;
	if ((rc = pdl_store_rtxn(&m->store, &t)) != PDL_OK) {
		pdl_mirror_close(m);
		return pdl_status_set(st, rc, NULL, "cannot read the mirror's store");
	}
	struct pdl_head h;
	rc = pdl_store_head(t, &m->store, &h);
	if (rc == PDL_OK && h.size > 0) {
		rc = pdl_engine_load(&m->engine, t);
		if (rc == PDL_OK && (!pdl_pubkey_eq(&m->engine.info.ledger_pk, &m->pk) ||
		                     strcmp(m->engine.info.origin, m->origin) != 0))
			rc = pdl_status_set(st, PDL_EINVAL, NULL,
			                    "the mirror in %s is of another ledger (%s) than --vkey names (%s)", dir,
			                    m->engine.info.origin, m->origin);
	}
	pdl_store_rdone(&m->store, t);
	if (rc != PDL_OK) {
		if (st->err == PDL_OK)
			pdl_status_set(st, rc, NULL, "the mirror's store in %s is unreadable", dir);
		pdl_mirror_close(m);
		return rc;
	}
	return PDL_OK;
}

void
pdl_mirror_close(struct pdl_mirror *m)
{
	pdl_engine_fini(&m->engine);
	pdl_store_close(&m->store);
}

int
pdl_mirror_head(struct pdl_mirror *m, uint64_t *size, char *note, size_t cap, size_t *n, struct pdl_status *st)
{
	MDB_txn *t;
	struct pdl_head h;
	const char *nb;
	size_t nn;
	uint64_t cs;
	*n = 0;
	if (pdl_store_rtxn(&m->store, &t) != PDL_OK)
		return pdl_status_set(st, PDL_ESTORE, NULL, "cannot read the mirror's store");
	int rc = pdl_read_head(t, &m->store, &h, st);
	if (rc == PDL_OK) {
		*size = h.size;
		if (pdl_store_ckpt_latest(t, &m->store, &cs, &nb, &nn) == PDL_OK && nn < cap) {
			memcpy(note, nb, nn);
			note[nn] = '\0';
			*n = nn;
		}
	}
	pdl_store_rdone(&m->store, t);
	return rc;
}

int
pdl_mirror_note(const struct pdl_mirror *m, const char *note, size_t n, struct pdl_ckpt *c, struct pdl_status *st)
{
	size_t bl;
	if (n > PDL_NOTE_BYTES_MAX || pdl_ckpt_parse(note, n, c) != PDL_OK)
		return pdl_status_set(st, PDL_ENOTE, NULL, "the checkpoint does not parse as a C2SP checkpoint");
	if (strcmp(c->origin, m->origin) != 0)
		return pdl_status_set(st, PDL_ENOTE, NULL, "the checkpoint's origin %s is not %s (--vkey)", c->origin,
		                      m->origin);
	if (pdl_note_verify(note, n, m->origin, &m->pk, &bl) != PDL_OK)
		return pdl_status_set(st, PDL_EBADSIG, NULL, "the checkpoint at size %" PRIu64 " is not signed by --vkey",
		                      c->size);
	return PDL_OK;
}

static int
root_in(MDB_txn *t, struct pdl_store *s, uint64_t size, uint8_t root[32])
{
	struct pdl_tree_ctx tc = {t, s};
	struct pdl_merkle_io io;
	pdl_store_tree_io(&tc, &io);
	return pdl_merkle_root(&io, size, root);
}

int
pdl_mirror_root(struct pdl_mirror *m, uint64_t size, uint8_t root[32], struct pdl_status *st)
{
	MDB_txn *t;
	if (pdl_store_rtxn(&m->store, &t) != PDL_OK)
		return pdl_status_set(st, PDL_ESTORE, NULL, "cannot read the mirror's store");
	int rc = root_in(t, &m->store, size, root);
	pdl_store_rdone(&m->store, t);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot compute the mirror's root at size %" PRIu64, size);
	return PDL_OK;
}

int
pdl_mirror_root_with(struct pdl_mirror *m, const pdl_hash *leaves, size_t k, uint8_t root[32], struct pdl_status *st)
{
	MDB_txn *t;
	struct pdl_head h;
	struct pdl_merkle_range r;
	if (pdl_store_rtxn(&m->store, &t) != PDL_OK)
		return pdl_status_set(st, PDL_ESTORE, NULL, "cannot read the mirror's store");
	int rc = pdl_read_head(t, &m->store, &h, st);
	/* the compact range of the mirror's head: one stored node per set bit */
	struct pdl_tree_ctx tc = {t, &m->store};
	struct pdl_merkle_io io;
	pdl_store_tree_io(&tc, &io);
	pdl_merkle_range_init(&r);
	uint64_t lo = 0;
	for (int b = 63; rc == PDL_OK && b >= 0; b--) {
		if (!(h.size >> b & 1))
			continue;
		rc = io.get(io.ctx, (unsigned)b, lo >> b, r.stack[r.n]);
		r.n++;
		lo += UINT64_C(1) << b;
	}
	r.size = h.size;
	pdl_store_rdone(&m->store, t);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "the mirror's tree is unreadable (run pdl verify on it)");
	for (size_t i = 0; i < k; i++)
		(void)pdl_merkle_range_push(&r, leaves[i], NULL);
	pdl_merkle_range_root(&r, root);
	return PDL_OK;
}

int
pdl_mirror_keep_note(struct pdl_mirror *m, const char *note, size_t n, struct pdl_status *st)
{
	struct pdl_ckpt c;
	MDB_txn *t;
	uint8_t root[32];
	const char *have;
	size_t hn;
	if (pdl_ckpt_parse(note, n, &c) != PDL_OK)
		return pdl_status_set(st, PDL_ENOTE, NULL, "the checkpoint does not parse");
	if (pdl_store_wtxn(&m->store, &t) != PDL_OK)
		return pdl_status_set(st, PDL_ESTORE, NULL, "cannot write the mirror's store");
	int rc = root_in(t, &m->store, c.size, root);
	if (rc == PDL_OK && memcmp(root, c.root, 32) != 0)
		rc = pdl_status_set(st, PDL_EMERKLE, NULL, "the checkpoint at size %" PRIu64 " has another root", c.size);
	else if (rc == PDL_OK && pdl_store_ckpt_get(t, &m->store, c.size, &have, &hn) != PDL_OK)
		rc = pdl_store_ckpt_put(t, &m->store, c.size, note, n);
	if (rc != PDL_OK) {
		mdb_txn_abort(t);
		return st->err ? rc : pdl_status_set(st, rc, NULL, "cannot keep the checkpoint");
	}
	if (pdl_store_err(pdl_store_commit(&m->store, t)) != PDL_OK)
		return pdl_status_set(st, PDL_ESTORE, NULL, "cannot commit the mirror's store");
	return PDL_OK;
}

/* Makes sure the note an entry refers to (a checkpoint.cosign's) is stored
 * before the entry is re-decided (invariant 4). */
static int
ref_note(struct pdl_mirror *m, MDB_txn *t, uint64_t seq, const uint8_t *e, size_t n, pdl_mirror_note_fn fetch,
         void *arg, struct pdl_status *st)
{
	static _Thread_local char note[PDL_NOTE_BYTES_MAX + 1];
	uint64_t size;
	const char *have;
	size_t hn, nn = 0;
	struct pdl_ckpt c;
	uint8_t root[32];
	if (!pdl_entry_ckpt_ref(e, n, &size) || size == 0 || size > seq)
		return PDL_OK; /* not a reference the rules could accept anyway */
	if (pdl_store_ckpt_get(t, &m->store, size, &have, &hn) == PDL_OK)
		return PDL_OK;
	if (fetch == NULL || fetch(arg, size, note, sizeof note - 1, &nn, st) != PDL_OK)
		return pdl_status_set(st, PDL_ENOTFOUND, NULL,
		                      "entry %" PRIu64 " cosigns the ledger's checkpoint at size %" PRIu64
		                      ", which the source does not give (%s)",
		                      seq, size, st->msg);
	if (pdl_mirror_note(m, note, nn, &c, st) != PDL_OK || c.size != size)
		return pdl_status_set(st, PDL_EBADSIG, NULL,
		                      "the checkpoint at size %" PRIu64 " that entry %" PRIu64 " names is not the ledger's", size,
		                      seq);
	if (root_in(t, &m->store, size, root) != PDL_OK || memcmp(root, c.root, 32) != 0)
		return pdl_status_set(st, PDL_EMERKLE, NULL,
		                      "the ledger's checkpoint at size %" PRIu64 " does not match the mirrored tree", size);
	return pdl_store_ckpt_put(t, &m->store, size, note, nn);
}

/* Step 1 of an append: the root the k entries make after the mirror's
 * head is the checkpoint's (nothing is written for entries that do not). */
static int
append_root(struct pdl_mirror *m, const uint8_t *const *entries, const size_t *lens, size_t k,
            const struct pdl_ckpt *c, struct pdl_mirror_result *r, struct pdl_status *st)
{
	uint8_t root[PDL_HASH_BYTES];
	pdl_hash *leaves = malloc((k ? k : 1) * sizeof *leaves);
	if (leaves == NULL)
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	for (size_t i = 0; i < k; i++)
		pdl_merkle_leaf_hash(entries[i], lens[i], leaves[i]);
	int rc = pdl_mirror_root_with(m, leaves, k, root, st);
	free(leaves);
	if (rc != PDL_OK)
		return rc;
	if (memcmp(root, c->root, PDL_HASH_BYTES) != 0) {
		r->root_mismatch = 1;
		return pdl_status_set(st, PDL_EMERKLE, NULL,
		                      "the entries served do not make the root of the checkpoint at size %" PRIu64, c->size);
	}
	return PDL_OK;
}

/* Step 2, for one entry (b, n) at the head h: re-decided by the rules into
 * the same bytes (invariant 1), in t. */
static int
append_one(struct pdl_mirror *m, MDB_txn *t, struct pdl_head *h, const uint8_t *b, size_t n,
           pdl_mirror_note_fn fetch, void *arg, struct pdl_status *st)
{
	struct pdl_entry en;
	struct pdl_act a;
	struct pdl_status es = {0};
	struct pdl_receipt rec;
	uint64_t seq = h->size;
	if (n > PDL_ENTRY_BYTES_MAX || pdl_entry_decode(b, n, &en, &es) != PDL_OK ||
	    pdl_act_decode(en.act, en.act_len, en.sig, &a, &es) != PDL_OK)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry %" PRIu64 " does not decode: %s", seq, es.msg);
	if (en.seq != seq)
		return pdl_status_set(st, PDL_ECHAIN, NULL, "entry %" PRIu64 " says it is seq %" PRIu64, seq, en.seq);
	int rc = ref_note(m, t, seq, b, n, fetch, arg, st);
	if (rc != PDL_OK)
		return rc;
	rc = pdl_engine_submit(&m->engine, t, h, en.time_ms, &a, NULL, &rec, &es);
	if (rc == PDL_ESTORE || rc == PDL_EMAPFULL)
		return pdl_status_set(st, rc, NULL, "cannot write the mirror's store (%s)", es.msg);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, es.rule[0] ? es.rule : NULL, "entry %" PRIu64 ": the rules refuse its act: %s",
		                      seq, es.msg);
	if (rec.dup || rec.seq != seq)
		return pdl_status_set(st, PDL_ENONCE, NULL, "entry %" PRIu64 " repeats an earlier (actor, nonce)", seq);
	if (m->engine.entry.size != n || memcmp(m->engine.entry.data, b, n) != 0)
		return pdl_status_set(st, PDL_ERULE, NULL,
		                      "entry %" PRIu64 " is not what the rules make of its act: its chain link or "
		                      "outcome differs",
		                      seq);
	if (seq == 0 && (!pdl_pubkey_eq(&m->engine.info.ledger_pk, &m->pk) || strcmp(m->engine.info.origin, m->origin) != 0))
		return pdl_status_set(st, PDL_EGENESIS, NULL, "the log's genesis names the ledger %s with another key than --vkey",
		                      m->engine.info.origin);
	return PDL_OK;
}

/* Step 3: the note, under the root it was checked against; commits t. */
static int
append_note(struct pdl_mirror *m, MDB_txn *t, const struct pdl_ckpt *c, const char *note, size_t note_n,
            struct pdl_status *st)
{
	uint8_t root[PDL_HASH_BYTES];
	int rc = root_in(t, &m->store, c->size, root);
	if (rc != PDL_OK || memcmp(root, c->root, PDL_HASH_BYTES) != 0) {
		mdb_txn_abort(t);
		return pdl_status_set(st, PDL_EMERKLE, NULL, "the mirror's tree does not make the checkpoint's root");
	}
	if ((rc = pdl_store_ckpt_put(t, &m->store, c->size, note, note_n)) != PDL_OK) {
		mdb_txn_abort(t);
		return pdl_status_set(st, rc, NULL, "cannot commit the mirror's store");
	}
	if ((rc = pdl_store_err(pdl_store_commit(&m->store, t))) != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot commit the mirror's store");
	return PDL_OK;
}

/* After a failed append: the engine's cache follows the store again
 * (what genesis fixed). */
static void
reload_engine(struct pdl_mirror *m)
{
	MDB_txn *rt;
	if (pdl_store_rtxn(&m->store, &rt) == PDL_OK) {
		struct pdl_head hh;
		if (pdl_store_head(rt, &m->store, &hh) == PDL_OK && hh.size > 0)
			(void)pdl_engine_load(&m->engine, rt);
		pdl_store_rdone(&m->store, rt);
	}
}

int
pdl_mirror_append(struct pdl_mirror *m, const uint8_t *const *entries, const size_t *lens, size_t k,
                  const char *note, size_t note_n, pdl_mirror_note_fn fetch, void *arg,
                  struct pdl_mirror_result *r, struct pdl_status *st)
{
	struct pdl_ckpt c;
	MDB_txn *t = NULL;
	struct pdl_head h;
	int rc;
	memset(r, 0, sizeof *r);
	if (pdl_ckpt_parse(note, note_n, &c) != PDL_OK)
		return pdl_status_set(st, PDL_ENOTE, NULL, "the checkpoint does not parse");
	if ((rc = append_root(m, entries, lens, k, &c, r, st)) != PDL_OK)
		return rc;
	for (size_t i = 0; i < k; i++) {
		if (t == NULL && (pdl_store_wtxn(&m->store, &t) != PDL_OK || pdl_store_head(t, &m->store, &h) != PDL_OK)) {
			rc = pdl_status_set(st, PDL_ESTORE, NULL, "cannot write the mirror's store");
			goto fail;
		}
		r->has_seq = 1;
		r->seq = h.size;
		if ((rc = append_one(m, t, &h, entries[i], lens[i], fetch, arg, st)) != PDL_OK)
			goto fail;
		if ((i + 1) % MIRROR_TXN_ENTRIES == 0 && i + 1 < k) {
			rc = pdl_store_err(pdl_store_commit(&m->store, t));
			t = NULL;
			if (rc != PDL_OK) {
				pdl_status_set(st, rc, NULL, "cannot commit the mirror's store");
				goto fail;
			}
		}
	}
	r->has_seq = 0;
	if (t == NULL && pdl_store_wtxn(&m->store, &t) != PDL_OK) {
		t = NULL;
		rc = pdl_status_set(st, PDL_ESTORE, NULL, "cannot write the mirror's store");
		goto fail;
	}
	rc = append_note(m, t, &c, note, note_n, st); /* commits or aborts t */
	t = NULL;
	if (rc == PDL_OK)
		return PDL_OK;
fail:
	if (t != NULL)
		mdb_txn_abort(t);
	reload_engine(m);
	return rc;
}
