/*
 * Shared helpers for the bench kernels.  Every kernel is one C file with a
 * main() that builds its input from a fixed-seed generator, runs the
 * computation once and prints "<name> <checksum>" so that every variant
 * (native, wasm under each engine) can be checked to compute the same bits.
 * The kernels use nothing from libc but malloc and printf, so the wasm
 * builds import only the WASI calls printf needs.
 */
#ifndef VEIL_BENCH_KERNEL_H
#define VEIL_BENCH_KERNEL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* xorshift64*: the same sequence on every target. */
static inline uint64_t bench_rand(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* A float in [-1, 1) with 24 random bits: exactly representable. */
static inline float bench_rand_float(uint64_t *state) {
    return (float)((int32_t)(bench_rand(state) >> 40) - (1 << 23)) / (float)(1 << 23);
}

/* FNV-1a over 32-bit words: exact, order-dependent. */
static inline uint64_t bench_mix(uint64_t hash, uint32_t word) {
    return (hash ^ word) * 0x100000001b3ULL;
}

static inline void *bench_alloc(size_t bytes) {
    void *p = malloc(bytes);
    if (p == NULL) {
        printf("out of memory (%zu bytes)\n", bytes);
        exit(1);
    }
    return p;
}

static inline void bench_report(const char *name, uint64_t checksum) {
    printf("%s %016llx\n", name, (unsigned long long)checksum);
}

#endif
