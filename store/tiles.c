/* tiles.c — see tiles.h for the layout and the invariants. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "note.h"
#include "readers.h"
#include "sha256.h"
#include "tiles.h"

#define OUT_PATH_MAX 4096u

struct wctx {
	char root[OUT_PATH_MAX];
	size_t root_n;
	char dir_made[OUT_PATH_MAX]; /* the last directory known to exist */
	struct pdl_tiles_stats *stats;
	const struct pdl_tiles_rules *r;
	struct pdl_progress *prog; /* NULL: none */
	struct pdl_status *st;
};

int
pdl_tiles_entries_parse(const char *s, enum pdl_tiles_entries *e)
{
	if (strcmp(s, "public") == 0)
		*e = PDL_TILES_ENTRIES_PUBLIC;
	else if (strcmp(s, "all") == 0)
		*e = PDL_TILES_ENTRIES_ALL;
	else
		return PDL_EINVAL;
	return PDL_OK;
}

int
pdl_tiles_checkpoint(MDB_txn *t, const struct pdl_store *s, uint64_t *size, const char **note, size_t *n,
                     struct pdl_status *st)
{
	return pdl_read_checkpoint(t, s, size, note, n, st);
}

/* mkdir -p of an absolute path; remembers the last one made. */
static int
mkdirs(struct wctx *w, const char *dir)
{
	char p[OUT_PATH_MAX];
	if (strcmp(dir, w->dir_made) == 0)
		return PDL_OK;
	size_t n = strlen(dir);
	if (n >= sizeof p)
		return pdl_status_set(w->st, PDL_EIO, NULL, "path %s is too long", dir);
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];
		p[i] = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return pdl_status_set(w->st, PDL_EIO, NULL, "cannot create %s: %s", p, strerror(errno));
		p[i] = c;
	}
	memcpy(w->dir_made, dir, n + 1);
	return PDL_OK;
}

/* OUT/rel into path and its temporary name beside it into tmp, its
 * directory made. */
static int
out_paths(struct wctx *w, const char *rel, char path[OUT_PATH_MAX], char tmp[OUT_PATH_MAX + 16])
{
	int n = snprintf(path, OUT_PATH_MAX, "%s/%s", w->root, rel);
	if (n < 0 || (size_t)n >= OUT_PATH_MAX)
		return pdl_status_set(w->st, PDL_EIO, NULL, "path under %s is too long", w->root);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	int rc = mkdirs(w, path);
	if (rc != PDL_OK)
		return rc;
	snprintf(tmp, OUT_PATH_MAX + 16, "%s/.tmp.%s", path, slash + 1);
	*slash = '/';
	return PDL_OK;
}

/* Writes OUT/rel whole under a temporary name beside it, then renames it
 * (invariant 2). Not synced here: the caller syncs the file system once
 * before the checkpoint (invariant 3). */
static int
put_file(struct wctx *w, const char *rel, const void *b, size_t len)
{
	char path[OUT_PATH_MAX], tmp[OUT_PATH_MAX + 16];
	int rc = out_paths(w, rel, path, tmp);
	if (rc != PDL_OK)
		return rc;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return pdl_status_set(w->st, PDL_EIO, NULL, "cannot create %s: %s", tmp, strerror(errno));
	const uint8_t *p = b;
	size_t off = 0;
	while (off < len) {
		ssize_t k = write(fd, p + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int e = k < 0 ? errno : EIO;
			close(fd);
			unlink(tmp);
			return pdl_status_set(w->st, PDL_EIO, NULL, "cannot write %s: %s", tmp, strerror(e));
		}
		off += (size_t)k;
	}
	/* start its writeback now, while the next tiles are built: the syncfs
	 * before the checkpoint then waits for little of it (invariant 3 does
	 * not rest on this; a file system that refuses it is synced there) */
	(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return pdl_status_set(w->st, PDL_EIO, NULL, "cannot write %s: %s", path, strerror(e));
	}
	w->stats->files++;
	w->stats->bytes += len;
	return PDL_OK;
}

/* OUT/to as a second name of OUT/from, written with put_file (the same
 * bundle under both layouts costs no second copy); put_file's copy where
 * the file system has no hard links. */
static int
put_link(struct wctx *w, const char *from, const char *to, const void *b, size_t len)
{
	char src[OUT_PATH_MAX], path[OUT_PATH_MAX], tmp[OUT_PATH_MAX + 16];
	int rc = out_paths(w, to, path, tmp), m = snprintf(src, sizeof src, "%s/%s", w->root, from);
	if (rc != PDL_OK)
		return rc;
	if (m < 0 || (size_t)m >= sizeof src)
		return pdl_status_set(w->st, PDL_EIO, NULL, "path under %s is too long", w->root);
	(void)unlink(tmp);
	if (link(src, tmp) != 0)
		return put_file(w, to, b, len);
	if (rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return pdl_status_set(w->st, PDL_EIO, NULL, "cannot write %s: %s", path, strerror(e));
	}
	w->stats->files++;
	return PDL_OK;
}

/* The w node hashes of tile (level, index) from the tree table, in a row
 * (one lookup each: in the store's tree layout 2 a level's nodes are not
 * side by side). */
static int
read_tile(MDB_txn *t, struct pdl_store *s, unsigned level, uint64_t index, unsigned w, uint8_t *out,
          struct pdl_status *st)
{
	uint64_t first = index * PDL_TILE_WIDTH;
	unsigned height = level * PDL_TILE_HEIGHT;
	struct pdl_tree_ctx tc = {t, s};
	struct pdl_merkle_io io;
	pdl_store_tree_io(&tc, &io);
	for (unsigned i = 0; i < w; i++)
		if (io.get(io.ctx, height, first + i, out + (size_t)i * PDL_HASH_BYTES) != PDL_OK)
			return pdl_status_set(st, PDL_ESTORE, NULL,
			                      "tree node (%u, %" PRIu64 ") is missing or malformed (run pdl verify)", height,
			                      first + i);
	return PDL_OK;
}

/* A full tile's hashes must hash up to the stored node one tile level up
 * (invariant 5). */
static int
check_full_tile(MDB_txn *t, struct pdl_store *s, unsigned level, uint64_t index, const uint8_t *hashes,
                struct pdl_status *st)
{
	uint8_t want[PDL_HASH_BYTES], got[PDL_HASH_BYTES];
	struct pdl_tree_ctx tc = {t, s};
	struct pdl_merkle_io io;
	pdl_store_tree_io(&tc, &io);
	pdl_tlog_tile_root(hashes, PDL_TILE_WIDTH, got);
	int rc = io.get(io.ctx, (level + 1) * PDL_TILE_HEIGHT, index, want);
	if (rc != PDL_OK || memcmp(want, got, sizeof got) != 0)
		return pdl_status_set(st, rc == PDL_OK ? PDL_EMERKLE : PDL_ESTORE, NULL,
		                      "tile %u/%" PRIu64 " does not hash to the stored node above it (run pdl verify)", level,
		                      index);
	return PDL_OK;
}

/* Writes the checkpoint an entry refers to, once (OUT/pdl/checkpoint/<size>). */
static int
put_ref(struct wctx *w, MDB_txn *t, const struct pdl_store *s, uint64_t size)
{
	char rel[64], path[OUT_PATH_MAX + 64];
	struct stat sb;
	const char *note;
	size_t n;
	snprintf(rel, sizeof rel, "pdl/checkpoint/%" PRIu64, size);
	snprintf(path, sizeof path, "%s/%s", w->root, rel);
	if (stat(path, &sb) == 0)
		return PDL_OK;
	if (pdl_store_ckpt_get(t, s, size, &note, &n) != PDL_OK || n > PDL_NOTE_BYTES_MAX)
		return PDL_OK; /* the act's own rule held when it was accepted; nothing to add */
	return put_file(w, rel, note, n);
}

/* Level-0 tile `index` of width w and its entry bundle, each entry hashed
 * against its leaf (invariant 5). */
/* The public bundle's path for a tile/entries/ one: pdl/entries/... */
static void
public_path(const char *rel, char *out, size_t cap)
{
	snprintf(out, cap, "pdl/%s", rel + sizeof "tile/" - 1);
}

/* Appends entry e (n bytes) to the bundle at *bn: its bytes, or with
 * PDL_TILES_ENTRIES_PUBLIC and a private entry its leaf hash (invariant 7). */
static void
bundle_add(struct wctx *w, uint8_t *bundle, size_t *bn, const uint8_t *e, size_t n, const uint8_t *leaf)
{
	if (w->r->entries == PDL_TILES_ENTRIES_PUBLIC && !w->r->pub(e, n)) {
		e = leaf;
		n = PDL_HASH_BYTES;
		w->stats->withheld++;
	}
	bundle[(*bn)++] = (uint8_t)(n >> 8);
	bundle[(*bn)++] = (uint8_t)n;
	memcpy(bundle + *bn, e, n);
	*bn += n;
}

/* The bundle of level-0 tile `index`: with PDL_TILES_ENTRIES_PUBLIC at
 * pdl/entries/, and at tile/entries/ too when none of its entries was
 * withheld (withheld: the count before it). */
static int
put_bundle(struct wctx *w, uint64_t index, unsigned width, const uint8_t *bundle, size_t bn, uint64_t withheld)
{
	char rel[PDL_TLOG_PATH_MAX], prel[PDL_TLOG_PATH_MAX];
	int rc;
	pdl_tlog_path(PDL_TILE_LEVEL_ENTRIES, index, width, rel, sizeof rel);
	if (w->r->entries == PDL_TILES_ENTRIES_PUBLIC) {
		public_path(rel, prel, sizeof prel);
		if ((rc = put_file(w, prel, bundle, bn)) != PDL_OK)
			return rc;
		return w->stats->withheld != withheld ? PDL_OK : put_link(w, prel, rel, bundle, bn);
	}
	return put_file(w, rel, bundle, bn);
}

static int
put_level0(struct wctx *w, MDB_txn *t, struct pdl_store *s, uint64_t index, unsigned width, uint8_t *tile,
           uint8_t *bundle)
{
	pdl_tiles_ref_fn refs = w->r->refs;
	uint64_t withheld = w->stats->withheld;
	char rel[PDL_TLOG_PATH_MAX];
	MDB_cursor *c;
	uint8_t k[8];
	uint64_t first = index * PDL_TILE_WIDTH;
	size_t bn = 0;
	int rc = read_tile(t, s, 0, index, width, tile, w->st);
	if (rc != PDL_OK)
		return rc;
	pdl_be64(k, first);
	MDB_val key = {sizeof k, k}, val;
	if (mdb_cursor_open(t, s->log, &c) != 0)
		return pdl_status_set(w->st, PDL_ESTORE, NULL, "cannot read the log table");
	int m = mdb_cursor_get(c, &key, &val, MDB_SET_KEY);
	for (unsigned i = 0; i < width; i++) {
		uint64_t seq = first + i;
		uint8_t leaf[PDL_HASH_BYTES];
		if (m != 0 || key.mv_size != 8 || pdl_get_be64(key.mv_data) != seq) {
			mdb_cursor_close(c);
			return pdl_status_set(w->st, PDL_ESTORE, NULL, "no entry %" PRIu64 " in the log (run pdl verify)", seq);
		}
		if (val.mv_size > PDL_ENTRY_BYTES_MAX) {
			mdb_cursor_close(c);
			return pdl_status_set(w->st, PDL_EDECODE, NULL,
			                      "entry %" PRIu64 " is %zu bytes: over the 65,535 bytes a tile bundle holds", seq,
			                      val.mv_size);
		}
		pdl_merkle_leaf_hash(val.mv_data, val.mv_size, leaf);
		if (memcmp(leaf, tile + (size_t)i * PDL_HASH_BYTES, PDL_HASH_BYTES) != 0) {
			mdb_cursor_close(c);
			return pdl_status_set(w->st, PDL_EMERKLE, NULL,
			                      "entry %" PRIu64 " does not match its stored leaf hash (run pdl verify)", seq);
		}
		bundle_add(w, bundle, &bn, val.mv_data, val.mv_size, leaf);
		uint64_t ref;
		if (refs != NULL && refs(val.mv_data, val.mv_size, &ref) && (rc = put_ref(w, t, s, ref)) != PDL_OK) {
			mdb_cursor_close(c);
			return rc;
		}
		m = mdb_cursor_get(c, &key, &val, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (width == PDL_TILE_WIDTH && (rc = check_full_tile(t, s, 0, index, tile, w->st)) != PDL_OK)
		return rc;
	pdl_tlog_path(0, index, width, rel, sizeof rel);
	if ((rc = put_file(w, rel, tile, (size_t)width * PDL_HASH_BYTES)) != PDL_OK)
		return rc;
	if ((rc = put_bundle(w, index, width, bundle, bn, withheld)) != PDL_OK)
		return rc;
	w->stats->entries += width;
	if (w->prog != NULL)
		pdl_progress_update(w->prog, w->stats->entries);
	return PDL_OK;
}

static int
put_upper(struct wctx *w, MDB_txn *t, struct pdl_store *s, unsigned level, uint64_t index, unsigned width,
          uint8_t *tile)
{
	char rel[PDL_TLOG_PATH_MAX];
	int rc = read_tile(t, s, level, index, width, tile, w->st);
	if (rc != PDL_OK)
		return rc;
	if (width == PDL_TILE_WIDTH && (rc = check_full_tile(t, s, level, index, tile, w->st)) != PDL_OK)
		return rc;
	pdl_tlog_path((int)level, index, width, rel, sizeof rel);
	return put_file(w, rel, tile, (size_t)width * PDL_HASH_BYTES);
}

/* OUT/checkpoint as a previous run left it: *size 0 when there is none. It
 * must be this log's (same origin, same root at its size) and not ahead. */
static int
read_previous(struct wctx *w, MDB_txn *t, struct pdl_store *s, const struct pdl_ckpt *now, uint64_t *size,
              char *old, size_t *old_n)
{
	char path[OUT_PATH_MAX + 16];
	uint8_t *b = NULL;
	size_t n = 0;
	struct pdl_ckpt c;
	snprintf(path, sizeof path, "%s/checkpoint", w->root);
	*size = 0;
	*old_n = 0;
	int rc = pdl_file_read(path, PDL_NOTE_BYTES_MAX, &b, &n);
	if (rc == PDL_EIO && access(path, F_OK) != 0)
		return PDL_OK; /* a new OUT */
	if (rc != PDL_OK)
		return pdl_status_set(w->st, rc, NULL, "cannot read %s", path);
	rc = pdl_ckpt_parse((const char *)b, n, &c);
	if (rc != PDL_OK || strcmp(c.origin, now->origin) != 0) {
		free(b);
		return pdl_status_set(w->st, PDL_EINVAL, NULL,
		                      "%s is not a checkpoint of %s: OUT holds something else; use an empty directory", path,
		                      now->origin);
	}
	if (c.size > now->size) {
		free(b);
		return pdl_status_set(w->st, PDL_EINVAL, NULL,
		                      "%s is at size %" PRIu64 ", ahead of the checkpoint to publish (%" PRIu64 ")", path,
		                      c.size, now->size);
	}
	uint8_t root[PDL_HASH_BYTES];
	struct pdl_tree_ctx tc = {t, s};
	struct pdl_merkle_io io;
	pdl_store_tree_io(&tc, &io);
	if (c.size > 0 && (pdl_merkle_root(&io, c.size, root) != PDL_OK || memcmp(root, c.root, sizeof root) != 0)) {
		free(b);
		return pdl_status_set(w->st, PDL_EINVAL, NULL,
		                      "%s (size %" PRIu64 ") is not this ledger's tree at that size: OUT holds another log",
		                      path, c.size);
	}
	*size = c.size;
	memcpy(old, b, n);
	*old_n = n;
	free(b);
	return PDL_OK;
}

/* Writes OUT/checkpoint last, synced (invariant 3). */
static int
put_checkpoint(struct wctx *w, const char *note, size_t n)
{
	char path[OUT_PATH_MAX + 16];
	int fd = open(w->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pdl_status_set(w->st, PDL_EIO, NULL, "cannot open %s: %s", w->root, strerror(errno));
	/* every tile and bundle written above reaches the disk first */
	uint64_t t0 = pdl_mono_ns();
	int src = syncfs(fd);
	w->stats->sync_ns += pdl_mono_ns() - t0;
	if (src != 0) {
		int e = errno;
		close(fd);
		return pdl_status_set(w->st, PDL_EIO, NULL, "cannot sync %s: %s", w->root, strerror(e));
	}
	close(fd);
	snprintf(path, sizeof path, "%s/checkpoint", w->root);
	if (pdl_file_write(path, note, n, 0644) != PDL_OK)
		return pdl_status_set(w->st, PDL_EIO, NULL, "cannot write %s: %s", path, strerror(errno));
	if ((fd = open(w->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd); /* the rename itself */
		close(fd);
	}
	w->stats->files++;
	w->stats->bytes += n;
	return PDL_OK;
}

/* Removes the partial tiles of tile (level, index), now full (invariant 4). */
static void
drop_partials(struct wctx *w, int level, uint64_t index)
{
	char rel[PDL_TLOG_PATH_MAX], prel[PDL_TLOG_PATH_MAX], path[OUT_PATH_MAX + PDL_TLOG_PATH_MAX + 4];
	struct stat sb;
	pdl_tlog_path(level, index, 0, rel, sizeof rel);
	if (level == PDL_TILE_LEVEL_ENTRIES && w->r->entries == PDL_TILES_ENTRIES_PUBLIC) {
		public_path(rel, prel, sizeof prel);
		snprintf(path, sizeof path, "%s/%s.p", w->root, prel);
		if (lstat(path, &sb) == 0 && pdl_rmtree(path) == PDL_OK)
			w->stats->removed++;
	}
	snprintf(path, sizeof path, "%s/%s.p", w->root, rel);
	if (lstat(path, &sb) == 0 && pdl_rmtree(path) == PDL_OK)
		w->stats->removed++;
}

/* The checkpoint to publish, parsed, against the stored tree (its root). */
static int
check_note(MDB_txn *t, struct pdl_store *s, const char *note, size_t note_n, struct pdl_ckpt *now,
           struct pdl_status *st)
{
	struct pdl_head h;
	uint8_t root[PDL_HASH_BYTES];
	int rc;
	if (pdl_read_note_bound(note_n, st) != PDL_OK)
		return st->err;
	if (pdl_ckpt_parse(note, note_n, now) != PDL_OK || now->size == 0)
		return pdl_status_set(st, PDL_ENOTE, NULL, "the checkpoint to publish does not parse");
	if ((rc = pdl_read_head(t, s, &h, st)) != PDL_OK)
		return rc;
	if (now->size > h.size)
		return pdl_status_set(st, PDL_ENOTE, NULL, "the checkpoint (size %" PRIu64 ") is beyond the log (%" PRIu64 ")",
		                      now->size, h.size);
	struct pdl_tree_ctx tc = {t, s};
	struct pdl_merkle_io io;
	pdl_store_tree_io(&tc, &io);
	if (pdl_merkle_root(&io, now->size, root) != PDL_OK || memcmp(root, now->root, sizeof root) != 0)
		return pdl_status_set(st, PDL_EMERKLE, NULL,
		                      "the checkpoint's root is not the stored tree's at size %" PRIu64 " (run pdl verify)",
		                      now->size);
	return PDL_OK;
}

/* Makes OUT, resolves it into w->root and takes its lock: the descriptor
 * into *lockfd (the caller closes it). */
static int
open_out(struct wctx *w, const char *out, int *lockfd)
{
	struct pdl_status *st = w->st;
	char lp[OUT_PATH_MAX + 16];
	if (out[0] == '\0' || strlen(out) >= sizeof w->root - 256)
		return pdl_status_set(st, PDL_EINVAL, NULL, "the output directory name is empty or too long");
	if (mkdirs(w, out) != PDL_OK)
		return st->err;
	if (realpath(out, w->root) == NULL)
		return pdl_status_set(st, PDL_EIO, NULL, "cannot resolve %s: %s", out, strerror(errno));
	w->root_n = strlen(w->root);
	w->dir_made[0] = '\0';
	snprintf(lp, sizeof lp, "%s/%s", w->root, PDL_TILES_LOCK_FILE);
	*lockfd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*lockfd < 0)
		return pdl_status_set(st, PDL_EIO, NULL, "cannot open %s: %s", lp, strerror(errno));
	if (flock(*lockfd, LOCK_EX | LOCK_NB) != 0)
		return pdl_status_set(st, PDL_EBUSY, NULL,
		                      "another pdl tiles (or pdld --tiles) is writing %s; try again after it", w->root);
	return PDL_OK;
}

/* The partial tiles of tree size cs that are still partial at size and
 * not yet in OUT. */
static int
put_partials_at(struct wctx *w, MDB_txn *t, struct pdl_store *s, uint64_t cs, uint64_t size, uint8_t *tile,
                uint8_t *bundle)
{
	char rel[PDL_TLOG_PATH_MAX], path[OUT_PATH_MAX + PDL_TLOG_PATH_MAX + 4];
	struct stat sb;
	unsigned levels = pdl_tlog_levels(cs);
	for (unsigned l = 0; l < levels; l++) {
		uint64_t full, nfull;
		unsigned part, npart;
		pdl_tlog_level(cs, l, &full, &part);
		pdl_tlog_level(size, l, &nfull, &npart);
		if (part == 0 || full < nfull || part == npart)
			continue; /* none, full by now (the spec lets its partials go), or written for size */
		pdl_tlog_path((int)l, full, part, rel, sizeof rel);
		snprintf(path, sizeof path, "%s/%s", w->root, rel);
		if (lstat(path, &sb) == 0)
			continue; /* tiles never change */
		int rc = l == 0 ? put_level0(w, t, s, full, part, tile, bundle) : put_upper(w, t, s, l, full, part, tile);
		if (rc != PDL_OK)
			return rc;
	}
	return PDL_OK;
}

/* tlog-tiles: "Logs MUST serve partial tiles corresponding to tree sizes
 * for which a checkpoint was produced" until the full tile is there. A run
 * writes those of every checkpoint the ledger signed after old_size and
 * before size (size's own are put_levels'), not only of the one it
 * publishes; they are counted apart (stats->earlier), not in the
 * progress. */
static int
put_between(struct wctx *w, MDB_txn *t, struct pdl_store *s, uint64_t old_size, uint64_t size, uint8_t *tile,
            uint8_t *bundle)
{
	MDB_cursor *c;
	uint8_t k[8];
	int rc = PDL_OK;
	struct pdl_progress *prog = w->prog;
	if (mdb_cursor_open(t, s->ckpt, &c) != 0)
		return pdl_status_set(w->st, PDL_ESTORE, NULL, "cannot read the checkpoint table");
	w->prog = NULL;
	struct pdl_tiles_stats keep = *w->stats;
	pdl_be64(k, old_size + 1);
	MDB_val key = {sizeof k, k}, val;
	for (int m = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); m == 0 && rc == PDL_OK;
	     m = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		uint64_t cs = key.mv_size == 8 ? pdl_get_be64(key.mv_data) : UINT64_MAX;
		if (cs >= size)
			break;
		rc = put_partials_at(w, t, s, cs, size, tile, bundle);
	}
	w->prog = prog;
	keep.earlier = w->stats->files - keep.files;
	*w->stats = keep;
	mdb_cursor_close(c);
	return rc;
}

/* Every tile and bundle of size that old_size did not have (full, or a
 * partial of another width), lowest level first; then those of the
 * checkpoints between (put_between). */
static int
put_levels(struct wctx *w, MDB_txn *t, struct pdl_store *s, uint64_t old_size, uint64_t size)
{
	int rc = PDL_OK;
	uint8_t *tile = malloc(PDL_TILE_BYTES), *bundle = malloc(PDL_BUNDLE_BYTES_MAX);
	if (tile == NULL || bundle == NULL) {
		rc = pdl_status_set(w->st, PDL_ENOMEM, NULL, "out of memory");
		goto out;
	}
	unsigned levels = pdl_tlog_levels(size);
	for (unsigned l = 0; l < levels && rc == PDL_OK; l++) {
		uint64_t full, ofull;
		unsigned part, opart;
		pdl_tlog_level(size, l, &full, &part);
		pdl_tlog_level(old_size, l, &ofull, &opart);
		for (uint64_t n = ofull; n < full && rc == PDL_OK; n++)
			rc = l == 0 ? put_level0(w, t, s, n, PDL_TILE_WIDTH, tile, bundle)
			            : put_upper(w, t, s, l, n, PDL_TILE_WIDTH, tile);
		if (rc == PDL_OK && part != 0 && !(ofull == full && opart == part))
			rc = l == 0 ? put_level0(w, t, s, full, part, tile, bundle) : put_upper(w, t, s, l, full, part, tile);
	}
	if (rc == PDL_OK)
		rc = put_between(w, t, s, old_size, size, tile, bundle);
out:
	free(tile);
	free(bundle);
	return rc;
}

/* The partial tiles that are full at size (readers of an older checkpoint
 * fall back to the full tile, as the spec allows). */
static void
drop_filled(struct wctx *w, uint64_t old_size, uint64_t size)
{
	unsigned levels = pdl_tlog_levels(size);
	for (unsigned l = 0; l < levels; l++) {
		uint64_t full, ofull;
		unsigned part, opart;
		pdl_tlog_level(size, l, &full, &part);
		pdl_tlog_level(old_size, l, &ofull, &opart);
		for (uint64_t n = ofull; n < full; n++) {
			drop_partials(w, (int)l, n);
			if (l == 0)
				drop_partials(w, PDL_TILE_LEVEL_ENTRIES, n);
		}
	}
}

/* Invariant 7: OUT's bundles are of the kind asked for. */
static int
check_kind(struct wctx *w, uint64_t old_size)
{
	char tp[OUT_PATH_MAX + 16], pp[OUT_PATH_MAX + 16];
	struct stat sb;
	snprintf(tp, sizeof tp, "%s/tile/entries", w->root);
	snprintf(pp, sizeof pp, "%s/pdl/entries", w->root);
	int has_tile = lstat(tp, &sb) == 0, has_pdl = lstat(pp, &sb) == 0;
	if (w->r->entries == PDL_TILES_ENTRIES_ALL && has_pdl)
		return pdl_status_set(w->st, PDL_EINVAL, NULL,
		                      "%s was written with --entries public (its tile/entries/ lacks the bundles that hold "
		                      "private entries): write --entries all into an empty directory",
		                      w->root);
	if (w->r->entries == PDL_TILES_ENTRIES_PUBLIC && !has_pdl && (has_tile || old_size > 0))
		return pdl_status_set(w->st, PDL_EINVAL, NULL,
		                      "%s holds entry bundles with every entry's bytes, private ones too (written with "
		                      "--entries all, or by an earlier pdl): never publish them; write the public copy into an "
		                      "empty directory and withdraw that tile/entries/ wherever it was served, or keep "
		                      "--entries all for a copy only auditors reach",
		                      w->root);
	return PDL_OK;
}

int
pdl_tiles_export(MDB_txn *t, struct pdl_store *s, const char *out, const char *note, size_t note_n,
                 const struct pdl_tiles_rules *r, struct pdl_tiles_stats *stats, struct pdl_progress *prog,
                 struct pdl_status *st)
{
	static _Thread_local struct wctx w; /* paths: off the stack */
	static _Thread_local char old[PDL_NOTE_BYTES_MAX];
	struct pdl_ckpt now;
	size_t old_n = 0;
	uint64_t old_size = 0;
	int lockfd = -1, rc;
	memset(stats, 0, sizeof *stats);
	memset(&w, 0, sizeof w);
	w.stats = stats;
	w.r = r;
	w.prog = prog;
	w.st = st;
	if ((rc = check_note(t, s, note, note_n, &now, st)) != PDL_OK)
		goto out;
	if ((rc = open_out(&w, out, &lockfd)) != PDL_OK)
		goto out;
	if ((rc = read_previous(&w, t, s, &now, &old_size, old, &old_n)) != PDL_OK ||
	    (rc = check_kind(&w, old_size)) != PDL_OK)
		goto out;
	stats->from_size = old_size;
	stats->size = now.size;
	/* the entries of the bundles to write: from the tile old_size left
	 * partial up to now.size (none when the tree is the same) */
	if (prog != NULL)
		prog->total = old_size == now.size ? 0 : now.size - old_size / PDL_TILE_WIDTH * PDL_TILE_WIDTH;
	if (old_size == now.size) {
		/* the same tree: only a note that changed (new cosignatures) is rewritten */
		if (old_n != note_n || memcmp(old, note, note_n) != 0)
			rc = put_checkpoint(&w, note, note_n);
		goto out;
	}
	if ((rc = put_levels(&w, t, s, old_size, now.size)) != PDL_OK ||
	    (rc = put_checkpoint(&w, note, note_n)) != PDL_OK)
		goto out;
	drop_filled(&w, old_size, now.size);
out:
	if (lockfd >= 0)
		close(lockfd);
	if (prog != NULL)
		pdl_progress_end(prog, stats->entries, rc == PDL_OK);
	return rc;
}
