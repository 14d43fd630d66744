/* entry.c — see entry.h. */
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
	mp_pack_bin(&pk, e->prev, PDL_HASH_BYTES);
	mp_pack_bin(&pk, e->act, e->act_len);
	mp_pack_bin(&pk, e->sig, PDL_SIG_BYTES);
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
	if (mp_read_bin(&c, &p, &pn) != PDL_OK || pn != PDL_HASH_BYTES)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry prev hash is not %u bytes", PDL_HASH_BYTES);
	memcpy(e->prev, p, PDL_HASH_BYTES);
	if (mp_read_bin(&c, &e->act, &e->act_len) != PDL_OK || e->act_len > PDL_ACT_BYTES_MAX)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry act is not a binary of at most 48 KiB");
	if (mp_read_bin(&c, &e->sig, &pn) != PDL_OK || pn != PDL_SIG_BYTES)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry signature is not %u bytes", PDL_SIG_BYTES);
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
	if (len != 1 + uint_bytes(e->seq) + uint_bytes(e->time_ms) + bin_bytes(PDL_HASH_BYTES) + bin_bytes(e->act_len) +
	               bin_bytes(PDL_SIG_BYTES) + e->outcome_len ||
	    !uint_tag(b[1]) || !uint_tag(b[1 + uint_bytes(e->seq)]))
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry is not in the shortest msgpack form");
	return PDL_OK;
}

const uint8_t pdl_ledger_id_genesis[PDL_HASH_BYTES] = {0};

/* The signed bytes into out, which has room for them; their length. */
static inline size_t
put_signed(uint8_t *out, const uint8_t ledger_id[PDL_HASH_BYTES], const uint8_t *act, size_t len)
{
	size_t pl = sizeof PDL_ACT_SIG_PREFIX - 1;
	memcpy(out, PDL_ACT_SIG_PREFIX, pl);
	memcpy(out + pl, ledger_id, PDL_HASH_BYTES);
	memcpy(out + PDL_ACT_SIG_HEAD_BYTES, act, len);
	return PDL_ACT_SIG_HEAD_BYTES + len;
}

size_t
pdl_act_signed_bytes(const uint8_t ledger_id[PDL_HASH_BYTES], const uint8_t *act, size_t len, uint8_t *out,
                     size_t cap)
{
	if (cap < PDL_ACT_SIG_HEAD_BYTES || cap - PDL_ACT_SIG_HEAD_BYTES < len)
		return 0;
	return put_signed(out, ledger_id, act, len);
}

int
pdl_act_verify(const uint8_t ledger_id[PDL_HASH_BYTES], const uint8_t *act, size_t len, const uint8_t sig[PDL_SIG_BYTES],
               const struct pdl_pubkey *pk)
{
	uint8_t stackbuf[1024];
	size_t n = PDL_ACT_SIG_HEAD_BYTES + len;
	uint8_t *m = n <= sizeof stackbuf ? stackbuf : malloc(n);
	if (m == NULL)
		return PDL_EBADSIG;
	put_signed(m, ledger_id, act, len); /* room made above */
	int rc = pdl_verify(pk, sig, m, n);
	if (m != stackbuf)
		free(m);
	return rc == PDL_OK ? PDL_OK : PDL_EBADSIG;
}

void
pdl_act_verify_many(const uint8_t ledger_id[PDL_HASH_BYTES], struct pdl_act_check *c, size_t n)
{
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += PDL_ACT_SIG_HEAD_BYTES + c[i].len;
	uint8_t *buf = malloc(bytes > 0 ? bytes : 1);
	struct pdl_sigcheck *sc = malloc((n > 0 ? n : 1) * sizeof *sc);
	if (buf == NULL || sc == NULL) { /* one at a time, then */
		for (size_t i = 0; i < n; i++)
			c[i].rc = pdl_act_verify(ledger_id, c[i].act, c[i].len, c[i].sig, c[i].pk);
		goto out;
	}
	uint8_t *p = buf;
	for (size_t i = 0; i < n; i++) { /* room made above */
		size_t mn = put_signed(p, ledger_id, c[i].act, c[i].len);
		sc[i] = (struct pdl_sigcheck){.pk = c[i].pk, .sig = c[i].sig, .m = p, .n = mn};
		p += mn;
	}
	pdl_verify_many(sc, n);
	for (size_t i = 0; i < n; i++)
		c[i].rc = sc[i].rc == PDL_OK ? PDL_OK : PDL_EBADSIG;
out:
	free(buf);
	free(sc);
}

void
pdl_act_sign(const uint8_t ledger_id[PDL_HASH_BYTES], const uint8_t *b, size_t len, const struct pdl_seckey *k,
             uint8_t sig[PDL_SIG_BYTES])
{
	/* most acts fit the stack (pdl submit signs thousands a second) */
	uint8_t stackbuf[2048];
	size_t n = PDL_ACT_SIG_HEAD_BYTES + len;
	uint8_t *m = n <= sizeof stackbuf ? stackbuf : malloc(n);
	if (m == NULL)
		abort();
	put_signed(m, ledger_id, b, len); /* room made above */
	pdl_sign(k, m, n, sig);
	if (m != stackbuf)
		free(m);
}

/* The suite's id string in the genesis act's body, if any. */
static int
genesis_suite_id(const uint8_t *act, size_t len, const char **id, size_t *n, struct pdl_status *st)
{
	struct mp_cur a = mp_cur_make(act, len), v, body;
	const char *type;
	size_t tn;
	*id = NULL;
	*n = 0;
	if (mp_peek(&a) != MP_MAP || mp_map_find(a, "type", &v) != PDL_OK || mp_read_str(&v, &type, &tn) != PDL_OK ||
	    !mp_str_eq(type, tn, "ledger.genesis") || mp_map_find(a, "body", &body) != PDL_OK || mp_peek(&body) != MP_MAP)
		return pdl_status_set(st, PDL_EDECODE, NULL, "entry 0 does not hold a ledger.genesis act");
	if (mp_map_find(body, "suite", &v) != PDL_OK)
		return PDL_OK;
	if (mp_read_str(&v, id, n) != PDL_OK)
		return pdl_status_set(st, PDL_EDECODE, NULL, "the genesis suite is not a string");
	return PDL_OK;
}

int
pdl_genesis_suite(const uint8_t *entry, size_t len, const struct pdl_suite **out, struct pdl_status *st)
{
	struct pdl_entry e;
	const char *id;
	size_t n;
	int rc;
	*out = NULL;
	if ((rc = pdl_entry_decode(entry, len, &e, st)) != PDL_OK)
		return rc;
	if ((rc = genesis_suite_id(e.act, e.act_len, &id, &n, st)) != PDL_OK)
		return rc;
	if (id == NULL) {
		*out = &pdl_suite_ed25519_sha256; /* a ledger made before suites: spec/formats.md §1.7 */
		return PDL_OK;
	}
	*out = pdl_suite_find(id, n);
	if (*out == NULL) {
		char shown[PDL_SUITE_ID_LEN_MAX + 1];
		size_t k = n < PDL_SUITE_ID_LEN_MAX ? n : PDL_SUITE_ID_LEN_MAX;
		for (size_t i = 0; i < k; i++) /* the store may be hostile: print no control bytes */
			shown[i] = id[i] > 0x20 && id[i] < 0x7f && id[i] != '"' ? id[i] : '?';
		shown[k] = '\0';
		return pdl_status_set(st, PDL_EINVAL, NULL, "the genesis names the crypto suite \"%s\"; this pdl knows %s",
		                      shown, pdl_suite_list());
	}
	return PDL_OK;
}
