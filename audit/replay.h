/*
 * replay.h — `pdl verify --replay`: re-decide every act.
 *
 * Runs every entry of a ledger, from genesis, through the rules engine on a
 * scratch ledger, at the entry's own time, and checks that (1) each act is
 * accepted again, (2) the entry it produces is byte-for-byte the stored
 * entry (so the same outcome: codes, deadlines, settlement lines), and
 * (3) the state table it ends with equals the stored state table. An
 * auditor thus checks that the ledger's decisions followed the rules, not
 * only that its bytes are intact. A state difference is reported with the
 * seq of the last act that wrote that record.
 */
#ifndef PDL_REPLAY_H
#define PDL_REPLAY_H

#include "verify.h"

/* scratch_dir: an empty directory to build the scratch ledger in (removed
 * files are the caller's business). prog: told each entry replayed (NULL:
 * nothing told). A state difference is PDL_ESTATE, with r->bad_key the
 * first differing record (in key order) and r->bad_seq, when known, the
 * last act that wrote it. */
PDL_WUR int pdl_replay_store(struct pdl_store *src, const char *scratch_dir, struct pdl_progress *prog,
                             struct pdl_verify_result *r);

#endif
