/* Runs the official WebAssembly spec tests (/work/shared/testdata/wasm-spec)
 * against the ops headers directly, without the engine.
 *
 * A small reader turns each .wast file into s-expressions.  Every exported
 * function whose body is straight-line code (folded or flat, any nesting)
 * over local.get/set/tee, global.get/set, constants, drop, and the
 * instructions of ops_scalar.h / ops_simd.h (memory ones included, with the
 * bounds check done here as the engine does it) is evaluated by a tiny stack
 * machine over the veil_op_* functions.  assert_return and assert_trap on
 * such functions are checked, honouring nan:canonical / nan:arithmetic per
 * value and per lane; memory and globals persist across calls as in a real
 * instance.  Anything else (control flow, calls, memory.grow, ...) is skipped
 * and counted, and once a skipped call may have written memory or globals,
 * later calls of that module that read them are skipped too.
 *
 * The test fails on any mismatch, and also if some instruction of the
 * headers was never exercised by a spec assertion. */
#include "../test.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "ops_scalar.h"
#include "ops_simd.h"

/* ---- Values --------------------------------------------------------------- */

enum vtype { VT_NONE, VT_I32, VT_I64, VT_F32, VT_F64, VT_V128 };

typedef struct tval {
    enum vtype type;
    uint64_t bits; /* i32/f32 in the low half */
    veil_v128 v;
} tval;

#define ARG_U32(x) ((uint32_t)(x).bits)
#define ARG_U64(x) ((x).bits)
#define ARG_F32(x) veil_op_f32_reinterpret_i32((uint32_t)(x).bits)
#define ARG_F64(x) veil_op_f64_reinterpret_i64((x).bits)
#define ARG_F32B(x) ((uint32_t)(x).bits)
#define ARG_F64B(x) ((x).bits)
#define ARG_V(x) ((x).v)
#define CTYPE_U32 uint32_t
#define CTYPE_U64 uint64_t
#define SET_U32(r, e) ((r)->type = VT_I32, (r)->bits = (uint32_t)(e))
#define SET_U64(r, e) ((r)->type = VT_I64, (r)->bits = (e))
#define SET_F32(r, e) ((r)->type = VT_F32, (r)->bits = veil_op_i32_reinterpret_f32(e))
#define SET_F64(r, e) ((r)->type = VT_F64, (r)->bits = veil_op_i64_reinterpret_f64(e))
#define SET_F32B(r, e) ((r)->type = VT_F32, (r)->bits = (uint32_t)(e))
#define SET_F64B(r, e) ((r)->type = VT_F64, (r)->bits = (e))
#define SET_V(r, e) ((r)->type = VT_V128, (r)->v = (e))

/* One wrapper per instruction with a uniform signature: operands in a (in
 * stack order), immediates in imm; returns an enum veil_op_trap. */
typedef int (*op_fn)(const tval *a, const uint8_t *imm, tval *r);

#define DEF_S1(op, R, P1)                                                                          \
    static int w_##op(const tval *a, const uint8_t *imm, tval *r) {                                \
        (void)imm;                                                                                 \
        SET_##R(r, veil_op_##op(ARG_##P1(a[0])));                                                  \
        return VEIL_OP_OK;                                                                         \
    }
#define DEF_S2(op, R, P1, P2)                                                                      \
    static int w_##op(const tval *a, const uint8_t *imm, tval *r) {                                \
        (void)imm;                                                                                 \
        SET_##R(r, veil_op_##op(ARG_##P1(a[0]), ARG_##P2(a[1])));                                  \
        return VEIL_OP_OK;                                                                         \
    }
#define DEF_S3(op, R, P1, P2, P3)                                                                  \
    static int w_##op(const tval *a, const uint8_t *imm, tval *r) {                                \
        (void)imm;                                                                                 \
        SET_##R(r, veil_op_##op(ARG_##P1(a[0]), ARG_##P2(a[1]), ARG_##P3(a[2])));                  \
        return VEIL_OP_OK;                                                                         \
    }
#define DEF_T1(op, R, P1)                                                                          \
    static int w_##op(const tval *a, const uint8_t *imm, tval *r) {                                \
        (void)imm;                                                                                 \
        CTYPE_##R out = 0;                                                                         \
        int trap = veil_op_##op(ARG_##P1(a[0]), &out);                                             \
        SET_##R(r, out);                                                                           \
        return trap;                                                                               \
    }
#define DEF_T2(op, R, P1, P2)                                                                      \
    static int w_##op(const tval *a, const uint8_t *imm, tval *r) {                                \
        (void)imm;                                                                                 \
        CTYPE_##R out = 0;                                                                         \
        int trap = veil_op_##op(ARG_##P1(a[0]), ARG_##P2(a[1]), &out);                             \
        SET_##R(r, out);                                                                           \
        return trap;                                                                               \
    }
#define DEF_EXTRACT(op, R)                                                                         \
    static int w_##op(const tval *a, const uint8_t *imm, tval *r) {                                \
        SET_##R(r, veil_op_##op(a[0].v, imm[0]));                                                  \
        return VEIL_OP_OK;                                                                         \
    }
#define DEF_REPLACE(op, P)                                                                         \
    static int w_##op(const tval *a, const uint8_t *imm, tval *r) {                                \
        SET_V(r, veil_op_##op(a[0].v, imm[0], ARG_##P(a[1])));                                     \
        return VEIL_OP_OK;                                                                         \
    }
#define DEF_SHUFFLE(op)                                                                            \
    static int w_##op(const tval *a, const uint8_t *imm, tval *r) {                                \
        SET_V(r, veil_op_##op(a[0].v, a[1].v, imm));                                               \
        return VEIL_OP_OK;                                                                         \
    }
#define ARITY_S1 1
#define ARITY_S2 2
#define ARITY_S3 3
#define ARITY_T1 1
#define ARITY_T2 2
#define ARITY_EXTRACT 1
#define ARITY_REPLACE 2
#define ARITY_SHUFFLE 2
#define IMMS_S1 0
#define IMMS_S2 0
#define IMMS_S3 0
#define IMMS_T1 0
#define IMMS_T2 0
#define IMMS_EXTRACT 1
#define IMMS_REPLACE 1
#define IMMS_SHUFFLE 16

/* Every value-computing instruction of the headers (generated once from the
 * preprocessed headers' signatures; memory access helpers are tested in
 * ops_test.c). */
#define VEIL_TEST_OPS(X)                                                                           \
    X(S1, i32_reinterpret_f32, U32, F32)                                                           \
    X(S1, i64_reinterpret_f64, U64, F64)                                                           \
    X(S1, f32_reinterpret_i32, F32, U32)                                                           \
    X(S1, f64_reinterpret_i64, F64, U64)                                                           \
    X(S1, i32_eqz, U32, U32)                                                                       \
    X(S2, i32_eq, U32, U32, U32)                                                                   \
    X(S2, i32_ne, U32, U32, U32)                                                                   \
    X(S2, i32_lt_s, U32, U32, U32)                                                                 \
    X(S2, i32_lt_u, U32, U32, U32)                                                                 \
    X(S2, i32_gt_s, U32, U32, U32)                                                                 \
    X(S2, i32_gt_u, U32, U32, U32)                                                                 \
    X(S2, i32_le_s, U32, U32, U32)                                                                 \
    X(S2, i32_le_u, U32, U32, U32)                                                                 \
    X(S2, i32_ge_s, U32, U32, U32)                                                                 \
    X(S2, i32_ge_u, U32, U32, U32)                                                                 \
    X(S1, i32_clz, U32, U32)                                                                       \
    X(S1, i32_ctz, U32, U32)                                                                       \
    X(S1, i32_popcnt, U32, U32)                                                                    \
    X(S2, i32_add, U32, U32, U32)                                                                  \
    X(S2, i32_sub, U32, U32, U32)                                                                  \
    X(S2, i32_mul, U32, U32, U32)                                                                  \
    X(T2, i32_div_s, U32, U32, U32)                                                                \
    X(T2, i32_div_u, U32, U32, U32)                                                                \
    X(T2, i32_rem_s, U32, U32, U32)                                                                \
    X(T2, i32_rem_u, U32, U32, U32)                                                                \
    X(S2, i32_and, U32, U32, U32)                                                                  \
    X(S2, i32_or, U32, U32, U32)                                                                   \
    X(S2, i32_xor, U32, U32, U32)                                                                  \
    X(S2, i32_shl, U32, U32, U32)                                                                  \
    X(S2, i32_shr_s, U32, U32, U32)                                                                \
    X(S2, i32_shr_u, U32, U32, U32)                                                                \
    X(S2, i32_rotl, U32, U32, U32)                                                                 \
    X(S2, i32_rotr, U32, U32, U32)                                                                 \
    X(S1, i32_extend8_s, U32, U32)                                                                 \
    X(S1, i32_extend16_s, U32, U32)                                                                \
    X(S1, i64_eqz, U32, U64)                                                                       \
    X(S2, i64_eq, U32, U64, U64)                                                                   \
    X(S2, i64_ne, U32, U64, U64)                                                                   \
    X(S2, i64_lt_s, U32, U64, U64)                                                                 \
    X(S2, i64_lt_u, U32, U64, U64)                                                                 \
    X(S2, i64_gt_s, U32, U64, U64)                                                                 \
    X(S2, i64_gt_u, U32, U64, U64)                                                                 \
    X(S2, i64_le_s, U32, U64, U64)                                                                 \
    X(S2, i64_le_u, U32, U64, U64)                                                                 \
    X(S2, i64_ge_s, U32, U64, U64)                                                                 \
    X(S2, i64_ge_u, U32, U64, U64)                                                                 \
    X(S1, i64_clz, U64, U64)                                                                       \
    X(S1, i64_ctz, U64, U64)                                                                       \
    X(S1, i64_popcnt, U64, U64)                                                                    \
    X(S2, i64_add, U64, U64, U64)                                                                  \
    X(S2, i64_sub, U64, U64, U64)                                                                  \
    X(S2, i64_mul, U64, U64, U64)                                                                  \
    X(T2, i64_div_s, U64, U64, U64)                                                                \
    X(T2, i64_div_u, U64, U64, U64)                                                                \
    X(T2, i64_rem_s, U64, U64, U64)                                                                \
    X(T2, i64_rem_u, U64, U64, U64)                                                                \
    X(S2, i64_and, U64, U64, U64)                                                                  \
    X(S2, i64_or, U64, U64, U64)                                                                   \
    X(S2, i64_xor, U64, U64, U64)                                                                  \
    X(S2, i64_shl, U64, U64, U64)                                                                  \
    X(S2, i64_shr_s, U64, U64, U64)                                                                \
    X(S2, i64_shr_u, U64, U64, U64)                                                                \
    X(S2, i64_rotl, U64, U64, U64)                                                                 \
    X(S2, i64_rotr, U64, U64, U64)                                                                 \
    X(S1, i64_extend8_s, U64, U64)                                                                 \
    X(S1, i64_extend16_s, U64, U64)                                                                \
    X(S1, i64_extend32_s, U64, U64)                                                                \
    X(S1, i32_wrap_i64, U32, U64)                                                                  \
    X(S1, i64_extend_i32_s, U64, U32)                                                              \
    X(S1, i64_extend_i32_u, U64, U32)                                                              \
    X(S2, f32_eq, U32, F32, F32)                                                                   \
    X(S2, f32_ne, U32, F32, F32)                                                                   \
    X(S2, f32_lt, U32, F32, F32)                                                                   \
    X(S2, f32_gt, U32, F32, F32)                                                                   \
    X(S2, f32_le, U32, F32, F32)                                                                   \
    X(S2, f32_ge, U32, F32, F32)                                                                   \
    X(S2, f64_eq, U32, F64, F64)                                                                   \
    X(S2, f64_ne, U32, F64, F64)                                                                   \
    X(S2, f64_lt, U32, F64, F64)                                                                   \
    X(S2, f64_gt, U32, F64, F64)                                                                   \
    X(S2, f64_le, U32, F64, F64)                                                                   \
    X(S2, f64_ge, U32, F64, F64)                                                                   \
    X(S1, f32_abs, F32B, F32B)                                                                     \
    X(S1, f32_neg, F32B, F32B)                                                                     \
    X(S2, f32_copysign, F32B, F32B, F32B)                                                          \
    X(S1, f64_abs, F64B, F64B)                                                                     \
    X(S1, f64_neg, F64B, F64B)                                                                     \
    X(S2, f64_copysign, F64B, F64B, F64B)                                                          \
    X(S2, f32_add, F32, F32, F32)                                                                  \
    X(S2, f32_sub, F32, F32, F32)                                                                  \
    X(S2, f32_mul, F32, F32, F32)                                                                  \
    X(S2, f32_div, F32, F32, F32)                                                                  \
    X(S1, f32_sqrt, F32, F32)                                                                      \
    X(S1, f32_ceil, F32, F32)                                                                      \
    X(S1, f32_floor, F32, F32)                                                                     \
    X(S1, f32_trunc, F32, F32)                                                                     \
    X(S1, f32_nearest, F32, F32)                                                                   \
    X(S2, f64_add, F64, F64, F64)                                                                  \
    X(S2, f64_sub, F64, F64, F64)                                                                  \
    X(S2, f64_mul, F64, F64, F64)                                                                  \
    X(S2, f64_div, F64, F64, F64)                                                                  \
    X(S1, f64_sqrt, F64, F64)                                                                      \
    X(S1, f64_ceil, F64, F64)                                                                      \
    X(S1, f64_floor, F64, F64)                                                                     \
    X(S1, f64_trunc, F64, F64)                                                                     \
    X(S1, f64_nearest, F64, F64)                                                                   \
    X(S2, f32_min, F32, F32, F32)                                                                  \
    X(S2, f32_max, F32, F32, F32)                                                                  \
    X(S2, f64_min, F64, F64, F64)                                                                  \
    X(S2, f64_max, F64, F64, F64)                                                                  \
    X(T1, i32_trunc_f32_s, U32, F32)                                                               \
    X(T1, i32_trunc_f32_u, U32, F32)                                                               \
    X(T1, i32_trunc_f64_s, U32, F64)                                                               \
    X(T1, i32_trunc_f64_u, U32, F64)                                                               \
    X(T1, i64_trunc_f32_s, U64, F32)                                                               \
    X(T1, i64_trunc_f32_u, U64, F32)                                                               \
    X(T1, i64_trunc_f64_s, U64, F64)                                                               \
    X(T1, i64_trunc_f64_u, U64, F64)                                                               \
    X(S1, i32_trunc_sat_f32_s, U32, F32)                                                           \
    X(S1, i32_trunc_sat_f32_u, U32, F32)                                                           \
    X(S1, i32_trunc_sat_f64_s, U32, F64)                                                           \
    X(S1, i32_trunc_sat_f64_u, U32, F64)                                                           \
    X(S1, i64_trunc_sat_f32_s, U64, F32)                                                           \
    X(S1, i64_trunc_sat_f32_u, U64, F32)                                                           \
    X(S1, i64_trunc_sat_f64_s, U64, F64)                                                           \
    X(S1, i64_trunc_sat_f64_u, U64, F64)                                                           \
    X(S1, f32_convert_i32_s, F32, U32)                                                             \
    X(S1, f32_convert_i32_u, F32, U32)                                                             \
    X(S1, f32_convert_i64_s, F32, U64)                                                             \
    X(S1, f32_convert_i64_u, F32, U64)                                                             \
    X(S1, f64_convert_i32_s, F64, U32)                                                             \
    X(S1, f64_convert_i32_u, F64, U32)                                                             \
    X(S1, f64_convert_i64_s, F64, U64)                                                             \
    X(S1, f64_convert_i64_u, F64, U64)                                                             \
    X(S1, f32_demote_f64, F32, F64)                                                                \
    X(S1, f64_promote_f32, F64, F32)                                                               \
    X(S1, i8x16_splat, V, U32)                                                                     \
    X(S1, i16x8_splat, V, U32)                                                                     \
    X(S1, i32x4_splat, V, U32)                                                                     \
    X(S1, i64x2_splat, V, U64)                                                                     \
    X(S1, f32x4_splat, V, F32)                                                                     \
    X(S1, f64x2_splat, V, F64)                                                                     \
    X(EXTRACT, i8x16_extract_lane_s, U32)                                                          \
    X(EXTRACT, i8x16_extract_lane_u, U32)                                                          \
    X(EXTRACT, i16x8_extract_lane_s, U32)                                                          \
    X(EXTRACT, i16x8_extract_lane_u, U32)                                                          \
    X(EXTRACT, i32x4_extract_lane, U32)                                                            \
    X(EXTRACT, i64x2_extract_lane, U64)                                                            \
    X(EXTRACT, f32x4_extract_lane, F32)                                                            \
    X(EXTRACT, f64x2_extract_lane, F64)                                                            \
    X(REPLACE, i8x16_replace_lane, U32)                                                            \
    X(REPLACE, i16x8_replace_lane, U32)                                                            \
    X(REPLACE, i32x4_replace_lane, U32)                                                            \
    X(REPLACE, i64x2_replace_lane, U64)                                                            \
    X(REPLACE, f32x4_replace_lane, F32)                                                            \
    X(REPLACE, f64x2_replace_lane, F64)                                                            \
    X(SHUFFLE, i8x16_shuffle)                                                                      \
    X(S2, i8x16_swizzle, V, V, V)                                                                  \
    X(S1, v128_not, V, V)                                                                          \
    X(S2, v128_and, V, V, V)                                                                       \
    X(S2, v128_andnot, V, V, V)                                                                    \
    X(S2, v128_or, V, V, V)                                                                        \
    X(S2, v128_xor, V, V, V)                                                                       \
    X(S3, v128_bitselect, V, V, V, V)                                                              \
    X(S1, v128_any_true, U32, V)                                                                   \
    X(S2, i8x16_add, V, V, V)                                                                      \
    X(S2, i16x8_add, V, V, V)                                                                      \
    X(S2, i32x4_add, V, V, V)                                                                      \
    X(S2, i64x2_add, V, V, V)                                                                      \
    X(S2, i8x16_sub, V, V, V)                                                                      \
    X(S2, i16x8_sub, V, V, V)                                                                      \
    X(S2, i32x4_sub, V, V, V)                                                                      \
    X(S2, i64x2_sub, V, V, V)                                                                      \
    X(S2, i16x8_mul, V, V, V)                                                                      \
    X(S2, i32x4_mul, V, V, V)                                                                      \
    X(S2, i64x2_mul, V, V, V)                                                                      \
    X(S1, i8x16_neg, V, V)                                                                         \
    X(S1, i16x8_neg, V, V)                                                                         \
    X(S1, i32x4_neg, V, V)                                                                         \
    X(S1, i64x2_neg, V, V)                                                                         \
    X(S1, i8x16_abs, V, V)                                                                         \
    X(S1, i16x8_abs, V, V)                                                                         \
    X(S1, i32x4_abs, V, V)                                                                         \
    X(S1, i64x2_abs, V, V)                                                                         \
    X(S2, i8x16_min_s, V, V, V)                                                                    \
    X(S2, i8x16_min_u, V, V, V)                                                                    \
    X(S2, i8x16_max_s, V, V, V)                                                                    \
    X(S2, i8x16_max_u, V, V, V)                                                                    \
    X(S2, i16x8_min_s, V, V, V)                                                                    \
    X(S2, i16x8_min_u, V, V, V)                                                                    \
    X(S2, i16x8_max_s, V, V, V)                                                                    \
    X(S2, i16x8_max_u, V, V, V)                                                                    \
    X(S2, i32x4_min_s, V, V, V)                                                                    \
    X(S2, i32x4_min_u, V, V, V)                                                                    \
    X(S2, i32x4_max_s, V, V, V)                                                                    \
    X(S2, i32x4_max_u, V, V, V)                                                                    \
    X(S2, i8x16_add_sat_s, V, V, V)                                                                \
    X(S2, i8x16_add_sat_u, V, V, V)                                                                \
    X(S2, i8x16_sub_sat_s, V, V, V)                                                                \
    X(S2, i8x16_sub_sat_u, V, V, V)                                                                \
    X(S2, i16x8_add_sat_s, V, V, V)                                                                \
    X(S2, i16x8_add_sat_u, V, V, V)                                                                \
    X(S2, i16x8_sub_sat_s, V, V, V)                                                                \
    X(S2, i16x8_sub_sat_u, V, V, V)                                                                \
    X(S2, i8x16_avgr_u, V, V, V)                                                                   \
    X(S2, i16x8_avgr_u, V, V, V)                                                                   \
    X(S1, i8x16_popcnt, V, V)                                                                      \
    X(S2, i16x8_q15mulr_sat_s, V, V, V)                                                            \
    X(S2, i32x4_dot_i16x8_s, V, V, V)                                                              \
    X(S2, i8x16_shl, V, V, U32)                                                                    \
    X(S2, i8x16_shr_s, V, V, U32)                                                                  \
    X(S2, i8x16_shr_u, V, V, U32)                                                                  \
    X(S2, i16x8_shl, V, V, U32)                                                                    \
    X(S2, i16x8_shr_s, V, V, U32)                                                                  \
    X(S2, i16x8_shr_u, V, V, U32)                                                                  \
    X(S2, i32x4_shl, V, V, U32)                                                                    \
    X(S2, i32x4_shr_s, V, V, U32)                                                                  \
    X(S2, i32x4_shr_u, V, V, U32)                                                                  \
    X(S2, i64x2_shl, V, V, U32)                                                                    \
    X(S2, i64x2_shr_s, V, V, U32)                                                                  \
    X(S2, i64x2_shr_u, V, V, U32)                                                                  \
    X(S2, i8x16_eq, V, V, V)                                                                       \
    X(S2, i8x16_ne, V, V, V)                                                                       \
    X(S2, i8x16_lt_s, V, V, V)                                                                     \
    X(S2, i8x16_lt_u, V, V, V)                                                                     \
    X(S2, i8x16_gt_s, V, V, V)                                                                     \
    X(S2, i8x16_gt_u, V, V, V)                                                                     \
    X(S2, i8x16_le_s, V, V, V)                                                                     \
    X(S2, i8x16_le_u, V, V, V)                                                                     \
    X(S2, i8x16_ge_s, V, V, V)                                                                     \
    X(S2, i8x16_ge_u, V, V, V)                                                                     \
    X(S2, i16x8_eq, V, V, V)                                                                       \
    X(S2, i16x8_ne, V, V, V)                                                                       \
    X(S2, i16x8_lt_s, V, V, V)                                                                     \
    X(S2, i16x8_lt_u, V, V, V)                                                                     \
    X(S2, i16x8_gt_s, V, V, V)                                                                     \
    X(S2, i16x8_gt_u, V, V, V)                                                                     \
    X(S2, i16x8_le_s, V, V, V)                                                                     \
    X(S2, i16x8_le_u, V, V, V)                                                                     \
    X(S2, i16x8_ge_s, V, V, V)                                                                     \
    X(S2, i16x8_ge_u, V, V, V)                                                                     \
    X(S2, i32x4_eq, V, V, V)                                                                       \
    X(S2, i32x4_ne, V, V, V)                                                                       \
    X(S2, i32x4_lt_s, V, V, V)                                                                     \
    X(S2, i32x4_lt_u, V, V, V)                                                                     \
    X(S2, i32x4_gt_s, V, V, V)                                                                     \
    X(S2, i32x4_gt_u, V, V, V)                                                                     \
    X(S2, i32x4_le_s, V, V, V)                                                                     \
    X(S2, i32x4_le_u, V, V, V)                                                                     \
    X(S2, i32x4_ge_s, V, V, V)                                                                     \
    X(S2, i32x4_ge_u, V, V, V)                                                                     \
    X(S2, i64x2_eq, V, V, V)                                                                       \
    X(S2, i64x2_ne, V, V, V)                                                                       \
    X(S2, i64x2_lt_s, V, V, V)                                                                     \
    X(S2, i64x2_gt_s, V, V, V)                                                                     \
    X(S2, i64x2_le_s, V, V, V)                                                                     \
    X(S2, i64x2_ge_s, V, V, V)                                                                     \
    X(S1, i8x16_all_true, U32, V)                                                                  \
    X(S1, i16x8_all_true, U32, V)                                                                  \
    X(S1, i32x4_all_true, U32, V)                                                                  \
    X(S1, i64x2_all_true, U32, V)                                                                  \
    X(S1, i8x16_bitmask, U32, V)                                                                   \
    X(S1, i16x8_bitmask, U32, V)                                                                   \
    X(S1, i32x4_bitmask, U32, V)                                                                   \
    X(S1, i64x2_bitmask, U32, V)                                                                   \
    X(S2, i8x16_narrow_i16x8_s, V, V, V)                                                           \
    X(S2, i8x16_narrow_i16x8_u, V, V, V)                                                           \
    X(S2, i16x8_narrow_i32x4_s, V, V, V)                                                           \
    X(S2, i16x8_narrow_i32x4_u, V, V, V)                                                           \
    X(S1, i16x8_extend_low_i8x16_s, V, V)                                                          \
    X(S1, i16x8_extend_high_i8x16_s, V, V)                                                         \
    X(S1, i16x8_extend_low_i8x16_u, V, V)                                                          \
    X(S1, i16x8_extend_high_i8x16_u, V, V)                                                         \
    X(S1, i32x4_extend_low_i16x8_s, V, V)                                                          \
    X(S1, i32x4_extend_high_i16x8_s, V, V)                                                         \
    X(S1, i32x4_extend_low_i16x8_u, V, V)                                                          \
    X(S1, i32x4_extend_high_i16x8_u, V, V)                                                         \
    X(S1, i64x2_extend_low_i32x4_s, V, V)                                                          \
    X(S1, i64x2_extend_high_i32x4_s, V, V)                                                         \
    X(S1, i64x2_extend_low_i32x4_u, V, V)                                                          \
    X(S1, i64x2_extend_high_i32x4_u, V, V)                                                         \
    X(S2, i16x8_extmul_low_i8x16_s, V, V, V)                                                       \
    X(S2, i16x8_extmul_high_i8x16_s, V, V, V)                                                      \
    X(S2, i16x8_extmul_low_i8x16_u, V, V, V)                                                       \
    X(S2, i16x8_extmul_high_i8x16_u, V, V, V)                                                      \
    X(S2, i32x4_extmul_low_i16x8_s, V, V, V)                                                       \
    X(S2, i32x4_extmul_high_i16x8_s, V, V, V)                                                      \
    X(S2, i32x4_extmul_low_i16x8_u, V, V, V)                                                       \
    X(S2, i32x4_extmul_high_i16x8_u, V, V, V)                                                      \
    X(S2, i64x2_extmul_low_i32x4_s, V, V, V)                                                       \
    X(S2, i64x2_extmul_high_i32x4_s, V, V, V)                                                      \
    X(S2, i64x2_extmul_low_i32x4_u, V, V, V)                                                       \
    X(S2, i64x2_extmul_high_i32x4_u, V, V, V)                                                      \
    X(S1, i16x8_extadd_pairwise_i8x16_s, V, V)                                                     \
    X(S1, i16x8_extadd_pairwise_i8x16_u, V, V)                                                     \
    X(S1, i32x4_extadd_pairwise_i16x8_s, V, V)                                                     \
    X(S1, i32x4_extadd_pairwise_i16x8_u, V, V)                                                     \
    X(S1, f32x4_abs, V, V)                                                                         \
    X(S1, f32x4_neg, V, V)                                                                         \
    X(S1, f64x2_abs, V, V)                                                                         \
    X(S1, f64x2_neg, V, V)                                                                         \
    X(S2, f32x4_add, V, V, V)                                                                      \
    X(S2, f32x4_sub, V, V, V)                                                                      \
    X(S2, f32x4_mul, V, V, V)                                                                      \
    X(S2, f32x4_div, V, V, V)                                                                      \
    X(S2, f64x2_add, V, V, V)                                                                      \
    X(S2, f64x2_sub, V, V, V)                                                                      \
    X(S2, f64x2_mul, V, V, V)                                                                      \
    X(S2, f64x2_div, V, V, V)                                                                      \
    X(S1, f32x4_sqrt, V, V)                                                                        \
    X(S1, f32x4_ceil, V, V)                                                                        \
    X(S1, f32x4_floor, V, V)                                                                       \
    X(S1, f32x4_trunc, V, V)                                                                       \
    X(S1, f32x4_nearest, V, V)                                                                     \
    X(S1, f64x2_sqrt, V, V)                                                                        \
    X(S1, f64x2_ceil, V, V)                                                                        \
    X(S1, f64x2_floor, V, V)                                                                       \
    X(S1, f64x2_trunc, V, V)                                                                       \
    X(S1, f64x2_nearest, V, V)                                                                     \
    X(S2, f32x4_min, V, V, V)                                                                      \
    X(S2, f32x4_max, V, V, V)                                                                      \
    X(S2, f64x2_min, V, V, V)                                                                      \
    X(S2, f64x2_max, V, V, V)                                                                      \
    X(S2, f32x4_pmin, V, V, V)                                                                     \
    X(S2, f32x4_pmax, V, V, V)                                                                     \
    X(S2, f64x2_pmin, V, V, V)                                                                     \
    X(S2, f64x2_pmax, V, V, V)                                                                     \
    X(S2, f32x4_eq, V, V, V)                                                                       \
    X(S2, f32x4_ne, V, V, V)                                                                       \
    X(S2, f32x4_lt, V, V, V)                                                                       \
    X(S2, f32x4_gt, V, V, V)                                                                       \
    X(S2, f32x4_le, V, V, V)                                                                       \
    X(S2, f32x4_ge, V, V, V)                                                                       \
    X(S2, f64x2_eq, V, V, V)                                                                       \
    X(S2, f64x2_ne, V, V, V)                                                                       \
    X(S2, f64x2_lt, V, V, V)                                                                       \
    X(S2, f64x2_gt, V, V, V)                                                                       \
    X(S2, f64x2_le, V, V, V)                                                                       \
    X(S2, f64x2_ge, V, V, V)                                                                       \
    X(S1, i32x4_trunc_sat_f32x4_s, V, V)                                                           \
    X(S1, i32x4_trunc_sat_f32x4_u, V, V)                                                           \
    X(S1, i32x4_trunc_sat_f64x2_s_zero, V, V)                                                      \
    X(S1, i32x4_trunc_sat_f64x2_u_zero, V, V)                                                      \
    X(S1, f32x4_convert_i32x4_s, V, V)                                                             \
    X(S1, f32x4_convert_i32x4_u, V, V)                                                             \
    X(S1, f64x2_convert_low_i32x4_s, V, V)                                                         \
    X(S1, f64x2_convert_low_i32x4_u, V, V)                                                         \
    X(S1, f32x4_demote_f64x2_zero, V, V)                                                           \
    X(S1, f64x2_promote_low_f32x4, V, V)

#define X(form, op, ...) DEF_##form(op, ##__VA_ARGS__)
VEIL_TEST_OPS(X)
#undef X

typedef struct op_entry {
    const char *c_name; /* "i32_add"; the wasm name has '.' for the first '_' */
    int arity;
    int imms;
    op_fn fn;
    unsigned long uses; /* spec assertions that applied it */
} op_entry;

static op_entry ops[] = {
#define X(form, op, ...) {#op, ARITY_##form, IMMS_##form, w_##op, 0},
    VEIL_TEST_OPS(X)
#undef X
};

/* Memory instructions: the runner does the bounds check (as the engine
 * will) and hands the helper a pointer to the accessed bytes. */
typedef int (*mem_fn)(const tval *a, uint8_t lane, uint8_t *p, tval *r);

#define DEF_MLOAD(op, R)                                                                           \
    static int m_##op(const tval *a, uint8_t lane, uint8_t *p, tval *r) {                          \
        (void)a;                                                                                   \
        (void)lane;                                                                                \
        SET_##R(r, veil_op_##op(p));                                                               \
        return VEIL_OP_OK;                                                                         \
    }
#define DEF_MSTORE(op, P)                                                                          \
    static int m_##op(const tval *a, uint8_t lane, uint8_t *p, tval *r) {                          \
        (void)lane;                                                                                \
        veil_op_##op(p, ARG_##P(a[1]));                                                            \
        r->type = VT_NONE;                                                                         \
        return VEIL_OP_OK;                                                                         \
    }
#define DEF_MLOADLANE(op, P)                                                                       \
    static int m_##op(const tval *a, uint8_t lane, uint8_t *p, tval *r) {                          \
        SET_V(r, veil_op_##op(p, a[1].v, lane));                                                   \
        return VEIL_OP_OK;                                                                         \
    }
#define DEF_MSTORELANE(op, P)                                                                      \
    static int m_##op(const tval *a, uint8_t lane, uint8_t *p, tval *r) {                          \
        veil_op_##op(p, a[1].v, lane);                                                             \
        r->type = VT_NONE;                                                                         \
        return VEIL_OP_OK;                                                                         \
    }
#define MARITY_MLOAD 1
#define MARITY_MSTORE 2
#define MARITY_MLOADLANE 2
#define MARITY_MSTORELANE 2
#define MLANE_MLOAD false
#define MLANE_MSTORE false
#define MLANE_MLOADLANE true
#define MLANE_MSTORELANE true

/* form, helper, bytes accessed, value type */
#define VEIL_TEST_MEM_OPS(X)                                                                       \
    X(MLOAD, i32_load, 4, U32)                                                                     \
    X(MLOAD, i64_load, 8, U64)                                                                     \
    X(MLOAD, f32_load, 4, F32B)                                                                    \
    X(MLOAD, f64_load, 8, F64B)                                                                    \
    X(MLOAD, i32_load8_s, 1, U32)                                                                  \
    X(MLOAD, i32_load8_u, 1, U32)                                                                  \
    X(MLOAD, i32_load16_s, 2, U32)                                                                 \
    X(MLOAD, i32_load16_u, 2, U32)                                                                 \
    X(MLOAD, i64_load8_s, 1, U64)                                                                  \
    X(MLOAD, i64_load8_u, 1, U64)                                                                  \
    X(MLOAD, i64_load16_s, 2, U64)                                                                 \
    X(MLOAD, i64_load16_u, 2, U64)                                                                 \
    X(MLOAD, i64_load32_s, 4, U64)                                                                 \
    X(MLOAD, i64_load32_u, 4, U64)                                                                 \
    X(MLOAD, v128_load, 16, V)                                                                     \
    X(MLOAD, v128_load8x8_s, 8, V)                                                                 \
    X(MLOAD, v128_load8x8_u, 8, V)                                                                 \
    X(MLOAD, v128_load16x4_s, 8, V)                                                                \
    X(MLOAD, v128_load16x4_u, 8, V)                                                                \
    X(MLOAD, v128_load32x2_s, 8, V)                                                                \
    X(MLOAD, v128_load32x2_u, 8, V)                                                                \
    X(MLOAD, v128_load8_splat, 1, V)                                                               \
    X(MLOAD, v128_load16_splat, 2, V)                                                              \
    X(MLOAD, v128_load32_splat, 4, V)                                                              \
    X(MLOAD, v128_load64_splat, 8, V)                                                              \
    X(MLOAD, v128_load32_zero, 4, V)                                                               \
    X(MLOAD, v128_load64_zero, 8, V)                                                               \
    X(MSTORE, i32_store, 4, U32)                                                                   \
    X(MSTORE, i64_store, 8, U64)                                                                   \
    X(MSTORE, f32_store, 4, F32B)                                                                  \
    X(MSTORE, f64_store, 8, F64B)                                                                  \
    X(MSTORE, i32_store8, 1, U32)                                                                  \
    X(MSTORE, i32_store16, 2, U32)                                                                 \
    X(MSTORE, i64_store8, 1, U64)                                                                  \
    X(MSTORE, i64_store16, 2, U64)                                                                 \
    X(MSTORE, i64_store32, 4, U64)                                                                 \
    X(MSTORE, v128_store, 16, V)                                                                   \
    X(MLOADLANE, v128_load8_lane, 1, V)                                                            \
    X(MLOADLANE, v128_load16_lane, 2, V)                                                           \
    X(MLOADLANE, v128_load32_lane, 4, V)                                                           \
    X(MLOADLANE, v128_load64_lane, 8, V)                                                           \
    X(MSTORELANE, v128_store8_lane, 1, V)                                                          \
    X(MSTORELANE, v128_store16_lane, 2, V)                                                         \
    X(MSTORELANE, v128_store32_lane, 4, V)                                                         \
    X(MSTORELANE, v128_store64_lane, 8, V)

#define X(form, op, size, T) DEF_##form(op, T)
VEIL_TEST_MEM_OPS(X)
#undef X

typedef struct mem_op_entry {
    const char *c_name;
    int arity;
    bool has_lane;
    uint32_t size;
    mem_fn fn;
    unsigned long uses;
} mem_op_entry;

static mem_op_entry mem_ops[] = {
#define X(form, op, size, T) {#op, MARITY_##form, MLANE_##form, size, m_##op, 0},
    VEIL_TEST_MEM_OPS(X)
#undef X
};

#define TRAP_MEMORY_OOB 100 /* the runner's own code for "out of bounds memory access" */

/* "i32.load" -> "i32_load" */
static bool c_name_of(const char *wasm_name, char *c_name, size_t size) {
    size_t n = strlen(wasm_name);
    if (n >= size)
        return false;
    memcpy(c_name, wasm_name, n + 1);
    char *dot = strchr(c_name, '.');
    if (dot == NULL)
        return false;
    *dot = '_';
    return true;
}

static mem_op_entry *find_mem_op(const char *wasm_name) {
    char c_name[64];
    if (!c_name_of(wasm_name, c_name, sizeof(c_name)))
        return NULL;
    for (size_t i = 0; i < sizeof(mem_ops) / sizeof(mem_ops[0]); i++)
        if (strcmp(mem_ops[i].c_name, c_name) == 0)
            return &mem_ops[i];
    return NULL;
}

static op_entry *find_op(const char *wasm_name) {
    char c_name[64];
    if (!c_name_of(wasm_name, c_name, sizeof(c_name)))
        return NULL;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strcmp(ops[i].c_name, c_name) == 0)
            return &ops[i];
    return NULL;
}

/* ---- S-expressions ------------------------------------------------------------ */

typedef struct node {
    bool is_list;
    bool is_string;
    char *atom; /* atoms and strings (string contents without quotes) */
    struct node **kids;
    size_t nkids, cap;
} node;

static void node_free(node *n) {
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    free(n->atom);
    free(n);
}

static void node_add(node *list, node *kid) {
    if (list->nkids == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 8;
        list->kids = realloc(list->kids, list->cap * sizeof(*list->kids));
        assert_non_null(list->kids);
    }
    list->kids[list->nkids++] = kid;
}

static node *node_new(bool is_list) {
    node *n = calloc(1, sizeof(*n));
    assert_non_null(n);
    n->is_list = is_list;
    return n;
}

static void skip_space(const char **p) {
    for (;;) {
        const char *s = *p;
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        if (s[0] == ';' && s[1] == ';') {
            while (*s && *s != '\n')
                s++;
            *p = s;
        } else if (s[0] == '(' && s[1] == ';') {
            int depth = 0;
            do {
                if (s[0] == '(' && s[1] == ';') {
                    depth++;
                    s += 2;
                } else if (s[0] == ';' && s[1] == ')') {
                    depth--;
                    s += 2;
                } else {
                    assert_true(*s != '\0');
                    s++;
                }
            } while (depth > 0);
            *p = s;
        } else {
            *p = s;
            return;
        }
    }
}

/* Parses one expression at *p; NULL at the end of input or a ')'. */
static node *parse_expr(const char **p) {
    skip_space(p);
    const char *s = *p;
    if (*s == '\0' || *s == ')')
        return NULL;
    if (*s == '(') {
        node *list = node_new(true);
        *p = s + 1;
        node *kid;
        while ((kid = parse_expr(p)) != NULL)
            node_add(list, kid);
        assert_int_equal(**p, ')');
        (*p)++;
        return list;
    }
    node *atom = node_new(false);
    const char *start = s;
    if (*s == '"') {
        atom->is_string = true;
        start = ++s;
        while (*s != '"') {
            assert_true(*s != '\0');
            s += *s == '\\' ? 2 : 1;
        }
        atom->atom = strndup(start, (size_t)(s - start));
        s++;
    } else {
        while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '(' &&
               *s != ')' && *s != ';')
            s++;
        atom->atom = strndup(start, (size_t)(s - start));
    }
    assert_non_null(atom->atom);
    *p = s;
    return atom;
}

static bool is_atom(const node *n, const char *text) {
    return n != NULL && !n->is_list && !n->is_string && strcmp(n->atom, text) == 0;
}

static bool is_form(const node *n, const char *head) {
    return n != NULL && n->is_list && n->nkids > 0 && is_atom(n->kids[0], head);
}

/* ---- Literals -------------------------------------------------------------------- */

/* Copies a numeric literal without '_' separators. */
static bool clean_number(const char *text, char *buf, size_t size) {
    size_t n = 0;
    for (const char *s = text; *s; s++) {
        if (*s == '_')
            continue;
        if (n + 1 >= size)
            return false;
        buf[n++] = *s;
    }
    buf[n] = '\0';
    return n > 0;
}

/* An integer literal of `bits` bits (signed or unsigned spelling). */
static bool parse_int(const char *text, int bits, uint64_t *out) {
    char buf[128];
    if (!clean_number(text, buf, sizeof(buf)))
        return false;
    const char *s = buf;
    bool negative = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0')
        return false;
    char *end;
    errno = 0;
    unsigned long long magnitude = strtoull(s, &end, base);
    if (*end != '\0' || errno != 0)
        return false;
    uint64_t v = negative ? (uint64_t)0 - (uint64_t)magnitude : (uint64_t)magnitude;
    *out = bits == 64 ? v : v & ((UINT64_C(1) << bits) - 1);
    return true;
}

/* A float literal as the bit pattern of an f32 (bits 32) or f64 (64). */
static bool parse_float(const char *text, int bits, uint64_t *out) {
    char buf[256];
    if (!clean_number(text, buf, sizeof(buf)))
        return false;
    const char *s = buf;
    bool negative = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    uint64_t sign = negative ? (bits == 32 ? VEIL_OP_F32_SIGN : VEIL_OP_F64_SIGN) : 0;
    uint64_t exp_all = bits == 32 ? 0x7f800000u : UINT64_C(0x7ff0000000000000);
    if (strcmp(s, "inf") == 0) {
        *out = sign | exp_all;
        return true;
    }
    if (strncmp(s, "nan", 3) == 0) {
        uint64_t payload = bits == 32 ? VEIL_OP_F32_QUIET : VEIL_OP_F64_QUIET;
        if (s[3] == ':') {
            char *end;
            errno = 0;
            payload = strtoull(s + 4, &end, 16);
            if (strncmp(s + 4, "0x", 2) != 0 || *end != '\0' || errno != 0 || payload == 0)
                return false;
        } else if (s[3] != '\0') {
            return false;
        }
        *out = sign | exp_all | payload;
        return true;
    }
    char *end;
    if (bits == 32) {
        float f = strtof(s, &end);
        *out = veil_op_i32_reinterpret_f32(f) | sign;
    } else {
        double d = strtod(s, &end);
        *out = veil_op_i64_reinterpret_f64(d) | sign;
    }
    return *end == '\0' && end != s;
}

/* How an expected float matches: exact bits, or any NaN of a class. */
enum nan_class { NAN_EXACT, NAN_CANONICAL, NAN_ARITHMETIC };

static enum nan_class nan_class_of(const node *n) {
    if (n != NULL && !n->is_list) {
        if (strcmp(n->atom, "nan:canonical") == 0)
            return NAN_CANONICAL;
        if (strcmp(n->atom, "nan:arithmetic") == 0)
            return NAN_ARITHMETIC;
    }
    return NAN_EXACT;
}

static bool float_matches(uint64_t got, uint64_t want, enum nan_class cls, int bits) {
    uint64_t quiet_nan = bits == 32 ? 0x7fc00000u : UINT64_C(0x7ff8000000000000);
    uint64_t magnitude = bits == 32 ? got & 0x7fffffffu : got & ~VEIL_OP_F64_SIGN;
    switch (cls) {
    case NAN_CANONICAL:
        return magnitude == quiet_nan;
    case NAN_ARITHMETIC:
        return (magnitude & quiet_nan) == quiet_nan;
    case NAN_EXACT:
    default:
        return got == want;
    }
}

/* Shapes of v128.const. */
typedef struct shape {
    const char *name;
    int lanes;
    int bits;
    bool is_float;
} shape;

static const shape shapes[] = {
    {"i8x16", 16, 8, false}, {"i16x8", 8, 16, false}, {"i32x4", 4, 32, false},
    {"i64x2", 2, 64, false}, {"f32x4", 4, 32, true},  {"f64x2", 2, 64, true},
};

static const shape *find_shape(const node *n) {
    for (size_t i = 0; n != NULL && !n->is_list && i < sizeof(shapes) / sizeof(shapes[0]); i++)
        if (strcmp(n->atom, shapes[i].name) == 0)
            return &shapes[i];
    return NULL;
}

static void set_lane(veil_v128 *v, const shape *sh, int lane, uint64_t bits) {
    int bytes = sh->bits / 8;
    uint8_t raw[16];
    memcpy(raw, v, 16);
    memcpy(raw + lane * bytes, &bits, (size_t)bytes); /* little-endian host */
    memcpy(v, raw, 16);
}

static uint64_t get_lane(veil_v128 v, const shape *sh, int lane) {
    int bytes = sh->bits / 8;
    uint8_t raw[16];
    uint64_t bits = 0;
    memcpy(raw, &v, 16);
    memcpy(&bits, raw + lane * bytes, (size_t)bytes);
    return bits;
}

/* Parses the lanes of a v128 constant, items[0] being the shape; classes (if
 * non-NULL) receives each lane's NaN class. */
static bool parse_v128_lanes(node *const *items, size_t count, veil_v128 *out,
                             const shape **shape_out, enum nan_class classes[16]) {
    const shape *sh = count > 0 ? find_shape(items[0]) : NULL;
    if (sh == NULL || count != (size_t)sh->lanes + 1)
        return false;
    veil_v128 v = {0};
    for (int i = 0; i < sh->lanes; i++) {
        const node *lane = items[i + 1];
        if (lane->is_list)
            return false;
        uint64_t bits = 0;
        enum nan_class cls = nan_class_of(lane);
        if (classes != NULL)
            classes[i] = cls;
        bool ok = cls != NAN_EXACT || (sh->is_float ? parse_float(lane->atom, sh->bits, &bits)
                                                    : parse_int(lane->atom, sh->bits, &bits));
        if (!ok)
            return false;
        set_lane(&v, sh, i, bits);
    }
    *out = v;
    if (shape_out != NULL)
        *shape_out = sh;
    return true;
}

/* A constant expression (T.const ...) as a value. */
static bool parse_const(const node *n, tval *out) {
    if (!n->is_list || n->nkids < 2 || n->kids[0]->is_list)
        return false;
    const char *head = n->kids[0]->atom;
    memset(out, 0, sizeof(*out));
    if (strcmp(head, "v128.const") == 0) {
        out->type = VT_V128;
        return parse_v128_lanes(n->kids + 1, n->nkids - 1, &out->v, NULL, NULL);
    }
    if (n->nkids != 2 || n->kids[1]->is_list)
        return false;
    const char *text = n->kids[1]->atom;
    if (strcmp(head, "i32.const") == 0) {
        out->type = VT_I32;
        return parse_int(text, 32, &out->bits);
    }
    if (strcmp(head, "i64.const") == 0) {
        out->type = VT_I64;
        return parse_int(text, 64, &out->bits);
    }
    if (strcmp(head, "f32.const") == 0) {
        out->type = VT_F32;
        return parse_float(text, 32, &out->bits);
    }
    if (strcmp(head, "f64.const") == 0) {
        out->type = VT_F64;
        return parse_float(text, 64, &out->bits);
    }
    return false;
}

/* ---- Evaluating function bodies ---------------------------------------------------- */

enum eval_status { EVAL_OK, EVAL_TRAP, EVAL_UNSUPPORTED };

#define MAX_LOCALS 32

/* A module global the runner models (constant initialiser). */
typedef struct global {
    char *name; /* "$g" or NULL */
    tval value;
} global;

typedef struct machine {
    tval locals[MAX_LOCALS]; /* parameters, then declared locals */
    char *local_names[MAX_LOCALS];
    size_t nlocals;
    global *globals;
    size_t nglobals;
    tval stack[64];
    size_t depth;
    int trap;
    uint8_t *mem; /* the module's memory, NULL when it has none */
    size_t mem_len;
} machine;

typedef struct func {
    char *export_name;
    node *decl; /* the (func ...) form */
    size_t body_start;
    char *local_names[MAX_LOCALS]; /* "$x" or NULL */
    enum vtype local_types[MAX_LOCALS];
    size_t nparams, nlocals; /* nlocals includes the parameters */
} func;

/* Resolves a local or global reference ($name or index) among n names. */
static bool resolve_index(const node *ref, char *const *names, size_t stride, size_t n,
                          size_t *index) {
    if (ref == NULL || ref->is_list || ref->is_string)
        return false;
    if (ref->atom[0] == '$') {
        for (size_t i = 0; i < n; i++) {
            const char *name = *(char *const *)((const char *)names + i * stride);
            if (name != NULL && strcmp(name, ref->atom) == 0) {
                *index = i;
                return true;
            }
        }
        return false;
    }
    uint64_t v;
    if (!parse_int(ref->atom, 32, &v) || v >= n)
        return false;
    *index = (size_t)v;
    return true;
}

static bool local_index(const machine *m, const node *ref, size_t *index) {
    return resolve_index(ref, m->local_names, sizeof(char *), m->nlocals, index);
}

static bool global_index(const machine *m, const node *ref, size_t *index) {
    return m->nglobals > 0 &&
           resolve_index(ref, &m->globals[0].name, sizeof(global), m->nglobals, index) &&
           m->globals[*index].value.type != VT_NONE;
}

static enum eval_status push(machine *m, const tval *v) {
    if (m->depth == sizeof(m->stack) / sizeof(m->stack[0]))
        return EVAL_UNSUPPORTED;
    m->stack[m->depth++] = *v;
    return EVAL_OK;
}

static enum eval_status apply(machine *m, op_entry *op, const uint8_t *imm) {
    if (m->depth < (size_t)op->arity)
        return EVAL_UNSUPPORTED;
    m->depth -= (size_t)op->arity;
    tval result;
    memset(&result, 0, sizeof(result));
    int trap = op->fn(&m->stack[m->depth], imm, &result);
    op->uses++;
    if (trap != VEIL_OP_OK) {
        m->trap = trap;
        return EVAL_TRAP;
    }
    return push(m, &result);
}

static enum eval_status apply_mem(machine *m, mem_op_entry *op, uint64_t offset, uint8_t lane) {
    if (m->depth < (size_t)op->arity || m->mem == NULL)
        return EVAL_UNSUPPORTED;
    m->depth -= (size_t)op->arity;
    const tval *a = &m->stack[m->depth];
    uint64_t ea = (uint64_t)(uint32_t)a[0].bits + offset;
    op->uses++;
    if (ea > m->mem_len || m->mem_len - ea < op->size) {
        m->trap = TRAP_MEMORY_OOB;
        return EVAL_TRAP;
    }
    tval result;
    memset(&result, 0, sizeof(result));
    int trap = op->fn(a, lane, m->mem + ea, &result);
    assert_int_equal(trap, VEIL_OP_OK);
    return result.type == VT_NONE ? EVAL_OK : push(m, &result);
}

static bool parse_imms(node *const *items, size_t count, int imms, uint8_t *imm) {
    if (count < (size_t)imms)
        return false;
    for (int i = 0; i < imms; i++) {
        uint64_t v;
        if (items[i]->is_list || !parse_int(items[i]->atom, 32, &v) || v > 255)
            return false;
        imm[i] = (uint8_t)v;
    }
    return true;
}

/* Reads the immediates of instruction `name` from items (as many as it
 * takes), runs it, and reports how many items it consumed. */
static enum eval_status eval_instr(machine *m, const char *name, node *const *items, size_t count,
                                   size_t *consumed) {
    *consumed = 0;
    bool is_get = strcmp(name, "local.get") == 0, is_set = strcmp(name, "local.set") == 0,
         is_tee = strcmp(name, "local.tee") == 0;
    if (is_get || is_set || is_tee) {
        size_t index;
        if (count < 1 || !local_index(m, items[0], &index))
            return EVAL_UNSUPPORTED;
        *consumed = 1;
        if (is_get)
            return push(m, &m->locals[index]);
        if (m->depth == 0 || m->stack[m->depth - 1].type != m->locals[index].type)
            return EVAL_UNSUPPORTED;
        m->locals[index] = m->stack[m->depth - 1];
        if (is_set)
            m->depth--;
        return EVAL_OK;
    }
    if (strcmp(name, "global.get") == 0 || strcmp(name, "global.set") == 0) {
        size_t index;
        if (count < 1 || !global_index(m, items[0], &index))
            return EVAL_UNSUPPORTED;
        *consumed = 1;
        if (name[7] == 'g')
            return push(m, &m->globals[index].value);
        if (m->depth == 0 || m->stack[m->depth - 1].type != m->globals[index].value.type)
            return EVAL_UNSUPPORTED;
        m->globals[index].value = m->stack[--m->depth];
        return EVAL_OK;
    }
    if (strcmp(name, "drop") == 0) {
        if (m->depth == 0)
            return EVAL_UNSUPPORTED;
        m->depth--;
        return EVAL_OK;
    }
    if (strcmp(name, "nop") == 0)
        return EVAL_OK;
    if (strstr(name, ".const") != NULL) {
        size_t len = 1;
        if (strcmp(name, "v128.const") == 0) {
            const shape *sh = count > 0 ? find_shape(items[0]) : NULL;
            if (sh == NULL)
                return EVAL_UNSUPPORTED;
            len = 1 + (size_t)sh->lanes;
        }
        if (count < len)
            return EVAL_UNSUPPORTED;
        node *form[18];
        node head = {.atom = (char *)name};
        form[0] = &head;
        memcpy(form + 1, items, len * sizeof(*items));
        node tmp = {.is_list = true, .kids = form, .nkids = len + 1};
        tval c;
        if (!parse_const(&tmp, &c))
            return EVAL_UNSUPPORTED;
        *consumed = len;
        return push(m, &c);
    }
    mem_op_entry *mop = find_mem_op(name);
    if (mop != NULL) {
        uint64_t offset = 0, ignored;
        size_t i = 0;
        for (; i < count && !items[i]->is_list; i++) {
            const char *t = items[i]->atom;
            if (strncmp(t, "offset=", 7) == 0) {
                if (!parse_int(t + 7, 64, &offset))
                    return EVAL_UNSUPPORTED;
            } else if (strncmp(t, "align=", 6) == 0) {
                if (!parse_int(t + 6, 64, &ignored))
                    return EVAL_UNSUPPORTED;
            } else {
                break;
            }
        }
        uint8_t lane = 0;
        if (mop->has_lane) {
            if (!parse_imms(items + i, count - i, 1, &lane))
                return EVAL_UNSUPPORTED;
            i++;
        }
        *consumed = i;
        return apply_mem(m, mop, offset, lane);
    }
    op_entry *op = find_op(name);
    uint8_t imm[16];
    if (op == NULL || !parse_imms(items, count, op->imms, imm))
        return EVAL_UNSUPPORTED;
    *consumed = (size_t)op->imms;
    return apply(m, op, imm);
}

/* Evaluates instructions items[0..count), flat and folded mixed: a folded
 * (instr imm* operand*) evaluates its operand forms first. */
static enum eval_status eval_seq(machine *m, node *const *items, size_t count) {
    size_t i = 0;
    while (i < count) {
        const node *n = items[i];
        size_t used;
        enum eval_status st;
        if (n->is_list) {
            if (n->nkids == 0 || n->kids[0]->is_list || n->kids[0]->is_string)
                return EVAL_UNSUPPORTED;
            /* Immediates are the atoms after the name; operands the lists. */
            size_t nimm = 1;
            while (nimm < n->nkids && !n->kids[nimm]->is_list)
                nimm++;
            st = eval_seq(m, n->kids + nimm, n->nkids - nimm);
            if (st != EVAL_OK)
                return st;
            st = eval_instr(m, n->kids[0]->atom, n->kids + 1, nimm - 1, &used);
            if (st != EVAL_OK)
                return st;
            if (used != nimm - 1)
                return EVAL_UNSUPPORTED;
            i++;
            continue;
        }
        if (n->is_string)
            return EVAL_UNSUPPORTED;
        st = eval_instr(m, n->atom, items + i + 1, count - i - 1, &used);
        if (st != EVAL_OK)
            return st;
        i += 1 + used;
    }
    return EVAL_OK;
}

static enum vtype vtype_of(const node *n) {
    static const char *const names[] = {"i32", "i64", "f32", "f64", "v128"};
    static const enum vtype types[] = {VT_I32, VT_I64, VT_F32, VT_F64, VT_V128};
    for (size_t i = 0; n != NULL && !n->is_list && !n->is_string && i < 5; i++)
        if (strcmp(n->atom, names[i]) == 0)
            return types[i];
    return VT_NONE;
}

/* Reads a (func ...) form's export name, parameters, locals and where its
 * body starts; false for functions the runner cannot invoke. */
static bool read_func(node *decl, func *f) {
    memset(f, 0, sizeof(*f));
    f->decl = decl;
    size_t i = 1;
    if (i < decl->nkids && !decl->kids[i]->is_list && decl->kids[i]->atom[0] == '$')
        i++;
    for (; i < decl->nkids && decl->kids[i]->is_list; i++) {
        node *k = decl->kids[i];
        bool is_param = is_form(k, "param"), is_local = is_form(k, "local");
        if (is_form(k, "export") && k->nkids == 2 && k->kids[1]->is_string) {
            if (f->export_name == NULL)
                f->export_name = k->kids[1]->atom;
        } else if (is_param || is_local) {
            if (is_param && f->nlocals != f->nparams)
                return false; /* params after locals: not valid text anyway */
            bool named = k->nkids == 3 && !k->kids[1]->is_list && k->kids[1]->atom[0] == '$';
            for (size_t j = named ? 2 : 1; j < k->nkids; j++) {
                enum vtype t = vtype_of(k->kids[j]);
                if (f->nlocals == MAX_LOCALS || t == VT_NONE)
                    return false;
                f->local_names[f->nlocals] = named ? k->kids[1]->atom : NULL;
                f->local_types[f->nlocals++] = t;
                if (is_param)
                    f->nparams++;
            }
        } else if (is_form(k, "result")) {
            continue;
        } else if (is_form(k, "type") || is_form(k, "import")) {
            return false;
        } else {
            break;
        }
    }
    f->body_start = i;
    return f->export_name != NULL;
}

/* ---- Running a file ------------------------------------------------------------------- */

typedef struct file_stats {
    unsigned long checked, failed, skipped;
} file_stats;

static void describe(const tval *v, char *buf, size_t size) {
    switch (v->type) {
    case VT_I32:
    case VT_F32:
        snprintf(buf, size, "0x%08llx", (unsigned long long)(uint32_t)v->bits);
        break;
    case VT_I64:
    case VT_F64:
        snprintf(buf, size, "0x%016llx", (unsigned long long)v->bits);
        break;
    case VT_V128: {
        uint8_t raw[16];
        memcpy(raw, &v->v, 16);
        size_t n = 0;
        for (int i = 0; i < 16 && n + 3 < size; i++)
            n += (size_t)snprintf(buf + n, size - n, "%02x", raw[i]);
        break;
    }
    default:
        snprintf(buf, size, "(none)");
    }
}

/* Compares one result with an expected (T.const ...) form. */
static bool result_matches(const tval *got, const node *want) {
    if (!want->is_list || want->nkids < 2 || want->kids[0]->is_list)
        return false;
    const char *head = want->kids[0]->atom;
    if (strcmp(head, "v128.const") == 0) {
        veil_v128 v;
        const shape *sh;
        enum nan_class classes[16];
        if (got->type != VT_V128 ||
            !parse_v128_lanes(want->kids + 1, want->nkids - 1, &v, &sh, classes))
            return false;
        for (int i = 0; i < sh->lanes; i++) {
            uint64_t g = get_lane(got->v, sh, i), w = get_lane(v, sh, i);
            if (sh->is_float ? !float_matches(g, w, classes[i], sh->bits) : g != w)
                return false;
        }
        return true;
    }
    enum nan_class cls = want->nkids == 2 ? nan_class_of(want->kids[1]) : NAN_EXACT;
    if (cls != NAN_EXACT) {
        if (strcmp(head, "f32.const") == 0)
            return got->type == VT_F32 && float_matches(got->bits, 0, cls, 32);
        if (strcmp(head, "f64.const") == 0)
            return got->type == VT_F64 && float_matches(got->bits, 0, cls, 64);
        return false;
    }
    tval w;
    if (!parse_const(want, &w) || w.type != got->type)
        return false;
    return w.bits == got->bits;
}

static int trap_code_of(const char *message) {
    if (strcmp(message, "integer divide by zero") == 0)
        return VEIL_OP_TRAP_DIV_BY_ZERO;
    if (strcmp(message, "integer overflow") == 0)
        return VEIL_OP_TRAP_INT_OVERFLOW;
    if (strcmp(message, "invalid conversion to integer") == 0)
        return VEIL_OP_TRAP_INVALID_CONVERSION;
    if (strcmp(message, "out of bounds memory access") == 0)
        return TRAP_MEMORY_OOB;
    return -1;
}

/* The state of the current module: its exported functions and memory. */
/* The state of the current module: its exported functions, globals and
 * memory.  state_unknown is set once a call that may have changed memory or
 * globals could not be evaluated; from then on nothing reads them. */
typedef struct module_state {
    func *funcs;
    size_t nfuncs;
    global *globals;
    size_t nglobals;
    uint8_t *mem; /* NULL: no memory, or one the runner does not model */
    size_t mem_len;
    bool state_unknown;
} module_state;

/* Whether code may write memory or globals (conservatively). */
static bool may_write_state(const node *n) {
    if (!n->is_list)
        return !n->is_string &&
               (strstr(n->atom, "store") != NULL || strncmp(n->atom, "memory.", 7) == 0 ||
                strcmp(n->atom, "global.set") == 0 || strncmp(n->atom, "call", 4) == 0 ||
                strncmp(n->atom, "table.", 6) == 0);
    for (size_t i = 0; i < n->nkids; i++)
        if (may_write_state(n->kids[i]))
            return true;
    return false;
}

/* Runs (invoke "name" args...) in m; EVAL_UNSUPPORTED when the runner cannot
 * evaluate it, in which case counters, memory and globals are as before
 * (and the module state is marked unknown if the call could have changed
 * it). */
static enum eval_status run_invoke(module_state *mod, const node *invoke, machine *m) {
    if (!is_form(invoke, "invoke") || invoke->nkids < 2 || !invoke->kids[1]->is_string)
        return EVAL_UNSUPPORTED;
    func *f = NULL;
    for (size_t i = 0; i < mod->nfuncs; i++)
        if (strcmp(mod->funcs[i].export_name, invoke->kids[1]->atom) == 0)
            f = &mod->funcs[i];
    if (f == NULL) {
        mod->state_unknown = true;
        return EVAL_UNSUPPORTED;
    }
    size_t nargs = invoke->nkids - 2;
    bool args_ok = nargs == f->nparams;
    memset(m, 0, sizeof(*m));
    for (size_t i = 0; args_ok && i < f->nlocals; i++) {
        m->local_names[i] = f->local_names[i];
        if (i < nargs)
            args_ok = parse_const(invoke->kids[2 + i], &m->locals[i]) &&
                      m->locals[i].type == f->local_types[i];
        else
            m->locals[i].type = f->local_types[i]; /* zero-initialised local */
    }
    m->nlocals = f->nlocals;
    if (!mod->state_unknown) {
        m->mem = mod->mem;
        m->mem_len = mod->mem_len;
        m->globals = mod->globals;
        m->nglobals = mod->nglobals;
    }

    unsigned long saved[sizeof(ops) / sizeof(ops[0])];
    unsigned long saved_mem_ops[sizeof(mem_ops) / sizeof(mem_ops[0])];
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        saved[i] = ops[i].uses;
    for (size_t i = 0; i < sizeof(mem_ops) / sizeof(mem_ops[0]); i++)
        saved_mem_ops[i] = mem_ops[i].uses;
    uint8_t *saved_mem = NULL;
    global *saved_globals = NULL;
    if (m->mem_len > 0) {
        saved_mem = malloc(m->mem_len);
        assert_non_null(saved_mem);
        memcpy(saved_mem, m->mem, m->mem_len);
    }
    if (m->nglobals > 0) {
        saved_globals = malloc(m->nglobals * sizeof(global));
        assert_non_null(saved_globals);
        memcpy(saved_globals, m->globals, m->nglobals * sizeof(global));
    }
    enum eval_status st =
        args_ok ? eval_seq(m, f->decl->kids + f->body_start, f->decl->nkids - f->body_start)
                : EVAL_UNSUPPORTED;
    if (st == EVAL_UNSUPPORTED) {
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
            ops[i].uses = saved[i];
        for (size_t i = 0; i < sizeof(mem_ops) / sizeof(mem_ops[0]); i++)
            mem_ops[i].uses = saved_mem_ops[i];
        if (saved_mem != NULL)
            memcpy(m->mem, saved_mem, m->mem_len);
        if (saved_globals != NULL)
            memcpy(m->globals, saved_globals, m->nglobals * sizeof(global));
        if (may_write_state(f->decl))
            mod->state_unknown = true;
    }
    free(saved_mem);
    free(saved_globals);
    return st;
}

static void run_assertion(const char *file, const node *cmd, module_state *mod, file_stats *stats) {
    bool is_trap = is_form(cmd, "assert_trap");
    const node *invoke = cmd->nkids >= 2 ? cmd->kids[1] : NULL;
    int want_trap = -1;
    if (is_trap) {
        want_trap =
            cmd->nkids == 3 && cmd->kids[2]->is_string ? trap_code_of(cmd->kids[2]->atom) : -1;
        if (want_trap < 0 || !is_form(invoke, "invoke")) {
            stats->skipped++;
            return;
        }
    }
    machine m;
    enum eval_status st = run_invoke(mod, invoke, &m);
    if (st == EVAL_UNSUPPORTED) {
        stats->skipped++;
        return;
    }
    bool ok;
    char detail[256] = "";
    if (is_trap) {
        ok = st == EVAL_TRAP && m.trap == want_trap;
        snprintf(detail, sizeof(detail), "trap %d, wanted %d", st == EVAL_TRAP ? m.trap : 0,
                 want_trap);
    } else {
        size_t nwant = cmd->nkids - 2;
        ok = st == EVAL_OK && m.depth == nwant;
        for (size_t i = 0; ok && i < nwant; i++)
            ok = result_matches(&m.stack[i], cmd->kids[2 + i]);
        if (!ok) {
            if (st == EVAL_TRAP)
                snprintf(detail, sizeof(detail), "trapped with %d", m.trap);
            else if (m.depth > 0)
                describe(&m.stack[0], detail, sizeof(detail));
        }
    }
    stats->checked++;
    if (!ok) {
        stats->failed++;
        if (stats->failed <= 20)
            print_error("%s: %s \"%s\" failed: got %s\n", file, cmd->kids[0]->atom,
                        invoke->kids[1]->atom, detail);
    }
}

/* Appends the bytes of a wat string literal (escapes decoded) to buf. */
static bool decode_string(const char *text, uint8_t **buf, size_t *len) {
    size_t cap = *len + strlen(text);
    uint8_t *out = realloc(*buf, cap + 1);
    assert_non_null(out);
    *buf = out;
    for (const char *t = text; *t;) {
        if (*t != '\\') {
            out[(*len)++] = (uint8_t)*t++;
            continue;
        }
        t++;
        static const char simple_from[] = "nrt\\'\"";
        static const char simple_to[] = "\n\r\t\\'\"";
        const char *simple = strchr(simple_from, *t);
        if (*t != '\0' && simple != NULL) {
            out[(*len)++] = (uint8_t)simple_to[simple - simple_from];
            t++;
        } else if (isxdigit((unsigned char)t[0]) && isxdigit((unsigned char)t[1])) {
            char hex[3] = {t[0], t[1], '\0'};
            out[(*len)++] = (uint8_t)strtoul(hex, NULL, 16);
            t += 2;
        } else {
            return false; /* \u{...} does not occur in the files used */
        }
    }
    return true;
}

/* Reads a module's exported functions, memory size and active data segments.
 * Anything the runner does not model leaves the module without memory, so
 * functions that touch it are skipped. */
static void load_module(node *cmd, module_state *mod) {
    free(mod->funcs);
    free(mod->globals);
    free(mod->mem);
    memset(mod, 0, sizeof(*mod));
    mod->funcs = calloc(cmd->nkids, sizeof(*mod->funcs));
    mod->globals = calloc(cmd->nkids, sizeof(*mod->globals));
    assert_non_null(mod->funcs);
    assert_non_null(mod->globals);
    bool memory_ok = true;
    for (size_t k = 1; k < cmd->nkids; k++) {
        node *item = cmd->kids[k];
        if (is_form(item, "func") && read_func(item, &mod->funcs[mod->nfuncs])) {
            mod->nfuncs++;
        } else if (is_form(item, "global")) {
            /* (global $name? (export "x")* type-or-(mut type) const-expr) */
            global *g = &mod->globals[mod->nglobals++];
            size_t at = 1;
            if (at < item->nkids && !item->kids[at]->is_list && item->kids[at]->atom[0] == '$')
                g->name = item->kids[at++]->atom;
            while (at < item->nkids && is_form(item->kids[at], "export"))
                at++;
            if (at + 2 == item->nkids && !parse_const(item->kids[at + 1], &g->value))
                g->value.type = VT_NONE; /* imported or computed: not modelled */
        } else if (is_form(item, "import")) {
            memory_ok = false; /* imported globals would shift the indices */
            mod->nglobals = 0;
            break;
        } else if (is_form(item, "memory")) {
            size_t at = 1;
            if (at < item->nkids && !item->kids[at]->is_list && item->kids[at]->atom[0] == '$')
                at++;
            uint64_t pages;
            if (at >= item->nkids || item->kids[at]->is_list || item->kids[at]->is_string ||
                !parse_int(item->kids[at]->atom, 32, &pages) || pages > 2 || mod->mem_len > 0) {
                memory_ok = false;
                continue;
            }
            mod->mem_len = (size_t)pages * 65536;
            mod->mem = calloc(1, mod->mem_len + 1);
            assert_non_null(mod->mem);
        }
    }
    /* Data segments after the memory is known (they may come first). */
    for (size_t k = 1; k < cmd->nkids && memory_ok; k++) {
        node *item = cmd->kids[k];
        if (!is_form(item, "data"))
            continue;
        size_t at = 1;
        if (at < item->nkids && !item->kids[at]->is_list && item->kids[at]->atom[0] == '$')
            at++;
        node *offset_expr = at < item->nkids ? item->kids[at] : NULL;
        if (is_form(offset_expr, "offset") && offset_expr->nkids == 2)
            offset_expr = offset_expr->kids[1];
        tval offset;
        if (offset_expr == NULL || !parse_const(offset_expr, &offset) || offset.type != VT_I32) {
            memory_ok = false;
            break;
        }
        uint8_t *bytes = NULL;
        size_t len = 0;
        for (size_t j = at + 1; j < item->nkids && memory_ok; j++)
            memory_ok =
                item->kids[j]->is_string && decode_string(item->kids[j]->atom, &bytes, &len);
        if (memory_ok && (offset.bits > mod->mem_len || mod->mem_len - offset.bits < len))
            memory_ok = false;
        if (memory_ok && len > 0)
            memcpy(mod->mem + offset.bits, bytes, len);
        free(bytes);
    }
    if (!memory_ok) {
        free(mod->mem);
        mod->mem = NULL;
        mod->mem_len = 0;
    }
}

static void run_file(const char *name, file_stats *total) {
    char path[1024];
    snprintf(path, sizeof(path), "%s/wasm-spec/%s", VEIL_TESTDATA_DIR, name);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        print_error("cannot open %s\n", path);
        fail();
    }
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long size = ftell(fp);
    assert_true(size >= 0);
    rewind(fp);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, fp), (size_t)size);
    text[size] = '\0';
    fclose(fp);

    const char *p = text;
    node *top = node_new(true);
    node *n;
    while ((n = parse_expr(&p)) != NULL)
        node_add(top, n);
    skip_space(&p);
    assert_int_equal(*p, '\0');

    file_stats stats = {0, 0, 0};
    module_state mod;
    memset(&mod, 0, sizeof(mod));
    for (size_t i = 0; i < top->nkids; i++) {
        node *cmd = top->kids[i];
        if (is_form(cmd, "module")) {
            load_module(cmd, &mod);
        } else if (is_form(cmd, "assert_return") || is_form(cmd, "assert_trap")) {
            run_assertion(name, cmd, &mod, &stats);
        } else if (is_form(cmd, "invoke")) {
            machine m;
            run_invoke(&mod, cmd, &m); /* an action: only its effects matter */
        } else if (!is_form(cmd, "assert_invalid") && !is_form(cmd, "assert_malformed") &&
                   !is_form(cmd, "assert_unlinkable") && !is_form(cmd, "assert_exhaustion")) {
            mod.state_unknown = true; /* register, assert_uninstantiable, ...: be safe */
        }
    }
    free(mod.funcs);
    free(mod.globals);
    free(mod.mem);
    node_free(top);
    free(text);
    print_message("%-45s checked %5lu  skipped %5lu  failed %lu\n", name, stats.checked,
                  stats.skipped, stats.failed);
    total->checked += stats.checked;
    total->failed += stats.failed;
    total->skipped += stats.skipped;
}

static const char *const spec_files[] = {
    "i32.wast",
    "i64.wast",
    "f32.wast",
    "f64.wast",
    "f32_cmp.wast",
    "f64_cmp.wast",
    "f32_bitwise.wast",
    "f64_bitwise.wast",
    "conversions.wast",
    "int_exprs.wast",
    "int_literals.wast",
    "float_exprs.wast",
    "float_misc.wast",
    "float_literals.wast",
    "simd_bit_shift.wast",
    "simd_bitwise.wast",
    "simd_boolean.wast",
    "simd_const.wast",
    "simd_conversions.wast",
    "simd_f32x4.wast",
    "simd_f32x4_arith.wast",
    "simd_f32x4_cmp.wast",
    "simd_f32x4_pmin_pmax.wast",
    "simd_f32x4_rounding.wast",
    "simd_f64x2.wast",
    "simd_f64x2_arith.wast",
    "simd_f64x2_cmp.wast",
    "simd_f64x2_pmin_pmax.wast",
    "simd_f64x2_rounding.wast",
    "simd_i16x8_arith.wast",
    "simd_i16x8_arith2.wast",
    "simd_i16x8_cmp.wast",
    "simd_i16x8_extadd_pairwise_i8x16.wast",
    "simd_i16x8_extmul_i8x16.wast",
    "simd_i16x8_q15mulr_sat_s.wast",
    "simd_i16x8_sat_arith.wast",
    "simd_i32x4_arith.wast",
    "simd_i32x4_arith2.wast",
    "simd_i32x4_cmp.wast",
    "simd_i32x4_dot_i16x8.wast",
    "simd_i32x4_extadd_pairwise_i16x8.wast",
    "simd_i32x4_extmul_i16x8.wast",
    "simd_i32x4_trunc_sat_f32x4.wast",
    "simd_i32x4_trunc_sat_f64x2.wast",
    "simd_i64x2_arith.wast",
    "simd_i64x2_arith2.wast",
    "simd_i64x2_cmp.wast",
    "simd_i64x2_extmul_i32x4.wast",
    "simd_i8x16_arith.wast",
    "simd_i8x16_arith2.wast",
    "simd_i8x16_cmp.wast",
    "simd_i8x16_sat_arith.wast",
    "simd_int_to_int_extend.wast",
    "simd_lane.wast",
    "simd_splat.wast",
    "simd_address.wast",
    "simd_align.wast",
    "simd_load.wast",
    "simd_load8_lane.wast",
    "simd_load16_lane.wast",
    "simd_load32_lane.wast",
    "simd_load64_lane.wast",
    "simd_load_extend.wast",
    "simd_load_splat.wast",
    "simd_load_zero.wast",
    "simd_store.wast",
    "simd_store8_lane.wast",
    "simd_store16_lane.wast",
    "simd_store32_lane.wast",
    "simd_store64_lane.wast",
    "address.wast",
    "endianness.wast",
    "float_memory.wast",
    "load.wast",
    "store.wast",
    "memory.wast",
    "memory_redundancy.wast",
    "memory_trap.wast",
};

static void test_spec_files(void **state) {
    (void)state;
    file_stats total = {0, 0, 0};
    for (size_t i = 0; i < sizeof(spec_files) / sizeof(spec_files[0]); i++)
        run_file(spec_files[i], &total);
    print_message("total: checked %lu, skipped %lu, failed %lu\n", total.checked, total.skipped,
                  total.failed);
    assert_int_equal(total.failed, 0);
    /* Every instruction must have been exercised by some spec assertion. */
    unsigned long unused = 0;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (ops[i].uses == 0) {
            print_error("never exercised by the spec tests: %s\n", ops[i].c_name);
            unused++;
        }
    for (size_t i = 0; i < sizeof(mem_ops) / sizeof(mem_ops[0]); i++)
        if (mem_ops[i].uses == 0) {
            print_error("never exercised by the spec tests: %s\n", mem_ops[i].c_name);
            unused++;
        }
    assert_int_equal(unused, 0);
}

int main(void) {
    char probe[1024];
    snprintf(probe, sizeof(probe), "%s/wasm-spec/i32.wast", VEIL_TESTDATA_DIR);
    FILE *fp = fopen(probe, "rb");
    if (fp == NULL) {
        fprintf(stderr, "skipping: %s not found\n", probe);
        return 77;
    }
    fclose(fp);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
