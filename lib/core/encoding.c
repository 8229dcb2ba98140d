#include "veil/encoding.h"

#include <stdbool.h>

static const char hex_digits[] = "0123456789abcdef";

void veil_hex_encode(const uint8_t *data, size_t len, char *out) {
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex_digits[data[i] >> 4];
        out[2 * i + 1] = hex_digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

veil_error *veil_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_cap,
                            size_t *out_len) {
    if (hex_len % 2 != 0)
        return veil_error_new(VEIL_EMALFORMED, "hex string has an odd number of digits (%zu)",
                              hex_len);
    if (hex_len / 2 > out_cap)
        return veil_error_new(VEIL_EMALFORMED, "hex string is too long (%zu bytes, at most %zu)",
                              hex_len / 2, out_cap);
    for (size_t i = 0; i < hex_len; i += 2) {
        int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            size_t bad = hi < 0 ? i : i + 1;
            return veil_error_new(VEIL_EMALFORMED, "invalid hex digit '%c' at position %zu",
                                  hex[bad], bad);
        }
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    if (out_len != NULL)
        *out_len = hex_len / 2;
    return NULL;
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t veil_base64_encoded_len(size_t len) {
    return (len + 2) / 3 * 4;
}

void veil_base64_encode(const uint8_t *data, size_t len, char *out) {
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)data[i] << 16;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
}

static int b64_value(char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

veil_error *veil_base64_decode(const char *text, size_t text_len, uint8_t *out, size_t out_cap,
                               size_t *out_len) {
    if (text_len % 4 != 0)
        return veil_error_new(VEIL_EMALFORMED, "base64 text length %zu is not a multiple of 4",
                              text_len);
    size_t o = 0;
    for (size_t i = 0; i < text_len; i += 4) {
        bool last = i + 4 == text_len;
        int v[4];
        size_t pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = text[i + k];
            if (c == '=' && last && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad > 0 || (v[k] = b64_value(c)) < 0)
                return veil_error_new(VEIL_EMALFORMED, "invalid base64 character at position %zu",
                                      i + k);
        }
        uint32_t word =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        size_t n = 3 - pad;
        if ((pad == 1 && (word & 0xff) != 0) || (pad == 2 && (word & 0xffff) != 0))
            return veil_error_new(VEIL_EMALFORMED, "base64 text has non-zero padding bits");
        if (o + n > out_cap)
            return veil_error_new(VEIL_EMALFORMED, "base64 data longer than %zu bytes", out_cap);
        out[o++] = (uint8_t)(word >> 16);
        if (n > 1)
            out[o++] = (uint8_t)(word >> 8);
        if (n > 2)
            out[o++] = (uint8_t)word;
    }
    if (out_len != NULL)
        *out_len = o;
    return NULL;
}
