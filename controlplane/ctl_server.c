/*
 * dpvpnctl's control socket: a unix socket (0600, or 0660 with
 * dpvpnctl-socket-group), one JSON request line per connection, one JSON
 * reply line, then close -- except `show events`, which keeps streaming.
 * Requests are bounded in size and time; whatever a client sends or fails
 * to read never blocks the event loop.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "admin.h"
#include "ctl.h"
#include "ctl_req.h"
#include "log.h"
#include "server.h"

#define CTL_MAX_CONNS	64
#define CTL_REQ_MAX	8192		/* a request is one short JSON line */
#define CTL_OUT_MAX	(8u << 20)	/* unread reply/events before a client is dropped */
#define CTL_REQ_TIMEOUT_MS 5000

struct ctl_conn {
	struct cp_ctl *ctl;
	int fd;				/* -1: free */
	char req[CTL_REQ_MAX];
	size_t req_len;
	char *out;
	size_t out_len, out_off;
	bool streaming;			/* show events */
	bool waiting;			/* for fresh counters before the reply */
	bool eof;			/* the client shut down its sending side */
	char cmd[CTL_CMD_MAX], arg[CTL_ARG_MAX];
	bool close_after_write;
	uint32_t events;
	uint64_t deadline_ms;
};

struct cp_ctl {
	struct cp_server *s;
	int listen_fd;
	char path[108];
	struct ctl_conn conn[CTL_MAX_CONNS];
	struct ev_timer timer;
};

static void
conn_free(struct ctl_conn *cc)
{
	if (cc->waiting)
		cp_stats_wait_cancel(cc);
	cc->waiting = false;
	ev_del_fd(cc->ctl->s->loop, cc->fd);
	close(cc->fd);
	free(cc->out);
	cc->out = NULL;
	cc->out_len = cc->out_off = cc->req_len = 0;
	cc->streaming = cc->close_after_write = cc->eof = false;
	cc->fd = -1;
}

static void
conn_update(struct ctl_conn *cc)
{
	uint32_t want = (cc->out_len > cc->out_off ? EPOLLOUT : 0)
		| (cc->eof ? 0 : cc->streaming || !cc->close_after_write ? EPOLLIN : 0);
	if (want != cc->events) {
		cc->events = want;
		ev_mod_fd(cc->ctl->s->loop, cc->fd, want);
	}
}

/* Queues a JSON value as one line; a client that lets too much pile up goes. */
static void
conn_send(struct ctl_conn *cc, json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT);
	size_t n = text ? strlen(text) : 0;
	if (!text || cc->out_len - cc->out_off + n + 1 > CTL_OUT_MAX) {
		free(text);
		log_warnx("dpvpnctl: a client does not read its replies: dropped");
		cc->close_after_write = true;
		cc->out_off = cc->out_len;	/* nothing more for it */
		return;
	}
	char *b = realloc(cc->out, cc->out_len + n + 1);
	if (!b) {
		free(text);
		return;
	}
	cc->out = b;
	memcpy(cc->out + cc->out_len, text, n);
	cc->out[cc->out_len + n] = '\n';
	cc->out_len += n + 1;
	free(text);
}

/* Writes what the socket takes; closes when a finished reply is out. */
static bool
conn_flush(struct ctl_conn *cc)
{
	while (cc->out_off < cc->out_len) {
		ssize_t n = send(cc->fd, cc->out + cc->out_off, cc->out_len - cc->out_off,
			MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0)
			return false;
		cc->out_off += (size_t)n;
	}
	if (cc->out_off == cc->out_len) {
		cc->out_off = cc->out_len = 0;
		if (cc->close_after_write)
			return false;
	}
	conn_update(cc);
	return true;
}

static void
reply_error(struct ctl_conn *cc, const char *text)
{
	json_t *r = json_pack("{s:b, s:s}", "ok", 0, "error", text);
	conn_send(cc, r);
	json_decref(r);
	cc->close_after_write = true;
}

static bool conn_flush(struct ctl_conn *cc);
static void conn_free(struct ctl_conn *cc);

static void
run_request(struct cp_server *s, void *arg, int extra)
{
	struct ctl_conn *cc = arg;
	bool stream = false;
	(void)extra;
	cc->waiting = false;
	json_t *reply = cp_ctl_command(s, cc->cmd, cc->arg, &stream);
	conn_send(cc, reply);
	json_decref(reply);
	if (stream)
		cc->streaming = true;
	else
		cc->close_after_write = true;
	if (!conn_flush(cc))
		conn_free(cc);
}

static void
handle_request(struct ctl_conn *cc)
{
	const char *err;
	if (ctl_req_parse(cc->req, cc->req_len, cc->cmd, cc->arg, &err) != 0) {
		reply_error(cc, err);
		return;
	}
	cc->waiting = true;
	/* users' and the server's byte counters, the dataplanes' own: fresh */
	switch (cp_ctl_wants_counters(cc->cmd)) {
	case CP_CTL_FRESH_SESSIONS:
		cp_stats_wait(cc->ctl->s, run_request, cc, 0);
		break;
	case CP_CTL_FRESH_DATAPLANES:
		cp_counters_wait(cc->ctl->s, run_request, cc, 0);
		break;
	default:
		run_request(cc->ctl->s, cc, 0);
	}
}

/*
 * End of the client's input. A request without its line feed still counts,
 * and a reply still owed is sent (a client may shut down its sending side,
 * as socat does); otherwise the client is gone (for show events: the way to
 * stop). false when the connection was freed.
 */
static bool
on_eof(struct ctl_conn *cc)
{
	cc->eof = true;
	if (cc->req_len && !cc->waiting && !cc->streaming && !cc->close_after_write)
		handle_request(cc);
	if (cc->fd < 0)
		return false;
	if (cc->streaming || (!cc->waiting && cc->out_off == cc->out_len)) {
		conn_free(cc);
		return false;
	}
	conn_update(cc);
	return true;
}

static void
on_conn(void *arg, uint32_t events)
{
	struct ctl_conn *cc = arg;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		char buf[4096];
		ssize_t n = recv(cc->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			conn_free(cc);
			return;
		}
		if (n == 0 && !on_eof(cc))
			return;
		if (n > 0 && !cc->streaming && !cc->close_after_write && !cc->waiting) {
			char *nl = memchr(buf, '\n', (size_t)n);
			size_t take = nl ? (size_t)(nl - buf) : (size_t)n;
			if (cc->req_len + take > sizeof(cc->req))
				reply_error(cc, "request too long");
			else {
				memcpy(cc->req + cc->req_len, buf, take);
				cc->req_len += take;
				if (nl)
					handle_request(cc);
			}
		}
	}
	if (cc->fd >= 0 && !conn_flush(cc))	/* (the reply may have closed it already) */
		conn_free(cc);
}

static void
on_accept(void *arg, uint32_t events)
{
	struct cp_ctl *ctl = arg;
	(void)events;
	int fd = accept4(ctl->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct ctl_conn *cc = NULL;
	for (int i = 0; i < CTL_MAX_CONNS && !cc; i++)
		cc = ctl->conn[i].fd < 0 ? &ctl->conn[i] : NULL;
	if (!cc || ev_add_fd(ctl->s->loop, fd, EPOLLIN, on_conn, cc) != 0) {
		static const char busy[] = "{\"ok\":false,\"error\":\"too many connections\"}\n";
		(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	cc->fd = fd;
	cc->events = EPOLLIN;
	cc->deadline_ms = ev_now_ms(ctl->s->loop) + CTL_REQ_TIMEOUT_MS;
}

/* Clients that never finish their request are let go. */
static void
on_timer(void *arg)
{
	struct cp_ctl *ctl = arg;
	uint64_t now = ev_now_ms(ctl->s->loop);
	for (int i = 0; i < CTL_MAX_CONNS; i++) {
		struct ctl_conn *cc = &ctl->conn[i];
		if (cc->fd >= 0 && !cc->streaming && !cc->close_after_write && !cc->waiting
			&& now > cc->deadline_ms)
			conn_free(cc);
	}
	ev_timer_set(ctl->s->loop, &ctl->timer, now + 1000, on_timer, ctl);
}

void
cp_ctl_broadcast_event(struct cp_server *s, json_t *event)
{
	struct cp_ctl *ctl = s->ctl;
	for (int i = 0; ctl && i < CTL_MAX_CONNS; i++) {
		struct ctl_conn *cc = &ctl->conn[i];
		if (cc->fd < 0 || !cc->streaming)
			continue;
		conn_send(cc, event);
		if (!conn_flush(cc))
			conn_free(cc);
	}
}

bool
cp_ctl_has_listeners(const struct cp_server *s)
{
	for (int i = 0; s->ctl && i < CTL_MAX_CONNS; i++)
		if (s->ctl->conn[i].fd >= 0 && s->ctl->conn[i].streaming)
			return true;
	return false;
}

static int
bind_socket(struct cp_ctl *ctl, const struct cp_config *cfg, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	gid_t gid = (gid_t)-1;
	if (cfg->ctl_socket_group[0]) {
		struct group *g = getgrnam(cfg->ctl_socket_group);
		if (!g) {
			snprintf(err, errlen, "dpvpnctl-socket-group %s: no such group",
				cfg->ctl_socket_group);
			return -1;
		}
		gid = g->gr_gid;
	}
	snprintf(ctl->path, sizeof(ctl->path), "%s", cfg->ctl_socket);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", ctl->path);
	char dir[sizeof(ctl->path)];
	snprintf(dir, sizeof(dir), "%s", ctl->path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);	/* /run/dpvpn on a fresh boot */
	}
	unlink(ctl->path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	mode_t old = umask(0177);
	int r = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r != 0 || listen(fd, 64) != 0) {
		snprintf(err, errlen, "dpvpnctl-socket %s: %s", ctl->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (gid != (gid_t)-1 && (chown(ctl->path, (uid_t)-1, gid) != 0 || chmod(ctl->path, 0660)))
		log_warn("dpvpnctl-socket %s: group permissions", ctl->path);
	return fd;
}

int
cp_ctl_open(struct cp_server *s, char *err, size_t errlen)
{
	if (!strcmp(s->cfg.ctl_socket, "none"))
		return 0;
	if (strlen(s->cfg.ctl_socket) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "dpvpnctl-socket %s: path too long", s->cfg.ctl_socket);
		return -1;
	}
	struct cp_ctl *ctl = calloc(1, sizeof(*ctl));
	if (!ctl) {
		snprintf(err, errlen, "dpvpnctl socket: out of memory");
		return -1;
	}
	ctl->s = s;
	for (int i = 0; i < CTL_MAX_CONNS; i++)
		ctl->conn[i] = (struct ctl_conn){ .ctl = ctl, .fd = -1 };
	ctl->listen_fd = bind_socket(ctl, &s->cfg, err, errlen);
	if (ctl->listen_fd < 0 || ev_add_fd(s->loop, ctl->listen_fd, EPOLLIN, on_accept, ctl) != 0) {
		if (ctl->listen_fd >= 0)
			close(ctl->listen_fd);
		free(ctl);
		return -1;
	}
	s->ctl = ctl;
	on_timer(ctl);
	log_info("dpvpnctl socket on %s", ctl->path);
	return 0;
}

void
cp_ctl_close(struct cp_server *s)
{
	struct cp_ctl *ctl = s->ctl;
	if (!ctl)
		return;
	for (int i = 0; i < CTL_MAX_CONNS; i++)
		if (ctl->conn[i].fd >= 0) {
			conn_flush(&ctl->conn[i]);
			conn_free(&ctl->conn[i]);
		}
	ev_timer_cancel(s->loop, &ctl->timer);
	ev_del_fd(s->loop, ctl->listen_fd);
	close(ctl->listen_fd);
	unlink(ctl->path);
	free(ctl);
	s->ctl = NULL;
}
