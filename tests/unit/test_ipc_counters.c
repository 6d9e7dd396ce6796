/*
 * COUNTERS packing (ipc_counters.c): groups split over messages that each
 * encode within IPC_MSG_MAX, read back name by name; malformed name lists
 * refused before anything is reported.
 */
#include "ipc_counters.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

struct seen {
	unsigned n;
	char names[400][IPC_COUNTER_NAME_MAX];
	uint64_t values[400];
};

static void
record(void *arg, const char *name, uint64_t v)
{
	struct seen *s = arg;
	if (s->n < 400) {
		snprintf(s->names[s->n], IPC_COUNTER_NAME_MAX, "%s", name);
		s->values[s->n++] = v;
	}
}

/* Packs g until done, checks each message encodes and decodes; collects what comes back. */
static unsigned
round_trip(const struct ipc_counter_group *g, struct seen *out)
{
	static struct ipc_msg m, back;
	static uint8_t buf[IPC_MSG_MAX];
	unsigned next = 0, msgs = 0;
	out->n = 0;
	do {
		ipc_counters_pack(g, 77, &next, &m);
		int len = ipc_encode(&m, buf, sizeof(buf));
		CHECK(len > 0);
		CHECK_EQ(ipc_decode(buf, (size_t)(len > 0 ? len : 0), &back), 0);
		CHECK_EQ(back.type, IPC_COUNTERS);
		CHECK_EQ(back.u.counters.cookie, 77);
		CHECK_EQ(back.u.counters.index, g->index);
		CHECK(!strcmp(back.u.counters.kind, g->kind));
		CHECK(!strcmp(back.u.counters.role, g->role));
		CHECK(ipc_counters_each(&back.u.counters, record, out) >= 0);
		msgs++;
	} while (next < g->n && msgs < 100);
	return msgs;
}

static void
test_small_group(void)
{
	const char *names[] = { "rx_outside", "busy_tsc", "cycles_per_packet" };
	const uint64_t values[] = { 12, UINT64_MAX, 0 };
	const struct ipc_counter_group g = { "lcore", 3, "worker", "", 3, names, values };
	struct seen *s = calloc(1, sizeof(*s));
	CHECK_EQ(round_trip(&g, s), 1);
	CHECK_EQ(s->n, 3);
	for (unsigned i = 0; i < 3 && i < s->n; i++) {
		CHECK(!strcmp(s->names[i], names[i]));
		CHECK(s->values[i] == values[i]);
	}
	free(s);
}

/* More names than one message holds: split, nothing lost, order kept. */
static void
test_split(void)
{
	static char storage[300][40];
	static const char *names[300];
	static uint64_t values[300];
	for (unsigned i = 0; i < 300; i++) {
		snprintf(storage[i], sizeof(storage[i]), "counter_with_a_long_name_%u", i);
		names[i] = storage[i];
		values[i] = (uint64_t)i * 0x0102030405ull;
	}
	const struct ipc_counter_group g = { "drops", 0, "", "", 300, names, values };
	struct seen *s = calloc(1, sizeof(*s));
	unsigned msgs = round_trip(&g, s);
	CHECK(msgs >= 3);	/* 300 x 8 bytes do not fit 1024 */
	CHECK_EQ(s->n, 300);
	for (unsigned i = 0; i < 300 && i < s->n; i++) {
		CHECK(!strcmp(s->names[i], names[i]));
		CHECK(s->values[i] == values[i]);
	}
	free(s);
}

/* A name that cannot travel is skipped and reported, the rest still go. */
static void
test_bad_names_skipped(void)
{
	const char *names[] = { "ok_one", "", "Bad-Name", NULL, "ok_two",
		"this_name_is_far_too_long_to_be_a_counter_name_at_all" };
	const uint64_t values[] = { 1, 2, 3, 4, 5, 6 };
	const struct ipc_counter_group g = { "stats", 0, "", "", 6, names, values };
	static struct ipc_msg m;
	unsigned next = 0;
	struct seen *s = calloc(1, sizeof(*s));
	CHECK_EQ(ipc_counters_pack(&g, 1, &next, &m), -1);
	CHECK_EQ(next, 6);
	CHECK_EQ(ipc_counters_each(&m.u.counters, record, s), 2);
	CHECK(!strcmp(s->names[0], "ok_one") && s->values[0] == 1);
	CHECK(!strcmp(s->names[1], "ok_two") && s->values[1] == 5);
	free(s);
}

/* Received messages whose names and values disagree report nothing. */
static void
test_malformed_refused(void)
{
	static const struct {
		const char *names;
		unsigned n_values;
		int want;
	} rows[] = {
		{ "", 0, 0 },
		{ "a", 1, 1 },
		{ "a,b", 2, 2 },
		{ "a,b", 1, -1 },		/* fewer values */
		{ "a", 2, -1 },			/* more values */
		{ "", 1, -1 },
		{ "a,", 1, -1 },		/* trailing comma */
		{ ",a", 1, -1 },		/* empty name */
		{ "a,,b", 2, -1 },
		{ "A", 1, -1 },			/* not [a-z0-9_] */
		{ "a b", 1, -1 },
		{ "a\xff", 1, -1 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		static struct ipc_counters c;
		struct seen *s = calloc(1, sizeof(*s));
		memset(&c, 0, sizeof(c));
		snprintf(c.names, sizeof(c.names), "%s", rows[i].names);
		c.values.len = (uint16_t)(8 * rows[i].n_values);
		int got = ipc_counters_each(&c, record, s);
		if (got != rows[i].want)
			fprintf(stderr, "row %zu '%s'\n", i, rows[i].names);
		CHECK_EQ(got, rows[i].want);
		CHECK_EQ(s->n, rows[i].want > 0 ? (unsigned)rows[i].want : 0);
		free(s);
	}
	static struct ipc_counters odd;
	snprintf(odd.names, sizeof(odd.names), "a");
	odd.values.len = 7;	/* not whole values */
	CHECK_EQ(ipc_counters_each(&odd, record, &(struct seen){ 0 }), -1);
}

int
main(void)
{
	test_small_group();
	test_split();
	test_bad_names_skipped();
	test_malformed_refused();
	return harness_done("ipc_counters");
}
