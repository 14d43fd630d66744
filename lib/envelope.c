/* envelope.c — see envelope.h. */
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "mp.h"
#include "mpjson.h"

static void
pack_request_head(msgpack_packer *pk, uint32_t count)
{
	msgpack_pack_map(pk, 2);
	mp_pack_cstr(pk, "op");
	mp_pack_cstr(pk, "submit");
	mp_pack_cstr(pk, "acts");
	msgpack_pack_array(pk, count);
}

/* Decodes the canonical base64 string s into a malloc'd *out of at most
 * cap bytes. 0, or -1 when s is not such base64 (or memory is short). */
static int
unb64_alloc(const char *s, size_t len, size_t cap, uint8_t **out, size_t *n)
{
	size_t room = len / 4 * 3;
	*out = NULL;
	if (len == 0 || len % 4 != 0 || room > cap + 2)
		return -1;
	if ((*out = malloc(room)) == NULL || pdl_unb64_var(s, len, *out, room, n) != PDL_OK || *n > cap) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Packs envelope e of a JSON body: {act: bin, sig: bin} (sig left out
 * when e has none: pdld then answers as on the socket), or nil with slot
 * saying why. */
static void
pack_json_envelope(const json_t *e, const uint8_t lid[PDL_HASH_BYTES], msgpack_packer *pk, struct pdl_status *slot)
{
	const json_t *a = json_object_get(e, "act"), *s = json_object_get(e, "sig"), *l = json_object_get(e, "ledger_id");
	uint8_t *act = NULL, *sig = NULL, id[PDL_HASH_BYTES];
	size_t an = 0, sn = 0;
	if (!json_is_object(e) || !json_is_string(a) ||
	    unb64_alloc(json_string_value(a), json_string_length(a), PDL_HTTP_JSON_BYTES_MAX, &act, &an) != 0) {
		pdl_status_set(slot, PDL_EPROTO, NULL,
		               "each submitted act is {\"act\": base64, \"sig\": base64}: act must be the act's msgpack "
		               "bytes in canonical base64 (RFC 4648, with padding)");
		goto nil;
	}
	if (s != NULL && (!json_is_string(s) || unb64_alloc(json_string_value(s), json_string_length(s),
	                                                    PDL_ENV_SIG_BYTES_MAX, &sig, &sn) != 0)) {
		pdl_status_set(slot, PDL_EBADSIG, NULL, "sig must be the signature in canonical base64 (64 bytes: 88 characters)");
		goto nil;
	}
	if (l != NULL) {
		char ours[2 * PDL_HASH_BYTES + 1];
		const char *lv = json_string_value(l);
		pdl_hex(lid, PDL_HASH_BYTES, ours);
		if (lv == NULL || pdl_unhex(lv, strlen(lv), id, sizeof id) != PDL_OK) {
			pdl_status_set(slot, PDL_EBADSIG, NULL, "ledger_id is not 64 lowercase hex digits (this ledger is %s)",
			               ours);
			goto nil;
		}
		if (memcmp(id, lid, sizeof id) != 0) {
			pdl_status_set(slot, PDL_EBADSIG, NULL, "signed for ledger %s, not this ledger (%s)", lv, ours);
			goto nil;
		}
	}
	msgpack_pack_map(pk, sig != NULL ? 2 : 1);
	mp_pack_cstr(pk, "act");
	mp_pack_bin(pk, act, an);
	if (sig != NULL) {
		mp_pack_cstr(pk, "sig");
		mp_pack_bin(pk, sig, sn);
	}
	free(act);
	free(sig);
	return;
nil:
	free(act);
	free(sig);
	msgpack_pack_nil(pk);
}

int
pdl_envelopes_json(const char *body, size_t n, const uint8_t lid[PDL_HASH_BYTES], msgpack_sbuffer *req,
                   struct pdl_status **slots, uint32_t *count, struct pdl_status *st)
{
	json_error_t je;
	*slots = NULL;
	*count = 0;
	json_t *root = json_loadb(body, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (root == NULL)
		return pdl_status_set(st, PDL_EDECODE, NULL, "the body is not JSON: line %d, column %d: %s", je.line,
		                      je.column, je.text);
	int rc = PDL_OK;
	size_t k = json_is_array(root) ? json_array_size(root) : 1;
	if (!json_is_array(root) && !json_is_object(root)) {
		rc = pdl_status_set(st, PDL_EPROTO, NULL,
		                    "the body is one envelope {\"act\": base64, \"sig\": base64} or an array of them");
		goto out;
	}
	if (k == 0 || k > PDL_REQ_ACTS_MAX) {
		rc = pdl_status_set(st, k == 0 ? PDL_EPROTO : PDL_ETOOBIG, NULL, "a request carries 1 to %u acts, not %zu",
		                    PDL_REQ_ACTS_MAX, k);
		goto out;
	}
	if ((*slots = calloc(k, sizeof **slots)) == NULL) {
		rc = pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
		goto out;
	}
	msgpack_packer pk;
	msgpack_packer_init(&pk, req, msgpack_sbuffer_write);
	pack_request_head(&pk, (uint32_t)k);
	for (size_t i = 0; i < k; i++)
		pack_json_envelope(json_is_array(root) ? json_array_get(root, i) : root, lid, &pk, &(*slots)[i]);
	*count = (uint32_t)k;
out:
	json_decref(root);
	return rc;
}

int
pdl_envelopes_mp(const uint8_t *body, size_t n, msgpack_sbuffer *req, uint32_t *count, struct pdl_status *st)
{
	struct mp_cur c = mp_cur_make(body, n), all = c;
	*count = 0;
	if (mp_skip(&all) != PDL_OK || all.p != all.end)
		return pdl_status_set(st, PDL_EDECODE, NULL, "the body is not one well-formed msgpack value");
	enum mp_type t = mp_peek(&c);
	uint32_t k = 1;
	if (t == MP_ARR && mp_read_array(&c, &k) != PDL_OK)
		return pdl_status_set(st, PDL_EDECODE, NULL, "the body is not one well-formed msgpack value");
	if (t != MP_ARR && t != MP_MAP)
		return pdl_status_set(st, PDL_EPROTO, NULL, "the body is one envelope {act: bin, sig: bin} or an array of them");
	if (k == 0 || k > PDL_REQ_ACTS_MAX)
		return pdl_status_set(st, k == 0 ? PDL_EPROTO : PDL_ETOOBIG, NULL, "a request carries 1 to %u acts, not %u",
		                      PDL_REQ_ACTS_MAX, k);
	msgpack_packer pk;
	msgpack_packer_init(&pk, req, msgpack_sbuffer_write);
	pack_request_head(&pk, k);
	/* the envelopes as sent: after an array's header, or the one map */
	msgpack_sbuffer_write(req, (const char *)c.p, (size_t)(c.end - c.p));
	/* the request nests the envelopes a level or two deeper than the body
	 * did: a body at the decoder's depth limit makes a request past it */
	struct mp_cur r = mp_cur_make((const uint8_t *)req->data, req->size);
	if (mp_skip(&r) != PDL_OK) {
		msgpack_sbuffer_clear(req);
		return pdl_status_set(st, PDL_EDECODE, NULL, "the body nests deeper than a request may");
	}
	*count = k;
	return PDL_OK;
}

/* One result of a submit reply as JSON, with the hash in hex. */
static json_t *
result_json(struct mp_cur *c)
{
	json_t *o = pdl_mp_to_json(c);
	json_t *h = json_object_get(o, "hash");
	uint8_t raw[PDL_HASH_BYTES];
	char hex[2 * PDL_HASH_BYTES + 1];
	if (h != NULL && pdl_unb64(json_string_value(h), json_string_length(h), raw, sizeof raw) == PDL_OK) {
		pdl_hex(raw, sizeof raw, hex);
		json_object_set_new(o, "hash", json_string(hex));
	}
	/* ledger times also as people read them (CST), as pdl submit prints */
	pdl_json_add_cst(o);
	pdl_json_add_cst(json_object_get(o, "outcome"));
	return o;
}

json_t *
pdl_reply_json(const uint8_t *rep, size_t n, const struct pdl_status *slots, uint32_t count)
{
	struct mp_cur c = mp_cur_make(rep, n), r;
	uint32_t k;
	if (mp_peek(&c) != MP_MAP)
		return NULL;
	if (mp_map_find(c, "results", &r) != PDL_OK)
		return pdl_mp_to_json(&c); /* a request-level {error, message} */
	if (mp_read_array(&r, &k) != PDL_OK)
		return NULL;
	json_t *doc = json_object(), *arr = json_array();
	json_object_set_new(doc, "results", arr);
	for (uint32_t i = 0; i < k; i++) {
		json_t *o = result_json(&r);
		if (o == NULL) {
			json_decref(doc);
			return NULL;
		}
		if (slots != NULL && i < count && slots[i].err != PDL_OK) {
			json_decref(o);
			o = json_object();
			json_object_set_new(o, "error", json_string(pdl_strerror(slots[i].err)));
			json_object_set_new(o, "message", json_string(slots[i].msg));
		}
		json_array_append_new(arr, o);
	}
	return doc;
}
