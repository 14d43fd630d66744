/* date.c — see date.h. The day-count algorithms are H. Hinnant's
 * days_from_civil / civil_from_days (proleptic Gregorian, any year). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "date.h"

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static struct pdl_date
civil_from_days(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	struct pdl_date r = {(int)(y + (m <= 2)), (int)m, (int)d};
	return r;
}

struct pdl_date
pdl_date_of_ms(uint64_t ms)
{
	return civil_from_days((int64_t)((ms + PDL_CST_OFFSET_MS) / PDL_DAY_MS));
}

uint64_t
pdl_ms_of_date(struct pdl_date d)
{
	int64_t days = days_from_civil(d.y, (unsigned)d.m, (unsigned)d.d);
	return (uint64_t)days * PDL_DAY_MS - PDL_CST_OFFSET_MS;
}

struct pdl_date
pdl_date_parse(struct pdl_str s)
{
	struct pdl_date d = {0, 0, 0};
	if (s.n < 10)
		return d;
	d.y = (s.p[0] - '0') * 1000 + (s.p[1] - '0') * 100 + (s.p[2] - '0') * 10 + (s.p[3] - '0');
	d.m = (s.p[5] - '0') * 10 + (s.p[6] - '0');
	d.d = (s.p[8] - '0') * 10 + (s.p[9] - '0');
	return d;
}

/* v in exactly n decimal digits (the lowest n, zero-padded) at p; returns
 * the end. The dates here are written on every served entry, so without
 * snprintf's format parsing; same bytes as "%0Nu". */
static char *
digits(char *p, unsigned v, unsigned n)
{
	for (unsigned i = n; i-- > 0; v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

char *
pdl_ms_cst(uint64_t ms, char buf[PDL_CST_LEN])
{
	struct pdl_date d = pdl_date_of_ms(ms);
	uint64_t in_day = (ms + PDL_CST_OFFSET_MS) % PDL_DAY_MS;
	unsigned h = (unsigned)(in_day / 3600000u), mi = (unsigned)(in_day / 60000u % 60u);
	unsigned s = (unsigned)(in_day / 1000u % 60u), frac = (unsigned)(in_day % 1000u);
	char *p = buf;
	pdl_date_format(d, p);
	p += 10;
	*p++ = 'T';
	p = digits(p, h, 2);
	*p++ = ':';
	p = digits(p, mi, 2);
	if (s != 0 || frac != 0) {
		*p++ = ':';
		p = digits(p, s, 2);
		if (frac != 0) {
			*p++ = '.';
			p = digits(p, frac, 3);
		}
	}
	memcpy(p, "+08:00", 7);
	assert(p + 7 <= buf + PDL_CST_LEN);
	return buf;
}

void
pdl_date_format(struct pdl_date d, char buf[11])
{
	char *p = digits(buf, (unsigned)d.y % 10000u, 4);
	*p++ = '-';
	p = digits(p, (unsigned)d.m % 100u, 2);
	*p++ = '-';
	p = digits(p, (unsigned)d.d % 100u, 2);
	*p = 0;
}

struct pdl_date
pdl_date_add_days(struct pdl_date d, int days)
{
	return civil_from_days(days_from_civil(d.y, (unsigned)d.m, (unsigned)d.d) + days);
}

int
pdl_date_cmp(struct pdl_date a, struct pdl_date b)
{
	if (a.y != b.y)
		return a.y < b.y ? -1 : 1;
	if (a.m != b.m)
		return a.m < b.m ? -1 : 1;
	if (a.d != b.d)
		return a.d < b.d ? -1 : 1;
	return 0;
}

int
pdl_date_weekday(struct pdl_date d)
{
	int64_t z = days_from_civil(d.y, (unsigned)d.m, (unsigned)d.d);
	/* 1970-01-01 was a Thursday (3 with Monday = 0) */
	int64_t w = (z + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

uint64_t
pdl_months_between(struct pdl_date a, struct pdl_date b)
{
	if (pdl_date_cmp(b, a) <= 0)
		return 0;
	int64_t months = (int64_t)(b.y - a.y) * 12 + (b.m - a.m);
	if (b.d > a.d)
		months++;
	return months < 0 ? 0 : (uint64_t)months;
}

struct pdl_date
pdl_date_add_months(struct pdl_date d, uint64_t n)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	uint64_t m0 = (uint64_t)d.m - 1 + n % 12;
	struct pdl_date r = {d.y + (int)(n / 12 + m0 / 12), (int)(m0 % 12) + 1, d.d};
	int leap = (r.y % 4 == 0 && r.y % 100 != 0) || r.y % 400 == 0;
	int last = days[r.m - 1] + (r.m == 2 && leap);
	if (r.d > last)
		r.d = last;
	return r;
}

int64_t
pdl_day_of_date(struct pdl_date d)
{
	assert(d.m >= 1 && d.m <= 12 && d.d >= 1 && d.d <= 31);
	return days_from_civil(d.y, (unsigned)d.m, (unsigned)d.d);
}

struct pdl_date
pdl_date_of_day(int64_t day)
{
	return civil_from_days(day);
}

int64_t
pdl_day_of_ms(uint64_t ms)
{
	return (int64_t)((ms + PDL_CST_OFFSET_MS) / PDL_DAY_MS);
}

int
pdl_day_weekday(int64_t day)
{
	int64_t w = (day + 3) % 7; /* 1970-01-01 was a Thursday */
	return (int)(w < 0 ? w + 7 : w);
}

static int
month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return days[m - 1] + (m == 2 && leap);
}

/* "YYYY-MM" or "YYYY-MM-DD" (with_day): the digits and dashes, the year
 * and month in range; the day is the caller's. */
static int
shape_ok(const char *s, size_t n, int with_day, int *y, int *m)
{
	if (s == NULL || n != (with_day ? 10u : 7u))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return 0;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	return *y >= 1970 && *m >= 1 && *m <= 12;
}

int
pdl_period_valid(const char *s, size_t n)
{
	int y, m;
	return shape_ok(s, n, 0, &y, &m);
}

int
pdl_date_valid(const char *s, size_t n)
{
	int y, m;
	if (!shape_ok(s, n, 1, &y, &m))
		return 0;
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	return d >= 1 && d <= month_days(y, m);
}

int
pdl_day_parse(const char *s, size_t n, int64_t *day)
{
	if (!pdl_date_valid(s, n))
		return PDL_EINVAL;
	struct pdl_str str = {s, n};
	*day = pdl_day_of_date(pdl_date_parse(str));
	return PDL_OK;
}

void
pdl_period_of_ms(uint64_t ms, char buf[8])
{
	struct pdl_date d = pdl_date_of_ms(ms);
	/* a uint64 ms reaches year ~584 million: the last four digits, as the
	 * ledger's dates are years 1970–9999 */
	snprintf(buf, 8, "%04u-%02u", (unsigned)d.y % 10000u, (unsigned)d.m % 100u);
}

void
pdl_ms_iso(uint64_t ms, char buf[26])
{
	uint64_t s = (ms + PDL_CST_OFFSET_MS) % PDL_DAY_MS / 1000;
	char date[11];
	pdl_date_format(pdl_date_of_ms(ms), date);
	snprintf(buf, 26, "%sT%02u:%02u:%02u+08:00", date, (unsigned)(s / 3600), (unsigned)(s / 60 % 60),
	         (unsigned)(s % 60));
}

static int
has_day(const int64_t *v, size_t n, int64_t day)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] == day)
			return 1;
		if (v[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* First index with v[i] >= day. */
static size_t
lower_bound(const int64_t *v, size_t n, int64_t day)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
pdl_workcal_is_workday(const struct pdl_workcal *cal, int64_t day)
{
	if (has_day(cal->workdays, cal->n_workdays, day))
		return 1;
	return pdl_day_weekday(day) < 5 && !has_day(cal->holidays, cal->n_holidays, day);
}

uint64_t
pdl_workcal_count(const struct pdl_workcal *cal, int64_t from, int64_t to)
{
	if (to <= from)
		return 0;
	/* Mondays–Fridays arithmetically, then the listed dates that change
	 * the answer: a holiday on a weekday (unless also a make-up day) is
	 * one less, a make-up day on a weekend one more. */
	uint64_t n = (uint64_t)(to - from), count = n / 7 * 5;
	for (int64_t d = from + (int64_t)(n / 7 * 7); d < to; d++)
		count += pdl_day_weekday(d) < 5;
	for (size_t i = lower_bound(cal->holidays, cal->n_holidays, from); i < cal->n_holidays && cal->holidays[i] < to;
	     i++)
		if (pdl_day_weekday(cal->holidays[i]) < 5 && !has_day(cal->workdays, cal->n_workdays, cal->holidays[i]))
			count--;
	for (size_t i = lower_bound(cal->workdays, cal->n_workdays, from); i < cal->n_workdays && cal->workdays[i] < to;
	     i++)
		if (pdl_day_weekday(cal->workdays[i]) >= 5)
			count++;
	assert(count <= n);
	return count;
}

int
pdl_workcal_after(const struct pdl_workcal *cal, int64_t day, uint64_t n, int64_t end, int64_t *out, uint64_t *left)
{
	assert(n >= 1);
	uint64_t in = pdl_workcal_count(cal, day + 1, end);
	if (in < n) {
		*left = n - in;
		return PDL_ENOTFOUND;
	}
	/* at most n / 5 weeks plus the holidays in them: count forward */
	for (int64_t d = day + 1; d < end; d++)
		if (pdl_workcal_is_workday(cal, d) && --n == 0) {
			*out = d;
			*left = 0;
			return PDL_OK;
		}
	assert(0); /* count said the n-th working day comes before end */
	return PDL_ENOTFOUND;
}
