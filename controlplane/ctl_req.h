/* A dpvpnctl request line: {"cmd": "...", "arg": "..."} (docs/dpvpnctl.md). Pure. */
#ifndef CP_CTL_REQ_H
#define CP_CTL_REQ_H

#include <stddef.h>

#define CTL_CMD_MAX 64
#define CTL_ARG_MAX 256

/*
 * 0, or -1 with a reason in err: not one JSON object, "cmd" missing or not
 * a string, "arg" not a string, either too long (never cut short), or a
 * control character in them.
 */
int ctl_req_parse(const char *buf, size_t len, char cmd[CTL_CMD_MAX], char arg[CTL_ARG_MAX],
	const char **err);

#endif
