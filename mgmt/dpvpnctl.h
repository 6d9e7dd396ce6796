/* dpvpnctl's parts: options and the socket (dpvpnctl.c), the commands
 * (dpvpnctl_cmds.c), the interactive mode (dpvpnctl_interactive.c). */
#ifndef DPVPNCTL_H
#define DPVPNCTL_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

struct opts {
	const char *socket;
	bool json, no_pager, debug;
	bool interactive;
};
extern struct opts opt;

int ctl_connect(void);
int ctl_send(int fd, const char *cmd, const char *arg);
json_t *ctl_read(int fd, char *buf, size_t cap, size_t *len);
json_t *ctl_request(const char *cmd, const char *arg);

/* Runs one command line; returns the exit status (0, 1, or 2 = not found). */
int ctl_run_line(const char *line, bool interactive);
/* "Available Commands" and the help lines (interactive ones too when asked). */
void ctl_print_commands(FILE *out, bool interactive);
/* Completion: the i-th command name starting with text (NULL past the end). */
const char *ctl_command_name(size_t i);
/* Names, ids, addresses seen in this session's replies, for completion. */
void ctl_cache_remember(const char *kind, const char *value);
const char *ctl_cache_get(const char *kind, size_t i);
const char *ctl_command_arg_kind(const char *command);

int ctl_interactive(void);

#endif
