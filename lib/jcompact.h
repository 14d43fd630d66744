/*
 * jcompact.h — a JSON value as json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)
 * writes it, byte for byte, without jansson's per-fragment callbacks, its
 * table of containers being dumped (loop detection: a view's documents are
 * trees) and its allocations per object. The views store every document
 * in that form and digest the bytes (projections/core), so the bytes must
 * not change; pdl-project's catch-up spent a third of its time in
 * json_dumps.
 *
 * What jansson would write differently or refuse is left to jansson: a
 * real number (its shortest-round-trip formatting), a string that is not
 * UTF-8, nesting deeper than PDL_JCOMPACT_DEPTH_MAX, a top level that is
 * not an object or an array. Those return
 * PDL_EINVAL and the caller uses json_dumps.
 */
#ifndef PDL_JCOMPACT_H
#define PDL_JCOMPACT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "pdl.h"

#define PDL_JCOMPACT_DEPTH_MAX 32u /* a view's documents nest 3 or 4 deep; more goes to jansson */
#define PDL_JBUF_STACK 2048u       /* most documents fit: no allocation */

struct pdl_jbuf {
	char *p; /* the bytes, not NUL-terminated; stack or malloc'd */
	size_t n, cap;
	char stack[PDL_JBUF_STACK];
};

void pdl_jbuf_init(struct pdl_jbuf *b);
void pdl_jbuf_free(struct pdl_jbuf *b);
/* Appends v's compact, key-sorted JSON to b. Errors: PDL_ENOMEM, PDL_EINVAL
 * (above: use json_dumps). On an error b holds a partial document. */
int pdl_json_compact(const json_t *v, struct pdl_jbuf *b);

/* An object written member by member, for a document made straight from
 * its fields: the bytes pdl_json_compact writes for the same object, as
 * long as the caller gives each key once and in the order JSON_SORT_KEYS
 * puts them (bytewise). pdl_jw_key writes the comma before every member
 * but an object's first; key is a literal of the caller's (ASCII with
 * nothing to escape). Values: pdl_jw_str (UTF-8 jansson accepts, else
 * PDL_EINVAL), pdl_jw_int, pdl_jw_value (any jansson value, as
 * pdl_json_compact writes it inside a document), pdl_jw_raw (punctuation:
 * "[", "]", literals). Each returns PDL_OK, PDL_ENOMEM or PDL_EINVAL (then
 * the document is not this writer's to make: make it with jansson). */
int pdl_jw_raw(struct pdl_jbuf *b, const char *s);
int pdl_jw_key(struct pdl_jbuf *b, const char *key);
int pdl_jw_str(struct pdl_jbuf *b, const char *s);
int pdl_jw_int(struct pdl_jbuf *b, int64_t v);
int pdl_jw_value(struct pdl_jbuf *b, const json_t *v);

/* Writes s (n bytes of UTF-8 the caller has checked) as jansson's dump
 * writes a string without JSON_ENSURE_ASCII: quoted, '"', '\\' and the
 * controls below 0x20 escaped (\b \f \n \r \t, the others \u00XX in
 * capitals), every other byte as it is. put is handed the pieces in order.
 * The one quoting of the fast JSON writers (this file, rcptjson.c, the
 * disclosure routes), so they write the same bytes as jansson and as each
 * other. */
typedef void (*pdl_json_put_fn)(void *ctx, const char *s, size_t n);
void pdl_json_quote(const char *s, size_t n, pdl_json_put_fn put, void *ctx);

#define PDL_JSON_INT_BYTES 24u /* "-9223372036854775808" and room */
/* v in decimal as jansson writes an integer ("%lld"), at the end of
 * d[PDL_JSON_INT_BYTES]; returns where it starts (length: d + 24 - start). */
char *pdl_json_int(int64_t v, char d[PDL_JSON_INT_BYTES]);

#endif
