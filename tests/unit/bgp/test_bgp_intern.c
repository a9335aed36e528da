/* tests/unit/bgp/test_bgp_intern.c - interned attribute sets: sharing, refcounts, freeing, memory per prefix. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bgp/bgp_codec.h"

static const uint32_t	      path1[] = { 0x0202, 65001, 65002 };
static const uint32_t	      path2[] = { 0x0202, 65001, 65003 };
static const uint32_t	      comm1[] = { BGP_COMM_NO_EXPORT, 0xfde90001 };
static const struct bgp_lcomm lc1[] = { { 65001, 7, 8 } };
static const uint8_t	      unk1[] = { 0xe0, 0x63, 0x01, 0x01 };

static void
attrs_make(struct bgp_attrs *a, const uint32_t *path, uint32_t med)
{
	memset(a, 0, sizeof(*a));
	a->flags = BGP_ATTRS_ORIGIN | BGP_ATTRS_AS_PATH | BGP_ATTRS_NEXT_HOP | BGP_ATTRS_MED;
	a->origin = BGP_ORIGIN_IGP;
	a->aspath = path;
	a->aspath_words = 3;
	memcpy(a->nexthop4, "\x0a\x00\x00\x01", 4);
	a->med = med;
	a->comm = comm1;
	a->ncomm = 2;
	a->lcomm = lc1;
	a->nlcomm = 1;
	a->unknown = unk1;
	a->unknown_len = sizeof(unk1);
}

static void
test_share(void **state)
{
	struct bgp_attrs  t1, t2;
	struct bgp_attrs *x, *y, *z;
	uint32_t	  copy[3];

	assert_int_equal(bgp_attrs_intern_count(), 0);
	attrs_make(&t1, path1, 10);
	/* equal content through different memory: same object */
	memcpy(copy, path1, sizeof(copy));
	attrs_make(&t2, copy, 10);
	t2.refcnt = 77; /* bookkeeping fields are not part of the value */
	t2.hnode.hash = 1;
	x = bgp_attrs_intern(&t1);
	y = bgp_attrs_intern(&t2);
	assert_non_null(x);
	assert_ptr_equal(x, y);
	assert_int_equal(x->refcnt, 2);
	assert_int_equal(bgp_attrs_intern_count(), 1);
	/* the interned set owns copies of the arrays */
	assert_ptr_not_equal(x->aspath, path1);
	assert_ptr_not_equal(x->comm, comm1);
	assert_memory_equal(x->aspath, path1, sizeof(path1));
	assert_memory_equal(x->unknown, unk1, sizeof(unk1));
	assert_int_equal(x->lcomm[0].local2, 8);
	assert_true(bgp_attrs_equal(x, &t1));
	assert_int_equal(bgp_attrs_hash(x), bgp_attrs_hash(&t1));

	/* any difference: another object */
	attrs_make(&t2, path2, 10);
	z = bgp_attrs_intern(&t2);
	assert_ptr_not_equal(z, x);
	attrs_make(&t2, path1, 11);
	y = bgp_attrs_intern(&t2);
	assert_ptr_not_equal(y, x);
	assert_ptr_not_equal(y, z);
	assert_int_equal(bgp_attrs_intern_count(), 3);

	bgp_attrs_get(x);
	assert_int_equal(x->refcnt, 3);
	bgp_attrs_put(x);
	bgp_attrs_put(x);
	assert_int_equal(x->refcnt, 1);
	assert_int_equal(bgp_attrs_intern_count(), 3);
	bgp_attrs_put(x); /* freed at zero (ASan/valgrind would see a leak otherwise) */
	assert_int_equal(bgp_attrs_intern_count(), 2);
	/* interning the same content again makes a fresh object with one ref */
	x = bgp_attrs_intern(&t1);
	assert_int_equal(x->refcnt, 1);
	bgp_attrs_put(x);
	bgp_attrs_put(y);
	bgp_attrs_put(z);
	assert_int_equal(bgp_attrs_intern_count(), 0);
	bgp_attrs_get(NULL);
	bgp_attrs_put(NULL);
}

static void
test_unflagged_fields_ignored(void **state)
{
	struct bgp_attrs  t1, t2;
	struct bgp_attrs *x, *y;

	attrs_make(&t1, path1, 10);
	t1.flags &= (uint16_t)~BGP_ATTRS_MED;
	attrs_make(&t2, path1, 99); /* MED value without the MED flag: noise */
	t2.flags &= (uint16_t)~BGP_ATTRS_MED;
	t2.local_pref = 1234;
	x = bgp_attrs_intern(&t1);
	y = bgp_attrs_intern(&t2);
	assert_ptr_equal(x, y);
	assert_int_equal(x->med, 0); /* stored canonical */
	assert_int_equal(x->local_pref, 0);
	bgp_attrs_put(x);
	bgp_attrs_put(y);
	assert_int_equal(bgp_attrs_intern_count(), 0);
}

static void
test_many_sets(void **state)
{
	enum { N = 20000 };
	struct bgp_attrs **v = calloc(N, sizeof(*v));
	struct bgp_attrs   t;

	assert_non_null(v);
	/* grows the table through several doublings; every set findable */
	for (uint32_t i = 0; i < N; i++) {
		attrs_make(&t, path1, i);
		v[i] = bgp_attrs_intern(&t);
		assert_non_null(v[i]);
	}
	assert_int_equal(bgp_attrs_intern_count(), N);
	for (uint32_t i = 0; i < N; i++) {
		attrs_make(&t, path1, i);
		assert_ptr_equal(bgp_attrs_intern(&t), v[i]);
		assert_int_equal(v[i]->refcnt, 2);
	}
	/* release in an interleaved order */
	for (uint32_t i = 0; i < N; i += 2) {
		bgp_attrs_put(v[i]);
		bgp_attrs_put(v[i]);
	}
	assert_int_equal(bgp_attrs_intern_count(), N / 2);
	for (uint32_t i = 1; i < N; i += 2) {
		attrs_make(&t, path1, i);
		assert_ptr_equal(bgp_attrs_intern(&t), v[i]);
		bgp_attrs_put(v[i]);
		bgp_attrs_put(v[i]);
		bgp_attrs_put(v[i]);
	}
	assert_int_equal(bgp_attrs_intern_count(), 0);
	free(v);
}

/* A full table from one peer with one attribute set: decoding 1M prefixes'
 * worth of UPDATEs yields one interned set, and each prefix holds only a
 * reference (the per-prefix cost is the pointer its owner keeps). */
static void
test_full_table_one_set(void **state)
{
	static uint8_t		buf[BGP_MAX_MSG];
	struct bgp_upd_scratch *s = malloc(sizeof(*s));
	struct bgp_neg		neg;
	struct bgp_export	ex;
	struct bgp_upd_builder	b;
	struct bgp_attrs       *first = NULL;
	uint32_t		next = 0, total = 0;
	const uint32_t		n = 1000000;

	assert_non_null(s);
	memset(&neg, 0, sizeof(neg));
	neg.as4 = neg.ipv4 = neg.ebgp = true;
	neg.local_as = 65001;
	neg.peer_as = 65001;
	memset(&ex, 0, sizeof(ex));
	memcpy(ex.nh4, "\x0a\x00\x00\x01", 4);
	while (next < n) {
		struct wire_rd	  body, r, st;
		struct bgp_hdr	  h;
		struct bgp_notify nt;
		struct bgp_update u;
		struct bgp_attrs *a;
		struct prefix	  p;
		size_t		  len;

		assert_int_equal(bgp_upd_start(&b, buf, sizeof(buf), &neg, &ex, NULL, AF_INET),
		    0);
		for (; next < n; next++) {
			memset(&p, 0, sizeof(p));
			p.family = AF_INET;
			p.len = 24;
			p.bytes[0] = (uint8_t)(1 + (next >> 16));
			p.bytes[1] = (uint8_t)(next >> 8);
			p.bytes[2] = (uint8_t)next;
			if (bgp_upd_add(&b, &p) < 0)
				break;
		}
		len = bgp_upd_finish(&b);
		st = wire_rd_init(buf, len);
		assert_int_equal(bgp_msg_frame(&st, BGP_MAX_MSG, &h, &body, &nt), 0);
		assert_int_equal(bgp_update_decode(body, &neg, s, &u), 0);
		a = bgp_attrs_intern(&u.attrs);
		if (first == NULL)
			first = a;
		assert_ptr_equal(a, first);
		for (r = u.nlri; bgp_nlri_next(&r, AF_INET, &p);) {
			bgp_attrs_get(a); /* what an Adj-RIB-In entry does */
			total++;
		}
		bgp_attrs_put(a);
	}
	assert_int_equal(total, n);
	assert_int_equal(bgp_attrs_intern_count(), 1);
	assert_int_equal(first->refcnt, n);
	for (uint32_t i = 0; i < n; i++)
		bgp_attrs_put(first);
	assert_int_equal(bgp_attrs_intern_count(), 0);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_unflagged_fields_ignored),
		cmocka_unit_test(test_many_sets),
		cmocka_unit_test(test_full_table_one_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
