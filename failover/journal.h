/* failover/journal.h - the failover journal: a bounded ring of path-switch records. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_FAILOVER_JOURNAL_H
#define HGW_FAILOVER_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "failover/rib.h"

/*
 * Entries get ids 1, 2, ... in order; when the ring is full the oldest entry
 * is overwritten. Strings are copied (truncated to fit). journal_add()
 * returns a pointer into the ring valid until the next journal_add().
 */
struct journal;

struct journal		 *journal_new(size_t cap); /* NULL on out-of-memory */
void			  journal_free(struct journal *);
struct rib_journal_entry *journal_add(struct journal *, const char *connection,
    const char *source, enum rib_trigger, enum rib_class from, int64_t detected_us);
/* NULL when id was never issued or has been overwritten. */
struct rib_journal_entry *journal_find(struct journal *, uint64_t id);
size_t			  journal_count(const struct journal *);
/* Oldest first; cb returns non-zero to stop (that value is returned). */
int journal_walk(const struct journal *, rib_journal_fn, void *arg);
/* Wall clock in microseconds since the epoch. */
int64_t journal_wall_us(void);

#endif
