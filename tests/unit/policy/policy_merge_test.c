/* Merging as CCFaaS (function + user -> VaaS) and VaaS (+ infrastructure ->
 * global) do, checked field by field and by using the result. */
#include "../test.h"

#include <stdlib.h>

#include "policy_fixture.h"
#include "veil/json.h"
#include "veil/str.h"
#include "veil/wasi_rights.h"
#include "veil/x509.h"

static veil_policy *parse_doc(json_t *doc, veil_policy_kind kind) {
    veil_policy *p = NULL;
    assert_ok(fixture_parse(doc, kind, &p));
    json_decref(doc);
    return p;
}

static json_t *parse_text(const char *text) {
    json_t *v = NULL;
    assert_ok(veil_json_parse(text, strlen(text), "merged", &v));
    return v;
}

static char *merge_vaas_text(void) {
    veil_policy *f = parse_doc(fixture_function(), VEIL_POLICY_FUNCTION);
    veil_policy *u = parse_doc(fixture_user(), VEIL_POLICY_USER);
    char *text;
    size_t len;
    assert_ok(veil_policy_merge_function_user(f, u, fixture.loader, &text, &len));
    assert_int_equal(len, strlen(text));
    veil_policy_free(f);
    veil_policy_free(u);
    return text;
}

static void test_function_user(void **state) {
    (void)state;
    char *text = merge_vaas_text();
    /* json.dumps(indent=4) layout, keys in the i-PoC's order. */
    assert_true(veil_str_starts_with(text, "{\n    \"ciphersuite\": "
                                           "\"TLS1_3_CHACHA20_POLY1305_SHA256\",\n    \"debug\": "
                                           "true,\n    \"enable_clock\": true,\n"));
    json_t *doc = parse_text(text);
    const char *key;
    json_t *value;
    static const char *const order[] = {
        "ciphersuite", "debug",      "enable_clock", "execution_strategy", "max_memory_mib",
        "programs",    "identities", "instance_id",  "file_hashes",        "max_execution_time_ms"};
    size_t k = 0;
    json_object_foreach(doc, key, value) {
        (void)value;
        assert_true(k < 10);
        assert_string_equal(key, order[k++]);
    }
    assert_int_equal(k, 10);
    assert_string_equal(json_string_value(json_object_get(doc, "instance_id")), "inst-42");
    assert_int_equal(json_integer_value(json_object_get(doc, "max_execution_time_ms")), 300000);
    json_t *program = fixture_get(doc, "programs", 0);
    assert_null(json_object_get(program, "pi_hash"));
    assert_int_equal(json_integer_value(json_object_get(program, "max_memory_mib")), 1500);
    /* User identities, then the loader with the function's file_rights;
     * ids are positions. */
    json_t *identities = json_object_get(doc, "identities");
    assert_int_equal(json_array_size(identities), 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(identities, i), "id")),
                         i);
    json_t *loader = json_array_get(identities, 2);
    assert_string_equal(json_string_value(json_object_get(loader, "certificate")), fixture.loader);
    json_t *loader_rights = json_object_get(loader, "file_rights");
    assert_int_equal(json_array_size(loader_rights), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(loader_rights, 0), "file_name")),
        "/program/");
    assert_true(json_is_true(json_object_get(json_array_get(identities, 1), "may_shutdown")));
    /* file_hashes: programs' pi_hash, then data files'. */
    json_t *hashes = json_object_get(doc, "file_hashes");
    assert_int_equal(json_array_size(hashes), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(hashes, 0), "file_path")),
                        "/program/detector.wasm");
    assert_string_equal(json_string_value(json_object_get(json_array_get(hashes, 2), "file_path")),
                        "/program_data/weights.bin");
    assert_string_equal(json_string_value(json_object_get(json_array_get(hashes, 2), "hash")),
                        "523e4e69e1d015393a1b0a441cef1d9c7659e3eb2d7e15f793f060a21b32f297");
    json_decref(doc);

    veil_policy *vaas;
    assert_ok(veil_policy_parse(text, strlen(text), "vaas", VEIL_POLICY_ANY, &vaas));
    assert_int_equal(veil_policy_settings_of(vaas)->kind, VEIL_POLICY_VAAS);
    const veil_policy_principal *who;
    assert_ok(veil_policy_find_identity(vaas, 2, &who));
    assert_null(veil_policy_check_rights(who, "/program/detector.wasm", VEIL_RIGHT_FD_WRITE));
    assert_err(veil_policy_check_rights(who, "/output/x", VEIL_RIGHT_FD_READ), VEIL_EPERM,
               "identity 2 has no rights");
    veil_policy_free(vaas);
    free(text);
}

static void test_function_user_errors(void **state) {
    (void)state;
    veil_policy *f = parse_doc(fixture_function(), VEIL_POLICY_FUNCTION);
    json_t *user_doc = fixture_user();
    json_object_set_new(user_doc, "function", json_string("other"));
    veil_policy *other = parse_doc(user_doc, VEIL_POLICY_USER);
    veil_policy *u = parse_doc(fixture_user(), VEIL_POLICY_USER);
    char *text;
    size_t len;
    assert_err(veil_policy_merge_function_user(f, other, fixture.loader, &text, &len), VEIL_EINVAL,
               "the user policy asks for function \"other\", not \"vod_test\"");
    assert_err(veil_policy_merge_function_user(u, f, fixture.loader, &text, &len), VEIL_EINVAL,
               "not a function policy");
    /* The loader must not share a certificate with a user identity. */
    assert_err(veil_policy_merge_function_user(f, u, fixture.owner, &text, &len), VEIL_EMALFORMED,
               "$.identities[2].certificate: the same certificate as $.identities[1]");
    /* Without a loader certificate there is no loader identity. */
    assert_ok(veil_policy_merge_function_user(f, u, NULL, &text, &len));
    json_t *doc = parse_text(text);
    assert_int_equal(json_array_size(json_object_get(doc, "identities")), 2);
    json_decref(doc);
    free(text);
    veil_policy_free(f);
    veil_policy_free(other);
    veil_policy_free(u);
}

static void test_vaas_infra(void **state) {
    (void)state;
    char *vaas_text = merge_vaas_text();
    veil_policy *vaas;
    assert_ok(veil_policy_parse(vaas_text, strlen(vaas_text), "vaas", VEIL_POLICY_VAAS, &vaas));
    veil_policy_infra infra = {
        .server_url = "veil-instance-3011:3011",
        .pas_url = "veil-pas:3010",
        .pas_cert_pem = fixture.pas,
        .runtime_hash_nitro = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
        .now_unix = 0,
    };
    char *text;
    size_t len;
    assert_ok(veil_policy_merge_vaas_infra(vaas, &infra, &text, &len));
    json_t *doc = parse_text(text);
    assert_null(json_object_get(doc, "instance_id"));
    /* now + 180 days = 1970-06-30 00:00 UTC, in the i-PoC's key order. */
    json_t *expiry = json_object_get(doc, "enclave_cert_expiry");
    static const char *const expiry_keys[] = {"day", "hour", "minute", "month", "year"};
    static const int expiry_values[] = {30, 0, 0, 6, 1970};
    const char *key;
    json_t *value;
    size_t k = 0;
    json_object_foreach(expiry, key, value) {
        assert_string_equal(key, expiry_keys[k]);
        assert_int_equal(json_integer_value(value), expiry_values[k]);
        k++;
    }
    assert_int_equal(k, 5);
    assert_string_equal(json_string_value(json_object_get(doc, "veracruz_server_url")),
                        "veil-instance-3011:3011");
    assert_null(json_object_get(doc, "runtime_manager_hash_sgx"));
    json_decref(doc);

    veil_policy *global;
    assert_ok(veil_policy_parse(text, len, "global", VEIL_POLICY_ANY, &global));
    const veil_policy_settings *s = veil_policy_settings_of(global);
    assert_int_equal(s->kind, VEIL_POLICY_GLOBAL);
    assert_string_equal(s->pas_url, "veil-pas:3010");
    assert_string_equal(s->runtime_hash_nitro, infra.runtime_hash_nitro);
    assert_null(s->runtime_hash_linux);
    assert_int_equal(s->max_execution_time_ms, 300000);
    assert_int_equal(veil_policy_warning_count(global), 0);
    /* The merged policy works: the TLS layer finds the owner by its
     * certificate, and the owner may read results and run the program. */
    X509 *cert;
    assert_ok(veil_cert_from_pem(fixture.owner, strlen(fixture.owner), &cert));
    const veil_policy_principal *owner;
    assert_ok(veil_policy_find_by_cert(global, cert, &owner));
    X509_free(cert);
    assert_string_equal(owner->name, "identity 1");
    assert_true(owner->may_shutdown);
    assert_null(veil_policy_check_rights(owner, "/output/prediction.0.jpg", VEIL_RIGHT_FD_READ));
    assert_null(veil_policy_check_rights(owner, "/program/detector.wasm", VEIL_RIGHT_EXECUTE));
    assert_non_null(veil_policy_expected_hash(global, "/program_data/coco.names"));
    veil_policy_free(global);
    free(text);

    /* An expiry already in the VaaS policy is kept; a linux measurement. */
    json_t *with_expiry = parse_text(vaas_text);
    json_object_set_new(with_expiry, "enclave_cert_expiry",
                        json_pack("{s:i, s:i, s:i, s:i, s:i}", "year", 2030, "month", 1, "day", 2,
                                  "hour", 3, "minute", 4));
    veil_policy *vaas2 = parse_doc(with_expiry, VEIL_POLICY_VAAS);
    infra.runtime_hash_nitro = NULL;
    infra.runtime_hash_linux = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
    assert_ok(veil_policy_merge_vaas_infra(vaas2, &infra, &text, &len));
    assert_ok(veil_policy_parse(text, len, "global", VEIL_POLICY_GLOBAL, &global));
    assert_int_equal(veil_policy_settings_of(global)->enclave_cert_expiry.year, 2030);
    assert_non_null(veil_policy_settings_of(global)->runtime_hash_linux);
    veil_policy_free(global);
    free(text);

    /* Errors: a missing measurement, a bad URL, the wrong kind. */
    infra.runtime_hash_linux = NULL;
    assert_err(veil_policy_merge_vaas_infra(vaas2, &infra, &text, &len), VEIL_EINVAL,
               "at least one runtime measurement");
    infra.runtime_hash_linux = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
    infra.server_url = "no-port";
    assert_err(veil_policy_merge_vaas_infra(vaas2, &infra, &text, &len), VEIL_EMALFORMED,
               "$.veracruz_server_url: \"no-port\": expected host:port");
    assert_err(veil_policy_merge_vaas_infra(global == NULL ? vaas2 : vaas2, &infra, &text, &len),
               VEIL_EMALFORMED, "merged global policy: 1 error");
    veil_policy *f = parse_doc(fixture_function(), VEIL_POLICY_FUNCTION);
    assert_err(veil_policy_merge_vaas_infra(f, &infra, &text, &len), VEIL_EINVAL,
               "not a VaaS policy");
    veil_policy_free(f);
    veil_policy_free(vaas2);
    veil_policy_free(vaas);
    free(vaas_text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_function_user),
        cmocka_unit_test(test_function_user_errors),
        cmocka_unit_test(test_vaas_infra),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
