/* Common includes and assertions for Veil's cmocka unit tests. */
#ifndef VEIL_TEST_H
#define VEIL_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "veil/error.h"

/* Asserts that expr succeeded, printing the error message if not. */
#define assert_ok(expr)                                                                            \
    do {                                                                                           \
        veil_error *test_err_ = (expr);                                                            \
        if (test_err_ != NULL) {                                                                   \
            print_error("unexpected error: %s\n", veil_error_message(test_err_));                  \
            veil_error_free(test_err_);                                                            \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* Asserts that expr failed with code and that its message contains text. */
#define assert_err(expr, code, text)                                                               \
    do {                                                                                           \
        veil_error *test_err_ = (expr);                                                            \
        assert_non_null(test_err_);                                                                \
        if (veil_error_code(test_err_) != (code) ||                                                \
            strstr(veil_error_message(test_err_), (text)) == NULL) {                               \
            print_error("got %s: %s\n", veil_code_name(veil_error_code(test_err_)),                \
                        veil_error_message(test_err_));                                            \
            veil_error_free(test_err_);                                                            \
            fail();                                                                                \
        }                                                                                          \
        veil_error_free(test_err_);                                                                \
    } while (0)

#endif
