;; Programs that run into the engine's limits (tests/unit/wasm/wasm_engine_test.c).
(module
  (memory (export "memory") 1)
  ;; Loops forever: stopped only by fuel or the deadline.
  (func (export "spin")
    (loop $l (br $l)))
  ;; Counts to n and returns n.
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $i))
  ;; Grows memory by n pages; returns the old size or -1.
  (func (export "grow") (param $n i32) (result i32)
    (memory.grow (local.get $n)))
  (func (export "size") (result i32) (memory.size))
  ;; Recurses without end.
  (func $deep (export "deep") (param $n i32) (result i32)
    (i32.add (call $deep (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1))))
