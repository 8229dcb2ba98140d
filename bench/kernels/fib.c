/*
 * Naive recursive Fibonacci: measures call overhead (frame setup, the
 * stack-depth check, fuel at function entry) rather than arithmetic.
 */
#include "kernel.h"

/* noinline and volatile argument: the compiler must keep every call. */
__attribute__((noinline)) static uint32_t fib(uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

BENCH_EXPORT(fib) uint64_t bench_fib(uint32_t scale) {
    /* fib(38) makes 126 million calls; each factor of two in scale takes
     * one off n (about 1.6 times less work).  volatile: the compiler must
     * not evaluate it at compile time. */
    volatile uint32_t n = 38;
    for (uint32_t s = scale; s > 1 && n > 10; s /= 2)
        n = n - 1;
    return fib(n);
}

BENCH_MAIN(fib)
