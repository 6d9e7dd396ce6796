/* Lowest-free allocator against a naive reference. */
#include <stdlib.h>

#include "harness.h"
#include "idpool.h"

static void
test_basic(void)
{
	struct idpool p;
	CHECK_EQ(idpool_init(&p, 130), 0);
	for (int i = 0; i < 130; i++)
		CHECK_EQ(idpool_alloc(&p), i);
	CHECK_EQ(idpool_alloc(&p), -1);
	idpool_release(&p, 70);
	idpool_release(&p, 3);
	CHECK_EQ(idpool_alloc(&p), 3);
	CHECK_EQ(idpool_alloc(&p), 70);
	CHECK(!idpool_take(&p, 70));
	CHECK(!idpool_take(&p, 130));
	idpool_release(&p, 129);
	CHECK(idpool_take(&p, 129));
	CHECK_EQ(p.used, 130);
	idpool_free(&p);
}

static void
test_random(void)
{
	enum { N = 1000 };
	struct idpool p;
	char ref[N] = { 0 };
	int ok = 1;
	idpool_init(&p, N);
	srand(3);
	for (int round = 0; round < 200000; round++) {
		int op = rand() % 3;
		if (op == 0) {
			int want = -1;
			for (int i = 0; i < N; i++)
				if (!ref[i]) {
					want = i;
					break;
				}
			int64_t got = idpool_alloc(&p);
			ok &= got == want;
			if (want >= 0)
				ref[want] = 1;
		} else if (op == 1) {
			int id = rand() % N;
			ref[id] = 0;
			idpool_release(&p, (uint32_t)id);
		} else {
			int id = rand() % (N + 10);
			bool want = id < N && !ref[id];
			ok &= idpool_take(&p, (uint32_t)id) == want;
			if (want)
				ref[id] = 1;
		}
	}
	int used = 0;
	for (int i = 0; i < N; i++) {
		used += ref[i];
		ok &= idpool_is_used(&p, (uint32_t)i) == (bool)ref[i];
	}
	CHECK(ok);
	CHECK_EQ(p.used, used);
	idpool_free(&p);
}

int
main(void)
{
	test_basic();
	test_random();
	return harness_done("idpool");
}
