/*
 * IPC codec tests. The test builds its own view of the schema from
 * ipc_msgs.def (field kinds and limits, fill and spoil functions) instead
 * of trusting ipc.c's table, then checks the codec against it: round
 * trips, truncations, wrong types, limits and a few hand-written bytes.
 */
#include "ipc.h"
#include "harness.h"

#include <arpa/inet.h>
#include <limits.h>
#include <msgpack.h>
#include <stdlib.h>

enum kind { K_U8, K_U16, K_U32, K_U64, K_ADDR, K_BIN, K_STR, K_COUNT };

struct tfield {
	const char *name;
	enum kind kind;
	uint64_t max;		/* largest integer, or longest bin/str */
};

#define MAX_FIELDS 20
struct tmsg {
	uint32_t id;
	const char *name;
	const char *dir;
	struct tfield f[MAX_FIELDS];	/* ends at the first NULL name */
};

/* ---- the schema as the test sees it ---- */

#define F_U8(n, d)		{ #n, K_U8, UINT8_MAX },
#define F_U16(n, d)		{ #n, K_U16, UINT16_MAX },
#define F_U32(n, d)		{ #n, K_U32, UINT32_MAX },
#define F_U64(n, d)		{ #n, K_U64, UINT64_MAX },
#define F_ADDR(n, d)		{ #n, K_ADDR, 16 },
#define F_BIN(n, max, d)	{ #n, K_BIN, max },
#define F_STR(n, max, d)	{ #n, K_STR, max },
#define IPC_MSG(id, NAME, name, dir, doc, fields) { id, #NAME, dir, { fields } },
static const struct tmsg msgs[] = {
#include "ipc_msgs.def"
};
#undef IPC_MSG
#define N_MSGS (sizeof(msgs) / sizeof(msgs[0]))

static unsigned
n_fields(const struct tmsg *t)
{
	unsigned n = 0;
	while (n < MAX_FIELDS && t->f[n].name)
		n++;
	return n;
}

/* ---- filling every field: variant 0 = maximal, 1 = minimal, 2 = mixed ---- */

static uint64_t
ival(int v, unsigned k, uint64_t max)
{
	uint64_t x = (k + 1) * 0x9E3779B97F4A7C15ull;

	if (v == 0)
		return max - k;		/* all bytes of the width in use */
	if (v == 1)
		return k;		/* first field 0 */
	return (x ^ x >> 29) & max;
}

static size_t
fill_bytes(uint8_t *b, size_t max, int v, unsigned k, bool str)
{
	size_t len = v == 0 ? max : v == 1 ? 0 : max / 2 + k % 3;

	for (size_t i = 0; i < len; i++)
		b[i] = str ? (uint8_t)('a' + (i + k) % 26) : (uint8_t)(i * 7 + k * 31 + 1);
	return len;
}

static void
fill_addr(struct ipc_addr *a, int v, unsigned k)
{
	a->len = v == 0 ? 16 : v == 1 ? 4 : (k & 1) ? 4 : 16;
	for (unsigned i = 0; i < a->len; i++)
		a->b[i] = (uint8_t)(0x20 + k * 16 + i);
}

#undef F_U8
#undef F_U16
#undef F_U32
#undef F_U64
#undef F_ADDR
#undef F_BIN
#undef F_STR
#define F_U8(n, d)		s->n = (uint8_t)ival(v, k++, UINT8_MAX);
#define F_U16(n, d)		s->n = (uint16_t)ival(v, k++, UINT16_MAX);
#define F_U32(n, d)		s->n = (uint32_t)ival(v, k++, UINT32_MAX);
#define F_U64(n, d)		s->n = ival(v, k++, UINT64_MAX);
#define F_ADDR(n, d)		fill_addr(&s->n, v, k++);
#define F_BIN(n, max, d)	s->n.len = (uint16_t)fill_bytes(s->n.b, max, v, k++, false);
#define F_STR(n, max, d)	fill_bytes((uint8_t *)s->n, max, v, k++, true);
#define IPC_MSG(id, NAME, name, dir, doc, fields) \
	static void fill_##name(struct ipc_msg *m, int v) \
	{ \
		struct ipc_##name *s = &m->u.name; \
		unsigned k = 0; \
		m->type = id; \
		fields \
	}
#include "ipc_msgs.def"
#undef IPC_MSG

/*
 * Breaks field i of a filled message so that encoding must fail; returns
 * the expected error, or 0 when the field kind cannot be invalid (ints).
 * w picks one of several bad address lengths.
 */
#undef F_U8
#undef F_U16
#undef F_U32
#undef F_U64
#undef F_ADDR
#undef F_BIN
#undef F_STR
static const uint8_t bad_addr_len[] = { 0, 3, 5, 15, 17, 255 };
#define F_U8(n, d)		k++;
#define F_U16(n, d)		k++;
#define F_U32(n, d)		k++;
#define F_U64(n, d)		k++;
#define F_ADDR(n, d)		if (k++ == i) { s->n.len = bad_addr_len[w]; return -IPC_E_BAD_ADDR; }
#define F_BIN(n, max, d)	if (k++ == i) { s->n.len = (max) + 1; return -IPC_E_TOO_LONG; }
#define F_STR(n, max, d)	if (k++ == i) { memset(s->n, 'z', (max) + 1); return -IPC_E_TOO_LONG; }
#define IPC_MSG(id, NAME, name, dir, doc, fields) \
	static int spoil_##name(struct ipc_msg *m, unsigned i, unsigned w) \
	{ \
		struct ipc_##name *s = &m->u.name; \
		unsigned k = 0; \
		(void)s, (void)i, (void)w; \
		fields \
		return 0; \
	}
#include "ipc_msgs.def"
#undef IPC_MSG

/* Same order as msgs[]. */
#define IPC_MSG(id, NAME, name, dir, doc, fields) { fill_##name, spoil_##name },
static const struct {
	void (*fill)(struct ipc_msg *m, int v);
	int (*spoil)(struct ipc_msg *m, unsigned i, unsigned w);
} ops[] = {
#include "ipc_msgs.def"
};
#undef IPC_MSG
#undef F_U8
#undef F_U16
#undef F_U32
#undef F_U64
#undef F_ADDR
#undef F_BIN
#undef F_STR

/* Decodes from an exact-size heap copy so ASan/valgrind catch overreads. */
static int
decode_exact(const uint8_t *buf, size_t len, struct ipc_msg *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, buf, len);
	rc = ipc_decode(copy, len, m);
	free(copy);
	return rc;
}

static void
filled(struct ipc_msg *m, size_t t, int v)
{
	memset(m, 0, sizeof(*m));
	ops[t].fill(m, v);
}

/* ---- round trips, truncations, small buffers ---- */

static void
check_nospace(const struct ipc_msg *a, int n)
{
	uint8_t out[IPC_MSG_MAX + 16];

	for (int cap = 0; cap < n; cap++) {
		memset(out, 0x5a, sizeof(out));
		CHECK_EQ(ipc_encode(a, out, (size_t)cap), -IPC_E_NOSPACE);
		size_t i = (size_t)cap;
		while (i < sizeof(out) && out[i] == 0x5a)
			i++;
		CHECK_EQ(i, sizeof(out));	/* nothing written past cap */
	}
	CHECK_EQ(ipc_encode(a, out, (size_t)n), n);
}

static void
test_roundtrip(void)
{
	/* Buffer of exactly IPC_MSG_MAX: variant 0 proves the bound holds. */
	uint8_t buf[IPC_MSG_MAX];
	struct ipc_msg a, b;

	for (size_t t = 0; t < N_MSGS; t++) {
		for (int v = 0; v < 3; v++) {
			filled(&a, t, v);
			int n = ipc_encode(&a, buf, sizeof(buf));
			CHECK(n > 0);
			if (n <= 0)
				continue;
			memset(&b, 0, sizeof(b));
			CHECK_EQ(decode_exact(buf, (size_t)n, &b), 0);
			CHECK_MEM(&a, &b, sizeof(a));
			for (int cut = 0; cut < n; cut++)
				CHECK_EQ(decode_exact(buf, (size_t)cut, &b), -IPC_E_MALFORMED);
			check_nospace(&a, n);
		}
	}
}

/* ---- crafted inputs ---- */

struct craft {
	msgpack_sbuffer sb;
	msgpack_packer pk;
};

static msgpack_packer *
craft_begin(struct craft *c)
{
	msgpack_sbuffer_init(&c->sb);
	msgpack_packer_init(&c->pk, &c->sb, msgpack_sbuffer_write);
	return &c->pk;
}

static int
craft_decode(struct craft *c)
{
	struct ipc_msg m;
	int rc = decode_exact((const uint8_t *)c->sb.data, c->sb.size, &m);

	msgpack_sbuffer_destroy(&c->sb);
	return rc;
}

static void
pack_bytes(msgpack_packer *pk, bool str, size_t n)
{
	static const char x[4096];	/* zeros: fine for bins */
	static char s[4096];

	if (!str) {
		msgpack_pack_bin_with_body(pk, x, n);
		return;
	}
	memset(s, 's', n);
	msgpack_pack_str_with_body(pk, s, n);
}

static void
pack_valid(msgpack_packer *pk, const struct tfield *f)
{
	switch (f->kind) {
	case K_ADDR: pack_bytes(pk, false, 4); break;
	case K_BIN:  pack_bytes(pk, false, 1); break;
	case K_STR:  pack_bytes(pk, true, 1); break;
	default:     msgpack_pack_uint8(pk, 1); break;
	}
}

enum mut {
	M_STR, M_NEG, M_UINT, M_NIL, M_BOOL, M_DOUBLE, M_ARRAY, M_MAP,
	M_BIN0, M_BIN4, M_BIN5, M_OVER, M_MAX, M_STR_NUL, M_COUNT
};

/* Expected decode result for each mutation and field kind. */
#define FT (-IPC_E_FIELD_TYPE)
#define RG (-IPC_E_RANGE)
#define TL (-IPC_E_TOO_LONG)
#define BA (-IPC_E_BAD_ADDR)
static const int expect[M_COUNT][K_COUNT] = {
	/*            u8  u16 u32 u64 addr bin str */
	[M_STR]     = { FT, FT, FT, FT, FT, FT, 0 },
	[M_NEG]     = { FT, FT, FT, FT, FT, FT, FT },
	[M_UINT]    = { 0, 0, 0, 0, FT, FT, FT },
	[M_NIL]     = { FT, FT, FT, FT, FT, FT, FT },
	[M_BOOL]    = { FT, FT, FT, FT, FT, FT, FT },
	[M_DOUBLE]  = { FT, FT, FT, FT, FT, FT, FT },
	[M_ARRAY]   = { FT, FT, FT, FT, FT, FT, FT },
	[M_MAP]     = { FT, FT, FT, FT, FT, FT, FT },
	[M_BIN0]    = { FT, FT, FT, FT, BA, 0, FT },
	[M_BIN4]    = { FT, FT, FT, FT, 0, 0, FT },	/* every bin max >= 4 */
	[M_BIN5]    = { FT, FT, FT, FT, BA, 0, FT },
	[M_OVER]    = { RG, RG, RG, 0, BA, TL, TL },	/* u64 max is the widest */
	[M_MAX]     = { 0, 0, 0, 0, 0, 0, 0 },
	[M_STR_NUL] = { FT, FT, FT, FT, FT, FT, FT },
};

static void
pack_over(msgpack_packer *pk, const struct tfield *f, bool at_max)
{
	switch (f->kind) {
	case K_ADDR: pack_bytes(pk, false, at_max ? 16 : 17); break;
	case K_BIN:  pack_bytes(pk, false, f->max + !at_max); break;
	case K_STR:  pack_bytes(pk, true, f->max + !at_max); break;
	case K_U64:  msgpack_pack_uint64(pk, UINT64_MAX); break;
	default:     msgpack_pack_uint64(pk, f->max + !at_max); break;
	}
}

static void
pack_mut(msgpack_packer *pk, const struct tfield *f, enum mut m)
{
	switch (m) {
	case M_STR:	pack_bytes(pk, true, 1); break;
	case M_NEG:	msgpack_pack_int8(pk, -1); break;
	case M_UINT:	msgpack_pack_uint8(pk, 1); break;
	case M_NIL:	msgpack_pack_nil(pk); break;
	case M_BOOL:	msgpack_pack_true(pk); break;
	case M_DOUBLE:	msgpack_pack_double(pk, 1.5); break;
	case M_ARRAY:	msgpack_pack_array(pk, 1); msgpack_pack_uint8(pk, 1); break;
	case M_MAP:	msgpack_pack_map(pk, 0); break;
	case M_BIN0:	pack_bytes(pk, false, 0); break;
	case M_BIN4:	pack_bytes(pk, false, 4); break;
	case M_BIN5:	pack_bytes(pk, false, 5); break;
	case M_OVER:	pack_over(pk, f, false); break;
	case M_MAX:	pack_over(pk, f, true); break;
	default:	msgpack_pack_str_with_body(pk, "a\0b", 3); break;
	}
}

/* [id, fields...] with field `bad` mutated (bad >= n: none) and n_out fields. */
static int
craft_msg(const struct tmsg *t, unsigned n_out, unsigned bad, enum mut m)
{
	struct craft c;
	msgpack_packer *pk = craft_begin(&c);
	unsigned n = n_fields(t);

	msgpack_pack_array(pk, n_out + 1);
	msgpack_pack_uint32(pk, t->id);
	for (unsigned i = 0; i < n_out; i++) {
		if (i == bad)
			pack_mut(pk, &t->f[i], m);
		else if (i < n)
			pack_valid(pk, &t->f[i]);
		else
			msgpack_pack_uint8(pk, 1);
	}
	return craft_decode(&c);
}

static void
test_fields(void)
{
	for (size_t t = 0; t < N_MSGS; t++) {
		const struct tmsg *tm = &msgs[t];
		unsigned n = n_fields(tm);

		CHECK(n > 0 && n < MAX_FIELDS);
		CHECK_EQ(craft_msg(tm, n, n, M_COUNT), 0);
		CHECK_EQ(craft_msg(tm, n + 1, n + 1, M_COUNT), -IPC_E_FIELD_COUNT);
		CHECK_EQ(craft_msg(tm, n - 1, n, M_COUNT), -IPC_E_FIELD_COUNT);
		CHECK_EQ(craft_msg(tm, 0, 0, M_COUNT), -IPC_E_FIELD_COUNT);
		for (unsigned i = 0; i < n; i++) {
			for (int m = 0; m < M_COUNT; m++) {
				int rc = craft_msg(tm, n, i, (enum mut)m);
				int want = expect[m][tm->f[i].kind];
				CHECK_EQ(rc, want);
				if (rc != want)
					fprintf(stderr, "  %s.%s mutation %d\n", tm->name, tm->f[i].name, m);
			}
		}
	}
}

/* The first element decides the type: anything but a known id is refused. */
static void
test_top_level(void)
{
	struct craft c;
	msgpack_packer *pk;
	static const int64_t bad_ids[] = { 0, -1, 1000, (int64_t)UINT32_MAX, (1ll << 32) + IPC_HELLO };

	pk = craft_begin(&c); msgpack_pack_uint8(pk, IPC_STATS_REQ);
	CHECK_EQ(craft_decode(&c), -IPC_E_NOT_ARRAY);
	pk = craft_begin(&c); msgpack_pack_map(pk, 1); msgpack_pack_uint8(pk, 14); msgpack_pack_uint8(pk, 7);
	CHECK_EQ(craft_decode(&c), -IPC_E_NOT_ARRAY);
	pk = craft_begin(&c); msgpack_pack_nil(pk);
	CHECK_EQ(craft_decode(&c), -IPC_E_NOT_ARRAY);
	pk = craft_begin(&c); msgpack_pack_array(pk, 0);
	CHECK_EQ(craft_decode(&c), -IPC_E_UNKNOWN_TYPE);
	pk = craft_begin(&c); msgpack_pack_array(pk, 2); msgpack_pack_str_with_body(pk, "STATS_REQ", 9);
	msgpack_pack_uint8(pk, 7);
	CHECK_EQ(craft_decode(&c), -IPC_E_UNKNOWN_TYPE);
	pk = craft_begin(&c); msgpack_pack_array(pk, 2); msgpack_pack_uint32(pk, N_MSGS + 1);
	msgpack_pack_uint8(pk, 7);
	CHECK_EQ(craft_decode(&c), -IPC_E_UNKNOWN_TYPE);
	/* Ids that would alias a real one if truncated to 32 bits, or negative. */
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		pk = craft_begin(&c);
		msgpack_pack_array(pk, 6);
		msgpack_pack_int64(pk, bad_ids[i]);
		for (unsigned f = 0; f < 5; f++)
			pack_valid(pk, &msgs[0].f[f]);
		CHECK_EQ(craft_decode(&c), -IPC_E_UNKNOWN_TYPE);
	}
}

struct raw {
	const char *what;
	uint8_t b[16];
	size_t len;
	int want;
};

#define MAL (-IPC_E_MALFORMED)
static const struct raw raws[] = {
	{ "empty", { 0 }, 0, MAL },
	{ "never-used byte", { 0xc1 }, 1, MAL },
	{ "cookie 7", { 0x92, 0x0e, 0x07 }, 3, 0 },
	{ "trailing byte", { 0x92, 0x0e, 0x07, 0x00 }, 4, MAL },
	{ "two messages", { 0x92, 0x0e, 0x07, 0x92, 0x0e, 0x07 }, 6, MAL },
	{ "array32 of 2^32-1", { 0xdd, 0xff, 0xff, 0xff, 0xff }, 5, MAL },
	{ "array16 too long", { 0xdc, 0xff, 0xff, 0x0e, 0x07 }, 5, MAL },
	{ "map32 huge", { 0xdf, 0xff, 0xff, 0xff, 0xff }, 5, MAL },
	{ "str32 huge", { 0xdb, 0xff, 0xff, 0xff, 0xff, 'a' }, 6, MAL },
	{ "bin32 huge", { 0xc6, 0xff, 0xff, 0xff, 0xff, 0 }, 6, MAL },
	{ "nested huge array", { 0x92, 0x0e, 0xdd, 0x7f, 0xff, 0xff, 0xff }, 7, MAL },
	/* Any unsigned encoding is accepted, as msgpack-c reads them all alike. */
	{ "uint64 cookie", { 0x92, 0xcc, 0x0e, 0xcf, 0, 0, 0, 0, 0, 0, 0, 7 }, 12, 0 },
	{ "int8 holding 7", { 0x92, 0x0e, 0xd0, 0x07 }, 4, 0 },
	{ "int8 -1", { 0x92, 0x0e, 0xd0, 0xff }, 4, FT },
	{ "negfixint", { 0x92, 0x0e, 0xff }, 3, FT },
	{ "float32", { 0x92, 0x0e, 0xca, 0x40, 0xe0, 0, 0 }, 7, FT },
	{ "ext", { 0x92, 0x0e, 0xd4, 0x01, 0x07 }, 5, FT },
	{ "uint64 too big for u32", { 0x92, 0x0e, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0 }, 11, RG },
};

static void
test_raw(void)
{
	uint8_t deep[64];
	struct ipc_msg m;

	for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++) {
		int rc = decode_exact(raws[i].b, raws[i].len, &m);
		CHECK_EQ(rc, raws[i].want);
		if (rc != raws[i].want)
			fprintf(stderr, "  raw input: %s\n", raws[i].what);
	}
	/* Deeper than msgpack-c's parse stack: refused, not crashed. */
	memset(deep, 0x91, sizeof(deep));
	deep[sizeof(deep) - 1] = 0x01;
	CHECK(decode_exact(deep, sizeof(deep), &m) < 0);
	CHECK_EQ(decode_exact(deep + sizeof(deep) - 2, 2, &m), -IPC_E_FIELD_COUNT);	/* [1] */
}

/* Encodings checked byte for byte against the msgpack spec. */
static void
test_bytes(void)
{
	static const uint8_t stats_req[] = { 0x92, 0x0e, 0x07 };
	static const uint8_t hello_ack[] = { 0x93, 0x02, 0x01, 0xcf, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x90 };
	static const uint8_t route_add[] = { 0x95, 0x05, 0xcd, 0x01, 0x2c, 0xce, 0x00, 0x01, 0x11, 0x70,
		0xc4, 0x04, 10, 1, 2, 0, 24 };
	uint8_t buf[64];
	struct ipc_msg m;

	memset(&m, 0, sizeof(m));
	m.type = IPC_STATS_REQ;
	m.u.stats_req.cookie = 7;
	CHECK_EQ(ipc_encode(&m, buf, sizeof(buf)), sizeof(stats_req));
	CHECK_MEM(buf, stats_req, sizeof(stats_req));

	memset(&m, 0, sizeof(m));
	m.type = IPC_HELLO_ACK;
	m.u.hello_ack.schema = 1;
	m.u.hello_ack.cp_boot_id = 0x1234567890ull;
	CHECK_EQ(ipc_encode(&m, buf, sizeof(buf)), sizeof(hello_ack));
	CHECK_MEM(buf, hello_ack, sizeof(hello_ack));

	memset(&m, 0, sizeof(m));
	m.type = IPC_ROUTE_ADD;
	m.u.route_add.sess = 300;
	m.u.route_add.gen = 70000;
	ipc_addr_from_v4(&m.u.route_add.prefix, htonl(0x0a010200));
	m.u.route_add.plen = 24;
	CHECK_EQ(ipc_encode(&m, buf, sizeof(buf)), sizeof(route_add));
	CHECK_MEM(buf, route_add, sizeof(route_add));
	CHECK_EQ(decode_exact(route_add, sizeof(route_add), &m), 0);
	CHECK_EQ(m.u.route_add.gen, 70000);
	CHECK_EQ(ipc_addr_to_v4(&m.u.route_add.prefix), htonl(0x0a010200));
}

/* ---- encoder refusals ---- */

static void
test_encode_errors(void)
{
	uint8_t buf[IPC_MSG_MAX];
	struct ipc_msg m;

	memset(&m, 0, sizeof(m));
	m.type = 0;
	CHECK_EQ(ipc_encode(&m, buf, sizeof(buf)), -IPC_E_UNKNOWN_TYPE);
	m.type = N_MSGS + 1;
	CHECK_EQ(ipc_encode(&m, buf, sizeof(buf)), -IPC_E_UNKNOWN_TYPE);
	for (size_t t = 0; t < N_MSGS; t++) {
		unsigned n = n_fields(&msgs[t]);
		for (unsigned i = 0; i < n; i++) {
			for (unsigned w = 0; w < sizeof(bad_addr_len); w++) {
				filled(&m, t, 0);
				int want = ops[t].spoil(&m, i, w);
				if (want == 0)
					break;
				/* Validation wins over a too-small buffer. */
				CHECK_EQ(ipc_encode(&m, buf, sizeof(buf)), want);
				CHECK_EQ(ipc_encode(&m, buf, 1), want);
			}
		}
	}
}

/* ---- names and helpers ---- */

static void
test_names(void)
{
	const char *seen[IPC_E__COUNT];

	for (size_t t = 0; t < N_MSGS; t++) {
		const char *name = ipc_type_name(msgs[t].id);
		bool cp2dp = strcmp(msgs[t].dir, "cp->dp") == 0;
		CHECK(name && strcmp(name, msgs[t].name) == 0);
		CHECK(cp2dp || strcmp(msgs[t].dir, "dp->cp") == 0);
		CHECK_EQ(ipc_type_is_cp2dp(msgs[t].id), cp2dp);
		CHECK_EQ(msgs[t].id, t + 1);	/* ids are dense from 1 */
	}
	CHECK(ipc_type_name(0) == NULL);
	CHECK(ipc_type_name(N_MSGS + 1) == NULL);
	CHECK(ipc_type_name(UINT32_MAX) == NULL);
	CHECK(!ipc_type_is_cp2dp(0));
	CHECK(ipc_type_is_cp2dp(IPC_KEY_INSTALL));
	CHECK(!ipc_type_is_cp2dp(IPC_PUNT));

	for (int e = 0; e < IPC_E__COUNT; e++) {
		seen[e] = ipc_strerror(e);
		CHECK(seen[e] != NULL);
		CHECK(seen[e] == ipc_strerror(-e));
		for (int j = 0; j < e; j++)
			CHECK(strcmp(seen[j], seen[e]) != 0);
	}
	CHECK(ipc_strerror(IPC_E__COUNT) != NULL);
	CHECK(ipc_strerror(INT_MIN) != NULL);
	CHECK(ipc_strerror(INT_MAX) != NULL);
}

static void
test_addr(void)
{
	struct ipc_addr a;

	memset(&a, 0xee, sizeof(a));
	ipc_addr_from_v4(&a, htonl(0xc0a80101));
	CHECK_EQ(a.len, 4);
	CHECK_EQ(a.b[0], 192);
	CHECK_EQ(a.b[3], 1);
	CHECK_EQ(a.b[4], 0);
	CHECK_EQ(ipc_addr_to_v4(&a), htonl(0xc0a80101));
	a.len = 16;
	CHECK_EQ(ipc_addr_to_v4(&a), 0);
}

int
main(void)
{
	test_roundtrip();
	test_fields();
	test_top_level();
	test_raw();
	test_bytes();
	test_encode_errors();
	test_names();
	test_addr();
	return harness_done("ipc");
}
