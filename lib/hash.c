/* lib/hash.c - intrusive chained hash table and the hash functions of the tree. */
/* SPDX-License-Identifier: ISC */
#include "lib/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
hash_init(struct hash *t, size_t min_buckets)
{
	size_t n = 8;

	while (n < min_buckets)
		n *= 2;
	memset(t, 0, sizeof(*t));
	t->min_nb = n;
}

void
hash_fini(struct hash *t)
{
	size_t min_nb = t->min_nb;

	free(t->b);
	memset(t, 0, sizeof(*t));
	t->min_nb = min_nb;
}

static int
hash_grow(struct hash *t)
{
	size_t		   nb = t->nb ? t->nb * 2 : t->min_nb ? t->min_nb : 8, i;
	struct hash_node **b, *n, *next;

	if (nb == 0 || nb < t->nb)
		return -ENOMEM;
	if ((b = calloc(nb, sizeof(*b))) == NULL)
		return -ENOMEM;
	for (i = 0; i < t->nb; i++)
		for (n = t->b[i]; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	free(t->b);
	t->b = b;
	t->nb = nb;
	return 0;
}

int
hash_add(struct hash *t, struct hash_node *n, uint32_t h)
{
	struct hash_node **bp;

	if (t->count >= t->nb && hash_grow(t) != 0 && t->nb == 0)
		return -ENOMEM;
	n->hash = h;
	bp = &t->b[h & (t->nb - 1)];
	n->next = *bp;
	*bp = n;
	t->count++;
	return 0;
}

void
hash_del(struct hash *t, struct hash_node *n)
{
	struct hash_node **pp;

	for (pp = &t->b[n->hash & (t->nb - 1)]; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			t->count--;
			return;
		}
}

struct hash_node *
hash_find(const struct hash *t, uint32_t h, bool (*eq)(const struct hash_node *, const void *),
    const void *key)
{
	struct hash_node *n;

	HASH_FOREACH_MATCH(t, h, n)
		if (eq(n, key))
			return n;
	return NULL;
}

int
hash_walk(struct hash *t, int (*fn)(struct hash_node *, void *), void *arg)
{
	struct hash_node *n, *next;
	int		  rc;

	for (size_t i = 0; i < t->nb; i++)
		for (n = t->b[i]; n; n = next) {
			next = n->next;
			if ((rc = fn(n, arg)) != 0)
				return rc;
		}
	return 0;
}

uint32_t
hash_bytes(const void *p, size_t len, uint32_t h)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

uint32_t
hash_str(const char *s)
{
	uint32_t h = HASH_SEED;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}
