#include "test.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "veil/protocol.h"

static void test_header_round_trip(void **state) {
    (void)state;
    uint8_t h[VEIL_PROTO_HEADER_LEN];
    veil_proto_header_write(h, VEIL_FRAME_DATA, 4096);
    veil_frame_header hdr;
    assert_ok(veil_proto_header_parse(h, &hdr));
    assert_int_equal(hdr.type, VEIL_FRAME_DATA);
    assert_int_equal(hdr.len, 4096);

    h[0] = 2;
    assert_err(veil_proto_header_parse(h, &hdr), VEIL_EUNSUPPORTED, "version 2");
    h[0] = 1;
    h[1] = 0x77;
    assert_err(veil_proto_header_parse(h, &hdr), VEIL_EPROTO, "unknown frame type 0x77");
    h[1] = VEIL_FRAME_DATA;
    h[3] = 1;
    assert_err(veil_proto_header_parse(h, &hdr), VEIL_EPROTO, "reserved");
    veil_proto_header_write(h, VEIL_FRAME_DATA, VEIL_PROTO_MAX_PAYLOAD + 1);
    assert_err(veil_proto_header_parse(h, &hdr), VEIL_EPROTO, "exceeds");
}

static void test_request_round_trip(void **state) {
    (void)state;
    veil_buf b;
    veil_buf_init(&b, 0);
    veil_proto_request req = {.op = VEIL_OP_WRITE,
                              .flags = VEIL_PROTO_FLAG_APPEND,
                              .path = "/user_input/key",
                              .path_len = 15,
                              .size_hint = 1234567};
    assert_ok(veil_proto_request_encode(&req, &b));
    veil_proto_request got;
    assert_ok(veil_proto_request_parse(b.data, b.len, &got));
    assert_int_equal(got.op, VEIL_OP_WRITE);
    assert_int_equal(got.flags, VEIL_PROTO_FLAG_APPEND);
    assert_int_equal(got.path_len, 15);
    assert_memory_equal(got.path, "/user_input/key", 15);
    assert_int_equal(got.size_hint, 1234567);
    /* Truncated and padded payloads are refused. */
    assert_err(veil_proto_request_parse(b.data, b.len - 1, &got), VEIL_EMALFORMED, "end of data");
    assert_ok(veil_buf_append(&b, "x", 1));
    assert_err(veil_proto_request_parse(b.data, b.len, &got), VEIL_EMALFORMED, "trailing");
    veil_buf_free(&b);
}

static void test_request_rejections(void **state) {
    (void)state;
    veil_buf b;
    veil_buf_init(&b, 0);
    veil_proto_request got;
    veil_proto_request bad_op = {.op = 99};
    assert_ok(veil_proto_request_encode(&bad_op, &b));
    assert_err(veil_proto_request_parse(b.data, b.len, &got), VEIL_EMALFORMED,
               "unknown operation 99");
    veil_buf_clear(&b);
    veil_proto_request bad_flags = {.op = VEIL_OP_READ, .flags = 1, .path = "/a", .path_len = 2};
    assert_ok(veil_proto_request_encode(&bad_flags, &b));
    assert_err(veil_proto_request_parse(b.data, b.len, &got), VEIL_EMALFORMED,
               "not defined for read");
    veil_buf_clear(&b);
    veil_proto_request no_path = {.op = VEIL_OP_EXECUTE};
    assert_ok(veil_proto_request_encode(&no_path, &b));
    assert_err(veil_proto_request_parse(b.data, b.len, &got), VEIL_EMALFORMED,
               "execute needs a path");
    veil_buf_clear(&b);
    veil_proto_request path = {.op = VEIL_OP_SHUTDOWN, .path = "/x", .path_len = 2};
    assert_ok(veil_proto_request_encode(&path, &b));
    assert_err(veil_proto_request_parse(b.data, b.len, &got), VEIL_EMALFORMED,
               "shutdown takes no path");
    veil_buf_clear(&b);
    veil_proto_request nul = {.op = VEIL_OP_READ, .path = "/a\0b", .path_len = 4};
    assert_ok(veil_proto_request_encode(&nul, &b));
    assert_err(veil_proto_request_parse(b.data, b.len, &got), VEIL_EMALFORMED, "without NUL");
    veil_buf_clear(&b);
    veil_proto_request hint = {.op = VEIL_OP_READ, .path = "/a", .path_len = 2, .size_hint = 5};
    assert_ok(veil_proto_request_encode(&hint, &b));
    assert_err(veil_proto_request_parse(b.data, b.len, &got), VEIL_EMALFORMED, "no size hint");
    veil_buf_free(&b);
}

static void test_response_round_trip(void **state) {
    (void)state;
    veil_buf b;
    veil_buf_init(&b, 0);
    veil_proto_response resp = {.status = VEIL_STATUS_OK, .a = 7, .b = 8, .c = 9};
    resp.has_digest = true;
    memset(resp.digest, 0xab, sizeof(resp.digest));
    assert_ok(veil_proto_response_encode(&resp, &b));
    veil_proto_response got;
    assert_ok(veil_proto_response_parse(b.data, b.len, &got));
    assert_int_equal(got.status, 0);
    assert_int_equal(got.a, 7);
    assert_int_equal(got.b, 8);
    assert_int_equal(got.c, 9);
    assert_true(got.has_digest);
    assert_memory_equal(got.digest, resp.digest, 32);
    assert_ok(veil_proto_response_error(&got));

    veil_buf_clear(&b);
    veil_error *e = veil_error_new(VEIL_EPERM, "identity 1 lacks fd_write on /output/x");
    assert_ok(veil_proto_response_from_error(e, &b));
    veil_error_free(e);
    assert_ok(veil_proto_response_parse(b.data, b.len, &got));
    assert_int_equal(got.status, VEIL_STATUS_PERMISSION_DENIED);
    assert_false(got.has_digest);
    assert_err(veil_proto_response_error(&got), VEIL_EPERM,
               "identity 1 lacks fd_write on /output/x");

    /* A status the code does not name keeps its name in the message. */
    veil_proto_response down = {
        .status = VEIL_STATUS_SHUTTING_DOWN, .message = "bye", .message_len = 3};
    assert_err(veil_proto_response_error(&down), VEIL_EBUSY, "shutting-down: bye");

    /* A digest of the wrong length is refused. */
    b.data[b.len - 1] = 5;
    assert_err(veil_proto_response_parse(b.data, b.len, &got), VEIL_EMALFORMED, "digest of 5");
    veil_buf_free(&b);
}

static void test_status_table(void **state) {
    (void)state;
    assert_int_equal(veil_proto_status_from_code(VEIL_EHASH), VEIL_STATUS_HASH_MISMATCH);
    assert_int_equal(veil_proto_status_from_code(VEIL_ETRAP), VEIL_STATUS_TRAP);
    assert_int_equal(veil_proto_status_from_code(VEIL_ELIMIT), VEIL_STATUS_LIMIT_EXCEEDED);
    assert_int_equal(veil_proto_status_from_code(VEIL_EBUSY), VEIL_STATUS_BUSY);
    assert_int_equal(veil_proto_status_to_code(VEIL_STATUS_NOT_FOUND), VEIL_ENOENT);
    assert_int_equal(veil_proto_status_to_code(500), VEIL_EPROTO);
    assert_string_equal(veil_proto_status_name(VEIL_STATUS_HASH_MISMATCH), "hash-mismatch");
    assert_string_equal(veil_proto_status_name(500), "unknown");
    for (uint16_t s = 0; s < VEIL_STATUS_COUNT; s++)
        assert_non_null(veil_proto_status_name(s));
}

static void test_list_entries(void **state) {
    (void)state;
    veil_buf b;
    veil_buf_init(&b, 0);
    veil_proto_list_entry a = {.filetype = 4, .size = 10, .name = "a.txt", .name_len = 5};
    veil_proto_list_entry d = {.filetype = 3, .size = 0, .name = "dir", .name_len = 3};
    assert_ok(veil_proto_list_entry_encode(&a, &b));
    assert_ok(veil_proto_list_entry_encode(&d, &b));
    veil_reader r;
    veil_reader_init(&r, b.data, b.len, "list");
    veil_proto_list_entry e;
    assert_ok(veil_proto_list_entry_next(&r, &e));
    assert_int_equal(e.size, 10);
    assert_memory_equal(e.name, "a.txt", 5);
    assert_ok(veil_proto_list_entry_next(&r, &e));
    assert_int_equal(e.filetype, 3);
    assert_true(veil_reader_at_end(&r));
    veil_reader_init(&r, b.data, b.len - 1, "list");
    assert_ok(veil_proto_list_entry_next(&r, &e));
    assert_err(veil_proto_list_entry_next(&r, &e), VEIL_EMALFORMED, "end of data");
    veil_buf_free(&b);
}

static void test_frames_and_fd_passing(void **state) {
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    veil_fd_stream a, b;
    veil_stream sa, sb;
    veil_fd_stream_init(&a, sv[0], &sa);
    veil_fd_stream_init(&b, sv[1], &sb);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);

    assert_ok(veil_proto_write_frame(&sa, VEIL_FRAME_HOST_POLICY, "{}", 2));
    assert_ok(veil_fd_stream_send_fd(&a, VEIL_FRAME_HOST_CONNECT, NULL, 0, pipefd[1]));
    uint8_t *big = calloc(1, 5000);
    assert_ok(veil_proto_write_frame(&sa, VEIL_FRAME_DATA, big, 5000));
    close(sv[0]);

    uint8_t *buf = malloc(VEIL_PROTO_MAX_PAYLOAD);
    veil_frame_header hdr;
    bool eof;
    assert_ok(veil_proto_read_frame(&sb, &hdr, buf, &eof));
    assert_false(eof);
    assert_int_equal(hdr.type, VEIL_FRAME_HOST_POLICY);
    assert_memory_equal(buf, "{}", 2);
    assert_int_equal(veil_fd_stream_take_fd(&b), -1);
    assert_ok(veil_proto_read_frame(&sb, &hdr, buf, &eof));
    assert_int_equal(hdr.type, VEIL_FRAME_HOST_CONNECT);
    int passed = veil_fd_stream_take_fd(&b);
    assert_true(passed >= 0);
    /* The passed descriptor is the pipe's write end. */
    assert_int_equal(write(passed, "z", 1), 1);
    char c;
    assert_int_equal(read(pipefd[0], &c, 1), 1);
    assert_int_equal(c, 'z');
    assert_ok(veil_proto_read_frame(&sb, &hdr, buf, &eof));
    assert_int_equal(hdr.len, 5000);
    assert_ok(veil_proto_read_frame(&sb, &hdr, buf, &eof));
    assert_true(eof);
    close(passed);
    close(pipefd[0]);
    close(pipefd[1]);
    close(sv[1]);
    free(buf);
    free(big);
}

static void test_truncated_frame(void **state) {
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    uint8_t h[VEIL_PROTO_HEADER_LEN];
    veil_proto_header_write(h, VEIL_FRAME_DATA, 100);
    assert_int_equal(write(sv[0], h, sizeof(h)), (ssize_t)sizeof(h));
    assert_int_equal(write(sv[0], "abc", 3), 3);
    close(sv[0]);
    veil_fd_stream fs;
    veil_stream s;
    veil_fd_stream_init(&fs, sv[1], &s);
    uint8_t *buf = malloc(VEIL_PROTO_MAX_PAYLOAD);
    veil_frame_header hdr;
    bool eof;
    assert_err(veil_proto_read_frame(&s, &hdr, buf, &eof), VEIL_EPROTO, "middle of a frame");
    free(buf);
    close(sv[1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_round_trip),     cmocka_unit_test(test_request_round_trip),
        cmocka_unit_test(test_request_rejections),    cmocka_unit_test(test_response_round_trip),
        cmocka_unit_test(test_status_table),          cmocka_unit_test(test_list_entries),
        cmocka_unit_test(test_frames_and_fd_passing), cmocka_unit_test(test_truncated_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
