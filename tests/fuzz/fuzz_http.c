/*
 * fuzz_http — the HTTP query parameter parser of the public API
 * (projections/core/http.h): pdl_http_query_check, pdl_http_param and
 * pdl_http_uint.
 *
 * Input: byte 0 picks the buffer size (1..64); then either NAME '\0' QUERY
 * or, with no '\0', the whole rest is QUERY and NAME is each of the
 * parameters the routes read. The query is a NUL-terminated copy in an
 * exact-size buffer; the value buffer has exactly the chosen size. Checked:
 * the value is NUL-terminated within the buffer, a parameter absent from
 * the query is reported absent, pdl_http_uint reports a value exactly
 * when the parameter is all digits (at most 19) and at most 2^63-1, and in
 * a query pdl_http_query_check accepts no value decodes to a control
 * character (nothing is cut short by a %00) and no name repeats.
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

/* The decoded length of name's value as written in query (each %XX one
 * byte), or -1 when the name is absent: what the route must get, whole. */
static long
raw_value_len(const char *query, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = query; p != NULL && *p;) {
		const char *amp = strchr(p, '&');
		size_t seg = amp ? (size_t)(amp - p) : strlen(p);
		if (seg >= nl && strncmp(p, name, nl) == 0 && (seg == nl || p[nl] == '=')) {
			long n = seg > nl ? (long)(seg - nl - 1) : 0;
			for (size_t i = nl; i < seg; i++)
				if (p[i] == '%')
					n -= 2;
			return n;
		}
		p = amp ? amp + 1 : NULL;
	}
	return -1;
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
		FUZZ_ASSERT(v <= PDL_HTTP_UINT_MAX);
	}
	/* a query the server lets through: values decode without control bytes */
	struct pdl_http_out out = {200, "application/json", NULL, 0, "", 0};
	if (!pdl_http_query_check(query, &out)) {
		size_t qn = strlen(query) + 1;
		char *val = malloc(qn);
		long want = name[0] != 0 && strchr(name, '&') == NULL && strchr(name, '=') == NULL
		                ? raw_value_len(query, name) : -1;
		if (val != NULL && want >= 0 && pdl_http_param(query, name, val, qn)) {
			/* whole (no %00 cut it short) and free of control bytes */
			FUZZ_ASSERT((long)strlen(val) == want);
			for (size_t i = 0; val[i]; i++)
				FUZZ_ASSERT((unsigned char)val[i] >= 0x20 && (unsigned char)val[i] != 0x7f);
		}
		free(val);
	} else {
		FUZZ_ASSERT(out.status == 400 && out.body != NULL);
	}
	free(out.body);
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
