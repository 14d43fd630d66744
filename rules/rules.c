/* rules.c — the engine of rules.h: act lookup, the common checks every act
 * gets, outcome building, and append. Family rules live in fam_*.c. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "rules.h"

extern const struct pdl_family pdl_family_ledger;
extern const struct pdl_family pdl_family_party;
extern const struct pdl_family pdl_family_calendar;
extern const struct pdl_family pdl_family_catalog;
extern const struct pdl_family pdl_family_evidence;
extern const struct pdl_family pdl_family_registration;
extern const struct pdl_family pdl_family_grant;
extern const struct pdl_family pdl_family_developer;
extern const struct pdl_family pdl_family_call;
extern const struct pdl_family pdl_family_product;
extern const struct pdl_family pdl_family_dispute;
extern const struct pdl_family pdl_family_quality;
extern const struct pdl_family pdl_family_witness;
extern const struct pdl_family pdl_family_revenue;
extern const struct pdl_family pdl_family_pricing;
extern const struct pdl_family pdl_family_disclosure;
extern const struct pdl_family pdl_family_incident;

const struct pdl_family *const pdl_families[] = {
	&pdl_family_ledger,
	&pdl_family_party,
	&pdl_family_calendar,
	&pdl_family_catalog,
	&pdl_family_evidence,
	&pdl_family_registration,
	&pdl_family_grant,
	&pdl_family_developer,
	&pdl_family_call,
	&pdl_family_product,
	&pdl_family_dispute,
	&pdl_family_quality,
	&pdl_family_witness,
	&pdl_family_revenue,
	&pdl_family_pricing,
	&pdl_family_disclosure,
	&pdl_family_incident,
	NULL,
};

const struct pdl_act_def *
pdl_rules_find(const char *type, size_t n)
{
	for (const struct pdl_family *const *f = pdl_families; *f != NULL; f++)
		for (size_t i = 0; i < (*f)->n; i++)
			if (mp_str_eq(type, n, (*f)->acts[i].type))
				return &(*f)->acts[i];
	return NULL;
}

int
pdl_act_public(const char *type, size_t n, int has_blob)
{
	const struct pdl_act_def *d = pdl_rules_find(type, n);
	if (d == NULL)
		return 0;
	if (d->vis == PDL_VIS_PUBLIC)
		return 1;
	return d->vis == PDL_VIS_PRIVATE_IF_BLOB && !has_blob;
}

#define COSIGN_TYPE "checkpoint.cosign"

int
pdl_entry_ckpt_ref(const uint8_t *entry, size_t n, uint64_t *size)
{
	struct pdl_entry e;
	struct pdl_status st;
	struct mp_cur v, body;
	const char *type;
	size_t tn;
	/* most entries are something else: a byte search first */
	if (memmem(entry, n, COSIGN_TYPE, sizeof COSIGN_TYPE - 1) == NULL)
		return 0;
	if (pdl_entry_decode(entry, n, &e, &st) != PDL_OK)
		return 0;
	struct mp_cur act = mp_cur_make(e.act, e.act_len);
	if (mp_map_find(act, "type", &v) != PDL_OK || mp_read_str(&v, &type, &tn) != PDL_OK ||
	    !mp_str_eq(type, tn, COSIGN_TYPE) || mp_map_find(act, "body", &body) != PDL_OK ||
	    mp_map_find(body, "size", &v) != PDL_OK || mp_read_uint(&v, size) != PDL_OK)
		return 0;
	return 1;
}

int
pdl_rule_fail(struct pdl_ctx *c, const char *rule, const char *fmt, ...)
{
	struct pdl_status *st = c->st;
	st->err = PDL_ERULE;
	snprintf(st->rule, sizeof st->rule, "%s", rule);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof st->msg, fmt, ap);
	va_end(ap);
	return PDL_ERULE;
}

void
pdl_out_key(struct pdl_ctx *c, const char *key)
{
	mp_pack_cstr(&c->outpk, key);
	c->out_n++;
}

void
pdl_out_uint(struct pdl_ctx *c, const char *key, uint64_t v)
{
	pdl_out_key(c, key);
	msgpack_pack_uint64(&c->outpk, v);
}

void
pdl_out_int(struct pdl_ctx *c, const char *key, int64_t v)
{
	pdl_out_key(c, key);
	msgpack_pack_int64(&c->outpk, v);
}

void
pdl_out_bool(struct pdl_ctx *c, const char *key, int v)
{
	pdl_out_key(c, key);
	if (v)
		msgpack_pack_true(&c->outpk);
	else
		msgpack_pack_false(&c->outpk);
}

void
pdl_out_str(struct pdl_ctx *c, const char *key, const char *s, size_t n)
{
	pdl_out_key(c, key);
	mp_pack_str(&c->outpk, s, n);
}

size_t
pdl_state_key(char *buf, size_t cap, const char *prefix, const char *id, size_t n)
{
	size_t pl = strlen(prefix);
	if (pl + 1 + n > cap)
		return 0;
	memcpy(buf, prefix, pl);
	buf[pl] = '/';
	memcpy(buf + pl + 1, id, n);
	return pl + 1 + n;
}

/* Party record: msgpack array [roles, suspended, pk(bin, the suite's
 * encoding), uscc, name, seq]. */
int
pdl_party_get(MDB_txn *t, const struct pdl_store *s, const char *id, size_t n, struct pdl_party *p)
{
	char k[PDL_ID_LEN_MAX + 8];
	const uint8_t *v, *pk;
	size_t vn, pkn;
	size_t kn = pdl_state_key(k, sizeof k, "party", id, n);
	if (kn == 0)
		return PDL_ENOTFOUND;
	int rc = pdl_store_state_get(t, s, k, kn, &v, &vn);
	if (rc != PDL_OK)
		return rc;
	struct mp_cur c = mp_cur_make(v, vn);
	uint32_t an;
	uint64_t roles;
	if (mp_read_array(&c, &an) != PDL_OK || an < 3 || mp_read_uint(&c, &roles) != PDL_OK ||
	    mp_read_bool(&c, &p->suspended) != PDL_OK || mp_read_bin(&c, &pk, &pkn) != PDL_OK ||
	    pdl_pubkey_set(&p->pk, pdl_suite(), pk, pkn) != PDL_OK)
		return PDL_ESTORE;
	p->roles = (uint32_t)roles;
	return PDL_OK;
}

void
pdl_engine_init(struct pdl_engine *e, struct pdl_store *s)
{
	memset(e, 0, sizeof *e);
	e->s = s;
	msgpack_sbuffer_init(&e->entry);
	msgpack_sbuffer_init(&e->out);
}

void
pdl_engine_fini(struct pdl_engine *e)
{
	msgpack_sbuffer_destroy(&e->entry);
	msgpack_sbuffer_destroy(&e->out);
}

int
pdl_engine_load(struct pdl_engine *e, MDB_txn *t)
{
	const uint8_t *b;
	size_t n;
	struct pdl_entry en;
	struct pdl_act a;
	struct pdl_status st;
	const struct pdl_suite *suite;
	int rc = pdl_store_entry(t, e->s, 0, &b, &n);
	if (rc == PDL_ENOTFOUND)
		return PDL_EGENESIS;
	if (rc != PDL_OK)
		return rc;
	/* the suite first: decoding checks keys, and the id is its hash */
	if (pdl_genesis_suite(b, n, &suite, &st) != PDL_OK)
		return PDL_ESTORE;
	pdl_suite_use(suite);
	if (pdl_entry_decode(b, n, &en, &st) != PDL_OK ||
	    pdl_act_decode(en.act, en.act_len, en.sig, &a, &st) != PDL_OK)
		return PDL_ESTORE;
	rc = pdl_ledger_info_from_genesis(&a, &e->info);
	if (rc == PDL_OK) {
		assert(e->info.suite == suite);
		pdl_digest(e->info.ledger_id, b, n); /* the ledger id: entry.h */
		e->have_info = 1;
	}
	return rc;
}

int
pdl_engine_receipt(MDB_txn *t, const struct pdl_store *s, uint64_t seq, struct pdl_receipt *r)
{
	const uint8_t *b;
	size_t n;
	struct pdl_entry en;
	struct pdl_status st;
	int rc = pdl_store_entry(t, s, seq, &b, &n);
	if (rc != PDL_OK)
		return rc;
	if (pdl_entry_decode(b, n, &en, &st) != PDL_OK)
		return PDL_ESTORE;
	memset(r, 0, sizeof *r);
	r->seq = seq;
	r->time_ms = en.time_ms;
	pdl_digest(r->hash, b, n);
	r->outcome = en.outcome;
	r->outcome_len = en.outcome_len;
	return PDL_OK;
}

static int
is_genesis(const struct pdl_act *a)
{
	return mp_str_eq(a->type, a->type_len, "ledger.genesis");
}

/* Step 1. The act's (actor, nonce) in the log already: its original
 * receipt (r->dup) if it is the same signed act, else a refusal.
 * PDL_ENOTFOUND: a new act. */
static int
check_nonce(struct pdl_engine *e, MDB_txn *t, const struct pdl_act *a, struct pdl_receipt *r, struct pdl_status *st)
{
	uint8_t hash[PDL_HASH_BYTES];
	uint64_t seq_old;
	const uint8_t *eb;
	size_t en;
	struct pdl_entry old;
	int rc = pdl_store_nonce_get(t, e->s, a->actor, a->actor_len, a->nonce, hash, &seq_old);
	if (rc == PDL_ENOTFOUND)
		return rc;
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "storage error reading nonces");
	if (pdl_memcmp_ct(hash, a->hash, PDL_HASH_BYTES) != 0)
		return pdl_status_set(st, PDL_ENONCE, NULL, "nonce %llu of %.*s was used by another act (seq %llu)",
		                      (unsigned long long)a->nonce, (int)a->actor_len, a->actor, (unsigned long long)seq_old);
	if (pdl_engine_receipt(t, e->s, seq_old, r) != PDL_OK || pdl_store_entry(t, e->s, seq_old, &eb, &en) != PDL_OK ||
	    pdl_entry_decode(eb, en, &old, st) != PDL_OK)
		return pdl_status_set(st, PDL_ESTORE, NULL, "stored entry unreadable");
	/* A resubmission carries the same signature bytes (pdl's signing
	 * is deterministic in both suites: Ed25519, and SM2 with nonces
	 * derived from the key and the message). Another signature on
	 * these bytes is no resubmission. */
	if (pdl_memcmp_ct(old.sig, a->sig, PDL_SIG_BYTES) != 0)
		return pdl_status_set(st, PDL_EBADSIG, NULL, "this act is already in the log (seq %llu) with another signature",
		                      (unsigned long long)seq_old);
	r->dup = 1;
	return PDL_OK;
}

/* Steps 2 and 3: genesis exactly at seq 0; the actor registered, its
 * signature, not suspended, its role (a genesis: checked by its validate). */
static int
check_actor(struct pdl_engine *e, MDB_txn *t, const struct pdl_head *h, const struct pdl_act *a,
            const struct pdl_pubkey *verified_pk, struct pdl_status *st)
{
	struct pdl_party actor;
	if (is_genesis(a) != (h->size == 0))
		return pdl_status_set(st, PDL_EGENESIS, NULL,
		                      h->size == 0 ? "the first act must be ledger.genesis" : "the ledger already has its genesis");
	if (is_genesis(a))
		return PDL_OK;
	int rc = e->have_info ? PDL_OK : pdl_engine_load(e, t);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot read the genesis entry");
	rc = pdl_party_get(t, e->s, a->actor, a->actor_len, &actor);
	if (rc == PDL_ENOTFOUND)
		return pdl_status_set(st, PDL_EACTOR, NULL, "actor \"%.*s\" is not a registered party", (int)a->actor_len,
		                      a->actor);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "storage error reading the actor");
	if (verified_pk == NULL || !pdl_pubkey_eq(verified_pk, &actor.pk))
		if (pdl_act_verify(e->info.ledger_id, a->bytes, a->len, a->sig, &actor.pk) != PDL_OK)
			return pdl_status_set(st, PDL_EBADSIG, NULL, "signature does not verify with the current key of %.*s",
			                      (int)a->actor_len, a->actor);
	if (actor.suspended)
		return pdl_status_set(st, PDL_ESUSPENDED, NULL, "actor %.*s is suspended", (int)a->actor_len, a->actor);
	if (a->def->roles != 0 && (actor.roles & a->def->roles) == 0)
		return pdl_status_set(st, PDL_EROLE, NULL, "%s may be submitted by %s; %.*s lacks that role", a->def->type,
		                      a->def->who, (int)a->actor_len, a->actor);
	return PDL_OK;
}

static void
ctx_init(struct pdl_ctx *c, struct pdl_engine *e, MDB_txn *t, const struct pdl_head *h, uint64_t now_ms,
         const struct pdl_act *a, struct pdl_status *st)
{
	memset(c, 0, sizeof *c);
	c->s = e->s;
	c->txn = t;
	c->info = &e->info;
	c->act = a;
	c->seq = h->size;
	c->time_ms = now_ms > h->time_ms ? now_ms : h->time_ms; /* ledger time never goes back */
	c->st = st;
	msgpack_sbuffer_clear(&e->out);
	c->out = &e->out;
	msgpack_packer_init(&c->outpk, &e->out, msgpack_sbuffer_write);
}

/* Puts the outcome map's header in front of the pairs apply packed.
 * Families bound their outcomes (see PDL_SPLIT_PROVIDERS_MAX), so the
 * limit is a failure of the act, found after apply wrote. */
static int
outcome_close(struct pdl_engine *e, const struct pdl_ctx *c, struct pdl_status *st)
{
	uint8_t hdr[3];
	size_t hn;
	assert(c->out_n <= 0xffffu);
	if (c->out_n < 16) {
		hdr[0] = (uint8_t)(0x80 | c->out_n);
		hn = 1;
	} else {
		hdr[0] = 0xde;
		hdr[1] = (uint8_t)(c->out_n >> 8);
		hdr[2] = (uint8_t)c->out_n;
		hn = 3;
	}
	if (e->out.size + hn > PDL_OUT_BYTES_MAX)
		return pdl_status_set(st, PDL_ETOOBIG, NULL, "outcome of %zu bytes over the limit of %u", e->out.size + hn,
		                      PDL_OUT_BYTES_MAX);
	msgpack_sbuffer_write(&e->out, (const char *)hdr, hn);
	memmove(e->out.data + hn, e->out.data, e->out.size - hn);
	memcpy(e->out.data, hdr, hn);
	return PDL_OK;
}

/* Step 6: the entry encoded and appended, the nonce recorded, *r set. */
static int
append_entry(struct pdl_engine *e, MDB_txn *t, struct pdl_head *h, const struct pdl_act *a, uint64_t time_ms,
             struct pdl_receipt *r, struct pdl_status *st)
{
	struct pdl_entry en = {
		.seq = h->size,
		.time_ms = time_ms,
		.act = a->bytes,
		.act_len = a->len,
		.sig = a->sig,
		.outcome = (const uint8_t *)e->out.data,
		.outcome_len = e->out.size,
	};
	memcpy(en.prev, h->chain, PDL_HASH_BYTES);
	msgpack_sbuffer_clear(&e->entry);
	pdl_entry_encode(&en, &e->entry);
	h->time_ms = time_ms;
	int rc = pdl_store_append(t, e->s, h, (const uint8_t *)e->entry.data, e->entry.size);
	if (rc == PDL_OK)
		rc = pdl_store_nonce_put(t, e->s, a->actor, a->actor_len, a->nonce, a->hash, en.seq);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "storage error appending");
	if (is_genesis(a)) {
		rc = pdl_ledger_info_from_genesis(a, &e->info);
		if (rc != PDL_OK)
			return pdl_status_set(st, rc, NULL, "genesis unreadable after apply");
		memcpy(e->info.ledger_id, h->chain, PDL_HASH_BYTES); /* the genesis entry's hash */
		e->have_info = 1;
	}
	assert(h->size == en.seq + 1);
	memset(r, 0, sizeof *r);
	r->seq = en.seq;
	r->time_ms = en.time_ms;
	memcpy(r->hash, h->chain, PDL_HASH_BYTES);
	r->outcome = (const uint8_t *)e->out.data;
	r->outcome_len = e->out.size;
	return PDL_OK;
}

/* An act failed once its apply had begun writing: the transaction holds
 * part of it, so it is marked never to be committed (store.h, invariant 5). */
static int
act_failed(struct pdl_engine *e, int rc, struct pdl_status *st)
{
	assert(rc != PDL_OK);
	pdl_store_mark_partial(e->s);
	if (st->err == PDL_OK)
		pdl_status_set(st, rc, NULL, "applying the act failed: %s", pdl_errmsg(rc));
	return rc;
}

int
pdl_engine_submit(struct pdl_engine *e, MDB_txn *t, struct pdl_head *h, uint64_t now_ms, const struct pdl_act *a,
                  const struct pdl_pubkey *verified_pk, struct pdl_receipt *r, struct pdl_status *st)
{
	struct pdl_ctx c;
	assert(e != NULL && t != NULL && h != NULL && a != NULL && a->def != NULL && r != NULL && st != NULL);
	assert(!e->s->txn_partial); /* the caller aborts a transaction holding part of an act */
	memset(st, 0, sizeof *st);
	const uint64_t writes = e->s->writes, size = h->size;
	int rc = check_nonce(e, t, a, r, st);
	if (rc == PDL_ENOTFOUND) {
		rc = check_actor(e, t, h, a, verified_pk, st);
		if (rc == PDL_OK) {
			ctx_init(&c, e, t, h, now_ms, a, st);
			rc = a->def->validate != NULL ? a->def->validate(&c) : PDL_OK;
		}
	} else {
		assert(rc != PDL_OK || (r->dup && r->seq < size));
		return rc;
	}
	/* invariant (1): a refusal, and validate, wrote nothing */
	PDL_INVARIANT(e->s->writes == writes && h->size == size);
	if (rc != PDL_OK)
		return rc;
	rc = a->def->apply != NULL ? a->def->apply(&c) : PDL_OK;
	if (rc == PDL_OK)
		rc = outcome_close(e, &c, st);
	if (rc == PDL_OK)
		rc = append_entry(e, t, h, a, c.time_ms, r, st);
	if (rc != PDL_OK)
		return act_failed(e, rc, st);
	assert(h->size == size + 1 && r->seq == size && !r->dup);
	return PDL_OK;
}

/* ---- batches: one write transaction for many acts ---- */

enum { BATCH_REDO = 1 }; /* batch_once: abort and run the batch again */

/* Runs the batch once. PDL_OK: committed. BATCH_REDO: an act failed after
 * its apply began writing; it is now refused (act NULL) and the
 * transaction was aborted. Else a storage error, the transaction aborted. */
static int
batch_once(struct pdl_engine *e, struct pdl_batch *b)
{
	MDB_txn *t;
	struct pdl_head h;
	b->commit_rc = 0;
	int rc = pdl_store_wtxn(e->s, &t);
	if (rc != PDL_OK)
		return rc;
	if ((rc = pdl_store_head(t, e->s, &h)) != PDL_OK)
		goto fail;
	b->restart(b->arg, &h);
	for (size_t i = 0; i < b->n; i++) {
		struct pdl_batch_item *it = b->items[i];
		struct pdl_receipt r;
		uint64_t before = h.size;
		if (it->act == NULL) { /* refused before the rules, or by an earlier run */
			b->result(b->arg, i, NULL, NULL, 0);
			continue;
		}
		memset(&it->st, 0, sizeof it->st);
		it->rc = pdl_engine_submit(e, t, &h, b->now_ms, it->act, it->verified_pk, &r, &it->st);
		if (it->rc == PDL_ESTORE || it->rc == PDL_EMAPFULL) {
			rc = it->rc;
			goto fail;
		}
		if (e->s->txn_partial) {
			it->act = NULL; /* it->rc and it->st say why */
			rc = BATCH_REDO;
			goto fail;
		}
		assert(it->rc == PDL_OK || h.size == before);
		b->result(b->arg, i, it->rc == PDL_OK ? &r : NULL,
		          h.size != before ? (const uint8_t *)e->entry.data : NULL, h.size != before ? e->entry.size : 0);
	}
	if (b->before_commit != NULL && (rc = b->before_commit(b->arg, t, &h)) != PDL_OK)
		goto fail;
	int mrc = pdl_store_commit(e->s, t);
	if ((rc = pdl_store_err(mrc)) != PDL_OK) {
		b->commit_rc = mrc;
		return rc;
	}
	b->head = h;
	return PDL_OK;
fail:
	mdb_txn_abort(t);
	return rc;
}

int
pdl_engine_batch(struct pdl_engine *e, struct pdl_batch *b)
{
	assert(e != NULL && b != NULL && b->restart != NULL && b->result != NULL && (b->n == 0 || b->items != NULL));
	size_t runs = 0;
	int rc;
	while ((rc = batch_once(e, b)) == BATCH_REDO) {
		runs++;
		assert(runs <= b->n); /* each run refuses one more act for good */
	}
	return rc;
}
