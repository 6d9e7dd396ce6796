/*
 * The TLS engine against an in-process OpenSSL client: handshake over the
 * byte-stream interface, application data both ways, identical exporter
 * key blocks, certificate policy (require/optional, CRL, wrong CA).
 */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>

#include "harness.h"
#include "tls.h"

static const char *pki;

static char *
slurp(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", pki, name);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(1);
	}
	char *b = calloc(1, 65536);	/* freed at exit: a test process */
	if (fread(b, 1, 65535, f) == 0)
		b[0] = '\0';
	fclose(f);
	return b;
}

struct client {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *in, *out;
};

static void
client_init(struct client *c, const char *cert, const char *key, int max_version)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_max_proto_version(c->ctx, max_version);
	if (cert) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", pki, cert);
		SSL_CTX_use_certificate_file(c->ctx, path, SSL_FILETYPE_PEM);
		snprintf(path, sizeof(path), "%s/%s", pki, key);
		SSL_CTX_use_PrivateKey_file(c->ctx, path, SSL_FILETYPE_PEM);
	}
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	c->ssl = SSL_new(c->ctx);
	c->in = BIO_new(BIO_s_mem());
	c->out = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(c->in, -1);
	SSL_set_bio(c->ssl, c->in, c->out);
	SSL_set_connect_state(c->ssl);
}

static void
client_free(struct client *c)
{
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
}

/* Moves bytes both ways in small chunks (as P_CONTROL packets would) until quiet. */
static int
pump(struct client *c, struct cp_tls *s, uint8_t *app, size_t *app_len)
{
	uint8_t buf[700];
	int server_failed = 0;
	for (int round = 0; round < 50; round++) {
		int moved = 0;
		SSL_do_handshake(c->ssl);
		size_t n;
		while ((n = (size_t)BIO_read(c->out, buf, sizeof(buf))) > 0 && n <= sizeof(buf)) {
			cp_tls_feed(s, buf, n);
			moved = 1;
		}
		ssize_t got = cp_tls_process(s, app + *app_len, 4096 - *app_len);
		if (got < 0)
			server_failed = 1;
		else
			*app_len += (size_t)got;
		while ((n = cp_tls_take(s, buf, sizeof(buf))) > 0) {
			BIO_write(c->in, buf, (int)n);
			moved = 1;
		}
		if (!moved)
			break;
	}
	return server_failed ? -1 : 0;
}

static struct cp_tls_ctx *
server_ctx(enum cp_tls_verify v, bool crl)
{
	struct cp_tls_conf conf = { .ca_pem = slurp("ca.crt"), .cert_pem = slurp("server.crt"),
		.key_pem = slurp("server.key"), .crl_pem = crl ? slurp("crl.pem") : NULL,
		.verify = v };
	struct cp_tls_ctx *ctx = NULL;
	char err[256];
	if (cp_tls_ctx_new(&ctx, &conf, err, sizeof(err)) != 0)
		fprintf(stderr, "ctx: %s\n", err);
	return ctx;
}

static void
test_handshake(int max_version)
{
	struct cp_tls_ctx *ctx = server_ctx(CP_TLS_VERIFY_REQUIRE, true);
	struct cp_tls *s = cp_tls_new(ctx);
	struct client c;
	uint8_t app[4096];
	size_t app_len = 0;
	client_init(&c, "client.crt", "client.key", max_version);
	CHECK_EQ(pump(&c, s, app, &app_len), 0);
	CHECK(cp_tls_established(s));
	CHECK(SSL_is_init_finished(c.ssl));

	/* client -> server application data (a key-method-2 message would go here) */
	SSL_write(c.ssl, "hello server", 12);
	CHECK_EQ(pump(&c, s, app, &app_len), 0);
	CHECK_EQ(app_len, 12);
	CHECK_MEM(app, "hello server", 12);
	/* server -> client */
	CHECK_EQ(cp_tls_write(s, (const uint8_t *)"PUSH_REPLY", 10), 0);
	pump(&c, s, app, &app_len);
	char rd[32] = { 0 };
	CHECK_EQ(SSL_read(c.ssl, rd, sizeof(rd)), 10);
	CHECK_MEM(rd, "PUSH_REPLY", 10);

	/* both ends derive the same key block (§6.2) */
	uint8_t ks[256], kc[256];
	CHECK_EQ(cp_tls_export_key_block(s, ks), 0);
	CHECK_EQ(SSL_export_keying_material(c.ssl, kc, 256, "EXPORTER-OpenVPN-datakeys", 25,
		NULL, 0, 0), 1);
	CHECK_MEM(ks, kc, 256);

	char cn[64];
	CHECK(cp_tls_peer_cn(s, cn, sizeof(cn)));
	CHECK(strcmp(cn, "client1") == 0);
	CHECK(cp_tls_peer_verified(s));
	char desc[200];
	cp_tls_describe(s, desc, sizeof(desc));
	CHECK(strstr(desc, max_version == TLS1_2_VERSION ? "TLSv1.2" : "TLSv1.3") != NULL);
	client_free(&c);
	cp_tls_free(s);
	cp_tls_ctx_free(ctx);
}

/* Returns whether the handshake completed on the server. */
static bool
try_client(enum cp_tls_verify v, bool crl, const char *cert, const char *key)
{
	struct cp_tls_ctx *ctx = server_ctx(v, crl);
	struct cp_tls *s = cp_tls_new(ctx);
	struct client c;
	uint8_t app[4096];
	size_t app_len = 0;
	client_init(&c, cert, key, TLS1_3_VERSION);
	int r = pump(&c, s, app, &app_len);
	bool ok = r == 0 && cp_tls_established(s);
	/* TLS 1.3: the server learns about a bad client certificate after its Finished. */
	if (ok && v != CP_TLS_VERIFY_NONE && cert) {
		SSL_write(c.ssl, "x", 1);
		ok = pump(&c, s, app, &app_len) == 0;
	}
	if (!ok && r != 0)
		CHECK(cp_tls_error(s)[0] != '\0');
	client_free(&c);
	cp_tls_free(s);
	cp_tls_ctx_free(ctx);
	ERR_clear_error();
	return ok;
}

static void
test_policy(void)
{
	CHECK(try_client(CP_TLS_VERIFY_REQUIRE, true, "client.crt", "client.key"));
	CHECK(!try_client(CP_TLS_VERIFY_REQUIRE, false, NULL, NULL));	/* no certificate */
	CHECK(!try_client(CP_TLS_VERIFY_REQUIRE, true, "revoked.crt", "revoked.key"));
	CHECK(try_client(CP_TLS_VERIFY_REQUIRE, false, "revoked.crt", "revoked.key"));	/* no CRL */
	CHECK(try_client(CP_TLS_VERIFY_OPTIONAL, true, NULL, NULL));
	CHECK(!try_client(CP_TLS_VERIFY_OPTIONAL, true, "revoked.crt", "revoked.key"));
	CHECK(try_client(CP_TLS_VERIFY_NONE, true, NULL, NULL));
}

static void
test_bad_conf(void)
{
	struct cp_tls_ctx *ctx = NULL;
	char err[256];
	struct cp_tls_conf conf = { .ca_pem = slurp("ca.crt"), .cert_pem = slurp("server.crt"),
		.key_pem = slurp("client.key"), .verify = CP_TLS_VERIFY_REQUIRE };
	CHECK_EQ(cp_tls_ctx_new(&ctx, &conf, err, sizeof(err)), -1);	/* key does not match */
	CHECK(strncmp(err, "key:", 4) == 0);
	conf.key_pem = slurp("server.key");
	conf.ca_pem = "not a pem";
	CHECK_EQ(cp_tls_ctx_new(&ctx, &conf, err, sizeof(err)), -1);
	CHECK(strncmp(err, "ca:", 3) == 0);
	conf.ca_pem = slurp("ca.crt");
	conf.tls_version_min = "1.1";
	CHECK_EQ(cp_tls_ctx_new(&ctx, &conf, err, sizeof(err)), -1);
	CHECK(strstr(err, "tls-version-min") != NULL);
}

int
main(int argc, char **argv)
{
	pki = argc > 1 ? argv[1] : "tests/data/pki";
	test_handshake(TLS1_3_VERSION);
	test_handshake(TLS1_2_VERSION);
	test_policy();
	test_bad_conf();
	return harness_done("tls");
}
