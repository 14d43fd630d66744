/*
 * httpreq.h — the head of an HTTP/1.1 request (RFC 9112), parsed strictly:
 * what pdld's HTTP listener (`pdld --http`, spec/formats.md §17) reads
 * before it decides whether to read a body at all. Pure: bytes in, a
 * struct out, no I/O, no allocation; fuzzed (tests/fuzz/fuzz_httpreq.c).
 *
 * Strict on what request smuggling and slow clients use: the request line
 * and every header line end in CRLF; no whitespace before a header's
 * colon; no obsolete line folding; no control characters; one
 * Content-Length of digits only, never beside a Transfer-Encoding;
 * HTTP/1.1 needs Host. Anything else is refused with the status to answer
 * and a message naming the problem.
 *
 * Invariants of a parsed request (pdl_httpreq_parse returned 0):
 *  (1) method and target are NUL-terminated, non-empty, without spaces or
 *      control characters, and fit their buffers;
 *  (2) has_length implies !chunked; length is at most 19 digits;
 *  (3) media_type is lowercase, without parameters or surrounding spaces.
 */
#ifndef PDL_HTTPREQ_H
#define PDL_HTTPREQ_H

#include <stddef.h>
#include <stdint.h>

#define PDL_HTTP_HEAD_BYTES_MAX 8192u   /* request line and headers: nginx's default large buffer */
#define PDL_HTTP_METHOD_LEN_MAX 15u     /* the longest method we name is 7 ("OPTIONS") */
#define PDL_HTTP_TARGET_LEN_MAX 2048u   /* what a read token may sign (spec/formats.md §15) */
#define PDL_HTTP_AUTH_LEN_MAX 256u      /* a read token (readtok.h); longer is not one */
#define PDL_HTTP_MEDIA_LEN_MAX 127u

struct pdl_httpreq {
	char method[PDL_HTTP_METHOD_LEN_MAX + 1];
	char target[PDL_HTTP_TARGET_LEN_MAX + 1];
	int minor;            /* HTTP/1.<minor>: 0 or 1 */
	int has_length;       /* a Content-Length was given */
	uint64_t length;
	int chunked;          /* a Transfer-Encoding was given (pdld answers 411) */
	int keep_alive;       /* the connection may serve another request after this one */
	int expect_continue;  /* Expect: 100-continue */
	int has_media;
	char media_type[PDL_HTTP_MEDIA_LEN_MAX + 1]; /* "application/json" */
	int has_auth;
	char auth[PDL_HTTP_AUTH_LEN_MAX + 1]; /* Authorization, when it fits */
	int auth_too_long;
};

/* The length of the head at the start of buf[0..n) (through the blank
 * line's CRLF), or 0 when the blank line has not arrived yet. */
size_t pdl_httpreq_head_len(const char *buf, size_t n);

/* Parses a head of n bytes (pdl_httpreq_head_len's). Returns 0 and fills
 * r, or the HTTP status to answer with why[] (NUL-terminated, at most cap)
 * saying what is wrong: 400 (malformed), 417 (an Expect other than
 * 100-continue), 414 (a target over PDL_HTTP_TARGET_LEN_MAX), 501 (a
 * method longer than any served), 505 (not HTTP/1.0 or 1.1). A head over
 * PDL_HTTP_HEAD_BYTES_MAX is the caller's 431: it never gets here. */
int pdl_httpreq_parse(const char *head, size_t n, struct pdl_httpreq *r, char *why, size_t cap);

/* The path of r->target: its bytes before '?', in out (cap bytes, NUL-
 * terminated); 0, or -1 when it does not fit. */
int pdl_httpreq_path(const struct pdl_httpreq *r, char *out, size_t cap);

#endif
