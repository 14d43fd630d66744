/*
 * witness.c — pdld --witness-policy: gets the ledger's checkpoints
 * cosigned by the witnesses of a C2SP tlog-policy (c2sp.org/tlog-policy),
 * over the tlog-witness protocol (c2sp.org/tlog-witness), and publishes a
 * checkpoint only once its cosignatures meet the policy's quorum.
 *
 * Threads (none of them the writer's: a witness that is down, slow or
 * hostile costs the writer nothing):
 *   the writer   offers each checkpoint it commits (pdld_witness_offer):
 *                a copy under W.mu, nothing more;
 *   one thread per witness: sends the current target checkpoint to its
 *                witness — "old <size it last cosigned>", the consistency
 *                proof from that size, the note — and checks the
 *                cosignature that comes back (its key, type 0x04, over
 *                the note text, a non-zero timestamp). On 409 it takes the
 *                size the witness reports and sends again (at most
 *                CONFLICT_RESENDS times); on anything else it backs off
 *                (BACKOFF_MS_FIRST doubling to BACKOFF_MS_MAX) and tries
 *                again. Every request has --witness-timeout-ms for all of
 *                it and reads at most RESP_BYTES_MAX; redirects are not
 *                followed (hconn.h);
 *   the coordinator: moves the target to the newest offered checkpoint
 *                once the current one is published, or once every
 *                witness has tried it; when the target's cosignatures
 *                meet the quorum it stores them in the checkpoint's record
 *                (ckpt.h) and publishes the cosigned note on PUB.
 * Until then the last quorate checkpoint stays published (ckpt.h's
 * pdl_ckpt_published) while the writer goes on appending and signing.
 *
 * A round is one target: every cosignature counted for the quorum is on
 * the same checkpoint. Checkpoints offered while a round is under way are
 * not each sent: the next round takes the newest (a witness cosigning a
 * newer checkpoint vouches for the older ones it extends).
 *
 * Problems are logged per witness, on change (failing, recovered) and at
 * most once per LOG_EVERY_S while they last (every one with --verbose);
 * the quorum's stall likewise.
 *
 * Invariants:
 *  (1) W.gen names the target; a witness's cosignature counts only when
 *      made for the current gen (w->gen_ok == W.gen);
 *  (2) a note is published only after its record, with the
 *      cosignatures that met the quorum, is committed (ckpt.h);
 *  (3) W.mu is never held across I/O (HTTP, LMDB, PUB).
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ckpt.h"
#include "hconn.h"
#include "log.h"
#include "pdld.h"
#include "tlog.h"
#include "tpolicy.h"

#define CONFLICT_RESENDS 3u          /* 409s in a row before a round counts as failed */
#define BACKOFF_MS_FIRST 250u        /* first wait after a failure; doubles */
#define BACKOFF_MS_MAX 10000u        /* a witness that is down is asked this often */
#define RESP_BYTES_MAX (64u * 1024u) /* cosignature lines of a few keys, with room; more is hostile */
#define LOG_EVERY_S 10u              /* a problem that lasts is logged this often */
#define WHY_MAX 512u
#define NS_PER_MS 1000000ull

struct wit {
	const struct pdl_tpolicy_witness *pw;
	struct pdl_hclient cl;
	pthread_t th;
	int started;
	/* under W.mu */
	uint64_t gen_tried;           /* the last gen it tried (success or not) */
	uint64_t gen_ok;              /* the gen it cosigned */
	char cosig[PDL_COSIG_LINE_MAX];
	size_t cosig_len;
	uint64_t retry_ns;            /* not before this (pdl_mono_ns) */
	unsigned backoff_ms;
	/* the thread's own */
	uint64_t known_size;          /* the size it last cosigned, as far as we know */
	int failing;
	unsigned fails;               /* since the last log line about it */
	uint64_t logged_ns;
	char why[WHY_MAX];
};

static struct {
	struct pdl_tpolicy *pol;
	struct wit w[PDL_TPOLICY_WITNESSES_MAX];
	unsigned n;
	unsigned timeout_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stopping;
	pthread_t coord;
	/* the newest checkpoint offered: the ledger's note */
	uint64_t latest_size;
	char latest[PDL_NOTE_BYTES_MAX];
	size_t latest_n;
	/* the target (invariant 1) */
	uint64_t gen;
	uint64_t tsize;
	char tnote[PDL_NOTE_BYTES_MAX];
	size_t tnote_n, ttext_n;
	int tpublished;      /* its quorum was met and it is published */
	unsigned tstored;    /* cosignatures in its stored record */
	uint64_t published;  /* the size published */
	uint64_t stall_logged_ns;
} W;

int
pdld_witness_enabled(void)
{
	return W.pol != NULL;
}

static void
copy_why(struct wit *w, const char *msg)
{
	/* a witness's words go to pdld's log: printable ASCII only */
	size_t i = 0;
	for (; msg[i] && i + 1 < sizeof w->why; i++)
		w->why[i] = (unsigned char)msg[i] >= 0x20 && (unsigned char)msg[i] < 0x7f ? msg[i] : '?';
	w->why[i] = '\0';
}

/* The first line of a response body, for the log. */
static void
body_hint(const struct pdl_hresp *r, char *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; r->body && i < r->len && n + 1 < cap && n < 120; i++) {
		char c = r->body[i];
		if (c == '\n')
			break;
		out[n++] = (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f ? c : '?';
	}
	out[n] = '\0';
}

/* One line per change and at most one per LOG_EVERY_S while failing. */
static void
log_result(struct wit *w, int ok)
{
	uint64_t now = pdl_mono_ns();
	if (ok) {
		if (w->failing)
			pdl_log(PDL_LOG_INFO, "witness_recovered",
			        PDL_LOG_FIELDS(PDL_LF_STR("witness", w->pw->name), PDL_LF_U64("failed_attempts", w->fails)),
			        "witness %s cosigns again (after %u failed attempts since the last report)", w->pw->name,
			        w->fails);
		w->failing = 0;
		w->fails = 0;
		return;
	}
	w->fails++;
	if (!w->failing || D.verbose || now - w->logged_ns >= (uint64_t)LOG_EVERY_S * 1000000000ull) {
		pdl_log(PDL_LOG_WARNING, "witness_failed",
		        PDL_LOG_FIELDS(PDL_LF_STR("witness", w->pw->name), PDL_LF_STR("url", w->pw->url),
		                       PDL_LF_STR("why", w->why), PDL_LF_U64("failed_attempts", w->fails)),
		        "witness %s (%s) %s: %s; %u failed attempt(s), retrying with backoff", w->pw->name, w->pw->url,
		        w->failing ? "still failing" : "failed", w->why, w->fails);
		w->logged_ns = now;
		w->fails = 0;
	}
	w->failing = 1;
}

/* The consistency proof from old to size, from the ledger's tree. */
static int
prove(uint64_t old, uint64_t size, pdl_hash *proof, size_t *np)
{
	MDB_txn *t;
	*np = 0;
	if (old == 0 || old == size)
		return PDL_OK;
	int rc = pdl_store_rtxn(&D.store, &t);
	if (rc != PDL_OK)
		return rc;
	struct pdl_tree_ctx tc = {t, &D.store};
	struct pdl_merkle_io io;
	pdl_store_tree_rio(&tc, &io);
	rc = pdl_merkle_prove_consistency(&io, old, size, proof, np);
	pdl_store_rdone(&D.store, t);
	return rc;
}

/* The witness's cosignature in a 200's body: a line of its key that
 * verifies over the note text, with a timestamp. */
static int
check_cosig(struct wit *w, const char *note, size_t text_n, const struct pdl_hresp *r, char *line, size_t *line_n)
{
	struct pdl_tnote nt;
	struct pdl_tverify vr;
	int rc = PDL_ENOMEM;
	char *full = malloc(text_n + 1 + r->len + 1);
	if (full == NULL)
		return rc;
	/* tlog-witness: the client MAY concatenate the response to the checkpoint */
	memcpy(full, note, text_n);
	full[text_n] = '\n';
	memcpy(full + text_n + 1, r->body ? r->body : "", r->len);
	if (r->len == 0 || (rc = pdl_tnote_open(full, text_n + 1 + r->len, &nt)) != PDL_OK) {
		copy_why(w, "answered 200 with a body that is not note signature lines");
		rc = PDL_ENOTE;
	} else if ((rc = pdl_tnote_verify(&nt, &w->pw->key, 1, &vr, line, PDL_COSIG_LINE_MAX, line_n)) != PDL_OK ||
	           vr.good != 1) {
		copy_why(w, vr.bad ? "its cosignature does not verify with its key from the policy"
		                   : "answered 200 without a cosignature by its key from the policy");
		rc = PDL_EBADSIG;
	} else if (vr.cosig_time == 0) {
		copy_why(w, "its cosignature has no timestamp (tlog-witness: the timestamp MUST NOT be zero)");
		rc = PDL_EBADSIG;
	}
	free(full);
	return rc;
}

/* One attempt at the target: PDL_OK with the cosignature line in line. */
static int
attempt(struct wit *w, uint64_t size, const char *note, size_t note_n, size_t text_n, char *line, size_t *line_n)
{
	static _Thread_local pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	struct pdl_status st = {0};
	char hint[128];
	for (unsigned tries = 0; tries < CONFLICT_RESENDS; tries++) {
		size_t np = 0;
		char *body = NULL;
		size_t bn = 0;
		struct pdl_hresp r;
		if (w->known_size > size) {
			snprintf(w->why, sizeof w->why,
			         "it has cosigned size %" PRIu64 " of %.200s, beyond this ledger's checkpoint at %" PRIu64
			         ": it saw another history (a restored backup, or another ledger under the same origin)",
			         w->known_size, D.origin, size);
			w->known_size = 0; /* ask it afresh next time: old 0 gets its size in a 409 */
			return PDL_EMERKLE;
		}
		int rc = prove(w->known_size, size, proof, &np);
		if (rc != PDL_OK) {
			snprintf(w->why, sizeof w->why, "cannot prove consistency from %" PRIu64 " to %" PRIu64 ": %s",
			         w->known_size, size, pdl_strerror(rc));
			return rc;
		}
		if ((rc = pdl_addckpt_format(w->known_size, proof, np, note, note_n, &body, &bn)) != PDL_OK) {
			snprintf(w->why, sizeof w->why, "cannot make the request: %s", pdl_strerror(rc));
			return rc;
		}
		rc = pdl_hclient_post(&w->cl, "/add-checkpoint", "text/plain; charset=utf-8", body, bn, W.timeout_ms,
		                      RESP_BYTES_MAX, &r, &st);
		free(body);
		if (rc != PDL_OK) {
			copy_why(w, st.msg);
			return rc;
		}
		if (r.status == 200) {
			rc = check_cosig(w, note, text_n, &r, line, line_n);
			if (rc == PDL_OK)
				w->known_size = size;
			pdl_hresp_free(&r);
			return rc;
		}
		if (r.status == 409) {
			uint64_t have;
			int ok = strncmp(r.content_type, "text/x.tlog.size", 16) == 0 && r.len >= 2 &&
			         r.body[r.len - 1] == '\n' && pdl_tlog_parse_u64(r.body, r.len - 1, &have) == 0;
			pdl_hresp_free(&r);
			if (!ok) {
				copy_why(w, "answered 409 without a text/x.tlog.size body (\"<size>\\n\")");
				return PDL_EPROTO;
			}
			w->known_size = have; /* and send again from there */
			continue;
		}
		body_hint(&r, hint, sizeof hint);
		snprintf(w->why, sizeof w->why, "answered %d%s%s%s", r.status,
		         r.status >= 300 && r.status < 400 ? " (a redirect: not followed)" : "", hint[0] ? ": " : "", hint);
		pdl_hresp_free(&r);
		return PDL_EPROTO;
	}
	snprintf(w->why, sizeof w->why, "answered 409 %u times in a row (its size keeps changing)", CONFLICT_RESENDS);
	return PDL_EPROTO;
}

static void *
witness_main(void *arg)
{
	struct wit *w = arg;
	static _Thread_local char note[PDL_NOTE_BYTES_MAX];
	char line[PDL_COSIG_LINE_MAX];
	pthread_mutex_lock(&W.mu);
	for (;;) {
		if (W.stopping)
			break;
		uint64_t now = pdl_mono_ns();
		if (W.gen == 0 || w->gen_ok == W.gen || now < w->retry_ns) {
			struct timespec ts;
			uint64_t wait_ns = W.gen == 0 || w->gen_ok == W.gen ? 1000000000ull : w->retry_ns - now;
			clock_gettime(CLOCK_REALTIME, &ts);
			uint64_t at = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + wait_ns;
			ts.tv_sec = (time_t)(at / 1000000000ull);
			ts.tv_nsec = (long)(at % 1000000000ull);
			pthread_cond_timedwait(&W.cv, &W.mu, &ts);
			continue;
		}
		uint64_t gen = W.gen, size = W.tsize;
		size_t note_n = W.tnote_n, text_n = W.ttext_n, line_n = 0;
		memcpy(note, W.tnote, note_n);
		pthread_mutex_unlock(&W.mu);
		int rc = attempt(w, size, note, note_n, text_n, line, &line_n); /* invariant (3) */
		pthread_mutex_lock(&W.mu);
		if (W.stopping)
			break;
		log_result(w, rc == PDL_OK);
		w->gen_tried = gen;
		if (rc == PDL_OK) {
			w->backoff_ms = 0;
			w->retry_ns = 0;
			if (gen == W.gen) {
				memcpy(w->cosig, line, line_n);
				w->cosig_len = line_n;
				w->gen_ok = gen;
			}
		} else {
			w->backoff_ms = w->backoff_ms == 0 ? BACKOFF_MS_FIRST
			                : w->backoff_ms >= BACKOFF_MS_MAX / 2 ? BACKOFF_MS_MAX : w->backoff_ms * 2;
			w->retry_ns = pdl_mono_ns() + (uint64_t)w->backoff_ms * NS_PER_MS;
		}
		pthread_cond_broadcast(&W.cv);
	}
	pthread_mutex_unlock(&W.mu);
	return NULL;
}

/* Stores the target's cosignatures, which meet the quorum, marking it
 * published, then publishes it on PUB when publish is set (not for
 * cosignatures that come after). Called without W.mu. */
static int
store_and_publish(uint64_t size, const char *note, size_t n, int publish)
{
	MDB_txn *t;
	pthread_rwlock_rdlock(&D.store.resize);
	int rc = pdl_store_wtxn(&D.store, &t);
	if (rc == PDL_OK) {
		rc = pdl_ckpt_cosigned_put(t, &D.store, size, note, n, 1);
		if (rc == PDL_OK)
			rc = pdl_store_err(pdl_store_commit(&D.store, t));
		else
			mdb_txn_abort(t);
	}
	pthread_rwlock_unlock(&D.store.resize);
	if (rc != PDL_OK) {
		pdl_log(PDL_LOG_ERROR, "cosignatures_not_stored",
		        PDL_LOG_FIELDS(PDL_LF_U64("size", size), PDL_LF_STR("error", pdl_strerror(rc))),
		        "cannot store the cosignatures of the checkpoint at size %" PRIu64 ": %s", size, pdl_errmsg(rc));
		return rc;
	}
	if (publish)
		pdld_publish_ckpt(size, note, n); /* invariant (2) */
	return PDL_OK;
}

/* The stall, logged at most once per LOG_EVERY_S (under W.mu). */
static void
log_stall(const unsigned char *cosigned)
{
	uint64_t now = pdl_mono_ns();
	if (W.stall_logged_ns != 0 && now - W.stall_logged_ns < (uint64_t)LOG_EVERY_S * 1000000000ull)
		return;
	char who[512] = "";
	size_t k = 0;
	for (unsigned i = 0; i < W.n; i++)
		if (cosigned[i] && k < sizeof who)
			k += (size_t)snprintf(who + k, sizeof who - k, "%s%s", k ? ", " : "", W.w[i].pw->name);
	pdl_log(PDL_LOG_WARNING, "witness_quorum_lacking",
	        PDL_LOG_FIELDS(PDL_LF_U64("size", W.tsize), PDL_LF_STR("quorum", pdl_tpolicy_ref_name(W.pol, W.pol->quorum)),
	                       PDL_LF_STR("cosigned_by", k ? who : ""), PDL_LF_U64("published_size", W.published)),
	        "the checkpoint at size %" PRIu64 " lacks the witness quorum %s (cosigned by: %s); the published "
	        "checkpoint stays at size %" PRIu64 " while writes go on",
	        W.tsize, pdl_tpolicy_ref_name(W.pol, W.pol->quorum), k ? who : "none", W.published);
	W.stall_logged_ns = now;
}

static void *
coord_main(void *arg)
{
	(void)arg;
	static char note[PDL_NOTE_BYTES_MAX];
	unsigned char cosigned[PDL_TPOLICY_WITNESSES_MAX];
	pthread_mutex_lock(&W.mu);
	while (!W.stopping) {
		/* a new round: the newest checkpoint, once this one is done with */
		int all_tried = 1;
		for (unsigned i = 0; i < W.n; i++)
			if (W.w[i].gen_tried < W.gen && W.w[i].gen_ok != W.gen)
				all_tried = 0;
		if (W.latest_size > W.tsize && (W.gen == 0 || W.tpublished || all_tried)) {
			W.gen++;
			W.tsize = W.latest_size;
			memcpy(W.tnote, W.latest, W.latest_n);
			W.tnote_n = W.latest_n;
			W.ttext_n = 0;
			for (size_t i = 0; i + 1 < W.tnote_n; i++)
				if (W.tnote[i] == '\n' && W.tnote[i + 1] == '\n') {
					W.ttext_n = i + 1;
					break;
				}
			W.tpublished = 0;
			W.tstored = 0;
			all_tried = W.n == 0; /* a new round: nobody has tried it yet */
			pthread_cond_broadcast(&W.cv);
		}
		unsigned have = 0;
		for (unsigned i = 0; i < W.n; i++)
			have += cosigned[i] = W.gen != 0 && W.w[i].gen_ok == W.gen;
		int quorate = W.gen != 0 && pdl_tpolicy_quorum_met(W.pol, cosigned);
		if (W.gen != 0 && quorate && (!W.tpublished || have > W.tstored)) {
			/* the ledger's note, then every cosignature of this round */
			uint64_t gen = W.gen, size = W.tsize;
			size_t n = W.tnote_n;
			int publish = !W.tpublished;
			memcpy(note, W.tnote, n);
			for (unsigned i = 0; i < W.n; i++)
				if (cosigned[i] && n + W.w[i].cosig_len < sizeof note) {
					memcpy(note + n, W.w[i].cosig, W.w[i].cosig_len);
					n += W.w[i].cosig_len;
				}
			pthread_mutex_unlock(&W.mu);
			int rc = store_and_publish(size, note, n, publish); /* invariants (2), (3) */
			pthread_mutex_lock(&W.mu);
			if (rc == PDL_OK && gen == W.gen) {
				W.tpublished = 1;
				W.tstored = have;
				if (publish) {
					if (W.stall_logged_ns != 0 || D.verbose)
						pdl_log(PDL_LOG_INFO, "checkpoint_published",
						        PDL_LOG_FIELDS(PDL_LF_U64("size", size), PDL_LF_U64("cosignatures", have)),
						        "published the checkpoint at size %" PRIu64 " with %u cosignature(s)", size, have);
					W.published = size;
					W.stall_logged_ns = 0;
				}
			}
			if (rc == PDL_OK)
				continue;
			/* the store refused (logged): try again after the wait below, not at once */
		}
		if (W.gen != 0 && !quorate && all_tried)
			log_stall(cosigned);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&W.cv, &W.mu, &ts);
	}
	pthread_mutex_unlock(&W.mu);
	return NULL;
}

void
pdld_witness_offer(uint64_t size, const char *note, size_t n)
{
	if (W.pol == NULL)
		return;
	size_t sl = pdl_ckpt_signed_len(note, n); /* the ledger's note, without cosignatures */
	pthread_mutex_lock(&W.mu);
	if (size > W.latest_size && sl > 0 && sl <= sizeof W.latest) {
		W.latest_size = size;
		memcpy(W.latest, note, sl);
		W.latest_n = sl;
		pthread_cond_broadcast(&W.cv);
	}
	pthread_mutex_unlock(&W.mu);
}

/* The policy file's checks against this ledger. */
static int
policy_check(const struct pdl_tpolicy *p, const char *file, struct pdl_status *st)
{
	struct pdl_vkey me;
	size_t worst;
	/* C2SP witnesses check Ed25519 note signatures over SHA-256 trees */
	if (D.ledger_sk.suite != &pdl_suite_ed25519_sha256)
		return pdl_status_set(st, PDL_EINVAL, NULL,
		                      "%s: this ledger's crypto suite is %s; C2SP witnesses (tlog-witness) check only "
		                      "Ed25519 checkpoint signatures over SHA-256 trees (an ed25519-sha256 ledger)",
		                      file, D.ledger_sk.suite->id);
	if (pdl_vkey_make(D.origin, PDL_SIGTYPE_ED25519, D.ledger_sk.pk.b, &me) != PDL_OK)
		return pdl_status_set(st, PDL_EINVAL, NULL, "the ledger's origin is not a key name");
	if (p->nlogs > 0) {
		unsigned i;
		for (i = 0; i < p->nlogs; i++)
			if (p->log[i].key.type == me.type && p->log[i].key.name_len == me.name_len &&
			    memcmp(p->log[i].key.name, me.name, me.name_len) == 0 && memcmp(p->log[i].key.pk, me.pk, 32) == 0)
				break;
		if (i == p->nlogs)
			return pdl_status_set(st, PDL_EINVAL, NULL,
			                      "%s lists logs, but not this ledger's key (`pdl verifier-key`): verifiers using "
			                      "it would refuse this ledger's checkpoints",
			                      file);
	}
	/* the ledger's note (with an extension line) and every cosignature fit a note */
	worst = strlen(D.origin) + 1 + 21 + 45 + 51 + 1 + 4 + strlen(D.origin) + 1 + 92 + 1;
	for (unsigned i = 0; i < p->nwitnesses; i++) {
		const struct pdl_tpolicy_witness *w = &p->witness[i];
		if (w->key.type != PDL_SIGTYPE_COSIG)
			return pdl_status_set(st, PDL_EINVAL, NULL,
			                      "%s line %u: witness %s has a key of signature type 0x%02x (%s); pdld checks "
			                      "Ed25519 cosignatures (type 0x04, cosignature/v1) only",
			                      file, w->line, w->name, w->key.type, pdl_sigtype_name(w->key.type));
		if (w->url[0] == '\0')
			return pdl_status_set(st, PDL_EINVAL, NULL,
			                      "%s line %u: witness %s has no URL: pdld asks every witness of its policy itself",
			                      file, w->line, w->name);
		worst += 4 + w->key.name_len + 1 + 104 + 1;
	}
	if (worst > PDL_NOTE_BYTES_MAX)
		return pdl_status_set(st, PDL_EINVAL, NULL,
		                      "%s: a checkpoint with a cosignature from each of its %u witnesses could pass the %u-byte "
		                      "note limit; use fewer witnesses or shorter key names",
		                      file, p->nwitnesses, PDL_NOTE_BYTES_MAX);
	return PDL_OK;
}

/* Records the policy text in the ledger (ckpt.h), or removes it (NULL). */
static int
policy_record(const char *text, size_t n)
{
	MDB_txn *t;
	int rc = pdl_store_wtxn(&D.store, &t);
	if (rc != PDL_OK)
		return rc;
	if ((rc = pdl_ckpt_policy_set(t, &D.store, text, n)) == PDL_OK)
		return pdl_store_err(pdl_store_commit(&D.store, t));
	mdb_txn_abort(t);
	return rc;
}

/* The first round starts from the newest checkpoint stored; one that is
 * published already leaves nothing to do until the next. */
static void
round_init(void)
{
	MDB_txn *t;
	uint64_t size = 0, psize = 0;
	const char *note;
	size_t n = 0;
	if (pdl_store_rtxn(&D.store, &t) == PDL_OK) {
		if (pdl_ckpt_published(t, &D.store, &psize, &note, &n) != PDL_OK)
			psize = 0;
		if (pdl_store_ckpt_latest(t, &D.store, &size, &note, &n) == PDL_OK) {
			size_t sl = pdl_ckpt_signed_len(note, n);
			if (sl > 0 && sl <= sizeof W.latest) {
				memcpy(W.latest, note, sl);
				W.latest_n = sl;
				W.latest_size = size;
			}
		}
		pdl_store_rdone(&D.store, t);
	}
	W.published = psize;
	if (psize == size && size > 0) {
		W.tsize = size;
		W.latest_size = size;
	}
}

int
pdld_witness_start(const char *file, const char *ca_file, unsigned timeout_ms, struct pdl_status *st)
{
	uint8_t *text = NULL;
	size_t tn = 0;
	int rc;
	if (file == NULL) /* no policy: the newest signed checkpoint is published (ckpt.h) */
		return (rc = policy_record(NULL, 0)) == PDL_OK ? PDL_OK
		                                               : pdl_status_set(st, rc, NULL, "cannot write the ledger");
	if ((rc = pdl_file_read(file, PDL_TPOLICY_BYTES_MAX, &text, &tn)) != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot read the witness policy %s%s", file,
		                      rc == PDL_ETOOBIG ? " (over 1 MiB)" : "");
	if ((W.pol = calloc(1, sizeof *W.pol)) == NULL) {
		free(text);
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	}
	if ((rc = pdl_tpolicy_parse((const char *)text, tn, PDL_TPOLICY_FULL, W.pol, st)) != PDL_OK ||
	    (rc = policy_check(W.pol, file, st)) != PDL_OK) {
		if (rc == PDL_EINVAL && strncmp(st->msg, file, strlen(file)) != 0) {
			char m[PDL_MSG_LEN_MAX];
			snprintf(m, sizeof m, "%s", st->msg);
			pdl_status_set(st, rc, NULL, "%s: %s", file, m);
		}
		goto fail;
	}
	W.timeout_ms = timeout_ms;
	W.n = W.pol->nwitnesses;
	for (unsigned i = 0; i < W.n; i++) {
		W.w[i].pw = &W.pol->witness[i];
		if ((rc = pdl_hclient_open(&W.w[i].cl, W.w[i].pw->url, ca_file, st)) != PDL_OK)
			goto fail;
	}
	/* the policy is recorded: from now on the quorate checkpoint is the published one */
	if ((rc = policy_record((const char *)text, tn)) != PDL_OK) {
		pdl_status_set(st, rc, NULL, "cannot record the witness policy in the ledger");
		goto fail;
	}
	free(text);
	text = NULL;
	round_init();
	pthread_mutex_init(&W.mu, NULL);
	pthread_cond_init(&W.cv, NULL);
	for (unsigned i = 0; i < W.n; i++) {
		pthread_create(&W.w[i].th, NULL, witness_main, &W.w[i]);
		pthread_setname_np(W.w[i].th, "pdld:witness");
		W.w[i].started = 1;
	}
	pthread_create(&W.coord, NULL, coord_main, NULL);
	pthread_setname_np(W.coord, "pdld:cosign");
	pdl_log(PDL_LOG_INFO, "witness_policy",
	        PDL_LOG_FIELDS(PDL_LF_STR("file", file), PDL_LF_U64("witnesses", W.n),
	                       PDL_LF_STR("quorum", pdl_tpolicy_ref_name(W.pol, W.pol->quorum)),
	                       PDL_LF_U64("published_size", W.published)),
	        "witness policy %s: %u witness(es), quorum %s; published checkpoint at size %" PRIu64, file, W.n,
	        pdl_tpolicy_ref_name(W.pol, W.pol->quorum), W.published);
	return PDL_OK;
fail:
	free(text);
	for (unsigned i = 0; i < W.n; i++)
		pdl_hclient_fini(&W.w[i].cl);
	free(W.pol);
	W.pol = NULL;
	return rc;
}

void
pdld_witness_stop(void)
{
	if (W.pol == NULL)
		return;
	pthread_mutex_lock(&W.mu);
	W.stopping = 1;
	pthread_cond_broadcast(&W.cv);
	pthread_mutex_unlock(&W.mu);
	for (unsigned i = 0; i < W.n; i++)
		pdl_hclient_abort(&W.w[i].cl); /* a request under way fails at once */
	pthread_join(W.coord, NULL);
	for (unsigned i = 0; i < W.n; i++) {
		if (W.w[i].started)
			pthread_join(W.w[i].th, NULL);
		pdl_hclient_fini(&W.w[i].cl);
	}
	free(W.pol);
	W.pol = NULL;
}
