/*
 * pdl evidence — deposit a file's digest (存证) and prove it later.
 *
 *   deposit FILE  hashes the file streaming (any size) and submits an
 *                 evidence.deposit act; --store also sends the bytes to
 *                 pdld's blob table (files up to pdld's --blob-max).
 *   prove FILE    finds the deposit of the file's digest and prints the
 *                 entry, its inclusion proof and the checkpoint covering it.
 *   check PROOF FILE --vkey KEY
 *                 verifies such a proof with only the verifier key: no
 *                 LMDB, no pdld — what anyone holding the file can run.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "cli.h"
#include "key.h"
#include "merkle.h"
#include "mpjson.h"
#include "note.h"
#include "proofdoc.h"
#include "readers.h"
#include "state.h"

#define EVIDENCE_STORE_MAX_DEFAULT (8u << 20)

/* The ledger suite's hash of the file (suite.h: name the suite first). */
static int
hash_file(const char *path, uint8_t digest[PDL_HASH_BYTES], uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return PDL_EIO;
	pdl_digest_ctx st;
	pdl_digest_init(&st);
	uint8_t buf[1 << 16];
	*size = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			pdl_digest_final(&st, digest); /* frees what the suite holds */
			return PDL_EIO;
		}
		if (r == 0)
			break;
		pdl_digest_update(&st, buf, (size_t)r);
		*size += (uint64_t)r;
	}
	close(fd);
	pdl_digest_final(&st, digest);
	return PDL_OK;
}

static int
src_fail_evidence(struct src *s, const struct pdl_status *st)
{
	src_close(s);
	return die_status("evidence", st);
}

/* --store: after the deposit's receipt, the file into pdld's blob table
 * (what pdld's head says it takes); prints {stored, …}. main's status. */
static int
store_file(struct src *s, const char *file, const char *id, uint64_t size, const uint8_t *digest, uint8_t **bytes,
           size_t *blen)
{
	struct pdl_status st = {0};
	struct pdl_wire_head h;
	msgpack_sbuffer req;
	uint8_t *rep;
	size_t rn;
	char hex[2 * PDL_HASH_BYTES + 1];
	pdl_req_head(&req);
	int rc = src_call(s, &req, &rep, &rn, &st);
	msgpack_sbuffer_destroy(&req);
	if (rc == PDL_OK) {
		rc = pdl_rep_head(rep, rn, &h, &st);
		free(rep);
	}
	if (rc != PDL_OK)
		return die_status("evidence", &st);
	uint64_t blob_max = h.has_blob_max ? h.blob_max : EVIDENCE_STORE_MAX_DEFAULT;
	if (size > blob_max) {
		pdl_status_set(&st, PDL_ETOOBIG, NULL,
		               "deposit recorded, but the file of %llu bytes is over this ledger's blob limit of %llu "
		               "bytes: not stored", (unsigned long long)size, (unsigned long long)blob_max);
		return die_status("evidence", &st);
	}
	if (*bytes == NULL && pdl_file_read(file, (size_t)blob_max, bytes, blen) != PDL_OK) {
		fprintf(stderr, "pdl evidence: cannot read %s\n", file);
		return 1;
	}
	pdl_req_blob(&req, id, *bytes, *blen);
	rc = src_call(s, &req, &rep, &rn, &st);
	msgpack_sbuffer_destroy(&req);
	if (rc != PDL_OK)
		return die_status("evidence", &st);
	free(rep);
	pdl_hex(digest, PDL_HASH_BYTES, hex);
	out_json(json_pack("{s:b,s:s,s:s,s:I}", "stored", 1, "evidence_id", id, "digest", hex, "size", (json_int_t)size));
	return 0;
}

static int
deposit(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'}, {"ledger", required_argument, NULL, 'L'},
		{"key", required_argument, NULL, 'k'}, {"actor", required_argument, NULL, 'a'},
		{"id", required_argument, NULL, 'i'}, {"subject", required_argument, NULL, 's'},
		{"media-type", required_argument, NULL, 'm'}, {"nonce", required_argument, NULL, 'n'},
		{"blob", no_argument, NULL, 'b'}, {"store", no_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'}, {0},
	};
	const char *dir = NULL, *ledger = NULL, *key = NULL, *actor = NULL, *id = NULL, *subject = NULL,
	           *media = "application/octet-stream";
	uint64_t nonce = 0;
	int ch, inline_blob = 0, store = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'L': ledger = optarg; break;
		case 'k': key = optarg; break;
		case 'a': actor = optarg; break;
		case 'i': id = optarg; break;
		case 's': subject = optarg; break;
		case 'm': media = optarg; break;
		case 'n':
			if (pdl_u64_parse(optarg, &nonce) != PDL_OK)
				return usage_error("evidence", "--nonce is a number");
			break;
		case 'b': inline_blob = 1; break;
		case 'S': store = 1; break;
		case 'h':
			printf("usage: pdl evidence deposit FILE --key KEYFILE --actor PARTY --id EVIDENCE_ID --subject TEXT\n"
			       "                            [--media-type TYPE] [--nonce N] [--blob] [--store]\n"
			       "                            (--data DIR | --ledger URL)\n\n"
			       "Hashes FILE (streaming, any size) and submits evidence.deposit with its digest (the\n"
			       "ledger's hash: SHA-256, or SM3 in an sm2-sm3 ledger)\n"
			       "and size. --blob puts small files (up to the ledger policy) inside the act; --store\n"
			       "also keeps the file in pdld's blob table (up to pdld --blob-max, default 8 MiB);\n"
			       "over a network listener pdld keeps it only for the depositor or the authority, and\n"
			       "KEYFILE signs the reader token that says so (unless --reader is given).\n"
			       "The nonce defaults to the current time in microseconds. Prints the receipt.\n");
			return 0;
		default: return usage_error("evidence", "unknown option");
		}
	}
	if (optind + 1 != argc || key == NULL || actor == NULL || id == NULL || subject == NULL)
		return usage_error("evidence", "deposit needs FILE, --key, --actor, --id and --subject");
	if ((dir == NULL) == (ledger == NULL))
		return usage_error("evidence", "give exactly one of --data DIR or --ledger URL");
	const char *file = argv[optind];
	uint8_t digest[PDL_HASH_BYTES];
	uint64_t size;
	/* the ledger first: its id signs the act, and its suite hashes the file */
	struct pdl_status st = {0};
	char url[4200];
	if (dir != NULL) {
		pdl_client_url_for_dir(dir, url, sizeof url);
		ledger = url;
	}
	struct src s;
	uint8_t lid[PDL_HASH_BYTES];
	if (src_open(&s, NULL, ledger, &st) != PDL_OK || ledger_id_for(&s.cl, lid, &st) != PDL_OK)
		return src_fail_evidence(&s, &st);
	if (hash_file(file, digest, &size) != PDL_OK) {
		fprintf(stderr, "pdl evidence: cannot read %s: %s\n", file, strerror(errno));
		src_close(&s);
		return 1;
	}
	if (nonce == 0)
		nonce = pdl_now_ms() * 1000 + (pdl_mono_ns() / 1000) % 1000;
	char hex[2 * PDL_HASH_BYTES + 1];
	pdl_hex(digest, PDL_HASH_BYTES, hex);
	json_t *body = json_pack("{s:s,s:s,s:I,s:s,s:s}", "evidence_id", id, "digest", hex, "size", (json_int_t)size,
	                         "media_type", media, "subject", subject);
	uint8_t *bytes = NULL;
	size_t blen = 0;
	if (inline_blob) {
		if (pdl_file_read(file, EVIDENCE_STORE_MAX_DEFAULT * 4, &bytes, &blen) != PDL_OK) {
			fprintf(stderr, "pdl evidence: %s is too large to keep (limit %u bytes)\n", file, EVIDENCE_STORE_MAX_DEFAULT * 4);
			src_close(&s);
			return 1;
		}
	}
	if (inline_blob) {
		char *b64 = malloc(pdl_b64_len(blen));
		if (b64 == NULL) {
			src_close(&s);
			return 1;
		}
		pdl_b64(bytes, blen, b64);
		json_object_set_new(body, "blob", json_string(b64));
		free(b64);
	}
	json_t *act = json_pack("{s:s,s:s,s:I,s:o}", "type", "evidence.deposit", "actor", actor, "nonce",
	                        (json_int_t)nonce, "body", body);
	struct pdl_seckey k;
	uint8_t sig[PDL_SIG_BYTES];
	if (pdl_key_load_for(key, pdl_suite(), &k, &st) != PDL_OK) {
		json_decref(act);
		free(bytes);
		return src_fail_evidence(&s, &st);
	}
	msgpack_sbuffer ab;
	msgpack_sbuffer_init(&ab);
	if (pdl_json_act_to_mp(act, &ab, &st) != PDL_OK) {
		pdl_seckey_wipe(&k);
		json_decref(act);
		msgpack_sbuffer_destroy(&ab);
		free(bytes);
		return src_fail_evidence(&s, &st);
	}
	json_decref(act);
	pdl_act_sign(lid, (const uint8_t *)ab.data, ab.size, &k, sig);
	pdl_seckey_wipe(&k);
	msgpack_sbuffer req;
	msgpack_packer pk2;
	pdl_req_submit(&req, &pk2, 1);
	pdl_req_submit_act(&pk2, (const uint8_t *)ab.data, ab.size, sig, PDL_SIG_BYTES);
	uint8_t *rep;
	size_t rn;
	int rc = src_call(&s, &req, &rep, &rn, &st);
	msgpack_sbuffer_destroy(&req);
	msgpack_sbuffer_destroy(&ab);
	if (rc != PDL_OK)
		return die_status("evidence", &st);
	struct mp_cur c = mp_cur_make(rep, rn), res, e;
	uint32_t n;
	if (mp_map_find(c, "results", &res) != PDL_OK || mp_read_array(&res, &n) != PDL_OK || n != 1) {
		free(rep);
		fprintf(stderr, "pdl evidence: malformed reply\n");
		return 1;
	}
	int refused = mp_map_find(res, "error", &e) == PDL_OK;
	json_t *o = pdl_mp_to_json(&res);
	free(rep);
	json_t *h = json_object_get(o, "hash");
	if (h != NULL) {
		uint8_t raw[PDL_HASH_BYTES];
		if (pdl_unb64(json_string_value(h), json_string_length(h), raw, PDL_HASH_BYTES) == PDL_OK) {
			pdl_hex(raw, PDL_HASH_BYTES, hex);
			json_object_set_new(o, "hash", json_string(hex));
		}
	}
	pdl_json_add_cst(o); /* time_cst beside time_ms, as every receipt (formats.md §11.8) */
	pdl_hex(digest, PDL_HASH_BYTES, hex);
	json_object_set_new(o, "digest", json_string(hex));
	json_object_set_new(o, "size", json_integer((json_int_t)size));
	/* the receipt first: the deposit is in the log whatever becomes of the file */
	out_json(o);
	o = NULL;
	if (!refused && store) {
		/* on a network listener pdld keeps the file only for its depositor
		 * (or the authority): unless a reader is set, the act's own key
		 * signs the reader tokens (on the trusted ipc:// they are ignored) */
		setenv("PDL_READER", actor, 0);
		setenv("PDL_READER_KEY", key, 0);
		if ((rc = store_file(&s, file, id, size, digest, &bytes, &blen)) != 0)
			return rc;
	}
	free(bytes);
	src_close(&s);
	return refused ? 1 : 0;
}

/* Finds the deposit record whose digest is hex (or the one named id). */
static int
find_deposit(struct pdl_store *s, MDB_txn *t, const char *hex, const char *id, uint64_t *seq, char *eid, size_t cap)
{
	struct pdl_scan sc;
	char prefix[PDL_REC_KEY_MAX];
	int pn = snprintf(prefix, sizeof prefix, "evid/%s", id ? id : "");
	if (pdl_store_state_scan(t, s, prefix, (size_t)pn, &sc) != PDL_OK)
		return PDL_ESTORE;
	int rc = PDL_ENOTFOUND;
	while (pdl_scan_next(&sc) == PDL_OK) {
		if (id != NULL && sc.kn != (size_t)pn)
			break; /* another id that starts with this one */
		struct mp_cur rec = mp_cur_make(sc.v, sc.vn);
		struct pdl_str d;
		if (pdl_rec_str(rec, "digest", &d) != PDL_OK || d.n != 2 * PDL_HASH_BYTES || memcmp(d.p, hex, d.n) != 0)
			continue;
		if (pdl_rec_uint(rec, "seq", seq) != PDL_OK)
			continue;
		snprintf(eid, cap, "%.*s", (int)(sc.kn - 5), (const char *)sc.k + 5);
		rc = PDL_OK;
		break;
	}
	pdl_scan_close(&sc);
	return rc;
}

static int
prove(int argc, char **argv)
{
	static const struct option opts[] = {{"data", required_argument, NULL, 'd'}, {"id", required_argument, NULL, 'i'},
	                                     {"help", no_argument, NULL, 'h'}, {0}};
	const char *dir = NULL, *id = NULL;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'i': id = optarg; break;
		case 'h':
			printf("usage: pdl evidence prove FILE --data DIR [--id EVIDENCE_ID]\n\n"
			       "Prints a proof of existence of FILE: its deposit entry (exact bytes), the latest\n"
			       "signed checkpoint and the inclusion proof of the entry in it. Check it anywhere with\n"
			       "`pdl evidence check PROOF FILE --vkey KEY` or any RFC 6962 / C2SP verifier.\n");
			return 0;
		default: return usage_error("evidence", "unknown option");
		}
	}
	if (optind + 1 != argc || dir == NULL)
		return usage_error("evidence", "prove needs FILE and --data DIR");
	if (id != NULL && !pdl_id_valid(id, strlen(id)))
		return usage_error("evidence", "--id is an evidence id (1-64 of A-Z a-z 0-9 . _ -)");
	uint8_t digest[PDL_HASH_BYTES];
	uint64_t size, seq = 0;
	char hex[2 * PDL_HASH_BYTES + 1], eid[PDL_ID_LEN_MAX + 1];
	struct pdl_store s;
	struct pdl_status st = {0};
	int rc = pdl_store_open(&s, dir, PDL_STORE_RDONLY);
	if (rc != PDL_OK) {
		fprintf(stderr, "pdl evidence: cannot open the ledger in %s: %s\n", dir, pdl_errmsg(rc));
		return 1;
	}
	MDB_txn *t;
	if (pdl_store_rtxn(&s, &t) != PDL_OK) {
		pdl_store_close(&s);
		return 1;
	}
	/* the file's digest is the ledger suite's hash */
	if ((rc = pdl_read_suite(t, &s, &st)) != PDL_OK) {
		pdl_store_rdone(&s, t);
		pdl_store_close(&s);
		return die_status("evidence", &st);
	}
	if (hash_file(argv[optind], digest, &size) != PDL_OK) {
		fprintf(stderr, "pdl evidence: cannot read %s: %s\n", argv[optind], strerror(errno));
		pdl_store_rdone(&s, t);
		pdl_store_close(&s);
		return 1;
	}
	pdl_hex(digest, PDL_HASH_BYTES, hex);
	rc = find_deposit(&s, t, hex, id, &seq, eid, sizeof eid);
	if (rc != PDL_OK) {
		pdl_store_rdone(&s, t);
		fprintf(stderr, "pdl evidence: no deposit of digest %s%s%s in this ledger (PDL_ENOTFOUND)\n", hex,
		        id ? " under id " : "", id ? id : "");
		pdl_store_close(&s);
		return 1;
	}
	const uint8_t *eb;
	size_t en, nn;
	const char *note;
	uint64_t csize;
	struct pdl_head h;
	if (pdl_read_head(t, &s, &h, &st) != PDL_OK || pdl_read_entry(t, &s, seq, &eb, &en, &st) != PDL_OK ||
	    pdl_read_checkpoint(t, &s, &csize, &note, &nn, &st) != PDL_OK) {
		pdl_store_rdone(&s, t);
		pdl_store_close(&s);
		return die_status("evidence", &st);
	}
	if (csize <= seq) {
		pdl_store_rdone(&s, t);
		fprintf(stderr, "pdl evidence: entry %llu is not yet covered by a checkpoint (latest covers %llu); "
		                "retry in a second\n", (unsigned long long)seq, (unsigned long long)csize);
		pdl_store_close(&s);
		return 1;
	}
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	size_t pn;
	uint8_t leaf[PDL_HASH_BYTES], stored[PDL_HASH_BYTES];
	pdl_merkle_leaf_hash(eb, en, leaf);
	/* the checkpoint's size is read from the store too: within the head */
	rc = pdl_read_inclusion(t, &s, seq, csize, stored, proof, &pn, &st);
	if (rc == PDL_OK && memcmp(stored, leaf, PDL_HASH_BYTES) != 0)
		rc = pdl_status_set(&st, PDL_EMERKLE, NULL, "entry %llu does not match its stored Merkle leaf (run pdl verify)",
		                    (unsigned long long)seq);
	if (rc != PDL_OK) {
		pdl_store_rdone(&s, t);
		pdl_store_close(&s);
		return die_status("evidence", &st);
	}
	char *b64 = malloc(pdl_b64_len(en));
	if (b64 == NULL) {
		pdl_store_rdone(&s, t);
		pdl_store_close(&s);
		pdl_status_set(&st, PDL_ENOMEM, NULL, "out of memory");
		return die_status("evidence", &st);
	}
	json_t *o = json_object();
	char hb[PDL_B64_LEN(PDL_HASH_BYTES)];
	pdl_b64(eb, en, b64);
	json_object_set_new(o, "evidence_id", json_string(eid));
	json_object_set_new(o, "digest", json_string(hex));
	json_object_set_new(o, "size", json_integer((json_int_t)size));
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	uint8_t chain[PDL_HASH_BYTES];
	char chex[2 * PDL_HASH_BYTES + 1];
	pdl_digest(chain, eb, en);
	pdl_hex(chain, PDL_HASH_BYTES, chex);
	json_object_set_new(o, "hash", json_string(chex)); /* the entry's chain hash, hex as everywhere */
	json_object_set_new(o, "entry", json_string(b64));
	json_t *jn = json_stringn(note, nn);
	if (jn == NULL) {
		json_decref(o);
		free(b64);
		pdl_store_rdone(&s, t);
		pdl_store_close(&s);
		pdl_status_set(&st, PDL_ENOTE, NULL, "the stored checkpoint is not UTF-8 text (run pdl verify)");
		return die_status("evidence", &st);
	}
	json_object_set_new(o, "checkpoint", jn);
	json_t *pr = json_object(), *pa = json_array();
	json_object_set_new(pr, "index", json_integer((json_int_t)seq));
	json_object_set_new(pr, "size", json_integer((json_int_t)csize));
	pdl_b64(leaf, PDL_HASH_BYTES, hb);
	json_object_set_new(pr, "leaf_hash", json_string(hb));
	for (size_t i = 0; i < pn; i++) {
		pdl_b64(proof[i], PDL_HASH_BYTES, hb);
		json_array_append_new(pa, json_string(hb));
	}
	json_object_set_new(pr, "proof", pa);
	json_object_set_new(o, "inclusion", pr);
	free(b64);
	pdl_store_rdone(&s, t);
	pdl_store_close(&s);
	out_json(o);
	return 0;
}

/* Verifies a proof document with only the verifier key. No LMDB. */
static int
check(int argc, char **argv)
{
	static const struct option opts[] = {{"vkey", required_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'}, {0}};
	const char *vkey = NULL;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'v')
			vkey = optarg;
		else if (ch == 'h') {
			printf("usage: pdl evidence check PROOF.json FILE --vkey VERIFIER_KEY\n\n"
			       "Checks a proof from `pdl evidence prove` using only the verifier key: the checkpoint\n"
			       "signature, the inclusion of the entry in the checkpoint's tree, and that the entry is\n"
			       "an evidence.deposit of FILE's digest (the hash of the key's suite). Opens no database.\n"
			       "Exits 0 when valid.\n");
			return 0;
		} else
			return usage_error("evidence", "unknown option");
	}
	if (optind + 2 != argc || vkey == NULL)
		return usage_error("evidence", "check needs PROOF.json FILE --vkey KEY");
	const char *why = NULL;
	char name[PDL_ORIGIN_LEN_MAX + 1], hex[2 * PDL_HASH_BYTES + 1];
	struct pdl_pubkey pk;
	uint8_t digest[PDL_HASH_BYTES], leaf[PDL_HASH_BYTES];
	uint64_t size;
	json_error_t je;
	json_t *p = json_load_file(argv[optind], 0, &je);
	struct pdl_ckpt cp;
	size_t bl;
	struct pdl_proofdoc pd;
	struct pdl_status pst = {0};
	uint8_t *entry = NULL;
	size_t en = 0;
	if (p == NULL) {
		fprintf(stderr, "pdl evidence: %s: %s\n", argv[optind], je.text);
		return 1;
	}
	/* the verifier key names the suite: the proof's and the file's hashes are its */
	int vk_ok = pdl_note_vkey_parse(vkey, name, sizeof name, &pk) == PDL_OK;
	if (vk_ok)
		pdl_suite_use(pk.suite);
	if (hash_file(argv[optind + 1], digest, &size) != PDL_OK) {
		fprintf(stderr, "pdl evidence: cannot read %s\n", argv[optind + 1]);
		json_decref(p);
		return 1;
	}
	pdl_hex(digest, PDL_HASH_BYTES, hex);
	const char *note = json_string_value(json_object_get(p, "checkpoint"));
	const char *eb64 = json_string_value(json_object_get(p, "entry"));
	json_t *inc = json_object_get(p, "inclusion");
	if (!vk_ok)
		why = "the verifier key is malformed";
	else if (note == NULL || eb64 == NULL || pdl_proofdoc_from_json(inc, &pd, &pst) != PDL_OK ||
	         pd.kind != PDL_PROOFDOC_INCLUSION)
		why = "the proof document is malformed";
	else if (pdl_note_verify(note, strlen(note), name, &pk, &bl) != PDL_OK)
		why = "the checkpoint is not signed by that key";
	else if (pdl_ckpt_parse(note, strlen(note), &cp) != PDL_OK)
		why = "the checkpoint is malformed";
	if (why == NULL) {
		size_t cap = strlen(eb64);
		entry = malloc(cap + 1);
		if (entry == NULL || pdl_unb64_var(eb64, strlen(eb64), entry, cap, &en) != PDL_OK)
			why = "the entry is not base64";
	}
	if (why == NULL) {
		pdl_merkle_leaf_hash(entry, en, leaf);
		if (memcmp(leaf, pd.leaf_hash, PDL_HASH_BYTES) != 0 || pd.size != cp.size)
			why = "the inclusion proof is for another entry or checkpoint";
		else if (pdl_proofdoc_verify_inclusion(&pd, cp.root) != PDL_OK)
			why = "the entry is not included in the checkpoint's tree";
	}
	if (why == NULL) {
		/* the entry must be the deposit of this file */
		struct pdl_entry e;
		struct pdl_status st;
		struct mp_cur ac, body, v;
		const char *type, *d;
		size_t tn, dn;
		uint64_t sz;
		if (pdl_entry_decode(entry, en, &e, &st) != PDL_OK || pd.index != e.seq)
			why = "the entry does not decode or has another seq";
		else {
			ac = mp_cur_make(e.act, e.act_len);
			if (mp_map_find(ac, "type", &v) != PDL_OK || mp_read_str(&v, &type, &tn) != PDL_OK ||
			    !mp_str_eq(type, tn, "evidence.deposit") || mp_map_find(ac, "body", &body) != PDL_OK)
				why = "the entry is not an evidence.deposit";
			else if (mp_map_find(body, "digest", &v) != PDL_OK || mp_read_str(&v, &d, &dn) != PDL_OK ||
			         dn != 2 * PDL_HASH_BYTES || memcmp(d, hex, dn) != 0)
				why = "the deposit is of another digest than FILE's";
			else if (mp_map_find(body, "size", &v) != PDL_OK || mp_read_uint(&v, &sz) != PDL_OK || sz != size)
				why = "the deposit records another size than FILE's";
		}
	}
	free(entry);
	json_t *o = json_object();
	json_object_set_new(o, "valid", json_boolean(why == NULL));
	json_object_set_new(o, "digest", json_string(hex));
	if (why == NULL) {
		json_object_set_new(o, "seq", json_integer((json_int_t)pd.index));
		json_object_set_new(o, "checkpoint_size", json_integer((json_int_t)cp.size));
		json_object_set_new(o, "origin", json_string(cp.origin));
	} else {
		json_object_set_new(o, "why", json_string(why));
	}
	json_decref(p);
	out_json(o);
	if (why != NULL)
		fprintf(stderr, "pdl evidence: invalid proof: %s\n", why);
	return why ? 1 : 0;
}

int
cmd_evidence(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("usage: pdl evidence deposit|prove|check … (pdl evidence SUB --help)\n");
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "deposit") == 0)
		return deposit(argc - 1, argv + 1);
	if (strcmp(argv[1], "prove") == 0)
		return prove(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return check(argc - 1, argv + 1);
	return usage_error("evidence", "the subcommand is deposit, prove or check");
}
