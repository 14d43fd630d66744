/*
 * test_engine.c — the rules engine (rules.h) on a real LMDB store: genesis,
 * the party family's rules, and the engine's own checks (actor, signature,
 * suspension, role, nonce, idempotency, ledger time).
 *
 * Each test gets a fresh store in a mkdtemp() directory. Acts are written as
 * JSON, encoded with pdl_json_act_to_mp, signed with keys from fixed seeds,
 * decoded with pdl_act_decode and submitted in their own write transaction,
 * committed on success and aborted on refusal. Every refusal is checked for
 * its exact error and rule id and for leaving the head unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "check.h"
#include "mpjson.h"
#include "rules.h"
#include "sha256.h"
#include "store.h"

#define ORIGIN "test.example/pdl"
#define JURIS "110000"

struct key {
	uint8_t pk[32];
	uint8_t sk[64];
	char b64[48];
};

struct fx {
	char dir[64];
	struct pdl_store s;
	struct pdl_engine e;
	struct key auth, ledger, p1, p2, reg, p1b, stranger;
	char uscc_auth[19], uscc_p1[19], uscc_p2[19], uscc_reg[19];
	uint64_t now;
};

/* A built act: its bytes and signature. */
struct act {
	msgpack_sbuffer sb;
	uint8_t sig[64];
};

/* The result of one submit. */
struct res {
	int rc;
	struct pdl_status st;
	struct pdl_receipt r; /* outcome points into out */
	uint8_t out[PDL_OUT_BYTES_MAX];
	struct pdl_head before, after;
};

static void
seed_key(struct key *k, uint8_t first)
{
	uint8_t seed[32];
	for (size_t i = 0; i < sizeof seed; i++)
		seed[i] = (uint8_t)(first * 31 + i);
	assert_int_equal(crypto_sign_seed_keypair(k->pk, k->sk, seed), 0);
	pdl_b64(k->pk, 32, k->b64);
}

static void
make_uscc(char out[19], const char *prefix8, unsigned n)
{
	char first[18];
	snprintf(first, sizeof first, "%.8s%09u", prefix8, n);
	assert_int_equal(strlen(first), 17);
	memcpy(out, first, 17);
	assert_int_equal(pdl_uscc_check_char(first, &out[17]), PDL_OK);
	out[18] = 0;
	assert_int_equal(pdl_uscc_valid(out, 18), PDL_OK);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* ---- acts ---- */

/* The ledger id acts are signed under (entry.h): the engine's, copied after
 * every accepted act; a genesis is signed under zeros. */
static uint8_t sign_lid[PDL_HASH_BYTES];

/* pdl_act_sign with a key held as libsodium's bytes (seed ‖ public key),
 * opened as a key of the ed25519-sha256 suite. */
static void
t_act_sign(const uint8_t lid[PDL_HASH_BYTES], const uint8_t *b, size_t n, const uint8_t sk[64], uint8_t sig[64])
{
	struct pdl_seckey k;
	assert_int_equal(pdl_seckey_open(&k, &pdl_suite_ed25519_sha256, sk), PDL_OK);
	assert_memory_equal(k.pk.b, sk + 32, 32);
	pdl_act_sign(lid, b, n, &k, sig);
	pdl_seckey_wipe(&k);
}

/* Builds {type, actor, nonce, body} (body is stolen) and signs it with sk. */
static void
act_build(struct act *a, const char *type, const char *actor, uint64_t nonce, json_t *body, const uint8_t sk[64])
{
	struct pdl_status st;
	assert_non_null(body);
	json_t *j = json_pack("{s:s,s:s,s:I,s:o}", "type", type, "actor", actor, "nonce", (json_int_t)nonce, "body", body);
	assert_non_null(j);
	msgpack_sbuffer_init(&a->sb);
	assert_int_equal(pdl_json_act_to_mp(j, &a->sb, &st), PDL_OK);
	json_decref(j);
	t_act_sign(strcmp(type, "ledger.genesis") == 0 ? pdl_ledger_id_genesis : sign_lid, (const uint8_t *)a->sb.data,
	           a->sb.size, sk, a->sig);
}

static void
act_free(struct act *a)
{
	msgpack_sbuffer_destroy(&a->sb);
}

static void
read_head(struct fx *f, struct pdl_head *h)
{
	MDB_txn *t;
	assert_int_equal(pdl_store_rtxn(&f->s, &t), PDL_OK);
	assert_int_equal(pdl_store_head(t, &f->s, h), PDL_OK);
	pdl_store_rdone(&f->s, t);
}

/* Decodes and submits a in its own write transaction at ledger clock now. */
static int
submit_at(struct fx *f, const struct act *a, const uint8_t *verified_pk, uint64_t now, struct res *res)
{
	struct pdl_act d;
	MDB_txn *t;
	struct pdl_head h;
	memset(res, 0, sizeof *res);
	assert_int_equal(pdl_act_decode((const uint8_t *)a->sb.data, a->sb.size, a->sig, &d, &res->st), PDL_OK);
	read_head(f, &res->before);
	assert_int_equal(pdl_store_wtxn(&f->s, &t), PDL_OK);
	assert_int_equal(pdl_store_head(t, &f->s, &h), PDL_OK);
	struct pdl_pubkey vpk;
	if (verified_pk != NULL)
		assert_int_equal(pdl_pubkey_set(&vpk, &pdl_suite_ed25519_sha256, verified_pk, 32), PDL_OK);
	res->rc = pdl_engine_submit(&f->e, t, &h, now, &d, verified_pk ? &vpk : NULL, &res->r, &res->st);
	if (res->rc == PDL_OK) {
		assert_true(res->r.outcome_len <= sizeof res->out);
		memcpy(res->out, res->r.outcome, res->r.outcome_len);
		res->r.outcome = res->out;
		assert_int_equal(pdl_store_err(mdb_txn_commit(t)), PDL_OK);
		if (f->e.have_info)
			memcpy(sign_lid, f->e.info.ledger_id, sizeof sign_lid);
	} else {
		mdb_txn_abort(t);
	}
	read_head(f, &res->after);
	return res->rc;
}

static int
submit(struct fx *f, const struct act *a, const uint8_t *verified_pk, struct res *res)
{
	f->now += 1000;
	return submit_at(f, a, verified_pk, f->now, res);
}

/* Accepted and appended (not a duplicate): returns the seq. */
static uint64_t
accept_act(struct fx *f, struct act *a, const uint8_t *verified_pk)
{
	struct res res;
	int rc = submit(f, a, verified_pk, &res);
	if (rc != PDL_OK)
		fail_msg("expected PDL_OK, got %s [%s] %s", pdl_strerror(rc), res.st.rule, res.st.msg);
	assert_int_equal(res.r.dup, 0);
	assert_int_equal(res.r.seq, res.before.size);
	assert_int_equal(res.after.size, res.before.size + 1);
	assert_memory_equal(res.after.chain, res.r.hash, 32);
	assert_int_equal(res.after.time_ms, res.r.time_ms);
	act_free(a);
	return res.r.seq;
}

/* Refused with err and rule ("" when no rule); the head is unchanged. */
static void
refuse(struct fx *f, struct act *a, const uint8_t *verified_pk, int err, const char *rule)
{
	struct res res;
	int rc = submit(f, a, verified_pk, &res);
	if (rc != err || strcmp(res.st.rule, rule) != 0)
		fail_msg("expected %s [%s], got %s [%s] %s", pdl_strerror(err), rule, pdl_strerror(rc), res.st.rule,
		         res.st.msg);
	assert_int_equal(res.st.err, err);
	assert_true(res.st.msg[0] != '\0');
	assert_int_equal(res.after.size, res.before.size);
	assert_memory_equal(res.after.chain, res.before.chain, 32);
	assert_int_equal(res.after.time_ms, res.before.time_ms);
	act_free(a);
}

/* ---- act bodies ---- */

static json_t *
genesis_body(const char *origin, const char *juris, const char *aid, const char *uscc, const char *apk,
             const char *lpk, json_int_t accept_wd)
{
	return json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:s},s:s,s:{s:I,s:I,s:I,s:I,s:I}}", "origin", origin,
	                 "jurisdiction", juris, "authority", "id", aid, "name", "Municipal Data Administration",
	                 "uscc", uscc, "public_key", apk, "ledger_key", lpk, "policy", "accept_wd", accept_wd,
	                 "notice_wd", (json_int_t)10, "grant_months_max", (json_int_t)60, "trial_months_max",
	                 (json_int_t)6, "blob_bytes_max", (json_int_t)32768);
}

static void
genesis(struct fx *f, struct act *a, uint64_t nonce)
{
	act_build(a, "ledger.genesis", "authority", nonce,
	          genesis_body(ORIGIN, JURIS, "authority", f->uscc_auth, f->auth.b64, f->ledger.b64, 3), f->auth.sk);
}

/* roles: a JSON array text such as "[\"provider\"]" */
static json_t *
register_body(const char *id, const char *uscc, const char *roles, const char *pk)
{
	json_error_t je;
	json_t *r = json_loads(roles, 0, &je);
	assert_non_null(r);
	return json_pack("{s:s,s:s,s:s,s:o,s:s}", "id", id, "name", "Some Party Ltd", "uscc", uscc, "roles", r,
	                 "public_key", pk);
}

static void
reg_act(struct fx *f, struct act *a, uint64_t nonce, const char *id, const char *uscc, const char *roles,
        const char *pk)
{
	act_build(a, "party.register", "authority", nonce, register_body(id, uscc, roles, pk), f->auth.sk);
}

static void
rotate_act(struct act *a, const char *actor, uint64_t nonce, const char *id, const char *new_pk,
           const uint8_t sk[64])
{
	act_build(a, "party.rotate_key", actor, nonce, json_pack("{s:s,s:s}", "id", id, "public_key", new_pk), sk);
}

static void
suspend_act(struct act *a, const char *actor, uint64_t nonce, const char *id, const uint8_t sk[64])
{
	act_build(a, "party.suspend", actor, nonce, json_pack("{s:s,s:s}", "id", id, "reason", "audit finding"), sk);
}

static void
reinstate_act(struct act *a, const char *actor, uint64_t nonce, const char *id, const uint8_t sk[64])
{
	act_build(a, "party.reinstate", actor, nonce, json_pack("{s:s}", "id", id), sk);
}

static void
get_party(struct fx *f, const char *id, struct pdl_party *p, int want)
{
	MDB_txn *t;
	assert_int_equal(pdl_store_rtxn(&f->s, &t), PDL_OK);
	assert_int_equal(pdl_party_get(t, &f->s, id, strlen(id), p), want);
	pdl_store_rdone(&f->s, t);
}

/* ---- fixtures ---- */

static int
setup_empty(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (f == NULL || sodium_init() < 0)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/pdl-test-engine-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	if (pdl_store_open(&f->s, f->dir, PDL_STORE_CREATE | PDL_STORE_NOSYNC) != PDL_OK)
		return -1;
	pdl_engine_init(&f->e, &f->s);
	memset(sign_lid, 0, sizeof sign_lid);
	seed_key(&f->auth, 1);
	seed_key(&f->ledger, 2);
	seed_key(&f->p1, 3);
	seed_key(&f->p2, 4);
	seed_key(&f->reg, 5);
	seed_key(&f->p1b, 6);
	seed_key(&f->stranger, 7);
	make_uscc(f->uscc_auth, "11" JURIS, 0);
	make_uscc(f->uscc_p1, "91110000", 1001);
	make_uscc(f->uscc_p2, "91110000", 1002);
	make_uscc(f->uscc_reg, "91110000", 1003);
	f->now = 1700000000000ull;
	*state = f;
	return 0;
}

/* Genesis (seq 0), prov1 provider (1), prov2 provider+developer (2), reg1 registrar (3). */
static int
setup_ledger(void **state)
{
	if (setup_empty(state) != 0)
		return -1;
	struct fx *f = *state;
	struct act a;
	genesis(f, &a, 0);
	assert_int_equal(accept_act(f, &a, NULL), 0);
	reg_act(f, &a, 1, "prov1", f->uscc_p1, "[\"provider\"]", f->p1.b64);
	assert_int_equal(accept_act(f, &a, NULL), 1);
	reg_act(f, &a, 2, "prov2", f->uscc_p2, "[\"provider\",\"developer\"]", f->p2.b64);
	assert_int_equal(accept_act(f, &a, NULL), 2);
	reg_act(f, &a, 3, "reg1", f->uscc_reg, "[\"registrar\"]", f->reg.b64);
	assert_int_equal(accept_act(f, &a, NULL), 3);
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	pdl_engine_fini(&f->e);
	pdl_store_close(&f->s);
	int rc = nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc;
}

/* ---- genesis ---- */

static void
test_genesis_accepted(void **state)
{
	struct fx *f = *state;
	struct act a;
	struct res res;
	genesis(f, &a, 0);
	assert_int_equal(submit_at(f, &a, NULL, 1234, &res), PDL_OK);
	assert_int_equal(res.before.size, 0);
	assert_int_equal(res.after.size, 1);
	assert_int_equal(res.r.seq, 0);
	assert_int_equal(res.r.dup, 0);
	assert_int_equal(res.r.time_ms, 1234);
	assert_int_equal(res.r.outcome_len, 1);
	assert_int_equal(res.r.outcome[0], 0x80); /* empty map */
	assert_memory_equal(res.after.chain, res.r.hash, 32);

	/* the stored entry: seq 0, zero prev, the act and signature as submitted */
	MDB_txn *t;
	const uint8_t *b;
	size_t n;
	struct pdl_entry en;
	struct pdl_status st;
	uint8_t h[32], zero[32] = {0};
	assert_int_equal(pdl_store_rtxn(&f->s, &t), PDL_OK);
	assert_int_equal(pdl_store_entry(t, &f->s, 0, &b, &n), PDL_OK);
	assert_int_equal(pdl_entry_decode(b, n, &en, &st), PDL_OK);
	assert_int_equal(en.seq, 0);
	assert_int_equal(en.time_ms, 1234);
	assert_memory_equal(en.prev, zero, 32);
	assert_int_equal(en.act_len, a.sb.size);
	assert_memory_equal(en.act, a.sb.data, a.sb.size);
	assert_memory_equal(en.sig, a.sig, 64);
	crypto_hash_sha256(h, b, n);
	assert_memory_equal(h, res.r.hash, 32);
	pdl_store_rdone(&f->s, t);

	/* the ledger info it fixed, and the authority party */
	assert_true(f->e.have_info);
	assert_string_equal(f->e.info.origin, ORIGIN);
	assert_string_equal(f->e.info.jurisdiction, JURIS);
	assert_string_equal(f->e.info.authority_id, "authority");
	assert_memory_equal(f->e.info.ledger_pk.b, f->ledger.pk, 32);
	assert_int_equal(f->e.info.policy.accept_wd, 3);
	assert_int_equal(f->e.info.policy.blob_bytes_max, 32768);
	struct pdl_party p;
	get_party(f, "authority", &p, PDL_OK);
	assert_int_equal(p.roles, PDL_ROLE_AUTHORITY);
	assert_int_equal(p.suspended, 0);
	assert_memory_equal(p.pk.b, f->auth.pk, 32);

	/* a fresh engine loads the same info from the log */
	struct pdl_engine e2;
	pdl_engine_init(&e2, &f->s);
	assert_int_equal(pdl_store_rtxn(&f->s, &t), PDL_OK);
	assert_int_equal(pdl_engine_load(&e2, t), PDL_OK);
	pdl_store_rdone(&f->s, t);
	assert_string_equal(e2.info.origin, ORIGIN);
	assert_memory_equal(e2.info.ledger_pk.b, f->ledger.pk, 32);
	pdl_engine_fini(&e2);
	act_free(&a);
}

static void
test_genesis_refusals(void **state)
{
	struct fx *f = *state;
	struct act a;
	char bad_uscc[19];
	memcpy(bad_uscc, f->uscc_auth, sizeof bad_uscc);
	bad_uscc[17] = bad_uscc[17] == '0' ? '1' : '0';

	act_build(&a, "ledger.genesis", "authority", 0,
	          genesis_body("has space", JURIS, "authority", f->uscc_auth, f->auth.b64, f->ledger.b64, 3), f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "ledger.origin_invalid");
	act_build(&a, "ledger.genesis", "authority", 0,
	          genesis_body("a+b", JURIS, "authority", f->uscc_auth, f->auth.b64, f->ledger.b64, 3), f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "ledger.origin_invalid");
	act_build(&a, "ledger.genesis", "authority", 0,
	          genesis_body(ORIGIN, "11000", "authority", f->uscc_auth, f->auth.b64, f->ledger.b64, 3), f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "ledger.jurisdiction_invalid");
	act_build(&a, "ledger.genesis", "authority", 0,
	          genesis_body(ORIGIN, "11000x", "authority", f->uscc_auth, f->auth.b64, f->ledger.b64, 3), f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "ledger.jurisdiction_invalid");
	act_build(&a, "ledger.genesis", "authority", 0,
	          genesis_body(ORIGIN, JURIS, "authority", bad_uscc, f->auth.b64, f->ledger.b64, 3), f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.uscc_invalid");
	act_build(&a, "ledger.genesis", "authority", 0,
	          genesis_body(ORIGIN, JURIS, "authority", f->uscc_auth, f->auth.b64, f->ledger.b64, 0), f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "ledger.policy_invalid");
	/* submitted by someone other than the authority it names */
	act_build(&a, "ledger.genesis", "someone", 0,
	          genesis_body(ORIGIN, JURIS, "authority", f->uscc_auth, f->auth.b64, f->ledger.b64, 3), f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "ledger.genesis_actor");
	/* not signed by the authority key it names */
	act_build(&a, "ledger.genesis", "authority", 0,
	          genesis_body(ORIGIN, JURIS, "authority", f->uscc_auth, f->auth.b64, f->ledger.b64, 3),
	          f->stranger.sk);
	refuse(f, &a, NULL, PDL_EBADSIG, "");

	/* none of that left a trace: the authority's nonce 0 is still free */
	struct pdl_party p;
	get_party(f, "authority", &p, PDL_ENOTFOUND);
	genesis(f, &a, 0);
	assert_int_equal(accept_act(f, &a, NULL), 0);
}

static void
test_first_act_must_be_genesis(void **state)
{
	struct fx *f = *state;
	struct act a;
	reg_act(f, &a, 1, "prov1", f->uscc_p1, "[\"provider\"]", f->p1.b64);
	refuse(f, &a, NULL, PDL_EGENESIS, "");
	/* the genesis check comes before the actor check */
	suspend_act(&a, "nobody", 1, "prov1", f->stranger.sk);
	refuse(f, &a, NULL, PDL_EGENESIS, "");
	/* and before the signature check */
	reg_act(f, &a, 2, "prov1", f->uscc_p1, "[\"provider\"]", f->p1.b64);
	memset(a.sig, 0, 64);
	refuse(f, &a, NULL, PDL_EGENESIS, "");
	struct pdl_head h;
	read_head(f, &h);
	assert_int_equal(h.size, 0);
}

static void
test_second_genesis(void **state)
{
	struct fx *f = *state;
	struct act a;
	struct res res;
	genesis(f, &a, 100); /* nonces 1-3 are the registrations of setup_ledger */
	refuse(f, &a, NULL, PDL_EGENESIS, "");
	/* a different ledger's genesis too */
	act_build(&a, "ledger.genesis", "authority", 5,
	          genesis_body("other.example", JURIS, "authority", f->uscc_auth, f->auth.b64, f->stranger.b64, 3),
	          f->auth.sk);
	refuse(f, &a, NULL, PDL_EGENESIS, "");
	/* the original genesis again is a duplicate, not a second genesis */
	genesis(f, &a, 0);
	assert_int_equal(submit(f, &a, NULL, &res), PDL_OK);
	assert_int_equal(res.r.dup, 1);
	assert_int_equal(res.r.seq, 0);
	assert_int_equal(res.after.size, res.before.size);
	act_free(&a);
}

/* ---- party.register ---- */

static void
test_register_ok(void **state)
{
	struct fx *f = *state;
	struct act a;
	struct res res;
	char uscc[19];
	struct key k;
	seed_key(&k, 40);
	make_uscc(uscc, "91310000", 77);
	/* a fresh engine (as after a restart) loads the ledger info from the log */
	pdl_engine_fini(&f->e);
	pdl_engine_init(&f->e, &f->s);
	assert_false(f->e.have_info);
	reg_act(f, &a, 10, "ops.team-1", uscc, "[\"operator\",\"auditor\",\"developer\"]", k.b64);
	assert_int_equal(submit(f, &a, NULL, &res), PDL_OK);
	assert_int_equal(res.r.seq, 4);
	assert_int_equal(res.r.dup, 0);
	assert_true(res.r.outcome_len >= 1);
	assert_true((res.r.outcome[0] & 0xf0) == 0x80 || res.r.outcome[0] == 0xde);
	assert_true(f->e.have_info);
	act_free(&a);

	struct pdl_party p;
	get_party(f, "ops.team-1", &p, PDL_OK);
	assert_int_equal(p.roles, PDL_ROLE_OPERATOR | PDL_ROLE_AUDITOR | PDL_ROLE_DEVELOPER);
	assert_int_equal(p.suspended, 0);
	assert_memory_equal(p.pk.b, k.pk, 32);
	get_party(f, "prov2", &p, PDL_OK);
	assert_int_equal(p.roles, PDL_ROLE_PROVIDER | PDL_ROLE_DEVELOPER);
	get_party(f, "ghost", &p, PDL_ENOTFOUND);

	/* the new party can act at once */
	rotate_act(&a, "ops.team-1", 1, "ops.team-1", f->stranger.b64, k.sk);
	assert_int_equal(accept_act(f, &a, NULL), 5);
}

static void
test_register_rules(void **state)
{
	struct fx *f = *state;
	struct act a;
	char uscc[19], uscc2[19], bad[19];
	make_uscc(uscc, "91310000", 500);
	make_uscc(uscc2, "91310000", 501);
	memcpy(bad, uscc, sizeof bad);
	bad[17] = bad[17] == 'A' ? 'B' : 'A';

	/* party.id_taken, also for the authority's id; it is checked before the uscc */
	reg_act(f, &a, 20, "prov1", uscc, "[\"provider\"]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.id_taken");
	reg_act(f, &a, 21, "authority", uscc, "[\"provider\"]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.id_taken");
	reg_act(f, &a, 22, "prov1", "nonsense", "[\"provider\"]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.id_taken");

	/* party.uscc_invalid: check character, length, lower case, division code */
	reg_act(f, &a, 23, "new1", bad, "[\"provider\"]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.uscc_invalid");
	char shortu[18];
	memcpy(shortu, uscc, 17);
	shortu[17] = 0;
	reg_act(f, &a, 24, "new1", shortu, "[\"provider\"]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.uscc_invalid");
	reg_act(f, &a, 25, "new1", "91110000ma0000000x", "[\"provider\"]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.uscc_invalid");
	reg_act(f, &a, 26, "new1", "9111A000000000001X", "[\"provider\"]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.uscc_invalid");

	/* party.uscc_taken: another party's, and the authority's */
	reg_act(f, &a, 27, "new1", f->uscc_p1, "[\"provider\"]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.uscc_taken");
	reg_act(f, &a, 28, "new1", f->uscc_auth, "[\"provider\"]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.uscc_taken");

	/* party.roles_empty, party.roles_duplicate */
	reg_act(f, &a, 29, "new1", uscc, "[]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.roles_empty");
	reg_act(f, &a, 30, "new1", uscc, "[\"provider\",\"provider\"]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.roles_duplicate");
	reg_act(f, &a, 31, "new1", uscc, "[\"auditor\",\"provider\",\"auditor\"]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.roles_duplicate");

	/* after all that, new1 and both codes are still free; nonce 20 too */
	reg_act(f, &a, 20, "new1", uscc, "[\"provider\"]", f->stranger.b64);
	accept_act(f, &a, NULL);
	reg_act(f, &a, 21, "new2", uscc2, "[\"auditor\"]", f->stranger.b64);
	accept_act(f, &a, NULL);
	/* and now taken */
	reg_act(f, &a, 32, "new3", uscc, "[\"provider\"]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.uscc_taken");
	reg_act(f, &a, 33, "new1", uscc2, "[\"provider\"]", f->stranger.b64);
	refuse(f, &a, NULL, PDL_ERULE, "party.id_taken");
}

/* ---- rotate / suspend / reinstate ---- */

static void
test_party_unknown(void **state)
{
	struct fx *f = *state;
	struct act a;
	rotate_act(&a, "authority", 40, "ghost", f->stranger.b64, f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.unknown");
	suspend_act(&a, "authority", 41, "ghost", f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.unknown");
	reinstate_act(&a, "authority", 42, "ghost", f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.unknown");
	/* a non-authority rotating an unknown id: unknown is checked first */
	rotate_act(&a, "prov1", 43, "ghost", f->stranger.b64, f->p1.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.unknown");
}

static void
test_rotate_rules(void **state)
{
	struct fx *f = *state;
	struct act a;
	struct pdl_party p;
	/* party.rotate_not_permitted: a provider, a registrar on someone else */
	rotate_act(&a, "prov1", 50, "prov2", f->stranger.b64, f->p1.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.rotate_not_permitted");
	rotate_act(&a, "reg1", 51, "prov1", f->stranger.b64, f->reg.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.rotate_not_permitted");
	rotate_act(&a, "prov2", 52, "authority", f->stranger.b64, f->p2.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.rotate_not_permitted");
	/* party.key_unchanged: by the party itself and by the authority */
	rotate_act(&a, "prov1", 53, "prov1", f->p1.b64, f->p1.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.key_unchanged");
	rotate_act(&a, "authority", 54, "prov1", f->p1.b64, f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.key_unchanged");
	rotate_act(&a, "authority", 55, "authority", f->auth.b64, f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.key_unchanged");
	get_party(f, "prov2", &p, PDL_OK);
	assert_memory_equal(p.pk.b, f->p2.pk, 32);
	/* the authority may rotate anyone's key */
	rotate_act(&a, "authority", 56, "prov2", f->stranger.b64, f->auth.sk);
	accept_act(f, &a, NULL);
	get_party(f, "prov2", &p, PDL_OK);
	assert_memory_equal(p.pk.b, f->stranger.pk, 32);
	assert_int_equal(p.roles, PDL_ROLE_PROVIDER | PDL_ROLE_DEVELOPER);
}

static void
test_suspend_rules(void **state)
{
	struct fx *f = *state;
	struct act a;
	struct pdl_party p;
	suspend_act(&a, "authority", 60, "authority", f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.suspend_self");
	reinstate_act(&a, "authority", 61, "prov1", f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.not_suspended");
	reinstate_act(&a, "authority", 62, "authority", f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.not_suspended");

	suspend_act(&a, "authority", 63, "prov1", f->auth.sk);
	accept_act(f, &a, NULL);
	get_party(f, "prov1", &p, PDL_OK);
	assert_int_equal(p.suspended, 1);
	assert_int_equal(p.roles, PDL_ROLE_PROVIDER);
	assert_memory_equal(p.pk.b, f->p1.pk, 32);
	suspend_act(&a, "authority", 64, "prov1", f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.already_suspended");

	reinstate_act(&a, "authority", 65, "prov1", f->auth.sk);
	accept_act(f, &a, NULL);
	get_party(f, "prov1", &p, PDL_OK);
	assert_int_equal(p.suspended, 0);
	reinstate_act(&a, "authority", 66, "prov1", f->auth.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.not_suspended");
	/* suspend again after reinstatement works */
	suspend_act(&a, "authority", 67, "prov1", f->auth.sk);
	accept_act(f, &a, NULL);
}

/* ---- the engine's own checks ---- */

static void
test_engine_actor_role(void **state)
{
	struct fx *f = *state;
	struct act a;
	/* PDL_EACTOR: never registered, whatever the key */
	rotate_act(&a, "nobody", 1, "nobody", f->p1.b64, f->stranger.sk);
	refuse(f, &a, NULL, PDL_EACTOR, "");
	suspend_act(&a, "Authority", 1, "prov1", f->auth.sk); /* ids are case-sensitive */
	refuse(f, &a, NULL, PDL_EACTOR, "");
	/* PDL_EROLE: a provider or a registrar registering or suspending */
	char uscc[19];
	make_uscc(uscc, "91310000", 900);
	act_build(&a, "party.register", "prov1", 70, register_body("x1", uscc, "[\"provider\"]", f->stranger.b64),
	          f->p1.sk);
	refuse(f, &a, NULL, PDL_EROLE, "");
	act_build(&a, "party.register", "reg1", 71, register_body("x1", uscc, "[\"provider\"]", f->stranger.b64),
	          f->reg.sk);
	refuse(f, &a, NULL, PDL_EROLE, "");
	suspend_act(&a, "prov2", 72, "prov1", f->p2.sk);
	refuse(f, &a, NULL, PDL_EROLE, "");
	reinstate_act(&a, "prov2", 73, "prov1", f->p2.sk);
	refuse(f, &a, NULL, PDL_EROLE, "");
	/* the role check comes before the rules: prov1 suspending itself is EROLE, not suspend_self */
	suspend_act(&a, "prov1", 74, "prov1", f->p1.sk);
	refuse(f, &a, NULL, PDL_EROLE, "");
}

static void
test_engine_suspended(void **state)
{
	struct fx *f = *state;
	struct act a;
	suspend_act(&a, "authority", 80, "prov1", f->auth.sk);
	accept_act(f, &a, NULL);
	rotate_act(&a, "prov1", 1, "prov1", f->p1b.b64, f->p1.sk);
	refuse(f, &a, NULL, PDL_ESUSPENDED, "");
	rotate_act(&a, "prov1", 1, "prov1", f->p1b.b64, f->p1.sk);
	refuse(f, &a, f->p1.pk, PDL_ESUSPENDED, "");
	/* the signature is checked before the suspension */
	rotate_act(&a, "prov1", 2, "prov1", f->p1b.b64, f->p2.sk);
	refuse(f, &a, NULL, PDL_EBADSIG, "");
	/* other parties are unaffected */
	rotate_act(&a, "prov2", 1, "prov2", f->stranger.b64, f->p2.sk);
	accept_act(f, &a, NULL);
	reinstate_act(&a, "authority", 81, "prov1", f->auth.sk);
	accept_act(f, &a, NULL);
	/* the refused act (nonce 1) left no trace: it is accepted now */
	rotate_act(&a, "prov1", 1, "prov1", f->p1b.b64, f->p1.sk);
	accept_act(f, &a, NULL);
}

static void
test_engine_badsig(void **state)
{
	struct fx *f = *state;
	struct act a;
	struct pdl_party p;
	/* signed by another party's key */
	rotate_act(&a, "prov1", 1, "prov1", f->p1b.b64, f->p2.sk);
	refuse(f, &a, NULL, PDL_EBADSIG, "");
	/* a signature of different bytes */
	rotate_act(&a, "prov1", 1, "prov1", f->p1b.b64, f->p1.sk);
	a.sig[10] ^= 0x40;
	refuse(f, &a, NULL, PDL_EBADSIG, "");
	/* a worker's claim of a key that is not the actor's does not skip the check */
	rotate_act(&a, "prov1", 1, "prov1", f->p1b.b64, f->p2.sk);
	refuse(f, &a, f->p2.pk, PDL_EBADSIG, "");

	/* rotate prov1 to p1b (signed with the old key; the worker checked it with the current key) */
	rotate_act(&a, "prov1", 1, "prov1", f->p1b.b64, f->p1.sk);
	accept_act(f, &a, f->p1.pk);
	get_party(f, "prov1", &p, PDL_OK);
	assert_memory_equal(p.pk.b, f->p1b.pk, 32);

	/* the old key is refused from now on */
	rotate_act(&a, "prov1", 2, "prov1", f->stranger.b64, f->p1.sk);
	refuse(f, &a, NULL, PDL_EBADSIG, "");
	/* also when a worker verified it with the (now stale) old key: the engine re-verifies */
	rotate_act(&a, "prov1", 2, "prov1", f->stranger.b64, f->p1.sk);
	refuse(f, &a, f->p1.pk, PDL_EBADSIG, "");
	/* a stale verified key with a signature by the new key: re-verified and accepted */
	rotate_act(&a, "prov1", 2, "prov1", f->p1.b64, f->p1b.sk);
	accept_act(f, &a, f->p1.pk); /* rotates back to p1 */
	/* NULL verified_pk: checked here */
	rotate_act(&a, "prov1", 3, "prov1", f->p1b.b64, f->p1b.sk);
	refuse(f, &a, NULL, PDL_EBADSIG, "");
	rotate_act(&a, "prov1", 3, "prov1", f->p1b.b64, f->p1.sk);
	accept_act(f, &a, NULL);

	/* contract: verified_pk equal to the current key means "already checked" */
	rotate_act(&a, "prov1", 4, "prov1", f->p1.b64, f->p1b.sk);
	memset(a.sig, 0xee, 64);
	refuse(f, &a, NULL, PDL_EBADSIG, "");
	rotate_act(&a, "prov1", 4, "prov1", f->p1.b64, f->p1b.sk);
	memset(a.sig, 0xee, 64);
	accept_act(f, &a, f->p1b.pk);

	/* the authority's key rotation works the same way */
	rotate_act(&a, "authority", 90, "authority", f->stranger.b64, f->auth.sk);
	accept_act(f, &a, NULL);
	suspend_act(&a, "authority", 91, "prov2", f->auth.sk);
	refuse(f, &a, NULL, PDL_EBADSIG, "");
	suspend_act(&a, "authority", 91, "prov2", f->stranger.sk);
	accept_act(f, &a, NULL);
}

/* Issue 10, item 4: a signature names one ledger. The same key signing the
 * same act for another ledger (another id), or in the old domain without a
 * ledger id, does not verify here; the ledger id is entry 0's hash. */
static void
test_engine_ledger_bound(void **state)
{
	struct fx *f = *state;
	struct act a;
	MDB_txn *t;
	const uint8_t *e0, *e1;
	size_t n0, n1;
	uint8_t h0[32];
	struct pdl_entry en;
	struct pdl_status st;
	assert_int_equal(pdl_store_rtxn(&f->s, &t), PDL_OK);
	assert_int_equal(pdl_store_entry(t, &f->s, 0, &e0, &n0), PDL_OK);
	assert_int_equal(pdl_store_entry(t, &f->s, 1, &e1, &n1), PDL_OK);
	pdl_sha256(h0, e0, n0);
	assert_memory_equal(f->e.info.ledger_id, h0, 32);
	assert_int_equal(pdl_entry_decode(e1, n1, &en, &st), PDL_OK);
	assert_memory_equal(en.prev, h0, 32); /* the id is entry 1's prev */
	pdl_store_rdone(&f->s, t);
	/* a reloaded engine finds the same id */
	struct pdl_engine e2;
	pdl_engine_init(&e2, &f->s);
	assert_int_equal(pdl_store_rtxn(&f->s, &t), PDL_OK);
	assert_int_equal(pdl_engine_load(&e2, t), PDL_OK);
	pdl_store_rdone(&f->s, t);
	assert_memory_equal(e2.info.ledger_id, h0, 32);
	pdl_engine_fini(&e2);

	/* another ledger's id, one bit away: refused, the head unchanged */
	uint8_t other[32];
	memcpy(other, h0, 32);
	other[31] ^= 1;
	suspend_act(&a, "authority", 50, "prov2", f->auth.sk);
	t_act_sign(other, (const uint8_t *)a.sb.data, a.sb.size, f->auth.sk, a.sig);
	refuse(f, &a, NULL, PDL_EBADSIG, "");
	/* the genesis act's zero id */
	suspend_act(&a, "authority", 50, "prov2", f->auth.sk);
	t_act_sign(pdl_ledger_id_genesis, (const uint8_t *)a.sb.data, a.sb.size, f->auth.sk, a.sig);
	refuse(f, &a, NULL, PDL_EBADSIG, "");
	/* the old domain, "pdl/act/v1\n" ‖ act, with no ledger in it */
	suspend_act(&a, "authority", 50, "prov2", f->auth.sk);
	{
		size_t n = 11 + a.sb.size;
		uint8_t *m = malloc(n);
		assert_non_null(m);
		memcpy(m, "pdl/act/v1\n", 11);
		memcpy(m + 11, a.sb.data, a.sb.size);
		crypto_sign_detached(a.sig, NULL, m, n, f->auth.sk);
		free(m);
	}
	refuse(f, &a, NULL, PDL_EBADSIG, "");
	/* a worker's pre-check under another id does not stand in for the engine's */
	suspend_act(&a, "authority", 50, "prov2", f->auth.sk);
	t_act_sign(other, (const uint8_t *)a.sb.data, a.sb.size, f->auth.sk, a.sig);
	refuse(f, &a, f->p1.pk, PDL_EBADSIG, "");
	/* signed for this ledger: accepted */
	suspend_act(&a, "authority", 50, "prov2", f->auth.sk);
	accept_act(f, &a, NULL);
}

static void
test_engine_nonce(void **state)
{
	struct fx *f = *state;
	struct act a, b;
	struct res first, res;
	rotate_act(&a, "prov1", 7, "prov1", f->p1b.b64, f->p1.sk);
	assert_int_equal(submit(f, &a, NULL, &first), PDL_OK);
	assert_int_equal(first.r.dup, 0);
	assert_int_equal(first.r.seq, 4);

	/* PDL_ENONCE: same actor and nonce, a different act */
	rotate_act(&b, "prov1", 7, "prov1", f->stranger.b64, f->p1b.sk);
	refuse(f, &b, NULL, PDL_ENONCE, "");
	/* even signed by nobody in particular: the nonce check is first */
	rotate_act(&b, "prov1", 7, "prov1", f->stranger.b64, f->stranger.sk);
	refuse(f, &b, NULL, PDL_ENONCE, "");

	/* the same act again: the original receipt, dup=1, nothing appended */
	assert_int_equal(submit_at(f, &a, NULL, f->now + 999999, &res), PDL_OK);
	assert_int_equal(res.r.dup, 1);
	assert_int_equal(res.r.seq, first.r.seq);
	assert_memory_equal(res.r.hash, first.r.hash, 32);
	assert_int_equal(res.r.time_ms, first.r.time_ms);
	assert_int_equal(res.r.outcome_len, first.r.outcome_len);
	assert_memory_equal(res.r.outcome, first.r.outcome, first.r.outcome_len);
	assert_int_equal(res.after.size, res.before.size);
	assert_memory_equal(res.after.chain, res.before.chain, 32);
	/* also after other entries were appended, and with the old key's signature now stale */
	rotate_act(&b, "prov2", 7, "prov2", f->stranger.b64, f->p2.sk); /* nonces are per actor */
	accept_act(f, &b, NULL);
	assert_int_equal(submit(f, &a, NULL, &res), PDL_OK);
	assert_int_equal(res.r.dup, 1);
	assert_int_equal(res.r.seq, 4);
	assert_memory_equal(res.r.hash, first.r.hash, 32);
	assert_int_equal(res.after.size, 6);
	act_free(&a);

	/* nonces of refused acts stay free */
	rotate_act(&a, "prov1", 8, "prov1", f->p1b.b64, f->p1b.sk);
	refuse(f, &a, NULL, PDL_ERULE, "party.key_unchanged");
	rotate_act(&a, "prov1", 8, "prov1", f->p1.b64, f->p1b.sk);
	assert_int_equal(accept_act(f, &a, NULL), 6);
	/* large nonces are fine */
	rotate_act(&a, "prov1", UINT32_MAX + 5ull, "prov1", f->p1b.b64, f->p1.sk);
	assert_int_equal(accept_act(f, &a, NULL), 7);
}

static void
test_time_monotonic(void **state)
{
	struct fx *f = *state;
	struct act a;
	struct res res;
	uint64_t base = f->now + 100000;
	static const struct {
		int64_t now_delta;
		int64_t want_delta;
	} steps[] = {{0, 0}, {-50000, 0}, {-100000, 0}, {1, 1}, {1, 1}, {5000, 5000}, {4999, 5000}};
	for (unsigned i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		rotate_act(&a, "prov1", 100 + i, "prov1", (i & 1) ? f->p1.b64 : f->p1b.b64, (i & 1) ? f->p1b.sk : f->p1.sk);
		assert_int_equal(submit_at(f, &a, NULL, (uint64_t)((int64_t)base + steps[i].now_delta), &res), PDL_OK);
		assert_int_equal(res.r.time_ms, (uint64_t)((int64_t)base + steps[i].want_delta));
		assert_int_equal(res.after.time_ms, res.r.time_ms);
		assert_true(res.r.time_ms >= res.before.time_ms);
		act_free(&a);
	}
	/* a refusal at an earlier clock does not move time either way */
	rotate_act(&a, "prov1", 200, "prov1", f->p1.b64, f->p1.sk); /* p1b is current */
	assert_int_equal(submit_at(f, &a, NULL, 1, &res), PDL_EBADSIG);
	assert_int_equal(res.after.time_ms, res.before.time_ms);
	act_free(&a);
	/* and each stored entry's time is non-decreasing */
	MDB_txn *t;
	struct pdl_head h;
	uint64_t last = 0;
	assert_int_equal(pdl_store_rtxn(&f->s, &t), PDL_OK);
	assert_int_equal(pdl_store_head(t, &f->s, &h), PDL_OK);
	for (uint64_t s = 0; s < h.size; s++) {
		const uint8_t *b;
		size_t n;
		struct pdl_entry en;
		struct pdl_status st;
		assert_int_equal(pdl_store_entry(t, &f->s, s, &b, &n), PDL_OK);
		assert_int_equal(pdl_entry_decode(b, n, &en, &st), PDL_OK);
		assert_int_equal(en.seq, s);
		assert_true(en.time_ms >= last);
		last = en.time_ms;
	}
	assert_int_equal(last, h.time_ms);
	pdl_store_rdone(&f->s, t);
}

/* ---- the engine's contract when an act fails after apply began (rules.h, invariants 1 and 3) ---- */

static const struct pdl_act_def *register_def;

/* party.register's apply, which writes party/<id>, then a failure. */
static int
apply_then_fail(struct pdl_ctx *c)
{
	assert_int_equal(register_def->apply(c), PDL_OK);
	return pdl_rule_fail(c, "test.apply_fails", "apply failed after writing");
}

/* party.register's apply, then an outcome over PDL_OUT_BYTES_MAX. */
static int
apply_big_outcome(struct pdl_ctx *c)
{
	assert_int_equal(register_def->apply(c), PDL_OK);
	for (unsigned i = 0; i < PDL_OUT_BYTES_MAX / 16; i++)
		pdl_out_str(c, "k", "0123456789abcdef", 16);
	return PDL_OK;
}

/* A validate that writes: a broken family. */
static int
validate_writes(struct pdl_ctx *c)
{
	return pdl_store_state_put(c->txn, c->s, "test/x", 6, "v", 1);
}

/* n party.register acts "b<i>" (nonces 100 + i), decoded into d. */
static void
decode_regs(struct fx *f, struct act *a, struct pdl_act *d, size_t n)
{
	struct pdl_status st;
	register_def = pdl_rules_find("party.register", 14);
	assert_non_null(register_def);
	for (size_t i = 0; i < n; i++) {
		struct key k;
		char uscc[19], id[24];
		seed_key(&k, (uint8_t)(20 + i));
		make_uscc(uscc, "91110000", 2001 + (unsigned)i);
		snprintf(id, sizeof id, "b%zu", i);
		reg_act(f, &a[i], 100 + i, id, uscc, "[\"developer\"]", k.b64);
		assert_int_equal(pdl_act_decode((const uint8_t *)a[i].sb.data, a[i].sb.size, a[i].sig, &d[i], &st), PDL_OK);
	}
}

struct batch_log {
	unsigned restarts;
	size_t seen;
	int refused[4];
	uint64_t seq[4];
};

static void
log_restart(void *arg, const struct pdl_head *h)
{
	struct batch_log *l = arg;
	(void)h;
	l->restarts++;
	l->seen = 0;
}

static void
log_result(void *arg, size_t i, const struct pdl_receipt *r, const uint8_t *entry, size_t n)
{
	struct batch_log *l = arg;
	assert_int_equal(i, l->seen++); /* in order */
	assert_true(i < 4);
	l->refused[i] = r == NULL;
	l->seq[i] = r != NULL ? r->seq : 0;
	assert_true((r != NULL) == (entry != NULL && n > 0));
}

/* A batch of four: the second act's apply writes and then fails, the
 * third's outcome is over the limit. Both are refused with their errors,
 * the batch is run again without them, the other two are appended one
 * after the other, and nothing the failed applies wrote is committed. */
static void
test_batch_apply_failure(void **state)
{
	struct fx *f = *state;
	struct act a[4];
	struct pdl_act d[4];
	struct pdl_batch_item it[4], *items[4];
	struct batch_log l = {0};
	struct pdl_head before, after;
	struct pdl_party p;
	decode_regs(f, a, d, 4);
	struct pdl_act_def fail_def = *register_def, big_def = *register_def;
	fail_def.apply = apply_then_fail;
	big_def.apply = apply_big_outcome;
	d[1].def = &fail_def;
	d[2].def = &big_def;
	for (size_t i = 0; i < 4; i++) {
		memset(&it[i], 0, sizeof it[i]);
		it[i].act = &d[i];
		items[i] = &it[i];
	}
	struct pdl_batch b = {.items = items, .n = 4, .now_ms = f->now + 1000, .arg = &l, .restart = log_restart,
	                      .result = log_result};
	read_head(f, &before);
	assert_int_equal(pdl_engine_batch(&f->e, &b), PDL_OK);
	read_head(f, &after);
	assert_int_equal(l.restarts, 3); /* the first run, and one more per failed act */
	assert_int_equal(l.seen, 4);
	assert_int_equal(it[1].rc, PDL_ERULE);
	assert_string_equal(it[1].st.rule, "test.apply_fails");
	assert_null(it[1].act);
	assert_int_equal(it[2].rc, PDL_ETOOBIG);
	assert_null(it[2].act);
	assert_true(l.refused[1] && l.refused[2] && !l.refused[0] && !l.refused[3]);
	assert_int_equal(it[0].rc, PDL_OK);
	assert_int_equal(it[3].rc, PDL_OK);
	assert_int_equal(l.seq[0], before.size);
	assert_int_equal(l.seq[3], before.size + 1);
	assert_int_equal(after.size, before.size + 2);
	assert_int_equal(b.head.size, after.size);
	assert_memory_equal(b.head.chain, after.chain, 32);
	get_party(f, "b0", &p, PDL_OK);
	get_party(f, "b1", &p, PDL_ENOTFOUND); /* what the failed apply wrote is gone */
	get_party(f, "b2", &p, PDL_ENOTFOUND);
	get_party(f, "b3", &p, PDL_OK);
	assert_int_equal(f->s.txn_partial, 0);
	for (size_t i = 0; i < 4; i++)
		act_free(&a[i]);
}

/* Runs fn(f, t) in a child process and expects it to stop with SIGABRT
 * (PDL_INVARIANT); t is the parent's write transaction, aborted after. */
static void
expect_abort(struct fx *f, MDB_txn *t, void (*fn)(struct fx *f, MDB_txn *t))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fn(f, t);
		_exit(0);
	}
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFSIGNALED(ws));
	assert_int_equal(WTERMSIG(ws), SIGABRT);
	mdb_txn_abort(t);
}

static void
commit_it(struct fx *f, MDB_txn *t)
{
	(void)pdl_store_commit(&f->s, t);
}

/* pdl_engine_submit alone: the failed act marks the transaction partial,
 * and pdl_store_commit stops the process rather than commit it. */
static void
test_partial_never_committed(void **state)
{
	struct fx *f = *state;
	struct act a;
	struct pdl_act d;
	struct pdl_head h;
	struct pdl_receipt r;
	struct pdl_status st;
	struct pdl_party p;
	MDB_txn *t;
	decode_regs(f, &a, &d, 1);
	struct pdl_act_def fail_def = *register_def;
	fail_def.apply = apply_then_fail;
	d.def = &fail_def;
	assert_int_equal(pdl_store_wtxn(&f->s, &t), PDL_OK);
	assert_int_equal(pdl_store_head(t, &f->s, &h), PDL_OK);
	assert_int_equal(pdl_engine_submit(&f->e, t, &h, f->now + 1000, &d, NULL, &r, &st), PDL_ERULE);
	assert_string_equal(st.rule, "test.apply_fails");
	assert_int_equal(f->s.txn_partial, 1);
	expect_abort(f, t, commit_it);
	get_party(f, "b0", &p, PDL_ENOTFOUND);
	/* a fresh transaction is clean again */
	assert_int_equal(pdl_store_wtxn(&f->s, &t), PDL_OK);
	assert_int_equal(f->s.txn_partial, 0);
	mdb_txn_abort(t);
	act_free(&a);
}

static struct pdl_act validate_writes_act;

static void
submit_validate_writes(struct fx *f, MDB_txn *t)
{
	struct pdl_head h;
	struct pdl_receipt r;
	struct pdl_status st;
	assert_int_equal(pdl_store_head(t, &f->s, &h), PDL_OK);
	(void)pdl_engine_submit(&f->e, t, &h, f->now + 1000, &validate_writes_act, NULL, &r, &st);
}

/* A validate that writes stops the process (invariant 1). */
static void
test_validate_must_not_write(void **state)
{
	struct fx *f = *state;
	struct act a;
	MDB_txn *t;
	decode_regs(f, &a, &validate_writes_act, 1);
	struct pdl_act_def bad = *register_def;
	bad.validate = validate_writes;
	validate_writes_act.def = &bad;
	assert_int_equal(pdl_store_wtxn(&f->s, &t), PDL_OK);
	expect_abort(f, t, submit_validate_writes);
	act_free(&a);
}

/* Every act type has an explicit disclosure rule (spec/views.md): public
 * rows carry no reason, private ones say why; pdl_act_public follows it. */
static void
test_every_act_has_disclosure_rule(void **state)
{
	(void)state;
	size_t n = 0;
	for (const struct pdl_family *const *f = pdl_families; *f != NULL; f++)
		for (size_t i = 0; i < (*f)->n; i++) {
			const struct pdl_act_def *d = &(*f)->acts[i];
			n++;
			assert_int_not_equal(d->vis, PDL_VIS_UNSET);
			if (d->vis == PDL_VIS_PUBLIC)
				assert_null(d->private_why);
			else
				assert_true(d->private_why != NULL && d->private_why[0] != '\0');
		}
	assert_true(n >= 53);
	assert_int_equal(pdl_act_public("party.register", 14, 0), 1);
	assert_int_equal(pdl_act_public("call.request", 12, 0), 0);
	assert_int_equal(pdl_act_public("evidence.deposit", 16, 0), 1);
	assert_int_equal(pdl_act_public("evidence.deposit", 16, 1), 0);
	assert_int_equal(pdl_act_public("quality.report", 14, 0), 0);
	assert_int_equal(pdl_act_public("revenue.record", 14, 0), 0);
	assert_int_equal(pdl_act_public("no.such_act", 11, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_genesis_accepted, setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_genesis_refusals, setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_first_act_must_be_genesis, setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_second_genesis, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_register_ok, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_register_rules, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_party_unknown, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_rotate_rules, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_suspend_rules, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_engine_actor_role, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_engine_suspended, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_engine_badsig, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_engine_ledger_bound, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_engine_nonce, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_time_monotonic, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_batch_apply_failure, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_partial_never_committed, setup_ledger, teardown),
		cmocka_unit_test_setup_teardown(test_validate_must_not_write, setup_ledger, teardown),
		cmocka_unit_test(test_every_act_has_disclosure_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
