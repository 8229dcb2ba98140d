/*
 * `veil policy`: check, hash, explain, generate and merge policies.
 *
 * A thin front end over lib/policy: everything it decides (validity, rights,
 * merging) is the library's; this file reads files and arguments, builds
 * the JSON for `generate` (checked by the library before it is written) and
 * prints.  See docs/policy.md for the format.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "commands_gen.h"
#include "veil/encoding.h"
#include "veil/hash.h"
#include "veil/json.h"
#include "veil/policy.h"
#include "veil/str.h"
#include "veil/wasi_rights.h"
#include "veil/x509.h"

const char veil_cmd_policy_summary[] = "check, hash, explain, generate and merge policies";

static const char usage_text[] =
    "usage: veil policy COMMAND [OPTIONS] ...\n"
    "\n"
    "Global policies say who may do what in a runtime instance; function, user\n"
    "and VaaS policies are the parts the services merge into one (docs/policy.md).\n"
    "\n"
    "commands:\n"
    "  check [--kind KIND] FILE...   validate; print a summary, or every problem\n"
    "  hash FILE...                  the policy hash: SHA-256 of the exact bytes\n"
    "  explain [--kind KIND] FILE    who may do what where\n"
    "  generate OPTIONS...           write a global policy (like Veracruz's generate-policy)\n"
    "  merge OPTIONS...              function + user -> VaaS policy; VaaS + infrastructure\n"
    "                                -> global policy\n"
    "\n"
    "KIND is global, function, user, vaas or any (the default: detected from the keys).\n"
    "Run 'veil policy COMMAND --help' for a command's options.\n";

/* ---- small helpers ---- */

static bool is_help(const char *arg) {
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* Reads a whole text file (certificates, PCR files). */
static veil_error *read_text(const char *path, size_t max_bytes, char **out) {
    uint8_t *data;
    size_t len;
    VEIL_TRY(veil_read_file(path, max_bytes, &data, &len));
    *out = (char *)data;
    return NULL;
}

/* A certificate file as canonical PEM without the final newline (the form
 * Veracruz policies use). */
static veil_error *certificate_pem(const char *path, char **out) {
    X509 *cert;
    VEIL_TRY(veil_cert_load_file(path, &cert));
    char *pem;
    veil_error *err = veil_cert_to_pem(cert, &pem);
    X509_free(cert);
    if (err != NULL)
        return err;
    size_t len = strlen(pem);
    while (len > 0 && (pem[len - 1] == '\n' || pem[len - 1] == '\r'))
        pem[--len] = '\0';
    *out = pem;
    return NULL;
}

static veil_error *file_sha256_hex(const char *path, char out[VEIL_SHA256_HEX_LEN + 1]) {
    uint8_t hash[VEIL_SHA256_LEN];
    VEIL_TRY(veil_sha256_file(path, hash));
    veil_hex_encode(hash, VEIL_SHA256_LEN, out);
    return NULL;
}

/* A PCR0 file as written by nitro-cli (hex, maybe with whitespace): all its
 * hex digits, lowercase. */
static veil_error *read_pcr_file(const char *path, char out[97]) {
    char *text;
    VEIL_TRY(read_text(path, 4096, &text));
    size_t n = 0;
    veil_error *err = NULL;
    for (const char *p = text; *p != '\0' && err == NULL; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
            continue;
        if (n >= 96 ||
            !((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
            err = veil_error_new(VEIL_EINVAL, "%s: expected the hex PCR0 (96 digits)", path);
        else
            out[n++] = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
    }
    free(text);
    if (err == NULL && n != 96 && n != 64)
        err = veil_error_new(VEIL_EINVAL, "%s: expected 96 (or 64) hex digits, found %zu", path, n);
    out[n] = '\0';
    return err;
}

static veil_error *write_output(const char *path, const char *text, size_t len) {
    if (path == NULL || strcmp(path, "-") == 0) {
        if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
            return veil_error_new(VEIL_EIO, "cannot write the policy to standard output");
        return NULL;
    }
    return veil_write_file(path, text, len, 0644);
}

/* "  warning" lines for a parsed policy. */
static void print_warnings(const char *file, const veil_policy *policy) {
    for (size_t i = 0; i < veil_policy_warning_count(policy); i++)
        fprintf(stderr, "%s: warning: %s\n", file, veil_policy_warning(policy, i));
}

static size_t count_kind(const veil_policy *policy, veil_principal_kind kind) {
    size_t n = 0;
    for (size_t i = 0; i < veil_policy_principal_count(policy); i++)
        n += veil_policy_principal_at(policy, i)->kind == kind;
    return n;
}

static const char *plural(size_t n, const char *one, const char *many) {
    return n == 1 ? one : many;
}

/* ---- check ---- */

static void print_summary(const char *file, const veil_policy *policy) {
    const veil_policy_settings *s = veil_policy_settings_of(policy);
    char hash[VEIL_SHA256_HEX_LEN + 1];
    veil_policy_hash_hex(policy, hash);
    size_t ids = count_kind(policy, VEIL_PRINCIPAL_IDENTITY);
    size_t programs = count_kind(policy, VEIL_PRINCIPAL_PROGRAM);
    const char *strategy = s->execution_strategy == VEIL_POLICY_JIT ? "JIT" : "Interpretation";
    printf("%s: valid %s policy", file, veil_policy_kind_name(s->kind));
    switch (s->kind) {
    case VEIL_POLICY_FUNCTION:
        printf(" \"%s\": %zu %s, %zu data %s, %s, %u MiB", s->function, programs,
               plural(programs, "program", "programs"), s->data_file_count,
               plural(s->data_file_count, "file", "files"), strategy, s->max_memory_mib);
        break;
    case VEIL_POLICY_USER:
        printf(" for function \"%s\", instance \"%s\": %zu %s", s->function, s->instance_id, ids,
               plural(ids, "identity", "identities"));
        break;
    default:
        printf(": %zu %s, %zu %s, %zu file %s, %s, %u MiB", ids,
               plural(ids, "identity", "identities"), programs,
               plural(programs, "program", "programs"), s->file_hash_count,
               plural(s->file_hash_count, "hash", "hashes"), strategy, s->max_memory_mib);
        if (s->kind == VEIL_POLICY_GLOBAL)
            printf(", server %s, runtime %s%s%s", s->server_url,
                   s->runtime_hash_nitro != NULL ? "nitro" : "",
                   s->runtime_hash_nitro != NULL && s->runtime_hash_linux != NULL ? "+" : "",
                   s->runtime_hash_linux != NULL ? "linux" : "");
        break;
    }
    printf("; sha256 %s\n", hash);
}

static int parse_kind_option(int argc, char **argv, const char *prog, veil_policy_kind *kind,
                             int *first_file) {
    static const struct option options[] = {
        {"kind", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *kind = VEIL_POLICY_ANY;
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "+hk:", options, NULL)) != -1) {
        if (opt == 'k') {
            veil_error *err = veil_policy_kind_parse(optarg, kind);
            if (err != NULL)
                return veil_cli_report(prog, err);
        } else if (opt == 'h') {
            return -1;
        } else {
            return veil_cli_usage_error(prog, "unknown option '%s'", argv[optind - 1]);
        }
    }
    *first_file = optind;
    return VEIL_EXIT_OK;
}

static int cmd_check(int argc, char **argv) {
    const char *prog = "veil policy check";
    veil_policy_kind kind;
    int first;
    int rc = parse_kind_option(argc, argv, prog, &kind, &first);
    if (rc == -1) {
        printf("usage: veil policy check [--kind KIND] FILE...\n\n"
               "Validates each policy: every error is listed with its JSON path; a valid policy\n"
               "gets a one-line summary with its hash.  Warnings (ignored legacy keys, programs\n"
               "without a hash, an expiry in the past) go to standard error.\n\n"
               "  --kind KIND   global, function, user, vaas, or any (default: detect)\n"
               "Exit status: 0 when every file is valid, 1 otherwise, 2 for usage errors.\n");
        return VEIL_EXIT_OK;
    }
    if (rc != VEIL_EXIT_OK)
        return rc;
    if (first >= argc)
        return veil_cli_usage_error(prog, "no policy file given");
    int status = VEIL_EXIT_OK;
    for (int i = first; i < argc; i++) {
        veil_policy *policy;
        veil_error *err = veil_policy_load_file(argv[i], kind, &policy);
        if (err != NULL) {
            fprintf(stderr, "%s\n", veil_error_message(err));
            veil_error_free(err);
            status = VEIL_EXIT_FAILURE;
            continue;
        }
        print_summary(argv[i], policy);
        print_warnings(argv[i], policy);
        const veil_policy_settings *s = veil_policy_settings_of(policy);
        if (s->has_expiry && veil_policy_expiry_to_unix(&s->enclave_cert_expiry) < time(NULL))
            fprintf(stderr, "%s: warning: enclave_cert_expiry is in the past\n", argv[i]);
        veil_policy_free(policy);
    }
    return status;
}

/* ---- hash ---- */

static int cmd_hash(int argc, char **argv) {
    const char *prog = "veil policy hash";
    if (argc > 1 && is_help(argv[1])) {
        printf("usage: veil policy hash FILE...\n\n"
               "Prints the policy hash: the SHA-256 of the file's exact bytes, in lowercase hex\n"
               "(the value clients compare with the runtime's).  With several files each line\n"
               "is \"HASH  FILE\", as sha256sum prints it.  The file is not validated; use\n"
               "'veil policy check' for that.\n");
        return VEIL_EXIT_OK;
    }
    if (argc < 2)
        return veil_cli_usage_error(prog, "no policy file given");
    int status = VEIL_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        char hex[VEIL_SHA256_HEX_LEN + 1];
        veil_error *err = file_sha256_hex(argv[i], hex);
        if (err != NULL) {
            status = veil_cli_report(prog, err);
            continue;
        }
        if (argc == 2)
            printf("%s\n", hex);
        else
            printf("%s  %s\n", hex, argv[i]);
    }
    return status;
}

/* ---- explain ---- */

/* Plain words for the rights that matter to a reader. */
static void rights_words(uint64_t rights, char *buf, size_t size) {
    static const struct {
        uint64_t bit;
        const char *word;
    } words[] = {
        {VEIL_RIGHT_FD_READ, "read"},
        {VEIL_RIGHT_FD_READDIR, "list"},
        {VEIL_RIGHT_FD_WRITE, "write"},
        {VEIL_RIGHT_PATH_CREATE_FILE, "create files"},
        {VEIL_RIGHT_PATH_CREATE_DIRECTORY, "create directories"},
        {VEIL_RIGHT_PATH_FILESTAT_SET_SIZE, "truncate"},
        {VEIL_RIGHT_PATH_UNLINK_FILE, "delete"},
        {VEIL_RIGHT_PATH_RENAME_SOURCE, "rename"},
        {VEIL_RIGHT_EXECUTE, "execute"},
    };
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]) && n < size; i++)
        if (rights & words[i].bit)
            n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "", words[i].word);
    if (n == 0)
        snprintf(buf, size, "%s", rights == 0 ? "nothing" : "(other rights only)");
}

static void explain_principal(const veil_policy *policy, const veil_policy_principal *pr) {
    printf("\n%s", pr->name);
    if (pr->certificate != NULL) {
        char subject[256], key[64], fingerprint[VEIL_SHA256_HEX_LEN + 1] = "";
        veil_cert_subject(pr->certificate, subject, sizeof(subject));
        veil_cert_key_description(pr->certificate, key, sizeof(key));
        veil_error *err = veil_cert_fingerprint(pr->certificate, fingerprint);
        veil_error_free(err);
        printf("  %s (%s, certificate SHA-256 %.16s...)", subject[0] ? subject : "(no subject)",
               key, fingerprint);
    }
    if (pr->kind == VEIL_PRINCIPAL_LOADER)
        printf("  (the CCFaaS identity that uploads programs and data files)");
    if (pr->kind == VEIL_PRINCIPAL_PROGRAM)
        printf("  (memory limit %u MiB)", pr->max_memory_mib);
    if (pr->may_shutdown)
        printf("  [may shut the instance down]");
    printf("\n");
    const veil_policy_grant *grants;
    size_t count;
    veil_policy_grants(policy, pr, &grants, &count);
    if (count == 0)
        printf("    (no rights)\n");
    size_t width = 4;
    for (size_t g = 0; g < count; g++)
        if (strlen(grants[g].path) > width)
            width = strlen(grants[g].path);
    for (size_t g = 0; g < count; g++) {
        char shorthand[32], words[160];
        veil_rights_shorthand(grants[g].base_rights, shorthand, sizeof(shorthand));
        rights_words(grants[g].base_rights, words, sizeof(words));
        printf("    %-*s  %-10s %s\n", (int)width, grants[g].path, shorthand, words);
    }
}

static void explain_settings(const char *file, const veil_policy *policy) {
    const veil_policy_settings *s = veil_policy_settings_of(policy);
    char hash[VEIL_SHA256_HEX_LEN + 1];
    veil_policy_hash_hex(policy, hash);
    printf("%s: %s policy", file, veil_policy_kind_name(s->kind));
    if (s->function != NULL)
        printf(", function \"%s\"", s->function);
    if (s->instance_id != NULL)
        printf(", instance \"%s\"", s->instance_id);
    printf("\npolicy hash (SHA-256): %s\n", hash);
    if (s->kind != VEIL_POLICY_USER) {
        printf("execution: %s, memory %u MiB, clock %s, debug %s, time limit %" PRIu64 " ms, ",
               s->execution_strategy == VEIL_POLICY_JIT ? "JIT (compiled)" : "Interpretation",
               s->max_memory_mib, s->enable_clock ? "on" : "off", s->debug ? "on" : "off",
               s->max_execution_time_ms);
        if (s->max_execution_fuel != 0)
            printf("fuel limit %" PRIu64 "\n", s->max_execution_fuel);
        else
            printf("no fuel limit\n");
    }
    if (s->ciphersuite != NULL)
        printf("TLS: %s\n", s->ciphersuite);
    if (s->server_url != NULL)
        printf("instance: %s\n", s->server_url);
    if (s->pas_url != NULL) {
        char subject[256] = "";
        if (s->pas_cert != NULL)
            veil_cert_subject(s->pas_cert, subject, sizeof(subject));
        printf("attestation: PAS %s, certificate %s\n", s->pas_url, subject);
    }
    if (s->runtime_hash_nitro != NULL)
        printf("runtime measurement (nitro): %s\n", s->runtime_hash_nitro);
    if (s->runtime_hash_linux != NULL)
        printf("runtime measurement (linux): %s\n", s->runtime_hash_linux);
    if (s->has_expiry) {
        const veil_policy_expiry *e = &s->enclave_cert_expiry;
        printf("runtime certificate expires: %04d-%02d-%02d %02d:%02d UTC\n", e->year, e->month,
               e->day, e->hour, e->minute);
    }
}

static int cmd_explain(int argc, char **argv) {
    const char *prog = "veil policy explain";
    veil_policy_kind kind;
    int first;
    int rc = parse_kind_option(argc, argv, prog, &kind, &first);
    if (rc == -1) {
        printf("usage: veil policy explain [--kind KIND] FILE\n\n"
               "Prints who may do what where: every principal (identities with their\n"
               "certificate subjects, programs, the loader) and its rights on each path, as\n"
               "shorthand (r, w, x, rw, wx; otherwise the number) and in words.  A principal's\n"
               "rights on a path are those of its most specific grant.  Also prints the\n"
               "settings, who may shut the instance down, and the expected file hashes.\n");
        return VEIL_EXIT_OK;
    }
    if (rc != VEIL_EXIT_OK)
        return rc;
    if (argc - first != 1)
        return veil_cli_usage_error(prog, "expected one policy file");
    veil_policy *policy;
    veil_error *err = veil_policy_load_file(argv[first], kind, &policy);
    if (err != NULL) {
        fprintf(stderr, "%s\n", veil_error_message(err));
        veil_error_free(err);
        return VEIL_EXIT_FAILURE;
    }
    explain_settings(argv[first], policy);
    printf("\nWHO may do WHAT, WHERE (rights cover the path and everything below it):\n");
    for (size_t i = 0; i < veil_policy_principal_count(policy); i++)
        explain_principal(policy, veil_policy_principal_at(policy, i));
    const veil_policy_settings *s = veil_policy_settings_of(policy);
    if (s->kind != VEIL_POLICY_FUNCTION) {
        printf("\nshutdown: ");
        size_t n = 0;
        for (size_t i = 0; i < veil_policy_principal_count(policy); i++) {
            const veil_policy_principal *pr = veil_policy_principal_at(policy, i);
            if (pr->may_shutdown)
                printf("%s%s", n++ ? ", " : "", pr->name);
        }
        printf("%s\n", n == 0 ? "no identity may shut the instance down (may_shutdown)" : "");
    }
    if (s->file_hash_count > 0) {
        printf("\nfiles that must have these SHA-256 hashes:\n");
        for (size_t i = 0; i < s->file_hash_count; i++) {
            char hex[VEIL_SHA256_HEX_LEN + 1];
            veil_hex_encode(s->file_hashes[i].sha256, VEIL_SHA256_LEN, hex);
            printf("    %s  %s\n", hex, s->file_hashes[i].path);
        }
    }
    printf("\nshorthands: r = %" PRIu64 ", w = %" PRIu64 ", x = %" PRIu64 ", rw = %" PRIu64
           ", wx = %" PRIu64 "\n",
           VEIL_RIGHTS_R, VEIL_RIGHTS_W, VEIL_RIGHTS_X, VEIL_RIGHTS_RW, VEIL_RIGHTS_WX);
    print_warnings(argv[first], policy);
    veil_policy_free(policy);
    return VEIL_EXIT_OK;
}

/* ---- generate ---- */

typedef struct string_list {
    char **items;
    size_t count;
} string_list;

static veil_error *list_add(string_list *list, const char *text) {
    char **grown = realloc(list->items, (list->count + 1) * sizeof(char *));
    if (grown == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory");
    list->items = grown;
    return veil_strdup(text, &list->items[list->count++]);
}

/* Adds each comma-separated entry of text. */
static veil_error *list_add_split(string_list *list, const char *text) {
    char *copy;
    VEIL_TRY(veil_strdup(text, &copy));
    veil_error *err = NULL;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t != NULL && err == NULL;
         t = strtok_r(NULL, ",", &save))
        err = list_add(list, t);
    free(copy);
    return err;
}

static void list_free(string_list *list) {
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
}

/* "/enclave/path" for a name, adding the leading slash Veracruz adds. */
static veil_error *enclave_path(const char *name, char **out) {
    if (strcmp(name, "stdin") == 0 || strcmp(name, "stdout") == 0 || strcmp(name, "stderr") == 0 ||
        name[0] == '/')
        return veil_strdup(name, out);
    return veil_asprintf(out, "/%s", name);
}

/* "[ENCLAVE=]LOCAL" -> enclave path and local file. */
static veil_error *renamable(const char *spec, char **enclave, const char **local) {
    const char *eq = strchr(spec, '=');
    if (eq == NULL) {
        *local = spec;
        return enclave_path(spec, enclave);
    }
    char *name;
    VEIL_TRY(veil_asprintf(&name, "%.*s", (int)(eq - spec), spec));
    *local = eq + 1;
    veil_error *err = enclave_path(name, enclave);
    free(name);
    return err;
}

/* "path:rights,path:rights" -> file_rights array. */
static veil_error *capability_json(const char *spec, json_t **out) {
    json_t *array = json_array();
    char *copy;
    veil_error *err = veil_strdup(spec, &copy);
    char *save = NULL;
    for (char *t = err ? NULL : strtok_r(copy, ",", &save); t != NULL && err == NULL;
         t = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(t, ':');
        if (colon == NULL) {
            err = veil_error_new(VEIL_EINVAL,
                                 "capability \"%s\": expected PATH:RIGHTS (RIGHTS: r, w, x, "
                                 "rw, wx, ... or a number)",
                                 t);
            break;
        }
        *colon = '\0';
        char *name = t;
        while (*name == ' ')
            name++;
        uint64_t rights;
        char *path = NULL;
        err = veil_rights_parse(colon + 1, &rights);
        if (err == NULL)
            err = enclave_path(name, &path);
        if (err == NULL) {
            json_t *entry =
                json_pack("{s:s, s:I}", "file_name", path, "rights", (json_int_t)rights);
            if (entry == NULL || json_array_append_new(array, entry) != 0)
                err = veil_error_new(VEIL_ENOMEM, "out of memory");
        }
        free(path);
        err = veil_error_wrap(err, "capability \"%s\"", spec);
    }
    free(copy);
    if (err != NULL) {
        json_decref(array);
        return err;
    }
    *out = array;
    return NULL;
}

typedef struct generate_args {
    string_list certificates, capabilities, programs, hashes, shutdown;
    const char *server_url, *pas_url, *pas_cert, *pcr_file, *nitro_hash, *linux_runtime,
        *linux_hash, *output, *expiry, *strategy, *ciphersuite;
    const char *max_memory_mib, *max_time_ms, *max_fuel;
    bool debug, enable_clock;
} generate_args;

static const char generate_help[] =
    "usage: veil policy generate OPTIONS\n\n"
    "Writes a global policy, like Veracruz's generate-policy: one identity per\n"
    "--certificate and one program per --program-binary, each with the next\n"
    "--capability in order (all certificates first, then all programs).  Programs\n"
    "and --hash files are hashed into file_hashes.  The result is validated before\n"
    "it is written.\n\n"
    "  -c, --certificate FILE          a participant's PEM certificate (repeat)\n"
    "  -p, --capability CAPS           'PATH:RIGHTS,...' for the next certificate or\n"
    "                                  program; RIGHTS is r, w, x, rw, wx (any mix) or a\n"
    "                                  number; stdin/stdout/stderr name the streams\n"
    "  -w, --program-binary [NAME=]FILE  a program (NAME: its path in the instance)\n"
    "      --hash [NAME=]FILE          another file whose SHA-256 is enforced (repeat)\n"
    "  -s, --server-url HOST:PORT      the instance (alias --veracruz-server-ip)\n"
    "  -t, --pas-url HOST:PORT         the PAS (alias --proxy-attestation-server-ip)\n"
    "      --pas-cert FILE             the PAS CA certificate\n"
    "                                  (alias --proxy-attestation-server-cert)\n"
    "  -l, --pcr-file FILE             nitro runtime measurement: the PCR0 file\n"
    "      --nitro-hash HEX            ... or the value itself (64 or 96 hex digits)\n"
    "  -b, --linux-runtime FILE        linux runtime measurement: SHA-256 of the runtime\n"
    "                                  binary (alias --css-file)\n"
    "      --linux-hash HEX            ... or the value itself\n"
    "  -x, --certificate-expiry TIME   runtime certificate expiry: RFC 2822\n"
    "                                  (\"Fri, 01 Jan 2027 00:00:00 +0000\") or ISO 8601\n"
    "                                  (\"2027-01-01T00:00Z\")\n"
    "  -e, --execution-strategy S      Interpretation or JIT (default JIT)\n"
    "  -d, --enclave-debug-mode        let programs write to the host's stdout\n"
    "  -n, --enable-clock              let programs read clocks\n"
    "  -m, --max-memory-mib N          memory for the instance (default 256)\n"
    "      --max-execution-time-ms N   wall-time limit per execution (default 600000)\n"
    "      --max-execution-fuel N      fuel limit per execution (default: none)\n"
    "      --shutdown INDEX            certificate INDEX (0 = first) may shut the instance\n"
    "                                  down (repeat; default: nobody)\n"
    "      --ciphersuite NAME          default " VEIL_POLICY_DEFAULT_CIPHERSUITE "\n"
    "  -o, --output FILE               where to write (alias --output-policy-file;\n"
    "                                  default standard output)\n"
    "At least one runtime measurement (nitro or linux) is required.\n";

static int parse_generate_args(int argc, char **argv, generate_args *a) {
    const char *prog = "veil policy generate";
    enum {
        O_HASH = 256,
        O_PAS_CERT,
        O_NITRO_HASH,
        O_LINUX_HASH,
        O_TIME,
        O_FUEL,
        O_SHUTDOWN,
        O_CIPHERSUITE,
    };
    static const struct option options[] = {
        {"certificate", required_argument, NULL, 'c'},
        {"capability", required_argument, NULL, 'p'},
        {"program-binary", required_argument, NULL, 'w'},
        {"hash", required_argument, NULL, O_HASH},
        {"hashes", required_argument, NULL, O_HASH},
        {"server-url", required_argument, NULL, 's'},
        {"veracruz-server-ip", required_argument, NULL, 's'},
        {"pas-url", required_argument, NULL, 't'},
        {"proxy-attestation-server-ip", required_argument, NULL, 't'},
        {"pas-cert", required_argument, NULL, O_PAS_CERT},
        {"proxy-attestation-server-cert", required_argument, NULL, O_PAS_CERT},
        {"pcr-file", required_argument, NULL, 'l'},
        {"nitro-hash", required_argument, NULL, O_NITRO_HASH},
        {"linux-runtime", required_argument, NULL, 'b'},
        {"css-file", required_argument, NULL, 'b'},
        {"linux-hash", required_argument, NULL, O_LINUX_HASH},
        {"certificate-expiry", required_argument, NULL, 'x'},
        {"execution-strategy", required_argument, NULL, 'e'},
        {"enclave-debug-mode", no_argument, NULL, 'd'},
        {"enable-clock", no_argument, NULL, 'n'},
        {"max-memory-mib", required_argument, NULL, 'm'},
        {"max-execution-time-ms", required_argument, NULL, O_TIME},
        {"max-execution-fuel", required_argument, NULL, O_FUEL},
        {"shutdown", required_argument, NULL, O_SHUTDOWN},
        {"ciphersuite", required_argument, NULL, O_CIPHERSUITE},
        {"output", required_argument, NULL, 'o'},
        {"output-policy-file", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    int opt;
    veil_error *err = NULL;
    while (err == NULL &&
           (opt = getopt_long(argc, argv, "+hc:p:w:s:t:l:b:x:e:dnm:o:", options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(generate_help, stdout);
            return -1;
        case 'c':
            err = list_add(&a->certificates, optarg);
            break;
        case 'p':
            err = list_add(&a->capabilities, optarg);
            break;
        case 'w':
            err = list_add_split(&a->programs, optarg);
            break;
        case O_HASH:
            err = list_add_split(&a->hashes, optarg);
            break;
        case O_SHUTDOWN:
            err = list_add(&a->shutdown, optarg);
            break;
        case 's':
            a->server_url = optarg;
            break;
        case 't':
            a->pas_url = optarg;
            break;
        case O_PAS_CERT:
            a->pas_cert = optarg;
            break;
        case 'l':
            a->pcr_file = optarg;
            break;
        case O_NITRO_HASH:
            a->nitro_hash = optarg;
            break;
        case 'b':
            a->linux_runtime = optarg;
            break;
        case O_LINUX_HASH:
            a->linux_hash = optarg;
            break;
        case 'x':
            a->expiry = optarg;
            break;
        case 'e':
            a->strategy = optarg;
            break;
        case 'd':
            a->debug = true;
            break;
        case 'n':
            a->enable_clock = true;
            break;
        case 'm':
            a->max_memory_mib = optarg;
            break;
        case O_TIME:
            a->max_time_ms = optarg;
            break;
        case O_FUEL:
            a->max_fuel = optarg;
            break;
        case O_CIPHERSUITE:
            a->ciphersuite = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        default:
            return veil_cli_usage_error(prog, "unknown option or missing value: '%s'",
                                        argv[optind - 1]);
        }
    }
    if (err != NULL)
        return veil_cli_report(prog, err);
    if (optind < argc)
        return veil_cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
    const char *missing = a->certificates.count == 0 ? "--certificate"
                          : a->programs.count == 0   ? "--program-binary"
                          : a->server_url == NULL    ? "--server-url"
                          : a->pas_url == NULL       ? "--pas-url"
                          : a->pas_cert == NULL      ? "--pas-cert"
                          : a->expiry == NULL        ? "--certificate-expiry"
                                                     : NULL;
    if (missing != NULL)
        return veil_cli_usage_error(prog, "%s is required", missing);
    if (a->pcr_file == NULL && a->nitro_hash == NULL && a->linux_runtime == NULL &&
        a->linux_hash == NULL)
        return veil_cli_usage_error(prog, "a runtime measurement is required (--pcr-file, "
                                          "--nitro-hash, --linux-runtime or --linux-hash)");
    if ((a->pcr_file != NULL && a->nitro_hash != NULL) ||
        (a->linux_runtime != NULL && a->linux_hash != NULL))
        return veil_cli_usage_error(prog, "give each runtime measurement once (a file or a "
                                          "value)");
    if (a->capabilities.count != a->certificates.count + a->programs.count)
        return veil_cli_usage_error(prog,
                                    "%zu --capability options for %zu certificates and %zu "
                                    "programs: give one per certificate, then one per program",
                                    a->capabilities.count, a->certificates.count,
                                    a->programs.count);
    return VEIL_EXIT_OK;
}

static veil_error *parse_number(const char *text, const char *what, uint64_t max, json_t **out) {
    uint64_t value;
    VEIL_TRY(veil_parse_u64(text, max, what, &value));
    *out = json_integer((json_int_t)value);
    return NULL;
}

static veil_error *build_identities(const generate_args *a, json_t *doc) {
    json_t *identities = json_array();
    json_object_set_new(doc, "identities", identities);
    for (size_t i = 0; i < a->certificates.count; i++) {
        char *pem;
        VEIL_TRY(certificate_pem(a->certificates.items[i], &pem));
        json_t *rights;
        veil_error *err = capability_json(a->capabilities.items[i], &rights);
        if (err != NULL) {
            free(pem);
            return err;
        }
        json_t *identity = json_pack("{s:s, s:I, s:o}", "certificate", pem, "id", (json_int_t)i,
                                     "file_rights", rights);
        free(pem);
        if (identity == NULL || json_array_append_new(identities, identity) != 0)
            return veil_error_new(VEIL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < a->shutdown.count; i++) {
        uint64_t index;
        VEIL_TRY(veil_parse_u64(a->shutdown.items[i], SIZE_MAX, "--shutdown", &index));
        json_t *identity = json_array_get(identities, (size_t)index);
        VEIL_ENSURE(identity != NULL, VEIL_EINVAL,
                    "--shutdown %" PRIu64 ": there are only %zu certificates (0 is the first)",
                    index, a->certificates.count);
        json_object_set_new(identity, "may_shutdown", json_true());
    }
    return NULL;
}

static veil_error *build_programs(const generate_args *a, json_t *doc) {
    json_t *programs = json_array(), *hashes = json_array();
    json_object_set_new(doc, "programs", programs);
    json_object_set_new(doc, "file_hashes", hashes);
    for (size_t i = 0; i < a->programs.count + a->hashes.count; i++) {
        bool is_program = i < a->programs.count;
        const char *spec =
            is_program ? a->programs.items[i] : a->hashes.items[i - a->programs.count];
        char *name;
        const char *local;
        VEIL_TRY(renamable(spec, &name, &local));
        char hex[VEIL_SHA256_HEX_LEN + 1];
        veil_error *err = file_sha256_hex(local, hex);
        json_t *rights = NULL;
        if (err == NULL && is_program)
            err = capability_json(a->capabilities.items[a->certificates.count + i], &rights);
        if (err == NULL && is_program) {
            json_t *program = json_pack("{s:s, s:I, s:o}", "program_file_name", name, "id",
                                        (json_int_t)i, "file_rights", rights);
            if (program == NULL || json_array_append_new(programs, program) != 0)
                err = veil_error_new(VEIL_ENOMEM, "out of memory");
        }
        if (err == NULL) {
            json_t *hash = json_pack("{s:s, s:s}", "file_path", name, "hash", hex);
            if (hash == NULL || json_array_append_new(hashes, hash) != 0)
                err = veil_error_new(VEIL_ENOMEM, "out of memory");
        }
        free(name);
        if (err != NULL)
            return err;
    }
    return NULL;
}

static veil_error *build_policy(const generate_args *a, json_t *doc) {
    VEIL_TRY(build_identities(a, doc));
    VEIL_TRY(build_programs(a, doc));
    json_object_set_new(doc, "veracruz_server_url", json_string(a->server_url));
    veil_policy_expiry expiry;
    VEIL_TRY(veil_policy_expiry_parse(a->expiry, &expiry));
    json_object_set_new(doc, "enclave_cert_expiry",
                        json_pack("{s:i, s:i, s:i, s:i, s:i}", "year", expiry.year, "month",
                                  expiry.month, "day", expiry.day, "hour", expiry.hour, "minute",
                                  expiry.minute));
    json_object_set_new(
        doc, "ciphersuite",
        json_string(a->ciphersuite ? a->ciphersuite : VEIL_POLICY_DEFAULT_CIPHERSUITE));
    char hex[VEIL_SHA256_HEX_LEN + 1];
    if (a->linux_runtime != NULL) {
        VEIL_TRY(file_sha256_hex(a->linux_runtime, hex));
        json_object_set_new(doc, "runtime_manager_hash_linux", json_string(hex));
    } else if (a->linux_hash != NULL) {
        json_object_set_new(doc, "runtime_manager_hash_linux", json_string(a->linux_hash));
    }
    char pcr[97];
    if (a->pcr_file != NULL) {
        VEIL_TRY(read_pcr_file(a->pcr_file, pcr));
        json_object_set_new(doc, "runtime_manager_hash_nitro", json_string(pcr));
    } else if (a->nitro_hash != NULL) {
        json_object_set_new(doc, "runtime_manager_hash_nitro", json_string(a->nitro_hash));
    }
    json_object_set_new(doc, "proxy_attestation_server_url", json_string(a->pas_url));
    char *pas_pem;
    VEIL_TRY(certificate_pem(a->pas_cert, &pas_pem));
    json_object_set_new(doc, "proxy_service_cert", json_string(pas_pem));
    free(pas_pem);
    json_object_set_new(doc, "debug", json_boolean(a->debug));
    json_object_set_new(doc, "execution_strategy", json_string(a->strategy ? a->strategy : "JIT"));
    json_object_set_new(doc, "enable_clock", json_boolean(a->enable_clock));
    json_t *number;
    VEIL_TRY(parse_number(a->max_memory_mib ? a->max_memory_mib : "256", "--max-memory-mib",
                          UINT32_MAX, &number));
    json_object_set_new(doc, "max_memory_mib", number);
    if (a->max_time_ms != NULL) {
        VEIL_TRY(parse_number(a->max_time_ms, "--max-execution-time-ms", INT64_MAX, &number));
        json_object_set_new(doc, "max_execution_time_ms", number);
    }
    if (a->max_fuel != NULL) {
        VEIL_TRY(parse_number(a->max_fuel, "--max-execution-fuel", INT64_MAX, &number));
        json_object_set_new(doc, "max_execution_fuel", number);
    }
    return NULL;
}

/* Serialises (2-space indent, like Veracruz's to_string_pretty), validates
 * as a global policy and writes. */
static veil_error *finish_policy(json_t *doc, veil_policy_kind kind, const char *output) {
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL)
        return veil_error_new(VEIL_ENOMEM, "cannot serialise the policy");
    size_t len = strlen(text);
    char *with_newline = realloc(text, len + 2);
    if (with_newline == NULL) {
        free(text);
        return veil_error_new(VEIL_ENOMEM, "out of memory");
    }
    with_newline[len++] = '\n';
    with_newline[len] = '\0';
    veil_policy *check;
    veil_error *err = veil_policy_parse(with_newline, len, "generated policy", kind, &check);
    if (err == NULL) {
        veil_policy_free(check);
        err = write_output(output, with_newline, len);
    }
    free(with_newline);
    return err;
}

static int cmd_generate(int argc, char **argv) {
    const char *prog = "veil policy generate";
    generate_args a = {0};
    int rc = parse_generate_args(argc, argv, &a);
    if (rc == VEIL_EXIT_OK) {
        json_t *doc = json_object();
        veil_error *err =
            doc == NULL ? veil_error_new(VEIL_ENOMEM, "out of memory") : build_policy(&a, doc);
        if (err == NULL)
            err = finish_policy(doc, VEIL_POLICY_GLOBAL, a.output);
        json_decref(doc);
        if (err != NULL && veil_error_code(err) == VEIL_EMALFORMED) {
            fprintf(stderr, "%s: the options make an invalid policy:\n%s\n", prog,
                    veil_error_message(err));
            veil_error_free(err);
            rc = VEIL_EXIT_FAILURE;
        } else {
            rc = veil_cli_report(prog, err);
        }
    }
    list_free(&a.certificates);
    list_free(&a.capabilities);
    list_free(&a.programs);
    list_free(&a.hashes);
    list_free(&a.shutdown);
    return rc == -1 ? VEIL_EXIT_OK : rc;
}

/* ---- merge ---- */

static const char merge_help[] =
    "usage: veil policy merge --function FILE --user FILE [--loader-cert FILE] [-o OUT]\n"
    "       veil policy merge --vaas FILE --server-url HOST:PORT --pas-url HOST:PORT\n"
    "                         --pas-cert FILE RUNTIME... [--expiry-days N] [-o OUT]\n\n"
    "The first form is what CCFaaS does: function policy + user policy -> VaaS\n"
    "policy.  --loader-cert is CCFaaS's own certificate: it becomes the last\n"
    "identity, with the function's top-level file_rights.\n"
    "The second form is what VaaS does: VaaS policy + infrastructure -> global\n"
    "policy.  RUNTIME is one or more of --pcr-file FILE, --nitro-hash HEX,\n"
    "--linux-runtime FILE, --linux-hash HEX.  Without an enclave_cert_expiry in\n"
    "the VaaS policy, the expiry is now + --expiry-days (default 180), in UTC.\n"
    "Output is validated; default output is standard output.\n";

static int cmd_merge(int argc, char **argv) {
    const char *prog = "veil policy merge";
    enum {
        O_FUNCTION = 256,
        O_USER,
        O_LOADER,
        O_VAAS,
        O_SERVER,
        O_PAS,
        O_PAS_CERT,
        O_PCR,
        O_NITRO,
        O_LINUX_RUNTIME,
        O_LINUX,
        O_DAYS,
    };
    static const struct option options[] = {
        {"function", required_argument, NULL, O_FUNCTION},
        {"user", required_argument, NULL, O_USER},
        {"loader-cert", required_argument, NULL, O_LOADER},
        {"vaas", required_argument, NULL, O_VAAS},
        {"server-url", required_argument, NULL, O_SERVER},
        {"pas-url", required_argument, NULL, O_PAS},
        {"pas-cert", required_argument, NULL, O_PAS_CERT},
        {"pcr-file", required_argument, NULL, O_PCR},
        {"nitro-hash", required_argument, NULL, O_NITRO},
        {"linux-runtime", required_argument, NULL, O_LINUX_RUNTIME},
        {"linux-hash", required_argument, NULL, O_LINUX},
        {"expiry-days", required_argument, NULL, O_DAYS},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *function = NULL, *user = NULL, *loader = NULL, *vaas = NULL, *output = NULL,
               *pcr_file = NULL, *linux_runtime = NULL, *days = NULL, *pas_cert = NULL;
    veil_policy_infra infra = {0};
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "+ho:", options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(merge_help, stdout);
            return VEIL_EXIT_OK;
        case O_FUNCTION:
            function = optarg;
            break;
        case O_USER:
            user = optarg;
            break;
        case O_LOADER:
            loader = optarg;
            break;
        case O_VAAS:
            vaas = optarg;
            break;
        case O_SERVER:
            infra.server_url = optarg;
            break;
        case O_PAS:
            infra.pas_url = optarg;
            break;
        case O_PAS_CERT:
            pas_cert = optarg;
            break;
        case O_PCR:
            pcr_file = optarg;
            break;
        case O_NITRO:
            infra.runtime_hash_nitro = optarg;
            break;
        case O_LINUX_RUNTIME:
            linux_runtime = optarg;
            break;
        case O_LINUX:
            infra.runtime_hash_linux = optarg;
            break;
        case O_DAYS:
            days = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        default:
            return veil_cli_usage_error(prog, "unknown option or missing value: '%s'",
                                        argv[optind - 1]);
        }
    }
    if (optind < argc)
        return veil_cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
    bool first_form = function != NULL || user != NULL;
    if (first_form == (vaas != NULL))
        return veil_cli_usage_error(prog, "give either --function and --user, or --vaas");
    char *text = NULL;
    size_t len = 0;
    veil_error *err = NULL;
    if (first_form) {
        if (function == NULL || user == NULL)
            return veil_cli_usage_error(prog, "--function and --user go together");
        veil_policy *f = NULL, *u = NULL;
        char *loader_pem = NULL;
        err = veil_policy_load_file(function, VEIL_POLICY_FUNCTION, &f);
        if (err == NULL)
            err = veil_policy_load_file(user, VEIL_POLICY_USER, &u);
        if (err == NULL && loader != NULL)
            err = certificate_pem(loader, &loader_pem);
        if (err == NULL)
            err = veil_policy_merge_function_user(f, u, loader_pem, &text, &len);
        free(loader_pem);
        veil_policy_free(f);
        veil_policy_free(u);
    } else {
        if (infra.server_url == NULL || infra.pas_url == NULL || pas_cert == NULL)
            return veil_cli_usage_error(prog, "--server-url, --pas-url and --pas-cert are "
                                              "required with --vaas");
        if ((pcr_file != NULL && infra.runtime_hash_nitro != NULL) ||
            (linux_runtime != NULL && infra.runtime_hash_linux != NULL))
            return veil_cli_usage_error(prog, "give each runtime measurement once");
        uint64_t expiry_days = 0;
        if (days != NULL)
            err = veil_parse_u64(days, 3650, "--expiry-days", &expiry_days);
        veil_policy *v = NULL;
        char *pas_pem = NULL, pcr[97], linux_hex[VEIL_SHA256_HEX_LEN + 1];
        if (err == NULL)
            err = veil_policy_load_file(vaas, VEIL_POLICY_VAAS, &v);
        if (err == NULL)
            err = certificate_pem(pas_cert, &pas_pem);
        if (err == NULL && pcr_file != NULL && (err = read_pcr_file(pcr_file, pcr)) == NULL)
            infra.runtime_hash_nitro = pcr;
        if (err == NULL && linux_runtime != NULL &&
            (err = file_sha256_hex(linux_runtime, linux_hex)) == NULL)
            infra.runtime_hash_linux = linux_hex;
        if (err == NULL) {
            infra.pas_cert_pem = pas_pem;
            infra.now_unix = (int64_t)time(NULL);
            infra.expiry_days = (int)expiry_days;
            err = veil_policy_merge_vaas_infra(v, &infra, &text, &len);
        }
        free(pas_pem);
        veil_policy_free(v);
    }
    if (err == NULL)
        err = write_output(output, text, len);
    free(text);
    if (err != NULL && veil_error_code(err) == VEIL_EMALFORMED) {
        fprintf(stderr, "%s\n", veil_error_message(err));
        veil_error_free(err);
        return VEIL_EXIT_FAILURE;
    }
    return veil_cli_report(prog, err);
}

/* ---- dispatch ---- */

int veil_cmd_policy(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage_text, stderr);
        return VEIL_EXIT_USAGE;
    }
    if (is_help(argv[1])) {
        fputs(usage_text, stdout);
        return VEIL_EXIT_OK;
    }
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } commands[] = {
        {"check", cmd_check},       {"hash", cmd_hash},   {"explain", cmd_explain},
        {"generate", cmd_generate}, {"merge", cmd_merge},
    };
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    return veil_cli_usage_error("veil policy", "unknown command '%s'", argv[1]);
}
