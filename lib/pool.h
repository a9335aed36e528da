/* lib/pool.h - fixed-size objects in blocks, named by a 32-bit index, recycled through a free list. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_LIB_POOL_H
#define HGW_LIB_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/bulk.h"

/*
 * For objects that exist by the million (a route's dest and paths): no
 * per-item malloc header or rounding, an index half the size of a pointer
 * (0 = none), and growing never moves an item, so pointers to items stay
 * valid until the item is freed. Blocks are only returned by pool_fini().
 * Freed items are poisoned under AddressSanitizer. Not thread-safe: one
 * owner thread per pool.
 *
 * The pool owns its blocks (and the extents of its bulk); what an item
 * points to is the caller's.
 */
#define POOL_SHIFT 10
#define POOL_ITEMS (1u << POOL_SHIFT) /* items per block */
/* Blocks after this many come from huge-page extents (lib/bulk.h): only a
 * pool of 64k items or more pays a partly used 2 MB extent. */
#define POOL_BULK_AFTER 64

struct pool {
	size_t	    size; /* bytes per item, >= 4 */
	uint32_t    max;  /* highest index handed out, 0 = UINT32_MAX */
	uint32_t    free; /* free list threaded through items */
	uint32_t    next; /* first never-used index */
	uint32_t    used; /* items handed out and not freed */
	char	  **blocks;
	size_t	    nblocks, cblocks;
	size_t	    nmalloc; /* blocks[0 .. nmalloc) came from malloc */
	struct bulk bulk;    /* the later ones */
};

/* No allocation until the first item. size < 4 is raised to 4. */
void pool_init(struct pool *, size_t size, uint32_t max);
/* Every block back to malloc; every index becomes invalid. */
void pool_fini(struct pool *);
/* A zeroed item's index; 0 on out-of-memory or when max is reached. */
uint32_t pool_item_new(struct pool *);
/* Index 0 is ignored. */
void pool_item_free(struct pool *, uint32_t);
/* Bytes held in blocks (items in use, free and never used). */
size_t pool_bytes(const struct pool *);

/* The item of index i (NULL for 0); i must have been handed out. */
static inline void *
pool_item_at(const struct pool *pl, uint32_t i)
{
	if (i-- == 0)
		return NULL;
	return pl->blocks[i >> POOL_SHIFT] + (size_t)(i & (POOL_ITEMS - 1)) * pl->size;
}

#endif
