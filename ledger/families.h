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

#endif
