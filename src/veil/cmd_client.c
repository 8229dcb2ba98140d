/* `veil client`: raw runtime operations over one verified connection
 * (include/veil/client.h does the work and the checks). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "cli.h"
#include "commands_gen.h"
#include "veil/client.h"
#include "veil/encoding.h"
#include "veil/str.h"
#include "veil/x509.h"

#define PROG "veil client"

const char veil_cmd_client_summary[] = "raw runtime operations (write, read, execute, ...)";

static void usage(FILE *out) {
    fprintf(out,
            "usage: veil client --policy FILE --cert FILE --key FILE [OPTIONS] OPERATION...\n\n"
            "Connects to a runtime instance as the identity of --cert/--key, verifies it (the\n"
            "certificate chains to the policy's proxy_service_cert, is valid now, carries the\n"
            "policy's runtime_manager_hash_<platform>, and the runtime holds exactly this\n"
            "policy) and runs the operations in order over that one connection.\n\n"
            "options:\n"
            "  --policy FILE        the global policy (its bytes are hashed as they are)\n"
            "  --cert FILE          the identity's certificate (PEM)\n"
            "  --key FILE           its private key (PEM)\n"
            "  --server HOST:PORT   the instance (default: the policy's veracruz_server_url)\n"
            "  --platform NAME      linux (default) or nitro\n"
            "  --timeout MS         give up on a read or write after MS milliseconds\n\n"
            "operations:\n"
            "  write REMOTE LOCAL   replace REMOTE with the file LOCAL ('-': stdin), streamed\n"
            "  append REMOTE LOCAL  append LOCAL to REMOTE\n"
            "  read REMOTE LOCAL    read REMOTE into LOCAL ('-': stdout); REMOTE may be stdout\n"
            "                       or stderr (the latest run's output)\n"
            "  list REMOTE          list a directory\n"
            "  execute REMOTE [--stdout] [--stderr]\n"
            "                       run a program; print its exit code (and its output)\n"
            "  policy-hash          print the runtime's policy hash\n"
            "  shutdown             shut the instance down\n");
}

typedef struct session {
    veil_client *client;
    int failures;
} session;

static veil_error *load_key(const char *path, EVP_PKEY **out) {
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return veil_error_errno(errno, "opening key %s", path);
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    VEIL_ENSURE(key != NULL, VEIL_EMALFORMED, "%s is not a PEM private key", path);
    *out = key;
    return NULL;
}

static veil_error *split_server(const char *text, char *host, size_t size, uint16_t *port) {
    const char *colon = strrchr(text, ':');
    VEIL_ENSURE(colon != NULL && (size_t)(colon - text) < size, VEIL_EINVAL,
                "server '%s' is not HOST:PORT", text);
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    uint64_t p;
    VEIL_TRY(veil_parse_u64(colon + 1, 65535, "server port", &p));
    *port = (uint16_t)p;
    return NULL;
}

static veil_error *op_write(veil_client *c, const char *remote, const char *local, bool append) {
    int fd = strcmp(local, "-") == 0 ? 0 : open(local, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return veil_error_errno(errno, "opening %s", local);
    struct stat st;
    uint64_t hint = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    uint64_t written;
    veil_error *err =
        veil_client_write(c, remote, append, veil_client_fd_source, &fd, hint, &written);
    if (fd != 0)
        close(fd);
    VEIL_TRY(err);
    fprintf(stderr, "%s: %s %s (%llu bytes)\n", PROG, append ? "appended to" : "wrote", remote,
            (unsigned long long)written);
    return NULL;
}

static veil_error *op_read(veil_client *c, const char *remote, const char *local) {
    bool to_stdout = strcmp(local, "-") == 0;
    int fd = to_stdout ? 1 : open(local, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return veil_error_errno(errno, "creating %s", local);
    uint64_t size;
    veil_error *err = veil_client_read(c, remote, veil_client_fd_sink, &fd, &size);
    if (!to_stdout && close(fd) != 0 && err == NULL)
        err = veil_error_errno(errno, "writing %s", local);
    if (err != NULL && !to_stdout)
        unlink(local);
    VEIL_TRY(err);
    fprintf(stderr, "%s: read %s (%llu bytes)\n", PROG, remote, (unsigned long long)size);
    return NULL;
}

static const char *filetype_letter(uint8_t type) {
    switch (type) {
    case 3:
        return "d";
    case 4:
        return "-";
    case 7:
        return "l";
    default:
        return "?";
    }
}

static veil_error *op_list(veil_client *c, const char *remote) {
    veil_client_entry *entries;
    size_t count;
    VEIL_TRY(veil_client_list(c, remote, &entries, &count));
    for (size_t i = 0; i < count; i++)
        printf("%s %12llu %s\n", filetype_letter(entries[i].filetype),
               (unsigned long long)entries[i].size, entries[i].name);
    fflush(stdout);
    veil_client_entries_free(entries, count);
    return NULL;
}

static veil_error *op_execute(veil_client *c, const char *remote, bool out, bool err_stream) {
    int out_fd = 1, err_fd = 2;
    uint32_t code;
    fflush(stdout);
    VEIL_TRY(veil_client_execute(c, remote, &code, out ? veil_client_fd_sink : NULL, &out_fd,
                                 err_stream ? veil_client_fd_sink : NULL, &err_fd));
    fprintf(stderr, "%s: %s exited with code %u\n", PROG, remote, code);
    return NULL;
}

static veil_error *op_policy_hash(veil_client *c) {
    uint8_t hash[VEIL_SHA256_LEN];
    VEIL_TRY(veil_client_policy(c, hash, NULL, NULL));
    char hex[VEIL_SHA256_HEX_LEN + 1];
    veil_hex_encode(hash, sizeof(hash), hex);
    printf("%s\n", hex);
    fflush(stdout);
    return NULL;
}

/* Runs the operations in argv[i..]; stops at the first failure.  With no
 * client it only checks that they are well formed (before connecting, so a
 * typo costs no handshake). */
static veil_error *run_operations(veil_client *c, int argc, char **argv, int i) {
    while (i < argc) {
        const char *op = argv[i];
        int left = argc - i - 1;
        veil_error *err;
        if ((strcmp(op, "write") == 0 || strcmp(op, "append") == 0) && left >= 2) {
            err = c == NULL ? NULL : op_write(c, argv[i + 1], argv[i + 2], op[0] == 'a');
            i += 3;
        } else if (strcmp(op, "read") == 0 && left >= 2) {
            err = c == NULL ? NULL : op_read(c, argv[i + 1], argv[i + 2]);
            i += 3;
        } else if (strcmp(op, "list") == 0 && left >= 1) {
            err = c == NULL ? NULL : op_list(c, argv[i + 1]);
            i += 2;
        } else if (strcmp(op, "execute") == 0 && left >= 1) {
            const char *remote = argv[i + 1];
            bool out = false, errs = false;
            i += 2;
            for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
                if (strcmp(argv[i], "--stdout") == 0)
                    out = true;
                else if (strcmp(argv[i], "--stderr") == 0)
                    errs = true;
                else
                    return veil_error_new(VEIL_EINVAL, "unknown execute option '%s'", argv[i]);
            }
            err = c == NULL ? NULL : op_execute(c, remote, out, errs);
        } else if (strcmp(op, "policy-hash") == 0) {
            err = c == NULL ? NULL : op_policy_hash(c);
            i += 1;
        } else if (strcmp(op, "shutdown") == 0) {
            err = c == NULL ? NULL : veil_client_shutdown(c);
            if (err == NULL && c != NULL)
                fprintf(stderr, "%s: the instance is shutting down\n", PROG);
            i += 1;
        } else {
            if (strcmp(op, "write") == 0 || strcmp(op, "append") == 0 || strcmp(op, "read") == 0)
                return veil_error_new(VEIL_EINVAL, "%s needs REMOTE and LOCAL", op);
            if (strcmp(op, "list") == 0 || strcmp(op, "execute") == 0)
                return veil_error_new(VEIL_EINVAL, "%s needs REMOTE", op);
            return veil_error_new(VEIL_EINVAL, "'%s' is not an operation", op);
        }
        if (err != NULL)
            return veil_error_wrap(err, "%s", op);
    }
    return NULL;
}

int veil_cmd_client(int argc, char **argv) {
    static const struct option longopts[] = {
        {"policy", required_argument, NULL, 'p'},   {"cert", required_argument, NULL, 'c'},
        {"key", required_argument, NULL, 'k'},      {"server", required_argument, NULL, 's'},
        {"platform", required_argument, NULL, 'P'}, {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    const char *policy_path = NULL, *cert_path = NULL, *key_path = NULL, *server = NULL;
    const char *platform = "linux";
    uint64_t timeout_ms = 0;
    veil_error *err = NULL;
    int c;
    optind = 1;
    opterr = 0;
    /* "+": options end at the first operation. */
    while (err == NULL && (c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            policy_path = optarg;
            break;
        case 'c':
            cert_path = optarg;
            break;
        case 'k':
            key_path = optarg;
            break;
        case 's':
            server = optarg;
            break;
        case 'P':
            platform = optarg;
            break;
        case 't':
            err = veil_parse_u64(optarg, UINT64_C(86400000), "--timeout", &timeout_ms);
            break;
        case 'h':
            usage(stdout);
            return VEIL_EXIT_OK;
        default:
            return veil_cli_usage_error(PROG, "unknown option '%s' (or it lacks its value)",
                                        argv[optind - 1]);
        }
    }
    if (err != NULL)
        return veil_cli_report(PROG, err);
    if (policy_path == NULL || cert_path == NULL || key_path == NULL)
        return veil_cli_usage_error(PROG, "--policy, --cert and --key are required");
    if (optind >= argc)
        return veil_cli_usage_error(PROG, "no operation given");
    err = run_operations(NULL, argc, argv, optind);
    if (err != NULL) {
        int rc = veil_cli_usage_error(PROG, "%s", veil_error_message(err));
        veil_error_free(err);
        return rc;
    }

    uint8_t *policy = NULL;
    size_t policy_len = 0;
    veil_client_trust trust = {0};
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    veil_client *client = NULL;
    char host[256];
    uint16_t port = 0;
    err = veil_read_file(policy_path, 1 << 20, &policy, &policy_len);
    if (err == NULL)
        err = veil_client_trust_from_policy(policy, policy_len, platform, &trust);
    if (err == NULL)
        err = veil_cert_load_file(cert_path, &cert);
    if (err == NULL)
        err = load_key(key_path, &key);
    if (err == NULL && server == NULL && trust.server == NULL)
        err = veil_error_new(VEIL_EINVAL, "the policy names no veracruz_server_url; give --server");
    if (err == NULL)
        err = split_server(server != NULL ? server : trust.server, host, sizeof(host), &port);
    if (err == NULL) {
        veil_client_options options = {.cert = cert, .key = key, .timeout_ms = timeout_ms};
        err = veil_client_connect(host, port, &trust, &options, &client);
    }
    bool connected = err == NULL;
    if (err == NULL)
        err = run_operations(client, argc, argv, optind);
    veil_client_close(client);
    EVP_PKEY_free(key);
    X509_free(cert);
    veil_client_trust_free(&trust);
    free(policy);
    int rc = veil_cli_report(PROG, err);
    /* The runtime's "invalid" (an operation that makes no sense) is not a
     * bad command line: once connected, every failure is exit status 1. */
    return connected && rc == VEIL_EXIT_USAGE ? VEIL_EXIT_FAILURE : rc;
}
