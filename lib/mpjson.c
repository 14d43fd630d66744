/* mpjson.c — see mpjson.h. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "crypto.h"
#include "date.h"
#include "entry.h"
#include "merkle.h"
#include "mpjson.h"

static int
to_mp(const json_t *j, msgpack_packer *pk, struct pdl_status *st, unsigned depth)
{
	if (depth > MP_DEPTH_MAX)
		return pdl_status_set(st, PDL_EINVAL, NULL, "JSON nested too deep");
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *v;
		msgpack_pack_map(pk, json_object_size(j));
		json_object_foreach((json_t *)j, k, v) {
			mp_pack_cstr(pk, k);
			int rc = to_mp(v, pk, st, depth + 1);
			if (rc != PDL_OK)
				return rc;
		}
		return PDL_OK;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *v;
		msgpack_pack_array(pk, json_array_size(j));
		json_array_foreach(j, i, v) {
			int rc = to_mp(v, pk, st, depth + 1);
			if (rc != PDL_OK)
				return rc;
		}
		return PDL_OK;
	}
	case JSON_STRING:
		mp_pack_str(pk, json_string_value(j), json_string_length(j));
		return PDL_OK;
	case JSON_INTEGER: {
		json_int_t v = json_integer_value(j);
		if (v >= 0)
			msgpack_pack_uint64(pk, (uint64_t)v);
		else
			msgpack_pack_int64(pk, v);
		return PDL_OK;
	}
	case JSON_REAL:
		return pdl_status_set(st, PDL_EINVAL, NULL, "fractional numbers are not allowed in acts (money is integer fen)");
	case JSON_TRUE:
		msgpack_pack_true(pk);
		return PDL_OK;
	case JSON_FALSE:
		msgpack_pack_false(pk);
		return PDL_OK;
	case JSON_NULL:
		msgpack_pack_nil(pk);
		return PDL_OK;
	}
	return PDL_EINVAL;
}

int
pdl_json_to_mp(const json_t *j, msgpack_packer *pk, struct pdl_status *st)
{
	return to_mp(j, pk, st, 0);
}

int
pdl_json_act_to_mp(const json_t *act, msgpack_sbuffer *sb, struct pdl_status *st)
{
	msgpack_packer pk;
	if (!json_is_object(act))
		return pdl_status_set(st, PDL_EINVAL, NULL, "an act is a JSON object {type, actor, nonce, body}");
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	int has_v = json_object_get(act, "v") != NULL;
	msgpack_pack_map(&pk, json_object_size(act) + (has_v ? 0 : 1));
	if (!has_v) {
		mp_pack_cstr(&pk, "v");
		msgpack_pack_uint64(&pk, 1);
	}
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)act, k, v) {
		mp_pack_cstr(&pk, k);
		int rc = to_mp(v, &pk, st, 1);
		if (rc != PDL_OK)
			return rc;
	}
	return PDL_OK;
}

static json_t *
b64_json(const uint8_t *b, size_t n)
{
	char *s = malloc(pdl_b64_len(n));
	if (s == NULL)
		return NULL;
	pdl_b64(b, n, s);
	json_t *j = json_string(s);
	free(s);
	return j;
}

static json_t *from_mp(struct mp_cur *c, unsigned depth);

static json_t *
from_mp_array(struct mp_cur *c, unsigned depth)
{
	uint32_t n;
	if (mp_read_array(c, &n) != PDL_OK)
		return NULL;
	json_t *a = json_array();
	for (uint32_t i = 0; i < n; i++) {
		json_t *v = from_mp(c, depth + 1);
		if (v == NULL) {
			json_decref(a);
			return NULL;
		}
		json_array_append_new(a, v);
	}
	return a;
}

/* A map with string keys (no NUL in one: JSON objects' keys are C strings). */
static json_t *
from_mp_map(struct mp_cur *c, unsigned depth)
{
	uint32_t n;
	if (mp_read_map(c, &n) != PDL_OK)
		return NULL;
	json_t *o = json_object();
	for (uint32_t i = 0; i < n; i++) {
		const char *k;
		size_t kn;
		char kb[256];
		if (mp_peek(c) != MP_STR || mp_read_str(c, &k, &kn) != PDL_OK || kn >= sizeof kb) {
			json_decref(o);
			return NULL;
		}
		memcpy(kb, k, kn);
		kb[kn] = 0;
		json_t *v = from_mp(c, depth + 1);
		if (v == NULL || strlen(kb) != kn) {
			json_decref(v);
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, kb, v);
	}
	return o;
}

/* A string, or base64 when it is not UTF-8 (JSON strings must be). */
static json_t *
from_mp_str(struct mp_cur *c)
{
	const char *s;
	size_t n;
	if (mp_read_str(c, &s, &n) != PDL_OK)
		return NULL;
	if (!mp_utf8_valid(s, n))
		return b64_json((const uint8_t *)s, n);
	return json_stringn(s, n);
}

static json_t *
from_mp(struct mp_cur *c, unsigned depth)
{
	if (depth > MP_DEPTH_MAX)
		return NULL;
	switch (mp_peek(c)) {
	case MP_NIL:
		return mp_read_nil(c) == PDL_OK ? json_null() : NULL;
	case MP_BOOL: {
		int v;
		return mp_read_bool(c, &v) == PDL_OK ? json_boolean(v) : NULL;
	}
	case MP_UINT: {
		uint64_t v;
		if (mp_read_uint(c, &v) != PDL_OK)
			return NULL;
		return v <= INT64_MAX ? json_integer((json_int_t)v) : json_real((double)v);
	}
	case MP_NINT: {
		int64_t v;
		return mp_read_int(c, &v) == PDL_OK ? json_integer(v) : NULL;
	}
	case MP_STR:
		return from_mp_str(c);
	case MP_BIN: {
		const uint8_t *b;
		size_t n;
		if (mp_read_bin(c, &b, &n) != PDL_OK)
			return NULL;
		return b64_json(b, n);
	}
	case MP_ARR:
		return from_mp_array(c, depth);
	case MP_MAP:
		return from_mp_map(c, depth);
	default:
		if (mp_skip(c) != PDL_OK)
			return NULL;
		return json_null();
	}
}

json_t *
pdl_mp_to_json(struct mp_cur *c)
{
	return from_mp(c, 0);
}

int
pdl_json_cst_key(const char *key, char *out, size_t cap)
{
	static const char *const deadlines[] = {"accept_due", "notice_ends", "notice_starts", NULL};
	size_t n = strlen(key);
	if (strcmp(key, "time_ms") == 0)
		return snprintf(out, cap, "time_cst") < (int)cap;
	if (n > 3 && strcmp(key + n - 3, "_ms") == 0)
		return snprintf(out, cap, "%.*s_cst", (int)(n - 3), key) < (int)cap;
	for (const char *const *d = deadlines; *d != NULL; d++)
		if (strcmp(key, *d) == 0)
			return snprintf(out, cap, "%s_cst", key) < (int)cap;
	return 0;
}

void
pdl_json_add_cst(json_t *obj)
{
	const char *key;
	json_t *v;
	char name[128], iso[PDL_CST_LEN];
	json_t *add = json_object();
	if (!json_is_object(obj) || add == NULL) {
		json_decref(add);
		return;
	}
	json_object_foreach(obj, key, v) {
		if (json_is_integer(v) && json_integer_value(v) >= 0 && pdl_json_cst_key(key, name, sizeof name))
			json_object_set_new(add, name, json_string(pdl_ms_cst((uint64_t)json_integer_value(v), iso)));
	}
	json_object_update_missing(obj, add);
	json_decref(add);
}

json_t *
pdl_entry_to_json(const uint8_t *b, size_t n)
{
	struct pdl_entry e;
	struct pdl_status st;
	char hex[2 * PDL_HASH_BYTES + 1];
	uint8_t h[PDL_HASH_BYTES];
	if (pdl_entry_decode(b, n, &e, &st) != PDL_OK)
		return NULL;
	json_t *o = json_object();
	json_object_set_new(o, "seq", json_integer((json_int_t)e.seq));
	json_object_set_new(o, "time_ms", json_integer((json_int_t)e.time_ms));
	char iso[PDL_CST_LEN];
	json_object_set_new(o, "time_cst", json_string(pdl_ms_cst(e.time_ms, iso)));
	pdl_hex(e.prev, PDL_HASH_BYTES, hex);
	json_object_set_new(o, "prev", json_string(hex));
	pdl_digest(h, b, n);
	pdl_hex(h, PDL_HASH_BYTES, hex);
	json_object_set_new(o, "hash", json_string(hex));
	pdl_merkle_leaf_hash(b, n, h);
	json_object_set_new(o, "leaf_hash", b64_json(h, PDL_HASH_BYTES));
	struct mp_cur ac = mp_cur_make(e.act, e.act_len);
	json_t *act = pdl_mp_to_json(&ac);
	json_object_set_new(o, "act", act ? act : json_null());
	json_object_set_new(o, "sig", b64_json(e.sig, PDL_SIG_BYTES));
	struct mp_cur oc = mp_cur_make(e.outcome, e.outcome_len);
	json_t *out = pdl_mp_to_json(&oc);
	pdl_json_add_cst(out);
	json_object_set_new(o, "outcome", out ? out : json_object());
	return o;
}
