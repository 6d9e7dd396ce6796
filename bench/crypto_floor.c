/*
 * dpvpn-crypto-floor: the crypto floor C of docs/benchmarks.md. What Intel
 * ipsec-mb alone (its job API, no dpvpn code) costs for the OpenVPN data
 * channel's AEAD operation (P_DATA_V2): AAD = the 8-byte header (opcode and
 * peer-id, packet-id), nonce = packet-id || 8-byte implicit IV, 16-byte tag,
 * ciphertext = the inner packet. In TSC cycles per packet, bursts of 32 jobs
 * (submit all, then flush, as a poll-mode burst) over a pool of packets with
 * a new packet-id each; decrypt includes the receiver's constant-time tag
 * compare. Median (min, max) of 5 repetitions.
 *
 *   dpvpn-crypto-floor [--json] [--quick] [--cipher NAME] [--size N|imix]
 *                      [--dir enc|dec] [--pool N] [--packets N] [--ms N]
 *
 * No options: the whole matrix (3 ciphers x enc, dec x 64, 512, 1420, IMIX),
 * each repetition sized to --ms/5 (default 500 ms per measurement) unless
 * --packets fixes its count; --quick: one pass of a 64-packet pool each.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <intel-ipsec-mb.h>
#include <jansson.h>

#include "tsc.h"

#define BURST 32
#define REPS 5
#define HDR_LEN 8	/* the AAD */
#define TAG_LEN 16
#define NONCE_LEN 12
#define MAX_INNER 1420
/* The OpenVPN header sits after Ethernet + IPv4 + UDP in a received frame;
 * placing it there gives the ciphertext the dataplane's (odd) alignment. */
#define WIRE_OFF 42
#define SLOT_LEN 1536	/* WIRE_OFF + HDR_LEN + TAG_LEN + MAX_INNER, in whole cache lines */
#define SIZE_IMIX 0
#define IMIX_DESC "7:4:1 of 64/570/1420 bytes"

enum cipher { AES128_GCM, AES256_GCM, CHACHA20_POLY1305, N_CIPHERS };
static const char *const cipher_names[N_CIPHERS] = { "AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305" };
static const unsigned matrix_sizes[] = { 64, 512, 1420, SIZE_IMIX };
/* IMIX, interleaved so that every burst carries a mix rather than runs. */
static const unsigned imix_order[12] = { 64, 570, 64, 64, 570, 64, 1420, 64, 570, 64, 570, 64 };
static const unsigned imix_sizes[3] = { 64, 570, 1420 };
#define IMIX_POOL_UNIT 96	/* whole bursts and whole 12-packet mixes */
static const char *const dir_names[2] = { "dec", "enc" };

/* One pool packet: its wire image and what the dataplane keeps beside it. */
struct pkt {
	uint8_t *hdr;	/* header (AAD), then received tag, then ciphertext */
	unsigned len;
	uint8_t nonce[NONCE_LEN];
	uint8_t tag_out[TAG_LEN];	/* decrypt: the tag ipsec-mb computed */
};

/* The measurement under way: cipher and direction, keys, the pool. */
struct floor {
	struct gcm_key_data gcm __attribute__((aligned(64)));	/* expanded AES key */
	IMB_MGR *mgr;
	enum cipher cipher;
	bool enc;
	uint8_t key[32], implicit_iv[8];
	uint32_t next_pid;
	struct pkt *pool;	/* n in use, each pointing into slots */
	uint8_t *slots;
	unsigned n;
};

struct options {
	bool json, quick;
	int cipher, dir;	/* -1: all */
	int size;		/* -1: all; SIZE_IMIX; else bytes */
	unsigned pool, ms;
	uint64_t packets;	/* per repetition; 0: run for --ms instead */
};

struct result {
	enum cipher cipher;
	bool enc;
	unsigned size, pool;
	double median, min, max;	/* cycles per packet over the repetitions */
	uint64_t packets;		/* timed, all repetitions */
};

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("dpvpn-crypto-floor: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static unsigned round_up(unsigned n, unsigned unit) { return (n + unit - 1) / unit * unit; }
static uint8_t *ciphertext(const struct pkt *p) { return p->hdr + HDR_LEN + TAG_LEN; }
static unsigned inner_len(unsigned size, unsigned j) { return size == SIZE_IMIX ? imix_order[j % 12] : size; }

/* A new packet-id, in the header (P_DATA_V2, key id 0, peer-id 1) and the nonce. */
static void
stamp(struct floor *f, struct pkt *p)
{
	static const uint8_t op_peer[4] = { 9 << 3, 0, 0, 1 };
	uint32_t pid = f->next_pid++;
	memcpy(p->hdr, op_peer, 4);
	for (int i = 0; i < 4; i++)	/* big-endian, as on the wire */
		p->hdr[4 + i] = (uint8_t)(pid >> (24 - 8 * i));
	memcpy(p->nonce, p->hdr + 4, 4);
	memcpy(p->nonce + 4, f->implicit_iv, 8);
}

static void
fill_job(struct floor *f, IMB_JOB *job, struct pkt *p, bool enc)
{
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->src = job->dst = ciphertext(p);
	job->cipher_start_src_offset_in_bytes = job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = job->msg_len_to_hash_in_bytes = p->len;
	job->iv = p->nonce;
	job->iv_len_in_bytes = NONCE_LEN;
	job->auth_tag_output = enc ? p->hdr + HDR_LEN : p->tag_out;
	job->auth_tag_output_len_in_bytes = TAG_LEN;
	job->user_data = p;
	if (f->cipher == CHACHA20_POLY1305) {
		job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
		job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
		job->key_len_in_bytes = 32;
		job->enc_keys = job->dec_keys = f->key;
		job->u.CHACHA20_POLY1305.aad = p->hdr;
		job->u.CHACHA20_POLY1305.aad_len_in_bytes = HDR_LEN;
		job->u.CHACHA20_POLY1305.ctx = NULL;
	} else {
		job->cipher_mode = IMB_CIPHER_GCM;
		job->hash_alg = IMB_AUTH_AES_GMAC;
		job->key_len_in_bytes = f->cipher == AES128_GCM ? 16 : 32;
		job->enc_keys = job->dec_keys = &f->gcm;
		job->u.GCM.aad = p->hdr;
		job->u.GCM.aad_len_in_bytes = HDR_LEN;
		job->u.GCM.ctx = NULL;
	}
}

/* As a receiver must: no early exit that would leak how many bytes matched. */
static bool
tag_equal_ct(const uint8_t *a, const uint8_t *b)
{
	uint8_t diff = 0;
	for (unsigned i = 0; i < TAG_LEN; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/* A finished job: dies on a job error; returns whether the tag was bad. */
static bool
complete(struct floor *f, IMB_JOB *job, bool enc)
{
	struct pkt *p = job->user_data;
	if (job->status != IMB_STATUS_COMPLETED)
		die("%s %s of %u bytes: job status %d (%s)", cipher_names[f->cipher], enc ? "encrypt" : "decrypt",
		    p->len, (int)job->status, imb_get_strerror(imb_get_errno(f->mgr)));
	return !enc && !tag_equal_ct(p->tag_out, p->hdr + HDR_LEN);
}

/* One burst through the job API, as the dataplane does it; returns bad tags. */
static unsigned
run_burst(struct floor *f, struct pkt *ps, unsigned n, bool enc)
{
	unsigned bad = 0;
	IMB_JOB *job;
	for (unsigned i = 0; i < n; i++) {
		fill_job(f, IMB_GET_NEXT_JOB(f->mgr), &ps[i], enc);
		if ((job = IMB_SUBMIT_JOB(f->mgr)) != NULL)	/* an older job may finish here */
			bad += complete(f, job, enc);
	}
	while ((job = IMB_FLUSH_JOB(f->mgr)) != NULL)
		bad += complete(f, job, enc);
	return bad;
}

static void
encrypt_fresh(struct floor *f, struct pkt *ps, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		stamp(f, &ps[i]);
	run_burst(f, ps, n, true);
}

static void
set_key(struct floor *f, enum cipher c)
{
	f->cipher = c;
	for (unsigned i = 0; i < sizeof(f->key); i++)
		f->key[i] = (uint8_t)(0x5a ^ (i * 7) ^ c);
	memset(f->implicit_iv, 0xa5, sizeof(f->implicit_iv));
	if (c == AES128_GCM)
		IMB_AES128_GCM_PRE(f->mgr, f->key, &f->gcm);
	else if (c == AES256_GCM)
		IMB_AES256_GCM_PRE(f->mgr, f->key, &f->gcm);
}

/* Before any timing: a round trip restores the plaintext, a flipped bit anywhere fails. */
static void
verify(struct floor *f, unsigned len)
{
	struct pkt *p = &f->pool[0];
	uint8_t plain[MAX_INNER];
	const char *name = cipher_names[f->cipher], *why = NULL;
	p->len = len;
	for (unsigned i = 0; i < len; i++)
		plain[i] = (uint8_t)(i * 31 + 7);
	for (int flip = 0; flip < 3 && !why; flip++) {	/* none, ciphertext, AAD */
		memcpy(ciphertext(p), plain, len);
		encrypt_fresh(f, p, 1);
		if (flip == 0 && memcmp(ciphertext(p), plain, len) == 0)
			why = "encrypt left the plaintext";
		if (flip)
			(flip == 1 ? ciphertext(p) : p->hdr)[flip == 1 ? len / 2 : 5] ^= 0x10;
		unsigned bad = run_burst(f, p, 1, false);
		if (flip == 0 && (bad || memcmp(ciphertext(p), plain, len) != 0))
			why = "decrypt did not restore the plaintext and tag";
		if (flip && !bad)
			why = flip == 1 ? "a flipped ciphertext bit passed" : "a flipped AAD bit passed";
	}
	if (why)
		die("%s, %u bytes: %s", name, len, why);
}

/* Lengths and contents; for decrypt, encrypted so each packet carries a valid tag. */
static void
prepare(struct floor *f, unsigned size)
{
	for (unsigned j = 0; j < f->n; j++) {
		struct pkt *p = &f->pool[j];
		p->len = inner_len(size, j);
		memset(ciphertext(p), (int)j, p->len);
		stamp(f, p);
	}
	if (!f->enc)
		for (unsigned j = 0; j < f->n; j += BURST)
			encrypt_fresh(f, &f->pool[j], BURST);
}

/*
 * One pass over the pool; returns the cycles inside the job API calls.
 * Decrypting in place turns a burst back to plaintext, so after each timed
 * decrypt the burst is re-encrypted (untimed) under new packet-ids; the
 * next pass then finds it cold again, like the encrypt pass does.
 */
static uint64_t
timed_pass(struct floor *f)
{
	uint64_t cycles = 0;
	unsigned bad = 0;
	for (unsigned j = 0; j < f->n; j += BURST) {
		struct pkt *ps = &f->pool[j];
		if (f->enc)
			for (unsigned i = 0; i < BURST; i++)
				stamp(f, &ps[i]);
		uint64_t t0 = bench_rdtsc();
		bad += run_burst(f, ps, BURST, f->enc);
		cycles += bench_rdtsc() - t0;
		if (!f->enc)
			encrypt_fresh(f, ps, BURST);
	}
	if (bad)
		die("%s decrypt: %u packets failed their tag", cipher_names[f->cipher], bad);
	return cycles;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Passes per repetition: fixed by --packets, else sized from the warm-up to fill --ms. */
static uint64_t
passes_per_rep(const struct options *o, const struct floor *f, uint64_t warm_cycles, uint64_t tsc_hz)
{
	uint64_t passes = o->packets ? (o->packets + f->n - 1) / f->n
				     : (uint64_t)((double)tsc_hz * o->ms / 1000.0 / REPS / ((double)warm_cycles + 1));
	return o->quick || passes == 0 ? 1 : passes;
}

static struct result
measure(struct floor *f, const struct options *o, enum cipher c, bool enc, unsigned size, uint64_t tsc_hz)
{
	double r[REPS];
	f->enc = enc;
	set_key(f, c);
	for (unsigned k = 0; k < (size == SIZE_IMIX ? 3u : 1u); k++)
		verify(f, size == SIZE_IMIX ? imix_sizes[k] : size);
	f->n = round_up(o->pool, size == SIZE_IMIX ? IMIX_POOL_UNIT : BURST);
	prepare(f, size);
	uint64_t passes = passes_per_rep(o, f, timed_pass(f), tsc_hz);	/* the pass warms up */
	for (unsigned rep = 0; rep < REPS; rep++) {
		uint64_t cycles = 0;
		for (uint64_t k = 0; k < passes; k++)
			cycles += timed_pass(f);
		r[rep] = (double)cycles / (double)(passes * f->n);
	}
	qsort(r, REPS, sizeof(r[0]), cmp_double);
	return (struct result){ .cipher = c, .enc = enc, .size = size, .pool = f->n, .median = r[REPS / 2],
		.min = r[0], .max = r[REPS - 1], .packets = passes * f->n * REPS };
}

/* The features that decide which GCM/ChaCha code paths ipsec-mb runs. */
static void
features_str(uint64_t feat, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", feat & IMB_FEATURE_AESNI ? "aesni" : "no-aesni",
		 feat & IMB_FEATURE_VAES ? " vaes" : "", feat & IMB_FEATURE_VPCLMULQDQ ? " vpclmulqdq" : "",
		 feat & IMB_FEATURE_AVX512_IFMA ? " avx512ifma" : "");
}

static double mpps(double cycles, uint64_t tsc_hz) { return (double)tsc_hz / cycles / 1e6; }

static json_t *
result_json(const struct result *r, uint64_t tsc_hz, const char *arch, const char *features)
{
	bool imix = r->size == SIZE_IMIX;
	json_t *o = json_pack("{s:s, s:s, s:o, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:s, s:s, s:s}", "cipher",
		cipher_names[r->cipher], "dir", dir_names[r->enc], "size",
		imix ? json_string("imix") : json_integer(r->size), "cycles_per_packet", r->median, "min", r->min,
		"max", r->max, "mpps", mpps(r->median, tsc_hz), "packets", (json_int_t)r->packets, "pool",
		(json_int_t)r->pool, "tsc_hz", (json_int_t)tsc_hz, "arch", arch, "features", features, "ipsec_mb",
		imb_get_version_str());
	if (!o || (imix && json_object_set_new(o, "mix", json_string(IMIX_DESC)) != 0))
		die("out of memory");
	return o;
}

static void
print_header(uint64_t tsc_hz, const char *arch, const char *features, unsigned pool)
{
	printf("ipsec-mb %s, arch %s (%s); TSC %.3f GHz\n", imb_get_version_str(), arch, features, tsc_hz / 1e9);
	printf("OpenVPN AEAD: AAD %d, nonce %d, tag %d; bursts of %d over a pool of %u packets (imix %u);"
	       " median of %d reps\nimix = %s, cycles averaged per packet\n", HDR_LEN, NONCE_LEN, TAG_LEN, BURST,
	       round_up(pool, BURST), round_up(pool, IMIX_POOL_UNIT), REPS, IMIX_DESC);
	printf("%-18s %-3s %5s %10s %10s %10s %8s %11s\n", "cipher", "dir", "size", "cyc/pkt", "min", "max",
	       "Mpps", "packets");
}

static void
print_row(const struct result *r, uint64_t tsc_hz)
{
	char size[8];
	snprintf(size, sizeof(size), r->size == SIZE_IMIX ? "imix" : "%u", r->size);
	printf("%-18s %-3s %5s %10.1f %10.1f %10.1f %8.2f %11llu\n", cipher_names[r->cipher], dir_names[r->enc],
	       size, r->median, r->min, r->max, mpps(r->median, tsc_hz), (unsigned long long)r->packets);
	fflush(stdout);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: dpvpn-crypto-floor [--json] [--quick] [--cipher AES-128-GCM|AES-256-GCM|"
			"CHACHA20-POLY1305]\n         [--size 1..%d|imix] [--dir enc|dec] [--pool N>=%d]"
			" [--packets N per rep | --ms N per measurement]\n", MAX_INNER, BURST);
	exit(2);
}

static unsigned long
number(const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

static int
pick(const char *arg, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcasecmp(arg, names[i]) == 0)
			return i;
	usage();
}

static struct options
parse_options(int argc, char **argv)
{
	static const struct option lo[] = { { "json", 0, NULL, 'j' }, { "quick", 0, NULL, 'q' },
		{ "cipher", 1, NULL, 'c' }, { "size", 1, NULL, 's' }, { "dir", 1, NULL, 'd' }, { "pool", 1, NULL, 'p' },
		{ "packets", 1, NULL, 'n' }, { "ms", 1, NULL, 'm' }, { NULL, 0, NULL, 0 } };
	struct options o = { .cipher = -1, .dir = -1, .size = -1, .pool = 1024, .ms = 500 };
	bool pool_set = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'j': o.json = true; break;
		case 'q': o.quick = true; break;
		case 'c': o.cipher = pick(optarg, cipher_names, N_CIPHERS); break;
		case 'd': o.dir = pick(optarg, dir_names, 2); break;
		case 's': o.size = strcmp(optarg, "imix") == 0 ? SIZE_IMIX : (int)number(optarg, 1, MAX_INNER); break;
		case 'p': o.pool = (unsigned)number(optarg, BURST, 1u << 20), pool_set = true; break;
		case 'n': o.packets = number(optarg, 1, ~0ul); break;
		case 'm': o.ms = (unsigned)number(optarg, 1, 600000); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (o.quick && !pool_set)
		o.pool = 64;	/* the CI smoke run: a few passes of a small pool, well under a second */
	return o;
}

int
main(int argc, char **argv)
{
	struct options o = parse_options(argc, argv);
	static struct floor f;	/* static: the 64-byte-aligned GCM key */
	IMB_ARCH arch = IMB_ARCH_NONE;
	unsigned max_n = round_up(o.pool, IMIX_POOL_UNIT);
	char features[96];

	f.mgr = alloc_mb_mgr(0);
	f.pool = calloc(max_n, sizeof(*f.pool));
	f.slots = aligned_alloc(64, (size_t)max_n * SLOT_LEN);
	if (!f.mgr || !f.pool || !f.slots)
		die("out of memory");
	init_mb_mgr_auto(f.mgr, &arch);
	if (arch == IMB_ARCH_NONE || imb_get_errno(f.mgr) != 0)
		die("ipsec-mb cannot start: %s", imb_get_strerror(imb_get_errno(f.mgr)));
	for (unsigned j = 0; j < max_n; j++)
		f.pool[j].hdr = f.slots + (size_t)j * SLOT_LEN + WIRE_OFF;
	features_str(f.mgr->features, features, sizeof(features));
	static const char *const arch_names[IMB_ARCH_NUM] = { "none", "noaesni", "sse", "avx", "avx2", "avx512" };
	const char *arch_s = f.mgr->used_arch < IMB_ARCH_NUM ? arch_names[f.mgr->used_arch] : "unknown";
	uint64_t tsc_hz = bench_tsc_hz();

	json_t *all = json_array();
	if (!o.json)
		print_header(tsc_hz, arch_s, features, o.pool);
	for (int c = 0; c < N_CIPHERS; c++)
		for (int enc = 1; enc >= 0; enc--)
			for (size_t s = 0; s < sizeof(matrix_sizes) / sizeof(matrix_sizes[0]); s++) {
				unsigned size = o.size >= 0 ? (unsigned)o.size : matrix_sizes[s];
				if ((o.cipher >= 0 && c != o.cipher) || (o.dir >= 0 && enc != o.dir) || (o.size >= 0 && s > 0))
					continue;
				struct result r = measure(&f, &o, (enum cipher)c, enc, size, tsc_hz);
				if (o.json)
					json_array_append_new(all, result_json(&r, tsc_hz, arch_s, features));
				else
					print_row(&r, tsc_hz);
			}
	if (o.json && (json_dumpf(all, stdout, JSON_INDENT(1)) != 0 || putchar('\n') == EOF))
		die("cannot write the JSON");
	json_decref(all);
	free_mb_mgr(f.mgr);
	free(f.slots);
	free(f.pool);
	return 0;
}
