/* act.c — pdl_act_decode (rules.h): an act's shape, checked against the
 * body schema of its type's row in the rules tables. */
#include <string.h>

#include "crypto.h"
#include "rules.h"

static const struct pdl_field act_fields[] = {
	{"v", F_UINT, 0, 0, NULL},
	{"type", F_STR, 0, 64, NULL},
	{"actor", F_ID, 0, 0, NULL},
	{"nonce", F_UINT, 0, 0, NULL},
	{"body", F_ANYMAP, 0, 0, NULL},
	{NULL, 0, 0, 0, NULL},
};
enum { A_V, A_TYPE, A_ACTOR, A_NONCE, A_BODY };

/* The act's type as it may be quoted in a message. */
static void
quote_type(const struct pdl_act *a, char t[65])
{
	size_t tn = a->type_len < 64 ? a->type_len : 64;
	memcpy(t, a->type, tn);
	t[tn] = 0;
	for (size_t i = 0; i < tn; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == '"' || t[i] == '\\')
			t[i] = '?';
}

/* Every field error of the act is reported at once: those of its envelope
 * and, when its type is known, those of its body (mp.h, pdl_ferrs). */
int
pdl_act_decode(const uint8_t *b, size_t len, const uint8_t *sig, struct pdl_act *a, struct pdl_status *st)
{
	struct pdl_fields f;
	struct pdl_ferrs fe;
	memset(a, 0, sizeof *a);
	if (len > PDL_ACT_BYTES_MAX)
		return pdl_status_set(st, PDL_ETOOBIG, NULL,
		                      "act of %zu bytes is over the %u-byte limit (every entry must fit a tlog-tiles "
		                      "bundle of 65,535 bytes)", len, PDL_ACT_BYTES_MAX);
	struct mp_cur c = mp_cur_make(b, len);
	pdl_ferrs_init(&fe, st);
	int rc = pdl_fields_bind_into(act_fields, &c, &f, &fe, "act");
	if (rc != PDL_OK && rc != PDL_EFIELD)
		return rc;
	if (rc == PDL_OK && c.p != c.end)
		return pdl_status_set(st, PDL_EDECODE, NULL, "trailing bytes after the act map");
	if (rc == PDL_OK && pdl_fields_uint(&f, A_V) != 1)
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
	a->def = a->type != NULL ? pdl_rules_find(a->type, a->type_len) : NULL;
	if (a->def == NULL && rc == PDL_OK) {
		char t[65];
		quote_type(a, t);
		return pdl_status_set(st, PDL_ETYPE, NULL, "unknown act type \"%s\" (see pdl acts)", t);
	}
	if (a->def != NULL && pdl_fields_has(&f, A_BODY)) {
		struct mp_cur bc = pdl_fields_cur(&f, A_BODY);
		int brc = pdl_fields_bind_into(a->def->body, &bc, &a->body, &fe, "body");
		if (brc != PDL_OK && brc != PDL_EFIELD)
			return brc;
	}
	if ((rc = pdl_ferrs_finish(&fe)) != PDL_OK) {
		a->def = NULL; /* not an act: nothing of it may be used */
		return rc;
	}
	pdl_digest(a->hash, b, len);
	return PDL_OK;
}
