/*
 * fam_witness.c — witnesses: an auditor records in the log its C2SP
 * cosignature (c2sp.org/tlog-cosignature, "cosignature/v1") on a checkpoint
 * the ledger signed, so anyone reading the log sees which auditors vouched
 * for which tree heads.
 *
 * The cosignature line is a signed-note signature line
 *   "— <name> base64(key ID (4) || timestamp (8, big endian) || signature (64))"
 * with key ID = H(<name> || "\n" || type || public key)[:4] and the
 * signature by the auditor's party key, both in the ledger's suite
 * (suite.h: for Ed25519, SHA-256 and type 0x04 as C2SP says; for SM2, SM3
 * and 0xff with the suite's cosignature identifier), over
 *   "cosignature/v1\ntime <timestamp>\n" || the checkpoint's note body
 * (every body line including extension lines and the final newline, no
 * signature lines). The cosignature type and the "cosignature/v1" header
 * keep a cosignature from ever being mistaken for an act signature
 * ("pdl/act/v2\n") or a note signature (the suite's note type).
 *
 * State:
 *   cosign/<size>/<auditor> → root (base64, as submitted), cosignature (the
 *       line, as submitted), timestamp (the cosignature's, seconds), seq.
 *
 * Invariants:
 *  (1) a cosignature is recorded only for a checkpoint in the ckpt table
 *      that carries a valid ledger signature, with the same size and root;
 *  (2) it verifies under the auditor's current key;
 *  (3) at most one per (size, auditor).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "families.h"
#include "note.h"

#define COSIG_LINE_BYTES_MAX 512u /* name + 104 base64 characters, with room for a long URL name */
#define COSIG_RAW_BYTES (4u + 8u + PDL_SIG_BYTES) /* key ID, timestamp, signature */
#define COSIG_HEADER "cosignature/v1\ntime "
#define EM_DASH_SP "\xe2\x80\x94 " /* U+2014 then a space: every signature line's prefix */
#define TIMESTAMP_MAX 0x7fffffffffffffffull /* "It MUST NOT exceed 2^63 - 1" */

static const struct pdl_field cosign_fields[] = {
	{"size", F_UINT, 0, 0, NULL},
	{"root", F_STR, 0, 128, NULL},
	{"cosignature", F_STR, 0, COSIG_LINE_BYTES_MAX, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { C_SIZE, C_ROOT, C_COSIG };

struct cosig {
	struct pdl_str name;
	uint32_t key_id;
	uint64_t timestamp;
	const uint8_t *sig; /* PDL_SIG_BYTES, in raw */
	uint8_t raw[COSIG_RAW_BYTES];
};

/* Splits a cosignature line (one trailing "\n" allowed); NULL on success,
 * else why it is malformed. */
static const char *
cosig_parse(struct pdl_str line, struct cosig *out)
{
	const size_t pn = sizeof EM_DASH_SP - 1;
	if (line.n > 0 && line.p[line.n - 1] == '\n')
		line.n--;
	if (line.n < pn || memcmp(line.p, EM_DASH_SP, pn) != 0)
		return "it does not start with \"\xe2\x80\x94 \"";
	const char *nm = line.p + pn, *end = line.p + line.n;
	const char *sp = memchr(nm, ' ', (size_t)(end - nm));
	if (sp == NULL)
		return "it has no space between the name and the signature";
	out->name.p = nm;
	out->name.n = (size_t)(sp - nm);
	if (!pdl_note_name_valid(out->name.p, out->name.n))
		return "the key name is empty, not UTF-8, or holds a space, '+' or a control character";
	if (pdl_unb64(sp + 1, (size_t)(end - sp - 1), out->raw, COSIG_RAW_BYTES) != PDL_OK)
		return "the signature is not base64 of key ID, timestamp and signature (76 bytes)";
	out->key_id = (uint32_t)out->raw[0] << 24 | (uint32_t)out->raw[1] << 16 | (uint32_t)out->raw[2] << 8 |
	              out->raw[3];
	out->timestamp = pdl_get_be64(out->raw + 4);
	out->sig = out->raw + 12;
	if (out->timestamp > TIMESTAMP_MAX)
		return "the timestamp exceeds 2^63 - 1";
	return NULL;
}

/* "<size>/<auditor>" into buf; returns its length, 0 if it does not fit. */
static size_t
cosign_id(const struct pdl_ctx *c, char *buf, size_t cap)
{
	struct pdl_str me = pdl_actor(c);
	int n = snprintf(buf, cap, "%" PRIu64 "/%.*s", pdl_body_uint(c, C_SIZE), (int)me.n, me.p);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

static int
cosign_validate(struct pdl_ctx *c)
{
	uint64_t size = pdl_body_uint(c, C_SIZE);
	struct pdl_str root_b64 = pdl_body_str(c, C_ROOT), me = pdl_actor(c);
	uint8_t root[PDL_HASH_BYTES];
	const char *note = NULL, *why;
	size_t note_n = 0, body_n = 0;
	struct pdl_ckpt cp;
	struct cosig cs;
	struct pdl_party p;
	char msg[sizeof COSIG_HEADER + 24 + PDL_NOTE_BYTES_MAX], id[32 + PDL_ID_LEN_MAX];
	int rc;

	if (pdl_unb64(root_b64.p, root_b64.n, root, sizeof root) != PDL_OK)
		return pdl_rule_fail(c, "witness.bad_root", "root must be the base64 of a %u-byte hash", PDL_HASH_BYTES);
	rc = pdl_store_ckpt_get(c->txn, c->s, size, &note, &note_n);
	if (rc == PDL_ENOTFOUND)
		return pdl_rule_fail(c, "witness.unknown_checkpoint", "the ledger signed no checkpoint at size %" PRIu64,
		                     size);
	if (rc != PDL_OK)
		return rc;
	if (pdl_note_verify(note, note_n, c->info->origin, &c->info->ledger_pk, &body_n) != PDL_OK ||
	    pdl_ckpt_parse(note, note_n, &cp) != PDL_OK || cp.size != size)
		return pdl_rule_fail(c, "witness.unknown_checkpoint",
		                     "the checkpoint stored at size %" PRIu64 " does not carry the ledger's signature", size);
	if (pdl_memcmp_ct(root, cp.root, sizeof root) != 0)
		return pdl_rule_fail(c, "witness.root_mismatch",
		                     "the ledger's checkpoint at size %" PRIu64 " has a different root", size);

	if ((why = cosig_parse(pdl_body_str(c, C_COSIG), &cs)) != NULL)
		return pdl_rule_fail(c, "witness.bad_cosignature", "malformed cosignature line: %s", why);
	if ((rc = pdl_party_get(c->txn, c->s, me.p, me.n, &p)) != PDL_OK)
		return rc;
	if (cs.key_id != pdl_pubkey_note_id(&p.pk, 1, cs.name.p, cs.name.n))
		return pdl_rule_fail(c, "witness.bad_cosignature",
		                     "key ID %08" PRIx32 " is not that of %.*s's key under the name %.*s (%s cosignature, type 0x%02x)",
		                     cs.key_id, (int)me.n, me.p, (int)cs.name.n, cs.name.p, p.pk.suite->alg_name,
		                     p.pk.suite->cosig.type);
	int hn = snprintf(msg, sizeof msg, COSIG_HEADER "%" PRIu64 "\n", cs.timestamp);
	if (hn < 0 || (size_t)hn + body_n > sizeof msg)
		return PDL_ESTORE;
	memcpy(msg + hn, note, body_n);
	if (pdl_verify(&p.pk, cs.sig, msg, (size_t)hn + body_n) != PDL_OK)
		return pdl_rule_fail(c, "witness.bad_cosignature",
		                     "the cosignature does not verify with %.*s's key over the checkpoint at size %" PRIu64,
		                     (int)me.n, me.p, size);

	size_t idn = cosign_id(c, id, sizeof id);
	if (idn == 0)
		return PDL_ESTORE;
	if (pdl_rec_exists(c, "cosign", (struct pdl_str){id, idn}))
		return pdl_rule_fail(c, "witness.already_cosigned", "%.*s already cosigned the checkpoint at size %" PRIu64,
		                     (int)me.n, me.p, size);
	return PDL_OK;
}

static int
cosign_apply(struct pdl_ctx *c)
{
	char id[32 + PDL_ID_LEN_MAX];
	struct cosig cs;
	size_t idn = cosign_id(c, id, sizeof id);
	if (idn == 0 || cosig_parse(pdl_body_str(c, C_COSIG), &cs) != NULL)
		return PDL_ESTORE;
	const struct pdl_kv kv[] = {
		KV_S("root", pdl_body_str(c, C_ROOT)),
		KV_S("cosignature", pdl_body_str(c, C_COSIG)),
		KV_U("timestamp", cs.timestamp),
		KV_U("seq", c->seq),
	};
	return pdl_rec_set(c, "cosign", (struct pdl_str){id, idn}, kv, sizeof kv / sizeof kv[0]);
}

static const struct pdl_act_def acts[] = {
	{"checkpoint.cosign", PDL_ROLE_AUDITOR, cosign_fields, cosign_validate, cosign_apply,
	 "record an auditor's C2SP cosignature (cosignature/v1) on a checkpoint the ledger signed", "auditor", PDL_PUBLIC},
};

const struct pdl_family pdl_family_witness = {"witness", acts, sizeof acts / sizeof acts[0]};
