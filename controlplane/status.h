/*
 * OpenVPN's status report (--status FILE, --status-version 1|2|3; later the
 * management `status` command): one record per client, rendered in the
 * exact layouts of OpenVPN 2.6 (mgmt-interfaces.md A5). Pure.
 */
#ifndef CP_STATUS_H
#define CP_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* One client, as every renderer sees it. */
struct cp_client_record {
	char common_name[256];		/* "UNDEF" when none */
	char username[256];		/* "UNDEF" when none */
	char real_address[64];		/* a.b.c.d:port */
	char virtual_address[16];	/* "" when none */
	uint64_t bytes_received, bytes_sent;
	time_t connected_since;
	time_t last_ref;
	uint32_t client_id;
	uint32_t peer_id;
	char cipher[32];
	char iroutes[8][24];		/* "10.9.0.0/24" */
	unsigned n_iroutes;
};

/*
 * Writes the report for n records, version 1, 2 or 3, lines ending in eol
 * ("\n" in a file, "\r\n" over the management interface). title is the
 * TITLE line's text (versions 2 and 3).
 */
void cp_status_render(FILE *out, const struct cp_client_record *r, size_t n, int version,
	time_t now, const char *title, const char *eol);

#endif
