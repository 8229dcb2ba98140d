/*
 * The host's main sequence (veil/host.h):
 *
 *   start the runtime (isolation backend) -> send the policy ->
 *   relay attestation (HOST_START -> PAS nonce -> HOST_NONCE; HOST_CSR ->
 *   evidence from the backend -> PAS -> HOST_CERT) -> HOST_READY ->
 *   listen; per client connection: a socket pair, one end passed to the
 *   runtime (HOST_CONNECT), the other relayed to the TCP connection by two
 *   threads (one per direction, with splice(2) so the bytes are not even
 *   copied through the host), bytes untouched -> until the runtime says
 *   a principal shut it down, the runtime ends, or the host is told to stop
 *   (HOST_STOP) -> wait for the runtime (bounded), report how it ended.
 *
 * The host never looks inside a client connection: TLS ends in the runtime.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "isolation.h"
#include "pas_client.h"
#include "veil/log.h"
#include "veil/protocol.h"
#include "veil/str.h"

#define COMPONENT "host"

enum {
    RELAY_BUFFER = 256 * 1024,
    RELAY_DRAIN_MS = 2000, /* for the runtime's last bytes once it has ended */
    ATTEST_FRAME_TIMEOUT_MS = 120000,
    DEFAULT_STOP_TIMEOUT_MS = 5000,
};

/* ---- relaying one client connection ---- */

typedef struct relay_conn relay_conn;

typedef struct relay_half {
    relay_conn *conn;
    int from, to;
    pthread_t thread;
    _Atomic bool done; /* this direction has ended */
} relay_half;

struct relay_conn {
    int tcp, pair;
    _Atomic int halves_done; /* 2: both threads have finished */
    relay_half up, down;     /* client -> runtime, runtime -> client */
    relay_conn *next;
};

/* Moves bytes with splice(2) through a pipe, so they never enter user
 * space.  Returns 1 at the end of the stream, 0 when splice is not
 * possible for these descriptors (the caller copies instead), -1 on an
 * error. */
static int relay_splice(relay_half *h) {
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return 0;
    fcntl(pipefd[1], F_SETPIPE_SZ, RELAY_BUFFER);
    int result = -1;
    bool moved_any = false;
    for (;;) {
        ssize_t n = splice(h->from, NULL, pipefd[1], NULL, RELAY_BUFFER, SPLICE_F_MOVE);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && !moved_any && (errno == EINVAL || errno == ENOSYS)) {
            result = 0;
            break;
        }
        if (n <= 0) {
            result = n == 0 ? 1 : -1;
            break;
        }
        moved_any = true;
        while (n > 0) {
            ssize_t w = splice(pipefd[0], NULL, h->to, NULL, (size_t)n, SPLICE_F_MOVE);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                goto done;
            n -= w;
        }
    }
done:
    close(pipefd[0]);
    close(pipefd[1]);
    return result;
}

static void relay_copy(relay_half *h) {
    uint8_t *buf = malloc(RELAY_BUFFER);
    while (buf != NULL) {
        ssize_t n = read(h->from, buf, RELAY_BUFFER);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        ssize_t off = 0;
        while (off < n) {
            ssize_t w = send(h->to, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                free(buf);
                return;
            }
            off += w;
        }
    }
    free(buf);
}

static void *relay_thread(void *arg) {
    relay_half *h = arg;
    if (relay_splice(h) == 0)
        relay_copy(h);
    /* Pass the end of this direction on; the other direction goes on. */
    shutdown(h->to, SHUT_WR);
    shutdown(h->from, SHUT_RD);
    h->done = true;
    h->conn->halves_done++;
    return NULL;
}

static veil_error *relay_start(relay_conn *c) {
    c->up = (relay_half){.conn = c, .from = c->tcp, .to = c->pair};
    c->down = (relay_half){.conn = c, .from = c->pair, .to = c->tcp};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int rc = pthread_create(&c->up.thread, &attr, relay_thread, &c->up);
    if (rc == 0 && (rc = pthread_create(&c->down.thread, &attr, relay_thread, &c->down)) != 0) {
        shutdown(c->tcp, SHUT_RDWR);
        shutdown(c->pair, SHUT_RDWR);
        pthread_join(c->up.thread, NULL);
    }
    pthread_attr_destroy(&attr);
    if (rc != 0)
        return veil_error_new(VEIL_ENOMEM, "cannot start a relay thread: %s", strerror(rc));
    return NULL;
}

static void relay_free(relay_conn *c) {
    pthread_join(c->up.thread, NULL);
    pthread_join(c->down.thread, NULL);
    close(c->tcp);
    close(c->pair);
    free(c);
}

/* Frees the connections whose both directions have ended. */
static void relay_reap(relay_conn **list) {
    while (*list != NULL) {
        relay_conn *c = *list;
        if (c->halves_done == 2) {
            *list = c->next;
            relay_free(c);
        } else {
            list = &c->next;
        }
    }
}

/* Called once the runtime has ended.  What it wrote before ending (its
 * answer to a shutdown request) may still sit in a connection's pair, so
 * each runtime -> client direction first gets up to RELAY_DRAIN_MS to
 * reach its end of file; then every connection is cut. */
static void relay_end_all(relay_conn *list) {
    for (int waited = 0; waited < RELAY_DRAIN_MS; waited += 10) {
        bool drained = true;
        for (relay_conn *c = list; c != NULL; c = c->next)
            drained = drained && c->down.done;
        if (drained)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    while (list != NULL) {
        relay_conn *next = list->next;
        shutdown(list->tcp, SHUT_RDWR);
        shutdown(list->pair, SHUT_RDWR);
        relay_free(list);
        list = next;
    }
}

/* ---- the channel to the runtime ---- */

typedef struct channel {
    veil_fd_stream fs;
    veil_stream s;
    uint8_t *buf;
} channel;

/* Waits (bounded) for the next frame from the runtime; *eof at its end. */
static veil_error *channel_next(channel *ch, uint64_t timeout_ms, veil_frame_header *hdr,
                                bool *eof) {
    struct pollfd p = {.fd = ch->fs.fd, .events = POLLIN};
    int r;
    do {
        r = poll(&p, 1, (int)timeout_ms);
    } while (r < 0 && errno == EINTR);
    VEIL_ENSURE(r != 0, VEIL_ETIMEOUT, "the runtime sent nothing for %llu ms",
                (unsigned long long)timeout_ms);
    if (r < 0)
        return veil_error_errno(errno, "waiting for the runtime");
    veil_error *err = veil_proto_read_frame(&ch->s, hdr, ch->buf, eof);
    /* Descriptors are only ever passed to the runtime, never back. */
    int stray = veil_fd_stream_take_fd(&ch->fs);
    if (stray >= 0)
        close(stray);
    return err;
}

static veil_error *send_policy(channel *ch, const uint8_t *policy, size_t len) {
    uint8_t total[8];
    for (int i = 0; i < 8; i++)
        total[i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
    VEIL_TRY(veil_proto_write_frame(&ch->s, VEIL_FRAME_HOST_POLICY, total, sizeof(total)));
    for (size_t off = 0; off < len; off += VEIL_PROTO_MAX_PAYLOAD) {
        size_t n = len - off < VEIL_PROTO_MAX_PAYLOAD ? len - off : VEIL_PROTO_MAX_PAYLOAD;
        VEIL_TRY(veil_proto_write_frame(&ch->s, VEIL_FRAME_DATA, policy + off, n));
    }
    return veil_proto_write_frame(&ch->s, VEIL_FRAME_END, NULL, 0);
}

/* Tells the runtime why the host gives up on it. */
static void send_host_error(channel *ch, const veil_error *err) {
    veil_buf b;
    veil_buf_init(&b, 0);
    veil_error *e = veil_proto_response_from_error(err, &b);
    if (e == NULL)
        e = veil_proto_write_frame(&ch->s, VEIL_FRAME_HOST_ERROR, b.data, b.len);
    veil_error_free(e);
    veil_buf_free(&b);
}

static veil_error *runtime_error_frame(const uint8_t *payload, size_t len) {
    veil_proto_response resp;
    VEIL_TRY(veil_proto_response_parse(payload, len, &resp));
    return veil_error_new(veil_proto_status_to_code(resp.status), "the runtime failed: %.*s",
                          (int)resp.message_len, resp.message);
}

static veil_error *relay_csr(const veil_host_config *config, veil_isolation *iso, channel *ch,
                             const veil_frame_header *hdr,
                             const uint8_t nonce[VEIL_PAS_NONCE_LEN]) {
    veil_reader r;
    veil_reader_init(&r, ch->buf, hdr->len, "HOST_CSR frame");
    uint16_t nlen;
    const uint8_t *echoed;
    VEIL_TRY(veil_reader_u16be(&r, &nlen));
    VEIL_TRY(veil_reader_bytes(&r, nlen, &echoed));
    VEIL_ENSURE(nlen == VEIL_PAS_NONCE_LEN && memcmp(echoed, nonce, nlen) == 0, VEIL_EPROTO,
                "the runtime's CSR is for another nonce than the one it was given");
    const uint8_t *csr = veil_reader_cursor(&r);
    size_t csr_len = veil_reader_remaining(&r);
    const char *format;
    uint8_t *evidence;
    size_t evidence_len;
    VEIL_TRY(veil_isolation_evidence(iso, nonce, VEIL_PAS_NONCE_LEN, csr, csr_len, &format,
                                     &evidence, &evidence_len));
    veil_host_pas_certs certs;
    veil_error *err = veil_host_pas_finish(config->pas_url, nonce, format, evidence, evidence_len,
                                           csr, csr_len, &certs);
    free(evidence);
    VEIL_TRY(err);
    veil_buf b;
    veil_buf_init(&b, VEIL_PROTO_MAX_PAYLOAD);
    uint8_t len4[4] = {(uint8_t)(certs.leaf_len >> 24), (uint8_t)(certs.leaf_len >> 16),
                       (uint8_t)(certs.leaf_len >> 8), (uint8_t)certs.leaf_len};
    err = veil_buf_append(&b, len4, 4);
    if (err == NULL)
        err = veil_buf_append(&b, certs.leaf, certs.leaf_len);
    if (err == NULL)
        err = veil_buf_append(&b, certs.ca, certs.ca_len);
    if (err == NULL)
        err = veil_proto_write_frame(&ch->s, VEIL_FRAME_HOST_CERT, b.data, b.len);
    veil_buf_free(&b);
    veil_host_pas_certs_free(&certs);
    return err;
}

/* Policy and attestation, until the runtime says it serves. */
static veil_error *bring_up(const veil_host_config *config, veil_isolation *iso, channel *ch) {
    VEIL_TRY(send_policy(ch, config->policy, config->policy_len));
    uint8_t nonce[VEIL_PAS_NONCE_LEN];
    bool have_nonce = false;
    for (;;) {
        veil_frame_header hdr;
        bool eof;
        VEIL_TRY(channel_next(ch, ATTEST_FRAME_TIMEOUT_MS, &hdr, &eof));
        VEIL_ENSURE(!eof, VEIL_EIO, "the runtime ended before it was ready");
        switch (hdr.type) {
        case VEIL_FRAME_HOST_START:
            VEIL_TRY(veil_host_pas_nonce(config->pas_url, nonce));
            have_nonce = true;
            VEIL_TRY(veil_proto_write_frame(&ch->s, VEIL_FRAME_HOST_NONCE, nonce, sizeof(nonce)));
            break;
        case VEIL_FRAME_HOST_CSR:
            VEIL_ENSURE(have_nonce, VEIL_EPROTO,
                        "the runtime sent a CSR before asking for a nonce");
            have_nonce = false; /* single use */
            VEIL_TRY(relay_csr(config, iso, ch, &hdr, nonce));
            break;
        case VEIL_FRAME_HOST_READY:
            return NULL;
        case VEIL_FRAME_HOST_ERROR:
            return runtime_error_frame(ch->buf, hdr.len);
        default:
            return veil_error_new(VEIL_EPROTO, "the runtime sent an unexpected %s frame",
                                  veil_frame_type_name(hdr.type));
        }
    }
}

static veil_error *listen_on(const char *host, uint16_t port, int *fd_out, uint16_t *bound) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    VEIL_ENSURE(inet_pton(AF_INET, host, &addr.sin_addr) == 1, VEIL_EINVAL,
                "listen address '%s' is not an IPv4 address", host);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return veil_error_errno(errno, "creating the listening socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    socklen_t alen = sizeof(addr);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &alen) != 0) {
        int e = errno;
        close(fd);
        return veil_error_errno(e, "listening on %s:%u", host, port);
    }
    *fd_out = fd;
    *bound = ntohs(addr.sin_port);
    return NULL;
}

static veil_error *accept_client(channel *ch, int listen_fd, relay_conn **list) {
    int tcp = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (tcp < 0)
        return errno == EINTR || errno == EAGAIN || errno == ECONNABORTED
                   ? NULL
                   : veil_error_errno(errno, "accepting a client");
    int one = 1;
    setsockopt(tcp, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        int e = errno;
        close(tcp);
        VEIL_WARN(COMPONENT, "dropping a client: %s", strerror(e));
        return NULL;
    }
    veil_error *err = veil_fd_stream_send_fd(&ch->fs, VEIL_FRAME_HOST_CONNECT, NULL, 0, sv[1]);
    close(sv[1]);
    relay_conn *c = NULL;
    if (err == NULL && (c = calloc(1, sizeof(*c))) == NULL)
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
    if (err == NULL) {
        c->tcp = tcp;
        c->pair = sv[0];
        err = relay_start(c);
    }
    if (err != NULL) {
        free(c);
        close(tcp);
        close(sv[0]);
        return err;
    }
    c->next = *list;
    *list = c;
    VEIL_DEBUG(COMPONENT, "relaying a client connection");
    return NULL;
}

/* Serves until the runtime ends or asks to end, or the host must stop. */
static veil_error *serve(const veil_host_config *config, channel *ch, int listen_fd,
                         relay_conn **relays, veil_host_result *result) {
    for (;;) {
        struct pollfd p[3] = {
            {.fd = listen_fd, .events = POLLIN},
            {.fd = ch->fs.fd, .events = POLLIN},
            {.fd = config->stop_signal_fd, .events = POLLIN},
        };
        int r = poll(p, config->stop_signal_fd >= 0 ? 3 : 2, -1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return veil_error_errno(errno, "waiting for clients");
        if (config->stop_signal_fd >= 0 && (p[2].revents & POLLIN)) {
            result->stopped_by_signal = true;
            VEIL_INFO(COMPONENT, "stopping the runtime (asked to stop)");
            veil_error_free(veil_proto_write_frame(&ch->s, VEIL_FRAME_HOST_STOP, NULL, 0));
            return NULL;
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            veil_frame_header hdr;
            bool eof;
            VEIL_TRY(channel_next(ch, 1000, &hdr, &eof));
            if (eof)
                return NULL; /* the runtime ended; the caller says how */
            if (hdr.type == VEIL_FRAME_HOST_SHUTDOWN) {
                result->shutdown_requested = true;
                size_t n = hdr.len < sizeof(result->shutdown_by) - 1
                               ? hdr.len
                               : sizeof(result->shutdown_by) - 1;
                memcpy(result->shutdown_by, ch->buf, n);
                result->shutdown_by[n] = '\0';
                VEIL_INFO(COMPONENT, "%s shut the instance down", result->shutdown_by);
                return NULL;
            }
            if (hdr.type == VEIL_FRAME_HOST_ERROR)
                return runtime_error_frame(ch->buf, hdr.len);
            return veil_error_new(VEIL_EPROTO, "the runtime sent an unexpected %s frame",
                                  veil_frame_type_name(hdr.type));
        }
        if (p[0].revents & POLLIN) {
            relay_reap(relays);
            VEIL_TRY(accept_client(ch, listen_fd, relays));
        }
    }
}

veil_error *veil_host_run(const veil_host_config *config, veil_host_result *result) {
    memset(result, 0, sizeof(*result));
    VEIL_ENSURE(config->backend != NULL && config->pas_url != NULL && config->policy != NULL,
                VEIL_EINVAL, "the host needs a backend, a PAS URL and a policy");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return veil_error_new(VEIL_EINTERNAL, "cannot initialise libcurl");
    veil_isolation *iso;
    veil_error *err = config->backend->start(&config->isolation, &iso);
    if (err != NULL) {
        curl_global_cleanup();
        return veil_error_wrap(err, "%s backend", config->backend->name);
    }
    channel ch;
    veil_fd_stream_init(&ch.fs, veil_isolation_channel(iso), &ch.s);
    ch.buf = malloc(VEIL_PROTO_MAX_PAYLOAD);
    if (ch.buf == NULL)
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
    if (err == NULL && (err = bring_up(config, iso, &ch)) != NULL) {
        send_host_error(&ch, err);
        err = veil_error_wrap(err, "bringing up the runtime");
    }
    int listen_fd = -1;
    uint16_t bound = 0;
    if (err == NULL)
        err = listen_on(config->listen_host, config->listen_port, &listen_fd, &bound);
    if (err == NULL && config->port_file != NULL) {
        char text[16];
        int n = snprintf(text, sizeof(text), "%u\n", bound);
        err = veil_write_file(config->port_file, text, (size_t)n, 0644);
    }
    relay_conn *relays = NULL;
    if (err == NULL) {
        VEIL_INFO(COMPONENT, "instance serving on %s:%u", config->listen_host, bound);
        err = serve(config, &ch, listen_fd, &relays, result);
    }
    if (listen_fd >= 0)
        close(listen_fd);
    /* Closing our end of the channel tells a runtime that is still up to go. */
    uint64_t grace =
        config->stop_timeout_ms != 0 ? config->stop_timeout_ms : DEFAULT_STOP_TIMEOUT_MS;
    shutdown(ch.fs.fd, SHUT_WR);
    veil_error *werr = veil_isolation_wait(iso, grace, &result->exit);
    relay_end_all(relays);
    char how[128];
    veil_isolation_exit_describe(&result->exit, how, sizeof(how));
    VEIL_INFO(COMPONENT, "the runtime %s", how);
    bool clean = result->exit.exited && result->exit.status == 0 && !result->exit.killed_by_host;
    if (err == NULL && werr == NULL && !clean && !result->shutdown_requested &&
        !result->stopped_by_signal)
        err = veil_error_new(VEIL_EIO, "the runtime ended unexpectedly: it %s", how);
    else if (err == NULL && werr == NULL && !clean)
        err = veil_error_new(VEIL_EIO, "the runtime did not stop cleanly: it %s", how);
    if (err == NULL)
        err = werr;
    else
        veil_error_free(werr);
    free(ch.buf);
    veil_isolation_free(iso);
    curl_global_cleanup();
    return err;
}
