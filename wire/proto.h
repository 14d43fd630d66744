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

#include <msgpack.h>
#include <nng/nng.h>

#include "merkle.h"
#include "mp.h"
#include "note.h"
#include "pdl.h"
#include "suite.h"
#include "util.h"

#define PDL_PROTO_TIMEOUT_MS 30000 /* client gives up on a request (sent and answered) after this */
/* A request without a reply is sent again after this (twice before the
 * client gives up), and at once when its connection closes: by
 * pdl_client_call itself, NNG's own resend being off (below). A resent
 * submit is idempotent (the nonce check gives the original receipts); a
 * resent request is a new one to REQ, so a slow reply to the first copy
 * is not taken. */
#define PDL_PROTO_RESEND_MS 10000
/* A tls+ connection gets a request only once it has been up this long.
 * NNG 1.5.2's TLS transport sends a message in pieces (its length, REQ's
 * header, the body), each from the callback of the last
 * (tlstran_pipe_send_cb); when the connection is closed between two, the
 * next piece's nni_aio_begin fails on the closed aio and tls_send returns
 * without a callback, so REQ's send never ends. Tearing that connection
 * down then waits for it (req0_pipe_stop) on NNG's one reaper thread for
 * good: no connection of the process is removed again, so the dialer,
 * which redials when its connection is removed, never does, and nng_close
 * never returns. pdld closes a connection over --max-connections as it is
 * added, about a round trip after the client has it; a request sent on it
 * at once (REQ sends a waiting request as a connection opens) met that
 * close in about 1 call of 5. So the client never lets a request wait for
 * a connection to come (NNG_FLAG_NONBLOCK, REQ's resend off), and over
 * TLS sends only on one that has outlived that round trip. A connection
 * closed mid-send later (an idle one evicted just as it is used) can still
 * meet the fault, rarely: the fix belongs in NNG. */
#define PDL_TLS_SETTLE_MS 200u

/* A client's dialer, looked after. NNG 1.5.2's dialer stops for good
 * when a connection fails during the SP handshake with EPIPE (its
 * NNG_ECLOSED, which the dialer takes for its own closing; NNG 1.5.3+ map
 * it to NNG_ECONNSHUT): a pdld killed just as a client redialed it, or a
 * listener closed under a connection not yet accepted. The socket then
 * has no connection and never gets one, and a REQ request waits out its
 * whole timeout. pdl_dialed_tend, called while a client waits, closes a
 * dialer that has had no connection for PDL_REDIAL_MS and dials again
 * (a REQ socket then sends its queued request on the new connection). */
#define PDL_REDIAL_MS 2000u
#define PDL_DIAL_URL_MAX 512u
struct pdl_dialed {
	nng_socket sock;
	nng_dialer d;
	int live;                      /* d is started */
	int tls;                       /* a tls+ URL: requests wait PDL_TLS_SETTLE_MS on a new connection */
	uint64_t nopipe_ns;            /* since when d has had no connection; 0: it has one, or not looked yet */
	uint64_t connects;             /* d's connections made, at the last look */
	uint64_t up_ns;                /* since when d's connection has been up; 0: none, or not looked yet */
	char url[PDL_DIAL_URL_MAX];    /* "" when too long to keep: never redialed */
};

/* Client side: one REQ socket to a pdld. */
struct pdl_client {
	nng_socket sock;
	int open;
	int have_lid;
	unsigned timeout_ms;  /* a send, then its reply, each wait at most this */
	struct pdl_dialed link;
	uint8_t lid[PDL_HASH_BYTES]; /* the ledger id (the hash of entry 0), once a reader token needed it */
};

/* url: ipc://…, tcp://…, tls+tcp://HOST:PORT (needs a CA, below).
 * Errors: PDL_ECLOSED with message; PDL_EINVAL for tls+tcp:// without a CA. */
int pdl_client_open(struct pdl_client *c, const char *url, struct pdl_status *st);
/* Makes NNG release everything at exit (nng_fini): a socket closed just
 * before the process ends is freed by NNG's reaper thread later, so
 * without it an exit can leave a closed socket's dialer or a sent request
 * allocated (LeakSanitizer reports them). pdl and pdl-project call it
 * first thing in main. */
void pdl_client_atexit(void);
/* The process's exit status, told before it exits: after a failure
 * (rc != 0) nng_fini is skipped, since NNG 1.5.2 may still be tearing a
 * failed dial down on its own threads and its nng_fini would then abort
 * (proto.c). A failing exit may so leave NNG's memory to the kernel. */
void pdl_client_exit_status(int rc);

/* The CA file of --tls-ca or PDL_TLS_CA (pdl_client_tls_args), or NULL:
 * https in tlogfetch.h checks servers against it. */
const char *pdl_client_tls_ca_file(void);
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
 * rest down, argv[argc] stays NULL) and keeps them for every later request,
 * so every subcommand accepts them. Returns the new argc, or -1 when one
 * has no value or --reader is not a party id.
 *
 * Client TLS: a tls+tcp:// server's certificate must chain to the CA
 * certificates in --tls-ca FILE (or PDL_TLS_CA=FILE) and must name the
 * URL's HOST (a DNS subjectAltName or the CN; mbedTLS does not match IP
 * address SANs, so a certificate for 127.0.0.1 carries DNS:127.0.0.1);
 * there is no way to skip the check. Mutual TLS (pdld --tls-client-ca):
 * --tls-cert FILE --tls-key FILE (or PDL_TLS_CERT and PDL_TLS_KEY), PEM,
 * the key mode 0600, both or neither. The reader identity: --reader ID
 * --reader-key FILE (or PDL_READER and PDL_READER_KEY), both or neither;
 * with one, every request but submit carries a fresh reader token signed
 * with the key (loaded at the first request, wiped at exit). */
int pdl_client_tls_args(int argc, char **argv);
/* Dials url on s (a dialer started with flags: 0 waits for the first
 * connection, NNG_FLAG_NONBLOCK does not), setting up TLS for tls+ URLs as
 * above; for any socket a client opens to pdld (REQ, SUB). k remembers
 * the dialer for pdl_dialed_tend.
 * Errors: PDL_ECLOSED, PDL_EINVAL (no CA for a tls+ URL), PDL_EKEY (the CA
 * file does not load). */
int pdl_dialed_start(struct pdl_dialed *k, nng_socket s, const char *url, int flags, struct pdl_status *st);
/* Replaces k's dialer when it has had no connection for PDL_REDIAL_MS
 * (above), and notes since when its connection has been up; call it every
 * few hundred milliseconds while waiting on the socket. Each call takes
 * one snapshot of NNG's statistics. */
void pdl_dialed_tend(struct pdl_dialed *k);
/* 1 when a request may go out on k's connection now: over tls+, one the
 * last pdl_dialed_tend saw up PDL_TLS_SETTLE_MS or more; otherwise
 * always (sending finds out whether there is a connection). */
int pdl_dialed_settled(const struct pdl_dialed *k);
/* The statistics scope of the endpoint of kind "dialer" or "listener"
 * with this id, searched from st down (and across its siblings), or NULL.
 * NNG 1.5.2's nng_stat_find_dialer and _listener return the first
 * endpoint's scope whatever the id (their search recurses by name only). */
nng_stat *pdl_nng_stat_endpoint(nng_stat *st, const char *kind, int id);
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

/* The typed wire API (the table at the top): the one place requests are
 * packed and read replies decoded, for pdl, pdl-project, bench and the
 * evidence tools. A request is packed into a fresh sb (the caller
 * destroys it); a submit is its header, then each act. */
void pdl_req_head(msgpack_sbuffer *sb);
void pdl_req_get(msgpack_sbuffer *sb, uint64_t seq);
void pdl_req_range(msgpack_sbuffer *sb, uint64_t from, uint64_t count);
void pdl_req_checkpoint(msgpack_sbuffer *sb, const uint64_t *size); /* NULL: the newest */
void pdl_req_inclusion(msgpack_sbuffer *sb, uint64_t index, uint64_t size);
void pdl_req_consistency(msgpack_sbuffer *sb, uint64_t old_size, uint64_t new_size);
void pdl_req_clock(msgpack_sbuffer *sb, uint64_t ms);
void pdl_req_blob(msgpack_sbuffer *sb, const char *evidence_id, const uint8_t *data, size_t n);
void pdl_req_submit(msgpack_sbuffer *sb, msgpack_packer *pk, uint32_t nacts);
void pdl_req_submit_act(msgpack_packer *pk, const uint8_t *act, size_t n, const uint8_t *sig, size_t sn);
/* A reply: a request-level error {error, message} becomes that error in
 * st (pdl_rep_error, which every decoder below calls first); a reply
 * without its fields is PDL_EPROTO. Pointers point into rep. */
int pdl_rep_error(const uint8_t *rep, size_t n, struct pdl_status *st);
int pdl_rep_entry(const uint8_t *rep, size_t n, const uint8_t **e, size_t *en, struct pdl_status *st);
/* entries is positioned on the first of count elements (bin or placeholder). */
int pdl_rep_range(const uint8_t *rep, size_t n, uint64_t *from, struct mp_cur *entries, uint32_t *count,
                  struct pdl_status *st);
int pdl_rep_checkpoint(const uint8_t *rep, size_t n, const char **note, size_t *nn, struct pdl_status *st);
int pdl_rep_inclusion(const uint8_t *rep, size_t n, uint8_t leaf[PDL_HASH_BYTES], pdl_hash *proof, size_t *pn,
                      struct pdl_status *st);
int pdl_rep_consistency(const uint8_t *rep, size_t n, pdl_hash *proof, size_t *pn, struct pdl_status *st);
struct pdl_wire_head {
	uint64_t size, time_ms, blob_max;
	uint8_t chain[PDL_HASH_BYTES];
	uint8_t ledger_id[PDL_HASH_BYTES];
	int has_blob_max, has_ledger_id; /* older pdlds sent neither */
	const struct pdl_suite *suite;   /* the suite the genesis names; ed25519-sha256 when not said */
};
int pdl_rep_head(const uint8_t *rep, size_t n, struct pdl_wire_head *h, struct pdl_status *st);

#endif
