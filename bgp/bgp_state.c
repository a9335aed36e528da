/* bgp/bgp_state.c - session state and Adj-RIB-In/Out walks for show and the operational tree. */
/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bgp/bgp_local.h"

void
bgp_peer_state_get(const struct bgp_peer *p, struct bgp_peer_state *st)
{
	const struct bgp_conn *c = p->conn;
	bool		       up = p->state >= BGP_ST_OPENCONFIRM;

	memset(st, 0, sizeof(*st));
	st->name = p->cfg.name;
	st->remote = p->cfg.remote;
	if (c && c->local.family)
		st->local = c->local;
	else
		st->local = p->cfg.local;
	st->remote_as = p->cfg.remote_as;
	st->local_as = p->cfg.local_as ? p->cfg.local_as : p->bgp->cfg.local_as;
	st->state = bgp_state_name(p->state);
	st->established_at_ms = p->state == BGP_ST_ESTABLISHED ? p->established_at_ms : 0;
	if (up) {
		st->remote_router_id = p->ropen.bgp_id;
		st->hold_time = p->neg.hold_time;
		st->keepalive = p->keepalive;
		st->four_octet_as = p->neg.as4;
		st->route_refresh = p->neg.route_refresh;
		st->graceful_restart = p->gr_helper;
		st->ext_msg = p->neg.ext_msg;
	}
	snprintf(st->last_error, sizeof(st->last_error), "%s", p->last_error);
	st->msgs_in = p->msgs_in;
	st->msgs_out = p->msgs_out;
	st->updates_in = p->updates_in;
	st->updates_out = p->updates_out;
	st->pfx_accepted = bgp_adj_in_count(p);
	/* routes ignored for their next hop (RFC 4271 6.3) were received */
	st->pfx_received = st->pfx_accepted + bgp_nhself_count(p);
	st->pfx_advertised = p->out.advertised;
	st->mem_pinned = bgp_peer_pinned(p);
	st->flaps = p->flaps;
}

struct walk_ctx {
	struct bgp_peer *p;
	bgp_route_fn	 fn;
	void		*arg;
	char		 aspath[1024];
};

static void
view_from_attrs(struct bgp_route_view *v, const struct bgp_attrs *a, uint8_t family)
{
	if (!a)
		return;
	if (family == AF_INET && (a->flags & BGP_ATTRS_NEXT_HOP)) {
		v->nexthop.family = AF_INET;
		memcpy(v->nexthop.bytes, a->nexthop4, 4);
	} else if (a->flags & BGP_ATTRS_MP_NH) {
		v->nexthop.family = AF_INET6;
		memcpy(v->nexthop.bytes, a->nh6_global, 16);
	}
	v->local_pref = (a->flags & BGP_ATTRS_LOCAL_PREF) ? a->local_pref : 0;
	v->has_med = a->flags & BGP_ATTRS_MED;
	v->med = v->has_med ? a->med : 0;
	v->origin = a->origin;
}

static int
walk_in_one(const struct prefix *pfx, void **val, uint8_t *flags, void *arg)
{
	struct walk_ctx	     *w = arg;
	struct bgp_attrs     *a = *val;
	struct bgp_route_view v;

	memset(&v, 0, sizeof(v));
	v.prefix = pfx;
	view_from_attrs(&v, a, pfx->family);
	bgp_aspath_fmt(a, w->aspath, sizeof(w->aspath));
	v.as_path = w->aspath;
	v.stale = *flags & BGP_ADJIN_STALE;
	v.accepted = true;
	return w->fn(&v, w->arg);
}

static int
walk_in_ignored(const struct prefix *pfx, void **val, uint8_t *flags, void *arg)
{
	struct walk_ctx	     *w = arg;
	struct bgp_route_view v;

	memset(&v, 0, sizeof(v));
	v.prefix = pfx;
	view_from_attrs(&v, *val, pfx->family);
	bgp_aspath_fmt(*val, w->aspath, sizeof(w->aspath));
	v.as_path = w->aspath;
	v.accepted = false;
	return w->fn(&v, w->arg);
}

static int
walk_in_ext(const struct prefix *pfx, struct bgp_attrs *a, bool stale, void *arg)
{
	uint8_t flags = stale ? BGP_ADJIN_STALE : 0;
	void   *val = a;

	return walk_in_one(pfx, &val, &flags, arg);
}

int
bgp_peer_adj_in_walk(struct bgp_peer *p, bgp_route_fn fn, void *arg)
{
	struct walk_ctx w = { p, fn, arg, "" };
	struct bgp     *bgp = p->bgp;
	int		f, rc;

	if (bgp->hooks.adj_in_walk) { /* the route manager keeps it */
		if ((rc = bgp->hooks.adj_in_walk(bgp->hooks_arg, p->cfg.rib_source, walk_in_ext,
			 &w)) != 0)
			return rc;
	} else
		for (f = 0; f < BGP_FAM_COUNT; f++)
			if ((rc = bgp_ptab_walk_sorted(&p->adj_in[f], walk_in_one, &w)) != 0)
				return rc;
	/* then the routes not accepted (RFC 4271 6.3) */
	return bgp_nhself_walk(p, walk_in_ignored, &w);
}

/* What the peer got: the export transformations applied (RFC 4271 5.1.2, 5.1.3). */
static int
walk_out_one(const struct prefix *pfx, void **val, uint8_t *flags, void *arg)
{
	struct walk_ctx		     *w = arg;
	const struct bgp_adj_out_ent *e = *val;
	struct bgp_peer		     *p = w->p;
	struct bgp_route_view	      v;
	size_t			      off = 0;
	unsigned		      i, n;

	if (!(e->flags & BGP_OUT_SENT))
		return 0;
	memset(&v, 0, sizeof(v));
	v.prefix = pfx;
	view_from_attrs(&v, e->sent, pfx->family);
	if (!e->sent)
		v.origin = BGP_ORIGIN_IGP;
	w->aspath[0] = '\0';
	if (p->neg.ebgp) {
		v.local_pref = 0;
		if (!p->out.ex.send_med) {
			v.has_med = false;
			v.med = 0;
		}
		n = 1u + p->out.ex.prepend;
		for (i = 0; i < n && off < sizeof(w->aspath); i++)
			off += (size_t)snprintf(w->aspath + off, sizeof(w->aspath) - off,
			    "%s%u", i ? " " : "", p->neg.local_as);
		if (e->sent && bgp_aspath_len(e->sent) && off < sizeof(w->aspath) - 1) {
			w->aspath[off++] = ' ';
			bgp_aspath_fmt(e->sent, w->aspath + off, sizeof(w->aspath) - off);
		}
	} else {
		if (e->sent)
			bgp_aspath_fmt(e->sent, w->aspath, sizeof(w->aspath));
		if (!(e->sent && (e->sent->flags & BGP_ATTRS_LOCAL_PREF)))
			v.local_pref = 100;
	}
	if (pfx->family == AF_INET || p->neg.ebgp || !e->sent) {
		memset(&v.nexthop, 0, sizeof(v.nexthop));
		v.nexthop.family = pfx->family;
		if (pfx->family == AF_INET)
			memcpy(v.nexthop.bytes, p->out.ex.nh4, 4);
		else
			memcpy(v.nexthop.bytes, p->out.ex.nh6, 16);
	}
	v.as_path = w->aspath;
	v.accepted = true;
	return w->fn(&v, w->arg);
}

int
bgp_peer_adj_out_walk(struct bgp_peer *p, bgp_route_fn fn, void *arg)
{
	struct walk_ctx w = { p, fn, arg, "" };
	int		f, rc;

	for (f = 0; f < BGP_FAM_COUNT; f++)
		if ((rc = bgp_ptab_walk_sorted(&p->out.tab[f], walk_out_one, &w)) != 0)
			return rc;
	return 0;
}
