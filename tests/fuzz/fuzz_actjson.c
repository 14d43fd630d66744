/*
 * fuzz_actjson — pdl submit's two fast paths against the jansson paths
 * they stand in for: lib/actjson.c (an act file straight to msgpack) and
 * lib/rcptjson.c (a reply's result straight to a receipt line).
 *
 * Input: the first byte chooses; the rest, on an exact-size copy, is an
 * act file (even) or one msgpack result (odd). Checked: an act file the
 * fast reader takes is taken by jansson + pdl_json_act_to_mp too, act for
 * act, with the same bytes and the same actor; a result the fast writer
 * takes gives jansson's line byte for byte, moves the cursor as far, and
 * says refused alike; a declined result leaves output and cursor as they
 * were. Any difference aborts.
 */
#include "fuzz.h"

#include <jansson.h>

#include "actjson.h"
#include "mpjson.h"
#include "rcptjson.h"

static void
check_acts(const char *js, size_t n)
{
	struct pdl_actjson aj;
	pdl_actjson_init(&aj);
	if (pdl_actjson_parse(&aj, js, n) != PDL_OK) {
		pdl_actjson_fini(&aj);
		return;
	}
	json_t *root = json_loadb(js, n, JSON_REJECT_DUPLICATES, NULL);
	if (root == NULL)
		abort(); /* taken fast, refused by jansson */
	size_t count = json_is_array(root) ? json_array_size(root) : 1;
	if (count != aj.n)
		abort();
	for (size_t i = 0; i < count; i++) {
		json_t *a = json_is_array(root) ? json_array_get(root, i) : root;
		msgpack_sbuffer sb;
		struct pdl_status st;
		msgpack_sbuffer_init(&sb);
		if (pdl_json_act_to_mp(a, &sb, &st) != PDL_OK || sb.size != aj.acts[i].len ||
		    memcmp(sb.data, aj.mp.data + aj.acts[i].off, sb.size) != 0)
			abort();
		msgpack_sbuffer_destroy(&sb);
		const char *actor = json_string_value(json_object_get(a, "actor"));
		const struct pdl_actjson_act *f = &aj.acts[i];
		if ((actor == NULL) != (f->actor_len == SIZE_MAX) ||
		    (actor != NULL && (strlen(actor) != f->actor_len || memcmp(actor, aj.mp.data + f->actor_off, f->actor_len))))
			abort();
	}
	json_decref(root);
	pdl_actjson_fini(&aj);
}

static void
check_result(const uint8_t *b, size_t n)
{
	msgpack_sbuffer fast, slow;
	struct mp_cur cf = mp_cur_make(b, n), cs = cf;
	int rf = 0, rs = 0;
	msgpack_sbuffer_init(&fast);
	msgpack_sbuffer_init(&slow);
	int rc = pdl_rcpt_line_fast(&cf, "acts.json", 7, &fast, &rf);
	if (rc == PDL_OK) {
		if (pdl_rcpt_line_json(&cs, "acts.json", 7, &slow, &rs) != PDL_OK || fast.size != slow.size ||
		    memcmp(fast.data, slow.data, fast.size) != 0 || rf != rs || cf.p != cs.p)
			abort();
	} else if (rc != PDL_EDECODE || fast.size != 0 || cf.p != b) {
		abort();
	}
	msgpack_sbuffer_destroy(&fast);
	msgpack_sbuffer_destroy(&slow);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t *copy = malloc(size - 1 ? size - 1 : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 1)
		check_result(copy, size - 1);
	else
		check_acts((const char *)copy, size - 1);
	free(copy);
	return 0;
}
