/* htab.c — see htab.h. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"

#define HTAB_CAP_MIN 1024u /* slots of a new table: a small ledger's parties fit without growing */

static uint64_t
fnv1a(const uint8_t *b, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

void
pdl_htab_init(struct pdl_htab *h, size_t vsize)
{
	memset(h, 0, sizeof *h);
	h->vsize = vsize;
}

/* The slot of key k: its own, or the empty one where it would go. */
static struct pdl_htab_slot *
find(const struct pdl_htab *h, const void *k, size_t kn)
{
	assert(h->cap > 0 && (h->cap & (h->cap - 1)) == 0);
	size_t j = fnv1a(k, kn) & (h->cap - 1);
	while (h->t[j].kv != NULL) {
		if (h->t[j].kn == kn && memcmp(h->t[j].kv + h->vsize, k, kn) == 0)
			break;
		j = (j + 1) & (h->cap - 1);
	}
	return &h->t[j];
}

static int
grow(struct pdl_htab *h)
{
	size_t ncap = h->cap ? h->cap * 2 : HTAB_CAP_MIN;
	struct pdl_htab_slot *nt = calloc(ncap, sizeof *nt);
	if (nt == NULL)
		return -1;
	struct pdl_htab old = *h;
	h->t = nt;
	h->cap = ncap;
	for (size_t i = 0; i < old.cap; i++)
		if (old.t[i].kv != NULL)
			*find(h, old.t[i].kv + h->vsize, old.t[i].kn) = old.t[i];
	free(old.t);
	return 0;
}

void *
pdl_htab_get(const struct pdl_htab *h, const void *k, size_t kn)
{
	if (h->cap == 0)
		return NULL;
	struct pdl_htab_slot *s = find(h, k, kn);
	return s->kv;
}

void *
pdl_htab_put(struct pdl_htab *h, const void *k, size_t kn)
{
	if ((h->n + 1) * 2 > h->cap && grow(h) != 0)
		return NULL;
	struct pdl_htab_slot *s = find(h, k, kn);
	if (s->kv != NULL)
		return s->kv;
	if ((s->kv = calloc(1, h->vsize + kn + 1)) == NULL)
		return NULL;
	memcpy(s->kv + h->vsize, k, kn);
	s->kn = kn;
	h->n++;
	assert(h->n * 2 <= h->cap);
	return s->kv;
}

void
pdl_htab_free(struct pdl_htab *h)
{
	for (size_t i = 0; i < h->cap; i++)
		free(h->t[i].kv);
	free(h->t);
	memset(h, 0, sizeof *h);
}
