/*
 * fuzz_store — the readers of a data directory (readers.h) on a hostile
 * store: what `pdl get`, `export`, `proof`, `checkpoint`, `ledger-id`,
 * `verifier-key` and `verify` do with a data directory handed to them.
 *
 * Input: records (fuzz.h) that become the seven tables of one LMDB store,
 * which is emptied and refilled for every input (the environment stays
 * open). Then, from that store: the head; entries 0 … 63 (and the last one)
 * as get and export read them, each rendered as `pdl export` and `pdl get`
 * print it; the newest checkpoint, parsed and checked against the fuzz
 * ledger key; inclusion and consistency proofs for sizes taken from the
 * input and the head; the ledger id; the genesis as the engine loads it;
 * and a whole `pdl verify`.
 *
 * Checked: no memory error (the export line goes into a buffer of exactly
 * PDL_EXPORT_LINE_MAX bytes, the entry into one of its own size); an entry
 * handed out is at most PDL_ENTRY_BYTES_MAX and a note at most
 * PDL_NOTE_BYTES_MAX; the export line is the entry's base64; a proof has
 * at most PDL_MERKLE_PROOF_MAX hashes; every error sets a message.
 */
#include <unistd.h>

#include "fuzz.h"

#include "entry.h"
#include "mpjson.h"
#include "note.h"
#include "readers.h"
#include "rules.h"
#include "verify.h"

#define ENTRIES_READ 64u /* entries read per input: bounds the time of one run */

static struct pdl_store S;
static char dir[64];
static struct pdl_seckey lk; /* the ledger key the seeds' checkpoints are signed with */

static void
cleanup(void)
{
	char p[128];
	pdl_store_close(&S);
	snprintf(p, sizeof p, "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_key(FUZZ_LEDGER_SEED_BYTE, &lk);
	snprintf(dir, sizeof dir, "%s/pdl-fuzz-store-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL || pdl_store_open(&S, dir, PDL_STORE_CREATE | PDL_STORE_NOSYNC) != PDL_OK)
		abort();
	atexit(cleanup);
	return 0;
}

/* Empties the tables and writes the input's records. */
static void
load(const uint8_t *d, size_t n)
{
	MDB_dbi dbs[FUZZ_STORE_TABLES] = {S.log, S.tree, S.meta, S.nonce, S.state, S.ckpt, S.blob};
	MDB_txn *t;
	if (mdb_txn_begin(S.env, NULL, 0, &t) != 0)
		abort();
	for (unsigned i = 0; i < FUZZ_STORE_TABLES; i++)
		if (mdb_drop(t, dbs[i], 0) != 0)
			abort();
	size_t p = 0;
	while (p + 2 <= n) {
		unsigned table = d[p] & 7u, lng = d[p] & FUZZ_STORE_LONG;
		size_t kn = d[p + 1], w = lng ? 3 : 2;
		p += 2;
		if (p + kn + w > n)
			break;
		const uint8_t *k = d + p;
		p += kn;
		size_t vn = lng ? (size_t)d[p] << 16 | (size_t)d[p + 1] << 8 | d[p + 2] : (size_t)d[p] << 8 | d[p + 1];
		p += w;
		if (p + vn > n)
			break;
		MDB_val key = {kn, (void *)k}, val = {vn, (void *)(d + p)};
		p += vn;
		mdb_put(t, dbs[table % FUZZ_STORE_TABLES], &key, &val, 0); /* an empty key is refused: skip it */
	}
	if (mdb_txn_commit(t) != 0)
		abort();
}

static void
read_entry(MDB_txn *t, uint64_t seq, char *line)
{
	const uint8_t *b;
	size_t n;
	struct pdl_status st = {0};
	int rc = pdl_read_entry(t, &S, seq, &b, &n, &st);
	if (rc != PDL_OK) {
		FUZZ_ASSERT(rc < 0 && st.err == rc);
		FUZZ_ASSERT_STATUS(&st);
		return;
	}
	FUZZ_ASSERT(n <= PDL_ENTRY_BYTES_MAX && pdl_read_entry_bound(seq, n, &st) == PDL_OK);
	/* as src_get hands it on: a copy of exactly its size */
	uint8_t *e = malloc(n ? n : 1);
	if (e == NULL)
		return;
	memcpy(e, b, n);
	size_t ln = pdl_export_line(seq, e, n, line, PDL_EXPORT_LINE_MAX);
	FUZZ_ASSERT(ln > 0 && ln < PDL_EXPORT_LINE_MAX && line[ln] == 0 && line[ln - 1] == '\n');
	const char *q = strstr(line, "\"entry\":\"");
	FUZZ_ASSERT(q != NULL);
	q += 9;
	size_t bl = (size_t)(line + ln - 3 - q);
	uint8_t *back = malloc(bl + 1);
	size_t got = 0;
	FUZZ_ASSERT(back != NULL && pdl_unb64_var(q, bl, back, bl, &got) == PDL_OK && got == n && memcmp(back, e, n) == 0);
	free(back);
	json_t *j = pdl_entry_to_json(e, n); /* pdl get */
	json_decref(j);
	free(e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load(data, size);
	/* the proof sizes: the input's last 16 bytes */
	uint64_t a = 0, b = 0;
	for (size_t i = 0; i < 8 && i < size; i++)
		a = a << 8 | data[size - 1 - i];
	for (size_t i = 8; i < 16 && i < size; i++)
		b = b << 8 | data[size - 1 - i];

	MDB_txn *t;
	struct pdl_status st = {0};
	struct pdl_head h;
	if (pdl_store_rtxn(&S, &t) != PDL_OK)
		abort();
	char *line = malloc(PDL_EXPORT_LINE_MAX);
	if (line == NULL)
		abort();
	if (pdl_read_head(t, &S, &h, &st) != PDL_OK) {
		FUZZ_ASSERT_STATUS(&st);
		memset(&h, 0, sizeof h);
	}
	for (uint64_t seq = 0; seq < ENTRIES_READ; seq++)
		read_entry(t, seq, line);
	if (h.size > 0)
		read_entry(t, h.size - 1, line);
	free(line);

	/* the newest checkpoint */
	uint64_t csize;
	const char *note;
	size_t nn, bl;
	memset(&st, 0, sizeof st);
	if (pdl_read_checkpoint(t, &S, &csize, &note, &nn, &st) == PDL_OK) {
		FUZZ_ASSERT(nn <= PDL_NOTE_BYTES_MAX && csize > 0);
		char *nb = malloc(nn ? nn : 1);
		if (nb != NULL) {
			struct pdl_ckpt c;
			memcpy(nb, note, nn);
			if (pdl_note_verify(nb, nn, FUZZ_ORIGIN, &lk.pk, &bl) == PDL_OK)
				FUZZ_ASSERT(bl <= nn);
			(void)pdl_ckpt_parse(nb, nn, &c);
			free(nb);
		}
	} else {
		FUZZ_ASSERT_STATUS(&st);
	}

	/* proofs: sizes from the input, and around the head */
	uint64_t m = h.size + 1; /* 0 when the head claims 2^64 - 1 entries: then any value is in range */
	uint64_t am = m ? a % m : a, bm = m ? b % m : b;
	uint64_t pairs[][2] = {{a, b}, {am, h.size}, {0, h.size}, {h.size ? h.size - 1 : 0, h.size}, {bm, am}};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		pdl_hash proof[PDL_MERKLE_PROOF_MAX];
		uint8_t leaf[32];
		size_t pn = 0;
		memset(&st, 0, sizeof st);
		int rc = pdl_read_inclusion(t, &S, pairs[i][0], pairs[i][1], leaf, proof, &pn, &st);
		FUZZ_ASSERT(rc == PDL_OK ? pn <= PDL_MERKLE_PROOF_MAX && pairs[i][1] <= h.size : st.err == rc);
		memset(&st, 0, sizeof st);
		rc = pdl_read_consistency(t, &S, pairs[i][0], pairs[i][1], proof, &pn, &st);
		FUZZ_ASSERT(rc == PDL_OK ? pn <= PDL_MERKLE_PROOF_MAX && pairs[i][1] <= h.size : st.err == rc);
	}

	/* the ledger id and the genesis (ledger-id, verifier-key, settle) */
	uint8_t id[32];
	memset(&st, 0, sizeof st);
	if (pdl_read_ledger_id(t, &S, id, &st) != PDL_OK)
		FUZZ_ASSERT_STATUS(&st);
	struct pdl_engine e;
	pdl_engine_init(&e, &S);
	if (pdl_engine_load(&e, t) == PDL_OK && pdl_read_ledger_id(t, &S, id, &st) == PDL_OK)
		FUZZ_ASSERT(memcmp(id, e.info.ledger_id, 32) == 0);
	pdl_engine_fini(&e);
	pdl_store_rdone(&S, t);

	/* the whole of `pdl verify`, one thread */
	struct pdl_verify_result r;
	int rc = pdl_verify_store(&S, 1, 0, &r);
	FUZZ_ASSERT(rc == PDL_OK ? r.ok && r.size == h.size : !r.ok && memchr(r.what, 0, sizeof r.what) != NULL);
	return 0;
}
