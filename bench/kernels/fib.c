/*
 * Naive recursive Fibonacci: measures call overhead (frame setup, the
 * stack-depth check, fuel at function entry) rather than arithmetic.
 */
#include "kernel.h"

/* noinline and volatile argument: the compiler must keep every call. */
__attribute__((noinline)) static uint32_t fib(uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(void) {
    volatile uint32_t n = 38;
    uint32_t result = fib(n);
    bench_report("fib", result);
    return 0;
}
