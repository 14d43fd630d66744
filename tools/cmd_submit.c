/* cmd_submit.c — pdl submit: sign acts and send them to a pdld; one receipt line each.
 *
 * Two threads, so that signing (the client's work) and pdld's work on the
 * request before overlap: the main thread reads, encodes and signs acts
 * into a request while a sender thread sends the one before and prints
 * its results. Two batches take turns (one filled, one in flight); a batch
 * is handed over only when the sender is idle, so requests go, and their
 * results are printed, in the order of the acts. A request that fails
 * stops the run there, as it did with one thread: nothing after it is
 * sent. The first requests are small and grow to --batch, so pdld has
 * work after a few milliseconds rather than after a whole batch is signed.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actfiles.h"
#include "cli.h"
#include "crypto.h"
#include "key.h"
#include "mpjson.h"
#include "rcptjson.h"

/* The first request's acts; each next one doubles, up to --batch. Small
 * enough that pdld starts verifying within about a millisecond of signing,
 * big enough that the round trip (some 0.2 ms) is a small share of it. */
#define FIRST_REQ_ACTS 64u

/* One request on its way: every act of it in order (local refusals are
 * printed in their place) and the packed {act, sig} of the live ones. */
struct batch {
	struct pending *p;
	size_t n;
	uint32_t live;
	msgpack_sbuffer body;
};

/* A local refusal's line, as the receipts' (file, index last). */
static int
refusal_line(const struct pending *q, msgpack_sbuffer *out)
{
	json_t *o = json_object();
	json_object_set_new(o, "error", json_string(pdl_strerror(q->st.err)));
	json_object_set_new(o, "message", json_string(q->st.msg));
	json_object_set_new(o, "file", json_string(q->file));
	json_object_set_new(o, "index", json_integer((json_int_t)q->index));
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	int rc = PDL_OK;
	if (s != NULL && (msgpack_sbuffer_write(out, s, strlen(s)) != 0 || msgpack_sbuffer_write(out, "\n", 1) != 0))
		rc = PDL_ENOMEM;
	free(s);
	return rc;
}

/* Prints the results of the reply rep to b's acts, one line each; returns
 * how many were refused, or -1 for a malformed reply (after printing the
 * lines before the fault). */
static int
print_results(const struct batch *b, const uint8_t *rep, size_t rn)
{
	struct mp_cur c = mp_cur_make(rep, rn), r;
	uint32_t k;
	int refused = 0, rc = 0;
	if (mp_map_find(c, "results", &r) != PDL_OK || mp_read_array(&r, &k) != PDL_OK)
		return -1;
	msgpack_sbuffer out;
	msgpack_sbuffer_init(&out);
	size_t j = 0;
	for (size_t i = 0; i < b->n && rc == 0; i++) {
		const struct pending *q = &b->p[i];
		int no;
		if (q->local_err) {
			/* refused before sending: printed in its place */
			rc = refusal_line(q, &out) == PDL_OK ? 0 : -1;
			refused++;
			continue;
		}
		if (j++ >= k || pdl_rcpt_line(&r, q->file, q->index, &out, &no) != PDL_OK) {
			rc = -1;
			break;
		}
		refused += no;
	}
	if (out.size > 0)
		fwrite(out.data, 1, out.size, stdout);
	fflush(stdout);
	msgpack_sbuffer_destroy(&out);
	return rc < 0 ? -1 : refused;
}

/* The request-level refusal in a reply that has no results. */
static void
request_refused(const uint8_t *rep, size_t rn)
{
	struct mp_cur c = mp_cur_make(rep, rn), e;
	const char *es = "PDL_EPROTO", *ms = "malformed reply";
	size_t en = strlen(es), mn = strlen(ms);
	if (mp_map_find(c, "error", &e) == PDL_OK)
		mp_read_str(&e, &es, &en);
	if (mp_map_find(c, "message", &e) == PDL_OK)
		mp_read_str(&e, &ms, &mn);
	fprintf(stderr, "pdl submit: request refused: %.*s (%.*s)\n", (int)mn, ms, (int)en, es);
}

/* Sends batch b (when any act of it is live) and prints its results;
 * empties b. */
static int
send_batch(struct pdl_client *cl, struct batch *b, int *refused)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct pdl_status st = {0};
	int rc = PDL_OK;
	if (b->live == 0) {
		/* nothing to send: the results are all local refusals */
		refused[0] += print_results(b, (const uint8_t *)"\x81\xa7results\x90", 10);
	} else {
		pdl_req_submit(&sb, &pk, b->live);
		uint8_t *rep;
		size_t rn;
		if (msgpack_sbuffer_write(&sb, b->body.data, b->body.size) != 0)
			rc = pdl_status_set(&st, PDL_ENOMEM, NULL, "out of memory");
		else
			rc = pdl_client_call(cl, sb.data, sb.size, &rep, &rn, &st);
		msgpack_sbuffer_destroy(&sb);
		if (rc != PDL_OK) {
			die_status("submit", &st);
		} else {
			int r = print_results(b, rep, rn);
			if (r < 0) {
				request_refused(rep, rn);
				rc = PDL_EPROTO;
			} else {
				*refused += r;
			}
			free(rep);
		}
	}
	b->n = 0;
	b->live = 0;
	msgpack_sbuffer_clear(&b->body);
	return rc;
}

struct submit_run {
	struct pdl_client *cl;
	size_t batch, limit; /* --batch; this request's acts (growing to batch) */
	struct batch b[2];
	struct batch *fill; /* the main thread's */
	pthread_t sender;
	int started;        /* the sender runs */
	/* under mu: the batch handed to the sender, whether it is sending one,
	 * the end of the input, the first error; refused counts */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch *ready;
	int busy, done, rc, refused;
};

static void *
sender_main(void *arg)
{
	struct submit_run *r = arg;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (r->ready == NULL && !r->done)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->ready == NULL)
			break;
		struct batch *b = r->ready;
		int refused = 0;
		r->ready = NULL;
		r->busy = 1;
		pthread_mutex_unlock(&r->mu);
		int rc = send_batch(r->cl, b, &refused);
		pthread_mutex_lock(&r->mu);
		r->busy = 0;
		r->refused += refused;
		if (rc != PDL_OK && r->rc == PDL_OK)
			r->rc = rc;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Waits until the sender is idle; its first error, if any. Under mu. */
static int
sender_idle(struct submit_run *r)
{
	while (r->ready != NULL || r->busy)
		pthread_cond_wait(&r->cv, &r->mu);
	return r->rc;
}

/* Hands the filled batch to the sender (once it is idle: the other batch
 * is then free to fill). Not after an error: the run stops there. */
static int
hand_off(struct submit_run *r)
{
	pthread_mutex_lock(&r->mu);
	int rc = sender_idle(r);
	if (rc == PDL_OK) {
		r->ready = r->fill;
		r->fill = r->fill == &r->b[0] ? &r->b[1] : &r->b[0];
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	r->limit = r->limit * 2 < r->batch ? r->limit * 2 : r->batch;
	return rc;
}

/* each_act's messages wait for the results before them to be printed */
static void
before_msg(void *arg)
{
	struct submit_run *r = arg;
	pthread_mutex_lock(&r->mu);
	sender_idle(r);
	pthread_mutex_unlock(&r->mu);
}

static int
submit_take(void *arg, struct pending *q)
{
	struct submit_run *r = arg;
	struct batch *b = r->fill;
	struct pending *p = &b->p[b->n++];
	*p = *q;
	p->act = NULL; /* each_act's: packed below */
	if (!q->local_err) {
		msgpack_packer pk;
		msgpack_packer_init(&pk, &b->body, msgpack_sbuffer_write);
		pdl_req_submit_act(&pk, q->act, q->act_len, q->sig, PDL_SIG_BYTES);
		b->live++;
	}
	return b->n < r->limit ? PDL_OK : hand_off(r);
}

static int
run_open(struct submit_run *r, struct pdl_client *cl, size_t batch)
{
	memset(r, 0, sizeof *r);
	r->cl = cl;
	r->batch = batch;
	r->limit = FIRST_REQ_ACTS < batch ? FIRST_REQ_ACTS : batch;
	r->fill = &r->b[0];
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	for (int i = 0; i < 2; i++) {
		msgpack_sbuffer_init(&r->b[i].body);
		if ((r->b[i].p = calloc(batch, sizeof(struct pending))) == NULL)
			return PDL_ENOMEM;
	}
	if (pthread_create(&r->sender, NULL, sender_main, r) != 0)
		return PDL_ENOMEM;
	r->started = 1;
	return PDL_OK;
}

/* Sends what is left (the acts read before a failing file too, unless a
 * request failed), waits for the sender, and frees the run. rc: the run's
 * result so far; returns the final one. */
static int
run_close(struct submit_run *r, int rc)
{
	if (r->started && r->fill->n > 0) {
		int hrc = hand_off(r);
		rc = rc == PDL_OK ? hrc : rc;
	}
	if (r->started) {
		pthread_mutex_lock(&r->mu);
		int src = sender_idle(r);
		rc = rc == PDL_OK ? src : rc;
		r->done = 1;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->sender, NULL);
	}
	for (int i = 0; i < 2; i++) {
		free(r->b[i].p);
		msgpack_sbuffer_destroy(&r->b[i].body);
	}
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	return rc;
}

int
pdl_cmd_submit(int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {"key", required_argument, NULL, 'k'},
	                                     {"keys", required_argument, NULL, 'K'}, {"raw", no_argument, NULL, 'r'},
	                                     {"signed", no_argument, NULL, 's'}, {"ledger-id", required_argument, NULL, 'I'},
	                                     {"batch", required_argument, NULL, 'b'}, {0}};
	const char *dir = NULL, *ledger = NULL, *key = NULL, *keys = NULL, *want_id = NULL;
	int ch, raw = 0, sgn = 0;
	uint64_t batch = 1024;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'L': ledger = optarg; break;
		case 'k': key = optarg; break;
		case 'K': keys = optarg; break;
		case 'r': raw = 1; break;
		case 's': sgn = 1; break;
		case 'I': want_id = optarg; break;
		case 'b':
			if (pdl_u64_parse(optarg, &batch) != PDL_OK || batch == 0 || batch > PDL_REQ_ACTS_MAX)
				return usage_error("submit", "--batch is 1..4096");
			break;
		case 'h':
			printf("usage: pdl submit (--key KEYFILE | --keys KEYDIR) (--data DIR | --ledger URL) [--raw] [--batch N]\n"
			       "                  [--ledger-id HEX] ACT.json...\n"
			       "       pdl submit --signed (--data DIR | --ledger URL) [--batch N] [--ledger-id HEX] SIGNED...\n\n"
			       "Signs each act with KEYFILE (or with KEYDIR/<actor>.key, chosen per act) for this ledger\n"
			       "and submits it. An act file holds one JSON act\n"
			       "{\"type\":...,\"actor\":...,\"nonce\":...,\"body\":{...}} or an array of them ('-' reads stdin).\n"
			       "With --raw each file is the msgpack act bytes, signed and sent as they are (no local checks).\n"
			       "With --signed each file holds the JSON lines of `pdl sign` ({act, sig[, ledger_id]}) or JSON\n"
			       "arrays of them (`pdl sign --array`, the body of POST /v1/acts), sent exactly as signed; no\n"
			       "key is needed.\n"
			       "A signature covers \"pdl/act/v2\\n\" || ledger id || act: the ledger id (`pdl ledger-id`) is\n"
			       "asked of the pdld the acts go to. --ledger-id HEX refuses to send unless the ledger is\n"
			       "that one.\n"
			       "Prints one JSON line per act: a receipt {seq, hash, time_ms, outcome, dup} or an\n"
			       "error {error, rule?, message}. Exits 1 if any act was refused.\n"
			       "--data DIR talks to the pdld serving DIR.\n");
			return 0;
		default: return usage_error("submit", "unknown option");
		}
	}
	if (sgn && (key != NULL || keys != NULL || raw))
		return usage_error("submit", "--signed acts are signed already: no --key, --keys or --raw");
	if (!sgn && (key == NULL) == (keys == NULL))
		return usage_error("submit", "give one of --key KEYFILE or --keys KEYDIR (or --signed)");
	if (keys != NULL && raw)
		return usage_error("submit", "--raw needs --key (raw acts are not parsed for their actor)");
	if (optind == argc)
		return usage_error("submit", "name at least one act file");
	if ((dir == NULL) == (ledger == NULL))
		return usage_error("submit", "give exactly one of --data DIR or --ledger URL");
	struct signer sg;
	memset(&sg, 0, sizeof sg);
	uint8_t want[PDL_HASH_BYTES];
	if (want_id != NULL && parse_ledger_id(want_id, want) != PDL_OK)
		return usage_error("submit", "--ledger-id is 64 lowercase hex digits (pdl ledger-id)");
	sg.mode = sgn ? IN_SIGNED : raw ? IN_RAW : IN_JSON;
	sg.keys = keys;
	struct pdl_status st = {0};
	if (key != NULL && pdl_key_load(key, &sg.k, &st) != PDL_OK)
		return die_status("submit", &st);
	char url[4200];
	const char *via = ledger;
	if (dir != NULL) {
		pdl_client_url_for_dir(dir, url, sizeof url);
		via = url;
	}
	struct pdl_client cl;
	if (pdl_client_open(&cl, via, &st) != PDL_OK) {
		pdl_seckey_wipe(&sg.k);
		return die_status("submit", &st);
	}
	/* the ledger id, and its suite (the head reply names it: pdl_suite) */
	int lrc = ledger_id_for(&cl, sg.lid, &st);
	sg.suite = pdl_suite();
	if (lrc != PDL_OK || (key != NULL && signer_check(&sg, key, &st) != PDL_OK)) {
		pdl_seckey_wipe(&sg.k);
		pdl_client_close(&cl);
		return die_status("submit", &st);
	}
	if (want_id != NULL && pdl_memcmp_ct(want, sg.lid, sizeof want) != 0) {
		char hex[2 * PDL_HASH_BYTES + 1];
		pdl_hex(sg.lid, sizeof sg.lid, hex);
		pdl_seckey_wipe(&sg.k);
		pdl_client_close(&cl);
		pdl_status_set(&st, PDL_EINVAL, NULL, "the ledger at %s is %s, not --ledger-id %s; nothing sent",
		               dir ? dir : ledger, hex, want_id);
		return die_status("submit", &st);
	}
	struct submit_run r;
	int rc = run_open(&r, &cl, batch);
	sg.before_msg = before_msg;
	sg.before_msg_arg = &r;
	if (rc == PDL_OK)
		rc = each_act(&sg, argv + optind, argc - optind, "submit", submit_take, &r);
	rc = run_close(&r, rc);
	pdl_seckey_wipe(&sg.k);
	pdl_client_close(&cl);
	if (rc != PDL_OK)
		return 1;
	return r.refused ? 1 : 0;
}
