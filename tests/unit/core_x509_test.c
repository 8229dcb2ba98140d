#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#include "testcert.h"
#include "veil/x509.h"

static void test_ec_and_rsa(void **state) {
    (void)state;
    const char *types[] = {"ec", "rsa"};
    const char *expect[] = {"EC prime256v1", "RSA 2048"};
    for (int i = 0; i < 2; i++) {
        char *pem = testcert_make(types[i], "owner", NULL);
        X509 *cert;
        assert_ok(veil_cert_from_pem(pem, strlen(pem), &cert));
        char buf[128];
        veil_cert_subject(cert, buf, sizeof(buf));
        assert_string_equal(buf, "CN=owner");
        veil_cert_key_description(cert, buf, sizeof(buf));
        assert_string_equal(buf, expect[i]);
        char fp[65];
        assert_ok(veil_cert_fingerprint(cert, fp));
        assert_int_equal(strlen(fp), 64);

        uint8_t *der;
        size_t len;
        assert_ok(veil_cert_to_der(cert, &der, &len));
        X509 *again;
        assert_ok(veil_cert_from_der(der, len, &again));
        assert_true(veil_cert_equal(cert, again));
        assert_err(veil_cert_from_der(der, len - 1, &again), VEIL_EMALFORMED, "DER");
        free(der);
        char *pem2;
        assert_ok(veil_cert_to_pem(again, &pem2));
        assert_string_equal(pem, pem2);
        free(pem2);
        X509_free(again);
        X509_free(cert);
        free(pem);
    }
}

static void test_distinct_certs_differ(void **state) {
    (void)state;
    char *a = testcert_make("ec", "same", NULL), *b = testcert_make("ec", "same", NULL);
    X509 *ca, *cb;
    assert_ok(veil_cert_from_pem(a, strlen(a), &ca));
    assert_ok(veil_cert_from_pem(b, strlen(b), &cb));
    assert_false(veil_cert_equal(ca, cb));
    X509_free(ca);
    X509_free(cb);
    free(a);
    free(b);
}

static void test_rejections(void **state) {
    (void)state;
    X509 *cert;
    char *ed = testcert_make("ed25519", "x", NULL);
    assert_err(veil_cert_from_pem(ed, strlen(ed), &cert), VEIL_EUNSUPPORTED, "ED25519");
    char *ec = testcert_make("ec", "x", NULL);
    size_t n = strlen(ec);
    char *two = malloc(2 * n + 1);
    memcpy(two, ec, n);
    memcpy(two + n, ec, n + 1);
    assert_err(veil_cert_from_pem(two, strlen(two), &cert), VEIL_EMALFORMED, "exactly one");
    char *broken = strdup(ec);
    broken[40] = broken[40] == 'A' ? 'B' : 'A';
    broken[41] = '!';
    assert_err(veil_cert_from_pem(broken, strlen(broken), &cert), VEIL_EMALFORMED,
               "malformed PEM certificate");
    assert_err(veil_cert_from_pem("hello", 5, &cert), VEIL_EMALFORMED, "no '-----BEGIN");
    char *cut = strdup(ec);
    cut[n - 10] = '\0';
    assert_err(veil_cert_from_pem(cut, strlen(cut), &cert), VEIL_EMALFORMED, "not terminated");
    assert_err(veil_cert_load_file("/nonexistent/cert.pem", &cert), VEIL_ENOENT,
               "/nonexistent/cert.pem");
    free(cut);
    free(broken);
    free(two);
    free(ec);
    free(ed);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ec_and_rsa),
        cmocka_unit_test(test_distinct_certs_differ),
        cmocka_unit_test(test_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
