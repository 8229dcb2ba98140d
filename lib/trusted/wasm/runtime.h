/*
 * Runtime objects of the engine (stores, instances, functions, memories,
 * tables, globals) shared by instance.c, store.c and the interpreter.
 *
 * Ownership: the store owns every object created in it and keeps them in
 * per-kind lists that are freed together by veil_wasm_store_free().  Objects
 * of one store never refer to objects of another (linking checks it).
 *
 * Values live in 64-bit slots: i32/f32 in the low half (upper half zero),
 * i64/f64 whole, references as pointers (funcref: veil_wasm_func *, NULL =
 * null) or host handles (externref, 0 = null), v128 in two consecutive slots
 * (little-endian: low 8 bytes first).
 *
 * Memories reserve their maximum size of address space up front (PROT_NONE)
 * and commit pages on growth, so `data` never moves: the interpreter may
 * keep the base pointer in a register across memory.grow.
 */
#ifndef VEIL_WASM_RUNTIME_H
#define VEIL_WASM_RUNTIME_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "module.h"
#include "veil/wasm.h"

#define VEIL_WASM_DEFAULT_CALL_DEPTH 10000u
/* Value-stack slots per store (8 bytes each): bounds the frames of all
 * active calls together; exceeding it is "call stack exhausted". */
#define VEIL_WASM_STACK_SLOTS (4u * 1024u * 1024u)
/* Host -> wasm -> host ... re-entry depth (each level uses C stack). */
#define VEIL_WASM_MAX_NESTING 64u
/* Native stack an entry into the interpreter must find free below it: one
 * `run` frame plus a host function and what it calls (WASI).  Sanitizer
 * builds give every local its own stack slot, so `run` needs far more. */
#if defined(__SANITIZE_ADDRESS__)
#define VEIL_WASM_NATIVE_STACK_RESERVE (1024u * 1024u)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VEIL_WASM_NATIVE_STACK_RESERVE (1024u * 1024u)
#endif
#endif
#ifndef VEIL_WASM_NATIVE_STACK_RESERVE
#define VEIL_WASM_NATIVE_STACK_RESERVE (256u * 1024u)
#endif

/* The AOT strategy's state (aot/bind.c). */
typedef struct veil_aot_binding veil_aot_binding;
typedef struct veil_aot_instance veil_aot_instance;

struct veil_wasm_func {
    veil_wasm_store *store;
    veil_wasm_functype type;
    uint32_t type_id; /* store-wide id: equal ids <=> equal types */
    uint32_t param_slots;
    uint32_t result_slots;
    /* A function of an instance (host_fn == NULL). */
    veil_wasm_instance *instance;
    const struct veil_interp_code *code;
    uint32_t func_index;
    /* A host function. */
    veil_wasm_host_fn host_fn;
    void *host_env;
    char *name;
};

struct veil_wasm_memory {
    veil_wasm_store *store;
    uint8_t *data; /* reserved for max_pages, committed for pages */
    uint64_t size; /* bytes = pages * page size */
    uint64_t pages;
    uint64_t max_pages; /* growth limit: declared maximum capped by the store */
    bool has_max;       /* declared maximum (for import matching) */
    uint64_t declared_max;
    size_t reserved; /* bytes of address space reserved */
};

struct veil_wasm_table {
    veil_wasm_store *store;
    veil_wasm_valtype elem_type;
    uint64_t *elems; /* `size` references */
    uint32_t size;
    uint32_t capacity;
    bool has_max;
    uint32_t max;
};

struct veil_wasm_global {
    veil_wasm_store *store;
    veil_wasm_valtype type;
    bool mutable_;
    uint64_t value[2]; /* slots; v128 uses both */
};

struct veil_wasm_instance {
    veil_wasm_store *store;
    const veil_wasm_module *module;
    veil_wasm_func **funcs;     /* module->func_count */
    veil_wasm_table **tables;   /* module->table_count */
    veil_wasm_memory *memory;   /* memory 0 or NULL */
    veil_wasm_global **globals; /* module->global_count */
    uint32_t *type_ids;         /* module type index -> store type id */
    /* Element segments evaluated at instantiation; length 0 once dropped. */
    uint64_t **elem_values;
    uint32_t *elem_lengths;
    /* Data segments: length 0 once dropped. */
    uint32_t *data_lengths;
    veil_aot_instance *aot; /* compiled code (VEIL_WASM_AOT stores) */
};

struct veil_wasm_caller {
    veil_wasm_store *store;
    veil_wasm_instance *instance;
};

/* A suspended caller while the interpreter runs a callee. */
typedef struct veil_interp_frame {
    const uint32_t *ip;
    uint64_t *fp;
    const struct veil_interp_code *code;
    veil_wasm_instance *instance;
} veil_interp_frame;

typedef struct veil_type_entry {
    veil_wasm_functype type; /* arrays owned by the store */
    uint64_t hash;
} veil_type_entry;

struct veil_wasm_store {
    veil_wasm_limits limits; /* defaults filled in */
    veil_wasm_strategy strategy;

    /* Everything created in the store, freed with it. */
    veil_wasm_func **funcs;
    size_t func_count, func_cap;
    veil_wasm_memory **memories;
    size_t memory_count, memory_cap;
    veil_wasm_table **tables;
    size_t table_count, table_cap;
    veil_wasm_global **globals;
    size_t global_count, global_cap;
    veil_wasm_instance **instances;
    size_t instance_count, instance_cap;

    /* Interned function types (type ids index this), with an open-addressing
     * hash index (entries are id + 1, 0 = empty). */
    veil_type_entry *types;
    uint32_t type_count, type_cap;
    uint32_t *type_index;
    uint32_t type_index_cap;

    /* Execution state. */
    uint64_t *stack; /* VEIL_WASM_STACK_SLOTS slots, reserved lazily */
    uint64_t *stack_end;
    uint64_t *sp; /* first slot not used by an active call */
    veil_interp_frame *frames;
    uint32_t frame_count;
    uint32_t nesting;
    uint64_t fuel;                       /* left; UINT64_MAX = unlimited */
    atomic_int interrupt;                /* set by the watchdog when the deadline passes */
    veil_wasm_trap trap;                 /* the last trap */
    const veil_wasm_module *trap_module; /* module of trap.func_index, if any */
    veil_error *host_error;              /* error of a host function that trapped */
    bool watchdog_armed;
    veil_aot_binding *aot; /* VEIL_WASM_AOT stores */
};

/* store.c */
VEIL_NODISCARD veil_error *veil_store_intern_type(veil_wasm_store *store,
                                                  const veil_wasm_functype *type, uint32_t *id);
VEIL_NODISCARD veil_error *veil_store_add_func(veil_wasm_store *store, veil_wasm_func *func);
VEIL_NODISCARD veil_error *veil_store_add_instance(veil_wasm_store *store,
                                                   veil_wasm_instance *instance);
VEIL_NODISCARD veil_error *veil_store_memory_create(veil_wasm_store *store, uint64_t min_pages,
                                                    bool has_max, uint64_t max_pages,
                                                    veil_wasm_memory **out);
VEIL_NODISCARD veil_error *veil_store_table_create(veil_wasm_store *store,
                                                   veil_wasm_valtype elem_type, uint32_t min,
                                                   bool has_max, uint32_t max,
                                                   veil_wasm_table **out);
VEIL_NODISCARD veil_error *veil_store_global_create(veil_wasm_store *store, veil_wasm_valtype type,
                                                    bool mutable_, const uint64_t value[2],
                                                    veil_wasm_global **out);
/* Grows a memory by `delta` pages; returns the old size in pages or -1. */
int64_t veil_memory_grow(veil_wasm_memory *memory, uint64_t delta);
/* Grows a table by `delta` elements set to `init`; returns the old size or -1. */
int64_t veil_table_grow(veil_wasm_table *table, uint32_t delta, uint64_t init);
/* Fills in the trap (kind, function) and returns the VEIL_ETRAP error. */
VEIL_NODISCARD veil_error *veil_store_trap_error(veil_wasm_store *store, veil_wasm_trap_kind kind,
                                                 const veil_wasm_module *module,
                                                 uint32_t func_index, veil_wasm_trap *out);

/* Runs a function with argument slots and leaves result slots (arming the
 * deadline for an outermost call); a trap is the VEIL_ETRAP error. */
VEIL_NODISCARD veil_error *veil_store_invoke(veil_wasm_store *store, veil_wasm_func *func,
                                             const uint64_t *args, uint64_t *results,
                                             veil_wasm_trap *trap);

/* interp.c: runs `func` with its arguments in args[] (slots) and leaves the
 * results in results[] (slots).  Returns the trap kind (VEIL_TRAP_NONE on
 * success); store->trap describes where it happened. */
veil_wasm_trap_kind veil_interp_call(veil_wasm_store *store, veil_wasm_func *func,
                                     const uint64_t *args, uint64_t *results);

/* watchdog.c: sets *flag when deadline_ms (CLOCK_MONOTONIC) passes. */
typedef struct veil_watch veil_watch;
VEIL_NODISCARD veil_error *veil_watchdog_arm(atomic_int *flag, uint64_t timeout_ms,
                                             veil_watch **out);
void veil_watchdog_disarm(veil_watch *watch);

#endif
