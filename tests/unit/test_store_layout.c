/*
 * test_store_layout.c — the tree table's two key layouts (store.h):
 * layout 1 (level ‖ index), which every data directory made before meta
 * "tree_layout" has, and layout 2 (last leaf ‖ level), which new stores
 * get. The same entries appended to one store of each give the same
 * nodes, roots and proofs; an old store stays in layout 1 when it is
 * reopened and written again; layout 2 fills LMDB's pages (the point of
 * it); a store naming an unknown layout is refused.
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
#include <unistd.h>

#include "entry.h"
#include "merkle.h"
#include "store.h"

#define N_FIRST 3000u /* entries before the old store is reopened: 94 level-0 tiles' worth of pages */
#define N_MORE 1000u  /* appended after reopening */

struct pair {
	char base[64], dir_new[96], dir_old[96];
	struct pdl_store st_new, st_old;
	struct pdl_head h_new, h_old;
};

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb, (void)flag, (void)f;
	return remove(p);
}

/* Entry `seq` of a synthetic log: any act bytes, a zero signature. */
static void
append(struct pdl_store *s, struct pdl_head *h, MDB_txn *t)
{
	char act[32];
	uint8_t sig[PDL_SIG_BYTES] = {0}, outcome[1] = {0x80};
	msgpack_sbuffer sb;
	struct pdl_entry e = {0};
	msgpack_sbuffer_init(&sb);
	e.seq = h->size;
	e.time_ms = h->time_ms = 1790000000000u + h->size;
	memcpy(e.prev, h->chain, sizeof e.prev);
	e.act_len = (size_t)snprintf(act, sizeof act, "act %llu", (unsigned long long)h->size);
	e.act = (const uint8_t *)act;
	e.sig = sig;
	e.outcome = outcome;
	e.outcome_len = sizeof outcome;
	pdl_entry_encode(&e, &sb);
	assert_int_equal(pdl_store_append(t, s, h, (const uint8_t *)sb.data, sb.size), PDL_OK);
	msgpack_sbuffer_destroy(&sb);
}

static void
append_n(struct pdl_store *s, struct pdl_head *h, unsigned n)
{
	MDB_txn *t;
	assert_int_equal(pdl_store_wtxn(s, &t), PDL_OK);
	assert_int_equal(pdl_store_head(t, s, h), PDL_OK);
	for (unsigned i = 0; i < n; i++)
		append(s, h, t);
	assert_int_equal(pdl_store_commit(s, t), 0);
}

/* Roots at several sizes and inclusion and consistency proofs agree
 * between the two stores, and check. */
static void
same_tree(struct pair *p, uint64_t size)
{
	MDB_txn *ta, *tb;
	struct pdl_tree_ctx ca, cb;
	struct pdl_merkle_io ia, ib;
	uint8_t ra[PDL_HASH_BYTES], rb[PDL_HASH_BYTES], leaf[PDL_HASH_BYTES], old_root[PDL_HASH_BYTES];
	pdl_hash pa[PDL_MERKLE_PROOF_MAX], pb[PDL_MERKLE_PROOF_MAX];
	size_t na, nb;
	assert_int_equal(pdl_store_rtxn(&p->st_new, &ta), PDL_OK);
	assert_int_equal(pdl_store_rtxn(&p->st_old, &tb), PDL_OK);
	ca = (struct pdl_tree_ctx){ta, &p->st_new};
	cb = (struct pdl_tree_ctx){tb, &p->st_old};
	pdl_store_tree_io(&ca, &ia);
	pdl_store_tree_io(&cb, &ib);
	assert_int_equal(pdl_merkle_root(&ia, size, ra), PDL_OK);
	assert_int_equal(pdl_merkle_root(&ib, size, rb), PDL_OK);
	assert_memory_equal(ra, rb, sizeof ra);
	for (uint64_t i = 0; i < size; i += 97) {
		assert_int_equal(pdl_merkle_prove_inclusion(&ia, i, size, pa, &na), PDL_OK);
		assert_int_equal(pdl_merkle_prove_inclusion(&ib, i, size, pb, &nb), PDL_OK);
		assert_int_equal(na, nb);
		assert_memory_equal(pa, pb, na * sizeof pa[0]);
		assert_int_equal(ia.get(ia.ctx, 0, i, leaf), PDL_OK);
		assert_int_equal(pdl_merkle_verify_inclusion(leaf, i, size, pa, na, ra), PDL_OK);
		uint64_t old = i + 1;
		assert_int_equal(pdl_merkle_root(&ib, old, old_root), PDL_OK);
		assert_int_equal(pdl_merkle_prove_consistency(&ia, old, size, pa, &na), PDL_OK);
		assert_int_equal(pdl_merkle_prove_consistency(&ib, old, size, pb, &nb), PDL_OK);
		assert_int_equal(na, nb);
		assert_memory_equal(pa, pb, na * sizeof pa[0]);
		assert_int_equal(pdl_merkle_verify_consistency(old, size, old_root, ra, pa, na), PDL_OK);
	}
	pdl_store_rdone(&p->st_old, tb);
	pdl_store_rdone(&p->st_new, ta);
}

static size_t
tree_pages(struct pdl_store *s)
{
	MDB_txn *t;
	MDB_stat ms;
	assert_int_equal(pdl_store_rtxn(s, &t), PDL_OK);
	assert_int_equal(mdb_stat(t, s->tree, &ms), 0);
	pdl_store_rdone(s, t);
	return ms.ms_branch_pages + ms.ms_leaf_pages + ms.ms_overflow_pages;
}

static int
has_layout_key(struct pdl_store *s, uint8_t *v)
{
	MDB_txn *t;
	const uint8_t *b;
	size_t n;
	assert_int_equal(pdl_store_rtxn(s, &t), PDL_OK);
	int rc = pdl_store_meta_get(t, s, "tree_layout", &b, &n);
	if (rc == PDL_OK) {
		assert_int_equal(n, 1);
		*v = b[0];
	}
	pdl_store_rdone(s, t);
	return rc == PDL_OK;
}

static void
test_layouts(void **state)
{
	(void)state;
	struct pair p;
	uint8_t v = 0;
	memset(&p, 0, sizeof p);
	snprintf(p.base, sizeof p.base, "/tmp/pdl-test-layout-XXXXXX");
	assert_non_null(mkdtemp(p.base));
	snprintf(p.dir_new, sizeof p.dir_new, "%s/new", p.base);
	snprintf(p.dir_old, sizeof p.dir_old, "%s/old", p.base);
	assert_int_equal(mkdir(p.dir_new, 0700), 0);
	assert_int_equal(mkdir(p.dir_old, 0700), 0);
	assert_int_equal(pdl_store_open(&p.st_new, p.dir_new, PDL_STORE_CREATE | PDL_STORE_NOSYNC), PDL_OK);
	assert_int_equal(pdl_store_open(&p.st_old, p.dir_old, PDL_STORE_CREATE | PDL_STORE_NOSYNC | PDL_STORE_TREE_V1),
	                 PDL_OK);
	assert_int_equal(p.st_new.tree_layout, PDL_TREE_BY_END);
	assert_int_equal(p.st_old.tree_layout, PDL_TREE_BY_LEVEL);
	assert_true(has_layout_key(&p.st_new, &v));
	assert_int_equal(v, PDL_TREE_BY_END);
	assert_false(has_layout_key(&p.st_old, &v)); /* as a data directory made before the key */

	append_n(&p.st_new, &p.h_new, N_FIRST);
	append_n(&p.st_old, &p.h_old, N_FIRST);
	same_tree(&p, N_FIRST);
	same_tree(&p, 1234);
	/* layout 2 grows at the end: full pages, where layout 1 leaves half-full ones */
	size_t pn = tree_pages(&p.st_new), po = tree_pages(&p.st_old);
	print_message("tree pages: layout 2 %zu, layout 1 %zu\n", pn, po);
	if (pn * 10 > po * 7)
		fail_msg("layout 2 takes %zu pages for the tree, layout 1 %zu: not the saving it exists for", pn, po);

	/* the old store, reopened as pdld would, stays in layout 1 and takes more entries */
	pdl_store_close(&p.st_old);
	assert_int_equal(pdl_store_open(&p.st_old, p.dir_old, PDL_STORE_NOSYNC), PDL_OK);
	assert_int_equal(p.st_old.tree_layout, PDL_TREE_BY_LEVEL);
	assert_false(has_layout_key(&p.st_old, &v));
	append_n(&p.st_old, &p.h_old, N_MORE);
	append_n(&p.st_new, &p.h_new, N_MORE);
	same_tree(&p, N_FIRST + N_MORE);
	assert_memory_equal(p.h_new.chain, p.h_old.chain, PDL_HASH_BYTES);

	/* a layout this code does not know: refused */
	MDB_txn *t;
	uint8_t bad = 7;
	assert_int_equal(pdl_store_wtxn(&p.st_new, &t), PDL_OK);
	assert_int_equal(pdl_store_meta_put(t, &p.st_new, "tree_layout", &bad, 1), PDL_OK);
	assert_int_equal(pdl_store_commit(&p.st_new, t), 0);
	pdl_store_close(&p.st_new);
	assert_int_equal(pdl_store_open(&p.st_new, p.dir_new, PDL_STORE_RDONLY), PDL_ESTORE);
	pdl_store_close(&p.st_old);
	assert_int_equal(nftw(p.base, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
