/*
 * What the management interface hears about clients (mgmt-interfaces.md
 * A6): >CLIENT:CONNECT / REAUTH / ADDRESS / ESTABLISHED / DISCONNECT /
 * CR_RESPONSE with OpenVPN's environment, in OpenVPN's order (its env list
 * prints the most recently set variable first), and >BYTECOUNT_CLI.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "admin.h"
#include "log.h"
#include "mgmt.h"
#include "server.h"

#define ENV_MAX 200

struct env {
	char buf[32768];
	size_t used;
	const char *line[ENV_MAX];
	size_t n;
};

static void env_add(struct env *e, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
env_add(struct env *e, const char *name, const char *fmt, ...)
{
	size_t room = sizeof(e->buf) - e->used;
	if (e->n == ENV_MAX || room < 2)
		return;
	int k = snprintf(e->buf + e->used, room, "%s=", name);
	va_list ap;
	va_start(ap, fmt);
	int v = k < 0 || (size_t)k >= room ? -1 : vsnprintf(e->buf + e->used + k, room - (size_t)k,
		fmt, ap);
	va_end(ap);
	if (v < 0 || (size_t)(k + v) >= room)
		return;
	e->line[e->n++] = e->buf + e->used;
	e->used += (size_t)(k + v) + 1;
}

static void
env_tls_cb(void *arg, const char *name, const char *value)
{
	env_add(arg, name, "%s", value);
}

static const char *
ip4(uint32_t be, char *buf)
{
	inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
	return buf;
}

static unsigned
n_authenticated(const struct cp_server *s)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < s->cfg.max_clients; i++) {
		const struct cp_client *c = s->by_slot[i];
		n += c && c->authenticated && !c->closing;
	}
	return n;
}

/*
 * What every key negotiation sets (A6.3, CONNECT order): OpenVPN's TLS
 * verification (tls_*, X509_*), the peer-info (IV_*), then the user/pass
 * step re-sets username, common_name and untrusted_* last.
 */
static void
env_handshake(const struct cp_client *c, struct env *e, bool with_cn)
{
	char a[INET_ADDRSTRLEN];
	env_add(e, "untrusted_port", "%u", c->port);
	env_add(e, "untrusted_ip", "%s", ip4(c->addr, a));
	if (with_cn)
		env_add(e, "common_name", "%s", c->common_name);
	if (c->username[0])
		env_add(e, "username", "%s", c->username);
	for (unsigned i = c->pi ? c->pi->n_pairs : 0; i-- > 0;)	/* reverse of the client's order */
		env_add(e, peerinfo_key(c->pi, i), "%s", peerinfo_value(c->pi, i));
	const struct cp_keystate *ks = c->primary >= 0 ? c->ks[c->primary] : NULL;
	if (ks && ks->tls)
		cp_tls_peer_env(ks->tls, env_tls_cb, e);
}

/* What the instance inherits from the daemon: the oldest entries, always last. */
static void
env_daemon(const struct cp_server *s, struct env *e)
{
	char a[INET_ADDRSTRLEN];
	env_add(e, "remote_port_1", "%u", s->cfg.port);
	env_add(e, "local_port_1", "%u", s->cfg.port);
	env_add(e, "proto_1", "udp");
	env_add(e, "daemon_pid", "%ld", (long)getpid());
	env_add(e, "daemon_start_time", "%lld", (long long)s->start_time);
	env_add(e, "daemon_log_redirect", "%d", s->cfg.log_file != NULL);
	env_add(e, "daemon", "%d", s->cfg.daemon);
	env_add(e, "verb", "%u", s->cfg.verb);
	if (s->config_path)
		env_add(e, "config", "%s", s->config_path);
	env_add(e, "ifconfig_local", "%s", ip4(htonl(s->cfg.derived.server_ip), a));
	if (s->cfg.topology == CP_TOPO_SUBNET)
		env_add(e, "ifconfig_netmask", "%s", ip4(htonl(s->cfg.derived.netmask), a));
	else
		env_add(e, "ifconfig_remote", "%s", ip4(htonl(s->cfg.derived.net30_peer), a));
	env_add(e, "script_context", "init");
	env_add(e, "tun_mtu", "%u", s->cfg.tun_mtu);
	env_add(e, "dev", "%s", s->cfg.dev[0] ? s->cfg.dev : "tun0");
	env_add(e, "dev_type", "tun");
	env_add(e, "redirect_gateway", "0");
}

static void
env_trusted(const struct cp_client *c, struct env *e)
{
	char a[INET_ADDRSTRLEN];
	env_add(e, "trusted_port", "%u", c->port);
	env_add(e, "trusted_ip", "%s", ip4(c->addr, a));
}

/* What client-connect sets (ESTABLISHED and later): time, tunnel address, trusted address, CN. */
static void
env_connected(const struct cp_server *s, const struct cp_client *c, struct env *e,
	bool trusted, bool with_cn)
{
	char a[INET_ADDRSTRLEN], t[32];
	time_t since = c->created_wall;
	struct tm tm;
	localtime_r(&since, &tm);
	strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S", &tm);
	env_add(e, "time_unix", "%lld", (long long)since);
	env_add(e, "time_ascii", "%s", t);
	uint32_t vaddr = cp_client_vaddr(c);
	if (vaddr && s->cfg.topology == CP_TOPO_SUBNET)
		env_add(e, "ifconfig_pool_netmask", "%s", ip4(htonl(s->cfg.derived.netmask), a));
	else if (vaddr)
		env_add(e, "ifconfig_pool_local_ip", "%s", ip4(htonl(vaddr - 1), a));
	if (vaddr)
		env_add(e, "ifconfig_pool_remote_ip", "%s", ip4(htonl(vaddr), a));
	if (trusted)
		env_trusted(c, e);
	if (with_cn)
		env_add(e, "common_name", "%s", c->common_name);
}

/*
 * The instance's environment as OpenVPN's LIFO list holds it now (A6.3),
 * without the one-shot entries (n_clients, password, disconnect stats).
 * client-connect re-sets common_name, so it leaves the handshake group; a
 * renegotiation after it (REAUTH) moves the handshake group, common_name
 * included, back in front of the connected one.
 */
static void
env_instance(const struct cp_server *s, const struct cp_client *c, struct env *e, bool trusted)
{
	if (!c->mgmt_established) {
		env_handshake(c, e, true);
	} else if (c->mgmt_rekeyed) {
		env_handshake(c, e, true);
		env_connected(s, c, e, trusted, false);
	} else {
		env_connected(s, c, e, trusted, true);
		env_handshake(c, e, false);
	}
	env_daemon(s, e);
}

static void
notify(struct cp_server *s, const struct cp_client *c, const char *header, struct env *e,
	bool peer_info)
{
	/* the raw peer-info lines, for connections with an env-filter */
	const char *pi[64];
	char pibuf[64][320];
	size_t n_pi = 0;
	for (unsigned i = 0; peer_info && c->pi && i < c->pi->n_pairs && n_pi < 64; i++) {
		snprintf(pibuf[n_pi], sizeof(pibuf[n_pi]), "%s=%s", peerinfo_key(c->pi, i),
			peerinfo_value(c->pi, i));
		pi[n_pi] = pibuf[n_pi];
		n_pi++;
	}
	mgmt_notify_client(s->mgmt, header, e->line, e->n, pi, n_pi);
}

/* management-client-auth: a key waits for client-auth / client-deny. */
void
cp_mgmt_client_connect(struct cp_server *s, struct cp_client *c, const char *password)
{
	int kid = c->reauth_key >= 0 ? c->reauth_key : c->primary;
	const struct cp_keystate *ks = kid >= 0 ? c->ks[kid] : NULL;
	static struct env e;
	char header[64];
	if (!s->mgmt || !ks)
		return;
	c->mgmt_kid = ks->mda_kid;
	c->mgmt_deadline_ms = ks->hand_deadline_ms;
	cp_client_schedule(s, c);
	e.used = e.n = 0;
	env_add(&e, "n_clients", "%u", n_authenticated(s));
	if (password)
		env_add(&e, "password", "%s", password);
	if (s->cfg.auth_gen_token)
		env_add(&e, "session_state", "%s", c->token.bound ? "Authenticated" : "Initial");
	env_instance(s, c, &e, true);
	snprintf(header, sizeof(header), "%s,%lu,%u", c->mgmt_established ? "REAUTH" : "CONNECT",
		c->cid, c->mgmt_kid);
	notify(s, c, header, &e, true);
	explicit_bzero(e.buf, e.used);	/* the password */
	c->mgmt_announced = true;
}

void
cp_mgmt_client_address(struct cp_server *s, struct cp_client *c)
{
	char a[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN];
	if (!s->mgmt || !c->mgmt_announced)
		return;
	if (c->vaddr)
		mgmt_notify(s->mgmt, ">CLIENT:ADDRESS,%lu,%s,1", c->cid, ip4(htonl(c->vaddr), a));
	for (unsigned i = 0; c->ccd && i < c->ccd->n_iroute; i++)
		mgmt_notify(s->mgmt, ">CLIENT:ADDRESS,%lu,%s/%s,0", c->cid,
			ip4(htonl(c->ccd->iroute[i].net), a), ip4(htonl(c->ccd->iroute[i].mask), m));
}

/* Sent whenever a management interface exists, client-auth or not (A6.1). */
void
cp_mgmt_client_established(struct cp_server *s, struct cp_client *c)
{
	static struct env e;
	char header[32];
	if (!s->mgmt || c->mgmt_established)
		return;
	c->mgmt_established = true;
	e.used = e.n = 0;
	env_add(&e, "n_clients", "%u", n_authenticated(s));
	env_instance(s, c, &e, true);
	snprintf(header, sizeof(header), "ESTABLISHED,%lu", c->cid);
	notify(s, c, header, &e, false);
}

/* Only for clients the interface was asked about (CONNECT sent), once. */
void
cp_mgmt_client_disconnect(struct cp_server *s, struct cp_client *c)
{
	static struct env e;
	char header[32];
	if (!s->mgmt || !c->mgmt_announced)
		return;
	c->mgmt_announced = false;
	e.used = e.n = 0;
	env_add(&e, "time_duration", "%llu",
		(unsigned long long)((ev_now_ms(s->loop) - c->created_ms) / 1000));
	env_add(&e, "bytes_sent", "%llu", (unsigned long long)c->tx_bytes);
	env_add(&e, "bytes_received", "%llu", (unsigned long long)c->rx_bytes);
	/* OpenVPN's client-disconnect re-sets trusted_* before the stats (multi.c) */
	if (c->mgmt_established)
		env_trusted(c, &e);
	env_instance(s, c, &e, false);
	snprintf(header, sizeof(header), "DISCONNECT,%lu", c->cid);
	notify(s, c, header, &e, false);
}

/* The client answered a CR_TEXT challenge (its `cr-response`). */
void
cp_mgmt_cr_response(struct cp_server *s, struct cp_client *c, const char *response, size_t len)
{
	static struct env e;
	char header[1100];
	if (!s->mgmt)
		return;
	e.used = e.n = 0;
	env_add(&e, "n_clients", "%u", n_authenticated(s));
	env_instance(s, c, &e, true);
	snprintf(header, sizeof(header), "CR_RESPONSE,%lu,%u,%.*s", c->cid, c->mgmt_kid,
		(int)(len > 1024 ? 1024 : len), response);
	notify(s, c, header, &e, true);
}

/* ---- bytecount: fresh counters, then a report to every connection due ---- */

static void on_bytecount_timer(void *arg);
static bool bytecount_waiting;	/* a report waits for the dataplanes */

/* Runs once the dataplanes answered, so counters that moved since the last
 * report carry a later time than that report (same-millisecond replies too). */
static void
report_bytecount(struct cp_server *s, void *arg, int extra)
{
	static struct mgmt_bytecount *list;
	static uint32_t cap;
	(void)arg, (void)extra;
	bytecount_waiting = false;
	if (!s->mgmt || !mgmt_bytecount_interval(s->mgmt))
		return;	/* off until the next `bytecount n` */
	if (!list) {
		cap = s->cfg.max_clients;
		list = calloc(cap, sizeof(*list));
	}
	size_t n = 0;
	for (uint32_t i = 0; list && i < s->cfg.max_clients; i++) {
		const struct cp_client *c = s->by_slot[i];
		if (c && c->mgmt_established && !c->closing)
			list[n++] = (struct mgmt_bytecount){ c->cid, c->rx_bytes, c->tx_bytes,
				c->bytes_changed_ms };
	}
	mgmt_bytecount_report(s->mgmt, ev_now_ms(s->loop), list, n);
	ev_timer_set(s->loop, &s->bytecount_timer, ev_now_ms(s->loop) + 1000, on_bytecount_timer, s);
}

static void
on_bytecount_timer(void *arg)
{
	struct cp_server *s = arg;
	if (s->mgmt && mgmt_bytecount_interval(s->mgmt) && !bytecount_waiting) {
		bytecount_waiting = true;
		cp_stats_wait(s, report_bytecount, NULL, 0);
	}
}

/* After `bytecount n`: ticks every second while any connection wants reports. */
void
cp_mgmt_bytecount_start(struct cp_server *s)
{
	if (!ev_timer_armed(&s->bytecount_timer) && !bytecount_waiting)
		ev_timer_set(s->loop, &s->bytecount_timer, ev_now_ms(s->loop) + 1000,
			on_bytecount_timer, s);
}
