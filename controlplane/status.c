#include "status.h"

#include <string.h>

/* OpenVPN 2.5+ time_string(): local time, YYYY-MM-DD HH:MM:SS. */
static const char *
when(time_t t, char *buf, size_t n)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

static void
render_v1(FILE *out, const struct cp_client_record *r, size_t n, time_t now, const char *eol)
{
	char t[32];
	fprintf(out, "OpenVPN CLIENT LIST%sUpdated,%s%s", eol, when(now, t, sizeof(t)), eol);
	fprintf(out, "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since%s", eol);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s,%s,%llu,%llu,%s%s", r[i].common_name, r[i].real_address,
			(unsigned long long)r[i].bytes_received, (unsigned long long)r[i].bytes_sent,
			when(r[i].connected_since, t, sizeof(t)), eol);
	fprintf(out, "ROUTING TABLE%sVirtual Address,Common Name,Real Address,Last Ref%s", eol, eol);
	for (size_t i = 0; i < n; i++) {
		if (r[i].virtual_address[0])
			fprintf(out, "%s,%s,%s,%s%s", r[i].virtual_address, r[i].common_name,
				r[i].real_address, when(r[i].last_ref, t, sizeof(t)), eol);
		for (unsigned k = 0; k < r[i].n_iroutes; k++)
			fprintf(out, "%s,%s,%s,%s%s", r[i].iroutes[k], r[i].common_name,
				r[i].real_address, when(r[i].last_ref, t, sizeof(t)), eol);
	}
	fprintf(out, "GLOBAL STATS%sMax bcast/mcast queue length,0%sEND%s", eol, eol, eol);
}

/* Versions 2 and 3 differ only in the separator: ',' or TAB. */
static void
render_v23(FILE *out, const struct cp_client_record *r, size_t n, char s, time_t now,
	const char *title, const char *eol)
{
	char t[32];
	fprintf(out, "TITLE%c%s%s", s, title, eol);
	fprintf(out, "TIME%c%s%c%lld%s", s, when(now, t, sizeof(t)), s, (long long)now, eol);
	fprintf(out, "HEADER%cCLIENT_LIST%cCommon Name%cReal Address%cVirtual Address%c"
		"Virtual IPv6 Address%cBytes Received%cBytes Sent%cConnected Since%c"
		"Connected Since (time_t)%cUsername%cClient ID%cPeer ID%cData Channel Cipher%s",
		s, s, s, s, s, s, s, s, s, s, s, s, s, eol);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "CLIENT_LIST%c%s%c%s%c%s%c%c%llu%c%llu%c%s%c%lld%c%s%c%u%c%u%c%s%s",
			s, r[i].common_name, s, r[i].real_address, s, r[i].virtual_address, s, s,
			(unsigned long long)r[i].bytes_received, s,
			(unsigned long long)r[i].bytes_sent, s,
			when(r[i].connected_since, t, sizeof(t)), s, (long long)r[i].connected_since,
			s, r[i].username, s, r[i].client_id, s, r[i].peer_id, s, r[i].cipher, eol);
	fprintf(out, "HEADER%cROUTING_TABLE%cVirtual Address%cCommon Name%cReal Address%c"
		"Last Ref%cLast Ref (time_t)%s", s, s, s, s, s, s, eol);
	for (size_t i = 0; i < n; i++) {
		for (unsigned k = 0; k <= r[i].n_iroutes; k++) {
			const char *va = k == 0 ? r[i].virtual_address : r[i].iroutes[k - 1];
			if (!va[0])
				continue;
			fprintf(out, "ROUTING_TABLE%c%s%c%s%c%s%c%s%c%lld%s", s, va, s,
				r[i].common_name, s, r[i].real_address, s,
				when(r[i].last_ref, t, sizeof(t)), s, (long long)r[i].last_ref, eol);
		}
	}
	fprintf(out, "GLOBAL_STATS%cMax bcast/mcast queue length%c0%s", s, s, eol);
	fprintf(out, "GLOBAL_STATS%cdco_enabled%c0%sEND%s", s, s, eol, eol);
}

void
cp_status_render(FILE *out, const struct cp_client_record *r, size_t n, int version, time_t now,
	const char *title, const char *eol)
{
	if (version == 2 || version == 3)
		render_v23(out, r, n, version == 3 ? '\t' : ',', now, title, eol);
	else
		render_v1(out, r, n, now, eol);
}
