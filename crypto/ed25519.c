/*
 * ed25519.c — Ed25519 signature checks with a table per key.
 *
 * Why. A signature check is pdld's main cost: 3 of every 4 cycles of a
 * busy ledger go to libsodium's crypto_sign_verify_detached. Most of a
 * check is the double scalar multiplication R' = s·B - h·A, done with 253
 * doublings shared by both scalars and sliding windows of a few odd
 * multiples (ref10's method). The base point B is fixed, and so, in
 * practice, is A: a ledger's acts come from a few hundred parties, most
 * of them sending many acts (bulk submissions come from one actor). For a
 * fixed point, a table of its multiples (in affine "Niels" form) turns
 * the multiplication into additions of table entries and a few doublings
 * (ref10's fixed-base method with wider tables): for -A, j·2^(10i)·A
 * (i < 26, 1 ≤ j ≤ 16, 49 KiB) and 51 signed radix-32 digits, the odd ones
 * before 5 doublings and the even ones after; for B, made once,
 * j·2^(8i)·B (i < 32, 1 ≤ j ≤ 128, 480 KiB) and 32 signed radix-256
 * digits with no doubling. A check costs about 80 mixed additions and 5
 * doublings, against libsodium's 253 doublings and ~85 additions plus
 * decompressing A. Building a key's table costs about three libsodium
 * checks, so a key gets one only once libsodium has accepted two of its
 * signatures.
 *
 * The same answer as libsodium (1.0.18, not ED25519_COMPAT), invariant (1)
 * of ed25519.h. libsodium answers 0 exactly when: s < L; R is not one of
 * the 7 small-order encodings it lists (last byte's top bit ignored); A is
 * canonical, not small-order, and decodes; and the encoding of
 * s·B + h·(-A), h = SHA-512(R ‖ A ‖ m) mod L, equals R's 32 bytes. A key
 * gets a table only after libsodium accepted one of its signatures, and
 * the conditions on A depend on A alone, so they hold for every key with
 * a table. The table path checks s < L and R's encoding itself, computes
 * the same point by another sum, and encodes it the one canonical way, so
 * where it answers 0 libsodium does too. It never answers -1: whatever it
 * does not accept goes to libsodium, which has the last word.
 *
 * Arithmetic. Field elements mod p = 2^255 - 19 in five 51-bit limbs, with
 * 128-bit products (as ed25519-donna's 64-bit code and libsodium's own
 * fe_51); points in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z,
 * T = XY/Z, with the HWCD formulas for a = -1 (complete on this curve).
 * Nothing here handles a secret: variable time is fine (every input is in
 * the act, the ledger or the key registry).
 *
 * Invariants:
 *  (1) a table's entries are the affine multiples of its point, limbs
 *      carried (below 2^51 + 2^27): fe_sub's subtrahend bound holds for them;
 *  (2) fe_mul and fe_sq take limbs below 2^58 and give carried limbs;
 *      fe_sub takes a subtrahend with limbs below 2^53 - 76 and carries;
 *      fe_add does not carry: its sum goes only to fe_mul, fe_sq or as
 *      fe_sub's minuend (or fe_carry);
 *  (3) a slot's table is that of -pk for the pk it holds; slots live in
 *      the thread's cache only (invariant (2) of ed25519.h), freed when
 *      the thread exits (pthread key destructor), the main thread's at
 *      exit;
 *  (4) the eight-lane code (AVX-512 IFMA) gives vfe_mul only limbs below
 *      2^52, the most IFMA reads of a limb: vfe_carry's output, a table's
 *      entries (invariant 1) or the identity's; vfe_sub's subtrahend has
 *      limbs below 2^53 - 76, as fe_sub's.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ed25519.h"

__extension__ typedef unsigned __int128 u128;

/* ---- field elements mod 2^255 - 19 ---- */

typedef struct {
	uint64_t v[5];
} fe;

#define MASK51 ((UINT64_C(1) << 51) - 1)
#define FOUR_P0 (UINT64_C(4) * ((UINT64_C(1) << 51) - 19)) /* 4p's limbs: the subtraction's bias */
#define FOUR_P1 (UINT64_C(4) * ((UINT64_C(1) << 51) - 1))

/* d = -121665/121666, 2d and sqrt(-1), computed mod p */
static const fe fe_d = {{UINT64_C(929955233495203), UINT64_C(466365720129213), UINT64_C(1662059464998953),
                         UINT64_C(2033849074728123), UINT64_C(1442794654840575)}};
static const fe fe_d2 = {{UINT64_C(1859910466990425), UINT64_C(932731440258426), UINT64_C(1072319116312658),
                          UINT64_C(1815898335770999), UINT64_C(633789495995903)}};
static const fe fe_sqrtm1 = {{UINT64_C(1718705420411056), UINT64_C(234908883556509), UINT64_C(2233514472574048),
                              UINT64_C(2117202627021982), UINT64_C(765476049583133)}};

static void
fe_set(fe *h, uint64_t small)
{
	memset(h, 0, sizeof *h);
	h->v[0] = small;
}

static inline void
fe_carry(fe *h)
{
	uint64_t c;
	for (int i = 0; i < 4; i++) {
		c = h->v[i] >> 51;
		h->v[i] &= MASK51;
		h->v[i + 1] += c;
	}
	c = h->v[4] >> 51;
	h->v[4] &= MASK51;
	h->v[0] += c * 19;
}

static inline void
fe_add(fe *h, const fe *f, const fe *g)
{
	for (int i = 0; i < 5; i++)
		h->v[i] = f->v[i] + g->v[i];
}

static inline void
fe_sub(fe *h, const fe *f, const fe *g)
{
	h->v[0] = f->v[0] + FOUR_P0 - g->v[0];
	for (int i = 1; i < 5; i++)
		h->v[i] = f->v[i] + FOUR_P1 - g->v[i];
	fe_carry(h);
}

static inline void
fe_neg(fe *h, const fe *f)
{
	fe z;
	fe_set(&z, 0);
	fe_sub(h, &z, f);
}

/* h = the 128-bit column sums r[0..5) carried into 51-bit limbs */
static inline void
fe_wide(fe *h, u128 r0, u128 r1, u128 r2, u128 r3, u128 r4)
{
	r1 += r0 >> 51;
	r2 += r1 >> 51;
	r3 += r2 >> 51;
	r4 += r3 >> 51;
	u128 c = (u128)((uint64_t)r0 & MASK51) + (r4 >> 51) * 19;
	h->v[0] = (uint64_t)c & MASK51;
	h->v[1] = ((uint64_t)r1 & MASK51) + (uint64_t)(c >> 51);
	h->v[2] = (uint64_t)r2 & MASK51;
	h->v[3] = (uint64_t)r3 & MASK51;
	h->v[4] = (uint64_t)r4 & MASK51;
}

static void
fe_mul(fe *h, const fe *f, const fe *g)
{
	const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	const uint64_t g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
	const uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
	u128 r0 = (u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 + (u128)f3 * g2_19 + (u128)f4 * g1_19;
	u128 r1 = (u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 + (u128)f3 * g3_19 + (u128)f4 * g2_19;
	u128 r2 = (u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 + (u128)f3 * g4_19 + (u128)f4 * g3_19;
	u128 r3 = (u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 + (u128)f3 * g0 + (u128)f4 * g4_19;
	u128 r4 = (u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 + (u128)f3 * g1 + (u128)f4 * g0;
	fe_wide(h, r0, r1, r2, r3, r4);
}

static void
fe_sq(fe *h, const fe *f)
{
	const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	const uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1, f3_19 = 19 * f3, f4_19 = 19 * f4;
	u128 r0 = (u128)f0 * f0 + (u128)f1_2 * f4_19 + (u128)(2 * f2) * f3_19;
	u128 r1 = (u128)f0_2 * f1 + (u128)f3 * f3_19 + (u128)(2 * f2) * f4_19;
	u128 r2 = (u128)f0_2 * f2 + (u128)f1 * f1 + (u128)(2 * f3) * f4_19;
	u128 r3 = (u128)f0_2 * f3 + (u128)f1_2 * f2 + (u128)f4 * f4_19;
	u128 r4 = (u128)f0_2 * f4 + (u128)f1_2 * f3 + (u128)f2 * f2;
	fe_wide(h, r0, r1, r2, r3, r4);
}

/* h = f^(2^n) */
static void
fe_sqn(fe *h, const fe *f, int n)
{
	fe_sq(h, f);
	while (--n > 0)
		fe_sq(h, h);
}

/* z^(2^250 - 1), and z^11 in *z11 */
static void
fe_pow250(fe *out, fe *z11, const fe *z)
{
	fe z2, z9, t, a, b, c;
	fe_sq(&z2, z);
	fe_sqn(&t, &z2, 2);
	fe_mul(&z9, &t, z);
	fe_mul(z11, &z9, &z2);
	fe_sq(&t, z11);
	fe_mul(&a, &t, &z9); /* 2^5 - 1 */
	fe_sqn(&t, &a, 5);
	fe_mul(&a, &t, &a); /* 2^10 - 1 */
	fe_sqn(&t, &a, 10);
	fe_mul(&b, &t, &a); /* 2^20 - 1 */
	fe_sqn(&t, &b, 20);
	fe_mul(&t, &t, &b); /* 2^40 - 1 */
	fe_sqn(&t, &t, 10);
	fe_mul(&b, &t, &a); /* 2^50 - 1 */
	fe_sqn(&t, &b, 50);
	fe_mul(&c, &t, &b); /* 2^100 - 1 */
	fe_sqn(&t, &c, 100);
	fe_mul(&t, &t, &c); /* 2^200 - 1 */
	fe_sqn(&t, &t, 50);
	fe_mul(out, &t, &b); /* 2^250 - 1 */
}

/* h = 1/z = z^(p - 2) = z^(2^255 - 21) */
static void
fe_invert(fe *h, const fe *z)
{
	fe t, z11;
	fe_pow250(&t, &z11, z);
	fe_sqn(&t, &t, 5);
	fe_mul(h, &t, &z11);
}

/* h = z^((p - 5)/8) = z^(2^252 - 3) */
static void
fe_pow22523(fe *h, const fe *z)
{
	fe t, z11;
	fe_pow250(&t, &z11, z);
	fe_sqn(&t, &t, 2);
	fe_mul(h, &t, z);
}

static inline uint64_t
load64(const uint8_t *s)
{
	uint64_t x = 0;
	for (int i = 7; i >= 0; i--)
		x = (x << 8) | s[i];
	return x;
}

static inline void
store64(uint8_t *s, uint64_t x)
{
	for (int i = 0; i < 8; i++, x >>= 8)
		s[i] = (uint8_t)x;
}

/* the low 255 bits of s (not reduced) */
static void
fe_frombytes(fe *h, const uint8_t s[32])
{
	h->v[0] = load64(s) & MASK51;
	h->v[1] = (load64(s + 6) >> 3) & MASK51;
	h->v[2] = (load64(s + 12) >> 6) & MASK51;
	h->v[3] = (load64(s + 19) >> 1) & MASK51;
	h->v[4] = (load64(s + 24) >> 12) & MASK51;
}

/* the canonical encoding: f mod p, little-endian, top bit 0 */
static void
fe_tobytes(uint8_t s[32], const fe *f)
{
	fe t = *f;
	fe_carry(&t);
	fe_carry(&t); /* limbs below 2^51 but v[0] (below 2^51 + 19): t < 2p */
	uint64_t q = (t.v[0] + 19) >> 51;
	for (int i = 1; i < 5; i++)
		q = (t.v[i] + q) >> 51; /* q = 1 when t >= p */
	t.v[0] += 19 * q;
	for (int i = 0; i < 4; i++) {
		t.v[i + 1] += t.v[i] >> 51;
		t.v[i] &= MASK51;
	}
	t.v[4] &= MASK51; /* drops q·2^255 */
	store64(s, t.v[0] | t.v[1] << 51);
	store64(s + 8, t.v[1] >> 13 | t.v[2] << 38);
	store64(s + 16, t.v[2] >> 26 | t.v[3] << 25);
	store64(s + 24, t.v[3] >> 39 | t.v[4] << 12);
}

static int
fe_isneg(const fe *f)
{
	uint8_t s[32];
	fe_tobytes(s, f);
	return s[0] & 1;
}

static int
fe_iszero(const fe *f)
{
	static const uint8_t zero[32];
	uint8_t s[32];
	fe_tobytes(s, f);
	return memcmp(s, zero, 32) == 0;
}

/* ---- points ---- */

typedef struct {
	fe X, Y, Z, T;
} ge_p3;

/* a sum before its last four products: X = E·F, Y = G·H, Z = G·F, T = E·H */
typedef struct {
	fe E, H, G, F;
} ge_p1p1;

/* an affine point as tables keep it: y + x, y - x, 2d·x·y */
typedef struct {
	fe ypx, ymx, xy2d;
} ge_niels;

/* a projective point ready to be added: Y + X, Y - X, Z, 2d·T */
typedef struct {
	fe ypx, ymx, Z, T2d;
} ge_cached;

static void
ge_zero(ge_p3 *h)
{
	fe_set(&h->X, 0);
	fe_set(&h->Y, 1);
	fe_set(&h->Z, 1);
	fe_set(&h->T, 0);
}

static inline void
ge_to_p3(ge_p3 *r, const ge_p1p1 *p)
{
	fe_mul(&r->X, &p->E, &p->F);
	fe_mul(&r->Y, &p->G, &p->H);
	fe_mul(&r->Z, &p->G, &p->F);
	fe_mul(&r->T, &p->E, &p->H);
}

static void
ge_dbl(ge_p1p1 *r, const ge_p3 *p)
{
	fe a, b, c, s;
	fe_sq(&a, &p->X);
	fe_sq(&b, &p->Y);
	fe_sq(&c, &p->Z);
	fe_add(&c, &c, &c);
	fe_add(&s, &p->X, &p->Y);
	fe_sq(&s, &s);
	fe_add(&r->H, &b, &a);
	fe_sub(&r->G, &b, &a);
	fe_sub(&r->E, &s, &r->H);
	fe_sub(&r->F, &c, &r->G);
}

/* r = p + q (neg == 0) or p - q (neg == 1) */
static inline void
ge_madd(ge_p1p1 *r, const ge_p3 *p, const ge_niels *q, int neg)
{
	fe a, b, c, d;
	fe_add(&a, &p->Y, &p->X);
	fe_sub(&b, &p->Y, &p->X);
	fe_mul(&a, &a, neg ? &q->ymx : &q->ypx);
	fe_mul(&b, &b, neg ? &q->ypx : &q->ymx);
	fe_mul(&c, &q->xy2d, &p->T);
	fe_add(&d, &p->Z, &p->Z);
	fe_sub(&r->E, &a, &b);
	fe_add(&r->H, &a, &b);
	if (neg) {
		fe_sub(&r->G, &d, &c);
		fe_add(&r->F, &d, &c);
	} else {
		fe_add(&r->G, &d, &c);
		fe_sub(&r->F, &d, &c);
	}
}

static void
ge_to_cached(ge_cached *r, const ge_p3 *p)
{
	fe_add(&r->ypx, &p->Y, &p->X);
	fe_carry(&r->ypx);
	fe_sub(&r->ymx, &p->Y, &p->X);
	r->Z = p->Z;
	fe_mul(&r->T2d, &p->T, &fe_d2);
}

static void
ge_add(ge_p1p1 *r, const ge_p3 *p, const ge_cached *q)
{
	fe a, b, c, d;
	fe_add(&a, &p->Y, &p->X);
	fe_sub(&b, &p->Y, &p->X);
	fe_mul(&a, &a, &q->ypx);
	fe_mul(&b, &b, &q->ymx);
	fe_mul(&c, &q->T2d, &p->T);
	fe_mul(&d, &p->Z, &q->Z);
	fe_add(&d, &d, &d);
	fe_sub(&r->E, &a, &b);
	fe_add(&r->H, &a, &b);
	fe_add(&r->G, &d, &c);
	fe_sub(&r->F, &d, &c);
}

/* The point s encodes (s[31]'s top bit: x's sign), or -1 when none does.
 * As ref10's decoding: x = u·v^3·(u·v^7)^((p-5)/8), u = y^2 - 1,
 * v = d·y^2 + 1, times sqrt(-1) when v·x^2 = -u. */
static int
ge_frombytes(ge_p3 *h, const uint8_t s[32])
{
	fe u, v, v3, vxx, chk;
	fe_frombytes(&h->Y, s);
	fe_set(&h->Z, 1);
	fe_sq(&u, &h->Y);
	fe_mul(&v, &u, &fe_d);
	fe_sub(&u, &u, &h->Z);
	fe_add(&v, &v, &h->Z);
	fe_carry(&v);
	fe_sq(&v3, &v);
	fe_mul(&v3, &v3, &v);
	fe_sq(&h->X, &v3);
	fe_mul(&h->X, &h->X, &v);
	fe_mul(&h->X, &h->X, &u);
	fe_pow22523(&h->X, &h->X);
	fe_mul(&h->X, &h->X, &v3);
	fe_mul(&h->X, &h->X, &u);
	fe_sq(&vxx, &h->X);
	fe_mul(&vxx, &vxx, &v);
	fe_sub(&chk, &vxx, &u);
	if (!fe_iszero(&chk)) {
		fe_add(&chk, &vxx, &u);
		fe_carry(&chk);
		if (!fe_iszero(&chk))
			return -1;
		fe_mul(&h->X, &h->X, &fe_sqrtm1);
	}
	if (fe_isneg(&h->X) != (s[31] >> 7))
		fe_neg(&h->X, &h->X);
	fe_mul(&h->T, &h->X, &h->Y);
	return 0;
}

/* h's encoding, zi = 1/Z given */
static void
ge_encode(uint8_t s[32], const ge_p3 *h, const fe *zi)
{
	fe x, y;
	fe_mul(&x, &h->X, zi);
	fe_mul(&y, &h->Y, zi);
	fe_tobytes(s, &y);
	s[31] ^= (uint8_t)(fe_isneg(&x) << 7);
}

static void
ge_tobytes(uint8_t s[32], const ge_p3 *h)
{
	fe zi;
	fe_invert(&zi, &h->Z);
	ge_encode(s, h, &zi);
}

/* ---- tables: row i holds j·2^(bits·i)·P, j = 1..cols ----
 *
 * A key's table has 26 rows 2^10 apart and 16 columns (49 KiB): a scalar
 * then takes 51 signed radix-32 digits, the odd ones added before 5
 * doublings and the even ones after (49 additions, where radix 16 took
 * 60). The base point's, made once and shared, has 32 rows 2^8 apart and
 * 128 columns (480 KiB): a scalar takes 32 signed radix-256 digits, added
 * with no doubling at all (32 additions). */

#define KROWS 26  /* a key's table: 26 x 10 bits cover a scalar below 2^253 */
#define KCOLS 16
#define KBITS 10
#define KDIGITS 51 /* radix-32 digits of a scalar below 2^253 (51 x 5 = 255 bits) */
#define BROWS 32
#define BCOLS 128
#define BBITS 8

struct table {
	ge_niels t[KROWS][KCOLS];
};

struct btable {
	ge_niels t[BROWS][BCOLS];
};

/* The rows·cols multiples of p, projective, in pts (row-major): row i
 * holds j·2^(bits·i)·p; cols a power of two up to 2^bits. */
static void
table_points(ge_p3 *pts, const ge_p3 *p, int rows, int cols, int bits)
{
	ge_p3 q = *p;
	ge_cached qc;
	ge_p1p1 r;
	for (int i = 0; i < rows; i++) {
		ge_p3 *row = pts + i * cols;
		row[0] = q;
		ge_to_cached(&qc, &q);
		for (int j = 1; j < cols; j++) {
			ge_add(&r, &row[j - 1], &qc);
			ge_to_p3(&row[j], &r);
		}
		q = row[cols - 1]; /* cols·2^(bits·i)·p; doublings up to 2^(bits·(i+1))·p */
		for (int k = cols; k < 1 << bits; k *= 2) {
			ge_dbl(&r, &q);
			ge_to_p3(&q, &r);
		}
	}
}

/* t[0..rows·cols) = p's table, row-major: its multiples made affine with
 * one inversion (Montgomery's trick: the running products of the Z's, one
 * inverse, then back). -1 when memory is short. */
static int
table_build(ge_niels *t, const ge_p3 *p, int rows, int cols, int bits)
{
	const int n = rows * cols;
	ge_p3 *pts = malloc((size_t)n * sizeof *pts);
	fe *acc = malloc((size_t)n * sizeof *acc);
	if (pts == NULL || acc == NULL) {
		free(pts);
		free(acc);
		return -1;
	}
	table_points(pts, p, rows, cols, bits);
	acc[0] = pts[0].Z;
	for (int i = 1; i < n; i++)
		fe_mul(&acc[i], &acc[i - 1], &pts[i].Z);
	fe inv, zi, x, y;
	fe_invert(&inv, &acc[n - 1]);
	for (int i = n - 1; i >= 0; i--) {
		if (i > 0) {
			fe_mul(&zi, &inv, &acc[i - 1]);
			fe_mul(&inv, &inv, &pts[i].Z);
		} else {
			zi = inv;
		}
		ge_niels *e = &t[i];
		fe_mul(&x, &pts[i].X, &zi);
		fe_mul(&y, &pts[i].Y, &zi);
		fe_add(&e->ypx, &y, &x);
		fe_carry(&e->ypx);
		fe_sub(&e->ymx, &y, &x);
		fe_mul(&e->xy2d, &x, &y);
		fe_mul(&e->xy2d, &e->xy2d, &fe_d2);
	}
	free(pts);
	free(acc);
	return 0;
}

/* a (below 2^253) as 51 signed radix-32 digits in [-16, 16] */
static void
digits32(int8_t e[KDIGITS], const uint8_t a[32])
{
	int carry = 0;
	for (int k = 0; k < KDIGITS; k++) {
		int bit = 5 * k, i = bit / 8, sh = bit % 8;
		unsigned w = a[i] | (i + 1 < 32 ? (unsigned)a[i + 1] << 8 : 0u);
		int x = (int)((w >> sh) & 31) + carry;
		carry = (x + 16) >> 5;
		e[k] = (int8_t)(x - carry * 32);
	}
	e[KDIGITS - 1] = (int8_t)(e[KDIGITS - 1] + carry * 32); /* a < 2^253: the top digit is at most 8 */
}

/* a (below 2^255) as 32 signed radix-256 digits in [-127, 128] */
static void
digits256(int16_t e[32], const uint8_t a[32])
{
	int carry = 0;
	for (int i = 0; i < 31; i++) {
		int x = a[i] + carry;
		carry = x > 128;
		e[i] = (int16_t)(x - carry * 256);
	}
	e[31] = (int16_t)(a[31] + carry); /* a[31] < 128 */
}

/* acc += e·P, row holding j·P at row[j - 1] (|e| ≤ its columns) */
static inline void
add_digit(ge_p3 *acc, const ge_niels *row, int e)
{
	ge_p1p1 r;
	if (e == 0)
		return;
	ge_madd(&r, acc, &row[(e > 0 ? e : -e) - 1], e < 0);
	ge_to_p3(acc, &r);
}

/* acc = a·B + b·Q, B by the base table (radix-256 digits ea) and Q by
 * its table tq (radix-32 digits eb; NULL: a·B alone) */
static void
comb2(ge_p3 *acc, const struct btable *tb, const int16_t ea[32], const struct table *tq, const int8_t eb[KDIGITS])
{
	ge_p1p1 r;
	ge_zero(acc);
	if (tq != NULL) {
		for (int k = 1; k < KDIGITS; k += 2) /* 2^(5k) = 2^5 · 2^(10·(k/2)) */
			add_digit(acc, tq->t[k / 2], eb[k]);
		for (int d = 0; d < 5; d++) {
			ge_dbl(&r, acc);
			ge_to_p3(acc, &r);
		}
		for (int k = 0; k < KDIGITS; k += 2)
			add_digit(acc, tq->t[k / 2], eb[k]);
	}
	for (int i = 0; i < 32; i++)
		add_digit(acc, tb->t[i], ea[i]);
}

/* ---- the base point's table, made once ---- */

static pthread_once_t base_once = PTHREAD_ONCE_INIT;
static struct btable base_table;
static int base_ok;

static void
base_init(void)
{
	uint8_t b[32];
	ge_p3 p;
	memset(b, 0x66, sizeof b); /* y = 4/5, x even: RFC 8032's B */
	b[0] = 0x58;
	base_ok = ge_frombytes(&p, b) == 0 && table_build(&base_table.t[0][0], &p, BROWS, BCOLS, BBITS) == 0;
}

void
pdl_ed25519_base_mul_for_tests(uint8_t out[32], const uint8_t a[32])
{
	int16_t e[32];
	ge_p3 r;
	pthread_once(&base_once, base_init);
	digits256(e, a);
	comb2(&r, &base_table, e, NULL, NULL);
	ge_tobytes(out, &r);
}

/* ---- the check with a table ---- */

/* s < L = 2^252 + 27742317777372353535851937790883648493 */
static int
scalar_canonical(const uint8_t s[32])
{
	static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
	                              0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
	                              0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
	for (int i = 31; i >= 0; i--)
		if (s[i] != L[i])
			return s[i] < L[i];
	return 0;
}

/* libsodium's list of small-order encodings (0, 1, the two order-8 y's,
 * p - 1, p, p + 1), compared with the last byte's top bit ignored */
static int
small_order(const uint8_t s[32])
{
	static const uint8_t list[7][32] = {
	        {0},
	        {1},
	        {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
	         0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
	        {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
	         0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
	        {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	        {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	        {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	};
	for (int i = 0; i < 7; i++)
		if (memcmp(s, list[i], 31) == 0 && (s[31] & 0x7f) == list[i][31])
			return 1;
	return 0;
}

/* A check ready for the table path: -pk's table and both scalars' digits. */
struct prep {
	const struct table *t;
	int8_t eh[KDIGITS];
	int16_t es[32];
};

/* p = what s·B + h·(-A) takes for sig, by t, the table of -pk: 1; or 0
 * when sig's s or R rules the table out (libsodium then decides). */
static int
table_prepare(struct prep *p, const struct table *t, const uint8_t sig[64], const uint8_t *m, size_t n,
              const uint8_t pk[32])
{
	if (!scalar_canonical(sig + 32) || small_order(sig))
		return 0;
	crypto_hash_sha512_state hs;
	uint8_t hw[64], h[32];
	crypto_hash_sha512_init(&hs);
	crypto_hash_sha512_update(&hs, sig, 32);
	crypto_hash_sha512_update(&hs, pk, 32);
	crypto_hash_sha512_update(&hs, m, n);
	crypto_hash_sha512_final(&hs, hw);
	crypto_core_ed25519_scalar_reduce(h, hw);
	p->t = t;
	digits32(p->eh, h);
	digits256(p->es, sig + 32);
	return 1;
}

/* r = s·B + h·(-A) for sig, by t, the table of -pk: 1; or 0 when sig's s
 * or R rules the table out (libsodium then decides). */
static int
table_point(ge_p3 *r, const struct table *t, const uint8_t sig[64], const uint8_t *m, size_t n, const uint8_t pk[32])
{
	struct prep p;
	if (!table_prepare(&p, t, sig, m, n, pk))
		return 0;
	comb2(r, &base_table, p.es, p.t, p.eh);
	return 1;
}

/* 1 when the table of -pk (t) shows sig is pk's signature over m; 0 when
 * it does not say (libsodium then decides). */
static int
table_accepts(const struct table *t, const uint8_t sig[64], const uint8_t *m, size_t n, const uint8_t pk[32])
{
	ge_p3 r;
	uint8_t rc[32];
	if (!table_point(&r, t, sig, m, n, pk))
		return 0;
	ge_tobytes(rc, &r);
	return memcmp(rc, sig, 32) == 0;
}

/* ---- eight checks at once (AVX-512 IFMA) ----
 *
 * Where the CPU has AVX-512 IFMA (52-bit multiply-adds, 8 lanes), up to 8
 * table checks run side by side, lane l the check of pp[l]: the same
 * additions and doublings as comb2, each lane's table entries gathered by
 * address, its digit's sign chosen by a mask. The limbs are the scalar
 * code's (radix 2^51), so tables serve both and each lane's result is an
 * ordinary ge_p3, made affine and compared with R as the scalar one.
 *
 * A product of limbs f·g (both below 2^52, as IFMA takes them) is lo +
 * hi·2^52, lo and hi below 2^52; at limb i+j's weight 2^(51(i+j)), lo
 * stays in column i+j and hi goes to column i+j+1 doubled. Columns 5..9
 * fold into 0..4 times 19 (2^255 = 19 mod p), then one carry pass.
 *
 * Invariant (4) keeps every limb IFMA reads below 2^52. */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_LANES 1
#include <immintrin.h>

#define LANES 8
#define LANES_MIN 4 /* a pass costs about what four scalar combs do: fewer go the scalar way */
#define LANES_TARGET __attribute__((target("avx512f,avx512ifma")))

typedef struct {
	__m512i v[5];
} vfe;

typedef struct {
	vfe X, Y, Z, T;
} vge_p3;

/* the identity in a table entry's form: y + x = 1, y - x = 1, 2d·x·y = 0 */
static const ge_niels niels_identity = {{{1, 0, 0, 0, 0}}, {{1, 0, 0, 0, 0}}, {{0, 0, 0, 0, 0}}};

LANES_TARGET static inline __m512i
v19(__m512i x)
{
	return _mm512_add_epi64(_mm512_add_epi64(_mm512_slli_epi64(x, 4), _mm512_slli_epi64(x, 1)), x);
}

/* limbs below 2^62 in; out limbs below 2^51, but v[0] below 2^51 + 2^17 */
LANES_TARGET static inline void
vfe_carry(vfe *h)
{
	const __m512i m = _mm512_set1_epi64((long long)MASK51);
	__m512i c;
	for (int i = 0; i < 4; i++) {
		c = _mm512_srli_epi64(h->v[i], 51);
		h->v[i] = _mm512_and_si512(h->v[i], m);
		h->v[i + 1] = _mm512_add_epi64(h->v[i + 1], c);
	}
	c = _mm512_srli_epi64(h->v[4], 51);
	h->v[4] = _mm512_and_si512(h->v[4], m);
	h->v[0] = _mm512_add_epi64(h->v[0], v19(c));
}

LANES_TARGET static inline void
vfe_add(vfe *h, const vfe *f, const vfe *g)
{
	for (int i = 0; i < 5; i++)
		h->v[i] = _mm512_add_epi64(f->v[i], g->v[i]);
}

/* f + 4p - g, carried */
LANES_TARGET static inline void
vfe_sub(vfe *h, const vfe *f, const vfe *g)
{
	h->v[0] = _mm512_sub_epi64(_mm512_add_epi64(f->v[0], _mm512_set1_epi64((long long)FOUR_P0)), g->v[0]);
	for (int i = 1; i < 5; i++)
		h->v[i] = _mm512_sub_epi64(_mm512_add_epi64(f->v[i], _mm512_set1_epi64((long long)FOUR_P1)), g->v[i]);
	vfe_carry(h);
}

LANES_TARGET static void
vfe_mul(vfe *h, const vfe *f, const vfe *g)
{
	__m512i lo[10], hi[10];
	for (int k = 0; k < 10; k++)
		lo[k] = hi[k] = _mm512_setzero_si512();
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++) {
			lo[i + j] = _mm512_madd52lo_epu64(lo[i + j], f->v[i], g->v[j]);
			hi[i + j + 1] = _mm512_madd52hi_epu64(hi[i + j + 1], f->v[i], g->v[j]);
		}
	__m512i z[10];
	for (int k = 0; k < 10; k++) /* each below 5·2^52 + 2·5·2^52 < 2^56 */
		z[k] = _mm512_add_epi64(lo[k], _mm512_slli_epi64(hi[k], 1));
	for (int k = 0; k < 5; k++) /* below 2^56 + 19·2^56 < 2^61 */
		h->v[k] = _mm512_add_epi64(z[k], v19(z[k + 5]));
	vfe_carry(h);
}

/* r = p + q, q an affine table entry per lane (neg: the lanes adding -q) */
LANES_TARGET static void
vge_madd(vge_p3 *r, const vge_p3 *p, const vfe *ypx, const vfe *ymx, const vfe *xy2d, __mmask8 neg)
{
	vfe a, b, c, d, qa, qb, e, h, g, f, dpc, dmc;
	for (int i = 0; i < 5; i++) {
		qa.v[i] = _mm512_mask_blend_epi64(neg, ypx->v[i], ymx->v[i]);
		qb.v[i] = _mm512_mask_blend_epi64(neg, ymx->v[i], ypx->v[i]);
	}
	vfe_add(&a, &p->Y, &p->X);
	vfe_carry(&a);
	vfe_sub(&b, &p->Y, &p->X);
	vfe_mul(&a, &a, &qa);
	vfe_mul(&b, &b, &qb);
	vfe_mul(&c, xy2d, &p->T);
	vfe_add(&d, &p->Z, &p->Z);
	vfe_sub(&e, &a, &b);
	vfe_add(&h, &a, &b);
	vfe_carry(&h);
	vfe_add(&dpc, &d, &c);
	vfe_carry(&dpc);
	vfe_sub(&dmc, &d, &c);
	for (int i = 0; i < 5; i++) {
		g.v[i] = _mm512_mask_blend_epi64(neg, dpc.v[i], dmc.v[i]);
		f.v[i] = _mm512_mask_blend_epi64(neg, dmc.v[i], dpc.v[i]);
	}
	vfe_mul(&r->X, &e, &f);
	vfe_mul(&r->Y, &g, &h);
	vfe_mul(&r->Z, &g, &f);
	vfe_mul(&r->T, &e, &h);
}

LANES_TARGET static void
vge_dbl(vge_p3 *r, const vge_p3 *p)
{
	vfe a, b, c, s, e, f, g, h;
	vfe_mul(&a, &p->X, &p->X);
	vfe_mul(&b, &p->Y, &p->Y);
	vfe_mul(&c, &p->Z, &p->Z);
	vfe_add(&c, &c, &c);
	vfe_add(&s, &p->X, &p->Y);
	vfe_carry(&s);
	vfe_mul(&s, &s, &s);
	vfe_add(&h, &b, &a);
	vfe_sub(&g, &b, &a);
	vfe_sub(&e, &s, &h);
	vfe_sub(&f, &c, &g);
	vfe_carry(&h);
	vfe_mul(&r->X, &e, &f);
	vfe_mul(&r->Y, &g, &h);
	vfe_mul(&r->Z, &g, &f);
	vfe_mul(&r->T, &e, &h);
}

/* acc += each lane's digit d[l] times its row's point, row[l] holding
 * j·P at row[l][j - 1] (a lane with digit 0 adds the identity) */
LANES_TARGET static void
vadd_digits(vge_p3 *acc, const ge_niels *const row[LANES], const int d[LANES])
{
	const char *base = (const char *)&niels_identity;
	long long off[LANES];
	__mmask8 neg = 0;
	for (int l = 0; l < LANES; l++) {
		const ge_niels *e = d[l] == 0 ? &niels_identity : &row[l][(d[l] > 0 ? d[l] : -d[l]) - 1];
		off[l] = (long long)((uintptr_t)e - (uintptr_t)base);
		if (d[l] < 0)
			neg |= (__mmask8)(1u << l);
	}
	__m512i vo = _mm512_loadu_si512(off);
	vfe q[3];
	for (int f = 0; f < 3; f++)
		for (int i = 0; i < 5; i++)
			q[f].v[i] = _mm512_i64gather_epi64(_mm512_add_epi64(vo, _mm512_set1_epi64((f * 5 + i) * 8)), base, 1);
	vge_madd(acc, acc, &q[0], &q[1], &q[2], neg);
}

/* r[l] = s·B + h·(-A) for the check pp[l], l < n <= LANES */
LANES_TARGET static void
lanes_points(ge_p3 *r, const struct prep *const *pp, size_t n)
{
	vge_p3 acc;
	const ge_niels *row[LANES];
	int d[LANES];
	for (int i = 0; i < 5; i++) {
		acc.X.v[i] = acc.T.v[i] = _mm512_setzero_si512();
		acc.Y.v[i] = acc.Z.v[i] = _mm512_set1_epi64(i == 0);
	}
	for (int pass = 1; pass >= 0; pass--) { /* odd digits, 5 doublings, even digits */
		for (int k = pass; k < KDIGITS; k += 2) {
			for (size_t l = 0; l < LANES; l++) {
				row[l] = l < n ? pp[l]->t->t[k / 2] : NULL;
				d[l] = l < n ? pp[l]->eh[k] : 0;
			}
			vadd_digits(&acc, row, d);
		}
		for (int i = 0; pass == 1 && i < 5; i++)
			vge_dbl(&acc, &acc);
	}
	for (int i = 0; i < 32; i++) {
		for (size_t l = 0; l < LANES; l++) {
			row[l] = base_table.t[i];
			d[l] = l < n ? pp[l]->es[i] : 0;
		}
		vadd_digits(&acc, row, d);
	}
	uint64_t out[4][5][LANES];
	const vfe *co[4] = {&acc.X, &acc.Y, &acc.Z, &acc.T};
	for (int c = 0; c < 4; c++)
		for (int i = 0; i < 5; i++)
			_mm512_storeu_si512(out[c][i], co[c]->v[i]);
	for (size_t l = 0; l < n; l++)
		for (int i = 0; i < 5; i++) {
			r[l].X.v[i] = out[0][i][l];
			r[l].Y.v[i] = out[1][i][l];
			r[l].Z.v[i] = out[2][i][l];
			r[l].T.v[i] = out[3][i][l];
		}
}

static pthread_once_t lanes_once = PTHREAD_ONCE_INIT;
static int lanes_cpu;     /* the CPU has them */
static int lanes_off;     /* tests: the scalar path only */

static void
lanes_init(void)
{
	__builtin_cpu_init();
	lanes_cpu = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512ifma");
}

static int
lanes_usable(void)
{
	pthread_once(&lanes_once, lanes_init);
	return lanes_cpu && !lanes_off;
}
#else
static int lanes_off;
static int
lanes_usable(void)
{
	return 0;
}
#endif

int
pdl_ed25519_lanes_for_tests(int on)
{
	lanes_off = !on;
	return lanes_usable();
}

/* ---- the per-thread cache ----
 *
 * Direct-mapped on the key's first bytes. A slot holds the key of its
 * table and a candidate: the last other key libsodium accepted there, with
 * how many of its signatures since the table's key was last used. A
 * candidate gets the slot's table at ADMIT_EMPTY acceptances when the slot
 * has none, at ADMIT_EVICT when that means dropping another key's (so two
 * keys meeting in a slot, both in use, do not rebuild tables in turn). */

#define SLOTS 64u       /* tables per thread at most: 64 × 49 KiB */
#define ADMIT_EMPTY 2u  /* two acceptances: a key in use (its table costs about three checks) */
#define ADMIT_EVICT 16u

struct slot {
	uint8_t pk[32];
	struct table *t; /* of -pk; NULL: none yet */
	uint8_t cand[32];
	unsigned cand_n; /* 0: no candidate */
};

struct cache {
	struct slot s[SLOTS];
	struct pdl_ed25519_stats st;
};

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t cache_key;
static int key_ok;

static void
cache_free(void *p)
{
	struct cache *c = p;
	if (c == NULL)
		return;
	for (unsigned i = 0; i < SLOTS; i++)
		free(c->s[i].t);
	free(c);
}

/* The exiting thread's cache (the main thread's, at exit: no destructor
 * runs for it). */
static void
free_exiting_thread(void)
{
	cache_free(pthread_getspecific(cache_key));
	pthread_setspecific(cache_key, NULL);
}

static void
key_init(void)
{
	key_ok = pthread_key_create(&cache_key, cache_free) == 0 && atexit(free_exiting_thread) == 0;
}

/* This thread's cache, made on first use; NULL when memory is short. */
static struct cache *
cache_get(void)
{
	pthread_once(&key_once, key_init);
	pthread_once(&base_once, base_init);
	if (!key_ok || !base_ok)
		return NULL;
	struct cache *c = pthread_getspecific(cache_key);
	if (c == NULL) {
		c = calloc(1, sizeof *c);
		if (c != NULL && pthread_setspecific(cache_key, c) != 0) {
			free(c);
			c = NULL;
		}
	}
	return c;
}

static struct slot *
slot_of(struct cache *c, const uint8_t pk[32])
{
	uint32_t h = (uint32_t)pk[0] | (uint32_t)pk[1] << 8 | (uint32_t)pk[2] << 16 | (uint32_t)pk[3] << 24;
	return &c->s[h % SLOTS];
}

/* libsodium accepted a signature of pk: count it, and give pk the slot's
 * table once it has earned it. */
static void
accepted(struct cache *c, struct slot *sl, const uint8_t pk[32])
{
	if (sl->t != NULL && memcmp(sl->pk, pk, 32) == 0)
		return; /* a batch's later checks of a key whose table its earlier ones made */
	if (sl->cand_n > 0 && memcmp(sl->cand, pk, 32) == 0) {
		sl->cand_n++;
	} else {
		memcpy(sl->cand, pk, 32);
		sl->cand_n = 1;
	}
	if (sl->cand_n < (sl->t == NULL ? ADMIT_EMPTY : ADMIT_EVICT))
		return;
	sl->cand_n = 0;
	ge_p3 a;
	if (ge_frombytes(&a, pk) != 0)
		return; /* cannot happen: libsodium decoded it */
	fe_neg(&a.X, &a.X);
	fe_neg(&a.T, &a.T);
	if (sl->t == NULL && (sl->t = malloc(sizeof *sl->t)) == NULL)
		return;
	if (table_build(&sl->t->t[0][0], &a, KROWS, KCOLS, KBITS) != 0) {
		free(sl->t);
		sl->t = NULL;
		return;
	}
	memcpy(sl->pk, pk, 32);
	c->st.built++;
}

/* The slot's table is pk's: the table path tries first. */
static struct table *
table_of(struct cache *c, const uint8_t pk[32])
{
	struct slot *sl = slot_of(c, pk);
	return sl->t != NULL && memcmp(sl->pk, pk, 32) == 0 ? sl->t : NULL;
}

/* The table of pk accepted a signature: its key is in use, so a candidate
 * for its slot starts again. */
static void
fast_hit(struct cache *c, const uint8_t pk[32])
{
	slot_of(c, pk)->cand_n = 0;
	c->st.fast++;
}

/* libsodium's answer (0 or -1), counted, and a table earned by it. */
static int
slow_check(struct cache *c, const uint8_t sig[64], const uint8_t *m, size_t n, const uint8_t pk[32])
{
	c->st.slow++;
	if (crypto_sign_verify_detached(sig, m, n, pk) != 0)
		return -1;
	accepted(c, slot_of(c, pk), pk);
	return 0;
}

int
pdl_ed25519_verify(const uint8_t sig[64], const uint8_t *m, size_t n, const uint8_t pk[32])
{
	struct cache *c = cache_get();
	if (c == NULL)
		return crypto_sign_verify_detached(sig, m, n, pk) == 0 ? 0 : -1;
	const struct table *t = table_of(c, pk);
	if (t != NULL && table_accepts(t, sig, m, n, pk)) {
		fast_hit(c, pk);
		return 0;
	}
	return slow_check(c, sig, m, n, pk);
}

#define BATCH 64u /* checks sharing one inversion: pdld's verify task */

/* The checks of c[0..n) (n <= BATCH) whose key has a table: their points
 * made affine with one inversion (Montgomery's trick, as table_build),
 * rc = PDL_OK where one encodes to the signature's R. */
static void
batch_tables(struct cache *cc, struct pdl_sigcheck *c, size_t n)
{
	ge_p3 r[BATCH];
	fe acc[BATCH], inv, zi;
	size_t idx[BATCH], k = 0;
	struct prep pp[BATCH];
	for (size_t i = 0; i < n; i++) {
		const struct table *t = table_of(cc, c[i].pk->b);
		if (t != NULL && table_prepare(&pp[k], t, c[i].sig, c[i].m, c[i].n, c[i].pk->b))
			idx[k++] = i;
	}
#ifdef HAVE_LANES
	size_t done = 0; /* checks whose points the lanes made */
	if (lanes_usable()) {
		const struct prep *grp[LANES];
		while (k - done >= LANES_MIN) {
			size_t g = k - done < LANES ? k - done : LANES;
			for (size_t l = 0; l < g; l++)
				grp[l] = &pp[done + l];
			lanes_points(&r[done], grp, g);
			done += g;
		}
	}
#else
	size_t done = 0;
#endif
	for (size_t j = done; j < k; j++)
		comb2(&r[j], &base_table, pp[j].es, pp[j].t, pp[j].eh);
	if (k == 0)
		return;
	acc[0] = r[0].Z;
	for (size_t j = 1; j < k; j++)
		fe_mul(&acc[j], &acc[j - 1], &r[j].Z);
	fe_invert(&inv, &acc[k - 1]);
	for (size_t j = k; j-- > 0;) {
		if (j > 0) {
			fe_mul(&zi, &inv, &acc[j - 1]);
			fe_mul(&inv, &inv, &r[j].Z);
		} else {
			zi = inv;
		}
		uint8_t rc[32];
		struct pdl_sigcheck *ci = &c[idx[j]];
		ge_encode(rc, &r[j], &zi);
		if (memcmp(rc, ci->sig, 32) == 0) {
			ci->rc = PDL_OK;
			fast_hit(cc, ci->pk->b);
		}
	}
}

void
pdl_ed25519_verify_many(struct pdl_sigcheck *c, size_t n)
{
	struct cache *cc = cache_get();
	for (size_t i = 0; i < n; i++)
		c[i].rc = PDL_EBADSIG;
	if (cc != NULL)
		for (size_t lo = 0; lo < n; lo += BATCH)
			batch_tables(cc, c + lo, n - lo < BATCH ? n - lo : BATCH);
	for (size_t i = 0; i < n; i++) {
		if (c[i].rc == PDL_OK)
			continue;
		int ok = cc != NULL ? slow_check(cc, c[i].sig, c[i].m, c[i].n, c[i].pk->b)
		                    : crypto_sign_verify_detached(c[i].sig, c[i].m, c[i].n, c[i].pk->b);
		c[i].rc = ok == 0 ? PDL_OK : PDL_EBADSIG;
	}
}

void
pdl_ed25519_stats(struct pdl_ed25519_stats *s)
{
	struct cache *c = cache_get();
	if (c != NULL)
		*s = c->st;
	else
		memset(s, 0, sizeof *s);
}
