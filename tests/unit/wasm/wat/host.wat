;; Calls host functions (tests/unit/wasm/wasm_engine_test.c).
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "fail" (func $fail))
  (import "env" "exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello")
  (func (export "sum") (param i32 i32) (result i32)
    (call $add (local.get 0) (local.get 1)))
  (func (export "fail") (call $fail))
  (func (export "quit") (param i32) (call $exit (local.get 0)) (unreachable)))
