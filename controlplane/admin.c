/*
 * dpvpnd's administrative actions, shared by every admin interface: the
 * status report, kills, pending authentication, signals and reload.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "ipc.h"
#include "log.h"
#include "mgmt.h"
#include "server.h"

/*
 * Tools parse the second word as OpenVPN's version (openvpn-monitor,
 * openvpn-api): we speak 2.6.14's protocol, so that is what they read.
 */
const char *
cp_admin_title(void)
{
	return "OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [EPOLL] [MH/PKTINFO] [AEAD] "
		"[dpvpn " DPVPN_VERSION ", DPDK data channel]";
}

unsigned
cp_admin_request_stats(struct cp_server *s, uint32_t cookie)
{
	struct ipc_msg m = { .type = IPC_STATS_REQ };
	unsigned n = 0;
	m.u.stats_req.cookie = cookie;
	for (unsigned dp = 0; dp < dplink_count(s->dl); dp++) {
		if (!s->dp_synced[dp])
			continue;
		dplink_send(s->dl, dp, &m);
		n++;
	}
	return n;
}

void
cp_admin_status_report(struct cp_server *s, FILE *out, int version, const char *eol)
{
	struct cp_client_record *recs = calloc(s->n_clients ? s->n_clients : 1, sizeof(*recs));
	size_t n = 0;
	for (uint32_t i = 0; recs && i < s->cfg.max_clients && n < s->n_clients; i++) {
		const struct cp_client *c = s->by_slot[i];
		if (c && c->authenticated && !c->closing)
			cp_client_record_fill(s, c, &recs[n++]);
	}
	cp_status_render(out, recs, n, version, time(NULL), cp_admin_title(), eol);
	free(recs);
}

void
cp_admin_load_stats(struct cp_server *s, struct cp_admin_load *l)
{
	memset(l, 0, sizeof(*l));
	l->bytes_in = s->link_bytes_in;
	l->bytes_out = s->link_bytes_out;
	for (uint32_t i = 0; i < s->cfg.max_clients; i++) {
		const struct cp_client *c = s->by_slot[i];
		if (!c)
			continue;
		l->n_clients += c->authenticated && !c->closing;
		l->bytes_in += c->rx_bytes;
		l->bytes_out += c->tx_bytes;
	}
}

struct cp_client *
cp_client_by_cid(struct cp_server *s, unsigned long cid)
{
	for (uint32_t i = 0; i < s->cfg.max_clients; i++) {
		struct cp_client *c = s->by_slot[i];
		if (c && c->cid == cid && !c->closing)
			return c;
	}
	return NULL;
}

/* `kill`: like OpenVPN, no message to the client (it notices by ping-restart). */
int
cp_admin_kill_cn(struct cp_server *s, const char *cn)
{
	int n = 0;
	for (uint32_t i = 0; i < s->cfg.max_clients; i++) {
		struct cp_client *c = s->by_slot[i];
		if (c && !c->closing && !strcmp(c->common_name, cn)) {
			cp_client_close(s, c, "killed by the management interface");
			n++;
		}
	}
	return n;
}

int
cp_admin_kill_addr(struct cp_server *s, uint32_t addr, uint16_t port)
{
	struct cp_client *c = cp_client_find(s, addr, port);
	if (!c || c->closing)
		return 0;
	cp_client_close(s, c, "killed by the management interface");
	return 1;
}

bool
cp_admin_client_kill(struct cp_server *s, unsigned long cid, const char *msg)
{
	struct cp_client *c = cp_client_by_cid(s, cid);
	if (!c)
		return false;
	if (c->primary >= 0) {
		cp_ctl_send_text(s, c, msg ? msg : "RESTART");
		cp_ctl_flush(s, c);
	}
	cp_client_close(s, c, "killed by the management interface (client-kill)");
	/* a second for the message to get through (retransmits run from the timer) */
	if (c->exit_at_ms < ev_now_ms(s->loop) + 1000)
		c->exit_at_ms = ev_now_ms(s->loop) + 1000;
	cp_client_schedule(s, c);
	return true;
}

/*
 * 2.6: the timeout is capped at max(reneg-sec / 2, hand-window); the client
 * shows AUTH_PENDING and the INFO_PRE text (WEB_AUTH / CR_TEXT).
 */
bool
cp_admin_pending_auth(struct cp_server *s, unsigned long cid, unsigned kid, const char *extra,
	unsigned timeout)
{
	struct cp_client *c = cp_client_by_cid(s, cid);
	char pending[64], info[PUSH_BUNDLE_SIZE + 16];
	if (!c || !(c->auth_wait & CP_WAIT_MGMT) || c->mgmt_kid != kid)
		return false;
	unsigned cap = s->cfg.reneg_sec / 2 > s->cfg.hand_window ? s->cfg.reneg_sec / 2
		: s->cfg.hand_window;
	if (timeout > cap)
		timeout = cap;
	if (ctlmsg_info_pre(info, sizeof(info), extra) < 0
		|| ctlmsg_auth_pending(pending, sizeof(pending), c->pi ? c->pi->proto : 0, timeout) < 0)
		return false;
	cp_ctl_send_text(s, c, pending);
	cp_ctl_send_text(s, c, info);
	cp_ctl_flush(s, c);
	c->mgmt_deadline_ms = ev_now_ms(s->loop) + timeout * 1000ull;
	cp_client_schedule(s, c);
	return true;
}

/* SIGUSR1: every client is told RESTART and comes back with a fresh session. */
static void
restart_sessions(struct cp_server *s)
{
	char msg[CTLMSG_MAX];
	if (ctlmsg_restart(msg, sizeof(msg), false, 0, NULL) < 0)
		return;
	for (uint32_t i = 0; i < s->cfg.max_clients; i++) {
		struct cp_client *c = s->by_slot[i];
		if (!c || c->closing)
			continue;
		if (c->authenticated && c->primary >= 0) {
			cp_ctl_send_text(s, c, msg);
			cp_ctl_flush(s, c);
		}
		cp_client_close(s, c, "restarted (SIGUSR1)");
	}
}

static void
status_to_log(struct cp_server *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	cp_admin_status_report(s, f, 1, "\n");
	fclose(f);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		log_info("%s", line);
	free(text);
}

/* >STATE: the tunnel address shows once CONNECTED (A7). */
static void
state(struct cp_server *s, const char *name, const char *desc)
{
	char ip[INET_ADDRSTRLEN] = "";
	uint32_t be = htonl(s->cfg.derived.server_ip);
	if (!strcmp(name, "CONNECTED"))
		inet_ntop(AF_INET, &be, ip, sizeof(ip));
	if (s->mgmt)
		mgmt_state(s->mgmt, time(NULL), name, desc, ip);
}

/* After a restart (SIGHUP, SIGUSR1): held again if `hold on` says so. */
static void
restarted(struct cp_server *s)
{
	if (s->mgmt && mgmt_hold_flag(s->mgmt)) {
		mgmt_hold_begin(s->mgmt);
		log_info("management hold: no new clients until `hold release`");
		return;
	}
	state(s, "CONNECTED", "SUCCESS");
}

int
cp_admin_signal(struct cp_server *s, int signo)
{
	bool held = s->mgmt && mgmt_is_held(s->mgmt);
	switch (signo) {
	case SIGHUP:
	case SIGUSR1:
		if (held) {
			log_info("signal %s ignored: waiting for `hold release`",
				signo == SIGHUP ? "SIGHUP" : "SIGUSR1");
			return -1;
		}
		log_info("%s received: %s", signo == SIGHUP ? "SIGHUP" : "SIGUSR1",
			signo == SIGHUP ? "reloading the configuration" : "restarting every session");
		state(s, "RECONNECTING", signo == SIGHUP ? "SIGHUP" : "SIGUSR1");
		if (signo == SIGHUP)
			cp_admin_reload(s);
		else
			restart_sessions(s);
		restarted(s);
		break;
	case SIGUSR2:
		status_to_log(s);
		break;
	default:
		log_info("%s received: exiting", signo == SIGINT ? "SIGINT" : "SIGTERM");
		state(s, "EXITING", signo == SIGINT ? "SIGINT" : "SIGTERM");
		ev_stop(s->loop);
		break;
	}
	return 0;
}

int
cp_admin_verb(struct cp_server *s, int set)
{
	if (set < 0)
		return (int)s->cfg.verb;
	if (set > 15)
		return -1;
	s->cfg.verb = (uint32_t)set;
	log_set_level(set >= 5 ? LOG_LVL_DEBUG : set == 0 ? LOG_LVL_ERR : LOG_LVL_INFO);
	return set;
}

int
cp_admin_mute(struct cp_server *s, int set)
{
	if (set < 0)
		return (int)log_get_mute();
	s->cfg.mute = (uint32_t)set;
	log_set_mute((unsigned)set);
	return set;
}

void
cp_admin_started(struct cp_server *s)
{
	if (!s->mgmt)
		return;
	state(s, "CONNECTING", NULL);
	restarted(s);
}

void
cp_admin_hold_release(struct cp_server *s)
{
	log_info("management: hold released");
	state(s, "CONNECTED", "SUCCESS");
}
