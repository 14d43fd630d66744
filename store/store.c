/* store.c — see store.h for the tables and invariants. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>


#include "crypto.h"
#include "entry.h"
#include "note.h"
#include "store.h"

int
pdl_store_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS: return PDL_OK;
	case MDB_NOTFOUND: return PDL_ENOTFOUND;
	case MDB_MAP_FULL: return PDL_EMAPFULL;
	default: return PDL_ESTORE;
	}
}

/* Below this much free space a short write was the disk filling up: a
 * short write stops exactly where the space ends, and LMDB writes pages of
 * 4 KiB, so a file system that still has room for a batch is not full. */
#define STORE_FULL_BYTES (64u * 1024u)

int
pdl_store_commit(struct pdl_store *s, MDB_txn *t)
{
	PDL_INVARIANT(!s->txn_partial); /* (5) */
	int rc = mdb_txn_commit(t);
	if (rc == EIO) {
		struct statvfs vb;
		/* root may fill the blocks reserved for it: count those too */
		if (statvfs(s->dir, &vb) == 0 &&
		    (uint64_t)(geteuid() == 0 ? vb.f_bfree : vb.f_bavail) * vb.f_frsize < STORE_FULL_BYTES)
			rc = ENOSPC;
	}
	return rc;
}

#define TREE_LAYOUT_KEY "tree_layout"

/* The tree table's layout (store.h): meta "tree_layout", else layout 1 if
 * the table has nodes (a data directory older than the key), else layout
 * 2, written down when the store is writable. An LMDB code, or EINVAL
 * for a layout this code does not know. */
static int
tree_layout(MDB_txn *t, struct pdl_store *s)
{
	MDB_val key = {sizeof TREE_LAYOUT_KEY - 1, (void *)TREE_LAYOUT_KEY}, val;
	MDB_stat ms;
	int rc = mdb_get(t, s->meta, &key, &val);
	if (rc == 0) {
		const uint8_t *v = val.mv_data;
		if (val.mv_size != 1 || (v[0] != PDL_TREE_BY_LEVEL && v[0] != PDL_TREE_BY_END))
			return EINVAL;
		s->tree_layout = v[0];
		return 0;
	}
	if (rc != MDB_NOTFOUND || (rc = mdb_stat(t, s->tree, &ms)) != 0)
		return rc;
	uint8_t want = (s->flags & PDL_STORE_TREE_V1) ? PDL_TREE_BY_LEVEL : PDL_TREE_BY_END;
	s->tree_layout = ms.ms_entries > 0 ? PDL_TREE_BY_LEVEL : want;
	if (ms.ms_entries > 0 || (s->flags & PDL_STORE_RDONLY) || want == PDL_TREE_BY_LEVEL)
		return 0; /* layout 1 is the one without the key */
	val.mv_size = 1;
	val.mv_data = &want;
	return mdb_put(t, s->meta, &key, &val, 0);
}

static int
open_dbs(struct pdl_store *s)
{
	MDB_txn *t;
	unsigned dflags = (s->flags & PDL_STORE_RDONLY) ? 0 : MDB_CREATE;
	int rc = mdb_txn_begin(s->env, NULL, (s->flags & PDL_STORE_RDONLY) ? MDB_RDONLY : 0, &t);
	if (rc != 0)
		return rc;
	struct {
		const char *name;
		MDB_dbi *dbi;
	} dbs[] = {{"log", &s->log}, {"tree", &s->tree}, {"meta", &s->meta},
	           {"nonce", &s->nonce}, {"state", &s->state}, {"ckpt", &s->ckpt}, {"blob", &s->blob}};
	for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
		rc = mdb_dbi_open(t, dbs[i].name, dflags, dbs[i].dbi);
		if (rc != 0) {
			mdb_txn_abort(t);
			return rc;
		}
	}
	rc = tree_layout(t, s);
	if (rc != 0) {
		mdb_txn_abort(t);
		return rc;
	}
	return mdb_txn_commit(t);
}

int
pdl_store_open(struct pdl_store *s, const char *dir, unsigned flags)
{
	struct stat sb;
	char path[4200];
	memset(s, 0, sizeof *s);
	s->flags = flags;
	if (snprintf(s->dir, sizeof s->dir, "%s", dir) >= (int)sizeof s->dir)
		return PDL_EINVAL;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return PDL_EIO;
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	if (!(flags & PDL_STORE_CREATE) && stat(path, &sb) != 0)
		return PDL_ENOTFOUND;
	pthread_rwlock_init(&s->resize, NULL);
	int rc = mdb_env_create(&s->env);
	if (rc != 0)
		return PDL_ESTORE;
	mdb_env_set_maxdbs(s->env, 8);
	mdb_env_set_maxreaders(s->env, 256);
	/* The map must cover the file: start from the file size if it is larger. */
	size_t mapsize = PDL_MAPSIZE_DEFAULT;
	if (stat(path, &sb) == 0)
		while (mapsize < (size_t)sb.st_size + ((size_t)64 << 20) && mapsize < PDL_MAPSIZE_MAX)
			mapsize *= 2;
	s->mapsize = mapsize;
	mdb_env_set_mapsize(s->env, mapsize);
	unsigned eflags = MDB_NOTLS | MDB_NORDAHEAD;
	if (flags & PDL_STORE_RDONLY)
		eflags |= MDB_RDONLY;
	if (flags & PDL_STORE_NOSYNC)
		eflags |= MDB_NOSYNC;
	rc = mdb_env_open(s->env, dir, eflags, 0600);
	if (rc != 0)
		goto fail;
	int dead = 0;
	mdb_reader_check(s->env, &dead); /* slots of killed readers */
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	s->mapsize = info.me_mapsize;
	rc = open_dbs(s);
	if (rc != 0)
		goto fail;
	if (pdl_nodecache_init(&s->nodes, PDL_NODECACHE_LEVEL_MIN) != PDL_OK) {
		mdb_env_close(s->env);
		s->env = NULL;
		return PDL_ENOMEM;
	}
	return PDL_OK;
fail:
	mdb_env_close(s->env);
	s->env = NULL;
	return rc == ENOENT ? PDL_ENOTFOUND : PDL_ESTORE;
}

void
pdl_store_close(struct pdl_store *s)
{
	if (s->env != NULL)
		mdb_env_close(s->env);
	s->env = NULL;
	pdl_nodecache_free(&s->nodes);
	pthread_rwlock_destroy(&s->resize);
}

int
pdl_store_grow(struct pdl_store *s)
{
	if (s->mapsize >= PDL_MAPSIZE_MAX)
		return PDL_EMAPFULL;
	pthread_rwlock_wrlock(&s->resize);
	int rc = mdb_env_set_mapsize(s->env, s->mapsize * 2);
	if (rc == 0)
		s->mapsize *= 2;
	pthread_rwlock_unlock(&s->resize);
	return rc == 0 ? PDL_OK : PDL_ESTORE;
}

int
pdl_store_rtxn(struct pdl_store *s, MDB_txn **t)
{
	pthread_rwlock_rdlock(&s->resize);
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, t);
	if (rc == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt its size. */
		mdb_env_set_mapsize(s->env, 0);
		rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, t);
	}
	if (rc != 0) {
		pthread_rwlock_unlock(&s->resize);
		return PDL_ESTORE;
	}
	return PDL_OK;
}

void
pdl_store_rdone(struct pdl_store *s, MDB_txn *t)
{
	mdb_txn_abort(t);
	pthread_rwlock_unlock(&s->resize);
}

int
pdl_store_wtxn(struct pdl_store *s, MDB_txn **t)
{
	assert(!(s->flags & PDL_STORE_RDONLY));
	int rc = mdb_txn_begin(s->env, NULL, 0, t);
	if (rc == 0)
		s->txn_partial = 0;
	return rc == 0 ? PDL_OK : pdl_store_err(rc);
}

void
pdl_store_mark_partial(struct pdl_store *s)
{
	s->txn_partial = 1;
}

/* Every put and delete goes through here: the write count of store.h. */
static int
put(MDB_txn *t, struct pdl_store *s, MDB_dbi dbi, const void *k, size_t kn, const void *v, size_t n, unsigned fl)
{
	MDB_val key = {kn, (void *)k}, val = {n, (void *)v};
	s->writes++;
	return pdl_store_err(mdb_put(t, dbi, &key, &val, fl));
}

#define HEAD_BYTES 48u

int
pdl_store_head(MDB_txn *t, const struct pdl_store *s, struct pdl_head *h)
{
	const uint8_t *v;
	size_t n;
	memset(h, 0, sizeof *h);
	int rc = pdl_store_meta_get(t, s, "head", &v, &n);
	if (rc == PDL_ENOTFOUND)
		return PDL_OK; /* empty log */
	if (rc != PDL_OK)
		return rc;
	if (n != HEAD_BYTES)
		return PDL_ESTORE;
	h->size = pdl_get_be64(v);
	h->time_ms = pdl_get_be64(v + 8);
	memcpy(h->chain, v + 16, PDL_HASH_BYTES);
	return PDL_OK;
}

size_t
pdl_store_tree_key(const struct pdl_store *s, unsigned level, uint64_t index, uint8_t k[PDL_TREE_KEY_BYTES])
{
	assert(level < 64);
	if (s->tree_layout == PDL_TREE_BY_LEVEL) {
		k[0] = (uint8_t)level;
		pdl_be64(k + 1, index);
	} else {
		assert(s->tree_layout == PDL_TREE_BY_END);
		pdl_be64(k, ((index + 1) << level) - 1); /* the last leaf under the node */
		k[8] = (uint8_t)level;
	}
	return PDL_TREE_KEY_BYTES;
}

static int
tree_get(void *ctx, unsigned level, uint64_t index, uint8_t out[PDL_HASH_BYTES])
{
	struct pdl_tree_ctx *c = ctx;
	uint8_t k[PDL_TREE_KEY_BYTES];
	MDB_val key = {pdl_store_tree_key(c->s, level, index, k), k}, val;
	int rc = mdb_get(c->txn, c->s->tree, &key, &val);
	if (rc != 0)
		return pdl_store_err(rc);
	if (val.mv_size != PDL_HASH_BYTES)
		return PDL_ESTORE;
	memcpy(out, val.mv_data, PDL_HASH_BYTES);
	return PDL_OK;
}

static int
tree_put(void *ctx, unsigned level, uint64_t index, const uint8_t h[PDL_HASH_BYTES])
{
	struct pdl_tree_ctx *c = ctx;
	uint8_t k[PDL_TREE_KEY_BYTES];
	return put(c->txn, c->s, c->s->tree, k, pdl_store_tree_key(c->s, level, index, k), h, PDL_HASH_BYTES, 0);
}

void
pdl_store_tree_io(struct pdl_tree_ctx *ctx, struct pdl_merkle_io *io)
{
	io->get = tree_get;
	io->put = tree_put;
	io->ctx = ctx;
}

/* tree_get through the store's node cache; only over a read transaction,
 * whose nodes are committed (nodecache.h, invariant 1). */
static int
tree_get_cached(void *ctx, unsigned level, uint64_t index, uint8_t out[PDL_HASH_BYTES])
{
	struct pdl_tree_ctx *c = ctx;
	return pdl_nodecache_read(&c->s->nodes, tree_get, ctx, level, index, out);
}

void
pdl_store_tree_rio(struct pdl_tree_ctx *ctx, struct pdl_merkle_io *io)
{
	io->get = tree_get_cached;
	io->put = NULL;
	io->ctx = ctx;
}

/* (1) and (2) for the entry about to be appended at h. */
static void
check_append(const struct pdl_head *h, const uint8_t *entry, size_t len)
{
	struct pdl_entry en;
	struct pdl_status st;
	PDL_INVARIANT(len <= PDL_ENTRY_BYTES_MAX);
	PDL_INVARIANT(pdl_entry_decode(entry, len, &en, &st) == PDL_OK);
	PDL_INVARIANT(en.seq == h->size); /* the key is the size */
	PDL_INVARIANT(memcmp(en.prev, h->chain, sizeof en.prev) == 0);
	PDL_INVARIANT(en.time_ms == h->time_ms); /* the caller moved the head's time, never back */
}

int
pdl_store_append(MDB_txn *t, struct pdl_store *s, struct pdl_head *h, const uint8_t *entry, size_t len)
{
	uint8_t k[8], leaf[PDL_HASH_BYTES], hv[HEAD_BYTES];
	uint64_t size = h->size;
	check_append(h, entry, len);
	pdl_be64(k, h->size);
	int rc = put(t, s, s->log, k, sizeof k, entry, len, MDB_APPEND);
	if (rc != PDL_OK)
		return rc;
	pdl_merkle_leaf_hash(entry, len, leaf);
	struct pdl_tree_ctx tc = {t, s};
	struct pdl_merkle_io io;
	pdl_store_tree_io(&tc, &io);
	rc = pdl_merkle_append(&io, h->size, leaf);
	if (rc != PDL_OK)
		return rc;
	pdl_digest(h->chain, entry, len);
	h->size++;
	pdl_be64(hv, h->size);
	pdl_be64(hv + 8, h->time_ms);
	memcpy(hv + 16, h->chain, PDL_HASH_BYTES);
	rc = pdl_store_meta_put(t, s, "head", hv, sizeof hv);
	assert(rc != PDL_OK || h->size == size + 1);
	return rc;
}

int
pdl_store_entry(MDB_txn *t, const struct pdl_store *s, uint64_t seq, const uint8_t **b, size_t *len)
{
	uint8_t k[8];
	pdl_be64(k, seq);
	MDB_val key = {8, k}, val;
	int rc = mdb_get(t, s->log, &key, &val);
	if (rc != 0)
		return pdl_store_err(rc);
	*b = val.mv_data;
	*len = val.mv_size;
	return PDL_OK;
}

int
pdl_store_meta_get(MDB_txn *t, const struct pdl_store *s, const char *name, const uint8_t **v, size_t *n)
{
	MDB_val key = {strlen(name), (void *)name}, val;
	int rc = mdb_get(t, s->meta, &key, &val);
	if (rc != 0)
		return pdl_store_err(rc);
	*v = val.mv_data;
	*n = val.mv_size;
	return PDL_OK;
}

int
pdl_store_meta_put(MDB_txn *t, struct pdl_store *s, const char *name, const void *v, size_t n)
{
	return put(t, s, s->meta, name, strlen(name), v, n, 0);
}

int
pdl_store_state_get(MDB_txn *t, const struct pdl_store *s, const void *k, size_t kn, const uint8_t **v, size_t *n)
{
	MDB_val key = {kn, (void *)k}, val;
	int rc = mdb_get(t, s->state, &key, &val);
	if (rc != 0)
		return pdl_store_err(rc);
	*v = val.mv_data;
	*n = val.mv_size;
	return PDL_OK;
}

int
pdl_store_state_put(MDB_txn *t, struct pdl_store *s, const void *k, size_t kn, const void *v, size_t n)
{
	int rc = put(t, s, s->state, k, kn, v, n, 0);
	if (rc == PDL_OK && s->on_state_write != NULL)
		s->on_state_write(s->hook_arg, k, kn);
	return rc;
}

int
pdl_store_state_del(MDB_txn *t, struct pdl_store *s, const void *k, size_t kn)
{
	MDB_val key = {kn, (void *)k};
	s->writes++;
	int rc = pdl_store_err(mdb_del(t, s->state, &key, NULL));
	if (rc == PDL_OK && s->on_state_write != NULL)
		s->on_state_write(s->hook_arg, k, kn);
	return rc;
}

int
pdl_store_blob_put(MDB_txn *t, struct pdl_store *s, const uint8_t digest[PDL_HASH_BYTES], const void *b, size_t n)
{
	return put(t, s, s->blob, digest, PDL_HASH_BYTES, b, n, 0);
}

int
pdl_store_ckpt_get(MDB_txn *t, const struct pdl_store *s, uint64_t size, const char **note, size_t *n)
{
	uint8_t k[8];
	pdl_be64(k, size);
	MDB_val key = {8, k}, val;
	int rc = mdb_get(t, s->ckpt, &key, &val);
	if (rc != 0)
		return pdl_store_err(rc);
	*note = val.mv_data;
	*n = val.mv_size;
	return PDL_OK;
}

static size_t
nonce_key(uint8_t *k, const char *actor, size_t an, uint64_t nonce)
{
	memcpy(k, actor, an);
	k[an] = 0;
	pdl_be64(k + an + 1, nonce);
	return an + 9;
}

int
pdl_store_nonce_get(MDB_txn *t, const struct pdl_store *s, const char *actor, size_t an, uint64_t nonce,
                    uint8_t hash[PDL_HASH_BYTES], uint64_t *seq)
{
	uint8_t k[PDL_ID_LEN_MAX + 9];
	if (an > PDL_ID_LEN_MAX)
		return PDL_EINVAL;
	MDB_val key = {nonce_key(k, actor, an, nonce), k}, val;
	int rc = mdb_get(t, s->nonce, &key, &val);
	if (rc != 0)
		return pdl_store_err(rc);
	if (val.mv_size != 40)
		return PDL_ESTORE;
	memcpy(hash, val.mv_data, PDL_HASH_BYTES);
	*seq = pdl_get_be64((const uint8_t *)val.mv_data + PDL_HASH_BYTES);
	return PDL_OK;
}

int
pdl_store_nonce_put(MDB_txn *t, struct pdl_store *s, const char *actor, size_t an, uint64_t nonce,
                    const uint8_t hash[PDL_HASH_BYTES], uint64_t seq)
{
	uint8_t k[PDL_ID_LEN_MAX + 9], v[40];
	if (an > PDL_ID_LEN_MAX)
		return PDL_EINVAL;
	memcpy(v, hash, PDL_HASH_BYTES);
	pdl_be64(v + PDL_HASH_BYTES, seq);
	return put(t, s, s->nonce, k, nonce_key(k, actor, an, nonce), v, sizeof v, 0);
}

int
pdl_store_ckpt_put(MDB_txn *t, struct pdl_store *s, uint64_t size, const char *note, size_t n)
{
	uint8_t k[8];
	assert(size > 0 && n > 0 && n <= PDL_NOTE_BYTES_MAX);
	pdl_be64(k, size);
	return put(t, s, s->ckpt, k, sizeof k, note, n, 0);
}

int
pdl_store_ckpt_latest(MDB_txn *t, const struct pdl_store *s, uint64_t *size, const char **note, size_t *n)
{
	MDB_cursor *c;
	MDB_val key, val;
	int rc = mdb_cursor_open(t, s->ckpt, &c);
	if (rc != 0)
		return PDL_ESTORE;
	rc = mdb_cursor_get(c, &key, &val, MDB_LAST);
	mdb_cursor_close(c);
	if (rc != 0)
		return pdl_store_err(rc);
	if (key.mv_size != 8)
		return PDL_ESTORE;
	*size = pdl_get_be64(key.mv_data);
	*note = val.mv_data;
	*n = val.mv_size;
	return PDL_OK;
}

static int
scan_open(MDB_txn *t, MDB_dbi dbi, const void *start, size_t n, struct pdl_scan *sc)
{
	memset(sc, 0, sizeof *sc);
	assert(n <= sizeof sc->start);
	if (mdb_cursor_open(t, dbi, &sc->cur) != 0)
		return PDL_ESTORE;
	if (n > 0)
		memcpy(sc->start, start, n);
	sc->key.mv_data = sc->start;
	sc->key.mv_size = n;
	sc->op = n > 0 ? MDB_SET_RANGE : MDB_FIRST;
	return PDL_OK;
}

int
pdl_store_log_scan(MDB_txn *t, const struct pdl_store *s, uint64_t from, struct pdl_scan *sc)
{
	uint8_t k[8];
	pdl_be64(k, from);
	int rc = scan_open(t, s->log, k, 8, sc);
	sc->is_log = 1;
	sc->next_seq = from;
	return rc;
}

int
pdl_store_ckpt_scan(MDB_txn *t, const struct pdl_store *s, struct pdl_scan *sc)
{
	return scan_open(t, s->ckpt, NULL, 0, sc);
}

int
pdl_store_state_scan(MDB_txn *t, const struct pdl_store *s, const void *prefix, size_t pn, struct pdl_scan *sc)
{
	assert(pn <= PDL_SCAN_PREFIX_MAX);
	int rc = scan_open(t, s->state, prefix, pn, sc);
	sc->prefix_n = pn;
	return rc;
}

int
pdl_scan_next(struct pdl_scan *sc)
{
	assert(sc->cur != NULL);
	int m = mdb_cursor_get(sc->cur, &sc->key, &sc->val, sc->op);
	sc->op = MDB_NEXT;
	if (m == MDB_NOTFOUND)
		return PDL_END;
	if (m != 0)
		return PDL_ESTORE;
	sc->k = sc->key.mv_data;
	sc->kn = sc->key.mv_size;
	sc->v = sc->val.mv_data;
	sc->vn = sc->val.mv_size;
	if (sc->prefix_n > 0 && (sc->kn < sc->prefix_n || memcmp(sc->k, sc->start, sc->prefix_n) != 0))
		return PDL_END;
	if (sc->kn == 8)
		sc->seq = pdl_get_be64(sc->k);
	if (sc->is_log) {
		if (sc->kn != 8 || sc->seq != sc->next_seq)
			return PDL_ECHAIN; /* invariant (1): keys are 0..size-1 */
		sc->next_seq++;
	}
	return PDL_OK;
}

void
pdl_scan_close(struct pdl_scan *sc)
{
	if (sc->cur != NULL)
		mdb_cursor_close(sc->cur);
	sc->cur = NULL;
}
