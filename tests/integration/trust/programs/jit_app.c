/* The JIT test's program: small, so compiling it stays cheap, and with an
 * output that shows it ran to the end (a sum a miscompiled loop would get
 * wrong). */
#include <stdio.h>

int main(void) {
    unsigned long long sum = 0;
    for (unsigned i = 1; i <= 100000; i++)
        sum += (unsigned long long)i * i % 7919u;
    printf("jit_app: sum %llu\n", sum);
    return 0;
}
