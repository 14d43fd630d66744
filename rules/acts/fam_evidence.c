/*
 * fam_evidence.c — the evidence family (存证): any party deposits the
 * digest of a document (the ledger suite's hash: SHA-256, or SM3 in an
 * sm2-sm3 ledger), with its size, media type and subject, and
 * optionally the document itself when it is small. Registration
 * applications cite deposits by evidence_id.
 *
 * State:
 *   evid/<evidence_id>           → {depositor, digest, size, media_type, subject, blob bool, seq}
 *   evdig/<depositor>/<digest>   → {evidence_id}
 *   blob/<evidence_id>           → {data: bin}   (only when a blob was deposited)
 *
 * Invariants:
 *  (1) an evidence_id is deposited once, by anyone;
 *  (2) a depositor deposits a digest once (evdig/ is the index that says so);
 *  (3) a stored blob decodes to at most policy.blob_bytes_max bytes, its
 *      length equals `size` and its hash equals `digest`.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "families.h"

/* Schema bound on the blob: the policy's blob_bytes_max may be at most this
 * (fam_ledger.c), and a blob must still ride inside a 48 KiB act (base64:
 * 47,788 characters, with room for the other fields); the policy's own
 * limit is a rule below. */
#define EVID_BLOB_BYTES_MAX 35840u

static const struct pdl_field deposit_fields[] = {
	{"evidence_id", F_ID, 0, 0, NULL},
	{"digest", F_HEX32, 0, 0, NULL},
	{"size", F_UINT, 0, 0, NULL},
	{"media_type", F_STR, 0, 128, NULL},
	{"subject", F_STR, 0, 256, NULL},
	{"blob", F_B64, 1, EVID_BLOB_BYTES_MAX, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { D_ID, D_DIGEST, D_SIZE, D_MEDIA, D_SUBJECT, D_BLOB };

/* "<depositor>/<digest>" into buf; returns the id. */
static struct pdl_str
evdig_id(struct pdl_ctx *c, char buf[PDL_ID_LEN_MAX + 1 + 64 + 1])
{
	struct pdl_str a = pdl_actor(c), d = pdl_body_str(c, D_DIGEST);
	memcpy(buf, a.p, a.n);
	buf[a.n] = '/';
	memcpy(buf + a.n + 1, d.p, d.n);
	struct pdl_str id = {buf, a.n + 1 + d.n};
	return id;
}

/* Decodes the body's blob into a malloc'd buffer (caller frees).
 * PDL_EINVAL: not canonical base64; PDL_ENOMEM. */
static int
blob_decode(struct pdl_ctx *c, uint8_t **out, size_t *n)
{
	struct pdl_str b = pdl_body_str(c, D_BLOB);
	size_t cap = b.n / 4 * 3 + 1;
	uint8_t *buf = malloc(cap);
	if (buf == NULL)
		return PDL_ENOMEM;
	if (pdl_unb64_var(b.p, b.n, buf, cap, n) != PDL_OK) {
		free(buf);
		return PDL_EINVAL;
	}
	*out = buf;
	return PDL_OK;
}

static int
deposit_validate(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, D_ID), dg = pdl_body_str(c, D_DIGEST);
	char kb[PDL_ID_LEN_MAX + 1 + 64 + 1];
	struct mp_cur rec;
	if (pdl_rec_exists(c, "evid", id))
		return pdl_rule_fail(c, "evidence.id_taken", "evidence %.*s is already deposited", (int)id.n, id.p);
	if (pdl_rec_get(c, "evdig", evdig_id(c, kb), &rec) == PDL_OK) {
		struct pdl_str prev = {"?", 1};
		(void)pdl_rec_str(rec, "evidence_id", &prev);
		return pdl_rule_fail(c, "evidence.digest_duplicate", "digest %.*s was already deposited by %.*s as %.*s",
		                     (int)dg.n, dg.p, (int)c->act->actor_len, c->act->actor, (int)prev.n, prev.p);
	}
	if (!pdl_body_has(c, D_BLOB))
		return PDL_OK;

	uint8_t *blob, digest[PDL_HASH_BYTES], want[PDL_HASH_BYTES];
	size_t n;
	int rc = blob_decode(c, &blob, &n);
	if (rc == PDL_EINVAL)
		return pdl_rule_fail(c, "evidence.blob_not_base64", "blob of %.*s is not canonical base64", (int)id.n,
		                     id.p);
	if (rc != PDL_OK)
		return rc;
	pdl_digest(digest, blob, n); /* the ledger suite's hash: SHA-256 or SM3 */
	free(blob);
	if (n > c->info->policy.blob_bytes_max)
		return pdl_rule_fail(c, "evidence.blob_too_large", "blob of %.*s is %zu bytes; the policy allows %llu",
		                     (int)id.n, id.p, n, (unsigned long long)c->info->policy.blob_bytes_max);
	if (pdl_unhex(dg.p, dg.n, want, PDL_HASH_BYTES) != PDL_OK || pdl_memcmp_ct(digest, want, PDL_HASH_BYTES) != 0)
		return pdl_rule_fail(c, "evidence.blob_mismatch", "the %s of the blob of %.*s is not %.*s",
		                     pdl_suite()->hash_name, (int)id.n, id.p, (int)dg.n, dg.p);
	if (n != pdl_body_uint(c, D_SIZE))
		return pdl_rule_fail(c, "evidence.size_mismatch", "the blob of %.*s is %zu bytes, not size %llu", (int)id.n,
		                     id.p, n, (unsigned long long)pdl_body_uint(c, D_SIZE));
	return PDL_OK;
}

static int
deposit_apply(struct pdl_ctx *c)
{
	struct pdl_str id = pdl_body_str(c, D_ID);
	char kb[PDL_ID_LEN_MAX + 1 + 64 + 1];
	int has_blob = pdl_body_has(c, D_BLOB);
	struct pdl_kv ev[] = {
		KV_S("depositor", pdl_actor(c)),
		KV_S("digest", pdl_body_str(c, D_DIGEST)),
		KV_U("size", pdl_body_uint(c, D_SIZE)),
		KV_S("media_type", pdl_body_str(c, D_MEDIA)),
		KV_S("subject", pdl_body_str(c, D_SUBJECT)),
		KV_B("blob", has_blob),
		KV_U("seq", c->seq),
	};
	int rc = pdl_rec_set(c, "evid", id, ev, sizeof ev / sizeof ev[0]);
	if (rc != PDL_OK)
		return rc;
	struct pdl_kv ix = KV_S("evidence_id", id);
	rc = pdl_rec_set(c, "evdig", evdig_id(c, kb), &ix, 1);
	if (rc != PDL_OK || !has_blob)
		return rc;

	/* the blob is kept so it can be served later: {data: bin} */
	uint8_t *blob;
	size_t n;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	if (blob_decode(c, &blob, &n) != PDL_OK)
		return PDL_ESTORE; /* validate decoded it already */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	mp_pack_cstr(&pk, "data");
	mp_pack_bin(&pk, blob, n);
	free(blob);
	rc = pdl_rec_put_raw(c, "blob", id, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

int
pdl_evidence_of(struct pdl_ctx *c, struct pdl_str evidence_id, struct pdl_str by1, struct pdl_str by2)
{
	struct mp_cur rec;
	struct pdl_str dep;
	int rc = pdl_rec_get(c, "evid", evidence_id, &rec);
	if (rc != PDL_OK)
		return rc;
	if (pdl_rec_str(rec, "depositor", &dep) != PDL_OK)
		return PDL_ESTORE;
	return pdl_str_eq(dep, by1) || (by2.n > 0 && pdl_str_eq(dep, by2)) ? PDL_OK : PDL_ENOTFOUND;
}

static const struct pdl_act_def acts[] = {
	{"evidence.deposit", PDL_ROLE_ANY, deposit_fields, deposit_validate, deposit_apply,
	 "deposit a document's digest (the ledger's hash), size, media type and subject, with the document itself if small",
	 "any party", PDL_PRIVATE_IF_BLOB("an evidence blob: only its digest is public")},
};

const struct pdl_family pdl_family_evidence = {"evidence", acts, sizeof acts / sizeof acts[0]};
