/* hsrv.c — see hsrv.h for why and for the invariants.
 *
 * A connection's life: accepted (nonblocking, TCP_NODELAY), put in the
 * table and in the epoll set one-shot for input. The thread told it is
 * readable reads once, answers every whole request in its buffer (they
 * are appended to its output buffer), sends that, and re-arms it: for
 * input, or for output when the client is slow to take the answer (the
 * rest is sent when it is writable, before anything more is read). EOF,
 * an error, a refused request or "Connection: close" ends it.
 */
#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http1.h"
#include "hsrv.h"

#define HSRV_BUSY_BODY                                                                                                 \
	"{\"error\":\"busy\",\"message\":\"every connection of this server has a request under way: retry in a moment\"}"
#define PDL_HSRV_SLOTS (PDL_HSRV_CONNS_MAX + PDL_HSRV_EVICT_SPARE)
#define PDL_HSRV_FIRST_MS 5000u    /* a new connection's first byte: a client that connects asks at once;
                                      one that does not holds a slot and a descriptor for nothing */
#define PDL_HSRV_IDLE_MS 30000u    /* a kept-alive connection waits this long for its next request */
#define PDL_HSRV_REQ_MS 10000u     /* from a request's first byte to the end of its head (slow senders) */
#define PDL_HSRV_SEND_MS 10000u    /* a slow reader must take some of its answer this often */
#define PDL_HSRV_SWEEP_MS 1000u    /* how often deadlines are checked */
#define PDL_HSRV_LINGER_MS 2000u   /* after a last answer, unread input is drained this long (see linger) */
#define PDL_HSRV_LINGER_BYTES (1024u * 1024u) /* and at most this much of it */
#define PDL_HSRV_OUT_KEEP (256u * 1024u) /* answers pipelined before a send; output kept between answers */
#define PDL_HSRV_OUT_MAX ((size_t)128 << 20) /* answers held for clients, a server's all (see out_answer) */
#define PDL_HSRV_OUT_SMALL (64u * 1024u)     /* an answer never refused for that memory */
#define HSRV_FULL_BODY                                                                                                 \
	"{\"error\":\"busy\",\"message\":\"answers waiting for slow clients hold this server's memory: retry in a " \
	"moment\"}"
#define PDL_HSRV_HOST_MAX 255u     /* a longer Host is passed as absent (page.h uses it for links) */
#define PDL_HSRV_AUTH_MAX 511u     /* a longer Authorization is cut here (readtok.h refuses it as too long) */
#define PDL_HSRV_BACKLOG 1024
#define PDL_HSRV_SNDBUF (256u * 1024u) /* a socket's send buffer: fixed, so a client that does not read
                                          meets EAGAIN after this much, not after MBs of autotuned buffer */

/* The connections a server keeps (pdl_hsrv_conns_max): set once, before
 * the servers start. */
static unsigned conns_limit = PDL_HSRV_CONNS_MAX;

void
pdl_hsrv_conns_max(unsigned n)
{
	assert(n >= 1);
	conns_limit = n < PDL_HSRV_CONNS_MAX ? n : PDL_HSRV_CONNS_MAX;
}

struct conn {
	int fd;
	unsigned slot;                /* in the table */
	_Atomic uint64_t deadline_ms; /* invariant 3; UINT64_MAX while being served */
	_Atomic uint64_t idle_ms;     /* since when it waits for a request with nothing begun or owed; 0: not idle */
	atomic_int in_head;           /* armed with part of a head: past its deadline it is answered 408 */
	uint64_t head_ms;             /* when the head in the buffer began */
	int close_after;              /* answer what is sent, then close */
	size_t linger_bytes;          /* > 0: lingering (see linger): drained so far, plus 1 */
	char *out;                    /* answers not yet sent: out[off..len) */
	size_t out_off, out_len, out_cap;
	size_t in_len;
	char in[PDL_H1_HEAD_MAX];
};

struct pdl_hsrv {
	int lfd, ep, evfd;
	pthread_mutex_t mu; /* the table (invariant 2) */
	struct conn *conns[PDL_HSRV_SLOTS];
	unsigned nconns, hint;
	unsigned limit; /* connections kept (pdl_hsrv_start's conns) */
	_Atomic uint64_t next_sweep_ms;
	atomic_int stopping;
	pdl_hsrv_fn fn;
	pdl_hsrv_err_fn err;
	pdl_hsrv_after_fn after;
	void *arg;
	atomic_size_t out_bytes; /* the connections' output buffers (their out_cap), together */
	pthread_t th[PDL_HSRV_THREADS_MAX];
	unsigned nth;
};

static uint64_t
mono_ms(void)
{
	return pdl_mono_ns() / 1000000u;
}

/* ---- the table ---- */

/* With the table at its limit: shuts down the connection idle the
 * longest (the thread that gets its hangup frees it), so that a new one
 * can take a spare slot meanwhile. 0 when none is idle. Under s->mu. */
static int
evict_idle(struct pdl_hsrv *s)
{
	struct conn *old = NULL;
	uint64_t old_ms = UINT64_MAX;
	for (unsigned i = 0; i < PDL_HSRV_SLOTS; i++) {
		uint64_t t = s->conns[i] != NULL ? atomic_load(&s->conns[i]->idle_ms) : 0;
		if (t != 0 && t < old_ms) {
			old = s->conns[i];
			old_ms = t;
		}
	}
	/* a thread taking it up at this moment clears idle_ms first: then it is not evicted */
	if (old == NULL || !atomic_compare_exchange_strong(&old->idle_ms, &old_ms, 0))
		return 0;
	shutdown(old->fd, SHUT_RDWR);
	return 1;
}

static struct conn *
conn_new(struct pdl_hsrv *s, int fd)
{
	struct conn *c = NULL;
	pthread_mutex_lock(&s->mu);
	int room = s->nconns < s->limit || (s->nconns < s->limit + PDL_HSRV_EVICT_SPARE && evict_idle(s));
	if (room && (c = malloc(sizeof *c)) != NULL) {
		while (s->conns[s->hint] != NULL)
			s->hint = (s->hint + 1) % PDL_HSRV_SLOTS;
		uint64_t now = mono_ms();
		c->fd = fd;
		c->slot = s->hint;
		atomic_init(&c->deadline_ms, now + PDL_HSRV_FIRST_MS);
		atomic_init(&c->idle_ms, now);
		atomic_init(&c->in_head, 0);
		c->head_ms = 0;
		c->close_after = 0;
		c->linger_bytes = 0;
		c->out = NULL;
		c->out_off = c->out_len = c->out_cap = 0;
		c->in_len = 0;
		s->conns[c->slot] = c;
		s->nconns++;
	}
	pthread_mutex_unlock(&s->mu);
	return c;
}

/* Leaves the table and closes (invariant 2); the epoll set forgets the
 * descriptor with its close. */
static void
conn_free(struct pdl_hsrv *s, struct conn *c)
{
	pthread_mutex_lock(&s->mu);
	assert(s->conns[c->slot] == c);
	s->conns[c->slot] = NULL;
	s->nconns--;
	close(c->fd);
	pthread_mutex_unlock(&s->mu);
	atomic_fetch_sub(&s->out_bytes, c->out_cap);
	free(c->out);
	free(c);
}

/* Shuts down the connections past their deadline: the thread that gets
 * their hangup closes them. One thread at a time, every PDL_HSRV_SWEEP_MS.
 * A connection waiting for its first request whose bytes have come but
 * wait unread (every thread busy: a burst of large answers) is not late:
 * it gets PDL_HSRV_FIRST_MS more (before, such a burst closed the
 * connections last in line, unanswered). */
static void
sweep(struct pdl_hsrv *s, uint64_t now)
{
	uint64_t due = atomic_load(&s->next_sweep_ms);
	char b;
	if (now < due || !atomic_compare_exchange_strong(&s->next_sweep_ms, &due, now + PDL_HSRV_SWEEP_MS))
		return;
	pthread_mutex_lock(&s->mu);
	for (unsigned i = 0; i < PDL_HSRV_SLOTS; i++) {
		struct conn *c = s->conns[i];
		uint64_t dl = c != NULL ? atomic_load(&c->deadline_ms) : UINT64_MAX;
		if (dl > now)
			continue;
		/* idle_ms: waiting for a request, nothing begun or owed (set before
		 * it was armed; a thread taking it up clears it) */
		if (atomic_load(&c->idle_ms) != 0 && recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 1) {
			/* fails only when a thread took it up meanwhile: then it is not late either */
			(void)atomic_compare_exchange_strong(&c->deadline_ms, &dl, now + PDL_HSRV_FIRST_MS);
			continue;
		}
		/* a slow head keeps its sending side: its thread answers 408 */
		shutdown(c->fd, atomic_load(&c->in_head) ? SHUT_RD : SHUT_RDWR);
	}
	pthread_mutex_unlock(&s->mu);
}

/* ---- output ---- */

/* Room for n more bytes of output, counted in s->out_bytes; 0 when
 * memory ran out. Past PDL_HSRV_OUT_KEEP the buffer is the size asked
 * for (doubling a 4 MB answer's would hold 8). */
static int
out_room(struct pdl_hsrv *s, struct conn *c, size_t n)
{
	if (c->out_len + n <= c->out_cap)
		return 1;
	size_t cap = c->out_cap ? c->out_cap : 4096;
	while (cap < c->out_len + n)
		cap *= 2;
	if (cap > PDL_HSRV_OUT_KEEP)
		cap = c->out_len + n;
	char *p = realloc(c->out, cap);
	if (p == NULL)
		return 0;
	atomic_fetch_add(&s->out_bytes, cap - c->out_cap);
	c->out = p;
	c->out_cap = cap;
	return 1;
}

static void
put(struct conn *c, const char *s, size_t n)
{
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
}

static void
put_str(struct conn *c, const char *s)
{
	put(c, s, strlen(s));
}

static void
put_uint(struct conn *c, uint64_t v)
{
	char d[24];
	size_t i = sizeof d;
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	put(c, d + i, sizeof d - i);
}

/* An answer over PDL_HSRV_OUT_SMALL that would take the server's output
 * buffers past PDL_HSRV_OUT_MAX becomes a 503 to retry after: a client
 * that does not read holds its answer (up to 4 MB of a 1,000-item list)
 * until the send deadline, and a thousand of them would otherwise hold
 * gigabytes (found by a hostile review, 3 December). */
static void
out_budget(struct pdl_hsrv *s, struct conn *c, struct pdl_hsrv_res *res)
{
	size_t need = c->out_len + res->len;
	if (res->len <= PDL_HSRV_OUT_SMALL || need <= c->out_cap ||
	    atomic_load(&s->out_bytes) + (need - c->out_cap) <= PDL_HSRV_OUT_MAX)
		return;
	free(res->body);
	res->status = 503;
	res->content_type = "application/json";
	snprintf(res->extra, sizeof res->extra, "Retry-After: 1\r\n");
	res->len = strlen(HSRV_FULL_BODY);
	res->body = malloc(res->len);
	if (res->body != NULL)
		memcpy(res->body, HSRV_FULL_BODY, res->len);
	else
		res->len = 0;
}

/* Appends the answer res (and frees its body); the connection closes
 * after it when close is set. head: a HEAD request, no body sent. */
static void
out_answer(struct pdl_hsrv *s, struct conn *c, struct pdl_hsrv_res *res, int head, int minor, int close)
{
	if (!head)
		out_budget(s, c, res);
	const char *reason = pdl_h1_reason(res->status);
	size_t hn = 9 + 4 + strlen(reason) + 16 + strlen(res->content_type) + 2 + strlen(res->extra) + 40 + 26 + 2 + 40;
	char date[40];
	struct tm tm;
	time_t now = time(NULL);
	/* RFC 9110 §6.6.1: an origin server with a clock sends Date */
	if (gmtime_r(&now, &tm) == NULL || strftime(date, sizeof date, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm) == 0)
		date[0] = '\0';
	if (!out_room(s, c, hn + (head ? 0 : res->len))) {
		free(res->body);
		c->close_after = 1; /* nothing to say it with: the client sees the connection end */
		return;
	}
	put_str(c, "HTTP/1.1 ");
	put_uint(c, (uint64_t)res->status);
	put(c, " ", 1);
	put_str(c, reason);
	put_str(c, "\r\nContent-Type: ");
	put_str(c, res->content_type);
	put_str(c, "\r\n");
	put_str(c, date);
	put_str(c, res->extra);
	put_str(c, "Content-Length: ");
	put_uint(c, res->len);
	if (close)
		put_str(c, "\r\nConnection: close");
	else if (minor == 0)
		put_str(c, "\r\nConnection: keep-alive");
	put_str(c, "\r\n\r\n");
	if (!head && res->len > 0)
		put(c, res->body, res->len);
	free(res->body);
	if (close)
		c->close_after = 1;
}

/* Sends what is pending: 1 all sent, 0 the client must take some first,
 * -1 the connection is over. */
static int
flush(struct pdl_hsrv *s, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t k = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (k > 0) {
			c->out_off += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		return k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	}
	c->out_off = c->out_len = 0;
	if (c->out_cap > PDL_HSRV_OUT_KEEP) {
		atomic_fetch_sub(&s->out_bytes, c->out_cap);
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
	return 1;
}

/* ---- requests ---- */

static void
refuse(struct pdl_hsrv *s, struct conn *c, int status, const char *why, int minor, int close)
{
	struct pdl_hsrv_res res = {status, "application/json", "", NULL, 0};
	s->err(s->arg, status, why, &res);
	if (status == 405)
		snprintf(res.extra + strlen(res.extra), sizeof res.extra - strlen(res.extra), "Allow: GET, HEAD\r\n");
	out_answer(s, c, &res, 0, minor, close);
}

/* Copies a header value into buf (cap > max), NUL-terminated; NULL when
 * absent, or too long and drop_long. */
static const char *
value(const char *v, size_t n, char *buf, size_t max, int drop_long)
{
	if (v == NULL || (n > max && drop_long))
		return NULL;
	if (n > max)
		n = max;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

/* Answers the request whose head is c->in[0..hl) and drops it from the
 * buffer. */
static void
one_request(struct pdl_hsrv *s, struct conn *c, size_t hl)
{
	struct pdl_h1_head h;
	const char *why = NULL;
	char host[PDL_HSRV_HOST_MAX + 1], auth[PDL_HSRV_AUTH_MAX + 1];
	int status = pdl_h1_request_parse(c->in, hl, &h, &why);
	if (status != 0) {
		refuse(s, c, status, why, 1, 1);
	} else if (h.chunked || (h.has_length && h.length > 0)) {
		/* its body is not read: what follows it cannot be framed */
		refuse(s, c, 413, "requests to this server carry no body", h.minor, 1);
	} else if (strcmp(h.method, "GET") != 0 && strcmp(h.method, "HEAD") != 0 && strcmp(h.method, "OPTIONS") != 0) {
		/* OPTIONS goes on: the public listener answers CORS preflights (http.c) */
		refuse(s, c, 405, "this server answers GET and HEAD", h.minor, h.close);
	} else {
		struct pdl_hsrv_req req = {h.method, h.target, value(h.host, h.host_len, host, PDL_HSRV_HOST_MAX, 1),
		                           value(h.authorization, h.authorization_len, auth, PDL_HSRV_AUTH_MAX, 0)};
		struct pdl_hsrv_res res = {200, "application/json", "", NULL, 0};
		s->fn(s->arg, &req, &res);
		out_answer(s, c, &res, h.method[0] == 'H', h.minor, h.close);
		if (s->after != NULL)
			s->after(s->arg);
	}
	c->in_len -= hl;
	memmove(c->in, c->in + hl, c->in_len);
	c->head_ms = c->in_len > 0 ? mono_ms() : 0; /* the next head's deadline runs from now */
}

/* Answers the whole requests in the buffer, until the output is large
 * enough to send first or the connection is to close. */
static void
requests(struct pdl_hsrv *s, struct conn *c)
{
	size_t hl;
	while (!c->close_after && c->out_len < PDL_HSRV_OUT_KEEP && (hl = pdl_h1_head_len(c->in, c->in_len)) > 0)
		one_request(s, c, hl);
	if (!c->close_after && c->in_len == sizeof c->in && pdl_h1_head_len(c->in, c->in_len) == 0)
		refuse(s, c, 431, "the request head is over 8 KiB", 1, 1);
}

/* Hands c back to epoll for ev (invariant 1), with its deadline. */
static int
arm(struct pdl_hsrv *s, struct conn *c, uint32_t ev, uint64_t deadline_ms)
{
	struct epoll_event e = {.events = ev | EPOLLONESHOT | EPOLLRDHUP, .data.ptr = c};
	atomic_store(&c->deadline_ms, deadline_ms);
	return epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &e);
}

/* After its last answer a connection is not closed at once: closing a
 * socket with input still unread makes the kernel reset it, and a client
 * that is still sending (a refused body, pipelined requests) may then
 * lose the answer before it reads it. So its sending side is shut (the
 * client reads the answer and then the end), and what still arrives is
 * read and dropped until the client closes too, for PDL_HSRV_LINGER_MS
 * and PDL_HSRV_LINGER_BYTES at most. */
static void
linger(struct pdl_hsrv *s, struct conn *c)
{
	for (;;) {
		ssize_t k = recv(c->fd, c->in, sizeof c->in, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k > 0 && c->linger_bytes + (size_t)k <= PDL_HSRV_LINGER_BYTES) {
			c->linger_bytes += (size_t)k;
			continue;
		}
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (arm(s, c, EPOLLIN, atomic_load(&c->deadline_ms)) == 0)
				return;
		}
		conn_free(s, c); /* the client closed, or lingered long enough */
		return;
	}
}

/* Starts lingering (see linger), with its deadline. */
static void
linger_start(struct pdl_hsrv *s, struct conn *c)
{
	c->linger_bytes = 1;
	c->in_len = 0;
	if (shutdown(c->fd, SHUT_WR) != 0 || arm(s, c, EPOLLIN, mono_ms() + PDL_HSRV_LINGER_MS) != 0)
		conn_free(s, c);
}

/* Serves c, told ready by epoll: the connection is this thread's alone
 * until it is re-armed or freed. */
static void
conn_ready(struct pdl_hsrv *s, struct conn *c)
{
	if (c->linger_bytes > 0) {
		linger(s, c); /* keeps its deadline */
		return;
	}
	atomic_store(&c->idle_ms, 0); /* before anything: an evictor no longer picks it */
	atomic_store(&c->in_head, 0);
	atomic_store(&c->deadline_ms, UINT64_MAX);
	/* read only when no whole request waits (a client that sent its
	 * pipelined requests and then its end still gets every answer) */
	if (c->out_off == c->out_len && c->in_len < sizeof c->in && pdl_h1_head_len(c->in, c->in_len) == 0) {
		ssize_t k;
		do
			k = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
		while (k < 0 && errno == EINTR);
		if (k == 0 && c->in_len > 0 && c->head_ms != 0 && mono_ms() >= c->head_ms + PDL_HSRV_REQ_MS) {
			refuse(s, c, 408, "the request head did not arrive whole within 10 s", 1, 1);
			(void)flush(s, c); /* one try, into an empty socket: then closed either way */
			conn_free(s, c);
			return;
		}
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			conn_free(s, c);
			return;
		}
		if (k > 0 && c->in_len == 0)
			c->head_ms = mono_ms();
		if (k > 0)
			c->in_len += (size_t)k;
	}
	for (;;) {
		if (c->out_off == c->out_len)
			requests(s, c);
		int r = flush(s, c);
		if (r < 0) {
			conn_free(s, c);
			return;
		}
		if (r > 0 && c->close_after) {
			linger_start(s, c);
			return;
		}
		/* r > 0 with requests held back while the output was full: the
		 * next batch comes when the socket says so again, after the other
		 * connections ready now had their turn */
		if (r == 0 || (!c->close_after && pdl_h1_head_len(c->in, c->in_len) > 0)) {
			if (arm(s, c, EPOLLOUT, mono_ms() + PDL_HSRV_SEND_MS) != 0)
				conn_free(s, c);
			return;
		}
		break;
	}
	uint64_t now = mono_ms();
	if (c->in_len > 0 && c->head_ms == 0)
		c->head_ms = now;
	if (c->in_len == 0)
		c->head_ms = 0;
	atomic_store(&c->idle_ms, c->in_len == 0 ? now : 0); /* before arm: then another thread has it */
	atomic_store(&c->in_head, c->in_len > 0);
	if (arm(s, c, EPOLLIN, c->in_len > 0 ? c->head_ms + PDL_HSRV_REQ_MS : now + PDL_HSRV_IDLE_MS) != 0)
		conn_free(s, c);
}

/* A connection there is no slot for gets a 503 to retry after (not a
 * bare reset): what it sent already is read first, within reason. */
static void
refuse_busy(int fd)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
	                           "Content-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
	                           "%s";
	char out[400], sink[4096];
	int n = snprintf(out, sizeof out, busy, (int)strlen(HSRV_BUSY_BODY), HSRV_BUSY_BODY);
	for (int i = 0; i < 16 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++)
		;
	ssize_t k = send(fd, out, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)k;
	shutdown(fd, SHUT_WR);
	close(fd);
}

/* Accepts every waiting connection, then re-arms the listener. */
static void
accept_all(struct pdl_hsrv *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				/* out of descriptors or memory: give the others a moment */
				struct timespec ts = {0, 10 * 1000000L};
				nanosleep(&ts, NULL);
			}
			break;
		}
		int one = 1, sndbuf = PDL_HSRV_SNDBUF;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
		struct conn *c = conn_new(s, fd);
		if (c == NULL) {
			refuse_busy(fd); /* the table is full of connections with requests under way */
			continue;
		}
		struct epoll_event e = {.events = EPOLLIN | EPOLLONESHOT | EPOLLRDHUP, .data.ptr = c};
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e) != 0)
			conn_free(s, c);
	}
	struct epoll_event e = {.events = EPOLLIN | EPOLLONESHOT, .data.ptr = &s->lfd};
	(void)epoll_ctl(s->ep, EPOLL_CTL_MOD, s->lfd, &e);
}

static void *
thread_main(void *arg)
{
	struct pdl_hsrv *s = arg;
	while (!atomic_load(&s->stopping)) {
		struct epoll_event e;
		int n = epoll_wait(s->ep, &e, 1, (int)PDL_HSRV_SWEEP_MS);
		if (atomic_load(&s->stopping))
			break;
		sweep(s, mono_ms());
		if (n != 1)
			continue; /* a timeout, or EINTR */
		if (e.data.ptr == &s->lfd)
			accept_all(s);
		else if (e.data.ptr != &s->evfd)
			conn_ready(s, e.data.ptr);
	}
	return NULL;
}

/* ---- start and stop ---- */

/* The listening socket for addr into s->lfd. */
static int
listen_on(struct pdl_hsrv *s, const char *addr, const char *what, struct pdl_status *st)
{
	char host[300];
	const char *colon = strrchr(addr, ':');
	size_t hn = colon ? (size_t)(colon - addr) : 0;
	if (colon == NULL || colon[1] == '\0' || hn >= sizeof host)
		return pdl_status_set(st, PDL_EINVAL, NULL, "bad %s address %s: give HOST:PORT", what, addr);
	memcpy(host, addr, hn);
	host[hn] = '\0';
	if (hn >= 2 && host[0] == '[' && host[hn - 1] == ']') {
		memmove(host, host + 1, hn - 2);
		host[hn - 2] = '\0';
	}
	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	int g = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
	if (g != 0)
		return pdl_status_set(st, PDL_EINVAL, NULL, "bad %s address %s: %s", what, addr, gai_strerror(g));
	int e = 0;
	s->lfd = -1;
	for (struct addrinfo *a = ai; a != NULL && s->lfd < 0; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
		int one = 1;
		if (fd < 0) {
			e = errno;
			continue;
		}
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, PDL_HSRV_BACKLOG) != 0) {
			e = errno;
			close(fd);
			continue;
		}
		s->lfd = fd;
	}
	freeaddrinfo(ai);
	if (s->lfd < 0)
		return pdl_status_set(st, PDL_ECLOSED, NULL, "cannot serve HTTP on %s: %s", addr, strerror(e));
	return PDL_OK;
}

int
pdl_hsrv_start(struct pdl_hsrv **out, const char *addr, const char *what, unsigned threads, unsigned conns,
               pdl_hsrv_fn fn, pdl_hsrv_err_fn err, pdl_hsrv_after_fn after, void *arg, struct pdl_status *st)
{
	assert(threads >= 1 && threads <= PDL_HSRV_THREADS_MAX && fn != NULL && err != NULL);
	struct pdl_hsrv *s = calloc(1, sizeof *s);
	if (s == NULL)
		return pdl_status_set(st, PDL_ENOMEM, NULL, "out of memory");
	s->limit = conns == 0 ? conns_limit : conns < PDL_HSRV_CONNS_MAX ? conns : PDL_HSRV_CONNS_MAX;
	s->fn = fn;
	s->err = err;
	s->after = after;
	s->arg = arg;
	s->ep = s->evfd = -1;
	pthread_mutex_init(&s->mu, NULL);
	atomic_init(&s->stopping, 0);
	atomic_init(&s->next_sweep_ms, 0);
	atomic_init(&s->out_bytes, 0);
	int rc = listen_on(s, addr, what, st);
	if (rc != PDL_OK) {
		pthread_mutex_destroy(&s->mu);
		free(s);
		return rc;
	}
	struct epoll_event le = {.events = EPOLLIN | EPOLLONESHOT, .data.ptr = &s->lfd};
	struct epoll_event ee = {.events = EPOLLIN, .data.ptr = &s->evfd}; /* level: wakes every thread */
	if ((s->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 || (s->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &le) != 0 || epoll_ctl(s->ep, EPOLL_CTL_ADD, s->evfd, &ee) != 0) {
		rc = pdl_status_set(st, PDL_ENOMEM, NULL, "cannot set up the %s server: %s", what, strerror(errno));
		goto fail;
	}
	for (; s->nth < threads; s->nth++)
		if (pthread_create(&s->th[s->nth], NULL, thread_main, s) != 0)
			break;
	if (s->nth == 0) {
		rc = pdl_status_set(st, PDL_ENOMEM, NULL, "cannot start the %s server's threads", what);
		goto fail;
	}
	*out = s;
	return PDL_OK;
fail:
	if (s->evfd >= 0)
		close(s->evfd);
	if (s->ep >= 0)
		close(s->ep);
	close(s->lfd);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return rc;
}

void
pdl_hsrv_stop(struct pdl_hsrv *s)
{
	uint64_t one = 1;
	if (s == NULL)
		return;
	atomic_store(&s->stopping, 1);
	if (write(s->evfd, &one, sizeof one) != (ssize_t)sizeof one)
		assert(!"an eventfd write of 1 cannot fail");
	for (unsigned i = 0; i < s->nth; i++)
		pthread_join(s->th[i], NULL);
	close(s->lfd);
	for (unsigned i = 0; i < PDL_HSRV_SLOTS; i++)
		if (s->conns[i] != NULL)
			conn_free(s, s->conns[i]);
	close(s->evfd);
	close(s->ep);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
