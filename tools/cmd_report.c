/*
 * pdl report annual — the annual disclosure (due by 31 March for the
 * previous year), read from a disclosure view with the same code that
 * serves GET /v1/reports/annual, so the two never differ.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "disclosure.h"
#include "proj.h"

extern const struct pdl_view pdl_view_disclosure;

int
cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {{"year", required_argument, NULL, 'y'}, {"view", required_argument, NULL, 'v'},
	                                     {"help", no_argument, NULL, 'h'}, {0}};
	const char *view = NULL;
	uint64_t year = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'y':
			if (parse_u64(optarg, &year) != PDL_OK || year < 1970 || year > 9999)
				return usage_error("report", "--year is a year such as 2026");
			break;
		case 'v': view = optarg; break;
		case 'h':
			printf("usage: pdl report annual --year YEAR --view VIEWDIR\n\n"
			       "The annual disclosure of YEAR, the document the implementing agency and the operators\n"
			       "deposit and publish (disclosure.publish; due by the policy's date, national 31 March\n"
			       "of the next year): grants\n"
			       "(objects, content, scope, term, agreement, amendments, rectifications, exits and the\n"
			       "date their logs are kept until), fee caps and the year's price caps (caps per unit,\n"
			       "allowed revenue, the deduction carried in and out); for each operator the resources it\n"
			       "is authorized to use, its products and services with their actual prices, resource\n"
			       "usage and its own disclosure; and the year's disclosures, late ones flagged and\n"
			       "counted. VIEWDIR is the --data directory of a `pdl-project disclosure` or\n"
			       "`pdl-project all` worker (read-only, safe while it runs); the output equals\n"
			       "GET /v1/reports/annual?year=YEAR.\n");
			return 0;
		default: return usage_error("report", "unknown option");
		}
	}
	if (optind + 1 != argc || strcmp(argv[optind], "annual") != 0)
		return usage_error("report", "the report is `annual`");
	if (year == 0 || view == NULL)
		return usage_error("report", "--year YEAR and --view VIEWDIR are required");
	const struct pdl_view *views[1] = {&pdl_view_disclosure};
	struct pdl_vdb db;
	if (pdl_vdb_open(&db, view, views, 1, 1) != PDL_OK) {
		fprintf(stderr, "pdl report: no disclosure view in %s (run pdl-project disclosure|all --data %s)\n", view, view);
		return 1;
	}
	MDB_txn *t;
	struct disc_tables tb;
	if (mdb_txn_begin(db.env, NULL, MDB_RDONLY, &t) != 0) {
		fprintf(stderr, "pdl report: cannot read the view in %s\n", view);
		pdl_vdb_close(&db);
		return 1;
	}
	disc_tables_get(&db, &tb);
	json_t *doc = disc_annual(t, &tb, (int)year);
	mdb_txn_abort(t);
	pdl_vdb_close(&db);
	if (doc == NULL) {
		fprintf(stderr, "pdl report: the view could not produce the %llu report\n", (unsigned long long)year);
		return 1;
	}
	out_json(doc);
	return 0;
}
