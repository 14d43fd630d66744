/* main.c — pdld's options, start and stop. The daemon's threads, limits,
 * readers and invariants are described in pdld.h. */
#include <assert.h>
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
#include "promhttp.h"
#include "proto.h"
#include "readacl.h"
#include "version.h"

struct pdld D;

static volatile sig_atomic_t got_signal;
static struct pdl_prom_srv *metrics_srv; /* --metrics, or NULL */

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
	        "  --read-only         serve a copy of a ledger (a `pdl mirror` or `pdl backup` directory)\n"
	        "                      for reads only: no ledger key, submit/clock/blob refused\n"
	        "  --tiles OUT         keep OUT a C2SP tlog-tiles copy of the ledger (as `pdl tiles` writes it),\n"
	        "                      updated after each checkpoint by a thread of its own, off the writer's path\n"
	        "  --tiles-entries public|all  public (the default): OUT is for anyone, no private entry's\n"
	        "                      bytes go there; all: every entry's bytes, for auditors (pdl tiles --help)\n"
	        "  --http HOST:PORT    also take signed acts over HTTP/1.1: POST /v1/acts with JSON\n"
	        "                      {\"act\":base64,\"sig\":base64} (what `pdl sign` prints) or msgpack\n"
	        "                      envelopes, one or an array; same receipts, errors and limits as the\n"
	        "                      socket; GET /v1/head, /v1/checkpoint, /v1/entries/SEQ. No TLS: a\n"
	        "                      loopback address behind a TLS proxy (contrib/nginx/pdld-http.conf),\n"
	        "                      anything else needs --insecure-tcp (spec/formats.md §17)\n"
	        "\n"
	        "Limits (a slow or hostile client costs only itself):\n"
	        "  --max-connections N   connections per listener, REQ/REP and PUB each (default %u); when\n"
	        "                        all are taken, the one idle the longest (no request in flight,\n"
	        "                        idle 2 s or more; a subscriber: the oldest) gives its slot to a\n"
	        "                        new one\n"
	        "  --max-inflight N      requests of one connection being served; more are dropped (default %u)\n"
	        "  --reply-bytes-max B   reply bytes waiting for their clients; a large read reply over it is\n"
	        "                        refused with PDL_EBUSY, to retry (default %u MiB)\n"
	        "  --send-timeout-ms N   a reply its client does not take within N ms is dropped (default %u)\n"
	        "  --memory-max B        pdld's anonymous memory; past it, each second, the REQ/REP\n"
	        "                        connections idle 2 s or more are closed, as a request sent in part\n"
	        "                        holds what was sent of it (default %llu MiB; clients redial)\n"
	        "  --http-timeout-ms N   an HTTP request's head and body must arrive within N ms of its first\n"
	        "                        byte, or it gets 408; an idle HTTP connection is closed after N ms\n"
	        "                        (default %u), a new one that sends nothing after 5 s (or N ms).\n"
	        "                        --max-connections also bounds HTTP connections: when all are\n"
	        "                        taken, the one idle the longest gives its slot to a new one\n"
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
	        (unsigned long long)(MEMORY_MAX_DEFAULT >> 20), HTTP_TIMEOUT_MS_DEFAULT, WITNESS_TIMEOUT_MS_DEFAULT, WITNESS_CA_DEFAULT);
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
enum { OPT_WITNESS_POLICY = 256, OPT_WITNESS_TIMEOUT, OPT_WITNESS_CA, OPT_MEMORY_MAX };

/* Bounds of the options without a limit of their own in pdld.h. */
#define CKPT_MS_MAX 86400000u              /* a day: a checkpoint less often is no log's use */
#define BLOB_MAX_MAX ((uint64_t)1 << 30)   /* 1 GiB: a stored evidence file is read whole into memory */
/* descriptors besides the connections: the store, readers, NNG's pipes,
 * witnesses (128), and --metrics's */
#define FDS_RESERVE (128u + PDL_PROM_FDS_MAX)
#define MAP_SIZE_MIN 65536u                 /* LMDB's map is whole pages; tests start this small */
#define MAP_SIZE_MAX ((uint64_t)1 << 40)   /* 1 TiB: the store grows its map itself past this */
#define MEMORY_MAX_MIN ((uint64_t)32 << 20) /* below this pdld's own tables would trip it */

struct opts {
	const char *dir, *listen, *publish, *tls_cert, *tls_key, *client_ca;
	uint64_t workers, ckpt_ms, blob_max, map_size;
	uint64_t conns_max, inflight_max, reply_bytes_max, send_timeout_ms, memory_max;
	int insecure, ipc_public, test_clock, verbose;
	int read_only;     /* --read-only: a copy, no key, no writer */
	const char *tiles; /* --tiles OUT (tiles.c) */
	enum pdl_tiles_entries tiles_entries; /* --tiles-entries */
	int tiles_entries_set;
	struct pdld_http_opts http; /* --http: acts over HTTP (http.c) */
	const char *metrics, *log_format;
	const char *witness_policy, *witness_ca; /* --witness-policy (witness.c) */
	uint64_t witness_timeout_ms;
	char listen_buf[4200], publish_buf[4200];
};

/* One numeric option: the checked parser (util.h), or exit status 2. */
static int
opt_num(int ch, const char *v, struct opts *o)
{
	switch (ch) {
	case 'w': return pdl_opt_u64("pdld", "--workers", v, 1, WORKERS_MAX, &o->workers);
	case 'c': return pdl_opt_u64("pdld", "--checkpoint-ms", v, 1, CKPT_MS_MAX, &o->ckpt_ms);
	case 'b': return pdl_opt_u64("pdld", "--blob-max", v, 0, BLOB_MAX_MAX, &o->blob_max);
	case 'm': return pdl_opt_u64("pdld", "--map-size", v, MAP_SIZE_MIN, MAP_SIZE_MAX, &o->map_size);
	case 'N': return pdl_opt_u64("pdld", "--max-connections", v, 1, 16384, &o->conns_max);
	case 'F': return pdl_opt_u64("pdld", "--max-inflight", v, 1, 64, &o->inflight_max);
	case 'R':
		return pdl_opt_u64("pdld", "--reply-bytes-max", v, 2 * RANGE_BYTES_MAX, (uint64_t)1 << 40,
		                   &o->reply_bytes_max);
	case 'T': return pdl_opt_u64("pdld", "--send-timeout-ms", v, 10, 3600000, &o->send_timeout_ms);
	case 'W': return pdl_opt_u64("pdld", "--http-timeout-ms", v, 10, 3600000, &o->http.timeout_ms);
	case OPT_MEMORY_MAX:
		return pdl_opt_u64("pdld", "--memory-max", v, MEMORY_MAX_MIN, (uint64_t)1 << 46, &o->memory_max);
	}
	assert(0 && "opt_num: not a numeric option");
	return PDL_EINVAL;
}

/* The command line: long options only (usage() says what each does). */
static const struct option pdld_opts[] = {
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
	{"tiles", required_argument, NULL, 'X'},
	{"tiles-entries", required_argument, NULL, 'E'},
	{"read-only", no_argument, NULL, 'O'},
	{"http-timeout-ms", required_argument, NULL, 'W'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{"metrics", required_argument, NULL, 'M'},
	{"log-format", required_argument, NULL, 'L'},
	{"witness-policy", required_argument, NULL, OPT_WITNESS_POLICY},
	{"witness-timeout-ms", required_argument, NULL, OPT_WITNESS_TIMEOUT},
	{"witness-ca", required_argument, NULL, OPT_WITNESS_CA},
	{"memory-max", required_argument, NULL, OPT_MEMORY_MAX},
	{NULL, 0, NULL, 0},
};

/* Reads the command line into o: 0 to go on, else main's exit status
 * (0 after --help, 2 for a usage error, each named on stderr). */
static int
opts_parse(int argc, char **argv, struct opts *o)
{
	int ch;
	while ((ch = getopt_long(argc, argv, "vh", pdld_opts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->dir = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'p': o->publish = optarg; break;
		case 't': o->test_clock = 1; break;
		case 'i': o->insecure = 1; break;
		case 'C': o->tls_cert = optarg; break;
		case 'K': o->tls_key = optarg; break;
		case 'A': o->client_ca = optarg; break;
		case 'P': o->ipc_public = 1; break;
		case 'v': o->verbose = 1; break;
		case 'H': o->http.addr = optarg; break;
		case 'X': o->tiles = optarg; break;
		case 'E':
			if (pdl_tiles_entries_parse(optarg, &o->tiles_entries) != PDL_OK) {
				pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS,
				        "--tiles-entries takes public or all, not '%s'", optarg);
				return 2;
			}
			o->tiles_entries_set = 1;
			break;
		case 'O': o->read_only = 1; break;
		case 'V': pdl_version_print(stdout, "pdld"); return -1;
		case 'M': o->metrics = optarg; break;
		case 'L': o->log_format = optarg; break;
		case OPT_WITNESS_POLICY: o->witness_policy = optarg; break;
		case OPT_WITNESS_CA: o->witness_ca = optarg; break;
		case OPT_WITNESS_TIMEOUT:
			if (pdl_opt_u64("pdld", "--witness-timeout-ms", optarg, 100, 600000, &o->witness_timeout_ms) != PDL_OK)
				return 2;
			break;
		case 'h': usage(stdout); return -1;
		case 'w': case 'c': case 'b': case 'm': case 'N': case 'F': case 'R': case 'T': case 'W':
		case OPT_MEMORY_MAX:
			if (opt_num(ch, optarg, o) != PDL_OK)
				return 2;
			break;
		default: usage(stderr); return 2;
		}
	}
	if (o->dir == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (pdl_log_init("pdld", o->log_format) != PDL_OK) {
		fprintf(stderr, "pdld: --log-format is text, json or auto, not \"%s\"\n", o->log_format);
		return 2;
	}
	if (o->conns_max * o->inflight_max > CTX_MAX) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS,
		        "--max-connections x --max-inflight is at most %u (contexts)", CTX_MAX);
		return 2;
	}
	return 0;
}

/* The default URLs (in the data directory) and the transport rules: no
 * plain tcp:// unless asked, TLS options only with tls+tcp://. 0 or 2. */
static int
opts_transport(struct opts *o)
{
	if (o->listen == NULL) {
		pdl_client_url_for_dir(o->dir, o->listen_buf, sizeof o->listen_buf);
		o->listen = o->listen_buf;
	}
	if (o->publish == NULL) {
		pdl_client_url_for_dir(o->dir, o->publish_buf, sizeof o->publish_buf);
		char *slash = strrchr(o->publish_buf, '/');
		assert(slash != NULL); /* pdl_client_url_for_dir names a file in the directory */
		snprintf(slash + 1, sizeof o->publish_buf - (size_t)(slash + 1 - o->publish_buf), "%s", PDL_PUB_FILE);
		o->publish = o->publish_buf;
	}
	if (!o->insecure && (strncmp(o->listen, "tcp://", 6) == 0 || strncmp(o->publish, "tcp://", 6) == 0)) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS,
		        "refusing plain tcp:// without TLS; use tls+tcp:// or pass --insecure-tcp");
		return 2;
	}
	int want_tls = strncmp(o->listen, "tls+", 4) == 0 || strncmp(o->publish, "tls+", 4) == 0;
	if ((o->tls_cert == NULL) != (o->tls_key == NULL) || (want_tls && o->tls_cert == NULL)) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS, "tls+tcp:// needs both --tls-cert FILE and --tls-key FILE");
		return 2;
	}
	if (o->tls_cert != NULL && !want_tls) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS, "--tls-cert is for tls+tcp:// --listen or --publish URLs");
		return 2;
	}
	if (o->client_ca != NULL && o->tls_cert == NULL) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS,
		        "--tls-client-ca is for tls+tcp:// listeners (with --tls-cert/--tls-key)");
		return 2;
	}
	if (o->tiles_entries_set && o->tiles == NULL) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS, "--tiles-entries goes with --tiles OUT");
		return 2;
	}
	if (o->read_only && o->tiles != NULL) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS,
		        "--tiles needs the ledger's own pdld (pdl mirror --tiles writes a mirror's tiles)");
		return 2;
	}
	if (o->read_only && o->http.addr != NULL) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS,
		        "--http takes acts, and a --read-only pdld has no writer: serve reads with pdl-project, or the "
		        "copy's tiles (pdl tiles)");
		return 2;
	}
	return 0;
}

/* Reads what pdld keeps in memory from the store: the rules' state, the
 * head, the ledger id and the newest checkpoint's size. */
static int
ledger_load(const char *dir)
{
	MDB_txn *t;
	if (pdl_store_rtxn(&D.store, &t) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "cannot read the ledger");
		return PDL_EIO;
	}
	int rc = pdl_engine_load(&D.engine, t);
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
		return rc;
	}
	/* the suite came from the genesis (pdl_engine_load); a read-only copy has no key */
	char path[4200];
	struct pdl_status st = {0};
	snprintf(path, sizeof path, "%s/%s", dir, PDL_LEDGER_KEY_FILE);
	if (D.read_only) {
		pdl_suite_use(D.engine.info.suite);
		return PDL_OK;
	}
	if (D.ledger_sk.suite != D.engine.info.suite) {
		pdl_key_wrong_suite(path, &D.ledger_sk, D.engine.info.suite, &st);
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s", st.msg);
		return PDL_EINVAL;
	}
	if (!pdl_pubkey_eq(&D.ledger_sk.pk, &D.engine.info.ledger_pk)) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s does not match the ledger key named in genesis",
		        path);
		return PDL_EINVAL;
	}
	assert(D.last_ckpt_size <= D.head.size); /* a checkpoint signs a log that exists */
	return PDL_OK;
}

/* Opens the ledger of o->dir for writing, one pdld at a time (a lock held
 * for the life of the process), with its key; 0 or main's exit status. */
static int
ledger_open(const struct opts *o)
{
	char path[4200];
	struct pdl_status st = {0};
	snprintf(path, sizeof path, "%s/%s", o->dir, PDL_LEDGER_KEY_FILE);
	if (!D.read_only && pdl_key_load(path, &D.ledger_sk, &st) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s", st.msg);
		return 1;
	}
	atexit(wipe_ledger_key); /* every way out of main wipes it, not just a clean stop */
	snprintf(path, sizeof path, "%s/pdld.lock", o->dir);
	int lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		pdl_log(PDL_LOG_ERROR, "already_running", PDL_LOG_NOFIELDS, "another pdld is serving %s (lock %s held)",
		        o->dir, path);
		return 1;
	}
	int rc = pdl_store_open(&D.store, o->dir, 0);
	if (rc != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS,
		        "cannot open the ledger in %s: %s (run `pdl init --data %s` first)", o->dir, pdl_errmsg(rc), o->dir);
		return 1;
	}
	if (o->map_size != 0) {
		/* LMDB rounds a map smaller than the data up to the data. */
		MDB_envinfo info;
		if (mdb_env_set_mapsize(D.store.env, (size_t)o->map_size) != 0) {
			pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "cannot set the map size to %llu",
			        (unsigned long long)o->map_size);
			return 1;
		}
		mdb_env_info(D.store.env, &info);
		D.store.mapsize = info.me_mapsize;
		pdl_log(PDL_LOG_INFO, "map_size", PDL_LOG_NOFIELDS, "map size %zu bytes", D.store.mapsize);
	}
	pdl_engine_init(&D.engine, &D.store);
	return ledger_load(o->dir) == PDL_OK ? 0 : 1;
}

/* After a crash (kill -9 under load) the newest checkpoint may be behind
 * the log: sign one before serving, so that a pdld stopped at once still
 * leaves the log covered. */
static int
checkpoint_catch_up(void)
{
	if (D.head.size <= D.last_ckpt_size || D.read_only)
		return PDL_OK; /* a read-only copy signs nothing: its checkpoints are the ledger's */
	uint64_t behind = D.last_ckpt_size;
	int rc = pdld_writer_checkpoint();
	if (rc != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "cannot sign a checkpoint of the log (size %llu): %s",
		        (unsigned long long)D.head.size, pdl_errmsg(rc));
		return rc;
	}
	assert(D.last_ckpt_size == D.head.size);
	pdl_log(PDL_LOG_WARNING, "checkpoint_caught_up",
	        PDL_LOG_FIELDS(PDL_LF_U64("behind", behind), PDL_LF_U64("checkpoint_size", D.last_ckpt_size)),
	        "the newest checkpoint (size %llu) was behind the log: signed one of size %llu",
	        (unsigned long long)behind, (unsigned long long)D.last_ckpt_size);
	return PDL_OK;
}

/* Opens the PUB and REP sockets, starts the verifier and writer threads
 * and the REP contexts; 0 or main's exit status. */
static int
serve_start(const struct opts *o, nng_tls_config *tls, int rep_trusted, int pub_trusted)
{
	int rv;
	if ((rv = nng_pub0_open(&D.pub)) != 0 || (rv = pdld_pipe_tab_init(&D.pubt, D.pub, "publish", pub_trusted)) != 0 ||
	    (rv = pdld_listen(D.pub, o->publish, tls, &D.pubt, 1, o->client_ca != NULL)) != 0) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "cannot publish on %s: %s", o->publish,
		        nng_strerror(rv));
		return 1;
	}
	/* a subscriber sends nothing: NNG reads (and drops) what one does, so
	 * a buffer for more than a few bytes is memory for the taking */
	nng_socket_set_size(D.pub, NNG_OPT_RECVMAXSZ, 64);
	if ((rv = nng_rep0_open(&D.rep)) != 0 || (rv = pdld_pipe_tab_init(&D.rept, D.rep, "listen", rep_trusted)) != 0) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "cannot open REP socket: %s", nng_strerror(rv));
		return 1;
	}
	/* before any thread: a taken port stops pdld before it does anything */
	if (o->metrics != NULL && pdld_metrics_start(o->metrics, &metrics_srv) != PDL_OK)
		return 1;
	D.nconns = D.conns_max * D.inflight_max + CTX_SPARE;
	if ((D.conns = calloc(D.nconns, sizeof *D.conns)) == NULL) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "out of memory for %u contexts", D.nconns);
		return 1;
	}
	nng_socket_set_size(D.rep, NNG_OPT_RECVMAXSZ,
	                    D.blob_max + 4096 > PDL_REQ_BYTES_MAX ? D.blob_max + 4096 : PDL_REQ_BYTES_MAX);
	D.nworkers = (unsigned)o->workers;
	assert(D.nworkers >= 1 && D.nworkers <= WORKERS_MAX); /* opts_parse's bounds */
	for (unsigned i = 0; i < D.nworkers; i++)
		pthread_create(&D.workers[i], NULL, pdld_verifier_main, NULL);
	if (!D.read_only) {
		pthread_create(&D.writer, NULL, pdld_writer_main, NULL);
		pthread_setname_np(D.writer, "pdld:writer"); /* names for top -H, perf and gdb */
	}
	for (unsigned i = 0; i < D.nworkers; i++)
		pthread_setname_np(D.workers[i], "pdld:verify");
	if (D.tiles_out != NULL) {
		pthread_mutex_init(&D.tiles_mu, NULL);
		pthread_cond_init(&D.tiles_cv, NULL);
		pthread_create(&D.tiles, NULL, pdld_tiles_main, NULL);
		pthread_setname_np(D.tiles, "pdld:tiles");
	}
	for (unsigned i = 0; i < D.nconns; i++) {
		struct conn *c = &D.conns[i];
		if ((rv = nng_aio_alloc(&c->aio, pdld_conn_cb, c)) != 0 || (rv = nng_ctx_open(&c->ctx, D.rep)) != 0) {
			pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s", nng_strerror(rv));
			return 1;
		}
	}
	if ((rv = pdld_listen(D.rep, o->listen, tls, &D.rept, 0, o->client_ca != NULL)) != 0) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS,
		        "cannot listen on %s: %s (is another pdld serving %s?)", o->listen, nng_strerror(rv), o->dir);
		return 1;
	}
	for (unsigned i = 0; i < D.nconns; i++)
		pdld_conn_recv(&D.conns[i]);
	struct pdl_status st = {0};
	if (o->http.addr != NULL && pdld_http_start(&o->http, &st) != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "%s", st.msg);
		return 1;
	}
	return 0;
}

/* Until a signal: the housekeeping of every second. A reader killed
 * mid-transaction (kill -9 of a `pdl verify`) leaves its slot in the lock
 * file, pinning old pages so the file only grows: such slots are freed
 * every second rather than only at the next open. */
static void
serve_loop(void)
{
	for (unsigned tick = 1; !got_signal; tick++) {
		usleep(50 * 1000);
		int dead = 0;
		if (tick % 20 == 0 && mdb_reader_check(D.store.env, &dead) == 0 && dead > 0)
			pdl_log(PDL_LOG_WARNING, "stale_readers_cleared", PDL_LOG_NOFIELDS, "cleared %d stale reader slot(s)",
			        dead);
		if (tick % 20 == 0) {
			pdld_pipes_sweep();
			pdld_memory_check();
			pdld_listeners_check();
		}
		if (tick % (LIMIT_LOG_S * 20) == 0)
			log_limits();
	}
	log_limits();
}

/* Shutdown: refuse new submits, finish those in flight, checkpoint, close. */
static void
serve_stop(nng_tls_config *tls)
{
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
	if (!D.read_only)
		pthread_join(D.writer, NULL);
	pdld_http_stop(); /* after the writer: every HTTP job has its reply to hand over */
	pdld_witness_stop(); /* after the writer's last offer, before PUB closes */
	if (D.tiles_out != NULL) {
		/* one last export, after the writer's last checkpoint */
		pthread_mutex_lock(&D.tiles_mu);
		D.tiles_stop = 1;
		pthread_cond_signal(&D.tiles_cv);
		pthread_mutex_unlock(&D.tiles_mu);
		pthread_join(D.tiles, NULL);
	}
	nng_close(D.rep);
	for (unsigned i = 0; i < D.nconns; i++) {
		nng_aio_stop(D.conns[i].aio);
		/* A reply a callback set on its aio just as the stop came was never
		 * taken: nng_ctx_send begins nothing on a stopped aio, and frees
		 * nothing (LeakSanitizer saw it in t_68, 2 runs in 20). */
		nng_msg *m = nng_aio_get_msg(D.conns[i].aio);
		if (m != NULL)
			nng_msg_free(m);
		nng_aio_free(D.conns[i].aio);
	}
	nng_close(D.pub);
	free(D.conns);
	if (tls != NULL)
		nng_tls_config_free(tls);
	/* NNG's own global state too: a clean stop leaves nothing allocated;
	 * but not under a listener probe still in its handshake, which NNG
	 * 1.5.2 would lose, nor after a TLS listener was lost (listen.c): then
	 * NNG's state stays as it is */
	unsigned probes = pdld_probes_settle(2000);
	if (probes == 0 && pdld_listeners_lost() == 0)
		nng_fini();
	else if (D.verbose)
		pdl_log(PDL_LOG_DEBUG, "nng_not_finalized",
		        PDL_LOG_FIELDS(PDL_LF_U64("probes", probes), PDL_LF_U64("lost", pdld_listeners_lost())),
		        "NNG's state left as it is: %u listener probes still in their handshake, %u TLS listeners lost",
		        probes, pdld_listeners_lost());
	free(D.rept.slots); /* after nng_fini: no pipe callback runs any more */
	free(D.pubt.slots);
	pdl_engine_fini(&D.engine);
	pdl_store_close(&D.store);
	pdl_seckey_wipe(&D.ledger_sk);
	pdl_log(PDL_LOG_INFO, "stopped",
	        PDL_LOG_FIELDS(PDL_LF_U64("log_size", D.head.size), PDL_LF_U64("checkpoint_size", D.last_ckpt_size)),
	        "stopped at log size %llu, checkpoint %llu", (unsigned long long)D.head.size,
	        (unsigned long long)D.last_ckpt_size);
}

/* The options pdld's threads read, into D. */
static void
opts_apply(const struct opts *o)
{
	D.ckpt_ms = o->ckpt_ms;
	D.blob_max = (size_t)o->blob_max;
	D.test_clock = o->test_clock;
	D.verbose = o->verbose;
	D.read_only = o->read_only;
	D.tiles_out = o->tiles;
	D.tiles_rules = (struct pdl_tiles_rules){pdl_entry_ckpt_ref, pdl_readacl_public, o->tiles_entries};
	D.conns_max = (unsigned)o->conns_max;
	/* three listeners (REQ/REP, PUB, --http) of --max-connections each
	 * must fit the descriptors: or accept fails with EMFILE before the
	 * tables are full, and one flooded listener starves the others */
	uint64_t fds = pdl_nofile_raise();
	uint64_t fit = fds > FDS_RESERVE + 3 ? (fds - FDS_RESERVE) / 3 : 1;
	if (D.conns_max > fit) {
		pdl_log(PDL_LOG_WARNING, "connections_clamped",
		        PDL_LOG_FIELDS(PDL_LF_U64("max_connections", D.conns_max), PDL_LF_U64("clamped_to", fit),
		                       PDL_LF_U64("nofile", fds)),
		        "--max-connections %u clamped to %llu: the descriptor limit (RLIMIT_NOFILE, hard) is %llu; raise "
		        "it (ulimit -Hn, LimitNOFILE=) to serve more",
		        D.conns_max, (unsigned long long)fit, (unsigned long long)fds);
		D.conns_max = (unsigned)fit;
	}
	D.inflight_max = (unsigned)o->inflight_max;
	D.reply_bytes_max = (size_t)o->reply_bytes_max;
	D.send_timeout_ms = o->send_timeout_ms;
	D.memory_max = o->memory_max;
	assert(D.ckpt_ms >= 1 && D.conns_max >= 1 && D.inflight_max >= 1); /* opts_parse's bounds */
}

/* The pid file (its path into path, removed at a clean stop) and the
 * line saying pdld serves. */
static void
announce(const struct opts *o, int rep_trusted, int pub_trusted, char *path, size_t cap)
{
	char pid[32];
	int pn = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	snprintf(path, cap, "%s/%s", o->dir, PDL_PID_FILE);
	pdl_file_write(path, pid, (size_t)pn, 0644);
	pdl_log(PDL_LOG_INFO, "serving",
	        PDL_LOG_FIELDS(PDL_LF_STR("dir", o->dir), PDL_LF_STR("origin", D.origin), PDL_LF_STR("listen", o->listen),
	                       PDL_LF_BOOL("listen_trusted", rep_trusted), PDL_LF_STR("publish", o->publish),
	                       PDL_LF_BOOL("publish_trusted", pub_trusted), PDL_LF_U64("log_size", D.head.size),
	                       PDL_LF_STR("metrics", o->metrics), PDL_LF_BOOL("test_clock", D.test_clock),
	                       PDL_LF_STR("version", pdl_version())),
	        "serving %s (%s) at %s%s, publishing at %s%s, log size %llu%s%s%s%s", o->dir, D.origin, o->listen,
	        rep_trusted ? " (trusted)" : "", o->publish, pub_trusted ? " (trusted)" : "",
	        (unsigned long long)D.head.size, o->metrics ? ", metrics at http://" : "", o->metrics ? o->metrics : "",
	        o->metrics ? "/metrics" : "", D.test_clock ? ", TEST CLOCK" : "");
	if (o->http.addr != NULL)
		pdl_log(PDL_LOG_INFO, "http_serving",
		        PDL_LOG_FIELDS(PDL_LF_STR("http", o->http.addr), PDL_LF_U64("timeout_ms", o->http.timeout_ms)),
		        "taking acts over HTTP at http://%s/v1/acts (timeout %llu ms)", o->http.addr,
		        (unsigned long long)o->http.timeout_ms);
	if (D.verbose)
		pdl_log(PDL_LOG_DEBUG, "limits_set", PDL_LOG_NOFIELDS,
		        "limits: %u connections per listener, %u requests in flight each (%u contexts), "
		        "%zu reply bytes, send timeout %llu ms%s",
		        D.conns_max, D.inflight_max, D.nconns, D.reply_bytes_max, (unsigned long long)D.send_timeout_ms,
		        o->client_ca ? ", client certificates required" : "");
}

/* --witness-policy, before the writer starts: every checkpoint it commits
 * goes to the witnesses (witness.c). 0, or main's exit status. */
static int
witness_start(struct opts *o)
{
	struct pdl_status st = {0};
	if (o->read_only) { /* a copy publishes what its source published */
		if (o->witness_policy == NULL)
			return 0;
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS,
		        "--witness-policy and --read-only exclude each other: a copy has no key and signs no "
		        "checkpoint for witnesses to cosign");
		return 2;
	}
	if (o->witness_ca == NULL && access(WITNESS_CA_DEFAULT, R_OK) == 0)
		o->witness_ca = WITNESS_CA_DEFAULT;
	if (pdld_witness_start(o->witness_policy, o->witness_ca, (unsigned)o->witness_timeout_ms, &st) == PDL_OK)
		return 0;
	pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_FIELDS(PDL_LF_STR("error", pdl_strerror(st.err))), "%s", st.msg);
	return st.err == PDL_EINVAL ? 2 : 1;
}

/* After serve_stop: when NNG 1.5.2 has kept, for good, the connections of
 * a TLS listener it stopped serving (listen.c), they cannot be freed, and
 * the sanitizers' leak check at exit would report them as pdld's: pdld
 * ends without the exit handlers. Everything it owns is closed and synced
 * by now. Else 0, main's exit status. */
static int
exit_after_lost(void)
{
	if (pdld_listeners_lost() == 0)
		return 0;
	fflush(NULL);
	_exit(0);
}

int
main(int argc, char **argv)
{
	static struct opts o = {
		.workers = 0,
		.ckpt_ms = 1000,
		.blob_max = (uint64_t)8 << 20,
		.conns_max = CONNS_MAX_DEFAULT,
		.inflight_max = INFLIGHT_MAX_DEFAULT,
		.reply_bytes_max = REPLY_BYTES_MAX_DEFAULT,
		.send_timeout_ms = SEND_TIMEOUT_MS_DEFAULT,
		.memory_max = MEMORY_MAX_DEFAULT,
		.http = {NULL, HTTP_TIMEOUT_MS_DEFAULT, 0},
		.witness_timeout_ms = WITNESS_TIMEOUT_MS_DEFAULT,
	};
	static nng_tls_config *tls; /* static: still reachable (no leak report) on an early return */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	o.workers = ncpu < 1 ? 1 : ncpu > WORKERS_MAX ? WORKERS_MAX : (uint64_t)ncpu;
	/* First of all: a SIGTERM while pdld starts stops it cleanly once it
	 * has started (the loop below sees it), rather than killing it. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pdl_malloc_map_apart(); /* pdld.h, "Limits": --memory-max */
	pdl_crash_report_install("pdld");
	int rc = opts_parse(argc, argv, &o);
	if (rc != 0 || (rc = opts_transport(&o)) != 0)
		return rc < 0 ? 0 : rc;
	opts_apply(&o);
	if (pdl_crypto_init() != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "libsodium failed to initialise");
		return 1;
	}
	if (o.tls_cert != NULL && pdld_tls_server_config(o.tls_cert, o.tls_key, o.client_ca, &tls) != PDL_OK)
		return 1;
	o.http.insecure = o.insecure;
	if ((rc = ledger_open(&o)) != 0)
		return rc;
	if (D.test_clock && !D.engine.info.test_clock) {
		pdl_log(PDL_LOG_ERROR, "bad_option", PDL_LOG_NOFIELDS,
		        "--test-clock refused: the genesis of %s does not allow a test clock (only a ledger made with "
		        "`pdl init --test-clock` runs on one, and its genesis tells every auditor so)",
		        o.dir);
		return 2;
	}
	if (!D.test_clock)
		warn_time_ahead(o.dir);
	snprintf(D.origin, sizeof D.origin, "%s", D.engine.info.origin);
	if ((rc = witness_start(&o)) != 0)
		return rc;
	atomic_store(&D.clock_ms, D.head.time_ms);
	D.last_ckpt_ns = pdl_mono_ns();
	pthread_mutex_init(&D.head_mu, NULL);
	pdld_metrics_init();
	pdld_queue_init(&D.verifyq);
	pdld_queue_init(&D.commitq);
	if (checkpoint_catch_up() != PDL_OK)
		return 1;
	/* ipc:// in the data directory is as private as its key files: trusted,
	 * unless --ipc-public; every other transport reaches the network */
	int rep_trusted = strncmp(o.listen, "ipc://", 6) == 0 && !o.ipc_public;
	int pub_trusted = strncmp(o.publish, "ipc://", 6) == 0 && !o.ipc_public;
	if ((rc = serve_start(&o, tls, rep_trusted, pub_trusted)) != 0)
		return rc;
	char path[4200];
	announce(&o, rep_trusted, pub_trusted, path, sizeof path);
	serve_loop();
	serve_stop(tls);
	unlink(path);
	return exit_after_lost();
}
