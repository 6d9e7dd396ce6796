/*
 * The TLS engine against an in-process OpenSSL client: handshake over the
 * byte-stream interface, application data both ways, identical exporter
 * key blocks, certificate policy (require/optional, CRL, wrong CA), the
 * peer certificate's OpenVPN environment variables.
 */
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <ctype.h>
#include <stdlib.h>
#include <strings.h>

#include "harness.h"
#include "tls.h"

static const char *pki;
static char *slurped[128];	/* freed at the end, so valgrind reports only real leaks */
static int nslurped;

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
	char *b = calloc(1, 65536);
	if (nslurped < 128)
		slurped[nslurped++] = b;
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

/* What cp_tls_peer_env passed to its callback, in order. */
struct env {
	int n;
	char name[32][64];
	char value[32][256];
};

static void
env_add(void *arg, const char *name, const char *value)
{
	struct env *e = arg;
	if (e->n < 32) {
		snprintf(e->name[e->n], sizeof(e->name[0]), "%s", name);
		snprintf(e->value[e->n], sizeof(e->value[0]), "%s", value);
	}
	e->n++;
}

static const char *
env_find(const struct env *e, const char *name)
{
	for (int i = 0; i < e->n && i < 32; i++)
		if (!strcmp(e->name[i], name))
			return e->value[i];
	return NULL;
}

/* The value of "<prefix>_<depth>", or NULL. */
static const char *
env_get(const struct env *e, const char *prefix, int depth)
{
	char name[64];
	snprintf(name, sizeof(name), "%s_%d", prefix, depth);
	return env_find(e, name);
}

static bool
str_is(const char *got, const char *want)
{
	if (got && want && !strcmp(got, want))
		return true;
	fprintf(stderr, "got '%s', want '%s'\n", got ? got : "(none)", want ? want : "(none)");
	return false;
}

/* ours is OpenSSL's "AB:CD:..." in lowercase, as OpenVPN prints hex. */
static bool
is_hex_of(const char *ours, const unsigned char *p, long n)
{
	char *ref = OPENSSL_buf2hexstr(p, n);
	bool ok = ours && ref && !strcasecmp(ours, ref);
	for (const char *c = ours; ok && *c; c++)
		ok = !(*c >= 'A' && *c <= 'F');
	if (!ok)
		fprintf(stderr, "got '%s', want lowercase '%s'\n", ours ? ours : "(none)", ref);
	OPENSSL_free(ref);
	return ok;
}

/* ours is `openssl x509 -serial`'s hex in lowercase, bytes joined by ':'. */
static bool
is_serial_hex(const char *ours, const char *openssl_hex)
{
	char want[128] = "";
	size_t n = 0;
	for (size_t i = 0; openssl_hex[i] && n < sizeof(want) - 2; i++) {
		if (i && i % 2 == 0)
			want[n++] = ':';
		want[n++] = (char)tolower((unsigned char)openssl_hex[i]);
	}
	want[n] = '\0';
	return str_is(ours, want);
}

static X509 *
read_cert(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", pki, name);
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	return x;
}

/* Depth d of e describes x: serial, fingerprints, tls_id and X509_d_CN as computed here. */
static void
check_cert_env(const struct env *e, int depth, X509 *x, const char *tls_id, const char *cn)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = BN_bn2hex(bn), *dec = BN_bn2dec(bn);
	CHECK(is_serial_hex(env_get(e, "tls_serial_hex", depth), hex));
	CHECK(str_is(env_get(e, "tls_serial", depth), dec));
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	CHECK(X509_digest(x, EVP_sha256(), md, &n) == 1 && n == 32);
	CHECK(is_hex_of(env_get(e, "tls_digest_sha256", depth), md, n));
	CHECK(X509_digest(x, EVP_sha1(), md, &n) == 1 && n == 20);
	CHECK(is_hex_of(env_get(e, "tls_digest", depth), md, n));
	CHECK(str_is(env_get(e, "tls_id", depth), tls_id));
	char var[32];
	snprintf(var, sizeof(var), "X509_%d_CN", depth);
	CHECK(str_is(env_find(e, var), cn));
	OPENSSL_free(hex);
	OPENSSL_free(dec);
	BN_free(bn);
}

/* The names of e are exactly want[] (NULL-terminated), in that order. */
static void
check_env_order(const struct env *e, const char *const *want)
{
	int n = 0;
	while (want[n])
		n++;
	CHECK_EQ(e->n, n);
	for (int i = 0; i < n && i < e->n && i < 32; i++)
		CHECK(str_is(e->name[i], want[i]));
}

/* The verified chain client1 -> CA, as OpenVPN exports it. */
static void
check_client1_env(const struct cp_tls *s)
{
	static const char *const order[] = {
		"tls_serial_hex_0", "tls_serial_0", "tls_digest_sha256_0", "tls_digest_0", "tls_id_0",
		"X509_0_CN",
		"tls_serial_hex_1", "tls_serial_1", "tls_digest_sha256_1", "tls_digest_1", "tls_id_1",
		"X509_1_CN", NULL };
	struct env e = { 0 };
	CHECK_EQ(cp_tls_peer_env(s, env_add, &e), 12);
	check_env_order(&e, order);
	X509 *client = read_cert("client.crt"), *ca = read_cert("ca.crt");
	check_cert_env(&e, 0, client, "CN=client1", "client1");
	check_cert_env(&e, 1, ca, "CN=dpvpn test CA", "dpvpn test CA");
	X509_free(client);
	X509_free(ca);
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
	check_client1_env(s);
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
	/* Certificate variables exactly when a certificate was sent (and accepted). */
	struct env e = { 0 };
	if (ok && !cert)
		CHECK_EQ(cp_tls_peer_env(s, env_add, &e), 0);
	else if (ok)
		CHECK(cp_tls_peer_env(s, env_add, &e) > 0);
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
add_entry(X509_NAME *n, const char *field, const char *utf8)
{
	CHECK(X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, (const unsigned char *)utf8, -1,
		-1, 0) == 1);
}

/* A client certificate from the test CA with a subject of many entries. */
static X509 *
issue_rich_client(EVP_PKEY *key)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/ca.key", pki);
	FILE *f = fopen(path, "r");
	EVP_PKEY *ca_key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	X509 *ca = read_cert("ca.crt"), *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), 0x51b30f);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME *n = X509_get_subject_name(x);
	add_entry(n, "C", "US");
	add_entry(n, "O", "\xc3\x98rg");	/* "Ørg": UTF-8 passes through */
	add_entry(n, "OU", "dev\nops");		/* control character: '_' in X509_ */
	add_entry(n, "OU", "b");		/* repeated: X509_0_OU_1 */
	add_entry(n, "CN", "alice");
	add_entry(n, "emailAddress", "alice@example.org");
	X509_set_issuer_name(x, X509_get_subject_name(ca));
	X509_set_pubkey(x, key);
	CHECK(ca_key && X509_sign(x, ca_key, EVP_sha256()) > 0);
	EVP_PKEY_free(ca_key);
	X509_free(ca);
	return x;
}

/* Variables come in reverse subject order, with OpenVPN's names and characters. */
static void
test_env_rich_subject(void)
{
	static const char *const order[] = {
		"tls_serial_hex_0", "tls_serial_0", "tls_digest_sha256_0", "tls_digest_0", "tls_id_0",
		"X509_0_emailAddress", "X509_0_CN", "X509_0_OU_1", "X509_0_OU", "X509_0_O", "X509_0_C",
		"tls_serial_hex_1", "tls_serial_1", "tls_digest_sha256_1", "tls_digest_1", "tls_id_1",
		"X509_1_CN", NULL };
	struct cp_tls_ctx *ctx = server_ctx(CP_TLS_VERIFY_REQUIRE, true);
	struct cp_tls *s = cp_tls_new(ctx);
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = issue_rich_client(key);
	struct client c;
	uint8_t app[4096];
	size_t app_len = 0;
	client_init(&c, NULL, NULL, TLS1_3_VERSION);
	CHECK(SSL_use_certificate(c.ssl, x) == 1 && SSL_use_PrivateKey(c.ssl, key) == 1);
	CHECK_EQ(pump(&c, s, app, &app_len), 0);
	CHECK(cp_tls_established(s));

	struct env e = { 0 };
	CHECK_EQ(cp_tls_peer_env(s, env_add, &e), 17);
	check_env_order(&e, order);
	check_cert_env(&e, 0, x, "C=US, O=\xc3\x98rg, OU=dev\\0Aops, OU=b, CN=alice, "
		"emailAddress=alice@example.org", "alice");
	CHECK(str_is(env_find(&e, "tls_serial_hex_0"), "51:b3:0f"));
	CHECK(str_is(env_find(&e, "tls_serial_0"), "5354255"));
	CHECK(str_is(env_find(&e, "X509_0_emailAddress"), "alice@example.org"));
	CHECK(str_is(env_find(&e, "X509_0_OU_1"), "b"));
	CHECK(str_is(env_find(&e, "X509_0_OU"), "dev_ops"));
	CHECK(str_is(env_find(&e, "X509_0_O"), "\xc3\x98rg"));
	CHECK(str_is(env_find(&e, "X509_0_C"), "US"));
	X509 *ca = read_cert("ca.crt");
	check_cert_env(&e, 1, ca, "CN=dpvpn test CA", "dpvpn test CA");
	X509_free(ca);
	client_free(&c);
	X509_free(x);
	EVP_PKEY_free(key);
	cp_tls_free(s);
	cp_tls_ctx_free(ctx);
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

/* Moves ciphertext from a to b; whether anything moved. */
static bool
shuttle(struct cp_tls *a, struct cp_tls *b)
{
	uint8_t buf[700];
	size_t n;
	bool moved = false;
	while ((n = cp_tls_take(a, buf, sizeof(buf))) > 0) {
		cp_tls_feed(b, buf, n);
		moved = true;
	}
	return moved;
}

/* The client role of cp_tls (the load generator's) against the server role. */
static void
test_client_role(void)
{
	struct cp_tls_conf cc = { .ca_pem = slurp("ca.crt"), .cert_pem = slurp("client.crt"),
		.key_pem = slurp("client.key"), .verify = CP_TLS_VERIFY_REQUIRE, .client = true };
	struct cp_tls_ctx *cctx = NULL, *sctx = server_ctx(CP_TLS_VERIFY_REQUIRE, false);
	char err[256];
	CHECK_EQ(cp_tls_ctx_new(&cctx, &cc, err, sizeof(err)), 0);
	if (!cctx || !sctx)
		return;
	struct cp_tls *c = cp_tls_new(cctx), *s = cp_tls_new(sctx);
	uint8_t app[64];
	ssize_t got_c = 0, got_s = 0;
	CHECK(cp_tls_process(c, app, sizeof(app)) == 0 && cp_tls_pending(c) > 0);	/* ClientHello */
	for (int round = 0; round < 20 && !(cp_tls_established(c) && cp_tls_established(s)); round++) {
		shuttle(c, s);
		CHECK(cp_tls_process(s, app, sizeof(app)) >= 0);
		shuttle(s, c);
		CHECK(cp_tls_process(c, app, sizeof(app)) >= 0);
	}
	CHECK(cp_tls_established(c) && cp_tls_established(s));
	CHECK(cp_tls_peer_verified(c) && cp_tls_peer_verified(s));
	uint8_t kc[256], ks[256];
	CHECK_EQ(cp_tls_export_key_block(c, kc), 0);
	CHECK_EQ(cp_tls_export_key_block(s, ks), 0);
	CHECK_MEM(kc, ks, sizeof(kc));
	CHECK_EQ(cp_tls_write(c, (const uint8_t *)"PUSH_REQUEST", 13), 0);
	CHECK_EQ(cp_tls_write(s, (const uint8_t *)"PUSH_REPLY", 11), 0);
	for (int round = 0; round < 4; round++) {
		shuttle(c, s);
		shuttle(s, c);
		ssize_t n = cp_tls_process(s, app, sizeof(app));
		got_s = n > 0 ? n : got_s;
		if (n > 0)
			CHECK_STR((char *)app, "PUSH_REQUEST");
		n = cp_tls_process(c, app, sizeof(app));
		got_c = n > 0 ? n : got_c;
		if (n > 0)
			CHECK_STR((char *)app, "PUSH_REPLY");
	}
	CHECK_EQ(got_s, 13);
	CHECK_EQ(got_c, 11);
	cp_tls_free(c);
	cp_tls_free(s);
	cp_tls_ctx_free(cctx);
	cp_tls_ctx_free(sctx);
}

int
main(int argc, char **argv)
{
	pki = argc > 1 ? argv[1] : "tests/data/pki";
	test_handshake(TLS1_3_VERSION);
	test_handshake(TLS1_2_VERSION);
	test_policy();
	test_env_rich_subject();
	test_bad_conf();
	test_client_role();
	while (nslurped > 0)
		free(slurped[--nslurped]);
	return harness_done("tls");
}
