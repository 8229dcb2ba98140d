/*
 * Veil's WebAssembly engine: the public contract.
 *
 * Pipeline: bytes -> decode (bounded reader) -> validate -> module; a module
 * is instantiated into a store with its imports resolved by the embedder;
 * exported functions are called with explicit limits.  Execution strategies
 * (interpreter; later ahead-of-time compiled C) sit behind this one API.
 *
 * Ownership: a store owns everything created in it (instances, host
 * functions, memories, tables, globals) and frees it all at once.  Modules
 * are independent of stores and may be instantiated many times.  Limits
 * (memory cap, fuel, deadline, call depth) belong to the store: the runtime
 * makes one store per program execution.
 *
 * Traps are values: a call that traps returns a veil_error with code
 * VEIL_ETRAP and fills a veil_wasm_trap with the kind and the function where
 * it happened.  A trap never takes down the process; the store stays usable
 * for further calls (except after VEIL_TRAP_EXIT from a host function).
 *
 * Changes to the first version of this contract (engine helper):
 *  - veil_wasm_extern_desc has exact `module_len`/`name_len`: wasm names may
 *    contain NUL bytes (the spec tests export "\0..."), and
 *    veil_wasm_instance_export_n() finds such exports.
 *  - Limits: fuel is charged per function entry and loop iteration (the
 *    number of wasm instructions in that straight-line region), and the
 *    deadline is checked at the same points; the default call depth is
 *    10000 frames and the value stack is bounded too (both trap with
 *    "call stack exhausted"); so is re-entry through host functions that
 *    call back into wasm (64 levels, and only while enough of the calling
 *    thread's native stack is free).  A module is decoded, validated and compiled
 *    for the interpreter by veil_wasm_module_load().
 *  - veil_wasm_store_new() fails with VEIL_EUNSUPPORTED for a strategy the
 *    engine does not have.  VEIL_WASM_AOT (docs/aot.md) compiles each module
 *    with the system C compiler when it is first instantiated in a store
 *    (cached under $VEIL_AOT_CACHE_DIR, default ~/.cache/veil/aot); a
 *    missing compiler is VEIL_EUNSUPPORTED from veil_wasm_instantiate().
 *  - Externref values are opaque to the engine; 0 is ref.null extern.
 */
#ifndef VEIL_WASM_H
#define VEIL_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"

typedef enum veil_wasm_valtype {
    VEIL_WASM_I32 = 0x7f,
    VEIL_WASM_I64 = 0x7e,
    VEIL_WASM_F32 = 0x7d,
    VEIL_WASM_F64 = 0x7c,
    VEIL_WASM_V128 = 0x7b,
    VEIL_WASM_FUNCREF = 0x70,
    VEIL_WASM_EXTERNREF = 0x6f,
} veil_wasm_valtype;

typedef struct veil_wasm_func veil_wasm_func;
typedef struct veil_wasm_memory veil_wasm_memory;
typedef struct veil_wasm_table veil_wasm_table;
typedef struct veil_wasm_global veil_wasm_global;
typedef struct veil_wasm_module veil_wasm_module;
typedef struct veil_wasm_instance veil_wasm_instance;
typedef struct veil_wasm_store veil_wasm_store;
typedef struct veil_wasm_caller veil_wasm_caller;

/* A value.  Floats are kept as bit patterns so NaN payloads survive.
 * References: funcref is a veil_wasm_func * (NULL = ref.null func);
 * externref is an opaque host value where 0 = ref.null extern. */
typedef struct veil_wasm_value {
    veil_wasm_valtype type;
    union {
        uint32_t i32;
        uint64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        uint8_t v128[16];
        veil_wasm_func *funcref;
        uintptr_t externref;
    } of;
} veil_wasm_value;

/* The text-format name of a value type ("i32", ..., "externref"). */
const char *veil_wasm_valtype_name(veil_wasm_valtype t);

typedef struct veil_wasm_functype {
    uint32_t param_count;
    uint32_t result_count;
    const veil_wasm_valtype *params;
    const veil_wasm_valtype *results;
} veil_wasm_functype;

typedef struct veil_wasm_limits_range {
    uint64_t min;
    uint64_t max;
    bool has_max;
} veil_wasm_limits_range;

typedef enum veil_wasm_extern_kind {
    VEIL_WASM_EXTERN_FUNC = 0,
    VEIL_WASM_EXTERN_TABLE = 1,
    VEIL_WASM_EXTERN_MEMORY = 2,
    VEIL_WASM_EXTERN_GLOBAL = 3,
} veil_wasm_extern_kind;

typedef struct veil_wasm_extern {
    veil_wasm_extern_kind kind;
    union {
        veil_wasm_func *func;
        veil_wasm_table *table;
        veil_wasm_memory *memory;
        veil_wasm_global *global;
    } of;
} veil_wasm_extern;

/* What a module imports or exports, as the embedder sees it.  Names are
 * NUL-terminated, but wasm names may contain NUL bytes: the lengths are
 * exact. */
typedef struct veil_wasm_extern_desc {
    const char *module; /* imports only */
    const char *name;
    size_t module_len; /* imports only */
    size_t name_len;
    veil_wasm_extern_kind kind;
    veil_wasm_functype func;       /* FUNC */
    veil_wasm_valtype elem_type;   /* TABLE: funcref or externref */
    veil_wasm_limits_range limits; /* TABLE, MEMORY (pages) */
    veil_wasm_valtype global_type; /* GLOBAL */
    bool global_mutable;           /* GLOBAL */
} veil_wasm_extern_desc;

typedef enum veil_wasm_trap_kind {
    VEIL_TRAP_NONE = 0,
    VEIL_TRAP_UNREACHABLE,           /* "unreachable" */
    VEIL_TRAP_MEMORY_OOB,            /* "out of bounds memory access" */
    VEIL_TRAP_TABLE_OOB,             /* "out of bounds table access" */
    VEIL_TRAP_INT_OVERFLOW,          /* "integer overflow" */
    VEIL_TRAP_DIV_BY_ZERO,           /* "integer divide by zero" */
    VEIL_TRAP_INVALID_CONVERSION,    /* "invalid conversion to integer" */
    VEIL_TRAP_INDIRECT_MISMATCH,     /* "indirect call type mismatch" */
    VEIL_TRAP_UNDEFINED_ELEMENT,     /* "undefined element" */
    VEIL_TRAP_UNINITIALIZED_ELEMENT, /* "uninitialized element" */
    VEIL_TRAP_STACK_EXHAUSTED,       /* "call stack exhausted" */
    VEIL_TRAP_OUT_OF_FUEL,           /* fuel budget spent */
    VEIL_TRAP_DEADLINE,              /* wall-clock deadline passed */
    VEIL_TRAP_MEMORY_LIMIT,          /* instantiation needs more memory than the cap */
    VEIL_TRAP_HOST,                  /* a host function failed; message says why */
    VEIL_TRAP_EXIT,                  /* a host function asked to exit (WASI proc_exit) */
} veil_wasm_trap_kind;

typedef struct veil_wasm_trap {
    veil_wasm_trap_kind kind;
    uint32_t func_index; /* function where it happened (UINT32_MAX: unknown/host) */
    char func_name[64];  /* export or name-section name when known, else "" */
    uint32_t exit_code;  /* VEIL_TRAP_EXIT only */
} veil_wasm_trap;

/* The spec's wording for a trap kind ("integer divide by zero", ...). */
const char *veil_wasm_trap_message(veil_wasm_trap_kind kind);

/* Per-store execution limits; zero means "the default" for each field. */
typedef struct veil_wasm_limits {
    uint32_t max_memory_pages; /* cap on every memory's size; default 65536 (4 GiB) */
    uint64_t fuel;             /* instruction budget (approximate units); 0 = unlimited */
    uint64_t timeout_ms;       /* wall-clock budget per call; 0 = none */
    uint32_t max_call_depth;   /* default 10000 frames (and bounded native stack) */
} veil_wasm_limits;

typedef enum veil_wasm_strategy {
    VEIL_WASM_INTERP = 0,
    VEIL_WASM_AOT = 1,
} veil_wasm_strategy;

/* ---- AOT compilation in another process (docs/aot.md, "In the runtime") ----
 *
 * A process that may not run a C compiler itself (the runtime under the
 * local backend's seccomp filter) hands compilation to a compile worker
 * over a stream socket.  veil_wasm_aot_use_worker(fd): from then on the
 * AOT stores of this process translate here and have the worker at `fd`
 * compile and cache; the engine owns `fd` (closed by
 * veil_wasm_aot_use_worker(-1), which returns to compiling in-process).
 * veil_wasm_aot_worker_serve(fd): the worker's side, answering requests
 * until the peer closes the connection (NULL) or breaks the protocol. */
VEIL_NODISCARD veil_error *veil_wasm_aot_use_worker(int fd);
/* For a process that has no worker and may not run a compiler (`reason`
 * says why): AOT stores then fail to obtain modules with VEIL_EUNSUPPORTED
 * naming it, the case of the fallback rule.  NULL returns to compiling
 * in-process. */
VEIL_NODISCARD veil_error *veil_wasm_aot_no_compiler(const char *reason);
VEIL_NODISCARD veil_error *veil_wasm_aot_worker_serve(int fd);
/* For the worker process, before it serves: confines its file writes (and
 * those of the compilers it starts) to the AOT cache directory, the
 * temporary directory and /dev/null (Landlock; needs no_new_privs).
 * VEIL_EUNSUPPORTED when the kernel cannot; `what` describes the result. */
VEIL_NODISCARD veil_error *veil_wasm_aot_worker_confine(char *what, size_t what_size);

/* ---- modules ---- */

/* Decodes and validates a binary module.  Malformed or invalid modules fail
 * with VEIL_EMALFORMED naming the section, offset and reason.  `name` is used
 * in messages (a file name). */
VEIL_NODISCARD veil_error *veil_wasm_module_load(const uint8_t *bytes, size_t len, const char *name,
                                                 veil_wasm_module **out);
void veil_wasm_module_free(veil_wasm_module *module);
uint32_t veil_wasm_module_import_count(const veil_wasm_module *module);
void veil_wasm_module_import(const veil_wasm_module *module, uint32_t index,
                             veil_wasm_extern_desc *out);
uint32_t veil_wasm_module_export_count(const veil_wasm_module *module);
void veil_wasm_module_export(const veil_wasm_module *module, uint32_t index,
                             veil_wasm_extern_desc *out);

/* ---- stores and host objects ---- */

VEIL_NODISCARD veil_error *veil_wasm_store_new(const veil_wasm_limits *limits,
                                               veil_wasm_strategy strategy, veil_wasm_store **out);
void veil_wasm_store_free(veil_wasm_store *store);
/* Fuel left (UINT64_MAX when unlimited); refilled by set_fuel. */
uint64_t veil_wasm_store_fuel(const veil_wasm_store *store);
void veil_wasm_store_set_fuel(veil_wasm_store *store, uint64_t fuel);

/* A host function: reads args (one 64-bit slot per parameter: i32 in the low
 * 32 bits, floats as bits, references as pointers/handles), writes results
 * the same way.  Returning an error traps the calling program with
 * VEIL_TRAP_HOST and the error's message; veil_wasm_caller_exit() makes the
 * error for VEIL_TRAP_EXIT.  v128 parameters are not supported for host
 * functions. */
typedef veil_error *(*veil_wasm_host_fn)(veil_wasm_caller *caller, void *env, const uint64_t *args,
                                         uint64_t *results);

VEIL_NODISCARD veil_error *veil_wasm_func_new_host(veil_wasm_store *store,
                                                   const veil_wasm_functype *type,
                                                   veil_wasm_host_fn fn, void *env,
                                                   const char *name, veil_wasm_func **out);
VEIL_NODISCARD veil_error *
veil_wasm_memory_new(veil_wasm_store *store, veil_wasm_limits_range pages, veil_wasm_memory **out);
VEIL_NODISCARD veil_error *veil_wasm_table_new(veil_wasm_store *store, veil_wasm_valtype elem_type,
                                               veil_wasm_limits_range limits,
                                               veil_wasm_table **out);
VEIL_NODISCARD veil_error *veil_wasm_global_new(veil_wasm_store *store, veil_wasm_value value,
                                                bool mutable_, veil_wasm_global **out);

/* Linear memory of the instance whose code called the host function
 * (memory 0).  The pointer is valid until the program runs again. */
uint8_t *veil_wasm_caller_memory(veil_wasm_caller *caller, uint64_t *size_bytes);
veil_wasm_store *veil_wasm_caller_store(veil_wasm_caller *caller);
/* Builds the error a host function returns to end the program with an
 * exit code (WASI proc_exit). */
VEIL_NODISCARD veil_error *veil_wasm_caller_exit(veil_wasm_caller *caller, uint32_t exit_code);

/* ---- instances ---- */

/* Resolves one import; return VEIL_ENOENT (or another error) when unknown.
 * The engine checks the returned extern's type against the import. */
typedef veil_error *(*veil_wasm_resolve_fn)(void *user_data, const veil_wasm_extern_desc *import,
                                            veil_wasm_extern *out);

/* Instantiates a module: resolves imports, allocates memories/tables/
 * globals, applies element and data segments, runs the start function.
 * Link errors are VEIL_ENOENT/VEIL_EINVAL naming the import; a trap during
 * segment initialisation or in the start function is VEIL_ETRAP with *trap
 * filled (the instance is then not returned). */
VEIL_NODISCARD veil_error *veil_wasm_instantiate(veil_wasm_store *store,
                                                 const veil_wasm_module *module,
                                                 veil_wasm_resolve_fn resolve, void *user_data,
                                                 veil_wasm_instance **out, veil_wasm_trap *trap);
/* Finds an export by name; false when absent. */
bool veil_wasm_instance_export(const veil_wasm_instance *instance, const char *name,
                               veil_wasm_extern *out);
/* The same for names that may contain NUL bytes. */
bool veil_wasm_instance_export_n(const veil_wasm_instance *instance, const char *name,
                                 size_t name_len, veil_wasm_extern *out);
/* Memory 0 of an instance, or NULL. */
veil_wasm_memory *veil_wasm_instance_memory(const veil_wasm_instance *instance);

/* ---- calls and object access ---- */

void veil_wasm_func_type(const veil_wasm_func *func, veil_wasm_functype *out);
/* Calls a function.  Argument count and types are checked (VEIL_EINVAL).
 * A trap returns VEIL_ETRAP with *trap filled; fuel and timeout from the
 * store's limits apply. */
VEIL_NODISCARD veil_error *veil_wasm_call(veil_wasm_store *store, veil_wasm_func *func,
                                          const veil_wasm_value *args, size_t arg_count,
                                          veil_wasm_value *results, size_t result_count,
                                          veil_wasm_trap *trap);

uint8_t *veil_wasm_memory_data(veil_wasm_memory *memory, uint64_t *size_bytes);
void veil_wasm_memory_limits(const veil_wasm_memory *memory, veil_wasm_limits_range *out);
void veil_wasm_table_limits(const veil_wasm_table *table, veil_wasm_valtype *elem_type,
                            veil_wasm_limits_range *out);
veil_wasm_value veil_wasm_global_get(const veil_wasm_global *global);
void veil_wasm_global_type(const veil_wasm_global *global, veil_wasm_valtype *type, bool *mutable_);

#endif
