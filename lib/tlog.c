/* tlog.c — see tlog.h. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tlog.h"

#define LEVELS_MAX 63u   /* "<L> MUST be a decimal ASCII integer between 0 and 63" */
#define GROUPS_MAX 7u    /* UINT64_MAX has 20 digits: 7 groups of 3 */

void
pdl_tlog_level(uint64_t size, unsigned level, uint64_t *full, unsigned *partial)
{
	unsigned shift = PDL_TILE_HEIGHT * level;
	assert(level <= LEVELS_MAX);
	if (shift >= 64) {
		*full = 0;
		*partial = 0;
		return;
	}
	uint64_t nodes = size >> shift; /* complete nodes of height 8*level */
	*full = nodes / PDL_TILE_WIDTH;
	*partial = (unsigned)(nodes % PDL_TILE_WIDTH);
}

unsigned
pdl_tlog_levels(uint64_t size)
{
	unsigned n = 0;
	while (n <= LEVELS_MAX && PDL_TILE_HEIGHT * n < 64 && (size >> (PDL_TILE_HEIGHT * n)) > 0)
		n++;
	return n;
}

size_t
pdl_tlog_path(int level, uint64_t index, unsigned w, char *out, size_t cap)
{
	char digits[24], grouped[40];
	size_t o = 0;
	int n;
	assert(level >= PDL_TILE_LEVEL_ENTRIES && level <= (int)LEVELS_MAX);
	assert(w <= PDL_TILE_WIDTH && cap >= PDL_TLOG_PATH_MAX);
	n = snprintf(digits, sizeof digits, "%" PRIu64, index);
	/* pad to a multiple of 3 digits, then "x" before every group but the last */
	int pad = (3 - n % 3) % 3, total = n + pad;
	char padded[32];
	memset(padded, '0', (size_t)pad);
	memcpy(padded + pad, digits, (size_t)n);
	for (int g = 0; g < total; g += 3) {
		if (g + 3 < total)
			grouped[o++] = 'x';
		memcpy(grouped + o, padded + g, 3);
		o += 3;
		grouped[o++] = g + 3 < total ? '/' : '\0';
	}
	if (level == PDL_TILE_LEVEL_ENTRIES)
		n = snprintf(out, cap, "tile/entries/%s", grouped);
	else
		n = snprintf(out, cap, "tile/%d/%s", level, grouped);
	if (w != 0 && w != PDL_TILE_WIDTH)
		n += snprintf(out + n, cap - (size_t)n, ".p/%u", w);
	assert(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

/* A decimal without leading zeroes ("0" alone allowed), at most max. */
static int
parse_dec(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > max)
		return -1;
	*v = x;
	return 0;
}

int
pdl_tlog_path_parse(const char *path, size_t n, int *level, uint64_t *index, unsigned *w)
{
	const char *p = path, *end = path + n;
	uint64_t v;
	if (n < 5 || memcmp(p, "tile/", 5) != 0)
		return PDL_EINVAL;
	p += 5;
	if ((size_t)(end - p) >= 8 && memcmp(p, "entries/", 8) == 0) {
		*level = PDL_TILE_LEVEL_ENTRIES;
		p += 8;
	} else {
		const char *sl = memchr(p, '/', (size_t)(end - p));
		if (sl == NULL || parse_dec(p, (size_t)(sl - p), LEVELS_MAX, &v) != 0)
			return PDL_EINVAL;
		*level = (int)v;
		p = sl + 1;
	}
	uint64_t idx = 0;
	unsigned groups = 0;
	for (;;) {
		int last = !(p < end && *p == 'x');
		if (!last)
			p++;
		if (end - p < 3 || ++groups > GROUPS_MAX)
			return PDL_EINVAL;
		for (int i = 0; i < 3; i++) {
			if (p[i] < '0' || p[i] > '9')
				return PDL_EINVAL;
		}
		uint64_t g = (uint64_t)(p[0] - '0') * 100 + (uint64_t)(p[1] - '0') * 10 + (uint64_t)(p[2] - '0');
		if (idx > (UINT64_MAX - g) / 1000)
			return PDL_EINVAL;
		idx = idx * 1000 + g;
		p += 3;
		if (last)
			break;
		if (p >= end || *p != '/')
			return PDL_EINVAL;
		p++;
	}
	*index = idx;
	*w = 0;
	if (p == end)
		return PDL_OK;
	if (end - p < 4 || memcmp(p, ".p/", 3) != 0 || parse_dec(p + 3, (size_t)(end - p - 3), PDL_TILE_WIDTH - 1, &v) != 0 ||
	    v == 0)
		return PDL_EINVAL;
	*w = (unsigned)v;
	return PDL_OK;
}

int
pdl_tlog_bundle_next(const uint8_t *b, size_t n, size_t *off, const uint8_t **e, size_t *len)
{
	if (*off == n)
		return PDL_ENOTFOUND;
	if (n - *off < 2)
		return PDL_EDECODE;
	size_t l = (size_t)b[*off] << 8 | b[*off + 1];
	if (n - *off - 2 < l)
		return PDL_EDECODE;
	*e = b + *off + 2;
	*len = l;
	*off += 2 + l;
	return PDL_OK;
}

void
pdl_tlog_tile_root(const uint8_t *hashes, unsigned w, uint8_t out[PDL_HASH_BYTES])
{
	struct pdl_merkle_range r;
	assert(w >= 1 && w <= PDL_TILE_WIDTH);
	pdl_merkle_range_init(&r);
	for (unsigned i = 0; i < w; i++)
		(void)pdl_merkle_range_push(&r, hashes + (size_t)i * PDL_HASH_BYTES, NULL);
	pdl_merkle_range_root(&r, out);
}
