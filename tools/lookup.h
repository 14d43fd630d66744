/*
 * lookup.h — finding what the log says about one record: the entries that
 * made a party, resource, registration, grant or product what it is, and
 * the registration code an entry assigned. What `pdl show` and `pdl code
 * check --data/--ledger` share.
 *
 * The log is read in order (src_scan), so it works the same on a data
 * directory and over a pdld, and needs no index: a record's entries are the
 * acts of its family whose body names its id (lookup.c's table), with the
 * ids that stand for it met on the way (a registration's objections, the
 * code assigned to it). A lookup reads the whole log once: O(log size).
 *
 * Invariants:
 *  (1) entries are reported in seq order, each once;
 *  (2) nothing read is trusted: an entry that does not decode is skipped
 *      and counted (`pdl verify` is what names it).
 */
#ifndef PDL_LOOKUP_H
#define PDL_LOOKUP_H

#include "cli.h"

#define LOOKUP_ALIASES_MAX 256u /* objection ids and codes one record gathers: more is not one record */

/* One decoded entry, pointing into the bytes it came from. */
struct lookup_entry {
	uint64_t seq, time_ms;
	struct pdl_str type, actor;
	struct mp_cur body, outcome;
	const uint8_t *bytes;
	size_t len;
};
/* PDL_OK, or PDL_EDECODE when the bytes are not an entry with an act map. */
int lookup_decode(const uint8_t *b, size_t n, struct lookup_entry *e);

/* The kinds `pdl show` knows, with their state record prefix. */
struct lookup_kind {
	const char *name;   /* "party", "resource", "registration", "grant", "product" */
	const char *prefix; /* state key prefix: "party", "res", "reg", "grant", "prod" */
};
const struct lookup_kind *lookup_kind_find(const char *name);
extern const struct lookup_kind lookup_kinds[];

/* Finds the entries of kind/id: a JSON array of {seq, time_ms, time_cst,
 * type, actor, hash, outcome?} (a new reference in *out). *undecodable
 * counts entries skipped as unreadable, *withheld those pdld withheld. */
int lookup_entries(struct src *s, const struct lookup_kind *k, const char *id, json_t **out, uint64_t *withheld,
                   uint64_t *undecodable, struct pdl_status *st);

/* The entry row lookup_entries reports, for one entry. */
json_t *lookup_row(const struct lookup_entry *e);

/* 1 when the string at c equals s. */
int lookup_str_is(struct mp_cur c, const char *s);

#endif
