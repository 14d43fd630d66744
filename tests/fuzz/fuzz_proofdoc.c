/*
 * fuzz_proofdoc — the proof JSON parser (proofdoc.h) and the RFC 9162
 * verifiers behind it (merkle.h).
 *
 * Input: JSON text. Checked: a parsed document holds at most
 * PDL_MERKLE_PROOF_MAX hashes; verification never crashes or reads out of
 * bounds whatever the sizes; an inclusion proof verifies against the root
 * it implies (the proof recomputed) and against no other; a consistency
 * document's verdict matches merkle.c's.
 */
#include "fuzz.h"

#include "proofdoc.h"

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
	static struct pdl_proofdoc d; /* 4 KiB of hashes: keep it off the stack */
	struct pdl_status st = {0};
	char *json = malloc(size ? size : 1);
	if (json == NULL)
		return 0;
	memcpy(json, data, size);
	int rc = pdl_proofdoc_parse(json, size, &d, &st);
	free(json);
	if (rc != PDL_OK) {
		FUZZ_ASSERT(rc == PDL_EDECODE || rc == PDL_EFIELD || rc == PDL_ETOOBIG);
		FUZZ_ASSERT_STATUS(&st);
		return 0;
	}
	FUZZ_ASSERT(d.n <= PDL_MERKLE_PROOF_MAX);
	uint8_t zero[32] = {0}, root[32];
	if (d.kind == PDL_PROOFDOC_INCLUSION) {
		int vrc = pdl_proofdoc_verify_inclusion(&d, zero);
		FUZZ_ASSERT(vrc == PDL_OK || vrc == PDL_EMERKLE || vrc == PDL_EINVAL);
		FUZZ_ASSERT(vrc != PDL_EINVAL || d.index >= d.size);
		/* Recompute the root the proof implies, the RFC 9162 §2.1.3.2
		 * way, and check the verifier accepts exactly that root. */
		if (d.index < d.size) {
			uint64_t fn = d.index, sn = d.size - 1;
			int bad = 0;
			memcpy(root, d.leaf_hash, 32);
			for (size_t i = 0; i < d.n && !bad; i++) {
				if (sn == 0) {
					bad = 1;
					break;
				}
				if ((fn & 1) || fn == sn) {
					pdl_merkle_node_hash(d.proof[i], root, root);
					if (!(fn & 1))
						while (fn != 0 && !(fn & 1)) {
							fn >>= 1;
							sn >>= 1;
						}
				} else {
					pdl_merkle_node_hash(root, d.proof[i], root);
				}
				fn >>= 1;
				sn >>= 1;
			}
			if (!bad && sn == 0) {
				FUZZ_ASSERT(pdl_proofdoc_verify_inclusion(&d, root) == PDL_OK);
				root[0] ^= 1;
				FUZZ_ASSERT(pdl_proofdoc_verify_inclusion(&d, root) == PDL_EMERKLE);
			} else {
				FUZZ_ASSERT(vrc == PDL_EMERKLE);
			}
		}
		FUZZ_ASSERT(pdl_proofdoc_verify_consistency(&d, zero, zero) == PDL_EINVAL);
	} else {
		FUZZ_ASSERT(d.kind == PDL_PROOFDOC_CONSISTENCY);
		memset(root, 0x11, 32);
		int vrc = pdl_proofdoc_verify_consistency(&d, zero, root);
		int want = pdl_merkle_verify_consistency(d.old_size, d.new_size, zero, root, (const pdl_hash *)d.proof, d.n);
		FUZZ_ASSERT(vrc == want || (vrc == PDL_EINVAL && d.old_size == 0));
		FUZZ_ASSERT(pdl_proofdoc_verify_inclusion(&d, zero) == PDL_EINVAL);
	}
	return 0;
}
