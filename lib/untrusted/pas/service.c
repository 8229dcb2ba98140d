/*
 * The PAS service: nonces, the verification sequence of a finish request,
 * and the JSON API (transport-independent; http.c puts it on HTTP).
 *
 * Nonces: a fixed-size table guarded by a mutex.  An issued nonce is
 * consumed by the first finish request that names it, whatever the outcome,
 * and stays in the table marked used until it would have expired, so a
 * replay is reported as a replay; expired entries are purged when a new
 * nonce is issued.  The table never grows beyond max_nonces (VEIL_EBUSY).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "ca.h"
#include "evidence.h"
#include "pas_internal.h"
#include "veil/encoding.h"
#include "veil/json.h"
#include "veil/log.h"
#include "veil/pas.h"
#include "veil/str.h"
#include "veil/x509.h"

#define COMPONENT "pas"

static int64_t system_unix(void *user) {
    (void)user;
    return (int64_t)time(NULL);
}

static uint64_t system_ms(void *user) {
    (void)user;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

veil_error *veil_pas_new(const veil_pas_config *config, veil_pas **out) {
    VEIL_ENSURE(config->state_dir != NULL, VEIL_EINVAL, "the PAS needs a state directory");
    veil_pas *pas = calloc(1, sizeof(*pas));
    VEIL_ENSURE(pas != NULL, VEIL_ENOMEM, "out of memory");
    pas->now_unix = config->now_unix != NULL ? config->now_unix : system_unix;
    pas->now_ms = config->now_ms != NULL ? config->now_ms : system_ms;
    pas->clock_user = config->clock_user;
    pas->max_validity_s =
        config->max_validity_s != 0 ? config->max_validity_s : VEIL_PAS_DEFAULT_MAX_VALIDITY_S;
    pas->nonce_lifetime_ms = config->nonce_lifetime_ms != 0 ? config->nonce_lifetime_ms
                                                            : VEIL_PAS_DEFAULT_NONCE_LIFETIME_MS;
    pas->max_nonces = config->max_nonces != 0 ? config->max_nonces : VEIL_PAS_DEFAULT_MAX_NONCES;
    pthread_mutex_init(&pas->lock, NULL);
    veil_error *err = veil_strdup(config->state_dir, &pas->state_dir);
    if (err == NULL && (pas->nonces = calloc(pas->max_nonces, sizeof(*pas->nonces))) == NULL)
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
    if (err == NULL && config->reference_count > 0) {
        pas->references = calloc(config->reference_count, sizeof(*pas->references));
        if (pas->references == NULL)
            err = veil_error_new(VEIL_ENOMEM, "out of memory");
        else
            memcpy(pas->references, config->references,
                   config->reference_count * sizeof(*pas->references));
        pas->reference_count = config->reference_count;
    }
    if (err == NULL)
        err = veil_pas_ca_load(config->state_dir, config->ca_cert_pem, config->ca_key_pem,
                               pas->now_unix(pas->clock_user), &pas->ca);
    if (err == NULL)
        err = veil_cert_to_pem(pas->ca.cert, &pas->ca_pem);
    if (err != NULL) {
        veil_pas_free(pas);
        return err;
    }
    if (pas->ca.created)
        VEIL_INFO(COMPONENT, "created a new CA in %s", config->state_dir);
    if (pas->reference_count == 0)
        VEIL_WARN(COMPONENT, "no reference values configured: every attestation will be refused");
    *out = pas;
    return NULL;
}

void veil_pas_free(veil_pas *pas) {
    if (pas == NULL)
        return;
    veil_pas_stop(pas);
    veil_pas_ca_free(&pas->ca);
    pthread_mutex_destroy(&pas->lock);
    free(pas->ca_pem);
    free(pas->nonces);
    free(pas->references);
    free(pas->state_dir);
    free(pas);
}

X509 *veil_pas_ca_cert(const veil_pas *pas) {
    return pas->ca.cert;
}

veil_error *veil_pas_nonce_new(veil_pas *pas, char out[2 * VEIL_PAS_NONCE_LEN + 1]) {
    uint8_t nonce[VEIL_PAS_NONCE_LEN];
    VEIL_ENSURE(RAND_bytes(nonce, sizeof(nonce)) == 1, VEIL_ECRYPTO, "no randomness for a nonce");
    uint64_t now = pas->now_ms(pas->clock_user);
    pthread_mutex_lock(&pas->lock);
    veil_pas_nonce *slot = NULL;
    for (size_t i = 0; i < pas->max_nonces; i++) {
        veil_pas_nonce *n = &pas->nonces[i];
        if (n->in_use && now - n->issued_ms >= pas->nonce_lifetime_ms)
            n->in_use = false;
        if (!n->in_use && slot == NULL)
            slot = n;
    }
    if (slot != NULL) {
        memcpy(slot->value, nonce, sizeof(nonce));
        slot->issued_ms = now;
        slot->in_use = true;
        slot->consumed = false;
    }
    pthread_mutex_unlock(&pas->lock);
    VEIL_ENSURE(slot != NULL, VEIL_EBUSY,
                "%zu nonces are outstanding (the limit); try again when some have expired",
                pas->max_nonces);
    veil_hex_encode(nonce, sizeof(nonce), out);
    return NULL;
}

/* Consumes a nonce: the checks of the first step of a finish request. */
static veil_error *nonce_consume(veil_pas *pas, const uint8_t nonce[VEIL_PAS_NONCE_LEN],
                                 const char *hex) {
    uint64_t now = pas->now_ms(pas->clock_user);
    veil_error *err = NULL;
    pthread_mutex_lock(&pas->lock);
    veil_pas_nonce *found = NULL;
    for (size_t i = 0; i < pas->max_nonces && found == NULL; i++)
        if (pas->nonces[i].in_use && memcmp(pas->nonces[i].value, nonce, VEIL_PAS_NONCE_LEN) == 0)
            found = &pas->nonces[i];
    if (found == NULL) {
        err = veil_error_new(VEIL_EATTEST,
                             "nonce %.16s... was not issued by this attestation service (or "
                             "expired long ago)",
                             hex);
    } else if (found->consumed) {
        err =
            veil_error_new(VEIL_EEXIST, "nonce %.16s... was already used (replayed evidence)", hex);
    } else if (now - found->issued_ms >= pas->nonce_lifetime_ms) {
        err = veil_error_new(VEIL_ETIMEOUT,
                             "nonce %.16s... expired %llu ms ago (nonces live %llu ms)", hex,
                             (unsigned long long)(now - found->issued_ms - pas->nonce_lifetime_ms),
                             (unsigned long long)pas->nonce_lifetime_ms);
        found->in_use = false;
    } else {
        found->consumed = true;
    }
    pthread_mutex_unlock(&pas->lock);
    return err;
}

static bool reference_known(const veil_pas *pas, const veil_pas_claims *claims) {
    for (size_t i = 0; i < pas->reference_count; i++) {
        const veil_pas_reference *ref = &pas->references[i];
        if (strcmp(ref->platform, claims->platform) == 0 && ref->len == claims->measurement_len &&
            memcmp(ref->measurement, claims->measurement, ref->len) == 0)
            return true;
    }
    return false;
}

veil_error *veil_pas_finish(veil_pas *pas, const char *nonce_hex, const char *format,
                            const uint8_t *evidence, size_t evidence_len, const uint8_t *csr_der,
                            size_t csr_len, char **cert_pem) {
    uint8_t nonce[VEIL_PAS_NONCE_LEN];
    size_t nonce_len;
    VEIL_ENSURE(strlen(nonce_hex) == 2 * VEIL_PAS_NONCE_LEN, VEIL_EMALFORMED,
                "nonce must be %d hex digits", 2 * VEIL_PAS_NONCE_LEN);
    veil_error *err =
        veil_hex_decode(nonce_hex, strlen(nonce_hex), nonce, sizeof(nonce), &nonce_len);
    if (err != NULL)
        return veil_error_wrap(err, "nonce");
    /* Consumed before anything else, so a failed attempt cannot be retried
     * with the same nonce. */
    VEIL_TRY(nonce_consume(pas, nonce, nonce_hex));
    const veil_pas_evidence_format *fmt = veil_pas_format_find(format);
    VEIL_ENSURE(fmt != NULL, VEIL_EUNSUPPORTED, "evidence format '%s' is not supported", format);
    veil_pas_claims claims;
    err = fmt->verify(pas->state_dir, evidence, evidence_len, &claims);
    if (err != NULL)
        return veil_error_wrap(err, "%s evidence", format);
    VEIL_ENSURE(claims.nonce_len == VEIL_PAS_NONCE_LEN &&
                    veil_ct_equal(claims.nonce, nonce, VEIL_PAS_NONCE_LEN),
                VEIL_EATTEST, "evidence (signed by %s) is for another nonce than %.16s...",
                claims.signer, nonce_hex);
    uint8_t csr_hash[VEIL_SHA256_LEN];
    veil_sha256(csr_der, csr_len, csr_hash);
    VEIL_ENSURE(veil_ct_equal(claims.csr_sha256, csr_hash, VEIL_SHA256_LEN), VEIL_EATTEST,
                "evidence (signed by %s) binds another CSR than the one sent", claims.signer);
    char mhex[2 * VEIL_ATTEST_MEASUREMENT_MAX + 1];
    veil_hex_encode(claims.measurement, claims.measurement_len, mhex);
    VEIL_ENSURE(reference_known(pas, &claims), VEIL_EATTEST,
                "measurement %s (platform %s, signed by %s) is not in the reference values", mhex,
                claims.platform, claims.signer);
    veil_attest_measurement m;
    VEIL_TRY(veil_attest_measurement_set(&m, claims.platform, claims.measurement,
                                         claims.measurement_len));
    int64_t not_after;
    VEIL_TRY(veil_pas_ca_issue(&pas->ca, csr_der, csr_len, &m, pas->now_unix(pas->clock_user),
                               pas->max_validity_s, cert_pem, &not_after));
    VEIL_INFO(COMPONENT, "issued a certificate for measurement %s (platform %s, %s), expiring %lld",
              mhex, claims.platform, claims.signer, (long long)not_after);
    return NULL;
}

/* ---- the JSON API ---- */

unsigned veil_pas_http_status(veil_code code) {
    switch (code) {
    case VEIL_OK:
        return 200;
    case VEIL_EINVAL:
    case VEIL_EMALFORMED:
    case VEIL_EPROTO:
    case VEIL_EUNSUPPORTED:
        return 400;
    case VEIL_EATTEST:
    case VEIL_ECRYPTO:
    case VEIL_EPERM:
        return 403;
    case VEIL_ENOENT:
        return 404;
    case VEIL_EEXIST:
        return 409;
    case VEIL_ETIMEOUT:
        return 410;
    case VEIL_ELIMIT:
        return 413;
    case VEIL_EBUSY:
        return 503;
    default:
        return 500;
    }
}

static void reply_json(veil_pas_reply *out, unsigned status, json_t *body) {
    char *text = NULL;
    veil_error *err = body != NULL ? veil_json_dump(body, false, &text) : NULL;
    json_decref(body);
    if (body == NULL || err != NULL) {
        veil_error_free(err);
        out->status = 500;
        out->body = strdup("{\"error\":{\"status\":500,\"code\":\"internal-error\",\"message\":"
                           "\"out of memory\"}}");
        return;
    }
    out->status = status;
    out->body = text;
}

static void reply_error(veil_pas_reply *out, veil_error *err) {
    veil_code code = veil_error_code(err);
    unsigned status = veil_pas_http_status(code);
    VEIL_WARN(COMPONENT, "%u %s: %s", status, veil_code_name(code), veil_error_message(err));
    json_t *body = json_pack("{s:{s:i,s:s,s:s}}", "error", "status", (int)status, "code",
                             veil_code_name(code), "message", veil_error_message(err));
    veil_error_free(err);
    reply_json(out, status, body);
}

static veil_error *parse_body(const uint8_t *body, size_t len, json_t **out) {
    VEIL_ENSURE(len > 0, VEIL_EMALFORMED, "request body is empty (a JSON object is expected)");
    VEIL_TRY(veil_json_parse((const char *)body, len, "request body", out));
    if (!json_is_object(*out)) {
        json_decref(*out);
        return veil_error_new(VEIL_EMALFORMED, "request body is not a JSON object");
    }
    return NULL;
}

static veil_error *get_base64(const json_t *obj, const char *key, size_t max, uint8_t **out,
                              size_t *len) {
    const char *text;
    VEIL_TRY(veil_json_get_string(obj, "$", key, true, &text, NULL));
    size_t tlen = strlen(text);
    VEIL_ENSURE(tlen / 4 * 3 <= max, VEIL_ELIMIT, "$.%s is larger than %zu bytes", key, max);
    uint8_t *bytes = malloc(tlen / 4 * 3 + 1);
    VEIL_ENSURE(bytes != NULL, VEIL_ENOMEM, "out of memory");
    veil_error *err = veil_base64_decode(text, tlen, bytes, tlen / 4 * 3 + 1, len);
    if (err != NULL) {
        free(bytes);
        return veil_error_wrap(err, "$.%s", key);
    }
    *out = bytes;
    return NULL;
}

static veil_error *handle_start(veil_pas *pas, const uint8_t *body, size_t len, json_t **out) {
    /* The body is optional; when present it must be an empty object. */
    if (len > 0) {
        json_t *req;
        VEIL_TRY(parse_body(body, len, &req));
        static const char *const none[] = {NULL};
        veil_error *err = veil_json_only_keys(req, "$", none);
        json_decref(req);
        VEIL_TRY(err);
    }
    char nonce[2 * VEIL_PAS_NONCE_LEN + 1];
    VEIL_TRY(veil_pas_nonce_new(pas, nonce));
    *out =
        json_pack("{s:s,s:I}", "nonce", nonce, "expires_in_ms", (json_int_t)pas->nonce_lifetime_ms);
    return NULL;
}

static veil_error *handle_finish(veil_pas *pas, const uint8_t *body, size_t len, json_t **out) {
    json_t *req;
    VEIL_TRY(parse_body(body, len, &req));
    static const char *const keys[] = {"nonce", "format", "evidence", "csr", NULL};
    const char *nonce = NULL, *format = NULL;
    uint8_t *evidence = NULL, *csr = NULL;
    size_t evidence_len = 0, csr_len = 0;
    char *cert = NULL;
    veil_error *err = veil_json_only_keys(req, "$", keys);
    if (err == NULL)
        err = veil_json_get_string(req, "$", "nonce", true, &nonce, NULL);
    if (err == NULL)
        err = veil_json_get_string(req, "$", "format", true, &format, NULL);
    if (err == NULL)
        err = get_base64(req, "evidence", VEIL_PAS_MAX_BODY, &evidence, &evidence_len);
    if (err == NULL)
        err = get_base64(req, "csr", VEIL_PAS_MAX_BODY, &csr, &csr_len);
    if (err == NULL)
        err = veil_pas_finish(pas, nonce, format, evidence, evidence_len, csr, csr_len, &cert);
    if (err == NULL)
        *out = json_pack("{s:s,s:s}", "certificate", cert, "ca_certificate", pas->ca_pem);
    free(cert);
    free(evidence);
    free(csr);
    json_decref(req);
    return err;
}

void veil_pas_handle(veil_pas *pas, const char *method, const char *url, const uint8_t *body,
                     size_t body_len, veil_pas_reply *out) {
    static const struct {
        const char *url;
        const char *method;
    } routes[] = {
        {"/v1/attestation/start", "POST"},
        {"/v1/attestation/finish", "POST"},
        {"/v1/ca", "GET"},
        {"/v1/health", "GET"},
    };
    size_t route = SIZE_MAX;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if (strcmp(url, routes[i].url) == 0)
            route = i;
    if (route == SIZE_MAX) {
        reply_error(out, veil_error_new(VEIL_ENOENT, "no such endpoint: %s", url));
        return;
    }
    if (strcmp(method, routes[route].method) != 0) {
        json_t *b = json_pack("{s:{s:i,s:s,s:s}}", "error", "status", 405, "code",
                              "method-not-allowed", "message", "use the documented method");
        if (b != NULL)
            json_object_set_new(
                json_object_get(b, "error"), "message",
                json_sprintf("%s takes %s, not %s", url, routes[route].method, method));
        reply_json(out, 405, b);
        return;
    }
    json_t *result = NULL;
    veil_error *err = NULL;
    switch (route) {
    case 0:
        err = handle_start(pas, body, body_len, &result);
        break;
    case 1:
        err = handle_finish(pas, body, body_len, &result);
        break;
    case 2:
        result = json_pack("{s:s}", "certificate", pas->ca_pem);
        break;
    default:
        result = json_pack("{s:s}", "status", "ok");
        break;
    }
    if (err != NULL)
        reply_error(out, err);
    else
        reply_json(out, 200, result);
}
