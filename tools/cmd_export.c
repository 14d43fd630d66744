/* cmd_export.c — pdl export: entries as JSON lines with their exact bytes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "progress.h"
#include "readers.h"

int
cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {"from", required_argument, NULL, 'f'},
	                                     {"count", required_argument, NULL, 'c'},
	                                     {"progress", optional_argument, NULL, 'p'},
	                                     {"quiet", no_argument, NULL, 'q'}, {0}};
	const char *dir = NULL, *ledger = NULL;
	uint64_t from = 0, count = UINT64_MAX;
	int ch, quiet = 0, lines = 0;
	unsigned interval_s = 0;
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
		case 'p':
			lines = 1;
			if (pdl_progress_interval(optarg, &interval_s) != PDL_OK)
				return usage_error("export", "--progress=SECONDS takes whole seconds, 0 to 86400");
			break;
		case 'q': quiet = 1; break;
		case 'h':
			printf("usage: pdl export (--data DIR | --ledger URL) [--from SEQ] [--count N]\n"
			       "                  [--progress[=SECONDS] | --quiet]\n\n"
			       "Writes entries as JSON lines: {\"seq\":N,\"entry\":\"<base64 of the exact leaf bytes>\"},\n"
			       "for re-verification by other tools.\n"
			       "  --progress[=SECONDS]  a progress line on stderr every SECONDS (default 10), with rate\n"
			       "                        and ETA; on a terminal a live line is shown without it\n"
			       "  --quiet               no progress at all\n");
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
	if (quiet && lines) {
		src_close(&s);
		return usage_error("export", "--quiet and --progress contradict each other");
	}
	if (from > end)
		from = end; /* nothing to write */
	/* one line buffer for the largest entry; src_get refuses a larger one */
	char *line = malloc(PDL_EXPORT_LINE_MAX);
	if (line == NULL) {
		pdl_status_set(&st, PDL_ENOMEM, NULL, "out of memory");
		return src_fail(&s, "export", &st);
	}
	struct pdl_progress prog;
	pdl_progress_start(&prog, pdl_progress_mode(quiet, lines), "export", "entries", end - from, interval_s);
	for (uint64_t seq = from; seq < end; seq++) {
		uint8_t *b;
		size_t n, ln;
		if (src_get(&s, seq, &b, &n, &st) != PDL_OK) {
			pdl_progress_end(&prog, seq - from, 0);
			free(line);
			fflush(stdout);
			return src_fail(&s, "export", &st);
		}
		ln = pdl_export_line(seq, b, n, line, PDL_EXPORT_LINE_MAX);
		free(b);
		assert(ln > 0); /* src_get bounds n to PDL_ENTRY_BYTES_MAX */
		fwrite(line, 1, ln, stdout);
		pdl_progress_update(&prog, seq + 1 - from);
	}
	pdl_progress_end(&prog, end - from, 1);
	free(line);
	src_close(&s);
	if (fflush(stdout) != 0) {
		pdl_status_set(&st, PDL_EIO, NULL, "cannot write the output: %s", strerror(errno));
		return die_status("export", &st);
	}
	return 0;
}
