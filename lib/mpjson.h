/*
 * mpjson.h — the one-to-one mapping between an act's JSON form (what people
 * and fixtures write) and its msgpack form (what is signed and stored), and
 * msgpack → JSON for display.
 *
 * JSON → msgpack: objects → maps (key order kept), arrays → arrays,
 * strings → str, integers → int (uint when ≥ 0), true/false → bool,
 * null → nil. Reals are refused: no act field is fractional (money is fen).
 * msgpack → JSON: bin → base64 string; everything else as above.
 */
#ifndef PDL_MPJSON_H
#define PDL_MPJSON_H

#include <jansson.h>
#include <msgpack.h>

#include "mp.h"

/* Errors: PDL_EINVAL with a message naming the path. */
int pdl_json_to_mp(const json_t *j, msgpack_packer *pk, struct pdl_status *st);
/* Encodes an act object, adding "v": 1 first unless present. */
int pdl_json_act_to_mp(const json_t *act, msgpack_sbuffer *sb, struct pdl_status *st);
/* Returns a new reference, or NULL on malformed input. */
json_t *pdl_mp_to_json(struct mp_cur *c);
/* Beside every ledger time among obj's own members, its CST form for
 * people (date.h, pdl_ms_cst): "time_ms" gets "time_cst", any other
 * "<x>_ms" gets "<x>_cst", and the deadlines "accept_due", "notice_ends"
 * and "notice_starts" get "<x>_cst". Only integer members; nested objects
 * are the caller's to pass. The ms members stay as they are. */
void pdl_json_add_cst(json_t *obj);
/* The CST member pdl_json_add_cst gives a member named key (a C string)
 * into out (cap bytes); 0 when it gives none, or the name does not fit. */
int pdl_json_cst_key(const char *key, char *out, size_t cap);
/* Decoded entry as JSON (seq, time_ms, time_cst, prev, hash, act, sig,
 * outcome; the outcome's times with their CST forms too). */
json_t *pdl_entry_to_json(const uint8_t *b, size_t n);

#endif
