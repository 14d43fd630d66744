/*
 * pdl bench-scale — the measurements of `make bench-scale`
 * (tools/bench-scale.sh, issue 17) that need the library itself:
 *
 *   proofs  how long an RFC 9162 proof takes on a ledger of any size
 *           (targets: p99 <= 50 us in-process, <= 1 ms over the wire);
 *   bound   the all-core signature verify bound (bench.c's), measured
 *           alone, for the commands the script times against it.
 *
 * In-process, a loop over random leaf indexes (and random old sizes)
 * makes each proof through the calls pdld's reads make (daemon/reads.c):
 * a read transaction, the head, the leaf hash and the proof from the tree
 * table. Over the wire, the same proofs are asked of pdld on its REQ
 * socket, one request at a time, each timed from send to decoded reply.
 * Every proof is then checked against the root of its tree (outside the
 * timed part): a fast wrong proof counts as a failure, not a figure.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "crypto.h"

#define BP_COUNT_DEFAULT 100000u /* in-process proofs of each kind: a p99 of 1,000 samples */
#define BP_WIRE_DEFAULT 10000u   /* over the wire: sequential round trips, some 10 s at most */
#define BP_ROOTS_MAX 64u         /* old sizes with their roots, for checking consistency proofs */

struct bp {
	struct pdl_store *s;
	uint64_t size;
	uint8_t root[PDL_HASH_BYTES];
	uint64_t old[BP_ROOTS_MAX]; /* old sizes the consistency proofs start from, and their roots */
	uint8_t old_root[BP_ROOTS_MAX][PDL_HASH_BYTES];
	uint64_t *ns; /* per proof */
	uint64_t bad;
};

static uint64_t
rnd_below(uint64_t n)
{
	uint64_t r;
	pdl_random(&r, sizeof r);
	return r % n;
}

static int
cmp_ns(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The size, its root and BP_ROOTS_MAX random old sizes with theirs. */
static int
bp_roots(struct bp *b, struct pdl_status *st)
{
	MDB_txn *t;
	struct pdl_head h;
	int rc = pdl_store_rtxn(b->s, &t);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot open a read transaction");
	struct pdl_tree_ctx tc = {t, b->s};
	struct pdl_merkle_io io;
	pdl_store_tree_io(&tc, &io);
	rc = pdl_store_head(t, b->s, &h);
	b->size = h.size;
	if (rc == PDL_OK && h.size == 0)
		rc = pdl_status_set(st, PDL_ENOTFOUND, NULL, "the ledger is empty");
	if (rc == PDL_OK)
		rc = pdl_merkle_root(&io, h.size, b->root);
	for (unsigned i = 0; rc == PDL_OK && i < BP_ROOTS_MAX; i++) {
		b->old[i] = 1 + rnd_below(h.size);
		rc = pdl_merkle_root(&io, b->old[i], b->old_root[i]);
	}
	pdl_store_rdone(b->s, t);
	if (rc != PDL_OK && st->err == 0)
		pdl_status_set(st, rc, NULL, "cannot compute the roots: %s", pdl_errmsg(rc));
	return rc;
}

/* One proof as pdld's reads.c makes it: its own read transaction, the
 * head, then the leaf hash and the path (inclusion) or the path (consistency). */
static int
bp_prove_local(struct bp *b, int incl, uint64_t a, uint8_t leaf[PDL_HASH_BYTES], pdl_hash *proof, size_t *n)
{
	MDB_txn *t;
	struct pdl_head h;
	int rc = pdl_store_rtxn(b->s, &t);
	if (rc != PDL_OK)
		return rc;
	struct pdl_tree_ctx tc = {t, b->s};
	struct pdl_merkle_io io;
	pdl_store_tree_rio(&tc, &io);
	rc = pdl_store_head(t, b->s, &h);
	if (rc == PDL_OK && incl && (rc = io.get(io.ctx, 0, a, leaf)) == PDL_OK)
		rc = pdl_merkle_prove_inclusion(&io, a, b->size, proof, n);
	else if (rc == PDL_OK && !incl)
		rc = pdl_merkle_prove_consistency(&io, a, b->size, proof, n);
	pdl_store_rdone(b->s, t);
	return rc;
}

static int
bp_prove_wire(struct pdl_client *cl, int incl, uint64_t a, uint64_t size, uint8_t leaf[PDL_HASH_BYTES],
              pdl_hash *proof, size_t *n, struct pdl_status *st)
{
	msgpack_sbuffer sb;
	uint8_t *rep;
	size_t rn;
	if (incl)
		pdl_req_inclusion(&sb, a, size);
	else
		pdl_req_consistency(&sb, a, size);
	int rc = pdl_client_call(cl, sb.data, sb.size, &rep, &rn, st);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return rc;
	rc = incl ? pdl_rep_inclusion(rep, rn, leaf, proof, n, st) : pdl_rep_consistency(rep, rn, proof, n, st);
	free(rep);
	return rc;
}

/* The proof checked against the roots of bp_roots; a wrong one is counted. */
static void
bp_check(struct bp *b, int incl, uint64_t a, unsigned oi, const uint8_t leaf[PDL_HASH_BYTES], const pdl_hash *proof,
         size_t n)
{
	int rc = incl ? pdl_merkle_verify_inclusion(leaf, a, b->size, proof, n, b->root)
	              : pdl_merkle_verify_consistency(a, b->size, b->old_root[oi], b->root, proof, n);
	if (rc != PDL_OK)
		b->bad++;
}

/* count proofs of one kind, local (cl NULL) or over the wire; the sorted
 * times in b->ns. */
static int
bp_run(struct bp *b, struct pdl_client *cl, int incl, size_t count, struct pdl_status *st)
{
	uint8_t leaf[PDL_HASH_BYTES];
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	for (size_t i = 0; i < count; i++) {
		unsigned oi = (unsigned)rnd_below(BP_ROOTS_MAX);
		uint64_t a = incl ? rnd_below(b->size) : b->old[oi];
		size_t n = 0;
		uint64_t t0 = pdl_mono_ns();
		int rc = cl == NULL ? bp_prove_local(b, incl, a, leaf, proof, &n)
		                    : bp_prove_wire(cl, incl, a, b->size, leaf, proof, &n, st);
		b->ns[i] = pdl_mono_ns() - t0;
		if (rc != PDL_OK)
			return st->err != 0 ? rc : pdl_status_set(st, rc, NULL, "proof failed: %s", pdl_errmsg(rc));
		bp_check(b, incl, a, oi, leaf, proof, n);
	}
	qsort(b->ns, count, sizeof *b->ns, cmp_ns);
	return PDL_OK;
}

/* Adds "<name>_us_p50", "_p99", "_max" and prints a line. */
static void
bp_report(json_t *o, const char *name, const uint64_t *ns, size_t count, double bound_us)
{
	char k[96];
	double p50 = (double)ns[count / 2] / 1e3, p99 = (double)ns[count * 99 / 100] / 1e3;
	snprintf(k, sizeof k, "%s_us_p50", name);
	json_object_set_new(o, k, json_real(p50));
	snprintf(k, sizeof k, "%s_us_p99", name);
	json_object_set_new(o, k, json_real(p99));
	snprintf(k, sizeof k, "%s_us_max", name);
	json_object_set_new(o, k, json_real((double)ns[count - 1] / 1e3));
	fprintf(stderr, "bench-scale: %-22s %zu proofs: p50 %.1f us, p99 %.1f us (target <= %.0f us: %s)\n", name,
	        count, p50, p99, bound_us, p99 <= bound_us ? "met" : "NOT met");
}

static const char bench_scale_help[] =
	"usage: pdl bench-scale proofs --data DIR [--ledger URL] [--count N] [--wire-count M]\n"
	"       pdl bench-scale bound [--data DIR]\n\n"
	"proofs: times RFC 9162 proofs on the ledger in DIR, against the latest size: N (100,000)\n"
	"inclusion proofs of random leaves and N consistency proofs from random old sizes,\n"
	"in-process through the calls pdld's reads make (a read transaction, the head, the\n"
	"tree table), after N untimed ones (a new process faults on each page it touches\n"
	"first; a serving pdld has them mapped); then M (10,000) of each asked of the pdld\n"
	"at URL (the one serving DIR by default) over its REQ socket, one request at a time.\n"
	"Each proof is checked against the roots of the trees (outside the timed part).\n"
	"Prints JSON with p50, p99 and max in microseconds; exits 1 if a proof does not\n"
	"check. --wire-count 0 skips the wire (no pdld needed). Part of `make bench-scale`\n"
	"(issue 17 targets: p99 <= 50 us in-process, <= 1 ms over the wire).\n"
	"bound: the rate of signature verifications on all cores for 1.5 s (the bound\n"
	"`pdl bench` measures), of DIR's crypto suite (ed25519-sha256 without --data), as JSON\n"
	"{\"bound_verify_per_s\",\"cores\"}.\n";

static int
bp_opts(int argc, char **argv, const char **dir, const char **url, uint64_t *count, uint64_t *wire)
{
	static const struct option opts[] = {COMMON_OPTS, {"count", required_argument, NULL, 'n'},
	                                     {"wire-count", required_argument, NULL, 'w'}, {0}};
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': *dir = optarg; break;
		case 'L': *url = optarg; break;
		case 'n':
			if (pdl_u64_parse(optarg, count) != PDL_OK || *count < 100 || *count > 100000000u)
				return usage_error("bench-scale", "--count is 100..100000000");
			break;
		case 'w':
			if (pdl_u64_parse(optarg, wire) != PDL_OK || (*wire != 0 && *wire < 100) || *wire > 100000000u)
				return usage_error("bench-scale", "--wire-count is 0 or 100..100000000");
			break;
		case 'h': fputs(bench_scale_help, stdout); return 0;
		default: return usage_error("bench-scale", "unknown option");
		}
	}
	if (*dir == NULL)
		return usage_error("bench-scale", "--data DIR is required");
	return -1;
}

/* The wire half: both kinds through the pdld at url. */
static int
bp_wire(struct bp *b, const char *url, size_t count, json_t *o, struct pdl_status *st)
{
	struct pdl_client cl;
	int rc = pdl_client_open(&cl, url, st);
	if (rc == PDL_OK && (rc = bp_run(b, &cl, 1, count, st)) == PDL_OK)
		bp_report(o, "inclusion_wire", b->ns, count, 1000);
	if (rc == PDL_OK && (rc = bp_run(b, &cl, 0, count, st)) == PDL_OK)
		bp_report(o, "consistency_wire", b->ns, count, 1000);
	pdl_client_close(&cl);
	return rc;
}

static int
bench_proofs(int argc, char **argv)
{
	const char *dir = NULL, *url = NULL;
	uint64_t count = BP_COUNT_DEFAULT, wire = BP_WIRE_DEFAULT;
	int r = bp_opts(argc, argv, &dir, &url, &count, &wire);
	if (r >= 0)
		return r;
	struct src s;
	struct pdl_status st = {0};
	struct bp b;
	char urlb[4200];
	memset(&b, 0, sizeof b);
	if (src_open(&s, dir, NULL, &st) != PDL_OK)
		return src_fail(&s, "bench-scale", &st);
	b.s = &s.store;
	b.ns = calloc(count > wire ? count : wire, sizeof *b.ns);
	if (b.ns == NULL)
		pdl_status_set(&st, PDL_ENOMEM, NULL, "out of memory");
	if (b.ns == NULL || bp_roots(&b, &st) != PDL_OK) {
		free(b.ns);
		return src_fail(&s, "bench-scale", &st);
	}
	json_t *o = json_object();
	json_object_set_new(o, "size", json_integer((json_int_t)b.size));
	json_object_set_new(o, "warmup", json_integer((json_int_t)count));
	/* as many untimed proofs first: a pdld that has served for a while has
	 * the tree's pages in its mapping (and the page cache), a new process
	 * takes a fault on each first touch */
	int rc = bp_run(&b, NULL, 1, count, &st);
	if (rc == PDL_OK && (rc = bp_run(&b, NULL, 1, count, &st)) == PDL_OK)
		bp_report(o, "inclusion_inproc", b.ns, count, 50);
	if (rc == PDL_OK && (rc = bp_run(&b, NULL, 0, count, &st)) == PDL_OK)
		bp_report(o, "consistency_inproc", b.ns, count, 50);
	if (url == NULL)
		pdl_client_url_for_dir(dir, urlb, sizeof urlb);
	if (rc == PDL_OK && wire > 0)
		rc = bp_wire(&b, url != NULL ? url : urlb, wire, o, &st);
	free(b.ns);
	if (rc != PDL_OK) {
		json_decref(o);
		return src_fail(&s, "bench-scale", &st);
	}
	json_object_set_new(o, "bad_proofs", json_integer((json_int_t)b.bad));
	out_json(o);
	src_close(&s);
	if (b.bad > 0)
		fprintf(stderr, "pdl bench-scale: %llu proofs did not check against the root\n", (unsigned long long)b.bad);
	return b.bad > 0 ? 1 : 0;
}

#define BS_CORES_MAX 64u /* bound_verify's thread table */

static int
bench_bound(int argc, char **argv)
{
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			dir = argv[++i];
		else
			return usage_error("bench-scale", "bound takes only --data DIR");
	}
	struct src s;
	struct pdl_status st = {0};
	if (dir != NULL && src_open(&s, dir, NULL, &st) != PDL_OK) /* names the ledger's suite */
		return src_fail(&s, "bench-scale", &st);
	if (dir != NULL)
		src_close(&s);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (cores < 1 || cores > (long)BS_CORES_MAX)
		cores = cores < 1 ? 1 : (long)BS_CORES_MAX;
	json_t *o = json_object();
	json_object_set_new(o, "suite", json_string(pdl_suite()->id));
	json_object_set_new(o, "bound_verify_per_s", json_real(bound_verify((unsigned)cores)));
	json_object_set_new(o, "cores", json_integer(cores));
	out_json(o);
	return 0;
}

int
cmd_bench_scale(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "proofs") == 0)
		return bench_proofs(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "bound") == 0)
		return bench_bound(argc - 1, argv + 1);
	if (want_help(argc, argv)) {
		fputs(bench_scale_help, stdout);
		return 0;
	}
	return usage_error("bench-scale", "give proofs or bound");
}
