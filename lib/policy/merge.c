/*
 * Merging partial policies the way the i-PoC's services do.
 *
 * CCFaaS (function + user -> VaaS policy): the function's settings and
 * programs (without pi_hash), the user's identities followed by the loader
 * identity carrying the function's top-level file_rights, every identity
 * numbered by its position, and file_hashes made of the programs' pi_hash
 * and then the data files' pi_hash.
 *
 * VaaS (VaaS policy + infrastructure -> global policy): instance_id is
 * dropped, an expiry is added when there is none (now + 180 days), then
 * the PAS URL and certificate, the runtime measurements and the server URL.
 *
 * Output is json.dumps(indent=4) as the i-PoC produced it (4-space indent,
 * keys in insertion order, ASCII only).  Each result is parsed back as its
 * kind before it is returned, so a merge never hands out an invalid policy.
 * Differences from the i-PoC, each deliberate (docs/policy.md): instance_id
 * is the user's instance id instead of the constant "CCFaaS"; the default
 * expiry's minute is the minute (the i-PoC wrote the second there) and is
 * UTC; no runtime_manager_hash_sgx/_tz keys are written; Veil's additions
 * (limits, may_shutdown, per-program memory) are carried through.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "veil/str.h"

veil_error *policy_emit(json_t *doc, veil_policy_kind kind, const char *what, char **out,
                        size_t *out_len) {
    char *text = json_dumps(doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(doc);
    if (text == NULL)
        return veil_error_new(VEIL_ENOMEM, "cannot serialise the %s", what);
    size_t len = strlen(text);
    veil_policy *check;
    veil_error *err = veil_policy_parse(text, len, what, kind, &check);
    if (err != NULL) {
        free(text);
        return err;
    }
    veil_policy_free(check);
    *out = text;
    *out_len = len;
    return NULL;
}

/* json_object_set_new that remembers failure (NULL value or no memory). */
static void put(json_t *obj, const char *key, json_t *value, bool *ok) {
    if (json_object_set_new(obj, key, value) != 0)
        *ok = false;
}

static void copy_key(json_t *to, const json_t *from, const char *key, bool *ok) {
    json_t *value = json_object_get(from, key);
    if (value != NULL)
        put(to, key, json_deep_copy(value), ok);
}

static json_t *file_hash(const json_t *item, const char *path_key, bool *ok) {
    json_t *entry = json_object();
    if (entry == NULL) {
        *ok = false;
        return NULL;
    }
    copy_key(entry, item, path_key, ok);
    json_t *value = json_object_get(entry, path_key);
    if (value != NULL) {
        json_incref(value);
        json_object_del(entry, path_key);
        put(entry, "file_path", value, ok);
    }
    put(entry, "hash", json_deep_copy(json_object_get(item, "pi_hash")), ok);
    return entry;
}

veil_error *veil_policy_merge_function_user(const veil_policy *function, const veil_policy *user,
                                            const char *loader_cert_pem, char **out,
                                            size_t *out_len) {
    VEIL_ENSURE(function->settings.kind == VEIL_POLICY_FUNCTION, VEIL_EINVAL,
                "merge: the first policy is a %s policy, not a function policy",
                veil_policy_kind_name(function->settings.kind));
    VEIL_ENSURE(user->settings.kind == VEIL_POLICY_USER, VEIL_EINVAL,
                "merge: the second policy is a %s policy, not a user policy",
                veil_policy_kind_name(user->settings.kind));
    VEIL_ENSURE(strcmp(function->settings.function, user->settings.function) == 0, VEIL_EINVAL,
                "merge: the user policy asks for function \"%s\", not \"%s\"",
                user->settings.function, function->settings.function);
    const json_t *f = function->root, *u = user->root;
    bool ok = true;
    json_t *doc = json_object();
    if (doc == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory merging policies");
    put(doc, "ciphersuite", json_string(VEIL_POLICY_DEFAULT_CIPHERSUITE), &ok);
    copy_key(doc, f, "debug", &ok);
    copy_key(doc, f, "enable_clock", &ok);
    copy_key(doc, f, "execution_strategy", &ok);
    copy_key(doc, f, "max_memory_mib", &ok);

    json_t *programs = json_deep_copy(json_object_get(f, "programs"));
    size_t i;
    json_t *item;
    json_array_foreach(programs, i, item) {
        json_object_del(item, "pi_hash");
    }
    put(doc, "programs", programs, &ok);

    json_t *identities = json_deep_copy(json_object_get(u, "identities"));
    if (identities != NULL && loader_cert_pem != NULL) {
        json_t *loader = json_object();
        put(loader, "certificate", json_string(loader_cert_pem), &ok);
        put(loader, "file_rights", json_deep_copy(json_object_get(f, "file_rights")), &ok);
        if (json_array_append_new(identities, loader) != 0)
            ok = false;
    }
    json_array_foreach(identities, i, item) {
        put(item, "id", json_integer((json_int_t)i), &ok);
    }
    put(doc, "identities", identities, &ok);
    put(doc, "instance_id", json_string(user->settings.instance_id), &ok);

    json_t *hashes = json_array();
    json_array_foreach(json_object_get(f, "programs"), i, item) {
        if (json_array_append_new(hashes, file_hash(item, "program_file_name", &ok)) != 0)
            ok = false;
    }
    json_array_foreach(json_object_get(f, "data_files"), i, item) {
        if (json_array_append_new(hashes, file_hash(item, "data_file", &ok)) != 0)
            ok = false;
    }
    put(doc, "file_hashes", hashes, &ok);
    copy_key(doc, f, "max_execution_time_ms", &ok);
    copy_key(doc, f, "max_execution_fuel", &ok);
    if (!ok) {
        json_decref(doc);
        return veil_error_new(VEIL_ENOMEM, "out of memory merging policies");
    }
    return veil_error_wrap(policy_emit(doc, VEIL_POLICY_VAAS, "merged VaaS policy", out, out_len),
                           "merge of function \"%s\" and instance \"%s\"",
                           function->settings.function, user->settings.instance_id);
}

veil_error *veil_policy_merge_vaas_infra(const veil_policy *vaas, const veil_policy_infra *infra,
                                         char **out, size_t *out_len) {
    VEIL_ENSURE(vaas->settings.kind == VEIL_POLICY_VAAS, VEIL_EINVAL,
                "merge: the policy is a %s policy, not a VaaS policy",
                veil_policy_kind_name(vaas->settings.kind));
    VEIL_ENSURE(infra->server_url != NULL && infra->pas_url != NULL && infra->pas_cert_pem != NULL,
                VEIL_EINVAL, "merge: the server URL, PAS URL and PAS certificate are required");
    VEIL_ENSURE(infra->runtime_hash_linux != NULL || infra->runtime_hash_nitro != NULL, VEIL_EINVAL,
                "merge: at least one runtime measurement (linux or nitro) is needed");
    VEIL_ENSURE(infra->expiry_days >= 0 && infra->expiry_days <= 3650, VEIL_EINVAL,
                "merge: expiry of %d days is outside 0-3650", infra->expiry_days);
    bool ok = true;
    json_t *doc = json_deep_copy(vaas->root);
    if (doc == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory merging policies");
    json_object_del(doc, "instance_id");
    if (json_object_get(doc, "enclave_cert_expiry") == NULL) {
        int days = infra->expiry_days != 0 ? infra->expiry_days : VEIL_POLICY_DEFAULT_EXPIRY_DAYS;
        veil_policy_expiry e;
        veil_policy_expiry_from_unix(infra->now_unix + (int64_t)days * 86400, &e);
        json_t *expiry = json_object();
        put(expiry, "day", json_integer(e.day), &ok);
        put(expiry, "hour", json_integer(e.hour), &ok);
        put(expiry, "minute", json_integer(e.minute), &ok);
        put(expiry, "month", json_integer(e.month), &ok);
        put(expiry, "year", json_integer(e.year), &ok);
        put(doc, "enclave_cert_expiry", expiry, &ok);
    }
    put(doc, "proxy_attestation_server_url", json_string(infra->pas_url), &ok);
    put(doc, "proxy_service_cert", json_string(infra->pas_cert_pem), &ok);
    if (infra->runtime_hash_nitro != NULL)
        put(doc, "runtime_manager_hash_nitro", json_string(infra->runtime_hash_nitro), &ok);
    if (infra->runtime_hash_linux != NULL)
        put(doc, "runtime_manager_hash_linux", json_string(infra->runtime_hash_linux), &ok);
    put(doc, "veracruz_server_url", json_string(infra->server_url), &ok);
    if (!ok) {
        json_decref(doc);
        return veil_error_new(VEIL_ENOMEM, "out of memory merging policies (or a value is not "
                                           "UTF-8)");
    }
    return policy_emit(doc, VEIL_POLICY_GLOBAL, "merged global policy", out, out_len);
}
