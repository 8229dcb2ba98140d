;; Exercises the compiler's fused and lazy-operand paths
;; (tests/unit/wasm/wasm_engine_test.c).
(module
  ;; Sum of 0..n-1 with a compare-and-branch loop and constant operands.
  (func (export "sum") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $acc))
  ;; Swaps through the operand stack: a lazy local.get must survive local.set.
  (func (export "swap") (param $a i32) (param $b i32) (result i32 i32)
    (local.get $a)
    (local.set $a (local.get $b))
    (local.get $a))
  ;; Multi-value block with a br_table choosing the results.
  (func (export "pick") (param $k i32) (result i32 i32)
    (block $b (result i32 i32)
      (block $a (result i32 i32)
        (i32.const 1) (i32.const 2)
        (br_table $a $b (local.get $k)))
      (drop) (drop)
      (i32.const 3) (i32.const 4)))
  ;; Fibonacci by recursion.
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2))))))))
