/*
 * Safe string and byte-buffer helpers.  veil_buf is a growable byte buffer
 * with an optional hard maximum (so a peer cannot make us allocate without
 * bound); it always keeps a NUL after its contents so text can be used as a
 * C string.
 */
#ifndef VEIL_STR_H
#define VEIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"

typedef struct veil_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max; /* 0 = no limit other than memory */
} veil_buf;

void veil_buf_init(veil_buf *b, size_t max);
void veil_buf_free(veil_buf *b);
void veil_buf_clear(veil_buf *b);
VEIL_NODISCARD veil_error *veil_buf_reserve(veil_buf *b, size_t extra);
VEIL_NODISCARD veil_error *veil_buf_append(veil_buf *b, const void *data, size_t n);
VEIL_NODISCARD veil_error *veil_buf_append_str(veil_buf *b, const char *s);
VEIL_NODISCARD veil_error *veil_buf_printf(veil_buf *b, const char *fmt, ...) VEIL_PRINTF(2, 3);
/* Takes ownership of the contents (NUL-terminated); the buffer is reset. */
char *veil_buf_steal(veil_buf *b, size_t *len);

/* Copies src into dst (size dst_size), always NUL-terminating; returns
 * false if src was truncated. */
bool veil_strlcpy(char *dst, const char *src, size_t dst_size);
/* strdup that reports failure as an error. */
VEIL_NODISCARD veil_error *veil_strdup(const char *s, char **out);
/* asprintf that reports failure as an error. */
VEIL_NODISCARD veil_error *veil_asprintf(char **out, const char *fmt, ...) VEIL_PRINTF(2, 3);
bool veil_str_starts_with(const char *s, const char *prefix);
bool veil_str_ends_with(const char *s, const char *suffix);
/* Constant-time comparison of two equal-length byte strings. */
bool veil_ct_equal(const void *a, const void *b, size_t n);
/* Parses a whole decimal string as an unsigned integer no greater than max. */
VEIL_NODISCARD veil_error *veil_parse_u64(const char *s, uint64_t max, const char *what,
                                          uint64_t *out);

/* Reads a whole file into memory (NUL-terminated), failing when it is larger
 * than max_bytes. */
VEIL_NODISCARD veil_error *veil_read_file(const char *path, size_t max_bytes, uint8_t **data,
                                          size_t *len);
/* Writes a file atomically (temporary file + rename) with the given mode. */
VEIL_NODISCARD veil_error *veil_write_file(const char *path, const void *data, size_t len,
                                           unsigned mode);

#endif
