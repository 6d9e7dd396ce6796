/*
 * Logging with OpenBSD semantics: log_warn adds strerror(errno), log_warnx
 * does not; fatal/fatalx exit. Lines go to stderr tagged with the process
 * name set by log_init. Not for the packet path (workers count, not log).
 */
#ifndef DPVPN_LOG_H
#define DPVPN_LOG_H

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *procname, enum log_level level);
void log_set_level(enum log_level level);
/*
 * mute N: at most N consecutive lines of the same message (same format),
 * then one line saying how many were suppressed. 0 = off.
 */
void log_set_mute(unsigned n);
unsigned log_get_mute(void);
/* Every line that is logged is also handed to hook (the management interface). */
typedef void (*log_hook_fn)(void *arg, enum log_level lvl, const char *line);
void log_set_hook(log_hook_fn hook, void *arg);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
