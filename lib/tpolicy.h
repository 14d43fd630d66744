/*
 * tpolicy.h — C2SP transparency-log trust policies (c2sp.org/tlog-policy):
 * which logs, which witnesses, and the quorum of witness cosignatures a
 * checkpoint needs. pdld reads one (--witness-policy) to know whom to ask
 * for cosignatures and when a checkpoint may be published; `pdl witness
 * serve` reads the `log` lines of one (--logs) to know which logs it
 * witnesses.
 *
 *   log <vkey> [<url>]
 *   witness <name> <vkey> [<url>]
 *   group <name> all|any|<k> <name>...
 *   quorum <name>|none
 *
 * Lines end in "\n"; items are separated by spaces and tabs only; empty
 * lines and lines whose first non-blank character is '#' are ignored. A
 * group or the quorum names only witnesses and groups defined on earlier
 * lines; each name once per group; `none` is predefined and no member.
 * Witnesses and groups share one name space. Two logs, or two witnesses,
 * with the same public key are duplicates and refused.
 *
 * The parser checks structure, names and vkeys (any signature type, so a
 * refusal can name it); which types a caller accepts is the caller's call.
 *
 * Invariants:
 *  (1) after pdl_tpolicy_parse returns PDL_OK, every group member and the
 *      quorum refer to a witness or to an earlier group, so
 *      pdl_tpolicy_quorum_met evaluates groups in definition order with no
 *      recursion and no cycle;
 *  (2) every name is 1..PDL_TPOLICY_NAME_MAX octets without whitespace,
 *      every count is within its limit below.
 */
#ifndef PDL_TPOLICY_H
#define PDL_TPOLICY_H

#include "tlog.h"
#include "util.h"

/* tlog-policy recommends supporting at least 32 of each; a public witness
 * may follow many more logs than a policy for verifiers lists. */
#define PDL_TPOLICY_LOGS_MAX 256u
#define PDL_TPOLICY_WITNESSES_MAX 32u
#define PDL_TPOLICY_GROUPS_MAX 32u
#define PDL_TPOLICY_MEMBERS_MAX (PDL_TPOLICY_WITNESSES_MAX + PDL_TPOLICY_GROUPS_MAX) /* each name once */
#define PDL_TPOLICY_NAME_MAX PDL_TLOG_NAME_MAX
#define PDL_TPOLICY_URL_MAX 1024u
#define PDL_TPOLICY_LINE_MAX 4096u  /* a vkey of an ML-DSA key, a name and a URL */
#define PDL_TPOLICY_BYTES_MAX (1024u * 1024u)

/* A quorum or member reference: a witness index, a group index plus
 * PDL_TPOLICY_GROUP_BASE, or PDL_TPOLICY_NONE. */
#define PDL_TPOLICY_GROUP_BASE 0x1000
#define PDL_TPOLICY_NONE (-1)

enum pdl_tpolicy_mode {
	PDL_TPOLICY_FULL,      /* a whole policy: exactly one quorum line */
	PDL_TPOLICY_LOGS_ONLY, /* `log` lines only (a witness's list of logs): no quorum line */
};

struct pdl_tpolicy_log {
	struct pdl_vkey key;
	char url[PDL_TPOLICY_URL_MAX + 1]; /* "" when none */
	unsigned line;
};

struct pdl_tpolicy_witness {
	char name[PDL_TPOLICY_NAME_MAX + 1];
	struct pdl_vkey key;
	char url[PDL_TPOLICY_URL_MAX + 1];
	unsigned line;
};

struct pdl_tpolicy_group {
	char name[PDL_TPOLICY_NAME_MAX + 1];
	unsigned k, n;
	int member[PDL_TPOLICY_MEMBERS_MAX];
};

struct pdl_tpolicy {
	unsigned nlogs, nwitnesses, ngroups;
	struct pdl_tpolicy_log log[PDL_TPOLICY_LOGS_MAX];
	struct pdl_tpolicy_witness witness[PDL_TPOLICY_WITNESSES_MAX];
	struct pdl_tpolicy_group group[PDL_TPOLICY_GROUPS_MAX];
	int quorum; /* a reference (above); PDL_TPOLICY_NONE for `quorum none` or no quorum line */
};

/* Parses a policy file's bytes. On an error st says what is wrong and on
 * which line. Errors: PDL_EINVAL. p is large (about 400 KiB): allocate it. */
int pdl_tpolicy_parse(const char *text, size_t n, enum pdl_tpolicy_mode mode, struct pdl_tpolicy *p,
                     struct pdl_status *st);

/* 1 when witnesses whose cosigned[i] is non-zero (i < nwitnesses) meet the
 * quorum (always with `quorum none`), else 0. */
int pdl_tpolicy_quorum_met(const struct pdl_tpolicy *p, const unsigned char *cosigned);

/* The name of a reference, for messages. */
const char *pdl_tpolicy_ref_name(const struct pdl_tpolicy *p, int ref);

#endif
