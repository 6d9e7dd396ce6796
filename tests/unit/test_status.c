/* OpenVPN status layouts, byte for byte (mgmt-interfaces.md A5). */
#include <stdlib.h>

#include "harness.h"
#include "status.h"

static char *
render(int version, const char *eol)
{
	static struct cp_client_record r = {
		.common_name = "client1", .username = "UNDEF", .real_address = "203.0.113.5:51234",
		.virtual_address = "10.8.0.2", .bytes_received = 123456, .bytes_sent = 654321,
		.connected_since = 1714564200, .last_ref = 1714564798, .client_id = 0, .peer_id = 0,
		.cipher = "AES-256-GCM", .iroutes = { "10.9.0.0/24" }, .n_iroutes = 1 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cp_status_render(f, &r, 1, version, 1714564800, "dpvpn 0.1.0", eol);
	fclose(f);
	return buf;
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	char *v1 = render(1, "\n");
	const char *want1 =
		"OpenVPN CLIENT LIST\nUpdated,2024-05-01 12:00:00\n"
		"Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since\n"
		"client1,203.0.113.5:51234,123456,654321,2024-05-01 11:50:00\n"
		"ROUTING TABLE\nVirtual Address,Common Name,Real Address,Last Ref\n"
		"10.8.0.2,client1,203.0.113.5:51234,2024-05-01 11:59:58\n"
		"10.9.0.0/24,client1,203.0.113.5:51234,2024-05-01 11:59:58\n"
		"GLOBAL STATS\nMax bcast/mcast queue length,0\nEND\n";
	CHECK(strcmp(v1, want1) == 0);
	char *v2 = render(2, "\r\n");
	const char *want2 =
		"TITLE,dpvpn 0.1.0\r\nTIME,2024-05-01 12:00:00,1714564800\r\n"
		"HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,"
		"Bytes Received,Bytes Sent,Connected Since,Connected Since (time_t),Username,"
		"Client ID,Peer ID,Data Channel Cipher\r\n"
		"CLIENT_LIST,client1,203.0.113.5:51234,10.8.0.2,,123456,654321,2024-05-01 11:50:00,"
		"1714564200,UNDEF,0,0,AES-256-GCM\r\n"
		"HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,"
		"Last Ref (time_t)\r\n"
		"ROUTING_TABLE,10.8.0.2,client1,203.0.113.5:51234,2024-05-01 11:59:58,1714564798\r\n"
		"ROUTING_TABLE,10.9.0.0/24,client1,203.0.113.5:51234,2024-05-01 11:59:58,1714564798\r\n"
		"GLOBAL_STATS,Max bcast/mcast queue length,0\r\nGLOBAL_STATS,dco_enabled,0\r\nEND\r\n";
	CHECK(strcmp(v2, want2) == 0);
	if (strcmp(v2, want2))
		fprintf(stderr, "got:\n%s", v2);
	/* v3 is v2 with TABs; the HEADER row has 14 fields, each CLIENT_LIST row 13 */
	char *v3 = render(3, "\n");
	CHECK(strncmp(v3, "TITLE\tdpvpn 0.1.0\nTIME\t2024-05-01 12:00:00\t1714564800\n", 50) == 0);
	CHECK(strchr(v3, ',') == NULL);
	char *hdr = strstr(v3, "HEADER\tCLIENT_LIST"), *row = strstr(v3, "\nCLIENT_LIST\t");
	int fh = 1, fr = 1;
	for (char *p = hdr; *p != '\n'; p++)
		fh += *p == '\t';
	for (char *p = row + 1; *p != '\n'; p++)
		fr += *p == '\t';
	CHECK_EQ(fh, 14);
	CHECK_EQ(fr, 13);
	free(v1);
	free(v2);
	free(v3);
	return harness_done("status");
}
