/* bgp/bgp_nhself.c - RFC 4271 6.3: routes whose NEXT_HOP is one of our own addresses are ignored. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp_local.h"
#include "lib/log.h"

/*
 * RFC 4271 6.3: "If the NEXT_HOP attribute is semantically incorrect, the
 * error SHOULD be logged, and the route SHOULD be ignored. In this case, a
 * NOTIFICATION message SHOULD NOT be sent, and the connection SHOULD NOT be
 * closed." A next hop equal to an address of the receiving speaker is the
 * case that matters here: installed, it points the kernel at itself, and
 * re-advertised it loops traffic back to the sender. IPv6 next hops
 * (RFC 2545 3, MP_REACH) are checked both global and link-local.
 *
 * The speaker knows no interface: bgp_hooks.nexthop_local answers whether
 * an address is ours, and the owner calls bgp_local_addr_changed() when one
 * comes or goes. Ignored routes are kept here, per peer, with their
 * attribute set (one reference each), so that
 *  - "show bgp neighbor X received" lists them as not accepted and the
 *    received count includes them;
 *  - an address added later moves the routes that now point at us out of
 *    the Adj-RIB-In, and an address removed brings back the ones that no
 *    longer do, without asking the peer for a refresh.
 * A later announcement (with another next hop) or a withdrawal of the
 * prefix forgets it; a session that goes down forgets them all (the peer
 * sends them again).
 */

static bool
nh_local(const struct bgp *bgp, const uint8_t *bytes, uint8_t family, struct ipaddr *which)
{
	struct ipaddr a;

	memset(&a, 0, sizeof(a));
	a.family = family;
	memcpy(a.bytes, bytes, family == AF_INET ? 4 : 16);
	if (!bgp->hooks.nexthop_local(bgp->hooks_arg, &a))
		return false;
	if (which)
		*which = a;
	return true;
}

bool
bgp_nhself_match(const struct bgp_peer *p, const struct bgp_attrs *a, uint8_t family,
    struct ipaddr *which)
{
	static const uint8_t zero16[16];
	const struct bgp    *bgp = p->bgp;

	if (!bgp->hooks.nexthop_local || !a)
		return false;
	if (family == AF_INET)
		return (a->flags & BGP_ATTRS_NEXT_HOP) &&
		    nh_local(bgp, a->nexthop4, AF_INET, which);
	if (!(a->flags & BGP_ATTRS_MP_NH))
		return false;
	if (memcmp(a->nh6_global, zero16, 16) != 0 &&
	    nh_local(bgp, a->nh6_global, AF_INET6, which))
		return true;
	return (a->flags & BGP_ATTRS_NH6_LL) && nh_local(bgp, a->nh6_ll, AF_INET6, which);
}

/* Does the family's next hop of a equal addr (before asking the owner)? */
static bool
nh_is(const struct bgp_attrs *a, uint8_t family, const struct ipaddr *addr)
{
	if (family != addr->family)
		return false;
	if (family == AF_INET)
		return (a->flags & BGP_ATTRS_NEXT_HOP) &&
		    memcmp(a->nexthop4, addr->bytes, 4) == 0;
	if (!(a->flags & BGP_ATTRS_MP_NH))
		return false;
	return memcmp(a->nh6_global, addr->bytes, 16) == 0 ||
	    ((a->flags & BGP_ATTRS_NH6_LL) && memcmp(a->nh6_ll, addr->bytes, 16) == 0);
}

void
bgp_nhself_init(struct bgp_peer *p)
{
	bgp_ptab_init(&p->nhself[BGP_FAM_V4], AF_INET);
	bgp_ptab_init(&p->nhself[BGP_FAM_V6], AF_INET6);
}

static int
nhself_put_one(const struct prefix *pfx, void **val, uint8_t *flags, void *arg)
{
	bgp_attrs_put(*val);
	return 0;
}

void
bgp_nhself_flush(struct bgp_peer *p)
{
	int f;

	for (f = 0; f < BGP_FAM_COUNT; f++) {
		bgp_ptab_walk(&p->nhself[f], nhself_put_one, NULL);
		bgp_ptab_fini(&p->nhself[f]);
	}
}

uint32_t
bgp_nhself_count(const struct bgp_peer *p)
{
	return (uint32_t)(p->nhself[BGP_FAM_V4].count + p->nhself[BGP_FAM_V6].count);
}

uint32_t
bgp_nhself_count_af(const struct bgp_peer *p, uint8_t family)
{
	return (uint32_t)p->nhself[bgp_af_of(family)].count;
}

/* The route is ignored: whatever the peer sent before for pfx is withdrawn
 * (implicit withdraw, RFC 4271 3.1) and this one is remembered. */
void
bgp_nhself_hold(struct bgp_peer *p, const struct prefix *pfx, struct bgp_attrs *a)
{
	struct bgp_pt_ref ref;
	bool		  isnew;

	bgp_adj_in_withdraw(p, pfx);
	if (bgp_ptab_put(&p->nhself[bgp_af_of(pfx->family)], pfx, &ref, &isnew) != 0)
		return; /* out of memory: the route is ignored all the same */
	bgp_attrs_get(a);
	if (!isnew)
		bgp_attrs_put(*ref.val);
	*ref.val = a;
}

void
bgp_nhself_forget(struct bgp_peer *p, const struct prefix *pfx)
{
	struct bgp_ptab *t = &p->nhself[bgp_af_of(pfx->family)];
	void		*val;

	if (t->count && bgp_ptab_del(t, pfx, &val, NULL))
		bgp_attrs_put(val);
}

int
bgp_nhself_walk(struct bgp_peer *p, bgp_ptab_fn fn, void *arg)
{
	int f, rc;

	for (f = 0; f < BGP_FAM_COUNT; f++)
		if ((rc = bgp_ptab_walk_sorted(&p->nhself[f], fn, arg)) != 0)
			return rc;
	return 0;
}

/* ---- an address of ours came or went ---- */

struct nh_move {
	struct prefix	  pfx;
	struct bgp_attrs *a; /* reference held */
};

struct nh_collect {
	const struct ipaddr *addr;
	struct nh_move	    *v;
	size_t		     n, cap;
	int		     err;
};

static int
collect_add(struct nh_collect *c, const struct prefix *pfx, struct bgp_attrs *a)
{
	struct nh_move *nv;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;

		if (!(nv = realloc(c->v, cap * sizeof(*nv)))) {
			c->err = -ENOMEM;
			return c->err;
		}
		c->v = nv;
		c->cap = cap;
	}
	bgp_attrs_get(a);
	c->v[c->n].pfx = *pfx;
	c->v[c->n].a = a;
	c->n++;
	return 0;
}

static int
collect_ext(const struct prefix *pfx, struct bgp_attrs *a, bool stale, void *arg)
{
	struct nh_collect *c = arg;

	return a && nh_is(a, pfx->family, c->addr) ? collect_add(c, pfx, a) : 0;
}

static int
collect_tab(const struct prefix *pfx, void **val, uint8_t *flags, void *arg)
{
	return collect_ext(pfx, *val, false, arg);
}

static void
collect_free(struct nh_collect *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		bgp_attrs_put(c->v[i].a);
	free(c->v);
}

/* addr is ours now: accepted routes pointing at it are ignored from now on. */
static void
nhself_addr_added(struct bgp_peer *p, const struct ipaddr *addr)
{
	struct bgp	 *bgp = p->bgp;
	struct nh_collect c = { addr, NULL, 0, 0, 0 };
	char		  buf[IPADDR_STRLEN];
	size_t		  i;
	int		  f;

	if (bgp->hooks.adj_in_walk)
		bgp->hooks.adj_in_walk(bgp->hooks_arg, p->cfg.rib_source, collect_ext, &c);
	else
		for (f = 0; f < BGP_FAM_COUNT; f++)
			bgp_ptab_walk(&p->adj_in[f], collect_tab, &c);
	for (i = 0; i < c.n; i++)
		if (bgp_nhself_match(p, c.v[i].a, c.v[i].pfx.family, NULL))
			bgp_nhself_hold(p, &c.v[i].pfx, c.v[i].a);
	if (c.n)
		log_warn(LOG_MOD_BGP,
		    "peer %s: %zu routes with next hop %s, now a local "
		    "address, ignored (RFC 4271 6.3)",
		    p->cfg.name, c.n, ipaddr_fmt(addr, buf, sizeof(buf)));
	if (c.err)
		log_err(LOG_MOD_BGP, "peer %s: out of memory re-checking next hops",
		    p->cfg.name);
	collect_free(&c);
}

/* addr is no longer ours: the routes ignored for it are routes again. */
static void
nhself_addr_removed(struct bgp_peer *p, const struct ipaddr *addr)
{
	struct nh_collect    c = { addr, NULL, 0, 0, 0 };
	struct bgp_path_info pi;
	char		     buf[IPADDR_STRLEN];
	size_t		     i, back = 0;
	int		     f;

	for (f = 0; f < BGP_FAM_COUNT; f++)
		bgp_ptab_walk(&p->nhself[f], collect_tab, &c);
	for (i = 0; i < c.n; i++) {
		if (bgp_nhself_match(p, c.v[i].a, c.v[i].pfx.family, NULL))
			continue; /* its other next hop is still ours */
		bgp_nhself_forget(p, &c.v[i].pfx);
		bgp_path_info_fill(&pi, c.v[i].a, c.v[i].pfx.family, &p->neg, p->ropen.bgp_id,
		    &p->cfg.remote);
		bgp_adj_in_update(p, &c.v[i].pfx, c.v[i].a, &pi);
		back++;
	}
	if (back)
		log_info(LOG_MOD_BGP,
		    "peer %s: %zu routes with next hop %s accepted again "
		    "(no longer a local address)",
		    p->cfg.name, back, ipaddr_fmt(addr, buf, sizeof(buf)));
	if (c.err)
		log_err(LOG_MOD_BGP, "peer %s: out of memory re-checking next hops",
		    p->cfg.name);
	collect_free(&c);
}

void
bgp_local_addr_changed(struct bgp *bgp, const struct ipaddr *addr, bool added)
{
	struct bgp_peer *p;

	if (!bgp->hooks.nexthop_local || bgp->freeing)
		return;
	for (p = bgp->peers; p; p = p->next) {
		if (p->deleting || p->state != BGP_ST_ESTABLISHED)
			continue;
		if (added)
			nhself_addr_added(p, addr);
		else if (bgp_nhself_count(p))
			nhself_addr_removed(p, addr);
	}
	/* an ignored route that came back may take a peer over its limit */
	for (p = bgp->peers; p; p = p->next)
		if (!added && !p->deleting && p->state == BGP_ST_ESTABLISHED)
			bgp_adj_in_limits_check(p);
}
