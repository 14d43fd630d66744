/*
 * actfiles.h — the acts `pdl submit` and `pdl sign` read: JSON act files
 * (one act or an array), --raw msgpack act files, and --signed files of
 * `pdl sign` lines; each act encoded and signed for one ledger with the
 * --key file or the actor's key in --keys KEYDIR.
 */
#ifndef PDL_ACTFILES_H
#define PDL_ACTFILES_H

#include <msgpack.h>

#include "pdl.h"
#include "suite.h"
#include "util.h"

/* One act on its way: its msgpack bytes and signature, or why it was
 * refused before sending (local_err, st). */
struct pending {
	const uint8_t *act; /* act_len bytes, each_act's: valid during the act_fn call only */
	size_t act_len;
	uint8_t sig[PDL_SIG_BYTES];
	const char *file;
	size_t index;
	int local_err; /* encoding failed before sending */
	struct pdl_status st;
};

/* Where the acts of submit and sign come from: JSON act files and --raw
 * msgpack act files are signed here; --signed files hold the lines `pdl
 * sign` printed and are sent exactly as they are. */
enum in_mode { IN_JSON, IN_RAW, IN_SIGNED };

struct signer {
	enum in_mode mode;
	const char *keys;                /* --keys KEYDIR, or NULL for --key */
	struct pdl_seckey k;             /* --key's, or the last --keys key loaded; wipe with pdl_seckey_wipe */
	char k_actor[PDL_ID_LEN_MAX + 1]; /* whose --keys key k is */
	const struct pdl_suite *suite;   /* the ledger's: every key must be of it; NULL when not known */
	uint8_t lid[PDL_HASH_BYTES];     /* the ledger the acts are for */
	/* Called, when set, before each_act writes a message to stderr: a
	 * caller that prints the acts' results on another thread has them
	 * printed first, so the output keeps its order. */
	void (*before_msg)(void *arg);
	void *before_msg_arg;
};

/* PDL_OK when sg->k (loaded from path) is of the ledger's suite, else
 * PDL_EKEY naming both (key.h). */
int signer_check(const struct signer *sg, const char *path, struct pdl_status *st);

/* Takes one act prepared by each_act; q->act is each_act's and valid only
 * during the call (copy what is kept). */
typedef int (*act_fn)(void *arg, struct pending *q);

/* Hands each act of each file, prepared by sg, to fn. Stops at a file that
 * cannot be read or parsed, after handing on the acts before it, and at an
 * error fn returns. JSON act files go through actjson.h's fast reader, or
 * jansson when it declines (the same acts either way). */
int each_act(struct signer *sg, char **files, int nfiles, const char *cmd, act_fn fn, void *arg);

#endif
