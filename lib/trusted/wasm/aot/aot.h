/*
 * The ahead-of-time strategy, inside the engine: translate a validated
 * module to C, compile it with the system C compiler into a shared object
 * (cached by content), load it and run it behind the same veil_wasm_* API
 * as the interpreter.
 *
 *   translate.c  module -> one C file (aot_abi.h + aot_prelude.h + ops
 *                headers embedded, then the module's functions)
 *   compile.c    compiler discovery, cache key, cache directory, compiler
 *                invocation, dlopen
 *   runtime.c    veil_aot_rt callbacks, trap unwinding, SIGSEGV handling,
 *                guard-page memory reservations, fuel/deadline budget
 *
 * The translator depends only on veil_aot_input (what it needs from a
 * decoded module), so it is independent of the engine's internal module
 * representation; bind.c fills it from the engine's module.
 */
#ifndef VEIL_WASM_AOT_H
#define VEIL_WASM_AOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"
#include "veil/str.h"
#include "veil/wasm.h"

/* Part of the cache key: bump when the translator's output changes. */
#define VEIL_AOT_TRANSLATOR_VERSION "veil-aot-2"

/* One defined function: its declared locals (parameters excluded), its
 * expression (after the local declarations, final `end` included), and
 * where the expression starts in the module (for messages). */
typedef struct veil_aot_func_input {
    uint32_t type_index;
    uint32_t local_count;
    const veil_wasm_valtype *local_types;
    const uint8_t *body;
    size_t body_len;
    size_t body_offset;
} veil_aot_func_input;

/* What the translator needs to know about a validated module. */
typedef struct veil_aot_input {
    const char *name; /* for messages */
    uint32_t type_count;
    const veil_wasm_functype *types;
    uint32_t import_func_count;
    const uint32_t *import_func_types; /* type index of each imported function */
    uint32_t func_count;               /* defined functions */
    const veil_aot_func_input *funcs;
    uint32_t memory_count; /* imported + defined (at most 1 in Wasm 2.0) */
    uint32_t table_count;  /* imported + defined */
    uint32_t global_count; /* imported + defined */
    const veil_wasm_valtype *global_types;
    uint32_t data_count;
    uint32_t elem_count;
} veil_aot_input;

/* Translator options: they change the generated code, so they are part of
 * the cache key. */
typedef struct veil_aot_options {
    bool guard_pages; /* memory accesses rely on a guard reservation, no checks */
    bool metering;    /* fuel/deadline checks at function entries and loop headers */
} veil_aot_options;

/* Translates a validated module into one C file appended to `out`, whose
 * exported `veil_aot_module_info` carries `key`.  Fails (VEIL_EMALFORMED /
 * VEIL_EUNSUPPORTED) naming the function and offset when a body is not
 * what validation guarantees or uses something outside Wasm 2.0. */
VEIL_NODISCARD veil_error *veil_aot_translate(const veil_aot_input *input,
                                              const veil_aot_options *options, const char *key,
                                              veil_buf *out);

#endif
