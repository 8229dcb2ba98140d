/*
 * The interpreter's internal code, shared by the compiler (compile.c) and
 * the interpreter (interp.c).
 *
 * Code is an array of 32-bit cells.  Each instruction is a handler cell (the
 * handler's address as an offset from a base label inside the interpreter
 * function: direct threading with computed goto) followed by operand cells.
 * Operands are frame-slot indices (the frame pointer `fp` points at slot 0 of
 * the current function: params, then locals, then the operand stack whose
 * height is known statically at every instruction), immediates, or branch
 * offsets (in cells, relative to the first cell of the branching
 * instruction).  So `i32.add` is one handler doing fp[d] = fp[a] + fp[b];
 * local.get produces no code at all (the consumer reads the local's slot).
 *
 * Calls: the arguments sit in consecutive slots at the top of the caller's
 * operand stack; the callee's frame starts there (params are its first
 * slots) and its results are left in its slots 0.., which are exactly where
 * the caller expects them.  Nothing is copied on call or return except the
 * results of a return from inside nested blocks.
 */
#ifndef VEIL_WASM_INTERP_H
#define VEIL_WASM_INTERP_H

#include <stdint.h>

#include "opcodes.h"

/* Interpreter-only instructions (beyond the wasm operators generated from
 * opcodes.h).  Operands are listed after each name. */
#define VEIL_IOPS_CORE(X)                                                                          \
    X(trap_unreachable) /* */                                                                      \
    X(copy)             /* d s */                                                                  \
    X(copy128)          /* d s */                                                                  \
    X(const32)          /* d imm32 (zero-extended) */                                              \
    X(const64)          /* d lo hi */                                                              \
    X(const128)         /* d w0 w1 w2 w3 */                                                        \
    X(br)               /* off */                                                                  \
    X(br_if)            /* c off */                                                                \
    X(br_unless)        /* c off */                                                                \
    X(br_table)         /* c n off0 .. offn (offn: default) */                                     \
    X(fuel)             /* cost: charge fuel, check the deadline */                                \
    X(call)             /* func frame */                                                           \
    X(call_indirect)    /* table type frame idx */                                                 \
    X(ret)              /* results already in slots 0.. */                                         \
    X(ret1)             /* s: one slot */                                                          \
    X(ret2)             /* s: one v128 */                                                          \
    X(retn)             /* s n: n slots from s */                                                  \
    X(select)           /* d a b c */                                                              \
    X(select128)        /* d a b c */                                                              \
    X(global_get)       /* d global */                                                             \
    X(global_get128)    /* d global */                                                             \
    X(global_set)       /* s global */                                                             \
    X(global_set128)    /* s global */                                                             \
    X(memory_size)      /* d */                                                                    \
    X(memory_grow)      /* d n */                                                                  \
    X(memory_fill)      /* dst val n */                                                            \
    X(memory_copy)      /* dst src n */                                                            \
    X(memory_init)      /* seg dst src n */                                                        \
    X(data_drop)        /* seg */                                                                  \
    X(table_get)        /* d i table */                                                            \
    X(table_set)        /* i v table */                                                            \
    X(table_size)       /* d table */                                                              \
    X(table_grow)       /* d init n table */                                                       \
    X(table_fill)       /* i v n table */                                                          \
    X(table_copy)       /* dst_table src_table d s n */                                            \
    X(table_init)       /* seg table d s n */                                                      \
    X(elem_drop)        /* seg */                                                                  \
    X(ref_is_null)      /* d s */                                                                  \
    X(ref_func)         /* d func */

/* Binary operators that also exist with a constant right operand
 * ("ri" forms: d a imm; the immediate is 1 cell for i32, 2 for i64). */
#define VEIL_IOPS_RI(X)                                                                            \
    X(i32_add, 32)                                                                                 \
    X(i32_sub, 32)                                                                                 \
    X(i32_mul, 32)                                                                                 \
    X(i32_and, 32)                                                                                 \
    X(i32_or, 32)                                                                                  \
    X(i32_xor, 32)                                                                                 \
    X(i32_shl, 32)                                                                                 \
    X(i32_shr_s, 32)                                                                               \
    X(i32_shr_u, 32)                                                                               \
    X(i32_rotl, 32)                                                                                \
    X(i32_rotr, 32)                                                                                \
    X(i32_eq, 32)                                                                                  \
    X(i32_ne, 32)                                                                                  \
    X(i32_lt_s, 32)                                                                                \
    X(i32_lt_u, 32)                                                                                \
    X(i32_gt_s, 32)                                                                                \
    X(i32_gt_u, 32)                                                                                \
    X(i32_le_s, 32)                                                                                \
    X(i32_le_u, 32)                                                                                \
    X(i32_ge_s, 32)                                                                                \
    X(i32_ge_u, 32)                                                                                \
    X(i64_add, 64)                                                                                 \
    X(i64_sub, 64)                                                                                 \
    X(i64_mul, 64)                                                                                 \
    X(i64_and, 64)                                                                                 \
    X(i64_or, 64)                                                                                  \
    X(i64_xor, 64)                                                                                 \
    X(i64_shl, 64)                                                                                 \
    X(i64_shr_s, 64)                                                                               \
    X(i64_shr_u, 64)                                                                               \
    X(i64_rotl, 64)                                                                                \
    X(i64_rotr, 64)                                                                                \
    X(i64_eq, 64)                                                                                  \
    X(i64_ne, 64)                                                                                  \
    X(i64_lt_s, 64)                                                                                \
    X(i64_lt_u, 64)                                                                                \
    X(i64_gt_s, 64)                                                                                \
    X(i64_gt_u, 64)                                                                                \
    X(i64_le_s, 64)                                                                                \
    X(i64_le_u, 64)                                                                                \
    X(i64_ge_s, 64)                                                                                \
    X(i64_ge_u, 64)

/* Comparisons fused with a following br_if/if: brif_<cmp> a b off and
 * brif_ri_<cmp> a imm off (imm 1 cell for i32, 2 for i64). */
#define VEIL_IOPS_BRCMP(X)                                                                         \
    X(i32_eq, 32, i32_ne)                                                                          \
    X(i32_ne, 32, i32_eq)                                                                          \
    X(i32_lt_s, 32, i32_ge_s)                                                                      \
    X(i32_lt_u, 32, i32_ge_u)                                                                      \
    X(i32_gt_s, 32, i32_le_s)                                                                      \
    X(i32_gt_u, 32, i32_le_u)                                                                      \
    X(i32_le_s, 32, i32_gt_s)                                                                      \
    X(i32_le_u, 32, i32_gt_u)                                                                      \
    X(i32_ge_s, 32, i32_lt_s)                                                                      \
    X(i32_ge_u, 32, i32_lt_u)                                                                      \
    X(i64_eq, 64, i64_ne)                                                                          \
    X(i64_ne, 64, i64_eq)                                                                          \
    X(i64_lt_s, 64, i64_ge_s)                                                                      \
    X(i64_lt_u, 64, i64_ge_u)                                                                      \
    X(i64_gt_s, 64, i64_le_s)                                                                      \
    X(i64_gt_u, 64, i64_le_u)                                                                      \
    X(i64_le_s, 64, i64_gt_s)                                                                      \
    X(i64_le_u, 64, i64_gt_u)                                                                      \
    X(i64_ge_s, 64, i64_lt_s)                                                                      \
    X(i64_ge_u, 64, i64_lt_u)

/* Internal instruction numbers: VEIL_IOP_<core>, VEIL_IOP_w_<wasm id> for
 * every wasm operator (only the table-driven ones and the SIMD shuffle and
 * lane loads/stores have handlers; their operands are the wasm operands in
 * order, result slot first, then immediates: memory offset, lane index),
 * VEIL_IOP_ri_<id>, VEIL_IOP_brif_<cmp>, VEIL_IOP_brif_ri_<cmp>. */
typedef enum veil_iop {
#define VEIL_IOP_CORE_ENUM(name) VEIL_IOP_##name,
#define VEIL_IOP_WASM_ENUM(id, code, text, imm, cls, p0, p1, p2, r, size) VEIL_IOP_w_##id,
#define VEIL_IOP_RI_ENUM(id, bits) VEIL_IOP_ri_##id,
#define VEIL_IOP_BRCMP_ENUM(id, bits, neg) VEIL_IOP_brif_##id, VEIL_IOP_brif_ri_##id,
    VEIL_IOPS_CORE(VEIL_IOP_CORE_ENUM) VEIL_WASM_OPCODES(VEIL_IOP_WASM_ENUM)
        VEIL_IOPS_RI(VEIL_IOP_RI_ENUM) VEIL_IOPS_BRCMP(VEIL_IOP_BRCMP_ENUM) VEIL_IOP_COUNT
#undef VEIL_IOP_CORE_ENUM
#undef VEIL_IOP_WASM_ENUM
#undef VEIL_IOP_RI_ENUM
#undef VEIL_IOP_BRCMP_ENUM
} veil_iop;

/* A compiled function. */
typedef struct veil_interp_code {
    uint32_t *cells;
    uint32_t cell_count;
    uint32_t func_index;
    uint32_t param_slots;
    uint32_t local_slots; /* declared locals (zeroed on entry), params excluded */
    uint32_t frame_slots; /* params + locals + deepest operand stack */
    uint32_t result_slots;
} veil_interp_code;

/* interp.c: handler offsets indexed by veil_iop (initialised once). */
const int32_t *veil_interp_handlers(void);

#endif
