/*
 * pdl — the command-line tool: keys, genesis, submitting acts, reads,
 * proofs, offline verification and export. This file is the command table
 * and main; each command is one file, cmd_<name>.c, and what they share is
 * cli.h.
 *
 * Output contract: machine-readable JSON on stdout (one object per line
 * where there are several), errors on stderr, non-zero exit on failure.
 * The auditor-facing commands (verifier-key, checkpoint, get --raw, proof,
 * verify) are pinned: see spec/formats.md.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "crypto.h"
#include "version.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{"init", cmd_init, "create a ledger: keys, genesis, first checkpoint"},
	{"keygen", cmd_keygen, "write a new secret key file"},
	{"submit", pdl_cmd_submit, "sign and submit acts; one receipt line each"},
	{"sign", cmd_sign, "sign acts for one ledger without sending them"},
	{"get", cmd_get, "print an entry (JSON, or --raw leaf bytes)"},
	{"checkpoint", cmd_checkpoint, "print the published checkpoint (with its witnesses' cosignatures)"},
	{"verifier-key", cmd_verifier_key, "print the checkpoint verifier key"},
	{"ledger-id", cmd_ledger_id, "print the ledger id every act signature names"},
	{"proof", cmd_proof, "inclusion or consistency proof (RFC 9162)"},
	{"verify", cmd_verify, "verify the whole ledger offline"},
	{"export", cmd_export, "write entries as JSON lines"},
	{"mirror", cmd_mirror, "keep a verifying copy of a ledger, from its tiles or its pdld"},
	{"tiles", cmd_tiles, "write the ledger as C2SP tlog-tiles for any web server or CDN"},
	{"backup", cmd_backup, "hot-copy the ledger, compacted, into a new directory"},
	{"acts", cmd_acts, "list the act catalogue"},
	{"clock", cmd_clock, "set the test clock of a pdld --test-clock"},
	{"code", cmd_code, "check a registration code or a USCC; confirm who assigned a code, when"},
	{"show", cmd_show, "a party, resource, registration, grant or product: its state and entries"},
	{"evidence", cmd_evidence, "deposit a file's digest; prove and check its existence"},
	{"settle", cmd_settle, "preview (--dry-run) or run a product's settlement for a period"},
	{"report", cmd_report, "the annual disclosure report (from a disclosure view)"},
	{"statement", cmd_statement, "a party's settlement lines for a period (JSON or --csv)"},
	{"token", cmd_token, "a read token for pdl-project's private listener (Authorization header)"},
	{"cosign", cmd_cosign, "an auditor's checkpoint.cosign act for a checkpoint (C2SP cosignature)"},
	{"witness", cmd_witness, "a C2SP witness for any log: keygen, serve (tlog-witness add-checkpoint)"},
	{"bench", cmd_bench, "measure signed acts/s against the machine's bounds"},
	{"bench-client", cmd_bench_client, "measure pdl submit itself, and four of them against pdld"},
	{"bench-scale", cmd_bench_scale, "proof times and the verify bound, for make bench-scale"},
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: pdl COMMAND [options]   (pdl COMMAND --help for each)\n"
	           "       pdl --version\n\n"
	           "pdl, the public data ledger: signed, hash-chained, Merkle-tree-backed.\n\n");
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(f, "  %-14s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nClient options, for every command that talks to a pdld:\n"
	           "  --tls-ca FILE        the CA of pdld's certificate, for --ledger tls+tcp://HOST:PORT (or PDL_TLS_CA)\n"
	           "  --tls-cert FILE      a client certificate, when pdld requires one (--tls-client-ca)\n"
	           "  --tls-key FILE       its key, mode 0600 (or PDL_TLS_CERT and PDL_TLS_KEY)\n"
	           "  --reader ID          read as party ID (or PDL_READER): private entries on a network\n"
	           "                       listener go only to the parties entitled to them\n"
	           "  --reader-key FILE    that party's key, mode 0600 (or PDL_READER_KEY)\n");
}

int
main(int argc, char **argv)
{
	if (pdl_crypto_init() != PDL_OK) {
		fprintf(stderr, "pdl: libsodium failed to initialise\n");
		return 1;
	}
	pdl_client_atexit();
	/* --tls-ca, --tls-cert, --tls-key, --reader, --reader-key: for any command talking to a pdld */
	if ((argc = pdl_client_tls_args(argc, argv)) < 0) {
		fprintf(stderr, "pdl: --tls-ca, --tls-cert, --tls-key and --reader-key need a FILE, --reader a party ID\n");
		return 2;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		pdl_version_print(stdout, "pdl");
		return 0;
	}
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0) {
			int rc = cmds[i].fn(argc - 1, argv + 1);
			pdl_client_exit_status(rc);
			return rc;
		}
	fprintf(stderr, "pdl: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
