/* fam_witness.c — the witness family (DESIGN §5). Not yet implemented: the table is empty. */
#include "families.h"

static const struct pdl_act_def acts[] = {
	{NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

const struct pdl_family pdl_family_witness = {"witness", acts, 0};
