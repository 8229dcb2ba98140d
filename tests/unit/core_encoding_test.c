#include "test.h"

#include "veil/encoding.h"

static void test_hex(void **state) {
    (void)state;
    const uint8_t data[] = {0x00, 0xab, 0xff, 0x10};
    char hex[9];
    veil_hex_encode(data, 4, hex);
    assert_string_equal(hex, "00abff10");
    uint8_t out[4];
    size_t n;
    assert_ok(veil_hex_decode("00ABff10", 8, out, sizeof(out), &n));
    assert_int_equal(n, 4);
    assert_memory_equal(out, data, 4);
    assert_err(veil_hex_decode("abc", 3, out, sizeof(out), &n), VEIL_EMALFORMED, "odd");
    assert_err(veil_hex_decode("zz", 2, out, sizeof(out), &n), VEIL_EMALFORMED,
               "'z' at position 0");
    assert_err(veil_hex_decode("0011223344", 10, out, sizeof(out), &n), VEIL_EMALFORMED,
               "too long");
}

/* RFC 4648 section 10 test vectors. */
static void test_base64_rfc4648(void **state) {
    (void)state;
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                        "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char enc[16];
        size_t len = strlen(plain[i]);
        assert_int_equal(veil_base64_encoded_len(len), strlen(coded[i]));
        veil_base64_encode((const uint8_t *)plain[i], len, enc);
        assert_string_equal(enc, coded[i]);
        uint8_t dec[16];
        size_t n;
        assert_ok(veil_base64_decode(coded[i], strlen(coded[i]), dec, sizeof(dec), &n));
        assert_int_equal(n, len);
        assert_memory_equal(dec, plain[i], len);
    }
}

static void test_base64_strict(void **state) {
    (void)state;
    uint8_t out[16];
    size_t n;
    assert_err(veil_base64_decode("Zg=", 3, out, sizeof(out), &n), VEIL_EMALFORMED,
               "multiple of 4");
    assert_err(veil_base64_decode("Zh==", 4, out, sizeof(out), &n), VEIL_EMALFORMED,
               "padding bits");
    assert_err(veil_base64_decode("Z=g=", 4, out, sizeof(out), &n), VEIL_EMALFORMED, "position");
    assert_err(veil_base64_decode("Zg==Zg==", 8, out, sizeof(out), &n), VEIL_EMALFORMED,
               "position 2");
    assert_err(veil_base64_decode("Zm 9", 4, out, sizeof(out), &n), VEIL_EMALFORMED, "position 2");
    assert_err(veil_base64_decode("Zm9vYmFy", 8, out, 5, &n), VEIL_EMALFORMED, "longer than 5");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_base64_rfc4648),
        cmocka_unit_test(test_base64_strict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
