/* The PAS object, shared by service.c (API) and http.c (transport). */
#ifndef VEIL_PAS_INTERNAL_H
#define VEIL_PAS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ca.h"
#include "veil/pas.h"

typedef struct veil_pas_nonce {
    uint8_t value[VEIL_PAS_NONCE_LEN];
    uint64_t issued_ms;
    bool in_use;   /* slot holds a nonce that has not expired yet */
    bool consumed; /* a finish request named it */
} veil_pas_nonce;

struct veil_pas {
    char *state_dir;
    veil_pas_ca ca;
    char *ca_pem;
    uint64_t max_validity_s;
    uint64_t nonce_lifetime_ms;
    size_t max_nonces;
    veil_pas_reference *references;
    size_t reference_count;
    int64_t (*now_unix)(void *user);
    uint64_t (*now_ms)(void *user);
    void *clock_user;
    pthread_mutex_t lock; /* guards nonces */
    veil_pas_nonce *nonces;
    struct MHD_Daemon *daemon;
};

#endif
