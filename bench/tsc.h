/*
 * bench/tsc.h: the benchmarks' clock. Every cost in docs/benchmarks.md is in
 * TSC cycles, so the tools read the TSC directly and convert with a rate
 * measured here (the dataplane uses DPDK's rte_get_tsc_hz(); tools without
 * DPDK use this).
 */
#ifndef DPVPN_BENCH_TSC_H
#define DPVPN_BENCH_TSC_H

#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

/*
 * The TSC, fenced on both sides: the first lfence keeps earlier work from
 * finishing after the read, the second keeps later work from starting
 * before it, so a pair of reads brackets exactly the code between them.
 */
static inline uint64_t
bench_rdtsc(void)
{
	_mm_lfence();
	uint64_t t = __rdtsc();
	_mm_lfence();
	return t;
}

/* CLOCK_MONOTONIC_RAW: not slewed by NTP, so it is the honest reference. */
static inline uint64_t
bench_raw_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * TSC ticks over one window against the raw clock. Sleeping is fine: an
 * invariant TSC (constant_tsc, nonstop_tsc) keeps counting while idle.
 */
static inline double
bench_tsc_hz_once(uint64_t window_ns)
{
	uint64_t n0 = bench_raw_ns(), c0 = bench_rdtsc();
	struct timespec req = { .tv_sec = 0, .tv_nsec = (long)window_ns };
	while (nanosleep(&req, &req) != 0)
		;
	uint64_t c1 = bench_rdtsc(), n1 = bench_raw_ns();
	return (double)(c1 - c0) * 1e9 / (double)(n1 - n0);
}

/*
 * The TSC rate in Hz: the median of 3 windows of 70 ms, so one window
 * stretched by preemption between the paired reads cannot skew it.
 */
static inline uint64_t
bench_tsc_hz(void)
{
	double w[3], t;
	for (int i = 0; i < 3; i++)
		w[i] = bench_tsc_hz_once(70000000);
	for (int i = 1; i < 3; i++)	/* insertion sort of three */
		for (int j = i; j > 0 && w[j - 1] > w[j]; j--)
			t = w[j], w[j] = w[j - 1], w[j - 1] = t;
	return (uint64_t)(w[1] + 0.5);
}

#endif
