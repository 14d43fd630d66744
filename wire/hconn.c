/* hconn.c — see hconn.h. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hconn.h"

#define NS_PER_MS 1000000ull
#define REQ_HEAD_MAX 1536u /* our request line and header fields */

/* What the low-level reads return besides a byte count. */
enum { IO_EOF = 0, IO_TIMEOUT = -1, IO_CLOSED = -2 };

static uint64_t
deadline_in(unsigned ms)
{
	return pdl_mono_ns() + (uint64_t)ms * NS_PER_MS;
}

/* Milliseconds left until deadline, rounded up; 0 when past it. */
static nng_duration
ms_left(uint64_t deadline)
{
	uint64_t now = pdl_mono_ns();
	if (now >= deadline)
		return 0;
	uint64_t ms = (deadline - now + NS_PER_MS - 1) / NS_PER_MS;
	return ms > 0x7fffffffull ? 0x7fffffff : (nng_duration)ms;
}

int
pdl_hconn_init(struct pdl_hconn *c, nng_stream *s)
{
	assert(c != NULL && s != NULL);
	memset(c, 0, sizeof *c);
	c->s = s;
	pthread_mutex_init(&c->mu, NULL);
	if ((c->buf = malloc(PDL_HCONN_BUF_BYTES)) == NULL || nng_aio_alloc(&c->aio, NULL, NULL) != 0) {
		pdl_hconn_fini(c);
		return PDL_ENOMEM;
	}
	return PDL_OK;
}

void
pdl_hconn_close(struct pdl_hconn *c)
{
	pthread_mutex_lock(&c->mu);
	if (!c->closed && c->s != NULL)
		nng_stream_close(c->s);
	c->closed = 1;
	pthread_mutex_unlock(&c->mu);
}

void
pdl_hconn_fini(struct pdl_hconn *c)
{
	if (c->s != NULL) {
		pdl_hconn_close(c);
		if (c->aio != NULL)
			nng_aio_stop(c->aio);
		nng_stream_free(c->s);
	}
	if (c->aio != NULL)
		nng_aio_free(c->aio);
	free(c->buf);
	pthread_mutex_destroy(&c->mu);
	memset(c, 0, sizeof *c);
}

/* Receives what is there into the buffer (after moving the unread bytes
 * to its start). Returns a byte count, IO_EOF (the peer closed, or an
 * error), IO_TIMEOUT or IO_CLOSED (pdl_hconn_close). */
static int
io_recv(struct pdl_hconn *c, uint64_t deadline)
{
	if (c->off > 0) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	assert(c->len < PDL_HCONN_BUF_BYTES); /* callers consume before reading more */
	nng_duration ms = ms_left(deadline);
	if (ms == 0)
		return IO_TIMEOUT;
	nng_iov iov = {c->buf + c->len, PDL_HCONN_BUF_BYTES - c->len};
	nng_aio_set_iov(c->aio, 1, &iov);
	nng_aio_set_timeout(c->aio, ms);
	pthread_mutex_lock(&c->mu);
	if (c->closed) {
		pthread_mutex_unlock(&c->mu);
		return IO_CLOSED;
	}
	nng_stream_recv(c->s, c->aio);
	pthread_mutex_unlock(&c->mu);
	nng_aio_wait(c->aio);
	int rv = nng_aio_result(c->aio);
	pthread_mutex_lock(&c->mu);
	int closed = c->closed;
	pthread_mutex_unlock(&c->mu);
	if (rv == NNG_ETIMEDOUT)
		return IO_TIMEOUT;
	if (rv == NNG_ECLOSED || closed)
		return IO_CLOSED;
	if (rv != 0)
		return IO_EOF;
	size_t got = nng_aio_count(c->aio);
	if (got == 0)
		return IO_EOF;
	c->len += got;
	return (int)got;
}

static int
io_send(struct pdl_hconn *c, const void *b, size_t n, uint64_t deadline)
{
	const char *p = b;
	while (n > 0) {
		nng_duration ms = ms_left(deadline);
		if (ms == 0)
			return IO_TIMEOUT;
		nng_iov iov = {(void *)p, n};
		nng_aio_set_iov(c->aio, 1, &iov);
		nng_aio_set_timeout(c->aio, ms);
		pthread_mutex_lock(&c->mu);
		if (c->closed) {
			pthread_mutex_unlock(&c->mu);
			return IO_CLOSED;
		}
		nng_stream_send(c->s, c->aio);
		pthread_mutex_unlock(&c->mu);
		nng_aio_wait(c->aio);
		int rv = nng_aio_result(c->aio);
		if (rv == NNG_ETIMEDOUT)
			return IO_TIMEOUT;
		if (rv != 0)
			return IO_CLOSED;
		size_t sent = nng_aio_count(c->aio);
		p += sent;
		n -= sent;
	}
	return 1;
}

/* Reads a head into the buffer: *hl its length. 0, or an IO_ code, or 1
 * when it passes PDL_H1_HEAD_MAX. any: set to 1 once a byte came. */
static int
read_head(struct pdl_hconn *c, uint64_t deadline, size_t *hl, int *any)
{
	for (;;) {
		size_t have = c->len - c->off;
		if (have > 0)
			*any = 1;
		*hl = pdl_h1_head_len(c->buf + c->off, have);
		if (*hl > 0)
			return *hl > PDL_H1_HEAD_MAX ? 1 : 0;
		if (have >= PDL_H1_HEAD_MAX)
			return 1;
		int k = io_recv(c, deadline);
		if (k <= 0)
			return k == IO_EOF ? IO_CLOSED : k;
	}
}

/* Reads a body framed by h into a new buffer of at most max bytes.
 * Returns 0, an IO_ code, 1 (malformed chunks) or 2 (over max). */
static int
read_body(struct pdl_hconn *c, const struct pdl_h1_head *h, int until_eof, size_t max, uint64_t deadline,
          char **out, size_t *out_len)
{
	struct pdl_h1_chunks ch;
	size_t want = 0, got = 0;
	char *b;
	*out = NULL;
	*out_len = 0;
	if (h->has_length) {
		if (h->length > max)
			return 2;
		want = (size_t)h->length;
	} else if (!h->chunked && !until_eof) {
		return 0;
	}
	if ((b = malloc((h->has_length ? want : max) + 1)) == NULL)
		return IO_CLOSED;
	memset(&ch, 0, sizeof ch);
	for (;;) {
		size_t have = c->len - c->off;
		if (h->chunked) {
			size_t used = 0;
			int rc = pdl_h1_chunks_feed(&ch, c->buf + c->off, have, &used, b, max);
			c->off += used;
			got = ch.out_len;
			if (rc == 1)
				break;
			if (rc < 0) {
				free(b);
				return rc == -2 ? 2 : 1;
			}
		} else {
			size_t room = (h->has_length ? want : max) - got;
			size_t take = have < room ? have : room;
			memcpy(b + got, c->buf + c->off, take);
			got += take;
			c->off += take;
			if (h->has_length && got == want)
				break;
			if (!h->has_length && take < have) { /* more than max before the end */
				free(b);
				return 2;
			}
		}
		int k = io_recv(c, deadline);
		if (k == IO_EOF && until_eof && !h->chunked)
			break;
		if (k <= 0) {
			free(b);
			return k == IO_EOF ? IO_CLOSED : k;
		}
	}
	b[got] = '\0';
	*out = b;
	*out_len = got;
	return 0;
}

void
pdl_hreq_free(struct pdl_hreq *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}

int
pdl_hconn_read_request(struct pdl_hconn *c, unsigned idle_ms, unsigned req_ms, size_t body_max, struct pdl_hreq *r,
                       const char **why)
{
	size_t hl = 0;
	int any = 0;
	assert(c != NULL && r != NULL && why != NULL);
	memset(r, 0, sizeof *r);
	*why = "";
	if (c->len == c->off) {
		int k = io_recv(c, deadline_in(idle_ms));
		if (k <= 0)
			return -1; /* closed, or idle too long: nothing to answer */
	}
	uint64_t deadline = deadline_in(req_ms);
	int rc = read_head(c, deadline, &hl, &any);
	if (rc == IO_TIMEOUT) {
		*why = "the request did not arrive in time";
		return 408;
	}
	if (rc == 1) {
		*why = "the request head is over 8 KiB";
		return 431;
	}
	if (rc != 0)
		return -1;
	int status = pdl_h1_request_parse(c->buf + c->off, hl, &r->h, why);
	if (status != 0)
		return status;
	c->off += hl;
	if (r->h.has_length && r->h.length > body_max) {
		*why = "the request body is over the limit";
		return 413;
	}
	if ((r->h.chunked || (r->h.has_length && r->h.length > 0)) && r->h.expect_continue && c->len == c->off) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		if (io_send(c, cont, sizeof cont - 1, deadline) <= 0)
			return -1;
	}
	rc = read_body(c, &r->h, 0, body_max, deadline, &r->body, &r->body_len);
	if (rc == 0)
		return 0;
	if (rc == IO_TIMEOUT) {
		*why = "the request body did not arrive in time";
		return 408;
	}
	if (rc == 1) {
		*why = "the chunked request body is malformed";
		return 400;
	}
	if (rc == 2) {
		*why = "the request body is over the limit";
		return 413;
	}
	return -1;
}

int
pdl_hconn_respond(struct pdl_hconn *c, int status, const char *content_type, const char *extra, const void *body,
                  size_t n, int close, unsigned ms)
{
	char head[1024];
	uint64_t deadline = deadline_in(ms);
	int hn = snprintf(head, sizeof head,
	                  "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s"
	                  "Cache-Control: no-store\r\n\r\n",
	                  status, pdl_h1_reason(status), content_type, n, extra ? extra : "",
	                  close ? "Connection: close\r\n" : "");
	if (hn < 0 || (size_t)hn >= sizeof head)
		return PDL_EINVAL;
	if (io_send(c, head, (size_t)hn, deadline) <= 0 || (n > 0 && io_send(c, body, n, deadline) <= 0))
		return PDL_ECLOSED;
	return PDL_OK;
}

int
pdl_hclient_open(struct pdl_hclient *c, const char *url, const char *ca_file, struct pdl_status *st)
{
	const char *why = NULL;
	int rv;
	assert(c != NULL && url != NULL && st != NULL);
	memset(c, 0, sizeof *c);
	pthread_mutex_init(&c->mu, NULL);
	if (pdl_h1_url_parse(url, &c->url, &why) != PDL_OK)
		return pdl_status_set(st, PDL_EINVAL, NULL, "%s: %s", url, why);
	if (c->url.tls && ca_file == NULL)
		return pdl_status_set(st, PDL_EINVAL, NULL, "%s: https:// needs a CA file", url);
	if ((rv = nng_stream_dialer_alloc(&c->d, c->url.dial)) != 0 || (rv = nng_aio_alloc(&c->dial_aio, NULL, NULL)) != 0)
		return pdl_status_set(st, PDL_ENOMEM, NULL, "%s: cannot make a dialer: %s", url, nng_strerror(rv));
	if (c->url.tls) {
		/* brackets are the URL's, not the certificate's */
		char name[sizeof c->url.host];
		size_t hn = strlen(c->url.host);
		if (c->url.host[0] == '[')
			snprintf(name, sizeof name, "%.*s", (int)(hn - 2), c->url.host + 1);
		else
			snprintf(name, sizeof name, "%s", c->url.host);
		if ((rv = nng_tls_config_alloc(&c->tls, NNG_TLS_MODE_CLIENT)) != 0 ||
		    (rv = nng_tls_config_auth_mode(c->tls, NNG_TLS_AUTH_MODE_REQUIRED)) != 0 ||
		    (rv = nng_tls_config_server_name(c->tls, name)) != 0)
			return pdl_status_set(st, PDL_ENOMEM, NULL, "%s: TLS: %s", url, nng_strerror(rv));
		if ((rv = nng_tls_config_ca_file(c->tls, ca_file)) != 0)
			return pdl_status_set(st, PDL_EIO, NULL, "%s: cannot load CA certificates from %s: %s", url, ca_file,
			                      nng_strerror(rv));
		if ((rv = nng_stream_dialer_set_ptr(c->d, NNG_OPT_TLS_CONFIG, c->tls)) != 0)
			return pdl_status_set(st, PDL_EINVAL, NULL, "%s: TLS: %s", url, nng_strerror(rv));
	}
	return PDL_OK;
}

static void
drop_conn(struct pdl_hclient *c)
{
	pthread_mutex_lock(&c->mu);
	if (c->connected)
		pdl_hconn_fini(&c->conn);
	c->connected = 0;
	pthread_mutex_unlock(&c->mu);
}

void
pdl_hclient_fini(struct pdl_hclient *c)
{
	drop_conn(c);
	if (c->dial_aio != NULL) {
		nng_aio_stop(c->dial_aio);
		nng_aio_free(c->dial_aio);
	}
	if (c->d != NULL)
		nng_stream_dialer_free(c->d);
	if (c->tls != NULL)
		nng_tls_config_free(c->tls);
	pthread_mutex_destroy(&c->mu);
	memset(c, 0, sizeof *c);
}

void
pdl_hclient_abort(struct pdl_hclient *c)
{
	pthread_mutex_lock(&c->mu);
	c->aborted = 1;
	if (c->d != NULL)
		nng_stream_dialer_close(c->d);
	if (c->connected)
		pdl_hconn_close(&c->conn);
	pthread_mutex_unlock(&c->mu);
}

void
pdl_hresp_free(struct pdl_hresp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

static int
dial(struct pdl_hclient *c, uint64_t deadline, struct pdl_status *st)
{
	nng_duration ms = ms_left(deadline);
	if (ms == 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "timed out before connecting");
	pthread_mutex_lock(&c->mu);
	if (c->aborted) {
		pthread_mutex_unlock(&c->mu);
		return pdl_status_set(st, PDL_ECLOSED, NULL, "stopped");
	}
	nng_aio_set_timeout(c->dial_aio, ms);
	nng_stream_dialer_dial(c->d, c->dial_aio);
	pthread_mutex_unlock(&c->mu);
	nng_aio_wait(c->dial_aio);
	int rv = nng_aio_result(c->dial_aio);
	if (rv != 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "cannot connect to %s: %s", c->url.authority,
		                      rv == NNG_ETIMEDOUT ? "timed out" : nng_strerror(rv));
	nng_stream *s = nng_aio_get_output(c->dial_aio, 0);
	pthread_mutex_lock(&c->mu);
	int rc = pdl_hconn_init(&c->conn, s);
	if (rc == PDL_OK) {
		c->connected = 1;
		if (c->aborted)
			pdl_hconn_close(&c->conn);
	}
	pthread_mutex_unlock(&c->mu);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "out of memory");
	return PDL_OK;
}

/* Reads a response. Returns PDL_OK; PDL_ENOTFOUND when the connection
 * ended before any byte of it (a kept connection the server had closed:
 * the caller may connect again); or an error with st set. *keep says
 * whether the connection may carry another request. */
static int
read_response(struct pdl_hclient *c, uint64_t deadline, unsigned timeout_ms, size_t resp_max, struct pdl_hresp *r,
              int *keep, struct pdl_status *st)
{
	struct pdl_h1_head h;
	size_t hl = 0;
	int any = 0;
	const char *why = "";
	*keep = 0;
	for (;;) {
		int rc = read_head(&c->conn, deadline, &hl, &any);
		if (rc == IO_TIMEOUT)
			return pdl_status_set(st, PDL_ECLOSED, NULL, "no response within %u ms", timeout_ms);
		if (rc == 1)
			return pdl_status_set(st, PDL_EPROTO, NULL, "the response head is over %u bytes", PDL_H1_HEAD_MAX);
		if (rc != 0)
			return any ? pdl_status_set(st, PDL_ECLOSED, NULL, "the connection ended in the response head")
			           : PDL_ENOTFOUND;
		if (pdl_h1_response_parse(c->conn.buf + c->conn.off, hl, &h, &why) != 0)
			return pdl_status_set(st, PDL_EPROTO, NULL, "not an HTTP/1.x response: %s", why);
		c->conn.off += hl;
		if (h.status >= 200)
			break;
		if (h.status == 101)
			return pdl_status_set(st, PDL_EPROTO, NULL, "the server switched protocols (101)");
		/* 1xx: an interim response; the final one follows */
	}
	r->status = h.status;
	snprintf(r->content_type, sizeof r->content_type, "%s", h.content_type);
	int no_body = h.status == 204 || h.status == 304;
	int until_eof = !no_body && !h.has_length && !h.chunked;
	int rc = no_body ? 0 : read_body(&c->conn, &h, until_eof, resp_max, deadline, &r->body, &r->len);
	if (rc == IO_TIMEOUT)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "the response body did not come within %u ms (status %d)",
		                      timeout_ms, h.status);
	if (rc == 1)
		return pdl_status_set(st, PDL_EPROTO, NULL, "the chunked response body is malformed (status %d)", h.status);
	if (rc == 2)
		return pdl_status_set(st, PDL_EPROTO, NULL, "the response body is over %zu bytes (status %d)", resp_max,
		                      h.status);
	if (rc != 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "the connection ended in the response body (status %d)",
		                      h.status);
	*keep = !h.close && !until_eof && c->conn.off == c->conn.len;
	return PDL_OK;
}

int
pdl_hclient_post(struct pdl_hclient *c, const char *suffix, const char *ctype, const void *body, size_t n,
                 unsigned timeout_ms, size_t resp_max, struct pdl_hresp *r, struct pdl_status *st)
{
	char head[REQ_HEAD_MAX];
	uint64_t deadline = deadline_in(timeout_ms);
	int rc = PDL_ECLOSED;
	assert(c != NULL && suffix != NULL && ctype != NULL && r != NULL && st != NULL);
	memset(r, 0, sizeof *r);
	int hn = snprintf(head, sizeof head,
	                  "POST %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: pdl\r\nContent-Type: %s\r\n"
	                  "Content-Length: %zu\r\n\r\n",
	                  c->url.path, suffix, c->url.authority, ctype, n);
	if (hn < 0 || (size_t)hn >= sizeof head)
		return pdl_status_set(st, PDL_EINVAL, NULL, "the request head is too long");
	for (int attempt = 0; attempt < 2; attempt++) {
		int reused = c->connected, keep = 0;
		if (!reused && (rc = dial(c, deadline, st)) != PDL_OK)
			return rc;
		int k = io_send(&c->conn, head, (size_t)hn, deadline);
		if (k > 0 && n > 0)
			k = io_send(&c->conn, body, n, deadline);
		if (k <= 0) {
			drop_conn(c);
			if (k == IO_CLOSED && reused && attempt == 0)
				continue; /* the kept connection was closed meanwhile: once more on a new one */
			return pdl_status_set(st, PDL_ECLOSED, NULL, "%s", k == IO_TIMEOUT ? "timed out sending the request"
			                                                                    : "the connection closed while sending");
		}
		rc = read_response(c, deadline, timeout_ms, resp_max, r, &keep, st);
		if (rc != PDL_OK || !keep)
			drop_conn(c);
		if (rc == PDL_ENOTFOUND && reused && attempt == 0)
			continue;
		if (rc == PDL_ENOTFOUND)
			rc = pdl_status_set(st, PDL_ECLOSED, NULL, "the connection closed without a response");
		if (rc != PDL_OK)
			pdl_hresp_free(r);
		return rc;
	}
	return rc;
}
