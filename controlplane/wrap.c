#include "wrap.h"

#include <string.h>

#include <openssl/crypto.h>

#include "ctl_wire.h"
#include "ovpn_wire.h"

static bool
carries_wkc(const uint8_t *in, size_t len)
{
	unsigned op = len ? ovpn_opcode(in[0]) : 0;
	return op == OVPN_P_CONTROL_HARD_RESET_CLIENT_V3 || op == OVPN_P_CONTROL_WKC_V1;
}

/* tls-crypt-v2: the WKc names the client key; keep it for the session. */
static ssize_t
unwrap_v2(const struct cp_wrap_server *srv, struct cp_wrap *w, const uint8_t *in, size_t len,
	uint8_t *out, size_t cap, uint32_t *rid, uint32_t *rtime)
{
	if (!carries_wkc(in, len)) {
		if (w->wkc_len == 0)
			return CTL_ERR_AUTH;	/* no client key yet */
		return tls_crypt_unwrap(&w->kc, in, len, out, cap, rid, rtime);
	}
	struct tls_crypt_v2_client cl;
	ssize_t n = tls_crypt_v2_unwrap(srv->v2_key, in, len, &cl, out, cap, rid, rtime);
	if (n >= 0 && w->wkc_len == 0) {
		size_t wrapped;
		const uint8_t *wkc;
		tls_crypt_init(&w->kc, cl.kc, true);
		memcpy(w->kc_raw, cl.kc, sizeof(w->kc_raw));
		if (tls_crypt_v2_split(in, len, &wrapped, &wkc, &w->wkc_len) != 0)
			w->wkc_len = 0;
	}
	tls_crypt_v2_client_wipe(&cl);
	return n;
}

bool
cp_wrap_uses_dyn(const struct cp_wrap *w, uint8_t byte0)
{
	return w && w->dyn && ovpn_key_id(byte0) != 0;
}

void
cp_wrap_enable_dyn(struct cp_wrap *w, const uint8_t ekm[STATIC_KEY_LEN])
{
	uint8_t key[STATIC_KEY_LEN];
	const uint8_t *orig = w->mode == CP_WRAP_TLS_CRYPT_V2 ? w->kc_raw
		: w->mode == CP_WRAP_NONE ? NULL : w->srv->orig;
	tls_crypt_dyn_key(ekm, orig, key);
	w->dyn = tls_crypt_init(&w->dyn_ctx, key, true) == 0;
	w->dyn_tx_id = 0;
	OPENSSL_cleanse(key, sizeof(key));
}

ssize_t
cp_wrap_unwrap(const struct cp_wrap_server *srv, struct cp_wrap *w, const uint8_t *in, size_t len,
	uint8_t *out, size_t cap, uint32_t *replay_id, uint32_t *replay_time)
{
	*replay_id = *replay_time = 0;
	if (len && cp_wrap_uses_dyn(w, in[0]))
		return tls_crypt_unwrap(&w->dyn_ctx, in, len, out, cap, replay_id, replay_time);
	switch (srv->mode) {
	case CP_WRAP_TLS_AUTH:
		return tls_auth_unwrap(&srv->auth, in, len, out, cap, replay_id, replay_time);
	case CP_WRAP_TLS_CRYPT:
		return tls_crypt_unwrap(&srv->crypt, in, len, out, cap, replay_id, replay_time);
	case CP_WRAP_TLS_CRYPT_V2:
		return unwrap_v2(srv, w, in, len, out, cap, replay_id, replay_time);
	default:
		if (len > cap)
			return CTL_ERR_SPACE;
		memcpy(out, in, len);
		return (ssize_t)len;
	}
}

ssize_t
cp_wrap_wrap(const struct cp_wrap *w, const uint8_t *plain, size_t len, uint32_t replay_id,
	uint32_t replay_time, uint8_t *out, size_t cap)
{
	if (len && cp_wrap_uses_dyn(w, plain[0]))
		return tls_crypt_wrap(&w->dyn_ctx, plain, len, replay_id, replay_time, out, cap);
	switch (w->srv->mode) {
	case CP_WRAP_TLS_AUTH:
		return tls_auth_wrap(&w->srv->auth, plain, len, replay_id, replay_time, out, cap);
	case CP_WRAP_TLS_CRYPT:
		return tls_crypt_wrap(&w->srv->crypt, plain, len, replay_id, replay_time, out, cap);
	case CP_WRAP_TLS_CRYPT_V2:
		/* The server answers with the client's key and never sends a WKc. */
		return tls_crypt_wrap(&w->kc, plain, len, replay_id, replay_time, out, cap);
	default:
		if (len > cap)
			return CTL_ERR_SPACE;
		memcpy(out, plain, len);
		return (ssize_t)len;
	}
}

void
cp_wrap_wipe(struct cp_wrap *w)
{
	tls_crypt_wipe(&w->kc);
	tls_crypt_wipe(&w->dyn_ctx);
	OPENSSL_cleanse(w->kc_raw, sizeof(w->kc_raw));
	w->wkc_len = 0;
	w->dyn = false;
}
