/* http.c — see http.h.
 *
 * The server is hsrv.h's: its threads read each request, run its route
 * and send the answer. A route may wait on pdld (a REQ client: the
 * disclosure view's checkpoint route), which needs NNG's threads to
 * complete; those are not the server's, so such a wait holds up only the
 * thread that runs it. (On NNG's own HTTP server routes had to be handed
 * from its task threads to threads of ours, or the server deadlocked
 * with every task thread inside such a route.)
 */
#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>

#include "hsrv.h"
#include "log.h"
#include "http.h"
#include "page.h"
#include "promhttp.h"
#include "readtok.h"

/* threads serving one listener: requests answered at once, or waiting on
 * pdld (one client at most each); more than the cores, so that a few
 * routes waiting on pdld do not stop the others */
#ifndef PDL_HTTP_WORKERS
#define PDL_HTTP_WORKERS 8u
#endif
/* the public listener's Content-Security-Policy (http.h) */
#define PDL_HTTP_CSP                                                                                   \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " \
	"form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

struct pdl_http {
	struct pdl_hsrv *srv;
	struct pdl_http_ctx *cx;
	enum pdl_http_kind kind;
	pthread_mutex_t mu;
	/* the routes' pdld clients, one at most per thread (pdl_http_ledger_open);
	 * ledger_closed: the stop has closed them, no new one opens */
	nng_socket ledger[PDL_HTTP_WORKERS];
	int ledger_live[PDL_HTTP_WORKERS];
	int ledger_closed;
	/* clients the routes are done with, closed by a thread once its
	 * response is sent (close_done): see pdl_http_ledger_close */
	nng_socket done[PDL_HTTP_WORKERS];
	_Atomic unsigned ndone; /* changed under mu */
	/* the one walk (pdl_http_walk_begin) and the threads waiting for it:
	 * both under mu */
	int walking;
	unsigned walk_waiting;
	pthread_cond_t walk_free;
};

void
pdl_http_json(struct pdl_http_out *out, int status, json_t *doc)
{
	out->status = status;
	out->content_type = "application/json";
	out->body = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	out->len = out->body ? strlen(out->body) : 0;
	json_decref(doc);
}

void
pdl_http_error(struct pdl_http_out *out, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_t *doc = json_pack("{s:s,s:s}", "error", code, "message", msg);
	if (doc == NULL) {
		/* the message echoes a request's bytes that are not UTF-8: JSON
		 * cannot carry them, so they become '?' */
		for (char *c = msg; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				*c = '?';
		doc = json_pack("{s:s,s:s}", "error", code, "message", msg);
	}
	pdl_http_json(out, status, doc);
}

static int
hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
pdl_http_param(const char *query, const char *name, char *buf, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = query;
	while (p != NULL && *p) {
		const char *amp = strchr(p, '&');
		size_t seg = amp ? (size_t)(amp - p) : strlen(p);
		if (seg > nl && p[nl] == '=' && strncmp(p, name, nl) == 0) {
			size_t o = 0;
			for (size_t i = nl + 1; i < seg && o + 1 < cap; i++) {
				if (p[i] == '%' && i + 2 < seg + 0 + 1 && hexv(p[i + 1]) >= 0 && hexv(p[i + 2]) >= 0) {
					buf[o++] = (char)(hexv(p[i + 1]) * 16 + hexv(p[i + 2]));
					i += 2;
				} else {
					buf[o++] = p[i] == '+' ? ' ' : p[i];
				}
			}
			buf[o] = 0;
			return 1;
		}
		if (seg == nl && strncmp(p, name, nl) == 0) {
			buf[0] = 0;
			return 1;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

int
pdl_http_uint(const char *query, const char *name, uint64_t def, uint64_t *v)
{
	char buf[32];
	*v = def;
	if (!pdl_http_param(query, name, buf, sizeof buf))
		return 0;
	if (buf[0] == 0 || strlen(buf) > 19 || (buf[0] == '0' && buf[1] != 0))
		return -1; /* one spelling per number: no leading zeros */
	uint64_t x = 0;
	for (const char *c = buf; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		x = x * 10 + (uint64_t)(*c - '0');
	}
	/* 19 digits cannot wrap a uint64, but the answers carry numbers as JSON
	 * integers (int64): a value past that is out of range, not wrapped */
	if (x > PDL_HTTP_UINT_MAX)
		return -1;
	*v = x;
	return 1;
}

/* ---- readers (the private listener) ---- */

int
pdl_reader_reads_all(const struct pdl_reader *r)
{
	return r != NULL && (r->roles & (PDL_ROLE_AUTHORITY | PDL_ROLE_AUDITOR)) != 0;
}

int
pdl_reader_may(const struct pdl_reader *r, const char *party)
{
	return pdl_reader_reads_all(r) || (r != NULL && strcmp(r->party, party) == 0);
}

void
pdl_http_not_entitled(struct pdl_http_out *out, const struct pdl_reader *r, const char *what)
{
	pdl_http_error(out, 403, "not_entitled",
	               "%s may not read %s: a party reads what concerns itself; the authority and auditors read all",
	               r ? r->party : "this reader", what);
}

/* 401 with the challenge a client needs to sign for this ledger. */
static void __attribute__((format(printf, 4, 5)))
unauthorized(struct pdl_http_out *out, const uint8_t ledger_id[PDL_HASH_BYTES], const char *code, const char *fmt, ...)
{
	char hex[2 * PDL_HASH_BYTES + 1], msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pdl_hex(ledger_id, PDL_HASH_BYTES, hex);
	pdl_http_error(out, 401, code, "%s", msg);
	snprintf(out->challenge, sizeof out->challenge, "PDL-Sig realm=\"pdl\", ledger=\"%s\"", hex);
}

int
pdl_http_authenticate(struct pdl_vdb *db, const char *authorization, const char *method, const char *target,
                      uint64_t now_ms, struct pdl_reader *r, struct pdl_http_out *out)
{
	uint8_t lid[PDL_HASH_BYTES];
	struct pdl_readtok tok;
	struct pdl_vparty p;
	MDB_txn *t;
	memset(r, 0, sizeof *r);
	if (mdb_txn_begin(db->env, NULL, MDB_RDONLY, &t) != 0) {
		pdl_http_error(out, 503, "view_unavailable", "cannot read the view");
		return 0;
	}
	int rc = pdl_vdb_ledger_id(t, db, lid);
	if (rc != PDL_OK) {
		mdb_txn_abort(t);
		pdl_http_error(out, 503, "view_not_ready", "the view has not applied the genesis entry yet");
		return 0;
	}
	if (authorization == NULL || authorization[0] == 0) {
		mdb_txn_abort(t);
		unauthorized(out, lid, "unauthorized",
		             "this listener serves private data: send Authorization: PDL-Sig party=ID,time=MS,sig=SIG, "
		             "signed with your ledger key for %s %s (see `pdl token`)",
		             method, target);
		return 0;
	}
	if (pdl_readtok_parse(authorization, strlen(authorization), &tok) != PDL_OK) {
		mdb_txn_abort(t);
		unauthorized(out, lid, "bad_token",
		             "the Authorization header is not a read token: PDL-Sig party=ID,time=MS,sig=BASE64 (at most %u "
		             "characters)",
		             PDL_READTOK_LEN_MAX);
		return 0;
	}
	rc = pdl_vdb_party(t, db, tok.party, &p);
	mdb_txn_abort(t);
	if (rc != PDL_OK) {
		unauthorized(out, lid, "unknown_party", "no party %s in the ledger (as of the view's cursor)", tok.party);
		return 0;
	}
	rc = pdl_readtok_check(&tok, &p.pk, lid, method, target, now_ms);
	if (rc == PDL_ECLOCK) {
		unauthorized(out, lid, "token_expired",
		             "the token's time is not within %u ms of this server's clock: sign a fresh one",
		             PDL_READTOK_SKEW_MS);
		return 0;
	}
	if (rc != PDL_OK) {
		unauthorized(out, lid, "bad_signature",
		             "the token is not signed by %s's current key for this ledger and %s and the request target as "
		             "sent",
		             tok.party, method);
		return 0;
	}
	if (p.suspended) {
		pdl_http_error(out, 403, "party_suspended", "%s is suspended: it reads nothing private", tok.party);
		return 0;
	}
	snprintf(r->party, sizeof r->party, "%s", tok.party);
	r->roles = p.roles;
	return 1;
}

int
pdl_http_params_only(const char *query, const char *const *allowed, struct pdl_http_out *out)
{
	const char *p = query;
	while (p != NULL && *p) {
		const char *amp = strchr(p, '&');
		size_t seg = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', seg);
		size_t nl = eq ? (size_t)(eq - p) : seg;
		int known = nl == 0;
		for (const char *const *a = allowed; !known && *a != NULL; a++)
			known = strlen(*a) == nl && strncmp(*a, p, nl) == 0;
		if (!known) {
			char list[256] = "";
			for (const char *const *a = allowed; *a != NULL; a++)
				snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", a == allowed ? "" : ", ", *a);
			pdl_http_error(out, 400, "unknown_parameter", "unknown query parameter \"%.*s\" (this resource takes: %s)",
			               (int)(nl > 64 ? 64 : nl), p, *list ? list : "none");
			return 1;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

int
pdl_http_query_check(const char *query, struct pdl_http_out *out)
{
	const char *p = query;
	while (p != NULL && *p) {
		const char *amp = strchr(p, '&');
		size_t seg = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', seg);
		size_t nl = eq ? (size_t)(eq - p) : seg;
		if (nl == 0) {
			pdl_http_error(out, 400, "bad_parameter", "a query parameter without a name (\"&&\" or \"=value\")");
			return 1;
		}
		for (size_t i = 0; i < seg; i++) {
			unsigned char c = (unsigned char)p[i];
			if (c == '%') {
				if (i + 2 >= seg || hexv(p[i + 1]) < 0 || hexv(p[i + 2]) < 0) {
					pdl_http_error(out, 400, "bad_parameter",
					               "query parameter \"%.*s\": a %% must start a %%XX escape (two hex digits)",
					               (int)(nl > 64 ? 64 : nl), p);
					return 1;
				}
				c = (unsigned char)(hexv(p[i + 1]) * 16 + hexv(p[i + 2]));
				i += 2;
			}
			if (c < 0x20 || c == 0x7f) {
				pdl_http_error(out, 400, "bad_parameter",
				               "query parameter \"%.*s\" holds a control character (byte 0x%02x)",
				               (int)(nl > 64 ? 64 : nl), p, c);
				return 1;
			}
		}
		/* the same name earlier in the query? */
		for (const char *q = query; q < p;) {
			const char *qa = strchr(q, '&');
			size_t qs = (size_t)(qa - q); /* q < p: there is an '&' after it */
			const char *qe = memchr(q, '=', qs);
			size_t qn = qe ? (size_t)(qe - q) : qs;
			if (nl > 0 && qn == nl && memcmp(q, p, nl) == 0) {
				pdl_http_error(out, 400, "bad_parameter", "query parameter \"%.*s\" is given twice",
				               (int)(nl > 64 ? 64 : nl), p);
				return 1;
			}
			q = qa + 1;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

/* Looks for path in one route table: an exact match returns it; a longer
 * tree prefix than *best_len replaces *best. */
static const struct pdl_route *
scan_routes(const struct pdl_route *routes, const char *path, unsigned want, const struct pdl_route **best,
            size_t *best_len)
{
	for (const struct pdl_route *r = routes; r != NULL && r->path != NULL; r++) {
		size_t n = strlen(r->path);
		if ((r->flags & want) == 0)
			continue;
		if (!r->tree && strcmp(path, r->path) == 0)
			return r;
		if (r->tree && strncmp(path, r->path, n) == 0 && n > *best_len) {
			*best = r;
			*best_len = n;
		}
	}
	return NULL;
}

/* Finds the route for path among the framework's (page.h) and those of
 * the views the listener serves: an exact match, else the longest tree
 * prefix. */
static const struct pdl_route *
find_route(const struct pdl_view *const *views, const char *path, enum pdl_http_kind kind)
{
	const struct pdl_route *best = NULL, *r;
	size_t best_len = 0;
	unsigned want = kind == PDL_HTTP_PRIVATE ? PDL_ROUTE_PRIVATE : PDL_ROUTE_PUBLIC;
	if ((r = scan_routes(pdl_page_routes, path, want, &best, &best_len)) != NULL)
		return r;
	for (const struct pdl_view *const *v = views; v != NULL && *v != NULL; v++)
		if ((r = scan_routes((*v)->routes, path, want, &best, &best_len)) != NULL)
			return r;
	return best;
}

int
pdl_http_has_route(const struct pdl_http_ctx *cx, const char *path)
{
	return find_route(cx->views, path, PDL_HTTP_PUBLIC) != NULL;
}

/* Counts a request for pdl-project --metrics: its listener, its route as
 * the table names it (a tree route by its prefix, so that ids in paths do
 * not make a series each) or "unmatched", and the status. */
static void
count_request(const struct pdl_http *h, const struct pdl_route *r, int status)
{
	char st[16];
	if (h->cx->requests == NULL)
		return;
	snprintf(st, sizeof st, "%d", status);
	pdl_prom_family_add(h->cx->requests, 1,
	                    (const char *[]){h->kind == PDL_HTTP_PRIVATE ? "private" : "public", r ? r->path : "unmatched",
	                                     st});
}

/* The headers every answer of the listener carries (http.h). */
static void
headers(const struct pdl_http *h, const struct pdl_http_out *out, struct pdl_hsrv_res *res)
{
	if (h->kind == PDL_HTTP_PUBLIC) {
		/* the pages run no inline script and load nothing from elsewhere
		 * (page.h): a value that slipped past escaping still runs nothing */
		static const char pub[] = "X-Content-Type-Options: nosniff\r\nCache-Control: no-cache\r\n"
		                          "Access-Control-Allow-Origin: *\r\nContent-Security-Policy: " PDL_HTTP_CSP
		                          "\r\nReferrer-Policy: no-referrer\r\n";
		_Static_assert(sizeof pub <= sizeof res->extra, "the public headers fit");
		memcpy(res->extra, pub, sizeof pub);
	} else {
		/* a reader's own figures: no shared cache keeps them, no other
		 * origin's script reads them */
		snprintf(res->extra, sizeof res->extra,
		         "%s%s%sX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nVary: Authorization\r\n",
		         out->challenge[0] ? "WWW-Authenticate: " : "", out->challenge, out->challenge[0] ? "\r\n" : "");
	}
	if (out->retry_after) {
		size_t n = strlen(res->extra);
		snprintf(res->extra + n, sizeof res->extra - n, "Retry-After: %u\r\n", out->retry_after);
	}
	res->status = out->status;
	res->content_type = out->content_type;
	res->body = out->body;
	res->len = out->body != NULL ? out->len : 0;
}

/* The route for target: its path copied into path (NUL terminated),
 * *query after the '?'. NULL with *too_long set when the path does not
 * fit, NULL alone when no route has it. */
static const struct pdl_route *
route_of(const struct pdl_http *h, const char *target, char *path, size_t cap, const char **query, int *too_long)
{
	const char *q = strchr(target, '?');
	size_t pl = q ? (size_t)(q - target) : strlen(target);
	*too_long = pl >= cap;
	if (*too_long)
		return NULL;
	memcpy(path, target, pl);
	path[pl] = 0;
	*query = q ? q + 1 : "";
	return find_route(h->cx->views, path, h->kind);
}

/* Runs the route for one request (hsrv.h's callback, on one of its
 * threads). */
static void
serve(void *arg, const struct pdl_hsrv_req *req, struct pdl_hsrv_res *res)
{
	struct pdl_http *h = arg;
	struct pdl_http_out out = {200, "application/json", NULL, 0, "", 0};
	char path[1024];
	const char *query = "";
	int too_long;
	const struct pdl_route *r = route_of(h, req->target, path, sizeof path, &query, &too_long);
	if (too_long) {
		pdl_http_error(&out, 414, "uri_too_long", "the request path is too long");
		count_request(h, NULL, out.status);
	} else {
		struct pdl_http_ctx cx = *h->cx; /* this request's: the reader is its own */
		struct pdl_reader reader;
		cx.reader = NULL;
		cx.srv = h;
		cx.host = req->host;
		int options = strcmp(req->method, "OPTIONS") == 0;
		if (r == NULL)
			pdl_http_error(&out, 404, "not_found", "no such resource: %.200s (see %s for the API)", path,
			               h->kind == PDL_HTTP_PRIVATE ? "spec/views.md" : "/v1/");
		else if (options && h->kind == PDL_HTTP_PRIVATE)
			pdl_http_error(&out, 405, "method_not_allowed", "this server answers GET and HEAD");
		else if (options)
			; /* a CORS preflight of a public route: 200, no body, the headers below */
		else if (h->kind == PDL_HTTP_PRIVATE &&
		         !pdl_http_authenticate(cx.db, req->authorization, req->method, req->target, pdl_now_ms(), &reader,
		                                &out))
			; /* answered: 401, 403 or 503 */
		else if (pdl_http_query_check(query, &out))
			; /* answered: 400 */
		else {
			if (h->kind == PDL_HTTP_PRIVATE)
				cx.reader = &reader;
			r->fn(&cx, query, path + strlen(r->path), &out);
		}
		count_request(h, r, out.status);
	}
	headers(h, &out, res);
	if (strcmp(req->method, "OPTIONS") == 0 && (res->status == 200 || res->status == 405)) {
		size_t n = strlen(res->extra);
		snprintf(res->extra + n, sizeof res->extra - n, "%s",
		         res->status == 405 ? "Allow: GET, HEAD\r\n"
		                            : "Access-Control-Allow-Methods: GET, HEAD\r\nAccess-Control-Allow-Headers: *\r\n"
		                              "Access-Control-Max-Age: 86400\r\n");
	}
}

/* The JSON answer to a request the server refuses before any route. */
static void
refuse(void *arg, int status, const char *why, struct pdl_hsrv_res *res)
{
	struct pdl_http *h = arg;
	struct pdl_http_out out = {status, "application/json", NULL, 0, "", 0};
	const char *code = status == 405 ? "method_not_allowed" : status == 413 ? "body_not_allowed" :
	                   status == 414 ? "uri_too_long" : status == 408 ? "request_timeout" : status == 431 ? "header_too_large" :
	                   status == 501 ? "not_implemented" : status == 505 ? "http_version" : "bad_request";
	pdl_http_error(&out, status, code, "%s", why != NULL ? why : "a malformed request");
	count_request(h, NULL, status);
	headers(h, &out, res);
}

int
pdl_http_ledger_open(struct pdl_http_ctx *cx, struct pdl_http_ledger *l, unsigned timeout_ms, struct pdl_status *st)
{
	struct pdl_http *h = cx->srv;
	memset(l, 0, sizeof *l);
	l->srv = h;
	l->slot = -1;
	if (cx->ledger_url == NULL)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "no ledger URL");
	/* Once the stop has begun no route dials: NNG 1.5.2 loses an IPC pipe
	 * (and its dialer) for good when its socket is closed just as the
	 * pipe's first header is sent (the negotiation's next read is begun on
	 * a stopped aio, which finishes nothing: LeakSanitizer reported it at
	 * exit, t_68). A client dialed before the stop is closed while its
	 * negotiation waits on pdld's header, which is safe. */
	if (h != NULL) {
		pthread_mutex_lock(&h->mu);
		int closed = h->ledger_closed;
		pthread_mutex_unlock(&h->mu);
		if (closed)
			return pdl_status_set(st, PDL_ECLOSED, NULL, "the server is stopping");
	}
	int rc = pdl_proj_client_open(&l->cl, cx->ledger_url, timeout_ms, st);
	if (rc != PDL_OK || h == NULL)
		return rc;
	pthread_mutex_lock(&h->mu);
	if (h->ledger_closed) {
		assert(h->ndone < PDL_HTTP_WORKERS);
		h->done[h->ndone++] = l->cl.sock; /* closed after the response (pdl_http_ledger_close) */
		l->cl.open = 0;
		pthread_mutex_unlock(&h->mu);
		return pdl_status_set(st, PDL_ECLOSED, NULL, "the server is stopping");
	}
	for (int i = 0; i < (int)PDL_HTTP_WORKERS && l->slot < 0; i++)
		if (!h->ledger_live[i]) {
			h->ledger[i] = l->cl.sock;
			h->ledger_live[i] = 1;
			l->slot = i;
		}
	pthread_mutex_unlock(&h->mu);
	assert(l->slot >= 0); /* one client at a time per thread */
	return PDL_OK;
}

int
pdl_http_walk_begin(struct pdl_http_ctx *cx, struct pdl_http_out *out)
{
	struct pdl_http *h = cx->srv;
	if (h == NULL)
		return 0;
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += (long)(PDL_HTTP_WALK_WAIT_MS % 1000u) * 1000000L;
	until.tv_sec += PDL_HTTP_WALK_WAIT_MS / 1000u + until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	int rc = 0, mine;
	pthread_mutex_lock(&h->mu);
	if (h->walking && h->walk_waiting >= PDL_HTTP_WALK_WAITERS) {
		mine = 0; /* enough wait already: this thread goes back to the cheap routes */
	} else {
		h->walk_waiting += h->walking;
		unsigned waited = h->walking != 0;
		while (h->walking && rc == 0)
			rc = pthread_cond_timedwait(&h->walk_free, &h->mu, &until);
		h->walk_waiting -= waited;
		mine = !h->walking;
		if (mine)
			h->walking = 1;
	}
	pthread_mutex_unlock(&h->mu);
	if (mine)
		return 0;
	pdl_http_error(out, 503, "busy",
	               "another request that reads every record it covers is running: try again in a second");
	out->retry_after = 1;
	return 1;
}

void
pdl_http_walk_end(struct pdl_http_ctx *cx)
{
	struct pdl_http *h = cx->srv;
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->walking = 0;
	pthread_cond_signal(&h->walk_free);
	pthread_mutex_unlock(&h->mu);
}

/* A route does not close its client itself: nng_close waits for NNG's
 * one reaper thread to reap the socket's dialer, which the answer need not
 * wait for. So the socket is handed to the server, and the thread closes
 * it after it has sent the response (close_done). */
void
pdl_http_ledger_close(struct pdl_http_ledger *l)
{
	struct pdl_http *h = l->srv;
	if (h == NULL || l->slot < 0) {
		pdl_client_close(&l->cl); /* not a route's: no server to answer first */
		return;
	}
	pthread_mutex_lock(&h->mu);
	if (h->ledger_live[l->slot] && l->cl.open) { /* else the stop closed it */
		assert(h->ndone < PDL_HTTP_WORKERS);
		h->done[h->ndone++] = l->cl.sock;
	}
	h->ledger_live[l->slot] = 0;
	pthread_mutex_unlock(&h->mu);
	l->slot = -1;
	l->cl.open = 0;
}

/* Closes the clients the routes are done with (after the response). */
static void
close_done(struct pdl_http *h)
{
	nng_socket s[PDL_HTTP_WORKERS];
	unsigned n;
	if (atomic_load_explicit(&h->ndone, memory_order_relaxed) == 0)
		return; /* the usual case: no lock taken (a late one waits for the next answer) */
	pthread_mutex_lock(&h->mu);
	n = h->ndone;
	memcpy(s, h->done, n * sizeof s[0]);
	h->ndone = 0;
	pthread_mutex_unlock(&h->mu);
	for (unsigned i = 0; i < n; i++)
		nng_close(s[i]);
}

/* Closes every route's pdld client: their waits end at once (NNG_ECLOSED). */
static void
close_ledgers(struct pdl_http *h)
{
	nng_socket s[PDL_HTTP_WORKERS];
	unsigned n = 0;
	pthread_mutex_lock(&h->mu);
	h->ledger_closed = 1;
	for (unsigned i = 0; i < PDL_HTTP_WORKERS; i++)
		if (h->ledger_live[i]) {
			s[n++] = h->ledger[i];
			h->ledger_live[i] = 0;
		}
	pthread_mutex_unlock(&h->mu);
	for (unsigned i = 0; i < n; i++)
		nng_close(s[i]);
}

static void
close_done_cb(void *arg)
{
	close_done(arg);
}

/* pdl-project's HTTP listeners (public, private) and the descriptors
 * besides their connections: the view's LMDB, the NNG sockets to pdld
 * (PDL_HTTP_WORKERS of them), the log (64), and --metrics's. */
#define PDL_HTTP_LISTENERS 2u
#define PDL_HTTP_FDS_RESERVE (64u + PDL_PROM_FDS_MAX)

/* Once, before the first listener starts: raises the descriptor limit to
 * the hard one, and keeps the listeners' connections within it; else
 * accept meets EMFILE before the tables are full, and a flood of one
 * listener starves the other. And large answers mapped apart, as pdld's
 * requests (pdl_malloc_map_apart): given back when sent, so what the
 * server holds is what its clients have yet to take. */
static void
fit_descriptors(void)
{
	static int done;
	if (done++)
		return;
	pdl_malloc_map_apart();
	uint64_t fds = pdl_nofile_raise();
	uint64_t fit = fds > PDL_HTTP_FDS_RESERVE + PDL_HTTP_LISTENERS ? (fds - PDL_HTTP_FDS_RESERVE) / PDL_HTTP_LISTENERS : 1;
	if (fit >= PDL_HSRV_CONNS_MAX)
		return;
	pdl_log(PDL_LOG_WARNING, "connections_clamped",
	        PDL_LOG_FIELDS(PDL_LF_U64("connections", fit), PDL_LF_U64("nofile", fds)),
	        "each HTTP listener keeps %llu connections, not %u: the descriptor limit (RLIMIT_NOFILE, hard) is "
	        "%llu; raise it (ulimit -Hn, LimitNOFILE=) to serve more",
	        (unsigned long long)fit, PDL_HSRV_CONNS_MAX, (unsigned long long)fds);
	pdl_hsrv_conns_max((unsigned)fit);
}

/* 1 when HOST:PORT names this host only (127.0.0.0/8, ::1, localhost). */
static int
loopback_addr(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strncmp(addr, "localhost:", 10) == 0 || strncmp(addr, "[::1]:", 6) == 0;
}

int
pdl_http_start(struct pdl_http **out, const char *addr, enum pdl_http_kind kind, struct pdl_http_ctx *cx,
               struct pdl_status *st)
{
	struct pdl_http *h = calloc(1, sizeof *h);
	if (h == NULL)
		return PDL_ENOMEM;
	h->cx = cx;
	h->kind = kind;
	fit_descriptors();
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->walk_free, &ca);
	pthread_condattr_destroy(&ca);
	int rc = pdl_hsrv_start(&h->srv, addr, kind == PDL_HTTP_PRIVATE ? "--private-http" : "--http", PDL_HTTP_WORKERS, 0,
	                        serve, refuse, close_done_cb, h, st);
	if (rc != PDL_OK) {
		pthread_cond_destroy(&h->walk_free);
		pthread_mutex_destroy(&h->mu);
		free(h);
		return rc;
	}
	if (kind == PDL_HTTP_PRIVATE && !loopback_addr(addr))
		pdl_log(PDL_LOG_WARNING, "private_not_loopback", PDL_LOG_FIELDS(PDL_LF_STR("private_http", addr)),
		        "the private listener %s is not on a loopback address: its answers (revenue, statements) go as "
		        "plaintext HTTP; keep it on a private network behind a TLS proxy (spec/views.md)",
		        addr);
	*out = h;
	return PDL_OK;
}

void
pdl_http_stop(struct pdl_http *h)
{
	if (h == NULL)
		return;
	/* the requests in flight finish at once, with their pdld clients closed */
	close_ledgers(h);
	pdl_hsrv_stop(h->srv);
	close_done(h);
	pthread_cond_destroy(&h->walk_free);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
