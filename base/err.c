/* err.c — names and messages of the error enum, and role names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdl.h"

static const struct {
	int err;
	const char *name;
	const char *msg;
} errs[] = {
	{PDL_OK, "PDL_OK", "success"},
	{PDL_EINVAL, "PDL_EINVAL", "invalid argument"},
	{PDL_EDECODE, "PDL_EDECODE", "malformed encoding"},
	{PDL_ETOOBIG, "PDL_ETOOBIG", "input exceeds its size limit"},
	{PDL_EFIELD, "PDL_EFIELD", "unknown, missing, duplicate or mistyped field"},
	{PDL_EBADSIG, "PDL_EBADSIG", "signature does not verify"},
	{PDL_EACTOR, "PDL_EACTOR", "actor is not a registered party"},
	{PDL_ESUSPENDED, "PDL_ESUSPENDED", "actor is suspended"},
	{PDL_EROLE, "PDL_EROLE", "actor lacks the role this act needs"},
	{PDL_ENONCE, "PDL_ENONCE", "nonce already used by a different act"},
	{PDL_ERULE, "PDL_ERULE", "a ledger rule refused the act"},
	{PDL_EGENESIS, "PDL_EGENESIS", "genesis missing or already present"},
	{PDL_ETYPE, "PDL_ETYPE", "unknown act type"},
	{PDL_ECHAIN, "PDL_ECHAIN", "chain link broken"},
	{PDL_EMERKLE, "PDL_EMERKLE", "Merkle tree mismatch"},
	{PDL_ESTORE, "PDL_ESTORE", "storage error"},
	{PDL_ENOTFOUND, "PDL_ENOTFOUND", "not found"},
	{PDL_EIO, "PDL_EIO", "input/output error"},
	{PDL_EKEY, "PDL_EKEY", "key file missing, malformed or unsafe"},
	{PDL_ENOMEM, "PDL_ENOMEM", "out of memory"},
	{PDL_EPROTO, "PDL_EPROTO", "malformed request"},
	{PDL_ECLOSED, "PDL_ECLOSED", "ledger not reachable or shutting down"},
	{PDL_EMAPFULL, "PDL_EMAPFULL", "storage map full and could not grow"},
	{PDL_ENOTE, "PDL_ENOTE", "malformed signed note"},
	{PDL_ECLOCK, "PDL_ECLOCK", "clock change refused"},
	{PDL_EVERSION, "PDL_EVERSION", "unsupported act version"},
	{PDL_EPRIVATE, "PDL_EPRIVATE", "entry is private to its parties"},
	{PDL_EBUSY, "PDL_EBUSY", "ledger busy: retry shortly"},
	{PDL_ESTATE, "PDL_ESTATE", "stored state differs from the state the log derives"},
};

void
pdl_invariant_fail(const char *cond, const char *file, int line, const char *func)
{
	fprintf(stderr, "pdl: invariant failed: %s (%s:%d, %s); stopping before anything more is written\n", cond, file,
	        line, func);
	abort();
}

const char *
pdl_strerror(int err)
{
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++)
		if (errs[i].err == err)
			return errs[i].name;
	return "PDL_EUNKNOWN";
}

int
pdl_err_parse(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++)
		if (errs[i].err != PDL_OK && strlen(errs[i].name) == n && memcmp(errs[i].name, name, n) == 0)
			return errs[i].err;
	return PDL_EPROTO;
}

const char *
pdl_errmsg(int err)
{
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++)
		if (errs[i].err == err)
			return errs[i].msg;
	return "unknown error";
}

static const char *const role_names[] = {
	"authority", "registrar", "provider", "operator", "developer", "auditor",
};

int
pdl_role_parse(const char *s, size_t n, uint32_t *out)
{
	for (unsigned i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
		if (strlen(role_names[i]) == n && memcmp(role_names[i], s, n) == 0) {
			*out = 1u << i;
			return PDL_OK;
		}
	}
	return PDL_EINVAL;
}

const char *
pdl_role_name(uint32_t one_role)
{
	for (unsigned i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
		if (one_role == (1u << i))
			return role_names[i];
	return "?";
}
