#include "veil/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static veil_log_level current_level = VEIL_LOG_WARN;
static veil_log_sink current_sink = NULL;
static void *current_sink_data = NULL;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

void veil_log_set_level(veil_log_level level) {
    current_level = level;
}

veil_log_level veil_log_get_level(void) {
    return current_level;
}

bool veil_log_enabled(veil_log_level level) {
    return level <= current_level;
}

const char *veil_log_level_name(veil_log_level level) {
    if ((unsigned)level < sizeof(level_names) / sizeof(level_names[0]))
        return level_names[level];
    return "unknown";
}

veil_error *veil_log_level_parse(const char *name, veil_log_level *out) {
    for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            *out = (veil_log_level)i;
            return NULL;
        }
    }
    return veil_error_new(
        VEIL_EINVAL, "unknown log level '%s' (expected error, warn, info, debug or trace)", name);
}

void veil_log_init_from_env(void) {
    const char *name = getenv("VEIL_LOG");
    if (name == NULL || *name == '\0')
        return;
    veil_log_level level = VEIL_LOG_WARN;
    veil_error *err = veil_log_level_parse(name, &level);
    if (err != NULL) {
        veil_log(VEIL_LOG_WARN, "log", "VEIL_LOG: %s", veil_error_message(err));
        veil_error_free(err);
        return;
    }
    current_level = level;
}

void veil_log_set_sink(veil_log_sink sink, void *user_data) {
    current_sink = sink;
    current_sink_data = user_data;
}

void veil_log(veil_log_level level, const char *component, const char *fmt, ...) {
    if (!veil_log_enabled(level))
        return;
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    if (current_sink != NULL) {
        current_sink(level, component, message, current_sink_data);
        return;
    }
    fprintf(stderr, "veil[%s] %s: %s\n", component, veil_log_level_name(level), message);
}
