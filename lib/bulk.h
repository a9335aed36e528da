/* lib/bulk.h - memory for big, long-lived tables, in 2 MB extents the kernel may back with huge pages. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_LIB_BULK_H
#define HGW_LIB_BULK_H

#include <stddef.h>

/*
 * A bump allocator for the blocks of tables that grow to millions of small
 * entries (lib/pool.c, lib/trie.c): pieces are never given back one by one,
 * only all together by bulk_fini. Each extent is BULK_EXTENT bytes, aligned
 * to its size, mapped anonymously and advised MADV_HUGEPAGE, so that with
 * transparent huge pages in "madvise" mode (Debian's default) such a table
 * costs one page fault per 2 MB instead of per 4 KB, and its random
 * descents miss the TLB far less. Without huge pages it is plain memory.
 * Not thread-safe: one owner, as the tables it serves.
 *
 * The bulk owns its extents: bulk_fini unmaps them all, and every pointer
 * bulk_alloc returned becomes invalid.
 */
#define BULK_EXTENT ((size_t)2 << 20)

struct bulk {
	char  *cur;  /* next free byte of the newest extent */
	size_t left; /* bytes left there */
	void **ext;  /* every extent, for bulk_fini */
	size_t n, cap;
};

/* An all-zero struct bulk is empty and ready. */
/* size bytes (rounded up to 64, at most BULK_EXTENT), 64-byte aligned, zeroed
 * (fresh anonymous memory); NULL when size is 0 or too big, or out of memory. */
void *bulk_alloc(struct bulk *, size_t size);
/* Every extent back to the kernel; the bulk is empty and reusable. */
void bulk_fini(struct bulk *);
/* Bytes mapped in extents (used or not) plus the extent list. */
size_t bulk_bytes(const struct bulk *);

#endif
