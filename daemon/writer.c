/* writer.c — pdld's writer thread: runs every waiting request's acts
 * through the rules in one transaction, signs a checkpoint when one is
 * due, commits (one fsync per batch), and only then sends the receipts and
 * publishes the entries (pdld.h, invariants 1 and 5). */
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

/* Runs a batch of jobs in one transaction. Returns PDL_OK, or a storage
 * error after which nothing of the batch is kept. replies[i] gets job i's reply. */
static int
run_batch(struct job **jobs, size_t nj, msgpack_sbuffer *replies, struct batch_out *o, int want_ckpt,
          char *note, size_t *note_n)
{
	MDB_txn *t;
	struct pdl_head h;
	D.commit_mdb_rc = 0;
	int rc = pdl_store_wtxn(&D.store, &t);
	if (rc != PDL_OK)
		return rc;
	rc = pdl_store_head(t, &D.store, &h);
	if (rc != PDL_OK)
		goto fail;
	o->pub_from = h.size;
	o->pub_n = 0;
	msgpack_sbuffer_clear(&o->pub);
	msgpack_packer ppk;
	msgpack_packer_init(&ppk, &o->pub, msgpack_sbuffer_write);
	uint64_t now = pdld_ledger_now();
	for (size_t k = 0; k < nj; k++) {
		struct job *j = jobs[k];
		msgpack_packer pk;
		msgpack_sbuffer_clear(&replies[k]);
		msgpack_packer_init(&pk, &replies[k], msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 1);
		mp_pack_cstr(&pk, "results");
		msgpack_pack_array(&pk, j->n);
		for (uint32_t i = 0; i < j->n; i++) {
			struct item *it = &j->items[i];
			if (it->rc != PDL_OK) {
				pdld_pack_error(&pk, it->rc, it->st.rule, it->st.msg);
				continue;
			}
			struct pdl_receipt r;
			struct pdl_status *st = &it->st; /* its answer stays with it, for the metrics */
			uint64_t before = h.size;
			memset(st, 0, sizeof *st);
			int src =
			    pdl_engine_submit(&D.engine, t, &h, now, &it->act, it->have_vpk ? &it->vpk : NULL, &r, st);
			if (src == PDL_ESTORE || src == PDL_EMAPFULL) {
				rc = src;
				goto fail;
			}
			it->result = src;
			it->dup = src == PDL_OK && r.dup;
			if (src != PDL_OK) {
				pdld_pack_error(&pk, src, st->rule, st->msg);
				continue;
			}
			pack_receipt(&pk, &r);
			if (h.size != before) {
				/* invariant (5): a network PUB gets a placeholder for a private entry */
				const uint8_t *eb = (const uint8_t *)D.engine.entry.data;
				if (D.pubt.trusted || pdl_readacl_public(eb, D.engine.entry.size))
					mp_pack_bin(&ppk, eb, D.engine.entry.size);
				else
					pdld_pack_placeholder(&ppk, before, eb, D.engine.entry.size);
				o->pub_n++;
			}
		}
	}
	*note_n = 0;
	if (want_ckpt && h.size > D.last_ckpt_size) {
		rc = pdl_ckpt_make(t, &D.store, &h, D.origin, &D.ledger_sk, note, PDL_NOTE_BYTES_MAX, note_n);
		if (rc != PDL_OK)
			goto fail;
	}
	int mrc = pdl_store_commit(&D.store, t); /* a full disk says ENOSPC, not EIO */
	rc = pdl_store_err(mrc);
	if (rc != PDL_OK) {
		D.commit_mdb_rc = mrc; /* the OS's reason (ENOSPC, EIO) for the reply */
		*note_n = 0;
		return rc;
	}
	pthread_mutex_lock(&D.head_mu);
	D.head = h;
	pthread_mutex_unlock(&D.head_mu);
	if (*note_n) {
		D.last_ckpt_size = h.size;
		D.last_ckpt_ns = pdl_mono_ns();
		atomic_store(&D.m.ckpt_size, h.size);
		atomic_store(&D.m.ckpt_wall_ms, pdl_now_ms());
	}
	return PDL_OK;
fail:
	mdb_txn_abort(t);
	return rc;
}

static int
ckpt_due(void)
{
	return pdl_mono_ns() - D.last_ckpt_ns >= D.ckpt_ms * 1000000ull;
}

void *
pdld_writer_main(void *arg)
{
	(void)arg;
	struct job **jobs = NULL;
	msgpack_sbuffer *replies = NULL;
	size_t cap = 0;
	struct batch_out o;
	char note[PDL_NOTE_BYTES_MAX];
	size_t note_n;
	msgpack_sbuffer_init(&o.pub);
	struct job *pending = NULL; /* jobs taken but over the batch limit */
	for (;;) {
		int closed = 0;
		struct job *list = pending;
		pending = NULL;
		if (list == NULL)
			list = pdld_queue_take_all(&D.commitq, D.ckpt_ms < 200 ? D.ckpt_ms : 200, &closed);
		size_t nj = 0, acts = 0;
		for (struct job *j = list; j != NULL; j = j->next)
			nj++;
		if (nj > cap) {
			size_t ncap = nj * 2;
			jobs = realloc(jobs, ncap * sizeof *jobs);
			replies = realloc(replies, ncap * sizeof *replies);
			if (jobs == NULL || replies == NULL)
				abort();
			for (size_t i = cap; i < ncap; i++)
				msgpack_sbuffer_init(&replies[i]);
			cap = ncap;
		}
		nj = 0;
		for (struct job *j = list; j != NULL;) {
			struct job *next = j->next;
			if (nj > 0 && acts + j->n > BATCH_ACTS_MAX) {
				pending = j; /* the rest waits for the next transaction */
				break;
			}
			jobs[nj++] = j;
			acts += j->n;
			j = next;
		}
		int want_ckpt = ckpt_due() || (closed && pending == NULL);
		if (nj == 0) {
			if (want_ckpt && D.head.size > D.last_ckpt_size) {
				int rc;
				while ((rc = run_batch(jobs, 0, replies, &o, 1, note, &note_n)) == PDL_EMAPFULL)
					if (pdl_store_grow(&D.store) != PDL_OK)
						break;
				if (rc == PDL_OK && note_n)
					ckpt_committed(D.last_ckpt_size, note, note_n);
			}
			if (closed)
				break;
			continue;
		}
		int rc;
		uint64_t t0 = pdl_mono_ns();
		while ((rc = run_batch(jobs, nj, replies, &o, want_ckpt, note, &note_n)) == PDL_EMAPFULL) {
			int grc = pdl_store_grow(&D.store);
			if (grc != PDL_OK) {
				rc = grc;
				break;
			}
			if (D.store.mapsize >= (size_t)1 << 20)
				pdl_log(PDL_LOG_INFO, "map_grown", PDL_LOG_FIELDS(PDL_LF_U64("bytes", D.store.mapsize)),
				        "map grown to %zu MiB", D.store.mapsize >> 20);
			else /* only with a tiny --map-size */
				pdl_log(PDL_LOG_INFO, "map_grown", PDL_LOG_FIELDS(PDL_LF_U64("bytes", D.store.mapsize)),
				        "map grown to %zu bytes", D.store.mapsize);
			t0 = pdl_mono_ns(); /* the commit that counts is the one redone */
		}
		if (rc == PDL_OK)
			pdld_metrics_batch(jobs, nj, acts, pdl_mono_ns() - t0);
		else
			pdl_prom_add(&D.m.batches_failed, 1);
		for (size_t k = 0; k < nj; k++) {
			struct job *j = jobs[k];
			if (rc == PDL_OK) {
				pdld_job_reply(j, replies[k].data, replies[k].size);
			} else {
				char msg[200];
				snprintf(msg, sizeof msg, "the batch was not written (%s%s%s); nothing of it is in the log",
				         pdl_strerror(rc), D.commit_mdb_rc ? ": " : "",
				         D.commit_mdb_rc ? mdb_strerror(D.commit_mdb_rc) : "");
				pdld_job_error(j, rc, msg);
			}
			atomic_fetch_sub(&D.inflight, 1);
			pdld_job_free(j);
		}
		if (rc != PDL_OK)
			pdl_log(PDL_LOG_ERROR, "batch_failed",
			        PDL_LOG_FIELDS(
			            PDL_LF_U64("acts", acts), PDL_LF_STR("error", pdl_strerror(rc)),
			            PDL_LF_STR("os_error", D.commit_mdb_rc ? mdb_strerror(D.commit_mdb_rc) : NULL)),
			        "batch of %zu acts refused: %s%s%s", acts, pdl_strerror(rc),
			        D.commit_mdb_rc ? ": " : "", D.commit_mdb_rc ? mdb_strerror(D.commit_mdb_rc) : "");
		if (rc == PDL_OK && D.verbose)
			pdl_log(PDL_LOG_DEBUG, "batch_committed",
			        PDL_LOG_FIELDS(PDL_LF_U64("acts", acts), PDL_LF_U64("requests", nj),
			                       PDL_LF_U64("log_size", D.head.size)),
			        "batch of %zu acts from %zu requests committed, log size %llu", acts, nj,
			        (unsigned long long)D.head.size);
		if (rc == PDL_OK) {
			publish_entries(&o);
			if (note_n)
				ckpt_committed(D.last_ckpt_size, note, note_n);
		}
	}
	msgpack_sbuffer_destroy(&o.pub);
	for (size_t i = 0; i < cap; i++)
		msgpack_sbuffer_destroy(&replies[i]);
	free(replies);
	free(jobs);
	return NULL;
}
