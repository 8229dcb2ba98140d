#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "veil/hash.h"

/* FIPS 180-2 examples. */
static void test_sha256_vectors(void **state) {
    (void)state;
    char hex[65];
    veil_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    veil_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    veil_sha256_hex(msg, strlen(msg), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_incremental_and_file(void **state) {
    (void)state;
    veil_sha256_ctx *ctx;
    assert_ok(veil_sha256_new(&ctx));
    uint8_t block[1000];
    memset(block, 'a', sizeof(block));
    for (int i = 0; i < 1000; i++)
        veil_sha256_update(ctx, block, sizeof(block));
    uint8_t digest[32], expected[32];
    veil_sha256_final(ctx, digest);
    veil_sha256_free(ctx);
    assert_ok(veil_sha256_parse_hex(
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", expected));
    assert_memory_equal(digest, expected, 32);

    char path[] = "/tmp/veil-hash-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "abc", 3), 3);
    close(fd);
    assert_ok(veil_sha256_file(path, digest));
    veil_sha256("abc", 3, expected);
    assert_memory_equal(digest, expected, 32);
    unlink(path);
    assert_err(veil_sha256_file(path, digest), VEIL_ENOENT, path);
}

static void test_parse_hex(void **state) {
    (void)state;
    uint8_t d[32];
    assert_err(veil_sha256_parse_hex("abcd", d), VEIL_EMALFORMED, "64 hex digits, got 4");
    assert_err(veil_sha256_parse_hex(
                   "g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", d),
               VEIL_EMALFORMED, "invalid hex digit 'g'");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_incremental_and_file),
        cmocka_unit_test(test_parse_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
