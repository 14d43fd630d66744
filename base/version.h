/*
 * version.h — the version of pdl, as `--version` prints it: the VERSION
 * file at the top of the tree, and the git commit when it was built from a
 * git checkout (mk/version.sh, run by the Makefile at every build; the
 * object is rebuilt when the string changes). One place for every binary,
 * the man pages and the Debian package.
 */
#ifndef PDL_VERSION_H
#define PDL_VERSION_H

#include <stdio.h>

/* "0.1.0 (git 1a2b3c4d5e6f)", or "0.1.0" from a tarball; static storage. */
const char *pdl_version(void);

/* Writes "PROG VERSION\n" to f: what every binary's --version prints. */
void pdl_version_print(FILE *f, const char *prog);

#endif
