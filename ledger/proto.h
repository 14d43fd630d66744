/*
 * proto.h — requests and replies between pdl clients and pdld over NNG
 * REQ/REP, and the messages pdld publishes over PUB. All msgpack maps.
 *
 * Requests ({op, …}):
 *   submit      {acts: [{act: bin, sig: bin 64}, …]}  (≤ PDL_REQ_ACTS_MAX)
 *               → {results: [receipt | error, …]} in request order
 *               receipt = {seq, hash: bin 32, time_ms, outcome: map, dup: bool}
 *               error   = {error: "PDL_E…", rule?: str, message: str}
 *   get         {seq}            → {entry: bin}
 *   range       {from, count}    → {from, entries: [bin, …]} (count ≤ PDL_RANGE_MAX)
 *   head        {}               → {size, time_ms, chain: bin 32, blob_max, ledger_id: bin 32}
 *   blob        {evidence_id, data: bin} → {digest, size}  (file bytes of a deposit)
 *   checkpoint  {}               → {note: str}
 *   inclusion   {index, size}    → {leaf_hash: bin, proof: [bin, …]}
 *   consistency {old, new}       → {proof: [bin, …]}
 *   clock       {ms}             → {time_ms}     (pdld --test-clock only)
 * A request-level failure replies {error, message}.
 *
 * Transports: ipc:// (the default, DIR/pdl.sock), tls+tcp:// (pdld
 * --tls-cert/--tls-key; clients --tls-ca), tcp:// only with pdld's
 * --insecure-tcp.
 *
 * Published (first byte of each message is the topic letter, then msgpack):
 *   'e' {from, entries: [bin, …]}   committed entries, in seq order
 *   'c' {size, note}                a new checkpoint
 * Pub/sub drops messages for slow subscribers: treat it as a hint and catch
 * up with `range` when seq jumps.
 */
#ifndef PDL_PROTO_H
#define PDL_PROTO_H

#include <nng/nng.h>

#include "pdl.h"
#include "util.h"

#define PDL_PROTO_TIMEOUT_MS 30000 /* client gives up on a reply after this */
/* A request without a reply is sent again after this (twice before the
 * client gives up): NNG resends at once when the connection drops, this
 * covers a request or reply lost some other way. A resent submit is
 * idempotent (the nonce check gives the original receipts), and a slow
 * reply to the first copy is still taken. */
#define PDL_PROTO_RESEND_MS 10000

/* Client side: one REQ socket to a pdld. */
struct pdl_client {
	nng_socket sock;
	int open;
};

/* url: ipc://…, tcp://…, tls+tcp://HOST:PORT (needs a CA, below).
 * Errors: PDL_ECLOSED with message; PDL_EINVAL for tls+tcp:// without a CA. */
int pdl_client_open(struct pdl_client *c, const char *url, struct pdl_status *st);

/* Client TLS. A tls+tcp:// server's certificate must chain to the CA
 * certificates in a PEM file, given here (pdl's --tls-ca FILE) or in the
 * environment as PDL_TLS_CA=FILE, and must name the URL's HOST (a DNS
 * subjectAltName or the CN; mbedTLS does not match IP address SANs, so a
 * certificate for 127.0.0.1 carries DNS:127.0.0.1). There is no way to skip
 * the check. file is copied; NULL forgets it. Errors: PDL_ETOOBIG. */
int pdl_client_tls_ca(const char *file);
/* Takes "--tls-ca FILE" and "--tls-ca=FILE" out of argv (shifting the rest
 * down, argv[argc] stays NULL) and applies them with pdl_client_tls_ca, so
 * every subcommand accepts the option. Returns the new argc, or -1 when
 * --tls-ca has no value. */
int pdl_client_tls_args(int argc, char **argv);
/* Dials url on s (nng_dial with flags), setting up TLS for tls+ URLs as
 * above; for any socket a client opens to pdld (REQ, SUB).
 * Errors: PDL_ECLOSED, PDL_EINVAL (no CA for a tls+ URL), PDL_EKEY (the CA
 * file does not load). */
int pdl_client_dial(nng_socket s, const char *url, int flags, struct pdl_status *st);
void pdl_client_close(struct pdl_client *c);
/* Sends req, waits for the reply; *rep is malloc'd (caller frees). */
int pdl_client_call(struct pdl_client *c, const void *req, size_t n, uint8_t **rep, size_t *rn,
                    struct pdl_status *st);
/* Resolves the URL of the pdld serving a data directory. */
void pdl_client_url_for_dir(const char *dir, char *out, size_t cap);

#endif
