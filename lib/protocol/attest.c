/*
 * Veil's certificate extensions (see veil/attest.h for the OIDs and ASN.1).
 * Encoders write DER by hand because every value is short; decoders read it
 * back through the bounded reader and accept exactly DER: short-form
 * lengths, the expected tags, nothing trailing.
 */
#include "veil/attest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "veil/reader.h"
#include "veil/str.h"

enum {
    DER_OCTET_STRING = 0x04,
    DER_UTF8_STRING = 0x0c,
    DER_GENERALIZED_TIME = 0x18,
    DER_SEQUENCE = 0x30,
};

static veil_error *openssl_error(veil_code code, const char *what) {
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    char reason[256] = "no further detail";
    if (e != 0)
        ERR_error_string_n(e, reason, sizeof(reason));
    return veil_error_new(code, "%s: %s", what, reason);
}

static bool platform_name_ok(const char *platform, size_t len) {
    if (len == 0 || len > VEIL_ATTEST_PLATFORM_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = platform[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

veil_error *veil_attest_measurement_set(veil_attest_measurement *m, const char *platform,
                                        const uint8_t *value, size_t len) {
    size_t plen = strlen(platform);
    VEIL_ENSURE(platform_name_ok(platform, plen), VEIL_EINVAL,
                "platform name '%s' is not 1-%d lowercase letters or digits", platform,
                VEIL_ATTEST_PLATFORM_MAX);
    VEIL_ENSURE(len == 32 || len == 48, VEIL_EINVAL, "a measurement is 32 or 48 bytes, not %zu",
                len);
    memset(m, 0, sizeof(*m));
    memcpy(m->platform, platform, plen);
    memcpy(m->value, value, len);
    m->len = len;
    return NULL;
}

veil_error *veil_attest_measurement_encode(const veil_attest_measurement *m, uint8_t **der,
                                           size_t *len) {
    size_t plen = strlen(m->platform);
    VEIL_ENSURE(platform_name_ok(m->platform, plen) && (m->len == 32 || m->len == 48), VEIL_EINVAL,
                "measurement to encode is not valid");
    size_t body = 2 + plen + 2 + m->len;
    uint8_t *out = malloc(2 + body);
    VEIL_ENSURE(out != NULL, VEIL_ENOMEM, "out of memory encoding a measurement");
    size_t p = 0;
    out[p++] = DER_SEQUENCE;
    out[p++] = (uint8_t)body;
    out[p++] = DER_UTF8_STRING;
    out[p++] = (uint8_t)plen;
    memcpy(out + p, m->platform, plen);
    p += plen;
    out[p++] = DER_OCTET_STRING;
    out[p++] = (uint8_t)m->len;
    memcpy(out + p, m->value, m->len);
    p += m->len;
    *der = out;
    *len = p;
    return NULL;
}

/* Reads a tag and a short-form length, and splits the value off. */
static veil_error *der_tlv(veil_reader *r, uint8_t want_tag, const char *what, veil_reader *value) {
    uint8_t tag, len;
    VEIL_TRY(veil_reader_u8(r, &tag));
    if (tag != want_tag)
        return veil_reader_error(r, VEIL_EMALFORMED, "%s: expected tag 0x%02x, found 0x%02x", what,
                                 want_tag, tag);
    VEIL_TRY(veil_reader_u8(r, &len));
    if (len & 0x80)
        return veil_reader_error(r, VEIL_EMALFORMED,
                                 "%s: long-form length where DER needs the short form", what);
    return veil_reader_sub(r, len, what, value);
}

veil_error *veil_attest_measurement_decode(const uint8_t *der, size_t len,
                                           veil_attest_measurement *out) {
    veil_reader r, seq, platform, value;
    veil_reader_init(&r, der, len, "runtime measurement extension");
    VEIL_TRY(der_tlv(&r, DER_SEQUENCE, "RuntimeMeasurement", &seq));
    if (!veil_reader_at_end(&r))
        return veil_reader_error(&r, VEIL_EMALFORMED, "trailing bytes after RuntimeMeasurement");
    VEIL_TRY(der_tlv(&seq, DER_UTF8_STRING, "platform", &platform));
    VEIL_TRY(der_tlv(&seq, DER_OCTET_STRING, "measurement", &value));
    if (!veil_reader_at_end(&seq))
        return veil_reader_error(&seq, VEIL_EMALFORMED, "unexpected field after the measurement");
    if (!platform_name_ok((const char *)veil_reader_cursor(&platform),
                          veil_reader_remaining(&platform)))
        return veil_reader_error(&platform, VEIL_EMALFORMED,
                                 "platform name is not 1-%d lowercase letters or digits",
                                 VEIL_ATTEST_PLATFORM_MAX);
    size_t vlen = veil_reader_remaining(&value);
    if (vlen != 32 && vlen != 48)
        return veil_reader_error(&value, VEIL_EMALFORMED,
                                 "measurement is %zu bytes (32 or 48 expected)", vlen);
    memset(out, 0, sizeof(*out));
    memcpy(out->platform, veil_reader_cursor(&platform), veil_reader_remaining(&platform));
    memcpy(out->value, veil_reader_cursor(&value), vlen);
    out->len = vlen;
    return NULL;
}

static veil_error *make_extension(const char *oid, const uint8_t *der, size_t len,
                                  X509_EXTENSION **out) {
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *data = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext = NULL;
    if (obj != NULL && data != NULL && ASN1_OCTET_STRING_set(data, der, (int)len))
        ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, data);
    ASN1_OBJECT_free(obj);
    ASN1_OCTET_STRING_free(data);
    if (ext == NULL)
        return openssl_error(VEIL_ENOMEM, "cannot build extension");
    *out = ext;
    return NULL;
}

veil_error *veil_attest_cert_set_measurement(X509 *cert, const veil_attest_measurement *m) {
    uint8_t *der;
    size_t len;
    VEIL_TRY(veil_attest_measurement_encode(m, &der, &len));
    X509_EXTENSION *ext;
    veil_error *err = make_extension(VEIL_ATTEST_OID_MEASUREMENT, der, len, &ext);
    free(der);
    VEIL_TRY(err);
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    if (!ok)
        return openssl_error(VEIL_ENOMEM, "cannot add the measurement extension");
    return NULL;
}

veil_error *veil_attest_cert_measurement(const X509 *cert, veil_attest_measurement *out) {
    ASN1_OBJECT *obj = OBJ_txt2obj(VEIL_ATTEST_OID_MEASUREMENT, 1);
    VEIL_ENSURE(obj != NULL, VEIL_ENOMEM, "out of memory");
    int first = X509_get_ext_by_OBJ(cert, obj, -1);
    int second = first < 0 ? -1 : X509_get_ext_by_OBJ(cert, obj, first);
    ASN1_OBJECT_free(obj);
    VEIL_ENSURE(first >= 0, VEIL_EATTEST, "certificate has no runtime measurement extension (%s)",
                VEIL_ATTEST_OID_MEASUREMENT);
    VEIL_ENSURE(second < 0, VEIL_EATTEST,
                "certificate has more than one runtime measurement extension");
    X509_EXTENSION *ext = X509_get_ext(cert, first);
    const ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(ext);
    return veil_attest_measurement_decode(ASN1_STRING_get0_data(data),
                                          (size_t)ASN1_STRING_length(data), out);
}

veil_error *veil_attest_time_encode(int64_t unix_seconds, uint8_t out[17]) {
    VEIL_ENSURE(unix_seconds >= 0 && unix_seconds <= INT64_C(253402300799), VEIL_EINVAL,
                "time %lld is outside 1970..9999", (long long)unix_seconds);
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    VEIL_ENSURE(gmtime_r(&t, &tm) != NULL, VEIL_EINVAL, "time %lld cannot be converted",
                (long long)unix_seconds);
    char text[16];
    snprintf(text, sizeof(text), "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    out[0] = DER_GENERALIZED_TIME;
    out[1] = 15;
    memcpy(out + 2, text, 15);
    return NULL;
}

static bool digits(const uint8_t *p, size_t n, int *out) {
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

veil_error *veil_attest_time_decode(const uint8_t *der, size_t len, int64_t *unix_seconds) {
    veil_reader r, value;
    veil_reader_init(&r, der, len, "requested not-after");
    VEIL_TRY(der_tlv(&r, DER_GENERALIZED_TIME, "GeneralizedTime", &value));
    if (!veil_reader_at_end(&r))
        return veil_reader_error(&r, VEIL_EMALFORMED, "trailing bytes after GeneralizedTime");
    const uint8_t *p;
    if (veil_reader_remaining(&value) != 15)
        return veil_reader_error(&value, VEIL_EMALFORMED,
                                 "GeneralizedTime is not YYYYMMDDHHMMSSZ (%zu bytes)",
                                 veil_reader_remaining(&value));
    VEIL_TRY(veil_reader_bytes(&value, 15, &p));
    struct tm tm = {0};
    int year, mon, day, hour, min, sec;
    if (!digits(p, 4, &year) || !digits(p + 4, 2, &mon) || !digits(p + 6, 2, &day) ||
        !digits(p + 8, 2, &hour) || !digits(p + 10, 2, &min) || !digits(p + 12, 2, &sec) ||
        p[14] != 'Z')
        return veil_error_new(VEIL_EMALFORMED, "GeneralizedTime is not YYYYMMDDHHMMSSZ");
    VEIL_ENSURE(year >= 1970 && mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && hour <= 23 &&
                    min <= 59 && sec <= 59,
                VEIL_EMALFORMED, "GeneralizedTime names no real second");
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    /* timegm normalises 31 February into March: refuse dates that moved. */
    struct tm back;
    VEIL_ENSURE(t != (time_t)-1 && gmtime_r(&t, &back) != NULL && back.tm_mday == day &&
                    back.tm_mon == mon - 1,
                VEIL_EMALFORMED, "GeneralizedTime names no real day");
    *unix_seconds = (int64_t)t;
    return NULL;
}

veil_error *veil_attest_asn1_time_to_unix(const ASN1_TIME *t, int64_t *out) {
    struct tm tm;
    VEIL_ENSURE(t != NULL && ASN1_TIME_to_tm(t, &tm) == 1, VEIL_EMALFORMED,
                "certificate time does not parse");
    time_t v = timegm(&tm);
    VEIL_ENSURE(v != (time_t)-1, VEIL_EMALFORMED, "certificate time is out of range");
    *out = (int64_t)v;
    return NULL;
}

/* True for a dotted IPv4 or a textual IPv6 address. */
static bool looks_like_ip(const char *host) {
    return strchr(host, ':') != NULL || strspn(host, "0123456789.") == strlen(host);
}

static veil_error *add_name(GENERAL_NAMES *names, int type, const char *value) {
    GENERAL_NAME *name = NULL;
    if (type == GEN_IPADD) {
        ASN1_OCTET_STRING *ip = a2i_IPADDRESS(value);
        VEIL_ENSURE(ip != NULL, VEIL_EINVAL, "'%s' is not an IP address", value);
        name = GENERAL_NAME_new();
        if (name == NULL) {
            ASN1_OCTET_STRING_free(ip);
            return veil_error_new(VEIL_ENOMEM, "out of memory");
        }
        GENERAL_NAME_set0_value(name, GEN_IPADD, ip);
    } else {
        ASN1_IA5STRING *s = ASN1_IA5STRING_new();
        if (s == NULL || !ASN1_STRING_set(s, value, -1)) {
            ASN1_IA5STRING_free(s);
            return veil_error_new(VEIL_ENOMEM, "out of memory");
        }
        name = GENERAL_NAME_new();
        if (name == NULL) {
            ASN1_IA5STRING_free(s);
            return veil_error_new(VEIL_ENOMEM, "out of memory");
        }
        GENERAL_NAME_set0_value(name, type, s);
    }
    if (!sk_GENERAL_NAME_push(names, name)) {
        GENERAL_NAME_free(name);
        return veil_error_new(VEIL_ENOMEM, "out of memory");
    }
    return NULL;
}

static veil_error *csr_extensions(const veil_attest_csr_params *params,
                                  STACK_OF(X509_EXTENSION) * exts) {
    if (params->host != NULL || params->uri != NULL) {
        GENERAL_NAMES *names = GENERAL_NAMES_new();
        VEIL_ENSURE(names != NULL, VEIL_ENOMEM, "out of memory");
        veil_error *err = NULL;
        if (params->host != NULL)
            err = add_name(names, looks_like_ip(params->host) ? GEN_IPADD : GEN_DNS, params->host);
        if (err == NULL && params->uri != NULL)
            err = add_name(names, GEN_URI, params->uri);
        X509_EXTENSION *san = err == NULL ? X509V3_EXT_i2d(NID_subject_alt_name, 0, names) : NULL;
        GENERAL_NAMES_free(names);
        VEIL_TRY(err);
        if (san == NULL)
            return openssl_error(VEIL_EINVAL, "cannot encode the subject alternative name");
        if (!sk_X509_EXTENSION_push(exts, san)) {
            X509_EXTENSION_free(san);
            return veil_error_new(VEIL_ENOMEM, "out of memory");
        }
    }
    if (params->not_after_unix != 0) {
        uint8_t der[17];
        VEIL_TRY(veil_attest_time_encode(params->not_after_unix, der));
        X509_EXTENSION *ext;
        VEIL_TRY(make_extension(VEIL_ATTEST_OID_NOT_AFTER, der, sizeof(der), &ext));
        if (!sk_X509_EXTENSION_push(exts, ext)) {
            X509_EXTENSION_free(ext);
            return veil_error_new(VEIL_ENOMEM, "out of memory");
        }
    }
    return NULL;
}

veil_error *veil_attest_csr_create(const veil_attest_csr_params *params, uint8_t **der,
                                   size_t *len) {
    X509_REQ *req = X509_REQ_new();
    STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
    veil_error *err = NULL;
    if (req == NULL || exts == NULL) {
        err = veil_error_new(VEIL_ENOMEM, "out of memory building a CSR");
        goto done;
    }
    X509_NAME *subject = X509_REQ_get_subject_name(req);
    if (!X509_REQ_set_version(req, 0) || !X509_REQ_set_pubkey(req, params->key) ||
        !X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                    (const unsigned char *)params->common_name, -1, -1, 0)) {
        err = openssl_error(VEIL_EINVAL, "cannot fill the CSR");
        goto done;
    }
    if ((err = csr_extensions(params, exts)) != NULL)
        goto done;
    if (sk_X509_EXTENSION_num(exts) > 0 && !X509_REQ_add_extensions(req, exts)) {
        err = openssl_error(VEIL_ENOMEM, "cannot add CSR extensions");
        goto done;
    }
    const EVP_MD *md = EVP_PKEY_get_base_id(params->key) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
    if (X509_REQ_sign(req, params->key, md) <= 0) {
        err = openssl_error(VEIL_ECRYPTO, "cannot sign the CSR");
        goto done;
    }
    unsigned char *buf = NULL;
    int n = i2d_X509_REQ(req, &buf);
    if (n <= 0) {
        err = openssl_error(VEIL_ENOMEM, "cannot encode the CSR");
        goto done;
    }
    *der = malloc((size_t)n);
    if (*der == NULL) {
        OPENSSL_free(buf);
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(*der, buf, (size_t)n);
    OPENSSL_free(buf);
    *len = (size_t)n;
done:
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_REQ_free(req);
    return err;
}

veil_error *veil_attest_csr_not_after(X509_REQ *req, bool *present, int64_t *unix_seconds) {
    *present = false;
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    if (exts == NULL)
        return NULL;
    ASN1_OBJECT *obj = OBJ_txt2obj(VEIL_ATTEST_OID_NOT_AFTER, 1);
    veil_error *err = NULL;
    if (obj == NULL) {
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
    } else {
        int at = X509v3_get_ext_by_OBJ(exts, obj, -1);
        if (at >= 0 && X509v3_get_ext_by_OBJ(exts, obj, at) >= 0) {
            err = veil_error_new(VEIL_EMALFORMED, "CSR requests a not-after more than once");
        } else if (at >= 0) {
            const ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(X509v3_get_ext(exts, at));
            err = veil_attest_time_decode(ASN1_STRING_get0_data(data),
                                          (size_t)ASN1_STRING_length(data), unix_seconds);
            *present = err == NULL;
        }
    }
    ASN1_OBJECT_free(obj);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    return err;
}
