/*
 * http.h — the read-only HTTP servers over the views (NNG's HTTP server).
 * Every response is JSON (or the HTML page at "/", or Atom, or CSV); bad
 * parameters get a 4xx JSON error {error, message}.
 *
 * A server is one listener of one kind. The public listener serves only
 * what spec/views.md calls public, to anyone (CORS *). Routes say which
 * listeners serve them (PDL_ROUTE_PUBLIC, PDL_ROUTE_PRIVATE); a route that
 * is not flagged for a listener does not exist there (404), so a private
 * route can never be reached on the public listener by mistake.
 *
 * The private listener authenticates every request in one place, before
 * any route runs: `Authorization: PDL-Sig party=…,time=…,sig=…` (readtok.h)
 * over this ledger's id, the HTTP method and the request target exactly as
 * sent, checked against the key the party holds at the view's cursor (the
 * framework's party table, proj.h), within PDL_READTOK_SKEW_MS of this
 * host's clock; a suspended party is refused. The route then gets the
 * reader (cx->reader) and decides what it may read (403 not_entitled):
 * parties with the authority or auditor role read everything, any other
 * party what concerns itself (spec/views.md "Private listener").
 */
#ifndef PDL_HTTP_H
#define PDL_HTTP_H

#include "proj.h"

#define PDL_HTTP_LIMIT_MAX 1000u  /* items per page; larger limits get 400 */
#define PDL_HTTP_LIMIT_DEFAULT 100u

struct pdl_http;

/* A response being built by a route. */
struct pdl_http_out {
	int status;             /* 200 unless set */
	const char *content_type; /* default application/json */
	char *body;             /* malloc'd */
	size_t len;
	char challenge[160];    /* WWW-Authenticate of a 401 ("" none) */
	unsigned retry_after;   /* Retry-After seconds of a 503 (0 none) */
};

/* Who is asking, on the private listener. */
struct pdl_reader {
	char party[PDL_ID_LEN_MAX + 1];
	uint32_t roles; /* PDL_ROLE_*, as the view knows them */
};

struct pdl_http_ctx {
	struct pdl_vdb *db;
	const char *ledger_url;          /* for checkpoint, proofs, entries */
	const struct pdl_reader *reader; /* NULL on the public listener; set per request on the private one */
	struct pdl_http *srv;            /* the server running the request (set per request) */
	const struct pdl_view *const *views; /* whose routes are served (NULL-terminated; views.h's pdl_views) */
	const char *public_url;          /* pdl-project --public-url: the base of absolute links, or NULL */
	const char *host;                /* the request's Host header, untrusted (set per request; NULL none) */
	struct pdl_prom_family *requests;    /* counts each request by listener, route and status (NULL: none) */
};

/* A route's client to pdld. pdl_http_ledger_open dials without blocking,
 * bounds every wait by timeout_ms, and registers the socket with the
 * server, so that pdl_http_stop closes it at once: a route waiting on a
 * pdld that does not answer (stopped, hung) then fails at once (answer
 * 503) instead of holding up the server's stop and the process's exit.
 * Errors: PDL_ECLOSED (the server is stopping; no URL; the dial failed),
 * PDL_EINVAL. Close with pdl_http_ledger_close whatever happened. */
struct pdl_http_ledger {
	struct pdl_client cl;
	struct pdl_http *srv;
	int slot; /* in the server's table; -1 none */
};
int pdl_http_ledger_open(struct pdl_http_ctx *cx, struct pdl_http_ledger *l, unsigned timeout_ms,
                         struct pdl_status *st);
void pdl_http_ledger_close(struct pdl_http_ledger *l);

/* A route that reads every record it covers (the annual report, a metrics
 * list filtered by period, an /explain) takes the listener's one walk
 * before it reads. pdl_http_walk_begin lets PDL_HTTP_WALK_WAITERS threads
 * wait for it (up to PDL_HTTP_WALK_WAIT_MS); any other, or one whose wait
 * ran out, is answered 503 busy (Retry-After: 1) at once and it returns 1.
 * So such requests, however many come, keep at most 1 + WAITERS of the
 * server's 8 threads (one walking: one CPU), and the others answer the
 * cheap routes. 0: the walk
 * is the route's; give it back with pdl_http_walk_end. Outside a server
 * (cx->srv NULL) there is nothing to wait for. */
#define PDL_HTTP_WALK_WAIT_MS 1000u
#define PDL_HTTP_WALK_WAITERS 3u
int pdl_http_walk_begin(struct pdl_http_ctx *cx, struct pdl_http_out *out);
void pdl_http_walk_end(struct pdl_http_ctx *cx);

/* 1 when the reader may read everything private: the authority or an auditor. */
int pdl_reader_reads_all(const struct pdl_reader *r);
/* 1 when the reader may read what concerns `party`: itself, or everything. */
int pdl_reader_may(const struct pdl_reader *r, const char *party);
/* Answers 403 not_entitled, naming the reader and what it asked for. */
void pdl_http_not_entitled(struct pdl_http_out *out, const struct pdl_reader *r, const char *what);

/* Route handler: path is the full request path, query the part after '?'
 * (may be ""), rest the path after the route prefix. */
typedef void (*pdl_route_fn)(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out);

/* Which listeners serve a route (either or both). */
#define PDL_ROUTE_PUBLIC 1u  /* the public listener (--http) */
#define PDL_ROUTE_PRIVATE 2u /* the private listener (--private-http) */
/* The route reads the view's LMDB only (no request to pdld, no NNG I/O):
 * on the public listener it runs on NNG's thread at once, without the
 * handoff to a worker (http.c's header says why others need it). */
#define PDL_ROUTE_INLINE 4u

struct pdl_route {
	const char *path;
	int tree;  /* 1: prefix match */
	pdl_route_fn fn;
	unsigned flags; /* PDL_ROUTE_* */
};

enum pdl_http_kind {
	PDL_HTTP_PUBLIC,  /* public routes, anyone, CORS * */
	PDL_HTTP_PRIVATE, /* private routes */
};

/* Each view brings its routes (struct pdl_view's routes: a NULL-path
 * terminated list); a server serves those of cx->views. Paths are full
 * ("/v1/grants"); a tree route matches its prefix and gets the remainder
 * as `rest`. The page at "/" is the route with path "/". A path is matched
 * exactly first, then by the longest tree prefix, over the views in order.
 * The framework's own routes (the page assets, page.h) come before them.
 *
 * Every answer of the public listener carries a Content-Security-Policy
 * that lets a page load nothing but files of its own origin and run no
 * inline script (`default-src 'none'; script-src 'self'; style-src 'self';
 * img-src 'self'; connect-src 'self'; form-action 'none';
 * frame-ancestors 'none'; base-uri 'none'`), with nosniff and no referrer. */

/* 1 when the public listener of cx would serve path (a view's route or
 * the framework's own, page.h), for links to pages that may not exist. */
int pdl_http_has_route(const struct pdl_http_ctx *cx, const char *path);

/* Serves the routes of `kind` on addr (HOST:PORT). Errors: PDL_EINVAL (a
 * bad address, a route NNG refuses), PDL_ECLOSED (cannot listen),
 * PDL_ENOMEM. */
int pdl_http_start(struct pdl_http **h, const char *addr, enum pdl_http_kind kind, struct pdl_http_ctx *cx,
                   struct pdl_status *st);
/* Stops the server: closes the routes' pdld clients (see above), waits for
 * the requests in flight, which then finish at once, and frees h. */
void pdl_http_stop(struct pdl_http *h);

/* The private listener's check of one request (see the top): authorization
 * is the header's value (NULL when absent), method and target the request's
 * as sent, now_ms this host's clock. 1 and *r set when the reader is
 * authenticated; else 0 with out answered: 401 (unauthorized, bad_token,
 * unknown_party, token_expired, bad_signature; with a PDL-Sig challenge
 * naming the ledger id), 403 party_suspended, 503 view_not_ready. */
int pdl_http_authenticate(struct pdl_vdb *db, const char *authorization, const char *method, const char *target,
                          uint64_t now_ms, struct pdl_reader *r, struct pdl_http_out *out);

/* Helpers for routes. */
void pdl_http_json(struct pdl_http_out *out, int status, json_t *doc); /* steals doc */
void pdl_http_error(struct pdl_http_out *out, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Query parameter lookup: copies the decoded value into buf; 1 if present.
 * (The server has already refused a query with a malformed escape, a
 * control character or a repeated name, before the route runs.) */
int pdl_http_param(const char *query, const char *name, char *buf, size_t cap);
#define PDL_HTTP_UINT_MAX ((uint64_t)INT64_MAX) /* answers are JSON int64s: larger numbers are out of range */
/* Parses a non-negative integer parameter, at most PDL_HTTP_UINT_MAX;
 * 0 absent (def used), 1 ok, -1 bad or out of range. */
int pdl_http_uint(const char *query, const char *name, uint64_t def, uint64_t *v);
/* The server's check of a query as a whole, before any route reads it
 * (spec/views.md): every %-escape is two hex digits, no name or value
 * decodes to a control character (a %00 would cut a value short:
 * "status=active%00x" is not "active"), no parameter is given twice (which
 * one would count?). 1 if it answered 400 bad_parameter. */
int pdl_http_query_check(const char *query, struct pdl_http_out *out);
/* Query parameters other than those listed (NULL-terminated) → 400
 * unknown_parameter; 1 if it answered. Every route calls it. */
int pdl_http_params_only(const char *query, const char *const *allowed, struct pdl_http_out *out);

#endif
