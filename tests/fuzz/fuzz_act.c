/*
 * fuzz_act — the act decoder and validator (entry.h): pdl_act_decode on
 * any bytes, then pdl_act_verify for acts that decode.
 *
 * Input: 64-byte signature ‖ act bytes (shorter inputs: an all-zero
 * signature and the whole input as the act). Checked: decode never reads
 * outside the act, a decoded act points into it with its SHA-256 as hash,
 * an error fills the status, and pdl_act_verify agrees with libsodium over
 * pdl_act_signed_bytes ("pdl/act/v2\n" ‖ ledger id ‖ act) for the fixed key,
 * under the fuzz ledger id (the seeds' signatures verify) and under the
 * genesis zeros.
 */
#include "fuzz.h"

#include "entry.h"
#include "rules.h"
#include "util.h"

static uint8_t pk[32], sk[64];
static struct pdl_seckey key; /* the same key, as pdl holds it */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_keypair(FUZZ_ACT_SEED_BYTE, pk, sk);
	fuzz_key(FUZZ_ACT_SEED_BYTE, &key);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero_sig[64];
	const uint8_t *sig = zero_sig, *b = data;
	size_t n = size;
	if (size >= 64) {
		sig = data;
		b = data + 64;
		n = size - 64;
	}
	/* The act in a buffer of exactly its size: ASan sees any overread. */
	uint8_t *act = malloc(n ? n : 1);
	if (act == NULL)
		return 0;
	memcpy(act, b, n);
	struct pdl_act a;
	struct pdl_status st = {0};
	int rc = pdl_act_decode(act, n, sig, &a, &st);
	if (rc != PDL_OK) {
		FUZZ_ASSERT(rc < 0);
		FUZZ_ASSERT_STATUS(&st);
		free(act);
		return 0;
	}
	FUZZ_ASSERT(a.bytes == act && a.len == n && n <= PDL_ACT_BYTES_MAX);
	FUZZ_ASSERT(a.type != NULL && a.type >= (const char *)act && a.type + a.type_len <= (const char *)act + n);
	FUZZ_ASSERT(a.actor != NULL && a.actor_len >= 1 && a.actor_len <= PDL_ID_LEN_MAX);
	FUZZ_ASSERT(a.actor >= (const char *)act && a.actor + a.actor_len <= (const char *)act + n);
	FUZZ_ASSERT(a.def != NULL);
	uint8_t h[32];
	crypto_hash_sha256(h, act, n);
	FUZZ_ASSERT(memcmp(h, a.hash, 32) == 0);

	uint8_t lid[32];
	fuzz_ledger_id(lid);
	size_t cap = PDL_ACT_SIG_HEAD_BYTES + n;
	uint8_t *m = malloc(cap);
	for (int k = 0; m != NULL && k < 2; k++) {
		const uint8_t *id = k ? pdl_ledger_id_genesis : lid;
		int vrc = pdl_act_verify(id, a.bytes, a.len, a.sig, &key.pk);
		size_t mn = pdl_act_signed_bytes(id, act, n, m, cap);
		FUZZ_ASSERT(mn == cap && memcmp(m, PDL_ACT_SIG_PREFIX, 11) == 0 && memcmp(m + 11, id, 32) == 0);
		int want = crypto_sign_verify_detached(sig, m, mn, pk) == 0 ? PDL_OK : PDL_EBADSIG;
		FUZZ_ASSERT(vrc == want);
	}
	free(m);
	free(act);
	return 0;
}
