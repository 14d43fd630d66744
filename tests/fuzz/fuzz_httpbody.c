/*
 * fuzz_httpbody — what pdld --http reads from the network before anything
 * else sees it: the request head (httpreq.h) and the body's envelopes
 * (envelope.h), JSON and msgpack, and the reply's JSON.
 *
 * Input: bytes taken as a head up to its blank line (when there is one),
 * the rest as a body, given to both body readers. Checked: the invariants
 * httpreq.h states of a parsed head; a body taken whole packs a request of
 * exactly `count` elements (1 to PDL_REQ_ACTS_MAX) that reads back to its
 * end; a refused body packs nothing; the JSON slots are one per envelope.
 * All of it on exact-size copies, so a read past the input is a finding.
 */
#include "fuzz.h"

#include "envelope.h"
#include "httpreq.h"
#include "mp.h"

static void
check_head(const uint8_t *data, size_t size)
{
	size_t hl = pdl_httpreq_head_len((const char *)data, size);
	if (hl == 0 || hl > PDL_HTTP_HEAD_BYTES_MAX)
		return;
	char *head = malloc(hl), why[200];
	struct pdl_httpreq r;
	if (head == NULL)
		return;
	memcpy(head, data, hl);
	int st = pdl_httpreq_parse(head, hl, &r, why, sizeof why);
	if (st == 0) {
		size_t ml = strnlen(r.method, sizeof r.method), tl = strnlen(r.target, sizeof r.target);
		if (ml == 0 || ml == sizeof r.method || tl == 0 || tl == sizeof r.target || r.target[0] != '/')
			abort(); /* invariant 1 */
		if (r.has_length && r.chunked)
			abort(); /* invariant 2 */
		for (const char *c = r.media_type; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				abort(); /* invariant 3 */
	} else if (st < 400 || st > 505 || why[0] == 0) {
		abort(); /* every refusal is a status with a reason */
	}
	free(head);
}

/* The request packed for a body: {op, acts: [count elements]} to its end. */
static void
check_request(const msgpack_sbuffer *sb, uint32_t count)
{
	struct mp_cur c = mp_cur_make(sb->data, sb->size), all = c, a;
	uint32_t n;
	if (count == 0 || count > PDL_REQ_ACTS_MAX || mp_skip(&all) != PDL_OK || all.p != all.end ||
	    mp_map_find(c, "acts", &a) != PDL_OK || mp_read_array(&a, &n) != PDL_OK || n != count)
		abort();
	for (uint32_t i = 0; i < n; i++)
		if (mp_skip(&a) != PDL_OK)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t lid[32];
	fuzz_ledger_id(lid);
	check_head(data, size);
	size_t hl = pdl_httpreq_head_len((const char *)data, size);
	size_t bn = size - hl;
	uint8_t *body = malloc(bn ? bn : 1);
	if (body == NULL)
		return 0;
	memcpy(body, data + hl, bn);

	msgpack_sbuffer sb;
	struct pdl_status *slots = NULL, st = {0};
	uint32_t count = 0;
	msgpack_sbuffer_init(&sb);
	if (pdl_envelopes_json((const char *)body, bn, lid, &sb, &slots, &count, &st) == PDL_OK) {
		check_request(&sb, count);
		for (uint32_t i = 0; i < count; i++)
			if (slots[i].err != PDL_OK && slots[i].msg[0] == 0)
				abort();
	} else if (sb.size != 0 || slots != NULL || st.msg[0] == 0) {
		abort();
	}
	free(slots);
	msgpack_sbuffer_clear(&sb);
	if (pdl_envelopes_mp(body, bn, &sb, &count, &st) == PDL_OK)
		check_request(&sb, count);
	else if (sb.size != 0)
		abort();
	msgpack_sbuffer_destroy(&sb);
	json_t *doc = pdl_reply_json(body, bn, NULL, 0);
	json_decref(doc);
	free(body);
	return 0;
}
