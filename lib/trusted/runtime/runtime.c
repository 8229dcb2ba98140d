/*
 * The runtime object (veil/runtime.h): the policy, the file system built
 * from it, the TLS key and context, and the set of client sessions.
 *
 * Invariants: the policy bytes are kept exactly as given and their SHA-256
 * is the policy hash; every path of file_hashes is registered with the file
 * system before any client connects, so provisioning a file checks its
 * hash; every directory the policy grants exists; each identity has one
 * client view of the file system (host
 * operations on a view are thread-safe, so sessions of the same identity
 * share it); the TLS context exists only once a certificate for the
 * runtime's own key is installed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "runtime_internal.h"
#include "veil/attest.h"
#include "veil/log.h"
#include "veil/x509.h"

static veil_error *build_views(veil_runtime *rt) {
    rt->client_views = calloc(rt->principal_count + 1, sizeof(*rt->client_views));
    VEIL_ENSURE(rt->client_views != NULL, VEIL_ENOMEM, "out of memory");
    for (size_t i = 0; i < rt->principal_count; i++) {
        const veil_policy_principal *p = veil_policy_principal_at(rt->policy, i);
        if (p->kind != VEIL_PRINCIPAL_IDENTITY)
            continue;
        veil_vfs_grant *grants = calloc(p->grant_count + 1, sizeof(*grants));
        VEIL_ENSURE(grants != NULL, VEIL_ENOMEM, "out of memory");
        for (size_t g = 0; g < p->grant_count; g++)
            grants[g] = (veil_vfs_grant){p->grants[g].path, p->grants[g].base_rights,
                                         p->grants[g].inheriting_rights};
        veil_error *err = veil_vfs_client_view_new(rt->vfs, p->name, grants, p->grant_count,
                                                   &rt->client_views[i]);
        free(grants);
        if (err != NULL)
            return veil_error_wrap(err, "file-system view of %s", p->name);
    }
    return NULL;
}

/* True when the policy names path as a file: a program or a hashed file. */
static bool policy_file(const veil_runtime *rt, const char *path) {
    const veil_policy_principal *program;
    veil_error *err = veil_policy_find_program(rt->policy, path, &program);
    if (err == NULL)
        return true;
    veil_error_free(err);
    return veil_policy_expected_hash(rt->policy, path) != NULL;
}

/* Creates the directories the policy grants, as Veracruz pre-opens them:
 * every absolute grant path is a directory, except a path the policy names
 * as a file, whose parent is created instead.  So a client may write
 * /program/app.wasm under a grant on /program/ before any program ran. */
static veil_error *create_grant_dirs(veil_runtime *rt) {
    for (size_t i = 0; i < rt->principal_count; i++) {
        const veil_policy_principal *p = veil_policy_principal_at(rt->policy, i);
        for (size_t g = 0; g < p->grant_count; g++) {
            const char *path = p->grants[g].path;
            if (path[0] != '/')
                continue; /* stdin, stdout, stderr */
            char dir[VEIL_VFS_PATH_MAX + 1];
            snprintf(dir, sizeof(dir), "%s", path);
            if (policy_file(rt, path)) {
                char *slash = strrchr(dir, '/');
                *(slash == dir ? slash + 1 : slash) = '\0';
            }
            veil_error *err = veil_vfs_mkdir_p(rt->vfs, dir);
            if (err != NULL)
                return veil_error_wrap(err, "creating %s (granted to %s)", dir, p->name);
        }
    }
    return NULL;
}

veil_error *veil_runtime_new(const uint8_t *policy, size_t policy_len,
                             const veil_runtime_options *options, veil_runtime **out) {
    veil_runtime *rt = calloc(1, sizeof(*rt));
    VEIL_ENSURE(rt != NULL, VEIL_ENOMEM, "out of memory");
    if (options != NULL)
        rt->options = *options;
    if (rt->options.max_sessions == 0)
        rt->options.max_sessions = VEIL_RUNTIME_DEFAULT_MAX_SESSIONS;
    if (rt->options.max_output_bytes == 0)
        rt->options.max_output_bytes = VEIL_RUNTIME_DEFAULT_MAX_OUTPUT;
    if (rt->options.platform == NULL)
        rt->options.platform = VEIL_ATTEST_PLATFORM_LINUX;
    pthread_mutex_init(&rt->lock, NULL);
    pthread_mutex_init(&rt->exec_lock, NULL);
    rt->shutdown_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    rt->ssl_principal_index = -1;
    veil_error *err = NULL;
    if (rt->shutdown_fd < 0)
        err = veil_error_errno(errno, "creating the shutdown event");
    if (err == NULL)
        err =
            veil_policy_parse(policy, policy_len, "global policy", VEIL_POLICY_GLOBAL, &rt->policy);
    if (err == NULL) {
        rt->settings = veil_policy_settings_of(rt->policy);
        rt->principal_count = veil_policy_principal_count(rt->policy);
        veil_policy_hash_hex(rt->policy, rt->policy_hash_hex);
        veil_vfs_config fs = {.max_bytes = rt->options.fs_max_bytes,
                              .clock_timestamps = rt->settings->enable_clock};
        err = veil_vfs_new(&fs, &rt->vfs);
    }
    for (size_t i = 0; err == NULL && i < (rt->settings ? rt->settings->file_hash_count : 0); i++) {
        const veil_policy_file_hash *fh = &rt->settings->file_hashes[i];
        err = veil_vfs_set_file_hash(rt->vfs, fh->path, fh->sha256);
        if (err != NULL)
            err = veil_error_wrap(err, "file_hashes entry %s", fh->path);
    }
    if (err == NULL)
        err = create_grant_dirs(rt);
    if (err == NULL)
        err = build_views(rt);
    if (err == NULL && (rt->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
        err = veil_error_new(VEIL_ECRYPTO, "cannot generate the runtime's TLS key");
    if (err != NULL) {
        veil_runtime_free(rt);
        return err;
    }
    VEIL_INFO(RUNTIME_COMPONENT, "policy %s: %zu principals, %zu file hashes", rt->policy_hash_hex,
              rt->principal_count, rt->settings->file_hash_count);
    *out = rt;
    return NULL;
}

static void session_free(veil_session *s) {
    pthread_join(s->thread, NULL);
    free(s);
}

void veil_runtime_free(veil_runtime *rt) {
    if (rt == NULL)
        return;
    pthread_mutex_lock(&rt->lock);
    rt->stopping = true;
    for (veil_session *s = rt->sessions; s != NULL; s = s->next)
        shutdown(s->fd, SHUT_RDWR);
    veil_session *list = rt->sessions;
    rt->sessions = NULL;
    pthread_mutex_unlock(&rt->lock);
    while (list != NULL) {
        veil_session *next = list->next;
        session_free(list);
        list = next;
    }
    for (size_t i = 0; rt->client_views != NULL && i < rt->principal_count; i++)
        veil_vfs_view_free(rt->client_views[i]);
    free(rt->client_views);
    veil_run_output_free(&rt->last_output);
    veil_vfs_free(rt->vfs);
    veil_policy_free(rt->policy);
    SSL_CTX_free(rt->ssl_ctx);
    EVP_PKEY_free(rt->key);
    if (rt->shutdown_fd >= 0)
        close(rt->shutdown_fd);
    pthread_mutex_destroy(&rt->exec_lock);
    pthread_mutex_destroy(&rt->lock);
    free(rt);
}

veil_vfs_view *veil_runtime_client_view(veil_runtime *rt, const veil_policy_principal *who) {
    for (size_t i = 0; i < rt->principal_count; i++)
        if (veil_policy_principal_at(rt->policy, i) == who)
            return rt->client_views[i];
    return NULL;
}

/* The host part of "host:port" (brackets of an IPv6 literal removed). */
static void server_host(const char *url, char *buf, size_t size) {
    buf[0] = '\0';
    if (url == NULL)
        return;
    if (url[0] == '[') {
        const char *end = strchr(url, ']');
        if (end != NULL && (size_t)(end - url) < size)
            snprintf(buf, size, "%.*s", (int)(end - url - 1), url + 1);
        return;
    }
    const char *colon = strrchr(url, ':');
    size_t n = colon != NULL ? (size_t)(colon - url) : strlen(url);
    if (n < size)
        snprintf(buf, size, "%.*s", (int)n, url);
}

veil_error *veil_runtime_csr(veil_runtime *rt, uint8_t **der, size_t *len) {
    char host[256], uri[128];
    server_host(rt->settings->server_url, host, sizeof(host));
    snprintf(uri, sizeof(uri), "urn:veil:policy:%s", rt->policy_hash_hex);
    veil_attest_csr_params params = {
        .key = rt->key,
        .common_name = "Veil runtime",
        .host = host[0] != '\0' ? host : NULL,
        .uri = uri,
        .not_after_unix = rt->settings->has_expiry
                              ? veil_policy_expiry_to_unix(&rt->settings->enclave_cert_expiry)
                              : 0,
    };
    return veil_attest_csr_create(&params, der, len);
}

veil_error *veil_runtime_set_certificate(veil_runtime *rt, const uint8_t *leaf_der, size_t leaf_len,
                                         const uint8_t *ca_der, size_t ca_len) {
    X509 *leaf = NULL, *ca = NULL;
    veil_error *err = veil_cert_from_der(leaf_der, leaf_len, &leaf);
    if (err == NULL)
        err = veil_cert_from_der(ca_der, ca_len, &ca);
    if (err == NULL && X509_check_private_key(leaf, rt->key) != 1)
        err = veil_error_new(VEIL_EATTEST, "the certificate from the PAS is not for this "
                                           "runtime's key");
    if (err == NULL && X509_verify(leaf, X509_get0_pubkey(ca)) != 1)
        err = veil_error_new(VEIL_EATTEST, "the certificate from the PAS is not signed by the CA "
                                           "sent with it");
    ERR_clear_error();
    if (err == NULL && rt->settings->pas_cert != NULL &&
        !veil_cert_equal(ca, rt->settings->pas_cert))
        VEIL_WARN(RUNTIME_COMPONENT, "the PAS that certified this runtime is not the policy's "
                                     "proxy_service_cert: clients will refuse it");
    if (err == NULL)
        err = veil_runtime_tls_init(rt, leaf, ca);
    X509_free(leaf);
    X509_free(ca);
    return err;
}

/* Joins the sessions whose threads have ended (caller holds rt->lock). */
static void reap_sessions(veil_runtime *rt) {
    veil_session **link = &rt->sessions;
    while (*link != NULL) {
        veil_session *s = *link;
        if (s->done) {
            *link = s->next;
            rt->session_count--;
            session_free(s);
        } else {
            link = &s->next;
        }
    }
}

veil_error *veil_runtime_serve_connection(veil_runtime *rt, int fd) {
    if (rt->ssl_ctx == NULL) {
        close(fd);
        return veil_error_new(VEIL_EINVAL, "the runtime has no certificate yet");
    }
    pthread_mutex_lock(&rt->lock);
    reap_sessions(rt);
    const char *refuse = rt->stopping                                    ? "shutting down"
                         : rt->session_count >= rt->options.max_sessions ? "too many sessions"
                                                                         : NULL;
    veil_session *s = refuse == NULL ? calloc(1, sizeof(*s)) : NULL;
    int rc = 0;
    if (s != NULL) {
        s->rt = rt;
        s->fd = fd;
        rc = pthread_create(&s->thread, NULL, veil_session_main, s);
        if (rc == 0) {
            s->next = rt->sessions;
            rt->sessions = s;
            rt->session_count++;
        }
    }
    pthread_mutex_unlock(&rt->lock);
    if (s != NULL && rc == 0)
        return NULL;
    free(s);
    close(fd);
    if (refuse != NULL) {
        VEIL_WARN(RUNTIME_COMPONENT, "closing a new connection: %s (%u sessions)", refuse,
                  rt->options.max_sessions);
        return NULL;
    }
    return veil_error_new(VEIL_ENOMEM, "cannot start a session: %s",
                          rc != 0 ? strerror(rc) : "out of memory");
}

int veil_runtime_shutdown_fd(const veil_runtime *rt) {
    return rt->shutdown_fd;
}

const char *veil_runtime_shutdown_by(veil_runtime *rt, char *buf, size_t size) {
    pthread_mutex_lock(&rt->lock);
    bool set = rt->shutdown_by[0] != '\0';
    if (set)
        snprintf(buf, size, "%s", rt->shutdown_by);
    pthread_mutex_unlock(&rt->lock);
    return set ? buf : NULL;
}

void veil_runtime_request_shutdown(veil_runtime *rt, const char *who) {
    pthread_mutex_lock(&rt->lock);
    if (rt->shutdown_by[0] == '\0')
        snprintf(rt->shutdown_by, sizeof(rt->shutdown_by), "%s", who);
    pthread_mutex_unlock(&rt->lock);
    uint64_t one = 1;
    ssize_t n = write(rt->shutdown_fd, &one, sizeof(one));
    (void)n;
}
