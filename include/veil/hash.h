/* SHA-256 (OpenSSL), one-shot, incremental and over files. */
#ifndef VEIL_HASH_H
#define VEIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"

#define VEIL_SHA256_LEN 32
#define VEIL_SHA256_HEX_LEN 64

typedef struct veil_sha256_ctx veil_sha256_ctx;

void veil_sha256(const void *data, size_t len, uint8_t out[VEIL_SHA256_LEN]);
/* Writes the lowercase hex digest and a NUL (65 bytes). */
void veil_sha256_hex(const void *data, size_t len, char out[VEIL_SHA256_HEX_LEN + 1]);
VEIL_NODISCARD veil_error *veil_sha256_file(const char *path, uint8_t out[VEIL_SHA256_LEN]);

VEIL_NODISCARD veil_error *veil_sha256_new(veil_sha256_ctx **out);
void veil_sha256_update(veil_sha256_ctx *ctx, const void *data, size_t len);
void veil_sha256_final(veil_sha256_ctx *ctx, uint8_t out[VEIL_SHA256_LEN]);
void veil_sha256_free(veil_sha256_ctx *ctx);

/* Parses a 64-digit hex SHA-256 (either case). */
VEIL_NODISCARD veil_error *veil_sha256_parse_hex(const char *hex, uint8_t out[VEIL_SHA256_LEN]);

#endif
