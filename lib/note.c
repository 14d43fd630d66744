/*
 * note.c — C2SP signed-note and tlog-checkpoint, with the keys of any suite.
 *
 * Format (c2sp.org/signed-note, c2sp.org/tlog-checkpoint):
 *
 *   <text: one or more lines, each ending in "\n">
 *   "\n"
 *   "— " <key name> " " base64(key ID, 4 bytes big endian || signature) "\n"
 *   ... more signature lines ...
 *
 * Invariants:
 *  (1) A note is valid UTF-8 with no control character but "\n"; the text is
 *      separated from the signatures by the LAST blank line (as Go's
 *      note.Open does), so text may hold empty lines and a signature block
 *      never does.
 *  (2) Every signature line is checked for syntax, whoever signed it: a note
 *      with one malformed line is malformed (PDL_ENOTE), as in Go.
 *  (3) A line whose name and key ID both match the caller's key must verify;
 *      one that does not makes the whole note PDL_EBADSIG, even beside a good
 *      one (signed-note: "clients SHOULD reject the whole note"). Lines that
 *      match only the name or only the ID belong to other keys and are skipped.
 *  (4) pdl_note_sign checks everything pdl_note_verify checks, so a note it
 *      writes always verifies (note.h invariant 1).
 *  (5) A checkpoint body has three non-empty lines, then non-empty extension
 *      lines; at most one "chain " line, and only when size > 0, because it
 *      names the chain hash of entry size-1.
 */
#include "crypto.h"
#include "note.h"
#include "util.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SIG_PREFIX "\xe2\x80\x94 "  /* U+2014 EM DASH, then a space */
#define SIG_PREFIX_LEN 4u
#define KEYID_BYTES 4u
#define SIG_RAW_BYTES (KEYID_BYTES + PDL_SIG_BYTES)
/* base64 of 68 bytes, without the NUL that PDL_B64_LEN counts */
#define SIG_B64_LEN 92u
/* Whatever a note holds, its base64 decodes to no more than this. */
#define RAW_MAX (PDL_NOTE_BYTES_MAX / 4u * 3u)
#define SIZE_DIGITS_MAX 20u  /* UINT64_MAX has 20 decimal digits */

/*
 * Decodes one UTF-8 sequence at s (n > 0 bytes available). Returns its length
 * and the code point, or 0 for anything Go's utf8.DecodeRune calls RuneError:
 * overlong forms, surrogates, values past U+10FFFF, truncation.
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;

	if (c < 0x80u) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2u)
		return 0;
	if (c < 0xe0u) {
		len = 2;
		v = c & 0x1fu;
		min = 0x80u;
	} else if (c < 0xf0u) {
		len = 3;
		v = c & 0x0fu;
		min = 0x800u;
	} else if (c < 0xf5u) {
		len = 4;
		v = c & 0x07u;
		min = 0x10000u;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0u) != 0x80u)
			return 0;
		v = (v << 6) | (s[i] & 0x3fu);
	}
	if (v < min || v > 0x10ffffu || (v >= 0xd800u && v <= 0xdfffu))
		return 0;
	*cp = v;
	return len;
}

/* The code points Go's unicode.IsSpace accepts; names may hold none of them. */
static int is_space(uint32_t cp)
{
	switch (cp) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85u: case 0xa0u: case 0x1680u: case 0x2028u: case 0x2029u:
	case 0x202fu: case 0x205fu: case 0x3000u:
		return 1;
	default:
		return cp >= 0x2000u && cp <= 0x200au;
	}
}

/* Valid UTF-8 and no control character other than "\n" (signed-note §Format). */
static int text_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t k = utf8_decode(p + i, n - i, &cp);

		if (k == 0 || (cp < 0x20u && cp != '\n'))
			return 0;
		i += k;
	}
	return 1;
}

int
pdl_note_name_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (n == 0)
		return 0;
	while (i < n) {
		uint32_t cp;
		size_t k = utf8_decode(p + i, n - i, &cp);

		if (k == 0 || cp < 0x20u || cp == '+' || is_space(cp))
			return 0;
		i += k;
	}
	return 1;
}

static uint32_t key_id(const char *name, size_t name_len, const struct pdl_pubkey *pk)
{
	return pdl_pubkey_note_id(pk, 0, name, name_len);
}

/* Strict standard base64 with padding (pdl_unb64_var: the standard
 * alphabet only, padded to a multiple of four, unused bits zero), so a
 * value has one spelling and a signed note cannot be altered and still
 * verify; 0 only if it decodes to exactly want bytes. */
static int b64_exact(const char *s, size_t n, uint8_t *out, size_t want)
{
	size_t got = 0;

	if (pdl_unb64_var(s, n, out, want, &got) != PDL_OK)
		return -1;
	return got == want ? 0 : -1;
}

/* Offset of the blank line that ends the text: the last "\n\n", or -1. */
static long last_blank(const char *s, size_t n)
{
	for (size_t i = n; i >= 2; i--) {
		if (s[i - 2] == '\n' && s[i - 1] == '\n')
			return (long)(i - 2);
	}
	return -1;
}

int pdl_note_text_valid(const char *s, size_t n)
{
	assert(s != NULL || n == 0);
	return text_ok(s, n);
}

uint32_t pdl_note_key_id(const char *name, const struct pdl_pubkey *pk)
{
	assert(name != NULL && pk != NULL && pk->suite != NULL);
	return key_id(name, strlen(name), pk);
}

int pdl_note_vkey_format(const char *name, const struct pdl_pubkey *pk, char *out, size_t cap)
{
	uint8_t raw[PDL_NOTE_KEY_BYTES_MAX];
	char b64[PDL_B64_LEN(sizeof raw)];
	size_t name_len, raw_len;
	int n;

	assert(name != NULL && pk != NULL && pk->suite != NULL && out != NULL);
	name_len = strnlen(name, PDL_ORIGIN_LEN_MAX + 1);
	/* A longer name would give a key that pdl_note_vkey_parse refuses. */
	if (name_len > PDL_ORIGIN_LEN_MAX || !pdl_note_name_valid(name, name_len))
		return PDL_EINVAL;
	raw_len = pdl_pubkey_note_bytes(pk, 0, raw);
	pdl_b64(raw, raw_len, b64);
	n = snprintf(out, cap, "%s+%08" PRIx32 "+%s", name, key_id(name, name_len, pk), b64);
	if (n < 0 || (size_t)n >= cap)
		return PDL_ETOOBIG;
	return PDL_OK;
}

int pdl_note_vkey_parse(const char *vkey, char *name, size_t name_cap, struct pdl_pubkey *pk)
{
	uint8_t raw[PDL_NOTE_KEY_BYTES_MAX];
	struct pdl_pubkey k;
	const char *plus1, *plus2, *hex, *b64;
	size_t len, name_len, raw_len = 0;
	uint32_t id = 0;

	assert(vkey != NULL && name != NULL && pk != NULL);
	len = strnlen(vkey, PDL_VKEY_LEN_MAX + 1);
	if (len > PDL_VKEY_LEN_MAX)
		return PDL_ETOOBIG;
	/* The name holds no '+', so the first two split the key; base64 may hold more. */
	plus1 = memchr(vkey, '+', len);
	if (plus1 == NULL)
		return PDL_ENOTE;
	name_len = (size_t)(plus1 - vkey);
	hex = plus1 + 1;
	plus2 = memchr(hex, '+', len - name_len - 1);
	if (plus2 == NULL || plus2 - hex != 8)
		return PDL_ENOTE;
	b64 = plus2 + 1;
	if (!pdl_note_name_valid(vkey, name_len))
		return PDL_ENOTE;
	for (int i = 0; i < 8; i++) {
		char c = hex[i];
		uint32_t d;

		/* Lowercase only: the one spelling signed-note and Go write. */
		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else
			return PDL_ENOTE;
		id = id << 4 | d;
	}
	/* strict base64 (b64_exact's rules), of a length some suite's key has */
	if (pdl_unb64_var(b64, len - (size_t)(b64 - vkey), raw, sizeof raw, &raw_len) != PDL_OK)
		return PDL_ENOTE;
	if (pdl_pubkey_note_parse(raw, raw_len, &k) != PDL_OK)
		return PDL_ENOTE;
	if (key_id(vkey, name_len, &k) != id)
		return PDL_ENOTE;
	if (name_len >= name_cap)
		return PDL_ETOOBIG;
	memcpy(name, vkey, name_len);
	name[name_len] = '\0';
	*pk = k;
	return PDL_OK;
}

int pdl_note_sign(const char *body, size_t body_len, const char *name, const struct pdl_seckey *k,
                  char *out, size_t cap, size_t *out_len)
{
	uint8_t raw[SIG_RAW_BYTES];
	char b64[SIG_B64_LEN + 1];
	size_t name_len, total, off;
	uint32_t id;

	assert(body != NULL && name != NULL && k != NULL && k->suite != NULL && out != NULL && out_len != NULL);
	name_len = strnlen(name, PDL_ORIGIN_LEN_MAX + 1);
	if (name_len > PDL_ORIGIN_LEN_MAX || !pdl_note_name_valid(name, name_len))
		return PDL_EINVAL;
	if (body_len == 0 || body[body_len - 1] != '\n')
		return PDL_EINVAL;
	if (body_len > PDL_NOTE_BYTES_MAX)
		return PDL_ETOOBIG;
	if (!text_ok(body, body_len))
		return PDL_EINVAL;
	total = body_len + 1 + SIG_PREFIX_LEN + name_len + 1 + SIG_B64_LEN + 1;
	if (total > PDL_NOTE_BYTES_MAX || total >= cap)
		return PDL_ETOOBIG;

	id = key_id(name, name_len, &k->pk);
	raw[0] = (uint8_t)(id >> 24);
	raw[1] = (uint8_t)(id >> 16);
	raw[2] = (uint8_t)(id >> 8);
	raw[3] = (uint8_t)id;
	pdl_sign(k, body, body_len, raw + KEYID_BYTES);
	pdl_b64(raw, sizeof raw, b64);

	/* Signed before anything is written, so out may be body itself. */
	memmove(out, body, body_len);
	off = body_len;
	out[off++] = '\n';
	memcpy(out + off, SIG_PREFIX, SIG_PREFIX_LEN);
	off += SIG_PREFIX_LEN;
	memcpy(out + off, name, name_len);
	off += name_len;
	out[off++] = ' ';
	memcpy(out + off, b64, SIG_B64_LEN);
	off += SIG_B64_LEN;
	out[off++] = '\n';
	assert(off == total);
	out[off] = '\0';
	*out_len = total;
	return PDL_OK;
}

int pdl_note_verify(const char *note, size_t len, const char *name, const struct pdl_pubkey *pk,
                    size_t *body_len)
{
	uint8_t raw[RAW_MAX];
	size_t name_len, text_len, pos, sigs = 0;
	int good = 0, bad = 0;
	uint32_t id;
	long blank;

	assert(note != NULL && name != NULL && pk != NULL && pk->suite != NULL);
	if (len == 0 || len > PDL_NOTE_BYTES_MAX || !text_ok(note, len))
		return PDL_ENOTE;
	blank = last_blank(note, len);
	if (blank < 0)
		return PDL_ENOTE;
	text_len = (size_t)blank + 1;
	pos = text_len + 1;
	if (pos == len || note[len - 1] != '\n')
		return PDL_ENOTE;

	name_len = strlen(name);
	id = key_id(name, name_len, pk);
	while (pos < len) {
		const char *line = note + pos;
		const char *eol = memchr(line, '\n', len - pos);
		const char *nm, *sp, *b64;
		size_t line_len, nm_len, b64_len, raw_len = 0;
		uint32_t line_id;

		/* The block ends in "\n", so every line has one. */
		assert(eol != NULL);
		line_len = (size_t)(eol - line);
		pos += line_len + 1;
		if (++sigs > PDL_NOTE_SIGS_MAX)
			return PDL_ENOTE;
		if (line_len < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
			return PDL_ENOTE;
		nm = line + SIG_PREFIX_LEN;
		sp = memchr(nm, ' ', line_len - SIG_PREFIX_LEN);
		if (sp == NULL)
			return PDL_ENOTE;
		nm_len = (size_t)(sp - nm);
		b64 = sp + 1;
		b64_len = (size_t)(eol - b64);
		if (!pdl_note_name_valid(nm, nm_len) || b64_len == 0)
			return PDL_ENOTE;
		if (pdl_unb64_var(b64, b64_len, raw, sizeof raw, &raw_len) != PDL_OK || raw_len <= KEYID_BYTES)
			return PDL_ENOTE;
		line_id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
		          (uint32_t)raw[2] << 8 | raw[3];
		if (line_id != id || nm_len != name_len || memcmp(nm, name, name_len) != 0)
			continue;
		/* Keep reading: a malformed later line still makes the note malformed. */
		if (raw_len == SIG_RAW_BYTES &&
		    pdl_verify(pk, raw + KEYID_BYTES, note, text_len) == PDL_OK)
			good = 1;
		else
			bad = 1;
	}
	if (bad || !good)
		return PDL_EBADSIG;
	if (body_len != NULL)
		*body_len = text_len;
	return PDL_OK;
}

#define COSIG_HEADER "cosignature/v1\ntime "
#define COSIG_TIMESTAMP_MAX 0x7fffffffffffffffull /* tlog-cosignature: "MUST NOT exceed 2^63 - 1" */

int pdl_note_cosign(const char *note, size_t len, const char *name, const struct pdl_seckey *k, uint64_t timestamp,
                    char *out, size_t cap)
{
	char msg[sizeof COSIG_HEADER + SIZE_DIGITS_MAX + 1 + PDL_NOTE_BYTES_MAX];
	uint8_t raw[KEYID_BYTES + 8 + PDL_SIG_BYTES];
	char b64[PDL_B64_LEN(sizeof raw)];
	size_t name_len, body_len;
	long blank;
	int hn, n;
	uint32_t id;

	assert(note != NULL && name != NULL && k != NULL && k->suite != NULL && out != NULL);
	name_len = strnlen(name, PDL_ORIGIN_LEN_MAX + 1);
	if (name_len > PDL_ORIGIN_LEN_MAX || !pdl_note_name_valid(name, name_len) || timestamp > COSIG_TIMESTAMP_MAX)
		return PDL_EINVAL;
	if (len > PDL_NOTE_BYTES_MAX || !text_ok(note, len))
		return PDL_EINVAL;
	/* the body: the text before the signatures, or the whole of a bare body */
	blank = last_blank(note, len);
	body_len = blank < 0 ? len : (size_t)blank + 1;
	if (body_len == 0 || note[body_len - 1] != '\n')
		return PDL_EINVAL;
	hn = snprintf(msg, sizeof msg, COSIG_HEADER "%llu\n", (unsigned long long)timestamp);
	assert(hn > 0 && (size_t)hn + body_len <= sizeof msg);
	memcpy(msg + hn, note, body_len);
	id = pdl_pubkey_note_id(&k->pk, 1, name, name_len);
	raw[0] = (uint8_t)(id >> 24);
	raw[1] = (uint8_t)(id >> 16);
	raw[2] = (uint8_t)(id >> 8);
	raw[3] = (uint8_t)id;
	for (int i = 0; i < 8; i++)
		raw[KEYID_BYTES + i] = (uint8_t)(timestamp >> (56 - 8 * i));
	pdl_sign(k, msg, (size_t)hn + body_len, raw + KEYID_BYTES + 8);
	pdl_b64(raw, sizeof raw, b64);
	n = snprintf(out, cap, SIG_PREFIX "%s %s", name, b64);
	if (n < 0 || (size_t)n >= cap)
		return PDL_ETOOBIG;
	return PDL_OK;
}

int pdl_ckpt_format(const struct pdl_ckpt *c, char *out, size_t cap, size_t *out_len)
{
	char root[PDL_B64_LEN(PDL_HASH_BYTES)];
	char chain[sizeof root];
	size_t origin_len;
	int n;

	assert(c != NULL && out != NULL && out_len != NULL);
	origin_len = strnlen(c->origin, sizeof c->origin);
	if (origin_len == 0 || origin_len > PDL_ORIGIN_LEN_MAX || !text_ok(c->origin, origin_len) ||
	    memchr(c->origin, '\n', origin_len) != NULL)
		return PDL_EINVAL;
	if (c->has_chain && c->size == 0)
		return PDL_EINVAL;
	pdl_b64(c->root, PDL_HASH_BYTES, root);
	if (c->has_chain) {
		pdl_b64(c->chain, PDL_HASH_BYTES, chain);
		n = snprintf(out, cap, "%s\n%" PRIu64 "\n%s\nchain %s\n", c->origin, c->size, root,
		             chain);
	} else {
		n = snprintf(out, cap, "%s\n%" PRIu64 "\n%s\n", c->origin, c->size, root);
	}
	if (n < 0 || (size_t)n >= cap)
		return PDL_ETOOBIG;
	*out_len = (size_t)n;
	return PDL_OK;
}

/* "0", or digits without a leading zero, that fit in uint64. */
static int parse_size(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > SIZE_DIGITS_MAX || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10u)
			return -1;
		v = v * 10u + d;
	}
	*out = v;
	return 0;
}

int pdl_ckpt_parse(const char *note, size_t len, struct pdl_ckpt *out)
{
	struct pdl_ckpt c;
	size_t body_len, pos = 0;
	long blank;
	int line_no = 0;

	assert(note != NULL && out != NULL);
	if (len > PDL_NOTE_BYTES_MAX)
		return PDL_ENOTE;
	/* Same split as pdl_note_verify, so both read the same text; a bare body is fine. */
	blank = last_blank(note, len);
	body_len = blank < 0 ? len : (size_t)blank + 1;
	if (body_len == 0 || note[body_len - 1] != '\n' || !text_ok(note, body_len))
		return PDL_ENOTE;

	memset(&c, 0, sizeof c);
	while (pos < body_len) {
		const char *line = note + pos;
		const char *eol = memchr(line, '\n', body_len - pos);
		size_t n;

		assert(eol != NULL);
		n = (size_t)(eol - line);
		pos += n + 1;
		/* tlog-checkpoint: the three lines and any extension lines are non-empty. */
		if (n == 0)
			return PDL_ENOTE;
		switch (line_no++) {
		case 0:
			if (n > PDL_ORIGIN_LEN_MAX)
				return PDL_ENOTE;
			memcpy(c.origin, line, n);
			c.origin[n] = '\0';
			break;
		case 1:
			if (parse_size(line, n, &c.size) != 0)
				return PDL_ENOTE;
			break;
		case 2:
			if (b64_exact(line, n, c.root, sizeof c.root) != 0)
				return PDL_ENOTE;
			break;
		default:
			if (n < 6 || memcmp(line, "chain ", 6) != 0)
				break;  /* someone else's extension */
			if (c.has_chain || b64_exact(line + 6, n - 6, c.chain, sizeof c.chain) != 0)
				return PDL_ENOTE;
			c.has_chain = 1;
			break;
		}
	}
	if (line_no < 3 || (c.has_chain && c.size == 0))
		return PDL_ENOTE;
	*out = c;
	return PDL_OK;
}
