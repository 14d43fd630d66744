/* proofdoc.c — see proofdoc.h. */
#include <string.h>

#include "proofdoc.h"

static int
get_u64(const json_t *o, const char *key, uint64_t *v, struct pdl_status *st)
{
	const json_t *j = json_object_get(o, key);
	if (j == NULL)
		return pdl_status_set(st, PDL_EFIELD, NULL, "the proof has no \"%s\"", key);
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return pdl_status_set(st, PDL_EFIELD, NULL, "\"%s\" must be a non-negative integer", key);
	*v = (uint64_t)json_integer_value(j);
	return PDL_OK;
}

static int
get_hash(const json_t *j, const char *what, uint8_t out[PDL_HASH_BYTES], struct pdl_status *st)
{
	const char *s = json_string_value(j);
	if (s == NULL || pdl_unb64(s, json_string_length(j), out, PDL_HASH_BYTES) != PDL_OK)
		return pdl_status_set(st, PDL_EFIELD, NULL, "%s must be %u bytes of base64", what, PDL_HASH_BYTES);
	return PDL_OK;
}

int
pdl_proofdoc_from_json(const json_t *o, struct pdl_proofdoc *d, struct pdl_status *st)
{
	memset(d, 0, sizeof *d);
	if (!json_is_object(o))
		return pdl_status_set(st, PDL_EFIELD, NULL, "a proof is a JSON object");
	int incl = json_object_get(o, "index") != NULL || json_object_get(o, "leaf_hash") != NULL;
	static const char *const incl_keys[] = {"index", "size", "leaf_hash", "proof", NULL};
	static const char *const cons_keys[] = {"old", "new", "proof", NULL};
	const char *const *keys = incl ? incl_keys : cons_keys;
	const char *k;
	const json_t *v;
	/* json_object_foreach wants a non-const object; it only reads. */
	json_object_foreach((json_t *)o, k, v) {
		size_t i = 0;
		while (keys[i] != NULL && strcmp(keys[i], k) != 0)
			i++;
		if (keys[i] == NULL)
			return pdl_status_set(st, PDL_EFIELD, NULL, "unknown key \"%.40s\" in %s proof", k,
			                      incl ? "an inclusion" : "a consistency");
	}
	int rc;
	if (incl) {
		d->kind = PDL_PROOFDOC_INCLUSION;
		if ((rc = get_u64(o, "index", &d->index, st)) != PDL_OK || (rc = get_u64(o, "size", &d->size, st)) != PDL_OK)
			return rc;
		const json_t *lh = json_object_get(o, "leaf_hash");
		if (lh == NULL)
			return pdl_status_set(st, PDL_EFIELD, NULL, "the proof has no \"leaf_hash\"");
		if ((rc = get_hash(lh, "leaf_hash", d->leaf_hash, st)) != PDL_OK)
			return rc;
	} else {
		d->kind = PDL_PROOFDOC_CONSISTENCY;
		if ((rc = get_u64(o, "old", &d->old_size, st)) != PDL_OK ||
		    (rc = get_u64(o, "new", &d->new_size, st)) != PDL_OK)
			return rc;
	}
	const json_t *a = json_object_get(o, "proof");
	if (!json_is_array(a))
		return pdl_status_set(st, PDL_EFIELD, NULL, "\"proof\" must be an array of base64 hashes");
	if (json_array_size(a) > PDL_MERKLE_PROOF_MAX)
		return pdl_status_set(st, PDL_ETOOBIG, NULL, "a proof has at most %u hashes", PDL_MERKLE_PROOF_MAX);
	d->n = json_array_size(a);
	for (size_t i = 0; i < d->n; i++) {
		char what[32];
		snprintf(what, sizeof what, "proof[%zu]", i);
		if ((rc = get_hash(json_array_get(a, i), what, d->proof[i], st)) != PDL_OK)
			return rc;
	}
	return PDL_OK;
}

int
pdl_proofdoc_parse(const char *json, size_t len, struct pdl_proofdoc *d, struct pdl_status *st)
{
	json_error_t je;
	memset(d, 0, sizeof *d);
	if (len > PDL_PROOFDOC_BYTES_MAX)
		return pdl_status_set(st, PDL_ETOOBIG, NULL, "a proof document is at most %u bytes", PDL_PROOFDOC_BYTES_MAX);
	json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL)
		return pdl_status_set(st, PDL_EDECODE, NULL, "not JSON: %d:%d: %s", je.line, je.column, je.text);
	int rc = pdl_proofdoc_from_json(o, d, st);
	json_decref(o);
	return rc;
}

int
pdl_proofdoc_verify_inclusion(const struct pdl_proofdoc *d, const uint8_t root[PDL_HASH_BYTES])
{
	if (d->kind != PDL_PROOFDOC_INCLUSION || d->index >= d->size)
		return PDL_EINVAL;
	return pdl_merkle_verify_inclusion(d->leaf_hash, d->index, d->size, (const pdl_hash *)d->proof, d->n, root);
}

int
pdl_proofdoc_verify_consistency(const struct pdl_proofdoc *d, const uint8_t old_root[PDL_HASH_BYTES], const uint8_t new_root[PDL_HASH_BYTES])
{
	if (d->kind != PDL_PROOFDOC_CONSISTENCY || d->old_size == 0 || d->old_size > d->new_size)
		return PDL_EINVAL;
	return pdl_merkle_verify_consistency(d->old_size, d->new_size, old_root, new_root, (const pdl_hash *)d->proof,
	                                     d->n);
}
