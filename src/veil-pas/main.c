/* veil-pas: the proxy attestation service and its administration commands.
 * A thin edge over lib/untrusted/pas (veil/pas.h). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "veil/log.h"
#include "veil/pas.h"
#include "veil/str.h"
#include "veil/x509.h"

#define PROG "veil-pas"

static void usage(FILE *out) {
    fprintf(out,
            "usage: veil-pas COMMAND [OPTIONS]\n\n"
            "The Veil proxy attestation service: verifies runtime evidence against reference\n"
            "values and issues short-lived runtime certificates (docs/attestation.md).\n\n"
            "commands:\n"
            "  serve          run the HTTP service\n"
            "  init           create the CA in the state directory (if absent)\n"
            "  ca-cert        print the CA certificate (the policy's proxy_service_cert)\n"
            "  enrol-device   enrol a device public key for software evidence\n\n"
            "serve options:\n"
            "  --state DIR              state directory (CA key and certificate, devices)\n"
            "  --listen HOST:PORT       address to listen on (default 127.0.0.1:3010; port 0:\n"
            "                           any free port)\n"
            "  --port-file FILE         write the bound port here once listening\n"
            "  --reference PLATFORM:HEX accepted measurement (repeatable)\n"
            "  --reference-values FILE  accepted measurements (JSON)\n"
            "  --max-validity SECONDS   longest certificate lifetime (default %u)\n"
            "  --nonce-lifetime MS      how long a nonce stays valid (default %u)\n"
            "  --ca-cert FILE --ca-key FILE  use this CA instead of the state directory's\n\n"
            "enrol-device options:\n"
            "  --state DIR --name NAME --public-key FILE [--replace]\n\n"
            "The software evidence format gives no confidentiality against the operator of\n"
            "the machine that runs the runtime; use it for development and machines without\n"
            "a TEE.\n",
            VEIL_PAS_DEFAULT_MAX_VALIDITY_S, VEIL_PAS_DEFAULT_NONCE_LIFETIME_MS);
}

typedef struct options {
    const char *state;
    const char *listen;
    const char *port_file;
    const char *reference_file;
    const char *ca_cert;
    const char *ca_key;
    const char *name;
    const char *public_key;
    bool replace;
    uint64_t max_validity_s;
    uint64_t nonce_lifetime_ms;
    veil_pas_reference *refs;
    size_t ref_count;
} options;

static veil_error *add_reference(options *o, const char *text) {
    veil_pas_reference *grown = realloc(o->refs, (o->ref_count + 1) * sizeof(*grown));
    VEIL_ENSURE(grown != NULL, VEIL_ENOMEM, "out of memory");
    o->refs = grown;
    VEIL_TRY(veil_pas_reference_parse(text, &o->refs[o->ref_count]));
    o->ref_count++;
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

static veil_error *read_text(const char *path, char **out) {
    uint8_t *data;
    size_t len;
    VEIL_TRY(veil_read_file(path, 1 << 20, &data, &len));
    *out = (char *)data;
    return NULL;
}

static int cmd_serve(options *o) {
    if (o->state == NULL)
        return veil_cli_usage_error(PROG " serve", "--state is required");
    if (o->reference_file != NULL) {
        veil_pas_reference *file_refs;
        size_t n;
        veil_error *err = veil_pas_references_load(o->reference_file, &file_refs, &n);
        if (err != NULL)
            return veil_cli_report(PROG, err);
        veil_pas_reference *all = realloc(o->refs, (o->ref_count + n) * sizeof(*all));
        if (all == NULL && o->ref_count + n > 0) {
            free(file_refs);
            return veil_cli_report(PROG, veil_error_new(VEIL_ENOMEM, "out of memory"));
        }
        if (n > 0)
            memcpy(all + o->ref_count, file_refs, n * sizeof(*all));
        free(file_refs);
        o->refs = all;
        o->ref_count += n;
    }
    char host[256];
    uint16_t port;
    veil_error *err =
        parse_listen(o->listen != NULL ? o->listen : "127.0.0.1:3010", host, sizeof(host), &port);
    if (err != NULL)
        return veil_cli_report(PROG, err);
    char *ca_cert = NULL, *ca_key = NULL;
    if ((o->ca_cert != NULL) != (o->ca_key != NULL))
        return veil_cli_usage_error(PROG " serve", "--ca-cert and --ca-key go together");
    if (o->ca_cert != NULL && (err = read_text(o->ca_cert, &ca_cert)) == NULL)
        err = read_text(o->ca_key, &ca_key);
    if (err != NULL) {
        free(ca_cert);
        return veil_cli_report(PROG, err);
    }
    veil_pas_config config = {
        .state_dir = o->state,
        .ca_cert_pem = ca_cert,
        .ca_key_pem = ca_key,
        .max_validity_s = o->max_validity_s,
        .nonce_lifetime_ms = o->nonce_lifetime_ms,
        .references = o->refs,
        .reference_count = o->ref_count,
    };
    veil_pas *pas;
    err = veil_pas_new(&config, &pas);
    free(ca_cert);
    free(ca_key);
    if (err != NULL)
        return veil_cli_report(PROG, err);

    /* Signals are taken synchronously by this thread only. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    uint16_t bound;
    err = veil_pas_serve(pas, host, port, &bound);
    if (err == NULL && o->port_file != NULL) {
        char text[16];
        int n = snprintf(text, sizeof(text), "%u\n", bound);
        err = veil_write_file(o->port_file, text, (size_t)n, 0644);
    }
    if (err != NULL) {
        veil_pas_free(pas);
        return veil_cli_report(PROG, err);
    }
    int sig;
    sigwait(&set, &sig);
    VEIL_INFO("pas", "stopping on signal %d", sig);
    veil_pas_free(pas);
    return VEIL_EXIT_OK;
}

static int cmd_init_or_ca(options *o, bool print) {
    if (o->state == NULL)
        return veil_cli_usage_error(PROG, "--state is required");
    veil_pas_config config = {.state_dir = o->state};
    veil_pas *pas;
    veil_error *err = veil_pas_new(&config, &pas);
    if (err != NULL)
        return veil_cli_report(PROG, err);
    char *pem = NULL;
    err = veil_cert_to_pem(veil_pas_ca_cert(pas), &pem);
    if (err == NULL)
        fputs(print ? pem : "", stdout);
    if (err == NULL && !print)
        printf("CA certificate: %s/ca-cert.pem\n", o->state);
    free(pem);
    veil_pas_free(pas);
    return veil_cli_report(PROG, err);
}

static int cmd_enrol(options *o) {
    if (o->state == NULL || o->name == NULL || o->public_key == NULL)
        return veil_cli_usage_error(PROG " enrol-device",
                                    "--state, --name and --public-key are required");
    char *pem;
    veil_error *err = read_text(o->public_key, &pem);
    if (err == NULL) {
        err = veil_pas_enrol_device(o->state, o->name, pem, strlen(pem), o->replace);
        free(pem);
    }
    if (err == NULL)
        printf("enrolled device '%s'\n", o->name);
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
        {"state", required_argument, NULL, 's'},
        {"listen", required_argument, NULL, 'l'},
        {"port-file", required_argument, NULL, 'p'},
        {"reference", required_argument, NULL, 'r'},
        {"reference-values", required_argument, NULL, 'R'},
        {"max-validity", required_argument, NULL, 'v'},
        {"nonce-lifetime", required_argument, NULL, 'n'},
        {"ca-cert", required_argument, NULL, 'c'},
        {"ca-key", required_argument, NULL, 'k'},
        {"name", required_argument, NULL, 'N'},
        {"public-key", required_argument, NULL, 'P'},
        {"replace", no_argument, NULL, 'x'},
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
        case 's':
            o.state = optarg;
            break;
        case 'l':
            o.listen = optarg;
            break;
        case 'p':
            o.port_file = optarg;
            break;
        case 'r':
            err = add_reference(&o, optarg);
            break;
        case 'R':
            o.reference_file = optarg;
            break;
        case 'v':
            err = veil_parse_u64(optarg, UINT64_C(315360000), "--max-validity", &o.max_validity_s);
            if (err == NULL && o.max_validity_s == 0)
                err = veil_error_new(VEIL_EINVAL, "--max-validity must be at least 1 second");
            break;
        case 'n':
            err = veil_parse_u64(optarg, UINT64_C(86400000), "--nonce-lifetime",
                                 &o.nonce_lifetime_ms);
            if (err == NULL && o.nonce_lifetime_ms == 0)
                err = veil_error_new(VEIL_EINVAL, "--nonce-lifetime must be at least 1 ms");
            break;
        case 'c':
            o.ca_cert = optarg;
            break;
        case 'k':
            o.ca_key = optarg;
            break;
        case 'N':
            o.name = optarg;
            break;
        case 'P':
            o.public_key = optarg;
            break;
        case 'x':
            o.replace = true;
            break;
        case 'V':
            veil_log_set_level(VEIL_LOG_DEBUG);
            break;
        case 'h':
            usage(stdout);
            return VEIL_EXIT_OK;
        default:
            free(o.refs);
            return veil_cli_usage_error(PROG, "unknown option");
        }
    }
    if (err != NULL) {
        free(o.refs);
        return veil_cli_report(PROG, err);
    }
    if (optind < argc) {
        free(o.refs);
        return veil_cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
    }
    int rc;
    if (strcmp(command, "serve") == 0)
        rc = cmd_serve(&o);
    else if (strcmp(command, "init") == 0)
        rc = cmd_init_or_ca(&o, false);
    else if (strcmp(command, "ca-cert") == 0)
        rc = cmd_init_or_ca(&o, true);
    else if (strcmp(command, "enrol-device") == 0)
        rc = cmd_enrol(&o);
    else
        rc = veil_cli_usage_error(PROG, "unknown command '%s'", command);
    free(o.refs);
    return rc;
}
