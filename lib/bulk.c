/* lib/bulk.c - 2 MB extents, huge-page advised, carved for pool and trie blocks. */
/* SPDX-License-Identifier: ISC */
#include "lib/bulk.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* One extent aligned to its size: map twice as much, unmap the rest. */
static void *
bulk_extent_map(void)
{
	char	 *p, *a;
	uintptr_t u;

	p = mmap(NULL, 2 * BULK_EXTENT, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	    0);
	if (p == MAP_FAILED)
		return NULL;
	u = (uintptr_t)p;
	a = p + ((BULK_EXTENT - (u & (BULK_EXTENT - 1))) & (BULK_EXTENT - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + BULK_EXTENT < p + 2 * BULK_EXTENT)
		munmap(a + BULK_EXTENT, (size_t)(p + 2 * BULK_EXTENT - (a + BULK_EXTENT)));
	/* advice only: without THP (or with it off) the extent is plain pages */
	(void)madvise(a, BULK_EXTENT, MADV_HUGEPAGE);
	return a;
}

void *
bulk_alloc(struct bulk *b, size_t size)
{
	void  *e, **v;
	char  *r;
	size_t nc;

	if (size == 0 || size > BULK_EXTENT)
		return NULL;
	size = (size + 63) & ~(size_t)63;
	if (b->left < size) {
		if (b->n == b->cap) {
			nc = b->cap ? b->cap * 2 : 8;
			if ((v = realloc(b->ext, nc * sizeof(*v))) == NULL)
				return NULL;
			b->ext = v;
			b->cap = nc;
		}
		if ((e = bulk_extent_map()) == NULL)
			return NULL;
		b->ext[b->n++] = e;
		b->cur = e;
		b->left = BULK_EXTENT;
	}
	r = b->cur;
	b->cur += size;
	b->left -= size;
	return r;
}

void
bulk_fini(struct bulk *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		munmap(b->ext[i], BULK_EXTENT);
	free(b->ext);
	memset(b, 0, sizeof(*b));
}

size_t
bulk_bytes(const struct bulk *b)
{
	return b->n * BULK_EXTENT + b->cap * sizeof(*b->ext);
}
