/* tests/unit/lib/test_hash.c - lib/hash.c: add, find, delete, growth, collisions, walk, hash functions. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"

struct thing {
	int		 key;
	struct hash_node hnode;
	int		 seen;
};

static uint32_t
thing_hash(int key)
{
	return hash_mix(HASH_SEED, (uint64_t)key);
}

static bool
thing_eq(const struct hash_node *n, const void *key)
{
	return hash_entry(n, struct thing, hnode)->key == *(const int *)key;
}

static struct thing *
thing_find(const struct hash *t, int key)
{
	struct hash_node *n = hash_find(t, thing_hash(key), thing_eq, &key);

	return n ? hash_entry(n, struct thing, hnode) : NULL;
}

static void
test_add_find_del(void **state)
{
	struct hash  t;
	struct thing a = { .key = 1 }, b = { .key = 2 }, c = { .key = 3 };
	int	     k = 4;

	hash_init(&t, 0);
	assert_null(thing_find(&t, 1)); /* empty, no buckets: no crash */
	assert_int_equal(hash_count(&t), 0);
	assert_int_equal(hash_add(&t, &a.hnode, thing_hash(a.key)), 0);
	assert_int_equal(hash_add(&t, &b.hnode, thing_hash(b.key)), 0);
	assert_int_equal(hash_add(&t, &c.hnode, thing_hash(c.key)), 0);
	assert_int_equal(hash_count(&t), 3);
	assert_ptr_equal(thing_find(&t, 1), &a);
	assert_ptr_equal(thing_find(&t, 2), &b);
	assert_ptr_equal(thing_find(&t, 3), &c);
	assert_null(hash_find(&t, thing_hash(k), thing_eq, &k));
	hash_del(&t, &b.hnode);
	assert_int_equal(hash_count(&t), 2);
	assert_null(thing_find(&t, 2));
	assert_ptr_equal(thing_find(&t, 1), &a);
	assert_ptr_equal(thing_find(&t, 3), &c);
	hash_fini(&t);
	assert_int_equal(hash_count(&t), 0);
	assert_null(thing_find(&t, 1));
	/* usable again after fini */
	assert_int_equal(hash_add(&t, &b.hnode, thing_hash(b.key)), 0);
	assert_ptr_equal(thing_find(&t, 2), &b);
	hash_fini(&t);
}

/* Every key maps to one hash value: lookups must still compare keys. */
static void
test_collisions(void **state)
{
	struct hash	  t = { 0 }; /* a zeroed table is an empty one */
	struct thing	  v[40];
	struct hash_node *n;
	int		  matches = 0;

	for (int i = 0; i < 40; i++) {
		v[i].key = i;
		assert_int_equal(hash_add(&t, &v[i].hnode, 0xdeadbeef), 0);
	}
	HASH_FOREACH_MATCH(&t, 0xdeadbeef, n)
		matches++;
	assert_int_equal(matches, 40);
	HASH_FOREACH_MATCH(&t, 0xdeadbeee, n)
		fail_msg("a node under another hash");
	for (int i = 0; i < 40; i++) {
		int key = i;

		assert_ptr_equal(hash_entry(hash_find(&t, 0xdeadbeef, thing_eq, &key),
				     struct thing, hnode),
		    &v[i]);
	}
	/* delete from the middle, the head and the tail of the chain */
	hash_del(&t, &v[20].hnode);
	hash_del(&t, &v[0].hnode);
	hash_del(&t, &v[39].hnode);
	for (int i = 0; i < 40; i++) {
		int  key = i;
		bool gone = i == 20 || i == 0 || i == 39;

		assert_true((hash_find(&t, 0xdeadbeef, thing_eq, &key) == NULL) == gone);
	}
	assert_int_equal(hash_count(&t), 37);
	hash_fini(&t);
}

static int
walk_del_odd(struct hash_node *n, void *arg)
{
	struct hash  *t = arg;
	struct thing *x = hash_entry(n, struct thing, hnode);

	x->seen++;
	if (x->key & 1)
		hash_del(t, n);
	return 0;
}

static int
walk_stop(struct hash_node *n, void *arg)
{
	(*(int *)arg)++;
	return 7;
}

/* Growth keeps every entry findable; a walk sees each once and may delete. */
static void
test_growth_and_walk(void **state)
{
	const int     N = 10000;
	struct thing *v = calloc((size_t)N, sizeof(*v));
	struct hash   t;
	int	      calls = 0;

	assert_non_null(v);
	hash_init(&t, 16);
	for (int i = 0; i < N; i++) {
		v[i].key = i * 7919;
		assert_int_equal(hash_add(&t, &v[i].hnode, thing_hash(v[i].key)), 0);
	}
	assert_true(t.nb >= (size_t)N);		/* grew at one entry per bucket */
	assert_int_equal(t.nb & (t.nb - 1), 0); /* a power of two */
	for (int i = 0; i < N; i++)
		assert_ptr_equal(thing_find(&t, i * 7919), &v[i]);
	assert_int_equal(hash_walk(&t, walk_del_odd, &t), 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(v[i].seen, 1);
		if (v[i].key & 1)
			assert_null(thing_find(&t, v[i].key));
		else
			assert_ptr_equal(thing_find(&t, v[i].key), &v[i]);
	}
	assert_int_equal(hash_count(&t), N / 2);
	assert_int_equal(hash_walk(&t, walk_stop, &calls), 7);
	assert_int_equal(calls, 1);
	hash_fini(&t);
	free(v);
}

static void
test_hash_functions(void **state)
{
	/* FNV-1a reference values */
	assert_int_equal(hash_str(""), 2166136261u);
	assert_int_equal(hash_str("a"), 0xe40c292cu);
	assert_int_equal(hash_str("foobar"), 0xbf9cf968u);
	assert_int_equal(hash_bytes("foobar", 6, HASH_SEED), hash_str("foobar"));
	assert_int_not_equal(hash_bytes("foobar", 5, HASH_SEED), hash_str("foobar"));
	/* the mix spreads neighbouring values over the low bits buckets use */
	{
		unsigned used[64] = { 0 }, empty = 0;

		for (uint64_t v = 0; v < 1024; v++)
			used[hash_mix(HASH_SEED, v) & 63]++;
		for (int i = 0; i < 64; i++)
			empty += used[i] == 0;
		assert_int_equal(empty, 0);
	}
	assert_int_not_equal(hash_mix(HASH_SEED, 1), hash_mix(HASH_SEED, 2));
	assert_int_not_equal(hash_mix(1, 5), hash_mix(2, 5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find_del),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_growth_and_walk),
		cmocka_unit_test(test_hash_functions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
