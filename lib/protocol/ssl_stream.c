/* veil_stream over an OpenSSL connection (blocking socket), shared by the
 * runtime's sessions and the client. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "veil/protocol.h"

veil_error *veil_ssl_failure(SSL *ssl, int rc, const char *what) {
    int e = SSL_get_error(ssl, rc);
    int saved_errno = errno;
    unsigned long detail = ERR_get_error();
    ERR_clear_error();
    if (e == SSL_ERROR_ZERO_RETURN)
        return veil_error_new(VEIL_EPROTO, "%s: the peer closed the connection", what);
    char reason[256] = "";
    if (detail != 0)
        ERR_error_string_n(detail, reason, sizeof(reason));
    else if (e == SSL_ERROR_SYSCALL)
        snprintf(reason, sizeof(reason), "%s",
                 saved_errno != 0 ? strerror(saved_errno) : "connection closed");
    else if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        snprintf(reason, sizeof(reason), "timed out");
    return veil_error_new(e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? VEIL_ETIMEOUT
                                                                                : VEIL_EPROTO,
                          "%s: %s", what, reason[0] ? reason : "TLS failure");
}

static veil_error *ssl_read(void *ctx, void *buf, size_t cap, size_t *got) {
    SSL *ssl = ctx;
    size_t n = 0;
    errno = 0;
    int rc = SSL_read_ex(ssl, buf, cap, &n);
    if (rc == 1) {
        *got = n;
        return NULL;
    }
    if (SSL_get_error(ssl, rc) == SSL_ERROR_ZERO_RETURN) {
        *got = 0;
        return NULL;
    }
    return veil_ssl_failure(ssl, rc, "reading from the TLS connection");
}

static veil_error *ssl_write(void *ctx, const void *buf, size_t len) {
    SSL *ssl = ctx;
    size_t n = 0;
    errno = 0;
    int rc = SSL_write_ex(ssl, buf, len, &n);
    if (rc == 1 && n == len)
        return NULL;
    return veil_ssl_failure(ssl, rc, "writing to the TLS connection");
}

void veil_ssl_stream_init(SSL *ssl, veil_stream *out) {
    out->read = ssl_read;
    out->write = ssl_write;
    out->ctx = ssl;
}
