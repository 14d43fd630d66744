/* verify.c — see verify.h. */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "htab.h"
#include "readers.h"
#include "ckpt.h"
#include "rules.h"
#include "verify.h"

#define SIG_BATCH 8192u /* entries whose signatures are checked together */

/* ---- party keys as of the current point in the log ---- */

/* Updates keys from an accepted act (genesis, party.register, party.rotate_key). */
static int
km_apply(struct pdl_htab *m, const struct pdl_act *a)
{
	struct mp_cur c;
	const char *id, *key;
	size_t idn, keyn;
	struct mp_cur body;
	int genesis = mp_str_eq(a->type, a->type_len, "ledger.genesis");
	if (!genesis && !mp_str_eq(a->type, a->type_len, "party.register") &&
	    !mp_str_eq(a->type, a->type_len, "party.rotate_key"))
		return PDL_OK;
	struct mp_cur act = mp_cur_make(a->bytes, a->len);
	if (mp_map_find(act, "body", &body) != PDL_OK)
		return PDL_EDECODE;
	if (genesis) {
		if (mp_map_find(body, "authority", &c) != PDL_OK)
			return PDL_EDECODE;
		body = c;
	}
	if (mp_map_find(body, "id", &c) != PDL_OK || mp_read_str(&c, &id, &idn) != PDL_OK ||
	    mp_map_find(body, "public_key", &c) != PDL_OK || mp_read_str(&c, &key, &keyn) != PDL_OK)
		return PDL_EDECODE;
	struct pdl_pubkey *pk = pdl_htab_put(m, id, idn);
	char why[160];
	if (pk == NULL)
		return PDL_ENOMEM;
	return pdl_pubkey_parse(pk, pdl_suite(), key, keyn, why, sizeof why) == PDL_OK ? PDL_OK : PDL_EDECODE;
}

/* ---- parallel signature checks ---- */

struct sigjob {
	const uint8_t *act;
	size_t act_len;
	const uint8_t *sig;
	const uint8_t *ledger_id; /* the zero id for genesis, entry 0's hash after */
	struct pdl_pubkey pk;
	uint64_t seq;
	int bad;
};

struct sigpool {
	struct sigjob *jobs;
	size_t n;
	unsigned threads;
	size_t next;
	pthread_mutex_t mu;
};

static void *
sig_worker(void *arg)
{
	struct sigpool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		size_t lo = p->next;
		p->next += 64;
		pthread_mutex_unlock(&p->mu);
		if (lo >= p->n)
			break;
		size_t hi = lo + 64 < p->n ? lo + 64 : p->n;
		/* the chunk's checks together (pdl_act_verify_many: for Ed25519,
		 * one field inversion, eight at a time where the CPU can), a run
		 * of one ledger id at a time (entry 0's is the zero id) */
		struct pdl_act_check c[64];
		for (size_t i = lo; i < hi;) {
			const uint8_t *lid = p->jobs[i].ledger_id;
			size_t k = 0;
			for (; i + k < hi && memcmp(p->jobs[i + k].ledger_id, lid, PDL_HASH_BYTES) == 0; k++) {
				const struct sigjob *j = &p->jobs[i + k];
				c[k] = (struct pdl_act_check){.act = j->act, .len = j->act_len, .sig = j->sig, .pk = &j->pk};
			}
			pdl_act_verify_many(lid, c, k);
			for (size_t q = 0; q < k; q++)
				p->jobs[i + q].bad = c[q].rc != PDL_OK;
			i += k;
		}
	}
	return NULL;
}

/* Checks the batch; returns the index of the first bad one or n. */
static size_t
sig_run(struct sigjob *jobs, size_t n, unsigned threads)
{
	struct sigpool p = {jobs, n, threads, 0, PTHREAD_MUTEX_INITIALIZER};
	pthread_t t[64];
	unsigned k = threads > 64 ? 64 : threads;
	for (unsigned i = 1; i < k; i++)
		pthread_create(&t[i], NULL, sig_worker, &p);
	sig_worker(&p);
	for (unsigned i = 1; i < k; i++)
		pthread_join(t[i], NULL);
	for (size_t i = 0; i < n; i++)
		if (jobs[i].bad)
			return i;
	return n;
}

/* ---- the walk ---- */

static int
bad(struct pdl_verify_result *r, uint64_t seq, int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
bad(struct pdl_verify_result *r, uint64_t seq, int err, const char *fmt, ...)
{
	va_list ap;
	r->ok = 0;
	r->has_bad_seq = seq != UINT64_MAX;
	r->bad_seq = seq;
	r->err = err;
	va_start(ap, fmt);
	vsnprintf(r->what, sizeof r->what, fmt, ap);
	va_end(ap);
	return err;
}

struct ckpt_ref {
	uint64_t size;
	const char *note;
	size_t n;
};

/* The walk over the log: what each entry's checks need of the ones before. */
struct walk {
	struct pdl_store *s;
	MDB_txn *t;
	struct pdl_head h;
	struct pdl_tree_ctx tc;
	struct pdl_merkle_io io;
	struct pdl_merkle_range mr; /* the leaves so far: their subtrees, for roots */
	struct pdl_htab km;         /* party id -> its struct pdl_pubkey as of this point in the log */
	struct sigjob *jobs;        /* signatures still to check (a batch) */
	size_t nj;
	unsigned threads;
	struct ckpt_ref *cks; /* every stored checkpoint, in size order */
	size_t ncks, next_ck;
	struct pdl_ledger_info info;
	int have_info;
	uint8_t chain[PDL_HASH_BYTES];      /* the chain hash of the last entry */
	uint8_t ledger_id[PDL_HASH_BYTES]; /* entry 0's hash, once read */
	uint64_t last_time;
	struct pdl_verify_result *r;
	char what[PDL_MSG_LEN_MAX + 160]; /* why the entry at hand is bad */
};

/* Every stored checkpoint, in size order (the table's key order). */
static int
load_ckpts(struct walk *w)
{
	struct pdl_scan sc;
	size_t cap = 0;
	int rc = pdl_store_ckpt_scan(w->t, w->s, &sc);
	while (rc == PDL_OK && (rc = pdl_scan_next(&sc)) == PDL_OK) {
		if (w->ncks == cap) {
			cap = cap ? cap * 2 : 64;
			struct ckpt_ref *nc = realloc(w->cks, cap * sizeof *w->cks);
			if (nc == NULL) {
				pdl_scan_close(&sc);
				return bad(w->r, UINT64_MAX, PDL_ENOMEM, "out of memory");
			}
			w->cks = nc;
		}
		w->cks[w->ncks].size = sc.kn == 8 ? sc.seq : 0;
		w->cks[w->ncks].note = (const char *)sc.v;
		w->cks[w->ncks].n = sc.vn;
		w->ncks++;
	}
	pdl_scan_close(&sc);
	return rc == PDL_END ? PDL_OK : bad(w->r, UINT64_MAX, PDL_ESTORE, "cannot read checkpoints");
}

static int
walk_open(struct walk *w, struct pdl_progress *prog)
{
	int rc;
	if ((rc = pdl_store_rtxn(w->s, &w->t)) != PDL_OK) {
		w->t = NULL;
		return bad(w->r, UINT64_MAX, rc, "cannot open a read transaction");
	}
	if ((rc = pdl_store_head(w->t, w->s, &w->h)) != PDL_OK)
		return bad(w->r, UINT64_MAX, rc, "cannot read the head record");
	if (w->h.size == 0)
		return bad(w->r, 0, PDL_EGENESIS, "the log is empty");
	/* Every hash below is the suite's the genesis names. A genesis that
	 * does not decode is reported at seq 0 by the walk; one that names a
	 * suite this pdl does not know, here. */
	struct pdl_status st;
	if (pdl_read_suite(w->t, w->s, &st) == PDL_EINVAL)
		return bad(w->r, 0, PDL_EGENESIS, "%s", st.msg);
	if (prog != NULL)
		prog->total = w->h.size;
	if ((w->jobs = malloc(SIG_BATCH * sizeof *w->jobs)) == NULL)
		return bad(w->r, UINT64_MAX, PDL_ENOMEM, "out of memory");
	w->tc.txn = w->t;
	w->tc.s = w->s;
	pdl_store_tree_io(&w->tc, &w->io);
	pdl_merkle_range_init(&w->mr);
	return load_ckpts(w);
}

/* The record at seq: there, in sequence, no more than the head says.
 * PDL_OK with *end set after the last; else a structural error, in what. */
static int
walk_next(struct walk *w, struct pdl_scan *sc, uint64_t seq, int *end)
{
	int rc = pdl_scan_next(sc);
	*end = 0;
	if (seq == w->h.size) {
		if (rc == PDL_END) {
			*end = 1;
			return PDL_OK;
		}
		snprintf(w->what, sizeof w->what, "entries beyond the head size %llu", (unsigned long long)w->h.size);
		return PDL_ECHAIN;
	}
	assert(seq < w->h.size);
	if (rc == PDL_END) {
		snprintf(w->what, sizeof w->what, "entry %llu is missing (log ends, head says %llu)",
		         (unsigned long long)seq, (unsigned long long)w->h.size);
		return PDL_ECHAIN;
	}
	if (rc == PDL_ECHAIN) {
		snprintf(w->what, sizeof w->what, "entry %llu is missing (next key is %llu)", (unsigned long long)seq,
		         sc->kn == 8 ? (unsigned long long)sc->seq : 0ull);
		return PDL_ECHAIN;
	}
	if (rc != PDL_OK)
		snprintf(w->what, sizeof w->what, "cannot read entry %llu", (unsigned long long)seq);
	return rc;
}

/* The entry and its act decode, at their place; only entry 0 is a genesis. */
static int
entry_shape(struct walk *w, uint64_t seq, const uint8_t *v, size_t vn, struct pdl_entry *e, struct pdl_act *a)
{
	struct pdl_status st;
	if (pdl_entry_decode(v, vn, e, &st) != PDL_OK) {
		snprintf(w->what, sizeof w->what, "entry does not decode: %s", st.msg);
		return PDL_EDECODE;
	}
	if (e->seq != seq) {
		snprintf(w->what, sizeof w->what, "entry stored at seq %llu says seq %llu", (unsigned long long)seq,
		         (unsigned long long)e->seq);
		return PDL_ECHAIN;
	}
	if (pdl_act_decode(e->act, e->act_len, e->sig, a, &st) != PDL_OK) {
		snprintf(w->what, sizeof w->what, "act does not decode: %s", st.msg);
		return PDL_EDECODE;
	}
	if ((seq == 0) != mp_str_eq(a->type, a->type_len, "ledger.genesis")) {
		snprintf(w->what, sizeof w->what, "%s", seq == 0 ? "entry 0 is not the genesis" : "a second genesis");
		return PDL_EGENESIS;
	}
	return PDL_OK;
}

/* The entry's links: its stored leaf, its prev, its time, and every tree
 * node it completes (pushed onto the walk's range). */
static int
entry_links(struct walk *w, uint64_t seq, const uint8_t *v, size_t vn, const struct pdl_entry *e)
{
	uint8_t leaf[PDL_HASH_BYTES], stored[PDL_HASH_BYTES];
	pdl_hash made[PDL_MERKLE_LEVELS_MAX];
	pdl_merkle_leaf_hash(v, vn, leaf);
	if (w->io.get(w->io.ctx, 0, seq, stored) != PDL_OK || pdl_memcmp_ct(leaf, stored, PDL_HASH_BYTES) != 0) {
		snprintf(w->what, sizeof w->what, "entry bytes do not match the stored Merkle leaf");
		return PDL_EMERKLE;
	}
	if (memcmp(e->prev, w->chain, PDL_HASH_BYTES) != 0) {
		snprintf(w->what, sizeof w->what, "prev hash does not match the chain hash of entry %llu",
		         (unsigned long long)(seq ? seq - 1 : 0));
		return PDL_ECHAIN;
	}
	if (e->time_ms < w->last_time) {
		snprintf(w->what, sizeof w->what, "time goes backwards");
		return PDL_ECHAIN;
	}
	assert(w->mr.size == seq);
	unsigned k = pdl_merkle_range_push(&w->mr, leaf, made);
	for (unsigned i = 0; i < k; i++) {
		unsigned level = i + 1;
		uint64_t idx = seq >> level;
		if (w->io.get(w->io.ctx, level, idx, stored) != PDL_OK || pdl_memcmp_ct(made[i], stored, PDL_HASH_BYTES) != 0) {
			snprintf(w->what, sizeof w->what, "stored Merkle node (%u, %llu) is wrong", level,
			         (unsigned long long)idx);
			return PDL_EMERKLE;
		}
	}
	return PDL_OK;
}

/* Queues the act's signature with its actor's key as of now, then applies
 * the act's key changes (a key changes after the act is checked with the
 * old one) and moves the chain on. */
static int
entry_key(struct walk *w, uint64_t seq, const uint8_t *v, size_t vn, const struct pdl_entry *e,
          const struct pdl_act *a)
{
	struct sigjob *j = &w->jobs[w->nj];
	int rc = PDL_OK;
	assert(w->nj < SIG_BATCH);
	memset(j, 0, sizeof *j);
	j->act = e->act;
	j->act_len = e->act_len;
	j->sig = e->sig;
	j->ledger_id = seq == 0 ? pdl_ledger_id_genesis : w->ledger_id;
	j->seq = seq;
	const char *who = a->actor;
	size_t whon = a->actor_len;
	if (seq == 0) {
		if (pdl_ledger_info_from_genesis(a, &w->info) != PDL_OK) {
			snprintf(w->what, sizeof w->what, "genesis is malformed");
			rc = PDL_EGENESIS;
		} else {
			w->have_info = 1;
		}
		if (km_apply(&w->km, a) != PDL_OK)
			rc = PDL_EGENESIS;
		who = w->info.authority_id;
		whon = strlen(w->info.authority_id);
	}
	const struct pdl_pubkey *pk = pdl_htab_get(&w->km, who, whon);
	if (pk != NULL)
		j->pk = *pk;
	else if (seq != 0) {
		snprintf(w->what, sizeof w->what, "actor %.*s was never registered", (int)a->actor_len, a->actor);
		rc = PDL_EACTOR;
	}
	if (rc == PDL_OK) {
		w->nj++;
		if (seq != 0 && km_apply(&w->km, a) != PDL_OK) {
			snprintf(w->what, sizeof w->what, "party act body malformed");
			rc = PDL_EDECODE;
		}
	}
	pdl_digest(w->chain, v, vn);
	if (seq == 0)
		memcpy(w->ledger_id, w->chain, PDL_HASH_BYTES);
	w->last_time = e->time_ms;
	return rc;
}

/* Checks the queued signatures; the first bad one is the walk's error. */
static int
flush_sigs(struct walk *w)
{
	size_t badi = sig_run(w->jobs, w->nj, w->threads);
	w->r->signatures += badi;
	if (badi < w->nj)
		return bad(w->r, w->jobs[badi].seq, PDL_EBADSIG, "act signature does not verify with the actor's key");
	w->nj = 0;
	return PDL_OK;
}

/* One checkpoint against the log of seq+1 entries (the walk's range). */
static int
check_ckpt(struct walk *w, const struct ckpt_ref *c, uint64_t seq)
{
	struct pdl_ckpt cp;
	size_t bl;
	uint8_t root[PDL_HASH_BYTES];
	if (!w->have_info)
		return bad(w->r, UINT64_MAX, PDL_EGENESIS, "no genesis");
	if (pdl_note_verify(c->note, c->n, w->info.origin, &w->info.ledger_pk, &bl) != PDL_OK ||
	    pdl_ckpt_parse(c->note, c->n, &cp) != PDL_OK)
		return bad(w->r, c->size ? c->size - 1 : 0, PDL_EBADSIG,
		           "checkpoint at size %llu is not validly signed by the ledger key", (unsigned long long)c->size);
	if (cp.size != c->size || strcmp(cp.origin, w->info.origin) != 0)
		return bad(w->r, c->size ? c->size - 1 : 0, PDL_ENOTE, "checkpoint stored under size %llu says %llu",
		           (unsigned long long)c->size, (unsigned long long)cp.size);
	assert(w->mr.size == seq + 1);
	pdl_merkle_range_root(&w->mr, root);
	if (cp.size != seq + 1 || pdl_memcmp_ct(root, cp.root, PDL_HASH_BYTES) != 0 ||
	    (cp.has_chain && pdl_memcmp_ct(w->chain, cp.chain, PDL_HASH_BYTES) != 0))
		return bad(w->r, seq, PDL_EMERKLE, "checkpoint at size %llu does not match the log",
		           (unsigned long long)cp.size);
	w->r->checkpoints++;
	w->r->ckpt_size = cp.size;
	return PDL_OK;
}

/* The checkpoints of size seq+1 (and any smaller one left, which then
 * does not match). The signatures of the entries they cover are checked
 * first, so a bad entry is named before the checkpoint that covers it. */
static int
check_ckpts(struct walk *w, uint64_t seq)
{
	int rc = PDL_OK;
	if (w->next_ck < w->ncks && w->cks[w->next_ck].size <= seq + 1 && w->nj > 0)
		rc = flush_sigs(w);
	while (rc == PDL_OK && w->next_ck < w->ncks && w->cks[w->next_ck].size <= seq + 1)
		rc = check_ckpt(w, &w->cks[w->next_ck++], seq);
	return rc;
}

/* After the last entry: no checkpoint left over, the head's chain hash and
 * the stored tree's root are the entries'. */
static int
walk_end(struct walk *w)
{
	struct pdl_verify_result *r = w->r;
	uint8_t sroot[PDL_HASH_BYTES];
	if (w->next_ck < w->ncks)
		return bad(r, w->h.size - 1, PDL_EMERKLE, "checkpoint at size %llu is beyond the log (size %llu)",
		           (unsigned long long)w->cks[w->next_ck].size, (unsigned long long)w->h.size);
	if (memcmp(w->chain, w->h.chain, PDL_HASH_BYTES) != 0)
		return bad(r, w->h.size - 1, PDL_ECHAIN, "head chain hash does not match the last entry");
	assert(w->mr.size == w->h.size);
	r->size = w->h.size;
	memcpy(r->chain, w->chain, PDL_HASH_BYTES);
	pdl_merkle_range_root(&w->mr, r->root);
	if (pdl_merkle_root(&w->io, w->h.size, sroot) != PDL_OK || memcmp(sroot, r->root, PDL_HASH_BYTES) != 0)
		return bad(r, w->h.size - 1, PDL_EMERKLE, "stored tree root differs from the root of the entries");
	return PDL_OK;
}

/* One entry's checks; PDL_OK, *end after the last, or a structural error. */
static int
walk_entry(struct walk *w, struct pdl_scan *sc, uint64_t seq, int *end)
{
	struct pdl_entry e;
	struct pdl_act a;
	int rc = walk_next(w, sc, seq, end);
	if (rc != PDL_OK || *end)
		return rc;
	if ((rc = entry_shape(w, seq, sc->v, sc->vn, &e, &a)) != PDL_OK ||
	    (rc = entry_links(w, seq, sc->v, sc->vn, &e)) != PDL_OK)
		return rc;
	return entry_key(w, seq, sc->v, sc->vn, &e, &a);
}

int
pdl_verify_store(struct pdl_store *s, unsigned threads, struct pdl_progress *prog, struct pdl_verify_result *r)
{
	static const struct walk zero;
	struct walk w = zero;
	struct pdl_scan sc = {0};
	memset(r, 0, sizeof *r);
	r->ok = 1;
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	pdl_htab_init(&w.km, sizeof(struct pdl_pubkey));
	w.s = s;
	w.r = r;
	w.threads = threads;
	int rc = walk_open(&w, prog);
	if (rc == PDL_OK && pdl_store_log_scan(w.t, s, 0, &sc) != PDL_OK)
		rc = bad(r, UINT64_MAX, PDL_ESTORE, "cannot read the log");
	for (uint64_t seq = 0; rc == PDL_OK; seq++) {
		int end;
		int structural = walk_entry(&w, &sc, seq, &end);
		if ((structural != PDL_OK || w.nj == SIG_BATCH || end) && (rc = flush_sigs(&w)) != PDL_OK)
			break;
		if (structural != PDL_OK) {
			rc = bad(r, seq, structural, "%s", w.what);
			break;
		}
		if (end) {
			rc = walk_end(&w);
			break;
		}
		rc = check_ckpts(&w, seq);
		if (prog != NULL)
			pdl_progress_update(prog, seq + 1);
	}
	pdl_scan_close(&sc);
	if (w.t != NULL)
		pdl_store_rdone(s, w.t);
	pdl_htab_free(&w.km);
	free(w.jobs);
	free(w.cks);
	if (rc != PDL_OK)
		r->ok = 0;
	return rc;
}
