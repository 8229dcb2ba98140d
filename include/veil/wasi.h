/*
 * WASI preview 1 (wasi_snapshot_preview1) for programs run by Veil's
 * engine, over the in-memory file system.
 *
 * A `veil_wasi` holds what one program execution sees: its arguments and
 * environment, whether it may read clocks, and its view of the file system
 * (a veil_vfs_view: its pre-opened directories, stdio and rights).  Every
 * function of the snapshot is provided:
 *  - args, environ;
 *  - clock_res_get / clock_time_get, and clock subscriptions of
 *    poll_oneoff: only with enable_clock, EACCES otherwise;
 *  - random_get from the operating system's CSPRNG (getrandom);
 *  - every fd_* and path_* call, with the semantics and errno values of the
 *    file system (veil/vfs.h): rights are checked before any effect, a
 *    missing right is ENOTCAPABLE;
 *  - poll_oneoff: clock subscriptions (relative and absolute, realtime and
 *    monotonic) and fd subscriptions, which are always ready (files and
 *    stdio never block);
 *  - proc_exit ends the program with its code; proc_raise is ENOSYS;
 *    sched_yield succeeds;
 *  - sock_*: Veil gives programs no sockets, so a valid descriptor is never
 *    a socket: EBADF for an invalid descriptor, ENOTSOCK otherwise.
 * Every guest pointer and length is checked against linear memory with
 * 64-bit arithmetic (EFAULT when out of bounds, before any effect); memory
 * is accessed bytewise, so unaligned pointers work; scatter/gather lists
 * are limited to VEIL_WASI_IOV_MAX entries and 4 GiB in total (EINVAL).
 *
 * Tracing (strace-like): each call is reported as one line
 *   path_open(3, 0x1, "out/a.txt", 0x9, 0x..., 0x..., 0x0, 0x1f40) = success -> 5
 * with its arguments (paths as strings), its errno and the values it
 * returned through pointers, to a FILE and/or the logger.
 *
 * The engine-independent part (veil_wasi_new, veil_wasi_invoke) needs only
 * a linear memory; veil_wasi_resolve and veil_wasi_run connect it to the
 * engine.
 */
#ifndef VEIL_WASI_H
#define VEIL_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "veil/error.h"
#include "veil/vfs.h"
#include "veil/wasi_abi.h"
#include "veil/wasm.h"

/* Most iovec entries one fd_read/fd_write/... accepts (IOV_MAX). */
#define VEIL_WASI_IOV_MAX 1024
/* Longest argument list or environment, in bytes (each). */
#define VEIL_WASI_ARGS_MAX (1u << 20)
/* The import module name of preview 1. */
#define VEIL_WASI_MODULE "wasi_snapshot_preview1"

typedef struct veil_wasi veil_wasi;

typedef struct veil_wasi_config {
    veil_vfs_view *view;     /* the program's view of the file system (borrowed) */
    const char *const *args; /* argv; args[0] is the program's name */
    size_t arg_count;
    const char *const *env; /* "KEY=VALUE" strings */
    size_t env_count;
    bool enable_clock; /* clocks readable (the policy's enable_clock) */
    FILE *trace;       /* non-NULL: one line per call, written here */
    bool trace_log;    /* one line per call through the logger (level trace, component wasi) */
} veil_wasi_config;

VEIL_NODISCARD veil_error *veil_wasi_new(const veil_wasi_config *config, veil_wasi **out);
void veil_wasi_free(veil_wasi *wasi);

/* The signature of a preview 1 function, or false when there is none of
 * that name. */
bool veil_wasi_signature(const char *name, veil_wasm_functype *out);

/* Calls one preview 1 function without the engine: args and results are
 * 64-bit slots as the engine passes them (i32 in the low half).  Sets
 * *exited and *exit_code when the function is proc_exit (results are then
 * untouched).  Fails only for an unknown name. */
VEIL_NODISCARD veil_error *veil_wasi_invoke(veil_wasi *wasi, const char *name, uint8_t *memory,
                                            uint64_t memory_size, const uint64_t *args,
                                            uint64_t *results, bool *exited, uint32_t *exit_code);

/* Import resolver for veil_wasm_instantiate (user_data: the veil_wasi):
 * creates host functions in `store` (set by veil_wasi_bind) for
 * wasi_snapshot_preview1 imports; anything else is VEIL_ENOENT naming the
 * import. */
void veil_wasi_bind(veil_wasi *wasi, veil_wasm_store *store);
VEIL_NODISCARD veil_error *veil_wasi_resolve(void *wasi, const veil_wasm_extern_desc *import,
                                             veil_wasm_extern *out);

/* Runs a WASI command: a store with `limits`, instantiation with the
 * resolver above, then `_start`.  *exit_code is the proc_exit code, or 0
 * when _start returns.  A trap is VEIL_ETRAP with *trap filled and a
 * message naming the trap and the function; a module without a `_start`
 * that takes and returns nothing is VEIL_EUNSUPPORTED. */
VEIL_NODISCARD veil_error *veil_wasi_run(veil_wasi *wasi, const veil_wasm_module *module,
                                         const veil_wasm_limits *limits,
                                         veil_wasm_strategy strategy, uint32_t *exit_code,
                                         veil_wasm_trap *trap);

/* veil_wasi_run for a policy's "JIT" strategy, with the fallback rule of
 * docs/aot.md ("Errors and fallback"): the program runs compiled (AOT)
 * unless no C compiler can build it (VEIL_EUNSUPPORTED, found before any
 * of it ran); then a warning names the reason (prefixed with `label` when
 * not NULL) and it runs under the interpreter, with the same rights and
 * limits. */
VEIL_NODISCARD veil_error *veil_wasi_run_jit(veil_wasi *wasi, const veil_wasm_module *module,
                                             const veil_wasm_limits *limits, const char *label,
                                             uint32_t *exit_code, veil_wasm_trap *trap);

#endif
