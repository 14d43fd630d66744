/* entry.c — see entry.h. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "entry.h"
#include "rules.h"
#include "sha256.h"

void
pdl_entry_encode(const struct pdl_entry *e, msgpack_sbuffer *sb)
{
	msgpack_packer pk;
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 6);
	msgpack_pack_uint64(&pk, e->seq);
	msgpack_pack_uint64(&pk, e->time_ms);
	mp_pack_bin(&pk, e->prev, 32);
	mp_pack_bin(&pk, e->act, e->act_len);
	mp_pack_bin(&pk, e->sig, 64);
	if (e->outcome_len == 0)
		msgpack_pack_map(&pk, 0);
	else
		msgpack_sbuffer_write(sb, (const char *)e->outcome, e->outcome_len);
}

/* Encoded sizes msgpack-c's packer gives (shortest forms). */
static size_t
uint_bytes(uint64_t v)
{
	return v < 128 ? 1 : v <= UINT8_MAX ? 2 : v <= UINT16_MAX ? 3 : v <= UINT32_MAX ? 5 : 9;
}

static int
uint_tag(uint8_t tag)
{
	return tag < 0x80 || (tag >= 0xcc && tag <= 0xcf); /* positive fixint, uint8..uint64 */
}

static size_t
bin_bytes(size_t n)
{
	return n + (n <= UINT8_MAX ? 2 : n <= UINT16_MAX ? 3 : 5);
}

int
pdl_entry_decode(const uint8_t *b, size_t len, struct pdl_entry *e, struct pdl_status *st)
{
	struct mp_cur c = mp_cur_make(b, len);
	uint32_t n;
	const uint8_t *p;
	size_t pn;
	memset(e, 0, sizeof *e);
	if (len > PDL_ENTRY_BYTES_MAX)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry of %zu bytes is over the limit", len);
	if (mp_read_array(&c, &n) != PDL_OK || n != 6)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry is not a 6-element array");
	if (mp_read_uint(&c, &e->seq) != PDL_OK || mp_read_uint(&c, &e->time_ms) != PDL_OK)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry seq/time is not an unsigned integer");
	if (mp_read_bin(&c, &p, &pn) != PDL_OK || pn != 32)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry prev hash is not 32 bytes");
	memcpy(e->prev, p, 32);
	if (mp_read_bin(&c, &e->act, &e->act_len) != PDL_OK || e->act_len > PDL_ACT_BYTES_MAX)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry act is not a binary of at most 64 KiB");
	if (mp_read_bin(&c, &e->sig, &pn) != PDL_OK || pn != 64)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry signature is not 64 bytes");
	e->outcome = c.p;
	if (mp_peek(&c) != MP_MAP || mp_skip(&c) != PDL_OK)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry outcome is not a map");
	e->outcome_len = (size_t)(c.p - e->outcome);
	if (c.p != c.end)
		return pdl_status_set(st, PDL_EDECODE, NULL, "trailing bytes after entry");
	/* Invariant (1): every element in its shortest msgpack form, as encode
	 * writes it (found by tests/fuzz/fuzz_entry). Each element was read in
	 * a form at least as long as the shortest, so equal total length means
	 * all are shortest; the two integers must also use the unsigned forms
	 * (int64 0xd3 is as long as uint64 0xcf). The outcome is copied
	 * verbatim, so it is exempt. */
	if (len != 1 + uint_bytes(e->seq) + uint_bytes(e->time_ms) + bin_bytes(32) + bin_bytes(e->act_len) +
	               bin_bytes(64) + e->outcome_len ||
	    !uint_tag(b[1]) || !uint_tag(b[1 + uint_bytes(e->seq)]))
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry is not in the shortest msgpack form");
	return PDL_OK;
}

static const struct pdl_field act_fields[] = {
	{"v", F_UINT, 0, 0, NULL},
	{"type", F_STR, 0, 64, NULL},
	{"actor", F_ID, 0, 0, NULL},
	{"nonce", F_UINT, 0, 0, NULL},
	{"body", F_ANYMAP, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { A_V, A_TYPE, A_ACTOR, A_NONCE, A_BODY };

int
pdl_act_decode(const uint8_t *b, size_t len, const uint8_t *sig, struct pdl_act *a, struct pdl_status *st)
{
	struct pdl_fields f;
	memset(a, 0, sizeof *a);
	if (len > PDL_ACT_BYTES_MAX)
		return pdl_status_set(st, PDL_ETOOBIG, NULL, "act of %zu bytes is over the 64 KiB limit", len);
	struct mp_cur c = mp_cur_make(b, len);
	int rc = pdl_fields_bind(act_fields, &c, &f, st, "act");
	if (rc != PDL_OK)
		return rc;
	if (c.p != c.end)
		return pdl_status_set(st, PDL_EDECODE, NULL, "trailing bytes after the act map");
	if (pdl_fields_uint(&f, A_V) != 1)
		return pdl_status_set(st, PDL_EVERSION, NULL, "act version %llu is not supported (want 1)",
		                      (unsigned long long)pdl_fields_uint(&f, A_V));
	a->bytes = b;
	a->len = len;
	a->sig = sig;
	struct pdl_str s = pdl_fields_str(&f, A_TYPE);
	a->type = s.p;
	a->type_len = s.n;
	s = pdl_fields_str(&f, A_ACTOR);
	a->actor = s.p;
	a->actor_len = s.n;
	a->nonce = pdl_fields_uint(&f, A_NONCE);
	a->def = pdl_rules_find(a->type, a->type_len);
	if (a->def == NULL) {
		char t[65];
		size_t tn = a->type_len < 64 ? a->type_len : 64;
		memcpy(t, a->type, tn);
		t[tn] = 0;
		for (size_t i = 0; i < tn; i++)
			if ((unsigned char)t[i] < 0x20 || t[i] == '"' || t[i] == '\\')
				t[i] = '?';
		return pdl_status_set(st, PDL_ETYPE, NULL, "unknown act type \"%s\" (see pdl acts)", t);
	}
	struct mp_cur bc = pdl_fields_cur(&f, A_BODY);
	rc = pdl_fields_bind(a->def->body, &bc, &a->body, st, "body");
	if (rc != PDL_OK)
		return rc;
	pdl_sha256(a->hash, b, len);
	return PDL_OK;
}

const uint8_t pdl_ledger_id_genesis[PDL_HASH_BYTES] = {0};

size_t
pdl_act_signed_bytes(const uint8_t ledger_id[PDL_HASH_BYTES], const uint8_t *act, size_t len, uint8_t *out,
                     size_t cap)
{
	size_t pl = sizeof PDL_ACT_SIG_PREFIX - 1;
	if (cap < PDL_ACT_SIG_HEAD_BYTES || cap - PDL_ACT_SIG_HEAD_BYTES < len)
		return 0;
	memcpy(out, PDL_ACT_SIG_PREFIX, pl);
	memcpy(out + pl, ledger_id, PDL_HASH_BYTES);
	memcpy(out + PDL_ACT_SIG_HEAD_BYTES, act, len);
	return PDL_ACT_SIG_HEAD_BYTES + len;
}

int
pdl_act_verify(const struct pdl_act *a, const uint8_t ledger_id[PDL_HASH_BYTES], const uint8_t pk[PDL_PK_BYTES])
{
	uint8_t stackbuf[1024];
	size_t n = PDL_ACT_SIG_HEAD_BYTES + a->len;
	uint8_t *m = n <= sizeof stackbuf ? stackbuf : malloc(n);
	if (m == NULL)
		return PDL_EBADSIG;
	/* the bytes of pdl_act_signed_bytes, written here so the compiler sees
	 * the stack buffer filled (the fuzzer checks the two agree) */
	memcpy(m, PDL_ACT_SIG_PREFIX, sizeof PDL_ACT_SIG_PREFIX - 1);
	memcpy(m + sizeof PDL_ACT_SIG_PREFIX - 1, ledger_id, PDL_HASH_BYTES);
	memcpy(m + PDL_ACT_SIG_HEAD_BYTES, a->bytes, a->len);
	int ok = crypto_sign_verify_detached(a->sig, m, n, pk) == 0;
	if (m != stackbuf)
		free(m);
	return ok ? PDL_OK : PDL_EBADSIG;
}

void
pdl_act_sign(const uint8_t ledger_id[PDL_HASH_BYTES], const uint8_t *b, size_t len, const uint8_t sk[PDL_SK_BYTES],
             uint8_t sig[PDL_SIG_BYTES])
{
	size_t n = PDL_ACT_SIG_HEAD_BYTES + len;
	uint8_t *m = malloc(n);
	if (m == NULL)
		abort();
	size_t mn = pdl_act_signed_bytes(ledger_id, b, len, m, n);
	assert(mn == n);
	crypto_sign_detached(sig, NULL, m, mn, sk);
	free(m);
}
