/* fam_developer.c — the developer family (DESIGN §5). Not yet implemented: the table is empty. */
#include "families.h"

static const struct pdl_act_def acts[] = {
	{NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

const struct pdl_family pdl_family_developer = {"developer", acts, 0};

int
pdl_developer_check(struct pdl_ctx *c, struct pdl_str grant_id, struct pdl_str developer, int *controlled)
{
	(void)grant_id;
	(void)controlled;
	return pdl_rule_fail(c, "developer.not_admitted", "%.*s is not admitted", (int)developer.n, developer.p);
}
