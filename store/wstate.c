/* wstate.c — see wstate.h. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tlog.h"
#include "util.h"
#include "wstate.h"

#define REC_MAGIC "W1"
#define REC_HEAD_BYTES (2u + 8u + 32u + 8u + 2u)

static int
err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS: return PDL_OK;
	case MDB_NOTFOUND: return PDL_ENOTFOUND;
	case MDB_MAP_FULL: return PDL_EMAPFULL;
	default: return PDL_ESTORE;
	}
}

int
pdl_wstate_open(struct pdl_wstate *w, const char *dir)
{
	struct stat sb;
	char path[4200];
	MDB_txn *t;
	int rc;
	assert(w != NULL && dir != NULL);
	memset(w, 0, sizeof *w);
	if (snprintf(w->dir, sizeof w->dir, "%s", dir) >= (int)sizeof w->dir)
		return PDL_EINVAL;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return PDL_EIO;
	snprintf(path, sizeof path, "%s/%s", dir, PDL_WSTATE_FILE);
	if ((rc = mdb_env_create(&w->env)) != 0)
		return PDL_ESTORE;
	mdb_env_set_maxdbs(w->env, 2);
	mdb_env_set_maxreaders(w->env, 126);
	mdb_env_set_mapsize(w->env, PDL_WSTATE_MAPSIZE);
	/* one file (and its -lock) beside whatever else is in DIR */
	if ((rc = mdb_env_open(w->env, path, MDB_NOSUBDIR | MDB_NOTLS, 0600)) != 0)
		goto fail;
	int dead = 0;
	mdb_reader_check(w->env, &dead);
	if ((rc = mdb_txn_begin(w->env, NULL, 0, &t)) != 0)
		goto fail;
	if ((rc = mdb_dbi_open(t, "origins", MDB_CREATE, &w->origins)) != 0) {
		mdb_txn_abort(t);
		goto fail;
	}
	if ((rc = mdb_txn_commit(t)) != 0)
		goto fail;
	return PDL_OK;
fail:
	mdb_env_close(w->env);
	w->env = NULL;
	return PDL_ESTORE;
}

void
pdl_wstate_close(struct pdl_wstate *w)
{
	if (w->env != NULL)
		mdb_env_close(w->env);
	w->env = NULL;
}

int
pdl_wstate_begin(struct pdl_wstate *w, MDB_txn **t)
{
	return err(mdb_txn_begin(w->env, NULL, 0, t));
}

int
pdl_wstate_rbegin(struct pdl_wstate *w, MDB_txn **t)
{
	return err(mdb_txn_begin(w->env, NULL, MDB_RDONLY, t));
}

int
pdl_wstate_commit(MDB_txn *t)
{
	return err(mdb_txn_commit(t));
}

void
pdl_wstate_abort(MDB_txn *t)
{
	mdb_txn_abort(t);
}

int
pdl_wstate_get(MDB_txn *t, const struct pdl_wstate *w, const uint8_t key[32], struct pdl_wrec *r)
{
	MDB_val k = {32, (void *)key}, v;
	int rc = mdb_get(t, w->origins, &k, &v);
	memset(r, 0, sizeof *r);
	if (rc != 0)
		return err(rc);
	const uint8_t *b = v.mv_data;
	if (v.mv_size < REC_HEAD_BYTES || memcmp(b, REC_MAGIC, 2) != 0)
		return PDL_ESTORE;
	r->size = pdl_get_be64(b + 2);
	memcpy(r->root, b + 10, 32);
	r->time = pdl_get_be64(b + 42);
	size_t on = (size_t)b[50] << 8 | b[51];
	if (on == 0 || on > PDL_TLOG_NAME_MAX || v.mv_size < REC_HEAD_BYTES + on)
		return PDL_ESTORE;
	memcpy(r->origin, b + REC_HEAD_BYTES, on);
	r->origin[on] = '\0';
	/* the key is the origin's hash: a record filed under another key is not this origin's */
	uint8_t h[32];
	pdl_tlog_sha256(h, r->origin, on);
	if (memcmp(h, key, 32) != 0)
		return PDL_ESTORE;
	r->note = (const char *)b + REC_HEAD_BYTES + on;
	r->note_len = v.mv_size - REC_HEAD_BYTES - on;
	return PDL_OK;
}

int
pdl_wstate_put(MDB_txn *t, struct pdl_wstate *w, const struct pdl_wrec *r)
{
	uint8_t key[32];
	size_t on = strnlen(r->origin, PDL_TLOG_NAME_MAX + 1);
	if (on == 0 || on > PDL_TLOG_NAME_MAX || r->note_len > PDL_TLOG_NOTE_BYTES_MAX + PDL_COSIG_LINE_MAX)
		return PDL_EINVAL;
	pdl_tlog_sha256(key, r->origin, on);
	MDB_val k = {32, key}, v = {REC_HEAD_BYTES + on + r->note_len, NULL};
	/* MDB_RESERVE: the record is written in place, once */
	int rc = mdb_put(t, w->origins, &k, &v, MDB_RESERVE);
	if (rc != 0)
		return err(rc);
	uint8_t *b = v.mv_data;
	memcpy(b, REC_MAGIC, 2);
	pdl_be64(b + 2, r->size);
	memcpy(b + 10, r->root, 32);
	pdl_be64(b + 42, r->time);
	b[50] = (uint8_t)(on >> 8);
	b[51] = (uint8_t)on;
	memcpy(b + REC_HEAD_BYTES, r->origin, on);
	memcpy(b + REC_HEAD_BYTES + on, r->note, r->note_len);
	return PDL_OK;
}
