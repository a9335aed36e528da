/* tests/unit/failover/test_rib_util.h - shared helpers for the route manager unit tests. */
/* SPDX-License-Identifier: ISC */
#ifndef HGW_TEST_RIB_UTIL_H
#define HGW_TEST_RIB_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "failover/rib.h"
#include "lib/prefix.h"

static inline struct prefix
P(const char *s) {
	struct prefix p;

	assert_int_equal(prefix_parse(s, &p), 0);
	return p;
}

static inline struct ipaddr
A(const char *s) {
	struct ipaddr a;

	memset(&a, 0, sizeof(a));
	if (s)
		assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

static inline struct rib *
t_rib(enum rib_pref_mode mode, uint8_t maxpaths, uint32_t failback_s)
{
	struct rib_cfg cfg;
	struct rib    *rib;

	memset(&cfg, 0, sizeof(cfg));
	cfg.policy.mode = mode;
	cfg.policy.maximum_paths = maxpaths;
	cfg.policy.failback_delay_s = failback_s;
	rib = rib_new(&cfg);
	assert_non_null(rib);
	rib_clock_set_for_test(rib, 1000);
	return rib;
}

/* A source that needs BGP only; brought up (Established) unless up == false. */
static inline rib_source_id
t_src(struct rib *rib, const char *name, const char *conn, enum rib_class cls,
    enum rib_vpn_role role, const char *nh, bool up)
{
	struct rib_source_cfg c;
	rib_source_id	      id;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.connection = conn;
	c.cls = cls;
	c.role = role;
	c.needs_bgp = true;
	c.nexthop = A(nh);
	assert_int_equal(rib_source_add(rib, &c, &id), 0);
	if (up)
		rib_source_bgp(rib, id, true, RIB_TRIG_BGP_UP);
	return id;
}

/* The configured local prefixes: never programmed, always healthy. */
static inline rib_source_id
t_local(struct rib *rib)
{
	struct rib_source_cfg c;
	rib_source_id	      id;

	memset(&c, 0, sizeof(c));
	c.name = "local";
	c.connection = "local";
	c.cls = RIB_CLASS_LAN;
	c.no_fib = true;
	assert_int_equal(rib_source_add(rib, &c, &id), 0); /* no needs_*: eligible now */
	return id;
}

static inline struct rib_path_info
t_bgp_info(const char *nh, uint32_t lp, uint16_t aslen, uint32_t rid)
{
	struct rib_path_info i;

	memset(&i, 0, sizeof(i));
	i.nexthop = A(nh);
	i.local_pref = lp;
	i.as_path_len = aslen;
	i.neighbor_as = 65000;
	i.ebgp = true;
	i.peer_router_id = rid;
	i.peer_addr = A(nh);
	return i;
}

static inline void
t_bgp(struct rib *rib, rib_source_id s, const char *pfx, const char *nh, uint16_t aslen)
{
	struct rib_path_info i = t_bgp_info(nh, 100, aslen, 1);
	struct prefix	     p = P(pfx);

	assert_int_equal(rib_path_add(rib, s, &p, &i), 0);
}

static inline void
t_static(struct rib *rib, rib_source_id s, const char *pfx)
{
	struct rib_path_info i;
	struct prefix	     p = P(pfx);

	memset(&i, 0, sizeof(i));
	i.is_static = true;
	assert_int_equal(rib_path_add(rib, s, &p, &i), 0);
}

static inline void
t_del(struct rib *rib, rib_source_id s, const char *pfx)
{
	struct prefix p = P(pfx);

	rib_path_del(rib, s, &p);
}

struct t_route_q {
	struct prefix	       want;
	bool		       found;
	struct rib_route_state st;
};

static inline int
t_route_cb(void *arg, const struct rib_route_state *st)
{
	struct t_route_q *q = arg;

	if (prefix_equal(&st->prefix, &q->want)) {
		q->found = true;
		q->st = *st;
		return 1;
	}
	return 0;
}

/* The state of one prefix (settling pending work first). */
static inline struct rib_route_state *
t_route(struct rib *rib, const char *pfx)
{
	static struct t_route_q q;

	memset(&q, 0, sizeof(q));
	q.want = P(pfx);
	rib_settle(rib);
	rib_route_walk(rib, &q.want, t_route_cb, &q);
	return q.found ? &q.st : NULL;
}

/* Active class of a prefix, -1 when none / absent. */
static inline int
t_cls(struct rib *rib, const char *pfx)
{
	struct rib_route_state *st = t_route(rib, pfx);

	return st && st->has_active ? (int)st->active_class : -1;
}

static inline int
t_bak(struct rib *rib, const char *pfx)
{
	struct rib_route_state *st = t_route(rib, pfx);

	return st && st->has_backup ? (int)st->backup_class : -1;
}

/* Does the active next-hop set of pfx contain nh? */
static inline bool
t_has_nh(struct rib *rib, const char *pfx, const char *nh)
{
	struct rib_route_state *st = t_route(rib, pfx);
	struct ipaddr		a = A(nh);
	size_t			i;

	for (i = 0; st && i < st->n_active; i++)
		if (ipaddr_cmp(&st->active_nh[i], &a) == 0)
			return true;
	return false;
}

static inline size_t
t_n_nh(struct rib *rib, const char *pfx)
{
	struct rib_route_state *st = t_route(rib, pfx);

	return st ? st->n_active : 0;
}

#endif
