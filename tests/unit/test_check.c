/*
 * test_check.c — USCC (GB 32100-2015) and ISO/IEC 7064 MOD 37,36.
 *
 * Valid vectors are published codes, not ones computed by check.c, so a bug
 * shared by compute and validate cannot pass. Where each comes from is noted
 * beside it. The error-detection tests then mutate every vector exhaustively.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "check.h"

#define USCC_ALPHA_LEN (sizeof PDL_USCC_ALPHABET - 1)
#define M3736_ALPHA_LEN (sizeof PDL_MOD3736_ALPHABET - 1)
#define CODE_MAX 64

static const char *const uscc_ok[] = {
	/* python-stdnum, stdnum/cn/uscc.py doctest. */
	"91110000600037341L",
	/* uscc-utils README (小米科技有限责任公司); also in public test fixtures. */
	"91110108551385082Q",
	/* Widely used sample, e.g. hutool CreditCodeUtilTest ports and the
	 * @jhqn/utils docs; registration code 9, letter at position 9. */
	"91350100M000100Y43",
	/* Listed as a real registered company code in a public test script
	 * beside the two above. */
	"91440300708461136T",
	/* The rest are from python-stdnum tests/test_cn_uscc.doctest. */
	"121200004013590816", /* registration code 1 (institutional) */
	"9144030071526726XG", /* X at position 17 */
	"91340600MA2PBP2120", /* check value 31, written as 0 */
	"91620105551270533Y", /* check value 30, the largest */
	"92340603MA2UK3DT5H", /* type 2 (individual business) */
};

static const char *const m3736_ok[] = {
	/* python-stdnum, stdnum/iso7064/mod_37_36.py doctest (a GRid). */
	"A12425GABC1234002M",
	/* xbib standardnumber MOD3736Test. */
	"B159D8FA01240000K",
	"188166C7342000003",
	/* jacoelho/go-iso7064 modulo37_36_test.go (cases from node-iso7064). */
	"RABDA",
	"X0HX",
	"9J",
	"TBR1",
	"OWN",
	"1MQ",
	"WP8Z09",
	"KV0MFQXMAL4W5ICNHP",
	"B7Q3SFTUSH2QN7BIXBPMNZAMI",
	"ROYL38YZ9TDGPNB5MT40CEWGURAOKF07XEYTV3M6",
	"UFSYYJO9FCID766EJYAEINTG43UZDD84MT6ZUDH08OM4N1KN",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int in_uscc_alphabet(int c)
{
	return c != 0 && memchr(PDL_USCC_ALPHABET, c, USCC_ALPHA_LEN) != NULL;
}

static int in_m3736_alphabet(int c)
{
	return c != 0 && memchr(PDL_MOD3736_ALPHABET, c, M3736_ALPHA_LEN) != NULL;
}

static void assert_uscc_why(const char *s, size_t len, const char *why)
{
	const char *got = pdl_uscc_why(s, len);

	assert_non_null(got);
	assert_string_equal(got, why);
	assert_int_equal(pdl_uscc_valid(s, len), PDL_EINVAL);
}

static void uscc_published_valid(void **state)
{
	(void)state;
	for (size_t k = 0; k < NELEM(uscc_ok); k++) {
		const char *code = uscc_ok[k];
		char body[PDL_USCC_LEN];
		char c = '?';

		assert_int_equal(strlen(code), PDL_USCC_LEN);
		assert_int_equal(pdl_uscc_valid(code, PDL_USCC_LEN), PDL_OK);
		assert_null(pdl_uscc_why(code, PDL_USCC_LEN));
		memcpy(body, code, PDL_USCC_LEN - 1);
		body[PDL_USCC_LEN - 1] = '\0';
		assert_int_equal(pdl_uscc_check_char(body, &c), PDL_OK);
		assert_int_equal(c, code[PDL_USCC_LEN - 1]);
	}
}

static void uscc_published_invalid(void **state)
{
	(void)state;
	/* python-stdnum test_cn_uscc.doctest negatives. */
	assert_uscc_why("91110000600037341N", 18, "check character mismatch");
	assert_uscc_why("9111000060003IOZSV", 18, "character outside the alphabet");
	assert_uscc_why("12345", 5, "length is not 18");
	/* stdnum rejects this for a letter in 1-8; GB 32100 allows letters in
	 * position 1 (A = military, N = agriculture, Y = other), so here it
	 * fails only on its check character. */
	assert_uscc_why("A1110000600037341L", 18, "check character mismatch");
	/* Published in a public JS validator as a special-cased exception:
	 * its check character does not match, and we do not whitelist. */
	assert_uscc_why("91350203M0001QAY9B", 18, "check character mismatch");
}

/* Every other alphabet character at every position must be refused: the
 * weights are nonzero mod the prime 31 and values differ by less than 31. */
static void uscc_single_substitution(void **state)
{
	(void)state;
	for (size_t k = 0; k < NELEM(uscc_ok); k++) {
		for (size_t pos = 0; pos < PDL_USCC_LEN; pos++) {
			size_t refused = 0;

			for (size_t a = 0; a < USCC_ALPHA_LEN; a++) {
				char s[PDL_USCC_LEN + 1];
				int division = pos >= 2 && pos < 8;
				char c = PDL_USCC_ALPHABET[a];

				memcpy(s, uscc_ok[k], sizeof s);
				if (s[pos] == c)
					continue;
				s[pos] = c;
				if (division && (c < '0' || c > '9'))
					assert_uscc_why(s, PDL_USCC_LEN, "division code is not 6 digits");
				else
					assert_uscc_why(s, PDL_USCC_LEN, "check character mismatch");
				refused++;
			}
			assert_int_equal(refused, USCC_ALPHA_LEN - 1);
		}
	}
}

/* Each byte outside the alphabet, at each position, is refused as such. */
static void uscc_bad_chars(void **state)
{
	static const char named[] = "IOSVZabcxyz -_./:;*#@";

	(void)state;
	for (size_t pos = 0; pos < PDL_USCC_LEN; pos++) {
		for (int b = 0; b < 256; b++) {
			char s[PDL_USCC_LEN + 1];

			if (in_uscc_alphabet(b))
				continue;
			memcpy(s, uscc_ok[0], sizeof s);
			s[pos] = (char)b;
			assert_uscc_why(s, PDL_USCC_LEN, "character outside the alphabet");
		}
	}
	/* The letters the standard drops, lower case and punctuation, spelled
	 * out so a reader sees them: check char and body alike. */
	for (size_t i = 0; i < sizeof named - 1; i++) {
		char s[PDL_USCC_LEN + 1];

		memcpy(s, "91350100M000100Y43", sizeof s);
		s[PDL_USCC_LEN - 1] = named[i];
		assert_uscc_why(s, PDL_USCC_LEN, "character outside the alphabet");
		s[PDL_USCC_LEN - 1] = '3';
		s[8] = named[i];
		assert_uscc_why(s, PDL_USCC_LEN, "character outside the alphabet");
	}
	/* A whole valid code in lower case is not folded. */
	assert_uscc_why("91350100m000100y43", 18, "character outside the alphabet");
	assert_uscc_why("91110000600037341l", 18, "character outside the alphabet");
}

static void uscc_wrong_length(void **state)
{
	const char *code = uscc_ok[0];
	char longer[PDL_USCC_LEN + 2];

	(void)state;
	assert_uscc_why(NULL, 0, "length is not 18");
	assert_uscc_why("", 0, "length is not 18");
	for (size_t n = 1; n < PDL_USCC_LEN; n++)
		assert_uscc_why(code, n, "length is not 18");
	memcpy(longer, code, PDL_USCC_LEN);
	longer[PDL_USCC_LEN] = '0';
	longer[PDL_USCC_LEN + 1] = '\0';
	assert_uscc_why(longer, PDL_USCC_LEN + 1, "length is not 18");
	/* Refused above for length alone: its 18-char prefix is valid. */
	assert_int_equal(pdl_uscc_valid(longer, PDL_USCC_LEN), PDL_OK);
}

/* A letter in positions 3-8 is refused for the division code itself: the
 * check character is recomputed so that it is the only rule broken. */
static void uscc_division_not_digits(void **state)
{
	(void)state;
	for (size_t pos = 2; pos < 8; pos++) {
		char s[PDL_USCC_LEN + 1];
		char c = '?';

		memcpy(s, uscc_ok[0], sizeof s);
		s[pos] = 'A';
		s[PDL_USCC_LEN - 1] = '\0';
		assert_int_equal(pdl_uscc_check_char(s, &c), PDL_OK);
		s[PDL_USCC_LEN - 1] = c;
		assert_uscc_why(s, PDL_USCC_LEN, "division code is not 6 digits");
	}
}

/* Adjacent transpositions inside 1-17 are always caught: swapping values a
 * and b at weights w and 3w changes the sum by 2w(b - a) mod 31, nonzero. */
static void uscc_adjacent_transposition(void **state)
{
	(void)state;
	for (size_t k = 0; k < NELEM(uscc_ok); k++) {
		for (size_t pos = 0; pos + 1 < PDL_USCC_LEN - 1; pos++) {
			char s[PDL_USCC_LEN + 1];
			char t;

			memcpy(s, uscc_ok[k], sizeof s);
			if (s[pos] == s[pos + 1])
				continue;
			t = s[pos];
			s[pos] = s[pos + 1];
			s[pos + 1] = t;
			assert_int_equal(pdl_uscc_valid(s, PDL_USCC_LEN), PDL_EINVAL);
		}
	}
}

static void uscc_check_char_errors(void **state)
{
	char c = '?';

	(void)state;
	assert_int_equal(pdl_uscc_check_char("", &c), PDL_EINVAL);
	assert_int_equal(pdl_uscc_check_char("9111000060003734", &c), PDL_EINVAL);
	assert_int_equal(pdl_uscc_check_char("91110000600037341L", &c), PDL_EINVAL);
	assert_int_equal(pdl_uscc_check_char("9111000060003734I", &c), PDL_EINVAL);
	assert_int_equal(pdl_uscc_check_char("9111000060003734a", &c), PDL_EINVAL);
	assert_int_equal(c, '?'); /* untouched on error */
}

static void m3736_published_valid(void **state)
{
	(void)state;
	for (size_t k = 0; k < NELEM(m3736_ok); k++) {
		const char *code = m3736_ok[k];
		size_t n = strlen(code);
		char c = '?';

		assert_int_equal(pdl_mod3736_valid(code, n), PDL_OK);
		assert_int_equal(pdl_mod3736_check_char(code, n - 1, &c), PDL_OK);
		assert_int_equal(c, code[n - 1]);
	}
	/* python-stdnum doctest, as compute. */
	{
		char c = '?';

		assert_int_equal(pdl_mod3736_check_char("A12425GABC1234002", 17, &c), PDL_OK);
		assert_int_equal(c, 'M');
	}
}

static void m3736_single_substitution(void **state)
{
	(void)state;
	for (size_t k = 0; k < NELEM(m3736_ok); k++) {
		size_t n = strlen(m3736_ok[k]);

		for (size_t pos = 0; pos < n; pos++) {
			for (int b = 0; b < 256; b++) {
				char s[CODE_MAX];

				memcpy(s, m3736_ok[k], n);
				if (s[pos] == (char)b)
					continue;
				s[pos] = (char)b;
				/* Alphabet or not, every other byte is refused. */
				assert_int_equal(pdl_mod3736_valid(s, n), PDL_EINVAL);
			}
		}
	}
}

static int m3736_swap_caught(const char *code, size_t n, size_t pos)
{
	char s[CODE_MAX];
	char t;

	memcpy(s, code, n);
	t = s[pos];
	s[pos] = s[pos + 1];
	s[pos + 1] = t;
	return pdl_mod3736_valid(s, n) != PDL_OK;
}

/* ISO 7064 promises "nearly all" transpositions for hybrid systems, not all.
 * Every one in the published vectors is caught; over every ordered pair of
 * distinct characters in a few surroundings, allow at most 1% through. */
static void m3736_adjacent_transposition(void **state)
{
	static const char *const pre[] = { "", "A1", "ZZZ9" };
	static const char *const post[] = { "", "7", "Q0" };
	size_t tried = 0, caught = 0;

	(void)state;
	for (size_t k = 0; k < NELEM(m3736_ok); k++) {
		const char *code = m3736_ok[k];
		size_t n = strlen(code);

		for (size_t pos = 0; pos + 1 < n; pos++)
			if (code[pos] != code[pos + 1])
				assert_true(m3736_swap_caught(code, n, pos));
	}
	for (size_t i = 0; i < NELEM(pre); i++) {
		for (size_t j = 0; j < NELEM(post); j++) {
			for (size_t a = 0; a < M3736_ALPHA_LEN; a++) {
				for (size_t b = 0; b < M3736_ALPHA_LEN; b++) {
					char s[CODE_MAX];
					size_t lp = strlen(pre[i]), lq = strlen(post[j]);
					size_t n = lp + 2 + lq;

					if (a == b)
						continue;
					memcpy(s, pre[i], lp);
					s[lp] = PDL_MOD3736_ALPHABET[a];
					s[lp + 1] = PDL_MOD3736_ALPHABET[b];
					memcpy(s + lp + 2, post[j], lq);
					assert_int_equal(pdl_mod3736_check_char(s, n, &s[n]), PDL_OK);
					assert_int_equal(pdl_mod3736_valid(s, n + 1), PDL_OK);
					tried++;
					caught += (size_t)m3736_swap_caught(s, n + 1, lp);
				}
			}
		}
	}
	assert_true(caught * 100 >= tried * 99);
}

static void m3736_bad_input(void **state)
{
	char c = '?';

	(void)state;
	assert_int_equal(pdl_mod3736_check_char("", 0, &c), PDL_EINVAL);
	assert_int_equal(pdl_mod3736_check_char("a12425GABC1234002", 17, &c), PDL_EINVAL);
	assert_int_equal(pdl_mod3736_check_char("A12425-GABC", 11, &c), PDL_EINVAL);
	assert_int_equal(pdl_mod3736_check_char("A1\0002", 4, &c), PDL_EINVAL);
	assert_int_equal(c, '?');
	assert_int_equal(pdl_mod3736_valid(NULL, 0), PDL_EINVAL);
	assert_int_equal(pdl_mod3736_valid("1", 1), PDL_EINVAL); /* check char only */
	assert_int_equal(pdl_mod3736_valid("a12425gabc1234002m", 18), PDL_EINVAL);
	assert_int_equal(pdl_mod3736_valid("A12425GABC1234002m", 18), PDL_EINVAL);
	assert_int_equal(pdl_mod3736_valid("A12425GABC1234002*", 18), PDL_EINVAL);
	/* Hyphens are the caller's to strip. */
	assert_int_equal(pdl_mod3736_valid("A12425-GABC-1234002M", 20), PDL_EINVAL);
	for (int b = 0; b < 256; b++) {
		char s[2] = { (char)b, '0' };

		if (!in_m3736_alphabet(b))
			assert_int_equal(pdl_mod3736_check_char(s, 1, &c), PDL_EINVAL);
	}
}

/* Invariant (3) of check.h, over a deterministic spread of inputs. */
static void m3736_roundtrip(void **state)
{
	uint32_t x = 1;

	(void)state;
	for (int iter = 0; iter < 2000; iter++) {
		char s[CODE_MAX];
		size_t n;

		x = x * 1664525u + 1013904223u;
		n = 1 + (x >> 16) % (CODE_MAX - 2);
		for (size_t i = 0; i < n; i++) {
			x = x * 1664525u + 1013904223u;
			s[i] = PDL_MOD3736_ALPHABET[(x >> 16) % M3736_ALPHA_LEN];
		}
		assert_int_equal(pdl_mod3736_check_char(s, n, &s[n]), PDL_OK);
		assert_int_equal(pdl_mod3736_valid(s, n + 1), PDL_OK);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uscc_published_valid),
		cmocka_unit_test(uscc_published_invalid),
		cmocka_unit_test(uscc_single_substitution),
		cmocka_unit_test(uscc_bad_chars),
		cmocka_unit_test(uscc_wrong_length),
		cmocka_unit_test(uscc_division_not_digits),
		cmocka_unit_test(uscc_adjacent_transposition),
		cmocka_unit_test(uscc_check_char_errors),
		cmocka_unit_test(m3736_published_valid),
		cmocka_unit_test(m3736_single_substitution),
		cmocka_unit_test(m3736_adjacent_transposition),
		cmocka_unit_test(m3736_bad_input),
		cmocka_unit_test(m3736_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
