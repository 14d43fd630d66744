/*
 * check.c — USCC (GB 32100-2015) and ISO/IEC 7064 MOD 37,36 check characters.
 *
 * Both are pure functions of the bytes given; see check.h for the contract.
 * Sums stay small (USCC: 17 * 30 * 30 < 2^16; MOD 37,36 keeps its running
 * value below 37), so no input length can overflow them.
 */
#include "check.h"

#include <assert.h>
#include <string.h>

#define USCC_MOD 31
#define USCC_BODY_LEN 17u   /* characters the check character covers */
#define USCC_DIV_FIRST 2u   /* 0-based span of the division code */
#define USCC_DIV_LEN 6u

#define M3736_M 36

/* W_i = 3^(i-1) mod 31, i = 1..17: the weights GB 32100-2015 tabulates. */
static const int uscc_weights[USCC_BODY_LEN] = {
	1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
};

/* Index of c in alphabet[0..n), or -1. memchr rather than strchr, which
 * would "find" a NUL byte at the alphabet's terminator. */
static int char_value(const char *alphabet, size_t n, char c)
{
	const char *p = memchr(alphabet, c, n);

	return p ? (int)(p - alphabet) : -1;
}

static int uscc_value(char c)
{
	return char_value(PDL_USCC_ALPHABET, sizeof PDL_USCC_ALPHABET - 1, c);
}

static int m3736_value(char c)
{
	return char_value(PDL_MOD3736_ALPHABET, sizeof PDL_MOD3736_ALPHABET - 1, c);
}

/* The check character of the 17 characters at s, or 0 if one of them is
 * outside the alphabet. */
static char uscc_check(const char *s)
{
	int sum = 0;

	for (size_t i = 0; i < USCC_BODY_LEN; i++) {
		int v = uscc_value(s[i]);

		if (v < 0)
			return 0;
		sum += v * uscc_weights[i];
	}
	/* C18 = 31 - (sum mod 31), where 31 itself is written as 0. */
	return PDL_USCC_ALPHABET[(USCC_MOD - sum % USCC_MOD) % USCC_MOD];
}

int pdl_uscc_check_char(const char *first17, char *out)
{
	size_t n = 0;
	char c;

	assert(first17 && out);
	/* Stop at 18: a longer string is wrong however long it is, and the
	 * caller's buffer may not be NUL-terminated past that point. */
	while (n <= USCC_BODY_LEN && first17[n] != '\0')
		n++;
	if (n != USCC_BODY_LEN)
		return PDL_EINVAL;
	c = uscc_check(first17);
	if (c == 0)
		return PDL_EINVAL;
	*out = c;
	return PDL_OK;
}

/*
 * Positions 9-17 are deliberately not checked against GB 11714, whose own
 * check character (mod 11, 0-9 or X) sits at position 17. C18 already
 * covers all 17 characters, so a second rule would catch almost no extra
 * typing errors, while any registry that fills 9-17 by its own rules would
 * see real, issued codes refused. For the same reason positions 1 and 2 are
 * not looked up in a table: new registration and type codes (A, N, ...)
 * were added by notice after the standard, and a stale table would refuse
 * new legal persons.
 */
const char *pdl_uscc_why(const char *s, size_t len)
{
	if (len != PDL_USCC_LEN)
		return "length is not 18";
	assert(s);
	for (size_t i = 0; i < len; i++)
		if (uscc_value(s[i]) < 0)
			return "character outside the alphabet";
	for (size_t i = USCC_DIV_FIRST; i < USCC_DIV_FIRST + USCC_DIV_LEN; i++)
		if (s[i] < '0' || s[i] > '9')
			return "division code is not 6 digits";
	if (uscc_check(s) != s[USCC_BODY_LEN])
		return "check character mismatch";
	return NULL;
}

int pdl_uscc_valid(const char *s, size_t len)
{
	return pdl_uscc_why(s, len) ? PDL_EINVAL : PDL_OK;
}

/*
 * ISO/IEC 7064 hybrid system, recursive form, with M = 36:
 *   P_1 = M;  S_j = (P_j + a_j) mod M, with 0 read as M;  P_{j+1} = 2 S_j mod (M + 1).
 * The check character a is the one that makes the next S equal 1, that is
 * a = (M + 1 - P) mod M with P the value after the last data character.
 * Validating the whole string by "final S == 1" is the same test; we
 * recompute instead so both functions share one loop.
 */
static int m3736_p(const char *s, size_t len)
{
	int p = M3736_M;

	for (size_t i = 0; i < len; i++) {
		int v = m3736_value(s[i]);
		int sj;

		if (v < 0)
			return -1;
		sj = (p + v) % M3736_M;
		if (sj == 0)
			sj = M3736_M;
		p = sj * 2 % (M3736_M + 1);
	}
	return p;
}

int pdl_mod3736_check_char(const char *s, size_t len, char *out)
{
	int p;

	assert(out);
	/* An empty payload has a check character ('1') by the formula, but a
	 * code that is only its check character identifies nothing. */
	if (len == 0)
		return PDL_EINVAL;
	assert(s);
	p = m3736_p(s, len);
	if (p < 0)
		return PDL_EINVAL;
	*out = PDL_MOD3736_ALPHABET[(M3736_M + 1 - p) % M3736_M];
	return PDL_OK;
}

int pdl_mod3736_valid(const char *s, size_t len)
{
	char want;

	if (len < 2)
		return PDL_EINVAL;
	if (pdl_mod3736_check_char(s, len - 1, &want) != PDL_OK)
		return PDL_EINVAL;
	/* The check character must itself be in the alphabet; comparing with
	 * want (always in it) covers that. */
	if (s[len - 1] != want)
		return PDL_EINVAL;
	return PDL_OK;
}

int
pdl_code_valid(const char *code, size_t n, const char **why)
{
	static const char shape[] = "999999-9999-K-99999999-C";
	char flat[32];
	size_t k = 0;
	*why = "a code has the form 420100-2026-R-00000042-B";
	if (n != sizeof shape - 1)
		return PDL_EINVAL;
	for (size_t i = 0; i < n; i++) {
		char ch = code[i];
		if ((shape[i] == '-' && ch != '-') || (shape[i] == '9' && (ch < '0' || ch > '9')) ||
		    (shape[i] == 'K' && ch != 'R' && ch != 'P' && ch != 'S') ||
		    (shape[i] == 'C' && !((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z'))))
			return PDL_EINVAL;
		if (ch != '-')
			flat[k++] = ch;
	}
	if (pdl_mod3736_valid(flat, k) != PDL_OK) {
		*why = "check character mismatch";
		return PDL_EINVAL;
	}
	*why = NULL;
	return PDL_OK;
}
