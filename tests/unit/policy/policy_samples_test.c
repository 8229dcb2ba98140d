/* The i-PoC's own function policies (external test material): accepted as
 * function policies, hashed like sha256sum, merged with a user policy. */
#include "../test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "policy_fixture.h"
#include "veil/hash.h"
#include "veil/str.h"
#include "veil/wasi_rights.h"

static const char *const samples[] = {"ipoc-function_policy_big.json",
                                      "ipoc-function_policy_small.json"};
static const char *const names[] = {"vod_big", "vod_small"};

static char *sample_path(size_t i) {
    char *path;
    assert_ok(veil_asprintf(&path, "%s/policies/%s", VEIL_TESTDATA_DIR, samples[i]));
    return path;
}

static void test_samples_are_function_policies(void **state) {
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        char *path = sample_path(i);
        for (int pass = 0; pass < 2; pass++) {
            veil_policy *p;
            assert_ok(
                veil_policy_load_file(path, pass ? VEIL_POLICY_ANY : VEIL_POLICY_FUNCTION, &p));
            const veil_policy_settings *s = veil_policy_settings_of(p);
            assert_int_equal(s->kind, VEIL_POLICY_FUNCTION);
            assert_string_equal(s->function, names[i]);
            assert_int_equal(s->execution_strategy, VEIL_POLICY_JIT);
            assert_int_equal(s->max_memory_mib, 2000);
            assert_true(s->debug && s->enable_clock);
            assert_int_equal(s->data_file_count, 3);
            assert_int_equal(s->file_hash_count, 4);
            assert_string_equal(s->file_hashes[0].path, "/program/detector.wasm");
            assert_int_equal(veil_policy_warning_count(p), 0);
            const veil_policy_principal *program;
            assert_ok(veil_policy_find_program(p, "/program/detector.wasm", &program));
            assert_int_equal(program->grant_count, 7);
            assert_int_equal(veil_policy_rights_on(program, "/output/prediction.0.jpg"),
                             VEIL_RIGHTS_RW);
            assert_int_equal(veil_policy_rights_on(program, "/user_input/key"), VEIL_RIGHTS_R);
            assert_int_equal(veil_policy_rights_on(program, "stdout"), VEIL_RIGHTS_W);
            assert_int_equal(veil_policy_rights_on(program, "/program/detector.wasm"), 0);
            const veil_policy_principal *loader;
            assert_ok(veil_policy_find_principal(p, "loader", &loader));
            assert_int_equal(veil_policy_rights_on(loader, "/program_data/yolov3.weights"),
                             VEIL_RIGHTS_W);
            /* The policy hash is sha256sum's. */
            uint8_t expected[VEIL_SHA256_LEN], actual[VEIL_SHA256_LEN];
            assert_ok(veil_sha256_file(path, expected));
            veil_policy_hash(p, actual);
            assert_memory_equal(actual, expected, VEIL_SHA256_LEN);
            veil_policy_free(p);
        }
        /* They are not global policies, and the error says why. */
        veil_policy *p;
        veil_error *err = veil_policy_load_file(path, VEIL_POLICY_GLOBAL, &p);
        assert_non_null(err);
        assert_non_null(strstr(veil_error_message(err), "$.function: unknown key \"function\" in "
                                                        "a global policy"));
        assert_non_null(strstr(veil_error_message(err), "$: missing required key \"identities\""));
        veil_error_free(err);
        free(path);
    }
}

static void test_samples_merge(void **state) {
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        char *path = sample_path(i);
        veil_policy *f, *u;
        assert_ok(veil_policy_load_file(path, VEIL_POLICY_FUNCTION, &f));
        json_t *user = fixture_user();
        json_object_set_new(user, "function", json_string(names[i]));
        assert_ok(fixture_parse(user, VEIL_POLICY_USER, &u));
        json_decref(user);
        char *text;
        size_t len;
        assert_ok(veil_policy_merge_function_user(f, u, fixture.loader, &text, &len));
        veil_policy *vaas;
        assert_ok(veil_policy_parse(text, len, "vaas", VEIL_POLICY_VAAS, &vaas));
        assert_int_equal(veil_policy_settings_of(vaas)->file_hash_count, 4);
        assert_int_equal(veil_policy_principal_count(vaas), 4);
        veil_policy_free(vaas);
        free(text);
        veil_policy_free(f);
        veil_policy_free(u);
        free(path);
    }
}

int main(void) {
    char *probe;
    if (veil_asprintf(&probe, "%s/policies/%s", VEIL_TESTDATA_DIR, samples[0]) != NULL)
        return 1;
    bool present = access(probe, R_OK) == 0;
    free(probe);
    if (!present) {
        fprintf(stderr, "skipped: %s not found\n", VEIL_TESTDATA_DIR);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_are_function_policies),
        cmocka_unit_test(test_samples_merge),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
