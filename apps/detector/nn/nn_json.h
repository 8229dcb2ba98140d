/*
 * A small strict JSON parser for the detector (RFC 8259).
 *
 * The detector is built for wasm32-wasi with plain clang and wasi-libc, so it
 * cannot use jansson like the rest of Veil; this parser covers what the
 * detector reads (the TF.js model topology, settings).  It reads through the
 * bounded reader and is strict: the input must be valid UTF-8, exactly one
 * value with only whitespace around it, no duplicate object keys, no
 * comments, no trailing commas, no leading zeros, no lone surrogates in
 * escapes, and nesting no deeper than VEIL_NNJ_MAX_DEPTH.  Errors name the
 * source and the byte offset.
 *
 * The whole tree lives in one arena owned by the document; values are
 * read-only views valid until veil_nnj_free().  Objects keep their members
 * in document order.
 */
#ifndef VEIL_NN_JSON_H
#define VEIL_NN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"

#define VEIL_NNJ_MAX_DEPTH 64

typedef enum veil_nnj_kind {
    VEIL_NNJ_NULL,
    VEIL_NNJ_BOOL,
    VEIL_NNJ_NUMBER,
    VEIL_NNJ_STRING,
    VEIL_NNJ_ARRAY,
    VEIL_NNJ_OBJECT,
} veil_nnj_kind;

typedef struct veil_nnj_value veil_nnj_value;

typedef struct veil_nnj_member {
    const char *key; /* NUL-terminated; may contain "\u0000" escapes, see key_len */
    size_t key_len;
    const veil_nnj_value *value;
} veil_nnj_member;

struct veil_nnj_value {
    veil_nnj_kind kind;
    size_t offset; /* byte offset of the value in the document, for messages */
    union {
        bool boolean;
        struct {
            double value;
            bool integral;   /* written without fraction or exponent */
            int64_t integer; /* exact value when integral and it fits */
            bool fits_int64;
        } number;
        struct {
            const char *data; /* NUL-terminated */
            size_t len;
        } string;
        struct {
            const veil_nnj_value **items;
            size_t count;
        } array;
        struct {
            const veil_nnj_member *members;
            size_t count;
        } object;
    } u;
};

typedef struct veil_nnj_doc veil_nnj_doc;

/* Parses text[0..len).  `source` names the input in messages. */
VEIL_NODISCARD veil_error *veil_nnj_parse(const uint8_t *text, size_t len, const char *source,
                                          veil_nnj_doc **out);
const veil_nnj_value *veil_nnj_root(const veil_nnj_doc *doc);
void veil_nnj_free(veil_nnj_doc *doc);

const char *veil_nnj_kind_name(veil_nnj_kind kind);

/* Member of an object by key, or NULL when absent (or obj is no object). */
const veil_nnj_value *veil_nnj_get(const veil_nnj_value *obj, const char *key);

/* Typed access; errors name `path` (e.g. "$.modelTopology.node[3].op").
 * A NULL value (absent) is an error "missing". */
VEIL_NODISCARD veil_error *veil_nnj_expect(const veil_nnj_value *value, veil_nnj_kind kind,
                                           const char *path);
/* An integer in [min, max], written as a JSON number or, as TF.js writes
 * 64-bit integers, as a string of decimal digits with an optional '-'. */
VEIL_NODISCARD veil_error *veil_nnj_int(const veil_nnj_value *value, const char *path, int64_t min,
                                        int64_t max, int64_t *out);
/* Fails naming the first member of obj whose key is not in the
 * NULL-terminated list. */
VEIL_NODISCARD veil_error *veil_nnj_only_keys(const veil_nnj_value *obj, const char *path,
                                              const char *const allowed[]);

#endif
