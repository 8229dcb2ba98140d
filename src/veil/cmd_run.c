/*
 * `veil run`: runs a WebAssembly/WASI program exactly as the runtime
 * would, without a TEE or network: host directories are copied into an
 * in-memory file system, the program sees it through the rights of a
 * policy's principal (or full rights on the given directories), stdio is
 * passed through, and the exit code is the program's.  --write-back copies
 * what the program created or changed back to the host directories.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands_gen.h"
#include "veil/hash.h"
#include "veil/log.h"
#include "veil/policy.h"
#include "veil/str.h"
#include "veil/vfs.h"
#include "veil/wasi.h"
#include "veil/wasm.h"

const char veil_cmd_run_summary[] = "run a WebAssembly program with WASI over an in-memory tree";

static const char *const prog = "veil run";

/* Largest program file accepted. */
#define RUN_MAX_PROGRAM_BYTES (256u << 20)
#define RUN_MAX_DIRS 64
#define RUN_MAX_ENV 256

static void usage(FILE *out) {
    fprintf(out,
            "usage: veil run [OPTIONS] PROGRAM.wasm [--] [ARGS...]\n"
            "\n"
            "Runs a WASI command (wasi_snapshot_preview1) in Veil's engine over an in-memory\n"
            "file system, as the runtime does.  Exits with the program's exit code.\n"
            "\n"
            "options:\n"
            "  --dir HOSTDIR[::GUESTPATH]  copy HOSTDIR into the file system at GUESTPATH\n"
            "                              (default: /NAME, NAME being HOSTDIR's last component);\n"
            "                              without --policy the program gets every right on it\n"
            "  --policy FILE               take rights, limits, clock and file hashes from a\n"
            "                              policy (global, VaaS or function policy)\n"
            "  --principal NAME            the policy principal whose rights the program gets:\n"
            "                              \"program /path.wasm\", \"identity N\" or \"loader\"\n"
            "                              (default: the policy's only program)\n"
            "  --env KEY=VALUE             add an environment variable (repeatable)\n"
            "  --write-back                copy files the program created or changed back to\n"
            "                              the host directories (nothing is deleted)\n"
            "  --strategy interp|aot       execution strategy (default: the policy's, else\n"
            "                              interp)\n"
            "  --fuel N                    instruction budget (default: the policy's, else none)\n"
            "  --max-memory-mib N          cap on the program's linear memory\n"
            "  --timeout-ms N              wall-clock limit (default: the policy's, else none)\n"
            "  --fs-max-mib N              memory budget of the file system (default 1024)\n"
            "  --trace                     print every WASI call to stderr\n"
            "  --help                      show this help\n"
            "\n"
            "Without a policy the program may read the clocks and the files get real times;\n"
            "with one, enable_clock decides both.\n");
}

typedef struct dir_map {
    char *host;
    char *guest;
} dir_map;

typedef struct run_opts {
    const char *program;
    const char *policy_path;
    const char *principal;
    const char *strategy;
    dir_map dirs[RUN_MAX_DIRS];
    size_t dir_count;
    const char *env[RUN_MAX_ENV];
    size_t env_count;
    bool write_back;
    bool trace;
    bool have_fuel, have_memory, have_timeout;
    uint64_t fuel, max_memory_mib, timeout_ms, fs_max_mib;
    char **args;
    size_t arg_count;
} run_opts;

static veil_error *parse_dir(const char *arg, dir_map *out) {
    const char *sep = strstr(arg, "::");
    char *host = sep != NULL ? strndup(arg, (size_t)(sep - arg)) : strdup(arg);
    VEIL_ENSURE(host != NULL, VEIL_ENOMEM, "out of memory");
    char *guest;
    if (sep != NULL) {
        guest = veil_vfs_normalize_path(sep + 2);
    } else {
        char real[PATH_MAX];
        if (realpath(host, real) == NULL) {
            veil_error *err = veil_error_errno(errno, "--dir '%s'", host);
            free(host);
            return err;
        }
        const char *base = strrchr(real, '/');
        char *tmp;
        veil_error *err = veil_asprintf(&tmp, "/%s", base != NULL ? base + 1 : real);
        if (err != NULL) {
            free(host);
            return err;
        }
        guest = veil_vfs_normalize_path(tmp);
        free(tmp);
    }
    if (guest == NULL || host[0] == '\0') {
        free(host);
        free(guest);
        return veil_error_new(VEIL_EINVAL,
                              "--dir '%s': expected HOSTDIR or HOSTDIR::/GUEST/PATH (absolute, "
                              "without . or ..)",
                              arg);
    }
    out->host = host;
    out->guest = guest;
    return NULL;
}

static veil_error *parse_u64(const char *opt, const char *value, uint64_t max, uint64_t *out) {
    return veil_error_wrap(veil_parse_u64(value, max, opt, out), "%s", opt);
}

/* Returns -1 when parsing succeeded, else the exit status. */
static int parse_args(int argc, char **argv, run_opts *o) {
    o->fs_max_mib = 1024;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        veil_error *err = NULL;
#define NEED_VALUE()                                                                               \
    do {                                                                                           \
        if (value == NULL)                                                                         \
            return veil_cli_usage_error(prog, "%s needs a value", a);                              \
        i++;                                                                                       \
    } while (0)
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return VEIL_EXIT_OK;
        } else if (strcmp(a, "--dir") == 0) {
            NEED_VALUE();
            if (o->dir_count == RUN_MAX_DIRS)
                return veil_cli_usage_error(prog, "at most %d --dir options", RUN_MAX_DIRS);
            err = parse_dir(value, &o->dirs[o->dir_count]);
            if (err == NULL)
                o->dir_count++;
        } else if (strcmp(a, "--env") == 0) {
            NEED_VALUE();
            if (strchr(value, '=') == NULL || value[0] == '=')
                return veil_cli_usage_error(prog, "--env '%s': expected KEY=VALUE", value);
            if (o->env_count == RUN_MAX_ENV)
                return veil_cli_usage_error(prog, "at most %d --env options", RUN_MAX_ENV);
            o->env[o->env_count++] = value;
        } else if (strcmp(a, "--policy") == 0) {
            NEED_VALUE();
            o->policy_path = value;
        } else if (strcmp(a, "--principal") == 0) {
            NEED_VALUE();
            o->principal = value;
        } else if (strcmp(a, "--strategy") == 0) {
            NEED_VALUE();
            if (strcmp(value, "interp") != 0 && strcmp(value, "aot") != 0)
                return veil_cli_usage_error(prog, "--strategy '%s': expected interp or aot", value);
            o->strategy = value;
        } else if (strcmp(a, "--fuel") == 0) {
            NEED_VALUE();
            err = parse_u64(a, value, UINT64_MAX, &o->fuel);
            o->have_fuel = true;
        } else if (strcmp(a, "--max-memory-mib") == 0) {
            NEED_VALUE();
            err = parse_u64(a, value, 4096, &o->max_memory_mib);
            if (err == NULL && o->max_memory_mib == 0)
                err = veil_error_new(VEIL_EINVAL, "--max-memory-mib must be at least 1");
            o->have_memory = true;
        } else if (strcmp(a, "--timeout-ms") == 0) {
            NEED_VALUE();
            err = parse_u64(a, value, UINT64_C(86400000), &o->timeout_ms);
            o->have_timeout = true;
        } else if (strcmp(a, "--fs-max-mib") == 0) {
            NEED_VALUE();
            err = parse_u64(a, value, UINT64_C(1) << 20, &o->fs_max_mib);
            if (err == NULL && o->fs_max_mib == 0)
                err = veil_error_new(VEIL_EINVAL, "--fs-max-mib must be at least 1");
        } else if (strcmp(a, "--write-back") == 0) {
            o->write_back = true;
        } else if (strcmp(a, "--trace") == 0) {
            o->trace = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            return veil_cli_usage_error(prog, "unknown option '%s'", a);
        } else {
            break;
        }
#undef NEED_VALUE
        if (err != NULL)
            return veil_cli_report(prog, err);
    }
    if (i >= argc)
        return veil_cli_usage_error(prog, "no program given");
    o->program = argv[i++];
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    o->args = argv + i;
    o->arg_count = (size_t)(argc - i);
    if (o->principal != NULL && o->policy_path == NULL)
        return veil_cli_usage_error(prog, "--principal needs --policy");
    for (size_t a = 0; a < o->dir_count; a++)
        for (size_t b = a + 1; b < o->dir_count; b++)
            if (strcmp(o->dirs[a].guest, o->dirs[b].guest) == 0)
                return veil_cli_usage_error(prog, "two --dir options for %s", o->dirs[a].guest);
    return -1;
}

/* ---- stdio pass-through ---- */

static veil_wasi_errno stdio_write(void *user, int stream, const uint8_t *data, size_t len) {
    (void)user;
    int fd = stream == 2 ? STDERR_FILENO : STDOUT_FILENO;
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EPIPE ? VEIL_WASI_EPIPE : VEIL_WASI_EIO;
        }
        data += n;
        len -= (size_t)n;
    }
    return VEIL_WASI_ESUCCESS;
}

static veil_wasi_errno stdio_read(void *user, uint8_t *buf, size_t len, size_t *nread) {
    (void)user;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, len);
        if (n >= 0) {
            *nread = (size_t)n;
            return VEIL_WASI_ESUCCESS;
        }
        if (errno != EINTR)
            return VEIL_WASI_EIO;
    }
}

/* ---- the run ---- */

typedef struct run_state {
    veil_policy *policy;
    const veil_policy_principal *who;
    veil_vfs *vfs;
    veil_vfs_view *view;
    veil_wasi *wasi;
    veil_wasm_module *module;
    uint8_t *program;
    size_t program_len;
    veil_vfs_grant *grants;
    const char **argv;
} run_state;

static void state_free(run_state *s) {
    veil_wasm_module_free(s->module);
    veil_wasi_free(s->wasi);
    veil_vfs_view_free(s->view);
    veil_vfs_free(s->vfs);
    veil_policy_free(s->policy);
    free(s->program);
    free(s->grants);
    free(s->argv);
}

static veil_error *load_policy(const run_opts *o, run_state *s) {
    VEIL_TRY(veil_policy_load_file(o->policy_path, VEIL_POLICY_ANY, &s->policy));
    if (o->principal != NULL)
        return veil_policy_find_principal(s->policy, o->principal, &s->who);
    const veil_policy_principal *only = NULL;
    size_t programs = 0;
    for (size_t i = 0; i < veil_policy_principal_count(s->policy); i++) {
        const veil_policy_principal *p = veil_policy_principal_at(s->policy, i);
        if (p->kind == VEIL_PRINCIPAL_PROGRAM) {
            only = p;
            programs++;
        }
    }
    VEIL_ENSURE(programs == 1, VEIL_EINVAL,
                "%s: the policy has %zu programs; choose one with --principal \"program PATH\"",
                o->policy_path, programs);
    s->who = only;
    return NULL;
}

/* The program file must match the policy's hash for it, as in the runtime;
 * it is also stored in the tree at its policy path. */
static veil_error *check_program(const run_opts *o, run_state *s) {
    if (s->policy == NULL || s->who->program_file_name == NULL)
        return NULL;
    const char *path = s->who->program_file_name;
    const uint8_t *expected = veil_policy_expected_hash(s->policy, path);
    if (expected != NULL) {
        uint8_t got[VEIL_SHA256_LEN];
        veil_sha256(s->program, s->program_len, got);
        if (!veil_ct_equal(got, expected, VEIL_SHA256_LEN)) {
            char hex[VEIL_SHA256_HEX_LEN + 1];
            veil_sha256_hex(s->program, s->program_len, hex);
            return veil_error_new(VEIL_EHASH,
                                  "%s has SHA-256 %s, which is not the policy's hash for %s",
                                  o->program, hex, path);
        }
    }
    const char *slash = strrchr(path, '/');
    if (slash != NULL && slash != path) {
        char *parent = strndup(path, (size_t)(slash - path));
        VEIL_ENSURE(parent != NULL, VEIL_ENOMEM, "out of memory");
        veil_error *err = veil_vfs_mkdir_p(s->vfs, parent);
        free(parent);
        VEIL_TRY(err);
    }
    return veil_vfs_put_file(s->vfs, path, s->program, s->program_len);
}

static veil_error *build_grants(const run_opts *o, run_state *s, size_t *count) {
    if (s->policy != NULL) {
        const veil_policy_grant *pg;
        veil_policy_grants(s->policy, s->who, &pg, count);
        s->grants = calloc(*count + 1, sizeof(*s->grants));
        VEIL_ENSURE(s->grants != NULL, VEIL_ENOMEM, "out of memory");
        for (size_t i = 0; i < *count; i++)
            s->grants[i] = (veil_vfs_grant){pg[i].path, pg[i].base_rights, pg[i].inheriting_rights};
        return NULL;
    }
    *count = o->dir_count + 3;
    s->grants = calloc(*count, sizeof(*s->grants));
    VEIL_ENSURE(s->grants != NULL, VEIL_ENOMEM, "out of memory");
    for (size_t i = 0; i < o->dir_count; i++)
        s->grants[i] = (veil_vfs_grant){o->dirs[i].guest, VEIL_RIGHTS_ALL, VEIL_RIGHTS_ALL};
    static const char *const stdio_names[3] = {"stdin", "stdout", "stderr"};
    for (size_t i = 0; i < 3; i++)
        s->grants[o->dir_count + i] = (veil_vfs_grant){stdio_names[i], VEIL_RIGHTS_ALL, 0};
    return NULL;
}

static int run(const run_opts *o) {
    run_state s = {0};
    veil_error *err = NULL;
    bool enable_clock = true;
    veil_wasm_limits limits = {0};
    veil_wasm_strategy strategy = VEIL_WASM_INTERP;
    if (o->policy_path != NULL) {
        err = load_policy(o, &s);
        if (err != NULL)
            goto fail;
        const veil_policy_settings *set = veil_policy_settings_of(s.policy);
        enable_clock = set->enable_clock;
        limits.timeout_ms = set->max_execution_time_ms;
        limits.fuel = set->max_execution_fuel;
        if (s.who->max_memory_mib != 0)
            limits.max_memory_pages = s.who->max_memory_mib * 16u;
        strategy = set->execution_strategy == VEIL_POLICY_JIT ? VEIL_WASM_AOT : VEIL_WASM_INTERP;
    }
    if (o->strategy != NULL)
        strategy = strcmp(o->strategy, "aot") == 0 ? VEIL_WASM_AOT : VEIL_WASM_INTERP;
    if (o->have_fuel)
        limits.fuel = o->fuel;
    if (o->have_timeout)
        limits.timeout_ms = o->timeout_ms;
    if (o->have_memory)
        limits.max_memory_pages = (uint32_t)(o->max_memory_mib * 16u);

    veil_vfs_config fs_config = {.max_bytes = o->fs_max_mib << 20,
                                 .clock_timestamps = enable_clock};
    err = veil_vfs_new(&fs_config, &s.vfs);
    if (err != NULL)
        goto fail;
    if (s.policy != NULL) {
        const veil_policy_settings *set = veil_policy_settings_of(s.policy);
        for (size_t i = 0; err == NULL && i < set->file_hash_count; i++)
            err =
                veil_vfs_set_file_hash(s.vfs, set->file_hashes[i].path, set->file_hashes[i].sha256);
        if (err != NULL)
            goto fail;
    }
    err = veil_read_file(o->program, RUN_MAX_PROGRAM_BYTES, &s.program, &s.program_len);
    if (err == NULL)
        err = check_program(o, &s);
    for (size_t i = 0; err == NULL && i < o->dir_count; i++)
        err = veil_vfs_load_host_dir(s.vfs, o->dirs[i].host, o->dirs[i].guest);
    if (err != NULL)
        goto fail;
    uint64_t loaded_seq = veil_vfs_change_seq(s.vfs);

    size_t grant_count;
    err = build_grants(o, &s, &grant_count);
    if (err != NULL)
        goto fail;
    veil_vfs_stdio io = {stdio_write, stdio_read, NULL};
    err = veil_vfs_view_new(s.vfs, s.who != NULL ? s.who->name : "veil run", s.grants, grant_count,
                            &io, &s.view);
    if (err != NULL)
        goto fail;

    s.argv = calloc(o->arg_count + 1, sizeof(*s.argv));
    if (s.argv == NULL) {
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
        goto fail;
    }
    const char *name =
        s.who != NULL && s.who->program_file_name != NULL ? s.who->program_file_name : o->program;
    s.argv[0] = name;
    for (size_t i = 0; i < o->arg_count; i++)
        s.argv[i + 1] = o->args[i];
    veil_wasi_config wasi_config = {.view = s.view,
                                    .args = s.argv,
                                    .arg_count = o->arg_count + 1,
                                    .env = o->env,
                                    .env_count = o->env_count,
                                    .enable_clock = enable_clock,
                                    .trace = o->trace ? stderr : NULL};
    err = veil_wasi_new(&wasi_config, &s.wasi);
    if (err == NULL)
        err = veil_wasm_module_load(s.program, s.program_len, o->program, &s.module);
    if (err != NULL)
        goto fail;

    uint32_t exit_code = 0;
    veil_wasm_trap trap;
    fflush(stdout);
    /* JIT from the policy falls back to the interpreter when no compiler
     * can build the program; an explicit --strategy aot does not. */
    if (strategy == VEIL_WASM_AOT && o->strategy == NULL)
        err = veil_wasi_run_jit(s.wasi, s.module, &limits, NULL, &exit_code, &trap);
    else
        err = veil_wasi_run(s.wasi, s.module, &limits, strategy, &exit_code, &trap);
    if (err != NULL)
        goto fail;
    for (size_t i = 0; o->write_back && i < o->dir_count; i++) {
        size_t written = 0;
        err =
            veil_vfs_save_host_dir(s.vfs, o->dirs[i].guest, o->dirs[i].host, loaded_seq, &written);
        if (err != NULL)
            goto fail;
        VEIL_INFO("run", "wrote back %zu files to %s", written, o->dirs[i].host);
    }
    state_free(&s);
    return (int)(exit_code & 0xff);

fail:
    state_free(&s);
    return veil_cli_report(prog, err);
}

int veil_cmd_run(int argc, char **argv) {
    run_opts o = {0};
    int status = parse_args(argc, argv, &o);
    if (status < 0)
        status = run(&o);
    for (size_t i = 0; i < o.dir_count; i++) {
        free(o.dirs[i].host);
        free(o.dirs[i].guest);
    }
    return status;
}
