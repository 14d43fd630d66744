/* rcptjson.c — the lines pdl submit prints for a submit reply's results
 * (rcptjson.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "mpjson.h"
#include "jcompact.h"
#include "rcptjson.h"

/* Members of one map the fast writer takes: each key is compared with the
 * ones before it and with the CST names added (results have about 6). */
#define RCPT_KEYS_MAX 32u
/* The longest key it takes: pdl_json_cst_key's names fit 128 bytes. */
#define RCPT_KEY_BYTES_MAX 100u

int
pdl_rcpt_line_json(struct mp_cur *item, const char *file, size_t index, msgpack_sbuffer *out, int *refused)
{
	json_t *o = pdl_mp_to_json(item);
	*refused = 0;
	if (o == NULL)
		return PDL_EDECODE;
	json_t *h = json_object_get(o, "hash");
	if (h != NULL) {
		/* the wire carries bin; people read hex */
		uint8_t raw[PDL_HASH_BYTES];
		char hex[2 * PDL_HASH_BYTES + 1];
		if (pdl_unb64(json_string_value(h), json_string_length(h), raw, PDL_HASH_BYTES) == PDL_OK) {
			pdl_hex(raw, PDL_HASH_BYTES, hex);
			json_object_set_new(o, "hash", json_string(hex));
		}
	} else {
		*refused = 1;
	}
	/* ledger times also as people read them (CST) */
	pdl_json_add_cst(o);
	pdl_json_add_cst(json_object_get(o, "outcome"));
	json_object_set_new(o, "file", json_string(file));
	json_object_set_new(o, "index", json_integer((json_int_t)index));
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	int rc = PDL_OK;
	if (s != NULL && (msgpack_sbuffer_write(out, s, strlen(s)) != 0 || msgpack_sbuffer_write(out, "\n", 1) != 0))
		rc = PDL_ENOMEM;
	free(s);
	return rc;
}

/* ---- the fast writer ---- */

struct w {
	msgpack_sbuffer *out;
	int bad; /* declined or out of memory */
	int oom;
};

static void
put(struct w *w, const char *s, size_t n)
{
	if (!w->bad && msgpack_sbuffer_write(w->out, s, n) != 0)
		w->bad = w->oom = 1;
}

static int
decline(struct w *w)
{
	w->bad = 1;
	return -1;
}

static void
w_put(void *ctx, const char *s, size_t n)
{
	put(ctx, s, n);
}

/* A JSON string as jansson's dump writes it (jcompact.h). s must be UTF-8
 * (the caller checked). */
static void
put_str(struct w *w, const char *s, size_t n)
{
	pdl_json_quote(s, n, w_put, w);
}

/* v in decimal, as jansson's "%lld" */
static void
put_int(struct w *w, int64_t v)
{
	char d[PDL_JSON_INT_BYTES];
	const char *p = pdl_json_int(v, d);
	put(w, p, (size_t)(d + sizeof d - p));
}

/* The CST form of ms: one pdl_ms_cst per distinct time (a batch's receipts
 * share their commit's time), per thread. */
static const char *
cst_of(uint64_t ms)
{
	static _Thread_local uint64_t last_ms = UINT64_MAX;
	static _Thread_local char last[PDL_CST_LEN];
	if (ms != last_ms) {
		pdl_ms_cst(ms, last);
		last_ms = ms;
	}
	return last;
}

static int value(struct w *w, struct mp_cur *c, unsigned depth);

/* One map's members; with cst, each ledger time's CST form after them, as
 * pdl_json_add_cst appends it; top: the result itself (its hash in hex). */
struct member {
	const char *k;
	size_t kn;
};

static int
key_take(struct w *w, struct mp_cur *c, struct member *keys, size_t n, const char **k, size_t *kn)
{
	if (mp_peek(c) != MP_STR || mp_read_str(c, k, kn) != PDL_OK || *kn > RCPT_KEY_BYTES_MAX || n == RCPT_KEYS_MAX)
		return decline(w);
	for (size_t i = 0; i < *kn; i++)
		if ((unsigned char)(*k)[i] < 0x20 || (*k)[i] == '"' || (*k)[i] == '\\' || (unsigned char)(*k)[i] > 0x7e)
			return decline(w);
	for (size_t i = 0; i < n; i++)
		if (keys[i].kn == *kn && memcmp(keys[i].k, *k, *kn) == 0)
			return decline(w);
	keys[n].k = *k;
	keys[n].kn = *kn;
	return 0;
}

/* The hash member of a result: a 32-byte bin, written in hex. */
static int
hash_value(struct w *w, struct mp_cur *c)
{
	const uint8_t *b;
	size_t n;
	char hex[2 * PDL_HASH_BYTES + 3];
	if (mp_peek(c) != MP_BIN || mp_read_bin(c, &b, &n) != PDL_OK || n != PDL_HASH_BYTES)
		return decline(w);
	hex[0] = '"';
	pdl_hex(b, n, hex + 1);
	hex[2 * PDL_HASH_BYTES + 1] = '"';
	put(w, hex, 2 * PDL_HASH_BYTES + 2);
	return 0;
}

/* The CST members of a map, after its own (keys[0..n) with their times:
 * ms[i] is UINT64_MAX for a member that is not a non-negative integer). */
static int
cst_members(struct w *w, const struct member *keys, const uint64_t *ms, size_t n, int first)
{
	char names[RCPT_KEYS_MAX][128];
	size_t nn = 0;
	for (size_t i = 0; i < n; i++) {
		char key[RCPT_KEY_BYTES_MAX + 1];
		memcpy(key, keys[i].k, keys[i].kn);
		key[keys[i].kn] = 0;
		if (ms[i] == UINT64_MAX || !pdl_json_cst_key(key, names[nn], sizeof names[nn]))
			continue;
		/* a name the map has already, or twice: jansson's rules decide */
		size_t ln = strlen(names[nn]);
		for (size_t j = 0; j < n; j++)
			if (keys[j].kn == ln && memcmp(keys[j].k, names[nn], ln) == 0)
				return decline(w);
		for (size_t j = 0; j < nn; j++)
			if (strcmp(names[j], names[nn]) == 0)
				return decline(w);
		put(w, first ? "\"" : ",\"", first ? 1 : 2);
		first = 0;
		put(w, names[nn], ln);
		put(w, "\":", 2);
		put_str(w, cst_of(ms[i]), strlen(cst_of(ms[i])));
		nn++;
	}
	return 0;
}

static int
map(struct w *w, struct mp_cur *c, unsigned depth, int cst, int top, int *refused)
{
	struct member keys[RCPT_KEYS_MAX];
	uint64_t ms[RCPT_KEYS_MAX];
	uint32_t n;
	int has_hash = 0;
	if (mp_read_map(c, &n) != PDL_OK || n > RCPT_KEYS_MAX)
		return decline(w);
	put(w, "{", 1);
	for (uint32_t i = 0; i < n; i++) {
		const char *k;
		size_t kn;
		if (key_take(w, c, keys, i, &k, &kn) != 0)
			return -1;
		if (top && ((kn == 4 && memcmp(k, "file", 4) == 0) || (kn == 5 && memcmp(k, "index", 5) == 0)))
			return decline(w); /* replaced in place by jansson's path */
		put(w, i ? ",\"" : "\"", i ? 2 : 1);
		put(w, k, kn);
		put(w, "\":", 2);
		ms[i] = UINT64_MAX;
		uint64_t v;
		if (cst && mp_peek(c) == MP_UINT) {
			struct mp_cur peek = *c;
			if (mp_read_uint(&peek, &v) == PDL_OK && v <= INT64_MAX)
				ms[i] = v;
		}
		if (top && kn == 4 && memcmp(k, "hash", 4) == 0) {
			has_hash = 1;
			if (hash_value(w, c) != 0)
				return -1;
		} else if (top && kn == 7 && memcmp(k, "outcome", 7) == 0 && mp_peek(c) == MP_MAP) {
			if (map(w, c, depth + 1, 1, 0, NULL) != 0)
				return -1;
		} else if (value(w, c, depth + 1) != 0) {
			return -1;
		}
	}
	if (cst && cst_members(w, keys, ms, n, n == 0) != 0)
		return -1;
	if (top)
		*refused = !has_hash;
	if (!top)
		put(w, "}", 1);
	return 0;
}

static int
value(struct w *w, struct mp_cur *c, unsigned depth)
{
	if (depth > PDL_RCPT_DEPTH_MAX)
		return decline(w);
	switch (mp_peek(c)) {
	case MP_NIL:
		mp_read_nil(c);
		put(w, "null", 4);
		return 0;
	case MP_BOOL: {
		int v = 0;
		mp_read_bool(c, &v);
		put(w, v ? "true" : "false", v ? 4 : 5);
		return 0;
	}
	case MP_UINT: {
		uint64_t v;
		if (mp_read_uint(c, &v) != PDL_OK || v > INT64_MAX)
			return decline(w); /* jansson: a real */
		put_int(w, (int64_t)v);
		return 0;
	}
	case MP_NINT: {
		int64_t v;
		if (mp_read_int(c, &v) != PDL_OK || v >= 0)
			return decline(w); /* a non-negative value in a signed type */
		put_int(w, v);
		return 0;
	}
	case MP_STR: {
		const char *s;
		size_t n;
		if (mp_read_str(c, &s, &n) != PDL_OK || !mp_utf8_valid(s, n))
			return decline(w); /* jansson's path: base64 */
		put_str(w, s, n);
		return 0;
	}
	case MP_ARR: {
		uint32_t n;
		if (mp_read_array(c, &n) != PDL_OK)
			return decline(w);
		put(w, "[", 1);
		for (uint32_t i = 0; i < n; i++) {
			if (i)
				put(w, ",", 1);
			if (value(w, c, depth + 1) != 0)
				return -1;
		}
		put(w, "]", 1);
		return 0;
	}
	case MP_MAP: return map(w, c, depth, 0, 0, NULL);
	default: return decline(w); /* bin (base64), float, ext, malformed */
	}
}

int
pdl_rcpt_line_fast(struct mp_cur *item, const char *file, size_t index, msgpack_sbuffer *out, int *refused)
{
	struct w w = {out, 0, 0};
	struct mp_cur c = *item;
	size_t size0 = out->size;
	int r = 0;
	*refused = 0;
	if (mp_peek(&c) != MP_MAP || !mp_utf8_valid(file, strlen(file)) || map(&w, &c, 0, 1, 1, &r) != 0) {
		out->size = size0;
		return w.oom ? PDL_ENOMEM : PDL_EDECODE;
	}
	/* the result's own members are written and its CST ones: then where
	 * the act came from */
	put(&w, out->size > size0 + 1 ? ",\"file\":" : "\"file\":", out->size > size0 + 1 ? 8 : 7);
	put_str(&w, file, strlen(file));
	put(&w, ",\"index\":", 9);
	put_int(&w, (int64_t)index);
	put(&w, "}\n", 2);
	if (w.bad) {
		out->size = size0;
		return w.oom ? PDL_ENOMEM : PDL_EDECODE;
	}
	*refused = r;
	*item = c;
	return PDL_OK;
}

int
pdl_rcpt_line(struct mp_cur *item, const char *file, size_t index, msgpack_sbuffer *out, int *refused)
{
	int rc = pdl_rcpt_line_fast(item, file, index, out, refused);
	if (rc == PDL_EDECODE)
		rc = pdl_rcpt_line_json(item, file, index, out, refused);
	return rc;
}
