/* Numeric semantics of every WebAssembly 2.0 scalar instruction that computes
 * a value (i32/i64/f32/f64 arithmetic, bitwise, comparisons, conversions).
 *
 * Why header-only: the same definitions serve the interpreter and the C that
 * the ahead-of-time translator generates, so that both execution paths agree
 * bit for bit.  Generated C must compile on its own, so this header includes
 * only <stdint.h>, <string.h> and <math.h>; every function is `static inline`
 * and free of libveil dependencies.
 *
 * Naming: veil_op_<wasm mnemonic with '.' replaced by '_'>, e.g. i32.div_s is
 * veil_op_i32_div_s and i64.trunc_f64_u is veil_op_i64_trunc_f64_u.
 *
 * Value types:
 *   i32 -> uint32_t, i64 -> uint64_t (wasm integers have no sign; signed
 *          instructions reinterpret internally, so no signed overflow, no
 *          shift by the width or more, and no out-of-range float casts
 *          ever happen here — UBSan-clean).  Comparisons return 0 or 1.
 *   f32 -> float, f64 -> double for arithmetic, comparisons and conversions.
 *          Passing a float by value keeps its bits on the targets Veil
 *          supports (x86-64 SSE2, AArch64), checked below.
 *   abs/neg/copysign operate on the bit patterns (uint32_t/uint64_t): they
 *          are bit operations in wasm and must keep NaN payloads, including
 *          signalling NaNs, exactly.  Use the reinterpret functions to move
 *          between float and bits.
 *
 * Traps: instructions that can trap return an enum veil_op_trap code and write
 * the result through `out` only when the code is VEIL_OP_OK.
 *
 * NaN policy: wasm requires a NaN result to be canonical when every NaN input
 * is canonical, and otherwise merely "arithmetic" (quiet bit set).  Hardware
 * (x86-64 SSE and AArch64 without default-NaN mode) already propagates a
 * quieted input NaN or produces a canonical default NaN, but compilers fold
 * x*1.0, x+(-0.0), x/1.0 to x and may fold constant NaN arithmetic without
 * quieting.  So every operation that can yield a NaN from its inputs ends with
 * veil_op_f32_quiet/veil_op_f64_quiet, which sets the quiet bit of a NaN
 * result and changes nothing else: a canonical NaN stays canonical, anything
 * else becomes arithmetic.  That is exactly what the spec allows.  The four
 * basic operations (add, sub, mul, div) are the exception on x86-64 and
 * AArch64: there the instruction itself already quiets (see above), so
 * instead of a test and an or after each of them, an empty asm hides each
 * operand's value from the compiler, which then can neither fold nor
 * rewrite the operation; it costs no instruction (VEIL_OP_FP_HIDE, the
 * scalar form of ops_simd.h's device).
 *
 * Build requirements for code that includes this header: no -ffast-math (it
 * breaks NaN and signed-zero semantics; refused below), floating point
 * evaluated in the declared type (FLT_EVAL_METHOD 0; refused otherwise),
 * default rounding mode, and -ffp-contract=off when the target has FMA
 * instructions (a fused a*b+c rounds once, wasm rounds twice).
 * Memory is little-endian as wasm defines; big-endian hosts are refused. */
#ifndef VEIL_WASM_OPS_SCALAR_H
#define VEIL_WASM_OPS_SCALAR_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__FAST_MATH__)
#error "veil wasm ops need IEEE semantics: do not build with -ffast-math"
#endif
#if defined(__FLT_EVAL_METHOD__) && __FLT_EVAL_METHOD__ != 0
#error "veil wasm ops need FLT_EVAL_METHOD 0 (SSE2 or AArch64 floating point, not x87)"
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "veil wasm ops assume a little-endian host"
#endif

#if defined(__GNUC__)
#define VEIL_OP_MUST_CHECK __attribute__((warn_unused_result))
#else
#define VEIL_OP_MUST_CHECK
#endif

/* Result of an instruction that can trap. */
enum veil_op_trap {
    VEIL_OP_OK = 0,
    VEIL_OP_TRAP_DIV_BY_ZERO,       /* "integer divide by zero" */
    VEIL_OP_TRAP_INT_OVERFLOW,      /* "integer overflow" */
    VEIL_OP_TRAP_INVALID_CONVERSION /* "invalid conversion to integer" */
};

/* ---- Bit patterns ------------------------------------------------------ */

static inline uint32_t veil_op_i32_reinterpret_f32(float a) {
    uint32_t bits;
    memcpy(&bits, &a, sizeof(bits));
    return bits;
}

static inline uint64_t veil_op_i64_reinterpret_f64(double a) {
    uint64_t bits;
    memcpy(&bits, &a, sizeof(bits));
    return bits;
}

static inline float veil_op_f32_reinterpret_i32(uint32_t a) {
    float f;
    memcpy(&f, &a, sizeof(f));
    return f;
}

static inline double veil_op_f64_reinterpret_i64(uint64_t a) {
    double d;
    memcpy(&d, &a, sizeof(d));
    return d;
}

#define VEIL_OP_F32_SIGN 0x80000000u
#define VEIL_OP_F32_QUIET 0x00400000u
#define VEIL_OP_F64_SIGN 0x8000000000000000u
#define VEIL_OP_F64_QUIET 0x0008000000000000u

/* Sets the quiet bit when a is a NaN; see the NaN policy above. */
static inline float veil_op_f32_quiet(float a) {
    uint32_t bits = veil_op_i32_reinterpret_f32(a);
    if ((bits & ~VEIL_OP_F32_SIGN) > 0x7f800000u)
        bits |= VEIL_OP_F32_QUIET;
    return veil_op_f32_reinterpret_i32(bits);
}

static inline double veil_op_f64_quiet(double a) {
    uint64_t bits = veil_op_i64_reinterpret_f64(a);
    if ((bits & ~VEIL_OP_F64_SIGN) > 0x7ff0000000000000u)
        bits |= VEIL_OP_F64_QUIET;
    return veil_op_f64_reinterpret_i64(bits);
}

/* Hides a float's value from the optimiser (no instruction; see the NaN
 * policy).  "v" on x86-64 is any register an EVEX encoding reaches
 * (xmm0-31 with AVX-512), so the asm never forces a copy. */
#if defined(__x86_64__)
#define VEIL_OP_FP_HIDE(v) __asm__("" : "+v"(v))
#define VEIL_OP_FP_RESULT_F32(r) (r)
#define VEIL_OP_FP_RESULT_F64(r) (r)
#elif defined(__aarch64__)
#define VEIL_OP_FP_HIDE(v) __asm__("" : "+w"(v))
#define VEIL_OP_FP_RESULT_F32(r) (r)
#define VEIL_OP_FP_RESULT_F64(r) (r)
#else
#define VEIL_OP_FP_HIDE(v) ((void)0)
#define VEIL_OP_FP_RESULT_F32(r) veil_op_f32_quiet(r)
#define VEIL_OP_FP_RESULT_F64(r) veil_op_f64_quiet(r)
#endif

/* ---- i32 ---------------------------------------------------------------- */

static inline uint32_t veil_op_i32_eqz(uint32_t a) {
    return a == 0;
}
static inline uint32_t veil_op_i32_eq(uint32_t a, uint32_t b) {
    return a == b;
}
static inline uint32_t veil_op_i32_ne(uint32_t a, uint32_t b) {
    return a != b;
}
static inline uint32_t veil_op_i32_lt_s(uint32_t a, uint32_t b) {
    return (int32_t)a < (int32_t)b;
}
static inline uint32_t veil_op_i32_lt_u(uint32_t a, uint32_t b) {
    return a < b;
}
static inline uint32_t veil_op_i32_gt_s(uint32_t a, uint32_t b) {
    return (int32_t)a > (int32_t)b;
}
static inline uint32_t veil_op_i32_gt_u(uint32_t a, uint32_t b) {
    return a > b;
}
static inline uint32_t veil_op_i32_le_s(uint32_t a, uint32_t b) {
    return (int32_t)a <= (int32_t)b;
}
static inline uint32_t veil_op_i32_le_u(uint32_t a, uint32_t b) {
    return a <= b;
}
static inline uint32_t veil_op_i32_ge_s(uint32_t a, uint32_t b) {
    return (int32_t)a >= (int32_t)b;
}
static inline uint32_t veil_op_i32_ge_u(uint32_t a, uint32_t b) {
    return a >= b;
}

static inline uint32_t veil_op_i32_clz(uint32_t a) {
    return a == 0 ? 32 : (uint32_t)__builtin_clz(a);
}
static inline uint32_t veil_op_i32_ctz(uint32_t a) {
    return a == 0 ? 32 : (uint32_t)__builtin_ctz(a);
}
static inline uint32_t veil_op_i32_popcnt(uint32_t a) {
    return (uint32_t)__builtin_popcount(a);
}

static inline uint32_t veil_op_i32_add(uint32_t a, uint32_t b) {
    return a + b;
}
static inline uint32_t veil_op_i32_sub(uint32_t a, uint32_t b) {
    return a - b;
}
static inline uint32_t veil_op_i32_mul(uint32_t a, uint32_t b) {
    return a * b;
}

static inline VEIL_OP_MUST_CHECK int veil_op_i32_div_s(uint32_t a, uint32_t b, uint32_t *out) {
    if (b == 0)
        return VEIL_OP_TRAP_DIV_BY_ZERO;
    if (a == 0x80000000u && b == 0xffffffffu)
        return VEIL_OP_TRAP_INT_OVERFLOW;
    *out = (uint32_t)((int32_t)a / (int32_t)b);
    return VEIL_OP_OK;
}

static inline VEIL_OP_MUST_CHECK int veil_op_i32_div_u(uint32_t a, uint32_t b, uint32_t *out) {
    if (b == 0)
        return VEIL_OP_TRAP_DIV_BY_ZERO;
    *out = a / b;
    return VEIL_OP_OK;
}

/* INT32_MIN rem -1 is 0 in wasm but undefined in C, hence the -1 case. */
static inline VEIL_OP_MUST_CHECK int veil_op_i32_rem_s(uint32_t a, uint32_t b, uint32_t *out) {
    if (b == 0)
        return VEIL_OP_TRAP_DIV_BY_ZERO;
    *out = b == 0xffffffffu ? 0 : (uint32_t)((int32_t)a % (int32_t)b);
    return VEIL_OP_OK;
}

static inline VEIL_OP_MUST_CHECK int veil_op_i32_rem_u(uint32_t a, uint32_t b, uint32_t *out) {
    if (b == 0)
        return VEIL_OP_TRAP_DIV_BY_ZERO;
    *out = a % b;
    return VEIL_OP_OK;
}

static inline uint32_t veil_op_i32_and(uint32_t a, uint32_t b) {
    return a & b;
}
static inline uint32_t veil_op_i32_or(uint32_t a, uint32_t b) {
    return a | b;
}
static inline uint32_t veil_op_i32_xor(uint32_t a, uint32_t b) {
    return a ^ b;
}
/* Shift and rotate counts are taken modulo 32. */
static inline uint32_t veil_op_i32_shl(uint32_t a, uint32_t b) {
    return a << (b & 31);
}
/* >> of a negative signed value is arithmetic on GCC and Clang (documented
 * implementation-defined behaviour, not UB). */
static inline uint32_t veil_op_i32_shr_s(uint32_t a, uint32_t b) {
    return (uint32_t)((int32_t)a >> (b & 31));
}
static inline uint32_t veil_op_i32_shr_u(uint32_t a, uint32_t b) {
    return a >> (b & 31);
}
static inline uint32_t veil_op_i32_rotl(uint32_t a, uint32_t b) {
    uint32_t k = b & 31;
    return (a << k) | (a >> ((32 - k) & 31));
}
static inline uint32_t veil_op_i32_rotr(uint32_t a, uint32_t b) {
    uint32_t k = b & 31;
    return (a >> k) | (a << ((32 - k) & 31));
}

static inline uint32_t veil_op_i32_extend8_s(uint32_t a) {
    return (uint32_t)(int32_t)(int8_t)(uint8_t)a;
}
static inline uint32_t veil_op_i32_extend16_s(uint32_t a) {
    return (uint32_t)(int32_t)(int16_t)(uint16_t)a;
}

/* ---- i64 ---------------------------------------------------------------- */

static inline uint32_t veil_op_i64_eqz(uint64_t a) {
    return a == 0;
}
static inline uint32_t veil_op_i64_eq(uint64_t a, uint64_t b) {
    return a == b;
}
static inline uint32_t veil_op_i64_ne(uint64_t a, uint64_t b) {
    return a != b;
}
static inline uint32_t veil_op_i64_lt_s(uint64_t a, uint64_t b) {
    return (int64_t)a < (int64_t)b;
}
static inline uint32_t veil_op_i64_lt_u(uint64_t a, uint64_t b) {
    return a < b;
}
static inline uint32_t veil_op_i64_gt_s(uint64_t a, uint64_t b) {
    return (int64_t)a > (int64_t)b;
}
static inline uint32_t veil_op_i64_gt_u(uint64_t a, uint64_t b) {
    return a > b;
}
static inline uint32_t veil_op_i64_le_s(uint64_t a, uint64_t b) {
    return (int64_t)a <= (int64_t)b;
}
static inline uint32_t veil_op_i64_le_u(uint64_t a, uint64_t b) {
    return a <= b;
}
static inline uint32_t veil_op_i64_ge_s(uint64_t a, uint64_t b) {
    return (int64_t)a >= (int64_t)b;
}
static inline uint32_t veil_op_i64_ge_u(uint64_t a, uint64_t b) {
    return a >= b;
}

static inline uint64_t veil_op_i64_clz(uint64_t a) {
    return a == 0 ? 64 : (uint64_t)__builtin_clzll(a);
}
static inline uint64_t veil_op_i64_ctz(uint64_t a) {
    return a == 0 ? 64 : (uint64_t)__builtin_ctzll(a);
}
static inline uint64_t veil_op_i64_popcnt(uint64_t a) {
    return (uint64_t)__builtin_popcountll(a);
}

static inline uint64_t veil_op_i64_add(uint64_t a, uint64_t b) {
    return a + b;
}
static inline uint64_t veil_op_i64_sub(uint64_t a, uint64_t b) {
    return a - b;
}
static inline uint64_t veil_op_i64_mul(uint64_t a, uint64_t b) {
    return a * b;
}

static inline VEIL_OP_MUST_CHECK int veil_op_i64_div_s(uint64_t a, uint64_t b, uint64_t *out) {
    if (b == 0)
        return VEIL_OP_TRAP_DIV_BY_ZERO;
    if (a == 0x8000000000000000u && b == 0xffffffffffffffffu)
        return VEIL_OP_TRAP_INT_OVERFLOW;
    *out = (uint64_t)((int64_t)a / (int64_t)b);
    return VEIL_OP_OK;
}

static inline VEIL_OP_MUST_CHECK int veil_op_i64_div_u(uint64_t a, uint64_t b, uint64_t *out) {
    if (b == 0)
        return VEIL_OP_TRAP_DIV_BY_ZERO;
    *out = a / b;
    return VEIL_OP_OK;
}

static inline VEIL_OP_MUST_CHECK int veil_op_i64_rem_s(uint64_t a, uint64_t b, uint64_t *out) {
    if (b == 0)
        return VEIL_OP_TRAP_DIV_BY_ZERO;
    *out = b == 0xffffffffffffffffu ? 0 : (uint64_t)((int64_t)a % (int64_t)b);
    return VEIL_OP_OK;
}

static inline VEIL_OP_MUST_CHECK int veil_op_i64_rem_u(uint64_t a, uint64_t b, uint64_t *out) {
    if (b == 0)
        return VEIL_OP_TRAP_DIV_BY_ZERO;
    *out = a % b;
    return VEIL_OP_OK;
}

static inline uint64_t veil_op_i64_and(uint64_t a, uint64_t b) {
    return a & b;
}
static inline uint64_t veil_op_i64_or(uint64_t a, uint64_t b) {
    return a | b;
}
static inline uint64_t veil_op_i64_xor(uint64_t a, uint64_t b) {
    return a ^ b;
}
/* Shift and rotate counts are taken modulo 64. */
static inline uint64_t veil_op_i64_shl(uint64_t a, uint64_t b) {
    return a << (b & 63);
}
static inline uint64_t veil_op_i64_shr_s(uint64_t a, uint64_t b) {
    return (uint64_t)((int64_t)a >> (b & 63));
}
static inline uint64_t veil_op_i64_shr_u(uint64_t a, uint64_t b) {
    return a >> (b & 63);
}
static inline uint64_t veil_op_i64_rotl(uint64_t a, uint64_t b) {
    uint64_t k = b & 63;
    return (a << k) | (a >> ((64 - k) & 63));
}
static inline uint64_t veil_op_i64_rotr(uint64_t a, uint64_t b) {
    uint64_t k = b & 63;
    return (a >> k) | (a << ((64 - k) & 63));
}

static inline uint64_t veil_op_i64_extend8_s(uint64_t a) {
    return (uint64_t)(int64_t)(int8_t)(uint8_t)a;
}
static inline uint64_t veil_op_i64_extend16_s(uint64_t a) {
    return (uint64_t)(int64_t)(int16_t)(uint16_t)a;
}
static inline uint64_t veil_op_i64_extend32_s(uint64_t a) {
    return (uint64_t)(int64_t)(int32_t)(uint32_t)a;
}

static inline uint32_t veil_op_i32_wrap_i64(uint64_t a) {
    return (uint32_t)a;
}
static inline uint64_t veil_op_i64_extend_i32_s(uint32_t a) {
    return (uint64_t)(int64_t)(int32_t)a;
}
static inline uint64_t veil_op_i64_extend_i32_u(uint32_t a) {
    return (uint64_t)a;
}

/* ---- f32 / f64 comparisons (IEEE: every comparison with NaN is false,
 * except ne which is true; -0 == +0). ------------------------------------- */

static inline uint32_t veil_op_f32_eq(float a, float b) {
    return a == b;
}
static inline uint32_t veil_op_f32_ne(float a, float b) {
    return a != b;
}
static inline uint32_t veil_op_f32_lt(float a, float b) {
    return a < b;
}
static inline uint32_t veil_op_f32_gt(float a, float b) {
    return a > b;
}
static inline uint32_t veil_op_f32_le(float a, float b) {
    return a <= b;
}
static inline uint32_t veil_op_f32_ge(float a, float b) {
    return a >= b;
}
static inline uint32_t veil_op_f64_eq(double a, double b) {
    return a == b;
}
static inline uint32_t veil_op_f64_ne(double a, double b) {
    return a != b;
}
static inline uint32_t veil_op_f64_lt(double a, double b) {
    return a < b;
}
static inline uint32_t veil_op_f64_gt(double a, double b) {
    return a > b;
}
static inline uint32_t veil_op_f64_le(double a, double b) {
    return a <= b;
}
static inline uint32_t veil_op_f64_ge(double a, double b) {
    return a >= b;
}

/* ---- f32 / f64 sign operations on bit patterns ---------------------------- */

static inline uint32_t veil_op_f32_abs(uint32_t a) {
    return a & ~VEIL_OP_F32_SIGN;
}
static inline uint32_t veil_op_f32_neg(uint32_t a) {
    return a ^ VEIL_OP_F32_SIGN;
}
static inline uint32_t veil_op_f32_copysign(uint32_t a, uint32_t b) {
    return (a & ~VEIL_OP_F32_SIGN) | (b & VEIL_OP_F32_SIGN);
}
static inline uint64_t veil_op_f64_abs(uint64_t a) {
    return a & ~VEIL_OP_F64_SIGN;
}
static inline uint64_t veil_op_f64_neg(uint64_t a) {
    return a ^ VEIL_OP_F64_SIGN;
}
static inline uint64_t veil_op_f64_copysign(uint64_t a, uint64_t b) {
    return (a & ~VEIL_OP_F64_SIGN) | (b & VEIL_OP_F64_SIGN);
}

/* ---- f32 / f64 arithmetic ----------------------------------------------- */

static inline float veil_op_f32_add(float a, float b) {
    VEIL_OP_FP_HIDE(a);
    VEIL_OP_FP_HIDE(b);
    return VEIL_OP_FP_RESULT_F32(a + b);
}
static inline float veil_op_f32_sub(float a, float b) {
    VEIL_OP_FP_HIDE(a);
    VEIL_OP_FP_HIDE(b);
    return VEIL_OP_FP_RESULT_F32(a - b);
}
static inline float veil_op_f32_mul(float a, float b) {
    VEIL_OP_FP_HIDE(a);
    VEIL_OP_FP_HIDE(b);
    return VEIL_OP_FP_RESULT_F32(a * b);
}
static inline float veil_op_f32_div(float a, float b) {
    VEIL_OP_FP_HIDE(a);
    VEIL_OP_FP_HIDE(b);
    return VEIL_OP_FP_RESULT_F32(a / b);
}
static inline float veil_op_f32_sqrt(float a) {
    return veil_op_f32_quiet(sqrtf(a));
}
static inline float veil_op_f32_ceil(float a) {
    return veil_op_f32_quiet(ceilf(a));
}
static inline float veil_op_f32_floor(float a) {
    return veil_op_f32_quiet(floorf(a));
}
static inline float veil_op_f32_trunc(float a) {
    return veil_op_f32_quiet(truncf(a));
}
/* Round to nearest, ties to even: nearbyint in the default rounding mode
 * (which wasm code cannot change). */
static inline float veil_op_f32_nearest(float a) {
    return veil_op_f32_quiet(nearbyintf(a));
}

static inline double veil_op_f64_add(double a, double b) {
    VEIL_OP_FP_HIDE(a);
    VEIL_OP_FP_HIDE(b);
    return VEIL_OP_FP_RESULT_F64(a + b);
}
static inline double veil_op_f64_sub(double a, double b) {
    VEIL_OP_FP_HIDE(a);
    VEIL_OP_FP_HIDE(b);
    return VEIL_OP_FP_RESULT_F64(a - b);
}
static inline double veil_op_f64_mul(double a, double b) {
    VEIL_OP_FP_HIDE(a);
    VEIL_OP_FP_HIDE(b);
    return VEIL_OP_FP_RESULT_F64(a * b);
}
static inline double veil_op_f64_div(double a, double b) {
    VEIL_OP_FP_HIDE(a);
    VEIL_OP_FP_HIDE(b);
    return VEIL_OP_FP_RESULT_F64(a / b);
}
static inline double veil_op_f64_sqrt(double a) {
    return veil_op_f64_quiet(sqrt(a));
}
static inline double veil_op_f64_ceil(double a) {
    return veil_op_f64_quiet(ceil(a));
}
static inline double veil_op_f64_floor(double a) {
    return veil_op_f64_quiet(floor(a));
}
static inline double veil_op_f64_trunc(double a) {
    return veil_op_f64_quiet(trunc(a));
}
static inline double veil_op_f64_nearest(double a) {
    return veil_op_f64_quiet(nearbyint(a));
}

/* min/max: a NaN operand gives a NaN (a+b propagates one of them, quieted);
 * -0 is less than +0, which for equal operands is the OR (min) or AND (max)
 * of the bit patterns.  C's fmin/fmax return the non-NaN operand instead. */
static inline float veil_op_f32_min(float a, float b) {
    if (a != a || b != b)
        return veil_op_f32_quiet(a + b);
    if (a == b)
        return veil_op_f32_reinterpret_i32(veil_op_i32_reinterpret_f32(a) |
                                           veil_op_i32_reinterpret_f32(b));
    return a < b ? a : b;
}
static inline float veil_op_f32_max(float a, float b) {
    if (a != a || b != b)
        return veil_op_f32_quiet(a + b);
    if (a == b)
        return veil_op_f32_reinterpret_i32(veil_op_i32_reinterpret_f32(a) &
                                           veil_op_i32_reinterpret_f32(b));
    return a > b ? a : b;
}
static inline double veil_op_f64_min(double a, double b) {
    if (a != a || b != b)
        return veil_op_f64_quiet(a + b);
    if (a == b)
        return veil_op_f64_reinterpret_i64(veil_op_i64_reinterpret_f64(a) |
                                           veil_op_i64_reinterpret_f64(b));
    return a < b ? a : b;
}
static inline double veil_op_f64_max(double a, double b) {
    if (a != a || b != b)
        return veil_op_f64_quiet(a + b);
    if (a == b)
        return veil_op_f64_reinterpret_i64(veil_op_i64_reinterpret_f64(a) &
                                           veil_op_i64_reinterpret_f64(b));
    return a > b ? a : b;
}

/* ---- Float to integer, trapping ---------------------------------------------
 * In range means the value truncated toward zero fits the target type; the
 * bounds below are exact in the source type (2^31 etc. are powers of two, and
 * -2^31-1 is exact in f64; in f32 no value lies strictly between -2^31-1 and
 * -2^31, so ">= -2^31" is the same test).  Only in-range values are cast,
 * which C defines. */

#define VEIL_OP_TWO31 2147483648.0
#define VEIL_OP_TWO32 4294967296.0
#define VEIL_OP_TWO63 9223372036854775808.0
#define VEIL_OP_TWO64 18446744073709551616.0

static inline VEIL_OP_MUST_CHECK int veil_op_i32_trunc_f32_s(float a, uint32_t *out) {
    if (a != a)
        return VEIL_OP_TRAP_INVALID_CONVERSION;
    if (!(a >= (float)-VEIL_OP_TWO31 && a < (float)VEIL_OP_TWO31))
        return VEIL_OP_TRAP_INT_OVERFLOW;
    *out = (uint32_t)(int32_t)a;
    return VEIL_OP_OK;
}
static inline VEIL_OP_MUST_CHECK int veil_op_i32_trunc_f32_u(float a, uint32_t *out) {
    if (a != a)
        return VEIL_OP_TRAP_INVALID_CONVERSION;
    if (!(a > -1.0f && a < (float)VEIL_OP_TWO32))
        return VEIL_OP_TRAP_INT_OVERFLOW;
    *out = (uint32_t)a;
    return VEIL_OP_OK;
}
static inline VEIL_OP_MUST_CHECK int veil_op_i32_trunc_f64_s(double a, uint32_t *out) {
    if (a != a)
        return VEIL_OP_TRAP_INVALID_CONVERSION;
    if (!(a > -VEIL_OP_TWO31 - 1.0 && a < VEIL_OP_TWO31))
        return VEIL_OP_TRAP_INT_OVERFLOW;
    *out = (uint32_t)(int32_t)a;
    return VEIL_OP_OK;
}
static inline VEIL_OP_MUST_CHECK int veil_op_i32_trunc_f64_u(double a, uint32_t *out) {
    if (a != a)
        return VEIL_OP_TRAP_INVALID_CONVERSION;
    if (!(a > -1.0 && a < VEIL_OP_TWO32))
        return VEIL_OP_TRAP_INT_OVERFLOW;
    *out = (uint32_t)a;
    return VEIL_OP_OK;
}
static inline VEIL_OP_MUST_CHECK int veil_op_i64_trunc_f32_s(float a, uint64_t *out) {
    if (a != a)
        return VEIL_OP_TRAP_INVALID_CONVERSION;
    if (!(a >= (float)-VEIL_OP_TWO63 && a < (float)VEIL_OP_TWO63))
        return VEIL_OP_TRAP_INT_OVERFLOW;
    *out = (uint64_t)(int64_t)a;
    return VEIL_OP_OK;
}
static inline VEIL_OP_MUST_CHECK int veil_op_i64_trunc_f32_u(float a, uint64_t *out) {
    if (a != a)
        return VEIL_OP_TRAP_INVALID_CONVERSION;
    if (!(a > -1.0f && a < (float)VEIL_OP_TWO64))
        return VEIL_OP_TRAP_INT_OVERFLOW;
    *out = (uint64_t)a;
    return VEIL_OP_OK;
}
static inline VEIL_OP_MUST_CHECK int veil_op_i64_trunc_f64_s(double a, uint64_t *out) {
    if (a != a)
        return VEIL_OP_TRAP_INVALID_CONVERSION;
    if (!(a >= -VEIL_OP_TWO63 && a < VEIL_OP_TWO63))
        return VEIL_OP_TRAP_INT_OVERFLOW;
    *out = (uint64_t)(int64_t)a;
    return VEIL_OP_OK;
}
static inline VEIL_OP_MUST_CHECK int veil_op_i64_trunc_f64_u(double a, uint64_t *out) {
    if (a != a)
        return VEIL_OP_TRAP_INVALID_CONVERSION;
    if (!(a > -1.0 && a < VEIL_OP_TWO64))
        return VEIL_OP_TRAP_INT_OVERFLOW;
    *out = (uint64_t)a;
    return VEIL_OP_OK;
}

/* ---- Float to integer, saturating: NaN -> 0, out of range -> the nearest
 * bound. ------------------------------------------------------------------ */

static inline uint32_t veil_op_i32_trunc_sat_f32_s(float a) {
    if (a != a)
        return 0;
    if (a < (float)-VEIL_OP_TWO31)
        return 0x80000000u;
    if (a >= (float)VEIL_OP_TWO31)
        return 0x7fffffffu;
    return (uint32_t)(int32_t)a;
}
static inline uint32_t veil_op_i32_trunc_sat_f32_u(float a) {
    if (!(a > -1.0f)) /* also NaN */
        return 0;
    if (a >= (float)VEIL_OP_TWO32)
        return 0xffffffffu;
    return (uint32_t)a;
}
static inline uint32_t veil_op_i32_trunc_sat_f64_s(double a) {
    if (a != a)
        return 0;
    if (a <= -VEIL_OP_TWO31 - 1.0)
        return 0x80000000u;
    if (a >= VEIL_OP_TWO31)
        return 0x7fffffffu;
    return (uint32_t)(int32_t)a;
}
static inline uint32_t veil_op_i32_trunc_sat_f64_u(double a) {
    if (!(a > -1.0))
        return 0;
    if (a >= VEIL_OP_TWO32)
        return 0xffffffffu;
    return (uint32_t)a;
}
static inline uint64_t veil_op_i64_trunc_sat_f32_s(float a) {
    if (a != a)
        return 0;
    if (a < (float)-VEIL_OP_TWO63)
        return 0x8000000000000000u;
    if (a >= (float)VEIL_OP_TWO63)
        return 0x7fffffffffffffffu;
    return (uint64_t)(int64_t)a;
}
static inline uint64_t veil_op_i64_trunc_sat_f32_u(float a) {
    if (!(a > -1.0f))
        return 0;
    if (a >= (float)VEIL_OP_TWO64)
        return 0xffffffffffffffffu;
    return (uint64_t)a;
}
static inline uint64_t veil_op_i64_trunc_sat_f64_s(double a) {
    if (a != a)
        return 0;
    if (a < -VEIL_OP_TWO63)
        return 0x8000000000000000u;
    if (a >= VEIL_OP_TWO63)
        return 0x7fffffffffffffffu;
    return (uint64_t)(int64_t)a;
}
static inline uint64_t veil_op_i64_trunc_sat_f64_u(double a) {
    if (!(a > -1.0))
        return 0;
    if (a >= VEIL_OP_TWO64)
        return 0xffffffffffffffffu;
    return (uint64_t)a;
}

/* ---- Integer to float: round to nearest, ties to even. ------------------
 * Signed 32/64-bit and unsigned 32-bit conversions are single correctly
 * rounded instructions (cvtsi2ss/sd on the 64-bit register).  Unsigned 64-bit
 * values with the top bit set do not fit a signed conversion; they are halved
 * first, keeping the shifted-out bit as a sticky bit so the one rounding step
 * still sees whether the value lay above the halfway point, then doubled
 * (exact).  Converting through double first would round twice and is wrong
 * for f32 (e.g. 0x8000008000000001). */

static inline float veil_op_f32_convert_i32_s(uint32_t a) {
    return (float)(int32_t)a;
}
static inline float veil_op_f32_convert_i32_u(uint32_t a) {
    return (float)(int64_t)(uint64_t)a;
}
static inline float veil_op_f32_convert_i64_s(uint64_t a) {
    return (float)(int64_t)a;
}
static inline float veil_op_f32_convert_i64_u(uint64_t a) {
    if ((a >> 63) == 0)
        return (float)(int64_t)a;
    float half = (float)(int64_t)((a >> 1) | (a & 1));
    return half + half;
}
static inline double veil_op_f64_convert_i32_s(uint32_t a) {
    return (double)(int32_t)a;
}
static inline double veil_op_f64_convert_i32_u(uint32_t a) {
    return (double)a;
}
static inline double veil_op_f64_convert_i64_s(uint64_t a) {
    return (double)(int64_t)a;
}
static inline double veil_op_f64_convert_i64_u(uint64_t a) {
    if ((a >> 63) == 0)
        return (double)(int64_t)a;
    double half = (double)(int64_t)((a >> 1) | (a & 1));
    return half + half;
}

/* ---- Float to float ----------------------------------------------------- */

static inline float veil_op_f32_demote_f64(double a) {
    return veil_op_f32_quiet((float)a);
}
static inline double veil_op_f64_promote_f32(float a) {
    return veil_op_f64_quiet((double)a);
}

/* ---- Memory access helpers ---------------------------------------------------
 * The caller has bounds-checked the effective address; these only convert
 * between little-endian memory bytes and values (unaligned, via memcpy).
 * Float loads and stores move bit patterns: use the reinterpret functions. */

static inline uint32_t veil_op_i32_load(const void *mem) {
    uint32_t v;
    memcpy(&v, mem, sizeof(v));
    return v;
}
static inline uint64_t veil_op_i64_load(const void *mem) {
    uint64_t v;
    memcpy(&v, mem, sizeof(v));
    return v;
}
static inline uint32_t veil_op_i32_load8_s(const void *mem) {
    int8_t v;
    memcpy(&v, mem, sizeof(v));
    return (uint32_t)(int32_t)v;
}
static inline uint32_t veil_op_i32_load8_u(const void *mem) {
    uint8_t v;
    memcpy(&v, mem, sizeof(v));
    return v;
}
static inline uint32_t veil_op_i32_load16_s(const void *mem) {
    int16_t v;
    memcpy(&v, mem, sizeof(v));
    return (uint32_t)(int32_t)v;
}
static inline uint32_t veil_op_i32_load16_u(const void *mem) {
    uint16_t v;
    memcpy(&v, mem, sizeof(v));
    return v;
}
static inline uint64_t veil_op_i64_load8_s(const void *mem) {
    int8_t v;
    memcpy(&v, mem, sizeof(v));
    return (uint64_t)(int64_t)v;
}
static inline uint64_t veil_op_i64_load8_u(const void *mem) {
    uint8_t v;
    memcpy(&v, mem, sizeof(v));
    return v;
}
static inline uint64_t veil_op_i64_load16_s(const void *mem) {
    int16_t v;
    memcpy(&v, mem, sizeof(v));
    return (uint64_t)(int64_t)v;
}
static inline uint64_t veil_op_i64_load16_u(const void *mem) {
    uint16_t v;
    memcpy(&v, mem, sizeof(v));
    return v;
}
static inline uint64_t veil_op_i64_load32_s(const void *mem) {
    int32_t v;
    memcpy(&v, mem, sizeof(v));
    return (uint64_t)(int64_t)v;
}
static inline uint64_t veil_op_i64_load32_u(const void *mem) {
    uint32_t v;
    memcpy(&v, mem, sizeof(v));
    return v;
}
static inline uint32_t veil_op_f32_load(const void *mem) {
    return veil_op_i32_load(mem);
}
static inline uint64_t veil_op_f64_load(const void *mem) {
    return veil_op_i64_load(mem);
}

static inline void veil_op_i32_store(void *mem, uint32_t v) {
    memcpy(mem, &v, sizeof(v));
}
static inline void veil_op_i64_store(void *mem, uint64_t v) {
    memcpy(mem, &v, sizeof(v));
}
static inline void veil_op_i32_store8(void *mem, uint32_t v) {
    uint8_t b = (uint8_t)v;
    memcpy(mem, &b, sizeof(b));
}
static inline void veil_op_i32_store16(void *mem, uint32_t v) {
    uint16_t h = (uint16_t)v;
    memcpy(mem, &h, sizeof(h));
}
static inline void veil_op_i64_store8(void *mem, uint64_t v) {
    uint8_t b = (uint8_t)v;
    memcpy(mem, &b, sizeof(b));
}
static inline void veil_op_i64_store16(void *mem, uint64_t v) {
    uint16_t h = (uint16_t)v;
    memcpy(mem, &h, sizeof(h));
}
static inline void veil_op_i64_store32(void *mem, uint64_t v) {
    uint32_t w = (uint32_t)v;
    memcpy(mem, &w, sizeof(w));
}
static inline void veil_op_f32_store(void *mem, uint32_t bits) {
    veil_op_i32_store(mem, bits);
}
static inline void veil_op_f64_store(void *mem, uint64_t bits) {
    veil_op_i64_store(mem, bits);
}

#endif
