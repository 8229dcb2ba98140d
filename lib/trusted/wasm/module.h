/*
 * The engine's internal picture of a module: what decode.c produces from the
 * binary format, what validate.c checks, and what every execution strategy
 * consumes (compile.c/interp.c for the interpreter, the ahead-of-time
 * translator later).
 *
 * Invariants once veil_wasm_module_load() has returned a module:
 *  - `bytes` is the module's own copy of the binary; every `const uint8_t *`
 *    below (function bodies, data segment contents, constant expressions)
 *    points into it, so they live exactly as long as the module.
 *  - Index spaces follow the spec: imported functions/tables/memories/
 *    globals come first, then the module's own definitions.  `func_type_index`,
 *    `tables`, `memories` and `globals` cover the whole index space; the
 *    per-definition arrays (`funcs`, `global_inits`) cover only definitions.
 *  - Everything has been validated: type indices are in range, every
 *    function body is well typed, constant expressions are constant, and
 *    the strategy may rely on it (for example the compiler does not
 *    re-check operand types).
 *  - Function types are canonicalised within the module: `type_canon[i]` is
 *    the smallest index with a structurally equal type, so two type indices
 *    are equal types exactly when their canonical indices are equal.
 *
 * A module is immutable after load and may be shared by many instances and
 * threads (the interpreter's compiled code is built once, during load).
 */
#ifndef VEIL_WASM_MODULE_H
#define VEIL_WASM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veil/wasm.h"

/* Implementation limits (the spec allows an implementation to set these). */
#define VEIL_WASM_MAX_PAGES 65536u         /* 4 GiB of 64 KiB pages */
#define VEIL_WASM_PAGE_SIZE 65536u         /* bytes per page */
#define VEIL_WASM_MAX_LOCALS 50000u        /* locals per function, params included */
#define VEIL_WASM_MAX_TABLE_SIZE 10000000u /* elements a table may ever hold */
#define VEIL_WASM_MAX_FUNC_PARAMS 1000u    /* params (and results) per function type */
#define VEIL_WASM_MAX_BR_TABLE 1000000u    /* targets in one br_table */
#define VEIL_WASM_MAX_NAME_BYTES 100000u   /* bytes in an import/export name */

/* A constant expression (global initialisers, segment offsets and element
 * items).  Wasm 2.0 constant expressions are exactly one constant
 * instruction followed by `end`; the decoder records the first instruction
 * and how many there were, and the validator rejects anything else. */
typedef enum veil_wasm_const_kind {
    VEIL_CONST_VALUE,      /* i32/i64/f32/f64/v128.const: `value` */
    VEIL_CONST_REF_NULL,   /* ref.null: `value.type` is the reference type */
    VEIL_CONST_REF_FUNC,   /* ref.func `index` */
    VEIL_CONST_GLOBAL_GET, /* global.get `index` */
    VEIL_CONST_NOT_CONST,  /* a non-constant instruction (`bad_opcode`) */
} veil_wasm_const_kind;

typedef struct veil_wasm_const_expr {
    veil_wasm_const_kind kind;
    veil_wasm_value value; /* VALUE and REF_NULL; value.type is the result type */
    uint32_t index;        /* REF_FUNC, GLOBAL_GET */
    uint32_t instr_count;  /* instructions before `end` (valid: exactly 1) */
    uint16_t bad_opcode;   /* NOT_CONST: the first offending opcode (veil_wasm_opcode) */
    size_t offset;         /* absolute offset of the expression, for messages */
} veil_wasm_const_expr;

typedef struct veil_wasm_tabletype {
    veil_wasm_valtype elem_type; /* VEIL_WASM_FUNCREF or VEIL_WASM_EXTERNREF */
    veil_wasm_limits_range limits;
} veil_wasm_tabletype;

typedef struct veil_wasm_globaltype {
    veil_wasm_valtype type;
    bool mutable_;
} veil_wasm_globaltype;

/* Names are UTF-8 with an explicit length (they may contain NUL bytes) and
 * are also NUL-terminated for convenience. */
typedef struct veil_wasm_import_def {
    char *module;
    char *name;
    uint32_t module_len;
    uint32_t name_len;
    veil_wasm_extern_kind kind;
    uint32_t index;                /* index in the kind's index space (imports come first) */
    uint32_t type_index;           /* FUNC */
    veil_wasm_tabletype table;     /* TABLE */
    veil_wasm_limits_range memory; /* MEMORY, in pages */
    veil_wasm_globaltype global;   /* GLOBAL */
} veil_wasm_import_def;

typedef struct veil_wasm_export_def {
    char *name;
    uint32_t name_len;
    veil_wasm_extern_kind kind;
    uint32_t index;
} veil_wasm_export_def;

struct veil_interp_code; /* compile.c: a function's interpreter code */

/* A function defined by the module (not imported). */
typedef struct veil_wasm_func_def {
    uint32_t type_index;
    uint32_t local_count;           /* declared locals, params excluded */
    veil_wasm_valtype *local_types; /* local_count entries */
    const uint8_t *body;            /* instructions after the locals, final `end` included */
    size_t body_len;
    size_t body_offset;            /* absolute offset of `body` in the module */
    struct veil_interp_code *code; /* built by compile.c during load */
} veil_wasm_func_def;

typedef enum veil_wasm_segment_mode {
    VEIL_SEGMENT_ACTIVE,
    VEIL_SEGMENT_PASSIVE,
    VEIL_SEGMENT_DECLARATIVE, /* element segments only */
} veil_wasm_segment_mode;

typedef struct veil_wasm_elem_def {
    veil_wasm_segment_mode mode;
    uint32_t table_index;        /* ACTIVE */
    veil_wasm_const_expr offset; /* ACTIVE: i32 */
    veil_wasm_valtype elem_type; /* funcref or externref */
    uint32_t item_count;
    veil_wasm_const_expr *items; /* each a reference of elem_type */
} veil_wasm_elem_def;

typedef struct veil_wasm_data_def {
    veil_wasm_segment_mode mode;
    uint32_t memory_index;       /* ACTIVE */
    veil_wasm_const_expr offset; /* ACTIVE: i32 */
    const uint8_t *bytes;
    uint32_t len;
} veil_wasm_data_def;

struct veil_wasm_module {
    char *name;     /* for messages (a file name) */
    uint8_t *bytes; /* the module's own copy of the binary */
    size_t len;

    uint32_t type_count;
    veil_wasm_functype *types; /* params/results arrays owned by the module */
    uint32_t *type_canon;      /* see the invariants above */

    uint32_t import_count;
    veil_wasm_import_def *imports;

    uint32_t func_count; /* imported + defined */
    uint32_t imported_func_count;
    uint32_t *func_type_index; /* func_count entries */
    veil_wasm_func_def *funcs; /* func_def_count entries */
    uint32_t func_def_count;   /* func_count - imported_func_count */

    uint32_t table_count;
    uint32_t imported_table_count;
    veil_wasm_tabletype *tables;

    uint32_t memory_count;
    uint32_t imported_memory_count;
    veil_wasm_limits_range *memories; /* pages */

    uint32_t global_count;
    uint32_t imported_global_count;
    veil_wasm_globaltype *globals;
    veil_wasm_const_expr *global_inits; /* global_count - imported_global_count entries */

    uint32_t export_count;
    veil_wasm_export_def *exports;

    bool has_start;
    uint32_t start;

    uint32_t elem_count;
    veil_wasm_elem_def *elems;

    bool has_data_count;
    uint32_t data_count; /* from the data count section */
    uint32_t data_segment_count;
    veil_wasm_data_def *datas;

    /* C.refs of the spec: functions named outside function bodies (element
     * segments, exports, global initialisers), the only ones ref.func may
     * name inside a body.  func_count entries. */
    bool *func_declared;

    /* From the "name" custom section when present and well formed: NULL or
     * a func_count array of names (NULL entries for unnamed functions). */
    char **func_names;
    uint32_t func_names_count;
};

/* Type of function `func_index` (imports included). */
static inline const veil_wasm_functype *veil_wasm_module_func_type(const veil_wasm_module *m,
                                                                   uint32_t func_index) {
    return &m->types[m->func_type_index[func_index]];
}

/* decode.c: parses the binary format into a module (not yet validated). */
VEIL_NODISCARD veil_error *veil_wasm_decode(const uint8_t *bytes, size_t len, const char *name,
                                            veil_wasm_module **out);
/* validate.c: the spec's validation rules over a decoded module. */
VEIL_NODISCARD veil_error *veil_wasm_validate(const veil_wasm_module *module);
/* compile.c: builds the interpreter code of every defined function. */
VEIL_NODISCARD veil_error *veil_interp_compile_module(veil_wasm_module *module);
void veil_interp_code_free(struct veil_interp_code *code);

bool veil_wasm_functype_equal(const veil_wasm_functype *a, const veil_wasm_functype *b);
uint64_t veil_wasm_functype_hash(const veil_wasm_functype *t);

/* Name of a function for messages: the name section's, else an export
 * name, else "" (never NULL). */
const char *veil_wasm_module_func_name(const veil_wasm_module *module, uint32_t func_index);

/* Number of 64-bit interpreter slots a value of this type occupies. */
static inline uint32_t veil_wasm_valtype_slots(veil_wasm_valtype t) {
    return t == VEIL_WASM_V128 ? 2u : 1u;
}
static inline bool veil_wasm_is_reftype(veil_wasm_valtype t) {
    return t == VEIL_WASM_FUNCREF || t == VEIL_WASM_EXTERNREF;
}

#endif
