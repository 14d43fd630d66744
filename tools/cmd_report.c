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
#include "views.h"

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
			if (pdl_u64_parse(optarg, &year) != PDL_OK || year < 1970 || year > 9999)
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
	json_t *doc;
	struct pdl_status st = {0};
	if (pdl_disclosure_annual(view, (int)year, &doc, &st) != PDL_OK) {
		fprintf(stderr, "pdl report: %s\n", st.msg);
		return 1;
	}
	out_json(doc);
	return 0;
}
