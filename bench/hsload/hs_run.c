#include "hs_run.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hs_data.h"
#include "tsc.h"

#define PING_LEN 84		/* what ping(8) sends: 20 + 8 + 56 */
#define FIRST_PING_GAP_US 1000	/* rate --first-packet: one echo request per ms until answered */
#define FIRST_PING_GIVE_UP_US 2000000
#define EXIT_WAIT_US 3000000	/* an EXIT not acknowledged by then: close anyway */
#define TICK_US 2000
#define STORM_OPEN_IN_FLIGHT 64	/* storm set-up: how many come up at once before the storm */
#define SETTLE_US 1000000	/* steady traffic before and after the storm */

enum role { ROLE_RATE, ROLE_STEADY, ROLE_STORM };

struct client {
	struct hs_conn conn;
	int fd;
	bool active, up_seen, exiting, replied, measured;
	enum role role;
	uint16_t id, seq;		/* echo id (client slot), next echo seq */
	uint16_t win_start, win_end;	/* steady: echo seqs sent in the storm window */
	bool win_open, win_closed;
	uint64_t t_start_us, t_up_us, t_ping_us, t_exit_us;
	struct hs_aead aead;
};

struct run {
	const struct hs_opts *o;
	const struct hs_conf *conf;
	struct hs_result *r;
	int ep;
	struct client *pool;
	unsigned n_pool, in_flight, up_count;
	uint64_t server_cpu0, self_cpu0, t0_us;
};

static uint64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* utime + stime of a process (all its threads), in clock ticks. */
static uint64_t
proc_cpu_ticks(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');	/* the command may contain spaces */
	unsigned long long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return ut + st;
}

static void
emit_udp(void *arg, const uint8_t *pkt, size_t len)
{
	struct client *cl = arg;
	/* a full socket buffer is a lost packet: the reliability layer resends */
	(void)!send(cl->fd, pkt, len, MSG_DONTWAIT);
}

static void
note_failure(struct run *run, struct client *cl, const char *why)
{
	run->r->failed++;
	if (!run->r->first_failure[0])
		snprintf(run->r->first_failure, sizeof(run->r->first_failure), "client %u: %s", cl->id, why);
}

static struct client *
client_open(struct run *run, enum role role, uint64_t now)
{
	struct client *cl = NULL;
	for (unsigned i = 0; i < run->n_pool && !cl; i++)
		cl = run->pool[i].active ? NULL : &run->pool[i];
	if (!cl)
		return NULL;
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(run->o->bind) };
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(run->o->server),
		.sin_port = htons(run->o->port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = cl };
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0
		|| connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0 || epoll_ctl(run->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		perror("dpvpn-hsload: socket");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	uint16_t id = (uint16_t)(cl - run->pool);
	/* conn (the first member) is reset by hs_conn_start */
	memset((uint8_t *)cl + offsetof(struct client, fd), 0, sizeof(*cl) - offsetof(struct client, fd));
	cl->fd = fd;
	cl->active = true;
	cl->role = role;
	cl->id = id;
	cl->measured = role == ROLE_RATE;	/* storm: only the reconnections are */
	cl->t_start_us = now;
	if (hs_conn_start(&cl->conn, run->conf, now / 1000) != 0) {
		note_failure(run, cl, "out of memory");
		close(fd);
		cl->active = false;
		return NULL;
	}
	run->in_flight++;
	run->r->started++;
	hs_conn_poll(&cl->conn, now / 1000, emit_udp, cl);
	return cl;
}

static void
client_close(struct run *run, struct client *cl)
{
	epoll_ctl(run->ep, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	run->r->bad_packets += cl->conn.bad_packets;
	hs_conn_free(&cl->conn);
	hs_aead_free(&cl->aead);
	if (!cl->up_seen)
		run->in_flight--;
	else
		run->up_count--;
	cl->active = false;
}

static void
send_ping(struct client *cl, uint32_t dst, uint64_t now)
{
	uint8_t inner[PING_LEN], pkt[PING_LEN + HS_DATA_OVERHEAD];
	hs_icmp_echo_build(inner, sizeof(inner), cl->conn.pushed.ifconfig, dst, cl->id, cl->seq++);
	ssize_t n = hs_data_seal(&cl->aead, inner, sizeof(inner), pkt, sizeof(pkt));
	if (n > 0)
		(void)!send(cl->fd, pkt, (size_t)n, MSG_DONTWAIT);
	cl->t_ping_us = now;
}

static void
start_exit(struct client *cl, uint64_t now)
{
	hs_conn_exit(&cl->conn);
	cl->exiting = true;
	cl->t_exit_us = now;
}

static void
record_up(struct run *run, struct client *cl, uint64_t now)
{
	struct hs_result *r = run->r;
	cl->up_seen = true;
	cl->t_up_us = now;
	run->in_flight--;
	run->up_count++;
	if (run->o->ping && hs_aead_init(&cl->aead, cl->conn.pushed.cipher, cl->conn.key_block,
				cl->conn.pushed.peer_id) != 0)
		note_failure(run, cl, "data-channel keys");
	if (cl->measured) {
		r->lat_us[r->n_lat++] = (uint32_t)(now - cl->t_start_us);
		r->completed++;
	}
	if (cl->role == ROLE_RATE && !(run->o->first_packet && run->o->ping))
		start_exit(cl, now);
	else if (cl->role != ROLE_STORM)
		send_ping(cl, run->o->ping, now);
}

/* After input or a tick: what the connection's state means for the run. */
static void
client_step(struct run *run, struct client *cl, uint64_t now)
{
	if (cl->conn.state == HS_FAILED) {
		note_failure(run, cl, cl->conn.fail);
		client_close(run, cl);
		return;
	}
	if (cl->conn.state >= HS_UP && !cl->up_seen)
		record_up(run, cl, now);
	hs_conn_poll(&cl->conn, now / 1000, emit_udp, cl);
	if (cl->conn.state == HS_DONE)
		client_close(run, cl);
}

static void
on_echo_reply(struct run *run, struct client *cl, uint16_t seq, uint64_t now)
{
	struct hs_result *r = run->r;
	if (cl->role == ROLE_STEADY) {
		if (cl->win_open && (uint16_t)(seq - cl->win_start)
			< (uint16_t)((cl->win_closed ? cl->win_end : cl->seq) - cl->win_start))
			r->steady_received++;
		return;
	}
	if (cl->role == ROLE_RATE && !cl->replied) {
		cl->replied = true;
		r->first_us[r->n_first++] = (uint32_t)(now - cl->t_up_us);
		r->first_retries += seq;	/* requests 0 .. seq-1 were not answered */
		start_exit(cl, now);
	}
}

static void
data_in(struct run *run, struct client *cl, const uint8_t *pkt, size_t len, uint64_t now)
{
	uint8_t pt[2048];
	uint16_t id, seq;
	if (!cl->aead.enc)
		return;
	ssize_t n = hs_data_open(&cl->aead, pkt, len, pt, sizeof(pt));
	if (n < 0) {
		run->r->bad_packets++;
		return;
	}
	if (hs_icmp_echo_reply(pt, (size_t)n, cl->conn.pushed.ifconfig, &id, &seq) && id == cl->id)
		on_echo_reply(run, cl, seq, now);
	/* anything else (keepalive pings, OCC) is ignored, as a client would */
}

static void
on_readable(struct run *run, struct client *cl)
{
	uint8_t buf[2048];
	ssize_t n;
	uint64_t now = now_us();
	while ((n = recv(cl->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		if (buf[0] >> 3 == 9)
			data_in(run, cl, buf, (size_t)n, now);
		else
			hs_conn_input(&cl->conn, buf, (size_t)n);
		if (cl->conn.state == HS_FAILED)
			break;
	}
	client_step(run, cl, now);
}

/* Retransmissions, pings and timeouts of one client. */
static void
client_tick(struct run *run, struct client *cl, uint64_t now)
{
	const struct hs_opts *o = run->o;
	if (!cl->up_seen && now - cl->t_start_us > (uint64_t)o->timeout_s * 1000000) {
		snprintf(cl->conn.fail, sizeof(cl->conn.fail), "no PUSH_REPLY within %u s (state %d)",
			o->timeout_s, (int)cl->conn.state);
		cl->conn.state = HS_FAILED;
	} else if (cl->exiting && now - cl->t_exit_us > EXIT_WAIT_US) {
		client_close(run, cl);
		return;
	} else if (cl->up_seen && !cl->exiting && cl->aead.enc) {
		if (cl->role == ROLE_STEADY && now - cl->t_ping_us >= 1000000u / o->steady_pps) {
			send_ping(cl, o->ping, now);
			run->r->steady_sent += cl->win_open && !cl->win_closed;
		} else if (cl->role == ROLE_RATE && !cl->replied && now - cl->t_ping_us >= FIRST_PING_GAP_US) {
			if (now - cl->t_up_us > FIRST_PING_GIVE_UP_US) {
				note_failure(run, cl, "no echo reply through the tunnel");
				start_exit(cl, now);
			} else {
				send_ping(cl, o->ping, now);
			}
		}
	}
	if (cl->active && (cl->conn.state == HS_FAILED || hs_conn_deadline(&cl->conn) <= now / 1000))
		client_step(run, cl, now);
}

static void
pump(struct run *run, int wait_ms)
{
	struct epoll_event evs[256];
	static uint64_t last_tick;
	int n = epoll_wait(run->ep, evs, 256, wait_ms);
	for (int i = 0; i < n; i++) {
		struct client *cl = evs[i].data.ptr;
		if (cl->active)
			on_readable(run, cl);
	}
	uint64_t now = now_us();
	if (now - last_tick < TICK_US)
		return;
	last_tick = now;
	for (unsigned i = 0; i < run->n_pool; i++)
		if (run->pool[i].active)
			client_tick(run, &run->pool[i], now);
}

static void
measure_begin(struct run *run)
{
	run->t0_us = now_us();
	run->server_cpu0 = run->o->cpu_pid ? proc_cpu_ticks(run->o->cpu_pid) : 0;
	run->self_cpu0 = proc_cpu_ticks(getpid());
}

static void
measure_end(struct run *run)
{
	double tick = (double)sysconf(_SC_CLK_TCK);
	struct hs_result *r = run->r;
	r->wall_s = (double)(now_us() - run->t0_us) / 1e6;
	if (run->o->cpu_pid)
		r->server_cpu_s = (double)(proc_cpu_ticks(run->o->cpu_pid) - run->server_cpu0) / tick;
	r->client_cpu_s = (double)(proc_cpu_ticks(getpid()) - run->self_cpu0) / tick;
}

/* Everything still open says EXIT and goes; a little time for the ACKs. */
static void
drain(struct run *run)
{
	uint64_t now = now_us(), end = now + EXIT_WAIT_US;
	for (unsigned i = 0; i < run->n_pool; i++) {
		struct client *cl = &run->pool[i];
		if (cl->active && cl->up_seen && !cl->exiting) {
			start_exit(cl, now);
			client_step(run, cl, now);
		} else if (cl->active && !cl->up_seen) {
			client_close(run, cl);
		}
	}
	while (run->up_count && now_us() < end)
		pump(run, 2);
	for (unsigned i = 0; i < run->n_pool; i++)
		if (run->pool[i].active)
			client_close(run, &run->pool[i]);
}

static void
run_rate(struct run *run)
{
	const struct hs_opts *o = run->o;
	measure_begin(run);
	while (run->r->completed + run->r->failed < o->handshakes) {
		uint64_t now = now_us();
		while (run->in_flight < o->clients && run->r->started < o->handshakes)
			if (!client_open(run, ROLE_RATE, now))
				break;
		pump(run, 1);
	}
	measure_end(run);
}

/* Until every connection opened is up or has failed (each one times out). */
static void
wait_up(struct run *run)
{
	while (run->in_flight)
		pump(run, 1);
}

static void
settle(struct run *run, uint64_t us)
{
	uint64_t end = now_us() + us;
	while (now_us() < end)
		pump(run, 1);
}

static void
steady_window(struct run *run, bool open)
{
	for (unsigned i = 0; i < run->n_pool; i++) {
		struct client *cl = &run->pool[i];
		if (!cl->active || cl->role != ROLE_STEADY)
			continue;
		if (open) {
			cl->win_open = true;
			cl->win_start = cl->seq;
		} else {
			cl->win_closed = true;
			cl->win_end = cl->seq;
		}
	}
}

/* The storm: every storm session leaves and comes back at the same moment. */
static void
reconnect_all(struct run *run)
{
	uint64_t now = now_us();
	unsigned n = run->n_pool;
	for (unsigned i = 0; i < n; i++) {
		struct client *cl = &run->pool[i];
		if (!cl->active || cl->role != ROLE_STORM || cl->exiting || cl->measured)
			continue;
		start_exit(cl, now);
		client_step(run, cl, now);
		struct client *fresh = client_open(run, ROLE_STORM, now);
		if (fresh)
			fresh->measured = true;
	}
}

static void
run_storm(struct run *run)
{
	const struct hs_opts *o = run->o;
	for (unsigned i = 0; i < o->steady; i++)
		client_open(run, ROLE_STEADY, now_us());
	wait_up(run);
	while (run->r->started < o->steady + o->clients && run->r->failed == 0) {
		while (run->in_flight < STORM_OPEN_IN_FLIGHT && run->r->started < o->steady + o->clients)
			if (!client_open(run, ROLE_STORM, now_us()))
				break;
		pump(run, 1);
	}
	wait_up(run);
	settle(run, SETTLE_US);
	steady_window(run, true);
	measure_begin(run);
	reconnect_all(run);
	wait_up(run);
	measure_end(run);
	run->r->storm_s = run->r->wall_s;
	steady_window(run, false);
	settle(run, SETTLE_US);
}

int
hs_run(const struct hs_opts *o, const struct hs_conf *conf, struct hs_result *r)
{
	struct run run = { .o = o, .conf = conf, .r = r };
	unsigned measured = o->mode == HS_MODE_RATE ? o->handshakes : o->clients;
	/* exiting connections keep their slot until the EXIT is acknowledged */
	run.n_pool = 2 * o->clients + o->steady;
	run.pool = calloc(run.n_pool, sizeof(*run.pool));
	r->lat_us = calloc(measured + 1, sizeof(uint32_t));
	r->first_us = calloc(measured + 1, sizeof(uint32_t));
	run.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!run.pool || !r->lat_us || !r->first_us || run.ep < 0) {
		fprintf(stderr, "dpvpn-hsload: out of memory\n");
		return -1;
	}
	r->tsc_hz = bench_tsc_hz();
	if (o->mode == HS_MODE_RATE)
		run_rate(&run);
	else
		run_storm(&run);
	drain(&run);
	close(run.ep);
	free(run.pool);
	return r->failed || r->completed < measured ? 1 : 0;
}
