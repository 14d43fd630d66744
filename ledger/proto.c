/* proto.c — the client half of proto.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "proto.h"

#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

static char tls_ca_file[4096]; /* set once by the CLI before any dial */

int
pdl_client_tls_ca(const char *file)
{
	if (file == NULL) {
		tls_ca_file[0] = 0;
		return PDL_OK;
	}
	if (snprintf(tls_ca_file, sizeof tls_ca_file, "%s", file) >= (int)sizeof tls_ca_file) {
		tls_ca_file[0] = 0;
		return PDL_ETOOBIG;
	}
	return PDL_OK;
}

int
pdl_client_tls_args(int argc, char **argv)
{
	int o = 1;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[o++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--tls-ca") == 0) {
			if (i + 1 >= argc)
				return -1;
			v = argv[++i];
		} else if (strncmp(argv[i], "--tls-ca=", 9) == 0) {
			v = argv[i] + 9;
		} else {
			argv[o++] = argv[i];
			continue;
		}
		if (v[0] == 0 || pdl_client_tls_ca(v) != PDL_OK)
			return -1;
	}
	argv[o] = NULL;
	return o;
}

static int
tls_dial(nng_socket s, const char *url, int flags, struct pdl_status *st)
{
	const char *ca = tls_ca_file[0] ? tls_ca_file : getenv("PDL_TLS_CA");
	nng_url *u = NULL;
	nng_dialer d;
	nng_tls_config *cfg = NULL;
	int rv;
	if (ca == NULL || ca[0] == 0)
		return pdl_status_set(st, PDL_EINVAL, NULL,
		                      "%s needs the CA certificate that signed pdld's: --tls-ca FILE (or PDL_TLS_CA)", url);
	if ((rv = nng_url_parse(&u, url)) != 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "bad URL %s: %s", url, nng_strerror(rv));
	if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT)) != 0) {
		nng_url_free(u);
		return pdl_status_set(st, PDL_ECLOSED, NULL, "TLS is not available: %s", nng_strerror(rv));
	}
	rv = nng_tls_config_ca_file(cfg, ca);
	if (rv != 0) {
		nng_tls_config_free(cfg);
		nng_url_free(u);
		return pdl_status_set(st, PDL_EKEY, NULL, "cannot load CA certificates from %s: %s", ca, nng_strerror(rv));
	}
	/* The server must prove it is HOST: never dial without the name check. */
	if ((rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) != 0 ||
	    (rv = nng_tls_config_server_name(cfg, u->u_hostname)) != 0 || (rv = nng_dialer_create(&d, s, url)) != 0 ||
	    (rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg)) != 0 || (rv = nng_dialer_start(d, flags)) != 0) {
		nng_tls_config_free(cfg);
		nng_url_free(u);
		return pdl_status_set(st, PDL_ECLOSED, NULL, "cannot reach pdld at %s: %s", url, nng_strerror(rv));
	}
	nng_tls_config_free(cfg); /* the dialer holds its own reference */
	nng_url_free(u);
	return PDL_OK;
}

int
pdl_client_dial(nng_socket s, const char *url, int flags, struct pdl_status *st)
{
	if (strncmp(url, "tls+", 4) == 0)
		return tls_dial(s, url, flags, st);
	int rv = nng_dial(s, url, NULL, flags);
	if (rv != 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "cannot reach pdld at %s: %s", url, nng_strerror(rv));
	return PDL_OK;
}

void
pdl_client_url_for_dir(const char *dir, char *out, size_t cap)
{
	/* Absolute, so the same URL works from any working directory. */
	char abs[4096];
	const char *d = realpath(dir, abs) != NULL ? abs : dir;
	snprintf(out, cap, "ipc://%s/%s", d, PDL_SOCK_FILE);
}

int
pdl_client_open(struct pdl_client *c, const char *url, struct pdl_status *st)
{
	int rv;
	memset(c, 0, sizeof *c);
	if ((rv = nng_req0_open(&c->sock)) != 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "cannot open socket: %s", nng_strerror(rv));
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO, PDL_PROTO_TIMEOUT_MS);
	nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO, PDL_PROTO_TIMEOUT_MS);
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, PDL_PROTO_RESEND_MS);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, PDL_REPLY_BYTES_MAX); /* replies are untrusted too */
	int rc = pdl_client_dial(c->sock, url, 0, st);
	if (rc != PDL_OK) {
		nng_close(c->sock);
		return rc;
	}
	c->open = 1;
	return PDL_OK;
}

void
pdl_client_close(struct pdl_client *c)
{
	if (c->open)
		nng_close(c->sock);
	c->open = 0;
}

int
pdl_client_call(struct pdl_client *c, const void *req, size_t n, uint8_t **rep, size_t *rn, struct pdl_status *st)
{
	int rv;
	nng_msg *m;
	if ((rv = nng_msg_alloc(&m, n)) != 0)
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	memcpy(nng_msg_body(m), req, n);
	if ((rv = nng_sendmsg(c->sock, m, 0)) != 0) {
		nng_msg_free(m);
		return pdl_status_set(st, PDL_ECLOSED, NULL, "send to pdld failed: %s", nng_strerror(rv));
	}
	if ((rv = nng_recvmsg(c->sock, &m, 0)) != 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "no reply from pdld: %s", nng_strerror(rv));
	*rn = nng_msg_len(m);
	*rep = malloc(*rn ? *rn : 1);
	if (*rep == NULL) {
		nng_msg_free(m);
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	}
	memcpy(*rep, nng_msg_body(m), *rn);
	nng_msg_free(m);
	return PDL_OK;
}
