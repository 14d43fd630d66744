/*
 * sha256.c — SHA-256 with a SHA-NI block function where the CPU has one.
 *
 * The context code (buffering, padding, length) is shared; only the block
 * function differs. Both take the state as h[0..7] = a..h and any number of
 * whole 64-byte blocks.
 */
#include "sha256.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_SHANI_CODE 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t H0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

typedef void blocks_fn(uint32_t h[8], const uint8_t *p, size_t nblocks);

static uint32_t rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void blocks_portable(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	uint32_t w[64];

	for (; nblocks > 0; nblocks--, p += 64) {
		for (int t = 0; t < 16; t++)
			w[t] = load_be32(p + 4 * t);
		for (int t = 16; t < 64; t++) {
			uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
			uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
			w[t] = w[t - 16] + s0 + w[t - 7] + s1;
		}
		uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
		uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];
		for (int t = 0; t < 64; t++) {
			uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
			uint32_t ch = (e & f) ^ (~e & g);
			uint32_t t1 = hh + S1 + ch + K[t] + w[t];
			uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
			uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
			uint32_t t2 = S0 + maj;
			hh = g;
			g = f;
			f = e;
			e = d + t1;
			d = c;
			c = b;
			b = a;
			a = t1 + t2;
		}
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
		h[4] += e;
		h[5] += f;
		h[6] += g;
		h[7] += hh;
	}
}

#ifdef HAVE_SHANI_CODE
/*
 * The SHA extensions keep the state as two vectors, ABEF and CDGH (lane 3
 * first: A,B,E,F from high to low). SHA256RNDS2 does two rounds, taking the
 * two message+constant words from the low half of its third operand; the
 * message schedule for words 16..63 comes from SHA256MSG1/MSG2 plus the
 * W[t-7] term, which is the middle of the previous two schedule vectors.
 */
__attribute__((target("sha,sse4.1,ssse3"))) static void
blocks_shani(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i dcba = _mm_loadu_si128((const __m128i *)(const void *)&h[0]);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)(const void *)&h[4]);
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
	__m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
	__m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);

	for (; nblocks > 0; nblocks--, p += 64) {
		__m128i abef_in = abef, cdgh_in = cdgh;
		__m128i x[4]; /* the last four schedule vectors, x[j % 4] = W[4j..4j+3] */

		for (int j = 0; j < 16; j++) {
			__m128i m;
			if (j < 4) {
				m = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * j));
				m = _mm_shuffle_epi8(m, bswap);
			} else {
				/* x[(j + k) & 3] holds vector j - 4 + k */
				__m128i xm4 = x[j & 3], xm3 = x[(j + 1) & 3];
				__m128i xm2 = x[(j + 2) & 3], xm1 = x[(j + 3) & 3];
				m = _mm_sha256msg1_epu32(xm4, xm3);
				m = _mm_add_epi32(m, _mm_alignr_epi8(xm1, xm2, 4));
				m = _mm_sha256msg2_epu32(m, xm1);
			}
			x[j & 3] = m;
			__m128i wk = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)(const void *)&K[4 * j]));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
			wk = _mm_shuffle_epi32(wk, 0x0E);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);
		}
		abef = _mm_add_epi32(abef, abef_in);
		cdgh = _mm_add_epi32(cdgh, cdgh_in);
	}

	__m128i feba = _mm_shuffle_epi32(abef, 0x1B);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
	dcba = _mm_blend_epi16(feba, dchg, 0xF0);
	hgfe = _mm_alignr_epi8(dchg, feba, 8);
	_mm_storeu_si128((__m128i *)(void *)&h[0], dcba);
	_mm_storeu_si128((__m128i *)(void *)&h[4], hgfe);
}

static int cpu_has_shani(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (!(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return 0;
	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	return (b & (1u << 29)) != 0; /* CPUID.(EAX=7,ECX=0):EBX.SHA */
}
#endif

static blocks_fn *blocks = blocks_portable;
static blocks_fn *blocks_cpu = blocks_portable;

/* Chosen before main, so threads only ever read `blocks` (invariant 2). */
__attribute__((constructor)) static void choose_blocks(void)
{
#ifdef HAVE_SHANI_CODE
	if (cpu_has_shani())
		blocks_cpu = blocks_shani;
#endif
	blocks = blocks_cpu;
}

const char *pdl_sha256_impl(void)
{
#ifdef HAVE_SHANI_CODE
	if (blocks == blocks_shani)
		return "sha-ni";
#endif
	return "portable";
}

void pdl_sha256_force_portable(int on)
{
	blocks = on ? blocks_portable : blocks_cpu;
}

void pdl_sha256_init(pdl_sha256_ctx *s)
{
	memcpy(s->h, H0, sizeof H0);
	s->total_bytes = 0;
	s->buf_fill = 0;
}

void pdl_sha256_update(pdl_sha256_ctx *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->total_bytes += len;
	if (s->buf_fill > 0) {
		size_t take = 64 - s->buf_fill;
		if (take > len)
			take = len;
		memcpy(s->buf + s->buf_fill, p, take);
		s->buf_fill += take;
		p += take;
		len -= take;
		if (s->buf_fill < 64)
			return;
		blocks(s->h, s->buf, 1);
		s->buf_fill = 0;
	}
	if (len >= 64) {
		blocks(s->h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	if (len > 0) {
		memcpy(s->buf, p, len);
		s->buf_fill = len;
	}
}

void pdl_sha256_final(pdl_sha256_ctx *s, uint8_t out[PDL_SHA256_BYTES])
{
	uint64_t bits = s->total_bytes * 8;
	size_t n = s->buf_fill;

	s->buf[n++] = 0x80;
	if (n > 56) {
		memset(s->buf + n, 0, 64 - n);
		blocks(s->h, s->buf, 1);
		n = 0;
	}
	memset(s->buf + n, 0, 56 - n);
	for (int i = 0; i < 8; i++)
		s->buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	blocks(s->h, s->buf, 1);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
	memset(s, 0, sizeof *s);
}

void pdl_sha256(uint8_t out[PDL_SHA256_BYTES], const void *data, size_t len)
{
	pdl_sha256_ctx s;

	pdl_sha256_init(&s);
	pdl_sha256_update(&s, data, len);
	pdl_sha256_final(&s, out);
}
