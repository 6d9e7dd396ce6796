#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *log_proc = "dpvpn";
static enum log_level log_max = LOG_LVL_INFO;

void
log_init(const char *procname, enum log_level level)
{
	log_proc = procname;
	log_max = level;
}

static void
vlog(enum log_level lvl, const char *tag, int errnum, const char *fmt, va_list ap)
{
	char msg[1024];
	struct timespec ts;

	if (lvl > log_max)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	if (errnum)
		fprintf(stderr, "%lld.%03ld %s: %s%s: %s\n", (long long)ts.tv_sec,
			ts.tv_nsec / 1000000, log_proc, tag, msg, strerror(errnum));
	else
		fprintf(stderr, "%lld.%03ld %s: %s%s\n", (long long)ts.tv_sec,
			ts.tv_nsec / 1000000, log_proc, tag, msg);
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
