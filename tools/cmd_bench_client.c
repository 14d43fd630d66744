/*
 * cmd_bench_client.c — pdl bench-client: what `pdl submit` itself costs,
 * and how far four of them signing on pdld's machine get, each against a
 * bound measured in the same run (`make bench` runs it after pdl bench).
 *
 *  1. The client alone. `pdl submit` of N JSON acts (party.register by the
 *     authority, 20,000) to a stand-in for pdld that answers each submit
 *     at once with a receipt per act (and passes `head` on to the real
 *     pdld, for the ledger id): so the client does all its work — reading,
 *     encoding, signing, sending, printing receipts — and no pdld competes
 *     for the CPU. Its figure is acts per CPU second of the process (user +
 *     system, every thread, from wait4), against the sign bound: one
 *     thread's pdl_act_sign calls per CPU second over an act of the same
 *     size (the call pdl submit makes, through the ledger's suite),
 *     measured just before and just after. Target: ratio ≥ 0.7. Both in
 *     CPU time, so that the other loads of a shared host (waiting for a
 *     core) count against neither.
 *  2. End to end. P `pdl submit` processes (4) of M acts each (5,000),
 *     started together against a durable pdld on the same machine: acts
 *     from the first start to the last exit, per second, against the
 *     all-core verify bound (pdl bench's) measured just before and after.
 *     Target: ratio ≥ 0.55. The CPU the clients and pdld used is printed
 *     beside it (in cores), so idle time shows.
 *
 * Each is run R times (3), each run against its own bounds, and every
 * run's figures are printed with their median: the host is shared and
 * drifts, and a single run says little.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "check.h"
#include "cli.h"
#include "crypto.h"
#include "entry.h"
#include "key.h"
#include "mpjson.h"

#define RUNS_MAX 20u
#define SIGN_BOUND_MS 1000u /* one measurement of the sign bound */
#define VERIFY_THREADS_MAX 64u

struct bc {
	char self[PATH_MAX], pdld[PATH_MAX + 8], dir[PATH_MAX], ddir[PATH_MAX + 16], key[PATH_MAX + 32];
	char url[PATH_MAX + 64], fake_url[PATH_MAX + 64];
	char pk64[PDL_PK_B64_LEN];
	struct pdl_seckey sk;
	uint8_t lid[PDL_HASH_BYTES];
	uint64_t next; /* the next act's number: every act is new */
	size_t act_len; /* a typical act's msgpack bytes */
	pid_t dpid;
	unsigned cores;
};

/* ---- acts ---- */

/* Writes count party.register acts, numbered from b->next, as one JSON
 * array (the form `pdl submit` reads). */
static int
write_acts(struct bc *b, const char *path, uint64_t count)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return PDL_EIO;
	fputc('[', f);
	for (uint64_t i = 0; i < count; i++) {
		uint64_t n = b->next++;
		char first[18], uscc[19];
		snprintf(first, sizeof first, "91420100%09llu", (unsigned long long)n);
		memcpy(uscc, first, 17);
		if (pdl_uscc_check_char(first, &uscc[17]) != PDL_OK)
			abort();
		uscc[18] = 0;
		fprintf(f,
		        "%s{\"type\":\"party.register\",\"actor\":\"authority\",\"nonce\":%llu,\"body\":{\"id\":\"bc-%09llu\","
		        "\"name\":\"基准测试数据提供单位\",\"uscc\":\"%s\",\"roles\":[\"developer\"],\"public_key\":\"%s\"}}",
		        i ? ",\n" : "", (unsigned long long)n + 1, (unsigned long long)n, uscc, b->pk64);
	}
	fputs("]\n", f);
	return fclose(f) == 0 ? PDL_OK : PDL_EIO;
}

/* ---- bounds ---- */

/* The calling thread's CPU time. */
static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* pdl_act_sign calls (verify 0) or pdl_act_verify calls (verify 1) per
 * CPU second of one thread, over act-sized bytes. CPU time, as the
 * client's figure: on a shared host a thread waiting for a core would
 * otherwise count against the bound. */
static double
bound_cpu(struct bc *b, int verify)
{
	uint8_t act[4096], sig[PDL_SIG_BYTES];
	size_t n = b->act_len < sizeof act ? b->act_len : sizeof act;
	pdl_random(act, n);
	pdl_act_sign(b->lid, act, n, &b->sk, sig);
	uint64_t t0 = thread_cpu_ns(), count = 0, ns;
	while ((ns = thread_cpu_ns() - t0) < SIGN_BOUND_MS * 1000000ull) {
		for (int i = 0; i < 32; i++, count++) {
			if (!verify) {
				act[0] = (uint8_t)count;
				pdl_act_sign(b->lid, act, n, &b->sk, sig);
			} else if (pdl_act_verify(b->lid, act, n, sig, &b->sk.pk) != PDL_OK) {
				abort();
			}
		}
	}
	return (double)count * 1e9 / (double)ns;
}

/* ---- the stand-in pdld ---- */

struct fake {
	nng_socket s;
	struct pdl_client up; /* the real pdld, for head */
	uint64_t seq;
};

/* The reply to a submit of n acts: a receipt each, as pdld's. */
static void
fake_results(struct fake *f, uint32_t n, msgpack_sbuffer *sb)
{
	msgpack_packer pk;
	uint8_t h[PDL_HASH_BYTES];
	uint64_t now = pdl_now_ms();
	memset(h, 0x5a, sizeof h);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	mp_pack_cstr(&pk, "results");
	msgpack_pack_array(&pk, n);
	for (uint32_t i = 0; i < n; i++) {
		msgpack_pack_map(&pk, 5);
		mp_pack_cstr(&pk, "seq");
		msgpack_pack_uint64(&pk, ++f->seq);
		mp_pack_cstr(&pk, "hash");
		memcpy(h, &f->seq, sizeof f->seq);
		mp_pack_bin(&pk, h, sizeof h);
		mp_pack_cstr(&pk, "time_ms");
		msgpack_pack_uint64(&pk, now);
		mp_pack_cstr(&pk, "outcome");
		msgpack_pack_map(&pk, 0);
		mp_pack_cstr(&pk, "dup");
		msgpack_pack_false(&pk);
	}
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	nng_msg *m;
	while (nng_recvmsg(f->s, &m, 0) == 0) {
		struct mp_cur c = mp_cur_make(nng_msg_body(m), nng_msg_len(m)), op, acts;
		const char *o = "";
		size_t on = 0;
		uint32_t n = 0;
		msgpack_sbuffer sb;
		msgpack_sbuffer_init(&sb);
		uint8_t *rep = NULL;
		size_t rn = 0;
		struct pdl_status st = {0};
		if (mp_map_find(c, "op", &op) == PDL_OK)
			mp_read_str(&op, &o, &on);
		if (mp_str_eq(o, on, "submit") && mp_map_find(c, "acts", &acts) == PDL_OK &&
		    mp_read_array(&acts, &n) == PDL_OK) {
			fake_results(f, n, &sb);
		} else if (pdl_client_call(&f->up, nng_msg_body(m), nng_msg_len(m), &rep, &rn, &st) == PDL_OK) {
			msgpack_sbuffer_write(&sb, (const char *)rep, rn);
			free(rep);
		}
		nng_msg_clear(m);
		nng_msg_append(m, sb.data, sb.size);
		msgpack_sbuffer_destroy(&sb);
		if (nng_sendmsg(f->s, m, 0) != 0)
			nng_msg_free(m);
	}
	return NULL;
}

static int
fake_start(struct bc *b, struct fake *f, pthread_t *t)
{
	memset(f, 0, sizeof *f);
	struct pdl_status st = {0};
	snprintf(b->fake_url, sizeof b->fake_url, "ipc://%s/fake.sock", b->dir);
	if (pdl_client_open(&f->up, b->url, &st) != PDL_OK || nng_rep0_open(&f->s) != 0)
		return PDL_ECLOSED;
	nng_socket_set_size(f->s, NNG_OPT_RECVMAXSZ, PDL_REQ_BYTES_MAX);
	if (nng_listen(f->s, b->fake_url, NULL, 0) != 0 || pthread_create(t, NULL, fake_main, f) != 0) {
		nng_close(f->s);
		pdl_client_close(&f->up);
		return PDL_ECLOSED;
	}
	return PDL_OK;
}

static void
fake_stop(struct fake *f, pthread_t t)
{
	nng_close(f->s);
	pthread_join(t, NULL);
	pdl_client_close(&f->up);
}

/* ---- runs ---- */

/* Starts `pdl submit --key KEY --ledger URL FILE > OUT`. */
static pid_t
submit_start(struct bc *b, const char *url, const char *file, const char *out)
{
	pid_t p = fork();
	if (p == 0) {
		if (freopen(out, "w", stdout) == NULL)
			_exit(127);
		execl(b->self, b->self, "submit", "--key", b->key, "--ledger", url, file, (char *)NULL);
		_exit(127);
	}
	return p;
}

/* 1 when out holds want receipt lines and no refusal. */
static int
receipts_ok(const char *out, uint64_t want)
{
	uint8_t *buf;
	size_t n, lines = 0;
	if (pdl_file_read(out, 1u << 30, &buf, &n) != PDL_OK)
		return 0;
	for (size_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	int ok = lines == want && memmem(buf, n, "\"error\"", 7) == NULL;
	free(buf);
	return ok;
}

static double
ru_s(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 + (double)ru->ru_stime.tv_sec +
	       (double)ru->ru_stime.tv_usec / 1e6;
}

/* CPU seconds pdld has used so far (/proc/PID/stat utime + stime). */
static double
proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *rp = strrchr(buf, ')');
	unsigned long long ut, st;
	if (rp == NULL || sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

struct alone {
	double sign_bound, cpu_s, wall_s, per_cpu_s, ratio;
};

/* Run k of the client alone: n acts to the stand-in. */
static int
run_alone(struct bc *b, uint64_t n, int k, struct alone *a)
{
	char file[PATH_MAX + 32], out[PATH_MAX + 32];
	snprintf(file, sizeof file, "%s/alone-%d.json", b->dir, k);
	snprintf(out, sizeof out, "%s/alone-%d.out", b->dir, k);
	if (write_acts(b, file, n) != PDL_OK)
		return PDL_EIO;
	struct fake f;
	pthread_t t;
	if (fake_start(b, &f, &t) != PDL_OK)
		return PDL_ECLOSED;
	double before = bound_cpu(b, 0);
	struct rusage ru;
	int status = 0;
	uint64_t t0 = pdl_mono_ns();
	pid_t p = submit_start(b, b->fake_url, file, out);
	if (p < 0 || wait4(p, &status, 0, &ru) != p)
		status = -1;
	a->wall_s = (double)(pdl_mono_ns() - t0) / 1e9;
	fake_stop(&f, t);
	double after = bound_cpu(b, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !receipts_ok(out, n)) {
		fprintf(stderr, "pdl bench-client: pdl submit to the stand-in failed (exit %d); see %s\n",
		        WIFEXITED(status) ? WEXITSTATUS(status) : -1, out);
		return PDL_EIO;
	}
	a->sign_bound = (before + after) / 2;
	a->cpu_s = ru_s(&ru);
	a->per_cpu_s = (double)n / a->cpu_s;
	a->ratio = a->per_cpu_s / a->sign_bound;
	unlink(file);
	unlink(out);
	return PDL_OK;
}

struct e2e {
	double verify_bound, wall_s, per_s, ratio, client_cores, pdld_cores;
	double verify_cpu, ratio_cpu; /* one thread's verifies per CPU second; it over acts per CPU second used */
};

/* Run k end to end: procs processes of m acts each against pdld. */
static int
run_e2e(struct bc *b, unsigned procs, uint64_t m, int k, struct e2e *e)
{
	char file[16][PATH_MAX + 32], out[16][PATH_MAX + 32];
	pid_t pid[16];
	for (unsigned i = 0; i < procs; i++) {
		snprintf(file[i], sizeof file[i], "%s/e2e-%d-%u.json", b->dir, k, i);
		snprintf(out[i], sizeof out[i], "%s/e2e-%d-%u.out", b->dir, k, i);
		if (write_acts(b, file[i], m) != PDL_OK)
			return PDL_EIO;
	}
	double before = bound_verify(b->cores), client_s = 0, d0 = proc_cpu_s(b->dpid);
	int bad = 0;
	uint64_t t0 = pdl_mono_ns();
	for (unsigned i = 0; i < procs; i++)
		pid[i] = submit_start(b, b->url, file[i], out[i]);
	for (unsigned i = 0; i < procs; i++) {
		struct rusage ru;
		int status = 0;
		if (pid[i] < 0 || wait4(pid[i], &status, 0, &ru) != pid[i] || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad = 1;
		else
			client_s += ru_s(&ru);
	}
	e->wall_s = (double)(pdl_mono_ns() - t0) / 1e9;
	e->pdld_cores = (proc_cpu_s(b->dpid) - d0) / e->wall_s;
	double after = bound_verify(b->cores);
	for (unsigned i = 0; i < procs && !bad; i++)
		bad = !receipts_ok(out[i], m);
	if (bad) {
		fprintf(stderr, "pdl bench-client: a pdl submit failed or was refused; see %s/e2e-%d-*.out\n", b->dir, k);
		return PDL_EIO;
	}
	e->verify_bound = (before + after) / 2;
	e->per_s = (double)procs * (double)m / e->wall_s;
	e->ratio = e->per_s / e->verify_bound;
	e->client_cores = client_s / e->wall_s;
	/* what the ratio would be with the cores ours alone and never idle:
	 * acts per CPU second (clients and pdld) over verifies per CPU second */
	e->verify_cpu = bound_cpu(b, 1);
	e->ratio_cpu = (double)procs * (double)m / ((e->client_cores + e->pdld_cores) * e->wall_s) / e->verify_cpu;
	for (unsigned i = 0; i < procs; i++) {
		unlink(file[i]);
		unlink(out[i]);
	}
	return PDL_OK;
}

/* ---- setup ---- */

/* A fresh ledger in b->dir/ledger, its authority key, its pdld. */
static int
setup(struct bc *b)
{
	ssize_t sl = readlink("/proc/self/exe", b->self, sizeof b->self - 1);
	if (sl <= 0)
		return PDL_EIO;
	b->self[sl] = 0;
	snprintf(b->pdld, sizeof b->pdld, "%s", b->self);
	strcpy(strrchr(b->pdld, '/') + 1, "pdld");
	snprintf(b->ddir, sizeof b->ddir, "%s/ledger", b->dir);
	snprintf(b->key, sizeof b->key, "%s/authority.key", b->ddir);
	pid_t p = fork();
	if (p == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execl(b->self, b->self, "init", "--data", b->ddir, "--origin", "bench.pdl.local/client", "--jurisdiction",
		      "420100", (char *)NULL);
		_exit(127);
	}
	int status;
	if (p < 0 || waitpid(p, &status, 0) != p || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return PDL_EIO;
	struct pdl_status st = {0};
	struct src s;
	if (src_open(&s, b->ddir, NULL, &st) != PDL_OK || src_ledger_id(&s, b->lid, &st) != PDL_OK) {
		src_close(&s);
		return PDL_EIO;
	}
	src_close(&s);
	struct pdl_seckey party;
	if (pdl_key_load_for(b->key, pdl_suite(), &b->sk, &st) != PDL_OK ||
	    pdl_seckey_generate(&party, pdl_suite()) != PDL_OK)
		return PDL_EKEY;
	pdl_pubkey_b64(&party.pk, b->pk64);
	pdl_seckey_wipe(&party);
	b->next = 1;
	b->dpid = fork();
	if (b->dpid == 0) {
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(127);
		execl(b->pdld, b->pdld, "--data", b->ddir, (char *)NULL);
		_exit(127);
	}
	char pidf[PATH_MAX + 64];
	struct stat sb;
	snprintf(pidf, sizeof pidf, "%s/%s", b->ddir, PDL_PID_FILE);
	for (int i = 0; i < 500 && stat(pidf, &sb) != 0; i++)
		usleep(20000);
	pdl_client_url_for_dir(b->ddir, b->url, sizeof b->url);
	return stat(pidf, &sb) == 0 ? PDL_OK : PDL_ECLOSED;
}

/* The size of one of the acts, as pdl submit encodes it. */
static int
act_size(struct bc *b)
{
	char file[PATH_MAX + 32];
	uint8_t *buf;
	size_t n;
	snprintf(file, sizeof file, "%s/one.json", b->dir);
	uint64_t keep = b->next;
	if (write_acts(b, file, 1) != PDL_OK || pdl_file_read(file, 1u << 20, &buf, &n) != PDL_OK)
		return PDL_EIO;
	b->next = keep;
	json_t *root = json_loadb((const char *)buf, n, 0, NULL), *a = json_array_get(root, 0);
	msgpack_sbuffer sb;
	struct pdl_status st;
	msgpack_sbuffer_init(&sb);
	int rc = a == NULL ? PDL_EDECODE : pdl_json_act_to_mp(a, &sb, &st);
	b->act_len = sb.size;
	msgpack_sbuffer_destroy(&sb);
	json_decref(root);
	free(buf);
	unlink(file);
	return rc;
}

/* ---- the command ---- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
median(const double *v, unsigned n)
{
	double s[RUNS_MAX];
	memcpy(s, v, n * sizeof *v);
	qsort(s, n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static json_t *
reals(const double *v, unsigned n)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

enum { F_SIGN, F_CLIENT, F_RATIO_CLIENT, F_VERIFY, F_E2E, F_RATIO_E2E, F_CORES_CLIENTS, F_CORES_PDLD, F_VERIFY_CPU,
       F_RATIO_CPU, F_N };

static void
report(const struct alone *a, const struct e2e *e, unsigned runs, unsigned procs, uint64_t n, uint64_t m)
{
	static const char *const names[F_N] = {"sign_bound_per_cpu_s", "client_acts_per_cpu_s", "ratio_client",
	                                       "verify_bound_per_s", "e2e_acts_per_s", "ratio_e2e",
	                                       "e2e_cpu_cores_clients", "e2e_cpu_cores_pdld", "verify_per_cpu_s",
	                                       "ratio_e2e_cpu"};
	double v[F_N][RUNS_MAX];
	for (unsigned i = 0; i < runs; i++) {
		v[F_SIGN][i] = a[i].sign_bound, v[F_CLIENT][i] = a[i].per_cpu_s, v[F_RATIO_CLIENT][i] = a[i].ratio;
		v[F_VERIFY][i] = e[i].verify_bound, v[F_E2E][i] = e[i].per_s, v[F_RATIO_E2E][i] = e[i].ratio;
		v[F_CORES_CLIENTS][i] = e[i].client_cores, v[F_CORES_PDLD][i] = e[i].pdld_cores;
		v[F_VERIFY_CPU][i] = e[i].verify_cpu, v[F_RATIO_CPU][i] = e[i].ratio_cpu;
	}
	json_t *o = json_object();
	json_object_set_new(o, "acts", json_integer((json_int_t)n));
	json_object_set_new(o, "procs", json_integer(procs));
	json_object_set_new(o, "proc_acts", json_integer((json_int_t)m));
	json_object_set_new(o, "runs", json_integer(runs));
	for (unsigned k = 0; k < F_N; k++)
		json_object_set_new(o, names[k], reals(v[k], runs));
	json_object_set_new(o, "ratio_client_median", json_real(median(v[F_RATIO_CLIENT], runs)));
	json_object_set_new(o, "ratio_e2e_median", json_real(median(v[F_RATIO_E2E], runs)));
	json_object_set_new(o, "ratio_e2e_cpu_median", json_real(median(v[F_RATIO_CPU], runs)));
	out_json(o);
	for (unsigned i = 0; i < runs; i++)
		fprintf(stderr,
		        "bench-client: run %u: client alone %.0f acts/CPU-s (%.1f us/act), sign bound %.0f/CPU-s -> ratio %.2f; "
		        "%u x %llu acts end to end %.0f acts/s, verify bound %.0f/s -> ratio %.2f; cpu: clients %.2f, pdld %.2f "
		        "cores (%.0f us/act), verify %.1f us -> ratio at full cpu %.2f\n",
		        i + 1, v[F_CLIENT][i], 1e6 / v[F_CLIENT][i], v[F_SIGN][i], v[F_RATIO_CLIENT][i], procs,
		        (unsigned long long)m, v[F_E2E][i], v[F_VERIFY][i], v[F_RATIO_E2E][i], v[F_CORES_CLIENTS][i],
		        v[F_CORES_PDLD][i], (v[F_CORES_CLIENTS][i] + v[F_CORES_PDLD][i]) / v[F_E2E][i] * 1e6,
		        1e6 / v[F_VERIFY_CPU][i], v[F_RATIO_CPU][i]);
	fprintf(stderr,
	        "bench-client: median ratios: client alone %.2f (target >= 0.7), %u processes end to end %.2f (target >= "
	        "0.55; %.2f at full cpu)\n",
	        median(v[F_RATIO_CLIENT], runs), procs, median(v[F_RATIO_E2E], runs), median(v[F_RATIO_CPU], runs));
}

static const char bench_client_help[] =
	"usage: pdl bench-client [--acts N] [--procs P] [--proc-acts M] [--runs R]\n\n"
	"Measures `pdl submit` on a fresh durable ledger (in a temporary directory, removed\n"
	"afterwards), against bounds measured in the same run:\n"
	"  the client alone  `pdl submit` of N JSON acts (20,000) to a stand-in for pdld that\n"
	"                    answers every act at once: acts per CPU second of the client (all\n"
	"                    its threads) over one thread's pdl_act_sign calls per CPU second on\n"
	"                    acts of the same size (the sign bound); target >= 0.7\n"
	"  end to end        P `pdl submit` processes (4) of M acts each (5,000) at once against\n"
	"                    pdld on the same machine: acts/s from the first start to the last\n"
	"                    exit over the all-core verify bound (as pdl bench's); target >= 0.55.\n"
	"                    Beside it, the CPU the clients and pdld used, and the ratio at full\n"
	"                    CPU: acts per CPU second they used over one thread's verifies per CPU\n"
	"                    second (what the ratio would be with the cores never idle nor shared)\n"
	"Each is run R times (3), each run judged against the bounds measured just before and\n"
	"after it; prints one JSON line (every run's figures and the medians) and a summary on\n"
	"stderr. Exits 1 if a submit fails or an act is refused.\n";

int
cmd_bench_client(int argc, char **argv)
{
	static const struct option opts[] = {{"acts", required_argument, NULL, 'n'},  {"procs", required_argument, NULL, 'p'},
	                                     {"proc-acts", required_argument, NULL, 'm'}, {"runs", required_argument, NULL, 'r'},
	                                     {"help", no_argument, NULL, 'h'},          {0}};
	uint64_t n = 20000, m = 5000, procs = 4, runs = 3;
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			if (pdl_u64_parse(optarg, &n) != PDL_OK || n == 0)
				return usage_error("bench-client", "--acts is a positive number");
			break;
		case 'm':
			if (pdl_u64_parse(optarg, &m) != PDL_OK || m == 0)
				return usage_error("bench-client", "--proc-acts is a positive number");
			break;
		case 'p':
			if (pdl_u64_parse(optarg, &procs) != PDL_OK || procs == 0 || procs > 16)
				return usage_error("bench-client", "--procs is 1..16");
			break;
		case 'r':
			if (pdl_u64_parse(optarg, &runs) != PDL_OK || runs == 0 || runs > RUNS_MAX)
				return usage_error("bench-client", "--runs is 1..20");
			break;
		case 'h': fputs(bench_client_help, stdout); return 0;
		default: return usage_error("bench-client", "unknown option");
		}
	}
	static struct bc b;
	char tmpl[] = "/tmp/pdl-bench-client-XXXXXX";
	if (mkdtemp(tmpl) == NULL) {
		fprintf(stderr, "pdl bench-client: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(b.dir, sizeof b.dir, "%s", tmpl);
	long nc = sysconf(_SC_NPROCESSORS_ONLN);
	b.cores = nc < 1 ? 1 : nc > (long)VERIFY_THREADS_MAX ? VERIFY_THREADS_MAX : (unsigned)nc;
	struct alone a[RUNS_MAX];
	struct e2e e[RUNS_MAX];
	int rc = setup(&b);
	if (rc == PDL_OK)
		rc = act_size(&b);
	if (rc != PDL_OK)
		fprintf(stderr, "pdl bench-client: cannot set up a ledger and pdld in %s (%s)\n", b.dir, pdl_strerror(rc));
	for (unsigned k = 0; k < runs && rc == PDL_OK; k++) {
		fprintf(stderr, "bench-client: run %u of %llu\n", k + 1, (unsigned long long)runs);
		rc = run_alone(&b, n, (int)k, &a[k]);
		if (rc == PDL_OK)
			rc = run_e2e(&b, (unsigned)procs, m, (int)k, &e[k]);
	}
	if (b.dpid > 0) {
		kill(b.dpid, SIGTERM);
		waitpid(b.dpid, NULL, 0);
	}
	pdl_seckey_wipe(&b.sk);
	if (rc == PDL_OK)
		report(a, e, (unsigned)runs, (unsigned)procs, n, m);
	if (rc == PDL_OK && pdl_rmtree(b.dir) != PDL_OK)
		fprintf(stderr, "pdl bench-client: could not remove %s: %s\n", b.dir, strerror(errno));
	return rc == PDL_OK ? 0 : 1;
}
