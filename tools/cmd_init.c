/* cmd_init.c — pdl init: a new ledger — its keys, the genesis entry with the whole policy, the first checkpoint. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ckpt.h"
#include "cli.h"
#include "crypto.h"
#include "key.h"
#include "mpjson.h"
#include "note.h"

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
init_fail(const struct pdl_status *st, struct pdl_seckey *lk, struct pdl_seckey *ak)
{
	pdl_seckey_wipe(lk);
	pdl_seckey_wipe(ak);
	return die_status("init", st);
}

int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},     {"origin", required_argument, NULL, 'o'},
		{"jurisdiction", required_argument, NULL, 'j'}, {"policy", required_argument, NULL, 'p'},
		{"authority-id", required_argument, NULL, 'a'}, {"authority-name", required_argument, NULL, 'n'},
		{"authority-uscc", required_argument, NULL, 'u'}, {"authority-key", required_argument, NULL, 'k'},
		{"ledger-key", required_argument, NULL, 'K'}, {"time", required_argument, NULL, 't'},
		{"suite", required_argument, NULL, 's'},    {"test-clock", no_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},           {0},
	};
	int test_clock = 0;
	const char *dir = NULL, *origin = NULL, *juris = NULL, *policy = NULL, *aid = "authority",
	           *aname = "Municipal Data Administration", *auscc = NULL, *akey = NULL, *lkey = NULL, *when = NULL,
	           *suite_id = pdl_suite_ed25519_sha256.id;
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
		case 's': suite_id = optarg; break;
		case 'T': test_clock = 1; break;
		case 'h':
			printf("usage: pdl init --data DIR --origin ORIGIN --jurisdiction 6DIGITS\n"
			       "                [--policy wuhan|ezhou|national|FILE]\n"
			       "                [--authority-id ID] [--authority-name NAME] [--authority-uscc CODE]\n"
			       "                [--authority-key FILE] [--ledger-key FILE] [--time WHEN] [--test-clock]\n"
			       "                [--suite SUITE]\n\n"
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
			       "--suite names the ledger's crypto suite, recorded in the genesis for its whole life:\n"
			       "ed25519-sha256 (the default; Ed25519 and SHA-256, what C2SP tlog-tiles and the public\n"
			       "witness network accept) or sm2-sm3 (GB/T 32918 SM2, GB/T 32905 SM3: for deployments that\n"
			       "must pass a cryptographic assessment). Its keys are of that suite (pdl keygen --alg).\n"
			       "--ledger-key uses an existing checkpoint key; --time sets the genesis time (ms or ISO 8601):\n"
			       "with both and fixed keys a ledger is reproducible byte for byte (fixtures, golden tests).\n"
			       "--test-clock: for tests and demos only. The genesis records \"test_clock\": true, which\n"
			       "lets pdld run it with --test-clock (its time then set by hand with pdl clock set), and\n"
			       "tells every auditor (pdl verify prints \"test_clock\":true) that its times prove\n"
			       "nothing. pdld refuses --test-clock on a ledger made without it.\n"
			       "Prints {origin, authority_id, authority_key, ledger_key, verifier_key, ...}.\n");
			return 0;
		default: return usage_error("init", "unknown option");
		}
	}
	if (dir == NULL || origin == NULL || juris == NULL || optind != argc)
		return usage_error("init", "--data, --origin and --jurisdiction are required");
	struct pdl_status st = {0};
	struct pdl_policy pol = PDL_POLICY_DEFAULTS;
	const struct pdl_suite *suite = pdl_suite_find(suite_id, strlen(suite_id));
	if (suite == NULL) {
		fprintf(stderr, "pdl init: --suite is one of %s (see pdl init --help)\n", pdl_suite_list());
		return 2;
	}
	pdl_suite_use(suite); /* the genesis is hashed and its keys read as this suite's */
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
		struct pdl_seckey tk;
		if (pdl_key_load_for(lkey, suite, &tk, &st) != PDL_OK)
			return die_status("init", &st);
		int wrc = lstat(lk, &sb) != 0 ? pdl_key_write(lk, &tk, &st) : PDL_OK;
		pdl_seckey_wipe(&tk);
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
	struct pdl_pubkey gpk;
	struct pdl_seckey lsk, ask;
	memset(&lsk, 0, sizeof lsk);
	memset(&ask, 0, sizeof ask);
	if (lstat(lk, &sb) != 0 && pdl_key_generate(lk, suite, &gpk, &st) != PDL_OK)
		return die_status("init", &st);
	if (lstat(akey, &sb) != 0 && pdl_key_generate(akey, suite, &gpk, &st) != PDL_OK)
		return die_status("init", &st);
	if (pdl_key_load_for(lk, suite, &lsk, &st) != PDL_OK || pdl_key_load_for(akey, suite, &ask, &st) != PDL_OK)
		return init_fail(&st, &lsk, &ask);
	char lpk64[PDL_PK_B64_LEN], apk64[PDL_PK_B64_LEN];
	pdl_pubkey_b64(&lsk.pk, lpk64);
	pdl_pubkey_b64(&ask.pk, apk64);
	json_t *act = json_pack("{s:s,s:s,s:i,s:{s:s,s:s,s:{s:s,s:s,s:s,s:s},s:s,s:o,s:s}}", "type", "ledger.genesis",
	                        "actor", aid, "nonce", 0, "body", "origin", origin, "jurisdiction", juris, "authority",
	                        "id", aid, "name", aname, "uscc", auscc, "public_key", apk64, "ledger_key", lpk64,
	                        "policy", policy_json(&pol), "suite", suite->id);
	if (act != NULL && test_clock)
		json_object_set_new(json_object_get(act, "body"), "test_clock", json_true());
	msgpack_sbuffer ab;
	msgpack_sbuffer_init(&ab);
	if (act == NULL || pdl_json_act_to_mp(act, &ab, &st) != PDL_OK) {
		json_decref(act);
		msgpack_sbuffer_destroy(&ab);
		return init_fail(&st, &lsk, &ask);
	}
	json_decref(act);
	uint8_t sig[PDL_SIG_BYTES];
	pdl_act_sign(pdl_ledger_id_genesis, (const uint8_t *)ab.data, ab.size, &ask, sig); /* entry.h */
	struct pdl_act a;
	if (pdl_act_decode((const uint8_t *)ab.data, ab.size, sig, &a, &st) != PDL_OK) {
		msgpack_sbuffer_destroy(&ab);
		return init_fail(&st, &lsk, &ask);
	}

	struct pdl_store s;
	int rc = pdl_store_open(&s, dir, PDL_STORE_CREATE);
	if (rc != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot create the ledger in %s", dir);
		msgpack_sbuffer_destroy(&ab);
		return init_fail(&st, &lsk, &ask);
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
		return init_fail(&st, &lsk, &ask);
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
		return init_fail(&st, &lsk, &ask);
	}
	rc = pdl_ckpt_make(t, &s, &h, origin, &lsk, note, sizeof note, &nn);
	if (rc != PDL_OK || (rc = pdl_store_err(mdb_txn_commit(t))) != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot commit the genesis");
		return init_fail(&st, &lsk, &ask);
	}
	pdl_engine_fini(&e);
	pdl_store_close(&s);
	msgpack_sbuffer_destroy(&ab);
	struct pdl_pubkey lpk = lsk.pk;
	pdl_seckey_wipe(&lsk);
	pdl_seckey_wipe(&ask);

	char vkey[PDL_VKEY_LEN_MAX + 1], hex[2 * PDL_HASH_BYTES + 1];
	pdl_note_vkey_format(origin, &lpk, vkey, sizeof vkey);
	pdl_hex(r.hash, PDL_HASH_BYTES, hex);
	json_t *o = json_object();
	json_object_set_new(o, "origin", json_string(origin));
	json_object_set_new(o, "data", json_string(dir));
	json_object_set_new(o, "jurisdiction", json_string(juris));
	json_object_set_new(o, "suite", json_string(suite->id));
	json_object_set_new(o, "authority_id", json_string(aid));
	json_object_set_new(o, "authority_key", json_string(akey));
	json_object_set_new(o, "authority_public_key", json_string(apk64));
	json_object_set_new(o, "ledger_key", json_string(lk));
	json_object_set_new(o, "verifier_key", json_string(vkey));
	json_object_set_new(o, "genesis_hash", json_string(hex));
	json_object_set_new(o, "policy", policy_json(&pol));
	json_object_set_new(o, "test_clock", json_boolean(test_clock));
	out_json(o);
	return 0;
}
