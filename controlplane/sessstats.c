/*
 * Session statistics for `dpvpnctl show status` (sessstats.h). The kinds
 * come from the reason texts dpvpnd already logs, so the reason `show
 * events` gives for a disconnection and the counter it lands in agree.
 */
#include "sessstats.h"

#include <stddef.h>
#include <string.h>

/* First match wins: the order settles texts with several words in them. */
static const struct {
	const char *word;
	enum cp_close_kind kind;
} reason_words[] = {
	{ "exit", CP_CLOSE_USER },		/* "explicit-exit-notify", "exit" */
	{ "EXIT", CP_CLOSE_USER },
	{ "ping-restart", CP_CLOSE_IDLE },
	{ "hand-window", CP_CLOSE_TIMEOUT },
	{ "authentication failed", CP_CLOSE_AUTH },
	{ "killed", CP_CLOSE_SERVER },		/* management / dpvpnctl kill, disconnect */
	{ "restarted", CP_CLOSE_SERVER },	/* SIGUSR1, the dataplane, a new hard reset */
	{ "disconnect", CP_CLOSE_SERVER },
	{ "common name", CP_CLOSE_SERVER },	/* replaced (no duplicate-cn) */
	{ "fail", CP_CLOSE_ERROR },
	{ "cannot", CP_CLOSE_ERROR },
	{ "bad ", CP_CLOSE_ERROR },
	{ "too long", CP_CLOSE_ERROR },
	{ "out of memory", CP_CLOSE_ERROR },
};

enum cp_close_kind
cp_close_kind(const char *why)
{
	for (size_t i = 0; why && i < sizeof(reason_words) / sizeof(reason_words[0]); i++)
		if (strstr(why, reason_words[i].word))
			return reason_words[i].kind;
	return CP_CLOSE_OTHER;
}

const char *
cp_close_kind_occtl(enum cp_close_kind k)
{
	switch (k) {
	case CP_CLOSE_USER:
		return "user disconnected";
	case CP_CLOSE_SERVER:
		return "server disconnected";
	case CP_CLOSE_TIMEOUT:
		return "session timeout";
	case CP_CLOSE_IDLE:
		return "DPD timeout";	/* OpenVPN's ping-restart is a dead-peer check */
	case CP_CLOSE_AUTH:
	case CP_CLOSE_ERROR:
		return "unspecified error";
	case CP_CLOSE_OTHER:
		break;
	}
	return "unspecified";
}

/* Counters saturate instead of wrapping (a wrapped average would lie). */
static void
add(uint64_t *to, uint64_t v)
{
	if (__builtin_add_overflow(*to, v, to))
		*to = UINT64_MAX;
}

/* total / n, rounded to the nearest (halves up), without overflowing. */
static uint64_t
div_round(uint64_t total, uint64_t n)
{
	uint64_t r = total % n;
	return total / n + (r >= n - r);
}

/* The average of n values totalling total, in whole units of unit. */
static uint64_t
avg(uint64_t total, uint64_t n, uint64_t unit)
{
	return n ? div_round(div_round(total, n), unit) : 0;
}

void
cp_sess_stats_auth(struct cp_sess_stats *st, uint64_t ms)
{
	add(&st->auths, 1);
	add(&st->auth_ms_total, ms);
	if (ms > st->auth_ms_max)
		st->auth_ms_max = ms;
}

void
cp_sess_stats_closed(struct cp_sess_stats *st, enum cp_close_kind k, bool established,
	uint64_t lasted_s)
{
	if (k == CP_CLOSE_TIMEOUT)
		add(&st->timed_out, 1);
	else if (k == CP_CLOSE_IDLE)
		add(&st->idle_timed_out, 1);
	else if (k == CP_CLOSE_ERROR)
		add(&st->errors, 1);
	if (!established)
		return;
	add(&st->sessions, 1);
	add(&st->session_s_total, lasted_s);
	if (lasted_s > st->session_s_max)
		st->session_s_max = lasted_s;
}

uint64_t
cp_sess_stats_avg_auth_s(const struct cp_sess_stats *st)
{
	return avg(st->auth_ms_total, st->auths, 1000);
}

uint64_t
cp_sess_stats_max_auth_s(const struct cp_sess_stats *st)
{
	return avg(st->auth_ms_max, 1, 1000);
}

uint64_t
cp_sess_stats_avg_session_s(const struct cp_sess_stats *st)
{
	return avg(st->session_s_total, st->sessions, 1);
}
