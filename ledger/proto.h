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
 *   head        {}               → {size, time_ms, chain: bin 32}
 *   checkpoint  {}               → {note: str}
 *   inclusion   {index, size}    → {leaf_hash: bin, proof: [bin, …]}
 *   consistency {old, new}       → {proof: [bin, …]}
 *   clock       {ms}             → {time_ms}     (pdld --test-clock only)
 * A request-level failure replies {error, message}.
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

/* Client side: one REQ socket to a pdld. */
struct pdl_client {
	nng_socket sock;
	int open;
};

/* url: ipc://…, tcp://… Errors: PDL_ECLOSED with message. */
int pdl_client_open(struct pdl_client *c, const char *url, struct pdl_status *st);
void pdl_client_close(struct pdl_client *c);
/* Sends req, waits for the reply; *rep is malloc'd (caller frees). */
int pdl_client_call(struct pdl_client *c, const void *req, size_t n, uint8_t **rep, size_t *rn,
                    struct pdl_status *st);
/* Resolves the URL of the pdld serving a data directory. */
void pdl_client_url_for_dir(const char *dir, char *out, size_t cap);

#endif
