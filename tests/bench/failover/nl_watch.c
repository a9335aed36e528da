/* tests/bench/failover/nl_watch.c - rtnetlink listener: when did N routes start forwarding to a new gateway? */
/* SPDX-License-Identifier: ISC */
/*
 * usage: nl_watch --new-gw A.B.C.D --proto P --base A.B.C.D --n N [--plen L]
 *                 [--quiet-ms Q] [--max-ms M]
 *
 * Run inside the gateway's namespace. Dumps the nexthop objects and the N
 * watched routes (base, base+2^(32-L), ... with protocol P in table main),
 * prints "ready", then follows RTM_NEWROUTE/RTM_DELROUTE and
 * RTM_NEWNEXTHOP/RTM_DELNEXTHOP notifications. A route counts as switched
 * when everything it forwards to is --new-gw: directly (RTA_GATEWAY,
 * RTA_MULTIPATH) or through its nexthop object or group (RTA_NH_ID), so a
 * group rewritten in place switches all its routes with one RTM_NEWNEXTHOP.
 * Exits Q ms after the last event once all N are switched (or after M ms)
 * and prints one line of CLOCK_REALTIME microsecond stamps:
 *   first_us= (first event) all_us= (all N switched, 0 if never)
 *   last_us= (last event) route_events= nh_events= switched= overruns=
 * A benchmark helper, not product code.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXMEMB 64

struct nh {
	uint32_t id;	/* 0 = free slot */
	uint32_t gw;	/* single nexthop: gateway (network order), 0 = none */
	uint32_t nmemb; /* group: member ids */
	uint32_t memb[MAXMEMB];
	uint64_t routes; /* watched routes using it */
	bool	 is_group, on_new;
};

struct route {
	uint32_t nhid;		  /* 0 = direct next hops */
	bool	 present, on_new; /* on_new: direct next hops only */
};

static struct nh    *nhs;
static size_t	     nh_cap = 1 << 16;
static struct route *routes;
static uint32_t	     new_gw, base, n_routes, plen = 24, proto;
static uint64_t	     switched, route_events, nh_events, overruns;
static int64_t	     t_first, t_all, t_last;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct nh *
nh_find(uint32_t id, bool create)
{
	size_t i = (id * 2654435761u) & (nh_cap - 1);

	for (;; i = (i + 1) & (nh_cap - 1)) {
		if (nhs[i].id == id)
			return &nhs[i];
		if (nhs[i].id == 0) {
			if (!create)
				return NULL;
			nhs[i].id = id;
			return &nhs[i];
		}
	}
}

/* A route's contribution to `switched` given its current state. */
static bool
route_on_new(const struct route *r)
{
	struct nh *n;

	if (!r->present)
		return false;
	if (r->nhid == 0)
		return r->on_new;
	n = nh_find(r->nhid, false);
	return n && n->on_new;
}

static bool
nh_eval(const struct nh *n)
{
	if (!n->is_group)
		return n->gw == new_gw;
	if (n->nmemb == 0)
		return false;
	for (uint32_t i = 0; i < n->nmemb; i++) {
		struct nh *m = nh_find(n->memb[i], false);

		if (!m || m->gw != new_gw)
			return false;
	}
	return true;
}

static void
nh_set_on_new(struct nh *n, bool v)
{
	if (n->on_new == v)
		return;
	if (v)
		switched += n->routes;
	else
		switched -= n->routes;
	n->on_new = v;
}

static void
nh_msg(struct nlmsghdr *h, bool del)
{
	struct nhmsg  *nm = NLMSG_DATA(h);
	struct rtattr *a = (struct rtattr *)((char *)nm + NLMSG_ALIGN(sizeof(*nm)));
	int	       len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*nm));
	uint32_t       id = 0, gw = 0, memb[MAXMEMB], nmemb = 0;
	bool	       group = false;
	struct nh     *n;

	if (nm->nh_family != AF_INET && nm->nh_family != AF_UNSPEC)
		return;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == NHA_ID)
			memcpy(&id, RTA_DATA(a), 4);
		else if (a->rta_type == NHA_GATEWAY && RTA_PAYLOAD(a) == 4)
			memcpy(&gw, RTA_DATA(a), 4);
		else if (a->rta_type == NHA_GROUP) {
			struct nexthop_grp *g = RTA_DATA(a);
			size_t		    k = RTA_PAYLOAD(a) / sizeof(*g);

			group = true;
			for (size_t i = 0; i < k && nmemb < MAXMEMB; i++)
				memb[nmemb++] = g[i].id;
		}
	}
	if (id == 0 || !(n = nh_find(id, !del)))
		return;
	if (del) {
		nh_set_on_new(n, false);
		n->gw = 0;
		n->nmemb = 0;
		return;
	}
	n->is_group = group;
	n->gw = gw;
	n->nmemb = nmemb;
	memcpy(n->memb, memb, nmemb * sizeof(memb[0]));
	nh_set_on_new(n, nh_eval(n));
	/* a changed single nexthop can flip the groups that use it */
	if (!group)
		for (size_t i = 0; i < nh_cap; i++)
			if (nhs[i].id && nhs[i].is_group)
				for (uint32_t j = 0; j < nhs[i].nmemb; j++)
					if (nhs[i].memb[j] == id) {
						nh_set_on_new(&nhs[i], nh_eval(&nhs[i]));
						break;
					}
}

static void
route_msg(struct nlmsghdr *h, bool del)
{
	struct rtmsg  *rm = NLMSG_DATA(h);
	struct rtattr *a = RTM_RTA(rm);
	int	       len = (int)RTM_PAYLOAD(h);
	uint32_t       dst = 0, table = rm->rtm_table, nhid = 0, gw = 0;
	bool	       mp_all_new = true, has_mp = false;
	struct route  *r;
	uint64_t       idx;

	if (rm->rtm_family != AF_INET || rm->rtm_dst_len != plen || rm->rtm_protocol != proto)
		return;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		switch (a->rta_type) {
		case RTA_DST:
			memcpy(&dst, RTA_DATA(a), 4);
			break;
		case RTA_TABLE:
			memcpy(&table, RTA_DATA(a), 4);
			break;
		case RTA_NH_ID:
			memcpy(&nhid, RTA_DATA(a), 4);
			break;
		case RTA_GATEWAY:
			memcpy(&gw, RTA_DATA(a), 4);
			break;
		case RTA_MULTIPATH: {
			struct rtnexthop *nh = RTA_DATA(a);
			int		  mlen = (int)RTA_PAYLOAD(a);

			has_mp = true;
			while (mlen >= (int)sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) &&
			    nh->rtnh_len <= mlen) {
				struct rtattr *na = RTNH_DATA(nh);
				int	       nl = nh->rtnh_len - (int)sizeof(*nh);
				uint32_t       g = 0;

				for (; RTA_OK(na, nl); na = RTA_NEXT(na, nl))
					if (na->rta_type == RTA_GATEWAY)
						memcpy(&g, RTA_DATA(na), 4);
				if (g != new_gw)
					mp_all_new = false;
				mlen -= NLMSG_ALIGN(nh->rtnh_len);
				nh = RTNH_NEXT(nh);
			}
			break;
		}
		}
	}
	if (table != RT_TABLE_MAIN)
		return;
	idx = (uint64_t)(ntohl(dst) - ntohl(base)) >> (32 - plen);
	if (ntohl(dst) < ntohl(base) || idx >= n_routes)
		return;
	r = &routes[idx];
	if (route_on_new(r))
		switched--;
	if (r->present && r->nhid) {
		struct nh *o = nh_find(r->nhid, false);

		if (o)
			o->routes--;
	}
	r->present = !del;
	r->nhid = del ? 0 : nhid;
	r->on_new = !del && (has_mp ? mp_all_new : gw == new_gw);
	if (r->present && r->nhid)
		nh_find(r->nhid, true)->routes++;
	if (route_on_new(r))
		switched++;
}

static int
handle(char *buf, ssize_t n, bool count)
{
	struct nlmsghdr *h;
	int		 done = 0;

	for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
		switch (h->nlmsg_type) {
		case NLMSG_DONE:
			done = 1;
			break;
		case NLMSG_ERROR:
			done = -1;
			break;
		case RTM_NEWROUTE:
		case RTM_DELROUTE:
			route_msg(h, h->nlmsg_type == RTM_DELROUTE);
			route_events += count;
			break;
		case RTM_NEWNEXTHOP:
		case RTM_DELNEXTHOP:
			nh_msg(h, h->nlmsg_type == RTM_DELNEXTHOP);
			nh_events += count;
			break;
		}
	}
	return done;
}

static int
dump(int type, size_t hdrlen)
{
	static char buf[1 << 20];
	struct {
		struct nlmsghdr h;
		char		body[64];
	} req;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), rc = 0;

	if (fd < 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(hdrlen);
	req.h.nlmsg_type = type;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	((unsigned char *)NLMSG_DATA(&req.h))[0] = AF_INET; /* rtm_family / nh_family */
	if (send(fd, &req, req.h.nlmsg_len, 0) < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			rc = -errno;
			break;
		}
		if ((rc = handle(buf, n, false)) != 0)
			break;
	}
	if (rc > 0)
		rc = 0;
out:
	close(fd);
	return rc;
}

int
main(int argc, char **argv)
{
	static char	   buf[1 << 20];
	int		   fd, quiet_ms = 2000, max_ms = 300000, size = 512 << 20, one = 1;
	unsigned	   groups[] = { RTNLGRP_IPV4_ROUTE, RTNLGRP_NEXTHOP };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int64_t		   start;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--new-gw"))
			inet_pton(AF_INET, argv[i + 1], &new_gw);
		else if (!strcmp(argv[i], "--base"))
			inet_pton(AF_INET, argv[i + 1], &base);
		else if (!strcmp(argv[i], "--proto"))
			proto = (uint32_t)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--n"))
			n_routes = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--plen"))
			plen = (uint32_t)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--quiet-ms"))
			quiet_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--max-ms"))
			max_ms = atoi(argv[i + 1]);
	}
	if (!new_gw || !n_routes || !proto || plen < 8 || plen > 32) {
		fprintf(stderr,
		    "usage: nl_watch --new-gw A --proto P --base A --n N [--plen L]"
		    " [--quiet-ms Q] [--max-ms M]\n");
		return 2;
	}
	nhs = calloc(nh_cap, sizeof(*nhs));
	routes = calloc(n_routes, sizeof(*routes));
	if (!nhs || !routes)
		return 1;
	/* subscribe first, then dump: nothing between the two is missed */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return perror("netlink"), 1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i],
			sizeof(groups[i])) < 0)
			return perror("membership"), 1;
	if (dump(RTM_GETNEXTHOP, sizeof(struct nhmsg)) < 0 ||
	    dump(RTM_GETROUTE, sizeof(struct rtmsg)) < 0)
		return perror("dump"), 1;
	/* the dump may have seen groups before their members */
	for (size_t i = 0; i < nh_cap; i++)
		if (nhs[i].id)
			nh_set_on_new(&nhs[i], nh_eval(&nhs[i]));
	printf("ready switched=%llu\n", (unsigned long long)switched);
	fflush(stdout);
	start = now_us();
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t	      t = now_us();
		int	      wait = 100;

		if (t - start > (int64_t)max_ms * 1000)
			break;
		if (t_all && t - t_last > (int64_t)quiet_ms * 1000)
			break;
		if (poll(&p, 1, wait) <= 0)
			continue;
		for (;;) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);

			if (n < 0) {
				if (errno == ENOBUFS) {
					overruns++;
					continue;
				}
				break;
			}
			t = now_us();
			if (!t_first)
				t_first = t;
			t_last = t;
			handle(buf, n, true);
			if (!t_all && switched >= n_routes)
				t_all = t;
		}
	}
	printf("first_us=%lld all_us=%lld last_us=%lld route_events=%llu nh_events=%llu "
	       "switched=%llu overruns=%llu\n",
	    (long long)t_first, (long long)t_all, (long long)t_last,
	    (unsigned long long)route_events, (unsigned long long)nh_events,
	    (unsigned long long)switched, (unsigned long long)overruns);
	return 0;
}
