/*
 * The runtime client (veil/client.h).
 *
 * OpenSSL's own peer verification is off on purpose: the runtime's
 * certificate is checked here, against the policy, with a message per
 * check, right after the handshake and before any request is sent.  The
 * first request is POLICY (hash only): it carries nothing of the client's
 * and its answer is check 5.  A client certificate the runtime does not
 * know is only reported by the runtime after the client's handshake ends
 * (TLS 1.3), so it surfaces as a TLS alert on that first request.
 *
 * After a transport or protocol failure the connection is marked broken
 * (frames may be out of step); failures the runtime answers with a status
 * leave it usable.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "veil/client.h"
#include "veil/encoding.h"
#include "veil/log.h"
#include "veil/protocol.h"
#include "veil/str.h"
#include "veil/x509.h"

#define COMPONENT "client"
#define MAX_POLICY_BYTES (1u << 20)

struct veil_client {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    veil_stream stream;
    uint8_t *buf;
    bool broken;
};

/* ---- checking the runtime's certificate ---- */

static void format_time(int64_t t, char *buf, size_t size) {
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, size, "%lld", (long long)t);
}

veil_error *veil_client_check_certificate(const veil_client_trust *trust, X509 *cert,
                                          STACK_OF(X509) * chain, int64_t now) {
    VEIL_ENSURE(cert != NULL, VEIL_EATTEST, "the runtime presented no certificate");
    char subject[256], expected[256];
    /* 1. The chain to the policy's proxy_service_cert. */
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = store != NULL && ctx != NULL && X509_STORE_add_cert(store, trust->pas_cert) == 1 &&
             X509_STORE_CTX_init(ctx, store, cert, chain) == 1;
    int verify_error = X509_V_OK;
    if (ok) {
        X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx),
                                    X509_V_FLAG_NO_CHECK_TIME | X509_V_FLAG_PARTIAL_CHAIN);
        ok = X509_verify_cert(ctx) == 1;
        verify_error = X509_STORE_CTX_get_error(ctx);
    }
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    ERR_clear_error();
    if (!ok) {
        /* Every PAS CA has the same name: the key identifiers tell them apart. */
        char got_id[2 * 32 + 1] = "none", want_id[2 * 32 + 1] = "none";
        const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(cert);
        const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(trust->pas_cert);
        if (aki != NULL && ASN1_STRING_length(aki) <= 32)
            veil_hex_encode(ASN1_STRING_get0_data(aki), (size_t)ASN1_STRING_length(aki), got_id);
        if (ski != NULL && ASN1_STRING_length(ski) <= 32)
            veil_hex_encode(ASN1_STRING_get0_data(ski), (size_t)ASN1_STRING_length(ski), want_id);
        X509_NAME_oneline(X509_get_issuer_name(cert), subject, sizeof(subject));
        X509_NAME_oneline(X509_get_subject_name(trust->pas_cert), expected, sizeof(expected));
        return veil_error_new(VEIL_EATTEST,
                              "check 1 (chain) failed: the runtime's certificate (issuer %s, key "
                              "id %s) does not chain to the policy's proxy_service_cert (%s, key "
                              "id %s): %s",
                              subject, got_id, expected, want_id,
                              X509_verify_cert_error_string(verify_error));
    }
    /* 2. Valid now. */
    int64_t not_before, not_after;
    VEIL_TRY(veil_attest_asn1_time_to_unix(X509_get0_notBefore(cert), &not_before));
    VEIL_TRY(veil_attest_asn1_time_to_unix(X509_get0_notAfter(cert), &not_after));
    char t1[32], t2[32];
    format_time(now, t2, sizeof(t2));
    if (now > not_after) {
        format_time(not_after, t1, sizeof(t1));
        return veil_error_new(VEIL_EATTEST,
                              "check 2 (validity) failed: the runtime's certificate expired at %s "
                              "(now %s)",
                              t1, t2);
    }
    if (now < not_before) {
        format_time(not_before, t1, sizeof(t1));
        return veil_error_new(VEIL_EATTEST,
                              "check 2 (validity) failed: the runtime's certificate is not valid "
                              "before %s (now %s)",
                              t1, t2);
    }
    /* 3. The measurement. */
    veil_attest_measurement m;
    veil_error *err = veil_attest_cert_measurement(cert, &m);
    if (err != NULL) {
        veil_error *out = veil_error_new(VEIL_EATTEST, "check 3 (measurement) failed: %s",
                                         veil_error_message(err));
        veil_error_free(err);
        return out;
    }
    char got_hex[2 * VEIL_ATTEST_MEASUREMENT_MAX + 1],
        want_hex[2 * VEIL_ATTEST_MEASUREMENT_MAX + 1];
    veil_hex_encode(m.value, m.len, got_hex);
    veil_hex_encode(trust->measurement, trust->measurement_len, want_hex);
    if (strcmp(m.platform, trust->platform) != 0)
        return veil_error_new(VEIL_EATTEST,
                              "check 3 (measurement) failed: the runtime was measured on "
                              "platform %s, the client expects %s",
                              m.platform, trust->platform);
    if (m.len != trust->measurement_len ||
        !veil_ct_equal(m.value, trust->measurement, trust->measurement_len))
        return veil_error_new(VEIL_EATTEST,
                              "check 3 (measurement) failed: the runtime's measurement %s differs "
                              "from the policy's runtime_manager_hash_%s %s",
                              got_hex, trust->platform, want_hex);
    /* 4. Not beyond the policy's expiry. */
    if (trust->not_after_max != 0 && not_after > trust->not_after_max) {
        format_time(not_after, t1, sizeof(t1));
        format_time(trust->not_after_max, t2, sizeof(t2));
        return veil_error_new(VEIL_EATTEST,
                              "check 4 (expiry) failed: the runtime's certificate is valid until "
                              "%s, beyond the policy's enclave_cert_expiry %s",
                              t1, t2);
    }
    return NULL;
}

/* ---- frames ---- */

static veil_error *broken(veil_client *c, veil_error *err) {
    if (err != NULL)
        c->broken = true;
    return err;
}

static veil_error *send_request(veil_client *c, uint8_t op, uint8_t flags, const char *path,
                                uint64_t size_hint) {
    VEIL_ENSURE(!c->broken, VEIL_EPROTO, "the connection is unusable after an earlier failure");
    veil_proto_request req = {.op = op,
                              .flags = flags,
                              .path = path,
                              .path_len = path != NULL ? strlen(path) : 0,
                              .size_hint = size_hint};
    veil_buf b;
    veil_buf_init(&b, 0);
    veil_error *err = veil_proto_request_encode(&req, &b);
    if (err == NULL)
        err = broken(c, veil_proto_write_frame(&c->stream, VEIL_FRAME_REQUEST, b.data, b.len));
    veil_buf_free(&b);
    return err;
}

/* Explains TLS alerts from the runtime in terms of the likely cause. */
static veil_error *explain(veil_error *err) {
    if (err != NULL && strstr(veil_error_message(err), "alert") != NULL &&
        (strstr(veil_error_message(err), "certificate") != NULL))
        return veil_error_wrap(err, "the runtime refused this client's certificate (is it an "
                                    "identity of the policy?)");
    return err;
}

static veil_error *read_frame(veil_client *c, veil_frame_header *hdr) {
    bool eof;
    veil_error *err = veil_proto_read_frame(&c->stream, hdr, c->buf, &eof);
    if (err == NULL && eof)
        err = veil_error_new(VEIL_EPROTO, "the runtime closed the connection");
    return broken(c, explain(err));
}

/* Reads the RESPONSE of a request; *resp points into c->buf.  A failure
 * status becomes the returned error. */
static veil_error *read_response(veil_client *c, veil_proto_response *resp) {
    veil_frame_header hdr;
    VEIL_TRY(read_frame(c, &hdr));
    if (hdr.type != VEIL_FRAME_RESPONSE)
        return broken(c, veil_error_new(VEIL_EPROTO,
                                        "the runtime sent %s where a RESPONSE was "
                                        "expected",
                                        veil_frame_type_name(hdr.type)));
    VEIL_TRY(broken(c, veil_proto_response_parse(c->buf, hdr.len, resp)));
    return veil_proto_response_error(resp);
}

/* Reads a body (DATA* END) into a sink; a RESPONSE in its place is a
 * failure the runtime met while sending. */
static veil_error *read_body(veil_client *c, veil_client_sink sink, void *user, uint64_t *total) {
    uint64_t n = 0;
    for (;;) {
        veil_frame_header hdr;
        VEIL_TRY(read_frame(c, &hdr));
        if (hdr.type == VEIL_FRAME_END)
            break;
        if (hdr.type == VEIL_FRAME_RESPONSE) {
            veil_proto_response resp;
            VEIL_TRY(broken(c, veil_proto_response_parse(c->buf, hdr.len, &resp)));
            veil_error *err = veil_proto_response_error(&resp);
            return err != NULL
                       ? err
                       : broken(c, veil_error_new(VEIL_EPROTO, "OK RESPONSE inside a body"));
        }
        if (hdr.type != VEIL_FRAME_DATA)
            return broken(c, veil_error_new(VEIL_EPROTO, "%s frame inside a body",
                                            veil_frame_type_name(hdr.type)));
        if (sink != NULL && hdr.len > 0)
            VEIL_TRY(broken(c, sink(user, c->buf, hdr.len)));
        n += hdr.len;
    }
    if (total != NULL)
        *total = n;
    return NULL;
}

/* ---- connecting ---- */

static veil_error *tls_setup(veil_client *c, const veil_client_trust *trust,
                             const veil_client_options *options) {
    VEIL_ENSURE(options->cert != NULL && options->key != NULL, VEIL_EINVAL,
                "a client needs its identity's certificate and key");
    c->ctx = SSL_CTX_new(TLS_client_method());
    VEIL_ENSURE(c->ctx != NULL, VEIL_ENOMEM, "cannot create a TLS context");
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(c->ctx, TLS1_3_VERSION);
    if (trust->ciphersuite != NULL && SSL_CTX_set_ciphersuites(c->ctx, trust->ciphersuite) != 1) {
        ERR_clear_error();
        return veil_error_new(VEIL_EUNSUPPORTED,
                              "the policy's ciphersuite \"%s\" is not available to this client",
                              trust->ciphersuite);
    }
    if (SSL_CTX_use_certificate(c->ctx, options->cert) != 1 ||
        SSL_CTX_use_PrivateKey(c->ctx, options->key) != 1 ||
        SSL_CTX_check_private_key(c->ctx) != 1) {
        ERR_clear_error();
        return veil_error_new(VEIL_EINVAL, "the identity key does not match its certificate");
    }
    /* Verified by veil_client_check_certificate after the handshake. */
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_mode(c->ctx, SSL_MODE_AUTO_RETRY);
    c->ssl = SSL_new(c->ctx);
    VEIL_ENSURE(c->ssl != NULL, VEIL_ENOMEM, "cannot create a TLS connection");
    VEIL_TRY(veil_ssl_attach_fd(c->ssl, c->fd));
    veil_ssl_stream_init(c->ssl, &c->stream);
    return NULL;
}

/* A runtime that refuses the client's certificate sends an alert and
 * closes; when the first request already failed to go out, the alert is
 * still waiting to be read and says why. */
static veil_error *refusal_reason(veil_client *c, veil_error *err) {
    if (strstr(veil_error_message(err), "writing to the TLS connection") == NULL)
        return err;
    uint8_t byte;
    size_t n;
    int rc = SSL_read_ex(c->ssl, &byte, 1, &n);
    if (rc == 1)
        return err;
    veil_error *alert = explain(veil_ssl_failure(c->ssl, rc, "the runtime ended the connection"));
    if (strstr(veil_error_message(alert), "alert") == NULL) {
        veil_error_free(alert);
        return err;
    }
    veil_error_free(err);
    return alert;
}

veil_error *veil_client_connect_fd(int fd, const veil_client_trust *trust,
                                   const veil_client_options *options, veil_client **out) {
    veil_client *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        close(fd);
        return veil_error_new(VEIL_ENOMEM, "out of memory");
    }
    c->fd = fd;
    if (options->timeout_ms > 0) {
        struct timeval tv = {(time_t)(options->timeout_ms / 1000),
                             (suseconds_t)(options->timeout_ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    }
    veil_error *err = NULL;
    if ((c->buf = malloc(VEIL_PROTO_MAX_PAYLOAD)) == NULL)
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
    if (err == NULL)
        err = tls_setup(c, trust, options);
    if (err == NULL) {
        int rc = SSL_connect(c->ssl);
        if (rc != 1)
            err = explain(veil_ssl_failure(c->ssl, rc, "TLS handshake with the runtime failed"));
    }
    if (err == NULL) {
        X509 *cert = SSL_get0_peer_certificate(c->ssl);
        err = veil_client_check_certificate(trust, cert, SSL_get_peer_cert_chain(c->ssl),
                                            (int64_t)time(NULL));
    }
    /* 5. The policy the runtime holds is the client's. */
    uint8_t hash[VEIL_SHA256_LEN];
    if (err == NULL && (err = veil_client_policy(c, hash, NULL, NULL)) != NULL)
        err = refusal_reason(c, err);
    if (err == NULL && !veil_ct_equal(hash, trust->policy_hash, VEIL_SHA256_LEN)) {
        char got[VEIL_SHA256_HEX_LEN + 1], want[VEIL_SHA256_HEX_LEN + 1];
        veil_hex_encode(hash, sizeof(hash), got);
        veil_hex_encode(trust->policy_hash, sizeof(hash), want);
        err = veil_error_new(VEIL_EATTEST,
                             "check 5 (policy) failed: the runtime's policy hash %s differs from "
                             "the SHA-256 of this client's policy %s",
                             got, want);
    }
    if (err != NULL) {
        c->broken = true;
        veil_client_close(c);
        return err;
    }
    VEIL_DEBUG(COMPONENT, "connected; the runtime passed every check");
    *out = c;
    return NULL;
}

veil_error *veil_client_connect(const char *host, uint16_t port, const veil_client_trust *trust,
                                const veil_client_options *options, veil_client **out) {
    char service[8];
    snprintf(service, sizeof(service), "%u", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res;
    int rc = getaddrinfo(host, service, &hints, &res);
    VEIL_ENSURE(rc == 0, VEIL_ENOENT, "cannot resolve %s: %s", host, gai_strerror(rc));
    int fd = -1, last_errno = 0;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            last_errno = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return veil_error_errno(last_errno, "connecting to %s:%u", host, port);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return veil_client_connect_fd(fd, trust, options, out);
}

void veil_client_close(veil_client *c) {
    if (c == NULL)
        return;
    if (c->ssl != NULL && !c->broken)
        SSL_shutdown(c->ssl);
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
    ERR_clear_error();
    if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    free(c);
}

/* ---- operations ---- */

/* True when the runtime has sent something (an early refusal). */
static bool answer_waiting(veil_client *c) {
    if (SSL_pending(c->ssl) > 0)
        return true;
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

veil_error *veil_client_write(veil_client *c, const char *path, bool append,
                              veil_client_source source, void *user, uint64_t size_hint,
                              uint64_t *written) {
    VEIL_TRY(send_request(c, VEIL_OP_WRITE, append ? VEIL_PROTO_FLAG_APPEND : 0, path, size_hint));
    uint8_t *chunk = malloc(VEIL_PROTO_MAX_PAYLOAD);
    VEIL_ENSURE(chunk != NULL, VEIL_ENOMEM, "out of memory");
    uint64_t total = 0;
    veil_error *err = NULL;
    bool refused = false;
    for (;;) {
        size_t got;
        err = source(user, chunk, VEIL_PROTO_MAX_PAYLOAD, &got);
        if (err != NULL || got == 0)
            break;
        err = broken(c, veil_proto_write_frame(&c->stream, VEIL_FRAME_DATA, chunk, got));
        if (err != NULL)
            break;
        total += got;
        if (answer_waiting(c)) {
            refused = true;
            break;
        }
    }
    free(chunk);
    if (err != NULL && !c->broken) {
        /* Our source failed: end the body so the runtime stays in step,
         * and drop what it answers (it commits nothing we did not send,
         * but the caller learns of the source's failure). */
        veil_error *e = broken(c, veil_proto_write_frame(&c->stream, VEIL_FRAME_END, NULL, 0));
        veil_proto_response resp;
        if (e == NULL)
            e = read_response(c, &resp);
        veil_error_free(e);
        return veil_error_wrap(err, "reading what to write to %s", path);
    }
    VEIL_TRY(err);
    VEIL_TRY(broken(c, veil_proto_write_frame(&c->stream, VEIL_FRAME_END, NULL, 0)));
    veil_proto_response resp;
    err = read_response(c, &resp);
    if (refused && err == NULL)
        return broken(c, veil_error_new(VEIL_EPROTO, "the runtime answered before the body "
                                                     "ended"));
    VEIL_TRY(err);
    if (written != NULL)
        *written = total;
    return NULL;
}

veil_error *veil_client_read(veil_client *c, const char *path, veil_client_sink sink, void *user,
                             uint64_t *size) {
    VEIL_TRY(send_request(c, VEIL_OP_READ, 0, path, 0));
    veil_proto_response resp;
    VEIL_TRY(read_response(c, &resp));
    uint64_t announced = resp.a, got;
    VEIL_TRY(read_body(c, sink, user, &got));
    VEIL_ENSURE(got == announced, VEIL_EPROTO,
                "the runtime announced %llu bytes of %s and sent %llu",
                (unsigned long long)announced, path, (unsigned long long)got);
    if (size != NULL)
        *size = got;
    return NULL;
}

typedef struct list_acc {
    veil_client_entry *entries;
    size_t count, cap;
} list_acc;

static veil_error *list_sink(void *user, const uint8_t *data, size_t len) {
    list_acc *acc = user;
    veil_reader r;
    veil_reader_init(&r, data, len, "LIST body");
    while (!veil_reader_at_end(&r)) {
        veil_proto_list_entry e;
        VEIL_TRY(veil_proto_list_entry_next(&r, &e));
        if (acc->count == acc->cap) {
            size_t cap = acc->cap ? acc->cap * 2 : 16;
            veil_client_entry *grown = realloc(acc->entries, cap * sizeof(*grown));
            VEIL_ENSURE(grown != NULL, VEIL_ENOMEM, "out of memory");
            acc->entries = grown;
            acc->cap = cap;
        }
        char *name = strndup(e.name, e.name_len);
        VEIL_ENSURE(name != NULL, VEIL_ENOMEM, "out of memory");
        acc->entries[acc->count++] = (veil_client_entry){name, e.filetype, e.size};
    }
    return NULL;
}

void veil_client_entries_free(veil_client_entry *entries, size_t count) {
    for (size_t i = 0; i < count; i++)
        free(entries[i].name);
    free(entries);
}

veil_error *veil_client_list(veil_client *c, const char *path, veil_client_entry **entries,
                             size_t *count) {
    VEIL_TRY(send_request(c, VEIL_OP_LIST, 0, path, 0));
    veil_proto_response resp;
    VEIL_TRY(read_response(c, &resp));
    uint64_t announced = resp.a;
    list_acc acc = {0};
    veil_error *err = read_body(c, list_sink, &acc, NULL);
    if (err == NULL && acc.count != announced)
        err = broken(c, veil_error_new(VEIL_EPROTO,
                                       "the runtime announced %llu entries and sent "
                                       "%zu",
                                       (unsigned long long)announced, acc.count));
    if (err != NULL) {
        veil_client_entries_free(acc.entries, acc.count);
        return err;
    }
    *entries = acc.entries;
    *count = acc.count;
    return NULL;
}

typedef struct split_sink {
    uint64_t first_left;
    veil_client_sink first, second;
    void *first_user, *second_user;
} split_sink;

/* Sends the first `first_left` bytes to one sink and the rest to another. */
static veil_error *split(void *user, const uint8_t *data, size_t len) {
    split_sink *s = user;
    size_t a = len < s->first_left ? len : (size_t)s->first_left;
    if (a > 0 && s->first != NULL)
        VEIL_TRY(s->first(s->first_user, data, a));
    s->first_left -= a;
    if (len > a && s->second != NULL)
        VEIL_TRY(s->second(s->second_user, data + a, len - a));
    return NULL;
}

veil_error *veil_client_execute(veil_client *c, const char *path, uint32_t *exit_code,
                                veil_client_sink out, void *out_user, veil_client_sink err_sink,
                                void *err_user) {
    uint8_t flags = (out != NULL ? VEIL_PROTO_FLAG_STDOUT : 0) |
                    (err_sink != NULL ? VEIL_PROTO_FLAG_STDERR : 0);
    VEIL_TRY(send_request(c, VEIL_OP_EXECUTE, flags, path, 0));
    veil_proto_response resp;
    VEIL_TRY(read_response(c, &resp));
    VEIL_ENSURE(resp.a <= UINT32_MAX, VEIL_EPROTO, "exit code %llu out of range",
                (unsigned long long)resp.a);
    uint64_t out_len = resp.b, err_len = resp.c, got;
    split_sink s = {out_len, out, err_sink, out_user, err_user};
    VEIL_TRY(read_body(c, split, &s, &got));
    VEIL_ENSURE(got == out_len + err_len, VEIL_EPROTO,
                "the runtime announced %llu bytes of output and sent %llu",
                (unsigned long long)(out_len + err_len), (unsigned long long)got);
    *exit_code = (uint32_t)resp.a;
    return NULL;
}

static veil_error *buf_sink(void *user, const uint8_t *data, size_t len) {
    return veil_buf_append(user, data, len);
}

veil_error *veil_client_policy(veil_client *c, uint8_t hash[VEIL_SHA256_LEN], uint8_t **bytes,
                               size_t *len) {
    VEIL_TRY(
        send_request(c, VEIL_OP_POLICY, bytes != NULL ? VEIL_PROTO_FLAG_POLICY_BYTES : 0, NULL, 0));
    veil_proto_response resp;
    VEIL_TRY(read_response(c, &resp));
    VEIL_ENSURE(resp.has_digest, VEIL_EPROTO, "the runtime sent no policy hash");
    memcpy(hash, resp.digest, VEIL_SHA256_LEN);
    if (bytes == NULL)
        return NULL;
    veil_buf b;
    veil_buf_init(&b, MAX_POLICY_BYTES);
    veil_error *err = read_body(c, buf_sink, &b, NULL);
    if (err != NULL) {
        veil_buf_free(&b);
        return err;
    }
    *bytes = (uint8_t *)veil_buf_steal(&b, len);
    return NULL;
}

veil_error *veil_client_shutdown(veil_client *c) {
    VEIL_TRY(send_request(c, VEIL_OP_SHUTDOWN, 0, NULL, 0));
    veil_proto_response resp;
    return read_response(c, &resp);
}

veil_error *veil_client_fd_source(void *fd_ptr, uint8_t *buf, size_t cap, size_t *got) {
    int fd = *(int *)fd_ptr;
    for (;;) {
        ssize_t n = read(fd, buf, cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return veil_error_errno(errno, "reading input");
        *got = (size_t)n;
        return NULL;
    }
}

veil_error *veil_client_fd_sink(void *fd_ptr, const uint8_t *data, size_t len) {
    int fd = *(int *)fd_ptr;
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return veil_error_errno(errno, "writing output");
        data += n;
        len -= (size_t)n;
    }
    return NULL;
}
