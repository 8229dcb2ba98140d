/* veil_stream over an OpenSSL connection (blocking socket), shared by the
 * runtime's sessions and the client. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

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

/* OpenSSL's socket BIO writes with write(2), which raises SIGPIPE when the
 * peer has gone; a library must not kill its program for that.  This BIO
 * is the socket BIO with writes done by send(MSG_NOSIGNAL). */
static BIO_METHOD *nosig_method;
static pthread_once_t nosig_once = PTHREAD_ONCE_INIT;

static int nosig_write(BIO *b, const char *buf, int len) {
    int fd = -1;
    BIO_get_fd(b, &fd);
    errno = 0;
    ssize_t n;
    do {
        n = send(fd, buf, (size_t)len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    BIO_clear_retry_flags(b);
    if (n <= 0 && BIO_sock_should_retry((int)n))
        BIO_set_retry_write(b);
    return (int)n;
}

static void nosig_init(void) {
    const BIO_METHOD *sock = BIO_s_socket();
    BIO_METHOD *m = BIO_meth_new(BIO_TYPE_SOCKET, "veil socket (no SIGPIPE)");
    if (m == NULL)
        return;
    BIO_meth_set_write(m, nosig_write);
    BIO_meth_set_read(m, BIO_meth_get_read(sock));
    BIO_meth_set_puts(m, BIO_meth_get_puts(sock));
    BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(sock));
    BIO_meth_set_create(m, BIO_meth_get_create(sock));
    BIO_meth_set_destroy(m, BIO_meth_get_destroy(sock));
    nosig_method = m;
}

veil_error *veil_ssl_attach_fd(SSL *ssl, int fd) {
    pthread_once(&nosig_once, nosig_init);
    VEIL_ENSURE(nosig_method != NULL, VEIL_ENOMEM, "cannot create the socket BIO");
    BIO *bio = BIO_new(nosig_method);
    VEIL_ENSURE(bio != NULL, VEIL_ENOMEM, "cannot create the socket BIO");
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    SSL_set_bio(ssl, bio, bio);
    return NULL;
}
