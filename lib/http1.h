/*
 * http1.h — HTTP/1.1 message framing (RFC 9112) as bytes: request and
 * status lines, the header fields pdl acts on, chunked bodies, and http://
 * and https:// URLs. Pure functions of bytes (no sockets: wire/hconn.h
 * moves them); what the witness server (`pdl witness serve`) and pdld's
 * witness client share.
 *
 * Only what framing needs is kept: Content-Length, Transfer-Encoding,
 * Connection, Expect and Content-Type; and, for a server's routes, where a
 * request's Host and Authorization values are (pointers into the parsed
 * bytes). Everything else is skipped, after its syntax is checked.
 *
 * Invariants:
 *  (1) nothing here reads past its length or trusts a length it did not
 *      bound: heads ≤ PDL_H1_HEAD_MAX, request targets ≤ PDL_H1_TARGET_MAX,
 *      chunk-size and trailer lines ≤ PDL_H1_LINE_MAX; a chunked body is
 *      decoded into the caller's buffer and never past its cap;
 *  (2) a request with both Content-Length and Transfer-Encoding, two
 *      different Content-Lengths, or a transfer coding other than
 *      "chunked" is refused, so two readers cannot frame it differently.
 */
#ifndef PDL_HTTP1_H
#define PDL_HTTP1_H

#include "pdl.h"

#define PDL_H1_HEAD_MAX 8192u    /* request or status line and header fields */
#define PDL_H1_TARGET_MAX 1024u  /* request target; the witness's are short */
#define PDL_H1_LINE_MAX 1024u    /* a chunk-size or trailer line */
#define PDL_H1_CTYPE_MAX 127u

struct pdl_h1_head {
	char method[16];                      /* requests */
	char target[PDL_H1_TARGET_MAX + 1];   /* requests */
	int status;                           /* responses */
	int minor;                            /* HTTP/1.<minor> */
	int has_length;
	uint64_t length;
	int chunked;
	int close;            /* the connection ends after this message */
	int expect_continue;  /* requests: Expect: 100-continue */
	char content_type[PDL_H1_CTYPE_MAX + 1];
	/* requests: the first Host and Authorization values, trimmed, pointing
	 * into the bytes parsed (not NUL-terminated; valid while they are);
	 * NULL when absent */
	const char *host, *authorization;
	size_t host_len, authorization_len;
};

/* The length of the head at the start of b[0..n) through its empty line
 * (CRLF CRLF, or bare LFs), or 0 when it is not all there yet. */
size_t pdl_h1_head_len(const char *b, size_t n);

/* Parses a request head of len bytes (pdl_h1_head_len). Returns 0, or the
 * status to answer with *why set: 400 (malformed), 417 (an Expect other
 * than 100-continue), 501 (a transfer coding other than chunked), 505 (not
 * HTTP/1.x). */
int pdl_h1_request_parse(const char *b, size_t len, struct pdl_h1_head *h, const char **why);

/* Parses a response head. Returns 0, or -1 with *why set. */
int pdl_h1_response_parse(const char *b, size_t len, struct pdl_h1_head *h, const char **why);

/* A chunked body being decoded. Zero it to start. */
struct pdl_h1_chunks {
	int state;
	uint64_t left;   /* data bytes left in the chunk */
	size_t line;     /* bytes of the current size or trailer line */
	int digits;
	size_t out_len;  /* decoded bytes so far */
};

/* Feeds raw bytes in[0..n). Decoded data goes to out (at most cap bytes in
 * all). Returns 1 when the body is complete (*used: the bytes of in it
 * took), 0 when it needs more (all of in was taken), -1 malformed, -2 the
 * decoded body would pass cap. */
int pdl_h1_chunks_feed(struct pdl_h1_chunks *c, const char *in, size_t n, size_t *used, char *out, size_t cap);

/* An http:// or https:// URL: a witness's submission prefix. */
struct pdl_h1_url {
	int tls;
	char host[256];   /* as written, IPv6 with its brackets */
	unsigned port;
	char path[PDL_H1_TARGET_MAX / 2]; /* "" or "/…" without a trailing '/' */
	char dial[300];   /* "tcp://host:port" or "tls+tcp://host:port" (NNG streams) */
	char authority[300]; /* the Host header */
};

/* Parses an absolute http:// or https:// URL without user info, query or
 * fragment. Errors: PDL_EINVAL with *why. */
int pdl_h1_url_parse(const char *url, struct pdl_h1_url *u, const char **why);

/* The reason phrase of a status ("OK", "Conflict", …). */
const char *pdl_h1_reason(int status);

#endif
