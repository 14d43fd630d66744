/* fam_grant.c — the grant family (DESIGN §5). Not yet implemented: the table is empty. */
#include "families.h"

static const struct pdl_act_def acts[] = {
	{NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

const struct pdl_family pdl_family_grant = {"grant", acts, 0};

int
pdl_grant_check(struct pdl_ctx *c, struct pdl_str grant_id, struct mp_cur *rec)
{
	(void)rec;
	return pdl_rule_fail(c, "grant.unknown", "no grant %.*s", (int)grant_id.n, grant_id.p);
}
