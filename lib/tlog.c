/*
 * tlog.c — see tlog.h.
 *
 * Formats (c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature,
 * tlog-witness):
 *
 *   vkey       <name>+<hex key ID>+base64(type || key material)
 *   note       <text lines>\n  \n  — <name> base64(key ID || signature)\n …
 *   type 0x01  signature = Ed25519(text)
 *   type 0x04  signature = timestamp (8, big endian) || Ed25519("cosignature/v1\ntime <ts>\n" || text)
 *   request    old <N>\n  <base64 hash>\n × 0..63  \n  <checkpoint note>
 *
 * Invariants (besides tlog.h's):
 *  (1) the text/signature split is the LAST blank line, as in note.c and
 *      Go's note package, so both read the same text;
 *  (2) every base64 value is strict (pdl_unb64_var: padded, standard
 *      alphabet, zero unused bits), so a value has one spelling.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "note.h"
#include "suite.h"
#include "tlog.h"
#include "util.h"

#define SIG_PREFIX "\xe2\x80\x94 " /* U+2014 EM DASH, then a space */
#define SIG_PREFIX_LEN 4u
#define COSIG_HEADER "cosignature/v1\ntime "
#define COSIG_HEADER_MAX 48u /* the header line and "time <20 digits>\n" */
#define U64_DIGITS_MAX 20u

const char *
pdl_sigtype_name(uint8_t type)
{
	switch (type) {
	case 0x01: return "Ed25519";
	case 0x02: return "ECDSA";
	case 0x04: return "Ed25519 cosignature (cosignature/v1)";
	case 0x05: return "RFC 6962 TreeHeadSignature";
	case 0x06: return "ML-DSA-44 cosignature";
	default: return "unknown";
	}
}

int
pdl_tlog_parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > U64_DIGITS_MAX || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10u)
			return -1;
		v = v * 10u + d;
	}
	*out = v;
	return 0;
}

static uint32_t
be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

void
pdl_tlog_sha256(uint8_t out[PDL_HASH_BYTES], const void *m, size_t n)
{
	const struct pdl_iov v = {m, n};
	pdl_suite_ed25519_sha256.hashv(out, &v, 1);
}

/* SHA-256(name || "\n" || type || key)[:4], signed-note's recommended key ID. */
static uint32_t
key_id(const char *name, size_t name_len, uint8_t type, const uint8_t *key, size_t key_len)
{
	uint8_t h[PDL_HASH_BYTES];
	const uint8_t sep[2] = {'\n', type};
	const struct pdl_iov v[3] = {{name, name_len}, {sep, sizeof sep}, {key, key_len}};
	pdl_suite_ed25519_sha256.hashv(h, v, 3);
	return be32(h);
}

/* An Ed25519 key of pdl_vkey for suite.h. */
static int
ed25519_key(const uint8_t pk[ED25519_PK_BYTES], struct pdl_pubkey *out)
{
	return pdl_pubkey_set(out, &pdl_suite_ed25519_sha256, pk, ED25519_PK_BYTES);
}

/* Eight lowercase hex digits at h into *id: 0, or -1. */
static int
hex_id(const char *h, uint32_t *id)
{
	*id = 0;
	for (int i = 0; i < 8; i++) {
		unsigned d;
		if (h[i] >= '0' && h[i] <= '9')
			d = (unsigned)(h[i] - '0');
		else if (h[i] >= 'a' && h[i] <= 'f')
			d = (unsigned)(h[i] - 'a' + 10);
		else
			return -1;
		*id = *id << 4 | d;
	}
	return 0;
}

int
pdl_vkey_parse(const char *s, size_t n, struct pdl_vkey *out, const char **why)
{
	const char *w = NULL;
	const char *p1, *p2, *b64;
	uint8_t *raw = NULL;
	size_t raw_len = 0, raw_cap = PDL_TLOG_VKEY_LEN_MAX / 4u * 3u;
	uint32_t id = 0;
	int rc = PDL_ENOTE;

	assert(s != NULL && out != NULL);
	memset(out, 0, sizeof *out);
	if (n > PDL_TLOG_VKEY_LEN_MAX) {
		w = "the verifier key is too long";
		goto fail;
	}
	/* the name holds no '+'; base64 may */
	p1 = memchr(s, '+', n);
	if (p1 == NULL || (p2 = memchr(p1 + 1, '+', n - (size_t)(p1 + 1 - s))) == NULL) {
		w = "a verifier key is <name>+<key ID>+<base64 key>";
		goto fail;
	}
	out->name_len = (size_t)(p1 - s);
	if (out->name_len > PDL_TLOG_NAME_MAX || !pdl_note_name_valid(s, out->name_len)) {
		w = "the key name is empty, too long, or holds a space, '+' or a control character";
		goto fail;
	}
	if (p2 - p1 - 1 != 8 || hex_id(p1 + 1, &id) != 0) {
		w = "the key ID is not 8 lowercase hex digits";
		goto fail;
	}
	b64 = p2 + 1;
	if ((raw = malloc(raw_cap)) == NULL) {
		rc = PDL_ENOMEM;
		goto fail;
	}
	if (pdl_unb64_var(b64, n - (size_t)(b64 - s), raw, raw_cap, &raw_len) != PDL_OK || raw_len < 2) {
		w = "the key is not base64 of a type byte and key material";
		goto fail;
	}
	memcpy(out->name, s, out->name_len);
	out->name[out->name_len] = '\0';
	out->id = id;
	out->type = raw[0];
	out->key_len = raw_len - 1;
	pdl_tlog_sha256(out->key_hash, raw + 1, out->key_len);
	if ((out->type == PDL_SIGTYPE_ED25519 || out->type == PDL_SIGTYPE_COSIG) && out->key_len != ED25519_PK_BYTES) {
		w = "an Ed25519 key is 32 bytes";
		goto fail;
	}
	if (out->key_len == ED25519_PK_BYTES)
		memcpy(out->pk, raw + 1, ED25519_PK_BYTES);
	/* 0x02 (ECDSA, transparency-dev) takes its ID from the SPKI alone */
	if (out->type == 0x02 ? id != be32(out->key_hash)
	                      : id != key_id(out->name, out->name_len, out->type, raw + 1, out->key_len)) {
		w = "the key ID does not match the name and key";
		goto fail;
	}
	free(raw);
	return PDL_OK;
fail:
	free(raw);
	memset(out, 0, sizeof *out);
	if (why != NULL)
		*why = w != NULL ? w : "out of memory";
	return rc;
}

int
pdl_vkey_make(const char *name, uint8_t type, const uint8_t pk[32], struct pdl_vkey *out)
{
	assert(name != NULL && pk != NULL && out != NULL);
	size_t nl = strnlen(name, PDL_TLOG_NAME_MAX + 1);
	memset(out, 0, sizeof *out);
	if (nl > PDL_TLOG_NAME_MAX || !pdl_note_name_valid(name, nl))
		return PDL_EINVAL;
	if (type != PDL_SIGTYPE_ED25519 && type != PDL_SIGTYPE_COSIG)
		return PDL_EINVAL;
	memcpy(out->name, name, nl);
	out->name_len = nl;
	out->type = type;
	out->key_len = ED25519_PK_BYTES;
	memcpy(out->pk, pk, ED25519_PK_BYTES);
	pdl_tlog_sha256(out->key_hash, pk, ED25519_PK_BYTES);
	out->id = key_id(name, nl, type, pk, ED25519_PK_BYTES);
	return PDL_OK;
}

int
pdl_vkey_format(const struct pdl_vkey *k, char *out, size_t cap)
{
	uint8_t raw[1 + ED25519_PK_BYTES];
	char b64[PDL_B64_LEN(sizeof raw)];
	assert(k != NULL && out != NULL);
	if (k->key_len != ED25519_PK_BYTES)
		return PDL_EINVAL;
	raw[0] = k->type;
	memcpy(raw + 1, k->pk, ED25519_PK_BYTES);
	pdl_b64(raw, sizeof raw, b64);
	int n = snprintf(out, cap, "%s+%08" PRIx32 "+%s", k->name, k->id, b64);
	if (n < 0 || (size_t)n >= cap)
		return PDL_ETOOBIG;
	return PDL_OK;
}

/* Offset of the blank line that ends the text (the last "\n\n"), or -1. */
static long
last_blank(const char *s, size_t n)
{
	for (size_t i = n; i >= 2; i--)
		if (s[i - 2] == '\n' && s[i - 1] == '\n')
			return (long)(i - 2);
	return -1;
}

/* One signature line [line, eol): its name, and its base64 decoded into
 * scratch (PDL_TLOG_SIG_RAW_MAX). 0 when well formed. */
static int
sig_line(const char *line, size_t n, const char **name, size_t *name_len, uint8_t *scratch, size_t *raw_len)
{
	if (n < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
		return -1;
	const char *nm = line + SIG_PREFIX_LEN;
	const char *sp = memchr(nm, ' ', n - SIG_PREFIX_LEN);
	if (sp == NULL)
		return -1;
	*name = nm;
	*name_len = (size_t)(sp - nm);
	size_t b64_len = n - SIG_PREFIX_LEN - *name_len - 1;
	if (*name_len > PDL_TLOG_NAME_MAX || !pdl_note_name_valid(nm, *name_len) || b64_len == 0)
		return -1;
	if (pdl_unb64_var(sp + 1, b64_len, scratch, PDL_TLOG_SIG_RAW_MAX, raw_len) != PDL_OK || *raw_len <= 4)
		return -1;
	return 0;
}

int
pdl_tnote_open(const char *note, size_t len, struct pdl_tnote *out)
{
	uint8_t *scratch = NULL;
	int rc = PDL_ENOTE;
	assert(note != NULL && out != NULL);
	memset(out, 0, sizeof *out);
	if (len == 0 || len > PDL_TLOG_NOTE_BYTES_MAX || !pdl_note_text_valid(note, len) || note[len - 1] != '\n')
		return PDL_ENOTE;
	long blank = last_blank(note, len);
	if (blank < 0)
		return PDL_ENOTE;
	out->text = note;
	out->text_len = (size_t)blank + 1;
	out->sigs = note + out->text_len + 1;
	out->sigs_len = len - out->text_len - 1;
	if (out->sigs_len == 0)
		return PDL_ENOTE; /* signed-note: "one or more signature lines" */
	if ((scratch = malloc(PDL_TLOG_SIG_RAW_MAX)) == NULL)
		return PDL_ENOMEM;
	for (size_t pos = 0; pos < out->sigs_len;) {
		const char *line = out->sigs + pos;
		const char *eol = memchr(line, '\n', out->sigs_len - pos);
		const char *nm;
		size_t nl, rl;
		assert(eol != NULL); /* the note ends in "\n" */
		if (++out->nsigs > PDL_TLOG_NOTE_SIGS_MAX || sig_line(line, (size_t)(eol - line), &nm, &nl, scratch, &rl) != 0)
			goto fail;
		pos += (size_t)(eol - line) + 1;
	}
	rc = PDL_OK;
fail:
	free(scratch);
	return rc;
}

/* Verifies one signature of key k over text. raw holds key ID and signature. */
static int
sig_verify(const struct pdl_vkey *k, const uint8_t *raw, size_t raw_len, const char *text, size_t text_len,
           uint64_t *ts_out)
{
	if (k->type == PDL_SIGTYPE_ED25519) {
		struct pdl_pubkey pk;
		if (raw_len != 4 + PDL_SIG_BYTES || ed25519_key(k->pk, &pk) != PDL_OK)
			return PDL_EBADSIG;
		return pdl_verify(&pk, raw + 4, text, text_len);
	}
	if (k->type == PDL_SIGTYPE_COSIG) {
		char head[COSIG_HEADER_MAX];
		struct pdl_pubkey pk;
		if (raw_len != PDL_COSIG_RAW_BYTES || ed25519_key(k->pk, &pk) != PDL_OK)
			return PDL_EBADSIG;
		uint64_t ts = pdl_get_be64(raw + 4);
		if (ts > PDL_COSIG_TIME_MAX)
			return PDL_EBADSIG;
		int hn = snprintf(head, sizeof head, COSIG_HEADER "%" PRIu64 "\n", ts);
		assert(hn > 0 && (size_t)hn < sizeof head);
		char *msg = malloc((size_t)hn + text_len);
		if (msg == NULL)
			return PDL_ENOMEM;
		memcpy(msg, head, (size_t)hn);
		memcpy(msg + hn, text, text_len);
		int rc = pdl_verify(&pk, raw + 12, msg, (size_t)hn + text_len);
		free(msg);
		if (rc == PDL_OK)
			*ts_out = ts;
		return rc;
	}
	return PDL_EBADSIG; /* a type this module does not verify never matches (callers skip them) */
}

int
pdl_tnote_verify(const struct pdl_tnote *nt, const struct pdl_vkey *keys, size_t nkeys, struct pdl_tverify *r,
                 char *good_out, size_t cap, size_t *good_len)
{
	uint8_t *scratch;
	size_t out = 0;
	int rc = PDL_OK;
	assert(nt != NULL && r != NULL && (keys != NULL || nkeys == 0));
	memset(r, 0, sizeof *r);
	if (good_len != NULL)
		*good_len = 0;
	if ((scratch = malloc(PDL_TLOG_SIG_RAW_MAX)) == NULL)
		return PDL_ENOMEM;
	for (size_t pos = 0; pos < nt->sigs_len;) {
		const char *line = nt->sigs + pos;
		const char *eol = memchr(line, '\n', nt->sigs_len - pos);
		const char *nm;
		size_t nl, rl, ll;
		assert(eol != NULL);
		ll = (size_t)(eol - line) + 1;
		pos += ll;
		if (sig_line(line, ll - 1, &nm, &nl, scratch, &rl) != 0) {
			rc = PDL_ENOTE; /* pdl_tnote_open let it through: not a note it opened */
			goto out;
		}
		uint32_t id = be32(scratch);
		for (size_t i = 0; i < nkeys; i++) {
			const struct pdl_vkey *k = &keys[i];
			if (k->id != id || k->name_len != nl || memcmp(k->name, nm, nl) != 0)
				continue;
			if (k->type != PDL_SIGTYPE_ED25519 && k->type != PDL_SIGTYPE_COSIG)
				continue; /* a type this module cannot check: as an unknown key */
			int vrc = sig_verify(k, scratch, rl, nt->text, nt->text_len, &r->cosig_time);
			if (vrc == PDL_ENOMEM) {
				rc = vrc;
				goto out;
			}
			if (vrc != PDL_OK) {
				r->bad++;
				continue;
			}
			r->good++;
			if (i < 64)
				r->good_keys |= (uint64_t)1 << i;
			if (good_out != NULL) {
				if (out + ll >= cap) {
					rc = PDL_ETOOBIG;
					goto out;
				}
				memcpy(good_out + out, line, ll);
				out += ll;
				good_out[out] = '\0';
			}
			break; /* one line counts once, even if two keys share name and ID */
		}
	}
	if (good_len != NULL)
		*good_len = out;
	rc = r->good > 0 && r->bad == 0 ? PDL_OK : PDL_EBADSIG;
out:
	free(scratch);
	return rc;
}

int
pdl_tckpt_parse(const char *text, size_t len, struct pdl_tckpt *out, const char **why)
{
	const char *w = NULL;
	size_t pos = 0;
	unsigned line_no = 0;
	assert(text != NULL && out != NULL);
	memset(out, 0, sizeof *out);
	if (len == 0 || text[len - 1] != '\n' || !pdl_note_text_valid(text, len)) {
		w = "the checkpoint text is not lines of UTF-8 ending in a newline";
		goto fail;
	}
	while (pos < len) {
		const char *line = text + pos;
		const char *eol = memchr(line, '\n', len - pos);
		size_t n;
		assert(eol != NULL);
		n = (size_t)(eol - line);
		pos += n + 1;
		if (n == 0) {
			w = "a checkpoint line is empty";
			goto fail;
		}
		switch (line_no++) {
		case 0:
			if (n > PDL_TLOG_NAME_MAX) {
				w = "the origin is longer than 255 bytes";
				goto fail;
			}
			memcpy(out->origin, line, n);
			out->origin[n] = '\0';
			out->origin_len = n;
			break;
		case 1:
			if (pdl_tlog_parse_u64(line, n, &out->size) != 0) {
				w = "the tree size is not a decimal without leading zeroes";
				goto fail;
			}
			break;
		case 2: {
			size_t got = 0;
			if (pdl_unb64_var(line, n, out->root, sizeof out->root, &got) != PDL_OK || got != sizeof out->root) {
				w = "the root hash is not base64 of 32 bytes";
				goto fail;
			}
			break;
		}
		default:
			out->ext_lines++; /* opaque (tlog-checkpoint), and non-empty, checked above */
			break;
		}
	}
	if (line_no < 3) {
		w = "a checkpoint has an origin, a tree size and a root hash line";
		goto fail;
	}
	return PDL_OK;
fail:
	memset(out, 0, sizeof *out);
	if (why != NULL)
		*why = w;
	return PDL_ENOTE;
}

int
pdl_cosig_sign(const char *name, const struct pdl_seckey *sk, uint64_t ts, const char *text, size_t text_len,
               char *line, size_t cap, size_t *line_len)
{
	uint8_t raw[PDL_COSIG_RAW_BYTES];
	char b64[PDL_B64_LEN(PDL_COSIG_RAW_BYTES)];
	char head[COSIG_HEADER_MAX];
	struct pdl_vkey k;
	assert(name != NULL && sk != NULL && text != NULL && line != NULL && line_len != NULL);
	assert(sk->suite == &pdl_suite_ed25519_sha256); /* cosignature/v1 is Ed25519 */
	if (ts == 0 || ts > PDL_COSIG_TIME_MAX || text_len == 0 || text[text_len - 1] != '\n')
		return PDL_EINVAL;
	if (pdl_vkey_make(name, PDL_SIGTYPE_COSIG, sk->pk.b, &k) != PDL_OK)
		return PDL_EINVAL;
	int hn = snprintf(head, sizeof head, COSIG_HEADER "%" PRIu64 "\n", ts);
	assert(hn > 0 && (size_t)hn < sizeof head);
	char *msg = malloc((size_t)hn + text_len);
	if (msg == NULL)
		return PDL_ENOMEM;
	memcpy(msg, head, (size_t)hn);
	memcpy(msg + hn, text, text_len);
	raw[0] = (uint8_t)(k.id >> 24);
	raw[1] = (uint8_t)(k.id >> 16);
	raw[2] = (uint8_t)(k.id >> 8);
	raw[3] = (uint8_t)k.id;
	pdl_be64(raw + 4, ts);
	pdl_sign(sk, msg, (size_t)hn + text_len, raw + 12);
	free(msg);
	pdl_b64(raw, sizeof raw, b64);
	int n = snprintf(line, cap, SIG_PREFIX "%s %s\n", k.name, b64);
	if (n < 0 || (size_t)n >= cap)
		return PDL_ETOOBIG;
	*line_len = (size_t)n;
	return PDL_OK;
}

int
pdl_addckpt_parse(const char *b, size_t n, struct pdl_addckpt *out, const char **why)
{
	const char *w = NULL, *eol;
	size_t pos;
	assert(b != NULL && out != NULL);
	memset(out, 0, sizeof *out);
	eol = memchr(b, '\n', n);
	if (eol == NULL || eol - b < 5 || memcmp(b, "old ", 4) != 0 ||
	    pdl_tlog_parse_u64(b + 4, (size_t)(eol - b) - 4, &out->old_size) != 0) {
		w = "the body does not start with an old size line (\"old N\", N decimal without leading zeroes)";
		goto fail;
	}
	pos = (size_t)(eol - b) + 1;
	for (;;) {
		if (pos >= n) {
			w = "the body has no empty line before the checkpoint";
			goto fail;
		}
		eol = memchr(b + pos, '\n', n - pos);
		if (eol == NULL) {
			w = "a consistency proof line does not end in a newline";
			goto fail;
		}
		size_t ln = (size_t)(eol - (b + pos));
		if (ln == 0) {
			pos++;
			break;
		}
		if (out->nproof == PDL_TLOG_PROOF_MAX) {
			w = "more than 63 consistency proof lines";
			goto fail;
		}
		size_t got = 0;
		if (pdl_unb64_var(b + pos, ln, out->proof[out->nproof], PDL_HASH_BYTES, &got) != PDL_OK ||
		    got != PDL_HASH_BYTES) {
			w = "a consistency proof line is not base64 of a 32-byte hash";
			goto fail;
		}
		out->nproof++;
		pos += ln + 1;
	}
	out->note = b + pos;
	out->note_len = n - pos;
	return PDL_OK;
fail:
	memset(out, 0, sizeof *out);
	if (why != NULL)
		*why = w;
	return PDL_EINVAL;
}

int
pdl_addckpt_format(uint64_t old_size, const pdl_hash *proof, size_t nproof, const char *note, size_t note_len,
                   char **out, size_t *out_len)
{
	assert(note != NULL && out != NULL && out_len != NULL && (proof != NULL || nproof == 0));
	*out = NULL;
	if (nproof > PDL_TLOG_PROOF_MAX)
		return PDL_EINVAL;
	size_t cap = 4 + U64_DIGITS_MAX + 1 + nproof * (PDL_B64_LEN(PDL_HASH_BYTES)) + 1 + note_len + 1;
	char *b = malloc(cap);
	if (b == NULL)
		return PDL_ENOMEM;
	int k = snprintf(b, cap, "old %" PRIu64 "\n", old_size);
	assert(k > 0 && (size_t)k < cap);
	size_t pos = (size_t)k;
	for (size_t i = 0; i < nproof; i++) {
		pdl_b64(proof[i], PDL_HASH_BYTES, b + pos);
		pos += PDL_B64_LEN(PDL_HASH_BYTES) - 1;
		b[pos++] = '\n';
	}
	b[pos++] = '\n';
	memcpy(b + pos, note, note_len);
	pos += note_len;
	b[pos] = '\0';
	*out = b;
	*out_len = pos;
	return PDL_OK;
}

/* ---- Part 2: tlog-tiles ---- */

#define LEVELS_MAX 63u   /* "<L> MUST be a decimal ASCII integer between 0 and 63" */
#define GROUPS_MAX 7u    /* UINT64_MAX has 20 digits: 7 groups of 3 */

void
pdl_tlog_level(uint64_t size, unsigned level, uint64_t *full, unsigned *partial)
{
	unsigned shift = PDL_TILE_HEIGHT * level;
	assert(level <= LEVELS_MAX);
	if (shift >= 64) {
		*full = 0;
		*partial = 0;
		return;
	}
	uint64_t nodes = size >> shift; /* complete nodes of height 8*level */
	*full = nodes / PDL_TILE_WIDTH;
	*partial = (unsigned)(nodes % PDL_TILE_WIDTH);
}

unsigned
pdl_tlog_levels(uint64_t size)
{
	unsigned n = 0;
	while (n <= LEVELS_MAX && PDL_TILE_HEIGHT * n < 64 && (size >> (PDL_TILE_HEIGHT * n)) > 0)
		n++;
	return n;
}

size_t
pdl_tlog_path(int level, uint64_t index, unsigned w, char *out, size_t cap)
{
	char digits[24], grouped[40];
	size_t o = 0;
	int n;
	assert(level >= PDL_TILE_LEVEL_ENTRIES && level <= (int)LEVELS_MAX);
	assert(w <= PDL_TILE_WIDTH && cap >= PDL_TLOG_PATH_MAX);
	n = snprintf(digits, sizeof digits, "%" PRIu64, index);
	/* pad to a multiple of 3 digits, then "x" before every group but the last */
	int pad = (3 - n % 3) % 3, total = n + pad;
	char padded[32];
	memset(padded, '0', (size_t)pad);
	memcpy(padded + pad, digits, (size_t)n);
	for (int g = 0; g < total; g += 3) {
		if (g + 3 < total)
			grouped[o++] = 'x';
		memcpy(grouped + o, padded + g, 3);
		o += 3;
		grouped[o++] = g + 3 < total ? '/' : '\0';
	}
	if (level == PDL_TILE_LEVEL_ENTRIES)
		n = snprintf(out, cap, "tile/entries/%s", grouped);
	else
		n = snprintf(out, cap, "tile/%d/%s", level, grouped);
	if (w != 0 && w != PDL_TILE_WIDTH)
		n += snprintf(out + n, cap - (size_t)n, ".p/%u", w);
	assert(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

/* A decimal without leading zeroes ("0" alone allowed), at most max. */
static int
parse_dec(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > max)
		return -1;
	*v = x;
	return 0;
}

int
pdl_tlog_path_parse(const char *path, size_t n, int *level, uint64_t *index, unsigned *w)
{
	const char *p = path, *end = path + n;
	uint64_t v;
	if (n < 5 || memcmp(p, "tile/", 5) != 0)
		return PDL_EINVAL;
	p += 5;
	if ((size_t)(end - p) >= 8 && memcmp(p, "entries/", 8) == 0) {
		*level = PDL_TILE_LEVEL_ENTRIES;
		p += 8;
	} else {
		const char *sl = memchr(p, '/', (size_t)(end - p));
		if (sl == NULL || parse_dec(p, (size_t)(sl - p), LEVELS_MAX, &v) != 0)
			return PDL_EINVAL;
		*level = (int)v;
		p = sl + 1;
	}
	uint64_t idx = 0;
	unsigned groups = 0;
	for (;;) {
		int last = !(p < end && *p == 'x');
		if (!last)
			p++;
		if (end - p < 3 || ++groups > GROUPS_MAX)
			return PDL_EINVAL;
		for (int i = 0; i < 3; i++) {
			if (p[i] < '0' || p[i] > '9')
				return PDL_EINVAL;
		}
		uint64_t g = (uint64_t)(p[0] - '0') * 100 + (uint64_t)(p[1] - '0') * 10 + (uint64_t)(p[2] - '0');
		if (idx > (UINT64_MAX - g) / 1000)
			return PDL_EINVAL;
		idx = idx * 1000 + g;
		p += 3;
		if (last)
			break;
		if (p >= end || *p != '/')
			return PDL_EINVAL;
		p++;
	}
	*index = idx;
	*w = 0;
	if (p == end)
		return PDL_OK;
	if (end - p < 4 || memcmp(p, ".p/", 3) != 0 || parse_dec(p + 3, (size_t)(end - p - 3), PDL_TILE_WIDTH - 1, &v) != 0 ||
	    v == 0)
		return PDL_EINVAL;
	*w = (unsigned)v;
	return PDL_OK;
}

int
pdl_tlog_bundle_next(const uint8_t *b, size_t n, size_t *off, const uint8_t **e, size_t *len)
{
	if (*off == n)
		return PDL_ENOTFOUND;
	if (n - *off < 2)
		return PDL_EDECODE;
	size_t l = (size_t)b[*off] << 8 | b[*off + 1];
	if (n - *off - 2 < l)
		return PDL_EDECODE;
	*e = b + *off + 2;
	*len = l;
	*off += 2 + l;
	return PDL_OK;
}

void
pdl_tlog_tile_root(const uint8_t *hashes, unsigned w, uint8_t out[PDL_HASH_BYTES])
{
	struct pdl_merkle_range r;
	assert(w >= 1 && w <= PDL_TILE_WIDTH);
	pdl_merkle_range_init(&r);
	for (unsigned i = 0; i < w; i++)
		(void)pdl_merkle_range_push(&r, hashes + (size_t)i * PDL_HASH_BYTES, NULL);
	pdl_merkle_range_root(&r, out);
}
