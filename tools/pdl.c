/*
 * pdl — the command-line tool: keys, genesis, submitting acts, reads,
 * proofs, offline verification and export.
 *
 * Output contract: machine-readable JSON on stdout (one object per line
 * where there are several), errors on stderr, non-zero exit on failure.
 * The auditor-facing commands (verifier-key, checkpoint, get --raw, proof,
 * verify) are pinned: see spec/formats.md.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "check.h"
#include "ckpt.h"
#include "cli.h"
#include "merkle.h"
#include "mpjson.h"
#include "note.h"
#include "readers.h"
#include "replay.h"
#include "state.h"
#include "verify.h"

/* ---- shared ---- */

static int parse_when(const char *s, uint64_t *ms);

void
out_json(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
	if (s != NULL) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(j);
}

int
die_status(const char *cmd, const struct pdl_status *st)
{
	fprintf(stderr, "pdl %s: %s%s%s%s (%s)\n", cmd, st->msg[0] ? st->msg : pdl_errmsg(st->err),
	        st->rule[0] ? " [rule " : "", st->rule, st->rule[0] ? "]" : "", pdl_strerror(st->err));
	return 1;
}

int
usage_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "pdl %s: %s (see pdl %s --help)\n", cmd, msg, cmd);
	return 2;
}

int
parse_u64(const char *s, uint64_t *v)
{
	char *end;
	if (s == NULL || *s < '0' || *s > '9')
		return PDL_EINVAL;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return PDL_EINVAL;
	*v = x;
	return PDL_OK;
}

int
src_open(struct src *s, const char *data, const char *ledger, struct pdl_status *st)
{
	memset(s, 0, sizeof *s);
	if ((data == NULL) == (ledger == NULL))
		return pdl_status_set(st, PDL_EINVAL, NULL, "give exactly one of --data DIR or --ledger URL");
	if (data != NULL) {
		int rc = pdl_store_open(&s->store, data, PDL_STORE_RDONLY);
		if (rc != PDL_OK)
			return pdl_status_set(st, rc, NULL, "cannot open the ledger in %s: %s", data, pdl_errmsg(rc));
		s->local = 1;
		return PDL_OK;
	}
	return pdl_client_open(&s->cl, ledger, st);
}

void
src_close(struct src *s)
{
	if (s->local)
		pdl_store_close(&s->store);
	else
		pdl_client_close(&s->cl);
}

/* die_status for a command that has called src_open (successfully or not):
 * closes the source first, so no error path leaves the LMDB env behind. */
static int
src_fail(struct src *s, const char *cmd, const struct pdl_status *st)
{
	src_close(s);
	return die_status(cmd, st);
}

int
src_call(struct src *s, msgpack_sbuffer *req, uint8_t **rep, size_t *rn, struct pdl_status *st)
{
	int rc = pdl_client_call(&s->cl, req->data, req->size, rep, rn, st);
	if (rc != PDL_OK)
		return rc;
	struct mp_cur c = mp_cur_make(*rep, *rn), e;
	const char *es, *ms = "";
	size_t en, mn = 0;
	if (mp_map_find(c, "error", &e) == PDL_OK && mp_read_str(&e, &es, &en) == PDL_OK) {
		struct mp_cur m;
		if (mp_map_find(c, "message", &m) == PDL_OK)
			mp_read_str(&m, &ms, &mn);
		int err = PDL_EPROTO;
		for (int k = 0; k >= -40; k--)
			if (mp_str_eq(es, en, pdl_strerror(k)))
				err = k;
		pdl_status_set(st, err, NULL, "%.*s", (int)mn, ms);
		free(*rep);
		*rep = NULL;
		return err;
	}
	return PDL_OK;
}

static void
req_op(msgpack_sbuffer *sb, msgpack_packer *pk, const char *op, unsigned extra)
{
	msgpack_sbuffer_init(sb);
	msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(pk, 1 + extra);
	mp_pack_cstr(pk, "op");
	mp_pack_cstr(pk, op);
}

int
src_get(struct src *s, uint64_t seq, uint8_t **b, size_t *n, struct pdl_status *st)
{
	*b = NULL;
	if (s->local) {
		MDB_txn *t;
		const uint8_t *v;
		int rc = pdl_store_rtxn(&s->store, &t);
		if (rc != PDL_OK)
			return pdl_status_set(st, rc, NULL, "cannot read the ledger");
		rc = pdl_read_entry(t, &s->store, seq, &v, n, st);
		if (rc == PDL_OK) {
			*b = malloc(*n ? *n : 1);
			if (*b == NULL)
				rc = pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
			else
				memcpy(*b, v, *n);
		}
		pdl_store_rdone(&s->store, t);
		return rc;
	}
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t *rep;
	size_t rn;
	req_op(&sb, &pk, "get", 1);
	mp_pack_cstr(&pk, "seq");
	msgpack_pack_uint64(&pk, seq);
	int rc = src_call(s, &sb, &rep, &rn, st);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return rc;
	struct mp_cur c = mp_cur_make(rep, rn), e;
	const uint8_t *eb;
	if (mp_map_find(c, "entry", &e) != PDL_OK || mp_read_bin(&e, &eb, n) != PDL_OK) {
		free(rep);
		return pdl_status_set(st, PDL_EPROTO, NULL, "malformed reply");
	}
	/* the reply is as untrusted as a data directory */
	if ((rc = pdl_read_entry_bound(seq, *n, st)) != PDL_OK) {
		free(rep);
		return rc;
	}
	*b = malloc(*n ? *n : 1);
	if (*b != NULL)
		memcpy(*b, eb, *n);
	free(rep);
	return *b ? PDL_OK : pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
}

int
src_checkpoint(struct src *s, char **note, size_t *n, struct pdl_status *st)
{
	*note = NULL;
	if (s->local) {
		MDB_txn *t;
		const char *v;
		uint64_t size;
		int rc = pdl_store_rtxn(&s->store, &t);
		if (rc != PDL_OK)
			return pdl_status_set(st, rc, NULL, "cannot read the ledger");
		rc = pdl_read_checkpoint(t, &s->store, &size, &v, n, st);
		if (rc == PDL_OK) {
			*note = malloc(*n + 1);
			if (*note == NULL)
				rc = pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
			else {
				memcpy(*note, v, *n);
				(*note)[*n] = 0;
			}
		}
		pdl_store_rdone(&s->store, t);
		return rc;
	}
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t *rep;
	size_t rn;
	req_op(&sb, &pk, "checkpoint", 0);
	int rc = src_call(s, &sb, &rep, &rn, st);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return rc;
	struct mp_cur c = mp_cur_make(rep, rn), e;
	const char *v;
	if (mp_map_find(c, "note", &e) != PDL_OK || mp_read_str(&e, &v, n) != PDL_OK) {
		free(rep);
		return pdl_status_set(st, PDL_EPROTO, NULL, "malformed reply");
	}
	if ((rc = pdl_read_note_bound(*n, st)) != PDL_OK) {
		free(rep);
		return rc;
	}
	*note = malloc(*n + 1);
	if (*note) {
		memcpy(*note, v, *n);
		(*note)[*n] = 0;
	}
	free(rep);
	return *note ? PDL_OK : pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
}

int
src_head(struct src *s, struct pdl_head *h, struct pdl_status *st)
{
	if (s->local) {
		MDB_txn *t;
		int rc = pdl_store_rtxn(&s->store, &t);
		if (rc != PDL_OK)
			return pdl_status_set(st, rc, NULL, "cannot read the ledger");
		rc = pdl_read_head(t, &s->store, h, st);
		pdl_store_rdone(&s->store, t);
		return rc;
	}
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t *rep;
	size_t rn;
	req_op(&sb, &pk, "head", 0);
	int rc = src_call(s, &sb, &rep, &rn, st);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return rc;
	struct mp_cur c = mp_cur_make(rep, rn), e;
	const uint8_t *ch;
	size_t chn;
	memset(h, 0, sizeof *h);
	if (mp_map_find(c, "size", &e) != PDL_OK || mp_read_uint(&e, &h->size) != PDL_OK ||
	    mp_map_find(c, "chain", &e) != PDL_OK || mp_read_bin(&e, &ch, &chn) != PDL_OK || chn != 32) {
		free(rep);
		return pdl_status_set(st, PDL_EPROTO, NULL, "malformed reply");
	}
	memcpy(h->chain, ch, 32);
	free(rep);
	return PDL_OK;
}

int
src_ledger_id(struct src *s, uint8_t id[PDL_HASH_BYTES], struct pdl_status *st)
{
	if (s->local) {
		MDB_txn *t;
		int rc = pdl_store_rtxn(&s->store, &t);
		if (rc != PDL_OK)
			return pdl_status_set(st, rc, NULL, "cannot read the ledger");
		rc = pdl_read_ledger_id(t, &s->store, id, st);
		pdl_store_rdone(&s->store, t);
		return rc;
	}
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t *rep;
	size_t rn;
	req_op(&sb, &pk, "head", 0);
	int rc = src_call(s, &sb, &rep, &rn, st);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return rc;
	struct mp_cur c = mp_cur_make(rep, rn), e;
	const uint8_t *b;
	size_t bn;
	if (mp_map_find(c, "ledger_id", &e) != PDL_OK || mp_read_bin(&e, &b, &bn) != PDL_OK || bn != PDL_HASH_BYTES) {
		free(rep);
		return pdl_status_set(st, PDL_EPROTO, NULL, "the head reply carries no 32-byte ledger_id");
	}
	memcpy(id, b, PDL_HASH_BYTES);
	free(rep);
	return PDL_OK;
}

/* Common option parsing: --data, --ledger, and per-command extras. */
struct common {
	const char *data, *ledger, *key, *out;
	int raw, help;
};

#define COMMON_OPTS                                                                                              \
	{"data", required_argument, NULL, 'd'}, {"ledger", required_argument, NULL, 'L'},                          \
	    {"help", no_argument, NULL, 'h'}

static int
want_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

/* Parses exactly --data DIR, --ledger URL and --help for commands that
 * take nothing else. Returns -1 to go on, or the exit code to return. */
static int
src_opts(int argc, char **argv, const char *cmd, const char *help, const char **dir, const char **ledger)
{
	static const struct option opts[] = {COMMON_OPTS, {0}};
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'd')
			*dir = optarg;
		else if (ch == 'L')
			*ledger = optarg;
		else if (ch == 'h') {
			fputs(help, stdout);
			return 0;
		} else
			return usage_error(cmd, "unknown option");
	}
	return -1;
}

/* ---- keygen ---- */

static int
cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {{"out", required_argument, NULL, 'o'}, {"show", required_argument, NULL, 's'},
	                                     {"help", no_argument, NULL, 'h'}, {0}};
	const char *out = NULL, *show = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (ch == 'o')
			out = optarg;
		else if (ch == 's')
			show = optarg;
		else if (ch == 'h') {
			printf("usage: pdl keygen --out FILE\n       pdl keygen --show FILE\n\n"
			       "Writes a new Ed25519 secret key file, mode 0600 from its first byte. It never replaces\n"
			       "anything at FILE (a file, a symbolic link, even a dangling one): the name is made with\n"
			       "link(2), which fails if it exists.\n"
			       "and prints {\"public_key\":\"<base64>\"}. --show prints the public key of an existing file.\n");
			return 0;
		} else
			return usage_error("keygen", "unknown option");
	}
	uint8_t pk[32];
	char b64[64];
	if (show != NULL) {
		uint8_t sk[64];
		struct pdl_status st = {0};
		if (pdl_key_load(show, sk, pk, &st) != PDL_OK)
			return die_status("keygen", &st);
		sodium_memzero(sk, sizeof sk);
		pdl_b64(pk, 32, b64);
		json_t *o = json_object();
		json_object_set_new(o, "public_key", json_string(b64));
		json_object_set_new(o, "key_file", json_string(show));
		out_json(o);
		return 0;
	}
	if (out == NULL)
		return usage_error("keygen", "--out FILE is required");
	/* refuses an existing name of any kind, atomically (util.h) */
	struct pdl_status st = {0};
	if (pdl_key_generate(out, pk, &st) != PDL_OK)
		return die_status("keygen", &st);
	pdl_b64(pk, 32, b64);
	json_t *o = json_object();
	json_object_set_new(o, "public_key", json_string(b64));
	json_object_set_new(o, "key_file", json_string(out));
	out_json(o);
	return 0;
}

/* ---- init ---- */

/* The genesis policy map of p: every field, so the genesis states every
 * limit the rules will apply. */
static json_t *
policy_json(const struct pdl_policy *p)
{
	char due[8];
	snprintf(due, sizeof due, "%02d-%02d", p->disclosure_due_month % 100, p->disclosure_due_day % 100);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:b,s:s,s:s,s:I}", "accept_wd", (json_int_t)p->accept_wd,
	                 "notice_wd", (json_int_t)p->notice_wd, "grant_months_max", (json_int_t)p->grant_months_max,
	                 "trial_months_max", (json_int_t)p->trial_months_max, "blob_bytes_max",
	                 (json_int_t)p->blob_bytes_max, "grant_total_months_max", (json_int_t)p->grant_total_months_max,
	                 "registration_required", p->registration_required, "product_registration_before_release",
	                 p->product_registration_before_release, "product_reviewer",
	                 p->product_reviewer == PDL_REVIEWER_AUTHORITY ? "authority" : "operator", "disclosure_due", due,
	                 "log_retention_months", (json_int_t)p->log_retention_months);
}

/* A policy file: a JSON object with any of the policy fields; the others
 * keep the defaults (a file may start from a preset: {"preset":"wuhan",…}). */
static int
policy_from_file(const char *path, struct pdl_policy *p, struct pdl_status *st)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	if (j == NULL)
		return pdl_status_set(st, PDL_EDECODE, NULL, "%s:%d: %s", path, je.line, je.text);
	const char *k;
	json_t *v;
	int rc = PDL_OK;
	if (!json_is_object(j)) {
		json_decref(j);
		return pdl_status_set(st, PDL_EFIELD, NULL, "%s: the policy is a JSON object", path);
	}
	json_t *pre = json_object_get(j, "preset");
	if (pre != NULL && (!json_is_string(pre) || pdl_policy_preset(json_string_value(pre), p) != PDL_OK)) {
		json_decref(j);
		return pdl_status_set(st, PDL_EFIELD, NULL, "%s: preset is one of wuhan, ezhou, national", path);
	}
	json_object_foreach(j, k, v) {
		uint64_t *dst = strcmp(k, "accept_wd") == 0                ? &p->accept_wd
		                : strcmp(k, "notice_wd") == 0              ? &p->notice_wd
		                : strcmp(k, "grant_months_max") == 0       ? &p->grant_months_max
		                : strcmp(k, "trial_months_max") == 0       ? &p->trial_months_max
		                : strcmp(k, "blob_bytes_max") == 0         ? &p->blob_bytes_max
		                : strcmp(k, "grant_total_months_max") == 0 ? &p->grant_total_months_max
		                : strcmp(k, "log_retention_months") == 0   ? &p->log_retention_months
		                                                           : NULL;
		int *flag = strcmp(k, "registration_required") == 0                 ? &p->registration_required
		            : strcmp(k, "product_registration_before_release") == 0 ? &p->product_registration_before_release
		                                                                    : NULL;
		if (strcmp(k, "preset") == 0)
			continue;
		if (flag != NULL) {
			if (!json_is_boolean(v)) {
				rc = pdl_status_set(st, PDL_EFIELD, NULL, "%s: %s must be true or false", path, k);
				break;
			}
			*flag = json_is_true(v);
			continue;
		}
		if (strcmp(k, "product_reviewer") == 0) {
			const char *r = json_string_value(v);
			if (r == NULL || (strcmp(r, "operator") != 0 && strcmp(r, "authority") != 0)) {
				rc = pdl_status_set(st, PDL_EFIELD, NULL, "%s: product_reviewer is operator or authority", path);
				break;
			}
			p->product_reviewer = strcmp(r, "authority") == 0 ? PDL_REVIEWER_AUTHORITY : PDL_REVIEWER_OPERATOR;
			continue;
		}
		if (strcmp(k, "disclosure_due") == 0) {
			const char *d = json_string_value(v);
			int mm, dd, n = 0;
			if (d == NULL || sscanf(d, "%2d-%2d%n", &mm, &dd, &n) != 2 || n != 5 || strlen(d) != 5) {
				rc = pdl_status_set(st, PDL_EFIELD, NULL, "%s: disclosure_due is \"MM-DD\"", path);
				break;
			}
			p->disclosure_due_month = mm;
			p->disclosure_due_day = dd; /* the genesis rules check the day exists */
			continue;
		}
		if (dst == NULL) {
			rc = pdl_status_set(st, PDL_EFIELD, NULL, "%s: unknown policy field \"%s\"", path, k);
			break;
		}
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			rc = pdl_status_set(st, PDL_EFIELD, NULL, "%s: %s must be a non-negative integer", path, k);
			break;
		}
		*dst = (uint64_t)json_integer_value(v);
	}
	/* a file that changes the term or trial without the total keeps the
	 * total they imply, as a genesis without it would */
	if (rc == PDL_OK && pre == NULL && json_object_get(j, "grant_total_months_max") == NULL)
		p->grant_total_months_max = p->grant_months_max + p->trial_months_max;
	json_decref(j);
	return rc;
}

/* die_status for init once the keys are loaded: wipes them first. */
static int
init_fail(const struct pdl_status *st, uint8_t lsk[64], uint8_t ask[64])
{
	sodium_memzero(lsk, 64);
	sodium_memzero(ask, 64);
	return die_status("init", st);
}

static int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},     {"origin", required_argument, NULL, 'o'},
		{"jurisdiction", required_argument, NULL, 'j'}, {"policy", required_argument, NULL, 'p'},
		{"authority-id", required_argument, NULL, 'a'}, {"authority-name", required_argument, NULL, 'n'},
		{"authority-uscc", required_argument, NULL, 'u'}, {"authority-key", required_argument, NULL, 'k'},
		{"ledger-key", required_argument, NULL, 'K'}, {"time", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},           {0},
	};
	const char *dir = NULL, *origin = NULL, *juris = NULL, *policy = NULL, *aid = "authority",
	           *aname = "Municipal Data Administration", *auscc = NULL, *akey = NULL, *lkey = NULL, *when = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'o': origin = optarg; break;
		case 'j': juris = optarg; break;
		case 'p': policy = optarg; break;
		case 'a': aid = optarg; break;
		case 'n': aname = optarg; break;
		case 'u': auscc = optarg; break;
		case 'k': akey = optarg; break;
		case 'K': lkey = optarg; break;
		case 't': when = optarg; break;
		case 'h':
			printf("usage: pdl init --data DIR --origin ORIGIN --jurisdiction 6DIGITS\n"
			       "                [--policy wuhan|ezhou|national|FILE]\n"
			       "                [--authority-id ID] [--authority-name NAME] [--authority-uscc CODE]\n"
			       "                [--authority-key FILE] [--ledger-key FILE] [--time WHEN]\n\n"
			       "Creates DIR, the ledger (checkpoint) key DIR/ledger.key, the authority key\n"
			       "DIR/authority.key (or uses --authority-key), and the genesis entry with its first\n"
			       "checkpoint. The genesis states the whole policy. --policy names a preset:\n"
			       "  wuhan     agreement term <= 36 months after a trial <= 6, <= 60 in all;\n"
			       "            registration required; the operator reviews products\n"
			       "  ezhou     term <= 60 months, no trial; registration required; products are\n"
			       "            registered before release; the authority reviews products\n"
			       "  national  <= 60 months in all, the trial inside them; registration required\n"
			       "(all three: disclosure due 03-31 for the previous year, logs kept 12 months after\n"
			       "an exit), or a JSON file with any of accept_wd (3), notice_wd (10),\n"
			       "grant_months_max (60), trial_months_max (6), blob_bytes_max (32768),\n"
			       "grant_total_months_max (term + trial), registration_required (false),\n"
			       "product_registration_before_release (false), product_reviewer (operator),\n"
			       "disclosure_due (\"03-31\"), log_retention_months (12), and \"preset\" to start from one.\n"
			       "Without --policy the defaults in brackets apply (no registration gate); a real\n"
			       "deployment names its jurisdiction's preset.\n"
			       "--ledger-key uses an existing checkpoint key; --time sets the genesis time (ms or ISO 8601):\n"
			       "with both and fixed keys a ledger is reproducible byte for byte (fixtures, golden tests).\n"
			       "Prints {origin, authority_id, authority_key, ledger_key, verifier_key, ...}.\n");
			return 0;
		default: return usage_error("init", "unknown option");
		}
	}
	if (dir == NULL || origin == NULL || juris == NULL || optind != argc)
		return usage_error("init", "--data, --origin and --jurisdiction are required");
	struct pdl_status st = {0};
	struct pdl_policy pol = PDL_POLICY_DEFAULTS;
	if (policy != NULL && pdl_policy_preset(policy, &pol) != PDL_OK) {
		struct stat ps;
		if (stat(policy, &ps) != 0)
			return usage_error("init", "--policy is wuhan, ezhou, national or a JSON file");
		if (policy_from_file(policy, &pol, &st) != PDL_OK)
			return die_status("init", &st);
	}
	char uscc[19];
	if (auscc == NULL) {
		/* 11 = government organ; the division code is the jurisdiction. */
		char first[18];
		snprintf(first, sizeof first, "11%.6s000000000", juris);
		if (strlen(first) != 17 || pdl_uscc_check_char(first, &uscc[17]) != PDL_OK)
			return usage_error("init", "--jurisdiction must be 6 digits");
		memcpy(uscc, first, 17);
		uscc[18] = 0;
		auscc = uscc;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "pdl init: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	char lk[4200], ak[4200], path[4200];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	struct stat sb;
	if (stat(path, &sb) == 0) {
		fprintf(stderr, "pdl init: %s already holds a ledger; refusing to overwrite (PDL_EGENESIS)\n", dir);
		return 1;
	}
	snprintf(lk, sizeof lk, "%s/%s", dir, PDL_LEDGER_KEY_FILE);
	if (lkey != NULL) {
		/* pdld finds the checkpoint key in DIR: copy it there, 0600 */
		/* the key as loaded (one descriptor, checked), written anew: the
		 * file is not read a second time by its name */
		uint8_t tsk[64], tpk[32];
		if (pdl_key_load(lkey, tsk, tpk, &st) != PDL_OK)
			return die_status("init", &st);
		int wrc = lstat(lk, &sb) != 0 ? pdl_key_write(lk, tsk, &st) : PDL_OK;
		sodium_memzero(tsk, sizeof tsk);
		if (wrc != PDL_OK)
			return die_status("init", &st);
	}
	uint64_t genesis_ms = pdl_now_ms();
	if (when != NULL && parse_when(when, &genesis_ms) != PDL_OK)
		return usage_error("init", "--time is ms since the epoch or ISO 8601 with a zone");
	if (akey == NULL) {
		snprintf(ak, sizeof ak, "%s/%s", dir, PDL_AUTHORITY_KEY_FILE);
		akey = ak;
	}
	uint8_t lpk[32], apk[32], lsk[64], ask[64];
	if (lstat(lk, &sb) != 0 && pdl_key_generate(lk, lpk, &st) != PDL_OK)
		return die_status("init", &st);
	if (lstat(akey, &sb) != 0 && pdl_key_generate(akey, apk, &st) != PDL_OK)
		return die_status("init", &st);
	if (pdl_key_load(lk, lsk, lpk, &st) != PDL_OK || pdl_key_load(akey, ask, apk, &st) != PDL_OK)
		return init_fail(&st, lsk, ask);
	char lpk64[64], apk64[64];
	pdl_b64(lpk, 32, lpk64);
	pdl_b64(apk, 32, apk64);
	json_t *act = json_pack("{s:s,s:s,s:i,s:{s:s,s:s,s:{s:s,s:s,s:s,s:s},s:s,s:o}}", "type", "ledger.genesis",
	                        "actor", aid, "nonce", 0, "body", "origin", origin, "jurisdiction", juris, "authority",
	                        "id", aid, "name", aname, "uscc", auscc, "public_key", apk64, "ledger_key", lpk64,
	                        "policy", policy_json(&pol));
	msgpack_sbuffer ab;
	msgpack_sbuffer_init(&ab);
	if (act == NULL || pdl_json_act_to_mp(act, &ab, &st) != PDL_OK) {
		json_decref(act);
		msgpack_sbuffer_destroy(&ab);
		return init_fail(&st, lsk, ask);
	}
	json_decref(act);
	uint8_t sig[64];
	pdl_act_sign(pdl_ledger_id_genesis, (const uint8_t *)ab.data, ab.size, ask, sig); /* entry.h */
	struct pdl_act a;
	if (pdl_act_decode((const uint8_t *)ab.data, ab.size, sig, &a, &st) != PDL_OK) {
		msgpack_sbuffer_destroy(&ab);
		return init_fail(&st, lsk, ask);
	}

	struct pdl_store s;
	int rc = pdl_store_open(&s, dir, PDL_STORE_CREATE);
	if (rc != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot create the ledger in %s", dir);
		msgpack_sbuffer_destroy(&ab);
		return init_fail(&st, lsk, ask);
	}
	struct pdl_engine e;
	pdl_engine_init(&e, &s);
	MDB_txn *t;
	struct pdl_head h;
	struct pdl_receipt r;
	char note[PDL_NOTE_BYTES_MAX];
	size_t nn;
	if ((rc = pdl_store_wtxn(&s, &t)) != PDL_OK || (rc = pdl_store_head(t, &s, &h)) != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot write the ledger");
		return init_fail(&st, lsk, ask);
	}
	rc = pdl_engine_submit(&e, t, &h, genesis_ms, &a, NULL, &r, &st);
	if (rc != PDL_OK) {
		/* leave nothing that would refuse the next init */
		mdb_txn_abort(t);
		pdl_engine_fini(&e);
		pdl_store_close(&s);
		snprintf(path, sizeof path, "%s/data.mdb", dir);
		unlink(path);
		snprintf(path, sizeof path, "%s/lock.mdb", dir);
		unlink(path);
		msgpack_sbuffer_destroy(&ab);
		return init_fail(&st, lsk, ask);
	}
	rc = pdl_ckpt_make(t, &s, &h, origin, lsk, note, sizeof note, &nn);
	if (rc != PDL_OK || (rc = pdl_store_err(mdb_txn_commit(t))) != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot commit the genesis");
		return init_fail(&st, lsk, ask);
	}
	pdl_engine_fini(&e);
	pdl_store_close(&s);
	msgpack_sbuffer_destroy(&ab);
	sodium_memzero(lsk, sizeof lsk);
	sodium_memzero(ask, sizeof ask);

	char vkey[PDL_VKEY_LEN_MAX + 1], hex[65];
	pdl_note_vkey_format(origin, lpk, vkey, sizeof vkey);
	pdl_hex(r.hash, 32, hex);
	json_t *o = json_object();
	json_object_set_new(o, "origin", json_string(origin));
	json_object_set_new(o, "data", json_string(dir));
	json_object_set_new(o, "jurisdiction", json_string(juris));
	json_object_set_new(o, "authority_id", json_string(aid));
	json_object_set_new(o, "authority_key", json_string(akey));
	json_object_set_new(o, "authority_public_key", json_string(apk64));
	json_object_set_new(o, "ledger_key", json_string(lk));
	json_object_set_new(o, "verifier_key", json_string(vkey));
	json_object_set_new(o, "genesis_hash", json_string(hex));
	json_object_set_new(o, "policy", policy_json(&pol));
	out_json(o);
	return 0;
}

/* ---- verifier-key ---- */

static int
cmd_verifier_key(int argc, char **argv)
{
	const char *dir = NULL, *ledger = NULL;
	int orc = src_opts(argc, argv, "verifier-key",
	                   "usage: pdl verifier-key --data DIR\n\nPrints the signed-note verifier key of the ledger's "
			       "checkpoints:\nORIGIN+<8 hex key id>+<base64(0x01 || Ed25519 public key)>\n", &dir, &ledger);
	if (orc >= 0)
		return orc;
	if (dir == NULL)
		return usage_error("verifier-key", "--data DIR is required");
	struct src s;
	struct pdl_status st = {0};
	if (src_open(&s, dir, NULL, &st) != PDL_OK)
		return src_fail(&s, "verifier-key", &st);
	MDB_txn *t;
	struct pdl_engine e;
	pdl_engine_init(&e, &s.store);
	int rc = pdl_store_rtxn(&s.store, &t);
	if (rc == PDL_OK) {
		rc = pdl_engine_load(&e, t);
		pdl_store_rdone(&s.store, t);
	}
	if (rc != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot read the genesis");
		return src_fail(&s, "verifier-key", &st);
	}
	char vkey[PDL_VKEY_LEN_MAX + 1];
	pdl_note_vkey_format(e.info.origin, e.info.ledger_pk, vkey, sizeof vkey);
	printf("%s\n", vkey);
	pdl_engine_fini(&e);
	src_close(&s);
	return 0;
}

/* ---- ledger-id ---- */

static int
cmd_ledger_id(int argc, char **argv)
{
	const char *dir = NULL, *ledger = NULL;
	int orc = src_opts(argc, argv, "ledger-id",
	                   "usage: pdl ledger-id (--data DIR | --ledger URL)\n\n"
	                   "Prints the ledger id in hex: SHA-256 of the genesis entry's exact bytes (its chain hash).\n"
	                   "Every act signature names it (\"pdl/act/v2\\n\" || ledger id || act), so an act signed\n"
	                   "for one ledger is refused by every other. Give it to `pdl sign --ledger-id` to sign\n"
	                   "acts on a machine that cannot reach the ledger.\n",
	                   &dir, &ledger);
	if (orc >= 0)
		return orc;
	if (optind != argc)
		return usage_error("ledger-id", "it takes no arguments");
	struct src s;
	struct pdl_status st = {0};
	uint8_t id[PDL_HASH_BYTES];
	char hex[2 * PDL_HASH_BYTES + 1];
	if (src_open(&s, dir, ledger, &st) != PDL_OK || src_ledger_id(&s, id, &st) != PDL_OK)
		return src_fail(&s, "ledger-id", &st);
	pdl_hex(id, sizeof id, hex);
	printf("%s\n", hex);
	src_close(&s);
	return 0;
}

/* ---- checkpoint ---- */

static int
cmd_checkpoint(int argc, char **argv)
{
	const char *dir = NULL, *ledger = NULL;
	int orc = src_opts(argc, argv, "checkpoint",
	                   "usage: pdl checkpoint (--data DIR | --ledger URL)\n\nPrints the latest signed checkpoint "
			       "exactly as signed: the C2SP tlog-checkpoint body,\na blank line and the signature lines.\n", &dir, &ledger);
	if (orc >= 0)
		return orc;
	struct src s;
	struct pdl_status st = {0};
	char *note;
	size_t n;
	if (src_open(&s, dir, ledger, &st) != PDL_OK || src_checkpoint(&s, &note, &n, &st) != PDL_OK)
		return src_fail(&s, "checkpoint", &st);
	fwrite(note, 1, n, stdout);
	free(note);
	src_close(&s);
	return 0;
}

/* ---- get ---- */

static int
cmd_get(int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {"raw", no_argument, NULL, 'r'}, {0}};
	const char *dir = NULL, *ledger = NULL;
	int ch, raw = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'd')
			dir = optarg;
		else if (ch == 'L')
			ledger = optarg;
		else if (ch == 'r')
			raw = 1;
		else if (ch == 'h') {
			printf("usage: pdl get SEQ [--raw] (--data DIR | --ledger URL)\n\nPrints entry SEQ as JSON, or with "
			       "--raw writes its exact leaf bytes (the msgpack\nentry that the Merkle leaf hashes) to "
			       "stdout.\n");
			return 0;
		} else
			return usage_error("get", "unknown option");
	}
	uint64_t seq;
	if (optind + 1 != argc || parse_u64(argv[optind], &seq) != PDL_OK)
		return usage_error("get", "give one SEQ, a non-negative integer");
	struct src s;
	struct pdl_status st = {0};
	uint8_t *b;
	size_t n;
	if (src_open(&s, dir, ledger, &st) != PDL_OK || src_get(&s, seq, &b, &n, &st) != PDL_OK)
		return src_fail(&s, "get", &st);
	if (raw) {
		fwrite(b, 1, n, stdout);
	} else {
		json_t *j = pdl_entry_to_json(b, n);
		if (j == NULL) {
			pdl_status_set(&st, PDL_EDECODE, NULL, "entry %llu does not decode", (unsigned long long)seq);
			free(b);
			return src_fail(&s, "get", &st);
		}
		out_json(j);
	}
	free(b);
	src_close(&s);
	return 0;
}

/* ---- proof ---- */

static json_t *
proof_json(const pdl_hash *p, size_t n)
{
	json_t *a = json_array();
	char b64[64];
	for (size_t i = 0; i < n; i++) {
		pdl_b64(p[i], 32, b64);
		json_array_append_new(a, json_string(b64));
	}
	return a;
}

static int
read_proof_reply(const uint8_t *rep, size_t rn, pdl_hash *proof, size_t *n, uint8_t leaf[32])
{
	struct mp_cur c = mp_cur_make(rep, rn), e;
	uint32_t k;
	const uint8_t *b;
	size_t bn;
	if (leaf != NULL) {
		if (mp_map_find(c, "leaf_hash", &e) != PDL_OK || mp_read_bin(&e, &b, &bn) != PDL_OK || bn != 32)
			return PDL_EPROTO;
		memcpy(leaf, b, 32);
	}
	if (mp_map_find(c, "proof", &e) != PDL_OK || mp_read_array(&e, &k) != PDL_OK || k > PDL_MERKLE_PROOF_MAX)
		return PDL_EPROTO;
	for (uint32_t i = 0; i < k; i++) {
		if (mp_read_bin(&e, &b, &bn) != PDL_OK || bn != 32)
			return PDL_EPROTO;
		memcpy(proof[i], b, 32);
	}
	*n = k;
	return PDL_OK;
}

static int
cmd_proof(int argc, char **argv)
{
	const char *dir = NULL, *ledger = NULL;
	int orc = src_opts(argc, argv, "proof",
	                   "usage: pdl proof inclusion INDEX SIZE (--data DIR | --ledger URL)\n"
			       "       pdl proof consistency OLD NEW (--data DIR | --ledger URL)\n\n"
			       "RFC 9162 audit paths over SHA-256:\n"
			       "  {\"index\":I,\"size\":N,\"leaf_hash\":\"<b64>\",\"proof\":[\"<b64>\",...]}\n"
			       "  {\"old\":M,\"new\":N,\"proof\":[\"<b64>\",...]}\n", &dir, &ledger);
	if (orc >= 0)
		return orc;
	uint64_t a, b;
	if (optind + 3 != argc || parse_u64(argv[optind + 1], &a) != PDL_OK || parse_u64(argv[optind + 2], &b) != PDL_OK)
		return usage_error("proof", "give inclusion INDEX SIZE or consistency OLD NEW");
	int incl = strcmp(argv[optind], "inclusion") == 0;
	if (!incl && strcmp(argv[optind], "consistency") != 0)
		return usage_error("proof", "the kind is inclusion or consistency");
	struct src s;
	struct pdl_status st = {0};
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	size_t n = 0;
	uint8_t leaf[32];
	if (src_open(&s, dir, ledger, &st) != PDL_OK)
		return src_fail(&s, "proof", &st);
	int rc;
	if (s.local) {
		MDB_txn *t;
		if ((rc = pdl_store_rtxn(&s.store, &t)) != PDL_OK) {
			pdl_status_set(&st, rc, NULL, "cannot read the ledger");
			return src_fail(&s, "proof", &st);
		}
		rc = incl ? pdl_read_inclusion(t, &s.store, a, b, leaf, proof, &n, &st)
		          : pdl_read_consistency(t, &s.store, a, b, proof, &n, &st);
		pdl_store_rdone(&s.store, t);
		if (rc != PDL_OK)
			return src_fail(&s, "proof", &st);
	} else {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		uint8_t *rep;
		size_t rn;
		req_op(&sb, &pk, incl ? "inclusion" : "consistency", 2);
		mp_pack_cstr(&pk, incl ? "index" : "old");
		msgpack_pack_uint64(&pk, a);
		mp_pack_cstr(&pk, incl ? "size" : "new");
		msgpack_pack_uint64(&pk, b);
		rc = src_call(&s, &sb, &rep, &rn, &st);
		msgpack_sbuffer_destroy(&sb);
		if (rc != PDL_OK)
			return src_fail(&s, "proof", &st);
		rc = read_proof_reply(rep, rn, proof, &n, incl ? leaf : NULL);
		free(rep);
		if (rc != PDL_OK) {
			pdl_status_set(&st, rc, NULL, "malformed reply");
			return src_fail(&s, "proof", &st);
		}
	}
	json_t *o = json_object();
	char b64[64];
	if (incl) {
		json_object_set_new(o, "index", json_integer((json_int_t)a));
		json_object_set_new(o, "size", json_integer((json_int_t)b));
		pdl_b64(leaf, 32, b64);
		json_object_set_new(o, "leaf_hash", json_string(b64));
	} else {
		json_object_set_new(o, "old", json_integer((json_int_t)a));
		json_object_set_new(o, "new", json_integer((json_int_t)b));
	}
	json_object_set_new(o, "proof", proof_json(proof, n));
	out_json(o);
	src_close(&s);
	return 0;
}

/* ---- submit ---- */

struct pending {
	msgpack_sbuffer act;
	uint8_t sig[64];
	const char *file;
	size_t index;
	int local_err; /* encoding failed before sending */
	struct pdl_status st;
};

static int
print_results(struct pending *p, size_t n, const uint8_t *rep, size_t rn)
{
	struct mp_cur c = mp_cur_make(rep, rn), r;
	uint32_t k;
	int refused = 0;
	if (mp_map_find(c, "results", &r) != PDL_OK || mp_read_array(&r, &k) != PDL_OK)
		return -1;
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i].local_err) {
			/* refused before sending: printed in its place */
			json_t *o = json_object();
			json_object_set_new(o, "error", json_string(pdl_strerror(p[i].st.err)));
			json_object_set_new(o, "message", json_string(p[i].st.msg));
			json_object_set_new(o, "file", json_string(p[i].file));
			json_object_set_new(o, "index", json_integer((json_int_t)p[i].index));
			out_json(o);
			refused++;
			continue;
		}
		if (j++ >= k)
			return -1;
		struct mp_cur item = r;
		if (mp_skip(&r) != PDL_OK)
			return -1;
		json_t *o = pdl_mp_to_json(&item);
		if (o == NULL)
			return -1;
		json_t *h = json_object_get(o, "hash");
		if (h != NULL) {
			/* the wire carries bin; people read hex */
			uint8_t raw[32];
			char hex[65];
			if (pdl_unb64(json_string_value(h), json_string_length(h), raw, 32) == PDL_OK) {
				pdl_hex(raw, 32, hex);
				json_object_set_new(o, "hash", json_string(hex));
			}
		} else {
			refused++;
		}
		json_object_set_new(o, "file", json_string(p[i].file));
		json_object_set_new(o, "index", json_integer((json_int_t)p[i].index));
		out_json(o);
	}
	fflush(stdout);
	return refused;
}

static int
send_batch(struct pdl_client *cl, struct pending *p, size_t n, int *refused)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct pdl_status st = {0};
	size_t live = 0;
	for (size_t i = 0; i < n; i++)
		live += !p[i].local_err;
	int rc = PDL_OK;
	if (live == 0) {
		/* nothing to send: the results are all local refusals */
		refused[0] += print_results(p, n, (const uint8_t *)"\x81\xa7results\x90", 10);
	} else {
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_map(&pk, 2);
		mp_pack_cstr(&pk, "op");
		mp_pack_cstr(&pk, "submit");
		mp_pack_cstr(&pk, "acts");
		msgpack_pack_array(&pk, live);
		for (size_t i = 0; i < n; i++) {
			if (p[i].local_err)
				continue;
			msgpack_pack_map(&pk, 2);
			mp_pack_cstr(&pk, "act");
			mp_pack_bin(&pk, p[i].act.data, p[i].act.size);
			mp_pack_cstr(&pk, "sig");
			mp_pack_bin(&pk, p[i].sig, 64);
		}
		uint8_t *rep;
		size_t rn;
		rc = pdl_client_call(cl, sb.data, sb.size, &rep, &rn, &st);
		msgpack_sbuffer_destroy(&sb);
		if (rc != PDL_OK) {
			die_status("submit", &st);
			goto out;
		}
		int r = print_results(p, n, rep, rn);
		if (r < 0) {
			struct mp_cur c = mp_cur_make(rep, rn), e;
			const char *es = "PDL_EPROTO", *ms = "malformed reply";
			size_t en = strlen(es), mn = strlen(ms);
			if (mp_map_find(c, "error", &e) == PDL_OK)
				mp_read_str(&e, &es, &en);
			if (mp_map_find(c, "message", &e) == PDL_OK)
				mp_read_str(&e, &ms, &mn);
			fprintf(stderr, "pdl submit: request refused: %.*s (%.*s)\n", (int)mn, ms, (int)en, es);
			free(rep);
			rc = PDL_EPROTO;
			goto out;
		}
		*refused += r;
		free(rep);
	}
out:
	for (size_t i = 0; i < n; i++)
		msgpack_sbuffer_destroy(&p[i].act);
	return rc;
}

/* Where the acts of submit and sign come from: JSON act files and --raw
 * msgpack act files are signed here; --signed files hold the lines `pdl
 * sign` printed and are sent exactly as they are. */
enum in_mode { IN_JSON, IN_RAW, IN_SIGNED };

struct signer {
	enum in_mode mode;
	const char *keys;          /* --keys KEYDIR, or NULL for --key */
	uint8_t sk[64], pk[32];    /* --key's, or the last --keys key loaded */
	uint8_t lid[PDL_HASH_BYTES]; /* the ledger the acts are for */
};

#define ACT_FILE_BYTES_MAX (64u << 20) /* an input file: 4,096 acts of 16 KiB with room */

/* Encodes and signs act `a` (JSON, or the raw msgpack bytes in raw/rawn
 * when a is NULL) into q; on a local refusal sets q->local_err. */
static void
sign_one(struct signer *sg, struct pending *q, const json_t *a, const uint8_t *raw, size_t rawn)
{
	if (a == NULL) {
		msgpack_sbuffer_write(&q->act, (const char *)raw, rawn);
	} else if (pdl_json_act_to_mp(a, &q->act, &q->st) != PDL_OK) {
		q->local_err = 1;
		return;
	}
	if (a != NULL && q->act.size > PDL_ACT_BYTES_MAX) {
		/* the daemon would refuse it too; say so without sending 64 KiB+ */
		pdl_status_set(&q->st, PDL_ETOOBIG, NULL, "act of %zu bytes is over the 64 KiB limit", q->act.size);
		q->local_err = 1;
		return;
	}
	if (sg->keys != NULL) {
		/* the actor's own key from KEYDIR */
		const char *actor = json_string_value(json_object_get(a, "actor"));
		char kp[4400];
		if (actor == NULL || !pdl_id_valid(actor, strlen(actor))) {
			pdl_status_set(&q->st, PDL_EFIELD, NULL, "act has no valid actor to choose a key by");
			q->local_err = 1;
			return;
		}
		snprintf(kp, sizeof kp, "%s/%s.key", sg->keys, actor);
		if (pdl_key_load(kp, sg->sk, sg->pk, &q->st) != PDL_OK) {
			q->local_err = 1;
			return;
		}
	}
	pdl_act_sign(sg->lid, (const uint8_t *)q->act.data, q->act.size, sg->sk, q->sig);
}

/* Takes one line of `pdl sign` output into q: {act, sig[, ledger_id]}. A
 * ledger_id other than this ledger's is refused here (pdld would refuse the
 * signature anyway; this names the two ledgers). */
static void
take_signed(struct signer *sg, struct pending *q, const json_t *o)
{
	const char *act = json_string_value(json_object_get(o, "act"));
	const char *sig = json_string_value(json_object_get(o, "sig"));
	const char *lid = json_string_value(json_object_get(o, "ledger_id"));
	uint8_t *ab = NULL, id[PDL_HASH_BYTES];
	size_t an = 0;
	if (!json_is_object(o) || act == NULL || sig == NULL) {
		pdl_status_set(&q->st, PDL_EINVAL, NULL, "a signed act is a JSON line {\"act\":<base64>,\"sig\":<base64>}");
		q->local_err = 1;
		return;
	}
	if (strlen(act) > pdl_b64_len(PDL_ACT_BYTES_MAX) || (ab = malloc(strlen(act) + 1)) == NULL ||
	    pdl_unb64_var(act, strlen(act), ab, strlen(act), &an) != PDL_OK ||
	    pdl_unb64(sig, strlen(sig), q->sig, sizeof q->sig) != PDL_OK) {
		pdl_status_set(&q->st, PDL_EINVAL, NULL, "act or sig is not canonical base64 (sig: 64 bytes; act: at most 64 KiB)");
		q->local_err = 1;
	} else if (lid != NULL && (pdl_unhex(lid, strlen(lid), id, sizeof id) != PDL_OK ||
	                           sodium_memcmp(id, sg->lid, sizeof id) != 0)) {
		char hex[2 * PDL_HASH_BYTES + 1];
		pdl_hex(sg->lid, sizeof sg->lid, hex);
		pdl_status_set(&q->st, PDL_EBADSIG, NULL, "signed for ledger %.64s, not this ledger (%s)", lid, hex);
		q->local_err = 1;
	} else {
		msgpack_sbuffer_write(&q->act, (const char *)ab, an);
	}
	free(ab);
}

typedef int (*act_fn)(void *arg, struct pending *q);

/* Hands each act of each file, prepared by sg, to fn (which owns q->act
 * from then on). Stops at a file that cannot be read or parsed, after
 * handing on the acts before it, and at an error fn returns. */
static int
each_act(struct signer *sg, char **files, int nfiles, const char *cmd, act_fn fn, void *arg)
{
	int rc = PDL_OK;
	for (int fi = 0; fi < nfiles && rc == PDL_OK; fi++) {
		const char *file = files[fi];
		uint8_t *buf = NULL;
		size_t len = 0;
		int frc = pdl_file_read(strcmp(file, "-") == 0 ? "/dev/stdin" : file, ACT_FILE_BYTES_MAX, &buf, &len);
		if (frc != PDL_OK) {
			fprintf(stderr, "pdl %s: cannot read %s: %s (%s)\n", cmd, file, pdl_errmsg(frc), pdl_strerror(frc));
			return frc;
		}
		json_t *root = NULL;
		size_t count = 1;
		if (sg->mode == IN_JSON) {
			json_error_t je;
			root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
			if (root == NULL) {
				fprintf(stderr, "pdl %s: %s:%d:%d: %s (PDL_EDECODE)\n", cmd, file, je.line, je.column, je.text);
				free(buf);
				return PDL_EDECODE;
			}
			count = json_is_array(root) ? json_array_size(root) : 1;
		} else if (sg->mode == IN_SIGNED) {
			/* one JSON object a line; blank lines are skipped */
			root = json_array();
			char *save = NULL;
			int line = 0;
			for (char *l = strtok_r((char *)buf, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
				json_error_t je;
				line++;
				if (strspn(l, " \t\r") == strlen(l))
					continue;
				json_t *o = json_loads(l, JSON_REJECT_DUPLICATES, &je);
				if (o == NULL) {
					fprintf(stderr, "pdl %s: %s:%d:%d: %s (PDL_EDECODE)\n", cmd, file, line, je.column, je.text);
					json_decref(root);
					free(buf);
					return PDL_EDECODE;
				}
				json_array_append_new(root, o);
			}
			count = json_array_size(root);
		}
		for (size_t i = 0; i < count && rc == PDL_OK; i++) {
			struct pending q;
			memset(&q, 0, sizeof q);
			msgpack_sbuffer_init(&q.act);
			q.file = file;
			q.index = i;
			if (sg->mode == IN_SIGNED)
				take_signed(sg, &q, json_array_get(root, i));
			else if (sg->mode == IN_RAW)
				sign_one(sg, &q, NULL, buf, len);
			else
				sign_one(sg, &q, json_is_array(root) ? json_array_get(root, i) : root, NULL, 0);
			rc = fn(arg, &q);
		}
		json_decref(root);
		free(buf);
	}
	return rc;
}

int
ledger_id_for(struct pdl_client *cl, uint8_t id[PDL_HASH_BYTES], struct pdl_status *st)
{
	struct src s;
	memset(&s, 0, sizeof s);
	s.cl = *cl; /* borrowed: not closed here */
	return src_ledger_id(&s, id, st);
}

/* --ledger-id HEX: 64 lowercase hex digits. */
static int
parse_ledger_id(const char *hex, uint8_t id[PDL_HASH_BYTES])
{
	return pdl_unhex(hex, strlen(hex), id, PDL_HASH_BYTES);
}

struct submit_run {
	struct pdl_client *cl;
	struct pending *p;
	size_t n, batch;
	int refused;
};

static int
submit_take(void *arg, struct pending *q)
{
	struct submit_run *r = arg;
	r->p[r->n++] = *q;
	if (r->n < r->batch)
		return PDL_OK;
	int rc = send_batch(r->cl, r->p, r->n, &r->refused);
	r->n = 0;
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
			if (parse_u64(optarg, &batch) != PDL_OK || batch == 0 || batch > PDL_REQ_ACTS_MAX)
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
			       "With --signed each file holds the JSON lines of `pdl sign` ({act, sig[, ledger_id]}), sent\n"
			       "exactly as signed; no key is needed.\n"
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
	if (key != NULL && pdl_key_load(key, sg.sk, sg.pk, &st) != PDL_OK)
		return die_status("submit", &st);
	char url[4200];
	const char *via = ledger;
	if (dir != NULL) {
		pdl_client_url_for_dir(dir, url, sizeof url);
		via = url;
	}
	struct pdl_client cl;
	if (pdl_client_open(&cl, via, &st) != PDL_OK) {
		sodium_memzero(&sg, sizeof sg);
		return die_status("submit", &st);
	}
	if (ledger_id_for(&cl, sg.lid, &st) != PDL_OK) {
		sodium_memzero(&sg, sizeof sg);
		pdl_client_close(&cl);
		return die_status("submit", &st);
	}
	if (want_id != NULL && sodium_memcmp(want, sg.lid, sizeof want) != 0) {
		char hex[2 * PDL_HASH_BYTES + 1];
		pdl_hex(sg.lid, sizeof sg.lid, hex);
		sodium_memzero(&sg, sizeof sg);
		pdl_client_close(&cl);
		pdl_status_set(&st, PDL_EINVAL, NULL, "the ledger at %s is %s, not --ledger-id %s; nothing sent",
		               dir ? dir : ledger, hex, want_id);
		return die_status("submit", &st);
	}
	struct submit_run r = {&cl, calloc(batch, sizeof(struct pending)), 0, batch, 0};
	int rc = r.p == NULL ? PDL_ENOMEM : each_act(&sg, argv + optind, argc - optind, "submit", submit_take, &r);
	/* the acts read before a failing file are still sent */
	if (r.n > 0) {
		int src = send_batch(&cl, r.p, r.n, &r.refused);
		if (rc == PDL_OK)
			rc = src;
	}
	free(r.p);
	sodium_memzero(&sg, sizeof sg);
	pdl_client_close(&cl);
	if (rc != PDL_OK)
		return 1;
	return r.refused ? 1 : 0;
}

/* ---- sign ---- */

struct sign_run {
	char hex[2 * PDL_HASH_BYTES + 1];
	int refused;
};

static int
sign_print(void *arg, struct pending *q)
{
	struct sign_run *r = arg;
	json_t *o = json_object();
	if (q->local_err) {
		json_object_set_new(o, "error", json_string(pdl_strerror(q->st.err)));
		json_object_set_new(o, "message", json_string(q->st.msg));
		r->refused++;
	} else {
		char *ab = malloc(pdl_b64_len(q->act.size));
		char sb[128];
		if (ab == NULL) {
			json_decref(o);
			msgpack_sbuffer_destroy(&q->act);
			return PDL_ENOMEM;
		}
		pdl_b64((const uint8_t *)q->act.data, q->act.size, ab);
		pdl_b64(q->sig, sizeof q->sig, sb);
		json_object_set_new(o, "act", json_string(ab));
		json_object_set_new(o, "sig", json_string(sb));
		json_object_set_new(o, "ledger_id", json_string(r->hex));
		free(ab);
	}
	json_object_set_new(o, "file", json_string(q->file));
	json_object_set_new(o, "index", json_integer((json_int_t)q->index));
	out_json(o);
	msgpack_sbuffer_destroy(&q->act);
	return PDL_OK;
}

static int
cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {"key", required_argument, NULL, 'k'},
	                                     {"keys", required_argument, NULL, 'K'}, {"raw", no_argument, NULL, 'r'},
	                                     {"ledger-id", required_argument, NULL, 'I'}, {0}};
	const char *dir = NULL, *ledger = NULL, *key = NULL, *keys = NULL, *lid = NULL;
	int ch, raw = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'L': ledger = optarg; break;
		case 'k': key = optarg; break;
		case 'K': keys = optarg; break;
		case 'r': raw = 1; break;
		case 'I': lid = optarg; break;
		case 'h':
			printf("usage: pdl sign (--key KEYFILE | --keys KEYDIR) (--ledger-id HEX | --data DIR | --ledger URL)\n"
			       "                [--raw] ACT.json...\n\n"
			       "Signs acts for one ledger without sending them, for example on a machine that holds the\n"
			       "key and cannot reach the ledger. The signature covers \"pdl/act/v2\\n\" || ledger id || act,\n"
			       "so it is good at that ledger only. --ledger-id HEX is the id `pdl ledger-id` prints; or\n"
			       "it is read from DIR or asked of the pdld at URL. Input as for `pdl submit` (--raw: msgpack).\n"
			       "Prints one JSON line per act, {\"act\":<base64 msgpack>,\"sig\":<base64>,\"ledger_id\":<hex>,\n"
			       "\"file\",\"index\"}, or {\"error\",\"message\",\"file\",\"index\"}; `pdl submit --signed` sends\n"
			       "them. Exits 1 if any act could not be signed.\n");
			return 0;
		default: return usage_error("sign", "unknown option");
		}
	}
	if ((key == NULL) == (keys == NULL))
		return usage_error("sign", "give one of --key KEYFILE or --keys KEYDIR");
	if (keys != NULL && raw)
		return usage_error("sign", "--raw needs --key (raw acts are not parsed for their actor)");
	if ((lid != NULL) + (dir != NULL) + (ledger != NULL) != 1)
		return usage_error("sign", "give exactly one of --ledger-id HEX, --data DIR or --ledger URL");
	if (optind == argc)
		return usage_error("sign", "name at least one act file");
	struct signer sg;
	struct sign_run r = {{0}, 0};
	struct pdl_status st = {0};
	memset(&sg, 0, sizeof sg);
	sg.mode = raw ? IN_RAW : IN_JSON;
	sg.keys = keys;
	if (lid != NULL) {
		if (parse_ledger_id(lid, sg.lid) != PDL_OK)
			return usage_error("sign", "--ledger-id is 64 lowercase hex digits (pdl ledger-id)");
	} else {
		struct src s;
		if (src_open(&s, dir, ledger, &st) != PDL_OK || src_ledger_id(&s, sg.lid, &st) != PDL_OK)
			return src_fail(&s, "sign", &st);
		src_close(&s);
	}
	if (key != NULL && pdl_key_load(key, sg.sk, sg.pk, &st) != PDL_OK)
		return die_status("sign", &st);
	pdl_hex(sg.lid, sizeof sg.lid, r.hex);
	int rc = each_act(&sg, argv + optind, argc - optind, "sign", sign_print, &r);
	sodium_memzero(&sg, sizeof sg);
	if (fflush(stdout) != 0 && rc == PDL_OK)
		rc = PDL_EIO;
	return rc != PDL_OK || r.refused ? 1 : 0;
}

/* ---- verify ---- */

static int
cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {"threads", required_argument, NULL, 't'},
	                                     {"quiet", no_argument, NULL, 'q'}, {"replay", no_argument, NULL, 'r'}, {0}};
	const char *dir = NULL;
	uint64_t threads = 0;
	int ch, quiet = 0, replay = 0;
	while ((ch = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 't':
			if (parse_u64(optarg, &threads) != PDL_OK || threads > 64)
				return usage_error("verify", "--threads is 0..64");
			break;
		case 'q': quiet = 1; break;
		case 'r': replay = 1; break;
		case 'h':
			printf("usage: pdl verify --data DIR [--replay] [--threads N] [--quiet]\n\n"
			       "Re-derives the whole ledger offline from one read snapshot (safe while pdld runs):\n"
			       "every chain link, entry shape and seq, time order, stored Merkle node, act signature\n"
			       "(with the key the actor held at that point), and the root, chain hash and signature\n"
			       "of every stored checkpoint. Exits 0 with a JSON summary, or 1 naming the first bad\n"
			       "seq and what is wrong.\n"
			       "--replay also re-runs every act from genesis through the rules on a scratch copy and\n"
			       "checks each is accepted with the same entry bytes (outcome: codes, deadlines) and that\n"
			       "the resulting state equals the stored state.\n");
			return 0;
		default: return usage_error("verify", "unknown option");
		}
	}
	if (dir == NULL)
		return usage_error("verify", "--data DIR is required");
	struct pdl_store s;
	int rc = pdl_store_open(&s, dir, PDL_STORE_RDONLY);
	if (rc != PDL_OK) {
		fprintf(stderr, "pdl verify: cannot open the ledger in %s: %s (%s)\n", dir, pdl_errmsg(rc), pdl_strerror(rc));
		return 1;
	}
	struct pdl_verify_result r;
	uint64_t t0 = pdl_mono_ns();
	rc = pdl_verify_store(&s, (unsigned)threads, !quiet && isatty(2), &r);
	uint64_t replayed = 0;
	if (rc == PDL_OK && replay) {
		char scratch[] = "/tmp/pdl-replay-XXXXXX";
		uint8_t root[32], chain[32];
		uint64_t size = r.size, sigs = r.signatures, cks = r.checkpoints, cksz = r.ckpt_size;
		memcpy(root, r.root, 32);
		memcpy(chain, r.chain, 32);
		if (mkdtemp(scratch) == NULL) {
			fprintf(stderr, "pdl verify: cannot make a scratch directory: %s\n", strerror(errno));
			return 1;
		}
		rc = pdl_replay_store(&s, scratch, !quiet && isatty(2), &r);
		replayed = r.size;
		/* no shell: nftw removes what the replay made, without following links */
		if (pdl_rmtree(scratch) != PDL_OK)
			fprintf(stderr, "pdl verify: could not remove %s: %s\n", scratch, strerror(errno));
		if (rc == PDL_OK) {
			r.size = size;
			r.signatures = sigs;
			r.checkpoints = cks;
			r.ckpt_size = cksz;
			memcpy(r.root, root, 32);
			memcpy(r.chain, chain, 32);
		}
	}
	double secs = (double)(pdl_mono_ns() - t0) / 1e9;
	pdl_store_close(&s);
	json_t *o = json_object();
	char b64[64], hex[65];
	json_object_set_new(o, "ok", json_boolean(rc == PDL_OK));
	if (rc == PDL_OK) {
		json_object_set_new(o, "size", json_integer((json_int_t)r.size));
		pdl_b64(r.root, 32, b64);
		json_object_set_new(o, "root", json_string(b64));
		pdl_hex(r.chain, 32, hex);
		json_object_set_new(o, "chain", json_string(hex));
		json_object_set_new(o, "signatures", json_integer((json_int_t)r.signatures));
		json_object_set_new(o, "checkpoints", json_integer((json_int_t)r.checkpoints));
		json_object_set_new(o, "checkpoint_size", json_integer((json_int_t)r.ckpt_size));
		if (replay)
			json_object_set_new(o, "replayed", json_integer((json_int_t)replayed));
		json_object_set_new(o, "seconds", json_real(secs));
		out_json(o);
		return 0;
	}
	if (r.has_bad_seq)
		json_object_set_new(o, "bad_seq", json_integer((json_int_t)r.bad_seq));
	json_object_set_new(o, "error", json_string(pdl_strerror(r.err)));
	json_object_set_new(o, "what", json_string(r.what));
	if (replay)
		json_object_set_new(o, "stage", json_string(replayed || r.err == PDL_ERULE ? "replay" : "verify"));
	out_json(o);
	if (r.has_bad_seq)
		fprintf(stderr, "pdl verify: seq %llu: %s (%s)\n", (unsigned long long)r.bad_seq, r.what, pdl_strerror(r.err));
	else
		fprintf(stderr, "pdl verify: %s (%s)\n", r.what, pdl_strerror(r.err));
	return 1;
}

/* ---- export ---- */

static int
cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {"from", required_argument, NULL, 'f'},
	                                     {"count", required_argument, NULL, 'c'}, {0}};
	const char *dir = NULL, *ledger = NULL;
	uint64_t from = 0, count = UINT64_MAX;
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'L': ledger = optarg; break;
		case 'f':
			if (parse_u64(optarg, &from) != PDL_OK)
				return usage_error("export", "--from is a seq");
			break;
		case 'c':
			if (parse_u64(optarg, &count) != PDL_OK)
				return usage_error("export", "--count is a number");
			break;
		case 'h':
			printf("usage: pdl export (--data DIR | --ledger URL) [--from SEQ] [--count N]\n\n"
			       "Writes entries as JSON lines: {\"seq\":N,\"entry\":\"<base64 of the exact leaf bytes>\"},\n"
			       "for re-verification by other tools.\n");
			return 0;
		default: return usage_error("export", "unknown option");
		}
	}
	struct src s;
	struct pdl_status st = {0};
	struct pdl_head h;
	if (src_open(&s, dir, ledger, &st) != PDL_OK || src_head(&s, &h, &st) != PDL_OK)
		return src_fail(&s, "export", &st);
	uint64_t end = from + (count < h.size ? count : h.size);
	if (end > h.size || end < from)
		end = h.size;
	/* one line buffer for the largest entry; src_get refuses a larger one */
	char *line = malloc(PDL_EXPORT_LINE_MAX);
	if (line == NULL) {
		pdl_status_set(&st, PDL_ENOMEM, NULL, "out of memory");
		return src_fail(&s, "export", &st);
	}
	for (uint64_t seq = from; seq < end; seq++) {
		uint8_t *b;
		size_t n, ln;
		if (src_get(&s, seq, &b, &n, &st) != PDL_OK) {
			free(line);
			fflush(stdout);
			return src_fail(&s, "export", &st);
		}
		ln = pdl_export_line(seq, b, n, line, PDL_EXPORT_LINE_MAX);
		free(b);
		assert(ln > 0); /* src_get bounds n to PDL_ENTRY_BYTES_MAX */
		fwrite(line, 1, ln, stdout);
	}
	free(line);
	src_close(&s);
	if (fflush(stdout) != 0) {
		pdl_status_set(&st, PDL_EIO, NULL, "cannot write the output: %s", strerror(errno));
		return die_status("export", &st);
	}
	return 0;
}

/* ---- acts ---- */

static const char *
ftype_name(uint8_t t)
{
	static const char *const names[] = {"string", "text", "id", "uint", "int", "bool", "key", "hex32", "date",
	                                    "period", "enum", "[string]", "[id]", "[date]", "[enum]", "map", "base64", "map", "[map]"};
	return t < sizeof names / sizeof names[0] ? names[t] : "?";
}

static json_t *
fields_json(const struct pdl_field *f)
{
	json_t *a = json_array();
	for (; f->name != NULL; f++) {
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(f->name));
		json_object_set_new(o, "type", json_string(ftype_name(f->type)));
		if (f->opt)
			json_object_set_new(o, "optional", json_true());
		if ((f->type == F_ENUM || f->type == F_ENUMS) && f->sub) {
			json_t *e = json_array();
			for (const char *const *l = f->sub; *l; l++)
				json_array_append_new(e, json_string(*l));
			json_object_set_new(o, "values", e);
		}
		if ((f->type == F_MAP || f->type == F_MAPS) && f->sub)
			json_object_set_new(o, "fields", fields_json(f->sub));
		json_array_append_new(a, o);
	}
	return a;
}

/* The disclosure rule's name in `pdl acts` (spec/views.md, "Public and private"). */
static const char *
vis_name(enum pdl_vis v)
{
	switch (v) {
	case PDL_VIS_PUBLIC: return "public";
	case PDL_VIS_PRIVATE: return "private";
	case PDL_VIS_PRIVATE_IF_BLOB: return "private_if_blob";
	case PDL_VIS_PRIVATE_UNTIL_RESOLVED: return "private_until_resolved";
	case PDL_VIS_PUBLIC_WITHOUT: return "public_without";
	case PDL_VIS_UNSET: break;
	}
	return "unset";
}

int
cmd_acts(int argc, char **argv)
{
	int text = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: pdl acts [--text]\n\nLists every act type with who may submit it and its body "
			       "fields, from the rules tables (JSON lines, or a table with --text).\n");
			return 0;
		}
		if (strcmp(argv[i], "--text") == 0)
			text = 1;
		else
			return usage_error("acts", "unknown option");
	}
	for (const struct pdl_family *const *f = pdl_families; *f != NULL; f++) {
		for (size_t i = 0; i < (*f)->n; i++) {
			const struct pdl_act_def *d = &(*f)->acts[i];
			if (text) {
				printf("%-32s %-28s", d->type, d->who);
				for (const struct pdl_field *x = d->body; x->name; x++)
					printf(" %s%s", x->name, x->opt ? "?" : "");
				printf("\n");
				continue;
			}
			json_t *o = json_object();
			json_object_set_new(o, "type", json_string(d->type));
			json_object_set_new(o, "family", json_string((*f)->name));
			json_object_set_new(o, "who", json_string(d->who));
			json_t *roles = json_array();
			for (uint32_t r = 1; r <= PDL_ROLE_AUDITOR; r <<= 1)
				if (d->roles & r)
					json_array_append_new(roles, json_string(pdl_role_name(r)));
			json_object_set_new(o, "roles", roles);
			json_object_set_new(o, "summary", json_string(d->summary));
			json_object_set_new(o, "disclosure", json_string(vis_name(d->vis)));
			if (d->private_why != NULL)
				json_object_set_new(o, "private_why", json_string(d->private_why));
			if (d->withheld != NULL)
				json_object_set_new(o, "withheld", json_string(d->withheld));
			json_object_set_new(o, "body", fields_json(d->body));
			out_json(o);
		}
	}
	return 0;
}

/* ---- clock ---- */

/* WHEN: ms since the epoch, or ISO 8601 YYYY-MM-DDTHH:MM:SS[.mmm](Z|±HH:MM). */
static int
parse_when(const char *s, uint64_t *ms)
{
	if (parse_u64(s, ms) == PDL_OK)
		return PDL_OK;
	int y, mo, d, h, mi, se, n = 0, frac = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || n != 19)
		return PDL_EINVAL;
	const char *p = s + n;
	if (*p == '.') {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		while (digits++ < 3)
			frac *= 10;
	}
	int64_t off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, k = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5)
			return PDL_EINVAL;
		off = (oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return PDL_EINVAL;
	}
	if (*p != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return PDL_EINVAL;
	if (y < 1970)
		return PDL_EINVAL;
	/* midnight UTC of the date = its CST midnight + the CST offset */
	struct pdl_date dt = {y, mo, d};
	int64_t days = (int64_t)((pdl_ms_of_date(dt) + PDL_CST_OFFSET_MS) / PDL_DAY_MS);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - off;
	if (secs < 0)
		return PDL_EINVAL;
	*ms = (uint64_t)secs * 1000 + (uint64_t)frac;
	return PDL_OK;
}

static int
cmd_clock(int argc, char **argv)
{
	const char *dir = NULL, *ledger = NULL;
	int orc = src_opts(argc, argv, "clock",
	                   "usage: pdl clock set (--data DIR | --ledger URL) WHEN\n\n"
			       "Sets the ledger time of a pdld started with --test-clock. WHEN is ms since the\n"
			       "epoch or ISO 8601 (2026-10-09T10:00:00+08:00). Time only moves forward.\n", &dir, &ledger);
	if (orc >= 0)
		return orc;
	uint64_t ms;
	if (optind + 2 != argc || strcmp(argv[optind], "set") != 0)
		return usage_error("clock", "usage: pdl clock set WHEN");
	if (parse_when(argv[optind + 1], &ms) != PDL_OK)
		return usage_error("clock", "WHEN is ms since the epoch or ISO 8601 with a zone");
	char url[4200];
	if (dir != NULL) {
		pdl_client_url_for_dir(dir, url, sizeof url);
		ledger = url;
		dir = NULL;
	}
	struct src s;
	struct pdl_status st = {0};
	if (src_open(&s, NULL, ledger, &st) != PDL_OK)
		return src_fail(&s, "clock", &st);
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint8_t *rep;
	size_t rn;
	req_op(&sb, &pk, "clock", 1);
	mp_pack_cstr(&pk, "ms");
	msgpack_pack_uint64(&pk, ms);
	int rc = src_call(&s, &sb, &rep, &rn, &st);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return src_fail(&s, "clock", &st);
	free(rep);
	json_t *o = json_object();
	json_object_set_new(o, "time_ms", json_integer((json_int_t)ms));
	out_json(o);
	src_close(&s);
	return 0;
}

/* ---- code check ---- */

static int
cmd_code(int argc, char **argv)
{
	if (want_help(argc, argv)) {
		printf("usage: pdl code check CODE\n       pdl code uscc CODE\n\n"
		       "check: validates a registration code <6 digits>-<year>-<R|P|S>-<8 digits>-<check>\n"
		       "(ISO/IEC 7064 MOD 37,36 over the code without hyphens). uscc: validates a unified\n"
		       "social credit code (GB 32100). Prints {\"valid\":…} and exits 1 when invalid.\n");
		return 0;
	}
	if (argc != 3)
		return usage_error("code", "usage: pdl code check|uscc CODE");
	const char *code = argv[2];
	size_t n = strlen(code);
	const char *why = NULL;
	if (strcmp(argv[1], "uscc") == 0) {
		why = pdl_uscc_why(code, n);
	} else if (strcmp(argv[1], "check") == 0) {
		char flat[32];
		size_t k = 0;
		/* 6-4-1-8-1 with hyphens */
		static const char shape[] = "999999-9999-K-99999999-C";
		if (n != sizeof shape - 1)
			why = "a code has the form 420100-2026-R-00000042-B";
		for (size_t i = 0; why == NULL && i < n; i++) {
			char c = code[i];
			if ((shape[i] == '-' && c != '-') || (shape[i] == '9' && (c < '0' || c > '9')) ||
			    (shape[i] == 'K' && c != 'R' && c != 'P' && c != 'S') ||
			    (shape[i] == 'C' && !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))))
				why = "a code has the form 420100-2026-R-00000042-B";
			if (c != '-')
				flat[k++] = c;
		}
		if (why == NULL && pdl_mod3736_valid(flat, k) != PDL_OK)
			why = "check character mismatch";
	} else {
		return usage_error("code", "the subcommand is check or uscc");
	}
	json_t *o = json_object();
	json_object_set_new(o, "code", json_string(code));
	json_object_set_new(o, "valid", json_boolean(why == NULL));
	if (why)
		json_object_set_new(o, "why", json_string(why));
	out_json(o);
	return why ? 1 : 0;
}

/* ---- main ---- */

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{"init", cmd_init, "create a ledger: keys, genesis, first checkpoint"},
	{"keygen", cmd_keygen, "write a new secret key file"},
	{"submit", pdl_cmd_submit, "sign and submit acts; one receipt line each"},
	{"sign", cmd_sign, "sign acts for one ledger without sending them"},
	{"get", cmd_get, "print an entry (JSON, or --raw leaf bytes)"},
	{"checkpoint", cmd_checkpoint, "print the latest signed checkpoint"},
	{"verifier-key", cmd_verifier_key, "print the checkpoint verifier key"},
	{"ledger-id", cmd_ledger_id, "print the ledger id every act signature names"},
	{"proof", cmd_proof, "inclusion or consistency proof (RFC 9162)"},
	{"verify", cmd_verify, "verify the whole ledger offline"},
	{"export", cmd_export, "write entries as JSON lines"},
	{"backup", cmd_backup, "hot-copy the ledger, compacted, into a new directory"},
	{"acts", cmd_acts, "list the act catalogue"},
	{"clock", cmd_clock, "set the test clock of a pdld --test-clock"},
	{"code", cmd_code, "check a registration code or a USCC"},
	{"evidence", cmd_evidence, "deposit a file's digest; prove and check its existence"},
	{"settle", cmd_settle, "preview (--dry-run) or run a product's settlement for a period"},
	{"report", cmd_report, "the annual disclosure report (from a disclosure view)"},
	{"statement", cmd_statement, "a party's settlement lines for a period (JSON or --csv)"},
	{"token", cmd_token, "a read token for pdl-project's private listener (Authorization header)"},
	{"bench", cmd_bench, "measure signed acts/s against the machine's bounds"},
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: pdl COMMAND [options]   (pdl COMMAND --help for each)\n\n"
	           "pdl, the public data ledger: signed, hash-chained, Merkle-tree-backed.\n\n");
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(f, "  %-14s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nClient options, for every command that talks to a pdld:\n"
	           "  --tls-ca FILE        the CA of pdld's certificate, for --ledger tls+tcp://HOST:PORT (or PDL_TLS_CA)\n"
	           "  --tls-cert FILE      a client certificate, when pdld requires one (--tls-client-ca)\n"
	           "  --tls-key FILE       its key, mode 0600 (or PDL_TLS_CERT and PDL_TLS_KEY)\n"
	           "  --reader ID          read as party ID: private entries on a network listener go only to\n"
	           "  --reader-key FILE    the parties entitled to them (or PDL_READER and PDL_READER_KEY)\n");
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "pdl: libsodium failed to initialise\n");
		return 1;
	}
	/* --tls-ca, --tls-cert, --tls-key, --reader, --reader-key: for any command talking to a pdld */
	if ((argc = pdl_client_tls_args(argc, argv)) < 0) {
		fprintf(stderr, "pdl: --tls-ca, --tls-cert, --tls-key and --reader-key need a FILE, --reader a party ID\n");
		return 2;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "pdl: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
