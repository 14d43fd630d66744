/* fam_catalog.c — the catalog family (DESIGN §5). Not yet implemented: the table is empty. */
#include "families.h"

static const struct pdl_act_def acts[] = {
	{NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

const struct pdl_family pdl_family_catalog = {"catalog", acts, 0};

int
pdl_resource_check(struct pdl_ctx *c, struct pdl_str resource_id, struct mp_cur *rec)
{
	(void)rec;
	return pdl_rule_fail(c, "catalog.unknown_resource", "no resource %.*s", (int)resource_id.n, resource_id.p);
}
