/* cmd_tiles.c — pdl tiles: the ledger as C2SP tlog-tiles static files
 * (store/tiles.h), for any web server, object store or CDN. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "readers.h"
#include "tiles.h"

static const char tiles_help[] =
	"usage: pdl tiles --data DIR --out OUT\n"
	"\n"
	"Writes the ledger in DIR as C2SP tlog-tiles (c2sp.org/tlog-tiles) into OUT, for the\n"
	"checkpoint the ledger publishes (its latest signed checkpoint):\n"
	"  OUT/checkpoint                    the signed note\n"
	"  OUT/tile/<L>/<N>[.p/<W>]          Merkle tree tiles (level L, index N, partial width W)\n"
	"  OUT/tile/entries/<N>[.p/<W>]      entry bundles: each entry as a big-endian uint16\n"
	"                                    length and its exact bytes\n"
	"  OUT/pdl/checkpoint/<size>         checkpoints that checkpoint.cosign entries name\n"
	"Reads one snapshot of DIR (safe while pdld runs). A second run writes only what\n"
	"changed since OUT/checkpoint: tiles that grew or filled, then the new checkpoint,\n"
	"last, once everything it covers is written and synced; partial tiles that are full\n"
	"now are removed. Every file is written whole and renamed into place. Serve OUT with\n"
	"dist/nginx-pdl-tiles.conf, or copy it to an object store: tiles first, the checkpoint\n"
	"last (README, \"Tiles\"). pdld --tiles OUT keeps OUT current as it commits.\n"
	"Prints {\"size\",\"from\",\"files\",\"bytes\",\"entries\",\"removed\",\"seconds\",\"sync_seconds\",\n"
	"\"entries_per_s\"} (sync_seconds: the part spent waiting for the disk in syncfs).\n";

int
cmd_tiles(int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {"out", required_argument, NULL, 'o'}, {0}};
	const char *dir = NULL, *ledger = NULL, *out = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'L': ledger = optarg; break;
		case 'o': out = optarg; break;
		case 'h': fputs(tiles_help, stdout); return 0;
		default: return usage_error("tiles", "unknown option");
		}
	}
	if (ledger != NULL)
		return usage_error("tiles", "tiles reads a data directory: use --data DIR (or pdld --tiles OUT)");
	if (dir == NULL || out == NULL || optind != argc)
		return usage_error("tiles", "--data DIR and --out OUT are required");
	struct pdl_store s;
	struct pdl_status st = {0};
	int rc = pdl_store_open(&s, dir, PDL_STORE_RDONLY);
	if (rc != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot open the ledger in %s: %s", dir, pdl_errmsg(rc));
		return die_status("tiles", &st);
	}
	MDB_txn *t;
	if ((rc = pdl_store_rtxn(&s, &t)) != PDL_OK) {
		pdl_store_close(&s);
		pdl_status_set(&st, rc, NULL, "cannot read the ledger in %s", dir);
		return die_status("tiles", &st);
	}
	uint64_t t0 = pdl_mono_ns(), size;
	const char *note;
	size_t n;
	struct pdl_tiles_stats ts;
	rc = pdl_read_suite(t, &s, &st); /* the genesis's suite hashes the entries checked */
	if (rc == PDL_OK)
		rc = pdl_tiles_checkpoint(t, &s, &size, &note, &n, &st);
	if (rc == PDL_OK)
		rc = pdl_tiles_export(t, &s, out, note, n, pdl_entry_ckpt_ref, &ts, &st);
	pdl_store_rdone(&s, t);
	pdl_store_close(&s);
	if (rc != PDL_OK)
		return die_status("tiles", &st);
	double secs = (double)(pdl_mono_ns() - t0) / 1e9;
	double sync = (double)ts.sync_ns / 1e9;
	out_json(json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:I}", "size", (json_int_t)ts.size, "from",
	                   (json_int_t)ts.from_size, "files", (json_int_t)ts.files, "bytes", (json_int_t)ts.bytes,
	                   "entries", (json_int_t)ts.entries, "removed", (json_int_t)ts.removed, "seconds", secs,
	                   "sync_seconds", sync, "entries_per_s",
	                   (json_int_t)(secs > 0 ? (double)ts.entries / secs : 0)));
	return 0;
}
