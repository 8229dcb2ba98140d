/*
 * Benchmark kernels, compiled twice from this one source: to wasm32 (run by
 * Veil's engine) and natively (linked into the bench driver, bench.c).
 *
 * Each kernel takes a divisor `scale` (1 = the full problem size; larger
 * values shrink it, for a quick correctness run) and returns a checksum of
 * everything it computed, so the driver can check that the engine and the
 * native build agree.  Inputs come from a fixed xorshift generator; the
 * kernels use no libc beyond what the compiler itself emits (memcpy/memset),
 * so the wasm module has no imports.  Buffers are static: the wasm module's
 * linear memory is sized by the linker to hold them.
 */
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"

#ifdef __wasm__
#define BENCH_EXPORT(name) __attribute__((export_name(#name)))
#else
#define BENCH_EXPORT(name)
#endif

static uint32_t rng_state;

static void rng_seed(uint32_t seed) {
    rng_state = seed != 0 ? seed : 1;
}

static uint32_t rng(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* A float in [-1, 1) with 23 random bits. */
static float rng_float(void) {
    return (float)(int32_t)(rng() >> 8) / (float)(1u << 23) * 2.0f - 1.0f;
}

static uint32_t mix(uint32_t h, uint32_t v) {
    h ^= v;
    h *= 0x01000193u;
    return h;
}

static uint32_t float_bits(float f) {
    union {
        float f;
        uint32_t u;
    } u = {.f = f};
    return u.u;
}

/* ---- 3x3 convolution over a 416x416x32 tensor ----
 * Same-size output, zero padding, one 3x3 filter per channel (depthwise),
 * tensor in HWC order. */
enum { CONV_H = 416, CONV_W = 416, CONV_C = 32 };
static float conv_in[CONV_H * CONV_W * CONV_C];
static float conv_out[CONV_H * CONV_W * CONV_C];
static float conv_k[CONV_C][3][3];

BENCH_EXPORT(conv3x3)
uint32_t bench_conv3x3(uint32_t scale) {
    int h = CONV_H / (int)scale, w = CONV_W / (int)scale;
    rng_seed(1);
    for (int i = 0; i < h * w * CONV_C; i++)
        conv_in[i] = rng_float();
    for (int c = 0; c < CONV_C; c++)
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++)
                conv_k[c][y][x] = rng_float();
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            float *out = &conv_out[(y * w + x) * CONV_C];
            for (int c = 0; c < CONV_C; c++)
                out[c] = 0.0f;
            for (int ky = -1; ky <= 1; ky++) {
                int yy = y + ky;
                if (yy < 0 || yy >= h)
                    continue;
                for (int kx = -1; kx <= 1; kx++) {
                    int xx = x + kx;
                    if (xx < 0 || xx >= w)
                        continue;
                    const float *in = &conv_in[(yy * w + xx) * CONV_C];
                    for (int c = 0; c < CONV_C; c++)
                        out[c] += in[c] * conv_k[c][ky + 1][kx + 1];
                }
            }
        }
    }
    uint32_t sum = 0x811c9dc5u;
    for (int i = 0; i < h * w * CONV_C; i++)
        sum = mix(sum, float_bits(conv_out[i]));
    return sum;
}

/* ---- 512x512 single-precision matrix multiplication (i-k-j order) ---- */
enum { MM_N = 512 };
static float mm_a[MM_N * MM_N], mm_b[MM_N * MM_N], mm_c[MM_N * MM_N];

BENCH_EXPORT(matmul)
uint32_t bench_matmul(uint32_t scale) {
    int n = MM_N / (int)scale;
    rng_seed(2);
    for (int i = 0; i < n * n; i++) {
        mm_a[i] = rng_float();
        mm_b[i] = rng_float();
        mm_c[i] = 0.0f;
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            float a = mm_a[i * n + k];
            for (int j = 0; j < n; j++)
                mm_c[i * n + j] += a * mm_b[k * n + j];
        }
    uint32_t sum = 0x811c9dc5u;
    for (int i = 0; i < n * n; i++)
        sum = mix(sum, float_bits(mm_c[i]));
    return sum;
}

/* ---- SHA-256 over 64 MiB (generated in 64 KiB chunks) ---- */
static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n) {
    return (x >> n) | (x << (32 - n));
}

static void sha256_block(uint32_t h[8], const uint8_t *p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 =
            hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
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

enum { SHA_TOTAL = 64 << 20, SHA_CHUNK = 64 << 10 };
static uint8_t sha_chunk[SHA_CHUNK];

BENCH_EXPORT(sha256)
uint32_t bench_sha256(uint32_t scale) {
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint64_t total = SHA_TOTAL / scale;
    rng_seed(3);
    for (uint64_t done = 0; done < total; done += SHA_CHUNK) {
        for (int i = 0; i < SHA_CHUNK; i += 4) {
            uint32_t r = rng();
            sha_chunk[i] = (uint8_t)r;
            sha_chunk[i + 1] = (uint8_t)(r >> 8);
            sha_chunk[i + 2] = (uint8_t)(r >> 16);
            sha_chunk[i + 3] = (uint8_t)(r >> 24);
        }
        for (int off = 0; off < SHA_CHUNK; off += 64)
            sha256_block(h, sha_chunk + off);
    }
    /* Padding: total is a multiple of 64, so one extra block. */
    uint8_t last[64] = {0x80};
    uint64_t bits = total * 8;
    for (int i = 0; i < 8; i++)
        last[63 - i] = (uint8_t)(bits >> (8 * i));
    sha256_block(h, last);
    uint32_t sum = 0x811c9dc5u;
    for (int i = 0; i < 8; i++)
        sum = mix(sum, h[i]);
    return sum;
}

/* ---- sort: 4 Mi 32-bit keys, quicksort (median of three) + insertion ---- */
enum { SORT_N = 4 << 20 };
static uint32_t sort_v[SORT_N];

static void insertion_sort(uint32_t *v, ptrdiff_t n) {
    for (ptrdiff_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        ptrdiff_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void quicksort(uint32_t *v, ptrdiff_t n) {
    while (n > 16) {
        uint32_t a = v[0], b = v[n / 2], c = v[n - 1];
        uint32_t pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        ptrdiff_t i = 0, j = n - 1;
        for (;;) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i >= j)
                break;
            uint32_t t = v[i];
            v[i] = v[j];
            v[j] = t;
            i++;
            j--;
        }
        /* Recurse into the smaller part, loop on the larger. */
        if (j + 1 < n - j - 1) {
            quicksort(v, j + 1);
            v += j + 1;
            n -= j + 1;
        } else {
            quicksort(v + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    insertion_sort(v, n);
}

BENCH_EXPORT(sort)
uint32_t bench_sort(uint32_t scale) {
    ptrdiff_t n = SORT_N / scale;
    rng_seed(4);
    for (ptrdiff_t i = 0; i < n; i++)
        sort_v[i] = rng();
    quicksort(sort_v, n);
    uint32_t sum = 0x811c9dc5u;
    for (ptrdiff_t i = 0; i < n; i++) {
        if (i > 0 && sort_v[i - 1] > sort_v[i])
            return 0; /* not sorted: the driver reports a mismatch */
        sum = mix(sum, sort_v[i]);
    }
    return sum;
}

/* ---- recursive Fibonacci: calls and returns ---- */
static uint32_t fib(uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

BENCH_EXPORT(fib)
uint32_t bench_fib(uint32_t scale) {
    /* fib(35) makes 30 million calls; each factor of two in scale takes
     * one off n (about 1.6 times less work). */
    uint32_t n = 35;
    for (uint32_t s = scale; s > 1 && n > 10; s /= 2)
        n -= 1;
    return fib(n);
}
