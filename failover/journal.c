/* failover/journal.c - the failover journal: a bounded ring of path-switch records. */
/* SPDX-License-Identifier: ISC */
#include "failover/journal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct journal_rec {
	struct rib_journal_entry e;
	char			 connection[64];
	char			 source[96];
};

struct journal {
	struct journal_rec *ring;
	size_t		    cap;
	size_t		    count;   /* valid records, <= cap */
	uint64_t	    next_id; /* id of the next record */
};

struct journal *
journal_new(size_t cap)
{
	struct journal *j;

	if (cap == 0)
		cap = 1;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	if ((j->ring = calloc(cap, sizeof(*j->ring))) == NULL) {
		free(j);
		return NULL;
	}
	j->cap = cap;
	j->next_id = 1;
	return j;
}

void
journal_free(struct journal *j)
{
	if (j == NULL)
		return;
	free(j->ring);
	free(j);
}

static void
journal_copy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= len)
		n = len - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

struct rib_journal_entry *
journal_add(struct journal *j, const char *connection, const char *source,
    enum rib_trigger trig, enum rib_class from, int64_t detected_us)
{
	struct journal_rec *r = &j->ring[(j->next_id - 1) % j->cap];

	memset(r, 0, sizeof(*r));
	journal_copy(r->connection, sizeof(r->connection), connection);
	journal_copy(r->source, sizeof(r->source), source);
	r->e.id = j->next_id++;
	r->e.connection = r->connection;
	r->e.source = r->source;
	r->e.trigger = trig;
	r->e.from_class = from;
	r->e.to_class = from;
	r->e.detected_us = detected_us;
	if (j->count < j->cap)
		j->count++;
	return &r->e;
}

struct rib_journal_entry *
journal_find(struct journal *j, uint64_t id)
{
	if (id == 0 || id >= j->next_id || j->next_id - id > j->count)
		return NULL;
	return &j->ring[(id - 1) % j->cap].e;
}

size_t
journal_count(const struct journal *j)
{
	return j->count;
}

int
journal_walk(const struct journal *j, rib_journal_fn cb, void *arg)
{
	uint64_t id;
	int	 rc;

	for (id = j->next_id - j->count; id < j->next_id; id++) {
		if ((rc = cb(arg, &j->ring[(id - 1) % j->cap].e)) != 0)
			return rc;
	}
	return 0;
}

int64_t
journal_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
