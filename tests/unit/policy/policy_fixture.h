/* Test fixture for the policy tests: certificates made in memory and valid
 * policies of each kind built as jansson documents, which tests then break
 * one field at a time. */
#ifndef VEIL_POLICY_FIXTURE_H
#define VEIL_POLICY_FIXTURE_H

#include <jansson.h>

#include "veil/policy.h"

typedef struct policy_fixture {
    char *owner;   /* EC P-256 */
    char *proxy;   /* EC P-256 */
    char *rsa;     /* RSA 2048 */
    char *pas;     /* EC P-256 */
    char *loader;  /* EC P-256 */
    char *ed25519; /* not accepted in policies */
} policy_fixture;

extern policy_fixture fixture;

/* cmocka group setup/teardown: makes and frees the certificates. */
int fixture_setup(void **state);
int fixture_teardown(void **state);

/* Valid documents (new references). */
json_t *fixture_global(void);
json_t *fixture_function(void);
json_t *fixture_user(void);

/* The document as JSON text (2-space indent); free() it. */
char *fixture_text(const json_t *doc);
/* Serialises doc and parses it as kind; doc is kept. */
veil_error *fixture_parse(const json_t *doc, veil_policy_kind kind, veil_policy **out);
/* Parses, expecting failure: returns the error message (free() it). */
char *fixture_failure(const json_t *doc, veil_policy_kind kind);

/* doc[key][index] (index < 0: doc[key]); borrowed. */
json_t *fixture_get(json_t *doc, const char *key, int index);

#endif
