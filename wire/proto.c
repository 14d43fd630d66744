/* proto.c — the client half of proto.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "key.h"
#include "mp.h"
#include "proto.h"
#include "readtok.h"
#include "entry.h"

#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>

#define CLIENT_PATH_MAX 4096              /* a file name given on the command line */
#define TLS_PEM_BYTES_MAX (64u * 1024u)   /* a certificate chain or a key in PEM */
#define BUSY_WAIT_MS_FIRST 50u            /* first wait after PDL_EBUSY; doubles */
#define BUSY_WAIT_MS_MAX 1000u            /* longest wait between retries */
#define SEND_POLL_MS 25u                  /* a request waiting for a connection looks again at most this late */

/* Client options, set once by the CLI before any dial (proto.h). */
static struct {
	char tls_ca[CLIENT_PATH_MAX], tls_cert[CLIENT_PATH_MAX], tls_key[CLIENT_PATH_MAX];
	char reader_key[CLIENT_PATH_MAX], reader[PDL_ID_LEN_MAX + 1];
	int sk_loaded;
	struct pdl_seckey sk; /* the reader's key, loaded at the first read */
} O;

static void
wipe_reader_key(void)
{
	pdl_seckey_wipe(&O.sk);
}

/* An option's value from the flag, else the environment variable. */
static const char *
opt_or_env(const char *v, const char *env)
{
	if (v[0])
		return v;
	const char *e = getenv(env);
	return e != NULL && e[0] ? e : NULL;
}

const char *
pdl_client_tls_ca_file(void)
{
	return opt_or_env(O.tls_ca, "PDL_TLS_CA");
}

int
pdl_client_tls_args(int argc, char **argv)
{
	static const struct {
		const char *flag;
		char *dst;
		size_t cap;
	} flags[] = {
		{"--tls-ca", O.tls_ca, sizeof O.tls_ca},
		{"--tls-cert", O.tls_cert, sizeof O.tls_cert},
		{"--tls-key", O.tls_key, sizeof O.tls_key},
		{"--reader-key", O.reader_key, sizeof O.reader_key},
		{"--reader", O.reader, sizeof O.reader},
	};
	int o = 1;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		size_t f, fl = 0;
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[o++] = argv[i++];
			break;
		}
		for (f = 0; f < sizeof flags / sizeof flags[0]; f++) {
			fl = strlen(flags[f].flag);
			if (strncmp(argv[i], flags[f].flag, fl) == 0 && (argv[i][fl] == 0 || argv[i][fl] == '='))
				break;
		}
		if (f == sizeof flags / sizeof flags[0]) {
			argv[o++] = argv[i];
			continue;
		}
		if (argv[i][fl] == '=') {
			v = argv[i] + fl + 1;
		} else {
			if (i + 1 >= argc)
				return -1;
			v = argv[++i];
		}
		if (v[0] == 0 || snprintf(flags[f].dst, flags[f].cap, "%s", v) >= (int)flags[f].cap)
			return -1;
		if (flags[f].dst == O.reader && !pdl_id_valid(v, strlen(v)))
			return -1;
	}
	argv[o] = NULL;
	return o;
}

int
pdl_tls_file_read(const char *path, int secret, uint8_t **out, size_t *n, struct pdl_status *st)
{
	struct stat sb;
	uint8_t *buf = NULL;
	size_t len = 0;
	*out = NULL;
	*n = 0;
	/* O_NONBLOCK: a FIFO in its place must not hang the open */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return pdl_status_set(st, PDL_EKEY, NULL, "cannot open %s: %s", path, strerror(errno));
	int rc = PDL_OK;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = pdl_status_set(st, PDL_EKEY, NULL, "%s is not a regular file", path);
	} else if (secret && (sb.st_mode & 077)) {
		rc = pdl_status_set(st, PDL_EKEY, NULL, "TLS key %s is readable by group or others (mode %03o); run chmod 600 %s",
		                    path, (unsigned)(sb.st_mode & 0777), path);
	} else if (sb.st_size <= 0 || (uint64_t)sb.st_size > TLS_PEM_BYTES_MAX) {
		rc = pdl_status_set(st, PDL_EKEY, NULL, "%s is empty or over %u bytes", path, TLS_PEM_BYTES_MAX);
	} else if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		rc = pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	} else {
		while (len < (size_t)sb.st_size) {
			ssize_t r = read(fd, buf + len, (size_t)sb.st_size - len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			len += (size_t)r;
		}
		if (len != (size_t)sb.st_size)
			rc = pdl_status_set(st, PDL_EKEY, NULL, "cannot read %s", path);
		buf[len] = 0;
	}
	close(fd);
	if (rc != PDL_OK) {
		if (buf != NULL)
			pdl_wipe(buf, len);
		free(buf);
		return rc;
	}
	*out = buf;
	*n = len;
	return PDL_OK;
}

/* The client certificate for mutual TLS (pdld --tls-client-ca), if any. */
static int
tls_own_cert(nng_tls_config *cfg, struct pdl_status *st)
{
	const char *cert = opt_or_env(O.tls_cert, "PDL_TLS_CERT"), *key = opt_or_env(O.tls_key, "PDL_TLS_KEY");
	uint8_t *cb = NULL, *kb = NULL;
	size_t cn = 0, kn = 0;
	int rv;
	if (cert == NULL && key == NULL)
		return PDL_OK;
	if (cert == NULL || key == NULL)
		return pdl_status_set(st, PDL_EINVAL, NULL,
		                      "a client certificate needs both --tls-cert FILE and --tls-key FILE (or PDL_TLS_CERT and PDL_TLS_KEY)");
	int rc = pdl_tls_file_read(cert, 0, &cb, &cn, st);
	if (rc == PDL_OK)
		rc = pdl_tls_file_read(key, 1, &kb, &kn, st);
	if (rc == PDL_OK && (rv = nng_tls_config_own_cert(cfg, (const char *)cb, (const char *)kb, NULL)) != 0)
		rc = pdl_status_set(st, PDL_EKEY, NULL, "client certificate %s with key %s refused: %s", cert, key,
		                    nng_strerror(rv));
	if (kb != NULL)
		pdl_wipe(kb, kn);
	free(kb);
	free(cb);
	return rc;
}

static int
tls_dial(nng_socket s, const char *url, int flags, nng_dialer *d, struct pdl_status *st)
{
	const char *ca = opt_or_env(O.tls_ca, "PDL_TLS_CA");
	nng_url *u = NULL;
	nng_tls_config *cfg = NULL;
	int rv;
	if (ca == NULL || ca[0] == 0)
		return pdl_status_set(st, PDL_EINVAL, NULL,
		                      "%s needs the CA certificate that signed pdld's: --tls-ca FILE (or PDL_TLS_CA)", url);
	if ((rv = nng_url_parse(&u, url)) != 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "bad URL %s: %s", url, nng_strerror(rv));
	if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT)) != 0) {
		nng_url_free(u);
		return pdl_status_set(st, PDL_ECLOSED, NULL, "TLS is not available: %s", nng_strerror(rv));
	}
	rv = nng_tls_config_ca_file(cfg, ca);
	if (rv != 0) {
		nng_tls_config_free(cfg);
		nng_url_free(u);
		return pdl_status_set(st, PDL_EKEY, NULL, "cannot load CA certificates from %s: %s", ca, nng_strerror(rv));
	}
	int rc = tls_own_cert(cfg, st);
	if (rc != PDL_OK) {
		nng_tls_config_free(cfg);
		nng_url_free(u);
		return rc;
	}
	/* The server must prove it is HOST: never dial without the name check. */
	if ((rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) != 0 ||
	    (rv = nng_tls_config_server_name(cfg, u->u_hostname)) != 0 || (rv = nng_dialer_create(d, s, url)) != 0 ||
	    (rv = nng_dialer_set_ptr(*d, NNG_OPT_TLS_CONFIG, cfg)) != 0 || (rv = nng_dialer_start(*d, flags)) != 0) {
		nng_tls_config_free(cfg);
		nng_url_free(u);
		return pdl_status_set(st, PDL_ECLOSED, NULL, "cannot reach pdld at %s: %s", url, nng_strerror(rv));
	}
	nng_tls_config_free(cfg); /* the dialer holds its own reference */
	nng_url_free(u);
	return PDL_OK;
}

static int
dial(nng_socket s, const char *url, int flags, nng_dialer *d, struct pdl_status *st)
{
	if (strncmp(url, "tls+", 4) == 0)
		return tls_dial(s, url, flags, d, st);
	int rv = nng_dial(s, url, d, flags);
	if (rv != 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "cannot reach pdld at %s: %s", url, nng_strerror(rv));
	return PDL_OK;
}

int
pdl_dialed_start(struct pdl_dialed *k, nng_socket s, const char *url, int flags, struct pdl_status *st)
{
	memset(k, 0, sizeof *k);
	k->sock = s;
	size_t n = strlen(url);
	if (n < sizeof k->url)
		memcpy(k->url, url, n + 1);
	k->tls = strncmp(url, "tls+", 4) == 0;
	int rc = dial(s, url, flags, &k->d, st);
	k->live = rc == PDL_OK;
	return rc;
}

nng_stat *
pdl_nng_stat_endpoint(nng_stat *st, const char *kind, int id)
{
	for (; st != NULL; st = nng_stat_next(st)) {
		nng_stat *x;
		if (nng_stat_type(st) == NNG_STAT_SCOPE && strcmp(nng_stat_name(st), kind) == 0 &&
		    (x = nng_stat_find(st, "id")) != NULL && nng_stat_value(x) == (uint64_t)id)
			return st;
		if ((x = pdl_nng_stat_endpoint(nng_stat_child(st), kind, id)) != NULL)
			return x;
	}
	return NULL;
}

/* The connections of dialer d: 0 or more, -1 when NNG cannot tell; and
 * into *connects, the connections it has made (its "connect" count). */
static int
dialer_pipes(nng_dialer d, uint64_t *connects)
{
	nng_stat *all, *sc, *x;
	int n = -1;
	*connects = 0;
	if (nng_stats_get(&all) != 0)
		return -1;
	if ((sc = pdl_nng_stat_endpoint(all, "dialer", nng_dialer_id(d))) != NULL && (x = nng_stat_find(sc, "pipes")) != NULL) {
		n = (int)nng_stat_value(x);
		if ((x = nng_stat_find(sc, "connect")) != NULL)
			*connects = nng_stat_value(x);
	}
	nng_stats_free(all);
	return n;
}

void
pdl_dialed_tend(struct pdl_dialed *k)
{
	uint64_t connects = 0;
	int pipes = k->live ? dialer_pipes(k->d, &connects) : 0;
	uint64_t now = pdl_mono_ns();
	if (pipes != 0) { /* connected, or NNG cannot tell: a live connection is never cut */
		/* a new connection since the last look (the count moved) is up from now */
		if (k->up_ns == 0 || connects != k->connects)
			k->up_ns = pipes < 0 ? 1 : now; /* cannot tell: as of old */
		k->connects = connects;
		k->nopipe_ns = 0;
		return;
	}
	k->up_ns = 0;
	if (k->url[0] == 0)
		return;
	if (k->nopipe_ns == 0 || (k->live && connects != k->connects)) {
		/* none since now; or the dialer has connected since the last
		 * look, and that connection may be in its handshake: NNG 1.5.2
		 * loses a dialer closed then, with its pipe (LeakSanitizer,
		 * pdl-project's follower as pdld came back) */
		k->connects = connects;
		k->nopipe_ns = now;
		return;
	}
	if (now - k->nopipe_ns < PDL_REDIAL_MS * 1000000ull)
		return;
	/* Stopped, or still trying against a pdld that is down: a new dialer
	 * costs one connect attempt either way. */
	if (k->live)
		nng_dialer_close(k->d);
	struct pdl_status st = {0};
	k->live = dial(k->sock, k->url, NNG_FLAG_NONBLOCK, &k->d, &st) == PDL_OK;
	k->connects = 0; /* the new dialer's count */
	k->nopipe_ns = now;
}

int
pdl_dialed_settled(const struct pdl_dialed *k)
{
	return !k->tls || (k->up_ns != 0 && pdl_mono_ns() - k->up_ns >= PDL_TLS_SETTLE_MS * 1000000ull);
}

void
pdl_client_url_for_dir(const char *dir, char *out, size_t cap)
{
	/* Absolute, so the same URL works from any working directory. */
	char abs[4096];
	const char *d = realpath(dir, abs) != NULL ? abs : dir;
	snprintf(out, cap, "ipc://%s/%s", d, PDL_SOCK_FILE);
}

int
pdl_client_open(struct pdl_client *c, const char *url, struct pdl_status *st)
{
	int rv;
	memset(c, 0, sizeof *c);
	if ((rv = nng_req0_open(&c->sock)) != 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "cannot open socket: %s", nng_strerror(rv));
	c->timeout_ms = PDL_PROTO_TIMEOUT_MS;
	/* pdl_client_call resends (PDL_TLS_SETTLE_MS): REQ's own resend would
	 * send on a new connection as it opens */
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, PDL_REPLY_BYTES_MAX); /* replies are untrusted too */
	int rc = pdl_dialed_start(&c->link, c->sock, url, 0, st);
	if (rc != PDL_OK) {
		nng_close(c->sock);
		return rc;
	}
	c->open = 1;
	return PDL_OK;
}

/* Whether nng_fini runs at exit: after a failure NNG may still be tearing
 * down a dial (a refused TLS handshake, a reset connection) on its own
 * threads, and NNG 1.5.2's nng_fini then destroys a mutex one of them
 * still takes ("panic: pthread_mutex_lock: Invalid argument", abort; seen
 * in about 1 of 100 `pdl submit` runs refused for a wrong CA). */
static int fini_at_exit = 1;

static void
nng_at_exit(void)
{
	if (fini_at_exit)
		nng_fini();
}

void
pdl_client_atexit(void)
{
	atexit(nng_at_exit);
}

void
pdl_client_exit_status(int rc)
{
	fini_at_exit = rc == 0;
}

void
pdl_client_close(struct pdl_client *c)
{
	if (c->open)
		nng_close(c->sock);
	c->open = 0;
}

/* A send or receive of the client's socket, waited for in slices of
 * TEND_MS with the dialer looked after between them (pdl_dialed_tend). */
#define TEND_MS 250u

struct wake {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* on CLOCK_MONOTONIC */
	int done;
};

static void
wake_cb(void *arg)
{
	struct wake *w = arg;
	pthread_mutex_lock(&w->mu);
	w->done = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Begins op on aio (timed out after timeout_ms) and waits for its end;
 * NNG's result. */
static int
aio_run(struct pdl_client *c, nng_aio *aio, struct wake *w, void (*op)(nng_socket, nng_aio *), unsigned timeout_ms)
{
	pthread_mutex_lock(&w->mu);
	w->done = 0;
	pthread_mutex_unlock(&w->mu);
	nng_aio_set_timeout(aio, (nng_duration)timeout_ms);
	op(c->sock, aio);
	pthread_mutex_lock(&w->mu);
	while (!w->done) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)TEND_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) != ETIMEDOUT || w->done)
			continue;
		pthread_mutex_unlock(&w->mu);
		pdl_dialed_tend(&c->link);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return nng_aio_result(aio);
}

/* Sends req on a connection that takes it now, never queued for one to
 * come (PDL_TLS_SETTLE_MS); waits for one until end_ns, looking after the
 * dialer, first 1 ms, then twice as long each time up to SEND_POLL_MS.
 * Over tcp:// and ipc:// the dialer is looked at (a snapshot of NNG's
 * statistics) only when no connection took the request. NNG's result;
 * NNG_ETIMEDOUT when none took it in time. */
static int
send_now(struct pdl_client *c, const void *req, size_t n, uint64_t end_ns)
{
	unsigned wait_ms = 1;
	for (;;) {
		if (c->link.tls)
			pdl_dialed_tend(&c->link);
		if (pdl_dialed_settled(&c->link)) {
			nng_msg *m;
			int rv = nng_msg_alloc(&m, n);
			if (rv != 0)
				return rv;
			memcpy(nng_msg_body(m), req, n);
			if ((rv = nng_sendmsg(c->sock, m, NNG_FLAG_NONBLOCK)) == 0)
				return 0;
			nng_msg_free(m); /* not sent: still ours */
			if (rv != NNG_EAGAIN)
				return rv;
		}
		if (!c->link.tls)
			pdl_dialed_tend(&c->link);
		if (pdl_mono_ns() >= end_ns)
			return NNG_ETIMEDOUT;
		nng_msleep(wait_ms);
		wait_ms = wait_ms * 2 < SEND_POLL_MS ? wait_ms * 2 : SEND_POLL_MS;
	}
}

/* One request and its reply, as bytes, within the client's timeout; the
 * request is sent again when its connection closes or after
 * PDL_PROTO_RESEND_MS without a reply. */
static int
call_raw(struct pdl_client *c, const void *req, size_t n, nng_msg **rep, struct pdl_status *st)
{
	int rv;
	nng_aio *aio;
	struct wake w = {.done = 0};
	pthread_condattr_t ca;
	unsigned timeout_ms = c->timeout_ms ? c->timeout_ms : PDL_PROTO_TIMEOUT_MS;
	uint64_t end_ns = pdl_mono_ns() + timeout_ms * 1000000ull;
	if ((rv = nng_aio_alloc(&aio, wake_cb, &w)) != 0)
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	pthread_mutex_init(&w.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w.cv, &ca);
	pthread_condattr_destroy(&ca);
	int rc = PDL_OK;
	for (;;) {
		if ((rv = send_now(c, req, n, end_ns)) != 0) {
			if (rv == NNG_ENOMEM)
				rc = pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
			else if (rv == NNG_ETIMEDOUT)
				rc = pdl_status_set(st, PDL_ECLOSED, NULL,
				                    "pdld took no connection within %u ms (down, or at its --max-connections)", timeout_ms);
			else
				rc = pdl_status_set(st, PDL_ECLOSED, NULL, "send to pdld failed: %s", nng_strerror(rv));
			break;
		}
		uint64_t now = pdl_mono_ns(), left_ms = now < end_ns ? (end_ns - now + 999999u) / 1000000u : 1;
		rv = aio_run(c, aio, &w, nng_recv_aio, left_ms < PDL_PROTO_RESEND_MS ? (unsigned)left_ms : PDL_PROTO_RESEND_MS);
		if (rv == 0) {
			*rep = nng_aio_get_msg(aio);
			break;
		}
		/* its connection closed (REQ's resend off: NNG_ECONNRESET), or no
		 * reply yet: send it again while there is time */
		if ((rv == NNG_ECONNRESET || rv == NNG_ETIMEDOUT) && pdl_mono_ns() < end_ns)
			continue;
		rc = pdl_status_set(st, PDL_ECLOSED, NULL, "no reply from pdld: %s", nng_strerror(rv));
		break;
	}
	nng_aio_free(aio); /* waits for wake_cb: w outlives it */
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	return rc;
}

/* The ledger id (the suite's hash of entry 0, public) of the pdld c talks
 * to, hashed with the suite entry 0 names; the reader's key must be of
 * that suite. */
static int
ledger_id(struct pdl_client *c, struct pdl_status *st)
{
	static const uint8_t get0[] = {0x82, 0xa2, 'o', 'p', 0xa3, 'g', 'e', 't', 0xa3, 's', 'e', 'q', 0x00};
	nng_msg *m;
	if (c->have_lid)
		return PDL_OK;
	int rc = call_raw(c, get0, sizeof get0, &m, st);
	if (rc != PDL_OK)
		return rc;
	struct mp_cur r = mp_cur_make(nng_msg_body(m), nng_msg_len(m)), e;
	const uint8_t *b;
	size_t bn;
	const struct pdl_suite *suite;
	if (mp_map_find(r, "entry", &e) != PDL_OK || mp_read_bin(&e, &b, &bn) != PDL_OK) {
		nng_msg_free(m);
		return pdl_status_set(st, PDL_EPROTO, NULL, "pdld did not give its genesis entry (the ledger id for reader tokens)");
	}
	if ((rc = pdl_genesis_suite(b, bn, &suite, st)) != PDL_OK) {
		nng_msg_free(m);
		return rc;
	}
	if (O.sk_loaded && O.sk.suite != suite) {
		nng_msg_free(m);
		return pdl_key_wrong_suite(opt_or_env(O.reader_key, "PDL_READER_KEY"), &O.sk, suite, st);
	}
	const struct pdl_iov v = {b, bn};
	suite->hashv(c->lid, &v, 1);
	c->have_lid = 1;
	nng_msg_free(m);
	return PDL_OK;
}

/* Loads the reader's key once. 0: no reader identity configured. */
static int
reader_key(struct pdl_status *st, const char **id)
{
	const char *key = opt_or_env(O.reader_key, "PDL_READER_KEY");
	*id = opt_or_env(O.reader, "PDL_READER");
	if (key == NULL && *id == NULL)
		return 0;
	if (key == NULL || *id == NULL)
		return pdl_status_set(st, PDL_EINVAL, NULL,
		                      "a reader identity needs both --reader ID and --reader-key FILE (or PDL_READER and PDL_READER_KEY)");
	if (!pdl_id_valid(*id, strlen(*id)))
		return pdl_status_set(st, PDL_EINVAL, NULL, "reader id \"%s\" is not a party id", *id);
	if (!O.sk_loaded) {
		int rc = pdl_key_load(key, &O.sk, st);
		if (rc != PDL_OK)
			return rc;
		O.sk_loaded = 1;
		atexit(wipe_reader_key);
	}
	return 1;
}

/* req with an `auth` pair (a fresh reader token for its op) added, in *out;
 * *out stays empty when the request is a submit or no reader is set. */
static int
with_auth(struct pdl_client *c, const uint8_t *req, size_t n, msgpack_sbuffer *out, struct pdl_status *st)
{
	struct mp_cur r = mp_cur_make(req, n), v;
	const char *op, *id;
	size_t opn;
	uint32_t k;
	char target[33], tok[PDL_READTOK_LEN_MAX + 1];
	if (mp_map_find(r, "op", &v) != PDL_OK || mp_read_str(&v, &op, &opn) != PDL_OK || opn >= sizeof target ||
	    mp_str_eq(op, opn, "submit"))
		return PDL_OK;
	int rc = reader_key(st, &id);
	if (rc <= 0)
		return rc;
	if ((rc = ledger_id(c, st)) != PDL_OK)
		return rc;
	memcpy(target, op, opn);
	target[opn] = 0;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	if ((rc = pdl_readtok_sign(tok, sizeof tok, id, &O.sk, c->lid, "NNG", target, now)) != PDL_OK)
		return pdl_status_set(st, rc, NULL, "cannot make a reader token for %s", id);
	if (mp_read_map(&r, &k) != PDL_OK)
		return pdl_status_set(st, PDL_EPROTO, NULL, "a request is a msgpack map");
	msgpack_packer pk;
	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, k + 1);
	mp_pack_cstr(&pk, "auth");
	mp_pack_cstr(&pk, tok);
	msgpack_sbuffer_write(out, (const char *)r.p, (size_t)(req + n - r.p));
	return PDL_OK;
}

static int
is_busy(nng_msg *m)
{
	struct mp_cur r = mp_cur_make(nng_msg_body(m), nng_msg_len(m)), e;
	const char *s;
	size_t n;
	return mp_map_find(r, "error", &e) == PDL_OK && mp_read_str(&e, &s, &n) == PDL_OK && mp_str_eq(s, n, "PDL_EBUSY");
}

int
pdl_client_call(struct pdl_client *c, const void *req, size_t n, uint8_t **rep, size_t *rn, struct pdl_status *st)
{
	nng_msg *m = NULL;
	msgpack_sbuffer ar;
	msgpack_sbuffer_init(&ar);
	int rc = with_auth(c, req, n, &ar, st);
	if (rc != PDL_OK) {
		msgpack_sbuffer_destroy(&ar);
		return rc;
	}
	if (ar.size > 0) {
		req = ar.data;
		n = ar.size;
	}
	/* PDL_EBUSY: pdld refused for a limit, nothing was done; wait and ask
	 * again, for as long as a reply may take at most */
	unsigned waited = 0, wait = BUSY_WAIT_MS_FIRST;
	for (;;) {
		if ((rc = call_raw(c, req, n, &m, st)) != PDL_OK)
			break;
		if (!is_busy(m) || waited >= PDL_PROTO_TIMEOUT_MS)
			break;
		nng_msg_free(m);
		m = NULL;
		nng_msleep(wait);
		waited += wait;
		wait = wait * 2 < BUSY_WAIT_MS_MAX ? wait * 2 : BUSY_WAIT_MS_MAX;
	}
	msgpack_sbuffer_destroy(&ar);
	if (rc != PDL_OK)
		return rc;
	*rn = nng_msg_len(m);
	*rep = malloc(*rn ? *rn : 1);
	if (*rep == NULL) {
		nng_msg_free(m);
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	}
	memcpy(*rep, nng_msg_body(m), *rn);
	nng_msg_free(m);
	return PDL_OK;
}
