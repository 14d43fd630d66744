/* cmd_code.c — pdl code: check a registration code or a unified social credit code. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cli.h"

int
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
