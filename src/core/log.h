/*
 * One line per event on stderr: time, level, subsystem and the message,
 * e.g. "2026-11-26T12:00:00.123Z info bgp: peer f5 (192.0.2.1): established".
 * Callers put the context (peer, listener, file) in the message, once.
 *
 * The level threshold is the process-wide singleton of this file (set once
 * at start-up); writing is thread-safe (one write(2) per line).
 */
#ifndef METALGATE_CORE_LOG_H
#define METALGATE_CORE_LOG_H

enum log_level {
    LOG_DEBUG = 0,
    LOG_INFO,
    LOG_WARN,
    LOG_ERROR,
    LOG_LEVEL_COUNT
};

void log_set_level(enum log_level level);
/* Parses "debug", "info", "warn", "error"; returns 0 or -1. */
int log_level_parse(const char *s, enum log_level *out);

void log_msg(enum log_level level, const char *subsystem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(sub, ...) log_msg(LOG_DEBUG, (sub), __VA_ARGS__)
#define log_info(sub, ...) log_msg(LOG_INFO, (sub), __VA_ARGS__)
#define log_warn(sub, ...) log_msg(LOG_WARN, (sub), __VA_ARGS__)
#define log_error(sub, ...) log_msg(LOG_ERROR, (sub), __VA_ARGS__)

#endif
