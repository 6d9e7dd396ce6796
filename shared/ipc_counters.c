#include "ipc_counters.h"

#include "be64.h"

#include <stdbool.h>
#include <string.h>

#define NAMES_CAP (sizeof(((struct ipc_counters *)0)->names) - 1)
#define VALUES_CAP (sizeof(((struct ipc_counters *)0)->values.b))

static bool
name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool
name_ok(const char *n, size_t len)
{
	if (len == 0 || len >= IPC_COUNTER_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char_ok(n[i]))
			return false;
	return true;
}

static void
copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strnlen(src, cap - 1) : 0;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

int
ipc_counters_pack(const struct ipc_counter_group *g, uint32_t cookie, unsigned *next,
	struct ipc_msg *m)
{
	struct ipc_counters *c = &m->u.counters;
	size_t names_len = 0;
	int rc = 0;
	memset(m, 0, sizeof(*m));
	m->type = IPC_COUNTERS;
	c->cookie = cookie;
	c->index = g->index;
	copy_str(c->kind, sizeof(c->kind), g->kind);
	copy_str(c->role, sizeof(c->role), g->role);
	copy_str(c->name, sizeof(c->name), g->name);
	for (; *next < g->n; (*next)++) {
		const char *n = g->names[*next];
		size_t len = n ? strlen(n) : 0;
		if (!name_ok(n, len)) {
			rc = -1;
			continue;
		}
		size_t need = len + (names_len ? 1 : 0);
		if (names_len + need > NAMES_CAP || c->values.len + 8u > VALUES_CAP)
			break;
		if (names_len)
			c->names[names_len++] = ',';
		memcpy(c->names + names_len, n, len);
		names_len += len;
		put_be64(c->values.b + c->values.len, g->values[*next]);
		c->values.len += 8;
	}
	c->names[names_len] = '\0';
	return rc;
}

int
ipc_counters_each(const struct ipc_counters *c,
	void (*fn)(void *arg, const char *name, uint64_t value), void *arg)
{
	size_t len = strnlen(c->names, sizeof(c->names));
	unsigned count = 0;
	if (c->values.len % 8)
		return -1;
	/* first pass validates, so a bad message calls nothing */
	for (size_t i = 0; i < len;) {
		size_t e = i;
		while (e < len && c->names[e] != ',')
			e++;
		if (!name_ok(c->names + i, e - i))
			return -1;
		count++;
		i = e + 1;
		if (e < len && i == len)
			return -1;	/* trailing comma */
	}
	if (count != c->values.len / 8u)
		return -1;
	char name[IPC_COUNTER_NAME_MAX];
	unsigned k = 0;
	for (size_t i = 0; i < len; k++) {
		size_t e = i;
		while (e < len && c->names[e] != ',')
			e++;
		memcpy(name, c->names + i, e - i);
		name[e - i] = '\0';
		fn(arg, name, get_be64(c->values.b + 8u * k));
		i = e + 1;
	}
	return (int)count;
}
