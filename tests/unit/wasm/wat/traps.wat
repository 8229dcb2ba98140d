;; Traps raised below the exported function, limits hit without loops, and
;; re-entry through the host (tests/unit/wasm/wasm_engine_test.c).  Built with
;; --debug-names so the name section names the internal functions.
(module
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (memory 1)
  (table 2 funcref)
  (type $v_i (func (result i32)))
  ;; Function 1: traps on an out-of-bounds load.
  (func $load_far (param $addr i32) (result i32)
    (i32.load (local.get $addr)))
  ;; Function 2: exported wrapper; the trap is in $load_far.
  (func (export "load") (param i32) (result i32)
    (call $load_far (local.get 0)))
  ;; Function 3: call_indirect through an empty slot or with the wrong type.
  (func $wrong_type (param i32) (result i64) (i64.const 0))
  (elem (i32.const 1) $wrong_type)
  (func (export "indirect") (param i32) (result i32)
    (call_indirect (type $v_i) (local.get 0)))
  ;; Function 5: float to int conversion (NaN: invalid, too large: overflow).
  (func $convert (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
  (func (export "convert") (param f32) (result i32)
    (call $convert (local.get 0)))
  (func $unreachable (unreachable))
  (func (export "unreachable") (call $unreachable))
  ;; Doubly recursive Fibonacci: no loops, so fuel and the deadline are
  ;; charged on function entries only.
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  ;; Recursion with a large frame: the value stack runs out before the
  ;; call-depth limit.
  (func $fat (export "fat") (param $n i32) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128)
    (local v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128)
    (local v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128)
    (local v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128)
    (local v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128)
    (local v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128)
    (local v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128)
    (i32.add (call $fat (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
  ;; Calls the host, which calls "down" again: every level nests the
  ;; interpreter inside a host call.
  (func (export "down") (param $n i32) (result i32)
    (call $reenter (i32.add (local.get $n) (i32.const 1)))))
