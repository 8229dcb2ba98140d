#include "test.h"

#include <stdlib.h>

#include <openssl/x509v3.h>

#include "veil/attest.h"

static void test_measurement_round_trip(void **state) {
    (void)state;
    uint8_t value[32];
    for (int i = 0; i < 32; i++)
        value[i] = (uint8_t)i;
    veil_attest_measurement m;
    assert_ok(veil_attest_measurement_set(&m, "linux", value, 32));
    uint8_t *der;
    size_t len;
    assert_ok(veil_attest_measurement_encode(&m, &der, &len));
    /* SEQUENCE { UTF8String "linux", OCTET STRING (32) } */
    assert_int_equal(len, 2 + 2 + 5 + 2 + 32);
    assert_int_equal(der[0], 0x30);
    assert_int_equal(der[2], 0x0c);
    veil_attest_measurement back;
    assert_ok(veil_attest_measurement_decode(der, len, &back));
    assert_string_equal(back.platform, "linux");
    assert_int_equal(back.len, 32);
    assert_memory_equal(back.value, value, 32);

    assert_err(veil_attest_measurement_decode(der, len - 1, &back), VEIL_EMALFORMED, "end of data");
    der[2] = 0x13; /* PrintableString instead of UTF8String */
    assert_err(veil_attest_measurement_decode(der, len, &back), VEIL_EMALFORMED,
               "expected tag 0x0c");
    der[2] = 0x0c;
    der[4] = 'L';
    assert_err(veil_attest_measurement_decode(der, len, &back), VEIL_EMALFORMED,
               "lowercase letters");
    free(der);

    static const uint8_t long_form[] = {0x30, 0x81, 0x03, 0x0c, 0x01, 'a'};
    assert_err(veil_attest_measurement_decode(long_form, sizeof(long_form), &back), VEIL_EMALFORMED,
               "long-form length");
    static const uint8_t short_value[] = {0x30, 0x06, 0x0c, 0x01, 'a', 0x04, 0x01, 0x00};
    assert_err(veil_attest_measurement_decode(short_value, sizeof(short_value), &back),
               VEIL_EMALFORMED, "1 bytes (32 or 48 expected)");
    assert_err(veil_attest_measurement_set(&m, "", value, 32), VEIL_EINVAL, "platform name");
    assert_err(veil_attest_measurement_set(&m, "linux", value, 31), VEIL_EINVAL, "32 or 48");
}

static void test_time(void **state) {
    (void)state;
    uint8_t der[17];
    assert_ok(veil_attest_time_encode(1798761600, der)); /* 2027-01-01T00:00:00Z */
    assert_memory_equal(der + 2, "20270101000000Z", 15);
    int64_t t;
    assert_ok(veil_attest_time_decode(der, sizeof(der), &t));
    assert_int_equal(t, 1798761600);
    memcpy(der + 2, "20270231000000Z", 15);
    assert_err(veil_attest_time_decode(der, sizeof(der), &t), VEIL_EMALFORMED, "no real day");
    memcpy(der + 2, "2027010100000+0", 15);
    assert_err(veil_attest_time_decode(der, sizeof(der), &t), VEIL_EMALFORMED, "YYYYMMDD");
    assert_err(veil_attest_time_decode(der, 16, &t), VEIL_EMALFORMED, "end of data");
    assert_err(veil_attest_time_encode(-1, der), VEIL_EINVAL, "outside");
}

static EVP_PKEY *ec_key(void) {
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(key);
    return key;
}

static void test_csr(void **state) {
    (void)state;
    EVP_PKEY *key = ec_key();
    veil_attest_csr_params p = {.key = key,
                                .common_name = "veil runtime",
                                .host = "127.0.0.1",
                                .uri = "urn:veil:policy:abcd",
                                .not_after_unix = 1798761600};
    uint8_t *der;
    size_t len;
    assert_ok(veil_attest_csr_create(&p, &der, &len));
    const unsigned char *q = der;
    X509_REQ *req = d2i_X509_REQ(NULL, &q, (long)len);
    assert_non_null(req);
    assert_int_equal(X509_REQ_verify(req, key), 1);
    bool present;
    int64_t t;
    assert_ok(veil_attest_csr_not_after(req, &present, &t));
    assert_true(present);
    assert_int_equal(t, 1798761600);
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    GENERAL_NAMES *names = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
    assert_non_null(names);
    assert_int_equal(sk_GENERAL_NAME_num(names), 2);
    assert_int_equal(sk_GENERAL_NAME_value(names, 0)->type, GEN_IPADD);
    assert_int_equal(sk_GENERAL_NAME_value(names, 1)->type, GEN_URI);
    GENERAL_NAMES_free(names);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_REQ_free(req);
    free(der);

    /* Without a requested expiry or names. */
    veil_attest_csr_params bare = {.key = key, .common_name = "x", .host = "runtime.example"};
    assert_ok(veil_attest_csr_create(&bare, &der, &len));
    q = der;
    req = d2i_X509_REQ(NULL, &q, (long)len);
    assert_ok(veil_attest_csr_not_after(req, &present, &t));
    assert_false(present);
    X509_REQ_free(req);
    free(der);
    EVP_PKEY_free(key);
}

static void test_cert_extension(void **state) {
    (void)state;
    EVP_PKEY *key = ec_key();
    X509 *cert = X509_new();
    X509_set_pubkey(cert, key);
    veil_attest_measurement m, got;
    uint8_t value[48];
    memset(value, 7, sizeof(value));
    assert_err(veil_attest_cert_measurement(cert, &got), VEIL_EATTEST, "no runtime measurement");
    assert_ok(veil_attest_measurement_set(&m, "nitro", value, 48));
    assert_ok(veil_attest_cert_set_measurement(cert, &m));
    assert_ok(veil_attest_cert_measurement(cert, &got));
    assert_string_equal(got.platform, "nitro");
    assert_int_equal(got.len, 48);
    assert_ok(veil_attest_cert_set_measurement(cert, &m));
    assert_err(veil_attest_cert_measurement(cert, &got), VEIL_EATTEST, "more than one");
    X509_free(cert);
    EVP_PKEY_free(key);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_measurement_round_trip),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_csr),
        cmocka_unit_test(test_cert_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
