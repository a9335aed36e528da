/* lib/trie.h - path-compressed binary trie for longest-prefix match over one family. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_LIB_TRIE_H
#define HGW_LIB_TRIE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/prefix.h"

/*
 * A trie maps prefixes of one address family to the caller's 32-bit handles
 * (e.g. a pool index; never 0, which means "none"), so that a node is 16
 * bytes for IPv4 and 28 for IPv6. The trie owns only its nodes: trie_free()
 * does not free what handles name. At most 2^28 - 1 nodes.
 * Lookups never allocate; insert allocates at most two nodes (and, once, the
 * 512 KiB jump table of an IPv4 trie growing past 8192 prefixes; failing that
 * only makes it slower). Not thread-safe: one owner thread per trie.
 */
struct trie;

struct trie *trie_new(uint8_t family); /* NULL on out-of-memory */
void	     trie_free(struct trie *);
size_t	     trie_count(const struct trie *);

/* Footprint: prefixes, nodes in use (prefixes + glue, at most 2 * prefixes - 1),
 * and bytes the trie holds from malloc (nodes, including free ones, and
 * bookkeeping). An empty trie holds no node storage. */
struct trie_stats {
	size_t prefixes;
	size_t nodes;
	size_t bytes;
};
void trie_stats_get(const struct trie *, struct trie_stats *);

/* Insert or replace; *old (if given) receives the replaced value or 0.
 * Returns 0, -EINVAL for a prefix of the wrong family or val 0, -ENOMEM. */
int trie_insert(struct trie *, const struct prefix *, uint32_t val, uint32_t *old);
/* Insert only if absent, in one descent: returns the value already there
 * (the trie is unchanged) or val once inserted; 0 on error, with *err (if
 * given) set to -EINVAL or -ENOMEM as for trie_insert. */
uint32_t trie_find_or_insert(struct trie *, const struct prefix *, uint32_t val, int *err);
/* The same, and *node (if given; on success) receives the prefix's node:
 * a name for it (nonzero, never reused while the prefix is in the trie)
 * that trie_node_prefix() turns back into the prefix, so a caller keeping
 * per-prefix state need not keep a copy of the prefix. */
uint32_t trie_find_or_insert_node(struct trie *, const struct prefix *, uint32_t val, int *err,
    uint32_t *node);
void	 trie_node_prefix(const struct trie *, uint32_t node, struct prefix *);
uint32_t trie_node_val(const struct trie *, uint32_t node);
/* Remove; returns the value or 0 when absent. */
uint32_t trie_delete(struct trie *, const struct prefix *);
uint32_t trie_exact(const struct trie *, const struct prefix *);
/* Longest prefix containing addr; *match (if given) receives that prefix. */
uint32_t trie_lookup(const struct trie *, const struct ipaddr *, struct prefix *match);
/* Longest prefix strictly shorter than p that contains p (p itself excluded). */
uint32_t trie_covering(const struct trie *, const struct prefix *p, struct prefix *match);
/* Walk in prefix_cmp order (address, then shorter first). The callback
 * returns 0 to go on, non-zero to stop (that value is returned). The callback
 * must not insert or delete. */
typedef int (*trie_walk_fn)(const struct prefix *, uint32_t val, void *arg);
int trie_walk(const struct trie *, trie_walk_fn, void *arg);
/* Walk only the prefixes contained in (or equal to) p, same order. */
int trie_walk_under(const struct trie *, const struct prefix *p, trie_walk_fn, void *arg);
/* The same for the prefix at node (trie_find_or_insert_node), without a descent. */
int trie_walk_node(const struct trie *, uint32_t node, trie_walk_fn, void *arg);

#endif
