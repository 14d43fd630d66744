/* log.c — see log.h. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pdl.h"

static const char *log_program = "pdl";
static int log_as_json;
static int log_to_journal; /* stderr is the journal: lines start with <priority> */

/* 1 when JOURNAL_STREAM names stderr ("DEVICE:INODE", decimal). */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	struct stat st;
	unsigned long long dev, ino;
	char tail;
	if (js == NULL || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2 || fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int
pdl_log_init(const char *program, const char *format)
{
	log_program = program;
	log_to_journal = stderr_is_journal();
	if (format == NULL || strcmp(format, "auto") == 0)
		log_as_json = log_to_journal;
	else if (strcmp(format, "json") == 0)
		log_as_json = 1;
	else if (strcmp(format, "text") == 0)
		log_as_json = 0;
	else
		return PDL_EINVAL;
	return PDL_OK;
}

int
pdl_log_json(void)
{
	return log_as_json;
}

/* A line being built; what does not fit is dropped and the line marked cut. */
struct line {
	char b[PDL_LOG_LINE_MAX];
	size_t n;
	int cut;
};

static void
put(struct line *l, const char *s, size_t n)
{
	size_t room = sizeof l->b - 1 - l->n; /* one byte kept for the newline */
	if (n > room) {
		n = room;
		l->cut = 1;
	}
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

static void __attribute__((format(printf, 2, 3)))
putf(struct line *l, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (k > 0)
		put(l, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

/* Length of the UTF-8 sequence at s (n bytes left), 0 if it is not one. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and past U+10FFFF are not UTF-8 */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string of the bytes s: quotes, backslash and control characters
 * escaped, invalid UTF-8 as U+FFFD. */
static void
put_json_str(struct line *l, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	put(l, "\"", 1);
	while (n > 0) {
		if (*p == '"' || *p == '\\') {
			put(l, "\\", 1);
			put(l, (const char *)p, 1);
			p++, n--;
		} else if (*p < 0x20 || *p == 0x7f) {
			static const char *const named[] = {[8] = "\\b", [9] = "\\t", [10] = "\\n", [12] = "\\f", [13] = "\\r"};
			if (*p < 0x20 && named[*p] != NULL)
				put(l, named[*p], 2);
			else
				putf(l, "\\u%04x", *p);
			p++, n--;
		} else {
			size_t k = utf8_len(p, n);
			if (k == 0) {
				put(l, "\\ufffd", 6);
				p++, n--;
			} else {
				put(l, (const char *)p, k);
				p += k, n -= k;
			}
		}
	}
	put(l, "\"", 1);
}

static const char *const level_names[] = {"debug", "info", "warning", "error"};
static const int level_syslog[] = {7, 6, 4, 3}; /* debug, info, warning, err */

/* The event as one JSON object into l (cut short: a line that says so). */
static void
put_json(struct line *l, enum pdl_log_level level, const char *event, const struct pdl_log_field *fields, size_t n,
         const char *msg)
{
	struct timespec ts;
	struct tm tm;
	char tbuf[64];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tm);
	put(l, "{\"time\":\"", 9);
	put(l, tbuf, strlen(tbuf));
	putf(l, ".%03ldZ\",\"level\":\"%s\",\"program\":", ts.tv_nsec / 1000000, level_names[level]);
	put_json_str(l, log_program);
	put(l, ",\"event\":", 9);
	put_json_str(l, event);
	put(l, ",\"message\":", 11);
	put_json_str(l, msg);
	put(l, ",\"fields\":{", 11);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			put(l, ",", 1);
		put_json_str(l, fields[i].key);
		put(l, ":", 1);
		switch (fields[i].type) {
		case PDL_LOG_STR:
			if (fields[i].s == NULL)
				put(l, "null", 4);
			else
				put_json_str(l, fields[i].s);
			break;
		case PDL_LOG_U64: putf(l, "%llu", (unsigned long long)fields[i].u); break;
		case PDL_LOG_I64: putf(l, "%lld", (long long)fields[i].i); break;
		case PDL_LOG_BOOL: put(l, fields[i].u ? "true" : "false", fields[i].u ? 4 : 5); break;
		}
	}
	/* a line cut short would not parse: close it honestly instead */
	if (l->cut) {
		l->n = 0;
		l->cut = 0;
		if (log_to_journal)
			putf(l, "<%d>", level_syslog[level]);
		put(l, "{\"time\":\"", 9);
		put(l, tbuf, strlen(tbuf));
		putf(l, ".%03ldZ\",\"level\":\"%s\",\"program\":", ts.tv_nsec / 1000000, level_names[level]);
		put_json_str(l, log_program);
		put(l, ",\"event\":", 9);
		put_json_str(l, event);
		static const char tr[] = ",\"message\":\"(the event was longer than a log line)\",\"fields\":{\"truncated\":true";
		put(l, tr, sizeof tr - 1);
	}
	put(l, "}}", 2);
}

/* The line to stderr, whole (a short write goes on). */
static void
write_line(const struct line *l)
{
	for (size_t off = 0; off < l->n;) {
		ssize_t w = write(STDERR_FILENO, l->b + off, l->n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

void
pdl_log(enum pdl_log_level level, const char *event, const struct pdl_log_field *fields, size_t n, const char *fmt,
        ...)
{
	static struct line tl; /* too big for every thread's stack: one at a time */
	char msg[PDL_LOG_LINE_MAX];
	va_list ap;
	int saved = errno;
	va_start(ap, fmt);
	int k = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (k < 0)
		snprintf(msg, sizeof msg, "(a message that could not be written)");
	size_t ml = strlen(msg);
	while (ml > 0 && msg[ml - 1] == '\n') /* one line: the caller's newline is the line's */
		msg[--ml] = 0;
	if (level < PDL_LOG_DEBUG || level > PDL_LOG_ERROR)
		level = PDL_LOG_ERROR;

	struct line *l = malloc(sizeof *l);
	if (l == NULL)
		l = &tl; /* out of memory: a static line, as good as any (a race at worst garbles one) */
	l->n = 0;
	l->cut = 0;
	if (log_to_journal)
		putf(l, "<%d>", level_syslog[level]);
	if (!log_as_json) {
		put(l, log_program, strlen(log_program));
		put(l, ": ", 2);
		put(l, msg, ml);
	} else {
		put_json(l, level, event, fields, n, msg);
	}
	l->b[l->n++] = '\n';
	write_line(l);
	if (l != &tl)
		free(l);
	errno = saved;
}
