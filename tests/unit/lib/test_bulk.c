/* tests/unit/lib/test_bulk.c - lib/bulk.c: aligned zeroed pieces, extents, limits, fini; a pool past its bulk threshold. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lib/bulk.h"
#include "lib/pool.h"

static void
test_pieces_aligned_zeroed_distinct(void **state)
{
	struct bulk b;
	char	   *p, *q;

	(void)state;
	memset(&b, 0, sizeof(b));
	assert_int_equal(bulk_bytes(&b), 0);
	p = bulk_alloc(&b, 100);
	q = bulk_alloc(&b, 1);
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal((uintptr_t)p % 64, 0);
	assert_int_equal((uintptr_t)q % 64, 0);
	assert_true(q >= p + 100); /* rounded up, no overlap */
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0xa5, 100);
	assert_int_equal(q[0], 0);
	/* the extent is aligned to its size (what huge pages need) */
	assert_int_equal((uintptr_t)p % BULK_EXTENT, 0);
	assert_true(bulk_bytes(&b) >= BULK_EXTENT);
	bulk_fini(&b);
	assert_int_equal(bulk_bytes(&b), 0);
	assert_null(b.ext);
}

static void
test_limits_and_new_extents(void **state)
{
	struct bulk b;
	char	   *p, *q;

	(void)state;
	memset(&b, 0, sizeof(b));
	assert_null(bulk_alloc(&b, 0));
	assert_null(bulk_alloc(&b, BULK_EXTENT + 1));
	p = bulk_alloc(&b, BULK_EXTENT); /* a whole extent */
	assert_non_null(p);
	p[BULK_EXTENT - 1] = 1; /* all of it is writable */
	q = bulk_alloc(&b, 64); /* no room left: a second extent */
	assert_non_null(q);
	assert_int_equal(b.n, 2);
	assert_true(q < p || q >= p + BULK_EXTENT);
	for (int i = 0; i < 20; i++) /* the extent list grows */
		assert_non_null(bulk_alloc(&b, BULK_EXTENT));
	assert_int_equal(b.n, 22);
	bulk_fini(&b);
	/* reusable after fini */
	assert_non_null(bulk_alloc(&b, 64));
	bulk_fini(&b);
}

struct item {
	uint32_t a, b;
	uint64_t c;
};

/* A pool past POOL_BULK_AFTER blocks takes them from its bulk; items stay
 * where they are, indices keep working, fini gives everything back. */
static void
test_pool_past_bulk_threshold(void **state)
{
	struct pool  pl;
	uint32_t     n = (POOL_BULK_AFTER + 8) * POOL_ITEMS, i, first;
	struct item *it, *keep;

	(void)state;
	pool_init(&pl, sizeof(struct item), 0);
	first = pool_item_new(&pl);
	keep = pool_item_at(&pl, first);
	keep->c = 42;
	for (i = 1; i < n; i++) {
		uint32_t x = pool_item_new(&pl);

		assert_int_equal(x, i + 1);
		it = pool_item_at(&pl, x);
		assert_int_equal(it->a | it->b | it->c, 0); /* zeroed */
		it->a = x;
	}
	assert_int_equal(pl.nmalloc, POOL_BULK_AFTER);
	assert_true(pl.nblocks > pl.nmalloc);
	assert_true(pl.bulk.n >= 1);
	assert_ptr_equal(pool_item_at(&pl, first), keep);
	assert_int_equal(keep->c, 42);
	for (i = 2; i <= n; i += 997)
		assert_int_equal(((struct item *)pool_item_at(&pl, i))->a, i);
	pool_item_free(&pl, n);
	assert_int_equal(pool_item_new(&pl), n); /* reused */
	assert_true(pool_bytes(&pl) >= (size_t)n * sizeof(struct item));
	pool_fini(&pl);
	assert_int_equal(pool_bytes(&pl), 0);
	assert_int_equal(pl.nmalloc, 0);
	assert_int_equal(pool_item_new(&pl), 1); /* reusable */
	pool_fini(&pl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces_aligned_zeroed_distinct),
		cmocka_unit_test(test_limits_and_new_extents),
		cmocka_unit_test(test_pool_past_bulk_threshold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
