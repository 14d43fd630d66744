/*
 * fam_developer.c — admissions: which developers an operator lets work
 * under its grant (DESIGN §5, "developers" row), and the check every call
 * and product asks (pdl_developer_check).
 *
 * State (spec/state.md):
 *   dev/<grant_id>/<developer>  controlled bool, status, reason? (removal),
 *                               seq (the admission's entry)
 *   devapp/<grant_id>/<developer>  the developer's application: qualification
 *                               (evidence id), status applied|admitted|refused,
 *                               reason? (refusal), time_ms, seq, decided_seq?
 * States of an admission: admitted → removed; a removed developer may be
 * admitted again, which rewrites the record as a new admission.
 * States of an application: applied → admitted (developer.admit) | refused
 * (developer.refuse, a decision dispute.file may name); a developer whose
 * application was decided may apply again, which starts a new one.
 *
 * Invariants:
 *  (1) only the grant's own operator admits or removes, and admits only
 *      while pdl_grant_check passes; removal needs no permission, so it is
 *      allowed on a suspended, expired or terminated grant;
 *  (2) an admission permits nothing by itself: every act relying on it
 *      also asks pdl_grant_check, so a terminated grant closes all its
 *      admissions without rewriting them;
 *  (3) an operator refuses only a pending application, always with a
 *      reason; an admission needs no application (operators also admit
 *      developers they sought out), but decides a pending one.
 */
#include <stdio.h>
#include <string.h>

#include "families.h"

static struct pdl_str
dev_id(char *buf, size_t cap, struct pdl_str grant_id, struct pdl_str developer)
{
	int n = snprintf(buf, cap, "%.*s/%.*s", (int)grant_id.n, grant_id.p, (int)developer.n, developer.p);
	struct pdl_str r = {buf, n > 0 && (size_t)n < cap ? (size_t)n : 0};
	return r;
}

int
pdl_developer_check(struct pdl_ctx *c, struct pdl_str grant_id, struct pdl_str developer, int *controlled)
{
	char buf[2 * PDL_ID_LEN_MAX + 2];
	struct mp_cur rec;
	int rc = pdl_rec_get(c, "dev", dev_id(buf, sizeof buf, grant_id, developer), &rec);
	if (rc != PDL_OK && rc != PDL_ENOTFOUND)
		return rc;
	if (rc == PDL_ENOTFOUND || !pdl_rec_is(rec, "status", "admitted"))
		return pdl_rule_fail(c, "developer.not_admitted", "%.*s is not an admitted developer under grant %.*s",
		                     (int)developer.n, developer.p, (int)grant_id.n, grant_id.p);
	if (controlled != NULL && pdl_rec_bool(rec, "controlled", controlled) != PDL_OK)
		*controlled = 0;
	return PDL_OK;
}

/* The grant record, refusing with grant.unknown when there is none (the
 * same rule pdl_grant_check gives), and the actor must be its operator. */
static int
grant_of_operator(struct pdl_ctx *c, struct pdl_str grant_id)
{
	struct mp_cur rec;
	struct pdl_str op = {"", 0};
	int rc = pdl_rec_get(c, "grant", grant_id, &rec);
	if (rc == PDL_ENOTFOUND)
		return pdl_grant_check(c, grant_id, NULL);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_str(rec, "operator", &op) != PDL_OK || !pdl_str_eq(op, pdl_actor(c)))
		return pdl_rule_fail(c, "developer.not_grant_operator", "grant %.*s is operated by %.*s, not %.*s",
		                     (int)grant_id.n, grant_id.p, (int)op.n, op.p, (int)c->act->actor_len, c->act->actor);
	return PDL_OK;
}

/* ---- developer.admit ---- */

static const struct pdl_field admit_fields[] = {
	{"grant_id", F_ID, 0, 0, NULL},
	{"developer", F_ID, 0, 0, NULL},
	{"controlled", F_BOOL, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { A_GRANT, A_DEV, A_CONTROLLED };

static int
admit_validate(struct pdl_ctx *c)
{
	struct pdl_str gid = pdl_body_str(c, A_GRANT), dev = pdl_body_str(c, A_DEV);
	char buf[2 * PDL_ID_LEN_MAX + 2];
	struct mp_cur rec;
	int rc = grant_of_operator(c, gid);
	if (rc != PDL_OK)
		return rc;
	rc = pdl_grant_check(c, gid, NULL);
	if (rc != PDL_OK)
		return rc;
	if (!pdl_party_has_role(c, dev, PDL_ROLE_DEVELOPER))
		return pdl_rule_fail(c, "developer.not_a_developer",
		                     "%.*s is not a registered party with the developer role", (int)dev.n, dev.p);
	rc = pdl_rec_get(c, "dev", dev_id(buf, sizeof buf, gid, dev), &rec);
	if (rc == PDL_OK && pdl_rec_is(rec, "status", "admitted"))
		return pdl_rule_fail(c, "developer.already_admitted", "%.*s is already admitted under grant %.*s",
		                     (int)dev.n, dev.p, (int)gid.n, gid.p);
	if (rc != PDL_OK && rc != PDL_ENOTFOUND)
		return rc;
	return PDL_OK;
}

static int
admit_apply(struct pdl_ctx *c)
{
	char buf[2 * PDL_ID_LEN_MAX + 2];
	struct pdl_str id = dev_id(buf, sizeof buf, pdl_body_str(c, A_GRANT), pdl_body_str(c, A_DEV));
	msgpack_sbuffer sb;
	msgpack_packer pk;
	/* a re-admission is a new admission: the whole record is rewritten */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_pack_cstr(&pk, "controlled");
	if (pdl_fields_bool(&c->act->body, A_CONTROLLED))
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
	mp_pack_cstr(&pk, "status");
	mp_pack_cstr(&pk, "admitted");
	mp_pack_cstr(&pk, "seq");
	msgpack_pack_uint64(&pk, c->seq);
	int rc = pdl_rec_put_raw(c, "dev", id, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return rc;
	/* invariant (3): an admission decides a pending application */
	struct mp_cur app;
	if (pdl_rec_get(c, "devapp", id, &app) == PDL_OK && pdl_rec_is(app, "status", "applied")) {
		struct pdl_kv kv[] = {KV_CS("status", "admitted"), KV_U("decided_seq", c->seq)};
		rc = pdl_rec_set(c, "devapp", id, kv, 2);
	}
	return rc;
}

/* ---- developer.remove ---- */

static const struct pdl_field remove_fields[] = {
	{"grant_id", F_ID, 0, 0, NULL},
	{"developer", F_ID, 0, 0, NULL},
	{"reason", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { R_GRANT, R_DEV, R_REASON };

static int
remove_validate(struct pdl_ctx *c)
{
	struct pdl_str gid = pdl_body_str(c, R_GRANT), dev = pdl_body_str(c, R_DEV);
	int rc = grant_of_operator(c, gid);
	if (rc != PDL_OK)
		return rc;
	return pdl_developer_check(c, gid, dev, NULL);
}

static int
remove_apply(struct pdl_ctx *c)
{
	char buf[2 * PDL_ID_LEN_MAX + 2];
	struct pdl_str id = dev_id(buf, sizeof buf, pdl_body_str(c, R_GRANT), pdl_body_str(c, R_DEV));
	struct pdl_kv kv[] = {KV_CS("status", "removed"), KV_S("reason", pdl_body_str(c, R_REASON))};
	return pdl_rec_set(c, "dev", id, kv, 2);
}

/* ---- developer.apply ---- */

static const struct pdl_field apply_fields[] = {
	{"grant_id", F_ID, 0, 0, NULL},
	{"qualification", F_ID, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { AP_GRANT, AP_QUAL };

static int
apply_validate(struct pdl_ctx *c)
{
	struct pdl_str gid = pdl_body_str(c, AP_GRANT), me = pdl_actor(c), q = pdl_body_str(c, AP_QUAL);
	struct pdl_str none = {NULL, 0};
	char buf[2 * PDL_ID_LEN_MAX + 2];
	struct mp_cur rec;
	struct pdl_str id = dev_id(buf, sizeof buf, gid, me);
	int rc = pdl_grant_check(c, gid, NULL);
	if (rc != PDL_OK)
		return rc;
	rc = pdl_rec_get(c, "dev", id, &rec);
	if (rc == PDL_OK && pdl_rec_is(rec, "status", "admitted"))
		return pdl_rule_fail(c, "developer.already_admitted", "%.*s is already admitted under grant %.*s",
		                     (int)me.n, me.p, (int)gid.n, gid.p);
	if (rc != PDL_OK && rc != PDL_ENOTFOUND)
		return rc;
	rc = pdl_rec_get(c, "devapp", id, &rec);
	if (rc == PDL_OK && pdl_rec_is(rec, "status", "applied"))
		return pdl_rule_fail(c, "developer.application_pending",
		                     "%.*s already has an application under grant %.*s awaiting the operator's decision",
		                     (int)me.n, me.p, (int)gid.n, gid.p);
	if (rc != PDL_OK && rc != PDL_ENOTFOUND)
		return rc;
	rc = pdl_evidence_of(c, q, me, none);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "developer.qualification_not_deposited",
		                     "qualification %.*s is not an evidence deposit of %.*s", (int)q.n, q.p, (int)me.n,
		                     me.p);
	return rc;
}

static int
apply_apply(struct pdl_ctx *c)
{
	char buf[2 * PDL_ID_LEN_MAX + 2];
	struct pdl_str id = dev_id(buf, sizeof buf, pdl_body_str(c, AP_GRANT), pdl_actor(c));
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct pdl_str q = pdl_body_str(c, AP_QUAL);
	/* a new application replaces a decided one whole */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 4);
	mp_pack_cstr(&pk, "qualification");
	mp_pack_str(&pk, q.p, q.n);
	mp_pack_cstr(&pk, "status");
	mp_pack_cstr(&pk, "applied");
	mp_pack_cstr(&pk, "time_ms");
	msgpack_pack_uint64(&pk, c->time_ms);
	mp_pack_cstr(&pk, "seq");
	msgpack_pack_uint64(&pk, c->seq);
	int rc = pdl_rec_put_raw(c, "devapp", id, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/* ---- developer.refuse ---- */

static const struct pdl_field refuse_fields[] = {
	{"grant_id", F_ID, 0, 0, NULL},
	{"developer", F_ID, 0, 0, NULL},
	{"reason", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { RF_GRANT, RF_DEV, RF_REASON };

static int
refuse_validate(struct pdl_ctx *c)
{
	struct pdl_str gid = pdl_body_str(c, RF_GRANT), dev = pdl_body_str(c, RF_DEV);
	char buf[2 * PDL_ID_LEN_MAX + 2];
	struct mp_cur rec;
	int rc = grant_of_operator(c, gid);
	if (rc != PDL_OK)
		return rc;
	rc = pdl_rec_get(c, "devapp", dev_id(buf, sizeof buf, gid, dev), &rec);
	if (rc != PDL_OK && rc != PDL_ENOTFOUND)
		return rc;
	if (rc == PDL_ENOTFOUND || !pdl_rec_is(rec, "status", "applied"))
		return pdl_rule_fail(c, "developer.no_application",
		                     "%.*s has no pending application under grant %.*s to refuse", (int)dev.n, dev.p,
		                     (int)gid.n, gid.p);
	return PDL_OK;
}

static int
refuse_apply(struct pdl_ctx *c)
{
	char buf[2 * PDL_ID_LEN_MAX + 2];
	struct pdl_str id = dev_id(buf, sizeof buf, pdl_body_str(c, RF_GRANT), pdl_body_str(c, RF_DEV));
	struct pdl_kv kv[] = {KV_CS("status", "refused"), KV_S("reason", pdl_body_str(c, RF_REASON)),
	                      KV_U("decided_seq", c->seq)};
	return pdl_rec_set(c, "devapp", id, kv, 3);
}

static const struct pdl_act_def acts[] = {
	{"developer.admit", PDL_ROLE_OPERATOR, admit_fields, admit_validate, admit_apply,
	 "admit a developer to work under the operator's active grant", "the grant's operator", PDL_PUBLIC},
	{"developer.remove", PDL_ROLE_OPERATOR, remove_fields, remove_validate, remove_apply,
	 "remove an admitted developer from a grant", "the grant's operator", PDL_PUBLIC},
	{"developer.apply", PDL_ROLE_DEVELOPER, apply_fields, apply_validate, apply_apply,
	 "apply to work under an active grant, citing a deposited qualification", "developer",
	 PDL_PRIVATE("a developer's application and qualifications (the decision on it is public)")},
	{"developer.refuse", PDL_ROLE_OPERATOR, refuse_fields, refuse_validate, refuse_apply,
	 "refuse a pending application, with a reason (a decision the developer may dispute)", "the grant's operator",
	 PDL_PUBLIC_WITHOUT("reason", "the reason for refusing a developer (the refusal itself is public)")},
};

const struct pdl_family pdl_family_developer = {"developer", acts, sizeof acts / sizeof acts[0]};
