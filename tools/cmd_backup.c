/*
 * pdl backup — a hot, compacted copy of a ledger's LMDB file into a new
 * directory, safe while pdld runs.
 *
 * The copy is one read snapshot (LMDB's mdb_env_copy2 with MDB_CP_COMPACT:
 * free pages are left out), so it holds a prefix of the log with its tree,
 * state, nonces, checkpoints and blobs exactly as they were at one commit.
 * Nothing secret is copied: the ledger and authority keys stay where they
 * are (a restored ledger verifies without them; pdld needs ledger.key put
 * back by hand). The copy is as private as the ledger from its first byte:
 * OUT is made 0700 and OUT/data.mdb is created 0600 (O_EXCL) before LMDB
 * writes into it (mdb_env_copy2 would create it 0666 & ~umask).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"

#define WATCH_MS 100u /* how often the copy's size is looked at for the progress line */

/* LMDB's copy has no progress callback: a thread watches the copy grow. */
struct watch {
	int fd;
	struct pdl_progress *prog;
	atomic_int stop;
};

static void *
watch_copy(void *arg)
{
	struct watch *w = arg;
	struct timespec ts = {0, WATCH_MS * 1000000L};
	while (!atomic_load(&w->stop)) {
		struct stat sb;
		if (fstat(w->fd, &sb) == 0)
			pdl_progress_update(w->prog, (uint64_t)sb.st_size);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* The copy with LMDB's API (compacted), with the progress watched; adopts a
 * map grown by pdld meanwhile. Returns an LMDB or errno code. */
static int
copy_env(struct pdl_store *s, int fd, struct pdl_progress *prog)
{
	MDB_envinfo info;
	MDB_stat est;
	/* the used pages bound a compacted copy from above */
	if (mdb_env_info(s->env, &info) == 0 && mdb_env_stat(s->env, &est) == 0)
		prog->total = (uint64_t)(info.me_last_pgno + 1) * est.ms_psize;
	struct watch w = {fd, prog, 0};
	pthread_t th;
	int watching = prog->mode != PDL_PROGRESS_OFF && pthread_create(&th, NULL, watch_copy, &w) == 0;
	/* The copy takes its own read transaction; hold the resize lock as
	 * readers do. */
	pthread_rwlock_rdlock(&s->resize);
	int mrc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
	if (mrc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(s->env, 0);
		if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
			mrc = errno;
		else
			mrc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
	}
	pthread_rwlock_unlock(&s->resize);
	if (watching) {
		atomic_store(&w.stop, 1);
		pthread_join(th, NULL);
	}
	return mrc;
}

/* OUT must be new, or an empty directory: a backup never overwrites. */
static int
prepare_out(const char *out, struct pdl_status *st)
{
	struct stat sb;
	char path[4200];
	if (mkdir(out, 0700) == 0)
		return PDL_OK;
	if (errno != EEXIST)
		return pdl_status_set(st, PDL_EIO, NULL, "cannot create %s: %s", out, strerror(errno));
	if (stat(out, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return pdl_status_set(st, PDL_EIO, NULL, "%s exists and is not a directory", out);
	snprintf(path, sizeof path, "%s/data.mdb", out);
	if (stat(path, &sb) == 0)
		return pdl_status_set(st, PDL_EIO, NULL, "%s already holds a ledger; refusing to overwrite", out);
	return PDL_OK;
}

static const char backup_help[] =
	"usage: pdl backup --data DIR OUT [--progress[=SECONDS] | --quiet]\n\n"
	"Copies the ledger in DIR into the new directory OUT while pdld may run: one consistent\n"
	"snapshot, compacted (LMDB's copy API). No key is copied. OUT is made mode 0700 and its\n"
	"data.mdb is created 0600 before the first byte is copied. OUT is a data directory that\n"
	"`pdl verify --data OUT` checks; to serve it with pdld, put the ledger key back as\n"
	"OUT/ledger.key (mode 0600). Prints {\"out\":OUT,\"size\":log size,\"bytes\":file size}.\n"
	"  --progress[=SECONDS]  bytes copied on stderr every SECONDS (default 10), with rate and\n"
	"                        ETA; on a terminal a live line is shown without it\n"
	"  --quiet               no progress at all\n";

/* -1 to go on, or the exit code. */
static int
backup_opts(int argc, char **argv, const char **dir, int *quiet, int *lines, unsigned *interval_s)
{
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'},
	                                     {"progress", optional_argument, NULL, 'p'},
	                                     {"quiet", no_argument, NULL, 'q'}, {0}};
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'd')
			*dir = optarg;
		else if (ch == 'q')
			*quiet = 1;
		else if (ch == 'p') {
			*lines = 1;
			if (pdl_progress_interval(optarg, interval_s) != PDL_OK)
				return usage_error("backup", "--progress=SECONDS takes whole seconds, 0 to 86400");
		} else if (ch == 'h') {
			fputs(backup_help, stdout);
			return 0;
		} else
			return usage_error("backup", "unknown option");
	}
	if (*dir == NULL || optind + 1 != argc)
		return usage_error("backup", "give --data DIR and one OUT directory");
	if (*quiet && *lines)
		return usage_error("backup", "--quiet and --progress contradict each other");
	return -1;
}

int
cmd_backup(int argc, char **argv)
{
	const char *dir = NULL;
	int quiet = 0, lines = 0;
	unsigned interval_s = 0;
	int orc = backup_opts(argc, argv, &dir, &quiet, &lines, &interval_s);
	if (orc >= 0)
		return orc;
	const char *out = argv[optind];
	struct pdl_status st = {0};
	struct pdl_store s, c;
	int rc = pdl_store_open(&s, dir, PDL_STORE_RDONLY);
	if (rc != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot open the ledger in %s: %s", dir, pdl_errmsg(rc));
		return die_status("backup", &st);
	}
	if (prepare_out(out, &st) != PDL_OK) {
		pdl_store_close(&s);
		return die_status("backup", &st);
	}
	char path[4200];
	snprintf(path, sizeof path, "%s/data.mdb", out);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		pdl_status_set(&st, PDL_EIO, NULL, "cannot create %s: %s", path, strerror(errno));
		pdl_store_close(&s);
		return die_status("backup", &st);
	}
	struct pdl_progress prog;
	pdl_progress_start(&prog, pdl_progress_mode(quiet, lines), "backup", "bytes", 0, interval_s);
	int mrc = copy_env(&s, fd, &prog);
	pdl_store_close(&s);
	struct stat fsb;
	pdl_progress_end(&prog, fstat(fd, &fsb) == 0 ? (uint64_t)fsb.st_size : 0, mrc == 0);
	if (mrc == 0 && fsync(fd) != 0)
		mrc = errno;
	if (close(fd) != 0 && mrc == 0)
		mrc = errno;
	if (mrc != 0) {
		unlink(path); /* a torn copy must not pass for a ledger */
		pdl_status_set(&st, mrc == MDB_MAP_FULL ? PDL_EMAPFULL : PDL_EIO, NULL, "copy into %s failed: %s", out,
		               mdb_strerror(mrc));
		return die_status("backup", &st);
	}
	/* Read back what was copied: the size of the snapshot. Opening it
	 * writable once also makes its lock file, which read-only openers
	 * (pdl verify) need. */
	struct pdl_head h;
	MDB_txn *t;
	rc = pdl_store_open(&c, out, 0);
	if (rc == PDL_OK) {
		rc = pdl_store_rtxn(&c, &t);
		if (rc == PDL_OK) {
			rc = pdl_store_head(t, &c, &h);
			pdl_store_rdone(&c, t);
		}
		pdl_store_close(&c);
	}
	if (rc != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "the copy in %s does not open: %s", out, pdl_errmsg(rc));
		return die_status("backup", &st);
	}
	struct stat sb;
	json_t *o = json_object();
	json_object_set_new(o, "out", json_string(out));
	json_object_set_new(o, "size", json_integer((json_int_t)h.size));
	json_object_set_new(o, "bytes", json_integer(stat(path, &sb) == 0 ? (json_int_t)sb.st_size : 0));
	out_json(o);
	return 0;
}
