/*
 * csv.h — statements as CSV a spreadsheet reads right: what `pdl statement
 * --csv` and the revenue view's `format=csv` both write, so the two agree
 * byte for byte (spec/revenue.md, "Statements").
 *
 * The layout: a header row, one row per settlement line, and one last row
 * labelled TOTAL in the first column whose total stands in columns of its
 * own (total_fen, total_yuan), empty on every line row — so SUM over the
 * amount column gives the total once, not twice, and SUM over total_fen
 * gives it too. Amounts are integers of fen and exact yuan with two
 * decimals ("-93.33"), never floating point.
 *
 * Text from the ledger is untrusted: a field is quoted (RFC 4180) when it
 * holds a comma, quote, CR or LF, and a text field a spreadsheet would take
 * for a formula (first character = + - @ TAB CR) gets a leading ' (OWASP's
 * advice against CSV injection). Numbers are written as numbers. Rows end
 * in LF (spreadsheets read it; shell tools count it).
 */
#ifndef PDL_CSV_H
#define PDL_CSV_H

#include <stdint.h>
#include <stdio.h>

#define PDL_CSV_BOM "\xef\xbb\xbf" /* Excel reads a CSV as UTF-8 only after this */

struct pdl_csv_line {
	const char *party, *party_name, *period, *settlement_id, *product_id, *product_name, *role, *status;
	int64_t amount_fen;
	uint64_t seq;
};

/* One text field, quoted and neutralized as above (NULL: empty). */
void pdl_csv_text(FILE *f, const char *s);
void pdl_csv_header(FILE *f);
void pdl_csv_row(FILE *f, const struct pdl_csv_line *l);
/* The TOTAL row: period is the period or the range ("2026-09..2026-12"). */
void pdl_csv_total(FILE *f, const char *party_name, const char *period, int64_t total_fen);

#endif
