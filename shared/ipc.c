/*
 * IPC codec: msgpack encoder and strict decoder for the messages of
 * ipc_msgs.def. Both are driven by one descriptor table generated from the
 * schema, so adding a message never needs code here.
 */
#include "ipc.h"

#include <msgpack.h>
#include <stddef.h>
#include <string.h>

enum fkind { FK_U8, FK_U16, FK_U32, FK_U64, FK_ADDR, FK_BIN, FK_STR };

/* One field: where it lives in its struct and what the wire may carry. */
struct field {
	uint8_t kind;
	uint16_t off;		/* value, or length of a BIN */
	uint16_t data;		/* bytes of a BIN */
	uint64_t max;		/* largest integer, or longest bin/str */
};

struct desc {
	const char *name;
	const char *dir;
	const struct field *f;
	unsigned n;
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Field macros use "self", a typedef local to each case below: the F_*
 * entries of ipc_msgs.def do not name their message, so the enclosing
 * block supplies the struct type that offsetof needs.
 */
#define F_U8(n, d)	 { FK_U8, offsetof(self, n), 0, UINT8_MAX },
#define F_U16(n, d)	 { FK_U16, offsetof(self, n), 0, UINT16_MAX },
#define F_U32(n, d)	 { FK_U32, offsetof(self, n), 0, UINT32_MAX },
#define F_U64(n, d)	 { FK_U64, offsetof(self, n), 0, UINT64_MAX },
#define F_ADDR(n, d)	 { FK_ADDR, offsetof(self, n), 0, IPC_ADDR_MAX },
#define F_BIN(n, max, d) { FK_BIN, offsetof(self, n.len), offsetof(self, n.b), max },
#define F_STR(n, max, d) { FK_STR, offsetof(self, n), 0, max },

/* Descriptor of a type id, NULL when unknown. The switch is the table. */
static const struct desc *
desc_of(uint64_t id)
{
	switch (id) {
#define IPC_MSG(id_, NAME, name, dir_, doc, fields) \
	case id_: { \
		typedef struct ipc_##name self; \
		static const struct field f[] = { fields }; \
		static const struct desc d = { #NAME, dir_, f, ARRAY_LEN(f) }; \
		return &d; \
	}
#include "ipc_msgs.def"
#undef IPC_MSG
	}
	return NULL;
}

#undef F_U8
#undef F_U16
#undef F_U32
#undef F_U64
#undef F_ADDR
#undef F_BIN
#undef F_STR

/* ---- encoder ---- */

/* Fixed output buffer for the packer: never allocates, flags overflow. */
struct wbuf {
	uint8_t *p;
	size_t cap, len;
	bool full;
};

static int
wbuf_write(void *data, const char *b, size_t n)
{
	struct wbuf *w = data;

	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return -1;
	}
	if (n)
		memcpy(w->p + w->len, b, n);
	w->len += n;
	return 0;
}

static void
pack_uint(msgpack_packer *pk, const struct field *f, const uint8_t *v)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	/* v is a byte pointer into the union: copy out at the field's width. */
	switch (f->kind) {
	case FK_U8:  memcpy(&u8, v, 1);  msgpack_pack_uint8(pk, u8);   break;
	case FK_U16: memcpy(&u16, v, 2); msgpack_pack_uint16(pk, u16); break;
	case FK_U32: memcpy(&u32, v, 4); msgpack_pack_uint32(pk, u32); break;
	default:     memcpy(&u64, v, 8); msgpack_pack_uint64(pk, u64); break;
	}
}

/*
 * Validates and packs one field. Packer write errors are ignored here:
 * wbuf remembers them, so validation still covers every field and the
 * result does not depend on the buffer size.
 */
static int
pack_field(msgpack_packer *pk, const struct field *f, const uint8_t *base)
{
	const uint8_t *v = base + f->off;

	switch (f->kind) {
	case FK_ADDR: {
		const struct ipc_addr *a = (const struct ipc_addr *)v;
		if (a->len != 4 && a->len != 16)
			return -IPC_E_BAD_ADDR;
		msgpack_pack_bin_with_body(pk, a->b, a->len);
		return 0;
	}
	case FK_BIN: {
		uint16_t n;
		memcpy(&n, v, sizeof(n));
		if (n > f->max)
			return -IPC_E_TOO_LONG;
		msgpack_pack_bin_with_body(pk, base + f->data, n);
		return 0;
	}
	case FK_STR: {
		/* The array holds max + 1 bytes: no NUL in them means too long. */
		size_t n = strnlen((const char *)v, f->max + 1);
		if (n > f->max)
			return -IPC_E_TOO_LONG;
		msgpack_pack_str_with_body(pk, v, n);
		return 0;
	}
	default:
		pack_uint(pk, f, v);
		return 0;
	}
}

int
ipc_encode(const struct ipc_msg *m, uint8_t *buf, size_t cap)
{
	const struct desc *d = desc_of(m->type);
	const uint8_t *base = (const uint8_t *)&m->u;
	struct wbuf w = { buf, cap, 0, false };
	msgpack_packer pk;

	if (!d)
		return -IPC_E_UNKNOWN_TYPE;
	msgpack_packer_init(&pk, &w, wbuf_write);
	msgpack_pack_array(&pk, d->n + 1);
	msgpack_pack_uint32(&pk, m->type);
	for (unsigned i = 0; i < d->n; i++) {
		int rc = pack_field(&pk, &d->f[i], base);
		if (rc < 0)
			return rc;
	}
	return w.full ? -IPC_E_NOSPACE : (int)w.len;
}

/* ---- decoder ---- */

/*
 * Bound check before msgpack-c sees the input. msgpack-c allocates an
 * array's elements as soon as it reads the header, so 5 bytes announcing
 * 2^32 elements would make it ask for ~100 GB. Walking the headers first
 * and requiring every announced element to have at least one byte left
 * caps its zone use at about 24 bytes per input byte. It also proves the
 * input is exactly one complete object (no truncation, no trailing bytes).
 */

enum { SK_SCALAR, SK_BLOB, SK_ARRAY, SK_MAP, SK_BAD };

/* Headers 0xc0..0xdf: extra fixed bytes, size of length field, kind. */
static const struct { uint8_t extra, lenb, kind; } skim_tab[32] = {
	[0x00] = { 0, 0, SK_SCALAR }, [0x01] = { 0, 0, SK_BAD },
	[0x02] = { 0, 0, SK_SCALAR }, [0x03] = { 0, 0, SK_SCALAR },
	[0x04] = { 0, 1, SK_BLOB },   [0x05] = { 0, 2, SK_BLOB },
	[0x06] = { 0, 4, SK_BLOB },   [0x07] = { 1, 1, SK_BLOB },
	[0x08] = { 1, 2, SK_BLOB },   [0x09] = { 1, 4, SK_BLOB },
	[0x0a] = { 4, 0, SK_SCALAR }, [0x0b] = { 8, 0, SK_SCALAR },
	[0x0c] = { 1, 0, SK_SCALAR }, [0x0d] = { 2, 0, SK_SCALAR },
	[0x0e] = { 4, 0, SK_SCALAR }, [0x0f] = { 8, 0, SK_SCALAR },
	[0x10] = { 1, 0, SK_SCALAR }, [0x11] = { 2, 0, SK_SCALAR },
	[0x12] = { 4, 0, SK_SCALAR }, [0x13] = { 8, 0, SK_SCALAR },
	[0x14] = { 2, 0, SK_SCALAR }, [0x15] = { 3, 0, SK_SCALAR },
	[0x16] = { 5, 0, SK_SCALAR }, [0x17] = { 9, 0, SK_SCALAR },
	[0x18] = { 17, 0, SK_SCALAR }, [0x19] = { 0, 1, SK_BLOB },
	[0x1a] = { 0, 2, SK_BLOB },   [0x1b] = { 0, 4, SK_BLOB },
	[0x1c] = { 0, 2, SK_ARRAY },  [0x1d] = { 0, 4, SK_ARRAY },
	[0x1e] = { 0, 2, SK_MAP },    [0x1f] = { 0, 4, SK_MAP },
};

/* Size of the object header at p (left > 0 bytes) and its child count. */
static int
skim_one(const uint8_t *p, size_t left, uint64_t *used, uint64_t *kids)
{
	uint8_t b = p[0];
	uint64_t n = 0;

	*used = 1;
	*kids = 0;
	if (b <= 0x7f || b >= 0xe0)
		return 0;			/* fixint */
	if (b <= 0x8f) {
		*kids = 2u * (b & 0x0f);	/* fixmap */
		return 0;
	}
	if (b <= 0x9f) {
		*kids = b & 0x0f;		/* fixarray */
		return 0;
	}
	if (b <= 0xbf) {
		*used = 1u + (b & 0x1f);	/* fixstr */
		return 0;
	}
	unsigned lenb = skim_tab[b - 0xc0].lenb, kind = skim_tab[b - 0xc0].kind;
	if (kind == SK_BAD || left < 1u + lenb)
		return -1;
	for (unsigned i = 1; i <= lenb; i++)
		n = n << 8 | p[i];
	*used = 1u + lenb + skim_tab[b - 0xc0].extra + (kind == SK_BLOB ? n : 0);
	*kids = kind == SK_ARRAY ? n : kind == SK_MAP ? 2 * n : 0;
	return 0;
}

static int
skim(const uint8_t *p, size_t len)
{
	uint64_t pending = 1, used, kids;
	size_t off = 0;

	while (pending) {
		if (off >= len || skim_one(p + off, len - off, &used, &kids) < 0)
			return -1;
		if (used > len - off)
			return -1;
		off += (size_t)used;
		pending = pending - 1 + kids;
		if (pending > len - off)
			return -1;	/* each pending object needs a byte */
	}
	return off == len ? 0 : -1;
}

static int
decode_uint(const msgpack_object *o, const struct field *f, uint8_t *v)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return -IPC_E_FIELD_TYPE;	/* msgpack-c files 0 here too */
	if (o->via.u64 > f->max)
		return -IPC_E_RANGE;

	uint8_t u8 = (uint8_t)o->via.u64;
	uint16_t u16 = (uint16_t)o->via.u64;
	uint32_t u32 = (uint32_t)o->via.u64;
	switch (f->kind) {
	case FK_U8:  memcpy(v, &u8, 1); break;
	case FK_U16: memcpy(v, &u16, 2); break;
	case FK_U32: memcpy(v, &u32, 4); break;
	default:     memcpy(v, &o->via.u64, 8); break;
	}
	return 0;
}

static int
decode_field(const msgpack_object *o, const struct field *f, uint8_t *base)
{
	uint8_t *v = base + f->off;

	if (f->kind <= FK_U64)
		return decode_uint(o, f, v);
	if (o->type != (f->kind == FK_STR ? MSGPACK_OBJECT_STR : MSGPACK_OBJECT_BIN))
		return -IPC_E_FIELD_TYPE;

	const char *p = f->kind == FK_STR ? o->via.str.ptr : o->via.bin.ptr;
	uint32_t n = f->kind == FK_STR ? o->via.str.size : o->via.bin.size;
	if (f->kind == FK_ADDR) {
		if (n != 4 && n != 16)
			return -IPC_E_BAD_ADDR;
		((struct ipc_addr *)v)->len = (uint8_t)n;
		memcpy(((struct ipc_addr *)v)->b, p, n);
		return 0;
	}
	if (n > f->max)
		return -IPC_E_TOO_LONG;
	if (n == 0)
		return 0;	/* m is zeroed; msgpack-c gives ptr NULL for "" */
	if (f->kind == FK_STR) {
		if (memchr(p, 0, n))
			return -IPC_E_FIELD_TYPE;	/* C strings cannot hold it */
		memcpy(v, p, n);		/* NUL already there: m zeroed */
		return 0;
	}
	uint16_t n16 = (uint16_t)n;
	memcpy(v, &n16, sizeof(n16));
	memcpy(base + f->data, p, n);
	return 0;
}

static int
decode_obj(const msgpack_object *root, struct ipc_msg *m)
{
	const struct desc *d = NULL;
	const msgpack_object *e;

	if (root->type != MSGPACK_OBJECT_ARRAY)
		return -IPC_E_NOT_ARRAY;
	e = root->via.array.ptr;
	if (root->via.array.size > 0 && e[0].type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		d = desc_of(e[0].via.u64);
	if (!d)
		return -IPC_E_UNKNOWN_TYPE;
	if (root->via.array.size != d->n + 1)
		return -IPC_E_FIELD_COUNT;
	m->type = (uint32_t)e[0].via.u64;
	for (unsigned i = 0; i < d->n; i++) {
		int rc = decode_field(&e[i + 1], &d->f[i], (uint8_t *)&m->u);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * One zone per thread, created on first use and cleared after each
 * message: a valid message fits the first chunk, so the steady state
 * makes no allocation. Threads here (DPDK lcores, control-plane loop)
 * live as long as the process, so the chunk is never freed.
 */
static _Thread_local msgpack_zone tls_zone;
static _Thread_local bool tls_zone_ready;

static msgpack_zone *
zone_get(void)
{
	if (!tls_zone_ready)
		tls_zone_ready = msgpack_zone_init(&tls_zone, 1024);
	return tls_zone_ready ? &tls_zone : NULL;
}

int
ipc_decode(const uint8_t *buf, size_t len, struct ipc_msg *m)
{
	msgpack_zone *z;
	msgpack_object root;
	size_t off = 0;
	int rc;

	/* Zeroed so unused bytes are defined: decoded messages compare with memcmp. */
	memset(m, 0, sizeof(*m));
	if (skim(buf, len) < 0 || !(z = zone_get()))
		return -IPC_E_MALFORMED;
	if (msgpack_unpack((const char *)buf, len, &off, z, &root) != MSGPACK_UNPACK_SUCCESS)
		rc = -IPC_E_MALFORMED;	/* e.g. nesting deeper than msgpack-c's stack */
	else
		rc = decode_obj(&root, m);
	msgpack_zone_clear(z);
	return rc;
}

/* ---- names and helpers ---- */

const char *
ipc_type_name(uint32_t type)
{
	const struct desc *d = desc_of(type);
	return d ? d->name : NULL;
}

bool
ipc_type_is_cp2dp(uint32_t type)
{
	const struct desc *d = desc_of(type);
	return d && strcmp(d->dir, "cp->dp") == 0;
}

static const char *const err_text[IPC_E__COUNT] = {
	[IPC_OK] = "ok",
	[IPC_E_MALFORMED] = "not exactly one complete msgpack object",
	[IPC_E_NOT_ARRAY] = "message is not a msgpack array",
	[IPC_E_UNKNOWN_TYPE] = "unknown message type",
	[IPC_E_FIELD_COUNT] = "wrong number of fields",
	[IPC_E_FIELD_TYPE] = "field has the wrong msgpack type",
	[IPC_E_RANGE] = "integer does not fit its field",
	[IPC_E_TOO_LONG] = "bin or str longer than its maximum",
	[IPC_E_BAD_ADDR] = "address is not 4 or 16 bytes",
	[IPC_E_NOSPACE] = "encode buffer too small",
	[IPC_E_DIRECTION] = "message not meant for the receiver",
	[IPC_E_NO_SESSION] = "no such session",
	[IPC_E_STALE_GEN] = "stale session generation",
	[IPC_E_BAD_VALUE] = "field value out of its allowed set",
	[IPC_E_NO_ROOM] = "table full",
};

const char *
ipc_strerror(int err)
{
	/* Compare before negating: -INT_MIN would overflow. */
	if (err < 0 && err > -IPC_E__COUNT)
		err = -err;
	if (err < 0 || err >= IPC_E__COUNT || !err_text[err])
		return "unknown ipc error";
	return err_text[err];
}

void
ipc_addr_from_v4(struct ipc_addr *a, uint32_t be_addr)
{
	memset(a, 0, sizeof(*a));
	a->len = 4;
	memcpy(a->b, &be_addr, 4);	/* already in network order */
}

uint32_t
ipc_addr_to_v4(const struct ipc_addr *a)
{
	uint32_t be = 0;

	if (a->len == 4)
		memcpy(&be, a->b, 4);
	return be;
}
