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

/* A C compiler in another process: the runtime's compile worker
 * (worker.c, docs/aot.md "In the runtime").  With one, veil_aot_obtain
 * still computes the key and translates here (trusted code), and the
 * remote side only compiles and caches; objects come back as read-only
 * descriptors.  Each callback returns NULL or an error naming what went
 * wrong; VEIL_EUNSUPPORTED means that no compiler is available. */
typedef struct veil_aot_remote {
    /* The compiler's identity and flags, as the cache key needs them
     * (veil_aot_toolchain); both owned by the caller afterwards. */
    veil_error *(*toolchain)(void *user, char **identity, char **opt_flags);
    /* The cached object for `key`: *fd a read-only descriptor of it, or
     * -1 when the cache does not have it. */
    veil_error *(*lookup)(void *user, const char *key, int *fd);
    /* Compiles `c_text` (a translated module, `name` for messages) into
     * the cache under `key`; *fd a read-only descriptor of the object. */
    veil_error *(*compile)(void *user, const char *key, const char *name, const char *c_text,
                           size_t c_len, int *fd);
    void *user;
} veil_aot_remote;

/* Where and how to compile.  NULL fields take the environment
 * (VEIL_AOT_CC, VEIL_AOT_CFLAGS, VEIL_AOT_CACHE_DIR) and then the defaults
 * (veil_aot_default_cc(), veil_aot_default_opt_flags(), ~/.cache/veil/aot).
 * With `remote`, the other fields are the remote side's business. */
typedef struct veil_aot_config {
    const char *cc;        /* compiler: a name on PATH or a path */
    const char *opt_flags; /* optimisation/target flags, space-separated */
    const char *cache_dir;
    const veil_aot_remote *remote; /* NULL: compile in this process */
} veil_aot_config;

/* A loaded compiled module. */
typedef struct veil_aot_library {
    void *handle;
    const veil_aot_module_info *info;
    uintptr_t code_start, code_end; /* its executable segment (for the fault handler) */
    int fd; /* the descriptor it was loaded through (kept open while loaded), or -1 */
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
/* mkdir -p, mode 0700 for what it creates (existing parts are left alone). */
VEIL_NODISCARD veil_error *veil_aot_make_dirs(const char *path);

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

/* ---- the pieces veil_aot_obtain and the compile worker share ---- */

/* The compiler and cache in effect for a (local) configuration: the
 * compiler found, the cache directory created, the compiler's identity. */
typedef struct veil_aot_toolchain {
    char *dir;       /* cache directory */
    char *cc_path;   /* the compiler */
    char *opt_flags; /* optimisation/target flags */
    char *identity;  /* resolved path, size, mtime, inode, `--version` line */
} veil_aot_toolchain;

VEIL_NODISCARD veil_error *veil_aot_toolchain_resolve(const veil_aot_config *config,
                                                      veil_aot_toolchain *out);
void veil_aot_toolchain_free(veil_aot_toolchain *tc);

/* The cache key (lowercase hex) of a module compiled by a toolchain of
 * that identity and those flags. */
VEIL_NODISCARD veil_error *veil_aot_cache_key(const uint8_t module_sha256[32],
                                              const veil_aot_options *options, const char *identity,
                                              const char *opt_flags,
                                              char key[VEIL_SHA256_HEX_LEN + 1]);
/* True when `key` is a cache key's form (64 lowercase hex digits), which
 * is also what makes it safe in a file name. */
bool veil_aot_key_valid(const char *key);

/* Opens the cached object of `key` read-only: *fd, or -1 when absent. */
VEIL_NODISCARD veil_error *veil_aot_cache_open(const veil_aot_toolchain *tc, const char *key,
                                               int *fd);
/* Compiles C text into the cache as the object of `key` (a temporary file
 * renamed into place); `name` is for messages. */
VEIL_NODISCARD veil_error *veil_aot_cache_build(const veil_aot_toolchain *tc, const char *key,
                                                const char *name, const char *c_text, size_t c_len);

#endif
