/*
 * state.h — what act families share: records in the state table, ledger
 * time in China Standard Time, working days, and registration codes.
 *
 * Records: state key "<kind>/<id>" → a msgpack map. Families read each
 * other's records by name (the kinds and fields are listed in
 * spec/acts.md, "State records"), so a record's fields are a contract
 * between families just as act bodies are a contract with clients.
 *
 * Invariants:
 *  (1) a record is only written inside the writer's transaction by an
 *      act's apply function, so `verify --replay` can rebuild it;
 *  (2) pdl_rec_set keeps every field it is not told to change, in order,
 *      and appends new ones, so records change deterministically.
 */
#ifndef PDL_STATE_H
#define PDL_STATE_H

#include "check.h"
#include "date.h"
#include "rules.h"

#define PDL_REC_KEY_MAX 256u

/* A field value for pdl_rec_set. */
enum pdl_kv_type { KV_STR, KV_UINT, KV_INT, KV_BOOL, KV_RAW, KV_NIL };
struct pdl_kv {
	const char *key;
	uint8_t type;
	const char *s; /* KV_STR: string; KV_RAW: msgpack bytes of one value */
	size_t n;
	uint64_t u;    /* KV_UINT, KV_BOOL; KV_INT as (int64_t) */
};
#define KV_S(k, str) ((struct pdl_kv){(k), KV_STR, (str).p, (str).n, 0})
#define KV_CS(k, cstr) ((struct pdl_kv){(k), KV_STR, (cstr), strlen(cstr), 0})
#define KV_U(k, v) ((struct pdl_kv){(k), KV_UINT, NULL, 0, (uint64_t)(v)})
#define KV_I(k, v) ((struct pdl_kv){(k), KV_INT, NULL, 0, (uint64_t)(int64_t)(v)})
#define KV_B(k, v) ((struct pdl_kv){(k), KV_BOOL, NULL, 0, (uint64_t)((v) != 0)})
#define KV_RAWV(k, cur) ((struct pdl_kv){(k), KV_RAW, (const char *)(cur).p, 0, 0}) /* n filled by skip */

/* Reads record kind/id; *rec is positioned on its map (points into the LMDB
 * map: valid until the transaction ends or the record is written).
 * Returns PDL_OK, PDL_ENOTFOUND, or a store error. */
int pdl_rec_get(struct pdl_ctx *c, const char *kind, struct pdl_str id, struct mp_cur *rec);
int pdl_rec_exists(struct pdl_ctx *c, const char *kind, struct pdl_str id);
/* Sets fields of kind/id (creating it if absent). */
int pdl_rec_set(struct pdl_ctx *c, const char *kind, struct pdl_str id, const struct pdl_kv *kv, size_t n);
/* Writes a whole record from raw msgpack map bytes. */
int pdl_rec_put_raw(struct pdl_ctx *c, const char *kind, struct pdl_str id, const void *b, size_t n);
int pdl_rec_del(struct pdl_ctx *c, const char *kind, struct pdl_str id);

/* Field readers on a record (or any map). Return PDL_ENOTFOUND if absent. */
int pdl_rec_str(struct mp_cur rec, const char *key, struct pdl_str *out);
int pdl_rec_uint(struct mp_cur rec, const char *key, uint64_t *out);
int pdl_rec_bool(struct mp_cur rec, const char *key, int *out);
/* A signed integer field (stored uint or negative int). */
int pdl_rec_int(struct mp_cur rec, const char *key, int64_t *out);
/* 1 when the string field equals lit. */
int pdl_rec_is(struct mp_cur rec, const char *key, const char *lit);
/* 1 when the array of strings at cur (positioned on an array) holds s. */
int pdl_strs_has(struct mp_cur arr, struct pdl_str s);

/* A body field as a cursor positioned on its value (arrays, maps). */
struct mp_cur pdl_body(const struct pdl_ctx *c, unsigned i);
struct pdl_str pdl_body_str(const struct pdl_ctx *c, unsigned i);
uint64_t pdl_body_uint(const struct pdl_ctx *c, unsigned i);
int pdl_body_has(const struct pdl_ctx *c, unsigned i);
/* The actor as a string. */
struct pdl_str pdl_actor(const struct pdl_ctx *c);
int pdl_str_eq(struct pdl_str a, struct pdl_str b);
struct pdl_str pdl_cstr(const char *s);

/* Party checks for rules. */
int pdl_party_has_role(struct pdl_ctx *c, struct pdl_str id, uint32_t role); /* 1/0 */
int pdl_actor_has_role(struct pdl_ctx *c, uint32_t role);

/* ---- working days (the dates themselves are lib/date.h) ---- */

/* Working days from calendar.publish records (cal/<year>): a Monday–Friday
 * not a published holiday, or a published make-up workday. */
int pdl_is_workday(struct pdl_ctx *c, struct pdl_date d, int *yes);
/* ACTS.md deadline: day 1 is the first working day after the calendar day
 * of `from_ms`; returns the first ms of the calendar day after working day n. */
int pdl_workday_deadline(struct pdl_ctx *c, uint64_t from_ms, uint64_t n, uint64_t *deadline_ms);
/* The inverse, for messages: the working days after the calendar day of
 * `now_ms` and before the day `deadline_ms` falls on, so that a deadline
 * pdl_workday_deadline made from now with n days gives n back (0 when the
 * deadline is past or tomorrow). Counts at most 4,000 days. */
int pdl_workdays_left(struct pdl_ctx *c, uint64_t now_ms, uint64_t deadline_ms, uint64_t *n);

/* ---- registration codes ---- */
/* Assigns the next code for (jurisdiction, year of c->time_ms, kind) and
 * writes it to out (NUL-terminated, PDL_CODE_LEN + 1 bytes; the form and
 * pdl_code_valid are lib/check.h's). */
int pdl_code_assign(struct pdl_ctx *c, char kind, char out[PDL_CODE_LEN + 1]);

#endif
