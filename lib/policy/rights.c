/*
 * Rights values, policy paths and rights decisions.
 *
 * A decision looks at one principal's grants only: the grant whose path is
 * the longest whole-component prefix of the asked path decides, so a
 * narrower grant can take rights away as well as add them.  stdin, stdout
 * and stderr are names, not paths: only a grant of exactly that name covers
 * them.  Grant paths were normalised when the policy was parsed; asked paths
 * are normalised the same way (and refused when they cannot be), so "/a/./b"
 * or "/a/../b" never slip past a prefix test.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "veil/str.h"
#include "veil/wasi_rights.h"

veil_error *veil_rights_parse(const char *text, uint64_t *out) {
    if (text[0] == '\0')
        return veil_error_new(VEIL_EINVAL, "empty rights");
    if (isdigit((unsigned char)text[0])) {
        uint64_t value;
        VEIL_TRY(veil_parse_u64(text, UINT64_MAX, "rights", &value));
        if (value & ~VEIL_RIGHTS_ALL)
            return veil_error_new(
                VEIL_EINVAL, "rights %" PRIu64 " has bits that are not WASI rights (0x%" PRIx64 ")",
                value, value & ~VEIL_RIGHTS_ALL);
        *out = value;
        return NULL;
    }
    uint64_t value = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == 'r')
            value |= VEIL_RIGHTS_R;
        else if (*p == 'w')
            value |= VEIL_RIGHTS_W;
        else if (*p == 'x')
            value |= VEIL_RIGHTS_X;
        else
            return veil_error_new(VEIL_EINVAL,
                                  "rights \"%s\": expected a combination of r, w and x, or a "
                                  "decimal WASI rights value",
                                  text);
    }
    *out = value;
    return NULL;
}

void veil_rights_shorthand(uint64_t rights, char *buf, size_t size) {
    static const struct {
        uint64_t value;
        const char *name;
    } shorthands[] = {
        {VEIL_RIGHTS_R, "r"},
        {VEIL_RIGHTS_W, "w"},
        {VEIL_RIGHTS_X, "x"},
        {VEIL_RIGHTS_RW, "rw"},
        {VEIL_RIGHTS_WX, "wx"},
        {VEIL_RIGHTS_R | VEIL_RIGHTS_X, "rx"},
        {VEIL_RIGHTS_R | VEIL_RIGHTS_W | VEIL_RIGHTS_X, "rwx"},
    };
    for (size_t i = 0; i < sizeof(shorthands) / sizeof(shorthands[0]); i++) {
        if (rights == shorthands[i].value) {
            snprintf(buf, size, "%s", shorthands[i].name);
            return;
        }
    }
    snprintf(buf, size, "%" PRIu64, rights);
}

void veil_rights_describe(uint64_t rights, char *buf, size_t size) {
    veil_buf text;
    veil_buf_init(&text, 0);
    bool ok = true;
    for (unsigned bit = 0; bit < 64 && ok; bit++) {
        if (!(rights & (UINT64_C(1) << bit)))
            continue;
        veil_error *err =
            bit < VEIL_RIGHTS_BITS
                ? veil_buf_printf(&text, "%s%s", text.len ? " " : "", veil_rights_bit_name(bit))
                : veil_buf_printf(&text, "%sbit%u", text.len ? " " : "", bit);
        if (err != NULL) {
            veil_error_free(err);
            ok = false;
        }
    }
    snprintf(buf, size, "%s", ok ? (text.len ? (const char *)text.data : "none") : "?");
    veil_buf_free(&text);
}

bool policy_path_is_stdio(const char *path) {
    return strcmp(path, "stdin") == 0 || strcmp(path, "stdout") == 0 || strcmp(path, "stderr") == 0;
}

veil_error *policy_path_normalize(const char *in, bool allow_stdio, char **out, bool *is_dir) {
    if (is_dir != NULL)
        *is_dir = false;
    if (policy_path_is_stdio(in)) {
        if (!allow_stdio)
            return veil_error_new(VEIL_EINVAL, "a file path is needed here, not %s", in);
        return veil_strdup(in, out);
    }
    if (in[0] != '/')
        return veil_error_new(VEIL_EINVAL, allow_stdio ? "not an absolute path (or stdin, stdout, "
                                                         "stderr)"
                                                       : "not an absolute path");
    size_t len = strlen(in);
    if (len > 4096)
        return veil_error_new(VEIL_EINVAL, "path is longer than 4096 bytes");
    char *norm = malloc(len + 1);
    if (norm == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory normalising a path");
    size_t n = 0;
    const char *p = in + 1;
    while (*p != '\0') {
        const char *end = strchr(p, '/');
        size_t comp = end != NULL ? (size_t)(end - p) : strlen(p);
        if (comp == 0) {
            free(norm);
            return veil_error_new(VEIL_EINVAL, "empty path component (\"//\")");
        }
        if ((comp == 1 && p[0] == '.') || (comp == 2 && p[0] == '.' && p[1] == '.')) {
            free(norm);
            return veil_error_new(VEIL_EINVAL, "\".\" and \"..\" are not allowed in paths");
        }
        if (comp > 255) {
            free(norm);
            return veil_error_new(VEIL_EINVAL, "a path component is longer than 255 bytes");
        }
        norm[n++] = '/';
        memcpy(norm + n, p, comp);
        n += comp;
        if (end == NULL)
            break;
        p = end + 1;
        if (*p == '\0' && is_dir != NULL)
            *is_dir = true;
    }
    if (n == 0)
        norm[n++] = '/';
    norm[n] = '\0';
    *out = norm;
    return NULL;
}

/* True when grant (normalised) is path (normalised) or a directory above it. */
static bool covers(const char *grant, const char *path) {
    if (policy_path_is_stdio(grant) || policy_path_is_stdio(path))
        return strcmp(grant, path) == 0;
    if (strcmp(grant, "/") == 0)
        return true;
    size_t n = strlen(grant);
    return strncmp(grant, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The grant deciding for a normalised path, or NULL. */
static const veil_policy_grant *deciding_grant(const veil_policy_principal *who, const char *norm) {
    const veil_policy_grant *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < who->grant_count; i++) {
        const veil_policy_grant *g = &who->grants[i];
        size_t len = strlen(g->path);
        if (covers(g->path, norm) && (best == NULL || len > best_len)) {
            best = g;
            best_len = len;
        }
    }
    return best;
}

uint64_t veil_policy_rights_on(const veil_policy_principal *who, const char *path) {
    char *norm;
    veil_error *err = policy_path_normalize(path, true, &norm, NULL);
    if (err != NULL) {
        veil_error_free(err);
        return 0;
    }
    const veil_policy_grant *g = deciding_grant(who, norm);
    free(norm);
    return g != NULL ? g->base_rights : 0;
}

veil_error *veil_policy_check_rights(const veil_policy_principal *who, const char *path,
                                     uint64_t rights) {
    char quoted[128];
    policy_quote(path, quoted, sizeof(quoted));
    char *norm;
    veil_error *err = policy_path_normalize(path, true, &norm, NULL);
    if (err != NULL)
        return veil_error_wrap(err, "%s: path %s", who->name, quoted);
    const veil_policy_grant *g = deciding_grant(who, norm);
    free(norm);
    uint64_t have = g != NULL ? g->base_rights : 0;
    uint64_t missing = rights & ~have;
    if (missing == 0)
        return NULL;
    char names[512];
    veil_rights_describe(missing, names, sizeof(names));
    if (g == NULL)
        return veil_error_new(VEIL_EPERM, "%s has no rights on %s (missing %s)", who->name, quoted,
                              names);
    char held[24];
    veil_rights_shorthand(have, held, sizeof(held));
    return veil_error_new(VEIL_EPERM,
                          "%s may not do that on %s: missing %s (its grant on %s is %s)", who->name,
                          quoted, names, g->path, held);
}

void veil_policy_grants(const veil_policy *policy, const veil_policy_principal *who,
                        const veil_policy_grant **grants, size_t *count) {
    (void)policy;
    *grants = who->grants;
    *count = who->grant_count;
}

void policy_quote(const char *s, char *buf, size_t size) {
    size_t n = 0;
    if (size < 8) {
        if (size > 0)
            buf[0] = '\0';
        return;
    }
    buf[n++] = '"';
    size_t i = 0;
    for (; s[i] != '\0' && i < 80; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (n + 6 >= size)
            break;
        if (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\')
            n += (size_t)snprintf(buf + n, size - n, "\\x%02x", ch);
        else
            buf[n++] = (char)ch;
    }
    if (s[i] != '\0' && n + 5 < size) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n++] = '"';
    buf[n] = '\0';
}

const char *policy_ciphersuite_openssl(const char *name) {
    /* Veracruz spells TLS 1.3 suites the mbedtls way ("TLS1_3_..."); rustls
     * spells them "TLS13_...".  Veil speaks TLS 1.3 only. */
    static const struct {
        const char *veracruz, *rustls, *openssl;
    } suites[] = {
        {"TLS1_3_CHACHA20_POLY1305_SHA256", "TLS13_CHACHA20_POLY1305_SHA256",
         "TLS_CHACHA20_POLY1305_SHA256"},
        {"TLS1_3_AES_128_GCM_SHA256", "TLS13_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"},
        {"TLS1_3_AES_256_GCM_SHA384", "TLS13_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"},
    };
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        if (strcmp(name, suites[i].veracruz) == 0 || strcmp(name, suites[i].rustls) == 0 ||
            strcmp(name, suites[i].openssl) == 0)
            return suites[i].openssl;
    return NULL;
}

static bool dns_name_valid(const char *host, size_t len) {
    if (len == 0 || len > 253)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = host[i];
        if (ch == '.') {
            if (label == 0 || host[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!(isalnum((unsigned char)ch) || ch == '-') || (label == 0 && ch == '-'))
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0 && host[len - 1] != '-';
}

veil_error *policy_check_hostport(const char *text) {
    const char *colon = strrchr(text, ':');
    if (colon == NULL)
        return veil_error_new(VEIL_EINVAL, "expected host:port");
    const char *host = text;
    size_t host_len = (size_t)(colon - text);
    if (host_len > 0 && host[0] == '[') {
        if (host_len < 3 || host[host_len - 1] != ']')
            return veil_error_new(VEIL_EINVAL, "an IPv6 address needs [brackets] before :port");
        for (size_t i = 1; i + 1 < host_len; i++)
            if (!(isxdigit((unsigned char)host[i]) || host[i] == ':' || host[i] == '.'))
                return veil_error_new(VEIL_EINVAL, "malformed IPv6 address");
    } else if (!dns_name_valid(host, host_len)) {
        return veil_error_new(VEIL_EINVAL, "expected host:port with a DNS name or IPv4 address");
    }
    unsigned long port = 0;
    const char *digits = colon + 1;
    size_t ndigits = strlen(digits);
    if (ndigits == 0 || ndigits > 5 || strspn(digits, "0123456789") != ndigits)
        return veil_error_new(VEIL_EINVAL, "the port must be a number 1-65535");
    port = strtoul(digits, NULL, 10);
    if (port == 0 || port > 65535)
        return veil_error_new(VEIL_EINVAL, "the port must be a number 1-65535");
    return NULL;
}

veil_error *policy_check_hex(const char *text, size_t digits) {
    size_t len = strlen(text);
    for (size_t i = 0; i < len && i < digits; i++)
        if (!isxdigit((unsigned char)text[i]))
            return veil_error_new(VEIL_EINVAL, "character %zu is not a hex digit", i + 1);
    if (len != digits)
        return veil_error_new(VEIL_EINVAL, "expected %zu hex digits, got %zu characters", digits,
                              len);
    return NULL;
}
