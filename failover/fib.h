/* failover/fib.h - kernel FIB programming (netlink): nexthop objects, groups, routes. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_FAILOVER_FIB_H
#define HGW_FAILOVER_FIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/prefix.h"

/*
 * Routes carry protocol hybridgw (196) in a configurable table and always
 * point at a kernel nexthop group (nhid). The RIB rewrites a group in place
 * to move every prefix that uses it at once (prefix-independent convergence).
 * Only fib_*.c include netlink headers. Requests are batched: they reach the
 * kernel on fib_flush() or when the batch is full. Kernel refusals are
 * reported through fib_events.route_error, retried with back-off, and never
 * disturb other routes. All calls on the loop thread.
 */
#define FIB_PROTO_HYBRIDGW 196

struct fib;

struct fib_events {
	/* Interface carrier/admin state changed. up = admin up and carrier:
	 * when it goes down the kernel silently flushes the nexthop objects on
	 * it (and groups left empty, with their routes); the FIB puts the
	 * objects back by itself when the link comes up again, and asks for
	 * the routes (group_back). */
	void (*link)(void *arg, int ifindex, const char *ifname, bool up);
	/* The kernel refused a route (err is -errno); retried with back-off. */
	void (*route_error)(void *arg, const struct prefix *, int err);
	/*
	 * The FIB keeps state only for the routes with a story (adopted at
	 * start, refused, in back-off), not for the million that went in:
	 * the owner of the routes knows them. Optional; without them every
	 * refusal is taken as current and the routes of a group the kernel
	 * flushed with its link are not put back.
	 * route_wanted: is prefix still meant to point at group grp? (A
	 * refusal may arrive after the route was set again or deleted.)
	 * group_back: group grp is in the kernel again after its link came
	 * back (the kernel had dropped its routes): set its routes again.
	 */
	bool (*route_wanted)(void *arg, const struct prefix *, uint32_t grp);
	void (*group_back)(void *arg, uint32_t grp);
	/* An address appeared on/vanished from a local interface. */
	void (*addr)(void *arg, int ifindex, const struct ipaddr *, bool added);
};

struct fib_cfg {
	uint32_t    table; /* RT_TABLE_MAIN = 254 by default */
	const char *netns; /* NULL = current namespace */
	/* Set net.ipv4.nexthop_compat_mode=0 in the namespace (IPv4 and IPv6):
	 * a group rewrite then no longer makes the kernel send one route
	 * notification per route using it before it acks (IPv4, 200k routes:
	 * ~140 ms -> ~5 ms). Side effect for the whole namespace: route dumps
	 * and notifications carry the nhid only (`ip route show` prints
	 * "nhid N", `ip nexthop` shows where it goes). false = leave it alone. */
	bool nh_compat_off;
	/* First back-off before a refused request is tried again (doubling
	 * per attempt up to 30 s); 0 = 200 ms. */
	uint32_t retry_min_ms;
};

struct fib *fib_new(const struct fib_cfg *, const struct fib_events *, void *arg);
/* Is addr an address of an interface of the FIB's namespace (kept current
 * from netlink address events, which fib_events.addr reports)? */
bool fib_addr_is_local(struct fib *, const struct ipaddr *);
/* What fib_new() needs root for, done ahead by a daemon about to drop it:
 * nexthop_compat_mode=0 when cfg asks for it (fib_new then finds it set). */
void fib_ns_prepare(const struct fib_cfg *);
void fib_free(struct fib *); /* leaves kernel state in place */

/* Nexthop objects, refcounted by (gateway, interface). ifname may be "" to
 * let the kernel resolve the interface from the gateway; gw may be NULL or
 * AF_UNSPEC for a device-only nexthop on ifname (a point-to-point tunnel),
 * usable by IPv4 and IPv6 routes. */
int  fib_nh_get(struct fib *, const struct ipaddr *gw, const char *ifname, uint32_t *nh_id);
void fib_nh_put(struct fib *, uint32_t nh_id);

/* Groups of nexthop objects (equal weight, ECMP). n == 0 makes a blackhole
 * group. fib_group_set rewrites the members in place. */
int  fib_group_new(struct fib *, const uint32_t *nh_ids, size_t n, uint32_t *grp_id);
int  fib_group_set(struct fib *, uint32_t grp_id, const uint32_t *nh_ids, size_t n);
void fib_group_free(struct fib *, uint32_t grp_id);

/* Routes: replace semantics; group must exist. */
int fib_route_set(struct fib *, const struct prefix *, uint32_t grp_id);
int fib_route_del(struct fib *, const struct prefix *);
/* Push batched requests to the kernel now and wait until it has been
 * through all of them (refusals reported, stats current); returns 0 or the
 * first -errno. */
int fib_flush(struct fib *);
/* Hand batched requests to the FIB's sender thread without waiting: the
 * kernel takes them while the caller goes on; refusals come back later
 * through route_error. For bulk work (a full table); fib_flush() when the
 * caller needs the kernel to have them (a failover, a reconcile). */
int fib_push(struct fib *);

/* Restart without blackholing: list protocol-196 routes already in the
 * table (adopted, left in place), and later delete the adopted ones that were
 * not set again since. */
typedef void (*fib_adopt_fn)(void *arg, const struct prefix *);
int fib_adopt(struct fib *, fib_adopt_fn, void *arg);
int fib_reconcile(struct fib *);

struct fib_stats {
	uint64_t routes_set, routes_del, groups_set, nh_objects, errors, retries;
	uint32_t routes_pending_retry;
	uint32_t requests_pending; /* queued or awaiting the kernel's ack */
	uint32_t requests_unsent;  /* of those, not through the kernel yet */
};
void fib_stats_get(const struct fib *, struct fib_stats *);

#endif
