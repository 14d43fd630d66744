/*
 * progress.h — how far a long command has got, told on stderr: what
 * `pdl verify`, `--replay`, `export`, `backup` and `pdl-project --rebuild`
 * share.
 *
 * Three modes, chosen once by the command from its options:
 *  - PDL_PROGRESS_TTY: one live line, redrawn in place (carriage return)
 *    at most every PDL_PROGRESS_TTY_MS, erased at the end. Only when
 *    stderr is a terminal (pdl_progress_mode decides), so logs and pipes
 *    never get carriage returns.
 *  - PDL_PROGRESS_LINES (`--progress[=SECONDS]`): for logs and cron, one
 *    whole line every interval — done, total, percentage, rate and ETA —
 *    and a last line with the total time.
 *  - PDL_PROGRESS_OFF (`--quiet`, or stderr not a terminal without
 *    `--progress`): nothing.
 *
 * Invariants:
 *  (1) nothing is written to stdout: a command's output stays its JSON;
 *  (2) the rate and ETA are integers computed from the monotonic clock;
 *      nothing here changes what the command computes;
 *  (3) pdl_progress_update is cheap enough to call once per entry (a clock
 *      read; a write at most once per interval).
 */
#ifndef PDL_PROGRESS_H
#define PDL_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#define PDL_PROGRESS_TTY_MS 250u       /* redraws of the live line: smooth, yet cheap on a slow terminal */
#define PDL_PROGRESS_INTERVAL_S 10u    /* --progress without =SECONDS: a line every 10 s suits a log */
#define PDL_PROGRESS_INTERVAL_S_MAX 86400u /* --progress=SECONDS above a day is surely a typo */

enum pdl_progress_mode { PDL_PROGRESS_OFF, PDL_PROGRESS_TTY, PDL_PROGRESS_LINES };

struct pdl_progress {
	enum pdl_progress_mode mode;
	const char *what;    /* "verify", "replay", "export", "backup", "rebuild" */
	const char *unit;    /* "entries", "bytes" */
	uint64_t total;      /* 0 when not known */
	uint64_t interval_ns;
	uint64_t t0_ns, last_ns;
	uint64_t done;
	int drawn;           /* TTY: a line is on the screen */
	int lines;           /* LINES: lines written */
	FILE *f;             /* stderr */
	/* LINES mode: when set, each line goes here instead of to f (a daemon
	 * logging JSON makes each an event of its log); last is 1 for the end */
	void (*emit)(const struct pdl_progress *p, const char *line, int last);
};

/* The mode for a command's options: quiet wins, then --progress (lines),
 * then a live line when stderr is a terminal. */
enum pdl_progress_mode pdl_progress_mode(int quiet, int lines);

/* interval_s: LINES mode's interval (0: a line on every update, for
 * tests). total: what done counts up to (0: unknown, no ETA). */
void pdl_progress_start(struct pdl_progress *p, enum pdl_progress_mode mode, const char *what, const char *unit,
                        uint64_t total, unsigned interval_s);
/* Set emit after pdl_progress_start (which clears it). */
void pdl_progress_update(struct pdl_progress *p, uint64_t done);
/* Erases the live line, or writes the last line ("…: done, N entries in
 * T s, R/s"; with ok 0: "…: stopped at N entries after T s"). */
void pdl_progress_end(struct pdl_progress *p, uint64_t done, int ok);

/* Parses --progress's optional =SECONDS (NULL: the default). PDL_OK or
 * PDL_EINVAL. */
int pdl_progress_interval(const char *arg, unsigned *interval_s);

#endif
