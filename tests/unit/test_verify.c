/*
 * test_verify.c — offline verification (verify.h) of a small real ledger,
 * and of copies of it tampered with through direct LMDB writes.
 *
 * The ledger (built once per run in a mkdtemp() directory): genesis, 45
 * party.register acts, two key rotations by a party itself (the second
 * signed with the key the first installed), a suspend/reinstate pair and a
 * rotation by the authority — 51 entries — with a checkpoint signed by the
 * ledger key at sizes 1, 11, 21, 31, 41 and 51. Each tamper test copies
 * data.mdb to a fresh directory, changes it with mdb_* calls, and checks
 * that pdl_verify_store names the first bad seq with the right error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sodium.h>

#include "check.h"
#include "ckpt.h"
#include "mpjson.h"
#include "rules.h"
#include "sha256.h"
#include "store.h"
#include "verify.h"

#define ORIGIN "verify.test/pdl"
#define JURIS "310000"
#define N_REGISTER 45u
#define LEDGER_SIZE 51u
#define CKPT_EVERY 10u /* checkpoints at sizes 1, 11, 21, ... */
#define N_CKPTS 6u

/* A key as libsodium holds it (pk, sk) and as pdl does (k). */
struct key {
	uint8_t pk[32];
	uint8_t sk[64];
	char b64[48];
	struct pdl_seckey k;
};

struct vfx {
	char base[64];
	char orig[128];
	struct key auth, ledger, stranger;
	struct pdl_head head;
	unsigned copies;
};

static void
seed_key(struct key *k, unsigned first)
{
	uint8_t seed[32];
	for (size_t i = 0; i < sizeof seed; i++)
		seed[i] = (uint8_t)(first * 7 + i);
	assert_int_equal(crypto_sign_seed_keypair(k->pk, k->sk, seed), 0);
	assert_int_equal(pdl_seckey_open(&k->k, &pdl_suite_ed25519_sha256, seed), PDL_OK);
	pdl_b64(k->pk, 32, k->b64);
}

/* pdl's key of libsodium's secret key bytes (seed ‖ public key). */
static struct pdl_seckey
ed_sk(const uint8_t sk[64])
{
	struct pdl_seckey k;
	assert_int_equal(pdl_seckey_open(&k, &pdl_suite_ed25519_sha256, sk), PDL_OK);
	assert_memory_equal(k.pk.b, sk + 32, 32);
	return k;
}

static void
make_uscc(char out[19], const char *prefix8, unsigned n)
{
	char first[18];
	snprintf(first, sizeof first, "%.8s%09u", prefix8, n);
	memcpy(out, first, 17);
	assert_int_equal(pdl_uscc_check_char(first, &out[17]), PDL_OK);
	out[18] = 0;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* ---- building the ledger ---- */

struct builder {
	struct vfx *v;
	struct pdl_store s;
	struct pdl_engine e;
	uint64_t now;
	unsigned ckpts;
};

/* Signs and submits one act (body stolen) in its own transaction, with a
 * checkpoint in the same transaction when the new size is 1 mod CKPT_EVERY. */
static void
add(struct builder *b, const char *type, const char *actor, uint64_t nonce, json_t *body, const uint8_t sk[64])
{
	struct pdl_status st;
	msgpack_sbuffer sb;
	uint8_t sig[64];
	struct pdl_act a;
	MDB_txn *t;
	struct pdl_head h;
	struct pdl_receipt r;
	assert_non_null(body);
	json_t *j = json_pack("{s:s,s:s,s:I,s:o}", "type", type, "actor", actor, "nonce", (json_int_t)nonce, "body", body);
	assert_non_null(j);
	msgpack_sbuffer_init(&sb);
	assert_int_equal(pdl_json_act_to_mp(j, &sb, &st), PDL_OK);
	json_decref(j);
	struct pdl_seckey k = ed_sk(sk);
	pdl_act_sign(strcmp(type, "ledger.genesis") == 0 ? pdl_ledger_id_genesis : b->e.info.ledger_id,
	             (const uint8_t *)sb.data, sb.size, &k, sig);
	assert_int_equal(pdl_act_decode((const uint8_t *)sb.data, sb.size, sig, &a, &st), PDL_OK);
	assert_int_equal(pdl_store_wtxn(&b->s, &t), PDL_OK);
	assert_int_equal(pdl_store_head(t, &b->s, &h), PDL_OK);
	b->now += 1500;
	int rc = pdl_engine_submit(&b->e, t, &h, b->now, &a, NULL, &r, &st);
	if (rc != PDL_OK)
		fail_msg("building the ledger: %s refused: %s [%s] %s", type, pdl_strerror(rc), st.rule, st.msg);
	if (h.size % CKPT_EVERY == 1) {
		char note[PDL_NOTE_BYTES_MAX];
		size_t nn;
		assert_int_equal(pdl_ckpt_make(t, &b->s, &h, ORIGIN, &b->v->ledger.k, note, sizeof note, &nn), PDL_OK);
		b->ckpts++;
	}
	assert_int_equal(pdl_store_err(mdb_txn_commit(t)), PDL_OK);
	msgpack_sbuffer_destroy(&sb);
}

static void
build_ledger(struct vfx *v)
{
	struct builder b;
	char uscc[19];
	struct key k[N_REGISTER], x, y, z;
	memset(&b, 0, sizeof b);
	b.v = v;
	b.now = 1700000000000ull;
	assert_int_equal(mkdir(v->orig, 0700), 0);
	assert_int_equal(pdl_store_open(&b.s, v->orig, PDL_STORE_CREATE | PDL_STORE_NOSYNC), PDL_OK);
	pdl_engine_init(&b.e, &b.s);

	make_uscc(uscc, "11" JURIS, 0);
	add(&b, "ledger.genesis", "authority", 0,
	    json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:s},s:s,s:{s:i,s:i,s:i,s:i,s:i}}", "origin", ORIGIN, "jurisdiction",
	              JURIS, "authority", "id", "authority", "name", "Data Administration", "uscc", uscc, "public_key",
	              v->auth.b64, "ledger_key", v->ledger.b64, "policy", "accept_wd", 3, "notice_wd", 10,
	              "grant_months_max", 60, "trial_months_max", 6, "blob_bytes_max", 32768),
	    v->auth.sk);
	for (unsigned i = 0; i < N_REGISTER; i++) {
		char id[16], name[32];
		seed_key(&k[i], 100 + i);
		snprintf(id, sizeof id, "prov%02u", i);
		snprintf(name, sizeof name, "Party %02u Ltd", i);
		make_uscc(uscc, "91310000", 3000 + i);
		add(&b, "party.register", "authority", 1 + i,
		    json_pack("{s:s,s:s,s:s,s:[s],s:s}", "id", id, "name", name, "uscc", uscc, "roles",
		              (i % 3) ? "provider" : "developer", "public_key", k[i].b64),
		    v->auth.sk);
	}
	seed_key(&x, 200);
	seed_key(&y, 201);
	seed_key(&z, 202);
	/* prov01 rotates itself twice: the second act is only valid with the first's key */
	add(&b, "party.rotate_key", "prov01", 1, json_pack("{s:s,s:s}", "id", "prov01", "public_key", x.b64), k[1].sk);
	add(&b, "party.rotate_key", "prov01", 2, json_pack("{s:s,s:s}", "id", "prov01", "public_key", y.b64), x.sk);
	add(&b, "party.suspend", "authority", 100, json_pack("{s:s,s:s}", "id", "prov02", "reason", "audit"), v->auth.sk);
	add(&b, "party.reinstate", "authority", 101, json_pack("{s:s}", "id", "prov02"), v->auth.sk);
	add(&b, "party.rotate_key", "authority", 102, json_pack("{s:s,s:s}", "id", "prov03", "public_key", z.b64),
	    v->auth.sk);

	MDB_txn *t;
	assert_int_equal(pdl_store_rtxn(&b.s, &t), PDL_OK);
	assert_int_equal(pdl_store_head(t, &b.s, &v->head), PDL_OK);
	pdl_store_rdone(&b.s, t);
	assert_int_equal(v->head.size, LEDGER_SIZE);
	assert_int_equal(b.ckpts, N_CKPTS);
	pdl_engine_fini(&b.e);
	pdl_store_close(&b.s);
}

static int
setup(void **state)
{
	struct vfx *v = calloc(1, sizeof *v);
	if (v == NULL || sodium_init() < 0)
		return -1;
	snprintf(v->base, sizeof v->base, "/tmp/pdl-test-verify-XXXXXX");
	if (mkdtemp(v->base) == NULL)
		return -1;
	snprintf(v->orig, sizeof v->orig, "%s/orig", v->base);
	seed_key(&v->auth, 1);
	seed_key(&v->ledger, 2);
	seed_key(&v->stranger, 3);
	build_ledger(v);
	*state = v;
	return 0;
}

static int
teardown(void **state)
{
	struct vfx *v = *state;
	int rc = nftw(v->base, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(v);
	return rc;
}

/* ---- copies and raw LMDB access ---- */

/* Copies orig/data.mdb into a new directory; path receives its name. */
static void
copy_ledger(struct vfx *v, char path[160])
{
	char src[200], dst[200];
	snprintf(path, 160, "%s/copy%u", v->base, v->copies++);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(src, sizeof src, "%s/data.mdb", v->orig);
	snprintf(dst, sizeof dst, "%s/data.mdb", path);
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	assert_non_null(in);
	assert_non_null(out);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	assert_int_equal(fclose(in), 0);
	assert_int_equal(fclose(out), 0);
}

struct raw {
	MDB_env *env;
	MDB_txn *t;
	MDB_dbi log, ckpt;
};

static void
raw_open(struct raw *r, const char *dir)
{
	assert_int_equal(mdb_env_create(&r->env), 0);
	assert_int_equal(mdb_env_set_maxdbs(r->env, 8), 0);
	assert_int_equal(mdb_env_set_mapsize(r->env, (size_t)1 << 30), 0);
	assert_int_equal(mdb_env_open(r->env, dir, MDB_NOSYNC, 0600), 0);
	assert_int_equal(mdb_txn_begin(r->env, NULL, 0, &r->t), 0);
	assert_int_equal(mdb_dbi_open(r->t, "log", 0, &r->log), 0);
	assert_int_equal(mdb_dbi_open(r->t, "ckpt", 0, &r->ckpt), 0);
}

static void
raw_commit(struct raw *r)
{
	assert_int_equal(mdb_txn_commit(r->t), 0);
	mdb_env_close(r->env);
}

/* A malloc'd copy of the value at key seq (8-byte BE) of dbi. */
static uint8_t *
raw_get(struct raw *r, MDB_dbi dbi, uint64_t seq, size_t *n)
{
	uint8_t k[8];
	pdl_be64(k, seq);
	MDB_val key = {8, k}, val;
	assert_int_equal(mdb_get(r->t, dbi, &key, &val), 0);
	uint8_t *b = malloc(val.mv_size + 1);
	assert_non_null(b);
	memcpy(b, val.mv_data, val.mv_size);
	b[val.mv_size] = 0;
	*n = val.mv_size;
	return b;
}

static void
raw_put(struct raw *r, MDB_dbi dbi, uint64_t seq, const void *b, size_t n)
{
	uint8_t k[8];
	pdl_be64(k, seq);
	MDB_val key = {8, k}, val = {n, (void *)b};
	assert_int_equal(mdb_put(r->t, dbi, &key, &val, 0), 0);
}

static void
raw_del(struct raw *r, MDB_dbi dbi, uint64_t seq)
{
	uint8_t k[8];
	pdl_be64(k, seq);
	MDB_val key = {8, k};
	assert_int_equal(mdb_del(r->t, dbi, &key, NULL), 0);
}

static int
run_verify(const char *dir, unsigned threads, struct pdl_verify_result *r)
{
	struct pdl_store s;
	assert_int_equal(pdl_store_open(&s, dir, 0), PDL_OK);
	int rc = pdl_verify_store(&s, threads, 0, r);
	pdl_store_close(&s);
	return rc;
}

/* The copy fails verification at seq with err (err 0: any error). */
static void
expect_bad(const char *dir, uint64_t seq, int err, const char *what)
{
	struct pdl_verify_result r;
	int rc = run_verify(dir, 2, &r);
	if (rc == PDL_OK || r.ok || !r.has_bad_seq || r.bad_seq != seq || r.err != rc || (err != 0 && rc != err))
		fail_msg("%s: expected %s at seq %llu; got %s, ok=%d, bad_seq=%llu (%d): %s", what,
		         err ? pdl_strerror(err) : "an error", (unsigned long long)seq, pdl_strerror(rc), r.ok,
		         (unsigned long long)r.bad_seq, r.has_bad_seq, r.what);
	assert_true(r.what[0] != '\0');
}

/* ---- the clean ledger ---- */

static void
test_verify_clean(void **state)
{
	struct vfx *v = *state;
	struct pdl_verify_result r;
	struct pdl_store s;
	static const unsigned threads[] = {1, 2, 0};
	for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
		assert_int_equal(pdl_store_open(&s, v->orig, PDL_STORE_RDONLY), PDL_OK);
		int rc = pdl_verify_store(&s, threads[i], 0, &r);
		if (rc != PDL_OK)
			fail_msg("clean ledger: %s at %llu: %s", pdl_strerror(rc), (unsigned long long)r.bad_seq, r.what);
		assert_int_equal(r.ok, 1);
		assert_int_equal(r.size, LEDGER_SIZE);
		assert_int_equal(r.signatures, LEDGER_SIZE);
		assert_int_equal(r.checkpoints, N_CKPTS);
		assert_int_equal(r.ckpt_size, LEDGER_SIZE);
		assert_int_equal(r.has_bad_seq, 0);
		assert_memory_equal(r.chain, v->head.chain, 32);

		/* the root is the stored tree's, and the one the last checkpoint signed */
		MDB_txn *t;
		struct pdl_tree_ctx tc;
		struct pdl_merkle_io io;
		uint8_t root[32];
		uint64_t size;
		const char *note;
		size_t nn, bl;
		struct pdl_ckpt cp;
		assert_int_equal(pdl_store_rtxn(&s, &t), PDL_OK);
		tc.txn = t;
		tc.s = &s;
		pdl_store_tree_io(&tc, &io);
		assert_int_equal(pdl_merkle_root(&io, LEDGER_SIZE, root), PDL_OK);
		assert_memory_equal(r.root, root, 32);
		assert_int_equal(pdl_store_ckpt_latest(t, &s, &size, &note, &nn), PDL_OK);
		assert_int_equal(size, LEDGER_SIZE);
		assert_int_equal(pdl_note_verify(note, nn, ORIGIN, &v->ledger.k.pk, &bl), PDL_OK);
		assert_int_equal(pdl_ckpt_parse(note, nn, &cp), PDL_OK);
		assert_memory_equal(cp.root, root, 32);
		assert_false(cp.has_chain); /* no extension line (C2SP tlog-checkpoint) */
		pdl_store_rdone(&s, t);
		pdl_store_close(&s);
	}

	/* an untouched copy verifies the same way (the copy itself is sound) */
	char dir[160];
	copy_ledger(v, dir);
	assert_int_equal(run_verify(dir, 2, &r), PDL_OK);
	assert_int_equal(r.size, LEDGER_SIZE);
	assert_int_equal(r.checkpoints, N_CKPTS);
	/* and so does one whose entries were rewritten with identical bytes */
	copy_ledger(v, dir);
	struct raw w;
	raw_open(&w, dir);
	for (uint64_t seq = 0; seq < LEDGER_SIZE; seq++) {
		size_t n;
		uint8_t *b = raw_get(&w, w.log, seq, &n);
		raw_put(&w, w.log, seq, b, n);
		free(b);
	}
	raw_commit(&w);
	assert_int_equal(run_verify(dir, 2, &r), PDL_OK);
}

/* An empty log has no genesis. */
static void
test_verify_empty(void **state)
{
	struct vfx *v = *state;
	struct pdl_store s;
	struct pdl_verify_result r;
	char dir[160];
	snprintf(dir, sizeof dir, "%s/empty", v->base);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(pdl_store_open(&s, dir, PDL_STORE_CREATE | PDL_STORE_NOSYNC), PDL_OK);
	int rc = pdl_verify_store(&s, 1, 0, &r);
	pdl_store_close(&s);
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.err, PDL_EGENESIS);
	assert_int_equal(r.has_bad_seq, 1);
	assert_int_equal(r.bad_seq, 0);
	if (rc == PDL_OK) {
		/* KNOWN BUG (verify.c, the h.size == 0 branch): bad() is called
		 * but rc is left PDL_OK, so the function reports success. */
		print_message("KNOWN BUG: pdl_verify_store returns PDL_OK for an empty log (r.ok = 0, r.err = "
		              "PDL_EGENESIS)\n");
		fail();
	}
	assert_int_equal(rc, PDL_EGENESIS);
}

/* ---- tampered entries ---- */

/* Offsets of an entry's parts, from decoding it. */
struct parts {
	size_t prev, act, sig, outcome, len;
};

static void
entry_parts(const uint8_t *b, size_t n, struct parts *p)
{
	struct pdl_entry e;
	struct pdl_status st;
	struct mp_cur c = mp_cur_make(b, n);
	uint32_t an;
	uint64_t u;
	const uint8_t *prev;
	size_t pn;
	assert_int_equal(pdl_entry_decode(b, n, &e, &st), PDL_OK);
	assert_int_equal(mp_read_array(&c, &an), PDL_OK);
	assert_int_equal(mp_read_uint(&c, &u), PDL_OK);
	assert_int_equal(mp_read_uint(&c, &u), PDL_OK);
	assert_int_equal(mp_read_bin(&c, &prev, &pn), PDL_OK);
	assert_int_equal(pn, 32);
	p->prev = (size_t)(prev - b);
	p->act = (size_t)(e.act - b);
	p->sig = (size_t)(e.sig - b);
	p->outcome = (size_t)(e.outcome - b);
	p->len = n;
}

static void
test_tamper_flip(void **state)
{
	struct vfx *v = *state;
	static const uint64_t seqs[] = {0, 1, 10, 11, 25, 46, 47, 49, 50};
	for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
		uint64_t k = seqs[i];
		for (int where = 0; where < 6; where++) {
			char dir[160], what[128];
			struct raw w;
			size_t n;
			struct parts p;
			copy_ledger(v, dir);
			raw_open(&w, dir);
			uint8_t *b = raw_get(&w, w.log, k, &n);
			entry_parts(b, n, &p);
			int err = 0;
			size_t off;
			switch (where) {
			case 0: off = p.sig + 17; err = PDL_EMERKLE; break;      /* signature byte: still decodes */
			case 1: off = p.prev + 5; err = PDL_EMERKLE; break;      /* prev hash byte */
			case 2: off = p.act + (p.sig - p.act) / 2; break;         /* inside the act */
			case 3: off = 0; err = PDL_EDECODE; break;                /* the array header */
			case 4: off = n - 1; break;                               /* the last outcome byte */
			default: off = p.act - 1; err = PDL_EDECODE; break;       /* the act's length */
			}
			b[off] ^= 0x01;
			raw_put(&w, w.log, k, b, n);
			raw_commit(&w);
			free(b);
			snprintf(what, sizeof what, "flip byte %zu (case %d) of entry %llu", off, where, (unsigned long long)k);
			expect_bad(dir, k, err, what);
		}
	}
}

static void
test_tamper_delete(void **state)
{
	struct vfx *v = *state;
	static const uint64_t seqs[] = {0, 1, 10, 25, 49, 50};
	for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
		char dir[160], what[64];
		struct raw w;
		copy_ledger(v, dir);
		raw_open(&w, dir);
		raw_del(&w, w.log, seqs[i]);
		raw_commit(&w);
		snprintf(what, sizeof what, "delete entry %llu", (unsigned long long)seqs[i]);
		expect_bad(dir, seqs[i], PDL_ECHAIN, what);
	}
	/* deleting two: the first is named */
	char dir[160];
	struct raw w;
	copy_ledger(v, dir);
	raw_open(&w, dir);
	raw_del(&w, w.log, 30);
	raw_del(&w, w.log, 7);
	raw_commit(&w);
	expect_bad(dir, 7, PDL_ECHAIN, "delete entries 7 and 30");
	/* an extra entry past the head */
	copy_ledger(v, dir);
	raw_open(&w, dir);
	size_t n;
	uint8_t *b = raw_get(&w, w.log, 50, &n);
	raw_put(&w, w.log, 51, b, n);
	free(b);
	raw_commit(&w);
	expect_bad(dir, 51, PDL_ECHAIN, "entry beyond the head");
}

static void
test_tamper_swap(void **state)
{
	struct vfx *v = *state;
	static const uint64_t pairs[][2] = {{0, 1}, {3, 4}, {10, 40}, {46, 47}, {49, 50}, {0, 50}};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		char dir[160], what[64];
		struct raw w;
		size_t ni, nj;
		copy_ledger(v, dir);
		raw_open(&w, dir);
		uint8_t *bi = raw_get(&w, w.log, pairs[i][0], &ni);
		uint8_t *bj = raw_get(&w, w.log, pairs[i][1], &nj);
		raw_put(&w, w.log, pairs[i][0], bj, nj);
		raw_put(&w, w.log, pairs[i][1], bi, ni);
		raw_commit(&w);
		free(bi);
		free(bj);
		snprintf(what, sizeof what, "swap %llu and %llu", (unsigned long long)pairs[i][0],
		         (unsigned long long)pairs[i][1]);
		expect_bad(dir, pairs[i][0], PDL_ECHAIN, what);
	}
}

/* ---- an act signed for another ledger ---- */

/* Appends a party.suspend by the authority to the ledger in dir, signed
 * under lid. The engine is told the signature was checked already (a
 * verifier thread's claim), so a wrong ledger id gets into the log here as
 * it could only through a bug or a forged store; verify must catch it. */
static void
append_signed_for(struct vfx *v, const char *dir, const uint8_t lid[32], uint64_t nonce)
{
	struct pdl_store s;
	struct pdl_engine e;
	struct pdl_status st;
	msgpack_sbuffer sb;
	struct pdl_act a;
	struct pdl_head h;
	struct pdl_receipt r;
	MDB_txn *t;
	uint8_t sig[64];
	assert_int_equal(pdl_store_open(&s, dir, PDL_STORE_NOSYNC), PDL_OK);
	pdl_engine_init(&e, &s);
	json_t *j = json_pack("{s:s,s:s,s:I,s:{s:s,s:s}}", "type", "party.suspend", "actor", "authority", "nonce",
	                      (json_int_t)nonce, "body", "id", "prov04", "reason", "late");
	msgpack_sbuffer_init(&sb);
	assert_int_equal(pdl_json_act_to_mp(j, &sb, &st), PDL_OK);
	json_decref(j);
	pdl_act_sign(lid, (const uint8_t *)sb.data, sb.size, &v->auth.k, sig);
	assert_int_equal(pdl_act_decode((const uint8_t *)sb.data, sb.size, sig, &a, &st), PDL_OK);
	assert_int_equal(pdl_store_wtxn(&s, &t), PDL_OK);
	assert_int_equal(pdl_store_head(t, &s, &h), PDL_OK);
	assert_int_equal(pdl_engine_submit(&e, t, &h, 1800000000000ull, &a, &v->auth.k.pk, &r, &st), PDL_OK);
	assert_int_equal(pdl_store_err(mdb_txn_commit(t)), PDL_OK);
	msgpack_sbuffer_destroy(&sb);
	pdl_engine_fini(&e);
	pdl_store_close(&s);
}

static void
test_verify_other_ledger(void **state)
{
	struct vfx *v = *state;
	struct pdl_verify_result r;
	char dir[160];
	uint8_t lid[32], other[32];
	const uint8_t *e0;
	size_t n0;
	struct pdl_store s;
	MDB_txn *t;
	/* the ledger id: SHA-256 of entry 0 */
	assert_int_equal(pdl_store_open(&s, v->orig, PDL_STORE_RDONLY), PDL_OK);
	assert_int_equal(pdl_store_rtxn(&s, &t), PDL_OK);
	assert_int_equal(pdl_store_entry(t, &s, 0, &e0, &n0), PDL_OK);
	pdl_sha256(lid, e0, n0);
	pdl_store_rdone(&s, t);
	pdl_store_close(&s);
	memcpy(other, lid, 32);
	other[7] ^= 0x10;

	/* control: signed for this ledger, it verifies */
	copy_ledger(v, dir);
	append_signed_for(v, dir, lid, 500);
	assert_int_equal(run_verify(dir, 1, &r), PDL_OK);
	assert_int_equal(r.size, LEDGER_SIZE + 1);
	/* signed for another ledger (same key, same act): named at its seq */
	static const unsigned threads[] = {1, 2};
	for (size_t i = 0; i < 2; i++) {
		copy_ledger(v, dir);
		append_signed_for(v, dir, i ? pdl_ledger_id_genesis : other, 500);
		for (size_t k = 0; k < 2; k++) {
			assert_int_equal(run_verify(dir, threads[k], &r), PDL_EBADSIG);
			assert_true(r.has_bad_seq);
			assert_int_equal(r.bad_seq, LEDGER_SIZE);
		}
	}
}

/* ---- tampered checkpoints ---- */

static void
test_tamper_ckpt_sig(void **state)
{
	struct vfx *v = *state;
	static const uint64_t sizes[] = {1, 21, 51};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char dir[160], what[64];
		struct raw w;
		size_t n;
		copy_ledger(v, dir);
		raw_open(&w, dir);
		char *note = (char *)raw_get(&w, w.ckpt, sizes[i], &n);
		/* a character in the middle of the signature's base64, changed to another base64 char */
		char *sig = strstr(note, "\n\n");
		assert_non_null(sig);
		char *sp = strrchr(sig, ' ');
		assert_non_null(sp);
		sp += 20;
		*sp = *sp == 'A' ? 'B' : 'A';
		raw_put(&w, w.ckpt, sizes[i], note, n);
		raw_commit(&w);
		free(note);
		snprintf(what, sizeof what, "checkpoint %llu signature", (unsigned long long)sizes[i]);
		expect_bad(dir, sizes[i] - 1, PDL_EBADSIG, what);
	}
}

/* Stores a checkpoint under key size, signed with sk, from c. */
static void
put_ckpt(const char *dir, uint64_t size, const struct pdl_ckpt *c, const uint8_t sk[64])
{
	char body[PDL_NOTE_BYTES_MAX], note[PDL_NOTE_BYTES_MAX];
	size_t bn, nn;
	struct raw w;
	assert_int_equal(pdl_ckpt_format(c, body, sizeof body, &bn), PDL_OK);
	struct pdl_seckey k = ed_sk(sk);
	assert_int_equal(pdl_note_sign(body, bn, ORIGIN, &k, note, sizeof note, &nn), PDL_OK);
	raw_open(&w, dir);
	raw_put(&w, w.ckpt, size, note, nn);
	raw_commit(&w);
}

/* The checkpoint stored at size in the original ledger. */
static void
get_ckpt(struct vfx *v, uint64_t size, struct pdl_ckpt *c)
{
	char dir[160];
	struct raw w;
	size_t n;
	copy_ledger(v, dir);
	raw_open(&w, dir);
	char *note = (char *)raw_get(&w, w.ckpt, size, &n);
	mdb_txn_abort(w.t);
	mdb_env_close(w.env);
	assert_int_equal(pdl_ckpt_parse(note, n, c), PDL_OK);
	assert_int_equal(c->size, size);
	free(note);
}

static void
test_tamper_ckpt_content(void **state)
{
	struct vfx *v = *state;
	struct pdl_ckpt good, c;
	char dir[160];
	get_ckpt(v, 21, &good);

	/* re-signing the true checkpoint with the ledger key verifies (the method is sound) */
	copy_ledger(v, dir);
	put_ckpt(dir, 21, &good, v->ledger.sk);
	struct pdl_verify_result r;
	assert_int_equal(run_verify(dir, 2, &r), PDL_OK);
	assert_int_equal(r.checkpoints, N_CKPTS);

	/* a wrong root, signed with the ledger key */
	c = good;
	c.root[0] ^= 0x80;
	copy_ledger(v, dir);
	put_ckpt(dir, 21, &c, v->ledger.sk);
	expect_bad(dir, 20, PDL_EMERKLE, "checkpoint 21 with a wrong root");

	/* the root of another size */
	struct pdl_ckpt c11;
	get_ckpt(v, 11, &c11);
	c = good;
	memcpy(c.root, c11.root, 32);
	copy_ledger(v, dir);
	put_ckpt(dir, 21, &c, v->ledger.sk);
	expect_bad(dir, 20, PDL_EMERKLE, "checkpoint 21 with the root of size 11");

	/* pdl writes checkpoints without extension lines now */
	assert_false(good.has_chain);
	/* a checkpoint of the earlier form, with its "chain" extension line
	 * (ledgers written before the line was dropped): it verifies when the
	 * line names the chain hash of entry size-1 ... */
	{
		struct raw w;
		size_t en;
		copy_ledger(v, dir);
		raw_open(&w, dir);
		uint8_t *e20 = raw_get(&w, w.log, 20, &en);
		mdb_txn_abort(w.t);
		mdb_env_close(w.env);
		c = good;
		c.has_chain = 1;
		pdl_sha256(c.chain, e20, en);
		free(e20);
	}
	put_ckpt(dir, 21, &c, v->ledger.sk);
	assert_int_equal(run_verify(dir, 2, &r), PDL_OK);
	assert_int_equal(r.checkpoints, N_CKPTS);
	/* ... and not with a wrong chain hash */
	c.chain[31] ^= 0x01;
	copy_ledger(v, dir);
	put_ckpt(dir, 21, &c, v->ledger.sk);
	expect_bad(dir, 20, PDL_EMERKLE, "checkpoint 21 with a wrong chain hash");

	/* the true checkpoint signed by another key under the ledger's name */
	copy_ledger(v, dir);
	put_ckpt(dir, 21, &good, v->stranger.sk);
	expect_bad(dir, 20, PDL_EBADSIG, "checkpoint 21 signed by another key");
	/* ... or by the authority's key */
	copy_ledger(v, dir);
	put_ckpt(dir, 21, &good, v->auth.sk);
	expect_bad(dir, 20, PDL_EBADSIG, "checkpoint 21 signed by the authority key");

	/* a checkpoint stored under a size it does not state */
	copy_ledger(v, dir);
	put_ckpt(dir, 22, &good, v->ledger.sk);
	expect_bad(dir, 21, PDL_ENOTE, "checkpoint of size 21 stored under 22");

	/* a checkpoint beyond the log, validly signed */
	c = good;
	c.size = 60;
	copy_ledger(v, dir);
	put_ckpt(dir, 60, &c, v->ledger.sk);
	expect_bad(dir, LEDGER_SIZE - 1, PDL_EMERKLE, "checkpoint beyond the log");
}

/* ---- a re-chained forgery ---- */

/* Changes the act of entry k (so its signature no longer verifies), then
 * rebuilds every later prev link, the tree and the head, so that only the
 * signature (and any checkpoint covering k) can tell. */
static void
forge(struct vfx *v, char dir[160], uint64_t k, int keep_ckpts)
{
	struct pdl_store s;
	MDB_txn *t;
	struct pdl_head h;
	uint8_t *ent[LEDGER_SIZE];
	size_t len[LEDGER_SIZE];
	copy_ledger(v, dir);
	assert_int_equal(pdl_store_open(&s, dir, 0), PDL_OK);
	assert_int_equal(pdl_store_wtxn(&s, &t), PDL_OK);
	for (uint64_t i = 0; i < LEDGER_SIZE; i++) {
		const uint8_t *b;
		assert_int_equal(pdl_store_entry(t, &s, i, &b, &len[i]), PDL_OK);
		ent[i] = malloc(len[i]);
		assert_non_null(ent[i]);
		memcpy(ent[i], b, len[i]);
	}
	assert_int_equal(mdb_drop(t, s.log, 0), 0);
	assert_int_equal(mdb_drop(t, s.tree, 0), 0);
	if (!keep_ckpts)
		assert_int_equal(mdb_drop(t, s.ckpt, 0), 0);
	memset(&h, 0, sizeof h);
	for (uint64_t i = 0; i < LEDGER_SIZE; i++) {
		struct pdl_entry e;
		struct pdl_status st;
		msgpack_sbuffer sb;
		assert_int_equal(pdl_entry_decode(ent[i], len[i], &e, &st), PDL_OK);
		if (i == k) {
			/* "Party 05 Ltd" → "Qarty 05 Ltd": still a valid act, no longer the signed one */
			uint8_t *p = memmem(ent[i], len[i], "Party", 5);
			assert_non_null(p);
			*p = 'Q';
			struct pdl_act a;
			assert_int_equal(pdl_act_decode(e.act, e.act_len, e.sig, &a, &st), PDL_OK);
		}
		memcpy(e.prev, h.chain, 32);
		msgpack_sbuffer_init(&sb);
		pdl_entry_encode(&e, &sb);
		h.time_ms = e.time_ms;
		assert_int_equal(pdl_store_append(t, &s, &h, (const uint8_t *)sb.data, sb.size), PDL_OK);
		msgpack_sbuffer_destroy(&sb);
		free(ent[i]);
	}
	assert_int_equal(pdl_store_err(mdb_txn_commit(t)), PDL_OK);
	pdl_store_close(&s);
}

static void
test_forgery_rechained(void **state)
{
	struct vfx *v = *state;
	char dir[160];
	/* without checkpoints only the signature tells */
	forge(v, dir, 5, 0);
	expect_bad(dir, 5, PDL_EBADSIG, "re-chained forgery of entry 5, no checkpoints");
	forge(v, dir, LEDGER_SIZE - 10, 0); /* a register near the end */
	expect_bad(dir, LEDGER_SIZE - 10, PDL_EBADSIG, "re-chained forgery of entry 41, no checkpoints");

	struct pdl_verify_result r;
	int rc;

	/* With checkpoints kept, entry 5 is still the first bad seq: its
	 * signature fails, and checkpoints 11.. no longer match. */
	forge(v, dir, 5, 1);
	rc = run_verify(dir, 2, &r);
	assert_int_not_equal(rc, PDL_OK);
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.has_bad_seq, 1);
	if (rc == PDL_EMERKLE && r.bad_seq == 10) {
		/* KNOWN BUG (verify.c, checkpoint loop): checkpoints are checked
		 * before the pending batch of signatures, so a checkpoint mismatch
		 * at size 11 is reported instead of the bad signature at seq 5. */
		print_message("KNOWN BUG: re-chained forgery of entry 5 reported as %s at seq %llu (%s), not "
		              "PDL_EBADSIG at 5\n",
		              pdl_strerror(rc), (unsigned long long)r.bad_seq, r.what);
		fail();
	}
	assert_int_equal(rc, PDL_EBADSIG);
	assert_int_equal(r.bad_seq, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_clean),
		cmocka_unit_test(test_verify_empty),
		cmocka_unit_test(test_tamper_flip),
		cmocka_unit_test(test_tamper_delete),
		cmocka_unit_test(test_tamper_swap),
		cmocka_unit_test(test_verify_other_ledger),
		cmocka_unit_test(test_tamper_ckpt_sig),
		cmocka_unit_test(test_tamper_ckpt_content),
		cmocka_unit_test(test_forgery_rechained),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
