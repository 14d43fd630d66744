/*
 * families.h — the few checks one act family makes on another's records.
 * Each is defined in the family that owns the record (see spec/state.md)
 * and is the only place that decides the question it answers.
 */
#ifndef PDL_FAMILIES_H
#define PDL_FAMILIES_H

#include "state.h"

/* fam_grant.c: refuses (PDL_ERULE via pdl_rule_fail, rule ids
 * grant.unknown, grant.suspended, grant.terminated, grant.expired,
 * grant.not_started) unless grant_id is active at c->time_ms. On PDL_OK
 * *rec (may be NULL) is the grant record. */
int pdl_grant_check(struct pdl_ctx *c, struct pdl_str grant_id, struct mp_cur *rec);

/* fam_developer.c: PDL_OK when developer is admitted under grant_id;
 * *controlled (may be NULL) receives the admission's controlled flag.
 * Refuses with rule developer.not_admitted otherwise. */
int pdl_developer_check(struct pdl_ctx *c, struct pdl_str grant_id, struct pdl_str developer, int *controlled);

/* fam_catalog.c: PDL_OK when resource_id is listed; *rec (may be NULL) is
 * the record. Refuses with rule catalog.unknown_resource / catalog.withdrawn. */
int pdl_resource_check(struct pdl_ctx *c, struct pdl_str resource_id, struct mp_cur *rec);

/* fam_registration.c: PDL_OK when the registration of kind ('R', 'P', 'S')
 * and subject is coded and not cancelled (the one live registration a
 * subject may have); *holder (may be NULL) is its holder, pointing into
 * the map (valid until the next write). PDL_ENOTFOUND when there is none.
 * Decides nothing else: callers name their own rule. */
int pdl_registration_live(struct pdl_ctx *c, char kind, struct pdl_str subject, struct pdl_str *holder);

/* fam_evidence.c: PDL_OK when evidence_id was deposited by one of the two
 * parties (by2 may be {NULL, 0}); PDL_ENOTFOUND when there is no such
 * deposit or another party made it. No rule: callers name their own. */
int pdl_evidence_of(struct pdl_ctx *c, struct pdl_str evidence_id, struct pdl_str by1, struct pdl_str by2);

/* fam_party.c: writes the party record (genesis writes the authority's).
 * pk is of the ledger's suite. Errors: storage errors. */
int pdl_party_put(struct pdl_ctx *c, const char *id, size_t idn, uint32_t roles, int suspended,
                  const struct pdl_pubkey *pk, struct pdl_str uscc, struct pdl_str name, uint64_t seq);
/* fam_party.c: the public key of body field i, an F_KEY the schema has
 * checked (a key of the ledger's suite). Errors: PDL_EINVAL. */
int pdl_party_key(const struct pdl_fields *b, unsigned i, struct pdl_pubkey *pk);

/* fam_grant.c: 1 when party is the operator of some grant, ever issued. */
int pdl_grant_is_operator(struct pdl_ctx *c, struct pdl_str party);

/* fam_pricing.c: the highest price an industry product of the grant may
 * charge per unit at c->time_ms: the cap for the unit that
 * pricing.set_caps set for the current year, or, when that year has no
 * caps or none for this unit, the grant's fee_cap_fen. grant is the grant
 * record. *from_caps (may be NULL) says which applied. */
int pdl_price_cap(struct pdl_ctx *c, struct pdl_str grant_id, struct mp_cur grant, struct pdl_str unit,
                  uint64_t *cap_fen, int *from_caps);

/* fam_revenue.c: the sum of the gross_fen of grant_id's settlements of
 * periods in year (refunds included, so it may be negative). */
int pdl_settled_gross(struct pdl_ctx *c, struct pdl_str grant_id, uint64_t year, int64_t *gross_fen);

#endif
