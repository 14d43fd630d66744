/* cmd_cosign.c — pdl cosign: an auditor's checkpoint.cosign act, made offline from a checkpoint note. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "crypto.h"
#include "key.h"
#include "note.h"

static const char help[] =
	"usage: pdl cosign --key KEYFILE --name NAME --time SECONDS --actor ID --nonce N [NOTE]\n\n"
	"Reads a signed checkpoint (the output of `pdl checkpoint`; NOTE file, or stdin) and prints\n"
	"a JSON array holding one checkpoint.cosign act for `pdl submit`: the C2SP\n"
	"tlog-cosignature line (cosignature/v1) by KEYFILE under the key name NAME with timestamp\n"
	"SECONDS, over the checkpoint's body (spec/acts.d/witness.md). The key's suite decides the\n"
	"signature and the key ID's type: an Ed25519 key gives C2SP's Ed25519 form (type 0x04), an\n"
	"SM2 key the sm2-sm3 suite's (0xff \"pdl.sm2-sm3/cosignature\", spec/formats.md §16); the\n"
	"key must be the auditor's party key, of the ledger's suite. Signing is deterministic: the\n"
	"same inputs give the same act (tools/load-scenario.sh relies on it).\n"
	"tools/cosign.py makes the Ed25519 form without pdl's code.\n";

int
cmd_cosign(int argc, char **argv)
{
	static const struct option opts[] = {{"key", required_argument, NULL, 'k'},   {"name", required_argument, NULL, 'n'},
	                                     {"time", required_argument, NULL, 't'},  {"actor", required_argument, NULL, 'a'},
	                                     {"nonce", required_argument, NULL, 'N'}, {"help", no_argument, NULL, 'h'},
	                                     {0}};
	const char *key = NULL, *name = NULL, *actor = NULL;
	uint64_t when = 0, nonce = 0;
	int have_time = 0, have_nonce = 0, ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k': key = optarg; break;
		case 'n': name = optarg; break;
		case 'a': actor = optarg; break;
		case 't':
			if (pdl_u64_parse(optarg, &when) != PDL_OK)
				return usage_error("cosign", "--time is POSIX seconds");
			have_time = 1;
			break;
		case 'N':
			if (pdl_u64_parse(optarg, &nonce) != PDL_OK)
				return usage_error("cosign", "--nonce is a number");
			have_nonce = 1;
			break;
		case 'h': fputs(help, stdout); return 0;
		default: return usage_error("cosign", "unknown option");
		}
	}
	if (key == NULL || name == NULL || actor == NULL || !have_time || !have_nonce || argc - optind > 1)
		return usage_error("cosign", "--key, --name, --time, --actor and --nonce are required, and at most one NOTE");
	if (!pdl_id_valid(actor, strlen(actor)))
		return usage_error("cosign", "--actor is a party id");
	const char *file = optind < argc ? argv[optind] : "/dev/stdin";
	uint8_t *note = NULL;
	size_t n = 0;
	struct pdl_status st = {0};
	int rc = pdl_file_read(file, PDL_NOTE_BYTES_MAX, &note, &n);
	if (rc != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot read the checkpoint %s: %s", file, pdl_errmsg(rc));
		return die_status("cosign", &st);
	}
	struct pdl_ckpt cp;
	if (pdl_ckpt_parse((const char *)note, n, &cp) != PDL_OK) {
		free(note);
		pdl_status_set(&st, PDL_ENOTE, NULL, "%s is not a checkpoint note", file);
		return die_status("cosign", &st);
	}
	struct pdl_seckey k;
	char line[PDL_ORIGIN_LEN_MAX + 200], root[PDL_B64_LEN(PDL_HASH_BYTES)];
	if (pdl_key_load(key, &k, &st) != PDL_OK) {
		free(note);
		return die_status("cosign", &st);
	}
	rc = pdl_note_cosign((const char *)note, n, name, &k, when, line, sizeof line);
	pdl_seckey_wipe(&k);
	free(note);
	if (rc != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot cosign: the key name must be one token without '+', the time at most 2^63 - 1");
		return die_status("cosign", &st);
	}
	pdl_b64(cp.root, PDL_HASH_BYTES, root);
	json_t *act = json_pack("[{s:s,s:s,s:I,s:{s:I,s:s,s:s}}]", "type", "checkpoint.cosign", "actor", actor, "nonce",
	                        (json_int_t)nonce, "body", "size", (json_int_t)cp.size, "root", root, "cosignature", line);
	if (act == NULL)
		return 1;
	out_json(act);
	return 0;
}
