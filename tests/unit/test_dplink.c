/* The control plane's ZeroMQ link against an in-process DEALER playing a dataplane. */
#include <stdlib.h>
#include <unistd.h>
#include <zmq.h>

#include "dplink.h"
#include "harness.h"

static int hellos, restarts, msgs;
static uint32_t last_type;

static void
on_hello(void *arg, unsigned dp, bool restarted)
{
	(void)arg;
	(void)dp;
	hellos++;
	restarts += restarted;
}

static void
on_msg(void *arg, unsigned dp, const struct ipc_msg *m)
{
	(void)arg;
	(void)dp;
	msgs++;
	last_type = m->type;
}

static void
send_msg(void *s, const struct ipc_msg *m)
{
	uint8_t buf[IPC_MSG_MAX];
	int n = ipc_encode(m, buf, sizeof(buf));
	zmq_send(s, buf, (size_t)n, 0);
}

static void
spin(struct ev_loop *l, struct dplink *dl)
{
	for (int i = 0; i < 20; i++) {
		usleep(2000);
		ev_run_once(l, 5);
		dplink_poll(dl);
	}
}

static struct ipc_msg
hello(uint64_t boot)
{
	struct ipc_msg m = { .type = IPC_HELLO };
	m.u.hello.schema = IPC_SCHEMA_VERSION;
	snprintf(m.u.hello.name, sizeof(m.u.hello.name), "dp-test");
	m.u.hello.boot_id = boot;
	m.u.hello.n_workers = 2;
	m.u.hello.max_sessions = 1024;
	return m;
}

int
main(void)
{
	char ep[128], err[256];
	snprintf(ep, sizeof(ep), "ipc:///tmp/dpvpn-test-dplink-%d/cp.sock", getpid());
	struct ev_loop *l = ev_new();
	struct dplink *dl = NULL;
	struct dplink_ops ops = { on_hello, on_msg };
	CHECK_EQ(dplink_open(&dl, l, ep, &ops, NULL, err, sizeof(err)), 0);

	void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_DEALER);
	int zero = 0, tmo = 1000;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &tmo, sizeof(tmo));
	CHECK_EQ(zmq_connect(s, ep), 0);

	/* a message before HELLO is refused */
	struct ipc_msg done = { .type = IPC_STATS_DONE };
	send_msg(s, &done);
	spin(l, dl);
	CHECK_EQ(msgs, 0);
	CHECK_EQ(dplink_rx_bad(dl), 1);

	struct ipc_msg h = hello(42);
	send_msg(s, &h);
	spin(l, dl);
	CHECK_EQ(hellos, 1);
	CHECK_EQ(restarts, 1);
	uint8_t buf[IPC_MSG_MAX];
	struct ipc_msg ack;
	int n = zmq_recv(s, buf, sizeof(buf), 0);
	CHECK(n > 0 && ipc_decode(buf, (size_t)n, &ack) == 0 && ack.type == IPC_HELLO_ACK);

	send_msg(s, &h);		/* repeated HELLO, same boot: not a restart */
	h.u.hello.boot_id = 43;		/* then a restart */
	send_msg(s, &h);
	spin(l, dl);
	CHECK_EQ(hellos, 3);
	CHECK_EQ(restarts, 2);
	CHECK_EQ(dplink_count(dl), 1);
	for (int i = 0; i < 2; i++) {	/* each HELLO is acknowledged */
		n = zmq_recv(s, buf, sizeof(buf), 0);
		CHECK(n > 0 && ipc_decode(buf, (size_t)n, &ack) == 0 && ack.type == IPC_HELLO_ACK);
	}
	CHECK(strcmp(dplink_get(dl, 0)->name, "dp-test") == 0);

	send_msg(s, &done);
	zmq_send(s, "\xc1garbage", 8, 0);
	struct ipc_msg wrong = { .type = IPC_SESSION_DEL };	/* cp->dp type from a dataplane */
	send_msg(s, &wrong);
	spin(l, dl);
	CHECK_EQ(msgs, 1);
	CHECK_EQ(last_type, IPC_STATS_DONE);
	CHECK_EQ(dplink_rx_bad(dl), 3);

	struct ipc_msg req = { .type = IPC_STATS_REQ };
	req.u.stats_req.cookie = 9;
	CHECK_EQ(dplink_send(dl, 0, &req), 0);
	n = zmq_recv(s, buf, sizeof(buf), 0);
	struct ipc_msg got;
	CHECK(n > 0 && ipc_decode(buf, (size_t)n, &got) == 0 && got.type == IPC_STATS_REQ
		&& got.u.stats_req.cookie == 9);
	CHECK_EQ(dplink_send(dl, 5, &req), -1);

	/* A second dataplane on the same control plane: told apart by name. */
	void *s2 = zmq_socket(ctx, ZMQ_DEALER);
	zmq_setsockopt(s2, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s2, ZMQ_RCVTIMEO, &tmo, sizeof(tmo));
	CHECK_EQ(zmq_connect(s2, ep), 0);
	struct ipc_msg h2 = hello(77);
	snprintf(h2.u.hello.name, sizeof(h2.u.hello.name), "dp-second");
	send_msg(s2, &h2);
	spin(l, dl);
	CHECK_EQ(dplink_count(dl), 2);
	CHECK(strcmp(dplink_get(dl, 1)->name, "dp-second") == 0);
	n = zmq_recv(s2, buf, sizeof(buf), 0);
	CHECK(n > 0 && ipc_decode(buf, (size_t)n, &ack) == 0 && ack.type == IPC_HELLO_ACK);
	req.u.stats_req.cookie = 10;
	CHECK_EQ(dplink_send(dl, 1, &req), 0);	/* reaches the second one only */
	n = zmq_recv(s2, buf, sizeof(buf), 0);
	CHECK(n > 0 && ipc_decode(buf, (size_t)n, &got) == 0 && got.u.stats_req.cookie == 10);
	int nowait = 0;
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &nowait, sizeof(nowait));
	CHECK(zmq_recv(s, buf, sizeof(buf), 0) < 0);
	zmq_close(s2);

	zmq_close(s);
	zmq_ctx_term(ctx);
	dplink_close(dl);
	ev_free(l);
	char path[128];
	snprintf(path, sizeof(path), "/tmp/dpvpn-test-dplink-%d/cp.sock", getpid());
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	return harness_done("dplink");
}
