/*
 * tlogfetch.h — reading a C2SP tlog-tiles log over HTTP(S): GETs of
 * "<prefix>/<path>" on one kept-alive connection (NNG's HTTP client), for
 * `pdl mirror --from http(s)://…`.
 *
 * https uses NNG's TLS (mbedTLS): the server's certificate must chain to
 * the CA file given as for pdld clients (--tls-ca FILE or PDL_TLS_CA) and
 * name the URL's host; mbedTLS has no system store, so https without a CA
 * file is refused.
 *
 * Invariants:
 *  (1) a body handed out is complete (the server's Content-Length) and at
 *      most the caller's max;
 *  (2) every wait is bounded (PDL_TLOGFETCH_TIMEOUT_MS).
 */
#ifndef PDL_TLOGFETCH_H
#define PDL_TLOGFETCH_H

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "util.h"

#define PDL_TLOGFETCH_TIMEOUT_MS 30000u /* one GET, connection included */
#define PDL_TLOGFETCH_URL_MAX 2048u

struct pdl_tlogfetch {
	char base[PDL_TLOGFETCH_URL_MAX]; /* the prefix, ending in "/" */
	nng_url *url;
	nng_http_client *cli;
	nng_http_conn *conn; /* kept alive between GETs; NULL when not connected */
	nng_aio *aio;
};

/* base: http://HOST[:PORT]/PREFIX or https://…. Errors: PDL_EINVAL (not
 * an http(s) URL, or https without a CA file), PDL_EKEY (the CA file does
 * not load), PDL_ENOMEM. */
int pdl_tlogfetch_open(struct pdl_tlogfetch *f, const char *base, struct pdl_status *st);
void pdl_tlogfetch_close(struct pdl_tlogfetch *f);

/* GET <base><path>. *status is the HTTP status; for 200 *body is the
 * body (malloc'd, caller frees) of *n bytes. Errors: PDL_ECLOSED (no
 * answer), PDL_ETOOBIG (a body over max), PDL_ENOMEM. */
int pdl_tlogfetch_get(struct pdl_tlogfetch *f, const char *path, size_t max, uint8_t **body, size_t *n, int *status,
                      struct pdl_status *st);

#endif
