/* proto.c — the client half of proto.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "proto.h"

#include <nng/protocol/reqrep0/req.h>

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
	/* A lost request is resent after this; pdld's nonce check makes a resent submit idempotent. */
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, PDL_PROTO_TIMEOUT_MS);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, 0);
	if ((rv = nng_dial(c->sock, url, NULL, 0)) != 0) {
		nng_close(c->sock);
		return pdl_status_set(st, PDL_ECLOSED, NULL, "cannot reach pdld at %s: %s", url, nng_strerror(rv));
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
