#include "dplink.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include <zmq.h>

#include "log.h"

#define POLL_MS 100		/* safety net: ZeroMQ's fd is edge-like */

struct dplink {
	void *ctx, *sock;
	int fd;
	struct ev_loop *loop;
	struct ev_timer tick;
	struct dplink_ops ops;
	void *arg;
	struct dplink_dp dps[DPLINK_MAX_DP];
	unsigned n_dps;
	uint64_t rx_bad;
};

static void
on_tick(void *arg)
{
	struct dplink *dl = arg;
	dplink_poll(dl);
	ev_timer_set(dl->loop, &dl->tick, ev_now_ms(dl->loop) + POLL_MS, on_tick, dl);
}

static void
on_readable(void *arg, uint32_t events)
{
	(void)events;
	dplink_poll(arg);
}

/* ipc:///run/dpvpn/x.sock: the directory must exist before bind. */
static void
make_ipc_dir(const char *endpoint)
{
	if (strncmp(endpoint, "ipc://", 6) != 0)
		return;
	char path[512];
	snprintf(path, sizeof(path), "%s", endpoint + 6);
	char *dir = dirname(path);
	char partial[512] = "";
	for (char *tok = strtok(dir, "/"); tok; tok = strtok(NULL, "/")) {
		strncat(partial, "/", sizeof(partial) - strlen(partial) - 1);
		strncat(partial, tok, sizeof(partial) - strlen(partial) - 1);
		mkdir(partial, 0750);
	}
}

int
dplink_open(struct dplink **out, struct ev_loop *loop, const char *endpoint,
	const struct dplink_ops *ops, void *arg, char *err, size_t errlen)
{
	struct dplink *dl = calloc(1, sizeof(*dl));
	int zero = 0, one = 1, hwm = 100000;
	size_t fdlen = sizeof(dl->fd);
	if (!dl)
		return -1;
	dl->loop = loop;
	dl->ops = *ops;
	dl->arg = arg;
	dl->ctx = zmq_ctx_new();
	dl->sock = dl->ctx ? zmq_socket(dl->ctx, ZMQ_ROUTER) : NULL;
	if (!dl->sock)
		goto fail;
	zmq_setsockopt(dl->sock, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(dl->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof(one));
	zmq_setsockopt(dl->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(dl->sock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	make_ipc_dir(endpoint);
	if (zmq_bind(dl->sock, endpoint) != 0)
		goto fail;
	if (zmq_getsockopt(dl->sock, ZMQ_FD, &dl->fd, &fdlen) != 0
		|| ev_add_fd(loop, dl->fd, EPOLLIN, on_readable, dl) != 0)
		goto fail;
	ev_timer_set(loop, &dl->tick, ev_now_ms(loop) + POLL_MS, on_tick, dl);
	*out = dl;
	return 0;
fail:
	snprintf(err, errlen, "dataplane %s: %s", endpoint, zmq_strerror(zmq_errno()));
	dplink_close(dl);
	return -1;
}

void
dplink_close(struct dplink *dl)
{
	if (!dl)
		return;
	if (dl->loop)
		ev_timer_cancel(dl->loop, &dl->tick);
	if (dl->sock)
		zmq_close(dl->sock);
	if (dl->ctx)
		zmq_ctx_term(dl->ctx);
	free(dl);
}

static int
send_to(struct dplink *dl, const uint8_t *ident, size_t ident_len, const struct ipc_msg *m)
{
	uint8_t buf[IPC_MSG_MAX];
	int n = ipc_encode(m, buf, sizeof(buf));
	if (n < 0) {
		log_warnx("dplink: cannot encode %s: %s", ipc_type_name(m->type), ipc_strerror(n));
		return -1;
	}
	if (zmq_send(dl->sock, ident, ident_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
		|| zmq_send(dl->sock, buf, (size_t)n, ZMQ_DONTWAIT) < 0)
		return -1;
	return 0;
}

int
dplink_send(struct dplink *dl, unsigned dp, const struct ipc_msg *m)
{
	if (dp >= dl->n_dps || !dl->dps[dp].up)
		return -1;
	return send_to(dl, dl->dps[dp].ident, dl->dps[dp].ident_len, m);
}

unsigned
dplink_count(const struct dplink *dl)
{
	return dl->n_dps;
}

const struct dplink_dp *
dplink_get(const struct dplink *dl, unsigned dp)
{
	return dp < dl->n_dps ? &dl->dps[dp] : NULL;
}

uint64_t
dplink_rx_bad(const struct dplink *dl)
{
	return dl->rx_bad;
}

static int
find_by_ident(const struct dplink *dl, const uint8_t *id, size_t len)
{
	for (unsigned i = 0; i < dl->n_dps; i++)
		if (dl->dps[i].ident_len == len && memcmp(dl->dps[i].ident, id, len) == 0)
			return (int)i;
	return -1;
}

static void
handle_hello(struct dplink *dl, const uint8_t *id, size_t id_len, const struct ipc_hello *h)
{
	unsigned i;
	for (i = 0; i < dl->n_dps; i++)
		if (!strcmp(dl->dps[i].name, h->name))
			break;
	if (i == dl->n_dps) {
		if (dl->n_dps == DPLINK_MAX_DP) {
			log_warnx("dplink: dataplane '%s' refused: %d already", h->name, DPLINK_MAX_DP);
			return;
		}
		dl->n_dps++;
		dl->dps[i].boot_id = h->boot_id ^ 1;	/* forces "restarted" */
	}
	struct dplink_dp *d = &dl->dps[i];
	bool restarted = d->boot_id != h->boot_id;
	memcpy(d->ident, id, id_len);
	d->ident_len = id_len;
	snprintf(d->name, sizeof(d->name), "%s", h->name);
	d->boot_id = h->boot_id;
	d->n_workers = h->n_workers;
	d->max_sessions = h->max_sessions;
	d->schema = h->schema;
	d->up = true;
	struct ipc_msg ack = { .type = IPC_HELLO_ACK };
	ack.u.hello_ack.schema = IPC_SCHEMA_VERSION;
	ack.u.hello_ack.cp_boot_id = (uint64_t)(uintptr_t)dl;
	send_to(dl, id, id_len, &ack);
	if (restarted)
		log_info("dataplane '%s' connected (boot %016llx, %u workers, %u session slots)",
			d->name, (unsigned long long)d->boot_id, d->n_workers, d->max_sessions);
	if (dl->ops.on_hello)
		dl->ops.on_hello(dl->arg, i, restarted);
}

/* What software a dataplane runs (it says so after each HELLO_ACK). */
static void
store_info(struct dplink_dp *d, const struct ipc_dp_info *info)
{
	snprintf(d->version, sizeof(d->version), "%s", info->version);
	snprintf(d->dpdk, sizeof(d->dpdk), "%s", info->dpdk);
	snprintf(d->crypto, sizeof(d->crypto), "%s", info->crypto);
}

static void
handle(struct dplink *dl, const uint8_t *id, size_t id_len, const uint8_t *buf, size_t len)
{
	struct ipc_msg m;
	int err = ipc_decode(buf, len, &m);
	if (err == 0 && ipc_type_is_cp2dp(m.type))
		err = -IPC_E_DIRECTION;
	if (err) {
		dl->rx_bad++;
		log_warnx("dplink: bad message (%zu bytes): %s", len, ipc_strerror(err));
		return;
	}
	if (m.type == IPC_HELLO) {
		if (m.u.hello.schema != IPC_SCHEMA_VERSION) {
			dl->rx_bad++;
			log_warnx("dplink: dataplane '%s' speaks schema %u, we %u", m.u.hello.name,
				m.u.hello.schema, IPC_SCHEMA_VERSION);
			return;
		}
		handle_hello(dl, id, id_len, &m.u.hello);
		return;
	}
	int dp = find_by_ident(dl, id, id_len);
	if (dp < 0) {
		dl->rx_bad++;	/* must say HELLO first */
		return;
	}
	if (m.type == IPC_DP_INFO) {
		store_info(&dl->dps[dp], &m.u.dp_info);
		return;
	}
	if (dl->ops.on_msg)
		dl->ops.on_msg(dl->arg, (unsigned)dp, &m);
}

void
dplink_poll(struct dplink *dl)
{
	static uint8_t id[DPLINK_ID_MAX], buf[IPC_MSG_MAX + 1];
	for (int i = 0; i < 1024; i++) {
		int more = 0;
		size_t more_len = sizeof(more);
		int n = zmq_recv(dl->sock, id, sizeof(id), ZMQ_DONTWAIT);
		if (n < 0)
			return;
		zmq_getsockopt(dl->sock, ZMQ_RCVMORE, &more, &more_len);
		if (!more || n > (int)sizeof(id)) {
			dl->rx_bad++;
			continue;
		}
		int m = zmq_recv(dl->sock, buf, sizeof(buf), ZMQ_DONTWAIT);
		zmq_getsockopt(dl->sock, ZMQ_RCVMORE, &more, &more_len);
		while (more) {		/* extra frames: not ours */
			zmq_recv(dl->sock, buf, sizeof(buf), ZMQ_DONTWAIT);
			zmq_getsockopt(dl->sock, ZMQ_RCVMORE, &more, &more_len);
			m = -1;
		}
		if (m < 0 || m > IPC_MSG_MAX) {
			dl->rx_bad++;
			continue;
		}
		handle(dl, id, (size_t)n, buf, (size_t)m);
	}
}
