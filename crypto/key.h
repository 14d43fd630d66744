/*
 * key.h — secret key files: made, copied and loaded so that a key is never
 * written where something else was and never read from a file others can
 * read or change.
 *
 * Key files: text "pdl-<alg>-v1\n<base64 of the suite's 32 secret bytes>\n"
 * (suite.h: "pdl-ed25519-v1" holds an Ed25519 seed, "pdl-sm2-v1" an SM2
 * private scalar, big endian), mode 0600, created without ever replacing a
 * name and loaded through one descriptor. The first line names the key's
 * algorithm: a key is loaded as the suite it says, and a caller that needs
 * one suite's key (the ledger's) refuses another's, naming both. A key file
 * readable by group or others is refused (PDL_EKEY).
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
#include "suite.h"
#include "util.h"

/* Generates a key of suite s and writes it to path, mode 0600 from the
 * start; pk receives its public key. Never replaces what is there, even a
 * dangling symbolic link: the name is made with link(2), atomically.
 * Errors: PDL_EKEY (path exists), PDL_EIO, PDL_ENOMEM. */
int pdl_key_generate(const char *path, const struct pdl_suite *s, struct pdl_pubkey *pk, struct pdl_status *st);
/* Writes the key k to a new file path, the same way. Errors as
 * pdl_key_generate. */
int pdl_key_write(const char *path, const struct pdl_seckey *k, struct pdl_status *st);
/* Loads and opens a secret key of the suite its first line names. The file
 * is opened once (O_NOFOLLOW, O_NONBLOCK) and checked on that descriptor:
 * a regular file, no permission bit for group or others, owned by this
 * user or root; then read from it. Errors: PDL_EKEY with a message in st
 * (missing, a symbolic link, a FIFO or other non-file, unsafe mode,
 * another owner, malformed, an algorithm pdl does not know). Wipe k with
 * pdl_seckey_wipe after use, also after an error. */
int pdl_key_load(const char *path, struct pdl_seckey *k, struct pdl_status *st);
/* pdl_key_load of a key that must be of suite s (the ledger's): another
 * suite's key is PDL_EKEY, with a message naming both algorithms. */
int pdl_key_load_for(const char *path, const struct pdl_suite *s, struct pdl_seckey *k, struct pdl_status *st);
/* The error pdl_key_load_for gives for k (of another suite than s), for
 * callers that load first and learn the suite later. Returns PDL_EKEY. */
int pdl_key_wrong_suite(const char *path, const struct pdl_seckey *k, const struct pdl_suite *s,
                        struct pdl_status *st);

#endif
