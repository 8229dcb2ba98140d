/*
 * Sorts 4 Mi pseudo-random 32-bit integers with an in-file introsort-style
 * quicksort (median of three, insertion sort below 16 elements): branchy,
 * memory-bound integer code.  Its own sort, so no libc's qsort is measured.
 */
#include "kernel.h"

enum { FULL_COUNT = 4 << 20 };

static void insertion_sort(int32_t *a, size_t n) {
    for (size_t i = 1; i < n; i++) {
        int32_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static void swap(int32_t *a, int32_t *b) {
    int32_t t = *a;
    *a = *b;
    *b = t;
}

static void quick_sort(int32_t *a, size_t n) {
    while (n > 16) {
        size_t mid = n / 2;
        if (a[mid] < a[0])
            swap(&a[mid], &a[0]);
        if (a[n - 1] < a[0])
            swap(&a[n - 1], &a[0]);
        if (a[n - 1] < a[mid])
            swap(&a[n - 1], &a[mid]);
        int32_t pivot = a[mid];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            swap(&a[i], &a[j]);
            i++;
            j--;
        }
        /* Recurse into the smaller half: stack depth stays logarithmic. */
        if (j + 1 < n - j - 1) {
            quick_sort(a, j + 1);
            a += j + 1;
            n -= j + 1;
        } else {
            quick_sort(a + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    insertion_sort(a, n);
}

/* An unsorted result gives checksum 0, which the native run's never is. */
BENCH_EXPORT(sort) uint64_t bench_sort(uint32_t scale) {
    size_t count = bench_scaled(FULL_COUNT, scale, 2);
    uint64_t seed = 0x0123456789abcdefULL;
    int32_t *a = bench_alloc(sizeof(int32_t) * count);
    for (size_t i = 0; i < count; i++)
        a[i] = (int32_t)(bench_rand(&seed) >> 32);
    quick_sort(a, count);
    uint64_t hash = BENCH_HASH_INIT;
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && a[i - 1] > a[i]) {
            hash = 0;
            break;
        }
        hash = bench_mix(hash, (uint32_t)a[i]);
    }
    free(a);
    return hash;
}

BENCH_MAIN(sort)
