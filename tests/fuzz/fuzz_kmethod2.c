/*
 * Fuzz the parsers of what a client sends inside TLS: the key-method-2
 * message (kmethod2.c), peer-info (peerinfo.c) and NCP on top of it
 * (ncp.c), and the text control messages (push.c). Invariants are checked
 * with abort(): bounds, NUL-termination, sanitised peer-info, determinism.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmethod2.h"
#include "ncp.h"
#include "peerinfo.h"
#include "push.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

static bool
printable(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	}
	return true;
}

static void
check_peerinfo(const struct peerinfo *pi)
{
	FUZZ_CHECK(pi->n_pairs <= PEERINFO_PAIRS_MAX && pi->n_uv <= pi->n_pairs);
	FUZZ_CHECK(pi->text_len <= PEERINFO_TEXT_MAX);
	for (unsigned i = 0; i < pi->n_pairs; i++) {
		const char *k = peerinfo_key(pi, i), *v = peerinfo_value(pi, i);

		FUZZ_CHECK(strncmp(k, "IV_", 3) == 0 || strncmp(k, "UV_", 3) == 0);
		FUZZ_CHECK(printable(v) && !strpbrk(v, " $(`"));
		FUZZ_CHECK(strlen(k) + 1 + strlen(v) <= PEERINFO_LINE_MAX);
	}
	for (unsigned i = 0; i < pi->n_uv; i++)
		FUZZ_CHECK(strncmp(peerinfo_key(pi, pi->uv[i]), "UV_", 3) == 0);
}

/* What the session would do with a parsed message: NCP and PUSH_REPLY. */
static void
use_message(const struct km2_client_msg *m)
{
	static struct peerinfo pi;
	static char out[16384];
	struct ncp_list l;
	struct ncp_result r;
	char occ[NCP_NAME_MAX];
	const bool has_occ = ncp_occ_cipher(m->options, occ, sizeof(occ));

	peerinfo_parse(&pi, m->peer_info, m->peer_info_len);
	check_peerinfo(&pi);
	FUZZ_CHECK(ncp_list_parse(NCP_DEFAULT_DATA_CIPHERS, &l, NULL, 0) == 0);
	if (ncp_select(&l, &pi, has_occ ? occ : NULL, NCP_CIPHER_NONE, &r) == 0)
		FUZZ_CHECK(ncp_cipher_key_len(r.cipher) != 0);
	else
		FUZZ_CHECK(r.cipher == NCP_CIPHER_NONE);

	struct push_client c = { .cipher = r.push_cipher ? ncp_cipher_name(r.cipher) : NULL };
	unsigned n;

	push_client_caps(&c, &pi, true, 0, 1500);
	FUZZ_CHECK(push_reply_build(NULL, &c, out, sizeof(out), &n) > 0 && n == 1);
	FUZZ_CHECK(ctlmsg_auth_failed(out, sizeof(out), m->username) > 0 && printable(out));
	FUZZ_CHECK(strlen(out) < PUSH_BUNDLE_SIZE);
}

static void
fuzz_km2(const uint8_t *data, size_t size)
{
	static struct km2_client_msg m, m2;
	size_t used = 0, used2 = 0;
	int rc = km2_client_parse(data, size, &m, &used);

	FUZZ_CHECK(rc == KM2_OK || rc == KM2_INCOMPLETE || rc == KM2_E_METHOD ||
		   rc == KM2_E_OPTIONS || rc == KM2_E_PEERINFO || rc == KM2_E_STRING);
	if (rc != KM2_OK) {
		FUZZ_CHECK(used == 0);
		return;
	}
	FUZZ_CHECK(used <= size && used >= KM2_HDR_LEN + 48 + 64 + 2);
	FUZZ_CHECK(strlen(m.options) < KM2_OPTIONS_MAX);
	FUZZ_CHECK(strlen(m.username) < KM2_USERPASS_MAX && strlen(m.password) < KM2_USERPASS_MAX);
	FUZZ_CHECK(m.peer_info_len == strlen(m.peer_info) && m.peer_info_len < KM2_PEERINFO_MAX);
	FUZZ_CHECK(m.has_peer_info == (m.peer_info_len > 0));
	FUZZ_CHECK(!m.creds_too_long || (!m.username[0] && !m.password[0]));
	/* the message alone parses the same way */
	FUZZ_CHECK(km2_client_parse(data, used, &m2, &used2) == KM2_OK && used2 == used);
	FUZZ_CHECK(memcmp(&m, &m2, sizeof(m)) == 0);
	use_message(&m);
	km2_client_msg_wipe(&m2);
}

static void
fuzz_text(const uint8_t *data, size_t size)
{
	static char text[8192];
	static struct peerinfo pi;
	const size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	struct ncp_list l;
	char occ[64], err[200];

	peerinfo_parse(&pi, (const char *)data, size);
	check_peerinfo(&pi);

	memcpy(text, data, n);
	text[n] = '\0';
	if (ncp_occ_cipher(text, occ, sizeof(occ)))
		FUZZ_CHECK(strlen(occ) < sizeof(occ));
	if (ncp_list_parse(text, &l, err, sizeof(err)) == 0) {
		char norm[NCP_CIPHERS_LEN_MAX + 1];

		FUZZ_CHECK(l.n >= 1 && l.n <= NCP_LIST_MAX);
		FUZZ_CHECK(ncp_list_format(&l, norm, sizeof(norm)) > 0);
	}
}

static void
fuzz_ctlmsg(const uint8_t *data, size_t size)
{
	size_t off = 0;
	const char *msg;
	size_t len;

	while (ctlmsg_next(data, size, &off, &msg, &len)) {
		struct ctlmsg c;

		FUZZ_CHECK(len > 0 && msg >= (const char *)data && msg + len <= (const char *)data + size);
		FUZZ_CHECK(off <= size);
		ctlmsg_classify(msg, len, &c);
		if (c.arg_len)
			FUZZ_CHECK(c.arg > msg && c.arg + c.arg_len == msg + len && c.arg[-1] == ',');
		if (c.type > CTL_UNKNOWN)
			FUZZ_CHECK(strncmp(msg, ctlmsg_type_name(c.type),
					   strlen(ctlmsg_type_name(c.type))) == 0);
	}
	FUZZ_CHECK(off <= size && !memchr(data + off, 0, size - off));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_km2(data, size);
	fuzz_text(data, size);
	fuzz_ctlmsg(data, size);
	return 0;
}

/* ---- seeds: valid client messages ---- */

static size_t
seed_str(uint8_t *p, const char *s)
{
	if (!s) {
		p[0] = p[1] = 0;
		return 2;
	}
	size_t l = strlen(s) + 1;

	p[0] = (uint8_t)(l >> 8);
	p[1] = (uint8_t)l;
	memcpy(p + 2, s, l);
	return 2 + l;
}

static const char *const seed_peer_info[] = {
	"IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n"
	"IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=990\n"
	"IV_LZO_STUB=1\nIV_COMP_STUB=1\nIV_COMP_STUBv2=1\n",
	"IV_VER=3.10.1\nIV_PLAT=android\nIV_NCP=2\nIV_TCPNL=1\nIV_PROTO=8094\n"
	"IV_CIPHERS=AES-128-CBC:AES-192-CBC:AES-256-CBC:AES-128-GCM:AES-192-GCM:AES-256-GCM:"
	"CHACHA20-POLY1305\nIV_MTU=1600\nIV_AUTO_SESS=1\nIV_GUI_VER=OC30Android 3.1.0\n"
	"IV_SSO=webauth,openurl,crtext\nIV_BS64DL=1\nIV_HWADDR=02:00:00:00:00:00\nUV_ID=42\n",
	"IV_VER=2.4.12\nIV_PLAT=win\nIV_PROTO=2\nIV_NCP=2\nIV_LZ4=1\nIV_LZ4v2=1\nIV_LZO=1\n"
	"IV_COMP_STUB=1\nIV_COMP_STUBv2=1\nIV_TCPNL=1\n",
	NULL,
};

size_t fuzz_seed(unsigned idx, uint8_t *buf, size_t cap);

size_t
fuzz_seed(unsigned idx, uint8_t *buf, size_t cap)
{
	static const char occ[] = "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,"
		"cipher AES-256-CBC,auth SHA1,keysize 128,key-method 2,tls-client";
	static const char *const users[][2] = {
		{ "alice", "s3cret" }, { NULL, NULL },
		{ "bob", "SESS_ID_AT_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
		{ "carol", "SCRV1:cGFzcw==:MTIzNDU2" },
	};
	const unsigned shape = idx % 6;
	size_t n;

	if (cap < 2048)
		return 0;
	if (shape == 5) {       /* a control-message record */
		static const char rec[] = "PUSH_REQUEST\0EXIT\0CR_RESPONSE,dGVzdA==\0";

		memcpy(buf, rec, sizeof(rec) - 1);
		return sizeof(rec) - 1;
	}
	memset(buf, 0, 4);
	buf[4] = 2;
	n = 5;
	for (int i = 0; i < 48 + 64; i++)
		buf[n++] = (uint8_t)(idx * 31 + (unsigned)i);
	n += seed_str(buf + n, occ);
	if (shape == 4)
		return n;       /* ends after the options */
	n += seed_str(buf + n, users[(idx / 6) % 4][0]);
	n += seed_str(buf + n, users[(idx / 6) % 4][1]);
	if (shape == 3)
		return n;       /* ends after the password */
	n += seed_str(buf + n, seed_peer_info[shape]);
	return n;
}
