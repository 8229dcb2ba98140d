/*
 * The deadline watchdog: one background thread per process that sets the
 * interrupt flag of every armed watch whose deadline has passed.  The
 * interpreter polls that flag only where it charges fuel (function entries
 * and loop headers), so a deadline costs nothing per instruction and cannot
 * be escaped by a program (every unbounded execution passes such a point).
 *
 * Watches form a list under one mutex; the thread sleeps on a condition
 * variable until the earliest deadline or until the list changes.  The
 * thread is started on first use and lives as long as the process.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "runtime.h"

struct veil_watch {
    struct timespec deadline;
    atomic_int *flag;
    veil_watch *next;
};

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cond;
static veil_watch *watches;
static bool thread_started;

static bool before(const struct timespec *a, const struct timespec *b) {
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void *watchdog_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&watch_lock);
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        const struct timespec *earliest = NULL;
        for (veil_watch *w = watches; w != NULL; w = w->next) {
            if (!before(&now, &w->deadline))
                atomic_store(w->flag, 1);
            else if (earliest == NULL || before(&w->deadline, earliest))
                earliest = &w->deadline;
        }
        if (earliest == NULL) {
            pthread_cond_wait(&watch_cond, &watch_lock);
        } else {
            struct timespec until = *earliest;
            pthread_cond_timedwait(&watch_cond, &watch_lock, &until);
        }
    }
    return NULL;
}

static veil_error *start_thread(void) {
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&watch_cond, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        return veil_error_errno(rc, "cannot create the watchdog condition variable");
    pthread_t thread;
    rc = pthread_create(&thread, NULL, watchdog_main, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&watch_cond);
        return veil_error_errno(rc, "cannot start the watchdog thread");
    }
    pthread_detach(thread);
    thread_started = true;
    return NULL;
}

veil_error *veil_watchdog_arm(atomic_int *flag, uint64_t timeout_ms, veil_watch **out) {
    *out = NULL;
    veil_watch *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return veil_error_new(VEIL_ENOMEM, "out of memory arming the watchdog");
    clock_gettime(CLOCK_MONOTONIC, &w->deadline);
    uint64_t secs = timeout_ms / 1000;
    if (secs > (uint64_t)INT32_MAX)
        secs = INT32_MAX;
    w->deadline.tv_sec += (time_t)secs;
    w->deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (w->deadline.tv_nsec >= 1000000000L) {
        w->deadline.tv_sec++;
        w->deadline.tv_nsec -= 1000000000L;
    }
    w->flag = flag;
    pthread_mutex_lock(&watch_lock);
    veil_error *err = thread_started ? NULL : start_thread();
    if (err == NULL) {
        w->next = watches;
        watches = w;
        pthread_cond_signal(&watch_cond);
    }
    pthread_mutex_unlock(&watch_lock);
    if (err != NULL) {
        free(w);
        return err;
    }
    *out = w;
    return NULL;
}

void veil_watchdog_disarm(veil_watch *watch) {
    if (watch == NULL)
        return;
    pthread_mutex_lock(&watch_lock);
    for (veil_watch **p = &watches; *p != NULL; p = &(*p)->next) {
        if (*p == watch) {
            *p = watch->next;
            break;
        }
    }
    pthread_mutex_unlock(&watch_lock);
    free(watch);
}
