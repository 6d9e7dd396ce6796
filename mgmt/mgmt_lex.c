#include "mgmt_lex.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum lex_state { LX_GAP, LX_WORD, LX_DQUOTE, LX_SQUOTE };

static bool
blank(char c)
{
	return c == '\0' || isspace((unsigned char)c);
}

/*
 * One step of the machine: consumes ch (already unescaped when escaped is
 * set) and says which character, if any, belongs to the current token.
 * Returns true when the token ends here.
 */
static bool
step(enum lex_state *st, char ch, bool escaped, char *keep, bool *comment)
{
	*keep = 0;
	switch (*st) {
	case LX_GAP:
		if (blank(ch))
			return false;
		if (ch == '#' || ch == ';') {	/* even after a backslash, as OpenVPN */
			*comment = true;
			return false;
		}
		if (!escaped && ch == '"')
			*st = LX_DQUOTE;
		else if (!escaped && ch == '\'')
			*st = LX_SQUOTE;
		else {
			*keep = ch;
			*st = LX_WORD;
		}
		return false;
	case LX_WORD:
		if (!escaped && blank(ch))
			return true;
		*keep = ch;
		return false;
	case LX_DQUOTE:
		if (!escaped && ch == '"')
			return true;
		*keep = ch;
		return false;
	case LX_SQUOTE:
		if (ch == '\'')
			return true;
		*keep = ch;
		return false;
	}
	return false;
}

static int
lex_error(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "ERROR: Options error: %s", msg);
	return -1;
}

int
mgmt_lex(const char *line, struct mgmt_argv *out, char *err, size_t errlen)
{
	enum lex_state st = LX_GAP;
	char tok[MGMT_LEX_TOKEN_MAX];
	size_t tlen = 0, used = 0;
	bool escaped = false, comment = false;
	const char *p = line;

	memset(out->argv, 0, sizeof(out->argv));
	out->argc = 0;
	do {
		char ch = *p, keep;
		if (!escaped && ch == '\\' && st != LX_SQUOTE) {
			escaped = true;
			continue;
		}
		bool done = step(&st, ch, escaped, &keep, &comment);
		if (comment)
			break;
		if (done) {
			memcpy(out->store + used, tok, tlen);
			out->store[used + tlen] = '\0';
			out->argv[out->argc++] = out->store + used;
			used += tlen + 1;
			tlen = 0;
			st = LX_GAP;
		}
		if (escaped && keep && keep != '\\' && keep != '"' && !blank(keep)) {
			snprintf(err, errlen, "ERROR: Options warning: Bad backslash ('\\') usage in "
				"TCP:0: remember that backslashes are treated as shell-escapes and if you "
				"need to pass backslash characters as part of a Windows filename, you "
				"should use double backslashes such as \"c:\\\\openvpn\\\\static.key\"");
			return -1;
		}
		escaped = false;
		if (keep) {
			if (tlen >= sizeof(tok)) {
				snprintf(err, errlen, "ERROR: Options error: Parameter at TCP:0 is too "
					"long (%d chars max): %.*s", MGMT_LEX_TOKEN_MAX,
					MGMT_LEX_TOKEN_MAX - 1, tok);
				return -1;
			}
			tok[tlen++] = keep;
		}
		if (out->argc >= MGMT_LEX_MAX_TOKENS)
			break;
	} while (*p++ != '\0');
	if (st == LX_DQUOTE)
		return lex_error(err, errlen, "No closing quotation (\") in TCP:0");
	if (st == LX_SQUOTE)
		return lex_error(err, errlen, "No closing single quotation (') in TCP:0");
	if (st != LX_GAP)	/* a backslash at the very end of a word */
		return lex_error(err, errlen, "Residual parse state (2) in TCP:0");
	return out->argc;
}
