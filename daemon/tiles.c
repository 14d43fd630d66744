/* tiles.c — pdld --tiles OUT: a thread that keeps OUT current (store/tiles.h).
 *
 * The writer kicks it after each commit that made a checkpoint; it then
 * exports, from a read transaction of its own, up to the checkpoint pdld
 * publishes (pdl_tiles_checkpoint). It never holds up the writer: the kick
 * is a counter under a mutex, and several kicks while an export runs make
 * one more export. A failure (a full disk, another writer of OUT) is
 * logged once per distinct message and retried on the next kick or within
 * TILES_RETRY_MS; entries are never lost, since each export starts from
 * OUT/checkpoint. At shutdown it exports once more, after the writer's last
 * checkpoint.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pdld.h"
#include "tiles.h"

#define TILES_RETRY_MS 1000u /* an idle ledger's OUT is still retried this often after a failure */

void
pdld_tiles_kick(void)
{
	if (D.tiles_out == NULL)
		return;
	pthread_mutex_lock(&D.tiles_mu);
	D.tiles_gen++;
	pthread_cond_signal(&D.tiles_cv);
	pthread_mutex_unlock(&D.tiles_mu);
}

static void
export_once(char *last_err, size_t cap)
{
	MDB_txn *t;
	struct pdl_status st = {0};
	struct pdl_tiles_stats ts;
	uint64_t size, t0 = pdl_mono_ns();
	const char *note;
	size_t n;
	int rc = pdl_store_rtxn(&D.store, &t);
	if (rc != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot read the ledger");
	} else {
		rc = pdl_tiles_checkpoint(t, &D.store, &size, &note, &n, &st);
		if (rc == PDL_OK)
			rc = pdl_tiles_export(t, &D.store, D.tiles_out, note, n, &D.tiles_rules, &ts, NULL, &st);
		pdl_store_rdone(&D.store, t);
	}
	if (rc != PDL_OK) {
		D.tiles_failed = 1;
		if (strcmp(last_err, st.msg) != 0) {
			pdl_log(PDL_LOG_WARNING, "tiles_failed", PDL_LOG_FIELDS(PDL_LF_STR("out", D.tiles_out),
			        PDL_LF_STR("error", pdl_strerror(rc))), "tiles: %s; retrying", st.msg);
			snprintf(last_err, cap, "%s", st.msg);
		}
		return;
	}
	if (D.tiles_failed)
		pdl_log(PDL_LOG_INFO, "tiles_recovered", PDL_LOG_FIELDS(PDL_LF_STR("out", D.tiles_out), PDL_LF_U64("size", ts.size)),
		        "tiles: %s is current again (size %llu)", D.tiles_out, (unsigned long long)ts.size);
	D.tiles_failed = 0;
	last_err[0] = '\0';
	atomic_store(&D.tiles_size, ts.size);
	if (D.verbose && ts.files > 0)
		pdl_log(PDL_LOG_INFO, "tiles_written",
		        PDL_LOG_FIELDS(PDL_LF_STR("out", D.tiles_out), PDL_LF_U64("size", ts.size), PDL_LF_U64("files", ts.files),
		                       PDL_LF_U64("entries", ts.entries)),
		        "tiles: %s at size %llu: %llu files, %llu entries in %.1f ms", D.tiles_out, (unsigned long long)ts.size,
		        (unsigned long long)ts.files, (unsigned long long)ts.entries, (double)(pdl_mono_ns() - t0) / 1e6);
}

void *
pdld_tiles_main(void *arg)
{
	char last_err[PDL_MSG_LEN_MAX] = "";
	uint64_t done = 0;
	(void)arg;
	export_once(last_err, sizeof last_err); /* OUT as of the start */
	for (;;) {
		pthread_mutex_lock(&D.tiles_mu);
		while (D.tiles_gen == done && !D.tiles_stop) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += TILES_RETRY_MS / 1000;
			if (pthread_cond_timedwait(&D.tiles_cv, &D.tiles_mu, &ts) == ETIMEDOUT && D.tiles_failed)
				break;
		}
		int stop = D.tiles_stop;
		done = D.tiles_gen;
		pthread_mutex_unlock(&D.tiles_mu);
		export_once(last_err, sizeof last_err);
		if (stop)
			break;
	}
	return NULL;
}
