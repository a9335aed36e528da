/* SPDX-License-Identifier: ISC */
/* tests/bench/fib-install/fib_floor.c - the kernel's own cost: the least a daemon can take to install a list.
 *
 * usage: fib_floor PREFIX_FILE NHID
 * Installs every IPv4 prefix of PREFIX_FILE into the main table as
 * "proto 196 nhid NHID" with the fewest requests there are: one RTM_NEWROUTE
 * each (destination and nexthop id only), ~64 KB of them per send, no answer
 * asked but of the last one. It prepares all of them before the clock starts
 * and prints "install n=N seconds=S" from the first send to the last answer.
 * No daemon can do less per route, so what it takes is the floor under every
 * contender of the bench (and FRR's time / 5 next to it says whether "5x FRR"
 * is there to be had). Any refusal is printed and fails the run. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define SEND_BYTES 65536

struct req {
	struct nlmsghdr h;
	struct rtmsg	r;
	struct rtattr	dst_a;
	uint32_t	dst;
	struct rtattr	nh_a;
	uint32_t	nh;
};

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct req	  *q = NULL;
	size_t		   n = 0, cap = 0, i, per = SEND_BYTES / sizeof(*q);
	unsigned	   b[4], len;
	uint32_t	   nhid;
	char		   line[64], ans[65536];
	int		   fd, sz = 32 << 20, done = 0, failed = 0;
	double		   t0, t1;
	FILE		  *f;

	if (argc != 3 || !(f = fopen(argv[1], "r")) || !(nhid = (uint32_t)atol(argv[2]))) {
		fprintf(stderr, "usage: fib_floor PREFIX_FILE NHID\n");
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u.%u.%u.%u/%u", &b[0], &b[1], &b[2], &b[3], &len) != 5)
			continue;
		if (n == cap && !(q = realloc(q, (cap = cap ? 2 * cap : 65536) * sizeof(*q)))) {
			perror("realloc");
			return 1;
		}
		q[n] = (struct req){
			.h = { .nlmsg_len = sizeof(*q),
			    .nlmsg_type = RTM_NEWROUTE,
			    .nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE,
			    .nlmsg_seq = (uint32_t)n + 1 },
			.r = { .rtm_family = AF_INET,
			    .rtm_dst_len = (unsigned char)len,
			    .rtm_table = RT_TABLE_MAIN,
			    .rtm_protocol = 196,
			    .rtm_scope = RT_SCOPE_UNIVERSE,
			    .rtm_type = RTN_UNICAST },
			.dst_a = { .rta_len = RTA_LENGTH(4), .rta_type = RTA_DST },
			.dst = htonl(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]),
			.nh_a = { .rta_len = RTA_LENGTH(4), .rta_type = RTA_NH_ID },
			.nh = nhid,
		};
		n++;
	}
	fclose(f);
	if (!n)
		return 2;
	q[n - 1].h.nlmsg_flags |= NLM_F_ACK;
	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0 &&
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) < 0)) {
		perror("netlink");
		return 1;
	}
	t0 = now();
	for (i = 0; i < n; i += per) {
		size_t k = n - i < per ? n - i : per;

		if (send(fd, q + i, k * sizeof(*q), 0) != (ssize_t)(k * sizeof(*q))) {
			perror("send");
			return 1;
		}
	}
	while (!done) {
		ssize_t		 r = recv(fd, ans, sizeof(ans), 0);
		struct nlmsghdr *h;

		if (r < 0) {
			perror("recv");
			return 1;
		}
		for (h = (struct nlmsghdr *)ans; NLMSG_OK(h, (size_t)r); h = NLMSG_NEXT(h, r)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (e->error) {
				fprintf(stderr, "route %zu refused: %s\n", (size_t)h->nlmsg_seq,
				    strerror(-e->error));
				failed = 1;
			}
			if (h->nlmsg_seq == n)
				done = 1;
		}
	}
	t1 = now();
	printf("install n=%zu seconds=%.3f rate=%.0f\n", n, t1 - t0, (double)n / (t1 - t0));
	return failed;
}
