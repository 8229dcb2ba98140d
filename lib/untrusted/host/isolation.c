/* The table of isolation backends and what all backends share: the report,
 * waiting for the runtime process and describing how it ended. */
#include "isolation.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "veil/log.h"

static const veil_isolation_backend *const backends[] = {
    &veil_isolation_local,
    &veil_isolation_nitro,
};

const veil_isolation_backend *veil_isolation_backend_find(const char *name) {
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
        if (strcmp(backends[i]->name, name) == 0)
            return backends[i];
    return NULL;
}

const veil_isolation_backend *veil_isolation_backend_at(size_t index) {
    return index < sizeof(backends) / sizeof(backends[0]) ? backends[index] : NULL;
}

void veil_isolation_note(veil_isolation *iso, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    VEIL_INFO("host", "isolation: %s", line);
    char **grown = realloc(iso->report, (iso->report_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return;
    iso->report = grown;
    iso->report[iso->report_count] = strdup(line);
    if (iso->report[iso->report_count] != NULL)
        iso->report_count++;
}

int veil_isolation_channel(veil_isolation *iso) {
    return iso->channel;
}

const veil_attest_measurement *veil_isolation_measurement(const veil_isolation *iso) {
    return &iso->measurement;
}

veil_error *veil_isolation_evidence(veil_isolation *iso, const uint8_t *nonce, size_t nonce_len,
                                    const uint8_t *csr_der, size_t csr_len, const char **format,
                                    uint8_t **evidence, size_t *evidence_len) {
    return iso->ops->evidence(iso, nonce, nonce_len, csr_der, csr_len, format, evidence,
                              evidence_len);
}

size_t veil_isolation_report_count(const veil_isolation *iso) {
    return iso->report_count;
}

const char *veil_isolation_report_line(const veil_isolation *iso, size_t index) {
    return index < iso->report_count ? iso->report[index] : NULL;
}

static void record_status(veil_isolation *iso, int status) {
    iso->reaped = true;
    iso->exit.exited = WIFEXITED(status);
    iso->exit.status = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    iso->exit.signaled = WIFSIGNALED(status);
    iso->exit.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* The runtime has ended and is not reaped yet (so its process group id
 * cannot have been reused): whatever is left of its group goes too (the
 * AOT compile worker dies with the runtime by itself, a compiler it
 * started would not). */
static void kill_leftovers(veil_isolation *iso) {
    kill(-iso->pid, SIGKILL);
}

bool veil_isolation_poll(veil_isolation *iso, veil_isolation_exit *out) {
    if (!iso->reaped && iso->pid > 0) {
        siginfo_t info = {0};
        if (waitid(P_PID, (id_t)iso->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            info.si_pid == iso->pid) {
            kill_leftovers(iso);
            int status;
            pid_t r = waitpid(iso->pid, &status, WNOHANG);
            if (r == iso->pid)
                record_status(iso, status);
        }
    }
    if (iso->reaped && out != NULL)
        *out = iso->exit;
    return iso->reaped;
}

veil_error *veil_isolation_wait(veil_isolation *iso, uint64_t timeout_ms,
                                veil_isolation_exit *out) {
    if (iso->pid <= 0) {
        iso->reaped = true;
        if (out != NULL)
            *out = iso->exit;
        return NULL;
    }
    /* Poll in 10 ms steps up to the deadline: the runtime gets a bounded
     * grace period, then SIGKILL. */
    uint64_t waited = 0;
    while (!veil_isolation_poll(iso, NULL) && waited < timeout_ms) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        waited += 10;
    }
    if (!iso->reaped) {
        kill(iso->pid, SIGKILL);
        kill_leftovers(iso);
        int status;
        pid_t r;
        do {
            r = waitpid(iso->pid, &status, 0);
        } while (r < 0 && errno == EINTR);
        if (r != iso->pid)
            return veil_error_errno(errno, "waiting for the runtime (pid %d)", (int)iso->pid);
        record_status(iso, status);
        iso->exit.killed_by_host = true;
    }
    if (out != NULL)
        *out = iso->exit;
    return NULL;
}

void veil_isolation_exit_describe(const veil_isolation_exit *e, char *buf, size_t size) {
    if (e->exited)
        snprintf(buf, size, "exited with status %d", e->status);
    else if (e->signaled)
        snprintf(buf, size, "killed by signal %d (%s)%s", e->signal, strsignal(e->signal),
                 e->killed_by_host ? " after the grace period" : "");
    else
        snprintf(buf, size, "ended");
}

void veil_isolation_free(veil_isolation *iso) {
    if (iso == NULL)
        return;
    if (iso->pid > 0 && !iso->reaped) {
        veil_error *err = veil_isolation_wait(iso, 0, NULL);
        veil_error_free(err);
    }
    if (iso->channel >= 0)
        close(iso->channel);
    if (iso->ops != NULL && iso->ops->release != NULL)
        iso->ops->release(iso);
    for (size_t i = 0; i < iso->report_count; i++)
        free(iso->report[i]);
    free(iso->report);
    free(iso);
}
