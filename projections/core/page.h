/*
 * page.h — what the views' HTML pages share: a growing text buffer; the
 * escaping of every context a ledger value can land in; numbers, money and
 * ledger times written for people (thousands separators, yuan, China
 * Standard Time); the one table of Chinese labels for enum codes and field
 * names; the page frame (head, header, navigation, footer) with the
 * stylesheet and the verification script served as files of their own
 * (/assets/pdl.css, /assets/pdl.js: pdl_page_routes); and the public base
 * URL that absolute links (the Atom feed) start with.
 *
 * Every value from the ledger is untrusted: a party chooses its names, ids
 * are checked only for their alphabet, free text is anything. Pages put
 * ledger values in exactly two places — element text and double-quoted
 * attribute values — and always through pdl_page_esc (hrefs through
 * pdl_page_url first, which leaves nothing but unreserved characters and
 * %XX). Never inside <script> or <style>, never in an unquoted attribute,
 * an event handler or a javascript: URL: the pages carry no inline script
 * at all, and the public listener's Content-Security-Policy (http.c) lets a
 * page run only the script files of its own origin. The script reads what
 * it needs from data- attributes and writes with textContent only.
 *
 * Invariants:
 *  (1) pdl_page_esc output holds no '<', '>', '&' (except starting an
 *      entity), '"' or '\'' and no control character but '\n' and '\t';
 *  (2) pdl_page_url output holds only A-Z a-z 0-9 - . _ ~ and %XX;
 *  (3) a buffer that ran out of memory stays empty-handed: later writes do
 *      nothing and pdl_page_finish answers 500, never a truncated page.
 */
#ifndef PDL_PAGE_H
#define PDL_PAGE_H

#include <stdint.h>

#include "http.h"

#define PDL_PAGE_HOST_MAX 253u /* a DNS name's length: the longest Host header used for links */
/* the base of absolute links: "http://" + a host, or a --public-url shorter than this */
#define PDL_PAGE_BASE_MAX (PDL_PAGE_HOST_MAX + 19u)

struct pdl_page {
	char *p; /* malloc'd, NUL-terminated; handed to the response by pdl_page_finish */
	size_t n, cap;
	int oom;
};

void pdl_page_put(struct pdl_page *b, const char *s, size_t n);
/* Trusted text only: markup and constants of the page itself. */
void pdl_page_puts(struct pdl_page *b, const char *s);
/* Trusted text only (numbers, constants); at most 1 KiB per call. */
void pdl_page_printf(struct pdl_page *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Untrusted text for element text or a double-quoted attribute value
 * (invariant (1)). NULL writes nothing. */
void pdl_page_esc(struct pdl_page *b, const char *s);
/* Untrusted text as a URL path segment or query value (invariant (2)). */
void pdl_page_url(struct pdl_page *b, const char *s);

/* 1234567 → "1,234,567"; negatives keep their sign. */
void pdl_page_int(struct pdl_page *b, int64_t v);
/* fen → "¥1,234.56" (negative: "−¥0.05"). */
void pdl_page_fen(struct pdl_page *b, int64_t fen);
/* A ledger time as <time datetime="ISO">YYYY-MM-DD HH:MM</time>, in CST. */
void pdl_page_time(struct pdl_page *b, uint64_t ms);
/* "2026-08-03T09:00:00+08:00" (ms dropped: ledger times are exact in the JSON). */
void pdl_page_iso(uint64_t ms, char out[40]);
/* basis points → "82.96%". */
void pdl_page_bp(struct pdl_page *b, int64_t bp);

/* The Chinese label of an enum code ("public_welfare" → "公益"), an act
 * type ("grant.issue" → "授权"), or a field name ("fee_cap_fen" → "收费上限");
 * NULL when the table has none. */
const char *pdl_page_label(const char *key);
/* A code as people read it: its label with the code beside
 * (<span class="lbl">公益</span> <code>public_welfare</code>), or the code
 * alone when it has no label. Escaped. */
void pdl_page_code(struct pdl_page *b, const char *code);

/* The page frame. pdl_page_open writes the head (title escaped, the
 * stylesheet and the script as files), the header with `heading` and the
 * navigation (`here` is the path of this page: its link is marked; links to
 * routes this server does not have are left out), and opens <main>.
 * pdl_page_close closes <main>, writes the footer and ends the document. */
void pdl_page_open(struct pdl_page *b, const struct pdl_http_ctx *cx, const char *title, const char *heading,
                   const char *here);
void pdl_page_close(struct pdl_page *b);

/* Hands the buffer to out as a 200 text/html page (status: 200, or the one
 * given, e.g. 403 for a page that explains a refusal); 500 out_of_memory
 * when the buffer ran out (invariant (3)). The buffer is empty afterwards. */
void pdl_page_finish(struct pdl_page *b, int status, struct pdl_http_out *out);

/* The base of absolute links: --public-url when given, else http:// and the
 * request's Host header when it is a plausible host[:port] (letters,
 * digits, '.', '-', ':', '[', ']'; at most PDL_PAGE_HOST_MAX characters). 1 and out set
 * ("" never); 0 when neither can be used (the caller writes relative links). */
int pdl_page_base(const struct pdl_http_ctx *cx, char out[PDL_PAGE_BASE_MAX]);
/* 1 when s is a usable --public-url: http:// or https://, a host, an
 * optional path, no query, fragment, quote, space or control character,
 * shorter than PDL_PAGE_BASE_MAX. */
int pdl_page_public_url_ok(const char *s);

/* The routes of the page assets (/assets/pdl.css, /assets/pdl.js), served
 * by the framework on the public listener whatever the views (http.c). */
extern const struct pdl_route pdl_page_routes[];

#endif
