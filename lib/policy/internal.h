/* Internals shared by the policy module's files (not installed). */
#ifndef VEIL_POLICY_INTERNAL_H
#define VEIL_POLICY_INTERNAL_H

#include <jansson.h>

#include "veil/policy.h"

struct veil_policy {
    json_t *root;   /* the parsed document; merges copy from it */
    uint8_t *bytes; /* the exact input, NUL-terminated */
    size_t len;
    uint8_t hash[VEIL_SHA256_LEN];
    veil_policy_settings settings;
    veil_policy_principal *principals;
    uint8_t (*cert_hashes)[VEIL_SHA256_LEN]; /* per principal: SHA-256 of the DER certificate */
    size_t principal_count;
    veil_policy_file_hash *file_hashes;
    size_t file_hash_count;
    veil_policy_file_hash *data_files;
    size_t data_file_count;
    char **warnings;
    size_t warning_count;
    char runtime_hash_linux[VEIL_SHA256_HEX_LEN + 1];
    char runtime_hash_nitro[96 + 1];
};

/* Normalises a policy path: "stdin"/"stdout"/"stderr" when allow_stdio,
 * otherwise absolute with no empty (except one trailing slash), "." or ".."
 * component; the result has no trailing slash ("/" stays "/").  *is_dir is
 * set when the input ended in a slash.  Errors say what is wrong, without
 * naming the path. */
VEIL_NODISCARD veil_error *policy_path_normalize(const char *in, bool allow_stdio, char **out,
                                                 bool *is_dir);
bool policy_path_is_stdio(const char *path);

/* Writes s into buf for a message: quoted, non-printable bytes as \xNN,
 * cut after 80 bytes. */
void policy_quote(const char *s, char *buf, size_t size);

/* "TLS1_3_CHACHA20_POLY1305_SHA256" -> "TLS_CHACHA20_POLY1305_SHA256", or NULL. */
const char *policy_ciphersuite_openssl(const char *name);
/* Checks "host:port" (DNS name, IPv4 address or [IPv6], port 1-65535). */
VEIL_NODISCARD veil_error *policy_check_hostport(const char *text);
/* Checks that text is `digits` hex digits (either case). */
VEIL_NODISCARD veil_error *policy_check_hex(const char *text, size_t digits);

/* Serialises a merge result like the i-PoC's json.dumps(indent=4), parses
 * it as `kind` and hands the text over. */
VEIL_NODISCARD veil_error *policy_emit(json_t *doc, veil_policy_kind kind, const char *what,
                                       char **out, size_t *out_len);

#endif
