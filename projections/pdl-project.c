/*
 * pdl-project — runs projection workers and their HTTP servers: the public
 * listener (--http) and the private one (--private-http, readers sign each
 * request with their ledger key; http.h).
 *
 *   pdl-project VIEW|all --ledger URL --data DIR [--pub URL] [--http ADDR] [--private-http ADDR]
 *               [--public-url URL] [--rebuild] [--once]
 *   pdl-project digest VIEW|all --data DIR
 *
 * VIEW is one of the views (disclosure, metrics, …) or `all` (the embedded
 * default: every view in one process and one environment).
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "http.h"
#include "log.h"
#include "page.h"
#include "proj.h"
#include "promhttp.h"
#include "version.h"
#include "views.h"

static volatile int stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: pdl-project VIEW|all --ledger URL --data DIR [--pub URL] [--http ADDR] [--private-http ADDR]\n"
	           "                   [--public-url URL] [--rebuild [--progress[=SECONDS] | --quiet]] [--once]\n"
	           "       pdl-project digest VIEW|all --data DIR\n"
	           "       pdl-project --version\n\n"
	           "pdl-project, the projection workers of pdl: read-only views of the ledger, served over HTTP.\n"
	           "It follows the ledger (REQ range reads + SUB live entries) and keeps VIEW in DIR/view.\n\n"
	           "  --ledger URL   the pdld to follow (ipc://LEDGERDIR/pdl.sock, or tls+tcp://HOST:PORT)\n"
	           "  --pub URL      its PUB address (pdld --publish); for ipc:// the same directory's pdl.pub\n"
	           "  --data DIR     the view's own directory (its LMDB environment in DIR/view)\n"
	           "  --http ADDR    serve the public HTTP API and page (e.g. 127.0.0.1:8080): only what\n"
	           "                 spec/views.md calls public, to anyone\n"
	           "  --private-http ADDR  serve revenue statements, settlements and the full metrics (e.g.\n"
	           "                 127.0.0.1:8081) to parties that sign each request with their ledger key\n"
	           "                 (Authorization: PDL-Sig ..., made by `pdl token`); the authority and\n"
	           "                 auditors read all, a party what concerns itself. Plain HTTP: bind it to\n"
	           "                 a loopback or private address, or put a TLS proxy in front\n"
	           "  --public-url URL  where readers reach the public listener (e.g. https://ledger.example.gov.cn):\n"
	           "                 the base of the Atom feed's absolute links. Without it they take the\n"
	           "                 request's Host header (http://HOST), which a proxy may rewrite\n"
	           "  --rebuild      build the view from seq 0 into a fresh directory and swap it in\n"
	           "  --progress[=SECONDS]  the rebuild's progress on stderr every SECONDS (default 10), with\n"
	           "                 rate and ETA; on a terminal a live line is shown without it\n"
	           "  --quiet        no progress line\n"
	           "  --once         catch up to the ledger's head and exit (prints the digest)\n"
	           "  --tls-ca FILE  the CA that signed pdld's certificate, for tls+tcp:// URLs (or PDL_TLS_CA)\n"
	           "  --tls-cert FILE --tls-key FILE  a client certificate, when pdld requires one\n"
	           "  --reader ID --reader-key FILE   read as party ID (an auditor or the authority): a network\n"
	           "                 listener gives private entries only to parties entitled to them\n"
	           "  --metrics ADDR  serve metrics at http://ADDR/metrics (Prometheus text format; e.g.\n"
	           "                 127.0.0.1:9421): each view's cursor and lag, apply latency, HTTP requests\n"
	           "                 by listener, route and status\n"
	           "  --weights FILE  the contributor-score weights and targets (JSON; see\n"
	           "                 fixtures/metrics-weights.json)\n"
	           "  --log-format F  text, json (one JSON object per event: time, level, event, message,\n"
	           "                 fields) or auto (default: json when stderr is the systemd journal)\n"
	           "  -h, --help     this text\n"
	           "  --version      print pdl-project's version\n"
	           "  digest         print the ledger's hash over the view's tables and cursor\n"
	           "views:");
	for (const struct pdl_view *const *v = pdl_views; *v != NULL; v++)
		fprintf(f, " %s", (*v)->name);
	fprintf(f, " all\n");
}

/* ---- --metrics: the Prometheus text format at http://ADDR/metrics ---- */

static struct pdl_prom_family http_requests = {
	"pdl_http_requests_total", "HTTP requests pdl-project answered, by listener, route and status.", 3,
	{"listener", "route", "status"}, {{0}}};
static struct pdl_follow_metrics follow_metrics;
/* commit (ledger time) → applied, in ms */
static const uint64_t lag_ms_bounds[] = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};

struct metrics_arg {
	struct pdl_vdb *db;
	uint64_t start_ms;
};

static void
count_metrics_request(const char *route, int status, void *arg)
{
	char st[16];
	(void)arg;
	snprintf(st, sizeof st, "%d", status);
	pdl_prom_family_add(&http_requests, 1, (const char *[]){"metrics", route, st});
}

static void
render_metrics(struct pdl_prom_buf *b, void *arg)
{
	struct metrics_arg *ma = arg;
	struct pdl_follow_metrics *m = &follow_metrics;
	MDB_txn *t;
	uint64_t next = 0, now = pdl_now_ms();
	uint8_t chain[PDL_HASH_BYTES];
	if (mdb_txn_begin(ma->db->env, NULL, MDB_RDONLY, &t) == 0) {
		if (pdl_vdb_cursor(t, ma->db, &next, chain) != PDL_OK)
			next = 0;
		mdb_txn_abort(t);
	}
	uint64_t size = atomic_load(&m->ledger_size), behind = atomic_load(&m->behind_since_ms);
	if (size < next)
		size = next;
	uint64_t lag = size - next, lag_ms = lag > 0 && behind != 0 && now > behind ? now - behind : 0;
	pdl_prom_header(b, "pdl_build_info", "gauge", "The pdl-project version (mk/version.sh), always 1.");
	pdl_prom_sample(b, "pdl_build_info", (const char *[]){"version"}, (const char *[]){pdl_version()}, 1, 1, 0);
	pdl_prom_write_gauge(b, "process_start_time_seconds", "When pdl-project started, in seconds since the epoch.",
	                     ma->start_ms, 3);
	pdl_prom_write_gauge(b, "pdl_project_ledger_size",
	                     "The largest log size this worker has seen (live entries, checkpoints, catch-ups).", size, 0);
	static const char *const vl[] = {"view"};
	pdl_prom_header(b, "pdl_project_view_next", "gauge", "The view's cursor: the next seq it applies (entries applied).");
	for (unsigned i = 0; i < ma->db->nviews; i++)
		pdl_prom_sample(b, "pdl_project_view_next", vl, &ma->db->views[i]->name, 1, next, 0);
	pdl_prom_header(b, "pdl_project_view_lag_entries", "gauge",
	                "Entries of the log seen that the view has not applied yet.");
	for (unsigned i = 0; i < ma->db->nviews; i++)
		pdl_prom_sample(b, "pdl_project_view_lag_entries", vl, &ma->db->views[i]->name, 1, lag, 0);
	pdl_prom_header(b, "pdl_project_view_lag_seconds", "gauge",
	                "How long the view has lacked entries of the log seen (0: it has them all).");
	for (unsigned i = 0; i < ma->db->nviews; i++)
		pdl_prom_sample(b, "pdl_project_view_lag_seconds", vl, &ma->db->views[i]->name, 1, lag_ms, 3);
	pdl_prom_write_hist(b, "pdl_project_apply_lag_seconds",
	                    "From an entry's commit (its ledger time) to the view holding it, one sample per message.",
	                    &m->lag_ms, 3);
	pdl_prom_write_counter(b, "pdl_project_entries_applied_total", "Entries applied to the views.",
	                       atomic_load(&m->applied.v));
	pdl_prom_write_counter(b, "pdl_project_live_messages_total", "Entry messages received over the subscription.",
	                       atomic_load(&m->live_msgs.v));
	pdl_prom_write_counter(b, "pdl_project_gaps_total",
	                       "Times entries missing from the subscription were read by range instead.",
	                       atomic_load(&m->gaps.v));
	pdl_prom_write_family(b, &http_requests);
}

static int
select_views(const char *name, const struct pdl_view **out, unsigned *n)
{
	*n = 0;
	if (strcmp(name, "all") == 0) {
		for (const struct pdl_view *const *v = pdl_views; *v != NULL; v++)
			out[(*n)++] = *v;
		return PDL_OK;
	}
	const struct pdl_view *v = pdl_view_find(name);
	if (v == NULL)
		return PDL_EINVAL;
	out[(*n)++] = v;
	return PDL_OK;
}

static void
print_digest(struct pdl_vdb *db)
{
	uint8_t d[PDL_HASH_BYTES];
	uint64_t next;
	char hex[2 * PDL_HASH_BYTES + 1];
	if (pdl_vdb_digest(db, d, &next) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "view_unreadable", PDL_LOG_NOFIELDS, "cannot read the view");
		return;
	}
	pdl_hex(d, PDL_HASH_BYTES, hex);
	printf("{\"next\":%llu,\"digest\":\"%s\"}\n", (unsigned long long)next, hex);
	fflush(stdout);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Prints what the worker did: entries applied, gaps caught up, and the lag
 * from the ledger's commit time of an entry to its view transaction. */
static void
print_stats(struct pdl_follow_stats *s)
{
	size_t cap = sizeof s->lag_ms / sizeof s->lag_ms[0], n = s->lag_n < cap ? s->lag_n : cap;
	double p50 = 0, p99 = 0;
	if (n > 0) {
		qsort(s->lag_ms, n, sizeof s->lag_ms[0], cmp_u64);
		p50 = (double)s->lag_ms[n / 2];
		p99 = (double)s->lag_ms[(n * 99) / 100];
	}
	printf("{\"applied\":%llu,\"live_messages\":%llu,\"gaps\":%llu,\"lag_samples\":%zu,\"lag_ms_p50\":%.0f,"
	       "\"lag_ms_p99\":%.0f}\n",
	       (unsigned long long)s->applied, (unsigned long long)s->live_msgs, (unsigned long long)s->gaps, n, p50, p99);
	fflush(stdout);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes path and everything under it: no shell (the path is the user's
 * --data, quotes and all), and symlinks are removed, never followed. A
 * missing path is fine. 0, or -1 with errno. */
static int
rm_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The ledger's size (its head), for the rebuild's progress; 0 when the
 * head reply does not say. */
static uint64_t
ledger_size(struct pdl_client *cl)
{
	struct pdl_status st = {0};
	struct pdl_wire_head h;
	msgpack_sbuffer sb;
	uint8_t *rep;
	size_t rn;
	pdl_req_head(&sb);
	int rc = pdl_client_call(cl, sb.data, sb.size, &rep, &rn, &st);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return 0;
	rc = pdl_rep_head(rep, rn, &h, &st);
	free(rep);
	return rc == PDL_OK ? h.size : 0;
}

/* How --rebuild tells its progress (--progress[=SECONDS], --quiet). */
struct rebuild_progress {
	enum pdl_progress_mode mode;
	unsigned interval_s;
};

/* The rebuild's progress lines as log events when the log is JSON: the
 * line is the message, the counts its fields. */
static void
progress_event(const struct pdl_progress *p, const char *line, int last)
{
	pdl_log(PDL_LOG_INFO, last ? "rebuild_end" : "rebuild_progress",
	        PDL_LOG_FIELDS(PDL_LF_U64("entries", p->done), PDL_LF_U64("total", p->total)), "%s", line);
}

/* --rebuild: builds the view from seq 0 into DIR.rebuild, then swaps
 * DIR.rebuild/view in as DIR/view (the old one goes through DIR/view.old).
 * 0, or 1 with the reason printed. */
static int
rebuild_view(const char *dir, const char *ledger, const char *vname, const struct pdl_view *const *views, unsigned nv,
             const struct rebuild_progress *rp)
{
	char tmp[4200], path[4300], old[4300], made[4300];
	struct pdl_vdb db;
	struct pdl_status st = {0};
	struct pdl_client cl;
	uint64_t applied = 0;
	if (strlen(dir) > 4000) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS, "--data path too long");
		return 1;
	}
	snprintf(tmp, sizeof tmp, "%s.rebuild", dir);
	snprintf(made, sizeof made, "%s.rebuild/view", dir);
	snprintf(path, sizeof path, "%s/view", dir);
	snprintf(old, sizeof old, "%s/view.old", dir);
	if (rm_tree(tmp) != 0) {
		pdl_log(PDL_LOG_ERROR, "rebuild_failed", PDL_LOG_NOFIELDS, "cannot remove %s (a rebuild left over): %s",
		        tmp, strerror(errno));
		return 1;
	}
	if (pdl_vdb_open(&db, tmp, views, nv, 0) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "rebuild_failed", PDL_LOG_NOFIELDS, "cannot create %s", tmp);
		return 1;
	}
	if (pdl_client_open(&cl, ledger, &st) != PDL_OK) {
		pdl_vdb_close(&db);
		pdl_log(PDL_LOG_ERROR, "rebuild_failed", PDL_LOG_NOFIELDS, "rebuild failed: %s", st.msg);
		return 1;
	}
	struct pdl_progress prog;
	pdl_progress_start(&prog, rp->mode, "rebuild", "entries", rp->mode == PDL_PROGRESS_OFF ? 0 : ledger_size(&cl),
	                   rp->interval_s);
	if (pdl_log_json())
		prog.emit = progress_event;
	int rc = pdl_catch_up_progress(&db, &cl, &applied, &prog, &st);
	pdl_progress_end(&prog, applied, rc == PDL_OK);
	pdl_client_close(&cl);
	pdl_vdb_close(&db);
	if (rc != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "rebuild_failed", PDL_LOG_NOFIELDS, "rebuild failed: %s", st.msg);
		return 1;
	}
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) || rm_tree(old) != 0 || (rename(path, old) != 0 && errno != ENOENT)) {
		pdl_log(PDL_LOG_ERROR, "rebuild_failed", PDL_LOG_NOFIELDS, "cannot move the old view in %s aside: %s",
		        dir, strerror(errno));
		return 1;
	}
	if (rename(made, path) != 0) {
		pdl_log(PDL_LOG_ERROR, "rebuild_failed", PDL_LOG_NOFIELDS, "cannot swap the rebuilt view into %s: %s",
		        dir, strerror(errno));
		return 1;
	}
	if (rm_tree(old) != 0 || rm_tree(tmp) != 0)
		pdl_log(PDL_LOG_WARNING, "rebuild_cleanup_failed", PDL_LOG_NOFIELDS, "cannot remove %s or %s: %s", old,
		        tmp, strerror(errno));
	pdl_log(PDL_LOG_INFO, "rebuilt", PDL_LOG_FIELDS(PDL_LF_STR("view", vname), PDL_LF_U64("entries", applied)),
	        "rebuilt %s from seq 0 (%llu entries)", vname, (unsigned long long)applied);
	return 0;
}

/* The PUB address beside an ipc:// ledger (ipc://DIR/pdl.sock →
 * ipc://DIR/pdl.pub) in buf, or NULL (said) for any other. */
static const char *
default_pub(const char *ledger, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", ledger);
	char *slash = strrchr(buf, '/');
	if (strncmp(ledger, "ipc://", 6) != 0 || slash == NULL) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS, "give --pub URL for a non-ipc ledger");
		return NULL;
	}
	snprintf(slash + 1, cap - (size_t)(slash + 1 - buf), "%s", PDL_PUB_FILE);
	return buf;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"ledger", required_argument, NULL, 'l'}, {"data", required_argument, NULL, 'd'},
		{"pub", required_argument, NULL, 'p'},    {"http", required_argument, NULL, 'H'},
		{"private-http", required_argument, NULL, 'P'},
		{"rebuild", no_argument, NULL, 'r'},      {"once", no_argument, NULL, 'o'},
		{"test-drop", required_argument, NULL, 'D'},
		{"test-batch", required_argument, NULL, 'B'},
		{"weights", required_argument, NULL, 'w'},
		{"metrics", required_argument, NULL, 'M'},
		{"log-format", required_argument, NULL, 'L'},
		{"progress", optional_argument, NULL, 'g'}, {"quiet", no_argument, NULL, 'q'},
		{"public-url", required_argument, NULL, 'U'},
		{"help", no_argument, NULL, 'h'},         {0},
	};
	int quiet = 0, lines = 0;
	struct rebuild_progress rp = {PDL_PROGRESS_OFF, 0};
	const char *ledger = NULL, *dir = NULL, *pub = NULL, *http = NULL, *phttp = NULL, *weights = NULL;
	const char *metrics = NULL, *log_format = NULL;
	const char *public_url = NULL;
	int rebuild = 0, once = 0, ch;
	uint64_t drop_every = 0, test_batch = 0;
	if (pdl_crypto_init() != PDL_OK)
		return 1;
	pdl_client_atexit();
	/* --tls-ca, --tls-cert, --tls-key (the REQ and the SUB socket alike), --reader, --reader-key */
	if ((argc = pdl_client_tls_args(argc, argv)) < 0) {
		fprintf(stderr, "pdl-project: --tls-ca, --tls-cert, --tls-key and --reader-key need a FILE, --reader a party ID\n");
		return 2;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0) {
		pdl_version_print(stdout, "pdl-project");
		return 0;
	}
	int digest_cmd = strcmp(argv[1], "digest") == 0;
	int first = digest_cmd ? 2 : 1;
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    (digest_cmd && argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0))) {
		usage(stdout);
		return 0;
	}
	if (argc <= first) {
		usage(stderr);
		return 2;
	}
	const char *vname = argv[first];
	optind = first + 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': ledger = optarg; break;
		case 'd': dir = optarg; break;
		case 'p': pub = optarg; break;
		case 'H': http = optarg; break;
		case 'P': phttp = optarg; break;
		case 'r': rebuild = 1; break;
		case 'o': once = 1; break;
		case 'D':
			if (pdl_opt_u64("pdl-project", "--drop-every", optarg, 0, UINT32_MAX, &drop_every) != PDL_OK)
				return 2;
			break;
		case 'B': /* tests: catch-up reads of N entries, so a small ledger spans many batches */
			if (pdl_opt_u64("pdl-project", "--test-batch", optarg, 1, PDL_PROJ_BATCH, &test_batch) != PDL_OK)
				return 2;
			break;
		case 'w': weights = optarg; break;
		case 'M': metrics = optarg; break;
		case 'L': log_format = optarg; break;
		case 'U': public_url = optarg; break;
		case 'q': quiet = 1; break;
		case 'g':
			lines = 1;
			if (pdl_progress_interval(optarg, &rp.interval_s) != PDL_OK) {
				fprintf(stderr, "pdl-project: --progress=SECONDS takes whole seconds, 0 to 86400\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (pdl_log_init("pdl-project", log_format) != PDL_OK) {
		fprintf(stderr, "pdl-project: --log-format is text, json or auto, not \"%s\"\n", log_format);
		return 2;
	}
	const struct pdl_view *views[8];
	unsigned nv;
	if (select_views(vname, views, &nv) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS, "unknown view \"%s\"", vname);
		usage(stderr);
		return 2;
	}
	if (dir == NULL || (!digest_cmd && ledger == NULL)) {
		usage(stderr);
		return 2;
	}
	if (public_url != NULL && !pdl_page_public_url_ok(public_url)) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS,
		        "--public-url %s: give http:// or https://, a host and an optional path "
		        "(no query, fragment, quotes or spaces; under %u characters)",
		        public_url, PDL_PAGE_BASE_MAX);
		return 2;
	}
	struct pdl_vdb db;
	struct pdl_status st = {0};
	if (weights != NULL && pdl_metrics_config_load(weights, &st) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS, "%s", st.msg);
		return 2;
	}
	if (digest_cmd) {
		if (pdl_vdb_open(&db, dir, views, nv, 1) != PDL_OK) {
			pdl_log(PDL_LOG_ERROR, "view_missing", PDL_LOG_NOFIELDS, "no view in %s", dir);
			return 1;
		}
		print_digest(&db);
		pdl_vdb_close(&db);
		return 0;
	}
	char pubbuf[4200];
	if (pub == NULL && (pub = default_pub(ledger, pubbuf, sizeof pubbuf)) == NULL)
		return 2;
	if (quiet && lines) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS, "--quiet and --progress contradict each other");
		return 2;
	}
	rp.mode = pdl_progress_mode(quiet, lines);
	if (rebuild && rebuild_view(dir, ledger, vname, views, nv, &rp) != 0)
		return 1;
	int orc = pdl_vdb_open(&db, dir, views, nv, 0);
	if (orc == PDL_EVERSION) {
		pdl_log(PDL_LOG_ERROR, "view_too_old", PDL_LOG_NOFIELDS,
		        "the view in %s was made by an older pdl-project (format below %u): "
		        "run once with --rebuild",
		        dir, PDL_VIEW_FORMAT);
		return 1;
	}
	if (orc != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "cannot open the view in %s", dir);
		return 1;
	}
	db.batch = (unsigned)test_batch;
	if (once) {
		struct pdl_client cl;
		uint64_t applied = 0;
		if (pdl_client_open(&cl, ledger, &st) != PDL_OK || pdl_catch_up(&db, &cl, &applied, &st) != PDL_OK) {
			pdl_log(PDL_LOG_ERROR, "catch_up_failed", PDL_LOG_NOFIELDS, "%s (%s)", st.msg, pdl_strerror(st.err));
			pdl_client_close(&cl);
			pdl_vdb_close(&db);
			return 1;
		}
		pdl_client_close(&cl);
		print_digest(&db);
		pdl_vdb_close(&db);
		return 0;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	struct pdl_http_ctx cx = {&db, ledger, NULL, NULL, pdl_views, public_url, NULL, &http_requests};
	struct pdl_http *hs = NULL, *ps = NULL;
	struct pdl_prom_srv *ms = NULL;
	static struct metrics_arg ma;
	ma.db = &db;
	ma.start_ms = pdl_now_ms();
	pdl_prom_hist_init(&follow_metrics.lag_ms, lag_ms_bounds, sizeof lag_ms_bounds / sizeof lag_ms_bounds[0]);
	if (metrics != NULL &&
	    pdl_prom_serve(&ms, metrics, render_metrics, count_metrics_request, &ma, &st) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s", st.msg);
		pdl_vdb_close(&db);
		return 1;
	}
	if (http != NULL && pdl_http_start(&hs, http, PDL_HTTP_PUBLIC, &cx, &st) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s", st.msg);
		pdl_prom_stop(ms);
		pdl_vdb_close(&db);
		return 1;
	}
	if (phttp != NULL && pdl_http_start(&ps, phttp, PDL_HTTP_PRIVATE, &cx, &st) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s", st.msg);
		pdl_http_stop(hs);
		pdl_prom_stop(ms);
		pdl_vdb_close(&db);
		return 1;
	}
	pdl_log(PDL_LOG_INFO, "following",
	        PDL_LOG_FIELDS(PDL_LF_STR("view", vname), PDL_LF_STR("ledger", ledger), PDL_LF_STR("pub", pub),
	                       PDL_LF_STR("http", http), PDL_LF_STR("private_http", phttp), PDL_LF_STR("metrics", metrics),
	                       PDL_LF_STR("version", pdl_version())),
	        "%s following %s%s%s%s%s%s%s%s", vname, ledger, http ? ", serving http://" : "",
	        http ? http : "", phttp ? ", private listener http://" : "", phttp ? phttp : "",
	        metrics ? ", metrics at http://" : "", metrics ? metrics : "", metrics ? "/metrics" : "");
	static struct pdl_follow_stats stats;
	stats.m = &follow_metrics;
	stats.drop_every = drop_every;
	int rc = PDL_OK;
	while (!stop_flag) {
		rc = pdl_follow(&db, ledger, pub, &stop_flag, &stats, &st);
		if (stop_flag)
			break;
		/* the ledger went away or restarted: retry, the cursor is durable */
		pdl_log(PDL_LOG_WARNING, "follow_retry", PDL_LOG_FIELDS(PDL_LF_STR("error", pdl_strerror(st.err))),
		        "%s (%s); retrying", st.msg, pdl_strerror(st.err));
		if (rc == PDL_ECHAIN || rc == PDL_EDECODE)
			break; /* never apply past a broken chain */
		sleep(1);
	}
	pdl_http_stop(ps);
	pdl_http_stop(hs);
	pdl_prom_stop(ms);
	print_stats(&stats);
	pdl_vdb_close(&db);
	return rc == PDL_ECHAIN || rc == PDL_EDECODE ? 1 : 0;
}
