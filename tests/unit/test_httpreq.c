/*
 * test_httpreq.c — the HTTP/1.1 request heads pdld --http reads (httpreq.h):
 * what a head must look like, and the status each malformed one gets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "httpreq.h"

static int
parse(const char *head, struct pdl_httpreq *r, char *why)
{
	return pdl_httpreq_parse(head, strlen(head), r, why, 200);
}

static void
test_head_len(void **state)
{
	(void)state;
	const char *h = "GET / HTTP/1.1\r\nHost: x\r\n\r\nBODY";
	assert_int_equal(pdl_httpreq_head_len(h, strlen(h)), strlen(h) - 4);
	assert_int_equal(pdl_httpreq_head_len(h, strlen(h) - 5), 0);
	assert_int_equal(pdl_httpreq_head_len("\r\n\r", 3), 0);
	assert_int_equal(pdl_httpreq_head_len("GET / HTTP/1.1\n\n", 16), 0); /* bare LFs end nothing */
}

static void
test_post(void **state)
{
	(void)state;
	struct pdl_httpreq r;
	char why[200];
	assert_int_equal(parse("POST /v1/acts HTTP/1.1\r\nHost: ledger\r\nContent-Length: 1234\r\n"
	                       "Content-Type:  Application/JSON ; charset=utf-8\r\nExpect: 100-Continue\r\n"
	                       "Authorization: PDL-Sig party=a,time=1,sig=x\r\nX-Other: \xe4\xbd\xa0\r\n\r\n",
	                       &r, why),
	                 0);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.target, "/v1/acts");
	assert_int_equal(r.minor, 1);
	assert_true(r.has_length);
	assert_int_equal(r.length, 1234);
	assert_false(r.chunked);
	assert_true(r.keep_alive);
	assert_true(r.expect_continue);
	assert_true(r.has_media);
	assert_string_equal(r.media_type, "application/json");
	assert_true(r.has_auth);
	assert_string_equal(r.auth, "PDL-Sig party=a,time=1,sig=x");
	char path[64];
	assert_int_equal(pdl_httpreq_path(&r, path, sizeof path), 0);
	assert_string_equal(path, "/v1/acts");
}

static void
test_connection(void **state)
{
	(void)state;
	struct pdl_httpreq r;
	char why[200];
	assert_int_equal(parse("GET /a?b=1 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Close\r\n\r\n", &r, why), 0);
	assert_false(r.keep_alive);
	assert_false(r.has_length);
	char path[8];
	assert_int_equal(pdl_httpreq_path(&r, path, sizeof path), 0);
	assert_string_equal(path, "/a");
	assert_int_equal(pdl_httpreq_path(&r, path, 2), -1);
	assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n", &r, why), 0); /* 1.0: no Host needed, closes */
	assert_int_equal(r.minor, 0);
	assert_false(r.keep_alive);
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", &r, why), 0);
	assert_true(r.chunked);
	char big[400];
	snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: %0300d\r\n\r\n", 0);
	assert_int_equal(parse(big, &r, why), 0);
	assert_true(r.has_auth && r.auth_too_long);
}

static void
test_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *head;
		int status;
		const char *why; /* a part of the message */
	} cases[] = {
		{"GET / HTTP/1.1\r\nHost x\r\n\r\n", 400, "without a name and a colon"},
		{"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "no space before the colon"},
		{"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400, "obsolete line folding"},
		{"GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", 400, "bare LF"},
		{"GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400, "does not end in CRLF"},
		{"GET / HTTP/1.1\r\nHost: a\x01z\r\n\r\n", 400, "control character"},
		{"GET / HTTP/1.1\r\n\r\n", 400, "needs a Host"},
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Host is given twice"},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400, "given twice"},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, "1 to 19 digits"},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12345678901234567890\r\n\r\n", 400, "1 to 19 digits"},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400, "1 to 19 digits"},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "together"},
		{"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n", 400, "together"},
		{"GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "not a path"},
		{"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "METHOD TARGET"},
		{"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400, "HTTP version"},
		{"G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "not a token"},
		{"GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400, "visible ASCII"},
		{"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP/2.0"},
		{"GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505, "HTTP/1.2"},
		{"GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417, "100-continue"},
		{"ABCDEFGHIJKLMNOP / HTTP/1.1\r\nHost: a\r\n\r\n", 501, "16 characters"},
		{"GET / HTTP/1.1\r\nHost: a\r\n", 400, "empty line"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pdl_httpreq r;
		char why[200];
		int st = parse(cases[i].head, &r, why);
		if (st != cases[i].status || strstr(why, cases[i].why) == NULL)
			fail_msg("case %zu: %d \"%s\", want %d \"…%s…\"", i, st, why, cases[i].status, cases[i].why);
	}
	char head[PDL_HTTP_TARGET_LEN_MAX + 64];
	snprintf(head, sizeof head, "GET /%0*d HTTP/1.1\r\nHost: a\r\n\r\n", PDL_HTTP_TARGET_LEN_MAX, 0);
	struct pdl_httpreq r;
	char why[200];
	assert_int_equal(parse(head, &r, why), 414);
	snprintf(head, sizeof head, "GET /%0*d HTTP/1.1\r\nHost: a\r\n\r\n", PDL_HTTP_TARGET_LEN_MAX - 1, 0);
	assert_int_equal(parse(head, &r, why), 0);
	assert_int_equal(strlen(r.target), PDL_HTTP_TARGET_LEN_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_len),
		cmocka_unit_test(test_post),
		cmocka_unit_test(test_connection),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
