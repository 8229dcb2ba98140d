/*
 * Running compiled code (runtime.c): entering it, unwinding traps, the
 * SIGSEGV handler for guard pages and native stack overflow, linear-memory
 * reservations, and the fuel/deadline budget.
 */
#ifndef VEIL_WASM_AOT_RUNTIME_H
#define VEIL_WASM_AOT_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "aot_abi.h"
#include "compile.h"
#include "veil/error.h"
#include "veil/wasm.h"

/* Address space reserved per memory in guard-page mode: every 32-bit
 * address plus every 32-bit offset plus the widest access (16 bytes) lands
 * inside it, rounded up to a 64 KiB page. */
#define VEIL_AOT_GUARD_RESERVATION ((8ull << 30) + (64ull << 10))

/* Native stack allowed per frame of max_call_depth (see runtime.c). */
#define VEIL_AOT_FRAME_BYTES 256u

/* Fuel units handed to compiled code at a time; when there is a deadline
 * the clock is read every time a chunk runs out. */
#define VEIL_AOT_FUEL_CHUNK (1ll << 22)

/* Per-store execution state for compiled code.  exec is what generated code
 * sees; the rest is the runtime's. */
typedef struct veil_aot_store {
    veil_aot_exec exec;
    uint64_t fuel_left;      /* not yet handed out; UINT64_MAX = unlimited */
    uint64_t deadline_ns;    /* CLOCK_MONOTONIC; 0 = none */
    uint32_t max_call_depth; /* frames */
    uint32_t entry_depth;    /* nested entries from the host */
    uint64_t chunk;          /* fuel in the current exec.budget when it was filled */
    /* Called at every outermost entry once exec.stack_limit is set, before
     * any compiled code runs: the owner copies the limit into the
     * stack_limit of every ctx of the store.  May be NULL. */
    void (*publish_stack_limit)(struct veil_aot_store *store);
} veil_aot_store;

/* What a trap left behind for the entry point. */
typedef struct veil_aot_trap_info {
    uint32_t kind;                    /* veil_wasm_trap_kind */
    uint32_t func;                    /* wasm function index, UINT32_MAX when unknown */
    void *ctx;                        /* veil_aot_ctx of the code that trapped (NULL: unknown) */
    const veil_aot_module_info *code; /* a fault: the library it happened in */
    veil_error *error; /* VEIL_TRAP_HOST / VEIL_TRAP_EXIT: the host's error (owned) */
} veil_aot_trap_info;

void veil_aot_store_init(veil_aot_store *store, uint64_t fuel, uint64_t timeout_ms,
                         uint32_t max_call_depth);

/* Calls compiled code through a trampoline with arguments/results in
 * slots.  A trap returns VEIL_ETRAP with *info filled; the store stays
 * usable.  Nested entries (host function -> wasm) are supported. */
VEIL_NODISCARD veil_error *veil_aot_enter(veil_aot_store *store, veil_aot_ctx *ctx,
                                          veil_aot_trampoline trampoline, veil_aot_slot *slots,
                                          veil_aot_trap_info *info);

/* Unwinds to the innermost entry with a trap (never returns).  ctx is the
 * trapping code's instance context (func is an index in its module);
 * `error` is attached for host traps (ownership passes). */
__attribute__((noreturn)) void veil_aot_raise(void *ctx, uint32_t kind, uint32_t func,
                                              veil_error *error);

/* The default budget callback: refills from the store's fuel, checks the
 * deadline, or raises VEIL_TRAP_OUT_OF_FUEL / VEIL_TRAP_DEADLINE. */
void veil_aot_budget_refill(veil_aot_store *store, void *ctx, uint32_t func);

/* Around host functions and nested entries, while compiled code is
 * suspended: settle moves the unspent budget back and returns the fuel
 * left (UINT64_MAX: unlimited); resume takes that fuel (perhaps changed
 * by the host) and leaves the budget empty, so the next check refills. */
uint64_t veil_aot_fuel_settle(veil_aot_store *store);
void veil_aot_fuel_resume(veil_aot_store *store, uint64_t fuel);

/* Whether compiled code is currently running on this thread (inside
 * veil_aot_enter). */
bool veil_aot_active(void);

/* Registers the code of a loaded library so that faults in it become
 * traps; unregistered on free. */
VEIL_NODISCARD veil_error *veil_aot_register_code(veil_aot_library *lib);
void veil_aot_unregister_code(veil_aot_library *lib);

/* Whether this process can reserve VEIL_AOT_GUARD_RESERVATION bytes of
 * address space now (a reservation made and released at once). */
bool veil_aot_guard_pages_available(void);

/* Guard-page memories: reserve VEIL_AOT_GUARD_RESERVATION bytes of
 * inaccessible address space and make the first `size_bytes` readable and
 * writable; growing makes more of it accessible. */
VEIL_NODISCARD veil_error *veil_aot_memory_reserve(uint64_t size_bytes, uint8_t **base);
VEIL_NODISCARD veil_error *veil_aot_memory_commit(uint8_t *base, uint64_t old_size,
                                                  uint64_t new_size);
void veil_aot_memory_release(uint8_t *base);

#endif
