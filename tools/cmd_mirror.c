/* cmd_mirror.c — pdl mirror: a verifying copy of a ledger, following its
 * C2SP tlog-tiles (http(s)://) or its pdld (ipc://, tls+tcp://). The
 * checks and the store are audit/mirror.h; this file fetches, and tells a
 * forged entry or a bad tile from a fork. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mirror.h"
#include "readacl.h"
#include "tiles.h"
#include "tlogfetch.h"

#define MIRROR_INTERVAL_MS_DEFAULT 1000u /* between two looks at the source */
#define EXIT_FORK 3                      /* the ledger signed two incompatible checkpoints */

static const char mirror_help[] =
	"usage: pdl mirror --from URL --data DIR --vkey VKEY [--tiles OUT [--tiles-entries public|all]]\n"
	"                  [--once] [--interval-ms N]\n"
	"\n"
	"Keeps DIR a verifying copy of a ledger. URL is the ledger's C2SP tlog-tiles prefix\n"
	"(http://… or https://…, as `pdl tiles` / `pdld --tiles` and a web server publish it;\n"
	"https checks the server against --tls-ca FILE) or its pdld (ipc://…, tls+tcp://…; a\n"
	"network pdld gives private entries only to an auditor or the authority: --reader ID\n"
	"--reader-key FILE). VKEY is the ledger's verifier key, from its operator (out of band).\n"
	"\n"
	"Every entry is kept only after (1) the root of the mirror's tree with it equals the\n"
	"root of a checkpoint signed by VKEY, and (2) the rules re-decide its act, at its own\n"
	"time, into exactly the same entry: chain link, act signature with the key its actor\n"
	"held, outcome. A forged or altered entry, a bad or truncated tile, or an entry the\n"
	"rules refuse stops the mirror (exit 1) naming it; nothing of that round is kept. Two\n"
	"signed checkpoints that cannot both be true (the same size with different roots, or a\n"
	"later one whose tree does not extend the mirror's) stop it with exit 3, both notes\n"
	"saved as evidence in DIR/evidence/.\n"
	"\n"
	"DIR is a pdl data directory without the ledger's key: pdl verify, get, proof and\n"
	"export read it; `pdld --data DIR --read-only` serves it to pdl-project.\n"
	"  --tiles OUT       also write the mirror's copy as tiles into OUT after each round\n"
	"  --tiles-entries public|all  which entries' bytes OUT holds: public (the default; for\n"
	"                    anyone) or all (for auditors), as pdl tiles --entries (pdl tiles --help)\n"
	"  --once            one round, then exit (0: current with the source)\n"
	"  --interval-ms N   wait between rounds (default 1000)\n"
	"Prints one JSON line per round that kept something: {\"size\",\"entries\",\"checkpoint\",\"seconds\"}.\n";

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct source {
	int tiles; /* http(s) */
	const char *url;
	struct pdl_tlogfetch f;
	struct src sp; /* a pdld source: its client is sp.cl */
};

/* A list of fetched entries. */
struct ents {
	uint8_t **b;
	size_t *n;
	size_t k, cap;
};

static void
ents_free(struct ents *e)
{
	for (size_t i = 0; i < e->k; i++)
		free(e->b[i]);
	free(e->b);
	free(e->n);
	memset(e, 0, sizeof *e);
}

static int
ents_push(struct ents *e, const uint8_t *b, size_t n)
{
	if (e->k == e->cap) {
		size_t c = e->cap ? e->cap * 2 : 1024;
		uint8_t **nb = realloc(e->b, c * sizeof *nb);
		if (nb == NULL)
			return PDL_ENOMEM;
		e->b = nb;
		size_t *nn = realloc(e->n, c * sizeof *nn);
		if (nn == NULL)
			return PDL_ENOMEM;
		e->n = nn;
		e->cap = c;
	}
	if ((e->b[e->k] = malloc(n ? n : 1)) == NULL)
		return PDL_ENOMEM;
	memcpy(e->b[e->k], b, n);
	e->n[e->k++] = n;
	return PDL_OK;
}

/* GET of a tile or bundle: the partial one, or the full one once the log
 * has dropped the partial (tlog-tiles allows it). *w_got: its width. */
static int
get_tile(struct source *s, int level, uint64_t index, unsigned w, size_t max, uint8_t **b, size_t *n, unsigned *w_got,
         struct pdl_status *st)
{
	char path[PDL_TLOG_PATH_MAX];
	int status, rc;
	pdl_tlog_path(level, index, w, path, sizeof path);
	if ((rc = pdl_tlogfetch_get(&s->f, path, max, b, n, &status, st)) != PDL_OK)
		return rc;
	*w_got = w;
	if (status == 404 && w < PDL_TILE_WIDTH) {
		pdl_tlog_path(level, index, PDL_TILE_WIDTH, path, sizeof path);
		if ((rc = pdl_tlogfetch_get(&s->f, path, max, b, n, &status, st)) != PDL_OK)
			return rc;
		*w_got = PDL_TILE_WIDTH;
	}
	if (status != 200)
		return pdl_status_set(st, PDL_ENOTFOUND, NULL, "GET %s: HTTP %d", path, status);
	return PDL_OK;
}

static int
src_note(struct source *s, int has_size, uint64_t size, char *note, size_t cap, size_t *n, struct pdl_status *st)
{
	uint8_t *b = NULL;
	size_t bn = 0;
	int rc;
	if (s->tiles) {
		char path[64];
		int status;
		if (has_size)
			snprintf(path, sizeof path, "pdl/checkpoint/%" PRIu64, size);
		else
			snprintf(path, sizeof path, "checkpoint");
		if ((rc = pdl_tlogfetch_get(&s->f, path, PDL_NOTE_BYTES_MAX, &b, &bn, &status, st)) != PDL_OK)
			return rc;
		if (status != 200)
			return pdl_status_set(st, PDL_ENOTFOUND, NULL, "GET %s: HTTP %d", path, status);
	} else {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		uint8_t *rep;
		size_t rn;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, has_size ? 2 : 1);
		mp_pack_cstr(&pk, "op");
		mp_pack_cstr(&pk, "checkpoint");
		if (has_size) {
			mp_pack_cstr(&pk, "size");
			msgpack_pack_uint64(&pk, size);
		}
		rc = src_call(&s->sp, &sb, &rep, &rn, st);
		msgpack_sbuffer_destroy(&sb);
		if (rc != PDL_OK)
			return rc;
		struct mp_cur c = mp_cur_make(rep, rn), v;
		const char *ns;
		size_t nn;
		if (mp_map_find(c, "note", &v) != PDL_OK || mp_read_str(&v, &ns, &nn) != PDL_OK || nn > PDL_NOTE_BYTES_MAX) {
			free(rep);
			return pdl_status_set(st, PDL_EPROTO, NULL, "malformed checkpoint reply");
		}
		b = malloc(nn ? nn : 1);
		if (b != NULL)
			memcpy(b, ns, nn);
		bn = nn;
		free(rep);
		if (b == NULL)
			return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	}
	if (bn >= cap) {
		free(b);
		return pdl_status_set(st, PDL_ENOTE, NULL, "the checkpoint is over %zu bytes", cap);
	}
	memcpy(note, b, bn);
	note[bn] = '\0';
	*n = bn;
	free(b);
	return PDL_OK;
}

static int
note_at(void *arg, uint64_t size, char *note, size_t cap, size_t *n, struct pdl_status *st)
{
	return src_note(arg, 1, size, note, cap, n, st);
}

/* A bundle the source does not serve: most likely a public copy. */
static int
no_bundle(uint64_t first, struct pdl_status *st)
{
	char was[PDL_MSG_LEN_MAX];
	snprintf(was, sizeof was, "%s", st->msg);
	return pdl_status_set(st, PDL_ENOTFOUND, NULL,
	                      "%s: the source serves no bundle of the entries from %" PRIu64 " on. A public copy (pdl "
	                      "tiles, --entries public) withholds every bundle that holds a private entry, and a mirror "
	                      "needs them all: mirror a copy written with --entries all (for auditors), or the ledger's "
	                      "pdld with an auditor's --reader",
	                      was, first);
}

/* Entries [from, to) from the source's entry bundles. */
static int
tiles_entries(struct source *s, uint64_t from, uint64_t to, struct ents *out, struct pdl_status *st)
{
	int rc = PDL_OK;
	{
		for (uint64_t b = from / PDL_TILE_WIDTH; b * PDL_TILE_WIDTH < to && rc == PDL_OK; b++) {
			uint64_t first = b * PDL_TILE_WIDTH;
			unsigned w = to - first >= PDL_TILE_WIDTH ? PDL_TILE_WIDTH : (unsigned)(to - first), got;
			uint8_t *body;
			size_t bn, off = 0;
			char path[PDL_TLOG_PATH_MAX];
			if ((rc = get_tile(s, PDL_TILE_LEVEL_ENTRIES, b, w, PDL_BUNDLE_BYTES_MAX, &body, &bn, &got, st)) != PDL_OK)
				return rc == PDL_ENOTFOUND ? no_bundle(first, st) : rc;
			pdl_tlog_path(PDL_TILE_LEVEL_ENTRIES, b, got, path, sizeof path);
			for (unsigned i = 0; i < got; i++) {
				const uint8_t *e;
				size_t en;
				int br = pdl_tlog_bundle_next(body, bn, &off, &e, &en);
				if (br != PDL_OK) {
					free(body);
					return pdl_status_set(st, PDL_EDECODE, NULL,
					                      "%s is truncated: it ends inside or before entry %" PRIu64
					                      " (%u of %u entries, %zu bytes)",
					                      path, first + i, i, got, bn);
				}
				if (first + i >= from && first + i < to && (rc = ents_push(out, e, en)) != PDL_OK)
					break;
			}
			if (rc == PDL_OK && off != bn)
				rc = pdl_status_set(st, PDL_EDECODE, NULL, "%s has %zu bytes after its %u entries", path, bn - off, got);
			free(body);
		}
		return rc;
	}
}

/* Entries [from, to) from the source's pdld (range reads). */
static int
pdld_entries(struct source *s, uint64_t from, uint64_t to, struct ents *out, struct pdl_status *st)
{
	int rc = PDL_OK;
	while (from < to) {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		uint8_t *rep;
		size_t rn;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 3);
		mp_pack_cstr(&pk, "op");
		mp_pack_cstr(&pk, "range");
		mp_pack_cstr(&pk, "from");
		msgpack_pack_uint64(&pk, from);
		mp_pack_cstr(&pk, "count");
		msgpack_pack_uint64(&pk, to - from < PDL_RANGE_MAX ? to - from : PDL_RANGE_MAX);
		rc = src_call(&s->sp, &sb, &rep, &rn, st);
		msgpack_sbuffer_destroy(&sb);
		if (rc != PDL_OK)
			return rc;
		struct mp_cur c = mp_cur_make(rep, rn), ev;
		uint32_t k = 0;
		if (mp_map_find(c, "entries", &ev) != PDL_OK || mp_read_array(&ev, &k) != PDL_OK || k == 0) {
			free(rep);
			return pdl_status_set(st, PDL_EPROTO, NULL, "pdld gave no entry from %" PRIu64, from);
		}
		for (uint32_t i = 0; i < k && from < to && rc == PDL_OK; i++, from++) {
			const uint8_t *e;
			size_t en;
			if (mp_peek(&ev) == MP_MAP)
				rc = pdl_status_set(st, PDL_EPRIVATE, NULL,
				                    "pdld withheld private entry %" PRIu64 ": a mirror needs a reader that may read "
				                    "every entry (an auditor or the authority: --reader ID --reader-key FILE)",
				                    from);
			else if (mp_read_bin(&ev, &e, &en) != PDL_OK)
				rc = pdl_status_set(st, PDL_EPROTO, NULL, "malformed range reply");
			else
				rc = ents_push(out, e, en);
		}
		free(rep);
		if (rc != PDL_OK)
			return rc;
	}
	return PDL_OK;
}

/* Entries [from, to) from the source. */
static int
src_entries(struct source *s, uint64_t from, uint64_t to, struct ents *out, struct pdl_status *st)
{
	return s->tiles ? tiles_entries(s, from, to, out, st) : pdld_entries(s, from, to, out, st);
}

/* Saves both notes as evidence; returns the directory in dir_out. */
static void
save_evidence(const char *data, const char *a, size_t an, const char *b, size_t bn, const char *why, char *dir_out,
              size_t cap)
{
	char path[4400];
	struct pdl_ckpt ca, cb;
	memset(&ca, 0, sizeof ca);
	memset(&cb, 0, sizeof cb);
	(void)pdl_ckpt_parse(a, an, &ca);
	(void)pdl_ckpt_parse(b, bn, &cb);
	snprintf(path, sizeof path, "%s/evidence", data);
	mkdir(path, 0700);
	snprintf(dir_out, cap, "%s/evidence/fork-%" PRIu64 "-%" PRIu64 "-%lld", data, ca.size, cb.size,
	         (long long)time(NULL));
	mkdir(dir_out, 0700);
	snprintf(path, sizeof path, "%s/checkpoint-%" PRIu64 "-kept", dir_out, ca.size);
	(void)pdl_file_write(path, a, an, 0644);
	snprintf(path, sizeof path, "%s/checkpoint-%" PRIu64 "-new", dir_out, cb.size);
	(void)pdl_file_write(path, b, bn, 0644);
	snprintf(path, sizeof path, "%s/WHY", dir_out);
	(void)pdl_file_write(path, why, strlen(why), 0644);
}

static int
fork_stop(const char *data, const char *url, const char *kept, size_t kn, const char *got, size_t gn, const char *why)
{
	char dir[4300], msg[1200];
	snprintf(msg, sizeof msg,
	         "The ledger signed two checkpoints that cannot both be true.\n%s\n"
	         "checkpoint-*-kept is the newest one the mirror had verified; checkpoint-*-new came from %s.\n"
	         "Both carry the ledger's signature: check them with its verifier key.\n",
	         why, url);
	save_evidence(data, kept, kn, got, gn, msg, dir, sizeof dir);
	fprintf(stderr, "pdl mirror: FORK: %s; both signed notes are saved in %s; the mirror stops\n", why, dir);
	return EXIT_FORK;
}

/* The leaf hashes of level-0 tiles [from, to), for telling a forged entry
 * from a fork. */
static int
tile_leaves(struct source *s, uint64_t from, uint64_t to, pdl_hash *out, struct pdl_status *st)
{
	for (uint64_t t = from / PDL_TILE_WIDTH; t * PDL_TILE_WIDTH < to; t++) {
		uint64_t first = t * PDL_TILE_WIDTH;
		unsigned w = to - first >= PDL_TILE_WIDTH ? PDL_TILE_WIDTH : (unsigned)(to - first), got;
		uint8_t *b;
		size_t n;
		int rc = get_tile(s, 0, t, w, PDL_TILE_BYTES, &b, &n, &got, st);
		if (rc != PDL_OK)
			return rc;
		if (n != (size_t)got * PDL_HASH_BYTES) {
			char path[PDL_TLOG_PATH_MAX];
			pdl_tlog_path(0, t, got, path, sizeof path);
			free(b);
			return pdl_status_set(st, PDL_EDECODE, NULL, "%s is %zu bytes, a tile of width %u is %u", path, n, got,
			                      got * PDL_HASH_BYTES);
		}
		for (unsigned i = 0; i < got; i++)
			if (first + i >= from && first + i < to)
				memcpy(out[first + i - from], b + (size_t)i * PDL_HASH_BYTES, PDL_HASH_BYTES);
		free(b);
	}
	return PDL_OK;
}

/* From tiles: the first entry of e (from head) that does not hash to its
 * leaf in the tiles, when the tiles make the checkpoint's root: a forged
 * entry, named in st. 1 if found, else 0. */
static int
tiles_forged(struct pdl_mirror *m, struct source *s, const struct ents *e, uint64_t head, const struct pdl_ckpt *c,
             struct pdl_status *st)
{
	pdl_hash *tl = malloc((e->k ? e->k : 1) * sizeof *tl);
	struct pdl_status ts = {0};
	uint64_t bad = UINT64_MAX;
	uint8_t troot[PDL_HASH_BYTES];
	int found = 0;
	if (tl == NULL || tile_leaves(s, head, c->size, tl, &ts) != PDL_OK) {
		free(tl);
		return 0;
	}
	for (size_t i = 0; i < e->k && bad == UINT64_MAX; i++) {
		uint8_t leaf[PDL_HASH_BYTES];
		pdl_merkle_leaf_hash(e->b[i], e->n[i], leaf);
		if (memcmp(leaf, tl[i], PDL_HASH_BYTES) != 0)
			bad = head + i;
	}
	if (bad != UINT64_MAX && pdl_mirror_root_with(m, tl, e->k, troot, &ts) == PDL_OK &&
	    memcmp(troot, c->root, PDL_HASH_BYTES) == 0) {
		char bp[PDL_TLOG_PATH_MAX];
		uint64_t bfirst = bad / PDL_TILE_WIDTH * PDL_TILE_WIDTH;
		pdl_tlog_path(PDL_TILE_LEVEL_ENTRIES, bad / PDL_TILE_WIDTH,
		              c->size - bfirst >= PDL_TILE_WIDTH ? PDL_TILE_WIDTH : (unsigned)(c->size - bfirst), bp, sizeof bp);
		pdl_status_set(st, PDL_EMERKLE, NULL,
		               "entry %" PRIu64 " served in %s does not match its leaf in the tree the checkpoint at "
		               "size %" PRIu64 " signs: a forged or altered entry; nothing of this round is kept",
		               bad, bp, c->size);
		found = 1;
	}
	free(tl);
	return found;
}

/* From a pdld: 1 when its own consistency proof from the mirror's head to
 * the checkpoint holds (so its entries, not its history, are wrong). */
static int
pdld_consistent(struct pdl_mirror *m, struct source *s, uint64_t head, const struct pdl_ckpt *c)
{
	uint8_t oroot[PDL_HASH_BYTES];
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	uint32_t np = 0;
	int consistent = 0;
	struct pdl_status ts = {0};
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t *rep = NULL;
	size_t rn;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_pack_cstr(&pk, "op");
	mp_pack_cstr(&pk, "consistency");
	mp_pack_cstr(&pk, "old");
	msgpack_pack_uint64(&pk, head);
	mp_pack_cstr(&pk, "new");
	msgpack_pack_uint64(&pk, c->size);
	if (head > 0 && pdl_mirror_root(m, head, oroot, &ts) == PDL_OK && src_call(&s->sp, &sb, &rep, &rn, &ts) == PDL_OK) {
		struct mp_cur cc = mp_cur_make(rep, rn), pv;
		if (mp_map_find(cc, "proof", &pv) == PDL_OK && mp_read_array(&pv, &np) == PDL_OK && np <= PDL_MERKLE_PROOF_MAX) {
			int ok = 1;
			for (uint32_t i = 0; i < np && ok; i++) {
				const uint8_t *h;
				size_t hn;
				ok = mp_read_bin(&pv, &h, &hn) == PDL_OK && hn == PDL_HASH_BYTES;
				if (ok)
					memcpy(proof[i], h, PDL_HASH_BYTES);
			}
			consistent = ok && pdl_merkle_verify_consistency(head, c->size, oroot, c->root, proof, np) == PDL_OK;
		}
	}
	free(rep);
	msgpack_sbuffer_destroy(&sb);
	return consistent;
}

/* The entries served do not make the checkpoint's root: a forged entry,
 * bad tiles, or a fork? Returns round_once's value. */
static int
diagnose(struct pdl_mirror *m, struct source *s, const char *data, const struct ents *e, uint64_t head,
         const struct pdl_ckpt *c, const char *kept, size_t kn, const char *note, size_t nn, struct pdl_status *st)
{
	if (s->tiles && tiles_forged(m, s, e, head, c, st))
		return 1;
	if (!s->tiles && (head == 0 || pdld_consistent(m, s, head, c))) {
		pdl_status_set(st, PDL_EMERKLE, NULL,
		               "the entries pdld served for [%" PRIu64 ", %" PRIu64 ") do not make the root it signed "
		               "at size %" PRIu64 "; nothing of this round is kept",
		               head, c->size, c->size);
		return 1;
	}
	if (head == 0 || kn == 0) {
		pdl_status_set(st, PDL_EMERKLE, NULL,
		               "the entries and tiles served do not make the root of the checkpoint at size %" PRIu64
		               "; nothing is kept",
		               c->size);
		return 1;
	}
	char why[400];
	snprintf(why, sizeof why,
	         "its checkpoint at size %" PRIu64 " does not extend the mirror's verified tree of %" PRIu64
	         " entries (the log serves no consistent history between them)",
	         c->size, head);
	return fork_stop(data, s->url, kept, kn, note, nn, why);
}

/* --tiles OUT: the mirror's own tiles, up to its newest checkpoint. */
struct mirror_tiles {
	const char *out; /* NULL: none */
	struct pdl_tiles_rules r;
};

static int
republish(struct pdl_mirror *m, const struct mirror_tiles *tiles_out, struct pdl_status *st)
{
	MDB_txn *t;
	const char *tn;
	size_t tnn;
	uint64_t ts;
	struct pdl_tiles_stats tst;
	if (tiles_out->out == NULL)
		return 0;
	if (pdl_store_rtxn(&m->store, &t) != PDL_OK) {
		pdl_status_set(st, PDL_ESTORE, NULL, "cannot read the mirror's store");
		return 1;
	}
	int trc = pdl_tiles_checkpoint(t, &m->store, &ts, &tn, &tnn, st);
	if (trc == PDL_OK)
		trc = pdl_tiles_export(t, &m->store, tiles_out->out, tn, tnn, &tiles_out->r, &tst, NULL, st);
	pdl_store_rdone(&m->store, t);
	return trc != PDL_OK;
}

/* A checkpoint of a size the mirror holds: the same root (kept), or a fork. */
static int
known_size(struct pdl_mirror *m, struct source *s, const char *data, const struct pdl_ckpt *c, uint64_t head,
           const char *kept, size_t kn, const char *note, size_t nn, struct pdl_status *st)
{
	uint8_t root[PDL_HASH_BYTES];
	if (pdl_mirror_root(m, c->size, root, st) != PDL_OK)
		return 1;
	if (memcmp(root, c->root, PDL_HASH_BYTES) != 0) {
		char why[300];
		snprintf(why, sizeof why, "its checkpoint at size %" PRIu64 " has another root than the mirror's verified tree "
		         "at that size (the mirror holds %" PRIu64 " entries)", c->size, head);
		return fork_stop(data, s->url, kept, kn, note, nn, why);
	}
	return pdl_mirror_keep_note(m, note, nn, st) != PDL_OK;
}

/* One look at the source. Returns 0 (current), 1 (stop: verification
 * failed), EXIT_FORK, or -1 (the source could not be read: try again). */
static int
round_once(struct pdl_mirror *m, struct source *s, const char *data, const struct mirror_tiles *tiles_out,
           struct pdl_status *st)
{
	static char note[PDL_NOTE_BYTES_MAX + 1], kept[PDL_NOTE_BYTES_MAX + 1];
	size_t nn, kn;
	uint64_t head, t0 = pdl_mono_ns();
	struct pdl_ckpt c;
	struct ents e = {0};
	int ret;
	if (src_note(s, 0, 0, note, sizeof note, &nn, st) != PDL_OK)
		return -1;
	if (pdl_mirror_note(m, note, nn, &c, st) != PDL_OK)
		return 1;
	if (pdl_mirror_head(m, &head, kept, sizeof kept, &kn, st) != PDL_OK)
		return 1;
	if (c.size <= head) {
		ret = known_size(m, s, data, &c, head, kept, kn, note, nn, st);
		return ret != 0 ? ret : republish(m, tiles_out, st);
	}
	if (src_entries(s, head, c.size, &e, st) != PDL_OK) {
		ret = st->err == PDL_ECLOSED ? -1 : 1;
		goto out;
	}
	struct pdl_mirror_result r;
	int rc = pdl_mirror_append(m, (const uint8_t *const *)e.b, e.n, e.k, note, nn, note_at, s, &r, st);
	if (rc != PDL_OK) {
		ret = r.root_mismatch ? diagnose(m, s, data, &e, head, &c, kept, kn, note, nn, st) : 1;
		goto out;
	}
	out_json(json_pack("{s:I,s:I,s:I,s:f}", "size", (json_int_t)c.size, "entries", (json_int_t)e.k, "checkpoint",
	                   (json_int_t)c.size, "seconds", (double)(pdl_mono_ns() - t0) / 1e9));
	fflush(stdout);
	ret = republish(m, tiles_out, st);
out:
	ents_free(&e);
	return ret;
}

/* Rounds until a signal, a failure or a fork (--once: one round); the
 * command's exit status. */
static int
follow(struct pdl_mirror *m, struct source *s, const char *data, const struct mirror_tiles *tiles_out, int once,
       uint64_t interval)
{
	struct pdl_status st;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	int last_unreachable = 0;
	while (!stop_flag) {
		memset(&st, 0, sizeof st);
		int r = round_once(m, s, data, tiles_out, &st);
		if (r == 1 || (r < 0 && once)) {
			die_status("mirror", &st);
			return 1;
		}
		if (r == EXIT_FORK)
			return EXIT_FORK;
		if (r < 0 && !last_unreachable)
			fprintf(stderr, "pdl mirror: %s (%s); retrying\n", st.msg, pdl_strerror(st.err));
		last_unreachable = r < 0;
		if (once)
			break;
		for (uint64_t w = 0; w < interval && !stop_flag; w += 10)
			usleep(10 * 1000);
	}
	return 0;
}

int
cmd_mirror(int argc, char **argv)
{
	static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
	                                     {"data", required_argument, NULL, 'd'},
	                                     {"vkey", required_argument, NULL, 'k'},
	                                     {"tiles", required_argument, NULL, 't'},
	                                     {"tiles-entries", required_argument, NULL, 'e'},
	                                     {"once", no_argument, NULL, 'o'},
	                                     {"interval-ms", required_argument, NULL, 'i'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {0}};
	const char *from = NULL, *data = NULL, *vkey = NULL;
	struct mirror_tiles tiles = {NULL, {pdl_entry_ckpt_ref, pdl_readacl_public, PDL_TILES_ENTRIES_PUBLIC}};
	uint64_t interval = MIRROR_INTERVAL_MS_DEFAULT;
	int ch, once = 0, tiles_entries_set = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': from = optarg; break;
		case 'd': data = optarg; break;
		case 'k': vkey = optarg; break;
		case 't': tiles.out = optarg; break;
		case 'e':
			if (pdl_tiles_entries_parse(optarg, &tiles.r.entries) != PDL_OK)
				return usage_error("mirror", "--tiles-entries takes public or all");
			tiles_entries_set = 1;
			break;
		case 'o': once = 1; break;
		case 'i':
			if (pdl_u64_parse(optarg, &interval) != PDL_OK || interval < 10 || interval > 3600000)
				return usage_error("mirror", "--interval-ms is 10..3600000");
			break;
		case 'h': fputs(mirror_help, stdout); return 0;
		default: return usage_error("mirror", "unknown option");
		}
	}
	if (from == NULL || data == NULL || vkey == NULL || optind != argc)
		return usage_error("mirror", "--from URL, --data DIR and --vkey VKEY are required");
	if (tiles_entries_set && tiles.out == NULL)
		return usage_error("mirror", "--tiles-entries goes with --tiles OUT");
	struct pdl_status st = {0};
	struct pdl_mirror m;
	struct source s;
	memset(&s, 0, sizeof s);
	s.url = from;
	s.tiles = strncmp(from, "http://", 7) == 0 || strncmp(from, "https://", 8) == 0;
	int rc = s.tiles ? pdl_tlogfetch_open(&s.f, from, &st) : pdl_client_open(&s.sp.cl, from, &st);
	if (rc != PDL_OK)
		return die_status("mirror", &st);
	if (pdl_mirror_open(&m, data, vkey, &st) != PDL_OK) {
		if (s.tiles)
			pdl_tlogfetch_close(&s.f);
		else
			pdl_client_close(&s.sp.cl);
		return die_status("mirror", &st);
	}
	int ret = follow(&m, &s, data, &tiles, once, interval);
	pdl_mirror_close(&m);
	if (s.tiles)
		pdl_tlogfetch_close(&s.f);
	else
		pdl_client_close(&s.sp.cl);
	return ret;
}
