/*
 * cli.h — what the pdl subcommands share (cli.c): reading from a data
 * directory or from a pdld, options, printing JSON, and failing with a
 * clear message. Each command is one file, cmd_<name>.c; pdl.c holds the
 * command table. Adding a command: its file and one row there.
 */
#ifndef PDL_CLI_H
#define PDL_CLI_H

#include <jansson.h>

#include "proto.h"
#include "rules.h"
#include "store.h"

/* Where reads come from: the data directory directly (read-only, safe
 * while pdld runs) or a pdld over REQ/REP. */
struct src {
	int local;
	struct pdl_store store;
	struct pdl_client cl;
};

int src_open(struct src *s, const char *data, const char *ledger, struct pdl_status *st);
void src_close(struct src *s);
/* *b is malloc'd; caller frees. */
int src_get(struct src *s, uint64_t seq, uint8_t **b, size_t *n, struct pdl_status *st);
int src_checkpoint(struct src *s, char **note, size_t *n, struct pdl_status *st);
/* The checkpoint stored at size (readers.h); *note malloc'd, NUL-terminated. */
int src_checkpoint_at(struct src *s, uint64_t size, char **note, size_t *n, struct pdl_status *st);
int src_head(struct src *s, struct pdl_head *h, struct pdl_status *st);
/* Names the ledger's crypto suite as this process's (suite.h): from the
 * genesis (readers.h: pdl_read_suite), or the head reply's suite. src_open
 * does it for --data; a command that hashes over --ledger calls it. */
int src_suite(struct src *s, struct pdl_status *st);
/* The ledger id (readers.h): from entry 0, or the head reply's ledger_id;
 * names the ledger's suite too (src_suite). */
int src_ledger_id(struct src *s, uint8_t id[PDL_HASH_BYTES], struct pdl_status *st);
/* The ledger id for acts sent through cl: the pdld's head reply, so the
 * acts are signed for the ledger that will receive them. The data
 * directory is not opened (a submitting process holds no LMDB reader slot,
 * and a service user's 0600 data.mdb need not be readable). */
int ledger_id_for(struct pdl_client *cl, uint8_t id[PDL_HASH_BYTES], struct pdl_status *st);
/* Sends a request and returns the reply (malloc'd) after checking it is
 * not an error reply. */
int src_call(struct src *s, msgpack_sbuffer *req, uint8_t **rep, size_t *rn, struct pdl_status *st);

/* Every entry from seq `from` on, in order, to fn(arg, seq, bytes, n)
 * until it returns non-zero: from a data directory in one read
 * transaction, or from a pdld by range reads. Bytes are bounded as every
 * reader bounds them (readers.h) and valid only during the call. An entry
 * pdld withholds from this reader (a private one on a network listener)
 * is skipped and counted in *withheld. Errors: those of the reads. */
typedef int (*src_scan_fn)(void *arg, uint64_t seq, const uint8_t *b, size_t n);
int src_scan(struct src *s, uint64_t from, src_scan_fn fn, void *arg, uint64_t *withheld, struct pdl_status *st);

/* Request {op, …extra more pairs} into a new sb (the caller packs the
 * extra pairs with pk and destroys sb). */
/* die_status for a command that has called src_open (successfully or not):
 * closes the source first, so no error path leaves the LMDB env behind. */
int src_fail(struct src *s, const char *cmd, const struct pdl_status *st);

void out_json(json_t *j); /* prints compact JSON + newline to stdout, decrefs */
int die_status(const char *cmd, const struct pdl_status *st); /* prints to stderr; returns exit code 1 */
int usage_error(const char *cmd, const char *msg);
/* --ledger-id HEX: 64 lowercase hex digits. */
int parse_ledger_id(const char *hex, uint8_t id[PDL_HASH_BYTES]);
/* WHEN: ms since the epoch, or ISO 8601 YYYY-MM-DDTHH:MM[:SS[.mmm]](Z|±HH:MM). */
int parse_when(const char *s, uint64_t *ms);

/* The getopt_long options every command that reads a ledger takes. */
#define COMMON_OPTS                                                                                              \
	{"data", required_argument, NULL, 'd'}, {"ledger", required_argument, NULL, 'L'},                          \
	    {"help", no_argument, NULL, 'h'}
/* 1 when argv asks for --help (or -h). */
int want_help(int argc, char **argv);
/* Parses exactly --data DIR, --ledger URL and --help for commands that
 * take nothing else. Returns -1 to go on, or the exit code to return. */
int src_opts(int argc, char **argv, const char *cmd, const char *help, const char **dir, const char **ledger);

/* The commands (pdl.c's table), one file each: cmd_<name>.c. */
int cmd_acts(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_bench_client(int argc, char **argv);
int cmd_bench_scale(int argc, char **argv);
/* The suite's signature verifications/s on `threads` threads for 1.5 s
 * (bench.c), by the library's own call (libsodium's, OpenSSL's): the bound
 * the benches judge against. bound_check: the same through pdl_verify,
 * the call pdld makes (for Ed25519, a known key's table: faster). */
double bound_verify(unsigned threads);
double bound_check(unsigned threads);
int cmd_checkpoint(int argc, char **argv);
int cmd_clock(int argc, char **argv);
int cmd_code(int argc, char **argv);
int cmd_cosign(int argc, char **argv);
int cmd_evidence(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_mirror(int argc, char **argv);
int cmd_ledger_id(int argc, char **argv);
int cmd_proof(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_settle(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_statement(int argc, char **argv);
int cmd_tiles(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_verifier_key(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_witness(int argc, char **argv);
int pdl_cmd_submit(int argc, char **argv);

#endif
