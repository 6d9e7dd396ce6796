/*
 * Username/password authentication of a new client, off the event loop:
 * the password store (crypt(3)) and auth-user-pass-verify scripts run on
 * auth worker threads; auth-gen-token tokens are checked here (an HMAC).
 * The verdict comes back through cp_auth_done().
 */
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include <openssl/rand.h>

#include "log.h"
#include "server.h"

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
	c->auth_pending = false;
	cp_auth_done(s, c, ok);
	cp_ctl_flush(s, c);
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
		int r = s->cfg.auth_gen_token_secret.value && !s->cfg.auth_gen_token_secret.is_inline
			? authtoken_key_load(&s->token_key, s->cfg.auth_gen_token_secret.value, err,
				errlen)
			: authtoken_key_random(&s->token_key);
		if (r != 0)
			return -1;
	}
	if (!s->cfg.user_pass_db)
		return 0;
	s->passdb = passdb_load(s->cfg.user_pass_db, err, errlen);
	if (!s->passdb)
		return -1;
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
	if (r == AUTHTOKEN_VALID || r == AUTHTOKEN_VALID_EMPTY_USER)
		authtoken_session_adopt(&c->token, &info);
	return r;
}

enum cp_auth
cp_auth_start(struct cp_server *s, struct cp_client *c, const struct km2_client_msg *m)
{
	if (!s->passdb)
		return CP_AUTH_OK;	/* certificates only */
	if (!m->has_userpass || !m->username[0] || m->creds_too_long)
		return CP_AUTH_FAIL;
	switch (check_token(s, c, m->username, m->password)) {
	case AUTHTOKEN_VALID:
	case AUTHTOKEN_VALID_EMPTY_USER:
		log_info("session %u: user '%s' authenticated by auth-token", c->slot, m->username);
		return CP_AUTH_OK;
	case AUTHTOKEN_EXPIRED:
	case AUTHTOKEN_EXPIRED_EMPTY_USER:
	case AUTHTOKEN_INVALID:
		c->token_expired = true;	/* AUTH_FAILED,SESSION: the client retries */
		return CP_AUTH_FAIL;
	default:
		break;
	}
	if (auth_worker_submit_passdb(s->auth, s->passdb, m->username, m->password, c) != 0)
		return CP_AUTH_FAIL;
	c->auth_pending = true;
	return CP_AUTH_PENDING;
}

/* The token to push after a successful authentication (auth-gen-token). */
bool
cp_auth_token(struct cp_server *s, struct cp_client *c, char out[AUTHTOKEN_SIZE])
{
	uint64_t now = (uint64_t)time(NULL);
	if (!s->cfg.auth_gen_token || !s->passdb)
		return false;
	if (!c->token.bound) {
		uint8_t sessid[AUTHTOKEN_SESSID_LEN];
		if (RAND_bytes(sessid, sizeof(sessid)) != 1)
			return false;
		authtoken_session_start(&c->token, sessid, now);
	}
	return authtoken_generate(&s->token_key, &c->token, c->username, now, out);
}

void
cp_auth_forget(struct cp_server *s, struct cp_client *c)
{
	if (s->auth && c->auth_pending)
		auth_worker_cancel(s->auth, c);
}
