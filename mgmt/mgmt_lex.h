/*
 * The management interface's command-line lexer: OpenVPN's option-line
 * rules (mgmt-interfaces.md A1 "Lexer"), so that tools which quote their
 * arguments (go-openvpn-mgmt sends `signal "SIGTERM"`) are understood and
 * a bad line gets OpenVPN's exact error text. Pure.
 */
#ifndef MGMT_LEX_H
#define MGMT_LEX_H

#include <stddef.h>

#define MGMT_LEX_MAX_TOKENS	16	/* further tokens are ignored, as OpenVPN does */
#define MGMT_LEX_TOKEN_MAX	256	/* a longer token is an error */

struct mgmt_argv {
	int argc;
	const char *argv[MGMT_LEX_MAX_TOKENS + 1];	/* NULL after the last */
	char store[MGMT_LEX_MAX_TOKENS * (MGMT_LEX_TOKEN_MAX + 1)];
};

/*
 * Splits line into tokens. Returns the token count (0 for an empty or
 * comment-only line), or -1 with the one-line error OpenVPN would print
 * ("ERROR: Options error: ...", no line end) in err.
 */
int mgmt_lex(const char *line, struct mgmt_argv *out, char *err, size_t errlen);

#endif
