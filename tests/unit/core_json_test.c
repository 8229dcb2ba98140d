#include "test.h"

#include <stdlib.h>

#include "veil/json.h"

static json_t *parse(const char *text) {
    json_t *v = NULL;
    assert_ok(veil_json_parse(text, strlen(text), "t.json", &v));
    return v;
}

static void test_strict_parse(void **state) {
    (void)state;
    json_t *v;
    const char *dup = "{\n  \"a\": 1,\n  \"a\": 2\n}";
    assert_err(veil_json_parse(dup, strlen(dup), "p.json", &v), VEIL_EMALFORMED, "p.json:3:");
    assert_err(veil_json_parse(dup, strlen(dup), "p.json", &v), VEIL_EMALFORMED, "duplicate");
    assert_err(veil_json_parse("{} x", 4, "p.json", &v), VEIL_EMALFORMED, "p.json:1:");
    assert_err(veil_json_parse("", 0, "p.json", &v), VEIL_EMALFORMED, "p.json");
    v = parse("[1, \"two\"]");
    assert_true(json_is_array(v));
    json_decref(v);
}

static void test_typed_access(void **state) {
    (void)state;
    json_t *v = parse("{\"s\": \"x\", \"b\": true, \"i\": 7, \"a\": [], \"o\": {}, \"n\": null}");
    const char *s = NULL;
    bool b = false, present = true;
    int64_t i = 0;
    json_t *a, *o;
    assert_ok(veil_json_get_string(v, "$", "s", true, &s, NULL));
    assert_string_equal(s, "x");
    assert_ok(veil_json_get_bool(v, "$", "b", true, &b, NULL));
    assert_true(b);
    assert_ok(veil_json_get_int(v, "$", "i", true, 0, 10, &i, NULL));
    assert_int_equal(i, 7);
    assert_ok(veil_json_get_array(v, "$", "a", true, &a, NULL));
    assert_ok(veil_json_get_object(v, "$", "o", true, &o, NULL));
    assert_ok(veil_json_get_string(v, "$", "missing", false, &s, &present));
    assert_false(present);
    assert_err(veil_json_get_string(v, "$.x", "missing", true, &s, NULL), VEIL_EMALFORMED,
               "$.x: missing required key \"missing\"");
    assert_err(veil_json_get_int(v, "$", "s", true, 0, 10, &i, NULL), VEIL_EMALFORMED,
               "$.s: expected an integer, got string");
    assert_err(veil_json_get_int(v, "$", "i", true, 0, 5, &i, NULL), VEIL_EMALFORMED,
               "$.i: 7 is out of range [0, 5]");
    assert_err(veil_json_get_bool(v, "$", "n", true, &b, NULL), VEIL_EMALFORMED, "got null");
    static const char *const allowed[] = {"s", "b", "i", "a", "o", NULL};
    assert_err(veil_json_only_keys(v, "$", allowed), VEIL_EMALFORMED, "$.n: unknown key \"n\"");
    json_decref(v);
}

static void test_nul_in_string_rejected(void **state) {
    (void)state;
    const char *text = "{\"s\": \"a\\u0000b\"}";
    json_t *v;
    assert_err(veil_json_parse(text, strlen(text), "n.json", &v), VEIL_EMALFORMED, "\\u0000");
    /* Values built in memory can hold NULs too; accessors still refuse them. */
    v = json_object();
    json_object_set_new(v, "s", json_stringn("a\0b", 3));
    const char *s;
    assert_err(veil_json_get_string(v, "$", "s", true, &s, NULL), VEIL_EMALFORMED, "NUL");
    json_decref(v);
}

static void test_dump(void **state) {
    (void)state;
    json_t *v = parse("{\"b\": 1, \"a\": [true]}");
    char *text;
    assert_ok(veil_json_dump(v, false, &text));
    assert_string_equal(text, "{\"b\":1,\"a\":[true]}");
    free(text);
    json_decref(v);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strict_parse),
        cmocka_unit_test(test_typed_access),
        cmocka_unit_test(test_nul_in_string_rejected),
        cmocka_unit_test(test_dump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
