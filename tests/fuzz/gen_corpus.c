/*
 * gen_corpus — writes the seed corpus of the fuzz targets, deterministically
 * (Ed25519 signatures are deterministic), into OUTDIR/<target>/:
 *
 *   act/       one act of every type in the rules tables, every body field
 *              filled with a valid value, as sig ‖ act, signed with the fuzz
 *              actor key (fuzz.h) so pdl_act_verify succeeds
 *   entry/     entries wrapping those acts, chained as pdld writes them
 *   note/      verifier key line ‖ checkpoint note over those entries,
 *              signed with the fuzz ledger key, at several sizes
 *   proofdoc/  inclusion and consistency proofs as `pdl proof` prints them
 *   http/      query strings of the public API's routes
 *
 * Run by `make fuzz-corpus` (usage: gen_corpus OUTDIR). Prints how many
 * seeds each target got; exits 1 if a generated act does not decode.
 */
#include <errno.h>
#include <sys/stat.h>

#include "fuzz.h"

#include "entry.h"
#include "merkle.h"
#include "note.h"
#include "rules.h"
#include "util.h"

#define ENTRIES_MAX 512u

static const char *outdir;
static unsigned counts[5];

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

int
main(int argc, char **argv)
{
	uint8_t apk[32], ask[64], lpk[32], lsk[64];
	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	fuzz_keypair(FUZZ_ACT_SEED_BYTE, apk, ask);
	fuzz_keypair(FUZZ_LEDGER_SEED_BYTE, lpk, lsk);
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
			pdl_act_sign((const uint8_t *)act.data, act.size, ask, sig);
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
			crypto_hash_sha256(chain, (const uint8_t *)eb.data, eb.size);
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
	pdl_note_vkey_format(FUZZ_ORIGIN, lpk, vkey, sizeof vkey);
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
	printf("gen_corpus: act %u, entry %u, note %u, proofdoc %u, http %u seeds in %s\n", counts[0], counts[1],
	       counts[2], counts[3], counts[4], outdir);
	return bad;
}
