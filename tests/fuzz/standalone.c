/*
 * Runs a libFuzzer-style target without libFuzzer: every file named on the
 * command line is fed once, then N pseudo-random inputs (default 100000),
 * half of them mutations of the seeds. Lets CI exercise each fuzz target
 * with gcc; build with -Dfuzz=true for real coverage-guided fuzzing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: a target may provide valid seed inputs to mutate. */
size_t fuzz_seed(unsigned idx, uint8_t *buf, size_t cap) __attribute__((weak));

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void
run_file(const char *path)
{
	static uint8_t buf[1 << 16];
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
}

static size_t
make_input(uint8_t *buf, size_t cap)
{
	size_t n = 0;
	if (fuzz_seed && (rng() & 1)) {
		n = fuzz_seed((unsigned)rng(), buf, cap);
		if (n > 0) {
			unsigned flips = 1 + rng() % 4;
			for (unsigned i = 0; i < flips; i++)
				buf[rng() % n] ^= (uint8_t)(1u << (rng() % 8));
			if (rng() % 4 == 0)
				n = rng() % (n + 1);	/* truncate */
			return n;
		}
	}
	n = rng() % cap;
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)rng();
	return n;
}

int
main(int argc, char **argv)
{
	long iters = 100000;
	static uint8_t buf[4096];

	for (int i = 1; i < argc; i++) {
		char *end;
		long v = strtol(argv[i], &end, 10);
		if (*end == '\0')
			iters = v;
		else
			run_file(argv[i]);
	}
	for (long i = 0; i < iters; i++) {
		size_t n = make_input(buf, sizeof(buf));
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("fuzz: %ld inputs, no crash\n", iters);
	return 0;
}
