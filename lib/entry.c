/* entry.c — see entry.h. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "entry.h"

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
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry act is not a binary of at most 48 KiB");
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
	int rc = pdl_sign_verify(a->sig, m, n, pk);
	if (m != stackbuf)
		free(m);
	return rc == PDL_OK ? PDL_OK : PDL_EBADSIG;
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
	pdl_sign(sig, m, mn, sk);
	free(m);
}
