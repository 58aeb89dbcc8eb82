#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The only mutable global of core/: written once at start-up, read by all. */
static enum log_level log_threshold = LOG_INFO;

static const char *const log_names[LOG_LEVEL_COUNT] = {"debug", "info", "warn", "error"};

void
log_set_level(enum log_level level)
{
    log_threshold = level;
}

int
log_level_parse(const char *s, enum log_level *out)
{
    for (int i = 0; i < LOG_LEVEL_COUNT; i++)
        if (strcmp(s, log_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    return -1;
}

void
log_msg(enum log_level level, const char *subsystem, const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    size_t n;
    va_list ap;
    int m;

    if (level < log_threshold)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    m = snprintf(line + n, sizeof(line) - n, ".%03ldZ %s %s: ", ts.tv_nsec / 1000000,
                 log_names[level], subsystem);
    n += m > 0 ? (size_t)m : 0;
    va_start(ap, fmt);
    m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    n = m < 0 ? n : (n + (size_t)m < sizeof(line) - 1 ? n + (size_t)m : sizeof(line) - 2);
    line[n++] = '\n';
    /* One write per line keeps lines whole when threads log at once. */
    if (write(STDERR_FILENO, line, n) < 0)
        return;
}
