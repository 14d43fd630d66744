/*
 * util.h — small helpers every tool needs: hex and base64, whole-file I/O,
 * secret key files, the wall clock, and the status record that carries an
 * error code with its rule id and message from deep inside to the edge.
 *
 * Key files: text "pdl-ed25519-v1\n<base64 32-byte seed>\n", mode 0600,
 * created without ever replacing a name and loaded through one descriptor.
 * A key file readable by group or others is refused (PDL_EKEY).
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
/* Standard base64 with padding. out cap must be >= pdl_b64_len(n). */
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

/* Generates a key and writes it to path, mode 0600 from the start. Never
 * replaces what is there, even a dangling symbolic link: the name is made
 * with link(2), atomically. Errors: PDL_EKEY (path exists), PDL_EIO. */
int pdl_key_generate(const char *path, uint8_t pk[32], struct pdl_status *st);
/* Writes the key sk (libsodium's 64-byte form) to a new file path, the same
 * way. Errors as pdl_key_generate. */
int pdl_key_write(const char *path, const uint8_t sk[64], struct pdl_status *st);
/* Loads a secret key (sk is libsodium's 64-byte form). The file is opened
 * once (O_NOFOLLOW, O_NONBLOCK) and checked on that descriptor: a regular
 * file, no permission bit for group or others, owned by this user or root;
 * then read from it. Errors: PDL_EKEY with a message in st (missing, a
 * symbolic link, a FIFO or other non-file, unsafe mode, another owner,
 * malformed). Wipe sk after use. */
int pdl_key_load(const char *path, uint8_t sk[64], uint8_t pk[32], struct pdl_status *st);

/* Removes path and, if it is a directory, everything under it, without a
 * shell and without following symbolic links (nftw, FTW_PHYS). A missing
 * path is no error. Errors: PDL_EIO (errno says why). */
int pdl_rmtree(const char *path);

uint64_t pdl_now_ms(void);
uint64_t pdl_mono_ns(void);

/* Checks an id of ACTS.md: 1–64 chars of A-Z a-z 0-9 . _ - */
int pdl_id_valid(const char *s, size_t n);

#endif
