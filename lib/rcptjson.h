/*
 * rcptjson.h — the JSON line `pdl submit` prints for each result of a
 * submit reply: the receipt {seq, hash (hex), time_ms, outcome, dup} or
 * the refusal {error, rule?, message}, each ledger time with its CST form
 * (mpjson.h, pdl_json_add_cst), then "file" and "index" (where the act
 * came from).
 *
 * Two writers of the same line. pdl_rcpt_line_json builds it as a jansson
 * object (pdl_mp_to_json, then the changes above) and prints it compact:
 * it is the definition. pdl_rcpt_line_fast writes the same bytes straight
 * from the msgpack, without allocating, for the results it is sure of
 * (string keys without escapes, no duplicate or clashing member, a 32-byte
 * bin hash, nothing that jansson would turn into a real or base64); it
 * declines the rest. pdl_rcpt_line takes the fast one and falls back.
 * tests/unit/test_rcptjson.c compares the two on generated results.
 */
#ifndef PDL_RCPTJSON_H
#define PDL_RCPTJSON_H

#include <msgpack.h>

#include "mp.h"

/* Nesting the fast writer takes in a result (the result's members are at
 * 1); deeper results go to jansson. */
#define PDL_RCPT_DEPTH_MAX 8u

/* Appends the line (with its '\n') for the result at *item to out and
 * moves *item past it; *refused is 1 when the result has no "hash" (a
 * refusal), else 0. PDL_OK, or PDL_EDECODE when the result is malformed
 * (json) or declined (fast: out and *item are then as they were),
 * PDL_ENOMEM. */
int pdl_rcpt_line_json(struct mp_cur *item, const char *file, size_t index, msgpack_sbuffer *out, int *refused);
int pdl_rcpt_line_fast(struct mp_cur *item, const char *file, size_t index, msgpack_sbuffer *out, int *refused);
int pdl_rcpt_line(struct mp_cur *item, const char *file, size_t index, msgpack_sbuffer *out, int *refused);

#endif
