/*
 * The management interface's daemon side: the listening socket (TCP or
 * unix, per `management`), accepting and serving connections without ever
 * blocking the event loop, and the commands' effects on dpvpnd (struct
 * mgmt_ops). The protocol itself is mgmt/ (pure).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "ipc.h"
#include "log.h"
#include "mgmt.h"
#include "server.h"

struct cp_mgmt_sock;

/* One accepted connection: its socket and its protocol state. */
struct conn_slot {
	struct cp_mgmt_sock *ms;
	int fd;
	struct mgmt_conn *conn;		/* NULL: slot free */
	uint32_t events;
};

struct cp_mgmt_sock {
	struct cp_server *s;
	int listen_fd;
	struct conn_slot conn[MGMT_MAX_CONNS];
	uid_t client_uid;
	gid_t client_gid;
};

/* ---- status with fresh counters ---- */

static void
write_status(struct cp_server *s, struct mgmt_conn *c, int version)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f) {
		cp_admin_status_report(s, f, version, "\r\n");
		fclose(f);
	}
	if (text)
		mgmt_conn_write(c, text, len);
	free(text);
}

static bool in_op_status, answered_now;

static void
status_ready(struct cp_server *s, void *arg, int version)
{
	write_status(s, arg, version);
	if (in_op_status)
		answered_now = true;	/* no dataplane to ask: answered at once */
	else
		mgmt_conn_resume(arg);
}

/* The report waits (at most 500 ms) for the dataplanes' current counters. */
static bool
op_status(void *arg, struct mgmt_conn *c, int version)
{
	in_op_status = true;
	answered_now = false;
	cp_stats_wait(arg, status_ready, c, version);
	in_op_status = false;
	return answered_now;
}

/* ---- the other commands ---- */

static void
op_load_stats(void *arg, unsigned *n, uint64_t *in, uint64_t *out)
{
	struct cp_admin_load l;
	cp_admin_load_stats(arg, &l);
	*n = l.n_clients;
	*in = l.bytes_in;
	*out = l.bytes_out;
}

static int
op_kill_cn(void *arg, const char *cn)
{
	return cp_admin_kill_cn(arg, cn);
}

static int
op_kill_addr(void *arg, uint32_t addr, uint16_t port)
{
	return cp_admin_kill_addr(arg, htonl(addr), port);
}

static bool
op_client_kill(void *arg, unsigned long cid, const char *msg)
{
	return cp_admin_client_kill(arg, cid, msg);
}

static bool
op_client_auth(void *arg, unsigned long cid, unsigned kid, bool ok, const char *config,
	const char *reason, const char *client_reason)
{
	struct cp_client *c = cp_client_by_cid(arg, cid);
	if (!c)
		return false;
	if (!ok)
		log_info("session %u: connection rejected by management: %s%s%s", c->slot,
			reason ? reason : "", client_reason ? ", CLI:" : "",
			client_reason ? client_reason : "");
	return cp_auth_mgmt_verdict(arg, c, kid, ok, config, client_reason);
}

static bool
op_pending_auth(void *arg, unsigned long cid, unsigned kid, const char *extra, unsigned timeout)
{
	return cp_admin_pending_auth(arg, cid, kid, extra, timeout);
}

static int
op_signal(void *arg, int signo)
{
	return cp_admin_signal(arg, signo);
}

static int
op_verb(void *arg, int set)
{
	return cp_admin_verb(arg, set);
}

static int
op_mute(void *arg, int set)
{
	return cp_admin_mute(arg, set);
}

static void
op_hold_release(void *arg)
{
	cp_admin_hold_release(arg);
}

/* A connection has output (or must go): wait for the socket to take it. */
static void
op_wake(void *arg, struct mgmt_conn *c)
{
	struct conn_slot *sl = mgmt_conn_user(c);
	(void)arg;
	if (!sl || sl->fd < 0 || (sl->events & EPOLLOUT))
		return;
	sl->events |= EPOLLOUT;
	ev_mod_fd(sl->ms->s->loop, sl->fd, sl->events);
}

/* ---- sockets ---- */

static void
conn_close(struct conn_slot *sl, const char *why)
{
	struct cp_mgmt_sock *ms = sl->ms;
	cp_stats_wait_cancel(sl->conn);	/* a status it waits for */
	log_info("management: client disconnected%s%s", why ? ": " : "", why ? why : "");
	ev_del_fd(ms->s->loop, sl->fd);
	close(sl->fd);
	mgmt_conn_close(sl->conn);
	sl->conn = NULL;
	sl->fd = -1;
}

/* Writes what the socket takes now; the rest waits for EPOLLOUT. */
static bool
conn_flush(struct conn_slot *sl)
{
	size_t len;
	const char *p;
	while ((p = mgmt_conn_output(sl->conn, &len)), len > 0) {
		ssize_t n = send(sl->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0)
			return false;
		mgmt_conn_consume(sl->conn, (size_t)n);
	}
	uint32_t want = EPOLLIN | (len > 0 ? EPOLLOUT : 0);
	if (want != sl->events) {
		sl->events = want;
		ev_mod_fd(sl->ms->s->loop, sl->fd, want);
	}
	return true;
}

static void
on_conn(void *arg, uint32_t events)
{
	struct conn_slot *sl = arg;
	struct cp_server *s = sl->ms->s;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		char buf[4096];
		ssize_t n = recv(sl->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(sl, NULL);
			return;
		}
		if (n > 0)
			mgmt_conn_input(sl->conn, buf, (size_t)n);
		if (mgmt_bytecount_interval(s->mgmt))
			cp_mgmt_bytecount_start(s);
	}
	if (!conn_flush(sl)) {
		conn_close(sl, "write failed");
		return;
	}
	/* what the socket took is all the client gets: nothing here ever blocks */
	if (mgmt_conn_should_close(sl->conn))
		conn_close(sl, mgmt_conn_close_reason(sl->conn));
}

/* management-client-user / -group: the peer's credentials on a unix socket. */
static bool
peer_allowed(struct cp_mgmt_sock *ms, int fd)
{
	const struct cp_cfg_mgmt *m = &ms->s->cfg.mgmt;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (!m->is_unix || (!m->client_user[0] && !m->client_group[0]))
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return false;
	if (m->client_user[0] && cred.uid != ms->client_uid) {
		log_warnx("management: unix domain socket client connection rejected -- "
			"uid %u is not management-client-user", (unsigned)cred.uid);
		return false;
	}
	if (m->client_group[0] && cred.gid != ms->client_gid) {
		log_warnx("management: unix domain socket client connection rejected -- "
			"gid %u is not management-client-group", (unsigned)cred.gid);
		return false;
	}
	return true;
}

static void
on_accept(void *arg, uint32_t events)
{
	struct cp_mgmt_sock *ms = arg;
	(void)events;
	int fd = accept4(ms->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (!peer_allowed(ms, fd)) {
		close(fd);
		return;
	}
	struct conn_slot *sl = NULL;
	for (int i = 0; i < MGMT_MAX_CONNS && !sl; i++)
		sl = ms->conn[i].conn ? NULL : &ms->conn[i];
	if (!sl) {
		static const char busy[] = "ERROR: too many management connections\r\n";
		(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	sl->fd = fd;
	sl->events = EPOLLIN;
	if (ev_add_fd(ms->s->loop, fd, EPOLLIN, on_conn, sl) != 0) {
		close(fd);
		sl->fd = -1;
		return;
	}
	sl->conn = mgmt_conn_open(ms->s->mgmt, sl);
	log_info("management: client connected");
	on_conn(sl, 0);
}

static int
listen_tcp(const struct cp_cfg_mgmt *m, char *err, size_t errlen)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(m->port) };
	if (inet_pton(AF_INET, m->addr, &sin.sin_addr) != 1) {
		snprintf(err, errlen, "management %s: not an IPv4 address", m->addr);
		return -1;
	}
	if (!(ntohl(sin.sin_addr.s_addr) >> 24 == 127))
		log_warnx("management %s %u: listening on a non-loopback address; the management "
			"protocol is cleartext (use 127.0.0.1 or a unix socket)", m->addr, m->port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 8) != 0) {
		snprintf(err, errlen, "management %s %u: %s", m->addr, m->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A unix socket, 0660 when a group may connect, else 0600; owned by the named user/group. */
static int
listen_unix(struct cp_mgmt_sock *ms, const struct cp_cfg_mgmt *m, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(m->addr) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "management %s: path too long", m->addr);
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", m->addr);
	unlink(m->addr);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	mode_t old = umask(0177);
	int r = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r != 0 || listen(fd, 8) != 0) {
		snprintf(err, errlen, "management %s unix: %s", m->addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (m->client_user[0] || m->client_group[0]) {
		uid_t uid = m->client_user[0] ? ms->client_uid : (uid_t)-1;
		gid_t gid = m->client_group[0] ? ms->client_gid : (gid_t)-1;
		if (chown(m->addr, uid, gid) != 0 || chmod(m->addr, m->client_group[0] ? 0660 : 0600))
			log_warn("management %s: setting owner/permissions", m->addr);
	}
	return fd;
}

static int
resolve_ids(struct cp_mgmt_sock *ms, const struct cp_cfg_mgmt *m, char *err, size_t errlen)
{
	if (m->client_user[0]) {
		struct passwd *pw = getpwnam(m->client_user);
		if (!pw) {
			snprintf(err, errlen, "management-client-user %s: no such user", m->client_user);
			return -1;
		}
		ms->client_uid = pw->pw_uid;
	}
	if (m->client_group[0]) {
		struct group *gr = getgrnam(m->client_group);
		if (!gr) {
			snprintf(err, errlen, "management-client-group %s: no such group",
				m->client_group);
			return -1;
		}
		ms->client_gid = gr->gr_gid;
	}
	return 0;
}

/* The password file's first line (management ... PWFILE). */
static char *
read_password(const char *path, char *err, size_t errlen)
{
	char line[256];
	FILE *f = fopen(path, "r");
	if (!f || !fgets(line, sizeof(line), f)) {
		snprintf(err, errlen, "management password file %s: %s", path,
			f ? "empty" : strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	char *pw = strdup(line);
	explicit_bzero(line, sizeof(line));
	return pw;
}

int
cp_mgmt_open(struct cp_server *s, char *err, size_t errlen)
{
	const struct cp_cfg_mgmt *m = &s->cfg.mgmt;
	if (!m->set)
		return 0;
	struct cp_mgmt_sock *ms = calloc(1, sizeof(*ms));
	char *pw = m->pwfile ? read_password(m->pwfile, err, errlen) : NULL;
	if (!ms || (m->pwfile && !pw) || resolve_ids(ms, m, err, errlen) != 0) {
		free(ms);
		free(pw);
		return -1;
	}
	ms->s = s;
	for (int i = 0; i < MGMT_MAX_CONNS; i++)
		ms->conn[i] = (struct conn_slot){ .ms = ms, .fd = -1 };
	static const struct mgmt_ops ops_template = {
		.load_stats = op_load_stats, .status = op_status, .kill_cn = op_kill_cn,
		.kill_addr = op_kill_addr, .client_kill = op_client_kill,
		.client_auth = op_client_auth, .client_pending_auth = op_pending_auth,
		.signal = op_signal, .verb = op_verb, .mute = op_mute,
		.hold_release = op_hold_release, .wake = op_wake,
	};
	struct mgmt_ops ops = ops_template;
	ops.arg = s;
	struct mgmt_conf conf = { .title = cp_admin_title(), .password = pw,
		.log_cache = m->log_cache, .status_version = (int)s->cfg.status_version,
		.hold = m->hold, .pid = (long)getpid() };
	s->mgmt = mgmt_new(&conf, &ops);
	if (pw)
		explicit_bzero(pw, strlen(pw));
	free(pw);
	ms->listen_fd = !s->mgmt ? -1 : m->is_unix ? listen_unix(ms, m, err, errlen)
		: listen_tcp(m, err, errlen);
	if (ms->listen_fd < 0 || ev_add_fd(s->loop, ms->listen_fd, EPOLLIN, on_accept, ms) != 0) {
		if (!s->mgmt)
			snprintf(err, errlen, "management: out of memory");
		mgmt_free(s->mgmt);
		s->mgmt = NULL;
		free(ms);
		return -1;
	}
	s->mgmt_sock = ms;
	if (m->is_unix)
		log_info("management interface on %s (unix socket)", m->addr);
	else
		log_info("management interface on %s:%u", m->addr, m->port);
	return 0;
}

/* Writes what is pending (best effort) and closes everything. */
void
cp_mgmt_close(struct cp_server *s)
{
	struct cp_mgmt_sock *ms = s->mgmt_sock;
	if (!ms)
		return;
	for (int i = 0; i < MGMT_MAX_CONNS; i++) {
		if (!ms->conn[i].conn)
			continue;
		conn_flush(&ms->conn[i]);
		conn_close(&ms->conn[i], "daemon exiting");
	}
	ev_del_fd(s->loop, ms->listen_fd);
	close(ms->listen_fd);
	if (s->cfg.mgmt.is_unix)
		unlink(s->cfg.mgmt.addr);
	mgmt_free(s->mgmt);
	s->mgmt = NULL;
	s->mgmt_sock = NULL;
	free(ms);
}
