/*
 * test_tlog.c — lib/tlog.c against the examples of c2sp.org/tlog-tiles:
 * the path encoding (1234067 → x001/x234/067), the tiles of a tree of
 * 70,000 and of 256, strict path parsing, bundles cut short, and a tile's
 * root against merkle.c's compact range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tlog.h"

static void
test_paths(void **state)
{
	char p[PDL_TLOG_PATH_MAX];
	(void)state;
	pdl_tlog_path(0, 1234067, 0, p, sizeof p);
	assert_string_equal(p, "tile/0/x001/x234/067");
	pdl_tlog_path(0, 0, 256, p, sizeof p);
	assert_string_equal(p, "tile/0/000");
	pdl_tlog_path(1, 1, 17, p, sizeof p);
	assert_string_equal(p, "tile/1/001.p/17");
	pdl_tlog_path(PDL_TILE_LEVEL_ENTRIES, 273, 112, p, sizeof p);
	assert_string_equal(p, "tile/entries/273.p/112");
	pdl_tlog_path(63, 1000, 0, p, sizeof p);
	assert_string_equal(p, "tile/63/x001/000");
	pdl_tlog_path(2, UINT64_MAX, 1, p, sizeof p);
	assert_string_equal(p, "tile/2/x018/x446/x744/x073/x709/x551/615.p/1");
}

static void
test_parse(void **state)
{
	static const struct {
		const char *path;
		int level;
		uint64_t index;
		unsigned w;
	} good[] = {
		{"tile/0/x001/x234/067", 0, 1234067, 0},
		{"tile/entries/273.p/112", PDL_TILE_LEVEL_ENTRIES, 273, 112},
		{"tile/2/000.p/1", 2, 0, 1},
		{"tile/63/999", 63, 999, 0},
	};
	static const char *const bad[] = {
		"tile/0/1", "tile/0/0001", "tile/00/000", "tile/64/000", "tile/0/001.p/256", "tile/0/001.p/0",
		"tile/0/001.p/012", "tile/0/x001", "tile/0/001/002", "tile/0/x01/002", "tiles/0/000", "tile/0/000.p/",
		"tile/x/000", "tile/0/000.q/5", "tile/0/x000/x000/x000/x000/x000/x000/x000/000",
	};
	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int l;
		uint64_t n;
		unsigned w;
		char back[PDL_TLOG_PATH_MAX];
		assert_int_equal(pdl_tlog_path_parse(good[i].path, strlen(good[i].path), &l, &n, &w), PDL_OK);
		assert_int_equal(l, good[i].level);
		assert_int_equal(n, good[i].index);
		assert_int_equal(w, good[i].w);
		pdl_tlog_path(l, n, w, back, sizeof back);
		assert_string_equal(back, good[i].path);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int l;
		uint64_t n;
		unsigned w;
		if (pdl_tlog_path_parse(bad[i], strlen(bad[i]), &l, &n, &w) == PDL_OK)
			fail_msg("accepted %s", bad[i]);
	}
}

/* "a tree of size 70,000 will be represented by 273 full level 0 tiles, one
 * partial level 0 tile of width 112, one full level 1 tile, one partial
 * level 1 tile of width 17, and one partial level 2 tile of width 1";
 * "a tree of size 256 will be represented by a full level 0 tile and a
 * partial level 1 tile of width 1" */
static void
test_levels(void **state)
{
	uint64_t full;
	unsigned part;
	(void)state;
	assert_int_equal(pdl_tlog_levels(70000), 3);
	pdl_tlog_level(70000, 0, &full, &part);
	assert_int_equal(full, 273);
	assert_int_equal(part, 112);
	pdl_tlog_level(70000, 1, &full, &part);
	assert_int_equal(full, 1);
	assert_int_equal(part, 17);
	pdl_tlog_level(70000, 2, &full, &part);
	assert_int_equal(full, 0);
	assert_int_equal(part, 1);
	assert_int_equal(pdl_tlog_levels(256), 2);
	pdl_tlog_level(256, 0, &full, &part);
	assert_int_equal(full, 1);
	assert_int_equal(part, 0);
	pdl_tlog_level(256, 1, &full, &part);
	assert_int_equal(full, 0);
	assert_int_equal(part, 1);
	assert_int_equal(pdl_tlog_levels(0), 0);
	assert_int_equal(pdl_tlog_levels(1), 1);
	assert_int_equal(pdl_tlog_levels(UINT64_MAX), 8);
}

static void
test_bundle(void **state)
{
	const uint8_t b[] = {0, 3, 'a', 'b', 'c', 0, 0, 0, 2, 'x'};
	size_t off = 0, n;
	const uint8_t *e;
	(void)state;
	assert_int_equal(pdl_tlog_bundle_next(b, sizeof b, &off, &e, &n), PDL_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(e, "abc", 3);
	assert_int_equal(pdl_tlog_bundle_next(b, sizeof b, &off, &e, &n), PDL_OK);
	assert_int_equal(n, 0);
	/* the third says 2 bytes and has 1: truncated */
	assert_int_equal(pdl_tlog_bundle_next(b, sizeof b, &off, &e, &n), PDL_EDECODE);
	off = 0;
	assert_int_equal(pdl_tlog_bundle_next(b, 5, &off, &e, &n), PDL_OK);
	assert_int_equal(pdl_tlog_bundle_next(b, 5, &off, &e, &n), PDL_ENOTFOUND);
	off = 0;
	assert_int_equal(pdl_tlog_bundle_next(b, 1, &off, &e, &n), PDL_EDECODE); /* half a length */
}

static void
test_tile_root(void **state)
{
	uint8_t hs[PDL_TILE_BYTES], a[32], b[32];
	(void)state;
	for (size_t i = 0; i < sizeof hs; i++)
		hs[i] = (uint8_t)(i * 7 + 3);
	/* width 1: the hash itself; width 2: one node; width 256: as a range */
	pdl_tlog_tile_root(hs, 1, a);
	assert_memory_equal(a, hs, 32);
	pdl_tlog_tile_root(hs, 2, a);
	pdl_merkle_node_hash(hs, hs + 32, b);
	assert_memory_equal(a, b, 32);
	uint8_t l[32], r[32];
	pdl_tlog_tile_root(hs, 256, a);
	pdl_tlog_tile_root(hs, 128, l);
	pdl_tlog_tile_root(hs + 128 * 32, 128, r);
	pdl_merkle_node_hash(l, r, b);
	assert_memory_equal(a, b, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),  cmocka_unit_test(test_parse),     cmocka_unit_test(test_levels),
		cmocka_unit_test(test_bundle), cmocka_unit_test(test_tile_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
