/*
 * hsrv.h — the HTTP/1.1 server under pdl-project's listeners
 * (projections/core/http.h) and both daemons' --metrics (promhttp.h):
 * sockets, keep-alive connections and framing; the caller's callback
 * answers each request.
 *
 * Why not NNG's HTTP server: every request crossed several of its threads
 * (its poller, its task queue, the aio callbacks), with a wakeup at each
 * step, and built the response from a header list of small allocations;
 * on the read path (spec/views.md: entries and proofs) that was about half
 * of pdl-project's CPU, against nginx serving the same data as tiles.
 * Here a few threads share one epoll set: the thread that is told a
 * connection is readable reads the request, runs the route, writes the
 * answer (one send for head and body) and hands the connection back to
 * epoll, with no other thread involved. A thread may run a route that
 * waits on pdld (a REQ round trip): the others go on serving.
 *
 * Requests are GET or HEAD without a body (the listeners only read);
 * the head is parsed by lib/http1.h, at most PDL_H1_HEAD_MAX bytes.
 *
 * Invariants:
 *  (1) a connection is served by one thread at a time: it is in the epoll
 *      set one-shot, and re-armed only by the thread that served it;
 *  (2) a connection's descriptor is closed only after the connection has
 *      left the server's table, under the table's lock; the sweeper, which
 *      shuts down connections past their deadline, holds that lock, so it
 *      never touches a descriptor number that was reused;
 *  (3) every connection has a deadline: PDL_HSRV_FIRST_MS for a new
 *      one's first byte, PDL_HSRV_IDLE_MS for a kept-alive one to start a
 *      request, PDL_HSRV_REQ_MS from its first byte to its whole head,
 *      PDL_HSRV_SEND_MS for each progress of a response the client is
 *      slow to take; none while its route runs (routes bound their own
 *      waits). Past it, the connection is shut down.
 */
#ifndef PDL_HSRV_H
#define PDL_HSRV_H

#include "pdl.h"
#include "util.h"

#define PDL_HSRV_THREADS_MAX 16u
#define PDL_HSRV_CONNS_MAX 1024u /* connections a server keeps (about 9 KiB each) */
#define PDL_HSRV_EVICT_SPARE 64u /* taken over the limit by new connections while evicted ones close */

/* One request, as the route callback gets it. Strings are NUL-terminated
 * and valid during the callback only. */
struct pdl_hsrv_req {
	const char *method; /* "GET" or "HEAD" */
	const char *target; /* the request target as sent */
	const char *host;   /* the Host header, NULL when absent or too long */
	const char *authorization; /* NULL when absent */
};

/* A response: status, content type, extra header lines (each ending in
 * "\r\n", or NULL), and the body, malloc'd (NULL for none; the server
 * frees it). */
struct pdl_hsrv_res {
	int status;
	const char *content_type;
	char extra[768];
	char *body;
	size_t len;
};

/* Answers one request into res (always set). */
typedef void (*pdl_hsrv_fn)(void *arg, const struct pdl_hsrv_req *req, struct pdl_hsrv_res *res);
/* Answers a request the server refuses before any route: status 400,
 * 405, 408, 413, 414, 431, 501 or 505, why saying what was wrong. */
typedef void (*pdl_hsrv_err_fn)(void *arg, int status, const char *why, struct pdl_hsrv_res *res);
/* Called by a serving thread after each response is sent (may be NULL). */
typedef void (*pdl_hsrv_after_fn)(void *arg);

struct pdl_hsrv;

/* Sets how many connections each server keeps, 1..PDL_HSRV_CONNS_MAX
 * (the default), before any starts: pdl-project lowers it when the
 * descriptor limit cannot hold that many. When a server has that many,
 * a new connection takes the place of the one idle the longest (nothing
 * begun, nothing owed; it is closed); when none is idle the new one is
 * closed. */
void pdl_hsrv_conns_max(unsigned n);

/* Listens on addr (HOST:PORT, [IPv6]:PORT) and serves with `threads`
 * threads (1..PDL_HSRV_THREADS_MAX), keeping at most `conns` connections
 * (0: pdl_hsrv_conns_max's number; at most PDL_HSRV_CONNS_MAX). what names
 * the listener in errors ("--http"). Errors: PDL_EINVAL (a bad address),
 * PDL_ECLOSED (cannot listen there), PDL_ENOMEM. */
int pdl_hsrv_start(struct pdl_hsrv **s, const char *addr, const char *what, unsigned threads, unsigned conns,
                   pdl_hsrv_fn fn, pdl_hsrv_err_fn err, pdl_hsrv_after_fn after, void *arg, struct pdl_status *st);
/* Stops listening, lets each thread finish the request it runs, closes
 * every connection and frees s. */
void pdl_hsrv_stop(struct pdl_hsrv *s);

#endif
