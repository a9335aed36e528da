/* SPDX-License-Identifier: ISC */
/* tests/bench/fib-install/fib_watch.c - when do the routes of a list show in this namespace's main table?
 *
 * usage: fib_watch PREFIX_FILE
 * PREFIX_FILE holds N IPv4 prefixes, one per line. Prints "base B T" once it
 * watches, then "first C T" when the first new route goes in and "done C T"
 * when N more are in the main table (T: CLOCK_MONOTONIC seconds, as Python's
 * time.monotonic()).
 *
 * Watching must not slow what it watches, and the plain ways do:
 * - Reading /proc/net/fib_triestat (the count) walks the whole trie inside
 *   one RCU read section: ~5 ms at 100k routes, ~40 ms at 1M, more while
 *   routes go in. Every ~512 KB of trie nodes it frees, the kernel's route
 *   insert waits for a grace period (synchronize_net), with the RTNL lock
 *   held, so for the rest of such a read. A poller reading every few
 *   milliseconds slowed a 100k install by ~15% and saw its end 10-60 ms late.
 * - Listening to route notifications costs the inserting side +25% on a
 *   100k install, and still +12% on a socket whose buffer holds just one
 *   (the kernel drops the rest).
 * So it watches in three steps:
 * 1. Listening (one-notification buffer, read every half millisecond) until
 *    the first route goes in.
 * 2. Looking up a random sample of the list (RTM_F_FIB_MATCH lookups: a
 *    microsecond of RCU each, only those not seen yet, at most 1/4 of the
 *    time) until 90% of it is in.
 * 3. Listening again; once no route has gone in for 5 ms (or 4 times as long
 *    as the last count read took), reading the count. "done" is the last half
 *    millisecond that saw routes go in. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <stdint.h>

#define QUIET_MIN_S 0.005 /* no notification for this long: read */

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The main table's prefix count, from /proc/net/fib_triestat. */
static long
count(void)
{
	char  line[256];
	FILE *f = fopen("/proc/net/fib_triestat", "r");
	int   in_main = 0;
	long  c = 0;

	if (!f) {
		perror("/proc/net/fib_triestat");
		exit(1);
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] != '\t' && line[0] != ' ')
			in_main = strncmp(line, "Main:", 5) == 0;
		else if (in_main && sscanf(line, " Prefixes: %ld", &c) == 1)
			break;
	}
	fclose(f);
	return c;
}

/* Did route notifications come since the last call (the one the socket
 * holds, or the error that says it dropped some)? */
static int
activity(int fd)
{
	char buf[8192];
	int  seen = 0;

	for (;;) {
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno == ENOBUFS) {
			seen = 1;
			continue;
		}
		if (errno == EAGAIN || errno == EINTR)
			return seen;
		perror("recv");
		exit(1);
	}
}

static void
listen_ipv4_routes(int fd, int on)
{
	int grp = RTNLGRP_IPV4_ROUTE;

	if (setsockopt(fd, SOL_NETLINK, on ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP,
		&grp, sizeof(grp)) < 0) {
		perror("route notifications");
		exit(1);
	}
	if (!on)
		while (activity(fd))
			;
}

/* Is prefix a/len in the FIB (the lookup of its first address matches it, or
 * a longer one of the list that hides it)? */
static int
present(int fd, uint32_t a, unsigned len)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg	r;
		struct rtattr	dst;
		uint32_t	addr;
	} q = {
		.h = { .nlmsg_len = sizeof(q),
		    .nlmsg_type = RTM_GETROUTE,
		    .nlmsg_flags = NLM_F_REQUEST },
		.r = { .rtm_family = AF_INET, .rtm_dst_len = 32, .rtm_flags = RTM_F_FIB_MATCH },
		.dst = { .rta_len = RTA_LENGTH(4), .rta_type = RTA_DST },
		.addr = a,
	};
	char		 buf[4096];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct rtmsg	*r = NLMSG_DATA(h);
	ssize_t		 n;

	if (send(fd, &q, sizeof(q), 0) < 0 || (n = recv(fd, buf, sizeof(buf), 0)) < 0) {
		perror("route lookup");
		exit(1);
	}
	return NLMSG_OK(h, (size_t)n) && h->nlmsg_type == RTM_NEWROUTE && r->rtm_dst_len >= len;
}

#define SAMPLE 256

int
main(int argc, char **argv)
{
	struct timespec tick = { 0, 500000 };
	int		fd, lk, sz = 1, first = 0;
	long		n = 0, base, c, ns = 0, in = 0, i;
	uint32_t	sa[SAMPLE];
	unsigned	sl[SAMPLE], b[4], len;
	double		t, last = 0, calm = 0, quiet = QUIET_MIN_S;
	char		line[64];
	FILE	       *f;

	if (argc != 2 || !(f = fopen(argv[1], "r"))) {
		fprintf(stderr, "usage: fib_watch PREFIX_FILE\n");
		return 2;
	}
	/* a uniform sample of the list (reservoir), in network byte order */
	srandom(4271);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u.%u.%u.%u/%u", &b[0], &b[1], &b[2], &b[3], &len) != 5)
			continue;
		i = n < SAMPLE ? n : random() % (n + 1);
		n++;
		if (i < SAMPLE) {
			sa[i] = htonl(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
			sl[i] = len;
			if (ns < SAMPLE)
				ns++;
		}
	}
	fclose(f);
	/* the kernel raises the buffer to its minimum, about one notification */
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0 ||
	    (lk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) < 0 ||
	    bind(fd, (struct sockaddr *)&(struct sockaddr_nl){ .nl_family = AF_NETLINK },
		sizeof(struct sockaddr_nl)) < 0) {
		perror("netlink");
		return 1;
	}
	listen_ipv4_routes(fd, 1);
	base = count();
	printf("base %ld %.6f\n", base, now());
	fflush(stdout);
	while (!first) {
		nanosleep(&tick, NULL);
		if (activity(fd)) {
			first = 1;
			last = calm = now();
			printf("first %ld %.6f\n", count() - base, last);
			fflush(stdout);
		}
	}
	listen_ipv4_routes(fd, 0);
	while (in < ns - ns / 10) {
		t = now();
		for (i = in; i < ns; i++)
			if (present(lk, sa[i], sl[i])) {
				uint32_t ta = sa[in];
				unsigned tl = sl[in];

				sa[in] = sa[i], sl[in] = sl[i];
				sa[i] = ta, sl[i] = tl;
				in++;
			}
		t = 4 * (now() - t);
		t = t < 0.002 ? 0.002 : t > 0.5 ? 0.5 : t;
		nanosleep(&(struct timespec){ 0, (long)(t * 1e9) }, NULL);
	}
	listen_ipv4_routes(fd, 1);
	last = calm = now(); /* all may be in already: no earlier than this */
	for (;;) {
		nanosleep(&tick, NULL);
		t = now();
		if (activity(fd)) {
			last = calm = t;
			quiet = QUIET_MIN_S;
			continue;
		}
		if (t - calm <= quiet)
			continue;
		c = count() - base;
		if (activity(fd))
			last = now(); /* some went in during the read */
		if (c >= n) {
			printf("done %ld %.6f\n", c, last);
			return 0;
		}
		/* while routes trickle in, read no more than 1/4 of the time */
		calm = now();
		if (quiet < 4 * (calm - t))
			quiet = 4 * (calm - t);
	}
}
