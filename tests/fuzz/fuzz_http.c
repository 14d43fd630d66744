/*
 * fuzz_http — the HTTP query parameter parser of the public API
 * (projections/http.h): pdl_http_param and pdl_http_uint.
 *
 * Input: byte 0 picks the buffer size (1..64); then either NAME '\0' QUERY
 * or, with no '\0', the whole rest is QUERY and NAME is each of the
 * parameters the routes read. The query is a NUL-terminated copy in an
 * exact-size buffer; the value buffer has exactly the chosen size. Checked:
 * the value is NUL-terminated within the buffer, a parameter absent from
 * the query is reported absent, and pdl_http_uint reports a value exactly
 * when the parameter is all digits (at most 19).
 */
#include "fuzz.h"

#include "http.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
one(const char *query, const char *name, size_t cap)
{
	char *buf = malloc(cap);
	if (buf == NULL)
		return;
	memset(buf, 'x', cap);
	int have = pdl_http_param(query, name, buf, cap);
	FUZZ_ASSERT(have == 0 || have == 1);
	if (have) {
		FUZZ_ASSERT(memchr(buf, 0, cap) != NULL);
	} else if (name[0] != 0 && strchr(name, '&') == NULL) {
		/* absent: "name=" or "name" does not start any segment */
		size_t nl = strlen(name);
		for (const char *p = query; p != NULL; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
			FUZZ_ASSERT(!(strncmp(p, name, nl) == 0 && (p[nl] == '=' || p[nl] == '&' || p[nl] == 0)));
	}
	free(buf);
	uint64_t v = 7;
	int u = pdl_http_uint(query, name, 42, &v);
	FUZZ_ASSERT(u == 0 || u == 1 || u == -1);
	if (u == 0)
		FUZZ_ASSERT(v == 42);
	if (u == 1) {
		char raw[32];
		FUZZ_ASSERT(pdl_http_param(query, name, raw, sizeof raw) == 1);
		size_t n = strlen(raw);
		FUZZ_ASSERT(n >= 1 && n <= 19 && strspn(raw, "0123456789") == n);
		FUZZ_ASSERT(v == strtoull(raw, NULL, 10));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"limit", "after", "period", "index", "size", "year", "format", "q", NULL};
	if (size == 0)
		return 0;
	size_t cap = (size_t)(data[0] % 64) + 1;
	data++;
	size--;
	const uint8_t *z = memchr(data, 0, size);
	size_t qoff = z ? (size_t)(z - data) + 1 : 0;
	char *query = malloc(size - qoff + 1);
	if (query == NULL)
		return 0;
	memcpy(query, data + qoff, size - qoff);
	query[size - qoff] = 0;
	if (z != NULL) {
		char *name = malloc(qoff);
		if (name != NULL) {
			memcpy(name, data, qoff); /* includes the '\0' */
			one(query, name, cap);
			free(name);
		}
	} else {
		for (const char *const *n = names; *n != NULL; n++)
			one(query, *n, cap);
	}
	free(query);
	return 0;
}
