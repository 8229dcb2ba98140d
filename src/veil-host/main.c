/* veil-host: starts a runtime instance in an isolation backend and relays
 * for it.  A thin edge over lib/untrusted/host (veil/host.h). */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "cli.h"
#include "veil/encoding.h"
#include "veil/host.h"
#include "veil/log.h"
#include "veil/policy.h"
#include "veil/str.h"

#define PROG "veil-host"

static void usage(FILE *out) {
    fprintf(out, "usage: veil-host COMMAND [OPTIONS]\n\n"
                 "Starts a Veil runtime in an isolation backend, relays its attestation and its\n"
                 "clients' connections (TLS ends inside the runtime), and stops it.\n\n"
                 "commands:\n"
                 "  run          run an instance until it is shut down or signalled\n"
                 "  measure      print the measurement of a runtime binary (SHA-256)\n"
                 "  device-key   create a device key pair for software evidence\n\n"
                 "run options:\n"
                 "  --policy FILE          the global policy (bytes as given)\n"
                 "  --pas URL              the proxy attestation service, e.g. "
                 "http://127.0.0.1:3010\n"
                 "  --listen HOST:PORT     where clients connect (port 0: any free port)\n"
                 "  --port-file FILE       write the bound port here once serving\n"
                 "  --runtime PATH         the runtime program (default: veil-runtime beside\n"
                 "                         this program or in ../veil-runtime/)\n"
                 "  --backend NAME         isolation backend (default local)\n"
                 "  --device-name NAME     enrolled device (local backend)\n"
                 "  --device-key FILE      its private key (PEM)\n"
                 "  --memory-limit MIB     address-space limit of the runtime (default none)\n"
                 "  --stop-timeout MS      grace period before killing the runtime (default "
                 "5000)\n"
                 "  --runtime-arg ARG      extra argument for the runtime (repeatable)\n"
                 "  --no-aot-worker        local backend: no AOT compile worker beside the\n"
                 "                         runtime even for a JIT policy (which then falls\n"
                 "                         back to the interpreter, docs/aot.md); other\n"
                 "                         policies never get one\n\n"
                 "measure options:  --runtime PATH\n"
                 "device-key options:  --out KEY.pem --public-out PUB.pem\n\n"
                 "backends:\n");
    for (size_t i = 0; veil_isolation_backend_at(i) != NULL; i++)
        fprintf(out, "  %-7s %s\n", veil_isolation_backend_at(i)->name,
                veil_isolation_backend_at(i)->description);
}

typedef struct options {
    const char *policy, *pas, *listen, *port_file, *runtime, *backend;
    const char *device_name, *device_key, *out, *public_out;
    uint64_t memory_limit_mib, stop_timeout_ms;
    const char *runtime_args[33];
    size_t runtime_arg_count;
    bool no_aot_worker;
} options;

/* The runtime next to this program (installed) or in ../veil-runtime
 * (build tree). */
static veil_error *default_runtime(char *buf, size_t size) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    VEIL_ENSURE(n > 0, VEIL_ENOENT, "cannot find this program; give --runtime");
    self[n] = '\0';
    char *dir = dirname(self);
    snprintf(buf, size, "%s/veil-runtime", dir);
    if (access(buf, X_OK) == 0)
        return NULL;
    snprintf(buf, size, "%s/../veil-runtime/veil-runtime", dir);
    if (access(buf, X_OK) == 0)
        return NULL;
    return veil_error_new(VEIL_ENOENT, "no veil-runtime beside %s; give --runtime", dir);
}

static veil_error *load_private_key(const char *path, EVP_PKEY **out) {
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return veil_error_errno(errno, "opening device key %s", path);
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    VEIL_ENSURE(key != NULL, VEIL_EMALFORMED, "%s is not a PEM private key", path);
    *out = key;
    return NULL;
}

static veil_error *parse_listen(const char *text, char *host, size_t host_size, uint16_t *port) {
    const char *colon = strrchr(text, ':');
    VEIL_ENSURE(colon != NULL && (size_t)(colon - text) < host_size, VEIL_EINVAL,
                "--listen '%s' is not HOST:PORT", text);
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    uint64_t p;
    VEIL_TRY(veil_parse_u64(colon + 1, 65535, "--listen port", &p));
    *port = (uint16_t)p;
    return NULL;
}

static int cmd_run(options *o) {
    if (o->policy == NULL || o->pas == NULL)
        return veil_cli_usage_error(PROG " run", "--policy and --pas are required");
    const veil_isolation_backend *backend =
        veil_isolation_backend_find(o->backend != NULL ? o->backend : "local");
    if (backend == NULL)
        return veil_cli_usage_error(PROG " run", "unknown backend '%s'", o->backend);
    char runtime[PATH_MAX];
    veil_error *err = NULL;
    if (o->runtime != NULL)
        veil_strlcpy(runtime, o->runtime, sizeof(runtime));
    else
        err = default_runtime(runtime, sizeof(runtime));
    char host[256];
    uint16_t port = 0;
    if (err == NULL)
        err = parse_listen(o->listen != NULL ? o->listen : "127.0.0.1:3011", host, sizeof(host),
                           &port);
    uint8_t *policy = NULL;
    size_t policy_len = 0;
    if (err == NULL)
        err = veil_read_file(o->policy, 1 << 20, &policy, &policy_len);
    EVP_PKEY *device_key = NULL;
    if (err == NULL && o->device_key != NULL)
        err = load_private_key(o->device_key, &device_key);
    if (err != NULL) {
        free(policy);
        return veil_cli_report(PROG, err);
    }
    /* The relay moves bytes with splice(2), which cannot be told not to
     * raise SIGPIPE when a client has gone; the relay sees EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    o->runtime_args[o->runtime_arg_count] = NULL;
    /* The AOT compile worker only for a policy that asks for JIT: without
     * it no process in the instance may start programs or write files.
     * (The runtime checks the policy itself; a policy that does not parse
     * here gets the worker and the runtime's verdict.) */
    bool jit = true;
    veil_policy *parsed = NULL;
    veil_error *perr = veil_policy_parse(policy, policy_len, o->policy, VEIL_POLICY_ANY, &parsed);
    if (perr == NULL)
        jit = veil_policy_settings_of(parsed)->execution_strategy == VEIL_POLICY_JIT;
    veil_error_free(perr);
    veil_policy_free(parsed);
    veil_host_config config = {
        .backend = backend,
        .isolation = {.runtime_path = runtime,
                      .runtime_args = o->runtime_args,
                      .memory_limit_mib = o->memory_limit_mib,
                      .aot_worker = jit && !o->no_aot_worker,
                      .device_name = o->device_name,
                      .device_key = device_key},
        .policy = policy,
        .policy_len = policy_len,
        .pas_url = o->pas,
        .listen_host = host,
        .listen_port = port,
        .port_file = o->port_file,
        .stop_timeout_ms = o->stop_timeout_ms,
        .stop_signal_fd = sfd,
    };
    veil_host_result result;
    err = veil_host_run(&config, &result);
    if (sfd >= 0)
        close(sfd);
    EVP_PKEY_free(device_key);
    free(policy);
    if (err != NULL)
        return veil_cli_report(PROG, err);
    char how[128];
    veil_isolation_exit_describe(&result.exit, how, sizeof(how));
    if (result.shutdown_requested)
        fprintf(stderr, "%s: %s shut the instance down; the runtime %s\n", PROG, result.shutdown_by,
                how);
    else
        fprintf(stderr, "%s: stopped; the runtime %s\n", PROG, how);
    return VEIL_EXIT_OK;
}

static int cmd_measure(options *o) {
    char runtime[PATH_MAX];
    veil_error *err = NULL;
    if (o->runtime != NULL)
        veil_strlcpy(runtime, o->runtime, sizeof(runtime));
    else
        err = default_runtime(runtime, sizeof(runtime));
    uint8_t hash[32];
    if (err == NULL)
        err = veil_host_measure(runtime, hash);
    if (err != NULL)
        return veil_cli_report(PROG, err);
    char hex[65];
    veil_hex_encode(hash, sizeof(hash), hex);
    printf("%s\n", hex);
    return VEIL_EXIT_OK;
}

static int cmd_device_key(options *o) {
    if (o->out == NULL || o->public_out == NULL)
        return veil_cli_usage_error(PROG " device-key", "--out and --public-out are required");
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (key == NULL)
        return veil_cli_report(PROG, veil_error_new(VEIL_ECRYPTO, "cannot generate a key"));
    veil_error *err = NULL;
    for (int pub = 0; pub < 2 && err == NULL; pub++) {
        BIO *bio = BIO_new(BIO_s_mem());
        int ok =
            bio != NULL && (pub ? PEM_write_bio_PUBKEY(bio, key)
                                : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL));
        if (!ok) {
            err = veil_error_new(VEIL_EINTERNAL, "cannot encode the key");
        } else {
            char *data;
            long n = BIO_get_mem_data(bio, &data);
            err = veil_write_file(pub ? o->public_out : o->out, data, (size_t)n, pub ? 0644 : 0600);
        }
        BIO_free(bio);
    }
    EVP_PKEY_free(key);
    if (err == NULL)
        printf("device key: %s (public key to enrol: %s)\n", o->out, o->public_out);
    return veil_cli_report(PROG, err);
}

int main(int argc, char **argv) {
    veil_log_init_from_env();
    if (argc < 2) {
        usage(stderr);
        return VEIL_EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0) {
        usage(stdout);
        return VEIL_EXIT_OK;
    }
    static const struct option longopts[] = {
        {"policy", required_argument, NULL, 'p'},
        {"pas", required_argument, NULL, 'a'},
        {"listen", required_argument, NULL, 'l'},
        {"port-file", required_argument, NULL, 'f'},
        {"runtime", required_argument, NULL, 'r'},
        {"backend", required_argument, NULL, 'b'},
        {"device-name", required_argument, NULL, 'n'},
        {"device-key", required_argument, NULL, 'k'},
        {"memory-limit", required_argument, NULL, 'm'},
        {"stop-timeout", required_argument, NULL, 't'},
        {"runtime-arg", required_argument, NULL, 'A'},
        {"no-aot-worker", no_argument, NULL, 'N'},
        {"out", required_argument, NULL, 'o'},
        {"public-out", required_argument, NULL, 'O'},
        {"verbose", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    options o = {0};
    int c;
    veil_error *err = NULL;
    optind = 2;
    while (err == NULL && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            o.policy = optarg;
            break;
        case 'a':
            o.pas = optarg;
            break;
        case 'l':
            o.listen = optarg;
            break;
        case 'f':
            o.port_file = optarg;
            break;
        case 'r':
            o.runtime = optarg;
            break;
        case 'b':
            o.backend = optarg;
            break;
        case 'n':
            o.device_name = optarg;
            break;
        case 'k':
            o.device_key = optarg;
            break;
        case 'm':
            err = veil_parse_u64(optarg, UINT64_C(1) << 30, "--memory-limit", &o.memory_limit_mib);
            break;
        case 't':
            err = veil_parse_u64(optarg, UINT64_C(3600000), "--stop-timeout", &o.stop_timeout_ms);
            break;
        case 'A':
            if (o.runtime_arg_count == 32)
                err = veil_error_new(VEIL_EINVAL, "at most 32 --runtime-arg");
            else
                o.runtime_args[o.runtime_arg_count++] = optarg;
            break;
        case 'N':
            o.no_aot_worker = true;
            break;
        case 'o':
            o.out = optarg;
            break;
        case 'O':
            o.public_out = optarg;
            break;
        case 'V':
            veil_log_set_level(VEIL_LOG_DEBUG);
            break;
        case 'h':
            usage(stdout);
            return VEIL_EXIT_OK;
        default:
            return veil_cli_usage_error(PROG, "unknown option");
        }
    }
    if (err != NULL)
        return veil_cli_report(PROG, err);
    if (optind < argc)
        return veil_cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
    if (strcmp(command, "run") == 0)
        return cmd_run(&o);
    if (strcmp(command, "measure") == 0)
        return cmd_measure(&o);
    if (strcmp(command, "device-key") == 0)
        return cmd_device_key(&o);
    return veil_cli_usage_error(PROG, "unknown command '%s'", command);
}
