/* tests/unit/lib/test_pool.c - lib/pool.c: indices, zeroed items, reuse, stability, the max, fini. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/pool.h"

struct item {
	uint32_t a, b;
	uint64_t c;
};

static void
test_new_is_zeroed_and_distinct(void **state)
{
	struct pool  pl;
	uint32_t     i, j;
	struct item *x, *y;

	pool_init(&pl, sizeof(struct item), 0);
	assert_null(pool_item_at(&pl, 0));
	assert_int_equal(pool_bytes(&pl), 0); /* nothing before the first item */
	i = pool_item_new(&pl);
	j = pool_item_new(&pl);
	assert_int_not_equal(i, 0);
	assert_int_not_equal(j, 0);
	assert_int_not_equal(i, j);
	x = pool_item_at(&pl, i);
	y = pool_item_at(&pl, j);
	assert_ptr_not_equal(x, y);
	assert_true(x->a == 0 && x->b == 0 && x->c == 0);
	x->a = 1, x->b = 2, x->c = 3;
	y->a = 4;
	assert_int_equal(((struct item *)pool_item_at(&pl, i))->c, 3);
	assert_int_equal(pl.used, 2);
	/* a freed item comes back zeroed, under the same index (LIFO) */
	pool_item_free(&pl, i);
	assert_int_equal(pl.used, 1);
	assert_int_equal(pool_item_new(&pl), i);
	x = pool_item_at(&pl, i);
	assert_true(x->a == 0 && x->b == 0 && x->c == 0);
	assert_int_equal(((struct item *)pool_item_at(&pl, j))->a, 4);
	pool_item_free(&pl, 0); /* ignored */
	assert_int_equal(pl.used, 2);
	pool_fini(&pl);
}

/* Items never move when the pool grows: pointers taken early stay valid. */
static void
test_growth_keeps_items(void **state)
{
	struct pool    pl;
	const uint32_t n = 5 * POOL_ITEMS + 17;
	uint32_t      *idx = calloc(n, sizeof(*idx));
	struct item  **ptr = calloc(n, sizeof(*ptr));

	assert_non_null(idx);
	assert_non_null(ptr);
	pool_init(&pl, sizeof(struct item), 0);
	for (uint32_t k = 0; k < n; k++) {
		idx[k] = pool_item_new(&pl);
		assert_int_not_equal(idx[k], 0);
		ptr[k] = pool_item_at(&pl, idx[k]);
		ptr[k]->a = k;
		ptr[k]->c = ~(uint64_t)k;
	}
	for (uint32_t k = 0; k < n; k++) {
		assert_ptr_equal(pool_item_at(&pl, idx[k]), ptr[k]);
		assert_int_equal(ptr[k]->a, k);
		assert_true(ptr[k]->c == ~(uint64_t)k);
	}
	assert_true(pool_bytes(&pl) >= (size_t)n * sizeof(struct item));
	/* free every other one, take them again: no new block is needed */
	size_t bytes = pool_bytes(&pl);

	for (uint32_t k = 0; k < n; k += 2)
		pool_item_free(&pl, idx[k]);
	for (uint32_t k = 0; k < n; k += 2)
		assert_int_not_equal(pool_item_new(&pl), 0);
	assert_int_equal(pool_bytes(&pl), bytes);
	assert_int_equal(pl.used, n);
	pool_fini(&pl);
	assert_int_equal(pool_bytes(&pl), 0);
	/* reusable after fini, same item size */
	assert_int_not_equal(pool_item_new(&pl), 0);
	pool_fini(&pl);
	free(idx);
	free(ptr);
}

static void
test_max_and_tiny_items(void **state)
{
	struct pool pl;

	pool_init(&pl, 1, 3); /* raised to hold a free-list link */
	assert_true(pl.size >= sizeof(uint32_t));
	assert_int_equal(pool_item_new(&pl), 1);
	assert_int_equal(pool_item_new(&pl), 2);
	assert_int_equal(pool_item_new(&pl), 3);
	assert_int_equal(pool_item_new(&pl), 0); /* the max is reached */
	pool_item_free(&pl, 2);
	assert_int_equal(pool_item_new(&pl), 2); /* a freed one is still fine */
	assert_int_equal(pool_item_new(&pl), 0);
	pool_fini(&pl);
	assert_int_equal(pl.max, 3); /* kept for reuse */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_is_zeroed_and_distinct),
		cmocka_unit_test(test_growth_keeps_items),
		cmocka_unit_test(test_max_and_tiny_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
