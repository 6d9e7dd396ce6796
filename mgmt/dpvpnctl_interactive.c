/*
 * dpvpnctl without a command: a prompt with line editing and history
 * (libedit), TAB completion of command words and of the names and ids
 * seen in this session's replies, `help` / `?`, `exit` / `quit` / EOF.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <editline/readline.h>

#include "dpvpnctl.h"

#define CACHE_MAX 1024

static struct {
	char kind[8];
	char value[64];
} cache[CACHE_MAX];
static size_t n_cache;

void
ctl_cache_remember(const char *kind, const char *value)
{
	for (size_t i = 0; i < n_cache; i++)
		if (!strcmp(cache[i].kind, kind) && !strcmp(cache[i].value, value))
			return;
	if (n_cache == CACHE_MAX)
		return;
	snprintf(cache[n_cache].kind, sizeof(cache[0].kind), "%s", kind);
	snprintf(cache[n_cache].value, sizeof(cache[0].value), "%s", value);
	n_cache++;
}

const char *
ctl_cache_get(const char *kind, size_t i)
{
	for (size_t k = 0; k < n_cache; k++)
		if (!strcmp(cache[k].kind, kind) && i-- == 0)
			return cache[k].value;
	return NULL;
}

/* What the words before the cursor already say: a command whose argument is being typed. */
static char line_before[4096];

static char *
complete_command(const char *text, int state)
{
	static size_t i;
	static size_t skip;
	if (!state) {
		i = 0;
		skip = strlen(line_before) - strlen(text);	/* words already typed */
	}
	const char *name;
	while ((name = ctl_command_name(i++))) {
		/* "show u" + TAB: offer the word that continues what is typed */
		if (strncasecmp(name, line_before, strlen(line_before)))
			continue;
		return strdup(name + skip);
	}
	return NULL;
}

static char *
complete_arg(const char *text, int state)
{
	static size_t i;
	static const char *kind;
	if (!state) {
		i = 0;
		char cmd[4096];
		snprintf(cmd, sizeof(cmd), "%.*s", (int)(strlen(line_before) - strlen(text) - 1),
			line_before);
		const char *a = ctl_command_arg_kind(cmd);
		kind = !a ? NULL : strstr(a, "NAME") ? "NAME" : strstr(a, "[IP]") ? "IP"
			: strstr(a, "SID") ? "SID" : strstr(a, "ID") ? "ID" : NULL;
	}
	const char *v;
	while (kind && (v = ctl_cache_get(kind, i++)))
		if (!strncmp(v, text, strlen(text)))
			return strdup(v);
	return NULL;
}

static char **
completion(const char *text, int start, int end)
{
	(void)end;
	snprintf(line_before, sizeof(line_before), "%.*s%s", start, rl_line_buffer, text);
	rl_attempted_completion_over = 1;
	char **m = rl_completion_matches(text, complete_command);
	if (!m)
		m = rl_completion_matches(text, complete_arg);
	return m;
}

int
ctl_interactive(void)
{
	fprintf(stderr, "dpvpn server control (dpvpnctl) version %s\n\n"
		"For help type ? or 'help'\n"
		"==================================================================\n",
		DPVPN_VERSION);
	opt.interactive = true;
	rl_readline_name = "dpvpnctl";
	rl_attempted_completion_function = completion;
	signal(SIGINT, SIG_IGN);	/* Ctrl-C does not end the session; exit or EOF does */
	char *line;
	while ((line = readline("> "))) {
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		for (char *e = p + strlen(p); e > p && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = '\0';
		if (*p)
			add_history(p);
		if (!strcasecmp(p, "exit") || !strcasecmp(p, "quit")) {
			free(line);
			break;
		}
		if (*p)
			ctl_run_line(p, true);
		free(line);
	}
	return 0;
}
