/* verifiers.c — pdld's verifier threads: decode each act of a submit
 * request and check its signature with the actor's key from a read
 * snapshot, off the writer thread; a finished request goes to the writer. */
#include <stdlib.h>
#include <string.h>

#include "pdld.h"

void *
pdld_verifier_main(void *arg)
{
	(void)arg;
	struct task *t;
	while ((t = pdld_queue_pop(&D.verifyq)) != NULL) {
		struct job *j = t->job;
		MDB_txn *txn = NULL;
		struct pdl_party p;
		const char *last_actor = NULL;
		size_t last_actor_len = 0;
		if (pdl_store_rtxn(&D.store, &txn) != PDL_OK)
			txn = NULL;
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
			if (pdl_act_verify(D.engine.info.ledger_id, it->act.bytes, it->act.len, it->act.sig, &p.pk) == PDL_OK) {
				it->have_vpk = 1;
				it->vpk = p.pk;
			}
		}
		if (txn != NULL)
			pdl_store_rdone(&D.store, txn);
		free(t);
		if (atomic_fetch_sub(&j->pending, 1) == 1)
			pdld_queue_push(&D.commitq, j);
	}
	return NULL;
}
