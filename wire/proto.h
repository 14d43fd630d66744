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
 *   range       {from, count}    → {from, entries: [bin | placeholder, …]}
 *               (count ≤ PDL_RANGE_MAX; fewer past 4 MiB of entries, so read
 *               on until an empty reply)
 *   head        {}               → {size, time_ms, chain: bin 32, blob_max, ledger_id: bin 32,
 *                                   suite: str (the crypto suite the genesis names, suite.h)}
 *   blob        {evidence_id, data: bin} → {digest, size}  (file bytes of a deposit)
 *   checkpoint  {}               → {note: str}
 *   inclusion   {index, size}    → {leaf_hash: bin, proof: [bin, …]}
 *   consistency {old, new}       → {proof: [bin, …]}
 *   clock       {ms}             → {time_ms}     (pdld --test-clock only)
 * A request-level failure replies {error, message}.
 *
 * Readers: any read request may carry auth: "PDL-Sig party=…,time=…,sig=…"
 * (readtok.h; METHOD "NNG", target the op name). On pdld's trusted local
 * listener (ipc:// in its data directory) every entry is served and auth
 * is not looked at. On a network listener a private entry (readacl.h) goes
 * only to a reader entitled to it: `get` answers PDL_EPRIVATE, `range`
 * puts placeholder = {seq, private: true, hash: bin 32 (the suite hash of the
 * entry)} in its place; a token that does not check out fails the request
 * (PDL_EBADSIG, PDL_ECLOCK, PDL_EACTOR, PDL_EPROTO). The client adds a
 * fresh token to every request but submit when a reader identity is set.
 *
 * Limits: pdld refuses connections over its --max-connections, drops the
 * requests of a connection over --max-inflight unread, answers PDL_EBUSY
 * to a large read reply over --reply-bytes-max and to a submit over its
 * submits in flight (nothing was done: pdl_client_call waits and retries
 * for up to PDL_PROTO_TIMEOUT_MS), and drops a reply its client does not
 * take within --send-timeout-ms.
 *
 * Transports: ipc:// (the default, DIR/pdl.sock), tls+tcp:// (pdld
 * --tls-cert/--tls-key; clients --tls-ca; with pdld --tls-client-ca,
 * clients also --tls-cert/--tls-key), tcp:// only with pdld's
 * --insecure-tcp.
 *
 * Published (first byte of each message is the topic letter, then msgpack):
 *   'e' {from, entries: [bin | placeholder, …]}   committed entries, in seq
 *       order; a network PUB listener gets a placeholder for each private
 *       entry (fetch it with an authenticated `range`)
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
	int have_lid;
	uint8_t lid[PDL_HASH_BYTES]; /* the ledger id (the hash of entry 0), once a reader token needed it */
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
/* The client certificate for mutual TLS (pdld --tls-client-ca): PEM
 * certificate (chain) and PEM key files (the key mode 0600), given here
 * (--tls-cert FILE --tls-key FILE) or as PDL_TLS_CERT and PDL_TLS_KEY; both
 * or neither. Files are copied; NULL forgets. Errors: PDL_ETOOBIG. */
int pdl_client_tls_cert(const char *cert_file, const char *key_file);
/* The reader identity: party id and its ledger key file (--reader ID
 * --reader-key FILE, or PDL_READER and PDL_READER_KEY; both or neither).
 * With one, every request but submit carries a fresh reader token signed
 * with the key (loaded at the first request, wiped at exit). NULL forgets.
 * Errors: PDL_EINVAL (not a party id), PDL_ETOOBIG. */
int pdl_client_reader(const char *id, const char *key_file);
/* Reads a PEM file for TLS (pdld's certificate and key, a client's) through
 * one descriptor: opened without blocking (a FIFO in its place does not
 * hang), checked with fstat to be a regular file of at most 64 KiB and,
 * when secret, not readable by group or others; read from that same
 * descriptor (no second lookup by path). *out is malloc'd and
 * NUL-terminated, as NNG wants PEM; the caller wipes a secret's bytes and
 * frees. Errors: PDL_EKEY (with the reason and the fix), PDL_ENOMEM. */
int pdl_tls_file_read(const char *path, int secret, uint8_t **out, size_t *n, struct pdl_status *st);
/* Takes the client options --tls-ca, --tls-cert, --tls-key, --reader-key
 * and --reader ("--opt VALUE" or "--opt=VALUE") out of argv (shifting the
 * rest down, argv[argc] stays NULL) and applies them as above, so every
 * subcommand accepts them. Returns the new argc, or -1 when one has no
 * value or --reader is not a party id. */
int pdl_client_tls_args(int argc, char **argv);
/* Dials url on s (nng_dial with flags), setting up TLS for tls+ URLs as
 * above; for any socket a client opens to pdld (REQ, SUB).
 * Errors: PDL_ECLOSED, PDL_EINVAL (no CA for a tls+ URL), PDL_EKEY (the CA
 * file does not load). */
int pdl_client_dial(nng_socket s, const char *url, int flags, struct pdl_status *st);
void pdl_client_close(struct pdl_client *c);
/* Sends req, waits for the reply; *rep is malloc'd (caller frees). Adds a
 * reader token when a reader identity is set (above; the first such call
 * also reads entry 0 for the ledger id), and retries a PDL_EBUSY reply with
 * growing waits for up to PDL_PROTO_TIMEOUT_MS. Errors: PDL_ECLOSED,
 * PDL_ENOMEM, PDL_EINVAL/PDL_EKEY (the reader identity), PDL_EPROTO. */
int pdl_client_call(struct pdl_client *c, const void *req, size_t n, uint8_t **rep, size_t *rn,
                    struct pdl_status *st);
/* Resolves the URL of the pdld serving a data directory. */
void pdl_client_url_for_dir(const char *dir, char *out, size_t cap);

#endif
