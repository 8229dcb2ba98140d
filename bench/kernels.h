/* The benchmark kernels (kernels.c), as the native build exports them.  In
 * the wasm build each is exported under its short name (bench_fib -> "fib").
 * `scale` divides the problem size (1 = full size); the result is a
 * checksum of everything computed. */
#ifndef VEIL_BENCH_KERNELS_H
#define VEIL_BENCH_KERNELS_H

#include <stdint.h>

uint32_t bench_conv3x3(uint32_t scale);
uint32_t bench_matmul(uint32_t scale);
uint32_t bench_sha256(uint32_t scale);
uint32_t bench_sort(uint32_t scale);
uint32_t bench_fib(uint32_t scale);

#endif
