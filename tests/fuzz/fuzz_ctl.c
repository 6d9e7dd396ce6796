/*
 * Fuzz dpvpnctl's two untrusted-input parsers: the request line dpvpnd
 * reads on its control socket (ctl_req_parse), and the JSON replies
 * dpvpnctl renders (every ctl_render function, with any JSON at all).
 * Byte 0 even: request; odd: reply. Properties (abort on violation): an
 * accepted request has a printable, bounded cmd and arg; every renderer
 * returns, and every JSON it builds dumps and loads back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_render.h"
#include "ctl_req.h"

static const char *const seeds[] = {
	"\x00{\"cmd\":\"show users\"}",
	"\x00{\"cmd\":\"show user\",\"arg\":\"alice\"}",
	"\x01[{\"id\":3,\"username\":\"alice\",\"rx_bytes\":100,\"connected_at\":1700000000,"
	"\"routes\":[\"10.0.0.0/255.0.0.0\"],\"iroutes\":[\"10.9.0.0/24\"]}]",
	"\x01{\"pid\":1,\"start_time\":5,\"active_sessions\":2}",
	"\x01[{\"ip\":\"1.2.3.4\",\"score\":30,\"expires\":1700000300}]",
	"\x01{\"event\":\"disconnect\",\"reason\":\"x\",\"user\":{\"id\":1}}",
};

size_t
fuzz_seed(unsigned idx, uint8_t *buf, size_t cap)
{
	const char *s = seeds[idx % (sizeof(seeds) / sizeof(seeds[0]))];
	size_t n = 1 + strlen(s + 1);
	if (n > cap)
		n = cap;
	memcpy(buf, s, n);
	return n;
}

static void
check_json(json_t *v)
{
	char *text = json_dumps(v, JSON_ENCODE_ANY);
	json_t *back = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
	if (v && (!text || !back))
		abort();
	json_decref(back);
	free(text);
	json_decref(v);
}

static void
render_all(json_t *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	time_t now = 1700000600;
	ctl_text_users(f, v, now);
	ctl_text_user_info(f, v, now);
	ctl_text_status(f, v, now);
	ctl_text_iroutes(f, v);
	ctl_text_sessions(f, v, now);
	ctl_text_session_info(f, v, now);
	ctl_text_bans(f, v, true, now);
	ctl_text_bans(f, v, false, now);
	ctl_text_event(f, v, now);
	ctl_text_dataplanes(f, v);
	ctl_text_stats(f, v);
	fclose(f);
	free(text);
	check_json(ctl_json_users(v, now));
	check_json(ctl_json_user(v, now));
	check_json(ctl_json_status(v, now));
	check_json(ctl_json_sessions(v, now));
	check_json(ctl_json_bans(v, true, now));
	check_json(ctl_json_iroutes(v));
	/* the same record inside an array, as the list commands get it */
	json_t *a = json_array();
	json_array_append(a, v ? v : json_null());
	check_json(ctl_json_users(a, now));
	json_decref(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	if (!(data[0] & 1)) {
		char cmd[CTL_CMD_MAX], arg[CTL_ARG_MAX];
		const char *err;
		if (ctl_req_parse(text, len, cmd, arg, &err) == 0) {
			if (strlen(cmd) >= CTL_CMD_MAX || strlen(arg) >= CTL_ARG_MAX)
				abort();
			for (const char *p = cmd; *p; p++)
				if ((unsigned char)*p < 0x20)
					abort();
		}
		return 0;
	}
	json_t *v = json_loadb(text, len, JSON_DECODE_ANY, NULL);
	render_all(v);
	json_decref(v);
	return 0;
}
