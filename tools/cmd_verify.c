/*
 * cmd_verify.c — pdl verify: the whole ledger re-derived offline (and
 * --replay: re-decided).
 *
 * What the summary says, and why: an auditor must know what a green "ok"
 * covers. Plain verify checks the log — entries, chain, Merkle tree,
 * signatures, checkpoints — but not the state tables the rules keep beside
 * it (only re-running every act can derive them); so the summary lists
 * what was checked and what was not, and --replay adds the rules and the
 * state (a state difference is PDL_ESTATE with the first bad record). The
 * key: with --vkey the ledger must be the one that key signs for (genesis
 * names it) before anything else is read; without it the summary says the
 * key came from genesis, which a forged directory chooses itself.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "note.h"
#include "progress.h"
#include "readers.h"
#include "replay.h"
#include "verify.h"


struct verify_opts {
	const char *dir, *vkey;
	uint64_t threads;
	int quiet, replay, lines;
	unsigned interval_s;
};

static const char verify_help[] =
	"usage: pdl verify --data DIR [--vkey KEY] [--replay] [--threads N] [--progress[=SECONDS] | --quiet]\n\n"
	"Re-derives the whole ledger offline from one read snapshot (safe while pdld runs):\n"
	"every chain link, entry shape and seq, time order, stored Merkle node, act signature\n"
	"(with the key the actor held at that point), and the root, chain hash and signature\n"
	"of every stored checkpoint. Exits 0 with a JSON summary, or 1 naming the first bad\n"
	"seq and what is wrong.\n\n"
	"  --vkey KEY     the ledger's verifier key as you got it out of band (pdl verifier-key\n"
	"                 prints it: NAME+KEYID+BASE64). The ledger must be the one it signs for:\n"
	"                 genesis naming another key fails at once (PDL_EBADSIG, bad_seq 0). Without\n"
	"                 it the key comes from genesis itself, and the summary says \"key_pinned\":false.\n"
	"  --replay       also re-runs every act from genesis through the rules on a scratch copy and\n"
	"                 checks each is accepted with the same entry bytes (outcome: codes, deadlines)\n"
	"                 and that the resulting state equals the stored state (PDL_ESTATE otherwise,\n"
	"                 naming the first differing record in bad_key). Without it the stored state is\n"
	"                 not checked, and the summary's \"not_checked\" says so.\n"
	"  --threads N    signature checkers (0, the default: every core)\n"
	"  --progress[=SECONDS]  a progress line every SECONDS (default 10) on stderr, with rate and\n"
	"                 ETA, for logs and cron; on a terminal a live line is shown without it\n"
	"  --quiet        no progress at all\n\n"
	"The summary: {\"ok\",\"size\",\"root\" (base64),\"chain\" (hex),\"signatures\",\"checkpoints\",\n"
	"\"checkpoint_size\",\"key\",\"key_id\",\"key_pinned\",\"test_clock\",\"checked\",\"not_checked\",\"seconds\"\n"
	"[,\"replayed\",\"replay_seconds\"]}. \"test_clock\":true means genesis allows a test clock (pdl init\n"
	"--test-clock): the entries' times were set by hand and prove nothing.\n";

static int
verify_opts(int argc, char **argv, struct verify_opts *o)
{
	static const struct option opts[] = {
		COMMON_OPTS, {"threads", required_argument, NULL, 't'}, {"quiet", no_argument, NULL, 'q'},
		{"replay", no_argument, NULL, 'r'}, {"vkey", required_argument, NULL, 'k'},
		{"progress", optional_argument, NULL, 'p'}, {0}};
	int ch;
	memset(o, 0, sizeof *o);
	while ((ch = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->dir = optarg; break;
		case 't':
			if (pdl_u64_parse(optarg, &o->threads) != PDL_OK || o->threads > 64)
				return usage_error("verify", "--threads is 0..64");
			break;
		case 'q': o->quiet = 1; break;
		case 'r': o->replay = 1; break;
		case 'k': o->vkey = optarg; break;
		case 'p':
			o->lines = 1;
			if (pdl_progress_interval(optarg, &o->interval_s) != PDL_OK)
				return usage_error("verify", "--progress=SECONDS takes whole seconds, 0 to 86400");
			break;
		case 'h': fputs(verify_help, stdout); return 0;
		default: return usage_error("verify", "unknown option");
		}
	}
	if (o->dir == NULL)
		return usage_error("verify", "--data DIR is required");
	if (optind != argc)
		return usage_error("verify", "verify takes no operands");
	if (o->quiet && o->lines)
		return usage_error("verify", "--quiet and --progress contradict each other");
	return -1;
}

/* The ledger key genesis names, as a verifier key string (and its id). */
static int
genesis_vkey(struct pdl_store *s, char *vkey, size_t cap, uint32_t *key_id, int *test_clock, struct pdl_status *st)
{
	MDB_txn *t;
	const uint8_t *b;
	size_t n;
	struct pdl_entry e;
	struct pdl_act a;
	struct pdl_ledger_info info;
	int rc = pdl_store_rtxn(s, &t);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot read the ledger");
	/* the genesis's key is read in the suite the genesis names */
	if ((rc = pdl_read_suite(t, s, st)) != PDL_OK) {
		st->err = rc = PDL_EGENESIS; /* its message names what is wrong with entry 0 */
	} else if ((rc = pdl_read_entry(t, s, 0, &b, &n, st)) == PDL_OK) {
		if (pdl_entry_decode(b, n, &e, st) != PDL_OK || pdl_act_decode(e.act, e.act_len, e.sig, &a, st) != PDL_OK ||
		    pdl_ledger_info_from_genesis(&a, &info) != PDL_OK)
			rc = pdl_status_set(st, PDL_EGENESIS, NULL, "entry 0 is not a readable genesis");
		else if (pdl_note_vkey_format(info.origin, &info.ledger_pk, vkey, cap) != PDL_OK)
			rc = pdl_status_set(st, PDL_EGENESIS, NULL, "genesis names no usable ledger key");
		else {
			*key_id = pdl_note_key_id(info.origin, &info.ledger_pk);
			*test_clock = info.test_clock;
		}
	} else if (rc == PDL_ENOTFOUND) {
		rc = pdl_status_set(st, PDL_EGENESIS, NULL, "the log is empty: no genesis");
	}
	pdl_store_rdone(s, t);
	return rc;
}

/* 1 when --vkey names the same key (name and public key) as genesis. */
static int
same_key(const char *given, const char *genesis)
{
	char n1[PDL_ORIGIN_LEN_MAX + 1], n2[PDL_ORIGIN_LEN_MAX + 1];
	struct pdl_pubkey k1, k2;
	return pdl_note_vkey_parse(given, n1, sizeof n1, &k1) == PDL_OK &&
	       pdl_note_vkey_parse(genesis, n2, sizeof n2, &k2) == PDL_OK && strcmp(n1, n2) == 0 &&
	       pdl_pubkey_eq(&k1, &k2);
}

static int
fail_json(const struct pdl_verify_result *r, int replay, uint64_t replayed)
{
	json_t *o = json_object();
	json_object_set_new(o, "ok", json_false());
	if (r->has_bad_seq)
		json_object_set_new(o, "bad_seq", json_integer((json_int_t)r->bad_seq));
	if (r->bad_key[0])
		json_object_set_new(o, "bad_key", json_string(r->bad_key));
	json_object_set_new(o, "error", json_string(pdl_strerror(r->err)));
	json_object_set_new(o, "what", json_string(r->what));
	if (replay)
		json_object_set_new(o, "stage",
		                    json_string(replayed || r->err == PDL_ERULE || r->err == PDL_ESTATE ? "replay" : "verify"));
	out_json(o);
	if (r->has_bad_seq)
		fprintf(stderr, "pdl verify: seq %llu: %s (%s)\n", (unsigned long long)r->bad_seq, r->what,
		        pdl_strerror(r->err));
	else
		fprintf(stderr, "pdl verify: %s (%s)\n", r->what, pdl_strerror(r->err));
	return 1;
}

static json_t *
strings(const char *const *l)
{
	json_t *a = json_array();
	for (; *l != NULL; l++)
		json_array_append_new(a, json_string(*l));
	return a;
}

static void
summary(const struct pdl_verify_result *r, const struct verify_opts *o, const char *vkey, uint32_t key_id,
        int test_clock, double secs, double replay_secs, uint64_t replayed)
{
	static const char *const checked[] = {"entries", "chain", "merkle", "signatures", "checkpoints", NULL};
	static const char *const checked_replay[] = {"entries", "chain", "merkle", "signatures", "checkpoints",
	                                             "rules", "state", NULL};
	static const char *const unchecked[] = {"state: the rules' state tables (pdl verify --replay checks them)",
	                                        NULL};
	static const char *const none[] = {NULL};
	json_t *j = json_object();
	char b64[PDL_B64_LEN(PDL_HASH_BYTES)], hex[2 * PDL_HASH_BYTES + 1], id[9];
	json_object_set_new(j, "ok", json_true());
	json_object_set_new(j, "size", json_integer((json_int_t)r->size));
	pdl_b64(r->root, PDL_HASH_BYTES, b64);
	json_object_set_new(j, "root", json_string(b64));
	pdl_hex(r->chain, PDL_HASH_BYTES, hex);
	json_object_set_new(j, "chain", json_string(hex));
	json_object_set_new(j, "signatures", json_integer((json_int_t)r->signatures));
	json_object_set_new(j, "checkpoints", json_integer((json_int_t)r->checkpoints));
	json_object_set_new(j, "checkpoint_size", json_integer((json_int_t)r->ckpt_size));
	json_object_set_new(j, "key", json_string(vkey));
	snprintf(id, sizeof id, "%08x", key_id);
	json_object_set_new(j, "key_id", json_string(id));
	json_object_set_new(j, "key_pinned", json_boolean(o->vkey != NULL));
	/* the genesis allows a test clock: the entries' times were set by hand */
	json_object_set_new(j, "test_clock", json_boolean(test_clock));
	json_object_set_new(j, "checked", strings(o->replay ? checked_replay : checked));
	json_object_set_new(j, "not_checked", strings(o->replay ? none : unchecked));
	json_object_set_new(j, "seconds", json_real(secs));
	if (o->replay) {
		json_object_set_new(j, "replayed", json_integer((json_int_t)replayed));
		json_object_set_new(j, "replay_seconds", json_real(replay_secs));
	}
	out_json(j);
}

/* --replay on a scratch directory; r keeps the verify summary's figures. */
static int
run_replay(struct pdl_store *s, const struct verify_opts *o, struct pdl_verify_result *r, uint64_t *replayed)
{
	char scratch[] = "/tmp/pdl-replay-XXXXXX";
	struct pdl_verify_result v = *r;
	struct pdl_progress prog;
	if (mkdtemp(scratch) == NULL) {
		r->err = PDL_EIO;
		r->has_bad_seq = 0;
		snprintf(r->what, sizeof r->what, "cannot make a scratch directory for the replay: %s", strerror(errno));
		return PDL_EIO;
	}
	pdl_progress_start(&prog, pdl_progress_mode(o->quiet, o->lines), "replay", "entries", 0, o->interval_s);
	int rc = pdl_replay_store(s, scratch, &prog, r);
	pdl_progress_end(&prog, r->size, rc == PDL_OK);
	*replayed = r->size;
	/* no shell: nftw removes what the replay made, without following links */
	if (pdl_rmtree(scratch) != PDL_OK)
		fprintf(stderr, "pdl verify: could not remove %s: %s\n", scratch, strerror(errno));
	if (rc == PDL_OK)
		*r = v;
	return rc;
}

int
cmd_verify(int argc, char **argv)
{
	struct verify_opts o;
	int orc = verify_opts(argc, argv, &o);
	if (orc >= 0)
		return orc;
	struct pdl_store s;
	struct pdl_status st = {0};
	int rc = pdl_store_open(&s, o.dir, PDL_STORE_RDONLY);
	if (rc != PDL_OK) {
		fprintf(stderr, "pdl verify: cannot open the ledger in %s: %s (%s)\n", o.dir, pdl_errmsg(rc),
		        pdl_strerror(rc));
		return 1;
	}
	char vkey[PDL_VKEY_LEN_MAX + 1];
	uint32_t key_id = 0;
	struct pdl_verify_result r;
	memset(&r, 0, sizeof r);
	/* a pinned key is checked before anything else is read; otherwise a
	 * damaged genesis is for the full check to name precisely */
	int test_clock = 0;
	int have_key = genesis_vkey(&s, vkey, sizeof vkey, &key_id, &test_clock, &st) == PDL_OK;
	if (o.vkey != NULL && !have_key) {
		pdl_store_close(&s);
		r.has_bad_seq = 1;
		r.err = st.err;
		snprintf(r.what, sizeof r.what, "%s", st.msg);
		return fail_json(&r, o.replay, 0);
	}
	if (o.vkey != NULL && !same_key(o.vkey, vkey)) {
		pdl_store_close(&s);
		r.has_bad_seq = 1;
		r.err = PDL_EBADSIG;
		snprintf(r.what, sizeof r.what, "genesis names the ledger key %s, not the --vkey given (%.*s)", vkey, 120,
		         o.vkey);
		return fail_json(&r, o.replay, 0);
	}
	struct pdl_progress prog;
	uint64_t t0 = pdl_mono_ns(), replayed = 0;
	pdl_progress_start(&prog, pdl_progress_mode(o.quiet, o.lines), "verify", "entries", 0, o.interval_s);
	rc = pdl_verify_store(&s, (unsigned)o.threads, &prog, &r);
	pdl_progress_end(&prog, rc == PDL_OK ? r.size : prog.done, rc == PDL_OK);
	double secs = (double)(pdl_mono_ns() - t0) / 1e9, replay_secs = 0;
	if (rc == PDL_OK && o.replay) {
		uint64_t t1 = pdl_mono_ns();
		rc = run_replay(&s, &o, &r, &replayed);
		replay_secs = (double)(pdl_mono_ns() - t1) / 1e9;
	}
	pdl_store_close(&s);
	if (rc != PDL_OK)
		return fail_json(&r, o.replay, replayed);
	if (!have_key) { /* cannot be: genesis verified */
		fprintf(stderr, "pdl verify: %s (%s)\n", st.msg, pdl_strerror(st.err));
		return 1;
	}
	summary(&r, &o, vkey, key_id, test_clock, secs, replay_secs, replayed);
	return 0;
}
