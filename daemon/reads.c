/* reads.c — pdld's reads (get, range, head, checkpoint, inclusion,
 * consistency), answered on NNG's threads from a read transaction, with
 * the readers' rules of pdld.h ("Readers"); the test clock; and the blob
 * put of `pdl evidence deposit --store`. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "ckpt.h"
#include "pdld.h"
#include "readacl.h"
#include "readers.h"
#include "readtok.h"

static int
get_uint(struct mp_cur req, const char *key, uint64_t *v)
{
	struct mp_cur c;
	if (mp_map_find(req, key, &c) != PDL_OK || mp_read_uint(&c, v) != PDL_OK)
		return PDL_EPROTO;
	return PDL_OK;
}

static void
pack_proof(msgpack_packer *pk, const pdl_hash *proof, size_t n)
{
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++)
		mp_pack_bin(pk, proof[i], PDL_HASH_BYTES);
}

/* The reader of a request on a network listener: anonymous without an
 * `auth` token; with one, the party it names once the token checks out
 * against the party's current key, this ledger and the real clock (tokens
 * are made by clients on their own clocks; the test clock is the ledger's
 * time for acts, not for readers). */
static int
reader_from(MDB_txn *t, struct mp_cur req, const char *op, size_t opn, const char *method, const char *http_target,
            struct pdl_net_reader *r, struct pdl_status *st)
{
	struct mp_cur v;
	const char *tok;
	size_t tn;
	struct pdl_readtok rt;
	struct pdl_party p;
	char target[33];
	memset(r, 0, sizeof *r);
	if (mp_map_find(req, "auth", &v) != PDL_OK)
		return PDL_OK;
	if (mp_read_str(&v, &tok, &tn) != PDL_OK || pdl_readtok_parse(tok, tn, &rt) != PDL_OK)
		return pdl_status_set(st, PDL_EPROTO, NULL,
		                      "auth is not a reader token (PDL-Sig party=ID,time=MS,sig=BASE64)");
	if (pdl_party_get(t, &D.store, rt.party, strlen(rt.party), &p) != PDL_OK)
		return pdl_status_set(st, PDL_EACTOR, NULL, "reader token of %s: no such party", rt.party);
	snprintf(target, sizeof target, "%.*s", (int)(opn < 32 ? opn : 32), op);
	if (http_target != NULL) /* an HTTP request's token signs its method and target (§15) */
		snprintf(target, sizeof target, "the request target");
	int rc = pdl_readtok_check(&rt, &p.pk, D.ledger_id, method != NULL ? method : "NNG",
	                           http_target != NULL ? http_target : target, pdl_now_ms());
	if (rc == PDL_ECLOCK)
		return pdl_status_set(st, rc, NULL,
		                      "reader token of %s is stale: made at %llu ms, pdld's clock says %llu (window %u s)",
		                      rt.party, (unsigned long long)rt.time_ms, (unsigned long long)pdl_now_ms(),
		                      PDL_READTOK_SKEW_MS / 1000);
	if (rc != PDL_OK)
		return pdl_status_set(st, PDL_EBADSIG, NULL,
		                      "reader token of %s does not verify with its current key for this ledger and %s%s",
		                      rt.party, http_target != NULL ? "" : "op ", target);
	/* as the private HTTP listener does: a suspended party reads nothing
	 * private, and is told so rather than served as anonymous */
	if (p.suspended)
		return pdl_status_set(st, PDL_ESUSPENDED, NULL, "%s is suspended: it reads nothing private", rt.party);
	snprintf(r->party, sizeof r->party, "%s", rt.party);
	r->roles = p.roles;
	return PDL_OK;
}

static void
note_read_refused(const struct pdl_net_reader *r, uint64_t seq)
{
	atomic_fetch_add(&D.n_read_refused, 1);
	if (D.verbose)
		pdl_log(PDL_LOG_DEBUG, "private_read_refused",
		        PDL_LOG_FIELDS(PDL_LF_U64("seq", seq), PDL_LF_STR("reader", r->party[0] ? r->party : NULL)),
		        "private entry %llu refused to %s", (unsigned long long)seq,
		        r->party[0] ? r->party : "an anonymous reader");
}

/* A range element in place of an entry the reader may not have: enough to
 * see that it exists and to check the chain over it (its hash is the next
 * entry's prev anyway), nothing of the act. */
void
pdld_pack_placeholder(msgpack_packer *pk, uint64_t seq, const uint8_t *e, size_t n)
{
	uint8_t h[PDL_HASH_BYTES];
	pdl_digest(h, e, n);
	msgpack_pack_map(pk, 3);
	mp_pack_cstr(pk, "seq");
	msgpack_pack_uint64(pk, seq);
	mp_pack_cstr(pk, "private");
	msgpack_pack_true(pk);
	mp_pack_cstr(pk, "hash");
	mp_pack_bin(pk, h, PDL_HASH_BYTES);
}

/* One read request: its snapshot, head and reader (NULL: trusted). */
struct rd {
	MDB_txn *t;
	struct pdl_head h;
	const struct pdl_net_reader *reader;
	struct mp_cur req;
	msgpack_packer *pk;
	struct pdl_status *st;
	const char *target; /* an HTTP request's target (pdld_read_http), or NULL on the socket */
};

static int
rd_get(struct rd *r)
{
	const uint8_t *e;
	size_t en;
	uint64_t seq;
	if (get_uint(r->req, "seq", &seq) != PDL_OK)
		return pdl_status_set(r->st, PDL_EPROTO, NULL, "get needs seq");
	int rc = pdl_store_entry(r->t, &D.store, seq, &e, &en);
	if (rc == PDL_ENOTFOUND)
		return pdl_status_set(r->st, rc, NULL, "no entry %llu (log size %llu)", (unsigned long long)seq,
		                      (unsigned long long)r->h.size);
	if (rc != PDL_OK)
		return rc;
	if (r->reader != NULL && !pdl_readacl_allows(r->t, &D.store, r->reader, e, en)) {
		note_read_refused(r->reader, seq);
		return pdl_status_set(r->st, PDL_EPRIVATE, NULL,
		                      "entry %llu is private: only its actor, parties named in it, the authority and "
		                      "auditors may read it%s",
		                      (unsigned long long)seq,
		                      r->reader->party[0] ? ""
		                      : r->target != NULL ? "; identify with Authorization: PDL-Sig (pdl token)"
		                                          : "; identify with --reader ID --reader-key FILE");
	}
	msgpack_pack_map(r->pk, 1);
	mp_pack_cstr(r->pk, "entry");
	mp_pack_bin(r->pk, e, en);
	return PDL_OK;
}

/* Packs up to count entries from `from` into els (fewer past
 * RANGE_BYTES_MAX); *n is how many. */
static int
rd_range_entries(struct rd *r, uint64_t from, uint64_t count, msgpack_sbuffer *els, uint64_t *n)
{
	msgpack_packer epk;
	msgpack_packer_init(&epk, els, msgpack_sbuffer_write);
	struct pdl_scan sc;
	int rc = pdl_store_log_scan(r->t, &D.store, from, &sc);
	for (*n = 0; rc == PDL_OK && *n < count; ++*n) {
		if ((rc = pdl_scan_next(&sc)) != PDL_OK)
			break;
		if (*n > 0 && els->size + sc.vn > RANGE_BYTES_MAX)
			break;
		if (r->reader == NULL || pdl_readacl_allows(r->t, &D.store, r->reader, sc.v, sc.vn)) {
			mp_pack_bin(&epk, sc.v, sc.vn);
		} else {
			note_read_refused(r->reader, sc.seq);
			pdld_pack_placeholder(&epk, sc.seq, sc.v, sc.vn);
		}
	}
	pdl_scan_close(&sc);
	assert(*n <= count);
	return rc == PDL_END ? PDL_ESTORE : rc; /* the head said these entries exist */
}

static int
rd_range(struct rd *r)
{
	uint64_t a, b, n;
	if (get_uint(r->req, "from", &a) != PDL_OK || get_uint(r->req, "count", &b) != PDL_OK)
		return pdl_status_set(r->st, PDL_EPROTO, NULL, "range needs from and count");
	if (b > PDL_RANGE_MAX)
		b = PDL_RANGE_MAX;
	if (a > r->h.size)
		a = r->h.size;
	if (b > r->h.size - a)
		b = r->h.size - a;
	/* the elements first (fewer than b past RANGE_BYTES_MAX), then the header */
	msgpack_sbuffer els;
	msgpack_sbuffer_init(&els);
	int rc = rd_range_entries(r, a, b, &els, &n);
	if (rc == PDL_OK) {
		msgpack_pack_map(r->pk, 2);
		mp_pack_cstr(r->pk, "from");
		msgpack_pack_uint64(r->pk, a);
		mp_pack_cstr(r->pk, "entries");
		msgpack_pack_array(r->pk, (size_t)n);
		msgpack_sbuffer_write(r->pk->data, els.data, els.size);
	}
	msgpack_sbuffer_destroy(&els);
	return rc;
}

static int
rd_head(struct rd *r)
{
	msgpack_packer *pk = r->pk;
	msgpack_pack_map(pk, 6);
	mp_pack_cstr(pk, "size");
	msgpack_pack_uint64(pk, r->h.size);
	mp_pack_cstr(pk, "time_ms");
	msgpack_pack_uint64(pk, r->h.time_ms);
	mp_pack_cstr(pk, "chain");
	mp_pack_bin(pk, r->h.chain, PDL_HASH_BYTES);
	mp_pack_cstr(pk, "suite"); /* the crypto suite the genesis names (suite.h) */
	mp_pack_cstr(pk, D.engine.info.suite->id);
	mp_pack_cstr(pk, "blob_max"); /* clients check file sizes before sending */
	msgpack_pack_uint64(pk, D.blob_max);
	mp_pack_cstr(pk, "ledger_id"); /* what clients sign acts under (entry.h) */
	mp_pack_bin(pk, D.engine.info.ledger_id, PDL_HASH_BYTES);
	return PDL_OK;
}

static int
rd_checkpoint(struct rd *r)
{
	const char *note;
	size_t nn;
	uint64_t size;
	struct mp_cur sv;
	int rc;
	if (mp_map_find(r->req, "size", &sv) == PDL_OK) {
		/* an old checkpoint, for a consistency proof from it */
		if (mp_read_uint(&sv, &size) != PDL_OK)
			return pdl_status_set(r->st, PDL_EPROTO, NULL, "checkpoint size must be an unsigned integer");
		if ((rc = pdl_read_checkpoint_at(r->t, &D.store, size, &note, &nn, r->st)) != PDL_OK)
			return rc;
	} else if ((rc = pdl_ckpt_published(r->t, &D.store, &size, &note, &nn)) != PDL_OK) {
		/* the published one (ckpt.h): under a witness policy, the newest quorate */
		return pdl_status_set(r->st, rc, NULL, "%s",
		                      rc == PDL_ENOTFOUND && pdld_witness_enabled()
		                          ? "no checkpoint has met the witness policy's quorum yet"
		                          : "no checkpoint yet");
	}
	assert(size <= r->h.size); /* a checkpoint signs a log that exists */
	msgpack_pack_map(r->pk, 1);
	mp_pack_cstr(r->pk, "note");
	mp_pack_str(r->pk, note, nn);
	return PDL_OK;
}

static int
rd_inclusion(struct rd *r, struct pdl_merkle_io *io)
{
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	size_t n;
	uint8_t leaf[PDL_HASH_BYTES];
	uint64_t a, b;
	int rc;
	if (get_uint(r->req, "index", &a) != PDL_OK || get_uint(r->req, "size", &b) != PDL_OK)
		return pdl_status_set(r->st, PDL_EPROTO, NULL, "inclusion needs index and size");
	if (b > r->h.size || a >= b)
		return pdl_status_set(r->st, PDL_EINVAL, NULL, "need index < size <= %llu", (unsigned long long)r->h.size);
	if ((rc = io->get(io->ctx, 0, a, leaf)) != PDL_OK || (rc = pdl_merkle_prove_inclusion(io, a, b, proof, &n)) != PDL_OK)
		return rc;
	msgpack_pack_map(r->pk, 2);
	mp_pack_cstr(r->pk, "leaf_hash");
	mp_pack_bin(r->pk, leaf, PDL_HASH_BYTES);
	mp_pack_cstr(r->pk, "proof");
	pack_proof(r->pk, proof, n);
	return PDL_OK;
}

static int
rd_consistency(struct rd *r, struct pdl_merkle_io *io)
{
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	size_t n;
	uint64_t a, b;
	int rc;
	if (get_uint(r->req, "old", &a) != PDL_OK || get_uint(r->req, "new", &b) != PDL_OK)
		return pdl_status_set(r->st, PDL_EPROTO, NULL, "consistency needs old and new");
	if (b > r->h.size || a == 0 || a > b)
		return pdl_status_set(r->st, PDL_EINVAL, NULL, "need 0 < old <= new <= %llu",
		                      (unsigned long long)r->h.size);
	if ((rc = pdl_merkle_prove_consistency(io, a, b, proof, &n)) != PDL_OK)
		return rc;
	msgpack_pack_map(r->pk, 1);
	mp_pack_cstr(r->pk, "proof");
	pack_proof(r->pk, proof, n);
	return PDL_OK;
}

/* method and target: an HTTP request's (pdld_read_http), or NULL on the socket. */
static int
read_op(const char *op, size_t opn, struct mp_cur req, msgpack_packer *pk, struct pdl_status *st, int trusted,
        const char *method, const char *target)
{
	struct pdl_net_reader reader;
	struct rd r = {NULL, {0}, NULL, req, pk, st, target};
	int rc = pdl_store_rtxn(&D.store, &r.t);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot open a read transaction");
	rc = pdl_store_head(r.t, &D.store, &r.h);
	if (rc == PDL_OK && !trusted && (rc = reader_from(r.t, req, op, opn, method, target, &reader, st)) == PDL_OK)
		r.reader = &reader;
	struct pdl_tree_ctx tc = {r.t, &D.store};
	struct pdl_merkle_io io;
	pdl_store_tree_rio(&tc, &io);
	if (rc != PDL_OK)
		;
	else if (mp_str_eq(op, opn, "get"))
		rc = rd_get(&r);
	else if (mp_str_eq(op, opn, "range"))
		rc = rd_range(&r);
	else if (mp_str_eq(op, opn, "head"))
		rc = rd_head(&r);
	else if (mp_str_eq(op, opn, "checkpoint"))
		rc = rd_checkpoint(&r);
	else if (mp_str_eq(op, opn, "inclusion"))
		rc = rd_inclusion(&r, &io);
	else if (mp_str_eq(op, opn, "consistency"))
		rc = rd_consistency(&r, &io);
	else
		rc = pdl_status_set(st, PDL_EPROTO, NULL, "unknown op \"%.*s\"", (int)(opn < 32 ? opn : 32), op);
	assert(trusted || rc != PDL_OK || r.reader != NULL); /* an untrusted read has its reader */
	pdl_store_rdone(&D.store, r.t);
	if (rc != PDL_OK && st->err != rc)
		pdl_status_set(st, rc, NULL, "%s", pdl_errmsg(rc));
	return rc;
}

int
pdld_read(const char *op, size_t opn, struct mp_cur req, msgpack_packer *pk, struct pdl_status *st, int trusted)
{
	return read_op(op, opn, req, pk, st, trusted, NULL, NULL);
}

int
pdld_read_http(const char *op, struct mp_cur req, msgpack_packer *pk, struct pdl_status *st, const char *method,
               const char *target)
{
	return read_op(op, strlen(op), req, pk, st, 0, method, target);
}

uint64_t
pdld_ledger_now(void)
{
	return D.test_clock ? atomic_load(&D.clock_ms) : pdl_now_ms();
}

int
pdld_clock(struct mp_cur req, msgpack_packer *pk, struct pdl_status *st)
{
	uint64_t ms;
	if (!D.test_clock)
		return pdl_status_set(st, PDL_ECLOCK, NULL, "this pdld runs on the real clock (start it with --test-clock)");
	if (get_uint(req, "ms", &ms) != PDL_OK)
		return pdl_status_set(st, PDL_EPROTO, NULL, "clock needs ms");
	uint64_t cur = atomic_load(&D.clock_ms);
	pthread_mutex_lock(&D.head_mu);
	uint64_t last = D.head.time_ms;
	pthread_mutex_unlock(&D.head_mu);
	if (ms < cur || ms < last)
		return pdl_status_set(st, PDL_ECLOCK, NULL, "the ledger clock only moves forward (now %llu)",
		                      (unsigned long long)(cur > last ? cur : last));
	atomic_store(&D.clock_ms, ms);
	msgpack_pack_map(pk, 1);
	mp_pack_cstr(pk, "time_ms");
	msgpack_pack_uint64(pk, ms);
	return PDL_OK;
}

/* The deposit record of evidence id (into *rec, in t) when reader may
 * store its file: NULL (trusted), its depositor, or the authority. On a
 * network listener anyone else is told what an unknown id gets, so the
 * answer says nothing of another party's deposits (a private deposit is
 * never told apart from no deposit: spec/views.md). */
static int
blob_deposit(MDB_txn *t, const struct pdl_net_reader *reader, const char *id, size_t idn, struct mp_cur *rec,
             struct pdl_status *st)
{
	char key[PDL_ID_LEN_MAX + 8];
	const uint8_t *rv;
	size_t rn, dn;
	const char *dep;
	struct mp_cur v;
	size_t kn = pdl_state_key(key, sizeof key, "evid", id, idn);
	int rc = pdl_store_state_get(t, &D.store, key, kn, &rv, &rn);
	*rec = mp_cur_make(rv, rn);
	if (rc == PDL_OK && reader != NULL && !(reader->roles & PDL_ROLE_AUTHORITY) &&
	    (mp_map_find(*rec, "depositor", &v) != PDL_OK || mp_read_str(&v, &dep, &dn) != PDL_OK ||
	     !mp_str_eq(dep, dn, reader->party)))
		rc = PDL_ENOTFOUND;
	if (rc == PDL_ENOTFOUND && reader != NULL)
		return pdl_status_set(st, rc, NULL, "no evidence %.*s deposited by %s in the log", (int)idn, id,
		                      reader->party);
	if (rc == PDL_ENOTFOUND)
		return pdl_status_set(st, rc, NULL, "no evidence %.*s in the log", (int)idn, id);
	return rc == PDL_OK ? PDL_OK : pdl_status_set(st, rc, NULL, "cannot read the ledger");
}

/* Keeps a deposited file's bytes in the blob table: {evidence_id, data}.
 * The evidence.deposit must already be in the log with data's digest. On
 * a network listener (not trusted) only its depositor or the authority,
 * by a reader token, may store it: an anonymous answer would tell whether
 * a guessed file is another party's private deposit. */
int
pdld_blob(struct mp_cur req, msgpack_packer *pk, struct pdl_status *st, int trusted)
{
	struct mp_cur v, rec, dv;
	const char *id, *d;
	const uint8_t *data;
	size_t idn, dn, dln;
	uint8_t digest[PDL_HASH_BYTES];
	char hex[2 * PDL_HASH_BYTES + 1], want[2 * PDL_HASH_BYTES + 1] = "";
	struct pdl_net_reader reader;
	if (mp_map_find(req, "evidence_id", &v) != PDL_OK || mp_read_str(&v, &id, &idn) != PDL_OK ||
	    mp_map_find(req, "data", &v) != PDL_OK || mp_read_bin(&v, &data, &dn) != PDL_OK)
		return pdl_status_set(st, PDL_EPROTO, NULL, "blob needs evidence_id and data");
	if (dn > D.blob_max)
		return pdl_status_set(st, PDL_ETOOBIG, NULL, "file of %zu bytes is over this ledger's blob limit of %zu",
		                      dn, D.blob_max);
	if (!pdl_id_valid(id, idn) || idn > PDL_ID_LEN_MAX)
		return pdl_status_set(st, PDL_EINVAL, NULL, "bad evidence id");
	MDB_txn *t;
	int rc = pdl_store_rtxn(&D.store, &t);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot read the ledger");
	if (!trusted && (rc = reader_from(t, req, "blob", 4, NULL, NULL, &reader, st)) == PDL_OK && !reader.party[0])
		rc = pdl_status_set(st, PDL_EPRIVATE, NULL,
		                    "storing a deposit's file on a network listener needs a reader token of its depositor "
		                    "or the authority (--reader ID --reader-key FILE)");
	if (rc == PDL_OK)
		rc = blob_deposit(t, trusted ? NULL : &reader, id, idn, &rec, st);
	if (rc == PDL_OK && mp_map_find(rec, "digest", &dv) == PDL_OK && mp_read_str(&dv, &d, &dln) == PDL_OK &&
	    dln == 2 * PDL_HASH_BYTES)
		memcpy(want, d, dln); /* want[dln] stays NUL */
	pdl_store_rdone(&D.store, t);
	if (rc != PDL_OK)
		return rc;
	/* hashed only now: a refused request costs no hash, and the read
	 * transaction is not held over one */
	pdl_digest(digest, data, dn);
	pdl_hex(digest, PDL_HASH_BYTES, hex);
	if (strcmp(want, hex) != 0)
		return pdl_status_set(st, PDL_EINVAL, NULL, "the file's digest %s is not the deposited digest", hex);
	pthread_rwlock_rdlock(&D.store.resize);
	rc = pdl_store_wtxn(&D.store, &t);
	if (rc == PDL_OK) {
		rc = pdl_store_blob_put(t, &D.store, digest, data, dn);
		if (rc == PDL_OK)
			rc = pdl_store_err(mdb_txn_commit(t));
		else
			mdb_txn_abort(t);
	}
	pthread_rwlock_unlock(&D.store.resize);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "could not store the file");
	msgpack_pack_map(pk, 2);
	mp_pack_cstr(pk, "digest");
	mp_pack_cstr(pk, hex);
	mp_pack_cstr(pk, "size");
	msgpack_pack_uint64(pk, dn);
	return PDL_OK;
}
