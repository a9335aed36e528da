/* lib/trie.c - path-compressed binary (Patricia) trie: exact, longest-match, covering, ordered walk. */
/* SPDX-License-Identifier: ISC */
#include "lib/trie.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bulk.h"

/*
 * Layout. Nodes live in fixed-size chunks and are named by a 28-bit index
 * (0 = none), so a node costs 16 bytes for IPv4 and 28 for IPv6 with no malloc
 * header, and growing never moves a node: the value is the caller's 32-bit
 * handle, and the length is kept in the top 4 bits of each child link.
 * Chunk 0 starts small and doubles up to a full chunk so that a trie with a
 * handful of prefixes stays small.
 *
 * Keys are kept as host-order 32-bit words (1 for IPv4, 4 for IPv6) so that
 * matching and branching are word operations. A node (key, len) with a value
 * is a prefix; without one it is glue and always has exactly two children.
 * child[b] holds the keys whose bit `len` is b; every descendant is longer
 * and agrees with its ancestors on their len bits. Hence pre-order with
 * child[0] first is prefix_cmp order, and a path has at most 129 nodes.
 *
 * A big IPv4 trie also keeps a jump table over the top 16 bits, because a
 * full table is a nearly complete binary tree for its first 20 levels and each
 * level is a cache miss. For every /16 slot s it holds the topmost node of
 * length >= 16 inside s (jump) and the longest prefix shorter than /16 that
 * contains s (jbest). Every descent for a /16 or longer starts there; insert
 * and delete fall back to the root when they must change the link into the
 * slot's top node, whose parent the table does not know. All link changes go
 * through trie_link_set() and all value changes above /16 through the gain and
 * lose hooks, which keep the table exact. It is built once the trie holds
 * TRIE_JUMP_BUILD prefixes and given back below TRIE_JUMP_DROP, so small tries
 * never pay its 512 KiB. IPv6 has no table: its top bits are nearly constant.
 */

#define TRIE_CHUNK_SHIFT 12
#define TRIE_CHUNK_NODES (1u << TRIE_CHUNK_SHIFT)
#define TRIE_CHUNK0_MIN	 8u
#define TRIE_MAX_DEPTH	 129 /* lens 0..128, strictly increasing down a path */
#define TRIE_IDX_BITS	 28
#define TRIE_IDX_MASK	 ((1u << TRIE_IDX_BITS) - 1)
#define TRIE_MAX_NODES	 TRIE_IDX_MASK
#define TRIE_JUMP_BITS	 16
/* Chunks after this many (64k nodes) come from huge-page extents (lib/bulk.h):
 * a full table's descents then miss the TLB far less. */
#define TRIE_BULK_AFTER 16
#define TRIE_JUMP_SLOTS (1u << TRIE_JUMP_BITS)
#define TRIE_JUMP_BUILD 8192
#define TRIE_JUMP_DROP	2048

struct trie_node {
	uint32_t val;	/* 0: glue */
	uint32_t c[2];	/* child index | 4 bits of len << TRIE_IDX_BITS */
	uint32_t key[]; /* host order, masked to len */
};

static inline uint32_t
trie_child(const struct trie_node *n, unsigned b)
{
	return n->c[b] & TRIE_IDX_MASK;
}

static inline void
trie_child_set(struct trie_node *n, unsigned b, uint32_t i)
{
	n->c[b] = (n->c[b] & ~TRIE_IDX_MASK) | i;
}

static inline unsigned
trie_len(const struct trie_node *n)
{
	return (n->c[0] >> TRIE_IDX_BITS) << 4 | n->c[1] >> TRIE_IDX_BITS;
}

struct trie {
	uint8_t	    family;
	uint8_t	    nwords; /* 1 or 4 */
	uint8_t	    bits;   /* 32 or 128 */
	uint32_t    stride; /* bytes per node */
	uint32_t    root;
	uint32_t    free_head; /* free list threaded through child[0] */
	uint32_t    next;      /* first never-used index */
	uint32_t    cap0;      /* nodes allocated in chunk 0 */
	size_t	    count;     /* prefixes (nodes with a value) */
	size_t	    nodes;     /* in use: prefixes + glue */
	char	  **chunks;
	size_t	    nchunks, chunks_cap;
	size_t	    nmalloc; /* chunks[0 .. nmalloc) came from malloc */
	struct bulk bulk;    /* the later ones (huge-page extents) */
	uint32_t   *jump;    /* IPv4 only, big tries only; else NULL */
	uint32_t   *jbest;   /* second half of the same allocation */
};

/* A key of the trie's family, as words. */
struct trie_key {
	uint32_t w[4];
};

static inline struct trie_node *
trie_node_at(const struct trie *t, uint32_t i)
{
	return (struct trie_node *)(t->chunks[i >> TRIE_CHUNK_SHIFT] +
	    (size_t)(i & (TRIE_CHUNK_NODES - 1)) * t->stride);
}

static inline void
trie_key_load(struct trie_key *k, const uint8_t *bytes, unsigned nwords)
{
	/* Words past nwords (IPv4 uses one) are zero, so that a whole key is
	 * always defined: the static analyzer cannot know nwords is 1 or 4. */
	k->w[0] = k->w[1] = k->w[2] = k->w[3] = 0;
	for (unsigned i = 0; i < nwords; i++)
		k->w[i] = (uint32_t)bytes[4 * i] << 24 | (uint32_t)bytes[4 * i + 1] << 16 |
		    (uint32_t)bytes[4 * i + 2] << 8 | bytes[4 * i + 3];
}

static void
trie_prefix_store(const struct trie *t, const struct trie_node *n, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = t->family;
	p->len = trie_len(n);
	for (unsigned i = 0; i < t->nwords; i++) {
		p->bytes[4 * i] = (uint8_t)(n->key[i] >> 24);
		p->bytes[4 * i + 1] = (uint8_t)(n->key[i] >> 16);
		p->bytes[4 * i + 2] = (uint8_t)(n->key[i] >> 8);
		p->bytes[4 * i + 3] = (uint8_t)n->key[i];
	}
}

static inline unsigned
trie_key_bit(const uint32_t *w, unsigned i)
{
	return (w[i >> 5] >> (31 - (i & 31))) & 1;
}

static inline uint32_t
trie_word_mask(unsigned rem) /* the top rem bits, rem in 0..31 */
{
	return rem ? ~(uint32_t)0 << (32 - rem) : 0;
}

/* Do a and b agree on their first len bits? */
static inline bool
trie_key_match(const uint32_t *a, const uint32_t *b, unsigned len)
{
	unsigned i, full = len >> 5;

	for (i = 0; i < full; i++)
		if (a[i] != b[i])
			return false;
	if (len & 31)
		return ((a[i] ^ b[i]) & trie_word_mask(len & 31)) == 0;
	return true;
}

/* The first bit where a and b differ, or max if they agree on max bits. */
static unsigned
trie_key_diff(const uint32_t *a, const uint32_t *b, unsigned max)
{
	for (unsigned i = 0; i * 32 < max; i++) {
		uint32_t x = a[i] ^ b[i];

		if (x) {
			unsigned d = i * 32 + (unsigned)__builtin_clz(x);

			return d < max ? d : max;
		}
	}
	return max;
}

static void
trie_key_mask(uint32_t *w, unsigned nwords, unsigned len)
{
	for (unsigned i = 0; i < nwords; i++) {
		if (len >= 32 * (i + 1))
			continue;
		w[i] = len > 32 * i ? w[i] & trie_word_mask(len - 32 * i) : 0;
	}
}

/* Allocate a node; may move chunk 0 (never a node index). 0 on out-of-memory. */
static uint32_t
trie_node_alloc(struct trie *t)
{
	uint32_t i;

	if (t->free_head) {
		i = t->free_head;
		t->free_head = trie_child(trie_node_at(t, i), 0);
		t->nodes++;
		return i;
	}
	if (t->next >= TRIE_MAX_NODES)
		return 0;
	i = t->next;
	if (i < TRIE_CHUNK_NODES) {
		if (i >= t->cap0) {
			uint32_t ncap = t->cap0 ? t->cap0 * 2 : TRIE_CHUNK0_MIN;
			char	*c;

			if (ncap > TRIE_CHUNK_NODES)
				ncap = TRIE_CHUNK_NODES;
			if (t->nchunks == 0) {
				if ((t->chunks = calloc(4, sizeof(*t->chunks))) == NULL)
					return 0;
				t->chunks_cap = 4;
				t->nchunks = 1;
				t->nmalloc = 1;
			}
			if ((c = realloc(t->chunks[0], (size_t)ncap * t->stride)) == NULL)
				return 0;
			t->chunks[0] = c;
			t->cap0 = ncap;
		}
	} else if ((i & (TRIE_CHUNK_NODES - 1)) == 0) {
		char *c;

		if (t->nchunks == t->chunks_cap) {
			size_t ncap = t->chunks_cap * 2;
			char **cs = realloc(t->chunks, ncap * sizeof(*cs));

			if (cs == NULL)
				return 0;
			t->chunks = cs;
			t->chunks_cap = ncap;
		}
		if (t->nchunks == t->nmalloc && t->nchunks < TRIE_BULK_AFTER) {
			if ((c = malloc((size_t)TRIE_CHUNK_NODES * t->stride)) == NULL)
				return 0;
			t->nmalloc++;
		} else if ((c = bulk_alloc(&t->bulk, (size_t)TRIE_CHUNK_NODES * t->stride)) ==
		    NULL)
			return 0;
		t->chunks[t->nchunks++] = c;
	}
	t->next++;
	t->nodes++;
	return i;
}

static void
trie_node_release(struct trie *t, uint32_t i)
{
	struct trie_node *n = trie_node_at(t, i);

	n->val = 0;
	n->c[0] = t->free_head;
	n->c[1] = 0;
	t->free_head = i;
	t->nodes--;
}

/* Give every chunk back once the trie is empty. */
static void
trie_storage_reset(struct trie *t)
{
	for (size_t c = 0; c < t->nmalloc; c++)
		free(t->chunks[c]);
	free(t->chunks);
	bulk_fini(&t->bulk);
	t->chunks = NULL;
	t->nchunks = t->chunks_cap = t->nmalloc = 0;
	t->cap0 = 0;
	t->next = 1; /* index 0 means "none" */
	t->free_head = 0;
	t->root = 0;
	t->nodes = 0;
	free(t->jump);
	t->jump = t->jbest = NULL;
}

struct trie *
trie_new(uint8_t family)
{
	struct trie *t;

	if (family != AF_INET && family != AF_INET6)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->family = family;
	t->nwords = family == AF_INET ? 1 : 4;
	t->bits = (uint8_t)(family == AF_INET ? 32 : 128);
	t->stride = (uint32_t)(offsetof(struct trie_node, key) + t->nwords * sizeof(uint32_t));
	trie_storage_reset(t);
	return t;
}

void
trie_free(struct trie *t)
{
	if (t == NULL)
		return;
	trie_storage_reset(t);
	free(t);
}

size_t
trie_count(const struct trie *t)
{
	return t->count;
}

void
trie_stats_get(const struct trie *t, struct trie_stats *st)
{
	st->prefixes = t->count;
	st->nodes = t->nodes;
	st->bytes =
	    sizeof(*t) + t->chunks_cap * sizeof(*t->chunks) + (size_t)t->cap0 * t->stride;
	if (t->nchunks > 1)
		st->bytes += (t->nchunks - 1) * (size_t)TRIE_CHUNK_NODES * t->stride;
	if (t->jump)
		st->bytes += 2 * TRIE_JUMP_SLOTS * sizeof(uint32_t);
}

static void
trie_node_init(struct trie *t, uint32_t i, const struct trie_key *k, unsigned len, uint32_t val)
{
	struct trie_node *n = trie_node_at(t, i);

	n->val = val;
	n->c[0] = (uint32_t)(len >> 4) << TRIE_IDX_BITS;
	n->c[1] = (uint32_t)(len & 15) << TRIE_IDX_BITS;
	memcpy(n->key, k->w, t->nwords * sizeof(uint32_t));
	trie_key_mask(n->key, t->nwords, len);
}

static inline uint32_t
trie_jump_slot(const uint32_t *w)
{
	return w[0] >> (32 - TRIE_JUMP_BITS);
}

/*
 * Every link change goes through here. A link from above the jump level
 * (the root pointer or a node shorter than /16) to a node of length >= 16
 * makes that node the top of its slot; a node unlinked from there no longer
 * is. Callers link a new parent before its children.
 */
static void
trie_link_set(struct trie *t, uint32_t parent, unsigned side, uint32_t i)
{
	struct trie_node *pn = parent ? trie_node_at(t, parent) : NULL;
	uint32_t	  cur = pn ? trie_child(pn, side) : t->root;

	if (t->jump && (pn == NULL || trie_len(pn) < TRIE_JUMP_BITS)) {
		const struct trie_node *n;

		if (cur && trie_len(n = trie_node_at(t, cur)) >= TRIE_JUMP_BITS)
			t->jump[trie_jump_slot(n->key)] = 0;
		if (i && trie_len(n = trie_node_at(t, i)) >= TRIE_JUMP_BITS)
			t->jump[trie_jump_slot(n->key)] = i;
	}
	if (pn)
		trie_child_set(pn, side, i);
	else
		t->root = i;
}

/* Node i, shorter than /16, just got a value: it is the best of the slots it
 * covers unless a longer one already is. */
static void
trie_jump_gain(struct trie *t, uint32_t i)
{
	const struct trie_node *n = trie_node_at(t, i);
	uint32_t		s, first = trie_jump_slot(n->key);
	uint32_t		span = 1u << (TRIE_JUMP_BITS - trie_len(n));

	for (s = first; s < first + span; s++)
		if (t->jbest[s] == 0 || trie_len(trie_node_at(t, t->jbest[s])) < trie_len(n))
			t->jbest[s] = i;
}

static uint32_t trie_best(const struct trie *, const struct trie_key *, unsigned, bool);

/* The prefix k/len (< /16), once node i, is gone: its slots fall back to
 * whatever covers it. */
static void
trie_jump_lose(struct trie *t, uint32_t i, const struct trie_key *k, unsigned len)
{
	uint32_t s, first = trie_jump_slot(k->w), span = 1u << (TRIE_JUMP_BITS - len);
	uint32_t cover = trie_best(t, k, len, true);

	for (s = first; s < first + span; s++)
		if (t->jbest[s] == i)
			t->jbest[s] = cover;
}

/* Fill the table by one descent per slot through the nodes above /16. */
static void
trie_jump_build(struct trie *t)
{
	uint32_t *tab = malloc(2 * TRIE_JUMP_SLOTS * sizeof(uint32_t));

	if (tab == NULL)
		return; /* only slower */
	t->jump = tab;
	t->jbest = tab + TRIE_JUMP_SLOTS;
	for (uint32_t s = 0; s < TRIE_JUMP_SLOTS; s++) {
		uint32_t key = s << (32 - TRIE_JUMP_BITS), cur, best = 0;

		for (cur = t->root; cur;) {
			const struct trie_node *n = trie_node_at(t, cur);

			if (!trie_key_match(n->key, &key,
				trie_len(n) < TRIE_JUMP_BITS ? trie_len(n) : TRIE_JUMP_BITS)) {
				cur = 0;
				break;
			}
			if (trie_len(n) >= TRIE_JUMP_BITS)
				break;
			if (n->val)
				best = cur;
			cur = trie_child(n, trie_key_bit(&key, trie_len(n)));
		}
		t->jump[s] = cur;
		t->jbest[s] = best;
	}
}

/* Where a descent for k/len (len >= 16) may start instead of the root: the
 * top node of k's slot, when k lies inside it. 0 means "from the root". */
static inline uint32_t
trie_jump_start(const struct trie *t, const struct trie_key *k, unsigned len)
{
	const struct trie_node *n;
	uint32_t		top;

	if (t->jump == NULL || len < TRIE_JUMP_BITS)
		return 0;
	if ((top = t->jump[trie_jump_slot(k->w)]) == 0)
		return 0;
	n = trie_node_at(t, top);
	if (trie_len(n) > len || !trie_key_match(n->key, k->w, trie_len(n)))
		return 0;
	return top;
}

static void
trie_jump_drop(struct trie *t)
{
	free(t->jump);
	t->jump = t->jbest = NULL;
}

/* Insert, or with keep leave a value already there (in *old) untouched;
 * *node (if given) receives the prefix's node. */
static int
trie_insert_do(struct trie *t, const struct prefix *p, uint32_t val, uint32_t *old, bool keep,
    uint32_t *node)
{
	struct trie_key	  k;
	struct trie_node *n;
	uint32_t	  parent = 0, cur, a, b = 0;
	unsigned	  side = 0, len = p->len, common;

	if (old)
		*old = 0;
	if (p->family != t->family || p->len > t->bits || val == 0)
		return -EINVAL;
	trie_key_load(&k, p->bytes, t->nwords);
	trie_key_mask(k.w, t->nwords, len);

	/* From the slot's top node, the first step always goes down (k lies
	 * inside it), so every link changed below has a known parent. */
	if ((cur = trie_jump_start(t, &k, len)) == 0)
		cur = t->root;
	for (; cur; cur = trie_child(n, side)) {
		n = trie_node_at(t, cur);
		if (trie_len(n) > len || !trie_key_match(n->key, k.w, trie_len(n)))
			break;
		if (trie_len(n) == len) {
			if (old)
				*old = n->val;
			if (node)
				*node = cur;
			if (n->val && keep)
				return 0;
			if (n->val)
				n->val = val;
			else {
				n->val = val; /* glue becomes a prefix */
				a = cur;
				goto out;
			}
			return 0;
		}
		parent = cur;
		side = trie_key_bit(k.w, trie_len(n));
	}

	/* Allocation may move chunk 0: hold indices only from here on. */
	if ((a = trie_node_alloc(t)) == 0)
		return -ENOMEM;
	if (node)
		*node = a;
	if (cur == 0) {
		trie_node_init(t, a, &k, len, val);
		trie_link_set(t, parent, side, a);
		goto out;
	}
	n = trie_node_at(t, cur);
	common = trie_key_diff(n->key, k.w, len < trie_len(n) ? len : trie_len(n));
	if (common == len) {
		/* p sits above cur on the path: it becomes cur's parent */
		unsigned cside = trie_key_bit(n->key, len);

		trie_node_init(t, a, &k, len, val);
		trie_link_set(t, parent, side, a);
		trie_link_set(t, a, cside, cur);
		goto out;
	}
	/* p and cur diverge at bit `common`: glue node there, both below it */
	if ((b = trie_node_alloc(t)) == 0) {
		trie_node_release(t, a);
		return -ENOMEM;
	}
	trie_node_init(t, a, &k, len, val);
	trie_node_init(t, b, &k, common, 0);
	trie_link_set(t, parent, side, b);
	trie_link_set(t, b, trie_key_bit(k.w, common), a);
	trie_link_set(t, b, !trie_key_bit(k.w, common), cur);
out:
	t->count++;
	if (t->jump && len < TRIE_JUMP_BITS)
		trie_jump_gain(t, a);
	else if (t->jump == NULL && t->family == AF_INET && t->count >= TRIE_JUMP_BUILD)
		trie_jump_build(t);
	return 0;
}

int
trie_insert(struct trie *t, const struct prefix *p, uint32_t val, uint32_t *old)
{
	return trie_insert_do(t, p, val, old, false, NULL);
}

uint32_t
trie_find_or_insert(struct trie *t, const struct prefix *p, uint32_t val, int *err)
{
	return trie_find_or_insert_node(t, p, val, err, NULL);
}

uint32_t
trie_find_or_insert_node(struct trie *t, const struct prefix *p, uint32_t val, int *err,
    uint32_t *node)
{
	uint32_t old = 0;
	int	 rc;

	if ((rc = trie_insert_do(t, p, val, &old, true, node)) != 0) {
		if (err)
			*err = rc;
		return 0;
	}
	return old ? old : val;
}

uint32_t
trie_delete(struct trie *t, const struct prefix *p)
{
	struct trie_key	  k;
	struct trie_node *n = NULL, *pn;
	uint32_t	  path[TRIE_MAX_DEPTH + 1], cur, only, start;
	unsigned	  sides[TRIE_MAX_DEPTH + 1], depth, len = p->len;
	uint32_t	  val;

	if (p->family != t->family || p->len > t->bits)
		return 0;
	trie_key_load(&k, p->bytes, t->nwords);
	trie_key_mask(k.w, t->nwords, len);
	start = trie_jump_start(t, &k, len);
again:
	/* path[d] is the node at depth d, sides[d] the branch taken into it */
	for (cur = start ? start : t->root, sides[0] = 0, depth = 0; cur;) {
		n = trie_node_at(t, cur);
		if (trie_len(n) > len || !trie_key_match(n->key, k.w, trie_len(n)))
			return 0;
		path[depth] = cur;
		if (trie_len(n) == len)
			break;
		sides[depth + 1] = trie_key_bit(k.w, trie_len(n));
		cur = trie_child(n, sides[depth + 1]);
		depth++;
	}
	if (cur == 0 || n->val == 0)
		return 0;
	/* From a slot's top node, path[0]'s own parent is unknown: if the splice
	 * would change the link into path[0], walk again from the root. */
	if (start && !(trie_child(n, 0) && trie_child(n, 1)) &&
	    (depth == 0 ||
		(depth == 1 && !trie_child(n, 0) && !trie_child(n, 1) &&
		    trie_node_at(t, path[0])->val == 0))) {
		start = 0;
		goto again;
	}
	val = n->val;
	n->val = 0;
	t->count--;

	if (trie_child(n, 0) && trie_child(n, 1))
		goto out; /* stays as glue */
	/* zero or one child: splice n out */
	only = trie_child(n, 0) ? trie_child(n, 0) : trie_child(n, 1);
	trie_link_set(t, depth ? path[depth - 1] : 0, sides[depth], only);
	trie_node_release(t, cur);
	if (only || depth == 0)
		goto out;
	/* n was a leaf: a glue parent is left with one child and goes too */
	pn = trie_node_at(t, path[depth - 1]);
	if (pn->val == 0) {
		only = trie_child(pn, 0) ? trie_child(pn, 0) : trie_child(pn, 1);
		trie_link_set(t, depth >= 2 ? path[depth - 2] : 0, sides[depth - 1], only);
		trie_node_release(t, path[depth - 1]);
	}
out:
	if (t->root == 0)
		trie_storage_reset(t);
	else if (t->jump && t->count < TRIE_JUMP_DROP)
		trie_jump_drop(t);
	else if (t->jump && len < TRIE_JUMP_BITS)
		trie_jump_lose(t, cur, &k, len);
	return val;
}

void
trie_node_prefix(const struct trie *t, uint32_t node, struct prefix *p)
{
	trie_prefix_store(t, trie_node_at(t, node), p);
}

uint32_t
trie_node_val(const struct trie *t, uint32_t node)
{
	return trie_node_at(t, node)->val;
}

uint32_t
trie_exact(const struct trie *t, const struct prefix *p)
{
	struct trie_key		k;
	const struct trie_node *n;
	unsigned		len = p->len;
	uint32_t		cur;

	if (p->family != t->family || p->len > t->bits)
		return 0;
	trie_key_load(&k, p->bytes, t->nwords);
	trie_key_mask(k.w, t->nwords, len);
	cur = t->jump && len >= TRIE_JUMP_BITS ? t->jump[trie_jump_slot(k.w)] : t->root;
	while (cur) {
		n = trie_node_at(t, cur);
		if (trie_len(n) > len || !trie_key_match(n->key, k.w, trie_len(n)))
			return 0;
		if (trie_len(n) == len)
			return n->val;
		cur = trie_child(n, trie_key_bit(k.w, trie_len(n)));
	}
	return 0;
}

/* Deepest valued node on k's path with len <= maxlen (and < maxlen if strict). */
static uint32_t
trie_best(const struct trie *t, const struct trie_key *k, unsigned maxlen, bool strict)
{
	const struct trie_node *n;
	uint32_t		cur = t->root, best = 0;

	if (t->jump && maxlen >= TRIE_JUMP_BITS) {
		cur = t->jump[trie_jump_slot(k->w)];
		best = t->jbest[trie_jump_slot(k->w)];
	}
	while (cur) {
		n = trie_node_at(t, cur);
		if (trie_len(n) > maxlen || (strict && trie_len(n) == maxlen) ||
		    !trie_key_match(n->key, k->w, trie_len(n)))
			break;
		if (n->val)
			best = cur;
		if (trie_len(n) == t->bits)
			break;
		cur = trie_child(n, trie_key_bit(k->w, trie_len(n)));
	}
	return best;
}

uint32_t
trie_lookup(const struct trie *t, const struct ipaddr *addr, struct prefix *match)
{
	struct trie_key		k;
	const struct trie_node *best;
	uint32_t		i;

	if (addr->family != t->family)
		return 0;
	trie_key_load(&k, addr->bytes, t->nwords);
	if ((i = trie_best(t, &k, t->bits, false)) == 0)
		return 0;
	best = trie_node_at(t, i);
	if (match)
		trie_prefix_store(t, best, match);
	return best->val;
}

uint32_t
trie_covering(const struct trie *t, const struct prefix *p, struct prefix *match)
{
	struct trie_key		k;
	const struct trie_node *best;
	uint32_t		i;

	if (p->family != t->family || p->len > t->bits)
		return 0;
	trie_key_load(&k, p->bytes, t->nwords);
	trie_key_mask(k.w, t->nwords, p->len);
	if ((i = trie_best(t, &k, p->len, true)) == 0)
		return 0;
	best = trie_node_at(t, i);
	if (match)
		trie_prefix_store(t, best, match);
	return best->val;
}

/* Pre-order from top, child[0] first; the stack holds at most one pending
 * right child per level plus the current node. */
static int
trie_walk_from(const struct trie *t, uint32_t top, trie_walk_fn fn, void *arg)
{
	uint32_t      stack[TRIE_MAX_DEPTH + 2];
	unsigned      sp = 0;
	struct prefix p;
	int	      rc;

	if (top)
		stack[sp++] = top;
	while (sp > 0) {
		const struct trie_node *n = trie_node_at(t, stack[--sp]);

		if (n->val) {
			trie_prefix_store(t, n, &p);
			if ((rc = fn(&p, n->val, arg)) != 0)
				return rc;
		}
		if (trie_child(n, 1))
			stack[sp++] = trie_child(n, 1);
		if (trie_child(n, 0))
			stack[sp++] = trie_child(n, 0);
	}
	return 0;
}

int
trie_walk(const struct trie *t, trie_walk_fn fn, void *arg)
{
	return trie_walk_from(t, t->root, fn, arg);
}

int
trie_walk_node(const struct trie *t, uint32_t node, trie_walk_fn fn, void *arg)
{
	return trie_walk_from(t, node, fn, arg);
}

int
trie_walk_under(const struct trie *t, const struct prefix *p, trie_walk_fn fn, void *arg)
{
	struct trie_key		k;
	const struct trie_node *n;
	uint32_t		cur;

	if (p->family != t->family || p->len > t->bits)
		return 0;
	trie_key_load(&k, p->bytes, t->nwords);
	trie_key_mask(k.w, t->nwords, p->len);
	/* the first node at or below p's length on p's path roots the subtree
	 * (a /16 or longer starts at its slot's top node, on that path) */
	if ((cur = trie_jump_start(t, &k, p->len)) == 0)
		cur = t->root;
	for (; cur; cur = trie_child(n, trie_key_bit(k.w, trie_len(n)))) {
		n = trie_node_at(t, cur);
		if (trie_len(n) >= p->len) {
			if (!trie_key_match(n->key, k.w, p->len))
				return 0;
			break;
		}
		if (!trie_key_match(n->key, k.w, trie_len(n)))
			return 0;
	}
	return trie_walk_from(t, cur, fn, arg);
}
