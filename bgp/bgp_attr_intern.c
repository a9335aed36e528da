/* bgp/bgp_attr_intern.c - hash-consed, refcounted path attribute sets (one per distinct set). */
/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp_codec_local.h"

/*
 * One table for the process, used from the loop thread only. Interned sets
 * are single allocations: the struct followed by its arrays, so a set costs
 * one malloc and prefixes sharing it cost nothing more than a pointer.
 */
static struct hash intern = { .min_nb = 1024 }; /* zeroed: no buckets yet */

static uint32_t
attr_mix(uint32_t h, uint32_t v)
{
	/* murmur3-style mixing of one word */
	v *= 0xcc9e2d51u;
	v = (v << 15) | (v >> 17);
	v *= 0x1b873593u;
	h ^= v;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64u;
}

static uint32_t
attr_bytes(uint32_t h, const uint8_t *p, size_t n)
{
	size_t i = 0;

	for (; i + 4 <= n; i += 4)
		h = attr_mix(h,
		    (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
			(uint32_t)p[i + 3] << 24);
	for (; i < n; i++)
		h = attr_mix(h, p[i]);
	return h;
}

uint32_t
bgp_attrs_hash(const struct bgp_attrs *a)
{
	uint32_t h = 0x9747b28cu;

	/* only the fields the presence bits vouch for, so stray bytes in a
	 * hand-built tmp set do not split equal sets */
	h = attr_mix(h, a->flags);
	if (a->flags & BGP_ATTRS_ORIGIN)
		h = attr_mix(h, a->origin);
	if (a->flags & BGP_ATTRS_NEXT_HOP)
		h = attr_bytes(h, a->nexthop4, 4);
	if (a->flags & BGP_ATTRS_MP_NH)
		h = attr_bytes(h, a->nh6_global, 16);
	if (a->flags & BGP_ATTRS_NH6_LL)
		h = attr_bytes(h, a->nh6_ll, 16);
	if (a->flags & BGP_ATTRS_MED)
		h = attr_mix(h, a->med);
	if (a->flags & BGP_ATTRS_LOCAL_PREF)
		h = attr_mix(h, a->local_pref);
	if (a->flags & BGP_ATTRS_AGGREGATOR) {
		h = attr_mix(h, a->aggregator_as);
		h = attr_mix(h, a->aggregator_id);
	}
	h = attr_mix(h, a->aspath_words);
	for (size_t i = 0; i < a->aspath_words; i++)
		h = attr_mix(h, a->aspath[i]);
	h = attr_mix(h, a->ncomm);
	for (size_t i = 0; i < a->ncomm; i++)
		h = attr_mix(h, a->comm[i]);
	h = attr_mix(h, a->nlcomm);
	for (size_t i = 0; i < a->nlcomm; i++) {
		h = attr_mix(h, a->lcomm[i].global);
		h = attr_mix(h, a->lcomm[i].local1);
		h = attr_mix(h, a->lcomm[i].local2);
	}
	h = attr_mix(h, a->unknown_len);
	h = attr_bytes(h, a->unknown, a->unknown_len);
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

bool
bgp_attrs_equal(const struct bgp_attrs *x, const struct bgp_attrs *y)
{
	uint16_t f = x->flags;

	if (x == y)
		return true;
	if (f != y->flags || x->aspath_words != y->aspath_words || x->ncomm != y->ncomm ||
	    x->nlcomm != y->nlcomm || x->unknown_len != y->unknown_len)
		return false;
	if (((f & BGP_ATTRS_ORIGIN) && x->origin != y->origin) ||
	    ((f & BGP_ATTRS_NEXT_HOP) && memcmp(x->nexthop4, y->nexthop4, 4) != 0) ||
	    ((f & BGP_ATTRS_MP_NH) && memcmp(x->nh6_global, y->nh6_global, 16) != 0) ||
	    ((f & BGP_ATTRS_NH6_LL) && memcmp(x->nh6_ll, y->nh6_ll, 16) != 0) ||
	    ((f & BGP_ATTRS_MED) && x->med != y->med) ||
	    ((f & BGP_ATTRS_LOCAL_PREF) && x->local_pref != y->local_pref) ||
	    ((f & BGP_ATTRS_AGGREGATOR) &&
		(x->aggregator_as != y->aggregator_as || x->aggregator_id != y->aggregator_id)))
		return false;
	return (x->aspath_words == 0 ||
		   memcmp(x->aspath, y->aspath, x->aspath_words * sizeof(uint32_t)) == 0) &&
	    (x->ncomm == 0 || memcmp(x->comm, y->comm, x->ncomm * sizeof(uint32_t)) == 0) &&
	    (x->nlcomm == 0 ||
		memcmp(x->lcomm, y->lcomm, x->nlcomm * sizeof(struct bgp_lcomm)) == 0) &&
	    (x->unknown_len == 0 || memcmp(x->unknown, y->unknown, x->unknown_len) == 0);
}

/* One allocation: the struct, then the arrays, each properly aligned. */
static struct bgp_attrs *
intern_copy(const struct bgp_attrs *tmp)
{
	size_t		  off = sizeof(struct bgp_attrs);
	size_t		  o_path, o_comm, o_lcomm, o_unk;
	struct bgp_attrs *a;
	uint8_t		 *base;

	o_path = off;
	off += (size_t)tmp->aspath_words * sizeof(uint32_t);
	o_comm = off;
	off += (size_t)tmp->ncomm * sizeof(uint32_t);
	o_lcomm = off;
	off += (size_t)tmp->nlcomm * sizeof(struct bgp_lcomm);
	o_unk = off;
	off += tmp->unknown_len;
	base = malloc(off);
	if (base == NULL)
		return NULL;
	a = (struct bgp_attrs *)(void *)base;
	*a = *tmp;
	a->refcnt = 1;
	a->size = (uint32_t)off;
	a->acct = NULL;
	a->aspath = tmp->aspath_words ?
	    memcpy(base + o_path, tmp->aspath, (size_t)tmp->aspath_words * sizeof(uint32_t)) :
	    NULL;
	a->comm = tmp->ncomm ?
	    memcpy(base + o_comm, tmp->comm, (size_t)tmp->ncomm * sizeof(uint32_t)) :
	    NULL;
	a->lcomm = tmp->nlcomm ?
	    memcpy(base + o_lcomm, tmp->lcomm, (size_t)tmp->nlcomm * sizeof(struct bgp_lcomm)) :
	    NULL;
	a->unknown =
	    tmp->unknown_len ? memcpy(base + o_unk, tmp->unknown, tmp->unknown_len) : NULL;
	/* fields the flags do not vouch for are zeroed: stored sets are canonical */
	if (!(a->flags & BGP_ATTRS_ORIGIN))
		a->origin = 0;
	if (!(a->flags & BGP_ATTRS_NEXT_HOP))
		memset(a->nexthop4, 0, sizeof(a->nexthop4));
	if (!(a->flags & BGP_ATTRS_MP_NH))
		memset(a->nh6_global, 0, sizeof(a->nh6_global));
	if (!(a->flags & BGP_ATTRS_NH6_LL))
		memset(a->nh6_ll, 0, sizeof(a->nh6_ll));
	if (!(a->flags & BGP_ATTRS_MED))
		a->med = 0;
	if (!(a->flags & BGP_ATTRS_LOCAL_PREF))
		a->local_pref = 0;
	if (!(a->flags & BGP_ATTRS_AGGREGATOR))
		a->aggregator_as = a->aggregator_id = 0;
	return a;
}

struct bgp_acct *
bgp_acct_new(void)
{
	struct bgp_acct *ac = calloc(1, sizeof(*ac));

	if (ac)
		ac->refs = 1;
	return ac;
}

void
bgp_acct_put(struct bgp_acct *ac)
{
	if (ac && --ac->refs == 0)
		free(ac);
}

struct bgp_attrs *
bgp_attrs_intern(const struct bgp_attrs *tmp)
{
	return bgp_attrs_intern_acct(tmp, NULL);
}

/* What a set costs: its allocation, malloc's header, its hash chain entry. */
#define INTERN_OVERHEAD 32

struct bgp_attrs *
bgp_attrs_intern_acct(const struct bgp_attrs *tmp, struct bgp_acct *acct)
{
	uint32_t	  h = bgp_attrs_hash(tmp);
	struct bgp_attrs *a;
	struct hash_node *n;

	HASH_FOREACH_MATCH(&intern, h, n) {
		a = hash_entry(n, struct bgp_attrs, hnode);
		if (bgp_attrs_equal(a, tmp)) {
			a->refcnt++;
			return a;
		}
	}
	if ((a = intern_copy(tmp)) == NULL)
		return NULL;
	if (hash_add(&intern, &a->hnode, h) != 0) {
		free(a);
		return NULL;
	}
	if (acct) {
		a->acct = acct;
		acct->refs++;
		acct->bytes += a->size + INTERN_OVERHEAD;
	}
	return a;
}

void
bgp_attrs_get(struct bgp_attrs *a)
{
	if (a != NULL)
		a->refcnt++;
}

void
bgp_attrs_put(struct bgp_attrs *a)
{
	if (a == NULL || --a->refcnt > 0)
		return;
	hash_del(&intern, &a->hnode);
	if (a->acct) {
		a->acct->bytes -= a->size + INTERN_OVERHEAD;
		bgp_acct_put(a->acct);
	}
	free(a);
	/* the table itself stays until the process ends unless it empties */
	if (hash_count(&intern) == 0)
		hash_fini(&intern);
}

size_t
bgp_attrs_intern_count(void)
{
	return hash_count(&intern);
}
