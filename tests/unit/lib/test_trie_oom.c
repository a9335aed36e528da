/* tests/unit/lib/test_trie_oom.c - lib/trie.c under injected allocation failures: -ENOMEM changes nothing, nothing leaks. */
/* SPDX-License-Identifier: ISC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "lib/prefix.h"
#include "lib/trie.h"

/*
 * The trie source is compiled into this test with its allocator calls routed
 * through cmocka's tracking allocator (which fails the test on any leak) and
 * a countdown that makes the n-th allocation fail. This file's copy of the
 * trie_* symbols is the one linked; the library's trie.o is never pulled in.
 */
static long fail_at = -1; /* allocation number that fails; -1: none */
static long nalloc;	  /* allocations attempted so far */

static bool
oom_now(void)
{
	return nalloc++ == fail_at;
}

static void *
oom_malloc(size_t n)
{
	return oom_now() ? NULL : test_malloc(n);
}

static void *
oom_calloc(size_t n, size_t m)
{
	return oom_now() ? NULL : test_calloc(n, m);
}

static void *
oom_realloc(void *p, size_t n)
{
	return oom_now() ? NULL : test_realloc(p, n);
}

#define malloc(n)     oom_malloc(n)
#define calloc(n, m)  oom_calloc(n, m)
#define realloc(p, n) oom_realloc(p, n)
#define free(p)	      test_free(p)
#include "lib/trie.c"
#undef malloc
#undef calloc
#undef realloc
#undef free

#define NPFX 10000 /* crosses chunk 0's growth, new chunks and the jump table */
#define V(n) ((uint32_t)(n))

static void
pfx_make(unsigned i, uint8_t family, struct prefix *p)
{
	uint8_t	 b[16] = { 0 };
	uint32_t x = i * 2654435761u; /* spread over the space */

	b[0] = (uint8_t)(x >> 24);
	b[1] = (uint8_t)(x >> 16);
	b[2] = (uint8_t)(x >> 8);
	b[3] = (uint8_t)i;
	assert_int_equal(prefix_from_bytes(p, family, b,
			     (uint8_t)(i % 7 == 0 ? 8 + i % 9 : 24)),
	    0);
}

/* No node is lost: reachable + free list == every index handed out, and
 * the in-use counter agrees. */
static void
check_accounting(const struct trie *t)
{
	uint32_t stack[TRIE_MAX_DEPTH + 2], sp = 0;
	size_t	 reach = 0, nfree = 0;

	if (t->root)
		stack[sp++] = t->root;
	while (sp > 0) {
		const struct trie_node *n = trie_node_at(t, stack[--sp]);

		reach++;
		for (int c = 0; c < 2; c++)
			if (trie_child(n, c))
				stack[sp++] = trie_child(n, c);
	}
	for (uint32_t i = t->free_head; i; i = trie_child(trie_node_at(t, i), 0))
		nfree++;
	assert_int_equal(reach, t->nodes);
	assert_int_equal(reach + nfree, t->next - 1);
}

/* Insert NPFX prefixes with allocation number `at` failing; check that a
 * failed insert changed nothing, then that the trie is whole. Returns the
 * number of allocations attempted. */
static long
run_with_failure(uint8_t family, long at)
{
	struct trie  *t;
	bool	     *in = calloc(NPFX, sizeof(*in));
	size_t	      count = 0;
	struct prefix p;

	assert_non_null(in);
	nalloc = 0;
	fail_at = at;
	if ((t = trie_new(family)) == NULL) {
		assert_int_equal(at, 0);
		free(in);
		return nalloc;
	}
	for (unsigned i = 0; i < NPFX; i++) {
		uint32_t old = V(1);
		int	 rc;

		pfx_make(i, family, &p);
		rc = trie_insert(t, &p, V(i + 1), &old);
		if (rc == -ENOMEM) {
			assert_int_equal(old, 0);
			assert_int_equal(trie_count(t), count);
			assert_int_equal(trie_exact(t, &p), 0);
			check_accounting(t);
			/* a retry succeeds: the failure left nothing half done */
			assert_int_equal(trie_insert(t, &p, V(i + 1), NULL), 0);
		} else {
			assert_int_equal(rc, 0);
			if (old) {
				/* a duplicate of an earlier i: the value is i's now */
				in[old - 1] = false;
				in[i] = true;
				continue;
			}
		}
		in[i] = true;
		count++;
		assert_int_equal(trie_count(t), count);
	}
	/* everything inserted is found, by exact match and by lookup */
	for (unsigned i = 0; i < NPFX; i++) {
		struct ipaddr a = { .family = family };
		struct prefix m;

		if (!in[i])
			continue;
		pfx_make(i, family, &p);
		assert_int_equal(trie_exact(t, &p), V(i + 1));
		memcpy(a.bytes, p.bytes, 16);
		assert_int_not_equal(trie_lookup(t, &a, &m), 0);
		assert_true(prefix_contains_addr(&m, &a) && m.len >= p.len);
	}
	/* a big IPv4 trie has its jump table, even if one build attempt failed */
	if (family == AF_INET)
		assert_non_null(t->jump);
	check_accounting(t);
	/* half deleted, the rest freed with the trie: cmocka checks for leaks */
	for (unsigned i = 0; i < NPFX; i += 2) {
		pfx_make(i, family, &p);
		if (in[i])
			assert_int_equal(trie_delete(t, &p), V(i + 1));
	}
	trie_free(t);
	free(in);
	fail_at = -1;
	return nalloc;
}

static void
test_oom_sweep(void **state)
{
	for (int f = 0; f < 2; f++) {
		uint8_t family = f ? AF_INET6 : AF_INET;
		long	total = run_with_failure(family, -1);

		assert_true(total > 8);
		print_message("family %u: failing each of %ld allocations\n", family, total);
		/* fail each allocation of a clean run in turn */
		for (long at = 0; at < total; at++)
			assert_true(run_with_failure(family, at) > at);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oom_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
