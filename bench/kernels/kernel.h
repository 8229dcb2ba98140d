/*
 * Shared helpers for the bench kernels: the one source of every kernel the
 * benchmarks run.  Each kernel is one C file defining
 *
 *     BENCH_EXPORT(name) uint64_t bench_<name>(uint32_t scale)
 *
 * which builds its input from a fixed-seed generator, runs the computation
 * and returns a checksum of everything it computed, so that every variant
 * (native, wasm under each engine) can be checked to compute the same bits.
 * `scale` divides the problem size (1 = the size in the bench tables;
 * larger values shrink it for quick correctness runs).  The file ends with
 * BENCH_MAIN(name), which makes it a program printing "<name> <checksum>"
 * at scale 1 (bench/compare.sh runs those), or, compiled with
 * -DBENCH_LIBRARY, nothing: veil_bench links all kernels natively and as
 * one wasm module exporting each bench_<name> as "<name>".
 * The kernels use nothing from libc but malloc/free (and printf in the
 * programs), so the library wasm module has no imports at all.
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

/* The same FNV-1a offset basis for every kernel's checksum. */
#define BENCH_HASH_INIT 0xcbf29ce484222325ULL

/* Out of memory ends the run: the program says so; the library (no
 * imports, no stdio) traps, which every engine reports. */
static inline void *bench_alloc(size_t bytes) {
    void *p = malloc(bytes);
    if (p == NULL) {
#ifdef BENCH_LIBRARY
        abort();
#else
        printf("out of memory (%zu bytes)\n", bytes);
        exit(1);
#endif
    }
    return p;
}

/* n / scale, never below `floor`. */
static inline size_t bench_scaled(size_t n, uint32_t scale, size_t floor) {
    size_t v = n / (scale ? scale : 1);
    return v < floor ? floor : v;
}

#ifdef BENCH_LIBRARY
uint64_t bench_conv(uint32_t scale);
uint64_t bench_matmul(uint32_t scale);
uint64_t bench_sha256(uint32_t scale);
uint64_t bench_sort(uint32_t scale);
uint64_t bench_fib(uint32_t scale);
#ifdef __wasm__
#define BENCH_EXPORT(name) __attribute__((export_name(#name)))
#else
#define BENCH_EXPORT(name)
#endif
#define BENCH_MAIN(name)
#else
#define BENCH_EXPORT(name) static
#define BENCH_MAIN(name)                                                                           \
    int main(void) {                                                                               \
        printf("%s %016llx\n", #name, (unsigned long long)bench_##name(1));                        \
        return 0;                                                                                  \
    }
#endif

#endif
