/*
 * Every Wasm 2.0 instruction in one table, read by the instruction reader
 * (instr.c), the validator and the compiler.
 *
 * An instruction's code is its opcode byte, or 0x100 + n for the 0xFC n
 * (saturating truncation, bulk memory, tables) group and 0x200 + n for the
 * 0xFD n (SIMD) group, so every code fits below VEIL_WASM_OPCODE_LIMIT.
 *
 * Columns: X(id, code, text name, immediate kind, class, param types (3),
 * result type, size), with `_` for "no type".  For the ordinary operators
 * (class PURE/TRAP/LOAD/STORE) the types are the complete typing rule and
 * the validator and compiler are driven from this table; SPECIAL
 * instructions are typed by hand in validate.c.  `size` is the access size
 * in bytes of memory instructions (alignment is checked against it) and the
 * lane count of lane instructions.  The id is also the name of the numeric
 * helper: veil_op_<id> in ops_scalar.h / ops_simd.h.
 */
#ifndef VEIL_WASM_OPCODES_H
#define VEIL_WASM_OPCODES_H

/* Immediate kinds. */
#define VEIL_WASM_IMMS(X)                                                                          \
    X(NONE)                                                                                        \
    X(BLOCK)         /* block type */                                                              \
    X(LABEL)         /* label index */                                                             \
    X(BR_TABLE)      /* vec(label) label */                                                        \
    X(FUNC)          /* function index */                                                          \
    X(CALL_INDIRECT) /* type index, table index */                                                 \
    X(LOCAL)         /* local index */                                                             \
    X(GLOBAL)        /* global index */                                                            \
    X(TABLE)         /* table index */                                                             \
    X(MEMARG)        /* align, offset */                                                           \
    X(MEMORY)        /* memory index (a zero byte in 2.0) */                                       \
    X(I32)           /* i32 constant */                                                            \
    X(I64)           /* i64 constant */                                                            \
    X(F32)           /* 4 bytes */                                                                 \
    X(F64)           /* 8 bytes */                                                                 \
    X(SELECT_T)      /* vec(valtype) */                                                            \
    X(REFTYPE)       /* reference type */                                                          \
    X(MEMORY_INIT)   /* data index, memory index */                                                \
    X(DATA)          /* data index */                                                              \
    X(MEMORY_COPY)   /* memory index, memory index */                                              \
    X(TABLE_INIT)    /* element index, table index */                                              \
    X(ELEM)          /* element index */                                                           \
    X(TABLE_COPY)    /* table index, table index */                                                \
    X(V128)          /* 16 bytes */                                                                \
    X(SHUFFLE)       /* 16 lane indices */                                                         \
    X(LANE)          /* lane index */                                                              \
    X(MEMARG_LANE)   /* memarg, lane index */

/* Instruction classes. */
#define VEIL_WASM_CLASSES(X)                                                                       \
    X(SPECIAL) /* typed and compiled by hand */                                                    \
    X(PURE)    /* result = veil_op_<id>(params) */                                                 \
    X(BITS)    /* the same, on float bit patterns (abs, neg, copysign) */                          \
    X(TRAP)    /* trap = veil_op_<id>(params, &result) */                                          \
    X(LOAD)    /* memory load: i32 address -> result */                                            \
    X(STORE)   /* memory store: i32 address, value -> */                                           \
    X(LANE)    /* lane access with a lane-index immediate */

/* clang-format off */
#define VEIL_WASM_SCALAR_OPCODES(X)                                                                     \
    /* control */                                                                                  \
    X(unreachable,         0x00, "unreachable",          NONE,          SPECIAL, _, _, _, _, 0)   \
    X(nop,                 0x01, "nop",                  NONE,          SPECIAL, _, _, _, _, 0)   \
    X(block,               0x02, "block",                BLOCK,         SPECIAL, _, _, _, _, 0)   \
    X(loop,                0x03, "loop",                 BLOCK,         SPECIAL, _, _, _, _, 0)   \
    X(if,                  0x04, "if",                   BLOCK,         SPECIAL, _, _, _, _, 0)   \
    X(else,                0x05, "else",                 NONE,          SPECIAL, _, _, _, _, 0)   \
    X(end,                 0x0b, "end",                  NONE,          SPECIAL, _, _, _, _, 0)   \
    X(br,                  0x0c, "br",                   LABEL,         SPECIAL, _, _, _, _, 0)   \
    X(br_if,               0x0d, "br_if",                LABEL,         SPECIAL, _, _, _, _, 0)   \
    X(br_table,            0x0e, "br_table",             BR_TABLE,      SPECIAL, _, _, _, _, 0)   \
    X(return,              0x0f, "return",               NONE,          SPECIAL, _, _, _, _, 0)   \
    X(call,                0x10, "call",                 FUNC,          SPECIAL, _, _, _, _, 0)   \
    X(call_indirect,       0x11, "call_indirect",        CALL_INDIRECT, SPECIAL, _, _, _, _, 0)   \
    /* parametric */                                                                               \
    X(drop,                0x1a, "drop",                 NONE,          SPECIAL, _, _, _, _, 0)   \
    X(select,              0x1b, "select",               NONE,          SPECIAL, _, _, _, _, 0)   \
    X(select_t,            0x1c, "select",               SELECT_T,      SPECIAL, _, _, _, _, 0)   \
    /* variables */                                                                                \
    X(local_get,           0x20, "local.get",            LOCAL,         SPECIAL, _, _, _, _, 0)   \
    X(local_set,           0x21, "local.set",            LOCAL,         SPECIAL, _, _, _, _, 0)   \
    X(local_tee,           0x22, "local.tee",            LOCAL,         SPECIAL, _, _, _, _, 0)   \
    X(global_get,          0x23, "global.get",           GLOBAL,        SPECIAL, _, _, _, _, 0)   \
    X(global_set,          0x24, "global.set",           GLOBAL,        SPECIAL, _, _, _, _, 0)   \
    X(table_get,           0x25, "table.get",            TABLE,         SPECIAL, _, _, _, _, 0)   \
    X(table_set,           0x26, "table.set",            TABLE,         SPECIAL, _, _, _, _, 0)   \
    /* memory */                                                                                   \
    X(i32_load,            0x28, "i32.load",             MEMARG,        LOAD,  I32, _, _, I32, 4) \
    X(i64_load,            0x29, "i64.load",             MEMARG,        LOAD,  I32, _, _, I64, 8) \
    X(f32_load,            0x2a, "f32.load",             MEMARG,        LOAD,  I32, _, _, F32, 4) \
    X(f64_load,            0x2b, "f64.load",             MEMARG,        LOAD,  I32, _, _, F64, 8) \
    X(i32_load8_s,         0x2c, "i32.load8_s",          MEMARG,        LOAD,  I32, _, _, I32, 1) \
    X(i32_load8_u,         0x2d, "i32.load8_u",          MEMARG,        LOAD,  I32, _, _, I32, 1) \
    X(i32_load16_s,        0x2e, "i32.load16_s",         MEMARG,        LOAD,  I32, _, _, I32, 2) \
    X(i32_load16_u,        0x2f, "i32.load16_u",         MEMARG,        LOAD,  I32, _, _, I32, 2) \
    X(i64_load8_s,         0x30, "i64.load8_s",          MEMARG,        LOAD,  I32, _, _, I64, 1) \
    X(i64_load8_u,         0x31, "i64.load8_u",          MEMARG,        LOAD,  I32, _, _, I64, 1) \
    X(i64_load16_s,        0x32, "i64.load16_s",         MEMARG,        LOAD,  I32, _, _, I64, 2) \
    X(i64_load16_u,        0x33, "i64.load16_u",         MEMARG,        LOAD,  I32, _, _, I64, 2) \
    X(i64_load32_s,        0x34, "i64.load32_s",         MEMARG,        LOAD,  I32, _, _, I64, 4) \
    X(i64_load32_u,        0x35, "i64.load32_u",         MEMARG,        LOAD,  I32, _, _, I64, 4) \
    X(i32_store,           0x36, "i32.store",            MEMARG,        STORE, I32, I32, _, _, 4) \
    X(i64_store,           0x37, "i64.store",            MEMARG,        STORE, I32, I64, _, _, 8) \
    X(f32_store,           0x38, "f32.store",            MEMARG,        STORE, I32, F32, _, _, 4) \
    X(f64_store,           0x39, "f64.store",            MEMARG,        STORE, I32, F64, _, _, 8) \
    X(i32_store8,          0x3a, "i32.store8",           MEMARG,        STORE, I32, I32, _, _, 1) \
    X(i32_store16,         0x3b, "i32.store16",          MEMARG,        STORE, I32, I32, _, _, 2) \
    X(i64_store8,          0x3c, "i64.store8",           MEMARG,        STORE, I32, I64, _, _, 1) \
    X(i64_store16,         0x3d, "i64.store16",          MEMARG,        STORE, I32, I64, _, _, 2) \
    X(i64_store32,         0x3e, "i64.store32",          MEMARG,        STORE, I32, I64, _, _, 4) \
    X(memory_size,         0x3f, "memory.size",          MEMORY,        SPECIAL, _, _, _, _, 0)   \
    X(memory_grow,         0x40, "memory.grow",          MEMORY,        SPECIAL, _, _, _, _, 0)   \
    /* constants */                                                                                \
    X(i32_const,           0x41, "i32.const",            I32,           SPECIAL, _, _, _, _, 0)   \
    X(i64_const,           0x42, "i64.const",            I64,           SPECIAL, _, _, _, _, 0)   \
    X(f32_const,           0x43, "f32.const",            F32,           SPECIAL, _, _, _, _, 0)   \
    X(f64_const,           0x44, "f64.const",            F64,           SPECIAL, _, _, _, _, 0)   \
    /* i32 comparisons */                                                                          \
    X(i32_eqz,             0x45, "i32.eqz",              NONE,          PURE, I32, _, _, I32, 0)   \
    X(i32_eq,              0x46, "i32.eq",               NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_ne,              0x47, "i32.ne",               NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_lt_s,            0x48, "i32.lt_s",             NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_lt_u,            0x49, "i32.lt_u",             NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_gt_s,            0x4a, "i32.gt_s",             NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_gt_u,            0x4b, "i32.gt_u",             NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_le_s,            0x4c, "i32.le_s",             NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_le_u,            0x4d, "i32.le_u",             NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_ge_s,            0x4e, "i32.ge_s",             NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_ge_u,            0x4f, "i32.ge_u",             NONE,          PURE, I32, I32, _, I32, 0) \
    /* i64 comparisons */                                                                          \
    X(i64_eqz,             0x50, "i64.eqz",              NONE,          PURE, I64, _, _, I32, 0)   \
    X(i64_eq,              0x51, "i64.eq",               NONE,          PURE, I64, I64, _, I32, 0) \
    X(i64_ne,              0x52, "i64.ne",               NONE,          PURE, I64, I64, _, I32, 0) \
    X(i64_lt_s,            0x53, "i64.lt_s",             NONE,          PURE, I64, I64, _, I32, 0) \
    X(i64_lt_u,            0x54, "i64.lt_u",             NONE,          PURE, I64, I64, _, I32, 0) \
    X(i64_gt_s,            0x55, "i64.gt_s",             NONE,          PURE, I64, I64, _, I32, 0) \
    X(i64_gt_u,            0x56, "i64.gt_u",             NONE,          PURE, I64, I64, _, I32, 0) \
    X(i64_le_s,            0x57, "i64.le_s",             NONE,          PURE, I64, I64, _, I32, 0) \
    X(i64_le_u,            0x58, "i64.le_u",             NONE,          PURE, I64, I64, _, I32, 0) \
    X(i64_ge_s,            0x59, "i64.ge_s",             NONE,          PURE, I64, I64, _, I32, 0) \
    X(i64_ge_u,            0x5a, "i64.ge_u",             NONE,          PURE, I64, I64, _, I32, 0) \
    /* float comparisons */                                                                        \
    X(f32_eq,              0x5b, "f32.eq",               NONE,          PURE, F32, F32, _, I32, 0) \
    X(f32_ne,              0x5c, "f32.ne",               NONE,          PURE, F32, F32, _, I32, 0) \
    X(f32_lt,              0x5d, "f32.lt",               NONE,          PURE, F32, F32, _, I32, 0) \
    X(f32_gt,              0x5e, "f32.gt",               NONE,          PURE, F32, F32, _, I32, 0) \
    X(f32_le,              0x5f, "f32.le",               NONE,          PURE, F32, F32, _, I32, 0) \
    X(f32_ge,              0x60, "f32.ge",               NONE,          PURE, F32, F32, _, I32, 0) \
    X(f64_eq,              0x61, "f64.eq",               NONE,          PURE, F64, F64, _, I32, 0) \
    X(f64_ne,              0x62, "f64.ne",               NONE,          PURE, F64, F64, _, I32, 0) \
    X(f64_lt,              0x63, "f64.lt",               NONE,          PURE, F64, F64, _, I32, 0) \
    X(f64_gt,              0x64, "f64.gt",               NONE,          PURE, F64, F64, _, I32, 0) \
    X(f64_le,              0x65, "f64.le",               NONE,          PURE, F64, F64, _, I32, 0) \
    X(f64_ge,              0x66, "f64.ge",               NONE,          PURE, F64, F64, _, I32, 0) \
    /* i32 arithmetic */                                                                           \
    X(i32_clz,             0x67, "i32.clz",              NONE,          PURE, I32, _, _, I32, 0)   \
    X(i32_ctz,             0x68, "i32.ctz",              NONE,          PURE, I32, _, _, I32, 0)   \
    X(i32_popcnt,          0x69, "i32.popcnt",           NONE,          PURE, I32, _, _, I32, 0)   \
    X(i32_add,             0x6a, "i32.add",              NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_sub,             0x6b, "i32.sub",              NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_mul,             0x6c, "i32.mul",              NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_div_s,           0x6d, "i32.div_s",            NONE,          TRAP, I32, I32, _, I32, 0) \
    X(i32_div_u,           0x6e, "i32.div_u",            NONE,          TRAP, I32, I32, _, I32, 0) \
    X(i32_rem_s,           0x6f, "i32.rem_s",            NONE,          TRAP, I32, I32, _, I32, 0) \
    X(i32_rem_u,           0x70, "i32.rem_u",            NONE,          TRAP, I32, I32, _, I32, 0) \
    X(i32_and,             0x71, "i32.and",              NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_or,              0x72, "i32.or",               NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_xor,             0x73, "i32.xor",              NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_shl,             0x74, "i32.shl",              NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_shr_s,           0x75, "i32.shr_s",            NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_shr_u,           0x76, "i32.shr_u",            NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_rotl,            0x77, "i32.rotl",             NONE,          PURE, I32, I32, _, I32, 0) \
    X(i32_rotr,            0x78, "i32.rotr",             NONE,          PURE, I32, I32, _, I32, 0) \
    /* i64 arithmetic */                                                                           \
    X(i64_clz,             0x79, "i64.clz",              NONE,          PURE, I64, _, _, I64, 0)   \
    X(i64_ctz,             0x7a, "i64.ctz",              NONE,          PURE, I64, _, _, I64, 0)   \
    X(i64_popcnt,          0x7b, "i64.popcnt",           NONE,          PURE, I64, _, _, I64, 0)   \
    X(i64_add,             0x7c, "i64.add",              NONE,          PURE, I64, I64, _, I64, 0) \
    X(i64_sub,             0x7d, "i64.sub",              NONE,          PURE, I64, I64, _, I64, 0) \
    X(i64_mul,             0x7e, "i64.mul",              NONE,          PURE, I64, I64, _, I64, 0) \
    X(i64_div_s,           0x7f, "i64.div_s",            NONE,          TRAP, I64, I64, _, I64, 0) \
    X(i64_div_u,           0x80, "i64.div_u",            NONE,          TRAP, I64, I64, _, I64, 0) \
    X(i64_rem_s,           0x81, "i64.rem_s",            NONE,          TRAP, I64, I64, _, I64, 0) \
    X(i64_rem_u,           0x82, "i64.rem_u",            NONE,          TRAP, I64, I64, _, I64, 0) \
    X(i64_and,             0x83, "i64.and",              NONE,          PURE, I64, I64, _, I64, 0) \
    X(i64_or,              0x84, "i64.or",               NONE,          PURE, I64, I64, _, I64, 0) \
    X(i64_xor,             0x85, "i64.xor",              NONE,          PURE, I64, I64, _, I64, 0) \
    X(i64_shl,             0x86, "i64.shl",              NONE,          PURE, I64, I64, _, I64, 0) \
    X(i64_shr_s,           0x87, "i64.shr_s",            NONE,          PURE, I64, I64, _, I64, 0) \
    X(i64_shr_u,           0x88, "i64.shr_u",            NONE,          PURE, I64, I64, _, I64, 0) \
    X(i64_rotl,            0x89, "i64.rotl",             NONE,          PURE, I64, I64, _, I64, 0) \
    X(i64_rotr,            0x8a, "i64.rotr",             NONE,          PURE, I64, I64, _, I64, 0) \
    /* f32 arithmetic */                                                                           \
    X(f32_abs,             0x8b, "f32.abs",              NONE,          BITS, F32, _, _, F32, 0)   \
    X(f32_neg,             0x8c, "f32.neg",              NONE,          BITS, F32, _, _, F32, 0)   \
    X(f32_ceil,            0x8d, "f32.ceil",             NONE,          PURE, F32, _, _, F32, 0)   \
    X(f32_floor,           0x8e, "f32.floor",            NONE,          PURE, F32, _, _, F32, 0)   \
    X(f32_trunc,           0x8f, "f32.trunc",            NONE,          PURE, F32, _, _, F32, 0)   \
    X(f32_nearest,         0x90, "f32.nearest",          NONE,          PURE, F32, _, _, F32, 0)   \
    X(f32_sqrt,            0x91, "f32.sqrt",             NONE,          PURE, F32, _, _, F32, 0)   \
    X(f32_add,             0x92, "f32.add",              NONE,          PURE, F32, F32, _, F32, 0) \
    X(f32_sub,             0x93, "f32.sub",              NONE,          PURE, F32, F32, _, F32, 0) \
    X(f32_mul,             0x94, "f32.mul",              NONE,          PURE, F32, F32, _, F32, 0) \
    X(f32_div,             0x95, "f32.div",              NONE,          PURE, F32, F32, _, F32, 0) \
    X(f32_min,             0x96, "f32.min",              NONE,          PURE, F32, F32, _, F32, 0) \
    X(f32_max,             0x97, "f32.max",              NONE,          PURE, F32, F32, _, F32, 0) \
    X(f32_copysign,        0x98, "f32.copysign",         NONE,          BITS, F32, F32, _, F32, 0) \
    /* f64 arithmetic */                                                                           \
    X(f64_abs,             0x99, "f64.abs",              NONE,          BITS, F64, _, _, F64, 0)   \
    X(f64_neg,             0x9a, "f64.neg",              NONE,          BITS, F64, _, _, F64, 0)   \
    X(f64_ceil,            0x9b, "f64.ceil",             NONE,          PURE, F64, _, _, F64, 0)   \
    X(f64_floor,           0x9c, "f64.floor",            NONE,          PURE, F64, _, _, F64, 0)   \
    X(f64_trunc,           0x9d, "f64.trunc",            NONE,          PURE, F64, _, _, F64, 0)   \
    X(f64_nearest,         0x9e, "f64.nearest",          NONE,          PURE, F64, _, _, F64, 0)   \
    X(f64_sqrt,            0x9f, "f64.sqrt",             NONE,          PURE, F64, _, _, F64, 0)   \
    X(f64_add,             0xa0, "f64.add",              NONE,          PURE, F64, F64, _, F64, 0) \
    X(f64_sub,             0xa1, "f64.sub",              NONE,          PURE, F64, F64, _, F64, 0) \
    X(f64_mul,             0xa2, "f64.mul",              NONE,          PURE, F64, F64, _, F64, 0) \
    X(f64_div,             0xa3, "f64.div",              NONE,          PURE, F64, F64, _, F64, 0) \
    X(f64_min,             0xa4, "f64.min",              NONE,          PURE, F64, F64, _, F64, 0) \
    X(f64_max,             0xa5, "f64.max",              NONE,          PURE, F64, F64, _, F64, 0) \
    X(f64_copysign,        0xa6, "f64.copysign",         NONE,          BITS, F64, F64, _, F64, 0) \
    /* conversions */                                                                              \
    X(i32_wrap_i64,        0xa7, "i32.wrap_i64",         NONE,          PURE, I64, _, _, I32, 0)   \
    X(i32_trunc_f32_s,     0xa8, "i32.trunc_f32_s",      NONE,          TRAP, F32, _, _, I32, 0)   \
    X(i32_trunc_f32_u,     0xa9, "i32.trunc_f32_u",      NONE,          TRAP, F32, _, _, I32, 0)   \
    X(i32_trunc_f64_s,     0xaa, "i32.trunc_f64_s",      NONE,          TRAP, F64, _, _, I32, 0)   \
    X(i32_trunc_f64_u,     0xab, "i32.trunc_f64_u",      NONE,          TRAP, F64, _, _, I32, 0)   \
    X(i64_extend_i32_s,    0xac, "i64.extend_i32_s",     NONE,          PURE, I32, _, _, I64, 0)   \
    X(i64_extend_i32_u,    0xad, "i64.extend_i32_u",     NONE,          PURE, I32, _, _, I64, 0)   \
    X(i64_trunc_f32_s,     0xae, "i64.trunc_f32_s",      NONE,          TRAP, F32, _, _, I64, 0)   \
    X(i64_trunc_f32_u,     0xaf, "i64.trunc_f32_u",      NONE,          TRAP, F32, _, _, I64, 0)   \
    X(i64_trunc_f64_s,     0xb0, "i64.trunc_f64_s",      NONE,          TRAP, F64, _, _, I64, 0)   \
    X(i64_trunc_f64_u,     0xb1, "i64.trunc_f64_u",      NONE,          TRAP, F64, _, _, I64, 0)   \
    X(f32_convert_i32_s,   0xb2, "f32.convert_i32_s",    NONE,          PURE, I32, _, _, F32, 0)   \
    X(f32_convert_i32_u,   0xb3, "f32.convert_i32_u",    NONE,          PURE, I32, _, _, F32, 0)   \
    X(f32_convert_i64_s,   0xb4, "f32.convert_i64_s",    NONE,          PURE, I64, _, _, F32, 0)   \
    X(f32_convert_i64_u,   0xb5, "f32.convert_i64_u",    NONE,          PURE, I64, _, _, F32, 0)   \
    X(f32_demote_f64,      0xb6, "f32.demote_f64",       NONE,          PURE, F64, _, _, F32, 0)   \
    X(f64_convert_i32_s,   0xb7, "f64.convert_i32_s",    NONE,          PURE, I32, _, _, F64, 0)   \
    X(f64_convert_i32_u,   0xb8, "f64.convert_i32_u",    NONE,          PURE, I32, _, _, F64, 0)   \
    X(f64_convert_i64_s,   0xb9, "f64.convert_i64_s",    NONE,          PURE, I64, _, _, F64, 0)   \
    X(f64_convert_i64_u,   0xba, "f64.convert_i64_u",    NONE,          PURE, I64, _, _, F64, 0)   \
    X(f64_promote_f32,     0xbb, "f64.promote_f32",      NONE,          PURE, F32, _, _, F64, 0)   \
    X(i32_reinterpret_f32, 0xbc, "i32.reinterpret_f32",  NONE,          PURE, F32, _, _, I32, 0)   \
    X(i64_reinterpret_f64, 0xbd, "i64.reinterpret_f64",  NONE,          PURE, F64, _, _, I64, 0)   \
    X(f32_reinterpret_i32, 0xbe, "f32.reinterpret_i32",  NONE,          PURE, I32, _, _, F32, 0)   \
    X(f64_reinterpret_i64, 0xbf, "f64.reinterpret_i64",  NONE,          PURE, I64, _, _, F64, 0)   \
    X(i32_extend8_s,       0xc0, "i32.extend8_s",        NONE,          PURE, I32, _, _, I32, 0)   \
    X(i32_extend16_s,      0xc1, "i32.extend16_s",       NONE,          PURE, I32, _, _, I32, 0)   \
    X(i64_extend8_s,       0xc2, "i64.extend8_s",        NONE,          PURE, I64, _, _, I64, 0)   \
    X(i64_extend16_s,      0xc3, "i64.extend16_s",       NONE,          PURE, I64, _, _, I64, 0)   \
    X(i64_extend32_s,      0xc4, "i64.extend32_s",       NONE,          PURE, I64, _, _, I64, 0)   \
    /* references */                                                                               \
    X(ref_null,            0xd0, "ref.null",             REFTYPE,       SPECIAL, _, _, _, _, 0)   \
    X(ref_is_null,         0xd1, "ref.is_null",          NONE,          SPECIAL, _, _, _, _, 0)   \
    X(ref_func,            0xd2, "ref.func",             FUNC,          SPECIAL, _, _, _, _, 0)   \
    /* 0xFC group */                                                                               \
    X(i32_trunc_sat_f32_s, 0x100, "i32.trunc_sat_f32_s", NONE,          PURE, F32, _, _, I32, 0)   \
    X(i32_trunc_sat_f32_u, 0x101, "i32.trunc_sat_f32_u", NONE,          PURE, F32, _, _, I32, 0)   \
    X(i32_trunc_sat_f64_s, 0x102, "i32.trunc_sat_f64_s", NONE,          PURE, F64, _, _, I32, 0)   \
    X(i32_trunc_sat_f64_u, 0x103, "i32.trunc_sat_f64_u", NONE,          PURE, F64, _, _, I32, 0)   \
    X(i64_trunc_sat_f32_s, 0x104, "i64.trunc_sat_f32_s", NONE,          PURE, F32, _, _, I64, 0)   \
    X(i64_trunc_sat_f32_u, 0x105, "i64.trunc_sat_f32_u", NONE,          PURE, F32, _, _, I64, 0)   \
    X(i64_trunc_sat_f64_s, 0x106, "i64.trunc_sat_f64_s", NONE,          PURE, F64, _, _, I64, 0)   \
    X(i64_trunc_sat_f64_u, 0x107, "i64.trunc_sat_f64_u", NONE,          PURE, F64, _, _, I64, 0)   \
    X(memory_init,         0x108, "memory.init",         MEMORY_INIT,   SPECIAL, _, _, _, _, 0)   \
    X(data_drop,           0x109, "data.drop",           DATA,          SPECIAL, _, _, _, _, 0)   \
    X(memory_copy,         0x10a, "memory.copy",         MEMORY_COPY,   SPECIAL, _, _, _, _, 0)   \
    X(memory_fill,         0x10b, "memory.fill",         MEMORY,        SPECIAL, _, _, _, _, 0)   \
    X(table_init,          0x10c, "table.init",          TABLE_INIT,    SPECIAL, _, _, _, _, 0)   \
    X(elem_drop,           0x10d, "elem.drop",           ELEM,          SPECIAL, _, _, _, _, 0)   \
    X(table_copy,          0x10e, "table.copy",          TABLE_COPY,    SPECIAL, _, _, _, _, 0)   \
    X(table_grow,          0x10f, "table.grow",          TABLE,         SPECIAL, _, _, _, _, 0)   \
    X(table_size,          0x110, "table.size",          TABLE,         SPECIAL, _, _, _, _, 0)   \
    X(table_fill,          0x111, "table.fill",          TABLE,         SPECIAL, _, _, _, _, 0)

#define VEIL_WASM_OPCODES(X) VEIL_WASM_SCALAR_OPCODES(X) VEIL_WASM_SIMD_OPCODES(X)

#define VEIL_WASM_SIMD_OPCODES(X)                                                                  \
    X(v128_load,                    0x200, "v128.load",           MEMARG,  LOAD, I32, _, _, V128, 16) \
    X(v128_load8x8_s,               0x201, "v128.load8x8_s",      MEMARG,  LOAD, I32, _, _, V128, 8)  \
    X(v128_load8x8_u,               0x202, "v128.load8x8_u",      MEMARG,  LOAD, I32, _, _, V128, 8)  \
    X(v128_load16x4_s,              0x203, "v128.load16x4_s",     MEMARG,  LOAD, I32, _, _, V128, 8)  \
    X(v128_load16x4_u,              0x204, "v128.load16x4_u",     MEMARG,  LOAD, I32, _, _, V128, 8)  \
    X(v128_load32x2_s,              0x205, "v128.load32x2_s",     MEMARG,  LOAD, I32, _, _, V128, 8)  \
    X(v128_load32x2_u,              0x206, "v128.load32x2_u",     MEMARG,  LOAD, I32, _, _, V128, 8)  \
    X(v128_load8_splat,             0x207, "v128.load8_splat",    MEMARG,  LOAD, I32, _, _, V128, 1)  \
    X(v128_load16_splat,            0x208, "v128.load16_splat",   MEMARG,  LOAD, I32, _, _, V128, 2)  \
    X(v128_load32_splat,            0x209, "v128.load32_splat",   MEMARG,  LOAD, I32, _, _, V128, 4)  \
    X(v128_load64_splat,            0x20a, "v128.load64_splat",   MEMARG,  LOAD, I32, _, _, V128, 8)  \
    X(v128_store,                   0x20b, "v128.store",          MEMARG,  STORE, I32, V128, _, _, 16) \
    X(v128_const,                   0x20c, "v128.const",          V128,    SPECIAL, _, _, _, _, 0)  \
    X(i8x16_shuffle,                0x20d, "i8x16.shuffle",       SHUFFLE, SPECIAL, _, _, _, _, 0)  \
    X(i8x16_swizzle,                0x20e, "i8x16.swizzle",       NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_splat,                  0x20f, "i8x16.splat",         NONE, PURE, I32, _, _, V128, 0)  \
    X(i16x8_splat,                  0x210, "i16x8.splat",         NONE, PURE, I32, _, _, V128, 0)  \
    X(i32x4_splat,                  0x211, "i32x4.splat",         NONE, PURE, I32, _, _, V128, 0)  \
    X(i64x2_splat,                  0x212, "i64x2.splat",         NONE, PURE, I64, _, _, V128, 0)  \
    X(f32x4_splat,                  0x213, "f32x4.splat",         NONE, PURE, F32, _, _, V128, 0)  \
    X(f64x2_splat,                  0x214, "f64x2.splat",         NONE, PURE, F64, _, _, V128, 0)  \
    X(i8x16_extract_lane_s,         0x215, "i8x16.extract_lane_s", LANE, LANE, V128, _, _, I32, 16) \
    X(i8x16_extract_lane_u,         0x216, "i8x16.extract_lane_u", LANE, LANE, V128, _, _, I32, 16) \
    X(i8x16_replace_lane,           0x217, "i8x16.replace_lane",  LANE, LANE, V128, I32, _, V128, 16) \
    X(i16x8_extract_lane_s,         0x218, "i16x8.extract_lane_s", LANE, LANE, V128, _, _, I32, 8) \
    X(i16x8_extract_lane_u,         0x219, "i16x8.extract_lane_u", LANE, LANE, V128, _, _, I32, 8) \
    X(i16x8_replace_lane,           0x21a, "i16x8.replace_lane",  LANE, LANE, V128, I32, _, V128, 8) \
    X(i32x4_extract_lane,           0x21b, "i32x4.extract_lane",  LANE, LANE, V128, _, _, I32, 4)  \
    X(i32x4_replace_lane,           0x21c, "i32x4.replace_lane",  LANE, LANE, V128, I32, _, V128, 4) \
    X(i64x2_extract_lane,           0x21d, "i64x2.extract_lane",  LANE, LANE, V128, _, _, I64, 2)  \
    X(i64x2_replace_lane,           0x21e, "i64x2.replace_lane",  LANE, LANE, V128, I64, _, V128, 2) \
    X(f32x4_extract_lane,           0x21f, "f32x4.extract_lane",  LANE, LANE, V128, _, _, F32, 4)  \
    X(f32x4_replace_lane,           0x220, "f32x4.replace_lane",  LANE, LANE, V128, F32, _, V128, 4) \
    X(f64x2_extract_lane,           0x221, "f64x2.extract_lane",  LANE, LANE, V128, _, _, F64, 2)  \
    X(f64x2_replace_lane,           0x222, "f64x2.replace_lane",  LANE, LANE, V128, F64, _, V128, 2) \
    X(i8x16_eq,                     0x223, "i8x16.eq",            NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_ne,                     0x224, "i8x16.ne",            NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_lt_s,                   0x225, "i8x16.lt_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_lt_u,                   0x226, "i8x16.lt_u",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_gt_s,                   0x227, "i8x16.gt_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_gt_u,                   0x228, "i8x16.gt_u",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_le_s,                   0x229, "i8x16.le_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_le_u,                   0x22a, "i8x16.le_u",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_ge_s,                   0x22b, "i8x16.ge_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_ge_u,                   0x22c, "i8x16.ge_u",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_eq,                     0x22d, "i16x8.eq",            NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_ne,                     0x22e, "i16x8.ne",            NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_lt_s,                   0x22f, "i16x8.lt_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_lt_u,                   0x230, "i16x8.lt_u",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_gt_s,                   0x231, "i16x8.gt_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_gt_u,                   0x232, "i16x8.gt_u",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_le_s,                   0x233, "i16x8.le_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_le_u,                   0x234, "i16x8.le_u",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_ge_s,                   0x235, "i16x8.ge_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_ge_u,                   0x236, "i16x8.ge_u",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_eq,                     0x237, "i32x4.eq",            NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_ne,                     0x238, "i32x4.ne",            NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_lt_s,                   0x239, "i32x4.lt_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_lt_u,                   0x23a, "i32x4.lt_u",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_gt_s,                   0x23b, "i32x4.gt_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_gt_u,                   0x23c, "i32x4.gt_u",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_le_s,                   0x23d, "i32x4.le_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_le_u,                   0x23e, "i32x4.le_u",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_ge_s,                   0x23f, "i32x4.ge_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_ge_u,                   0x240, "i32x4.ge_u",          NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_eq,                     0x241, "f32x4.eq",            NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_ne,                     0x242, "f32x4.ne",            NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_lt,                     0x243, "f32x4.lt",            NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_gt,                     0x244, "f32x4.gt",            NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_le,                     0x245, "f32x4.le",            NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_ge,                     0x246, "f32x4.ge",            NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_eq,                     0x247, "f64x2.eq",            NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_ne,                     0x248, "f64x2.ne",            NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_lt,                     0x249, "f64x2.lt",            NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_gt,                     0x24a, "f64x2.gt",            NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_le,                     0x24b, "f64x2.le",            NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_ge,                     0x24c, "f64x2.ge",            NONE, PURE, V128, V128, _, V128, 0) \
    X(v128_not,                     0x24d, "v128.not",            NONE, PURE, V128, _, _, V128, 0)  \
    X(v128_and,                     0x24e, "v128.and",            NONE, PURE, V128, V128, _, V128, 0) \
    X(v128_andnot,                  0x24f, "v128.andnot",         NONE, PURE, V128, V128, _, V128, 0) \
    X(v128_or,                      0x250, "v128.or",             NONE, PURE, V128, V128, _, V128, 0) \
    X(v128_xor,                     0x251, "v128.xor",            NONE, PURE, V128, V128, _, V128, 0) \
    X(v128_bitselect,               0x252, "v128.bitselect",      NONE, PURE, V128, V128, V128, V128, 0) \
    X(v128_any_true,                0x253, "v128.any_true",       NONE, PURE, V128, _, _, I32, 0)  \
    X(v128_load8_lane,              0x254, "v128.load8_lane",     MEMARG_LANE, SPECIAL, I32, V128, _, V128, 1) \
    X(v128_load16_lane,             0x255, "v128.load16_lane",    MEMARG_LANE, SPECIAL, I32, V128, _, V128, 2) \
    X(v128_load32_lane,             0x256, "v128.load32_lane",    MEMARG_LANE, SPECIAL, I32, V128, _, V128, 4) \
    X(v128_load64_lane,             0x257, "v128.load64_lane",    MEMARG_LANE, SPECIAL, I32, V128, _, V128, 8) \
    X(v128_store8_lane,             0x258, "v128.store8_lane",    MEMARG_LANE, SPECIAL, I32, V128, _, _, 1) \
    X(v128_store16_lane,            0x259, "v128.store16_lane",   MEMARG_LANE, SPECIAL, I32, V128, _, _, 2) \
    X(v128_store32_lane,            0x25a, "v128.store32_lane",   MEMARG_LANE, SPECIAL, I32, V128, _, _, 4) \
    X(v128_store64_lane,            0x25b, "v128.store64_lane",   MEMARG_LANE, SPECIAL, I32, V128, _, _, 8) \
    X(v128_load32_zero,             0x25c, "v128.load32_zero",    MEMARG,  LOAD, I32, _, _, V128, 4)  \
    X(v128_load64_zero,             0x25d, "v128.load64_zero",    MEMARG,  LOAD, I32, _, _, V128, 8)  \
    X(f32x4_demote_f64x2_zero,      0x25e, "f32x4.demote_f64x2_zero", NONE, PURE, V128, _, _, V128, 0) \
    X(f64x2_promote_low_f32x4,      0x25f, "f64x2.promote_low_f32x4", NONE, PURE, V128, _, _, V128, 0) \
    X(i8x16_abs,                    0x260, "i8x16.abs",           NONE, PURE, V128, _, _, V128, 0)  \
    X(i8x16_neg,                    0x261, "i8x16.neg",           NONE, PURE, V128, _, _, V128, 0)  \
    X(i8x16_popcnt,                 0x262, "i8x16.popcnt",        NONE, PURE, V128, _, _, V128, 0)  \
    X(i8x16_all_true,               0x263, "i8x16.all_true",      NONE, PURE, V128, _, _, I32, 0)   \
    X(i8x16_bitmask,                0x264, "i8x16.bitmask",       NONE, PURE, V128, _, _, I32, 0)   \
    X(i8x16_narrow_i16x8_s,         0x265, "i8x16.narrow_i16x8_s", NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_narrow_i16x8_u,         0x266, "i8x16.narrow_i16x8_u", NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_ceil,                   0x267, "f32x4.ceil",          NONE, PURE, V128, _, _, V128, 0)  \
    X(f32x4_floor,                  0x268, "f32x4.floor",         NONE, PURE, V128, _, _, V128, 0)  \
    X(f32x4_trunc,                  0x269, "f32x4.trunc",         NONE, PURE, V128, _, _, V128, 0)  \
    X(f32x4_nearest,                0x26a, "f32x4.nearest",       NONE, PURE, V128, _, _, V128, 0)  \
    X(i8x16_shl,                    0x26b, "i8x16.shl",           NONE, PURE, V128, I32, _, V128, 0) \
    X(i8x16_shr_s,                  0x26c, "i8x16.shr_s",         NONE, PURE, V128, I32, _, V128, 0) \
    X(i8x16_shr_u,                  0x26d, "i8x16.shr_u",         NONE, PURE, V128, I32, _, V128, 0) \
    X(i8x16_add,                    0x26e, "i8x16.add",           NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_add_sat_s,              0x26f, "i8x16.add_sat_s",     NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_add_sat_u,              0x270, "i8x16.add_sat_u",     NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_sub,                    0x271, "i8x16.sub",           NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_sub_sat_s,              0x272, "i8x16.sub_sat_s",     NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_sub_sat_u,              0x273, "i8x16.sub_sat_u",     NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_ceil,                   0x274, "f64x2.ceil",          NONE, PURE, V128, _, _, V128, 0)  \
    X(f64x2_floor,                  0x275, "f64x2.floor",         NONE, PURE, V128, _, _, V128, 0)  \
    X(i8x16_min_s,                  0x276, "i8x16.min_s",         NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_min_u,                  0x277, "i8x16.min_u",         NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_max_s,                  0x278, "i8x16.max_s",         NONE, PURE, V128, V128, _, V128, 0) \
    X(i8x16_max_u,                  0x279, "i8x16.max_u",         NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_trunc,                  0x27a, "f64x2.trunc",         NONE, PURE, V128, _, _, V128, 0)  \
    X(i8x16_avgr_u,                 0x27b, "i8x16.avgr_u",        NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_extadd_pairwise_i8x16_s, 0x27c, "i16x8.extadd_pairwise_i8x16_s", NONE, PURE, V128, _, _, V128, 0) \
    X(i16x8_extadd_pairwise_i8x16_u, 0x27d, "i16x8.extadd_pairwise_i8x16_u", NONE, PURE, V128, _, _, V128, 0) \
    X(i32x4_extadd_pairwise_i16x8_s, 0x27e, "i32x4.extadd_pairwise_i16x8_s", NONE, PURE, V128, _, _, V128, 0) \
    X(i32x4_extadd_pairwise_i16x8_u, 0x27f, "i32x4.extadd_pairwise_i16x8_u", NONE, PURE, V128, _, _, V128, 0) \
    X(i16x8_abs,                    0x280, "i16x8.abs",           NONE, PURE, V128, _, _, V128, 0)  \
    X(i16x8_neg,                    0x281, "i16x8.neg",           NONE, PURE, V128, _, _, V128, 0)  \
    X(i16x8_q15mulr_sat_s,          0x282, "i16x8.q15mulr_sat_s", NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_all_true,               0x283, "i16x8.all_true",      NONE, PURE, V128, _, _, I32, 0)   \
    X(i16x8_bitmask,                0x284, "i16x8.bitmask",       NONE, PURE, V128, _, _, I32, 0)   \
    X(i16x8_narrow_i32x4_s,         0x285, "i16x8.narrow_i32x4_s", NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_narrow_i32x4_u,         0x286, "i16x8.narrow_i32x4_u", NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_extend_low_i8x16_s,     0x287, "i16x8.extend_low_i8x16_s", NONE, PURE, V128, _, _, V128, 0) \
    X(i16x8_extend_high_i8x16_s,    0x288, "i16x8.extend_high_i8x16_s", NONE, PURE, V128, _, _, V128, 0) \
    X(i16x8_extend_low_i8x16_u,     0x289, "i16x8.extend_low_i8x16_u", NONE, PURE, V128, _, _, V128, 0) \
    X(i16x8_extend_high_i8x16_u,    0x28a, "i16x8.extend_high_i8x16_u", NONE, PURE, V128, _, _, V128, 0) \
    X(i16x8_shl,                    0x28b, "i16x8.shl",           NONE, PURE, V128, I32, _, V128, 0) \
    X(i16x8_shr_s,                  0x28c, "i16x8.shr_s",         NONE, PURE, V128, I32, _, V128, 0) \
    X(i16x8_shr_u,                  0x28d, "i16x8.shr_u",         NONE, PURE, V128, I32, _, V128, 0) \
    X(i16x8_add,                    0x28e, "i16x8.add",           NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_add_sat_s,              0x28f, "i16x8.add_sat_s",     NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_add_sat_u,              0x290, "i16x8.add_sat_u",     NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_sub,                    0x291, "i16x8.sub",           NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_sub_sat_s,              0x292, "i16x8.sub_sat_s",     NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_sub_sat_u,              0x293, "i16x8.sub_sat_u",     NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_nearest,                0x294, "f64x2.nearest",       NONE, PURE, V128, _, _, V128, 0)  \
    X(i16x8_mul,                    0x295, "i16x8.mul",           NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_min_s,                  0x296, "i16x8.min_s",         NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_min_u,                  0x297, "i16x8.min_u",         NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_max_s,                  0x298, "i16x8.max_s",         NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_max_u,                  0x299, "i16x8.max_u",         NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_avgr_u,                 0x29b, "i16x8.avgr_u",        NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_extmul_low_i8x16_s,     0x29c, "i16x8.extmul_low_i8x16_s", NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_extmul_high_i8x16_s,    0x29d, "i16x8.extmul_high_i8x16_s", NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_extmul_low_i8x16_u,     0x29e, "i16x8.extmul_low_i8x16_u", NONE, PURE, V128, V128, _, V128, 0) \
    X(i16x8_extmul_high_i8x16_u,    0x29f, "i16x8.extmul_high_i8x16_u", NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_abs,                    0x2a0, "i32x4.abs",           NONE, PURE, V128, _, _, V128, 0)  \
    X(i32x4_neg,                    0x2a1, "i32x4.neg",           NONE, PURE, V128, _, _, V128, 0)  \
    X(i32x4_all_true,               0x2a3, "i32x4.all_true",      NONE, PURE, V128, _, _, I32, 0)   \
    X(i32x4_bitmask,                0x2a4, "i32x4.bitmask",       NONE, PURE, V128, _, _, I32, 0)   \
    X(i32x4_extend_low_i16x8_s,     0x2a7, "i32x4.extend_low_i16x8_s", NONE, PURE, V128, _, _, V128, 0) \
    X(i32x4_extend_high_i16x8_s,    0x2a8, "i32x4.extend_high_i16x8_s", NONE, PURE, V128, _, _, V128, 0) \
    X(i32x4_extend_low_i16x8_u,     0x2a9, "i32x4.extend_low_i16x8_u", NONE, PURE, V128, _, _, V128, 0) \
    X(i32x4_extend_high_i16x8_u,    0x2aa, "i32x4.extend_high_i16x8_u", NONE, PURE, V128, _, _, V128, 0) \
    X(i32x4_shl,                    0x2ab, "i32x4.shl",           NONE, PURE, V128, I32, _, V128, 0) \
    X(i32x4_shr_s,                  0x2ac, "i32x4.shr_s",         NONE, PURE, V128, I32, _, V128, 0) \
    X(i32x4_shr_u,                  0x2ad, "i32x4.shr_u",         NONE, PURE, V128, I32, _, V128, 0) \
    X(i32x4_add,                    0x2ae, "i32x4.add",           NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_sub,                    0x2b1, "i32x4.sub",           NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_mul,                    0x2b5, "i32x4.mul",           NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_min_s,                  0x2b6, "i32x4.min_s",         NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_min_u,                  0x2b7, "i32x4.min_u",         NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_max_s,                  0x2b8, "i32x4.max_s",         NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_max_u,                  0x2b9, "i32x4.max_u",         NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_dot_i16x8_s,            0x2ba, "i32x4.dot_i16x8_s",   NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_extmul_low_i16x8_s,     0x2bc, "i32x4.extmul_low_i16x8_s", NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_extmul_high_i16x8_s,    0x2bd, "i32x4.extmul_high_i16x8_s", NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_extmul_low_i16x8_u,     0x2be, "i32x4.extmul_low_i16x8_u", NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_extmul_high_i16x8_u,    0x2bf, "i32x4.extmul_high_i16x8_u", NONE, PURE, V128, V128, _, V128, 0) \
    X(i64x2_abs,                    0x2c0, "i64x2.abs",           NONE, PURE, V128, _, _, V128, 0)  \
    X(i64x2_neg,                    0x2c1, "i64x2.neg",           NONE, PURE, V128, _, _, V128, 0)  \
    X(i64x2_all_true,               0x2c3, "i64x2.all_true",      NONE, PURE, V128, _, _, I32, 0)   \
    X(i64x2_bitmask,                0x2c4, "i64x2.bitmask",       NONE, PURE, V128, _, _, I32, 0)   \
    X(i64x2_extend_low_i32x4_s,     0x2c7, "i64x2.extend_low_i32x4_s", NONE, PURE, V128, _, _, V128, 0) \
    X(i64x2_extend_high_i32x4_s,    0x2c8, "i64x2.extend_high_i32x4_s", NONE, PURE, V128, _, _, V128, 0) \
    X(i64x2_extend_low_i32x4_u,     0x2c9, "i64x2.extend_low_i32x4_u", NONE, PURE, V128, _, _, V128, 0) \
    X(i64x2_extend_high_i32x4_u,    0x2ca, "i64x2.extend_high_i32x4_u", NONE, PURE, V128, _, _, V128, 0) \
    X(i64x2_shl,                    0x2cb, "i64x2.shl",           NONE, PURE, V128, I32, _, V128, 0) \
    X(i64x2_shr_s,                  0x2cc, "i64x2.shr_s",         NONE, PURE, V128, I32, _, V128, 0) \
    X(i64x2_shr_u,                  0x2cd, "i64x2.shr_u",         NONE, PURE, V128, I32, _, V128, 0) \
    X(i64x2_add,                    0x2ce, "i64x2.add",           NONE, PURE, V128, V128, _, V128, 0) \
    X(i64x2_sub,                    0x2d1, "i64x2.sub",           NONE, PURE, V128, V128, _, V128, 0) \
    X(i64x2_mul,                    0x2d5, "i64x2.mul",           NONE, PURE, V128, V128, _, V128, 0) \
    X(i64x2_eq,                     0x2d6, "i64x2.eq",            NONE, PURE, V128, V128, _, V128, 0) \
    X(i64x2_ne,                     0x2d7, "i64x2.ne",            NONE, PURE, V128, V128, _, V128, 0) \
    X(i64x2_lt_s,                   0x2d8, "i64x2.lt_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i64x2_gt_s,                   0x2d9, "i64x2.gt_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i64x2_le_s,                   0x2da, "i64x2.le_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i64x2_ge_s,                   0x2db, "i64x2.ge_s",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i64x2_extmul_low_i32x4_s,     0x2dc, "i64x2.extmul_low_i32x4_s", NONE, PURE, V128, V128, _, V128, 0) \
    X(i64x2_extmul_high_i32x4_s,    0x2dd, "i64x2.extmul_high_i32x4_s", NONE, PURE, V128, V128, _, V128, 0) \
    X(i64x2_extmul_low_i32x4_u,     0x2de, "i64x2.extmul_low_i32x4_u", NONE, PURE, V128, V128, _, V128, 0) \
    X(i64x2_extmul_high_i32x4_u,    0x2df, "i64x2.extmul_high_i32x4_u", NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_abs,                    0x2e0, "f32x4.abs",           NONE, PURE, V128, _, _, V128, 0)  \
    X(f32x4_neg,                    0x2e1, "f32x4.neg",           NONE, PURE, V128, _, _, V128, 0)  \
    X(f32x4_sqrt,                   0x2e3, "f32x4.sqrt",          NONE, PURE, V128, _, _, V128, 0)  \
    X(f32x4_add,                    0x2e4, "f32x4.add",           NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_sub,                    0x2e5, "f32x4.sub",           NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_mul,                    0x2e6, "f32x4.mul",           NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_div,                    0x2e7, "f32x4.div",           NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_min,                    0x2e8, "f32x4.min",           NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_max,                    0x2e9, "f32x4.max",           NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_pmin,                   0x2ea, "f32x4.pmin",          NONE, PURE, V128, V128, _, V128, 0) \
    X(f32x4_pmax,                   0x2eb, "f32x4.pmax",          NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_abs,                    0x2ec, "f64x2.abs",           NONE, PURE, V128, _, _, V128, 0)  \
    X(f64x2_neg,                    0x2ed, "f64x2.neg",           NONE, PURE, V128, _, _, V128, 0)  \
    X(f64x2_sqrt,                   0x2ef, "f64x2.sqrt",          NONE, PURE, V128, _, _, V128, 0)  \
    X(f64x2_add,                    0x2f0, "f64x2.add",           NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_sub,                    0x2f1, "f64x2.sub",           NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_mul,                    0x2f2, "f64x2.mul",           NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_div,                    0x2f3, "f64x2.div",           NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_min,                    0x2f4, "f64x2.min",           NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_max,                    0x2f5, "f64x2.max",           NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_pmin,                   0x2f6, "f64x2.pmin",          NONE, PURE, V128, V128, _, V128, 0) \
    X(f64x2_pmax,                   0x2f7, "f64x2.pmax",          NONE, PURE, V128, V128, _, V128, 0) \
    X(i32x4_trunc_sat_f32x4_s,      0x2f8, "i32x4.trunc_sat_f32x4_s", NONE, PURE, V128, _, _, V128, 0) \
    X(i32x4_trunc_sat_f32x4_u,      0x2f9, "i32x4.trunc_sat_f32x4_u", NONE, PURE, V128, _, _, V128, 0) \
    X(f32x4_convert_i32x4_s,        0x2fa, "f32x4.convert_i32x4_s", NONE, PURE, V128, _, _, V128, 0) \
    X(f32x4_convert_i32x4_u,        0x2fb, "f32x4.convert_i32x4_u", NONE, PURE, V128, _, _, V128, 0) \
    X(i32x4_trunc_sat_f64x2_s_zero, 0x2fc, "i32x4.trunc_sat_f64x2_s_zero", NONE, PURE, V128, _, _, V128, 0) \
    X(i32x4_trunc_sat_f64x2_u_zero, 0x2fd, "i32x4.trunc_sat_f64x2_u_zero", NONE, PURE, V128, _, _, V128, 0) \
    X(f64x2_convert_low_i32x4_s,    0x2fe, "f64x2.convert_low_i32x4_s", NONE, PURE, V128, _, _, V128, 0) \
    X(f64x2_convert_low_i32x4_u,    0x2ff, "f64x2.convert_low_i32x4_u", NONE, PURE, V128, _, _, V128, 0)
/* clang-format on */

#define VEIL_WASM_OPCODE_LIMIT 0x300

/* Instruction codes: VEIL_OP_<id> (e.g. VEIL_OP_i32_add == 0x6a). */
typedef enum veil_wasm_opcode {
#define VEIL_WASM_OPCODE_ENUM(id, code, name, imm, cls, p0, p1, p2, r, size) VEIL_OP_##id = code,
    VEIL_WASM_OPCODES(VEIL_WASM_OPCODE_ENUM)
#undef VEIL_WASM_OPCODE_ENUM
} veil_wasm_opcode;

typedef enum veil_wasm_imm {
#define VEIL_WASM_IMM_ENUM(name) VEIL_IMM_##name,
    VEIL_WASM_IMMS(VEIL_WASM_IMM_ENUM)
#undef VEIL_WASM_IMM_ENUM
} veil_wasm_imm;

typedef enum veil_wasm_class {
#define VEIL_WASM_CLASS_ENUM(name) VEIL_CLASS_##name,
    VEIL_WASM_CLASSES(VEIL_WASM_CLASS_ENUM)
#undef VEIL_WASM_CLASS_ENUM
} veil_wasm_class;

#endif
