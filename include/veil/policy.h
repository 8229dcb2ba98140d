/*
 * Policies: the global policy every runtime instance enforces, and the three
 * partial policies the services combine into it (docs/policy.md).
 *
 * A policy is JSON in the Veracruz / i-PoC format.  veil_policy_parse()
 * checks everything at once (types, ranges, rights bits, paths, hashes,
 * certificates, dates, unknown and duplicate keys) and either returns a
 * read-only veil_policy or one error whose message lists every problem
 * found, one per line, each naming the JSON path ("$.identities[1].id").
 * Keys that Veil accepts but ignores (runtime_manager_hash_sgx, ...) are
 * reported as warnings on the parsed policy.
 *
 * Principals are identities (a client certificate), programs (a wasm file
 * in the policy) and, in function policies, the loader (the CCFaaS identity
 * that uploads programs and data files).  Each has grants: a path (a
 * directory, a file, or stdin/stdout/stderr) and WASI rights on it and on
 * everything below it.  The rights a principal has on a path are those of
 * its most specific grant, comparing whole path components (a grant on
 * /output does not cover /outputs); there is no union with shorter grants.
 *
 * The policy hash is the SHA-256 of the exact bytes parsed.
 */
#ifndef VEIL_POLICY_H
#define VEIL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "veil/error.h"
#include "veil/hash.h"
#include "veil/wasi_rights.h"

/* Largest policy accepted, in bytes. */
#define VEIL_POLICY_MAX_BYTES (1u << 20)
/* Wall-time limit of one execution when the policy names none. */
#define VEIL_POLICY_DEFAULT_EXECUTION_TIME_MS UINT64_C(600000)
/* Largest values accepted for the limits. */
#define VEIL_POLICY_MAX_EXECUTION_TIME_MS UINT64_C(86400000)
#define VEIL_POLICY_MAX_MEMORY_MIB 65536u
#define VEIL_POLICY_MAX_PROGRAM_MEMORY_MIB 4096u /* wasm32: 4 GiB */
/* Expiry the VaaS merge sets when the policy has none (as the i-PoC did). */
#define VEIL_POLICY_DEFAULT_EXPIRY_DAYS 180
/* The ciphersuite the merges write (the only one the i-PoC used). */
#define VEIL_POLICY_DEFAULT_CIPHERSUITE "TLS1_3_CHACHA20_POLY1305_SHA256"

typedef enum veil_policy_kind {
    VEIL_POLICY_ANY = 0, /* for parsing: detect the kind from the keys */
    VEIL_POLICY_GLOBAL,  /* what a runtime instance enforces */
    VEIL_POLICY_FUNCTION,
    VEIL_POLICY_USER,
    VEIL_POLICY_VAAS, /* function + user, as CCFaaS sends it to VaaS */
} veil_policy_kind;

typedef enum veil_policy_strategy {
    VEIL_POLICY_INTERPRETATION, /* "Interpretation": the interpreter */
    VEIL_POLICY_JIT,            /* "JIT": ahead-of-time compilation */
} veil_policy_strategy;

typedef enum veil_principal_kind {
    VEIL_PRINCIPAL_IDENTITY,
    VEIL_PRINCIPAL_PROGRAM,
    VEIL_PRINCIPAL_LOADER, /* function policies: the top-level file_rights */
} veil_principal_kind;

/* Rights on a path and below it.  Veracruz policies give one rights value
 * per path; it is both the base rights of the pre-opened directory and the
 * rights inherited by what is opened through it.  (Same layout as
 * veil_vfs_grant.) */
typedef struct veil_policy_grant {
    const char *path; /* normalised: "/", "/output", "stdout" (no trailing slash) */
    uint64_t base_rights;
    uint64_t inheriting_rights;
} veil_policy_grant;

typedef struct veil_policy_principal {
    veil_principal_kind kind;
    uint32_t id;                     /* identities and programs: "id" (user policies: index) */
    const char *name;                /* for messages: "identity 0", "program /p.wasm", "loader" */
    const char *program_file_name;   /* programs (normalised); else NULL */
    X509 *certificate;               /* identities; else NULL */
    bool may_shutdown;               /* identities with "may_shutdown": true */
    uint32_t max_memory_mib;         /* programs: own limit or the policy's; else 0 */
    const veil_policy_grant *grants; /* sorted by path */
    size_t grant_count;
} veil_policy_principal;

typedef struct veil_policy_expiry {
    int year, month, day, hour, minute; /* UTC */
} veil_policy_expiry;

typedef struct veil_policy_file_hash {
    const char *path; /* normalised absolute path */
    uint8_t sha256[VEIL_SHA256_LEN];
    int64_t priority; /* function data_files: load order (default 99); else 0 */
} veil_policy_file_hash;

/* Everything but the principals.  Fields a kind does not have are
 * NULL / false / 0 (the table in docs/policy.md says which kind has what). */
typedef struct veil_policy_settings {
    veil_policy_kind kind;
    const char *function;    /* function and user policies */
    const char *instance_id; /* user "instanceid"; VaaS "instance_id" */
    veil_policy_strategy execution_strategy;
    bool debug;
    bool enable_clock;
    uint32_t max_memory_mib;
    uint64_t max_execution_time_ms;  /* VEIL_POLICY_DEFAULT_EXECUTION_TIME_MS if unset */
    uint64_t max_execution_fuel;     /* 0: no fuel limit */
    const char *ciphersuite;         /* as written */
    const char *ciphersuite_openssl; /* for SSL_CTX_set_ciphersuites() */
    bool has_expiry;
    veil_policy_expiry enclave_cert_expiry;
    const char *server_url;         /* veracruz_server_url, "host:port" */
    const char *pas_url;            /* proxy_attestation_server_url */
    X509 *pas_cert;                 /* proxy_service_cert */
    const char *runtime_hash_linux; /* lowercase hex (64), or NULL */
    const char *runtime_hash_nitro; /* lowercase hex (64 or 96), or NULL */
    /* Global/VaaS: file_hashes.  Function: programs' pi_hash, then data_files. */
    const veil_policy_file_hash *file_hashes;
    size_t file_hash_count;
    /* Function policies: data_files (with priority). */
    const veil_policy_file_hash *data_files;
    size_t data_file_count;
} veil_policy_settings;

typedef struct veil_policy veil_policy;

/* Parses and validates a policy of the given kind (VEIL_POLICY_ANY: detect
 * it).  `source` names the input in messages.  On failure the error
 * (VEIL_EMALFORMED) lists every problem, one per line. */
VEIL_NODISCARD veil_error *veil_policy_parse(const void *bytes, size_t len, const char *source,
                                             veil_policy_kind kind, veil_policy **out);
VEIL_NODISCARD veil_error *veil_policy_load_file(const char *path, veil_policy_kind kind,
                                                 veil_policy **out);
void veil_policy_free(veil_policy *policy);

const veil_policy_settings *veil_policy_settings_of(const veil_policy *policy);
/* The exact bytes parsed, and their SHA-256. */
const uint8_t *veil_policy_bytes(const veil_policy *policy, size_t *len);
void veil_policy_hash(const veil_policy *policy, uint8_t out[VEIL_SHA256_LEN]);
void veil_policy_hash_hex(const veil_policy *policy, char out[VEIL_SHA256_HEX_LEN + 1]);

/* Accepted-but-ignored keys and other remarks that are not errors. */
size_t veil_policy_warning_count(const veil_policy *policy);
const char *veil_policy_warning(const veil_policy *policy, size_t index);

/* Principals in policy order: identities, then programs, then the loader. */
size_t veil_policy_principal_count(const veil_policy *policy);
const veil_policy_principal *veil_policy_principal_at(const veil_policy *policy, size_t index);
/* Lookups fail with VEIL_ENOENT naming what was looked for. */
VEIL_NODISCARD veil_error *veil_policy_find_by_cert(const veil_policy *policy, X509 *cert,
                                                    const veil_policy_principal **out);
VEIL_NODISCARD veil_error *veil_policy_find_identity(const veil_policy *policy, uint32_t id,
                                                     const veil_policy_principal **out);
VEIL_NODISCARD veil_error *veil_policy_find_program(const veil_policy *policy, const char *path,
                                                    const veil_policy_principal **out);
/* By name as in veil_policy_principal.name ("identity 3", "program /x.wasm",
 * "loader"), or a bare number for an identity id. */
VEIL_NODISCARD veil_error *veil_policy_find_principal(const veil_policy *policy, const char *name,
                                                      const veil_policy_principal **out);
/* The expected SHA-256 of a file (NULL when the policy names none). */
const uint8_t *veil_policy_expected_hash(const veil_policy *policy, const char *path);

/* A principal's grants (the same as who->grants), for building its view of
 * the file system. */
void veil_policy_grants(const veil_policy *policy, const veil_policy_principal *who,
                        const veil_policy_grant **grants, size_t *count);

/* Rights `who` has on `path` (absolute, or stdin/stdout/stderr): those of
 * the most specific grant covering it, or 0 when none does or the path is
 * not valid (empty, relative, "." or ".." components, "//"). */
uint64_t veil_policy_rights_on(const veil_policy_principal *who, const char *path);
/* NULL when `who` has every bit of `rights` on `path`; otherwise VEIL_EPERM
 * naming the principal, the path and the missing rights (VEIL_EINVAL for an
 * invalid path). */
VEIL_NODISCARD veil_error *veil_policy_check_rights(const veil_policy_principal *who,
                                                    const char *path, uint64_t rights);

/* ---- rights values ---- */

/* Parses "r", "w", "x" or a combination ("rw", "wx", "rwx": the union of the
 * Veracruz shorthands), or a decimal rights value; bits outside
 * VEIL_RIGHTS_ALL are refused. */
VEIL_NODISCARD veil_error *veil_rights_parse(const char *text, uint64_t *out);
/* The shorthand when the value is exactly one ("rw"), otherwise the decimal
 * value (buf: 21 bytes hold any value). */
void veil_rights_shorthand(uint64_t rights, char *buf, size_t size);
/* Bit names joined by spaces ("fd_read fd_seek path_open fd_readdir"). */
void veil_rights_describe(uint64_t rights, char *buf, size_t size);

/* ---- dates ---- */

/* NULL when the fields name a real minute (1970..9999, the month has that
 * day); otherwise VEIL_EINVAL saying what is wrong. */
VEIL_NODISCARD veil_error *veil_policy_expiry_check(const veil_policy_expiry *expiry);
/* RFC 2822 ("Fri, 01 Jan 2027 13:00:00 +0100", as Veracruz's generate-policy
 * takes) or ISO 8601 ("2027-01-01T12:00Z", seconds optional), converted to
 * UTC; seconds are dropped. */
VEIL_NODISCARD veil_error *veil_policy_expiry_parse(const char *text, veil_policy_expiry *out);
void veil_policy_expiry_from_unix(int64_t unix_seconds, veil_policy_expiry *out);
int64_t veil_policy_expiry_to_unix(const veil_policy_expiry *expiry);

/* ---- merging, as CCFaaS and VaaS do (docs/policy.md) ---- */

/* Function policy + user policy -> VaaS policy (CCFaaS).  loader_cert_pem
 * is CCFaaS's own certificate; it becomes the last identity with the
 * function's top-level file_rights (NULL: no loader identity).  The user
 * policy must name the function.  *out is the JSON text (free() it); it
 * is validated as a VaaS policy before it is returned. */
VEIL_NODISCARD veil_error *veil_policy_merge_function_user(const veil_policy *function,
                                                           const veil_policy *user,
                                                           const char *loader_cert_pem, char **out,
                                                           size_t *out_len);

/* The infrastructure part VaaS adds. */
typedef struct veil_policy_infra {
    const char *server_url;         /* veracruz_server_url, "host:port" */
    const char *pas_url;            /* proxy_attestation_server_url, "host:port" */
    const char *pas_cert_pem;       /* proxy_service_cert */
    const char *runtime_hash_linux; /* hex or NULL */
    const char *runtime_hash_nitro; /* hex or NULL (at least one of the two) */
    int64_t now_unix;               /* for an expiry the VaaS policy does not set */
    int expiry_days;                /* 0: VEIL_POLICY_DEFAULT_EXPIRY_DAYS */
} veil_policy_infra;

/* VaaS policy + infrastructure part -> global policy (VaaS).  *out is the
 * JSON text (free() it), validated as a global policy. */
VEIL_NODISCARD veil_error *veil_policy_merge_vaas_infra(const veil_policy *vaas,
                                                        const veil_policy_infra *infra, char **out,
                                                        size_t *out_len);

const char *veil_policy_kind_name(veil_policy_kind kind);
/* "global", "function", "user", "vaas" (or "any"). */
VEIL_NODISCARD veil_error *veil_policy_kind_parse(const char *name, veil_policy_kind *out);

#endif
