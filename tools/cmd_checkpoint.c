/*
 * cmd_checkpoint.c — pdl checkpoint: the published checkpoint (ckpt.h's
 * pdl_ckpt_published) exactly as stored, or (--size N) any stored one,
 * which an auditor needs to check a consistency proof from an old tree
 * head; --list names the stored sizes.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "readers.h"

static const char checkpoint_help[] =
	"usage: pdl checkpoint (--data DIR | --ledger URL) [--size N]\n"
	"       pdl checkpoint --list --data DIR\n\n"
	"Prints a signed checkpoint exactly as stored: the C2SP tlog-checkpoint body, a blank\n"
	"line and the signature lines. Without --size, the published one: without a witness\n"
	"policy the newest checkpoint the ledger signed; under pdld --witness-policy the newest\n"
	"one whose witness cosignatures met the quorum, with them (cosignature/v1 lines after\n"
	"the ledger's). With --size N, the one stored at tree size N, with the cosignatures\n"
	"kept for it if any (pdld stores every checkpoint it signs), e.g. the old head a\n"
	"consistency proof starts from (pdl proof consistency N NEW). A size with no stored\n"
	"checkpoint is PDL_ENOTFOUND, naming the stored sizes nearest it.\n"
	"--list prints the stored sizes, one JSON line {\"size\":N} each, oldest first.\n";

static int
print_size(void *arg, uint64_t size)
{
	(void)arg;
	printf("{\"size\":%llu}\n", (unsigned long long)size);
	return 0;
}

static int
list_sizes(const char *dir)
{
	struct src s;
	struct pdl_status st = {0};
	MDB_txn *t;
	if (src_open(&s, dir, NULL, &st) != PDL_OK)
		return src_fail(&s, "checkpoint", &st);
	int rc = pdl_store_rtxn(&s.store, &t);
	if (rc != PDL_OK) {
		pdl_status_set(&st, rc, NULL, "cannot read the ledger");
		return src_fail(&s, "checkpoint", &st);
	}
	rc = pdl_read_checkpoint_sizes(t, &s.store, print_size, NULL, &st);
	pdl_store_rdone(&s.store, t);
	if (rc != PDL_OK)
		return src_fail(&s, "checkpoint", &st);
	src_close(&s);
	return 0;
}

int
cmd_checkpoint(int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTS, {"size", required_argument, NULL, 's'},
	                                     {"list", no_argument, NULL, 'l'}, {0}};
	const char *dir = NULL, *ledger = NULL;
	uint64_t size = 0;
	int ch, have_size = 0, list = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'L': ledger = optarg; break;
		case 's':
			if (pdl_u64_parse(optarg, &size) != PDL_OK || size == 0)
				return usage_error("checkpoint", "--size is a tree size, 1 or more");
			have_size = 1;
			break;
		case 'l': list = 1; break;
		case 'h': fputs(checkpoint_help, stdout); return 0;
		default: return usage_error("checkpoint", "unknown option");
		}
	}
	if (optind != argc)
		return usage_error("checkpoint", "checkpoint takes no operands (the size is --size N)");
	if (list) {
		if (dir == NULL || ledger != NULL || have_size)
			return usage_error("checkpoint", "--list reads --data DIR and takes no --size");
		return list_sizes(dir);
	}
	struct src s;
	struct pdl_status st = {0};
	char *note;
	size_t n;
	if (src_open(&s, dir, ledger, &st) != PDL_OK)
		return src_fail(&s, "checkpoint", &st);
	int rc = have_size ? src_checkpoint_at(&s, size, &note, &n, &st) : src_checkpoint(&s, &note, &n, &st);
	if (rc != PDL_OK)
		return src_fail(&s, "checkpoint", &st);
	fwrite(note, 1, n, stdout);
	free(note);
	src_close(&s);
	return 0;
}
