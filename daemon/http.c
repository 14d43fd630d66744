/* http.c — pdld's HTTP listener (--http ADDR), for platforms that do not
 * link NNG: POST /v1/acts takes signed acts as JSON or msgpack (envelope.h)
 * and answers with the socket's receipts and errors in JSON; GET /v1/head,
 * /v1/checkpoint and /v1/entries/SEQ read. spec/formats.md §17 is the
 * reference (routes, bodies, statuses, limits). It is plain HTTP/1.1, meant
 * to sit behind a TLS proxy on the same host (contrib/nginx/pdld-http.conf).
 *
 * A body becomes the submit request the socket takes and goes down the one
 * path every act takes (pdld_job_make, the verifiers, the writer's batch
 * and its one fsync); its reply comes back through pdld_http_reply only
 * after the batch is durable (pdld.h, invariant 1).
 *
 * One thread and poll(2) over non-blocking sockets. Each connection is a
 * slot of a fixed table and a small state machine:
 *
 *   HEAD ──head read──▶ BODY ──body read──▶ WAIT ──receipts──▶ SEND ──▶ HEAD (kept alive)
 *    │                                                           └──▶ LINGER ──▶ closed
 *    └── a read, or a refusal, is answered at once ──▶ SEND
 *
 * Limits (a slow or hostile client costs only itself; README, "Security"):
 *  - --max-connections slots; when they are all taken, a new connection
 *    takes the slot of the connection idle the longest (no request begun,
 *    nothing owed to it), and only when none is idle is it answered 503
 *    and closed as it arrives;
 *  - a new connection sends its first byte within HTTP_FIRST_BYTE_MS
 *    (or --http-timeout-ms if shorter), or it is closed;
 *  - a request's head (at most PDL_HTTP_HEAD_BYTES_MAX) and body arrive
 *    whole within --http-timeout-ms of its first byte, whatever the pace
 *    (a slowloris client gets 408 and is closed), and a kept-alive
 *    connection idle that long is closed;
 *  - a body is judged by its head: a Content-Length over the limit of its
 *    media type is refused (413) before a byte of the body is read;
 *  - a body is held only as its bytes arrive, and all bodies being read
 *    together within HTTP_BODIES_BYTES_MAX (over it: 503, retry);
 *  - a reply not taken within --send-timeout-ms closes its connection;
 *  - submits share SUBMITS_INFLIGHT_MAX with the socket (over it: 503).
 *
 * Invariants:
 *  (1) only this thread touches the slots; the writer hands replies over
 *      through H.done under H.mu, naming the slot and its generation;
 *  (2) a slot in WAIT has one job in the daemon naming it, and is neither
 *      closed nor reused until that job's reply has arrived;
 *  (3) H.body_bytes is the sum of body_cap over the slots;
 *  (4) a response is written only after the request it answers has been
 *      read whole, or with Connection: close and a lingering close (the
 *      unread rest is drained, bounded, so the client sees the answer);
 *  (5) a slot whose body is queued for the converter, or being made into
 *      its request there, is in WAIT: the loop touches neither it nor its
 *      body until the converter's refusal or the job's reply comes back
 *      (take_done), and the converter touches only that slot's body and
 *      envelopes (c->slots), never a slot the loop has taken back.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "envelope.h"
#include "httpreq.h"
#include "log.h"
#include "mpjson.h"
#include "pdld.h"

#define HTTP_BODIES_BYTES_MAX (64u << 20) /* bodies being read: ten full JSON bodies at once */
#define HTTP_BODY_CHUNK (64u << 10)       /* a body buffer grows by doubling from this as bytes arrive */
#define HTTP_FLUSH_MS 2000u               /* at stop: time to hand the last replies over */
#define HTTP_LINGER_MS 2000u              /* after a refusal: time to drain what the client still sends */
#define HTTP_LINGER_BYTES_MAX (1u << 20)  /* and at most this much of it */
#define HTTP_BACKLOG SOMAXCONN            /* connections the kernel holds before accept: a burst waits, no SYN retry */
#define HTTP_FIRST_BYTE_MS 5000u          /* a new connection's first byte: a client that connects means to ask at once;
                                             one that does not holds a slot and a descriptor for nothing */
#define HTTP_STEPS_MAX 32u                /* state steps per connection per turn: pipelined requests wait their turn */
#define HTTP_POLL_MS 1000                 /* longest poll: the loop looks at the stop flag this often */
#define HTTP_CONVERT_INLINE_MAX (64u << 10) /* a body up to this is made into its request on the loop (~2 ms) */

enum hstate { H_FREE, H_HEAD, H_BODY, H_WAIT, H_SEND, H_LINGER };
enum hbody { B_JSON, B_MP };

struct hconn {
	int fd;
	enum hstate state;
	uint32_t gen;         /* changes at every accept into this slot */
	uint64_t deadline_ns; /* 0: none (WAIT) */
	uint64_t idle_ns;     /* when it last became idle (HEAD, nothing begun): the oldest is evicted first */
	int started;          /* a byte of this request has arrived */
	int close_after;      /* close once the response is out */
	size_t in_n, scanned; /* head bytes held; how far the blank line was looked for */
	struct pdl_httpreq req;
	enum hbody kind;
	uint8_t *body;
	size_t body_n, body_cap;
	struct pdl_status *slots; /* the JSON envelopes answered here (envelope.h) */
	uint32_t nslots;
	char *out;
	size_t out_n, out_off;
	size_t lingered;
	char peer[64];
	char in[PDL_HTTP_HEAD_BYTES_MAX];
};

/* A reply for a slot in WAIT: pdld's reply to its job (status 0; b the
 * reply), or the converter's refusal of its body (status and err; b the
 * message, NUL-terminated). */
struct done {
	struct done *next;
	unsigned slot;
	uint32_t gen;
	int status, err;
	size_t n;
	uint8_t b[];
};

/* A body waiting for the converter (a slot in WAIT, invariant 5). */
struct conv {
	struct conv *next;
	unsigned slot;
	uint32_t gen;
};

struct pdld_http {
	int lfd, wake_r, wake_w;
	struct hconn *c;
	struct pollfd *pfd;
	unsigned *pslot;
	unsigned cap, live;
	size_t body_bytes;
	uint64_t timeout_ms;
	uint64_t accept_pause_ns; /* out of descriptors: accept again after this */
	int again;                /* a connection has work left without waiting for its socket */
	pthread_mutex_t mu;
	struct done *done;
	/* the converter's queue, oldest first, under mu */
	struct conv *conv_head, **conv_tail;
	int conv_stop;
	pthread_cond_t conv_cv;
	pthread_t conv_thr;
	atomic_int stop;
	pthread_t thr;
	char addr[300];
};

static struct pdld_http H;

static uint64_t
deadline_in(uint64_t ms)
{
	return pdl_mono_ns() + ms * 1000000ull;
}

static const char *
reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Internal Server Error";
	}
}

static void
wake(void)
{
	char b = 1;
	ssize_t k = write(H.wake_w, &b, 1); /* full pipe: a wake-up is pending anyway */
	(void)k;
}

static void
body_free(struct hconn *c)
{
	H.body_bytes -= c->body_cap;
	free(c->body);
	c->body = NULL;
	c->body_n = c->body_cap = 0;
}

static void
conn_close(struct hconn *c)
{
	assert(c->state != H_WAIT); /* invariant 2 */
	if (D.verbose)
		pdl_log(PDL_LOG_DEBUG, "http_connection_closed",
		        PDL_LOG_FIELDS(PDL_LF_U64("connection", c - H.c), PDL_LF_STR("peer", c->peer),
		                       PDL_LF_U64("open", H.live - 1)),
		        "http: connection %u from %s closed (%u open)", (unsigned)(c - H.c), c->peer, H.live - 1);
	close(c->fd);
	body_free(c);
	free(c->slots);
	free(c->out);
	c->slots = NULL;
	c->out = NULL;
	c->fd = -1;
	c->state = H_FREE;
	H.live--;
}

/* A request's route for the metrics: one of the listener's few routes, or
 * "unmatched" (an entry's seq is not a label of its own: the series stay few). */
static const char *
route_of(const char *target)
{
	static const char *const routes[] = {"/v1/acts", "/v1/head", "/v1/checkpoint"};
	size_t n = strcspn(target, "?");
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (n == strlen(routes[i]) && memcmp(target, routes[i], n) == 0)
			return routes[i];
	if (n > 12 && strncmp(target, "/v1/entries/", 12) == 0)
		return "/v1/entries/";
	return "unmatched";
}

/* Queues the response: status, body (copied), extra header lines (each
 * ending in CRLF). Connection: close when c->close_after. Counts it for
 * --metrics. */
static void
respond(struct hconn *c, int status, const char *ctype, const char *body, size_t blen, const char *extra)
{
	char head[600];
	pdld_metrics_http(route_of(c->req.target), status);
	int hn = snprintf(head, sizeof head,
	                  "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n%s%s\r\n",
	                  status, reason(status), ctype, blen, extra ? extra : "", c->close_after ? "Connection: close\r\n" : "");
	assert(hn > 0 && (size_t)hn < sizeof head);
	free(c->out);
	c->out = malloc((size_t)hn + blen);
	if (c->out == NULL) {
		c->state = H_SEND; /* nothing to send: close as a failed send would */
		c->out_n = c->out_off = 0;
		c->close_after = 1;
		c->deadline_ns = pdl_mono_ns();
		return;
	}
	memcpy(c->out, head, (size_t)hn);
	if (strcmp(c->req.method, "HEAD") == 0)
		blen = 0; /* the head a GET would have, Content-Length included, and no body */
	if (blen)
		memcpy(c->out + hn, body, blen);
	c->out_n = (size_t)hn + blen;
	c->out_off = 0;
	c->state = H_SEND;
	c->deadline_ns = deadline_in(D.send_timeout_ms);
	if (D.verbose)
		pdl_log(PDL_LOG_DEBUG, "http_request",
		        PDL_LOG_FIELDS(PDL_LF_STR("method", c->req.method[0] ? c->req.method : NULL),
		                       PDL_LF_STR("target", c->req.target[0] ? c->req.target : NULL),
		                       PDL_LF_STR("peer", c->peer), PDL_LF_U64("status", status)),
		        "http: %s %.200s from %s: %d", c->req.method[0] ? c->req.method : "-",
		        c->req.target[0] ? c->req.target : "-", c->peer, status);
}

static void
respond_json(struct hconn *c, int status, json_t *doc, const char *extra)
{
	char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (s == NULL) {
		static const char oom[] = "{\"error\":\"PDL_ENOMEM\",\"message\":\"out of memory\"}";
		c->close_after = 1;
		respond(c, 503, "application/json", oom, sizeof oom - 1, NULL);
		return;
	}
	respond(c, status, "application/json", s, strlen(s), extra);
	free(s);
}

/* A JSON error {error, message}; 503 adds Retry-After, 405 the Allow of
 * extra. */
static void __attribute__((format(printf, 5, 6)))
respond_error(struct hconn *c, int status, int err, const char *extra, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++) /* messages quote request bytes: keep them printable ASCII for JSON */
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	json_t *doc = json_pack("{s:s,s:s}", "error", pdl_strerror(err), "message", msg);
	respond_json(c, status, doc, status == 503 ? "Retry-After: 1\r\n" : extra);
}

/* ---- reads ---- */

static int
read_status(int rc)
{
	switch (rc) {
	case PDL_ENOTFOUND: return 404;
	case PDL_EPRIVATE:
	case PDL_ESUSPENDED: return 403; /* a suspended party's token: known, and refused */
	case PDL_EBADSIG:
	case PDL_ECLOCK:
	case PDL_EACTOR:
	case PDL_EPROTO: return 401; /* the reader token: nothing else of a read is the client's */
	case PDL_EBUSY: return 503;
	default: return 500;
	}
}

static json_t *
hex_json(const uint8_t *b, size_t n)
{
	char hex[2 * PDL_HASH_BYTES + 1];
	assert(n <= PDL_HASH_BYTES);
	pdl_hex(b, n, hex);
	return json_string(hex);
}

/* A read reply (msgpack) as the JSON of its route. */
static void
read_answer(struct hconn *c, const char *op, const uint8_t *rep, size_t n)
{
	struct mp_cur r = mp_cur_make(rep, n), v;
	const uint8_t *b;
	const char *s;
	size_t bn;
	uint64_t x;
	if (strcmp(op, "checkpoint") == 0) {
		if (mp_map_find(r, "note", &v) == PDL_OK && mp_read_str(&v, &s, &bn) == PDL_OK) {
			respond(c, 200, "text/plain; charset=utf-8", s, bn, NULL);
			return;
		}
	} else if (strcmp(op, "get") == 0) {
		if (mp_map_find(r, "entry", &v) == PDL_OK && mp_read_bin(&v, &b, &bn) == PDL_OK) {
			json_t *doc = pdl_entry_to_json(b, bn);
			if (doc != NULL) {
				respond_json(c, 200, doc, NULL);
				return;
			}
		}
	} else {
		json_t *doc = json_object();
		if (mp_map_find(r, "size", &v) == PDL_OK && mp_read_uint(&v, &x) == PDL_OK)
			json_object_set_new(doc, "size", json_integer((json_int_t)x));
		if (mp_map_find(r, "time_ms", &v) == PDL_OK && mp_read_uint(&v, &x) == PDL_OK)
			json_object_set_new(doc, "time_ms", json_integer((json_int_t)x));
		if (mp_map_find(r, "chain", &v) == PDL_OK && mp_read_bin(&v, &b, &bn) == PDL_OK && bn == PDL_HASH_BYTES)
			json_object_set_new(doc, "chain", hex_json(b, bn));
		if (mp_map_find(r, "ledger_id", &v) == PDL_OK && mp_read_bin(&v, &b, &bn) == PDL_OK && bn == PDL_HASH_BYTES)
			json_object_set_new(doc, "ledger_id", hex_json(b, bn));
		if (mp_map_find(r, "blob_max", &v) == PDL_OK && mp_read_uint(&v, &x) == PDL_OK)
			json_object_set_new(doc, "blob_max", json_integer((json_int_t)x));
		/* the crypto suite, when the ledger names one (signers check it) */
		if (mp_map_find(r, "suite", &v) == PDL_OK && mp_read_str(&v, &s, &bn) == PDL_OK)
			json_object_set_new(doc, "suite", json_stringn(s, bn));
		pdl_json_add_cst(doc);
		respond_json(c, 200, doc, NULL);
		return;
	}
	respond_error(c, 500, PDL_ESTORE, NULL, "the ledger's reply to %s is malformed", op);
}

/* A decimal seq of 1 to 19 digits without leading zeros; 0 or -1. */
static int
parse_seq(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	uint64_t x = 0;
	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*out = x;
	return 0;
}

static void
do_read(struct hconn *c, const char *path)
{
	const char *op = NULL;
	uint64_t seq = 0;
	if (strcmp(path, "/v1/head") == 0)
		op = "head";
	else if (strcmp(path, "/v1/checkpoint") == 0)
		op = "checkpoint";
	else if (strncmp(path, "/v1/entries/", 12) == 0) {
		op = "get";
		if (parse_seq(path + 12, &seq) != 0) {
			respond_error(c, 404, PDL_ENOTFOUND, NULL, "no such resource: %.100s (an entry is /v1/entries/SEQ)", path);
			return;
		}
	}
	assert(op != NULL);
	if (strchr(c->req.target, '?') != NULL) {
		respond_error(c, 400, PDL_EPROTO, NULL, "%s takes no query parameters", path);
		return;
	}
	if (c->req.has_auth && c->req.auth_too_long) {
		respond_error(c, 401, PDL_EPROTO, NULL, "the Authorization header is longer than a reader token (%u bytes)",
		              PDL_HTTP_AUTH_LEN_MAX);
		return;
	}
	msgpack_sbuffer rq, rp;
	msgpack_packer qpk, ppk;
	struct pdl_status st = {0};
	msgpack_sbuffer_init(&rq);
	msgpack_sbuffer_init(&rp);
	msgpack_packer_init(&qpk, &rq, msgpack_sbuffer_write);
	msgpack_packer_init(&ppk, &rp, msgpack_sbuffer_write);
	msgpack_pack_map(&qpk, 1 + (strcmp(op, "get") == 0) + c->req.has_auth);
	mp_pack_cstr(&qpk, "op");
	mp_pack_cstr(&qpk, op);
	if (strcmp(op, "get") == 0) {
		mp_pack_cstr(&qpk, "seq");
		msgpack_pack_uint64(&qpk, seq);
	}
	if (c->req.has_auth) {
		mp_pack_cstr(&qpk, "auth");
		mp_pack_cstr(&qpk, c->req.auth);
	}
	int rc = pdld_read_http(op, mp_cur_make(rq.data, rq.size), &ppk, &st, c->req.method, c->req.target);
	if (rc == PDL_OK) {
		read_answer(c, op, (const uint8_t *)rp.data, rp.size);
	} else {
		char extra[160] = "", hex[2 * PDL_HASH_BYTES + 1];
		int status = read_status(rc);
		if (status == 401 || (status == 403 && !c->req.has_auth)) {
			pdl_hex(D.ledger_id, sizeof D.ledger_id, hex);
			snprintf(extra, sizeof extra, "WWW-Authenticate: PDL-Sig realm=\"pdl\", ledger=\"%s\"\r\n", hex);
		}
		respond_error(c, status, rc, extra, "%s", st.msg[0] ? st.msg : pdl_errmsg(rc));
	}
	msgpack_sbuffer_destroy(&rq);
	msgpack_sbuffer_destroy(&rp);
}

/* ---- submits ---- */

/* The status of a whole-request error of a submit. */
static int
submit_status(int err)
{
	switch (err) {
	case PDL_EBUSY:
	case PDL_ECLOSED:
	case PDL_ENOMEM: return 503;
	case PDL_ETOOBIG: return 413;
	case PDL_EPROTO:
	case PDL_EDECODE: return 400;
	default: return 500; /* the batch was not written (PDL_ESTORE, PDL_EMAPFULL) */
	}
}

/* 0 when a submit may start now, else answered 503. */
static int
submit_admit(struct hconn *c)
{
	if (atomic_load(&D.stopping)) {
		c->close_after = 1;
		respond_error(c, 503, PDL_ECLOSED, NULL, "pdld is shutting down");
		return -1;
	}
	if (atomic_load(&D.inflight) >= SUBMITS_INFLIGHT_MAX) {
		atomic_fetch_add(&D.n_submit_busy, 1);
		respond_error(c, 503, PDL_EBUSY, NULL, "pdld has its maximum of %u submit requests in flight; retry shortly",
		              SUBMITS_INFLIGHT_MAX);
		return -1;
	}
	return 0;
}

/* The body made into the socket's submit request and its job (c->slots,
 * c->nslots set for a JSON body). Reads the slot's body, answers nothing:
 * runs on the loop (a small body) or on the converter (conv_main). */
static int
body_job(struct hconn *c, struct job **jp, struct pdl_status *st)
{
	msgpack_sbuffer sb;
	uint32_t count = 0;
	nng_msg *m = NULL;
	msgpack_sbuffer_init(&sb);
	int rc = c->kind == B_JSON
	                 ? pdl_envelopes_json((const char *)c->body, c->body_n, D.ledger_id, &sb, &c->slots, &count, st)
	                 : pdl_envelopes_mp(c->body, c->body_n, &sb, &count, st);
	if (rc == PDL_OK && nng_msg_alloc(&m, sb.size) != 0)
		rc = pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	if (rc == PDL_OK) {
		memcpy(nng_msg_body(m), sb.data, sb.size);
		rc = pdld_job_make(m, mp_cur_make(nng_msg_body(m), sb.size), jp, st);
	}
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK) {
		if (m != NULL)
			nng_msg_free(m);
		free(c->slots);
		c->slots = NULL;
		return rc;
	}
	(*jp)->hconn = c;
	(*jp)->hconn_gen = c->gen;
	c->nslots = count;
	return PDL_OK;
}

/* ---- the converter: large bodies made into requests off the loop ---- */

static void
done_put(struct done *d)
{
	pthread_mutex_lock(&H.mu);
	d->next = H.done;
	H.done = d;
	pthread_mutex_unlock(&H.mu);
	wake();
}

/* Queues c's body for the converter (c in WAIT). -1 on no memory. */
static int
conv_put(struct hconn *c)
{
	struct conv *q = malloc(sizeof *q);
	if (q == NULL)
		return -1;
	q->next = NULL;
	q->slot = (unsigned)(c - H.c);
	q->gen = c->gen;
	pthread_mutex_lock(&H.mu);
	*H.conv_tail = q;
	H.conv_tail = &q->next;
	pthread_cond_signal(&H.conv_cv);
	pthread_mutex_unlock(&H.mu);
	return 0;
}

/* Makes each queued body into its request and starts its job; a body that
 * is refused goes back to the loop as a done with its status (take_done).
 * The slot's body stays the slot's: the loop frees it with the reply. */
static void *
conv_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&H.mu);
	for (;;) {
		while (H.conv_head == NULL && !H.conv_stop)
			pthread_cond_wait(&H.conv_cv, &H.mu);
		if (H.conv_stop)
			break; /* what is left is closed by the loop (close_all) */
		struct conv *q = H.conv_head;
		if ((H.conv_head = q->next) == NULL)
			H.conv_tail = &H.conv_head;
		pthread_mutex_unlock(&H.mu);
		struct hconn *c = &H.c[q->slot];
		assert(c->state == H_WAIT && c->gen == q->gen); /* invariant 5 */
		struct job *j = NULL;
		struct pdl_status st = {0};
		int rc = body_job(c, &j, &st);
		if (rc == PDL_OK && atomic_load(&D.stopping)) {
			pdld_job_free(j);
			rc = pdl_status_set(&st, PDL_ECLOSED, NULL, "pdld is shutting down");
		}
		if (rc == PDL_OK) {
			pdld_job_start(j);
		} else {
			const char *msg = st.msg[0] ? st.msg : pdl_errmsg(rc);
			size_t n = strlen(msg);
			struct done *d = malloc(sizeof *d + n + 1);
			if (d == NULL)
				abort(); /* a slot would wait for good */
			*d = (struct done){.slot = q->slot, .gen = q->gen, .status = (int)submit_status(rc), .err = rc, .n = n};
			memcpy(d->b, msg, n + 1);
			done_put(d);
		}
		free(q);
		pthread_mutex_lock(&H.mu);
	}
	pthread_mutex_unlock(&H.mu);
	return NULL;
}

/* Stops the converter once the body it works on is done (the loop's end). */
static void
conv_stop(void)
{
	pthread_mutex_lock(&H.mu);
	H.conv_stop = 1;
	pthread_cond_signal(&H.conv_cv);
	pthread_mutex_unlock(&H.mu);
	pthread_join(H.conv_thr, NULL);
	for (struct conv *q = H.conv_head, *next; q != NULL; q = next) {
		next = q->next;
		H.c[q->slot].state = H_SEND; /* never made into a job: closed by close_all */
		free(q);
	}
	H.conv_head = NULL;
	H.conv_tail = &H.conv_head;
}

/* The whole body is in. A small one is made into its request here; a
 * larger one (parsing costs about 30 ns a byte: 0.2 s for a full JSON
 * body) by the converter thread, so that the loop goes on serving the
 * other connections meanwhile; either way the request goes to the
 * verifiers and the slot waits for its reply (or the converter's refusal,
 * take_done). */
static void
on_body(struct hconn *c)
{
	if (submit_admit(c) != 0) {
		body_free(c);
		return; /* answered */
	}
	c->state = H_WAIT;
	c->deadline_ns = 0;
	if (c->body_n > HTTP_CONVERT_INLINE_MAX && conv_put(c) == 0)
		return;
	struct job *j = NULL;
	struct pdl_status st = {0};
	int rc = body_job(c, &j, &st);
	body_free(c);
	if (rc != PDL_OK) {
		respond_error(c, submit_status(rc), rc, NULL, "%s", st.msg[0] ? st.msg : pdl_errmsg(rc));
		return;
	}
	pdld_job_start(j);
}

/* POST /v1/acts: judge the body by the head before reading a byte of it. */
static void
start_post(struct hconn *c)
{
	const struct pdl_httpreq *r = &c->req;
	size_t max;
	c->close_after = 1; /* until the body is known to be read */
	if (r->chunked || !r->has_length) {
		respond_error(c, 411, PDL_EPROTO, NULL,
		              "send the body with a Content-Length (a chunked body is not read; a proxy buffers it)");
		return;
	}
	if (!r->has_media) {
		respond_error(c, 415, PDL_EPROTO, NULL, "say Content-Type: application/json or application/msgpack");
		return;
	}
	if (strcmp(r->media_type, "application/json") == 0) {
		c->kind = B_JSON;
		max = PDL_HTTP_JSON_BYTES_MAX;
	} else if (strcmp(r->media_type, "application/msgpack") == 0 || strcmp(r->media_type, "application/x-msgpack") == 0 ||
	           strcmp(r->media_type, "application/vnd.msgpack") == 0) {
		c->kind = B_MP;
		max = PDL_HTTP_MP_BYTES_MAX;
	} else {
		respond_error(c, 415, PDL_EPROTO, NULL,
		              "Content-Type %.100s is not served: send application/json or application/msgpack", r->media_type);
		return;
	}
	if (r->length == 0) {
		c->close_after = !r->keep_alive;
		respond_error(c, 400, PDL_EPROTO, NULL, "an empty body: send one envelope or an array of them");
		return;
	}
	if (r->length > max) {
		respond_error(c, 413, PDL_ETOOBIG, NULL,
		              "a %s body is at most %zu bytes, this one says %llu: send fewer acts in each request",
		              c->kind == B_JSON ? "JSON" : "msgpack", max, (unsigned long long)r->length);
		return;
	}
	if (submit_admit(c) != 0)
		return;
	if (r->expect_continue && c->in_n == 0) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		if (send(c->fd, cont, sizeof cont - 1, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)(sizeof cont - 1)) {
			conn_close(c); /* 25 bytes that do not fit an empty socket: the peer is gone */
			return;
		}
	}
	c->close_after = !r->keep_alive;
	c->state = H_BODY;
	c->body_n = 0;
}

/* ---- the state machine ---- */

static void
on_head(struct hconn *c, size_t hl)
{
	char why[200], path[PDL_HTTP_TARGET_LEN_MAX + 1];
	int status = pdl_httpreq_parse(c->in, hl, &c->req, why, sizeof why);
	memmove(c->in, c->in + hl, c->in_n - hl); /* what follows: a body, or the next request */
	c->in_n -= hl;
	c->scanned = 0;
	if (status != 0) {
		c->close_after = 1;
		respond_error(c, status, status == 414 ? PDL_ETOOBIG : PDL_EPROTO, NULL, "%s", why);
		return;
	}
	/* a body this route does not read is drained by the lingering close */
	c->close_after = !c->req.keep_alive || c->req.chunked || (c->req.has_length && c->req.length > 0);
	pdl_httpreq_path(&c->req, path, sizeof path); /* fits: target and path have one bound */
	int is_read = strcmp(path, "/v1/head") == 0 || strcmp(path, "/v1/checkpoint") == 0 ||
	              strncmp(path, "/v1/entries/", 12) == 0;
	if (strcmp(path, "/v1/acts") == 0) {
		if (strcmp(c->req.method, "POST") == 0)
			start_post(c);
		else
			respond_error(c, 405, PDL_EPROTO, "Allow: POST\r\n", "%s /v1/acts: acts are sent with POST",
			              c->req.method);
	} else if (is_read) {
		if (strcmp(c->req.method, "GET") == 0 || strcmp(c->req.method, "HEAD") == 0)
			do_read(c, path);
		else
			respond_error(c, 405, PDL_EPROTO, "Allow: GET, HEAD\r\n", "%s %.100s: it is read with GET or HEAD",
			              c->req.method, path);
	} else {
		respond_error(c, 404, PDL_ENOTFOUND, NULL,
		              "no such resource: %.100s (POST /v1/acts; GET /v1/head, /v1/checkpoint, /v1/entries/SEQ)", path);
	}
}

/* Why the head bytes b[0..n) can never become a strict HTTP/1.1 head
 * (spec/formats.md §17.3), so that they get their 400 now rather than a
 * 408 at the deadline: not a request (a TLS ClientHello, binary), a bare
 * LF, a request line without a version (HTTP/0.9). NULL: not yet known.
 * new_from: where the bytes not looked at before start. */
static const char *
head_hopeless(const char *b, size_t n, size_t new_from)
{
	size_t i = 0;
	while (i + 1 < n && b[i] == '\r' && b[i + 1] == '\n')
		i += 2; /* RFC 9112 §2.2: empty lines before the request line */
	if (i < n && b[i] != '\r' && (b[i] < 'A' || b[i] > 'Z'))
		return "this is not an HTTP/1.1 request (is it TLS? the listener is plain HTTP behind a TLS proxy)";
	for (size_t k = new_from > 0 ? new_from : 1; k < n; k++)
		if (b[k] == '\n' && b[k - 1] != '\r')
			return "a bare LF: lines end with CRLF";
	if (n > 0 && b[0] == '\n')
		return "a bare LF: lines end with CRLF";
	const char *eol = memchr(b + i, '\n', n - i);
	if (eol != NULL) {
		const char *sp1 = memchr(b + i, ' ', (size_t)(eol - (b + i)));
		if (sp1 == NULL || memchr(sp1 + 1, ' ', (size_t)(eol - (sp1 + 1))) == NULL)
			return "the request line is not METHOD TARGET HTTP/1.1";
	}
	return NULL;
}

/* Each step returns 1 when it made progress, 0 when it waits for its socket. */
static int
step_head(struct hconn *c)
{
	size_t from = c->scanned > 3 ? c->scanned - 3 : 0;
	size_t hl = c->in_n ? pdl_httpreq_head_len(c->in + from, c->in_n - from) : 0;
	c->scanned = c->in_n;
	if (hl != 0) {
		on_head(c, from + hl);
		return 1;
	}
	if (c->in_n == sizeof c->in) {
		c->close_after = 1;
		respond_error(c, 431, PDL_ETOOBIG, NULL, "the request line and headers are over %u bytes",
		              PDL_HTTP_HEAD_BYTES_MAX);
		return 1;
	}
	ssize_t k = recv(c->fd, c->in + c->in_n, sizeof c->in - c->in_n, MSG_DONTWAIT);
	if (k < 0 && errno == EINTR)
		return 1;
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (k <= 0) {
		conn_close(c); /* the client is gone, or closed between requests */
		return 0;
	}
	if (!c->started) {
		c->started = 1; /* the whole request has --http-timeout-ms from here */
		c->deadline_ns = deadline_in(H.timeout_ms);
	}
	size_t new_from = c->in_n;
	c->in_n += (size_t)k;
	size_t end = pdl_httpreq_head_len(c->in, c->in_n); /* a body that came with it is not looked at */
	const char *why = head_hopeless(c->in, end ? end : c->in_n, new_from);
	if (why != NULL) {
		c->close_after = 1;
		respond_error(c, 400, PDL_EPROTO, NULL, "%s", why);
	}
	return 1;
}

static int
step_body(struct hconn *c)
{
	size_t want = (size_t)c->req.length;
	if (c->body_n == want) {
		on_body(c);
		return 1;
	}
	if (c->body_n == c->body_cap) {
		size_t ncap = c->body_cap ? c->body_cap * 2 : HTTP_BODY_CHUNK;
		if (ncap > want)
			ncap = want;
		uint8_t *nb = H.body_bytes - c->body_cap + ncap <= HTTP_BODIES_BYTES_MAX ? realloc(c->body, ncap) : NULL;
		if (nb == NULL) {
			atomic_fetch_add(&D.n_http_body_busy, 1);
			body_free(c);
			c->close_after = 1;
			respond_error(c, 503, PDL_EBUSY, NULL,
			              "the bodies being received hold pdld's %u MiB for them; retry shortly",
			              HTTP_BODIES_BYTES_MAX >> 20);
			return 1;
		}
		H.body_bytes += ncap - c->body_cap;
		c->body = nb;
		c->body_cap = ncap;
	}
	size_t room = c->body_cap - c->body_n;
	if (c->in_n > 0) { /* body bytes that arrived with the head */
		size_t k = c->in_n < room ? c->in_n : room;
		memcpy(c->body + c->body_n, c->in, k);
		memmove(c->in, c->in + k, c->in_n - k);
		c->in_n -= k;
		c->body_n += k;
		return 1;
	}
	ssize_t k = recv(c->fd, c->body + c->body_n, room, MSG_DONTWAIT);
	if (k < 0 && errno == EINTR)
		return 1;
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (k <= 0) {
		conn_close(c);
		return 0;
	}
	c->body_n += (size_t)k;
	return 1;
}

static void
request_reset(struct hconn *c)
{
	c->state = H_HEAD;
	c->started = c->in_n > 0;
	c->deadline_ns = deadline_in(H.timeout_ms); /* idle keep-alive, or the pipelined request's */
	c->idle_ns = pdl_mono_ns();
	c->scanned = 0;
	c->close_after = 0;
	memset(&c->req, 0, sizeof c->req);
}

static int
step_send(struct hconn *c)
{
	while (c->out_off < c->out_n) {
		ssize_t k = send(c->fd, c->out + c->out_off, c->out_n - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (k <= 0) {
			conn_close(c);
			return 0;
		}
		c->out_off += (size_t)k;
	}
	free(c->out);
	c->out = NULL;
	c->out_n = c->out_off = 0;
	if (c->close_after) {
		/* lingering close (invariant 4): our side is done; drain theirs */
		shutdown(c->fd, SHUT_WR);
		c->state = H_LINGER;
		c->lingered = 0;
		c->deadline_ns = deadline_in(HTTP_LINGER_MS);
		return 1;
	}
	request_reset(c);
	return 1;
}

static int
step_linger(struct hconn *c)
{
	char sink[4096];
	ssize_t k = recv(c->fd, sink, sizeof sink, MSG_DONTWAIT);
	if (k < 0 && errno == EINTR)
		return 1;
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (k <= 0 || (c->lingered += (size_t)k) > HTTP_LINGER_BYTES_MAX) {
		conn_close(c);
		return 0;
	}
	return 1;
}

/* Runs c's state machine while it makes progress, at most HTTP_STEPS_MAX
 * steps (so one connection's pipelined requests cannot hold the others). */
static void
conn_run(struct hconn *c)
{
	for (unsigned i = 0; i < HTTP_STEPS_MAX; i++) {
		int more;
		switch (c->state) {
		case H_HEAD: more = step_head(c); break;
		case H_BODY: more = step_body(c); break;
		case H_SEND: more = step_send(c); break;
		case H_LINGER: more = step_linger(c); break;
		default: return; /* WAIT: the writer has the next move; FREE: closed */
		}
		if (!more)
			return;
	}
	H.again = 1;
}

static void
on_deadline(struct hconn *c)
{
	switch (c->state) {
	case H_HEAD:
		if (!c->started) { /* idle: nothing asked, nothing owed */
			conn_close(c);
			return;
		}
		/* fall through */
	case H_BODY:
		atomic_fetch_add(&D.n_http_timeout, 1);
		body_free(c);
		c->close_after = 1;
		respond_error(c, 408, PDL_EPROTO, NULL, "the request did not arrive whole within %llu ms (--http-timeout-ms)",
		              (unsigned long long)H.timeout_ms);
		conn_run(c);
		return;
	case H_SEND:
		if (c->out_n > 0)
			atomic_fetch_add(&D.n_http_timeout, 1);
		conn_close(c);
		return;
	case H_LINGER:
		conn_close(c);
		return;
	default:
		return;
	}
}

static void
peer_name(int fd, char *buf, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
			port = ntohs(a->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
			port = ntohs(a->sin6_port);
		}
	}
	snprintf(buf, cap, "%s:%u", host, port);
}

/* Over --max-connections with no idle connection to evict: a 503 as it
 * arrives, then closed. What the
 * client sent already is read first, so the close is a FIN, not a reset
 * that could destroy the answer. */
static void
refuse_conn(int fd)
{
	static const char busy[] =
	        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 103\r\n"
	        "Retry-After: 1\r\nConnection: close\r\n\r\n"
	        "{\"error\":\"PDL_EBUSY\",\"message\":\"pdld has its maximum of HTTP connections open (--max-connections)\"}";
	char sink[4096];
	atomic_fetch_add(&D.n_http_refused, 1);
	if (D.verbose) {
		char peer[64];
		peer_name(fd, peer, sizeof peer);
		pdl_log(PDL_LOG_DEBUG, "http_connection_refused",
		        PDL_LOG_FIELDS(PDL_LF_STR("peer", peer), PDL_LF_U64("open", H.live)),
		        "http: connection from %s refused: %u open (--max-connections %u)", peer, H.live, D.conns_max);
	}
	for (int i = 0; i < 16 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++)
		; /* what it sent already, within reason: a flood is not drained here */
	ssize_t k = send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)k;
	shutdown(fd, SHUT_WR);
	close(fd);
}

/* The slot of the connection idle the longest: in HEAD with no byte of a
 * request held and nothing to send, so closing it loses nobody anything
 * (a client reconnects, as it must after any keep-alive close). NULL when
 * every connection is busy with a request. */
static struct hconn *
evict_idle(void)
{
	struct hconn *old = NULL;
	for (unsigned s = 0; s < H.cap; s++) {
		struct hconn *c = &H.c[s];
		if (c->state == H_HEAD && !c->started && c->in_n == 0 && c->out_n == 0 &&
		    (old == NULL || c->idle_ns < old->idle_ns))
			old = c;
	}
	if (old == NULL)
		return NULL;
	atomic_fetch_add(&D.n_http_evicted, 1);
	if (D.verbose)
		pdl_log(PDL_LOG_DEBUG, "http_connection_evicted",
		        PDL_LOG_FIELDS(PDL_LF_U64("connection", old - H.c), PDL_LF_STR("peer", old->peer)),
		        "http: connection %u from %s closed while idle: a new one needs its slot (--max-connections %u)",
		        (unsigned)(old - H.c), old->peer, D.conns_max);
	conn_close(old);
	return old;
}

/* Accepts until the kernel's queue is empty (a burst never waits for a
 * SYN retry); each new connection costs one slot or one refusal. */
static void
accept_some(void)
{
	for (;;) {
		int fd = accept4(H.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				pdl_log(PDL_LOG_WARNING, "http_accept_paused", PDL_LOG_FIELDS(PDL_LF_STR("error", strerror(errno))),
				        "http: cannot accept: %s; pausing accepts for 100 ms", strerror(errno));
				H.accept_pause_ns = deadline_in(100);
			}
			return;
		}
		struct hconn *c = NULL;
		if (H.live < D.conns_max)
			for (unsigned s = 0; s < H.cap && c == NULL; s++)
				if (H.c[s].state == H_FREE)
					c = &H.c[s];
		if (c == NULL)
			c = evict_idle();
		if (c == NULL) {
			refuse_conn(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		uint32_t gen = c->gen + 1;
		memset(c, 0, offsetof(struct hconn, in));
		c->fd = fd;
		c->gen = gen;
		c->state = H_HEAD;
		c->deadline_ns = deadline_in(H.timeout_ms < HTTP_FIRST_BYTE_MS ? H.timeout_ms : HTTP_FIRST_BYTE_MS);
		c->idle_ns = pdl_mono_ns();
		H.live++;
		peer_name(fd, c->peer, sizeof c->peer);
		if (D.verbose)
			pdl_log(PDL_LOG_DEBUG, "http_connection_opened",
			        PDL_LOG_FIELDS(PDL_LF_U64("connection", c - H.c), PDL_LF_STR("peer", c->peer),
			                       PDL_LF_U64("open", H.live)),
			        "http: connection %u from %s opened (%u open)", (unsigned)(c - H.c), c->peer, H.live);
	}
}

/* The writer's replies, to their connections. */
static void
take_done(void)
{
	char sink[256];
	while (read(H.wake_r, sink, sizeof sink) > 0)
		;
	pthread_mutex_lock(&H.mu);
	struct done *d = H.done;
	H.done = NULL;
	pthread_mutex_unlock(&H.mu);
	while (d != NULL) {
		struct done *next = d->next;
		struct hconn *c = &H.c[d->slot];
		assert(c->state == H_WAIT && c->gen == d->gen); /* invariant 2 */
		body_free(c); /* a body the converter made into the request (invariant 5) */
		if (d->status != 0) { /* the converter refused the body */
			free(c->slots);
			c->slots = NULL;
			c->nslots = 0;
			respond_error(c, d->status, d->err, NULL, "%s", (const char *)d->b);
			conn_run(c);
			free(d);
			d = next;
			continue;
		}
		json_t *doc = pdl_reply_json(d->b, d->n, c->slots, c->nslots);
		free(c->slots);
		c->slots = NULL;
		c->nslots = 0;
		const char *e = json_string_value(json_object_get(doc, "error"));
		int status = doc == NULL ? 500 : e == NULL ? 200 : 0;
		if (status == 0) {
			int err = PDL_ESTORE;
			for (int k = PDL_OK; k >= PDL_EBUSY; k--)
				if (strcmp(pdl_strerror(k), e) == 0)
					err = k;
			status = submit_status(err);
		}
		if (doc == NULL)
			respond_error(c, 500, PDL_EPROTO, NULL, "pdld's reply could not be rendered as JSON");
		else
			respond_json(c, status, doc, status == 503 ? "Retry-After: 1\r\n" : NULL);
		conn_run(c);
		free(d);
		d = next;
	}
}

/* Pipelined requests left over from the step limit, and deadlines. */
static void
run_leftovers(void)
{
	uint64_t now = pdl_mono_ns();
	for (unsigned s = 0; s < H.cap; s++) {
		struct hconn *c = &H.c[s];
		if ((c->state == H_HEAD && c->in_n > c->scanned) || (c->state == H_BODY && c->in_n > 0))
			conn_run(c);
		if (c->state != H_FREE && c->state != H_WAIT && c->deadline_ns && now >= c->deadline_ns)
			on_deadline(c);
	}
}

/* At the stop: every connection closed (their replies are out). */
static void
close_all(void)
{
	for (unsigned s = 0; s < H.cap; s++)
		if (H.c[s].state != H_FREE) {
			if (H.c[s].state == H_WAIT) /* cannot happen: the writer has answered every job */
				H.c[s].state = H_SEND;
			conn_close(&H.c[s]);
		}
}

static void *
http_main(void *arg)
{
	(void)arg;
	uint64_t stop_by = 0;
	for (;;) {
		uint64_t now = pdl_mono_ns();
		if (atomic_load(&H.stop) && stop_by == 0) {
			stop_by = now + HTTP_FLUSH_MS * 1000000ull;
			close(H.lfd);
			H.lfd = -1;
		}
		unsigned np = 0, busy = 0;
		uint64_t next = now + (uint64_t)HTTP_POLL_MS * 1000000ull;
		H.pfd[np] = (struct pollfd){H.wake_r, POLLIN, 0};
		H.pslot[np++] = UINT32_MAX;
		if (H.lfd >= 0 && now >= H.accept_pause_ns) {
			H.pfd[np] = (struct pollfd){H.lfd, POLLIN, 0};
			H.pslot[np++] = UINT32_MAX - 1;
		}
		for (unsigned s = 0; s < H.cap; s++) {
			struct hconn *c = &H.c[s];
			if (c->state == H_FREE)
				continue;
			if (stop_by && (c->state == H_HEAD || c->state == H_BODY || c->state == H_LINGER)) {
				conn_close(c); /* stopping: nothing more is taken */
				continue;
			}
			busy += c->state == H_WAIT || c->state == H_SEND;
			if (c->deadline_ns && c->deadline_ns < next)
				next = c->deadline_ns;
			if (c->state == H_WAIT)
				continue;
			H.pfd[np] = (struct pollfd){c->fd, c->state == H_SEND ? POLLOUT : POLLIN, 0};
			H.pslot[np++] = s;
		}
		if (stop_by && (busy == 0 || now >= stop_by))
			break;
		if (stop_by && stop_by < next)
			next = stop_by;
		int ms = H.again ? 0 : next > now ? (int)((next - now + 999999) / 1000000) : 0;
		H.again = 0;
		int n = poll(H.pfd, np, ms);
		if (n < 0 && errno != EINTR) {
			pdl_log(PDL_LOG_ERROR, "http_poll_failed", PDL_LOG_FIELDS(PDL_LF_STR("error", strerror(errno))),
			        "http: poll: %s", strerror(errno));
			break;
		}
		for (unsigned i = 0; n > 0 && i < np; i++) {
			if (H.pfd[i].revents == 0)
				continue;
			if (H.pslot[i] == UINT32_MAX)
				take_done();
			else if (H.pslot[i] == UINT32_MAX - 1)
				accept_some();
			else if (H.c[H.pslot[i]].state != H_FREE && H.c[H.pslot[i]].fd == H.pfd[i].fd)
				conn_run(&H.c[H.pslot[i]]);
		}
		run_leftovers();
	}
	conv_stop();
	take_done();
	close_all();
	return NULL;
}

/* ---- start, stop, and the writer's side ---- */

void
pdld_http_reply(struct job *j, const void *b, size_t n)
{
	struct done *d = malloc(sizeof *d + n);
	if (d == NULL)
		abort(); /* the reply to acts already in the log: nothing sensible to do without it */
	d->slot = (unsigned)(j->hconn - H.c);
	d->gen = j->hconn_gen;
	d->status = d->err = 0;
	d->n = n;
	memcpy(d->b, b, n);
	done_put(d);
}

static int
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

/* HOST:PORT or [V6]:PORT → a listening socket in H.lfd. */
static int
http_listen(const char *addr, int insecure, struct pdl_status *st)
{
	char host[256], port[8];
	const char *p;
	size_t hn;
	if (addr[0] == '[') {
		const char *rb = strchr(addr, ']');
		if (rb == NULL || rb[1] != ':')
			return pdl_status_set(st, PDL_EINVAL, NULL, "--http %s: an IPv6 address is [ADDR]:PORT", addr);
		hn = (size_t)(rb - addr - 1);
		p = addr + 1;
		addr = rb + 2;
	} else {
		const char *colon = strrchr(addr, ':');
		if (colon == NULL || strchr(addr, ':') != colon)
			return pdl_status_set(st, PDL_EINVAL, NULL, "--http %s is not HOST:PORT (e.g. 127.0.0.1:8420)", addr);
		hn = (size_t)(colon - addr);
		p = addr;
		addr = colon + 1;
	}
	if (hn == 0 || hn >= sizeof host)
		return pdl_status_set(st, PDL_EINVAL, NULL,
		                      "--http needs the address to listen on, e.g. 127.0.0.1:8420 behind a proxy on this host");
	memcpy(host, p, hn);
	host[hn] = 0;
	size_t pl = strlen(addr);
	if (pl == 0 || pl > 5 || strspn(addr, "0123456789") != pl || atoi(addr) < 1 || atoi(addr) > 65535)
		return pdl_status_set(st, PDL_EINVAL, NULL, "--http: the port %s is not 1 to 65535", addr);
	memcpy(port, addr, pl + 1);
	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	int gr = getaddrinfo(host, port, &hints, &ai);
	if (gr != 0)
		return pdl_status_set(st, PDL_EINVAL, NULL, "--http: cannot resolve %s: %s", host, gai_strerror(gr));
	int rc = PDL_OK;
	if (!insecure && !is_loopback(ai->ai_addr)) {
		rc = pdl_status_set(st, PDL_EINVAL, NULL,
		                    "--http %s:%s is not a loopback address: the HTTP listener has no TLS of its own; put it "
		                    "behind a TLS proxy on this host (contrib/nginx/pdld-http.conf), or pass --insecure-tcp",
		                    host, port);
		goto out;
	}
	int one = 1;
	H.lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (H.lfd < 0 || setsockopt(H.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(H.lfd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(H.lfd, HTTP_BACKLOG) != 0) {
		rc = pdl_status_set(st, PDL_EIO, NULL, "cannot listen for HTTP on %s:%s: %s", host, port, strerror(errno));
		if (H.lfd >= 0)
			close(H.lfd);
		H.lfd = -1;
	}
out:
	freeaddrinfo(ai);
	return rc;
}

int
pdld_http_start(const struct pdld_http_opts *o, struct pdl_status *st)
{
	int fds[2];
	memset(&H, 0, sizeof H);
	H.lfd = -1;
	H.timeout_ms = o->timeout_ms;
	snprintf(H.addr, sizeof H.addr, "%s", o->addr);
	int rc = http_listen(o->addr, o->insecure, st);
	if (rc != PDL_OK)
		return rc;
	H.cap = D.conns_max;
	H.c = calloc(H.cap, sizeof *H.c);
	H.pfd = calloc(H.cap + 2, sizeof *H.pfd);
	H.pslot = calloc(H.cap + 2, sizeof *H.pslot);
	if (H.c == NULL || H.pfd == NULL || H.pslot == NULL || pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
		close(H.lfd);
		free(H.c);
		free(H.pfd);
		free(H.pslot);
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory for %u HTTP connections", H.cap);
	}
	for (unsigned s = 0; s < H.cap; s++)
		H.c[s].fd = -1;
	H.wake_r = fds[0];
	H.wake_w = fds[1];
	pthread_mutex_init(&H.mu, NULL);
	pthread_cond_init(&H.conv_cv, NULL);
	H.conv_tail = &H.conv_head;
	pthread_create(&H.conv_thr, NULL, conv_main, NULL);
	pthread_setname_np(H.conv_thr, "pdld:http-body");
	pthread_create(&H.thr, NULL, http_main, NULL);
	pthread_setname_np(H.thr, "pdld:http");
	D.http = &H;
	return PDL_OK;
}

void
pdld_http_stop(void)
{
	if (D.http == NULL)
		return;
	atomic_store(&H.stop, 1);
	wake();
	pthread_join(H.thr, NULL);
	if (H.lfd >= 0)
		close(H.lfd);
	close(H.wake_r);
	close(H.wake_w);
	for (struct done *d = H.done, *next; d != NULL; d = next) {
		next = d->next;
		free(d);
	}
	pthread_cond_destroy(&H.conv_cv);
	pthread_mutex_destroy(&H.mu);
	free(H.c);
	free(H.pfd);
	free(H.pslot);
	D.http = NULL;
}
