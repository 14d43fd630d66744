/*
 * fuzz_tlog — what a witness and pdld read from the network and from
 * policy files: the add-checkpoint body, notes of any size and their
 * signatures, checkpoint bodies (tlog.h), tlog-policy files (tpolicy.h),
 * HTTP/1.1 heads, chunked bodies and URLs (http1.h).
 *
 * Input: one selector byte, then the bytes for that parser:
 *   0  an add-checkpoint body: parsed; its note opened, its checkpoint
 *      parsed, its signatures verified against the fuzz ledger key (0x01)
 *      and a cosigner key (0x04) under the fuzz origin
 *   1  a tlog-policy file (full, and logs only); the quorum evaluated
 *   2  an HTTP request head     3  an HTTP response head
 *   4  a chunked body, fed in pieces whose sizes come from the input
 *   5  a URL                    6  a verifier key
 * Checked: nothing reads past the input (exact-size copies), the parsers'
 * stated bounds (proof lines, note size, decoded body within its cap, a
 * vkey that parses formats back to itself when it is an Ed25519 one).
 */
#include "fuzz.h"

#include "http1.h"
#include "tlog.h"
#include "tpolicy.h"
#include "util.h"

static struct pdl_vkey keys[2];
static struct pdl_tpolicy policy;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t pk[32], sk[64];
	(void)argc;
	(void)argv;
	fuzz_keypair(FUZZ_LEDGER_SEED_BYTE, pk, sk);
	pdl_vkey_make(FUZZ_ORIGIN, PDL_SIGTYPE_ED25519, pk, &keys[0]);
	pdl_vkey_make(FUZZ_ORIGIN, PDL_SIGTYPE_COSIG, pk, &keys[1]);
	return 0;
}

static void
body(const char *b, size_t n)
{
	struct pdl_addckpt a;
	struct pdl_tnote nt;
	struct pdl_tckpt c;
	struct pdl_tverify r;
	const char *why;
	static char good[PDL_TLOG_NOTE_BYTES_MAX + 1];
	size_t gl = 0;
	if (pdl_addckpt_parse(b, n, &a, &why) != PDL_OK)
		return;
	FUZZ_ASSERT(a.nproof <= PDL_TLOG_PROOF_MAX);
	FUZZ_ASSERT(a.note >= b && a.note + a.note_len == b + n);
	if (pdl_tnote_open(a.note, a.note_len, &nt) != PDL_OK)
		return;
	FUZZ_ASSERT(nt.text_len + 1 + nt.sigs_len == a.note_len && nt.nsigs <= PDL_TLOG_NOTE_SIGS_MAX);
	if (pdl_tckpt_parse(nt.text, nt.text_len, &c, &why) == PDL_OK)
		FUZZ_ASSERT(c.origin_len > 0 && c.origin_len <= PDL_TLOG_NAME_MAX);
	if (pdl_tnote_verify(&nt, keys, 2, &r, good, sizeof good, &gl) == PDL_OK)
		FUZZ_ASSERT(r.good > 0 && r.bad == 0 && gl <= nt.sigs_len);
}

static void
pol(const char *b, size_t n)
{
	struct pdl_status st;
	unsigned char yes[PDL_TPOLICY_WITNESSES_MAX], no[PDL_TPOLICY_WITNESSES_MAX];
	memset(yes, 1, sizeof yes);
	memset(no, 0, sizeof no);
	if (pdl_tpolicy_parse(b, n, PDL_TPOLICY_FULL, &policy, &st) == PDL_OK) {
		/* every group has 1 <= k <= n: all cosigning meets any quorum */
		FUZZ_ASSERT(pdl_tpolicy_quorum_met(&policy, yes) == 1);
		FUZZ_ASSERT(pdl_tpolicy_quorum_met(&policy, no) == (policy.quorum == PDL_TPOLICY_NONE));
	}
	(void)pdl_tpolicy_parse(b, n, PDL_TPOLICY_LOGS_ONLY, &policy, &st);
}

static void
chunks(const uint8_t *d, size_t n)
{
	struct pdl_h1_chunks ch;
	char out[4096];
	size_t pos = 0, used = 0;
	memset(&ch, 0, sizeof ch);
	if (n < 2)
		return;
	size_t step = (size_t)d[0] % 17 + 1, cap = (size_t)d[1] * 16;
	d += 2;
	n -= 2;
	while (pos < n) {
		size_t k = n - pos < step ? n - pos : step;
		int rc = pdl_h1_chunks_feed(&ch, (const char *)d + pos, k, &used, out, cap);
		FUZZ_ASSERT(used <= k && ch.out_len <= cap);
		if (rc != 0)
			break;
		FUZZ_ASSERT(used == k);
		pos += k;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t n = size - 1;
	char *b = malloc(n + 1);
	if (b == NULL)
		return 0;
	memcpy(b, data + 1, n);
	struct pdl_h1_head h;
	const char *why;
	switch (data[0] % 7) {
	case 0: body(b, n); break;
	case 1: pol(b, n); break;
	case 2:
		if (pdl_h1_head_len(b, n) > 0 && pdl_h1_request_parse(b, pdl_h1_head_len(b, n), &h, &why) == 0)
			FUZZ_ASSERT(!(h.chunked && h.has_length) && strlen(h.target) <= PDL_H1_TARGET_MAX);
		break;
	case 3:
		if (pdl_h1_head_len(b, n) > 0 && pdl_h1_response_parse(b, pdl_h1_head_len(b, n), &h, &why) == 0)
			FUZZ_ASSERT(h.status >= 100 && h.status <= 599);
		break;
	case 4: chunks(data + 1, n); break;
	case 5: {
		struct pdl_h1_url u;
		b[n] = 0;
		if (pdl_h1_url_parse(b, &u, &why) == PDL_OK)
			FUZZ_ASSERT(u.port >= 1 && u.port <= 65535 && u.host[0] != 0);
		break;
	}
	default: {
		struct pdl_vkey k;
		char again[PDL_TLOG_VKEY_LEN_MAX + 1];
		if (pdl_vkey_parse(b, n, &k, &why) == PDL_OK && k.key_len == 32 &&
		    (k.type == PDL_SIGTYPE_ED25519 || k.type == PDL_SIGTYPE_COSIG) &&
		    pdl_vkey_format(&k, again, sizeof again) == PDL_OK)
			FUZZ_ASSERT(strlen(again) == n && memcmp(again, b, n) == 0);
		break;
	}
	}
	free(b);
	return 0;
}
