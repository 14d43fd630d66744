/*
 * disclosure.h — private to the disclosure view (view_disclosure.c: the
 * projection; disclosure_http.c: the JSON API; disclosure_page.c: the HTML
 * page and the Atom feed). spec/views.md is the public description.
 *
 * The view owns three LMDB tables:
 *   disclosure_docs    "<kind>/<id>" → JSON document (kinds below)
 *   disclosure_feed    8-byte BE seq → the public item of a public entry
 *   disclosure_private 8-byte BE seq → {type, why} of an entry not disclosed
 *
 * Document kinds in disclosure_docs. Served: grant/, prod/, usage/, reg/,
 * code/ (index → application_id), disp/, party/, res/, discl/,
 * ev/<digest hex>/<seq:16 hex> (the public evidence deposits of a digest,
 * for /v1/evidence). Internal, never
 * served as such (they hold what private entries said): x/call/, x/disp/,
 * x/qual/, x/regobj/. Singletons: meta/ledger (genesis facts), meta/head
 * (seq and ledger time of the last entry applied).
 *
 * Invariants:
 *  (1) every entry below the view's cursor has exactly one of a feed item
 *      or a private record, except that quality.resolve deletes the private
 *      record of the report it resolves (the report becomes public; its
 *      content is carried by the resolve's feed item, so no feed item is
 *      ever inserted behind the head and feed cursors stay stable);
 *  (2) documents change only in apply, from entries, with ledger time:
 *      a rebuild gives the same bytes. Anything that depends on "now"
 *      (a grant's expiry) is computed when serving, from meta/head.
 */
#ifndef PDL_DISCLOSURE_H
#define PDL_DISCLOSURE_H

#include <jansson.h>
#include <lmdb.h>

#include "date.h"
#include "http.h"
#include "page.h"
#include "proj.h"

#define DISC_KEY_MAX 300u /* "usage/<id 64>/<period>" and friends, with room */

struct disc_tables {
	MDB_dbi docs, feed, priv;
};
void disc_tables_get(const struct pdl_vdb *db, struct disc_tables *tb);

/* Why an entry is not disclosed, or NULL when it is public. For
 * quality.report this is the status at filing (private until resolved). */
const char *disc_private_why(const char *type, const json_t *body);
/* The same, given whether the act's body is an object with a "blob". */
const char *disc_private_why_blob(const char *type, int has_blob);

/* ---- small helpers shared by the files ---- */
const char *disc_str(const json_t *o, const char *key);  /* "" when absent or not a string */
uint64_t disc_uint(const json_t *o, const char *key);    /* 0 when absent */
json_t *disc_get(MDB_txn *t, MDB_dbi dbi, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
json_t *disc_get_seq(MDB_txn *t, MDB_dbi dbi, uint64_t seq);

/* Dates are lib/date.h's (CST): pdl_ms_iso, pdl_ms_of_date, pdl_date_valid. */

/* The served form of a grant: the stored document plus status, phase and
 * exit computed at ledger time now_ms (expiry is not an act). New ref. */
json_t *disc_grant_present(const json_t *doc, uint64_t now_ms);

/* Ledger time and seq of the last entry applied (0/0 and *have=0 when empty). */
void disc_head(MDB_txn *t, const struct disc_tables *tb, uint64_t *seq, uint64_t *time_ms, int *have);

/* Walks docs whose key starts with prefix, after key `after` (NULL: from
 * the start), calling fn on each; fn returns 1 to take the item (it then
 * appended it to items), 0 to skip, <0 to stop with an error. Stops after
 * `limit` items taken, or after scan_max docs looked at ((size_t)-1: no
 * bound), so that a filter matching little costs a request no more than a
 * full page (DISC_SCAN_EXTRA); *more says whether a later matching key
 * may exist; next (cap ≥ DISC_KEY_MAX) gets the last key taken, or looked
 * at when scan_max stopped the walk, for the next page. */
#define DISC_SCAN_EXTRA 1000u /* docs a list request looks at beyond its limit */
typedef int (*disc_take_fn)(const char *key, json_t *doc, json_t *items, void *arg);
int disc_walk(MDB_txn *t, MDB_dbi dbi, const char *prefix, const char *after, size_t limit, size_t scan_max,
              disc_take_fn fn, void *arg, json_t *items, char *next, int *more);

/* The annual disclosure (spec/views.md). New reference. */
json_t *disc_annual(MDB_txn *t, const struct disc_tables *tb, int year);

/* The view's routes (disclosure_http.c), which its pdl_view carries. */
extern const struct pdl_route pdl_routes_disclosure[];

/* Page and Atom routes (disclosure_page.c). */
void disc_route_page(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out);
void disc_route_atom(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out);
/* The box every page that verifies carries: the verifier key (#pdl-vkey,
 * data-vkey and data-suite for the script), where else it is published,
 * and the checkpoint's status (#pdl-ckpt). meta is meta/ledger. */
void disc_page_keybox(struct pdl_page *b, const json_t *meta);

/* The entry page /entries/{seq}, the file check /verify and its JSON
 * /v1/evidence?digest=HEX (disclosure_entry.c). */
void disc_route_entry_page(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out);
void disc_route_verify_page(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out);
void disc_route_evidence(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out);
/* /v1/entries/{seq} (disclosure_http.c): the entry page renders its answer. */
void disc_route_entry(struct pdl_http_ctx *cx, const char *query, const char *rest, struct pdl_http_out *out);
/* limit parameter: 1..PDL_HTTP_LIMIT_MAX, default def; 1 if it answered 400. */
int disc_limit(const char *query, uint64_t def, uint64_t *limit, struct pdl_http_out *out);

#endif
