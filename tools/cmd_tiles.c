/* cmd_tiles.c — pdl tiles: the ledger as C2SP tlog-tiles static files
 * (store/tiles.h), for any web server, object store or CDN. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "progress.h"
#include "readacl.h"
#include "readers.h"
#include "tiles.h"

struct tiles_opts {
	const char *dir, *out;
	enum pdl_tiles_entries entries;
	int quiet, lines;
	unsigned interval_s;
};

static const char tiles_help[] =
	"usage: pdl tiles --data DIR --out OUT [--entries public|all] [--progress[=SECONDS] | --quiet]\n"
	"\n"
	"Writes the ledger in DIR as C2SP tlog-tiles (c2sp.org/tlog-tiles) into OUT, for the\n"
	"checkpoint the ledger publishes (its latest signed checkpoint):\n"
	"  OUT/checkpoint                    the signed note\n"
	"  OUT/tile/<L>/<N>[.p/<W>]          Merkle tree tiles (level L, index N, partial width W)\n"
	"  OUT/tile/entries/<N>[.p/<W>]      entry bundles: each entry as a big-endian uint16\n"
	"                                    length and its exact bytes; with --entries public only\n"
	"                                    the bundles whose entries are all public\n"
	"  OUT/pdl/entries/<N>[.p/<W>]       (--entries public) every bundle, each private entry in\n"
	"                                    it as its 32-byte leaf hash, the level-0 tile's hash\n"
	"  OUT/pdl/checkpoint/<size>         checkpoints that checkpoint.cosign entries name\n"
	"Reads one snapshot of DIR (safe while pdld runs). A second run writes only what\n"
	"changed since OUT/checkpoint: tiles that grew or filled, then the new checkpoint,\n"
	"last, once everything it covers is written and synced; partial tiles that are full\n"
	"now are removed. Every file is written whole and renamed into place. Serve OUT with\n"
	"dist/nginx-pdl-tiles.conf, or copy it to an object store: tiles first, the checkpoint\n"
	"last (README, \"Tiles\"). pdld --tiles OUT keeps OUT current as it commits.\n"
	"An sm2-sm3 ledger's tiles have this layout but SM3 hashes and an SM2-signed note, which\n"
	"only a client that knows that suite can check (tlog-tiles itself is SHA-256 and Ed25519).\n"
	"Prints {\"size\",\"from\",\"files\",\"bytes\",\"entries\",\"removed\",\"seconds\",\"sync_seconds\",\n"
	"\"entries_per_s\",\"withheld\",\"earlier_partials\"} (sync_seconds: the part spent waiting for the\n"
	"disk in syncfs; withheld: private entries written as their leaf hash; earlier_partials: the\n"
	"files of partial tiles of checkpoints signed since OUT's, which tlog-tiles asks a log to\n"
	"serve until the tile is full, not counted in files, bytes and entries).\n"
	"  --entries public      (the default) OUT is for anyone, a web server, a CDN: no private\n"
	"                        entry's bytes (spec/views.md: a call and its decisions, revenue and\n"
	"                        settlements, evidence with its document, ...) are written\n"
	"  --entries all         every entry's bytes in tile/entries/: a copy for auditors and\n"
	"                        `pdl mirror`, never for public hosting. An OUT of one kind is\n"
	"                        refused for the other\n"
	"  --progress[=SECONDS]  a progress line on stderr every SECONDS (default 10): entries\n"
	"                        written into bundles, with rate and ETA; on a terminal a live\n"
	"                        line is shown without it\n"
	"  --quiet               no progress at all\n";

/* -1 to go on, or the exit code. */
static int
tiles_opts(int argc, char **argv, struct tiles_opts *o)
{
	static const struct option opts[] = {COMMON_OPTS, {"out", required_argument, NULL, 'o'},
	                                     {"entries", required_argument, NULL, 'e'},
	                                     {"progress", optional_argument, NULL, 'p'},
	                                     {"quiet", no_argument, NULL, 'q'}, {0}};
	const char *ledger = NULL;
	int ch;
	memset(o, 0, sizeof *o);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->dir = optarg; break;
		case 'L': ledger = optarg; break;
		case 'o': o->out = optarg; break;
		case 'e':
			if (pdl_tiles_entries_parse(optarg, &o->entries) != PDL_OK)
				return usage_error("tiles", "--entries takes public or all");
			break;
		case 'p':
			o->lines = 1;
			if (pdl_progress_interval(optarg, &o->interval_s) != PDL_OK)
				return usage_error("tiles", "--progress=SECONDS takes whole seconds, 0 to 86400");
			break;
		case 'q': o->quiet = 1; break;
		case 'h': fputs(tiles_help, stdout); return 0;
		default: return usage_error("tiles", "unknown option");
		}
	}
	if (ledger != NULL)
		return usage_error("tiles", "tiles reads a data directory: use --data DIR (or pdld --tiles OUT)");
	if (o->dir == NULL || o->out == NULL || optind != argc)
		return usage_error("tiles", "--data DIR and --out OUT are required");
	if (o->quiet && o->lines)
		return usage_error("tiles", "--quiet and --progress contradict each other");
	return -1;
}

int
cmd_tiles(int argc, char **argv)
{
	struct tiles_opts o;
	int orc = tiles_opts(argc, argv, &o);
	if (orc >= 0)
		return orc;
	struct pdl_store s;
	struct pdl_status st = {0};
	int rc = pdl_store_open(&s, o.dir, PDL_STORE_RDONLY);
	if (rc != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot open the ledger in %s: %s", o.dir, pdl_errmsg(rc));
		return die_status("tiles", &st);
	}
	MDB_txn *t;
	if ((rc = pdl_store_rtxn(&s, &t)) != PDL_OK) {
		pdl_store_close(&s);
		pdl_status_set(&st, rc, NULL, "cannot read the ledger in %s", o.dir);
		return die_status("tiles", &st);
	}
	uint64_t t0 = pdl_mono_ns(), size;
	const char *note;
	size_t n;
	struct pdl_tiles_stats ts;
	struct pdl_progress prog;
	rc = pdl_read_suite(t, &s, &st); /* the genesis's suite hashes the entries checked */
	if (rc == PDL_OK)
		rc = pdl_tiles_checkpoint(t, &s, &size, &note, &n, &st);
	if (rc == PDL_OK) {
		/* the export sets its total once OUT's previous checkpoint is known, and ends it */
		pdl_progress_start(&prog, pdl_progress_mode(o.quiet, o.lines), "tiles", "entries", 0, o.interval_s);
		struct pdl_tiles_rules r = {pdl_entry_ckpt_ref, pdl_readacl_public, o.entries};
		rc = pdl_tiles_export(t, &s, o.out, note, n, &r, &ts, &prog, &st);
	}
	pdl_store_rdone(&s, t);
	pdl_store_close(&s);
	if (rc != PDL_OK)
		return die_status("tiles", &st);
	double secs = (double)(pdl_mono_ns() - t0) / 1e9;
	double sync = (double)ts.sync_ns / 1e9;
	out_json(json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:I,s:I,s:I}", "size", (json_int_t)ts.size, "from",
	                   (json_int_t)ts.from_size, "files", (json_int_t)ts.files, "bytes", (json_int_t)ts.bytes,
	                   "entries", (json_int_t)ts.entries, "removed", (json_int_t)ts.removed, "seconds", secs,
	                   "sync_seconds", sync, "entries_per_s",
	                   (json_int_t)(secs > 0 ? (double)ts.entries / secs : 0), "withheld",
	                   (json_int_t)ts.withheld, "earlier_partials", (json_int_t)ts.earlier));
	return 0;
}
