/* tests/unit/include/test_time.h - the slowdown factor a test's wall-clock bounds are stretched by. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_TEST_TIME_H
#define HGW_TEST_TIME_H

#include <stdlib.h>

/*
 * HGW_TEST_TIME_SCALE=k (scripts/test sets 10 under valgrind) multiplies
 * every wall-clock bound a test waits for: a bound says "this must happen
 * well within protocol time", never "this machine is fast enough".
 */
static inline __attribute__((unused)) unsigned
test_time_scale(void)
{
	const char *s = getenv("HGW_TEST_TIME_SCALE");
	int	    k = s ? atoi(s) : 1;

	return k >= 1 && k <= 1000 ? (unsigned)k : 1;
}

#endif
