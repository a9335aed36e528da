/* tests/bench/trie/bench_trie.c - lib/trie micro-benchmark: 1M IPv4 prefixes, realistic length mix. */
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
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static size_t
heap_used(void)
{
	struct mallinfo2	 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static size_t
rss_bytes(void)
{
	FILE		*f = fopen("/proc/self/statm", "r");
	unsigned long	 size = 0, rss = 0;

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
	unsigned	 r = (unsigned)(rng() % 1000);

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

static int
pcmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static void
shuffle(struct prefix *v, size_t n)
{
	for (size_t i = n - 1; i > 0; i--) {
		size_t		 j = rng() % (i + 1);
		struct prefix	 x = v[i];

		v[i] = v[j];
		v[j] = x;
	}
}

/* n distinct prefixes in random order. */
static struct prefix *
make_prefixes(size_t n)
{
	size_t		 cap = n + n / 4, have = 0;
	struct prefix	*v = malloc(cap * sizeof(*v));

	if (v == NULL)
		return NULL;
	while (have < n) {
		size_t	 u = 0;

		while (have < cap) {
			uint8_t		 b[4];
			uint32_t	 x = (uint32_t)rng();

			b[0] = (uint8_t)(1 + (x >> 24) % 223);	/* 1..223 */
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

int
main(int argc, char **argv)
{
	size_t		 n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	struct prefix	*pf = make_prefixes(n), m;
	struct ipaddr	*addrs = malloc(n * sizeof(*addrs));
	struct trie	*t;
	struct trie_stats st;
	size_t		 heap0, rss0, hits = 0, covered = 0, heap_b, rss_b;
	double		 t0, ins, look, cov, del;
	void		*sink = NULL;

	if (pf == NULL || addrs == NULL) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	/* lookup keys: a random host inside a random inserted prefix */
	for (size_t i = 0; i < n; i++) {
		const struct prefix	*p = &pf[rng() % n];
		uint32_t		 host = (uint32_t)rng();

		memset(&addrs[i], 0, sizeof(addrs[i]));
		addrs[i].family = AF_INET;
		for (unsigned b = p->len; b < 32; b++)
			if (host >> b & 1)
				addrs[i].bytes[b / 8] |= (uint8_t)(0x80 >> (b % 8));
		for (unsigned k = 0; k < 4; k++)
			addrs[i].bytes[k] |= p->bytes[k];
	}

	heap0 = heap_used();
	rss0 = rss_bytes();
	if ((t = trie_new(AF_INET)) == NULL)
		return 1;
	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		if (trie_insert(t, &pf[i], &pf[i], NULL) != 0) {
			fprintf(stderr, "insert failed\n");
			return 1;
		}
	ins = (now_ns() - t0) / (double)n;
	heap_b = heap_used() - heap0;
	rss_b = rss_bytes() - rss0;
	trie_stats_get(t, &st);
	if (st.prefixes != n) {
		fprintf(stderr, "count %zu != %zu\n", st.prefixes, n);
		return 1;
	}

	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		if ((sink = trie_lookup(t, &addrs[i], NULL)) != NULL)
			hits++;
	look = (now_ns() - t0) / (double)n;

	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		if ((sink = trie_covering(t, &pf[i], &m)) != NULL)
			covered++;
	cov = (now_ns() - t0) / (double)n;

	shuffle(pf, n);	/* delete in an order unrelated to insertion */
	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		if (trie_delete(t, &pf[i]) == NULL) {
			fprintf(stderr, "delete missed\n");
			return 1;
		}
	del = (now_ns() - t0) / (double)n;
	if (trie_count(t) != 0)
		return 1;
	trie_free(t);

	printf("prefixes %zu, trie nodes %zu (%.2f per prefix), node storage %zu bytes\n",
	    n, st.nodes, (double)st.nodes / (double)n, st.bytes);
	printf("lookup hits %zu/%zu, covering found %zu/%zu (last %p)\n", hits, n,
	    covered, n, sink);
	printf("heap delta %.1f bytes/prefix, RSS delta %.1f bytes/prefix\n",
	    (double)heap_b / (double)n, (double)rss_b / (double)n);
	printf("RESULT n=%zu insert_ns=%.1f lookup_ns=%.1f covering_ns=%.1f "
	    "delete_ns=%.1f bytes_per_prefix=%.1f\n", n, ins, look, cov, del,
	    (double)heap_b / (double)n);
	free(pf);
	free(addrs);
	return 0;
}
