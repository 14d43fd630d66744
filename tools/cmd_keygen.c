/* cmd_keygen.c — pdl keygen: write a new secret key file, or show a key file's public key. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "crypto.h"
#include "key.h"

int
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
		pdl_wipe(sk, sizeof sk);
		pdl_b64(pk, 32, b64);
		json_t *o = json_object();
		json_object_set_new(o, "public_key", json_string(b64));
		json_object_set_new(o, "key_file", json_string(show));
		out_json(o);
		return 0;
	}
	if (out == NULL)
		return usage_error("keygen", "--out FILE is required");
	/* refuses an existing name of any kind, atomically (key.h) */
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
