/*
 * Codec of the runtime protocol (veil/protocol.h, docs/protocol.md).  Every
 * parser reads through veil_reader and consumes its input exactly; encoders
 * append to a veil_buf.  Nothing here knows about TLS: frames move over a
 * veil_stream, which the runtime and client back with an SSL connection and
 * the host channel with a socket.
 */
#include "veil/protocol.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const struct {
    veil_code code;
    uint16_t status;
} code_status[] = {
    {VEIL_OK, VEIL_STATUS_OK},
    {VEIL_EINVAL, VEIL_STATUS_INVALID},
    {VEIL_EMALFORMED, VEIL_STATUS_BAD_REQUEST},
    {VEIL_ENOENT, VEIL_STATUS_NOT_FOUND},
    {VEIL_EEXIST, VEIL_STATUS_EXISTS},
    {VEIL_EPERM, VEIL_STATUS_PERMISSION_DENIED},
    {VEIL_EIO, VEIL_STATUS_IO},
    {VEIL_ENOMEM, VEIL_STATUS_LIMIT_EXCEEDED},
    {VEIL_ELIMIT, VEIL_STATUS_LIMIT_EXCEEDED},
    {VEIL_EHASH, VEIL_STATUS_HASH_MISMATCH},
    {VEIL_ECRYPTO, VEIL_STATUS_INVALID},
    {VEIL_EUNSUPPORTED, VEIL_STATUS_UNSUPPORTED},
    {VEIL_EBUSY, VEIL_STATUS_BUSY},
    {VEIL_ETRAP, VEIL_STATUS_TRAP},
    {VEIL_EPROTO, VEIL_STATUS_BAD_REQUEST},
    {VEIL_EATTEST, VEIL_STATUS_INVALID},
    {VEIL_ETIMEOUT, VEIL_STATUS_LIMIT_EXCEEDED},
    {VEIL_EINTERNAL, VEIL_STATUS_INTERNAL},
};

static const struct {
    const char *name;
    veil_code code;
} status_info[VEIL_STATUS_COUNT] = {
    [VEIL_STATUS_OK] = {"ok", VEIL_OK},
    [VEIL_STATUS_BAD_REQUEST] = {"bad-request", VEIL_EPROTO},
    [VEIL_STATUS_UNSUPPORTED] = {"unsupported", VEIL_EUNSUPPORTED},
    [VEIL_STATUS_NOT_FOUND] = {"not-found", VEIL_ENOENT},
    [VEIL_STATUS_PERMISSION_DENIED] = {"permission-denied", VEIL_EPERM},
    [VEIL_STATUS_HASH_MISMATCH] = {"hash-mismatch", VEIL_EHASH},
    [VEIL_STATUS_TRAP] = {"trap", VEIL_ETRAP},
    [VEIL_STATUS_LIMIT_EXCEEDED] = {"limit-exceeded", VEIL_ELIMIT},
    [VEIL_STATUS_BUSY] = {"busy", VEIL_EBUSY},
    [VEIL_STATUS_INVALID] = {"invalid", VEIL_EINVAL},
    [VEIL_STATUS_EXISTS] = {"exists", VEIL_EEXIST},
    [VEIL_STATUS_IO] = {"io-error", VEIL_EIO},
    [VEIL_STATUS_SHUTTING_DOWN] = {"shutting-down", VEIL_EBUSY},
    [VEIL_STATUS_INTERNAL] = {"internal-error", VEIL_EINTERNAL},
};

uint16_t veil_proto_status_from_code(veil_code code) {
    for (size_t i = 0; i < sizeof(code_status) / sizeof(code_status[0]); i++)
        if (code_status[i].code == code)
            return code_status[i].status;
    return VEIL_STATUS_INTERNAL;
}

veil_code veil_proto_status_to_code(uint16_t status) {
    return status < VEIL_STATUS_COUNT ? status_info[status].code : VEIL_EPROTO;
}

const char *veil_proto_status_name(uint16_t status) {
    return status < VEIL_STATUS_COUNT ? status_info[status].name : "unknown";
}

const char *veil_frame_type_name(uint8_t type) {
    switch (type) {
    case VEIL_FRAME_REQUEST:
        return "REQUEST";
    case VEIL_FRAME_RESPONSE:
        return "RESPONSE";
    case VEIL_FRAME_DATA:
        return "DATA";
    case VEIL_FRAME_END:
        return "END";
    case VEIL_FRAME_HOST_POLICY:
        return "HOST_POLICY";
    case VEIL_FRAME_HOST_NONCE:
        return "HOST_NONCE";
    case VEIL_FRAME_HOST_CSR:
        return "HOST_CSR";
    case VEIL_FRAME_HOST_CERT:
        return "HOST_CERT";
    case VEIL_FRAME_HOST_READY:
        return "HOST_READY";
    case VEIL_FRAME_HOST_CONNECT:
        return "HOST_CONNECT";
    case VEIL_FRAME_HOST_SHUTDOWN:
        return "HOST_SHUTDOWN";
    case VEIL_FRAME_HOST_STOP:
        return "HOST_STOP";
    case VEIL_FRAME_HOST_ERROR:
        return "HOST_ERROR";
    case VEIL_FRAME_HOST_START:
        return "HOST_START";
    default:
        return NULL;
    }
}

const char *veil_proto_op_name(uint8_t op) {
    switch (op) {
    case VEIL_OP_WRITE:
        return "write";
    case VEIL_OP_READ:
        return "read";
    case VEIL_OP_LIST:
        return "list";
    case VEIL_OP_EXECUTE:
        return "execute";
    case VEIL_OP_POLICY:
        return "policy";
    case VEIL_OP_SHUTDOWN:
        return "shutdown";
    default:
        return NULL;
    }
}

veil_error *veil_proto_header_parse(const uint8_t header[VEIL_PROTO_HEADER_LEN],
                                    veil_frame_header *out) {
    veil_reader r;
    veil_reader_init(&r, header, VEIL_PROTO_HEADER_LEN, "frame header");
    uint8_t version, type;
    uint16_t reserved;
    uint32_t len;
    VEIL_TRY(veil_reader_u8(&r, &version));
    VEIL_TRY(veil_reader_u8(&r, &type));
    VEIL_TRY(veil_reader_u16be(&r, &reserved));
    VEIL_TRY(veil_reader_u32be(&r, &len));
    VEIL_ENSURE(version == VEIL_PROTO_VERSION, VEIL_EUNSUPPORTED,
                "protocol version %u is not supported (this side speaks version %d)", version,
                VEIL_PROTO_VERSION);
    VEIL_ENSURE(veil_frame_type_name(type) != NULL, VEIL_EPROTO, "unknown frame type 0x%02x", type);
    VEIL_ENSURE(reserved == 0, VEIL_EPROTO, "reserved frame header bits are set (0x%04x)",
                reserved);
    VEIL_ENSURE(len <= VEIL_PROTO_MAX_PAYLOAD, VEIL_EPROTO,
                "%s frame of %u bytes exceeds the %u-byte limit", veil_frame_type_name(type), len,
                VEIL_PROTO_MAX_PAYLOAD);
    out->type = type;
    out->len = len;
    return NULL;
}

void veil_proto_header_write(uint8_t header[VEIL_PROTO_HEADER_LEN], uint8_t type, uint32_t len) {
    header[0] = VEIL_PROTO_VERSION;
    header[1] = type;
    header[2] = 0;
    header[3] = 0;
    header[4] = (uint8_t)(len >> 24);
    header[5] = (uint8_t)(len >> 16);
    header[6] = (uint8_t)(len >> 8);
    header[7] = (uint8_t)len;
}

static veil_error *put_u16(veil_buf *b, uint16_t v) {
    uint8_t bytes[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    return veil_buf_append(b, bytes, 2);
}

static veil_error *put_u64(veil_buf *b, uint64_t v) {
    uint8_t bytes[8];
    for (int i = 0; i < 8; i++)
        bytes[i] = (uint8_t)(v >> (56 - 8 * i));
    return veil_buf_append(b, bytes, 8);
}

static uint8_t op_flags(uint8_t op) {
    switch (op) {
    case VEIL_OP_WRITE:
        return VEIL_PROTO_FLAG_APPEND;
    case VEIL_OP_EXECUTE:
        return VEIL_PROTO_FLAG_STDOUT | VEIL_PROTO_FLAG_STDERR;
    case VEIL_OP_POLICY:
        return VEIL_PROTO_FLAG_POLICY_BYTES;
    default:
        return 0;
    }
}

static bool op_has_path(uint8_t op) {
    return op == VEIL_OP_WRITE || op == VEIL_OP_READ || op == VEIL_OP_LIST || op == VEIL_OP_EXECUTE;
}

veil_error *veil_proto_request_parse(const uint8_t *payload, size_t len, veil_proto_request *out) {
    veil_reader r;
    veil_reader_init(&r, payload, len, "request");
    uint8_t op, flags;
    uint16_t path_len;
    const uint8_t *path;
    uint64_t size_hint;
    VEIL_TRY(veil_reader_u8(&r, &op));
    const char *name = veil_proto_op_name(op);
    if (name == NULL)
        return veil_reader_error(&r, VEIL_EMALFORMED, "unknown operation %u", op);
    VEIL_TRY(veil_reader_u8(&r, &flags));
    if (flags & ~op_flags(op))
        return veil_reader_error(&r, VEIL_EMALFORMED, "flags 0x%02x are not defined for %s",
                                 flags & ~op_flags(op), name);
    VEIL_TRY(veil_reader_u16be(&r, &path_len));
    if (path_len > VEIL_PROTO_MAX_PATH)
        return veil_reader_error(&r, VEIL_EMALFORMED, "path of %u bytes exceeds %u", path_len,
                                 VEIL_PROTO_MAX_PATH);
    if (op_has_path(op) && path_len == 0)
        return veil_reader_error(&r, VEIL_EMALFORMED, "%s needs a path", name);
    if (!op_has_path(op) && path_len != 0)
        return veil_reader_error(&r, VEIL_EMALFORMED, "%s takes no path", name);
    VEIL_TRY(veil_reader_bytes(&r, path_len, &path));
    if (memchr(path, 0, path_len) != NULL || !veil_utf8_valid(path, path_len))
        return veil_reader_error(&r, VEIL_EMALFORMED, "path is not UTF-8 text without NUL");
    VEIL_TRY(veil_reader_u64be(&r, &size_hint));
    if (op != VEIL_OP_WRITE && size_hint != 0)
        return veil_reader_error(&r, VEIL_EMALFORMED, "%s takes no size hint", name);
    if (!veil_reader_at_end(&r))
        return veil_reader_error(&r, VEIL_EMALFORMED, "%zu trailing bytes after the request",
                                 veil_reader_remaining(&r));
    out->op = op;
    out->flags = flags;
    out->path = (const char *)path;
    out->path_len = path_len;
    out->size_hint = size_hint;
    return NULL;
}

veil_error *veil_proto_request_encode(const veil_proto_request *req, veil_buf *payload) {
    VEIL_ENSURE(req->path_len <= VEIL_PROTO_MAX_PATH, VEIL_EINVAL, "path of %zu bytes exceeds %u",
                req->path_len, VEIL_PROTO_MAX_PATH);
    uint8_t head[2] = {req->op, req->flags};
    VEIL_TRY(veil_buf_append(payload, head, 2));
    VEIL_TRY(put_u16(payload, (uint16_t)req->path_len));
    VEIL_TRY(veil_buf_append(payload, req->path, req->path_len));
    return put_u64(payload, req->size_hint);
}

veil_error *veil_proto_response_parse(const uint8_t *payload, size_t len,
                                      veil_proto_response *out) {
    veil_reader r;
    veil_reader_init(&r, payload, len, "response");
    uint16_t status, message_len;
    const uint8_t *message;
    uint8_t digest_len;
    memset(out, 0, sizeof(*out));
    VEIL_TRY(veil_reader_u16be(&r, &status));
    VEIL_TRY(veil_reader_u16be(&r, &message_len));
    if (message_len > VEIL_PROTO_MAX_MESSAGE)
        return veil_reader_error(&r, VEIL_EMALFORMED, "message of %u bytes exceeds %u", message_len,
                                 VEIL_PROTO_MAX_MESSAGE);
    VEIL_TRY(veil_reader_bytes(&r, message_len, &message));
    if (memchr(message, 0, message_len) != NULL || !veil_utf8_valid(message, message_len))
        return veil_reader_error(&r, VEIL_EMALFORMED, "message is not UTF-8 text without NUL");
    VEIL_TRY(veil_reader_u64be(&r, &out->a));
    VEIL_TRY(veil_reader_u64be(&r, &out->b));
    VEIL_TRY(veil_reader_u64be(&r, &out->c));
    VEIL_TRY(veil_reader_u8(&r, &digest_len));
    if (digest_len != 0 && digest_len != VEIL_SHA256_LEN)
        return veil_reader_error(&r, VEIL_EMALFORMED, "digest of %u bytes (0 or %d expected)",
                                 digest_len, VEIL_SHA256_LEN);
    if (digest_len != 0) {
        VEIL_TRY(veil_reader_copy(&r, out->digest, VEIL_SHA256_LEN));
        out->has_digest = true;
    }
    if (!veil_reader_at_end(&r))
        return veil_reader_error(&r, VEIL_EMALFORMED, "%zu trailing bytes after the response",
                                 veil_reader_remaining(&r));
    out->status = status;
    out->message = (const char *)message;
    out->message_len = message_len;
    return NULL;
}

veil_error *veil_proto_response_encode(const veil_proto_response *resp, veil_buf *payload) {
    size_t mlen = resp->message_len;
    /* Truncate on a character boundary so the message stays UTF-8. */
    if (mlen > VEIL_PROTO_MAX_MESSAGE) {
        mlen = VEIL_PROTO_MAX_MESSAGE;
        while (mlen > 0 && ((uint8_t)resp->message[mlen] & 0xC0) == 0x80)
            mlen--;
    }
    VEIL_TRY(put_u16(payload, resp->status));
    VEIL_TRY(put_u16(payload, (uint16_t)mlen));
    VEIL_TRY(veil_buf_append(payload, resp->message, mlen));
    VEIL_TRY(put_u64(payload, resp->a));
    VEIL_TRY(put_u64(payload, resp->b));
    VEIL_TRY(put_u64(payload, resp->c));
    uint8_t digest_len = resp->has_digest ? VEIL_SHA256_LEN : 0;
    VEIL_TRY(veil_buf_append(payload, &digest_len, 1));
    if (resp->has_digest)
        VEIL_TRY(veil_buf_append(payload, resp->digest, VEIL_SHA256_LEN));
    return NULL;
}

veil_error *veil_proto_response_from_error(const veil_error *err, veil_buf *payload) {
    veil_proto_response resp = {0};
    resp.status = veil_proto_status_from_code(veil_error_code(err));
    resp.message = veil_error_message(err);
    resp.message_len = strlen(resp.message);
    /* Messages are produced by Veil and are UTF-8 except for names taken
     * from peers, which the parsers already checked. */
    if (!veil_utf8_valid((const uint8_t *)resp.message, resp.message_len)) {
        resp.message = "error message was not valid UTF-8";
        resp.message_len = strlen(resp.message);
    }
    return veil_proto_response_encode(&resp, payload);
}

veil_error *veil_proto_response_error(const veil_proto_response *resp) {
    if (resp->status == VEIL_STATUS_OK)
        return NULL;
    veil_code code = veil_proto_status_to_code(resp->status);
    /* The code already says "permission-denied"; name the status only when
     * it says more than the code ("shutting-down", "bad-request"). */
    if (strcmp(veil_proto_status_name(resp->status), veil_code_name(code)) == 0)
        return veil_error_new(code, "%.*s", (int)resp->message_len, resp->message);
    return veil_error_new(code, "%s: %.*s", veil_proto_status_name(resp->status),
                          (int)resp->message_len, resp->message);
}

veil_error *veil_proto_list_entry_encode(const veil_proto_list_entry *entry, veil_buf *out) {
    VEIL_ENSURE(entry->name_len <= VEIL_PROTO_MAX_PATH, VEIL_EINVAL, "name too long");
    VEIL_TRY(veil_buf_append(out, &entry->filetype, 1));
    VEIL_TRY(put_u64(out, entry->size));
    VEIL_TRY(put_u16(out, (uint16_t)entry->name_len));
    return veil_buf_append(out, entry->name, entry->name_len);
}

veil_error *veil_proto_list_entry_next(veil_reader *r, veil_proto_list_entry *out) {
    uint8_t filetype;
    uint64_t size;
    uint16_t name_len;
    const uint8_t *name;
    VEIL_TRY(veil_reader_u8(r, &filetype));
    VEIL_TRY(veil_reader_u64be(r, &size));
    VEIL_TRY(veil_reader_u16be(r, &name_len));
    if (name_len == 0 || name_len > VEIL_PROTO_MAX_PATH)
        return veil_reader_error(r, VEIL_EMALFORMED, "entry name of %u bytes", name_len);
    VEIL_TRY(veil_reader_bytes(r, name_len, &name));
    if (memchr(name, 0, name_len) != NULL || !veil_utf8_valid(name, name_len))
        return veil_reader_error(r, VEIL_EMALFORMED, "entry name is not UTF-8 text without NUL");
    out->filetype = filetype;
    out->size = size;
    out->name = (const char *)name;
    out->name_len = name_len;
    return NULL;
}

/* ---- frames over streams ---- */

veil_error *veil_stream_read_exact(veil_stream *s, void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        size_t got;
        VEIL_TRY(s->read(s->ctx, (uint8_t *)buf + done, len - done, &got));
        VEIL_ENSURE(got != 0, VEIL_EPROTO, "connection closed in the middle of a frame");
        done += got;
    }
    return NULL;
}

veil_error *veil_proto_read_frame(veil_stream *s, veil_frame_header *hdr, uint8_t *buf, bool *eof) {
    uint8_t header[VEIL_PROTO_HEADER_LEN];
    size_t got;
    *eof = false;
    VEIL_TRY(s->read(s->ctx, header, sizeof(header), &got));
    if (got == 0) {
        *eof = true;
        return NULL;
    }
    if (got < sizeof(header))
        VEIL_TRY(veil_stream_read_exact(s, header + got, sizeof(header) - got));
    VEIL_TRY(veil_proto_header_parse(header, hdr));
    return veil_stream_read_exact(s, buf, hdr->len);
}

veil_error *veil_proto_write_frame(veil_stream *s, uint8_t type, const void *payload, size_t len) {
    VEIL_ENSURE(len <= VEIL_PROTO_MAX_PAYLOAD, VEIL_EINVAL, "frame payload of %zu bytes", len);
    uint8_t header[VEIL_PROTO_HEADER_LEN];
    veil_proto_header_write(header, type, (uint32_t)len);
    /* Small frames go out in one write (one TLS record). */
    if (len <= 1024) {
        uint8_t one[VEIL_PROTO_HEADER_LEN + 1024];
        memcpy(one, header, sizeof(header));
        if (len > 0)
            memcpy(one + sizeof(header), payload, len);
        return s->write(s->ctx, one, sizeof(header) + len);
    }
    VEIL_TRY(s->write(s->ctx, header, sizeof(header)));
    return s->write(s->ctx, payload, len);
}

/* ---- file-descriptor streams ---- */

static veil_error *fd_read(void *ctx, void *buf, size_t cap, size_t *got) {
    veil_fd_stream *fs = ctx;
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof(control.buf);
    ssize_t n;
    do {
        n = recvmsg(fs->fd, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == ENOTSOCK) {
        do {
            n = read(fs->fd, buf, cap);
        } while (n < 0 && errno == EINTR);
        msg.msg_controllen = 0;
    }
    if (n < 0)
        return veil_error_errno(errno, "reading from descriptor %d", fs->fd);
    for (struct cmsghdr *c = msg.msg_controllen ? CMSG_FIRSTHDR(&msg) : NULL; c != NULL;
         c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (fs->passed_fd >= 0)
                close(fs->passed_fd);
            fs->passed_fd = fd;
        }
    }
    *got = (size_t)n;
    return NULL;
}

static veil_error *fd_write(void *ctx, const void *buf, size_t len) {
    veil_fd_stream *fs = ctx;
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = send(fs->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK)
            n = write(fs->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return veil_error_errno(errno, "writing to descriptor %d", fs->fd);
        p += n;
        len -= (size_t)n;
    }
    return NULL;
}

void veil_fd_stream_init(veil_fd_stream *fs, int fd, veil_stream *out) {
    fs->fd = fd;
    fs->passed_fd = -1;
    out->read = fd_read;
    out->write = fd_write;
    out->ctx = fs;
}

int veil_fd_stream_take_fd(veil_fd_stream *fs) {
    int fd = fs->passed_fd;
    fs->passed_fd = -1;
    return fd;
}

veil_error *veil_fd_stream_send_fd(veil_fd_stream *fs, uint8_t type, const void *payload,
                                   size_t len, int fd) {
    VEIL_ENSURE(len <= 1024, VEIL_EINVAL, "descriptor frames carry at most 1024 bytes");
    uint8_t frame[VEIL_PROTO_HEADER_LEN + 1024];
    veil_proto_header_write(frame, type, (uint32_t)len);
    if (len > 0)
        memcpy(frame + VEIL_PROTO_HEADER_LEN, payload, len);
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof(control));
    struct iovec iov = {.iov_base = frame, .iov_len = VEIL_PROTO_HEADER_LEN + len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof(control.buf);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ssize_t n;
    do {
        n = sendmsg(fs->fd, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return veil_error_errno(errno, "passing a descriptor over %d", fs->fd);
    /* The descriptor went with the first byte; send what is left plainly. */
    if ((size_t)n < iov.iov_len)
        return fd_write(fs, frame + n, iov.iov_len - (size_t)n);
    return NULL;
}
