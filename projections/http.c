/* http.c — see http.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "http.h"

struct pdl_http {
	nng_http_server *srv;
	struct pdl_http_ctx *cx;
};

struct handler_data {
	struct pdl_http_ctx *cx;
	int root; /* the "/" page handler */
};

static const struct pdl_route *const *route_lists(void);
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
	pdl_http_json(out, status, json_pack("{s:s,s:s}", "error", code, "message", msg));
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
	if (buf[0] == 0 || strlen(buf) > 19)
		return -1;
	uint64_t x = 0;
	for (const char *c = buf; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		x = x * 10 + (uint64_t)(*c - '0');
	}
	*v = x;
	return 1;
}

/* Finds the route for path: an exact match, else the longest tree prefix. */
static const struct pdl_route *
find_route(const char *path)
{
	const struct pdl_route *best = NULL;
	size_t best_len = 0;
	for (const struct pdl_route *const *l = route_lists(); *l != NULL; l++) {
		for (const struct pdl_route *r = *l; r->path != NULL; r++) {
			size_t n = strlen(r->path);
			if (!r->tree && strcmp(path, r->path) == 0)
				return r;
			if (r->tree && strncmp(path, r->path, n) == 0 && n > best_len) {
				best = r;
				best_len = n;
			}
		}
	}
	return best;
}

static void
handle(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	nng_http_handler *h = nng_aio_get_input(aio, 1);
	struct handler_data *hd = nng_http_handler_get_data(h);
	struct pdl_http_out out = {200, "application/json", NULL, 0};
	const char *uri = nng_http_req_get_uri(req);
	char path[1024];
	const char *q = strchr(uri, '?');
	size_t pl = q ? (size_t)(q - uri) : strlen(uri);
	if (pl >= sizeof path) {
		pdl_http_error(&out, 414, "uri_too_long", "the request path is too long");
	} else {
		memcpy(path, uri, pl);
		path[pl] = 0;
		const char *query = q ? q + 1 : "";
		const struct pdl_route *r = hd->root ? find_route("/") : find_route(path);
		if (r == NULL)
			pdl_http_error(&out, 404, "not_found", "no such resource: %.200s (see /v1/ for the API)", path);
		else
			r->fn(hd->cx, query, path + strlen(r->path), &out);
	}
	nng_http_res *res;
	if (nng_http_res_alloc(&res) != 0) {
		free(out.body);
		nng_aio_finish(aio, NNG_ENOMEM);
		return;
	}
	nng_http_res_set_status(res, (uint16_t)out.status);
	nng_http_res_set_header(res, "Content-Type", out.content_type);
	nng_http_res_set_header(res, "Cache-Control", "no-cache");
	nng_http_res_set_header(res, "Access-Control-Allow-Origin", "*");
	if (out.body != NULL)
		nng_http_res_copy_data(res, out.body, out.len);
	free(out.body);
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

static const struct pdl_route *const *
route_lists(void)
{
	static const struct pdl_route *const lists[] = {pdl_routes_disclosure, pdl_routes_metrics, pdl_routes_revenue, NULL};
	return lists;
}

/* NNG 1.5 refuses a handler under a tree handler's path, so the whole API
 * is one tree handler at /v1 routing by the route tables, and "/" one
 * exact handler for the page. */
static int
add(struct pdl_http *h, const char *path, int tree, int root, struct pdl_status *st)
{
	nng_http_handler *hh;
	struct handler_data *hd = malloc(sizeof *hd);
	int rv;
	if (hd == NULL)
		return PDL_ENOMEM;
	hd->cx = h->cx;
	hd->root = root;
	if ((rv = nng_http_handler_alloc(&hh, path, handle)) != 0) {
		free(hd);
		return pdl_status_set(st, PDL_EINVAL, NULL, "route %s: %s", path, nng_strerror(rv));
	}
	nng_http_handler_set_method(hh, "GET");
	if (tree)
		nng_http_handler_set_tree(hh);
	nng_http_handler_set_data(hh, hd, free);
	if ((rv = nng_http_server_add_handler(h->srv, hh)) != 0) {
		nng_http_handler_free(hh);
		return pdl_status_set(st, PDL_EINVAL, NULL, "route %s: %s", path, nng_strerror(rv));
	}
	return PDL_OK;
}

int
pdl_http_start(struct pdl_http **out, const char *addr, struct pdl_http_ctx *cx, struct pdl_status *st)
{
	char urls[300];
	nng_url *url;
	int rv;
	struct pdl_http *h = calloc(1, sizeof *h);
	if (h == NULL)
		return PDL_ENOMEM;
	h->cx = cx;
	snprintf(urls, sizeof urls, "http://%s", addr);
	if ((rv = nng_url_parse(&url, urls)) != 0) {
		free(h);
		return pdl_status_set(st, PDL_EINVAL, NULL, "bad --http address %s: %s", addr, nng_strerror(rv));
	}
	rv = nng_http_server_hold(&h->srv, url);
	nng_url_free(url);
	if (rv != 0) {
		free(h);
		return pdl_status_set(st, PDL_EINVAL, NULL, "cannot serve HTTP on %s: %s", addr, nng_strerror(rv));
	}
	int rc = add(h, "/v1", 1, 0, st);
	if (rc == PDL_OK)
		rc = add(h, "/", 0, 1, st);
	if (rc == PDL_OK && (rv = nng_http_server_start(h->srv)) != 0)
		rc = pdl_status_set(st, PDL_ECLOSED, NULL, "cannot serve HTTP on %s: %s", addr, nng_strerror(rv));
	if (rc != PDL_OK) {
		nng_http_server_release(h->srv);
		free(h);
		return rc;
	}
	*out = h;
	return PDL_OK;
}

void
pdl_http_stop(struct pdl_http *h)
{
	if (h == NULL)
		return;
	nng_http_server_stop(h->srv);
	nng_http_server_release(h->srv);
	free(h);
}
