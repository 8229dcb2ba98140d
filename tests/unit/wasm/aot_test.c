/* Unit tests of the ahead-of-time strategy through the engine's public API
 * (include/veil/wasm.h): compiled code stays inside its linear memory
 * (accesses at the edge, huge offsets, dropped loads, bulk operations,
 * growth past the cap), traps are the same values as the interpreter's and
 * leave the process and the store usable, limits (fuel, deadline, call
 * depth) stop compiled code, host functions are called and their errors
 * become traps, compiled objects are cached, and a missing compiler is a
 * clear error.  Modules come from tests/unit/wasm/wat/ (VEIL_WASM_FIXTURES);
 * the cache is a directory in the build tree (VEIL_AOT_TEST_CACHE). */
#include "../test.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

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

static veil_wasm_value i32(uint32_t v) {
    veil_wasm_value value;
    memset(&value, 0, sizeof(value));
    value.type = VEIL_WASM_I32;
    value.of.i32 = v;
    return value;
}

static veil_error *host_add(veil_wasm_caller *caller, void *env, const uint64_t *args,
                            uint64_t *results) {
    (void)env;
    uint64_t size;
    uint8_t *mem = veil_wasm_caller_memory(caller, &size);
    assert_non_null(mem);
    assert_int_equal(size % 65536, 0);
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

typedef struct fixture {
    veil_wasm_module *module;
    veil_wasm_store *store;
    veil_wasm_instance *inst;
    veil_wasm_func *add, *fail;
    uint32_t trap_func; /* function index of the last call's trap */
} fixture;

static veil_error *resolve(void *user_data, const veil_wasm_extern_desc *import,
                           veil_wasm_extern *out) {
    fixture *f = user_data;
    out->kind = VEIL_WASM_EXTERN_FUNC;
    if (strcmp(import->name, "add") == 0)
        out->of.func = f->add;
    else if (strcmp(import->name, "fail") == 0)
        out->of.func = f->fail;
    else
        return veil_error_new(VEIL_ENOENT, "no %s", import->name);
    return NULL;
}

static void instantiate(fixture *f, const char *name, veil_wasm_strategy strategy,
                        const veil_wasm_limits *limits) {
    memset(f, 0, sizeof(*f));
    f->module = load(name);
    assert_ok(veil_wasm_store_new(limits, strategy, &f->store));
    static const veil_wasm_valtype ii[2] = {VEIL_WASM_I32, VEIL_WASM_I32};
    veil_wasm_functype add_type = {2, 1, ii, ii};
    veil_wasm_functype fail_type = {0, 0, NULL, NULL};
    assert_ok(veil_wasm_func_new_host(f->store, &add_type, host_add, NULL, "add", &f->add));
    assert_ok(veil_wasm_func_new_host(f->store, &fail_type, host_fail, NULL, "fail", &f->fail));
    veil_wasm_trap trap;
    assert_ok(veil_wasm_instantiate(f->store, f->module, resolve, f, &f->inst, &trap));
}

static void fixture_free(fixture *f) {
    veil_wasm_store_free(f->store);
    veil_wasm_module_free(f->module);
}

static veil_wasm_func *export_func(fixture *f, const char *name) {
    veil_wasm_extern ext;
    assert_true(veil_wasm_instance_export(f->inst, name, &ext));
    assert_int_equal(ext.kind, VEIL_WASM_EXTERN_FUNC);
    return ext.of.func;
}

/* Calls an export with i32 arguments; returns the trap kind (NONE on
 * success) and the first result in *result when there is one. */
static veil_wasm_trap_kind call(fixture *f, const char *name, const uint32_t *args, size_t n,
                                uint32_t *result) {
    veil_wasm_func *func = export_func(f, name);
    veil_wasm_functype type;
    veil_wasm_func_type(func, &type);
    veil_wasm_value argv[4], res;
    assert_true(n <= 4);
    for (size_t i = 0; i < n; i++)
        argv[i] = i32(args[i]);
    veil_wasm_trap trap;
    veil_error *err = veil_wasm_call(f->store, func, argv, n, &res, type.result_count, &trap);
    if (err != NULL) {
        assert_int_equal(veil_error_code(err), VEIL_ETRAP);
        veil_error_free(err);
        assert_int_not_equal(trap.kind, VEIL_TRAP_NONE);
        f->trap_func = trap.func_index;
        return trap.kind;
    }
    if (result != NULL && type.result_count == 1)
        *result = res.of.i32;
    return VEIL_TRAP_NONE;
}

static int setup(void **state) {
    (void)state;
    setenv("VEIL_AOT_CACHE_DIR", VEIL_AOT_TEST_CACHE, 1);
    unsetenv("VEIL_AOT_CC");
    unsetenv("VEIL_AOT_CFLAGS");
    unsetenv("VEIL_AOT_GUARD_PAGES");
    return 0;
}

/* One case of the sandbox table: export, arguments, expected trap (NONE:
 * expected result). */
typedef struct sandbox_case {
    const char *name;
    uint32_t args[3];
    size_t n;
    veil_wasm_trap_kind trap;
    uint32_t result;
} sandbox_case;

static const sandbox_case sandbox_cases[] = {
    {"store", {65532, 0x11223344}, 2, VEIL_TRAP_NONE, 0},
    {"load", {65532}, 1, VEIL_TRAP_NONE, 0x11223344},
    {"load", {65533}, 1, VEIL_TRAP_MEMORY_OOB, 0},
    {"load", {UINT32_MAX}, 1, VEIL_TRAP_MEMORY_OOB, 0},
    {"load8", {65535}, 1, VEIL_TRAP_NONE, 0x11},
    {"load8", {65536}, 1, VEIL_TRAP_MEMORY_OOB, 0},
    {"store", {65533, 1}, 2, VEIL_TRAP_MEMORY_OOB, 0},
    {"load_dropped", {65528}, 1, VEIL_TRAP_NONE, 0},
    {"load_dropped", {65529}, 1, VEIL_TRAP_MEMORY_OOB, 0},
    {"load_far", {0}, 1, VEIL_TRAP_MEMORY_OOB, 0},
    {"load_far", {UINT32_MAX}, 1, VEIL_TRAP_MEMORY_OOB, 0},
    {"store_far", {0}, 1, VEIL_TRAP_MEMORY_OOB, 0},
    {"store_far", {0x10000}, 1, VEIL_TRAP_MEMORY_OOB, 0},
    {"v128_load", {65520}, 1, VEIL_TRAP_NONE, 0x11223344},
    {"v128_load", {65521}, 1, VEIL_TRAP_MEMORY_OOB, 0},
    {"fill", {65530, 7, 6}, 3, VEIL_TRAP_NONE, 0},
    {"load8", {65535}, 1, VEIL_TRAP_NONE, 7},
    {"fill", {65530, 7, 7}, 3, VEIL_TRAP_MEMORY_OOB, 0},
    {"indirect", {0, 41}, 2, VEIL_TRAP_NONE, 42},
    {"indirect", {1, 41}, 2, VEIL_TRAP_INDIRECT_MISMATCH, 0},
    {"indirect", {2, 41}, 2, VEIL_TRAP_UNINITIALIZED_ELEMENT, 0},
    {"indirect", {3, 41}, 2, VEIL_TRAP_UNDEFINED_ELEMENT, 0},
    {"add", {40, 2}, 2, VEIL_TRAP_NONE, 42},
    {"fail", {0}, 0, VEIL_TRAP_HOST, 0},
    {"simd_sum", {10}, 1, VEIL_TRAP_NONE, 50},
    /* After all the traps the store still works. */
    {"load", {65532}, 1, VEIL_TRAP_NONE, 0x07070707},
};

/* Every case gives the same trap or result under both strategies. */
static void test_sandbox_matches_interpreter(void **state) {
    (void)state;
    fixture aot, interp;
    instantiate(&aot, "aot", VEIL_WASM_AOT, NULL);
    instantiate(&interp, "aot", VEIL_WASM_INTERP, NULL);
    for (size_t i = 0; i < sizeof(sandbox_cases) / sizeof(sandbox_cases[0]); i++) {
        const sandbox_case *c = &sandbox_cases[i];
        uint32_t got_aot = 0, got_interp = 0;
        veil_wasm_trap_kind k_aot = call(&aot, c->name, c->args, c->n, &got_aot);
        veil_wasm_trap_kind k_interp = call(&interp, c->name, c->args, c->n, &got_interp);
        if (k_aot != c->trap || k_interp != c->trap)
            print_error("case %zu (%s): aot trap %d, interp trap %d, expected %d\n", i, c->name,
                        (int)k_aot, (int)k_interp, (int)c->trap);
        assert_int_equal(k_aot, c->trap);
        assert_int_equal(k_interp, c->trap);
        assert_int_equal(got_aot, got_interp);
        /* Both name the function that trapped (with guard pages the fault
         * handler finds it from the faulting instruction). */
        if (c->trap != VEIL_TRAP_NONE && c->trap != VEIL_TRAP_HOST)
            assert_int_equal(aot.trap_func, interp.trap_func);
        if (c->trap == VEIL_TRAP_NONE)
            assert_int_equal(got_aot, c->result);
    }
    fixture_free(&aot);
    fixture_free(&interp);
}

/* f32x4/f64x2 add/sub/mul/div with an operand the C compiler can see (see
 * veil_op_f32x4_add): a signalling NaN comes out quiet under both
 * strategies, and ordinary values are unchanged. */
static void test_simd_float_ops_quiet_nans(void **state) {
    (void)state;
    static const char *const f32_ops[] = {"f32x4_mul_one",     "f32x4_div_one",
                                          "f32x4_add_negzero", "f32x4_sub_zero",
                                          "f32x4_negzero_sub", "f32x4_mul_one_int_splat"};
    static const char *const f64_ops[] = {"f64x2_mul_one", "f64x2_add_negzero"};
    fixture fx[2];
    instantiate(&fx[0], "aot", VEIL_WASM_AOT, NULL);
    instantiate(&fx[1], "aot", VEIL_WASM_INTERP, NULL);
    for (size_t s = 0; s < 2; s++) {
        for (size_t i = 0; i < sizeof(f32_ops) / sizeof(f32_ops[0]); i++) {
            uint32_t snan = 0x7f800001u, three = 0x40400000u, got = 0;
            assert_int_equal(call(&fx[s], f32_ops[i], &snan, 1, &got), VEIL_TRAP_NONE);
            if ((got & 0x7fc00000u) != 0x7fc00000u)
                print_error("%s (%s): 0x%08x is not a quiet NaN\n", f32_ops[i],
                            s == 0 ? "aot" : "interp", got);
            assert_int_equal(got & 0x7fc00000u, 0x7fc00000u);
            assert_int_equal(call(&fx[s], f32_ops[i], &three, 1, &got), VEIL_TRAP_NONE);
            /* x op identity is x, except -0 - x which is -x. */
            assert_int_equal(got,
                             strcmp(f32_ops[i], "f32x4_negzero_sub") == 0 ? 0xc0400000u : three);
        }
        for (size_t i = 0; i < sizeof(f64_ops) / sizeof(f64_ops[0]); i++) {
            uint32_t snan_hi = 0x7ff00001u, three_hi = 0x40080000u, got = 0;
            assert_int_equal(call(&fx[s], f64_ops[i], &snan_hi, 1, &got), VEIL_TRAP_NONE);
            assert_int_equal(got & 0x7ff80000u, 0x7ff80000u);
            assert_int_equal(call(&fx[s], f64_ops[i], &three_hi, 1, &got), VEIL_TRAP_NONE);
            assert_int_equal(got, three_hi);
        }
        uint32_t unused = 0, got = 0;
        assert_int_equal(call(&fx[s], "f32x4_const_snan_mul", &unused, 1, &got), VEIL_TRAP_NONE);
        assert_int_equal(got & 0x7fc00000u, 0x7fc00000u);
    }
    fixture_free(&fx[0]);
    fixture_free(&fx[1]);
}

/* The same in both memory modes, whichever the default is here: guard
 * pages (the hardware finds the out-of-bounds accesses and the fault
 * handler turns them into the same traps) and explicit checks. */
static void test_sandbox_with_guard_pages(void **state) {
    setenv("VEIL_AOT_GUARD_PAGES", "1", 1);
    test_sandbox_matches_interpreter(state);
    unsetenv("VEIL_AOT_GUARD_PAGES");
}

static void test_sandbox_with_explicit_checks(void **state) {
    setenv("VEIL_AOT_GUARD_PAGES", "0", 1);
    test_sandbox_matches_interpreter(state);
    unsetenv("VEIL_AOT_GUARD_PAGES");
}

static void test_host_error_message_and_function(void **state) {
    (void)state;
    fixture f;
    instantiate(&f, "aot", VEIL_WASM_AOT, NULL);
    veil_wasm_trap trap;
    assert_err(veil_wasm_call(f.store, export_func(&f, "fail"), NULL, 0, NULL, 0, &trap),
               VEIL_ETRAP, "host says no");
    assert_int_equal(trap.kind, VEIL_TRAP_HOST);
    veil_wasm_value arg = i32(65533), res;
    assert_err(veil_wasm_call(f.store, export_func(&f, "load"), &arg, 1, &res, 1, &trap),
               VEIL_ETRAP, "out of bounds memory access");
    assert_int_equal(trap.kind, VEIL_TRAP_MEMORY_OOB);
    fixture_free(&f);
}

static void test_memory_grow_stops_at_cap(void **state) {
    (void)state;
    veil_wasm_limits limits = {.max_memory_pages = 3};
    fixture f;
    instantiate(&f, "aot", VEIL_WASM_AOT, &limits);
    uint32_t r = 0;
    uint32_t two = 2, one = 1, addr = 3 * 65536 - 4;
    assert_int_equal(call(&f, "grow", &two, 1, &r), VEIL_TRAP_NONE);
    assert_int_equal(r, 1);
    assert_int_equal(call(&f, "grow", &one, 1, &r), VEIL_TRAP_NONE);
    assert_int_equal(r, UINT32_MAX);
    assert_int_equal(call(&f, "size", NULL, 0, &r), VEIL_TRAP_NONE);
    assert_int_equal(r, 3);
    /* The grown pages are usable, the byte after them is not. */
    assert_int_equal(call(&f, "load", &addr, 1, &r), VEIL_TRAP_NONE);
    addr += 1;
    assert_int_equal(call(&f, "load", &addr, 1, &r), VEIL_TRAP_MEMORY_OOB);
    fixture_free(&f);
}

/* limits.wat: traps and limits of the engine tests, under AOT. */
static void test_limits(void **state) {
    (void)state;
    veil_wasm_limits limits = {.fuel = 100000};
    fixture f;
    instantiate(&f, "limits", VEIL_WASM_AOT, &limits);
    assert_int_equal(call(&f, "spin", NULL, 0, NULL), VEIL_TRAP_OUT_OF_FUEL);
    assert_int_equal(veil_wasm_store_fuel(f.store), 0);
    veil_wasm_store_set_fuel(f.store, 1000000);
    uint32_t n = 1000, r = 0;
    assert_int_equal(call(&f, "count", &n, 1, &r), VEIL_TRAP_NONE);
    assert_int_equal(r, 1000);
    /* Fuel was charged, and not more than there was. */
    assert_true(veil_wasm_store_fuel(f.store) < 1000000);
    assert_int_equal(call(&f, "deep", &n, 1, NULL), VEIL_TRAP_STACK_EXHAUSTED);
    uint32_t div_args[2] = {7, 0};
    assert_int_equal(call(&f, "div", div_args, 2, &r), VEIL_TRAP_DIV_BY_ZERO);
    div_args[0] = 0x80000000u;
    div_args[1] = UINT32_MAX;
    assert_int_equal(call(&f, "div", div_args, 2, &r), VEIL_TRAP_INT_OVERFLOW);
    fixture_free(&f);

    veil_wasm_limits deadline = {.timeout_ms = 50};
    instantiate(&f, "limits", VEIL_WASM_AOT, &deadline);
    assert_int_equal(call(&f, "spin", NULL, 0, NULL), VEIL_TRAP_DEADLINE);
    fixture_free(&f);
}

static size_t count_objects(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] != '.' && len > 3 && strcmp(e->d_name + len - 3, ".so") == 0)
            n++;
    }
    closedir(d);
    return n;
}

static void remove_tree(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *path;
        assert_ok(veil_asprintf(&path, "%s/%s", dir, e->d_name));
        assert_int_equal(unlink(path), 0);
        free(path);
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
}

/* A second store (and a second module object) with the same bytes and
 * options reuses the cached object instead of compiling again. */
static void test_cache_reused(void **state) {
    (void)state;
    char *dir;
    assert_ok(veil_asprintf(&dir, "%s/reuse-%ld", VEIL_AOT_TEST_CACHE, (long)getpid()));
    setenv("VEIL_AOT_CACHE_DIR", dir, 1);
    fixture f;
    instantiate(&f, "limits", VEIL_WASM_AOT, NULL);
    fixture_free(&f);
    size_t after_first = count_objects(dir);
    assert_true(after_first >= 1);
    instantiate(&f, "limits", VEIL_WASM_AOT, NULL);
    uint32_t n = 5, r = 0;
    assert_int_equal(call(&f, "count", &n, 1, &r), VEIL_TRAP_NONE);
    assert_int_equal(r, 5);
    fixture_free(&f);
    assert_int_equal(count_objects(dir), after_first);
    /* Other options (metering) are another object. */
    veil_wasm_limits limits = {.fuel = 1000};
    instantiate(&f, "limits", VEIL_WASM_AOT, &limits);
    fixture_free(&f);
    assert_int_equal(count_objects(dir), after_first + 1);
    setenv("VEIL_AOT_CACHE_DIR", VEIL_AOT_TEST_CACHE, 1);
    remove_tree(dir);
    free(dir);
}

/* Instantiating a module under AOT fails with `code` and a message
 * containing `text`, and creates no instance. */
static void expect_instantiate_error(veil_code code, const char *text) {
    veil_wasm_module *m = load("limits");
    veil_wasm_store *s;
    assert_ok(veil_wasm_store_new(NULL, VEIL_WASM_AOT, &s));
    veil_wasm_instance *inst = NULL;
    veil_wasm_trap trap;
    veil_error *err = veil_wasm_instantiate(s, m, NULL, NULL, &inst, &trap);
    assert_non_null(err);
    assert_int_equal(veil_error_code(err), code);
    assert_non_null(strstr(veil_error_message(err), text));
    veil_error_free(err);
    assert_null(inst);
    veil_wasm_store_free(s);
    veil_wasm_module_free(m);
}

static void test_missing_compiler_is_a_clear_error(void **state) {
    (void)state;
    setenv("VEIL_AOT_CC", "/nonexistent/veil-test-cc", 1);
    expect_instantiate_error(VEIL_EUNSUPPORTED, "veil-test-cc");
    unsetenv("VEIL_AOT_CC");
}

/* A compiler that hangs is stopped after VEIL_AOT_COMPILE_TIMEOUT_S with a
 * clear error instead of blocking the instantiation. */
static void test_hanging_compiler_times_out(void **state) {
    (void)state;
    char cc[512];
    snprintf(cc, sizeof cc, "%s/hanging-cc-%ld", VEIL_AOT_TEST_CACHE, (long)getpid());
    FILE *f = fopen(cc, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\nexec sleep 60\n", f);
    fclose(f);
    assert_int_equal(chmod(cc, 0700), 0);
    setenv("VEIL_AOT_CC", cc, 1);
    setenv("VEIL_AOT_COMPILE_TIMEOUT_S", "1", 1);
    expect_instantiate_error(VEIL_ETIMEOUT, "ran longer than 1 s and was killed");
    unsetenv("VEIL_AOT_CC");
    unsetenv("VEIL_AOT_COMPILE_TIMEOUT_S");
    unlink(cc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_sandbox_matches_interpreter, setup),
        cmocka_unit_test_setup(test_sandbox_with_guard_pages, setup),
        cmocka_unit_test_setup(test_sandbox_with_explicit_checks, setup),
        cmocka_unit_test_setup(test_simd_float_ops_quiet_nans, setup),
        cmocka_unit_test_setup(test_host_error_message_and_function, setup),
        cmocka_unit_test_setup(test_memory_grow_stops_at_cap, setup),
        cmocka_unit_test_setup(test_limits, setup),
        cmocka_unit_test_setup(test_cache_reused, setup),
        cmocka_unit_test_setup(test_missing_compiler_is_a_clear_error, setup),
        cmocka_unit_test_setup(test_hanging_compiler_times_out, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
