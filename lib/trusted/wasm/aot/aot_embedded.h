/*
 * The runtime headers embedded in every generated C file (aot_abi.h,
 * ops_scalar.h, ops_simd.h, aot_prelude.h, in that order), generated at
 * build time by embed.cmake.
 */
#ifndef VEIL_WASM_AOT_EMBEDDED_H
#define VEIL_WASM_AOT_EMBEDDED_H

extern const char veil_aot_embedded_prelude[];

#endif
