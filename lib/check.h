/*
 * check.h — check characters of the identifiers pdl accepts from outside:
 * the Chinese unified social credit code (GB 32100-2015) that names a legal
 * person, and the ISO/IEC 7064 MOD 37,36 hybrid system for our own
 * alphanumeric ids. Both catch typing errors before a wrong id reaches the
 * ledger; neither says that the id was ever issued.
 *
 * The module owns nothing: it reads the caller's bytes, allocates nothing
 * and keeps no state, so every function is safe to call from any thread.
 *
 * Invariants:
 *  (1) Inputs are counted bytes, not C strings, except where a name says
 *      "first17"; a NUL byte inside the counted range is just a bad char.
 *  (2) Codes are upper-case only. Lower case is rejected, not folded, so
 *      that the bytes the ledger stores are the bytes that were checked.
 *  (3) check_char(x) followed by x is valid, for every x check_char accepts
 *      (for the USCC, provided x's division code is 6 digits).
 */
#ifndef PDL_CHECK_H
#define PDL_CHECK_H

#include "pdl.h"

#define PDL_USCC_LEN 18u

/* The 31 characters of GB 32100-2015, in value order: no I, O, S, V, Z. */
#define PDL_USCC_ALPHABET "0123456789ABCDEFGHJKLMNPQRTUWXY"

/* The 36 characters of ISO/IEC 7064 MOD 37,36, in value order. */
#define PDL_MOD3736_ALPHABET "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* USCC layout (1-based positions, as the standard counts them):
 *   1      registration administration code
 *   2      organisation type code
 *   3-8    administrative division code (GB/T 2260), digits only
 *   9-17   organisation code (GB 11714 style, own check char at 17)
 *   18     check character over 1-17, mod 31
 *
 * first17 is a NUL-terminated string of exactly 17 characters from
 * PDL_USCC_ALPHABET. On PDL_OK *out receives the check character (one char,
 * not NUL-terminated); on error *out is left alone.
 * The division code is not looked at here: this is the bare checksum, and
 * pdl_uscc_valid is what applies the layout.
 * Errors: PDL_EINVAL (length is not 17, or a character outside the alphabet). */
PDL_WUR int pdl_uscc_check_char(const char *first17, char *out);

/* PDL_OK if s[0..len) is a well-formed USCC with a correct check character.
 * Errors: PDL_EINVAL, for exactly the reasons pdl_uscc_why names. */
PDL_WUR int pdl_uscc_valid(const char *s, size_t len);

/* NULL if s[0..len) is valid, else why not, in short English for error
 * messages: "length is not 18", "character outside the alphabet",
 * "division code is not 6 digits", "check character mismatch". Checked in
 * that order, so the first failing rule is the one named.
 * The string is static; do not free. */
const char *pdl_uscc_why(const char *s, size_t len);

/* ISO/IEC 7064 MOD 37,36 check character of s[0..len), len >= 1, every
 * character from PDL_MOD3736_ALPHABET (the caller strips hyphens and spaces).
 * On PDL_OK *out receives one character from the same alphabet; on error
 * *out is left alone.
 * Errors: PDL_EINVAL (len is 0, or a character outside the alphabet). */
PDL_WUR int pdl_mod3736_check_char(const char *s, size_t len, char *out);

/* PDL_OK if s[0..len) is at least one data character followed by its
 * MOD 37,36 check character.
 * Errors: PDL_EINVAL (len < 2, a character outside the alphabet, or check
 * character mismatch). */
PDL_WUR int pdl_mod3736_valid(const char *s, size_t len);

/* Registration codes (DESIGN §4): <6-digit jurisdiction>-<year>-<R|P|S>-
 * <8-digit sequence>-<MOD 37,36 check character over the rest without
 * hyphens>. PDL_OK when code has the form and a correct check character;
 * else PDL_EINVAL and *why says which (a static string). */
#define PDL_CODE_LEN 24u /* 420100-2026-R-00000042-B */
int pdl_code_valid(const char *code, size_t n, const char **why);

#endif
