/*
 * key.h — secret key files: made, copied and loaded so that a key is never
 * written where something else was and never read from a file others can
 * read or change.
 *
 * Key files: text "pdl-ed25519-v1\n<base64 32-byte seed>\n", mode 0600,
 * created without ever replacing a name and loaded through one descriptor.
 * A key file readable by group or others is refused (PDL_EKEY).
 *
 * Invariants:
 *  (1) a key file exists under its name only once complete and synced
 *      (written to a temporary name, then link(2)ed);
 *  (2) every copy of a seed or secret key this module makes on the stack
 *      is wiped before it returns; the caller wipes what it is handed.
 */
#ifndef PDL_KEY_H
#define PDL_KEY_H

#include "pdl.h"
#include "util.h"

/* Generates a key and writes it to path, mode 0600 from the start. Never
 * replaces what is there, even a dangling symbolic link: the name is made
 * with link(2), atomically. Errors: PDL_EKEY (path exists), PDL_EIO. */
int pdl_key_generate(const char *path, uint8_t pk[PDL_PK_BYTES], struct pdl_status *st);
/* Writes the key sk (libsodium's 64-byte form) to a new file path, the same
 * way. Errors as pdl_key_generate. */
int pdl_key_write(const char *path, const uint8_t sk[PDL_SK_BYTES], struct pdl_status *st);
/* Loads a secret key (sk is libsodium's 64-byte form). The file is opened
 * once (O_NOFOLLOW, O_NONBLOCK) and checked on that descriptor: a regular
 * file, no permission bit for group or others, owned by this user or root;
 * then read from it. Errors: PDL_EKEY with a message in st (missing, a
 * symbolic link, a FIFO or other non-file, unsafe mode, another owner,
 * malformed). Wipe sk after use. */
int pdl_key_load(const char *path, uint8_t sk[PDL_SK_BYTES], uint8_t pk[PDL_PK_BYTES], struct pdl_status *st);

#endif
