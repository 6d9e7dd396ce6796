/*
 * Management connections: input lines (control bytes dropped, as OpenVPN
 * does), the password prompt, bounded output, and the notifications and
 * histories every connection shares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt_int.h"

/* ---- histories ---- */

static int
hist_init(struct mgmt_hist *h, unsigned cap)
{
	h->cap = cap ? cap : 1;
	h->line = calloc(h->cap, sizeof(*h->line));
	return h->line ? 0 : -1;
}

static void
hist_free(struct mgmt_hist *h)
{
	for (unsigned i = 0; h->line && i < h->cap; i++)
		free(h->line[i].text);
	free(h->line);
}

void
mgmt_hist_add(struct mgmt_hist *h, time_t t, const char *text)
{
	char *copy = strdup(text);
	if (!copy)
		return;
	unsigned at = (h->head + h->n) % h->cap;
	if (h->n == h->cap) {	/* full: the oldest goes */
		at = h->head;
		h->head = (h->head + 1) % h->cap;
		free(h->line[at].text);
	} else {
		h->n++;
	}
	h->line[at] = (struct mgmt_hist_line){ t, copy };
}

const struct mgmt_hist_line *
mgmt_hist_newest(const struct mgmt_hist *h, unsigned i)
{
	if (i >= h->n)
		return NULL;
	return &h->line[(h->head + h->n - 1 - i) % h->cap];
}

/* ---- the object ---- */

struct mgmt *
mgmt_new(const struct mgmt_conf *conf, const struct mgmt_ops *ops)
{
	struct mgmt *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->conf = *conf;
	m->ops = *ops;
	m->title = strdup(conf->title ? conf->title : "OpenVPN");
	m->password = conf->password ? strdup(conf->password) : NULL;
	m->hold_flag = conf->hold;
	m->client_version = 1;
	snprintf(m->auth_retry, sizeof(m->auth_retry), "none");
	if (!m->title || (conf->password && !m->password) || hist_init(&m->log, conf->log_cache)
		|| hist_init(&m->state, 100) || hist_init(&m->echo, 100)) {
		mgmt_free(m);
		return NULL;
	}
	m->conf.title = m->title;
	m->conf.password = m->password;
	return m;
}

void
mgmt_free(struct mgmt *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < MGMT_MAX_CONNS; i++)
		if (m->conn[i].in_use)
			mgmt_conn_close(&m->conn[i]);
	hist_free(&m->log);
	hist_free(&m->state);
	hist_free(&m->echo);
	if (m->password)
		memset(m->password, 0, strlen(m->password));
	free(m->password);
	free(m->title);
	free(m);
}

/* ---- output ---- */

static void
wake(struct mgmt_conn *c)
{
	if (c->m->ops.wake)
		c->m->ops.wake(c->m->ops.arg, c);
}

static void
drop_client(struct mgmt_conn *c, const char *why)
{
	if (!c->close_reason)
		c->close_reason = why;
	wake(c);
}

static int
outbuf_append(struct mgmt_outbuf *o, const char *buf, size_t len)
{
	if (o->off && o->len + len > o->cap) {	/* slide the unwritten part to the front */
		memmove(o->buf, o->buf + o->off, o->len - o->off);
		o->len -= o->off;
		o->off = 0;
	}
	if (o->len + len > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap < o->len + len)
			cap *= 2;
		char *b = realloc(o->buf, cap);
		if (!b)
			return -1;
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, buf, len);
	o->len += len;
	return 0;
}

/* A line with "\r\n" into a buffer (long lines are cut, never split). */
static int
outbuf_vline(struct mgmt_outbuf *o, const char *fmt, va_list ap)
{
	char line[4096];
	int n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	if (n < 0)
		return 0;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	memcpy(line + n, "\r\n", 2);
	return outbuf_append(o, line, (size_t)n + 2);
}

static int
outbuf_line(struct mgmt_outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
outbuf_line(struct mgmt_outbuf *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = outbuf_vline(o, fmt, ap);
	va_end(ap);
	return r;
}

void
mgmt_conn_write(struct mgmt_conn *c, const char *buf, size_t len)
{
	struct mgmt_outbuf *o = &c->out;
	if (c->close_reason)
		return;
	if (o->len - o->off + len > MGMT_OUTPUT_MAX) {
		drop_client(c, "management client does not read its output");
		return;
	}
	bool was_empty = o->len == o->off;
	if (outbuf_append(o, buf, len) != 0) {
		drop_client(c, "out of memory");
		return;
	}
	if (was_empty)
		wake(c);
}

void
mgmt_vout(struct mgmt_conn *c, const char *fmt, va_list ap)
{
	struct mgmt_outbuf line = { 0 };
	if (outbuf_vline(&line, fmt, ap) == 0)
		mgmt_conn_write(c, line.buf, line.len);
	free(line.buf);
}

void
mgmt_out(struct mgmt_conn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mgmt_vout(c, fmt, ap);
	va_end(ap);
}

void
mgmt_conn_print(struct mgmt_conn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mgmt_vout(c, fmt, ap);
	va_end(ap);
}

const char *
mgmt_conn_output(const struct mgmt_conn *c, size_t *len)
{
	*len = c->out.len - c->out.off;
	return c->out.buf + c->out.off;
}

void
mgmt_conn_consume(struct mgmt_conn *c, size_t n)
{
	c->out.off += n;
	if (c->out.off >= c->out.len)
		c->out.off = c->out.len = 0;
}

/* ---- connections ---- */

void
mgmt_greet(struct mgmt_conn *c)
{
	mgmt_out(c, ">INFO:OpenVPN Management Interface Version %d -- type 'help' for more info",
		MGMT_VERSION);
	if (c->m->held)
		mgmt_out(c, ">HOLD:Waiting for hold release:0");
}

static void
prompt_password(struct mgmt_conn *c)
{
	mgmt_conn_write(c, "ENTER PASSWORD:", 15);
}

struct mgmt_conn *
mgmt_conn_open(struct mgmt *m, void *user)
{
	for (unsigned i = 0; i < MGMT_MAX_CONNS; i++) {
		struct mgmt_conn *c = &m->conn[i];
		if (c->in_use)
			continue;
		memset(c, 0, sizeof(*c));
		c->m = m;
		c->user = user;
		c->in_use = true;
		c->verified = !m->password;
		if (c->verified)
			mgmt_greet(c);
		else
			prompt_password(c);
		return c;
	}
	return NULL;
}

void *
mgmt_conn_user(const struct mgmt_conn *c)
{
	return c->user;
}

bool
mgmt_conn_should_close(const struct mgmt_conn *c)
{
	return c->close_reason != NULL;
}

const char *
mgmt_conn_close_reason(const struct mgmt_conn *c)
{
	return c->close_reason;
}

void
mgmt_conn_close(struct mgmt_conn *c)
{
	free(c->out.buf);
	free(c->block);
	memset(c->in, 0, c->in_len);	/* may hold a password */
	c->out = (struct mgmt_outbuf){ 0 };
	c->block = NULL;
	c->in_use = false;
}

unsigned
mgmt_conn_count(const struct mgmt *m)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MGMT_MAX_CONNS; i++)
		n += m->conn[i].in_use;
	return n;
}

/* Constant time in the password's length: the answer leaks nothing but equality. */
static bool
password_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;
	for (size_t i = 0; i < lb; i++)
		diff |= (unsigned char)(b[i] ^ (i < la ? a[i] : 0));
	return diff == 0;
}

static void
bad_password(struct mgmt_conn *c)
{
	mgmt_out(c, "ERROR: bad password");
	if (++c->pw_tries >= MGMT_PASSWORD_TRIES) {
		drop_client(c, "client connection rejected after 3 failed password attempts");
		return;
	}
	prompt_password(c);
}

static void
check_password(struct mgmt_conn *c, const char *line)
{
	if (!password_equal(line, c->m->password)) {
		bad_password(c);
		return;
	}
	c->verified = true;
	mgmt_out(c, "SUCCESS: password is correct");
	mgmt_greet(c);
}

static void
block_line(struct mgmt_conn *c, const char *line)
{
	size_t n = strlen(line);
	if (!strcmp(line, "END")) {
		mgmt_cmd_block_done(c);
		return;
	}
	if (c->block_len + n + 1 > MGMT_BLOCK_MAX) {
		c->block_too_long = true;	/* refused at END */
		return;
	}
	char *b = realloc(c->block, c->block_len + n + 2);
	if (!b) {
		c->block_too_long = true;
		return;
	}
	c->block = b;
	memcpy(c->block + c->block_len, line, n);
	c->block_len += n;
	c->block[c->block_len++] = '\n';
	c->block[c->block_len] = '\0';
}

static void
run_line(struct mgmt_conn *c, const char *line)
{
	struct mgmt_argv a;
	char err[512];
	if (!c->verified) {
		check_password(c, line);
		return;
	}
	if (c->in_block) {
		block_line(c, line);
		return;
	}
	int n = mgmt_lex(line, &a, err, sizeof(err));
	if (n < 0)
		mgmt_out(c, "%s", err);
	else if (n > 0)
		mgmt_cmd_run(c, &a);
}

/* Complete lines in c->in, in order, until a reply is deferred or the client goes. */
static void
process_lines(struct mgmt_conn *c)
{
	size_t start = 0;
	while (!c->deferred && !c->close_reason) {
		char *nl = memchr(c->in + start, '\n', c->in_len - start);
		if (!nl)
			break;
		*nl = '\0';
		if (c->discarding || (size_t)(nl - (c->in + start)) > MGMT_LINE_MAX) {
			c->discarding = false;
			if (!c->verified)
				bad_password(c);	/* nothing but the prompt before the password */
			else
				mgmt_out(c, "ERROR: command line too long (%d bytes max)", MGMT_LINE_MAX);
		} else {
			run_line(c, c->in + start);
		}
		start = (size_t)(nl - c->in) + 1;
	}
	memset(c->in, 0, start);
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	/* No line end in sight: an over-long line is thrown away as it comes. */
	if (!c->deferred && c->in_len > MGMT_LINE_MAX) {
		c->discarding = true;
		c->in_len = 0;
	}
}

void
mgmt_conn_input(struct mgmt_conn *c, const char *buf, size_t len)
{
	for (size_t i = 0; i < len && !c->close_reason; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if ((ch < 0x20 && ch != '\n') || ch == 0x7f)
			continue;	/* \r, telnet controls...: OpenVPN drops them too */
		if (c->in_len == sizeof(c->in)) {
			if (c->deferred) {
				drop_client(c, "management client sent too much while a reply was pending");
				return;
			}
			process_lines(c);
			if (c->in_len == sizeof(c->in)) {
				c->discarding = true;
				c->in_len = 0;
			}
		}
		c->in[c->in_len++] = (char)ch;
	}
	process_lines(c);
}

void
mgmt_conn_resume(struct mgmt_conn *c)
{
	if (!c->deferred)
		return;
	c->deferred = false;
	process_lines(c);
}

/* ---- notifications ---- */

static void
broadcast_line(struct mgmt *m, bool (*wants)(const struct mgmt_conn *), const char *line)
{
	for (unsigned i = 0; i < MGMT_MAX_CONNS; i++) {
		struct mgmt_conn *c = &m->conn[i];
		if (c->in_use && c->verified && (!wants || wants(c)))
			mgmt_out(c, "%s", line);
	}
}

static bool
wants_log(const struct mgmt_conn *c)
{
	return c->rt_log;
}

static bool
wants_state(const struct mgmt_conn *c)
{
	return c->rt_state;
}

void
mgmt_log(struct mgmt *m, time_t t, const char *flags, const char *text)
{
	char line[1200];
	snprintf(line, sizeof(line), "%s,%s", flags, text);
	mgmt_hist_add(&m->log, t, line);
	char note[1300];
	snprintf(note, sizeof(note), ">LOG:%u,%s", (unsigned)t, line);
	broadcast_line(m, wants_log, note);
}

void
mgmt_state(struct mgmt *m, time_t t, const char *name, const char *desc, const char *local_ip)
{
	char line[256], note[300];
	/* remote and local socket addresses stay empty: a server's socket is unconnected */
	snprintf(line, sizeof(line), "%s,%s,%s,,,,", name, desc ? desc : "",
		local_ip ? local_ip : "");
	mgmt_hist_add(&m->state, t, line);
	snprintf(note, sizeof(note), ">STATE:%u,%s", (unsigned)t, line);
	broadcast_line(m, wants_state, note);
}

void
mgmt_hold_begin(struct mgmt *m)
{
	m->held = true;
	broadcast_line(m, NULL, ">HOLD:Waiting for hold release:0");
}

bool
mgmt_is_held(const struct mgmt *m)
{
	return m->held;
}

bool
mgmt_hold_flag(const struct mgmt *m)
{
	return m->hold_flag;
}

void
mgmt_notify(struct mgmt *m, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	broadcast_line(m, NULL, line);
}

bool
mgmt_env_filter_match(const char *line, int level)
{
	static const char *const allowed[] = {
		"username=", "password=", "X509_0_CN=", "tls_serial_", "untrusted_ip=",
		"ifconfig_local=", "ifconfig_netmask=", "daemon_start_time=", "daemon_pid=", "dev=",
		"ifconfig_pool_remote_ip=", "ifconfig_pool_netmask=", "time_duration=",
		"bytes_sent=", "bytes_received=", "session_id=", "session_state=",
	};
	if (level <= 0)
		return true;
	if (level == 1 && !strncmp(line, "X509_", 5))
		return true;
	if (level > 2)
		return false;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (!strncmp(line, allowed[i], strlen(allowed[i])))
			return true;
	return false;
}

/* One connection's copy of a >CLIENT: block, built whole, then queued at once. */
static void
client_block(struct mgmt_conn *c, const char *header, const char *const *env, size_t n,
	const char *const *pi, size_t n_pi)
{
	struct mgmt_outbuf b = { 0 };
	int err = outbuf_line(&b, ">CLIENT:%s", header);
	for (size_t i = 0; i < n && !err; i++) {
		if (mgmt_env_filter_match(env[i], c->env_filter))
			err |= outbuf_line(&b, ">CLIENT:ENV,%s", env[i]);
		/* with a filter, the raw peer-info follows OpenVPN's "extra" env (n_clients) */
		if (i == 0 && c->env_filter > 0 && !strncmp(env[0], "n_clients=", 10))
			for (size_t k = 0; k < n_pi && !err; k++)
				err |= outbuf_line(&b, ">CLIENT:ENV,%s", pi[k]);
	}
	err |= outbuf_line(&b, ">CLIENT:ENV,END");
	if (err)
		drop_client(c, "out of memory");
	else
		mgmt_conn_write(c, b.buf, b.len);
	free(b.buf);
}

void
mgmt_notify_client(struct mgmt *m, const char *header, const char *const *env, size_t n,
	const char *const *peer_info, size_t n_peer_info)
{
	for (unsigned i = 0; i < MGMT_MAX_CONNS; i++) {
		struct mgmt_conn *c = &m->conn[i];
		if (c->in_use && c->verified)
			client_block(c, header, env, n, peer_info, n_peer_info);
	}
}

/* ---- bytecount ---- */

unsigned
mgmt_bytecount_interval(const struct mgmt *m)
{
	unsigned min = 0;
	for (unsigned i = 0; i < MGMT_MAX_CONNS; i++) {
		const struct mgmt_conn *c = &m->conn[i];
		if (c->in_use && c->verified && c->bytecount && (!min || c->bytecount < min))
			min = c->bytecount;
	}
	return min;
}

void
mgmt_bytecount_report(struct mgmt *m, uint64_t now_ms, const struct mgmt_bytecount *b, size_t n)
{
	for (unsigned i = 0; i < MGMT_MAX_CONNS; i++) {
		struct mgmt_conn *c = &m->conn[i];
		if (!c->in_use || !c->verified || !c->bytecount)
			continue;
		if (!c->bytecount_last_ms) {	/* the first report comes one interval later */
			c->bytecount_last_ms = now_ms;
			continue;
		}
		if (now_ms - c->bytecount_last_ms < c->bytecount * 1000ull)
			continue;
		for (size_t k = 0; k < n; k++)
			if (b[k].changed_at_ms > c->bytecount_last_ms)
				mgmt_out(c, ">BYTECOUNT_CLI:%lu,%llu,%llu", b[k].cid,
					(unsigned long long)b[k].bytes_in,
					(unsigned long long)b[k].bytes_out);
		c->bytecount_last_ms = now_ms;
	}
}
