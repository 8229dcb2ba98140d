/* Hand-written edge cases for the wasm ops headers (ops_scalar.h, ops_simd.h).
 * The exhaustive check against the official spec assertions is
 * ops_spec_test.c; this file needs no external data and concentrates on the
 * cases where C and wasm disagree (traps, UB-prone corners, NaN bits, -0,
 * rounding ties, unsigned 64-bit conversions, saturation bounds, lane order)
 * and on the memory helpers, which the spec runner does not exercise.
 *
 * Many inputs are compile-time constants on purpose: in an optimised build the
 * compiler folds them, which is the path where x*1.0 -> x style folding could
 * leak a signalling NaN. */
#include "../test.h"

#include <stdbool.h>

#include "ops_scalar.h"
#include "ops_simd.h"

#define F32(bits) veil_op_f32_reinterpret_i32(bits)
#define F64(bits) veil_op_f64_reinterpret_i64(bits)
#define B32(f) veil_op_i32_reinterpret_f32(f)
#define B64(d) veil_op_i64_reinterpret_f64(d)

#define F32_CANON 0x7fc00000u
#define F32_SNAN 0x7fa00000u /* signalling, payload 0x200000 */
#define F64_CANON UINT64_C(0x7ff8000000000000)
#define F64_SNAN UINT64_C(0x7ff4000000000000)

#define I8X16(...) ((veil_v128)(veil_i8x16){__VA_ARGS__})
#define U8X16(...) ((veil_v128)(veil_u8x16){__VA_ARGS__})
#define I16X8(...) ((veil_v128)(veil_i16x8){__VA_ARGS__})
#define U16X8(...) ((veil_v128)(veil_u16x8){__VA_ARGS__})
#define I32X4(...) ((veil_v128)(veil_i32x4){__VA_ARGS__})
#define U32X4(...) ((veil_v128)(veil_u32x4){__VA_ARGS__})
#define I64X2(...) ((veil_v128)(veil_i64x2){__VA_ARGS__})
#define U64X2(...) ((veil_v128)(veil_u64x2){__VA_ARGS__})
#define F32X4(...) ((veil_v128)(veil_f32x4){__VA_ARGS__})
#define F64X2(...) ((veil_v128)(veil_f64x2){__VA_ARGS__})

static void assert_v128_equal(veil_v128 got, veil_v128 want) {
    uint8_t g[16], w[16];
    memcpy(g, &got, 16);
    memcpy(w, &want, 16);
    if (memcmp(g, w, 16) != 0) {
        for (int i = 0; i < 16; i++)
            print_error("byte %2d: got %02x want %02x\n", i, g[i], w[i]);
        fail();
    }
}

static bool f32_is_canonical(float f) {
    return (B32(f) & 0x7fffffffu) == F32_CANON;
}
static bool f32_is_arithmetic(float f) {
    return (B32(f) & F32_CANON) == F32_CANON;
}
static bool f64_is_canonical(double d) {
    return (B64(d) & ~VEIL_OP_F64_SIGN) == F64_CANON;
}
static bool f64_is_arithmetic(double d) {
    return (B64(d) & F64_CANON) == F64_CANON;
}

/* ---- Integer ---------------------------------------------------------------- */

static void test_int_div_rem(void **state) {
    (void)state;
    uint32_t r = 12345;
    assert_int_equal(veil_op_i32_div_s(1, 0, &r), VEIL_OP_TRAP_DIV_BY_ZERO);
    assert_int_equal(veil_op_i32_div_u(1, 0, &r), VEIL_OP_TRAP_DIV_BY_ZERO);
    assert_int_equal(veil_op_i32_rem_s(1, 0, &r), VEIL_OP_TRAP_DIV_BY_ZERO);
    assert_int_equal(veil_op_i32_rem_u(1, 0, &r), VEIL_OP_TRAP_DIV_BY_ZERO);
    assert_int_equal(veil_op_i32_div_s(0x80000000u, 0xffffffffu, &r), VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(r, 12345); /* untouched on trap */
    assert_int_equal(veil_op_i32_div_s(0x80000000u, 0xffffffffu - 1, &r), VEIL_OP_OK);
    assert_int_equal(r, 0x40000000u);
    assert_int_equal(veil_op_i32_rem_s(0x80000000u, 0xffffffffu, &r), VEIL_OP_OK);
    assert_int_equal(r, 0);
    assert_int_equal(veil_op_i32_div_s((uint32_t)-7, 2, &r), VEIL_OP_OK);
    assert_int_equal(r, (uint32_t)-3); /* truncates toward zero */
    assert_int_equal(veil_op_i32_rem_s((uint32_t)-7, 2, &r), VEIL_OP_OK);
    assert_int_equal(r, (uint32_t)-1); /* sign of the dividend */
    assert_int_equal(veil_op_i32_div_u(0x80000000u, 0xffffffffu, &r), VEIL_OP_OK);
    assert_int_equal(r, 0);
    assert_int_equal(veil_op_i32_rem_u(0x80000000u, 3, &r), VEIL_OP_OK);
    assert_int_equal(r, 2);

    uint64_t q = 99;
    assert_int_equal(veil_op_i64_div_s(5, 0, &q), VEIL_OP_TRAP_DIV_BY_ZERO);
    assert_int_equal(veil_op_i64_div_u(5, 0, &q), VEIL_OP_TRAP_DIV_BY_ZERO);
    assert_int_equal(veil_op_i64_rem_s(5, 0, &q), VEIL_OP_TRAP_DIV_BY_ZERO);
    assert_int_equal(veil_op_i64_rem_u(5, 0, &q), VEIL_OP_TRAP_DIV_BY_ZERO);
    assert_int_equal(veil_op_i64_div_s(UINT64_C(1) << 63, UINT64_MAX, &q),
                     VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(q, 99);
    assert_int_equal(veil_op_i64_rem_s(UINT64_C(1) << 63, UINT64_MAX, &q), VEIL_OP_OK);
    assert_int_equal(q, 0);
    assert_int_equal(veil_op_i64_div_s((uint64_t)-11, 3, &q), VEIL_OP_OK);
    assert_int_equal(q, (uint64_t)-3);
    assert_int_equal(veil_op_i64_rem_s((uint64_t)-11, 3, &q), VEIL_OP_OK);
    assert_int_equal(q, (uint64_t)-2);
    assert_int_equal(veil_op_i64_div_u(UINT64_MAX, 2, &q), VEIL_OP_OK);
    assert_int_equal(q, UINT64_MAX >> 1);
    assert_int_equal(veil_op_i64_rem_u(UINT64_MAX, 10, &q), VEIL_OP_OK);
    assert_int_equal(q, 5);
}

static void test_int_arith_wraps(void **state) {
    (void)state;
    assert_int_equal(veil_op_i32_add(0x7fffffffu, 1), 0x80000000u);
    assert_int_equal(veil_op_i32_sub(0, 1), 0xffffffffu);
    assert_int_equal(veil_op_i32_mul(0x10000u, 0x10000u), 0);
    assert_int_equal(veil_op_i32_mul(0x80000000u, 0xffffffffu), 0x80000000u);
    assert_int_equal(veil_op_i64_add(INT64_MAX, 1), UINT64_C(1) << 63);
    assert_int_equal(veil_op_i64_mul(UINT64_C(1) << 63, UINT64_MAX), UINT64_C(1) << 63);
    assert_int_equal(veil_op_i64_sub(0, 1), UINT64_MAX);
}

static void test_int_shifts(void **state) {
    (void)state;
    assert_int_equal(veil_op_i32_shl(1, 32), 1);
    assert_int_equal(veil_op_i32_shl(1, 33), 2);
    assert_int_equal(veil_op_i32_shl(1, 0xffffffffu), 0x80000000u);
    assert_int_equal(veil_op_i32_shr_s(0x80000000u, 31), 0xffffffffu);
    assert_int_equal(veil_op_i32_shr_s(0x80000000u, 32), 0x80000000u);
    assert_int_equal(veil_op_i32_shr_u(0x80000000u, 63), 1);
    assert_int_equal(veil_op_i32_rotl(0x80000001u, 1), 3);
    assert_int_equal(veil_op_i32_rotl(0x12345678u, 0), 0x12345678u);
    assert_int_equal(veil_op_i32_rotl(0x12345678u, 32), 0x12345678u);
    assert_int_equal(veil_op_i32_rotr(1, 1), 0x80000000u);
    assert_int_equal(veil_op_i32_rotr(0xabcd1234u, 0xfffffff0u), 0x1234abcdu);
    assert_int_equal(veil_op_i64_shl(1, 64), 1);
    assert_int_equal(veil_op_i64_shl(1, 127), UINT64_C(1) << 63);
    assert_int_equal(veil_op_i64_shr_s(UINT64_C(1) << 63, 63), UINT64_MAX);
    assert_int_equal(veil_op_i64_shr_s(UINT64_C(1) << 63, 64), UINT64_C(1) << 63);
    assert_int_equal(veil_op_i64_shr_u(UINT64_MAX, 0xffffffffffffffffu), 1);
    assert_int_equal(veil_op_i64_rotl(UINT64_C(0x8000000000000001), 1), 3);
    assert_int_equal(veil_op_i64_rotl(0x0123456789abcdefu, 64), 0x0123456789abcdefu);
    assert_int_equal(veil_op_i64_rotr(0x0123456789abcdefu, 32), 0x89abcdef01234567u);
    assert_int_equal(veil_op_i64_rotr(1, 0), 1);
}

static void test_int_bits(void **state) {
    (void)state;
    assert_int_equal(veil_op_i32_clz(0), 32);
    assert_int_equal(veil_op_i32_clz(1), 31);
    assert_int_equal(veil_op_i32_clz(0x80000000u), 0);
    assert_int_equal(veil_op_i32_ctz(0), 32);
    assert_int_equal(veil_op_i32_ctz(0x80000000u), 31);
    assert_int_equal(veil_op_i32_popcnt(0xffffffffu), 32);
    assert_int_equal(veil_op_i32_popcnt(0), 0);
    assert_int_equal(veil_op_i64_clz(0), 64);
    assert_int_equal(veil_op_i64_clz(1), 63);
    assert_int_equal(veil_op_i64_ctz(0), 64);
    assert_int_equal(veil_op_i64_ctz(UINT64_C(1) << 63), 63);
    assert_int_equal(veil_op_i64_popcnt(UINT64_MAX), 64);
    assert_int_equal(veil_op_i32_eqz(0), 1);
    assert_int_equal(veil_op_i32_eqz(0x80000000u), 0);
    assert_int_equal(veil_op_i64_eqz(UINT64_C(1) << 40), 0);
    assert_int_equal(veil_op_i32_lt_s(0x80000000u, 0), 1);
    assert_int_equal(veil_op_i32_lt_u(0x80000000u, 0), 0);
    assert_int_equal(veil_op_i32_ge_s(0x7fffffffu, 0x80000000u), 1);
    assert_int_equal(veil_op_i64_gt_s(0, UINT64_MAX), 1);
    assert_int_equal(veil_op_i64_gt_u(0, UINT64_MAX), 0);
    assert_int_equal(veil_op_i64_le_u(UINT64_MAX, UINT64_MAX), 1);
}

static void test_int_extend_wrap(void **state) {
    (void)state;
    assert_int_equal(veil_op_i32_extend8_s(0x80), 0xffffff80u);
    assert_int_equal(veil_op_i32_extend8_s(0x1234567fu), 0x7f);
    assert_int_equal(veil_op_i32_extend16_s(0x8000), 0xffff8000u);
    assert_int_equal(veil_op_i32_extend16_s(0xabcd7fffu), 0x7fff);
    assert_int_equal(veil_op_i64_extend8_s(0xff), UINT64_MAX);
    assert_int_equal(veil_op_i64_extend16_s(0x12348000u), 0xffffffffffff8000u);
    assert_int_equal(veil_op_i64_extend32_s(0x80000000u), 0xffffffff80000000u);
    assert_int_equal(veil_op_i64_extend32_s(0xffffffff7fffffffu), 0x7fffffffu);
    assert_int_equal(veil_op_i32_wrap_i64(0x123456789abcdef0u), 0x9abcdef0u);
    assert_int_equal(veil_op_i64_extend_i32_s(0x80000000u), 0xffffffff80000000u);
    assert_int_equal(veil_op_i64_extend_i32_u(0x80000000u), 0x80000000u);
}

/* ---- Float to integer -------------------------------------------------------------- */

static void test_trunc_trapping(void **state) {
    (void)state;
    uint32_t r = 7;
    /* i32 from f32: [-2^31, 2^31) */
    assert_int_equal(veil_op_i32_trunc_f32_s(-2147483648.0f, &r), VEIL_OP_OK);
    assert_int_equal(r, 0x80000000u);
    assert_int_equal(veil_op_i32_trunc_f32_s(2147483520.0f, &r), VEIL_OP_OK);
    assert_int_equal(r, 2147483520u);
    assert_int_equal(veil_op_i32_trunc_f32_s(2147483648.0f, &r), VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i32_trunc_f32_s(-2147483904.0f, &r), VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i32_trunc_f32_s(-1.9f, &r), VEIL_OP_OK);
    assert_int_equal(r, 0xffffffffu);
    assert_int_equal(veil_op_i32_trunc_f32_s(F32(F32_SNAN), &r), VEIL_OP_TRAP_INVALID_CONVERSION);
    assert_int_equal(veil_op_i32_trunc_f32_s(INFINITY, &r), VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i32_trunc_f32_s(-INFINITY, &r), VEIL_OP_TRAP_INT_OVERFLOW);
    /* u32 from f32: (-1, 2^32) */
    assert_int_equal(veil_op_i32_trunc_f32_u(-0.99999994f, &r), VEIL_OP_OK);
    assert_int_equal(r, 0);
    assert_int_equal(veil_op_i32_trunc_f32_u(-1.0f, &r), VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i32_trunc_f32_u(4294967040.0f, &r), VEIL_OP_OK);
    assert_int_equal(r, 4294967040u);
    assert_int_equal(veil_op_i32_trunc_f32_u(4294967296.0f, &r), VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i32_trunc_f32_u(F32(0xffc00000u), &r),
                     VEIL_OP_TRAP_INVALID_CONVERSION);
    /* i32 from f64: (-2^31-1, 2^31) */
    assert_int_equal(veil_op_i32_trunc_f64_s(-2147483648.9, &r), VEIL_OP_OK);
    assert_int_equal(r, 0x80000000u);
    assert_int_equal(veil_op_i32_trunc_f64_s(-2147483649.0, &r), VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i32_trunc_f64_s(2147483647.9, &r), VEIL_OP_OK);
    assert_int_equal(r, 0x7fffffffu);
    assert_int_equal(veil_op_i32_trunc_f64_s(2147483648.0, &r), VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i32_trunc_f64_u(4294967295.9, &r), VEIL_OP_OK);
    assert_int_equal(r, 0xffffffffu);
    assert_int_equal(veil_op_i32_trunc_f64_u(4294967296.0, &r), VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i32_trunc_f64_u(-0.9, &r), VEIL_OP_OK);
    assert_int_equal(r, 0);
    assert_int_equal(veil_op_i32_trunc_f64_u(-1.0, &r), VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i32_trunc_f64_u(F64(F64_SNAN), &r), VEIL_OP_TRAP_INVALID_CONVERSION);

    uint64_t q = 7;
    assert_int_equal(veil_op_i64_trunc_f32_s(-9223372036854775808.0f, &q), VEIL_OP_OK);
    assert_int_equal(q, UINT64_C(1) << 63);
    assert_int_equal(veil_op_i64_trunc_f32_s(9223372036854775808.0f, &q),
                     VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i64_trunc_f32_s(9223371487098961920.0f, &q), VEIL_OP_OK);
    assert_int_equal(q, UINT64_C(9223371487098961920));
    assert_int_equal(veil_op_i64_trunc_f32_u(18446742974197923840.0f, &q), VEIL_OP_OK);
    assert_int_equal(q, UINT64_C(18446742974197923840));
    assert_int_equal(veil_op_i64_trunc_f32_u(18446744073709551616.0f, &q),
                     VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i64_trunc_f32_u(-0.5f, &q), VEIL_OP_OK);
    assert_int_equal(q, 0);
    assert_int_equal(veil_op_i64_trunc_f64_s(-9223372036854775808.0, &q), VEIL_OP_OK);
    assert_int_equal(q, UINT64_C(1) << 63);
    assert_int_equal(veil_op_i64_trunc_f64_s(-9223372036854777856.0, &q),
                     VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i64_trunc_f64_s(9223372036854774784.0, &q), VEIL_OP_OK);
    assert_int_equal(q, UINT64_C(9223372036854774784));
    assert_int_equal(veil_op_i64_trunc_f64_s(9223372036854775808.0, &q), VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i64_trunc_f64_u(18446744073709549568.0, &q), VEIL_OP_OK);
    assert_int_equal(q, UINT64_C(18446744073709549568));
    assert_int_equal(veil_op_i64_trunc_f64_u(18446744073709551616.0, &q),
                     VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i64_trunc_f64_u(-1.0, &q), VEIL_OP_TRAP_INT_OVERFLOW);
    assert_int_equal(veil_op_i64_trunc_f64_u(NAN, &q), VEIL_OP_TRAP_INVALID_CONVERSION);
    assert_int_equal(veil_op_i64_trunc_f32_s(-NAN, &q), VEIL_OP_TRAP_INVALID_CONVERSION);
}

static void test_trunc_saturating(void **state) {
    (void)state;
    assert_int_equal(veil_op_i32_trunc_sat_f32_s(F32(F32_SNAN)), 0);
    assert_int_equal(veil_op_i32_trunc_sat_f32_s(2147483648.0f), 0x7fffffffu);
    assert_int_equal(veil_op_i32_trunc_sat_f32_s(-2147483904.0f), 0x80000000u);
    assert_int_equal(veil_op_i32_trunc_sat_f32_s(-2147483648.0f), 0x80000000u);
    assert_int_equal(veil_op_i32_trunc_sat_f32_s(-INFINITY), 0x80000000u);
    assert_int_equal(veil_op_i32_trunc_sat_f32_s(-1.5f), 0xffffffffu);
    assert_int_equal(veil_op_i32_trunc_sat_f32_u(-1.0f), 0);
    assert_int_equal(veil_op_i32_trunc_sat_f32_u(-0.5f), 0);
    assert_int_equal(veil_op_i32_trunc_sat_f32_u(4294967296.0f), 0xffffffffu);
    assert_int_equal(veil_op_i32_trunc_sat_f32_u(INFINITY), 0xffffffffu);
    assert_int_equal(veil_op_i32_trunc_sat_f32_u(NAN), 0);
    assert_int_equal(veil_op_i32_trunc_sat_f64_s(-2147483648.9), 0x80000000u);
    assert_int_equal(veil_op_i32_trunc_sat_f64_s(-2147483649.0), 0x80000000u);
    assert_int_equal(veil_op_i32_trunc_sat_f64_s(2147483647.9), 0x7fffffffu);
    assert_int_equal(veil_op_i32_trunc_sat_f64_s(1e300), 0x7fffffffu);
    assert_int_equal(veil_op_i32_trunc_sat_f64_s(-NAN), 0);
    assert_int_equal(veil_op_i32_trunc_sat_f64_u(4294967295.9), 0xffffffffu);
    assert_int_equal(veil_op_i32_trunc_sat_f64_u(-1e300), 0);
    assert_int_equal(veil_op_i64_trunc_sat_f32_s(9223372036854775808.0f), INT64_MAX);
    assert_int_equal(veil_op_i64_trunc_sat_f32_s(-INFINITY), UINT64_C(1) << 63);
    assert_int_equal(veil_op_i64_trunc_sat_f32_s(-9223372036854775808.0f), UINT64_C(1) << 63);
    assert_int_equal(veil_op_i64_trunc_sat_f32_u(18446744073709551616.0f), UINT64_MAX);
    assert_int_equal(veil_op_i64_trunc_sat_f32_u(-INFINITY), 0);
    assert_int_equal(veil_op_i64_trunc_sat_f64_s(9223372036854775808.0), INT64_MAX);
    assert_int_equal(veil_op_i64_trunc_sat_f64_s(-9223372036854777856.0), UINT64_C(1) << 63);
    assert_int_equal(veil_op_i64_trunc_sat_f64_s(-9223372036854775808.0), UINT64_C(1) << 63);
    assert_int_equal(veil_op_i64_trunc_sat_f64_s(F64(F64_SNAN)), 0);
    assert_int_equal(veil_op_i64_trunc_sat_f64_u(18446744073709549568.0),
                     UINT64_C(18446744073709549568));
    assert_int_equal(veil_op_i64_trunc_sat_f64_u(18446744073709551616.0), UINT64_MAX);
    assert_int_equal(veil_op_i64_trunc_sat_f64_u(-0.99), 0);
}

/* ---- Integer to float ------------------------------------------------------------- */

/* Runtime copy so that the compiler cannot fold a conversion at compile time
 * (checks the instruction path as well as the folded one). */
static uint64_t opaque64(uint64_t v) {
    volatile uint64_t x = v;
    return x;
}

static void check_u64_to_f32(uint64_t in, uint32_t want_bits) {
    assert_int_equal(B32(veil_op_f32_convert_i64_u(in)), want_bits);
    assert_int_equal(B32(veil_op_f32_convert_i64_u(opaque64(in))), want_bits);
}

static void test_convert(void **state) {
    (void)state;
    /* u64 -> f32: one correct rounding (double rounding via f64 gets the
     * first one wrong). */
    check_u64_to_f32(UINT64_C(0x8000008000000001), 0x5f000001u); /* 0x1.000002p+63 */
    check_u64_to_f32(UINT64_C(0x8000008000000000), 0x5f000000u); /* tie -> even */
    check_u64_to_f32(UINT64_C(0x8000018000000000), 0x5f000002u); /* tie -> even (up) */
    check_u64_to_f32(UINT64_MAX, 0x5f800000u);                   /* 2^64 */
    check_u64_to_f32(UINT64_C(0xffffff7fffffffff), 0x5f7fffffu); /* just below halfway */
    check_u64_to_f32(UINT64_C(0xffffff8000000000), 0x5f800000u); /* halfway -> even = 2^64 */
    check_u64_to_f32(UINT64_C(0x7fffffffffffffff), 0x5f000000u);
    check_u64_to_f32(0, 0);
    check_u64_to_f32(UINT64_C(0x0020000020000001), 0x5a000001u); /* below 2^63: sticky */
    /* i64 -> f32 */
    assert_int_equal(B32(veil_op_f32_convert_i64_s(UINT64_C(1) << 63)), 0xdf000000u);
    assert_int_equal(B32(veil_op_f32_convert_i64_s((uint64_t)-0x20000020000001)), 0xda000001u);
    assert_int_equal(B32(veil_op_f32_convert_i64_s(opaque64(UINT64_C(0x7fffff4000000001)))),
                     0x5effffffu);
    /* 32-bit sources */
    assert_int_equal(B32(veil_op_f32_convert_i32_u(0xffffffffu)), 0x4f800000u);
    assert_int_equal(B32(veil_op_f32_convert_i32_u(16777217)), 0x4b800000u); /* tie -> even */
    assert_int_equal(B32(veil_op_f32_convert_i32_u(16777219)), 0x4b800002u); /* tie -> even */
    assert_int_equal(B32(veil_op_f32_convert_i32_s(0x80000000u)), 0xcf000000u);
    assert_int_equal(B32(veil_op_f32_convert_i32_s(0x7fffffffu)), 0x4f000000u);
    assert_true(veil_op_f64_convert_i32_s(0x80000000u) == -2147483648.0);
    assert_true(veil_op_f64_convert_i32_u(0x80000000u) == 2147483648.0);
    /* u64 / i64 -> f64 */
    assert_int_equal(B64(veil_op_f64_convert_i64_u(UINT64_MAX)), UINT64_C(0x43f0000000000000));
    assert_int_equal(B64(veil_op_f64_convert_i64_u(opaque64(UINT64_C(0x8000000000000401)))),
                     UINT64_C(0x43e0000000000001));
    assert_int_equal(B64(veil_op_f64_convert_i64_u(UINT64_C(0x8000000000000400))),
                     UINT64_C(0x43e0000000000000));
    assert_int_equal(B64(veil_op_f64_convert_i64_u(UINT64_C(0x8000000000000c00))),
                     UINT64_C(0x43e0000000000002));
    assert_int_equal(B64(veil_op_f64_convert_i64_s(UINT64_C(1) << 63)),
                     UINT64_C(0xc3e0000000000000));
    assert_int_equal(B64(veil_op_f64_convert_i64_s(UINT64_C(9007199254740993))),
                     UINT64_C(0x4340000000000000)); /* 2^53+1 -> tie -> even */
}

/* ---- Float arithmetic and NaNs ------------------------------------------------------- */

static void test_float_nan_results(void **state) {
    (void)state;
    /* The folding hazards: x*1, x+(-0), x-0, x/1 must still quiet. */
    assert_true(f32_is_arithmetic(veil_op_f32_mul(F32(F32_SNAN), 1.0f)));
    assert_true(f32_is_arithmetic(veil_op_f32_add(F32(F32_SNAN), -0.0f)));
    assert_true(f32_is_arithmetic(veil_op_f32_sub(F32(F32_SNAN), 0.0f)));
    assert_true(f32_is_arithmetic(veil_op_f32_div(F32(F32_SNAN), 1.0f)));
    assert_true(f64_is_arithmetic(veil_op_f64_mul(F64(F64_SNAN), 1.0)));
    assert_true(f64_is_arithmetic(veil_op_f64_add(F64(F64_SNAN), -0.0)));
    assert_true(f64_is_arithmetic(veil_op_f64_div(F64(F64_SNAN), 1.0)));
    /* Canonical inputs and invalid operations give canonical NaNs. */
    assert_true(f32_is_canonical(veil_op_f32_add(F32(F32_CANON), 1.0f)));
    assert_true(f32_is_canonical(veil_op_f32_sub(INFINITY, INFINITY)));
    assert_true(f32_is_canonical(veil_op_f32_mul(0.0f, INFINITY)));
    assert_true(f32_is_canonical(veil_op_f32_div(0.0f, 0.0f)));
    assert_true(f32_is_canonical(veil_op_f32_sqrt(-1.0f)));
    assert_true(f64_is_canonical(veil_op_f64_sqrt(-INFINITY)));
    assert_true(f64_is_canonical(veil_op_f64_div(-0.0, 0.0)));
    /* Rounding functions: glibc returns a signalling NaN unchanged. */
    assert_true(f32_is_arithmetic(veil_op_f32_ceil(F32(F32_SNAN))));
    assert_true(f32_is_arithmetic(veil_op_f32_floor(F32(0xff800001u))));
    assert_true(f32_is_arithmetic(veil_op_f32_trunc(F32(F32_SNAN))));
    assert_true(f32_is_arithmetic(veil_op_f32_nearest(F32(F32_SNAN))));
    assert_true(f32_is_arithmetic(veil_op_f32_sqrt(F32(F32_SNAN))));
    assert_true(f64_is_arithmetic(veil_op_f64_ceil(F64(F64_SNAN))));
    assert_true(f64_is_arithmetic(veil_op_f64_floor(F64(F64_SNAN))));
    assert_true(f64_is_arithmetic(veil_op_f64_trunc(F64(UINT64_C(0xfff0000000000001)))));
    assert_true(f64_is_arithmetic(veil_op_f64_nearest(F64(F64_SNAN))));
    assert_true(f64_is_canonical(veil_op_f64_nearest(F64(F64_CANON))));
    /* Quieting keeps the payload otherwise. */
    assert_int_equal(B32(veil_op_f32_quiet(F32(0xff800001u))), 0xffc00001u);
    assert_int_equal(B32(veil_op_f32_quiet(1.5f)), B32(1.5f));
    assert_int_equal(B32(veil_op_f32_quiet(INFINITY)), 0x7f800000u);
    assert_int_equal(B64(veil_op_f64_quiet(F64(UINT64_C(0x7ff0000000000001)))),
                     UINT64_C(0x7ff8000000000001));
}

static void test_float_min_max(void **state) {
    (void)state;
    assert_int_equal(B32(veil_op_f32_min(0.0f, -0.0f)), 0x80000000u);
    assert_int_equal(B32(veil_op_f32_min(-0.0f, 0.0f)), 0x80000000u);
    assert_int_equal(B32(veil_op_f32_max(-0.0f, 0.0f)), 0);
    assert_int_equal(B32(veil_op_f32_max(0.0f, -0.0f)), 0);
    assert_int_equal(B64(veil_op_f64_min(0.0, -0.0)), VEIL_OP_F64_SIGN);
    assert_int_equal(B64(veil_op_f64_max(-0.0, 0.0)), 0);
    assert_true(veil_op_f32_min(-INFINITY, 1.0f) == -INFINITY);
    assert_true(veil_op_f64_max(-1.0, INFINITY) == INFINITY);
    /* C's fminf would return 1 here. */
    assert_true(f32_is_canonical(veil_op_f32_min(1.0f, F32(F32_CANON))));
    assert_true(f32_is_canonical(veil_op_f32_max(F32(0xffc00000u), 1.0f)));
    assert_true(f32_is_arithmetic(veil_op_f32_min(F32(F32_SNAN), 1.0f)));
    assert_true(f32_is_arithmetic(veil_op_f32_max(1.0f, F32(F32_SNAN))));
    assert_true(f64_is_canonical(veil_op_f64_min(F64(F64_CANON), -INFINITY)));
    assert_true(f64_is_arithmetic(veil_op_f64_max(F64(F64_SNAN), F64(F64_SNAN))));
    assert_true(f64_is_arithmetic(veil_op_f64_min(0.0, F64(UINT64_C(0x7ff0000000000001)))));
}

static void test_float_rounding(void **state) {
    (void)state;
    assert_int_equal(B32(veil_op_f32_nearest(0.5f)), 0);
    assert_int_equal(B32(veil_op_f32_nearest(-0.5f)), 0x80000000u);
    assert_true(veil_op_f32_nearest(1.5f) == 2.0f);
    assert_true(veil_op_f32_nearest(2.5f) == 2.0f);
    assert_true(veil_op_f32_nearest(-2.5f) == -2.0f);
    assert_true(veil_op_f32_nearest(8388609.0f) == 8388609.0f);
    assert_true(veil_op_f32_nearest(4194304.5f) == 4194304.0f);
    assert_true(veil_op_f32_nearest(4194305.5f) == 4194306.0f);
    assert_true(veil_op_f64_nearest(4503599627370497.0) == 4503599627370497.0);
    assert_true(veil_op_f64_nearest(2251799813685248.5) == 2251799813685248.0);
    assert_true(veil_op_f64_nearest(-3.5) == -4.0);
    assert_int_equal(B64(veil_op_f64_nearest(-0.25)), VEIL_OP_F64_SIGN);
    assert_int_equal(B32(veil_op_f32_ceil(-0.5f)), 0x80000000u);
    assert_int_equal(B32(veil_op_f32_floor(-0.0f)), 0x80000000u);
    assert_true(veil_op_f32_floor(-0.5f) == -1.0f);
    assert_int_equal(B32(veil_op_f32_trunc(-0.7f)), 0x80000000u);
    assert_int_equal(B64(veil_op_f64_ceil(-0.9)), VEIL_OP_F64_SIGN);
    assert_true(veil_op_f64_floor(1.0 - 0x1p-53) == 0.0);
    assert_true(veil_op_f64_trunc(-1.5) == -1.0);
    assert_true(veil_op_f32_sqrt(2.0f) == 0x1.6a09e6p+0f);
    assert_true(veil_op_f64_sqrt(2.0) == 0x1.6a09e667f3bcdp+0);
    assert_int_equal(B64(veil_op_f64_sqrt(-0.0)), VEIL_OP_F64_SIGN);
}

static void test_float_bits_ops(void **state) {
    (void)state;
    assert_int_equal(veil_op_f32_abs(0xffa00001u), 0x7fa00001u); /* sNaN kept */
    assert_int_equal(veil_op_f32_neg(F32_SNAN), 0xffa00000u);
    assert_int_equal(veil_op_f32_neg(0), 0x80000000u);
    assert_int_equal(veil_op_f32_copysign(F32_SNAN, 0x80000000u), 0xffa00000u);
    assert_int_equal(veil_op_f32_copysign(0xbf800000u, 0x7fc00000u), 0x3f800000u);
    assert_int_equal(veil_op_f64_abs(UINT64_C(0xfff0000000000001)), UINT64_C(0x7ff0000000000001));
    assert_int_equal(veil_op_f64_neg(F64_SNAN), UINT64_C(0xfff4000000000000));
    assert_int_equal(veil_op_f64_copysign(UINT64_C(0x3ff0000000000000), VEIL_OP_F64_SIGN),
                     UINT64_C(0xbff0000000000000));
    /* Reinterpretation through float/double keeps signalling NaNs. */
    assert_int_equal(B32(veil_op_f32_reinterpret_i32(0x7f800001u)), 0x7f800001u);
    assert_int_equal(veil_op_i32_reinterpret_f32(F32(0xff800123u)), 0xff800123u);
    assert_int_equal(B64(veil_op_f64_reinterpret_i64(UINT64_C(0x7ff0000000000001))),
                     UINT64_C(0x7ff0000000000001));
}

static void test_float_compare(void **state) {
    (void)state;
    float nan = F32(F32_CANON);
    assert_int_equal(veil_op_f32_eq(nan, nan), 0);
    assert_int_equal(veil_op_f32_ne(nan, nan), 1);
    assert_int_equal(veil_op_f32_lt(nan, 1.0f), 0);
    assert_int_equal(veil_op_f32_ge(nan, 1.0f), 0);
    assert_int_equal(veil_op_f32_eq(0.0f, -0.0f), 1);
    assert_int_equal(veil_op_f32_lt(-0.0f, 0.0f), 0);
    assert_int_equal(veil_op_f32_le(-0.0f, 0.0f), 1);
    assert_int_equal(veil_op_f32_gt(INFINITY, 3.4e38f), 1);
    double dnan = F64(F64_SNAN);
    assert_int_equal(veil_op_f64_eq(dnan, dnan), 0);
    assert_int_equal(veil_op_f64_ne(dnan, 0.0), 1);
    assert_int_equal(veil_op_f64_le(dnan, dnan), 0);
    assert_int_equal(veil_op_f64_gt(0.0, -0.0), 0);
    assert_int_equal(veil_op_f64_ge(0.0, -0.0), 1);
    assert_int_equal(veil_op_f64_lt(-INFINITY, -1e308), 1);
}

static void test_demote_promote(void **state) {
    (void)state;
    assert_true(f32_is_arithmetic(veil_op_f32_demote_f64(F64(F64_SNAN))));
    assert_true(f32_is_canonical(veil_op_f32_demote_f64(F64(F64_CANON))));
    assert_true(f32_is_arithmetic(veil_op_f32_demote_f64(F64(UINT64_C(0x7ff0000000000001)))));
    assert_true(f64_is_arithmetic(veil_op_f64_promote_f32(F32(0x7f800001u))));
    assert_true(f64_is_canonical(veil_op_f64_promote_f32(F32(0xffc00000u))));
    /* Rounding to nearest even at the f32 precision and overflow to inf. */
    assert_int_equal(B32(veil_op_f32_demote_f64(0x1.fffffefffffffp+127)), 0x7f7fffffu);
    assert_int_equal(B32(veil_op_f32_demote_f64(0x1.ffffffp+127)), 0x7f800000u);
    assert_int_equal(B32(veil_op_f32_demote_f64(0x1.000001p+0)), 0x3f800000u);
    assert_int_equal(B32(veil_op_f32_demote_f64(0x1.000003p+0)), 0x3f800002u);
    assert_int_equal(B32(veil_op_f32_demote_f64(0x1p-150)), 0);
    assert_int_equal(B32(veil_op_f32_demote_f64(-0x1.0000000000001p-150)), 0x80000001u);
    assert_int_equal(B64(veil_op_f64_promote_f32(F32(0x00000001u))), UINT64_C(0x36a0000000000000));
}

static void test_scalar_memory(void **state) {
    (void)state;
    uint8_t mem[19] = {0xff, 0x80, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88,
                       0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11};
    assert_int_equal(veil_op_i32_load(mem + 1), 0x03020180u);
    assert_int_equal(veil_op_i64_load(mem + 3), 0x9988070605040302u);
    assert_int_equal(veil_op_i32_load8_s(mem), 0xffffffffu);
    assert_int_equal(veil_op_i32_load8_u(mem), 0xff);
    assert_int_equal(veil_op_i32_load16_s(mem), 0xffff80ffu);
    assert_int_equal(veil_op_i32_load16_u(mem), 0x80ff);
    assert_int_equal(veil_op_i64_load8_s(mem + 1), 0xffffffffffffff80u);
    assert_int_equal(veil_op_i64_load8_u(mem + 1), 0x80);
    assert_int_equal(veil_op_i64_load16_s(mem + 9), 0xffffffffffff9988u);
    assert_int_equal(veil_op_i64_load16_u(mem + 9), 0x9988);
    assert_int_equal(veil_op_i64_load32_s(mem + 9), 0xffffffffbbaa9988u);
    assert_int_equal(veil_op_i64_load32_u(mem + 9), 0xbbaa9988u);
    assert_int_equal(veil_op_f32_load(mem + 1), 0x03020180u);
    assert_int_equal(veil_op_f64_load(mem + 3), 0x9988070605040302u);

    uint8_t out[12];
    memset(out, 0, sizeof(out));
    veil_op_i32_store(out + 1, 0x44332211u);
    veil_op_i32_store8(out + 5, 0x1234u);
    veil_op_i32_store16(out + 6, 0xabcd1234u);
    veil_op_i64_store8(out + 8, 0x99u);
    veil_op_i64_store16(out + 9, 0x7777u);
    const uint8_t want1[12] = {0, 0x11, 0x22, 0x33, 0x44, 0x34, 0x34, 0x12, 0x99, 0x77, 0x77, 0};
    assert_memory_equal(out, want1, 12);
    veil_op_i64_store(out + 1, 0x0807060504030201u);
    veil_op_i64_store32(out + 8, 0xffffffffaabbccddu);
    const uint8_t want2[12] = {0, 1, 2, 3, 4, 5, 6, 7, 0xdd, 0xcc, 0xbb, 0xaa};
    assert_memory_equal(out, want2, 12);
    veil_op_f32_store(out, F32_SNAN);
    assert_int_equal(veil_op_f32_load(out), F32_SNAN);
    veil_op_f64_store(out + 3, F64_SNAN);
    assert_int_equal(veil_op_f64_load(out + 3), F64_SNAN);
}

/* ---- SIMD ------------------------------------------------------------------------------ */

static void test_simd_lanes(void **state) {
    (void)state;
    veil_v128 v = U8X16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0x80);
    uint8_t raw[16];
    memcpy(raw, &v, 16);
    assert_int_equal(raw[15], 0x80); /* lane 15 is the last byte in memory */
    assert_int_equal(veil_op_i8x16_extract_lane_s(v, 15), 0xffffff80u);
    assert_int_equal(veil_op_i8x16_extract_lane_u(v, 15), 0x80);
    assert_int_equal(veil_op_i8x16_extract_lane_u(v, 15 + 16), 0x80); /* index masked */
    assert_int_equal(veil_op_i16x8_extract_lane_u(v, 0), 0x0100);
    assert_int_equal(veil_op_i16x8_extract_lane_s(v, 7), 0xffff800eu);
    assert_int_equal(veil_op_i16x8_extract_lane_u(v, 7), 0x800e);
    assert_int_equal(veil_op_i32x4_extract_lane(v, 1), 0x07060504u);
    assert_int_equal(veil_op_i64x2_extract_lane(v, 1), 0x800e0d0c0b0a0908u);
    assert_v128_equal(veil_op_i8x16_replace_lane(v, 15, 0x1ff),
                      U8X16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff));
    assert_v128_equal(veil_op_i16x8_replace_lane(U16X8(0), 3, 0x12345u),
                      U16X8(0, 0, 0, 0x2345, 0, 0, 0, 0));
    assert_v128_equal(veil_op_i32x4_replace_lane(U32X4(0), 2, 0xdeadbeefu),
                      U32X4(0, 0, 0xdeadbeefu, 0));
    assert_v128_equal(veil_op_i64x2_replace_lane(U64X2(0), 1, UINT64_MAX), U64X2(0, UINT64_MAX));
    veil_v128 f = veil_op_f32x4_replace_lane(F32X4(0), 3, F32(F32_SNAN));
    assert_int_equal(B32(veil_op_f32x4_extract_lane(f, 3)), F32_SNAN);
    veil_v128 d = veil_op_f64x2_replace_lane(F64X2(0), 0, F64(F64_SNAN));
    assert_int_equal(B64(veil_op_f64x2_extract_lane(d, 0)), F64_SNAN);

    assert_v128_equal(veil_op_i8x16_splat(0x1ff),
                      U8X16(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                            0xff, 0xff, 0xff, 0xff));
    assert_v128_equal(veil_op_i16x8_splat(0xabcd8000u),
                      U16X8(0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000, 0x8000));
    assert_v128_equal(veil_op_i32x4_splat(7), U32X4(7, 7, 7, 7));
    assert_v128_equal(veil_op_i64x2_splat(UINT64_C(1) << 63),
                      U64X2(UINT64_C(1) << 63, UINT64_C(1) << 63));
    assert_v128_equal(veil_op_f32x4_splat(F32(F32_SNAN)),
                      U32X4(F32_SNAN, F32_SNAN, F32_SNAN, F32_SNAN));
    assert_v128_equal(veil_op_f64x2_splat(-0.0), U64X2(VEIL_OP_F64_SIGN, VEIL_OP_F64_SIGN));
}

static void test_simd_shuffle_swizzle(void **state) {
    (void)state;
    veil_v128 a = U8X16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    veil_v128 b = U8X16(16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
    const uint8_t lanes[16] = {31, 0, 30, 1, 16, 15, 5, 5, 20, 21, 2, 3, 17, 9, 0, 16};
    veil_v128 want = U8X16(31, 0, 30, 1, 16, 15, 5, 5, 20, 21, 2, 3, 17, 9, 0, 16);
    assert_v128_equal(veil_op_i8x16_shuffle(a, b, lanes), want);
    assert_v128_equal(
        VEIL_OP_I8X16_SHUFFLE_CONST(a, b, 31, 0, 30, 1, 16, 15, 5, 5, 20, 21, 2, 3, 17, 9, 0, 16),
        want);
    veil_v128 s = U8X16(15, 16, 0, 255, 128, 1, 14, 17, 3, 3, 0x10, 2, 0xff, 7, 8, 0);
    veil_v128 t = U8X16(0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
                        0xac, 0xad, 0xae, 0xaf);
    assert_v128_equal(veil_op_i8x16_swizzle(t, s), U8X16(0xaf, 0, 0xa0, 0, 0, 0xa1, 0xae, 0, 0xa3,
                                                         0xa3, 0, 0xa2, 0, 0xa7, 0xa8, 0xa0));
}

static void test_simd_bitwise(void **state) {
    (void)state;
    veil_v128 a = U64X2(0xff00ff00ff00ff00u, 0x0123456789abcdefu);
    veil_v128 b = U64X2(0x0ff00ff00ff00ff0u, 0xffffffff00000000u);
    assert_v128_equal(veil_op_v128_not(a), U64X2(0x00ff00ff00ff00ffu, 0xfedcba9876543210u));
    assert_v128_equal(veil_op_v128_and(a, b), U64X2(0x0f000f000f000f00u, 0x0123456700000000u));
    assert_v128_equal(veil_op_v128_andnot(a, b), U64X2(0xf000f000f000f000u, 0x0000000089abcdefu));
    assert_v128_equal(veil_op_v128_or(a, b), U64X2(0xfff0fff0fff0fff0u, 0xffffffff89abcdefu));
    assert_v128_equal(veil_op_v128_xor(a, b), U64X2(0xf0f0f0f0f0f0f0f0u, 0xfedcba9889abcdefu));
    assert_v128_equal(veil_op_v128_bitselect(a, b, U64X2(0xffffffff00000000u, 0x00000000ffffffffu)),
                      U64X2(0xff00ff000ff00ff0u, 0xffffffff89abcdefu));
    assert_int_equal(veil_op_v128_any_true(U64X2(0, 0)), 0);
    assert_int_equal(veil_op_v128_any_true(U8X16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)),
                     1);
    veil_v128 one_zero = U8X16(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1);
    assert_int_equal(veil_op_i8x16_all_true(one_zero), 0);
    assert_int_equal(veil_op_i16x8_all_true(one_zero), 1); /* 0x0100 is non-zero */
    assert_int_equal(veil_op_i32x4_all_true(U32X4(1, 2, 0, 3)), 0);
    assert_int_equal(veil_op_i32x4_all_true(U32X4(1, 2, 0x80000000u, 3)), 1);
    assert_int_equal(veil_op_i64x2_all_true(U64X2(UINT64_C(1) << 32, 1)), 1);
    assert_int_equal(veil_op_i64x2_all_true(U64X2(0, 1)), 0);
    assert_int_equal(
        veil_op_i8x16_bitmask(I8X16(-1, 0, -128, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -2)),
        0xc005);
    assert_int_equal(veil_op_i8x16_bitmask(
                         I8X16(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)),
                     0xffff);
    assert_int_equal(veil_op_i16x8_bitmask(I16X8(-1, 0, 0, 0x7fff, -32768, 0, 0, -2)), 0x91);
    assert_int_equal(veil_op_i32x4_bitmask(I32X4(0, -1, 0x7fffffff, INT32_MIN)), 0xa);
    assert_int_equal(veil_op_i64x2_bitmask(I64X2(INT64_MIN, 1)), 1);
    assert_int_equal(veil_op_i64x2_bitmask(I64X2(0, -1)), 2);
}

static void test_simd_int_arith(void **state) {
    (void)state;
    veil_v128 a8 = I8X16(127, -128, 0, 1, -1, 100, -100, 50, 127, -128, 0, 1, -1, 100, -100, 50);
    veil_v128 b8 = I8X16(1, -1, 0, -1, -1, 100, -100, -50, -128, 127, 0, 1, 1, 27, -28, 77);
    assert_v128_equal(veil_op_i8x16_add(a8, b8),
                      I8X16(-128, 127, 0, 0, -2, -56, 56, 0, -1, -1, 0, 2, 0, 127, -128, 127));
    assert_v128_equal(veil_op_i8x16_sub(a8, b8),
                      I8X16(126, -127, 0, 2, 0, 0, 0, 100, -1, 1, 0, 0, -2, 73, -72, -27));
    assert_v128_equal(veil_op_i8x16_add_sat_s(a8, b8),
                      I8X16(127, -128, 0, 0, -2, 127, -128, 0, -1, -1, 0, 2, 0, 127, -128, 127));
    assert_v128_equal(veil_op_i8x16_sub_sat_s(a8, b8),
                      I8X16(126, -127, 0, 2, 0, 0, 0, 100, 127, -128, 0, 0, -2, 73, -72, -27));
    veil_v128 u1 = U8X16(255, 0, 200, 1, 128, 128, 255, 0, 10, 20, 30, 40, 50, 60, 70, 80);
    veil_v128 u2 = U8X16(1, 1, 100, 255, 128, 127, 255, 0, 11, 19, 30, 255, 0, 200, 185, 175);
    assert_v128_equal(veil_op_i8x16_add_sat_u(u1, u2), U8X16(255, 1, 255, 255, 255, 255, 255, 0, 21,
                                                             39, 60, 255, 50, 255, 255, 255));
    assert_v128_equal(veil_op_i8x16_sub_sat_u(u1, u2),
                      U8X16(254, 0, 100, 0, 0, 1, 0, 0, 0, 1, 0, 0, 50, 0, 0, 0));
    assert_v128_equal(veil_op_i8x16_avgr_u(u1, u2), U8X16(128, 1, 150, 128, 128, 128, 255, 0, 11,
                                                          20, 30, 148, 25, 130, 128, 128));
    assert_v128_equal(veil_op_i8x16_min_s(a8, b8), I8X16(1, -128, 0, -1, -1, 100, -100, -50, -128,
                                                         -128, 0, 1, -1, 27, -100, 50));
    assert_v128_equal(veil_op_i8x16_max_s(a8, b8),
                      I8X16(127, -1, 0, 1, -1, 100, -100, 50, 127, 127, 0, 1, 1, 100, -28, 77));
    assert_v128_equal(veil_op_i8x16_min_u(u1, u2),
                      U8X16(1, 0, 100, 1, 128, 127, 255, 0, 10, 19, 30, 40, 0, 60, 70, 80));
    assert_v128_equal(veil_op_i8x16_max_u(u1, u2), U8X16(255, 1, 200, 255, 128, 128, 255, 0, 11, 20,
                                                         30, 255, 50, 200, 185, 175));
    assert_v128_equal(veil_op_i8x16_abs(a8),
                      I8X16(127, -128, 0, 1, 1, 100, 100, 50, 127, -128, 0, 1, 1, 100, 100, 50));
    assert_v128_equal(veil_op_i8x16_neg(a8), I8X16(-127, -128, 0, -1, 1, -100, 100, -50, -127, -128,
                                                   0, -1, 1, -100, 100, -50));
    assert_v128_equal(veil_op_i8x16_popcnt(U8X16(0, 1, 3, 7, 15, 31, 63, 127, 255, 0x80, 0x55, 0xaa,
                                                 0x0f, 0xf0, 0x81, 0x18)),
                      U8X16(0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 4, 4, 4, 4, 2, 2));

    veil_v128 a16 = I16X8(32767, -32768, -32768, 16384, -1, 100, 0x4000, -0x4000);
    veil_v128 b16 = I16X8(1, -1, -32768, 2, -1, -3, 0x4000, 0x4000);
    assert_v128_equal(veil_op_i16x8_mul(a16, b16), I16X8(32767, -32768, 0, -32768, 1, -300, 0, 0));
    assert_v128_equal(veil_op_i16x8_q15mulr_sat_s(a16, b16),
                      I16X8(1, 1, 32767, 1, 0, 0, 0x2000, -0x2000));
    assert_v128_equal(veil_op_i16x8_add_sat_s(a16, b16),
                      I16X8(32767, -32768, -32768, 16386, -2, 97, 32767, 0));
    assert_v128_equal(veil_op_i16x8_sub_sat_s(a16, b16),
                      I16X8(32766, -32767, 0, 16382, 0, 103, 0, -32768));
    assert_v128_equal(veil_op_i16x8_add_sat_u(a16, b16),
                      U16X8(32768, 0xffff, 0xffff, 16386, 0xffff, 0xffff, 0x8000, 0xffff));
    assert_v128_equal(veil_op_i16x8_sub_sat_u(a16, b16),
                      U16X8(32766, 0, 0, 16382, 0, 0, 0, 0x8000));
    assert_v128_equal(veil_op_i16x8_avgr_u(U16X8(0xffff, 0, 1, 2, 3, 4, 5, 0x8000),
                                           U16X8(0xffff, 1, 1, 3, 4, 6, 0, 0x8001)),
                      U16X8(0xffff, 1, 1, 3, 4, 5, 3, 0x8001));
    assert_v128_equal(veil_op_i16x8_min_s(a16, b16),
                      I16X8(1, -32768, -32768, 2, -1, -3, 0x4000, -0x4000));
    assert_v128_equal(veil_op_i16x8_max_u(a16, b16),
                      U16X8(32767, 0xffff, 0x8000, 16384, 0xffff, 0xfffd, 0x4000, 0xc000));
    assert_v128_equal(veil_op_i16x8_min_u(a16, b16),
                      U16X8(1, 0x8000, 0x8000, 2, 0xffff, 100, 0x4000, 0x4000));
    assert_v128_equal(veil_op_i16x8_max_s(a16, b16),
                      I16X8(32767, -1, -32768, 16384, -1, 100, 0x4000, 0x4000));
    assert_v128_equal(veil_op_i16x8_abs(a16),
                      I16X8(32767, -32768, -32768, 16384, 1, 100, 0x4000, 0x4000));
    assert_v128_equal(veil_op_i16x8_neg(a16),
                      I16X8(-32767, -32768, -32768, -16384, 1, -100, -0x4000, 0x4000));
    assert_v128_equal(veil_op_i16x8_add(a16, b16),
                      I16X8(-32768, 32767, 0, 16386, -2, 97, -32768, 0));
    assert_v128_equal(veil_op_i16x8_sub(a16, b16),
                      I16X8(32766, -32767, 0, 16382, 0, 103, 0, -32768));

    veil_v128 a32 = I32X4(INT32_MIN, INT32_MAX, -1, 65536);
    veil_v128 b32 = I32X4(-1, 2, -1, 65536);
    assert_v128_equal(veil_op_i32x4_mul(a32, b32), I32X4(INT32_MIN, -2, 1, 0));
    assert_v128_equal(veil_op_i32x4_add(a32, b32), I32X4(INT32_MAX, INT32_MIN + 1, -2, 131072));
    assert_v128_equal(veil_op_i32x4_sub(a32, b32), I32X4(INT32_MIN + 1, INT32_MAX - 2, 0, 0));
    assert_v128_equal(veil_op_i32x4_neg(a32), I32X4(INT32_MIN, -INT32_MAX, 1, -65536));
    assert_v128_equal(veil_op_i32x4_abs(a32), I32X4(INT32_MIN, INT32_MAX, 1, 65536));
    assert_v128_equal(veil_op_i32x4_min_s(a32, b32), I32X4(INT32_MIN, 2, -1, 65536));
    assert_v128_equal(veil_op_i32x4_min_u(a32, b32), I32X4(INT32_MIN, 2, -1, 65536));
    assert_v128_equal(veil_op_i32x4_max_s(a32, b32), I32X4(-1, INT32_MAX, -1, 65536));
    assert_v128_equal(veil_op_i32x4_max_u(a32, b32), I32X4(-1, INT32_MAX, -1, 65536));
    assert_v128_equal(veil_op_i32x4_dot_i16x8_s(I16X8(-32768, -32768, 1, 2, -3, 4, 32767, 32767),
                                                I16X8(-32768, -32768, 5, 6, 7, 8, 32767, -32768)),
                      I32X4(INT32_MIN, 17, 11, -32767));

    veil_v128 a64 = I64X2(INT64_MIN, -5);
    veil_v128 b64 = I64X2(-1, 3);
    assert_v128_equal(veil_op_i64x2_mul(a64, b64), I64X2(INT64_MIN, -15));
    assert_v128_equal(veil_op_i64x2_add(a64, b64), I64X2(INT64_MAX, -2));
    assert_v128_equal(veil_op_i64x2_sub(a64, b64), I64X2(INT64_MIN + 1, -8));
    assert_v128_equal(veil_op_i64x2_neg(a64), I64X2(INT64_MIN, 5));
    assert_v128_equal(veil_op_i64x2_abs(a64), I64X2(INT64_MIN, 5));
}

static void test_simd_shifts(void **state) {
    (void)state;
    veil_v128 v8 = I8X16(-128, 1, 64, -1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, -2);
    assert_v128_equal(veil_op_i8x16_shl(v8, 9), veil_op_i8x16_shl(v8, 1));
    assert_v128_equal(veil_op_i8x16_shl(v8, 1),
                      I8X16(0, 2, -128, -2, 6, 10, 14, 18, 22, 26, 30, 34, 38, 42, 46, -4));
    assert_v128_equal(veil_op_i8x16_shr_s(v8, 7),
                      I8X16(-1, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1));
    assert_v128_equal(veil_op_i8x16_shr_u(v8, 0xffffffffu),
                      U8X16(1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
    assert_v128_equal(veil_op_i8x16_shr_s(v8, 8), v8);
    veil_v128 v16 = I16X8(-32768, 1, 0x4000, -1, 0x00ff, 2, 3, 4);
    assert_v128_equal(veil_op_i16x8_shl(v16, 17), I16X8(0, 2, -32768, -2, 0x1fe, 4, 6, 8));
    assert_v128_equal(veil_op_i16x8_shr_s(v16, 15), I16X8(-1, 0, 0, -1, 0, 0, 0, 0));
    assert_v128_equal(veil_op_i16x8_shr_u(v16, 31), U16X8(1, 0, 0, 1, 0, 0, 0, 0));
    veil_v128 v32 = I32X4(INT32_MIN, 1, -1, 0x40000000);
    assert_v128_equal(veil_op_i32x4_shl(v32, 33), I32X4(0, 2, -2, INT32_MIN));
    assert_v128_equal(veil_op_i32x4_shr_s(v32, 32), v32);
    assert_v128_equal(veil_op_i32x4_shr_s(v32, 31), I32X4(-1, 0, -1, 0));
    assert_v128_equal(veil_op_i32x4_shr_u(v32, 63), I32X4(1, 0, 1, 0));
    veil_v128 v64 = I64X2(INT64_MIN, 3);
    assert_v128_equal(veil_op_i64x2_shl(v64, 65), I64X2(0, 6));
    assert_v128_equal(veil_op_i64x2_shr_s(v64, 63), I64X2(-1, 0));
    assert_v128_equal(veil_op_i64x2_shr_u(v64, 127), I64X2(1, 0));
    assert_v128_equal(veil_op_i64x2_shr_u(v64, 64), v64);
}

static void test_simd_int_compare(void **state) {
    (void)state;
    veil_v128 a = I8X16(-1, 0, 1, -128, 127, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    veil_v128 b = I8X16(1, 0, -1, 127, -128, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 1);
    assert_v128_equal(veil_op_i8x16_eq(a, b),
                      I8X16(0, -1, 0, 0, 0, -1, 0, -1, -1, -1, -1, -1, -1, -1, -1, 0));
    assert_v128_equal(veil_op_i8x16_ne(a, b), veil_op_v128_not(veil_op_i8x16_eq(a, b)));
    assert_v128_equal(veil_op_i8x16_lt_s(a, b),
                      I8X16(-1, 0, 0, -1, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, -1));
    assert_v128_equal(veil_op_i8x16_lt_u(a, b),
                      I8X16(0, 0, -1, 0, -1, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, -1));
    assert_v128_equal(veil_op_i8x16_gt_s(a, b), veil_op_i8x16_lt_s(b, a));
    assert_v128_equal(veil_op_i8x16_gt_u(a, b), veil_op_i8x16_lt_u(b, a));
    assert_v128_equal(veil_op_i8x16_le_s(a, b), veil_op_v128_not(veil_op_i8x16_gt_s(a, b)));
    assert_v128_equal(veil_op_i8x16_le_u(a, b), veil_op_v128_not(veil_op_i8x16_gt_u(a, b)));
    assert_v128_equal(veil_op_i8x16_ge_s(a, b), veil_op_v128_not(veil_op_i8x16_lt_s(a, b)));
    assert_v128_equal(veil_op_i8x16_ge_u(a, b), veil_op_v128_not(veil_op_i8x16_lt_u(a, b)));

    veil_v128 c = I16X8(-1, 0, -32768, 32767, 7, 0, 0, 0);
    veil_v128 d = I16X8(1, 0, 32767, -32768, 7, 0, 0, 1);
    assert_v128_equal(veil_op_i16x8_eq(c, d), I16X8(0, -1, 0, 0, -1, -1, -1, 0));
    assert_v128_equal(veil_op_i16x8_ne(c, d), I16X8(-1, 0, -1, -1, 0, 0, 0, -1));
    assert_v128_equal(veil_op_i16x8_lt_s(c, d), I16X8(-1, 0, -1, 0, 0, 0, 0, -1));
    assert_v128_equal(veil_op_i16x8_lt_u(c, d), I16X8(0, 0, 0, -1, 0, 0, 0, -1));
    assert_v128_equal(veil_op_i16x8_gt_s(c, d), I16X8(0, 0, 0, -1, 0, 0, 0, 0));
    assert_v128_equal(veil_op_i16x8_gt_u(c, d), I16X8(-1, 0, -1, 0, 0, 0, 0, 0));
    assert_v128_equal(veil_op_i16x8_le_s(c, d), I16X8(-1, -1, -1, 0, -1, -1, -1, -1));
    assert_v128_equal(veil_op_i16x8_le_u(c, d), I16X8(0, -1, 0, -1, -1, -1, -1, -1));
    assert_v128_equal(veil_op_i16x8_ge_s(c, d), I16X8(0, -1, 0, -1, -1, -1, -1, 0));
    assert_v128_equal(veil_op_i16x8_ge_u(c, d), I16X8(-1, -1, -1, 0, -1, -1, -1, 0));

    veil_v128 e = I32X4(-1, INT32_MIN, 3, 3);
    veil_v128 f = I32X4(1, INT32_MAX, 3, 4);
    assert_v128_equal(veil_op_i32x4_eq(e, f), I32X4(0, 0, -1, 0));
    assert_v128_equal(veil_op_i32x4_ne(e, f), I32X4(-1, -1, 0, -1));
    assert_v128_equal(veil_op_i32x4_lt_s(e, f), I32X4(-1, -1, 0, -1));
    assert_v128_equal(veil_op_i32x4_lt_u(e, f), I32X4(0, 0, 0, -1));
    assert_v128_equal(veil_op_i32x4_gt_s(e, f), I32X4(0, 0, 0, 0));
    assert_v128_equal(veil_op_i32x4_gt_u(e, f), I32X4(-1, -1, 0, 0));
    assert_v128_equal(veil_op_i32x4_le_s(e, f), I32X4(-1, -1, -1, -1));
    assert_v128_equal(veil_op_i32x4_le_u(e, f), I32X4(0, 0, -1, -1));
    assert_v128_equal(veil_op_i32x4_ge_s(e, f), I32X4(0, 0, -1, 0));
    assert_v128_equal(veil_op_i32x4_ge_u(e, f), I32X4(-1, -1, -1, 0));

    veil_v128 g = I64X2(-1, INT64_MAX);
    veil_v128 h = I64X2(1, INT64_MAX);
    assert_v128_equal(veil_op_i64x2_eq(g, h), I64X2(0, -1));
    assert_v128_equal(veil_op_i64x2_ne(g, h), I64X2(-1, 0));
    assert_v128_equal(veil_op_i64x2_lt_s(g, h), I64X2(-1, 0));
    assert_v128_equal(veil_op_i64x2_gt_s(h, g), I64X2(-1, 0));
    assert_v128_equal(veil_op_i64x2_le_s(g, h), I64X2(-1, -1));
    assert_v128_equal(veil_op_i64x2_ge_s(g, h), I64X2(0, -1));
}

static void test_simd_widen_narrow(void **state) {
    (void)state;
    veil_v128 n16 = I16X8(-129, -128, 127, 128, 255, 256, -1, 0);
    veil_v128 m16 = I16X8(32767, -32768, 1, -2, 3, -4, 5, 300);
    assert_v128_equal(
        veil_op_i8x16_narrow_i16x8_s(n16, m16),
        I8X16(-128, -128, 127, 127, 127, 127, -1, 0, 127, -128, 1, -2, 3, -4, 5, 127));
    assert_v128_equal(veil_op_i8x16_narrow_i16x8_u(n16, m16),
                      U8X16(0, 0, 127, 128, 255, 255, 0, 0, 255, 0, 1, 0, 3, 0, 5, 255));
    veil_v128 n32 = I32X4(-32769, 32768, 65535, 65536);
    veil_v128 m32 = I32X4(-1, 0, INT32_MIN, INT32_MAX);
    assert_v128_equal(veil_op_i16x8_narrow_i32x4_s(n32, m32),
                      I16X8(-32768, 32767, 32767, 32767, -1, 0, -32768, 32767));
    assert_v128_equal(veil_op_i16x8_narrow_i32x4_u(n32, m32),
                      U16X8(0, 32768, 65535, 65535, 0, 0, 0, 65535));

    veil_v128 b = I8X16(-128, 127, -1, 0, 1, 2, 3, 4, -5, -6, -7, -8, 9, 10, 11, -128);
    assert_v128_equal(veil_op_i16x8_extend_low_i8x16_s(b), I16X8(-128, 127, -1, 0, 1, 2, 3, 4));
    assert_v128_equal(veil_op_i16x8_extend_high_i8x16_s(b), I16X8(-5, -6, -7, -8, 9, 10, 11, -128));
    assert_v128_equal(veil_op_i16x8_extend_low_i8x16_u(b), I16X8(128, 127, 255, 0, 1, 2, 3, 4));
    assert_v128_equal(veil_op_i16x8_extend_high_i8x16_u(b),
                      I16X8(251, 250, 249, 248, 9, 10, 11, 128));
    veil_v128 h = I16X8(-32768, 32767, -1, 0, 1, -2, 3, -4);
    assert_v128_equal(veil_op_i32x4_extend_low_i16x8_s(h), I32X4(-32768, 32767, -1, 0));
    assert_v128_equal(veil_op_i32x4_extend_high_i16x8_s(h), I32X4(1, -2, 3, -4));
    assert_v128_equal(veil_op_i32x4_extend_low_i16x8_u(h), I32X4(32768, 32767, 65535, 0));
    assert_v128_equal(veil_op_i32x4_extend_high_i16x8_u(h), I32X4(1, 65534, 3, 65532));
    veil_v128 w = I32X4(INT32_MIN, -1, 7, INT32_MAX);
    assert_v128_equal(veil_op_i64x2_extend_low_i32x4_s(w), I64X2(INT32_MIN, -1));
    assert_v128_equal(veil_op_i64x2_extend_high_i32x4_s(w), I64X2(7, INT32_MAX));
    assert_v128_equal(veil_op_i64x2_extend_low_i32x4_u(w), I64X2(0x80000000, 0xffffffff));
    assert_v128_equal(veil_op_i64x2_extend_high_i32x4_u(w), I64X2(7, INT32_MAX));

    assert_v128_equal(veil_op_i16x8_extmul_low_i8x16_s(b, b),
                      I16X8(16384, 16129, 1, 0, 1, 4, 9, 16));
    assert_v128_equal(veil_op_i16x8_extmul_high_i8x16_s(b, b),
                      I16X8(25, 36, 49, 64, 81, 100, 121, 16384));
    assert_v128_equal(veil_op_i16x8_extmul_low_i8x16_u(b, b),
                      U16X8(16384, 16129, 65025, 0, 1, 4, 9, 16));
    assert_v128_equal(veil_op_i16x8_extmul_high_i8x16_u(b, b),
                      U16X8(63001, 62500, 62001, 61504, 81, 100, 121, 16384));
    assert_v128_equal(veil_op_i32x4_extmul_low_i16x8_s(h, h), I32X4(0x40000000, 1073676289, 1, 0));
    assert_v128_equal(veil_op_i32x4_extmul_high_i16x8_s(h, h), I32X4(1, 4, 9, 16));
    assert_v128_equal(veil_op_i32x4_extmul_low_i16x8_u(h, h),
                      U32X4(0x40000000u, 1073676289u, 0xfffe0001u, 0));
    assert_v128_equal(veil_op_i32x4_extmul_high_i16x8_u(h, h),
                      U32X4(1, 4294705156u, 9, 4294443024u));
    assert_v128_equal(veil_op_i64x2_extmul_low_i32x4_s(w, w),
                      I64X2(INT64_C(0x4000000000000000), 1));
    assert_v128_equal(veil_op_i64x2_extmul_high_i32x4_s(w, w),
                      I64X2(49, INT64_C(0x3fffffff00000001)));
    assert_v128_equal(veil_op_i64x2_extmul_low_i32x4_u(w, w),
                      U64X2(UINT64_C(0x4000000000000000), UINT64_C(0xfffffffe00000001)));
    assert_v128_equal(veil_op_i64x2_extmul_high_i32x4_u(w, w),
                      U64X2(49, UINT64_C(0x3fffffff00000001)));

    assert_v128_equal(veil_op_i16x8_extadd_pairwise_i8x16_s(b),
                      I16X8(-1, -1, 3, 7, -11, -15, 19, -117));
    assert_v128_equal(veil_op_i16x8_extadd_pairwise_i8x16_u(
                          U8X16(255, 255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 128, 128)),
                      U16X8(510, 1, 5, 9, 13, 17, 21, 256));
    assert_v128_equal(veil_op_i32x4_extadd_pairwise_i16x8_s(h), I32X4(-1, -1, -1, -1));
    assert_v128_equal(veil_op_i32x4_extadd_pairwise_i16x8_u(U16X8(65535, 65535, 1, 2, 0, 0, 3, 4)),
                      U32X4(131070, 3, 0, 7));
}

static void test_simd_float(void **state) {
    (void)state;
    veil_v128 a = U32X4(F32_SNAN, 0x80000000u, B32(1.5f), F32_CANON);
    veil_v128 b = U32X4(B32(1.0f), 0x00000000u, B32(-2.0f), B32(1.0f));
    veil_u32x4 r;

    r = (veil_u32x4)veil_op_f32x4_min(a, b);
    assert_true(f32_is_arithmetic(F32(r[0])));
    assert_int_equal(r[1], 0x80000000u);
    assert_int_equal(r[2], B32(-2.0f));
    assert_true(f32_is_canonical(F32(r[3])));
    r = (veil_u32x4)veil_op_f32x4_max(a, b);
    assert_true(f32_is_arithmetic(F32(r[0])));
    assert_int_equal(r[1], 0);
    assert_int_equal(r[2], B32(1.5f));
    assert_true(f32_is_canonical(F32(r[3])));
    /* pmin/pmax return an operand's exact bits: NaN in a -> a. */
    assert_v128_equal(veil_op_f32x4_pmin(a, b),
                      U32X4(F32_SNAN, 0x80000000u, B32(-2.0f), F32_CANON));
    assert_v128_equal(veil_op_f32x4_pmax(a, b), U32X4(F32_SNAN, 0x80000000u, B32(1.5f), F32_CANON));
    assert_v128_equal(veil_op_f32x4_pmin(b, a), b);

    r = (veil_u32x4)veil_op_f32x4_mul(a, b);
    assert_true(f32_is_arithmetic(F32(r[0])));
    assert_int_equal(r[1], 0x80000000u);
    assert_int_equal(r[2], B32(-3.0f));
    assert_true(f32_is_canonical(F32(r[3])));
    r = (veil_u32x4)veil_op_f32x4_add(a, F32X4(-0.0f, -0.0f, 0.25f, 1.0f));
    assert_true(f32_is_arithmetic(F32(r[0])));
    assert_int_equal(r[1], 0x80000000u);
    assert_int_equal(r[2], B32(1.75f));
    r = (veil_u32x4)veil_op_f32x4_sub(F32X4(INFINITY, 1.0f, 0.0f, 0.0f),
                                      F32X4(INFINITY, 1.0f, 0.0f, -0.0f));
    assert_true(f32_is_canonical(F32(r[0])));
    assert_int_equal(r[1], 0);
    assert_int_equal(r[3], 0);
    r = (veil_u32x4)veil_op_f32x4_div(F32X4(1.0f, 0.0f, -1.0f, 1.0f),
                                      F32X4(0.0f, 0.0f, 0.0f, 3.0f));
    assert_int_equal(r[0], 0x7f800000u);
    assert_true(f32_is_canonical(F32(r[1])));
    assert_int_equal(r[2], 0xff800000u);
    assert_int_equal(r[3], B32(1.0f / 3.0f));
    r = (veil_u32x4)veil_op_f32x4_sqrt(F32X4(4.0f, -1.0f, -0.0f, F32(F32_SNAN)));
    assert_int_equal(r[0], B32(2.0f));
    assert_true(f32_is_canonical(F32(r[1])));
    assert_int_equal(r[2], 0x80000000u);
    assert_true(f32_is_arithmetic(F32(r[3])));
    assert_v128_equal(veil_op_f32x4_abs(a), U32X4(F32_SNAN, 0, B32(1.5f), F32_CANON));
    assert_v128_equal(veil_op_f32x4_neg(a),
                      U32X4(0xffa00000u, 0, B32(-1.5f), F32_CANON | VEIL_OP_F32_SIGN));
    assert_v128_equal(veil_op_f32x4_nearest(F32X4(0.5f, 1.5f, -2.5f, -0.4f)),
                      F32X4(0.0f, 2.0f, -2.0f, -0.0f));
    assert_v128_equal(veil_op_f32x4_ceil(F32X4(0.5f, -0.5f, 1.0f, -1.5f)),
                      F32X4(1.0f, -0.0f, 1.0f, -1.0f));
    assert_v128_equal(veil_op_f32x4_floor(F32X4(0.5f, -0.5f, 1.0f, -0.0f)),
                      F32X4(0.0f, -1.0f, 1.0f, -0.0f));
    assert_v128_equal(veil_op_f32x4_trunc(F32X4(0.5f, -0.5f, 2.9f, -2.9f)),
                      F32X4(0.0f, -0.0f, 2.0f, -2.0f));
    r = (veil_u32x4)veil_op_f32x4_ceil(F32X4(F32(F32_SNAN), 0, 0, 0));
    assert_true(f32_is_arithmetic(F32(r[0])));

    veil_v128 c = F32X4(F32(F32_CANON), 0.0f, -1.0f, 2.0f);
    veil_v128 d = F32X4(F32(F32_CANON), -0.0f, 1.0f, 2.0f);
    assert_v128_equal(veil_op_f32x4_eq(c, d), I32X4(0, -1, 0, -1));
    assert_v128_equal(veil_op_f32x4_ne(c, d), I32X4(-1, 0, -1, 0));
    assert_v128_equal(veil_op_f32x4_lt(c, d), I32X4(0, 0, -1, 0));
    assert_v128_equal(veil_op_f32x4_gt(c, d), I32X4(0, 0, 0, 0));
    assert_v128_equal(veil_op_f32x4_le(c, d), I32X4(0, -1, -1, -1));
    assert_v128_equal(veil_op_f32x4_ge(c, d), I32X4(0, -1, 0, -1));

    veil_v128 e = U64X2(F64_SNAN, VEIL_OP_F64_SIGN);
    veil_v128 f = F64X2(1.0, 0.0);
    veil_u64x2 q = (veil_u64x2)veil_op_f64x2_min(e, f);
    assert_true(f64_is_arithmetic(F64(q[0])));
    assert_int_equal(q[1], VEIL_OP_F64_SIGN);
    q = (veil_u64x2)veil_op_f64x2_max(e, f);
    assert_true(f64_is_arithmetic(F64(q[0])));
    assert_int_equal(q[1], 0);
    assert_v128_equal(veil_op_f64x2_pmin(e, f), e);
    assert_v128_equal(veil_op_f64x2_pmax(f, e), f);
    assert_v128_equal(veil_op_f64x2_pmax(F64X2(1.0, 2.0), F64X2(3.0, -2.0)), F64X2(3.0, 2.0));
    assert_v128_equal(veil_op_f64x2_pmin(F64X2(1.0, 2.0), F64X2(3.0, -2.0)), F64X2(1.0, -2.0));
    q = (veil_u64x2)veil_op_f64x2_mul(e, f);
    assert_true(f64_is_arithmetic(F64(q[0])));
    assert_int_equal(q[1], VEIL_OP_F64_SIGN);
    assert_v128_equal(veil_op_f64x2_add(F64X2(0.1, -0.0), F64X2(0.2, -0.0)),
                      F64X2(0.30000000000000004, -0.0));
    assert_v128_equal(veil_op_f64x2_sub(F64X2(1.0, 0.0), F64X2(0.5, 0.0)), F64X2(0.5, 0.0));
    assert_v128_equal(veil_op_f64x2_div(F64X2(1.0, -1.0), F64X2(4.0, 0.0)), F64X2(0.25, -INFINITY));
    assert_v128_equal(veil_op_f64x2_sqrt(F64X2(9.0, INFINITY)), F64X2(3.0, INFINITY));
    assert_v128_equal(veil_op_f64x2_abs(e), U64X2(F64_SNAN, 0));
    assert_v128_equal(veil_op_f64x2_neg(e), U64X2(F64_SNAN | VEIL_OP_F64_SIGN, 0));
    assert_v128_equal(veil_op_f64x2_nearest(F64X2(2.5, -3.5)), F64X2(2.0, -4.0));
    assert_v128_equal(veil_op_f64x2_ceil(F64X2(-0.5, 1.1)), F64X2(-0.0, 2.0));
    assert_v128_equal(veil_op_f64x2_floor(F64X2(-0.5, 1.9)), F64X2(-1.0, 1.0));
    assert_v128_equal(veil_op_f64x2_trunc(F64X2(-0.5, 1.9)), F64X2(-0.0, 1.0));
    q = (veil_u64x2)veil_op_f64x2_trunc(e);
    assert_true(f64_is_arithmetic(F64(q[0])));

    veil_v128 g = F64X2(F64(F64_CANON), -0.0);
    veil_v128 h = F64X2(1.0, 0.0);
    assert_v128_equal(veil_op_f64x2_eq(g, h), I64X2(0, -1));
    assert_v128_equal(veil_op_f64x2_ne(g, h), I64X2(-1, 0));
    assert_v128_equal(veil_op_f64x2_lt(g, h), I64X2(0, 0));
    assert_v128_equal(veil_op_f64x2_gt(h, g), I64X2(0, 0));
    assert_v128_equal(veil_op_f64x2_le(g, h), I64X2(0, -1));
    assert_v128_equal(veil_op_f64x2_ge(g, h), I64X2(0, -1));
}

static void test_simd_conversions(void **state) {
    (void)state;
    assert_v128_equal(
        veil_op_i32x4_trunc_sat_f32x4_s(F32X4(F32(F32_SNAN), 2147483648.0f, -2147483904.0f, -1.9f)),
        I32X4(0, INT32_MAX, INT32_MIN, -1));
    assert_v128_equal(
        veil_op_i32x4_trunc_sat_f32x4_u(F32X4(-1.0f, 4294967296.0f, 4294967040.0f, F32(F32_CANON))),
        U32X4(0, 0xffffffffu, 4294967040u, 0));
    assert_v128_equal(veil_op_i32x4_trunc_sat_f64x2_s_zero(F64X2(-2147483649.0, 2147483647.9)),
                      I32X4(INT32_MIN, INT32_MAX, 0, 0));
    assert_v128_equal(veil_op_i32x4_trunc_sat_f64x2_u_zero(F64X2(4294967296.0, -0.5)),
                      U32X4(0xffffffffu, 0, 0, 0));
    assert_v128_equal(veil_op_f32x4_convert_i32x4_s(I32X4(INT32_MIN, -1, 16777217, INT32_MAX)),
                      F32X4(-2147483648.0f, -1.0f, 16777216.0f, 2147483648.0f));
    assert_v128_equal(veil_op_f32x4_convert_i32x4_u(U32X4(0xffffffffu, 0x80000000u, 16777219, 1)),
                      F32X4(4294967296.0f, 2147483648.0f, 16777220.0f, 1.0f));
    assert_v128_equal(veil_op_f64x2_convert_low_i32x4_s(I32X4(INT32_MIN, -1, 5, 6)),
                      F64X2(-2147483648.0, -1.0));
    assert_v128_equal(veil_op_f64x2_convert_low_i32x4_u(U32X4(0xffffffffu, 0x80000000u, 5, 6)),
                      F64X2(4294967295.0, 2147483648.0));
    veil_v128 dem = veil_op_f32x4_demote_f64x2_zero(F64X2(0x1.fffffefffffffp+127, F64(F64_SNAN)));
    veil_u32x4 r = (veil_u32x4)dem;
    assert_int_equal(r[0], 0x7f7fffffu);
    assert_true(f32_is_arithmetic(F32(r[1])));
    assert_int_equal(r[2], 0);
    assert_int_equal(r[3], 0);
    veil_v128 pro = veil_op_f64x2_promote_low_f32x4(F32X4(-0.0f, F32(F32_SNAN), 1.0f, 2.0f));
    veil_u64x2 q = (veil_u64x2)pro;
    assert_int_equal(q[0], VEIL_OP_F64_SIGN);
    assert_true(f64_is_arithmetic(F64(q[1])));
}

static void test_simd_memory(void **state) {
    (void)state;
    uint8_t mem[40];
    for (int i = 0; i < 40; i++)
        mem[i] = (uint8_t)(0x80 + i);
    /* Unaligned full load and store. */
    veil_v128 v = veil_op_v128_load(mem + 1);
    assert_int_equal(veil_op_i8x16_extract_lane_u(v, 0), 0x81);
    assert_int_equal(veil_op_i8x16_extract_lane_u(v, 15), 0x90);
    uint8_t out[20];
    memset(out, 0, sizeof(out));
    veil_op_v128_store(out + 3, v);
    assert_memory_equal(out + 3, mem + 1, 16);

    assert_v128_equal(veil_op_v128_load8x8_s(mem),
                      I16X8(-128, -127, -126, -125, -124, -123, -122, -121));
    assert_v128_equal(veil_op_v128_load8x8_u(mem + 1),
                      U16X8(0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88));
    assert_v128_equal(veil_op_v128_load16x4_s(mem + 1),
                      I32X4((int16_t)0x8281, (int16_t)0x8483, (int16_t)0x8685, (int16_t)0x8887));
    assert_v128_equal(veil_op_v128_load16x4_u(mem + 1), U32X4(0x8281, 0x8483, 0x8685, 0x8887));
    assert_v128_equal(veil_op_v128_load32x2_s(mem + 3),
                      I64X2((int32_t)0x86858483, (int32_t)0x8a898887));
    assert_v128_equal(veil_op_v128_load32x2_u(mem + 3), U64X2(0x86858483u, 0x8a898887u));
    assert_v128_equal(veil_op_v128_load8_splat(mem + 5), veil_op_i8x16_splat(0x85));
    assert_v128_equal(veil_op_v128_load16_splat(mem + 5), veil_op_i16x8_splat(0x8685));
    assert_v128_equal(veil_op_v128_load32_splat(mem + 5), veil_op_i32x4_splat(0x88878685u));
    assert_v128_equal(veil_op_v128_load64_splat(mem + 5), veil_op_i64x2_splat(0x8c8b8a8988878685u));
    assert_v128_equal(veil_op_v128_load32_zero(mem + 7), U32X4(0x8a898887u, 0, 0, 0));
    assert_v128_equal(veil_op_v128_load64_zero(mem + 7), U64X2(0x8e8d8c8b8a898887u, 0));

    veil_v128 z = U64X2(0, 0);
    assert_v128_equal(veil_op_v128_load8_lane(mem + 9, z, 15),
                      U8X16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x89));
    assert_v128_equal(veil_op_v128_load16_lane(mem + 9, z, 1), U16X8(0, 0x8a89, 0, 0, 0, 0, 0, 0));
    assert_v128_equal(veil_op_v128_load32_lane(mem + 9, z, 3), U32X4(0, 0, 0, 0x8c8b8a89u));
    assert_v128_equal(veil_op_v128_load64_lane(mem + 9, z, 0), U64X2(0x908f8e8d8c8b8a89u, 0));

    veil_v128 src = U8X16(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    memset(out, 0, sizeof(out));
    veil_op_v128_store8_lane(out + 1, src, 15);
    veil_op_v128_store16_lane(out + 2, src, 7);
    veil_op_v128_store32_lane(out + 5, src, 2);
    veil_op_v128_store64_lane(out + 9, src, 1);
    const uint8_t want[20] = {0,  16, 15, 16, 0,  9,  10, 11, 12, 9,
                              10, 11, 12, 13, 14, 15, 16, 0,  0,  0};
    assert_memory_equal(out, want, 20);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_div_rem),          cmocka_unit_test(test_int_arith_wraps),
        cmocka_unit_test(test_int_shifts),           cmocka_unit_test(test_int_bits),
        cmocka_unit_test(test_int_extend_wrap),      cmocka_unit_test(test_trunc_trapping),
        cmocka_unit_test(test_trunc_saturating),     cmocka_unit_test(test_convert),
        cmocka_unit_test(test_float_nan_results),    cmocka_unit_test(test_float_min_max),
        cmocka_unit_test(test_float_rounding),       cmocka_unit_test(test_float_bits_ops),
        cmocka_unit_test(test_float_compare),        cmocka_unit_test(test_demote_promote),
        cmocka_unit_test(test_scalar_memory),        cmocka_unit_test(test_simd_lanes),
        cmocka_unit_test(test_simd_shuffle_swizzle), cmocka_unit_test(test_simd_bitwise),
        cmocka_unit_test(test_simd_int_arith),       cmocka_unit_test(test_simd_shifts),
        cmocka_unit_test(test_simd_int_compare),     cmocka_unit_test(test_simd_widen_narrow),
        cmocka_unit_test(test_simd_float),           cmocka_unit_test(test_simd_conversions),
        cmocka_unit_test(test_simd_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
