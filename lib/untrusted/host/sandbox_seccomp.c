/*
 * The seccomp-bpf filter of the local backend (libseccomp).
 *
 * Installed in the child just before it executes the runtime, so it covers
 * the runtime from its first instruction.  It is an allowlist: what the
 * runtime and the dynamic loader need; every other system call fails with
 * EPERM (not a kill, so a sanitizer or libc probing an optional call
 * degrades instead of crashing).  What the runtime can therefore not do:
 * create sockets or connect anywhere (it only reads and writes the
 * descriptors the host passes it), open files for writing or create them,
 * start processes (clone is allowed for threads only; clone3 answers ENOSYS
 * so libc falls back to clone), signal other processes, trace, mount,
 * change identity.  Left allowed and why:
 *   - execve/execveat: the filter is installed before the runtime is
 *     executed and survives it; a compromised runtime could execute another
 *     binary, which stays under this filter and cannot reach the network;
 *   - openat read-only: the dynamic loader opens shared libraries; a
 *     compromised runtime could read files the host user can read, but
 *     could send them only to the host.
 *
 * The AOT compile worker (docs/aot.md) gets the same list plus what a C
 * compiler and linker need: process creation and waiting, writable opens,
 * creating, renaming and removing files and directories, listing
 * directories.  Still no socket, connect, bind, ptrace, mount, identity
 * changes or signals to other processes: the worker and the compilers it
 * starts (which inherit its filter) reach nothing but their files and the
 * runtime's socket.  Which files: the worker confines its writes to the
 * cache and temporary directories itself, with Landlock (whose three calls
 * it is allowed for that).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "isolation.h"

/* Calls allowed without conditions. */
static const char *const allowed[] = {
    /* I/O on descriptors it has (the host channel, client connections) */
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "recvmsg",
    "sendmsg",
    "recvfrom",
    "sendto",
    "close",
    "shutdown",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "fcntl",
    "lseek",
    "dup",
    "dup3",
    "getsockopt",
    "setsockopt",
    "getsockname",
    "getpeername",
    "pipe2",
    "eventfd2",
    /* memory */
    "brk",
    "mmap",
    "munmap",
    "mprotect",
    "mremap",
    "madvise",
    "mlock",
    "munlock",
    /* threads and synchronisation */
    "futex",
    "set_robust_list",
    "get_robust_list",
    "rseq",
    "set_tid_address",
    "sched_yield",
    "sched_getaffinity",
    "gettid",
    "getpid",
    "getppid",
    "membarrier",
    /* signals (own process) */
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sigaltstack",
    /* time and randomness */
    "clock_gettime",
    "clock_getres",
    "clock_nanosleep",
    "nanosleep",
    "gettimeofday",
    "getrandom",
    /* loader, libc and sanitizer needs */
    "fstat",
    "newfstatat",
    "statx",
    "stat",
    "lstat",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "readlinkat",
    "getcwd",
    "arch_prctl",
    "prlimit64",
    "getrlimit",
    "uname",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getresuid",
    "getresgid",
    "sysinfo",
    "ioctl",
    /* leaving */
    "exit",
    "exit_group",
    /* becoming the runtime (see above) */
    "execve",
    "execveat",
};

/* The compile worker's additions (see above). */
static const char *const worker_allowed[] = {
    "clone",
    "fork",
    "vfork",
    "wait4",
    "waitid",
    "dup2",
    "pipe",
    "creat",
    "mkdir",
    "mkdirat",
    "rename",
    "renameat",
    "renameat2",
    "unlink",
    "unlinkat",
    "rmdir",
    "chmod",
    "fchmod",
    "fchmodat",
    "ftruncate",
    "fallocate",
    "fsync",
    "fdatasync",
    "umask",
    "getdents",
    "getdents64",
    "utimensat",
    "statfs",
    "fstatfs",
    "getrusage",
    "times",
    "getpgrp",
    "chdir",
    "fchdir",
    "flock",
    /* the worker confines its own writes to the cache (docs/aot.md) */
    "landlock_create_ruleset",
    "landlock_add_rule",
    "landlock_restrict_self",
};

static bool install(bool worker, char *msg, size_t msg_size) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (ctx == NULL) {
        snprintf(msg, msg_size, "seccomp: unavailable (libseccomp cannot initialise)");
        return false;
    }
    size_t count = 0;
    int rc = 0;
    const char *failed = NULL;
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && rc == 0; i++) {
        int nr = seccomp_syscall_resolve_name(allowed[i]);
        if (nr == __NR_SCMP_ERROR)
            continue; /* not on this architecture */
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
        if (rc != 0)
            failed = allowed[i];
        count++;
    }
    for (size_t i = 0; worker && i < sizeof(worker_allowed) / sizeof(worker_allowed[0]) && rc == 0;
         i++) {
        int nr = seccomp_syscall_resolve_name(worker_allowed[i]);
        if (nr == __NR_SCMP_ERROR)
            continue;
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
        if (rc != 0)
            failed = worker_allowed[i];
        count++;
    }
    /* The runtime: threads only, clone must carry CLONE_THREAD. */
    if (rc == 0 && !worker &&
        (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD))) != 0)
        failed = "clone";
    if (rc == 0 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) != 0)
        failed = "clone3";
    /* The runtime opens read-only only (no write access, creation or
     * truncation); the worker writes its cache and the compiler's files. */
    unsigned long wflags = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND;
    if (worker) {
        if (rc == 0 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 0)) != 0)
            failed = "openat";
        if (rc == 0 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 0)) != 0)
            failed = "open";
    } else {
        if (rc == 0 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
                                              SCMP_A2(SCMP_CMP_MASKED_EQ, wflags, 0))) != 0)
            failed = "openat";
        if (rc == 0 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
                                              SCMP_A1(SCMP_CMP_MASKED_EQ, wflags, 0))) != 0)
            failed = "open";
    }
    /* Signals to itself only (abort(), raise()). */
    pid_t self = getpid();
    if (rc == 0 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                                          SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)self, 0))) != 0)
        failed = "tgkill";
    if (rc == 0 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
                                          SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)self, 0))) != 0)
        failed = "kill";
    if (rc != 0) {
        snprintf(msg, msg_size, "seccomp: unavailable (rule for %s: %s)", failed, strerror(-rc));
        seccomp_release(ctx);
        return false;
    }
    rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc != 0) {
        snprintf(msg, msg_size, "seccomp: unavailable (loading the filter: %s)", strerror(-rc));
        return false;
    }
    if (worker)
        snprintf(msg, msg_size,
                 "seccomp: allowlist of %zu system calls installed (others fail with EPERM; "
                 "processes and file writes for the compiler, no socket or connect)",
                 count + 5);
    else
        snprintf(msg, msg_size,
                 "seccomp: allowlist of %zu system calls installed (others fail with EPERM; no "
                 "socket, connect, fork or file writes)",
                 count + 6);
    return true;
}

bool veil_sandbox_seccomp_install(char *msg, size_t msg_size) {
    return install(false, msg, msg_size);
}

bool veil_sandbox_seccomp_install_worker(char *msg, size_t msg_size) {
    return install(true, msg, msg_size);
}
