/* test_log.c — the daemons' log lines (log.h): the text form, the JSON
 * form read back with jansson (every field type, escapes, bytes that are
 * not UTF-8, a line too long), the journal seen through JOURNAL_STREAM
 * (JSON and a syslog priority), an unknown format refused, and lines from
 * many threads at once each whole. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "log.h"
#include "pdl.h"

static char path[] = "/tmp/pdl-test-log.XXXXXX";
static int saved_stderr = -1;

/* stderr goes to a fresh temporary file */
static int
setup(void **state)
{
	(void)state;
	strcpy(path, "/tmp/pdl-test-log.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	if (saved_stderr < 0)
		saved_stderr = dup(STDERR_FILENO);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
	unsetenv("JOURNAL_STREAM");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dup2(saved_stderr, STDERR_FILENO);
	unlink(path);
	return 0;
}

/* what was logged, NUL-terminated; free it */
static char *
logged(void)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *b = calloc(1, 1 << 20);
	assert_non_null(b);
	size_t n = fread(b, 1, (1 << 20) - 1, f);
	b[n] = 0;
	fclose(f);
	return b;
}

static void
test_text(void **state)
{
	(void)state;
	assert_int_equal(pdl_log_init("pdld", "text"), PDL_OK);
	assert_false(pdl_log_json());
	pdl_log(PDL_LOG_INFO, "serving", PDL_LOG_FIELDS(PDL_LF_STR("dir", "/srv")), "serving %s at %d\n", "/srv", 7);
	pdl_log(PDL_LOG_ERROR, "start_failed", PDL_LOG_NOFIELDS, "cannot open");
	char *b = logged();
	assert_string_equal(b, "pdld: serving /srv at 7\npdld: cannot open\n");
	free(b);
}

static void
test_json(void **state)
{
	(void)state;
	assert_int_equal(pdl_log_init("pdl-project", "json"), PDL_OK);
	assert_true(pdl_log_json());
	pdl_log(PDL_LOG_WARNING, "follow_retry",
	        PDL_LOG_FIELDS(PDL_LF_STR("error", "PDL_ECLOSED"), PDL_LF_U64("log_size", 9007199254740993ull),
	                       PDL_LF_I64("delta", -5), PDL_LF_BOOL("trusted", 1), PDL_LF_STR("metrics", NULL)),
	        "gone: \"%s\" \\ tab\there\x01 %s \xff end", "q", "\xe4\xb8\xad\xe6\x96\x87");
	char *b = logged();
	size_t n = strlen(b);
	assert_true(n > 0 && b[n - 1] == '\n');
	assert_null(memchr(b, '\n', n - 1)); /* one line */
	json_error_t err;
	json_t *o = json_loads(b, 0, &err);
	if (o == NULL)
		fail_msg("not JSON: %s: %s", err.text, b);
	assert_string_equal(json_string_value(json_object_get(o, "level")), "warning");
	assert_string_equal(json_string_value(json_object_get(o, "program")), "pdl-project");
	assert_string_equal(json_string_value(json_object_get(o, "event")), "follow_retry");
	const char *t = json_string_value(json_object_get(o, "time"));
	assert_non_null(t);
	/* 2026-12-02T02:00:00.123Z */
	assert_int_equal(strlen(t), 24);
	assert_true(t[4] == '-' && t[10] == 'T' && t[19] == '.' && t[23] == 'Z');
	assert_string_equal(json_string_value(json_object_get(o, "message")),
	                    "gone: \"q\" \\ tab\there\x01 \xe4\xb8\xad\xe6\x96\x87 \xef\xbf\xbd end");
	json_t *f = json_object_get(o, "fields");
	assert_true(json_is_object(f));
	assert_int_equal(json_object_size(f), 5);
	assert_string_equal(json_string_value(json_object_get(f, "error")), "PDL_ECLOSED");
	assert_int_equal(json_integer_value(json_object_get(f, "log_size")), 9007199254740993ll);
	assert_int_equal(json_integer_value(json_object_get(f, "delta")), -5);
	assert_true(json_is_true(json_object_get(f, "trusted")));
	assert_true(json_is_null(json_object_get(f, "metrics")));
	json_decref(o);
	free(b);
}

static void
test_too_long(void **state)
{
	(void)state;
	char big[3 * PDL_LOG_LINE_MAX];
	memset(big, '"', sizeof big - 1); /* each one escaped: twice its size */
	big[sizeof big - 1] = 0;
	assert_int_equal(pdl_log_init("pdld", "json"), PDL_OK);
	pdl_log(PDL_LOG_INFO, "big", PDL_LOG_FIELDS(PDL_LF_STR("v", big)), "short");
	char *b = logged();
	assert_true(strlen(b) <= PDL_LOG_LINE_MAX);
	json_t *o = json_loads(b, 0, NULL);
	assert_non_null(o); /* cut short, still a JSON object */
	assert_string_equal(json_string_value(json_object_get(o, "event")), "big");
	assert_true(json_is_true(json_object_get(json_object_get(o, "fields"), "truncated")));
	json_decref(o);
	free(b);
}

static void
test_journal(void **state)
{
	(void)state;
	struct stat st;
	char js[64];
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	/* another stream than stderr: not the journal */
	snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", js, 1);
	assert_int_equal(pdl_log_init("pdld", "auto"), PDL_OK);
	assert_false(pdl_log_json());
	pdl_log(PDL_LOG_INFO, "a", PDL_LOG_NOFIELDS, "plain");
	/* stderr itself */
	snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	assert_int_equal(pdl_log_init("pdld", NULL), PDL_OK);
	assert_true(pdl_log_json());
	pdl_log(PDL_LOG_ERROR, "b", PDL_LOG_NOFIELDS, "to the journal");
	pdl_log(PDL_LOG_DEBUG, "c", PDL_LOG_NOFIELDS, "detail");
	/* text forced on the journal: the priority still leads */
	assert_int_equal(pdl_log_init("pdld", "text"), PDL_OK);
	pdl_log(PDL_LOG_WARNING, "d", PDL_LOG_NOFIELDS, "warned");
	char *b = logged();
	char *l1 = b, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1, *l4 = strchr(l3, '\n') + 1;
	assert_memory_equal(l1, "pdld: plain\n", 12);
	assert_memory_equal(l2, "<3>{", 4);
	assert_memory_equal(l3, "<7>{", 4);
	assert_string_equal(l4, "<4>pdld: warned\n");
	l3[-1] = 0;
	json_t *o = json_loads(l2 + 3, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "message")), "to the journal");
	json_decref(o);
	free(b);
	assert_int_equal(pdl_log_init("pdld", "xml"), PDL_EINVAL);
	unsetenv("JOURNAL_STREAM");
}

#define THREADS 8
#define LINES 300

static void *
writer(void *arg)
{
	for (int i = 0; i < LINES; i++)
		pdl_log(PDL_LOG_INFO, "t", PDL_LOG_FIELDS(PDL_LF_U64("thread", (uintptr_t)arg), PDL_LF_I64("i", i)),
		        "line %d of thread %u %s", i, (unsigned)(uintptr_t)arg,
		        "................................................................................");
	return NULL;
}

static void
test_threads(void **state)
{
	(void)state;
	pthread_t th[THREADS];
	assert_int_equal(pdl_log_init("pdld", "json"), PDL_OK);
	for (uintptr_t i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, writer, (void *)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	char *b = logged();
	int lines = 0;
	for (char *l = b, *e; *l; l = e + 1) {
		e = strchr(l, '\n');
		assert_non_null(e);
		*e = 0;
		json_t *o = json_loads(l, 0, NULL);
		if (o == NULL)
			fail_msg("line %d is not whole JSON: %s", lines, l);
		json_decref(o);
		lines++;
	}
	assert_int_equal(lines, THREADS * LINES);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
