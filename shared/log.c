#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *log_proc = "dpvpn";
static enum log_level log_max = LOG_LVL_INFO;
static unsigned log_mute;
static const char *mute_fmt;		/* the message repeating now */
static unsigned mute_count, mute_suppressed;
static log_hook_fn log_hook;
static void *log_hook_arg;

void
log_init(const char *procname, enum log_level level)
{
	log_proc = procname;
	log_max = level;
}

void
log_set_level(enum log_level level)
{
	log_max = level;
}

void
log_set_mute(unsigned n)
{
	log_mute = n;
	mute_fmt = NULL;
	mute_count = mute_suppressed = 0;
}

unsigned
log_get_mute(void)
{
	return log_mute;
}

void
log_set_hook(log_hook_fn hook, void *arg)
{
	log_hook = hook;
	log_hook_arg = arg;
}

static void
emit(enum log_level lvl, const char *line)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%lld.%03ld %s: %s\n", (long long)ts.tv_sec, ts.tv_nsec / 1000000, log_proc,
		line);
	if (log_hook)
		log_hook(log_hook_arg, lvl, line);
}

/* True when this message is muted (same format as the last N lines). */
static bool
muted(const char *fmt)
{
	if (!log_mute)
		return false;
	if (fmt == mute_fmt)
		return ++mute_count > log_mute && ++mute_suppressed;
	if (mute_suppressed) {
		char note[128];
		snprintf(note, sizeof(note), "%u variation(s) on previous %u message(s) suppressed "
			"by --mute", mute_suppressed, log_mute);
		emit(LOG_LVL_INFO, note);
	}
	mute_fmt = fmt;
	mute_count = 1;
	mute_suppressed = 0;
	return false;
}

static void
vlog(enum log_level lvl, const char *tag, int errnum, const char *fmt, va_list ap)
{
	char msg[1024], line[1200];

	if (lvl > log_max || muted(fmt))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum)
		snprintf(line, sizeof(line), "%s%s: %s", tag, msg, strerror(errnum));
	else
		snprintf(line, sizeof(line), "%s%s", tag, msg);
	emit(lvl, line);
}

#define LOG_FN(name, lvl, tag, use_errno) \
void name(const char *fmt, ...) \
{ \
	int e = errno; \
	va_list ap; \
	va_start(ap, fmt); \
	vlog(lvl, tag, use_errno ? e : 0, fmt, ap); \
	va_end(ap); \
}

LOG_FN(log_warn, LOG_LVL_WARN, "warning: ", 1)
LOG_FN(log_warnx, LOG_LVL_WARN, "warning: ", 0)
LOG_FN(log_info, LOG_LVL_INFO, "", 0)
LOG_FN(log_debug, LOG_LVL_DEBUG, "debug: ", 0)

void
fatal(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, "fatal: ", e, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, "fatal: ", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
