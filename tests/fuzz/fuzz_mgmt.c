/*
 * Fuzz the management interface protocol (mgmt/): the input is what a
 * management client sends. Byte 0 picks options (chunk sizes, a deferred
 * `status`, which notifications the daemon interleaves); the rest is fed,
 * in chunks, to a connection on a fresh struct mgmt without a password and
 * to one on a fresh struct mgmt with one. The output is drained in uneven
 * pieces. Properties checked (abort on violation):
 *  - every "\n" written is preceded by "\r" and every "\r" followed by "\n";
 *  - unread output never exceeds MGMT_OUTPUT_MAX;
 *  - without a password the transcript starts with the greeting; with one,
 *    nothing but the prompt and "ERROR: bad password" comes before
 *    "SUCCESS: password is correct" (no notification leaks), and a second
 *    connection that never answers the prompt gets the prompt only;
 *  - mgmt_lex on the input as a string either fails with an "ERROR: Options"
 *    line or returns at most 16 tokens of at most 256 characters.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt.h"
#include "mgmt_lex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t fuzz_seed(unsigned idx, uint8_t *buf, size_t cap);

#define GREETING ">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info\r\n"
#define PROMPT "ENTER PASSWORD:"
#define BAD_PW "ERROR: bad password\r\n"
#define GOOD_PW "SUCCESS: password is correct\r\n"
#define TRANSCRIPT_MAX 8192	/* the start of what a connection was sent */

static struct {
	bool defer;			/* status answers later */
	struct mgmt_conn *pending;	/* a connection waiting for its status */
	uint32_t rng;
} S;

static uint32_t
rnd(void)
{
	S.rng = S.rng * 1103515245u + 12345u;
	return S.rng >> 8;
}

static void
op_load_stats(void *arg, unsigned *n, uint64_t *in, uint64_t *out)
{
	(void)arg;
	*n = 2;
	*in = 123456789012ull;
	*out = 42;
}

static bool
op_status(void *arg, struct mgmt_conn *c, int version)
{
	(void)arg;
	if (version < 1 || version > 3)
		abort();
	mgmt_conn_print(c, "TITLE%sfuzz", version == 3 ? "\t" : ",");
	if (S.defer) {
		S.pending = c;
		return false;
	}
	mgmt_conn_write(c, "END\r\n", 5);
	return true;
}

static int
op_kill_cn(void *arg, const char *cn)
{
	(void)arg;
	if (strlen(cn) >= 128)
		abort();
	return cn[0] == 'a';
}

static int
op_kill_addr(void *arg, uint32_t addr, uint16_t port)
{
	(void)arg;
	if (port == 0)
		abort();
	return (int)(addr & 1);
}

static bool
op_client_kill(void *arg, unsigned long cid, const char *msg)
{
	(void)arg;
	(void)msg;
	return cid & 1;
}

static bool
op_client_auth(void *arg, unsigned long cid, unsigned kid, bool ok, const char *config,
	const char *reason, const char *client_reason)
{
	(void)arg;
	(void)kid;
	(void)client_reason;
	if (config && (!ok || strlen(config) > MGMT_BLOCK_MAX))
		abort();
	if (!ok && !reason)
		abort();
	return cid & 1;
}

static bool
op_pending(void *arg, unsigned long cid, unsigned kid, const char *extra, unsigned timeout)
{
	(void)arg;
	(void)kid;
	(void)timeout;
	return (cid & 1) && strlen(extra) < 200;
}

static int
op_signal(void *arg, int signo)
{
	(void)arg;
	return signo & 1 ? 0 : -1;
}

static int
op_level(void *arg, int set)
{
	(void)arg;
	return set < 0 ? 3 : set > 15 ? -1 : set;
}

static void
op_hold_release(void *arg)
{
	(void)arg;
}

static const struct mgmt_ops OPS = {
	.load_stats = op_load_stats, .status = op_status, .kill_cn = op_kill_cn,
	.kill_addr = op_kill_addr, .client_kill = op_client_kill, .client_auth = op_client_auth,
	.client_pending_auth = op_pending, .signal = op_signal, .verb = op_level,
	.mute = op_level, .hold_release = op_hold_release,
};

/* What one connection was sent: the start of it, and the last byte. */
struct transcript {
	char buf[TRANSCRIPT_MAX];
	size_t len;
	char last;
};

static void
drain(struct mgmt_conn *c, struct transcript *t)
{
	size_t len;
	const char *p;
	while ((p = mgmt_conn_output(c, &len)) != NULL && len > 0) {
		if (len > MGMT_OUTPUT_MAX)
			abort();
		size_t take = 1 + rnd() % len;
		for (size_t i = 0; i < take; i++) {
			if (p[i] == '\n' && t->last != '\r')
				abort();
			if (t->last == '\r' && p[i] != '\n')
				abort();
			t->last = p[i];
			if (t->len < sizeof(t->buf))
				t->buf[t->len++] = p[i];
		}
		mgmt_conn_consume(c, take);
	}
}

/* The daemon's side, between two reads from the client. */
static void
daemon_events(struct mgmt *m, unsigned opt, unsigned step)
{
	static const char *const env[] = {
		"n_clients=1", "password=s3cret", "untrusted_port=51234", "untrusted_ip=203.0.113.5",
		"common_name=client1", "username=alice", "X509_0_CN=client1", "IV_VER=2.6.8",
	};
	static const char *const peer_info[] = { "IV_VER=2.6.8", "IV_PLAT=linux", "IV_PROTO=990" };
	const struct mgmt_bytecount b[] = {
		{ 0, 5123, 8734, 1000000 + step * 700ull },
		{ 1, 1, 2, 1000000 },
	};
	switch ((opt >> 2) % 4) {
	case 0:
		break;
	case 1:
		mgmt_log(m, 1714564800 + step, step & 1 ? "I" : "", "MULTI: fuzz log line");
		mgmt_state(m, 1714564800 + step, "CONNECTED", "SUCCESS", "10.8.0.1");
		break;
	case 2:
		mgmt_notify(m, ">CLIENT:ADDRESS,%u,10.8.0.6,1", step);
		mgmt_notify_client(m, "CONNECT,0,1", env, 8, peer_info, 3);
		break;
	case 3:
		mgmt_bytecount_report(m, 1000000 + step * 600ull, b, 2);
		if (step == 3)
			mgmt_hold_begin(m);
		break;
	}
}

static void
check_transcript(const struct transcript *t, bool password)
{
	const char *s = t->buf;
	size_t n = t->len;
	if (!password) {
		size_t g = strlen(GREETING);
		if (n < g || memcmp(s, GREETING, g) != 0)
			abort();
		return;
	}
	/* (PROMPT (BAD_PW PROMPT)* (BAD_PW | GOOD_PW GREETING ...)?) */
	if (n < strlen(PROMPT) || memcmp(s, PROMPT, strlen(PROMPT)) != 0)
		abort();
	size_t i = strlen(PROMPT);
	for (;;) {
		if (i == n)
			return;
		if (n - i >= strlen(GOOD_PW) && !memcmp(s + i, GOOD_PW, strlen(GOOD_PW))) {
			i += strlen(GOOD_PW);
			size_t g = strlen(GREETING);
			if (n - i < g ? memcmp(s + i, GREETING, n - i) != 0
				: memcmp(s + i, GREETING, g) != 0)
				abort();
			return;
		}
		size_t b = strlen(BAD_PW);
		if (n - i < b ? memcmp(s + i, BAD_PW, n - i) != 0 : memcmp(s + i, BAD_PW, b) != 0)
			abort();
		i += b < n - i ? b : n - i;
		if (i == n)
			return;
		size_t p = strlen(PROMPT);
		if (n - i < p ? memcmp(s + i, PROMPT, n - i) != 0 : memcmp(s + i, PROMPT, p) != 0)
			abort();
		i += p < n - i ? p : n - i;
	}
}

static void
run_session(const uint8_t *data, size_t size, unsigned opt, bool password)
{
	static struct transcript t, t_idle;
	const struct mgmt_conf conf = {
		.title = "OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [EPOLL] [AEAD]",
		.password = password ? "pw" : NULL, .log_cache = 1 + opt % 7,
		.status_version = (int)(opt % 4), .hold = opt & 0x40, .pid = 99,
	};
	struct mgmt *m = mgmt_new(&conf, &OPS);
	if (!m)
		abort();
	S.defer = opt & 0x80;
	S.pending = NULL;
	S.rng = opt * 2654435761u + (password ? 7 : 0) + (uint32_t)size;
	memset(&t, 0, sizeof(t));
	memset(&t_idle, 0, sizeof(t_idle));

	struct mgmt_conn *c = mgmt_conn_open(m, NULL);
	struct mgmt_conn *idle = password ? mgmt_conn_open(m, NULL) : NULL;
	if (!c || (password && !idle))
		abort();
	drain(c, &t);
	size_t off = 0;
	for (unsigned step = 0; off < size && !mgmt_conn_should_close(c); step++) {
		size_t chunk = 1 + rnd() % (opt & 2 ? 16 : 600);
		if (chunk > size - off)
			chunk = size - off;
		mgmt_conn_input(c, (const char *)data + off, chunk);
		off += chunk;
		drain(c, &t);
		daemon_events(m, opt, step);
		if (S.pending && (rnd() & 1)) {
			struct mgmt_conn *p = S.pending;
			S.pending = NULL;
			mgmt_conn_print(p, "END");
			mgmt_conn_resume(p);
		}
		drain(c, &t);
		if (mgmt_bytecount_interval(m) > 0x7fffffff)
			abort();
	}
	if (S.pending) {
		mgmt_conn_print(S.pending, "END");
		mgmt_conn_resume(S.pending);
		S.pending = NULL;
	}
	drain(c, &t);
	if (t.last == '\r')
		abort();
	check_transcript(&t, password);
	if (idle) {
		drain(idle, &t_idle);
		if (t_idle.len != strlen(PROMPT) || memcmp(t_idle.buf, PROMPT, t_idle.len) != 0)
			abort();
		if (mgmt_conn_should_close(idle))
			abort();
	}
	mgmt_conn_close(c);
	if (mgmt_conn_count(m) != (password ? 1u : 0u))
		abort();
	mgmt_free(m);
}

static void
run_lex(const uint8_t *data, size_t size)
{
	static char line[1 << 16];
	static struct mgmt_argv a;
	char err[512];
	if (size >= sizeof(line))
		size = sizeof(line) - 1;
	memcpy(line, data, size);
	line[size] = '\0';
	int n = mgmt_lex(line, &a, err, sizeof(err));
	if (n < 0) {
		if (strncmp(err, "ERROR: Options ", 15) != 0)
			abort();
		return;
	}
	if (n > MGMT_LEX_MAX_TOKENS || a.argc != n || a.argv[n] != NULL)
		abort();
	for (int i = 0; i < n; i++)
		if (!a.argv[i] || strlen(a.argv[i]) > MGMT_LEX_TOKEN_MAX)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned opt = data[0];
	run_session(data + 1, size - 1, opt, false);
	/* with a password: the first line is a good or a bad one, as opt says */
	static uint8_t buf[1 << 16];
	size_t n = size - 1 > sizeof(buf) - 3 ? sizeof(buf) - 3 : size - 1;
	size_t k = 0;
	if (opt & 1) {
		memcpy(buf, "pw\n", 3);
		k = 3;
	}
	memcpy(buf + k, data + 1, n);
	run_session(buf, n + k, opt, true);
	run_lex(data + 1, size - 1);
	return 0;
}

/* ---- seeds for the standalone driver's mutations ---- */

static const char *const seeds[] = {
	"\x01" "help\nversion\nversion 3\npid\nload-stats\nnclients\nstatus\nstatus 2\nstatus 7\n"
	"state\nstate on all\nlog on all\necho all\nlog 2\nbytecount 1\nquit\n",
	"\x85" "env-filter 2\nclient-auth 1 2\npush \"route 10.10.0.0 255.255.0.0\"\n"
	"ifconfig-push 10.8.0.50 255.255.255.0\nEND\nclient-auth-nt 1 2\n"
	"client-deny 1 2 \"bad pw\" \"go away\"\nclient-pending-auth 1 2 CR_TEXT:R,E:PIN 60\n"
	"client-kill 3 HALT\nclient-kill x\n",
	"\x8a" "status 3\npid\nkill alice\nkill 1.2.3.4:5678\nkill udp:1.2.3.4:5678\n"
	"kill 1.2.3.4:99999\nkill bad:5678\nkill :\nsignal \"SIGTERM\"\nsignal SIGFOO\n",
	"\x4d" "hold\nhold on\nhold release\nverb\nverb 4\nverb 99\nmute 3\ntest 3\n"
	"echo \"abc\necho 'abc\necho a\\b\necho a\\\\b 'c\\d' \"e\\\"f\" g\\ h\n"
	"a b c d e f g h i j k l m n o p q r s t\n# comment\n; comment\n\r\n",
	"\x0e" "cr-response abc\nusername Auth bob\npassword x y\nneedok a ok\nneedstr a b\n"
	"remote ACCEPT\nproxy NONE\nremote-entry-count\nnet\npk-sig\ncertificate\nfoo\n"
	"bytecount 0\nenv-filter 3\nexit\n",
};

size_t
fuzz_seed(unsigned idx, uint8_t *buf, size_t cap)
{
	const char *s = seeds[idx % (sizeof(seeds) / sizeof(seeds[0]))];
	size_t n = strlen(s);
	if (n > cap)
		n = cap;
	memcpy(buf, s, n);
	return n;
}
