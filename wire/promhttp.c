/* promhttp.c — see promhttp.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "promhttp.h"

struct pdl_prom_srv {
	nng_http_server *srv;
	pdl_prom_render_fn render;
	pdl_prom_count_fn count;
	void *arg;
};

static void
reply(nng_aio *aio, struct pdl_prom_srv *s, const char *route, int status, const char *type, const void *body,
      size_t len)
{
	nng_http_res *res;
	if (nng_http_res_alloc(&res) != 0) {
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	nng_http_res_set_status(res, (uint16_t)status);
	nng_http_res_set_header(res, "Content-Type", type);
	nng_http_res_set_header(res, "Cache-Control", "no-store");
	if (len > 0 && nng_http_res_copy_data(res, body, len) != 0) {
		nng_http_res_free(res);
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	if (s->count != NULL)
		s->count(route, status, s->arg);
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

static void
handle(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	nng_http_handler *hh = nng_aio_get_input(aio, 1);
	struct pdl_prom_srv *s = nng_http_handler_get_data(hh);
	const char *uri = nng_http_req_get_uri(req);
	size_t pl = strcspn(uri, "?");
	if (pl != 8 || strncmp(uri, "/metrics", 8) != 0) {
		static const char msg[] = "not found: the metrics are at /metrics\n";
		reply(aio, s, "other", 404, "text/plain; charset=utf-8", msg, sizeof msg - 1);
		return;
	}
	struct pdl_prom_buf b = {0};
	s->render(&b, s->arg);
	if (b.oom) {
		static const char msg[] = "out of memory writing the metrics\n";
		reply(aio, s, "/metrics", 500, "text/plain; charset=utf-8", msg, sizeof msg - 1);
	} else {
		reply(aio, s, "/metrics", 200, "text/plain; version=0.0.4; charset=utf-8", b.p, b.n);
	}
	pdl_prom_buf_free(&b);
}

int
pdl_prom_serve(struct pdl_prom_srv **out, const char *addr, pdl_prom_render_fn render, pdl_prom_count_fn count,
               void *arg, struct pdl_status *st)
{
	char urls[300];
	nng_url *url;
	nng_http_handler *hh;
	int rv;
	*out = NULL;
	if (strlen(addr) > 200)
		return pdl_status_set(st, PDL_EINVAL, NULL, "--metrics address too long");
	struct pdl_prom_srv *s = calloc(1, sizeof *s);
	if (s == NULL)
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	s->render = render;
	s->count = count;
	s->arg = arg;
	snprintf(urls, sizeof urls, "http://%s", addr);
	if ((rv = nng_url_parse(&url, urls)) != 0) {
		free(s);
		return pdl_status_set(st, PDL_EINVAL, NULL, "bad --metrics address %s (HOST:PORT): %s", addr,
		                      nng_strerror(rv));
	}
	rv = nng_http_server_hold(&s->srv, url);
	nng_url_free(url);
	if (rv != 0) {
		free(s);
		return pdl_status_set(st, PDL_EINVAL, NULL, "cannot serve metrics on %s: %s", addr, nng_strerror(rv));
	}
	if ((rv = nng_http_handler_alloc(&hh, "/", handle)) != 0)
		goto fail;
	nng_http_handler_set_method(hh, "GET");
	nng_http_handler_set_tree(hh);
	nng_http_handler_set_data(hh, s, NULL);
	if ((rv = nng_http_server_add_handler(s->srv, hh)) != 0) {
		nng_http_handler_free(hh);
		goto fail;
	}
	if ((rv = nng_http_server_start(s->srv)) != 0)
		goto fail;
	*out = s;
	return PDL_OK;
fail:
	nng_http_server_release(s->srv);
	free(s);
	return pdl_status_set(st, PDL_ECLOSED, NULL, "cannot serve metrics on %s: %s", addr, nng_strerror(rv));
}

void
pdl_prom_stop(struct pdl_prom_srv *s)
{
	if (s == NULL)
		return;
	nng_http_server_stop(s->srv);
	nng_http_server_release(s->srv);
	free(s);
}
