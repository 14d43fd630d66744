/* actjson.c — JSON act files straight to msgpack (actjson.h). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "actjson.h"
#include "mp.h"

/* Keys an object may have on the fast path: the duplicate check compares
 * each key with the ones before it, so it stays small (acts have 5). */
#define OBJ_KEYS_MAX 32u
/* Room before an act's members for its map header and the "v": 1 that
 * pdl_json_act_to_mp puts first when the act has none: fixmap + fixstr "v"
 * + fixint 1. More members than a fixmap holds move the members up. */
#define ACT_HEAD_ROOM 4u

struct parse {
	const char *p, *end;
	msgpack_sbuffer *out;
	msgpack_packer pk;
	int bad; /* declined, or out of memory (oom) */
	int oom;
};

/* A header as msgpack-c writes it (shortest form), into a small buffer. */
struct hdr {
	char b[8];
	size_t n;
};

static int
hdr_write(void *data, const char *buf, size_t len)
{
	struct hdr *h = data;
	assert(h->n + len <= sizeof h->b);
	memcpy(h->b + h->n, buf, len);
	h->n += len;
	return 0;
}

static void
hdr_make(struct hdr *h, int map, size_t n)
{
	msgpack_packer pk;
	h->n = 0;
	msgpack_packer_init(&pk, h, hdr_write);
	if (map)
		msgpack_pack_map(&pk, n);
	else
		msgpack_pack_array(&pk, n);
}

static int
decline(struct parse *ps)
{
	ps->bad = 1;
	return -1;
}

static int
put(struct parse *ps, const void *b, size_t n)
{
	if (msgpack_sbuffer_write(ps->out, b, n) != 0) {
		ps->oom = 1;
		return decline(ps);
	}
	return 0;
}

/* The packer's writer: a failed write marks the parse, which is then
 * thrown away (the bytes after it are not trusted). */
static int
pk_write(void *data, const char *buf, size_t len)
{
	return put(data, buf, len);
}

static void
ws(struct parse *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/* The byte a two-character escape stands for; 0 for \u and the invalid. */
static char
unescape(char c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '/': return '/';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return 0;
	}
}

/* The string at ps->p ('"'): its raw span [*s, *s + *rawn) and its decoded
 * length. Declines a control character, \u, a bad escape, bad UTF-8. */
static int
str_scan(struct parse *ps, const char **s, size_t *rawn, size_t *n, int key)
{
	const char *q = ps->p + 1;
	size_t esc = 0;
	for (;;) {
		if (q >= ps->end || (unsigned char)*q < 0x20)
			return decline(ps);
		if (*q == '"')
			break;
		if (*q == '\\') {
			if (key || q + 1 >= ps->end || unescape(q[1]) == 0)
				return decline(ps);
			esc++;
			q += 2;
			continue;
		}
		q++;
	}
	*s = ps->p + 1;
	*rawn = (size_t)(q - *s);
	*n = *rawn - esc;
	/* escapes are ASCII and stand for ASCII: the raw span is UTF-8 exactly
	 * when the decoded string is (and has no NUL: \u0000 was declined) */
	if (!mp_utf8_valid(*s, *rawn))
		return decline(ps);
	ps->p = q + 1;
	return 0;
}

/* A string value; *body: where its decoded bytes start in out. */
static int
str_value(struct parse *ps, size_t *body, size_t *blen)
{
	const char *s;
	size_t rawn, n;
	if (str_scan(ps, &s, &rawn, &n, 0) != 0)
		return -1;
	msgpack_pack_str(&ps->pk, n);
	*body = ps->out->size;
	*blen = n;
	if (n == rawn)
		return put(ps, s, n);
	for (size_t i = 0; i < rawn;) {
		size_t run = 0;
		while (i + run < rawn && s[i + run] != '\\')
			run++;
		if (put(ps, s + i, run) != 0)
			return -1;
		i += run;
		if (i < rawn) {
			char c = unescape(s[i + 1]);
			if (put(ps, &c, 1) != 0)
				return -1;
			i += 2;
		}
	}
	return 0;
}

/* A non-negative integer of at most 18 digits (so it fits any int64);
 * declines the rest (negative, fractions, exponents, leading zeros). */
static int
num_value(struct parse *ps)
{
	uint64_t v = 0;
	const char *q = ps->p;
	while (q < ps->end && *q >= '0' && *q <= '9' && q - ps->p < 19)
		v = v * 10 + (uint64_t)(*q++ - '0');
	size_t digits = (size_t)(q - ps->p);
	if (digits > 18 || (digits > 1 && ps->p[0] == '0'))
		return decline(ps);
	if (q < ps->end && (*q == '.' || *q == 'e' || *q == 'E' || (*q >= '0' && *q <= '9')))
		return decline(ps);
	ps->p = q;
	msgpack_pack_uint64(&ps->pk, v);
	return 0;
}

static int
literal(struct parse *ps, const char *word, size_t n)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return decline(ps);
	ps->p += n;
	return 0;
}

/* Puts the header of a map or array of n members in place of the one byte
 * reserved at h, moving the members after it up if it is longer. */
static int
hdr_place(struct parse *ps, size_t h, int map, size_t n)
{
	struct hdr hd;
	hdr_make(&hd, map, n);
	size_t extra = hd.n - 1, end = ps->out->size;
	if (extra > 0) {
		if (put(ps, hd.b, extra) != 0) /* room; overwritten below */
			return -1;
		memmove(ps->out->data + h + hd.n, ps->out->data + h + 1, end - h - 1);
	}
	memcpy(ps->out->data + h, hd.b, hd.n);
	return 0;
}

static int value(struct parse *ps, unsigned depth);

/* An object's members, after its '{', up to and over its '}'. Each key is
 * checked against the keys before it (JSON_REJECT_DUPLICATES); at depth 0
 * (an act) the members "v" and "actor" are noted. */
static int
members(struct parse *ps, unsigned depth, size_t *count, int *has_v, size_t *actor_off, size_t *actor_len)
{
	const char *kp[OBJ_KEYS_MAX];
	size_t kn[OBJ_KEYS_MAX], n = 0;
	ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		*count = 0;
		return 0;
	}
	for (;;) {
		const char *k;
		size_t rawn, len;
		ws(ps);
		if (ps->p >= ps->end || *ps->p != '"' || n == OBJ_KEYS_MAX || str_scan(ps, &k, &rawn, &len, 1) != 0)
			return decline(ps);
		for (size_t i = 0; i < n; i++)
			if (kn[i] == len && memcmp(kp[i], k, len) == 0)
				return decline(ps);
		kp[n] = k;
		kn[n++] = len;
		msgpack_pack_str(&ps->pk, len);
		if (put(ps, k, len) != 0)
			return -1;
		ws(ps);
		if (ps->p >= ps->end || *ps->p++ != ':')
			return decline(ps);
		ws(ps);
		if (depth == 0 && len == 5 && memcmp(k, "actor", 5) == 0 && ps->p < ps->end && *ps->p == '"') {
			if (str_value(ps, actor_off, actor_len) != 0)
				return -1;
		} else if (value(ps, depth + 1) != 0) {
			return -1;
		}
		if (depth == 0 && len == 1 && k[0] == 'v')
			*has_v = 1;
		ws(ps);
		if (ps->p >= ps->end)
			return decline(ps);
		char c = *ps->p++;
		if (c == '}')
			break;
		if (c != ',')
			return decline(ps);
	}
	*count = n;
	return 0;
}

static int
array(struct parse *ps, unsigned depth)
{
	size_t h = ps->out->size, n = 0;
	if (put(ps, "", 1) != 0)
		return -1;
	ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return hdr_place(ps, h, 0, 0);
	}
	for (;;) {
		ws(ps);
		if (value(ps, depth + 1) != 0)
			return -1;
		n++;
		ws(ps);
		if (ps->p >= ps->end)
			return decline(ps);
		char c = *ps->p++;
		if (c == ']')
			break;
		if (c != ',')
			return decline(ps);
	}
	return hdr_place(ps, h, 0, n);
}

static int
value(struct parse *ps, unsigned depth)
{
	if (depth > PDL_ACTJSON_DEPTH_MAX || ps->p >= ps->end)
		return decline(ps);
	size_t body, blen, h, n;
	switch (*ps->p) {
	case '{':
		ps->p++;
		h = ps->out->size;
		if (put(ps, "", 1) != 0 || members(ps, depth, &n, NULL, NULL, NULL) != 0)
			return -1;
		return hdr_place(ps, h, 1, n);
	case '[': ps->p++; return array(ps, depth);
	case '"': return str_value(ps, &body, &blen);
	case 't':
		msgpack_pack_true(&ps->pk);
		return literal(ps, "true", 4);
	case 'f':
		msgpack_pack_false(&ps->pk);
		return literal(ps, "false", 5);
	case 'n':
		msgpack_pack_nil(&ps->pk);
		return literal(ps, "null", 4);
	default:
		if (*ps->p >= '0' && *ps->p <= '9')
			return num_value(ps);
		return decline(ps);
	}
}

static int
act_add(struct pdl_actjson *aj, const struct pdl_actjson_act *a)
{
	if (aj->n == aj->cap) {
		size_t cap = aj->cap ? aj->cap * 2 : 64;
		struct pdl_actjson_act *na = realloc(aj->acts, cap * sizeof *na);
		if (na == NULL)
			return -1;
		aj->acts = na;
		aj->cap = cap;
	}
	aj->acts[aj->n++] = *a;
	return 0;
}

/* One act: an object at ps->p, with "v": 1 put first unless it has one. */
static int
act(struct parse *ps, struct pdl_actjson *aj)
{
	struct pdl_actjson_act a = {0, 0, 0, SIZE_MAX};
	size_t h = ps->out->size, n;
	int has_v = 0;
	if (ps->p >= ps->end || *ps->p != '{')
		return decline(ps);
	ps->p++;
	if (put(ps, "\0\0\0\0", ACT_HEAD_ROOM) != 0 || members(ps, 0, &n, &has_v, &a.actor_off, &a.actor_len) != 0)
		return -1;
	struct hdr hd;
	hdr_make(&hd, 1, n + !has_v);
	if (!has_v)
		hdr_write(&hd, "\xa1v\x01", 3);
	size_t body = h + ACT_HEAD_ROOM, end = ps->out->size;
	if (hd.n > ACT_HEAD_ROOM) {
		/* more members than a fixmap: move them up to make room */
		size_t up = hd.n - ACT_HEAD_ROOM;
		if (put(ps, hd.b, up) != 0)
			return -1;
		memmove(ps->out->data + body + up, ps->out->data + body, end - body);
		body += up;
		end += up;
		if (a.actor_len != SIZE_MAX)
			a.actor_off += up;
	}
	a.off = body - hd.n;
	a.len = end - a.off;
	memcpy(ps->out->data + a.off, hd.b, hd.n);
	if (act_add(aj, &a) != 0) {
		ps->oom = 1;
		return decline(ps);
	}
	return 0;
}

static int
root(struct parse *ps, struct pdl_actjson *aj)
{
	ws(ps);
	if (ps->p < ps->end && *ps->p == '{') {
		if (act(ps, aj) != 0)
			return -1;
	} else if (ps->p < ps->end && *ps->p == '[') {
		ps->p++;
		ws(ps);
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
		} else {
			for (;;) {
				ws(ps);
				if (act(ps, aj) != 0)
					return -1;
				ws(ps);
				if (ps->p >= ps->end)
					return decline(ps);
				char c = *ps->p++;
				if (c == ']')
					break;
				if (c != ',')
					return decline(ps);
			}
		}
	} else {
		return decline(ps);
	}
	ws(ps);
	return ps->p == ps->end ? 0 : decline(ps);
}

void
pdl_actjson_init(struct pdl_actjson *aj)
{
	memset(aj, 0, sizeof *aj);
	msgpack_sbuffer_init(&aj->mp);
}

void
pdl_actjson_fini(struct pdl_actjson *aj)
{
	msgpack_sbuffer_destroy(&aj->mp);
	free(aj->acts);
	memset(aj, 0, sizeof *aj);
}

int
pdl_actjson_parse(struct pdl_actjson *aj, const char *json, size_t len)
{
	struct parse ps = {json, json + len, &aj->mp, {0}, 0, 0};
	msgpack_sbuffer_clear(&aj->mp);
	aj->n = 0;
	/* an act's msgpack is about as long as its JSON, or shorter: one
	 * allocation for most files */
	if (aj->mp.alloc < len + ACT_HEAD_ROOM) {
		char *d = realloc(aj->mp.data, len + ACT_HEAD_ROOM);
		if (d == NULL)
			return PDL_ENOMEM;
		aj->mp.data = d;
		aj->mp.alloc = len + ACT_HEAD_ROOM;
	}
	msgpack_packer_init(&ps.pk, &ps, pk_write);
	root(&ps, aj);
	if (ps.bad) {
		aj->n = 0;
		return ps.oom ? PDL_ENOMEM : PDL_EDECODE;
	}
	return PDL_OK;
}
