/*
 * IP ban scoring in dpvpnd (ocserv's model, ban.c keeps the scores): events
 * from a source address add points, a ban goes to every dataplane (IPC
 * BAN_ADD), which then drops that address's packets before any crypto work.
 * Only events from addresses that proved themselves (the cookie exchange
 * is done) count by default: UDP sources before that can be forged, and a
 * forger must not be able to ban someone else (ban-points-bad-packet).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <time.h>

#include "ban.h"
#include "bans.h"
#include "ipc.h"
#include "log.h"
#include "server.h"

#define BAN_TICK_MS 1000

static uint64_t
mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static void
send_all(struct cp_server *s, struct ipc_msg *m)
{
	for (unsigned dp = 0; dp < dplink_count(s->dl); dp++)
		dplink_send(s->dl, dp, m);
}

static void
push_ban(struct cp_server *s, unsigned dp_only, uint32_t addr, uint32_t ttl_s)
{
	struct ipc_msg m = { .type = IPC_BAN_ADD };
	ipc_addr_from_v4(&m.u.ban_add.addr, addr);
	m.u.ban_add.ttl_s = ttl_s ? ttl_s : 1;
	if (dp_only == ~0u)
		send_all(s, &m);
	else
		dplink_send(s->dl, dp_only, &m);
}

static void
on_expired(void *arg, uint32_t addr)
{
	struct cp_server *s = arg;
	struct ipc_msg m = { .type = IPC_BAN_DEL };
	char a[INET_ADDRSTRLEN];
	ipc_addr_from_v4(&m.u.ban_del.addr, addr);
	send_all(s, &m);
	log_info("ban of %s ended", inet_ntop(AF_INET, &addr, a, sizeof(a)));
}

static void
on_tick(void *arg)
{
	struct cp_server *s = arg;
	ban_expire(s->bans, mono_s(), on_expired, s);
	ev_timer_set(s->loop, &s->ban_timer, ev_now_ms(s->loop) + BAN_TICK_MS, on_tick, s);
}

int
cp_bans_init(struct cp_server *s)
{
	if (!s->cfg.max_ban_score)
		return 0;
	struct ban_conf c = { .max_score = s->cfg.max_ban_score, .reset_s = s->cfg.ban_reset_time,
		.ban_s = s->cfg.ban_time };
	s->bans = ban_new(&c);
	if (!s->bans)
		return -1;
	on_tick(s);
	return 0;
}

void
cp_ban_event(struct cp_server *s, uint32_t addr, uint32_t points, const char *what)
{
	char a[INET_ADDRSTRLEN];
	if (!s->bans || !points || !ban_add_points(s->bans, addr, points, mono_s()))
		return;
	log_warnx("%s banned for %u s: score passed max-ban-score %u (last: %s)",
		inet_ntop(AF_INET, &addr, a, sizeof(a)), s->cfg.ban_time, s->cfg.max_ban_score, what);
	push_ban(s, ~0u, addr, s->cfg.ban_time);
}

bool
cp_ban_remove(struct cp_server *s, uint32_t addr)
{
	if (!s->bans || !ban_remove(s->bans, addr))
		return false;
	struct ipc_msg m = { .type = IPC_BAN_DEL };
	ipc_addr_from_v4(&m.u.ban_del.addr, addr);
	send_all(s, &m);
	return true;
}

/* A (re)started dataplane holds no bans: the current ones, with their time left. */
void
cp_bans_repush(struct cp_server *s, unsigned dp)
{
	struct ipc_msg flush = { .type = IPC_BAN_FLUSH };
	dplink_send(s->dl, dp, &flush);	/* also with bans off: none may linger */
	if (!s->bans)
		return;
	uint64_t now = mono_s();
	size_t n = ban_count_banned(s->bans, now);
	struct ban_entry *e = calloc(n ? n : 1, sizeof(*e));
	n = e ? ban_list(s->bans, now, true, e, n) : 0;
	for (size_t i = 0; i < n; i++)
		push_ban(s, dp, e[i].addr, (uint32_t)(e[i].expires - now));
	free(e);
}

/* For `show ip bans` / `show ip ban points`: expiry in wall-clock seconds. */
size_t
cp_bans_list(const struct cp_server *s, bool banned_only, struct ban_entry **out)
{
	*out = NULL;
	if (!s->bans)
		return 0;
	uint64_t now = mono_s();
	size_t n = ban_list(s->bans, now, banned_only, NULL, 0);
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return 0;
	n = ban_list(s->bans, now, banned_only, *out, n);
	time_t wall = time(NULL);
	for (size_t i = 0; i < n; i++)
		if ((*out)[i].expires)
			(*out)[i].expires = (uint64_t)wall + ((*out)[i].expires - now);
	return n;
}

size_t
cp_bans_count(const struct cp_server *s)
{
	return s->bans ? ban_count_banned(s->bans, mono_s()) : 0;
}
