/*
 * test_proj_page.c — what the pages share (projections/core/page.h): the
 * escaping of ledger values in text, attributes and URLs, with hostile
 * inputs; numbers, yuan, percentages and CST times written for people;
 * the table of Chinese labels, which must cover every act type, every
 * body field and every enum code of the act catalogue (rules.h), so that
 * no act a ledger can hold shows up untranslated; the base of absolute
 * links from --public-url or the Host header; and the page assets, which
 * must be served byte for byte as the files in the tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"
#include "mp.h"
#include "page.h"
#include "rules.h"
#include "views.h"

/* The buffer's text, then an empty buffer. */
static char *
take(struct pdl_page *b)
{
	assert_false(b->oom);
	char *s = b->p != NULL ? b->p : strdup("");
	*b = (struct pdl_page){0};
	return s;
}

#define EXPECT(call, want)                                                                                            \
	do {                                                                                                          \
		struct pdl_page b_ = {0};                                                                             \
		struct pdl_page *b = &b_;                                                                             \
		call;                                                                                                 \
		char *got_ = take(b);                                                                                 \
		assert_string_equal(got_, want);                                                                      \
		free(got_);                                                                                           \
	} while (0)

static void
test_escape(void **state)
{
	(void)state;
	EXPECT(pdl_page_esc(b, "plain 中文 text"), "plain 中文 text");
	EXPECT(pdl_page_esc(b, "<script>alert(\"x\")</script>"), "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
	EXPECT(pdl_page_esc(b, "a'b&c"), "a&#39;b&amp;c");
	EXPECT(pdl_page_esc(b, "\" onmouseover=\"x"), "&quot; onmouseover=&quot;x");
	EXPECT(pdl_page_esc(b, "&amp;"), "&amp;amp;"); /* an entity in the data stays data */
	EXPECT(pdl_page_esc(b, "tab\tnl\ncr\rbel\x07" "del\x7f" "esc\x1b!"), "tab\tnl\ncrbeldelesc!");
	EXPECT(pdl_page_esc(b, ""), "");
	EXPECT(pdl_page_esc(b, NULL), "");
	/* invariant (1), over every byte */
	char all[256];
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = 0;
	struct pdl_page pb = {0};
	pdl_page_esc(&pb, all);
	char *s = take(&pb);
	for (const char *c = s; *c; c++) {
		assert_true(*c != '<' && *c != '>' && *c != '"' && *c != '\'');
		assert_true((unsigned char)*c >= 0x20 || *c == '\n' || *c == '\t');
		assert_true(*c != 0x7f);
		if (*c == '&')
			assert_true(strncmp(c, "&amp;", 5) == 0 || strncmp(c, "&lt;", 4) == 0 || strncmp(c, "&gt;", 4) == 0 ||
			            strncmp(c, "&quot;", 6) == 0 || strncmp(c, "&#39;", 5) == 0);
	}
	free(s);
}

static void
test_url(void **state)
{
	(void)state;
	EXPECT(pdl_page_url(b, "grant-city_1.x~"), "grant-city_1.x~");
	EXPECT(pdl_page_url(b, "a b/ü<\"'&?#"), "a%20b%2F%C3%BC%3C%22%27%26%3F%23");
	EXPECT(pdl_page_url(b, "javascript:alert(1)"), "javascript%3Aalert%281%29");
	/* invariant (2), over every byte */
	char all[256];
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = 0;
	struct pdl_page pb = {0};
	pdl_page_url(&pb, all);
	char *s = take(&pb);
	for (const char *c = s; *c; c++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%", *c));
	assert_int_equal(strlen(s), 66 + 3 * (255 - 66));
	free(s);
}

static void
test_numbers(void **state)
{
	(void)state;
	EXPECT(pdl_page_int(b, 0), "0");
	EXPECT(pdl_page_int(b, 999), "999");
	EXPECT(pdl_page_int(b, 1000), "1,000");
	EXPECT(pdl_page_int(b, 1234567), "1,234,567");
	EXPECT(pdl_page_int(b, -1234567), "−1,234,567");
	EXPECT(pdl_page_int(b, INT64_MAX), "9,223,372,036,854,775,807");
	EXPECT(pdl_page_int(b, INT64_MIN), "−9,223,372,036,854,775,808");
	EXPECT(pdl_page_fen(b, 0), "¥0.00");
	EXPECT(pdl_page_fen(b, 1999), "¥19.99");
	EXPECT(pdl_page_fen(b, 123456789), "¥1,234,567.89");
	EXPECT(pdl_page_fen(b, -5), "−¥0.05");
	EXPECT(pdl_page_fen(b, INT64_MIN), "−¥92,233,720,368,547,758.08");
	EXPECT(pdl_page_bp(b, 8296), "82.96%");
	EXPECT(pdl_page_bp(b, 10000), "100.00%");
	EXPECT(pdl_page_bp(b, 5), "0.05%");
}

static void
test_times(void **state)
{
	(void)state;
	char iso[40];
	pdl_page_iso(0, iso);
	assert_string_equal(iso, "1970-01-01T08:00:00+08:00");
	pdl_page_iso(1785981600000ull, iso); /* the fixture's 2026-08-06 10:00 CST */
	assert_string_equal(iso, "2026-08-06T10:00:00+08:00");
	pdl_page_iso(1785981600000ull + 14 * 3600 * 1000ull - 1, iso); /* 23:59:59.999 CST: the same day */
	assert_string_equal(iso, "2026-08-06T23:59:59+08:00");
	pdl_page_iso(1785981600000ull + 14 * 3600 * 1000ull, iso); /* midnight CST is 16:00 UTC */
	assert_string_equal(iso, "2026-08-07T00:00:00+08:00");
	EXPECT(pdl_page_time(b, 1785981600000ull), "<time datetime=\"2026-08-06T10:00:00+08:00\">2026-08-06 10:00</time>");
}

static void
test_labels_codes(void **state)
{
	(void)state;
	assert_string_equal(pdl_page_label("public_welfare"), "公益");
	assert_string_equal(pdl_page_label("per_call"), "按次");
	assert_string_equal(pdl_page_label("grant.issue"), "授权");
	assert_string_equal(pdl_page_label("fee_cap_fen"), "收费上限");
	assert_null(pdl_page_label("no_such_code"));
	assert_null(pdl_page_label(""));
	assert_null(pdl_page_label(NULL));
	EXPECT(pdl_page_code(b, "public_welfare"), "<span class=\"lbl\">公益</span> <code class=\"k\">public_welfare</code>");
	EXPECT(pdl_page_code(b, "x<y"), "<code>x&lt;y</code>");
	EXPECT(pdl_page_code(b, ""), "");
}

/* Every field name and enum value of a schema (recursively) has a label;
 * the missing ones are printed. */
static int
schema_missing(const char *type, const struct pdl_field *f, unsigned depth)
{
	int missing = 0;
	assert_true(depth < 8);
	for (; f != NULL && f->name != NULL; f++) {
		if (pdl_page_label(f->name) == NULL) {
			printf("# no label for field %s of %s\n", f->name, type);
			missing++;
		}
		if ((f->type == F_ENUM || f->type == F_ENUMS) && f->sub != NULL)
			for (const char *const *v = f->sub; *v != NULL; v++)
				if (pdl_page_label(*v) == NULL) {
					printf("# no label for %s = %s of %s\n", f->name, *v, type);
					missing++;
				}
		if ((f->type == F_MAP || f->type == F_MAPS) && f->sub != NULL)
			missing += schema_missing(type, f->sub, depth + 1);
	}
	return missing;
}

static void
test_labels_cover_the_acts(void **state)
{
	(void)state;
	int missing = 0;
	size_t acts = 0;
	for (const struct pdl_family *const *fam = pdl_families; *fam != NULL; fam++)
		for (size_t i = 0; i < (*fam)->n; i++) {
			const struct pdl_act_def *d = &(*fam)->acts[i];
			acts++;
			if (pdl_page_label(d->type) == NULL) {
				printf("# no label for act type %s\n", d->type);
				missing++;
			}
			missing += schema_missing(d->type, d->body, 0);
		}
	assert_true(acts > 50);
	assert_int_equal(missing, 0);
	/* what the views add, the statuses the pages show */
	static const char *const more[] = {"active",  "suspended", "terminated", "expired", "released", "withdrawn",
	                                   "submitted", "passed",  "failed",     "notice",  "coded",    "cancelled",
	                                   "applied", "accepted",  "correction", "ended",   "listed",   "trial",
	                                   "term",    "not_started", "upheld",   "dismissed", "providers", "operator",
	                                   "developer", "authority", "expiry", NULL};
	for (const char *const *k = more; *k != NULL; k++)
		assert_non_null(pdl_page_label(*k));
}

static void
test_base(void **state)
{
	(void)state;
	char out[PDL_PAGE_BASE_MAX];
	struct pdl_http_ctx cx = {0};
	assert_int_equal(pdl_page_base(&cx, out), 0);
	assert_string_equal(out, "");
	cx.host = "127.0.0.1:8080";
	assert_int_equal(pdl_page_base(&cx, out), 1);
	assert_string_equal(out, "http://127.0.0.1:8080");
	cx.host = "[::1]:8080";
	assert_int_equal(pdl_page_base(&cx, out), 1);
	assert_string_equal(out, "http://[::1]:8080");
	static const char *const bad_hosts[] = {"evil\"><script>", "a b", "a/b", "x@y", "", "a\tb", "é.example", NULL};
	for (const char *const *h = bad_hosts; *h != NULL; h++) {
		cx.host = *h;
		assert_int_equal(pdl_page_base(&cx, out), 0);
	}
	char longhost[PDL_PAGE_HOST_MAX + 2];
	memset(longhost, 'a', sizeof longhost - 1);
	longhost[sizeof longhost - 1] = 0;
	cx.host = longhost;
	assert_int_equal(pdl_page_base(&cx, out), 0);
	longhost[PDL_PAGE_HOST_MAX] = 0; /* the longest one used */
	assert_int_equal(pdl_page_base(&cx, out), 1);
	assert_int_equal(strlen(out), 7 + PDL_PAGE_HOST_MAX);
	/* --public-url wins over the Host header; trailing slashes go */
	cx.host = "127.0.0.1:8080";
	cx.public_url = "https://ledger.example.gov.cn/pdl//";
	assert_int_equal(pdl_page_base(&cx, out), 1);
	assert_string_equal(out, "https://ledger.example.gov.cn/pdl");
	static const char *const good[] = {"http://a", "https://a.example:8443", "https://a.example/x/y", NULL};
	static const char *const bad[] = {"ftp://a",          "https://",       "https:///x",   "a.example",
	                                  "https://a\"b",     "https://a b",    "https://a?x=1", "https://a#f",
	                                  "https://a<b",      "javascript:x",   "https://a\nb", NULL};
	for (const char *const *u = good; *u != NULL; u++)
		assert_true(pdl_page_public_url_ok(*u));
	for (const char *const *u = bad; *u != NULL; u++)
		assert_false(pdl_page_public_url_ok(*u));
}

static void
test_finish(void **state)
{
	(void)state;
	struct pdl_page b = {0};
	struct pdl_http_out out = {200, "application/json", NULL, 0, "", 0};
	pdl_page_puts(&b, "<p>x</p>");
	pdl_page_finish(&b, 403, &out);
	assert_int_equal(out.status, 403);
	assert_string_equal(out.content_type, "text/html; charset=utf-8");
	assert_int_equal(out.len, 8);
	assert_memory_equal(out.body, "<p>x</p>", 8);
	assert_null(b.p);
	free(out.body);
	/* invariant (3): a buffer that ran out answers 500, never a part of a page */
	struct pdl_page oom = {NULL, 0, 0, 1};
	pdl_page_puts(&oom, "more");
	assert_null(oom.p);
	struct pdl_http_out o2 = {200, "application/json", NULL, 0, "", 0};
	pdl_page_finish(&oom, 200, &o2);
	assert_int_equal(o2.status, 500);
	assert_non_null(strstr(o2.body, "out_of_memory"));
	free(o2.body);
}

/* The file at path, whole (NUL-terminated); *n its length. */
static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *s = malloc(1 << 20);
	assert_non_null(s);
	*n = fread(s, 1, (1 << 20) - 1, f);
	s[*n] = 0;
	fclose(f);
	return s;
}

static void
test_assets(void **state)
{
	(void)state;
	static const struct {
		const char *route, *file, *ctype;
	} assets[] = {{"/assets/pdl.js", "projections/core/assets/pdl.js", "text/javascript; charset=utf-8"},
	              {"/assets/pdl.css", "projections/core/assets/pdl.css", "text/css; charset=utf-8"}};
	struct pdl_http_ctx cx = {0};
	cx.views = pdl_views;
	for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++) {
		const struct pdl_route *r = NULL;
		for (const struct pdl_route *x = pdl_page_routes; x->path != NULL; x++)
			if (strcmp(x->path, assets[i].route) == 0)
				r = x;
		assert_non_null(r);
		assert_int_equal(r->flags, PDL_ROUTE_PUBLIC);
		struct pdl_http_out out = {200, "application/json", NULL, 0, "", 0};
		r->fn(&cx, "", "", &out);
		size_t n;
		char *want = slurp(assets[i].file, &n); /* tests run from the top of the tree */
		assert_int_equal(out.status, 200);
		assert_string_equal(out.content_type, assets[i].ctype);
		assert_int_equal(out.len, n);
		assert_memory_equal(out.body, want, n);
		free(want);
		free(out.body);
		struct pdl_http_out o2 = {200, "application/json", NULL, 0, "", 0};
		r->fn(&cx, "v=2", "", &o2);
		assert_int_equal(o2.status, 400);
		free(o2.body);
		assert_true(pdl_http_has_route(&cx, assets[i].route));
	}
	/* the pages' links: routes the server has, and one it has not */
	assert_true(pdl_http_has_route(&cx, "/"));
	assert_true(pdl_http_has_route(&cx, "/metrics"));
	assert_true(pdl_http_has_route(&cx, "/verify"));
	assert_true(pdl_http_has_route(&cx, "/entries/7"));
	assert_false(pdl_http_has_route(&cx, "/nope"));
	assert_false(pdl_http_has_route(&cx, "/v1/revenue/parties/x")); /* private only */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),    cmocka_unit_test(test_url),
		cmocka_unit_test(test_numbers),   cmocka_unit_test(test_times),
		cmocka_unit_test(test_labels_codes), cmocka_unit_test(test_labels_cover_the_acts),
		cmocka_unit_test(test_base),      cmocka_unit_test(test_finish),
		cmocka_unit_test(test_assets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
