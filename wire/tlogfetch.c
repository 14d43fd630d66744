/* tlogfetch.c — see tlogfetch.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "proto.h"
#include "tlogfetch.h"

int
pdl_tlogfetch_open(struct pdl_tlogfetch *f, const char *base, struct pdl_status *st)
{
	int rv;
	size_t n = strlen(base);
	memset(f, 0, sizeof *f);
	if ((strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) || n + 2 > sizeof f->base)
		return pdl_status_set(st, PDL_EINVAL, NULL, "%s is not an http:// or https:// URL", base);
	memcpy(f->base, base, n + 1);
	if (f->base[n - 1] != '/')
		memcpy(f->base + n, "/", 2);
	if ((rv = nng_url_parse(&f->url, f->base)) != 0)
		return pdl_status_set(st, PDL_EINVAL, NULL, "%s: %s", base, nng_strerror(rv));
	if ((rv = nng_http_client_alloc(&f->cli, f->url)) != 0 || (rv = nng_aio_alloc(&f->aio, NULL, NULL)) != 0) {
		pdl_tlogfetch_close(f);
		return pdl_status_set(st, PDL_ENOMEM, NULL, "cannot set up the HTTP client: %s", nng_strerror(rv));
	}
	nng_aio_set_timeout(f->aio, PDL_TLOGFETCH_TIMEOUT_MS);
	if (strncmp(base, "https://", 8) == 0) {
		const char *ca = pdl_client_tls_ca_file();
		nng_tls_config *cfg;
		if (ca == NULL) {
			pdl_tlogfetch_close(f);
			return pdl_status_set(st, PDL_EINVAL, NULL,
			                      "https needs the CA certificates to check the server with: --tls-ca FILE or "
			                      "PDL_TLS_CA (mbedTLS has no system store)");
		}
		if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT)) != 0 ||
		    (rv = nng_tls_config_ca_file(cfg, ca)) != 0 ||
		    (rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) != 0 ||
		    (rv = nng_tls_config_server_name(cfg, f->url->u_hostname)) != 0 ||
		    (rv = nng_http_client_set_tls(f->cli, cfg)) != 0) {
			pdl_tlogfetch_close(f);
			return pdl_status_set(st, PDL_EKEY, NULL, "TLS with the CA file %s: %s", ca, nng_strerror(rv));
		}
		nng_tls_config_free(cfg); /* the client holds its own reference */
	}
	return PDL_OK;
}

void
pdl_tlogfetch_close(struct pdl_tlogfetch *f)
{
	if (f->conn != NULL)
		nng_http_conn_close(f->conn);
	if (f->aio != NULL)
		nng_aio_free(f->aio);
	if (f->cli != NULL)
		nng_http_client_free(f->cli);
	if (f->url != NULL)
		nng_url_free(f->url);
	memset(f, 0, sizeof *f);
}

static int
connect_(struct pdl_tlogfetch *f, struct pdl_status *st)
{
	nng_http_client_connect(f->cli, f->aio);
	nng_aio_wait(f->aio);
	int rv = nng_aio_result(f->aio);
	if (rv != 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "cannot connect to %s: %s", f->base, nng_strerror(rv));
	f->conn = nng_aio_get_output(f->aio, 0);
	return PDL_OK;
}

int
pdl_tlogfetch_get(struct pdl_tlogfetch *f, const char *path, size_t max, uint8_t **body, size_t *n, int *status,
                  struct pdl_status *st)
{
	char uri[PDL_TLOGFETCH_URL_MAX * 2];
	nng_http_req *req = NULL;
	nng_http_res *res = NULL;
	int rc = PDL_OK, rv;
	*body = NULL;
	*n = 0;
	*status = 0;
	/* the prefix's path, then the resource */
	const char *p = f->url->u_path[0] != '\0' ? f->url->u_path : "/";
	snprintf(uri, sizeof uri, "%s%s%s", p, p[strlen(p) - 1] == '/' ? "" : "/", path);
	for (int attempt = 0; attempt < 2; attempt++) {
		if (f->conn == NULL && (rc = connect_(f, st)) != PDL_OK)
			return rc;
		if ((rv = nng_http_req_alloc(&req, f->url)) != 0 || (rv = nng_http_res_alloc(&res)) != 0 ||
		    (rv = nng_http_req_set_uri(req, uri)) != 0) {
			rc = pdl_status_set(st, PDL_ENOMEM, NULL, "HTTP request: %s", nng_strerror(rv));
			goto out;
		}
		nng_http_conn_transact(f->conn, req, res, f->aio);
		nng_aio_wait(f->aio);
		rv = nng_aio_result(f->aio);
		if (rv == 0)
			break;
		/* a kept-alive connection the server closed: once more on a new one */
		nng_http_conn_close(f->conn);
		f->conn = NULL;
		nng_http_req_free(req);
		nng_http_res_free(res);
		req = NULL;
		res = NULL;
		if (attempt == 1)
			return pdl_status_set(st, PDL_ECLOSED, NULL, "GET %s%s: %s", f->base, path, nng_strerror(rv));
	}
	*status = nng_http_res_get_status(res);
	if (*status == 200) {
		void *d;
		size_t dn;
		nng_http_res_get_data(res, &d, &dn);
		if (dn > max) {
			rc = pdl_status_set(st, PDL_ETOOBIG, NULL, "GET %s%s: %zu bytes, over the %zu this resource may have",
			                    f->base, path, dn, max);
			goto out;
		}
		if ((*body = malloc(dn ? dn : 1)) == NULL) {
			rc = pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
			goto out;
		}
		memcpy(*body, d, dn);
		*n = dn;
	}
	if (nng_http_res_get_header(res, "Connection") != NULL &&
	    strcasecmp(nng_http_res_get_header(res, "Connection"), "close") == 0) {
		nng_http_conn_close(f->conn);
		f->conn = NULL;
	}
out:
	if (req != NULL)
		nng_http_req_free(req);
	if (res != NULL)
		nng_http_res_free(res);
	return rc;
}
