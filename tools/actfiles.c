/* actfiles.c — reading act files for `pdl submit` and `pdl sign`, and
 * signing their acts (actfiles.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actfiles.h"
#include "crypto.h"
#include "entry.h"
#include "key.h"
#include "mpjson.h"

#define ACT_FILE_BYTES_MAX (64u << 20) /* an input file: 4,096 acts of 16 KiB with room */

int
signer_check(const struct signer *sg, const char *path, struct pdl_status *st)
{
	if (sg->suite != NULL && sg->k.suite != sg->suite)
		return pdl_key_wrong_suite(path, &sg->k, sg->suite, st);
	return PDL_OK;
}

/* Encodes and signs act `a` (JSON, or the raw msgpack bytes in raw/rawn
 * when a is NULL) into q; on a local refusal sets q->local_err. */
static void
sign_one(struct signer *sg, struct pending *q, const json_t *a, const uint8_t *raw, size_t rawn)
{
	if (a == NULL) {
		msgpack_sbuffer_write(&q->act, (const char *)raw, rawn);
	} else if (pdl_json_act_to_mp(a, &q->act, &q->st) != PDL_OK) {
		q->local_err = 1;
		return;
	}
	if (a != NULL && q->act.size > PDL_ACT_BYTES_MAX) {
		/* the daemon would refuse it too; say so without sending it */
		pdl_status_set(&q->st, PDL_ETOOBIG, NULL,
		               "act of %zu bytes is over the %u-byte limit (every entry must fit a tlog-tiles bundle "
		               "of 65,535 bytes)", q->act.size, PDL_ACT_BYTES_MAX);
		q->local_err = 1;
		return;
	}
	if (sg->keys != NULL) {
		/* the actor's own key from KEYDIR */
		const char *actor = json_string_value(json_object_get(a, "actor"));
		char kp[4400];
		if (actor == NULL || !pdl_id_valid(actor, strlen(actor))) {
			pdl_status_set(&q->st, PDL_EFIELD, NULL, "act has no valid actor to choose a key by");
			q->local_err = 1;
			return;
		}
		snprintf(kp, sizeof kp, "%s/%s.key", sg->keys, actor);
		/* acts in a row by one actor: its key is loaded once */
		if (strcmp(actor, sg->k_actor) != 0) {
			pdl_seckey_wipe(&sg->k);
			sg->k_actor[0] = '\0';
			if (pdl_key_load(kp, &sg->k, &q->st) != PDL_OK || signer_check(sg, kp, &q->st) != PDL_OK) {
				pdl_seckey_wipe(&sg->k);
				q->local_err = 1;
				return;
			}
			snprintf(sg->k_actor, sizeof sg->k_actor, "%s", actor);
		}
	}
	pdl_act_sign(sg->lid, (const uint8_t *)q->act.data, q->act.size, &sg->k, q->sig);
}

/* Takes one line of `pdl sign` output into q: {act, sig[, ledger_id]}. A
 * ledger_id other than this ledger's is refused here (pdld would refuse the
 * signature anyway; this names the two ledgers). */
static void
take_signed(struct signer *sg, struct pending *q, const json_t *o)
{
	const char *act = json_string_value(json_object_get(o, "act"));
	const char *sig = json_string_value(json_object_get(o, "sig"));
	const char *lid = json_string_value(json_object_get(o, "ledger_id"));
	uint8_t *ab = NULL, id[PDL_HASH_BYTES];
	size_t an = 0;
	if (!json_is_object(o) || act == NULL || sig == NULL) {
		pdl_status_set(&q->st, PDL_EINVAL, NULL, "a signed act is a JSON line {\"act\":<base64>,\"sig\":<base64>}");
		q->local_err = 1;
		return;
	}
	if (strlen(act) > pdl_b64_len(PDL_ACT_BYTES_MAX) || (ab = malloc(strlen(act) + 1)) == NULL ||
	    pdl_unb64_var(act, strlen(act), ab, strlen(act), &an) != PDL_OK ||
	    pdl_unb64(sig, strlen(sig), q->sig, sizeof q->sig) != PDL_OK) {
		pdl_status_set(&q->st, PDL_EINVAL, NULL, "act or sig is not canonical base64 (sig: 64 bytes; act: at most 48 KiB)");
		q->local_err = 1;
	} else if (lid != NULL && (pdl_unhex(lid, strlen(lid), id, sizeof id) != PDL_OK ||
	                           pdl_memcmp_ct(id, sg->lid, sizeof id) != 0)) {
		char hex[2 * PDL_HASH_BYTES + 1];
		pdl_hex(sg->lid, sizeof sg->lid, hex);
		pdl_status_set(&q->st, PDL_EBADSIG, NULL, "signed for ledger %.64s, not this ledger (%s)", lid, hex);
		q->local_err = 1;
	} else {
		msgpack_sbuffer_write(&q->act, (const char *)ab, an);
	}
	free(ab);
}

/* Hands each act of each file, prepared by sg, to fn (which owns q->act
 * from then on). Stops at a file that cannot be read or parsed, after
 * handing on the acts before it, and at an error fn returns. */
int
each_act(struct signer *sg, char **files, int nfiles, const char *cmd, act_fn fn, void *arg)
{
	int rc = PDL_OK;
	for (int fi = 0; fi < nfiles && rc == PDL_OK; fi++) {
		const char *file = files[fi];
		uint8_t *buf = NULL;
		size_t len = 0;
		int frc = pdl_file_read(strcmp(file, "-") == 0 ? "/dev/stdin" : file, ACT_FILE_BYTES_MAX, &buf, &len);
		if (frc != PDL_OK) {
			fprintf(stderr, "pdl %s: cannot read %s: %s (%s)\n", cmd, file, pdl_errmsg(frc), pdl_strerror(frc));
			return frc;
		}
		json_t *root = NULL;
		size_t count = 1;
		if (sg->mode == IN_JSON) {
			json_error_t je;
			root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
			if (root == NULL) {
				fprintf(stderr, "pdl %s: %s:%d:%d: %s (PDL_EDECODE)\n", cmd, file, je.line, je.column, je.text);
				free(buf);
				return PDL_EDECODE;
			}
			count = json_is_array(root) ? json_array_size(root) : 1;
		} else if (sg->mode == IN_SIGNED) {
			/* JSON values one after another: the lines of `pdl sign`, or
			 * a JSON array of envelopes (the HTTP body, `pdl sign --array`) */
			root = json_array();
			size_t off = 0;
			for (;;) {
				json_error_t je;
				off += strspn((const char *)buf + off, " \t\r\n");
				if (off >= len)
					break;
				json_t *o = json_loadb((const char *)buf + off, len - off,
				                       JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &je);
				if (o == NULL) {
					int line = 1;
					for (size_t i = 0; i < off; i++)
						line += buf[i] == '\n';
					fprintf(stderr, "pdl %s: %s:%d:%d: %s (PDL_EDECODE)\n", cmd, file, line + je.line - 1, je.column,
					        je.text);
					json_decref(root);
					free(buf);
					return PDL_EDECODE;
				}
				off += je.position;
				if (json_is_array(o))
					json_array_extend(root, o);
				else
					json_array_append(root, o);
				json_decref(o);
			}
			count = json_array_size(root);
		}
		for (size_t i = 0; i < count && rc == PDL_OK; i++) {
			struct pending q;
			memset(&q, 0, sizeof q);
			msgpack_sbuffer_init(&q.act);
			q.file = file;
			q.index = i;
			if (sg->mode == IN_SIGNED)
				take_signed(sg, &q, json_array_get(root, i));
			else if (sg->mode == IN_RAW)
				sign_one(sg, &q, NULL, buf, len);
			else
				sign_one(sg, &q, json_is_array(root) ? json_array_get(root, i) : root, NULL, 0);
			rc = fn(arg, &q);
		}
		json_decref(root);
		free(buf);
	}
	return rc;
}
