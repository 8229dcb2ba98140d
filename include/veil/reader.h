/*
 * The bounded reader: the one way libveil reads untrusted bytes.
 *
 * A reader is a view of a byte range with a cursor.  Every read checks the
 * bytes that are left first and fails with VEIL_EMALFORMED (naming what was
 * being read and the absolute offset) instead of reading past the end; on
 * failure the cursor does not move.  Nothing here allocates except
 * veil_reader_string().  Sub-readers limit a parser to one section/frame
 * while reporting offsets relative to the outermost input.
 */
#ifndef VEIL_READER_H
#define VEIL_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"

typedef struct veil_reader {
    const uint8_t *data; /* first byte of this view */
    size_t len;          /* bytes in this view */
    size_t pos;          /* cursor, 0..len */
    size_t base;         /* absolute offset of data[0] in the outermost input */
    const char *what;    /* what is being parsed, for messages ("wasm module") */
} veil_reader;

void veil_reader_init(veil_reader *r, const void *data, size_t len, const char *what);

static inline size_t veil_reader_remaining(const veil_reader *r) {
    return r->len - r->pos;
}
static inline bool veil_reader_at_end(const veil_reader *r) {
    return r->pos == r->len;
}
/* Absolute offset of the cursor in the outermost input. */
static inline size_t veil_reader_offset(const veil_reader *r) {
    return r->base + r->pos;
}
/* Pointer to the cursor (valid for veil_reader_remaining() bytes). */
static inline const uint8_t *veil_reader_cursor(const veil_reader *r) {
    return r->data + r->pos;
}

/* Error naming the reader and the current absolute offset:
 * "<what> at offset N: <message>". */
VEIL_NODISCARD veil_error *veil_reader_error(const veil_reader *r, veil_code code, const char *fmt,
                                             ...) VEIL_PRINTF(3, 4);

VEIL_NODISCARD veil_error *veil_reader_u8(veil_reader *r, uint8_t *out);
VEIL_NODISCARD veil_error *veil_reader_peek_u8(const veil_reader *r, uint8_t *out);
VEIL_NODISCARD veil_error *veil_reader_u16le(veil_reader *r, uint16_t *out);
VEIL_NODISCARD veil_error *veil_reader_u32le(veil_reader *r, uint32_t *out);
VEIL_NODISCARD veil_error *veil_reader_u64le(veil_reader *r, uint64_t *out);
VEIL_NODISCARD veil_error *veil_reader_u16be(veil_reader *r, uint16_t *out);
VEIL_NODISCARD veil_error *veil_reader_u32be(veil_reader *r, uint32_t *out);
VEIL_NODISCARD veil_error *veil_reader_u64be(veil_reader *r, uint64_t *out);

/* LEB128 as the WebAssembly spec defines it: at most ceil(N/7) bytes, and
 * unused bits of the last byte must be zero (unsigned) or a sign extension
 * (signed).  Violations are VEIL_EMALFORMED ("integer representation too
 * long" / "integer too large"). */
VEIL_NODISCARD veil_error *veil_reader_uleb32(veil_reader *r, uint32_t *out);
VEIL_NODISCARD veil_error *veil_reader_uleb64(veil_reader *r, uint64_t *out);
VEIL_NODISCARD veil_error *veil_reader_sleb32(veil_reader *r, int32_t *out);
VEIL_NODISCARD veil_error *veil_reader_sleb33(veil_reader *r, int64_t *out);
VEIL_NODISCARD veil_error *veil_reader_sleb64(veil_reader *r, int64_t *out);

/* Returns a pointer to the next n bytes (no copy) and advances. */
VEIL_NODISCARD veil_error *veil_reader_bytes(veil_reader *r, size_t n, const uint8_t **out);
/* Copies the next n bytes into dst and advances. */
VEIL_NODISCARD veil_error *veil_reader_copy(veil_reader *r, void *dst, size_t n);
VEIL_NODISCARD veil_error *veil_reader_skip(veil_reader *r, size_t n);
/* Copies the next n bytes into a new NUL-terminated string (free() it);
 * fails if the bytes contain a NUL. */
VEIL_NODISCARD veil_error *veil_reader_string(veil_reader *r, size_t n, char **out);
/* Splits off the next n bytes as a sub-reader and advances past them. */
VEIL_NODISCARD veil_error *veil_reader_sub(veil_reader *r, size_t n, const char *what,
                                           veil_reader *sub);

/* True when bytes are well-formed UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF). */
bool veil_utf8_valid(const uint8_t *bytes, size_t len);

#endif
