/* auth-gen-token sessions for dpvpnctl (sessions.c over sesstab.c). */
#ifndef CP_SESSIONS_H
#define CP_SESSIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "admin.h"
#include "sesstab.h"

struct cp_server;
struct cp_client;

int cp_sessions_init(struct cp_server *s);
void cp_session_attach(struct cp_server *s, struct cp_client *c);
void cp_session_detach(struct cp_server *s, struct cp_client *c);
bool cp_session_revoked(struct cp_server *s, const uint8_t sessid[SESS_ID_LEN]);
const struct sess_entry *cp_session_of(struct cp_server *s, const struct cp_client *c);
void cp_session_revoke(struct cp_server *s, struct sess_entry *e);
void cp_session_terminate_client(struct cp_server *s, struct cp_client *c);

#endif
