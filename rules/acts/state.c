/* state.c — see state.h. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "state.h"

static size_t
rec_key(char *k, const char *kind, struct pdl_str id)
{
	return pdl_state_key(k, PDL_REC_KEY_MAX, kind, id.p, id.n);
}

int
pdl_rec_get(struct pdl_ctx *c, const char *kind, struct pdl_str id, struct mp_cur *rec)
{
	char k[PDL_REC_KEY_MAX];
	const uint8_t *v;
	size_t n, kn = rec_key(k, kind, id);
	if (kn == 0)
		return PDL_ENOTFOUND;
	int rc = pdl_store_state_get(c->txn, c->s, k, kn, &v, &n);
	if (rc != PDL_OK)
		return rc;
	*rec = mp_cur_make(v, n);
	return mp_peek(rec) == MP_MAP ? PDL_OK : PDL_ESTORE;
}

int
pdl_rec_exists(struct pdl_ctx *c, const char *kind, struct pdl_str id)
{
	struct mp_cur r;
	return pdl_rec_get(c, kind, id, &r) == PDL_OK;
}

static void
pack_kv(msgpack_packer *pk, const struct pdl_kv *kv)
{
	mp_pack_cstr(pk, kv->key);
	switch (kv->type) {
	case KV_STR: mp_pack_str(pk, kv->s, kv->n); break;
	case KV_UINT: msgpack_pack_uint64(pk, kv->u); break;
	case KV_INT: msgpack_pack_int64(pk, (int64_t)kv->u); break;
	case KV_BOOL:
		if (kv->u)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		break;
	case KV_RAW: {
		struct mp_cur v = mp_cur_make(kv->s, PDL_ACT_BYTES_MAX * 2);
		const uint8_t *start = v.p;
		size_t n = kv->n;
		if (n == 0 && mp_skip(&v) == PDL_OK)
			n = (size_t)(v.p - start);
		msgpack_sbuffer_write(pk->data, (const char *)start, n);
		break;
	}
	default: msgpack_pack_nil(pk); break;
	}
}

int
pdl_rec_set(struct pdl_ctx *c, const char *kind, struct pdl_str id, const struct pdl_kv *kv, size_t n)
{
	struct mp_cur old;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	uint32_t on = 0, keep = 0, added = 0;
	int have = pdl_rec_get(c, kind, id, &old) == PDL_OK;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	/* count the pairs first: kept old ones plus new keys */
	if (have) {
		struct mp_cur m = old;
		if (mp_read_map(&m, &on) != PDL_OK)
			goto bad;
		for (uint32_t i = 0; i < on; i++) {
			const char *k;
			size_t kn;
			if (mp_read_str(&m, &k, &kn) != PDL_OK || mp_skip(&m) != PDL_OK)
				goto bad;
			int replaced = 0;
			for (size_t j = 0; j < n; j++)
				replaced |= mp_str_eq(k, kn, kv[j].key);
			keep += !replaced;
		}
	}
	/* kv keys that exist are packed in place of the old value, the rest appended */
	added = (uint32_t)n;
	msgpack_pack_map(&pk, keep + added);
	if (have) {
		struct mp_cur m = old;
		mp_read_map(&m, &on);
		for (uint32_t i = 0; i < on; i++) {
			const char *k;
			size_t kn;
			mp_read_str(&m, &k, &kn);
			const uint8_t *vs = m.p;
			mp_skip(&m);
			size_t j;
			for (j = 0; j < n; j++)
				if (mp_str_eq(k, kn, kv[j].key))
					break;
			if (j < n) {
				pack_kv(&pk, &kv[j]); /* replaced in place: order kept */
				continue;
			}
			mp_pack_str(&pk, k, kn);
			msgpack_sbuffer_write(&sb, (const char *)vs, (size_t)(m.p - vs));
		}
	}
	for (size_t j = 0; j < n; j++) {
		int existed = 0;
		if (have) {
			struct mp_cur tmp;
			existed = mp_map_find(old, kv[j].key, &tmp) == PDL_OK;
		}
		if (!existed)
			pack_kv(&pk, &kv[j]);
	}
	int rc = pdl_rec_put_raw(c, kind, id, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return rc;
bad:
	msgpack_sbuffer_destroy(&sb);
	return PDL_ESTORE;
}

int
pdl_rec_put_raw(struct pdl_ctx *c, const char *kind, struct pdl_str id, const void *b, size_t n)
{
	char k[PDL_REC_KEY_MAX];
	size_t kn = rec_key(k, kind, id);
	if (kn == 0)
		return PDL_EINVAL;
	return pdl_store_state_put(c->txn, c->s, k, kn, b, n);
}

int
pdl_rec_del(struct pdl_ctx *c, const char *kind, struct pdl_str id)
{
	char k[PDL_REC_KEY_MAX];
	size_t kn = rec_key(k, kind, id);
	if (kn == 0)
		return PDL_EINVAL;
	int rc = pdl_store_state_del(c->txn, c->s, k, kn);
	return rc == PDL_ENOTFOUND ? PDL_OK : rc;
}

int
pdl_rec_str(struct mp_cur rec, const char *key, struct pdl_str *out)
{
	struct mp_cur v;
	int rc = mp_map_find(rec, key, &v);
	if (rc != PDL_OK)
		return rc;
	if (mp_peek(&v) != MP_STR)
		return PDL_ENOTFOUND;
	return mp_read_str(&v, &out->p, &out->n);
}

int
pdl_rec_uint(struct mp_cur rec, const char *key, uint64_t *out)
{
	struct mp_cur v;
	int rc = mp_map_find(rec, key, &v);
	if (rc != PDL_OK)
		return rc;
	if (mp_peek(&v) != MP_UINT)
		return PDL_ENOTFOUND;
	return mp_read_uint(&v, out);
}

int
pdl_rec_bool(struct mp_cur rec, const char *key, int *out)
{
	struct mp_cur v;
	int rc = mp_map_find(rec, key, &v);
	if (rc != PDL_OK)
		return rc;
	if (mp_peek(&v) != MP_BOOL)
		return PDL_ENOTFOUND;
	return mp_read_bool(&v, out);
}

int
pdl_rec_int(struct mp_cur rec, const char *key, int64_t *out)
{
	struct mp_cur v;
	int rc = mp_map_find(rec, key, &v);
	if (rc != PDL_OK)
		return rc;
	if (mp_peek(&v) != MP_UINT && mp_peek(&v) != MP_NINT)
		return PDL_ENOTFOUND;
	return mp_read_int(&v, out);
}

int
pdl_rec_is(struct mp_cur rec, const char *key, const char *lit)
{
	struct pdl_str s;
	return pdl_rec_str(rec, key, &s) == PDL_OK && mp_str_eq(s.p, s.n, lit);
}

int
pdl_strs_has(struct mp_cur arr, struct pdl_str s)
{
	uint32_t n;
	if (mp_read_array(&arr, &n) != PDL_OK)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		const char *p;
		size_t pn;
		if (mp_peek(&arr) != MP_STR) {
			if (mp_skip(&arr) != PDL_OK)
				return 0;
			continue;
		}
		if (mp_read_str(&arr, &p, &pn) != PDL_OK)
			return 0;
		if (pn == s.n && memcmp(p, s.p, pn) == 0)
			return 1;
	}
	return 0;
}

struct mp_cur
pdl_body(const struct pdl_ctx *c, unsigned i)
{
	return pdl_fields_cur(&c->act->body, i);
}

struct pdl_str
pdl_body_str(const struct pdl_ctx *c, unsigned i)
{
	return pdl_fields_str(&c->act->body, i);
}

uint64_t
pdl_body_uint(const struct pdl_ctx *c, unsigned i)
{
	return pdl_fields_uint(&c->act->body, i);
}

int
pdl_body_has(const struct pdl_ctx *c, unsigned i)
{
	return pdl_fields_has(&c->act->body, i);
}

struct pdl_str
pdl_actor(const struct pdl_ctx *c)
{
	struct pdl_str s = {c->act->actor, c->act->actor_len};
	return s;
}

int
pdl_str_eq(struct pdl_str a, struct pdl_str b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

struct pdl_str
pdl_cstr(const char *s)
{
	struct pdl_str r = {s, strlen(s)};
	return r;
}

int
pdl_party_has_role(struct pdl_ctx *c, struct pdl_str id, uint32_t role)
{
	struct pdl_party p;
	return pdl_party_get(c->txn, c->s, id.p, id.n, &p) == PDL_OK && (p.roles & role) != 0;
}

int
pdl_actor_has_role(struct pdl_ctx *c, uint32_t role)
{
	return pdl_party_has_role(c, pdl_actor(c), role);
}

/* ---- working days: the rules' calendar, counted by lib/date.h ---- */

#define CAL_YEAR_DATES_MAX 366u /* fam_calendar's CAL_DATES_MAX: a list names at most a year's days */
#define CAL_SCAN_YEARS 12u      /* a deadline searches this many years at most (n ≤ 365) */

/* One year of the published calendar (cal/<year>) as day numbers. */
struct cal_year {
	int64_t holidays[CAL_YEAR_DATES_MAX], workdays[CAL_YEAR_DATES_MAX];
	struct pdl_workcal cal;
};

static int
cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The dates of list `name` of rec into v (sorted); their count. A record
 * that does not parse is a storage error: validate wrote it whole. */
static int
cal_list(struct mp_cur rec, const char *name, int64_t *v, size_t *n)
{
	struct mp_cur arr;
	uint32_t k;
	*n = 0;
	if (mp_map_find(rec, name, &arr) != PDL_OK)
		return PDL_OK;
	if (mp_read_array(&arr, &k) != PDL_OK || k > CAL_YEAR_DATES_MAX)
		return PDL_ESTORE;
	for (uint32_t i = 0; i < k; i++) {
		const char *p;
		size_t pn;
		if (mp_read_str(&arr, &p, &pn) != PDL_OK || pdl_day_parse(p, pn, &v[i]) != PDL_OK)
			return PDL_ESTORE;
	}
	qsort(v, k, sizeof *v, cmp_day);
	*n = k;
	return PDL_OK;
}

/* Loads year y's calendar; a year without a record is plain. */
static int
cal_load(struct pdl_ctx *c, int y, struct cal_year *cy)
{
	char yb[8];
	struct mp_cur rec;
	memset(&cy->cal, 0, sizeof cy->cal);
	cy->cal.holidays = cy->holidays;
	cy->cal.workdays = cy->workdays;
	snprintf(yb, sizeof yb, "%04d", y % 10000);
	int rc = pdl_rec_get(c, "cal", pdl_cstr(yb), &rec);
	if (rc == PDL_ENOTFOUND)
		return PDL_OK;
	if (rc == PDL_OK)
		rc = cal_list(rec, "holidays", cy->holidays, &cy->cal.n_holidays);
	if (rc == PDL_OK)
		rc = cal_list(rec, "workdays", cy->workdays, &cy->cal.n_workdays);
	return rc;
}

int
pdl_is_workday(struct pdl_ctx *c, struct pdl_date d, int *yes)
{
	struct cal_year cy;
	int rc = cal_load(c, d.y, &cy);
	if (rc == PDL_OK)
		*yes = pdl_workcal_is_workday(&cy.cal, pdl_day_of_date(d));
	return rc;
}

int
pdl_workday_deadline(struct pdl_ctx *c, uint64_t from_ms, uint64_t n, uint64_t *deadline_ms)
{
	struct cal_year cy;
	int64_t day = pdl_day_of_ms(from_ms), last = day;
	assert(n <= 365); /* the genesis schema bounds accept_wd and notice_wd */
	/* each year on its own calendar, until the n-th working day */
	for (unsigned i = 0; n > 0 && i < CAL_SCAN_YEARS; i++) {
		struct pdl_date d = pdl_date_of_day(day + 1);
		struct pdl_date next = {d.y + 1, 1, 1};
		int rc = cal_load(c, d.y, &cy);
		if (rc != PDL_OK)
			return rc;
		int64_t end = pdl_day_of_date(next);
		if (pdl_workcal_after(&cy.cal, day, n, end, &last, &n) == PDL_OK)
			break;
		day = last = end - 1;
	}
	assert(last > pdl_day_of_ms(from_ms) || n == 0);
	*deadline_ms = pdl_ms_of_date(pdl_date_of_day(last + 1));
	return PDL_OK;
}

int
pdl_workdays_left(struct pdl_ctx *c, uint64_t now_ms, uint64_t deadline_ms, uint64_t *n)
{
	struct pdl_date d = pdl_date_of_ms(now_ms), end = pdl_date_of_ms(deadline_ms);
	*n = 0;
	for (int guard = 0; guard < 4000; guard++) {
		d = pdl_date_add_days(d, 1);
		if (pdl_date_cmp(d, end) >= 0)
			break;
		int yes;
		int rc = pdl_is_workday(c, d, &yes);
		if (rc != PDL_OK)
			return rc;
		*n += (uint64_t)yes;
	}
	return PDL_OK;
}

/* ---- registration codes ---- */

int
pdl_code_assign(struct pdl_ctx *c, char kind, char out[PDL_CODE_LEN + 1])
{
	char key[32], flat[32];
	struct pdl_date today = pdl_date_of_ms(c->time_ms);
	struct mp_cur rec;
	uint64_t next = 1;
	snprintf(key, sizeof key, "%.6s-%04d-%c", c->info->jurisdiction, today.y % 10000, kind);
	if (pdl_rec_get(c, "codeseq", pdl_cstr(key), &rec) == PDL_OK && pdl_rec_uint(rec, "last", &next) == PDL_OK)
		next++;
	if (next > 99999999)
		return PDL_ERULE;
	struct pdl_kv kv = KV_U("last", next);
	int rc = pdl_rec_set(c, "codeseq", pdl_cstr(key), &kv, 1);
	if (rc != PDL_OK)
		return rc;
	int fn = snprintf(flat, sizeof flat, "%.6s%04d%c%08llu", c->info->jurisdiction, today.y % 10000, kind,
	                  (unsigned long long)next);
	char check;
	if (pdl_mod3736_check_char(flat, (size_t)fn, &check) != PDL_OK)
		return PDL_EINVAL;
	snprintf(out, PDL_CODE_LEN + 1, "%.6s-%04u-%c-%08u-%c", c->info->jurisdiction, (unsigned)today.y % 10000u, kind,
	         (unsigned)(next % 100000000u), check);
	return PDL_OK;
}
