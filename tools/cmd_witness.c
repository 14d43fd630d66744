/*
 * cmd_witness.c — pdl witness: a C2SP transparency-log witness
 * (c2sp.org/tlog-witness) for any log that signs C2SP checkpoints with
 * Ed25519, pdl or not.
 *
 *   keygen --name NAME --out FILE   a new witness key; prints its vkey
 *   vkey --name NAME --key FILE     the vkey of an existing key
 *   serve --data DIR --listen ADDR --key FILE --name NAME --logs FILE
 *
 * serve answers
 *   POST /add-checkpoint            tlog-witness add-checkpoint
 *   GET  /<hex SHA-256(origin)>/checkpoint   the monitoring route
 *
 * add-checkpoint, in the order of the spec (each refusal says why in a
 * text/plain body):
 *   400  the body is not "old N", ≤ 63 base64 proof lines, an empty line
 *        and a signed note holding a checkpoint; or old size > size
 *   404  no log of the --logs file has the checkpoint's origin as its key name
 *   403  no signature by a key trusted for the origin, or one that fails
 *   409  old size is not the size this witness last cosigned for the origin
 *        (0 if never): body "<size>\n", Content-Type text/x.tlog.size
 *   422  a size-0 checkpoint whose root is not SHA-256(""); a proof with
 *        old size 0; a consistency proof that does not verify (which
 *        covers equal sizes with different roots)
 *   200  one cosignature/v1 line (Ed25519, key ID type 0x04, timestamp
 *        now), after the new record is durable in DIR
 * and 405 for another method, 413 for a body over WITNESS_BODY_MAX, 408
 * for a request that does not arrive within --timeout-ms, 500 when the
 * record cannot be written (nothing is cosigned then).
 *
 * Invariants:
 *  (1) the stored size of an origin and the check of old size against it
 *      are one LMDB write transaction (wstate.h (1)): of two requests from
 *      the same old size one is cosigned and the other gets 409;
 *  (2) a cosignature leaves the process only after the record of its
 *      checkpoint is committed (wstate.h (2));
 *  (3) connections are at most --max-connections, each request is read
 *      within --timeout-ms and at most WITNESS_BODY_MAX bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "crypto.h"
#include "hconn.h"
#include "key.h"
#include "merkle.h"
#include "suite.h"
#include "tlog.h"
#include "tpolicy.h"
#include "wstate.h"

/* A request: the old size line, 63 proof lines and the largest note. */
#define WITNESS_BODY_MAX (PDL_TLOG_NOTE_BYTES_MAX + 64u + PDL_TLOG_PROOF_MAX * 46u)
#define WITNESS_CONNS_DEFAULT 64u    /* logs are few and talk rarely; this is many at once */
#define WITNESS_CONNS_MAX 4096u
#define WITNESS_TIMEOUT_MS_DEFAULT 10000u /* a request (head and body) arrives within this */
#define WITNESS_IDLE_MS 30000u       /* a kept-alive connection may wait this long for its next request */
#define WITNESS_FIRST_MS 5000u       /* a new one, for its first: a client that connects asks at once */
#define WITNESS_KEYS_PER_ORIGIN 16u  /* trusted keys of one origin (rotation), checked at once */
#define CTYPE_TEXT "text/plain; charset=utf-8"
#define CTYPE_SIZE "text/x.tlog.size"

struct wsrv {
	struct pdl_tpolicy *logs;
	struct pdl_wstate ws;
	struct pdl_seckey sk; /* ed25519-sha256: cosignature/v1 is Ed25519 */
	char name[PDL_TLOG_NAME_MAX + 1];
	unsigned timeout_ms;
	unsigned conns_max;
	int verbose;
	nng_stream_listener *l;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct wconn **conns; /* live connections (slots), under mu */
	unsigned nconns;
	atomic_int stopping;
};

struct wconn {
	struct wsrv *S;
	struct pdl_hconn hc;
	unsigned slot;
	int waiting;      /* for a request (or its head): under S->mu */
	uint64_t wait_ns; /* since when (pdl_mono_ns) */
};

/* A response being made. */
struct wout {
	int status;
	const char *ctype;
	const char *extra;
	char *body; /* malloc'd */
	size_t len;
};

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

static void
out_set(struct wout *o, int status, const char *ctype, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
out_set(struct wout *o, int status, const char *ctype, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof msg)
		n = sizeof msg - 1;
	free(o->body);
	o->status = status;
	o->ctype = ctype;
	o->body = malloc((size_t)n + 1);
	o->len = o->body ? (size_t)n : 0;
	if (o->body)
		memcpy(o->body, msg, (size_t)n + 1);
}

/* The trusted keys whose name is the origin. */
static size_t
origin_keys(const struct wsrv *S, const struct pdl_tckpt *ck, struct pdl_vkey *keys)
{
	size_t n = 0;
	for (unsigned i = 0; i < S->logs->nlogs && n < WITNESS_KEYS_PER_ORIGIN; i++) {
		const struct pdl_vkey *k = &S->logs->log[i].key;
		if (k->name_len == ck->origin_len && memcmp(k->name, ck->origin, ck->origin_len) == 0)
			keys[n++] = *k;
	}
	return n;
}

/* Logs what might be evidence of a misbehaving log (tlog-witness: "the
 * witness MAY log the request"): the origin is known and its signature good. */
static void
note_refusal(const struct pdl_tckpt *ck, uint64_t old, uint64_t stored, const char *why)
{
	fprintf(stderr, "pdl witness: refused %s at size %" PRIu64 " (old size %" PRIu64 ", cosigned %" PRIu64 "): %s\n",
	        ck->origin, ck->size, old, stored, why);
}

/* The tlog-witness checks of the request against the stored record cur:
 * 0, or -1 with the answer (409, 422) in o. */
static int
consistent(const struct pdl_addckpt *rq, const struct pdl_tckpt *ck, const struct pdl_wrec *cur, struct wout *o)
{
	uint8_t empty[32];
	const char *why;
	if (rq->old_size != cur->size) {
		out_set(o, 409, CTYPE_SIZE, "%" PRIu64 "\n", cur->size);
		return -1;
	}
	pdl_tlog_sha256(empty, "", 0);
	if (ck->size == 0 && memcmp(ck->root, empty, 32) != 0) {
		why = "a checkpoint of size 0 must have the empty tree's root, SHA-256 of the empty string";
		note_refusal(ck, rq->old_size, cur->size, why);
		out_set(o, 422, CTYPE_TEXT, "%s\n", why);
		return -1;
	}
	if (rq->old_size == 0 && rq->nproof != 0) {
		why = "old size 0 takes no consistency proof";
		note_refusal(ck, rq->old_size, cur->size, why);
		out_set(o, 422, CTYPE_TEXT, "%s\n", why);
		return -1;
	}
	if (rq->old_size > 0 &&
	    pdl_merkle_verify_consistency(rq->old_size, ck->size, cur->root, ck->root, rq->proof, rq->nproof) != PDL_OK) {
		why = rq->old_size != ck->size ? "the consistency proof does not verify against the checkpoint cosigned before"
		      : memcmp(cur->root, ck->root, sizeof ck->root) != 0
		          ? "same size as the checkpoint cosigned before, different root"
		          : "same size and root as the checkpoint cosigned before: the consistency proof must be empty";
		note_refusal(ck, rq->old_size, cur->size, why);
		out_set(o, 422, CTYPE_TEXT, "%s\n", why);
		return -1;
	}
	return 0;
}

/* Cosigns the checkpoint and stores it as the origin's record in *t,
 * committed (and *t NULL) before the answer in o: 200 with the
 * cosignature, or 500 with nothing cosigned. */
static void
cosign_and_record(struct wsrv *S, MDB_txn **t, uint64_t old_size, const struct pdl_tnote *nt,
                  const struct pdl_tckpt *ck, const char *good, size_t good_len, uint64_t last_time, struct wout *o)
{
	char cosig[PDL_COSIG_LINE_MAX], *rec = NULL;
	size_t cosig_len = 0;
	int rc;
	uint64_t now = (uint64_t)time(NULL);
	if (now < last_time) /* the clock went back: never cosign "earlier" than before */
		now = last_time;
	if (pdl_cosig_sign(S->name, &S->sk, now, nt->text, nt->text_len, cosig, sizeof cosig, &cosig_len) != PDL_OK) {
		out_set(o, 500, CTYPE_TEXT, "cannot cosign\n");
		goto done;
	}
	/* the record's note: text, blank line, the log's verified lines, ours */
	size_t rn = nt->text_len + 1 + good_len + cosig_len;
	if ((rec = malloc(rn)) == NULL) {
		out_set(o, 500, CTYPE_TEXT, "out of memory\n");
		goto done;
	}
	memcpy(rec, nt->text, nt->text_len);
	rec[nt->text_len] = '\n';
	memcpy(rec + nt->text_len + 1, good, good_len);
	memcpy(rec + nt->text_len + 1 + good_len, cosig, cosig_len);
	struct pdl_wrec nr = {.size = ck->size, .time = now, .note = rec, .note_len = rn};
	memcpy(nr.root, ck->root, 32);
	memcpy(nr.origin, ck->origin, ck->origin_len + 1);
	rc = pdl_wstate_put(*t, &S->ws, &nr);
	if (rc == PDL_OK) {
		rc = pdl_wstate_commit(*t); /* invariant (2): durable before the answer */
		*t = NULL;
	}
	if (rc != PDL_OK) {
		fprintf(stderr, "pdl witness: cannot persist %s at size %" PRIu64 ": %s\n", ck->origin, ck->size,
		        pdl_errmsg(rc));
		out_set(o, 500, CTYPE_TEXT, "the checkpoint could not be persisted; nothing was cosigned\n");
		goto done;
	}
	if (S->verbose)
		fprintf(stderr, "pdl witness: cosigned %s at size %" PRIu64 " (from %" PRIu64 ")\n", ck->origin, ck->size,
		        old_size);
	out_set(o, 200, CTYPE_TEXT, "%s", cosig);
done:
	free(rec);
}

static void
add_checkpoint(struct wsrv *S, const char *body, size_t n, struct wout *o)
{
	struct pdl_addckpt *rq = NULL;
	struct pdl_tnote nt;
	struct pdl_tckpt ck;
	struct pdl_tverify vr;
	struct pdl_vkey keys[WITNESS_KEYS_PER_ORIGIN];
	struct pdl_wrec cur;
	uint8_t okey[32];
	char *good = NULL;
	size_t good_len = 0, nkeys;
	const char *why = NULL;
	MDB_txn *t = NULL;
	int rc;

	if ((rq = malloc(sizeof *rq)) == NULL || (good = malloc(PDL_TLOG_NOTE_BYTES_MAX + 1)) == NULL) {
		out_set(o, 500, CTYPE_TEXT, "out of memory\n");
		goto out;
	}
	if (pdl_addckpt_parse(body ? body : "", n, rq, &why) != PDL_OK) {
		out_set(o, 400, CTYPE_TEXT, "%s\n", why);
		goto out;
	}
	if ((rc = pdl_tnote_open(rq->note, rq->note_len, &nt)) != PDL_OK) {
		out_set(o, rc == PDL_ENOMEM ? 500 : 400, CTYPE_TEXT,
		        "the checkpoint is not a signed note (c2sp.org/signed-note): UTF-8 text, a blank line and "
		        "signature lines, at most %u bytes and %u signatures\n",
		        PDL_TLOG_NOTE_BYTES_MAX, PDL_TLOG_NOTE_SIGS_MAX);
		goto out;
	}
	if (pdl_tckpt_parse(nt.text, nt.text_len, &ck, &why) != PDL_OK) {
		out_set(o, 400, CTYPE_TEXT, "not a checkpoint (c2sp.org/tlog-checkpoint): %s\n", why);
		goto out;
	}
	if ((nkeys = origin_keys(S, &ck, keys)) == 0) {
		out_set(o, 404, CTYPE_TEXT, "this witness does not witness the log %s\n", ck.origin);
		goto out;
	}
	rc = pdl_tnote_verify(&nt, keys, nkeys, &vr, good, PDL_TLOG_NOTE_BYTES_MAX + 1, &good_len);
	if (rc != PDL_OK) {
		out_set(o, rc == PDL_ENOMEM ? 500 : 403, CTYPE_TEXT, "%s\n",
		        rc == PDL_ENOMEM ? "out of memory"
		        : vr.bad         ? "a signature by a key trusted for this origin does not verify"
		                         : "no signature by a key this witness trusts for this origin");
		goto out;
	}
	if (rq->old_size > ck.size) {
		out_set(o, 400, CTYPE_TEXT, "old size %" PRIu64 " is larger than the checkpoint's size %" PRIu64 "\n",
		        rq->old_size, ck.size);
		goto out;
	}
	/* invariant (1): from here to the commit, the origin's record is ours */
	pdl_tlog_sha256(okey, ck.origin, ck.origin_len);
	if (pdl_wstate_begin(&S->ws, &t) != PDL_OK) {
		out_set(o, 500, CTYPE_TEXT, "the witness state cannot be written\n");
		goto out;
	}
	rc = pdl_wstate_get(t, &S->ws, okey, &cur);
	if (rc == PDL_ENOTFOUND) {
		memset(&cur, 0, sizeof cur); /* never cosigned: size 0 */
	} else if (rc != PDL_OK) {
		out_set(o, 500, CTYPE_TEXT, "the witness's record of %s is unreadable\n", ck.origin);
		goto out;
	}
	if (consistent(rq, &ck, &cur, o) == 0)
		cosign_and_record(S, &t, rq->old_size, &nt, &ck, good, good_len, cur.time, o);
out:
	if (t != NULL)
		pdl_wstate_abort(t);
	free(good);
	free(rq);
}

/* GET /<hex SHA-256(origin)>/checkpoint */
static void
monitor_checkpoint(struct wsrv *S, const char *hex, struct wout *o)
{
	uint8_t key[32];
	struct pdl_wrec r;
	MDB_txn *t;
	if (pdl_unhex(hex, 64, key, 32) != PDL_OK) {
		out_set(o, 404, CTYPE_TEXT, "not found\n");
		return;
	}
	if (pdl_wstate_rbegin(&S->ws, &t) != PDL_OK) {
		out_set(o, 500, CTYPE_TEXT, "the witness state cannot be read\n");
		return;
	}
	int rc = pdl_wstate_get(t, &S->ws, key, &r);
	if (rc == PDL_OK) {
		free(o->body);
		o->status = 200;
		o->ctype = CTYPE_TEXT;
		o->body = malloc(r.note_len + 1);
		o->len = o->body ? r.note_len : 0;
		if (o->body == NULL)
			out_set(o, 500, CTYPE_TEXT, "out of memory\n");
		else
			memcpy(o->body, r.note, r.note_len);
	} else if (rc == PDL_ENOTFOUND) {
		out_set(o, 404, CTYPE_TEXT, "this witness has cosigned no checkpoint of that log\n");
	} else {
		out_set(o, 500, CTYPE_TEXT, "the witness's record is unreadable\n");
	}
	pdl_wstate_abort(t);
}

static void
route(struct wsrv *S, struct pdl_hreq *rq, struct wout *o)
{
	const char *target = rq->h.target;
	size_t tn = strcspn(target, "?");
	if (tn == strlen("/add-checkpoint") && memcmp(target, "/add-checkpoint", tn) == 0) {
		if (strcmp(rq->h.method, "POST") != 0) {
			out_set(o, 405, CTYPE_TEXT, "add-checkpoint takes POST\n");
			o->extra = "Allow: POST\r\n";
			return;
		}
		add_checkpoint(S, rq->body, rq->body_len, o);
		return;
	}
	if (tn == 1 + 64 + strlen("/checkpoint") && target[0] == '/' && memcmp(target + 65, "/checkpoint", 11) == 0) {
		if (strcmp(rq->h.method, "GET") != 0) {
			out_set(o, 405, CTYPE_TEXT, "the checkpoint route takes GET\n");
			o->extra = "Allow: GET\r\n";
			return;
		}
		monitor_checkpoint(S, target + 1, o);
		return;
	}
	out_set(o, 404, CTYPE_TEXT, "no such route (POST /add-checkpoint, GET /<origin hash>/checkpoint)\n");
}

static void
conn_done(struct wconn *c)
{
	struct wsrv *S = c->S;
	pthread_mutex_lock(&S->mu);
	S->conns[c->slot] = NULL;
	S->nconns--;
	pdl_hconn_fini(&c->hc);
	pthread_cond_broadcast(&S->cv);
	pthread_mutex_unlock(&S->mu);
	free(c);
}

static void *
conn_main(void *arg)
{
	struct wconn *c = arg;
	struct wsrv *S = c->S;
	for (unsigned served = 0;; served++) {
		struct pdl_hreq rq;
		struct wout o = {0};
		const char *why = NULL;
		if (atomic_load(&S->stopping))
			break;
		pthread_mutex_lock(&S->mu);
		c->waiting = 1;
		c->wait_ns = pdl_mono_ns();
		pthread_mutex_unlock(&S->mu);
		int rc = pdl_hconn_read_request(&c->hc, served ? WITNESS_IDLE_MS : WITNESS_FIRST_MS, S->timeout_ms,
		                                WITNESS_BODY_MAX, &rq, &why);
		pthread_mutex_lock(&S->mu);
		c->waiting = 0;
		pthread_mutex_unlock(&S->mu);
		if (rc < 0)
			break;
		if (rc > 0) {
			char msg[256];
			int mn = snprintf(msg, sizeof msg, "%s\n", why);
			pdl_hconn_respond(&c->hc, rc, CTYPE_TEXT, NULL, msg, (size_t)mn, 1, S->timeout_ms);
			break;
		}
		route(S, &rq, &o);
		int close = rq.h.close || atomic_load(&S->stopping);
		if (S->verbose)
			fprintf(stderr, "pdl witness: %s %s -> %d\n", rq.h.method, rq.h.target, o.status);
		rc = o.body ? pdl_hconn_respond(&c->hc, o.status, o.ctype, o.extra, o.body, o.len, close, S->timeout_ms)
		            : pdl_hconn_respond(&c->hc, 500, CTYPE_TEXT, NULL, "out of memory\n", 14, 1, S->timeout_ms);
		free(o.body);
		pdl_hreq_free(&rq);
		if (rc != PDL_OK || close || o.body == NULL)
			break;
	}
	conn_done(c);
	return NULL;
}

/* With every slot taken: closes the connection that has waited the
 * longest for a request (or sits in its head), and waits a moment for its
 * slot, so that connections that send nothing cannot keep a log out.
 * Under S->mu (which keeps the victim from being freed meanwhile). */
static void
evict_waiting(struct wsrv *S)
{
	struct wconn *old = NULL;
	for (unsigned i = 0; i < S->conns_max; i++) {
		struct wconn *c = S->conns[i];
		if (c != NULL && c->waiting && (old == NULL || c->wait_ns < old->wait_ns))
			old = c;
	}
	if (old == NULL)
		return;
	if (S->verbose)
		fprintf(stderr, "pdl witness: connection %u closed while waiting: a new one needs its slot\n", old->slot);
	pdl_hconn_close(&old->hc);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 200 * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (S->nconns == S->conns_max && pthread_cond_timedwait(&S->cv, &S->mu, &ts) == 0)
		;
}

/* Takes the stream: serves it on a thread of its own, or closes it when
 * the server is full (of connections busy with a request) or stopping. */
static void
conn_start(struct wsrv *S, nng_stream *s)
{
	struct wconn *c = calloc(1, sizeof *c);
	pthread_attr_t at;
	pthread_t th;
	if (c == NULL || pdl_hconn_init(&c->hc, s) != PDL_OK) {
		if (c == NULL) {
			nng_stream_close(s);
			nng_stream_free(s);
		}
		free(c);
		return;
	}
	c->S = S;
	pthread_mutex_lock(&S->mu);
	if (S->nconns == S->conns_max && !atomic_load(&S->stopping))
		evict_waiting(S);
	if (S->nconns == S->conns_max || atomic_load(&S->stopping)) {
		pthread_mutex_unlock(&S->mu);
		pdl_hconn_fini(&c->hc);
		free(c);
		return;
	}
	for (c->slot = 0; S->conns[c->slot] != NULL; c->slot++)
		;
	S->conns[c->slot] = c;
	S->nconns++;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &at, conn_main, c) != 0) {
		S->conns[c->slot] = NULL;
		S->nconns--;
		pdl_hconn_fini(&c->hc);
		free(c);
	}
	pthread_attr_destroy(&at);
	pthread_mutex_unlock(&S->mu);
}

static void *
accept_main(void *arg)
{
	struct wsrv *S = arg;
	nng_aio *aio;
	if (nng_aio_alloc(&aio, NULL, NULL) != 0)
		return NULL;
	while (!atomic_load(&S->stopping)) {
		nng_stream_listener_accept(S->l, aio);
		nng_aio_wait(aio);
		int rv = nng_aio_result(aio);
		if (rv == NNG_ECLOSED || atomic_load(&S->stopping))
			break;
		if (rv != 0) {
			if (rv != NNG_ECONNABORTED && rv != NNG_ECONNRESET)
				usleep(10000); /* out of descriptors or memory: do not spin */
			continue;
		}
		conn_start(S, nng_aio_get_output(aio, 0));
	}
	nng_aio_free(aio);
	return NULL;
}

/* The logs file: `log` lines with keys this witness can check. */
static int
load_logs(const char *path, struct pdl_tpolicy *p, struct pdl_status *st)
{
	uint8_t *b = NULL;
	size_t n = 0;
	int rc = pdl_file_read(path, PDL_TPOLICY_BYTES_MAX, &b, &n);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot read the logs file %s%s", path,
		                      rc == PDL_ETOOBIG ? " (over 1 MiB)" : "");
	rc = pdl_tpolicy_parse((const char *)b, n, PDL_TPOLICY_LOGS_ONLY, p, st);
	free(b);
	if (rc != PDL_OK) {
		char why[PDL_MSG_LEN_MAX];
		snprintf(why, sizeof why, "%s", st->msg);
		return pdl_status_set(st, rc, NULL, "%s: %s", path, why);
	}
	if (p->nlogs == 0)
		return pdl_status_set(st, PDL_EINVAL, NULL, "%s lists no log (\"log <vkey> [<url>]\" lines)", path);
	for (unsigned i = 0; i < p->nlogs; i++) {
		const struct pdl_vkey *k = &p->log[i].key;
		if (k->type != PDL_SIGTYPE_ED25519 && k->type != PDL_SIGTYPE_COSIG)
			return pdl_status_set(st, PDL_EINVAL, NULL,
			                      "%s line %u: the key of log %s has signature type 0x%02x (%s); this witness checks "
			                      "Ed25519 (0x01) and timestamped Ed25519 (0x04) checkpoint signatures only",
			                      path, p->log[i].line, k->name, k->type, pdl_sigtype_name(k->type));
		unsigned same = 0;
		for (unsigned j = 0; j < i; j++)
			same += p->log[j].key.name_len == k->name_len && memcmp(p->log[j].key.name, k->name, k->name_len) == 0;
		if (same >= WITNESS_KEYS_PER_ORIGIN)
			return pdl_status_set(st, PDL_EINVAL, NULL, "%s line %u: more than %u keys for the log %s", path,
			                      p->log[i].line, WITNESS_KEYS_PER_ORIGIN, k->name);
	}
	return PDL_OK;
}

/* "HOST:PORT", or a tcp:// or tls+tcp:// URL. */
static int
listen_url(const char *addr, int tls, char *out, size_t cap)
{
	int n;
	if (strncmp(addr, "tcp://", 6) == 0 || strncmp(addr, "tls+tcp://", 10) == 0)
		n = snprintf(out, cap, "%s", addr);
	else
		n = snprintf(out, cap, "%s://%s", tls ? "tls+tcp" : "tcp", addr);
	return n > 0 && (size_t)n < cap && (strncmp(out, "tls+", 4) == 0) == (tls != 0) ? 0 : -1;
}

static int
server_tls(const char *cert_file, const char *key_file, nng_tls_config **out, struct pdl_status *st)
{
	uint8_t *cert = NULL, *key = NULL;
	size_t cn = 0, kn = 0;
	int rv, rc = PDL_OK;
	*out = NULL;
	if ((rc = pdl_tls_file_read(cert_file, 0, &cert, &cn, st)) != PDL_OK ||
	    (rc = pdl_tls_file_read(key_file, 1, &key, &kn, st)) != PDL_OK) {
		free(cert);
		return rc;
	}
	if ((rv = nng_tls_config_alloc(out, NNG_TLS_MODE_SERVER)) != 0 ||
	    (rv = nng_tls_config_own_cert(*out, (const char *)cert, (const char *)key, NULL)) != 0) {
		rc = pdl_status_set(st, PDL_EKEY, NULL, "TLS certificate %s with key %s refused: %s", cert_file, key_file,
		                    nng_strerror(rv));
		if (*out != NULL)
			nng_tls_config_free(*out);
		*out = NULL;
	}
	pdl_wipe(key, kn);
	free(key);
	free(cert);
	return rc;
}

static int
witness_vkey_print(const char *name, const uint8_t pk[32], const char *key_file)
{
	struct pdl_vkey k;
	char vk[PDL_TLOG_VKEY_LEN_MAX];
	if (pdl_vkey_make(name, PDL_SIGTYPE_COSIG, pk, &k) != PDL_OK || pdl_vkey_format(&k, vk, sizeof vk) != PDL_OK)
		return usage_error("witness", "--name must be a key name: no spaces, '+' or control characters, 1-255 bytes");
	json_t *o = json_object();
	json_object_set_new(o, "vkey", json_string(vk));
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "key_file", json_string(key_file));
	out_json(o);
	return 0;
}

static int
witness_keygen(int argc, char **argv)
{
	static const struct option opts[] = {{"out", required_argument, NULL, 'o'}, {"name", required_argument, NULL, 'n'},
	                                     {"help", no_argument, NULL, 'h'}, {0}};
	const char *out = NULL, *name = NULL;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'o')
			out = optarg;
		else if (ch == 'n')
			name = optarg;
		else if (ch == 'h') {
			printf("usage: pdl witness keygen --name NAME --out FILE\n\n"
			       "Writes a new Ed25519 witness key to FILE (mode 0600 from its first byte; an existing FILE,\n"
			       "even a dangling symbolic link, is never replaced) and prints its verifier key:\n"
			       "  {\"vkey\":\"NAME+<key ID>+<base64(0x04 || public key)>\",\"name\":NAME,\"key_file\":FILE}\n"
			       "NAME is the witness's key name, e.g. witness.example.org/w1 (c2sp.org/tlog-cosignature:\n"
			       "a schema-less URL): it is in every cosignature line, and `pdl witness serve` takes the\n"
			       "same --name. Signature type 0x04: timestamped Ed25519 cosignatures (cosignature/v1).\n"
			       "Give the vkey to the logs that use this witness (a `witness NAME VKEY URL` policy line).\n");
			return 0;
		} else
			return usage_error("witness keygen", "unknown option (see --help)");
	}
	if (out == NULL || name == NULL || optind != argc)
		return usage_error("witness keygen", "--name NAME and --out FILE are required");
	struct pdl_vkey k;
	struct pdl_pubkey pk;
	if (pdl_vkey_make(name, PDL_SIGTYPE_COSIG, (const uint8_t[32]){0}, &k) != PDL_OK)
		return usage_error("witness keygen", "--name must be a key name: no spaces, '+' or control characters, 1-255 bytes");
	struct pdl_status st = {0};
	if (pdl_key_generate(out, &pdl_suite_ed25519_sha256, &pk, &st) != PDL_OK)
		return die_status("witness keygen", &st);
	return witness_vkey_print(name, pk.b, out);
}

static int
witness_vkey(int argc, char **argv)
{
	static const struct option opts[] = {{"key", required_argument, NULL, 'k'}, {"name", required_argument, NULL, 'n'},
	                                     {"help", no_argument, NULL, 'h'}, {0}};
	const char *key = NULL, *name = NULL;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'k')
			key = optarg;
		else if (ch == 'n')
			name = optarg;
		else if (ch == 'h') {
			printf("usage: pdl witness vkey --name NAME --key FILE\n\n"
			       "Prints the verifier key of an existing witness key FILE under NAME, as keygen does.\n");
			return 0;
		} else
			return usage_error("witness vkey", "unknown option (see --help)");
	}
	if (key == NULL || name == NULL || optind != argc)
		return usage_error("witness vkey", "--name NAME and --key FILE are required");
	struct pdl_seckey k;
	struct pdl_status st = {0};
	if (pdl_key_load_for(key, &pdl_suite_ed25519_sha256, &k, &st) != PDL_OK) {
		pdl_seckey_wipe(&k);
		return die_status("witness vkey", &st);
	}
	int code = witness_vkey_print(name, k.pk.b, key);
	pdl_seckey_wipe(&k);
	return code;
}

static void
serve_usage(FILE *f)
{
	fprintf(f,
	        "usage: pdl witness serve --data DIR --listen ADDR --key FILE --name NAME --logs FILE [options]\n"
	        "\n"
	        "A C2SP witness (c2sp.org/tlog-witness) for any log that signs C2SP checkpoints with Ed25519:\n"
	        "  POST /add-checkpoint                     cosigns a checkpoint consistent with the last one it\n"
	        "                                           cosigned for its log (old size, proof, checkpoint)\n"
	        "  GET  /<hex SHA-256(origin)>/checkpoint   the latest checkpoint it cosigned for a log\n"
	        "Answers 200 with one cosignature/v1 line (Ed25519, type 0x04) after the new state is on disk;\n"
	        "400, 403, 404, 409 (text/x.tlog.size body: the size it has) and 422 as the spec says.\n"
	        "\n"
	        "  --data DIR        the witness's state (DIR/witness.mdb: one record per log); DIR is made\n"
	        "                    (mode 0700) if missing\n"
	        "  --listen ADDR     HOST:PORT (or tcp://HOST:PORT) to serve on\n"
	        "  --key FILE        its secret key (`pdl witness keygen`), mode 0600\n"
	        "  --name NAME       its key name, as given to keygen (the vkey is printed at start)\n"
	        "  --logs FILE       the logs it witnesses, C2SP tlog-policy lines \"log <vkey> [<url>]\"; the\n"
	        "                    vkey's name is the log's origin. Key types: Ed25519 (0x01) and timestamped\n"
	        "                    Ed25519 (0x04); any other type (ML-DSA-44, ECDSA) is refused at start\n"
	        "  --https-cert FILE serve https with this PEM certificate (chain) ...\n"
	        "  --https-key FILE  ... and its PEM key (mode 0600)\n"
	        "  --max-connections N  connections served at once (default %u); when all are taken, the\n"
	        "                    one waiting the longest for a request gives its slot to a new one\n"
	        "  --timeout-ms N    a request must arrive whole within N ms, else 408 (default %u)\n"
	        "  -v, --verbose     log every request\n"
	        "  -h, --help        this text\n"
	        "\n"
	        "Limits: a request body is at most %u bytes (a checkpoint of up to %u bytes and %u signatures,\n"
	        "63 proof lines); a new connection has %u s to begin its first request, a kept-alive one\n"
	        "%u s for its next. SIGTERM or SIGINT stops it.\n",
	        WITNESS_CONNS_DEFAULT, WITNESS_TIMEOUT_MS_DEFAULT, WITNESS_BODY_MAX, PDL_TLOG_NOTE_BYTES_MAX,
	        PDL_TLOG_NOTE_SIGS_MAX, WITNESS_FIRST_MS / 1000, WITNESS_IDLE_MS / 1000);
}

static const struct option serve_opts[] = {
	{"data", required_argument, NULL, 'd'},    {"listen", required_argument, NULL, 'l'},
	{"key", required_argument, NULL, 'k'},     {"name", required_argument, NULL, 'n'},
	{"logs", required_argument, NULL, 'L'},    {"https-cert", required_argument, NULL, 'C'},
	{"https-key", required_argument, NULL, 'K'}, {"max-connections", required_argument, NULL, 'N'},
	{"timeout-ms", required_argument, NULL, 'T'}, {"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},          {0}};

/* What `pdl witness serve` is told. */
struct serve_args {
	const char *dir, *addr, *keyf, *name, *logsf, *cert, *tkey;
	uint64_t conns, tmo;
	int verbose;
	char url[600];
};

/* Reads the command line into a: -1 to go on, else the exit status. */
static int
serve_args_parse(int argc, char **argv, struct serve_args *a)
{
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "vh", serve_opts, NULL)) != -1) {
		switch (ch) {
		case 'd': a->dir = optarg; break;
		case 'l': a->addr = optarg; break;
		case 'k': a->keyf = optarg; break;
		case 'n': a->name = optarg; break;
		case 'L': a->logsf = optarg; break;
		case 'C': a->cert = optarg; break;
		case 'K': a->tkey = optarg; break;
		case 'N':
			if (pdl_u64_parse(optarg, &a->conns) != PDL_OK || a->conns < 1 || a->conns > WITNESS_CONNS_MAX)
				return usage_error("witness serve", "--max-connections is a number from 1 to 4096");
			break;
		case 'T':
			if (pdl_u64_parse(optarg, &a->tmo) != PDL_OK || a->tmo < 10 || a->tmo > 3600000)
				return usage_error("witness serve", "--timeout-ms is a number from 10 to 3600000");
			break;
		case 'v': a->verbose = 1; break;
		case 'h': serve_usage(stdout); return 0;
		default: serve_usage(stderr); return 2;
		}
	}
	if (a->dir == NULL || a->addr == NULL || a->keyf == NULL || a->name == NULL || a->logsf == NULL || optind != argc)
		return usage_error("witness serve", "--data, --listen, --key, --name and --logs are required (see --help)");
	if ((a->cert == NULL) != (a->tkey == NULL))
		return usage_error("witness serve", "--https-cert and --https-key go together");
	if (listen_url(a->addr, a->cert != NULL, a->url, sizeof a->url) != 0)
		return usage_error("witness serve", "--listen is HOST:PORT (tls+tcp:// only with --https-cert)");
	return -1;
}

/* Loads the logs and the key, opens the state and listens: 0, or the exit
 * status (a message printed). vk receives the witness's verifier key. */
static int
serve_open(struct wsrv *S, const struct serve_args *a, nng_tls_config **tls, char *vk, size_t vk_cap)
{
	struct pdl_status st = {0};
	struct pdl_vkey me;
	int rv;
	if ((S->logs = calloc(1, sizeof *S->logs)) == NULL || (S->conns = calloc(S->conns_max, sizeof *S->conns)) == NULL) {
		fprintf(stderr, "pdl witness serve: out of memory\n");
		return 1;
	}
	/* C2SP logs are SHA-256 trees (tlog-checkpoint): merkle.h hashes with it */
	pdl_suite_use(&pdl_suite_ed25519_sha256);
	if (load_logs(a->logsf, S->logs, &st) != PDL_OK) {
		fprintf(stderr, "pdl witness serve: %s\n", st.msg);
		return 2;
	}
	if (pdl_key_load_for(a->keyf, &pdl_suite_ed25519_sha256, &S->sk, &st) != PDL_OK) {
		fprintf(stderr, "pdl witness serve: %s\n", st.msg);
		return 1;
	}
	if (pdl_vkey_make(a->name, PDL_SIGTYPE_COSIG, S->sk.pk.b, &me) != PDL_OK || pdl_vkey_format(&me, vk, vk_cap) != PDL_OK)
		return usage_error("witness serve", "--name must be a key name: no spaces, '+' or control characters");
	if (mkdir(a->dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "pdl witness serve: cannot make %s: %s\n", a->dir, strerror(errno));
		return 1;
	}
	int src = pdl_wstate_open(&S->ws, a->dir);
	if (src != PDL_OK) {
		fprintf(stderr, "pdl witness serve: cannot open %s/%s: %s\n", a->dir, PDL_WSTATE_FILE,
		        src == PDL_EIO ? "no such directory" : pdl_errmsg(src));
		return 1;
	}
	if (a->cert != NULL && server_tls(a->cert, a->tkey, tls, &st) != PDL_OK) {
		fprintf(stderr, "pdl witness serve: %s\n", st.msg);
		return 1;
	}
	if ((rv = nng_stream_listener_alloc(&S->l, a->url)) != 0 ||
	    (*tls != NULL && (rv = nng_stream_listener_set_ptr(S->l, NNG_OPT_TLS_CONFIG, *tls)) != 0) ||
	    (rv = nng_stream_listener_listen(S->l)) != 0) {
		fprintf(stderr, "pdl witness serve: cannot listen on %s: %s\n", a->url, nng_strerror(rv));
		return 1;
	}
	return 0;
}

/* Stops serving: no new connection, the open ones closed (their requests
 * in flight fail or finish), every thread waited for. */
static void
serve_stop(struct wsrv *S, pthread_t acc)
{
	atomic_store(&S->stopping, 1);
	nng_stream_listener_close(S->l);
	pthread_join(acc, NULL);
	pthread_mutex_lock(&S->mu);
	for (unsigned i = 0; i < S->conns_max; i++)
		if (S->conns[i] != NULL)
			pdl_hconn_close(&S->conns[i]->hc);
	while (S->nconns > 0)
		pthread_cond_wait(&S->cv, &S->mu);
	pthread_mutex_unlock(&S->mu);
}

static int
witness_serve(int argc, char **argv)
{
	static struct wsrv S; /* static: a signal may end main while threads still read it */
	struct serve_args a = {.conns = WITNESS_CONNS_DEFAULT, .tmo = WITNESS_TIMEOUT_MS_DEFAULT};
	nng_tls_config *tls = NULL;
	pthread_t acc;
	char vk[PDL_TLOG_VKEY_LEN_MAX];
	int code = serve_args_parse(argc, argv, &a);
	if (code >= 0)
		return code;
	S.verbose = a.verbose;
	S.timeout_ms = (unsigned)a.tmo;
	S.conns_max = (unsigned)a.conns;
	snprintf(S.name, sizeof S.name, "%s", a.name);
	pthread_mutex_init(&S.mu, NULL);
	pthread_cond_init(&S.cv, NULL);
	if ((code = serve_open(&S, &a, &tls, vk, sizeof vk)) != 0)
		goto out;
	code = 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pthread_create(&acc, NULL, accept_main, &S) != 0) {
		fprintf(stderr, "pdl witness serve: cannot start a thread\n");
		goto out;
	}
	fprintf(stderr, "pdl witness: serving %s as %s for %u log(s), state in %s\n", a.url, vk, S.logs->nlogs, a.dir);
	while (!got_signal)
		usleep(50 * 1000);
	serve_stop(&S, acc);
	fprintf(stderr, "pdl witness: signal %d, stopped\n", (int)got_signal);
	code = 0;
out:
	if (S.l != NULL)
		nng_stream_listener_free(S.l);
	if (tls != NULL)
		nng_tls_config_free(tls);
	pdl_wstate_close(&S.ws);
	pdl_seckey_wipe(&S.sk);
	free(S.conns);
	free(S.logs);
	nng_fini();
	return code;
}

int
cmd_witness(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return witness_serve(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
		return witness_keygen(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "vkey") == 0)
		return witness_vkey(argc - 1, argv + 1);
	FILE *f = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) ? stdout : stderr;
	fprintf(f, "usage: pdl witness keygen --name NAME --out FILE\n"
	           "       pdl witness vkey --name NAME --key FILE\n"
	           "       pdl witness serve --data DIR --listen ADDR --key FILE --name NAME --logs FILE\n\n"
	           "A C2SP transparency-log witness (c2sp.org/tlog-witness) for any log: it cosigns\n"
	           "checkpoints consistent with what it cosigned before. pdl witness COMMAND --help for each.\n");
	return f == stdout ? 0 : 2;
}
