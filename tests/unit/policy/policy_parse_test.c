/* Parsing and validation: valid policies of each kind, and one rejection per
 * rule with the message checked for the JSON path and the reason. */
#include "../test.h"

#include <stdio.h>
#include <stdlib.h>

#include "../testcert.h"
#include "policy_fixture.h"
#include "veil/hash.h"
#include "veil/wasi_rights.h"
#include "veil/x509.h"

/* Asserts that doc fails to parse as kind with a message containing text. */
static void assert_fails_with(const json_t *doc, veil_policy_kind kind, const char *text) {
    char *message = fixture_failure(doc, kind);
    if (message == NULL) {
        print_error("expected a failure containing \"%s\", but the policy was accepted\n", text);
        fail();
    }
    if (strstr(message, text) == NULL) {
        print_error("expected \"%s\" in:\n%s\n", text, message);
        free(message);
        fail();
    }
    free(message);
}

static void assert_text_fails_with(const char *json, veil_policy_kind kind, const char *text) {
    veil_policy *policy;
    assert_err(veil_policy_parse(json, strlen(json), "t.json", kind, &policy), VEIL_EMALFORMED,
               text);
}

static void test_global_valid(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    veil_policy *p;
    assert_ok(fixture_parse(doc, VEIL_POLICY_GLOBAL, &p));
    const veil_policy_settings *s = veil_policy_settings_of(p);
    assert_int_equal(s->kind, VEIL_POLICY_GLOBAL);
    assert_int_equal(s->execution_strategy, VEIL_POLICY_JIT);
    assert_true(s->enable_clock);
    assert_false(s->debug);
    assert_int_equal(s->max_memory_mib, 2000);
    assert_int_equal(s->max_execution_time_ms, 120000);
    assert_int_equal(s->max_execution_fuel, 1000000000);
    assert_string_equal(s->ciphersuite_openssl, "TLS_CHACHA20_POLY1305_SHA256");
    assert_true(s->has_expiry);
    assert_int_equal(s->enclave_cert_expiry.year, 2027);
    assert_int_equal(s->enclave_cert_expiry.minute, 5);
    assert_string_equal(s->server_url, "127.0.0.1:3011");
    assert_string_equal(s->pas_url, "pas.example:3010");
    assert_non_null(s->pas_cert);
    assert_null(s->runtime_hash_linux);
    assert_int_equal(strlen(s->runtime_hash_nitro), 96);
    assert_int_equal(s->file_hash_count, 2);
    assert_string_equal(s->file_hashes[1].path, "/program_data/coco.names");
    assert_int_equal(veil_policy_principal_count(p), 4);
    const veil_policy_principal *owner = veil_policy_principal_at(p, 0);
    assert_int_equal(owner->kind, VEIL_PRINCIPAL_IDENTITY);
    assert_string_equal(owner->name, "identity 0");
    assert_true(owner->may_shutdown);
    assert_false(veil_policy_principal_at(p, 1)->may_shutdown);
    /* Grants are normalised and sorted. */
    assert_int_equal(owner->grant_count, 5);
    assert_string_equal(owner->grants[0].path, "/output");
    assert_string_equal(owner->grants[1].path, "/program");
    assert_string_equal(owner->grants[4].path, "stdout");
    assert_int_equal(owner->grants[1].base_rights, VEIL_RIGHTS_X);
    assert_int_equal(owner->grants[1].inheriting_rights, VEIL_RIGHTS_X);
    const veil_policy_principal *program = veil_policy_principal_at(p, 3);
    assert_int_equal(program->kind, VEIL_PRINCIPAL_PROGRAM);
    assert_string_equal(program->name, "program /program/detector.wasm");
    assert_int_equal(program->max_memory_mib, 2000);
    assert_int_equal(veil_policy_warning_count(p), 0);
    /* The hash is over the exact bytes. */
    char *text = fixture_text(doc);
    char expected[VEIL_SHA256_HEX_LEN + 1], actual[VEIL_SHA256_HEX_LEN + 1];
    veil_sha256_hex(text, strlen(text), expected);
    veil_policy_hash_hex(p, actual);
    assert_string_equal(actual, expected);
    size_t len;
    const uint8_t *bytes = veil_policy_bytes(p, &len);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(bytes, text, len);
    free(text);
    veil_policy_free(p);
    json_decref(doc);
}

static void test_defaults_and_legacy_keys(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    json_object_del(doc, "max_execution_time_ms");
    json_object_del(doc, "max_execution_fuel");
    json_object_set_new(doc, "runtime_manager_hash_sgx", json_string(""));
    json_object_set_new(doc, "runtime_manager_hash_tz", json_string(""));
    json_object_set_new(doc, "runtime_manager_hash_linux", json_null());
    json_object_set_new(doc, "pipelines", json_array());
    json_object_del(doc, "file_hashes");
    veil_policy *p;
    assert_ok(fixture_parse(doc, VEIL_POLICY_GLOBAL, &p));
    const veil_policy_settings *s = veil_policy_settings_of(p);
    assert_int_equal(s->max_execution_time_ms, VEIL_POLICY_DEFAULT_EXECUTION_TIME_MS);
    assert_int_equal(s->max_execution_fuel, 0);
    assert_null(s->runtime_hash_linux);
    /* sgx, tz, pipelines, and the program without a file hash. */
    assert_int_equal(veil_policy_warning_count(p), 4);
    bool sgx = false, tz = false, unhashed = false;
    for (size_t i = 0; i < veil_policy_warning_count(p); i++) {
        const char *w = veil_policy_warning(p, i);
        sgx |= strstr(w, "$.runtime_manager_hash_sgx: accepted and ignored") != NULL;
        tz |= strstr(w, "$.runtime_manager_hash_tz: accepted and ignored") != NULL;
        unhashed |= strstr(w, "/program/detector.wasm has no entry in file_hashes") != NULL;
    }
    assert_true(sgx && tz && unhashed);
    assert_null(veil_policy_warning(p, 99));
    veil_policy_free(p);
    /* A non-empty legacy list is refused, as is a wrongly typed legacy hash. */
    json_object_set_new(doc, "pipelines", json_pack("[s]", "a"));
    json_object_set_new(doc, "runtime_manager_hash_tz", json_integer(3));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.pipelines: Veil does not support");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.runtime_manager_hash_tz: expected a string or null, got integer");
    json_decref(doc);
}

static void test_kind_detection(void **state) {
    (void)state;
    json_t *docs[] = {fixture_global(), fixture_function(), fixture_user(), NULL};
    veil_policy_kind kinds[] = {VEIL_POLICY_GLOBAL, VEIL_POLICY_FUNCTION, VEIL_POLICY_USER};
    for (size_t i = 0; docs[i] != NULL; i++) {
        veil_policy *p;
        assert_ok(fixture_parse(docs[i], VEIL_POLICY_ANY, &p));
        assert_int_equal(veil_policy_settings_of(p)->kind, kinds[i]);
        veil_policy_free(p);
    }
    /* Without any infrastructure key a global policy reads as a VaaS one
     * (and a VaaS policy need not have an expiry). */
    json_t *vaas = fixture_global();
    static const char *const infra[] = {"veracruz_server_url", "proxy_attestation_server_url",
                                        "proxy_service_cert", "runtime_manager_hash_nitro",
                                        "enclave_cert_expiry"};
    for (size_t i = 0; i < 5; i++)
        json_object_del(vaas, infra[i]);
    veil_policy *p;
    assert_ok(fixture_parse(vaas, VEIL_POLICY_ANY, &p));
    assert_int_equal(veil_policy_settings_of(p)->kind, VEIL_POLICY_VAAS);
    veil_policy_free(p);
    assert_fails_with(vaas, VEIL_POLICY_GLOBAL, "$: missing required key \"veracruz_server_url\"");
    json_decref(vaas);
    for (size_t i = 0; docs[i] != NULL; i++)
        json_decref(docs[i]);
    veil_policy_kind k;
    assert_ok(veil_policy_kind_parse("vaas", &k));
    assert_int_equal(k, VEIL_POLICY_VAAS);
    assert_err(veil_policy_kind_parse("local", &k), VEIL_EINVAL, "unknown policy kind");
}

static void test_duplicate_keys(void **state) {
    (void)state;
    assert_text_fails_with("{\n  \"debug\": true,\n  \"debug\": false\n}", VEIL_POLICY_ANY,
                           "$.debug: duplicate key (line 3");
    assert_text_fails_with("{\"programs\": [{\"id\": 0}, {\"id\": 1, \"id\": 2}]}", VEIL_POLICY_ANY,
                           "$.programs[1].id: duplicate key");
    assert_text_fails_with("{\"a\": {\"b\\\"c\": 1, \"b\\\"c\": 2}}", VEIL_POLICY_ANY,
                           "duplicate key");
}

static void test_syntax_errors(void **state) {
    (void)state;
    assert_text_fails_with("{\"debug\": tru}", VEIL_POLICY_ANY, "line 1, column");
    assert_text_fails_with("[]", VEIL_POLICY_ANY, "$: expected a JSON object, got array");
    assert_text_fails_with("{} {}", VEIL_POLICY_ANY, "t.json: 1 error");
    char *big = calloc(VEIL_POLICY_MAX_BYTES + 2, 1);
    memset(big, ' ', VEIL_POLICY_MAX_BYTES + 1);
    veil_policy *p;
    assert_err(veil_policy_parse(big, VEIL_POLICY_MAX_BYTES + 1, "big.json", VEIL_POLICY_ANY, &p),
               VEIL_ELIMIT, "big.json");
    free(big);
}

static void test_unknown_keys(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    json_object_set_new(doc, "colour", json_string("blue"));
    json_object_set_new(fixture_get(doc, "programs", 0), "entry", json_string("main"));
    json_object_set_new(json_object_get(doc, "enclave_cert_expiry"), "second", json_integer(0));
    json_object_set_new(doc, "odd key\x01", json_true());
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.colour: unknown key \"colour\"");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.programs[0].entry: unknown key \"entry\"");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.enclave_cert_expiry.second: unknown key \"second\"");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$[\"odd key\\x01\"]: unknown key");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "4 errors in global policy");
    json_decref(doc);
    /* A key of another kind gets a hint. */
    doc = fixture_global();
    json_object_set_new(doc, "instanceid", json_string("x"));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.instanceid: unknown key \"instanceid\" in a global policy (it belongs "
                      "in user policies)");
    json_decref(doc);
    /* ... and is not also type-checked. */
    doc = fixture_function();
    json_object_set_new(doc, "identities", json_integer(5));
    assert_fails_with(doc, VEIL_POLICY_FUNCTION,
                      "1 error in function policy\n  $.identities: unknown key \"identities\" in a "
                      "function policy (it belongs in global/vaas/user policies)");
    json_decref(doc);
    doc = fixture_user();
    json_object_set_new(fixture_get(doc, "identities", 0), "id", json_integer(0));
    assert_fails_with(doc, VEIL_POLICY_USER, "CCFaaS numbers them in order");
    json_decref(doc);
}

static void test_missing_required(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    json_object_del(doc, "ciphersuite");
    json_object_del(fixture_get(doc, "identities", 1), "file_rights");
    json_object_del(fixture_get(doc, "programs", 0), "id");
    json_object_del(json_object_get(doc, "enclave_cert_expiry"), "day");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$: missing required key \"ciphersuite\"");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.identities[1]: missing required key \"file_rights\"");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.programs[0]: missing required key \"id\"");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.enclave_cert_expiry: missing required key \"day\"");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "4 errors");
    json_decref(doc);
    doc = fixture_function();
    json_object_del(doc, "file_rights");
    json_object_del(fixture_get(doc, "programs", 0), "pi_hash");
    assert_fails_with(doc, VEIL_POLICY_FUNCTION, "$: missing required key \"file_rights\"");
    assert_fails_with(doc, VEIL_POLICY_FUNCTION, "$.programs[0]: missing required key \"pi_hash\"");
    json_decref(doc);
    doc = fixture_global();
    json_object_del(doc, "runtime_manager_hash_nitro");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$: no runtime measurement");
    json_object_set_new(doc, "runtime_manager_hash_nitro", json_null());
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$: no runtime measurement");
    json_decref(doc);
}

static void test_types(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    json_object_set_new(doc, "debug", json_string("no"));
    json_object_set_new(doc, "max_memory_mib", json_real(2000.0));
    json_object_set_new(doc, "identities", json_object());
    json_array_set_new(json_object_get(doc, "programs"), 0, json_integer(1));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.debug: expected true or false, got string");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.max_memory_mib: expected an integer, got number");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.identities: expected an array, got object");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.programs[0]: expected an object, got integer");
    json_decref(doc);
}

static void test_ranges(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    json_object_set_new(doc, "max_memory_mib", json_integer(0));
    json_object_set_new(doc, "max_execution_time_ms", json_integer(86400001));
    json_object_set_new(doc, "max_execution_fuel", json_integer(0));
    json_object_set_new(fixture_get(doc, "identities", 0), "id", json_integer(-1));
    json_object_set_new(fixture_get(doc, "programs", 0), "id", json_integer(4294967296));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.max_memory_mib: 0 is out of range [1, 65536]");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.max_execution_time_ms: 86400001 is out of range [1, 86400000]");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.max_execution_fuel: 0 is out of range");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.identities[0].id: -1 is out of range");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.programs[0].id: 4294967296 is out of range");
    json_decref(doc);
    /* A program's own limit is at most the policy's. */
    doc = fixture_global();
    json_object_set_new(fixture_get(doc, "programs", 0), "max_memory_mib", json_integer(2001));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.programs[0].max_memory_mib: 2001 is out of range [1, 2000]");
    json_object_set_new(fixture_get(doc, "programs", 0), "max_memory_mib", json_integer(64));
    veil_policy *p;
    assert_ok(fixture_parse(doc, VEIL_POLICY_GLOBAL, &p));
    assert_int_equal(veil_policy_principal_at(p, 3)->max_memory_mib, 64);
    veil_policy_free(p);
    json_decref(doc);
}

static void test_rights_values(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    json_t *rights = fixture_get(fixture_get(doc, "identities", 0), "file_rights", -1);
    json_object_set_new(json_array_get(rights, 0), "rights", json_string("rw"));
    json_object_set_new(json_array_get(rights, 1), "rights", json_real(24582.0));
    json_object_set_new(json_array_get(rights, 2), "rights", json_integer(INT64_C(1) << 30));
    json_object_set_new(json_array_get(rights, 3), "rights", json_integer(-24582));
    json_object_set_new(json_array_get(rights, 4), "rights", json_integer(INT64_C(1) << 62));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.identities[0].file_rights[0].rights: expected an integer, got string");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.identities[0].file_rights[1].rights: expected an integer, got number");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.identities[0].file_rights[2].rights: 1073741824 has bits that are not "
                      "WASI rights (bit 30");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.identities[0].file_rights[3].rights: -24582 is negative");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "file_rights[4].rights: 4611686018427387904 has "
                      "bits that are not WASI rights (bit 62");
    json_decref(doc);
    /* Every defined bit (and 0) is accepted. */
    doc = fixture_global();
    rights = fixture_get(fixture_get(doc, "identities", 1), "file_rights", -1);
    json_object_set_new(json_array_get(rights, 0), "rights", json_integer(VEIL_RIGHTS_ALL));
    json_array_append_new(rights, json_pack("{s:s, s:i}", "file_name", "/empty", "rights", 0));
    veil_policy *p;
    assert_ok(fixture_parse(doc, VEIL_POLICY_GLOBAL, &p));
    veil_policy_free(p);
    json_decref(doc);
}

static void test_paths(void **state) {
    (void)state;
    static const struct {
        const char *path, *message;
    } bad[] = {
        {"output/", "not an absolute path (or stdin, stdout, stderr)"},
        {"/a/../b", "\".\" and \"..\" are not allowed"},
        {"/a/./b", "\".\" and \"..\" are not allowed"},
        {"/a//b", "empty path component"},
        {"", "not an absolute path"},
        {"stdout2", "not an absolute path"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *doc = fixture_global();
        json_t *rights = fixture_get(fixture_get(doc, "identities", 1), "file_rights", -1);
        json_object_set_new(json_array_get(rights, 0), "file_name", json_string(bad[i].path));
        assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.identities[1].file_rights[0].file_name: ");
        assert_fails_with(doc, VEIL_POLICY_GLOBAL, bad[i].message);
        json_decref(doc);
    }
    /* "/output" and "/output/" are the same grant. */
    json_t *doc = fixture_global();
    json_t *rights = fixture_get(fixture_get(doc, "identities", 0), "file_rights", -1);
    json_array_append_new(rights, json_pack("{s:s, s:i}", "file_name", "/output", "rights", 0));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.identities[0].file_rights[5].file_name: \"/output\" is already granted "
                      "by $.identities[0].file_rights[1]");
    json_decref(doc);
    /* Programs and hashed files are files. */
    doc = fixture_global();
    json_object_set_new(fixture_get(doc, "programs", 0), "program_file_name",
                        json_string("/program/"));
    json_object_set_new(fixture_get(doc, "file_hashes", 0), "file_path", json_string("stdin"));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.programs[0].program_file_name: \"/program/\": names a directory");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.file_hashes[0].file_path: \"stdin\": a file path is needed here");
    json_decref(doc);
}

static void test_certificates(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    json_object_set_new(
        fixture_get(doc, "identities", 0), "certificate",
        json_string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"));
    json_object_set_new(fixture_get(doc, "identities", 1), "certificate", json_string("hello"));
    json_object_set_new(fixture_get(doc, "identities", 2), "certificate",
                        json_string(fixture.ed25519));
    json_object_set_new(doc, "proxy_service_cert", json_integer(1));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.identities[0].certificate: malformed PEM certificate");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.identities[1].certificate: not a PEM certificate");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.identities[2].certificate: certificate key type ED25519 is not "
                      "supported");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.proxy_service_cert: expected a string, got integer");
    json_decref(doc);
    /* Each identity needs its own certificate. */
    doc = fixture_global();
    json_object_set_new(fixture_get(doc, "identities", 2), "certificate",
                        json_string(fixture.owner));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.identities[2].certificate: the same certificate as $.identities[0]");
    json_decref(doc);
    /* The single-line form the i-PoC's CCFaaS writes is still PEM. */
    doc = fixture_global();
    const char *pem = fixture.rsa;
    char *oneline = malloc(strlen(pem) + 1);
    size_t n = 0;
    for (size_t i = 0; pem[i] != '\0'; i++)
        if (!(pem[i] == '\n' && i > 0 && pem[i - 1] != '-' && pem[i + 1] != '-' &&
              pem[i + 1] != '\0'))
            oneline[n++] = pem[i];
    while (n > 0 && oneline[n - 1] == '\n')
        n--;
    oneline[n] = '\0';
    json_object_set_new(fixture_get(doc, "identities", 2), "certificate", json_string(oneline));
    veil_policy *p;
    assert_ok(fixture_parse(doc, VEIL_POLICY_GLOBAL, &p));
    veil_policy_free(p);
    free(oneline);
    json_decref(doc);
}

static void test_ids_and_names_unique(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    json_object_set_new(fixture_get(doc, "identities", 2), "id", json_integer(0));
    json_array_append_new(json_object_get(doc, "programs"),
                          json_pack("{s:s, s:i, s:[]}", "program_file_name",
                                    "/program//detector.wasm", "id", 0, "file_rights"));
    json_array_append_new(json_object_get(doc, "programs"),
                          json_pack("{s:s, s:i, s:[]}", "program_file_name", "/program/other.wasm",
                                    "id", 0, "file_rights"));
    json_array_append_new(json_object_get(doc, "programs"),
                          json_pack("{s:s, s:i, s:[]}", "program_file_name",
                                    "/program/detector.wasm/", "id", 3, "file_rights"));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.identities[2].id: id 0 is also the id of $.identities[0]");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.programs[2].id: id 0 is also the id of $.programs[0]");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.programs[1].program_file_name: "
                      "\"/program//detector.wasm\": empty path component");
    json_decref(doc);
    doc = fixture_global();
    json_array_append_new(json_object_get(doc, "programs"),
                          json_pack("{s:s, s:i, s:[]}", "program_file_name",
                                    "/program/detector.wasm", "id", 1, "file_rights"));
    json_array_append_new(json_object_get(doc, "file_hashes"),
                          json_pack("{s:s, s:s}", "file_path", "/program_data/coco.names", "hash",
                                    "634a1132eb33f8091d60f2c346ababe8b905ae08387037aed883953b73"
                                    "29af84"));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.programs[1].program_file_name: \"/program/detector.wasm\" is also the "
                      "program of $.programs[0]");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.file_hashes[2].file_path: \"/program_data/coco.names\" already has a "
                      "hash");
    json_decref(doc);
    doc = fixture_global();
    json_object_set_new(doc, "identities", json_array());
    json_object_set_new(doc, "programs", json_array());
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.identities: at least one identity is needed");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.programs: at least one program is needed");
    json_decref(doc);
}

static void test_hashes(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    json_object_set_new(
        fixture_get(doc, "file_hashes", 0), "hash",
        json_string("7612e3490f14a9ee523f357e86f97098a94678f4e06c8202cf307d163db9f7a"));
    json_object_set_new(
        fixture_get(doc, "file_hashes", 1), "hash",
        json_string("g34a1132eb33f8091d60f2c346ababe8b905ae08387037aed883953b7329af84"));
    json_object_set_new(doc, "runtime_manager_hash_linux", json_string("abc"));
    json_object_set_new(doc, "runtime_manager_hash_nitro", json_integer(5));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.file_hashes[0].hash: not a SHA-256: expected 64 hex digits, got 63 "
                      "characters");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.file_hashes[1].hash: not a SHA-256: character 1 is not a hex digit");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.runtime_manager_hash_linux: expected 64 hex digits, got 3 characters");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.runtime_manager_hash_nitro: expected a hex string or null, got integer");
    json_decref(doc);
    /* Upper case is accepted and reported in lower case; a 64-digit nitro
     * value (Veracruz's truncated PCR0) too. */
    doc = fixture_global();
    json_object_set_new(
        doc, "runtime_manager_hash_linux",
        json_string("ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"));
    json_object_set_new(
        doc, "runtime_manager_hash_nitro",
        json_string("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    veil_policy *p;
    assert_ok(fixture_parse(doc, VEIL_POLICY_GLOBAL, &p));
    assert_string_equal(veil_policy_settings_of(p)->runtime_hash_linux,
                        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    const uint8_t *h = veil_policy_expected_hash(p, "/program_data/coco.names");
    assert_non_null(h);
    assert_int_equal(h[0], 0x63);
    assert_null(veil_policy_expected_hash(p, "/program_data/other"));
    veil_policy_free(p);
    json_decref(doc);
}

static void test_expiry_dates(void **state) {
    (void)state;
    static const struct {
        int year, month, day, hour, minute;
        const char *message; /* NULL: valid */
    } cases[] = {
        {2023, 2, 30, 0, 0,
         "$.enclave_cert_expiry: 2023-02-30 is not a real date: February 2023 "
         "has 28 days"},
        {2024, 2, 29, 23, 59, NULL},
        {2100, 2, 29, 0, 0, "February 2100 has 28 days"},
        {2000, 2, 29, 0, 0, NULL},
        {2027, 4, 31, 0, 0, "April 2027 has 30 days"},
        {2027, 13, 1, 0, 0, "month 13 is not 1-12"},
        {2027, 1, 0, 0, 0, "2027-01-00 is not a real date"},
        {2027, 1, 1, 24, 0, "hour 24 is not 0-23"},
        {2027, 1, 1, 0, 60, "minute 60 is not 0-59"},
        {1969, 12, 31, 0, 0, "year 1969 is outside 1970-9999"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *doc = fixture_global();
        json_object_set_new(doc, "enclave_cert_expiry",
                            json_pack("{s:i, s:i, s:i, s:i, s:i}", "year", cases[i].year, "month",
                                      cases[i].month, "day", cases[i].day, "hour", cases[i].hour,
                                      "minute", cases[i].minute));
        if (cases[i].message != NULL) {
            assert_fails_with(doc, VEIL_POLICY_GLOBAL, cases[i].message);
        } else {
            veil_policy *p;
            assert_ok(fixture_parse(doc, VEIL_POLICY_GLOBAL, &p));
            veil_policy_free(p);
        }
        json_decref(doc);
    }
}

static void test_scalars(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    json_object_set_new(doc, "execution_strategy", json_string("Wasmtime"));
    json_object_set_new(doc, "ciphersuite",
                        json_string("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"));
    json_object_set_new(doc, "veracruz_server_url", json_string("127.0.0.1"));
    json_object_set_new(doc, "proxy_attestation_server_url", json_string("pas:0"));
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.execution_strategy: \"Wasmtime\" is not \"Interpretation\" or \"JIT\"");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.ciphersuite: \"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256\" is not a "
                      "TLS 1.3 ciphersuite");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.veracruz_server_url: \"127.0.0.1\": expected host:port");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL,
                      "$.proxy_attestation_server_url: \"pas:0\": the port must be a number");
    json_decref(doc);
    static const char *const good_urls[] = {"veracruz-nitro-proxy:3010", "[::1]:8443",
                                            "a.b.example:65535"};
    static const char *const bad_urls[] = {"host:65536", "-host:1",   "ho st:1", ":3010",
                                           "host.:1",    "[::1:3010", "host:",   "host:12a"};
    for (size_t i = 0; i < 3; i++) {
        doc = fixture_global();
        json_object_set_new(doc, "veracruz_server_url", json_string(good_urls[i]));
        json_object_set_new(doc, "execution_strategy", json_string("Interpretation"));
        json_object_set_new(doc, "ciphersuite", json_string("TLS1_3_AES_256_GCM_SHA384"));
        veil_policy *p;
        assert_ok(fixture_parse(doc, VEIL_POLICY_GLOBAL, &p));
        assert_int_equal(veil_policy_settings_of(p)->execution_strategy,
                         VEIL_POLICY_INTERPRETATION);
        assert_string_equal(veil_policy_settings_of(p)->ciphersuite_openssl,
                            "TLS_AES_256_GCM_SHA384");
        veil_policy_free(p);
        json_decref(doc);
    }
    for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
        doc = fixture_global();
        json_object_set_new(doc, "veracruz_server_url", json_string(bad_urls[i]));
        assert_fails_with(doc, VEIL_POLICY_GLOBAL, "$.veracruz_server_url: ");
        json_decref(doc);
    }
}

static void test_function_and_user(void **state) {
    (void)state;
    json_t *doc = fixture_function();
    veil_policy *p;
    assert_ok(fixture_parse(doc, VEIL_POLICY_FUNCTION, &p));
    const veil_policy_settings *s = veil_policy_settings_of(p);
    assert_string_equal(s->function, "vod_test");
    assert_int_equal(s->data_file_count, 2);
    assert_int_equal(s->data_files[0].priority, 99);
    assert_int_equal(s->data_files[1].priority, 1);
    assert_int_equal(s->file_hash_count, 3);
    assert_string_equal(s->file_hashes[0].path, "/program/detector.wasm");
    assert_string_equal(s->file_hashes[2].path, "/program_data/weights.bin");
    assert_int_equal(veil_policy_principal_count(p), 2);
    const veil_policy_principal *loader = veil_policy_principal_at(p, 1);
    assert_int_equal(loader->kind, VEIL_PRINCIPAL_LOADER);
    assert_string_equal(loader->name, "loader");
    assert_int_equal(loader->grant_count, 2);
    assert_int_equal(veil_policy_principal_at(p, 0)->max_memory_mib, 1500);
    veil_policy_free(p);
    /* Names and hashes. */
    json_object_set_new(doc, "function", json_string("vod big"));
    json_object_set_new(fixture_get(doc, "data_files", 0), "data_file",
                        json_string("/program/detector.wasm"));
    json_object_set_new(fixture_get(doc, "data_files", 1), "pi_hash", json_string("00"));
    assert_fails_with(doc, VEIL_POLICY_FUNCTION,
                      "$.function: \"vod big\": expected 1-128 characters");
    assert_fails_with(doc, VEIL_POLICY_FUNCTION,
                      "$.data_files[0].data_file: \"/program/detector.wasm\" already has a hash");
    assert_fails_with(doc, VEIL_POLICY_FUNCTION, "$.data_files[1].pi_hash: not a SHA-256");
    json_decref(doc);

    doc = fixture_user();
    assert_ok(fixture_parse(doc, VEIL_POLICY_USER, &p));
    s = veil_policy_settings_of(p);
    assert_string_equal(s->instance_id, "inst-42");
    assert_int_equal(veil_policy_principal_count(p), 2);
    assert_int_equal(veil_policy_principal_at(p, 1)->id, 1);
    assert_true(veil_policy_principal_at(p, 1)->may_shutdown);
    veil_policy_free(p);
    json_object_set_new(doc, "instanceid", json_string(""));
    json_object_set_new(fixture_get(doc, "identities", 1), "certificate",
                        json_string(fixture.proxy));
    assert_fails_with(doc, VEIL_POLICY_USER, "$.instanceid: \"\": expected 1-128 characters");
    assert_fails_with(doc, VEIL_POLICY_USER, "$.identities[1].certificate: the same certificate");
    json_decref(doc);
}

static void test_many_errors_are_capped(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    for (int i = 0; i < 150; i++) {
        char key[32];
        snprintf(key, sizeof(key), "extra%d", i);
        json_object_set_new(doc, key, json_true());
    }
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "150 errors in global policy");
    assert_fails_with(doc, VEIL_POLICY_GLOBAL, "... and 50 more");
    json_decref(doc);
}

static void test_lookups(void **state) {
    (void)state;
    json_t *doc = fixture_global();
    veil_policy *p;
    assert_ok(fixture_parse(doc, VEIL_POLICY_GLOBAL, &p));
    const veil_policy_principal *who;
    X509 *cert;
    assert_ok(veil_cert_from_pem(fixture.rsa, strlen(fixture.rsa), &cert));
    assert_ok(veil_policy_find_by_cert(p, cert, &who));
    assert_string_equal(who->name, "identity 2");
    X509_free(cert);
    /* Same subject, different key: not the same certificate. */
    char *other = testcert_make("ec", "owner", NULL);
    assert_ok(veil_cert_from_pem(other, strlen(other), &cert));
    assert_err(veil_policy_find_by_cert(p, cert, &who), VEIL_ENOENT,
               "no identity in the policy has the certificate \"CN=owner\"");
    X509_free(cert);
    free(other);
    assert_ok(veil_policy_find_identity(p, 1, &who));
    assert_string_equal(who->name, "identity 1");
    assert_err(veil_policy_find_identity(p, 7, &who), VEIL_ENOENT, "no identity with id 7");
    assert_ok(veil_policy_find_program(p, "/program/detector.wasm", &who));
    assert_int_equal(who->kind, VEIL_PRINCIPAL_PROGRAM);
    assert_err(veil_policy_find_program(p, "/program/x.wasm", &who), VEIL_ENOENT,
               "no program \"/program/x.wasm\"");
    assert_ok(veil_policy_find_principal(p, "2", &who));
    assert_string_equal(who->name, "identity 2");
    assert_ok(veil_policy_find_principal(p, "identity 0", &who));
    assert_true(who->may_shutdown);
    assert_ok(veil_policy_find_principal(p, "program /program/detector.wasm", &who));
    assert_err(veil_policy_find_principal(p, "loader", &who), VEIL_ENOENT, "no principal");
    assert_null(veil_policy_principal_at(p, 4));
    veil_policy_free(p);
    json_decref(doc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_global_valid),
        cmocka_unit_test(test_defaults_and_legacy_keys),
        cmocka_unit_test(test_kind_detection),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_rights_values),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_certificates),
        cmocka_unit_test(test_ids_and_names_unique),
        cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_expiry_dates),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_function_and_user),
        cmocka_unit_test(test_many_errors_are_capped),
        cmocka_unit_test(test_lookups),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
