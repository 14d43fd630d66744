/*
 * tlog.h — the C2SP tlog-tiles layout (c2sp.org/tlog-tiles): which tiles a
 * tree of a given size has, their paths, and entry bundles. Pure functions
 * of numbers and bytes; the export from a store is store/tiles.h, the
 * fetch over HTTP wire/tlogfetch.h.
 *
 * A tile at level L (0..63) and index N holds the hashes of up to 256
 * consecutive tree nodes of height 8L: level 0 the leaf hashes, level L the
 * MTH of each full tile at level L-1. For a tree of size s, level L has
 * s >> 8(L+1) full tiles and a partial one of width (s >> 8L) & 255 when
 * that is not 0. Entry bundles follow level 0: bundle N holds entries
 * 256N … 256N+255, each as a big-endian uint16 length and the entry bytes.
 *
 * Paths: "tile/<L>/<N>[.p/<W>]" and "tile/entries/<N>[.p/<W>]", N written
 * as 3-digit groups, all but the last prefixed "x" (1234067 →
 * "x001/x234/067"), W the width of a partial tile (1..255).
 *
 * Invariants:
 *  (1) a path this module writes is one the spec allows, and
 *      pdl_tlog_path_parse reads back exactly what pdl_tlog_path wrote;
 *  (2) a bundle is accepted only whole: every length in range and the
 *      entries ending exactly at the end of the bytes.
 */
#ifndef PDL_TLOG_H
#define PDL_TLOG_H

#include "merkle.h"
#include "pdl.h"

#define PDL_TILE_HEIGHT 8u
#define PDL_TILE_WIDTH 256u                             /* hashes in a full tile */
#define PDL_TILE_BYTES (PDL_TILE_WIDTH * PDL_HASH_BYTES) /* 8,192 */
#define PDL_TILE_LEVEL_ENTRIES (-1)                     /* the level argument naming entry bundles */
/* The longest bundle: 256 entries of PDL_ENTRY_BYTES_MAX and their prefixes. */
#define PDL_BUNDLE_BYTES_MAX ((size_t)PDL_TILE_WIDTH * (2u + PDL_ENTRY_BYTES_MAX))
/* "tile/entries/" + 7 groups of "x123/" + ".p/255" and a NUL */
#define PDL_TLOG_PATH_MAX 64u

/* Tiles of level level for a tree of size: *full tiles of width 256, then
 * one of width *partial when that is not 0. */
void pdl_tlog_level(uint64_t size, unsigned level, uint64_t *full, unsigned *partial);

/* The number of levels that have a tile (full or partial) for size: 0 for
 * an empty tree. */
unsigned pdl_tlog_levels(uint64_t size);

/* Writes the path of tile (level, index) of width w (w == 256 or 0: full)
 * into out (cap >= PDL_TLOG_PATH_MAX); level PDL_TILE_LEVEL_ENTRIES names
 * an entry bundle. Returns its length. */
size_t pdl_tlog_path(int level, uint64_t index, unsigned w, char *out, size_t cap);

/* Parses a path as pdl_tlog_path writes it (strictly: no leading zeroes in
 * L or W, 3-digit groups, "x" on all but the last). Returns PDL_OK or
 * PDL_EINVAL. *w is 0 for a full tile. */
int pdl_tlog_path_parse(const char *path, size_t n, int *level, uint64_t *index, unsigned *w);

/* Reads the next entry of a bundle at *off (advanced past it). Returns
 * PDL_OK, PDL_ENOTFOUND at the end, or PDL_EDECODE for a length running
 * past the end (a truncated bundle). *e points into b. */
int pdl_tlog_bundle_next(const uint8_t *b, size_t n, size_t *off, const uint8_t **e, size_t *len);

/* The MTH of the w hashes of a tile (as the subtree over them); w >= 1. */
void pdl_tlog_tile_root(const uint8_t *hashes, unsigned w, uint8_t out[PDL_HASH_BYTES]);

#endif
