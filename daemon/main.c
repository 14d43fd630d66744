/*
 * pdld — the ledger daemon: the only process that writes the log.
 *
 * Threads and the life of a submit request:
 *   NNG callbacks (one REP context per slot, see "Limits") decode the
 *     request and cut its acts into chunks on the verify queue; reads are
 *     answered right there from a read transaction.
 *   Verifiers (one per core) decode each act and check its signature with
 *     the actor's key from a read snapshot; when the last chunk of a request
 *     is done, the request moves to the commit queue.
 *   The writer takes every request waiting, runs their acts through the
 *     rules in one transaction, signs a checkpoint when one is due, commits
 *     (one fsync for the batch), and only then sends the receipts and
 *     publishes the entries.
 *
 * Limits (a slow or hostile client costs only itself; README, "Security"):
 *   --max-connections  pipes per listener (REP and PUB each); a pipe over
 *                      it is closed as it arrives (NNG's ADD_PRE notify).
 *   --max-inflight     requests of one pipe between receipt and the end of
 *                      their reply's send; a request over it is dropped
 *                      unread (a REQ client resends it after 10 s).
 *   contexts           max-connections x max-inflight (+ spare): a pipe
 *                      under its in-flight limit always finds a context, so
 *                      pipes that never read their replies cannot starve
 *                      the others.
 *   --reply-bytes-max  bytes of replies not yet taken by their transport
 *                      (queued behind a client that does not read) plus the
 *                      last reply handed to each pipe's transport (held
 *                      until the next reply to that pipe is handed over, or
 *                      the pipe closes: NNG has no send-done signal beyond
 *                      that). A read reply over REPLY_SMALL_BYTES that would
 *                      pass it is replaced by PDL_EBUSY (clients retry).
 *   --send-timeout-ms  a reply not taken within it is dropped and its
 *                      context reused; a connection whose last large reply
 *                      sits in its transport longer, with nothing asked
 *                      since, is closed (pipes_sweep).
 *   SUBMITS_INFLIGHT_MAX submit requests between receipt and receipts;
 *                      one over it is refused with PDL_EBUSY.
 *
 * Readers (readacl.h): the ipc:// listener in the data directory is
 * trusted (unless --ipc-public) and serves every entry. On a network
 * listener a read request may carry a reader token (readtok.h, `auth`,
 * METHOD "NNG", target the op name) checked against the party's current
 * key and the real clock; private entries go only to readers entitled to
 * them: `get` refuses with PDL_EPRIVATE, `range` puts a placeholder
 * {seq, private: true, hash} in the entry's place. PUB on a network
 * listener publishes the same placeholders for private entries.
 *
 * Invariants:
 *  (1) a receipt is sent only after the transaction holding its entry is
 *      durable (mdb_txn_commit returned 0 without MDB_NOSYNC);
 *  (2) only the writer thread writes the log, tree and state; the one
 *      other write transaction is a `blob` put (file bytes outside the log,
 *      checked against a deposited digest), taken under the resize rdlock;
 *  (3) submit requests in flight are bounded by SUBMITS_INFLIGHT_MAX, and
 *      all requests by the contexts, so the queues need no other bound;
 *  (4) D.reply_bytes is the sum of every context's reply being sent and
 *      every live pipe's transport_bytes (all under D.rept.mu);
 *  (5) a private entry's bytes leave by a network listener only to a
 *      reader pdl_readacl_allows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>
#include <sodium.h>
#include <sys/stat.h>

#include "ckpt.h"
#include "merkle.h"
#include "proto.h"
#include "readacl.h"
#include "readtok.h"
#include "rules.h"
#include "sha256.h"

/* Defaults of the limits (header comment); each has a flag. */
#define CONNS_MAX_DEFAULT 256u                 /* pipes per listener: a busy node's clients, with room */
#define INFLIGHT_MAX_DEFAULT 4u                /* a REQ client has one request out; a few for pipelining */
#define REPLY_BYTES_MAX_DEFAULT (64u << 20)    /* reply memory: ~16 full range replies waiting at once */
#define SEND_TIMEOUT_MS_DEFAULT 10000u         /* a client that reads nothing for 10 s is not reading */
#define CTX_MAX 65536u                         /* contexts (conns x inflight): bounds their memory */
#define CTX_SPARE 8u                           /* contexts over conns x inflight, for pipes gone mid-request */
#define SUBMITS_INFLIGHT_MAX 128u              /* submits decoded and queued: bounds job memory */
#define REPLY_SMALL_BYTES 4096u                /* errors and small replies are never refused for memory */
#define RANGE_BYTES_MAX (4u << 20)             /* one range reply; below the reply budget */
#define LIMIT_LOG_S 10u                        /* how often limit counters are logged without --verbose */
#define CHUNK_ACTS 64u              /* acts per verify task: spreads one big request over all cores */
#define BATCH_ACTS_MAX 16384u       /* acts per writer transaction */
#define PUB_BYTES_MAX (512u * 1024) /* split published entry messages past this */
#define WORKERS_MAX 64

struct item {
	const uint8_t *b, *sig;
	size_t len;
	int rc; /* decode result */
	struct pdl_status st;
	struct pdl_act act;
	int have_vpk;
	uint8_t vpk[32];
};

struct conn;

struct job {
	struct job *next;
	struct conn *conn;
	nng_msg *req;
	uint32_t n;
	struct item *items;
	atomic_uint pending; /* chunks not yet verified */
};

struct task {
	struct task *next;
	struct job *job;
	uint32_t lo, hi;
};

enum { C_RECV, C_SEND, C_WAIT };

struct conn {
	nng_aio *aio;
	nng_ctx ctx;
	int state;
	uint32_t pipe;  /* the pipe of the request being served (0: none) */
	int trusted;    /* it came by the trusted local listener */
	size_t reply_n; /* bytes of the reply being sent, counted in D.reply_bytes */
};

/* One connection (NNG pipe) of a listener. */
struct pipe_slot {
	uint32_t id;            /* 0: free */
	unsigned inflight;      /* requests received and not yet replied */
	size_t transport_bytes; /* the last reply handed to its transport */
	uint64_t handed_ns;     /* when it was handed over (pdl_mono_ns) */
};

/* The pipes of one socket (one listener each), under mu. */
struct pipe_tab {
	pthread_mutex_t mu;
	struct pipe_slot *slots;
	unsigned cap, n;
	int trusted; /* its listener is the local ipc:// one (and not --ipc-public) */
	const char *name;
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void *head, **tail; /* singly linked via first member `next` */
	unsigned len;
	int closed;
};

static struct {
	struct pdl_store store;
	struct pdl_engine engine;
	uint8_t ledger_sk[64];
	char origin[PDL_ORIGIN_LEN_MAX + 1];
	nng_socket rep, pub;
	struct conn *conns;
	unsigned nconns;
	struct pipe_tab rept, pubt; /* rept.mu also guards reply_bytes */
	unsigned conns_max, inflight_max;
	size_t reply_bytes_max, reply_bytes;
	uint64_t send_timeout_ms;
	uint8_t ledger_id[32]; /* SHA-256 of entry 0: what reader tokens name */
	/* limit events since the last log line */
	atomic_uint n_conn_refused, n_req_dropped, n_reply_refused, n_reply_timeout, n_read_refused, n_submit_busy;
	struct queue verifyq, commitq;
	pthread_t workers[WORKERS_MAX], writer;
	unsigned nworkers;
	int test_clock;
	atomic_ullong clock_ms; /* test clock value */
	uint64_t ckpt_ms;        /* checkpoint interval */
	size_t blob_max;         /* largest file `pdl evidence deposit --store` may keep */
	atomic_int stopping;
	atomic_uint inflight; /* submit requests not yet replied */
	uint64_t last_ckpt_size;
	uint64_t last_ckpt_ns;
	struct pdl_head head; /* the writer's view; readers use transactions */
	pthread_mutex_t head_mu;
	int verbose;
	int commit_mdb_rc; /* the writer's last failed mdb_txn_commit, for its replies */
} D;

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

/* ---- queues ---- */

struct link {
	struct link *next;
};

static void
q_init(struct queue *q)
{
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->head = NULL;
	q->tail = &q->head;
	q->len = 0;
	q->closed = 0;
}

static void
q_push(struct queue *q, void *item)
{
	((struct link *)item)->next = NULL;
	pthread_mutex_lock(&q->mu);
	*q->tail = item;
	q->tail = (void **)&((struct link *)item)->next;
	q->len++;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* Pops one item, waiting; NULL when closed and empty. */
static void *
q_pop(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	while (q->head == NULL && !q->closed)
		pthread_cond_wait(&q->cv, &q->mu);
	struct link *it = q->head;
	if (it != NULL) {
		q->head = it->next;
		if (q->head == NULL)
			q->tail = &q->head;
		q->len--;
	}
	pthread_mutex_unlock(&q->mu);
	return it;
}

/* Takes the whole list, waiting up to ms; NULL on timeout or closed+empty. */
static void *
q_take_all(struct queue *q, uint64_t ms, int *closed)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->mu);
	while (q->head == NULL && !q->closed)
		if (pthread_cond_timedwait(&q->cv, &q->mu, &ts) == ETIMEDOUT)
			break;
	void *all = q->head;
	q->head = NULL;
	q->tail = &q->head;
	q->len = 0;
	*closed = q->closed;
	pthread_mutex_unlock(&q->mu);
	return all;
}

static void
q_close(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* ---- replies ---- */

static void
pack_error(msgpack_packer *pk, int err, const char *rule, const char *msg)
{
	msgpack_pack_map(pk, rule && rule[0] ? 3 : 2);
	mp_pack_cstr(pk, "error");
	mp_pack_cstr(pk, pdl_strerror(err));
	if (rule && rule[0]) {
		mp_pack_cstr(pk, "rule");
		mp_pack_cstr(pk, rule);
	}
	mp_pack_cstr(pk, "message");
	mp_pack_cstr(pk, msg && msg[0] ? msg : pdl_errmsg(err));
}

/* ---- connections and their limits ---- */

static struct pipe_slot *
pipe_find(struct pipe_tab *pt, uint32_t id)
{
	for (unsigned i = 0; i < pt->cap; i++)
		if (pt->slots[i].id == id)
			return &pt->slots[i];
	return NULL;
}

/* The peer of a pipe, for log lines ("127.0.0.1:40312", or "local"). */
static void
pipe_peer(nng_pipe p, char *buf, size_t cap)
{
	nng_sockaddr sa;
	snprintf(buf, cap, "local");
	if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0)
		return;
	if (sa.s_family == NNG_AF_INET) {
		const uint8_t *a = (const uint8_t *)&sa.s_in.sa_addr;
		snprintf(buf, cap, "%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3], (unsigned)ntohs(sa.s_in.sa_port));
	} else if (sa.s_family == NNG_AF_INET6) {
		snprintf(buf, cap, "[ipv6]:%u", (unsigned)ntohs(sa.s_in6.sa_port));
	}
}

/* NNG's pipe notify (ADD_PRE, REM_POST) for both sockets. REM_POST comes
 * for every pipe that had ADD_PRE, refused ones too; those were never in
 * the table. */
static void
pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct pipe_tab *pt = arg;
	uint32_t id = (uint32_t)nng_pipe_id(p);
	char peer[64];
	if (ev == NNG_PIPE_EV_ADD_PRE) {
		pthread_mutex_lock(&pt->mu);
		struct pipe_slot *sl = pt->n < D.conns_max ? pipe_find(pt, 0) : NULL;
		if (sl != NULL) {
			memset(sl, 0, sizeof *sl);
			sl->id = id;
			pt->n++;
		}
		unsigned n = pt->n;
		pthread_mutex_unlock(&pt->mu);
		if (sl == NULL) {
			atomic_fetch_add(&D.n_conn_refused, 1);
			if (D.verbose) {
				pipe_peer(p, peer, sizeof peer);
				fprintf(stderr, "pdld: %s: connection from %s refused: %u open (--max-connections %u)\n", pt->name,
				        peer, n, D.conns_max);
			}
			nng_pipe_close(p);
		} else if (D.verbose) {
			pipe_peer(p, peer, sizeof peer);
			fprintf(stderr, "pdld: %s: connection %u from %s opened (%u open)\n", pt->name, id, peer, n);
		}
		return;
	}
	if (ev != NNG_PIPE_EV_REM_POST)
		return;
	pthread_mutex_lock(&pt->mu);
	struct pipe_slot *sl = pipe_find(pt, id);
	if (sl != NULL) {
		if (pt == &D.rept)
			D.reply_bytes -= sl->transport_bytes;
		memset(sl, 0, sizeof *sl);
		pt->n--;
	}
	unsigned n = pt->n;
	pthread_mutex_unlock(&pt->mu);
	if (sl != NULL && D.verbose)
		fprintf(stderr, "pdld: %s: connection %u closed (%u open)\n", pt->name, id, n);
}

static int
pipe_tab_init(struct pipe_tab *pt, nng_socket s, const char *name, int trusted)
{
	pthread_mutex_init(&pt->mu, NULL);
	pt->cap = D.conns_max;
	pt->n = 0;
	pt->name = name;
	pt->trusted = trusted;
	if ((pt->slots = calloc(pt->cap, sizeof *pt->slots)) == NULL)
		return NNG_ENOMEM;
	int rv = nng_pipe_notify(s, NNG_PIPE_EV_ADD_PRE, pipe_event, pt);
	if (rv == 0)
		rv = nng_pipe_notify(s, NNG_PIPE_EV_REM_POST, pipe_event, pt);
	return rv;
}

static void
conn_recv(struct conn *c)
{
	c->state = C_RECV;
	c->pipe = 0;
	nng_aio_set_timeout(c->aio, NNG_DURATION_INFINITE);
	nng_ctx_recv(c->ctx, c->aio);
}

/* Takes a received request against its pipe's in-flight limit. 0: drop it
 * (its pipe is over the limit, or gone). */
static int
conn_admit(struct conn *c, nng_msg *m)
{
	uint32_t id = (uint32_t)nng_pipe_id(nng_msg_get_pipe(m));
	pthread_mutex_lock(&D.rept.mu);
	struct pipe_slot *sl = pipe_find(&D.rept, id);
	int ok = sl != NULL && sl->inflight < D.inflight_max;
	if (ok) {
		sl->inflight++;
		c->pipe = id;
		c->trusted = D.rept.trusted;
	}
	pthread_mutex_unlock(&D.rept.mu);
	if (!ok && sl != NULL) {
		atomic_fetch_add(&D.n_req_dropped, 1);
		if (D.verbose)
			fprintf(stderr, "pdld: request on connection %u dropped: %u in flight (--max-inflight)\n", id,
			        D.inflight_max);
	}
	return ok;
}

/* The end of a reply's send (rv: its result) or of a request without one:
 * gives back the pipe's in-flight slot and the reply's bytes (invariant 4). */
static void
conn_done(struct conn *c, int sent)
{
	pthread_mutex_lock(&D.rept.mu);
	struct pipe_slot *sl = c->pipe ? pipe_find(&D.rept, c->pipe) : NULL;
	if (sent && sl != NULL) {
		/* handed to the transport: it holds this one now, and the one
		 * before is gone (the pipe was free to take this one) */
		D.reply_bytes -= sl->transport_bytes;
		sl->transport_bytes = c->reply_n;
		sl->handed_ns = pdl_mono_ns();
	} else {
		D.reply_bytes -= c->reply_n;
	}
	if (sl != NULL && sl->inflight > 0)
		sl->inflight--;
	c->reply_n = 0;
	c->pipe = 0;
	pthread_mutex_unlock(&D.rept.mu);
}

/* Closes the connections that hold a large reply in their transport, with
 * nothing asked since, for longer than the send timeout: a client that
 * does not read its reply holds the budget no longer than one that does
 * not take it at all. A client that did read it and sits idle only has to
 * reconnect (NNG's REQ does that by itself). Runs on the main thread. */
static void
pipes_sweep(void)
{
	uint32_t ids[64];
	unsigned n = 0;
	uint64_t now = pdl_mono_ns();
	pthread_mutex_lock(&D.rept.mu);
	for (unsigned i = 0; i < D.rept.cap && n < sizeof ids / sizeof ids[0]; i++) {
		struct pipe_slot *sl = &D.rept.slots[i];
		if (sl->id != 0 && sl->inflight == 0 && sl->transport_bytes > REPLY_SMALL_BYTES &&
		    now - sl->handed_ns > D.send_timeout_ms * 1000000ull)
			ids[n++] = sl->id;
	}
	pthread_mutex_unlock(&D.rept.mu);
	for (unsigned i = 0; i < n; i++) {
		nng_pipe p = NNG_PIPE_INITIALIZER;
		p.id = ids[i];
		atomic_fetch_add(&D.n_reply_timeout, 1);
		if (D.verbose)
			fprintf(stderr, "pdld: connection %u closed: its last reply was not taken within %llu ms\n", ids[i],
			        (unsigned long long)D.send_timeout_ms);
		nng_pipe_close(p);
	}
}

static void
pack_busy(msgpack_sbuffer *sb, size_t n, size_t used)
{
	msgpack_packer pk;
	char msg[200];
	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	snprintf(msg, sizeof msg,
	         "reply of %zu bytes refused: replies waiting for their clients hold %zu of pdld's %zu bytes "
	         "(--reply-bytes-max); retry shortly",
	         n, used, D.reply_bytes_max);
	pack_error(&pk, PDL_EBUSY, NULL, msg);
}

/* Sends a reply on c's context with the send timeout. A read reply
 * (refusable) over REPLY_SMALL_BYTES that would pass the reply budget is
 * replaced by PDL_EBUSY; receipts never are (their acts are in the log). */
static void
conn_send(struct conn *c, const void *b, size_t n, int refusable)
{
	nng_msg *m;
	msgpack_sbuffer busy;
	msgpack_sbuffer_init(&busy);
	pthread_mutex_lock(&D.rept.mu);
	if (refusable && n > REPLY_SMALL_BYTES && D.reply_bytes + n > D.reply_bytes_max) {
		size_t used = D.reply_bytes;
		pthread_mutex_unlock(&D.rept.mu);
		atomic_fetch_add(&D.n_reply_refused, 1);
		if (D.verbose)
			fprintf(stderr, "pdld: reply of %zu bytes on connection %u refused: %zu of %zu bytes in use\n", n,
			        c->pipe, used, D.reply_bytes_max);
		pack_busy(&busy, n, used);
		b = busy.data;
		n = busy.size;
		pthread_mutex_lock(&D.rept.mu);
	}
	D.reply_bytes += n;
	c->reply_n = n;
	pthread_mutex_unlock(&D.rept.mu);
	if (nng_msg_alloc(&m, n) != 0) {
		/* Nothing to send: the client times out and may resend (idempotent). */
		msgpack_sbuffer_destroy(&busy);
		conn_done(c, 0);
		conn_recv(c);
		return;
	}
	memcpy(nng_msg_body(m), b, n);
	msgpack_sbuffer_destroy(&busy);
	nng_aio_set_msg(c->aio, m);
	nng_aio_set_timeout(c->aio, (nng_duration)D.send_timeout_ms);
	c->state = C_SEND;
	nng_ctx_send(c->ctx, c->aio);
}

static void
reply_error(struct conn *c, int err, const char *msg)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	pack_error(&pk, err, NULL, msg);
	conn_send(c, sb.data, sb.size, 0);
	msgpack_sbuffer_destroy(&sb);
}

/* ---- reads (on NNG's threads) ---- */

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
		mp_pack_bin(pk, proof[i], 32);
}

/* The reader of a request on a network listener: anonymous without an
 * `auth` token; with one, the party it names once the token checks out
 * against the party's current key, this ledger and the real clock (tokens
 * are made by clients on their own clocks; the test clock is the ledger's
 * time for acts, not for readers). */
static int
reader_from(MDB_txn *t, struct mp_cur req, const char *op, size_t opn, struct pdl_reader *r, struct pdl_status *st)
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
	int rc = pdl_readtok_check(&rt, p.pk, D.ledger_id, "NNG", target, pdl_now_ms());
	if (rc == PDL_ECLOCK)
		return pdl_status_set(st, rc, NULL,
		                      "reader token of %s is stale: made at %llu ms, pdld's clock says %llu (window %u s)",
		                      rt.party, (unsigned long long)rt.time_ms, (unsigned long long)pdl_now_ms(),
		                      PDL_READTOK_SKEW_MS / 1000);
	if (rc != PDL_OK)
		return pdl_status_set(st, PDL_EBADSIG, NULL,
		                      "reader token of %s does not verify with its current key for this ledger and op %s",
		                      rt.party, target);
	snprintf(r->party, sizeof r->party, "%s", rt.party);
	r->roles = p.roles;
	return PDL_OK;
}

static void
note_read_refused(const struct pdl_reader *r, uint64_t seq)
{
	atomic_fetch_add(&D.n_read_refused, 1);
	if (D.verbose)
		fprintf(stderr, "pdld: private entry %llu refused to %s\n", (unsigned long long)seq,
		        r->party[0] ? r->party : "an anonymous reader");
}

/* A range element in place of an entry the reader may not have: enough to
 * see that it exists and to check the chain over it (its hash is the next
 * entry's prev anyway), nothing of the act. */
static void
pack_placeholder(msgpack_packer *pk, uint64_t seq, const uint8_t *e, size_t n)
{
	uint8_t h[32];
	pdl_sha256(h, e, n);
	msgpack_pack_map(pk, 3);
	mp_pack_cstr(pk, "seq");
	msgpack_pack_uint64(pk, seq);
	mp_pack_cstr(pk, "private");
	msgpack_pack_true(pk);
	mp_pack_cstr(pk, "hash");
	mp_pack_bin(pk, h, 32);
}

static int
do_read(const char *op, size_t opn, struct mp_cur req, msgpack_packer *pk, struct pdl_status *st, int trusted)
{
	MDB_txn *t;
	struct pdl_head h;
	struct pdl_reader reader;
	uint64_t a = 0, b = 0;
	int rc = pdl_store_rtxn(&D.store, &t);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot open a read transaction");
	rc = pdl_store_head(t, &D.store, &h);
	if (rc != PDL_OK)
		goto out;
	if (!trusted && (rc = reader_from(t, req, op, opn, &reader, st)) != PDL_OK)
		goto out;
	struct pdl_tree_ctx tc = {t, &D.store};
	struct pdl_merkle_io io;
	pdl_store_tree_io(&tc, &io);
	if (mp_str_eq(op, opn, "get")) {
		const uint8_t *e;
		size_t en;
		if (get_uint(req, "seq", &a) != PDL_OK) {
			rc = pdl_status_set(st, PDL_EPROTO, NULL, "get needs seq");
			goto out;
		}
		rc = pdl_store_entry(t, &D.store, a, &e, &en);
		if (rc == PDL_ENOTFOUND) {
			pdl_status_set(st, rc, NULL, "no entry %llu (log size %llu)", (unsigned long long)a,
			               (unsigned long long)h.size);
			goto out;
		}
		if (rc != PDL_OK)
			goto out;
		if (!trusted && !pdl_readacl_allows(t, &D.store, &reader, e, en)) {
			note_read_refused(&reader, a);
			rc = pdl_status_set(st, PDL_EPRIVATE, NULL,
			                    "entry %llu is private: only its actor, parties named in it, the authority and "
			                    "auditors may read it%s",
			                    (unsigned long long)a,
			                    reader.party[0] ? "" : "; identify with --reader ID --reader-key FILE");
			goto out;
		}
		msgpack_pack_map(pk, 1);
		mp_pack_cstr(pk, "entry");
		mp_pack_bin(pk, e, en);
	} else if (mp_str_eq(op, opn, "range")) {
		if (get_uint(req, "from", &a) != PDL_OK || get_uint(req, "count", &b) != PDL_OK) {
			rc = pdl_status_set(st, PDL_EPROTO, NULL, "range needs from and count");
			goto out;
		}
		if (b > PDL_RANGE_MAX)
			b = PDL_RANGE_MAX;
		if (a > h.size)
			a = h.size;
		if (b > h.size - a)
			b = h.size - a;
		/* the elements first (fewer than b past RANGE_BYTES_MAX), then the header */
		msgpack_sbuffer els;
		msgpack_packer epk;
		msgpack_sbuffer_init(&els);
		msgpack_packer_init(&epk, &els, msgpack_sbuffer_write);
		MDB_cursor *cur;
		MDB_val k, v;
		uint8_t kb[8];
		pdl_be64(kb, a);
		k.mv_size = 8;
		k.mv_data = kb;
		if (mdb_cursor_open(t, D.store.log, &cur) != 0) {
			msgpack_sbuffer_destroy(&els);
			rc = PDL_ESTORE;
			goto out;
		}
		int mrc = b ? mdb_cursor_get(cur, &k, &v, MDB_SET_KEY) : MDB_NOTFOUND;
		uint64_t i;
		for (i = 0; i < b; i++) {
			if (mrc != 0) {
				mdb_cursor_close(cur);
				msgpack_sbuffer_destroy(&els);
				rc = PDL_ESTORE;
				goto out;
			}
			if (i > 0 && els.size + v.mv_size > RANGE_BYTES_MAX)
				break;
			if (trusted || pdl_readacl_allows(t, &D.store, &reader, v.mv_data, v.mv_size)) {
				mp_pack_bin(&epk, v.mv_data, v.mv_size);
			} else {
				note_read_refused(&reader, a + i);
				pack_placeholder(&epk, a + i, v.mv_data, v.mv_size);
			}
			mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		}
		mdb_cursor_close(cur);
		msgpack_pack_map(pk, 2);
		mp_pack_cstr(pk, "from");
		msgpack_pack_uint64(pk, a);
		mp_pack_cstr(pk, "entries");
		msgpack_pack_array(pk, (size_t)i);
		msgpack_sbuffer_write(pk->data, els.data, els.size);
		msgpack_sbuffer_destroy(&els);
	} else if (mp_str_eq(op, opn, "head")) {
		msgpack_pack_map(pk, 5);
		mp_pack_cstr(pk, "size");
		msgpack_pack_uint64(pk, h.size);
		mp_pack_cstr(pk, "time_ms");
		msgpack_pack_uint64(pk, h.time_ms);
		mp_pack_cstr(pk, "chain");
		mp_pack_bin(pk, h.chain, 32);
		mp_pack_cstr(pk, "blob_max"); /* clients check file sizes before sending */
		msgpack_pack_uint64(pk, D.blob_max);
		mp_pack_cstr(pk, "ledger_id"); /* what clients sign acts under (entry.h) */
		mp_pack_bin(pk, D.engine.info.ledger_id, PDL_HASH_BYTES);
	} else if (mp_str_eq(op, opn, "checkpoint")) {
		const char *note;
		size_t nn;
		uint64_t size;
		rc = pdl_store_ckpt_latest(t, &D.store, &size, &note, &nn);
		if (rc != PDL_OK) {
			pdl_status_set(st, rc, NULL, "no checkpoint yet");
			goto out;
		}
		msgpack_pack_map(pk, 1);
		mp_pack_cstr(pk, "note");
		mp_pack_str(pk, note, nn);
	} else if (mp_str_eq(op, opn, "inclusion")) {
		pdl_hash proof[PDL_MERKLE_PROOF_MAX];
		size_t n;
		uint8_t leaf[32];
		if (get_uint(req, "index", &a) != PDL_OK || get_uint(req, "size", &b) != PDL_OK) {
			rc = pdl_status_set(st, PDL_EPROTO, NULL, "inclusion needs index and size");
			goto out;
		}
		if (b > h.size || a >= b) {
			rc = pdl_status_set(st, PDL_EINVAL, NULL, "need index < size <= %llu", (unsigned long long)h.size);
			goto out;
		}
		if ((rc = io.get(io.ctx, 0, a, leaf)) != PDL_OK || (rc = pdl_merkle_prove_inclusion(&io, a, b, proof, &n)) != PDL_OK)
			goto out;
		msgpack_pack_map(pk, 2);
		mp_pack_cstr(pk, "leaf_hash");
		mp_pack_bin(pk, leaf, 32);
		mp_pack_cstr(pk, "proof");
		pack_proof(pk, proof, n);
	} else if (mp_str_eq(op, opn, "consistency")) {
		pdl_hash proof[PDL_MERKLE_PROOF_MAX];
		size_t n;
		if (get_uint(req, "old", &a) != PDL_OK || get_uint(req, "new", &b) != PDL_OK) {
			rc = pdl_status_set(st, PDL_EPROTO, NULL, "consistency needs old and new");
			goto out;
		}
		if (b > h.size || a == 0 || a > b) {
			rc = pdl_status_set(st, PDL_EINVAL, NULL, "need 0 < old <= new <= %llu", (unsigned long long)h.size);
			goto out;
		}
		if ((rc = pdl_merkle_prove_consistency(&io, a, b, proof, &n)) != PDL_OK)
			goto out;
		msgpack_pack_map(pk, 1);
		mp_pack_cstr(pk, "proof");
		pack_proof(pk, proof, n);
	} else {
		rc = pdl_status_set(st, PDL_EPROTO, NULL, "unknown op \"%.*s\"", (int)(opn < 32 ? opn : 32), op);
	}
out:
	pdl_store_rdone(&D.store, t);
	if (rc != PDL_OK && st->err != rc)
		pdl_status_set(st, rc, NULL, "%s", pdl_errmsg(rc));
	return rc;
}

static uint64_t
ledger_now(void)
{
	return D.test_clock ? atomic_load(&D.clock_ms) : pdl_now_ms();
}

static int
do_clock(struct mp_cur req, msgpack_packer *pk, struct pdl_status *st)
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

/* Keeps a deposited file's bytes in the blob table: {evidence_id, data}.
 * The evidence.deposit must already be in the log with data's digest. */
static int
do_blob(struct mp_cur req, msgpack_packer *pk, struct pdl_status *st)
{
	struct mp_cur v;
	const char *id;
	const uint8_t *data;
	size_t idn, dn;
	uint8_t digest[32];
	char hex[65], key[PDL_ID_LEN_MAX + 8];
	if (mp_map_find(req, "evidence_id", &v) != PDL_OK || mp_read_str(&v, &id, &idn) != PDL_OK ||
	    mp_map_find(req, "data", &v) != PDL_OK || mp_read_bin(&v, &data, &dn) != PDL_OK)
		return pdl_status_set(st, PDL_EPROTO, NULL, "blob needs evidence_id and data");
	if (dn > D.blob_max)
		return pdl_status_set(st, PDL_ETOOBIG, NULL, "file of %zu bytes is over this ledger's blob limit of %zu",
		                      dn, D.blob_max);
	size_t kn = pdl_state_key(key, sizeof key, "evid", id, idn);
	if (kn == 0 || !pdl_id_valid(id, idn))
		return pdl_status_set(st, PDL_EINVAL, NULL, "bad evidence id");
	pdl_sha256(digest, data, dn);
	pdl_hex(digest, 32, hex);
	MDB_txn *t;
	const uint8_t *rv;
	size_t rn;
	int rc = pdl_store_rtxn(&D.store, &t);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot read the ledger");
	rc = pdl_store_state_get(t, &D.store, key, kn, &rv, &rn);
	struct mp_cur rec = mp_cur_make(rv, rn), dv;
	const char *d;
	size_t dln;
	int match = rc == PDL_OK && mp_map_find(rec, "digest", &dv) == PDL_OK && mp_read_str(&dv, &d, &dln) == PDL_OK &&
	            dln == 64 && memcmp(d, hex, 64) == 0;
	pdl_store_rdone(&D.store, t);
	if (rc == PDL_ENOTFOUND)
		return pdl_status_set(st, PDL_ENOTFOUND, NULL, "no evidence %.*s in the log", (int)idn, id);
	if (!match)
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

/* ---- submit: request → job → chunks ---- */

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	if (j->req)
		nng_msg_free(j->req);
	free(j->items);
	free(j);
}

static int
start_submit(struct conn *c, nng_msg *m, struct mp_cur req, struct pdl_status *st)
{
	struct mp_cur acts;
	uint32_t n;
	if (mp_map_find(req, "acts", &acts) != PDL_OK || mp_read_array(&acts, &n) != PDL_OK)
		return pdl_status_set(st, PDL_EPROTO, NULL, "submit needs acts: an array");
	if (n == 0 || n > PDL_REQ_ACTS_MAX)
		return pdl_status_set(st, PDL_ETOOBIG, NULL, "a request carries 1 to %u acts", PDL_REQ_ACTS_MAX);
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL || (j->items = calloc(n, sizeof *j->items)) == NULL) {
		free(j);
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	}
	j->conn = c;
	j->req = m;
	j->n = n;
	for (uint32_t i = 0; i < n; i++) {
		struct item *it = &j->items[i];
		struct mp_cur a, s;
		const uint8_t *p;
		size_t pn;
		struct mp_cur el = acts;
		if (mp_skip(&acts) != PDL_OK) {
			j->req = NULL;
			job_free(j);
			return pdl_status_set(st, PDL_EPROTO, NULL, "malformed acts array");
		}
		it->rc = PDL_OK;
		if (mp_peek(&el) != MP_MAP || mp_map_find(el, "act", &a) != PDL_OK || mp_read_bin(&a, &it->b, &it->len) != PDL_OK) {
			it->rc = pdl_status_set(&it->st, PDL_EPROTO, NULL, "each submitted act is {act: bin, sig: bin}");
			continue;
		}
		if (mp_map_find(el, "sig", &s) != PDL_OK || mp_read_bin(&s, &p, &pn) != PDL_OK || pn != 64) {
			it->rc = pdl_status_set(&it->st, PDL_EBADSIG, NULL, "sig must be 64 bytes");
			continue;
		}
		it->sig = p;
	}
	uint32_t chunks = (n + CHUNK_ACTS - 1) / CHUNK_ACTS;
	atomic_store(&j->pending, chunks);
	c->state = C_WAIT;
	atomic_fetch_add(&D.inflight, 1);
	for (uint32_t k = 0; k < chunks; k++) {
		struct task *t = malloc(sizeof *t);
		if (t == NULL)
			abort(); /* a few bytes; nothing sensible to do without them */
		t->job = j;
		t->lo = k * CHUNK_ACTS;
		t->hi = t->lo + CHUNK_ACTS < n ? t->lo + CHUNK_ACTS : n;
		q_push(&D.verifyq, t);
	}
	return PDL_OK;
}

static void
conn_cb(void *arg)
{
	struct conn *c = arg;
	int rv = nng_aio_result(c->aio);
	if (c->state == C_SEND) {
		if (rv != 0) {
			nng_msg *m = nng_aio_get_msg(c->aio);
			if (m)
				nng_msg_free(m);
			nng_aio_set_msg(c->aio, NULL);
		}
		if (rv == NNG_ECLOSED)
			return;
		if (rv == NNG_ETIMEDOUT) {
			atomic_fetch_add(&D.n_reply_timeout, 1);
			if (D.verbose)
				fprintf(stderr, "pdld: reply on connection %u dropped: not read within %llu ms (--send-timeout-ms)\n",
				        c->pipe, (unsigned long long)D.send_timeout_ms);
		}
		conn_done(c, rv == 0);
		conn_recv(c);
		return;
	}
	if (c->state != C_RECV)
		return;
	if (rv != 0) {
		if (rv == NNG_ECLOSED)
			return;
		conn_recv(c);
		return;
	}
	nng_msg *m = nng_aio_get_msg(c->aio);
	if (!conn_admit(c, m)) {
		nng_msg_free(m);
		conn_recv(c);
		return;
	}
	struct mp_cur req = mp_cur_make(nng_msg_body(m), nng_msg_len(m)), opc;
	const char *op;
	size_t opn;
	struct pdl_status st = {0};
	if (mp_peek(&req) != MP_MAP || mp_map_find(req, "op", &opc) != PDL_OK || mp_read_str(&opc, &op, &opn) != PDL_OK) {
		nng_msg_free(m);
		reply_error(c, PDL_EPROTO, "a request is a msgpack map with op");
		return;
	}
	if (mp_str_eq(op, opn, "submit")) {
		if (atomic_load(&D.stopping)) {
			nng_msg_free(m);
			reply_error(c, PDL_ECLOSED, "pdld is shutting down");
			return;
		}
		if (atomic_load(&D.inflight) >= SUBMITS_INFLIGHT_MAX) {
			nng_msg_free(m);
			atomic_fetch_add(&D.n_submit_busy, 1);
			reply_error(c, PDL_EBUSY, "pdld has its maximum of submit requests in flight; retry shortly");
			return;
		}
		if (start_submit(c, m, req, &st) != PDL_OK) {
			nng_msg_free(m);
			reply_error(c, st.err, st.msg);
		}
		return;
	}
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	int rc = mp_str_eq(op, opn, "clock")  ? do_clock(req, &pk, &st)
	         : mp_str_eq(op, opn, "blob") ? do_blob(req, &pk, &st)
	                                      : do_read(op, opn, req, &pk, &st, c->trusted);
	nng_msg_free(m);
	if (rc != PDL_OK) {
		msgpack_sbuffer_clear(&sb);
		pack_error(&pk, st.err ? st.err : rc, st.rule, st.msg);
	}
	conn_send(c, sb.data, sb.size, 1);
	msgpack_sbuffer_destroy(&sb);
}

/* ---- verifiers ---- */

static void *
worker_main(void *arg)
{
	(void)arg;
	struct task *t;
	while ((t = q_pop(&D.verifyq)) != NULL) {
		struct job *j = t->job;
		MDB_txn *txn = NULL;
		struct pdl_party p;
		const char *last_actor = NULL;
		size_t last_actor_len = 0;
		if (pdl_store_rtxn(&D.store, &txn) != PDL_OK)
			txn = NULL;
		for (uint32_t i = t->lo; i < t->hi; i++) {
			struct item *it = &j->items[i];
			if (it->rc != PDL_OK)
				continue;
			it->rc = pdl_act_decode(it->b, it->len, it->sig, &it->act, &it->st);
			if (it->rc != PDL_OK || txn == NULL)
				continue;
			if (mp_str_eq(it->act.type, it->act.type_len, "ledger.genesis"))
				continue;
			/* bulk submissions come from one actor: look its key up once per chunk
			 * (the writer checks it is still the actor's current key) */
			if (last_actor == NULL || last_actor_len != it->act.actor_len ||
			    memcmp(last_actor, it->act.actor, last_actor_len) != 0) {
				last_actor = NULL;
				if (pdl_party_get(txn, &D.store, it->act.actor, it->act.actor_len, &p) != PDL_OK)
					continue; /* maybe registered earlier in this batch: the writer checks */
				last_actor = it->act.actor;
				last_actor_len = it->act.actor_len;
			}
			if (pdl_act_verify(&it->act, D.engine.info.ledger_id, p.pk) == PDL_OK) {
				it->have_vpk = 1;
				memcpy(it->vpk, p.pk, 32);
			}
		}
		if (txn != NULL)
			pdl_store_rdone(&D.store, txn);
		free(t);
		if (atomic_fetch_sub(&j->pending, 1) == 1)
			q_push(&D.commitq, j);
	}
	return NULL;
}

/* ---- writer ---- */

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

static void
publish_ckpt(uint64_t size, const char *note, size_t n)
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

static void
pack_receipt(msgpack_packer *pk, const struct pdl_receipt *r)
{
	msgpack_pack_map(pk, 5);
	mp_pack_cstr(pk, "seq");
	msgpack_pack_uint64(pk, r->seq);
	mp_pack_cstr(pk, "hash");
	mp_pack_bin(pk, r->hash, 32);
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
	uint64_t now = ledger_now();
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
				pack_error(&pk, it->rc, it->st.rule, it->st.msg);
				continue;
			}
			struct pdl_receipt r;
			struct pdl_status st = {0};
			uint64_t before = h.size;
			int src = pdl_engine_submit(&D.engine, t, &h, now, &it->act, it->have_vpk ? it->vpk : NULL, &r, &st);
			if (src == PDL_ESTORE || src == PDL_EMAPFULL) {
				rc = src;
				goto fail;
			}
			if (src != PDL_OK) {
				pack_error(&pk, src, st.rule, st.msg);
				continue;
			}
			pack_receipt(&pk, &r);
			if (h.size != before) {
				/* invariant (5): a network PUB gets a placeholder for a private entry */
				const uint8_t *eb = (const uint8_t *)D.engine.entry.data;
				if (D.pubt.trusted || pdl_readacl_public(eb, D.engine.entry.size))
					mp_pack_bin(&ppk, eb, D.engine.entry.size);
				else
					pack_placeholder(&ppk, before, eb, D.engine.entry.size);
				o->pub_n++;
			}
		}
	}
	*note_n = 0;
	if (want_ckpt && h.size > D.last_ckpt_size) {
		rc = pdl_ckpt_make(t, &D.store, &h, D.origin, D.ledger_sk, note, PDL_NOTE_BYTES_MAX, note_n);
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

static void *
writer_main(void *arg)
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
			list = q_take_all(&D.commitq, D.ckpt_ms < 200 ? D.ckpt_ms : 200, &closed);
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
					publish_ckpt(D.last_ckpt_size, note, note_n);
			}
			if (closed)
				break;
			continue;
		}
		int rc;
		while ((rc = run_batch(jobs, nj, replies, &o, want_ckpt, note, &note_n)) == PDL_EMAPFULL) {
			int grc = pdl_store_grow(&D.store);
			if (grc != PDL_OK) {
				rc = grc;
				break;
			}
			if (D.store.mapsize >= (size_t)1 << 20)
				fprintf(stderr, "pdld: map grown to %zu MiB\n", D.store.mapsize >> 20);
			else /* only with a tiny --map-size */
				fprintf(stderr, "pdld: map grown to %zu bytes\n", D.store.mapsize);
		}
		for (size_t k = 0; k < nj; k++) {
			struct job *j = jobs[k];
			if (rc == PDL_OK) {
				conn_send(j->conn, replies[k].data, replies[k].size, 0);
			} else {
				char msg[200];
				snprintf(msg, sizeof msg, "the batch was not written (%s%s%s); nothing of it is in the log",
				         pdl_strerror(rc), D.commit_mdb_rc ? ": " : "",
				         D.commit_mdb_rc ? mdb_strerror(D.commit_mdb_rc) : "");
				reply_error(j->conn, rc, msg);
			}
			atomic_fetch_sub(&D.inflight, 1);
			job_free(j);
		}
		if (rc != PDL_OK)
			fprintf(stderr, "pdld: batch of %zu acts refused: %s%s%s\n", acts, pdl_strerror(rc),
			        D.commit_mdb_rc ? ": " : "", D.commit_mdb_rc ? mdb_strerror(D.commit_mdb_rc) : "");
		if (rc == PDL_OK && D.verbose)
			fprintf(stderr, "pdld: batch of %zu acts from %zu requests committed, log size %llu\n", acts, nj,
			        (unsigned long long)D.head.size);
		if (rc == PDL_OK) {
			publish_entries(&o);
			if (note_n)
				publish_ckpt(D.last_ckpt_size, note, note_n);
		}
	}
	msgpack_sbuffer_destroy(&o.pub);
	for (size_t i = 0; i < cap; i++)
		msgpack_sbuffer_destroy(&replies[i]);
	free(replies);
	free(jobs);
	return NULL;
}

static void
wipe_ledger_key(void)
{
	sodium_memzero(D.ledger_sk, sizeof D.ledger_sk);
}

/* ---- TLS ---- */

#define TLS_PEM_BYTES_MAX (64u * 1024u) /* a certificate chain or a key in PEM */

/* A server TLS config from a PEM certificate (chain) file and a PEM key
 * file. The key file must not be readable by group or others, like every
 * secret key file pdl reads; its bytes are wiped after use. With client_ca
 * (--tls-client-ca) the handshake requires a client certificate chaining
 * to the CA certificates in that PEM file. */
static int
tls_server_config(const char *cert_file, const char *key_file, const char *client_ca, nng_tls_config **out)
{
	uint8_t *cert = NULL, *key = NULL;
	size_t cn = 0, kn = 0;
	struct pdl_status st = {0};
	nng_tls_config *cfg = NULL;
	int rv;
	if (pdl_tls_file_read(cert_file, 0, &cert, &cn, &st) != PDL_OK ||
	    pdl_tls_file_read(key_file, 1, &key, &kn, &st) != PDL_OK) {
		fprintf(stderr, "pdld: %s (PDL_EKEY)\n", st.msg);
		free(cert);
		return PDL_EKEY;
	}
	/* NUL-terminated: what nng_tls_config_own_cert wants. */
	if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER)) != 0 ||
	    (rv = nng_tls_config_own_cert(cfg, (const char *)cert, (const char *)key, NULL)) != 0) {
		fprintf(stderr, "pdld: TLS certificate %s with key %s refused: %s (PDL_EKEY)\n", cert_file, key_file,
		        nng_strerror(rv));
		if (cfg != NULL)
			nng_tls_config_free(cfg);
		cfg = NULL;
	} else if (client_ca != NULL &&
	           ((rv = nng_tls_config_ca_file(cfg, client_ca)) != 0 ||
	            (rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) != 0)) {
		/* mutual TLS: every client shows a certificate chaining to client_ca */
		fprintf(stderr, "pdld: cannot load client CA certificates from %s: %s (PDL_EKEY)\n", client_ca,
		        nng_strerror(rv));
		nng_tls_config_free(cfg);
		cfg = NULL;
	}
	sodium_memzero(key, kn);
	free(key);
	free(cert);
	*out = cfg;
	return cfg != NULL ? PDL_OK : PDL_EKEY;
}

/* Listens on url; tls+ URLs get the server TLS config (which the
 * listener holds its own reference to). */
static int
listen_on(nng_socket s, const char *url, nng_tls_config *tls)
{
	nng_listener l;
	int rv;
	if (strncmp(url, "tls+", 4) != 0)
		return nng_listen(s, url, NULL, 0);
	if ((rv = nng_listener_create(&l, s, url)) != 0)
		return rv;
	if ((rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, tls)) != 0 || (rv = nng_listener_start(l, 0)) != 0) {
		nng_listener_close(l);
		return rv;
	}
	return 0;
}

/* ---- main ---- */

/* One line for the limit events since the last one, if there were any:
 * what an operator needs to see a hostile or broken client, without a line
 * per event (--verbose gives those). */
static void
log_limits(void)
{
	unsigned a = atomic_exchange(&D.n_conn_refused, 0), b = atomic_exchange(&D.n_req_dropped, 0),
	         c = atomic_exchange(&D.n_reply_refused, 0), d = atomic_exchange(&D.n_reply_timeout, 0),
	         e = atomic_exchange(&D.n_read_refused, 0), f = atomic_exchange(&D.n_submit_busy, 0);
	if (a + b + c + d + e + f == 0)
		return;
	fprintf(stderr,
	        "pdld: limits: %u connections refused (--max-connections), %u requests dropped (--max-inflight), "
	        "%u replies refused (--reply-bytes-max), %u replies not read in time (--send-timeout-ms), "
	        "%u submits refused (busy), %u private entries refused to readers\n",
	        a, b, c, d, f, e);
}

/* A decimal option value in lo..hi; says what is wrong otherwise. */
static int
opt_u64(const char *name, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long x = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
	if (v[0] < '0' || v[0] > '9' || errno != 0 || *end != 0 || x < lo || x > hi) {
		fprintf(stderr, "pdld: %s must be a number from %llu to %llu\n", name, (unsigned long long)lo,
		        (unsigned long long)hi);
		return -1;
	}
	*out = x;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: pdld --data DIR [options]\n"
	        "\n"
	        "The pdl ledger daemon: validates signed acts and appends them to the log in DIR.\n"
	        "\n"
	        "  --data DIR          data directory made by `pdl init` (required)\n"
	        "  --listen URL        REQ/REP address (default ipc://DIR/pdl.sock)\n"
	        "  --publish URL       PUB address (default ipc://DIR/pdl.pub)\n"
	        "  --workers N         signature verifier threads (default: number of cores)\n"
	        "  --checkpoint-ms N   sign a checkpoint at most every N ms while the log grows (default 1000)\n"
	        "  --blob-max BYTES    largest file `pdl evidence deposit --store` keeps (default 8 MiB)\n"
	        "  --tls-cert FILE     PEM certificate (chain) for tls+tcp:// listen and publish URLs\n"
	        "  --tls-key FILE      its PEM private key (mode 0600)\n"
	        "  --tls-client-ca FILE  require client certificates chaining to the CA certificates in FILE\n"
	        "                      on tls+tcp:// listeners (mutual TLS; clients give --tls-cert/--tls-key)\n"
	        "  --insecure-tcp      allow tcp:// without TLS\n"
	        "  --ipc-public        treat the ipc:// listeners like network ones: private entries need a\n"
	        "                      reader token (by default ipc:// in DIR is trusted, like the key files)\n"
	        "\n"
	        "Limits (a slow or hostile client costs only itself):\n"
	        "  --max-connections N   connections per listener, REQ/REP and PUB each (default %u)\n"
	        "  --max-inflight N      requests of one connection being served; more are dropped (default %u)\n"
	        "  --reply-bytes-max B   reply bytes waiting for their clients; a large read reply over it is\n"
	        "                        refused with PDL_EBUSY, to retry (default %u MiB)\n"
	        "  --send-timeout-ms N   a reply its client does not take within N ms is dropped (default %u)\n"
	        "\n"
	        "  --test-clock        tests only: the ledger time is set with `pdl clock set`\n"
	        "  -v, --verbose       log connections, limit refusals, refused private reads and batches\n"
	        "  -h, --help          this text\n",
	        CONNS_MAX_DEFAULT, INFLIGHT_MAX_DEFAULT, REPLY_BYTES_MAX_DEFAULT >> 20, SEND_TIMEOUT_MS_DEFAULT);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"publish", required_argument, NULL, 'p'},
		{"workers", required_argument, NULL, 'w'},
		{"checkpoint-ms", required_argument, NULL, 'c'},
		{"blob-max", required_argument, NULL, 'b'},
		{"test-clock", no_argument, NULL, 't'},
		{"insecure-tcp", no_argument, NULL, 'i'},
		{"tls-cert", required_argument, NULL, 'C'},
		{"tls-key", required_argument, NULL, 'K'},
		{"map-size", required_argument, NULL, 'm'}, /* tests only: a small first map, to make it grow */
		{"tls-client-ca", required_argument, NULL, 'A'},
		{"ipc-public", no_argument, NULL, 'P'},
		{"max-connections", required_argument, NULL, 'N'},
		{"max-inflight", required_argument, NULL, 'F'},
		{"reply-bytes-max", required_argument, NULL, 'R'},
		{"send-timeout-ms", required_argument, NULL, 'T'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *listen = NULL, *publish = NULL, *tls_cert = NULL, *tls_key = NULL, *client_ca = NULL;
	uint64_t conns_max = CONNS_MAX_DEFAULT, inflight_max = INFLIGHT_MAX_DEFAULT;
	uint64_t reply_bytes_max = REPLY_BYTES_MAX_DEFAULT, send_timeout_ms = SEND_TIMEOUT_MS_DEFAULT;
	int ipc_public = 0;
	size_t map_size = 0;
	static nng_tls_config *tls; /* static: still reachable (no leak report) on an early return */
	char listen_buf[4200], publish_buf[4200], path[4200];
	int insecure = 0, ch, rv;
	long workers = sysconf(_SC_NPROCESSORS_ONLN);
	D.ckpt_ms = 1000;
	D.blob_max = (size_t)8 << 20;
	while ((ch = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'l': listen = optarg; break;
		case 'p': publish = optarg; break;
		case 'w': workers = strtol(optarg, NULL, 10); break;
		case 'c': D.ckpt_ms = strtoull(optarg, NULL, 10); break;
		case 'b': D.blob_max = (size_t)strtoull(optarg, NULL, 10); break;
		case 't': D.test_clock = 1; break;
		case 'i': insecure = 1; break;
		case 'C': tls_cert = optarg; break;
		case 'K': tls_key = optarg; break;
		case 'm': map_size = (size_t)strtoull(optarg, NULL, 10); break;
		case 'A': client_ca = optarg; break;
		case 'P': ipc_public = 1; break;
		case 'N':
			if (opt_u64("--max-connections", optarg, 1, 16384, &conns_max) != 0)
				return 2;
			break;
		case 'F':
			if (opt_u64("--max-inflight", optarg, 1, 64, &inflight_max) != 0)
				return 2;
			break;
		case 'R':
			if (opt_u64("--reply-bytes-max", optarg, 2 * RANGE_BYTES_MAX, (uint64_t)1 << 40, &reply_bytes_max) != 0)
				return 2;
			break;
		case 'T':
			if (opt_u64("--send-timeout-ms", optarg, 10, 3600000, &send_timeout_ms) != 0)
				return 2;
			break;
		case 'v': D.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (dir == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (conns_max * inflight_max > CTX_MAX) {
		fprintf(stderr, "pdld: --max-connections x --max-inflight is at most %u (contexts)\n", CTX_MAX);
		return 2;
	}
	D.conns_max = (unsigned)conns_max;
	D.inflight_max = (unsigned)inflight_max;
	D.reply_bytes_max = (size_t)reply_bytes_max;
	D.send_timeout_ms = send_timeout_ms;
	if (workers < 1 || workers > WORKERS_MAX) {
		fprintf(stderr, "pdld: --workers must be 1..%d\n", WORKERS_MAX);
		return 2;
	}
	if (D.ckpt_ms == 0)
		D.ckpt_ms = 1;
	if (sodium_init() < 0) {
		fprintf(stderr, "pdld: libsodium failed to initialise\n");
		return 1;
	}
	if (listen == NULL) {
		pdl_client_url_for_dir(dir, listen_buf, sizeof listen_buf);
		listen = listen_buf;
	}
	if (publish == NULL) {
		pdl_client_url_for_dir(dir, publish_buf, sizeof publish_buf);
		char *slash = strrchr(publish_buf, '/');
		snprintf(slash + 1, sizeof publish_buf - (size_t)(slash + 1 - publish_buf), "%s", PDL_PUB_FILE);
		publish = publish_buf;
	}
	if (!insecure && (strncmp(listen, "tcp://", 6) == 0 || strncmp(publish, "tcp://", 6) == 0)) {
		fprintf(stderr, "pdld: refusing plain tcp:// without TLS; use tls+tcp:// or pass --insecure-tcp\n");
		return 2;
	}
	int want_tls = strncmp(listen, "tls+", 4) == 0 || strncmp(publish, "tls+", 4) == 0;
	if ((tls_cert == NULL) != (tls_key == NULL) || (want_tls && tls_cert == NULL)) {
		fprintf(stderr, "pdld: tls+tcp:// needs both --tls-cert FILE and --tls-key FILE\n");
		return 2;
	}
	if (tls_cert != NULL && !want_tls) {
		fprintf(stderr, "pdld: --tls-cert is for tls+tcp:// --listen or --publish URLs\n");
		return 2;
	}
	if (client_ca != NULL && tls_cert == NULL) {
		fprintf(stderr, "pdld: --tls-client-ca is for tls+tcp:// listeners (with --tls-cert/--tls-key)\n");
		return 2;
	}
	if (tls_cert != NULL && tls_server_config(tls_cert, tls_key, client_ca, &tls) != PDL_OK)
		return 1;
	struct pdl_status st = {0};
	uint8_t pk[32];
	snprintf(path, sizeof path, "%s/%s", dir, PDL_LEDGER_KEY_FILE);
	if (pdl_key_load(path, D.ledger_sk, pk, &st) != PDL_OK) {
		fprintf(stderr, "pdld: %s\n", st.msg);
		return 1;
	}
	atexit(wipe_ledger_key); /* every way out of main wipes it, not just a clean stop */
	/* One pdld per data directory: a lock held for the life of the process. */
	snprintf(path, sizeof path, "%s/pdld.lock", dir);
	int lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "pdld: another pdld is serving %s (lock %s held)\n", dir, path);
		return 1;
	}
	int rc = pdl_store_open(&D.store, dir, 0);
	if (rc != PDL_OK) {
		fprintf(stderr, "pdld: cannot open the ledger in %s: %s (run `pdl init --data %s` first)\n", dir,
		        pdl_errmsg(rc), dir);
		return 1;
	}
	if (map_size != 0) {
		/* LMDB rounds a map smaller than the data up to the data. */
		MDB_envinfo info;
		if (mdb_env_set_mapsize(D.store.env, map_size) != 0) {
			fprintf(stderr, "pdld: cannot set the map size to %zu\n", map_size);
			return 1;
		}
		mdb_env_info(D.store.env, &info);
		D.store.mapsize = info.me_mapsize;
		fprintf(stderr, "pdld: map size %zu bytes\n", D.store.mapsize);
	}
	pdl_engine_init(&D.engine, &D.store);
	MDB_txn *t;
	if (pdl_store_rtxn(&D.store, &t) != PDL_OK) {
		fprintf(stderr, "pdld: cannot read the ledger\n");
		return 1;
	}
	rc = pdl_engine_load(&D.engine, t);
	if (rc == PDL_OK)
		rc = pdl_store_head(t, &D.store, &D.head);
	const uint8_t *g;
	size_t gn;
	if (rc == PDL_OK && (rc = pdl_store_entry(t, &D.store, 0, &g, &gn)) == PDL_OK)
		pdl_sha256(D.ledger_id, g, gn); /* the ledger id reader tokens name (readtok.h) */
	uint64_t csize = 0;
	const char *cn;
	size_t cnn;
	if (pdl_store_ckpt_latest(t, &D.store, &csize, &cn, &cnn) == PDL_OK)
		D.last_ckpt_size = csize;
	pdl_store_rdone(&D.store, t);
	if (rc != PDL_OK) {
		fprintf(stderr, "pdld: the ledger in %s has no readable genesis: %s\n", dir, pdl_errmsg(rc));
		return 1;
	}
	if (memcmp(pk, D.engine.info.ledger_pk, 32) != 0) {
		fprintf(stderr, "pdld: %s does not match the ledger key named in genesis\n", path);
		return 1;
	}
	snprintf(D.origin, sizeof D.origin, "%s", D.engine.info.origin);
	atomic_store(&D.clock_ms, D.head.time_ms);
	D.last_ckpt_ns = pdl_mono_ns();
	pthread_mutex_init(&D.head_mu, NULL);
	q_init(&D.verifyq);
	q_init(&D.commitq);

	/* ipc:// in the data directory is as private as its key files: trusted,
	 * unless --ipc-public; every other transport reaches the network */
	int rep_trusted = strncmp(listen, "ipc://", 6) == 0 && !ipc_public;
	int pub_trusted = strncmp(publish, "ipc://", 6) == 0 && !ipc_public;
	if ((rv = nng_pub0_open(&D.pub)) != 0 || (rv = pipe_tab_init(&D.pubt, D.pub, "publish", pub_trusted)) != 0 ||
	    (rv = listen_on(D.pub, publish, tls)) != 0) {
		fprintf(stderr, "pdld: cannot publish on %s: %s\n", publish, nng_strerror(rv));
		return 1;
	}
	if ((rv = nng_rep0_open(&D.rep)) != 0 || (rv = pipe_tab_init(&D.rept, D.rep, "listen", rep_trusted)) != 0) {
		fprintf(stderr, "pdld: cannot open REP socket: %s\n", nng_strerror(rv));
		return 1;
	}
	D.nconns = D.conns_max * D.inflight_max + CTX_SPARE;
	if ((D.conns = calloc(D.nconns, sizeof *D.conns)) == NULL) {
		fprintf(stderr, "pdld: out of memory for %u contexts\n", D.nconns);
		return 1;
	}
	nng_socket_set_size(D.rep, NNG_OPT_RECVMAXSZ,
	                    D.blob_max + 4096 > PDL_REQ_BYTES_MAX ? D.blob_max + 4096 : PDL_REQ_BYTES_MAX);
	D.nworkers = (unsigned)workers;
	for (unsigned i = 0; i < D.nworkers; i++)
		pthread_create(&D.workers[i], NULL, worker_main, NULL);
	pthread_create(&D.writer, NULL, writer_main, NULL);
	/* names for top -H, perf and gdb */
	for (unsigned i = 0; i < D.nworkers; i++)
		pthread_setname_np(D.workers[i], "pdld:verify");
	pthread_setname_np(D.writer, "pdld:writer");
	for (unsigned i = 0; i < D.nconns; i++) {
		struct conn *c = &D.conns[i];
		if ((rv = nng_aio_alloc(&c->aio, conn_cb, c)) != 0 || (rv = nng_ctx_open(&c->ctx, D.rep)) != 0) {
			fprintf(stderr, "pdld: %s\n", nng_strerror(rv));
			return 1;
		}
	}
	if ((rv = listen_on(D.rep, listen, tls)) != 0) {
		fprintf(stderr, "pdld: cannot listen on %s: %s (is another pdld serving %s?)\n", listen,
		        nng_strerror(rv), dir);
		return 1;
	}
	for (unsigned i = 0; i < D.nconns; i++)
		conn_recv(&D.conns[i]);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	char pid[32];
	int pn = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	snprintf(path, sizeof path, "%s/%s", dir, PDL_PID_FILE);
	pdl_file_write(path, pid, (size_t)pn, 0644);
	fprintf(stderr, "pdld: serving %s (%s) at %s%s, publishing at %s%s, log size %llu%s\n", dir, D.origin, listen,
	        rep_trusted ? " (trusted)" : "", publish, pub_trusted ? " (trusted)" : "", (unsigned long long)D.head.size,
	        D.test_clock ? ", TEST CLOCK" : "");
	if (D.verbose)
		fprintf(stderr,
		        "pdld: limits: %u connections per listener, %u requests in flight each (%u contexts), "
		        "%zu reply bytes, send timeout %llu ms%s\n",
		        D.conns_max, D.inflight_max, D.nconns, D.reply_bytes_max, (unsigned long long)D.send_timeout_ms,
		        client_ca ? ", client certificates required" : "");

	/* A reader killed mid-transaction (kill -9 of a `pdl verify`) leaves
	 * its slot in the lock file, pinning old pages so the file only grows;
	 * free such slots every second rather than only at the next open. */
	for (unsigned tick = 1; !got_signal; tick++) {
		usleep(50 * 1000);
		int dead = 0;
		if (tick % 20 == 0 && mdb_reader_check(D.store.env, &dead) == 0 && dead > 0)
			fprintf(stderr, "pdld: cleared %d stale reader slot(s)\n", dead);
		if (tick % 20 == 0)
			pipes_sweep();
		if (tick % (LIMIT_LOG_S * 20) == 0)
			log_limits();
	}
	log_limits();

	/* Shutdown: refuse new submits, finish those in flight, checkpoint, close. */
	fprintf(stderr, "pdld: signal %d, finishing %u requests in flight\n", (int)got_signal,
	        atomic_load(&D.inflight));
	atomic_store(&D.stopping, 1);
	for (int i = 0; i < 200 && atomic_load(&D.inflight) > 0; i++)
		usleep(50 * 1000);
	q_close(&D.verifyq);
	for (unsigned i = 0; i < D.nworkers; i++)
		pthread_join(D.workers[i], NULL);
	q_close(&D.commitq);
	pthread_join(D.writer, NULL);
	nng_close(D.rep);
	for (unsigned i = 0; i < D.nconns; i++) {
		nng_aio_stop(D.conns[i].aio);
		nng_aio_free(D.conns[i].aio);
	}
	nng_close(D.pub);
	free(D.conns);
	if (tls != NULL)
		nng_tls_config_free(tls);
	nng_fini(); /* NNG's own global state too: a clean stop leaves nothing allocated */
	free(D.rept.slots); /* after nng_fini: no pipe callback runs any more */
	free(D.pubt.slots);
	unlink(path);
	pdl_engine_fini(&D.engine);
	pdl_store_close(&D.store);
	sodium_memzero(D.ledger_sk, sizeof D.ledger_sk);
	fprintf(stderr, "pdld: stopped at log size %llu, checkpoint %llu\n", (unsigned long long)D.head.size,
	        (unsigned long long)D.last_ckpt_size);
	return 0;
}
