/*
 * readacl.h — who may read a log entry's bytes over a network listener.
 *
 * pdld serves every entry on its trusted local listener (the ipc:// socket
 * in the data directory, as private as the key files). On a network
 * listener (tcp://, tls+tcp://) an entry whose act is public
 * (pdl_act_public: the rules table's disclosure rule, fail-closed) goes to
 * anyone; a private one only to a reader entitled to it:
 *   (a) a party with the authority or the auditor role (from its party
 *       record, as it is now);
 *   (b) the act's actor;
 *   (c) a party named in the act: a string equal to the reader's id under
 *       one of the party keys below, anywhere in the act's body or its
 *       outcome (settlement lines name each party paid);
 *   (d) a party named, the same way, in the record of what the act is about
 *       as the state holds it now: the call of a `call_id` (its requesting
 *       developer and the grant's operator), the product of a `product_id`
 *       (developer, operator), the quality report of a `report_id` (the
 *       resource's provider), the settlement of a `settlement_id`.
 * Party keys: party, developer, operator, provider, source, holder.
 *
 * Invariants:
 *  (1) fail closed: an entry that does not decode, an unknown act type, a
 *      record that does not parse: private, served by (a) and (b) only if
 *      they can be established, else refused;
 *  (2) reading never writes: the transaction is the caller's read snapshot.
 */
#ifndef PDL_READACL_H
#define PDL_READACL_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* A reader of pdld's network listener. An anonymous reader has party[0] == 0. */
struct pdl_net_reader {
	char party[PDL_ID_LEN_MAX + 1];
	uint32_t roles; /* PDL_ROLE_* from its party record */
};

/* 1 when the entry may go to anyone (its act is public), else 0 (also
 * when it does not decode). */
int pdl_readacl_public(const uint8_t *e, size_t n);

/* 1 when reader r may have entry e (n bytes), else 0. t and s give the
 * records of (d); t may be NULL (then (d) is skipped). */
int pdl_readacl_allows(MDB_txn *t, const struct pdl_store *s, const struct pdl_net_reader *r, const uint8_t *e,
                       size_t n);

#endif
