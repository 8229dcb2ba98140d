#include "veil/json.h"

#include <stdlib.h>
#include <string.h>

#include "veil/str.h"

veil_error *veil_json_parse(const char *text, size_t len, const char *source, json_t **out) {
    json_error_t error;
    json_t *value = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);
    if (value == NULL)
        return veil_error_new(VEIL_EMALFORMED, "%s:%d:%d: %s", source, error.line, error.column,
                              error.text);
    *out = value;
    return NULL;
}

veil_error *veil_json_load_file(const char *path, size_t max_bytes, json_t **out) {
    uint8_t *data;
    size_t len;
    VEIL_TRY(veil_read_file(path, max_bytes, &data, &len));
    veil_error *err = veil_json_parse((const char *)data, len, path, out);
    free(data);
    return err;
}

veil_error *veil_json_dump(const json_t *value, bool pretty, char **out) {
    size_t flags = JSON_PRESERVE_ORDER | JSON_ENCODE_ANY;
    flags |= pretty ? JSON_INDENT(2) : JSON_COMPACT;
    *out = json_dumps(value, flags);
    if (*out == NULL)
        return veil_error_new(VEIL_ENOMEM, "cannot serialise JSON");
    return NULL;
}

const char *veil_json_type_name(const json_t *value) {
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        return "null";
    }
    return "unknown";
}

veil_error *veil_json_only_keys(const json_t *object, const char *path,
                                const char *const allowed[]) {
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)object, key, value) {
        (void)value;
        bool known = false;
        for (size_t i = 0; allowed[i] != NULL && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (!known)
            return veil_error_new(VEIL_EMALFORMED, "%s.%s: unknown key \"%s\"", path, key, key);
    }
    return NULL;
}

/* Looks key up; *value NULL when absent (error if required). */
static veil_error *member(const json_t *object, const char *path, const char *key, bool required,
                          json_t **value, bool *present) {
    if (!json_is_object(object))
        return veil_error_new(VEIL_EMALFORMED, "%s: expected an object, got %s", path,
                              veil_json_type_name(object));
    *value = json_object_get(object, key);
    if (present != NULL)
        *present = *value != NULL;
    if (*value == NULL && required)
        return veil_error_new(VEIL_EMALFORMED, "%s: missing required key \"%s\"", path, key);
    return NULL;
}

static veil_error *wrong_type(const char *path, const char *key, const char *expected,
                              const json_t *value) {
    return veil_error_new(VEIL_EMALFORMED, "%s.%s: expected %s, got %s", path, key, expected,
                          veil_json_type_name(value));
}

veil_error *veil_json_get_string(const json_t *object, const char *path, const char *key,
                                 bool required, const char **out, bool *present) {
    json_t *value;
    VEIL_TRY(member(object, path, key, required, &value, present));
    if (value == NULL)
        return NULL;
    if (!json_is_string(value))
        return wrong_type(path, key, "a string", value);
    if (strlen(json_string_value(value)) != json_string_length(value))
        return veil_error_new(VEIL_EMALFORMED, "%s.%s: string contains a NUL character", path, key);
    *out = json_string_value(value);
    return NULL;
}

veil_error *veil_json_get_bool(const json_t *object, const char *path, const char *key,
                               bool required, bool *out, bool *present) {
    json_t *value;
    VEIL_TRY(member(object, path, key, required, &value, present));
    if (value == NULL)
        return NULL;
    if (!json_is_boolean(value))
        return wrong_type(path, key, "true or false", value);
    *out = json_is_true(value);
    return NULL;
}

veil_error *veil_json_get_int(const json_t *object, const char *path, const char *key,
                              bool required, int64_t min, int64_t max, int64_t *out,
                              bool *present) {
    json_t *value;
    VEIL_TRY(member(object, path, key, required, &value, present));
    if (value == NULL)
        return NULL;
    if (!json_is_integer(value))
        return wrong_type(path, key, "an integer", value);
    json_int_t v = json_integer_value(value);
    if (v < min || v > max)
        return veil_error_new(VEIL_EMALFORMED, "%s.%s: %lld is out of range [%lld, %lld]", path,
                              key, (long long)v, (long long)min, (long long)max);
    *out = v;
    return NULL;
}

veil_error *veil_json_get_array(const json_t *object, const char *path, const char *key,
                                bool required, json_t **out, bool *present) {
    json_t *value;
    VEIL_TRY(member(object, path, key, required, &value, present));
    if (value == NULL)
        return NULL;
    if (!json_is_array(value))
        return wrong_type(path, key, "an array", value);
    *out = value;
    return NULL;
}

veil_error *veil_json_get_object(const json_t *object, const char *path, const char *key,
                                 bool required, json_t **out, bool *present) {
    json_t *value;
    VEIL_TRY(member(object, path, key, required, &value, present));
    if (value == NULL)
        return NULL;
    if (!json_is_object(value))
        return wrong_type(path, key, "an object", value);
    *out = value;
    return NULL;
}
