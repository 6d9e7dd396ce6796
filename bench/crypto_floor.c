/*
 * dpvpn-crypto-floor: the crypto floor C of docs/benchmarks.md. What Intel
 * ipsec-mb alone (its job API, no dpvpn code) costs for the OpenVPN data
 * channel's AEAD operation, in TSC cycles per packet: AAD 8 bytes (P_DATA_V2
 * header), nonce 12 (packet-id || implicit IV), tag 16, ciphertext = the
 * inner packet; bursts of 32 jobs over a pool of buffers; decrypt includes
 * the receiver's tag comparison.
 *
 *   dpvpn-crypto-floor [--json] [--quick] [--pool N]
 *
 * Prints the median (and min, max) of 5 repetitions per cipher, direction
 * and size (64, 512, 1420, IMIX 7:4:1 of 64/570/1420).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <jansson.h>
#include <x86intrin.h>

#define BURST 32
#define REPS 5
#define TAG 16
#define AAD 8
#define MAX_LEN 1420

static const char *const cipher_names[] = { "AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305" };
static const char *const size_names[] = { "64", "512", "1420", "imix" };
static const unsigned imix[12] = { 64, 570, 64, 64, 570, 64, 1420, 64, 570, 64, 570, 64 };

struct pkt {
	uint8_t data[MAX_LEN];
	uint8_t aad[AAD];
	uint8_t nonce[12];
	uint8_t tag[TAG];	/* received tag (decrypt) or where encrypt writes it */
	uint8_t out_tag[TAG];	/* tag computed on decrypt */
	unsigned len;
};

struct bench {
	IMB_MGR *mgr;
	struct gcm_key_data gcm __attribute__((aligned(64)));
	uint8_t key[32];
	int cipher;		/* index in cipher_names */
	struct pkt *pool;
	unsigned n;
};

static unsigned
len_of(int size, unsigned j)
{
	static const unsigned fixed[] = { 64, 512, 1420 };
	return size < 3 ? fixed[size] : imix[j % 12];
}

static void
fill_job(struct bench *b, IMB_JOB *job, struct pkt *p, bool enc)
{
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->src = job->dst = p->data;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = p->len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = p->len;
	job->iv = p->nonce;
	job->iv_len_in_bytes = 12;
	job->auth_tag_output = enc ? p->tag : p->out_tag;
	job->auth_tag_output_len_in_bytes = TAG;
	job->user_data = p;
	if (b->cipher == 2) {
		job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
		job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
		job->key_len_in_bytes = 32;
		job->enc_keys = job->dec_keys = b->key;
		job->u.CHACHA20_POLY1305.aad = p->aad;
		job->u.CHACHA20_POLY1305.aad_len_in_bytes = AAD;
	} else {
		job->cipher_mode = IMB_CIPHER_GCM;
		job->hash_alg = IMB_AUTH_AES_GMAC;
		job->key_len_in_bytes = b->cipher == 0 ? 16 : 32;
		job->enc_keys = job->dec_keys = &b->gcm;
		job->u.GCM.aad = p->aad;
		job->u.GCM.aad_len_in_bytes = AAD;
	}
}

/* What a receiver does with the computed tag: compare in constant time. */
static bool
tag_ok(const struct pkt *p)
{
	uint8_t d = 0;
	for (unsigned i = 0; i < TAG; i++)
		d |= p->tag[i] ^ p->out_tag[i];
	return d == 0;
}

/* One burst through the job API; returns the number of failures. */
static unsigned
run_burst(struct bench *b, struct pkt **ps, unsigned n, bool enc, uint32_t pid)
{
	unsigned bad = 0;
	IMB_JOB *job;
	for (unsigned i = 0; i < n; i++) {
		memcpy(ps[i]->nonce, &pid, 4);	/* a new nonce per packet, as the packet-id is */
		pid++;
		fill_job(b, IMB_GET_NEXT_JOB(b->mgr), ps[i], enc);
		job = IMB_SUBMIT_JOB(b->mgr);
		while (job) {
			bad += job->status != IMB_STATUS_COMPLETED
				|| (!enc && !tag_ok(job->user_data));
			job = IMB_GET_COMPLETED_JOB(b->mgr);
		}
	}
	while ((job = IMB_FLUSH_JOB(b->mgr)) != NULL)
		bad += job->status != IMB_STATUS_COMPLETED || (!enc && !tag_ok(job->user_data));
	return bad;
}

static void
set_key(struct bench *b, int cipher)
{
	b->cipher = cipher;
	for (unsigned i = 0; i < 32; i++)
		b->key[i] = (uint8_t)(0x5a ^ i * 7);
	if (cipher == 0)
		IMB_AES128_GCM_PRE(b->mgr, b->key, &b->gcm);
	else if (cipher == 1)
		IMB_AES256_GCM_PRE(b->mgr, b->key, &b->gcm);
}

/* Sizes the pool for size; for decrypt, encrypts it first so every tag verifies. */
static void
prepare(struct bench *b, int size, bool enc)
{
	struct pkt *ps[BURST];
	for (unsigned j = 0; j < b->n; j++) {
		struct pkt *p = &b->pool[j];
		p->len = len_of(size, j);
		memset(p->data, (int)j, p->len);
		memset(p->aad, 0x48, AAD);
		memset(p->nonce, 0x11, 12);
	}
	if (enc)
		return;
	for (unsigned j = 0; j < b->n; j += BURST) {
		unsigned k = b->n - j < BURST ? b->n - j : BURST;
		for (unsigned i = 0; i < k; i++)
			ps[i] = &b->pool[j + i];
		run_burst(b, ps, k, true, 7);
	}
}

/*
 * Decrypting a pool in place turns it to plaintext; the same nonce then
 * re-encrypts it. So decrypt passes always use pid 7 (the nonce the pool was
 * encrypted with) and alternate with an untimed re-encryption.
 */
static uint64_t
timed_pass(struct bench *b, bool enc, unsigned *bad)
{
	struct pkt *ps[BURST];
	uint64_t t = 0;
	for (unsigned j = 0; j < b->n; j += BURST) {
		unsigned k = b->n - j < BURST ? b->n - j : BURST;
		for (unsigned i = 0; i < k; i++)
			ps[i] = &b->pool[j + i];
		_mm_lfence();
		uint64_t t0 = __rdtsc();
		*bad += run_burst(b, ps, k, enc, enc ? 1000 + j : 7);
		_mm_lfence();
		t += __rdtsc() - t0;
		if (!enc)
			run_burst(b, ps, k, true, 7);	/* back to ciphertext, untimed */
	}
	return t;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static json_t *
measure(struct bench *b, int cipher, bool enc, int size, unsigned passes)
{
	double r[REPS];
	unsigned bad = 0;
	set_key(b, cipher);
	prepare(b, size, enc);
	timed_pass(b, enc, &bad);	/* warm-up */
	for (unsigned rep = 0; rep < REPS; rep++) {
		uint64_t t = 0;
		for (unsigned k = 0; k < passes; k++)
			t += timed_pass(b, enc, &bad);
		r[rep] = (double)t / ((double)b->n * passes);
	}
	if (bad) {
		fprintf(stderr, "crypto-floor: %u jobs failed (%s %s %s)\n", bad, cipher_names[cipher],
			enc ? "enc" : "dec", size_names[size]);
		exit(1);
	}
	qsort(r, REPS, sizeof(r[0]), cmp_d);
	json_t *o = json_pack("{s:s, s:s, s:f, s:f, s:f, s:I}", "cipher", cipher_names[cipher],
		"dir", enc ? "enc" : "dec", "cycles_per_packet", r[REPS / 2], "min", r[0],
		"max", r[REPS - 1], "packets", (json_int_t)b->n * passes * REPS);
	json_object_set_new(o, "size", size < 3 ? json_integer(len_of(size, 0)) : json_string("imix"));
	return o;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = { { "json", 0, NULL, 'j' }, { "quick", 0, NULL, 'q' },
		{ "pool", 1, NULL, 'p' }, { NULL, 0, NULL, 0 } };
	bool json_out = false, quick = false;
	unsigned pool = 1024;
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'j')
			json_out = true;
		else if (c == 'q')
			quick = true;
		else if (c == 'p' && (pool = (unsigned)strtoul(optarg, NULL, 10)) >= BURST)
			;
		else {
			fprintf(stderr, "usage: dpvpn-crypto-floor [--json] [--quick] [--pool N>=32]\n");
			return 1;
		}
	}
	struct bench b = { .mgr = alloc_mb_mgr(0), .n = quick ? 64 : pool };
	IMB_ARCH arch = IMB_ARCH_NONE;
	b.pool = aligned_alloc(64, sizeof(struct pkt) * b.n);
	if (!b.mgr || !b.pool)
		return 1;
	init_mb_mgr_auto(b.mgr, &arch);
	if (arch == IMB_ARCH_NONE) {
		fprintf(stderr, "crypto-floor: ipsec-mb finds no usable CPU features\n");
		return 1;
	}
	json_t *all = json_array();
	for (int ci = 0; ci < 3; ci++)
		for (int dir = 0; dir < 2; dir++)
			for (int size = 0; size < 4; size++)
				json_array_append_new(all, measure(&b, ci, dir == 0, size, quick ? 1 : 200));
	static const char *const archs[] = { "none", "noaesni", "sse", "avx", "avx2", "avx512" };
	if (json_out) {
		json_dumpf(all, stdout, JSON_INDENT(1));
		putchar('\n');
	} else {
		size_t i;
		json_t *r;
		printf("ipsec-mb %s, arch %s: TSC cycles per packet (median of %d; min, max)\n",
			imb_get_version_str(), arch < IMB_ARCH_NUM ? archs[arch] : "?", REPS);
		json_array_foreach(all, i, r)
			printf("%-18s %s %5s %8.1f  (%.1f, %.1f)\n",
				json_string_value(json_object_get(r, "cipher")),
				json_string_value(json_object_get(r, "dir")),
				json_is_string(json_object_get(r, "size")) ? "imix"
					: size_names[i % 4],
				json_real_value(json_object_get(r, "cycles_per_packet")),
				json_real_value(json_object_get(r, "min")),
				json_real_value(json_object_get(r, "max")));
	}
	json_decref(all);
	free_mb_mgr(b.mgr);
	free(b.pool);
	return 0;
}
