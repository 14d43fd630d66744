/*
 * actjson.h — a JSON act file (one act object, or an array of them) read
 * straight into each act's msgpack bytes, without building a jansson tree:
 * the fast path of `pdl submit` and `pdl sign`, whose acts would otherwise
 * cost more to parse and free than to sign.
 *
 * It is an accelerator, not a second parser with its own rules. What it
 * takes it encodes byte for byte as jansson's json_loadb (with
 * JSON_REJECT_DUPLICATES) followed by pdl_json_act_to_mp would (mpjson.h);
 * anything it is not sure of — any syntax error, a duplicate key, a
 * negative, long or fractional number, a \u escape, an escaped key, deep
 * nesting, an element that is not an object — it declines, and the caller
 * takes the jansson path, which gives the errors and the per-act
 * refusals. So declining is never wrong, and the two paths can only
 * differ by a bug here (tests/unit/test_actjson.c compares them on
 * generated and mutated files).
 *
 * Invariants:
 *  (1) on PDL_OK, acts[i] is the i-th act of the file (the root's elements
 *      in order, or the root object alone), and its bytes are exactly
 *      pdl_json_act_to_mp of that act;
 *  (2) actor_len is SIZE_MAX unless the act has an "actor" member that is
 *      a string; then its decoded bytes are at actor_off (no NUL in them).
 */
#ifndef PDL_ACTJSON_H
#define PDL_ACTJSON_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "pdl.h"

/* Nesting the fast path takes below an act (the act's members are level 1);
 * deeper acts go to jansson, which applies mpjson's own MP_DEPTH_MAX. */
#define PDL_ACTJSON_DEPTH_MAX 12u

struct pdl_actjson_act {
	size_t off, len;              /* the act's msgpack bytes in mp.data */
	size_t actor_off, actor_len;  /* its actor string in mp.data; actor_len SIZE_MAX: none */
};

struct pdl_actjson {
	msgpack_sbuffer mp;           /* every act's bytes */
	struct pdl_actjson_act *acts; /* n of them */
	size_t n, cap;
};

void pdl_actjson_init(struct pdl_actjson *aj);
void pdl_actjson_fini(struct pdl_actjson *aj);

/* Reads the acts of json[0..len) into aj (emptied first). PDL_OK, or
 * PDL_EDECODE when the fast path declines (use jansson), or PDL_ENOMEM.
 * aj's bytes stay valid until the next parse or fini. */
int pdl_actjson_parse(struct pdl_actjson *aj, const char *json, size_t len);

#endif
