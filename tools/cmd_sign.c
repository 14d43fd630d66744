/* cmd_sign.c — pdl sign: sign acts for one ledger without sending them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actfiles.h"
#include "cli.h"
#include "crypto.h"
#include "key.h"

struct sign_run {
	char hex[2 * PDL_HASH_BYTES + 1];
	int refused;
	json_t *array; /* --array: the envelopes, printed at the end */
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
		if (r->array != NULL) /* nothing is printed: the error goes to stderr */
			fprintf(stderr, "pdl sign: %s[%zu]: %s (%s)\n", q->file, q->index, q->st.msg, pdl_strerror(q->st.err));
	} else {
		char *ab = malloc(pdl_b64_len(q->act_len));
		char sb[128];
		if (ab == NULL) {
			json_decref(o);
			return PDL_ENOMEM;
		}
		pdl_b64(q->act, q->act_len, ab);
		pdl_b64(q->sig, sizeof q->sig, sb);
		json_object_set_new(o, "act", json_string(ab));
		json_object_set_new(o, "sig", json_string(sb));
		json_object_set_new(o, "ledger_id", json_string(r->hex));
		free(ab);
	}
	if (r->array != NULL) {
		if (!q->local_err)
			json_array_append(r->array, o);
		json_decref(o);
		return PDL_OK;
	}
	json_object_set_new(o, "file", json_string(q->file));
	json_object_set_new(o, "index", json_integer((json_int_t)q->index));
	out_json(o);
	return PDL_OK;
}

static const char sign_help[] =
	"usage: pdl sign (--key KEYFILE | --keys KEYDIR) (--ledger-id HEX | --data DIR | --ledger URL)\n"
	"                [--raw] [--array] ACT.json...\n\n"
	"Signs acts for one ledger without sending them, for example on a machine that holds the\n"
	"key and cannot reach the ledger (the key never touches the ledger host). The signature\n"
	"covers \"pdl/act/v2\\n\" || ledger id || act, so it is good at that ledger only.\n"
	"--ledger-id HEX is the id `pdl ledger-id` prints (offline); or it is read from DIR or asked\n"
	"of the pdld at URL. Input as for `pdl submit` (--raw: msgpack). The key must be of the\n"
	"ledger's crypto suite: with --data or --ledger a key of another is refused here; with\n"
	"--ledger-id pdl cannot tell, and pdld refuses the signature (PDL_EBADSIG).\n"
	"Prints one JSON line per act, {\"act\":<base64 msgpack>,\"sig\":<base64>,\"ledger_id\":<hex>,\n"
	"\"file\",\"index\"}, or {\"error\",\"message\",\"file\",\"index\"}. With --array: one JSON\n"
	"array of {\"act\",\"sig\",\"ledger_id\"}, printed only when every act was signed (else the\n"
	"errors go to stderr). Each line, or the array, is a body for POST /v1/acts of `pdld --http`\n"
	"(Content-Type: application/json); `pdl submit --signed` sends either over the socket.\n"
	"Exits 1 if any act could not be signed.\n";

int
cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {"key", required_argument, NULL, 'k'},
	                                     {"keys", required_argument, NULL, 'K'}, {"raw", no_argument, NULL, 'r'},
	                                     {"ledger-id", required_argument, NULL, 'I'},
	                                     {"array", no_argument, NULL, 'a'}, {0}};
	const char *dir = NULL, *ledger = NULL, *key = NULL, *keys = NULL, *lid = NULL;
	int ch, raw = 0, array = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'L': ledger = optarg; break;
		case 'k': key = optarg; break;
		case 'K': keys = optarg; break;
		case 'r': raw = 1; break;
		case 'I': lid = optarg; break;
		case 'a': array = 1; break;
		case 'h':
			fputs(sign_help, stdout);
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
	struct sign_run r = {{0}, 0, array ? json_array() : NULL};
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
		sg.suite = pdl_suite(); /* the ledger's (src_ledger_id read it) */
	}
	if (key != NULL && (pdl_key_load(key, &sg.k, &st) != PDL_OK || signer_check(&sg, key, &st) != PDL_OK)) {
		pdl_seckey_wipe(&sg.k);
		return die_status("sign", &st);
	}
	pdl_hex(sg.lid, sizeof sg.lid, r.hex);
	int rc = each_act(&sg, argv + optind, argc - optind, "sign", sign_print, &r);
	pdl_seckey_wipe(&sg.k);
	if (r.array != NULL) {
		if (rc == PDL_OK && r.refused == 0)
			out_json(r.array); /* steals it */
		else
			json_decref(r.array);
	}
	if (fflush(stdout) != 0 && rc == PDL_OK)
		rc = PDL_EIO;
	return rc != PDL_OK || r.refused ? 1 : 0;
}
