/*
 * The only way libveil talks to a person: leveled log lines handed to one
 * sink (stderr by default).  Programs choose the level (VEIL_LOG=debug or a
 * --verbose flag); the library never prints otherwise.
 */
#ifndef VEIL_LOG_H
#define VEIL_LOG_H

#include <stdbool.h>

#include "veil/error.h"

typedef enum veil_log_level {
    VEIL_LOG_ERROR = 0,
    VEIL_LOG_WARN = 1,
    VEIL_LOG_INFO = 2,
    VEIL_LOG_DEBUG = 3,
    VEIL_LOG_TRACE = 4,
} veil_log_level;

typedef void (*veil_log_sink)(veil_log_level level, const char *component, const char *message,
                              void *user_data);

void veil_log_set_level(veil_log_level level);
veil_log_level veil_log_get_level(void);
bool veil_log_enabled(veil_log_level level);
/* Parses "error", "warn", "info", "debug" or "trace". */
VEIL_NODISCARD veil_error *veil_log_level_parse(const char *name, veil_log_level *out);
/* Sets the level from the VEIL_LOG environment variable, if set and valid. */
void veil_log_init_from_env(void);
/* NULL restores the default stderr sink. */
void veil_log_set_sink(veil_log_sink sink, void *user_data);
const char *veil_log_level_name(veil_log_level level);

void veil_log(veil_log_level level, const char *component, const char *fmt, ...) VEIL_PRINTF(3, 4);

#define VEIL_ERROR(component, ...) veil_log(VEIL_LOG_ERROR, component, __VA_ARGS__)
#define VEIL_WARN(component, ...) veil_log(VEIL_LOG_WARN, component, __VA_ARGS__)
#define VEIL_INFO(component, ...) veil_log(VEIL_LOG_INFO, component, __VA_ARGS__)
#define VEIL_DEBUG(component, ...)                                                                 \
    do {                                                                                           \
        if (veil_log_enabled(VEIL_LOG_DEBUG))                                                      \
            veil_log(VEIL_LOG_DEBUG, component, __VA_ARGS__);                                      \
    } while (0)

#endif
