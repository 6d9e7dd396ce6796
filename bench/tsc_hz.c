/*
 * dpvpn-tsc-hz: prints the TSC rate in Hz, one integer line, so scripts can
 * turn CPU seconds (e.g. a process's utime + stime) into TSC cycles that
 * compare with the dataplane's busy cycles.
 */
#include <inttypes.h>
#include <stdio.h>

#include "tsc.h"

int
main(void)
{
	printf("%" PRIu64 "\n", bench_tsc_hz());
	return 0;
}
