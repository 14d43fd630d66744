/* replay.c — see replay.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "readers.h"
#include "replay.h"
#include "rules.h"

#define REPLAY_TXN_ACTS 1000u /* entries per scratch transaction */

/* Which seq last wrote each state key (an open-addressed table). */
struct writer_ent {
	uint8_t *key;
	size_t kn;
	uint64_t seq;
};
struct writers {
	struct writer_ent *t;
	size_t cap, n;
	uint64_t cur_seq;
	int oom;
};

static uint64_t
hash_bytes(const uint8_t *b, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static void
on_write(void *arg, const void *k, size_t kn)
{
	struct writers *w = arg;
	if ((w->n + 1) * 2 > w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 1024;
		struct writer_ent *nt = calloc(ncap, sizeof *nt);
		if (nt == NULL) {
			w->oom = 1;
			return;
		}
		for (size_t i = 0; i < w->cap; i++) {
			if (w->t[i].key == NULL)
				continue;
			size_t j = hash_bytes(w->t[i].key, w->t[i].kn) & (ncap - 1);
			while (nt[j].key != NULL)
				j = (j + 1) & (ncap - 1);
			nt[j] = w->t[i];
		}
		free(w->t);
		w->t = nt;
		w->cap = ncap;
	}
	size_t j = hash_bytes(k, kn) & (w->cap - 1);
	while (w->t[j].key != NULL) {
		if (w->t[j].kn == kn && memcmp(w->t[j].key, k, kn) == 0) {
			w->t[j].seq = w->cur_seq;
			return;
		}
		j = (j + 1) & (w->cap - 1);
	}
	w->t[j].key = malloc(kn ? kn : 1);
	if (w->t[j].key == NULL) {
		w->oom = 1;
		return;
	}
	memcpy(w->t[j].key, k, kn);
	w->t[j].kn = kn;
	w->t[j].seq = w->cur_seq;
	w->n++;
}

static int
last_writer(const struct writers *w, const void *k, size_t kn, uint64_t *seq)
{
	if (w->cap == 0)
		return 0;
	size_t j = hash_bytes(k, kn) & (w->cap - 1);
	while (w->t[j].key != NULL) {
		if (w->t[j].kn == kn && memcmp(w->t[j].key, k, kn) == 0) {
			*seq = w->t[j].seq;
			return 1;
		}
		j = (j + 1) & (w->cap - 1);
	}
	return 0;
}

static int
fail(struct pdl_verify_result *r, int has_seq, uint64_t seq, int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int
fail(struct pdl_verify_result *r, int has_seq, uint64_t seq, int err, const char *fmt, ...)
{
	va_list ap;
	r->ok = 0;
	r->has_bad_seq = has_seq;
	r->bad_seq = seq;
	r->err = err;
	va_start(ap, fmt);
	vsnprintf(r->what, sizeof r->what, fmt, ap);
	va_end(ap);
	return err;
}

static void
printable_key(const uint8_t *k, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		if (k[i] >= 0x20 && k[i] < 0x7f && k[i] != '"' && k[i] != '\\')
			out[o++] = (char)k[i];
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", k[i]);
	}
	out[o] = 0;
}

/* Compares the two state tables in key order. */
static int
compare_state(MDB_txn *ta, const struct pdl_store *a, MDB_txn *tb, const struct pdl_store *b,
              const struct writers *w, struct pdl_verify_result *r)
{
	MDB_cursor *ca, *cb;
	MDB_val ka, va, kb, vb;
	char kp[300];
	int rc = PDL_OK;
	if (mdb_cursor_open(ta, a->state, &ca) != 0)
		return fail(r, 0, 0, PDL_ESTORE, "cannot read the stored state");
	if (mdb_cursor_open(tb, b->state, &cb) != 0) {
		mdb_cursor_close(ca);
		return fail(r, 0, 0, PDL_ESTORE, "cannot read the replayed state");
	}
	int ma = mdb_cursor_get(ca, &ka, &va, MDB_FIRST), mb = mdb_cursor_get(cb, &kb, &vb, MDB_FIRST);
	while (ma == 0 || mb == 0) {
		int cmp;
		if (ma != 0)
			cmp = 1;
		else if (mb != 0)
			cmp = -1;
		else {
			size_t m = ka.mv_size < kb.mv_size ? ka.mv_size : kb.mv_size;
			cmp = memcmp(ka.mv_data, kb.mv_data, m);
			if (cmp == 0)
				cmp = ka.mv_size < kb.mv_size ? -1 : ka.mv_size > kb.mv_size;
		}
		uint64_t seq = 0;
		if (cmp < 0) {
			printable_key(ka.mv_data, ka.mv_size, kp, sizeof kp);
			rc = fail(r, 0, 0, PDL_ESTATE, "stored state has record \"%s\" that no act wrote", kp);
			break;
		}
		if (cmp > 0) {
			printable_key(kb.mv_data, kb.mv_size, kp, sizeof kp);
			int has = last_writer(w, kb.mv_data, kb.mv_size, &seq);
			rc = fail(r, has, seq, PDL_ESTATE, "stored state lacks record \"%s\" written by the act", kp);
			break;
		}
		if (va.mv_size != vb.mv_size || memcmp(va.mv_data, vb.mv_data, va.mv_size) != 0) {
			printable_key(ka.mv_data, ka.mv_size, kp, sizeof kp);
			int has = last_writer(w, ka.mv_data, ka.mv_size, &seq);
			rc = fail(r, has, seq, PDL_ESTATE, "stored record \"%s\" differs from what the act wrote", kp);
			break;
		}
		ma = mdb_cursor_get(ca, &ka, &va, MDB_NEXT);
		mb = mdb_cursor_get(cb, &kb, &vb, MDB_NEXT);
	}
	mdb_cursor_close(ca);
	mdb_cursor_close(cb);
	if (rc == PDL_ESTATE)
		snprintf(r->bad_key, sizeof r->bad_key, "%s", kp);
	return rc;
}

int
pdl_replay_store(struct pdl_store *src, const char *scratch_dir, struct pdl_progress *prog, struct pdl_verify_result *r)
{
	struct pdl_store dst;
	struct pdl_engine e;
	struct writers w = {0};
	MDB_txn *ts = NULL, *td = NULL;
	struct pdl_head hs, hd;
	MDB_cursor *ck = NULL;
	MDB_val ckk, ckv;
	int ckm = MDB_NOTFOUND;
	int rc;
	memset(r, 0, sizeof *r);
	r->ok = 1;
	if ((rc = pdl_store_open(&dst, scratch_dir, PDL_STORE_CREATE | PDL_STORE_NOSYNC)) != PDL_OK)
		return fail(r, 0, 0, rc, "cannot create the scratch ledger in %s", scratch_dir);
	dst.on_state_write = on_write;
	dst.hook_arg = &w;
	pdl_engine_init(&e, &dst);
	if ((rc = pdl_store_rtxn(src, &ts)) != PDL_OK || (rc = pdl_store_head(ts, src, &hs)) != PDL_OK) {
		fail(r, 0, 0, rc, "cannot read the ledger");
		goto out;
	}
	/* the suite the genesis names, before any act is decoded or hashed */
	struct pdl_status sst = {0};
	if (hs.size > 0 && (rc = pdl_read_suite(ts, src, &sst)) != PDL_OK) {
		fail(r, 1, 0, rc, "%s (run pdl verify)", sst.msg);
		goto out;
	}
	if (prog != NULL)
		prog->total = hs.size;
	/* Acts may refer to checkpoints (checkpoint.cosign): the scratch ledger
	 * gets each stored checkpoint of size N before entry N is replayed, as
	 * the live ledger had it (a checkpoint of size N exists only after
	 * entry N-1 was appended). */
	if (mdb_cursor_open(ts, src->ckpt, &ck) == 0)
		ckm = mdb_cursor_get(ck, &ckk, &ckv, MDB_FIRST);
	for (uint64_t seq = 0; seq < hs.size; seq++) {
		const uint8_t *b;
		size_t n;
		struct pdl_entry en;
		struct pdl_act a;
		struct pdl_status st = {0};
		struct pdl_receipt rec;
		if (td == NULL) {
			if ((rc = pdl_store_wtxn(&dst, &td)) != PDL_OK || (rc = pdl_store_head(td, &dst, &hd)) != PDL_OK) {
				fail(r, 0, 0, rc, "cannot write the scratch ledger");
				goto out;
			}
		}
		if (pdl_store_entry(ts, src, seq, &b, &n) != PDL_OK || pdl_entry_decode(b, n, &en, &st) != PDL_OK ||
		    pdl_act_decode(en.act, en.act_len, en.sig, &a, &st) != PDL_OK) {
			rc = fail(r, 1, seq, PDL_EDECODE, "entry unreadable: %s (run pdl verify)", st.msg);
			goto out;
		}
		while (ckm == 0 && ckk.mv_size == 8 && pdl_get_be64(ckk.mv_data) <= seq) {
			rc = pdl_store_ckpt_put(td, &dst, pdl_get_be64(ckk.mv_data), ckv.mv_data, ckv.mv_size);
			if (rc != PDL_OK) {
				fail(r, 0, 0, rc, "cannot write the scratch ledger");
				goto out;
			}
			ckm = mdb_cursor_get(ck, &ckk, &ckv, MDB_NEXT);
		}
		w.cur_seq = seq;
		rc = pdl_engine_submit(&e, td, &hd, en.time_ms, &a, NULL, &rec, &st);
		if (rc != PDL_OK) {
			fail(r, 1, seq, rc, "the rules refuse this act now: %s%s%s", st.rule[0] ? st.rule : "",
			     st.rule[0] ? ": " : "", st.msg);
			goto out;
		}
		if (rec.dup || rec.seq != seq) {
			rc = fail(r, 1, seq, PDL_ENONCE, "the act repeats an earlier (actor, nonce)");
			goto out;
		}
		if (e.entry.size != n || memcmp(e.entry.data, b, n) != 0) {
			rc = fail(r, 1, seq, PDL_ERULE,
			          en.outcome_len != e.out.size || memcmp(en.outcome, e.out.data, e.out.size) != 0
			              ? "the recorded outcome differs from what the rules derive"
			              : "the replayed entry differs from the stored one");
			goto out;
		}
		if (w.oom) {
			rc = fail(r, 0, 0, PDL_ENOMEM, "out of memory");
			goto out;
		}
		if ((seq + 1) % REPLAY_TXN_ACTS == 0) {
			if ((rc = pdl_store_err(mdb_txn_commit(td))) != PDL_OK) {
				td = NULL;
				fail(r, 0, 0, rc, "scratch commit failed");
				goto out;
			}
			td = NULL;
		}
		r->size = seq + 1;
		if (prog != NULL)
			pdl_progress_update(prog, seq + 1);
	}
	if (td != NULL) {
		rc = pdl_store_err(mdb_txn_commit(td));
		td = NULL;
		if (rc != PDL_OK) {
			fail(r, 0, 0, rc, "scratch commit failed");
			goto out;
		}
	}
	if ((rc = pdl_store_rtxn(&dst, &td)) != PDL_OK) {
		fail(r, 0, 0, rc, "cannot read the scratch ledger");
		td = NULL;
		goto out;
	}
	rc = compare_state(ts, src, td, &dst, &w, r);
	pdl_store_rdone(&dst, td);
	td = NULL;
out:
	if (ck != NULL)
		mdb_cursor_close(ck);
	if (td != NULL)
		mdb_txn_abort(td);
	if (ts != NULL)
		pdl_store_rdone(src, ts);
	pdl_engine_fini(&e);
	pdl_store_close(&dst);
	for (size_t i = 0; i < w.cap; i++)
		free(w.t[i].key);
	free(w.t);
	if (rc != PDL_OK)
		r->ok = 0;
	return rc;
}
