#include "test.h"

#include <stdlib.h>

#include "veil/reader.h"

static void test_fixed_width(void **state) {
    (void)state;
    const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
    veil_reader r;
    veil_reader_init(&r, data, sizeof(data), "test");
    uint8_t b;
    uint16_t h;
    uint32_t w;
    assert_ok(veil_reader_u8(&r, &b));
    assert_int_equal(b, 1);
    assert_ok(veil_reader_u16le(&r, &h));
    assert_int_equal(h, 0x0302);
    assert_ok(veil_reader_u32be(&r, &w));
    assert_int_equal(w, 0x04050607);
    assert_int_equal(veil_reader_remaining(&r), 2);
    assert_err(veil_reader_u32le(&r, &w), VEIL_EMALFORMED, "test at offset 7");
    assert_int_equal(veil_reader_offset(&r), 7); /* cursor did not move */
    assert_ok(veil_reader_u16be(&r, &h));
    assert_int_equal(h, 0x0809);
    assert_true(veil_reader_at_end(&r));
    assert_err(veil_reader_u8(&r, &b), VEIL_EMALFORMED, "need 1 bytes, 0 left");
}

static void test_u64(void **state) {
    (void)state;
    const uint8_t data[] = {1, 2, 3, 4, 5, 6, 7, 8};
    veil_reader r;
    uint64_t v;
    veil_reader_init(&r, data, sizeof(data), "t");
    assert_ok(veil_reader_u64le(&r, &v));
    assert_true(v == 0x0807060504030201ull);
    veil_reader_init(&r, data, sizeof(data), "t");
    assert_ok(veil_reader_u64be(&r, &v));
    assert_true(v == 0x0102030405060708ull);
}

struct leb_case {
    uint8_t bytes[12];
    size_t len;
    int kind; /* 0 u32, 1 s32, 2 u64, 3 s64, 4 s33 */
    int ok;
    uint64_t value;
};

static void test_leb128(void **state) {
    (void)state;
    static const struct leb_case cases[] = {
        {{0x00}, 1, 0, 1, 0},
        {{0xe5, 0x8e, 0x26}, 3, 0, 1, 624485},
        {{0xff, 0xff, 0xff, 0xff, 0x0f}, 5, 0, 1, 0xffffffffu},
        {{0xff, 0xff, 0xff, 0xff, 0x1f}, 5, 0, 0, 0},       /* too large */
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 6, 0, 0, 0}, /* too long */
        {{0x80, 0x00}, 2, 0, 1, 0},                         /* padded zero is fine */
        {{0x7f}, 1, 1, 1, (uint64_t)(int64_t)-1},
        {{0xc0, 0xbb, 0x78}, 3, 1, 1, (uint64_t)(int64_t)-123456},
        {{0xff, 0xff, 0xff, 0xff, 0x07}, 5, 1, 1, 0x7fffffff},
        {{0x80, 0x80, 0x80, 0x80, 0x78}, 5, 1, 1, (uint64_t)(int64_t)INT32_MIN},
        {{0xff, 0xff, 0xff, 0xff, 0x4f}, 5, 1, 0, 0}, /* bad sign extension */
        {{0xff, 0xff, 0xff, 0xff, 0x0f}, 5, 1, 0, 0}, /* positive but bit 31 set */
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10, 2, 1, UINT64_MAX},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03}, 10, 2, 0, 0},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f},
         10,
         3,
         1,
         (uint64_t)INT64_MIN},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 10, 3, 0, 0},
        {{0x40}, 1, 4, 1, (uint64_t)(int64_t)-64},
        {{0xff, 0xff, 0xff, 0xff, 0x0f}, 5, 4, 1, 0xffffffffu},
        {{0xff, 0xff, 0xff, 0xff, 0x2f}, 5, 4, 0, 0},
        {{0x80}, 1, 0, 0, 0}, /* truncated */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct leb_case *c = &cases[i];
        veil_reader r;
        veil_reader_init(&r, c->bytes, c->len, "leb");
        veil_error *err = NULL;
        uint64_t got = 0;
        if (c->kind == 0) {
            uint32_t v = 0;
            err = veil_reader_uleb32(&r, &v);
            got = v;
        } else if (c->kind == 1) {
            int32_t v = 0;
            err = veil_reader_sleb32(&r, &v);
            got = (uint64_t)(int64_t)v;
        } else if (c->kind == 2) {
            err = veil_reader_uleb64(&r, &got);
        } else if (c->kind == 3) {
            int64_t v = 0;
            err = veil_reader_sleb64(&r, &v);
            got = (uint64_t)v;
        } else {
            int64_t v = 0;
            err = veil_reader_sleb33(&r, &v);
            got = (uint64_t)v;
        }
        if (c->ok) {
            if (err != NULL)
                print_error("case %zu: %s\n", i, veil_error_message(err));
            assert_null(err);
            assert_true(got == c->value);
            assert_true(veil_reader_at_end(&r));
        } else {
            if (err == NULL)
                print_error("case %zu unexpectedly decoded\n", i);
            assert_non_null(err);
            assert_int_equal(veil_error_code(err), VEIL_EMALFORMED);
            assert_int_equal(r.pos, 0);
            veil_error_free(err);
        }
    }
}

static void test_sub_reader_offsets(void **state) {
    (void)state;
    const uint8_t data[] = {9, 9, 9, 1, 2};
    veil_reader r, sub;
    veil_reader_init(&r, data, sizeof(data), "outer");
    assert_ok(veil_reader_skip(&r, 3));
    assert_ok(veil_reader_sub(&r, 2, "section", &sub));
    assert_true(veil_reader_at_end(&r));
    uint16_t v;
    assert_ok(veil_reader_u16le(&sub, &v));
    assert_err(veil_reader_u8(&sub, (uint8_t *)&v), VEIL_EMALFORMED, "section at offset 5");
    assert_err(veil_reader_sub(&r, 1, "x", &sub), VEIL_EMALFORMED, "outer at offset 5");
}

static void test_bytes_and_strings(void **state) {
    (void)state;
    const uint8_t data[] = {'a', 'b', 'c', 0, 'd'};
    veil_reader r;
    veil_reader_init(&r, data, sizeof(data), "s");
    const uint8_t *p;
    char *s;
    assert_ok(veil_reader_string(&r, 2, &s));
    assert_string_equal(s, "ab");
    free(s);
    assert_err(veil_reader_string(&r, 2, &s), VEIL_EMALFORMED, "NUL");
    assert_ok(veil_reader_bytes(&r, 3, &p));
    assert_int_equal(p[0], 'c');
    assert_err(veil_reader_bytes(&r, SIZE_MAX, &p), VEIL_EMALFORMED, "unexpected end");
    uint8_t copy[4];
    assert_err(veil_reader_copy(&r, copy, 1), VEIL_EMALFORMED, "0 left");
    veil_reader empty;
    veil_reader_init(&empty, NULL, 10, "null");
    assert_int_equal(veil_reader_remaining(&empty), 0);
}

static void test_utf8(void **state) {
    (void)state;
    assert_true(veil_utf8_valid((const uint8_t *)"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15));
    assert_false(veil_utf8_valid((const uint8_t *)"\xc0\x80", 2));         /* overlong */
    assert_false(veil_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
    assert_false(veil_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(veil_utf8_valid((const uint8_t *)"\xe2\x82", 2));         /* truncated */
    assert_false(veil_utf8_valid((const uint8_t *)"\x80", 1));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_width),
        cmocka_unit_test(test_u64),
        cmocka_unit_test(test_leb128),
        cmocka_unit_test(test_sub_reader_offsets),
        cmocka_unit_test(test_bytes_and_strings),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
