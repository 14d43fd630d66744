/* main.c — pdld's options, start and stop. The daemon's threads, limits,
 * readers and invariants are described in pdld.h. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>

#include "crypto.h"
#include "key.h"
#include "date.h"
#include "pdld.h"
#include "proto.h"
#include "version.h"

struct pdld D;

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

static void
wipe_ledger_key(void)
{
	pdl_seckey_wipe(&D.ledger_sk);
}

/* One line for the limit events since the last one, if there were any:
 * what an operator needs to see a hostile or broken client, without a line
 * per event (--verbose gives those). */
static void
log_limits(void)
{
	/* the counters only grow (the metrics show them): the lines say the difference */
	static unsigned last[9];
	unsigned now[9] = {atomic_load(&D.n_conn_refused), atomic_load(&D.n_req_dropped),
	                   atomic_load(&D.n_reply_refused), atomic_load(&D.n_reply_timeout),
	                   atomic_load(&D.n_read_refused),  atomic_load(&D.n_submit_busy),
	                   atomic_load(&D.n_http_refused),  atomic_load(&D.n_http_timeout),
	                   atomic_load(&D.n_http_body_busy)};
	unsigned a = now[0] - last[0], b = now[1] - last[1], c = now[2] - last[2], d = now[3] - last[3],
	         e = now[4] - last[4], f = now[5] - last[5], g = now[6] - last[6], h = now[7] - last[7],
	         i = now[8] - last[8];
	memcpy(last, now, sizeof last);
	if (a + b + c + d + e + f != 0)
		pdl_log(PDL_LOG_WARNING, "limits",
		        PDL_LOG_FIELDS(PDL_LF_U64("connections_refused", a), PDL_LF_U64("requests_dropped", b),
		                       PDL_LF_U64("replies_refused", c), PDL_LF_U64("replies_timed_out", d),
		                       PDL_LF_U64("submits_busy", f), PDL_LF_U64("private_reads_refused", e)),
		        "limits: %u connections refused (--max-connections), %u requests dropped (--max-inflight), "
		        "%u replies refused (--reply-bytes-max), %u replies not read in time (--send-timeout-ms), "
		        "%u submits refused (busy), %u private entries refused to readers",
		        a, b, c, d, f, e);
	if (g + h + i != 0)
		pdl_log(PDL_LOG_WARNING, "http_limits",
		        PDL_LOG_FIELDS(PDL_LF_U64("connections_refused", g), PDL_LF_U64("timed_out", h),
		                       PDL_LF_U64("bodies_refused", i)),
		        "http limits: %u connections refused (--max-connections), %u requests or replies not "
		        "whole in time (--http-timeout-ms, --send-timeout-ms), %u bodies refused (body memory)",
		        g, h, i);
}

/* A decimal option value in lo..hi; says what is wrong otherwise. */
static int
opt_u64(const char *name, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long x = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
	if (v[0] < '0' || v[0] > '9' || errno != 0 || *end != 0 || x < lo || x > hi) {
		fprintf(stderr, "pdld: %s must be a number from %llu to %llu\n", name, (unsigned long long)lo,
		        (unsigned long long)hi);
		return -1;
	}
	*out = x;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: pdld --data DIR [options]\n"
	        "\n"
	        "The pdl ledger daemon: validates signed acts and appends them to the log in DIR.\n"
	        "\n"
	        "  --data DIR          data directory made by `pdl init` (required)\n"
	        "  --listen URL        REQ/REP address (default ipc://DIR/pdl.sock)\n"
	        "  --publish URL       PUB address (default ipc://DIR/pdl.pub)\n"
	        "  --workers N         signature verifier threads (default: number of cores)\n"
	        "  --checkpoint-ms N   sign a checkpoint at most every N ms while the log grows (default 1000)\n"
	        "  --blob-max BYTES    largest file `pdl evidence deposit --store` keeps (default 8 MiB)\n"
	        "  --tls-cert FILE     PEM certificate (chain) for tls+tcp:// listen and publish URLs\n"
	        "  --tls-key FILE      its PEM private key (mode 0600)\n"
	        "  --tls-client-ca FILE  require client certificates chaining to the CA certificates in FILE\n"
	        "                      on tls+tcp:// listeners (mutual TLS; clients give --tls-cert/--tls-key)\n"
	        "  --insecure-tcp      allow tcp:// without TLS\n"
	        "  --metrics ADDR      serve metrics at http://ADDR/metrics (Prometheus text format; e.g.\n"
	        "                      127.0.0.1:9420): acts accepted and refused by type and rule, batch\n"
	        "                      sizes, commit latency, queue depths, log size, checkpoint age\n"
	        "  --ipc-public        treat the ipc:// listeners like network ones: private entries need a\n"
	        "                      reader token (by default ipc:// in DIR is trusted, like the key files)\n"
	        "  --http HOST:PORT    also take signed acts over HTTP/1.1: POST /v1/acts with JSON\n"
	        "                      {\"act\":base64,\"sig\":base64} (what `pdl sign` prints) or msgpack\n"
	        "                      envelopes, one or an array; same receipts, errors and limits as the\n"
	        "                      socket; GET /v1/head, /v1/checkpoint, /v1/entries/SEQ. No TLS: a\n"
	        "                      loopback address behind a TLS proxy (contrib/nginx/pdld-http.conf),\n"
	        "                      anything else needs --insecure-tcp (spec/formats.md §17)\n"
	        "\n"
	        "Limits (a slow or hostile client costs only itself):\n"
	        "  --max-connections N   connections per listener, REQ/REP and PUB each (default %u)\n"
	        "  --max-inflight N      requests of one connection being served; more are dropped (default %u)\n"
	        "  --reply-bytes-max B   reply bytes waiting for their clients; a large read reply over it is\n"
	        "                        refused with PDL_EBUSY, to retry (default %u MiB)\n"
	        "  --send-timeout-ms N   a reply its client does not take within N ms is dropped (default %u)\n"
	        "  --http-timeout-ms N   an HTTP request's head and body must arrive within N ms of its first\n"
	        "                        byte, or it gets 408; an idle HTTP connection is closed after N ms\n"
	        "                        (default %u). --max-connections also bounds HTTP connections\n"
	        "\n"
	        "Witnesses (C2SP tlog-witness; README, \"Witnesses\"):\n"
	        "  --witness-policy FILE  a C2SP tlog-policy file (log, witness NAME VKEY URL, group, quorum):\n"
	        "                      each new checkpoint is sent to the witnesses for cosigning, and a\n"
	        "                      checkpoint is published (PUB, `pdl checkpoint`, /v1/checkpoint) only once\n"
	        "                      its cosignatures meet the quorum; writes never wait for witnesses.\n"
	        "                      Without it, every signed checkpoint is published at once\n"
	        "  --witness-timeout-ms N  the whole of one request to a witness (default %u)\n"
	        "  --witness-ca FILE   CA certificates for https:// witnesses (default %s)\n"
	        "\n"
	        "  --log-format F      text, json (one JSON object per event: time, level, event, message,\n"
	        "                      fields) or auto (default: json when stderr is the systemd journal)\n"
	        "  --test-clock        tests only: the ledger time is set with `pdl clock set`\n"
	        "  -v, --verbose       log connections, limit refusals, refused private reads and batches\n"
	        "  -h, --help          this text\n"
	        "  --version           print pdld's version\n",
	        CONNS_MAX_DEFAULT, INFLIGHT_MAX_DEFAULT, REPLY_BYTES_MAX_DEFAULT >> 20, SEND_TIMEOUT_MS_DEFAULT,
	        HTTP_TIMEOUT_MS_DEFAULT, WITNESS_TIMEOUT_MS_DEFAULT, WITNESS_CA_DEFAULT);
}

/* The ledger's time never goes back (spec/formats.md §3), so on a machine
 * whose clock is behind the last entry every new entry carries the last
 * entry's time until the clock catches up: say so at start. Seen after a
 * ledger ran on a test clock (the demo) or with a clock set wrong. */
static void
warn_time_ahead(const char *dir)
{
	uint64_t now = pdl_now_ms();
	if (D.head.size == 0 || D.head.time_ms <= now)
		return;
	char led[PDL_CST_LEN], mine[PDL_CST_LEN], by[48];
	uint64_t ahead = D.head.time_ms - now;
	if (ahead >= PDL_DAY_MS)
		snprintf(by, sizeof by, "%llu days", (unsigned long long)(ahead / PDL_DAY_MS));
	else
		snprintf(by, sizeof by, "%llu.%03llu s", (unsigned long long)(ahead / 1000), (unsigned long long)(ahead % 1000));
	pdl_log(PDL_LOG_WARNING, "clock_behind",
	        PDL_LOG_FIELDS(PDL_LF_U64("ledger_time_ms", D.head.time_ms), PDL_LF_U64("entry", D.head.size - 1),
	                       PDL_LF_U64("ahead_ms", ahead), PDL_LF_BOOL("test_clock", D.engine.info.test_clock),
	                       PDL_LF_STR("dir", dir)),
	        "warning: the ledger's time (%s, entry %llu) is ahead of this machine's clock (%s) by %s; "
	        "new entries will carry the ledger's time until the clock catches up. Check the clock (NTP)%s "
	        "in %s",
	        pdl_ms_cst(D.head.time_ms, led), (unsigned long long)(D.head.size - 1), pdl_ms_cst(now, mine), by,
	        D.engine.info.test_clock ? "; this ledger allows a test clock (its genesis says so), whose times were set "
	                                   "by hand"
	                                 : "",
	        dir);
}

/* Long options without a letter (the letters are running out). */
enum { OPT_WITNESS_POLICY = 256, OPT_WITNESS_TIMEOUT, OPT_WITNESS_CA };

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"publish", required_argument, NULL, 'p'},
		{"workers", required_argument, NULL, 'w'},
		{"checkpoint-ms", required_argument, NULL, 'c'},
		{"blob-max", required_argument, NULL, 'b'},
		{"test-clock", no_argument, NULL, 't'},
		{"insecure-tcp", no_argument, NULL, 'i'},
		{"tls-cert", required_argument, NULL, 'C'},
		{"tls-key", required_argument, NULL, 'K'},
		{"map-size", required_argument, NULL, 'm'}, /* tests only: a small first map, to make it grow */
		{"tls-client-ca", required_argument, NULL, 'A'},
		{"ipc-public", no_argument, NULL, 'P'},
		{"max-connections", required_argument, NULL, 'N'},
		{"max-inflight", required_argument, NULL, 'F'},
		{"reply-bytes-max", required_argument, NULL, 'R'},
		{"send-timeout-ms", required_argument, NULL, 'T'},
		{"http", required_argument, NULL, 'H'},
		{"http-timeout-ms", required_argument, NULL, 'W'},
		{"witness-policy", required_argument, NULL, OPT_WITNESS_POLICY},
		{"witness-timeout-ms", required_argument, NULL, OPT_WITNESS_TIMEOUT},
		{"witness-ca", required_argument, NULL, OPT_WITNESS_CA},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"metrics", required_argument, NULL, 'M'},
		{"log-format", required_argument, NULL, 'L'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *listen = NULL, *publish = NULL, *tls_cert = NULL, *tls_key = NULL, *client_ca = NULL;
	const char *metrics = NULL, *log_format = NULL;
	struct pdl_prom_srv *metrics_srv = NULL;
	uint64_t conns_max = CONNS_MAX_DEFAULT, inflight_max = INFLIGHT_MAX_DEFAULT;
	uint64_t reply_bytes_max = REPLY_BYTES_MAX_DEFAULT, send_timeout_ms = SEND_TIMEOUT_MS_DEFAULT;
	int ipc_public = 0;
	struct pdld_http_opts http = {NULL, HTTP_TIMEOUT_MS_DEFAULT, 0};
	size_t map_size = 0;
	const char *witness_policy = NULL, *witness_ca = NULL;
	uint64_t witness_timeout_ms = WITNESS_TIMEOUT_MS_DEFAULT;
	static nng_tls_config *tls; /* static: still reachable (no leak report) on an early return */
	char listen_buf[4200], publish_buf[4200], path[4200];
	int insecure = 0, ch, rv;
	long workers = sysconf(_SC_NPROCESSORS_ONLN);
	D.ckpt_ms = 1000;
	D.blob_max = (size_t)8 << 20;
	while ((ch = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'l': listen = optarg; break;
		case 'p': publish = optarg; break;
		case 'w': workers = strtol(optarg, NULL, 10); break;
		case 'c': D.ckpt_ms = strtoull(optarg, NULL, 10); break;
		case 'b': D.blob_max = (size_t)strtoull(optarg, NULL, 10); break;
		case 't': D.test_clock = 1; break;
		case 'i': insecure = 1; break;
		case 'C': tls_cert = optarg; break;
		case 'K': tls_key = optarg; break;
		case 'm': map_size = (size_t)strtoull(optarg, NULL, 10); break;
		case 'A': client_ca = optarg; break;
		case 'P': ipc_public = 1; break;
		case 'N':
			if (opt_u64("--max-connections", optarg, 1, 16384, &conns_max) != 0)
				return 2;
			break;
		case 'F':
			if (opt_u64("--max-inflight", optarg, 1, 64, &inflight_max) != 0)
				return 2;
			break;
		case 'R':
			if (opt_u64("--reply-bytes-max", optarg, 2 * RANGE_BYTES_MAX, (uint64_t)1 << 40, &reply_bytes_max) != 0)
				return 2;
			break;
		case 'T':
			if (opt_u64("--send-timeout-ms", optarg, 10, 3600000, &send_timeout_ms) != 0)
				return 2;
			break;
		case 'H': http.addr = optarg; break;
		case 'W':
			if (opt_u64("--http-timeout-ms", optarg, 10, 3600000, &http.timeout_ms) != 0)
				return 2;
			break;
		case OPT_WITNESS_POLICY: witness_policy = optarg; break;
		case OPT_WITNESS_TIMEOUT:
			if (opt_u64("--witness-timeout-ms", optarg, 100, 600000, &witness_timeout_ms) != 0)
				return 2;
			break;
		case OPT_WITNESS_CA: witness_ca = optarg; break;
		case 'v': D.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': pdl_version_print(stdout, "pdld"); return 0;
		case 'M': metrics = optarg; break;
		case 'L': log_format = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (dir == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (pdl_log_init("pdld", log_format) != PDL_OK) {
		fprintf(stderr, "pdld: --log-format is text, json or auto, not \"%s\"\n", log_format);
		return 2;
	}
	if (conns_max * inflight_max > CTX_MAX) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS,
		        "--max-connections x --max-inflight is at most %u (contexts)", CTX_MAX);
		return 2;
	}
	D.conns_max = (unsigned)conns_max;
	D.inflight_max = (unsigned)inflight_max;
	D.reply_bytes_max = (size_t)reply_bytes_max;
	D.send_timeout_ms = send_timeout_ms;
	if (workers < 1 || workers > WORKERS_MAX) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS, "--workers must be 1..%d", WORKERS_MAX);
		return 2;
	}
	if (D.ckpt_ms == 0)
		D.ckpt_ms = 1;
	if (pdl_crypto_init() != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "libsodium failed to initialise");
		return 1;
	}
	if (listen == NULL) {
		pdl_client_url_for_dir(dir, listen_buf, sizeof listen_buf);
		listen = listen_buf;
	}
	if (publish == NULL) {
		pdl_client_url_for_dir(dir, publish_buf, sizeof publish_buf);
		char *slash = strrchr(publish_buf, '/');
		snprintf(slash + 1, sizeof publish_buf - (size_t)(slash + 1 - publish_buf), "%s", PDL_PUB_FILE);
		publish = publish_buf;
	}
	if (!insecure && (strncmp(listen, "tcp://", 6) == 0 || strncmp(publish, "tcp://", 6) == 0)) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS,
		        "refusing plain tcp:// without TLS; use tls+tcp:// or pass --insecure-tcp");
		return 2;
	}
	int want_tls = strncmp(listen, "tls+", 4) == 0 || strncmp(publish, "tls+", 4) == 0;
	if ((tls_cert == NULL) != (tls_key == NULL) || (want_tls && tls_cert == NULL)) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS, "tls+tcp:// needs both --tls-cert FILE and --tls-key FILE");
		return 2;
	}
	if (tls_cert != NULL && !want_tls) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS, "--tls-cert is for tls+tcp:// --listen or --publish URLs");
		return 2;
	}
	if (client_ca != NULL && tls_cert == NULL) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS,
		        "--tls-client-ca is for tls+tcp:// listeners (with --tls-cert/--tls-key)");
		return 2;
	}
	if (tls_cert != NULL && pdld_tls_server_config(tls_cert, tls_key, client_ca, &tls) != PDL_OK)
		return 1;
	http.insecure = insecure;
	struct pdl_status st = {0};
	snprintf(path, sizeof path, "%s/%s", dir, PDL_LEDGER_KEY_FILE);
	if (pdl_key_load(path, &D.ledger_sk, &st) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s", st.msg);
		return 1;
	}
	atexit(wipe_ledger_key); /* every way out of main wipes it, not just a clean stop */
	/* One pdld per data directory: a lock held for the life of the process. */
	snprintf(path, sizeof path, "%s/pdld.lock", dir);
	int lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		pdl_log(PDL_LOG_ERROR, "already_running", PDL_LOG_NOFIELDS, "another pdld is serving %s (lock %s held)", dir, path);
		return 1;
	}
	int rc = pdl_store_open(&D.store, dir, 0);
	if (rc != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS,
		        "cannot open the ledger in %s: %s (run `pdl init --data %s` first)", dir, pdl_errmsg(rc), dir);
		return 1;
	}
	if (map_size != 0) {
		/* LMDB rounds a map smaller than the data up to the data. */
		MDB_envinfo info;
		if (mdb_env_set_mapsize(D.store.env, map_size) != 0) {
			pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "cannot set the map size to %zu", map_size);
			return 1;
		}
		mdb_env_info(D.store.env, &info);
		D.store.mapsize = info.me_mapsize;
		pdl_log(PDL_LOG_INFO, "map_size", PDL_LOG_NOFIELDS, "map size %zu bytes", D.store.mapsize);
	}
	pdl_engine_init(&D.engine, &D.store);
	MDB_txn *t;
	if (pdl_store_rtxn(&D.store, &t) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "cannot read the ledger");
		return 1;
	}
	rc = pdl_engine_load(&D.engine, t);
	if (rc == PDL_OK)
		rc = pdl_store_head(t, &D.store, &D.head);
	const uint8_t *g;
	size_t gn;
	if (rc == PDL_OK && (rc = pdl_store_entry(t, &D.store, 0, &g, &gn)) == PDL_OK)
		pdl_digest(D.ledger_id, g, gn); /* the ledger id reader tokens name (readtok.h) */
	uint64_t csize = 0;
	const char *cn;
	size_t cnn;
	if (pdl_store_ckpt_latest(t, &D.store, &csize, &cn, &cnn) == PDL_OK)
		D.last_ckpt_size = csize;
	pdl_store_rdone(&D.store, t);
	if (rc != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "the ledger in %s has no readable genesis: %s",
		        dir, pdl_errmsg(rc));
		return 1;
	}
	/* the suite came from the genesis (pdl_engine_load) */
	if (D.ledger_sk.suite != D.engine.info.suite) {
		pdl_key_wrong_suite(path, &D.ledger_sk, D.engine.info.suite, &st);
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s", st.msg);
		return 1;
	}
	if (!pdl_pubkey_eq(&D.ledger_sk.pk, &D.engine.info.ledger_pk)) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s does not match the ledger key named in genesis",
		        path);
		return 1;
	}
	if (D.test_clock && !D.engine.info.test_clock) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS,
		        "--test-clock refused: the genesis of %s does not allow a test clock (only a ledger made with "
		        "`pdl init --test-clock` runs on one, and its genesis tells every auditor so)",
		        dir);
		return 2;
	}
	if (!D.test_clock)
		warn_time_ahead(dir);
	snprintf(D.origin, sizeof D.origin, "%s", D.engine.info.origin);
	if (witness_ca == NULL && access(WITNESS_CA_DEFAULT, R_OK) == 0)
		witness_ca = WITNESS_CA_DEFAULT;
	/* before the writer starts: every checkpoint it commits goes to the witnesses */
	if (pdld_witness_start(witness_policy, witness_ca, (unsigned)witness_timeout_ms, &st) != PDL_OK) {
		fprintf(stderr, "pdld: %s\n", st.msg);
		return st.err == PDL_EINVAL ? 2 : 1;
	}
	atomic_store(&D.clock_ms, D.head.time_ms);
	D.last_ckpt_ns = pdl_mono_ns();
	pthread_mutex_init(&D.head_mu, NULL);
	pdld_metrics_init();
	pdld_queue_init(&D.verifyq);
	pdld_queue_init(&D.commitq);

	/* ipc:// in the data directory is as private as its key files: trusted,
	 * unless --ipc-public; every other transport reaches the network */
	int rep_trusted = strncmp(listen, "ipc://", 6) == 0 && !ipc_public;
	int pub_trusted = strncmp(publish, "ipc://", 6) == 0 && !ipc_public;
	if ((rv = nng_pub0_open(&D.pub)) != 0 || (rv = pdld_pipe_tab_init(&D.pubt, D.pub, "publish", pub_trusted)) != 0 ||
	    (rv = pdld_listen(D.pub, publish, tls)) != 0) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "cannot publish on %s: %s", publish, nng_strerror(rv));
		return 1;
	}
	if ((rv = nng_rep0_open(&D.rep)) != 0 || (rv = pdld_pipe_tab_init(&D.rept, D.rep, "listen", rep_trusted)) != 0) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "cannot open REP socket: %s", nng_strerror(rv));
		return 1;
	}
	/* before any thread: a taken port stops pdld before it does anything */
	if (metrics != NULL && pdld_metrics_start(metrics, &metrics_srv) != PDL_OK)
		return 1;
	D.nconns = D.conns_max * D.inflight_max + CTX_SPARE;
	if ((D.conns = calloc(D.nconns, sizeof *D.conns)) == NULL) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "out of memory for %u contexts", D.nconns);
		return 1;
	}
	nng_socket_set_size(D.rep, NNG_OPT_RECVMAXSZ,
	                    D.blob_max + 4096 > PDL_REQ_BYTES_MAX ? D.blob_max + 4096 : PDL_REQ_BYTES_MAX);
	D.nworkers = (unsigned)workers;
	for (unsigned i = 0; i < D.nworkers; i++)
		pthread_create(&D.workers[i], NULL, pdld_verifier_main, NULL);
	pthread_create(&D.writer, NULL, pdld_writer_main, NULL);
	/* names for top -H, perf and gdb */
	for (unsigned i = 0; i < D.nworkers; i++)
		pthread_setname_np(D.workers[i], "pdld:verify");
	pthread_setname_np(D.writer, "pdld:writer");
	for (unsigned i = 0; i < D.nconns; i++) {
		struct conn *c = &D.conns[i];
		if ((rv = nng_aio_alloc(&c->aio, pdld_conn_cb, c)) != 0 || (rv = nng_ctx_open(&c->ctx, D.rep)) != 0) {
			pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s", nng_strerror(rv));
			return 1;
		}
	}
	if ((rv = pdld_listen(D.rep, listen, tls)) != 0) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS,
		        "cannot listen on %s: %s (is another pdld serving %s?)", listen, nng_strerror(rv), dir);
		return 1;
	}
	for (unsigned i = 0; i < D.nconns; i++)
		pdld_conn_recv(&D.conns[i]);
	if (http.addr != NULL && pdld_http_start(&http, &st) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s", st.msg);
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	char pid[32];
	int pn = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	snprintf(path, sizeof path, "%s/%s", dir, PDL_PID_FILE);
	pdl_file_write(path, pid, (size_t)pn, 0644);
	pdl_log(PDL_LOG_INFO, "serving",
	        PDL_LOG_FIELDS(PDL_LF_STR("dir", dir), PDL_LF_STR("origin", D.origin), PDL_LF_STR("listen", listen),
	                       PDL_LF_BOOL("listen_trusted", rep_trusted), PDL_LF_STR("publish", publish),
	                       PDL_LF_BOOL("publish_trusted", pub_trusted), PDL_LF_U64("log_size", D.head.size),
	                       PDL_LF_STR("metrics", metrics), PDL_LF_BOOL("test_clock", D.test_clock),
	                       PDL_LF_STR("version", pdl_version())),
	        "serving %s (%s) at %s%s, publishing at %s%s, log size %llu%s%s%s%s", dir, D.origin,
	        listen, rep_trusted ? " (trusted)" : "", publish, pub_trusted ? " (trusted)" : "",
	        (unsigned long long)D.head.size, metrics ? ", metrics at http://" : "", metrics ? metrics : "",
	        metrics ? "/metrics" : "", D.test_clock ? ", TEST CLOCK" : "");
	if (http.addr != NULL)
		pdl_log(PDL_LOG_INFO, "http_serving",
		        PDL_LOG_FIELDS(PDL_LF_STR("http", http.addr), PDL_LF_U64("timeout_ms", http.timeout_ms)),
		        "taking acts over HTTP at http://%s/v1/acts (timeout %llu ms)", http.addr,
		        (unsigned long long)http.timeout_ms);
	if (D.verbose)
		pdl_log(PDL_LOG_DEBUG, "limits_set", PDL_LOG_NOFIELDS,
		        "limits: %u connections per listener, %u requests in flight each (%u contexts), "
		        "%zu reply bytes, send timeout %llu ms%s",
		        D.conns_max, D.inflight_max, D.nconns, D.reply_bytes_max, (unsigned long long)D.send_timeout_ms,
		        client_ca ? ", client certificates required" : "");

	/* A reader killed mid-transaction (kill -9 of a `pdl verify`) leaves
	 * its slot in the lock file, pinning old pages so the file only grows;
	 * free such slots every second rather than only at the next open. */
	for (unsigned tick = 1; !got_signal; tick++) {
		usleep(50 * 1000);
		int dead = 0;
		if (tick % 20 == 0 && mdb_reader_check(D.store.env, &dead) == 0 && dead > 0)
			pdl_log(PDL_LOG_WARNING, "stale_readers_cleared", PDL_LOG_NOFIELDS, "cleared %d stale reader slot(s)", dead);
		if (tick % 20 == 0)
			pdld_pipes_sweep();
		if (tick % (LIMIT_LOG_S * 20) == 0)
			log_limits();
	}
	log_limits();

	/* Shutdown: refuse new submits, finish those in flight, checkpoint, close. */
	pdl_log(PDL_LOG_INFO, "stopping",
	        PDL_LOG_FIELDS(PDL_LF_I64("signal", got_signal), PDL_LF_U64("inflight", atomic_load(&D.inflight))),
	        "signal %d, finishing %u requests in flight", (int)got_signal, atomic_load(&D.inflight));
	atomic_store(&D.stopping, 1);
	for (int i = 0; i < 200 && atomic_load(&D.inflight) > 0; i++)
		usleep(50 * 1000);
	pdl_prom_stop(metrics_srv);
	pdld_queue_close(&D.verifyq);
	for (unsigned i = 0; i < D.nworkers; i++)
		pthread_join(D.workers[i], NULL);
	pdld_queue_close(&D.commitq);
	pthread_join(D.writer, NULL);
	pdld_http_stop(); /* after the writer: every HTTP job has its reply to hand over */
	pdld_witness_stop(); /* after the writer's last offer, before PUB closes */
	nng_close(D.rep);
	for (unsigned i = 0; i < D.nconns; i++) {
		nng_aio_stop(D.conns[i].aio);
		nng_aio_free(D.conns[i].aio);
	}
	nng_close(D.pub);
	free(D.conns);
	if (tls != NULL)
		nng_tls_config_free(tls);
	nng_fini(); /* NNG's own global state too: a clean stop leaves nothing allocated */
	free(D.rept.slots); /* after nng_fini: no pipe callback runs any more */
	free(D.pubt.slots);
	unlink(path);
	pdl_engine_fini(&D.engine);
	pdl_store_close(&D.store);
	pdl_seckey_wipe(&D.ledger_sk);
	pdl_log(PDL_LOG_INFO, "stopped",
	        PDL_LOG_FIELDS(PDL_LF_U64("log_size", D.head.size), PDL_LF_U64("checkpoint_size", D.last_ckpt_size)),
	        "stopped at log size %llu, checkpoint %llu", (unsigned long long)D.head.size,
	        (unsigned long long)D.last_ckpt_size);
	return 0;
}
