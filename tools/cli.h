/*
 * cli.h — what the pdl subcommands share: reading from a data directory or
 * from a pdld, printing JSON, and failing with a clear message.
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
int src_head(struct src *s, struct pdl_head *h, struct pdl_status *st);
/* The ledger id (readers.h): from entry 0, or the head reply's ledger_id. */
int src_ledger_id(struct src *s, uint8_t id[PDL_HASH_BYTES], struct pdl_status *st);
/* The ledger id for acts sent through cl: the pdld's head reply, so the
 * acts are signed for the ledger that will receive them. The data
 * directory is not opened (a submitting process holds no LMDB reader slot,
 * and a service user's 0600 data.mdb need not be readable). */
int ledger_id_for(struct pdl_client *cl, uint8_t id[PDL_HASH_BYTES], struct pdl_status *st);
/* Sends a request and returns the reply (malloc'd) after checking it is
 * not an error reply. */
int src_call(struct src *s, msgpack_sbuffer *req, uint8_t **rep, size_t *rn, struct pdl_status *st);

void out_json(json_t *j); /* prints compact JSON + newline to stdout, decrefs */
int die_status(const char *cmd, const struct pdl_status *st); /* prints to stderr; returns exit code 1 */
int usage_error(const char *cmd, const char *msg);
int parse_u64(const char *s, uint64_t *v);

int cmd_backup(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_evidence(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_settle(int argc, char **argv);
int cmd_statement(int argc, char **argv);
int cmd_token(int argc, char **argv);
int pdl_cmd_submit(int argc, char **argv);

#endif
