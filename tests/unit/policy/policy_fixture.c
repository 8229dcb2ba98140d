#include "policy_fixture.h"

#include <stdlib.h>
#include <string.h>

#include "../testcert.h"

policy_fixture fixture;

int fixture_setup(void **state) {
    (void)state;
    fixture.owner = testcert_make("ec", "owner", NULL);
    fixture.proxy = testcert_make("ec", "proxy", NULL);
    fixture.rsa = testcert_make("rsa", "rsa-user", NULL);
    fixture.pas = testcert_make("ec", "pas", NULL);
    fixture.loader = testcert_make("ec", "ccfaas-loader", NULL);
    fixture.ed25519 = testcert_make("ed25519", "edwards", NULL);
    return 0;
}

int fixture_teardown(void **state) {
    (void)state;
    free(fixture.owner);
    free(fixture.proxy);
    free(fixture.rsa);
    free(fixture.pas);
    free(fixture.loader);
    free(fixture.ed25519);
    return 0;
}

static json_t *grant(const char *path, json_int_t rights) {
    return json_pack("{s:s, s:I}", "file_name", path, "rights", rights);
}

static json_t *program_rights(void) {
    return json_pack("[o, o, o, o, o, o, o]", grant("/program_data/", 24582),
                     grant("/s3_app_input/", 24582), grant("/user_input/", 24582),
                     grant("/output/", 550470), grant("/program_internal/", 550470),
                     grant("stdout", 534084), grant("stderr", 534084));
}

static json_t *owner_rights(void) {
    return json_pack("[o, o, o, o, o]", grant("/user_input/", 534084), grant("/output/", 24582),
                     grant("stdout", 24582), grant("stderr", 24582), grant("/program/", 536879104));
}

#define DETECTOR_HASH "7612e3490f14a9ee523f357e86f97098a94678f4e06c8202cf307d163db9f7aa"
#define NAMES_HASH "634a1132eb33f8091d60f2c346ababe8b905ae08387037aed883953b7329af84"
#define WEIGHTS_HASH "523e4e69e1d015393a1b0a441cef1d9c7659e3eb2d7e15f793f060a21b32f297"

json_t *fixture_global(void) {
    json_t *identities = json_pack(
        "[{s:s, s:i, s:b, s:o}, {s:s, s:i, s:o}, {s:s, s:i, s:o}]", "certificate", fixture.owner,
        "id", 0, "may_shutdown", 1, "file_rights", owner_rights(), "certificate", fixture.proxy,
        "id", 1, "file_rights", json_pack("[o]", grant("/s3_app_input/", 534084)), "certificate",
        fixture.rsa, "id", 2, "file_rights",
        json_pack("[o, o]", grant("/program/", 534084), grant("/program_data/", 534084)));
    json_t *programs = json_pack("[{s:s, s:i, s:o}]", "program_file_name", "/program/detector.wasm",
                                 "id", 0, "file_rights", program_rights());
    json_t *hashes =
        json_pack("[{s:s, s:s}, {s:s, s:s}]", "file_path", "/program/detector.wasm", "hash",
                  DETECTOR_HASH, "file_path", "/program_data/coco.names", "hash", NAMES_HASH);
    json_t *doc = json_object();
    json_object_set_new(doc, "identities", identities);
    json_object_set_new(doc, "programs", programs);
    json_object_set_new(doc, "file_hashes", hashes);
    json_object_set_new(doc, "veracruz_server_url", json_string("127.0.0.1:3011"));
    json_object_set_new(doc, "enclave_cert_expiry",
                        json_pack("{s:i, s:i, s:i, s:i, s:i}", "year", 2027, "month", 6, "day", 30,
                                  "hour", 12, "minute", 5));
    json_object_set_new(doc, "ciphersuite", json_string("TLS1_3_CHACHA20_POLY1305_SHA256"));
    json_object_set_new(doc, "runtime_manager_hash_nitro",
                        json_string("00112233445566778899aabbccddeeff00112233445566778899aabbcc"
                                    "ddeeff00112233445566778899aabbccddeeff"));
    json_object_set_new(doc, "proxy_attestation_server_url", json_string("pas.example:3010"));
    json_object_set_new(doc, "proxy_service_cert", json_string(fixture.pas));
    json_object_set_new(doc, "debug", json_false());
    json_object_set_new(doc, "execution_strategy", json_string("JIT"));
    json_object_set_new(doc, "enable_clock", json_true());
    json_object_set_new(doc, "max_memory_mib", json_integer(2000));
    json_object_set_new(doc, "max_execution_time_ms", json_integer(120000));
    json_object_set_new(doc, "max_execution_fuel", json_integer(1000000000));
    return doc;
}

json_t *fixture_function(void) {
    json_t *doc = json_object();
    json_object_set_new(doc, "function", json_string("vod_test"));
    json_object_set_new(doc, "debug", json_true());
    json_object_set_new(doc, "enable_clock", json_true());
    json_object_set_new(doc, "execution_strategy", json_string("JIT"));
    json_object_set_new(doc, "max_memory_mib", json_integer(2000));
    json_object_set_new(doc, "max_execution_time_ms", json_integer(300000));
    json_object_set_new(doc, "data_files",
                        json_pack("[{s:s, s:s}, {s:s, s:s, s:i}]", "data_file",
                                  "/program_data/coco.names", "pi_hash", NAMES_HASH, "data_file",
                                  "/program_data/weights.bin", "pi_hash", WEIGHTS_HASH, "priority",
                                  1));
    json_object_set_new(doc, "programs",
                        json_pack("[{s:o, s:i, s:s, s:s, s:i}]", "file_rights", program_rights(),
                                  "id", 0, "pi_hash", DETECTOR_HASH, "program_file_name",
                                  "/program/detector.wasm", "max_memory_mib", 1500));
    json_object_set_new(
        doc, "file_rights",
        json_pack("[o, o]", grant("/program/", 534084), grant("/program_data/", 534084)));
    return doc;
}

json_t *fixture_user(void) {
    return json_pack("{s:s, s:s, s:[{s:s, s:o}, {s:s, s:b, s:o}]}", "function", "vod_test",
                     "instanceid", "inst-42", "identities", "certificate", fixture.proxy,
                     "file_rights", json_pack("[o]", grant("/s3_app_input/", 534084)),
                     "certificate", fixture.owner, "may_shutdown", 1, "file_rights",
                     owner_rights());
}

char *fixture_text(const json_t *doc) {
    return json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

veil_error *fixture_parse(const json_t *doc, veil_policy_kind kind, veil_policy **out) {
    char *text = fixture_text(doc);
    veil_error *err = veil_policy_parse(text, strlen(text), "test.json", kind, out);
    free(text);
    return err;
}

char *fixture_failure(const json_t *doc, veil_policy_kind kind) {
    veil_policy *policy = NULL;
    veil_error *err = fixture_parse(doc, kind, &policy);
    if (err == NULL) {
        veil_policy_free(policy);
        return NULL;
    }
    char *message = strdup(veil_error_message(err));
    veil_error_free(err);
    return message;
}

json_t *fixture_get(json_t *doc, const char *key, int index) {
    json_t *value = json_object_get(doc, key);
    return index < 0 ? value : json_array_get(value, (size_t)index);
}
