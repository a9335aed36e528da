/* tests/bench/trie/bench_trie.c - lib/trie micro-benchmark: 1M IPv4 prefixes, realistic length mix. */
/* SPDX-License-Identifier: ISC */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/prefix.h"
#include "lib/trie.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static size_t
heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static size_t
rss_bytes(void)
{
	FILE	     *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, rss = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * Roughly today's global table: ~60% /24, ~37% /16-/23 weighted to the
 * longer ones, ~3% /8-/15. Addresses are uniform over unicast space.
 */
static unsigned
random_len(void)
{
	unsigned r = (unsigned)(rng() % 1000);

	if (r < 600)
		return 24;
	if (r < 710)
		return 23;
	if (r < 830)
		return 22;
	if (r < 890)
		return 21;
	if (r < 930)
		return 20;
	if (r < 950)
		return 19;
	if (r < 962)
		return 18;
	if (r < 970)
		return 17;
	if (r < 975)
		return 16;
	return 8 + (unsigned)(rng() % 8);
}

/*
 * The peer measured in the same run: longest match by one hash probe per
 * prefix length present, longest first (what a hash-based FIB does). Open
 * addressing, linear probing, backward-shift delete.
 */
struct peer_ent {
	uint32_t addr;
	uint8_t	 len;
	uint8_t	 used;
	void	*val;
};

struct peer {
	struct peer_ent *tab;
	size_t		 mask;
	size_t		 perlen[33];
};

static inline uint32_t
v4_word(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint32_t
v4_mask(unsigned len)
{
	return len ? ~(uint32_t)0 << (32 - len) : 0;
}

static inline size_t
peer_hash(uint32_t addr, unsigned len)
{
	uint64_t h = (uint64_t)addr << 8 | len;

	/* murmur3 fmix64: every input bit reaches the low bits we index with */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (size_t)h;
}

static int
peer_init(struct peer *pt, size_t n)
{
	size_t cap = 1;

	while (cap < 2 * n)
		cap <<= 1;
	memset(pt, 0, sizeof(*pt));
	pt->mask = cap - 1;
	pt->tab = calloc(cap, sizeof(*pt->tab));
	return pt->tab ? 0 : -1;
}

static struct peer_ent *
peer_find(const struct peer *pt, uint32_t addr, unsigned len)
{
	for (size_t i = peer_hash(addr, len) & pt->mask; pt->tab[i].used;
	     i = (i + 1) & pt->mask)
		if (pt->tab[i].addr == addr && pt->tab[i].len == len)
			return &pt->tab[i];
	return NULL;
}

static void
peer_insert(struct peer *pt, const struct prefix *p, void *val)
{
	uint32_t addr = v4_word(p->bytes);
	size_t	 i;

	for (i = peer_hash(addr, p->len) & pt->mask; pt->tab[i].used; i = (i + 1) & pt->mask)
		if (pt->tab[i].addr == addr && pt->tab[i].len == p->len) {
			pt->tab[i].val = val;
			return;
		}
	pt->tab[i] = (struct peer_ent){ addr, p->len, 1, val };
	pt->perlen[p->len]++;
}

static void *
peer_delete(struct peer *pt, const struct prefix *p)
{
	struct peer_ent *e = peer_find(pt, v4_word(p->bytes), p->len);
	size_t		 i, j;
	void		*val;

	if (e == NULL)
		return NULL;
	val = e->val;
	pt->perlen[p->len]--;
	/* backward shift: pull later entries of the run into the hole */
	i = (size_t)(e - pt->tab);
	for (j = (i + 1) & pt->mask; pt->tab[j].used; j = (j + 1) & pt->mask) {
		size_t home = peer_hash(pt->tab[j].addr, pt->tab[j].len) & pt->mask;

		if (((j - home) & pt->mask) >= ((j - i) & pt->mask)) {
			pt->tab[i] = pt->tab[j];
			i = j;
		}
	}
	pt->tab[i].used = 0;
	return val;
}

static void *
peer_best(const struct peer *pt, uint32_t addr, int maxlen)
{
	for (int len = maxlen; len >= 0; len--) {
		struct peer_ent *e;

		if (pt->perlen[len] &&
		    (e = peer_find(pt, addr & v4_mask((unsigned)len), (unsigned)len)) != NULL)
			return e->val;
	}
	return NULL;
}

static int
pcmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static void
shuffle(struct prefix *v, size_t n)
{
	for (size_t i = n - 1; i > 0; i--) {
		size_t	      j = rng() % (i + 1);
		struct prefix x = v[i];

		v[i] = v[j];
		v[j] = x;
	}
}

/* n distinct prefixes in random order. */
static struct prefix *
make_prefixes(size_t n)
{
	size_t	       cap = n + n / 4, have = 0;
	struct prefix *v = malloc(cap * sizeof(*v));

	if (v == NULL)
		return NULL;
	while (have < n) {
		size_t u = 0;

		while (have < cap) {
			uint8_t	 b[4];
			uint32_t x = (uint32_t)rng();

			b[0] = (uint8_t)(1 + (x >> 24) % 223); /* 1..223 */
			b[1] = (uint8_t)(x >> 16);
			b[2] = (uint8_t)(x >> 8);
			b[3] = (uint8_t)x;
			prefix_from_bytes(&v[have++], AF_INET, b, (uint8_t)random_len());
		}
		qsort(v, have, sizeof(*v), pcmp);
		for (size_t i = 0; i < have; i++)
			if (u == 0 || !prefix_equal(&v[u - 1], &v[i]))
				v[u++] = v[i];
		have = u;
	}
	shuffle(v, have);
	return v;
}

struct result {
	double insert, lookup, covering, delete; /* ns per operation */
	double walk;				 /* ns per prefix of a full ordered walk */
	double bytes;				 /* heap per prefix */
	double rss;				 /* RSS per prefix (trie only) */
	size_t hits, covered, nodes;
};

static void
result_min(struct result *best, const struct result *r, int round)
{
	if (round == 0) {
		*best = *r;
		return;
	}
#define MIN_(f)                         \
	do {                            \
		if (r->f < best->f)     \
			best->f = r->f; \
	} while (0)
	MIN_(insert);
	MIN_(lookup);
	MIN_(covering);
	MIN_(delete);
	MIN_(walk);
#undef MIN_
}

struct walk_check {
	struct prefix prev;
	size_t	      n;
	int	      bad;
};

static int
walk_count(const struct prefix *p, uint32_t val, void *arg)
{
	struct walk_check *w = arg;

	if (w->n++ > 0 && prefix_cmp(&w->prev, p) >= 0)
		w->bad = 1;
	w->prev = *p;
	return 0;
}

static int
run_trie(struct prefix *pf, const struct ipaddr *addrs, size_t n, struct result *r)
{
	struct trie	 *t;
	struct trie_stats st;
	struct prefix	  m;
	size_t		  heap0 = heap_used(), rss0 = rss_bytes();
	double		  t0;

	memset(r, 0, sizeof(*r));
	if ((t = trie_new(AF_INET)) == NULL)
		return -1;
	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		if (trie_insert(t, &pf[i], (uint32_t)i + 1, NULL) != 0)
			return -1;
	r->insert = (now_ns() - t0) / (double)n;
	r->bytes = (double)(heap_used() - heap0) / (double)n;
	r->rss = ((double)rss_bytes() - (double)rss0) / (double)n;
	trie_stats_get(t, &st);
	if (st.prefixes != n)
		return -1;
	/* a big trie's chunks are in huge-page extents (lib/bulk.h), which the
	 * heap count does not see: its own account then (without the unused
	 * rest of its last extent, < 2 MB) */
	if ((double)st.bytes / (double)n > r->bytes)
		r->bytes = (double)st.bytes / (double)n;
	r->nodes = st.nodes;

	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		if (trie_lookup(t, &addrs[i], NULL) != 0)
			r->hits++;
	r->lookup = (now_ns() - t0) / (double)n;

	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		if (trie_covering(t, &pf[i], &m) != 0)
			r->covered++;
	r->covering = (now_ns() - t0) / (double)n;

	{
		struct walk_check w = { .n = 0 };

		t0 = now_ns();
		trie_walk(t, walk_count, &w);
		r->walk = (now_ns() - t0) / (double)n;
		if (w.n != n || w.bad)
			return -1;
	}

	shuffle(pf, n); /* delete in an order unrelated to insertion */
	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		if (trie_delete(t, &pf[i]) == 0)
			return -1;
	r->delete = (now_ns() - t0) / (double)n;
	if (trie_count(t) != 0)
		return -1;
	trie_free(t);
	return 0;
}

static int
run_peer(struct prefix *pf, const struct ipaddr *addrs, size_t n, struct result *r)
{
	struct peer pt;
	size_t	    heap0 = heap_used();
	double	    t0;

	memset(r, 0, sizeof(*r));
	if (peer_init(&pt, n) != 0)
		return -1;
	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		peer_insert(&pt, &pf[i], &pf[i]);
	r->insert = (now_ns() - t0) / (double)n;
	r->bytes = (double)(heap_used() - heap0) / (double)n;
	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		if (peer_best(&pt, v4_word(addrs[i].bytes), 32) != NULL)
			r->hits++;
	r->lookup = (now_ns() - t0) / (double)n;
	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		if (peer_best(&pt, v4_word(pf[i].bytes), pf[i].len - 1) != NULL)
			r->covered++;
	r->covering = (now_ns() - t0) / (double)n;
	shuffle(pf, n);
	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		if (peer_delete(&pt, &pf[i]) == NULL)
			return -1;
	r->delete = (now_ns() - t0) / (double)n;
	free(pt.tab);
	return 0;
}

/*
 * Usage: bench_trie [N [ROUNDS]]. Each round runs the trie and the peer on
 * the same keys; the figures are the best of the rounds, which on a shared
 * machine is the least disturbed one.
 */
int
main(int argc, char **argv)
{
	size_t	       n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	int	       rounds = argc > 2 ? atoi(argv[2]) : 3;
	struct prefix *pf;
	struct ipaddr *addrs;
	struct result  tr, pr, best_t = { 0 }, best_p = { 0 };

	if (n < 2 || rounds < 1) {
		fprintf(stderr, "usage: bench_trie [N>=2 [ROUNDS>=1]]\n");
		return 2;
	}
	pf = make_prefixes(n);
	addrs = malloc(n * sizeof(*addrs));
	if (pf == NULL || addrs == NULL) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	/* lookup keys: a random host inside a random inserted prefix */
	for (size_t i = 0; i < n; i++) {
		const struct prefix *p = &pf[rng() % n];
		uint32_t	     host = (uint32_t)rng();

		memset(&addrs[i], 0, sizeof(addrs[i]));
		addrs[i].family = AF_INET;
		for (unsigned b = p->len; b < 32; b++)
			if (host >> b & 1)
				addrs[i].bytes[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		for (unsigned k = 0; k < 4; k++)
			addrs[i].bytes[k] |= p->bytes[k];
	}

	for (int round = 0; round < rounds; round++) {
		shuffle(pf, n);
		if (run_trie(pf, addrs, n, &tr) != 0) {
			fprintf(stderr, "trie run failed\n");
			return 1;
		}
		shuffle(pf, n);
		if (run_peer(pf, addrs, n, &pr) != 0) {
			fprintf(stderr, "peer run failed\n");
			return 1;
		}
		if (pr.hits != tr.hits || pr.covered != tr.covered) {
			fprintf(stderr,
			    "trie and peer disagree: hits %zu/%zu covering %zu/%zu\n", tr.hits,
			    pr.hits, tr.covered, pr.covered);
			return 1;
		}
		printf("round %d: trie insert %.1f lookup %.1f covering %.1f delete %.1f ns; "
		       "peer %.1f %.1f %.1f %.1f ns\n",
		    round + 1, tr.insert, tr.lookup, tr.covering, tr.delete, pr.insert,
		    pr.lookup, pr.covering, pr.delete);
		result_min(&best_t, &tr, round);
		result_min(&best_p, &pr, round);
	}
	printf("prefixes %zu, trie nodes %zu (%.2f per prefix), lookup hits %zu, "
	       "covering found %zu\n",
	    n, best_t.nodes, (double)best_t.nodes / (double)n, best_t.hits, best_t.covered);
	printf("trie: heap %.1f bytes/prefix, RSS %.1f bytes/prefix (first round), "
	       "ordered walk %.1f ns/prefix\n",
	    best_t.bytes, best_t.rss, best_t.walk);
	printf("peer (hash probe per length): insert %.1f lookup %.1f covering %.1f "
	       "delete %.1f ns, %.1f bytes/prefix\n",
	    best_p.insert, best_p.lookup, best_p.covering, best_p.delete, best_p.bytes);
	printf("ratio trie/peer: insert %.2f lookup %.2f covering %.2f delete %.2f "
	       "memory %.2f\n",
	    best_t.insert / best_p.insert, best_t.lookup / best_p.lookup,
	    best_t.covering / best_p.covering, best_t.delete / best_p.delete,
	    best_t.bytes / best_p.bytes);
	printf("RESULT n=%zu insert_ns=%.1f lookup_ns=%.1f covering_ns=%.1f "
	       "delete_ns=%.1f bytes_per_prefix=%.1f\n",
	    n, best_t.insert, best_t.lookup, best_t.covering, best_t.delete, best_t.bytes);
	free(pf);
	free(addrs);
	return 0;
}
