/* Compiled (not run) by CTest with every C compiler found, with strict
 * warnings, as the AOT translator's generated C would use the ops headers:
 * only these two headers, no libveil, external functions over wasm values.
 * It fails the build step of the test if either header stops compiling
 * cleanly stand-alone. */
#include "ops_scalar.h"
#include "ops_simd.h"

int veil_gen_i32_div(uint32_t a, uint32_t b, uint32_t *out);
uint64_t veil_gen_mixed(uint64_t x, float f, double d);
veil_v128 veil_gen_simd(veil_v128 a, veil_v128 b, const uint8_t *mem);
void veil_gen_store(uint8_t *mem, veil_v128 v);

int veil_gen_i32_div(uint32_t a, uint32_t b, uint32_t *out) {
    uint32_t q;
    int trap = veil_op_i32_div_s(a, b, &q);
    if (trap != VEIL_OP_OK)
        return trap;
    return veil_op_i32_rem_u(veil_op_i32_rotl(q, b), b | 1, out);
}

uint64_t veil_gen_mixed(uint64_t x, float f, double d) {
    uint64_t t = veil_op_i64_trunc_sat_f64_s(veil_op_f64_nearest(d));
    float g = veil_op_f32_min(f, veil_op_f32_convert_i64_u(x));
    uint32_t bits = veil_op_f32_copysign(veil_op_i32_reinterpret_f32(g), 0x80000000u);
    return veil_op_i64_add(t, veil_op_i64_extend_i32_u(bits)) ^
           veil_op_i64_reinterpret_f64(veil_op_f64_promote_f32(veil_op_f32_sqrt(f)));
}

veil_v128 veil_gen_simd(veil_v128 a, veil_v128 b, const uint8_t *mem) {
    veil_v128 s = VEIL_OP_I8X16_SHUFFLE_CONST(a, b, 0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12,
                                              29, 14, 31);
    veil_v128 t = veil_op_i16x8_q15mulr_sat_s(s, veil_op_v128_load16_splat(mem));
    veil_v128 u = veil_op_f32x4_min(veil_op_f32x4_convert_i32x4_u(t), veil_op_v128_load(mem + 3));
    veil_v128 w = veil_op_i8x16_narrow_i16x8_u(veil_op_i16x8_extmul_low_i8x16_s(u, a), b);
    return veil_op_v128_bitselect(w, veil_op_i64x2_shl(a, veil_op_i8x16_bitmask(u)), b);
}

void veil_gen_store(uint8_t *mem, veil_v128 v) {
    veil_op_v128_store(mem + 1, veil_op_f64x2_nearest(veil_op_f64x2_promote_low_f32x4(v)));
    veil_op_v128_store8_lane(mem, v, 15);
}
