/*
 * fam_calendar.c — the calendar family: the authority publishes the
 * holidays and make-up workdays of a year, and every working-day deadline
 * (registration accept_due, notice_ends) is counted on it.
 *
 * State:
 *   cal/<year> → {holidays [date], workdays [date], seq}
 *
 * Invariants:
 *  (1) every date in cal/<year> lies in <year>; a workday is a Saturday or
 *      Sunday; no date is both a holiday and a workday; no date repeats;
 *  (2) publishing a year again replaces its record whole (the authority
 *      corrects its calendar): deadlines computed later use the new one,
 *      deadlines already recorded in entries and records stay as they were;
 *  (3) a year with no record is plain: Monday–Friday work, weekends off
 *      (pdl_is_workday in state.c reads this record).
 */
#include <stdio.h>
#include <string.h>

#include "families.h"

#define CAL_YEAR_MIN 1970u  /* ledger time starts at the epoch */
#define CAL_YEAR_MAX 9999u  /* dates are YYYY-MM-DD */
#define CAL_DATES_MAX 366u  /* a list cannot name more days than a year has */

static const struct pdl_field publish_fields[] = {
	{"year", F_UINT, 0, 0, NULL},
	{"holidays", F_DATES, 0, CAL_DATES_MAX, NULL},
	{"workdays", F_DATES, 0, CAL_DATES_MAX, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { P_YEAR, P_HOLIDAYS, P_WORKDAYS };

/* Checks one list: every date in the year, no date twice, workdays on a
 * weekend, none in the other list. */
static int
check_list(struct pdl_ctx *c, unsigned which, unsigned other, uint64_t year)
{
	struct mp_cur arr = pdl_body(c, which), oth = pdl_body(c, other);
	const char *name = which == P_HOLIDAYS ? "holidays" : "workdays";
	uint32_t n;
	if (mp_read_array(&arr, &n) != PDL_OK)
		return PDL_EFIELD;
	struct mp_cur seen = pdl_body(c, which);
	uint32_t seen_n;
	if (mp_read_array(&seen, &seen_n) != PDL_OK)
		return PDL_EFIELD;
	for (uint32_t i = 0; i < n; i++) {
		struct pdl_str s;
		if (mp_read_str(&arr, &s.p, &s.n) != PDL_OK)
			return PDL_EFIELD;
		struct pdl_date d = pdl_date_parse(s);
		if ((uint64_t)d.y != year)
			return pdl_rule_fail(c, "calendar.date_outside_year", "%s: %.*s is not in %llu", name, (int)s.n,
			                     s.p, (unsigned long long)year);
		/* the earlier entries of the same list: quadratic, but n ≤ 366 */
		struct mp_cur e = seen;
		for (uint32_t j = 0; j < i; j++) {
			struct pdl_str t;
			if (mp_read_str(&e, &t.p, &t.n) != PDL_OK)
				return PDL_EFIELD;
			if (pdl_str_eq(s, t))
				return pdl_rule_fail(c, "calendar.date_repeated", "%s: %.*s is listed twice", name,
				                     (int)s.n, s.p);
		}
		if (which == P_WORKDAYS && pdl_date_weekday(d) < 5)
			return pdl_rule_fail(c, "calendar.workday_not_weekend",
			                     "workdays: %.*s is a weekday already; a make-up workday is a Saturday or Sunday",
			                     (int)s.n, s.p);
		if (pdl_strs_has(oth, s))
			return pdl_rule_fail(c, "calendar.date_in_both", "%.*s is listed both as a holiday and as a workday",
			                     (int)s.n, s.p);
	}
	return PDL_OK;
}

static int
publish_validate(struct pdl_ctx *c)
{
	uint64_t year = pdl_body_uint(c, P_YEAR);
	if (year < CAL_YEAR_MIN || year > CAL_YEAR_MAX)
		return pdl_rule_fail(c, "calendar.year_out_of_range", "year %llu is outside %u..%u",
		                     (unsigned long long)year, CAL_YEAR_MIN, CAL_YEAR_MAX);
	/* A holiday on a weekend changes nothing, but the authority's list is
	 * recorded as published, so it is allowed. */
	int rc = check_list(c, P_HOLIDAYS, P_WORKDAYS, year);
	if (rc != PDL_OK)
		return rc;
	return check_list(c, P_WORKDAYS, P_HOLIDAYS, year);
}

static int
publish_apply(struct pdl_ctx *c)
{
	char yb[8];
	snprintf(yb, sizeof yb, "%04u", (unsigned)(pdl_body_uint(c, P_YEAR) % 10000u));
	/* a whole new record, not pdl_rec_set: a republished year keeps nothing
	 * of the old one (invariant 2) */
	struct pdl_kv kv[] = {
		KV_RAWV("holidays", pdl_body(c, P_HOLIDAYS)),
		KV_RAWV("workdays", pdl_body(c, P_WORKDAYS)),
		KV_U("seq", c->seq),
	};
	int rc = pdl_rec_del(c, "cal", pdl_cstr(yb));
	if (rc != PDL_OK)
		return rc;
	return pdl_rec_set(c, "cal", pdl_cstr(yb), kv, sizeof kv / sizeof kv[0]);
}

static const struct pdl_act_def acts[] = {
	{"calendar.publish", PDL_ROLE_AUTHORITY, publish_fields, publish_validate, publish_apply,
	 "publish (or republish) a year's holidays and make-up workdays for working-day deadlines", "authority", PDL_PUBLIC},
};

const struct pdl_family pdl_family_calendar = {"calendar", acts, sizeof acts / sizeof acts[0]};
