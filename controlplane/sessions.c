/*
 * auth-gen-token sessions as dpvpnctl shows them (ocserv's "session
 * cookies"): a session lives while a client uses it or holds a token for
 * it; `disconnect` leaves it valid (the client reconnects with its token),
 * `terminate` revokes it (its tokens are refused: the client must log in
 * with its password again).
 */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include "sessions.h"
#include "log.h"
#include "server.h"

int
cp_sessions_init(struct cp_server *s)
{
	if (!s->cfg.auth_gen_token)
		return 0;
	s->sessions = sesstab_new(65536);
	return s->sessions ? 0 : -1;
}

static void
describe(const struct cp_client *c, struct sess_entry *e)
{
	char ua[64] = "";
	for (unsigned i = 0; c->pi && i < c->pi->n_pairs; i++)
		if (!strcmp(peerinfo_key(c->pi, i), "IV_VER"))
			snprintf(ua, sizeof(ua), "OpenVPN %.50s", peerinfo_value(c->pi, i));
	snprintf(e->username, sizeof(e->username), "%.63s", c->username);
	inet_ntop(AF_INET, &c->addr, e->remote_ip, sizeof(e->remote_ip));
	snprintf(e->user_agent, sizeof(e->user_agent), "%s", ua);
}

/* The client got a token for its session: it is in use now. */
void
cp_session_attach(struct cp_server *s, struct cp_client *c)
{
	if (!s->sessions || !c->token.bound || c->sess_attached)
		return;
	uint64_t now = (uint64_t)time(NULL);
	struct sess_entry *e = sesstab_touch(s->sessions, c->token.sessid, c->token.t_initial,
		s->cfg.auth_gen_token_lifetime, now);
	if (!e)
		return;
	describe(c, e);
	e->in_use++;
	c->sess_attached = true;
}

void
cp_session_detach(struct cp_server *s, struct cp_client *c)
{
	struct sess_entry *e = c->sess_attached && s->sessions
		? sesstab_find(s->sessions, c->token.sessid) : NULL;
	if (e && e->in_use)
		e->in_use--;
	c->sess_attached = false;
}

bool
cp_session_revoked(struct cp_server *s, const uint8_t sessid[SESS_ID_LEN])
{
	struct sess_entry *e = s->sessions ? sesstab_find(s->sessions, sessid) : NULL;
	return e && e->revoked;
}

const struct sess_entry *
cp_session_of(struct cp_server *s, const struct cp_client *c)
{
	return c->sess_attached && s->sessions ? sesstab_find(s->sessions, c->token.sessid) : NULL;
}

/*
 * terminate: the session's tokens are refused from now on, its clients
 * leave. They are told RESTART,[P] like a disconnect: a client that comes
 * back with its token is refused (AUTH_FAILED,SESSION) and logs in again.
 */
void
cp_session_revoke(struct cp_server *s, struct sess_entry *e)
{
	char msg[CTLMSG_MAX];
	if (ctlmsg_restart(msg, sizeof(msg), false, CTL_RESTART_KEEP_CREDS, NULL) < 0)
		snprintf(msg, sizeof(msg), "RESTART");
	e->revoked = true;
	log_info("session %.6s of '%s' terminated: its tokens are refused", e->safe_id, e->username);
	for (uint32_t i = 0; i < s->cfg.max_clients; i++) {
		struct cp_client *c = s->by_slot[i];
		if (c && c->sess_attached && !c->closing
			&& !memcmp(c->token.sessid, e->id, SESS_ID_LEN))
			cp_admin_client_kill(s, c->cid, msg);
	}
}

/* terminate user / id: a client with no token session is just disconnected. */
void
cp_session_terminate_client(struct cp_server *s, struct cp_client *c)
{
	struct sess_entry *e = s->sessions && c->token.bound
		? sesstab_touch(s->sessions, c->token.sessid, c->token.t_initial,
			s->cfg.auth_gen_token_lifetime, (uint64_t)time(NULL)) : NULL;
	if (e)
		cp_session_revoke(s, e);
	else
		cp_admin_client_kill(s, c->cid, NULL);
}
