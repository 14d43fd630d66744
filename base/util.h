/*
 * util.h — small helpers every layer needs: hex and base64, big-endian
 * integers, whole-file I/O, the clocks, id syntax, and the status record
 * that carries an error code with its rule id and message from deep inside
 * to the edge. Plain C and POSIX only: no other library (spec/architecture.md).
 * Secret key files are crypto/'s (key.h).
 */
#ifndef PDL_UTIL_H
#define PDL_UTIL_H

#include <stdarg.h>
#include <stdio.h>

#include "pdl.h"

/* An error with the rule that raised it, for replies and CLI output. */
struct pdl_status {
	int err;
	char rule[PDL_RULE_LEN_MAX];
	char msg[PDL_MSG_LEN_MAX];
};
/* Sets st (err, rule may be NULL) and returns err. */
int pdl_status_set(struct pdl_status *st, int err, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void pdl_hex(const uint8_t *b, size_t n, char *out); /* out: 2n+1 */
int pdl_unhex(const char *s, size_t len, uint8_t *out, size_t n); /* exact, lowercase */
/* Standard base64 with padding. out cap must be >= pdl_b64_len(n), which
 * counts the NUL pdl_b64 writes; PDL_B64_LEN is the same as a constant. */
#define PDL_B64_LEN(n) (((size_t)(n) + 2u) / 3u * 4u + 1u)
size_t pdl_b64_len(size_t n);
void pdl_b64(const uint8_t *b, size_t n, char *out);
/* Decodes exactly n bytes; PDL_EINVAL otherwise. */
int pdl_unb64(const char *s, size_t len, uint8_t *out, size_t n);
/* Decodes up to cap bytes; *n receives the count. */
int pdl_unb64_var(const char *s, size_t len, uint8_t *out, size_t cap, size_t *n);

/* Reads a whole file (at most max bytes) into a malloc'd buffer (NUL
 * appended, not counted). Caller frees. Errors: PDL_EIO, PDL_ETOOBIG, PDL_ENOMEM. */
int pdl_file_read(const char *path, size_t max, uint8_t **out, size_t *len);
/* Writes atomically (tmp + rename + fsync) with the given mode. */
int pdl_file_write(const char *path, const void *b, size_t len, unsigned mode);

/* Removes path and, if it is a directory, everything under it, without a
 * shell and without following symbolic links (nftw, FTW_PHYS). A missing
 * path is no error. Errors: PDL_EIO (errno says why). */
int pdl_rmtree(const char *path);

uint64_t pdl_now_ms(void);
uint64_t pdl_mono_ns(void);
/* Raises the soft limit on open descriptors to the hard one (a server's
 * connection tables are sized for more than the usual soft 1024) and
 * returns the soft limit now in force. */
uint64_t pdl_nofile_raise(void);
/* Fixes malloc's mmap threshold at PDL_MMAP_APART_BYTES (glibc's own rises
 * up to 32 MiB as large buffers are freed, which it then keeps, reuses and
 * zeroes): a server's large buffers (requests NNG reads, answers) are
 * mapped apart, their untouched pages cost nothing, and freeing one gives
 * it back. Call once, before any thread starts. */
#define PDL_MMAP_APART_BYTES (128u * 1024u)
void pdl_malloc_map_apart(void);
/* On SIGABRT (an abort() without a message: an allocation the code cannot
 * go on without, or a library's), writes "PROGRAM: aborted (SIGABRT)" and
 * the stack (binary+offset per frame) to stderr, then dies of the signal
 * as before. Sanitizer builds keep their own handlers for the others. */
void pdl_crash_report_install(const char *program);

/* Checks an id of ACTS.md: 1–64 chars of A-Z a-z 0-9 . _ - (so no
 * separator of a key can appear in one). The one id check: the act
 * schemas, the views and the tools all call it. */
int pdl_id_valid(const char *s, size_t n);
/* pdl_id_valid of a NUL-terminated string; NULL is no id. */
int pdl_id_cstr_valid(const char *s);

/* The one numeric parser of every binary's options and arguments: a
 * decimal u64, digits only (no sign, no space, no hex), nothing after it,
 * no overflow. PDL_OK or PDL_EINVAL. */
int pdl_u64_parse(const char *s, uint64_t *v);
/* pdl_u64_parse of option NAME's value V, in lo..hi; on anything else
 * prints "PROG: NAME must be a number from lo to hi, not 'V'" and returns
 * PDL_EINVAL (the binary exits 2). */
int pdl_opt_u64(const char *prog, const char *name, const char *v, uint64_t lo, uint64_t hi, uint64_t *out);

/* Big-endian u64, the key order of every integer-keyed table. */
static inline void
pdl_be64(uint8_t b[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}
static inline uint64_t
pdl_get_be64(const uint8_t b[8])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

#endif
