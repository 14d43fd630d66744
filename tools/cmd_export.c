/* cmd_export.c — pdl export: entries as JSON lines with their exact bytes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "progress.h"
#include "readers.h"

struct export_opts {
	const char *dir, *ledger;
	uint64_t from, count;
	int quiet, lines;
	unsigned interval_s;
};

static const char export_help[] =
	"usage: pdl export (--data DIR | --ledger URL) [--from SEQ] [--count N]\n"
	"                  [--progress[=SECONDS] | --quiet]\n\n"
	"Writes entries as JSON lines: {\"seq\":N,\"entry\":\"<base64 of the exact leaf bytes>\"},\n"
	"for re-verification by other tools.\n"
	"  --progress[=SECONDS]  a progress line on stderr every SECONDS (default 10), with rate\n"
	"                        and ETA; on a terminal a live line is shown without it\n"
	"  --quiet               no progress at all\n";

/* -1 to go on, or the exit code. */
static int
export_opts(int argc, char **argv, struct export_opts *o)
{
	static const struct option opts[] = {COMMON_OPTS, {"from", required_argument, NULL, 'f'},
	                                     {"count", required_argument, NULL, 'c'},
	                                     {"progress", optional_argument, NULL, 'p'},
	                                     {"quiet", no_argument, NULL, 'q'}, {0}};
	int ch;
	memset(o, 0, sizeof *o);
	o->count = UINT64_MAX;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->dir = optarg; break;
		case 'L': o->ledger = optarg; break;
		case 'f':
			if (pdl_u64_parse(optarg, &o->from) != PDL_OK)
				return usage_error("export", "--from is a seq");
			break;
		case 'c':
			if (pdl_u64_parse(optarg, &o->count) != PDL_OK)
				return usage_error("export", "--count is a number");
			break;
		case 'p':
			o->lines = 1;
			if (pdl_progress_interval(optarg, &o->interval_s) != PDL_OK)
				return usage_error("export", "--progress=SECONDS takes whole seconds, 0 to 86400");
			break;
		case 'q': o->quiet = 1; break;
		case 'h': fputs(export_help, stdout); return 0;
		default: return usage_error("export", "unknown option");
		}
	}
	if (o->quiet && o->lines)
		return usage_error("export", "--quiet and --progress contradict each other");
	return -1;
}

/* Writes entries from..end-1; PDL_OK or the read's error (st set). */
static int
export_range(struct src *s, uint64_t from, uint64_t end, struct pdl_progress *prog, struct pdl_status *st)
{
	/* one line buffer for the largest entry; src_get refuses a larger one */
	char *line = malloc(PDL_EXPORT_LINE_MAX);
	if (line == NULL)
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	for (uint64_t seq = from; seq < end; seq++) {
		uint8_t *b;
		size_t n, ln;
		int rc = src_get(s, seq, &b, &n, st);
		if (rc != PDL_OK) {
			pdl_progress_end(prog, seq - from, 0);
			free(line);
			return rc;
		}
		ln = pdl_export_line(seq, b, n, line, PDL_EXPORT_LINE_MAX);
		free(b);
		assert(ln > 0); /* src_get bounds n to PDL_ENTRY_BYTES_MAX */
		fwrite(line, 1, ln, stdout);
		pdl_progress_update(prog, seq + 1 - from);
	}
	pdl_progress_end(prog, end - from, 1);
	free(line);
	return PDL_OK;
}

int
cmd_export(int argc, char **argv)
{
	struct export_opts o;
	int orc = export_opts(argc, argv, &o);
	if (orc >= 0)
		return orc;
	struct src s;
	struct pdl_status st = {0};
	struct pdl_head h;
	struct pdl_progress prog;
	if (src_open(&s, o.dir, o.ledger, &st) != PDL_OK || src_head(&s, &h, &st) != PDL_OK)
		return src_fail(&s, "export", &st);
	uint64_t end = o.from + (o.count < h.size ? o.count : h.size);
	if (end > h.size || end < o.from)
		end = h.size;
	if (o.from > end)
		o.from = end; /* nothing to write */
	pdl_progress_start(&prog, pdl_progress_mode(o.quiet, o.lines), "export", "entries", end - o.from, o.interval_s);
	if (export_range(&s, o.from, end, &prog, &st) != PDL_OK) {
		fflush(stdout);
		return src_fail(&s, "export", &st);
	}
	src_close(&s);
	if (fflush(stdout) != 0) {
		pdl_status_set(&st, PDL_EIO, NULL, "cannot write the output: %s", strerror(errno));
		return die_status("export", &st);
	}
	return 0;
}
