/* The session registry behind dpvpnctl's show sessions / terminate. */
#include <string.h>

#include "harness.h"
#include "sesstab.h"

static void
id_of(uint8_t id[SESS_ID_LEN], int n)
{
	memset(id, 0, SESS_ID_LEN);
	id[0] = (uint8_t)n;
	id[5] = (uint8_t)(n >> 8);
}

static void
test_touch_find_expire(void)
{
	struct sesstab *t = sesstab_new(4);
	uint8_t a[SESS_ID_LEN], b[SESS_ID_LEN];
	id_of(a, 1);
	id_of(b, 2);
	struct sess_entry *e = sesstab_touch(t, a, 1000, 3600, 1000);
	CHECK(e != NULL);
	CHECK_EQ(strlen(e->safe_id), 28);
	CHECK_EQ(e->expires, 4600);
	CHECK(sesstab_touch(t, a, 9999, 1, 2000) == e);	/* the same session: unchanged */
	CHECK_EQ(e->created, 1000);
	CHECK(sesstab_find(t, b) == NULL);
	CHECK(sesstab_touch(t, b, 1000, 0, 1000) != NULL);	/* lifetime 0: never expires */
	CHECK_EQ(sesstab_find(t, b)->expires, 0);
	sesstab_find(t, a)->in_use = 1;
	sesstab_expire(t, 5000);
	CHECK(sesstab_find(t, a) != NULL);	/* expired but in use: stays */
	sesstab_find(t, a)->in_use = 0;
	sesstab_expire(t, 5000);
	CHECK(sesstab_find(t, a) == NULL);
	CHECK(sesstab_find(t, b) != NULL);
	CHECK_EQ(sesstab_count(t), 1);
	sesstab_free(t);
}

static void
test_full_keeps_revoked(void)
{
	struct sesstab *t = sesstab_new(3);
	uint8_t id[SESS_ID_LEN];
	for (int i = 0; i < 3; i++) {
		id_of(id, i);
		CHECK(sesstab_touch(t, id, 100 + (uint64_t)i, 0, 200) != NULL);
	}
	id_of(id, 0);
	sesstab_find(t, id)->revoked = true;	/* terminated: must not be forgotten */
	id_of(id, 2);
	sesstab_find(t, id)->in_use = 1;
	id_of(id, 3);
	CHECK(sesstab_touch(t, id, 300, 0, 300) != NULL);	/* the oldest valid unused (1) goes */
	id_of(id, 1);
	CHECK(sesstab_find(t, id) == NULL);
	id_of(id, 0);
	CHECK(sesstab_find(t, id) != NULL && sesstab_find(t, id)->revoked);
	id_of(id, 3);
	sesstab_find(t, id)->revoked = true;
	id_of(id, 4);
	CHECK(sesstab_touch(t, id, 400, 0, 400) == NULL);	/* only revoked / in use left */
	sesstab_free(t);
}

static void
test_match(void)
{
	struct sesstab *t = sesstab_new(64);
	uint8_t id[SESS_ID_LEN];
	struct sess_entry *m[4];
	for (int i = 0; i < 50; i++) {
		id_of(id, i);
		sesstab_touch(t, id, 10, 0, 10);
	}
	id_of(id, 7);
	struct sess_entry *e = sesstab_find(t, id);
	char prefix[7];
	snprintf(prefix, sizeof(prefix), "%.6s", e->safe_id);
	CHECK_EQ(sesstab_match(t, prefix, 10, m, 4), 1);
	CHECK(m[0] == e);
	CHECK_EQ(sesstab_match(t, e->safe_id, 10, m, 4), 1);
	CHECK_EQ(sesstab_match(t, "", 10, m, 4), 0);	/* an empty prefix matches nothing */
	e->revoked = true;
	CHECK_EQ(sesstab_match(t, prefix, 10, m, 4), 0);
	for (int i = 0; i < 50; i++) {	/* every id still found after the moves */
		id_of(id, i);
		CHECK(sesstab_find(t, id) != NULL);
	}
	sesstab_free(t);
}

int
main(void)
{
	test_touch_find_expire();
	test_full_keeps_revoked();
	test_match();
	return harness_done("sesstab");
}
