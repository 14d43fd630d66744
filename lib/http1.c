/* http1.c — see http1.h (RFC 9112 framing). */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http1.h"

enum { CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_TRAILER, CH_TRAILER_LF, CH_DONE };

size_t
pdl_h1_head_len(const char *b, size_t n)
{
	/* an empty line: "\n\n" or "\n\r\n" */
	for (size_t i = 0; i + 1 < n; i++) {
		if (b[i] != '\n')
			continue;
		if (b[i + 1] == '\n')
			return i + 2;
		if (b[i + 1] == '\r' && i + 2 < n && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
ieq(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);
	if (an != bn)
		return 0;
	for (size_t i = 0; i < an; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* RFC 9110 tchar: the characters of a token (field names, methods). */
static int
tchar(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Next line of the head: [*s, eol) without CR; advances *pos. */
static size_t
next_line(const char *b, size_t len, size_t *pos, const char **s)
{
	const char *e = memchr(b + *pos, '\n', len - *pos);
	assert(e != NULL); /* the head ends in an empty line */
	*s = b + *pos;
	size_t n = (size_t)(e - *s);
	*pos += n + 1;
	if (n > 0 && (*s)[n - 1] == '\r')
		n--;
	return n;
}

/* Each comma-separated element of a list value, trimmed. */
static int
list_has(const char *v, size_t n, const char *want)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s && ieq(v + s, e - s, want))
			return 1;
	}
	return 0;
}

/* A Content-Length value into h: 0, or -1 with *why. */
static int
content_length(const char *v, size_t vn, struct pdl_h1_head *h, const char **why)
{
	uint64_t x = 0;
	if (vn == 0 || vn > 19) {
		*why = "Content-Length is not a decimal number";
		return -1;
	}
	for (size_t i = 0; i < vn; i++) {
		if (v[i] < '0' || v[i] > '9') {
			*why = "Content-Length is not a decimal number";
			return -1;
		}
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (h->has_length && h->length != x) {
		*why = "two different Content-Lengths";
		return -1;
	}
	h->has_length = 1;
	h->length = x;
	return 0;
}

/* Where a request's Host (field name starting with h or H) or
 * Authorization value is. A second one is 400 (RFC 9112 §3.2: which one a
 * proxy before us used is unknown, so neither can be trusted). */
static int
keep_value(struct pdl_h1_head *h, char name0, const char *v, size_t vn, const char **why)
{
	int is_host = lower((unsigned char)name0) == 'h';
	const char **at = is_host ? &h->host : &h->authorization;
	size_t *len = is_host ? &h->host_len : &h->authorization_len;
	if (*at != NULL) {
		*why = is_host ? "two Host header fields" : "two Authorization header fields";
		return 400;
	}
	*at = v;
	*len = vn;
	return 0;
}

/* The header fields after the first line. 0, or the status to answer. */
static int
fields(const char *b, size_t len, size_t pos, struct pdl_h1_head *h, int request, const char **why)
{
	int has_te = 0, keep_alive = 0;
	for (;;) {
		const char *s;
		size_t n = next_line(b, len, &pos, &s);
		if (n == 0)
			break;
		if (s[0] == ' ' || s[0] == '\t') {
			*why = "obsolete line folding";
			return 400;
		}
		const char *colon = memchr(s, ':', n);
		if (colon == NULL || colon == s) {
			*why = "a header field without a name and a colon";
			return 400;
		}
		size_t nn = (size_t)(colon - s);
		for (size_t i = 0; i < nn; i++)
			if (!tchar((unsigned char)s[i])) {
				*why = "a header field name with a character that is not a token's";
				return 400;
			}
		const char *v = colon + 1, *ve = s + n;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		size_t vn = (size_t)(ve - v);
		for (size_t i = 0; i < vn; i++)
			if (((unsigned char)v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f) {
				*why = "a control character in a header field value";
				return 400;
			}
		if (ieq(s, nn, "content-length")) {
			if (content_length(v, vn, h, why) != 0)
				return 400;
		} else if (ieq(s, nn, "transfer-encoding")) {
			if (has_te || !ieq(v, vn, "chunked")) {
				*why = "a transfer coding other than chunked";
				return 501;
			}
			has_te = 1;
			h->chunked = 1;
		} else if (ieq(s, nn, "connection")) {
			if (list_has(v, vn, "close"))
				h->close = 1;
			if (list_has(v, vn, "keep-alive"))
				keep_alive = 1;
		} else if (request && ieq(s, nn, "expect")) {
			if (!ieq(v, vn, "100-continue")) {
				*why = "an expectation other than 100-continue";
				return 417;
			}
			h->expect_continue = 1;
		} else if (request && (ieq(s, nn, "host") || ieq(s, nn, "authorization"))) {
			if (keep_value(h, s[0], v, vn, why) != 0)
				return 400;
		} else if (ieq(s, nn, "content-type")) {
			size_t cn = vn > PDL_H1_CTYPE_MAX ? PDL_H1_CTYPE_MAX : vn;
			memcpy(h->content_type, v, cn);
			h->content_type[cn] = '\0';
		}
	}
	if (h->chunked && h->has_length) {
		*why = "both Content-Length and Transfer-Encoding";
		return 400;
	}
	if (h->minor == 0 && !keep_alive)
		h->close = 1;
	return 0;
}

/* "HTTP/1.x" at s[0..n): the minor version, or -1 (-2: not 1.x). */
static int
version(const char *s, size_t n)
{
	if (n != 8 || memcmp(s, "HTTP/", 5) != 0 || s[6] != '.' || s[5] < '0' || s[5] > '9' || s[7] < '0' || s[7] > '9')
		return -1;
	if (s[5] != '1')
		return -2;
	return s[7] - '0';
}

/* RFC 9112 §3.2.2: a server MUST accept the absolute form
 * ("http://host/path?query"); it is answered as its origin form, and
 * §3.3: the target's authority is the host, whatever Host says. t (tn
 * bytes) is the target in the request's buffer. */
static int
absolute_form(struct pdl_h1_head *h, const char *t, size_t tn, const char **why)
{
	size_t sn = tn >= 7 && strncasecmp(t, "http://", 7) == 0 ? 7 : tn >= 8 && strncasecmp(t, "https://", 8) == 0 ? 8 : 0;
	if (sn == 0)
		return 0;
	size_t a = sn;
	while (a < tn && t[a] != '/' && t[a] != '?' && t[a] != '#')
		a++;
	if (a == sn || memchr(t + sn, '@', a - sn) != NULL) {
		*why = "an absolute request target needs a host, and no user information";
		return 400;
	}
	h->host = t + sn;
	h->host_len = a - sn;
	size_t rest = tn - a, at = 0;
	if (rest == 0 || t[a] != '/')
		h->target[at++] = '/';
	memcpy(h->target + at, t + a, rest);
	h->target[at + rest] = '\0';
	return 0;
}

int
pdl_h1_request_parse(const char *b, size_t len, struct pdl_h1_head *h, const char **why)
{
	const char *s, *sp1, *sp2;
	size_t pos = 0, n;
	assert(b != NULL && h != NULL && why != NULL);
	memset(h, 0, sizeof *h);
	if (len > PDL_H1_HEAD_MAX || memchr(b, '\0', len) != NULL) {
		*why = "the request head is too long or holds a NUL";
		return 400;
	}
	/* RFC 9112 §2.2: empty lines before the request line are ignored */
	while (pos < len && (b[pos] == '\r' || b[pos] == '\n'))
		pos++;
	if (pos == len) {
		*why = "no request line";
		return 400;
	}
	n = next_line(b, len, &pos, &s);
	sp1 = memchr(s, ' ', n);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - s)) : NULL;
	if (sp1 == NULL || sp2 == NULL || sp1 == s || sp2 == sp1 + 1) {
		*why = "the request line is not METHOD TARGET VERSION";
		return 400;
	}
	size_t mn = (size_t)(sp1 - s), tn = (size_t)(sp2 - sp1 - 1);
	int v = version(sp2 + 1, n - (size_t)(sp2 + 1 - s));
	if (v == -2) {
		*why = "only HTTP/1.x is spoken here";
		return 505;
	}
	if (v < 0) {
		*why = "the request line is not METHOD TARGET VERSION";
		return 400;
	}
	if (mn >= sizeof h->method || tn > PDL_H1_TARGET_MAX) {
		*why = "the method or the request target is too long";
		return mn >= sizeof h->method ? 501 : 414;
	}
	for (size_t i = 0; i < mn; i++)
		if (!tchar((unsigned char)s[i])) {
			*why = "the method is not a token";
			return 400;
		}
	for (size_t i = 0; i < tn; i++)
		if ((unsigned char)sp1[1 + i] <= 0x20 || (unsigned char)sp1[1 + i] >= 0x7f) {
			*why = "the request target holds a space, a control or a non-ASCII character";
			return 400;
		}
	memcpy(h->method, s, mn);
	memcpy(h->target, sp1 + 1, tn);
	h->minor = v;
	int status = fields(b, len, pos, h, 1, why);
	if (status == 0)
		status = absolute_form(h, sp1 + 1, tn, why);
	if (status == 0 && h->minor == 1 && h->host == NULL) {
		*why = "an HTTP/1.1 request without a Host header field";
		return 400;
	}
	return status;
}

int
pdl_h1_response_parse(const char *b, size_t len, struct pdl_h1_head *h, const char **why)
{
	const char *s;
	size_t pos = 0, n;
	assert(b != NULL && h != NULL && why != NULL);
	memset(h, 0, sizeof *h);
	if (len > PDL_H1_HEAD_MAX || memchr(b, '\0', len) != NULL) {
		*why = "the response head is too long or holds a NUL";
		return -1;
	}
	n = next_line(b, len, &pos, &s);
	int v = n >= 12 ? version(s, 8) : -1;
	if (v < 0 || s[8] != ' ' || s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' || s[11] < '0' ||
	    s[11] > '9' || (n > 12 && s[12] != ' ')) {
		*why = "the status line is not HTTP/1.x CODE REASON";
		return -1;
	}
	h->minor = v;
	h->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	return fields(b, len, pos, h, 0, why) == 0 ? 0 : -1;
}

static int
hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The chunk-size line: one byte ch of it. 0, -1 (malformed) or -2 (the
 * chunk would pass room, the bytes the output has left). */
static int
size_byte(struct pdl_h1_chunks *c, char ch, size_t room)
{
	if (c->state == CH_SIZE_LF) {
		if (ch != '\n')
			return -1;
		goto size_done;
	}
	if (++c->line > PDL_H1_LINE_MAX)
		return -1;
	if (c->state == CH_SIZE && hexv(ch) >= 0) {
		if (c->left > (UINT64_MAX >> 4))
			return -1;
		c->left = c->left << 4 | (uint64_t)hexv(ch);
		c->digits++;
		return 0;
	}
	if (ch == ';' || c->state == CH_EXT) {
		if (c->digits == 0 || ((unsigned char)ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\n'))
			return -1;
		c->state = CH_EXT;
		if (ch == '\r')
			c->state = CH_SIZE_LF;
		else if (ch == '\n')
			goto size_done;
		return 0;
	}
	if (ch == '\r' && c->digits > 0) {
		c->state = CH_SIZE_LF;
		return 0;
	}
	if (ch != '\n' || c->digits == 0)
		return -1;
size_done:
	c->line = 0;
	c->digits = 0;
	if (c->left == 0) {
		c->state = CH_TRAILER;
		return 0;
	}
	if (c->left > room)
		return -2;
	c->state = CH_DATA;
	return 0;
}

/* The line ends after a chunk's data, and the trailer: one byte ch. 0 or
 * -1 (malformed). */
static int
crlf_byte(struct pdl_h1_chunks *c, char ch)
{
	switch (c->state) {
	case CH_DATA_CR:
		if (ch == '\n')
			c->state = CH_SIZE;
		else if (ch == '\r')
			c->state = CH_DATA_LF;
		else
			return -1;
		return 0;
	case CH_DATA_LF:
		if (ch != '\n')
			return -1;
		c->state = CH_SIZE;
		return 0;
	case CH_TRAILER:
		/* trailer fields are read and dropped; an empty line ends the body */
		if (++c->line > PDL_H1_LINE_MAX)
			return -1;
		if (ch == '\n') {
			if (c->line == 1)
				c->state = CH_DONE;
			c->line = 0;
		} else if (ch == '\r') {
			c->state = CH_TRAILER_LF;
		}
		return 0;
	case CH_TRAILER_LF:
		if (ch != '\n')
			return -1;
		c->state = c->line == 1 ? CH_DONE : CH_TRAILER;
		c->line = 0;
		return 0;
	default:
		return -1;
	}
}

int
pdl_h1_chunks_feed(struct pdl_h1_chunks *c, const char *in, size_t n, size_t *used, char *out, size_t cap)
{
	size_t i = 0;
	assert(c != NULL && used != NULL && (in != NULL || n == 0));
	*used = 0; /* on an error, what was taken does not matter */
	while (i < n && c->state != CH_DONE) {
		if (c->state == CH_DATA) {
			size_t take = n - i < c->left ? n - i : (size_t)c->left;
			memcpy(out + c->out_len, in + i, take);
			c->out_len += take;
			c->left -= take;
			i += take;
			if (c->left == 0)
				c->state = CH_DATA_CR;
			continue;
		}
		int rc = c->state <= CH_SIZE_LF ? size_byte(c, in[i], cap - c->out_len) : crlf_byte(c, in[i]);
		if (rc < 0)
			return rc;
		i++;
	}
	*used = i;
	return c->state == CH_DONE ? 1 : 0;
}

/* The end of the URL's host at p (a name, an IPv4 address or [IPv6]), or
 * NULL with *why. */
static const char *
host_end(const char *p, const char **why)
{
	const char *he;
	if (*p == '[') {
		he = strchr(p, ']');
		if (he == NULL || he == p + 1) {
			*why = "an IPv6 host is not closed by ']'";
			return NULL;
		}
		for (const char *q = p + 1; q < he; q++)
			if (hexv(*q) < 0 && *q != ':' && *q != '.') {
				*why = "an IPv6 host holds a character that is not hex, ':' or '.'";
				return NULL;
			}
		return he + 1;
	}
	he = p;
	while (*he && ((*he >= 'a' && *he <= 'z') || (*he >= 'A' && *he <= 'Z') || (*he >= '0' && *he <= '9') ||
	               *he == '.' || *he == '-' || *he == '_'))
		he++;
	if (he == p) {
		*why = "the URL has no host";
		return NULL;
	}
	return he;
}

int
pdl_h1_url_parse(const char *url, struct pdl_h1_url *u, const char **why)
{
	const char *p, *host, *he, *pe;
	assert(url != NULL && u != NULL && why != NULL);
	memset(u, 0, sizeof *u);
	if (strncmp(url, "http://", 7) == 0) {
		p = url + 7;
		u->port = 80;
	} else if (strncmp(url, "https://", 8) == 0) {
		p = url + 8;
		u->tls = 1;
		u->port = 443;
	} else {
		*why = "the URL does not start with http:// or https://";
		return PDL_EINVAL;
	}
	host = p;
	if ((he = host_end(p, why)) == NULL)
		return PDL_EINVAL;
	if ((size_t)(he - host) >= sizeof u->host) {
		*why = "the host is too long";
		return PDL_EINVAL;
	}
	memcpy(u->host, host, (size_t)(he - host));
	pe = he;
	if (*pe == ':') {
		unsigned port = 0;
		int digits = 0;
		for (pe++; *pe >= '0' && *pe <= '9'; pe++, digits++)
			port = port * 10 + (unsigned)(*pe - '0');
		if (digits == 0 || digits > 5 || port == 0 || port > 65535) {
			*why = "the port is not a number from 1 to 65535";
			return PDL_EINVAL;
		}
		u->port = port;
	}
	if (*pe != '\0' && *pe != '/') {
		*why = "the URL has user info or a character not allowed in a host (only a path may follow)";
		return PDL_EINVAL;
	}
	size_t pl = strlen(pe);
	while (pl > 0 && pe[pl - 1] == '/')
		pl--;
	if (pl >= sizeof u->path) {
		*why = "the path is too long";
		return PDL_EINVAL;
	}
	for (size_t i = 0; i < pl; i++)
		if ((unsigned char)pe[i] <= 0x20 || (unsigned char)pe[i] >= 0x7f || pe[i] == '?' || pe[i] == '#') {
			*why = "the path holds a space, a control or non-ASCII character, a query or a fragment";
			return PDL_EINVAL;
		}
	memcpy(u->path, pe, pl);
	snprintf(u->dial, sizeof u->dial, "%s://%s:%u", u->tls ? "tls+tcp" : "tcp", u->host, u->port);
	if (u->port == (u->tls ? 443u : 80u))
		snprintf(u->authority, sizeof u->authority, "%s", u->host);
	else
		snprintf(u->authority, sizeof u->authority, "%s:%u", u->host, u->port);
	return PDL_OK;
}

const char *
pdl_h1_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}
