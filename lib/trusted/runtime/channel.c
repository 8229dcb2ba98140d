/*
 * The runtime's side of the host channel (docs/protocol.md, "Host
 * channel").  The channel is the runtime's only descriptor to the outside:
 *
 *   host -> HOST_POLICY (u64 length), DATA*, END   the global policy
 *   runtime -> HOST_START                          ready for a nonce
 *   host -> HOST_NONCE (32 bytes)                  from the PAS
 *   runtime -> HOST_CSR (u16 len, nonce, CSR DER)  the host adds evidence
 *   host -> HOST_CERT (u32 len, leaf DER, CA DER)  from the PAS
 *   runtime -> HOST_READY                          serving
 *   host -> HOST_CONNECT + descriptor              one per client connection
 *   runtime -> HOST_SHUTDOWN (principal name)      a principal shut it down
 *   host -> HOST_STOP, or end of stream            stop now
 *   either -> HOST_ERROR (RESPONSE payload)        giving up, with the reason
 *
 * The host is untrusted: everything it sends is checked (frame sizes, the
 * certificate is for this runtime's key).  What it can do is deny service.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime_internal.h"
#include "veil/log.h"
#include "veil/protocol.h"

typedef struct chan {
    veil_fd_stream fs;
    veil_stream s;
    uint8_t *buf;
} chan;

static veil_error *next_frame(chan *c, veil_frame_header *hdr, int *fd) {
    bool eof;
    VEIL_TRY(veil_proto_read_frame(&c->s, hdr, c->buf, &eof));
    int passed = veil_fd_stream_take_fd(&c->fs);
    if (fd != NULL)
        *fd = passed;
    else if (passed >= 0)
        close(passed);
    VEIL_ENSURE(!eof, VEIL_EPROTO, "the host closed the channel");
    if (hdr->type == VEIL_FRAME_HOST_ERROR) {
        veil_proto_response resp;
        VEIL_TRY(veil_proto_response_parse(c->buf, hdr->len, &resp));
        return veil_error_new(veil_proto_status_to_code(resp.status), "the host gave up: %.*s",
                              (int)resp.message_len, resp.message);
    }
    return NULL;
}

static veil_error *expect(chan *c, uint8_t type, veil_frame_header *hdr) {
    VEIL_TRY(next_frame(c, hdr, NULL));
    VEIL_ENSURE(hdr->type == type, VEIL_EPROTO, "the host sent %s where %s was expected",
                veil_frame_type_name(hdr->type), veil_frame_type_name(type));
    return NULL;
}

static veil_error *receive_policy(chan *c, veil_buf *policy) {
    veil_frame_header hdr;
    VEIL_TRY(expect(c, VEIL_FRAME_HOST_POLICY, &hdr));
    veil_reader r;
    veil_reader_init(&r, c->buf, hdr.len, "HOST_POLICY frame");
    uint64_t total;
    VEIL_TRY(veil_reader_u64be(&r, &total));
    VEIL_ENSURE(veil_reader_at_end(&r), VEIL_EPROTO, "HOST_POLICY frame is not 8 bytes");
    VEIL_ENSURE(total <= VEIL_POLICY_MAX_BYTES, VEIL_ELIMIT,
                "the policy is %llu bytes (at most %u)", (unsigned long long)total,
                VEIL_POLICY_MAX_BYTES);
    for (;;) {
        VEIL_TRY(next_frame(c, &hdr, NULL));
        if (hdr.type == VEIL_FRAME_END)
            break;
        VEIL_ENSURE(hdr.type == VEIL_FRAME_DATA, VEIL_EPROTO, "%s frame inside the policy",
                    veil_frame_type_name(hdr.type));
        VEIL_ENSURE(policy->len + hdr.len <= total, VEIL_EPROTO,
                    "the host sent more policy bytes than announced");
        VEIL_TRY(veil_buf_append(policy, c->buf, hdr.len));
    }
    VEIL_ENSURE(policy->len == total, VEIL_EPROTO, "the host sent %zu of %llu policy bytes",
                policy->len, (unsigned long long)total);
    return NULL;
}

static veil_error *attest(chan *c, veil_runtime *rt) {
    veil_frame_header hdr;
    VEIL_TRY(veil_proto_write_frame(&c->s, VEIL_FRAME_HOST_START, NULL, 0));
    VEIL_TRY(expect(c, VEIL_FRAME_HOST_NONCE, &hdr));
    VEIL_ENSURE(hdr.len >= 16 && hdr.len <= 64, VEIL_EPROTO, "nonce of %u bytes", hdr.len);
    uint8_t nonce[64];
    size_t nonce_len = hdr.len;
    memcpy(nonce, c->buf, nonce_len);
    uint8_t *csr;
    size_t csr_len;
    VEIL_TRY(veil_runtime_csr(rt, &csr, &csr_len));
    veil_buf b;
    veil_buf_init(&b, VEIL_PROTO_MAX_PAYLOAD);
    uint8_t len2[2] = {0, (uint8_t)nonce_len};
    veil_error *err = veil_buf_append(&b, len2, 2);
    if (err == NULL)
        err = veil_buf_append(&b, nonce, nonce_len);
    if (err == NULL)
        err = veil_buf_append(&b, csr, csr_len);
    if (err == NULL)
        err = veil_proto_write_frame(&c->s, VEIL_FRAME_HOST_CSR, b.data, b.len);
    veil_buf_free(&b);
    free(csr);
    VEIL_TRY(err);
    VEIL_TRY(expect(c, VEIL_FRAME_HOST_CERT, &hdr));
    veil_reader r;
    veil_reader_init(&r, c->buf, hdr.len, "HOST_CERT frame");
    uint32_t leaf_len;
    const uint8_t *leaf;
    VEIL_TRY(veil_reader_u32be(&r, &leaf_len));
    VEIL_TRY(veil_reader_bytes(&r, leaf_len, &leaf));
    VEIL_ENSURE(veil_reader_remaining(&r) > 0, VEIL_EPROTO, "HOST_CERT frame has no CA");
    return veil_runtime_set_certificate(rt, leaf, leaf_len, veil_reader_cursor(&r),
                                        veil_reader_remaining(&r));
}

static void report_error(chan *c, const veil_error *err) {
    veil_buf b;
    veil_buf_init(&b, 0);
    veil_error *e = veil_proto_response_from_error(err, &b);
    if (e == NULL)
        e = veil_proto_write_frame(&c->s, VEIL_FRAME_HOST_ERROR, b.data, b.len);
    veil_error_free(e);
    veil_buf_free(&b);
}

/* Serves until the host says stop or a principal shuts the instance down. */
static veil_error *serve(chan *c, veil_runtime *rt) {
    for (;;) {
        struct pollfd p[2] = {{.fd = c->fs.fd, .events = POLLIN},
                              {.fd = veil_runtime_shutdown_fd(rt), .events = POLLIN}};
        int r = poll(p, 2, -1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return veil_error_errno(errno, "waiting on the host channel");
        if (p[1].revents & POLLIN) {
            char who[128];
            if (veil_runtime_shutdown_by(rt, who, sizeof(who)) == NULL)
                snprintf(who, sizeof(who), "a principal");
            return veil_proto_write_frame(&c->s, VEIL_FRAME_HOST_SHUTDOWN, who, strlen(who));
        }
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        veil_frame_header hdr;
        bool eof;
        VEIL_TRY(veil_proto_read_frame(&c->s, &hdr, c->buf, &eof));
        int fd = veil_fd_stream_take_fd(&c->fs);
        if (eof || hdr.type == VEIL_FRAME_HOST_STOP) {
            if (fd >= 0)
                close(fd);
            VEIL_INFO(RUNTIME_COMPONENT, "the host says stop");
            return NULL;
        }
        if (hdr.type != VEIL_FRAME_HOST_CONNECT || fd < 0) {
            if (fd >= 0)
                close(fd);
            return veil_error_new(VEIL_EPROTO, "the host sent %s%s", veil_frame_type_name(hdr.type),
                                  hdr.type == VEIL_FRAME_HOST_CONNECT ? " without a connection"
                                                                      : " while serving");
        }
        VEIL_TRY(veil_runtime_serve_connection(rt, fd));
    }
}

veil_error *veil_runtime_run_channel(int channel_fd, const veil_runtime_options *options) {
    chan c;
    veil_fd_stream_init(&c.fs, channel_fd, &c.s);
    c.buf = malloc(VEIL_PROTO_MAX_PAYLOAD);
    VEIL_ENSURE(c.buf != NULL, VEIL_ENOMEM, "out of memory");
    veil_buf policy;
    veil_buf_init(&policy, VEIL_POLICY_MAX_BYTES);
    veil_runtime *rt = NULL;
    veil_error *err = receive_policy(&c, &policy);
    if (err == NULL)
        err = veil_runtime_new(policy.data, policy.len, options, &rt);
    if (err == NULL)
        err = attest(&c, rt);
    if (err == NULL)
        err = veil_proto_write_frame(&c.s, VEIL_FRAME_HOST_READY, NULL, 0);
    if (err == NULL) {
        VEIL_INFO(RUNTIME_COMPONENT, "serving");
        err = serve(&c, rt);
    } else {
        report_error(&c, err);
    }
    veil_runtime_free(rt);
    veil_buf_free(&policy);
    free(c.buf);
    return err;
}
