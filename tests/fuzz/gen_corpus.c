/*
 * gen_corpus — writes the seed corpus of the fuzz targets, deterministically
 * (Ed25519 signatures are deterministic), into OUTDIR/<target>/:
 *
 *   act/       one act of every type in the rules tables, every body field
 *              filled with a valid value, as sig ‖ act, signed with the fuzz
 *              actor key for the fuzz ledger id (fuzz.h) so pdl_act_verify
 *              succeeds
 *   entry/     entries wrapping those acts, chained as pdld writes them
 *   note/      verifier key line ‖ checkpoint note over those entries,
 *              signed with the fuzz ledger key, at several sizes
 *   proofdoc/  inclusion and consistency proofs as `pdl proof` prints them
 *   http/      query strings of the public API's routes
 *   store/     a small real ledger (genesis, parties, checkpoints) made by
 *              the engine in a scratch directory and dumped as fuzz_store
 *              records, and copies of it damaged one way each: an
 *              oversized, a truncated and a garbage entry, a tree node of
 *              the wrong size, a huge head, an oversized note, a checkpoint
 *              under size 0
 *
 * Run by `make fuzz-corpus` (usage: gen_corpus OUTDIR). Prints how many
 * seeds each target got; exits 1 if a generated act does not decode.
 */
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#include "check.h"
#include "ckpt.h"
#include "entry.h"
#include "merkle.h"
#include "mpjson.h"
#include "note.h"
#include "rules.h"
#include "util.h"

#define ENTRIES_MAX 512u

static const char *outdir;
static unsigned counts[6];

static void
put(unsigned which, const char *target, const char *name, const void *b, size_t n)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", outdir, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof path, "%s/%s/%s", outdir, target, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	counts[which]++;
}

static void pack_fields(msgpack_packer *pk, const struct pdl_field *f);

static void
pack_scalar(msgpack_packer *pk, uint8_t type, const struct pdl_field *f)
{
	static const char zero_key[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	static const char hex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	switch (type) {
	case F_STR: mp_pack_cstr(pk, "fuzz"); break;
	case F_TEXT: mp_pack_cstr(pk, "free text"); break;
	case F_ID: mp_pack_cstr(pk, "fuzz-id.1"); break;
	case F_UINT: msgpack_pack_uint64(pk, f->max && f->max < 3 ? f->max : 3); break;
	case F_INT: msgpack_pack_int64(pk, -3); break;
	case F_BOOL: msgpack_pack_true(pk); break;
	case F_KEY: mp_pack_cstr(pk, zero_key); break;
	case F_HEX32: mp_pack_cstr(pk, hex); break;
	case F_DATE: mp_pack_cstr(pk, "2026-03-15"); break;
	case F_PERIOD: mp_pack_cstr(pk, "2026-03"); break;
	case F_ENUM: mp_pack_cstr(pk, f->sub ? *(const char *const *)f->sub : "x"); break;
	case F_B64: mp_pack_cstr(pk, "AAECAw=="); break;
	case F_ANYMAP:
		msgpack_pack_map(pk, 1);
		mp_pack_cstr(pk, "k");
		msgpack_pack_uint64(pk, 1);
		break;
	case F_MAP: pack_fields(pk, f->sub); break;
	default: mp_pack_cstr(pk, "?"); break;
	}
}

static void
pack_fields(msgpack_packer *pk, const struct pdl_field *f)
{
	size_t n = 0;
	for (const struct pdl_field *x = f; x != NULL && x->name != NULL; x++)
		n++;
	msgpack_pack_map(pk, n);
	for (; f != NULL && f->name != NULL; f++) {
		mp_pack_cstr(pk, f->name);
		switch (f->type) {
		case F_STRS: msgpack_pack_array(pk, 1); pack_scalar(pk, F_STR, f); break;
		case F_IDS: msgpack_pack_array(pk, 1); pack_scalar(pk, F_ID, f); break;
		case F_DATES: msgpack_pack_array(pk, 1); pack_scalar(pk, F_DATE, f); break;
		case F_ENUMS: msgpack_pack_array(pk, 1); pack_scalar(pk, F_ENUM, f); break;
		case F_MAPS: msgpack_pack_array(pk, 1); pack_fields(pk, f->sub); break;
		default: pack_scalar(pk, f->type, f); break;
		}
	}
}

/* The tree over the generated entries, in memory. */
static pdl_hash nodes[PDL_MERKLE_LEVELS_MAX][ENTRIES_MAX];
static uint8_t have[PDL_MERKLE_LEVELS_MAX][ENTRIES_MAX];

static int
mem_get(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	(void)ctx;
	if (level >= PDL_MERKLE_LEVELS_MAX || index >= ENTRIES_MAX || !have[level][index])
		return PDL_ENOTFOUND;
	memcpy(out, nodes[level][index], 32);
	return PDL_OK;
}

static int
mem_put(void *ctx, unsigned level, uint64_t index, const uint8_t h[32])
{
	(void)ctx;
	if (level >= PDL_MERKLE_LEVELS_MAX || index >= ENTRIES_MAX)
		return PDL_ETOOBIG;
	memcpy(nodes[level][index], h, 32);
	have[level][index] = 1;
	return PDL_OK;
}

static void
proof_json(char *out, size_t cap, const pdl_hash *p, size_t n)
{
	size_t o = (size_t)snprintf(out, cap, "[");
	char b64[64];
	for (size_t i = 0; i < n && o < cap; i++) {
		pdl_b64(p[i], 32, b64);
		o += (size_t)snprintf(out + o, cap - o, "%s\"%s\"", i ? "," : "", b64);
	}
	if (o < cap)
		snprintf(out + o, cap - o, "]");
}

/* ---- store seeds ---- */

/* Signs and appends one act (JSON) at time ms, with a checkpoint. */
static int
store_add(struct pdl_store *s, struct pdl_engine *e, json_t *act, const struct pdl_seckey *sk, uint64_t ms,
          const struct pdl_seckey *lsk)
{
	msgpack_sbuffer ab;
	struct pdl_status st = {0};
	struct pdl_act a;
	struct pdl_head h;
	struct pdl_receipt r;
	MDB_txn *t;
	uint8_t sig[64];
	char note[PDL_NOTE_BYTES_MAX];
	size_t nn;
	msgpack_sbuffer_init(&ab);
	int genesis = strcmp(json_string_value(json_object_get(act, "type")), "ledger.genesis") == 0;
	int rc = pdl_json_act_to_mp(act, &ab, &st);
	json_decref(act);
	if (rc == PDL_OK) {
		pdl_act_sign(genesis ? pdl_ledger_id_genesis : e->info.ledger_id, (const uint8_t *)ab.data, ab.size, sk, sig);
		rc = pdl_act_decode((const uint8_t *)ab.data, ab.size, sig, &a, &st);
	}
	if (rc == PDL_OK && (rc = pdl_store_wtxn(s, &t)) == PDL_OK) {
		if ((rc = pdl_store_head(t, s, &h)) == PDL_OK && (rc = pdl_engine_submit(e, t, &h, ms, &a, NULL, &r, &st)) == PDL_OK &&
		    (rc = pdl_ckpt_make(t, s, &h, FUZZ_ORIGIN, lsk, note, sizeof note, &nn)) == PDL_OK)
			rc = pdl_store_err(mdb_txn_commit(t));
		else
			mdb_txn_abort(t);
	}
	if (rc != PDL_OK)
		fprintf(stderr, "gen_corpus: store seed act refused: %s %s\n", pdl_strerror(rc), st.msg);
	msgpack_sbuffer_destroy(&ab);
	return rc;
}

enum { V_CLEAN, V_BIG_ENTRY, V_TRUNCATED, V_GARBAGE, V_NODE_SHORT, V_HUGE_HEAD, V_BIG_NOTE, V_CKPT_ZERO, V_COUNT };
static const char *const variant_names[V_COUNT] = {"clean", "big-entry", "truncated", "garbage", "node-short",
                                                   "huge-head", "big-note", "ckpt-zero"};

/* Dumps the store as fuzz_store records, damaged as variant v says. */
static void
store_dump(struct pdl_store *s, unsigned v)
{
	MDB_dbi dbs[FUZZ_STORE_TABLES] = {s->log, s->tree, s->meta, s->nonce, s->state, s->ckpt, s->blob};
	char *buf = NULL, name[64];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	MDB_txn *t;
	static uint8_t big[200000];
	uint8_t node01[PDL_TREE_KEY_BYTES]; /* node (0, 1), in the store's tree layout */
	pdl_store_tree_key(s, 0, 1, node01);
	if (f == NULL || pdl_store_rtxn(s, &t) != PDL_OK)
		exit(1);
	for (unsigned i = 0; i < FUZZ_STORE_TABLES; i++) {
		MDB_cursor *c;
		MDB_val k, val;
		if (mdb_cursor_open(t, dbs[i], &c) != 0)
			exit(1);
		for (int m = mdb_cursor_get(c, &k, &val, MDB_FIRST); m == 0; m = mdb_cursor_get(c, &k, &val, MDB_NEXT)) {
			const uint8_t *kb = k.mv_data, *vb = val.mv_data;
			size_t kn = k.mv_size, vn = val.mv_size;
			uint8_t tmp[64];
			int is_log1 = i == 0 && kn == 8 && pdl_get_be64(kb) == 1;
			if (v == V_BIG_ENTRY && is_log1) {
				memset(big, 0xc1, sizeof big);
				big[0] = 0x96;
				vb = big;
				vn = sizeof big;
			} else if (v == V_TRUNCATED && is_log1) {
				vn /= 2;
			} else if (v == V_GARBAGE && is_log1) {
				memset(tmp, 0xc1, sizeof tmp);
				vb = tmp;
				vn = sizeof tmp;
			} else if (v == V_NODE_SHORT && i == 1 && kn == PDL_TREE_KEY_BYTES &&
			           memcmp(kb, node01, PDL_TREE_KEY_BYTES) == 0) {
				vn = 31;
			} else if (v == V_HUGE_HEAD && i == 2 && vn == 48) {
				memcpy(tmp, vb, 48);
				memset(tmp, 0xff, 8);
				vb = tmp;
			} else if (v == V_BIG_NOTE && i == 5) {
				memset(big, 'A', PDL_NOTE_BYTES_MAX + 100);
				memcpy(big, vb, vn);
				vb = big;
				vn = PDL_NOTE_BYTES_MAX + 100;
			} else if (v == V_CKPT_ZERO && i == 5) {
				memset(tmp, 0, 8);
				kb = tmp;
			}
			fuzz_store_record(f, i, kb, kn, vb, vn);
		}
		mdb_cursor_close(c);
	}
	pdl_store_rdone(s, t);
	if (fclose(f) != 0)
		exit(1);
	snprintf(name, sizeof name, "seed-store-%s", variant_names[v]);
	put(5, "store", name, buf, len);
	free(buf);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
store_seeds(const uint8_t apk[32], const struct pdl_seckey *ask, const uint8_t lpk[32], const struct pdl_seckey *lsk)
{
	char dir[] = "/tmp/pdl-gen-corpus-XXXXXX", a64[64], l64[64], uscc[19], first[18] = "11420100000000000";
	struct pdl_store s;
	struct pdl_engine e;
	int rc;
	if (mkdtemp(dir) == NULL || pdl_store_open(&s, dir, PDL_STORE_CREATE | PDL_STORE_NOSYNC) != PDL_OK)
		return 1;
	pdl_engine_init(&e, &s);
	pdl_b64(apk, 32, a64);
	pdl_b64(lpk, 32, l64);
	memcpy(uscc, first, 17);
	uscc[18] = 0;
	if (pdl_uscc_check_char(first, &uscc[17]) != PDL_OK)
		return 1;
	uint64_t ms = 1767225600000ull;
	rc = store_add(&s, &e,
	               json_pack("{s:s,s:s,s:i,s:{s:s,s:s,s:{s:s,s:s,s:s,s:s},s:s,s:{s:i,s:i,s:i,s:i,s:i}}}", "type",
	                         "ledger.genesis", "actor", "fuzz-actor", "nonce", 0, "body", "origin", FUZZ_ORIGIN,
	                         "jurisdiction", "420100", "authority", "id", "fuzz-actor", "name", "Fuzz Authority",
	                         "uscc", uscc, "public_key", a64, "ledger_key", l64, "policy", "accept_wd", 3,
	                         "notice_wd", 10, "grant_months_max", 60, "trial_months_max", 6, "blob_bytes_max", 32768),
	               ask, ms, lsk);
	for (int i = 1; rc == PDL_OK && i <= 6; i++) {
		char id[24], pu[19], pf[24]; /* room for any int: gcc -O1 checks the format bounds */
		snprintf(id, sizeof id, "party-%d", i);
		snprintf(pf, sizeof pf, "91420100%09d", i);
		memcpy(pu, pf, 17);
		pu[18] = 0;
		if (pdl_uscc_check_char(pf, &pu[17]) != PDL_OK)
			return 1;
		rc = store_add(&s, &e,
		               json_pack("{s:s,s:s,s:i,s:{s:s,s:s,s:s,s:[s],s:s}}", "type", "party.register", "actor",
		                         "fuzz-actor", "nonce", i, "body", "id", id, "name", "A Party", "uscc", pu, "roles",
		                         "provider", "public_key", a64),
		               ask, ms + (uint64_t)i * 1000, lsk);
	}
	if (rc == PDL_OK)
		for (unsigned v = 0; v < V_COUNT; v++)
			store_dump(&s, v);
	pdl_engine_fini(&e);
	pdl_store_close(&s);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return rc == PDL_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
	uint8_t apk[32], ask_raw[64], lpk[32], lsk_raw[64];
	struct pdl_seckey ask_k, lsk_k;
	const struct pdl_seckey *ask = &ask_k, *lsk = &lsk_k;
	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	fuzz_keypair(FUZZ_ACT_SEED_BYTE, apk, ask_raw);
	fuzz_keypair(FUZZ_LEDGER_SEED_BYTE, lpk, lsk_raw);
	fuzz_key(FUZZ_ACT_SEED_BYTE, &ask_k);
	fuzz_key(FUZZ_LEDGER_SEED_BYTE, &lsk_k);
	struct pdl_merkle_io io = {mem_get, mem_put, NULL};
	uint8_t chain[32] = {0};
	uint64_t seq = 0;
	int bad = 0;
	char name[128];

	for (const struct pdl_family *const *fam = pdl_families; *fam != NULL; fam++) {
		for (size_t i = 0; i < (*fam)->n && seq < ENTRIES_MAX; i++) {
			const struct pdl_act_def *d = &(*fam)->acts[i];
			msgpack_sbuffer act;
			msgpack_packer pk;
			msgpack_sbuffer_init(&act);
			msgpack_packer_init(&pk, &act, msgpack_sbuffer_write);
			msgpack_pack_map(&pk, 5);
			mp_pack_cstr(&pk, "v");
			msgpack_pack_uint64(&pk, 1);
			mp_pack_cstr(&pk, "type");
			mp_pack_cstr(&pk, d->type);
			mp_pack_cstr(&pk, "actor");
			mp_pack_cstr(&pk, "fuzz-actor");
			mp_pack_cstr(&pk, "nonce");
			msgpack_pack_uint64(&pk, seq + 1);
			mp_pack_cstr(&pk, "body");
			pack_fields(&pk, d->body);
			uint8_t sig[64];
			uint8_t lid[32];
			fuzz_ledger_id(lid);
			pdl_act_sign(lid, (const uint8_t *)act.data, act.size, ask, sig);
			struct pdl_act a;
			struct pdl_status st = {0};
			if (pdl_act_decode((const uint8_t *)act.data, act.size, sig, &a, &st) != PDL_OK) {
				fprintf(stderr, "gen_corpus: generated %s does not decode: %s\n", d->type, st.msg);
				bad = 1;
			}
			uint8_t *sa = malloc(64 + act.size);
			memcpy(sa, sig, 64);
			memcpy(sa + 64, act.data, act.size);
			snprintf(name, sizeof name, "seed-%s", d->type);
			put(0, "act", name, sa, 64 + act.size);
			free(sa);

			/* the entry pdld would write for it */
			static const uint8_t outcome[] = {0x81, 0xa4, 'c', 'o', 'd', 'e', 0xa2, 'o', 'k'};
			struct pdl_entry e = {seq, 1767225600000ull + seq * 1000, {0}, (const uint8_t *)act.data,
			                      act.size, sig, outcome, sizeof outcome};
			memcpy(e.prev, chain, 32);
			msgpack_sbuffer eb;
			msgpack_sbuffer_init(&eb);
			pdl_entry_encode(&e, &eb);
			snprintf(name, sizeof name, "seed-%03llu-%s", (unsigned long long)seq, d->type);
			put(1, "entry", name, eb.data, eb.size);
			pdl_digest(chain, (const uint8_t *)eb.data, eb.size);
			uint8_t leaf[32];
			pdl_merkle_leaf_hash(eb.data, eb.size, leaf);
			if (pdl_merkle_append(&io, seq, leaf) != PDL_OK) {
				fprintf(stderr, "gen_corpus: merkle append failed\n");
				return 1;
			}
			msgpack_sbuffer_destroy(&eb);
			msgpack_sbuffer_destroy(&act);
			seq++;
		}
	}

	/* checkpoints at a few sizes, with the verifier key line first */
	char vkey[PDL_VKEY_LEN_MAX + 1];
	pdl_note_vkey_format(FUZZ_ORIGIN, &lsk->pk, vkey, sizeof vkey);
	uint64_t sizes[] = {1, 2, 3, 7, 8, 13, seq / 2, seq};
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		struct pdl_ckpt c = {0};
		snprintf(c.origin, sizeof c.origin, "%s", FUZZ_ORIGIN);
		c.size = sizes[k];
		c.has_chain = 1;
		memset(c.chain, (int)k, 32);
		if (pdl_merkle_root(&io, c.size, c.root) != PDL_OK)
			return 1;
		char body[1024], note[PDL_NOTE_BYTES_MAX + PDL_VKEY_LEN_MAX + 2];
		size_t bl, nl;
		int off = snprintf(note, sizeof note, "%s\n", vkey);
		if (pdl_ckpt_format(&c, body, sizeof body, &bl) != PDL_OK ||
		    pdl_note_sign(body, bl, FUZZ_ORIGIN, lsk, note + off, sizeof note - (size_t)off, &nl) != PDL_OK)
			return 1;
		snprintf(name, sizeof name, "seed-ckpt-%llu", (unsigned long long)c.size);
		put(2, "note", name, note, (size_t)off + nl);
	}

	/* proofs, as `pdl proof` prints them */
	static char json[16384], arr[12000];
	pdl_hash proof[PDL_MERKLE_PROOF_MAX];
	size_t pn;
	uint64_t pairs[][2] = {{0, 1}, {0, 2}, {1, 2}, {2, 3}, {5, 8}, {6, 7}, {4, 13}, {12, 13}, {0, seq}, {seq - 1, seq}};
	for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
		uint8_t leaf[32];
		char lb[64];
		if (mem_get(NULL, 0, pairs[k][0], leaf) != PDL_OK ||
		    pdl_merkle_prove_inclusion(&io, pairs[k][0], pairs[k][1], proof, &pn) != PDL_OK)
			return 1;
		pdl_b64(leaf, 32, lb);
		proof_json(arr, sizeof arr, proof, pn);
		int n = snprintf(json, sizeof json, "{\"index\":%llu,\"size\":%llu,\"leaf_hash\":\"%s\",\"proof\":%s}",
		                 (unsigned long long)pairs[k][0], (unsigned long long)pairs[k][1], lb, arr);
		snprintf(name, sizeof name, "seed-inclusion-%llu-%llu", (unsigned long long)pairs[k][0],
		         (unsigned long long)pairs[k][1]);
		put(3, "proofdoc", name, json, (size_t)n);
		uint64_t old = pairs[k][0] + 1, new = pairs[k][1];
		if (pdl_merkle_prove_consistency(&io, old, new, proof, &pn) != PDL_OK)
			return 1;
		proof_json(arr, sizeof arr, proof, pn);
		n = snprintf(json, sizeof json, "{\"old\":%llu,\"new\":%llu,\"proof\":%s}", (unsigned long long)old,
		             (unsigned long long)new, arr);
		snprintf(name, sizeof name, "seed-consistency-%llu-%llu", (unsigned long long)old, (unsigned long long)new);
		put(3, "proofdoc", name, json, (size_t)n);
	}

	/* queries: byte 0 picks the value buffer size; NAME '\0' QUERY or a bare QUERY */
	static const char *const queries[] = {
		"limit=10", "limit=1000&after=grant-42", "after=p%2D1&limit=5", "period=2026-03&format=csv",
		"index=5&size=11", "year=2026", "q=wuhan+transit&limit=20", "limit=&after", "limit=99999999999999999999",
		"period=2026%2D03", "format=json&format=csv", "a=1&b=2&c=3&limit=7", "%41%42=1&limit=%31%32",
	};
	for (size_t k = 0; k < sizeof queries / sizeof queries[0]; k++) {
		char q[256];
		q[0] = (char)(k * 7 + 16);
		size_t n = strlen(queries[k]);
		memcpy(q + 1, queries[k], n);
		snprintf(name, sizeof name, "seed-query-%02zu", k);
		put(4, "http", name, q, n + 1);
		/* the same with an explicit name */
		static const char nm[] = "limit";
		memcpy(q + 1, nm, sizeof nm);
		memcpy(q + 1 + sizeof nm, queries[k], n);
		snprintf(name, sizeof name, "seed-named-%02zu", k);
		put(4, "http", name, q, 1 + sizeof nm + n);
	}
	if (store_seeds(apk, ask, lpk, lsk) != 0) {
		fprintf(stderr, "gen_corpus: the store seeds could not be built\n");
		bad = 1;
	}
	printf("gen_corpus: act %u, entry %u, note %u, proofdoc %u, http %u, store %u seeds in %s\n", counts[0],
	       counts[1], counts[2], counts[3], counts[4], counts[5], outdir);
	return bad;
}
