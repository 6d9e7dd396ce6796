/*
 * OpenSSL server sessions over memory BIOs. Nothing here blocks or touches a
 * socket: the caller moves bytes between these BIOs and the reliability
 * layer, so one slow handshake never stalls the event loop.
 */
#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define EKM_LABEL "EXPORTER-OpenVPN-datakeys"

struct cp_tls_ctx {
	SSL_CTX *ssl;
};

struct cp_tls {
	SSL *ssl;
	BIO *in;		/* peer -> us (we write, SSL reads) */
	BIO *out;		/* us -> peer (SSL writes, we read) */
	bool established;
	char err[160];
};

static int
fail(char *err, size_t n, const char *what)
{
	unsigned long e = ERR_get_error();
	char reason[120] = "unknown error";
	if (e)
		ERR_error_string_n(e, reason, sizeof(reason));
	snprintf(err, n, "%s: %s", what, reason);
	ERR_clear_error();
	return -1;
}

static BIO *
pem_bio(const char *pem)
{
	return BIO_new_mem_buf(pem, -1);
}

static int
load_ca(SSL_CTX *ssl, const struct cp_tls_conf *c, char *err, size_t n)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ssl);
	BIO *b = pem_bio(c->ca_pem);
	STACK_OF(X509_INFO) *infos = b ? PEM_X509_INFO_read_bio(b, NULL, NULL, NULL) : NULL;
	int count = 0;
	for (int i = 0; infos && i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *xi = sk_X509_INFO_value(infos, i);
		if (xi->x509 && X509_STORE_add_cert(store, xi->x509))
			count++;
		if (xi->crl && X509_STORE_add_crl(store, xi->crl))
			X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(b);
	if (count == 0)
		return fail(err, n, "ca: no certificate");
	return 0;
}

static int
load_crl(SSL_CTX *ssl, const char *pem, char *err, size_t n)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ssl);
	BIO *b = pem_bio(pem);
	int count = 0;
	X509_CRL *crl;
	while (b && (crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL))) {
		count += X509_STORE_add_crl(store, crl);
		X509_CRL_free(crl);
	}
	ERR_clear_error();	/* end of input */
	BIO_free(b);
	if (count == 0)
		return fail(err, n, "crl-verify: no CRL");
	/* Check the leaf only, as OpenVPN's crl-verify does. */
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	return 0;
}

static int
load_cert_key(SSL_CTX *ssl, const struct cp_tls_conf *c, char *err, size_t n)
{
	BIO *b = pem_bio(c->cert_pem);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	int ok = x && SSL_CTX_use_certificate(ssl, x) == 1;
	/* Further certificates in the same PEM are the chain. */
	X509 *extra;
	while (ok && (extra = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		if (SSL_CTX_add_extra_chain_cert(ssl, extra) != 1)
			X509_free(extra);
	ERR_clear_error();
	X509_free(x);
	BIO_free(b);
	if (!ok)
		return fail(err, n, "cert");
	b = pem_bio(c->key_pem);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	ok = k && SSL_CTX_use_PrivateKey(ssl, k) == 1 && SSL_CTX_check_private_key(ssl) == 1;
	EVP_PKEY_free(k);
	BIO_free(b);
	return ok ? 0 : fail(err, n, "key");
}

static int
set_protocol(SSL_CTX *ssl, const struct cp_tls_conf *c, char *err, size_t n)
{
	int min = TLS1_2_VERSION;
	if (c->tls_version_min && !strcmp(c->tls_version_min, "1.3"))
		min = TLS1_3_VERSION;
	else if (c->tls_version_min && strcmp(c->tls_version_min, "1.2")) {
		snprintf(err, n, "tls-version-min: '%s' not supported (1.2 or 1.3)", c->tls_version_min);
		return -1;
	}
	if (!SSL_CTX_set_min_proto_version(ssl, min))
		return fail(err, n, "tls-version-min");
	if (c->cipher_list && !SSL_CTX_set_cipher_list(ssl, c->cipher_list))
		return fail(err, n, "tls-cipher");
	if (c->ciphersuites && !SSL_CTX_set_ciphersuites(ssl, c->ciphersuites))
		return fail(err, n, "tls-ciphersuites");
	/* OpenVPN clients neither resume nor need tickets; every key_id is a full handshake. */
	SSL_CTX_set_options(ssl, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_session_cache_mode(ssl, SSL_SESS_CACHE_OFF);
	return 0;
}

static void
set_verify(SSL_CTX *ssl, enum cp_tls_verify v)
{
	int mode = SSL_VERIFY_NONE;
	if (v == CP_TLS_VERIFY_REQUIRE)
		mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	else if (v == CP_TLS_VERIFY_OPTIONAL)
		mode = SSL_VERIFY_PEER;
	SSL_CTX_set_verify(ssl, mode, NULL);
	SSL_CTX_set_verify_depth(ssl, 16);
}

int
cp_tls_ctx_new(struct cp_tls_ctx **out, const struct cp_tls_conf *c, char *err, size_t errlen)
{
	struct cp_tls_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx || !(ctx->ssl = SSL_CTX_new(TLS_server_method()))) {
		free(ctx);
		return fail(err, errlen, "SSL_CTX_new");
	}
	if (!c->ca_pem || !c->cert_pem || !c->key_pem) {
		snprintf(err, errlen, "ca, cert and key are required");
		cp_tls_ctx_free(ctx);
		return -1;
	}
	if (set_protocol(ctx->ssl, c, err, errlen) || load_ca(ctx->ssl, c, err, errlen)
		|| load_cert_key(ctx->ssl, c, err, errlen)
		|| (c->crl_pem && load_crl(ctx->ssl, c->crl_pem, err, errlen))) {
		cp_tls_ctx_free(ctx);
		return -1;
	}
	set_verify(ctx->ssl, c->verify);
	*out = ctx;
	return 0;
}

void
cp_tls_ctx_free(struct cp_tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl);
	free(ctx);
}

struct cp_tls *
cp_tls_new(struct cp_tls_ctx *ctx)
{
	struct cp_tls *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ssl = SSL_new(ctx->ssl);
	t->in = BIO_new(BIO_s_mem());
	t->out = BIO_new(BIO_s_mem());
	if (!t->ssl || !t->in || !t->out) {
		BIO_free(t->in);
		BIO_free(t->out);
		SSL_free(t->ssl);
		free(t);
		return NULL;
	}
	/* Reads from an empty input BIO must say "retry", not "EOF". */
	BIO_set_mem_eof_return(t->in, -1);
	SSL_set_bio(t->ssl, t->in, t->out);
	SSL_set_accept_state(t->ssl);
	return t;
}

void
cp_tls_free(struct cp_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl);	/* frees both BIOs */
	free(t);
}

int
cp_tls_feed(struct cp_tls *t, const uint8_t *buf, size_t len)
{
	return BIO_write(t->in, buf, (int)len) == (int)len || len == 0 ? 0 : -1;
}

static ssize_t
ssl_failed(struct cp_tls *t, int ret)
{
	int e = SSL_get_error(t->ssl, ret);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	unsigned long code = ERR_get_error();
	if (code)
		ERR_error_string_n(code, t->err, sizeof(t->err));
	else
		snprintf(t->err, sizeof(t->err), "TLS error %d", e);
	long vr = SSL_get_verify_result(t->ssl);
	if (vr != X509_V_OK) {
		size_t l = strlen(t->err);
		snprintf(t->err + l, sizeof(t->err) - l, " (certificate: %s)",
			X509_verify_cert_error_string(vr));
	}
	ERR_clear_error();
	return -1;
}

ssize_t
cp_tls_process(struct cp_tls *t, uint8_t *buf, size_t cap)
{
	if (!t->established) {
		int r = SSL_do_handshake(t->ssl);
		if (r != 1)
			return ssl_failed(t, r);
		t->established = true;
	}
	size_t got = 0;
	int r = SSL_read_ex(t->ssl, buf, cap, &got);
	if (r != 1)
		return ssl_failed(t, 0);
	return (ssize_t)got;
}

int
cp_tls_write(struct cp_tls *t, const uint8_t *buf, size_t len)
{
	size_t done = 0;
	if (!t->established)
		return -1;
	/* Memory BIOs grow, so a write never wants to wait. */
	return SSL_write_ex(t->ssl, buf, len, &done) == 1 && done == len ? 0 : -1;
}

size_t
cp_tls_pending(const struct cp_tls *t)
{
	return BIO_ctrl_pending(t->out);
}

size_t
cp_tls_take(struct cp_tls *t, uint8_t *buf, size_t cap)
{
	int n = BIO_read(t->out, buf, (int)cap);
	return n > 0 ? (size_t)n : 0;
}

bool
cp_tls_established(const struct cp_tls *t)
{
	return t->established;
}

const char *
cp_tls_error(const struct cp_tls *t)
{
	return t->err;
}

bool
cp_tls_peer_cn(const struct cp_tls *t, char *buf, size_t cap)
{
	X509 *x = SSL_get0_peer_certificate(t->ssl);
	buf[0] = '\0';
	if (!x)
		return true;
	int n = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, (int)cap);
	if (n < 0) {
		buf[0] = '\0';
		return true;
	}
	return (size_t)n < cap - 1;
}

bool
cp_tls_peer_verified(const struct cp_tls *t)
{
	return SSL_get0_peer_certificate(t->ssl) && SSL_get_verify_result(t->ssl) == X509_V_OK;
}

void
cp_tls_describe(const struct cp_tls *t, char *buf, size_t cap)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(t->ssl);
	X509 *x = SSL_get0_peer_certificate(t->ssl);
	EVP_PKEY *k = x ? X509_get0_pubkey(x) : NULL;
	snprintf(buf, cap, "%s, cipher %s, peer certificate: %s %d bit", SSL_get_version(t->ssl),
		c ? SSL_CIPHER_get_name(c) : "none", k ? OBJ_nid2sn(EVP_PKEY_get_base_id(k)) : "none",
		k ? EVP_PKEY_get_bits(k) : 0);
}

int
cp_tls_export(const struct cp_tls *t, const char *label, uint8_t *out, size_t len)
{
	if (!t->established)
		return -1;
	return SSL_export_keying_material(t->ssl, out, len, label, strlen(label), NULL, 0, 0) == 1
		? 0 : -1;
}

int
cp_tls_export_key_block(const struct cp_tls *t, uint8_t out[256])
{
	return cp_tls_export(t, EKM_LABEL, out, 256);
}
