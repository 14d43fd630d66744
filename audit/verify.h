/*
 * verify.h — offline verification of a whole ledger: what an auditor runs.
 *
 * From one read snapshot it re-derives, entry by entry: the key order
 * (no gaps), each entry's shape and seq, non-decreasing time, the chain
 * link, the stored Merkle nodes (every complete subtree), every act
 * signature with the key its actor held at that point in the log, under
 * this ledger's id (the hash of entry 0; genesis under zeros), and the
 * root and chain hash of every stored checkpoint together with the
 * checkpoint's signature by the ledger key named in genesis.
 * It reports the first bad seq: entry n's own checks come before its link
 * to n-1, so a changed entry is named, not its successor.
 */
#ifndef PDL_VERIFY_H
#define PDL_VERIFY_H

#include "progress.h"
#include "store.h"
#include "util.h"

struct pdl_verify_result {
	int ok;
	uint64_t size;          /* entries checked */
	uint64_t signatures;    /* act signatures verified */
	uint64_t checkpoints;   /* stored checkpoints checked */
	uint64_t ckpt_size;     /* largest checkpoint size */
	uint8_t root[PDL_HASH_BYTES];
	uint8_t chain[PDL_HASH_BYTES];
	int has_bad_seq;
	uint64_t bad_seq;
	int err;                /* PDL_ECHAIN, PDL_EBADSIG, PDL_EMERKLE, PDL_ESTATE … */
	char what[PDL_MSG_LEN_MAX + 256];
	char bad_key[300];      /* PDL_ESTATE: the first state record that differs (printable) */
};

/* threads: signature verifiers (0: all cores). prog: told each entry
 * checked, its total set to the log's size (NULL: nothing told).
 * Returns PDL_OK when the ledger verifies; otherwise r says where and why. */
PDL_WUR int pdl_verify_store(struct pdl_store *s, unsigned threads, struct pdl_progress *prog,
                             struct pdl_verify_result *r);

#endif
