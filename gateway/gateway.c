/* gateway/gateway.c - the composition root: routing modules and the VPN up and down, their hooks wired, the config transaction. */
/* SPDX-License-Identifier: ISC */
#include "gateway/gateway.h"
#include "gateway/gw_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp.h"
#include "failover/bfd.h"
#include "failover/fib.h"
#include "failover/rib.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "northbound/nb_notify.h"
#include "vpn/vpn.h"

/*
 * Every transport the config names becomes one "path": a circuit link, a
 * VPN tunnel, a LAN peer, or the local prefixes. A path owns its legs: its
 * route manager source, its export target, its BGP peer and its BFD
 * session (gw_legs.c). A commit turns the new config into path specs and
 * plans the reconcile (validate, prepare: gw_conf.c, gw_reconcile.c), then
 * carries it out (apply): unchanged paths are not touched, so unrelated
 * sessions survive any commit. The bgp/ and failover/ hooks meet here.
 */
struct gw gw; /* gw.paths.legs: gw_legs[], from gateway_register() */

/* ---------------------------------------------------------------- hooks */

struct gw_path *
gw_path_by_source(uint32_t src)
{
	struct hash_node *n;

	HASH_FOREACH_MATCH(&gw.by_src, src, n) {
		struct gw_path *p = hash_entry(n, struct gw_path, snode);

		if (p->src == src)
			return p;
	}
	return NULL;
}

void
gw_path_detach(void *ctx, struct gw_path *p)
{
	if (p->in_by_src)
		hash_del(&gw.by_src, &p->snode);
	p->in_by_src = false;
}

static void
hook_path_add(void *arg, uint32_t src, const struct prefix *p, const struct bgp_path_info *bi)
{
	struct rib_path_info ri = {
		.nexthop = bi->nexthop,
		.local_pref = bi->local_pref,
		.has_med = bi->has_med,
		.med = bi->med,
		.origin = bi->origin,
		.as_path_len = bi->as_path_len,
		.neighbor_as = bi->neighbor_as,
		.ebgp = bi->ebgp,
		.peer_router_id = bi->peer_router_id,
		.peer_addr = bi->peer_addr,
		.attr = (struct rib_attr *)bi->attrs,
	};

	rib_path_add(gw.rib, src, p, &ri);
}

static void
hook_path_del(void *arg, uint32_t src, const struct prefix *p)
{
	if (gw.stopping) /* rib_free() drops every path at once */
		return;
	rib_path_withdraw(gw.rib, src, p);
}

static void
hook_session(void *arg, uint32_t src, bool up, bool hold_expired)
{
	struct gw_path *p = gw_path_by_source(src);
	char		addr[IPADDR_STRLEN];

	if (gw.stopping)
		return;
	rib_source_bgp(gw.rib, src, up,
	    up		     ? RIB_TRIG_BGP_UP :
		hold_expired ? RIB_TRIG_HOLD_TIMER :
			       RIB_TRIG_BGP_DOWN);
	if (p) {
		const char *why = up ? NULL :
		    hold_expired     ? "hold timer expired" :
				       "session closed";

		ipaddr_fmt(&p->spec.bgp.remote, addr, sizeof(addr));
		nb_notify_bgp_session(addr, p->spec.name, up, why);
		gw_event_session(addr, p->spec.name, up, why);
	}
	gw_settle_check();
}

static void
hook_stale(void *arg, uint32_t src, bool mark)
{
	if (mark)
		rib_source_mark_stale(gw.rib, src);
	else
		rib_source_sweep_stale(gw.rib, src);
}

static void
hook_export_sync(void *arg, uint32_t src)
{
	struct gw_path *p = gw_path_by_source(src);

	if (p && p->has_exp)
		rib_export_resync(gw.rib, p->exp);
}

/* The route manager's paths of a BGP source are its Adj-RIB-In. */
static uint32_t
hook_adj_in_count(void *arg, uint32_t src, uint8_t family)
{
	return rib_source_path_count(gw.rib, src, family);
}

struct gw_adj_in_walk {
	bgp_adj_in_fn fn;
	void	     *arg;
};

static int
gw_adj_in_one(void *arg, const struct prefix *p, struct rib_attr *attr, bool stale)
{
	struct gw_adj_in_walk *w = arg;

	return w->fn(p, (struct bgp_attrs *)attr, stale, w->arg);
}

static int
hook_adj_in_walk(void *arg, uint32_t src, bgp_adj_in_fn fn, void *fn_arg)
{
	struct gw_adj_in_walk w = { fn, fn_arg };

	return rib_source_path_walk(gw.rib, src, gw_adj_in_one, &w);
}

static void
hook_adj_in_flush(void *arg, uint32_t src)
{
	if (gw.stopping) /* rib_free() drops every path at once */
		return;
	rib_source_flush(gw.rib, src);
}

static uint32_t
hook_adj_in_sweep(void *arg, uint32_t src, uint8_t family)
{
	return rib_source_sweep_stale_af(gw.rib, src, family);
}

/* RFC 4271 6.3: the speaker ignores routes whose next hop is ours. */
static bool
hook_nexthop_local(void *arg, const struct ipaddr *a)
{
	return gw.fib && fib_addr_is_local(gw.fib, a);
}

static const struct bgp_hooks gw_bgp_hooks = {
	.path_add = hook_path_add,
	.path_del = hook_path_del,
	.session = hook_session,
	.stale = hook_stale,
	.export_sync = hook_export_sync,
	.adj_in_count = hook_adj_in_count,
	.adj_in_walk = hook_adj_in_walk,
	.adj_in_flush = hook_adj_in_flush,
	.adj_in_sweep = hook_adj_in_sweep,
	.nexthop_local = hook_nexthop_local,
};

static void
attr_get(struct rib_attr *a)
{
	bgp_attrs_get((struct bgp_attrs *)a);
}
static void
attr_put(struct rib_attr *a)
{
	bgp_attrs_put((struct bgp_attrs *)a);
}
static const struct rib_attr_ops gw_attr_ops = { .get = attr_get, .put = attr_put };

static void
fib_link(void *arg, int ifindex, const char *ifname, bool up)
{
	log_debug(LOG_MOD_FIB, "link %s (%d) %s", ifname, ifindex, up ? "up" : "down");
	if (gw.rib)
		rib_link(gw.rib, ifname, up);
}

/* The FIB logs refusals itself (rate-limited); the RIB shows them per route. */
static void
fib_route_error(void *arg, const struct prefix *p, int err)
{
	if (gw.rib)
		rib_fib_error(gw.rib, p, err);
}

static bool
fib_route_wanted(void *arg, const struct prefix *p, uint32_t grp)
{
	return gw.rib && rib_fib_route_wanted(gw.rib, p, grp);
}

static void
fib_group_back(void *arg, uint32_t grp)
{
	if (gw.rib)
		rib_fib_group_back(gw.rib, grp);
}

/* The address set the BGP speaker checks next hops against changed. */
static void
fib_addr(void *arg, int ifindex, const struct ipaddr *a, bool added)
{
	if (gw.bgp && !gw.stopping)
		bgp_local_addr_changed(gw.bgp, a, added);
}

static const struct fib_events gw_fib_events = {
	.link = fib_link,
	.route_error = fib_route_error,
	.route_wanted = fib_route_wanted,
	.group_back = fib_group_back,
	.addr = fib_addr,
};

/* A completed path switch becomes a NETCONF notification. */
static int
on_journal(void *arg, const struct rib_journal_entry *e)
{
	struct nb_path_switch ps = {
		.id = e->id,
		.connection = e->connection,
		.source = e->source,
		.trigger = rib_trigger_name(e->trigger),
		.from_class = rib_class_name(e->from_class),
		.to_class = e->has_to ? rib_class_name(e->to_class) : NULL,
		.prefixes_moved = e->prefixes_moved,
		.groups_rewritten = e->groups_rewritten,
		.switch_time_us = e->switch_time_us,
	};

	nb_notify_path_switch(&ps);
	gw_metrics_journal(e);
	gw_event_journal(e);
	return 0;
}

static int
on_alarm(void *arg, const struct rib_alarm *a)
{
	for (size_t i = 0; i < gw.paths.n; i++) {
		struct gw_path *p = gw.paths.v[i];

		if (p->has_exp && p->exp == a->target) {
			nb_notify_outbound_cap(p->spec.connection, a->raised, a->cap, a->wanted,
			    a->wanted > a->cap ? a->wanted - a->cap : 0);
			gw_event_alarm(p->spec.connection, a->raised, a->cap, a->wanted);
			break;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ VPN tunnels */

static int
gw_esp_new(void *arg, const struct esp_events *ev, struct esp_backend **out)
{
	struct esp_dp_cfg dc = { 0 };

	return esp_dp_new(&dc, ev, out);
}

/*
 * A tunnel came up or went down: the third health input of its path's
 * route source, beside BGP and BFD (DESIGN.md 3, Selection 1). Down acts at
 * once, as a circuit's BFD down does: the route manager rewrites the
 * groups that used the tunnel (prefix-independent) and journals the switch
 * with the trigger (dpd, or tunnel-down for a deletion, the device lost, a
 * lifetime out); up is damped by failback-delay like any source that was
 * eligible before. Both also become NETCONF notifications.
 */
static enum rib_trigger
gw_tunnel_trigger(enum vpn_reason r)
{
	switch (r) {
	case VPN_R_DPD:
		return RIB_TRIG_DPD;
	case VPN_R_ADMIN:
		return RIB_TRIG_ADMIN;
	default:
		return RIB_TRIG_TUNNEL_DOWN;
	}
}

static void
gw_tunnel_up(void *arg, struct vpn_tunnel *t, const char *ifname)
{
	struct gw_path *p = vpn_tunnel_ctx(t);

	if (!p || gw.stopping)
		return;
	if (p->src)
		rib_source_tunnel(gw.rib, p->src, true, RIB_TRIG_TUNNEL_UP);
	nb_notify_tunnel_state(p->spec.vpn.connection, p->spec.vpn.tunnel, ifname, true, NULL,
	    NULL);
	gw_settle_check();
}

static void
gw_tunnel_down(void *arg, struct vpn_tunnel *t, enum vpn_reason r, const char *detail)
{
	struct gw_path *p = vpn_tunnel_ctx(t);

	if (!p || gw.stopping)
		return;
	if (p->src)
		rib_source_tunnel(gw.rib, p->src, false, gw_tunnel_trigger(r));
	nb_notify_tunnel_state(p->spec.vpn.connection, p->spec.vpn.tunnel, p->spec.vpn.ifname,
	    false, vpn_reason_name(r), detail);
}

/*
 * Restart without a blackhole: routes a previous hybridgwd left in the
 * kernel stay (fib_adopt) until the sessions have settled, then those not
 * re-installed are removed (fib_reconcile). Settled = every managed tunnel
 * up, every configured BGP session Established and the RIB idle, or
 * GW_SETTLE_MAX_MS after start.
 */
#define GW_SETTLE_MAX_MS  120000
#define GW_SETTLE_POLL_MS 1000

static void
gw_settled(void)
{
	int rc;

	if (!gw.adopting)
		return;
	gw.adopting = false;
	uv_timer_stop(gw.settle_timer);
	if (gw.rib)
		rib_settle(gw.rib);
	if ((rc = fib_reconcile(gw.fib)) < 0)
		log_err(LOG_MOD_FIB, "reconcile of adopted routes failed: %s", strerror(-rc));
	else
		log_info(LOG_MOD_FIB,
		    "sessions settled after %llu ms: adopted routes reconciled",
		    (unsigned long long)(mono_ms() - gw.started_ms));
}

void
gw_settle_check(void)
{
	if (!gw.adopting)
		return;
	if (mono_ms() - gw.started_ms >= GW_SETTLE_MAX_MS) {
		gw_settled();
		return;
	}
	if (!gw.configured || rib_pending(gw.rib) > 0)
		return;
	for (size_t i = 0; i < gw.paths.n; i++) {
		struct bgp_peer_state st;

		/* a tunnel's statics arrive with its Child SA */
		if (gw.paths.v[i]->tunnel && !vpn_tunnel_is_up(gw.paths.v[i]->tunnel))
			return;
		if (!gw.paths.v[i]->peer)
			continue;
		bgp_peer_state_get(gw.paths.v[i]->peer, &st);
		if (!st.established_at_ms || mono_ms() - st.established_at_ms < 2000)
			return;
	}
	gw_settled();
}

static void
gw_settle_tick(uv_timer_t *t)
{
	gw_settle_check();
}

static void
gw_settle_timer_free(uv_handle_t *h)
{
	free(h);
}

static void
gw_adopted(void *arg, const struct prefix *p)
{
	gw.adopted++;
}

/* ------------------------------------------------------ the nb module */

/* The specs validate built, handed to the prepare of the same transaction
 * (nb_core runs every validate, then every prepare) instead of built twice. */
static struct {
	struct gw_conf	      *conf;
	const struct nb_txn   *txn;
	const struct lyd_node *cfg;
} gw_checked;

static void
gw_checked_drop(void)
{
	gw_conf_free(gw_checked.conf);
	memset(&gw_checked, 0, sizeof(gw_checked));
}

/* What prepare took for apply (or abort). */
struct gw_txn {
	struct gw_conf	    *conf; /* the globals; the specs are the plan's */
	struct gw_plan	    *plan;
	struct bgp_listener *lsn; /* a new port's, NULL: no change */
	bool		     port_changed;
};

static int
gw_validate(const struct nb_txn *t)
{
	int rc;

	gw_checked_drop();
	if ((rc = gw_conf_build_checked(t->new_cfg, &gw_checked.conf, t->err)) == 0) {
		gw_checked.txn = t;
		gw_checked.cfg = t->new_cfg;
	}
	return rc;
}

static void
gw_txn_free(struct gw_txn *x)
{
	if (!x)
		return;
	if (x->plan)
		gw_reconcile_abort(&gw.paths, x->plan); /* frees the conf too */
	else
		gw_conf_free(x->conf);
	bgp_listener_free(x->lsn);
	free(x);
}

/*
 * Everything that may fail happens here: the specs, the plan of the
 * reconcile with each leg's resources, and a new BGP port's listen
 * sockets. A port that cannot be bound is logged and the commit goes on
 * without it (as ever: sessions still connect out).
 */
static int
gw_prepare(const struct nb_txn *t, void **ctx)
{
	struct gw_txn  *x;
	struct gw_conf *c = NULL;
	int		rc;

	if (gw_checked.conf && gw_checked.txn == t && gw_checked.cfg == t->new_cfg) {
		c = gw_checked.conf;
		gw_checked.conf = NULL;
	}
	gw_checked_drop();
	if (!(x = calloc(1, sizeof(*x)))) {
		gw_conf_free(c);
		return -ENOMEM;
	}
	if (!c) {
		if (!(c = calloc(1, sizeof(*c)))) {
			free(x);
			return -ENOMEM;
		}
		if ((rc = gw_conf_build(t->new_cfg, c, t->err)) != 0) {
			gw_conf_free(c);
			free(x);
			return rc;
		}
	}
	x->conf = c;
	if (!gw.rib) { /* not started (a config check): nothing to plan */
		*ctx = x;
		return 0;
	}
	if ((rc = gw_reconcile_prepare(&gw.paths, c, &x->plan, t->err)) != 0) {
		gw_txn_free(x);
		return rc;
	}
	if (c->port != gw.port) {
		x->port_changed = true;
		(void)bgp_listener_open(gw.bgp, c->port, &x->lsn); /* logs a failure */
	}
	*ctx = x;
	return 0;
}

static void
gw_abort(const struct nb_txn *t, void *ctx)
{
	gw_txn_free(ctx);
}

static void
gw_apply(const struct nb_txn *t, void *ctx)
{
	struct gw_txn	     *x = ctx;
	struct gw_conf	     *c = x->conf;
	struct bgp_global_cfg g = { .local_as = c->as, .router_id = c->router_id };

	if (!x->plan) { /* prepared without the routing modules */
		gw_txn_free(x);
		return;
	}
	if (c->as != gw.conf_as || c->router_id != gw.conf_router_id) {
		bgp_global_set(gw.bgp, &g);
		gw.conf_as = c->as;
		gw.conf_router_id = c->router_id;
	}
	if (memcmp(&c->policy, &gw.policy, sizeof(c->policy)) != 0) {
		gw.policy = c->policy;
		rib_policy_set(gw.rib, &gw.policy);
	}
	if (x->port_changed) {
		/* a port that could not be bound keeps the listener we had */
		if (x->lsn)
			bgp_listener_install(gw.bgp, x->lsn);
		x->lsn = NULL;
		gw.port = c->port;
	}
	gw_reconcile_apply(&gw.paths, x->plan); /* frees the plan and c */
	x->plan = NULL;
	free(x);
	if (gw.fib)
		fib_flush(gw.fib);
	gw.configured = true;
}

static const struct nb_module gw_module = {
	.name = "gateway",
	.validate = gw_validate,
	.prepare = gw_prepare,
	.apply = gw_apply,
	.abort = gw_abort,
	.state = gw_state,
	.no_diff = true,
	.rpcs = gw_rpcs,
	.cmds = gw_cmds,
	.shows = gw_shows,
	.release = gw_conf_memo_free,
};

static const struct nb_module gw_alarms_module = {
	.name = "alarms",
	.state = gw_alarms_state,
};

static const char *
boot_leaf(const struct lyd_node *cfg, const char *path)
{
	struct lyd_node *l = NULL;

	if (!cfg || lyd_find_path(cfg, path, 0, &l) != LY_SUCCESS || !l)
		return NULL;
	return lyd_get_value(l);
}

static void
gw_fib_cfg(const struct lyd_node *boot_cfg, struct fib_cfg *fc)
{
	const char *tbl = boot_leaf(boot_cfg, "kernel-table");
	const char *pic = boot_leaf(boot_cfg, "prefix-independent-convergence");

	memset(fc, 0, sizeof(*fc));
	fc->table = tbl ? (uint32_t)strtoul(tbl, NULL, 10) : 254;
	fc->nh_compat_off = !pic || strcmp(pic, "true") == 0;
}

void
gateway_prepare_root(const struct lyd_node *boot_cfg)
{
	struct fib_cfg fc;

	gw_fib_cfg(boot_cfg, &fc);
	fib_ns_prepare(&fc);
}

int
gateway_start(const struct lyd_node *boot_cfg, struct nb_err *err)
{
	struct fib_cfg	      fc;
	struct rib_cfg	      rc = { .attr_ops = &gw_attr_ops };
	struct bgp_global_cfg g = { 0 };
	int		      n;

	gw_fib_cfg(boot_cfg, &fc);
	gw.kernel_table = fc.table;
	gw.pic = fc.nh_compat_off;
	gw.started_ms = mono_ms();
	if (!(gw.fib = fib_new(&fc, &gw_fib_events, NULL))) {
		nb_err_set(err, "/hybridgw:gateway/kernel-table",
		    "cannot open the kernel routing table (netlink)");
		return -EIO;
	}
	if ((n = fib_adopt(gw.fib, gw_adopted, NULL)) < 0)
		log_warn(LOG_MOD_FIB, "cannot list routes left by a previous run: %s",
		    strerror(-n));
	else if (gw.adopted > 0) {
		log_info(LOG_MOD_FIB,
		    "adopted %zu routes from a previous run; they stay until "
		    "the sessions settle",
		    gw.adopted);
		gw.adopting = true;
		if (!(gw.settle_timer = malloc(sizeof(*gw.settle_timer))))
			abort();
		uv_timer_init(loop_get(), gw.settle_timer);
		uv_timer_start(gw.settle_timer, gw_settle_tick, GW_SETTLE_POLL_MS,
		    GW_SETTLE_POLL_MS);
	}
	rc.fib = gw.fib;
	rc.policy.mode = RIB_PREF_CIRCUIT;
	rc.policy.failback_delay_s = 60;
	rc.policy.maximum_paths = 2;
	gw.policy = rc.policy;
	{
		struct vpn_cfg vc = {
			.loop = loop_get(),
			.backend_new = gw_esp_new,
			.backend_stats = esp_dp_stats_get,
			.ev = { gw_tunnel_up, gw_tunnel_down, NULL },
		};

		if (vpn_new(&vc, &gw.vpn) != 0)
			gw.vpn = NULL;
	}
	if (!gw.vpn || !(gw.rib = rib_new(&rc)) || !(gw.bfd = bfd_new(loop_get())) ||
	    !(gw.bgp = bgp_new(loop_get(), &g, &gw_bgp_hooks, NULL))) {
		nb_err_set(err, "", "cannot create the routing modules");
		gateway_fini();
		return -ENOMEM;
	}
	rib_journal_subscribe(gw.rib, on_journal, NULL);
	rib_alarm_subscribe(gw.rib, on_alarm, NULL);
	return 0;
}

void
gateway_register(void)
{
	memcpy(gw.paths.legs, gw_legs, sizeof(gw.paths.legs));
	gw.paths.detach = gw_path_detach;
	nb_module_register(&gw_module);
	nb_module_register(&gw_alarms_module);
	gw_metrics_register();
}

void
gateway_fini(void)
{
	/* The kernel keeps forwarding as it does now while we are away (the
	 * next run adopts its routes): sessions going down must not move them. */
	if (gw.rib)
		rib_fib_detach(gw.rib);
	/* Nothing is re-selected on the way out: a full table's million
	 * one-by-one withdrawals would only delay the exit (rib_free frees). */
	gw.stopping = true;
	gw_metrics_fini();
	/* The sessions end as a restart, not as a de-configuration: helpers keep
	 * our routes (RFC 4724) while the next run comes up. */
	bgp_stop_begin(gw.bgp);
	gw_checked_drop();
	gw_paths_clear(&gw.paths);
	hash_fini(&gw.by_src);
	gw_vpn_acct_free();
	/* Closing completes on the loop after gw is cleared: the handle is ours
	 * to free then (it was also left open once the routes were reconciled). */
	if (gw.settle_timer)
		uv_close((uv_handle_t *)gw.settle_timer, gw_settle_timer_free);
	/* every tunnel went with its path; the dataplane goes now */
	vpn_free(gw.vpn);
	if (gw.bgp)
		bgp_free(gw.bgp);
	if (gw.bfd)
		bfd_free(gw.bfd);
	if (gw.rib)
		rib_free(gw.rib);
	if (gw.fib)
		fib_free(gw.fib);
	{
		struct gw_paths legs = { .detach = gw.paths.detach };

		/* everything back to the start but the legs gateway_register wired */
		memcpy(legs.legs, gw.paths.legs, sizeof(legs.legs));
		memset(&gw, 0, sizeof(gw));
		gw.paths = legs;
	}
}
