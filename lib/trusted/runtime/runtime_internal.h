/* The runtime's internals, shared by its files (runtime.c, tls.c,
 * session.c, exec.c, channel.c). */
#ifndef VEIL_RUNTIME_INTERNAL_H
#define VEIL_RUNTIME_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "veil/policy.h"
#include "veil/runtime.h"
#include "veil/str.h"
#include "veil/vfs.h"

#define RUNTIME_COMPONENT "runtime"

typedef struct veil_session veil_session;

/* The output of the latest program run, readable as "stdout"/"stderr". */
typedef struct veil_run_output {
    uint8_t *data[2]; /* [0] stdout, [1] stderr */
    size_t len[2];
} veil_run_output;

struct veil_runtime {
    veil_runtime_options options;
    veil_policy *policy;
    const veil_policy_settings *settings;
    char policy_hash_hex[VEIL_SHA256_HEX_LEN + 1];
    veil_vfs *vfs;
    veil_vfs_view **client_views; /* per principal index; NULL for non-identities */
    size_t principal_count;

    EVP_PKEY *key;
    SSL_CTX *ssl_ctx;
    int ssl_principal_index; /* SSL ex_data slot: the authenticated principal */

    pthread_mutex_t lock; /* guards sessions, shutdown, outputs */
    veil_session *sessions;
    unsigned session_count;
    bool stopping;
    int shutdown_fd; /* eventfd */
    char shutdown_by[128];

    pthread_mutex_t exec_lock; /* one execution at a time */
    char running[256];         /* "program /p.wasm for identity 1" while one runs */
    veil_run_output last_output;
};

struct veil_session {
    veil_runtime *rt;
    int fd;
    SSL *ssl;
    pthread_t thread;
    bool done; /* the thread has finished (guarded by rt->lock) */
    veil_session *next;
};

/* tls.c */
veil_error *veil_runtime_tls_init(veil_runtime *rt, X509 *leaf, X509 *ca);

/* session.c: the thread body of one client connection. */
void *veil_session_main(void *arg);

/* exec.c */
typedef struct veil_exec_result {
    uint32_t exit_code;
    veil_run_output output; /* owned by the caller after the call */
} veil_exec_result;

/* Runs the program at `path` for `who` (who must hold execute on it); the
 * program runs under its own rights and the policy's limits. */
veil_error *veil_runtime_execute(veil_runtime *rt, const veil_policy_principal *who,
                                 const char *path, veil_exec_result *out);
void veil_run_output_free(veil_run_output *out);

/* runtime.c */
veil_vfs_view *veil_runtime_client_view(veil_runtime *rt, const veil_policy_principal *who);
/* Records that `who` shut the instance down and wakes the shutdown fd. */
void veil_runtime_request_shutdown(veil_runtime *rt, const char *who);

#endif
