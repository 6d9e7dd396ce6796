/*
 * --status FILE [sec]: the client list rewritten every sec seconds in the
 * --status-version layout, atomically (temp file + rename) so that readers
 * never see half a report.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "log.h"
#include "server.h"
#include "status.h"

void
cp_client_record_fill(const struct cp_server *s, const struct cp_client *c,
	struct cp_client_record *r)
{
	time_t wall0 = time(NULL) - (time_t)(ev_now_ms(s->loop) / 1000);
	memset(r, 0, sizeof(*r));
	snprintf(r->common_name, sizeof(r->common_name), "%s",
		c->common_name[0] ? c->common_name : "UNDEF");
	snprintf(r->username, sizeof(r->username), "%s", c->username[0] ? c->username : "UNDEF");
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &c->addr, a, sizeof(a));
	snprintf(r->real_address, sizeof(r->real_address), "%s:%u", a, c->port);
	if (cp_client_vaddr(c)) {
		uint32_t be = htonl(cp_client_vaddr(c));
		inet_ntop(AF_INET, &be, r->virtual_address, sizeof(r->virtual_address));
	}
	r->bytes_received = c->rx_bytes;
	r->bytes_sent = c->tx_bytes;
	r->connected_since = c->created_wall;
	r->last_ref = wall0 + (time_t)(c->last_rx_ms / 1000);
	r->client_id = (uint32_t)c->cid;
	r->peer_id = c->peer_id;
	snprintf(r->cipher, sizeof(r->cipher), "%s", ncp_cipher_name(c->cipher));
	for (unsigned i = 0; c->ccd && i < c->ccd->n_iroute && i < 8; i++) {
		uint32_t be = htonl(c->ccd->iroute[i].net);
		char n[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &be, n, sizeof(n));
		snprintf(r->iroutes[i], sizeof(r->iroutes[i]), "%s/%d", n,
			__builtin_popcount(c->ccd->iroute[i].mask));
		r->n_iroutes++;
	}
}

static void
write_status(struct cp_server *s)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->cfg.status_file);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		log_warn("status %s", tmp);
		return;
	}
	cp_admin_status_report(s, f, (int)s->cfg.status_version, "\n");
	if (fclose(f) != 0 || rename(tmp, s->cfg.status_file) != 0)
		log_warn("status %s", s->cfg.status_file);
}

static void
on_status_timer(void *arg)
{
	struct cp_server *s = arg;
	write_status(s);
	ev_timer_set(s->loop, &s->status_timer,
		ev_now_ms(s->loop) + (s->cfg.status_sec ? s->cfg.status_sec : 60) * 1000ull,
		on_status_timer, s);
}

void
cp_status_start(struct cp_server *s)
{
	if (s->cfg.status_file)
		on_status_timer(s);
}
