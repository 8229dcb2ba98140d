;; The sandbox of compiled code (tests/unit/wasm/aot_test.c): accesses at
;; the edge of linear memory, huge static offsets, growth past the cap,
;; indirect calls, traps in inner functions and calls to the host.
(module
  (import "host" "add" (func $add (param i32 i32) (result i32)))
  (import "host" "fail" (func $fail))
  (memory (export "memory") 1)
  (table 3 funcref)
  (type $i_i (func (param i32) (result i32)))
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $wrong (param i64) (result i64) (local.get 0))
  (elem (i32.const 0) $inc $wrong)
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  ;; The loaded value is dropped: the access must still be checked.
  (func (export "load_dropped") (param i32) (drop (i64.load (local.get 0))))
  (func (export "load_far") (param i32) (result i32)
    (i32.load offset=0xffffffff (local.get 0)))
  (func (export "store_far") (param i32)
    (i64.store offset=0xfffffff0 (local.get 0) (i64.const -1)))
  (func (export "v128_load") (param i32) (result i32)
    (i32x4.extract_lane 3 (v128.load (local.get 0))))
  (func (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $i_i) (local.get 1) (local.get 0)))
  (func (export "add") (param i32 i32) (result i32)
    (call $add (local.get 0) (local.get 1)))
  (func (export "fail") (call $fail))
  ;; Float vector arithmetic whose result the C compiler could compute
  ;; without the instruction if it saw the constant operand (x * 1 -> x,
  ;; x + -0 -> x, -0 - x -> -x, constant folding): wasm still wants a
  ;; signalling NaN input to come out quiet.  Lane 0 of x = splat(bits).
  (func (export "f32x4_mul_one") (param i32) (result i32)
    (i32x4.extract_lane 0 (f32x4.mul (i32x4.splat (local.get 0)) (v128.const f32x4 1 1 1 1))))
  (func (export "f32x4_div_one") (param i32) (result i32)
    (i32x4.extract_lane 0 (f32x4.div (i32x4.splat (local.get 0)) (v128.const f32x4 1 1 1 1))))
  (func (export "f32x4_add_negzero") (param i32) (result i32)
    (i32x4.extract_lane 0 (f32x4.add (i32x4.splat (local.get 0)) (v128.const f32x4 -0 -0 -0 -0))))
  (func (export "f32x4_sub_zero") (param i32) (result i32)
    (i32x4.extract_lane 0 (f32x4.sub (i32x4.splat (local.get 0)) (v128.const f32x4 0 0 0 0))))
  (func (export "f32x4_negzero_sub") (param i32) (result i32)
    (i32x4.extract_lane 0 (f32x4.sub (v128.const f32x4 -0 -0 -0 -0) (i32x4.splat (local.get 0)))))
  (func (export "f32x4_mul_one_int_splat") (param i32) (result i32)
    (i32x4.extract_lane 0 (f32x4.mul (i32x4.splat (local.get 0)) (i32x4.splat (i32.const 0x3f800000)))))
  (func (export "f32x4_const_snan_mul") (param i32) (result i32)
    (i32x4.extract_lane 0 (f32x4.mul (v128.const i32x4 0x7f800001 0x7f800001 0x7f800001 0x7f800001)
                                     (v128.const f32x4 2 2 2 2))))
  ;; f64: the argument is the high word, the low word is 0.
  (func (export "f64x2_mul_one") (param i32) (result i32)
    (i32.wrap_i64 (i64.shr_u
      (i64x2.extract_lane 0 (f64x2.mul (i64x2.splat (i64.shl (i64.extend_i32_u (local.get 0)) (i64.const 32)))
                                       (v128.const f64x2 1 1)))
      (i64.const 32))))
  (func (export "f64x2_add_negzero") (param i32) (result i32)
    (i32.wrap_i64 (i64.shr_u
      (i64x2.extract_lane 0 (f64x2.add (i64x2.splat (i64.shl (i64.extend_i32_u (local.get 0)) (i64.const 32)))
                                       (v128.const f64x2 -0 -0)))
      (i64.const 32))))
  ;; SIMD arithmetic: (a, b, c, d) + (1, 2, 3, 4), lanes summed.
  (func (export "simd_sum") (param i32) (result i32)
    (local v128)
    (local.set 1 (i32x4.add (i32x4.splat (local.get 0)) (v128.const i32x4 1 2 3 4)))
    (i32.add (i32.add (i32x4.extract_lane 0 (local.get 1)) (i32x4.extract_lane 1 (local.get 1)))
             (i32.add (i32x4.extract_lane 2 (local.get 1)) (i32x4.extract_lane 3 (local.get 1))))))
