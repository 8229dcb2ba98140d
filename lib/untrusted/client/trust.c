/* What a client expects of a runtime, read from the global policy it was
 * given (veil_client_trust_from_policy). */
#include <stdlib.h>
#include <string.h>

#include "veil/client.h"
#include "veil/encoding.h"
#include "veil/policy.h"
#include "veil/str.h"

veil_error *veil_client_trust_from_policy(const uint8_t *bytes, size_t len, const char *platform,
                                          veil_client_trust *out) {
    memset(out, 0, sizeof(*out));
    veil_policy *policy;
    VEIL_TRY(veil_policy_parse(bytes, len, "client policy", VEIL_POLICY_GLOBAL, &policy));
    const veil_policy_settings *s = veil_policy_settings_of(policy);
    const char *hex = NULL;
    if (strcmp(platform, VEIL_ATTEST_PLATFORM_LINUX) == 0)
        hex = s->runtime_hash_linux;
    else if (strcmp(platform, VEIL_ATTEST_PLATFORM_NITRO) == 0)
        hex = s->runtime_hash_nitro;
    veil_error *err = NULL;
    if (hex == NULL)
        err = veil_error_new(VEIL_EINVAL,
                             "the policy has no runtime_manager_hash_%s to check the runtime "
                             "against",
                             platform);
    if (err == NULL && s->pas_cert == NULL)
        err = veil_error_new(VEIL_EINVAL, "the policy has no proxy_service_cert");
    if (err == NULL)
        err = veil_hex_decode(hex, strlen(hex), out->measurement, sizeof(out->measurement),
                              &out->measurement_len);
    if (err == NULL) {
        veil_strlcpy(out->platform, platform, sizeof(out->platform));
        X509_up_ref(s->pas_cert);
        out->pas_cert = s->pas_cert;
        veil_policy_hash(policy, out->policy_hash);
        if (s->has_expiry)
            out->not_after_max = veil_policy_expiry_to_unix(&s->enclave_cert_expiry);
        if (s->ciphersuite_openssl != NULL)
            err = veil_strdup(s->ciphersuite_openssl, &out->ciphersuite);
        if (err == NULL && s->server_url != NULL)
            err = veil_strdup(s->server_url, &out->server);
    }
    veil_policy_free(policy);
    if (err != NULL)
        veil_client_trust_free(out);
    return err;
}

void veil_client_trust_free(veil_client_trust *trust) {
    X509_free(trust->pas_cert);
    free(trust->ciphersuite);
    free(trust->server);
    memset(trust, 0, sizeof(*trust));
}
