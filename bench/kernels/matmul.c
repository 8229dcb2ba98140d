/*
 * 512x512 single-precision matrix product in i-k-j order, so the inner loop
 * streams a row of B and a row of C (vectorises; no reduction is reordered,
 * so every build computes the same bits).  C accumulates REPEAT products
 * (C += A * B) so the kernel runs long enough to time.
 */
#include <string.h>

#include "kernel.h"

enum { N = 512, REPEAT = 8 };

static void matmul_add(const float *restrict a, const float *restrict b, float *restrict c) {
    for (int i = 0; i < N; i++) {
        float *crow = c + (size_t)i * N;
        for (int k = 0; k < N; k++) {
            float aik = a[(size_t)i * N + k];
            const float *brow = b + (size_t)k * N;
            for (int j = 0; j < N; j++)
                crow[j] += aik * brow[j];
        }
    }
}

int main(void) {
    uint64_t seed = 0x0badc0ffee123457ULL;
    float *a = bench_alloc(sizeof(float) * N * N);
    float *b = bench_alloc(sizeof(float) * N * N);
    float *c = bench_alloc(sizeof(float) * N * N);
    for (size_t i = 0; i < (size_t)N * N; i++)
        a[i] = bench_rand_float(&seed);
    for (size_t i = 0; i < (size_t)N * N; i++)
        b[i] = bench_rand_float(&seed);
    memset(c, 0, sizeof(float) * N * N);
    for (int r = 0; r < REPEAT; r++)
        matmul_add(a, b, c);
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < (size_t)N * N; i++) {
        uint32_t bits;
        memcpy(&bits, &c[i], sizeof bits);
        hash = bench_mix(hash, bits);
    }
    bench_report("matmul", hash);
    return 0;
}
