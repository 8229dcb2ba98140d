/* Hex and base64 (RFC 4648, standard alphabet, padded) with strict decoding. */
#ifndef VEIL_ENCODING_H
#define VEIL_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include "veil/error.h"

/* Writes 2*len lowercase hex digits and a NUL to out (size >= 2*len+1). */
void veil_hex_encode(const uint8_t *data, size_t len, char *out);
/* Decodes exactly hex_len hex digits (either case) into out (capacity
 * out_cap); hex_len must be even and hex_len/2 <= out_cap. */
VEIL_NODISCARD veil_error *veil_hex_decode(const char *hex, size_t hex_len, uint8_t *out,
                                           size_t out_cap, size_t *out_len);

/* Length of the base64 encoding of len bytes, without the NUL. */
size_t veil_base64_encoded_len(size_t len);
/* Writes the encoding and a NUL to out (size >= encoded_len+1). */
void veil_base64_encode(const uint8_t *data, size_t len, char *out);
/* Strict decoding: standard alphabet, correct padding, no whitespace, no
 * non-zero trailing bits.  out needs text_len/4*3 bytes. */
VEIL_NODISCARD veil_error *veil_base64_decode(const char *text, size_t text_len, uint8_t *out,
                                              size_t out_cap, size_t *out_len);

#endif
