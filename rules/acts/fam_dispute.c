/*
 * fam_dispute.c — disputes: a developer, operator or provider contests a
 * decision already in the log (an admission or removal, a call decision or
 * assessment, a product review), and the authority decides.
 *
 * State:
 *   disp/<dispute_id> → by, subject_seq, subject_type (the act type of the
 *       decision), reason, status, seq; once decided `decision_reason` and
 *       `decided_seq`.
 *
 * States of a dispute: open → upheld | dismissed (dispute.decide, authority).
 *
 * Invariants:
 *  (1) a dispute names an entry already in the log whose act is one of the
 *      decisions in decision_types[] (DESIGN §5: "a dispute names an
 *      existing decision");
 *  (2) subject_type is read from that entry, never from the filer, so the
 *      record says what was disputed even if the filer is wrong about it.
 */
#include <string.h>

#include "families.h"

/* "on an admission, call decision or product review" (DESIGN §5), and a
 * refused developer's application (issue 14, item 8) */
static const char *const decision_types[] = {
	"developer.admit", "developer.remove", "developer.refuse", "call.approve", "call.reject", "call.assess",
	"product.review", NULL,
};

static const char *const outcome_list[] = {"upheld", "dismissed", NULL};

static const struct pdl_field file_fields[] = {
	{"dispute_id", F_ID, 0, 0, NULL},
	{"subject_seq", F_UINT, 0, 0, NULL},
	{"reason", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { FL_ID, FL_SEQ, FL_REASON };

static const struct pdl_field decide_fields[] = {
	{"dispute_id", F_ID, 0, 0, NULL},
	{"outcome", F_ENUM, 0, 0, outcome_list},
	{"reason", F_STR, 0, 4096, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { D_DID, D_OUTCOME, D_REASON };

/* The act type of the entry at seq: *type points into the LMDB map, valid
 * until the transaction ends. PDL_ENOTFOUND when the log has no such entry;
 * PDL_ESTORE when the stored entry does not decode. */
static int
subject_type(struct pdl_ctx *c, uint64_t seq, struct pdl_str *type)
{
	const uint8_t *b;
	size_t n;
	struct pdl_entry e;
	struct pdl_act a;
	struct pdl_status st;
	int rc = pdl_store_entry(c->txn, c->s, seq, &b, &n);
	if (rc != PDL_OK)
		return rc;
	if (pdl_entry_decode(b, n, &e, &st) != PDL_OK || pdl_act_decode(e.act, e.act_len, e.sig, &a, &st) != PDL_OK)
		return PDL_ESTORE;
	type->p = a.type;
	type->n = a.type_len;
	return PDL_OK;
}

static int
is_decision(struct pdl_str type)
{
	for (const char *const *t = decision_types; *t != NULL; t++)
		if (mp_str_eq(type.p, type.n, *t))
			return 1;
	return 0;
}

/* ---- dispute.file ---- */

static int
file_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, FL_ID), type;
	uint64_t seq = pdl_body_uint(c, FL_SEQ);
	if (pdl_rec_exists(c, "disp", id))
		return pdl_rule_fail(c, "dispute.id_taken", "dispute id %.*s is already taken", (int)id.n, id.p);
	int rc = subject_type(c, seq, &type);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "dispute.unknown_subject", "the log has no entry %llu (its size is %llu)",
		                     (unsigned long long)seq, (unsigned long long)c->seq);
	if (rc != PDL_OK)
		return rc;
	if (!is_decision(type))
		return pdl_rule_fail(c, "dispute.not_a_decision",
		                     "entry %llu is a %.*s; a dispute names an admission, removal or refusal of a developer, a "
		                     "call decision or a product review",
		                     (unsigned long long)seq, (int)type.n, type.p);
	return PDL_OK;
}

static int
file_apply(struct pdl_ctx *c)
{
	struct pdl_str type;
	uint64_t seq = pdl_body_uint(c, FL_SEQ);
	if (subject_type(c, seq, &type) != PDL_OK)
		return PDL_ESTORE;
	/* type points into the log table, which pdl_rec_set does not write */
	const struct pdl_kv kv[] = {
		KV_S("by", pdl_actor(c)),
		KV_U("subject_seq", seq),
		KV_S("subject_type", type),
		KV_S("reason", pdl_body_str(c, FL_REASON)),
		KV_CS("status", "open"),
		KV_U("seq", c->seq),
	};
	return pdl_rec_set(c, "disp", pdl_body_str(c, FL_ID), kv, sizeof kv / sizeof kv[0]);
}

/* ---- dispute.decide ---- */

static int
decide_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, D_DID), st;
	struct mp_cur rec;
	int rc = pdl_rec_get(c, "disp", id, &rec);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "dispute.unknown", "no dispute %.*s", (int)id.n, id.p);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_str(rec, "status", &st) != PDL_OK)
		return PDL_ESTORE;
	if (!mp_str_eq(st.p, st.n, "open"))
		return pdl_rule_fail(c, "dispute.not_open", "dispute %.*s is already %.*s", (int)id.n, id.p, (int)st.n,
		                     st.p);
	return PDL_OK;
}

static int
decide_apply(struct pdl_ctx *c)
{
	const struct pdl_kv kv[] = {
		KV_S("status", pdl_body_str(c, D_OUTCOME)),
		KV_S("decision_reason", pdl_body_str(c, D_REASON)),
		KV_U("decided_seq", c->seq),
	};
	return pdl_rec_set(c, "disp", pdl_body_str(c, D_DID), kv, sizeof kv / sizeof kv[0]);
}

static const struct pdl_act_def acts[] = {
	{"dispute.file", PDL_ROLE_DEVELOPER | PDL_ROLE_OPERATOR | PDL_ROLE_PROVIDER, file_fields, file_validate,
	 file_apply, "dispute a decision in the log: an admission, removal or refusal, a call decision or a product review",
	 "developer, operator or provider", PDL_PRIVATE("the details of a dispute (its outcome is public)")},
	{"dispute.decide", PDL_ROLE_AUTHORITY, decide_fields, decide_validate, decide_apply,
	 "decide an open dispute: upheld or dismissed, with a reason", "authority", PDL_PUBLIC},
};

const struct pdl_family pdl_family_dispute = {"dispute", acts, sizeof acts / sizeof acts[0]};
