/*
 * Strict JSON over jansson: duplicate keys are rejected, errors carry the
 * source name, line and column, and typed accessors name the JSON path
 * ("$.identities[2].file_rights") of whatever is missing or mistyped.
 */
#ifndef VEIL_JSON_H
#define VEIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "veil/error.h"

/* Parses one JSON value from text (no trailing data), rejecting duplicate
 * keys.  `source` names the input in messages (a file name). */
VEIL_NODISCARD veil_error *veil_json_parse(const char *text, size_t len, const char *source,
                                           json_t **out);
VEIL_NODISCARD veil_error *veil_json_load_file(const char *path, size_t max_bytes, json_t **out);

/* Serialises compactly (keys in insertion order); free() the result. */
VEIL_NODISCARD veil_error *veil_json_dump(const json_t *value, bool pretty, char **out);

/* Fails, naming path and the first key not in the NULL-terminated list. */
VEIL_NODISCARD veil_error *veil_json_only_keys(const json_t *object, const char *path,
                                               const char *const allowed[]);

/* Typed member access.  `required` false: a missing key leaves *out alone
 * and sets *present (if non-NULL) to false.  A present key of the wrong type
 * is always an error naming "path.key". */
VEIL_NODISCARD veil_error *veil_json_get_string(const json_t *object, const char *path,
                                                const char *key, bool required, const char **out,
                                                bool *present);
VEIL_NODISCARD veil_error *veil_json_get_bool(const json_t *object, const char *path,
                                              const char *key, bool required, bool *out,
                                              bool *present);
/* An integer in [min, max]. */
VEIL_NODISCARD veil_error *veil_json_get_int(const json_t *object, const char *path,
                                             const char *key, bool required, int64_t min,
                                             int64_t max, int64_t *out, bool *present);
VEIL_NODISCARD veil_error *veil_json_get_array(const json_t *object, const char *path,
                                               const char *key, bool required, json_t **out,
                                               bool *present);
VEIL_NODISCARD veil_error *veil_json_get_object(const json_t *object, const char *path,
                                                const char *key, bool required, json_t **out,
                                                bool *present);

/* Name of a JSON value's type ("string", "integer", ...). */
const char *veil_json_type_name(const json_t *value);

#endif
