/* replay.c — see replay.h. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "readers.h"
#include "replay.h"
#include "rules.h"

#define REPLAY_TXN_ACTS 1000u /* entries per scratch transaction */

/* Which seq last wrote each state key (state key -> u64 seq). */
struct writers {
	struct pdl_htab t;
	uint64_t cur_seq;
	int oom;
};

static void
on_write(void *arg, const void *k, size_t kn)
{
	struct writers *w = arg;
	uint64_t *seq = pdl_htab_put(&w->t, k, kn);
	if (seq == NULL)
		w->oom = 1;
	else
		*seq = w->cur_seq;
}

static int
last_writer(const struct writers *w, const void *k, size_t kn, uint64_t *seq)
{
	const uint64_t *s = pdl_htab_get(&w->t, k, kn);
	if (s != NULL)
		*seq = *s;
	return s != NULL;
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

/* Key order of LMDB's default comparison: bytes, then the shorter first. */
static int
key_cmp(const struct pdl_scan *a, int ra, const struct pdl_scan *b, int rb)
{
	if (ra != PDL_OK)
		return 1;
	if (rb != PDL_OK)
		return -1;
	size_t m = a->kn < b->kn ? a->kn : b->kn;
	int cmp = memcmp(a->k, b->k, m);
	return cmp != 0 ? cmp : a->kn < b->kn ? -1 : a->kn > b->kn;
}

/* Compares the two state tables in key order. */
static int
compare_state(MDB_txn *ta, const struct pdl_store *a, MDB_txn *tb, const struct pdl_store *b,
              const struct writers *w, struct pdl_verify_result *r)
{
	struct pdl_scan sa, sb;
	char kp[300];
	int rc = PDL_OK;
	if (pdl_store_state_scan(ta, a, NULL, 0, &sa) != PDL_OK)
		return fail(r, 0, 0, PDL_ESTORE, "cannot read the stored state");
	if (pdl_store_state_scan(tb, b, NULL, 0, &sb) != PDL_OK) {
		pdl_scan_close(&sa);
		return fail(r, 0, 0, PDL_ESTORE, "cannot read the replayed state");
	}
	int ra = pdl_scan_next(&sa), rb = pdl_scan_next(&sb);
	while ((ra == PDL_OK || rb == PDL_OK) && rc == PDL_OK) {
		int cmp = key_cmp(&sa, ra, &sb, rb);
		uint64_t seq = 0;
		if (cmp < 0) {
			printable_key(sa.k, sa.kn, kp, sizeof kp);
			rc = fail(r, 0, 0, PDL_ESTATE, "stored state has record \"%s\" that no act wrote", kp);
		} else if (cmp > 0) {
			printable_key(sb.k, sb.kn, kp, sizeof kp);
			int has = last_writer(w, sb.k, sb.kn, &seq);
			rc = fail(r, has, seq, PDL_ESTATE, "stored state lacks record \"%s\" written by the act", kp);
		} else if (sa.vn != sb.vn || memcmp(sa.v, sb.v, sa.vn) != 0) {
			printable_key(sa.k, sa.kn, kp, sizeof kp);
			int has = last_writer(w, sa.k, sa.kn, &seq);
			rc = fail(r, has, seq, PDL_ESTATE, "stored record \"%s\" differs from what the act wrote", kp);
		} else {
			ra = pdl_scan_next(&sa);
			rb = pdl_scan_next(&sb);
		}
	}
	pdl_scan_close(&sa);
	pdl_scan_close(&sb);
	if (rc == PDL_OK && (ra != PDL_END || rb != PDL_END))
		rc = fail(r, 0, 0, PDL_ESTORE, "cannot read the state tables");
	if (rc == PDL_ESTATE)
		snprintf(r->bad_key, sizeof r->bad_key, "%s", kp);
	return rc;
}

/* A replay: the source ledger's snapshot, the scratch ledger rebuilt
 * from its entries, and who wrote each state record. */
struct rp {
	struct pdl_store *src, dst;
	struct pdl_engine e;
	struct writers w;
	MDB_txn *ts, *td;
	struct pdl_head hs, hd;
	struct pdl_scan ck; /* the source's checkpoints, the next one current */
	int ckr;            /* its pdl_scan_next result */
	struct pdl_verify_result *r;
};

/* Acts may refer to checkpoints (checkpoint.cosign): the scratch ledger
 * gets each stored checkpoint of size N before entry N is replayed, as
 * the live ledger had it (a checkpoint of size N exists only after entry
 * N-1 was appended). */
static int
replay_ckpts(struct rp *p, uint64_t seq)
{
	while (p->ckr == PDL_OK && p->ck.kn == 8 && p->ck.seq <= seq) {
		if (pdl_store_ckpt_put(p->td, &p->dst, p->ck.seq, (const char *)p->ck.v, p->ck.vn) != PDL_OK)
			return fail(p->r, 0, 0, PDL_ESTORE, "cannot write the scratch ledger");
		p->ckr = pdl_scan_next(&p->ck);
	}
	return PDL_OK;
}

/* Submits entry seq's act to the scratch ledger's rules: it must be
 * accepted and give the very entry stored. */
static int
replay_one(struct rp *p, uint64_t seq)
{
	const uint8_t *b;
	size_t n;
	struct pdl_entry en;
	struct pdl_act a;
	struct pdl_status st = {0};
	struct pdl_receipt rec;
	int rc;
	if (pdl_store_entry(p->ts, p->src, seq, &b, &n) != PDL_OK || pdl_entry_decode(b, n, &en, &st) != PDL_OK ||
	    pdl_act_decode(en.act, en.act_len, en.sig, &a, &st) != PDL_OK)
		return fail(p->r, 1, seq, PDL_EDECODE, "entry unreadable: %s (run pdl verify)", st.msg);
	if ((rc = replay_ckpts(p, seq)) != PDL_OK)
		return rc;
	p->w.cur_seq = seq;
	rc = pdl_engine_submit(&p->e, p->td, &p->hd, en.time_ms, &a, NULL, &rec, &st);
	if (rc != PDL_OK)
		return fail(p->r, 1, seq, rc, "the rules refuse this act now: %s%s%s", st.rule[0] ? st.rule : "",
		            st.rule[0] ? ": " : "", st.msg);
	if (rec.dup || rec.seq != seq)
		return fail(p->r, 1, seq, PDL_ENONCE, "the act repeats an earlier (actor, nonce)");
	if (p->e.entry.size != n || memcmp(p->e.entry.data, b, n) != 0)
		return fail(p->r, 1, seq, PDL_ERULE,
		            en.outcome_len != p->e.out.size || memcmp(en.outcome, p->e.out.data, p->e.out.size) != 0
		                ? "the recorded outcome differs from what the rules derive"
		                : "the replayed entry differs from the stored one");
	if (p->w.oom)
		return fail(p->r, 0, 0, PDL_ENOMEM, "out of memory");
	assert(p->hd.size == seq + 1); /* the scratch log grows with the source's */
	return PDL_OK;
}

/* Commits the scratch transaction, if one is open. */
static int
replay_commit(struct rp *p)
{
	if (p->td == NULL)
		return PDL_OK;
	int rc = pdl_store_err(pdl_store_commit(&p->dst, p->td));
	p->td = NULL;
	return rc == PDL_OK ? PDL_OK : fail(p->r, 0, 0, rc, "scratch commit failed");
}

/* Every entry, REPLAY_TXN_ACTS to a scratch transaction. */
static int
replay_all(struct rp *p, struct pdl_progress *prog)
{
	int rc = PDL_OK;
	for (uint64_t seq = 0; seq < p->hs.size && rc == PDL_OK; seq++) {
		if (p->td == NULL && ((rc = pdl_store_wtxn(&p->dst, &p->td)) != PDL_OK ||
		                      (rc = pdl_store_head(p->td, &p->dst, &p->hd)) != PDL_OK)) {
			if (rc != PDL_OK && p->td != NULL)
				mdb_txn_abort(p->td);
			p->td = NULL;
			return fail(p->r, 0, 0, rc, "cannot write the scratch ledger");
		}
		if ((rc = replay_one(p, seq)) != PDL_OK)
			break;
		if ((seq + 1) % REPLAY_TXN_ACTS == 0)
			rc = replay_commit(p);
		if (rc == PDL_OK)
			p->r->size = seq + 1;
		if (prog != NULL)
			pdl_progress_update(prog, seq + 1);
	}
	return rc == PDL_OK ? replay_commit(p) : rc;
}

int
pdl_replay_store(struct pdl_store *src, const char *scratch_dir, struct pdl_progress *prog, struct pdl_verify_result *r)
{
	static const struct rp zero;
	struct rp p = zero;
	int rc;
	memset(r, 0, sizeof *r);
	r->ok = 1;
	pdl_htab_init(&p.w.t, sizeof(uint64_t));
	p.src = src;
	p.r = r;
	if ((rc = pdl_store_open(&p.dst, scratch_dir, PDL_STORE_CREATE | PDL_STORE_NOSYNC)) != PDL_OK)
		return fail(r, 0, 0, rc, "cannot create the scratch ledger in %s", scratch_dir);
	p.dst.on_state_write = on_write;
	p.dst.hook_arg = &p.w;
	pdl_engine_init(&p.e, &p.dst);
	struct pdl_status sst = {0};
	if ((rc = pdl_store_rtxn(src, &p.ts)) != PDL_OK || (rc = pdl_store_head(p.ts, src, &p.hs)) != PDL_OK) {
		fail(r, 0, 0, rc, "cannot read the ledger");
	} else if (p.hs.size > 0 && (rc = pdl_read_suite(p.ts, src, &sst)) != PDL_OK) {
		/* the suite the genesis names, before any act is decoded or hashed */
		fail(r, 1, 0, rc, "%s (run pdl verify)", sst.msg);
	} else {
		if (prog != NULL)
			prog->total = p.hs.size;
		p.ckr = pdl_store_ckpt_scan(p.ts, src, &p.ck);
		if (p.ckr == PDL_OK)
			p.ckr = pdl_scan_next(&p.ck);
		rc = replay_all(&p, prog);
		if (rc == PDL_OK && (rc = pdl_store_rtxn(&p.dst, &p.td)) != PDL_OK) {
			p.td = NULL;
			fail(r, 0, 0, rc, "cannot read the scratch ledger");
		} else if (rc == PDL_OK) {
			rc = compare_state(p.ts, src, p.td, &p.dst, &p.w, r);
			pdl_store_rdone(&p.dst, p.td);
			p.td = NULL;
		}
	}
	pdl_scan_close(&p.ck);
	if (p.td != NULL)
		mdb_txn_abort(p.td);
	if (p.ts != NULL)
		pdl_store_rdone(src, p.ts);
	pdl_engine_fini(&p.e);
	pdl_store_close(&p.dst);
	pdl_htab_free(&p.w.t);
	if (rc != PDL_OK)
		r->ok = 0;
	return rc;
}
