/*
 * pdl.h — things every pdl module shares: the error enum, the global limits,
 * the roles, and small fixed-size types.
 *
 * Invariants:
 *  (1) PDL_OK is 0 and every other error is negative; names and numbers are
 *      stable (clients and scripts see the names; spec/formats.md lists them).
 *  (2) Every limit here bounds an input that comes from outside; none of them
 *      may grow without revisiting the decoders that rely on it.
 */
#ifndef PDL_H
#define PDL_H

#include <stddef.h>
#include <stdint.h>

#define PDL_WUR __attribute__((warn_unused_result))

enum pdl_err {
	PDL_OK = 0,
	PDL_EINVAL = -1,     /* bad argument or malformed input */
	PDL_EDECODE = -2,    /* malformed msgpack / JSON */
	PDL_ETOOBIG = -3,    /* input over its named limit */
	PDL_EFIELD = -4,     /* unknown, missing, duplicate or mistyped field */
	PDL_EBADSIG = -5,    /* signature does not verify */
	PDL_EACTOR = -6,     /* actor unknown */
	PDL_ESUSPENDED = -7, /* actor suspended */
	PDL_EROLE = -8,      /* actor lacks the role the act needs */
	PDL_ENONCE = -9,     /* (actor, nonce) already used by another act */
	PDL_ERULE = -10,     /* a rule of DESIGN §5 refused the act */
	PDL_EGENESIS = -11,  /* genesis missing, or a second genesis */
	PDL_ETYPE = -12,     /* unknown act type */
	PDL_ECHAIN = -13,    /* chain link broken */
	PDL_EMERKLE = -14,   /* Merkle root/proof mismatch */
	PDL_ESTORE = -15,    /* LMDB error */
	PDL_ENOTFOUND = -16, /* no such entry / record */
	PDL_EIO = -17,       /* file system error */
	PDL_EKEY = -18,      /* key file missing, malformed or unsafe mode */
	PDL_ENOMEM = -19,
	PDL_EPROTO = -20,    /* bad request on the wire */
	PDL_ECLOSED = -21,   /* daemon shutting down / not reachable */
	PDL_EMAPFULL = -22,  /* LMDB map full and could not grow */
	PDL_ENOTE = -23,     /* malformed signed note / checkpoint */
	PDL_ECLOCK = -24,    /* test clock refused */
	PDL_EVERSION = -25,  /* unsupported act version */
	PDL_EPRIVATE = -26,  /* entry private to its parties; the reader is not one of them */
	PDL_EBUSY = -27,     /* pdld over a limit (replies queued, submits in flight): retry */
	PDL_ESTATE = -28,    /* stored state differs from what the rules derive from the log (verify --replay) */
};

const char *pdl_strerror(int err);  /* "PDL_EBADSIG" */
/* The error named name (n bytes, a pdl_strerror name, as replies carry
 * them); PDL_EPROTO for a name that is no error (PDL_OK included). */
int pdl_err_parse(const char *name, size_t n);
const char *pdl_errmsg(int err);    /* "signature does not verify" */

/* Assertions (spec/architecture.md, "Assertions"). assert() states what a
 * programmer guarantees; it is on in every build the Makefile makes (none
 * defines NDEBUG). PDL_INVARIANT states an invariant of data about to
 * become durable or signed (a store append, an entry, a checkpoint, a
 * batch's commit): NDEBUG does not remove it, because stopping before the
 * commit loses nothing (LMDB discards the transaction) while committing
 * would sign a wrong log for good. Neither is for untrusted input. */
_Noreturn void pdl_invariant_fail(const char *cond, const char *file, int line, const char *func);
#define PDL_INVARIANT(cond) ((cond) ? (void)0 : pdl_invariant_fail(#cond, __FILE__, __LINE__, __func__))

/* Limits. */
/* Every entry must fit a C2SP tlog-tiles entry bundle, whose entries are
 * uint16-length-prefixed: at most 65,535 bytes (DESIGN §4). An entry is
 * the act, its signature and the outcome in a msgpack array with seq, time
 * and prev: at most PDL_ENTRY_FRAME_BYTES besides the act and outcome
 * (array 1, seq 9, time 9, prev 2+32, act bin16 header 3, sig 2+64). The
 * act limit is what a client controls, so it is set for the worst case:
 * 49,152 + 15,360 + 122 = 64,634 <= 65,535 for every entry (asserted
 * below), and an act over it is refused at submit (PDL_ETOOBIG). */
#define PDL_ACT_BYTES_MAX (48u * 1024u)  /* DESIGN §4: bounds decode and memory; fits a tile bundle */
#define PDL_OUT_BYTES_MAX (15u * 1024u)  /* the outcome map of one entry (families bound theirs) */
#define PDL_ENTRY_FRAME_BYTES 122u
#define PDL_ENTRY_BYTES_MAX 65535u       /* C2SP tlog-tiles: uint16 length prefix */
_Static_assert(PDL_ACT_BYTES_MAX + PDL_OUT_BYTES_MAX + PDL_ENTRY_FRAME_BYTES <= PDL_ENTRY_BYTES_MAX,
               "an entry of the largest act and outcome must fit a tile bundle");
#define PDL_ID_LEN_MAX 64u               /* ACTS.md: ids are 1–64 chars */
#define PDL_REQ_ACTS_MAX 4096u           /* acts in one submit request */
#define PDL_REQ_BYTES_MAX (PDL_REQ_ACTS_MAX * 1024u + PDL_ACT_BYTES_MAX * 4u) /* NNG recv max */
#define PDL_RANGE_MAX 1024u              /* entries in one range reply */
/* The largest reply a client accepts from pdld: a range reply of
 * PDL_RANGE_MAX entries of PDL_ENTRY_BYTES_MAX bytes with their framing (a
 * submit reply of PDL_REQ_ACTS_MAX receipts, each with an outcome of at most
 * 16 KiB, is smaller). A hostile server cannot make a client allocate more. */
#define PDL_REPLY_BYTES_MAX (PDL_RANGE_MAX * (PDL_ENTRY_BYTES_MAX + 16u) + 4096u)
#define PDL_ORIGIN_LEN_MAX 200u
#define PDL_RULE_LEN_MAX 64u
#define PDL_MSG_LEN_MAX 512u /* room for every field error of an act (mp.h) */

/* Every crypto suite's digest and signature size (crypto/suite.h asserts
 * them): the chain and Merkle hashes, the ledger id, act hashes and key
 * IDs are PDL_HASH_BYTES; act, checkpoint and cosignature signatures
 * PDL_SIG_BYTES (Ed25519; SM2's raw r ‖ s). Public keys differ by suite
 * (suite.h: pk_bytes, at most PDL_PK_BYTES_MAX). */
#define PDL_HASH_BYTES 32u
#define PDL_SIG_BYTES 64u

/* The files of a data directory (beside LMDB's data.mdb and lock.mdb). */
#define PDL_LEDGER_KEY_FILE "ledger.key"
#define PDL_AUTHORITY_KEY_FILE "authority.key"
#define PDL_SOCK_FILE "pdl.sock"
#define PDL_PUB_FILE "pdl.pub"
#define PDL_PID_FILE "pdld.pid"

/* Roles, as a bit set. */
enum pdl_role {
	PDL_ROLE_AUTHORITY = 1u << 0,
	PDL_ROLE_REGISTRAR = 1u << 1,
	PDL_ROLE_PROVIDER = 1u << 2,
	PDL_ROLE_OPERATOR = 1u << 3,
	PDL_ROLE_DEVELOPER = 1u << 4,
	PDL_ROLE_AUDITOR = 1u << 5,
	PDL_ROLE_ANY = 0x3fu,
};
int pdl_role_parse(const char *s, size_t n, uint32_t *out); /* PDL_OK / PDL_EINVAL */
const char *pdl_role_name(uint32_t one_role);

/* Signing domain of an act (DESIGN §4, spec/formats.md §1.6): a signature
 * covers PDL_ACT_SIG_PREFIX ‖ ledger id (32 bytes) ‖ act bytes, so an act
 * signed for one ledger is refused by every other (entry.h). */
#define PDL_ACT_SIG_PREFIX "pdl/act/v2\n"
#define PDL_ACT_SIG_HEAD_BYTES (sizeof PDL_ACT_SIG_PREFIX - 1u + PDL_HASH_BYTES)

#endif
