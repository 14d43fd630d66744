/*
 * hconn.h — HTTP/1.1 over NNG byte streams (tcp:// and tls+tcp://), with
 * a deadline on every exchange and a bound on every read: the witness
 * server's connections (`pdl witness serve`) and pdld's witness client
 * (the C2SP tlog-witness protocol, c2sp.org/tlog-witness). The framing is
 * lib/http1.h; this module moves the bytes.
 *
 * Why not NNG's HTTP client and server: they read a body of whatever
 * length the peer announces (or streams, chunked) into memory and have no
 * per-request deadline, and a witness or a log must assume the other side
 * is hostile (an endless body, a trickle, a redirect loop). Here every
 * read is bounded by the caller's limit and every wait by the exchange's
 * deadline, and redirects are never followed (a 3xx is just a status).
 *
 * Invariants:
 *  (1) no exchange outlives its deadline by more than one NNG timer tick:
 *      each send, receive and dial gets the time left as its timeout;
 *  (2) no read stores more than the caller's body limit plus the head
 *      limit (PDL_H1_HEAD_MAX) plus the connection's buffer;
 *  (3) pdl_hconn_close and pdl_hclient_abort may be called from another
 *      thread at any time: the exchange under way fails at once with
 *      PDL_ECLOSED, and the owner frees the connection as usual.
 */
#ifndef PDL_HCONN_H
#define PDL_HCONN_H

#include <pthread.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "http1.h"
#include "util.h"

#define PDL_HCONN_BUF_BYTES (16u * 1024u) /* read buffer: a head and the start of a body */

/* One connection: a stream and its read buffer. */
struct pdl_hconn {
	nng_stream *s;
	nng_aio *aio;
	char *buf;
	size_t off, len; /* unread bytes: buf[off..len) */
	pthread_mutex_t mu; /* guards s against pdl_hconn_close from another thread */
	int closed;
};

/* Takes s (freed by pdl_hconn_fini whatever happens). Errors: PDL_ENOMEM. */
int pdl_hconn_init(struct pdl_hconn *c, nng_stream *s);
/* Closes the stream (if not yet) and frees everything. */
void pdl_hconn_fini(struct pdl_hconn *c);
/* Closes the stream: I/O under way or to come fails. Any thread. */
void pdl_hconn_close(struct pdl_hconn *c);

/* A request read by a server. body is malloc'd and NUL-terminated (NULL
 * when there is none); free with pdl_hreq_free. */
struct pdl_hreq {
	struct pdl_h1_head h;
	char *body;
	size_t body_len;
};
void pdl_hreq_free(struct pdl_hreq *r);

/* Reads one request: waits up to idle_ms for its first byte, then up to
 * req_ms for the whole of it; a body over body_max is not read.
 * Answers "100 Continue" itself when the client expects it. Returns 0 with
 * r filled; -1 when the connection is over without a request (closed by
 * the peer or by pdl_hconn_close, or idle past idle_ms): close it without
 * a word; or an HTTP status to answer before closing — 400, 408 (too
 * slow), 413 (body over body_max), 414, 417, 431 (head too long), 501,
 * 505 — with *why saying what was wrong. */
int pdl_hconn_read_request(struct pdl_hconn *c, unsigned idle_ms, unsigned req_ms, size_t body_max,
                           struct pdl_hreq *r, const char **why);

/* Sends a response with a Content-Length, the header lines of extra
 * (NULL, or lines each ending in "\r\n", e.g. "Allow: POST\r\n"), and
 * "Connection: close" when close is set, within ms. Errors: PDL_ECLOSED. */
int pdl_hconn_respond(struct pdl_hconn *c, int status, const char *content_type, const char *extra, const void *body,
                      size_t n, int close, unsigned ms);

/* A client of one server (a URL prefix), keeping its connection alive
 * between requests. */
struct pdl_hclient {
	struct pdl_h1_url url;
	nng_stream_dialer *d;
	nng_tls_config *tls;
	nng_aio *dial_aio;
	struct pdl_hconn conn;
	int connected;
	pthread_mutex_t mu; /* guards aborted and the dial against pdl_hclient_abort */
	int aborted;
};

/* Prepares a client for url (http:// or https://). For https:// the
 * server's certificate must chain to the CA certificates in ca_file, and
 * name the URL's host. Errors: PDL_EINVAL (the URL; https:// without
 * ca_file), PDL_EIO (the CA file), PDL_ENOMEM; st says which. */
int pdl_hclient_open(struct pdl_hclient *c, const char *url, const char *ca_file, struct pdl_status *st);
void pdl_hclient_fini(struct pdl_hclient *c);
/* Makes every exchange under way or to come fail at once. Any thread. */
void pdl_hclient_abort(struct pdl_hclient *c);

struct pdl_hresp {
	int status;
	char content_type[PDL_H1_CTYPE_MAX + 1];
	char *body; /* malloc'd, NUL-terminated; free with pdl_hresp_free */
	size_t len;
};
void pdl_hresp_free(struct pdl_hresp *r);

/* POSTs body (content type ctype) to the URL's path followed by suffix
 * ("/add-checkpoint"). The whole exchange, connecting included, takes at
 * most timeout_ms; a response body over resp_max bytes is refused
 * unread. Any status is a response (redirects are not followed). Reuses
 * the kept connection, and connects again once if it turns out to be
 * closed before any response byte came. Errors (st says what happened):
 * PDL_ECLOSED (cannot connect, reset, timed out, aborted), PDL_EPROTO (not
 * an HTTP/1.x response, or over resp_max), PDL_ENOMEM. */
int pdl_hclient_post(struct pdl_hclient *c, const char *suffix, const char *ctype, const void *body, size_t n,
                     unsigned timeout_ms, size_t resp_max, struct pdl_hresp *r, struct pdl_status *st);

#endif
