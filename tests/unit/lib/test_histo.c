/* tests/unit/lib/test_histo.c - cumulative buckets, sum, count and refused bounds of lib/histo. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/histo.h"

static const uint64_t bounds[] = { 1000, 10000, 100000 };

static void
test_buckets(void **state)
{
	struct histo h;

	assert_int_equal(histo_init(&h, bounds, 3), 0);
	histo_add(&h, 0);
	histo_add(&h, 1000); /* le is inclusive */
	histo_add(&h, 1001);
	histo_add(&h, 99999);
	histo_add(&h, 5000000); /* only +Inf */
	assert_int_equal(histo_cumulative(&h, 0), 2);
	assert_int_equal(histo_cumulative(&h, 1), 3);
	assert_int_equal(histo_cumulative(&h, 2), 4);
	assert_int_equal(h.count, 5);
	assert_int_equal(h.sum_us, 0 + 1000 + 1001 + 99999 + 5000000);
}

static void
test_bad_bounds(void **state)
{
	static const uint64_t down[] = { 10, 5 }, same[] = { 7, 7 };
	uint64_t	      many[HISTO_MAX + 1];
	struct histo	      h;

	for (size_t i = 0; i <= HISTO_MAX; i++)
		many[i] = i + 1;
	assert_int_equal(histo_init(&h, down, 2), -EINVAL);
	assert_int_equal(histo_init(&h, same, 2), -EINVAL);
	assert_int_equal(histo_init(&h, bounds, 0), -EINVAL);
	assert_int_equal(histo_init(&h, many, HISTO_MAX + 1), -EINVAL);
	assert_int_equal(histo_init(&h, many, HISTO_MAX), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_bad_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
