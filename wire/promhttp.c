/* promhttp.c — see promhttp.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promhttp.h"

/* A scrape is rare and quick: one thread answers, and PDL_PROM_CONNS
 * connections are kept (a monitoring system holds one or two; past that
 * number a new one takes the place of the one idle the longest). */
#define PROM_THREADS 1u

struct pdl_prom_srv {
	struct pdl_hsrv *srv;
	pdl_prom_render_fn render;
	pdl_prom_count_fn count;
	void *arg;
};

/* res answers with status and a copy of text (NUL-terminated) */
static void
text(struct pdl_hsrv_res *res, int status, const char *type, const char *body, size_t len)
{
	res->status = status;
	res->content_type = type;
	snprintf(res->extra, sizeof res->extra, "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n");
	res->body = malloc(len + 1);
	res->len = res->body != NULL ? len : 0;
	if (res->body != NULL) {
		memcpy(res->body, body, len);
		res->body[len] = 0;
	}
}

static void
serve(void *arg, const struct pdl_hsrv_req *req, struct pdl_hsrv_res *res)
{
	static const char plain[] = "text/plain; charset=utf-8";
	struct pdl_prom_srv *s = arg;
	const char *route = "/metrics";
	size_t pl = strcspn(req->target, "?");
	if (pl != 8 || strncmp(req->target, "/metrics", 8) != 0) {
		static const char msg[] = "not found: the metrics are at /metrics\n";
		route = "other";
		text(res, 404, plain, msg, sizeof msg - 1);
	} else {
		struct pdl_prom_buf b = {0};
		s->render(&b, s->arg);
		if (b.oom) {
			static const char msg[] = "out of memory writing the metrics\n";
			text(res, 500, plain, msg, sizeof msg - 1);
		} else {
			text(res, 200, "text/plain; version=0.0.4; charset=utf-8", b.p != NULL ? b.p : "", b.n);
		}
		pdl_prom_buf_free(&b);
	}
	if (s->count != NULL)
		s->count(route, res->status, s->arg);
}

static void
refuse(void *arg, int status, const char *why, struct pdl_hsrv_res *res)
{
	struct pdl_prom_srv *s = arg;
	char msg[300];
	int n = snprintf(msg, sizeof msg, "%s\n", why != NULL ? why : "a malformed request");
	text(res, status, "text/plain; charset=utf-8", msg, n > 0 && (size_t)n < sizeof msg ? (size_t)n : 0);
	if (s->count != NULL)
		s->count("other", status, s->arg);
}

int
pdl_prom_serve(struct pdl_prom_srv **out, const char *addr, pdl_prom_render_fn render, pdl_prom_count_fn count,
               void *arg, struct pdl_status *st)
{
	*out = NULL;
	if (strlen(addr) > 200)
		return pdl_status_set(st, PDL_EINVAL, NULL, "--metrics address too long");
	struct pdl_prom_srv *s = calloc(1, sizeof *s);
	if (s == NULL)
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	s->render = render;
	s->count = count;
	s->arg = arg;
	struct pdl_status hs = {0};
	int rc = pdl_hsrv_start(&s->srv, addr, "--metrics", PROM_THREADS, PDL_PROM_CONNS, serve, refuse, NULL, s, &hs);
	if (rc != PDL_OK) {
		free(s);
		/* hsrv says "cannot serve HTTP on ADDR: why"; here it is the metrics */
		const char *why = strstr(hs.msg, ": ");
		if (rc == PDL_ECLOSED && why != NULL)
			return pdl_status_set(st, rc, NULL, "cannot serve metrics on %s%s", addr, why);
		return pdl_status_set(st, rc, NULL, "%s", hs.msg);
	}
	*out = s;
	return PDL_OK;
}

void
pdl_prom_stop(struct pdl_prom_srv *s)
{
	if (s == NULL)
		return;
	pdl_hsrv_stop(s->srv);
	free(s);
}
