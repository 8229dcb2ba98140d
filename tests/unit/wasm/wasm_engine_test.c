/* Unit tests of the engine through its public API (include/veil/wasm.h):
 * decoding errors, limits (fuel, deadline, memory cap, call depth, value
 * stack, host re-entry), traps as values naming the function where they
 * happened, host functions, and the compiler's fused paths.  Modules are built
 * from tests/unit/wasm/wat/ by wat2wasm at build time (VEIL_WASM_FIXTURES). */
#include "../test.h"

#include <stdlib.h>

#include "veil/str.h"
#include "veil/wasm.h"

static veil_wasm_module *load(const char *name) {
    char *path;
    assert_ok(veil_asprintf(&path, "%s/%s.wasm", VEIL_WASM_FIXTURES, name));
    uint8_t *bytes;
    size_t len;
    assert_ok(veil_read_file(path, 1 << 20, &bytes, &len));
    veil_wasm_module *m;
    assert_ok(veil_wasm_module_load(bytes, len, path, &m));
    free(bytes);
    free(path);
    return m;
}

static veil_wasm_func *export_func(veil_wasm_instance *inst, const char *name) {
    veil_wasm_extern ext;
    assert_true(veil_wasm_instance_export(inst, name, &ext));
    assert_int_equal(ext.kind, VEIL_WASM_EXTERN_FUNC);
    return ext.of.func;
}

static veil_wasm_value i32(uint32_t v) {
    veil_wasm_value value;
    memset(&value, 0, sizeof(value));
    value.type = VEIL_WASM_I32;
    value.of.i32 = v;
    return value;
}

typedef struct fixture {
    veil_wasm_module *module;
    veil_wasm_store *store;
    veil_wasm_instance *inst;
} fixture;

static void instantiate(fixture *f, const char *name, const veil_wasm_limits *limits) {
    f->module = load(name);
    assert_ok(veil_wasm_store_new(limits, VEIL_WASM_INTERP, &f->store));
    veil_wasm_trap trap;
    assert_ok(veil_wasm_instantiate(f->store, f->module, NULL, NULL, &f->inst, &trap));
}

static void fixture_free(fixture *f) {
    veil_wasm_store_free(f->store);
    veil_wasm_module_free(f->module);
}

/* Calls an (i32...) -> i32 export, asserting success. */
static uint32_t call_i32(fixture *f, const char *name, const veil_wasm_value *args, size_t n) {
    veil_wasm_value result;
    veil_wasm_trap trap;
    assert_ok(veil_wasm_call(f->store, export_func(f->inst, name), args, n, &result, 1, &trap));
    assert_int_equal(result.type, VEIL_WASM_I32);
    return result.of.i32;
}

static void test_malformed_names_section_and_offset(void **state) {
    (void)state;
    /* magic, version, then a type section (id 1) whose function type has a
     * bad value type 0x40 at offset 13. */
    static const uint8_t bytes[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                    0x01, 0x05, 0x01, 0x60, 0x01, 0x40, 0x00};
    veil_wasm_module *m = NULL;
    assert_err(veil_wasm_module_load(bytes, sizeof(bytes), "bad.wasm", &m), VEIL_EMALFORMED,
               "bad.wasm: type section at offset 13: malformed value type 0x40");
    assert_null(m);
    /* Truncated inside the section. */
    assert_err(veil_wasm_module_load(bytes, sizeof(bytes) - 2, "short.wasm", &m), VEIL_EMALFORMED,
               "length out of bounds");
    static const uint8_t not_wasm[] = {'\x7f', 'E', 'L', 'F', 1, 0, 0, 0};
    assert_err(veil_wasm_module_load(not_wasm, sizeof(not_wasm), "elf", &m), VEIL_EMALFORMED,
               "magic header not detected");
}

static void test_invalid_module_rejected(void **state) {
    (void)state;
    /* (func (result i32) (i64.const 0)): type mismatch in the body. */
    static const uint8_t bytes[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01,
                                    0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01,
                                    0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b};
    veil_wasm_module *m = NULL;
    assert_err(veil_wasm_module_load(bytes, sizeof(bytes), "invalid.wasm", &m), VEIL_EMALFORMED,
               "type mismatch");
}

static void test_infinite_loop_stops_on_fuel(void **state) {
    (void)state;
    fixture f;
    veil_wasm_limits limits = {.fuel = 1000000};
    instantiate(&f, "limits", &limits);
    veil_wasm_trap trap;
    assert_err(veil_wasm_call(f.store, export_func(f.inst, "spin"), NULL, 0, NULL, 0, &trap),
               VEIL_ETRAP, "out of fuel");
    assert_int_equal(trap.kind, VEIL_TRAP_OUT_OF_FUEL);
    assert_string_equal(trap.func_name, "spin");
    assert_int_equal(veil_wasm_store_fuel(f.store), 0);
    /* Refilled, the store runs the next program. */
    veil_wasm_store_set_fuel(f.store, 1000000);
    veil_wasm_value n = i32(100);
    assert_int_equal(call_i32(&f, "count", &n, 1), 100);
    assert_true(veil_wasm_store_fuel(f.store) < 1000000);
    /* A budget too small for the count traps again. */
    veil_wasm_store_set_fuel(f.store, 50);
    veil_wasm_value result;
    assert_err(veil_wasm_call(f.store, export_func(f.inst, "count"), &n, 1, &result, 1, &trap),
               VEIL_ETRAP, "out of fuel");
    fixture_free(&f);
}

static void test_infinite_loop_stops_on_deadline(void **state) {
    (void)state;
    fixture f;
    veil_wasm_limits limits = {.timeout_ms = 50};
    instantiate(&f, "limits", &limits);
    veil_wasm_trap trap;
    assert_err(veil_wasm_call(f.store, export_func(f.inst, "spin"), NULL, 0, NULL, 0, &trap),
               VEIL_ETRAP, "deadline exceeded");
    assert_int_equal(trap.kind, VEIL_TRAP_DEADLINE);
    /* The deadline is per call: the next call runs normally. */
    veil_wasm_value n = i32(1000);
    assert_int_equal(call_i32(&f, "count", &n, 1), 1000);
    fixture_free(&f);
}

static void test_memory_grow_stops_at_cap(void **state) {
    (void)state;
    fixture f;
    veil_wasm_limits limits = {.max_memory_pages = 2};
    instantiate(&f, "limits", &limits);
    veil_wasm_value one = i32(1);
    assert_int_equal(call_i32(&f, "grow", &one, 1), 1);
    assert_int_equal(call_i32(&f, "size", NULL, 0), 2);
    assert_int_equal(call_i32(&f, "grow", &one, 1), UINT32_MAX); /* -1 */
    assert_int_equal(call_i32(&f, "size", NULL, 0), 2);
    uint64_t size;
    assert_non_null(veil_wasm_memory_data(veil_wasm_instance_memory(f.inst), &size));
    assert_int_equal(size, 2 * 65536);
    fixture_free(&f);
}

static void test_instantiation_over_cap_fails(void **state) {
    (void)state;
    veil_wasm_module *m = load("bigmem");
    veil_wasm_store *store;
    veil_wasm_limits limits = {.max_memory_pages = 2};
    assert_ok(veil_wasm_store_new(&limits, VEIL_WASM_INTERP, &store));
    veil_wasm_instance *inst = NULL;
    veil_wasm_trap trap;
    assert_err(veil_wasm_instantiate(store, m, NULL, NULL, &inst, &trap), VEIL_ETRAP,
               "memory limit exceeded");
    assert_int_equal(trap.kind, VEIL_TRAP_MEMORY_LIMIT);
    assert_null(inst);
    veil_wasm_store_free(store);
    /* Within a larger cap it instantiates. */
    limits.max_memory_pages = 3;
    assert_ok(veil_wasm_store_new(&limits, VEIL_WASM_INTERP, &store));
    assert_ok(veil_wasm_instantiate(store, m, NULL, NULL, &inst, &trap));
    veil_wasm_store_free(store);
    veil_wasm_module_free(m);
}

static void test_deep_recursion_traps_and_store_survives(void **state) {
    (void)state;
    fixture f;
    veil_wasm_limits limits = {.max_call_depth = 500};
    instantiate(&f, "limits", &limits);
    veil_wasm_value zero = i32(0);
    veil_wasm_value result;
    veil_wasm_trap trap;
    for (int round = 0; round < 3; round++) {
        assert_err(
            veil_wasm_call(f.store, export_func(f.inst, "deep"), &zero, 1, &result, 1, &trap),
            VEIL_ETRAP, "call stack exhausted");
        assert_int_equal(trap.kind, VEIL_TRAP_STACK_EXHAUSTED);
        assert_string_equal(trap.func_name, "deep");
        veil_wasm_value n = i32(10);
        assert_int_equal(call_i32(&f, "count", &n, 1), 10);
    }
    /* The default depth limit also holds (and the native stack is not used
     * per wasm call, so this does not crash). */
    veil_wasm_store_free(f.store);
    assert_ok(veil_wasm_store_new(NULL, VEIL_WASM_INTERP, &f.store));
    assert_ok(veil_wasm_instantiate(f.store, f.module, NULL, NULL, &f.inst, &trap));
    assert_err(veil_wasm_call(f.store, export_func(f.inst, "deep"), &zero, 1, &result, 1, &trap),
               VEIL_ETRAP, "call stack exhausted");
    fixture_free(&f);
}

static void test_traps_are_values(void **state) {
    (void)state;
    fixture f;
    instantiate(&f, "limits", NULL);
    veil_wasm_value args[2] = {i32(7), i32(0)};
    veil_wasm_value result;
    veil_wasm_trap trap;
    assert_err(veil_wasm_call(f.store, export_func(f.inst, "div"), args, 2, &result, 1, &trap),
               VEIL_ETRAP, "integer divide by zero in function 5 (div)");
    assert_int_equal(trap.kind, VEIL_TRAP_DIV_BY_ZERO);
    assert_int_equal(trap.func_index, 5);
    args[0] = i32(0x80000000u);
    args[1] = i32(UINT32_MAX);
    assert_err(veil_wasm_call(f.store, export_func(f.inst, "div"), args, 2, &result, 1, &trap),
               VEIL_ETRAP, "integer overflow");
    args[1] = i32(2);
    assert_int_equal(call_i32(&f, "div", args, 2), 0xc0000000u);
    /* Wrong argument types are caller errors, not traps. */
    assert_err(veil_wasm_call(f.store, export_func(f.inst, "div"), args, 1, &result, 1, &trap),
               VEIL_EINVAL, "takes 2 arguments");
    fixture_free(&f);
}

static veil_error *host_add(veil_wasm_caller *caller, void *env, const uint64_t *args,
                            uint64_t *results) {
    int *calls = env;
    (*calls)++;
    uint64_t size;
    uint8_t *mem = veil_wasm_caller_memory(caller, &size);
    assert_int_equal(size, 65536);
    assert_memory_equal(mem + 16, "hello", 5);
    results[0] = (uint32_t)(args[0] + args[1]);
    return NULL;
}

static veil_error *host_fail(veil_wasm_caller *caller, void *env, const uint64_t *args,
                             uint64_t *results) {
    (void)caller;
    (void)env;
    (void)args;
    (void)results;
    return veil_error_new(VEIL_EPERM, "host says no");
}

static veil_error *host_exit(veil_wasm_caller *caller, void *env, const uint64_t *args,
                             uint64_t *results) {
    (void)env;
    (void)results;
    return veil_wasm_caller_exit(caller, (uint32_t)args[0]);
}

typedef struct host_env {
    veil_wasm_func *add, *fail, *exit;
} host_env;

static veil_error *resolve_host(void *user_data, const veil_wasm_extern_desc *import,
                                veil_wasm_extern *out) {
    host_env *env = user_data;
    out->kind = VEIL_WASM_EXTERN_FUNC;
    if (strcmp(import->name, "add") == 0)
        out->of.func = env->add;
    else if (strcmp(import->name, "fail") == 0)
        out->of.func = env->fail;
    else if (strcmp(import->name, "exit") == 0)
        out->of.func = env->exit;
    else
        return veil_error_new(VEIL_ENOENT, "no %s", import->name);
    return NULL;
}

static void test_host_functions(void **state) {
    (void)state;
    veil_wasm_module *m = load("host");
    veil_wasm_store *store;
    assert_ok(veil_wasm_store_new(NULL, VEIL_WASM_INTERP, &store));
    static const veil_wasm_valtype ii[] = {VEIL_WASM_I32, VEIL_WASM_I32};
    static const veil_wasm_valtype i[] = {VEIL_WASM_I32};
    veil_wasm_functype add_type = {2, 1, ii, i};
    veil_wasm_functype void_type = {0, 0, NULL, NULL};
    veil_wasm_functype exit_type = {1, 0, i, NULL};
    int calls = 0;
    host_env env;
    assert_ok(veil_wasm_func_new_host(store, &add_type, host_add, &calls, "add", &env.add));
    assert_ok(veil_wasm_func_new_host(store, &void_type, host_fail, NULL, "fail", &env.fail));
    assert_ok(veil_wasm_func_new_host(store, &exit_type, host_exit, NULL, "exit", &env.exit));
    veil_wasm_instance *inst;
    veil_wasm_trap trap;
    /* A host function of the wrong type does not link. */
    host_env wrong = {env.fail, env.fail, env.exit};
    assert_err(veil_wasm_instantiate(store, m, resolve_host, &wrong, &inst, &trap), VEIL_EINVAL,
               "incompatible import type");
    assert_ok(veil_wasm_instantiate(store, m, resolve_host, &env, &inst, &trap));
    fixture f = {m, store, inst};
    veil_wasm_value args[2] = {i32(40), i32(2)};
    assert_int_equal(call_i32(&f, "sum", args, 2), 42);
    assert_int_equal(calls, 1);
    assert_err(veil_wasm_call(store, export_func(inst, "fail"), NULL, 0, NULL, 0, &trap),
               VEIL_ETRAP, "host says no");
    assert_int_equal(trap.kind, VEIL_TRAP_HOST);
    assert_err(veil_wasm_call(store, export_func(inst, "quit"), args, 1, NULL, 0, &trap),
               VEIL_ETRAP, "exited with code 40");
    assert_int_equal(trap.kind, VEIL_TRAP_EXIT);
    assert_int_equal(trap.exit_code, 40);
    /* Still usable afterwards. */
    assert_int_equal(call_i32(&f, "sum", args, 2), 42);
    fixture_free(&f);
}

static void test_compiled_code_paths(void **state) {
    (void)state;
    fixture f;
    instantiate(&f, "ops", NULL);
    veil_wasm_value n = i32(100000);
    veil_wasm_value result[2];
    veil_wasm_trap trap;
    assert_ok(veil_wasm_call(f.store, export_func(f.inst, "sum"), &n, 1, result, 1, &trap));
    assert_int_equal(result[0].of.i64, 4999950000ull);
    veil_wasm_value args[2] = {i32(1), i32(2)};
    assert_ok(veil_wasm_call(f.store, export_func(f.inst, "swap"), args, 2, result, 2, &trap));
    assert_int_equal(result[0].of.i32, 1);
    assert_int_equal(result[1].of.i32, 2);
    veil_wasm_value k = i32(0);
    assert_ok(veil_wasm_call(f.store, export_func(f.inst, "pick"), &k, 1, result, 2, &trap));
    assert_int_equal(result[0].of.i32, 3);
    assert_int_equal(result[1].of.i32, 4);
    k = i32(1);
    assert_ok(veil_wasm_call(f.store, export_func(f.inst, "pick"), &k, 1, result, 2, &trap));
    assert_int_equal(result[0].of.i32, 1);
    assert_int_equal(result[1].of.i32, 2);
    n = i32(20);
    assert_int_equal(call_i32(&f, "fib", &n, 1), 6765);
    fixture_free(&f);
}

/* ---- tests/unit/wasm/wat/traps.wat: traps below the export, limits on
 * call-only code, host re-entry ---- */

typedef struct reenter_env {
    veil_wasm_store *store;
    veil_wasm_func *down;
    uint32_t deepest;
} reenter_env;

/* Host side of "down": calls back into the program, so every level nests
 * an interpreter run inside a host call. */
static veil_error *host_reenter(veil_wasm_caller *caller, void *env, const uint64_t *args,
                                uint64_t *results) {
    (void)caller;
    reenter_env *e = env;
    uint32_t n = (uint32_t)args[0];
    if (n > e->deepest)
        e->deepest = n;
    veil_wasm_value arg = i32(n), result;
    veil_wasm_trap trap;
    VEIL_TRY(veil_wasm_call(e->store, e->down, &arg, 1, &result, 1, &trap));
    results[0] = result.of.i32;
    return NULL;
}

static veil_error *resolve_reenter(void *user_data, const veil_wasm_extern_desc *import,
                                   veil_wasm_extern *out) {
    veil_wasm_func **fn = user_data;
    if (strcmp(import->module, "host") != 0 || strcmp(import->name, "reenter") != 0)
        return veil_error_new(VEIL_ENOENT, "no %s.%s", import->module, import->name);
    out->kind = VEIL_WASM_EXTERN_FUNC;
    out->of.func = *fn;
    return NULL;
}

typedef struct traps_fixture {
    fixture f;
    reenter_env env;
} traps_fixture;

static void traps_instantiate(traps_fixture *t, const veil_wasm_limits *limits) {
    memset(t, 0, sizeof(*t));
    t->f.module = load("traps");
    assert_ok(veil_wasm_store_new(limits, VEIL_WASM_INTERP, &t->f.store));
    static const veil_wasm_valtype i[] = {VEIL_WASM_I32};
    veil_wasm_functype type = {1, 1, i, i};
    veil_wasm_func *reenter;
    assert_ok(
        veil_wasm_func_new_host(t->f.store, &type, host_reenter, &t->env, "reenter", &reenter));
    veil_wasm_trap trap;
    assert_ok(veil_wasm_instantiate(t->f.store, t->f.module, resolve_reenter, &reenter, &t->f.inst,
                                    &trap));
    t->env.store = t->f.store;
    t->env.down = export_func(t->f.inst, "down");
}

static veil_wasm_value f32_bits(uint32_t bits) {
    veil_wasm_value value;
    memset(&value, 0, sizeof(value));
    value.type = VEIL_WASM_F32;
    value.of.f32_bits = bits;
    return value;
}

/* Calls an export with one argument and one i32 result, expecting a trap
 * of `kind` in the function `func_index` named `name`. */
static void expect_trap(fixture *f, const char *export_name, veil_wasm_value arg,
                        veil_wasm_trap_kind kind, uint32_t func_index, const char *name) {
    veil_wasm_value result;
    veil_wasm_trap trap;
    veil_error *err =
        veil_wasm_call(f->store, export_func(f->inst, export_name), &arg, 1, &result, 1, &trap);
    assert_non_null(err);
    assert_int_equal(veil_error_code(err), VEIL_ETRAP);
    assert_non_null(strstr(veil_error_message(err), veil_wasm_trap_message(kind)));
    veil_error_free(err);
    assert_int_equal(trap.kind, kind);
    assert_int_equal(trap.func_index, func_index);
    assert_string_equal(trap.func_name, name);
}

static void test_trap_names_the_inner_function(void **state) {
    (void)state;
    traps_fixture t;
    traps_instantiate(&t, NULL);
    fixture *f = &t.f;
    /* The trap is in $load_far (function 1), not in the export that called it. */
    expect_trap(f, "load", i32(65533), VEIL_TRAP_MEMORY_OOB, 1, "load_far");
    veil_wasm_value addr = i32(65532);
    assert_int_equal(call_i32(f, "load", &addr, 1), 0);
    /* call_indirect: undefined, uninitialized and mismatched elements trap in
     * the calling function (4, named after its export). */
    expect_trap(f, "indirect", i32(7), VEIL_TRAP_UNDEFINED_ELEMENT, 4, "indirect");
    expect_trap(f, "indirect", i32(0), VEIL_TRAP_UNINITIALIZED_ELEMENT, 4, "indirect");
    expect_trap(f, "indirect", i32(1), VEIL_TRAP_INDIRECT_MISMATCH, 4, "indirect");
    /* NaN cannot convert; 3e9 does not fit in i32. */
    expect_trap(f, "convert", f32_bits(0x7fc00000u), VEIL_TRAP_INVALID_CONVERSION, 5, "convert");
    expect_trap(f, "convert", f32_bits(0x4f32d05eu), VEIL_TRAP_INT_OVERFLOW, 5, "convert");
    veil_wasm_value minus = f32_bits(0xc0f00000u); /* -7.5 */
    assert_int_equal(call_i32(f, "convert", &minus, 1), (uint32_t)-7);
    veil_wasm_trap trap;
    assert_err(
        veil_wasm_call(f->store, export_func(f->inst, "unreachable"), NULL, 0, NULL, 0, &trap),
        VEIL_ETRAP, "unreachable in function 7 (unreachable)");
    assert_int_equal(trap.kind, VEIL_TRAP_UNREACHABLE);
    assert_int_equal(trap.func_index, 7);
    fixture_free(f);
}

static void test_fuel_is_charged_on_calls(void **state) {
    (void)state;
    traps_fixture t;
    veil_wasm_limits limits = {.fuel = 100000};
    traps_instantiate(&t, &limits);
    fixture *f = &t.f;
    /* fib(15) makes 1973 calls: within the budget. */
    veil_wasm_value n = i32(15);
    assert_int_equal(call_i32(f, "fib", &n, 1), 610);
    uint64_t left = veil_wasm_store_fuel(f->store);
    assert_true(left < 100000 - 1973);
    /* fib(30) makes 2.7 million calls and no loop iteration: fuel still
     * stops it. */
    n = i32(30);
    veil_wasm_value result;
    veil_wasm_trap trap;
    assert_err(veil_wasm_call(f->store, export_func(f->inst, "fib"), &n, 1, &result, 1, &trap),
               VEIL_ETRAP, "out of fuel in function 9 (fib)");
    assert_int_equal(trap.kind, VEIL_TRAP_OUT_OF_FUEL);
    assert_int_equal(veil_wasm_store_fuel(f->store), 0);
    /* Without fuel nothing runs, not even a call to a leaf. */
    n = i32(1);
    assert_err(veil_wasm_call(f->store, export_func(f->inst, "fib"), &n, 1, &result, 1, &trap),
               VEIL_ETRAP, "out of fuel");
    veil_wasm_store_set_fuel(f->store, 100);
    assert_int_equal(call_i32(f, "fib", &n, 1), 1);
    fixture_free(f);
}

static void test_deadline_stops_call_only_code(void **state) {
    (void)state;
    traps_fixture t;
    veil_wasm_limits limits = {.timeout_ms = 20};
    traps_instantiate(&t, &limits);
    fixture *f = &t.f;
    /* fib(45) makes 3.7e9 calls: far beyond any machine in 20 ms, so the
     * outcome does not depend on speed. */
    veil_wasm_value n = i32(45), result;
    veil_wasm_trap trap;
    assert_err(veil_wasm_call(f->store, export_func(f->inst, "fib"), &n, 1, &result, 1, &trap),
               VEIL_ETRAP, "deadline exceeded");
    assert_int_equal(trap.kind, VEIL_TRAP_DEADLINE);
    assert_int_equal(trap.func_index, 9);
    n = i32(10);
    assert_int_equal(call_i32(f, "fib", &n, 1), 55);
    fixture_free(f);
}

static void test_value_stack_is_bounded(void **state) {
    (void)state;
    traps_fixture t;
    /* A call-depth limit far above what the value stack holds for "fat"
     * (about 250 slots a frame): the value stack bound is what stops it. */
    veil_wasm_limits limits = {.max_call_depth = 1000000};
    traps_instantiate(&t, &limits);
    fixture *f = &t.f;
    for (int round = 0; round < 2; round++) {
        expect_trap(f, "fat", i32(0), VEIL_TRAP_STACK_EXHAUSTED, 10, "fat");
        veil_wasm_value n = i32(20);
        assert_int_equal(call_i32(f, "fib", &n, 1), 6765);
    }
    fixture_free(f);
}

static void test_host_reentry_is_bounded(void **state) {
    (void)state;
    traps_fixture t;
    traps_instantiate(&t, NULL);
    fixture *f = &t.f;
    /* wasm -> host -> wasm -> ... never ends; the nesting bound (each level
     * uses native stack in the host) stops it with a trap that every host
     * level passes up. */
    veil_wasm_value n = i32(0), result;
    veil_wasm_trap trap;
    assert_err(veil_wasm_call(f->store, t.env.down, &n, 1, &result, 1, &trap), VEIL_ETRAP,
               "call stack exhausted");
    assert_int_equal(trap.kind, VEIL_TRAP_HOST);
    assert_true(t.env.deepest >= 8); /* up to 64 levels; fewer with big frames (ASan) */
    assert_true(t.env.deepest < 1000);
    n = i32(12);
    assert_int_equal(call_i32(f, "fib", &n, 1), 144);
    fixture_free(f);
}

static void test_start_function_trap(void **state) {
    (void)state;
    veil_wasm_module *m = load("start");
    veil_wasm_store *store;
    assert_ok(veil_wasm_store_new(NULL, VEIL_WASM_INTERP, &store));
    veil_wasm_instance *inst = NULL;
    veil_wasm_trap trap;
    assert_err(veil_wasm_instantiate(store, m, NULL, NULL, &inst, &trap), VEIL_ETRAP,
               "out of bounds memory access in function 0 (boom)");
    assert_int_equal(trap.kind, VEIL_TRAP_MEMORY_OOB);
    assert_null(inst);
    /* The store goes on to run another program. */
    veil_wasm_module *limits_module = load("limits");
    assert_ok(veil_wasm_instantiate(store, limits_module, NULL, NULL, &inst, &trap));
    fixture f = {limits_module, store, inst};
    veil_wasm_value n = i32(5);
    assert_int_equal(call_i32(&f, "count", &n, 1), 5);
    fixture_free(&f);
    veil_wasm_module_free(m);
}

static void test_trap_messages(void **state) {
    (void)state;
    /* Every kind has its own message (the spec's wording where it has one). */
    for (int a = VEIL_TRAP_UNREACHABLE; a <= VEIL_TRAP_EXIT; a++) {
        const char *ma = veil_wasm_trap_message((veil_wasm_trap_kind)a);
        assert_non_null(ma);
        assert_true(ma[0] != '\0');
        for (int b = a + 1; b <= VEIL_TRAP_EXIT; b++)
            assert_string_not_equal(ma, veil_wasm_trap_message((veil_wasm_trap_kind)b));
    }
    assert_string_equal(veil_wasm_trap_message(VEIL_TRAP_DIV_BY_ZERO), "integer divide by zero");
    assert_string_equal(veil_wasm_trap_message(VEIL_TRAP_STACK_EXHAUSTED), "call stack exhausted");
}

static void test_store_strategies_and_host_memory_cap(void **state) {
    (void)state;
    veil_wasm_store *store = NULL;
    /* A strategy the engine does not have (the AOT strategy has its own
     * tests in aot_test.c). */
    assert_err(veil_wasm_store_new(NULL, (veil_wasm_strategy)7, &store), VEIL_EUNSUPPORTED,
               "not available");
    assert_null(store);
    /* Memories the host creates obey the store's cap too. */
    veil_wasm_limits limits = {.max_memory_pages = 4};
    assert_ok(veil_wasm_store_new(&limits, VEIL_WASM_INTERP, &store));
    veil_wasm_memory *mem = NULL;
    assert_err(veil_wasm_memory_new(store, (veil_wasm_limits_range){5, 0, false}, &mem),
               VEIL_ELIMIT, "exceeds the limit of 4 pages");
    assert_ok(veil_wasm_memory_new(store, (veil_wasm_limits_range){2, 0, false}, &mem));
    uint64_t size;
    assert_non_null(veil_wasm_memory_data(mem, &size));
    assert_int_equal(size, 2 * 65536);
    veil_wasm_store_free(store);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_names_section_and_offset),
        cmocka_unit_test(test_invalid_module_rejected),
        cmocka_unit_test(test_infinite_loop_stops_on_fuel),
        cmocka_unit_test(test_infinite_loop_stops_on_deadline),
        cmocka_unit_test(test_memory_grow_stops_at_cap),
        cmocka_unit_test(test_instantiation_over_cap_fails),
        cmocka_unit_test(test_deep_recursion_traps_and_store_survives),
        cmocka_unit_test(test_traps_are_values),
        cmocka_unit_test(test_host_functions),
        cmocka_unit_test(test_compiled_code_paths),
        cmocka_unit_test(test_trap_names_the_inner_function),
        cmocka_unit_test(test_fuel_is_charged_on_calls),
        cmocka_unit_test(test_deadline_stops_call_only_code),
        cmocka_unit_test(test_value_stack_is_bounded),
        cmocka_unit_test(test_host_reentry_is_bounded),
        cmocka_unit_test(test_start_function_trap),
        cmocka_unit_test(test_trap_messages),
        cmocka_unit_test(test_store_strategies_and_host_memory_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
