/* metrics.c — what pdld counts and shows at --metrics ADDR (GET /metrics,
 * the Prometheus text format; prom.h, promhttp.h). The threads that do the
 * work update relaxed atomics and never wait for a scrape; a scrape reads
 * them, the head under head_mu and the queue lengths under their mutexes,
 * each for an instant. spec/formats.md §18 lists every metric. */
#include <stdio.h>
#include <string.h>

#include "pdld.h"
#include "version.h"

/* commit (begin of the writer's transaction to durable commit), in µs */
static const uint64_t commit_us_bounds[] = {100, 250, 500, 1000, 2500, 5000, 10000, 25000,
                                            50000, 100000, 250000, 500000, 1000000, 2500000, 10000000};
/* acts per writer transaction, up to BATCH_ACTS_MAX */
static const uint64_t batch_acts_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384};

void
pdld_metrics_init(void)
{
	struct pdld_metrics *m = &D.m;
	m->accepted.name = "pdl_acts_accepted_total";
	m->accepted.help = "Acts appended to the log, by act type.";
	m->accepted.nlabels = 1;
	m->accepted.labels[0] = "type";
	m->refused.name = "pdl_acts_refused_total";
	m->refused.help = "Acts refused, by act type (unknown when it did not decode), error code and rule id "
	                  "(empty when no rule refused it).";
	m->refused.nlabels = 3;
	m->refused.labels[0] = "type";
	m->refused.labels[1] = "error";
	m->refused.labels[2] = "rule";
	m->http.name = "pdl_http_requests_total";
	m->http.help = "HTTP requests pdld answered, by route and status.";
	m->http.nlabels = 2;
	m->http.labels[0] = "route";
	m->http.labels[1] = "status";
	pdl_prom_hist_init(&m->commit_us, commit_us_bounds, sizeof commit_us_bounds / sizeof commit_us_bounds[0]);
	pdl_prom_hist_init(&m->batch_acts, batch_acts_bounds, sizeof batch_acts_bounds / sizeof batch_acts_bounds[0]);
	/* every act type shows, at 0 until its first act */
	for (const struct pdl_family *const *f = pdl_families; *f != NULL; f++)
		for (size_t i = 0; i < (*f)->n; i++)
			pdl_prom_family_add(&m->accepted, 0, (const char *[]){(*f)->acts[i].type});
	m->start_ms = pdl_now_ms();
}

void
pdld_metrics_batch(struct job *const *jobs, size_t nj, size_t acts, uint64_t commit_ns)
{
	struct pdld_metrics *m = &D.m;
	pdl_prom_observe(&m->batch_acts, acts);
	pdl_prom_observe(&m->commit_us, commit_ns / 1000);
	for (size_t k = 0; k < nj; k++) {
		for (uint32_t i = 0; i < jobs[k]->n; i++) {
			const struct item *it = &jobs[k]->items[i];
			const char *type = it->act.def != NULL ? it->act.def->type : "unknown";
			int rc = it->run.rc; /* decoding's answer, else the rules' */
			if (rc == PDL_OK && it->dup)
				pdl_prom_add(&m->duplicates, 1);
			else if (rc == PDL_OK)
				pdl_prom_family_add(&m->accepted, 1, (const char *[]){type});
			else
				pdl_prom_family_add(&m->refused, 1, (const char *[]){type, pdl_strerror(rc), it->run.st.rule});
		}
	}
}

void
pdld_metrics_http(const char *route, int status)
{
	char s[16];
	snprintf(s, sizeof s, "%d", status);
	pdl_prom_family_add(&D.m.http, 1, (const char *[]){route, s});
}

static void
count_http(const char *route, int status, void *arg)
{
	(void)arg;
	pdld_metrics_http(route, status);
}

static unsigned
queue_len(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	unsigned n = q->len;
	pthread_mutex_unlock(&q->mu);
	return n;
}

static void
render(struct pdl_prom_buf *b, void *arg)
{
	(void)arg;
	struct pdld_metrics *m = &D.m;
	pthread_mutex_lock(&D.head_mu);
	uint64_t size = D.head.size;
	pthread_mutex_unlock(&D.head_mu);
	uint64_t now = pdl_now_ms(), ck_ms = atomic_load(&m->ckpt_wall_ms);
	MDB_envinfo info;
	MDB_stat est;
	uint64_t bytes = 0;
	if (mdb_env_info(D.store.env, &info) == 0 && mdb_env_stat(D.store.env, &est) == 0)
		bytes = ((uint64_t)info.me_last_pgno + 1) * est.ms_psize;

	pdl_prom_header(b, "pdl_build_info", "gauge", "The pdld version (mk/version.sh), always 1.");
	pdl_prom_sample(b, "pdl_build_info", (const char *[]){"version"}, (const char *[]){pdl_version()}, 1, 1, 0);
	pdl_prom_write_gauge(b, "process_start_time_seconds", "When pdld started, in seconds since the epoch.",
	                     m->start_ms, 3);
	pdl_prom_write_family(b, &m->accepted);
	pdl_prom_write_family(b, &m->refused);
	pdl_prom_write_counter(b, "pdl_acts_duplicate_total",
	                       "Acts submitted again (same signed act): answered with the original receipt, nothing appended.",
	                       atomic_load(&m->duplicates.v));
	pdl_prom_write_hist(b, "pdl_batch_acts", "Acts per writer transaction (one fsync each).", &m->batch_acts, 0);
	pdl_prom_write_hist(b, "pdl_commit_seconds",
	                    "Writer transactions from begin to durable commit: rules, append, checkpoint, fsync.",
	                    &m->commit_us, 6);
	pdl_prom_write_counter(b, "pdl_batches_failed_total",
	                       "Writer transactions that failed (a full disk, a storage error): nothing of them was kept.",
	                       atomic_load(&m->batches_failed.v));
	pdl_prom_write_gauge(b, "pdl_verify_queue_depth",
	                     "Verify tasks (up to 64 acts each) waiting for a verifier thread.", queue_len(&D.verifyq), 0);
	pdl_prom_write_gauge(b, "pdl_commit_queue_depth", "Verified submit requests waiting for the writer.",
	                     queue_len(&D.commitq), 0);
	pdl_prom_write_gauge(b, "pdl_submits_inflight", "Submit requests between receipt and their receipts.",
	                     atomic_load(&D.inflight), 0);
	pdl_prom_write_gauge(b, "pdl_log_size", "Entries in the log.", size, 0);
	pdl_prom_write_gauge(b, "pdl_store_bytes", "Bytes of the LMDB data file in use (last page).", bytes, 0);
	pdl_prom_write_gauge(b, "pdl_checkpoint_size", "Log size of the latest signed checkpoint.",
	                     atomic_load(&m->ckpt_size), 0);
	pdl_prom_write_gauge(b, "pdl_checkpoint_age_seconds",
	                     "Seconds since the latest checkpoint was signed (at start: since the last entry it covers).",
	                     now > ck_ms ? now - ck_ms : 0, 3);
	pthread_mutex_lock(&D.rept.mu);
	unsigned nrep = D.rept.n;
	pthread_mutex_unlock(&D.rept.mu);
	pthread_mutex_lock(&D.pubt.mu);
	unsigned npub = D.pubt.n;
	pthread_mutex_unlock(&D.pubt.mu);
	pdl_prom_header(b, "pdl_connections", "gauge", "Open connections, by listener.");
	pdl_prom_sample(b, "pdl_connections", (const char *[]){"listener"}, (const char *[]){"listen"}, 1, nrep, 0);
	pdl_prom_sample(b, "pdl_connections", (const char *[]){"listener"}, (const char *[]){"publish"}, 1, npub, 0);
	pdl_prom_header(b, "pdl_limit_events_total", "counter",
	                "What the limits refused (README, Security: Limits), by event.");
	struct {
		const char *name;
		atomic_uint *v;
	} lim[] = {
		{"connection_refused", &D.n_conn_refused}, {"connection_idle_evicted", &D.n_conn_evicted},
		{"request_dropped", &D.n_req_dropped},     {"connection_memory_closed", &D.n_conn_memory},
		{"reply_refused", &D.n_reply_refused},     {"reply_timeout", &D.n_reply_timeout},
		{"submit_busy", &D.n_submit_busy},         {"private_read_refused", &D.n_read_refused},
		{"http_connection_refused", &D.n_http_refused}, {"http_timeout", &D.n_http_timeout},
		{"http_body_refused", &D.n_http_body_busy},     {"http_idle_evicted", &D.n_http_evicted},
	};
	for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
		pdl_prom_sample(b, "pdl_limit_events_total", (const char *[]){"event"}, (const char *[]){lim[i].name}, 1,
		                atomic_load(lim[i].v), 0);
	pdl_prom_write_family(b, &m->http);
}

int
pdld_metrics_start(const char *addr, struct pdl_prom_srv **out)
{
	struct pdl_status st = {0};
	/* the latest checkpoint's age counts from now, or from the last entry it covers */
	atomic_store(&D.m.ckpt_size, D.last_ckpt_size);
	atomic_store(&D.m.ckpt_wall_ms,
	             !D.test_clock && D.last_ckpt_size == D.head.size && D.head.time_ms ? D.head.time_ms : pdl_now_ms());
	if (pdl_prom_serve(out, addr, render, count_http, NULL, &st) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s", st.msg);
		return st.err;
	}
	return PDL_OK;
}
