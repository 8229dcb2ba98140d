/*
 * Wasm -> C translator for the AOT strategy.
 *
 * One C function per wasm function.  The operand stack is resolved at
 * translation time: stack slot d of C type T is the C local `s<d><t>`
 * (t = i/j/f/d/v/r for i32/i64/f32/f64/v128/reference), so every
 * instruction becomes one assignment between named locals and the C
 * compiler's register allocator does the rest.  Wasm locals are `l<n>`.
 * Structured control flow becomes labels and gotos: a branch copies its
 * values down to the target's slots (only when the depths differ) and jumps.
 * Code after an unconditional branch is unreachable; it is skipped (only its
 * nesting is followed), so the stack of types is always concrete.
 *
 * Invariants the generated code keeps (the sandbox):
 * - every memory access goes through VEIL_AOT_EA (bounds check or guard
 *   reservation), bulk operations check their whole range first;
 * - every call enters through VEIL_AOT_ENTER (call depth and native stack);
 * - every loop header and function entry charges fuel (when metering);
 * - every trap goes through the runtime (rt->trap), with the function index;
 * - all integer arithmetic is on unsigned types (no undefined behaviour),
 *   shifts are masked, and every operation whose C form could be undefined
 *   (division, float->int) goes through the checked operations of
 *   ops_scalar.h / ops_simd.h shared with the interpreter.
 * The generated file is compiled with -fwrapv -fno-strict-aliasing
 * -ffp-contract=off so the C compiler cannot change wasm semantics.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot.h"
#include "aot_embedded.h"
#include "veil/reader.h"

/* C type classes of wasm value types. */
enum { C_I32, C_I64, C_F32, C_F64, C_V128, C_REF, C_COUNT };
static const char class_char[C_COUNT] = {'i', 'j', 'f', 'd', 'v', 'r'};
static const char *const class_ctype[C_COUNT] = {"uint32_t", "uint64_t",  "float",
                                                 "double",   "veil_v128", "void *"};
static const char *const class_slot_field[C_COUNT] = {"i32",      "i64",  "f32_bits",
                                                      "f64_bits", "v128", "ref"};

static int class_of(veil_wasm_valtype t) {
    switch (t) {
    case VEIL_WASM_I32:
        return C_I32;
    case VEIL_WASM_I64:
        return C_I64;
    case VEIL_WASM_F32:
        return C_F32;
    case VEIL_WASM_F64:
        return C_F64;
    case VEIL_WASM_V128:
        return C_V128;
    case VEIL_WASM_FUNCREF:
    case VEIL_WASM_EXTERNREF:
        return C_REF;
    }
    return -1;
}

/* ---- operation tables ---- */

/* Numeric operations: operand/result classes and a C template in which
 * $a/$b are the operands, $r the result slot, $f the function index.
 * A template starting with '!' is a statement (checked operation) rather
 * than an expression assigned to $r. */
typedef struct numeric_op {
    const char *name;
    int8_t in1, in2, out; /* -1: none */
    const char *expr;
} numeric_op;

#define UN(n, i, o, e)                                                                             \
    { n, i, -1, o, e }
#define BIN(n, i, o, e)                                                                            \
    { n, i, i, o, e }

/* Opcodes 0x45..0xC4. */
static const numeric_op numeric_ops[0xC5 - 0x45] = {
    UN("i32.eqz", C_I32, C_I32, "(uint32_t)($a == 0)"),
    BIN("i32.eq", C_I32, C_I32, "(uint32_t)($a == $b)"),
    BIN("i32.ne", C_I32, C_I32, "(uint32_t)($a != $b)"),
    BIN("i32.lt_s", C_I32, C_I32, "(uint32_t)((int32_t)$a < (int32_t)$b)"),
    BIN("i32.lt_u", C_I32, C_I32, "(uint32_t)($a < $b)"),
    BIN("i32.gt_s", C_I32, C_I32, "(uint32_t)((int32_t)$a > (int32_t)$b)"),
    BIN("i32.gt_u", C_I32, C_I32, "(uint32_t)($a > $b)"),
    BIN("i32.le_s", C_I32, C_I32, "(uint32_t)((int32_t)$a <= (int32_t)$b)"),
    BIN("i32.le_u", C_I32, C_I32, "(uint32_t)($a <= $b)"),
    BIN("i32.ge_s", C_I32, C_I32, "(uint32_t)((int32_t)$a >= (int32_t)$b)"),
    BIN("i32.ge_u", C_I32, C_I32, "(uint32_t)($a >= $b)"),
    UN("i64.eqz", C_I64, C_I32, "(uint32_t)($a == 0)"),
    {"i64.eq", C_I64, C_I64, C_I32, "(uint32_t)($a == $b)"},
    {"i64.ne", C_I64, C_I64, C_I32, "(uint32_t)($a != $b)"},
    {"i64.lt_s", C_I64, C_I64, C_I32, "(uint32_t)((int64_t)$a < (int64_t)$b)"},
    {"i64.lt_u", C_I64, C_I64, C_I32, "(uint32_t)($a < $b)"},
    {"i64.gt_s", C_I64, C_I64, C_I32, "(uint32_t)((int64_t)$a > (int64_t)$b)"},
    {"i64.gt_u", C_I64, C_I64, C_I32, "(uint32_t)($a > $b)"},
    {"i64.le_s", C_I64, C_I64, C_I32, "(uint32_t)((int64_t)$a <= (int64_t)$b)"},
    {"i64.le_u", C_I64, C_I64, C_I32, "(uint32_t)($a <= $b)"},
    {"i64.ge_s", C_I64, C_I64, C_I32, "(uint32_t)((int64_t)$a >= (int64_t)$b)"},
    {"i64.ge_u", C_I64, C_I64, C_I32, "(uint32_t)($a >= $b)"},
    {"f32.eq", C_F32, C_F32, C_I32, "(uint32_t)($a == $b)"},
    {"f32.ne", C_F32, C_F32, C_I32, "(uint32_t)($a != $b)"},
    {"f32.lt", C_F32, C_F32, C_I32, "(uint32_t)($a < $b)"},
    {"f32.gt", C_F32, C_F32, C_I32, "(uint32_t)($a > $b)"},
    {"f32.le", C_F32, C_F32, C_I32, "(uint32_t)($a <= $b)"},
    {"f32.ge", C_F32, C_F32, C_I32, "(uint32_t)($a >= $b)"},
    {"f64.eq", C_F64, C_F64, C_I32, "(uint32_t)($a == $b)"},
    {"f64.ne", C_F64, C_F64, C_I32, "(uint32_t)($a != $b)"},
    {"f64.lt", C_F64, C_F64, C_I32, "(uint32_t)($a < $b)"},
    {"f64.gt", C_F64, C_F64, C_I32, "(uint32_t)($a > $b)"},
    {"f64.le", C_F64, C_F64, C_I32, "(uint32_t)($a <= $b)"},
    {"f64.ge", C_F64, C_F64, C_I32, "(uint32_t)($a >= $b)"},
    UN("i32.clz", C_I32, C_I32, "veil_op_i32_clz($a)"),
    UN("i32.ctz", C_I32, C_I32, "veil_op_i32_ctz($a)"),
    UN("i32.popcnt", C_I32, C_I32, "veil_op_i32_popcnt($a)"),
    BIN("i32.add", C_I32, C_I32, "$a + $b"),
    BIN("i32.sub", C_I32, C_I32, "$a - $b"),
    BIN("i32.mul", C_I32, C_I32, "$a * $b"),
    BIN("i32.div_s", C_I32, C_I32, "!veil_op_i32_div_s($a, $b, &$r)"),
    BIN("i32.div_u", C_I32, C_I32, "!veil_op_i32_div_u($a, $b, &$r)"),
    BIN("i32.rem_s", C_I32, C_I32, "!veil_op_i32_rem_s($a, $b, &$r)"),
    BIN("i32.rem_u", C_I32, C_I32, "!veil_op_i32_rem_u($a, $b, &$r)"),
    BIN("i32.and", C_I32, C_I32, "$a & $b"),
    BIN("i32.or", C_I32, C_I32, "$a | $b"),
    BIN("i32.xor", C_I32, C_I32, "$a ^ $b"),
    BIN("i32.shl", C_I32, C_I32, "$a << ($b & 31)"),
    BIN("i32.shr_s", C_I32, C_I32, "(uint32_t)((int32_t)$a >> ($b & 31))"),
    BIN("i32.shr_u", C_I32, C_I32, "$a >> ($b & 31)"),
    BIN("i32.rotl", C_I32, C_I32, "veil_op_i32_rotl($a, $b)"),
    BIN("i32.rotr", C_I32, C_I32, "veil_op_i32_rotr($a, $b)"),
    UN("i64.clz", C_I64, C_I64, "veil_op_i64_clz($a)"),
    UN("i64.ctz", C_I64, C_I64, "veil_op_i64_ctz($a)"),
    UN("i64.popcnt", C_I64, C_I64, "veil_op_i64_popcnt($a)"),
    BIN("i64.add", C_I64, C_I64, "$a + $b"),
    BIN("i64.sub", C_I64, C_I64, "$a - $b"),
    BIN("i64.mul", C_I64, C_I64, "$a * $b"),
    BIN("i64.div_s", C_I64, C_I64, "!veil_op_i64_div_s($a, $b, &$r)"),
    BIN("i64.div_u", C_I64, C_I64, "!veil_op_i64_div_u($a, $b, &$r)"),
    BIN("i64.rem_s", C_I64, C_I64, "!veil_op_i64_rem_s($a, $b, &$r)"),
    BIN("i64.rem_u", C_I64, C_I64, "!veil_op_i64_rem_u($a, $b, &$r)"),
    BIN("i64.and", C_I64, C_I64, "$a & $b"),
    BIN("i64.or", C_I64, C_I64, "$a | $b"),
    BIN("i64.xor", C_I64, C_I64, "$a ^ $b"),
    BIN("i64.shl", C_I64, C_I64, "$a << ($b & 63)"),
    BIN("i64.shr_s", C_I64, C_I64, "(uint64_t)((int64_t)$a >> ($b & 63))"),
    BIN("i64.shr_u", C_I64, C_I64, "$a >> ($b & 63)"),
    BIN("i64.rotl", C_I64, C_I64, "veil_op_i64_rotl($a, $b)"),
    BIN("i64.rotr", C_I64, C_I64, "veil_op_i64_rotr($a, $b)"),
    UN("f32.abs", C_F32, C_F32,
       "veil_aot_f32_from_bits(veil_op_f32_abs(veil_aot_f32_to_bits($a)))"),
    UN("f32.neg", C_F32, C_F32,
       "veil_aot_f32_from_bits(veil_op_f32_neg(veil_aot_f32_to_bits($a)))"),
    UN("f32.ceil", C_F32, C_F32, "veil_op_f32_ceil($a)"),
    UN("f32.floor", C_F32, C_F32, "veil_op_f32_floor($a)"),
    UN("f32.trunc", C_F32, C_F32, "veil_op_f32_trunc($a)"),
    UN("f32.nearest", C_F32, C_F32, "veil_op_f32_nearest($a)"),
    UN("f32.sqrt", C_F32, C_F32, "veil_op_f32_sqrt($a)"),
    BIN("f32.add", C_F32, C_F32, "$a + $b"),
    BIN("f32.sub", C_F32, C_F32, "$a - $b"),
    BIN("f32.mul", C_F32, C_F32, "$a * $b"),
    BIN("f32.div", C_F32, C_F32, "$a / $b"),
    BIN("f32.min", C_F32, C_F32, "veil_op_f32_min($a, $b)"),
    BIN("f32.max", C_F32, C_F32, "veil_op_f32_max($a, $b)"),
    BIN("f32.copysign", C_F32, C_F32,
        "veil_aot_f32_from_bits(veil_op_f32_copysign(veil_aot_f32_to_bits($a), "
        "veil_aot_f32_to_bits($b)))"),
    UN("f64.abs", C_F64, C_F64,
       "veil_aot_f64_from_bits(veil_op_f64_abs(veil_aot_f64_to_bits($a)))"),
    UN("f64.neg", C_F64, C_F64,
       "veil_aot_f64_from_bits(veil_op_f64_neg(veil_aot_f64_to_bits($a)))"),
    UN("f64.ceil", C_F64, C_F64, "veil_op_f64_ceil($a)"),
    UN("f64.floor", C_F64, C_F64, "veil_op_f64_floor($a)"),
    UN("f64.trunc", C_F64, C_F64, "veil_op_f64_trunc($a)"),
    UN("f64.nearest", C_F64, C_F64, "veil_op_f64_nearest($a)"),
    UN("f64.sqrt", C_F64, C_F64, "veil_op_f64_sqrt($a)"),
    BIN("f64.add", C_F64, C_F64, "$a + $b"),
    BIN("f64.sub", C_F64, C_F64, "$a - $b"),
    BIN("f64.mul", C_F64, C_F64, "$a * $b"),
    BIN("f64.div", C_F64, C_F64, "$a / $b"),
    BIN("f64.min", C_F64, C_F64, "veil_op_f64_min($a, $b)"),
    BIN("f64.max", C_F64, C_F64, "veil_op_f64_max($a, $b)"),
    BIN("f64.copysign", C_F64, C_F64,
        "veil_aot_f64_from_bits(veil_op_f64_copysign(veil_aot_f64_to_bits($a), "
        "veil_aot_f64_to_bits($b)))"),
    UN("i32.wrap_i64", C_I64, C_I32, "(uint32_t)$a"),
    UN("i32.trunc_f32_s", C_F32, C_I32, "!veil_op_i32_trunc_f32_s($a, &$r)"),
    UN("i32.trunc_f32_u", C_F32, C_I32, "!veil_op_i32_trunc_f32_u($a, &$r)"),
    UN("i32.trunc_f64_s", C_F64, C_I32, "!veil_op_i32_trunc_f64_s($a, &$r)"),
    UN("i32.trunc_f64_u", C_F64, C_I32, "!veil_op_i32_trunc_f64_u($a, &$r)"),
    UN("i64.extend_i32_s", C_I32, C_I64, "(uint64_t)(int64_t)(int32_t)$a"),
    UN("i64.extend_i32_u", C_I32, C_I64, "(uint64_t)$a"),
    UN("i64.trunc_f32_s", C_F32, C_I64, "!veil_op_i64_trunc_f32_s($a, &$r)"),
    UN("i64.trunc_f32_u", C_F32, C_I64, "!veil_op_i64_trunc_f32_u($a, &$r)"),
    UN("i64.trunc_f64_s", C_F64, C_I64, "!veil_op_i64_trunc_f64_s($a, &$r)"),
    UN("i64.trunc_f64_u", C_F64, C_I64, "!veil_op_i64_trunc_f64_u($a, &$r)"),
    UN("f32.convert_i32_s", C_I32, C_F32, "(float)(int32_t)$a"),
    UN("f32.convert_i32_u", C_I32, C_F32, "(float)$a"),
    UN("f32.convert_i64_s", C_I64, C_F32, "(float)(int64_t)$a"),
    UN("f32.convert_i64_u", C_I64, C_F32, "veil_op_f32_convert_i64_u($a)"),
    UN("f32.demote_f64", C_F64, C_F32, "veil_op_f32_demote_f64($a)"),
    UN("f64.convert_i32_s", C_I32, C_F64, "(double)(int32_t)$a"),
    UN("f64.convert_i32_u", C_I32, C_F64, "(double)$a"),
    UN("f64.convert_i64_s", C_I64, C_F64, "(double)(int64_t)$a"),
    UN("f64.convert_i64_u", C_I64, C_F64, "veil_op_f64_convert_i64_u($a)"),
    UN("f64.promote_f32", C_F32, C_F64, "veil_aot_opaque_f64(veil_op_f64_promote_f32($a))"),
    UN("i32.reinterpret_f32", C_F32, C_I32, "veil_aot_f32_to_bits($a)"),
    UN("i64.reinterpret_f64", C_F64, C_I64, "veil_aot_f64_to_bits($a)"),
    UN("f32.reinterpret_i32", C_I32, C_F32, "veil_aot_f32_from_bits($a)"),
    UN("f64.reinterpret_i64", C_I64, C_F64, "veil_aot_f64_from_bits($a)"),
    UN("i32.extend8_s", C_I32, C_I32, "(uint32_t)(int32_t)(int8_t)$a"),
    UN("i32.extend16_s", C_I32, C_I32, "(uint32_t)(int32_t)(int16_t)$a"),
    UN("i64.extend8_s", C_I64, C_I64, "(uint64_t)(int64_t)(int8_t)$a"),
    UN("i64.extend16_s", C_I64, C_I64, "(uint64_t)(int64_t)(int16_t)$a"),
    UN("i64.extend32_s", C_I64, C_I64, "(uint64_t)(int64_t)(int32_t)$a"),
};

/* 0xFC 0..7: saturating truncation. */
static const numeric_op sat_ops[8] = {
    UN("i32.trunc_sat_f32_s", C_F32, C_I32, "veil_op_i32_trunc_sat_f32_s($a)"),
    UN("i32.trunc_sat_f32_u", C_F32, C_I32, "veil_op_i32_trunc_sat_f32_u($a)"),
    UN("i32.trunc_sat_f64_s", C_F64, C_I32, "veil_op_i32_trunc_sat_f64_s($a)"),
    UN("i32.trunc_sat_f64_u", C_F64, C_I32, "veil_op_i32_trunc_sat_f64_u($a)"),
    UN("i64.trunc_sat_f32_s", C_F32, C_I64, "veil_op_i64_trunc_sat_f32_s($a)"),
    UN("i64.trunc_sat_f32_u", C_F32, C_I64, "veil_op_i64_trunc_sat_f32_u($a)"),
    UN("i64.trunc_sat_f64_s", C_F64, C_I64, "veil_op_i64_trunc_sat_f64_s($a)"),
    UN("i64.trunc_sat_f64_u", C_F64, C_I64, "veil_op_i64_trunc_sat_f64_u($a)"),
};

/* Scalar memory operations 0x28..0x3E: access size and C helper. */
typedef struct mem_op {
    const char *name;
    uint8_t bytes;
    int8_t cls;
    bool store;
    const char *helper; /* load: expression of a pointer; store: function(pointer, value) */
} mem_op;

static const mem_op mem_ops[0x3F - 0x28] = {
    {"i32.load", 4, C_I32, false, "veil_aot_ld_u32"},
    {"i64.load", 8, C_I64, false, "veil_aot_ld_u64"},
    {"f32.load", 4, C_F32, false, "veil_aot_ld_f32"},
    {"f64.load", 8, C_F64, false, "veil_aot_ld_f64"},
    {"i32.load8_s", 1, C_I32, false, "(uint32_t)(int32_t)veil_aot_ld_s8"},
    {"i32.load8_u", 1, C_I32, false, "(uint32_t)veil_aot_ld_u8"},
    {"i32.load16_s", 2, C_I32, false, "(uint32_t)(int32_t)veil_aot_ld_s16"},
    {"i32.load16_u", 2, C_I32, false, "(uint32_t)veil_aot_ld_u16"},
    {"i64.load8_s", 1, C_I64, false, "(uint64_t)(int64_t)veil_aot_ld_s8"},
    {"i64.load8_u", 1, C_I64, false, "(uint64_t)veil_aot_ld_u8"},
    {"i64.load16_s", 2, C_I64, false, "(uint64_t)(int64_t)veil_aot_ld_s16"},
    {"i64.load16_u", 2, C_I64, false, "(uint64_t)veil_aot_ld_u16"},
    {"i64.load32_s", 4, C_I64, false, "(uint64_t)(int64_t)(int32_t)veil_aot_ld_u32"},
    {"i64.load32_u", 4, C_I64, false, "(uint64_t)veil_aot_ld_u32"},
    {"i32.store", 4, C_I32, true, "veil_aot_st_u32"},
    {"i64.store", 8, C_I64, true, "veil_aot_st_u64"},
    {"f32.store", 4, C_F32, true, "veil_aot_st_f32"},
    {"f64.store", 8, C_F64, true, "veil_aot_st_f64"},
    {"i32.store8", 1, C_I32, true, "veil_aot_st_u8"},
    {"i32.store16", 2, C_I32, true, "veil_aot_st_u16"},
    {"i64.store8", 1, C_I64, true, "veil_aot_st_u8"},
    {"i64.store16", 2, C_I64, true, "veil_aot_st_u16"},
    {"i64.store32", 4, C_I64, true, "veil_aot_st_u32"},
};

/* SIMD (0xFD prefix).  Shapes say what the operands and immediates are. */
enum simd_shape {
    S_NONE = 0,   /* reserved opcode */
    S_LOAD,       /* memarg; i32 -> v128 (helper takes a pointer) */
    S_STORE,      /* memarg; i32 v128 -> */
    S_CONST,      /* 16 bytes */
    S_SHUFFLE,    /* 16 lane bytes; v128 v128 -> v128 */
    S_SPLAT,      /* scalar -> v128 */
    S_EXTRACT,    /* lane; v128 -> scalar */
    S_REPLACE,    /* lane; v128 scalar -> v128 */
    S_UN,         /* v128 -> v128 */
    S_BIN,        /* v128 v128 -> v128 */
    S_TERN,       /* v128 v128 v128 -> v128 */
    S_TEST,       /* v128 -> i32 */
    S_SHIFT,      /* v128 i32 -> v128 */
    S_LOAD_LANE,  /* memarg lane; i32 v128 -> v128 */
    S_STORE_LANE, /* memarg lane; i32 v128 -> */
};

typedef struct simd_op {
    const char *name;
    uint8_t shape;
    int8_t scalar; /* class of the scalar operand/result (splat/extract/replace) */
    uint8_t bytes; /* memory access size (loads/stores) */
} simd_op;

static const simd_op simd_ops[256] = {
    [0x00] = {"v128.load", S_LOAD, -1, 16},
    [0x01] = {"v128.load8x8_s", S_LOAD, -1, 8},
    [0x02] = {"v128.load8x8_u", S_LOAD, -1, 8},
    [0x03] = {"v128.load16x4_s", S_LOAD, -1, 8},
    [0x04] = {"v128.load16x4_u", S_LOAD, -1, 8},
    [0x05] = {"v128.load32x2_s", S_LOAD, -1, 8},
    [0x06] = {"v128.load32x2_u", S_LOAD, -1, 8},
    [0x07] = {"v128.load8_splat", S_LOAD, -1, 1},
    [0x08] = {"v128.load16_splat", S_LOAD, -1, 2},
    [0x09] = {"v128.load32_splat", S_LOAD, -1, 4},
    [0x0a] = {"v128.load64_splat", S_LOAD, -1, 8},
    [0x0b] = {"v128.store", S_STORE, -1, 16},
    [0x0c] = {"v128.const", S_CONST, -1, 0},
    [0x0d] = {"i8x16.shuffle", S_SHUFFLE, -1, 0},
    [0x0e] = {"i8x16.swizzle", S_BIN, -1, 0},
    [0x0f] = {"i8x16.splat", S_SPLAT, C_I32, 0},
    [0x10] = {"i16x8.splat", S_SPLAT, C_I32, 0},
    [0x11] = {"i32x4.splat", S_SPLAT, C_I32, 0},
    [0x12] = {"i64x2.splat", S_SPLAT, C_I64, 0},
    [0x13] = {"f32x4.splat", S_SPLAT, C_F32, 0},
    [0x14] = {"f64x2.splat", S_SPLAT, C_F64, 0},
    [0x15] = {"i8x16.extract_lane_s", S_EXTRACT, C_I32, 16},
    [0x16] = {"i8x16.extract_lane_u", S_EXTRACT, C_I32, 16},
    [0x17] = {"i8x16.replace_lane", S_REPLACE, C_I32, 16},
    [0x18] = {"i16x8.extract_lane_s", S_EXTRACT, C_I32, 8},
    [0x19] = {"i16x8.extract_lane_u", S_EXTRACT, C_I32, 8},
    [0x1a] = {"i16x8.replace_lane", S_REPLACE, C_I32, 8},
    [0x1b] = {"i32x4.extract_lane", S_EXTRACT, C_I32, 4},
    [0x1c] = {"i32x4.replace_lane", S_REPLACE, C_I32, 4},
    [0x1d] = {"i64x2.extract_lane", S_EXTRACT, C_I64, 2},
    [0x1e] = {"i64x2.replace_lane", S_REPLACE, C_I64, 2},
    [0x1f] = {"f32x4.extract_lane", S_EXTRACT, C_F32, 4},
    [0x20] = {"f32x4.replace_lane", S_REPLACE, C_F32, 4},
    [0x21] = {"f64x2.extract_lane", S_EXTRACT, C_F64, 2},
    [0x22] = {"f64x2.replace_lane", S_REPLACE, C_F64, 2},
    [0x23] = {"i8x16.eq", S_BIN, -1, 0},
    [0x24] = {"i8x16.ne", S_BIN, -1, 0},
    [0x25] = {"i8x16.lt_s", S_BIN, -1, 0},
    [0x26] = {"i8x16.lt_u", S_BIN, -1, 0},
    [0x27] = {"i8x16.gt_s", S_BIN, -1, 0},
    [0x28] = {"i8x16.gt_u", S_BIN, -1, 0},
    [0x29] = {"i8x16.le_s", S_BIN, -1, 0},
    [0x2a] = {"i8x16.le_u", S_BIN, -1, 0},
    [0x2b] = {"i8x16.ge_s", S_BIN, -1, 0},
    [0x2c] = {"i8x16.ge_u", S_BIN, -1, 0},
    [0x2d] = {"i16x8.eq", S_BIN, -1, 0},
    [0x2e] = {"i16x8.ne", S_BIN, -1, 0},
    [0x2f] = {"i16x8.lt_s", S_BIN, -1, 0},
    [0x30] = {"i16x8.lt_u", S_BIN, -1, 0},
    [0x31] = {"i16x8.gt_s", S_BIN, -1, 0},
    [0x32] = {"i16x8.gt_u", S_BIN, -1, 0},
    [0x33] = {"i16x8.le_s", S_BIN, -1, 0},
    [0x34] = {"i16x8.le_u", S_BIN, -1, 0},
    [0x35] = {"i16x8.ge_s", S_BIN, -1, 0},
    [0x36] = {"i16x8.ge_u", S_BIN, -1, 0},
    [0x37] = {"i32x4.eq", S_BIN, -1, 0},
    [0x38] = {"i32x4.ne", S_BIN, -1, 0},
    [0x39] = {"i32x4.lt_s", S_BIN, -1, 0},
    [0x3a] = {"i32x4.lt_u", S_BIN, -1, 0},
    [0x3b] = {"i32x4.gt_s", S_BIN, -1, 0},
    [0x3c] = {"i32x4.gt_u", S_BIN, -1, 0},
    [0x3d] = {"i32x4.le_s", S_BIN, -1, 0},
    [0x3e] = {"i32x4.le_u", S_BIN, -1, 0},
    [0x3f] = {"i32x4.ge_s", S_BIN, -1, 0},
    [0x40] = {"i32x4.ge_u", S_BIN, -1, 0},
    [0x41] = {"f32x4.eq", S_BIN, -1, 0},
    [0x42] = {"f32x4.ne", S_BIN, -1, 0},
    [0x43] = {"f32x4.lt", S_BIN, -1, 0},
    [0x44] = {"f32x4.gt", S_BIN, -1, 0},
    [0x45] = {"f32x4.le", S_BIN, -1, 0},
    [0x46] = {"f32x4.ge", S_BIN, -1, 0},
    [0x47] = {"f64x2.eq", S_BIN, -1, 0},
    [0x48] = {"f64x2.ne", S_BIN, -1, 0},
    [0x49] = {"f64x2.lt", S_BIN, -1, 0},
    [0x4a] = {"f64x2.gt", S_BIN, -1, 0},
    [0x4b] = {"f64x2.le", S_BIN, -1, 0},
    [0x4c] = {"f64x2.ge", S_BIN, -1, 0},
    [0x4d] = {"v128.not", S_UN, -1, 0},
    [0x4e] = {"v128.and", S_BIN, -1, 0},
    [0x4f] = {"v128.andnot", S_BIN, -1, 0},
    [0x50] = {"v128.or", S_BIN, -1, 0},
    [0x51] = {"v128.xor", S_BIN, -1, 0},
    [0x52] = {"v128.bitselect", S_TERN, -1, 0},
    [0x53] = {"v128.any_true", S_TEST, -1, 0},
    [0x54] = {"v128.load8_lane", S_LOAD_LANE, -1, 1},
    [0x55] = {"v128.load16_lane", S_LOAD_LANE, -1, 2},
    [0x56] = {"v128.load32_lane", S_LOAD_LANE, -1, 4},
    [0x57] = {"v128.load64_lane", S_LOAD_LANE, -1, 8},
    [0x58] = {"v128.store8_lane", S_STORE_LANE, -1, 1},
    [0x59] = {"v128.store16_lane", S_STORE_LANE, -1, 2},
    [0x5a] = {"v128.store32_lane", S_STORE_LANE, -1, 4},
    [0x5b] = {"v128.store64_lane", S_STORE_LANE, -1, 8},
    [0x5c] = {"v128.load32_zero", S_LOAD, -1, 4},
    [0x5d] = {"v128.load64_zero", S_LOAD, -1, 8},
    [0x5e] = {"f32x4.demote_f64x2_zero", S_UN, -1, 0},
    [0x5f] = {"f64x2.promote_low_f32x4", S_UN, -1, 0},
    [0x60] = {"i8x16.abs", S_UN, -1, 0},
    [0x61] = {"i8x16.neg", S_UN, -1, 0},
    [0x62] = {"i8x16.popcnt", S_UN, -1, 0},
    [0x63] = {"i8x16.all_true", S_TEST, -1, 0},
    [0x64] = {"i8x16.bitmask", S_TEST, -1, 0},
    [0x65] = {"i8x16.narrow_i16x8_s", S_BIN, -1, 0},
    [0x66] = {"i8x16.narrow_i16x8_u", S_BIN, -1, 0},
    [0x67] = {"f32x4.ceil", S_UN, -1, 0},
    [0x68] = {"f32x4.floor", S_UN, -1, 0},
    [0x69] = {"f32x4.trunc", S_UN, -1, 0},
    [0x6a] = {"f32x4.nearest", S_UN, -1, 0},
    [0x6b] = {"i8x16.shl", S_SHIFT, -1, 0},
    [0x6c] = {"i8x16.shr_s", S_SHIFT, -1, 0},
    [0x6d] = {"i8x16.shr_u", S_SHIFT, -1, 0},
    [0x6e] = {"i8x16.add", S_BIN, -1, 0},
    [0x6f] = {"i8x16.add_sat_s", S_BIN, -1, 0},
    [0x70] = {"i8x16.add_sat_u", S_BIN, -1, 0},
    [0x71] = {"i8x16.sub", S_BIN, -1, 0},
    [0x72] = {"i8x16.sub_sat_s", S_BIN, -1, 0},
    [0x73] = {"i8x16.sub_sat_u", S_BIN, -1, 0},
    [0x74] = {"f64x2.ceil", S_UN, -1, 0},
    [0x75] = {"f64x2.floor", S_UN, -1, 0},
    [0x76] = {"i8x16.min_s", S_BIN, -1, 0},
    [0x77] = {"i8x16.min_u", S_BIN, -1, 0},
    [0x78] = {"i8x16.max_s", S_BIN, -1, 0},
    [0x79] = {"i8x16.max_u", S_BIN, -1, 0},
    [0x7a] = {"f64x2.trunc", S_UN, -1, 0},
    [0x7b] = {"i8x16.avgr_u", S_BIN, -1, 0},
    [0x7c] = {"i16x8.extadd_pairwise_i8x16_s", S_UN, -1, 0},
    [0x7d] = {"i16x8.extadd_pairwise_i8x16_u", S_UN, -1, 0},
    [0x7e] = {"i32x4.extadd_pairwise_i16x8_s", S_UN, -1, 0},
    [0x7f] = {"i32x4.extadd_pairwise_i16x8_u", S_UN, -1, 0},
    [0x80] = {"i16x8.abs", S_UN, -1, 0},
    [0x81] = {"i16x8.neg", S_UN, -1, 0},
    [0x82] = {"i16x8.q15mulr_sat_s", S_BIN, -1, 0},
    [0x83] = {"i16x8.all_true", S_TEST, -1, 0},
    [0x84] = {"i16x8.bitmask", S_TEST, -1, 0},
    [0x85] = {"i16x8.narrow_i32x4_s", S_BIN, -1, 0},
    [0x86] = {"i16x8.narrow_i32x4_u", S_BIN, -1, 0},
    [0x87] = {"i16x8.extend_low_i8x16_s", S_UN, -1, 0},
    [0x88] = {"i16x8.extend_high_i8x16_s", S_UN, -1, 0},
    [0x89] = {"i16x8.extend_low_i8x16_u", S_UN, -1, 0},
    [0x8a] = {"i16x8.extend_high_i8x16_u", S_UN, -1, 0},
    [0x8b] = {"i16x8.shl", S_SHIFT, -1, 0},
    [0x8c] = {"i16x8.shr_s", S_SHIFT, -1, 0},
    [0x8d] = {"i16x8.shr_u", S_SHIFT, -1, 0},
    [0x8e] = {"i16x8.add", S_BIN, -1, 0},
    [0x8f] = {"i16x8.add_sat_s", S_BIN, -1, 0},
    [0x90] = {"i16x8.add_sat_u", S_BIN, -1, 0},
    [0x91] = {"i16x8.sub", S_BIN, -1, 0},
    [0x92] = {"i16x8.sub_sat_s", S_BIN, -1, 0},
    [0x93] = {"i16x8.sub_sat_u", S_BIN, -1, 0},
    [0x94] = {"f64x2.nearest", S_UN, -1, 0},
    [0x95] = {"i16x8.mul", S_BIN, -1, 0},
    [0x96] = {"i16x8.min_s", S_BIN, -1, 0},
    [0x97] = {"i16x8.min_u", S_BIN, -1, 0},
    [0x98] = {"i16x8.max_s", S_BIN, -1, 0},
    [0x99] = {"i16x8.max_u", S_BIN, -1, 0},
    [0x9b] = {"i16x8.avgr_u", S_BIN, -1, 0},
    [0x9c] = {"i16x8.extmul_low_i8x16_s", S_BIN, -1, 0},
    [0x9d] = {"i16x8.extmul_high_i8x16_s", S_BIN, -1, 0},
    [0x9e] = {"i16x8.extmul_low_i8x16_u", S_BIN, -1, 0},
    [0x9f] = {"i16x8.extmul_high_i8x16_u", S_BIN, -1, 0},
    [0xa0] = {"i32x4.abs", S_UN, -1, 0},
    [0xa1] = {"i32x4.neg", S_UN, -1, 0},
    [0xa3] = {"i32x4.all_true", S_TEST, -1, 0},
    [0xa4] = {"i32x4.bitmask", S_TEST, -1, 0},
    [0xa7] = {"i32x4.extend_low_i16x8_s", S_UN, -1, 0},
    [0xa8] = {"i32x4.extend_high_i16x8_s", S_UN, -1, 0},
    [0xa9] = {"i32x4.extend_low_i16x8_u", S_UN, -1, 0},
    [0xaa] = {"i32x4.extend_high_i16x8_u", S_UN, -1, 0},
    [0xab] = {"i32x4.shl", S_SHIFT, -1, 0},
    [0xac] = {"i32x4.shr_s", S_SHIFT, -1, 0},
    [0xad] = {"i32x4.shr_u", S_SHIFT, -1, 0},
    [0xae] = {"i32x4.add", S_BIN, -1, 0},
    [0xb1] = {"i32x4.sub", S_BIN, -1, 0},
    [0xb5] = {"i32x4.mul", S_BIN, -1, 0},
    [0xb6] = {"i32x4.min_s", S_BIN, -1, 0},
    [0xb7] = {"i32x4.min_u", S_BIN, -1, 0},
    [0xb8] = {"i32x4.max_s", S_BIN, -1, 0},
    [0xb9] = {"i32x4.max_u", S_BIN, -1, 0},
    [0xba] = {"i32x4.dot_i16x8_s", S_BIN, -1, 0},
    [0xbc] = {"i32x4.extmul_low_i16x8_s", S_BIN, -1, 0},
    [0xbd] = {"i32x4.extmul_high_i16x8_s", S_BIN, -1, 0},
    [0xbe] = {"i32x4.extmul_low_i16x8_u", S_BIN, -1, 0},
    [0xbf] = {"i32x4.extmul_high_i16x8_u", S_BIN, -1, 0},
    [0xc0] = {"i64x2.abs", S_UN, -1, 0},
    [0xc1] = {"i64x2.neg", S_UN, -1, 0},
    [0xc3] = {"i64x2.all_true", S_TEST, -1, 0},
    [0xc4] = {"i64x2.bitmask", S_TEST, -1, 0},
    [0xc7] = {"i64x2.extend_low_i32x4_s", S_UN, -1, 0},
    [0xc8] = {"i64x2.extend_high_i32x4_s", S_UN, -1, 0},
    [0xc9] = {"i64x2.extend_low_i32x4_u", S_UN, -1, 0},
    [0xca] = {"i64x2.extend_high_i32x4_u", S_UN, -1, 0},
    [0xcb] = {"i64x2.shl", S_SHIFT, -1, 0},
    [0xcc] = {"i64x2.shr_s", S_SHIFT, -1, 0},
    [0xcd] = {"i64x2.shr_u", S_SHIFT, -1, 0},
    [0xce] = {"i64x2.add", S_BIN, -1, 0},
    [0xd1] = {"i64x2.sub", S_BIN, -1, 0},
    [0xd5] = {"i64x2.mul", S_BIN, -1, 0},
    [0xd6] = {"i64x2.eq", S_BIN, -1, 0},
    [0xd7] = {"i64x2.ne", S_BIN, -1, 0},
    [0xd8] = {"i64x2.lt_s", S_BIN, -1, 0},
    [0xd9] = {"i64x2.gt_s", S_BIN, -1, 0},
    [0xda] = {"i64x2.le_s", S_BIN, -1, 0},
    [0xdb] = {"i64x2.ge_s", S_BIN, -1, 0},
    [0xdc] = {"i64x2.extmul_low_i32x4_s", S_BIN, -1, 0},
    [0xdd] = {"i64x2.extmul_high_i32x4_s", S_BIN, -1, 0},
    [0xde] = {"i64x2.extmul_low_i32x4_u", S_BIN, -1, 0},
    [0xdf] = {"i64x2.extmul_high_i32x4_u", S_BIN, -1, 0},
    [0xe0] = {"f32x4.abs", S_UN, -1, 0},
    [0xe1] = {"f32x4.neg", S_UN, -1, 0},
    [0xe3] = {"f32x4.sqrt", S_UN, -1, 0},
    [0xe4] = {"f32x4.add", S_BIN, -1, 0},
    [0xe5] = {"f32x4.sub", S_BIN, -1, 0},
    [0xe6] = {"f32x4.mul", S_BIN, -1, 0},
    [0xe7] = {"f32x4.div", S_BIN, -1, 0},
    [0xe8] = {"f32x4.min", S_BIN, -1, 0},
    [0xe9] = {"f32x4.max", S_BIN, -1, 0},
    [0xea] = {"f32x4.pmin", S_BIN, -1, 0},
    [0xeb] = {"f32x4.pmax", S_BIN, -1, 0},
    [0xec] = {"f64x2.abs", S_UN, -1, 0},
    [0xed] = {"f64x2.neg", S_UN, -1, 0},
    [0xef] = {"f64x2.sqrt", S_UN, -1, 0},
    [0xf0] = {"f64x2.add", S_BIN, -1, 0},
    [0xf1] = {"f64x2.sub", S_BIN, -1, 0},
    [0xf2] = {"f64x2.mul", S_BIN, -1, 0},
    [0xf3] = {"f64x2.div", S_BIN, -1, 0},
    [0xf4] = {"f64x2.min", S_BIN, -1, 0},
    [0xf5] = {"f64x2.max", S_BIN, -1, 0},
    [0xf6] = {"f64x2.pmin", S_BIN, -1, 0},
    [0xf7] = {"f64x2.pmax", S_BIN, -1, 0},
    [0xf8] = {"i32x4.trunc_sat_f32x4_s", S_UN, -1, 0},
    [0xf9] = {"i32x4.trunc_sat_f32x4_u", S_UN, -1, 0},
    [0xfa] = {"f32x4.convert_i32x4_s", S_UN, -1, 0},
    [0xfb] = {"f32x4.convert_i32x4_u", S_UN, -1, 0},
    [0xfc] = {"i32x4.trunc_sat_f64x2_s_zero", S_UN, -1, 0},
    [0xfd] = {"i32x4.trunc_sat_f64x2_u_zero", S_UN, -1, 0},
    [0xfe] = {"f64x2.convert_low_i32x4_s", S_UN, -1, 0},
    [0xff] = {"f64x2.convert_low_i32x4_u", S_UN, -1, 0},
};

/* ---- translation state ---- */

enum ctrl_kind { K_FUNC, K_BLOCK, K_LOOP, K_IF };

typedef struct ctrl {
    uint8_t kind;
    bool unreachable; /* rest of this block is dead code (being skipped) */
    bool label_used;  /* some branch targets the label */
    bool has_else;    /* if: else seen */
    uint32_t label;   /* label number */
    uint32_t base;    /* stack height below the block's parameters */
    uint32_t param_count, result_count;
    const veil_wasm_valtype *params, *results;
    veil_wasm_valtype single; /* storage for a one-result block type */
    size_t fuel_patch;        /* loop/func: where the fuel charge number goes */
    uint64_t fuel_units;      /* loop/func: instructions charged there */
} ctrl;

typedef struct translator {
    const veil_aot_input *in;
    const veil_aot_options *opt;
    veil_buf *out; /* whole file */
    veil_buf body; /* current function's statements */
    veil_reader r; /* current function body */
    uint32_t func; /* wasm function index (imports included) */
    const veil_wasm_functype *type;
    /* wasm locals */
    uint32_t local_count;
    veil_wasm_valtype *locals;
    /* operand stack of types, and the deepest slot used per C class */
    veil_wasm_valtype *stack;
    uint32_t height, stack_cap;
    uint32_t max_slot[C_COUNT];
    bool slot_used[C_COUNT];
    /* control stack */
    ctrl *ctrls;
    uint32_t ctrl_count, ctrl_cap;
    uint32_t next_label;
    uint32_t skip_depth; /* nesting inside skipped (unreachable) code */
    bool uses_memory;
    bool uses_generic_call;
    uint32_t max_call_slots;
} translator;

#define EMIT(t, ...) VEIL_TRY(veil_buf_printf(&(t)->body, __VA_ARGS__))

static veil_error *fail(translator *t, veil_code code, const char *fmt, const char *detail) {
    return veil_error_new(code, "AOT: %s: function %" PRIu32 " at offset %zu: %s%s",
                          t->in->name ? t->in->name : "module", t->func, veil_reader_offset(&t->r),
                          fmt, detail ? detail : "");
}

static const veil_wasm_functype *func_type(const veil_aot_input *in, uint32_t func) {
    uint32_t type_index = func < in->import_func_count
                              ? in->import_func_types[func]
                              : in->funcs[func - in->import_func_count].type_index;
    return type_index < in->type_count ? &in->types[type_index] : NULL;
}

/* ---- the operand stack ---- */

static veil_error *push(translator *t, veil_wasm_valtype type) {
    int cls = class_of(type);
    if (cls < 0)
        return fail(t, VEIL_EMALFORMED, "bad value type", NULL);
    if (t->height == t->stack_cap) {
        uint32_t cap = t->stack_cap ? t->stack_cap * 2 : 64;
        veil_wasm_valtype *s = realloc(t->stack, cap * sizeof *s);
        if (s == NULL)
            return veil_error_new(VEIL_ENOMEM, "AOT: out of memory");
        t->stack = s;
        t->stack_cap = cap;
    }
    t->stack[t->height] = type;
    if (!t->slot_used[cls] || t->height > t->max_slot[cls])
        t->max_slot[cls] = t->height;
    t->slot_used[cls] = true;
    t->height++;
    return NULL;
}

/* Checks that the top of the stack (above the current block's base) holds
 * `n` values. */
static veil_error *need(translator *t, uint32_t n) {
    uint32_t base = t->ctrls[t->ctrl_count - 1].base;
    if (t->height < base || t->height - base < n)
        return fail(t, VEIL_EMALFORMED, "operand stack underflow (module not validated?)", NULL);
    return NULL;
}

static veil_error *need_types(translator *t, uint32_t n, const int *classes) {
    VEIL_TRY(need(t, n));
    for (uint32_t i = 0; i < n; i++) {
        if (classes[i] >= 0 && class_of(t->stack[t->height - n + i]) != classes[i])
            return fail(t, VEIL_EMALFORMED, "operand type mismatch (module not validated?)", NULL);
    }
    return NULL;
}

/* Name of stack slot d: written into a caller buffer. */
typedef struct slot_name {
    char s[24];
} slot_name;

static slot_name slot(const translator *t, uint32_t depth) {
    slot_name n;
    snprintf(n.s, sizeof n.s, "s%" PRIu32 "%c", depth, class_char[class_of(t->stack[depth])]);
    return n;
}

static slot_name slot_of(uint32_t depth, int cls) {
    slot_name n;
    snprintf(n.s, sizeof n.s, "s%" PRIu32 "%c", depth, class_char[cls]);
    return n;
}

/* Replaces $a/$b/$c/$r/$f in a template. */
static veil_error *expand(translator *t, const char *tmpl, const char *a, const char *b,
                          const char *c, const char *r) {
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '$' && p[1] != '\0') {
            const char *sub = NULL;
            switch (p[1]) {
            case 'a':
                sub = a;
                break;
            case 'b':
                sub = b;
                break;
            case 'c':
                sub = c;
                break;
            case 'r':
                sub = r;
                break;
            case 'f':
                EMIT(t, "%" PRIu32, t->func);
                p++;
                continue;
            }
            if (sub != NULL) {
                VEIL_TRY(veil_buf_append_str(&t->body, sub));
                p++;
                continue;
            }
        }
        VEIL_TRY(veil_buf_append(&t->body, p, 1));
    }
    return NULL;
}

/* ---- control ---- */

static veil_error *push_ctrl(translator *t, uint8_t kind, uint32_t param_count,
                             const veil_wasm_valtype *params, uint32_t result_count,
                             const veil_wasm_valtype *results, veil_wasm_valtype single) {
    if (t->ctrl_count == t->ctrl_cap) {
        uint32_t cap = t->ctrl_cap ? t->ctrl_cap * 2 : 16;
        ctrl *c = realloc(t->ctrls, cap * sizeof *c);
        if (c == NULL)
            return veil_error_new(VEIL_ENOMEM, "AOT: out of memory");
        t->ctrls = c;
        t->ctrl_cap = cap;
    }
    if (kind != K_FUNC && t->height - t->ctrls[t->ctrl_count - 1].base < param_count)
        return fail(t, VEIL_EMALFORMED, "block parameters missing", NULL);
    ctrl *c = &t->ctrls[t->ctrl_count++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->label = t->next_label++;
    c->base = kind == K_FUNC ? 0 : t->height - param_count;
    c->param_count = param_count;
    c->result_count = result_count;
    c->params = params;
    c->single = single;
    /* NULL with one result means `single`: a pointer to c->single would
     * dangle once the control stack is reallocated. */
    c->results = results;
    return NULL;
}

/* Reads a block type: empty, one value type, or a type index. */
static veil_error *read_blocktype(translator *t, uint32_t *param_count,
                                  const veil_wasm_valtype **params, uint32_t *result_count,
                                  const veil_wasm_valtype **results, veil_wasm_valtype *single) {
    uint8_t b;
    VEIL_TRY(veil_reader_peek_u8(&t->r, &b));
    *param_count = 0;
    *params = NULL;
    *result_count = 0;
    *results = NULL;
    if (b == 0x40) {
        return veil_reader_u8(&t->r, &b);
    }
    if (class_of((veil_wasm_valtype)b) >= 0) {
        VEIL_TRY(veil_reader_u8(&t->r, &b));
        *single = (veil_wasm_valtype)b;
        *result_count = 1;
        return NULL;
    }
    int64_t index;
    VEIL_TRY(veil_reader_sleb33(&t->r, &index));
    if (index < 0 || (uint64_t)index >= t->in->type_count)
        return fail(t, VEIL_EMALFORMED, "bad block type", NULL);
    const veil_wasm_functype *ft = &t->in->types[index];
    *param_count = ft->param_count;
    *params = ft->params;
    *result_count = ft->result_count;
    *results = ft->results;
    return NULL;
}

/* Values a branch to `c` carries. */
static uint32_t branch_arity(const ctrl *c) {
    return c->kind == K_LOOP ? c->param_count : c->result_count;
}

/* Emits the copies that move the top `arity` values to the target's slots
 * and the jump. */
static veil_error *emit_branch(translator *t, ctrl *target) {
    uint32_t arity = branch_arity(target);
    uint32_t from = t->height - arity;
    for (uint32_t i = 0; i < arity && from != target->base; i++) {
        int cls = class_of(t->stack[from + i]);
        EMIT(t, "%s = %s; ", slot_of(target->base + i, cls).s, slot_of(from + i, cls).s);
        if (!t->slot_used[cls] || target->base + i > t->max_slot[cls])
            t->max_slot[cls] = target->base + i;
    }
    target->label_used = true;
    if (target->kind == K_FUNC)
        EMIT(t, "goto L_return;");
    else
        EMIT(t, "goto L%" PRIu32 ";", target->label);
    return NULL;
}

static veil_error *branch_target(translator *t, uint32_t depth, ctrl **out) {
    if (depth >= t->ctrl_count)
        return fail(t, VEIL_EMALFORMED, "branch depth out of range", NULL);
    *out = &t->ctrls[t->ctrl_count - 1 - depth];
    VEIL_TRY(need(t, branch_arity(*out)));
    return NULL;
}

static void set_unreachable(translator *t) {
    t->ctrls[t->ctrl_count - 1].unreachable = true;
    t->skip_depth = 0;
}

/* Reserves a fixed-width field for a fuel charge that is only known when
 * the loop or function ends. */
static veil_error *emit_fuel_site(translator *t, ctrl *c) {
    if (!t->opt->metering)
        return NULL;
    EMIT(t, "VEIL_AOT_FUEL(");
    c->fuel_patch = t->body.len;
    EMIT(t, "%10u, %" PRIu32 ");\n", 0u, t->func);
    return NULL;
}

static void patch_fuel(translator *t, const ctrl *c) {
    if (!t->opt->metering)
        return;
    char digits[11];
    uint64_t units = c->fuel_units > 4000000000u ? 4000000000u : c->fuel_units;
    snprintf(digits, sizeof digits, "%10u", (unsigned)(units ? units : 1));
    memcpy(t->body.data + c->fuel_patch, digits, 10);
}

/* The loop or function that pays for the current instruction. */
static ctrl *fuel_owner(translator *t) {
    for (uint32_t i = t->ctrl_count; i-- > 0;) {
        if (t->ctrls[i].kind == K_LOOP || t->ctrls[i].kind == K_FUNC)
            return &t->ctrls[i];
    }
    return &t->ctrls[0];
}

/* Skips the immediates of an instruction in dead code. */
static veil_error *skip_immediates(translator *t, uint8_t op);

/* ---- instruction translation ---- */

static veil_error *memarg(translator *t, uint32_t *offset) {
    uint32_t align;
    VEIL_TRY(veil_reader_uleb32(&t->r, &align));
    if (align >= 64)
        return fail(t, VEIL_EUNSUPPORTED, "multiple memories are not part of Wasm 2.0", NULL);
    VEIL_TRY(veil_reader_uleb32(&t->r, offset));
    if (t->in->memory_count == 0)
        return fail(t, VEIL_EMALFORMED, "memory access without a memory", NULL);
    t->uses_memory = true;
    return NULL;
}

static veil_error *emit_reload_memory(translator *t) {
    if (t->in->memory_count > 0)
        EMIT(t, " VEIL_AOT_RELOAD_MEMORY();");
    return NULL;
}

/* Slots needed by a generic call of type ft. */
static uint32_t call_slots(const veil_wasm_functype *ft) {
    uint32_t n = ft->param_count > ft->result_count ? ft->param_count : ft->result_count;
    return n ? n : 1;
}

/* Emits the generic slot call `call_expr` (which uses the array `sl_`) for
 * a callee of type ft whose arguments are on the stack. */
static veil_error *emit_generic_call(translator *t, const veil_wasm_functype *ft,
                                     const char *call_expr) {
    uint32_t args = t->height - ft->param_count;
    uint32_t n = call_slots(ft);
    if (n > t->max_call_slots)
        t->max_call_slots = n;
    t->uses_generic_call = true;
    for (uint32_t i = 0; i < ft->param_count; i++) {
        int cls = class_of(ft->params[i]);
        if (cls == C_V128)
            EMIT(t, "memcpy(sl_[%" PRIu32 "].v128, &%s, 16); ", i, slot(t, args + i).s);
        else if (cls == C_F32)
            EMIT(t, "sl_[%" PRIu32 "].f32_bits = veil_aot_f32_to_bits(%s); ", i,
                 slot(t, args + i).s);
        else if (cls == C_F64)
            EMIT(t, "sl_[%" PRIu32 "].f64_bits = veil_aot_f64_to_bits(%s); ", i,
                 slot(t, args + i).s);
        else
            EMIT(t, "sl_[%" PRIu32 "].%s = %s; ", i, class_slot_field[cls], slot(t, args + i).s);
    }
    EMIT(t, "%s;", call_expr);
    t->height = args;
    for (uint32_t i = 0; i < ft->result_count; i++) {
        VEIL_TRY(push(t, ft->results[i]));
        int cls = class_of(ft->results[i]);
        slot_name s = slot(t, t->height - 1);
        if (cls == C_V128)
            EMIT(t, " memcpy(&%s, sl_[%" PRIu32 "].v128, 16);", s.s, i);
        else if (cls == C_F32)
            EMIT(t, " %s = veil_aot_f32_from_bits(sl_[%" PRIu32 "].f32_bits);", s.s, i);
        else if (cls == C_F64)
            EMIT(t, " %s = veil_aot_f64_from_bits(sl_[%" PRIu32 "].f64_bits);", s.s, i);
        else
            EMIT(t, " %s = sl_[%" PRIu32 "].%s;", s.s, i, class_slot_field[cls]);
    }
    return NULL;
}

/* Emits a direct C call `callee(ctx, args...)` with at most one result. */
static veil_error *emit_direct_call(translator *t, const veil_wasm_functype *ft,
                                    const char *callee) {
    uint32_t args = t->height - ft->param_count;
    if (ft->result_count == 1)
        EMIT(t, "%s = ", slot_of(args, class_of(ft->results[0])).s);
    EMIT(t, "%s(ctx", callee);
    for (uint32_t i = 0; i < ft->param_count; i++)
        EMIT(t, ", %s", slot(t, args + i).s);
    EMIT(t, ");");
    t->height = args;
    for (uint32_t i = 0; i < ft->result_count; i++)
        VEIL_TRY(push(t, ft->results[i]));
    return NULL;
}

static uint32_t type_index_of(const veil_aot_input *in, const veil_wasm_functype *ft) {
    return (uint32_t)(ft - in->types);
}

/* A call can run any wasm code: the cached fuel budget goes back to the
 * store before it (VEIL_AOT_SPILL) and is read again after it, with the
 * memory base and size (VEIL_AOT_FILL). */
static veil_error *emit_after_call(translator *t) {
    EMIT(t, " VEIL_AOT_FILL();");
    return emit_reload_memory(t);
}

static veil_error *emit_call(translator *t, uint32_t callee) {
    const veil_wasm_functype *ft = func_type(t->in, callee);
    if (ft == NULL)
        return fail(t, VEIL_EMALFORMED, "call to an unknown function", NULL);
    VEIL_TRY(need(t, ft->param_count));
    EMIT(t, "VEIL_AOT_SPILL(); ");
    if (callee < t->in->import_func_count) {
        char expr[96];
        snprintf(expr, sizeof expr, "ctx->rt->call(ctx, ctx->funcs[%" PRIu32 "], sl_, %" PRIu32 ")",
                 callee, t->func);
        EMIT(t, "{ ");
        VEIL_TRY(emit_generic_call(t, ft, expr));
        EMIT(t, " }");
    } else {
        char name[32];
        snprintf(name, sizeof name, "f%" PRIu32, callee);
        if (ft->result_count > 1) {
            uint32_t args = t->height - ft->param_count;
            EMIT(t, "{ veil_aot_res_%" PRIu32 " r_ = %s(ctx", type_index_of(t->in, ft), name);
            for (uint32_t i = 0; i < ft->param_count; i++)
                EMIT(t, ", %s", slot(t, args + i).s);
            EMIT(t, ");");
            t->height = args;
            for (uint32_t i = 0; i < ft->result_count; i++) {
                VEIL_TRY(push(t, ft->results[i]));
                EMIT(t, " %s = r_.r%" PRIu32 ";", slot(t, t->height - 1).s, i);
            }
            EMIT(t, " }");
        } else {
            VEIL_TRY(emit_direct_call(t, ft, name));
        }
    }
    VEIL_TRY(emit_after_call(t));
    EMIT(t, "\n");
    return NULL;
}

static veil_error *emit_call_indirect(translator *t, uint32_t type_index, uint32_t table) {
    if (type_index >= t->in->type_count || table >= t->in->table_count)
        return fail(t, VEIL_EMALFORMED, "call_indirect: bad type or table index", NULL);
    const veil_wasm_functype *ft = &t->in->types[type_index];
    VEIL_TRY(need(t, ft->param_count + 1));
    slot_name index = slot(t, t->height - 1);
    t->height--;
    uint32_t args = t->height - ft->param_count;
    EMIT(t,
         "VEIL_AOT_SPILL(); { veil_aot_target t_ = ctx->rt->indirect(ctx, %" PRIu32 ", %s, %" PRIu32
         ", %" PRIu32 ");\n  if (VEIL_AOT_LIKELY(t_.code != NULL)) { ",
         table, index.s, type_index, t->func);
    /* Fast path: compiled code, called through its C signature. */
    if (ft->result_count == 1)
        EMIT(t, "%s = ", slot_of(args, class_of(ft->results[0])).s);
    else if (ft->result_count > 1)
        EMIT(t, "veil_aot_res_%" PRIu32 " r_ = ", type_index);
    EMIT(t, "((veil_aot_sig_%" PRIu32 ")t_.code)((veil_aot_ctx *)t_.ctx", type_index);
    for (uint32_t i = 0; i < ft->param_count; i++)
        EMIT(t, ", %s", slot(t, args + i).s);
    EMIT(t, ");");
    for (uint32_t i = 0; i < ft->result_count && ft->result_count > 1; i++) {
        int cls = class_of(ft->results[i]);
        EMIT(t, " %s = r_.r%" PRIu32 ";", slot_of(args + i, cls).s, i);
        if (!t->slot_used[cls] || args + i > t->max_slot[cls])
            t->max_slot[cls] = args + i;
        t->slot_used[cls] = true;
    }
    EMIT(t, " }\n  else { ");
    char expr[96];
    snprintf(expr, sizeof expr, "ctx->rt->call(ctx, t_.ctx, sl_, %" PRIu32 ")", t->func);
    VEIL_TRY(emit_generic_call(t, ft, expr));
    EMIT(t, " }");
    VEIL_TRY(emit_after_call(t));
    EMIT(t, " }\n");
    return NULL;
}

static veil_error *emit_numeric(translator *t, const numeric_op *op) {
    int classes[2] = {op->in1, op->in2};
    uint32_t n = op->in2 >= 0 ? 2 : 1;
    VEIL_TRY(need_types(t, n, classes));
    slot_name a = slot(t, t->height - n);
    slot_name b = n == 2 ? slot(t, t->height - 1) : a;
    t->height -= n;
    VEIL_TRY(push(t, op->out == C_I32   ? VEIL_WASM_I32
                     : op->out == C_I64 ? VEIL_WASM_I64
                     : op->out == C_F32 ? VEIL_WASM_F32
                                        : VEIL_WASM_F64));
    slot_name r = slot(t, t->height - 1);
    if (op->expr[0] == '!') {
        EMIT(t, "VEIL_AOT_CHECK(");
        VEIL_TRY(expand(t, op->expr + 1, a.s, b.s, NULL, r.s));
        EMIT(t, ", %" PRIu32 ");\n", t->func);
    } else {
        EMIT(t, "%s = ", r.s);
        VEIL_TRY(expand(t, op->expr, a.s, b.s, NULL, r.s));
        EMIT(t, ";\n");
    }
    return NULL;
}

/* The C name of a wasm mnemonic: veil_op_ + mnemonic with '.' -> '_'. */
static void op_function(const char *mnemonic, char *out, size_t size) {
    snprintf(out, size, "veil_op_%s", mnemonic);
    for (char *p = out; *p; p++) {
        if (*p == '.')
            *p = '_';
    }
}

static veil_error *emit_memory_access(translator *t, const mem_op *op) {
    uint32_t offset;
    VEIL_TRY(memarg(t, &offset));
    if (op->store) {
        int classes[2] = {C_I32, op->cls};
        VEIL_TRY(need_types(t, 2, classes));
        slot_name addr = slot(t, t->height - 2), value = slot(t, t->height - 1);
        const char *cast = "";
        if (op->bytes == 1)
            cast = "(uint8_t)";
        else if (op->bytes == 2)
            cast = "(uint16_t)";
        else if (op->bytes == 4 && op->cls == C_I64)
            cast = "(uint32_t)";
        EMIT(t, "%s(VEIL_AOT_EA(%s, %" PRIu32 "u, %u, %" PRIu32 "), %s%s);\n", op->helper, addr.s,
             offset, op->bytes, t->func, cast, value.s);
        t->height -= 2;
    } else {
        int classes[1] = {C_I32};
        VEIL_TRY(need_types(t, 1, classes));
        slot_name addr = slot(t, t->height - 1);
        t->height--;
        VEIL_TRY(push(t, op->cls == C_I32   ? VEIL_WASM_I32
                         : op->cls == C_I64 ? VEIL_WASM_I64
                         : op->cls == C_F32 ? VEIL_WASM_F32
                                            : VEIL_WASM_F64));
        EMIT(t, "%s = %s(VEIL_AOT_EA(%s, %" PRIu32 "u, %u, %" PRIu32 "));\n",
             slot(t, t->height - 1).s, op->helper, addr.s, offset, op->bytes, t->func);
    }
    return NULL;
}

static veil_error *emit_simd(translator *t, uint32_t sub) {
    if (sub > 0xff || simd_ops[sub].name == NULL) {
        char detail[32];
        snprintf(detail, sizeof detail, "0xfd %" PRIu32, sub);
        return fail(t, VEIL_EMALFORMED, "unknown SIMD opcode ", detail);
    }
    const simd_op *op = &simd_ops[sub];
    char fn[64];
    op_function(op->name, fn, sizeof fn);
    static const int v1[1] = {C_V128}, v2[2] = {C_V128, C_V128}, v3[3] = {C_V128, C_V128, C_V128};
    switch (op->shape) {
    case S_LOAD: {
        uint32_t offset;
        VEIL_TRY(memarg(t, &offset));
        static const int c[1] = {C_I32};
        VEIL_TRY(need_types(t, 1, c));
        slot_name addr = slot(t, t->height - 1);
        t->height--;
        VEIL_TRY(push(t, VEIL_WASM_V128));
        EMIT(t, "%s = veil_aot_%s(VEIL_AOT_EA(%s, %" PRIu32 "u, %u, %" PRIu32 "));\n",
             slot(t, t->height - 1).s, fn + 8, addr.s, offset, op->bytes, t->func);
        return NULL;
    }
    case S_STORE: {
        uint32_t offset;
        VEIL_TRY(memarg(t, &offset));
        static const int c[2] = {C_I32, C_V128};
        VEIL_TRY(need_types(t, 2, c));
        EMIT(t, "veil_aot_%s(VEIL_AOT_EA(%s, %" PRIu32 "u, 16, %" PRIu32 "), %s);\n", fn + 8,
             slot(t, t->height - 2).s, offset, t->func, slot(t, t->height - 1).s);
        t->height -= 2;
        return NULL;
    }
    case S_LOAD_LANE:
    case S_STORE_LANE: {
        uint32_t offset;
        uint8_t lane;
        VEIL_TRY(memarg(t, &offset));
        VEIL_TRY(veil_reader_u8(&t->r, &lane));
        if (lane >= 16 / op->bytes)
            return fail(t, VEIL_EMALFORMED, "lane index out of range", NULL);
        static const int c[2] = {C_I32, C_V128};
        VEIL_TRY(need_types(t, 2, c));
        slot_name addr = slot(t, t->height - 2), vec = slot(t, t->height - 1);
        if (op->shape == S_LOAD_LANE) {
            EMIT(t, "%s = veil_aot_%s(VEIL_AOT_EA(%s, %" PRIu32 "u, %u, %" PRIu32 "), %s, %u);\n",
                 slot_of(t->height - 2, C_V128).s, fn + 8, addr.s, offset, op->bytes, t->func,
                 vec.s, lane);
            t->height -= 2;
            VEIL_TRY(push(t, VEIL_WASM_V128));
        } else {
            EMIT(t, "veil_aot_%s(VEIL_AOT_EA(%s, %" PRIu32 "u, %u, %" PRIu32 "), %s, %u);\n",
                 fn + 8, addr.s, offset, op->bytes, t->func, vec.s, lane);
            t->height -= 2;
        }
        return NULL;
    }
    case S_CONST: {
        const uint8_t *bytes;
        VEIL_TRY(veil_reader_bytes(&t->r, 16, &bytes));
        VEIL_TRY(push(t, VEIL_WASM_V128));
        uint64_t lo = 0, hi = 0;
        for (int i = 7; i >= 0; i--) {
            lo = lo << 8 | bytes[i];
            hi = hi << 8 | bytes[8 + i];
        }
        EMIT(t, "%s = veil_aot_v128_const(0x%016" PRIx64 "ull, 0x%016" PRIx64 "ull);\n",
             slot(t, t->height - 1).s, lo, hi);
        return NULL;
    }
    case S_SHUFFLE: {
        const uint8_t *lanes;
        VEIL_TRY(veil_reader_bytes(&t->r, 16, &lanes));
        VEIL_TRY(need_types(t, 2, v2));
        slot_name a = slot(t, t->height - 2), b = slot(t, t->height - 1);
        t->height -= 2;
        VEIL_TRY(push(t, VEIL_WASM_V128));
        EMIT(t, "%s = VEIL_AOT_SHUFFLE(%s, %s", slot(t, t->height - 1).s, a.s, b.s);
        for (int i = 0; i < 16; i++) {
            if (lanes[i] >= 32)
                return fail(t, VEIL_EMALFORMED, "shuffle lane index out of range", NULL);
            EMIT(t, ", %u", lanes[i]);
        }
        EMIT(t, ");\n");
        return NULL;
    }
    case S_SPLAT: {
        int c[1] = {op->scalar};
        VEIL_TRY(need_types(t, 1, c));
        slot_name a = slot(t, t->height - 1);
        t->height--;
        VEIL_TRY(push(t, VEIL_WASM_V128));
        EMIT(t, "%s = %s(%s);\n", slot(t, t->height - 1).s, fn, a.s);
        return NULL;
    }
    case S_EXTRACT: {
        uint8_t lane;
        VEIL_TRY(veil_reader_u8(&t->r, &lane));
        if (lane >= op->bytes)
            return fail(t, VEIL_EMALFORMED, "lane index out of range", NULL);
        VEIL_TRY(need_types(t, 1, v1));
        slot_name a = slot(t, t->height - 1);
        t->height--;
        VEIL_TRY(push(t, op->scalar == C_I32   ? VEIL_WASM_I32
                         : op->scalar == C_I64 ? VEIL_WASM_I64
                         : op->scalar == C_F32 ? VEIL_WASM_F32
                                               : VEIL_WASM_F64));
        EMIT(t, "%s = %s(%s, %u);\n", slot(t, t->height - 1).s, fn, a.s, lane);
        return NULL;
    }
    case S_REPLACE: {
        uint8_t lane;
        VEIL_TRY(veil_reader_u8(&t->r, &lane));
        if (lane >= op->bytes)
            return fail(t, VEIL_EMALFORMED, "lane index out of range", NULL);
        int c[2] = {C_V128, op->scalar};
        VEIL_TRY(need_types(t, 2, c));
        slot_name a = slot(t, t->height - 2), x = slot(t, t->height - 1);
        t->height--;
        EMIT(t, "%s = %s(%s, %u, %s);\n", a.s, fn, a.s, lane, x.s);
        return NULL;
    }
    case S_UN:
    case S_BIN:
    case S_TERN: {
        uint32_t n = op->shape == S_UN ? 1 : op->shape == S_BIN ? 2 : 3;
        VEIL_TRY(need_types(t, n, n == 1 ? v1 : n == 2 ? v2 : v3));
        uint32_t first = t->height - n;
        EMIT(t, "%s = %s(", slot(t, first).s, fn);
        for (uint32_t i = 0; i < n; i++)
            EMIT(t, "%s%s", i ? ", " : "", slot(t, first + i).s);
        EMIT(t, ");\n");
        t->height = first + 1;
        return NULL;
    }
    case S_TEST: {
        VEIL_TRY(need_types(t, 1, v1));
        slot_name a = slot(t, t->height - 1);
        t->height--;
        VEIL_TRY(push(t, VEIL_WASM_I32));
        EMIT(t, "%s = %s(%s);\n", slot(t, t->height - 1).s, fn, a.s);
        return NULL;
    }
    case S_SHIFT: {
        static const int c[2] = {C_V128, C_I32};
        VEIL_TRY(need_types(t, 2, c));
        slot_name a = slot(t, t->height - 2), s = slot(t, t->height - 1);
        t->height--;
        EMIT(t, "%s = %s(%s, %s);\n", a.s, fn, a.s, s.s);
        return NULL;
    }
    }
    return fail(t, VEIL_EINTERNAL, "unhandled SIMD shape", NULL);
}

/* 0xFC prefix: saturating truncation, bulk memory, tables. */
static veil_error *emit_misc(translator *t, uint32_t sub) {
    if (sub < 8)
        return emit_numeric(t, &sat_ops[sub]);
    uint32_t a, b;
    static const int i3[3] = {C_I32, C_I32, C_I32};
    switch (sub) {
    case 8: /* memory.init */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        VEIL_TRY(veil_reader_uleb32(&t->r, &b));
        if (a >= t->in->data_count || b != 0 || t->in->memory_count == 0)
            return fail(t, VEIL_EMALFORMED, "memory.init: bad index", NULL);
        VEIL_TRY(need_types(t, 3, i3));
        EMIT(t, "ctx->rt->memory_init(ctx, %" PRIu32 ", %s, %s, %s, %" PRIu32 ");", a,
             slot(t, t->height - 3).s, slot(t, t->height - 2).s, slot(t, t->height - 1).s, t->func);
        t->height -= 3;
        t->uses_memory = true;
        VEIL_TRY(emit_reload_memory(t));
        EMIT(t, "\n");
        return NULL;
    case 9: /* data.drop */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        if (a >= t->in->data_count)
            return fail(t, VEIL_EMALFORMED, "data.drop: bad index", NULL);
        EMIT(t, "ctx->rt->data_drop(ctx, %" PRIu32 ");\n", a);
        return NULL;
    case 10: /* memory.copy */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        VEIL_TRY(veil_reader_uleb32(&t->r, &b));
        if (a != 0 || b != 0 || t->in->memory_count == 0)
            return fail(t, VEIL_EMALFORMED, "memory.copy: bad memory index", NULL);
        VEIL_TRY(need_types(t, 3, i3));
        t->uses_memory = true;
        EMIT(t, "veil_aot_memory_copy(ctx, %s, %s, %s, %" PRIu32 ");\n", slot(t, t->height - 3).s,
             slot(t, t->height - 2).s, slot(t, t->height - 1).s, t->func);
        t->height -= 3;
        return NULL;
    case 11: /* memory.fill */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        if (a != 0 || t->in->memory_count == 0)
            return fail(t, VEIL_EMALFORMED, "memory.fill: bad memory index", NULL);
        VEIL_TRY(need_types(t, 3, i3));
        t->uses_memory = true;
        EMIT(t, "veil_aot_memory_fill(ctx, %s, %s, %s, %" PRIu32 ");\n", slot(t, t->height - 3).s,
             slot(t, t->height - 2).s, slot(t, t->height - 1).s, t->func);
        t->height -= 3;
        return NULL;
    case 12: /* table.init elem table */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        VEIL_TRY(veil_reader_uleb32(&t->r, &b));
        if (a >= t->in->elem_count || b >= t->in->table_count)
            return fail(t, VEIL_EMALFORMED, "table.init: bad index", NULL);
        VEIL_TRY(need_types(t, 3, i3));
        EMIT(t, "ctx->rt->table_init(ctx, %" PRIu32 ", %" PRIu32 ", %s, %s, %s, %" PRIu32 ");\n", b,
             a, slot(t, t->height - 3).s, slot(t, t->height - 2).s, slot(t, t->height - 1).s,
             t->func);
        t->height -= 3;
        return NULL;
    case 13: /* elem.drop */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        if (a >= t->in->elem_count)
            return fail(t, VEIL_EMALFORMED, "elem.drop: bad index", NULL);
        EMIT(t, "ctx->rt->elem_drop(ctx, %" PRIu32 ");\n", a);
        return NULL;
    case 14: /* table.copy dst src */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        VEIL_TRY(veil_reader_uleb32(&t->r, &b));
        if (a >= t->in->table_count || b >= t->in->table_count)
            return fail(t, VEIL_EMALFORMED, "table.copy: bad table index", NULL);
        VEIL_TRY(need_types(t, 3, i3));
        EMIT(t, "ctx->rt->table_copy(ctx, %" PRIu32 ", %" PRIu32 ", %s, %s, %s, %" PRIu32 ");\n", a,
             b, slot(t, t->height - 3).s, slot(t, t->height - 2).s, slot(t, t->height - 1).s,
             t->func);
        t->height -= 3;
        return NULL;
    case 15: { /* table.grow: ref n -> i32 */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        if (a >= t->in->table_count)
            return fail(t, VEIL_EMALFORMED, "table.grow: bad table index", NULL);
        int c[2] = {C_REF, C_I32};
        VEIL_TRY(need_types(t, 2, c));
        slot_name ref = slot(t, t->height - 2), n = slot(t, t->height - 1);
        t->height -= 2;
        VEIL_TRY(push(t, VEIL_WASM_I32));
        EMIT(t, "%s = ctx->rt->table_grow(ctx, %" PRIu32 ", %s, %s);\n", slot(t, t->height - 1).s,
             a, ref.s, n.s);
        return NULL;
    }
    case 16: /* table.size */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        if (a >= t->in->table_count)
            return fail(t, VEIL_EMALFORMED, "table.size: bad table index", NULL);
        VEIL_TRY(push(t, VEIL_WASM_I32));
        EMIT(t, "%s = ctx->rt->table_size(ctx, %" PRIu32 ");\n", slot(t, t->height - 1).s, a);
        return NULL;
    case 17: { /* table.fill: i ref n */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        if (a >= t->in->table_count)
            return fail(t, VEIL_EMALFORMED, "table.fill: bad table index", NULL);
        int c[3] = {C_I32, C_REF, C_I32};
        VEIL_TRY(need_types(t, 3, c));
        EMIT(t, "ctx->rt->table_fill(ctx, %" PRIu32 ", %s, %s, %s, %" PRIu32 ");\n", a,
             slot(t, t->height - 3).s, slot(t, t->height - 2).s, slot(t, t->height - 1).s, t->func);
        t->height -= 3;
        return NULL;
    }
    }
    char detail[32];
    snprintf(detail, sizeof detail, "0xfc %" PRIu32, sub);
    return fail(t, VEIL_EMALFORMED, "unknown opcode ", detail);
}

static veil_error *emit_end(translator *t) {
    ctrl *c = &t->ctrls[t->ctrl_count - 1];
    if (!c->unreachable && t->height != c->base + c->result_count)
        return fail(t, VEIL_EMALFORMED, "block ends with the wrong number of values", NULL);
    if (c->kind == K_LOOP)
        patch_fuel(t, c);
    if (c->kind == K_FUNC) {
        patch_fuel(t, c);
        t->height = c->result_count;
        t->ctrl_count--;
        return NULL;
    }
    if (c->kind == K_IF && !c->has_else)
        EMIT(t, "E%" PRIu32 ":;\n", c->label);
    if (c->label_used && c->kind != K_LOOP)
        EMIT(t, "L%" PRIu32 ":;\n", c->label);
    /* After the end the block's results sit at base..base+results. */
    uint32_t base = c->base, count = c->result_count;
    const veil_wasm_valtype *results = c->results;
    veil_wasm_valtype single = c->single;
    if (results == NULL)
        results = &single;
    t->ctrl_count--;
    t->height = base;
    for (uint32_t i = 0; i < count; i++)
        VEIL_TRY(push(t, results[i]));
    return NULL;
}

static veil_error *translate_instruction(translator *t, uint8_t op) {
    ctrl *cur = &t->ctrls[t->ctrl_count - 1];
    uint32_t a, b;
    if (op >= 0x45 && op <= 0xC4)
        return emit_numeric(t, &numeric_ops[op - 0x45]);
    if (op >= 0x28 && op <= 0x3E)
        return emit_memory_access(t, &mem_ops[op - 0x28]);
    switch (op) {
    case 0x00: /* unreachable */
        EMIT(t, "VEIL_AOT_TRAP(VEIL_AOT_TRAP_UNREACHABLE, %" PRIu32 ");\n", t->func);
        set_unreachable(t);
        return NULL;
    case 0x01: /* nop */
        return NULL;
    case 0x02:   /* block */
    case 0x03:   /* loop */
    case 0x04: { /* if */
        uint32_t pc, rc;
        const veil_wasm_valtype *params, *results;
        veil_wasm_valtype single = VEIL_WASM_I32;
        VEIL_TRY(read_blocktype(t, &pc, &params, &rc, &results, &single));
        slot_name cond = {{0}};
        if (op == 0x04) {
            static const int c[1] = {C_I32};
            VEIL_TRY(need_types(t, 1, c));
            cond = slot(t, t->height - 1);
            t->height--;
        }
        VEIL_TRY(push_ctrl(t,
                           op == 0x02   ? K_BLOCK
                           : op == 0x03 ? K_LOOP
                                        : K_IF,
                           pc, params, rc, results, single));
        ctrl *c = &t->ctrls[t->ctrl_count - 1];
        if (op == 0x03) {
            EMIT(t, "L%" PRIu32 ":;\n", c->label);
            VEIL_TRY(emit_fuel_site(t, c));
        } else if (op == 0x04) {
            EMIT(t, "if (!%s) goto E%" PRIu32 ";\n", cond.s, c->label);
        }
        return NULL;
    }
    case 0x05: /* else */
        if (cur->kind != K_IF || cur->has_else)
            return fail(t, VEIL_EMALFORMED, "else without if", NULL);
        if (!cur->unreachable) {
            if (t->height != cur->base + cur->result_count)
                return fail(t, VEIL_EMALFORMED, "if branch ends with the wrong values", NULL);
            cur->label_used = true;
            EMIT(t, "goto L%" PRIu32 ";\n", cur->label);
        }
        EMIT(t, "E%" PRIu32 ":;\n", cur->label);
        cur->has_else = true;
        cur->unreachable = false;
        t->height = cur->base;
        for (uint32_t i = 0; i < cur->param_count; i++)
            VEIL_TRY(push(t, cur->params[i]));
        return NULL;
    case 0x0B: /* end */
        return emit_end(t);
    case 0x0C: { /* br */
        ctrl *target;
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        VEIL_TRY(branch_target(t, a, &target));
        VEIL_TRY(emit_branch(t, target));
        EMIT(t, "\n");
        set_unreachable(t);
        return NULL;
    }
    case 0x0D: { /* br_if */
        ctrl *target;
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        static const int c[1] = {C_I32};
        VEIL_TRY(need_types(t, 1, c));
        slot_name cond = slot(t, t->height - 1);
        t->height--;
        VEIL_TRY(branch_target(t, a, &target));
        EMIT(t, "if (%s) { ", cond.s);
        VEIL_TRY(emit_branch(t, target));
        EMIT(t, " }\n");
        return NULL;
    }
    case 0x0E: { /* br_table */
        uint32_t count;
        VEIL_TRY(veil_reader_uleb32(&t->r, &count));
        if (count > veil_reader_remaining(&t->r))
            return fail(t, VEIL_EMALFORMED, "br_table too long", NULL);
        static const int c[1] = {C_I32};
        VEIL_TRY(need_types(t, 1, c));
        slot_name index = slot(t, t->height - 1);
        t->height--;
        EMIT(t, "switch (%s) {\n", index.s);
        for (uint32_t i = 0; i <= count; i++) {
            ctrl *target;
            VEIL_TRY(veil_reader_uleb32(&t->r, &a));
            VEIL_TRY(branch_target(t, a, &target));
            if (i < count)
                EMIT(t, "case %" PRIu32 "u: ", i);
            else
                EMIT(t, "default: ");
            VEIL_TRY(emit_branch(t, target));
            EMIT(t, "\n");
        }
        EMIT(t, "}\n");
        set_unreachable(t);
        return NULL;
    }
    case 0x0F: /* return */
        VEIL_TRY(need(t, t->ctrls[0].result_count));
        VEIL_TRY(emit_branch(t, &t->ctrls[0]));
        EMIT(t, "\n");
        set_unreachable(t);
        return NULL;
    case 0x10: /* call */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        if (a >= t->in->import_func_count + t->in->func_count)
            return fail(t, VEIL_EMALFORMED, "call: bad function index", NULL);
        return emit_call(t, a);
    case 0x11: /* call_indirect type table */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        VEIL_TRY(veil_reader_uleb32(&t->r, &b));
        return emit_call_indirect(t, a, b);
    case 0x1A: /* drop */
        VEIL_TRY(need(t, 1));
        t->height--;
        return NULL;
    case 0x1B:   /* select */
    case 0x1C: { /* select t */
        if (op == 0x1C) {
            uint32_t n;
            uint8_t vt;
            VEIL_TRY(veil_reader_uleb32(&t->r, &n));
            if (n != 1)
                return fail(t, VEIL_EMALFORMED, "select: bad type count", NULL);
            VEIL_TRY(veil_reader_u8(&t->r, &vt));
        }
        VEIL_TRY(need(t, 3));
        slot_name x = slot(t, t->height - 3), y = slot(t, t->height - 2),
                  cond = slot(t, t->height - 1);
        if (class_of(t->stack[t->height - 1]) != C_I32 ||
            t->stack[t->height - 3] != t->stack[t->height - 2])
            return fail(t, VEIL_EMALFORMED, "select: operand types", NULL);
        EMIT(t, "if (!%s) %s = %s;\n", cond.s, x.s, y.s);
        t->height -= 2;
        return NULL;
    }
    case 0x20:   /* local.get */
    case 0x21:   /* local.set */
    case 0x22: { /* local.tee */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        if (a >= t->local_count)
            return fail(t, VEIL_EMALFORMED, "bad local index", NULL);
        if (op == 0x20) {
            VEIL_TRY(push(t, t->locals[a]));
            EMIT(t, "%s = l%" PRIu32 ";\n", slot(t, t->height - 1).s, a);
        } else {
            VEIL_TRY(need(t, 1));
            EMIT(t, "l%" PRIu32 " = %s;\n", a, slot(t, t->height - 1).s);
            if (op == 0x21)
                t->height--;
        }
        return NULL;
    }
    case 0x23:   /* global.get */
    case 0x24: { /* global.set */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        if (a >= t->in->global_count)
            return fail(t, VEIL_EMALFORMED, "bad global index", NULL);
        veil_wasm_valtype type = t->in->global_types[a];
        int cls = class_of(type);
        if (cls < 0)
            return fail(t, VEIL_EMALFORMED, "bad global type", NULL);
        if (op == 0x23) {
            VEIL_TRY(push(t, type));
            EMIT(t, "memcpy(&%s, ctx->globals[%" PRIu32 "], sizeof %s);\n",
                 slot(t, t->height - 1).s, a, slot(t, t->height - 1).s);
        } else {
            VEIL_TRY(need(t, 1));
            EMIT(t, "memcpy(ctx->globals[%" PRIu32 "], &%s, sizeof %s);\n", a,
                 slot(t, t->height - 1).s, slot(t, t->height - 1).s);
            t->height--;
        }
        return NULL;
    }
    case 0x25: { /* table.get */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        if (a >= t->in->table_count)
            return fail(t, VEIL_EMALFORMED, "bad table index", NULL);
        static const int c[1] = {C_I32};
        VEIL_TRY(need_types(t, 1, c));
        slot_name index = slot(t, t->height - 1);
        t->height--;
        VEIL_TRY(push(t, VEIL_WASM_FUNCREF)); /* same C class as externref */
        EMIT(t, "%s = ctx->rt->table_get(ctx, %" PRIu32 ", %s, %" PRIu32 ");\n",
             slot(t, t->height - 1).s, a, index.s, t->func);
        return NULL;
    }
    case 0x26: { /* table.set */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        if (a >= t->in->table_count)
            return fail(t, VEIL_EMALFORMED, "bad table index", NULL);
        static const int c[2] = {C_I32, C_REF};
        VEIL_TRY(need_types(t, 2, c));
        EMIT(t, "ctx->rt->table_set(ctx, %" PRIu32 ", %s, %s, %" PRIu32 ");\n", a,
             slot(t, t->height - 2).s, slot(t, t->height - 1).s, t->func);
        t->height -= 2;
        return NULL;
    }
    case 0x3F: /* memory.size */
        VEIL_TRY(veil_reader_u8(&t->r, (uint8_t *)&a));
        if (t->in->memory_count == 0)
            return fail(t, VEIL_EMALFORMED, "memory.size without a memory", NULL);
        VEIL_TRY(push(t, VEIL_WASM_I32));
        EMIT(t, "%s = (uint32_t)(ctx->memory->size_bytes >> 16);\n", slot(t, t->height - 1).s);
        return NULL;
    case 0x40: { /* memory.grow */
        uint8_t zero;
        VEIL_TRY(veil_reader_u8(&t->r, &zero));
        if (t->in->memory_count == 0)
            return fail(t, VEIL_EMALFORMED, "memory.grow without a memory", NULL);
        static const int c[1] = {C_I32};
        VEIL_TRY(need_types(t, 1, c));
        slot_name n = slot(t, t->height - 1);
        t->uses_memory = true;
        EMIT(t, "%s = ctx->rt->memory_grow(ctx, %s);", n.s, n.s);
        VEIL_TRY(emit_reload_memory(t));
        EMIT(t, "\n");
        return NULL;
    }
    case 0x41: { /* i32.const */
        int32_t v;
        VEIL_TRY(veil_reader_sleb32(&t->r, &v));
        VEIL_TRY(push(t, VEIL_WASM_I32));
        EMIT(t, "%s = %" PRIu32 "u;\n", slot(t, t->height - 1).s, (uint32_t)v);
        return NULL;
    }
    case 0x42: { /* i64.const */
        int64_t v;
        VEIL_TRY(veil_reader_sleb64(&t->r, &v));
        VEIL_TRY(push(t, VEIL_WASM_I64));
        EMIT(t, "%s = %" PRIu64 "ull;\n", slot(t, t->height - 1).s, (uint64_t)v);
        return NULL;
    }
    case 0x43: { /* f32.const */
        uint32_t bits;
        VEIL_TRY(veil_reader_u32le(&t->r, &bits));
        VEIL_TRY(push(t, VEIL_WASM_F32));
        EMIT(t, "%s = veil_aot_f32_const(0x%08" PRIx32 "u);\n", slot(t, t->height - 1).s, bits);
        return NULL;
    }
    case 0x44: { /* f64.const */
        uint64_t bits;
        VEIL_TRY(veil_reader_u64le(&t->r, &bits));
        VEIL_TRY(push(t, VEIL_WASM_F64));
        EMIT(t, "%s = veil_aot_f64_const(0x%016" PRIx64 "ull);\n", slot(t, t->height - 1).s, bits);
        return NULL;
    }
    case 0xD0: { /* ref.null t */
        uint8_t vt;
        VEIL_TRY(veil_reader_u8(&t->r, &vt));
        if (vt != VEIL_WASM_FUNCREF && vt != VEIL_WASM_EXTERNREF)
            return fail(t, VEIL_EMALFORMED, "ref.null: bad type", NULL);
        VEIL_TRY(push(t, (veil_wasm_valtype)vt));
        EMIT(t, "%s = NULL;\n", slot(t, t->height - 1).s);
        return NULL;
    }
    case 0xD1: { /* ref.is_null */
        static const int c[1] = {C_REF};
        VEIL_TRY(need_types(t, 1, c));
        slot_name r = slot(t, t->height - 1);
        t->height--;
        VEIL_TRY(push(t, VEIL_WASM_I32));
        EMIT(t, "%s = (uint32_t)(%s == NULL);\n", slot(t, t->height - 1).s, r.s);
        return NULL;
    }
    case 0xD2: /* ref.func */
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        if (a >= t->in->import_func_count + t->in->func_count)
            return fail(t, VEIL_EMALFORMED, "ref.func: bad function index", NULL);
        VEIL_TRY(push(t, VEIL_WASM_FUNCREF));
        EMIT(t, "%s = ctx->funcs[%" PRIu32 "];\n", slot(t, t->height - 1).s, a);
        return NULL;
    case 0xFC:
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        return emit_misc(t, a);
    case 0xFD:
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        return emit_simd(t, a);
    }
    char detail[16];
    snprintf(detail, sizeof detail, "0x%02x", op);
    return fail(t, VEIL_EMALFORMED, "unknown opcode ", detail);
}

/* Immediates of any instruction, for skipping dead code. */
static veil_error *skip_immediates(translator *t, uint8_t op) {
    uint32_t a;
    const uint8_t *bytes;
    if (op >= 0x28 && op <= 0x3E) {
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        return veil_reader_uleb32(&t->r, &a);
    }
    switch (op) {
    case 0x02:
    case 0x03:
    case 0x04: {
        int64_t bt;
        return veil_reader_sleb33(&t->r, &bt);
    }
    case 0x0C:
    case 0x0D:
    case 0x10:
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x23:
    case 0x24:
    case 0x25:
    case 0x26:
    case 0xD2:
        return veil_reader_uleb32(&t->r, &a);
    case 0x0E: {
        uint32_t count;
        VEIL_TRY(veil_reader_uleb32(&t->r, &count));
        for (uint64_t i = 0; i <= count; i++)
            VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        return NULL;
    }
    case 0x11:
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        return veil_reader_uleb32(&t->r, &a);
    case 0x1C: {
        uint32_t count;
        VEIL_TRY(veil_reader_uleb32(&t->r, &count));
        return veil_reader_skip(&t->r, count);
    }
    case 0x3F:
    case 0x40:
    case 0xD0:
        return veil_reader_skip(&t->r, 1);
    case 0x41: {
        int32_t v;
        return veil_reader_sleb32(&t->r, &v);
    }
    case 0x42: {
        int64_t v;
        return veil_reader_sleb64(&t->r, &v);
    }
    case 0x43:
        return veil_reader_skip(&t->r, 4);
    case 0x44:
        return veil_reader_skip(&t->r, 8);
    case 0xFC: {
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        switch (a) {
        case 8:
        case 12:
        case 14:
            VEIL_TRY(veil_reader_uleb32(&t->r, &a));
            return veil_reader_uleb32(&t->r, &a);
        case 10:
            VEIL_TRY(veil_reader_uleb32(&t->r, &a));
            return veil_reader_uleb32(&t->r, &a);
        case 9:
        case 11:
        case 13:
        case 15:
        case 16:
        case 17:
            return veil_reader_uleb32(&t->r, &a);
        }
        return NULL;
    }
    case 0xFD: {
        VEIL_TRY(veil_reader_uleb32(&t->r, &a));
        if (a > 0xff || simd_ops[a].name == NULL)
            return fail(t, VEIL_EMALFORMED, "unknown SIMD opcode", NULL);
        switch (simd_ops[a].shape) {
        case S_LOAD:
        case S_STORE:
            VEIL_TRY(veil_reader_uleb32(&t->r, &a));
            return veil_reader_uleb32(&t->r, &a);
        case S_LOAD_LANE:
        case S_STORE_LANE:
            VEIL_TRY(veil_reader_uleb32(&t->r, &a));
            VEIL_TRY(veil_reader_uleb32(&t->r, &a));
            return veil_reader_skip(&t->r, 1);
        case S_CONST:
        case S_SHUFFLE:
            return veil_reader_bytes(&t->r, 16, &bytes);
        case S_EXTRACT:
        case S_REPLACE:
            return veil_reader_skip(&t->r, 1);
        }
        return NULL;
    }
    }
    return NULL;
}

/* ---- functions ---- */

static veil_error *read_locals(translator *t, const veil_aot_func_input *fi) {
    const veil_wasm_functype *ft = t->type;
    uint64_t total = (uint64_t)ft->param_count + fi->local_count;
    t->locals = malloc((size_t)(total ? total : 1) * sizeof *t->locals);
    if (t->locals == NULL)
        return veil_error_new(VEIL_ENOMEM, "AOT: out of memory");
    t->local_count = 0;
    for (uint32_t i = 0; i < ft->param_count; i++)
        t->locals[t->local_count++] = ft->params[i];
    for (uint32_t i = 0; i < fi->local_count; i++) {
        if (class_of(fi->local_types[i]) < 0)
            return fail(t, VEIL_EMALFORMED, "bad local type", NULL);
        t->locals[t->local_count++] = fi->local_types[i];
    }
    return NULL;
}

static veil_error *emit_signature(veil_buf *out, const veil_aot_input *in, uint32_t func,
                                  bool with_names) {
    const veil_wasm_functype *ft = func_type(in, func);
    uint32_t type_index = type_index_of(in, ft);
    if (ft->result_count == 0)
        VEIL_TRY(veil_buf_append_str(out, "static void"));
    else if (ft->result_count == 1)
        VEIL_TRY(veil_buf_printf(out, "static %s", class_ctype[class_of(ft->results[0])]));
    else
        VEIL_TRY(veil_buf_printf(out, "static veil_aot_res_%" PRIu32, type_index));
    VEIL_TRY(veil_buf_printf(out, " f%" PRIu32 "(veil_aot_ctx *ctx", func));
    for (uint32_t i = 0; i < ft->param_count; i++) {
        VEIL_TRY(veil_buf_printf(out, ", %s", class_ctype[class_of(ft->params[i])]));
        if (with_names)
            VEIL_TRY(veil_buf_printf(out, " l%" PRIu32, i));
    }
    return veil_buf_append_str(out, ")");
}

static veil_error *translate_function(translator *t, uint32_t index) {
    const veil_aot_func_input *fi = &t->in->funcs[index];
    t->func = t->in->import_func_count + index;
    t->type = func_type(t->in, t->func);
    veil_reader_init(&t->r, fi->body, fi->body_len, "function body");
    t->r.base = fi->body_offset;
    if (t->type == NULL)
        return fail(t, VEIL_EMALFORMED, "bad type index", NULL);
    free(t->locals);
    t->locals = NULL;
    VEIL_TRY(read_locals(t, fi));
    veil_buf_clear(&t->body);
    t->height = 0;
    t->ctrl_count = 0;
    t->next_label = 0;
    t->skip_depth = 0;
    t->uses_memory = false;
    t->uses_generic_call = false;
    t->max_call_slots = 0;
    memset(t->max_slot, 0, sizeof t->max_slot);
    memset(t->slot_used, 0, sizeof t->slot_used);
    VEIL_TRY(push_ctrl(t, K_FUNC, 0, NULL, t->type->result_count, t->type->results, VEIL_WASM_I32));
    VEIL_TRY(emit_fuel_site(t, &t->ctrls[0]));

    while (t->ctrl_count > 0) {
        uint8_t op;
        VEIL_TRY(veil_reader_u8(&t->r, &op));
        ctrl *cur = &t->ctrls[t->ctrl_count - 1];
        if (cur->unreachable) {
            /* Dead code: follow nesting only. */
            if (op == 0x02 || op == 0x03 || op == 0x04) {
                VEIL_TRY(skip_immediates(t, op));
                t->skip_depth++;
            } else if (op == 0x0B && t->skip_depth > 0) {
                t->skip_depth--;
            } else if (op == 0x05 && t->skip_depth == 0) {
                VEIL_TRY(translate_instruction(t, op));
            } else if (op == 0x0B) {
                VEIL_TRY(translate_instruction(t, op));
            } else {
                VEIL_TRY(skip_immediates(t, op));
            }
            continue;
        }
        fuel_owner(t)->fuel_units++;
        VEIL_TRY(translate_instruction(t, op));
    }
    if (!veil_reader_at_end(&t->r))
        return fail(t, VEIL_EMALFORMED, "bytes after the function's end", NULL);

    /* The epilogue reads the result slots even when the end is unreachable
     * (then they are never written, which is harmless): declare them. */
    for (uint32_t i = 0; i < t->type->result_count; i++) {
        int cls = class_of(t->type->results[i]);
        if (!t->slot_used[cls] || i > t->max_slot[cls])
            t->max_slot[cls] = i;
        t->slot_used[cls] = true;
    }

    /* Assemble: signature, locals, slots, memory cache, body, epilogue. */
    veil_buf *out = t->out;
    VEIL_TRY(emit_signature(out, t->in, t->func, true));
    VEIL_TRY(veil_buf_append_str(out, " {\n"));
    for (uint32_t i = t->type->param_count; i < t->local_count; i++) {
        int cls = class_of(t->locals[i]);
        if (cls == C_V128)
            VEIL_TRY(
                veil_buf_printf(out, "veil_v128 l%" PRIu32 " = veil_aot_v128_const(0, 0);\n", i));
        else if (cls == C_REF)
            VEIL_TRY(veil_buf_printf(out, "void *l%" PRIu32 " = NULL;\n", i));
        else
            VEIL_TRY(veil_buf_printf(out, "%s l%" PRIu32 " = 0;\n", class_ctype[cls], i));
    }
    for (int cls = 0; cls < C_COUNT; cls++) {
        if (!t->slot_used[cls])
            continue;
        VEIL_TRY(veil_buf_printf(out, "%s", class_ctype[cls]));
        for (uint32_t d = 0; d <= t->max_slot[cls]; d++) {
            VEIL_TRY(veil_buf_printf(out, "%s%s%" PRIu32 "%c", d ? ", " : " ",
                                     cls == C_REF && d ? "*s" : "s", d, class_char[cls]));
        }
        VEIL_TRY(veil_buf_append_str(out, ";\n"));
    }
    if (t->uses_generic_call)
        VEIL_TRY(veil_buf_printf(out, "veil_aot_slot sl_[%" PRIu32 "];\n", t->max_call_slots));
    if (t->in->memory_count > 0)
        VEIL_TRY(veil_buf_append_str(out, "VEIL_AOT_MEMORY_LOCALS();\n"));
    VEIL_TRY(veil_buf_printf(out, "VEIL_AOT_ENTER(%" PRIu32 ");\n", t->func));
    VEIL_TRY(veil_buf_append(out, t->body.data, t->body.len));
    VEIL_TRY(veil_buf_append_str(out, "L_return:;\nVEIL_AOT_SPILL();\nVEIL_AOT_LEAVE();\n"));
    if (t->type->result_count == 1) {
        VEIL_TRY(veil_buf_printf(out, "return s0%c;\n", class_char[class_of(t->type->results[0])]));
    } else if (t->type->result_count > 1) {
        VEIL_TRY(
            veil_buf_printf(out, "veil_aot_res_%" PRIu32 " r_;\n", type_index_of(t->in, t->type)));
        for (uint32_t i = 0; i < t->type->result_count; i++)
            VEIL_TRY(veil_buf_printf(out, "r_.r%" PRIu32 " = s%" PRIu32 "%c;\n", i, i,
                                     class_char[class_of(t->type->results[i])]));
        VEIL_TRY(veil_buf_append_str(out, "return r_;\n"));
    }
    return veil_buf_append_str(out, "}\n\n");
}

/* Types: result structs for multi-value, pointer types for indirect calls. */
static veil_error *emit_types(veil_buf *out, const veil_aot_input *in) {
    for (uint32_t i = 0; i < in->type_count; i++) {
        const veil_wasm_functype *ft = &in->types[i];
        for (uint32_t k = 0; k < ft->param_count; k++) {
            if (class_of(ft->params[k]) < 0)
                return veil_error_new(VEIL_EMALFORMED, "AOT: type %" PRIu32 ": bad value type", i);
        }
        for (uint32_t k = 0; k < ft->result_count; k++) {
            if (class_of(ft->results[k]) < 0)
                return veil_error_new(VEIL_EMALFORMED, "AOT: type %" PRIu32 ": bad value type", i);
        }
        if (ft->result_count > 1) {
            VEIL_TRY(veil_buf_append_str(out, "typedef struct {"));
            for (uint32_t k = 0; k < ft->result_count; k++)
                VEIL_TRY(veil_buf_printf(out, " %s r%" PRIu32 ";",
                                         class_ctype[class_of(ft->results[k])], k));
            VEIL_TRY(veil_buf_printf(out, " } veil_aot_res_%" PRIu32 ";\n", i));
        }
        if (ft->result_count == 0)
            VEIL_TRY(veil_buf_append_str(out, "typedef void"));
        else if (ft->result_count == 1)
            VEIL_TRY(veil_buf_printf(out, "typedef %s", class_ctype[class_of(ft->results[0])]));
        else
            VEIL_TRY(veil_buf_printf(out, "typedef veil_aot_res_%" PRIu32, i));
        VEIL_TRY(veil_buf_printf(out, " (*veil_aot_sig_%" PRIu32 ")(veil_aot_ctx *", i));
        for (uint32_t k = 0; k < ft->param_count; k++)
            VEIL_TRY(veil_buf_printf(out, ", %s", class_ctype[class_of(ft->params[k])]));
        VEIL_TRY(veil_buf_append_str(out, ");\n"));
    }
    return NULL;
}

/* Trampoline for defined function `func`: slots in, slots out. */
static veil_error *emit_trampoline(veil_buf *out, const veil_aot_input *in, uint32_t func) {
    const veil_wasm_functype *ft = func_type(in, func);
    VEIL_TRY(veil_buf_printf(
        out, "static void t%" PRIu32 "(veil_aot_ctx *ctx, veil_aot_slot *sl) {\n", func));
    for (uint32_t i = 0; i < ft->param_count; i++) {
        int cls = class_of(ft->params[i]);
        VEIL_TRY(veil_buf_printf(out,
                                 "    %s a%" PRIu32 "; memcpy(&a%" PRIu32 ", &sl[%" PRIu32
                                 "], sizeof a%" PRIu32 ");\n",
                                 class_ctype[cls], i, i, i, i));
    }
    VEIL_TRY(veil_buf_append_str(out, "    "));
    if (ft->result_count == 1)
        VEIL_TRY(veil_buf_printf(out, "%s r = ", class_ctype[class_of(ft->results[0])]));
    else if (ft->result_count > 1)
        VEIL_TRY(veil_buf_printf(out, "veil_aot_res_%" PRIu32 " r = ", type_index_of(in, ft)));
    VEIL_TRY(veil_buf_printf(out, "f%" PRIu32 "(ctx", func));
    for (uint32_t i = 0; i < ft->param_count; i++)
        VEIL_TRY(veil_buf_printf(out, ", a%" PRIu32, i));
    VEIL_TRY(veil_buf_append_str(out, ");\n"));
    if (ft->result_count == 1) {
        VEIL_TRY(veil_buf_append_str(out, "    memset(&sl[0], 0, sizeof sl[0]); memcpy(&sl[0], "
                                          "&r, sizeof r);\n"));
    } else {
        for (uint32_t i = 0; i < ft->result_count; i++)
            VEIL_TRY(veil_buf_printf(out,
                                     "    memset(&sl[%" PRIu32
                                     "], 0, sizeof sl[0]); memcpy(&sl[%" PRIu32 "], &r.r%" PRIu32
                                     ", sizeof r.r%" PRIu32 ");\n",
                                     i, i, i, i));
    }
    return veil_buf_append_str(out, "}\n");
}

veil_error *veil_aot_translate(const veil_aot_input *input, const veil_aot_options *options,
                               const char *key, veil_buf *out) {
    if (input->memory_count > 1)
        return veil_error_new(VEIL_EUNSUPPORTED,
                              "AOT: %s: multiple memories are not part of Wasm 2.0",
                              input->name ? input->name : "module");
    for (uint32_t i = 0; i < input->import_func_count + input->func_count; i++) {
        if (func_type(input, i) == NULL)
            return veil_error_new(VEIL_EMALFORMED, "AOT: function %" PRIu32 ": bad type index", i);
    }
    VEIL_TRY(veil_buf_printf(out, "/* Generated by Veil's AOT translator (%s) from %s. */\n",
                             VEIL_AOT_TRANSLATOR_VERSION, input->name ? input->name : "a module"));
    VEIL_TRY(veil_buf_printf(out, "#define VEIL_AOT_GUARD_PAGES %d\n#define VEIL_AOT_METERING %d\n",
                             options->guard_pages ? 1 : 0, options->metering ? 1 : 0));
    VEIL_TRY(veil_buf_append_str(out, veil_aot_embedded_prelude));
    VEIL_TRY(emit_types(out, input));
    uint32_t total = input->import_func_count + input->func_count;
    for (uint32_t f = input->import_func_count; f < total; f++) {
        VEIL_TRY(emit_signature(out, input, f, false));
        VEIL_TRY(veil_buf_append_str(out, ";\n"));
    }

    translator t;
    memset(&t, 0, sizeof t);
    t.in = input;
    t.opt = options;
    t.out = out;
    veil_buf_init(&t.body, 0);
    veil_error *err = NULL;
    for (uint32_t i = 0; i < input->func_count && err == NULL; i++)
        err = translate_function(&t, i);
    for (uint32_t f = input->import_func_count; f < total && err == NULL; f++)
        err = emit_trampoline(out, input, f);
    free(t.locals);
    free(t.stack);
    free(t.ctrls);
    veil_buf_free(&t.body);
    VEIL_TRY(err);

    /* The one exported symbol. */
    VEIL_TRY(veil_buf_append_str(out, "static void *const veil_aot_code[] = {"));
    for (uint32_t f = input->import_func_count; f < total; f++)
        VEIL_TRY(veil_buf_printf(out, "%s(void *)f%" PRIu32,
                                 f > input->import_func_count ? ", " : "", f));
    if (input->func_count == 0)
        VEIL_TRY(veil_buf_append_str(out, "NULL"));
    VEIL_TRY(veil_buf_append_str(out, "};\nstatic const veil_aot_trampoline veil_aot_tramp[] = {"));
    for (uint32_t f = input->import_func_count; f < total; f++)
        VEIL_TRY(veil_buf_printf(out, "%st%" PRIu32, f > input->import_func_count ? ", " : "", f));
    if (input->func_count == 0)
        VEIL_TRY(veil_buf_append_str(out, "NULL"));
    VEIL_TRY(veil_buf_append_str(out, "};\n"));
    VEIL_TRY(veil_buf_printf(out,
                             "__attribute__((visibility(\"default\"))) const veil_aot_module_info "
                             "veil_aot_module_export "
                             "= {VEIL_AOT_ABI_VERSION, %" PRIu32 "u, %" PRIu32
                             "u, \"%s\", veil_aot_code, "
                             "veil_aot_tramp};\n",
                             input->import_func_count, input->func_count, key));
    return NULL;
}
