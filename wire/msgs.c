/* msgs.c — the typed requests and replies of proto.h: the one place a
 * request is packed and a read reply decoded. */
#include <assert.h>
#include <string.h>

#include "mp.h"
#include "proto.h"

/* {op, then nargs more pairs the caller packs} into a fresh sb. */
static void
req_begin(msgpack_sbuffer *sb, msgpack_packer *pk, const char *op, unsigned nargs)
{
	msgpack_sbuffer_init(sb);
	msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(pk, 1 + nargs);
	mp_pack_cstr(pk, "op");
	mp_pack_cstr(pk, op);
}

static void
req_u64(msgpack_sbuffer *sb, const char *op, const char *k1, uint64_t v1, const char *k2, uint64_t v2)
{
	msgpack_packer pk;
	req_begin(sb, &pk, op, (k1 != NULL) + (k2 != NULL));
	assert(k1 != NULL || k2 == NULL);
	if (k1 != NULL) {
		mp_pack_cstr(&pk, k1);
		msgpack_pack_uint64(&pk, v1);
	}
	if (k2 != NULL) {
		mp_pack_cstr(&pk, k2);
		msgpack_pack_uint64(&pk, v2);
	}
}

void
pdl_req_head(msgpack_sbuffer *sb)
{
	req_u64(sb, "head", NULL, 0, NULL, 0);
}

void
pdl_req_get(msgpack_sbuffer *sb, uint64_t seq)
{
	req_u64(sb, "get", "seq", seq, NULL, 0);
}

void
pdl_req_range(msgpack_sbuffer *sb, uint64_t from, uint64_t count)
{
	req_u64(sb, "range", "from", from, "count", count);
}

void
pdl_req_checkpoint(msgpack_sbuffer *sb, const uint64_t *size)
{
	req_u64(sb, "checkpoint", size != NULL ? "size" : NULL, size != NULL ? *size : 0, NULL, 0);
}

void
pdl_req_inclusion(msgpack_sbuffer *sb, uint64_t index, uint64_t size)
{
	req_u64(sb, "inclusion", "index", index, "size", size);
}

void
pdl_req_consistency(msgpack_sbuffer *sb, uint64_t old_size, uint64_t new_size)
{
	req_u64(sb, "consistency", "old", old_size, "new", new_size);
}

void
pdl_req_clock(msgpack_sbuffer *sb, uint64_t ms)
{
	req_u64(sb, "clock", "ms", ms, NULL, 0);
}

void
pdl_req_blob(msgpack_sbuffer *sb, const char *evidence_id, const uint8_t *data, size_t n)
{
	msgpack_packer pk;
	req_begin(sb, &pk, "blob", 2);
	mp_pack_cstr(&pk, "evidence_id");
	mp_pack_cstr(&pk, evidence_id);
	mp_pack_cstr(&pk, "data");
	mp_pack_bin(&pk, data, n);
}

void
pdl_req_submit(msgpack_sbuffer *sb, msgpack_packer *pk, uint32_t nacts)
{
	assert(nacts <= PDL_REQ_ACTS_MAX);
	req_begin(sb, pk, "submit", 1);
	mp_pack_cstr(pk, "acts");
	msgpack_pack_array(pk, nacts);
}

void
pdl_req_submit_act(msgpack_packer *pk, const uint8_t *act, size_t n, const uint8_t *sig, size_t sn)
{
	msgpack_pack_map(pk, 2);
	mp_pack_cstr(pk, "act");
	mp_pack_bin(pk, act, n);
	mp_pack_cstr(pk, "sig");
	mp_pack_bin(pk, sig, sn);
}

int
pdl_rep_error(const uint8_t *rep, size_t n, struct pdl_status *st)
{
	struct mp_cur c = mp_cur_make(rep, n), e, m;
	const char *es, *ms = "";
	size_t en, mn = 0;
	if (mp_peek(&c) != MP_MAP)
		return pdl_status_set(st, PDL_EPROTO, NULL, "a reply is a msgpack map");
	if (mp_map_find(c, "error", &e) != PDL_OK || mp_read_str(&e, &es, &en) != PDL_OK)
		return PDL_OK;
	if (mp_map_find(c, "message", &m) == PDL_OK)
		(void)mp_read_str(&m, &ms, &mn);
	return pdl_status_set(st, pdl_err_parse(es, en), NULL, "%.*s", (int)mn, ms);
}

/* The reply's field key as a cursor, after pdl_rep_error. */
static int
rep_field(const uint8_t *rep, size_t n, const char *key, struct mp_cur *v, struct pdl_status *st)
{
	int rc = pdl_rep_error(rep, n, st);
	if (rc != PDL_OK)
		return rc;
	if (mp_map_find(mp_cur_make(rep, n), key, v) != PDL_OK)
		return pdl_status_set(st, PDL_EPROTO, NULL, "the reply has no %s", key);
	return PDL_OK;
}

int
pdl_rep_entry(const uint8_t *rep, size_t n, const uint8_t **e, size_t *en, struct pdl_status *st)
{
	struct mp_cur v;
	int rc = rep_field(rep, n, "entry", &v, st);
	if (rc == PDL_OK && mp_read_bin(&v, e, en) != PDL_OK)
		rc = pdl_status_set(st, PDL_EPROTO, NULL, "malformed reply (the entry is not bytes)");
	return rc;
}

int
pdl_rep_range(const uint8_t *rep, size_t n, uint64_t *from, struct mp_cur *entries, uint32_t *count,
              struct pdl_status *st)
{
	struct mp_cur f;
	int rc = rep_field(rep, n, "entries", entries, st);
	if (rc != PDL_OK)
		return rc;
	if (mp_map_find(mp_cur_make(rep, n), "from", &f) != PDL_OK || mp_read_uint(&f, from) != PDL_OK ||
	    mp_read_array(entries, count) != PDL_OK || *count > PDL_RANGE_MAX)
		return pdl_status_set(st, PDL_EPROTO, NULL, "malformed reply (range)");
	return PDL_OK;
}

int
pdl_rep_checkpoint(const uint8_t *rep, size_t n, const char **note, size_t *nn, struct pdl_status *st)
{
	struct mp_cur v;
	int rc = rep_field(rep, n, "note", &v, st);
	if (rc == PDL_OK && mp_read_str(&v, note, nn) != PDL_OK)
		rc = pdl_status_set(st, PDL_EPROTO, NULL, "malformed reply (the checkpoint note is not a string)");
	if (rc == PDL_OK && *nn > PDL_NOTE_BYTES_MAX) /* as a stored one (readers.h) */
		rc = pdl_status_set(st, PDL_ENOTE, NULL, "the checkpoint is %zu bytes, over the %u-byte limit of a note",
		                    *nn, PDL_NOTE_BYTES_MAX);
	return rc;
}

/* A proof: an array of at most PDL_MERKLE_PROOF_MAX 32-byte hashes. */
static int
read_proof(struct mp_cur *v, pdl_hash *proof, size_t *pn)
{
	uint32_t k;
	if (mp_read_array(v, &k) != PDL_OK || k > PDL_MERKLE_PROOF_MAX)
		return PDL_EPROTO;
	for (uint32_t i = 0; i < k; i++) {
		const uint8_t *b;
		size_t bn;
		if (mp_read_bin(v, &b, &bn) != PDL_OK || bn != PDL_HASH_BYTES)
			return PDL_EPROTO;
		memcpy(proof[i], b, PDL_HASH_BYTES);
	}
	*pn = k;
	return PDL_OK;
}

int
pdl_rep_inclusion(const uint8_t *rep, size_t n, uint8_t leaf[PDL_HASH_BYTES], pdl_hash *proof, size_t *pn,
                  struct pdl_status *st)
{
	struct mp_cur v, l;
	const uint8_t *b;
	size_t bn;
	int rc = rep_field(rep, n, "proof", &v, st);
	if (rc != PDL_OK)
		return rc;
	if (mp_map_find(mp_cur_make(rep, n), "leaf_hash", &l) != PDL_OK || mp_read_bin(&l, &b, &bn) != PDL_OK ||
	    bn != PDL_HASH_BYTES || read_proof(&v, proof, pn) != PDL_OK)
		return pdl_status_set(st, PDL_EPROTO, NULL, "malformed reply (inclusion proof)");
	memcpy(leaf, b, PDL_HASH_BYTES);
	return PDL_OK;
}

int
pdl_rep_consistency(const uint8_t *rep, size_t n, pdl_hash *proof, size_t *pn, struct pdl_status *st)
{
	struct mp_cur v;
	int rc = rep_field(rep, n, "proof", &v, st);
	if (rc == PDL_OK && read_proof(&v, proof, pn) != PDL_OK)
		rc = pdl_status_set(st, PDL_EPROTO, NULL, "malformed reply (consistency proof)");
	return rc;
}

int
pdl_rep_head(const uint8_t *rep, size_t n, struct pdl_wire_head *h, struct pdl_status *st)
{
	struct mp_cur v, c = mp_cur_make(rep, n);
	const uint8_t *b;
	size_t bn;
	memset(h, 0, sizeof *h);
	int rc = rep_field(rep, n, "size", &v, st);
	if (rc != PDL_OK)
		return rc;
	if (mp_read_uint(&v, &h->size) != PDL_OK || mp_map_find(c, "time_ms", &v) != PDL_OK ||
	    mp_read_uint(&v, &h->time_ms) != PDL_OK || mp_map_find(c, "chain", &v) != PDL_OK ||
	    mp_read_bin(&v, &b, &bn) != PDL_OK || bn != PDL_HASH_BYTES)
		return pdl_status_set(st, PDL_EPROTO, NULL, "malformed reply (head)");
	memcpy(h->chain, b, PDL_HASH_BYTES);
	if (mp_map_find(c, "blob_max", &v) == PDL_OK) {
		if (mp_read_uint(&v, &h->blob_max) != PDL_OK)
			return pdl_status_set(st, PDL_EPROTO, NULL, "malformed reply (head: blob_max)");
		h->has_blob_max = 1;
	}
	if (mp_map_find(c, "ledger_id", &v) == PDL_OK) {
		if (mp_read_bin(&v, &b, &bn) != PDL_OK || bn != PDL_HASH_BYTES)
			return pdl_status_set(st, PDL_EPROTO, NULL, "malformed reply (head: ledger_id)");
		memcpy(h->ledger_id, b, PDL_HASH_BYTES);
		h->has_ledger_id = 1;
	}
	h->suite = &pdl_suite_ed25519_sha256; /* a pdld from before suites names none */
	if (mp_map_find(c, "suite", &v) == PDL_OK) {
		const char *id;
		size_t idn;
		if (mp_read_str(&v, &id, &idn) != PDL_OK || (h->suite = pdl_suite_find(id, idn)) == NULL)
			return pdl_status_set(st, PDL_EPROTO, NULL, "the ledger's crypto suite is not one of %s",
			                      pdl_suite_list());
	}
	return PDL_OK;
}
