/* cmd_keygen.c — pdl keygen: write a new secret key file, or show a key file's public key. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "crypto.h"
#include "key.h"

static void
print_key(const struct pdl_pubkey *pk, const char *file)
{
	char b64[PDL_PK_B64_LEN];
	pdl_pubkey_b64(pk, b64);
	json_t *o = json_object();
	json_object_set_new(o, "public_key", json_string(b64));
	json_object_set_new(o, "key_file", json_string(file));
	json_object_set_new(o, "alg", json_string(pk->suite->alg));
	out_json(o);
}

int
cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {{"out", required_argument, NULL, 'o'}, {"show", required_argument, NULL, 's'},
	                                     {"alg", required_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'},
	                                     {0}};
	const char *out = NULL, *show = NULL, *alg = "ed25519";
	int ch;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (ch == 'o')
			out = optarg;
		else if (ch == 's')
			show = optarg;
		else if (ch == 'a')
			alg = optarg;
		else if (ch == 'h') {
			printf("usage: pdl keygen --out FILE [--alg ed25519|sm2]\n       pdl keygen --show FILE\n\n"
			       "Writes a new secret key file, mode 0600 from its first byte. It never replaces\n"
			       "anything at FILE (a file, a symbolic link, even a dangling one): the name is made with\n"
			       "link(2), which fails if it exists. --alg is the key's algorithm, that of the ledger it\n"
			       "is for: ed25519 (the default; suite ed25519-sha256) or sm2 (suite sm2-sm3, GB/T 32918).\n"
			       "The file's first line names it (pdl-ed25519-v1, pdl-sm2-v1).\n"
			       "Prints {\"public_key\":\"<base64>\",\"key_file\":FILE,\"alg\":\"<alg>\"}: the public key as\n"
			       "party.register takes it (Ed25519: 32 bytes; SM2: the 65-byte uncompressed point).\n"
			       "--show prints the same for an existing file.\n");
			return 0;
		} else
			return usage_error("keygen", "unknown option");
	}
	struct pdl_status st = {0};
	if (show != NULL) {
		struct pdl_seckey k;
		if (pdl_key_load(show, &k, &st) != PDL_OK)
			return die_status("keygen", &st);
		struct pdl_pubkey pk = k.pk;
		pdl_seckey_wipe(&k);
		print_key(&pk, show);
		return 0;
	}
	if (out == NULL)
		return usage_error("keygen", "--out FILE is required");
	const struct pdl_suite *s = pdl_suite_by_alg(alg, strlen(alg));
	if (s == NULL)
		return usage_error("keygen", "--alg is ed25519 or sm2");
	/* refuses an existing name of any kind, atomically (key.h) */
	struct pdl_pubkey pk;
	if (pdl_key_generate(out, s, &pk, &st) != PDL_OK)
		return die_status("keygen", &st);
	print_key(&pk, out);
	return 0;
}
