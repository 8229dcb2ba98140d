/*
 * Veil's minimal mbedtls 2.28 configuration for the wasm32-wasi build:
 * exactly what lib/clip needs (AES-GCM and AES-CTR, HKDF and HMAC over
 * SHA-256) and nothing else, so the detector carries no unused crypto.
 * No assembly, no platform entropy, no file system, no threads.
 */
#ifndef VEIL_MBEDTLS_CONFIG_H
#define VEIL_MBEDTLS_CONFIG_H

#define MBEDTLS_AES_C
#define MBEDTLS_CIPHER_MODE_CTR
#define MBEDTLS_CIPHER_C
#define MBEDTLS_GCM_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_HKDF_C

#include "mbedtls/check_config.h"

#endif
