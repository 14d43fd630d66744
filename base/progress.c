/* progress.c — see progress.h. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdl.h"
#include "progress.h"
#include "util.h"

#define TTY_LINE_MAX 78u /* the live line fits an 80-column terminal */

enum pdl_progress_mode
pdl_progress_mode(int quiet, int lines)
{
	if (quiet)
		return PDL_PROGRESS_OFF;
	if (lines)
		return PDL_PROGRESS_LINES;
	return isatty(2) ? PDL_PROGRESS_TTY : PDL_PROGRESS_OFF;
}

int
pdl_progress_interval(const char *arg, unsigned *interval_s)
{
	uint64_t v;
	if (arg == NULL) {
		*interval_s = PDL_PROGRESS_INTERVAL_S;
		return PDL_OK;
	}
	if (pdl_u64_parse(arg, &v) != PDL_OK || v > PDL_PROGRESS_INTERVAL_S_MAX)
		return PDL_EINVAL;
	*interval_s = (unsigned)v;
	return PDL_OK;
}

void
pdl_progress_start(struct pdl_progress *p, enum pdl_progress_mode mode, const char *what, const char *unit,
                   uint64_t total, unsigned interval_s)
{
	memset(p, 0, sizeof *p);
	p->mode = mode;
	p->what = what;
	p->unit = unit;
	p->total = total;
	p->f = stderr;
	p->interval_ns = mode == PDL_PROGRESS_TTY ? PDL_PROGRESS_TTY_MS * 1000000ull : interval_s * 1000000000ull;
	p->t0_ns = pdl_mono_ns();
	p->last_ns = p->t0_ns;
}

/* done per second over ns, exactly (128-bit) */
static uint64_t
per_second(uint64_t done, uint64_t ns)
{
	return ns ? (uint64_t)((unsigned __int128)done * 1000000000u / ns) : 0;
}

/* h:mm:ss */
static void
hms(uint64_t s, char out[32])
{
	snprintf(out, 32, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600), (unsigned long long)(s / 60 % 60),
	         (unsigned long long)(s % 60));
}

/* "123 / 1000 entries (12%), 45 entries/s, ETA 0:00:19" */
static void
describe(const struct pdl_progress *p, uint64_t now, char *out, size_t cap)
{
	uint64_t rate = per_second(p->done, now - p->t0_ns);
	size_t o = 0;
	if (p->total) {
		o = (size_t)snprintf(out, cap, "%s: %llu / %llu %s (%llu%%)", p->what, (unsigned long long)p->done,
		                     (unsigned long long)p->total, p->unit,
		                     (unsigned long long)(p->done >= p->total ? 100 : p->done * 100 / p->total));
	} else {
		o = (size_t)snprintf(out, cap, "%s: %llu %s", p->what, (unsigned long long)p->done, p->unit);
	}
	if (o >= cap)
		return;
	o += (size_t)snprintf(out + o, cap - o, ", %llu %s/s", (unsigned long long)rate, p->unit);
	if (o < cap && p->total && rate && p->done < p->total) {
		char eta[32];
		hms((p->total - p->done) / rate, eta);
		snprintf(out + o, cap - o, ", ETA %s", eta);
	}
}

void
pdl_progress_update(struct pdl_progress *p, uint64_t done)
{
	if (p->mode == PDL_PROGRESS_OFF)
		return;
	p->done = done;
	uint64_t now = pdl_mono_ns();
	/* the live line shows at once, then at most every interval */
	if ((p->drawn || p->lines) && now - p->last_ns < p->interval_ns)
		return;
	p->last_ns = now;
	char line[256];
	describe(p, now, line, sizeof line);
	if (p->mode == PDL_PROGRESS_TTY) {
		fprintf(p->f, "\r%-*.*s", (int)TTY_LINE_MAX, (int)TTY_LINE_MAX, line);
		p->drawn = 1;
	} else {
		if (p->emit != NULL)
			p->emit(p, line, 0);
		else
			fprintf(p->f, "%s\n", line);
		p->lines++;
	}
	fflush(p->f);
}

void
pdl_progress_end(struct pdl_progress *p, uint64_t done, int ok)
{
	uint64_t now = pdl_mono_ns(), ms = (now - p->t0_ns) / 1000000u;
	if (p->mode == PDL_PROGRESS_TTY && p->drawn) {
		fprintf(p->f, "\r%*s\r", (int)TTY_LINE_MAX, "");
	} else if (p->mode == PDL_PROGRESS_LINES) {
		uint64_t rate = per_second(done, now - p->t0_ns);
		char line[256];
		if (ok)
			snprintf(line, sizeof line, "%s: done, %llu %s in %llu.%03llu s, %llu %s/s", p->what,
			         (unsigned long long)done, p->unit, (unsigned long long)(ms / 1000),
			         (unsigned long long)(ms % 1000), (unsigned long long)rate, p->unit);
		else
			snprintf(line, sizeof line, "%s: stopped at %llu %s after %llu.%03llu s", p->what,
			         (unsigned long long)done, p->unit, (unsigned long long)(ms / 1000),
			         (unsigned long long)(ms % 1000));
		p->done = done;
		if (p->emit != NULL)
			p->emit(p, line, 1);
		else
			fprintf(p->f, "%s\n", line);
	}
	fflush(p->f);
	p->mode = PDL_PROGRESS_OFF;
}
