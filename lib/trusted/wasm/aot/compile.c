/*
 * AOT compilation and the cache of compiled modules.
 *
 * A compiled module is a shared object in the cache directory named by its
 * key: SHA-256 over the module's bytes, the translator version, the text of
 * the embedded runtime headers, the translator options, the compiler's
 * identity (its path and the first line of `--version`) and the compiler
 * flags.  So a cached object is reused only when everything that shaped it
 * is the same, and the second run of a program starts without compiling.
 *
 * Building: translate to C, write it to a unique temporary file in the
 * cache directory, run the compiler (posix_spawn, no shell) with its output
 * captured for the error message, and rename the object into place
 * (atomic: concurrent builders of the same key both succeed, one wins).
 * Loading: dlopen (RTLD_NOW | RTLD_LOCAL), then check the exported
 * veil_aot_module_info's ABI version, function count and key.
 *
 * The cache directory is trusted (it sits inside the runtime's environment
 * like the binary itself); it is created with mode 0700.
 */
#include "compile.h"

#include <dlfcn.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aot_embedded.h"
#include "runtime.h"
#include "veil/hash.h"
#include "veil/log.h"

extern char **environ;

/* Flags every build uses: they keep C from changing wasm semantics
 * (wrapping arithmetic, no type-based alias analysis, no contraction of
 * a*b+c into fused multiply-adds, no errno from math, no turning calls in
 * tail position into jumps, which would let endless recursion run forever
 * instead of exhausting the stack) and make a position-independent shared
 * object that exports only veil_aot_module_export. */
static const char *const base_flags[] = {
    "-std=gnu11",
    "-fPIC",
    "-shared",
    "-fwrapv",
    "-fno-strict-aliasing",
    "-ffp-contract=off",
    "-fno-math-errno",
    "-fno-optimize-sibling-calls",
    "-fvisibility=hidden",
    "-w",
};

const char *veil_aot_default_cc(void) {
    return "clang";
}

/* -O2 for the host's CPU level.  Measured on the bench kernels (AMD EPYC,
 * clang 14): -march=x86-64-v3 makes -msimd128 matmul 176 -> 112 ms and conv
 * 243 -> 228 ms (AVX encodings fold unaligned loads, 3-operand forms),
 * equal to -march=native; -O3 or -funroll-loops change nothing.
 * -march=x86-64-v4 (AVX-512, used here only through its VL encodings of
 * 128-bit operations, so no frequency penalty) doubles the vector
 * registers to 32: the detector's GEMM micro-kernel keeps 16 f32x4
 * accumulators plus operands live, which spilled to the stack with 16
 * registers; its inference went from 340 to 158 ms per frame.  A fixed
 * level rather than -march=native keeps the flags (and so the cache key)
 * the same on every machine of that level. */
const char *veil_aot_default_opt_flags(void) {
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
        bool fma = ecx & (1u << 12), movbe = ecx & (1u << 22), osxsave = ecx & (1u << 27),
             avx = ecx & (1u << 28), f16c = ecx & (1u << 29);
        unsigned b7 = 0, c7 = 0, d7 = 0, a7 = 0;
        bool avx2 = false, bmi1 = false, bmi2 = false, lzcnt = false, avx512 = false;
        if (__get_cpuid_count(7, 0, &a7, &b7, &c7, &d7)) {
            avx2 = b7 & (1u << 5);
            bmi1 = b7 & (1u << 3);
            bmi2 = b7 & (1u << 8);
            /* x86-64-v4: AVX512F, DQ, CD, BW, VL. */
            unsigned v4 = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
            avx512 = (b7 & v4) == v4;
        }
        unsigned a8, b8, c8 = 0, d8;
        if (__get_cpuid(0x80000001u, &a8, &b8, &c8, &d8))
            lzcnt = c8 & (1u << 5);
        /* The OS must save the AVX registers (XCR0 bits 1 and 2). */
        bool os_avx = false, os_avx512 = false;
        if (osxsave) {
            unsigned xcr0_lo, xcr0_hi;
            __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
            os_avx = (xcr0_lo & 6u) == 6u;
            /* ... and the AVX-512 state (opmask, upper ZMM0-15, ZMM16-31). */
            os_avx512 = (xcr0_lo & 0xe6u) == 0xe6u;
        }
        bool v3 = fma && movbe && avx && f16c && avx2 && bmi1 && bmi2 && lzcnt && os_avx;
        if (v3 && avx512 && os_avx512)
            return "-O2 -march=x86-64-v4";
        if (v3)
            return "-O2 -march=x86-64-v3";
    }
#endif
    return "-O2";
}

static uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Finds an executable on PATH (or checks a path containing '/'). */
static veil_error *find_program(const char *name, char **out) {
    if (strchr(name, '/') != NULL) {
        if (access(name, X_OK) != 0)
            return veil_error_new(VEIL_EUNSUPPORTED,
                                  "AOT needs a C compiler: '%s' is not an executable file", name);
        return veil_strdup(name, out);
    }
    const char *path = getenv("PATH");
    if (path == NULL || *path == '\0')
        path = "/usr/local/bin:/usr/bin:/bin";
    const char *p = path;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len > 0) {
            char *candidate;
            VEIL_TRY(veil_asprintf(&candidate, "%.*s/%s", (int)len, p, name));
            if (access(candidate, X_OK) == 0) {
                *out = candidate;
                return NULL;
            }
            free(candidate);
        }
        p += len;
        if (*p == ':')
            p++;
    }
    return veil_error_new(VEIL_EUNSUPPORTED,
                          "AOT needs a C compiler: '%s' was not found on PATH (install clang or "
                          "gcc, or name one with VEIL_AOT_CC or --aot-cc)",
                          name);
}

/* How long the compiler may run (VEIL_AOT_COMPILE_TIMEOUT_S, default 30
 * minutes: the 2.2 MB detector takes 1-2.5 minutes on a loaded 2-core
 * machine); a compiler that hangs is killed instead of blocking the run. */
static uint64_t compile_timeout_ms(void) {
    const char *text = getenv("VEIL_AOT_COMPILE_TIMEOUT_S");
    if (text != NULL && *text != '\0') {
        char *end;
        unsigned long long v = strtoull(text, &end, 10);
        if (*end == '\0' && v > 0 && v <= 86400)
            return v * 1000;
        VEIL_WARN("aot", "VEIL_AOT_COMPILE_TIMEOUT_S=%s is not 1..86400 seconds; using 1800", text);
    }
    return 1800 * 1000;
}

/* Runs argv with stdout and stderr into `log_path`; returns the exit status
 * (or -1 when killed by a signal), or VEIL_ETIMEOUT past the timeout. */
static veil_error *run_program(char *const argv[], const char *log_path, int *status) {
    posix_spawn_file_actions_t actions;
    if (posix_spawn_file_actions_init(&actions) != 0)
        return veil_error_new(VEIL_ENOMEM, "AOT: cannot set up the compiler process");
    int rc =
        posix_spawn_file_actions_addopen(&actions, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    if (rc == 0)
        rc = posix_spawn(&pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        /* Found but not startable (a sandbox without process creation,
         * missing permissions): no compiler is available here. */
        return veil_error_new(VEIL_EUNSUPPORTED, "AOT: cannot start the C compiler %s: %s", argv[0],
                              strerror(rc));
    uint64_t timeout_ms = compile_timeout_ms();
    uint64_t deadline_us = now_us() + timeout_ms * 1000;
    int wstatus;
    for (;;) {
        pid_t done = waitpid(pid, &wstatus, WNOHANG);
        if (done == pid)
            break;
        if (done < 0 && errno != EINTR)
            return veil_error_errno(errno, "AOT: waiting for the C compiler %s", argv[0]);
        if (now_us() >= deadline_us) {
            /* The compile worker's filter allows no signals to other
             * processes: there the compiler stays until the instance ends
             * (the host then kills the runtime's process group). */
            bool killed = kill(pid, SIGKILL) == 0;
            while (killed && waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
                ;
            return veil_error_new(VEIL_ETIMEOUT,
                                  "AOT: the C compiler %s ran longer than %llu s%s "
                                  "(VEIL_AOT_COMPILE_TIMEOUT_S)",
                                  argv[0], (unsigned long long)(timeout_ms / 1000),
                                  killed ? " and was killed" : "; abandoned");
        }
        /* Compiles take seconds: polling every 10 ms costs nothing. */
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    *status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    return NULL;
}

/* The compiler's identity: its resolved path, size, modification time and
 * inode, and the first line of `cc --version`.  Running the compiler costs
 * tens of milliseconds, too much for every start, so the version line is
 * remembered in the cache directory under a name derived from the file's
 * stamp (an upgraded compiler has a new stamp) and in the process. */
static pthread_mutex_t identity_lock = PTHREAD_MUTEX_INITIALIZER;
static char *identity_path;
static char *identity_text;

static veil_error *compiler_version_line(const char *cc_path, const char *dir, char **out) {
    char *log_path;
    VEIL_TRY(veil_asprintf(&log_path, "%s/.version.%ld.txt", dir, (long)getpid()));
    char *argv[] = {(char *)cc_path, "--version", NULL};
    int status;
    veil_error *err = run_program(argv, log_path, &status);
    uint8_t *text = NULL;
    size_t len = 0;
    if (err == NULL && status != 0)
        err = veil_error_new(VEIL_EUNSUPPORTED, "AOT: '%s --version' failed (status %d)", cc_path,
                             status);
    if (err == NULL)
        err = veil_read_file(log_path, 1 << 16, &text, &len);
    unlink(log_path);
    free(log_path);
    if (err == NULL && len == 0)
        err = veil_error_new(VEIL_EUNSUPPORTED, "AOT: '%s --version' printed nothing", cc_path);
    if (err != NULL) {
        free(text);
        return err;
    }
    char *nl = strchr((char *)text, '\n');
    if (nl != NULL)
        *nl = '\0';
    *out = (char *)text;
    return NULL;
}

static veil_error *compiler_identity(const char *cc_path, const char *dir, char **out) {
    pthread_mutex_lock(&identity_lock);
    if (identity_path != NULL && strcmp(identity_path, cc_path) == 0) {
        veil_error *err = veil_strdup(identity_text, out);
        pthread_mutex_unlock(&identity_lock);
        return err;
    }
    pthread_mutex_unlock(&identity_lock);

    char *real = realpath(cc_path, NULL);
    if (real == NULL)
        return veil_error_errno(errno, "AOT: cannot resolve the C compiler %s", cc_path);
    struct stat st;
    char *stamp = NULL, *memo_path = NULL, *version = NULL, *identity = NULL;
    veil_error *err = NULL;
    if (stat(real, &st) != 0)
        err = veil_error_errno(errno, "AOT: cannot stat the C compiler %s", real);
    if (err == NULL)
        err = veil_asprintf(&stamp, "%s|%lld|%lld.%09ld|%llu", real, (long long)st.st_size,
                            (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                            (unsigned long long)st.st_ino);
    if (err == NULL) {
        char hex[VEIL_SHA256_HEX_LEN + 1];
        veil_sha256_hex(stamp, strlen(stamp), hex);
        err = veil_asprintf(&memo_path, "%s/compiler-%.16s.txt", dir, hex);
    }
    if (err == NULL) {
        uint8_t *memo = NULL;
        size_t len = 0;
        veil_error *read_err = veil_read_file(memo_path, 4096, &memo, &len);
        if (read_err == NULL && len > 0 && memchr(memo, '\n', len) == NULL) {
            version = (char *)memo;
        } else {
            free(memo);
            err = compiler_version_line(cc_path, dir, &version);
            if (err == NULL) {
                veil_error *write_err = veil_write_file(memo_path, version, strlen(version), 0600);
                veil_error_free(write_err); /* only a lost optimisation */
            }
        }
        veil_error_free(read_err);
    }
    if (err == NULL)
        err = veil_asprintf(&identity, "%s|%s", stamp, version);
    free(real);
    free(stamp);
    free(memo_path);
    free(version);
    VEIL_TRY(err);

    pthread_mutex_lock(&identity_lock);
    char *path_copy = strdup(cc_path), *text_copy = strdup(identity);
    if (path_copy != NULL && text_copy != NULL) {
        free(identity_path);
        free(identity_text);
        identity_path = path_copy;
        identity_text = text_copy;
    } else {
        free(path_copy);
        free(text_copy);
    }
    pthread_mutex_unlock(&identity_lock);
    *out = identity;
    return NULL;
}

/* mkdir -p with mode 0700 for the parts it creates.  Parts that exist are
 * left alone without calling mkdir (a sandbox may refuse mkdir outright). */
static bool is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

veil_error *veil_aot_make_dirs(const char *path) {
    if (is_dir(path))
        return NULL;
    char *copy;
    VEIL_TRY(veil_strdup(path, &copy));
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (!is_dir(copy) && mkdir(copy, 0700) != 0 && errno != EEXIST) {
            veil_error *err = veil_error_errno(errno, "AOT cache: cannot create %s", copy);
            free(copy);
            return err;
        }
        *p = '/';
    }
    veil_error *err = NULL;
    if (mkdir(copy, 0700) != 0 && errno != EEXIST)
        err = veil_error_errno(errno, "AOT cache: cannot create %s", copy);
    free(copy);
    return err;
}

veil_error *veil_aot_cache_dir(const char *configured, char **out) {
    if (configured != NULL && *configured != '\0')
        return veil_strdup(configured, out);
    const char *env = getenv("VEIL_AOT_CACHE_DIR");
    if (env != NULL && *env != '\0')
        return veil_strdup(env, out);
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg != NULL && *xdg == '/')
        return veil_asprintf(out, "%s/veil/aot", xdg);
    const char *home = getenv("HOME");
    if (home != NULL && *home == '/')
        return veil_asprintf(out, "%s/.cache/veil/aot", home);
    return veil_error_new(VEIL_EINVAL, "AOT cache: no cache directory (set VEIL_AOT_CACHE_DIR "
                                       "or HOME)");
}

/* Splits a flag string on spaces into argv entries appended to `argv`. */
static veil_error *split_flags(const char *flags, char ***argv, size_t *argc, size_t *cap) {
    const char *p = flags;
    while (*p) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (*argc + 1 >= *cap) {
            size_t ncap = *cap * 2;
            char **n = realloc(*argv, ncap * sizeof *n);
            if (n == NULL)
                return veil_error_new(VEIL_ENOMEM, "AOT: out of memory");
            *argv = n;
            *cap = ncap;
        }
        char *flag = strndup(p, len);
        if (flag == NULL)
            return veil_error_new(VEIL_ENOMEM, "AOT: out of memory");
        (*argv)[(*argc)++] = flag;
        p += len;
    }
    return NULL;
}

static veil_error *compile_file(const char *cc_path, const char *opt_flags, const char *c_path,
                                const char *so_path, const char *log_path, const char *name) {
    size_t cap = 32, argc = 0;
    char **argv = calloc(cap, sizeof *argv);
    if (argv == NULL)
        return veil_error_new(VEIL_ENOMEM, "AOT: out of memory");
    veil_error *err = NULL;
    argv[argc++] = strdup(cc_path);
    err = split_flags(opt_flags, &argv, &argc, &cap);
    for (size_t i = 0; err == NULL && i < sizeof base_flags / sizeof base_flags[0]; i++)
        err = split_flags(base_flags[i], &argv, &argc, &cap);
    char extra[4096];
    if (err == NULL) {
        snprintf(extra, sizeof extra, "-o %s %s -lm", so_path, c_path);
        err = split_flags(extra, &argv, &argc, &cap);
    }
    for (size_t i = 0; err == NULL && i < argc; i++) {
        if (argv[i] == NULL)
            err = veil_error_new(VEIL_ENOMEM, "AOT: out of memory");
    }
    int status = 0;
    if (err == NULL)
        err = run_program(argv, log_path, &status);
    if (err == NULL && status != 0) {
        uint8_t *text = NULL;
        size_t len = 0;
        veil_error *read_err = veil_read_file(log_path, 1 << 20, &text, &len);
        veil_error_free(read_err);
        err = veil_error_new(VEIL_EINTERNAL, "AOT: compiling %s with %s failed (%s %d): %.2000s",
                             name, cc_path, status < 0 ? "killed, status" : "exit status", status,
                             text ? (char *)text : "(no output)");
        free(text);
    }
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    return err;
}

/* Loads an object (by path, or through `fd` when fd >= 0, which the
 * library then owns) and checks that it is the one `key` names. */
static veil_error *load_library(const char *path, int fd, const char *key, uint32_t func_count,
                                veil_aot_library **out) {
    char fd_path[48];
    if (fd >= 0) {
        /* The descriptor stays open while the library is loaded: the loader
         * matches objects by name first, so a reused descriptor number
         * must not name two loaded libraries. */
        snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", fd);
        path = fd_path;
    }
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        veil_error *err = veil_error_new(VEIL_EIO, "AOT: cannot load %s: %s", path, dlerror());
        if (fd >= 0)
            close(fd);
        return err;
    }
    const veil_aot_module_info *info = dlsym(handle, "veil_aot_module_export");
    veil_error *err = NULL;
    if (info == NULL)
        err = veil_error_new(VEIL_EMALFORMED, "AOT: %s has no veil_aot_module_export", path);
    else if (info->abi_version != VEIL_AOT_ABI_VERSION || info->func_count != func_count ||
             info->key == NULL || strcmp(info->key, key) != 0)
        err = veil_error_new(VEIL_EMALFORMED,
                             "AOT: %s was built for another module or runtime version", path);
    if (err == NULL) {
        veil_aot_library *lib = calloc(1, sizeof *lib);
        if (lib == NULL)
            err = veil_error_new(VEIL_ENOMEM, "AOT: out of memory");
        else {
            lib->handle = handle;
            lib->info = info;
            lib->fd = fd;
            err = veil_aot_register_code(lib);
            if (err == NULL) {
                *out = lib;
                return NULL;
            }
            free(lib);
        }
    }
    dlclose(handle);
    if (fd >= 0)
        close(fd);
    return err;
}

void veil_aot_library_free(veil_aot_library *lib) {
    if (lib == NULL)
        return;
    veil_aot_unregister_code(lib);
    dlclose(lib->handle);
    if (lib->fd >= 0)
        close(lib->fd);
    free(lib);
}

void veil_aot_toolchain_free(veil_aot_toolchain *tc) {
    free(tc->dir);
    free(tc->cc_path);
    free(tc->opt_flags);
    free(tc->identity);
    memset(tc, 0, sizeof *tc);
}

veil_error *veil_aot_toolchain_resolve(const veil_aot_config *config, veil_aot_toolchain *out) {
    memset(out, 0, sizeof *out);
    const char *cc = config && config->cc ? config->cc : getenv("VEIL_AOT_CC");
    if (cc == NULL || *cc == '\0')
        cc = veil_aot_default_cc();
    const char *opt_flags =
        config && config->opt_flags ? config->opt_flags : getenv("VEIL_AOT_CFLAGS");
    if (opt_flags == NULL || *opt_flags == '\0')
        opt_flags = veil_aot_default_opt_flags();
    veil_error *err = veil_strdup(opt_flags, &out->opt_flags);
    if (err == NULL)
        err = veil_aot_cache_dir(config ? config->cache_dir : NULL, &out->dir);
    if (err == NULL)
        err = veil_aot_make_dirs(out->dir);
    if (err == NULL)
        err = find_program(cc, &out->cc_path);
    if (err == NULL)
        err = compiler_identity(out->cc_path, out->dir, &out->identity);
    if (err != NULL)
        veil_aot_toolchain_free(out);
    return err;
}

veil_error *veil_aot_cache_key(const uint8_t module_sha256[32], const veil_aot_options *options,
                               const char *identity, const char *opt_flags,
                               char key[VEIL_SHA256_HEX_LEN + 1]) {
    veil_sha256_ctx *h = NULL;
    char opts[64];
    snprintf(opts, sizeof opts, "guard=%d metering=%d abi=%u", options->guard_pages,
             options->metering, VEIL_AOT_ABI_VERSION);
    const char *parts[] = {VEIL_AOT_TRANSLATOR_VERSION, veil_aot_embedded_prelude, opts, identity,
                           opt_flags};
    uint8_t digest[VEIL_SHA256_LEN];
    VEIL_TRY(veil_sha256_new(&h));
    veil_sha256_update(h, module_sha256, 32);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        uint8_t sep = 0;
        veil_sha256_update(h, parts[i], strlen(parts[i]));
        veil_sha256_update(h, &sep, 1);
    }
    for (size_t i = 0; i < sizeof base_flags / sizeof base_flags[0]; i++)
        veil_sha256_update(h, base_flags[i], strlen(base_flags[i]) + 1);
    veil_sha256_final(h, digest);
    veil_sha256_free(h);
    for (int i = 0; i < VEIL_SHA256_LEN; i++)
        snprintf(key + 2 * i, 3, "%02x", digest[i]);
    return NULL;
}

bool veil_aot_key_valid(const char *key) {
    size_t i = 0;
    for (; key[i] != '\0'; i++) {
        if (i == VEIL_SHA256_HEX_LEN ||
            !((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
            return false;
    }
    return i == VEIL_SHA256_HEX_LEN;
}

veil_error *veil_aot_cache_open(const veil_aot_toolchain *tc, const char *key, int *fd) {
    *fd = -1;
    VEIL_ENSURE(veil_aot_key_valid(key), VEIL_EINVAL, "AOT cache: '%.80s' is not a cache key", key);
    char *path;
    VEIL_TRY(veil_asprintf(&path, "%s/%s.so", tc->dir, key));
    veil_error *err = NULL;
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f >= 0)
        *fd = f;
    else if (errno != ENOENT)
        err = veil_error_errno(errno, "AOT cache: cannot open %s", path);
    free(path);
    return err;
}

veil_error *veil_aot_cache_build(const veil_aot_toolchain *tc, const char *key, const char *name,
                                 const char *c_text, size_t c_len) {
    VEIL_ENSURE(veil_aot_key_valid(key), VEIL_EINVAL, "AOT cache: '%.80s' is not a cache key", key);
    char *so_path = NULL, *c_path = NULL, *tmp_so = NULL, *log_path = NULL;
    unsigned long nonce = (unsigned long)now_us() ^ ((unsigned long)getpid() << 20);
    veil_error *err = veil_asprintf(&so_path, "%s/%s.so", tc->dir, key);
    if (err == NULL)
        err = veil_asprintf(&c_path, "%s/.%s.%ld.%lx.c", tc->dir, key, (long)getpid(), nonce);
    if (err == NULL)
        err = veil_asprintf(&tmp_so, "%s/.%s.%ld.%lx.so", tc->dir, key, (long)getpid(), nonce);
    if (err == NULL)
        err = veil_asprintf(&log_path, "%s/.%s.%ld.%lx.log", tc->dir, key, (long)getpid(), nonce);
    bool wrote = false;
    if (err == NULL) {
        err = veil_write_file(c_path, c_text, c_len, 0600);
        wrote = err == NULL;
    }
    if (err == NULL)
        err = compile_file(tc->cc_path, tc->opt_flags, c_path, tmp_so, log_path, name);
    if (err == NULL && rename(tmp_so, so_path) != 0)
        err = veil_error_errno(errno, "AOT cache: cannot store %s", so_path);
    if (wrote) {
        const char *keep = getenv("VEIL_AOT_KEEP_C");
        char *kept = NULL;
        if (keep != NULL && *keep == '1' && err == NULL &&
            veil_asprintf(&kept, "%s/%s.c", tc->dir, key) == NULL && rename(c_path, kept) == 0) {
            /* kept next to the object */
        } else {
            unlink(c_path);
        }
        free(kept);
    }
    if (tmp_so != NULL)
        unlink(tmp_so);
    if (log_path != NULL)
        unlink(log_path);
    free(so_path);
    free(c_path);
    free(tmp_so);
    free(log_path);
    return err;
}

/* In this process: the toolchain, the cache, the compiler. */
static veil_error *obtain_local(const veil_aot_input *input, const uint8_t module_sha256[32],
                                const veil_aot_options *options, const veil_aot_config *config,
                                veil_aot_library **out, veil_aot_build_stats *stats) {
    veil_aot_toolchain tc;
    VEIL_TRY(veil_aot_toolchain_resolve(config, &tc));
    char key[VEIL_SHA256_HEX_LEN + 1] = {0};
    char *so_path = NULL;
    veil_buf source;
    veil_buf_init(&source, 0);
    veil_error *err = veil_aot_cache_key(module_sha256, options, tc.identity, tc.opt_flags, key);
    if (err == NULL)
        err = veil_asprintf(&so_path, "%s/%s.so", tc.dir, key);
    memcpy(stats->key, key, sizeof key);

    /* Hit: load it. A stale or damaged file is rebuilt. */
    if (err == NULL && access(so_path, R_OK) == 0) {
        err = load_library(so_path, -1, key, input->func_count, out);
        if (err == NULL) {
            stats->cache_hit = true;
            goto done;
        }
        veil_log(VEIL_LOG_WARN, "aot", "rebuilding cached object: %s", veil_error_message(err));
        veil_error_free(err);
        err = NULL;
        unlink(so_path);
    }

    /* Miss: translate, compile into the cache, load. */
    if (err == NULL) {
        uint64_t t0 = now_us();
        err = veil_aot_translate(input, options, key, &source);
        stats->translate_us = now_us() - t0;
        stats->c_bytes = source.len;
    }
    if (err == NULL) {
        uint64_t t0 = now_us();
        err = veil_aot_cache_build(&tc, key, input->name ? input->name : "module",
                                   (const char *)source.data, source.len);
        stats->compile_us = now_us() - t0;
    }
    if (err == NULL)
        err = load_library(so_path, -1, key, input->func_count, out);
done:
    veil_buf_free(&source);
    free(so_path);
    veil_aot_toolchain_free(&tc);
    return err;
}

/* Through a remote compiler: the key and the translation here, compiling
 * and caching there, the object back as a descriptor. */
static veil_error *obtain_remote(const veil_aot_input *input, const uint8_t module_sha256[32],
                                 const veil_aot_options *options, const veil_aot_remote *remote,
                                 veil_aot_library **out, veil_aot_build_stats *stats) {
    char *identity = NULL, *opt_flags = NULL;
    VEIL_TRY(remote->toolchain(remote->user, &identity, &opt_flags));
    char key[VEIL_SHA256_HEX_LEN + 1];
    veil_error *key_err = veil_aot_cache_key(module_sha256, options, identity, opt_flags, key);
    free(identity);
    free(opt_flags);
    VEIL_TRY(key_err);
    memcpy(stats->key, key, sizeof key);

    int fd = -1;
    VEIL_TRY(remote->lookup(remote->user, key, &fd));
    if (fd >= 0) {
        veil_error *err = load_library(NULL, fd, key, input->func_count, out);
        if (err == NULL) {
            stats->cache_hit = true;
            return NULL;
        }
        veil_log(VEIL_LOG_WARN, "aot", "rebuilding cached object: %s", veil_error_message(err));
        veil_error_free(err);
    }
    veil_buf source;
    veil_buf_init(&source, 0);
    uint64_t t0 = now_us();
    veil_error *err = veil_aot_translate(input, options, key, &source);
    stats->translate_us = now_us() - t0;
    stats->c_bytes = source.len;
    if (err == NULL) {
        t0 = now_us();
        err = remote->compile(remote->user, key, input->name ? input->name : "module",
                              (const char *)source.data, source.len, &fd);
        stats->compile_us = now_us() - t0;
    }
    veil_buf_free(&source);
    if (err == NULL)
        err = load_library(NULL, fd, key, input->func_count, out);
    return err;
}

veil_error *veil_aot_obtain(const veil_aot_input *input, const uint8_t module_sha256[32],
                            const veil_aot_options *options, const veil_aot_config *config,
                            veil_aot_library **out, veil_aot_build_stats *stats) {
    veil_aot_build_stats local_stats;
    if (stats == NULL)
        stats = &local_stats;
    memset(stats, 0, sizeof *stats);
    uint64_t start = now_us();
    veil_error *err = config != NULL && config->remote != NULL
                          ? obtain_remote(input, module_sha256, options, config->remote, out, stats)
                          : obtain_local(input, module_sha256, options, config, out, stats);
    stats->total_us = now_us() - start;
    return err;
}
