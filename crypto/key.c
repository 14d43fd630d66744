/* key.c — see key.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "key.h"

#define KEY_MAGIC_HEAD "pdl-"
#define KEY_MAGIC_TAIL "-v1"
#define KEY_ALG_LEN_MAX 16u      /* "ed25519", "sm2": bounds the first line */
#define KEY_FILE_BYTES_MAX 1024u /* a key file is about 60 bytes; bounds the read */

/* fsync of the directory holding path, so a new name survives a crash. */
static void
sync_dir_of(const char *path)
{
	char d[4096];
	if (snprintf(d, sizeof d, "%s", path) >= (int)sizeof d)
		return;
	char *slash = strrchr(d, '/');
	if (slash == NULL)
		snprintf(d, sizeof d, ".");
	else if (slash == d)
		d[1] = '\0';
	else
		*slash = '\0';
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Creates path with text, mode 0600 from the first byte, and never
 * replaces anything already there: a file, a symbolic link, a dangling
 * one. The text goes to a new temporary file beside path (mkostemp: 0600,
 * O_EXCL), is synced, and is then hard-linked to path: link(2) fails with
 * EEXIST when the name exists in any form, atomically, so there is no
 * window between a check and the write. Returns 0 or an errno. */
static int
write_new_private(const char *path, const void *text, size_t n)
{
	char tmp[4200];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
		return ENAMETOOLONG;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return errno;
	int err = 0;
	const uint8_t *p = text;
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? errno : EIO;
			break;
		}
		off += (size_t)w;
	}
	if (err == 0 && (fchmod(fd, 0600) != 0 || fsync(fd) != 0))
		err = errno;
	if (close(fd) != 0 && err == 0)
		err = errno;
	if (err == 0 && link(tmp, path) != 0)
		err = errno;
	unlink(tmp);
	if (err == 0)
		sync_dir_of(path);
	return err;
}

static int
key_write(const char *path, const struct pdl_seckey *k, struct pdl_status *st)
{
	char b64[PDL_B64_LEN(PDL_SECRET_BYTES)], text[128];
	pdl_b64(k->secret, PDL_SECRET_BYTES, b64);
	int n = snprintf(text, sizeof text, KEY_MAGIC_HEAD "%s" KEY_MAGIC_TAIL "\n%s\n", k->suite->alg, b64);
	int err = n > 0 && (size_t)n < sizeof text ? write_new_private(path, text, (size_t)n) : ENAMETOOLONG;
	pdl_wipe(b64, sizeof b64);
	pdl_wipe(text, sizeof text);
	if (err == EEXIST)
		return pdl_status_set(st, PDL_EKEY, NULL, "%s exists; refusing to overwrite a key", path);
	if (err != 0)
		return pdl_status_set(st, PDL_EIO, NULL, "cannot write key file %s: %s", path, strerror(err));
	return PDL_OK;
}

int
pdl_key_generate(const char *path, const struct pdl_suite *s, struct pdl_pubkey *pk, struct pdl_status *st)
{
	struct pdl_seckey k;
	int rc = pdl_seckey_generate(&k, s);
	if (rc != PDL_OK)
		rc = pdl_status_set(st, rc, NULL, "cannot make an %s key", s->alg_name);
	else if ((rc = key_write(path, &k, st)) == PDL_OK)
		*pk = k.pk;
	pdl_seckey_wipe(&k);
	return rc;
}

int
pdl_key_write(const char *path, const struct pdl_seckey *k, struct pdl_status *st)
{
	return key_write(path, k, st);
}

/* The suite named by a key file's first line, "pdl-<alg>-v1\n", and where
 * the secret starts; NULL (with the reason in st) if it names none. */
static const struct pdl_suite *
key_suite(const char *path, const uint8_t *text, size_t len, size_t *body, struct pdl_status *st)
{
	const uint8_t *nl = memchr(text, '\n', len < 64 ? len : 64);
	size_t hl = strlen(KEY_MAGIC_HEAD), tl = strlen(KEY_MAGIC_TAIL);
	if (nl == NULL || (size_t)(nl - text) < hl + tl + 1 || memcmp(text, KEY_MAGIC_HEAD, hl) != 0 ||
	    memcmp(nl - tl, KEY_MAGIC_TAIL, tl) != 0 || (size_t)(nl - text) - hl - tl > KEY_ALG_LEN_MAX) {
		pdl_status_set(st, PDL_EKEY, NULL, "key file %s is malformed (its first line is not pdl-<algorithm>-v1)",
		               path);
		return NULL;
	}
	const char *alg = (const char *)text + hl;
	size_t an = (size_t)(nl - text) - hl - tl;
	const struct pdl_suite *s = pdl_suite_by_alg(alg, an);
	if (s == NULL) {
		pdl_status_set(st, PDL_EKEY, NULL, "key file %s holds a \"%.*s\" key, an algorithm this pdl does not know",
		               path, (int)an, alg);
		return NULL;
	}
	*body = (size_t)(nl - text) + 1;
	return s;
}

int
pdl_key_wrong_suite(const char *path, const struct pdl_seckey *k, const struct pdl_suite *s, struct pdl_status *st)
{
	return pdl_status_set(st, PDL_EKEY, NULL, "key file %s holds an %s key, but this ledger's suite %s takes %s keys",
	                      path, k->suite->alg_name, s->id, s->alg_name);
}

int
pdl_key_load_for(const char *path, const struct pdl_suite *s, struct pdl_seckey *k, struct pdl_status *st)
{
	int rc = pdl_key_load(path, k, st);
	if (rc == PDL_OK && k->suite != s) {
		rc = pdl_key_wrong_suite(path, k, s, st);
		pdl_seckey_wipe(k);
	}
	return rc;
}

/* The open key file fd is a regular file of this user (or root) that
 * nobody else may read. */
static int
key_file_check(int fd, const char *path, struct pdl_status *st)
{
	struct stat sb;
	if (fstat(fd, &sb) != 0)
		return pdl_status_set(st, PDL_EKEY, NULL, "cannot stat key file %s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return pdl_status_set(st, PDL_EKEY, NULL, "key file %s is not a regular file", path);
	if (sb.st_mode & 077)
		return pdl_status_set(st, PDL_EKEY, NULL,
		                      "key file %s is readable by group or others (mode %03o); run chmod 600 %s", path,
		                      (unsigned)(sb.st_mode & 0777), path);
	/* a key another user owns is that user's to change */
	if (sb.st_uid != geteuid() && sb.st_uid != 0)
		return pdl_status_set(st, PDL_EKEY, NULL,
		                      "key file %s belongs to uid %u, not to this user (uid %u) or root", path,
		                      (unsigned)sb.st_uid, (unsigned)geteuid());
	return PDL_OK;
}

int
pdl_key_load(const char *path, struct pdl_seckey *k, struct pdl_status *st)
{
	uint8_t text[KEY_FILE_BYTES_MAX + 1], secret[PDL_SECRET_BYTES];
	size_t len = 0, body = 0;
	const struct pdl_suite *s;
	int rc = PDL_OK;
	memset(k, 0, sizeof *k);
	/* One open, and every check on that descriptor: O_NONBLOCK so that a
	 * FIFO or a device cannot hang the open, O_NOFOLLOW so that a link
	 * cannot swap the file between the checks and the read. */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			return pdl_status_set(st, PDL_EKEY, NULL, "key file %s is a symbolic link; name the key file itself",
			                      path);
		return pdl_status_set(st, PDL_EKEY, NULL, "cannot open key file %s: %s", path, strerror(errno));
	}
	if ((rc = key_file_check(fd, path, st)) != PDL_OK)
		goto fail;
	for (;;) {
		ssize_t r = read(fd, text + len, sizeof text - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = pdl_status_set(st, PDL_EKEY, NULL, "cannot read key file %s: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0 || (len += (size_t)r) == sizeof text)
			break;
	}
	if (len > KEY_FILE_BYTES_MAX) {
		rc = pdl_status_set(st, PDL_EKEY, NULL, "key file %s is malformed", path);
		goto fail;
	}
	if ((s = key_suite(path, text, len, &body, st)) == NULL) {
		rc = PDL_EKEY;
		goto fail;
	}
	if (len < body + 2 || text[len - 1] != '\n' ||
	    pdl_unb64((const char *)text + body, len - body - 1, secret, sizeof secret) != PDL_OK) {
		rc = pdl_status_set(st, PDL_EKEY, NULL, "key file %s is malformed", path);
		goto fail;
	}
	rc = pdl_seckey_open(k, s, secret);
	if (rc != PDL_OK) {
		pdl_seckey_wipe(k);
		rc = pdl_status_set(st, PDL_EKEY, NULL, "key file %s does not hold a valid %s secret key", path,
		                    s->alg_name);
	}
fail:
	close(fd);
	pdl_wipe(secret, sizeof secret);
	pdl_wipe(text, sizeof text);
	return rc;
}
