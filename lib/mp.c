/* mp.c — see mp.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>


#include "crypto.h"
#include "date.h"
#include "mp.h"

static int
bad(struct mp_cur *c)
{
	c->err = PDL_EDECODE;
	return PDL_EDECODE;
}

static int
need(struct mp_cur *c, size_t n)
{
	if (c->err != PDL_OK)
		return c->err;
	if ((size_t)(c->end - c->p) < n)
		return bad(c);
	return PDL_OK;
}

static uint64_t
be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

enum mp_type
mp_peek(const struct mp_cur *c)
{
	if (c->err != PDL_OK || c->p >= c->end)
		return MP_NONE;
	uint8_t b = *c->p;
	if (b <= 0x7f || b == 0xcc || b == 0xcd || b == 0xce || b == 0xcf)
		return MP_UINT;
	if (b >= 0xe0 || b == 0xd0 || b == 0xd1 || b == 0xd2 || b == 0xd3)
		return MP_NINT;
	if ((b >= 0xa0 && b <= 0xbf) || b == 0xd9 || b == 0xda || b == 0xdb)
		return MP_STR;
	if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd)
		return MP_ARR;
	if ((b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf)
		return MP_MAP;
	if (b == 0xc0)
		return MP_NIL;
	if (b == 0xc2 || b == 0xc3)
		return MP_BOOL;
	if (b == 0xc4 || b == 0xc5 || b == 0xc6)
		return MP_BIN;
	if (b == 0xca || b == 0xcb)
		return MP_FLOAT;
	if (b == 0xc1)
		return MP_NONE; /* never used */
	return MP_EXT;
}

int
mp_read_nil(struct mp_cur *c)
{
	if (need(c, 1) || *c->p != 0xc0)
		return bad(c);
	c->p++;
	return PDL_OK;
}

int
mp_read_bool(struct mp_cur *c, int *v)
{
	if (need(c, 1) || (*c->p != 0xc2 && *c->p != 0xc3))
		return bad(c);
	*v = *c->p == 0xc3;
	c->p++;
	return PDL_OK;
}

/* Reads any integer into a sign flag and magnitude. */
static int
read_integer(struct mp_cur *c, int *neg, uint64_t *mag)
{
	if (need(c, 1))
		return bad(c);
	uint8_t b = *c->p;
	unsigned w = 0;
	*neg = 0;
	if (b <= 0x7f) {
		*mag = b;
		c->p++;
		return PDL_OK;
	}
	if (b >= 0xe0) {
		*neg = 1;
		*mag = (uint64_t)(-(int64_t)(int8_t)b);
		c->p++;
		return PDL_OK;
	}
	switch (b) {
	case 0xcc: w = 1; break;
	case 0xcd: w = 2; break;
	case 0xce: w = 4; break;
	case 0xcf: w = 8; break;
	case 0xd0: w = 1; *neg = 1; break;
	case 0xd1: w = 2; *neg = 1; break;
	case 0xd2: w = 4; *neg = 1; break;
	case 0xd3: w = 8; *neg = 1; break;
	default: return bad(c);
	}
	if (need(c, 1 + w))
		return bad(c);
	uint64_t raw = be(c->p + 1, w);
	c->p += 1 + w;
	if (*neg) {
		/* sign-extend the w-byte two's complement value */
		int64_t s;
		if (w == 8)
			s = (int64_t)raw;
		else {
			uint64_t sign = 1ull << (8 * w - 1);
			s = (int64_t)(raw ^ sign) - (int64_t)sign;
		}
		if (s >= 0) { /* signed encoding of a non-negative number */
			*neg = 0;
			*mag = (uint64_t)s;
		} else {
			*mag = s == INT64_MIN ? (uint64_t)1 << 63 : (uint64_t)(-s);
		}
	} else {
		*mag = raw;
	}
	return PDL_OK;
}

int
mp_read_uint(struct mp_cur *c, uint64_t *v)
{
	int neg;
	if (read_integer(c, &neg, v) != PDL_OK)
		return c->err;
	if (neg)
		return bad(c);
	return PDL_OK;
}

int
mp_read_int(struct mp_cur *c, int64_t *v)
{
	int neg;
	uint64_t m;
	if (read_integer(c, &neg, &m) != PDL_OK)
		return c->err;
	if (!neg && m > (uint64_t)INT64_MAX)
		return bad(c);
	*v = neg ? (m == (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)m) : (int64_t)m;
	return PDL_OK;
}

static int
read_len(struct mp_cur *c, uint8_t fix_lo, uint8_t fix_hi, uint8_t fix_mask, const uint8_t w8[3], size_t *n)
{
	*n = 0;
	if (need(c, 1))
		return bad(c);
	uint8_t b = *c->p;
	if (fix_hi != 0 && b >= fix_lo && b <= fix_hi) {
		*n = b & fix_mask;
		c->p++;
		return PDL_OK;
	}
	static const unsigned widths[3] = {1, 2, 4};
	for (unsigned i = 0; i < 3; i++) {
		if (w8[i] != 0 && b == w8[i]) {
			if (need(c, 1 + widths[i]))
				return bad(c);
			*n = (size_t)be(c->p + 1, widths[i]);
			c->p += 1 + widths[i];
			return PDL_OK;
		}
	}
	return bad(c);
}

int
mp_read_str(struct mp_cur *c, const char **s, size_t *n)
{
	static const uint8_t w[3] = {0xd9, 0xda, 0xdb};
	if (read_len(c, 0xa0, 0xbf, 0x1f, w, n) != PDL_OK || need(c, *n))
		return bad(c);
	*s = (const char *)c->p;
	c->p += *n;
	return PDL_OK;
}

int
mp_read_bin(struct mp_cur *c, const uint8_t **b, size_t *n)
{
	static const uint8_t w[3] = {0xc4, 0xc5, 0xc6};
	if (read_len(c, 0, 0, 0, w, n) != PDL_OK || need(c, *n))
		return bad(c);
	*b = c->p;
	c->p += *n;
	return PDL_OK;
}

int
mp_read_array(struct mp_cur *c, uint32_t *n)
{
	*n = 0;
	static const uint8_t w[3] = {0, 0xdc, 0xdd};
	size_t k = 0;
	if (read_len(c, 0x90, 0x9f, 0x0f, w, &k) != PDL_OK)
		return c->err;
	/* Each element takes at least one byte: reject counts the input cannot hold. */
	if (k > (size_t)(c->end - c->p))
		return bad(c);
	*n = (uint32_t)k;
	return PDL_OK;
}

int
mp_read_map(struct mp_cur *c, uint32_t *n)
{
	*n = 0;
	static const uint8_t w[3] = {0, 0xde, 0xdf};
	size_t k = 0;
	if (read_len(c, 0x80, 0x8f, 0x0f, w, &k) != PDL_OK)
		return c->err;
	if (k > (size_t)(c->end - c->p) / 2)
		return bad(c);
	*n = (uint32_t)k;
	return PDL_OK;
}

static int
skip_depth(struct mp_cur *c, unsigned depth)
{
	if (depth > MP_DEPTH_MAX)
		return bad(c);
	size_t n;
	uint32_t k;
	const char *s;
	const uint8_t *b;
	switch (mp_peek(c)) {
	case MP_NIL:
		return mp_read_nil(c);
	case MP_BOOL: {
		int v;
		return mp_read_bool(c, &v);
	}
	case MP_UINT:
	case MP_NINT: {
		int neg;
		uint64_t m;
		return read_integer(c, &neg, &m);
	}
	case MP_FLOAT: {
		size_t w = *c->p == 0xca ? 4 : 8;
		if (need(c, 1 + w))
			return bad(c);
		c->p += 1 + w;
		return PDL_OK;
	}
	case MP_STR:
		return mp_read_str(c, &s, &n);
	case MP_BIN:
		return mp_read_bin(c, &b, &n);
	case MP_ARR:
		if (mp_read_array(c, &k) != PDL_OK)
			return c->err;
		for (uint32_t i = 0; i < k; i++)
			if (skip_depth(c, depth + 1) != PDL_OK)
				return c->err;
		return PDL_OK;
	case MP_MAP:
		if (mp_read_map(c, &k) != PDL_OK)
			return c->err;
		for (uint32_t i = 0; i < 2 * k; i++)
			if (skip_depth(c, depth + 1) != PDL_OK)
				return c->err;
		return PDL_OK;
	case MP_EXT: {
		uint8_t t = *c->p;
		size_t len;
		unsigned hdr;
		if (t >= 0xd4 && t <= 0xd8) {
			len = (size_t)1 << (t - 0xd4);
			hdr = 2;
		} else if (t == 0xc7 || t == 0xc8 || t == 0xc9) {
			unsigned w = t == 0xc7 ? 1 : t == 0xc8 ? 2 : 4;
			if (need(c, 1 + w))
				return bad(c);
			len = (size_t)be(c->p + 1, w);
			hdr = 2 + w;
		} else {
			return bad(c);
		}
		if (need(c, hdr) || (size_t)(c->end - c->p) - hdr < len)
			return bad(c);
		c->p += hdr + len;
		return PDL_OK;
	}
	default:
		return bad(c);
	}
}

int
mp_skip(struct mp_cur *c)
{
	return skip_depth(c, 0);
}

int
mp_str_eq(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return l == n && memcmp(s, lit, n) == 0;
}

int
mp_map_find(struct mp_cur c, const char *key, struct mp_cur *val)
{
	uint32_t n;
	if (mp_read_map(&c, &n) != PDL_OK)
		return c.err;
	for (uint32_t i = 0; i < n; i++) {
		const char *k;
		size_t kl;
		if (mp_peek(&c) == MP_STR) {
			if (mp_read_str(&c, &k, &kl) != PDL_OK)
				return c.err;
			if (mp_str_eq(k, kl, key)) {
				*val = c;
				return PDL_OK;
			}
		} else if (mp_skip(&c) != PDL_OK) {
			return c.err;
		}
		if (mp_skip(&c) != PDL_OK)
			return c.err;
	}
	return PDL_ENOTFOUND;
}

int
mp_utf8_valid(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s, *e = p + n;
	while (p < e) {
		uint8_t b = *p;
		if (b < 0x80) {
			if (b == 0)
				return 0;
			p++;
			continue;
		}
		unsigned k;
		uint32_t cp;
		if ((b & 0xe0) == 0xc0) {
			k = 1;
			cp = b & 0x1f;
		} else if ((b & 0xf0) == 0xe0) {
			k = 2;
			cp = b & 0x0f;
		} else if ((b & 0xf8) == 0xf0) {
			k = 3;
			cp = b & 0x07;
		} else {
			return 0;
		}
		if ((size_t)(e - p) <= k - 1 + 0 || (size_t)(e - p) < k + 1)
			return 0;
		for (unsigned i = 1; i <= k; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* overlong, surrogates, out of range */
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		p += k + 1;
	}
	return 1;
}

void
mp_pack_str(msgpack_packer *pk, const char *s, size_t n)
{
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

void
mp_pack_cstr(msgpack_packer *pk, const char *s)
{
	mp_pack_str(pk, s, strlen(s));
}

void
mp_pack_bin(msgpack_packer *pk, const void *b, size_t n)
{
	msgpack_pack_bin(pk, n);
	msgpack_pack_bin_body(pk, b, n);
}

/* ---- field schemas ---- */

static int
in_enum(const char *s, size_t n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (mp_str_eq(s, n, *list))
			return 1;
	return 0;
}

/* ---- field errors, collected ---- */

/* Room kept in the collected message for "N field errors: " and "; … and N more". */
#define FERR_TAIL_BYTES 48u

void
pdl_ferrs_init(struct pdl_ferrs *fe, struct pdl_status *st)
{
	memset(fe, 0, sizeof *fe);
	fe->st = st;
}

/* Adds one field error; returns PDL_EFIELD. */
static int ferr(struct pdl_ferrs *fe, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
ferr(struct pdl_ferrs *fe, const char *fmt, ...)
{
	char one[PDL_MSG_LEN_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(one, sizeof one, fmt, ap);
	va_end(ap);
	fe->n++;
	size_t n = strlen(one), sep = fe->len ? 2 : 0;
	if (fe->len + sep + n + FERR_TAIL_BYTES >= sizeof fe->msg) {
		fe->dropped++;
		return PDL_EFIELD;
	}
	memcpy(fe->msg + fe->len, "; ", sep);
	memcpy(fe->msg + fe->len + sep, one, n + 1);
	fe->len += sep + n;
	return PDL_EFIELD;
}

/* Malformed msgpack: nothing after it can be read, so it ends the check. */
static int
fdecode(struct pdl_ferrs *fe, const char *path, const char *what)
{
	fe->decode = 1;
	return pdl_status_set(fe->st, PDL_EDECODE, NULL, "%s: %s", path, what);
}

int
pdl_ferrs_finish(struct pdl_ferrs *fe)
{
	if (fe->n == 0)
		return PDL_OK;
	if (fe->n == 1)
		return pdl_status_set(fe->st, PDL_EFIELD, NULL, "%s", fe->msg);
	if (fe->dropped)
		return pdl_status_set(fe->st, PDL_EFIELD, NULL, "%u field errors: %s; … and %u more", fe->n, fe->msg,
		                      fe->dropped);
	return pdl_status_set(fe->st, PDL_EFIELD, NULL, "%u field errors: %s", fe->n, fe->msg);
}

static int check_value(const struct pdl_field *f, struct mp_cur *c, struct pdl_ferrs *fe, const char *path,
                       unsigned depth);
static int bind_map(const struct pdl_field *def, struct mp_cur *c, struct pdl_fields *out, struct pdl_ferrs *fe,
                    const char *path, unsigned depth);

static int
check_scalar_str(const struct pdl_field *f, uint8_t type, const char *s, size_t n, struct pdl_ferrs *fe,
                 const char *path)
{
	uint32_t max = f->max ? f->max : 4096;
	uint8_t buf[PDL_HASH_BYTES];
	struct pdl_pubkey pk;
	char why[160];
	switch (type) {
	case F_STR:
	case F_TEXT:
		if ((type == F_STR && n == 0) || n > max)
			return ferr(fe, "%s.%s: string length %zu outside %u..%u", path, f->name, n, type == F_STR ? 1u : 0u,
			            max);
		if (!mp_utf8_valid(s, n))
			return ferr(fe, "%s.%s: not valid UTF-8", path, f->name);
		return PDL_OK;
	case F_ID:
		if (!pdl_id_valid(s, n))
			return ferr(fe, "%s.%s: an id is 1-64 characters of A-Z a-z 0-9 . _ -", path, f->name);
		return PDL_OK;
	case F_KEY:
		/* a key of the ledger's suite (spec/formats.md §1.4) */
		if (pdl_pubkey_parse(&pk, pdl_suite(), s, n, why, sizeof why) != PDL_OK)
			return ferr(fe, "%s.%s: %s", path, f->name, why);
		return PDL_OK;
	case F_HEX32:
		if (pdl_unhex(s, n, buf, PDL_HASH_BYTES) != PDL_OK)
			return ferr(fe, "%s.%s: not a lowercase hex %s digest", path, f->name, pdl_suite()->hash_name);
		return PDL_OK;
	case F_DATE:
	case F_PERIOD:
		if (!(type == F_DATE ? pdl_date_valid(s, n) : pdl_period_valid(s, n)))
			return ferr(fe, "%s.%s: not a valid %s", path, f->name,
			            type == F_DATE ? "date YYYY-MM-DD" : "period YYYY-MM");
		return PDL_OK;
	case F_ENUM:
		if (!in_enum(s, n, (const char *const *)f->sub)) {
			char opts[200] = "";
			size_t o = 0;
			for (const char *const *l = f->sub; *l != NULL && o < sizeof opts - 1; l++)
				o += (size_t)snprintf(opts + o, sizeof opts - o, "%s%s", o ? "|" : "", *l);
			return ferr(fe, "%s.%s: must be one of %s", path, f->name, opts);
		}
		return PDL_OK;
	case F_B64: {
		/* standard base64 with padding: '=' only as the last one or two
		 * characters; the decoded size bound checked without decoding */
		size_t pad = (n >= 1 && s[n - 1] == '=') + (n >= 2 && s[n - 2] == '=');
		if (n % 4 != 0 || n / 4 * 3 - pad > (size_t)max)
			return ferr(fe, "%s.%s: not base64 of at most %u bytes", path, f->name, max);
		for (size_t i = 0; i < n - pad; i++) {
			char ch = s[i];
			if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			      ch == '+' || ch == '/'))
				return ferr(fe, "%s.%s: not base64", path, f->name);
		}
		return PDL_OK;
	}
	default:
		return ferr(fe, "%s.%s: unknown field type", path, f->name);
	}
}

static const char *
type_word(uint8_t t)
{
	switch (t) {
	case F_UINT: return "a non-negative integer";
	case F_INT: return "an integer";
	case F_BOOL: return "a boolean";
	case F_STRS: case F_IDS: case F_DATES: case F_ENUMS: return "an array of strings";
	case F_MAP: case F_ANYMAP: return "a map";
	case F_MAPS: return "an array of maps";
	default: return "a string";
	}
}

/* An array of strings (F_STRS, F_IDS, F_DATES, F_ENUMS); the first bad
 * element is the field's error. */
static int
check_strings(const struct pdl_field *f, struct mp_cur *c, struct pdl_ferrs *fe, const char *path)
{
	uint32_t k;
	const char *s;
	size_t n;
	if (mp_read_array(c, &k) != PDL_OK)
		return fdecode(fe, path, "malformed or truncated msgpack");
	uint32_t max = f->max ? f->max : 256;
	if (k > max)
		return ferr(fe, "%s.%s: more than %u entries", path, f->name, max);
	uint8_t et = f->type == F_STRS ? F_STR : f->type == F_IDS ? F_ID : f->type == F_DATES ? F_DATE : F_ENUM;
	char en[96];
	struct pdl_field ef = {en, et, 0, f->type == F_STRS ? 1024 : 0, f->sub};
	for (uint32_t i = 0; i < k; i++) {
		if (mp_peek(c) != MP_STR || mp_read_str(c, &s, &n) != PDL_OK)
			return ferr(fe, "%s.%s[%u]: expected a string", path, f->name, i);
		snprintf(en, sizeof en, "%s[%u]", f->name, i); /* the element a message names */
		int rc = check_scalar_str(&ef, et, s, n, fe, path);
		if (rc != PDL_OK)
			return rc;
	}
	return PDL_OK;
}

/* An array of maps of schema f->sub (F_MAPS): every element's errors. */
static int
check_maps(const struct pdl_field *f, struct mp_cur *c, struct pdl_ferrs *fe, const char *path, unsigned depth)
{
	uint32_t k;
	if (mp_read_array(c, &k) != PDL_OK)
		return fdecode(fe, path, "malformed or truncated msgpack");
	uint32_t max = f->max ? f->max : 256;
	if (k > max)
		return ferr(fe, "%s.%s: more than %u entries", path, f->name, max);
	if (depth >= MP_DEPTH_MAX)
		return ferr(fe, "%s.%s: nested too deep", path, f->name);
	int rc = PDL_OK;
	for (uint32_t i = 0; i < k; i++) {
		char sub[128];
		struct pdl_fields tmp;
		snprintf(sub, sizeof sub, "%s.%s[%u]", path, f->name, i);
		int one = bind_map(f->sub, c, &tmp, fe, sub, depth + 1);
		if (one != PDL_OK && one != PDL_EFIELD)
			return one;
		if (one != PDL_OK)
			rc = one;
	}
	return rc;
}

/* Checks one value against f. PDL_EFIELD: the error is in fe and c may be
 * anywhere inside the value (the caller skips it from its start); any
 * other error ends the check. */
static int
check_value(const struct pdl_field *f, struct mp_cur *c, struct pdl_ferrs *fe, const char *path, unsigned depth)
{
	enum mp_type t = mp_peek(c);
	const char *s;
	size_t n;
	switch (f->type) {
	case F_UINT: {
		uint64_t v;
		if (t != MP_UINT || mp_read_uint(c, &v) != PDL_OK)
			break;
		if (f->max && v > f->max)
			return ferr(fe, "%s.%s: %llu is over the maximum %u", path, f->name, (unsigned long long)v, f->max);
		return PDL_OK;
	}
	case F_INT: {
		int64_t v;
		if ((t != MP_UINT && t != MP_NINT) || mp_read_int(c, &v) != PDL_OK)
			break;
		return PDL_OK;
	}
	case F_BOOL: {
		int v;
		if (t != MP_BOOL || mp_read_bool(c, &v) != PDL_OK)
			break;
		return PDL_OK;
	}
	case F_STRS:
	case F_IDS:
	case F_DATES:
	case F_ENUMS:
		if (t != MP_ARR)
			break;
		return check_strings(f, c, fe, path);
	case F_MAP: {
		if (t != MP_MAP)
			break;
		if (depth >= MP_DEPTH_MAX)
			return ferr(fe, "%s.%s: nested too deep", path, f->name);
		char sub[128];
		snprintf(sub, sizeof sub, "%s.%s", path, f->name);
		struct pdl_fields tmp;
		return bind_map(f->sub, c, &tmp, fe, sub, depth + 1);
	}
	case F_ANYMAP:
		if (t != MP_MAP || mp_skip(c) != PDL_OK)
			break;
		return PDL_OK;
	case F_MAPS:
		if (t != MP_ARR)
			break;
		return check_maps(f, c, fe, path, depth);
	default:
		if (t != MP_STR || mp_read_str(c, &s, &n) != PDL_OK)
			break;
		return check_scalar_str(f, f->type, s, n, fe, path);
	}
	if (c->err != PDL_OK || t == MP_NONE) {
		char what[128];
		snprintf(what, sizeof what, "%s: malformed or truncated msgpack", f->name);
		return fdecode(fe, path, what);
	}
	return ferr(fe, "%s.%s: expected %s", path, f->name, type_word(f->type));
}

/* After a field error at a value that starts at start: on to the next key. */
static int
skip_from(struct mp_cur *c, const uint8_t *start, struct pdl_ferrs *fe, const char *path)
{
	c->p = start;
	c->err = PDL_OK;
	return mp_skip(c) == PDL_OK ? PDL_OK : fdecode(fe, path, "malformed or truncated msgpack");
}

/* The index in def of key k, or n when def has no such field. */
static unsigned
field_index(const struct pdl_field *def, unsigned n, const char *k, size_t kl)
{
	unsigned j;
	for (j = 0; j < n; j++)
		if (mp_str_eq(k, kl, def[j].name))
			break;
	return j;
}

/* One key and its value of a map being bound. */
static int
bind_member(const struct pdl_field *def, struct mp_cur *c, struct pdl_fields *out, struct pdl_ferrs *fe,
            const char *path, unsigned depth)
{
	const char *k;
	size_t kl;
	const uint8_t *start = c->p;
	if (mp_peek(c) != MP_STR || mp_read_str(c, &k, &kl) != PDL_OK) {
		if (c->err || c->p >= c->end)
			return fdecode(fe, path, "keys must be strings");
		ferr(fe, "%s: keys must be strings", path);
		if (skip_from(c, start, fe, path) != PDL_OK)
			return PDL_EDECODE;
		return mp_skip(c) == PDL_OK ? PDL_EFIELD : fdecode(fe, path, "malformed or truncated msgpack");
	}
	unsigned j = field_index(def, out->n, k, kl);
	start = c->p;
	int rc;
	if (j == out->n) {
		char kb[65];
		size_t kn = kl < 64 ? kl : 64;
		memcpy(kb, k, kn);
		kb[kn] = 0;
		for (size_t q = 0; q < kn; q++)
			if ((unsigned char)kb[q] < 0x20 || kb[q] == '"' || kb[q] == '\\')
				kb[q] = '?';
		rc = ferr(fe, "%s: unknown field \"%s\"", path, kb);
	} else if (out->pos[j] != NULL) {
		rc = ferr(fe, "%s.%s: duplicate field", path, def[j].name);
	} else {
		out->pos[j] = c->p;
		rc = check_value(&def[j], c, fe, path, depth);
	}
	if (rc == PDL_EFIELD && skip_from(c, start, fe, path) != PDL_OK)
		return PDL_EDECODE;
	return rc;
}

static int
bind_map(const struct pdl_field *def, struct mp_cur *c, struct pdl_fields *out, struct pdl_ferrs *fe,
         const char *path, unsigned depth)
{
	uint32_t n;
	unsigned before = fe->n;
	memset(out, 0, sizeof *out);
	out->def = def;
	while (def[out->n].name != NULL)
		out->n++;
	if (out->n > PDL_FIELDS_MAX)
		return pdl_status_set(fe->st, PDL_EINVAL, NULL, "schema too large");
	if (mp_peek(c) != MP_MAP || mp_read_map(c, &n) != PDL_OK) {
		if (c->err || c->p >= c->end)
			return fdecode(fe, path, "expected a map");
		ferr(fe, "%s: expected a map", path);
		/* at the top there is nothing after it to check (and its bytes may
		 * be anything); inside an array of maps the next element is */
		if (depth <= 1)
			return PDL_EFIELD;
		return mp_skip(c) == PDL_OK ? PDL_EFIELD : fdecode(fe, path, "malformed or truncated msgpack");
	}
	for (uint32_t i = 0; i < n; i++) {
		int rc = bind_member(def, c, out, fe, path, depth);
		if (rc != PDL_OK && rc != PDL_EFIELD)
			return rc;
	}
	for (unsigned j = 0; j < out->n; j++)
		if (out->pos[j] == NULL && !def[j].opt)
			ferr(fe, "%s.%s: missing field", path, def[j].name);
	out->end = c->p;
	return fe->n > before ? PDL_EFIELD : PDL_OK;
}

int
pdl_fields_bind_into(const struct pdl_field *def, struct mp_cur *c, struct pdl_fields *out, struct pdl_ferrs *fe,
                     const char *path)
{
	return bind_map(def, c, out, fe, path, 1);
}

int
pdl_fields_bind(const struct pdl_field *def, struct mp_cur *c, struct pdl_fields *out, struct pdl_status *st,
                const char *path)
{
	struct pdl_ferrs fe;
	pdl_ferrs_init(&fe, st);
	int rc = bind_map(def, c, out, &fe, path, 1);
	return rc == PDL_EFIELD ? pdl_ferrs_finish(&fe) : rc;
}

int
pdl_fields_has(const struct pdl_fields *f, unsigned i)
{
	return i < f->n && f->pos[i] != NULL;
}

struct mp_cur
pdl_fields_cur(const struct pdl_fields *f, unsigned i)
{
	struct mp_cur c = {f->pos[i], f->end, PDL_OK};
	if (!pdl_fields_has(f, i))
		c.err = PDL_ENOTFOUND;
	return c;
}

struct pdl_str
pdl_fields_str(const struct pdl_fields *f, unsigned i)
{
	struct pdl_str r = {NULL, 0};
	struct mp_cur c = pdl_fields_cur(f, i);
	if (c.err == PDL_OK && mp_read_str(&c, &r.p, &r.n) != PDL_OK)
		r.p = NULL, r.n = 0;
	return r;
}

uint64_t
pdl_fields_uint(const struct pdl_fields *f, unsigned i)
{
	uint64_t v = 0;
	struct mp_cur c = pdl_fields_cur(f, i);
	if (c.err == PDL_OK && mp_read_uint(&c, &v) != PDL_OK)
		v = 0;
	return v;
}

int64_t
pdl_fields_int(const struct pdl_fields *f, unsigned i)
{
	int64_t v = 0;
	struct mp_cur c = pdl_fields_cur(f, i);
	if (c.err == PDL_OK && mp_read_int(&c, &v) != PDL_OK)
		v = 0;
	return v;
}

int
pdl_fields_bool(const struct pdl_fields *f, unsigned i)
{
	int v = 0;
	struct mp_cur c = pdl_fields_cur(f, i);
	if (c.err == PDL_OK && mp_read_bool(&c, &v) != PDL_OK)
		v = 0;
	return v;
}

size_t
pdl_fields_cstr(const struct pdl_fields *f, unsigned i, char *buf, size_t cap)
{
	struct pdl_str s = pdl_fields_str(f, i);
	size_t n = s.n < cap - 1 ? s.n : cap - 1;
	if (n)
		memcpy(buf, s.p, n);
	buf[n] = 0;
	return n;
}
