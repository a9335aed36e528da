/* gateway/gw_legs.c - a path's legs wired to the modules: route source and statics, BGP peer, export, BFD, the IPsec tunnel. */
/* SPDX-License-Identifier: ISC */
#include "gateway/gw_local.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

/*
 * What create, update and destroy do to the other modules for one leg of
 * one path (gw_reconcile.c decides which and when). Only the tunnel needs
 * a prepare phase (a device, sockets, files a commit can be refused for);
 * a refusal in apply is logged and leaves the leg down.
 */

/* --------------------------------------------------- route source + statics */

static int
gw_prefix_cmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static bool
gw_statics_same(const struct gw_spec *a, const struct gw_spec *b)
{
	if (a->nstatic != b->nstatic || ipaddr_cmp(&a->src.nexthop, &b->src.nexthop) != 0)
		return false;
	for (size_t i = 0; i < a->nstatic; i++)
		if (!prefix_equal(&a->statics[i], &b->statics[i]))
			return false;
	return true;
}

static void
gw_path_statics(struct gw_path *p, const struct gw_spec *old)
{
	struct prefix *sorted = NULL;
	bool	       ok = true;

	/* Nothing changed and every static is in the RIB: adding them again
	 * would only queue a re-selection of each. A BGP source is always
	 * refreshed (graceful restart may have marked its statics stale). */
	if (old && p->statics_in && !p->spec.has_bgp && gw_statics_same(old, &p->spec))
		return;
	/* Withdraw statics that are gone, (re)add the new set: adding replaces. */
	if (old && old->nstatic && p->spec.nstatic &&
	    (sorted = malloc(p->spec.nstatic * sizeof(*sorted)))) {
		memcpy(sorted, p->spec.statics, p->spec.nstatic * sizeof(*sorted));
		qsort(sorted, p->spec.nstatic, sizeof(*sorted), gw_prefix_cmp);
	}
	for (size_t i = 0; old && i < old->nstatic; i++) {
		bool keep = false;

		if (sorted)
			keep = bsearch(&old->statics[i], sorted, p->spec.nstatic,
				   sizeof(*sorted), gw_prefix_cmp) != NULL;
		else
			for (size_t j = 0; j < p->spec.nstatic && !keep; j++)
				keep = prefix_equal(&old->statics[i], &p->spec.statics[j]);
		if (!keep)
			rib_path_del(gw.rib, p->src, &old->statics[i]);
	}
	free(sorted);
	for (size_t i = 0; i < p->spec.nstatic; i++) {
		struct rib_path_info ri = {
			.nexthop = p->spec.src.nexthop,
			.is_static = true,
			.local_pref = 100,
			.origin = 0,
		};

		ok &= rib_path_add(gw.rib, p->src, &p->spec.statics[i], &ri) == 0;
	}
	p->statics_in = ok;
}

static bool
source_wanted(const struct gw_spec *s)
{
	return true;
}

static void
source_create(void *ctx, struct gw_path *p, void *res)
{
	int rc;

	if ((rc = rib_source_add(gw.rib, &p->spec.src, &p->src)) != 0) {
		log_err(LOG_MOD_NB, "%s: cannot add route source: %s", p->spec.name,
		    strerror(-rc));
		p->src = 0;
		return;
	}
	if (hash_add(&gw.by_src, &p->snode, p->src) != 0)
		abort();
	p->in_by_src = true;
	gw_path_statics(p, NULL);
}

static void
source_update(void *ctx, struct gw_path *p, const struct gw_spec *old, void *res)
{
	gw_path_statics(p, old);
}

static void
source_destroy(void *ctx, struct gw_path *p)
{
	gw_path_detach(ctx, p);
	if (!gw.stopping) /* at exit rib_free() drops everything at once */
		rib_source_del(gw.rib, p->src);
	p->src = 0;
}

static const struct gw_leg_ops leg_source = {
	.name = "route source",
	.wanted = source_wanted,
	.create = source_create,
	.update = source_update,
	.destroy = source_destroy,
};

/* -------------------------------------------------------------- BGP peer */

static bool
bgp_wanted(const struct gw_spec *s)
{
	return s->has_bgp;
}

static void
bgp_create(void *ctx, struct gw_path *p, void *res)
{
	int rc;

	p->spec.bgp.rib_source = p->src;
	if ((rc = bgp_peer_add(gw.bgp, &p->spec.bgp, &p->peer)) != 0) {
		log_err(LOG_MOD_NB, "%s: cannot add BGP peer: %s", p->spec.name, strerror(-rc));
		p->peer = NULL;
	}
}

static void
bgp_update(void *ctx, struct gw_path *p, const struct gw_spec *old, void *res)
{
	int rc;

	p->spec.bgp.rib_source = p->src;
	if (p->peer && !gw_bgp_cfg_same(&old->bgp, &p->spec.bgp) &&
	    (rc = bgp_peer_update(p->peer, &p->spec.bgp)) != 0)
		log_err(LOG_MOD_NB, "%s: BGP update failed: %s", p->spec.name, strerror(-rc));
}

/* The BGP session ends before BFD says AdminDown (gw_leg_down): at a stop,
 * a graceful-restart helper must see the TCP close first (and keep our
 * routes), not a BFD down, which makes FRR end the session and drop them. */
static void
bgp_destroy(void *ctx, struct gw_path *p)
{
	if (p->peer)
		bgp_peer_del(p->peer);
	p->peer = NULL;
}

static const struct gw_leg_ops leg_bgp = {
	.name = "BGP peer",
	.wanted = bgp_wanted,
	.create = bgp_create,
	.update = bgp_update,
	.destroy = bgp_destroy,
};

/* -------------------------------------------------------------- export */

static void
exp_announce(void *ctx, const struct prefix *p, struct rib_attr *attr)
{
	struct gw_path *gp = ctx;

	if (gp->peer)
		bgp_export_announce(gp->peer, p, (struct bgp_attrs *)attr);
}

static void
exp_withdraw(void *ctx, const struct prefix *p)
{
	struct gw_path *gp = ctx;

	if (gp->peer)
		bgp_export_withdraw(gp->peer, p);
}

static const struct rib_export_ops gw_export_ops = {
	.announce = exp_announce,
	.withdraw = exp_withdraw,
};

static void
export_create(void *ctx, struct gw_path *p, void *res)
{
	struct rib_export_cfg ec = {
		.role = p->spec.exp_role,
		.own_source = p->src,
		.cap = p->spec.exp_cap,
		.ops = &gw_export_ops,
		.ctx = p,
		.name = p->spec.name,
	};

	p->has_exp = rib_export_add(gw.rib, &ec, &p->exp) == 0;
}

static void
export_update(void *ctx, struct gw_path *p, const struct gw_spec *old, void *res)
{
	if (!p->has_exp)
		return;
	if (old->exp_role == p->spec.exp_role) {
		if (old->exp_cap != p->spec.exp_cap) /* withdraws the excess */
			rib_export_cap_set(gw.rib, p->exp, p->spec.exp_cap);
		return;
	}
	rib_export_del(gw.rib, p->exp);
	export_create(ctx, p, res);
	if (p->has_exp)
		rib_export_resync(gw.rib, p->exp);
}

static void
export_destroy(void *ctx, struct gw_path *p)
{
	if (p->has_exp)
		rib_export_del(gw.rib, p->exp);
	p->has_exp = false;
}

static const struct gw_leg_ops leg_export = {
	.name = "export",
	.wanted = bgp_wanted,
	.create = export_create,
	.update = export_update,
	.destroy = export_destroy,
};

/* -------------------------------------------------------------- BFD */

static void
bfd_changed(void *arg, struct bfd_session *s, bool up, uint8_t diag)
{
	struct gw_path *p = arg;

	struct bfd_session_state st;

	log_info(LOG_MOD_FAILOVER, "%s: BFD %s (diag %u)", p->spec.name, up ? "up" : "down",
	    diag);
	rib_source_bfd(gw.rib, p->src, up);
	bfd_session_state_get(s, &st);
	if (!up)
		gw_metrics_bfd_down(&st);
	gw_event_bfd(p->spec.name, &st, up, diag);
}

static bool
bfd_wanted(const struct gw_spec *s)
{
	return s->has_bfd;
}

static void
bfd_create(void *ctx, struct gw_path *p, void *res)
{
	int rc;

	if ((rc = bfd_session_add(gw.bfd, &p->spec.bfd, bfd_changed, p, &p->bfd)) != 0) {
		log_err(LOG_MOD_NB, "%s: cannot start BFD: %s", p->spec.name, strerror(-rc));
		p->bfd = NULL;
	}
}

static void
bfd_update(void *ctx, struct gw_path *p, const struct gw_spec *old, void *res)
{
	if (!p->bfd) /* refused before: another try */
		bfd_create(ctx, p, res);
	else if (!gw_bfd_cfg_same(&old->bfd, &p->spec.bfd))
		bfd_session_update(p->bfd, &p->spec.bfd);
}

static void
bfd_destroy(void *ctx, struct gw_path *p)
{
	if (p->bfd)
		bfd_session_del(p->bfd);
	p->bfd = NULL;
}

static const struct gw_leg_ops leg_bfd = {
	.name = "BFD session",
	.wanted = bfd_wanted,
	.create = bfd_create,
	.update = bfd_update,
	.destroy = bfd_destroy,
};

/* -------------------------------------------------------------- tunnel */

/*
 * The IPsec tunnel of a vpn-connection with ike (vpn/): prepare takes what
 * may fail (the TUN device, the IKE sockets, the certificates), create
 * starts it, update restarts its SAs with a new configuration (the device
 * stays), destroy deletes it after BGP and BFD are gone (gw_leg_down).
 * Without ike the tunnel's interface is managed elsewhere: no leg.
 */
static bool
tunnel_wanted(const struct gw_spec *s)
{
	return s->has_tunnel;
}

static int
tunnel_prepare(void *ctx, const struct gw_spec *spec, const struct gw_spec *old, void **res,
    struct nb_err *err)
{
	struct vpn_prep	  *p = NULL;
	struct vpn_cfg_err ve;
	int		   rc;

	*res = NULL;
	if (old && vpn_tunnel_cfg_same(&old->vpn, &spec->vpn))
		return 0; /* nothing to take: update leaves it alone */
	if (!gw.vpn)
		return -ENODEV;
	if ((rc = vpn_tunnel_prepare(gw.vpn, &spec->vpn, NULL, &p, &ve)) != 0) {
		if (err && err->msg[0] == '\0')
			nb_err_set(err, "", "%s: %s%s%s", spec->name, ve.field,
			    ve.field[0] ? ": " : "", ve.msg[0] ? ve.msg : strerror(-rc));
		return rc;
	}
	*res = p;
	return 0;
}

static void
tunnel_abort(void *ctx, void *res)
{
	if (res)
		vpn_tunnel_abort(gw.vpn, res);
}

static void
tunnel_create(void *ctx, struct gw_path *p, void *res)
{
	if (!res) {
		log_err(LOG_MOD_NB, "%s: no tunnel prepared", p->spec.name);
		return;
	}
	p->tunnel = vpn_tunnel_start(gw.vpn, res, p);
}

static void
tunnel_update(void *ctx, struct gw_path *p, const struct gw_spec *old, void *res)
{
	if (!res)
		return;
	if (p->tunnel)
		vpn_tunnel_update(p->tunnel, res);
	else
		p->tunnel = vpn_tunnel_start(gw.vpn, res, p);
}

static void
tunnel_destroy(void *ctx, struct gw_path *p)
{
	if (p->tunnel) {
		gw_vpn_retire(p->tunnel); /* its connection keeps the bytes */
		vpn_tunnel_del(p->tunnel);
	}
	p->tunnel = NULL;
}

static const struct gw_leg_ops leg_tunnel = {
	.name = "VPN tunnel",
	.wanted = tunnel_wanted,
	.prepare = tunnel_prepare,
	.abort = tunnel_abort,
	.create = tunnel_create,
	.update = tunnel_update,
	.destroy = tunnel_destroy,
};

const struct gw_leg_ops *const gw_legs[GW_LEG_N] = {
	[GW_LEG_SOURCE] = &leg_source,
	[GW_LEG_BGP] = &leg_bgp,
	[GW_LEG_EXPORT] = &leg_export,
	[GW_LEG_BFD] = &leg_bfd,
	[GW_LEG_TUNNEL] = &leg_tunnel,
};
