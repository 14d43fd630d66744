/* verify.c — see verify.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "ckpt.h"
#include "readers.h"
#include "rules.h"
#include "verify.h"

#define SIG_BATCH 8192u /* entries whose signatures are checked together */

/* ---- party keys as of the current point in the log ---- */

struct keyent {
	char *id;
	struct pdl_pubkey pk;
};

struct keymap {
	struct keyent *t;
	size_t cap, n;
};

static uint64_t
fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

static struct keyent *
km_find(struct keymap *m, const char *id, size_t n, int insert)
{
	if (insert && (m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 1024;
		struct keyent *nt = calloc(ncap, sizeof *nt);
		if (nt == NULL)
			return NULL;
		for (size_t i = 0; i < m->cap; i++) {
			if (m->t[i].id == NULL)
				continue;
			size_t j = fnv(m->t[i].id, strlen(m->t[i].id)) & (ncap - 1);
			while (nt[j].id != NULL)
				j = (j + 1) & (ncap - 1);
			nt[j] = m->t[i];
		}
		free(m->t);
		m->t = nt;
		m->cap = ncap;
	}
	if (m->cap == 0)
		return NULL;
	size_t j = fnv(id, n) & (m->cap - 1);
	while (m->t[j].id != NULL) {
		if (strlen(m->t[j].id) == n && memcmp(m->t[j].id, id, n) == 0)
			return &m->t[j];
		j = (j + 1) & (m->cap - 1);
	}
	if (!insert)
		return NULL;
	m->t[j].id = strndup(id, n);
	if (m->t[j].id == NULL)
		return NULL;
	m->n++;
	return &m->t[j];
}

static void
km_free(struct keymap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->t[i].id);
	free(m->t);
}

/* Updates keys from an accepted act (genesis, party.register, party.rotate_key). */
static int
km_apply(struct keymap *m, const struct pdl_act *a)
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
	struct keyent *e = km_find(m, id, idn, 1);
	if (e == NULL)
		return PDL_ENOMEM;
	char why[160];
	return pdl_pubkey_parse(&e->pk, pdl_suite(), key, keyn, why, sizeof why) == PDL_OK ? PDL_OK : PDL_EDECODE;
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
		for (size_t i = lo; i < hi; i++) {
			struct sigjob *j = &p->jobs[i];
			j->bad = pdl_act_verify(j->ledger_id, j->act, j->act_len, j->sig, &j->pk) != PDL_OK;
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

int
pdl_verify_store(struct pdl_store *s, unsigned threads, struct pdl_progress *prog, struct pdl_verify_result *r)
{
	MDB_txn *t = NULL;
	MDB_cursor *cur = NULL;
	struct keymap km = {0};
	struct sigjob *jobs = NULL;
	struct ckpt_ref *cks = NULL;
	size_t ncks = 0, capcks = 0, nj = 0, next_ck = 0;
	struct pdl_head h;
	struct pdl_ledger_info info;
	struct pdl_status st;
	pdl_hash stack[PDL_MERKLE_LEVELS_MAX];
	unsigned sn = 0;
	uint8_t chain[PDL_HASH_BYTES] = {0};
	uint8_t ledger_id[PDL_HASH_BYTES] = {0}; /* entry 0's hash, once read */
	uint64_t last_time = 0, seq = 0;
	int rc;

	memset(r, 0, sizeof *r);
	r->ok = 1;
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	if ((rc = pdl_store_rtxn(s, &t)) != PDL_OK)
		return bad(r, UINT64_MAX, rc, "cannot open a read transaction");
	if ((rc = pdl_store_head(t, s, &h)) != PDL_OK) {
		bad(r, UINT64_MAX, rc, "cannot read the head record");
		goto out;
	}
	if (h.size == 0) {
		rc = bad(r, 0, PDL_EGENESIS, "the log is empty");
		goto out;
	}
	/* Every hash below is the suite's the genesis names. A genesis that
	 * does not decode is reported at seq 0 by the walk; one that names a
	 * suite this pdl does not know, here. */
	if (pdl_read_suite(t, s, &st) == PDL_EINVAL) {
		rc = bad(r, 0, PDL_EGENESIS, "%s", st.msg);
		goto out;
	}
	if (prog != NULL)
		prog->total = h.size;
	jobs = malloc(SIG_BATCH * sizeof *jobs);
	if (jobs == NULL) {
		rc = bad(r, UINT64_MAX, PDL_ENOMEM, "out of memory");
		goto out;
	}
	/* checkpoints, in size order (the table's key order) */
	if (mdb_cursor_open(t, s->ckpt, &cur) != 0) {
		rc = bad(r, UINT64_MAX, PDL_ESTORE, "cannot read checkpoints");
		goto out;
	}
	MDB_val k, v;
	for (int m = mdb_cursor_get(cur, &k, &v, MDB_FIRST); m == 0; m = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (ncks == capcks) {
			capcks = capcks ? capcks * 2 : 64;
			struct ckpt_ref *nc = realloc(cks, capcks * sizeof *cks);
			if (nc == NULL) {
				rc = bad(r, UINT64_MAX, PDL_ENOMEM, "out of memory");
				goto out;
			}
			cks = nc;
		}
		cks[ncks].size = k.mv_size == 8 ? pdl_get_be64(k.mv_data) : 0;
		cks[ncks].note = v.mv_data;
		cks[ncks].n = v.mv_size;
		ncks++;
	}
	mdb_cursor_close(cur);
	cur = NULL;

	struct pdl_tree_ctx tc = {t, s};
	struct pdl_merkle_io io;
	pdl_store_tree_io(&tc, &io);
	if (mdb_cursor_open(t, s->log, &cur) != 0) {
		rc = bad(r, UINT64_MAX, PDL_ESTORE, "cannot read the log");
		goto out;
	}
	int m = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	size_t batch_lo_seq = 0;
	int have_info = 0;
	for (;; seq++) {
		int structural = PDL_OK;
		char what[PDL_MSG_LEN_MAX + 160] = "";
		struct pdl_entry e;
		struct pdl_act a;
		if (seq == h.size || m != 0) {
			if (m == 0)
				snprintf(what, sizeof what, "entries beyond the head size %llu", (unsigned long long)h.size),
				    structural = PDL_ECHAIN;
			else if (seq < h.size)
				snprintf(what, sizeof what, "entry %llu is missing (log ends, head says %llu)",
				         (unsigned long long)seq, (unsigned long long)h.size),
				    structural = PDL_ECHAIN;
		} else if (k.mv_size != 8 || pdl_get_be64(k.mv_data) != seq) {
			snprintf(what, sizeof what, "entry %llu is missing (next key is %llu)", (unsigned long long)seq,
			         k.mv_size == 8 ? (unsigned long long)pdl_get_be64(k.mv_data) : 0ull);
			structural = PDL_ECHAIN;
		} else if (pdl_entry_decode(v.mv_data, v.mv_size, &e, &st) != PDL_OK) {
			snprintf(what, sizeof what, "entry does not decode: %s", st.msg);
			structural = PDL_EDECODE;
		} else if (e.seq != seq) {
			snprintf(what, sizeof what, "entry stored at seq %llu says seq %llu", (unsigned long long)seq,
			         (unsigned long long)e.seq);
			structural = PDL_ECHAIN;
		} else if (pdl_act_decode(e.act, e.act_len, e.sig, &a, &st) != PDL_OK) {
			snprintf(what, sizeof what, "act does not decode: %s", st.msg);
			structural = PDL_EDECODE;
		} else if ((seq == 0) != mp_str_eq(a.type, a.type_len, "ledger.genesis")) {
			snprintf(what, sizeof what, "%s", seq == 0 ? "entry 0 is not the genesis" : "a second genesis");
			structural = PDL_EGENESIS;
		} else {
			uint8_t leaf[PDL_HASH_BYTES], stored[PDL_HASH_BYTES];
			pdl_merkle_leaf_hash(v.mv_data, v.mv_size, leaf);
			if (io.get(io.ctx, 0, seq, stored) != PDL_OK || pdl_memcmp_ct(leaf, stored, PDL_HASH_BYTES) != 0) {
				snprintf(what, sizeof what, "entry bytes do not match the stored Merkle leaf");
				structural = PDL_EMERKLE;
			} else if (memcmp(e.prev, chain, PDL_HASH_BYTES) != 0) {
				snprintf(what, sizeof what, "prev hash does not match the chain hash of entry %llu",
				         (unsigned long long)(seq ? seq - 1 : 0));
				structural = PDL_ECHAIN;
			} else if (e.time_ms < last_time) {
				snprintf(what, sizeof what, "time goes backwards");
				structural = PDL_ECHAIN;
			} else {
				/* Merkle: push the leaf, check each completed subtree against the store. */
				uint64_t idx = seq;
				unsigned level = 0;
				memcpy(stack[sn++], leaf, PDL_HASH_BYTES);
				while (idx & 1) {
					uint8_t node[PDL_HASH_BYTES];
					pdl_merkle_node_hash(stack[sn - 2], stack[sn - 1], node);
					sn--;
					memcpy(stack[sn - 1], node, PDL_HASH_BYTES);
					idx >>= 1;
					level++;
					if (io.get(io.ctx, level, idx, stored) != PDL_OK ||
					    pdl_memcmp_ct(node, stored, PDL_HASH_BYTES) != 0) {
						snprintf(what, sizeof what, "stored Merkle node (%u, %llu) is wrong", level,
						         (unsigned long long)idx);
						structural = PDL_EMERKLE;
						break;
					}
				}
				if (structural == PDL_OK) {
					/* the key this act is signed with */
					struct sigjob *j = &jobs[nj];
					j->act = e.act;
					j->act_len = e.act_len;
					j->sig = e.sig;
					j->seq = seq;
					j->bad = 0;
					j->ledger_id = seq == 0 ? pdl_ledger_id_genesis : ledger_id;
					if (seq == 0) {
						if (pdl_ledger_info_from_genesis(&a, &info) != PDL_OK) {
							snprintf(what, sizeof what, "genesis is malformed");
							structural = PDL_EGENESIS;
						} else {
							have_info = 1;
						}
						if (km_apply(&km, &a) != PDL_OK)
							structural = PDL_EGENESIS;
						struct keyent *ke = km_find(&km, info.authority_id, strlen(info.authority_id), 0);
						if (ke)
							j->pk = ke->pk;
					} else {
						struct keyent *ke = km_find(&km, a.actor, a.actor_len, 0);
						if (ke == NULL) {
							snprintf(what, sizeof what, "actor %.*s was never registered", (int)a.actor_len,
							         a.actor);
							structural = PDL_EACTOR;
						} else {
							j->pk = ke->pk;
						}
					}
					if (structural == PDL_OK) {
						nj++;
						/* keys change after the act is checked with the old one */
						if (seq != 0 && km_apply(&km, &a) != PDL_OK) {
							snprintf(what, sizeof what, "party act body malformed");
							structural = PDL_EDECODE;
						}
					}
					pdl_digest(chain, v.mv_data, v.mv_size);
					if (seq == 0)
						memcpy(ledger_id, chain, PDL_HASH_BYTES);
					last_time = e.time_ms;
				}
			}
		}
		int end = seq >= h.size && structural == PDL_OK;
		if (structural != PDL_OK || nj == SIG_BATCH || end) {
			size_t badi = sig_run(jobs, nj, threads);
			r->signatures += badi;
			if (badi < nj) {
				rc = bad(r, jobs[badi].seq, PDL_EBADSIG, "act signature does not verify with the actor's key");
				goto out;
			}
			nj = 0;
			batch_lo_seq = seq;
		}
		if (structural != PDL_OK) {
			rc = bad(r, seq, structural, "%s", what);
			goto out;
		}
		if (end)
			break;
		/* checkpoints at this size (seq + 1 leaves now); the signatures of the
		 * entries they cover are checked first, so a bad entry is named
		 * before the checkpoint that covers it */
		if (next_ck < ncks && cks[next_ck].size <= seq + 1 && nj > 0) {
			size_t badi = sig_run(jobs, nj, threads);
			r->signatures += badi;
			if (badi < nj) {
				rc = bad(r, jobs[badi].seq, PDL_EBADSIG, "act signature does not verify with the actor's key");
				goto out;
			}
			nj = 0;
		}
		while (next_ck < ncks && cks[next_ck].size <= seq + 1) {
			struct ckpt_ref *c = &cks[next_ck++];
			struct pdl_ckpt cp;
			size_t bl;
			uint8_t root[PDL_HASH_BYTES];
			if (!have_info) {
				rc = bad(r, UINT64_MAX, PDL_EGENESIS, "no genesis");
				goto out;
			}
			if (pdl_note_verify(c->note, c->n, info.origin, &info.ledger_pk, &bl) != PDL_OK ||
			    pdl_ckpt_parse(c->note, c->n, &cp) != PDL_OK) {
				rc = bad(r, c->size ? c->size - 1 : 0, PDL_EBADSIG,
				         "checkpoint at size %llu is not validly signed by the ledger key",
				         (unsigned long long)c->size);
				goto out;
			}
			if (cp.size != c->size || strcmp(cp.origin, info.origin) != 0) {
				rc = bad(r, c->size ? c->size - 1 : 0, PDL_ENOTE, "checkpoint stored under size %llu says %llu",
				         (unsigned long long)c->size, (unsigned long long)cp.size);
				goto out;
			}
			/* root of seq+1 leaves from the stack */
			memcpy(root, stack[sn - 1], PDL_HASH_BYTES);
			for (unsigned i = sn - 1; i-- > 0;)
				pdl_merkle_node_hash(stack[i], root, root);
			if (cp.size != seq + 1 || pdl_memcmp_ct(root, cp.root, PDL_HASH_BYTES) != 0 ||
			    (cp.has_chain && pdl_memcmp_ct(chain, cp.chain, PDL_HASH_BYTES) != 0)) {
				rc = bad(r, seq, PDL_EMERKLE, "checkpoint at size %llu does not match the log",
				         (unsigned long long)cp.size);
				goto out;
			}
			r->checkpoints++;
			r->ckpt_size = cp.size;
		}
		m = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		if (prog != NULL)
			pdl_progress_update(prog, seq + 1);
	}
	(void)batch_lo_seq;
	if (next_ck < ncks) {
		rc = bad(r, h.size - 1, PDL_EMERKLE, "checkpoint at size %llu is beyond the log (size %llu)",
		         (unsigned long long)cks[next_ck].size, (unsigned long long)h.size);
		goto out;
	}
	if (memcmp(chain, h.chain, PDL_HASH_BYTES) != 0) {
		rc = bad(r, h.size - 1, PDL_ECHAIN, "head chain hash does not match the last entry");
		goto out;
	}
	r->size = h.size;
	memcpy(r->chain, chain, PDL_HASH_BYTES);
	memcpy(r->root, stack[sn - 1], PDL_HASH_BYTES);
	for (unsigned i = sn - 1; i-- > 0;)
		pdl_merkle_node_hash(stack[i], r->root, r->root);
	uint8_t sroot[PDL_HASH_BYTES];
	if (pdl_merkle_root(&io, h.size, sroot) != PDL_OK || memcmp(sroot, r->root, PDL_HASH_BYTES) != 0) {
		rc = bad(r, h.size - 1, PDL_EMERKLE, "stored tree root differs from the root of the entries");
		goto out;
	}
	rc = PDL_OK;
out:
	if (cur)
		mdb_cursor_close(cur);
	if (t)
		pdl_store_rdone(s, t);
	km_free(&km);
	free(jobs);
	free(cks);
	if (rc != PDL_OK)
		r->ok = 0;
	return rc;
}
