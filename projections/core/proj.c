/* proj.c — see proj.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#include "crypto.h"
#include "jcompact.h"
#include "mpjson.h"
#include "proj.h"
#include "rules.h"

/* A fresh environment gets the current format; one with entries applied
 * must have it (PDL_EVERSION otherwise: its party table would miss the
 * parties of the entries applied before it existed). */
static int
format_check(MDB_txn *t, struct pdl_vdb *db)
{
	MDB_val k = {6, "format"}, v;
	uint8_t want[8], chain[PDL_HASH_BYTES];
	uint64_t next;
	pdl_be64(want, PDL_VIEW_FORMAT);
	int rc = mdb_get(t, db->meta, &k, &v);
	if (rc == 0)
		return v.mv_size == 8 && memcmp(v.mv_data, want, 8) == 0 ? PDL_OK : PDL_EVERSION;
	if (rc != MDB_NOTFOUND || pdl_vdb_cursor(t, db, &next, chain) != PDL_OK)
		return PDL_ESTORE;
	if (next > 0)
		return PDL_EVERSION;
	v = (MDB_val){8, want};
	return mdb_put(t, db->meta, &k, &v, 0) == 0 ? PDL_OK : PDL_ESTORE;
}

/* The ledger's suite, as the view recorded it from the genesis it applied
 * (meta "suite"), named as this process's (suite.h). A view without one
 * is empty or follows a ledger made before suites: ed25519-sha256.
 * PDL_EVERSION: a suite this pdl-project does not know. */
static int
suite_load(MDB_txn *t, struct pdl_vdb *db)
{
	MDB_val k = {5, "suite"}, v;
	int rc = mdb_get(t, db->meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return PDL_OK;
	if (rc != 0)
		return PDL_ESTORE;
	const struct pdl_suite *s = pdl_suite_find(v.mv_data, v.mv_size);
	if (s == NULL)
		return PDL_EVERSION;
	pdl_suite_use(s);
	return PDL_OK;
}

int
pdl_vdb_open(struct pdl_vdb *db, const char *dir, const struct pdl_view *const *views, unsigned n, int rdonly)
{
	char path[4200];
	MDB_txn *t;
	memset(db, 0, sizeof *db);
	snprintf(db->dir, sizeof db->dir, "%s", dir);
	if (!rdonly && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return PDL_EIO;
	snprintf(path, sizeof path, "%s/view", dir);
	if (!rdonly && mkdir(path, 0700) != 0 && errno != EEXIST)
		return PDL_EIO;
	if (mdb_env_create(&db->env) != 0)
		return PDL_ESTORE;
	int rc = PDL_ESTORE;
	mdb_env_set_maxdbs(db->env, PDL_VIEW_TABLES_MAX * 4 + 5);
	mdb_env_set_mapsize(db->env, (size_t)16 << 30);
	mdb_env_set_maxreaders(db->env, 256);
	/* One fsync per view commit (MDB_NOMETASYNC): a system crash may lose the
	 * last view transaction, never its consistency, since the cursor commits
	 * with the view; the worker then re-applies from its cursor. Views can
	 * always be rebuilt from the log, which itself syncs fully. */
	if (mdb_env_open(db->env, path, MDB_NOTLS | MDB_NOMETASYNC | (rdonly ? MDB_RDONLY : 0), 0600) != 0)
		goto fail;
	int dead;
	mdb_reader_check(db->env, &dead);
	if (mdb_txn_begin(db->env, NULL, rdonly ? MDB_RDONLY : 0, &t) != 0)
		goto fail;
	unsigned fl = rdonly ? 0 : MDB_CREATE;
	if (mdb_dbi_open(t, "meta", fl, &db->meta) != 0)
		goto fail_txn;
	int prc = mdb_dbi_open(t, "proj_party", fl, &db->party);
	if (prc == MDB_NOTFOUND && rdonly)
		db->party = (MDB_dbi)-1; /* an older view: readable, never written */
	else if (prc != 0)
		goto fail_txn;
	prc = mdb_dbi_open(t, "proj_log", fl, &db->log);
	if (prc == 0)
		prc = mdb_dbi_open(t, "proj_tree", fl, &db->tree);
	if (prc == MDB_NOTFOUND && rdonly)
		db->log = db->tree = (MDB_dbi)-1;
	else if (prc != 0)
		goto fail_txn;
	if (!rdonly && (rc = format_check(t, db)) != PDL_OK)
		goto fail_txn;
	if ((rc = suite_load(t, db)) != PDL_OK)
		goto fail_txn;
	rc = PDL_ESTORE;
	for (unsigned i = 0; i < n && i < PDL_VDB_VIEWS_MAX; i++) {
		db->views[db->nviews++] = views[i];
		for (const char *const *tb = views[i]->tables; *tb != NULL; tb++) {
			if (db->ndbi == sizeof db->dbi / sizeof db->dbi[0])
				goto fail_txn;
			if (mdb_dbi_open(t, *tb, fl, &db->dbi[db->ndbi]) != 0)
				goto fail_txn;
			db->names[db->ndbi++] = *tb;
		}
	}
	if (mdb_txn_commit(t) != 0)
		goto fail;
	if ((rc = pdl_nodecache_init(&db->nodes, PDL_NODECACHE_LEVEL_MIN)) != PDL_OK)
		goto fail;
	return PDL_OK;
fail_txn:
	mdb_txn_abort(t);
fail:
	mdb_env_close(db->env);
	db->env = NULL;
	return rc;
}

void
pdl_vdb_close(struct pdl_vdb *db)
{
	if (db->env)
		mdb_env_close(db->env);
	db->env = NULL;
	pdl_nodecache_free(&db->nodes);
}

MDB_dbi
pdl_vdb_table(const struct pdl_vdb *db, const char *name)
{
	for (unsigned i = 0; i < db->ndbi; i++)
		if (strcmp(db->names[i], name) == 0)
			return db->dbi[i];
	return (MDB_dbi)-1; /* programmer error: a view asked for a table it does not own */
}

int
pdl_vdb_cursor(MDB_txn *t, const struct pdl_vdb *db, uint64_t *next, uint8_t chain[PDL_HASH_BYTES])
{
	MDB_val k = {4, "next"}, v;
	*next = 0;
	memset(chain, 0, PDL_HASH_BYTES);
	int rc = mdb_get(t, db->meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return PDL_OK;
	if (rc != 0 || v.mv_size != 8 + PDL_HASH_BYTES)
		return PDL_ESTORE;
	*next = pdl_get_be64(v.mv_data);
	memcpy(chain, (const uint8_t *)v.mv_data + 8, PDL_HASH_BYTES);
	return PDL_OK;
}

json_t *
pdl_vdoc_get(MDB_txn *t, MDB_dbi dbi, const char *key)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	if (mdb_get(t, dbi, &k, &v) != 0)
		return NULL;
	return json_loadb(v.mv_data, v.mv_size, 0, NULL);
}

static int
put_json(MDB_txn *t, MDB_dbi dbi, MDB_val *k, json_t *doc)
{
	/* sorted keys: the same document always has the same bytes, those of
	 * json_dumps(JSON_COMPACT | JSON_SORT_KEYS), which jcompact writes
	 * faster; what it leaves to jansson (a real number) goes there */
	struct pdl_jbuf b;
	pdl_jbuf_init(&b);
	int rc = pdl_json_compact(doc, &b);
	if (rc == PDL_OK) {
		MDB_val v = {b.n, b.p};
		rc = pdl_store_err(mdb_put(t, dbi, k, &v, 0));
	} else if (rc == PDL_EINVAL) {
		char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
		MDB_val v = {s != NULL ? strlen(s) : 0, s};
		rc = s == NULL ? PDL_ENOMEM : pdl_store_err(mdb_put(t, dbi, k, &v, 0));
		free(s);
	}
	pdl_jbuf_free(&b);
	return rc;
}

int
pdl_vdoc_put(MDB_txn *t, MDB_dbi dbi, const char *key, json_t *doc)
{
	MDB_val k = {strlen(key), (void *)key};
	return put_json(t, dbi, &k, doc);
}

int
pdl_vdoc_put_seq(MDB_txn *t, MDB_dbi dbi, uint64_t seq, json_t *doc)
{
	uint8_t kb[8];
	pdl_be64(kb, seq);
	MDB_val k = {8, kb};
	return put_json(t, dbi, &k, doc);
}

void
pdl_vbytes_keep(int rc, struct pdl_jbuf *w, struct pdl_vbytes *v)
{
	*v = (struct pdl_vbytes){NULL, 0};
	if (rc == PDL_OK && (v->p = malloc(w->n ? w->n : 1)) != NULL) {
		memcpy(v->p, w->p, w->n);
		v->n = w->n;
	}
	pdl_jbuf_free(w);
}

int
pdl_vdoc_put_bytes(MDB_txn *t, MDB_dbi dbi, const char *key, const struct pdl_vbytes *v)
{
	MDB_val k = {strlen(key), (void *)key}, d = {v->n, v->p};
	return pdl_store_err(mdb_put(t, dbi, &k, &d, 0));
}

int
pdl_vdoc_put_seq_bytes(MDB_txn *t, MDB_dbi dbi, uint64_t seq, const struct pdl_vbytes *v)
{
	uint8_t kb[8];
	pdl_be64(kb, seq);
	MDB_val k = {8, kb}, d = {v->n, v->p};
	return pdl_store_err(mdb_put(t, dbi, &k, &d, 0));
}

/* ---- the entries, the tree and the checkpoint (invariants 5, 6) ---- */

int
pdl_vdb_entry(MDB_txn *t, const struct pdl_vdb *db, uint64_t seq, const uint8_t **b, size_t *n)
{
	uint8_t k[8];
	if (db->log == (MDB_dbi)-1)
		return PDL_ENOTFOUND;
	pdl_be64(k, seq);
	MDB_val key = {8, k}, val;
	int rc = mdb_get(t, db->log, &key, &val);
	if (rc != 0)
		return pdl_store_err(rc);
	*b = val.mv_data;
	*n = val.mv_size;
	return PDL_OK;
}

static int
vtree_get(void *ctx, unsigned level, uint64_t index, uint8_t out[PDL_HASH_BYTES])
{
	struct pdl_vtree_ctx *c = ctx;
	uint8_t k[9];
	k[0] = (uint8_t)level;
	pdl_be64(k + 1, index);
	MDB_val key = {9, k}, val;
	int rc = mdb_get(c->txn, c->dbi, &key, &val);
	if (rc != 0)
		return pdl_store_err(rc);
	if (val.mv_size != PDL_HASH_BYTES)
		return PDL_ESTORE;
	memcpy(out, val.mv_data, PDL_HASH_BYTES);
	return PDL_OK;
}

static int
vtree_put(void *ctx, unsigned level, uint64_t index, const uint8_t h[PDL_HASH_BYTES])
{
	struct pdl_vtree_ctx *c = ctx;
	uint8_t k[9];
	k[0] = (uint8_t)level;
	pdl_be64(k + 1, index);
	MDB_val key = {9, k}, val = {PDL_HASH_BYTES, (void *)h};
	return pdl_store_err(mdb_put(c->txn, c->dbi, &key, &val, 0));
}

void
pdl_vdb_tree_io(const struct pdl_vdb *db, MDB_txn *t, struct pdl_vtree_ctx *ctx, struct pdl_merkle_io *io)
{
	ctx->txn = t;
	ctx->dbi = db->tree;
	ctx->nodes = NULL;
	io->get = vtree_get;
	io->put = vtree_put;
	io->ctx = ctx;
}

static int
vtree_get_cached(void *ctx, unsigned level, uint64_t index, uint8_t out[PDL_HASH_BYTES])
{
	struct pdl_vtree_ctx *c = ctx;
	return pdl_nodecache_read(c->nodes, vtree_get, ctx, level, index, out);
}

void
pdl_vdb_tree_rio(const struct pdl_vdb *db, MDB_txn *t, struct pdl_vtree_ctx *ctx, struct pdl_merkle_io *io)
{
	ctx->txn = t;
	ctx->dbi = db->tree;
	ctx->nodes = &db->nodes;
	io->get = vtree_get_cached;
	io->put = NULL;
	io->ctx = ctx;
}

int
pdl_vdb_checkpoint(MDB_txn *t, const struct pdl_vdb *db, char *note, size_t cap, size_t *n, struct pdl_ckpt *c)
{
	MDB_val k = {4, "ckpt"}, v;
	int rc = mdb_get(t, db->meta, &k, &v);
	if (rc != 0)
		return pdl_store_err(rc);
	if (v.mv_size >= cap || v.mv_size > PDL_NOTE_BYTES_MAX)
		return PDL_ESTORE;
	memcpy(note, v.mv_data, v.mv_size);
	note[v.mv_size] = '\0';
	*n = v.mv_size;
	/* Every entry and proof answer reads the checkpoint; it changes a
	 * few times a second at most, so each thread keeps the last one it
	 * parsed, used only for the same bytes. */
	static _Thread_local struct {
		size_t n;
		char note[PDL_NOTE_BYTES_MAX];
		struct pdl_ckpt c;
	} last;
	if (last.n != 0 && last.n == v.mv_size && memcmp(last.note, note, v.mv_size) == 0) {
		*c = last.c;
		return PDL_OK;
	}
	if (pdl_ckpt_parse(note, v.mv_size, c) != PDL_OK)
		return PDL_ESTORE;
	last.n = v.mv_size;
	memcpy(last.note, note, v.mv_size);
	last.c = *c;
	return PDL_OK;
}

int
pdl_vdb_offer_checkpoint(struct pdl_vdb *db, const char *note, size_t n, struct pdl_status *st)
{
	MDB_txn *t;
	struct pdl_ckpt c, have;
	uint8_t chain[PDL_HASH_BYTES], root[PDL_HASH_BYTES];
	struct pdl_pubkey pk;
	char why[160];
	uint64_t next;
	size_t bl, hn;
	static _Thread_local char buf[PDL_NOTE_BYTES_MAX + 1];
	if (n > PDL_NOTE_BYTES_MAX || pdl_ckpt_parse(note, n, &c) != PDL_OK || c.size == 0)
		return pdl_status_set(st, PDL_ENOTE, NULL, "the checkpoint does not parse");
	if (mdb_txn_begin(db->env, NULL, 0, &t) != 0)
		return pdl_status_set(st, PDL_ESTORE, NULL, "cannot write the view");
	int rc = pdl_vdb_cursor(t, db, &next, chain);
	if (rc != PDL_OK)
		goto fail;
	if (c.size > next) {
		rc = PDL_ENOTFOUND; /* ahead of the view: offered again once it has caught up */
		goto fail;
	}
	if (pdl_vdb_checkpoint(t, db, buf, sizeof buf, &hn, &have) == PDL_OK && have.size >= c.size) {
		rc = PDL_OK; /* never back (invariant 6) */
		goto fail;
	}
	MDB_val kk = {10, "ledger_key"}, ko = {6, "origin"}, vk, vo;
	if (mdb_get(t, db->meta, &kk, &vk) != 0 || mdb_get(t, db->meta, &ko, &vo) != 0 ||
	    vo.mv_size > PDL_ORIGIN_LEN_MAX) {
		rc = pdl_status_set(st, PDL_ENOTFOUND, NULL, "the view has not applied genesis");
		goto fail;
	}
	if (pdl_pubkey_parse(&pk, pdl_suite(), vk.mv_data, vk.mv_size, why, sizeof why) != PDL_OK) {
		rc = pdl_status_set(st, PDL_ESTORE, NULL, "the view's ledger key is unreadable: %s", why);
		goto fail;
	}
	char origin[PDL_ORIGIN_LEN_MAX + 1];
	memcpy(origin, vo.mv_data, vo.mv_size);
	origin[vo.mv_size] = '\0';
	if (strcmp(origin, c.origin) != 0 || pdl_note_verify(note, n, origin, &pk, &bl) != PDL_OK) {
		rc = pdl_status_set(st, PDL_EBADSIG, NULL, "the checkpoint at size %llu is not signed by the ledger key",
		                    (unsigned long long)c.size);
		goto fail;
	}
	struct pdl_vtree_ctx tc;
	struct pdl_merkle_io io;
	pdl_vdb_tree_io(db, t, &tc, &io);
	if ((rc = pdl_merkle_root(&io, c.size, root)) != PDL_OK || memcmp(root, c.root, PDL_HASH_BYTES) != 0) {
		rc = pdl_status_set(st, PDL_EMERKLE, NULL,
		                    "the ledger's checkpoint at size %llu does not match the entries the view applied",
		                    (unsigned long long)c.size);
		goto fail;
	}
	MDB_val k = {4, "ckpt"}, v = {n, (void *)note};
	if (mdb_put(t, db->meta, &k, &v, 0) != 0 || mdb_txn_commit(t) != 0)
		return pdl_status_set(st, PDL_ESTORE, NULL, "cannot write the view");
	return PDL_OK;
fail:
	mdb_txn_abort(t);
	return rc;
}

/* ---- the party table (invariant (4)) ---- */

static int
party_put(MDB_txn *t, const struct pdl_vdb *db, const char *id, json_t *rec)
{
	int rc = rec != NULL ? pdl_vdoc_put(t, db->party, id, rec) : PDL_ENOMEM;
	json_decref(rec);
	return rc;
}

/* A new party record from a key and roles as the act wrote them. Entries
 * are ones the ledger accepted, so the fields are well formed; a record
 * that is not (no key) is still stored, and never authenticates anyone. */
static json_t *
party_new(const json_t *key, const json_t *roles, uint64_t seq)
{
	json_t *r = json_array();
	size_t i;
	const json_t *v;
	json_array_foreach(roles, i, v) {
		uint32_t bit;
		const char *s = json_string_value(v);
		if (s != NULL && pdl_role_parse(s, strlen(s), &bit) == PDL_OK)
			json_array_append_new(r, json_string(s));
	}
	json_t *o = json_object();
	json_object_set_new_nocheck(o, "public_key", json_string(json_is_string(key) ? json_string_value(key) : ""));
	json_object_set_new_nocheck(o, "roles", r);
	json_object_set_new_nocheck(o, "suspended", json_false());
	json_object_set_new_nocheck(o, "seq", json_integer((json_int_t)seq));
	return o;
}

/* The party an act of type names in body, when it is one the table keeps
 * (party.*, with a well-formed id), else NULL. */
static const char *
party_of(const char *type, const json_t *body)
{
	if (strncmp(type, "party.", 6) != 0)
		return NULL;
	const char *id = json_string_value(json_object_get(body, "id"));
	return id != NULL && pdl_id_valid(id, strlen(id)) ? id : NULL;
}

static json_t *
party_registered(const struct pdl_ventry *e)
{
	return party_new(json_object_get(e->body, "public_key"), json_object_get(e->body, "roles"), e->seq);
}

static int
party_apply(const struct pdl_vdb *db, MDB_txn *t, const struct pdl_ventry *e)
{
	if (strcmp(e->type, "ledger.genesis") == 0) {
		const json_t *au = json_object_get(e->body, "authority");
		const char *id = json_string_value(json_object_get(au, "id"));
		if (id == NULL || !pdl_id_valid(id, strlen(id)))
			return PDL_OK;
		json_t *roles = json_pack("[s]", "authority");
		json_t *rec = party_new(json_object_get(au, "public_key"), roles, e->seq);
		json_decref(roles);
		return party_put(t, db, id, rec);
	}
	const char *id = party_of(e->type, e->body);
	if (id == NULL)
		return PDL_OK;
	if (strcmp(e->type, "party.register") == 0)
		return party_put(t, db, id, party_registered(e));
	json_t *rec = pdl_vdoc_get(t, db->party, id);
	if (rec == NULL)
		return PDL_OK; /* the ledger refuses acts on unknown parties */
	if (strcmp(e->type, "party.rotate_key") == 0)
		json_object_set(rec, "public_key", json_object_get(e->body, "public_key"));
	else if (strcmp(e->type, "party.suspend") == 0)
		json_object_set_new(rec, "suspended", json_true());
	else if (strcmp(e->type, "party.reinstate") == 0)
		json_object_set_new(rec, "suspended", json_false());
	else {
		json_decref(rec);
		return PDL_OK;
	}
	json_object_set_new(rec, "seq", json_integer((json_int_t)e->seq));
	return party_put(t, db, id, rec);
}

int
pdl_vdb_party(MDB_txn *t, const struct pdl_vdb *db, const char *id, struct pdl_vparty *p)
{
	memset(p, 0, sizeof *p);
	if (db->party == (MDB_dbi)-1 || !pdl_id_valid(id, strlen(id)))
		return PDL_ENOTFOUND;
	json_t *rec = pdl_vdoc_get(t, db->party, id);
	if (rec == NULL)
		return PDL_ENOTFOUND;
	const char *k = json_string_value(json_object_get(rec, "public_key"));
	const json_t *roles = json_object_get(rec, "roles"), *v;
	char why[160];
	int rc = k != NULL && pdl_pubkey_parse(&p->pk, pdl_suite(), k, strlen(k), why, sizeof why) == PDL_OK &&
	                 json_is_array(roles)
	             ? PDL_OK
	             : PDL_ESTORE;
	size_t i;
	json_array_foreach(roles, i, v) {
		uint32_t bit;
		const char *s = json_string_value(v);
		if (s != NULL && pdl_role_parse(s, strlen(s), &bit) == PDL_OK)
			p->roles |= bit;
	}
	p->suspended = json_is_true(json_object_get(rec, "suspended"));
	p->seq = (uint64_t)json_integer_value(json_object_get(rec, "seq"));
	json_decref(rec);
	if (rc != PDL_OK)
		memset(p, 0, sizeof *p);
	return rc;
}

int
pdl_vdb_ledger_id(MDB_txn *t, const struct pdl_vdb *db, uint8_t id[PDL_HASH_BYTES])
{
	MDB_val k = {9, "ledger_id"}, v;
	int rc = mdb_get(t, db->meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return PDL_ENOTFOUND;
	if (rc != 0 || v.mv_size != PDL_HASH_BYTES)
		return PDL_ESTORE;
	memcpy(id, v.mv_data, PDL_HASH_BYTES);
	return PDL_OK;
}

/* The checkpoint key (as genesis writes it: base64 of the suite's
 * encoding) and the origin genesis names (invariant 6). */
static int
genesis_meta(const struct pdl_vdb *db, MDB_txn *t, const json_t *body)
{
	const char *k = json_string_value(json_object_get(body, "ledger_key"));
	const char *o = json_string_value(json_object_get(body, "origin"));
	struct pdl_pubkey pk;
	char why[160];
	if (k == NULL || o == NULL || strlen(o) > PDL_ORIGIN_LEN_MAX || strlen(k) >= PDL_PK_B64_LEN ||
	    pdl_pubkey_parse(&pk, pdl_suite(), k, strlen(k), why, sizeof why) != PDL_OK)
		return PDL_OK; /* the ledger accepted it; a view without the key serves no proof */
	MDB_val kk = {10, "ledger_key"}, vk = {strlen(k), (void *)k}, ko = {6, "origin"}, vo = {strlen(o), (void *)o};
	return mdb_put(t, db->meta, &kk, &vk, 0) == 0 && mdb_put(t, db->meta, &ko, &vo, 0) == 0 ? PDL_OK : PDL_ESTORE;
}

/* The suite the genesis names, named as this process's before anything of
 * the ledger is hashed, and recorded in meta "suite" for the next start
 * (suite_load), in the transaction that applies the genesis. */
static int
genesis_suite(struct pdl_vdb *db, MDB_txn *t, const uint8_t *b, size_t n, struct pdl_status *st)
{
	const struct pdl_suite *s;
	int rc = pdl_genesis_suite(b, n, &s, st);
	if (rc != PDL_OK)
		return rc;
	pdl_suite_use(s);
	MDB_val k = {5, "suite"}, v = {strlen(s->id), (void *)s->id};
	return mdb_put(t, db->meta, &k, &v, 0) == 0 ? PDL_OK : pdl_status_set(st, PDL_ESTORE, NULL, "cannot write the suite");
}

/* The entry's bytes and its leaf hash in the view's own log and tree,
 * and the ledger key of genesis (invariants 5 and 6), in t. */
static int
keep_entry(struct pdl_vdb *db, MDB_txn *t, const struct pdl_ventry *ve, const uint8_t leaf[PDL_HASH_BYTES],
           struct pdl_status *st)
{
	uint8_t kb[8];
	struct pdl_vtree_ctx tc;
	struct pdl_merkle_io io;
	pdl_be64(kb, ve->seq);
	MDB_val k = {8, kb}, v = {ve->len, (void *)ve->bytes};
	pdl_vdb_tree_io(db, t, &tc, &io);
	if (mdb_put(t, db->log, &k, &v, MDB_APPEND) != 0 || pdl_merkle_append(&io, ve->seq, leaf) != PDL_OK)
		return pdl_status_set(st, PDL_ESTORE, NULL, "cannot keep entry %llu", (unsigned long long)ve->seq);
	if (ve->seq != 0)
		return PDL_OK;
	if (genesis_meta(db, t, ve->body) != PDL_OK)
		return pdl_status_set(st, PDL_ESTORE, NULL, "cannot write the ledger key");
	/* the ledger id a reader's token names: chain hash of genesis */
	uint8_t id[PDL_HASH_BYTES];
	pdl_digest(id, ve->bytes, ve->len);
	MDB_val ik = {9, "ledger_id"}, iv = {PDL_HASH_BYTES, id};
	if (mdb_put(t, db->meta, &ik, &iv, 0) != 0)
		return pdl_status_set(st, PDL_ESTORE, NULL, "cannot write the ledger id");
	return PDL_OK;
}

/* An entry decoded for its apply, by pdl_vdb_apply itself or ahead of
 * it on another thread (pdl_vdb_prepare). */
struct pdl_vprepped {
	struct pdl_entry e;
	uint8_t hash[PDL_HASH_BYTES]; /* the entry's chain hash */
	uint8_t leaf[PDL_HASH_BYTES]; /* its Merkle leaf hash */
	json_t *body, *out;           /* the act's body and the outcome */
	char type[80], actor[PDL_ID_LEN_MAX + 1];
	/* made ahead (pdl_vdb_prepare), else NULL: */
	void *ahead[PDL_VDB_VIEWS_MAX]; /* by the views' ahead hooks */
	struct pdl_vbytes party;        /* party.register: the party table's record */
};

/* The act of p->e decoded: its type, actor, body and outcome, and the
 * entry's chain and leaf hashes. PDL_OK, or PDL_EDECODE with st. */
static int
prep_act(const uint8_t *b, size_t n, struct pdl_vprepped *p, struct pdl_status *st)
{
	struct pdl_act a;
	struct pdl_status est;
	if (pdl_act_decode(p->e.act, p->e.act_len, p->e.sig, &a, &est) != PDL_OK)
		return pdl_status_set(st, PDL_EDECODE, NULL, "act of entry %llu does not decode: %s",
		                      (unsigned long long)p->e.seq, est.msg);
	snprintf(p->type, sizeof p->type, "%.*s", (int)a.type_len, a.type);
	snprintf(p->actor, sizeof p->actor, "%.*s", (int)a.actor_len, a.actor);
	struct mp_cur ac = mp_cur_make(p->e.act, p->e.act_len), bc, oc = mp_cur_make(p->e.outcome, p->e.outcome_len);
	p->body = mp_map_find(ac, "body", &bc) == PDL_OK ? pdl_mp_to_json(&bc) : NULL;
	p->out = pdl_mp_to_json(&oc);
	if (p->body == NULL)
		p->body = json_object();
	if (p->out == NULL)
		p->out = json_object();
	pdl_digest(p->hash, b, n);
	pdl_merkle_leaf_hash(b, n, p->leaf);
	return PDL_OK;
}

static struct pdl_ventry
ventry(const uint8_t *b, size_t n, const struct pdl_vprepped *p)
{
	return (struct pdl_ventry){p->e.seq, p->e.time_ms, b, n, p->type, p->actor, p->body, p->out, NULL};
}

/* The bytes of party_new's record for a registered party (the keys in
 * JSON_SORT_KEYS order). */
static int
party_bytes(const struct pdl_ventry *e, struct pdl_jbuf *w)
{
	const json_t *key = json_object_get(e->body, "public_key"), *roles = json_object_get(e->body, "roles"), *v;
	size_t i, nr = 0;
	int rc = pdl_jw_raw(w, "{");
	rc |= pdl_jw_key(w, "public_key") | pdl_jw_str(w, json_is_string(key) ? json_string_value(key) : "");
	rc |= pdl_jw_key(w, "roles") | pdl_jw_raw(w, "[");
	json_array_foreach(roles, i, v) {
		uint32_t bit;
		const char *s = json_string_value(v);
		if (s != NULL && pdl_role_parse(s, strlen(s), &bit) == PDL_OK)
			rc |= (nr++ > 0 ? pdl_jw_raw(w, ",") : PDL_OK) | pdl_jw_str(w, s);
	}
	rc |= pdl_jw_raw(w, "]");
	rc |= pdl_jw_key(w, "seq") | pdl_jw_int(w, (int64_t)e->seq);
	rc |= pdl_jw_key(w, "suspended") | pdl_jw_raw(w, "false");
	return rc | pdl_jw_raw(w, "}");
}

/* What can be made of p ahead of its apply: the views' ahead hooks, and
 * a new party's record. Anything not made (out of memory, bytes jansson
 * must write) is left NULL, and apply makes it. */
static void
make_ahead(const struct pdl_vdb *db, const uint8_t *b, size_t n, struct pdl_vprepped *p)
{
	struct pdl_ventry ve = ventry(b, n, p);
	for (unsigned k = 0; k < db->nviews; k++)
		if (db->views[k]->ahead != NULL)
			p->ahead[k] = db->views[k]->ahead(&ve);
	if (strcmp(p->type, "party.register") == 0 && party_of(p->type, p->body) != NULL) {
		struct pdl_jbuf w;
		pdl_jbuf_init(&w);
		pdl_vbytes_keep(party_bytes(&ve, &w), &w, &p->party);
	}
}

static void
vprepped_free(const struct pdl_vdb *db, struct pdl_vprepped *p)
{
	json_decref(p->body);
	json_decref(p->out);
	for (unsigned k = 0; k < db->nviews; k++)
		if (p->ahead[k] != NULL)
			db->views[k]->ahead_free(p->ahead[k]);
	free(p->party.p);
}

void
pdl_vdb_prepare(const struct pdl_vdb *db, const uint8_t *const *entries, const size_t *lens, size_t n,
                struct pdl_vprep *out)
{
	out->n = 0;
	out->db = db;
	out->p = calloc(n ? n : 1, sizeof *out->p);
	if (out->p == NULL)
		return; /* pdl_vdb_apply decodes them itself */
	struct pdl_status st;
	for (size_t i = 0; i < n; i++) {
		struct pdl_vprepped *p = &out->p[i];
		if (pdl_entry_decode(entries[i], lens[i], &p->e, &st) != PDL_OK ||
		    prep_act(entries[i], lens[i], p, &st) != PDL_OK)
			break; /* decoded again, and reported, in its turn */
		make_ahead(db, entries[i], lens[i], p);
		out->n = i + 1;
	}
}

void
pdl_vprep_free(struct pdl_vprep *prep)
{
	for (size_t i = 0; prep->p != NULL && i < prep->n; i++)
		vprepped_free(prep->db, &prep->p[i]);
	free(prep->p);
	prep->p = NULL;
	prep->n = 0;
}

/* The views, the party table and the view's own log and tree get the
 * entry p in t. */
static int
apply_one(struct pdl_vdb *db, MDB_txn *t, const uint8_t *b, size_t n, struct pdl_vprepped *p, struct pdl_status *st)
{
	int rc = PDL_OK;
	struct pdl_ventry ve = ventry(b, n, p);
	for (unsigned k = 0; rc == PDL_OK && k < db->nviews; k++) {
		ve.ahead = p->ahead[k];
		int vr = db->views[k]->apply(db, t, &ve);
		if (vr != PDL_OK)
			rc = pdl_status_set(st, vr, NULL, "view %s failed on entry %llu", db->views[k]->name,
			                    (unsigned long long)p->e.seq);
	}
	ve.ahead = NULL;
	if (rc == PDL_OK) {
		int pr = p->party.p != NULL ? pdl_vdoc_put_bytes(t, db->party, party_of(p->type, p->body), &p->party)
		                            : party_apply(db, t, &ve);
		if (pr != PDL_OK)
			rc = pdl_status_set(st, pr, NULL, "the party table failed on entry %llu", (unsigned long long)p->e.seq);
	}
	if (rc == PDL_OK)
		rc = keep_entry(db, t, &ve, p->leaf, st);
	return rc;
}

/* The cursor moved to next after chain: committed with t, or t aborted
 * when nothing was applied. */
static int
apply_end(struct pdl_vdb *db, MDB_txn *t, size_t applied, uint64_t next, const uint8_t chain[PDL_HASH_BYTES], int rc,
          struct pdl_status *st)
{
	if (applied > 0 && (rc == PDL_OK || rc == PDL_ENOTFOUND)) {
		uint8_t cv[40];
		pdl_be64(cv, next);
		memcpy(cv + 8, chain, PDL_HASH_BYTES);
		MDB_val k = {4, "next"}, v = {40, cv};
		if (mdb_put(t, db->meta, &k, &v, 0) != 0 || mdb_txn_commit(t) != 0)
			return pdl_status_set(st, PDL_ESTORE, NULL, "cannot commit the view");
		return rc;
	}
	mdb_txn_abort(t);
	return rc;
}

int
pdl_vdb_apply_prepared(struct pdl_vdb *db, const uint8_t *const *entries, const size_t *lens, size_t n,
                       struct pdl_vprep *prep, size_t *applied, struct pdl_status *st)
{
	MDB_txn *t;
	uint64_t next;
	uint8_t chain[PDL_HASH_BYTES];
	size_t np = prep != NULL ? prep->n : 0;
	*applied = 0;
	if (mdb_txn_begin(db->env, NULL, 0, &t) != 0)
		return pdl_status_set(st, PDL_ESTORE, NULL, "cannot write the view");
	int rc = pdl_vdb_cursor(t, db, &next, chain);
	for (size_t i = 0; rc == PDL_OK && i < n; i++) {
		struct pdl_vprepped mine = {.party = {NULL, 0}}, *p = i < np ? &prep->p[i] : &mine;
		struct pdl_status est;
		if (p == &mine && pdl_entry_decode(entries[i], lens[i], &p->e, &est) != PDL_OK) {
			rc = pdl_status_set(st, PDL_EDECODE, NULL, "entry does not decode: %s", est.msg);
			break;
		}
		if (p->e.seq < next)
			continue; /* already applied */
		if (p->e.seq > next) {
			rc = pdl_status_set(st, PDL_ENOTFOUND, NULL, "gap: have %llu, need %llu", (unsigned long long)p->e.seq,
			                    (unsigned long long)next);
			break;
		}
		if (p->e.seq == 0 && (rc = genesis_suite(db, t, entries[i], lens[i], st)) != PDL_OK)
			break;
		if (memcmp(p->e.prev, chain, PDL_HASH_BYTES) != 0) {
			rc = pdl_status_set(st, PDL_ECHAIN, NULL, "entry %llu does not link to the applied chain",
			                    (unsigned long long)p->e.seq);
			break;
		}
		/* decoded after genesis_suite: the act's hash is the ledger suite's */
		if (p == &mine && (rc = prep_act(entries[i], lens[i], p, st)) != PDL_OK)
			break;
		rc = apply_one(db, t, entries[i], lens[i], p, st);
		if (p == &mine) { /* prepared ones are freed with their pdl_vprep */
			json_decref(p->body);
			json_decref(p->out);
		}
		if (rc != PDL_OK)
			break;
		memcpy(chain, p->hash, PDL_HASH_BYTES);
		next++;
		(*applied)++;
		db->last_time_ms = p->e.time_ms;
	}
	return apply_end(db, t, *applied, next, chain, rc, st);
}

int
pdl_vdb_apply(struct pdl_vdb *db, const uint8_t *const *entries, const size_t *lens, size_t n, size_t *applied,
              struct pdl_status *st)
{
	return pdl_vdb_apply_prepared(db, entries, lens, n, NULL, applied, st);
}

static int
range(struct pdl_client *cl, uint64_t from, unsigned batch, uint8_t **rep, size_t *rn, struct pdl_status *st)
{
	msgpack_sbuffer sb;
	pdl_req_range(&sb, from, batch != 0 ? batch : PDL_PROJ_BATCH);
	int rc = pdl_client_call(cl, sb.data, sb.size, rep, rn, st);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/* The entry bins at c, up to n and before any placeholder, into es/ls
 * (arrays of n): how many, or -1 when malformed; *private_seq: the seq
 * of a placeholder found (else left). */
static long
entry_bins(struct mp_cur c, uint32_t n, const uint8_t **es, size_t *ls, uint64_t *private_seq, int *private)
{
	uint32_t k = 0;
	for (; k < n; k++) {
		if (mp_peek(&c) == MP_MAP) {
			/* pdld's placeholder for an entry this reader may not have */
			struct mp_cur sv;
			if (mp_map_find(c, "seq", &sv) != PDL_OK || mp_read_uint(&sv, private_seq) != PDL_OK)
				return -1;
			*private = 1;
			break;
		}
		if (mp_read_bin(&c, &es[k], &ls[k]) != PDL_OK)
			return -1;
	}
	return (long)k;
}

/* Applies n entry bins (or placeholders) at c; prep: those decoded ahead
 * (or NULL). */
static int
apply_entries(struct pdl_vdb *db, struct mp_cur c, uint32_t n, struct pdl_vprep *prep, uint64_t *applied,
              struct pdl_status *st)
{
	const uint8_t **es = malloc((n ? n : 1) * sizeof *es);
	size_t *ls = malloc((n ? n : 1) * sizeof *ls);
	if (es == NULL || ls == NULL) {
		free(es);
		free(ls);
		return PDL_ENOMEM;
	}
	int rc = PDL_OK, private = 0;
	uint64_t private_seq = 0;
	long k = entry_bins(c, n, es, ls, &private_seq, &private);
	if (k < 0)
		rc = pdl_status_set(st, PDL_EPROTO, NULL, "malformed entries");
	size_t done = 0;
	if (rc == PDL_OK && k > 0)
		rc = pdl_vdb_apply_prepared(db, es, ls, (size_t)k, prep, &done, st);
	*applied += done;
	if (rc == PDL_OK && private)
		rc = pdl_status_set(st, PDL_EPRIVATE, NULL,
		                    "entry %llu is private and pdld did not give it to this reader: views need a reader "
		                    "identity that may read every entry (an auditor or the authority: --reader ID "
		                    "--reader-key FILE)",
		                    (unsigned long long)private_seq);
	free(es);
	free(ls);
	return rc;
}

/* Offers a checkpoint from the feed or from pdld; one that is not the
 * ledger's or not this view's tree is reported once per size. */
static void
offer(struct pdl_vdb *db, const char *note, size_t n)
{
	static _Atomic uint64_t warned;
	struct pdl_status st = {0};
	struct pdl_ckpt c;
	int rc = pdl_vdb_offer_checkpoint(db, note, n, &st);
	if (rc != PDL_OK && rc != PDL_ENOTFOUND && pdl_ckpt_parse(note, n, &c) == PDL_OK && c.size != warned) {
		warned = c.size;
		fprintf(stderr, "pdl-project: checkpoint refused: %s (%s)\n", st.msg, pdl_strerror(rc));
	}
}

/* A PUB checkpoint message's note offered to the view; its size, or 0. */
static uint64_t
offer_msg(struct pdl_vdb *db, const uint8_t *b, size_t n)
{
	struct mp_cur c = mp_cur_make(b, n), nv, sc;
	const char *s;
	size_t sn;
	uint64_t size = 0;
	if (mp_map_find(c, "note", &nv) == PDL_OK && mp_read_str(&nv, &s, &sn) == PDL_OK)
		offer(db, s, sn);
	if (mp_map_find(c, "size", &sc) != PDL_OK || mp_read_uint(&sc, &size) != PDL_OK)
		size = 0;
	return size;
}

/* pdld's newest checkpoint, offered to the view (invariant 6). */
static void
poll_checkpoint(struct pdl_vdb *db, struct pdl_client *cl)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t *rep;
	size_t rn;
	struct pdl_status st = {0};
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	mp_pack_cstr(&pk, "op");
	mp_pack_cstr(&pk, "checkpoint");
	int rc = pdl_client_call(cl, sb.data, sb.size, &rep, &rn, &st);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return;
	struct mp_cur c = mp_cur_make(rep, rn), v;
	const char *s;
	size_t n;
	if (mp_map_find(c, "note", &v) == PDL_OK && mp_read_str(&v, &s, &n) == PDL_OK)
		offer(db, s, n);
	free(rep);
}

/* Applies a msgpack array of entry bins at c. */
static int
apply_array(struct pdl_vdb *db, struct mp_cur c, uint64_t *applied, struct pdl_status *st)
{
	uint32_t n;
	if (mp_read_array(&c, &n) != PDL_OK)
		return pdl_status_set(st, PDL_EPROTO, NULL, "malformed entries");
	return apply_entries(db, c, n, NULL, applied, st);
}

int
pdl_catch_up(struct pdl_vdb *db, struct pdl_client *cl, uint64_t *applied, struct pdl_status *st)
{
	return pdl_catch_up_progress(db, cl, applied, NULL, st);
}

/* The range read after the batch being applied, made on a thread of its
 * own meanwhile: pdld reads and sends the next entries while this process
 * applies the last ones, instead of each side waiting on the other. The
 * client is used by one thread at a time (the caller joins before its
 * next call). */
struct ahead {
	pthread_t th;
	const struct pdl_vdb *db;
	struct pdl_client *cl;
	uint64_t from;
	unsigned batch; /* entries to ask for (pdl_vdb.batch) */
	uint8_t *rep;
	size_t rn;
	int rc, running;
	int decode;             /* the view's suite is known: decode the entries too */
	struct pdl_vprep prep;  /* those decoded */
	struct pdl_vprep spent; /* the batch before's, applied: freed here, off the applying thread */
	struct pdl_status st;
};

/* The entries of a's reply decoded into a->prep, when it is the reply
 * for a->from (anything else is left to the applying thread). */
static void
ahead_decode(struct ahead *a)
{
	struct mp_cur ents;
	uint32_t n = 0;
	uint64_t from;
	struct pdl_status st;
	if (pdl_rep_range(a->rep, a->rn, &from, &ents, &n, &st) != PDL_OK || n == 0 || from != a->from)
		return;
	const uint8_t **es = malloc(n * sizeof *es);
	size_t *ls = malloc(n * sizeof *ls);
	uint64_t pseq;
	int priv = 0;
	long k = es != NULL && ls != NULL ? entry_bins(ents, n, es, ls, &pseq, &priv) : -1;
	if (k > 0)
		pdl_vdb_prepare(a->db, es, ls, (size_t)k, &a->prep);
	free(es);
	free(ls);
}

static void *
ahead_main(void *arg)
{
	struct ahead *a = arg;
	pthread_setname_np(pthread_self(), "pdl-ahead"); /* for top -H and perf */
	pdl_vprep_free(&a->spent);
	a->rc = range(a->cl, a->from, a->batch, &a->rep, &a->rn, &a->st);
	if (a->rc == PDL_OK && a->decode)
		ahead_decode(a);
	return NULL;
}

/* decode: the view has applied genesis (pdl_vdb_prepare); spent: taken. */
static void
ahead_start(struct ahead *a, const struct pdl_vdb *db, struct pdl_client *cl, uint64_t from, unsigned batch,
            int decode, struct pdl_vprep *spent)
{
	memset(a, 0, sizeof *a);
	a->db = db;
	a->cl = cl;
	a->from = from;
	a->batch = batch;
	a->decode = decode;
	a->spent = *spent;
	*spent = (struct pdl_vprep){0};
	a->running = pthread_create(&a->th, NULL, ahead_main, a) == 0;
	if (!a->running)
		pdl_vprep_free(&a->spent);
}

/* The reply for `from`: the one read ahead if it is for from, else a read now. */
static int
ahead_take(struct ahead *a, struct pdl_client *cl, uint64_t from, unsigned batch, uint8_t **rep, size_t *rn,
           struct pdl_status *st)
{
	if (a->running) {
		pthread_join(a->th, NULL);
		a->running = 0;
		if (a->from == from) {
			*rep = a->rep;
			*rn = a->rn;
			if (a->rc != PDL_OK)
				*st = a->st;
			return a->rc; /* with a->prep, until the caller frees it */
		}
		if (a->rc == PDL_OK)
			free(a->rep); /* read for a seq the view did not reach (it stopped short) */
		pdl_vprep_free(&a->prep);
	}
	return range(cl, from, batch, rep, rn, st);
}

static void
ahead_drop(struct ahead *a)
{
	uint8_t *rep;
	size_t rn;
	struct pdl_status st;
	if (a->running && ahead_take(a, a->cl, a->from, a->batch, &rep, &rn, &st) == PDL_OK)
		free(rep);
	pdl_vprep_free(&a->prep);
}

int
pdl_catch_up_progress(struct pdl_vdb *db, struct pdl_client *cl, uint64_t *applied, struct pdl_progress *prog,
                      struct pdl_status *st)
{
	struct ahead a = {0};
	struct pdl_vprep prep = {0}; /* the batch being applied's, if decoded ahead */
	for (;;) {
		MDB_txn *t;
		uint64_t next;
		uint8_t chain[PDL_HASH_BYTES];
		if (mdb_txn_begin(db->env, NULL, MDB_RDONLY, &t) != 0) {
			pdl_vprep_free(&prep);
			ahead_drop(&a);
			return pdl_status_set(st, PDL_ESTORE, NULL, "cannot read the view");
		}
		int rc = pdl_vdb_cursor(t, db, &next, chain);
		mdb_txn_abort(t);
		uint8_t *rep;
		size_t rn;
		if (rc != PDL_OK || (rc = ahead_take(&a, cl, next, db->batch, &rep, &rn, st)) != PDL_OK) {
			pdl_vprep_free(&prep);
			ahead_drop(&a);
			return rc;
		}
		struct mp_cur ents;
		uint32_t n = 0;
		uint64_t from;
		rc = pdl_rep_range(rep, rn, &from, &ents, &n, st);
		if (rc == PDL_OK && n > 0 && from != next)
			rc = pdl_status_set(st, PDL_EPROTO, NULL, "a range reply from %llu, not the %llu asked",
			                    (unsigned long long)from, (unsigned long long)next);
		struct pdl_vprep spent = prep; /* the last batch's: the next read frees it */
		prep = a.prep;
		a.prep = (struct pdl_vprep){0};
		if (rc == PDL_OK && n > 0) {
			ahead_start(&a, db, cl, next + n, db->batch, next > 0, &spent);
			rc = apply_entries(db, ents, n, &prep, applied, st);
		}
		pdl_vprep_free(&spent);
		free(rep);
		if (rc != PDL_OK) {
			pdl_vprep_free(&prep);
			ahead_drop(&a);
			return rc;
		}
		if (prog != NULL)
			pdl_progress_update(prog, next + n);
		if (n == 0) { /* a reply may hold fewer than asked before the end (pdld's byte cap) */
			pdl_vprep_free(&prep);
			poll_checkpoint(db, cl);
			return PDL_OK;
		}
	}
}

int
pdl_proj_client_open(struct pdl_client *c, const char *url, unsigned timeout_ms, struct pdl_status *st)
{
	int rv, rc;
	memset(c, 0, sizeof *c);
	if ((rv = nng_req0_open(&c->sock)) != 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "cannot open socket: %s", nng_strerror(rv));
	c->timeout_ms = timeout_ms;
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE); /* pdl_client_call resends (proto.h) */
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, 0);
	if ((rc = pdl_dialed_start(&c->link, c->sock, url, NNG_FLAG_NONBLOCK, st)) != PDL_OK) {
		nng_close(c->sock);
		return rc;
	}
	c->open = 1;
	return PDL_OK;
}

/* The follower's metrics: entries applied since the last call, and what
 * the view and the ledger have reached. */
static void
note_applied(struct pdl_follow_stats *stats, const struct pdl_vdb *db, uint64_t applied_now, uint64_t *counted,
             uint64_t seen_size)
{
	struct pdl_follow_metrics *m = stats->m;
	if (m == NULL)
		return;
	if (applied_now > *counted) {
		pdl_prom_add(&m->applied, applied_now - *counted);
		atomic_store_explicit(&m->last_time_ms, db->last_time_ms, memory_order_relaxed);
		*counted = applied_now;
	}
	uint64_t size = atomic_load_explicit(&m->ledger_size, memory_order_relaxed);
	while (seen_size > size &&
	       !atomic_compare_exchange_weak_explicit(&m->ledger_size, &size, seen_size, memory_order_relaxed,
	                                              memory_order_relaxed))
		;
}

static void
note_lag(struct pdl_follow_stats *stats, uint64_t lag_ms)
{
	stats->lag_ms[stats->lag_n++ % (sizeof stats->lag_ms / sizeof stats->lag_ms[0])] = lag_ms;
	if (stats->m != NULL)
		pdl_prom_observe(&stats->m->lag_ms, lag_ms);
}

/* The cursor of the view now (0 when it cannot be read). */
static uint64_t
view_next(struct pdl_vdb *db)
{
	MDB_txn *t;
	uint64_t next = 0;
	uint8_t chain[PDL_HASH_BYTES];
	if (mdb_txn_begin(db->env, NULL, MDB_RDONLY, &t) == 0) {
		if (pdl_vdb_cursor(t, db, &next, chain) != PDL_OK)
			next = 0;
		mdb_txn_abort(t);
	}
	return next;
}

/* Where the view stands against the log seen: behind since when, or not. */
static void
note_position(struct pdl_follow_stats *stats, struct pdl_vdb *db)
{
	struct pdl_follow_metrics *m = stats->m;
	if (m == NULL)
		return;
	uint64_t next = view_next(db), dummy = 0;
	note_applied(stats, db, 0, &dummy, next); /* the log is at least as long as the view */
	if (next >= atomic_load_explicit(&m->ledger_size, memory_order_relaxed))
		atomic_store_explicit(&m->behind_since_ms, 0, memory_order_relaxed);
	else if (atomic_load_explicit(&m->behind_since_ms, memory_order_relaxed) == 0)
		atomic_store_explicit(&m->behind_since_ms, pdl_now_ms(), memory_order_relaxed);
}

/* Every wait of the follower's REQ socket: a worker whose pdld is gone or
 * stopped notices a stop request within about this long. */
#define FOLLOW_WAIT_MS 2000u

/* The follower's subscription: everything, each wait at most a second. */
static int
sub_open(nng_socket *sub, struct pdl_dialed *subd, const char *pub_url, struct pdl_status *st)
{
	int rv, rc;
	if ((rv = nng_sub0_open(sub)) != 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "cannot open SUB socket: %s", nng_strerror(rv));
	nng_socket_set(*sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	nng_socket_set_ms(*sub, NNG_OPT_RECVTIMEO, 1000);
	nng_socket_set_size(*sub, NNG_OPT_RECVMAXSZ, 0);
	nng_socket_set_int(*sub, NNG_OPT_RECVBUF, 8192);
	/* tls+tcp:// as for the REQ socket: the same CA (--tls-ca, PDL_TLS_CA) */
	if ((rc = pdl_dialed_start(subd, *sub, pub_url, NNG_FLAG_NONBLOCK, st)) != PDL_OK)
		nng_close(*sub);
	return rc;
}

int
pdl_follow(struct pdl_vdb *db, const char *ledger_url, const char *pub_url, volatile int *stop,
           struct pdl_follow_stats *stats, struct pdl_status *st)
{
	struct pdl_client cl;
	nng_socket sub;
	struct pdl_dialed subd;
	int rv, rc;
	if ((rc = pdl_proj_client_open(&cl, ledger_url, FOLLOW_WAIT_MS, st)) != PDL_OK)
		return rc;
	if ((rc = sub_open(&sub, &subd, pub_url, st)) != PDL_OK) {
		pdl_client_close(&cl);
		return rc;
	}
	uint64_t applied = 0, counted = 0;
	rc = pdl_catch_up(db, &cl, &applied, st);
	note_applied(stats, db, applied, &counted, 0);
	note_position(stats, db);
	uint64_t last_poll = pdl_mono_ns();
	while (rc == PDL_OK && !*stop) {
		nng_msg *m;
		rv = nng_recvmsg(sub, &m, 0);
		if (*stop) { /* the signal came while waiting: no more requests */
			if (rv == 0)
				nng_msg_free(m);
			break;
		}
		if (rv == NNG_ETIMEDOUT || pdl_mono_ns() - last_poll > 1000000000ull) {
			/* a dropped last message leaves no later one to reveal the gap */
			last_poll = pdl_mono_ns();
			pdl_dialed_tend(&subd); /* a subscription whose dialer stopped would stay silent */
			uint64_t before = applied;
			rc = pdl_catch_up(db, &cl, &applied, st);
			if (applied > before) {
				/* entries the subscription should have brought: a gap recovered */
				stats->gaps++;
				if (stats->m != NULL)
					pdl_prom_add(&stats->m->gaps, 1);
				uint64_t now = pdl_now_ms();
				note_lag(stats, now > db->last_time_ms ? now - db->last_time_ms : 0);
			}
			note_applied(stats, db, applied, &counted, 0);
			note_position(stats, db);
			if (rv == 0)
				nng_msg_free(m);
			continue;
		}
		if (rv != 0) {
			rc = pdl_status_set(st, PDL_ECLOSED, NULL, "subscription failed: %s", nng_strerror(rv));
			break;
		}
		const uint8_t *b = nng_msg_body(m);
		size_t n = nng_msg_len(m);
		if (stats->drop_every && ++stats->received % stats->drop_every == 0) {
			nng_msg_free(m);
			continue;
		}
		if (n > 1 && b[0] == 'c') {
			/* a new checkpoint; one ahead of the view waits for the next poll */
			uint64_t size = offer_msg(db, b + 1, n - 1);
			/* the log has at least its size */
			if (stats->m != NULL && size > 0) {
				note_applied(stats, db, applied, &counted, size);
				note_position(stats, db);
			}
		}
		if (n > 1 && b[0] == 'e') {
			struct mp_cur c = mp_cur_make(b + 1, n - 1), ents, fc, probe;
			uint64_t from;
			uint32_t ne;
			stats->live_msgs++;
			if (stats->m != NULL) {
				pdl_prom_add(&stats->m->live_msgs, 1);
				if (mp_map_find(c, "from", &fc) == PDL_OK && mp_read_uint(&fc, &from) == PDL_OK &&
				    mp_map_find(c, "entries", &probe) == PDL_OK && mp_read_array(&probe, &ne) == PDL_OK)
					note_applied(stats, db, applied, &counted, from + ne);
			}
			uint64_t before = applied;
			if (mp_map_find(c, "entries", &ents) == PDL_OK) {
				rc = apply_array(db, ents, &applied, st);
				if (rc == PDL_EPRIVATE) /* a network PUB's placeholder: read it by an authenticated range */
					rc = pdl_catch_up(db, &cl, &applied, st);
				if (rc == PDL_ENOTFOUND) { /* gap: the pub dropped something */
					stats->gaps++;
					if (stats->m != NULL)
						pdl_prom_add(&stats->m->gaps, 1);
					rc = pdl_catch_up(db, &cl, &applied, st);
					if (rc == PDL_OK)
						rc = apply_array(db, ents, &applied, st);
					if (rc == PDL_ENOTFOUND || rc == PDL_EPRIVATE)
						rc = PDL_OK; /* the next poll catches it (a private one by range) */
				}
			}
			if (applied > before) {
				/* lag: ledger commit time of the last entry applied → now,
				 * sampled whether it came live or through a catch-up */
				uint64_t now = pdl_now_ms();
				note_lag(stats, now > db->last_time_ms ? now - db->last_time_ms : 0);
			}
			note_applied(stats, db, applied, &counted, 0);
			note_position(stats, db);
		}
		nng_msg_free(m);
	}
	stats->applied += applied;
	nng_close(sub);
	pdl_client_close(&cl);
	return rc;
}

int
pdl_vdb_digest(struct pdl_vdb *db, uint8_t out[PDL_HASH_BYTES], uint64_t *next)
{
	MDB_txn *t;
	pdl_digest_ctx h;
	uint8_t chain[PDL_HASH_BYTES];
	if (mdb_txn_begin(db->env, NULL, MDB_RDONLY, &t) != 0)
		return PDL_ESTORE;
	pdl_digest_init(&h);
	int rc = pdl_vdb_cursor(t, db, next, chain);
	uint8_t nb[8];
	pdl_be64(nb, *next);
	pdl_digest_update(&h, nb, 8);
	pdl_digest_update(&h, chain, PDL_HASH_BYTES);
	for (unsigned i = 0; rc == PDL_OK && i <= db->ndbi; i++) {
		MDB_cursor *c;
		MDB_val k, v;
		/* the view tables, then the framework's party table */
		const char *name = i < db->ndbi ? db->names[i] : "proj_party";
		MDB_dbi dbi = i < db->ndbi ? db->dbi[i] : db->party;
		if (dbi == (MDB_dbi)-1)
			break;
		pdl_digest_update(&h, (const uint8_t *)name, strlen(name) + 1);
		if (mdb_cursor_open(t, dbi, &c) != 0) {
			rc = PDL_ESTORE;
			break;
		}
		for (int m = mdb_cursor_get(c, &k, &v, MDB_FIRST); m == 0; m = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			uint8_t l[8];
			pdl_be64(l, k.mv_size);
			pdl_digest_update(&h, l, 8);
			pdl_digest_update(&h, k.mv_data, k.mv_size);
			pdl_be64(l, v.mv_size);
			pdl_digest_update(&h, l, 8);
			pdl_digest_update(&h, v.mv_data, v.mv_size);
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(t);
	pdl_digest_final(&h, out);
	return rc;
}
