/*
 * The runtime's TLS server side: TLS 1.3 only, the policy's ciphersuite,
 * a client certificate required and accepted only when its DER encoding
 * equals one of the policy's identity certificates.
 *
 * Client certificates are pinned, not chained: the policy names each
 * identity's certificate, so chain building and the validity period do not
 * apply (a policy lists the exact certificates it trusts).  Proof that the
 * client holds the matching key comes from TLS 1.3's CertificateVerify,
 * which OpenSSL checks independently of this callback.  The principal found
 * is attached to the SSL object for the session.  No session tickets: every
 * connection authenticates in full.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "runtime_internal.h"
#include "veil/log.h"
#include "veil/x509.h"

static int verify_client(X509_STORE_CTX *store, void *arg) {
    veil_runtime *rt = arg;
    X509 *cert = X509_STORE_CTX_get0_cert(store);
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    if (cert == NULL || ssl == NULL) {
        VEIL_WARN(RUNTIME_COMPONENT, "refusing a client: no client certificate");
        X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    const veil_policy_principal *who;
    veil_error *err = veil_policy_find_by_cert(rt->policy, cert, &who);
    if (err != NULL || who->kind != VEIL_PRINCIPAL_IDENTITY) {
        char subject[256], fp[65] = "?";
        veil_cert_subject(cert, subject, sizeof(subject));
        veil_error_free(veil_cert_fingerprint(cert, fp));
        VEIL_WARN(RUNTIME_COMPONENT,
                  "refusing a client: its certificate (%s, SHA-256 %s) is not an identity of "
                  "the policy",
                  subject, fp);
        veil_error_free(err);
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
        return 0;
    }
    SSL_set_ex_data(ssl, rt->ssl_principal_index, (void *)who);
    VEIL_DEBUG(RUNTIME_COMPONENT, "client authenticated as %s", who->name);
    return 1;
}

static veil_error *tls_error(const char *what) {
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    char reason[256] = "no further detail";
    if (e != 0)
        ERR_error_string_n(e, reason, sizeof(reason));
    return veil_error_new(VEIL_ECRYPTO, "%s: %s", what, reason);
}

veil_error *veil_runtime_tls_init(veil_runtime *rt, X509 *leaf, X509 *ca) {
    VEIL_ENSURE(rt->ssl_ctx == NULL, VEIL_EINVAL, "the runtime already has a certificate");
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return tls_error("cannot create the TLS context");
    veil_error *err = NULL;
    const char *suite = rt->settings->ciphersuite_openssl;
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
        !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION))
        err = tls_error("cannot restrict TLS to version 1.3");
    if (err == NULL && suite != NULL && SSL_CTX_set_ciphersuites(ctx, suite) != 1) {
        ERR_clear_error();
        err = veil_error_new(VEIL_EUNSUPPORTED,
                             "the policy's ciphersuite \"%s\" is not a TLS 1.3 ciphersuite this "
                             "runtime supports",
                             rt->settings->ciphersuite != NULL ? rt->settings->ciphersuite : suite);
    }
    if (err == NULL &&
        (SSL_CTX_use_certificate(ctx, leaf) != 1 || SSL_CTX_use_PrivateKey(ctx, rt->key) != 1 ||
         SSL_CTX_check_private_key(ctx) != 1 || SSL_CTX_add1_chain_cert(ctx, ca) != 1))
        err = tls_error("cannot install the runtime's certificate");
    if (err == NULL) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        SSL_CTX_set_cert_verify_callback(ctx, verify_client, rt);
        SSL_CTX_set_num_tickets(ctx, 0);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
        rt->ssl_principal_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
        if (rt->ssl_principal_index < 0)
            err = tls_error("cannot reserve SSL data");
    }
    if (err != NULL) {
        SSL_CTX_free(ctx);
        return err;
    }
    rt->ssl_ctx = ctx;
    VEIL_INFO(RUNTIME_COMPONENT, "TLS 1.3 ready (ciphersuite %s), client certificates required",
              suite != NULL ? suite : "OpenSSL default");
    return NULL;
}
