/* Internals shared by the WASI host functions and their engine glue. */
#ifndef VEIL_WASI_INTERNAL_H
#define VEIL_WASI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "veil/wasi.h"

/* A list of NUL-terminated strings stored back to back. */
typedef struct wasi_strings {
    char *data;
    size_t bytes; /* including every NUL */
    size_t *offsets;
    size_t count;
} wasi_strings;

struct veil_wasi {
    veil_vfs_view *view;
    wasi_strings args;
    wasi_strings env;
    bool enable_clock;
    FILE *trace;
    bool trace_log;
    uint64_t deadline_ns;    /* CLOCK_MONOTONIC time sleeps never pass; 0 = none */
    veil_wasm_store *store;  /* where veil_wasi_resolve creates host functions */
    struct wasi_host *hosts; /* per-function environments for the engine */
};

/* Index of a preview 1 function in the table. */
bool wasi_func_index(const char *name, size_t *index);
const char *wasi_func_name(size_t index);
size_t wasi_func_total(void);
/* Runs function `index`; for proc_exit sets *exited and *exit_code. */
veil_wasi_errno wasi_dispatch(veil_wasi *w, size_t index, uint8_t *memory, uint64_t memory_size,
                              const uint64_t *args, bool *exited, uint32_t *exit_code);

#endif
