/* cmd_verify.c — pdl verify: the whole ledger re-derived offline (and --replay: re-decided). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "replay.h"
#include "verify.h"

int
cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {"threads", required_argument, NULL, 't'},
	                                     {"quiet", no_argument, NULL, 'q'}, {"replay", no_argument, NULL, 'r'}, {0}};
	const char *dir = NULL;
	uint64_t threads = 0;
	int ch, quiet = 0, replay = 0;
	while ((ch = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 't':
			if (parse_u64(optarg, &threads) != PDL_OK || threads > 64)
				return usage_error("verify", "--threads is 0..64");
			break;
		case 'q': quiet = 1; break;
		case 'r': replay = 1; break;
		case 'h':
			printf("usage: pdl verify --data DIR [--replay] [--threads N] [--quiet]\n\n"
			       "Re-derives the whole ledger offline from one read snapshot (safe while pdld runs):\n"
			       "every chain link, entry shape and seq, time order, stored Merkle node, act signature\n"
			       "(with the key the actor held at that point), and the root, chain hash and signature\n"
			       "of every stored checkpoint. Exits 0 with a JSON summary, or 1 naming the first bad\n"
			       "seq and what is wrong.\n"
			       "--replay also re-runs every act from genesis through the rules on a scratch copy and\n"
			       "checks each is accepted with the same entry bytes (outcome: codes, deadlines) and that\n"
			       "the resulting state equals the stored state.\n");
			return 0;
		default: return usage_error("verify", "unknown option");
		}
	}
	if (dir == NULL)
		return usage_error("verify", "--data DIR is required");
	struct pdl_store s;
	int rc = pdl_store_open(&s, dir, PDL_STORE_RDONLY);
	if (rc != PDL_OK) {
		fprintf(stderr, "pdl verify: cannot open the ledger in %s: %s (%s)\n", dir, pdl_errmsg(rc), pdl_strerror(rc));
		return 1;
	}
	struct pdl_verify_result r;
	uint64_t t0 = pdl_mono_ns();
	rc = pdl_verify_store(&s, (unsigned)threads, !quiet && isatty(2), &r);
	uint64_t replayed = 0;
	if (rc == PDL_OK && replay) {
		char scratch[] = "/tmp/pdl-replay-XXXXXX";
		uint8_t root[PDL_HASH_BYTES], chain[PDL_HASH_BYTES];
		uint64_t size = r.size, sigs = r.signatures, cks = r.checkpoints, cksz = r.ckpt_size;
		memcpy(root, r.root, PDL_HASH_BYTES);
		memcpy(chain, r.chain, PDL_HASH_BYTES);
		if (mkdtemp(scratch) == NULL) {
			fprintf(stderr, "pdl verify: cannot make a scratch directory: %s\n", strerror(errno));
			return 1;
		}
		rc = pdl_replay_store(&s, scratch, !quiet && isatty(2), &r);
		replayed = r.size;
		/* no shell: nftw removes what the replay made, without following links */
		if (pdl_rmtree(scratch) != PDL_OK)
			fprintf(stderr, "pdl verify: could not remove %s: %s\n", scratch, strerror(errno));
		if (rc == PDL_OK) {
			r.size = size;
			r.signatures = sigs;
			r.checkpoints = cks;
			r.ckpt_size = cksz;
			memcpy(r.root, root, PDL_HASH_BYTES);
			memcpy(r.chain, chain, PDL_HASH_BYTES);
		}
	}
	double secs = (double)(pdl_mono_ns() - t0) / 1e9;
	pdl_store_close(&s);
	json_t *o = json_object();
	char b64[PDL_B64_LEN(PDL_HASH_BYTES)], hex[2 * PDL_HASH_BYTES + 1];
	json_object_set_new(o, "ok", json_boolean(rc == PDL_OK));
	if (rc == PDL_OK) {
		json_object_set_new(o, "size", json_integer((json_int_t)r.size));
		pdl_b64(r.root, PDL_HASH_BYTES, b64);
		json_object_set_new(o, "root", json_string(b64));
		pdl_hex(r.chain, PDL_HASH_BYTES, hex);
		json_object_set_new(o, "chain", json_string(hex));
		json_object_set_new(o, "signatures", json_integer((json_int_t)r.signatures));
		json_object_set_new(o, "checkpoints", json_integer((json_int_t)r.checkpoints));
		json_object_set_new(o, "checkpoint_size", json_integer((json_int_t)r.ckpt_size));
		if (replay)
			json_object_set_new(o, "replayed", json_integer((json_int_t)replayed));
		json_object_set_new(o, "seconds", json_real(secs));
		out_json(o);
		return 0;
	}
	if (r.has_bad_seq)
		json_object_set_new(o, "bad_seq", json_integer((json_int_t)r.bad_seq));
	json_object_set_new(o, "error", json_string(pdl_strerror(r.err)));
	json_object_set_new(o, "what", json_string(r.what));
	if (replay)
		json_object_set_new(o, "stage", json_string(replayed || r.err == PDL_ERULE ? "replay" : "verify"));
	out_json(o);
	if (r.has_bad_seq)
		fprintf(stderr, "pdl verify: seq %llu: %s (%s)\n", (unsigned long long)r.bad_seq, r.what, pdl_strerror(r.err));
	else
		fprintf(stderr, "pdl verify: %s (%s)\n", r.what, pdl_strerror(r.err));
	return 1;
}
