/* tests/bench/fib-install/fib_bench.c - install N routes through hybridgw's FIB layer and time it. */
/* SPDX-License-Identifier: ISC */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "failover/fib.h"
#include "lib/log.h"
#include "lib/loop.h"

/*
 * Reusable driver: reads prefixes (one "a.b.c.d/len" or IPv6 per line),
 * installs them through fib_route_set in batches of -b, flushing after each,
 * and reports the time until the kernel acked the last one. With -s it then
 * rewrites the group onto a second gateway and times that too (every route
 * moves with one request). Output lines are "key=value" for the run script.
 */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: fib_bench -f PREFIXES -g GW -i IFNAME [-G GW2 -I IF2] "
	    "[-t TABLE] [-b BATCH] [-n NETNS] [-w SECONDS] [-C]\n"
	    "  -C  fib_cfg.nh_compat_off: no per-route notifications on group rewrites\n"
	    "  -w  pause between the install and the group rewrite (for an observer)\n");
	exit(2);
}

static int
parse_pfx(const char *s, struct prefix *p)
{
	char a[64], *slash;

	memset(p, 0, sizeof(*p));
	snprintf(a, sizeof(a), "%s", s);
	if (!(slash = strchr(a, '/')))
		return -EINVAL;
	*slash = '\0';
	p->family = strchr(a, ':') ? AF_INET6 : AF_INET;
	p->len = (uint8_t)atoi(slash + 1);
	return inet_pton(p->family, a, p->bytes) == 1 ? 0 : -EINVAL;
}

static int
parse_addr(const char *s, struct ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = strchr(s, ':') ? AF_INET6 : AF_INET;
	return inet_pton(a->family, s, a->bytes) == 1 ? 0 : -EINVAL;
}

/* Run the loop until nothing is queued or awaiting an ack. */
static void
drain(struct fib *f)
{
	struct fib_stats st;

	for (;;) {
		fib_stats_get(f, &st);
		if (st.requests_pending == 0)
			return;
		uv_run(loop_get(), UV_RUN_NOWAIT);
	}
}

int
main(int argc, char **argv)
{
	const char	 *file = NULL, *gw = NULL, *ifn = "", *gw2 = NULL, *if2 = "";
	struct fib_cfg	  cfg = { .table = 254 };
	struct fib_events ev = { 0 };
	struct prefix	 *pfx = NULL;
	size_t		  n = 0, cap = 0, i, batch = 10000;
	double		  pause_s = 0;
	struct ipaddr	  a, a2;
	uint32_t	  nh, nh2, grp;
	struct fib_stats  st;
	struct fib	 *f;
	uint64_t	  t0, t1;
	char		  line[128];
	FILE		 *in;
	int		  c, rc;

	while ((c = getopt(argc, argv, "f:g:i:G:I:t:b:n:w:C")) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'g':
			gw = optarg;
			break;
		case 'i':
			ifn = optarg;
			break;
		case 'G':
			gw2 = optarg;
			break;
		case 'I':
			if2 = optarg;
			break;
		case 't':
			cfg.table = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'b':
			batch = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			cfg.netns = optarg;
			break;
		case 'w':
			pause_s = strtod(optarg, NULL);
			break;
		case 'C':
			cfg.nh_compat_off = true;
			break;
		default:
			usage();
		}
	}
	if (!file || !gw || parse_addr(gw, &a) < 0 || (gw2 && parse_addr(gw2, &a2) < 0) ||
	    !batch)
		usage();
	if (!(in = fopen(file, "r"))) {
		perror(file);
		return 1;
	}
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (!(pfx = realloc(pfx, cap * sizeof(*pfx))))
				return 1;
		}
		if (parse_pfx(line, &pfx[n]) < 0) {
			fprintf(stderr, "bad prefix: %s\n", line);
			return 1;
		}
		n++;
	}
	fclose(in);

	log_init("fib_bench", LOG_LVL_WARN, true);
	if (loop_init() < 0 || !(f = fib_new(&cfg, &ev, NULL))) {
		fprintf(stderr, "fib_new failed: %s\n", strerror(errno));
		return 1;
	}
	if ((rc = fib_nh_get(f, &a, ifn, &nh)) < 0 ||
	    (rc = fib_group_new(f, &nh, 1, &grp)) < 0 || (rc = fib_flush(f)) < 0) {
		fprintf(stderr, "nexthop/group: %s\n", strerror(-rc));
		return 1;
	}
	drain(f);

	t0 = mono_us();
	for (i = 0; i < n; i++) {
		if ((rc = fib_route_set(f, &pfx[i], grp)) < 0) {
			fprintf(stderr, "fib_route_set: %s\n", strerror(-rc));
			return 1;
		}
		if ((i + 1) % batch == 0) {
			fib_flush(f);
			uv_run(loop_get(), UV_RUN_NOWAIT);
		}
	}
	fib_flush(f);
	drain(f);
	t1 = mono_us();
	fib_stats_get(f, &st);
	printf("install n=%zu seconds=%.3f rate=%.0f errors=%llu\n", n, (t1 - t0) / 1e6,
	    n / ((t1 - t0) / 1e6), (unsigned long long)st.errors);

	if (gw2) {
		if ((rc = fib_nh_get(f, &a2, if2, &nh2)) < 0 || (rc = fib_flush(f)) < 0) {
			fprintf(stderr, "second nexthop: %s\n", strerror(-rc));
			return 1;
		}
		drain(f);
		if (pause_s > 0) {
			fflush(stdout);
			usleep((useconds_t)(pause_s * 1e6));
		}
		t0 = mono_us();
		fib_group_set(f, grp, &nh2, 1);
		rc = fib_flush(f);
		drain(f);
		t1 = mono_us();
		/* t0: CLOCK_MONOTONIC when the rewrite was sent, to compare with
		 * an outside observer of forwarding (the kernel switches at once
		 * and notifies every route before it acks) */
		printf("group_switch routes=%zu ms=%.3f rc=%d t0=%.6f\n", n, (t1 - t0) / 1e3,
		    rc, t0 / 1e6);
	}
	fflush(stdout);
	fib_free(f);
	loop_fini();
	free(pfx);
	return st.errors ? 1 : 0;
}
