/* jcompact.c — see jcompact.h. The rules it copies from jansson 2.14's
 * dump.c: "," and ":" with no spaces; object members in the byte order of
 * their keys (memcmp, then the shorter first); strings escape '"', '\\'
 * and the control characters below 0x20 (\b \f \n \r \t, else \u00XX in
 * upper-case hex) and nothing else ('/' and non-ASCII stay as they are);
 * integers in decimal; true, false, null. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jcompact.h"

#define KEYS_STACK 32u /* members gathered without an allocation */

struct member {
	const char *k;
	size_t kn;
	const json_t *v;
};

void
pdl_jbuf_init(struct pdl_jbuf *b)
{
	b->p = b->stack;
	b->n = 0;
	b->cap = sizeof b->stack;
}

void
pdl_jbuf_free(struct pdl_jbuf *b)
{
	if (b->p != b->stack)
		free(b->p);
	pdl_jbuf_init(b);
}

static int
room(struct pdl_jbuf *b, size_t more)
{
	if (b->cap - b->n >= more)
		return PDL_OK;
	size_t cap = b->cap * 2;
	while (cap - b->n < more)
		cap *= 2;
	char *p = b->p == b->stack ? malloc(cap) : realloc(b->p, cap);
	if (p == NULL)
		return PDL_ENOMEM;
	if (b->p == b->stack)
		memcpy(p, b->stack, b->n);
	b->p = p;
	b->cap = cap;
	return PDL_OK;
}

static int
put(struct pdl_jbuf *b, const void *s, size_t n)
{
	if (room(b, n) != PDL_OK)
		return PDL_ENOMEM;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	return PDL_OK;
}

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 if it is not
 * one jansson accepts (overlong, surrogate, above U+10FFFF, cut short). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	if (len == 1)
		return 1;
	uint32_t cp = c & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* What a string's byte needs: to be copied (0), escaped (1: '"', '\\', the
 * controls) or, in put_string, its UTF-8 sequence checked (2). */
static const uint8_t str_class[256] = {
    [0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 2,
};

/* The escape of a byte of class 1 into e: its length (2 or 6). The one
 * table of escapes for pdl_json_quote and put_string. */
static size_t
escape(unsigned char c, char e[6])
{
	static const char hex[] = "0123456789ABCDEF";
	e[0] = '\\';
	switch (c) {
	case '"': e[1] = '"'; return 2;
	case '\\': e[1] = '\\'; return 2;
	case '\b': e[1] = 'b'; return 2;
	case '\f': e[1] = 'f'; return 2;
	case '\n': e[1] = 'n'; return 2;
	case '\r': e[1] = 'r'; return 2;
	case '\t': e[1] = 't'; return 2;
	default:
		memcpy(e + 1, "u00", 3);
		e[4] = hex[c >> 4];
		e[5] = hex[c & 15];
		return 6;
	}
}

void
pdl_json_quote(const char *s, size_t n, pdl_json_put_fn put, void *ctx)
{
	size_t run = 0; /* bytes [run, i) are copied as they are */
	put(ctx, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (str_class[c] != 1)
			continue;
		char esc[6];
		size_t en = escape(c, esc);
		put(ctx, s + run, i - run);
		put(ctx, esc, en);
		run = i + 1;
	}
	put(ctx, s + run, n - run);
	put(ctx, "\"", 1);
}

/* str quoted as pdl_json_quote quotes it, written straight into b in one
 * pass, if it is UTF-8 jansson accepts (else EINVAL, with part of it
 * written: jansson's own dump is the definition then). */
static int
put_string(struct pdl_jbuf *b, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	if (len > (SIZE_MAX - 2) / 6 || room(b, len * 6 + 2) != PDL_OK) /* every byte as \u00XX at most */
		return PDL_ENOMEM;
	char *o = b->p + b->n;
	*o++ = '"';
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t l = 1;
		switch (str_class[c]) {
		case 0: *o++ = (char)c; break;
		case 1: o += escape(c, o); break;
		default:
			if ((l = utf8_len(s + i, len - i)) == 0)
				return PDL_EINVAL;
			memcpy(o, s + i, l);
			o += l;
		}
		i += l;
	}
	*o++ = '"';
	b->n = (size_t)(o - b->p);
	return PDL_OK;
}

char *
pdl_json_int(int64_t v, char d[PDL_JSON_INT_BYTES])
{
	size_t i = PDL_JSON_INT_BYTES;
	/* the magnitude as unsigned: INT64_MIN has no positive counterpart */
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		d[--i] = (char)('0' + m % 10);
		m /= 10;
	} while (m > 0);
	if (v < 0)
		d[--i] = '-';
	return d + i;
}

static int
put_int(struct pdl_jbuf *b, json_int_t v)
{
	char d[PDL_JSON_INT_BYTES];
	const char *p = pdl_json_int(v, d);
	return put(b, p, (size_t)(d + sizeof d - p));
}

static int
cmp_member(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int r = memcmp(x->k, y->k, x->kn < y->kn ? x->kn : y->kn);
	if (r != 0)
		return r;
	return x->kn < y->kn ? -1 : x->kn > y->kn;
}

static int dump(const json_t *v, struct pdl_jbuf *b, unsigned depth);

static int
put_object(const json_t *o, struct pdl_jbuf *b, unsigned depth)
{
	struct member stack[KEYS_STACK], *m = stack;
	size_t n = json_object_size(o), i = 0;
	if (n > KEYS_STACK && (m = malloc(n * sizeof *m)) == NULL)
		return PDL_ENOMEM;
	for (void *it = json_object_iter((json_t *)o); it != NULL && i < n; it = json_object_iter_next((json_t *)o, it)) {
		m[i].k = json_object_iter_key(it);
		m[i].kn = json_object_iter_key_len(it);
		m[i++].v = json_object_iter_value(it);
	}
	/* a document's objects are small: an insertion sort, where glibc's
	 * qsort would allocate a merge buffer for each */
	for (size_t a = 1; a < i; a++) {
		struct member x = m[a];
		size_t j = a;
		for (; j > 0 && cmp_member(&m[j - 1], &x) > 0; j--)
			m[j] = m[j - 1];
		m[j] = x;
	}
	int rc = put(b, "{", 1);
	for (size_t k = 0; k < i && rc == PDL_OK; k++) {
		if (k > 0)
			rc = put(b, ",", 1);
		if (rc == PDL_OK && (rc = put_string(b, m[k].k, m[k].kn)) == PDL_OK && (rc = put(b, ":", 1)) == PDL_OK)
			rc = dump(m[k].v, b, depth + 1);
	}
	if (rc == PDL_OK)
		rc = put(b, "}", 1);
	if (m != stack)
		free(m);
	return rc;
}

static int
dump(const json_t *v, struct pdl_jbuf *b, unsigned depth)
{
	if (depth > PDL_JCOMPACT_DEPTH_MAX)
		return PDL_EINVAL;
	switch (json_typeof(v)) {
	case JSON_OBJECT: return put_object(v, b, depth);
	case JSON_ARRAY: {
		size_t n = json_array_size(v);
		int rc = put(b, "[", 1);
		for (size_t i = 0; i < n && rc == PDL_OK; i++) {
			if (i > 0)
				rc = put(b, ",", 1);
			if (rc == PDL_OK)
				rc = dump(json_array_get(v, i), b, depth + 1);
		}
		return rc == PDL_OK ? put(b, "]", 1) : rc;
	}
	case JSON_STRING: return put_string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER: return put_int(b, json_integer_value(v));
	case JSON_TRUE: return put(b, "true", 4);
	case JSON_FALSE: return put(b, "false", 5);
	case JSON_NULL: return put(b, "null", 4);
	default: return PDL_EINVAL; /* a real: jansson's own formatting */
	}
}

int
pdl_json_compact(const json_t *v, struct pdl_jbuf *b)
{
	if (v == NULL || (!json_is_object(v) && !json_is_array(v)))
		return PDL_EINVAL; /* json_dumps writes only those without JSON_ENCODE_ANY */
	return dump(v, b, 0);
}

int
pdl_jw_raw(struct pdl_jbuf *b, const char *s)
{
	return put(b, s, strlen(s));
}

int
pdl_jw_key(struct pdl_jbuf *b, const char *key)
{
	size_t n = strlen(key);
	if (room(b, n + 4) != PDL_OK)
		return PDL_ENOMEM;
	char *o = b->p + b->n;
	if (b->n > 0 && o[-1] != '{') /* after a value: an empty object's ends in '}' */
		*o++ = ',';
	*o++ = '"';
	memcpy(o, key, n);
	o += n;
	*o++ = '"';
	*o++ = ':';
	b->n = (size_t)(o - b->p);
	return PDL_OK;
}

int
pdl_jw_str(struct pdl_jbuf *b, const char *s)
{
	return put_string(b, s, strlen(s));
}

int
pdl_jw_int(struct pdl_jbuf *b, int64_t v)
{
	return put_int(b, (json_int_t)v);
}

int
pdl_jw_value(struct pdl_jbuf *b, const json_t *v)
{
	return v != NULL ? dump(v, b, 1) : PDL_EINVAL;
}
