/*
 * The host's side of the PAS API (libcurl): it asks for a nonce and hands
 * over evidence and the runtime's CSR.  The host is untrusted, and nothing
 * here needs to be trusted: the certificate that comes back is checked by
 * the runtime (its key) and by every client (chain, measurement, expiry).
 */
#include "pas_client.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "veil/encoding.h"
#include "veil/json.h"
#include "veil/str.h"
#include "veil/x509.h"

enum { PAS_TIMEOUT_MS = 30000, PAS_MAX_REPLY = 1 << 20 };

static size_t on_body(char *data, size_t size, size_t nmemb, void *user) {
    veil_buf *b = user;
    veil_error *err = veil_buf_append(b, data, size * nmemb);
    if (err != NULL) {
        veil_error_free(err);
        return 0; /* too large: abort the transfer */
    }
    return size * nmemb;
}

static veil_code code_for_status(long status) {
    switch (status) {
    case 400:
        return VEIL_EMALFORMED;
    case 403:
        return VEIL_EATTEST;
    case 409:
        return VEIL_EEXIST;
    case 410:
        return VEIL_ETIMEOUT;
    case 503:
        return VEIL_EBUSY;
    default:
        return VEIL_EIO;
    }
}

/* POSTs a JSON body and returns the parsed JSON reply of a 200. */
static veil_error *post_json(const char *base, const char *path, const char *body, json_t **out) {
    char *url;
    VEIL_TRY(veil_asprintf(&url, "%s%s", base, path));
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        free(url);
        return veil_error_new(VEIL_ENOMEM, "cannot create an HTTP client");
    }
    veil_buf reply;
    veil_buf_init(&reply, PAS_MAX_REPLY);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    char curl_msg[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)PAS_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_msg);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    veil_error *err = NULL;
    json_t *json = NULL;
    if (rc != CURLE_OK)
        err = veil_error_new(VEIL_EIO, "cannot reach the attestation service at %s: %s", url,
                             curl_msg[0] ? curl_msg : curl_easy_strerror(rc));
    if (err == NULL)
        err = veil_json_parse((const char *)reply.data, reply.len, "attestation service reply",
                              &json);
    if (err == NULL && status != 200) {
        json_t *e = json_object_get(json, "error");
        const char *message = json_string_value(json_object_get(e, "message"));
        err = veil_error_new(code_for_status(status), "attestation service refused (HTTP %ld): %s",
                             status, message != NULL ? message : "no message");
    }
    if (err == NULL && !json_is_object(json))
        err = veil_error_new(VEIL_EPROTO, "attestation service reply is not a JSON object");
    free(url);
    veil_buf_free(&reply);
    if (err != NULL) {
        json_decref(json);
        return err;
    }
    *out = json;
    return NULL;
}

veil_error *veil_host_pas_nonce(const char *pas_url, uint8_t nonce[VEIL_PAS_NONCE_LEN]) {
    json_t *reply;
    VEIL_TRY(post_json(pas_url, "/v1/attestation/start", "{}", &reply));
    const char *hex = json_string_value(json_object_get(reply, "nonce"));
    size_t len = 0;
    veil_error *err = hex == NULL
                          ? veil_error_new(VEIL_EPROTO, "attestation service sent no nonce")
                          : veil_hex_decode(hex, strlen(hex), nonce, VEIL_PAS_NONCE_LEN, &len);
    if (err == NULL && len != VEIL_PAS_NONCE_LEN)
        err = veil_error_new(VEIL_EPROTO, "attestation service sent a %zu-byte nonce", len);
    json_decref(reply);
    return err;
}

static veil_error *base64(const uint8_t *data, size_t len, char **out) {
    char *text = malloc(veil_base64_encoded_len(len) + 1);
    VEIL_ENSURE(text != NULL, VEIL_ENOMEM, "out of memory");
    veil_base64_encode(data, len, text);
    *out = text;
    return NULL;
}

static veil_error *pem_member_to_der(json_t *reply, const char *key, uint8_t **der, size_t *len) {
    const char *pem = json_string_value(json_object_get(reply, key));
    VEIL_ENSURE(pem != NULL, VEIL_EPROTO, "attestation service reply has no \"%s\"", key);
    X509 *cert;
    veil_error *err = veil_cert_from_pem(pem, strlen(pem), &cert);
    if (err != NULL)
        return veil_error_wrap(err, "attestation service reply \"%s\"", key);
    err = veil_cert_to_der(cert, der, len);
    X509_free(cert);
    return err;
}

veil_error *veil_host_pas_finish(const char *pas_url, const uint8_t nonce[VEIL_PAS_NONCE_LEN],
                                 const char *format, const uint8_t *evidence, size_t evidence_len,
                                 const uint8_t *csr, size_t csr_len, veil_host_pas_certs *out) {
    char nonce_hex[2 * VEIL_PAS_NONCE_LEN + 1];
    veil_hex_encode(nonce, VEIL_PAS_NONCE_LEN, nonce_hex);
    char *ev64 = NULL, *csr64 = NULL, *body = NULL;
    json_t *req = NULL, *reply = NULL;
    veil_error *err = base64(evidence, evidence_len, &ev64);
    if (err == NULL)
        err = base64(csr, csr_len, &csr64);
    if (err == NULL && (req = json_pack("{s:s,s:s,s:s,s:s}", "nonce", nonce_hex, "format", format,
                                        "evidence", ev64, "csr", csr64)) == NULL)
        err = veil_error_new(VEIL_ENOMEM, "out of memory");
    if (err == NULL)
        err = veil_json_dump(req, false, &body);
    if (err == NULL)
        err = post_json(pas_url, "/v1/attestation/finish", body, &reply);
    memset(out, 0, sizeof(*out));
    if (err == NULL)
        err = pem_member_to_der(reply, "certificate", &out->leaf, &out->leaf_len);
    if (err == NULL)
        err = pem_member_to_der(reply, "ca_certificate", &out->ca, &out->ca_len);
    if (err != NULL)
        veil_host_pas_certs_free(out);
    json_decref(reply);
    json_decref(req);
    free(body);
    free(ev64);
    free(csr64);
    return err;
}

void veil_host_pas_certs_free(veil_host_pas_certs *certs) {
    free(certs->leaf);
    free(certs->ca);
    memset(certs, 0, sizeof(*certs));
}
