#include "veil/hash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "veil/encoding.h"

struct veil_sha256_ctx {
    EVP_MD_CTX *md;
};

void veil_sha256(const void *data, size_t len, uint8_t out[VEIL_SHA256_LEN]) {
    unsigned int n = VEIL_SHA256_LEN;
    /* EVP_Digest only fails on allocation failure; abort rather than hand
     * back an unset digest that a caller might compare. */
    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1)
        abort();
}

void veil_sha256_hex(const void *data, size_t len, char out[VEIL_SHA256_HEX_LEN + 1]) {
    uint8_t digest[VEIL_SHA256_LEN];
    veil_sha256(data, len, digest);
    veil_hex_encode(digest, sizeof(digest), out);
}

veil_error *veil_sha256_new(veil_sha256_ctx **out) {
    veil_sha256_ctx *ctx = malloc(sizeof(*ctx));
    if (ctx == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory creating a SHA-256 context");
    ctx->md = EVP_MD_CTX_new();
    if (ctx->md == NULL || EVP_DigestInit_ex(ctx->md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx->md);
        free(ctx);
        return veil_error_new(VEIL_ECRYPTO, "cannot initialise SHA-256");
    }
    *out = ctx;
    return NULL;
}

void veil_sha256_update(veil_sha256_ctx *ctx, const void *data, size_t len) {
    if (EVP_DigestUpdate(ctx->md, data, len) != 1)
        abort();
}

void veil_sha256_final(veil_sha256_ctx *ctx, uint8_t out[VEIL_SHA256_LEN]) {
    unsigned int n = VEIL_SHA256_LEN;
    if (EVP_DigestFinal_ex(ctx->md, out, &n) != 1)
        abort();
}

void veil_sha256_free(veil_sha256_ctx *ctx) {
    if (ctx == NULL)
        return;
    EVP_MD_CTX_free(ctx->md);
    free(ctx);
}

veil_error *veil_sha256_file(const char *path, uint8_t out[VEIL_SHA256_LEN]) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return veil_error_errno(errno, "cannot open %s", path);
    veil_sha256_ctx *ctx;
    veil_error *err = veil_sha256_new(&ctx);
    if (err != NULL) {
        fclose(f);
        return err;
    }
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        veil_sha256_update(ctx, chunk, n);
    if (ferror(f))
        err = veil_error_errno(errno, "cannot read %s", path);
    else
        veil_sha256_final(ctx, out);
    veil_sha256_free(ctx);
    fclose(f);
    return err;
}

veil_error *veil_sha256_parse_hex(const char *hex, uint8_t out[VEIL_SHA256_LEN]) {
    size_t n = strlen(hex);
    if (n != VEIL_SHA256_HEX_LEN)
        return veil_error_new(VEIL_EMALFORMED,
                              "a SHA-256 hash is 64 hex digits, got %zu characters", n);
    return veil_error_wrap(veil_hex_decode(hex, n, out, VEIL_SHA256_LEN, NULL), "SHA-256 hash");
}
