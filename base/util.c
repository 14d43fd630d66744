/* util.c — see util.h. */
#include <assert.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <ftw.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int
pdl_status_set(struct pdl_status *st, int err, const char *rule, const char *fmt, ...)
{
	if (st == NULL)
		return err;
	st->err = err;
	st->rule[0] = '\0';
	if (rule != NULL)
		snprintf(st->rule, sizeof st->rule, "%s", rule);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof st->msg, fmt, ap);
	va_end(ap);
	return err;
}

void
pdl_hex(const uint8_t *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
pdl_unhex(const char *s, size_t len, uint8_t *out, size_t n)
{
	if (len != 2 * n)
		return PDL_EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return PDL_EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return PDL_OK;
}

size_t
pdl_b64_len(size_t n)
{
	return PDL_B64_LEN(n);
}

void
pdl_b64(const uint8_t *b, size_t n, char *out)
{
	static const char d[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
		out[o++] = d[v >> 18];
		out[o++] = d[(v >> 12) & 63];
		out[o++] = d[(v >> 6) & 63];
		out[o++] = d[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)b[i] << 16;
		out[o++] = d[v >> 18];
		out[o++] = d[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8;
		out[o++] = d[v >> 18];
		out[o++] = d[(v >> 12) & 63];
		out[o++] = d[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* The value of a base64 digit, or -1 outside the standard alphabet. */
static int b64_digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict: standard alphabet only (libsodium 1.0.18's decoder read every
 * byte >= 0x80 as '/', found by tests/fuzz), padding to a multiple of four,
 * and unused low bits zero, so that a key or hash has one spelling. The
 * writer decodes a key per party act; this is several times faster than
 * libsodium's constant-time decoder, and public keys are not secret. */
int
pdl_unb64_var(const char *s, size_t len, uint8_t *out, size_t cap, size_t *n)
{
	size_t pad = 0, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (len % 4 != 0)
		return PDL_EINVAL;
	if (len >= 1 && s[len - 1] == '=')
		pad++;
	if (len >= 2 && s[len - 2] == '=')
		pad++;
	if (len / 4 * 3 - pad > cap)
		return PDL_EINVAL;
	for (size_t i = 0; i < len - pad; i++) {
		int v = b64_digit((unsigned char)s[i]);
		if (v < 0)
			return PDL_EINVAL;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		return PDL_EINVAL;
	*n = o;
	return PDL_OK;
}

int
pdl_unb64(const char *s, size_t len, uint8_t *out, size_t n)
{
	size_t got = 0;
	/* Exact length first, so a longer input cannot be silently cut. */
	if (len != pdl_b64_len(n) - 1)
		return PDL_EINVAL;
	if (pdl_unb64_var(s, len, out, n, &got) != PDL_OK || got != n)
		return PDL_EINVAL;
	return PDL_OK;
}

int
pdl_file_read(const char *path, size_t max, uint8_t **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return PDL_EIO;
	struct stat sb;
	uint8_t *b = NULL;
	int rc = PDL_EIO;
	if (fstat(fd, &sb) != 0)
		goto fail;
	if ((uint64_t)sb.st_size > max) {
		rc = PDL_ETOOBIG;
		goto fail;
	}
	size_t cap = (size_t)sb.st_size + 1, n = 0;
	b = malloc(cap);
	if (b == NULL) {
		rc = PDL_ENOMEM;
		goto fail;
	}
	for (;;) {
		if (n + 1 >= cap) {
			/* File grew or is a pipe: grow within max. */
			if (cap > max) {
				rc = PDL_ETOOBIG;
				goto fail;
			}
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			uint8_t *nb = realloc(b, ncap);
			if (nb == NULL) {
				rc = PDL_ENOMEM;
				goto fail;
			}
			b = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, b + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = PDL_ETOOBIG;
			goto fail;
		}
	}
	close(fd);
	b[n] = 0;
	*out = b;
	*len = n;
	return PDL_OK;
fail:
	free(b);
	close(fd);
	return rc;
}

int
pdl_file_write(const char *path, const void *b, size_t len, unsigned mode)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return PDL_EINVAL;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return PDL_EIO;
	const uint8_t *p = b;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
		goto fail;
	close(fd);
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return PDL_EIO;
	}
	return PDL_OK;
fail:
	close(fd);
	unlink(tmp);
	return PDL_EIO;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
pdl_rmtree(const char *path)
{
	struct stat sb;
	if (lstat(path, &sb) != 0 && errno == ENOENT)
		return PDL_OK;
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? PDL_OK : PDL_EIO;
}

uint64_t
pdl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t
pdl_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
pdl_id_valid(const char *s, size_t n)
{
	if (n == 0 || n > PDL_ID_LEN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
pdl_id_cstr_valid(const char *s)
{
	return s != NULL && pdl_id_valid(s, strnlen(s, PDL_ID_LEN_MAX + 1));
}

int
pdl_u64_parse(const char *s, uint64_t *v)
{
	char *end;
	if (s == NULL || *s < '0' || *s > '9')
		return PDL_EINVAL; /* strtoull would take a sign or spaces */
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return PDL_EINVAL;
	*v = x;
	return PDL_OK;
}

int
pdl_opt_u64(const char *prog, const char *name, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t x;
	assert(lo <= hi);
	if (pdl_u64_parse(v, &x) != PDL_OK || x < lo || x > hi) {
		fprintf(stderr, "%s: %s must be a number from %llu to %llu, not '%.40s'\n", prog, name,
		        (unsigned long long)lo, (unsigned long long)hi, v != NULL ? v : "");
		return PDL_EINVAL;
	}
	*out = x;
	return PDL_OK;
}

uint64_t
pdl_nofile_raise(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024; /* cannot happen on Linux; the usual default */
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = {rl.rlim_max, rl.rlim_max};
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = rl.rlim_max;
	}
	return rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
}

void
pdl_malloc_map_apart(void)
{
#ifdef M_MMAP_THRESHOLD
	mallopt(M_MMAP_THRESHOLD, (int)PDL_MMAP_APART_BYTES);
#endif
}

/* ---- the crash report (pdl_crash_report_install) ---- */

static const char *crash_program = "pdl";

/* Appends s to b[*n..cap): only what a signal handler may call. */
static void
crash_put(char *b, size_t *n, size_t cap, const char *s)
{
	while (*s && *n + 1 < cap)
		b[(*n)++] = *s++;
}

static void
on_fatal(int sig)
{
	void *frames[64];
	char head[256];
	size_t n = 0;
	int saved = errno;
	crash_put(head, &n, sizeof head, crash_program);
	crash_put(head, &n, sizeof head, sig == SIGABRT ? ": aborted (SIGABRT)" : ": fatal signal");
	crash_put(head, &n, sizeof head, "; its stack, innermost first (addr2line -f -e BINARY OFFSET names each):\n");
	if (write(STDERR_FILENO, head, n) < 0)
		(void)0; /* nowhere else to say it */
	int k = backtrace(frames, 64);
	backtrace_symbols_fd(frames, k, STDERR_FILENO);
	errno = saved;
	raise(sig); /* SA_RESETHAND: the default action now, as without this handler */
}

void
pdl_crash_report_install(const char *program)
{
	void *f[1];
	struct sigaction sa;
	crash_program = program;
	backtrace(f, 1); /* loads the unwinder now: it allocates on its first use, which a handler must not */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal;
	sa.sa_flags = (int)SA_RESETHAND;
	sigaction(SIGABRT, &sa, NULL);
}
