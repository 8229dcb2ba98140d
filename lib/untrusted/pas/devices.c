/*
 * What the PAS trusts besides its own CA: enrolled device keys (for the
 * software evidence format) and the reference measurements it accepts.
 *
 * Devices are files state_dir/devices/<name>.pem holding a public key; the
 * name is restricted to a safe file-name alphabet so it can never address
 * anything outside that directory.  They are read at verification time, so
 * enrolling a device takes effect without a restart.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "evidence.h"
#include "veil/encoding.h"
#include "veil/hash.h"
#include "veil/json.h"
#include "veil/pas.h"
#include "veil/str.h"

veil_error *veil_pas_device_name_check(const char *name) {
    size_t len = strlen(name);
    VEIL_ENSURE(len >= 1 && len <= VEIL_PAS_DEVICE_NAME_MAX, VEIL_EINVAL,
                "device name must be 1..%d characters", VEIL_PAS_DEVICE_NAME_MAX);
    VEIL_ENSURE(name[0] != '.', VEIL_EINVAL, "device name '%s' starts with '.'", name);
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        VEIL_ENSURE(ok, VEIL_EINVAL, "device name '%s' has a character outside [A-Za-z0-9._-]",
                    name);
    }
    return NULL;
}

veil_error *veil_pas_device_key_check(EVP_PKEY *key, const char *who) {
    int id = EVP_PKEY_get_base_id(key);
    if (id == EVP_PKEY_ED25519)
        return NULL;
    if (id == EVP_PKEY_EC) {
        char group[64] = "";
        size_t glen = 0;
        if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &glen) &&
            strcmp(group, "prime256v1") == 0)
            return NULL;
        ERR_clear_error();
        return veil_error_new(VEIL_EUNSUPPORTED, "%s: EC key on curve '%s' (P-256 expected)", who,
                              group);
    }
    return veil_error_new(VEIL_EUNSUPPORTED, "%s: key type %s (Ed25519 or EC P-256 expected)", who,
                          OBJ_nid2sn(id));
}

static veil_error *parse_public_key(const char *pem, size_t len, const char *what, EVP_PKEY **out) {
    VEIL_ENSURE(len <= INT32_MAX, VEIL_EINVAL, "%s is too large", what);
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    VEIL_ENSURE(bio != NULL, VEIL_ENOMEM, "out of memory");
    EVP_PKEY *key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ERR_clear_error();
    VEIL_ENSURE(key != NULL, VEIL_EMALFORMED, "%s is not a PEM public key", what);
    veil_error *err = veil_pas_device_key_check(key, what);
    if (err != NULL) {
        EVP_PKEY_free(key);
        return err;
    }
    *out = key;
    return NULL;
}

static veil_error *device_path(const char *state_dir, const char *name, char **out) {
    VEIL_TRY(veil_pas_device_name_check(name));
    return veil_asprintf(out, "%s/devices/%s.pem", state_dir, name);
}

veil_error *veil_pas_enrol_device(const char *state_dir, const char *name,
                                  const char *public_key_pem, size_t len, bool replace) {
    char *path;
    VEIL_TRY(device_path(state_dir, name, &path));
    EVP_PKEY *key;
    veil_error *err = parse_public_key(public_key_pem, len, "device public key", &key);
    char *dir = NULL;
    if (err == NULL) {
        EVP_PKEY_free(key);
        err = veil_asprintf(&dir, "%s/devices", state_dir);
    }
    if (err == NULL && mkdir(state_dir, 0700) != 0 && errno != EEXIST)
        err = veil_error_errno(errno, "creating state directory %s", state_dir);
    if (err == NULL && mkdir(dir, 0700) != 0 && errno != EEXIST)
        err = veil_error_errno(errno, "creating %s", dir);
    struct stat st;
    if (err == NULL && !replace && stat(path, &st) == 0)
        err = veil_error_new(VEIL_EEXIST, "device '%s' is already enrolled (%s)", name, path);
    if (err == NULL)
        err = veil_write_file(path, public_key_pem, len, 0644);
    free(dir);
    free(path);
    return err;
}

veil_error *veil_pas_device_key(const char *state_dir, const char *name, EVP_PKEY **out) {
    char *path;
    VEIL_TRY(device_path(state_dir, name, &path));
    uint8_t *pem;
    size_t len;
    veil_error *err = veil_read_file(path, 64 * 1024, &pem, &len);
    if (err != NULL) {
        veil_code code = veil_error_code(err);
        veil_error_free(err);
        err = code == VEIL_ENOENT
                  ? veil_error_new(VEIL_ENOENT, "device '%s' is not enrolled", name)
                  : veil_error_new(code, "cannot read the key of device '%s' (%s)", name, path);
        free(path);
        return err;
    }
    free(path);
    err = parse_public_key((const char *)pem, len, "enrolled device key", out);
    free(pem);
    return err;
}

veil_error *veil_pas_reference_parse(const char *text, veil_pas_reference *out) {
    const char *colon = strchr(text, ':');
    VEIL_ENSURE(colon != NULL, VEIL_EINVAL, "reference value '%s' is not PLATFORM:HEX", text);
    size_t plen = (size_t)(colon - text);
    char platform[VEIL_ATTEST_PLATFORM_MAX + 1];
    VEIL_ENSURE(plen >= 1 && plen <= VEIL_ATTEST_PLATFORM_MAX, VEIL_EINVAL,
                "reference value '%s': platform name must be 1..%d characters", text,
                VEIL_ATTEST_PLATFORM_MAX);
    memcpy(platform, text, plen);
    platform[plen] = '\0';
    uint8_t value[VEIL_ATTEST_MEASUREMENT_MAX];
    size_t vlen;
    veil_error *err = veil_hex_decode(colon + 1, strlen(colon + 1), value, sizeof(value), &vlen);
    if (err != NULL)
        return veil_error_wrap(err, "reference value for platform '%s'", platform);
    veil_attest_measurement m;
    err = veil_attest_measurement_set(&m, platform, value, vlen);
    if (err != NULL)
        return veil_error_wrap(err, "reference value '%s'", text);
    memset(out, 0, sizeof(*out));
    memcpy(out->platform, m.platform, sizeof(out->platform));
    memcpy(out->measurement, m.value, m.len);
    out->len = m.len;
    return NULL;
}

veil_error *veil_pas_references_load(const char *path, veil_pas_reference **out, size_t *count) {
    json_t *root;
    VEIL_TRY(veil_json_load_file(path, 1 << 20, &root));
    static const char *const top_keys[] = {"reference_values", NULL};
    static const char *const item_keys[] = {"platform", "measurement", "description", NULL};
    json_t *list;
    veil_error *err = veil_json_only_keys(root, "$", top_keys);
    if (err == NULL)
        err = veil_json_get_array(root, "$", "reference_values", true, &list, NULL);
    veil_pas_reference *refs = NULL;
    size_t n = err == NULL ? json_array_size(list) : 0;
    if (err == NULL && n > 0 && (refs = calloc(n, sizeof(*refs))) == NULL)
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
    for (size_t i = 0; err == NULL && i < n; i++) {
        char where[64];
        snprintf(where, sizeof(where), "$.reference_values[%zu]", i);
        json_t *item = json_array_get(list, i);
        const char *platform, *hex;
        if (!json_is_object(item)) {
            err = veil_error_new(VEIL_EMALFORMED, "%s: %s is %s, not an object", path, where,
                                 veil_json_type_name(item));
            break;
        }
        err = veil_json_only_keys(item, where, item_keys);
        if (err == NULL)
            err = veil_json_get_string(item, where, "platform", true, &platform, NULL);
        if (err == NULL)
            err = veil_json_get_string(item, where, "measurement", true, &hex, NULL);
        if (err == NULL)
            err = veil_json_get_string(item, where, "description", false, &(const char *){NULL},
                                       NULL);
        if (err == NULL) {
            char *text;
            err = veil_asprintf(&text, "%s:%s", platform, hex);
            if (err == NULL) {
                err = veil_pas_reference_parse(text, &refs[i]);
                free(text);
            }
            if (err != NULL)
                err = veil_error_wrap(err, "%s", where);
        }
    }
    json_decref(root);
    if (err != NULL) {
        free(refs);
        return veil_error_wrap(err, "reference values %s", path);
    }
    *out = refs;
    *count = n;
    return NULL;
}
