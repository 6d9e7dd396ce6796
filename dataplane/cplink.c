/*
 * The control link: a ZeroMQ DEALER socket connected to the control plane's
 * ROUTER, one msgpack message (shared/ipc.h) per ZeroMQ message. Polled
 * without blocking from the service loop. HELLO is repeated every second
 * until acknowledged, and again after every reconnect (socket monitor), so
 * either side may restart.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_version.h>
#include <zmq.h>

#include "dp.h"
#include "ipc.h"
#include "stat_groups.h"
#include "log.h"

#define RX_PER_SERVICE 64
/*
 * A ZeroMQ receive that finds nothing is not free: it polls the socket's
 * mailbox and checks getpid(), two syscalls, about 2,000 cycles. The service
 * loop runs once per loop iteration, on a single-lcore dataplane between two
 * bursts, and used to pay that twice (monitor and socket) per burst: ~100
 * cycles per packet. So after a poll that found nothing, both sockets are
 * left alone for IDLE_POLL_US; while messages keep arriving they are read on
 * every iteration, so a burst of control traffic (100k session installs) goes
 * as fast as before and only the first message after a quiet spell waits.
 */
#define IDLE_POLL_US 100

static void *zctx, *zsock, *zmon;
static uint64_t next_hello;
static uint64_t next_poll;	/* TSC; 0: poll on the next call */
static uint64_t n_rx_bad;
static uint64_t n_tx_fail;

/* Returns 0, or -1 when the message could not be queued (never blocks). */
static int
send_msg(const struct ipc_msg *m)
{
	uint8_t buf[IPC_MSG_MAX];
	int n = ipc_encode(m, buf, sizeof(buf));
	if (n < 0) {
		log_warnx("cplink: cannot encode %s: %s", ipc_type_name(m->type), ipc_strerror(n));
		return -1;
	}
	if (zmq_send(zsock, buf, (size_t)n, ZMQ_DONTWAIT) < 0) {
		n_tx_fail++;
		return -1;
	}
	return 0;
}

static void
send_error(uint32_t ref_type, uint32_t sess, int code)
{
	struct ipc_msg m = { .type = IPC_ERROR };
	m.u.error.ref_type = ref_type;
	m.u.error.sess = sess;
	m.u.error.code = (uint32_t)(code < 0 ? -code : code);
	snprintf(m.u.error.text, sizeof(m.u.error.text), "%s", ipc_strerror(code));
	send_msg(&m);
}

static void
send_hello(void)
{
	struct ipc_msg m = { .type = IPC_HELLO };
	m.u.hello.schema = IPC_SCHEMA_VERSION;
	snprintf(m.u.hello.name, sizeof(m.u.hello.name), "%s", dp.conf.name);
	m.u.hello.boot_id = dp.boot_id;
	m.u.hello.n_workers = dp.n_workers;
	m.u.hello.max_sessions = dp.conf.max_sessions;
	send_msg(&m);
}

int
dp_cplink_init(void)
{
	int zero = 0, hwm = 100000, ivl = 1000;
	zctx = zmq_ctx_new();
	zsock = zctx ? zmq_socket(zctx, ZMQ_DEALER) : NULL;
	if (!zsock)
		return -1;
	zmq_setsockopt(zsock, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(zsock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(zsock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(zsock, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl));
	if (zmq_socket_monitor(zsock, "inproc://cplink-mon",
		ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) != 0)
		return -1;
	zmon = zmq_socket(zctx, ZMQ_PAIR);
	if (!zmon || zmq_connect(zmon, "inproc://cplink-mon") != 0)
		return -1;
	if (zmq_connect(zsock, dp.conf.control) != 0) {
		log_warnx("cplink: connect %s: %s", dp.conf.control, zmq_strerror(zmq_errno()));
		return -1;
	}
	log_info("cplink: connecting to %s", dp.conf.control);
	return 0;
}

/* Connection events: on every (re)connect the control plane must hear HELLO. */
static void
poll_monitor(void)
{
	zmq_msg_t ev;
	zmq_msg_init(&ev);
	while (zmq_msg_recv(&ev, zmon, ZMQ_DONTWAIT) >= 0) {
		uint16_t id = 0;
		if (zmq_msg_size(&ev) >= 2)
			memcpy(&id, zmq_msg_data(&ev), 2);
		zmq_msg_recv(&ev, zmon, ZMQ_DONTWAIT);	/* second frame: endpoint */
		if (id == ZMQ_EVENT_DISCONNECTED || id == ZMQ_EVENT_CONNECTED) {
			dp.cp_up = false;
			next_hello = 0;
		}
	}
	zmq_msg_close(&ev);
}

/* Like send_msg, but 1 when ZeroMQ's queue is full right now (try again later). */
static int
try_send(const struct ipc_msg *m)
{
	uint8_t buf[IPC_MSG_MAX];
	int n = ipc_encode(m, buf, sizeof(buf));
	if (n < 0)
		return -1;
	if (zmq_send(zsock, buf, (size_t)n, ZMQ_DONTWAIT) >= 0)	/* bytes queued */
		return 0;
	if (zmq_errno() == EAGAIN)
		return 1;
	n_tx_fail++;
	return -1;
}

/*
 * STATS_REQ / RESYNC_REQ replies: one message per session, which at 100k
 * sessions is more than ZeroMQ queues at once. They go out a slice per
 * service iteration, resuming where the queue was full, so none is lost
 * and the loop never blocks; requests that arrive meanwhile wait their turn.
 */
#define STATS_QUEUE 8
#define STATS_SLICE 1024	/* session slots looked at per service iteration */

static struct {
	uint32_t cookie[STATS_QUEUE];
	bool info[STATS_QUEUE];
	unsigned head, len;
	uint32_t next_slot, sent;
} stats_job;

static bool
queue_stats(uint32_t cookie, bool info)
{
	if (stats_job.len == STATS_QUEUE)
		return false;
	unsigned i = (stats_job.head + stats_job.len++) % STATS_QUEUE;
	stats_job.cookie[i] = cookie;
	stats_job.info[i] = info;
	return true;
}

/* Sends what fits of the current reply; true when it is complete. */
static bool
stats_job_step(uint32_t cookie, bool info)
{
	uint32_t end = stats_job.next_slot + STATS_SLICE;
	struct ipc_msg m;
	for (; stats_job.next_slot < dp.conf.max_sessions && stats_job.next_slot < end;
	     stats_job.next_slot++) {
		const struct dp_session *s = dp.sessions[stats_job.next_slot];
		if (!s)
			continue;
		if (info)
			dp_session_info_fill(s, cookie, &m);
		else
			dp_session_stats_fill(s, cookie, &m);
		if (try_send(&m) == 1)
			return false;	/* full: this slot again next time */
		stats_job.sent++;
	}
	if (stats_job.next_slot < dp.conf.max_sessions)
		return false;
	m = (struct ipc_msg){ .type = IPC_STATS_DONE };
	m.u.stats_done.cookie = cookie;
	m.u.stats_done.n_sessions = stats_job.sent;
	return try_send(&m) != 1;
}

static void
stats_service(void)
{
	if (!stats_job.len)
		return;
	unsigned h = stats_job.head;
	if (!stats_job_step(stats_job.cookie[h], stats_job.info[h]))
		return;
	stats_job.head = (h + 1) % STATS_QUEUE;
	stats_job.len--;
	stats_job.next_slot = stats_job.sent = 0;
}

/* Before a SESSION_DEL is applied: the last counters of the session it names, if it exists. */
static void
send_final_stats(const struct ipc_session_del *d)
{
	const struct dp_session *s = d->sess < dp.conf.max_sessions ? dp.sessions[d->sess] : NULL;
	if (!s || s->gen != d->gen)
		return;	/* refused below: ERROR only */
	struct ipc_msg m;
	dp_session_stats_fill(s, IPC_COOKIE_FINAL, &m);
	send_msg(&m);
}

/* What we run, once the control plane has accepted us (dpvpnctl show dataplanes). */
static void
send_info(void)
{
	struct ipc_msg m = { .type = IPC_DP_INFO };
	snprintf(m.u.dp_info.version, sizeof(m.u.dp_info.version), "%s", DPVPN_VERSION);
	snprintf(m.u.dp_info.dpdk, sizeof(m.u.dp_info.dpdk), "%s", rte_version());
	snprintf(m.u.dp_info.crypto, sizeof(m.u.dp_info.crypto), "ipsec-mb %s %s", dp_crypto_version(),
		dp_crypto_arch(&dp.lcores[0].crypto));
	send_msg(&m);
}

static void
dispatch(const struct ipc_msg *m)
{
	uint32_t sess = 0;
	int err;
	switch (m->type) {
	case IPC_HELLO_ACK:
		if (m->u.hello_ack.schema != IPC_SCHEMA_VERSION) {
			send_error(m->type, 0, IPC_E_BAD_VALUE);
			return;
		}
		if (!dp.cp_up)
			log_info("cplink: control plane accepted us");
		dp.cp_up = true;
		send_info();
		return;
	case IPC_STATS_REQ:
	case IPC_RESYNC_REQ:
		err = queue_stats(m->type == IPC_RESYNC_REQ ? m->u.resync_req.cookie
			: m->u.stats_req.cookie, m->type == IPC_RESYNC_REQ) ? 0 : IPC_E_NO_ROOM;
		break;
	case IPC_COUNTERS_REQ:
		dp_groups_send(m->u.counters_req.cookie, send_msg);
		return;
	case IPC_SESSION_DEL:
		send_final_stats(&m->u.session_del);
		err = dp_session_apply(m, &sess);
		break;
	case IPC_BAN_ADD:
	case IPC_BAN_DEL:
	case IPC_BAN_FLUSH:
		err = dp_ban_apply(m);
		break;
	case IPC_INJECT: {
		const struct ipc_inject *in = &m->u.inject;
		err = dp_slow_inject(ipc_addr_to_v4(&in->dst_addr), rte_cpu_to_be_16(in->dst_port),
			ipc_addr_to_v4(&in->src_addr), rte_cpu_to_be_16(in->src_port),
			in->payload.b, in->payload.len);
		break;
	}
	default:
		if (!ipc_type_is_cp2dp(m->type)) {
			err = IPC_E_DIRECTION;
			break;
		}
		err = dp_session_apply(m, &sess);
		break;
	}
	if (err)
		send_error(m->type, sess, err);
}

/* Reads what is queued, at most RX_PER_SERVICE messages; returns how many. */
static int
poll_socket(void)
{
	uint8_t buf[IPC_MSG_MAX];
	struct ipc_msg m;
	int i;
	for (i = 0; i < RX_PER_SERVICE; i++) {
		int n = zmq_recv(zsock, buf, sizeof(buf), ZMQ_DONTWAIT);
		if (n < 0)
			break;
		int err = n > (int)sizeof(buf) ? -IPC_E_TOO_LONG : ipc_decode(buf, (size_t)n, &m);
		if (err) {
			n_rx_bad++;
			send_error(0, 0, err);
			continue;
		}
		dispatch(&m);
	}
	return i;
}

void
dp_cplink_service(uint64_t now)
{
	bool due = now >= next_poll;
	if (due)
		poll_monitor();
	if (!dp.cp_up && now >= next_hello) {
		send_hello();
		next_hello = now + dp.tsc_hz;
	}
	if (due)
		next_poll = poll_socket() > 0 ? 0 : now + dp.tsc_hz / 1000000 * IDLE_POLL_US;
	stats_service();
}

int
dp_cplink_send_punt(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
	const uint8_t *payload, uint16_t len)
{
	struct ipc_msg m = { .type = IPC_PUNT };
	ipc_addr_from_v4(&m.u.punt.src_addr, src);
	ipc_addr_from_v4(&m.u.punt.dst_addr, dst);
	m.u.punt.src_port = rte_be_to_cpu_16(sport);
	m.u.punt.dst_port = rte_be_to_cpu_16(dport);
	if (len > sizeof(m.u.punt.payload.b))
		len = sizeof(m.u.punt.payload.b);
	m.u.punt.payload.len = len;
	memcpy(m.u.punt.payload.b, payload, len);
	return send_msg(&m);
}

void
dp_cplink_send_event(const struct dp_event *ev)
{
	struct ipc_msg m = { .type = IPC_EVENT };
	const struct dp_session *s = dp_session_get(ev->sess);
	m.u.event.sess = ev->sess;
	m.u.event.gen = ev->gen;
	m.u.event.kind = ev->kind;
	m.u.event.key_id = ev->key_id;
	m.u.event.value = ev->value;
	uint32_t addr = ev->addr;
	uint16_t port = ev->port;
	if (!addr && s && s->gen == ev->gen) {
		addr = s->dyn.peer_addr;
		port = s->dyn.peer_port;
	}
	ipc_addr_from_v4(&m.u.event.addr, addr);
	m.u.event.port = rte_be_to_cpu_16(port);
	send_msg(&m);
}

uint64_t
dp_cplink_rx_bad(void)
{
	return n_rx_bad;
}

uint64_t
dp_cplink_tx_fail(void)
{
	return n_tx_fail;
}

void
dp_cplink_fini(void)
{
	if (zmon)
		zmq_close(zmon);
	if (zsock)
		zmq_close(zsock);
	if (zctx)
		zmq_ctx_term(zctx);
}
