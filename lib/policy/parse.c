/*
 * Parsing and validating the four kinds of policy.
 *
 * Validation never stops at the first problem: a `checker` walks the whole
 * document and records every problem as "JSON-path: message"; the policy is
 * returned only when there were none.  One table (top_fields) says which
 * top-level keys each kind has and which it requires, so a key of another
 * kind is reported with a hint rather than just "unknown".  Required keys
 * are reported once, from that table; the per-field code then reads every
 * key as optional and only checks what is there.
 *
 * The parsed policy keeps the jansson document (merges copy from it) and
 * the exact input bytes (its hash is the policy hash).  Everything the
 * accessors hand out points into the policy and lives as long as it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "veil/encoding.h"
#include "veil/json.h"
#include "veil/str.h"
#include "veil/wasi_rights.h"
#include "veil/x509.h"

/* Problems listed in one error; the rest are counted. */
#define MAX_REPORTED_PROBLEMS 100
#define PATH_SIZE 256

enum { K_GLOBAL = 1, K_VAAS = 2, K_FUNCTION = 4, K_USER = 8 };
#define K_GVF (K_GLOBAL | K_VAAS | K_FUNCTION)

typedef struct field {
    const char *key;
    unsigned kinds;    /* kinds that have the key */
    unsigned required; /* kinds that must have it */
} field;

static const field top_fields[] = {
    {"function", K_FUNCTION | K_USER, K_FUNCTION | K_USER},
    {"instanceid", K_USER, K_USER},
    {"instance_id", K_VAAS, 0},
    {"identities", K_GLOBAL | K_VAAS | K_USER, K_GLOBAL | K_VAAS | K_USER},
    {"programs", K_GVF, K_GVF},
    {"data_files", K_FUNCTION, 0},
    {"file_rights", K_FUNCTION, K_FUNCTION},
    {"file_hashes", K_GLOBAL | K_VAAS, 0},
    {"ciphersuite", K_GLOBAL | K_VAAS, K_GLOBAL | K_VAAS},
    {"debug", K_GVF, K_GVF},
    {"enable_clock", K_GVF, K_GVF},
    {"execution_strategy", K_GVF, K_GVF},
    {"max_memory_mib", K_GVF, K_GVF},
    {"max_execution_time_ms", K_GVF, 0},
    {"max_execution_fuel", K_GVF, 0},
    {"enclave_cert_expiry", K_GLOBAL | K_VAAS, K_GLOBAL},
    {"veracruz_server_url", K_GLOBAL, K_GLOBAL},
    {"proxy_attestation_server_url", K_GLOBAL, K_GLOBAL},
    {"proxy_service_cert", K_GLOBAL, K_GLOBAL},
    {"runtime_manager_hash_linux", K_GLOBAL, 0},
    {"runtime_manager_hash_nitro", K_GLOBAL, 0},
    /* Accepted and ignored, with a warning. */
    {"runtime_manager_hash_sgx", K_GLOBAL, 0},
    {"runtime_manager_hash_tz", K_GLOBAL, 0},
    {"runtime_manager_hash_icecap", K_GLOBAL, 0},
    {"native_modules", K_GLOBAL, 0},
    {"pipelines", K_GLOBAL, 0},
};

typedef struct checker {
    const char *source;
    veil_policy_kind kind;
    unsigned kind_bit;
    veil_buf report;
    size_t problem_count;
    bool oom;
    veil_policy *policy;
    size_t principal_cap;
    size_t file_hash_cap;
    size_t data_file_cap;
    size_t first_program; /* principal index of the first program */
} checker;

static unsigned bit_of(veil_policy_kind kind) {
    switch (kind) {
    case VEIL_POLICY_GLOBAL:
        return K_GLOBAL;
    case VEIL_POLICY_VAAS:
        return K_VAAS;
    case VEIL_POLICY_FUNCTION:
        return K_FUNCTION;
    case VEIL_POLICY_USER:
        return K_USER;
    case VEIL_POLICY_ANY:
        break;
    }
    return 0;
}

const char *veil_policy_kind_name(veil_policy_kind kind) {
    switch (kind) {
    case VEIL_POLICY_GLOBAL:
        return "global";
    case VEIL_POLICY_VAAS:
        return "vaas";
    case VEIL_POLICY_FUNCTION:
        return "function";
    case VEIL_POLICY_USER:
        return "user";
    case VEIL_POLICY_ANY:
        break;
    }
    return "any";
}

veil_error *veil_policy_kind_parse(const char *name, veil_policy_kind *out) {
    static const veil_policy_kind kinds[] = {VEIL_POLICY_ANY, VEIL_POLICY_GLOBAL,
                                             VEIL_POLICY_FUNCTION, VEIL_POLICY_USER,
                                             VEIL_POLICY_VAAS};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(name, veil_policy_kind_name(kinds[i])) == 0) {
            *out = kinds[i];
            return NULL;
        }
    }
    return veil_error_new(VEIL_EINVAL,
                          "unknown policy kind \"%s\" (global, function, user, vaas or any)", name);
}

/* ---- recording problems ---- */

static void record(checker *c, const char *line) {
    c->problem_count++;
    if (c->problem_count > MAX_REPORTED_PROBLEMS)
        return;
    veil_error *err = veil_buf_printf(&c->report, "\n  %s", line);
    if (err != NULL) {
        veil_error_free(err);
        c->oom = true;
    }
}

static void problem(checker *c, const char *path, const char *fmt, ...) VEIL_PRINTF(3, 4);
static void problem(checker *c, const char *path, const char *fmt, ...) {
    char *msg = NULL, *line = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0 || asprintf(&line, "%s: %s", path, msg) < 0) {
        free(msg);
        c->oom = true;
        return;
    }
    record(c, line);
    free(msg);
    free(line);
}

/* Records an error whose message already starts with the JSON path. */
static void absorb(checker *c, veil_error *err) {
    if (veil_error_code(err) == VEIL_ENOMEM)
        c->oom = true;
    else
        record(c, veil_error_message(err));
    veil_error_free(err);
}

static void warn(checker *c, const char *fmt, ...) VEIL_PRINTF(2, 3);
static void warn(checker *c, const char *fmt, ...) {
    veil_policy *p = c->policy;
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    char **grown = n < 0 ? NULL : realloc(p->warnings, (p->warning_count + 1) * sizeof(char *));
    if (grown == NULL) {
        free(msg);
        c->oom = true;
        return;
    }
    p->warnings = grown;
    p->warnings[p->warning_count++] = msg;
}

/* ---- JSON paths ---- */

static bool plain_key(const char *key) {
    if (*key == '\0')
        return false;
    for (const char *k = key; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
              *k == '_'))
            return false;
    return true;
}

/* parent.key, or parent["odd key"] for keys that are not identifiers. */
static void child(char *buf, const char *parent, const char *key) {
    if (plain_key(key)) {
        snprintf(buf, PATH_SIZE, "%s.%s", parent, key);
    } else {
        char quoted[128];
        policy_quote(key, quoted, sizeof(quoted));
        snprintf(buf, PATH_SIZE, "%s[%s]", parent, quoted);
    }
}

static void element(char *buf, const char *parent, size_t index) {
    snprintf(buf, PATH_SIZE, "%s[%zu]", parent, index);
}

/* ---- typed reads that record instead of returning ---- */

static bool get_string(checker *c, const json_t *obj, const char *path, const char *key,
                       bool required, const char **out) {
    bool present = false;
    veil_error *err = veil_json_get_string(obj, path, key, required, out, &present);
    if (err != NULL) {
        absorb(c, err);
        return false;
    }
    return present;
}

static bool get_bool(checker *c, const json_t *obj, const char *path, const char *key,
                     bool required, bool *out) {
    bool present = false;
    veil_error *err = veil_json_get_bool(obj, path, key, required, out, &present);
    if (err != NULL) {
        absorb(c, err);
        return false;
    }
    return present;
}

static bool get_int(checker *c, const json_t *obj, const char *path, const char *key, bool required,
                    int64_t min, int64_t max, int64_t *out) {
    bool present = false;
    veil_error *err = veil_json_get_int(obj, path, key, required, min, max, out, &present);
    if (err != NULL) {
        absorb(c, err);
        return false;
    }
    return present;
}

static bool get_array(checker *c, const json_t *obj, const char *path, const char *key,
                      bool required, json_t **out) {
    bool present = false;
    veil_error *err = veil_json_get_array(obj, path, key, required, out, &present);
    if (err != NULL) {
        absorb(c, err);
        return false;
    }
    return present;
}

static bool get_object(checker *c, const json_t *obj, const char *path, const char *key,
                       bool required, json_t **out) {
    bool present = false;
    veil_error *err = veil_json_get_object(obj, path, key, required, out, &present);
    if (err != NULL) {
        absorb(c, err);
        return false;
    }
    return present;
}

static bool is_object(checker *c, const json_t *value, const char *path) {
    if (json_is_object(value))
        return true;
    problem(c, path, "expected an object, got %s", veil_json_type_name(value));
    return false;
}

static const char *key_hint(const char *key) {
    if (strcmp(key, "id") == 0)
        return " (user policies do not number identities: CCFaaS numbers them in order)";
    if (strcmp(key, "pi_hash") == 0)
        return " (only function policies carry pi_hash; the other kinds list hashes in "
               "file_hashes)";
    return "";
}

/* Reports every key of obj that is not in the NULL-terminated list. */
static void only_keys(checker *c, const json_t *obj, const char *path,
                      const char *const allowed[]) {
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        (void)value;
        bool known = false;
        for (size_t i = 0; allowed[i] != NULL && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (known)
            continue;
        char where[PATH_SIZE], quoted[128];
        child(where, path, key);
        policy_quote(key, quoted, sizeof(quoted));
        problem(c, where, "unknown key %s%s", quoted, key_hint(key));
    }
}

/* ---- values ---- */

/* Function and instance names end up in URLs and file names. */
static void check_name(checker *c, const char *path, const char *name) {
    size_t len = strlen(name);
    bool ok = len >= 1 && len <= 128;
    for (size_t i = 0; i < len && ok; i++) {
        char ch = name[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             ch == '.' || ch == '_' || ch == '-';
    }
    if (!ok) {
        char quoted[128];
        policy_quote(name, quoted, sizeof(quoted));
        problem(c, path, "%s: expected 1-128 characters from A-Z a-z 0-9 . _ -", quoted);
    }
}

/* Normalises the path in obj.key; *out NULL when absent or invalid. */
static void get_path(checker *c, const json_t *obj, const char *path, const char *key,
                     bool allow_stdio, bool file_only, char **out) {
    *out = NULL;
    const char *text;
    if (!get_string(c, obj, path, key, true, &text))
        return;
    char where[PATH_SIZE], quoted[128];
    child(where, path, key);
    policy_quote(text, quoted, sizeof(quoted));
    bool is_dir;
    veil_error *err = policy_path_normalize(text, allow_stdio, out, &is_dir);
    if (err != NULL) {
        if (veil_error_code(err) == VEIL_ENOMEM)
            c->oom = true;
        else
            problem(c, where, "%s: %s", quoted, veil_error_message(err));
        veil_error_free(err);
        return;
    }
    if (file_only && (is_dir || strcmp(*out, "/") == 0)) {
        problem(c, where, "%s: names a directory; a file is needed here", quoted);
        free(*out);
        *out = NULL;
    }
}

/* Checks a SHA-256 in hex and decodes it. */
static bool get_sha256(checker *c, const json_t *obj, const char *path, const char *key,
                       uint8_t out[VEIL_SHA256_LEN]) {
    const char *text;
    if (!get_string(c, obj, path, key, true, &text))
        return false;
    char where[PATH_SIZE];
    child(where, path, key);
    veil_error *err = policy_check_hex(text, VEIL_SHA256_HEX_LEN);
    if (err == NULL) {
        size_t n;
        err = veil_hex_decode(text, VEIL_SHA256_HEX_LEN, out, VEIL_SHA256_LEN, &n);
    }
    if (err != NULL) {
        problem(c, where, "not a SHA-256: %s", veil_error_message(err));
        veil_error_free(err);
        return false;
    }
    return true;
}

static bool get_rights(checker *c, const json_t *obj, const char *path, uint64_t *out) {
    int64_t value;
    if (!get_int(c, obj, path, "rights", true, INT64_MIN, INT64_MAX, &value))
        return false;
    char where[PATH_SIZE];
    child(where, path, "rights");
    if (value < 0) {
        problem(c, where, "%" PRId64 " is negative; rights are a WASI rights bitmask", value);
        return false;
    }
    uint64_t unknown = (uint64_t)value & ~VEIL_RIGHTS_ALL;
    if (unknown != 0) {
        unsigned bit = 0;
        while (!(unknown & (UINT64_C(1) << bit)))
            bit++;
        problem(c, where,
                "%" PRId64 " has bits that are not WASI rights (bit %u; rights are bits 0-29, "
                "29 = execute)",
                value, bit);
        return false;
    }
    *out = (uint64_t)value;
    return true;
}

static X509 *get_certificate(checker *c, const json_t *obj, const char *path, const char *key) {
    const char *pem;
    if (!get_string(c, obj, path, key, true, &pem))
        return NULL;
    char where[PATH_SIZE];
    child(where, path, key);
    X509 *cert = NULL;
    veil_error *err = veil_cert_from_pem(pem, strlen(pem), &cert);
    if (err != NULL) {
        problem(c, where, "%s", veil_error_message(err));
        veil_error_free(err);
        return NULL;
    }
    return cert;
}

/* ---- building the policy ---- */

static char *dup_or_oom(checker *c, const char *s) {
    char *copy = strdup(s);
    if (copy == NULL)
        c->oom = true;
    return copy;
}

static veil_policy_principal *add_principal(checker *c, veil_principal_kind kind) {
    veil_policy *p = c->policy;
    if (p->principal_count >= c->principal_cap)
        return NULL;
    veil_policy_principal *pr = &p->principals[p->principal_count++];
    memset(pr, 0, sizeof(*pr));
    pr->kind = kind;
    return pr;
}

static int compare_grants(const void *a, const void *b) {
    return strcmp(((const veil_policy_grant *)a)->path, ((const veil_policy_grant *)b)->path);
}

static void parse_file_rights(checker *c, const json_t *array, const char *path,
                              veil_policy_principal *pr) {
    static const char *const keys[] = {"file_name", "rights", NULL};
    size_t n = json_array_size(array);
    veil_policy_grant *grants = calloc(n + 1, sizeof(*grants));
    size_t *origin = calloc(n + 1, sizeof(*origin));
    if (grants == NULL || origin == NULL) {
        free(grants);
        free(origin);
        c->oom = true;
        return;
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        char ip[PATH_SIZE];
        element(ip, path, i);
        json_t *item = json_array_get(array, i);
        if (!is_object(c, item, ip))
            continue;
        only_keys(c, item, ip, keys);
        char *norm;
        uint64_t rights = 0;
        get_path(c, item, ip, "file_name", true, false, &norm);
        bool rights_ok = get_rights(c, item, ip, &rights);
        if (norm == NULL)
            continue;
        bool duplicate = false;
        for (size_t j = 0; j < count && !duplicate; j++) {
            if (strcmp(grants[j].path, norm) == 0) {
                char where[PATH_SIZE], quoted[128];
                child(where, ip, "file_name");
                policy_quote(norm, quoted, sizeof(quoted));
                problem(c, where, "%s is already granted by %s[%zu]", quoted, path, origin[j]);
                duplicate = true;
            }
        }
        if (duplicate || !rights_ok) {
            free(norm);
            continue;
        }
        grants[count] = (veil_policy_grant){norm, rights, rights};
        origin[count++] = i;
    }
    qsort(grants, count, sizeof(*grants), compare_grants);
    free(origin);
    pr->grants = grants;
    pr->grant_count = count;
}

static void add_file_hash(checker *c, veil_policy_file_hash *array, size_t *count, size_t cap,
                          const char *path, const uint8_t hash[VEIL_SHA256_LEN], int64_t priority) {
    if (*count >= cap)
        return;
    char *copy = dup_or_oom(c, path);
    if (copy == NULL)
        return;
    veil_policy_file_hash *h = &array[(*count)++];
    h->path = copy;
    memcpy(h->sha256, hash, VEIL_SHA256_LEN);
    h->priority = priority;
}

static void parse_identities(checker *c, const json_t *array) {
    static const char *const user_keys[] = {"certificate", "file_rights", "may_shutdown", NULL};
    static const char *const keys[] = {"certificate", "id", "file_rights", "may_shutdown", NULL};
    const char *path = "$.identities";
    veil_policy *p = c->policy;
    size_t n = json_array_size(array);
    if (n == 0)
        problem(c, path, "at least one identity is needed");
    bool *id_set = calloc(n + 1, sizeof(bool));
    if (id_set == NULL) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char ip[PATH_SIZE];
        element(ip, path, i);
        json_t *item = json_array_get(array, i);
        size_t index = p->principal_count;
        veil_policy_principal *pr = add_principal(c, VEIL_PRINCIPAL_IDENTITY);
        if (pr == NULL)
            break;
        pr->id = (uint32_t)i;
        if (!is_object(c, item, ip))
            continue;
        only_keys(c, item, ip, c->kind == VEIL_POLICY_USER ? user_keys : keys);
        int64_t id;
        if (c->kind != VEIL_POLICY_USER && get_int(c, item, ip, "id", true, 0, UINT32_MAX, &id)) {
            pr->id = (uint32_t)id;
            id_set[i] = true;
            for (size_t j = 0; j < index; j++) {
                if (id_set[j] && p->principals[j].id == pr->id) {
                    char where[PATH_SIZE];
                    child(where, ip, "id");
                    problem(c, where, "id %u is also the id of $.identities[%zu]", pr->id, j);
                    break;
                }
            }
        }
        pr->certificate = get_certificate(c, item, ip, "certificate");
        if (pr->certificate != NULL) {
            uint8_t *der;
            size_t der_len;
            veil_error *err = veil_cert_to_der(pr->certificate, &der, &der_len);
            if (err != NULL) {
                absorb(c, err);
            } else {
                veil_sha256(der, der_len, p->cert_hashes[index]);
                free(der);
                for (size_t j = 0; j < index; j++) {
                    if (p->principals[j].certificate != NULL &&
                        memcmp(p->cert_hashes[j], p->cert_hashes[index], VEIL_SHA256_LEN) == 0) {
                        char where[PATH_SIZE];
                        child(where, ip, "certificate");
                        problem(c, where,
                                "the same certificate as $.identities[%zu]; each identity needs "
                                "its own certificate",
                                j);
                        break;
                    }
                }
            }
        }
        json_t *rights;
        if (get_array(c, item, ip, "file_rights", true, &rights)) {
            char rp[PATH_SIZE];
            child(rp, ip, "file_rights");
            parse_file_rights(c, rights, rp, pr);
        }
        get_bool(c, item, ip, "may_shutdown", false, &pr->may_shutdown);
    }
    free(id_set);
}

static void parse_programs(checker *c, const json_t *array) {
    static const char *const keys[] = {"program_file_name", "id", "file_rights", "max_memory_mib",
                                       NULL};
    static const char *const function_keys[] = {"program_file_name", "id",      "file_rights",
                                                "max_memory_mib",    "pi_hash", NULL};
    const char *path = "$.programs";
    veil_policy *p = c->policy;
    size_t n = json_array_size(array);
    if (n == 0)
        problem(c, path, "at least one program is needed");
    uint32_t policy_mib = p->settings.max_memory_mib;
    uint32_t cap_mib = policy_mib != 0 && policy_mib < VEIL_POLICY_MAX_PROGRAM_MEMORY_MIB
                           ? policy_mib
                           : VEIL_POLICY_MAX_PROGRAM_MEMORY_MIB;
    c->first_program = p->principal_count;
    bool *id_set = calloc(n + 1, sizeof(bool));
    if (id_set == NULL) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char ip[PATH_SIZE];
        element(ip, path, i);
        json_t *item = json_array_get(array, i);
        veil_policy_principal *pr = add_principal(c, VEIL_PRINCIPAL_PROGRAM);
        if (pr == NULL)
            break;
        pr->max_memory_mib = cap_mib;
        if (!is_object(c, item, ip))
            continue;
        only_keys(c, item, ip, c->kind == VEIL_POLICY_FUNCTION ? function_keys : keys);
        char *name;
        get_path(c, item, ip, "program_file_name", false, true, &name);
        pr->program_file_name = name;
        for (size_t j = 0; name != NULL && j < i; j++) {
            const char *other = p->principals[c->first_program + j].program_file_name;
            if (other != NULL && strcmp(other, name) == 0) {
                char where[PATH_SIZE], quoted[128];
                child(where, ip, "program_file_name");
                policy_quote(name, quoted, sizeof(quoted));
                problem(c, where, "%s is also the program of $.programs[%zu]", quoted, j);
                break;
            }
        }
        int64_t id;
        if (get_int(c, item, ip, "id", true, 0, UINT32_MAX, &id)) {
            pr->id = (uint32_t)id;
            id_set[i] = true;
            for (size_t j = 0; j < i; j++) {
                if (id_set[j] && p->principals[c->first_program + j].id == pr->id) {
                    char where[PATH_SIZE];
                    child(where, ip, "id");
                    problem(c, where, "id %u is also the id of $.programs[%zu]", pr->id, j);
                    break;
                }
            }
        }
        json_t *rights;
        if (get_array(c, item, ip, "file_rights", true, &rights)) {
            char rp[PATH_SIZE];
            child(rp, ip, "file_rights");
            parse_file_rights(c, rights, rp, pr);
        }
        int64_t mib;
        if (get_int(c, item, ip, "max_memory_mib", false, 1, cap_mib, &mib))
            pr->max_memory_mib = (uint32_t)mib;
        uint8_t hash[VEIL_SHA256_LEN];
        if (c->kind == VEIL_POLICY_FUNCTION && get_sha256(c, item, ip, "pi_hash", hash) &&
            name != NULL)
            add_file_hash(c, p->file_hashes, &p->file_hash_count, c->file_hash_cap, name, hash, 0);
    }
    free(id_set);
}

/* Reports path as a duplicate of an earlier file hash or program. */
static bool duplicate_file(checker *c, const char *where, const char *norm) {
    veil_policy *p = c->policy;
    char quoted[128];
    policy_quote(norm, quoted, sizeof(quoted));
    for (size_t j = 0; j < p->file_hash_count; j++) {
        if (strcmp(p->file_hashes[j].path, norm) == 0) {
            problem(c, where, "%s already has a hash", quoted);
            return true;
        }
    }
    return false;
}

static void parse_data_files(checker *c, const json_t *array) {
    static const char *const keys[] = {"data_file", "pi_hash", "priority", NULL};
    const char *path = "$.data_files";
    veil_policy *p = c->policy;
    for (size_t i = 0; i < json_array_size(array); i++) {
        char ip[PATH_SIZE], where[PATH_SIZE];
        element(ip, path, i);
        child(where, ip, "data_file");
        json_t *item = json_array_get(array, i);
        if (!is_object(c, item, ip))
            continue;
        only_keys(c, item, ip, keys);
        char *norm;
        get_path(c, item, ip, "data_file", false, true, &norm);
        uint8_t hash[VEIL_SHA256_LEN];
        bool hash_ok = get_sha256(c, item, ip, "pi_hash", hash);
        int64_t priority = 99; /* CCFaaS's default */
        get_int(c, item, ip, "priority", false, 0, INT32_MAX, &priority);
        if (norm != NULL && hash_ok && !duplicate_file(c, where, norm)) {
            add_file_hash(c, p->file_hashes, &p->file_hash_count, c->file_hash_cap, norm, hash,
                          priority);
            add_file_hash(c, p->data_files, &p->data_file_count, c->data_file_cap, norm, hash,
                          priority);
        }
        free(norm);
    }
}

static void parse_file_hashes(checker *c, const json_t *array) {
    static const char *const keys[] = {"file_path", "hash", NULL};
    const char *path = "$.file_hashes";
    veil_policy *p = c->policy;
    for (size_t i = 0; i < json_array_size(array); i++) {
        char ip[PATH_SIZE], where[PATH_SIZE];
        element(ip, path, i);
        child(where, ip, "file_path");
        json_t *item = json_array_get(array, i);
        if (!is_object(c, item, ip))
            continue;
        only_keys(c, item, ip, keys);
        char *norm;
        get_path(c, item, ip, "file_path", false, true, &norm);
        uint8_t hash[VEIL_SHA256_LEN];
        bool hash_ok = get_sha256(c, item, ip, "hash", hash);
        if (norm != NULL && hash_ok && !duplicate_file(c, where, norm))
            add_file_hash(c, p->file_hashes, &p->file_hash_count, c->file_hash_cap, norm, hash, 0);
        free(norm);
    }
}

static void parse_expiry(checker *c, const json_t *root) {
    static const char *const keys[] = {"year", "month", "day", "hour", "minute", NULL};
    json_t *obj;
    if (!get_object(c, root, "$", "enclave_cert_expiry", false, &obj))
        return;
    const char *path = "$.enclave_cert_expiry";
    only_keys(c, obj, path, keys);
    int64_t v[5];
    bool ok = true;
    for (size_t i = 0; i < 5; i++)
        ok &= get_int(c, obj, path, keys[i], true, INT32_MIN, INT32_MAX, &v[i]);
    if (!ok)
        return;
    veil_policy_expiry e = {(int)v[0], (int)v[1], (int)v[2], (int)v[3], (int)v[4]};
    veil_error *err = veil_policy_expiry_check(&e);
    if (err != NULL) {
        problem(c, path, "%s", veil_error_message(err));
        veil_error_free(err);
        return;
    }
    c->policy->settings.has_expiry = true;
    c->policy->settings.enclave_cert_expiry = e;
}

static void parse_runtime_hash(checker *c, const json_t *root, const char *key, bool allow_sha384,
                               char *dest, const char **setting) {
    json_t *value = json_object_get(root, key);
    if (value == NULL || json_is_null(value)) /* Veracruz writes null for "none" */
        return;
    char where[PATH_SIZE];
    child(where, "$", key);
    const char *text;
    if (!json_is_string(value)) {
        problem(c, where, "expected a hex string or null, got %s", veil_json_type_name(value));
        return;
    }
    if (!get_string(c, root, "$", key, true, &text))
        return;
    size_t digits = allow_sha384 && strlen(text) == 96 ? 96 : VEIL_SHA256_HEX_LEN;
    veil_error *err = policy_check_hex(text, digits);
    if (err != NULL) {
        problem(c, where, "%s (a SHA-256%s)", veil_error_message(err),
                allow_sha384 ? ", or all 96 digits of the SHA-384 PCR0" : "");
        veil_error_free(err);
        return;
    }
    for (size_t i = 0; i <= digits; i++)
        dest[i] = (char)(text[i] >= 'A' && text[i] <= 'F' ? text[i] - 'A' + 'a' : text[i]);
    *setting = dest;
}

static void parse_ignored(checker *c, const json_t *root) {
    static const struct {
        const char *key, *why;
    } legacy[] = {
        {"runtime_manager_hash_sgx", "Veil has no SGX backend"},
        {"runtime_manager_hash_tz", "Veil has no TrustZone backend"},
        {"runtime_manager_hash_icecap", "Veil has no IceCap backend"},
    };
    for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
        json_t *value = json_object_get(root, legacy[i].key);
        if (value == NULL)
            continue;
        char where[PATH_SIZE];
        child(where, "$", legacy[i].key);
        if (!json_is_string(value) && !json_is_null(value))
            problem(c, where, "expected a string or null, got %s", veil_json_type_name(value));
        else
            warn(c, "%s: accepted and ignored (%s)", where, legacy[i].why);
    }
    static const char *const newer[] = {"native_modules", "pipelines"};
    for (size_t i = 0; i < 2; i++) {
        json_t *array;
        if (!get_array(c, root, "$", newer[i], false, &array))
            continue;
        char where[PATH_SIZE];
        child(where, "$", newer[i]);
        if (json_array_size(array) == 0)
            warn(c, "%s: empty, accepted and ignored", where);
        else
            problem(c, where, "Veil does not support Veracruz %s (the list must be empty)",
                    newer[i]);
    }
}

static void get_hostport(checker *c, const json_t *root, const char *key, const char **out) {
    if (!get_string(c, root, "$", key, false, out))
        return;
    veil_error *err = policy_check_hostport(*out);
    if (err != NULL) {
        char where[PATH_SIZE], quoted[128];
        child(where, "$", key);
        policy_quote(*out, quoted, sizeof(quoted));
        problem(c, where, "%s: %s", quoted, veil_error_message(err));
        veil_error_free(err);
    }
}

static void parse_settings(checker *c, const json_t *root) {
    veil_policy_settings *s = &c->policy->settings;
    const char *text;
    if (get_string(c, root, "$", "function", false, &s->function))
        check_name(c, "$.function", s->function);
    if (get_string(c, root, "$", "instanceid", false, &s->instance_id))
        check_name(c, "$.instanceid", s->instance_id);
    if (get_string(c, root, "$", "instance_id", false, &s->instance_id))
        check_name(c, "$.instance_id", s->instance_id);
    get_bool(c, root, "$", "debug", false, &s->debug);
    get_bool(c, root, "$", "enable_clock", false, &s->enable_clock);
    if (get_string(c, root, "$", "execution_strategy", false, &text)) {
        if (strcmp(text, "Interpretation") == 0) {
            s->execution_strategy = VEIL_POLICY_INTERPRETATION;
        } else if (strcmp(text, "JIT") == 0) {
            s->execution_strategy = VEIL_POLICY_JIT;
        } else {
            char quoted[128];
            policy_quote(text, quoted, sizeof(quoted));
            problem(c, "$.execution_strategy", "%s is not \"Interpretation\" or \"JIT\"", quoted);
        }
    }
    int64_t v;
    if (get_int(c, root, "$", "max_memory_mib", false, 1, VEIL_POLICY_MAX_MEMORY_MIB, &v))
        s->max_memory_mib = (uint32_t)v;
    s->max_execution_time_ms = VEIL_POLICY_DEFAULT_EXECUTION_TIME_MS;
    if (get_int(c, root, "$", "max_execution_time_ms", false, 1,
                (int64_t)VEIL_POLICY_MAX_EXECUTION_TIME_MS, &v))
        s->max_execution_time_ms = (uint64_t)v;
    if (get_int(c, root, "$", "max_execution_fuel", false, 1, INT64_MAX, &v))
        s->max_execution_fuel = (uint64_t)v;
    if (get_string(c, root, "$", "ciphersuite", false, &s->ciphersuite)) {
        s->ciphersuite_openssl = policy_ciphersuite_openssl(s->ciphersuite);
        if (s->ciphersuite_openssl == NULL) {
            char quoted[128];
            policy_quote(s->ciphersuite, quoted, sizeof(quoted));
            problem(c, "$.ciphersuite",
                    "%s is not a TLS 1.3 ciphersuite Veil supports "
                    "(TLS1_3_CHACHA20_POLY1305_SHA256, TLS1_3_AES_128_GCM_SHA256, "
                    "TLS1_3_AES_256_GCM_SHA384)",
                    quoted);
        }
    }
    parse_expiry(c, root);
    get_hostport(c, root, "veracruz_server_url", &s->server_url);
    get_hostport(c, root, "proxy_attestation_server_url", &s->pas_url);
    if (json_object_get(root, "proxy_service_cert") != NULL)
        s->pas_cert = get_certificate(c, root, "$", "proxy_service_cert");
    parse_runtime_hash(c, root, "runtime_manager_hash_linux", false, c->policy->runtime_hash_linux,
                       &s->runtime_hash_linux);
    parse_runtime_hash(c, root, "runtime_manager_hash_nitro", true, c->policy->runtime_hash_nitro,
                       &s->runtime_hash_nitro);
    parse_ignored(c, root);
}

/* Reports unknown keys (with a hint when another kind has them) and missing
 * required ones. */
static void check_top_keys(checker *c, const json_t *root) {
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)root, key, value) {
        (void)value;
        const field *f = NULL;
        for (size_t i = 0; i < sizeof(top_fields) / sizeof(top_fields[0]) && f == NULL; i++)
            if (strcmp(top_fields[i].key, key) == 0)
                f = &top_fields[i];
        if (f != NULL && (f->kinds & c->kind_bit))
            continue;
        char where[PATH_SIZE], quoted[128];
        child(where, "$", key);
        policy_quote(key, quoted, sizeof(quoted));
        if (f == NULL) {
            problem(c, where, "unknown key %s", quoted);
            continue;
        }
        char kinds[64] = "";
        static const veil_policy_kind all[] = {VEIL_POLICY_GLOBAL, VEIL_POLICY_VAAS,
                                               VEIL_POLICY_FUNCTION, VEIL_POLICY_USER};
        for (size_t k = 0; k < 4; k++) {
            if (f->kinds & bit_of(all[k])) {
                strcat(kinds, kinds[0] ? "/" : "");
                strcat(kinds, veil_policy_kind_name(all[k]));
            }
        }
        problem(c, where, "unknown key %s in a %s policy (it belongs in %s policies)", quoted,
                veil_policy_kind_name(c->kind), kinds);
    }
    for (size_t i = 0; i < sizeof(top_fields) / sizeof(top_fields[0]); i++)
        if ((top_fields[i].required & c->kind_bit) &&
            json_object_get(root, top_fields[i].key) == NULL)
            problem(c, "$", "missing required key \"%s\"", top_fields[i].key);
}

static veil_policy_kind detect_kind(const json_t *root) {
    if (!json_is_object(root))
        return VEIL_POLICY_GLOBAL;
    if (json_object_get(root, "instanceid") != NULL)
        return VEIL_POLICY_USER;
    if (json_object_get(root, "function") != NULL)
        return VEIL_POLICY_FUNCTION;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)root, key, value) {
        (void)value;
        for (size_t i = 0; i < sizeof(top_fields) / sizeof(top_fields[0]); i++)
            if (strcmp(top_fields[i].key, key) == 0 && top_fields[i].kinds == K_GLOBAL)
                return VEIL_POLICY_GLOBAL;
    }
    return VEIL_POLICY_VAAS;
}

static void name_principals(checker *c) {
    veil_policy *p = c->policy;
    for (size_t i = 0; i < p->principal_count && !c->oom; i++) {
        veil_policy_principal *pr = &p->principals[i];
        char *name = NULL;
        int n = -1;
        if (pr->kind == VEIL_PRINCIPAL_IDENTITY)
            n = asprintf(&name, "identity %u", pr->id);
        else if (pr->kind == VEIL_PRINCIPAL_PROGRAM)
            n = asprintf(&name, "program %s",
                         pr->program_file_name != NULL ? pr->program_file_name : "?");
        else
            n = asprintf(&name, "loader");
        if (n < 0)
            c->oom = true;
        else
            pr->name = name;
    }
}

static void check_known(checker *c, const json_t *root);

static void check_document(checker *c, const json_t *root) {
    if (!json_is_object(root)) {
        problem(c, "$", "expected a JSON object, got %s", veil_json_type_name(root));
        return;
    }
    check_top_keys(c, root);
    /* Only the keys this kind has are read further: a key of another kind
     * has been reported as unknown and is not also type-checked. */
    json_t *known = json_object();
    if (known == NULL) {
        c->oom = true;
        return;
    }
    for (size_t i = 0; i < sizeof(top_fields) / sizeof(top_fields[0]); i++) {
        json_t *value = json_object_get(root, top_fields[i].key);
        if (value != NULL && (top_fields[i].kinds & c->kind_bit) &&
            json_object_set(known, top_fields[i].key, value) != 0)
            c->oom = true;
    }
    check_known(c, known);
    json_decref(known);
}

static void check_known(checker *c, const json_t *root) {
    veil_policy *p = c->policy;
    parse_settings(c, root);

    json_t *identities = NULL, *programs = NULL, *loader = NULL, *data = NULL, *hashes = NULL;
    bool identities_ok = get_array(c, root, "$", "identities", false, &identities);
    bool programs_ok = get_array(c, root, "$", "programs", false, &programs);
    bool loader_ok = get_array(c, root, "$", "file_rights", false, &loader);
    bool data_ok = get_array(c, root, "$", "data_files", false, &data);
    bool hashes_ok = get_array(c, root, "$", "file_hashes", false, &hashes);

    c->principal_cap = (identities_ok ? json_array_size(identities) : 0) +
                       (programs_ok ? json_array_size(programs) : 0) + (loader_ok ? 1 : 0);
    c->file_hash_cap = (programs_ok ? json_array_size(programs) : 0) +
                       (data_ok ? json_array_size(data) : 0) +
                       (hashes_ok ? json_array_size(hashes) : 0);
    c->data_file_cap = data_ok ? json_array_size(data) : 0;
    p->principals = calloc(c->principal_cap + 1, sizeof(*p->principals));
    p->cert_hashes = calloc(c->principal_cap + 1, sizeof(*p->cert_hashes));
    p->file_hashes = calloc(c->file_hash_cap + 1, sizeof(*p->file_hashes));
    p->data_files = calloc(c->data_file_cap + 1, sizeof(*p->data_files));
    if (p->principals == NULL || p->cert_hashes == NULL || p->file_hashes == NULL ||
        p->data_files == NULL) {
        c->oom = true;
        return;
    }

    if (identities_ok)
        parse_identities(c, identities);
    if (programs_ok)
        parse_programs(c, programs);
    if (loader_ok) {
        veil_policy_principal *pr = add_principal(c, VEIL_PRINCIPAL_LOADER);
        if (pr != NULL)
            parse_file_rights(c, loader, "$.file_rights", pr);
    }
    if (data_ok)
        parse_data_files(c, data);
    if (hashes_ok)
        parse_file_hashes(c, hashes);
    name_principals(c);

    json_t *linux_hash = json_object_get(root, "runtime_manager_hash_linux");
    json_t *nitro_hash = json_object_get(root, "runtime_manager_hash_nitro");
    if (c->kind == VEIL_POLICY_GLOBAL && (linux_hash == NULL || json_is_null(linux_hash)) &&
        (nitro_hash == NULL || json_is_null(nitro_hash)))
        problem(c, "$",
                "no runtime measurement: set runtime_manager_hash_linux or "
                "runtime_manager_hash_nitro, or clients cannot attest the instance");
    if (c->kind_bit & (K_GLOBAL | K_VAAS)) {
        for (size_t i = 0; i < p->principal_count; i++) {
            const veil_policy_principal *pr = &p->principals[i];
            if (pr->kind == VEIL_PRINCIPAL_PROGRAM && pr->program_file_name != NULL &&
                veil_policy_expected_hash(p, pr->program_file_name) == NULL)
                warn(c,
                     "$.programs[%zu].program_file_name: %s has no entry in file_hashes, so its "
                     "content is not checked",
                     i - c->first_program, pr->program_file_name);
        }
    }
}

void veil_policy_free(veil_policy *p) {
    if (p == NULL)
        return;
    for (size_t i = 0; p->principals != NULL && i < p->principal_count; i++) {
        veil_policy_principal *pr = &p->principals[i];
        for (size_t g = 0; g < pr->grant_count; g++)
            free((char *)pr->grants[g].path);
        free((veil_policy_grant *)pr->grants);
        free((char *)pr->name);
        free((char *)pr->program_file_name);
        X509_free(pr->certificate);
    }
    for (size_t i = 0; i < p->file_hash_count; i++)
        free((char *)p->file_hashes[i].path);
    for (size_t i = 0; i < p->data_file_count; i++)
        free((char *)p->data_files[i].path);
    for (size_t i = 0; i < p->warning_count; i++)
        free(p->warnings[i]);
    X509_free(p->settings.pas_cert);
    free(p->principals);
    free(p->cert_hashes);
    free(p->file_hashes);
    free(p->data_files);
    free(p->warnings);
    json_decref(p->root);
    free(p->bytes);
    free(p);
}

/* jansson reports a duplicate key with a line and column; this adds the
 * JSON path by rescanning the (well-formed) text before the error. */
static void path_at(const char *text, size_t end, char *buf, size_t size) {
    enum { MAX_DEPTH = 32 };
    struct {
        bool object;
        size_t index;
        const char *key;
        size_t key_len;
    } stack[MAX_DEPTH];
    int depth = 0;
    bool expect_key = false;
    for (size_t i = 0; i < end; i++) {
        char ch = text[i];
        if (ch == '{' || ch == '[') {
            if (depth < MAX_DEPTH) {
                stack[depth].object = ch == '{';
                stack[depth].index = 0;
                stack[depth].key = NULL;
                stack[depth].key_len = 0;
            }
            depth++;
            expect_key = ch == '{';
        } else if (ch == '}' || ch == ']') {
            depth--;
            expect_key = false;
        } else if (ch == ',') {
            if (depth > 0 && depth <= MAX_DEPTH && !stack[depth - 1].object)
                stack[depth - 1].index++;
            expect_key = depth > 0 && depth <= MAX_DEPTH && stack[depth - 1].object;
        } else if (ch == '"') {
            size_t start = ++i;
            while (i < end && text[i] != '"')
                i += text[i] == '\\' ? 2 : 1;
            if (expect_key && depth > 0 && depth <= MAX_DEPTH) {
                stack[depth - 1].key = text + start;
                stack[depth - 1].key_len = (i < end ? i : end) - start;
                expect_key = false;
            }
        }
    }
    size_t n = (size_t)snprintf(buf, size, "$");
    for (int d = 0; d < depth && d < MAX_DEPTH && n < size; d++) {
        if (stack[d].object && stack[d].key != NULL) {
            char key[96];
            size_t len = stack[d].key_len < sizeof(key) - 1 ? stack[d].key_len : sizeof(key) - 1;
            memcpy(key, stack[d].key, len);
            key[len] = '\0';
            char part[PATH_SIZE];
            child(part, "", key);
            n += (size_t)snprintf(buf + n, size - n, "%s", part);
        } else if (!stack[d].object) {
            n += (size_t)snprintf(buf + n, size - n, "[%zu]", stack[d].index);
        }
    }
}

static veil_error *parse_json(const char *text, size_t len, const char *source, json_t **out) {
    json_error_t error;
    json_t *value = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);
    if (value != NULL) {
        *out = value;
        return NULL;
    }
    if (json_error_code(&error) == json_error_duplicate_key) {
        char path[PATH_SIZE];
        size_t end =
            error.position >= 0 && (size_t)error.position <= len ? (size_t)error.position : len;
        path_at(text, end, path, sizeof(path));
        return veil_error_new(VEIL_EMALFORMED,
                              "%s: 1 error\n  %s: duplicate key (line %d, column %d): %s", source,
                              path, error.line, error.column, error.text);
    }
    return veil_error_new(VEIL_EMALFORMED, "%s: 1 error\n  line %d, column %d: %s", source,
                          error.line, error.column, error.text);
}

veil_error *veil_policy_parse(const void *bytes, size_t len, const char *source,
                              veil_policy_kind kind, veil_policy **out) {
    if (len > VEIL_POLICY_MAX_BYTES)
        return veil_error_new(VEIL_ELIMIT, "%s: %zu bytes is larger than the %u-byte limit", source,
                              len, VEIL_POLICY_MAX_BYTES);
    veil_policy *p = calloc(1, sizeof(*p));
    if (p == NULL || (p->bytes = malloc(len + 1)) == NULL) {
        free(p);
        return veil_error_new(VEIL_ENOMEM, "out of memory parsing %s", source);
    }
    memcpy(p->bytes, bytes, len);
    p->bytes[len] = '\0';
    p->len = len;
    veil_sha256(p->bytes, len, p->hash);
    veil_error *err = parse_json((const char *)p->bytes, len, source, &p->root);
    if (err != NULL) {
        veil_policy_free(p);
        return err;
    }
    if (kind == VEIL_POLICY_ANY)
        kind = detect_kind(p->root);
    checker c = {.source = source, .kind = kind, .kind_bit = bit_of(kind), .policy = p};
    veil_buf_init(&c.report, 0);
    p->settings.kind = kind;
    check_document(&c, p->root);
    if (c.oom) {
        veil_buf_free(&c.report);
        veil_policy_free(p);
        return veil_error_new(VEIL_ENOMEM, "out of memory checking %s", source);
    }
    if (c.problem_count > 0) {
        const char *more = "";
        char tail[64] = "";
        if (c.problem_count > MAX_REPORTED_PROBLEMS) {
            snprintf(tail, sizeof(tail), "\n  ... and %zu more",
                     c.problem_count - MAX_REPORTED_PROBLEMS);
            more = tail;
        }
        err = veil_error_new(VEIL_EMALFORMED, "%s: %zu error%s in %s policy%s%s", source,
                             c.problem_count, c.problem_count == 1 ? "" : "s",
                             veil_policy_kind_name(kind), c.report.len ? (char *)c.report.data : "",
                             more);
        veil_buf_free(&c.report);
        veil_policy_free(p);
        return err;
    }
    veil_buf_free(&c.report);
    p->settings.file_hashes = p->file_hashes;
    p->settings.file_hash_count = p->file_hash_count;
    p->settings.data_files = p->data_files;
    p->settings.data_file_count = p->data_file_count;
    *out = p;
    return NULL;
}

veil_error *veil_policy_load_file(const char *path, veil_policy_kind kind, veil_policy **out) {
    uint8_t *data;
    size_t len;
    VEIL_TRY(veil_read_file(path, VEIL_POLICY_MAX_BYTES, &data, &len));
    veil_error *err = veil_policy_parse(data, len, path, kind, out);
    free(data);
    return err;
}

/* ---- accessors ---- */

const veil_policy_settings *veil_policy_settings_of(const veil_policy *p) {
    return &p->settings;
}

const uint8_t *veil_policy_bytes(const veil_policy *p, size_t *len) {
    *len = p->len;
    return p->bytes;
}

void veil_policy_hash(const veil_policy *p, uint8_t out[VEIL_SHA256_LEN]) {
    memcpy(out, p->hash, VEIL_SHA256_LEN);
}

void veil_policy_hash_hex(const veil_policy *p, char out[VEIL_SHA256_HEX_LEN + 1]) {
    veil_hex_encode(p->hash, VEIL_SHA256_LEN, out);
}

size_t veil_policy_warning_count(const veil_policy *p) {
    return p->warning_count;
}

const char *veil_policy_warning(const veil_policy *p, size_t index) {
    return index < p->warning_count ? p->warnings[index] : NULL;
}
