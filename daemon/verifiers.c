/* verifiers.c — pdld's verifier threads: decode each act of a submit
 * request and check its signature with the actor's key from a read
 * snapshot, off the writer thread, a task's acts together (one Ed25519
 * field inversion for a task's known keys); a finished request goes to
 * the writer. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "pdld.h"

/* Decodes the acts of t and lists those with a signature to check in
 * c[0..): the actor's key (in the item's vpk) looked up in txn. Returns
 * how many. */
static size_t
collect(struct task *t, MDB_txn *txn, struct pdl_act_check *c, uint32_t *idx)
{
	struct job *j = t->job;
	struct pdl_party p;
	const char *last_actor = NULL;
	size_t last_actor_len = 0, k = 0;
	for (uint32_t i = t->lo; i < t->hi; i++) {
		struct item *it = &j->items[i];
		if (it->run.rc != PDL_OK)
			continue;
		it->run.rc = pdl_act_decode(it->b, it->len, it->sig, &it->act, &it->run.st);
		if (it->run.rc != PDL_OK || txn == NULL)
			continue;
		if (mp_str_eq(it->act.type, it->act.type_len, "ledger.genesis"))
			continue;
		/* bulk submissions come from one actor: look its key up once per chunk
		 * (the writer checks it is still the actor's current key) */
		if (last_actor == NULL || last_actor_len != it->act.actor_len ||
		    memcmp(last_actor, it->act.actor, last_actor_len) != 0) {
			last_actor = NULL;
			if (pdl_party_get(txn, &D.store, it->act.actor, it->act.actor_len, &p) != PDL_OK)
				continue; /* maybe registered earlier in this batch: the writer checks */
			last_actor = it->act.actor;
			last_actor_len = it->act.actor_len;
		}
		it->vpk = p.pk;
		c[k] = (struct pdl_act_check){.act = it->act.bytes, .len = it->act.len, .sig = it->act.sig, .pk = &it->vpk};
		idx[k++] = i;
	}
	return k;
}

void *
pdld_verifier_main(void *arg)
{
	(void)arg;
	struct task *t;
	struct pdl_act_check c[CHUNK_ACTS];
	uint32_t idx[CHUNK_ACTS];
	while ((t = pdld_queue_pop(&D.verifyq)) != NULL) {
		struct job *j = t->job;
		MDB_txn *txn = NULL;
		assert(t->hi - t->lo <= CHUNK_ACTS);
		if (pdl_store_rtxn(&D.store, &txn) != PDL_OK)
			txn = NULL;
		size_t k = collect(t, txn, c, idx);
		if (txn != NULL)
			pdl_store_rdone(&D.store, txn);
		/* the chunk's signatures together (for Ed25519, one inversion) */
		pdl_act_verify_many(D.engine.info.ledger_id, c, k);
		for (size_t i = 0; i < k; i++)
			j->items[idx[i]].have_vpk = c[i].rc == PDL_OK;
		free(t);
		if (atomic_fetch_sub(&j->pending, 1) == 1)
			pdld_queue_push(&D.commitq, j);
	}
	return NULL;
}
