/* tests/unit/lib/test_trie.c - lib/trie.c against a brute-force reference, plus edge cases. */
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

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* xorshift64*: deterministic across runs */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static struct prefix
pfx(const char *s)
{
	struct prefix p;

	assert_int_equal(prefix_parse(s, &p), 0);
	return p;
}

static struct ipaddr
addr(const char *s)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

#define V(n) ((uint32_t)(n))

/* ---- the reference: a fixed pool of distinct prefixes, a value per slot ---- */

#define POOL_MAX  20000
#define HASH_SIZE (1u << 16)

struct ref {
	uint8_t	      family;
	unsigned      bits;
	size_t	      n;
	struct prefix pool[POOL_MAX];
	uint32_t      val[POOL_MAX];
	uint32_t      hash[HASH_SIZE]; /* pool index + 1 */
	size_t	      count;
};

static long
ref_find(const struct ref *r, const struct prefix *p)
{
	for (uint32_t h = prefix_hash(p) & (HASH_SIZE - 1); r->hash[h];
	     h = (h + 1) & (HASH_SIZE - 1))
		if (prefix_equal(&r->pool[r->hash[h] - 1], p))
			return (long)r->hash[h] - 1;
	return -1;
}

/* Random prefixes that overlap a lot: few top-level bases, lengths all over;
 * or, wide, spread over the whole IPv4 space with mostly long lengths. */
static bool wide;

static void
random_prefix(uint8_t family, struct prefix *p)
{
	uint8_t	 b[16];
	unsigned bits = prefix_family_bits(family), len;

	for (unsigned i = 0; i < 16; i += 8) {
		uint64_t x = rng();

		memcpy(b + i, &x, 8);
	}
	if (family == AF_INET) {
		static const uint8_t first[] = { 10, 172, 192, 0, 255 };

		if (!wide)
			b[0] = first[rng() % 5];
		len = (unsigned)(rng() % 4 == 0 ? rng() % 33 : 16 + rng() % 17);
		if (wide && rng() % 8 != 0)
			len = 20 + (unsigned)(rng() % 13);
	} else {
		b[0] = 0x20;
		b[1] = (uint8_t)(rng() % 2);
		b[2] = 0x0d;
		b[3] = 0xb8;
		len = (unsigned)(rng() % 4 == 0 ? rng() % 129 : 24 + rng() % 41);
		if (rng() % 16 == 0)
			len = 100 + (unsigned)(rng() % 29);
	}
	if (len > bits)
		len = bits;
	assert_int_equal(prefix_from_bytes(p, family, b, (uint8_t)len), 0);
}

static void
ref_build(struct ref *r, uint8_t family, size_t want)
{
	memset(r, 0, sizeof(*r));
	r->family = family;
	r->bits = prefix_family_bits(family);
	while (r->n < want) {
		struct prefix p;
		uint32_t      h;

		random_prefix(family, &p);
		if (ref_find(r, &p) >= 0)
			continue;
		r->pool[r->n] = p;
		for (h = prefix_hash(&p) & (HASH_SIZE - 1); r->hash[h];
		     h = (h + 1) & (HASH_SIZE - 1))
			;
		r->hash[h] = (uint32_t)++r->n;
	}
}

/* Longest present prefix containing the first maxlen bits of bytes (brute force). */
static long
ref_best(const struct ref *r, const uint8_t *bytes, int maxlen)
{
	for (int len = maxlen; len >= 0; len--) {
		struct prefix p;
		long	      i;

		assert_int_equal(prefix_from_bytes(&p, r->family, bytes, (uint8_t)len), 0);
		if ((i = ref_find(r, &p)) >= 0 && r->val[i])
			return i;
	}
	return -1;
}

static void
random_addr_in(const struct ref *r, struct ipaddr *a)
{
	const struct prefix *p = &r->pool[rng() % r->n];
	uint8_t		     b[16];

	for (unsigned i = 0; i < 16; i += 8) {
		uint64_t x = rng();

		memcpy(b + i, &x, 8);
	}
	memset(a, 0, sizeof(*a));
	a->family = r->family;
	for (unsigned i = 0; i < r->bits; i++) {
		unsigned bit = i < p->len ? prefix_bit(p->bytes, i) : prefix_bit(b, i);

		if (rng() % 64 == 0 && i >= p->len) /* sometimes stray */
			bit ^= 1;
		a->bytes[i / 8] |= (uint8_t)(bit << (7 - i % 8));
	}
}

static void
check_lookup(const struct trie *t, const struct ref *r, const struct ipaddr *a)
{
	struct prefix m;
	long	      want = ref_best(r, a->bytes, (int)r->bits);
	uint32_t      got;

	memset(&m, 0xee, sizeof(m));
	got = trie_lookup(t, a, &m);
	if (want < 0) {
		assert_int_equal(got, 0);
		return;
	}
	assert_int_equal(got, r->val[want]);
	assert_true(prefix_equal(&m, &r->pool[want]));
	assert_true(prefix_contains_addr(&m, a));
	assert_int_equal(trie_lookup(t, a, NULL), got);
}

static void
check_covering(const struct trie *t, const struct ref *r, const struct prefix *p)
{
	struct prefix m;
	long	      want = p->len ? ref_best(r, p->bytes, p->len - 1) : -1;
	uint32_t      got = trie_covering(t, p, &m);

	if (want < 0) {
		assert_int_equal(got, 0);
		return;
	}
	assert_int_equal(got, r->val[want]);
	assert_true(prefix_equal(&m, &r->pool[want]));
	assert_true(m.len < p->len && prefix_contains(&m, p));
}

struct walk_ctx {
	const struct ref    *r;
	const struct prefix *last;
	struct prefix	     prev;
	size_t		     seen;
	size_t		     stop_at;
	const struct prefix *under;
};

static int
walk_check(const struct prefix *p, uint32_t val, void *arg)
{
	struct walk_ctx *w = arg;
	long		 i = ref_find(w->r, p);

	assert_true(i >= 0);
	assert_int_equal(val, w->r->val[i]);
	if (w->seen > 0)
		assert_true(prefix_cmp(&w->prev, p) < 0);
	if (w->under)
		assert_true(prefix_contains(w->under, p));
	w->prev = *p;
	w->seen++;
	if (w->stop_at && w->seen == w->stop_at)
		return 42;
	return 0;
}

/* Largest footprint seen: a big IPv4 trie adds a 512 KiB jump table, and the
 * randomized test must run both with and without it. */
static size_t max_bytes_per_node;

/* Glue nodes always have two children, so nodes <= 2 * prefixes - 1; an
 * empty trie has given back all its node storage. */
static void
check_shape(const struct trie *t)
{
	struct trie_stats st;

	trie_stats_get(t, &st);
	if (st.nodes && st.bytes / st.nodes > max_bytes_per_node)
		max_bytes_per_node = st.bytes / st.nodes;
	assert_int_equal(st.prefixes, trie_count(t));
	if (st.prefixes == 0) {
		assert_int_equal(st.nodes, 0);
		assert_true(st.bytes < 256);
	} else {
		assert_true(st.nodes >= st.prefixes);
		assert_true(st.nodes <= 2 * st.prefixes - 1);
		assert_true(st.bytes >= st.nodes * 16); /* 16 (IPv4) or 28 (IPv6) each */
	}
}

static void
check_walk(const struct trie *t, const struct ref *r)
{
	struct walk_ctx w = { .r = r };

	check_shape(t);

	assert_int_equal(trie_walk(t, walk_check, &w), 0);
	assert_int_equal(w.seen, r->count);
	assert_int_equal(trie_count(t), r->count);
	if (r->count > 3) {
		struct walk_ctx s = { .r = r, .stop_at = 3 };

		assert_int_equal(trie_walk(t, walk_check, &s), 42);
		assert_int_equal(s.seen, 3);
	}
}

static void
check_walk_under(const struct trie *t, const struct ref *r, const struct prefix *p)
{
	struct walk_ctx w = { .r = r, .under = p };
	size_t		want = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->val[i] && prefix_contains(p, &r->pool[i]))
			want++;
	assert_int_equal(trie_walk_under(t, p, walk_check, &w), 0);
	assert_int_equal(w.seen, want);
}

/* A present prefix's node names it for good: the node gives back the prefix
 * and value, and walking from it is walking under the prefix. Looking the
 * node up by inserting the same value again changes nothing. */
static void
check_node(struct trie *t, const struct ref *r, size_t i)
{
	struct walk_ctx w = { .r = r, .under = &r->pool[i] };
	struct prefix	p;
	uint32_t	node = 0;
	size_t		count = trie_count(t), want = 0;
	int		err = 0;

	if (!r->val[i])
		return;
	assert_int_equal(trie_find_or_insert_node(t, &r->pool[i], r->val[i], &err, &node),
	    r->val[i]);
	assert_int_equal(trie_count(t), count);
	assert_int_not_equal(node, 0);
	trie_node_prefix(t, node, &p);
	assert_true(prefix_equal(&p, &r->pool[i]));
	assert_int_equal(trie_node_val(t, node), r->val[i]);
	for (size_t j = 0; j < r->n; j++)
		if (r->val[j] && prefix_contains(&r->pool[i], &r->pool[j]))
			want++;
	assert_int_equal(trie_walk_node(t, node, walk_check, &w), 0);
	assert_int_equal(w.seen, want);
}

static void
randomized(uint8_t family, uint64_t seed)
{
	struct ref  *r = malloc(sizeof(*r));
	struct trie *t = trie_new(family);
	size_t	     steps = 3 * POOL_MAX, order[POOL_MAX];

	assert_non_null(r);
	assert_non_null(t);
	rng_state = seed;
	max_bytes_per_node = 0;
	ref_build(r, family, POOL_MAX);
	for (size_t step = 1; step <= steps; step++) {
		size_t	       i = rng() % r->n;
		struct prefix *p = &r->pool[i];
		struct ipaddr  a;

		if (rng() % 100 < 65) {
			uint32_t old = V(0xdead);

			assert_int_equal(trie_insert(t, p, V(step), &old), 0);
			assert_int_equal(old, r->val[i]);
			if (!r->val[i])
				r->count++;
			r->val[i] = V(step);
		} else {
			assert_int_equal(trie_delete(t, p), r->val[i]);
			if (r->val[i])
				r->count--;
			r->val[i] = 0;
		}
		assert_int_equal(trie_count(t), r->count);
		check_shape(t);
		i = rng() % r->n;
		assert_int_equal(trie_exact(t, &r->pool[i]), r->val[i]);
		random_addr_in(r, &a);
		check_lookup(t, r, &a);
		check_covering(t, r, &r->pool[rng() % r->n]);
		if (step % 10000 == 0) {
			check_walk(t, r);
			for (int k = 0; k < 20; k++) {
				check_walk_under(t, r, &r->pool[rng() % r->n]);
				check_node(t, r, rng() % r->n);
			}
		}
	}
	check_walk(t, r);

	/* delete everything in a random order */
	for (size_t i = 0; i < r->n; i++)
		order[i] = i;
	for (size_t i = r->n - 1; i > 0; i--) {
		size_t j = rng() % (i + 1), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	for (size_t k = 0; k < r->n; k++) {
		size_t i = order[k];

		assert_int_equal(trie_delete(t, &r->pool[i]), r->val[i]);
		if (r->val[i])
			r->count--;
		r->val[i] = 0;
		assert_int_equal(trie_count(t), r->count);
		check_shape(t);
		if (k % 4000 == 0)
			check_walk(t, r);
	}
	assert_int_equal(trie_count(t), 0);
	check_walk(t, r);
	/* the jump table existed (>= 512 KiB over < 20k nodes) and went away */
	if (family == AF_INET)
		assert_true(max_bytes_per_node > 16 + 512 * 1024 / (2 * POOL_MAX));
	/* still usable after it emptied, and freed with content (no leak) */
	for (size_t i = 0; i < 100; i++) {
		assert_int_equal(trie_insert(t, &r->pool[i], V(i + 1), NULL), 0);
		r->val[i] = V(i + 1);
		r->count++;
	}
	check_walk(t, r);
	trie_free(t);
	free(r);
}

static void
test_random_v4(void **state)
{
	wide = false;
	randomized(AF_INET, 0x1234567887654321ULL);
}

static void
test_random_v4_wide(void **state)
{
	wide = true;
	randomized(AF_INET, 0x5555aaaa12345678ULL);
	wide = false;
}

static void
test_random_v6(void **state)
{
	randomized(AF_INET6, 0x0badc0ffee0ddf00ULL);
}

/* Past TRIE_BULK_AFTER chunks (64k nodes) the chunks come from huge-page
 * extents: a trie that big finds, walks and empties as a small one, and
 * grows again after it emptied (the extents were given back). */
static int
count_cb(const struct prefix *p, uint32_t val, void *arg)
{
	(void)p;
	(void)val;
	(*(size_t *)arg)++;
	return 0;
}

static void
big_pfx(uint32_t i, struct prefix *p)
{
	uint32_t x = (i * 2654435761u) & 0xffffff; /* odd multiplier: distinct mod 2^24 */
	uint8_t	 b[4] = { (uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x, 0 };

	assert_int_equal(prefix_from_bytes(p, AF_INET, b, 24), 0);
}

static void
test_big_past_bulk(void **state)
{
	struct trie   *t = trie_new(AF_INET);
	struct prefix  p;
	const uint32_t n = 150000; /* /24s of distinct top 24 bits */
	size_t	       seen = 0;

	(void)state;
	assert_non_null(t);
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < n; i++) {
			big_pfx(i, &p);
			assert_int_equal(trie_insert(t, &p, V(i + 1), NULL), 0);
		}
		assert_int_equal(trie_count(t), n);
		for (uint32_t i = 0; i < n; i += 7) {
			big_pfx(i, &p);
			assert_int_equal(trie_exact(t, &p), V(i + 1));
		}
		seen = 0;
		assert_int_equal(trie_walk(t, count_cb, &seen), 0);
		assert_int_equal(seen, n);
		for (uint32_t i = 0; i < n; i++) {
			big_pfx(i, &p);
			assert_int_equal(trie_delete(t, &p), V(i + 1));
		}
		assert_int_equal(trie_count(t), 0);
	}
	trie_free(t);
}

static int
collect(const struct prefix *p, uint32_t val, void *arg)
{
	char(*out)[PREFIX_STRLEN] = arg;
	size_t i = 0;

	while (out[i][0])
		i++;
	prefix_fmt(p, out[i], PREFIX_STRLEN);
	return 0;
}

static void
test_default_and_host(void **state)
{
	struct trie  *t = trie_new(AF_INET);
	struct prefix m, dflt = pfx("0.0.0.0/0"), host = pfx("192.0.2.1/32");
	struct ipaddr a1 = addr("192.0.2.1"), a2 = addr("192.0.2.2");
	char	      buf[PREFIX_STRLEN];

	assert_int_equal(trie_lookup(t, &a1, &m), 0);
	assert_int_equal(trie_insert(t, &dflt, V(1), NULL), 0);
	assert_int_equal(trie_lookup(t, &a1, &m), V(1));
	assert_string_equal(prefix_fmt(&m, buf, sizeof(buf)), "0.0.0.0/0");
	assert_int_equal(trie_covering(t, &dflt, &m), 0); /* nothing shorter than /0 */
	assert_int_equal(trie_insert(t, &host, V(2), NULL), 0);
	assert_int_equal(trie_lookup(t, &a1, &m), V(2));
	assert_string_equal(prefix_fmt(&m, buf, sizeof(buf)), "192.0.2.1/32");
	assert_int_equal(trie_lookup(t, &a2, &m), V(1));
	assert_int_equal(trie_covering(t, &host, &m), V(1));
	assert_true(prefix_is_default(&m));
	/* a glue-free path: /0 then /32 directly */
	assert_int_equal(trie_exact(t, &host), V(2));
	assert_int_equal(trie_exact(t,
			     &(struct prefix){ .family = AF_INET,
				 .len = 24,
				 .bytes = { 192, 0, 2 } }),
	    0);
	/* delete /0 under a host route, then the host route */
	assert_int_equal(trie_delete(t, &dflt), V(1));
	assert_int_equal(trie_lookup(t, &a2, NULL), 0);
	assert_int_equal(trie_lookup(t, &a1, NULL), V(2));
	assert_int_equal(trie_covering(t, &host, NULL), 0);
	assert_int_equal(trie_delete(t, &dflt), 0);
	assert_int_equal(trie_delete(t, &host), V(2));
	assert_int_equal(trie_count(t), 0);
	assert_int_equal(trie_lookup(t, &a1, NULL), 0);
	trie_free(t);

	t = trie_new(AF_INET6);
	dflt = pfx("::/0");
	host = pfx("2001:db8::1/128");
	assert_int_equal(trie_insert(t, &host, V(3), NULL), 0);
	assert_int_equal(trie_insert(t, &dflt, V(4), NULL), 0);
	assert_int_equal(trie_insert(t, &(struct prefix){ .family = AF_INET6, .len = 128 },
			     V(5), NULL),
	    0); /* ::/128 */
	a1 = addr("2001:db8::1");
	assert_int_equal(trie_lookup(t, &a1, &m), V(3));
	assert_int_equal(trie_lookup(t, &(struct ipaddr){ .family = AF_INET6 }, &m), V(5));
	a2 = addr("ffff::");
	assert_int_equal(trie_lookup(t, &a2, &m), V(4));
	assert_int_equal(trie_covering(t, &host, &m), V(4));
	{
		char seen[4][PREFIX_STRLEN] = { { 0 } };

		assert_int_equal(trie_walk(t, collect, seen), 0);
		assert_string_equal(seen[0], "::/0");
		assert_string_equal(seen[1], "::/128");
		assert_string_equal(seen[2], "2001:db8::1/128");
		assert_string_equal(seen[3], "");
	}
	trie_free(t);
}

static void
test_errors(void **state)
{
	struct trie  *t = trie_new(AF_INET);
	struct prefix p6 = pfx("2001:db8::/32"), p4 = pfx("10.0.0.0/8");
	struct ipaddr a6 = addr("2001:db8::1");
	uint32_t      old = V(9);

	assert_null(trie_new(0));
	assert_null(trie_new(AF_UNIX));
	assert_int_equal(trie_insert(t, &p6, V(1), &old), -EINVAL);
	assert_int_equal(old, 0);
	assert_int_equal(trie_insert(t, &p4, 0, NULL), -EINVAL);
	assert_int_equal(trie_count(t), 0);
	assert_int_equal(trie_insert(t, &p4, V(1), NULL), 0);
	assert_int_equal(trie_exact(t, &p6), 0);
	assert_int_equal(trie_delete(t, &p6), 0);
	assert_int_equal(trie_lookup(t, &a6, NULL), 0);
	assert_int_equal(trie_covering(t, &p6, NULL), 0);
	assert_int_equal(trie_walk_under(t, &p6, walk_check, NULL), 0);
	/* replace returns the old value and keeps the count */
	assert_int_equal(trie_insert(t, &p4, V(2), &old), 0);
	assert_int_equal(old, V(1));
	assert_int_equal(trie_count(t), 1);
	trie_free(t);
	trie_free(NULL);
}

static void
test_glue_nodes(void **state)
{
	struct trie  *t = trie_new(AF_INET);
	struct prefix a = pfx("10.1.0.0/16"), b = pfx("10.2.0.0/16"), glue = pfx("10.0.0.0/14"),
		      c = pfx("10.0.0.0/8");
	struct prefix m;

	assert_int_equal(trie_insert(t, &a, V(1), NULL), 0);
	assert_int_equal(trie_insert(t, &b, V(2), NULL), 0);
	/* 10.0.0.0/14 is the glue between them: not a prefix */
	assert_int_equal(trie_exact(t, &glue), 0);
	assert_int_equal(trie_delete(t, &glue), 0);
	assert_int_equal(trie_covering(t, &a, NULL), 0);
	assert_int_equal(trie_count(t), 2);
	/* turning glue into a prefix, and back */
	assert_int_equal(trie_insert(t, &glue, V(3), NULL), 0);
	assert_int_equal(trie_covering(t, &a, &m), V(3));
	assert_true(prefix_equal(&m, &glue));
	assert_int_equal(trie_insert(t, &c, V(4), NULL), 0);
	assert_int_equal(trie_covering(t, &glue, &m), V(4));
	assert_int_equal(trie_delete(t, &glue), V(3));
	assert_int_equal(trie_covering(t, &a, &m), V(4));
	assert_int_equal(trie_delete(t, &a), V(1));
	assert_int_equal(trie_covering(t, &b, &m), V(4));
	assert_int_equal(trie_exact(t, &b), V(2));
	assert_int_equal(trie_count(t), 2);
	{
		char	      seen[3][PREFIX_STRLEN] = { { 0 } };
		struct prefix under = pfx("10.0.0.0/12");

		assert_int_equal(trie_walk(t, collect, seen), 0);
		assert_string_equal(seen[0], "10.0.0.0/8");
		assert_string_equal(seen[1], "10.2.0.0/16");
		memset(seen, 0, sizeof(seen));
		assert_int_equal(trie_walk_under(t, &under, collect, seen), 0);
		assert_string_equal(seen[0], "10.2.0.0/16");
		assert_string_equal(seen[1], "");
		memset(seen, 0, sizeof(seen));
		under = pfx("10.3.0.0/16");
		assert_int_equal(trie_walk_under(t, &under, collect, seen), 0);
		assert_string_equal(seen[0], "");
		under = pfx("10.2.0.0/16");
		assert_int_equal(trie_walk_under(t, &under, collect, seen), 0);
		assert_string_equal(seen[0], "10.2.0.0/16");
	}
	trie_free(t);
}

/* A full comb: every length 0..128 on one path plus a sibling at every level,
 * the deepest shape a trie can take (and the walk's largest stack). */
static void
test_deep_comb(void **state)
{
	struct trie  *t = trie_new(AF_INET6);
	struct prefix base = pfx("2001:db8:1234:5678:9abc:def0:1357:9bdf"), p, prev;
	struct ref   *r = calloc(1, sizeof(*r));
	size_t	      n = 0;

	assert_non_null(r);
	r->family = AF_INET6;
	r->bits = 128;
	for (unsigned len = 0; len <= 128; len++) {
		uint32_t h;

		for (int sib = 0; sib < 2; sib++) {
			if (sib && len == 0)
				continue;
			p = base;
			p.len = (uint8_t)len;
			if (sib)
				p.bytes[(len - 1) / 8] ^= (uint8_t)(0x80 >> ((len - 1) % 8));
			prefix_mask(&p);
			r->pool[r->n] = p;
			r->val[r->n] = V(r->n + 1);
			for (h = prefix_hash(&p) & (HASH_SIZE - 1); r->hash[h];
			     h = (h + 1) & (HASH_SIZE - 1))
				;
			r->hash[h] = (uint32_t)(r->n + 1);
			assert_int_equal(trie_insert(t, &p, V(r->n + 1), NULL), 0);
			r->n++;
			n++;
		}
	}
	r->count = n;
	assert_int_equal(trie_count(t), 257);
	check_walk(t, r);
	{
		struct ipaddr a = { .family = AF_INET6 };

		memcpy(a.bytes, base.bytes, 16);
		assert_int_equal(trie_lookup(t, &a, &prev), V(256));
		assert_int_equal(prev.len, 128);
	}
	p = base;
	assert_int_equal(trie_covering(t, &p, &prev), V(254));
	assert_int_equal(prev.len, 127);
	/* delete from the middle of the path out */
	for (size_t k = 0; k < r->n; k++) {
		size_t i = (k * 101) % r->n; /* 101 is prime to 257 */

		assert_int_equal(trie_delete(t, &r->pool[i]), r->val[i]);
		r->val[i] = 0;
		r->count--;
		if (k % 16 == 0)
			check_walk(t, r);
	}
	assert_int_equal(trie_count(t), 0);
	trie_free(t);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_default_and_host),
		cmocka_unit_test(test_glue_nodes),
		cmocka_unit_test(test_deep_comb),
		cmocka_unit_test(test_random_v4),
		cmocka_unit_test(test_random_v4_wide),
		cmocka_unit_test(test_random_v6),
		cmocka_unit_test(test_big_past_bulk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
