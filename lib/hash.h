/* lib/hash.h - one hash table for the tree: intrusive, chained, stored hashes, grows by doubling. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_LIB_HASH_H
#define HGW_LIB_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An entry embeds a struct hash_node and is found again with hash_entry().
 * The table holds the node's hash, so lookups compare keys only when the
 * hashes match, growing never calls back into the owner, and deleting
 * needs no hash function. Lookups never allocate; adding allocates only
 * when the table grows (at one entry per bucket, to twice the buckets).
 *
 * Ownership: the table owns only its bucket array (hash_fini frees it);
 * entries are the caller's, who frees them after taking them out (or
 * after hash_fini). Not thread-safe: one owner thread per table.
 *
 * Look-up pattern (no callback, the key compared inline):
 *
 *	struct hash_node *n;
 *	HASH_FOREACH_MATCH(&t, h, n) {
 *		struct thing *x = hash_entry(n, struct thing, hnode);
 *		if (thing_key_equal(x, key))
 *			return x;
 *	}
 */
struct hash_node {
	struct hash_node *next;
	uint32_t	  hash;
};

struct hash {
	struct hash_node **b;
	size_t		   nb;	   /* buckets: 0 or a power of two */
	size_t		   count;  /* entries */
	size_t		   min_nb; /* the first allocation */
};

#define hash_entry(node, type, member) ((type *)(void *)((char *)(node)-offsetof(type, member)))

/* No allocation here; min_buckets is rounded up to a power of two (>= 8).
 * A zeroed struct hash is an empty table with 8 first buckets. */
void hash_init(struct hash *, size_t min_buckets);
/* Frees the buckets (entries are the caller's); the table is empty and
 * usable again, as after hash_init. */
void hash_fini(struct hash *);
/* Add n under hash h (duplicates are the caller's business). 0, or
 * -ENOMEM when no bucket array could be had at all; a failed growth only
 * makes chains longer. */
int hash_add(struct hash *, struct hash_node *n, uint32_t h);
/* Take out n, which must be in the table. */
void hash_del(struct hash *, struct hash_node *n);
/* The node for which eq(node, key) holds among those with hash h, or NULL. */
struct hash_node *hash_find(const struct hash *, uint32_t	       h,
    bool (*eq)(const struct hash_node *, const void *key), const void *key);
/* Every entry once, in no particular order; fn may hash_del() the node it
 * is given (and free it), nothing else. Non-zero from fn stops the walk
 * and is returned. */
int hash_walk(struct hash *, int (*fn)(struct hash_node *, void *), void *arg);

static inline size_t
hash_count(const struct hash *t)
{
	return t->count;
}

/* The first / next node with hash h (candidates: the caller compares keys). */
static inline struct hash_node *
hash_match_next(struct hash_node *n, uint32_t h)
{
	while (n && n->hash != h)
		n = n->next;
	return n;
}

static inline struct hash_node *
hash_match_first(const struct hash *t, uint32_t h)
{
	return t->nb ? hash_match_next(t->b[h & (t->nb - 1)], h) : NULL;
}

#define HASH_FOREACH_MATCH(t, h, n) \
	for ((n) = hash_match_first((t), (h)); (n); (n) = hash_match_next((n)->next, (h)))

/*
 * Hash functions. Not for adversarial keys (no seed secret): every table
 * here is keyed by configuration or by values the gateway itself chose,
 * except BGP attribute sets, which bgp/ hashes with its own mix.
 */
/* Fold v into h (a 64-bit finaliser, then FNV's multiply). Inline: the
 * RIB folds three words per leg lookup, per prefix. */
static inline uint32_t
hash_mix(uint32_t h, uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (h ^ (uint32_t)v ^ (uint32_t)(v >> 32)) * 16777619u;
}
/* FNV-1a: strings and short byte keys. */
uint32_t hash_bytes(const void *, size_t, uint32_t seed);
uint32_t hash_str(const char *);
#define HASH_SEED 2166136261u /* FNV offset basis */

#endif
