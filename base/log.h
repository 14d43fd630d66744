/*
 * log.h — the daemons' log (pdld, pdl-project): one event per line on
 * stderr, written with one write(2) so that threads never interleave.
 *
 * Two formats:
 *   text  "pdld: serving /srv/pdl (…) at ipc://…"   the program and the message,
 *         for a person at a terminal;
 *   json  {"time":"2026-12-02T02:00:00.123Z","level":"info","program":"pdld",
 *          "event":"serving","message":"serving /srv/pdl …","fields":{"dir":"/srv/pdl",…}}
 *         one object a line, for journald and log shippers: time (UTC,
 *         RFC 3339, ms), level (debug, info, warning, error), the event's
 *         stable name, the text message, and the event's fields (strings,
 *         integers, booleans). Strings are valid JSON whatever their bytes
 *         (a byte that is not UTF-8 becomes U+FFFD).
 * --log-format text|json|auto picks one; auto (the default) is json when
 * stderr is the systemd journal — systemd sets JOURNAL_STREAM to
 * "DEVICE:INODE" of the stream it hands a service as stderr, and auto
 * compares it with stderr's — and text otherwise. On the journal each line
 * also starts with its syslog priority ("<6>"), which journald takes off
 * and keeps as the entry's PRIORITY (journalctl -p warning).
 */
#ifndef PDL_LOG_H
#define PDL_LOG_H

#include <stddef.h>
#include <stdint.h>

enum pdl_log_level { PDL_LOG_DEBUG, PDL_LOG_INFO, PDL_LOG_WARNING, PDL_LOG_ERROR };

enum pdl_log_type { PDL_LOG_STR, PDL_LOG_U64, PDL_LOG_I64, PDL_LOG_BOOL };

struct pdl_log_field {
	const char *key; /* a JSON-safe name: [a-z0-9_] */
	enum pdl_log_type type;
	const char *s;   /* PDL_LOG_STR (NULL is written as null) */
	uint64_t u;      /* PDL_LOG_U64, PDL_LOG_BOOL */
	int64_t i;       /* PDL_LOG_I64 */
};
#define PDL_LF_STR(k, v) ((struct pdl_log_field){.key = (k), .type = PDL_LOG_STR, .s = (v)})
#define PDL_LF_U64(k, v) ((struct pdl_log_field){.key = (k), .type = PDL_LOG_U64, .u = (uint64_t)(v)})
#define PDL_LF_I64(k, v) ((struct pdl_log_field){.key = (k), .type = PDL_LOG_I64, .i = (int64_t)(v)})
#define PDL_LF_BOOL(k, v) ((struct pdl_log_field){.key = (k), .type = PDL_LOG_BOOL, .u = (v) ? 1u : 0u})
/* The fields argument pair of pdl_log: PDL_LOG_FIELDS(PDL_LF_STR("dir", d), …). */
#define PDL_LOG_FIELDS(...)                                                                                            \
	(const struct pdl_log_field[]){__VA_ARGS__},                                                                   \
	    sizeof((const struct pdl_log_field[]){__VA_ARGS__}) / sizeof(struct pdl_log_field)
#define PDL_LOG_NOFIELDS NULL, 0

#define PDL_LOG_LINE_MAX 8192u /* bytes of one line; a longer message is cut (and says so) */

/* Sets the program name and the format: "text", "json" or "auto" (NULL is
 * auto). Call once, before any thread logs. PDL_EINVAL for another format. */
int pdl_log_init(const char *program, const char *format);

/* 1 when the lines go out as JSON. */
int pdl_log_json(void);

/* Writes one event: level, its name, n fields, and the message. */
void pdl_log(enum pdl_log_level level, const char *event, const struct pdl_log_field *fields, size_t n,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
