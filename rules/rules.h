/*
 * rules.h — the rules engine: the act catalogue as tables, and the one path
 * every act takes from decoded bytes to an appended entry.
 *
 * Each act family is one file (fam_<family>.c) with one table of
 * struct pdl_act_def rows: type → roles → body schema → validate → apply.
 * Adding an act is one row and two functions; adding a family is one file
 * and one line in rules.c's family list. `pdl acts` and spec/acts.md are
 * generated from / checked against the same tables.
 *
 * The path of an act (pdl_engine_submit), inside the writer's transaction:
 *   1. (actor, nonce) seen: same act hash → the original receipt; else PDL_ENONCE.
 *   2. genesis only at seq 0, and seq 0 only genesis (PDL_EGENESIS).
 *   3. actor registered (PDL_EACTOR), signature by its current key under
 *      this ledger's id (PDL_EBADSIG), not suspended (PDL_ESUSPENDED), role
 *      (PDL_EROLE).
 *      (A resubmission at step 1 must carry the recorded signature bytes.)
 *   4. def->validate: reads state, refuses with PDL_ERULE + rule id.
 *   5. def->apply: writes state and the outcome; fails only on storage errors.
 *   6. entry encoded and appended; nonce recorded.
 * Invariants:
 *  (1) validate never writes; an act refused at 1–4 leaves no trace
 *      (checked: the store's write count is the same after validate,
 *      PDL_INVARIANT).
 *  (2) apply is deterministic in (state, act, seq, time): `verify --replay`
 *      re-runs it and must get the same outcome bytes and the same state.
 *  (3) an act that fails once apply has begun (5–6) is never committed in
 *      part: the engine marks the transaction partial (store.h, invariant
 *      5), which pdl_store_commit refuses to commit, and pdl_engine_batch
 *      aborts it and runs the batch again without that act.
 * Why redo rather than a nested transaction per act: apply fails only on a
 * bug or a storage error, so the redo costs nothing in practice, while a
 * nested LMDB transaction around each act cost 40% of the engine's time
 * (party.register, 1,000 acts a transaction: 240k acts/s → 140k without
 * fsync, 20–33% with it; measured when this was chosen).
 */
#ifndef PDL_RULES_H
#define PDL_RULES_H

#include <msgpack.h>

#include "entry.h"
#include "store.h"
#include "util.h"

/* Who performs product.review (policy `product_reviewer`). */
enum pdl_reviewer {
	PDL_REVIEWER_OPERATOR = 0, /* the operator of the product's grant (Wuhan) */
	PDL_REVIEWER_AUTHORITY,    /* the data authority organizes the review (Ezhou, 002 §11) */
};

/* The genesis policy. The first five fields were there from the start;
 * the rest came with the national rules (ACTS.md, second round) and are
 * optional in a genesis: a ledger whose genesis lacks them gets the values
 * of PDL_POLICY_DEFAULTS, except grant_total_months_max, which is then
 * grant_months_max + trial_months_max (the bound those ledgers always had). */
struct pdl_policy {
	uint64_t accept_wd;
	uint64_t notice_wd;
	uint64_t grant_months_max;       /* the agreement term, after any trial */
	uint64_t trial_months_max;
	uint64_t blob_bytes_max;
	uint64_t grant_total_months_max; /* start through end, trial included */
	int registration_required;       /* grants take only resources with a live R code */
	int product_registration_before_release;
	int product_reviewer;            /* enum pdl_reviewer */
	int disclosure_due_month, disclosure_due_day; /* yearly disclosure of the previous year due by */
	uint64_t log_retention_months;   /* system logs kept after an exit */
};
#define PDL_POLICY_DEFAULTS {3, 10, 60, 6, 32768, 66, 0, 0, PDL_REVIEWER_OPERATOR, 3, 31, 12}

/* The jurisdiction presets of `pdl init --policy NAME` (ACTS.md): wuhan,
 * ezhou, national. PDL_OK and *p set, or PDL_ENOTFOUND for another name. */
int pdl_policy_preset(const char *name, struct pdl_policy *p);

/* What the genesis entry fixed for the life of the ledger. */
struct pdl_ledger_info {
	char origin[PDL_ORIGIN_LEN_MAX + 1];
	char jurisdiction[7];
	char authority_id[PDL_ID_LEN_MAX + 1];
	const struct pdl_suite *suite; /* the crypto suite the genesis names (suite.h) */
	struct pdl_pubkey ledger_pk;   /* the checkpoint key */
	struct pdl_policy policy;
	int test_clock; /* genesis allows a test clock (pdld --test-clock): its times are set by hand */
	/* The suite's hash of entry 0 (entry.h): every later act is signed
	 * under it. Set by pdl_engine_load and by the genesis append, not from
	 * the act. */
	uint8_t ledger_id[PDL_HASH_BYTES];
};

/* A party record, as the engine needs it. */
struct pdl_party {
	uint32_t roles;
	int suspended;
	struct pdl_pubkey pk; /* of the ledger's suite */
};

/* PDL_OUT_BYTES_MAX (pdl.h): the outcome map of one entry. */

struct pdl_ctx {
	struct pdl_store *s;
	MDB_txn *txn;
	const struct pdl_ledger_info *info;
	const struct pdl_act *act;
	uint64_t seq;
	uint64_t time_ms;
	struct pdl_status *st;
	/* outcome pairs, packed after the map header by the engine */
	msgpack_sbuffer *out;
	msgpack_packer outpk;
	uint32_t out_n;
};

/* Who may read an entry of an act type (spec/views.md, "Public and
 * private"). The disclosure view, pdld's network readers and `pdl acts` all
 * take it from the act's row, so every act type has exactly one rule and a
 * row without one (PDL_VIS_UNSET) fails a unit test. */
enum pdl_vis {
	PDL_VIS_UNSET = 0,
	PDL_VIS_PUBLIC,
	PDL_VIS_PRIVATE,
	PDL_VIS_PRIVATE_IF_BLOB,        /* evidence.deposit carrying the document itself */
	PDL_VIS_PRIVATE_UNTIL_RESOLVED, /* quality.report until its quality.resolve */
	/* public except one body field (developer.refuse's reason): the views
	 * publish the act without it, and since the signed entry bytes hold
	 * the field, the entry itself is served only as a private entry */
	PDL_VIS_PUBLIC_WITHOUT,
};
#define PDL_PUBLIC PDL_VIS_PUBLIC, NULL, NULL
#define PDL_PRIVATE(why) PDL_VIS_PRIVATE, why, NULL
#define PDL_PRIVATE_IF_BLOB(why) PDL_VIS_PRIVATE_IF_BLOB, why, NULL
#define PDL_PRIVATE_UNTIL_RESOLVED(why) PDL_VIS_PRIVATE_UNTIL_RESOLVED, why, NULL
#define PDL_PUBLIC_WITHOUT(field, why) PDL_VIS_PUBLIC_WITHOUT, why, field

struct pdl_act_def {
	const char *type;
	uint32_t roles; /* any of these; 0: validate decides who may act */
	const struct pdl_field *body;
	int (*validate)(struct pdl_ctx *c);
	int (*apply)(struct pdl_ctx *c);
	const char *summary;
	const char *who; /* who may submit, in words, for `pdl acts` */
	enum pdl_vis vis;
	const char *private_why; /* why the entry is private (NULL when public) */
	const char *withheld;    /* PDL_VIS_PUBLIC_WITHOUT: the body field the views drop */
};

struct pdl_family {
	const char *name;
	const struct pdl_act_def *acts;
	size_t n;
};

/* The family list; NULL-terminated. */
extern const struct pdl_family *const pdl_families[];

const struct pdl_act_def *pdl_rules_find(const char *type, size_t n);

/* Decodes an act and checks its shape: version, known type, actor id,
 * body fields against the type's schema (rules/act.c). Does not check the
 * signature. Errors: PDL_ETOOBIG, PDL_EDECODE, PDL_EFIELD, PDL_EVERSION,
 * PDL_ETYPE. */
int pdl_act_decode(const uint8_t *b, size_t len, const uint8_t *sig, struct pdl_act *a, struct pdl_status *st);

/* 1 when an entry of this act may be served to anyone without knowing the
 * ledger's later state: its type is public, or it is an evidence deposit
 * without a blob. Unknown types, PRIVATE_UNTIL_RESOLVED and PUBLIC_WITHOUT
 * (the signed bytes hold the withheld field) are not public here (fail
 * closed); the disclosure view, which follows the state, may
 * publish a resolved quality report. has_blob: the body carries "blob". */
int pdl_act_public(const char *type, size_t n, int has_blob);

/* 1 and *size when the entry's act refers to the ledger's checkpoint of
 * that size (a checkpoint.cosign): what a tile export publishes beside the
 * tiles so that a mirror can re-check the act (store/tiles.h). 0 for any
 * other entry, or one that does not decode. */
int pdl_entry_ckpt_ref(const uint8_t *entry, size_t n, uint64_t *size);

/* A rule refusal: sets the status (PDL_ERULE, rule id, message); returns PDL_ERULE. */
int pdl_rule_fail(struct pdl_ctx *c, const char *rule, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Outcome pairs. */
void pdl_out_uint(struct pdl_ctx *c, const char *key, uint64_t v);
void pdl_out_int(struct pdl_ctx *c, const char *key, int64_t v);
void pdl_out_bool(struct pdl_ctx *c, const char *key, int v);
void pdl_out_str(struct pdl_ctx *c, const char *key, const char *s, size_t n);
/* Starts a pair whose value the caller packs with c->outpk. */
void pdl_out_key(struct pdl_ctx *c, const char *key);

/* State record helpers: key is "<prefix>/<id>". */
size_t pdl_state_key(char *buf, size_t cap, const char *prefix, const char *id, size_t n);
int pdl_party_get(MDB_txn *t, const struct pdl_store *s, const char *id, size_t n, struct pdl_party *p);

/* The engine. */
struct pdl_engine {
	struct pdl_store *s;
	struct pdl_ledger_info info;
	int have_info;
	msgpack_sbuffer entry;
	msgpack_sbuffer out;
};

struct pdl_receipt {
	uint64_t seq;
	uint64_t time_ms;
	uint8_t hash[PDL_HASH_BYTES]; /* chain hash = the suite's hash of the entry bytes */
	int dup;             /* the act was already in the log */
	const uint8_t *outcome; /* msgpack map; valid until the next submit or the txn ends */
	size_t outcome_len;
};

void pdl_engine_init(struct pdl_engine *e, struct pdl_store *s);
void pdl_engine_fini(struct pdl_engine *e);
/* Loads the ledger info from the genesis entry, with its ledger id, after
 * naming the genesis's suite as this process's (suite.h: pdl_suite_use).
 * PDL_EGENESIS if none; PDL_ESTORE if it does not decode or names a suite
 * this pdl does not know. */
int pdl_engine_load(struct pdl_engine *e, MDB_txn *t);
/* The info a genesis act fixes. ledger_id is left zero: it is the hash of
 * the entry, which the act alone does not give. */
int pdl_ledger_info_from_genesis(const struct pdl_act *a, struct pdl_ledger_info *info);

/* Runs one decoded act through the rules and appends it. verified_pk is
 * the key a worker already checked the signature with (or NULL); when it
 * is not the actor's current key the signature is checked here.
 * On PDL_OK *r is the receipt. Otherwise st says why (the function clears
 * it first), and either nothing was written (a refusal at steps 1–4), or
 * the act failed after apply began (the store's txn_partial is set: abort the
 * transaction; invariant 3). A storage error (PDL_ESTORE, PDL_EMAPFULL)
 * leaves the transaction unusable: abort it. */
int pdl_engine_submit(struct pdl_engine *e, MDB_txn *t, struct pdl_head *h, uint64_t now_ms,
                      const struct pdl_act *a, const struct pdl_pubkey *verified_pk, struct pdl_receipt *r,
                      struct pdl_status *st);

/* One act of a batch. The caller sets act (NULL: refused before the rules,
 * with rc and st saying why) and verified_pk (as pdl_engine_submit's); the
 * batch sets rc and st, and sets act to NULL when the act failed after its
 * apply began (invariant 3), so that a later run refuses it at once. */
struct pdl_batch_item {
	const struct pdl_act *act;
	const struct pdl_pubkey *verified_pk;
	int rc;
	struct pdl_status st;
};

/* A group commit: n acts through the rules in one write transaction and
 * one commit (pdld's writer; DESIGN §2). */
struct pdl_batch {
	struct pdl_batch_item *const *items;
	size_t n;
	uint64_t now_ms; /* the ledger time of the batch */
	void *arg;
	/* The batch starts (again) from head h: forget results seen so far. */
	void (*restart)(void *arg, const struct pdl_head *h);
	/* Item i's result, in order: r its receipt (NULL when refused: see the
	 * item), entry the bytes appended (NULL for a refusal or a
	 * resubmission). Both are valid until the next act runs. */
	void (*result)(void *arg, size_t i, const struct pdl_receipt *r, const uint8_t *entry, size_t entry_n);
	/* Called last in the transaction with the new head (pdld signs its
	 * checkpoint there); NULL for none. An error aborts the batch. */
	int (*before_commit)(void *arg, MDB_txn *t, const struct pdl_head *h);
	int commit_rc;        /* set: mdb_txn_commit's code when the commit failed (pdl_store_commit) */
	struct pdl_head head; /* set on PDL_OK: the head after the commit */
};

/* Runs a batch until it commits: an act that fails after its apply began
 * is refused and the batch runs again without it (the callbacks see the
 * restart). PDL_OK: committed, each item's rc says how its act fared.
 * Else a storage error and nothing of the batch was kept (PDL_EMAPFULL:
 * grow the map and run it again; commit_rc names a failed commit's cause). */
int pdl_engine_batch(struct pdl_engine *e, struct pdl_batch *b);

/* Builds the receipt of an entry already in the log. */
int pdl_engine_receipt(MDB_txn *t, const struct pdl_store *s, uint64_t seq, struct pdl_receipt *r);

#endif
