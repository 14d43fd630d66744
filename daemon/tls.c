/* tls.c — pdld's TLS: the server certificate and key (and the client CA
 * of mutual TLS) for tls+tcp:// listeners. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "pdld.h"
#include "proto.h"

#define TLS_PEM_BYTES_MAX (64u * 1024u) /* a certificate chain or a key in PEM */

/* A server TLS config from a PEM certificate (chain) file and a PEM key
 * file. The key file must not be readable by group or others, like every
 * secret key file pdl reads; its bytes are wiped after use. With client_ca
 * (--tls-client-ca) the handshake requires a client certificate chaining
 * to the CA certificates in that PEM file. */
int
pdld_tls_server_config(const char *cert_file, const char *key_file, const char *client_ca, nng_tls_config **out)
{
	uint8_t *cert = NULL, *key = NULL;
	size_t cn = 0, kn = 0;
	struct pdl_status st = {0};
	nng_tls_config *cfg = NULL;
	int rv;
	if (pdl_tls_file_read(cert_file, 0, &cert, &cn, &st) != PDL_OK ||
	    pdl_tls_file_read(key_file, 1, &key, &kn, &st) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "tls_key_refused", PDL_LOG_NOFIELDS, "%s (PDL_EKEY)", st.msg);
		free(cert);
		return PDL_EKEY;
	}
	/* NUL-terminated: what nng_tls_config_own_cert wants. */
	if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER)) != 0 ||
	    (rv = nng_tls_config_own_cert(cfg, (const char *)cert, (const char *)key, NULL)) != 0) {
		pdl_log(PDL_LOG_ERROR, "tls_key_refused", PDL_LOG_NOFIELDS,
		        "TLS certificate %s with key %s refused: %s (PDL_EKEY)", cert_file, key_file, nng_strerror(rv));
		if (cfg != NULL)
			nng_tls_config_free(cfg);
		cfg = NULL;
	} else if (client_ca != NULL &&
	           ((rv = nng_tls_config_ca_file(cfg, client_ca)) != 0 ||
	            (rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) != 0)) {
		/* mutual TLS: every client shows a certificate chaining to client_ca */
		pdl_log(PDL_LOG_ERROR, "tls_ca_refused", PDL_LOG_NOFIELDS,
		        "cannot load client CA certificates from %s: %s (PDL_EKEY)", client_ca, nng_strerror(rv));
		nng_tls_config_free(cfg);
		cfg = NULL;
	}
	pdl_wipe(key, kn);
	free(key);
	free(cert);
	*out = cfg;
	return cfg != NULL ? PDL_OK : PDL_EKEY;
}
