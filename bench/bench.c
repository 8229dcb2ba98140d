/*
 * The engine's benchmark: runs each kernel of kernels/ (the same sources
 * bench/compare.sh runs as programs) natively and in Veil's interpreter,
 * in the same process and the same run, checks that both return the same
 * checksum, and prints the times and the ratio interpreter / native.
 *
 *   veil_bench [--scale N] [--repeat N] [--only NAME] [KERNELS.wasm]
 *
 * --scale divides every problem size (1 = full size, the default); --repeat
 * takes the best of N runs of each side.  Exit status 1 when a checksum
 * differs or the engine fails.  Timing uses CLOCK_MONOTONIC; the wasm time
 * covers the call only (the module is loaded and instantiated beforehand,
 * and the kernel's buffers are in a fresh store each time).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel.h"
#include "veil/str.h"
#include "veil/wasm.h"

typedef struct kernel {
    const char *name;
    const char *what;
    uint64_t (*native)(uint32_t scale);
} kernel;

static const kernel kernels[] = {
    {"conv", "3x3 convolution, 416x416, 32 -> 32 channels f32", bench_conv},
    {"matmul", "8 x 512x512 f32 matrix multiplication", bench_matmul},
    {"sha256", "SHA-256 over 64 MiB", bench_sha256},
    {"sort", "quicksort of 4 Mi i32 keys", bench_sort},
    {"fib", "recursive fib(38)", bench_fib},
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One interpreted run of `name` in a fresh store: time of the call only. */
static veil_error *run_wasm(const veil_wasm_module *module, const char *name, uint32_t scale,
                            uint64_t *checksum, double *seconds) {
    veil_wasm_store *store;
    VEIL_TRY(veil_wasm_store_new(NULL, VEIL_WASM_INTERP, &store));
    veil_wasm_instance *inst;
    veil_wasm_trap trap;
    veil_error *err = veil_wasm_instantiate(store, module, NULL, NULL, &inst, &trap);
    veil_wasm_extern ext;
    if (err == NULL &&
        (!veil_wasm_instance_export(inst, name, &ext) || ext.kind != VEIL_WASM_EXTERN_FUNC))
        err = veil_error_new(VEIL_ENOENT, "the module has no function export \"%s\"", name);
    if (err == NULL) {
        veil_wasm_value arg = {.type = VEIL_WASM_I32, .of.i32 = scale}, result;
        double start = now_s();
        err = veil_wasm_call(store, ext.of.func, &arg, 1, &result, 1, &trap);
        *seconds = now_s() - start;
        *checksum = result.of.i64;
    }
    veil_wasm_store_free(store);
    return err;
}

static int usage(FILE *out, int status) {
    fprintf(out, "usage: veil_bench [--scale N] [--repeat N] [--only NAME] [KERNELS.wasm]\n");
    return status;
}

int main(int argc, char **argv) {
    const char *wasm_path = VEIL_BENCH_WASM;
    const char *only = NULL;
    unsigned long scale = 1, repeat = 1;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "--scale") == 0 || strcmp(argv[i], "--repeat") == 0) && i + 1 < argc) {
            char *end;
            unsigned long v = strtoul(argv[i + 1], &end, 10);
            if (*end != '\0' || v == 0 || v > 4096)
                return usage(stderr, 2);
            *(argv[i][2] == 's' ? &scale : &repeat) = v;
            i++;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0) {
            return usage(stdout, 0);
        } else if (argv[i][0] != '-') {
            wasm_path = argv[i];
        } else {
            return usage(stderr, 2);
        }
    }
    uint8_t *bytes;
    size_t len;
    veil_error *err = veil_read_file(wasm_path, 64u << 20, &bytes, &len);
    veil_wasm_module *module = NULL;
    if (err == NULL) {
        err = veil_wasm_module_load(bytes, len, wasm_path, &module);
        free(bytes);
    }
    if (err != NULL) {
        fprintf(stderr, "veil_bench: %s\n", veil_error_message(err));
        veil_error_free(err);
        return 1;
    }
    printf("veil_bench: scale 1/%lu, best of %lu; times in ms\n", scale, repeat);
    printf("%-8s %-48s %10s %10s %8s\n", "kernel", "work (at scale 1)", "native", "interp",
           "ratio");
    int status = 0;
    double log_sum = 0;
    int counted = 0;
    for (size_t k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++) {
        const kernel *kn = &kernels[k];
        if (only != NULL && strcmp(only, kn->name) != 0)
            continue;
        double best_native = 1e30, best_wasm = 1e30;
        uint64_t native_sum = 0, wasm_sum = 0;
        for (unsigned long r = 0; r < repeat; r++) {
            double start = now_s();
            native_sum = kn->native((uint32_t)scale);
            double t = now_s() - start;
            if (t < best_native)
                best_native = t;
            err = run_wasm(module, kn->name, (uint32_t)scale, &wasm_sum, &t);
            if (err != NULL)
                break;
            if (t < best_wasm)
                best_wasm = t;
        }
        if (err != NULL) {
            printf("%-8s engine error: %s\n", kn->name, veil_error_message(err));
            veil_error_free(err);
            err = NULL;
            status = 1;
            continue;
        }
        if (wasm_sum != native_sum) {
            printf("%-8s checksum mismatch: native %016" PRIx64 ", interp %016" PRIx64 "\n",
                   kn->name, native_sum, wasm_sum);
            status = 1;
            continue;
        }
        /* A native time below the clock's resolution has no ratio. */
        double ratio = best_native > 1e-6 ? best_wasm / best_native : 0;
        printf("%-8s %-48s %10.1f %10.1f %7.1fx\n", kn->name, kn->what, best_native * 1e3,
               best_wasm * 1e3, ratio);
        if (ratio > 0) {
            log_sum += log(ratio);
            counted++;
        }
    }
    if (counted > 0)
        printf("geometric mean ratio interp/native: %.1fx\n", exp(log_sum / counted));
    veil_wasm_module_free(module);
    return status;
}
