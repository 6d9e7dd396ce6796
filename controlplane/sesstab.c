#include "sesstab.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

struct sesstab {
	struct sess_entry *e;		/* dense array, [0, n) used */
	uint32_t *bucket;		/* hash -> index + 1 (0 = empty), open addressing */
	size_t n, cap, nbuckets;
};

static uint32_t
hash_id(const uint8_t id[SESS_ID_LEN])
{
	uint32_t h = 2166136261u;	/* FNV-1a: ids are random already */
	for (int i = 0; i < SESS_ID_LEN; i++)
		h = (h ^ id[i]) * 16777619u;
	return h;
}

struct sesstab *
sesstab_new(size_t max_entries)
{
	struct sesstab *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cap = max_entries ? max_entries : 1;
	t->nbuckets = 16;
	while (t->nbuckets < 2 * t->cap)
		t->nbuckets *= 2;
	t->e = calloc(t->cap, sizeof(*t->e));
	t->bucket = calloc(t->nbuckets, sizeof(*t->bucket));
	if (!t->e || !t->bucket) {
		sesstab_free(t);
		return NULL;
	}
	return t;
}

void
sesstab_free(struct sesstab *t)
{
	if (!t)
		return;
	free(t->e);
	free(t->bucket);
	free(t);
}

/* The bucket holding id, or the empty one where it would go. */
static size_t
slot_of(const struct sesstab *t, const uint8_t id[SESS_ID_LEN])
{
	size_t mask = t->nbuckets - 1, b = hash_id(id) & mask;
	while (t->bucket[b] && memcmp(t->e[t->bucket[b] - 1].id, id, SESS_ID_LEN))
		b = (b + 1) & mask;
	return b;
}

/* Rebuilds the index (after a removal moved entries): removals are rare. */
static void
reindex(struct sesstab *t)
{
	memset(t->bucket, 0, t->nbuckets * sizeof(*t->bucket));
	for (size_t i = 0; i < t->n; i++)
		t->bucket[slot_of(t, t->e[i].id)] = (uint32_t)i + 1;
}

static void
remove_at(struct sesstab *t, size_t i)
{
	t->e[i] = t->e[--t->n];
}

struct sess_entry *
sesstab_find(struct sesstab *t, const uint8_t id[SESS_ID_LEN])
{
	uint32_t v = t->bucket[slot_of(t, id)];
	return v ? &t->e[v - 1] : NULL;
}

void
sesstab_expire(struct sesstab *t, uint64_t now)
{
	size_t before = t->n;
	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].expires && t->e[i].expires <= now && !t->e[i].in_use)
			remove_at(t, i--);
	if (t->n != before)
		reindex(t);
}

/* Full: the oldest valid session nobody uses makes room (revoked ones must stay). */
static bool
make_room(struct sesstab *t)
{
	size_t victim = t->n;
	for (size_t i = 0; i < t->n; i++)
		if (!t->e[i].in_use && !t->e[i].revoked
			&& (victim == t->n || t->e[i].created < t->e[victim].created))
			victim = i;
	if (victim == t->n)
		return false;
	remove_at(t, victim);
	reindex(t);
	return true;
}

static void
safe_id(const uint8_t id[SESS_ID_LEN], char out[SESS_SAFE_LEN + 1])
{
	uint8_t md[SHA_DIGEST_LENGTH];
	SHA1(id, SESS_ID_LEN, md);
	EVP_EncodeBlock((unsigned char *)out, md, sizeof(md));
}

struct sess_entry *
sesstab_touch(struct sesstab *t, const uint8_t id[SESS_ID_LEN], uint64_t created,
	uint64_t lifetime, uint64_t now)
{
	struct sess_entry *e = sesstab_find(t, id);
	if (e)
		return e;
	if (t->n == t->cap) {
		sesstab_expire(t, now);
		if (t->n == t->cap && !make_room(t))
			return NULL;
	}
	e = &t->e[t->n];
	memset(e, 0, sizeof(*e));
	memcpy(e->id, id, SESS_ID_LEN);
	safe_id(id, e->safe_id);
	e->created = created;
	e->expires = lifetime ? created + lifetime : 0;
	t->bucket[slot_of(t, id)] = (uint32_t)++t->n;
	return e;
}

size_t
sesstab_match(struct sesstab *t, const char *prefix, uint64_t now, struct sess_entry **out,
	size_t cap)
{
	size_t n = 0, len = strlen(prefix);
	for (size_t i = 0; i < t->n; i++) {
		struct sess_entry *e = &t->e[i];
		if (e->revoked || (e->expires && e->expires <= now) || !len
			|| strncmp(e->safe_id, prefix, len))
			continue;
		if (n < cap)
			out[n] = e;
		n++;
	}
	return n;
}

struct sess_entry *
sesstab_at(struct sesstab *t, size_t i)
{
	return i < t->n ? &t->e[i] : NULL;
}

size_t
sesstab_count(const struct sesstab *t)
{
	return t->n;
}
