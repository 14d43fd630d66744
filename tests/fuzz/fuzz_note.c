/*
 * fuzz_note — the signed-note and checkpoint parsers (note.h):
 * pdl_note_vkey_parse, pdl_ckpt_parse and pdl_note_verify.
 *
 * Input: a verifier key line, "\n", then a note. When the first line parses
 * as a verifier key, the note is verified with it; otherwise with the fixed
 * fuzz ledger key. Checked: nothing reads past the input (the note is in an
 * exact-size buffer, not NUL-terminated), a parsed key round-trips through
 * pdl_note_vkey_format, a verified note's body is a prefix of the note, and
 * a parsed checkpoint formats back to a prefix of the note.
 */
#include "fuzz.h"

#include "note.h"
#include "util.h"

static struct pdl_seckey ledger;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_key(FUZZ_LEDGER_SEED_BYTE, &ledger);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t kl = nl ? (size_t)(nl - data) : size;
	char *vkey = malloc(kl + 1);
	if (vkey == NULL)
		return 0;
	memcpy(vkey, data, kl);
	vkey[kl] = 0;
	char name[PDL_ORIGIN_LEN_MAX + 1];
	const char *vname = FUZZ_ORIGIN;
	const struct pdl_pubkey *vpk = &ledger.pk;
	struct pdl_pubkey pk;
	if (pdl_note_vkey_parse(vkey, name, sizeof name, &pk) == PDL_OK) {
		char again[PDL_VKEY_LEN_MAX + 1];
		FUZZ_ASSERT(memchr(name, 0, sizeof name) != NULL && pk.suite != NULL);
		/* a key that parses formats back to the same string */
		if (pdl_note_vkey_format(name, &pk, again, sizeof again) == PDL_OK)
			FUZZ_ASSERT(strcmp(again, vkey) == 0);
		vname = name;
		vpk = &pk;
	}
	size_t off = nl ? kl + 1 : 0;
	size_t n = size - off;
	char *note = malloc(n ? n : 1);
	if (note == NULL) {
		free(vkey);
		return 0;
	}
	memcpy(note, data + off, n);
	size_t body = 0;
	int rc = pdl_note_verify(note, n, vname, vpk, &body);
	if (rc == PDL_OK)
		FUZZ_ASSERT(body > 0 && body <= n && note[body - 1] == '\n');
	else
		FUZZ_ASSERT(rc == PDL_ENOTE || rc == PDL_EBADSIG);
	struct pdl_ckpt c;
	if (pdl_ckpt_parse(note, n, &c) == PDL_OK) {
		/* The three fixed lines format back to the note's first bytes;
		 * the chain line (extension lines may come before it) appears
		 * as formatted. */
		char fmt[PDL_NOTE_BYTES_MAX];
		size_t fl;
		int has_chain = c.has_chain;
		FUZZ_ASSERT(memchr(c.origin, 0, sizeof c.origin) != NULL);
		c.has_chain = 0;
		if (pdl_ckpt_format(&c, fmt, sizeof fmt, &fl) == PDL_OK)
			FUZZ_ASSERT(fl <= n && memcmp(fmt, note, fl) == 0);
		if (has_chain) {
			char line[64];
			int ln = snprintf(line, sizeof line, "\nchain ");
			pdl_b64(c.chain, 32, line + ln);
			strcat(line, "\n");
			FUZZ_ASSERT(memmem(note, n, line, strlen(line)) != NULL);
		}
	}
	free(note);
	free(vkey);
	return 0;
}
