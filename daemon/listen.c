/* listen.c — pdld's listeners: opened on their URLs, and watched for a
 * fault of NNG 1.5.2 (Debian 12's).
 *
 * In NNG 1.5.2 a connection whose peer is gone by the time NNG sends its
 * half of the SP handshake (EPIPE: a client that connected while pdld was
 * stopped, SIGSTOP, and gave up before it resumed) fails the listener's
 * accept with NNG_ECLOSED, which the listener takes for its own closing:
 * it never accepts again, and every later client waits forever (NNG
 * 1.5.3+ map the error to NNG_ECONNSHUT: nanomsg/nng#1518). So each
 * second pdld reads the listener's error counters (NNG's statistics:
 * "other" counts NNG_ECLOSED, "canceled" NNG_ECANCELED, the two errors
 * after which a listener stops); when one grew, it probes the listener by
 * dialing it and waiting for the pipe to reach the socket (pipe_event
 * counts every pipe NNG adds); a listener that does not answer within
 * PROBE_MS is closed and opened again on the same URL. Closing it drops
 * its connections, which clients redial (REQ resends its request).
 *
 * Not when pdld is out of descriptors: then accept fails (EMFILE, counted
 * "other") and NNG tries again 100 ms later by itself, while a probe, and
 * opening the listener again, would fail for the same reason; a hostile
 * review closed the listener for good that way, with connections that
 * never send their handshake (NNG holds each 10 s). A listener that could
 * not be opened again is tried each second until it is.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pdld.h"
#include "proto.h"

#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#define PROBE_MS 1000u /* a live listener takes a local dial within this, even busy */
#define FDS_SPARE 32u  /* descriptors free below which accept errors are the descriptors' */

struct watch {
	nng_socket sock;
	nng_listener l;
	const char *url;
	nng_tls_config *tls;
	struct pipe_tab *pt;
	int sub;             /* the socket is PUB: probe with SUB, else REQ */
	int client_certs;    /* tls+tcp:// that requires client certificates (--tls-client-ca) */
	unsigned sp_misses;  /* probes in a row whose TLS handshake was answered but made no pipe */
	uint64_t errors;     /* its "other" + "canceled" at the last look */
	int down;            /* closed, and opening it again failed: retried each second */
};

static struct watch watches[2];
static unsigned nwatches;
/* TLS listeners closed because they took handshakes and made nothing of
 * them (probe): NNG 1.5.2 never frees such a listener's connections */
static atomic_uint lost;

static int
listen_on(nng_socket s, const char *url, nng_tls_config *tls, nng_listener *l)
{
	int rv;
	if ((rv = nng_listener_create(l, s, url)) != 0)
		return rv;
	if (strncmp(url, "tls+", 4) == 0 && (rv = nng_listener_set_ptr(*l, NNG_OPT_TLS_CONFIG, tls)) != 0) {
		nng_listener_close(*l);
		return rv;
	}
	if ((rv = nng_listener_start(*l, 0)) != 0)
		nng_listener_close(*l);
	return rv;
}

int
pdld_listen(nng_socket s, const char *url, nng_tls_config *tls, struct pipe_tab *pt, int pub, int client_certs)
{
	struct watch *w = &watches[nwatches];
	if (nwatches == sizeof watches / sizeof watches[0])
		return NNG_ENOMEM; /* two listeners: REQ/REP and PUB */
	int rv = listen_on(s, url, tls, &w->l);
	if (rv != 0)
		return rv;
	w->sock = s;
	w->url = url;
	w->tls = tls;
	w->pt = pt;
	w->sub = pub;
	w->client_certs = client_certs;
	w->sp_misses = 0;
	w->errors = 0;
	nwatches++;
	return 0;
}

/* The listener's errors after which NNG 1.5.2 stops accepting. */
static uint64_t
stop_errors(const struct watch *w)
{
	nng_stat *all, *l, *x;
	uint64_t n = 0;
	if (nng_stats_get(&all) != 0)
		return w->errors;
	if ((l = pdl_nng_stat_endpoint(all, "listener", nng_listener_id(w->l))) != NULL) {
		if ((x = nng_stat_find(l, "other")) != NULL)
			n += nng_stat_value(x);
		if ((x = nng_stat_find(l, "canceled")) != NULL)
			n += nng_stat_value(x);
	}
	nng_stats_free(all);
	return n;
}

/* Pipes the probes' own sockets got: a probe is closed only once its
 * pipe is whole on both sides where it can be. NNG 1.5.2 loses a pipe (and
 * its TLS session) for good when its socket is closed in the middle of the
 * handshake, which LeakSanitizer reports at exit (t_76 under SAN). */
static atomic_uint probe_adds;

static void
probe_added(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	(void)p;
	(void)ev;
	(void)arg;
	atomic_fetch_add(&probe_adds, 1);
}

/* 1 when a tls+tcp:// listener takes a connection up: a bare TLS stream
 * without a certificate gets an answer to its handshake within PROBE_MS.
 * Asked when the SP-level probe did not get through, which it never does
 * where pdld requires client certificates (--tls-client-ca): there the
 * answer is the end of the connection, the handshake refused. Restarting
 * such a listener as dead would drop every client's connection, and
 * anyone able to open and close a TCP connection to it (the error that
 * makes pdld probe) could have that happen every second. A listener that
 * stopped accepting leaves the connection in the kernel's backlog,
 * unanswered: the wait times out. */
static int
probe_tls(const struct watch *w)
{
	nng_stream_dialer *d = NULL;
	nng_tls_config *c = NULL;
	nng_aio *aio = NULL;
	nng_stream *st = NULL;
	char b[1];
	nng_iov iov = {b, sizeof b};
	int alive = 1; /* cannot tell: leave it */
	if (nng_stream_dialer_alloc(&d, w->url) != 0 || nng_tls_config_alloc(&c, NNG_TLS_MODE_CLIENT) != 0 ||
	    nng_tls_config_auth_mode(c, NNG_TLS_AUTH_MODE_NONE) != 0 ||
	    nng_stream_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, c) != 0 || nng_aio_alloc(&aio, NULL, NULL) != 0)
		goto done;
	nng_aio_set_timeout(aio, PROBE_MS);
	nng_stream_dialer_dial(d, aio);
	nng_aio_wait(aio);
	if (nng_aio_result(aio) != 0) {
		alive = 0; /* nothing listens, or the connection was not taken */
		goto done;
	}
	st = nng_aio_get_output(aio, 0);
	nng_aio_set_iov(aio, 1, &iov);
	nng_aio_set_timeout(aio, PROBE_MS);
	nng_stream_recv(st, aio);
	nng_aio_wait(aio);
	alive = nng_aio_result(aio) != NNG_ETIMEDOUT;
done:
	if (st != NULL)
		nng_stream_free(st);
	if (aio != NULL)
		nng_aio_free(aio);
	if (d != NULL)
		nng_stream_dialer_free(d);
	if (c != NULL)
		nng_tls_config_free(c);
	return alive;
}

/* Probe sockets whose own pipe was not whole when their probe ended: NNG
 * 1.5.2 loses a pipe still in its handshake when its socket is closed
 * (LeakSanitizer in CI: a TLS handshake slower than PROBE_MS under the
 * sanitizers), so such a socket is closed only once its pipe is whole or
 * NNG's own handshake timeout (10 s) has ended it (probes_reap). */
#define PROBES_PENDING_MAX 4u
#define PROBE_LINGER_NS (11000ull * 1000000ull)
static struct pending_probe {
	int used;
	nng_socket s;
	nng_tls_config *c;
	unsigned mine;     /* probe_adds when it began */
	uint64_t until_ns; /* closed then at the latest */
} pending[PROBES_PENDING_MAX];

/* Closes the pending probes whose pipe is whole or whose time is up; the
 * number still pending. */
static unsigned
probes_reap(void)
{
	unsigned left = 0;
	uint64_t now = pdl_mono_ns();
	for (unsigned i = 0; i < PROBES_PENDING_MAX; i++) {
		struct pending_probe *p = &pending[i];
		if (!p->used)
			continue;
		if (atomic_load(&probe_adds) == p->mine && now < p->until_ns) {
			left++;
			continue;
		}
		nng_close(p->s);
		if (p->c != NULL)
			nng_tls_config_free(p->c);
		p->used = 0;
	}
	return left;
}

/* Closes probe socket s (and its TLS config c), now when its pipe is whole
 * (whole), else later (pending). */
static void
probe_close(nng_socket s, nng_tls_config *c, int whole, unsigned mine)
{
	for (unsigned i = 0; !whole && i < PROBES_PENDING_MAX; i++) {
		if (pending[i].used)
			continue;
		pending[i] = (struct pending_probe){1, s, c, mine, pdl_mono_ns() + PROBE_LINGER_NS};
		return;
	}
	nng_close(s);
	if (c != NULL)
		nng_tls_config_free(c);
}

unsigned
pdld_probes_settle(unsigned wait_ms)
{
	unsigned left = probes_reap();
	for (unsigned ms = 0; left > 0 && ms < wait_ms; ms += 50) {
		usleep(50 * 1000);
		left = probes_reap();
	}
	return left;
}

/* 1 when a dial to the listener reaches its socket within PROBE_MS (or,
 * for tls+tcp://, when probe_tls says it takes connections up). */
static int
probe(struct watch *w, const char **why)
{
	nng_socket s;
	nng_dialer d;
	nng_tls_config *c = NULL;
	unsigned before = atomic_load(&w->pt->adds), mine = atomic_load(&probe_adds);
	int alive = 0, whole = 0;
	if (probes_reap() == PROBES_PENDING_MAX)
		return 1; /* earlier probes still in their handshake: cannot tell now */
	if ((w->sub ? nng_sub0_open(&s) : nng_req0_open(&s)) != 0)
		return 1; /* cannot tell: leave it */
	nng_pipe_notify(s, NNG_PIPE_EV_ADD_POST, probe_added, NULL);
	if (nng_dialer_create(&d, s, w->url) == 0) {
		if (strncmp(w->url, "tls+", 4) == 0 && nng_tls_config_alloc(&c, NNG_TLS_MODE_CLIENT) == 0) {
			nng_tls_config_auth_mode(c, NNG_TLS_AUTH_MODE_NONE);
			nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, c);
		}
		nng_dialer_start(d, NNG_FLAG_NONBLOCK);
		for (unsigned ms = 0; ms < PROBE_MS && !whole; ms += 10) {
			usleep(10 * 1000);
			alive = atomic_load(&w->pt->adds) != before;
			whole = alive && atomic_load(&probe_adds) != mine;
		}
	}
	int tls = c != NULL;
	probe_close(s, c, whole, mine);
	int tls_alive = !alive && tls ? probe_tls(w) : -1;
	if (D.verbose)
		pdl_log(PDL_LOG_DEBUG, "listener_probed",
		        PDL_LOG_FIELDS(PDL_LF_STR("listener", w->pt->name), PDL_LF_U64("added", (uint64_t)alive),
		                       PDL_LF_U64("whole", (uint64_t)whole)),
		        "%s: listener probed: a pipe added %d, the probe's own whole %d, a TLS handshake answered %d",
		        w->pt->name, alive, whole, tls_alive);
	if (alive || tls_alive != 1) {
		w->sp_misses = 0;
		*why = "stopped accepting connections (NNG 1.5.2, after a client left during the handshake)";
		return alive;
	}
	/* The TLS handshake was answered but no pipe came of the probe. Where
	 * clients must show a certificate the probe cannot get further (it has
	 * none): alive. Elsewhere NNG 1.5.2's TLS listener has been seen to
	 * stay so for good, taking handshakes and then reading nothing more
	 * (t_126 under the sanitizers, after refused connections): dead when
	 * it is so twice in a row, so that one slow moment is not taken for it. */
	*why = "answered TLS handshakes but made no connection of them (NNG 1.5.2)";
	if (w->client_certs || ++w->sp_misses < 2)
		return 1;
	atomic_fetch_add(&lost, 1);
	return 0;
}

/* 1 when fewer than FDS_SPARE descriptors are left under RLIMIT_NOFILE. */
static int
fds_short(void)
{
	struct rlimit rl;
	DIR *d;
	uint64_t open = 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	if ((d = opendir("/proc/self/fd")) == NULL)
		return 1; /* no descriptor for the directory itself: short indeed */
	while (readdir(d) != NULL)
		open++;
	closedir(d);
	return open + FDS_SPARE >= (uint64_t)rl.rlim_cur;
}

/* Closes w's listener and opens it again; says so. */
static void
restart(struct watch *w, const char *why)
{
	if (!w->down)
		nng_listener_close(w->l);
	int rv = listen_on(w->sock, w->url, w->tls, &w->l);
	w->errors = 0; /* a new listener counts from 0 */
	w->sp_misses = 0;
	if (rv != 0 && w->down)
		return; /* still failing: said already */
	pdl_log(rv == 0 ? PDL_LOG_WARNING : PDL_LOG_ERROR, "listener_restarted",
	        PDL_LOG_FIELDS(PDL_LF_STR("listener", w->pt->name), PDL_LF_STR("url", w->url),
	                       PDL_LF_STR("error", rv == 0 ? NULL : nng_strerror(rv))),
	        "%s: the listener on %s %s: %s%s", w->pt->name, w->url, why,
	        rv == 0 ? "opened it again" : nng_strerror(rv), rv == 0 ? "" : "; trying again each second");
	w->down = rv != 0;
}

unsigned
pdld_listeners_lost(void)
{
	return atomic_load(&lost);
}

void
pdld_listeners_check(void)
{
	static uint64_t short_logged_ns;
	for (unsigned i = 0; i < nwatches; i++) {
		struct watch *w = &watches[i];
		if (w->down) {
			restart(w, "could not be opened again");
			continue;
		}
		uint64_t n = stop_errors(w);
		if (n == w->errors)
			continue;
		w->errors = n;
		if (fds_short()) {
			uint64_t now = pdl_mono_ns();
			if (now - short_logged_ns >= 10ull * 1000000000ull || short_logged_ns == 0) {
				short_logged_ns = now;
				pdl_log(PDL_LOG_WARNING, "descriptors_short", PDL_LOG_FIELDS(PDL_LF_STR("listener", w->pt->name)),
				        "%s: out of file descriptors (RLIMIT_NOFILE): connections are accepted again as "
				        "they free up (connections that never finish their handshake hold one each for 10 s)",
				        w->pt->name);
			}
			continue;
		}
		const char *why = NULL;
		if (!probe(w, &why))
			restart(w, why);
	}
}
