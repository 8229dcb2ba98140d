/* Unit tests of the engine through its public API (include/veil/wasm.h):
 * decoding errors, limits (fuel, deadline, memory cap, call depth), traps as
 * values, host functions, and the compiler's fused paths.  Modules are built
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
