/*
 * The OpenVPN management interface protocol (mgmt/), byte for byte against
 * mgmt-interfaces.md Part A (A1 transport, A2 grammar, A3 help, A4 commands,
 * A6 >CLIENT blocks and env-filter, A7 notifications, A8 interleaving, A11
 * per-connection state). A fake struct mgmt_ops records what the daemon
 * would be asked; every reply is compared whole, "\r\n" line ends included.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>

#include "harness.h"
#include "mgmt.h"
#include "mgmt_lex.h"

#define TITLE "OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] " \
	"[PKCS11] [MH/PKTINFO] [AEAD] [DCO]"
#define GREETING ">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info\r\n"
#define HOLD_LINE ">HOLD:Waiting for hold release:0\r\n"
#define PROMPT "ENTER PASSWORD:"
#define T0 1714564800

/* ---- the fake daemon ---- */

static struct fake {
	/* configured answers */
	unsigned nclients;
	uint64_t bytes_in, bytes_out;
	bool status_now;		/* false: defer the status reply */
	int signal_ret;
	int verb, mute;
	/* what was asked */
	int status_calls, status_version;
	struct mgmt_conn *status_conn;
	int kill_cn_calls;
	char kill_cn[300];
	int kill_addr_calls;
	uint32_t kill_addr;
	uint16_t kill_port;
	int client_kill_calls;
	unsigned long ck_cid;
	char ck_msg[64];
	bool ck_msg_null;
	int client_auth_calls;
	unsigned long ca_cid;
	unsigned ca_kid;
	bool ca_ok, ca_config_null, ca_reason_null, ca_client_reason_null;
	char ca_config[4096], ca_reason[300], ca_client_reason[300];
	int pending_calls;
	unsigned long pa_cid;
	unsigned pa_kid, pa_timeout;
	char pa_extra[300];
	int signal_calls, signo;
	int hold_release_calls;
	int wake_calls;
} F;

static void
fake_reset(void)
{
	memset(&F, 0, sizeof(F));
	F.nclients = 3;
	F.bytes_in = 1000;
	F.bytes_out = 2000;
	F.status_now = true;
	F.verb = 3;
	F.mute = 0;
}

static void
copy(char *dst, size_t cap, const char *src, bool *was_null)
{
	if (was_null)
		*was_null = src == NULL;
	snprintf(dst, cap, "%s", src ? src : "");
}

static void
op_load_stats(void *arg, unsigned *nclients, uint64_t *in, uint64_t *out)
{
	(void)arg;
	*nclients = F.nclients;
	*in = F.bytes_in;
	*out = F.bytes_out;
}

static bool
op_status(void *arg, struct mgmt_conn *c, int version)
{
	(void)arg;
	F.status_calls++;
	F.status_version = version;
	F.status_conn = c;
	if (!F.status_now)
		return false;
	mgmt_conn_print(c, "STATUS,v%d", version);
	mgmt_conn_print(c, "END");
	return true;
}

static int
op_kill_cn(void *arg, const char *cn)
{
	(void)arg;
	F.kill_cn_calls++;
	copy(F.kill_cn, sizeof(F.kill_cn), cn, NULL);
	return strcmp(cn, "alice") == 0 ? 1 : strcmp(cn, "twins") == 0 ? 2 : 0;
}

static int
op_kill_addr(void *arg, uint32_t addr, uint16_t port)
{
	(void)arg;
	F.kill_addr_calls++;
	F.kill_addr = addr;
	F.kill_port = port;
	return addr == 0x01020304u && port == 5678 ? 1 : 0;
}

static bool
op_client_kill(void *arg, unsigned long cid, const char *msg)
{
	(void)arg;
	F.client_kill_calls++;
	F.ck_cid = cid;
	copy(F.ck_msg, sizeof(F.ck_msg), msg, &F.ck_msg_null);
	return cid == 3;
}

static bool
op_client_auth(void *arg, unsigned long cid, unsigned kid, bool ok, const char *config,
	const char *reason, const char *client_reason)
{
	(void)arg;
	F.client_auth_calls++;
	F.ca_cid = cid;
	F.ca_kid = kid;
	F.ca_ok = ok;
	copy(F.ca_config, sizeof(F.ca_config), config, &F.ca_config_null);
	copy(F.ca_reason, sizeof(F.ca_reason), reason, &F.ca_reason_null);
	copy(F.ca_client_reason, sizeof(F.ca_client_reason), client_reason,
		&F.ca_client_reason_null);
	return cid == 1;
}

static bool
op_pending(void *arg, unsigned long cid, unsigned kid, const char *extra, unsigned timeout)
{
	(void)arg;
	F.pending_calls++;
	F.pa_cid = cid;
	F.pa_kid = kid;
	F.pa_timeout = timeout;
	copy(F.pa_extra, sizeof(F.pa_extra), extra, NULL);
	return strlen(extra) < 100;
}

static int
op_signal(void *arg, int signo)
{
	(void)arg;
	F.signal_calls++;
	F.signo = signo;
	return signo == SIGHUP ? -1 : F.signal_ret;
}

static int
op_verb(void *arg, int set)
{
	(void)arg;
	if (set < 0)
		return F.verb;
	if (set > 15)
		return -1;
	return F.verb = set;
}

static int
op_mute(void *arg, int set)
{
	(void)arg;
	if (set < 0)
		return F.mute;
	return F.mute = set;
}

static void
op_hold_release(void *arg)
{
	(void)arg;
	F.hold_release_calls++;
}

static void
op_wake(void *arg, struct mgmt_conn *c)
{
	(void)arg;
	(void)c;
	F.wake_calls++;
}

static const struct mgmt_ops OPS = {
	.load_stats = op_load_stats, .status = op_status, .kill_cn = op_kill_cn,
	.kill_addr = op_kill_addr, .client_kill = op_client_kill, .client_auth = op_client_auth,
	.client_pending_auth = op_pending, .signal = op_signal, .verb = op_verb, .mute = op_mute,
	.hold_release = op_hold_release, .wake = op_wake, .arg = &F,
};

static struct mgmt *
new_mgmt_conf(const char *password, unsigned log_cache, int status_version, bool hold)
{
	struct mgmt_conf conf = {
		.title = TITLE, .password = password, .log_cache = log_cache,
		.status_version = status_version, .hold = hold, .pid = 4242,
	};
	struct mgmt *m = mgmt_new(&conf, &OPS);
	CHECK(m != NULL);
	return m;
}

static struct mgmt *
new_mgmt(const char *password)
{
	return new_mgmt_conf(password, 250, 1, false);
}

/* ---- output capture ---- */

static size_t out_len;

/* Everything the connection has to write, as a string (caller frees). */
static char *
drain(struct mgmt_conn *c)
{
	char *s = malloc(1);
	size_t total = 0, len;
	const char *p;
	while ((p = mgmt_conn_output(c, &len)) != NULL && len > 0) {
		/* read it in two goes, as a short write would */
		size_t take = len > 7 ? len / 2 : len;
		s = realloc(s, total + take + 1);
		memcpy(s + total, p, take);
		total += take;
		mgmt_conn_consume(c, take);
	}
	s[total] = '\0';
	out_len = total;
	return s;
}

static char *
feed_n(struct mgmt_conn *c, const char *in, size_t n)
{
	mgmt_conn_input(c, in, n);
	return drain(c);
}

static char *
feed(struct mgmt_conn *c, const char *in)
{
	return feed_n(c, in, strlen(in));
}

static void
print_escaped(const char *s, size_t max)
{
	size_t n = 0;
	for (; *s && n < max; s++, n++) {
		if (*s == '\r')
			fputs("\\r", stderr);
		else if (*s == '\n')
			fputs("\\n\n          ", stderr);
		else if ((unsigned char)*s < 0x20)
			fprintf(stderr, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, stderr);
	}
	if (*s)
		fputs("...", stderr);
}

/* Compares a whole output; prints both, escaped, when they differ. Frees got. */
#define CHECK_OUT(label, got, want) check_out(__FILE__, __LINE__, (label), (got), (want))

static bool
check_out(const char *file, int line, const char *label, char *got, const char *want)
{
	bool ok = strcmp(got, want) == 0;
	harness_checks++;
	if (!ok) {
		harness_failures++;
		fprintf(stderr, "%s:%d: [", file, line);
		print_escaped(label, 80);
		fprintf(stderr, "] output differs\n  want:   ");
		print_escaped(want, 3000);
		fprintf(stderr, "\n  got:    ");
		print_escaped(got, 3000);
		fputc('\n', stderr);
	}
	free(got);
	return ok;
}

/* A fresh interface and a connection whose greeting has been read. */
static struct mgmt_conn *
open_conn(struct mgmt *m)
{
	struct mgmt_conn *c = mgmt_conn_open(m, NULL);
	CHECK(c != NULL);
	if (c)
		CHECK_OUT("greeting", drain(c), GREETING);
	return c;
}

/* One command on a fresh interface and connection: its whole reply. */
static char *
once(const char *in)
{
	struct mgmt *m = new_mgmt(NULL);
	struct mgmt_conn *c = open_conn(m);
	char *out = feed(c, in);
	mgmt_free(m);
	return out;
}

static const char help_text[] =
	"Management Interface for " TITLE "\r\n"
	"Commands:\r\n"
	"auth-retry t           : Auth failure retry mode (none,interact,nointeract).\r\n"
	"bytecount n            : Show bytes in/out, update every n secs (0=off).\r\n"
	"echo [on|off] [N|all]  : Like log, but only show messages in echo buffer.\r\n"
	"cr-response response   : Send a challenge response answer via CR_RESPONSE to server\r\n"
	"exit|quit              : Close management session.\r\n"
	"forget-passwords       : Forget passwords entered so far.\r\n"
	"help                   : Print this message.\r\n"
	"hold [on|off|release]  : Set/show hold flag to on/off state, or\r\n"
	"                         release current hold and start tunnel.\r\n"
	"kill cn                : Kill the client instance(s) having common name cn.\r\n"
	"kill IP:port           : Kill the client instance connecting from IP:port.\r\n"
	"load-stats             : Show global server load stats.\r\n"
	"log [on|off] [N|all]   : Turn on/off realtime log display\r\n"
	"                         + show last N lines or 'all' for entire history.\r\n"
	"mute [n]               : Set log mute level to n, or show level if n is absent.\r\n"
	"needok type action     : Enter confirmation for NEED-OK request of 'type',\r\n"
	"                         where action = 'ok' or 'cancel'.\r\n"
	"needstr type action    : Enter confirmation for NEED-STR request of 'type',\r\n"
	"                         where action is reply string.\r\n"
	"net                    : (Windows only) Show network info and routing table.\r\n"
	"password type p        : Enter password p for a queried OpenVPN password.\r\n"
	"remote type [host port] : Override remote directive, type=ACCEPT|MOD|SKIP.\r\n"
	"remote-entry-count     : Get number of available remote entries.\r\n"
	"remote-entry-get  i|all [j]: Get remote entry at index = i to to j-1 or all.\r\n"
	"proxy type [host port flags] : Enter dynamic proxy server info.\r\n"
	"pid                    : Show process ID of the current OpenVPN process.\r\n"
	"client-auth CID KID    : Authenticate client-id/key-id CID/KID (MULTILINE)\r\n"
	"client-auth-nt CID KID : Authenticate client-id/key-id CID/KID\r\n"
	"client-deny CID KID R [CR] : Deny auth client-id/key-id CID/KID with log reason\r\n"
	"                             text R and optional client reason text CR\r\n"
	"client-pending-auth CID KID MSG timeout : Instruct OpenVPN to send AUTH_PENDING and INFO_PRE msg\r\n"
	"                                      to the client and wait for a final client-auth/client-deny\r\n"
	"client-kill CID [M]    : Kill client instance CID with message M (def=RESTART)\r\n"
	"env-filter [level]     : Set env-var filter level\r\n"
	"rsa-sig                : Enter a signature in response to >RSA_SIGN challenge\r\n"
	"                         Enter signature base64 on subsequent lines followed by END\r\n"
	"pk-sig                 : Enter a signature in response to >PK_SIGN challenge\r\n"
	"                         Enter signature base64 on subsequent lines followed by END\r\n"
	"certificate            : Enter a client certificate in response to >NEED-CERT challenge\r\n"
	"                         Enter certificate base64 on subsequent lines followed by END\r\n"
	"signal s               : Send signal s to daemon,\r\n"
	"                         s = SIGHUP|SIGTERM|SIGUSR1|SIGUSR2.\r\n"
	"state [on|off] [N|all] : Like log, but show state history.\r\n"
	"status [n]             : Show current daemon status info using format #n.\r\n"
	"test n                 : Produce n lines of output for testing/debugging.\r\n"
	"username type u        : Enter username u for a queried OpenVPN username.\r\n"
	"verb [n]               : Set log verbosity level to n, or show if n is absent.\r\n"
	"version [n]            : Set client's version to n or show current version of daemon.\r\n"
	"END\r\n"
	;

/* ---- table: one command, its exact reply ---- */

static const struct tcase {
	const char *in, *want;
} table[] = {
	/* A4 basics */
	{ "help\n", help_text },
	{ "version\n", "OpenVPN Version: " TITLE "\r\nManagement Version: 5\r\nEND\r\n" },
	{ "version 3\n", "" },
	{ "version 5\n", "" },
	{ "pid\n", "SUCCESS: pid=4242\r\n" },
	{ "load-stats\n", "SUCCESS: nclients=3,bytesin=1000,bytesout=2000\r\n" },
	{ "nclients\n", "SUCCESS: nclients=3\r\n" },
	{ "env-filter 2\n", "SUCCESS: env_filter_level=2\r\n" },
	{ "env-filter\n", "SUCCESS: env_filter_level=0\r\n" },
	{ "forget-passwords\n", "SUCCESS: Passwords were forgotten\r\n" },
	{ "auth-retry\n", "SUCCESS: auth-retry=none\r\n" },
	{ "auth-retry interact\n", "SUCCESS: auth-retry parameter changed\r\n" },
	{ "auth-retry sometimes\n", "ERROR: bad auth-retry parameter\r\n" },
	/* signal: names are upper case; go-openvpn-mgmt quotes them */
	{ "signal SIGUSR1\n", "SUCCESS: signal SIGUSR1 thrown\r\n" },
	{ "signal \"SIGTERM\"\n", "SUCCESS: signal SIGTERM thrown\r\n" },
	{ "signal SIGFOO\n", "ERROR: signal 'SIGFOO' is not a known signal type\r\n" },
	{ "signal sigterm\n", "ERROR: signal 'sigterm' is not a known signal type\r\n" },
	{ "signal SIGHUP\n", "ERROR: signal 'SIGHUP' is currently ignored\r\n" },
	{ "signal SIGINT\n", "SUCCESS: signal SIGINT thrown\r\n" },
	{ "signal\n", "ERROR: the 'signal' command requires 1 parameter\r\n" },
	/* status (A4, A2.4): bad version is one line and no END */
	{ "status\n", "STATUS,v1\r\nEND\r\n" },
	{ "status 0\n", "STATUS,v1\r\nEND\r\n" },
	{ "status 2\n", "STATUS,v2\r\nEND\r\n" },
	{ "status 3\n", "STATUS,v3\r\nEND\r\n" },
	{ "status 7\n", "ERROR: bad status format version number\r\n" },
	{ "status -1\n", "ERROR: bad status format version number\r\n" },
	/* histories, all empty here */
	{ "state\n", "END\r\n" },
	{ "state on\n", "SUCCESS: real-time state notification set to ON\r\n" },
	{ "state off\n", "SUCCESS: real-time state notification set to OFF\r\n" },
	{ "state on all\n", "SUCCESS: real-time state notification set to ON\r\nEND\r\n" },
	{ "state all on\n", "END\r\nSUCCESS: real-time state notification set to ON\r\n" },
	{ "state x\n",
		"ERROR: state parameter must be 'on' or 'off' or some number n or 'all'\r\n" },
	{ "log\n", "ERROR: the 'log' command requires at least 1 parameter\r\n" },
	{ "log on all\n", "SUCCESS: real-time log notification set to ON\r\nEND\r\n" },
	{ "log off\n", "SUCCESS: real-time log notification set to OFF\r\n" },
	{ "log on off all\n", "SUCCESS: real-time log notification set to ON\r\n"
		"SUCCESS: real-time log notification set to OFF\r\n" },	/* 2 arguments at most */
	{ "log 0\n", "ERROR: log parameter must be 'on' or 'off' or some number n or 'all'\r\n" },
	{ "echo all\n", "END\r\n" },
	{ "echo on\n", "SUCCESS: real-time echo notification set to ON\r\n" },
	{ "echo\n", "ERROR: the 'echo' command requires at least 1 parameter\r\n" },
	{ "bytecount 5\n", "SUCCESS: bytecount interval changed\r\n" },
	{ "bytecount 0\n", "SUCCESS: bytecount interval changed\r\n" },
	{ "bytecount\n", "ERROR: the 'bytecount' command requires 1 parameter\r\n" },
	/* kill: CN, IP:port (2.6), proto:IP:port (2.7) */
	{ "kill alice\n", "SUCCESS: common name 'alice' found, 1 client(s) killed\r\n" },
	{ "kill twins\n", "SUCCESS: common name 'twins' found, 2 client(s) killed\r\n" },
	{ "kill bob\n", "ERROR: common name 'bob' not found\r\n" },
	{ "kill alice:\n", "SUCCESS: common name 'alice' found, 1 client(s) killed\r\n" },
	{ "kill 1.2.3.4:5678\n", "SUCCESS: 1 client(s) at address 1.2.3.4:5678 killed\r\n" },
	{ "kill 1.2.3.5:5678\n", "ERROR: client at address 1.2.3.5:5678 not found\r\n" },
	{ "kill 1.2.3.4:99999\n", "ERROR: port number is out of range: 99999\r\n" },
	{ "kill 1.2.3.4:0\n", "ERROR: port number is out of range: 0\r\n" },
	{ "kill bad:5678\n", "ERROR: error parsing IP address: bad\r\n" },
	{ "kill udp:1.2.3.4:5678\n",
		"SUCCESS: 1 client(s) at address udp:1.2.3.4:5678 killed\r\n" },
	{ "kill udp:1.2.3.5:5678\n", "ERROR: client at address udp:1.2.3.5:5678 not found\r\n" },
	/*
	 * A4: "proto printed family-less: udp or tcp-server" (2.7 proto2ascii);
	 * dpvpnd serves UDP only, so a tcp address never matches (management.md)
	 */
	{ "kill tcp:1.2.3.4:5678\n", "ERROR: client at address tcp-server:1.2.3.4:5678 not found\r\n" },
	{ "kill tcp:1.2.3.4:0\n", "ERROR: port number or protocol out of range: 0 tcp\r\n" },
	/* A4 (2.7 form): "ERROR: port number or protocol out of range: P PROTO" */
	{ "kill udp:1.2.3.4:99999\n", "ERROR: port number or protocol out of range: 99999 udp\r\n" },
	{ "kill udp:bad:5678\n", "ERROR: error parsing IP address: bad\r\n" },
	{ "kill :\n", "ERROR: kill parse\r\n" },
	{ "kill :5678\n", "ERROR: kill parse\r\n" },
	{ "kill\n", "ERROR: the 'kill' command requires 1 parameter\r\n" },
	/* client-* */
	{ "client-kill 3\n", "SUCCESS: client-kill command succeeded\r\n" },
	{ "client-kill 3 HALT\n", "SUCCESS: client-kill command succeeded\r\n" },
	{ "client-kill 4\n", "ERROR: client-kill command failed\r\n" },
	{ "client-kill x\n", "ERROR: cannot parse CID\r\n" },
	{ "client-kill\n", "ERROR: the 'client-kill' command requires at least 1 parameter\r\n" },
	{ "client-auth-nt 1 2\n", "SUCCESS: client-auth command succeeded\r\n" },
	{ "client-auth-nt 5 2\n", "ERROR: client-auth command failed\r\n" },
	{ "client-auth-nt x 2\n", "ERROR: cannot parse CID\r\n" },
	{ "client-auth-nt 1 y\n", "ERROR: cannot parse KID\r\n" },
	{ "client-auth-nt 1\n", "ERROR: the 'client-auth-nt' command requires 2 parameters\r\n" },
	{ "client-auth 1\n", "ERROR: the 'client-auth' command requires 2 parameters\r\n" },
	{ "client-auth x 2\n", "ERROR: cannot parse CID\r\n" },
	{ "client-deny 1 2 \"bad pw\" \"go away\"\n", "SUCCESS: client-deny command succeeded\r\n" },
	{ "client-deny 7 2 nope\n", "ERROR: client-deny command failed\r\n" },
	{ "client-deny 1\n", "ERROR: the 'client-deny' command requires at least 3 parameters\r\n" },
	{ "client-deny 1 2\n", "ERROR: the 'client-deny' command requires at least 3 parameters\r\n" },
	{ "client-deny 1 k r\n", "ERROR: cannot parse KID\r\n" },
	{ "client-pending-auth 1 2 CR_TEXT:R,E:PIN 60\n",
		"SUCCESS: client-pending-auth command succeeded\r\n" },
	{ "client-pending-auth 1 2 CR_TEXT:R,E:PIN soon\n", "ERROR: cannot parse TIMEOUT\r\n" },
	{ "client-pending-auth 1 2 CR_TEXT:R,E:PIN\n",
		"ERROR: the 'client-pending-auth' command requires 4 parameters\r\n" },
	{ "client-pending-auth 1 2 WEB_AUTH::https://example.com/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 60\n",
		"ERROR: client-pending-auth command failed. Extra parameter might be too long\r\n" },
	/* errors and client-mode commands */
	{ "foo\n", "ERROR: unknown command, enter 'help' for more options\r\n" },
	{ "client-pf 1\n", "ERROR: unknown command, enter 'help' for more options\r\n" },
	{ "HELP\n", "ERROR: unknown command, enter 'help' for more options\r\n" },
	{ "cr-response abc\n",
		"ERROR: The 'cr-repsonse' command is not supported by the current daemon mode\r\n" },
	{ "username Auth bob\n", "ERROR: no username is currently needed at this time\r\n" },
	{ "username Auth\n", "ERROR: the 'username' command requires 2 parameters\r\n" },
	{ "password \"Private Key\" x\n", "ERROR: no password is currently needed at this time\r\n" },
	{ "needok token-insertion-request ok\n",
		"ERROR: no needok-confirmation is currently needed at this time\r\n" },
	{ "needstr name value\n", "ERROR: no needstr-string is currently needed at this time\r\n" },
	{ "remote ACCEPT\n",
		"ERROR: The 'remote' command is not supported by the current daemon mode\r\n" },
	{ "proxy NONE\n",
		"ERROR: The 'proxy' command is not supported by the current daemon mode\r\n" },
	{ "remote-entry-count\n",
		"ERROR: The 'remote-entry-count' command is not supported by the current daemon mode\r\n" },
	{ "pk-sig\n", "ERROR: The pk-sig command is not currently available\r\n" },
	{ "rsa-sig\n", "ERROR: The rsa-sig command is not currently available\r\n" },
	{ "certificate\n", "ERROR: The certificate command is not currently available\r\n" },
	/* A4 `net` on Linux: the server has the show_net callback, which says this */
	{ "net\n", "ERROR: Sorry, this command is currently only implemented on Windows\r\n" },
	/* hold (not held) */
	{ "hold\n", "SUCCESS: hold=0\r\n" },
	{ "hold on\n", "SUCCESS: hold flag set to ON\r\n" },
	{ "hold off\n", "SUCCESS: hold flag set to OFF\r\n" },
	{ "hold release\n", "SUCCESS: hold release succeeded\r\n" },
	{ "hold maybe\n", "ERROR: bad hold command parameter\r\n" },
	/* verb / mute */
	{ "verb\n", "SUCCESS: verb=3\r\n" },
	{ "verb 4\n", "SUCCESS: verb level changed\r\n" },
	{ "verb 99\n", "ERROR: verb level is out of range\r\n" },
	{ "mute\n", "SUCCESS: mute=0\r\n" },
	{ "mute 3\n", "SUCCESS: mute level changed\r\n" },
	{ "mute -1\n", "ERROR: mute level is out of range\r\n" },
	/* test: N lines, no END */
	{ "test 2\n",
		"[0] The purpose of this command is to generate large amounts of output.\r\n"
		"[1] The purpose of this command is to generate large amounts of output.\r\n" },
	{ "test 0\n", "" },
	{ "test\n", "ERROR: the 'test' command requires 1 parameter\r\n" },
	/* exit / quit answer nothing; nothing after them runs */
	{ "exit\n", "" },
	{ "quit\npid\n", "" },
	/* input rules (A1) */
	{ "\n", "" },
	{ "   \t \n", "" },
	{ "# just a comment\n", "" },
	{ "; another comment\n", "" },
	{ "pid # trailing comment\n", "SUCCESS: pid=4242\r\n" },
	{ "pid\r\n", "SUCCESS: pid=4242\r\n" },
	{ "p\x01i\x7f" "d\x1b\r\n", "SUCCESS: pid=4242\r\n" },
	{ "pid\nload-stats\nversion 4\nnclients\n",
		"SUCCESS: pid=4242\r\nSUCCESS: nclients=3,bytesin=1000,bytesout=2000\r\n"
		"SUCCESS: nclients=3\r\n" },
	{ "pid", "" },			/* no line end yet: nothing */
	{ "\xc3\xa9\n", "ERROR: unknown command, enter 'help' for more options\r\n" },
	/* lexer errors (A1 "Lexer"): one line, the command does not run */
	{ "echo \"abc\n", "ERROR: Options error: No closing quotation (\") in TCP:0\r\n" },
	{ "echo 'abc\n", "ERROR: Options error: No closing single quotation (') in TCP:0\r\n" },
	{ "signal \"SIGTERM\n", "ERROR: Options error: No closing quotation (\") in TCP:0\r\n" },
	/* PACKAGE is "openvpn" (AC_INIT tarname), so the example is c:\\openvpn\\static.key */
	{ "echo a\\b\n",
		"ERROR: Options warning: Bad backslash ('\\') usage in TCP:0: remember that "
		"backslashes are treated as shell-escapes and if you need to pass backslash "
		"characters as part of a Windows filename, you should use double backslashes "
		"such as \"c:\\\\openvpn\\\\static.key\"\r\n" },
	{ "echo a\\\n", "ERROR: Options error: Residual parse state (2) in TCP:0\r\n" },
	{ "kill \"ali ce\"\n", "ERROR: common name 'ali ce' not found\r\n" },
	{ "kill ali\\ ce\n", "ERROR: common name 'ali ce' not found\r\n" },
	{ "kill 'a\\b'\n", "ERROR: common name 'a\\b' not found\r\n" },
	{ "kill \"a\\\"b\"\n", "ERROR: common name 'a\"b' not found\r\n" },
};

static void
test_table(void)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		fake_reset();
		CHECK_OUT(table[i].in, once(table[i].in), table[i].want);
	}
}

/* ---- what the daemon is asked ---- */

static void
test_ops_args(void)
{
	fake_reset();
	free(once("signal SIGUSR1\n"));
	CHECK_EQ(F.signal_calls, 1);
	CHECK_EQ(F.signo, SIGUSR1);
	free(once("signal \"SIGTERM\"\n"));
	CHECK_EQ(F.signo, SIGTERM);
	F.signal_calls = 0;
	free(once("signal SIGFOO\n"));
	CHECK_EQ(F.signal_calls, 0);

	fake_reset();
	free(once("status 7\n"));
	CHECK_EQ(F.status_calls, 0);
	free(once("status 2\n"));
	CHECK_EQ(F.status_calls, 1);
	CHECK_EQ(F.status_version, 2);

	/* `status` without a number: conf.status_version */
	fake_reset();
	struct mgmt *m = new_mgmt_conf(NULL, 250, 3, false);
	struct mgmt_conn *c = open_conn(m);
	CHECK_OUT("status (status_version 3)", feed(c, "status\n"), "STATUS,v3\r\nEND\r\n");
	CHECK_EQ(F.status_version, 3);
	CHECK(F.status_conn == c);
	mgmt_free(m);

	fake_reset();
	free(once("kill alice\n"));
	CHECK_EQ(F.kill_cn_calls, 1);
	CHECK(strcmp(F.kill_cn, "alice") == 0);
	CHECK_EQ(F.kill_addr_calls, 0);
	free(once("kill 1.2.3.4:5678\n"));
	CHECK_EQ(F.kill_addr_calls, 1);
	CHECK_EQ(F.kill_addr, 0x01020304u);	/* host order */
	CHECK_EQ(F.kill_port, 5678);
	CHECK_EQ(F.kill_cn_calls, 1);
	F.kill_addr_calls = 0;
	free(once("kill 1.2.3.4:99999\n"));
	free(once("kill bad:5678\n"));
	free(once("kill :\n"));
	CHECK_EQ(F.kill_addr_calls, 0);
	CHECK_EQ(F.kill_cn_calls, 1);
	free(once("kill udp:1.2.3.4:5678\n"));
	CHECK_EQ(F.kill_addr_calls, 1);
	CHECK_EQ(F.kill_addr, 0x01020304u);
	CHECK_EQ(F.kill_port, 5678);
	free(once("kill tcp:1.2.3.4:5678\n"));	/* UDP only: the daemon is not asked */
	CHECK_EQ(F.kill_addr_calls, 1);
	free(once("kill udp:1.2.3.4:99999\n"));
	CHECK_EQ(F.kill_addr_calls, 1);

	fake_reset();
	free(once("client-kill 3\n"));
	CHECK_EQ(F.client_kill_calls, 1);
	CHECK_EQ(F.ck_cid, 3);
	CHECK(F.ck_msg_null);		/* default (RESTART) is the daemon's */
	free(once("client-kill 3 HALT\n"));
	CHECK_EQ(F.client_kill_calls, 2);
	CHECK(!F.ck_msg_null && strcmp(F.ck_msg, "HALT") == 0);
	free(once("client-kill x\n"));
	CHECK_EQ(F.client_kill_calls, 2);

	fake_reset();
	free(once("client-auth-nt 1 2\n"));
	CHECK_EQ(F.client_auth_calls, 1);
	CHECK_EQ(F.ca_cid, 1);
	CHECK_EQ(F.ca_kid, 2);
	CHECK(F.ca_ok);
	CHECK(F.ca_config_null);

	fake_reset();
	free(once("client-deny 1 2 \"bad pw\" \"go away\"\n"));
	CHECK_EQ(F.client_auth_calls, 1);
	CHECK_EQ(F.ca_cid, 1);
	CHECK_EQ(F.ca_kid, 2);
	CHECK(!F.ca_ok);
	CHECK(F.ca_config_null);
	CHECK(!F.ca_reason_null && strcmp(F.ca_reason, "bad pw") == 0);
	CHECK(!F.ca_client_reason_null && strcmp(F.ca_client_reason, "go away") == 0);
	free(once("client-deny 1 2 \"bad pw\"\n"));
	CHECK(strcmp(F.ca_reason, "bad pw") == 0);
	CHECK(F.ca_client_reason_null);
	F.client_auth_calls = 0;
	free(once("client-deny 1\n"));
	CHECK_EQ(F.client_auth_calls, 0);

	fake_reset();
	free(once("client-pending-auth 1 2 CR_TEXT:R,E:PIN 60\n"));
	CHECK_EQ(F.pending_calls, 1);
	CHECK_EQ(F.pa_cid, 1);
	CHECK_EQ(F.pa_kid, 2);
	CHECK_EQ(F.pa_timeout, 60);
	CHECK(strcmp(F.pa_extra, "CR_TEXT:R,E:PIN") == 0);
	free(once("client-pending-auth 1 2 CR_TEXT:R,E:PIN soon\n"));
	CHECK_EQ(F.pending_calls, 1);

	fake_reset();
	free(once("verb 4\n"));
	CHECK_EQ(F.verb, 4);
	free(once("verb 99\n"));
	CHECK_EQ(F.verb, 4);
	free(once("mute 3\n"));
	CHECK_EQ(F.mute, 3);

	/* hold release without a hold asks the daemon nothing */
	fake_reset();
	free(once("hold release\n"));
	CHECK_EQ(F.hold_release_calls, 0);
}

/* ---- password (A1) ---- */

static void
test_password(void)
{
	fake_reset();
	struct mgmt *m = new_mgmt("s3cret");
	struct mgmt_conn *c = mgmt_conn_open(m, (void *)0x1234);
	CHECK(mgmt_conn_user(c) == (void *)0x1234);
	CHECK_OUT("prompt", drain(c), PROMPT);
	CHECK(F.wake_calls > 0);
	/* nothing reaches a connection that has not given the password (A8.5) */
	mgmt_notify(m, ">CLIENT:ADDRESS,0,10.8.0.6,1");
	const char *env[] = { "n_clients=0", "common_name=a" };
	mgmt_notify_client(m, "CONNECT,0,1", env, 2, NULL, 0);
	mgmt_hold_begin(m);
	CHECK_OUT("no notification before the password", drain(c), "");
	CHECK_OUT("wrong", feed(c, "wrong\n"), "ERROR: bad password\r\n" PROMPT);
	CHECK(!mgmt_conn_should_close(c));
	/* the password line is not a command, whatever it looks like */
	CHECK_OUT("help as password", feed(c, "help\n"), "ERROR: bad password\r\n" PROMPT);
	CHECK_OUT("right", feed(c, "s3cret\r\n"),
		"SUCCESS: password is correct\r\n" GREETING HOLD_LINE);
	CHECK(!mgmt_conn_should_close(c));
	CHECK_OUT("verified", feed(c, "pid\n"), "SUCCESS: pid=4242\r\n");
	mgmt_notify(m, ">CLIENT:ADDRESS,0,10.8.0.6,1");
	CHECK_OUT("notify after", drain(c), ">CLIENT:ADDRESS,0,10.8.0.6,1\r\n");

	/* three failures: closed */
	struct mgmt_conn *d = mgmt_conn_open(m, NULL);
	CHECK_EQ(mgmt_conn_count(m), 2);
	CHECK_OUT("prompt 2", drain(d), PROMPT);
	CHECK_OUT("bad 1", feed(d, "a\n"), "ERROR: bad password\r\n" PROMPT);
	CHECK_OUT("bad 2", feed(d, "s3cre\n"), "ERROR: bad password\r\n" PROMPT);
	CHECK(!mgmt_conn_should_close(d));
	int wakes = F.wake_calls;
	char *out = feed(d, "s3cret!\n");
	CHECK(strncmp(out, "ERROR: bad password\r\n", 21) == 0);
	CHECK(strstr(out, "SUCCESS") == NULL && strstr(out, ">INFO") == NULL);
	free(out);
	CHECK(mgmt_conn_should_close(d));
	CHECK(mgmt_conn_close_reason(d) != NULL);
	CHECK(F.wake_calls > wakes);		/* the daemon must learn it */
	/* and the password after that is not taken */
	CHECK_OUT("after close", feed(d, "s3cret\n"), "");
	mgmt_conn_close(d);
	CHECK_EQ(mgmt_conn_count(m), 1);
	mgmt_free(m);

	/*
	 * A1 / management.md: any line that is not the password is a wrong one
	 * (ERROR: bad password, the prompt again, one of the three tries), and
	 * nothing else is sent before the password: an over-long line too.
	 */
	m = new_mgmt("s3cret");
	c = mgmt_conn_open(m, NULL);
	free(drain(c));
	char *longpw = malloc(2001);
	memset(longpw, 'z', 2000);
	longpw[2000] = '\n';
	CHECK_OUT("over-long password line", feed_n(c, longpw, 2001), "ERROR: bad password\r\n" PROMPT);
	free(feed_n(c, longpw, 1500));	/* the same in two reads */
	CHECK_OUT("over-long password line, 2 reads", feed_n(c, longpw + 1500, 501),
		"ERROR: bad password\r\n" PROMPT);
	free(feed(c, "nope\n"));
	CHECK(mgmt_conn_should_close(c));	/* three tries */
	free(longpw);
	mgmt_free(m);

	/* an empty line is a wrong password too */
	m = new_mgmt("pw");
	c = mgmt_conn_open(m, NULL);
	free(drain(c));
	CHECK_OUT("empty password", feed(c, "\n"), "ERROR: bad password\r\n" PROMPT);
	CHECK_OUT("prefix", feed(c, "p\n"), "ERROR: bad password\r\n" PROMPT);
	CHECK_OUT("good", feed(c, "pw\nversion\n"),
		"SUCCESS: password is correct\r\n" GREETING
		"OpenVPN Version: " TITLE "\r\nManagement Version: 5\r\nEND\r\n");
	mgmt_free(m);
}

/* ---- histories and realtime notifications ---- */

static void
test_log_state(void)
{
	fake_reset();
	struct mgmt *m = new_mgmt(NULL);
	struct mgmt_conn *c = open_conn(m), *quiet = open_conn(m);

	mgmt_log(m, T0 + 1, "I", "one");
	mgmt_log(m, T0 + 2, "", "MULTI: two");
	mgmt_log(m, T0 + 3, "W", "three");
	CHECK_OUT("no >LOG before log on", drain(c), "");
	CHECK_OUT("log 2", feed(c, "log 2\n"),
		"1714564802,,MULTI: two\r\n1714564803,W,three\r\nEND\r\n");
	CHECK_OUT("log 1", feed(c, "log 1\n"), "1714564803,W,three\r\nEND\r\n");
	CHECK_OUT("log all", feed(c, "log all\n"),
		"1714564801,I,one\r\n1714564802,,MULTI: two\r\n1714564803,W,three\r\nEND\r\n");
	CHECK_OUT("log 10", feed(c, "log 10\n"),
		"1714564801,I,one\r\n1714564802,,MULTI: two\r\n1714564803,W,three\r\nEND\r\n");
	CHECK_OUT("log on all", feed(c, "log on all\n"),
		"SUCCESS: real-time log notification set to ON\r\n"
		"1714564801,I,one\r\n1714564802,,MULTI: two\r\n1714564803,W,three\r\nEND\r\n");
	mgmt_log(m, T0 + 4, "N", "four");
	CHECK_OUT(">LOG", drain(c), ">LOG:1714564804,N,four\r\n");
	CHECK_OUT("not to the other", drain(quiet), "");
	mgmt_log(m, T0 + 5, "", "five");
	CHECK_OUT(">LOG empty flags", drain(c), ">LOG:1714564805,,five\r\n");
	CHECK_OUT("log off", feed(c, "log off\n"),
		"SUCCESS: real-time log notification set to OFF\r\n");
	mgmt_log(m, T0 + 6, "I", "six");
	CHECK_OUT("log off: quiet", drain(c), "");

	/* state */
	CHECK_OUT("state empty", feed(c, "state\n"), "END\r\n");
	mgmt_state(m, T0, "CONNECTING", NULL, NULL);
	CHECK_OUT("no >STATE before state on", drain(c), "");
	CHECK_OUT("state all 1", feed(c, "state all\n"), "1714564800,CONNECTING,,,,,,\r\nEND\r\n");
	CHECK_OUT("state on", feed(c, "state on\n"),
		"SUCCESS: real-time state notification set to ON\r\n");
	mgmt_state(m, T0 + 10, "CONNECTED", "SUCCESS", "10.8.0.1");
	CHECK_OUT(">STATE", drain(c), ">STATE:1714564810,CONNECTED,SUCCESS,10.8.0.1,,,,\r\n");
	CHECK_OUT("not to the other", drain(quiet), "");
	CHECK_OUT("state", feed(c, "state\n"), "1714564810,CONNECTED,SUCCESS,10.8.0.1,,,,\r\nEND\r\n");
	CHECK_OUT("state 1", feed(c, "state 1\n"),
		"1714564810,CONNECTED,SUCCESS,10.8.0.1,,,,\r\nEND\r\n");
	CHECK_OUT("state off all", feed(c, "state off all\n"),
		"SUCCESS: real-time state notification set to OFF\r\n"
		"1714564800,CONNECTING,,,,,,\r\n"
		"1714564810,CONNECTED,SUCCESS,10.8.0.1,,,,\r\nEND\r\n");
	CHECK_OUT("state all on", feed(c, "state all on\n"),
		"1714564800,CONNECTING,,,,,,\r\n"
		"1714564810,CONNECTED,SUCCESS,10.8.0.1,,,,\r\nEND\r\n"
		"SUCCESS: real-time state notification set to ON\r\n");
	mgmt_state(m, T0 + 20, "EXITING", "SIGTERM", NULL);
	CHECK_OUT(">STATE exiting", drain(c), ">STATE:1714564820,EXITING,SIGTERM,,,,,\r\n");

	/* echo: no echo history in a server */
	CHECK_OUT("echo all", feed(c, "echo all\n"), "END\r\n");
	CHECK_OUT("echo on all", feed(c, "echo on all\n"),
		"SUCCESS: real-time echo notification set to ON\r\nEND\r\n");

	/* A11: realtime flags are per connection; histories outlive connections */
	mgmt_conn_close(c);
	c = open_conn(m);
	mgmt_log(m, T0 + 7, "I", "seven");
	mgmt_state(m, T0 + 30, "RECONNECTING", "SIGHUP", NULL);
	CHECK_OUT("new connection: log and state off", drain(c), "");
	CHECK_OUT("history kept", feed(c, "log 1\n"), "1714564807,I,seven\r\nEND\r\n");
	mgmt_free(m);

	/* management-log-cache bounds the log history */
	m = new_mgmt_conf(NULL, 2, 1, false);
	c = open_conn(m);
	mgmt_log(m, T0 + 1, "I", "one");
	mgmt_log(m, T0 + 2, "I", "two");
	mgmt_log(m, T0 + 3, "I", "three");
	CHECK_OUT("log cache 2", feed(c, "log all\n"),
		"1714564802,I,two\r\n1714564803,I,three\r\nEND\r\n");
	/* state history: 100 lines */
	for (int i = 0; i < 150; i++)
		mgmt_state(m, T0 + i, "CONNECTED", "SUCCESS", "10.8.0.1");
	char *out = feed(c, "state all\n");
	int lines = 0;
	for (char *p = out; (p = strstr(p, "\r\n")) != NULL; p += 2)
		lines++;
	CHECK_EQ(lines, 101);
	CHECK(strncmp(out, "1714564850,", 11) == 0);
	free(out);
	mgmt_free(m);
}

/* ---- hold ---- */

static void
test_hold(void)
{
	fake_reset();
	struct mgmt *m = new_mgmt_conf(NULL, 250, 1, true);
	CHECK(mgmt_hold_flag(m));
	CHECK(!mgmt_is_held(m));
	struct mgmt_conn *c = open_conn(m);
	CHECK_OUT("hold (flag from conf)", feed(c, "hold\n"), "SUCCESS: hold=1\r\n");
	mgmt_hold_begin(m);
	CHECK(mgmt_is_held(m));
	CHECK_OUT(">HOLD to the open connection", drain(c), HOLD_LINE);
	/* a new connection gets it again after the greeting (A1) */
	struct mgmt_conn *d = mgmt_conn_open(m, NULL);
	CHECK_OUT("greeting + hold", drain(d), GREETING HOLD_LINE);
	/* an ignored signal during hold re-sends the hold message (A4) */
	CHECK_OUT("SIGHUP in hold", feed(d, "signal SIGHUP\n"),
		"ERROR: signal 'SIGHUP' is currently ignored\r\n" HOLD_LINE);
	CHECK_OUT("hold release", feed(d, "hold release\n"), "SUCCESS: hold release succeeded\r\n");
	CHECK_EQ(F.hold_release_calls, 1);
	CHECK(!mgmt_is_held(m));
	CHECK(mgmt_hold_flag(m));
	CHECK_OUT("release again", feed(d, "hold release\n"), "SUCCESS: hold release succeeded\r\n");
	CHECK_EQ(F.hold_release_calls, 1);
	CHECK_OUT("hold off", feed(c, "hold off\n"), "SUCCESS: hold flag set to OFF\r\n");
	CHECK(!mgmt_hold_flag(m));
	CHECK_OUT("hold", feed(d, "hold\n"), "SUCCESS: hold=0\r\n");
	mgmt_conn_close(d);
	d = open_conn(m);		/* greeting only now */
	CHECK_OUT("hold on", feed(d, "hold on\n"), "SUCCESS: hold flag set to ON\r\n");
	CHECK(mgmt_hold_flag(m));
	mgmt_free(m);
}

/* ---- deferred status ---- */

static void
test_deferred_status(void)
{
	fake_reset();
	F.status_now = false;
	struct mgmt *m = new_mgmt(NULL);
	struct mgmt_conn *c = open_conn(m);
	CHECK_OUT("deferred", feed(c, "status 2\npid\nload-stats\n"), "");
	CHECK_EQ(F.status_calls, 1);
	CHECK(F.status_conn == c);
	CHECK_OUT("still waiting", feed(c, "version 4\nnclients\n"), "");
	/* notifications still flow (they are not replies) */
	mgmt_notify(m, ">CLIENT:ADDRESS,0,10.8.0.6,1");
	CHECK_OUT("notify while deferred", drain(c), ">CLIENT:ADDRESS,0,10.8.0.6,1\r\n");
	mgmt_conn_print(c, "TITLE,%s", "x");
	mgmt_conn_write(c, "END\r\n", 5);
	CHECK_OUT("partial", drain(c), "TITLE,x\r\nEND\r\n");
	mgmt_conn_resume(c);
	CHECK_OUT("the rest, in order", drain(c),
		"SUCCESS: pid=4242\r\nSUCCESS: nclients=3,bytesin=1000,bytesout=2000\r\n"
		"SUCCESS: nclients=3\r\n");
	mgmt_conn_resume(c);		/* not deferred: nothing */
	CHECK_OUT("resume twice", drain(c), "");
	/* a second deferral mid-chunk */
	CHECK_OUT("deferred 2", feed(c, "pid\nstatus\npid\n"), "SUCCESS: pid=4242\r\n");
	mgmt_conn_print(c, "END");
	mgmt_conn_resume(c);
	CHECK_OUT("after 2", drain(c), "END\r\nSUCCESS: pid=4242\r\n");
	/* input piling up behind a deferred reply is bounded */
	CHECK_OUT("deferred 3", feed(c, "status\n"), "");
	char *junk = malloc(MGMT_INPUT_MAX + 100);
	for (size_t i = 0; i < MGMT_INPUT_MAX + 100; i += 4)
		memcpy(junk + i, "pid\n", 4);
	free(feed_n(c, junk, MGMT_INPUT_MAX + 100));
	free(junk);
	CHECK(mgmt_conn_should_close(c));
	mgmt_free(m);
}

/* ---- client-auth block (A4, A8.4) ---- */

static void
test_client_auth_block(void)
{
	fake_reset();
	struct mgmt *m = new_mgmt(NULL);
	struct mgmt_conn *c = open_conn(m);
	CHECK_OUT("client-auth", feed(c, "client-auth 1 2\n"), "");
	CHECK_OUT("line 1", feed(c, "push \"route 10.10.0.0 255.255.0.0\"\n"), "");
	mgmt_notify(m, ">CLIENT:ESTABLISHED,0");
	CHECK_OUT("notification inside the block", drain(c), ">CLIENT:ESTABLISHED,0\r\n");
	/* block lines are raw: no lexing, no commands */
	CHECK_OUT("line 2", feed(c, "ifconfig-push 10.8.0.50 255.255.255.0\r\nhelp\n\"odd\n"), "");
	CHECK_EQ(F.client_auth_calls, 0);
	CHECK_OUT("END", feed(c, "END\n"), "SUCCESS: client-auth command succeeded\r\n");
	CHECK_EQ(F.client_auth_calls, 1);
	CHECK_EQ(F.ca_cid, 1);
	CHECK_EQ(F.ca_kid, 2);
	CHECK(F.ca_ok);
	CHECK(!F.ca_config_null);
	/* "its lines, '\n'-separated": a final '\n' is tolerated */
	size_t n = strlen(F.ca_config);
	if (n && F.ca_config[n - 1] == '\n')
		F.ca_config[n - 1] = '\0';
	CHECK(strcmp(F.ca_config, "push \"route 10.10.0.0 255.255.0.0\"\n"
		"ifconfig-push 10.8.0.50 255.255.255.0\nhelp\n\"odd") == 0);
	CHECK_OUT("back to commands", feed(c, "pid\n"), "SUCCESS: pid=4242\r\n");

	/* an empty block: no config */
	CHECK_OUT("empty block", feed(c, "client-auth 1 3\nEND\n"),
		"SUCCESS: client-auth command succeeded\r\n");
	CHECK_EQ(F.ca_kid, 3);
	CHECK(F.ca_config_null);
	/* refused by the daemon */
	CHECK_OUT("refused", feed(c, "client-auth 9 1\nEND\n"), "ERROR: client-auth command failed\r\n");
	/* whole block in one chunk, split END */
	CHECK_OUT("split", feed(c, "client-auth 1 4\npush \"ping 10\"\nEN"), "");
	CHECK_OUT("split 2", feed(c, "D\npid\n"),
		"SUCCESS: client-auth command succeeded\r\nSUCCESS: pid=4242\r\n");
	n = strlen(F.ca_config);
	if (n && F.ca_config[n - 1] == '\n')
		F.ca_config[n - 1] = '\0';
	CHECK(strcmp(F.ca_config, "push \"ping 10\"") == 0);
	/* "END " is a config line, not the end */
	CHECK_OUT("END with a space", feed(c, "client-auth 1 5\nEND \n"), "");
	CHECK_OUT("real END", feed(c, "END\n"), "SUCCESS: client-auth command succeeded\r\n");

	/* a block over MGMT_BLOCK_MAX: refused at END, the daemon is not asked */
	F.client_auth_calls = 0;
	CHECK_OUT("big block", feed(c, "client-auth 1 6\n"), "");
	char cfg[1001];
	memset(cfg, 'p', 1000);
	cfg[1000] = '\n';
	for (int i = 0; i < MGMT_BLOCK_MAX / 1000 + 2; i++)
		CHECK_OUT("big block line", feed_n(c, cfg, sizeof(cfg)), "");
	CHECK_OUT("big block END", feed(c, "END\n"), "ERROR: client-auth command failed\r\n");
	CHECK_EQ(F.client_auth_calls, 0);
	CHECK_OUT("after big block", feed(c, "client-auth-nt 1 7\n"),
		"SUCCESS: client-auth command succeeded\r\n");
	CHECK_EQ(F.client_auth_calls, 1);

	/* a parse error answers at once and does not start a block */
	F.client_auth_calls = 0;
	CHECK_OUT("client-auth x 2", feed(c, "client-auth x 2\npid\n"),
		"ERROR: cannot parse CID\r\nSUCCESS: pid=4242\r\n");
	CHECK_OUT("client-auth 1 y", feed(c, "client-auth 1 y\nEND\n"),
		"ERROR: cannot parse KID\r\nERROR: unknown command, enter 'help' for more options\r\n");
	CHECK_EQ(F.client_auth_calls, 0);
	mgmt_free(m);
}

/* ---- input framing (A1) ---- */

static void
test_input(void)
{
	fake_reset();
	struct mgmt *m = new_mgmt(NULL);
	struct mgmt_conn *c = open_conn(m);
	CHECK_OUT("split 1", feed(c, "lo"), "");
	CHECK_OUT("split 2", feed(c, "ad-st"), "");
	CHECK_OUT("split 3", feed(c, "ats\r"), "");
	CHECK_OUT("split 4", feed(c, "\n"), "SUCCESS: nclients=3,bytesin=1000,bytesout=2000\r\n");
	/* byte by byte */
	const char *cmd = "signal SIGUSR2\r\nversion\n";
	char *acc = malloc(1);
	acc[0] = '\0';
	for (size_t i = 0; cmd[i]; i++) {
		char *o = feed_n(c, cmd + i, 1);
		acc = realloc(acc, strlen(acc) + strlen(o) + 1);
		strcat(acc, o);
		free(o);
	}
	CHECK_OUT("byte by byte", acc, "SUCCESS: signal SIGUSR2 thrown\r\n"
		"OpenVPN Version: " TITLE "\r\nManagement Version: 5\r\nEND\r\n");
	/* a NUL byte is a control byte too */
	CHECK_OUT("NUL", feed_n(c, "p\0id\n", 5), "SUCCESS: pid=4242\r\n");
	mgmt_free(m);
}

/* Lines longer than MGMT_LINE_MAX: one error line, then business as usual. */
static void
test_long_lines(void)
{
	const char *too_long = "ERROR: command line too long (1024 bytes max)\r\n";
	size_t n = 2000;
	char *line = malloc(n + 16);
	memcpy(line, "help", 4);
	memset(line + 4, ' ', n - 4);
	memcpy(line + n, "\npid\n", 6);

	/* in 256-byte reads, as OpenVPN's recv() */
	fake_reset();
	struct mgmt *m = new_mgmt(NULL);
	struct mgmt_conn *c = open_conn(m);
	char *acc = calloc(1, 1);
	for (size_t off = 0; off < n + 5; off += 256) {
		size_t k = n + 5 - off < 256 ? n + 5 - off : 256;
		char *o = feed_n(c, line + off, k);
		acc = realloc(acc, strlen(acc) + strlen(o) + 1);
		strcat(acc, o);
		free(o);
	}
	CHECK_OUT("long line in pieces", acc, "ERROR: command line too long (1024 bytes max)\r\n"
		"SUCCESS: pid=4242\r\n");
	CHECK(!mgmt_conn_should_close(c));
	/* the same line in one read: still refused, not run */
	char *o = feed_n(c, line, n + 5);
	CHECK(strstr(o, "Management Interface for") == NULL);
	char want[200];
	snprintf(want, sizeof(want), "%sSUCCESS: pid=4242\r\n", too_long);
	CHECK_OUT("long line in one read", o, want);
	CHECK(!mgmt_conn_should_close(c));
	CHECK_OUT("still working", feed(c, "pid\n"), "SUCCESS: pid=4242\r\n");

	/* the boundary: 1024 bytes pass, 1025 do not (both ways of arriving) */
	memcpy(line, "pid", 3);
	memset(line + 3, ' ', 1021);
	line[1024] = '\n';
	CHECK_OUT("1024 in one read", feed_n(c, line, 1025), "SUCCESS: pid=4242\r\n");
	free(feed_n(c, line, 1024));
	CHECK_OUT("1024 then newline", feed(c, "\n"), "SUCCESS: pid=4242\r\n");
	line[1024] = ' ';
	line[1025] = '\n';
	free(feed_n(c, line, 1025));
	CHECK_OUT("1025 then newline", feed(c, "\n"), too_long);
	CHECK_OUT("1025 in one read", feed_n(c, line, 1026), too_long);
	/* a long line that is one huge token: still the one line-length error */
	memset(line, 'x', n);
	line[n] = '\n';
	CHECK_OUT("huge token line", feed_n(c, line, n + 1), too_long);
	/* inside a client-auth block too */
	CHECK_OUT("block", feed(c, "client-auth 1 2\n"), "");
	memset(line, 'y', n);
	free(feed_n(c, line, n));
	free(feed(c, "\nEND\n"));
	CHECK(!mgmt_conn_should_close(c));
	CHECK_OUT("after block", feed(c, "pid\n"), "SUCCESS: pid=4242\r\n");
	free(line);
	mgmt_free(m);
}

/* Output the client does not read is bounded: the connection is dropped. */
static void
test_output_limit(void)
{
	fake_reset();
	struct mgmt *m = new_mgmt(NULL);
	struct mgmt_conn *c = open_conn(m);
	int wakes = F.wake_calls;
	mgmt_conn_input(c, "test 200000\n", 12);
	CHECK(F.wake_calls > wakes);		/* output waiting, then: close it */
	size_t len;
	mgmt_conn_output(c, &len);
	CHECK(len <= MGMT_OUTPUT_MAX);
	CHECK(len > MGMT_OUTPUT_MAX / 2);
	CHECK(mgmt_conn_should_close(c));
	CHECK(mgmt_conn_close_reason(c) != NULL);
	mgmt_conn_close(c);
	CHECK_EQ(mgmt_conn_count(m), 0);

	/* read as it goes, the same amount is fine */
	c = open_conn(m);
	mgmt_conn_input(c, "test 2000\n", 10);
	char *o = drain(c);
	size_t want_len = 0;
	char tmp[128];
	for (int i = 0; i < 2000; i++)
		want_len += (size_t)snprintf(tmp, sizeof(tmp),
			"[%d] The purpose of this command is to generate large amounts of output.\r\n", i);
	CHECK_EQ(out_len, want_len);
	CHECK(strcmp(o + out_len - strlen(tmp), tmp) == 0);
	free(o);
	CHECK(!mgmt_conn_should_close(c));
	/* exit: closed, silently, after the output */
	wakes = F.wake_calls;
	CHECK(!mgmt_conn_should_close(c));
	CHECK_OUT("exit", feed(c, "exit\npid\n"), "");
	CHECK(mgmt_conn_should_close(c));
	CHECK(F.wake_calls > wakes);		/* the daemon must learn it */
	CHECK(mgmt_conn_close_reason(c) != NULL);
	mgmt_free(m);
}

/* ---- the lexer itself ---- */

static const struct lcase {
	const char *line;
	int n;
	const char *tok[MGMT_LEX_MAX_TOKENS + 1];
	const char *err;
} lex_cases[] = {
	{ "", 0, { NULL }, NULL },
	{ "  \t ", 0, { NULL }, NULL },
	{ "# x y", 0, { NULL }, NULL },
	{ "  ; x y", 0, { NULL }, NULL },
	{ "\\#x", 0, { NULL }, NULL },		/* a comment even after a backslash */
	{ "help", 1, { "help" }, NULL },
	{ "help # x", 1, { "help" }, NULL },
	{ "help#x", 1, { "help#x" }, NULL },
	{ "signal \"SIGTERM\"", 2, { "signal", "SIGTERM" }, NULL },
	{ "a 'b c' \"d e\"\tf", 4, { "a", "b c", "d e", "f" }, NULL },
	{ "\"a b\"c", 2, { "a b", "c" }, NULL },
	{ "\"\" x", 2, { "", "x" }, NULL },
	{ "a\\ b", 1, { "a b" }, NULL },
	{ "a\\\\b", 1, { "a\\b" }, NULL },
	{ "a\\\"b", 1, { "a\"b" }, NULL },
	{ "\\\"a", 1, { "\"a" }, NULL },
	{ "'a\\b'", 1, { "a\\b" }, NULL },
	{ "\"a\\\"b\"", 1, { "a\"b" }, NULL },
	{ "it's", 1, { "it's" }, NULL },
	{ "x \\", 1, { "x" }, NULL },
	{ "\"abc", -1, { NULL }, "ERROR: Options error: No closing quotation (\") in TCP:0" },
	{ "x 'abc", -1, { NULL }, "ERROR: Options error: No closing single quotation (') in TCP:0" },
	{ "x \"ab\\", -1, { NULL }, "ERROR: Options error: No closing quotation (\") in TCP:0" },
	{ "abc\\", -1, { NULL }, "ERROR: Options error: Residual parse state (2) in TCP:0" },
	{ "a\\b", -1, { NULL },
		"ERROR: Options warning: Bad backslash ('\\') usage in TCP:0: remember that "
		"backslashes are treated as shell-escapes and if you need to pass backslash "
		"characters as part of a Windows filename, you should use double backslashes "
		"such as \"c:\\\\openvpn\\\\static.key\"" },
	{ "a b c d e f g h i j k l m n o p q r s t", 16,
		{ "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p" },
		NULL },
	/* the 17th token is never looked at, even when it is bad */
	{ "a b c d e f g h i j k l m n o p \"q", 16,
		{ "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p" },
		NULL },
};

static void
test_lex(void)
{
	struct mgmt_argv a;
	char err[512];
	for (size_t i = 0; i < sizeof(lex_cases) / sizeof(lex_cases[0]); i++) {
		const struct lcase *t = &lex_cases[i];
		err[0] = '\0';
		int n = mgmt_lex(t->line, &a, err, sizeof(err));
		harness_checks++;
		bool ok = n == t->n;
		if (ok && n >= 0) {
			ok = a.argc == n && a.argv[n] == NULL;
			for (int k = 0; ok && k < n; k++)
				ok = a.argv[k] && strcmp(a.argv[k], t->tok[k]) == 0;
		}
		if (ok && n < 0)
			ok = strcmp(err, t->err) == 0;
		if (!ok) {
			harness_failures++;
			fprintf(stderr, "%s:%d: mgmt_lex(\"", __FILE__, __LINE__);
			print_escaped(t->line, 100);
			fprintf(stderr, "\") = %d (want %d)", n, t->n);
			if (n < 0)
				fprintf(stderr, " err \"%s\"\n     want \"%s\"", err, t->err);
			for (int k = 0; n > 0 && k < n; k++)
				fprintf(stderr, " [%s]", a.argv[k]);
			fputc('\n', stderr);
		}
	}

	/* token length: 256 characters pass, 257 do not (OPTION_PARM_SIZE 256) */
	char line[400], want[400];
	memset(line, 'a', 256);
	line[256] = '\0';
	CHECK_EQ(mgmt_lex(line, &a, err, sizeof(err)), 1);
	CHECK_EQ(strlen(a.argv[0]), 256);
	line[256] = 'b';
	line[257] = '\0';
	CHECK_EQ(mgmt_lex(line, &a, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
		"ERROR: Options error: Parameter at TCP:0 is too long (256 chars max): %.255s", line);
	CHECK(strcmp(err, want) == 0);
	/* 300 characters, over the connection */
	for (int i = 0; i < 300; i++)
		line[i] = (char)('a' + i % 26);
	line[300] = '\0';
	snprintf(want, sizeof(want),
		"ERROR: Options error: Parameter at TCP:0 is too long (256 chars max): %.255s\r\n",
		line);
	char in[440];
	snprintf(in, sizeof(in), "echo %s\n", line);
	fake_reset();
	CHECK_OUT("300-char token", once(in), want);
	/* a quoted one counts the same */
	snprintf(in, sizeof(in), "kill \"%s\"\n", line);
	CHECK_OUT("300-char quoted token", once(in), want);
	CHECK_EQ(F.kill_cn_calls, 0);
	/* 16 long tokens fill the store exactly */
	char big[16 * 257 + 1];
	for (int t = 0; t < 16; t++) {
		memset(big + t * 257, 'a' + t, 256);
		big[t * 257 + 256] = ' ';
	}
	big[16 * 257 - 1] = '\0';
	CHECK_EQ(mgmt_lex(big, &a, err, sizeof(err)), 16);
	CHECK(a.argv[15] && strlen(a.argv[15]) == 256 && a.argv[15][0] == 'p');
	/* over the connection: 20 tokens, only 16 kept (kill sees its first) */
	CHECK_OUT("20 tokens", once("kill alice 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 \"20\n"),
		"SUCCESS: common name 'alice' found, 1 client(s) killed\r\n");
}

/* ---- >CLIENT blocks and env-filter (A6) ---- */

static const char *const env5[] = {
	"n_clients=0", "password=x", "untrusted_ip=1.2.3.4", "common_name=a", "IV_VER=2.6",
};
static const char *const peer_info[] = { "IV_VER=2.6", "IV_PLAT=linux" };

static void
test_notify_client(void)
{
	fake_reset();
	struct mgmt *m = new_mgmt(NULL);
	struct mgmt_conn *c0 = open_conn(m), *c1 = open_conn(m), *c2 = open_conn(m),
		*c3 = open_conn(m);
	CHECK_OUT("env-filter 1", feed(c1, "env-filter 1\n"), "SUCCESS: env_filter_level=1\r\n");
	CHECK_OUT("env-filter 2", feed(c2, "env-filter 2\n"), "SUCCESS: env_filter_level=2\r\n");
	CHECK_OUT("env-filter 3", feed(c3, "env-filter 3\n"), "SUCCESS: env_filter_level=3\r\n");
	mgmt_notify_client(m, "CONNECT,0,1", (const char *const *)env5, 5, peer_info, 2);
	CHECK_OUT("level 0", drain(c0),
		">CLIENT:CONNECT,0,1\r\n"
		">CLIENT:ENV,n_clients=0\r\n"
		">CLIENT:ENV,password=x\r\n"
		">CLIENT:ENV,untrusted_ip=1.2.3.4\r\n"
		">CLIENT:ENV,common_name=a\r\n"
		">CLIENT:ENV,IV_VER=2.6\r\n"
		">CLIENT:ENV,END\r\n");
	CHECK_OUT("level 1", drain(c1),
		">CLIENT:CONNECT,0,1\r\n"
		">CLIENT:ENV,IV_VER=2.6\r\n"
		">CLIENT:ENV,IV_PLAT=linux\r\n"
		">CLIENT:ENV,password=x\r\n"
		">CLIENT:ENV,untrusted_ip=1.2.3.4\r\n"
		">CLIENT:ENV,END\r\n");
	CHECK_OUT("level 2", drain(c2),
		">CLIENT:CONNECT,0,1\r\n"
		">CLIENT:ENV,IV_VER=2.6\r\n"
		">CLIENT:ENV,IV_PLAT=linux\r\n"
		">CLIENT:ENV,password=x\r\n"
		">CLIENT:ENV,untrusted_ip=1.2.3.4\r\n"
		">CLIENT:ENV,END\r\n");
	CHECK_OUT("level 3", drain(c3),
		">CLIENT:CONNECT,0,1\r\n"
		">CLIENT:ENV,IV_VER=2.6\r\n"
		">CLIENT:ENV,IV_PLAT=linux\r\n"
		">CLIENT:ENV,END\r\n");

	/* level 1 keeps X509_*, level 2 only X509_0_CN (allow-list) */
	static const char *const env_x509[] = {
		"n_clients=1", "X509_0_CN=alice", "X509_1_CN=Easy-RSA CA", "tls_serial_0=42",
		"username=alice", "time_unix=1714564805",
	};
	mgmt_notify_client(m, "ESTABLISHED,0", env_x509, 6, NULL, 0);
	CHECK_OUT("x509 level 0", drain(c0),
		">CLIENT:ESTABLISHED,0\r\n>CLIENT:ENV,n_clients=1\r\n>CLIENT:ENV,X509_0_CN=alice\r\n"
		">CLIENT:ENV,X509_1_CN=Easy-RSA CA\r\n>CLIENT:ENV,tls_serial_0=42\r\n"
		">CLIENT:ENV,username=alice\r\n>CLIENT:ENV,time_unix=1714564805\r\n"
		">CLIENT:ENV,END\r\n");
	CHECK_OUT("x509 level 1", drain(c1),
		">CLIENT:ESTABLISHED,0\r\n>CLIENT:ENV,X509_0_CN=alice\r\n"
		">CLIENT:ENV,X509_1_CN=Easy-RSA CA\r\n>CLIENT:ENV,tls_serial_0=42\r\n"
		">CLIENT:ENV,username=alice\r\n>CLIENT:ENV,END\r\n");
	CHECK_OUT("x509 level 2", drain(c2),
		">CLIENT:ESTABLISHED,0\r\n>CLIENT:ENV,X509_0_CN=alice\r\n"
		">CLIENT:ENV,tls_serial_0=42\r\n>CLIENT:ENV,username=alice\r\n>CLIENT:ENV,END\r\n");
	CHECK_OUT("x509 level 3", drain(c3), ">CLIENT:ESTABLISHED,0\r\n>CLIENT:ENV,END\r\n");

	/* DISCONNECT: no n_clients, no peer-info even when given */
	static const char *const env_dis[] = { "time_duration=42", "bytes_sent=9120" };
	mgmt_notify_client(m, "DISCONNECT,0", env_dis, 2, peer_info, 2);
	CHECK_OUT("disconnect level 2", drain(c2),
		">CLIENT:DISCONNECT,0\r\n>CLIENT:ENV,time_duration=42\r\n"
		">CLIENT:ENV,bytes_sent=9120\r\n>CLIENT:ENV,END\r\n");

	/* a block is written whole, after a reply and before the next one (A6.1, A8) */
	char *o = feed(c0, "pid\n");
	free(o);
	mgmt_conn_input(c0, "client-auth 1 2\npush \"x\"\n", 25);
	mgmt_notify_client(m, "REAUTH,0,2", (const char *const *)env5, 2, NULL, 0);
	mgmt_conn_input(c0, "END\n", 4);
	CHECK_OUT("block then reply", drain(c0),
		">CLIENT:REAUTH,0,2\r\n>CLIENT:ENV,n_clients=0\r\n>CLIENT:ENV,password=x\r\n"
		">CLIENT:ENV,END\r\n" "SUCCESS: client-auth command succeeded\r\n");
	mgmt_free(m);
}

static void
test_env_filter_match(void)
{
	static const struct {
		const char *line;
		bool want[4];	/* levels 0..3 */
	} t[] = {
		{ "n_clients=0", { true, false, false, false } },
		{ "common_name=alice", { true, false, false, false } },
		{ "IV_VER=2.6.8", { true, false, false, false } },
		{ "X509_0_CN=alice", { true, true, true, false } },
		{ "X509_1_CN=CA", { true, true, false, false } },
		{ "X509_0_emailAddress=a@b", { true, true, false, false } },
		{ "username=alice", { true, true, true, false } },
		{ "password=s3cret", { true, true, true, false } },
		{ "tls_serial_0=42", { true, true, true, false } },
		{ "tls_serial_hex_0=2a", { true, true, true, false } },
		{ "tls_digest_0=ab:cd", { true, false, false, false } },
		{ "untrusted_ip=1.2.3.4", { true, true, true, false } },
		{ "untrusted_ip6=2001:db8::1", { true, false, false, false } },
		{ "untrusted_port=1194", { true, false, false, false } },
		{ "ifconfig_local=10.8.0.1", { true, true, true, false } },
		{ "ifconfig_netmask=255.255.255.0", { true, true, true, false } },
		{ "daemon_start_time=1", { true, true, true, false } },
		{ "daemon_pid=7", { true, true, true, false } },
		{ "daemon=0", { true, false, false, false } },
		{ "dev=tun0", { true, true, true, false } },
		{ "dev_type=tun", { true, false, false, false } },
		{ "ifconfig_pool_remote_ip=10.8.0.6", { true, true, true, false } },
		{ "ifconfig_pool_remote_ip6=fd00::6", { true, false, false, false } },
		{ "ifconfig_pool_netmask=255.255.255.0", { true, true, true, false } },
		{ "time_duration=42", { true, true, true, false } },
		{ "time_unix=1714564805", { true, false, false, false } },
		{ "bytes_sent=1", { true, true, true, false } },
		{ "bytes_received=2", { true, true, true, false } },
		{ "session_id=abc", { true, true, true, false } },
		{ "session_state=Initial", { true, true, true, false } },
		{ "", { true, false, false, false } },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (int level = 0; level < 4; level++) {
			bool got = mgmt_env_filter_match(t[i].line, level);
			harness_checks++;
			if (got != t[i].want[level]) {
				harness_failures++;
				fprintf(stderr, "%s:%d: mgmt_env_filter_match(\"%s\", %d) = %d\n", __FILE__,
					__LINE__, t[i].line, level, got);
			}
		}
		CHECK(!mgmt_env_filter_match(t[i].line, 4));
		CHECK(!mgmt_env_filter_match(t[i].line, 99));
	}
}

/* ---- one-line notifications, several connections ---- */

static void
test_notify_many(void)
{
	fake_reset();
	struct mgmt *m = new_mgmt("pw");
	struct mgmt_conn *a = mgmt_conn_open(m, NULL), *b = mgmt_conn_open(m, NULL),
		*p = mgmt_conn_open(m, NULL);
	free(feed(a, "pw\n"));
	free(feed(b, "pw\n"));
	CHECK_OUT("prompt", drain(p), PROMPT);
	CHECK_EQ(mgmt_conn_count(m), 3);
	mgmt_notify(m, ">CLIENT:ADDRESS,%lu,%s,%d", 7ul, "10.8.0.6", 1);
	CHECK_OUT("a", drain(a), ">CLIENT:ADDRESS,7,10.8.0.6,1\r\n");
	CHECK_OUT("b", drain(b), ">CLIENT:ADDRESS,7,10.8.0.6,1\r\n");
	CHECK_OUT("at the prompt", drain(p), "");
	/* a reply goes to the asker only */
	CHECK_OUT("pid a", feed(a, "pid\n"), "SUCCESS: pid=4242\r\n");
	CHECK_OUT("nothing for b", drain(b), "");
	/* each connection has its own env-filter (docs/management.md) */
	free(feed(b, "env-filter 3\n"));
	mgmt_notify_client(m, "CONNECT,1,1", (const char *const *)env5, 5, peer_info, 2);
	char *oa = drain(a), *ob = drain(b);
	CHECK(strstr(oa, ">CLIENT:ENV,common_name=a\r\n") != NULL);
	CHECK(strstr(ob, "common_name") == NULL);
	CHECK_OUT("b level 3", ob, ">CLIENT:CONNECT,1,1\r\n>CLIENT:ENV,IV_VER=2.6\r\n"
		">CLIENT:ENV,IV_PLAT=linux\r\n>CLIENT:ENV,END\r\n");
	free(oa);
	/* connections closed drop out */
	mgmt_conn_close(a);
	mgmt_notify(m, ">CLIENT:ESTABLISHED,7");
	CHECK_OUT("b only", drain(b), ">CLIENT:ESTABLISHED,7\r\n");
	mgmt_free(m);

	/* MGMT_MAX_CONNS at most */
	m = new_mgmt(NULL);
	for (int i = 0; i < MGMT_MAX_CONNS; i++)
		CHECK(mgmt_conn_open(m, NULL) != NULL);
	CHECK(mgmt_conn_open(m, NULL) == NULL);
	CHECK_EQ(mgmt_conn_count(m), MGMT_MAX_CONNS);
	mgmt_free(m);
}

/* ---- bytecount (A7) ---- */

static void
test_bytecount(void)
{
	const uint64_t t = 5000000;
	fake_reset();
	struct mgmt *m = new_mgmt(NULL);
	struct mgmt_conn *c = open_conn(m), *other = open_conn(m);
	CHECK_EQ(mgmt_bytecount_interval(m), 0);
	struct mgmt_bytecount b[] = {
		{ 1, 100, 200, t - 5000 },	/* idle */
		{ 2, 300, 400, t + 700 },
		{ 3, 5, 6, t + 1000 },
	};
	mgmt_bytecount_report(m, t, b, 3);
	CHECK_OUT("bytecount off", drain(c), "");
	CHECK_OUT("bytecount 1", feed(c, "bytecount 1\n"), "SUCCESS: bytecount interval changed\r\n");
	CHECK_EQ(mgmt_bytecount_interval(m), 1);
	mgmt_bytecount_report(m, t, b, 3);
	CHECK_OUT("at t", drain(c), "");
	mgmt_bytecount_report(m, t + 500, b, 3);
	CHECK_OUT("t+500ms", drain(c), "");
	mgmt_bytecount_report(m, t + 1000, b, 3);
	CHECK_OUT("t+1000ms", drain(c), ">BYTECOUNT_CLI:2,300,400\r\n>BYTECOUNT_CLI:3,5,6\r\n");
	CHECK_OUT("not to the other", drain(other), "");
	mgmt_bytecount_report(m, t + 1500, b, 3);
	CHECK_OUT("t+1500ms", drain(c), "");
	b[1].changed_at_ms = t + 1800;
	b[1].bytes_in = 1300;
	mgmt_bytecount_report(m, t + 2100, b, 3);
	CHECK_OUT("t+2100ms", drain(c), ">BYTECOUNT_CLI:2,1300,400\r\n");
	mgmt_bytecount_report(m, t + 3200, b, 3);
	CHECK_OUT("idle", drain(c), "");

	/* the smallest interval of all connections */
	CHECK_OUT("other 5", feed(other, "bytecount 5\n"), "SUCCESS: bytecount interval changed\r\n");
	CHECK_EQ(mgmt_bytecount_interval(m), 1);
	CHECK_OUT("bytecount 0", feed(c, "bytecount 0\n"), "SUCCESS: bytecount interval changed\r\n");
	CHECK_EQ(mgmt_bytecount_interval(m), 5);
	b[2].changed_at_ms = t + 9000;
	mgmt_bytecount_report(m, t + 10000, b, 3);
	CHECK_OUT("stopped", drain(c), "");
	free(drain(other));
	CHECK_OUT("bytecount -3", feed(other, "bytecount -3\n"),
		"SUCCESS: bytecount interval changed\r\n");
	CHECK_EQ(mgmt_bytecount_interval(m), 0);
	/* reset with the connection (A11) */
	free(feed(other, "bytecount 2\n"));
	CHECK_EQ(mgmt_bytecount_interval(m), 2);
	mgmt_conn_close(other);
	CHECK_EQ(mgmt_bytecount_interval(m), 0);
	other = open_conn(m);
	CHECK_EQ(mgmt_bytecount_interval(m), 0);
	mgmt_free(m);
}

int
main(void)
{
	test_table();
	test_ops_args();
	test_password();
	test_log_state();
	test_hold();
	test_deferred_status();
	test_client_auth_block();
	test_input();
	test_long_lines();
	test_output_limit();
	test_lex();
	test_notify_client();
	test_env_filter_match();
	test_notify_many();
	test_bytecount();
	return harness_done("mgmt");
}
