#include "pg_ctl.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "ipc_counters.h"

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
pg_ctl_open(struct pg_ctl *c, const char *endpoint)
{
	int one = 1, zero = 0, hwm = 0;	/* no limit: installs are sent blocking */
	memset(c, 0, sizeof(*c));
	c->ctx = zmq_ctx_new();
	c->sock = c->ctx ? zmq_socket(c->ctx, ZMQ_ROUTER) : NULL;
	if (!c->sock)
		return -1;
	zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(c->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof(one));
	zmq_setsockopt(c->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(c->sock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	if (zmq_bind(c->sock, endpoint) != 0) {
		fprintf(stderr, "pktgen: bind %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

void
pg_ctl_close(struct pg_ctl *c)
{
	if (c->sock)
		zmq_close(c->sock);
	if (c->ctx)
		zmq_ctx_term(c->ctx);
	c->sock = c->ctx = NULL;
}

static int
send_msg(struct pg_ctl *c, const struct ipc_msg *m)
{
	uint8_t buf[IPC_MSG_MAX];
	int n = ipc_encode(m, buf, sizeof(buf));
	if (n < 0)
		return -1;
	if (zmq_send(c->sock, c->ident, c->ident_len, ZMQ_SNDMORE) < 0
		|| zmq_send(c->sock, buf, (size_t)n, 0) < 0)
		return -1;
	return 0;
}

/* 1 with a message in *m, 0 when nothing came within timeout_ms. ERRORs are counted. */
static int
recv_msg(struct pg_ctl *c, struct ipc_msg *m, int timeout_ms)
{
	uint8_t id[256], buf[IPC_MSG_MAX];
	zmq_pollitem_t it = { c->sock, 0, ZMQ_POLLIN, 0 };
	if (zmq_poll(&it, 1, timeout_ms) <= 0)
		return 0;
	int idn = zmq_recv(c->sock, id, sizeof(id), 0);
	int n = zmq_recv(c->sock, buf, sizeof(buf), 0);
	if (idn <= 0 || n <= 0 || ipc_decode(buf, (size_t)n, m) != 0)
		return recv_msg(c, m, 0);
	if (!c->ident_len) {
		memcpy(c->ident, id, (size_t)idn);
		c->ident_len = (size_t)idn;
	}
	if (m->type == IPC_ERROR) {
		c->errors++;
		snprintf(c->last_error, sizeof(c->last_error), "%s for session %u: %s",
			ipc_type_name(m->u.error.ref_type) ? ipc_type_name(m->u.error.ref_type) : "?",
			m->u.error.sess, m->u.error.text);
	}
	return 1;
}

int
pg_ctl_accept(struct pg_ctl *c, int timeout_ms)
{
	struct ipc_msg m;
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	while (now_ms() < end) {
		if (recv_msg(c, &m, 200) != 1 || m.type != IPC_HELLO)
			continue;
		snprintf(c->dp_name, sizeof(c->dp_name), "%s", m.u.hello.name);
		c->max_sessions = m.u.hello.max_sessions;
		c->n_workers = m.u.hello.n_workers;
		struct ipc_msg ack = { .type = IPC_HELLO_ACK };
		ack.u.hello_ack.schema = IPC_SCHEMA_VERSION;
		ack.u.hello_ack.cp_boot_id = 0x70676b74;
		return send_msg(c, &ack);
	}
	return -1;
}

static void
session_add(struct ipc_msg *m, const struct pg_flow *f)
{
	struct ipc_session_add *a = &m->u.session_add;
	*m = (struct ipc_msg){ .type = IPC_SESSION_ADD };
	a->sess = f->sess;
	a->gen = 1;
	a->peer_id = f->sess;
	ipc_addr_from_v4(&a->peer_addr, __builtin_bswap32(f->peer_addr));
	a->peer_port = f->peer_port;
	ipc_addr_from_v4(&a->local_addr, __builtin_bswap32(PG_DP_OUT_ADDR));
	a->local_port = PG_SERVICE_PORT;
	ipc_addr_from_v4(&a->vaddr, __builtin_bswap32(f->vaddr));
	a->replay_window = 64;	/* OpenVPN's default */
}

static void
key_install(struct ipc_msg *m, const struct pg_flow *f, uint8_t cipher)
{
	struct ipc_key_install *k = &m->u.key_install;
	uint8_t key[32];
	unsigned klen = pg_cipher_key_len(cipher);
	*m = (struct ipc_msg){ .type = IPC_KEY_INSTALL };
	k->sess = f->sess;
	k->gen = 1;
	k->cipher = cipher;
	/* the server decrypts with the client's sending key and encrypts with its own */
	pg_key_material(f->sess, 0, key, k->rx_iv.b);
	memcpy(k->rx_key.b, key, klen);
	pg_key_material(f->sess, 1, key, k->tx_iv.b);
	memcpy(k->tx_key.b, key, klen);
	k->rx_key.len = k->tx_key.len = (uint16_t)klen;
	k->rx_iv.len = k->tx_iv.len = DP_AEAD_IV_LEN;
	k->tx_pid_start = 1;
	k->tx_pid_limit = 0xFFFFFF00u;	/* no lease renewals during a run */
	k->tx_now = 1;
}

/* The sessions the dataplane holds (its COUNTERS), once it has read everything sent. */
static long
count_sessions(struct pg_ctl *c)
{
	struct pg_dp_counters dc;
	return pg_ctl_counters(c, &dc) == 0 ? (long)dc.sessions : -1;
}

int
pg_ctl_install(struct pg_ctl *c, const struct pg_flow *flows, uint32_t n, uint8_t cipher)
{
	struct ipc_msg m;
	if (n > c->max_sessions) {
		fprintf(stderr, "pktgen: %u sessions, the dataplane has %u slots (max-sessions)\n",
			n, c->max_sessions);
		return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		session_add(&m, &flows[i]);
		if (send_msg(c, &m) != 0)
			return -1;
		key_install(&m, &flows[i], cipher);
		if (send_msg(c, &m) != 0)
			return -1;
		while (recv_msg(c, &m, 0) == 1)
			;	/* ERRORs are counted */
	}
	long held = count_sessions(c);
	if (held != (long)n || c->errors) {
		fprintf(stderr, "pktgen: the dataplane holds %ld of %u sessions, %llu errors%s%s\n",
			held, n, (unsigned long long)c->errors, c->errors ? ": " : "", c->last_error);
		return -1;
	}
	return 0;
}

void
pg_ctl_remove(struct pg_ctl *c, uint32_t n)
{
	struct ipc_msg m = { .type = IPC_SESSION_DEL };
	for (uint32_t i = 0; i < n; i++) {
		m.u.session_del.sess = i;
		m.u.session_del.gen = 1;
		send_msg(c, &m);
	}
	count_sessions(c);
}

/* ---- COUNTERS: the cost counters of every lcore ---- */

struct counter_sink {
	struct pg_dp_counters *out;
	int lcore;	/* index in out->lc, -1 for totals */
};

static void
take_counter(void *arg, const char *name, uint64_t v)
{
	struct counter_sink *s = arg;
	struct pg_dp_counters *o = s->out;
	if (s->lcore < 0) {
		if (!strcmp(name, "busy_tsc"))
			o->busy_tsc = v;
		else if (!strcmp(name, "rx_outside") || !strcmp(name, "rx_inside"))
			o->packets += v;
		else if (!strcmp(name, "decrypted"))
			o->decrypted = v;
		else if (!strcmp(name, "encrypted"))
			o->encrypted = v;
		else if (!strcmp(name, "drops"))
			o->drops = v;
		else if (!strcmp(name, "tsc_hz"))
			o->tsc_hz = v;
		else if (!strcmp(name, "sessions"))
			o->sessions = v;
		return;
	}
	if (!strcmp(name, "busy_tsc"))
		o->lc[s->lcore].busy_tsc = v;
	else if (!strcmp(name, "busy_polls"))
		o->lc[s->lcore].busy_polls = v;
	else if (!strcmp(name, "rx_outside") || !strcmp(name, "rx_inside")
		|| !strcmp(name, "handoff_received"))
		o->lc[s->lcore].packets += v;
}

static int
lcore_slot(struct pg_dp_counters *o, uint32_t id)
{
	for (unsigned i = 0; i < o->n_lcores; i++)
		if (o->lc[i].lcore_id == id)
			return (int)i;
	if (o->n_lcores == PG_MAX_LCORES)
		return -2;
	o->lc[o->n_lcores].lcore_id = id;
	return (int)o->n_lcores++;
}

int
pg_ctl_counters(struct pg_ctl *c, struct pg_dp_counters *out)
{
	static uint32_t cookie = 0xc0;
	struct ipc_msg m = { .type = IPC_COUNTERS_REQ };
	memset(out, 0, sizeof(*out));
	m.u.counters_req.cookie = ++cookie;
	if (send_msg(c, &m) != 0)
		return -1;
	uint64_t end = now_ms() + 60000;	/* behind 200k installs at 100k sessions */
	while (now_ms() < end) {
		if (recv_msg(c, &m, 100) != 1 || m.type != IPC_COUNTERS
			|| m.u.counters.cookie != cookie)
			continue;
		struct counter_sink s = { out, -1 };
		if (!strcmp(m.u.counters.kind, "lcore"))
			s.lcore = lcore_slot(out, m.u.counters.index);
		if (s.lcore >= -1 && (s.lcore >= 0 || !strcmp(m.u.counters.kind, "stats")))
			ipc_counters_each(&m.u.counters, take_counter, &s);
		if (m.u.counters.last)
			return 0;
	}
	fprintf(stderr, "pktgen: no COUNTERS from the dataplane within 60 s\n");
	return -1;
}
