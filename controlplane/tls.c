/*
 * OpenSSL sessions over memory BIOs (dpvpnd is the server; the client role
 * serves the handshake load generator). Nothing here blocks or touches a
 * socket: the caller moves bytes between these BIOs and the reliability
 * layer, so one slow handshake never stalls the event loop.
 */
#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define EKM_LABEL "EXPORTER-OpenVPN-datakeys"

struct cp_tls_ctx {
	SSL_CTX *ssl;
	bool client;
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
	if (!ctx || !(ctx->ssl = SSL_CTX_new(c->client ? TLS_client_method() : TLS_server_method()))) {
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
	ctx->client = c->client;
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
	if (ctx->client)
		SSL_set_connect_state(t->ssl);
	else
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

/* occtl's style: "(TLS1.3)-(TLS_AES_256_GCM_SHA384)". */
void
cp_tls_suite(const struct cp_tls *t, char *buf, size_t cap)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(t->ssl);
	const char *v = SSL_get_version(t->ssl);
	snprintf(buf, cap, "(%s%s)-(%s)", strncmp(v, "TLSv", 4) ? "" : "TLS",
		strncmp(v, "TLSv", 4) ? v : v + 4, c ? SSL_CIPHER_get_name(c) : "none");
}

/*
 * The peer's certificate variables, as OpenVPN 2.6 sets them for scripts and
 * >CLIENT:ENV (ssl_verify.c verify_cert_set_env, ssl_verify_openssl.c
 * x509_setenv): same names, value formats and character restrictions.
 */

struct env_out {
	cp_tls_env_cb cb;
	void *arg;
	int count;
};

static void
emit(struct env_out *o, const char *name, const char *value)
{
	o->cb(o->arg, name, value);
	o->count++;
}

/* "<prefix>_<depth>"; a NULL value (out of memory) is left out. */
static void
emit_at(struct env_out *o, const char *prefix, int depth, const char *value)
{
	char name[48];
	if (!value)
		return;
	snprintf(name, sizeof(name), "%s_%d", prefix, depth);
	emit(o, name, value);
}

/* Lowercase hex bytes joined by ':' ("51:b3:0f"), as OpenVPN's format_hex_ex(.., 1, ":"). */
static char *
hex_colon(const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(n ? 3 * n : 1);
	char *w = s;
	for (size_t i = 0; s && i < n; i++) {
		if (i)
			*w++ = ':';
		*w++ = digits[p[i] >> 4];
		*w++ = digits[p[i] & 15];
	}
	if (s)
		*w = '\0';
	return s;
}

/* OpenVPN's string_mod_remap_name: control characters and DEL become '_'. */
static void
remap_ctrl(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 32 || *s == 127)
			*s = '_';
}

static bool
name_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Variable names keep [A-Za-z0-9_]: control characters become '_', others go. */
static void
filter_name(char *s)
{
	char *w = s;
	remap_ctrl(s);
	for (; *s; s++)
		if (name_char(*s))
			*w++ = *s;
	*w = '\0';
}

/* tls_serial_hex_d (the serial's bytes) and tls_serial_d (decimal). */
static void
emit_serial(struct env_out *o, const X509 *x, int depth)
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
	char *hex = hex_colon(ASN1_STRING_get0_data(serial), (size_t)ASN1_STRING_length(serial));
	emit_at(o, "tls_serial_hex", depth, hex);
	free(hex);
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	char *dec = bn ? BN_bn2dec(bn) : NULL;
	emit_at(o, "tls_serial", depth, dec);
	OPENSSL_free(dec);
	BN_free(bn);
}

/* A fingerprint of the DER certificate, formatted like the serial. */
static void
emit_digest(struct env_out *o, const char *prefix, const X509 *x, const EVP_MD *md, int depth)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char *hex = X509_digest(x, md, d, &n) == 1 ? hex_colon(d, n) : NULL;
	emit_at(o, prefix, depth, hex);
	free(hex);
}

/*
 * tls_id_d: the subject as OpenVPN's x509_get_subject prints it ("C=US, O=Org,
 * CN=alice"), then its character rules. An empty subject gives "" (OpenVPN
 * would reject such a certificate). The text is edited in the BIO's own buffer.
 */
static void
emit_subject(struct env_out *o, const X509 *x, int depth)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;
	if (b && X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_SEP_CPLUS_SPC
			| XN_FLAG_FN_SN | ASN1_STRFLGS_UTF8_CONVERT | ASN1_STRFLGS_ESC_CTRL) >= 0
		&& BIO_write(b, "", 1) == 1 && BIO_get_mem_data(b, &s) > 0) {
		remap_ctrl(s);
		for (char *p = s; *p == '-'; p++)	/* string_replace_leading */
			*p = '_';
		emit_at(o, "tls_id", depth, s);
	}
	BIO_free(b);
}

/*
 * Entry i's attribute short name, and its value as UTF-8 in *utf8 (free with
 * OPENSSL_free). NULL for the entries x509_setenv skips: unknown attribute
 * type, value that does not convert.
 */
static const char *
entry_attr(const X509_NAME *name, int i, unsigned char **utf8)
{
	const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
	int nid = e ? OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) : NID_undef;
	const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
	*utf8 = NULL;
	if (!sn || ASN1_STRING_to_UTF8(utf8, X509_NAME_ENTRY_get_data(e)) < 0)
		return NULL;
	return sn;
}

/* setenv_str_incr: a repeated attribute is X509_d_OU, then X509_d_OU_1, _2 ... */
static int
repeat_index(const X509_NAME *name, int i, const char *sn)
{
	int k = 0;
	for (int j = 0; j < i; j++) {
		unsigned char *v;
		const char *other = entry_attr(name, j, &v);
		k += other && !strcmp(other, sn);
		OPENSSL_free(v);
	}
	return k;
}

/* X509_d_<attr>=value for subject entry i (attr suffixed _1, _2 ... when repeated). */
static void
emit_entry(struct env_out *o, const X509_NAME *name, int i, int depth)
{
	unsigned char *value;
	const char *sn = entry_attr(name, i, &value);
	int k = sn ? repeat_index(name, i, sn) : 0;
	char var[128];
	if (sn && k < 999) {	/* setenv_str_incr gives up there */
		if (k)
			snprintf(var, sizeof(var), "X509_%d_%s_%d", depth, sn, k);
		else
			snprintf(var, sizeof(var), "X509_%d_%s", depth, sn);
		filter_name(var);
		remap_ctrl((char *)value);
		emit(o, var, (char *)value);
	}
	OPENSSL_free(value);
}

static void
emit_cert(struct env_out *o, const X509 *x, int depth)
{
	emit_serial(o, x, depth);
	emit_digest(o, "tls_digest_sha256", x, EVP_sha256(), depth);
	emit_digest(o, "tls_digest", x, EVP_sha1(), depth);
	emit_subject(o, x, depth);
	const X509_NAME *name = X509_get_subject_name(x);
	for (int i = X509_NAME_entry_count(name) - 1; i >= 0; i--)	/* last entry first */
		emit_entry(o, name, i, depth);
}

int
cp_tls_peer_env(const struct cp_tls *t, cp_tls_env_cb cb, void *arg)
{
	struct env_out o = { cb, arg, 0 };
	X509 *peer = SSL_get0_peer_certificate(t->ssl);
	STACK_OF(X509) *chain = SSL_get0_verified_chain(t->ssl);
	if (!peer)
		return 0;
	/* Not verified (optional verification failed): the peer's own certificate only. */
	if (SSL_get_verify_result(t->ssl) != X509_V_OK || sk_X509_num(chain) < 1) {
		emit_cert(&o, peer, 0);
		return o.count;
	}
	for (int d = 0; d < sk_X509_num(chain); d++)
		emit_cert(&o, sk_X509_value(chain, d), d);
	return o.count;
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
