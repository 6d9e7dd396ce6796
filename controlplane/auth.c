/*
 * Username/password authentication of a new client, off the event loop:
 * the password store (crypt(3)) and auth-user-pass-verify scripts run on
 * auth worker threads; auth-gen-token tokens are checked here (an HMAC).
 * The verdict comes back through cp_auth_done().
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include <openssl/rand.h>

#include "log.h"
#include "server.h"
#include "sessions.h"

static void
on_result(void *arg, const struct auth_result *res)
{
	struct cp_server *s = arg;
	struct cp_client *c = res->cookie;
	bool ok = res->type == AUTH_JOB_PASSDB ? res->status == PASSDB_OK
		: res->status == AUTH_SCRIPT_ACCEPT;
	if (!ok)
		log_info("session %u: user '%s' refused: %s", c->slot, c->username,
			res->type == AUTH_JOB_PASSDB ? passdb_result_str(res->status)
			: "auth-user-pass-verify script said no");
	cp_auth_answer(s, c, CP_WAIT_WORKER, ok);
	cp_ctl_flush(s, c);
}

void
cp_auth_answer(struct cp_server *s, struct cp_client *c, unsigned source, bool ok)
{
	if (!(c->auth_wait & source))
		return;	/* a late answer: the verdict is already in */
	c->auth_wait &= ~source;
	if (ok && c->auth_wait)
		return;	/* the others still have to say yes */
	if (c->auth_wait & CP_WAIT_WORKER)
		auth_worker_cancel(s->auth, c);	/* a no needs no further opinion */
	c->auth_wait = 0;
	c->auth_pending = false;
	if (c->reauth_key >= 0)
		cp_reauth_done(s, c, ok);
	else
		cp_auth_done(s, c, ok);
}

bool
cp_auth_mgmt_verdict(struct cp_server *s, struct cp_client *c, unsigned kid, bool ok,
	const char *config, const char *client_reason)
{
	if (!(c->auth_wait & CP_WAIT_MGMT) || c->mgmt_kid != kid || c->closing)
		return false;
	if (ok && config && c->reauth_key < 0 && !c->mgmt_config)
		c->mgmt_config = strdup(config);	/* client-connect lines: first auth only */
	if (!ok && client_reason)
		snprintf(c->deny_reason, sizeof(c->deny_reason), "%s", client_reason);
	cp_auth_answer(s, c, CP_WAIT_MGMT, ok);
	cp_ctl_flush(s, c);
	return true;
}

static void
on_readable(void *arg, uint32_t events)
{
	struct cp_server *s = arg;
	(void)events;
	auth_worker_drain(s->auth, on_result, s);
}

int
cp_auth_init(struct cp_server *s, char *err, size_t errlen)
{
	if (s->cfg.auth_gen_token) {
		const struct cp_cfg_src *src = &s->cfg.auth_gen_token_secret;
		int r = !src->value ? authtoken_key_random(&s->token_key)
			: src->is_inline ? authtoken_key_from_pem(&s->token_key, src->value,
				strlen(src->value), err, errlen)
			: authtoken_key_load(&s->token_key, src->value, err, errlen);
		if (r != 0)
			return -1;
	}
	if (s->cfg.auth_verify_cmd) {
		/* via-file: the script reads username/password from a 0600 temp file. */
		s->script = auth_script_new(s->cfg.auth_verify_cmd, "/tmp", 30, err, errlen);
		if (!s->script)
			return -1;
	} else if (s->cfg.user_pass_db) {
		s->passdb = passdb_load(s->cfg.user_pass_db, err, errlen);
		if (!s->passdb)
			return -1;
	} else {
		return 0;
	}
	s->auth = auth_worker_new(0, 0);
	if (!s->auth) {
		snprintf(err, errlen, "auth workers: out of memory");
		return -1;
	}
	return ev_add_fd(s->loop, auth_worker_fd(s->auth), EPOLLIN, on_readable, s);
}

/* auth-gen-token: a valid token stands for the password (§12). */
static enum authtoken_result
check_token(struct cp_server *s, struct cp_client *c, const char *user, const char *pass)
{
	struct authtoken_params p = { .lifetime = s->cfg.auth_gen_token_lifetime,
		.renewal = s->cfg.auth_gen_token_renewal ? s->cfg.auth_gen_token_renewal
			: s->cfg.reneg_sec };
	struct authtoken_info info;
	if (!s->cfg.auth_gen_token || !authtoken_is_token(pass))
		return AUTHTOKEN_NOT_TOKEN;
	enum authtoken_result r = authtoken_validate(&s->token_key, &p, &c->token, user, pass,
		(uint64_t)time(NULL), &info);
	if (info.hmac_ok && cp_session_revoked(s, info.sessid)) {
		log_info("session %u: auth-token of a terminated session refused", c->slot);
		return AUTHTOKEN_INVALID;	/* dpvpnctl terminate: log in again */
	}
	if (r == AUTHTOKEN_VALID || r == AUTHTOKEN_VALID_EMPTY_USER)
		authtoken_session_adopt(&c->token, &info);
	return r;
}

/* auth-user-pass-verify: the OpenVPN-compatible script, with the client's peer-info. */
static int
submit_script(struct cp_server *s, struct cp_client *c, const struct km2_client_msg *m)
{
	struct auth_script_env env[AUTH_SCRIPT_ENV_MAX];
	size_t n = 0;
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &c->addr, ip, sizeof(ip));
	for (unsigned i = 0; c->pi && i < c->pi->n_pairs && n < AUTH_SCRIPT_ENV_MAX; i++)
		env[n++] = (struct auth_script_env){ peerinfo_key(c->pi, i), peerinfo_value(c->pi, i) };
	struct auth_script_req req = { .username = m->username, .password = m->password,
		.common_name = c->common_name, .untrusted_ip = ip, .untrusted_port = c->port,
		.env = env, .nenv = n };
	return auth_worker_submit_script(s->auth, s->script, &req, c);
}

/*
 * A valid auth-gen-token stands for every other check (2.6), unless the
 * token says external-auth and the management interface decides.
 * Returns -1 to go on with the other checks, else the result.
 */
static int
token_result(struct cp_server *s, struct cp_client *c, const struct km2_client_msg *m, bool mgmt)
{
	enum authtoken_result r = check_token(s, c, m->username, m->password);
	if (r == AUTHTOKEN_NOT_TOKEN)
		return -1;
	if (s->cfg.auth_gen_token_external && mgmt)
		return -2;	/* the management client judges, the token goes with it */
	if (r == AUTHTOKEN_VALID) {
		log_info("session %u: user '%s' authenticated by auth-token", c->slot, m->username);
		return CP_AUTH_OK;
	}
	/* A token without its username only passes with external-auth (2.6). */
	if (r == AUTHTOKEN_VALID_EMPTY_USER && s->cfg.auth_gen_token_external)
		return CP_AUTH_OK;
	authtoken_session_clear(&c->token);
	c->token_expired = true;	/* AUTH_FAILED,SESSION: the client retries */
	return CP_AUTH_FAIL;
}

enum cp_auth
cp_auth_start(struct cp_server *s, struct cp_client *c, const struct km2_client_msg *m)
{
	bool mgmt = s->mgmt && s->cfg.mgmt.client_auth;
	bool creds = m->has_userpass && m->username[0] && !m->creds_too_long;
	if (!s->passdb && !s->script && !mgmt)
		return CP_AUTH_OK;	/* certificates only */
	if (!creds && !s->cfg.auth_user_pass_optional)
		return CP_AUTH_FAIL;
	int t = creds ? token_result(s, c, m, mgmt) : -1;
	if (t >= 0)
		return (enum cp_auth)t;
	c->auth_wait = 0;
	if (creds && t == -1 && (s->passdb || s->script)) {
		int r = s->script ? submit_script(s, c, m)
			: auth_worker_submit_passdb(s->auth, s->passdb, m->username, m->password, c);
		if (r != 0)
			return CP_AUTH_FAIL;
		c->auth_wait |= CP_WAIT_WORKER;
	}
	if (mgmt) {
		c->auth_wait |= CP_WAIT_MGMT;
		cp_mgmt_client_connect(s, c, creds ? m->password : NULL);
	}
	if (!c->auth_wait)
		return CP_AUTH_OK;
	c->auth_pending = true;
	return CP_AUTH_PENDING;
}

/* The token to push after a successful authentication (auth-gen-token). */
bool
cp_auth_token(struct cp_server *s, struct cp_client *c, char out[AUTHTOKEN_SIZE])
{
	uint64_t now = (uint64_t)time(NULL);
	if (!s->cfg.auth_gen_token || (!s->passdb && !s->script))
		return false;
	if (!c->token.bound) {
		uint8_t sessid[AUTHTOKEN_SESSID_LEN];
		if (RAND_bytes(sessid, sizeof(sessid)) != 1)
			return false;
		authtoken_session_start(&c->token, sessid, now);
	}
	if (!authtoken_generate(&s->token_key, &c->token, c->username, now, out))
		return false;
	cp_session_attach(s, c);
	return true;
}

void
cp_auth_forget(struct cp_server *s, struct cp_client *c)
{
	if (s->auth && (c->auth_wait & CP_WAIT_WORKER))
		auth_worker_cancel(s->auth, c);
	c->auth_wait = 0;
}
