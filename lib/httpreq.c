/* httpreq.c — see httpreq.h. RFC 9112 §3 (request line), §5 (field
 * lines), §6 (message body length); RFC 9110 §5.6 (tokens). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "httpreq.h"

static int __attribute__((format(printf, 4, 5)))
refuse(int status, char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return status;
}

/* RFC 9110 tchar */
static int
tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* a == b for n bytes, ASCII case folded; b is lowercase and NUL-terminated */
static int
name_is(const char *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != b[i])
			return 0;
	return 1;
}

size_t
pdl_httpreq_head_len(const char *buf, size_t n)
{
	for (size_t i = 3; i < n; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return i + 1;
	return 0;
}

/* Does the comma-separated token list v[0..n) hold tok (case folded)? */
static int
list_has(const char *v, size_t n, const char *tok)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i > s && name_is(v + s, i - s, tok))
			return 1;
		while (i < n && v[i] != ',')
			i++;
	}
	return 0;
}

/* the fields seen so far, for refusing repeats */
enum { S_LEN = 1, S_TE = 2, S_HOST = 4, S_TYPE = 8, S_AUTH = 16, S_EXPECT = 32 };

/* One field line name[0..nn): value[0..vn) (already trimmed). */
static int
field(struct pdl_httpreq *r, const char *name, size_t nn, const char *v, size_t vn, unsigned *seen, char *why,
      size_t cap)
{
	if (name_is(name, nn, "content-length")) {
		if (*seen & S_LEN)
			return refuse(400, why, cap, "Content-Length is given twice");
		*seen |= S_LEN;
		if (vn == 0 || vn > 19)
			return refuse(400, why, cap, "Content-Length is not a number of 1 to 19 digits");
		uint64_t x = 0;
		for (size_t i = 0; i < vn; i++) {
			if (v[i] < '0' || v[i] > '9')
				return refuse(400, why, cap, "Content-Length is not a number of 1 to 19 digits");
			x = x * 10 + (uint64_t)(v[i] - '0');
		}
		r->has_length = 1;
		r->length = x;
	} else if (name_is(name, nn, "transfer-encoding")) {
		*seen |= S_TE;
		r->chunked = 1;
	} else if (name_is(name, nn, "host")) {
		if (*seen & S_HOST)
			return refuse(400, why, cap, "Host is given twice");
		*seen |= S_HOST;
	} else if (name_is(name, nn, "connection")) {
		if (list_has(v, vn, "close"))
			r->keep_alive = 0;
	} else if (name_is(name, nn, "expect")) {
		if (*seen & S_EXPECT)
			return refuse(400, why, cap, "Expect is given twice");
		*seen |= S_EXPECT;
		if (!name_is(v, vn, "100-continue"))
			return refuse(417, why, cap, "the only expectation served is Expect: 100-continue");
		r->expect_continue = 1;
	} else if (name_is(name, nn, "content-type")) {
		if (*seen & S_TYPE)
			return refuse(400, why, cap, "Content-Type is given twice");
		*seen |= S_TYPE;
		size_t m = 0;
		while (m < vn && v[m] != ';')
			m++;
		while (m > 0 && (v[m - 1] == ' ' || v[m - 1] == '\t'))
			m--;
		if (m > PDL_HTTP_MEDIA_LEN_MAX)
			return refuse(400, why, cap, "Content-Type is longer than %u bytes", PDL_HTTP_MEDIA_LEN_MAX);
		for (size_t i = 0; i < m; i++)
			r->media_type[i] = lower(v[i]);
		r->media_type[m] = 0;
		r->has_media = 1;
	} else if (name_is(name, nn, "authorization")) {
		if (*seen & S_AUTH)
			return refuse(400, why, cap, "Authorization is given twice");
		*seen |= S_AUTH;
		r->has_auth = 1;
		if (vn > PDL_HTTP_AUTH_LEN_MAX) {
			r->auth_too_long = 1;
		} else {
			memcpy(r->auth, v, vn);
			r->auth[vn] = 0;
		}
	}
	if ((*seen & S_LEN) && (*seen & S_TE))
		return refuse(400, why, cap, "Content-Length and Transfer-Encoding together");
	return 0;
}

/* The request line of head (which ends in CRLF CRLF): method SP target
 * SP HTTP/1.x CRLF into r; *next is the first field line. 0 or the status. */
static int
request_line(const char *head, const char *end, struct pdl_httpreq *r, const char **next, char *why, size_t cap)
{
	const char *p = head;
	const char *eol = memchr(p, '\r', (size_t)(end - p));
	if (eol == NULL || eol[1] != '\n')
		return refuse(400, why, cap, "the request line does not end in CRLF");
	const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
	if (sp1 == NULL || sp1 == p)
		return refuse(400, why, cap, "the request line is not METHOD TARGET HTTP/1.1");
	for (const char *c = p; c < sp1; c++)
		if (!tchar((unsigned char)*c))
			return refuse(400, why, cap, "the method is not a token");
	if ((size_t)(sp1 - p) > PDL_HTTP_METHOD_LEN_MAX)
		return refuse(501, why, cap, "no method of %zu characters is served", (size_t)(sp1 - p));
	const char *tg = sp1 + 1;
	const char *sp2 = memchr(tg, ' ', (size_t)(eol - tg));
	if (sp2 == NULL || sp2 == tg)
		return refuse(400, why, cap, "the request line is not METHOD TARGET HTTP/1.1");
	for (const char *c = tg; c < sp2; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return refuse(400, why, cap, "the request target holds a byte that is not visible ASCII");
	if (*tg != '/')
		return refuse(400, why, cap, "the request target is not a path (origin form, starting with /)");
	if ((size_t)(sp2 - tg) > PDL_HTTP_TARGET_LEN_MAX)
		return refuse(414, why, cap, "the request target is longer than %u bytes", PDL_HTTP_TARGET_LEN_MAX);
	const char *ver = sp2 + 1;
	size_t vl = (size_t)(eol - ver);
	if (vl != 8 || memcmp(ver, "HTTP/", 5) != 0 || ver[5] < '0' || ver[5] > '9' || ver[6] != '.' ||
	    ver[7] < '0' || ver[7] > '9')
		return refuse(400, why, cap, "the request line does not end in an HTTP version (HTTP/1.1)");
	if (ver[5] != '1' || (ver[7] != '0' && ver[7] != '1'))
		return refuse(505, why, cap, "HTTP/%c.%c is not served: use HTTP/1.1", ver[5], ver[7]);
	memcpy(r->method, p, (size_t)(sp1 - p));
	r->method[sp1 - p] = 0;
	memcpy(r->target, tg, (size_t)(sp2 - tg));
	r->target[sp2 - tg] = 0;
	r->minor = ver[7] - '0';
	r->keep_alive = r->minor == 1; /* HTTP/1.0 closes after each request */
	*next = eol + 2;
	return 0;
}

/* One field line at p (before end); *next is the line after it. */
static int
field_line(const char *p, const char *end, struct pdl_httpreq *r, unsigned *seen, const char **next, char *why,
           size_t cap)
{
	const char *eol = memchr(p, '\r', (size_t)(end - p));
	if (eol == NULL || eol + 1 >= end || eol[1] != '\n')
		return refuse(400, why, cap, "a header line does not end in CRLF");
	for (const char *c = p; c < eol; c++)
		if (*c == '\n')
			return refuse(400, why, cap, "a bare LF inside a header line");
	if (*p == ' ' || *p == '\t')
		return refuse(400, why, cap, "obsolete line folding (a header line starting with a space)");
	const char *colon = memchr(p, ':', (size_t)(eol - p));
	if (colon == NULL || colon == p)
		return refuse(400, why, cap, "a header line without a name and a colon");
	for (const char *c = p; c < colon; c++)
		if (!tchar((unsigned char)*c))
			return refuse(400, why, cap, "a header name is not a token (no space before the colon)");
	const char *v = colon + 1, *ve = eol;
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	for (const char *c = v; c < ve; c++) {
		unsigned char u = (unsigned char)*c;
		if ((u < 0x20 && u != '\t') || u == 0x7f)
			return refuse(400, why, cap, "header %.*s holds a control character", (int)(colon - p > 40 ? 40 : colon - p),
			              p);
	}
	*next = eol + 2;
	return field(r, p, (size_t)(colon - p), v, (size_t)(ve - v), seen, why, cap);
}

int
pdl_httpreq_parse(const char *head, size_t n, struct pdl_httpreq *r, char *why, size_t cap)
{
	memset(r, 0, sizeof *r);
	why[0] = 0;
	if (n < 4 || n > PDL_HTTP_HEAD_BYTES_MAX || memcmp(head + n - 4, "\r\n\r\n", 4) != 0)
		return refuse(400, why, cap, "the request head does not end in an empty line");
	const char *p = head, *end = head + n;
	int st = request_line(head, end, r, &p, why, cap);
	/* field lines, up to the empty line */
	unsigned seen = 0;
	while (st == 0 && p < end - 2)
		st = field_line(p, end, r, &seen, &p, why, cap);
	if (st != 0)
		return st;
	if (r->minor == 1 && !(seen & S_HOST))
		return refuse(400, why, cap, "an HTTP/1.1 request needs a Host header");
	return 0;
}

int
pdl_httpreq_path(const struct pdl_httpreq *r, char *out, size_t cap)
{
	size_t n = strcspn(r->target, "?");
	if (n >= cap)
		return -1;
	memcpy(out, r->target, n);
	out[n] = 0;
	return 0;
}
