/*
 * 512x512 single-precision matrix product in i-k-j order, so the inner loop
 * streams a row of B and a row of C (vectorises; no reduction is reordered,
 * so every build computes the same bits).  C accumulates REPEAT products
 * (C += A * B) so the kernel runs long enough to time.
 */
#include <string.h>

#include "kernel.h"

enum { FULL_N = 512, REPEAT = 8 };

static void matmul_add(size_t N, const float *restrict a, const float *restrict b,
                       float *restrict c) {
    for (size_t i = 0; i < N; i++) {
        float *crow = c + i * N;
        for (size_t k = 0; k < N; k++) {
            float aik = a[i * N + k];
            const float *brow = b + k * N;
            for (size_t j = 0; j < N; j++)
                crow[j] += aik * brow[j];
        }
    }
}

BENCH_EXPORT(matmul) uint64_t bench_matmul(uint32_t scale) {
    size_t N = bench_scaled(FULL_N, scale, 1);
    uint64_t seed = 0x0badc0ffee123457ULL;
    float *a = bench_alloc(sizeof(float) * N * N);
    float *b = bench_alloc(sizeof(float) * N * N);
    float *c = bench_alloc(sizeof(float) * N * N);
    for (size_t i = 0; i < N * N; i++)
        a[i] = bench_rand_float(&seed);
    for (size_t i = 0; i < N * N; i++)
        b[i] = bench_rand_float(&seed);
    memset(c, 0, sizeof(float) * N * N);
    for (int r = 0; r < REPEAT; r++)
        matmul_add(N, a, b, c);
    uint64_t hash = BENCH_HASH_INIT;
    for (size_t i = 0; i < N * N; i++) {
        uint32_t bits;
        memcpy(&bits, &c[i], sizeof bits);
        hash = bench_mix(hash, bits);
    }
    free(a);
    free(b);
    free(c);
    return hash;
}

BENCH_MAIN(matmul)
