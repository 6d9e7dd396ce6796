/*
 * Fuzz target for the IPC decoder. Any input must be either refused or
 * decoded into a message that re-encodes and decodes to the same struct,
 * and whose encoding is a fixed point (canonical form). A COUNTERS message
 * is also read name by name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "ipc_counters.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t fuzz_seed(unsigned idx, uint8_t *buf, size_t cap);

/* The control plane reads COUNTERS groups name by name: names must be clean. */
static void
check_counter(void *arg, const char *name, uint64_t value)
{
	(void)arg;
	(void)value;
	if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(name))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ipc_msg a, b;	/* static: ~2 KB each, keep stack small */
	static uint8_t enc[IPC_MSG_MAX], enc2[IPC_MSG_MAX];

	if (ipc_decode(data, size, &a) < 0)
		return 0;
	if (a.type == IPC_COUNTERS)
		ipc_counters_each(&a.u.counters, check_counter, NULL);
	/* A message that passed validation must always fit IPC_MSG_MAX. */
	int n = ipc_encode(&a, enc, sizeof(enc));
	if (n <= 0 || ipc_decode(enc, (size_t)n, &b) < 0)
		abort();
	if (memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	if (ipc_encode(&b, enc2, sizeof(enc2)) != n || memcmp(enc, enc2, (size_t)n) != 0)
		abort();
	return 0;
}

/* ---- valid seeds for the standalone driver's mutations ---- */

static uint64_t
mix(unsigned idx, unsigned k)
{
	uint64_t x = ((uint64_t)idx << 8 | k) * 0x9E3779B97F4A7C15ull;
	return x ^ x >> 31;
}

/* Lengths and values vary with idx, so seeds cover edges (0, max). */
#define F_U8(n, d)	s->n = (uint8_t)mix(idx, k++);
#define F_U16(n, d)	s->n = (uint16_t)mix(idx, k++);
#define F_U32(n, d)	s->n = (uint32_t)mix(idx, k++);
#define F_U64(n, d)	s->n = mix(idx, k++);
#define F_ADDR(n, d) \
	s->n.len = (mix(idx, k) & 1) ? 16 : 4; \
	memset(s->n.b, (int)mix(idx, k++), s->n.len);
#define F_BIN(n, max, d) \
	s->n.len = (uint16_t)(mix(idx, k) % ((max) + 1)); \
	memset(s->n.b, (int)mix(idx, k++), s->n.len);
#define F_STR(n, max, d) \
	memset(s->n, 'a' + (int)(mix(idx, k) % 26), mix(idx, k + 1) % ((max) + 1)); k += 2;
#define IPC_MSG(id, NAME, name, dir, doc, fields) \
	case id: { \
		struct ipc_##name *s = &m->u.name; \
		fields \
		break; \
	}

static void
seed_fill(struct ipc_msg *m, unsigned idx)
{
	unsigned k = 0;

	switch (m->type) {
#include "ipc_msgs.def"
	}
}
#undef IPC_MSG

#define IPC_MSG(id, NAME, name, dir, doc, fields) id,
static const uint32_t seed_types[] = {
#include "ipc_msgs.def"
};

size_t
fuzz_seed(unsigned idx, uint8_t *buf, size_t cap)
{
	static struct ipc_msg m;

	memset(&m, 0, sizeof(m));
	m.type = seed_types[idx % (sizeof(seed_types) / sizeof(seed_types[0]))];
	seed_fill(&m, idx);
	int n = ipc_encode(&m, buf, cap);
	return n > 0 ? (size_t)n : 0;
}
