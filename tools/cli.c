/* cli.c — what the pdl subcommands share (cli.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"
#include "readers.h"

void
out_json(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
	if (s != NULL) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	json_decref(j);
}

int
die_status(const char *cmd, const struct pdl_status *st)
{
	fprintf(stderr, "pdl %s: %s%s%s%s (%s)\n", cmd, st->msg[0] ? st->msg : pdl_errmsg(st->err),
	        st->rule[0] ? " [rule " : "", st->rule, st->rule[0] ? "]" : "", pdl_strerror(st->err));
	return 1;
}

int
usage_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "pdl %s: %s (see pdl %s --help)\n", cmd, msg, cmd);
	return 2;
}

int
src_open(struct src *s, const char *data, const char *ledger, struct pdl_status *st)
{
	memset(s, 0, sizeof *s);
	if ((data == NULL) == (ledger == NULL))
		return pdl_status_set(st, PDL_EINVAL, NULL, "give exactly one of --data DIR or --ledger URL");
	if (data != NULL) {
		int rc = pdl_store_open(&s->store, data, PDL_STORE_RDONLY);
		if (rc != PDL_OK)
			return pdl_status_set(st, rc, NULL, "cannot open the ledger in %s: %s", data, pdl_errmsg(rc));
		s->local = 1;
		/* the ledger's suite, when its genesis says it; a genesis that
		 * does not read is the reading command's to report */
		MDB_txn *t;
		struct pdl_status sst;
		if (pdl_store_rtxn(&s->store, &t) == PDL_OK) {
			(void)pdl_read_suite(t, &s->store, &sst);
			pdl_store_rdone(&s->store, t);
		}
		return PDL_OK;
	}
	return pdl_client_open(&s->cl, ledger, st);
}

void
src_close(struct src *s)
{
	if (s->local)
		pdl_store_close(&s->store);
	else
		pdl_client_close(&s->cl);
}

/* die_status for a command that has called src_open (successfully or not):
 * closes the source first, so no error path leaves the LMDB env behind. */
int
src_fail(struct src *s, const char *cmd, const struct pdl_status *st)
{
	src_close(s);
	return die_status(cmd, st);
}

int
src_call(struct src *s, msgpack_sbuffer *req, uint8_t **rep, size_t *rn, struct pdl_status *st)
{
	int rc = pdl_client_call(&s->cl, req->data, req->size, rep, rn, st);
	if (rc != PDL_OK)
		return rc;
	if ((rc = pdl_rep_error(*rep, *rn, st)) != PDL_OK) {
		free(*rep);
		*rep = NULL;
	}
	return rc;
}

int
src_get(struct src *s, uint64_t seq, uint8_t **b, size_t *n, struct pdl_status *st)
{
	*b = NULL;
	if (s->local) {
		MDB_txn *t;
		const uint8_t *v;
		int rc = pdl_store_rtxn(&s->store, &t);
		if (rc != PDL_OK)
			return pdl_status_set(st, rc, NULL, "cannot read the ledger");
		rc = pdl_read_entry(t, &s->store, seq, &v, n, st);
		if (rc == PDL_OK) {
			*b = malloc(*n ? *n : 1);
			if (*b == NULL)
				rc = pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
			else
				memcpy(*b, v, *n);
		}
		pdl_store_rdone(&s->store, t);
		return rc;
	}
	msgpack_sbuffer sb;
	uint8_t *rep;
	size_t rn;
	const uint8_t *eb;
	pdl_req_get(&sb, seq);
	int rc = src_call(s, &sb, &rep, &rn, st);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return rc;
	if ((rc = pdl_rep_entry(rep, rn, &eb, n, st)) != PDL_OK) {
		free(rep);
		return rc;
	}
	/* the reply is as untrusted as a data directory */
	if ((rc = pdl_read_entry_bound(seq, *n, st)) != PDL_OK) {
		free(rep);
		return rc;
	}
	*b = malloc(*n ? *n : 1);
	if (*b != NULL)
		memcpy(*b, eb, *n);
	free(rep);
	return *b ? PDL_OK : pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
}

/* The note (malloc'd, NUL-terminated) of a reply {note: str}, bounded. */
static int
note_of_reply(const uint8_t *rep, size_t rn, char **note, size_t *n, struct pdl_status *st)
{
	const char *v;
	int rc = pdl_rep_checkpoint(rep, rn, &v, n, st);
	if (rc == PDL_OK)
		rc = pdl_read_note_bound(*n, st);
	if (rc != PDL_OK)
		return rc;
	*note = malloc(*n + 1);
	if (*note == NULL)
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	memcpy(*note, v, *n);
	(*note)[*n] = 0;
	return PDL_OK;
}

/* Asks pdld for the checkpoint of size (NULL: the newest): its note. */
static int
src_checkpoint_req(struct src *s, const uint64_t *size, char **note, size_t *n, struct pdl_status *st)
{
	msgpack_sbuffer sb;
	uint8_t *rep;
	size_t rn;
	pdl_req_checkpoint(&sb, size);
	int rc = src_call(s, &sb, &rep, &rn, st);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return rc;
	rc = note_of_reply(rep, rn, note, n, st);
	free(rep);
	return rc;
}

int
src_checkpoint(struct src *s, char **note, size_t *n, struct pdl_status *st)
{
	*note = NULL;
	if (s->local) {
		MDB_txn *t;
		const char *v;
		uint64_t size;
		int rc = pdl_store_rtxn(&s->store, &t);
		if (rc != PDL_OK)
			return pdl_status_set(st, rc, NULL, "cannot read the ledger");
		rc = pdl_read_checkpoint(t, &s->store, &size, &v, n, st);
		if (rc == PDL_OK) {
			*note = malloc(*n + 1);
			if (*note == NULL)
				rc = pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
			else {
				memcpy(*note, v, *n);
				(*note)[*n] = 0;
			}
		}
		pdl_store_rdone(&s->store, t);
		return rc;
	}
	return src_checkpoint_req(s, NULL, note, n, st);
}


int
src_checkpoint_at(struct src *s, uint64_t size, char **note, size_t *n, struct pdl_status *st)
{
	*note = NULL;
	if (s->local) {
		MDB_txn *t;
		const char *v;
		int rc = pdl_store_rtxn(&s->store, &t);
		if (rc != PDL_OK)
			return pdl_status_set(st, rc, NULL, "cannot read the ledger");
		rc = pdl_read_checkpoint_at(t, &s->store, size, &v, n, st);
		if (rc == PDL_OK && (*note = malloc(*n + 1)) == NULL)
			rc = pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
		if (rc == PDL_OK) {
			memcpy(*note, v, *n);
			(*note)[*n] = 0;
		}
		pdl_store_rdone(&s->store, t);
		return rc;
	}
	return src_checkpoint_req(s, &size, note, n, st);
}

#define SCAN_RANGE_COUNT 1024u /* entries asked per range read (pdld caps a reply's bytes too) */

static int
scan_local(struct src *s, uint64_t from, src_scan_fn fn, void *arg, struct pdl_status *st)
{
	MDB_txn *t;
	struct pdl_head h;
	int rc = pdl_store_rtxn(&s->store, &t);
	if (rc != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot read the ledger");
	rc = pdl_read_head(t, &s->store, &h, st);
	for (uint64_t seq = from; rc == PDL_OK && seq < h.size; seq++) {
		const uint8_t *b;
		size_t n;
		if ((rc = pdl_read_entry(t, &s->store, seq, &b, &n, st)) == PDL_OK && fn(arg, seq, b, n) != 0)
			break;
	}
	pdl_store_rdone(&s->store, t);
	return rc;
}

/* One range reply's elements to fn; *next advances past them; *done when
 * the callback stopped or the reply was empty (the head). */
static int
scan_reply(const uint8_t *rep, size_t rn, uint64_t *next, src_scan_fn fn, void *arg, uint64_t *withheld, int *done,
           struct pdl_status *st)
{
	struct mp_cur e;
	uint32_t k;
	uint64_t from;
	int rc = pdl_rep_range(rep, rn, &from, &e, &k, st);
	if (rc != PDL_OK)
		return rc;
	if (k > 0 && from != *next) /* an empty reply may say the head, past what was asked */
		return pdl_status_set(st, PDL_EPROTO, NULL, "a range reply from %llu, not the %llu asked",
		                      (unsigned long long)from, (unsigned long long)*next);
	*done = k == 0;
	for (uint32_t i = 0; i < k && !*done; i++, (*next)++) {
		const uint8_t *b;
		size_t n;
		if (mp_peek(&e) == MP_MAP) { /* pdld's placeholder for an entry withheld from this reader */
			(*withheld)++;
			if (mp_skip(&e) != PDL_OK)
				return pdl_status_set(st, PDL_EPROTO, NULL, "malformed range reply");
			continue;
		}
		if (mp_read_bin(&e, &b, &n) != PDL_OK)
			return pdl_status_set(st, PDL_EPROTO, NULL, "malformed range reply");
		if ((rc = pdl_read_entry_bound(*next, n, st)) != PDL_OK)
			return rc;
		*done = fn(arg, *next, b, n) != 0;
	}
	return PDL_OK;
}

int
src_scan(struct src *s, uint64_t from, src_scan_fn fn, void *arg, uint64_t *withheld, struct pdl_status *st)
{
	*withheld = 0;
	if (s->local)
		return scan_local(s, from, fn, arg, st);
	for (uint64_t next = from;;) {
		msgpack_sbuffer sb;
		uint8_t *rep;
		size_t rn;
		int done = 0;
		pdl_req_range(&sb, next, SCAN_RANGE_COUNT);
		int rc = src_call(s, &sb, &rep, &rn, st);
		msgpack_sbuffer_destroy(&sb);
		if (rc != PDL_OK)
			return rc;
		rc = scan_reply(rep, rn, &next, fn, arg, withheld, &done, st);
		free(rep);
		if (rc != PDL_OK || done)
			return rc;
	}
}

/* Asks pdld for its head. */
static int
src_wire_head(struct src *s, struct pdl_wire_head *h, struct pdl_status *st)
{
	msgpack_sbuffer sb;
	uint8_t *rep;
	size_t rn;
	pdl_req_head(&sb);
	int rc = src_call(s, &sb, &rep, &rn, st);
	msgpack_sbuffer_destroy(&sb);
	if (rc != PDL_OK)
		return rc;
	rc = pdl_rep_head(rep, rn, h, st);
	free(rep);
	return rc;
}

int
src_head(struct src *s, struct pdl_head *h, struct pdl_status *st)
{
	if (s->local) {
		MDB_txn *t;
		int rc = pdl_store_rtxn(&s->store, &t);
		if (rc != PDL_OK)
			return pdl_status_set(st, rc, NULL, "cannot read the ledger");
		rc = pdl_read_head(t, &s->store, h, st);
		pdl_store_rdone(&s->store, t);
		return rc;
	}
	struct pdl_wire_head wh;
	int rc = src_wire_head(s, &wh, st);
	memset(h, 0, sizeof *h);
	if (rc == PDL_OK) {
		h->size = wh.size;
		h->time_ms = wh.time_ms;
		memcpy(h->chain, wh.chain, sizeof h->chain);
	}
	return rc;
}

int
src_suite(struct src *s, struct pdl_status *st)
{
	if (s->local) {
		MDB_txn *t;
		int rc = pdl_store_rtxn(&s->store, &t);
		if (rc != PDL_OK)
			return pdl_status_set(st, rc, NULL, "cannot read the ledger");
		rc = pdl_read_suite(t, &s->store, st);
		pdl_store_rdone(&s->store, t);
		return rc;
	}
	struct pdl_wire_head wh;
	int rc = src_wire_head(s, &wh, st);
	if (rc == PDL_OK)
		pdl_suite_use(wh.suite); /* named as this process's */
	return rc;
}

int
src_ledger_id(struct src *s, uint8_t id[PDL_HASH_BYTES], struct pdl_status *st)
{
	if (s->local) {
		MDB_txn *t;
		int rc = pdl_store_rtxn(&s->store, &t);
		if (rc != PDL_OK)
			return pdl_status_set(st, rc, NULL, "cannot read the ledger");
		rc = pdl_read_ledger_id(t, &s->store, id, st);
		pdl_store_rdone(&s->store, t);
		return rc;
	}
	struct pdl_wire_head wh;
	int rc = src_wire_head(s, &wh, st);
	if (rc == PDL_OK && !wh.has_ledger_id)
		rc = pdl_status_set(st, PDL_EPROTO, NULL, "the head reply carries no %u-byte ledger_id", PDL_HASH_BYTES);
	if (rc == PDL_OK) {
		memcpy(id, wh.ledger_id, PDL_HASH_BYTES);
		pdl_suite_use(wh.suite);
	}
	return rc;
}

int
ledger_id_for(struct pdl_client *cl, uint8_t id[PDL_HASH_BYTES], struct pdl_status *st)
{
	struct src s;
	memset(&s, 0, sizeof s);
	s.cl = *cl; /* borrowed: not closed here */
	return src_ledger_id(&s, id, st);
}

int
want_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

/* Parses exactly --data DIR, --ledger URL and --help for commands that
 * take nothing else. Returns -1 to go on, or the exit code to return. */
int
src_opts(int argc, char **argv, const char *cmd, const char *help, const char **dir, const char **ledger)
{
	static const struct option opts[] = {COMMON_OPTS, {0}};
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'd')
			*dir = optarg;
		else if (ch == 'L')
			*ledger = optarg;
		else if (ch == 'h') {
			fputs(help, stdout);
			return 0;
		} else
			return usage_error(cmd, "unknown option");
	}
	return -1;
}

/* --ledger-id HEX: 64 lowercase hex digits. */
int
parse_ledger_id(const char *hex, uint8_t id[PDL_HASH_BYTES])
{
	return pdl_unhex(hex, strlen(hex), id, PDL_HASH_BYTES);
}

/* WHEN: ms since the epoch, or ISO 8601 YYYY-MM-DDTHH:MM[:SS[.mmm]](Z|±HH:MM). */
int
parse_when(const char *s, uint64_t *ms)
{
	if (pdl_u64_parse(s, ms) == PDL_OK)
		return PDL_OK;
	int y, mo, d, h, mi, se = 0, n = 0, frac = 0, has_s = 0;
	/* seconds may be left out, as pdl prints times to the minute (pdl_ms_cst) */
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5 || n != 16)
		return PDL_EINVAL;
	if (s[n] == ':') {
		int k = 0;
		if (sscanf(s + n, ":%2d%n", &se, &k) != 1 || k != 3)
			return PDL_EINVAL;
		n += k;
		has_s = 1;
	}
	const char *p = s + n;
	if (*p == '.' && has_s) {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		while (digits++ < 3)
			frac *= 10;
	}
	int64_t off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, k = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5)
			return PDL_EINVAL;
		off = (oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return PDL_EINVAL;
	}
	if (*p != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return PDL_EINVAL;
	if (y < 1970)
		return PDL_EINVAL;
	/* midnight UTC of the date = its CST midnight + the CST offset */
	struct pdl_date dt = {y, mo, d};
	int64_t days = (int64_t)((pdl_ms_of_date(dt) + PDL_CST_OFFSET_MS) / PDL_DAY_MS);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - off;
	if (secs < 0)
		return PDL_EINVAL;
	*ms = (uint64_t)secs * 1000 + (uint64_t)frac;
	return PDL_OK;
}
