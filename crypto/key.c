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

#define KEY_MAGIC "pdl-ed25519-v1\n"
#define KEY_FILE_BYTES_MAX 1024u /* a key file is 60 bytes; bounds the read */

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
key_write(const char *path, const uint8_t seed[32], struct pdl_status *st)
{
	char b64[64], text[128];
	pdl_b64(seed, 32, b64);
	int n = snprintf(text, sizeof text, "%s%s\n", KEY_MAGIC, b64);
	int err = write_new_private(path, text, (size_t)n);
	pdl_wipe(b64, sizeof b64);
	pdl_wipe(text, sizeof text);
	if (err == EEXIST)
		return pdl_status_set(st, PDL_EKEY, NULL, "%s exists; refusing to overwrite a key", path);
	if (err != 0)
		return pdl_status_set(st, PDL_EIO, NULL, "cannot write key file %s: %s", path, strerror(err));
	return PDL_OK;
}

int
pdl_key_generate(const char *path, uint8_t pk[32], struct pdl_status *st)
{
	uint8_t seed[32], sk[64];
	pdl_random(seed, sizeof seed);
	pdl_sign_seed_keypair(pk, sk, seed);
	int rc = key_write(path, seed, st);
	pdl_wipe(seed, sizeof seed);
	pdl_wipe(sk, sizeof sk);
	return rc;
}

int
pdl_key_write(const char *path, const uint8_t sk[64], struct pdl_status *st)
{
	/* libsodium's secret key is seed ‖ public key */
	return key_write(path, sk, st);
}

int
pdl_key_load(const char *path, uint8_t sk[64], uint8_t pk[32], struct pdl_status *st)
{
	struct stat sb;
	uint8_t text[KEY_FILE_BYTES_MAX + 1], seed[32];
	size_t len = 0;
	int rc = PDL_OK;
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
	if (fstat(fd, &sb) != 0) {
		rc = pdl_status_set(st, PDL_EKEY, NULL, "cannot stat key file %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = pdl_status_set(st, PDL_EKEY, NULL, "key file %s is not a regular file", path);
		goto fail;
	}
	if (sb.st_mode & 077) {
		rc = pdl_status_set(st, PDL_EKEY, NULL,
		                    "key file %s is readable by group or others (mode %03o); run chmod 600 %s", path,
		                    (unsigned)(sb.st_mode & 0777), path);
		goto fail;
	}
	/* a key another user owns is that user's to change */
	if (sb.st_uid != geteuid() && sb.st_uid != 0) {
		rc = pdl_status_set(st, PDL_EKEY, NULL, "key file %s belongs to uid %u, not to this user (uid %u) or root",
		                    path, (unsigned)sb.st_uid, (unsigned)geteuid());
		goto fail;
	}
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
	size_t ml = strlen(KEY_MAGIC);
	if (len > KEY_FILE_BYTES_MAX || len < ml + 2 || memcmp(text, KEY_MAGIC, ml) != 0 || text[len - 1] != '\n' ||
	    pdl_unb64((const char *)text + ml, len - ml - 1, seed, 32) != PDL_OK) {
		rc = pdl_status_set(st, PDL_EKEY, NULL, "key file %s is malformed", path);
		goto fail;
	}
	pdl_sign_seed_keypair(pk, sk, seed);
fail:
	close(fd);
	pdl_wipe(seed, sizeof seed);
	pdl_wipe(text, sizeof text);
	return rc;
}
