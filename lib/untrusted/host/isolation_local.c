/*
 * The local isolation backend: the runtime as a separate process on this
 * machine, as isolated as the machine allows.
 *
 * The host opens the runtime binary, hashes it (the measurement), and
 * executes that same open file (fexecve) in a child that first:
 *   1. moves to its own process group and dies with the host (PDEATHSIG);
 *   2. enters new user, network and IPC namespaces (no network interface
 *      but loopback-less emptiness), or a network namespace alone when
 *      running as root without user namespaces;
 *   3. sets rlimits: no core dumps, a descriptor cap, and the address-space
 *      limit when one is configured;
 *   4. keeps only stdin (/dev/null), stdout, stderr and the channel (fd 3),
 *      a socket to the host: the runtime's only way out;
 *   5. sets no_new_privs;
 *   6. when asked (config->aot_worker), forks the AOT compile worker: the
 *      same measured file executed with --aot-worker-serve, so it shares
 *      the namespaces, rlimits and no_new_privs above; it keeps only a
 *      socket to the runtime (its fd 3; the runtime's end is fd 6, passed
 *      as --aot-worker-fd 6), dies with the runtime (PDEATHSIG) and runs
 *      under the worker's own seccomp allowlist (process creation and file
 *      writes for the C compiler, no sockets);
 *   7. installs the runtime's seccomp allowlist (sandbox_seccomp.c).
 * Each step reports what it did or why this machine does not allow it over
 * a close-on-exec pipe; end of file on that pipe means the exec happened.
 * A step that is unavailable is reported, not fatal: the seccomp filter
 * alone already keeps the runtime off the network.
 *
 * Evidence is the SOFTWARE format (veil/pas.h) signed by the enrolled
 * device key the host holds: no confidentiality against this machine's
 * operator.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolation.h"
#include "veil/encoding.h"
#include "veil/hash.h"
#include "veil/log.h"
#include "veil/pas.h"

enum {
    CHILD_CHANNEL_FD = 3,
    CHILD_REPORT_FD = 4,
    CHILD_BINARY_FD = 5,
    CHILD_WORKER_FD = 6,   /* the runtime's end of the compile worker's socket */
    WORKER_RUNTIME_FD = 3, /* the worker's end */
    RUNTIME_MAX_FDS = 4096,
};

typedef struct local_data {
    char device_name[VEIL_PAS_DEVICE_NAME_MAX + 1];
    EVP_PKEY *device_key;
} local_data;

veil_error *veil_host_measure(const char *path, uint8_t out[32]) {
    return veil_sha256_file(path, out);
}

static veil_error *hash_fd(int fd, const char *path, uint8_t out[32]) {
    veil_sha256_ctx *ctx;
    VEIL_TRY(veil_sha256_new(&ctx));
    uint8_t buf[65536];
    off_t off = 0;
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof(buf), off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            veil_sha256_free(ctx);
            return veil_error_errno(e, "reading %s", path);
        }
        if (n == 0)
            break;
        veil_sha256_update(ctx, buf, (size_t)n);
        off += n;
    }
    veil_sha256_final(ctx, out);
    veil_sha256_free(ctx);
    return NULL;
}

/* ---- in the child (single-threaded, between fork and exec) ---- */

static void child_say(const char *fmt, ...) VEIL_PRINTF(1, 2);
static void child_say(const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    ssize_t w = write(CHILD_REPORT_FD, line, (size_t)n);
    (void)w;
}

static bool write_proc(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    close(fd);
    return ok;
}

static void child_namespaces(void) {
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC) == 0) {
        char map[64];
        bool mapped = write_proc("/proc/self/setgroups", "deny");
        snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
        mapped = mapped && write_proc("/proc/self/uid_map", map);
        snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
        mapped = mapped && write_proc("/proc/self/gid_map", map);
        child_say("namespaces: new user, network and IPC namespaces (no network interfaces)%s",
                  mapped ? "" : "; identity mapping not written, running as the overflow user");
        return;
    }
    int user_errno = errno;
    if (unshare(CLONE_NEWNET | CLONE_NEWIPC) == 0) {
        child_say("namespaces: new network and IPC namespaces (no network interfaces); user "
                  "namespace unavailable (%s)",
                  strerror(user_errno));
        return;
    }
    child_say("namespaces: unavailable on this machine (user: %s; network: %s); the seccomp "
              "filter still denies every network call",
              strerror(user_errno), strerror(errno));
}

static void child_limits(uint64_t memory_limit_mib) {
    struct rlimit none = {0, 0};
    struct rlimit fds = {RUNTIME_MAX_FDS, RUNTIME_MAX_FDS};
    bool core = setrlimit(RLIMIT_CORE, &none) == 0;
    bool nofile = setrlimit(RLIMIT_NOFILE, &fds) == 0;
    char mem[96] = "no address-space limit configured";
    if (memory_limit_mib > 0) {
        struct rlimit as = {(rlim_t)memory_limit_mib << 20, (rlim_t)memory_limit_mib << 20};
        if (setrlimit(RLIMIT_AS, &as) == 0)
            snprintf(mem, sizeof(mem), "address space %llu MiB",
                     (unsigned long long)memory_limit_mib);
        else
            snprintf(mem, sizeof(mem), "address-space limit refused (%s)", strerror(errno));
    }
    child_say("rlimits: core dumps %s, descriptors %s, %s", core ? "off" : "unchanged (refused)",
              nofile ? "capped at 4096" : "unchanged (refused)", mem);
}

static const char *const passed_env[] = {"VEIL_LOG", "ASAN_OPTIONS", "UBSAN_OPTIONS",
                                         "LSAN_OPTIONS", NULL};
/* The compile worker also gets what finds the compiler, its flags, the
 * cache directory and the compiler's temporary files (docs/aot.md). */
static const char *const worker_extra_env[] = {"PATH",
                                               "HOME",
                                               "TMPDIR",
                                               "XDG_CACHE_HOME",
                                               "VEIL_AOT_CC",
                                               "VEIL_AOT_CFLAGS",
                                               "VEIL_AOT_CACHE_DIR",
                                               "VEIL_AOT_KEEP_C",
                                               NULL};

/* Appends NAME=value entries for the names set here to the NULL-terminated
 * envp (at most max-1 entries in all). */
static void build_env(const char *const *names, char **envp, size_t max) {
    size_t e = 0;
    while (e < max && envp[e] != NULL)
        e++;
    for (size_t i = 0; names[i] != NULL && e + 1 < max; i++) {
        const char *v = getenv(names[i]);
        if (v != NULL && asprintf(&envp[e], "%s=%s", names[i], v) > 0)
            e++;
    }
}

/* In the child, after the namespaces and limits: forks the compile worker.
 * Returns false when there is none (reported). */
static bool child_start_worker(const veil_isolation_config *config) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        child_say("compile worker: not started (socketpair: %s)", strerror(errno));
        return false;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        child_say("compile worker: not started (fork: %s)", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return false;
    }
    if (pid == 0) {
        /* The worker: dies with the runtime, keeps only its socket (as fd
         * 3, in place of the host channel), stdio and, close-on-exec, the
         * report pipe and the binary. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(0);
        if (dup2(sv[1], WORKER_RUNTIME_FD) != WORKER_RUNTIME_FD) { /* sv[1] > 5: not onto itself */
            child_say("compile worker: cannot arrange descriptors: %s", strerror(errno));
            _exit(126);
        }
        closefrom(CHILD_WORKER_FD);
        char msg[256];
        veil_sandbox_seccomp_install_worker(msg, sizeof(msg));
        child_say("compile worker: process %d, %s", (int)getpid(), msg);
        char *envp[16] = {0};
        build_env(passed_env, envp, sizeof(envp) / sizeof(envp[0]));
        build_env(worker_extra_env, envp, sizeof(envp) / sizeof(envp[0]));
        char *argv[] = {(char *)config->runtime_path, "--aot-worker-serve", "3", NULL};
        fexecve(CHILD_BINARY_FD, argv, envp);
        child_say("compile worker: cannot execute %s: %s", config->runtime_path, strerror(errno));
        _exit(127);
    }
    close(sv[1]);
    /* To its fixed number without close-on-exec (dup2 onto itself would
     * keep the flag, so that case only clears it). */
    bool placed = sv[0] == CHILD_WORKER_FD ? fcntl(sv[0], F_SETFD, 0) == 0
                                           : dup2(sv[0], CHILD_WORKER_FD) == CHILD_WORKER_FD;
    if (!placed) {
        child_say("compile worker: cannot arrange descriptors: %s", strerror(errno));
        close(sv[0]);
        return false;
    }
    if (sv[0] != CHILD_WORKER_FD)
        close(sv[0]);
    return true;
}

static void child_main(const veil_isolation_config *config, int channel, int report, int binary) {
    /* Descriptors to their fixed numbers, everything else closed.  First
     * out of the way, so no dup2 below overwrites a source. */
    report = fcntl(report, F_DUPFD_CLOEXEC, 16);
    channel = fcntl(channel, F_DUPFD_CLOEXEC, 16);
    binary = fcntl(binary, F_DUPFD_CLOEXEC, 16);
    if (report < 0 || channel < 0 || binary < 0)
        _exit(126);
    if (dup2(report, CHILD_REPORT_FD) < 0 || fcntl(CHILD_REPORT_FD, F_SETFD, FD_CLOEXEC) < 0)
        _exit(126);
    if (dup2(channel, CHILD_CHANNEL_FD) < 0 || dup2(binary, CHILD_BINARY_FD) < 0 ||
        fcntl(CHILD_BINARY_FD, F_SETFD, FD_CLOEXEC) < 0) {
        child_say("exec: cannot arrange descriptors: %s", strerror(errno));
        _exit(126);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        dup2(devnull, 0);
        if (devnull > CHILD_BINARY_FD)
            close(devnull);
    }
    closefrom(CHILD_BINARY_FD + 1);
    /* CHILD_CHANNEL_FD must survive exec. */
    fcntl(CHILD_CHANNEL_FD, F_SETFD, 0);

    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    child_say("process: separate process %d in its own process group, killed if the host dies",
              (int)getpid());
    child_namespaces();
    child_limits(config->memory_limit_mib);
    child_say("descriptors: stdin /dev/null, stdout, stderr and the host channel only%s",
              config->aot_worker ? " (and the compile worker's socket)" : "");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
        child_say("no_new_privs: set");
    else
        child_say("no_new_privs: unavailable (%s)", strerror(errno));
    bool worker = config->aot_worker && child_start_worker(config);
    if (!config->aot_worker)
        child_say("compile worker: none (JIT falls back to the interpreter)");
    char msg[256];
    veil_sandbox_seccomp_install(msg, sizeof(msg));
    child_say("%s", msg);

    size_t extra = 0;
    while (config->runtime_args != NULL && config->runtime_args[extra] != NULL)
        extra++;
    char **argv = calloc(extra + 6, sizeof(*argv));
    char *envp[8] = {0};
    build_env(passed_env, envp, sizeof(envp) / sizeof(envp[0]));
    if (argv == NULL) {
        child_say("exec: out of memory");
        _exit(126);
    }
    size_t a = 0;
    argv[a++] = (char *)config->runtime_path;
    argv[a++] = "--channel-fd";
    argv[a++] = "3";
    if (worker) {
        argv[a++] = "--aot-worker-fd";
        argv[a++] = "6";
    }
    for (size_t i = 0; i < extra; i++)
        argv[a++] = (char *)config->runtime_args[i];
    fexecve(CHILD_BINARY_FD, argv, envp);
    child_say("exec: cannot execute %s: %s", config->runtime_path, strerror(errno));
    _exit(127);
}

/* ---- in the host ---- */

static veil_error *local_evidence(veil_isolation *iso, const uint8_t *nonce, size_t nonce_len,
                                  const uint8_t *csr_der, size_t csr_len, const char **format,
                                  uint8_t **evidence, size_t *evidence_len) {
    local_data *d = iso->backend;
    uint8_t csr_hash[VEIL_SHA256_LEN];
    veil_sha256(csr_der, csr_len, csr_hash);
    *format = "software";
    return veil_pas_software_evidence_build(d->device_name, d->device_key, nonce, nonce_len,
                                            iso->measurement.value, csr_hash, evidence,
                                            evidence_len);
}

static void local_release(veil_isolation *iso) {
    local_data *d = iso->backend;
    if (d != NULL)
        EVP_PKEY_free(d->device_key);
    free(d);
}

static const veil_isolation_ops local_ops = {
    .evidence = local_evidence,
    .release = local_release,
};

/* Reads the child's report until end of file (the exec) and records it.
 * Returns false when the child said the exec failed. */
static bool collect_report(veil_isolation *iso, int fd, char *failure, size_t failure_size) {
    char buf[4096];
    size_t have = 0;
    bool ok = true;
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';
        char *nl;
        while ((nl = strchr(buf, '\n')) != NULL) {
            *nl = '\0';
            if (strncmp(buf, "exec: ", 6) == 0) {
                ok = false;
                snprintf(failure, failure_size, "%s", buf + 6);
            } else {
                veil_isolation_note(iso, "%s", buf);
            }
            size_t used = (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, have - used + 1);
            have -= used;
        }
        if (have == sizeof(buf) - 1)
            have = 0; /* a line too long to be ours: drop it */
    }
    return ok;
}

static veil_error *local_start(const veil_isolation_config *config, veil_isolation **out) {
    VEIL_ENSURE(config->runtime_path != NULL, VEIL_EINVAL, "no runtime program given");
    VEIL_ENSURE(config->device_name != NULL && config->device_key != NULL, VEIL_EINVAL,
                "the local backend needs an enrolled device name and key to sign evidence");
    VEIL_TRY(veil_pas_device_name_check(config->device_name));
    veil_isolation *iso = calloc(1, sizeof(*iso));
    local_data *d = calloc(1, sizeof(*d));
    if (iso == NULL || d == NULL) {
        free(iso);
        free(d);
        return veil_error_new(VEIL_ENOMEM, "out of memory");
    }
    iso->ops = &local_ops;
    iso->backend = d;
    iso->channel = -1;
    iso->pid = -1;
    snprintf(d->device_name, sizeof(d->device_name), "%s", config->device_name);
    EVP_PKEY_up_ref(config->device_key);
    d->device_key = config->device_key;

    veil_error *err = NULL;
    int binary = open(config->runtime_path, O_RDONLY | O_CLOEXEC);
    int sv[2] = {-1, -1}, report[2] = {-1, -1};
    uint8_t hash[VEIL_SHA256_LEN];
    if (binary < 0)
        err = veil_error_errno(errno, "opening the runtime %s", config->runtime_path);
    if (err == NULL)
        err = hash_fd(binary, config->runtime_path, hash);
    if (err == NULL)
        err = veil_attest_measurement_set(&iso->measurement, VEIL_ATTEST_PLATFORM_LINUX, hash,
                                          sizeof(hash));
    if (err == NULL && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        err = veil_error_errno(errno, "creating the runtime channel");
    if (err == NULL && pipe2(report, O_CLOEXEC) != 0)
        err = veil_error_errno(errno, "creating the report pipe");
    pid_t pid = -1;
    if (err == NULL && (pid = fork()) < 0)
        err = veil_error_errno(errno, "starting the runtime process");
    if (err == NULL && pid == 0) {
        close(sv[0]);
        close(report[0]);
        child_main(config, sv[1], report[1], binary);
    }
    if (report[1] >= 0)
        close(report[1]);
    if (sv[1] >= 0)
        close(sv[1]);
    if (binary >= 0)
        close(binary);
    iso->channel = sv[0];
    iso->pid = pid;
    if (err == NULL) {
        char failure[512] = "";
        char hex[VEIL_SHA256_HEX_LEN + 1];
        veil_hex_encode(hash, sizeof(hash), hex);
        veil_isolation_note(iso, "measurement: SHA-256 of %s is %s (platform linux)",
                            config->runtime_path, hex);
        if (!collect_report(iso, report[0], failure, sizeof(failure)))
            err = veil_error_new(VEIL_EIO, "the runtime could not be started: %s", failure);
    }
    if (report[0] >= 0)
        close(report[0]);
    if (err != NULL) {
        veil_isolation_free(iso);
        return err;
    }
    *out = iso;
    return NULL;
}

const veil_isolation_backend veil_isolation_local = {
    .name = "local",
    .description = "a separate process on this machine: namespaces, rlimits, seccomp; software "
                   "evidence (no protection from the machine's operator)",
    .start = local_start,
};
