/*
 * Minimal test harness: every check prints both values on failure, and a
 * test binary exits 0 only when all its checks passed (libuv style).
 */
#ifndef DPVPN_TEST_HARNESS_H
#define DPVPN_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int harness_failures;
static int harness_checks;

#define CHECK(cond) do { \
	harness_checks++; \
	if (!(cond)) { \
		harness_failures++; \
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_EQ(a, b) do { \
	long long va_ = (long long)(a), vb_ = (long long)(b); \
	harness_checks++; \
	if (va_ != vb_) { \
		harness_failures++; \
		fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", \
			__FILE__, __LINE__, #a, #b, va_, vb_); \
	} \
} while (0)

#define CHECK_MEM(a, b, n) do { \
	harness_checks++; \
	if (memcmp((a), (b), (n)) != 0) { \
		harness_failures++; \
		fprintf(stderr, "%s:%d: memcmp(%s, %s, %zu) differs\n", \
			__FILE__, __LINE__, #a, #b, (size_t)(n)); \
	} \
} while (0)

/* Strings, NULL-safe; both printed on their own lines (they may be long). */
#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	harness_checks++; \
	if (!g_ || !w_ || strcmp(g_, w_)) { \
		harness_failures++; \
		fprintf(stderr, "%s:%d: %s == %s failed:\n--- got:\n%s\n--- want:\n%s\n---\n", \
			__FILE__, __LINE__, #got, #want, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} \
} while (0)

static inline int
harness_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, harness_checks, harness_failures);
	return harness_failures ? 1 : 0;
}

#endif
