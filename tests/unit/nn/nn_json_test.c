/* Tests of the detector's strict JSON parser (apps/detector/nn/nn_json.c). */
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn_json.h"

static veil_error *parse(const char *text, veil_nnj_doc **doc) {
    return veil_nnj_parse((const uint8_t *)text, strlen(text), "t.json", doc);
}

static void test_values(void **state) {
    (void)state;
    veil_nnj_doc *doc;
    assert_ok(parse(" {\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\ud83d\\ude00\\n\"],"
                    " \"b\": {}, \"c\": [], \"big\": 12345678901234567890, \"i\": \"-42\"} ",
                    &doc));
    const veil_nnj_value *root = veil_nnj_root(doc);
    assert_int_equal(root->kind, VEIL_NNJ_OBJECT);
    assert_int_equal(root->u.object.count, 5);
    const veil_nnj_value *a = veil_nnj_get(root, "a");
    assert_ok(veil_nnj_expect(a, VEIL_NNJ_ARRAY, "$.a"));
    assert_int_equal(a->u.array.count, 6);
    assert_true(a->u.array.items[0]->u.number.integral);
    assert_int_equal(a->u.array.items[0]->u.number.integer, 1);
    assert_false(a->u.array.items[1]->u.number.integral);
    assert_true(a->u.array.items[1]->u.number.value == -2500.0);
    assert_true(a->u.array.items[2]->u.boolean);
    assert_false(a->u.array.items[3]->u.boolean);
    assert_int_equal(a->u.array.items[4]->kind, VEIL_NNJ_NULL);
    const veil_nnj_value *s = a->u.array.items[5];
    assert_int_equal(s->u.string.len, 1 + 2 + 4 + 1);
    assert_memory_equal(s->u.string.data, "x\xc3\xa9\xf0\x9f\x98\x80\n", 8);
    assert_int_equal(veil_nnj_get(root, "b")->u.object.count, 0);
    assert_int_equal(veil_nnj_get(root, "c")->u.array.count, 0);
    const veil_nnj_value *big = veil_nnj_get(root, "big");
    assert_true(big->u.number.integral);
    assert_false(big->u.number.fits_int64);
    int64_t v;
    assert_err(veil_nnj_int(big, "$.big", 0, INT64_MAX, &v), VEIL_EMALFORMED, "$.big");
    assert_ok(veil_nnj_int(veil_nnj_get(root, "i"), "$.i", -100, 100, &v));
    assert_int_equal(v, -42);
    assert_err(veil_nnj_int(veil_nnj_get(root, "i"), "$.i", 0, 100, &v), VEIL_EMALFORMED,
               "outside");
    assert_err(veil_nnj_int(a->u.array.items[1], "$.a[1]", -1e9, 1e9, &v), VEIL_EMALFORMED,
               "expected an integer");
    assert_null(veil_nnj_get(root, "missing"));
    assert_err(veil_nnj_expect(NULL, VEIL_NNJ_STRING, "$.missing"), VEIL_EMALFORMED,
               "$.missing: missing");
    assert_err(veil_nnj_expect(a, VEIL_NNJ_STRING, "$.a"), VEIL_EMALFORMED,
               "expected string, found array");
    static const char *const allowed[] = {"a", "b", "c", "big", NULL};
    assert_err(veil_nnj_only_keys(root, "$", allowed), VEIL_EMALFORMED, "unknown key \"i\"");
    veil_nnj_free(doc);
}

static void test_rejects(void **state) {
    (void)state;
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        {"", "unexpected end"},
        {"{\"a\":1,\"a\":2}", "duplicate key \"a\""},
        {"[1,]", "unexpected character"},
        {"{\"a\":1,}", "expected a string key"},
        {"01", "leading zero"},
        {"1.", "no digit after"},
        {"1e", "no digit in exponent"},
        {"-", "invalid number"},
        {"1e999", "out of range"},
        {"\"abc", "unterminated string"},
        {"\"a\tb\"", "control character"},
        {"\"\\x\"", "invalid escape"},
        {"\"\\ud800\"", "lone high surrogate"},
        {"\"\\udc00\"", "lone low surrogate"},
        {"\"\\ud800\\u0041\"", "invalid surrogate pair"},
        {"\"\\u12\"", "invalid \\u escape"},
        {"[1] 2", "trailing data"},
        {"tru", "invalid literal"},
        {"nul", "invalid literal"},
        {"// c\n1", "unexpected character"},
        {"[1 2]", "expected ',' or ']'"},
        {"{\"a\" 1}", "expected ':'"},
        {"\xff", "not valid UTF-8"},
        {"'a'", "unexpected character"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        veil_nnj_doc *doc = NULL;
        veil_error *err = parse(cases[i].text, &doc);
        if (err == NULL) {
            print_error("accepted: %s\n", cases[i].text);
            veil_nnj_free(doc);
            fail();
        }
        if (veil_error_code(err) != VEIL_EMALFORMED ||
            strstr(veil_error_message(err), cases[i].message) == NULL ||
            strstr(veil_error_message(err), "t.json") == NULL) {
            print_error("%s -> %s\n", cases[i].text, veil_error_message(err));
            veil_error_free(err);
            fail();
        }
        veil_error_free(err);
        assert_null(doc);
    }
}

static void test_depth_limit(void **state) {
    (void)state;
    char text[2 * (VEIL_NNJ_MAX_DEPTH + 2) + 1];
    size_t n = 0;
    for (int i = 0; i < VEIL_NNJ_MAX_DEPTH; i++)
        text[n++] = '[';
    for (int i = 0; i < VEIL_NNJ_MAX_DEPTH; i++)
        text[n++] = ']';
    text[n] = '\0';
    veil_nnj_doc *doc;
    assert_ok(parse(text, &doc));
    veil_nnj_free(doc);
    n = 0;
    for (int i = 0; i < VEIL_NNJ_MAX_DEPTH + 2; i++)
        text[n++] = '[';
    for (int i = 0; i < VEIL_NNJ_MAX_DEPTH + 2; i++)
        text[n++] = ']';
    text[n] = '\0';
    assert_err(parse(text, &doc), VEIL_EMALFORMED, "nesting too deep");
}

static void test_offsets_and_large(void **state) {
    (void)state;
    /* A large object (duplicate detection sorts) and offsets in values. */
    size_t count = 5000;
    char *text = malloc(count * 24 + 16);
    assert_non_null(text);
    size_t n = 0;
    text[n++] = '{';
    for (size_t i = 0; i < count; i++)
        n += (size_t)sprintf(text + n, "%s\"k%zu\":%zu", i ? "," : "", i, i);
    text[n++] = '}';
    text[n] = '\0';
    veil_nnj_doc *doc;
    assert_ok(veil_nnj_parse((const uint8_t *)text, n, "big", &doc));
    const veil_nnj_value *v = veil_nnj_get(veil_nnj_root(doc), "k4999");
    assert_non_null(v);
    assert_int_equal(v->u.number.integer, 4999);
    assert_int_equal(text[v->offset], '4');
    veil_nnj_free(doc);
    /* the same key at the end is found */
    n -= 1;
    n += (size_t)sprintf(text + n, ",\"k17\":1}");
    assert_err(veil_nnj_parse((const uint8_t *)text, n, "big", &doc), VEIL_EMALFORMED,
               "duplicate key \"k17\"");
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_offsets_and_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
