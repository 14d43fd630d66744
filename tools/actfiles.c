/* actfiles.c — reading act files for `pdl submit` and `pdl sign`, and
 * signing their acts (actfiles.h). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actfiles.h"
#include "actjson.h"
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

/* Signs the act b[0..n) into q; on a local refusal sets q->local_err.
 * json: the act came from JSON (its size is checked here; --raw acts go as
 * they are). actor (actor_len bytes; NULL: none) chooses the --keys key. */
static void
sign_act(struct signer *sg, struct pending *q, const uint8_t *b, size_t n, int json, const char *actor,
         size_t actor_len)
{
	q->act = b;
	q->act_len = n;
	if (json && n > PDL_ACT_BYTES_MAX) {
		/* the daemon would refuse it too; say so without sending it */
		pdl_status_set(&q->st, PDL_ETOOBIG, NULL,
		               "act of %zu bytes is over the %u-byte limit (every entry must fit a tlog-tiles bundle "
		               "of 65,535 bytes)", n, PDL_ACT_BYTES_MAX);
		q->local_err = 1;
		return;
	}
	if (sg->keys != NULL) {
		/* the actor's own key from KEYDIR */
		char kp[4400];
		if (actor == NULL || !pdl_id_valid(actor, actor_len)) {
			pdl_status_set(&q->st, PDL_EFIELD, NULL, "act has no valid actor to choose a key by");
			q->local_err = 1;
			return;
		}
		snprintf(kp, sizeof kp, "%s/%.*s.key", sg->keys, (int)actor_len, actor);
		/* acts in a row by one actor: its key is loaded once */
		if (strlen(sg->k_actor) != actor_len || memcmp(actor, sg->k_actor, actor_len) != 0) {
			pdl_seckey_wipe(&sg->k);
			sg->k_actor[0] = '\0';
			if (pdl_key_load(kp, &sg->k, &q->st) != PDL_OK || signer_check(sg, kp, &q->st) != PDL_OK) {
				pdl_seckey_wipe(&sg->k);
				q->local_err = 1;
				return;
			}
			snprintf(sg->k_actor, sizeof sg->k_actor, "%.*s", (int)actor_len, actor);
		}
	}
	pdl_act_sign(sg->lid, b, n, &sg->k, q->sig);
}

/* Encodes the JSON act a (jansson's path) into enc and signs it into q. */
static void
sign_json(struct signer *sg, struct pending *q, const json_t *a, msgpack_sbuffer *enc)
{
	msgpack_sbuffer_clear(enc);
	if (pdl_json_act_to_mp(a, enc, &q->st) != PDL_OK) {
		q->local_err = 1;
		return;
	}
	const char *actor = json_string_value(json_object_get(a, "actor"));
	sign_act(sg, q, (const uint8_t *)enc->data, enc->size, 1, actor, actor ? strlen(actor) : 0);
}

/* Takes one line of `pdl sign` output into q: {act, sig[, ledger_id]}. A
 * ledger_id other than this ledger's is refused here (pdld would refuse the
 * signature anyway; this names the two ledgers). */
static void
take_signed(struct signer *sg, struct pending *q, const json_t *o, msgpack_sbuffer *enc)
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
		msgpack_sbuffer_clear(enc);
		if (msgpack_sbuffer_write(enc, (const char *)ab, an) != 0) {
			pdl_status_set(&q->st, PDL_ENOMEM, NULL, "out of memory");
			q->local_err = 1;
		}
		q->act = (const uint8_t *)enc->data;
		q->act_len = enc->size;
	}
	free(ab);
}

/* Prints a message about the act files, after sg's before_msg. */
static void __attribute__((format(printf, 2, 3)))
file_msg(struct signer *sg, const char *fmt, ...)
{
	va_list ap;
	if (sg->before_msg != NULL)
		sg->before_msg(sg->before_msg_arg);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* The JSON values of a --signed file, one after another (the lines of `pdl
 * sign`, or JSON arrays of envelopes: the HTTP body, `pdl sign --array`),
 * as one array; NULL after a message naming the place of a syntax error. */
static json_t *
signed_lines(struct signer *sg, const char *cmd, const char *file, const uint8_t *buf, size_t len)
{
	json_t *root = json_array();
	size_t off = 0;
	for (;;) {
		json_error_t je;
		off += strspn((const char *)buf + off, " \t\r\n");
		if (off >= len)
			break;
		json_t *o = json_loadb((const char *)buf + off, len - off, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &je);
		if (o == NULL) {
			int line = 1;
			for (size_t i = 0; i < off; i++)
				line += buf[i] == '\n';
			file_msg(sg, "pdl %s: %s:%d:%d: %s (PDL_EDECODE)\n", cmd, file, line + je.line - 1, je.column, je.text);
			json_decref(root);
			return NULL;
		}
		off += je.position;
		if (json_is_array(o))
			json_array_extend(root, o);
		else
			json_array_append(root, o);
		json_decref(o);
	}
	return root;
}

/* What each_act keeps between files: the fast reader's acts, and a buffer
 * for an act encoded by jansson's path or decoded from a --signed line. */
struct reader {
	struct pdl_actjson aj;
	msgpack_sbuffer enc;
};

/* Parses one file's acts: into r->aj (*fast set; *root NULL), or a jansson
 * tree (*root: one act, an array of acts or of --signed envelopes). */
static int
parse_file(struct signer *sg, struct reader *r, const char *cmd, const char *file, const uint8_t *buf, size_t len,
           json_t **root, size_t *count, int *fast)
{
	*root = NULL;
	*count = 1;
	*fast = 0;
	if (sg->mode == IN_JSON && pdl_actjson_parse(&r->aj, (const char *)buf, len) == PDL_OK) {
		*fast = 1;
		*count = r->aj.n;
	} else if (sg->mode == IN_JSON) {
		json_error_t je;
		*root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
		if (*root == NULL) {
			file_msg(sg, "pdl %s: %s:%d:%d: %s (PDL_EDECODE)\n", cmd, file, je.line, je.column, je.text);
			return PDL_EDECODE;
		}
		*count = json_is_array(*root) ? json_array_size(*root) : 1;
	} else if (sg->mode == IN_SIGNED) {
		if ((*root = signed_lines(sg, cmd, file, buf, len)) == NULL)
			return PDL_EDECODE;
		*count = json_array_size(*root);
	}
	return PDL_OK;
}

/* Prepares act i of a parsed file into q. */
static void
prepare(struct signer *sg, struct reader *r, struct pending *q, size_t i, json_t *root, int fast, const uint8_t *buf,
        size_t len)
{
	if (fast) {
		const struct pdl_actjson_act *a = &r->aj.acts[i];
		const char *mp = r->aj.mp.data;
		sign_act(sg, q, (const uint8_t *)mp + a->off, a->len, 1, a->actor_len == SIZE_MAX ? NULL : mp + a->actor_off,
		         a->actor_len == SIZE_MAX ? 0 : a->actor_len);
	} else if (sg->mode == IN_SIGNED) {
		take_signed(sg, q, json_array_get(root, i), &r->enc);
	} else if (sg->mode == IN_RAW) {
		sign_act(sg, q, buf, len, 0, NULL, 0);
	} else {
		sign_json(sg, q, json_is_array(root) ? json_array_get(root, i) : root, &r->enc);
	}
}

/* Hands each act of each file, prepared by sg, to fn. Stops at a file that
 * cannot be read or parsed, after handing on the acts before it, and at an
 * error fn returns. */
int
each_act(struct signer *sg, char **files, int nfiles, const char *cmd, act_fn fn, void *arg)
{
	int rc = PDL_OK;
	struct reader r;
	pdl_actjson_init(&r.aj);
	msgpack_sbuffer_init(&r.enc);
	for (int fi = 0; fi < nfiles && rc == PDL_OK; fi++) {
		const char *file = files[fi];
		uint8_t *buf = NULL;
		size_t len = 0, count;
		json_t *root;
		int fast;
		rc = pdl_file_read(strcmp(file, "-") == 0 ? "/dev/stdin" : file, ACT_FILE_BYTES_MAX, &buf, &len);
		if (rc != PDL_OK) {
			file_msg(sg, "pdl %s: cannot read %s: %s (%s)\n", cmd, file, pdl_errmsg(rc), pdl_strerror(rc));
			break;
		}
		rc = parse_file(sg, &r, cmd, file, buf, len, &root, &count, &fast);
		for (size_t i = 0; i < count && rc == PDL_OK; i++) {
			struct pending q;
			memset(&q, 0, sizeof q);
			q.file = file;
			q.index = i;
			prepare(sg, &r, &q, i, root, fast, buf, len);
			rc = fn(arg, &q);
		}
		json_decref(root);
		free(buf);
	}
	msgpack_sbuffer_destroy(&r.enc);
	pdl_actjson_fini(&r.aj);
	return rc;
}
