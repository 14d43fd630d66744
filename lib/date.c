/* date.c — see date.h. The day-count algorithms are H. Hinnant's
 * days_from_civil / civil_from_days (proleptic Gregorian, any year). */
#include <stdio.h>

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

char *
pdl_ms_cst(uint64_t ms, char buf[PDL_CST_LEN])
{
	struct pdl_date d = pdl_date_of_ms(ms);
	uint64_t in_day = (ms + PDL_CST_OFFSET_MS) % PDL_DAY_MS;
	unsigned h = (unsigned)(in_day / 3600000u), mi = (unsigned)(in_day / 60000u % 60u);
	unsigned s = (unsigned)(in_day / 1000u % 60u), frac = (unsigned)(in_day % 1000u);
	char date[11];
	pdl_date_format(d, date);
	if (s == 0 && frac == 0)
		snprintf(buf, PDL_CST_LEN, "%sT%02u:%02u+08:00", date, h, mi);
	else if (frac == 0)
		snprintf(buf, PDL_CST_LEN, "%sT%02u:%02u:%02u+08:00", date, h, mi, s);
	else
		snprintf(buf, PDL_CST_LEN, "%sT%02u:%02u:%02u.%03u+08:00", date, h, mi, s, frac);
	return buf;
}

void
pdl_date_format(struct pdl_date d, char buf[11])
{
	snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)d.y % 10000u, (unsigned)d.m % 100u, (unsigned)d.d % 100u);
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
