/* metrics/metrics.h - a Prometheus text endpoint (libmicrohttpd) and the writer of its exposition format. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_METRICS_H
#define HGW_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/histo.h"

/*
 * The server answers GET /metrics from libmicrohttpd's own thread, but
 * never reads routing state there: each scrape is handed to the loop
 * thread (a mailbox attached to loop_get()), whose collect callback writes
 * the whole exposition at once, and the HTTP thread only sends the text.
 * A slow client costs the loop nothing; a busy loop delays the answer.
 * metrics_server_new/free on the loop thread. Knows nothing of routing:
 * what is exposed is the collect callback's business (gateway/).
 */
struct metrics_server;

/* Write the exposition to out (the metrics_* writers below); runs on the
 * loop thread. 0, or -errno (the scrape answers 500). */
typedef int (*metrics_collect_fn)(FILE *out, void *arg);

/* Listen on address (IPv4 or IPv6 literal; NULL = 127.0.0.1) and port
 * (0 = any: metrics_server_port() says which). 0, or -errno (the address
 * cannot be bound). The server is the caller's; free it. */
int metrics_server_new(const char *address, uint16_t port, metrics_collect_fn, void *arg,
    struct metrics_server **);
/* Scrapes under way are answered first (their collect runs here). */
void	 metrics_server_free(struct metrics_server *);
uint16_t metrics_server_port(const struct metrics_server *);
uint64_t metrics_server_scrapes(const struct metrics_server *);

/*
 * The text format (Prometheus exposition format 0.0.4). A family is
 * announced once (HELP, TYPE), then its samples. labels is the inside of
 * the braces already built with metrics_labels() ("" or NULL: none).
 */
void metrics_family(FILE *, const char *name, const char *type, const char *help);
void metrics_sample(FILE *, const char *name, const char *labels, double value);
void metrics_sample_u64(FILE *, const char *name, const char *labels, uint64_t value);
/* name_bucket{labels,le="..."} cumulative, name_sum, name_count; the
 * bounds are microseconds, written as seconds. */
void metrics_histo(FILE *, const char *name, const char *labels, const struct histo *);
/* buf = k1="v1",k2="v2"... from NULL-ended key/value pairs, values escaped
 * (backslash, double quote, newline). Truncated to fit; returns buf. */
char *metrics_labels(char *buf, size_t len, ...) __attribute__((sentinel));

#endif
