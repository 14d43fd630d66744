/*
 * promhttp.h — the metrics listener of pdld and pdl-project (--metrics
 * ADDR): an HTTP server of its own (hsrv.h, one thread) that answers GET
 * /metrics with the text a render callback writes (prom.h), Content-Type
 * "text/plain; version=0.0.4", and 404 to any other path. It is apart from
 * the data listeners so that it can be bound where only the monitoring
 * system reaches it; like them it bounds what a client costs (hsrv.h's
 * deadlines; at most 32 connections, a new one taking the place of the
 * one idle the longest).
 *
 * The callback runs on the server's one thread for each scrape, so a
 * scrape waits for the one before it; it must not block long (reading
 * atomics, a read transaction, a mutex held briefly are fine). Each
 * request is counted with `count` (when not NULL): route "/metrics" or
 * "other", and the status sent.
 */
#ifndef PDL_PROMHTTP_H
#define PDL_PROMHTTP_H

#include "hsrv.h"
#include "prom.h"
#include "util.h"

/* The connections the listener keeps, and the descriptors it may hold at
 * most: those, the ones hsrv lets in over them while idle ones close, its
 * socket, epoll and eventfd (a daemon counts them into its reserve). */
#define PDL_PROM_CONNS 32u
#define PDL_PROM_FDS_MAX (PDL_PROM_CONNS + PDL_HSRV_EVICT_SPARE + 3u)

typedef void (*pdl_prom_render_fn)(struct pdl_prom_buf *b, void *arg);
typedef void (*pdl_prom_count_fn)(const char *route, int status, void *arg);

struct pdl_prom_srv;

/* Serves addr (HOST:PORT). Errors: PDL_EINVAL (a bad address), PDL_ECLOSED
 * (cannot listen there: the message names the address and the system's
 * reason, "Address already in use" when another process has it),
 * PDL_ENOMEM. */
int pdl_prom_serve(struct pdl_prom_srv **out, const char *addr, pdl_prom_render_fn render, pdl_prom_count_fn count,
                   void *arg, struct pdl_status *st);
/* Stops the server (waits for a scrape in progress) and frees it; NULL is fine. */
void pdl_prom_stop(struct pdl_prom_srv *s);

#endif
