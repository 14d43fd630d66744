/*
 * settle.h — a settlement as the ledger computes it (fam_revenue.c), for
 * the tools that show it before or after: `pdl settle --dry-run` prints the
 * lines a settlement.run would record now, and `--explain` every input and
 * step of them, so a reader can redo the split by hand (split.h).
 *
 * The calculation is the one settlement.run records: the same function
 * fills this struct, from a read-only rules context over a snapshot.
 */
#ifndef PDL_SETTLE_H
#define PDL_SETTLE_H

#include "rules.h"
#include "split.h"

#define PDL_SETTLE_INPUTS_MAX 256u /* resources and products walked for one settlement */

/* One input resource: who provides it and the records it served the
 * product's developer under the product's grant in the period (its
 * usage/<grant>/<developer>/<period>/<resource> record: the sum of the
 * call.usage acts for that key). */
struct pdl_settle_use {
	char resource[PDL_ID_LEN_MAX + 1];
	char provider[PDL_ID_LEN_MAX + 1];
	uint64_t records;
};

struct pdl_settle_calc {
	int64_t gross;                       /* Σ of the latest revenue record of each original */
	char grant[PDL_ID_LEN_MAX + 1];
	uint32_t bp[4];                      /* the grant's split_bp: providers, operator, developer, authority */
	size_t np;                           /* providers, by party id */
	struct {
		char id[PDL_ID_LEN_MAX + 1];
		uint64_t w;                  /* Σ records of its resources */
	} prov[PDL_SPLIT_PROVIDERS_MAX];
	size_t nres;
	struct pdl_settle_use res[PDL_SETTLE_INPUTS_MAX]; /* the product's input resources, transitively */
	char op[PDL_ID_LEN_MAX + 1], dev[PDL_ID_LEN_MAX + 1], auth[PDL_ID_LEN_MAX + 1];
	int64_t amounts[PDL_SPLIT_PROVIDERS_MAX + 3]; /* providers…, operator, developer, authority */
};

/* The lines a settlement.run of product and period would record now, as
 * {gross_fen, lines: [{party, role, amount_fen}]} packed into pk. Refused
 * with the rule a settlement.run would name (settlement.unknown_product,
 * .welfare_product, .period_not_over, .already_settled, overflows), except
 * the two that depend on the act (settlement.not_operator, .id_taken). */
int pdl_settlement_preview(struct pdl_ctx *c, struct pdl_str product, struct pdl_str period, msgpack_packer *pk);

/* The calculation itself into *x, for --explain, refused only for an
 * unknown product or an overflow: it also explains a settled period from
 * today's state (the caller compares with the recorded lines). *x is
 * large (~45 KiB): keep it off small stacks. */
int pdl_settlement_explain(struct pdl_ctx *c, struct pdl_str product, struct pdl_str period,
                           struct pdl_settle_calc *x);

#endif
