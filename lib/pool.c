/* lib/pool.c - fixed-size object pool: blocks, free list, ASan poisoning of free items. */
/* SPDX-License-Identifier: ISC */
#include "lib/pool.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#define POOL_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POOL_POISON(p, n)   ((void)(p), (void)(n))
#define POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

void
pool_init(struct pool *pl, size_t size, uint32_t max)
{
	memset(pl, 0, sizeof(*pl));
	/* the free list needs an index's worth of every free item */
	pl->size = size < sizeof(uint32_t) ? sizeof(uint32_t) : size;
	pl->max = max;
}

uint32_t
pool_item_new(struct pool *pl)
{
	uint32_t i;
	char   **nb, *blk;
	void	*it;
	size_t	 nc;

	if ((i = pl->free) != 0) {
		it = pool_item_at(pl, i);
		POOL_UNPOISON(it, pl->size);
		memcpy(&pl->free, it, sizeof(pl->free));
	} else {
		if (pl->next == (pl->max ? pl->max : UINT32_MAX))
			return 0;
		if ((pl->next & (POOL_ITEMS - 1)) == 0) {
			if (pl->nblocks == pl->cblocks) {
				nc = pl->cblocks ? pl->cblocks * 2 : 16;
				if ((nb = realloc(pl->blocks, nc * sizeof(*nb))) == NULL)
					return 0;
				pl->blocks = nb;
				pl->cblocks = nc;
			}
			if (pl->nblocks == pl->nmalloc &&
			    (pl->nblocks < POOL_BULK_AFTER ||
				POOL_ITEMS * pl->size > BULK_EXTENT / 8)) {
				if ((blk = malloc(POOL_ITEMS * pl->size)) == NULL)
					return 0;
				pl->nmalloc++;
			} else if ((blk = bulk_alloc(&pl->bulk, POOL_ITEMS * pl->size)) == NULL)
				return 0;
			POOL_POISON(blk, POOL_ITEMS * pl->size);
			pl->blocks[pl->nblocks++] = blk;
		}
		i = ++pl->next;
		it = pool_item_at(pl, i);
		POOL_UNPOISON(it, pl->size);
	}
	memset(it, 0, pl->size);
	pl->used++;
	return i;
}

void
pool_item_free(struct pool *pl, uint32_t i)
{
	void *it = pool_item_at(pl, i);

	if (it == NULL)
		return;
	memcpy(it, &pl->free, sizeof(pl->free));
	pl->free = i;
	pl->used--;
	/* the free-list link stays readable; the rest traps a use after free */
	POOL_POISON((char *)it + sizeof(pl->free), pl->size - sizeof(pl->free));
}

size_t
pool_bytes(const struct pool *pl)
{
	return pl->nmalloc * POOL_ITEMS * pl->size + pl->cblocks * sizeof(*pl->blocks) +
	    bulk_bytes(&pl->bulk);
}

void
pool_fini(struct pool *pl)
{
	size_t	 i, size = pl->size;
	uint32_t max = pl->max;

	for (i = 0; i < pl->nblocks; i++) {
		POOL_UNPOISON(pl->blocks[i], POOL_ITEMS * pl->size);
		if (i < pl->nmalloc)
			free(pl->blocks[i]);
	}
	free(pl->blocks);
	bulk_fini(&pl->bulk);
	memset(pl, 0, sizeof(*pl));
	pl->size = size; /* reusable after fini, as after init */
	pl->max = max;
}
