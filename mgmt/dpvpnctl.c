/*
 * dpvpnctl: dpvpnd's admin CLI, modelled on ocserv's occtl (seed 001,
 * mgmt-interfaces.md Part B): the same commands, text tables and -j JSON
 * keys, exit codes 0 / 1 / 2, and an interactive mode with line editing,
 * history and completion. Each command is one request on dpvpnd's control
 * socket (docs/dpvpnctl.md).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_render.h"
#include "dpvpnctl.h"

#define DEFAULT_SOCKET "/run/dpvpn/dpvpnctl.sock"

struct opts opt = { .socket = DEFAULT_SOCKET };

/* ---- talking to dpvpnd ---- */

int
ctl_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", opt.socket);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "error connecting to dpvpnd socket '%s': %s\n", opt.socket,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

int
ctl_send(int fd, const char *cmd, const char *arg)
{
	json_t *req = json_pack("{s:s, s:s}", "cmd", cmd, "arg", arg ? arg : "");
	char *text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!text)
		return -1;
	size_t n = strlen(text);
	int r = send(fd, text, n, MSG_NOSIGNAL) == (ssize_t)n
		&& send(fd, "\n", 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
	free(text);
	return r;
}

/* One reply line (JSON); NULL when the server closed or sent garbage. */
json_t *
ctl_read(int fd, char *buf, size_t cap, size_t *len)
{
	for (;;) {
		char *nl = memchr(buf, '\n', *len);
		if (nl) {
			json_t *v = json_loadb(buf, (size_t)(nl - buf), 0, NULL);
			*len -= (size_t)(nl - buf) + 1;
			memmove(buf, nl + 1, *len);
			return v;
		}
		if (*len == cap)
			return NULL;
		ssize_t n = recv(fd, buf + *len, cap - *len, 0);
		if (n <= 0)
			return NULL;
		*len += (size_t)n;
	}
}

/* A request and its one reply. */
json_t *
ctl_request(const char *cmd, const char *arg)
{
	static char buf[1 << 22];
	size_t len = 0;
	int fd = ctl_connect();
	if (fd < 0)
		return NULL;
	json_t *r = ctl_send(fd, cmd, arg) == 0 ? ctl_read(fd, buf, sizeof(buf), &len) : NULL;
	close(fd);
	if (!r)
		fprintf(stderr, "could not send message; possibly insufficient permissions or "
			"server is offline.\n");
	return r;
}

/* ---- options ---- */

static void
version(void)
{
	fprintf(stderr, "dpvpn server control (dpvpnctl) version %s\n"
		"dpvpnctl speaks to dpvpnd like ocserv's occtl speaks to ocserv.\n\n"
		"For help type ? or 'help'\n"
		"==================================================================\n",
		DPVPN_VERSION);
}

static void
usage(void)
{
	printf("dpvpnctl: [OPTIONS...] [COMMAND]\n\n"
		"  -s --socket-file       Specify the server's dpvpnctl socket file\n"
		"  -h --help              Show this help\n"
		"     --debug             Enable more verbose information in some commands\n"
		"  -v --version           Show the program's version\n"
		"  -j --json              Use JSON formatting for output\n"
		"  -n --no-pager          Do not use a pager\n\n");
	ctl_print_commands(stdout, false);
}

/* occtl's rule: options first, matched by their letters; the rest is the command. */
static int
parse_options(int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-s") || !strcmp(a, "--socket-file")) {
			if (++i == argc) {
				usage();
				exit(1);
			}
			opt.socket = argv[i];
		} else if (!strncmp(a, "--socket-file=", 14)) {
			opt.socket = a + 14;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			opt.json = true;
		} else if (!strcmp(a, "-n") || !strcmp(a, "--no-pager")) {
			opt.no_pager = true;
		} else if (!strcmp(a, "--debug")) {
			opt.debug = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--version")) {
			version();
			exit(0);
		} else {
			usage();
			exit(0);
		}
	}
	return i;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	int first = parse_options(argc, argv);
	if (first == argc) {
		if (opt.json) {
			fprintf(stderr, "dpvpnctl: JSON output needs a command (not interactive)\n");
			return 1;
		}
		return ctl_interactive();
	}
	/* the remaining words are one command line */
	size_t n = 0;
	for (int i = first; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *line = calloc(1, n + 1);
	for (int i = first; line && i < argc; i++) {
		strcat(line, argv[i]);
		if (i + 1 < argc)
			strcat(line, " ");
	}
	int rc = line ? ctl_run_line(line, false) : 1;
	free(line);
	return rc;
}
