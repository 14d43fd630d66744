/*
 * pdld.h — the ledger daemon (pdld), the only process that writes the log:
 * what its files share. main.c (options, start, stop), ingest.c
 * (connections, their limits, requests), reads.c (answers from a read
 * transaction), verifiers.c (decode and signature checks), writer.c
 * (batches, group commit, publishing), tls.c (certificates), listen.c
 * (listeners, and a watch for NNG 1.5.2's listener that stops), queue.c,
 * tiles.c (--tiles: C2SP tlog-tiles kept current off the writer's path).
 *
 * Threads and the life of a submit request:
 *   NNG callbacks (one REP context per slot, see "Limits") decode the
 *     request and cut its acts into chunks on the verify queue; reads are
 *     answered right there from a read transaction.
 *   Verifiers (one per core) decode each act and check its signature with
 *     the actor's key from a read snapshot; when the last chunk of a request
 *     is done, the request moves to the commit queue.
 *   The writer takes every request waiting, runs their acts through the
 *     rules in one transaction, signs a checkpoint when one is due, commits
 *     (one fsync for the batch), and only then sends the receipts and
 *     publishes the entries.
 *
 * Limits (a slow or hostile client costs only itself; README, "Security"):
 *   --max-connections  pipes per listener (REP and PUB each); a pipe over
 *                      it is closed as it arrives (NNG's ADD_PRE notify).
 *   --max-inflight     requests of one pipe between receipt and the end of
 *                      their reply's send; a request over it is dropped
 *                      unread (a REQ client resends it after 10 s).
 *   contexts           max-connections x max-inflight (+ spare): a pipe
 *                      under its in-flight limit always finds a context, so
 *                      pipes that never read their replies cannot starve
 *                      the others.
 *   --reply-bytes-max  bytes of replies not yet taken by their transport
 *                      (queued behind a client that does not read) plus the
 *                      last reply handed to each pipe's transport (held
 *                      until the next reply to that pipe is handed over, or
 *                      the pipe closes: NNG has no send-done signal beyond
 *                      that). A read reply over REPLY_SMALL_BYTES that would
 *                      pass it is replaced by PDL_EBUSY (clients retry).
 *   --send-timeout-ms  a reply not taken within it is dropped and its
 *                      context reused; a connection whose last large reply
 *                      sits in its transport longer, with nothing asked
 *                      since, is closed (pipes_sweep).
 *   SUBMITS_INFLIGHT_MAX submit requests between receipt and receipts;
 *                      one over it is refused with PDL_EBUSY.
 *   --memory-max       pdld's anonymous memory. NNG reads a request into a
 *                      buffer of its declared size (up to --blob-max +
 *                      4 KiB) before pdld sees any of it, so a request sent
 *                      in part is memory no limit above counts. Buffers of
 *                      128 KiB and more are mapped apart (pdl_malloc_map_apart),
 *                      so what a pipe holds is what its peer sent, and goes
 *                      back to the system when freed. Past --memory-max,
 *                      each second, every pipe idle 2 s with no request in
 *                      flight is closed (memory_check): those are where a
 *                      part-sent request lies; clients redial.
 *
 * HTTP (http.c, `--http ADDR`): one thread serves POST /v1/acts and a few
 *   reads on its own bounded connections (spec/formats.md §17). A body
 *   becomes the same msgpack submit request the socket takes, goes through
 *   the same job path (verifiers, writer, group commit) and its receipts
 *   come back through pdld_job_reply, only after the batch is durable.
 *
 * Readers (readacl.h): the ipc:// listener in the data directory is
 * trusted (unless --ipc-public) and serves every entry. On a network
 * listener a read request may carry a reader token (readtok.h, `auth`,
 * METHOD "NNG", target the op name) checked against the party's current
 * key and the real clock (a suspended party's token is refused, as the
 * private HTTP listener refuses it); private entries go only to readers entitled to
 * them: `get` refuses with PDL_EPRIVATE, `range` puts a placeholder
 * {seq, private: true, hash} in the entry's place. PUB on a network
 * listener publishes the same placeholders for private entries.
 *
 * Witnesses (--witness-policy, witness.c): the writer hands each
 * checkpoint it commits to the witness threads instead of publishing it;
 * they publish it (PUB 'c', and as pdl_ckpt_published for the
 * `checkpoint` request) once cosignatures meet the policy's quorum. The
 * writer never waits for a witness.
 *
 * Invariants:
 *  (1) a receipt is sent only after the transaction holding its entry is
 *      durable (mdb_txn_commit returned 0 without MDB_NOSYNC);
 *  (2) only the writer thread writes the log, tree and state; the other
 *      write transactions are a `blob` put (file bytes outside the log,
 *      checked against a deposited digest) and the witness coordinator's
 *      cosignatures of a checkpoint (ckpt.h), both taken under the resize
 *      rdlock;
 *  (3) submit requests in flight are bounded by SUBMITS_INFLIGHT_MAX, and
 *      all requests by the contexts, so the queues need no other bound;
 *  (4) D.reply_bytes is the sum of every context's reply being sent and
 *      every live pipe's transport_bytes (all under D.rept.mu);
 *  (5) a private entry's bytes leave by a network listener only to a
 *      reader pdl_readacl_allows.
 */
#ifndef PDLD_H
#define PDLD_H

#include <pthread.h>
#include <stdatomic.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "log.h"
#include "prom.h"
#include "promhttp.h"
#include "rules.h"
#include "tiles.h"

/* Defaults of the limits (header comment); each has a flag. */
#define CONNS_MAX_DEFAULT 256u                 /* pipes per listener: a busy node's clients, with room */
#define INFLIGHT_MAX_DEFAULT 4u                /* a REQ client has one request out; a few for pipelining */
#define REPLY_BYTES_MAX_DEFAULT (64u << 20)    /* reply memory: ~16 full range replies waiting at once */
#define SEND_TIMEOUT_MS_DEFAULT 10000u         /* a client that reads nothing for 10 s is not reading */
#define MEMORY_MAX_DEFAULT ((uint64_t)1 << 30) /* anonymous memory: 16 x the reply budget, room to spare */
#define HTTP_TIMEOUT_MS_DEFAULT 30000u         /* an HTTP request whole: 6 MiB at 200 KiB/s; a proxy sends faster */
#define CTX_MAX 65536u                         /* contexts (conns x inflight): bounds their memory */
#define CTX_SPARE 8u                           /* contexts over conns x inflight, for pipes gone mid-request */
#define SUBMITS_INFLIGHT_MAX 128u              /* submits decoded and queued: bounds job memory */
#define REPLY_SMALL_BYTES 4096u                /* errors and small replies are never refused for memory */
#define RANGE_BYTES_MAX (4u << 20)             /* one range reply; below the reply budget */
#define LIMIT_LOG_S 10u                        /* how often limit counters are logged without --verbose */
#define CHUNK_ACTS 64u              /* acts per verify task: spreads one big request over all cores */
#define BATCH_ACTS_MAX 16384u       /* acts per writer transaction */
#define PUB_BYTES_MAX (512u * 1024) /* split published entry messages past this */
#define WORKERS_MAX 64
#define WITNESS_TIMEOUT_MS_DEFAULT 5000u  /* one request to a witness; a slow one costs only its own round */
#define WITNESS_CA_DEFAULT "/etc/ssl/certs/ca-certificates.crt" /* Debian's ca-certificates bundle */

struct item {
	const uint8_t *b, *sig;
	size_t len;
	/* its run through the rules: rc and st are first the result of decoding
	 * (ingest, verifiers), then of the rules (the writer's batch) */
	struct pdl_batch_item run;
	struct pdl_act act;
	int have_vpk;
	struct pdl_pubkey vpk; /* the key the signature verified with */
	int dup; /* accepted as a resubmission of an act already in the log (the writer's, for the metrics) */
};

struct conn;
struct hconn;

struct job {
	struct job *next;
	struct conn *conn;   /* the NNG context to reply on, or NULL for an HTTP request: */
	struct hconn *hconn; /* the HTTP connection (http.c) and its generation then */
	uint32_t hconn_gen;
	nng_msg *req;
	uint32_t n;
	struct item *items;
	atomic_uint pending; /* chunks not yet verified */
};

struct task {
	struct task *next;
	struct job *job;
	uint32_t lo, hi;
};

enum { C_RECV, C_SEND, C_WAIT };

struct conn {
	nng_aio *aio;
	nng_ctx ctx;
	int state;
	uint32_t pipe;  /* the pipe of the request being served (0: none) */
	int trusted;    /* it came by the trusted local listener */
	size_t reply_n; /* bytes of the reply being sent, counted in D.reply_bytes */
};

/* One connection (NNG pipe) of a listener. */
struct pipe_slot {
	uint32_t id;            /* 0: free */
	unsigned inflight;      /* requests received and not yet replied */
	size_t transport_bytes; /* the last reply handed to its transport */
	uint64_t handed_ns;     /* when it was handed over (pdl_mono_ns) */
	uint64_t active_ns;     /* its last sign of use: connected, a request, a reply (pdl_mono_ns) */
};

/* The pipes of one socket (one listener each), under mu. */
struct pipe_tab {
	pthread_mutex_t mu;
	struct pipe_slot *slots;
	unsigned cap, n;
	int trusted; /* its listener is the local ipc:// one (and not --ipc-public) */
	const char *name;
	atomic_uint adds; /* pipes NNG added (ADD_PRE), refused ones too: listen.c's probe */
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void *head, **tail; /* singly linked via first member `next` */
	unsigned len;       /* items waiting: the metrics' queue depth */
	int closed;
};

/* What pdld counts for --metrics (metrics.c): relaxed atomics, no lock. */
struct pdld_metrics {
	struct pdl_prom_family accepted; /* type */
	struct pdl_prom_family refused;  /* type, error, rule */
	struct pdl_prom_family http;     /* route, status */
	struct pdl_prom_counter duplicates, batches_failed;
	struct pdl_prom_hist batch_acts, commit_us;
	atomic_uint_fast64_t ckpt_size, ckpt_wall_ms; /* the latest checkpoint, as the writer signed it */
	uint64_t start_ms;
};

struct pdld {
	struct pdl_store store;
	struct pdl_engine engine;
	struct pdl_seckey ledger_sk; /* the checkpoint key, of the ledger's suite */
	char origin[PDL_ORIGIN_LEN_MAX + 1];
	nng_socket rep, pub;
	struct conn *conns;
	unsigned nconns;
	struct pipe_tab rept, pubt; /* rept.mu also guards reply_bytes */
	unsigned conns_max, inflight_max;
	size_t reply_bytes_max, reply_bytes;
	uint64_t send_timeout_ms;
	uint64_t memory_max; /* --memory-max: anonymous bytes (memory_check) */
	uint8_t ledger_id[PDL_HASH_BYTES]; /* the suite's hash of entry 0: what reader tokens name */
	/* limit events since the start (the log line says those since the last one) */
	atomic_uint n_conn_evicted; /* idle NNG connections closed for a new one (ingest.c) */
	atomic_uint n_conn_memory;  /* idle NNG connections closed over --memory-max (ingest.c) */
	atomic_uint n_conn_refused, n_req_dropped, n_reply_refused, n_reply_timeout, n_read_refused, n_submit_busy;
	struct pdld_metrics m;
	struct queue verifyq, commitq;
	pthread_t workers[WORKERS_MAX], writer;
	unsigned nworkers;
	int test_clock;
	atomic_ullong clock_ms; /* test clock value */
	uint64_t ckpt_ms;        /* checkpoint interval */
	size_t blob_max;         /* largest file `pdl evidence deposit --store` may keep */
	atomic_int stopping;
	atomic_uint inflight; /* submit requests not yet replied */
	uint64_t last_ckpt_size;
	uint64_t last_ckpt_ns;
	struct pdl_head head; /* the writer's view; readers use transactions */
	pthread_mutex_t head_mu;
	int verbose;
	int read_only; /* --read-only: a copy (mirror, backup); no key, no writer, writes refused */
	int commit_mdb_rc; /* the writer's last failed mdb_txn_commit, for its replies */
	/* --tiles OUT (tiles.c): the writer bumps tiles_gen after a checkpoint */
	const char *tiles_out;
	struct pdl_tiles_rules tiles_rules; /* --tiles-entries */
	pthread_t tiles;
	pthread_mutex_t tiles_mu;
	pthread_cond_t tiles_cv;
	uint64_t tiles_gen;     /* under tiles_mu */
	int tiles_stop;         /* under tiles_mu */
	int tiles_failed;       /* the tiles thread's own */
	atomic_ullong tiles_size; /* OUT/checkpoint's size after the last export */
	struct pdld_http *http; /* --http's listener, or NULL */
	atomic_uint n_http_refused, n_http_timeout, n_http_body_busy, n_http_evicted;
};

/* The daemon's one state, shared by its threads as each field says. */
extern struct pdld D;

/* queue.c: unbounded FIFO queues between threads (bounded by invariant 3). */
void pdld_queue_init(struct queue *q);
void pdld_queue_push(struct queue *q, void *item);
/* Pops one item, waiting; NULL when closed and empty. */
void *pdld_queue_pop(struct queue *q);
/* Takes the whole list, waiting up to ms; NULL on timeout or closed+empty. */
void *pdld_queue_take_all(struct queue *q, uint64_t ms, int *closed);
void pdld_queue_close(struct queue *q);

/* ingest.c: connections, their limits, and requests. */
void pdld_pack_error(msgpack_packer *pk, int err, const char *rule, const char *msg);
int pdld_pipe_tab_init(struct pipe_tab *pt, nng_socket s, const char *name, int trusted);
void pdld_pipes_sweep(void);
void pdld_memory_check(void);
void pdld_conn_recv(struct conn *c);
void pdld_conn_cb(void *arg); /* NNG's callback of every context's aio */
void pdld_conn_send(struct conn *c, const void *b, size_t n, int refusable);
void pdld_reply_error(struct conn *c, int err, const char *msg);
void pdld_job_free(struct job *j);
/* Takes a submit request (m, whose body req reads) into a new job (*out;
 * it owns m from then on). Errors, for the request as a whole (m still
 * the caller's): PDL_EPROTO, PDL_ETOOBIG, PDL_ENOMEM. */
int pdld_job_make(nng_msg *m, struct mp_cur req, struct job **out, struct pdl_status *st);
/* Hands a job to the verifiers (counted in D.inflight until its reply). */
void pdld_job_start(struct job *j);
/* The writer's reply to a job, to whoever sent it: the msgpack reply b[0..n)
 * or a request-level error. */
void pdld_job_reply(struct job *j, const void *b, size_t n);
void pdld_job_error(struct job *j, int err, const char *msg);

/* reads.c: requests answered from a read transaction on NNG's threads. */
int pdld_read(const char *op, size_t opn, struct mp_cur req, msgpack_packer *pk, struct pdl_status *st, int trusted);
/* pdld_read on a network listener whose reader tokens sign an HTTP
 * request: method and target as sent (spec/formats.md §15), not "NNG" and
 * the op. */
int pdld_read_http(const char *op, struct mp_cur req, msgpack_packer *pk, struct pdl_status *st, const char *method,
                   const char *target);
int pdld_clock(struct mp_cur req, msgpack_packer *pk, struct pdl_status *st);
int pdld_blob(struct mp_cur req, msgpack_packer *pk, struct pdl_status *st, int trusted);
/* The ledger time now: the test clock's, or the real one. */
uint64_t pdld_ledger_now(void);
/* A range element in place of an entry its reader may not have. */
void pdld_pack_placeholder(msgpack_packer *pk, uint64_t seq, const uint8_t *e, size_t n);

/* verifiers.c, writer.c: thread mains. */
void *pdld_verifier_main(void *arg);
void *pdld_writer_main(void *arg);
/* Signs a checkpoint of the head now unless the newest covers it: main,
 * before the writer thread starts. PDL_OK, or a storage error. */
int pdld_writer_checkpoint(void);

/* tiles.c: the --tiles thread, and the writer's kick after a checkpoint. */
void *pdld_tiles_main(void *arg);
void pdld_tiles_kick(void);

/* http.c: the HTTP listener (--http). Start serves addr (HOST:PORT) on a
 * thread of its own; errors: PDL_EINVAL (a bad address), PDL_EIO (cannot
 * listen; st says why), PDL_ENOMEM. Stop (after the writer has stopped)
 * hands over the replies it holds, waiting at most HTTP_FLUSH_MS, closes
 * every connection and frees it all. */
struct pdld_http_opts {
	const char *addr;
	uint64_t timeout_ms; /* a request's head and body arrive within it; idle keep-alive */
	int insecure;        /* --insecure-tcp: may listen beyond the loopback */
};
int pdld_http_start(const struct pdld_http_opts *o, struct pdl_status *st);
void pdld_http_stop(void);
/* From the writer: the reply to the HTTP request of j (copied). */
void pdld_http_reply(struct job *j, const void *b, size_t n);

/* metrics.c: --metrics ADDR. init before the threads start; batch after a
 * batch is durable (its jobs' items carry their answers), commit_ns its
 * writer transaction's time; http counts a request of any pdld HTTP
 * listener. start serves addr (an error printed: PDL_EINVAL, PDL_ECLOSED). */
void pdld_metrics_init(void);
void pdld_metrics_batch(struct job *const *jobs, size_t nj, size_t acts, uint64_t commit_ns);
void pdld_metrics_http(const char *route, int status);
int pdld_metrics_start(const char *addr, struct pdl_prom_srv **out);

/* writer.c: publishes a checkpoint note on PUB ('c' {size, note}). */
void pdld_publish_ckpt(uint64_t size, const char *note, size_t n);

/* witness.c: --witness-policy (its header says how). start reads and
 * checks the policy file, records it in the ledger (ckpt.h) and starts the
 * witness threads; with file NULL it removes a recorded policy, so the
 * newest signed checkpoint is published again. Errors (st says what):
 * PDL_EINVAL (the policy), PDL_EIO, PDL_ENOMEM, store errors. offer hands
 * over a checkpoint the writer committed (a copy; never blocks on I/O).
 * stop ends the threads at once (requests under way are aborted). */
int pdld_witness_start(const char *file, const char *ca_file, unsigned timeout_ms, struct pdl_status *st);
int pdld_witness_enabled(void);
void pdld_witness_offer(uint64_t size, const char *note, size_t n);
void pdld_witness_stop(void);

/* tls.c */
int pdld_tls_server_config(const char *cert_file, const char *key_file, const char *client_ca, nng_tls_config **out);

/* listen.c: listens on url for socket s, whose pipes pt tracks (pub: s is
 * the PUB socket); tls+ URLs get the server TLS config (which the
 * listener holds its own reference to). url and tls must outlive pdld's
 * serving: the listener is watched (pdld_listeners_check, each second on
 * the main thread) and opened again if NNG 1.5.2 stops it. client_certs:
 * a tls+ listener that requires client certificates (its probe cannot get
 * past the TLS handshake). */
int pdld_listen(nng_socket s, const char *url, nng_tls_config *tls, struct pipe_tab *pt, int pub, int client_certs);
void pdld_listeners_check(void);
/* How many TLS listeners the check closed after NNG 1.5.2 stopped making
 * connections of their handshakes: NNG never frees what those held. */
unsigned pdld_listeners_lost(void);
/* Waits up to wait_ms for the listener probes still in their handshake
 * (listen.c) to end; how many are left (then NNG must not be stopped). */
unsigned pdld_probes_settle(unsigned wait_ms);

#endif
