/*
 * Compiling translated modules and caching the shared objects (compile.c).
 */
#ifndef VEIL_WASM_AOT_COMPILE_H
#define VEIL_WASM_AOT_COMPILE_H

#include <stdbool.h>
#include <stdint.h>

#include "aot.h"
#include "aot_abi.h"
#include "veil/hash.h"

/* Where and how to compile.  NULL fields take the environment
 * (VEIL_AOT_CC, VEIL_AOT_CFLAGS, VEIL_AOT_CACHE_DIR) and then the defaults
 * (veil_aot_default_cc(), veil_aot_default_opt_flags(), ~/.cache/veil/aot). */
typedef struct veil_aot_config {
    const char *cc;        /* compiler: a name on PATH or a path */
    const char *opt_flags; /* optimisation/target flags, space-separated */
    const char *cache_dir;
} veil_aot_config;

/* A loaded compiled module. */
typedef struct veil_aot_library {
    void *handle;
    const veil_aot_module_info *info;
    uintptr_t code_start, code_end; /* its executable segment (for the fault handler) */
} veil_aot_library;

/* What obtaining a module cost (for logs and the bench). */
typedef struct veil_aot_build_stats {
    bool cache_hit;
    uint64_t translate_us, compile_us, total_us;
    size_t c_bytes;
    char key[VEIL_SHA256_HEX_LEN + 1];
} veil_aot_build_stats;

const char *veil_aot_default_cc(void);
const char *veil_aot_default_opt_flags(void);

/* The cache directory in effect for a configured value (may be NULL). */
VEIL_NODISCARD veil_error *veil_aot_cache_dir(const char *configured, char **out);

/* Loads the compiled form of a module from the cache, building it first on
 * a miss.  module_sha256 is the hash of the module's bytes.  A missing
 * compiler is VEIL_EUNSUPPORTED; a failed compilation is VEIL_EINTERNAL
 * with the compiler's output in the message. */
VEIL_NODISCARD veil_error *veil_aot_obtain(const veil_aot_input *input,
                                           const uint8_t module_sha256[32],
                                           const veil_aot_options *options,
                                           const veil_aot_config *config, veil_aot_library **out,
                                           veil_aot_build_stats *stats);
void veil_aot_library_free(veil_aot_library *lib);

#endif
