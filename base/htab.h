/*
 * htab.h — the one hash table: byte-string keys (copied) to values of one
 * fixed size, open addressing with linear probing on FNV-1a, doubled when
 * half full. Nothing is ever removed: the tables that use it only grow
 * while a log is walked (pdl verify's party keys, replay's last writer of
 * each state record) and are freed whole.
 */
#ifndef PDL_HTAB_H
#define PDL_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct pdl_htab_slot {
	uint8_t *kv; /* the value (vsize bytes, malloc-aligned), then the key */
	size_t kn;
};

struct pdl_htab {
	struct pdl_htab_slot *t;
	size_t cap, n; /* cap is 0 or a power of two; n < cap / 2 */
	size_t vsize;
};

void pdl_htab_init(struct pdl_htab *h, size_t vsize);
/* The value of key k, or NULL. */
void *pdl_htab_get(const struct pdl_htab *h, const void *k, size_t kn);
/* The value of key k, made (zeroed) if it was not there; NULL when out of
 * memory (the table is unchanged then). */
void *pdl_htab_put(struct pdl_htab *h, const void *k, size_t kn);
void pdl_htab_free(struct pdl_htab *h);

#endif
