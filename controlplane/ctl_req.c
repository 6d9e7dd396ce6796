#include "ctl_req.h"

#include <string.h>

#include <jansson.h>

/* A printable string that fits, copied whole. */
static int
take(json_t *v, char *out, size_t cap)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (!s || n >= cap)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	memcpy(out, s, n + 1);
	return 0;
}

int
ctl_req_parse(const char *buf, size_t len, char cmd[CTL_CMD_MAX], char arg[CTL_ARG_MAX],
	const char **err)
{
	json_t *req = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	int r = -1;
	*err = "bad request: expected {\"cmd\": \"...\", \"arg\": \"...\"}";
	arg[0] = '\0';
	if (!json_is_object(req))
		goto out;
	json_t *a = json_object_get(req, "arg");
	if (take(json_object_get(req, "cmd"), cmd, CTL_CMD_MAX) != 0) {
		*err = "bad request: \"cmd\" must be a command name";
		goto out;
	}
	if (a && take(a, arg, CTL_ARG_MAX) != 0) {
		*err = "bad request: \"arg\" must be a short printable string";
		goto out;
	}
	r = 0;
out:
	json_decref(req);
	return r;
}
