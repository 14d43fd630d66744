/*
 * date.h — the ledger's calendar: dates in China Standard Time (UTC+8,
 * ACTS.md), from and to ledger time in ms, and calendar arithmetic. Pure
 * functions of their arguments: working days, which need the published
 * holidays, are the rules' (rules/acts/state.h).
 *
 * Invariants:
 *  (1) pdl_date_of_ms(pdl_ms_of_date(d)) == d for every valid date d from
 *      1970 on;
 *  (2) a date is compared, added to and formatted field by field; nothing
 *      here reads a clock or the time zone of the host.
 */
#ifndef PDL_DATE_H
#define PDL_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "mp.h"

#define PDL_CST_OFFSET_MS (8ull * 3600 * 1000)
#define PDL_DAY_MS (86400ull * 1000)

struct pdl_date {
	int y, m, d;
};
/* Calendar date in CST of a ledger time. */
struct pdl_date pdl_date_of_ms(uint64_t ms);
/* First ms (00:00 CST) of a date. */
uint64_t pdl_ms_of_date(struct pdl_date d);
/* Parses "YYYY-MM-DD" (already validated by the schema). */
struct pdl_date pdl_date_parse(struct pdl_str s);
/* A ledger time as people read it: ISO 8601 in CST, to the minute when
 * that is exact ("2026-12-17T00:00+08:00"), else to the second, else to the
 * ms ("2026-10-09T10:00:05.250+08:00"). Lossless: parse_when reads it back.
 * buf holds PDL_CST_LEN bytes; returns buf. */
#define PDL_CST_LEN 32u
char *pdl_ms_cst(uint64_t ms, char buf[PDL_CST_LEN]);
/* "YYYY-MM-DD" into buf (11 bytes). */
void pdl_date_format(struct pdl_date d, char buf[11]);
struct pdl_date pdl_date_add_days(struct pdl_date d, int days);
int pdl_date_cmp(struct pdl_date a, struct pdl_date b);
/* 0 = Monday … 6 = Sunday */
int pdl_date_weekday(struct pdl_date d);
/* Months between two dates, rounded up (a term of 36 months and 1 day is 37). */
uint64_t pdl_months_between(struct pdl_date a, struct pdl_date b);
/* The same day n months later; a day the month lacks becomes its last
 * (2027-01-31 + 1 month = 2027-02-28). */
struct pdl_date pdl_date_add_months(struct pdl_date d, uint64_t n);

/* Day numbers: days since 1970-01-01, for arithmetic on CST dates. */
int64_t pdl_day_of_date(struct pdl_date d);
struct pdl_date pdl_date_of_day(int64_t day);
int64_t pdl_day_of_ms(uint64_t ms); /* the day number of a ledger time's CST date */
/* 0 = Monday … 6 = Sunday */
int pdl_day_weekday(int64_t day);

/* The one check of dates and periods from outside (act fields, HTTP and
 * command-line parameters): "YYYY-MM-DD" a real date, "YYYY-MM" a month
 * 01–12, years 1970–9999 (ledger time starts in 1970; four digits). */
int pdl_date_valid(const char *s, size_t n);
int pdl_period_valid(const char *s, size_t n);
/* pdl_date_valid, then the day number: PDL_OK or PDL_EINVAL. */
int pdl_day_parse(const char *s, size_t n, int64_t *day);
/* "YYYY-MM" of a ledger time in CST into buf (8 bytes). */
void pdl_period_of_ms(uint64_t ms, char buf[8]);
/* ISO 8601 in CST: "2026-10-09T10:00:00+08:00" into buf (26 bytes). */
void pdl_ms_iso(uint64_t ms, char buf[26]);

/* Working days (ACTS.md): a date the authority published as a make-up
 * workday, or a Monday–Friday it did not publish as a holiday. A calendar
 * is those published dates as sorted, duplicate-free day numbers (borrowed
 * arrays): the rules load it from the ledger's calendar records
 * (state.h), the metrics view from its own copy of them. */
struct pdl_workcal {
	const int64_t *holidays;
	size_t n_holidays;
	const int64_t *workdays; /* make-up working days */
	size_t n_workdays;
};
int pdl_workcal_is_workday(const struct pdl_workcal *cal, int64_t day);
/* Working days in [from, to); 0 when to <= from. */
uint64_t pdl_workcal_count(const struct pdl_workcal *cal, int64_t from, int64_t to);
/* The n-th working day after day (n ≥ 1), if it comes before end:
 * PDL_OK and *out; PDL_ENOTFOUND (with *left, the working days still
 * to go after [day + 1, end)) otherwise. */
int pdl_workcal_after(const struct pdl_workcal *cal, int64_t day, uint64_t n, int64_t end, int64_t *out,
                      uint64_t *left);

#endif
