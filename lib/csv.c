/* csv.c — see csv.h. */
#include <string.h>

#include "csv.h"
#include "split.h"

void
pdl_csv_text(FILE *f, const char *s)
{
	if (s == NULL)
		return;
	int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
	int quote = strpbrk(s, ",\"\n") != NULL;
	if (quote)
		fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

void
pdl_csv_header(FILE *f)
{
	fputs("party,party_name,period,settlement_id,product_id,product_name,role,amount_fen,amount_yuan,status,seq,"
	      "total_fen,total_yuan\n",
	      f);
}

void
pdl_csv_row(FILE *f, const struct pdl_csv_line *l)
{
	const char *text[] = {l->party, l->party_name, l->period, l->settlement_id, l->product_id, l->product_name,
	                      l->role};
	char yuan[32];
	for (size_t i = 0; i < sizeof text / sizeof text[0]; i++) {
		pdl_csv_text(f, text[i]);
		fputc(',', f);
	}
	fprintf(f, "%lld,%s,", (long long)l->amount_fen, pdl_fen_cny(l->amount_fen, yuan));
	pdl_csv_text(f, l->status);
	fprintf(f, ",%llu,,\n", (unsigned long long)l->seq);
}

void
pdl_csv_total(FILE *f, const char *party_name, const char *period, int64_t total_fen)
{
	char yuan[32];
	fputs("TOTAL,", f);
	pdl_csv_text(f, party_name);
	fputc(',', f);
	pdl_csv_text(f, period);
	fprintf(f, ",,,,,,,,,%lld,%s\n", (long long)total_fen, pdl_fen_cny(total_fen, yuan));
}
