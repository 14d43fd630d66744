/* cmd_submit.c — pdl submit: sign acts and send them to a pdld; one receipt line each. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actfiles.h"
#include "cli.h"
#include "crypto.h"
#include "key.h"
#include "mpjson.h"

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
			uint8_t raw[PDL_HASH_BYTES];
			char hex[2 * PDL_HASH_BYTES + 1];
			if (pdl_unb64(json_string_value(h), json_string_length(h), raw, PDL_HASH_BYTES) == PDL_OK) {
				pdl_hex(raw, PDL_HASH_BYTES, hex);
				json_object_set_new(o, "hash", json_string(hex));
			}
		} else {
			refused++;
		}
		/* ledger times also as people read them (CST) */
		pdl_json_add_cst(o);
		pdl_json_add_cst(json_object_get(o, "outcome"));
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
		pdl_req_submit(&sb, &pk, (uint32_t)live);
		for (size_t i = 0; i < n; i++)
			if (!p[i].local_err)
				pdl_req_submit_act(&pk, (const uint8_t *)p[i].act.data, p[i].act.size, p[i].sig, PDL_SIG_BYTES);
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
	struct submit_run r = {&cl, calloc(batch, sizeof(struct pending)), 0, batch, 0};
	int rc = r.p == NULL ? PDL_ENOMEM : each_act(&sg, argv + optind, argc - optind, "submit", submit_take, &r);
	/* the acts read before a failing file are still sent */
	if (r.n > 0) {
		int src = send_batch(&cl, r.p, r.n, &r.refused);
		if (rc == PDL_OK)
			rc = src;
	}
	free(r.p);
	pdl_seckey_wipe(&sg.k);
	pdl_client_close(&cl);
	if (rc != PDL_OK)
		return 1;
	return r.refused ? 1 : 0;
}
