/* cmd_proof.c — pdl proof: RFC 9162 inclusion and consistency proofs. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "note.h"
#include "readers.h"

static json_t *
proof_json(const pdl_hash *p, size_t n)
{
	json_t *a = json_array();
	char b64[PDL_B64_LEN(PDL_HASH_BYTES)];
	for (size_t i = 0; i < n; i++) {
		pdl_b64(p[i], PDL_HASH_BYTES, b64);
		json_array_append_new(a, json_string(b64));
	}
	return a;
}

/* The size of the latest signed checkpoint: what a proof is checked against. */
static int
latest_size(struct src *s, uint64_t *size, struct pdl_status *st)
{
	char *note;
	size_t n;
	struct pdl_ckpt cp;
	int rc = src_checkpoint(s, &note, &n, st);
	if (rc != PDL_OK)
		return rc;
	rc = pdl_ckpt_parse(note, n, &cp);
	free(note);
	if (rc != PDL_OK)
		return pdl_status_set(st, PDL_ENOTE, NULL, "the latest checkpoint does not parse");
	*size = cp.size;
	return PDL_OK;
}

/* The proof from the data directory or the pdld; st says why not. */
static int
fetch_proof(struct src *s, int incl, uint64_t a, uint64_t b, uint8_t leaf[PDL_HASH_BYTES], pdl_hash *proof, size_t *n,
            struct pdl_status *st)
{
	int rc;
	if (s->local) {
		MDB_txn *t;
		if ((rc = pdl_store_rtxn(&s->store, &t)) != PDL_OK)
			return pdl_status_set(st, rc, NULL, "cannot read the ledger");
		rc = incl ? pdl_read_inclusion(t, &s->store, a, b, leaf, proof, n, st)
		          : pdl_read_consistency(t, &s->store, a, b, proof, n, st);
		pdl_store_rdone(&s->store, t);
		return rc;
	}
	msgpack_sbuffer sb;
	uint8_t *rep;
	size_t rn;
	if (incl)
		pdl_req_inclusion(&sb, a, b);
	else
		pdl_req_consistency(&sb, a, b);
	rc = src_call(s, &sb, &rep, &rn, st);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return rc;
	rc = incl ? pdl_rep_inclusion(rep, rn, leaf, proof, n, st) : pdl_rep_consistency(rep, rn, proof, n, st);
	free(rep);
	return rc;
}

static const char proof_help[] =
	"usage: pdl proof inclusion INDEX [SIZE] (--data DIR | --ledger URL)\n"
	"       pdl proof consistency OLD [NEW] (--data DIR | --ledger URL)\n\n"
	"RFC 9162 audit paths over the ledger's hash (SHA-256; SM3 in an sm2-sm3 ledger):\n"
	"  {\"index\":I,\"size\":N,\"leaf_hash\":\"<b64>\",\"proof\":[\"<b64>\",...]}\n"
	"  {\"old\":M,\"new\":N,\"proof\":[\"<b64>\",...]}\n"
	"SIZE and NEW default to the size of the latest signed checkpoint (pdl checkpoint),\n"
	"the tree head a proof is checked against; give them to prove against an older one\n"
	"(pdl checkpoint --size N prints it).\n";

int
cmd_proof(int argc, char **argv)
{
	const char *dir = NULL, *ledger = NULL;
	int orc = src_opts(argc, argv, "proof", proof_help, &dir, &ledger);
	if (orc >= 0)
		return orc;
	uint64_t a, b = 0;
	int given = argc - optind;
	if ((given != 2 && given != 3) || pdl_u64_parse(argv[optind + 1], &a) != PDL_OK ||
	    (given == 3 && pdl_u64_parse(argv[optind + 2], &b) != PDL_OK))
		return usage_error("proof", "give inclusion INDEX [SIZE] or consistency OLD [NEW]");
	int incl = strcmp(argv[optind], "inclusion") == 0;
	if (!incl && strcmp(argv[optind], "consistency") != 0)
		return usage_error("proof", "the kind is inclusion or consistency");
	struct src s;
	struct pdl_status st = {0};
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	size_t n = 0;
	uint8_t leaf[PDL_HASH_BYTES];
	if (src_open(&s, dir, ledger, &st) != PDL_OK || (given == 2 && latest_size(&s, &b, &st) != PDL_OK) ||
	    fetch_proof(&s, incl, a, b, leaf, proof, &n, &st) != PDL_OK)
		return src_fail(&s, "proof", &st);
	json_t *o = json_object();
	char b64[PDL_B64_LEN(PDL_HASH_BYTES)];
	if (incl) {
		json_object_set_new(o, "index", json_integer((json_int_t)a));
		json_object_set_new(o, "size", json_integer((json_int_t)b));
		pdl_b64(leaf, PDL_HASH_BYTES, b64);
		json_object_set_new(o, "leaf_hash", json_string(b64));
	} else {
		json_object_set_new(o, "old", json_integer((json_int_t)a));
		json_object_set_new(o, "new", json_integer((json_int_t)b));
	}
	json_object_set_new(o, "proof", proof_json(proof, n));
	out_json(o);
	src_close(&s);
	return 0;
}
