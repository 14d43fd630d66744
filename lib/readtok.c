/* readtok.c — readers' signed tokens (readtok.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "readtok.h"
#include "util.h"

#define PREFIX "PDL-Sig "
#define DOMAIN "pdl/read/v1\n"

size_t
pdl_readtok_message(char *buf, size_t cap, const uint8_t ledger_id[PDL_HASH_BYTES], const char *method,
                    const char *target, uint64_t time_ms)
{
	if (strlen(target) > PDL_READTOK_TARGET_MAX || strlen(method) > 16)
		return 0;
	char hex[2 * PDL_HASH_BYTES + 1];
	pdl_hex(ledger_id, PDL_HASH_BYTES, hex);
	int n = snprintf(buf, cap, DOMAIN "%s\n%s\n%s\n%" PRIu64 "\n", hex, method, target, time_ms);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}

int
pdl_readtok_sign(char *out, size_t cap, const char *party, const struct pdl_seckey *k,
                 const uint8_t ledger_id[PDL_HASH_BYTES], const char *method, const char *target, uint64_t time_ms)
{
	if (!pdl_id_valid(party, strlen(party)))
		return PDL_EINVAL;
	char msg[PDL_READTOK_TARGET_MAX + 128];
	size_t mn = pdl_readtok_message(msg, sizeof msg, ledger_id, method, target, time_ms);
	if (mn == 0)
		return PDL_EINVAL;
	uint8_t sig[PDL_SIG_BYTES];
	pdl_sign(k, msg, mn, sig);
	char b64[128];
	pdl_b64(sig, sizeof sig, b64);
	int n = snprintf(out, cap, PREFIX "party=%s,time=%" PRIu64 ",sig=%s", party, time_ms, b64);
	if (n < 0 || (size_t)n >= cap)
		return PDL_ETOOBIG;
	return PDL_OK;
}

/* One "name=value" field of the token; value ends at ',' or the end. */
static int
field(const char **p, const char *end, const char *name, const char **v, size_t *vn)
{
	size_t nn = strlen(name);
	if ((size_t)(end - *p) < nn + 1 || memcmp(*p, name, nn) != 0 || (*p)[nn] != '=')
		return PDL_EINVAL;
	*v = *p + nn + 1;
	const char *c = memchr(*v, ',', (size_t)(end - *v));
	if (c == NULL)
		c = end;
	*vn = (size_t)(c - *v);
	*p = c < end ? c + 1 : end;
	return *vn > 0 ? PDL_OK : PDL_EINVAL;
}

int
pdl_readtok_parse(const char *s, size_t n, struct pdl_readtok *t)
{
	memset(t, 0, sizeof *t);
	if (n > PDL_READTOK_LEN_MAX || n < sizeof PREFIX - 1 || memcmp(s, PREFIX, sizeof PREFIX - 1) != 0)
		return PDL_EINVAL;
	const char *p = s + sizeof PREFIX - 1, *end = s + n;
	const char *v;
	size_t vn;
	if (field(&p, end, "party", &v, &vn) != PDL_OK || !pdl_id_valid(v, vn))
		return PDL_EINVAL;
	memcpy(t->party, v, vn);
	t->party[vn] = '\0';
	if (field(&p, end, "time", &v, &vn) != PDL_OK || vn > 19)
		return PDL_EINVAL;
	uint64_t ms = 0;
	for (size_t i = 0; i < vn; i++) {
		if (v[i] < '0' || v[i] > '9' || (i == 0 && v[i] == '0' && vn > 1))
			return PDL_EINVAL;
		ms = ms * 10u + (uint64_t)(v[i] - '0');
	}
	t->time_ms = ms;
	if (field(&p, end, "sig", &v, &vn) != PDL_OK || v + vn != end)
		return PDL_EINVAL;
	if (pdl_unb64(v, vn, t->sig, sizeof t->sig) != PDL_OK)
		return PDL_EINVAL;
	return PDL_OK;
}

int
pdl_readtok_check(const struct pdl_readtok *t, const struct pdl_pubkey *pk, const uint8_t ledger_id[PDL_HASH_BYTES],
                  const char *method, const char *target, uint64_t now_ms)
{
	uint64_t d = now_ms > t->time_ms ? now_ms - t->time_ms : t->time_ms - now_ms;
	if (d > PDL_READTOK_SKEW_MS)
		return PDL_ECLOCK;
	char msg[PDL_READTOK_TARGET_MAX + 128];
	size_t mn = pdl_readtok_message(msg, sizeof msg, ledger_id, method, target, t->time_ms);
	if (mn == 0)
		return PDL_EINVAL;
	if (pdl_verify(pk, t->sig, msg, mn) != PDL_OK)
		return PDL_EBADSIG;
	return PDL_OK;
}
