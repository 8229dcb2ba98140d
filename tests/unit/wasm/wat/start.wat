;; A start function that traps: instantiation fails with the trap
;; (tests/unit/wasm/wasm_engine_test.c).
(module
  (memory 1)
  (func $boom (i32.store (i32.const 65536) (i32.const 1)))
  (start $boom))
