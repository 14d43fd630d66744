/* view_disclosure.c — the disclosure view (DESIGN §6). Not yet implemented. */
#include "http.h"

static const char *const tables[] = {"disclosure_docs", NULL};

static int
apply(struct pdl_vdb *db, MDB_txn *t, const struct pdl_ventry *e)
{
	(void)db;
	(void)t;
	(void)e;
	return PDL_OK;
}

const struct pdl_view pdl_view_disclosure = {"disclosure", tables, apply};

const struct pdl_route pdl_routes_disclosure[] = {
	{NULL, 0, NULL},
};
