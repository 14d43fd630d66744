/*
 * readtok.h — a reader's signed token: how a party proves who is asking for
 * something that is not public (a private entry over the network, a revenue
 * statement on the private HTTP listener), with its own ledger key and no
 * password to manage.
 *
 * Wire form (the HTTP `Authorization` header, or the `auth` string of an
 * NNG read request):
 *     PDL-Sig party=<party id>,time=<ms since the epoch>,sig=<base64>
 * The signature is the actor's ledger signature (the key its party record
 * holds now) over the bytes
 *     "pdl/read/v1\n" <ledger id, 64 lowercase hex> "\n" <METHOD> "\n"
 *     <target> "\n" <time_ms, decimal> "\n"
 * where the ledger id is the chain hash of the genesis entry (the ledger
 * suite's hash of its bytes), METHOD is the HTTP method ("GET") or "NNG" for pdld's socket, and
 * target is the HTTP request target (path and query exactly as sent) or the
 * NNG op name ("get", "range", …).
 *
 * Invariants:
 *  (1) A token names one ledger, one method and one target: it cannot be
 *      replayed against another ledger or to read something else.
 *  (2) A token is good for PDL_READTOK_SKEW_MS either side of its time; the
 *      reader compares with its own clock. Replaying a token inside that
 *      window repeats a read the party itself asked for, nothing more.
 *  (3) Parsing never trusts lengths: every field is bounded.
 */
#ifndef PDL_READTOK_H
#define PDL_READTOK_H

#include <stdint.h>

#include "pdl.h"
#include "suite.h"

#define PDL_READTOK_SKEW_MS (300u * 1000u) /* clocks within 5 minutes */
#define PDL_READTOK_LEN_MAX 256u           /* the header value; bounds parsing */
#define PDL_READTOK_TARGET_MAX 2048u       /* a request target we sign or check */

struct pdl_readtok {
	char party[PDL_ID_LEN_MAX + 1];
	uint64_t time_ms;
	uint8_t sig[PDL_SIG_BYTES];
};

/* Writes the signed bytes into buf (NUL-terminated); returns their length,
 * or 0 when they do not fit cap or target is too long. */
size_t pdl_readtok_message(char *buf, size_t cap, const uint8_t ledger_id[PDL_HASH_BYTES], const char *method,
                           const char *target, uint64_t time_ms);

/* Signs a token for party with its key k and writes the header value into
 * out (NUL-terminated). Errors: PDL_EINVAL (bad party id, target too long),
 * PDL_ETOOBIG (cap). */
int pdl_readtok_sign(char *out, size_t cap, const char *party, const struct pdl_seckey *k,
                     const uint8_t ledger_id[PDL_HASH_BYTES], const char *method, const char *target, uint64_t time_ms);

/* Parses a header value. Errors: PDL_EINVAL (malformed, a field missing or
 * repeated, a bad party id or signature encoding, too long). */
int pdl_readtok_parse(const char *s, size_t n, struct pdl_readtok *t) PDL_WUR;

/* Checks a parsed token against the party's current public key, this
 * ledger's id, the request and the reader's clock. Errors: PDL_EBADSIG
 * (signature), PDL_ECLOCK (time outside the window), PDL_EINVAL (target too
 * long). */
int pdl_readtok_check(const struct pdl_readtok *t, const struct pdl_pubkey *pk,
                      const uint8_t ledger_id[PDL_HASH_BYTES], const char *method, const char *target,
                      uint64_t now_ms) PDL_WUR;

#endif
