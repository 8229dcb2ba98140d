#include "test.h"

#include <errno.h>

static veil_error *fails_with(veil_code code) {
    return veil_error_new(code, "value %d", 42);
}

static veil_error *propagates(veil_code code) {
    VEIL_TRY(fails_with(code));
    return veil_error_new(VEIL_EINTERNAL, "not reached");
}

static void test_new_and_wrap(void **state) {
    (void)state;
    veil_error *err = veil_error_wrap(fails_with(VEIL_EPERM), "file %s", "/output/x");
    assert_int_equal(veil_error_code(err), VEIL_EPERM);
    assert_string_equal(veil_error_message(err), "file /output/x: value 42");
    assert_string_equal(veil_code_name(VEIL_EPERM), "permission-denied");
    veil_error_free(err);
    assert_null(veil_error_wrap(NULL, "nothing"));
    assert_int_equal(veil_error_code(NULL), VEIL_OK);
}

static void test_try_propagates(void **state) {
    (void)state;
    assert_err(propagates(VEIL_EHASH), VEIL_EHASH, "value 42");
}

static void test_errno_mapping(void **state) {
    (void)state;
    assert_err(veil_error_errno(ENOENT, "open %s", "a"), VEIL_ENOENT, "open a: ");
    assert_err(veil_error_errno(EACCES, "open"), VEIL_EPERM, "open");
    assert_err(veil_error_errno(EIO, "read"), VEIL_EIO, "read");
}

static void test_ok_code_is_never_an_error(void **state) {
    (void)state;
    assert_err(veil_error_new(VEIL_OK, "odd"), VEIL_EINTERNAL, "odd");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_and_wrap),
        cmocka_unit_test(test_try_propagates),
        cmocka_unit_test(test_errno_mapping),
        cmocka_unit_test(test_ok_code_is_never_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
