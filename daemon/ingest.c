/* ingest.c — pdld's REQ/REP side: connections and their limits (pdld.h,
 * "Limits"), receiving and decoding requests, sending replies, and cutting
 * submit requests into verify tasks. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdld.h"

void
pdld_pack_error(msgpack_packer *pk, int err, const char *rule, const char *msg)
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

/* A connection idle this long may give its slot to a new one: not one
 * still in its first moments (pdld's own listener probe, listen.c, holds
 * its connection up to a second; closing it in its handshake makes NNG
 * 1.5.2 lose the pipe, which LeakSanitizer reports). */
#define EVICT_IDLE_MIN_NS (2000ull * 1000000ull)

/* With the table full, the slot of the connection idle the longest (no
 * request in flight; the oldest request, reply or connect; idle at least
 * EVICT_IDLE_MIN_NS), now the new pipe id's; its old id into *victim, for the caller to close once it has
 * let go of mu. As pdld's HTTP listener does: a client that holds a
 * connection and sends nothing (a subscriber never does) cannot keep a
 * newcomer out; an evicted client redials, and a follower catches up by
 * seq. NULL when every connection has a request in flight. Under mu. */
static struct pipe_slot *
evict_idlest(struct pipe_tab *pt, uint32_t id, uint64_t now, uint32_t *victim)
{
	struct pipe_slot *old = NULL;
	for (unsigned i = 0; i < pt->cap; i++) {
		struct pipe_slot *sl = &pt->slots[i];
		if (sl->id != 0 && sl->inflight == 0 && now - sl->active_ns >= EVICT_IDLE_MIN_NS &&
		    (old == NULL || sl->active_ns < old->active_ns))
			old = sl;
	}
	if (old == NULL)
		return NULL;
	*victim = old->id;
	if (pt == &D.rept)
		D.reply_bytes -= old->transport_bytes;
	memset(old, 0, sizeof *old);
	old->id = id;
	old->active_ns = now;
	return old;
}

/* NNG's pipe notify (ADD_PRE, REM_POST) for both sockets. REM_POST comes
 * for every pipe that had ADD_PRE, refused ones too; those were never in
 * the table, nor is an evicted one any more. */
static void
pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct pipe_tab *pt = arg;
	uint32_t id = (uint32_t)nng_pipe_id(p);
	char peer[64];
	if (ev == NNG_PIPE_EV_ADD_PRE) {
		atomic_fetch_add(&pt->adds, 1);
		pthread_mutex_lock(&pt->mu);
		uint64_t now = pdl_mono_ns();
		uint32_t victim = 0;
		struct pipe_slot *sl = pt->n < D.conns_max ? pipe_find(pt, 0) : NULL;
		if (sl != NULL) {
			memset(sl, 0, sizeof *sl);
			sl->id = id;
			sl->active_ns = now;
			pt->n++;
		} else {
			sl = evict_idlest(pt, id, now, &victim);
		}
		unsigned n = pt->n;
		pthread_mutex_unlock(&pt->mu);
		if (victim != 0) {
			nng_pipe vp = NNG_PIPE_INITIALIZER;
			vp.id = victim;
			atomic_fetch_add(&D.n_conn_evicted, 1);
			if (D.verbose)
				pdl_log(PDL_LOG_DEBUG, "connection_evicted",
				        PDL_LOG_FIELDS(PDL_LF_STR("listener", pt->name), PDL_LF_U64("connection", victim)),
				        "%s: connection %u closed while idle: a new one needs its slot (--max-connections %u)",
				        pt->name, victim, D.conns_max);
			nng_pipe_close(vp);
		}
		if (sl == NULL) {
			atomic_fetch_add(&D.n_conn_refused, 1);
			if (D.verbose) {
				pipe_peer(p, peer, sizeof peer);
				pdl_log(PDL_LOG_DEBUG, "connection_refused",
				        PDL_LOG_FIELDS(PDL_LF_STR("listener", pt->name), PDL_LF_STR("peer", peer),
				                       PDL_LF_U64("open", n)),
				        "%s: connection from %s refused: %u open (--max-connections %u)", pt->name,
				        peer, n, D.conns_max);
			}
			nng_pipe_close(p);
		} else if (D.verbose) {
			pipe_peer(p, peer, sizeof peer);
			pdl_log(PDL_LOG_DEBUG, "connection_opened",
			        PDL_LOG_FIELDS(PDL_LF_STR("listener", pt->name), PDL_LF_U64("connection", id), PDL_LF_STR("peer", peer),
			                       PDL_LF_U64("open", n)), "%s: connection %u from %s opened (%u open)", pt->name, id, peer, n);
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
		pdl_log(PDL_LOG_DEBUG, "connection_closed",
		        PDL_LOG_FIELDS(PDL_LF_STR("listener", pt->name), PDL_LF_U64("connection", id),
		                       PDL_LF_U64("open", n)),
		        "%s: connection %u closed (%u open)", pt->name, id, n);
}

int
pdld_pipe_tab_init(struct pipe_tab *pt, nng_socket s, const char *name, int trusted)
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

void
pdld_conn_recv(struct conn *c)
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
		sl->active_ns = pdl_mono_ns();
		c->pipe = id;
		c->trusted = D.rept.trusted;
	}
	pthread_mutex_unlock(&D.rept.mu);
	if (!ok && sl != NULL) {
		atomic_fetch_add(&D.n_req_dropped, 1);
		if (D.verbose)
			pdl_log(PDL_LOG_DEBUG, "request_dropped", PDL_LOG_FIELDS(PDL_LF_U64("connection", id)),
			        "request on connection %u dropped: %u in flight (--max-inflight)", id, D.inflight_max);
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
	if (sl != NULL)
		sl->active_ns = pdl_mono_ns();
	c->reply_n = 0;
	c->pipe = 0;
	pthread_mutex_unlock(&D.rept.mu);
}

/* Closes the connections that hold a large reply in their transport, with
 * nothing asked since, for longer than the send timeout: a client that
 * does not read its reply holds the budget no longer than one that does
 * not take it at all. A client that did read it and sits idle only has to
 * reconnect (NNG's REQ does that by itself). Runs on the main thread. */
void
pdld_pipes_sweep(void)
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
			pdl_log(PDL_LOG_DEBUG, "connection_timed_out", PDL_LOG_FIELDS(PDL_LF_U64("connection", ids[i])),
			        "connection %u closed: its last reply was not taken within %llu ms", ids[i],
			        (unsigned long long)D.send_timeout_ms);
		nng_pipe_close(p);
	}
}

/* pdld's anonymous resident bytes: resident less file-backed pages (LMDB's
 * map is the file's). 0 if /proc cannot say. */
static uint64_t
anon_bytes(void)
{
	unsigned long long size, resident, shared;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL)
		return 0;
	int n = fscanf(f, "%llu %llu %llu", &size, &resident, &shared);
	fclose(f);
	if (n != 3 || shared > resident)
		return 0;
	return (uint64_t)(resident - shared) * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Past --memory-max, closes every REQ/REP connection idle EVICT_IDLE_MIN_NS
 * with no request in flight (pdld.h, "Limits"): NNG may hold a request
 * sent in part on any of them, and pdld cannot see which. A connection
 * with a request in flight is never closed here. Runs on the main thread,
 * each second. */
void
pdld_memory_check(void)
{
	static uint64_t quiet_until_ns; /* one line a minute while nothing is idle */
	uint64_t anon = anon_bytes();
	if (anon <= D.memory_max)
		return;
	uint32_t ids[256];
	unsigned n = 0, open;
	uint64_t now = pdl_mono_ns();
	pthread_mutex_lock(&D.rept.mu);
	open = D.rept.n;
	for (unsigned i = 0; i < D.rept.cap && n < sizeof ids / sizeof ids[0]; i++) {
		struct pipe_slot *sl = &D.rept.slots[i];
		if (sl->id != 0 && sl->inflight == 0 && now - sl->active_ns >= EVICT_IDLE_MIN_NS)
			ids[n++] = sl->id;
	}
	pthread_mutex_unlock(&D.rept.mu);
	for (unsigned i = 0; i < n; i++) {
		nng_pipe p = NNG_PIPE_INITIALIZER;
		p.id = ids[i];
		nng_pipe_close(p);
	}
	atomic_fetch_add(&D.n_conn_memory, n);
	if (n == 0 && now < quiet_until_ns)
		return;
	quiet_until_ns = now + 60ull * 1000000000ull;
	pdl_log(PDL_LOG_WARNING, "memory_over",
	        PDL_LOG_FIELDS(PDL_LF_U64("anon_bytes", anon), PDL_LF_U64("memory_max", D.memory_max),
	                       PDL_LF_U64("closed", n), PDL_LF_U64("open", open)),
	        "memory: %llu MiB anonymous, over --memory-max %llu MiB: closed %u of %u connections idle 2 s or "
	        "more (a request sent in part holds memory until its connection closes; their clients redial)",
	        (unsigned long long)(anon >> 20), (unsigned long long)(D.memory_max >> 20), n, open);
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
	pdld_pack_error(&pk, PDL_EBUSY, NULL, msg);
}

/* Sends a reply on c's context with the send timeout. A read reply
 * (refusable) over REPLY_SMALL_BYTES that would pass the reply budget is
 * replaced by PDL_EBUSY; receipts never are (their acts are in the log). */
void
pdld_conn_send(struct conn *c, const void *b, size_t n, int refusable)
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
			pdl_log(PDL_LOG_DEBUG, "reply_refused",
			        PDL_LOG_FIELDS(PDL_LF_U64("connection", c->pipe), PDL_LF_U64("bytes", n),
			                       PDL_LF_U64("bytes_in_use", used)),
			        "reply of %zu bytes on connection %u refused: %zu of %zu bytes in use", n, c->pipe,
			        used, D.reply_bytes_max);
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
		pdld_conn_recv(c);
		return;
	}
	memcpy(nng_msg_body(m), b, n);
	msgpack_sbuffer_destroy(&busy);
	nng_aio_set_msg(c->aio, m);
	nng_aio_set_timeout(c->aio, (nng_duration)D.send_timeout_ms);
	c->state = C_SEND;
	nng_ctx_send(c->ctx, c->aio);
}

void
pdld_reply_error(struct conn *c, int err, const char *msg)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	pdld_pack_error(&pk, err, NULL, msg);
	pdld_conn_send(c, sb.data, sb.size, 0);
	msgpack_sbuffer_destroy(&sb);
}

void
pdld_job_free(struct job *j)
{
	if (j == NULL)
		return;
	if (j->req)
		nng_msg_free(j->req);
	free(j->items);
	free(j);
}

int
pdld_job_make(nng_msg *m, struct mp_cur req, struct job **out, struct pdl_status *st)
{
	struct mp_cur acts;
	uint32_t n;
	*out = NULL;
	if (mp_map_find(req, "acts", &acts) != PDL_OK || mp_read_array(&acts, &n) != PDL_OK)
		return pdl_status_set(st, PDL_EPROTO, NULL, "submit needs acts: an array");
	if (n == 0 || n > PDL_REQ_ACTS_MAX)
		return pdl_status_set(st, PDL_ETOOBIG, NULL, "a request carries 1 to %u acts", PDL_REQ_ACTS_MAX);
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL || (j->items = calloc(n, sizeof *j->items)) == NULL) {
		free(j);
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	}
	j->n = n;
	for (uint32_t i = 0; i < n; i++) {
		struct item *it = &j->items[i];
		struct mp_cur a, s;
		const uint8_t *p;
		size_t pn;
		struct mp_cur el = acts;
		if (mp_skip(&acts) != PDL_OK) {
			pdld_job_free(j);
			return pdl_status_set(st, PDL_EPROTO, NULL, "malformed acts array");
		}
		it->run.rc = PDL_OK;
		if (mp_peek(&el) != MP_MAP || mp_map_find(el, "act", &a) != PDL_OK || mp_read_bin(&a, &it->b, &it->len) != PDL_OK) {
			it->run.rc = pdl_status_set(&it->run.st, PDL_EPROTO, NULL, "each submitted act is {act: bin, sig: bin}");
			continue;
		}
		if (mp_map_find(el, "sig", &s) != PDL_OK || mp_read_bin(&s, &p, &pn) != PDL_OK || pn != PDL_SIG_BYTES) {
			it->run.rc = pdl_status_set(&it->run.st, PDL_EBADSIG, NULL, "sig must be %u bytes", (unsigned)PDL_SIG_BYTES);
			continue;
		}
		it->sig = p;
	}
	j->req = m;
	*out = j;
	return PDL_OK;
}

void
pdld_job_start(struct job *j)
{
	uint32_t chunks = (j->n + CHUNK_ACTS - 1) / CHUNK_ACTS;
	atomic_store(&j->pending, chunks);
	atomic_fetch_add(&D.inflight, 1);
	for (uint32_t k = 0; k < chunks; k++) {
		struct task *t = malloc(sizeof *t);
		if (t == NULL)
			abort(); /* a few bytes; nothing sensible to do without them */
		t->job = j;
		t->lo = k * CHUNK_ACTS;
		t->hi = t->lo + CHUNK_ACTS < j->n ? t->lo + CHUNK_ACTS : j->n;
		pdld_queue_push(&D.verifyq, t);
	}
}

void
pdld_job_reply(struct job *j, const void *b, size_t n)
{
	if (j->hconn != NULL)
		pdld_http_reply(j, b, n);
	else
		pdld_conn_send(j->conn, b, n, 0);
}

void
pdld_job_error(struct job *j, int err, const char *msg)
{
	if (j->hconn == NULL) {
		pdld_reply_error(j->conn, err, msg);
		return;
	}
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	pdld_pack_error(&pk, err, NULL, msg);
	pdld_http_reply(j, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

static int
start_submit(struct conn *c, nng_msg *m, struct mp_cur req, struct pdl_status *st)
{
	struct job *j;
	int rc = pdld_job_make(m, req, &j, st);
	if (rc != PDL_OK)
		return rc;
	j->conn = c;
	c->state = C_WAIT;
	pdld_job_start(j);
	return PDL_OK;
}

/* A reply was sent (or not): count a timeout, free the context. */
static void
conn_sent(struct conn *c, int rv)
{
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
			pdl_log(PDL_LOG_DEBUG, "reply_timeout", PDL_LOG_FIELDS(PDL_LF_U64("connection", c->pipe)),
			        "reply on connection %u dropped: not read within %llu ms (--send-timeout-ms)", c->pipe,
			        (unsigned long long)D.send_timeout_ms);
	}
	conn_done(c, rv == 0);
	pdld_conn_recv(c);
}

/* A submit request: to the verifiers, unless pdld stops or is full. */
static void
conn_submit(struct conn *c, nng_msg *m, struct mp_cur req)
{
	struct pdl_status st = {0};
	if (atomic_load(&D.stopping)) {
		nng_msg_free(m);
		pdld_reply_error(c, PDL_ECLOSED, "pdld is shutting down");
		return;
	}
	if (atomic_load(&D.inflight) >= SUBMITS_INFLIGHT_MAX) {
		nng_msg_free(m);
		atomic_fetch_add(&D.n_submit_busy, 1);
		pdld_reply_error(c, PDL_EBUSY, "pdld has its maximum of submit requests in flight; retry shortly");
		return;
	}
	if (start_submit(c, m, req, &st) != PDL_OK) {
		nng_msg_free(m);
		pdld_reply_error(c, st.err, st.msg);
	}
}

/* Any other request, answered at once on this thread (NNG's). */
static void
conn_answer(struct conn *c, nng_msg *m, struct mp_cur req, const char *op, size_t opn)
{
	struct pdl_status st = {0};
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	int rc = mp_str_eq(op, opn, "clock")  ? pdld_clock(req, &pk, &st)
	         : mp_str_eq(op, opn, "blob") ? pdld_blob(req, &pk, &st, c->trusted)
	                                      : pdld_read(op, opn, req, &pk, &st, c->trusted);
	nng_msg_free(m);
	if (rc != PDL_OK) {
		msgpack_sbuffer_clear(&sb);
		pdld_pack_error(&pk, st.err ? st.err : rc, st.rule, st.msg);
	}
	pdld_conn_send(c, sb.data, sb.size, 1);
	msgpack_sbuffer_destroy(&sb);
}

void
pdld_conn_cb(void *arg)
{
	struct conn *c = arg;
	int rv = nng_aio_result(c->aio);
	if (c->state == C_SEND) {
		conn_sent(c, rv);
		return;
	}
	if (c->state != C_RECV)
		return;
	if (rv != 0) {
		if (rv == NNG_ECLOSED)
			return;
		pdld_conn_recv(c);
		return;
	}
	nng_msg *m = nng_aio_get_msg(c->aio);
	if (!conn_admit(c, m)) {
		nng_msg_free(m);
		pdld_conn_recv(c);
		return;
	}
	struct mp_cur req = mp_cur_make(nng_msg_body(m), nng_msg_len(m)), opc;
	const char *op;
	size_t opn;
	if (mp_peek(&req) != MP_MAP || mp_map_find(req, "op", &opc) != PDL_OK || mp_read_str(&opc, &op, &opn) != PDL_OK) {
		nng_msg_free(m);
		pdld_reply_error(c, PDL_EPROTO, "a request is a msgpack map with op");
		return;
	}
	if (D.read_only && (mp_str_eq(op, opn, "submit") || mp_str_eq(op, opn, "clock") || mp_str_eq(op, opn, "blob"))) {
		nng_msg_free(m);
		pdld_reply_error(c, PDL_EPROTO,
		                 "this pdld serves a read-only copy (--read-only: a mirror or a backup); send writes to the "
		                 "ledger's own pdld");
		return;
	}
	if (mp_str_eq(op, opn, "submit"))
		conn_submit(c, m, req);
	else
		conn_answer(c, m, req, op, opn);
}
