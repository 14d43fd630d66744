/* writer.c — pdld's writer thread: runs every waiting request's acts
 * through the rules in one transaction, signs a checkpoint when one is
 * due, commits (one fsync per batch), and only then sends the receipts and
 * publishes the entries (pdld.h, invariants 1 and 5). */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "pdld.h"
#include "readacl.h"

struct batch_out {
	msgpack_sbuffer pub; /* entries, packed as bins */
	uint64_t pub_from;
	uint32_t pub_n;
};

static void
publish_chunk(uint64_t from, uint32_t n, const char *bins, size_t len)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_sbuffer_write(&sb, "e", 1);
	msgpack_pack_map(&pk, 2);
	mp_pack_cstr(&pk, "from");
	msgpack_pack_uint64(&pk, from);
	mp_pack_cstr(&pk, "entries");
	msgpack_pack_array(&pk, n);
	msgpack_sbuffer_write(&sb, bins, len);
	nng_msg *m;
	if (nng_msg_alloc(&m, sb.size) == 0) {
		memcpy(nng_msg_body(m), sb.data, sb.size);
		if (nng_sendmsg(D.pub, m, NNG_FLAG_NONBLOCK) != 0)
			nng_msg_free(m);
	}
	msgpack_sbuffer_destroy(&sb);
}

/* Publishes the batch's entries in messages of at most PUB_BYTES_MAX
 * (subscribers' default receive limit is 1 MiB). */
static void
publish_entries(struct batch_out *o)
{
	struct mp_cur c = mp_cur_make(o->pub.data, o->pub.size);
	const char *start = o->pub.data;
	uint64_t from = o->pub_from;
	uint32_t n = 0;
	for (uint32_t i = 0; i < o->pub_n; i++) {
		const char *before = (const char *)c.p;
		if (mp_skip(&c) != PDL_OK) /* an entry's bin, or a placeholder's map */
			break;
		if (n > 0 && (size_t)((const char *)c.p - start) > PUB_BYTES_MAX) {
			publish_chunk(from, n, start, (size_t)(before - start));
			from += n;
			n = 0;
			start = before;
		}
		n++;
	}
	if (n > 0)
		publish_chunk(from, n, start, (size_t)((const char *)c.p - start));
	msgpack_sbuffer_clear(&o->pub);
	o->pub_n = 0;
}

void
pdld_publish_ckpt(uint64_t size, const char *note, size_t n)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_sbuffer_write(&sb, "c", 1);
	msgpack_pack_map(&pk, 2);
	mp_pack_cstr(&pk, "size");
	msgpack_pack_uint64(&pk, size);
	mp_pack_cstr(&pk, "note");
	mp_pack_str(&pk, note, n);
	nng_msg *m;
	if (nng_msg_alloc(&m, sb.size) == 0) {
		memcpy(nng_msg_body(m), sb.data, sb.size);
		if (nng_sendmsg(D.pub, m, NNG_FLAG_NONBLOCK) != 0)
			nng_msg_free(m);
	}
	msgpack_sbuffer_destroy(&sb);
	pdld_tiles_kick(); /* --tiles: the tiles thread exports up to it */
}

/* A checkpoint just committed: published now, or, under a witness
 * policy, once the witnesses' cosignatures meet its quorum (witness.c). */
static void
ckpt_committed(uint64_t size, const char *note, size_t n)
{
	if (pdld_witness_enabled())
		pdld_witness_offer(size, note, n);
	else
		pdld_publish_ckpt(size, note, n);
}

static void
pack_receipt(msgpack_packer *pk, const struct pdl_receipt *r)
{
	msgpack_pack_map(pk, 5);
	mp_pack_cstr(pk, "seq");
	msgpack_pack_uint64(pk, r->seq);
	mp_pack_cstr(pk, "hash");
	mp_pack_bin(pk, r->hash, PDL_HASH_BYTES);
	mp_pack_cstr(pk, "time_ms");
	msgpack_pack_uint64(pk, r->time_ms);
	mp_pack_cstr(pk, "outcome");
	msgpack_sbuffer_write(pk->data, (const char *)r->outcome, r->outcome_len);
	mp_pack_cstr(pk, "dup");
	if (r->dup)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

/* A batch of jobs in the rules engine's terms (pdl_engine_batch): the
 * replies and the published entries are built as the acts run, and built
 * again from the start when the batch restarts without an act that failed
 * after its apply began (rules.h, invariant 3). */
struct run {
	struct job **jobs;
	size_t nj;
	struct pdl_batch_item **items; /* every item of every job, in order */
	uint32_t *job_of;              /* job_of[i]: the job of items[i] */
	size_t n, cap;                 /* items listed; room for */
	msgpack_sbuffer *replies;      /* replies[k]: job k's reply */
	struct batch_out *o;
	msgpack_packer ppk; /* into o->pub */
	msgpack_packer pk;  /* into the reply of the job being run */
	size_t job;         /* that job; nj before the first */
	int want_ckpt;
	char note[PDL_NOTE_BYTES_MAX];
	size_t note_n;
};

static void
run_restart(void *arg, const struct pdl_head *h)
{
	struct run *r = arg;
	r->o->pub_from = h->size;
	r->o->pub_n = 0;
	msgpack_sbuffer_clear(&r->o->pub);
	msgpack_packer_init(&r->ppk, &r->o->pub, msgpack_sbuffer_write);
	r->job = r->nj;
	r->note_n = 0;
}

static void
run_result(void *arg, size_t i, const struct pdl_receipt *rec, const uint8_t *entry, size_t n)
{
	struct run *r = arg;
	const struct pdl_batch_item *bi = r->items[i];
	if (r->job != r->job_of[i]) { /* the first item of a job: its reply begins */
		r->job = r->job_of[i];
		msgpack_sbuffer_clear(&r->replies[r->job]);
		msgpack_packer_init(&r->pk, &r->replies[r->job], msgpack_sbuffer_write);
		msgpack_pack_map(&r->pk, 1);
		mp_pack_cstr(&r->pk, "results");
		msgpack_pack_array(&r->pk, r->jobs[r->job]->n);
	}
	if (rec == NULL) {
		assert(bi->rc != PDL_OK);
		pdld_pack_error(&r->pk, bi->rc, bi->st.rule, bi->st.msg);
		return;
	}
	pack_receipt(&r->pk, rec);
	((struct item *)((char *)bi - offsetof(struct item, run)))->dup = rec->dup; /* for the metrics */
	if (entry != NULL) {
		/* invariant (5): a network PUB gets a placeholder for a private entry */
		if (D.pubt.trusted || pdl_readacl_public(entry, n))
			mp_pack_bin(&r->ppk, entry, n);
		else
			pdld_pack_placeholder(&r->ppk, rec->seq, entry, n);
		r->o->pub_n++;
	}
}

/* The checkpoint, in the batch's transaction, when one is due. */
static int
run_before_commit(void *arg, MDB_txn *t, const struct pdl_head *h)
{
	struct run *r = arg;
	r->note_n = 0;
	if (!r->want_ckpt || h->size <= D.last_ckpt_size)
		return PDL_OK;
	int rc = pdl_ckpt_make(t, &D.store, h, D.origin, &D.ledger_sk, r->note, sizeof r->note, &r->note_n);
	PDL_INVARIANT(rc != PDL_OK || (r->note_n > 0 && r->note_n <= sizeof r->note));
	return rc;
}

/* Lists the items of jobs[0..nj) for the engine, once per batch (a run
 * again after growing the map keeps what the engine refused for good);
 * the writer's own memory, grown to the largest batch (at most
 * BATCH_ACTS_MAX acts but for one job over it). */
static void
run_items(struct run *r)
{
	size_t n = 0;
	for (size_t k = 0; k < r->nj; k++)
		n += r->jobs[k]->n;
	if (n > r->cap) {
		r->items = realloc(r->items, n * sizeof *r->items);
		r->job_of = realloc(r->job_of, n * sizeof *r->job_of);
		if (r->items == NULL || r->job_of == NULL)
			abort(); /* the writer cannot go on without them */
		r->cap = n;
	}
	r->n = n;
	n = 0;
	for (size_t k = 0; k < r->nj; k++) {
		for (uint32_t i = 0; i < r->jobs[k]->n; i++, n++) {
			struct item *it = &r->jobs[k]->items[i];
			assert(it->run.rc != PDL_OK || it->act.def != NULL);
			it->run.act = it->run.rc == PDL_OK ? &it->act : NULL;
			it->run.verified_pk = it->have_vpk ? &it->vpk : NULL;
			r->items[n] = &it->run;
			r->job_of[n] = (uint32_t)k;
		}
	}
}

/* Runs the items run_items listed in one transaction (with a checkpoint
 * when want_ckpt): PDL_OK, or a storage error after which nothing of the
 * batch is kept. replies[k] gets job k's reply. */
static int
run_batch(struct run *r, int want_ckpt)
{
	struct pdl_batch b = {0};
	r->want_ckpt = want_ckpt;
	b.items = r->items;
	b.n = r->n;
	b.now_ms = pdld_ledger_now();
	b.arg = r;
	b.restart = run_restart;
	b.result = run_result;
	b.before_commit = run_before_commit;
	int rc = pdl_engine_batch(&D.engine, &b);
	D.commit_mdb_rc = b.commit_rc; /* the OS's reason (ENOSPC, EIO) for the reply */
	if (rc != PDL_OK) {
		r->note_n = 0;
		return rc;
	}
	/* invariant (2): only this thread writes the log, so the head moved by
	 * exactly the acts appended */
	PDL_INVARIANT(b.head.size == r->o->pub_from + r->o->pub_n);
	pthread_mutex_lock(&D.head_mu);
	D.head = b.head;
	pthread_mutex_unlock(&D.head_mu);
	if (r->note_n) {
		D.last_ckpt_size = b.head.size;
		D.last_ckpt_ns = pdl_mono_ns();
		atomic_store(&D.m.ckpt_size, b.head.size);
		atomic_store(&D.m.ckpt_wall_ms, pdl_now_ms());
	}
	return PDL_OK;
}

static int
ckpt_due(void)
{
	return pdl_mono_ns() - D.last_ckpt_ns >= D.ckpt_ms * 1000000ull;
}

/* The writer's state: its thread's alone once it runs (main uses it
 * before, for the checkpoint at start). */
static struct batch_out W_out;
static struct run W = {.o = &W_out};
static size_t W_jobs_cap;

/* Takes the jobs of the next batch into W.jobs: those left over from the
 * last one (*pending), else what the commit queue holds, waiting for it up
 * to the checkpoint interval (200 ms at most). A batch takes jobs up to
 * BATCH_ACTS_MAX acts (one job at least); the rest is left in *pending.
 * Returns the batch's acts; *closed: the queue is closed. */
static size_t
take_jobs(struct job **pending, int *closed)
{
	struct job *list = *pending;
	size_t n = 0, acts = 0;
	*pending = NULL;
	*closed = 0;
	if (list == NULL)
		list = pdld_queue_take_all(&D.commitq, D.ckpt_ms < 200 ? D.ckpt_ms : 200, closed);
	for (struct job *j = list; j != NULL; j = j->next)
		n++;
	if (n > W_jobs_cap) {
		size_t ncap = n * 2;
		W.jobs = realloc(W.jobs, ncap * sizeof *W.jobs);
		W.replies = realloc(W.replies, ncap * sizeof *W.replies);
		if (W.jobs == NULL || W.replies == NULL)
			abort(); /* the writer cannot go on without them */
		for (size_t i = W_jobs_cap; i < ncap; i++)
			msgpack_sbuffer_init(&W.replies[i]);
		W_jobs_cap = ncap;
	}
	W.nj = 0;
	for (struct job *j = list; j != NULL; j = j->next) {
		if (W.nj > 0 && acts + j->n > BATCH_ACTS_MAX) {
			*pending = j; /* the rest waits for the next transaction */
			break;
		}
		W.jobs[W.nj++] = j;
		acts += j->n;
	}
	return acts;
}

/* run_batch, growing the map as long as it is full and may grow;
 * *commit_ns is the time of the run that counted (the one redone). */
static int
run_growing(int want_ckpt, uint64_t *commit_ns)
{
	int rc;
	uint64_t t0 = pdl_mono_ns();
	run_items(&W);
	while ((rc = run_batch(&W, want_ckpt)) == PDL_EMAPFULL) {
		int grc = pdl_store_grow(&D.store);
		if (grc != PDL_OK)
			return grc;
		if (D.store.mapsize >= (size_t)1 << 20)
			pdl_log(PDL_LOG_INFO, "map_grown", PDL_LOG_FIELDS(PDL_LF_U64("bytes", D.store.mapsize)),
			        "map grown to %zu MiB", D.store.mapsize >> 20);
		else /* only with a tiny --map-size */
			pdl_log(PDL_LOG_INFO, "map_grown", PDL_LOG_FIELDS(PDL_LF_U64("bytes", D.store.mapsize)),
			        "map grown to %zu bytes", D.store.mapsize);
		t0 = pdl_mono_ns();
	}
	*commit_ns = pdl_mono_ns() - t0;
	return rc;
}

/* After the batch: every job's reply (receipts only once durable,
 * invariant 1), then the entries and the checkpoint published. */
static void
finish_batch(int rc, size_t acts, uint64_t commit_ns)
{
	const char *why = D.commit_mdb_rc ? mdb_strerror(D.commit_mdb_rc) : "";
	if (rc == PDL_OK)
		pdld_metrics_batch(W.jobs, W.nj, acts, commit_ns);
	else
		pdl_prom_add(&D.m.batches_failed, 1);
	for (size_t k = 0; k < W.nj; k++) {
		struct job *j = W.jobs[k];
		if (rc == PDL_OK) {
			pdld_job_reply(j, W.replies[k].data, W.replies[k].size);
		} else {
			char msg[200];
			snprintf(msg, sizeof msg, "the batch was not written (%s%s%s); nothing of it is in the log",
			         pdl_strerror(rc), why[0] ? ": " : "", why);
			pdld_job_error(j, rc, msg);
		}
		atomic_fetch_sub(&D.inflight, 1);
		pdld_job_free(j);
	}
	if (rc != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "batch_failed",
		        PDL_LOG_FIELDS(PDL_LF_U64("acts", acts), PDL_LF_STR("error", pdl_strerror(rc)),
		                       PDL_LF_STR("os_error", why[0] ? why : NULL)),
		        "batch of %zu acts refused: %s%s%s", acts, pdl_strerror(rc), why[0] ? ": " : "", why);
		return;
	}
	if (D.verbose && W.nj > 0)
		pdl_log(PDL_LOG_DEBUG, "batch_committed",
		        PDL_LOG_FIELDS(PDL_LF_U64("acts", acts), PDL_LF_U64("requests", W.nj),
		                       PDL_LF_U64("log_size", D.head.size)),
		        "batch of %zu acts from %zu requests committed, log size %llu", acts, W.nj,
		        (unsigned long long)D.head.size);
	publish_entries(W.o);
	if (W.note_n)
		ckpt_committed(D.last_ckpt_size, W.note, W.note_n);
}

int
pdld_writer_checkpoint(void)
{
	if (W.o->pub.data == NULL)
		msgpack_sbuffer_init(&W.o->pub);
	W.nj = 0;
	uint64_t ns;
	int rc = D.head.size > D.last_ckpt_size ? run_growing(1, &ns) : PDL_OK;
	if (rc == PDL_OK)
		PDL_INVARIANT(D.last_ckpt_size == D.head.size);
	return rc;
}

void *
pdld_writer_main(void *arg)
{
	(void)arg;
	struct job *pending = NULL; /* jobs taken but over the batch limit */
	if (W.o->pub.data == NULL)
		msgpack_sbuffer_init(&W.o->pub);
	for (;;) {
		int closed;
		size_t acts = take_jobs(&pending, &closed);
		int want_ckpt = ckpt_due() || (closed && pending == NULL);
		if (W.nj > 0 || (want_ckpt && D.head.size > D.last_ckpt_size)) {
			uint64_t commit_ns = 0;
			int rc = run_growing(want_ckpt, &commit_ns);
			finish_batch(rc, acts, commit_ns);
		}
		if (closed && pending == NULL && W.nj == 0)
			break;
	}
	msgpack_sbuffer_destroy(&W.o->pub);
	for (size_t i = 0; i < W_jobs_cap; i++)
		msgpack_sbuffer_destroy(&W.replies[i]);
	free(W.replies);
	free(W.jobs);
	free(W.items);
	free(W.job_of);
	return NULL;
}
