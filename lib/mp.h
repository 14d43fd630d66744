/*
 * mp.h — a bounds-checked msgpack reader, and the field schemas that act
 * bodies are checked against.
 *
 * msgpack-c encodes (its packer writes every entry, reply and record); this
 * reader decodes. It walks the bytes in place, never allocates and never
 * reads past `end`, so untrusted input (acts, requests, stored entries) is
 * decoded with one code path that the fuzzers cover.
 *
 * Invariants:
 *  (1) every mp_read_* either advances the cursor over exactly one value and
 *      returns PDL_OK, or sets cur->err to PDL_EDECODE and leaves it set;
 *  (2) nesting deeper than MP_DEPTH_MAX is an error, not a stack overflow.
 */
#ifndef PDL_MP_H
#define PDL_MP_H

#include <msgpack.h>

#include "pdl.h"
#include "util.h"

#define MP_DEPTH_MAX 16u /* act bodies nest 3 deep; leaves room, bounds recursion */

enum mp_type { MP_NONE, MP_NIL, MP_BOOL, MP_UINT, MP_NINT, MP_FLOAT, MP_STR, MP_BIN, MP_ARR, MP_MAP, MP_EXT };

struct mp_cur {
	const uint8_t *p;
	const uint8_t *end;
	int err;
};

static inline struct mp_cur
mp_cur_make(const void *b, size_t n)
{
	struct mp_cur c = {(const uint8_t *)b, (const uint8_t *)b + n, PDL_OK};
	return c;
}

enum mp_type mp_peek(const struct mp_cur *c);
int mp_read_nil(struct mp_cur *c);
int mp_read_bool(struct mp_cur *c, int *v);
int mp_read_uint(struct mp_cur *c, uint64_t *v);
int mp_read_int(struct mp_cur *c, int64_t *v);
int mp_read_str(struct mp_cur *c, const char **s, size_t *n);
int mp_read_bin(struct mp_cur *c, const uint8_t **b, size_t *n);
int mp_read_array(struct mp_cur *c, uint32_t *n);
int mp_read_map(struct mp_cur *c, uint32_t *n);
int mp_skip(struct mp_cur *c);
/* Finds key in the map at c (which must be positioned on a map); on
 * success *val is positioned on its value. PDL_ENOTFOUND if absent. */
int mp_map_find(struct mp_cur c, const char *key, struct mp_cur *val);
int mp_str_eq(const char *s, size_t n, const char *lit);
int mp_utf8_valid(const char *s, size_t n);

/* msgpack-c packer conveniences. */
void mp_pack_str(msgpack_packer *pk, const char *s, size_t n);
void mp_pack_cstr(msgpack_packer *pk, const char *s);
void mp_pack_bin(msgpack_packer *pk, const void *b, size_t n);

/* Field schemas. */
enum pdl_ftype {
	F_STR,    /* UTF-8 string, 1..max bytes (max 0: 4096) */
	F_TEXT,   /* UTF-8 string, 0..max bytes (free text may be empty) */
	F_ID,     /* id per ACTS.md */
	F_UINT,   /* non-negative integer */
	F_INT,    /* signed integer */
	F_BOOL,
	F_KEY,    /* base64 public key of the ledger's suite (suite.h) */
	F_HEX32,  /* lowercase hex digest of the ledger's hash (PDL_HASH_BYTES) */
	F_DATE,   /* "YYYY-MM-DD" */
	F_PERIOD, /* "YYYY-MM" */
	F_ENUM,   /* string from sub (NULL-terminated list) */
	F_STRS,   /* array of F_STR, max entries */
	F_IDS,    /* array of F_ID, max entries */
	F_DATES,  /* array of F_DATE */
	F_ENUMS,  /* array of F_ENUM */
	F_MAP,    /* nested map with schema sub */
	F_B64,    /* base64 blob, at most max decoded bytes */
	F_ANYMAP, /* any map (checked by the rule) */
	F_MAPS,   /* array of maps with schema sub, max entries */
};

struct pdl_field {
	const char *name;
	uint8_t type;
	uint8_t opt; /* 1: optional */
	uint32_t max;
	const void *sub;
};

#define PDL_FIELDS_MAX 16u

struct pdl_fields {
	const struct pdl_field *def;
	unsigned n;
	const uint8_t *pos[PDL_FIELDS_MAX]; /* value start, NULL when absent */
	const uint8_t *end;
};

/* Checks the map at *c against def (NULL-name terminated), advancing c past
 * it, and records where each field's value starts. path names the map in
 * messages ("body"). Every field error of the map (and of the maps nested
 * in it) is reported, not only the first: each unknown, duplicate, missing
 * or mistyped field, in the order met, in one message ("3 field errors:
 * body: unknown field \"x\"; body.kind: must be one of R|P|S; body.name:
 * missing field"). Errors: PDL_EFIELD, PDL_EDECODE (malformed msgpack
 * ends the check at once). */
int pdl_fields_bind(const struct pdl_field *def, struct mp_cur *c, struct pdl_fields *out,
                    struct pdl_status *st, const char *path);

/* Field errors collected over several maps of one input (an act's envelope
 * and its body): init, bind each map into it, then finish, which sets st
 * to PDL_EFIELD with every error (what does not fit PDL_MSG_LEN_MAX is
 * counted: "… and N more") and returns it, or PDL_OK when there was none. */
struct pdl_ferrs {
	struct pdl_status *st;
	unsigned n;       /* errors seen */
	unsigned dropped; /* of them, not in msg for want of room */
	int decode;       /* a PDL_EDECODE ended the check (st says where) */
	size_t len;
	char msg[PDL_MSG_LEN_MAX];
};
void pdl_ferrs_init(struct pdl_ferrs *fe, struct pdl_status *st);
/* PDL_OK, PDL_EFIELD (errors added to fe; c is past the map), or an error
 * that ends the check (PDL_EDECODE, PDL_EINVAL; st set). */
int pdl_fields_bind_into(const struct pdl_field *def, struct mp_cur *c, struct pdl_fields *out,
                         struct pdl_ferrs *fe, const char *path);
int pdl_ferrs_finish(struct pdl_ferrs *fe);

struct pdl_str {
	const char *p;
	size_t n;
};
int pdl_fields_has(const struct pdl_fields *f, unsigned i);
struct pdl_str pdl_fields_str(const struct pdl_fields *f, unsigned i); /* {NULL,0} when absent */
uint64_t pdl_fields_uint(const struct pdl_fields *f, unsigned i);
int64_t pdl_fields_int(const struct pdl_fields *f, unsigned i);
int pdl_fields_bool(const struct pdl_fields *f, unsigned i);
struct mp_cur pdl_fields_cur(const struct pdl_fields *f, unsigned i);
/* Copies a string field into buf (NUL-terminated); returns its length. */
size_t pdl_fields_cstr(const struct pdl_fields *f, unsigned i, char *buf, size_t cap);

#endif
