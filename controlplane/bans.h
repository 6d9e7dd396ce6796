/* dpvpnd's IP bans: scoring (ban.c) wired to events and to the dataplanes. */
#ifndef CP_BANS_H
#define CP_BANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ban.h"

struct cp_server;

int cp_bans_init(struct cp_server *s);
/* points for an event from addr (network order); what: for the log */
void cp_ban_event(struct cp_server *s, uint32_t addr, uint32_t points, const char *what);
bool cp_ban_remove(struct cp_server *s, uint32_t addr);
void cp_bans_repush(struct cp_server *s, unsigned dp);
/* Entries (malloc'ed, free them), expires in unix time. */
size_t cp_bans_list(const struct cp_server *s, bool banned_only, struct ban_entry **out);
size_t cp_bans_count(const struct cp_server *s);

#endif
