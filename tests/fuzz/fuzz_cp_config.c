/*
 * Fuzz the server.conf and client-config-dir parsers: parse, finish and free
 * every input (leaks show under ASan/valgrind), and check the invariants the
 * daemon relies on after a successful finish.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char *const seeds[] = {
	("port 1194\nproto udp\ndev tun\ntopology subnet\nserver 10.8.0.0 255.255.255.0\n"
	"ca ca.crt\ncert server.crt\nkey server.key\ndh none\ntls-crypt tc.key\n"
	"push \"route 192.168.1.0 255.255.255.0\"\npush 'dhcp-option DNS 10.8.0.1'\n"
	"keepalive 10 120\nclient-config-dir ccd\nstatus st.log 10\nverb 3\n"),

	("server 10.9.0.0 255.255.255.248\nclient-to-client\n<ca>\n-----BEGIN CERTIFICATE-----\n"
	"MIIB\n-----END CERTIFICATE-----\n</ca>\n<cert>\nC\n</cert>\n<key>\nK\n</key>\n"
	"<tls-auth>\nT\n</tls-auth>\nkey-direction 0\nauth SHA256\n"
	"data-ciphers AES-128-GCM:?CHACHA20-POLY1305\nreplay-window 128 30\n"),

	("ca c\ncert c\nkey k\nserver 172.16.0.0 255.255.0.0 nopool\ntopology subnet\n"
	"ifconfig-pool 172.16.1.0 172.16.1.255 255.255.0.0\nverify-client-cert optional\n"
	"user-pass-db users.db\nusername-as-common-name\nauth-gen-token 3600 600 external-auth\n"
	"management /run/m.sock unix pw\nmanagement-client-auth\ncompress stub-v2\n"
	"--mssfix 1400 mtu\ntls-version-min 1.2 or-highest\nexplicit-exit-notify 2\n"),

	("ifconfig-push 10.8.0.50 255.255.255.0\niroute 192.168.50.0 255.255.255.0\n"
	"push \"route 10.1.0.0 255.255.0.0\"\npush-reset\npush \"topology subnet\"\ndisable\n"),
};

size_t
fuzz_seed(unsigned idx, uint8_t *buf, size_t cap)
{
	const char *s = seeds[idx % (sizeof(seeds) / sizeof(seeds[0]))];
	size_t n = strlen(s);
	if (n > cap)
		n = cap;
	memcpy(buf, s, n);
	return n;
}

/* What cp_config_finish() promises when it succeeds. */
static void
check_finished(const struct cp_config *c)
{
	const struct cp_cfg_derived *d = &c->derived;
	uint32_t bcast = c->server_net | ~c->server_mask;

	if (!c->ca.value || !c->cert.value || !c->key.value || !c->server_set)
		abort();
	if (d->server_ip != c->server_net + 1 || d->n_push > CP_CFG_MAX_DERIVED_PUSH)
		abort();
	if (d->has_pool && (d->pool_start > d->pool_end || d->pool_start <= c->server_net
		|| d->pool_end > bcast || (c->topology == CP_TOPO_SUBNET && d->pool_end == bcast)
		|| (d->pool_start <= d->server_ip && d->server_ip <= d->pool_end)))
		abort();
	if (c->n_ciphers == 0 || c->n_ciphers > CP_CFG_MAX_CIPHERS || c->n_push > CP_CFG_MAX_PUSH)
		abort();
	for (unsigned i = 0; i < c->n_push; i++)
		if (!c->push[i][0] || strchr(c->push[i], ','))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cp_config c;
	struct cp_ccd cc;
	char err[512] = "";

	cp_config_defaults(&c);
	if (cp_config_parse(&c, (const char *)data, size, "fuzz", err, sizeof(err)) == 0
		&& cp_config_finish(&c, err, sizeof(err)) == 0) {
		check_finished(&c);
		if (cp_ccd_parse(&cc, (const char *)data, size, "ccd", err, sizeof(err)) == 0)
			(void)cp_ccd_check(&c, &cc, "ccd", err, sizeof(err));
	}
	if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	cp_config_free(&c);

	if (cp_ccd_parse(&cc, (const char *)data, size, "ccd", err, sizeof(err)) == 0
		&& (cc.n_push > CP_CFG_MAX_PUSH || cc.n_iroute > CP_CCD_MAX_IROUTE))
		abort();
	return 0;
}
