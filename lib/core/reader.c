#include "veil/reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void veil_reader_init(veil_reader *r, const void *data, size_t len, const char *what) {
    r->data = data;
    r->len = data == NULL ? 0 : len;
    r->pos = 0;
    r->base = 0;
    r->what = what != NULL ? what : "input";
}

veil_error *veil_reader_error(const veil_reader *r, veil_code code, const char *fmt, ...) {
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    return veil_error_new(code, "%s at offset %zu: %s", r->what, veil_reader_offset(r), message);
}

static veil_error *need(const veil_reader *r, size_t n, const char *item) {
    if (veil_reader_remaining(r) >= n)
        return NULL;
    return veil_reader_error(r, VEIL_EMALFORMED,
                             "unexpected end of data reading %s (need %zu bytes, %zu left)", item,
                             n, veil_reader_remaining(r));
}

veil_error *veil_reader_u8(veil_reader *r, uint8_t *out) {
    VEIL_TRY(need(r, 1, "u8"));
    *out = r->data[r->pos++];
    return NULL;
}

veil_error *veil_reader_peek_u8(const veil_reader *r, uint8_t *out) {
    VEIL_TRY(need(r, 1, "u8"));
    *out = r->data[r->pos];
    return NULL;
}

static veil_error *read_uint(veil_reader *r, size_t n, bool big_endian, uint64_t *out,
                             const char *item) {
    VEIL_TRY(need(r, n, item));
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        size_t index = big_endian ? i : n - 1 - i;
        v = (v << 8) | r->data[r->pos + index];
    }
    r->pos += n;
    *out = v;
    return NULL;
}

veil_error *veil_reader_u16le(veil_reader *r, uint16_t *out) {
    uint64_t v = 0;
    VEIL_TRY(read_uint(r, 2, false, &v, "u16"));
    *out = (uint16_t)v;
    return NULL;
}

veil_error *veil_reader_u32le(veil_reader *r, uint32_t *out) {
    uint64_t v = 0;
    VEIL_TRY(read_uint(r, 4, false, &v, "u32"));
    *out = (uint32_t)v;
    return NULL;
}

veil_error *veil_reader_u64le(veil_reader *r, uint64_t *out) {
    return read_uint(r, 8, false, out, "u64");
}

veil_error *veil_reader_u16be(veil_reader *r, uint16_t *out) {
    uint64_t v = 0;
    VEIL_TRY(read_uint(r, 2, true, &v, "u16"));
    *out = (uint16_t)v;
    return NULL;
}

veil_error *veil_reader_u32be(veil_reader *r, uint32_t *out) {
    uint64_t v = 0;
    VEIL_TRY(read_uint(r, 4, true, &v, "u32"));
    *out = (uint32_t)v;
    return NULL;
}

veil_error *veil_reader_u64be(veil_reader *r, uint64_t *out) {
    return read_uint(r, 8, true, out, "u64");
}

/* Reads an LEB128 value of at most `bits` significant bits. */
static veil_error *read_leb(veil_reader *r, unsigned bits, bool is_signed, uint64_t *out) {
    const unsigned max_bytes = (bits + 6) / 7;
    uint64_t result = 0;
    unsigned shift = 0;
    size_t start = r->pos;
    for (unsigned i = 0;; i++) {
        if (r->pos >= r->len) {
            r->pos = start;
            return veil_reader_error(r, VEIL_EMALFORMED, "unexpected end of data in LEB128 value");
        }
        uint8_t byte = r->data[r->pos++];
        if (i == max_bytes - 1) {
            /* Last permitted byte: continuation is too long; unused bits
             * must be zero or (signed) copies of the sign bit. */
            if (byte & 0x80) {
                r->pos = start;
                return veil_reader_error(r, VEIL_EMALFORMED, "integer representation too long");
            }
            unsigned used = bits - shift; /* bits that still carry value */
            uint8_t unused_mask = (uint8_t)(0x7f & ~((1u << used) - 1));
            uint8_t unused = byte & unused_mask;
            if (is_signed) {
                bool negative = (byte >> (used - 1)) & 1;
                if (unused != (negative ? unused_mask : 0)) {
                    r->pos = start;
                    return veil_reader_error(r, VEIL_EMALFORMED, "integer too large");
                }
            } else if (unused != 0) {
                r->pos = start;
                return veil_reader_error(r, VEIL_EMALFORMED, "integer too large");
            }
        }
        result |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
        if (!(byte & 0x80)) {
            if (is_signed && shift < 64 && (byte & 0x40))
                result |= ~(uint64_t)0 << shift;
            break;
        }
    }
    *out = result;
    return NULL;
}

veil_error *veil_reader_uleb32(veil_reader *r, uint32_t *out) {
    uint64_t v = 0;
    VEIL_TRY(read_leb(r, 32, false, &v));
    *out = (uint32_t)v;
    return NULL;
}

veil_error *veil_reader_uleb64(veil_reader *r, uint64_t *out) {
    return read_leb(r, 64, false, out);
}

veil_error *veil_reader_sleb32(veil_reader *r, int32_t *out) {
    uint64_t v = 0;
    VEIL_TRY(read_leb(r, 32, true, &v));
    *out = (int32_t)(uint32_t)v;
    return NULL;
}

veil_error *veil_reader_sleb33(veil_reader *r, int64_t *out) {
    uint64_t v = 0;
    VEIL_TRY(read_leb(r, 33, true, &v));
    *out = (int64_t)v;
    return NULL;
}

veil_error *veil_reader_sleb64(veil_reader *r, int64_t *out) {
    uint64_t v = 0;
    VEIL_TRY(read_leb(r, 64, true, &v));
    *out = (int64_t)v;
    return NULL;
}

veil_error *veil_reader_bytes(veil_reader *r, size_t n, const uint8_t **out) {
    VEIL_TRY(need(r, n, "bytes"));
    *out = r->data + r->pos;
    r->pos += n;
    return NULL;
}

veil_error *veil_reader_copy(veil_reader *r, void *dst, size_t n) {
    VEIL_TRY(need(r, n, "bytes"));
    if (n > 0)
        memcpy(dst, r->data + r->pos, n);
    r->pos += n;
    return NULL;
}

veil_error *veil_reader_skip(veil_reader *r, size_t n) {
    VEIL_TRY(need(r, n, "bytes"));
    r->pos += n;
    return NULL;
}

veil_error *veil_reader_string(veil_reader *r, size_t n, char **out) {
    VEIL_TRY(need(r, n, "string"));
    if (n > 0 && memchr(r->data + r->pos, 0, n) != NULL)
        return veil_reader_error(r, VEIL_EMALFORMED, "string contains a NUL byte");
    char *s = malloc(n + 1);
    if (s == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory reading %zu-byte string", n);
    if (n > 0)
        memcpy(s, r->data + r->pos, n);
    s[n] = '\0';
    r->pos += n;
    *out = s;
    return NULL;
}

veil_error *veil_reader_sub(veil_reader *r, size_t n, const char *what, veil_reader *sub) {
    VEIL_TRY(need(r, n, what != NULL ? what : "sub-range"));
    sub->data = r->data + r->pos;
    sub->len = n;
    sub->pos = 0;
    sub->base = r->base + r->pos;
    sub->what = what != NULL ? what : r->what;
    r->pos += n;
    return NULL;
}

bool veil_utf8_valid(const uint8_t *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) {
            n = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i < n)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
            return false;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n;
    }
    return true;
}
