/* cmd_proof.c — pdl proof: RFC 9162 inclusion and consistency proofs. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
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

static int
read_proof_reply(const uint8_t *rep, size_t rn, pdl_hash *proof, size_t *n, uint8_t leaf[PDL_HASH_BYTES])
{
	struct mp_cur c = mp_cur_make(rep, rn), e;
	uint32_t k;
	const uint8_t *b;
	size_t bn;
	if (leaf != NULL) {
		if (mp_map_find(c, "leaf_hash", &e) != PDL_OK || mp_read_bin(&e, &b, &bn) != PDL_OK || bn != PDL_HASH_BYTES)
			return PDL_EPROTO;
		memcpy(leaf, b, PDL_HASH_BYTES);
	}
	if (mp_map_find(c, "proof", &e) != PDL_OK || mp_read_array(&e, &k) != PDL_OK || k > PDL_MERKLE_PROOF_MAX)
		return PDL_EPROTO;
	for (uint32_t i = 0; i < k; i++) {
		if (mp_read_bin(&e, &b, &bn) != PDL_OK || bn != PDL_HASH_BYTES)
			return PDL_EPROTO;
		memcpy(proof[i], b, PDL_HASH_BYTES);
	}
	*n = k;
	return PDL_OK;
}

int
cmd_proof(int argc, char **argv)
{
	const char *dir = NULL, *ledger = NULL;
	int orc = src_opts(argc, argv, "proof",
	                   "usage: pdl proof inclusion INDEX SIZE (--data DIR | --ledger URL)\n"
			       "       pdl proof consistency OLD NEW (--data DIR | --ledger URL)\n\n"
			       "RFC 9162 audit paths over the ledger's hash (SHA-256; SM3 in an sm2-sm3 ledger):\n"
			       "  {\"index\":I,\"size\":N,\"leaf_hash\":\"<b64>\",\"proof\":[\"<b64>\",...]}\n"
			       "  {\"old\":M,\"new\":N,\"proof\":[\"<b64>\",...]}\n", &dir, &ledger);
	if (orc >= 0)
		return orc;
	uint64_t a, b;
	if (optind + 3 != argc || parse_u64(argv[optind + 1], &a) != PDL_OK || parse_u64(argv[optind + 2], &b) != PDL_OK)
		return usage_error("proof", "give inclusion INDEX SIZE or consistency OLD NEW");
	int incl = strcmp(argv[optind], "inclusion") == 0;
	if (!incl && strcmp(argv[optind], "consistency") != 0)
		return usage_error("proof", "the kind is inclusion or consistency");
	struct src s;
	struct pdl_status st = {0};
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	size_t n = 0;
	uint8_t leaf[PDL_HASH_BYTES];
	if (src_open(&s, dir, ledger, &st) != PDL_OK)
		return src_fail(&s, "proof", &st);
	int rc;
	if (s.local) {
		MDB_txn *t;
		if ((rc = pdl_store_rtxn(&s.store, &t)) != PDL_OK) {
			pdl_status_set(&st, rc, NULL, "cannot read the ledger");
			return src_fail(&s, "proof", &st);
		}
		rc = incl ? pdl_read_inclusion(t, &s.store, a, b, leaf, proof, &n, &st)
		          : pdl_read_consistency(t, &s.store, a, b, proof, &n, &st);
		pdl_store_rdone(&s.store, t);
		if (rc != PDL_OK)
			return src_fail(&s, "proof", &st);
	} else {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		uint8_t *rep;
		size_t rn;
		req_op(&sb, &pk, incl ? "inclusion" : "consistency", 2);
		mp_pack_cstr(&pk, incl ? "index" : "old");
		msgpack_pack_uint64(&pk, a);
		mp_pack_cstr(&pk, incl ? "size" : "new");
		msgpack_pack_uint64(&pk, b);
		rc = src_call(&s, &sb, &rep, &rn, &st);
		msgpack_sbuffer_destroy(&sb);
		if (rc != PDL_OK)
			return src_fail(&s, "proof", &st);
		rc = read_proof_reply(rep, rn, proof, &n, incl ? leaf : NULL);
		free(rep);
		if (rc != PDL_OK) {
			pdl_status_set(&st, rc, NULL, "malformed reply");
			return src_fail(&s, "proof", &st);
		}
	}
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
