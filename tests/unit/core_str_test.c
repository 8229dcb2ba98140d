#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "veil/str.h"

static void test_buf(void **state) {
    (void)state;
    veil_buf b;
    veil_buf_init(&b, 0);
    assert_ok(veil_buf_append_str(&b, "hello"));
    assert_ok(veil_buf_printf(&b, " %d %s", 42, "world"));
    assert_string_equal((char *)b.data, "hello 42 world");
    for (int i = 0; i < 1000; i++)
        assert_ok(veil_buf_append(&b, "x", 1));
    assert_int_equal(b.len, 14 + 1000);
    size_t len;
    char *s = veil_buf_steal(&b, &len);
    assert_int_equal(len, 1014);
    assert_int_equal(strlen(s), 1014);
    free(s);
    assert_null(b.data);
}

static void test_buf_limit(void **state) {
    (void)state;
    veil_buf b;
    veil_buf_init(&b, 8);
    assert_ok(veil_buf_append(&b, "12345678", 8));
    assert_err(veil_buf_append(&b, "9", 1), VEIL_ELIMIT, "limit of 8 bytes");
    assert_int_equal(b.len, 8);
    veil_buf_free(&b);
}

static void test_strings(void **state) {
    (void)state;
    char small[4];
    assert_false(veil_strlcpy(small, "abcdef", sizeof(small)));
    assert_string_equal(small, "abc");
    assert_true(veil_strlcpy(small, "ab", sizeof(small)));
    assert_true(veil_str_starts_with("/output/x", "/output"));
    assert_false(veil_str_starts_with("/out", "/output"));
    assert_true(veil_str_ends_with("a.wasm", ".wasm"));
    assert_false(veil_str_ends_with("wasm", ".wasm"));
    assert_true(veil_ct_equal("abc", "abc", 3));
    assert_false(veil_ct_equal("abc", "abd", 3));
}

static void test_parse_u64(void **state) {
    (void)state;
    uint64_t v;
    assert_ok(veil_parse_u64("18446744073709551615", UINT64_MAX, "n", &v));
    assert_true(v == UINT64_MAX);
    assert_err(veil_parse_u64("18446744073709551616", UINT64_MAX, "n", &v), VEIL_EINVAL, "maximum");
    assert_err(veil_parse_u64("101", 100, "--fuel", &v), VEIL_EINVAL, "--fuel: 101 is larger");
    assert_err(veil_parse_u64("-1", 100, "n", &v), VEIL_EINVAL, "not a non-negative integer");
    assert_err(veil_parse_u64("", 100, "n", &v), VEIL_EINVAL, "empty");
}

static void test_files(void **state) {
    (void)state;
    char dir[] = "/tmp/veil-str-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/f.txt", dir);
    assert_ok(veil_write_file(path, "content", 7, 0600));
    uint8_t *data;
    size_t len;
    assert_ok(veil_read_file(path, 100, &data, &len));
    assert_int_equal(len, 7);
    assert_string_equal((char *)data, "content");
    free(data);
    assert_err(veil_read_file(path, 3, &data, &len), VEIL_ELIMIT, path);
    unlink(path);
    assert_err(veil_read_file(path, 3, &data, &len), VEIL_ENOENT, "cannot open");
    rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf),     cmocka_unit_test(test_buf_limit),
        cmocka_unit_test(test_strings), cmocka_unit_test(test_parse_u64),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
