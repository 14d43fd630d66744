/*
 * test_proj_reader.c — who may read on the private listener: the projection
 * framework's party table (proj.h invariant (4)) and the HTTP server's one
 * authentication step (pdl_http_authenticate), on entries a real rules
 * engine accepted (harness.h): the genesis authority, registrations, a key
 * rotation (the old key stops working at that entry, the new one starts), a
 * suspension and a reinstatement; the ledger id; every refusal's status and
 * code; and a view made before the party table existed (refused for
 * writing, readable).
 */
#include "harness.h"

#include "http.h"
#include "readtok.h"
#include "sha256.h"

extern const struct pdl_view pdl_view_revenue;

#define NOW 1790000000000ull

struct fx {
	struct h h;
	char vdir[64];
	struct pdl_vdb db;
	uint64_t applied; /* entries of the log applied to the view */
};

/* Applies every entry of the ledger not yet in the view. */
static void
fx_sync(struct fx *f)
{
	MDB_txn *t;
	uint64_t size = h_size(&f->h);
	assert_int_equal(pdl_store_rtxn(&f->h.s, &t), PDL_OK);
	for (; f->applied < size; f->applied++) {
		const uint8_t *b;
		size_t n, done = 0;
		struct pdl_status st = {0};
		assert_int_equal(pdl_store_entry(t, &f->h.s, f->applied, &b, &n), PDL_OK);
		assert_int_equal(pdl_vdb_apply(&f->db, &b, &n, 1, &done, &st), PDL_OK);
		assert_int_equal(done, 1);
	}
	pdl_store_rdone(&f->h.s, t);
}

static void
fx_open(struct fx *f)
{
	const struct pdl_view *views[] = {&pdl_view_revenue};
	memset(f, 0, sizeof *f);
	h_open(&f->h);
	snprintf(f->vdir, sizeof f->vdir, "/tmp/pdl-unit-view.XXXXXX");
	assert_non_null(mkdtemp(f->vdir));
	assert_int_equal(pdl_vdb_open(&f->db, f->vdir, views, 1, 0), PDL_OK);
}

static void
fx_close(struct fx *f)
{
	char cmd[128];
	pdl_vdb_close(&f->db);
	h_close(&f->h);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->vdir);
	assert_int_equal(system(cmd), 0);
}

/* The ledger id as a reader computes it: SHA-256 of entry 0's bytes. */
static void
ledger_id_of(struct fx *f, uint8_t lid[32])
{
	MDB_txn *t;
	const uint8_t *b;
	size_t n;
	assert_int_equal(pdl_store_rtxn(&f->h.s, &t), PDL_OK);
	assert_int_equal(pdl_store_entry(t, &f->h.s, 0, &b, &n), PDL_OK);
	pdl_sha256(lid, b, n);
	pdl_store_rdone(&f->h.s, t);
}

/* A token signed by key_of's key for party. */
static void
token(char out[PDL_READTOK_LEN_MAX + 1], const char *party, const char *key_of, const uint8_t lid[32],
      const char *method, const char *target, uint64_t when)
{
	struct pdl_seckey k;
	h_key(key_of, &k);
	assert_int_equal(pdl_readtok_sign(out, PDL_READTOK_LEN_MAX + 1, party, &k, lid, method, target, when), PDL_OK);
	pdl_seckey_wipe(&k);
}

/* Runs the check; returns the status (200 when authenticated) and leaves
 * the error code in err. */
static int
auth(struct fx *f, const char *header, const char *target, uint64_t now, struct pdl_reader *r, char err[40])
{
	struct pdl_http_out out = {200, "application/json", NULL, 0, "", 0};
	int ok = pdl_http_authenticate(&f->db, header, "GET", target, now, r, &out);
	err[0] = 0;
	if (out.body != NULL) {
		json_t *j = json_loads(out.body, 0, NULL);
		snprintf(err, 40, "%s", json_string_value(json_object_get(j, "error")));
		json_decref(j);
		free(out.body);
	}
	/* a 401 tells the client how to sign, naming the ledger */
	if (out.status == 401)
		assert_non_null(strstr(out.challenge, "PDL-Sig realm=\"pdl\""));
	assert_true(ok == (out.body == NULL));
	return ok ? 200 : out.status;
}

static void
test_party_table(void **state)
{
	(void)state;
	struct fx f;
	struct pdl_vparty p;
	uint8_t lid[PDL_HASH_BYTES], got[PDL_HASH_BYTES];
	struct pdl_seckey k;
	MDB_txn *t;
	fx_open(&f);
	h_party(&f.h, "prov-1", "provider");
	h_party(&f.h, "audit-1", "auditor");
	h_party(&f.h, "multi-1", "operator,provider");
	fx_sync(&f);
	assert_int_equal(mdb_txn_begin(f.db.env, NULL, MDB_RDONLY, &t), 0);
	/* the genesis authority, with the role genesis gives it */
	assert_int_equal(pdl_vdb_party(t, &f.db, "authority", &p), PDL_OK);
	h_key("authority", &k);
	assert_true(pdl_pubkey_eq(&p.pk, &k.pk));
	pdl_seckey_wipe(&k);
	assert_int_equal(p.roles, PDL_ROLE_AUTHORITY);
	assert_int_equal(p.seq, 0);
	assert_int_equal(pdl_vdb_party(t, &f.db, "multi-1", &p), PDL_OK);
	assert_int_equal(p.roles, PDL_ROLE_OPERATOR | PDL_ROLE_PROVIDER);
	assert_false(p.suspended);
	assert_int_equal(pdl_vdb_party(t, &f.db, "nobody", &p), PDL_ENOTFOUND);
	assert_int_equal(pdl_vdb_party(t, &f.db, "bad id", &p), PDL_ENOTFOUND);
	/* the ledger id is the chain hash of genesis */
	ledger_id_of(&f, lid);
	assert_int_equal(pdl_vdb_ledger_id(t, &f.db, got), PDL_OK);
	assert_memory_equal(got, lid, PDL_HASH_BYTES);
	mdb_txn_abort(t);

	/* rotate, suspend, reinstate: each entry changes the record */
	char b64[PDL_PK_B64_LEN];
	h_key("prov-1-new", &k);
	pdl_pubkey_b64(&k.pk, b64);
	uint64_t rot = h_ok(&f.h, h_fmt("{\"type\":\"party.rotate_key\",\"actor\":\"authority\",\"body\":{\"id\":\"prov-1\","
	                                "\"public_key\":\"%s\"}}",
	                                b64));
	fx_sync(&f);
	assert_int_equal(mdb_txn_begin(f.db.env, NULL, MDB_RDONLY, &t), 0);
	assert_int_equal(pdl_vdb_party(t, &f.db, "prov-1", &p), PDL_OK);
	assert_true(pdl_pubkey_eq(&p.pk, &k.pk));
	pdl_seckey_wipe(&k);
	assert_int_equal(p.seq, rot);
	mdb_txn_abort(t);
	h_ok(&f.h, "{\"type\":\"party.suspend\",\"actor\":\"authority\",\"body\":{\"id\":\"multi-1\",\"reason\":\"audit\"}}");
	fx_sync(&f);
	assert_int_equal(mdb_txn_begin(f.db.env, NULL, MDB_RDONLY, &t), 0);
	assert_int_equal(pdl_vdb_party(t, &f.db, "multi-1", &p), PDL_OK);
	assert_true(p.suspended);
	mdb_txn_abort(t);
	h_ok(&f.h, "{\"type\":\"party.reinstate\",\"actor\":\"authority\",\"body\":{\"id\":\"multi-1\"}}");
	fx_sync(&f);
	assert_int_equal(mdb_txn_begin(f.db.env, NULL, MDB_RDONLY, &t), 0);
	assert_int_equal(pdl_vdb_party(t, &f.db, "multi-1", &p), PDL_OK);
	assert_false(p.suspended);
	mdb_txn_abort(t);
	fx_close(&f);
}

static void
test_authenticate(void **state)
{
	(void)state;
	struct fx f;
	struct pdl_reader r;
	char tok[PDL_READTOK_LEN_MAX + 1], err[40];
	uint8_t lid[32], other[32];
	const char *tg = "/v1/revenue/parties/prov-1?period=2026-10";
	fx_open(&f);
	/* before genesis is applied there is no ledger to sign for */
	assert_int_equal(auth(&f, "PDL-Sig x", tg, NOW, &r, err), 503);
	assert_string_equal(err, "view_not_ready");
	h_party(&f.h, "prov-1", "provider");
	h_party(&f.h, "audit-1", "auditor");
	h_party(&f.h, "dev-1", "developer");
	fx_sync(&f);
	ledger_id_of(&f, lid);

	token(tok, "prov-1", "prov-1", lid, "GET", tg, NOW);
	assert_int_equal(auth(&f, tok, tg, NOW, &r, err), 200);
	assert_string_equal(r.party, "prov-1");
	assert_int_equal(r.roles, PDL_ROLE_PROVIDER);
	assert_false(pdl_reader_reads_all(&r));
	assert_true(pdl_reader_may(&r, "prov-1"));
	assert_false(pdl_reader_may(&r, "dev-1"));
	/* within the window either side of the server's clock, not beyond */
	assert_int_equal(auth(&f, tok, tg, NOW + PDL_READTOK_SKEW_MS, &r, err), 200);
	assert_int_equal(auth(&f, tok, tg, NOW - PDL_READTOK_SKEW_MS, &r, err), 200);
	assert_int_equal(auth(&f, tok, tg, NOW + PDL_READTOK_SKEW_MS + 1, &r, err), 401);
	assert_string_equal(err, "token_expired");
	assert_int_equal(auth(&f, tok, tg, NOW - PDL_READTOK_SKEW_MS - 1, &r, err), 401);
	assert_string_equal(err, "token_expired");
	/* the target exactly as sent: another query, another encoding, another path */
	assert_int_equal(auth(&f, tok, "/v1/revenue/parties/prov-1?period=2026-09", NOW, &r, err), 401);
	assert_string_equal(err, "bad_signature");
	assert_int_equal(auth(&f, tok, "/v1/revenue/parties/prov%2D1?period=2026-10", NOW, &r, err), 401);
	assert_string_equal(err, "bad_signature");
	assert_int_equal(auth(&f, tok, "/v1/revenue/parties/prov-1", NOW, &r, err), 401);
	/* another method, another ledger */
	token(tok, "prov-1", "prov-1", lid, "POST", tg, NOW);
	assert_int_equal(auth(&f, tok, tg, NOW, &r, err), 401);
	assert_string_equal(err, "bad_signature");
	memcpy(other, lid, 32);
	other[31] ^= 1;
	token(tok, "prov-1", "prov-1", other, "GET", tg, NOW);
	assert_int_equal(auth(&f, tok, tg, NOW, &r, err), 401);
	assert_string_equal(err, "bad_signature");
	/* another party's key under prov-1's name */
	token(tok, "prov-1", "dev-1", lid, "GET", tg, NOW);
	assert_int_equal(auth(&f, tok, tg, NOW, &r, err), 401);
	assert_string_equal(err, "bad_signature");
	/* no header, a malformed one, an unknown party */
	assert_int_equal(auth(&f, NULL, tg, NOW, &r, err), 401);
	assert_string_equal(err, "unauthorized");
	assert_int_equal(auth(&f, "", tg, NOW, &r, err), 401);
	assert_string_equal(err, "unauthorized");
	assert_int_equal(auth(&f, "Bearer abc", tg, NOW, &r, err), 401);
	assert_string_equal(err, "bad_token");
	token(tok, "nobody", "nobody", lid, "GET", tg, NOW);
	assert_int_equal(auth(&f, tok, tg, NOW, &r, err), 401);
	assert_string_equal(err, "unknown_party");
	/* an auditor reads all */
	token(tok, "audit-1", "audit-1", lid, "GET", tg, NOW);
	assert_int_equal(auth(&f, tok, tg, NOW, &r, err), 200);
	assert_true(pdl_reader_reads_all(&r));
	assert_true(pdl_reader_may(&r, "dev-1"));

	/* a key rotation: the old key stops at that entry, the new one starts */
	char b64[PDL_PK_B64_LEN];
	h_pub("prov-1-new", b64);
	h_ok(&f.h, h_fmt("{\"type\":\"party.rotate_key\",\"actor\":\"authority\",\"body\":{\"id\":\"prov-1\","
	                 "\"public_key\":\"%s\"}}",
	                 b64));
	token(tok, "prov-1", "prov-1-new", lid, "GET", tg, NOW);
	assert_int_equal(auth(&f, tok, tg, NOW, &r, err), 401); /* the view has not seen the rotation yet */
	assert_string_equal(err, "bad_signature");
	fx_sync(&f);
	assert_int_equal(auth(&f, tok, tg, NOW, &r, err), 200);
	token(tok, "prov-1", "prov-1", lid, "GET", tg, NOW);
	assert_int_equal(auth(&f, tok, tg, NOW, &r, err), 401);
	assert_string_equal(err, "bad_signature");

	/* a suspended party reads nothing; reinstated, it reads again */
	h_ok(&f.h, "{\"type\":\"party.suspend\",\"actor\":\"authority\",\"body\":{\"id\":\"audit-1\",\"reason\":\"x\"}}");
	fx_sync(&f);
	token(tok, "audit-1", "audit-1", lid, "GET", tg, NOW);
	assert_int_equal(auth(&f, tok, tg, NOW, &r, err), 403);
	assert_string_equal(err, "party_suspended");
	h_ok(&f.h, "{\"type\":\"party.reinstate\",\"actor\":\"authority\",\"body\":{\"id\":\"audit-1\"}}");
	fx_sync(&f);
	assert_int_equal(auth(&f, tok, tg, NOW, &r, err), 200);
	fx_close(&f);
}

/* A view made before the party table (format 1: entries applied, no format
 * mark) would authenticate nobody it should: opening it to write is refused
 * with PDL_EVERSION (pdl-project says to --rebuild); reading still works. */
static void
test_old_format(void **state)
{
	(void)state;
	struct fx f;
	MDB_txn *t;
	const struct pdl_view *views[] = {&pdl_view_revenue};
	fx_open(&f);
	fx_sync(&f);
	assert_int_equal(mdb_txn_begin(f.db.env, NULL, 0, &t), 0);
	MDB_val k = {6, "format"};
	assert_int_equal(mdb_del(t, f.db.meta, &k, NULL), 0);
	assert_int_equal(mdb_drop(t, f.db.party, 1), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	pdl_vdb_close(&f.db);
	assert_int_equal(pdl_vdb_open(&f.db, f.vdir, views, 1, 0), PDL_EVERSION);
	assert_null(f.db.env);
	assert_int_equal(pdl_vdb_open(&f.db, f.vdir, views, 1, 1), PDL_OK);
	struct pdl_vparty p;
	assert_int_equal(mdb_txn_begin(f.db.env, NULL, MDB_RDONLY, &t), 0);
	assert_int_equal(pdl_vdb_party(t, &f.db, "authority", &p), PDL_ENOTFOUND);
	mdb_txn_abort(t);
	uint8_t d[32];
	uint64_t next;
	assert_int_equal(pdl_vdb_digest(&f.db, d, &next), PDL_OK);
	assert_int_equal(next, 1);
	fx_close(&f);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_party_table),
		cmocka_unit_test(test_authenticate),
		cmocka_unit_test(test_old_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
