/* lib/histo.h - cumulative latency histograms with fixed bucket bounds (for Prometheus). */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_LIB_HISTO_H
#define HGW_LIB_HISTO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Counts of observations at or below each bound (microseconds), plus the
 * sum and the total, as a Prometheus histogram wants them. The bounds are
 * the caller's static array (ascending, at most HISTO_MAX); the struct is
 * plain data, embedded by its owner, never allocated. One owner thread.
 */
#define HISTO_MAX 16

struct histo {
	const uint64_t *bounds;	       /* borrowed, ascending */
	size_t		n;	       /* number of bounds */
	uint64_t	le[HISTO_MAX]; /* observations <= bounds[i] (not cumulative) */
	uint64_t	count;	       /* all observations (the +Inf bucket) */
	uint64_t	sum_us;
};

/* 0, or -EINVAL when n is 0, above HISTO_MAX or the bounds do not ascend. */
int  histo_init(struct histo *, const uint64_t *bounds, size_t n);
void histo_add(struct histo *, uint64_t us);
/* Observations at or below bounds[i], cumulative (what "le" means). */
uint64_t histo_cumulative(const struct histo *, size_t i);

#endif
