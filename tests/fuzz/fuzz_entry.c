/*
 * fuzz_entry — the entry decoder (entry.h) and the JSON rendering `pdl get`
 * prints (mpjson.h).
 *
 * Checked: entry.h's invariant (1), that decode accepts only what encode
 * produces the same way: a decoded entry re-encodes to the very input
 * bytes. And decoded pointers lie inside the input.
 */
#include "fuzz.h"

#include "entry.h"
#include "mpjson.h"
#include "util.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pdl_entry e;
	struct pdl_status st = {0};
	int rc = pdl_entry_decode(data, size, &e, &st);
	if (rc != PDL_OK) {
		FUZZ_ASSERT(rc < 0);
		FUZZ_ASSERT_STATUS(&st);
		return 0;
	}
	const uint8_t *end = data + size;
	FUZZ_ASSERT(e.act >= data && e.act + e.act_len <= end);
	FUZZ_ASSERT(e.sig >= data && e.sig + 64 <= end);
	FUZZ_ASSERT(e.outcome >= data && e.outcome + e.outcome_len <= end);
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	pdl_entry_encode(&e, &sb);
	if (sb.size != size || memcmp(sb.data, data, size) != 0) {
		fprintf(stderr, "entry re-encodes to %zu bytes, input was %zu\n", sb.size, size);
		FUZZ_ASSERT(!"decode(encode(e)) == e");
	}
	msgpack_sbuffer_destroy(&sb);
	json_t *j = pdl_entry_to_json(data, size);
	if (j != NULL) {
		char *s = json_dumps(j, JSON_COMPACT);
		free(s);
		json_decref(j);
	}
	return 0;
}
