/*
 * envelope.h — signed acts as platforms send them over HTTP (`pdld
 * --http`, POST /v1/acts; spec/formats.md §2 and §17), and the reply they
 * get back.
 *
 * A body is one envelope or a non-empty array of them, in either form:
 *   JSON     {"act": base64 act bytes, "sig": base64 signature
 *            [, "ledger_id": hex]}   (what `pdl sign` prints; other keys
 *            are ignored, as in the msgpack envelope)
 *   msgpack  {act: bin, sig: bin}    (the NNG socket's envelope, §2)
 * Either is turned into the NNG socket's submit request, {op: "submit",
 * acts: [envelope, …]}, so the daemon takes HTTP acts down the one path it
 * has: the same decode, the same checks, the same writer and receipts.
 *
 * What only JSON can get wrong (base64 that is not canonical, a ledger_id
 * that names another ledger) is refused per envelope, in that envelope's
 * result slot, as pdld refuses an envelope of the wrong shape: it is packed
 * as nil (which pdld refuses, PDL_EPROTO, appending nothing) and its slot
 * in the reply says why (pdl_reply_json); the rest of the body is still
 * submitted.
 *
 * Invariant: the request packed for a body of n envelopes holds exactly n
 * elements in body order, so result i answers envelope i.
 */
#ifndef PDL_ENVELOPE_H
#define PDL_ENVELOPE_H

#include <jansson.h>
#include <msgpack.h>

#include "util.h"

/* The largest msgpack body: the NNG socket's request limit. */
#define PDL_HTTP_MP_BYTES_MAX PDL_REQ_BYTES_MAX
/* The largest JSON body: the same acts in base64 (4 characters for 3
 * bytes), with 256 bytes an act for keys, a ledger_id and punctuation. */
#define PDL_HTTP_JSON_BYTES_MAX (PDL_REQ_BYTES_MAX / 3u * 4u + PDL_REQ_ACTS_MAX * 256u)
/* The largest signature a JSON envelope may carry in base64: pdld checks
 * the exact length of the ledger's suite; this only bounds the decoding. */
#define PDL_ENV_SIG_BYTES_MAX 256u

/* Packs the submit request for the JSON body[0..n) into req (appended).
 * An envelope that is not an object with an "act" string of canonical
 * base64 is packed as nil, which pdld answers PDL_EPROTO; *slots gets a
 * malloc'd array of *count statuses, err 0 except where the HTTP listener
 * answers an envelope itself with the message there: PDL_EPROTO (act),
 * PDL_EBADSIG (sig not canonical base64; ledger_id not lid's, naming
 * both). The caller frees *slots. Errors, for the body as a whole (nothing
 * packed, *slots NULL): PDL_EDECODE (not JSON, with line and column),
 * PDL_EPROTO (neither an object nor an array; an empty array),
 * PDL_ETOOBIG (more than PDL_REQ_ACTS_MAX envelopes), PDL_ENOMEM. */
int pdl_envelopes_json(const char *body, size_t n, const uint8_t lid[PDL_HASH_BYTES], msgpack_sbuffer *req,
                       struct pdl_status **slots, uint32_t *count, struct pdl_status *st);

/* Packs the submit request for the msgpack body[0..n): one map (an
 * envelope) or an array of them, copied as they are (pdld checks each as
 * on the socket). Errors: PDL_EDECODE (not exactly one well-formed msgpack
 * value), PDL_EPROTO (neither a map nor an array; an empty array),
 * PDL_ETOOBIG (more than PDL_REQ_ACTS_MAX envelopes). */
int pdl_envelopes_mp(const uint8_t *body, size_t n, msgpack_sbuffer *req, uint32_t *count, struct pdl_status *st);

/* A submit reply (msgpack {results: […]} or {error, message}) as JSON:
 * receipts {seq, hash (hex, as `pdl submit` prints it), time_ms, outcome,
 * dup}, errors {error, rule?, message}; the slots of `slots` (count of
 * them, NULL for none) whose err is set replace their results. A new
 * reference, or NULL when rep is not such a reply. */
json_t *pdl_reply_json(const uint8_t *rep, size_t n, const struct pdl_status *slots, uint32_t count);

#endif
