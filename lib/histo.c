/* lib/histo.c - cumulative latency histograms with fixed bucket bounds. */
/* SPDX-License-Identifier: ISC */
#include "lib/histo.h"

#include <errno.h>
#include <string.h>

int
histo_init(struct histo *h, const uint64_t *bounds, size_t n)
{
	memset(h, 0, sizeof(*h));
	if (n == 0 || n > HISTO_MAX)
		return -EINVAL;
	for (size_t i = 1; i < n; i++)
		if (bounds[i] <= bounds[i - 1])
			return -EINVAL;
	h->bounds = bounds;
	h->n = n;
	return 0;
}

void
histo_add(struct histo *h, uint64_t us)
{
	h->count++;
	h->sum_us += us;
	/* a handful of bounds: a linear scan beats a search */
	for (size_t i = 0; i < h->n; i++)
		if (us <= h->bounds[i]) {
			h->le[i]++;
			return;
		}
}

uint64_t
histo_cumulative(const struct histo *h, size_t i)
{
	uint64_t c = 0;

	for (size_t j = 0; j <= i && j < h->n; j++)
		c += h->le[j];
	return c;
}
