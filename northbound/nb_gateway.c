/* northbound/nb_gateway.c - wires configuration into the FIB, RIB, BGP and BFD modules. */
#include "northbound/nb_local.h"
#include "northbound/nb_gw_local.h"

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

/*
 * Every transport the config names becomes one "path": a circuit link, a
 * VPN tunnel, a LAN peer, or the local prefixes. A path owns its route
 * manager source, its export target, its BGP peer and its BFD session. A
 * commit turns the new config into path specs (prepare), then reconciles
 * the live paths against them (apply): unchanged paths are not touched, so
 * unrelated sessions survive any commit.
 */
struct gw	 gw;

/* ---------------------------------------------------------------- hooks */

static struct gw_path *
gw_path_by_source(uint32_t src)
{
	for (size_t i = 0; i < gw.npaths; i++)
		if (gw.paths[i]->src == src)
			return gw.paths[i];
	return NULL;
}

static void
hook_path_add(void *arg, uint32_t src, const struct prefix *p, const struct bgp_path_info *bi)
{
	struct rib_path_info	 ri = {
		.nexthop = bi->nexthop, .local_pref = bi->local_pref,
		.has_med = bi->has_med, .med = bi->med, .origin = bi->origin,
		.as_path_len = bi->as_path_len, .neighbor_as = bi->neighbor_as,
		.ebgp = bi->ebgp, .peer_router_id = bi->peer_router_id,
		.peer_addr = bi->peer_addr, .attr = (struct rib_attr *)bi->attrs,
	};

	rib_path_add(gw.rib, src, p, &ri);
}

static void
hook_path_del(void *arg, uint32_t src, const struct prefix *p)
{
	if (gw.stopping)	/* rib_free() drops every path at once */
		return;
	rib_path_withdraw(gw.rib, src, p);
}

static void
hook_session(void *arg, uint32_t src, bool up, bool hold_expired)
{
	struct gw_path	*p = gw_path_by_source(src);
	char		 addr[IPADDR_STRLEN];

	if (gw.stopping)
		return;
	rib_source_bgp(gw.rib, src, up,
	    up ? RIB_TRIG_BGP_UP : hold_expired ? RIB_TRIG_HOLD_TIMER : RIB_TRIG_BGP_DOWN);
	if (p)
		nb_notify_bgp_session(ipaddr_fmt(&p->spec.bgp.remote, addr, sizeof(addr)),
		    p->spec.name, up, up ? NULL : hold_expired ? "hold timer expired" :
		    "session closed");
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
	struct gw_path	*p = gw_path_by_source(src);

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
	bgp_adj_in_fn	 fn;
	void		*arg;
};

static int
gw_adj_in_one(void *arg, const struct prefix *p, struct rib_attr *attr, bool stale)
{
	struct gw_adj_in_walk	*w = arg;

	return w->fn(p, (struct bgp_attrs *)attr, stale, w->arg);
}

static int
hook_adj_in_walk(void *arg, uint32_t src, bgp_adj_in_fn fn, void *fn_arg)
{
	struct gw_adj_in_walk	 w = { fn, fn_arg };

	return rib_source_path_walk(gw.rib, src, gw_adj_in_one, &w);
}

static void
hook_adj_in_flush(void *arg, uint32_t src)
{
	if (gw.stopping)	/* rib_free() drops every path at once */
		return;
	rib_source_flush(gw.rib, src);
}

static uint32_t
hook_adj_in_sweep(void *arg, uint32_t src, uint8_t family)
{
	return rib_source_sweep_stale_af(gw.rib, src, family);
}

static const struct bgp_hooks gw_bgp_hooks = {
	.path_add = hook_path_add, .path_del = hook_path_del,
	.session = hook_session, .stale = hook_stale, .export_sync = hook_export_sync,
	.adj_in_count = hook_adj_in_count, .adj_in_walk = hook_adj_in_walk,
	.adj_in_flush = hook_adj_in_flush, .adj_in_sweep = hook_adj_in_sweep,
};

static void
exp_announce(void *ctx, const struct prefix *p, struct rib_attr *attr)
{
	struct gw_path	*gp = ctx;

	if (gp->peer)
		bgp_export_announce(gp->peer, p, (struct bgp_attrs *)attr);
}

static void
exp_withdraw(void *ctx, const struct prefix *p)
{
	struct gw_path	*gp = ctx;

	if (gp->peer)
		bgp_export_withdraw(gp->peer, p);
}

static const struct rib_export_ops gw_export_ops = {
	.announce = exp_announce, .withdraw = exp_withdraw,
};

static void attr_get(struct rib_attr *a) { bgp_attrs_get((struct bgp_attrs *)a); }
static void attr_put(struct rib_attr *a) { bgp_attrs_put((struct bgp_attrs *)a); }
static const struct rib_attr_ops gw_attr_ops = { .get = attr_get, .put = attr_put };

static void
bfd_changed(void *arg, struct bfd_session *s, bool up, uint8_t diag)
{
	struct gw_path	*p = arg;

	log_info(LOG_MOD_FAILOVER, "%s: BFD %s (diag %u)", p->spec.name, up ? "up" : "down",
	    diag);
	rib_source_bfd(gw.rib, p->src, up);
}

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

static const struct fib_events gw_fib_events = {
	.link = fib_link, .route_error = fib_route_error,
	.route_wanted = fib_route_wanted, .group_back = fib_group_back,
};

/* A completed path switch becomes a NETCONF notification. */
static int
on_journal(void *arg, const struct rib_journal_entry *e)
{
	struct nb_path_switch	 ps = {
		.id = e->id, .connection = e->connection,
		.trigger = rib_trigger_name(e->trigger),
		.from_class = rib_class_name(e->from_class),
		.to_class = e->has_to ? rib_class_name(e->to_class) : NULL,
		.prefixes_moved = e->prefixes_moved, .groups_rewritten = e->groups_rewritten,
		.switch_time_us = e->switch_time_us,
	};

	nb_notify_path_switch(&ps);
	return 0;
}

static int
on_alarm(void *arg, const struct rib_alarm *a)
{
	for (size_t i = 0; i < gw.npaths; i++) {
		struct gw_path	*p = gw.paths[i];

		if (p->has_exp && p->exp == a->target) {
			nb_notify_outbound_cap(p->spec.connection, a->raised, a->cap, a->wanted,
			    a->wanted > a->cap ? a->wanted - a->cap : 0);
			break;
		}
	}
	return 0;
}

/*
 * Restart without a blackhole: routes a previous hybridgwd left in the
 * kernel stay (fib_adopt) until the sessions have settled, then those not
 * re-installed are removed (fib_reconcile). Settled = every configured BGP
 * session Established and the RIB idle, or GW_SETTLE_MAX_MS after start.
 */
#define GW_SETTLE_MAX_MS	120000
#define GW_SETTLE_POLL_MS	1000

static void
gw_reconcile(void)
{
	int	 rc;

	if (!gw.adopting)
		return;
	gw.adopting = false;
	uv_timer_stop(gw.settle_timer);
	if (gw.rib)
		rib_settle(gw.rib);
	if ((rc = fib_reconcile(gw.fib)) < 0)
		log_err(LOG_MOD_FIB, "reconcile of adopted routes failed: %s", strerror(-rc));
	else
		log_info(LOG_MOD_FIB, "sessions settled after %llu ms: adopted routes reconciled",
		    (unsigned long long)(mono_ms() - gw.started_ms));
}

void
gw_settle_check(void)
{
	if (!gw.adopting)
		return;
	if (mono_ms() - gw.started_ms >= GW_SETTLE_MAX_MS) {
		gw_reconcile();
		return;
	}
	if (!gw.configured || rib_pending(gw.rib) > 0)
		return;
	for (size_t i = 0; i < gw.npaths; i++) {
		struct bgp_peer_state	 st;

		if (!gw.paths[i]->peer)
			continue;
		bgp_peer_state_get(gw.paths[i]->peer, &st);
		if (!st.established_at_ms || mono_ms() - st.established_at_ms < 2000)
			return;
	}
	gw_reconcile();
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

/* ---------------------------------------------------------- live paths */

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
	struct prefix	*sorted = NULL;
	bool		 ok = true;

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
		bool	 keep = false;

		if (sorted)
			keep = bsearch(&old->statics[i], sorted, p->spec.nstatic, sizeof(*sorted),
			    gw_prefix_cmp) != NULL;
		else
			for (size_t j = 0; j < p->spec.nstatic && !keep; j++)
				keep = prefix_equal(&old->statics[i], &p->spec.statics[j]);
		if (!keep)
			rib_path_del(gw.rib, p->src, &old->statics[i]);
	}
	free(sorted);
	for (size_t i = 0; i < p->spec.nstatic; i++) {
		struct rib_path_info	 ri = {
			.nexthop = p->spec.src.nexthop, .is_static = true,
			.local_pref = 100, .origin = 0,
		};

		ok &= rib_path_add(gw.rib, p->src, &p->spec.statics[i], &ri) == 0;
	}
	p->statics_in = ok;
}

static void
gw_path_destroy(struct gw_path *p)
{
	if (p->has_exp)
		rib_export_del(gw.rib, p->exp);
	/* The BGP session ends before BFD says AdminDown: at a stop, a graceful-
	 * restart helper must see the TCP close first (and keep our routes),
	 * not a BFD down, which makes FRR end the session and drop them. */
	if (p->peer)
		bgp_peer_del(p->peer);
	if (p->bfd)
		bfd_session_del(p->bfd);
	if (!gw.stopping)	/* at exit rib_free() drops everything at once */
		rib_source_del(gw.rib, p->src);
	gw_spec_clear(&p->spec);
	free(p);
}

/* Bring a new path up. Failures are logged and leave the path partial:
 * apply cannot fail, and prepare already checked what can be checked. */
static struct gw_path *
gw_path_create(struct gw_spec *spec)
{
	struct gw_path	*p = calloc(1, sizeof(*p));
	int		 rc;

	if (!p)
		abort();
	gw_spec_move(&p->spec, spec);
	p->spec.src.name = p->spec.name;
	p->spec.src.connection = p->spec.connection;
	if ((rc = rib_source_add(gw.rib, &p->spec.src, &p->src)) != 0) {
		log_err(LOG_MOD_NB, "%s: cannot add route source: %s", p->spec.name, strerror(-rc));
		return p;
	}
	if (p->spec.has_bgp) {
		struct rib_export_cfg	 ec = {
			.role = p->spec.exp_role, .own_source = p->src,
			.cap = p->spec.exp_cap, .ops = &gw_export_ops, .ctx = p,
			.name = p->spec.name,
		};

		p->spec.bgp.rib_source = p->src;
		if ((rc = bgp_peer_add(gw.bgp, &p->spec.bgp, &p->peer)) != 0)
			log_err(LOG_MOD_NB, "%s: cannot add BGP peer: %s", p->spec.name,
			    strerror(-rc));
		if (rib_export_add(gw.rib, &ec, &p->exp) == 0)
			p->has_exp = true;
	}
	if (p->spec.has_bfd &&
	    (rc = bfd_session_add(gw.bfd, &p->spec.bfd, bfd_changed, p, &p->bfd)) != 0)
		log_err(LOG_MOD_NB, "%s: cannot start BFD: %s", p->spec.name, strerror(-rc));
	gw_path_statics(p, NULL);
	return p;
}

/* Same path, changed parameters: touch only what changed. */
static void
gw_path_update(struct gw_path *p, struct gw_spec *spec)
{
	struct gw_spec	 old;
	int		 rc;

	gw_spec_move(&old, &p->spec);
	gw_spec_move(&p->spec, spec);
	p->spec.src.name = p->spec.name;
	p->spec.src.connection = p->spec.connection;
	p->spec.bgp.rib_source = p->src;
	if (p->peer && !gw_bgp_cfg_same(&old.bgp, &p->spec.bgp) &&
	    (rc = bgp_peer_update(p->peer, &p->spec.bgp)) != 0)
		log_err(LOG_MOD_NB, "%s: BGP update failed: %s", p->spec.name, strerror(-rc));
	if (p->has_exp && old.exp_role == p->spec.exp_role && old.exp_cap != p->spec.exp_cap)
		rib_export_cap_set(gw.rib, p->exp, p->spec.exp_cap);	/* withdraws the excess */
	else if (p->has_exp && old.exp_role != p->spec.exp_role) {
		struct rib_export_cfg	 ec = {
			.role = p->spec.exp_role, .own_source = p->src,
			.cap = p->spec.exp_cap, .ops = &gw_export_ops, .ctx = p,
			.name = p->spec.name,
		};

		rib_export_del(gw.rib, p->exp);
		p->has_exp = rib_export_add(gw.rib, &ec, &p->exp) == 0;
		if (p->has_exp)
			rib_export_resync(gw.rib, p->exp);
	}
	if (p->bfd && !p->spec.has_bfd) {
		bfd_session_del(p->bfd);
		p->bfd = NULL;
	} else if (p->bfd && !gw_bfd_cfg_same(&old.bfd, &p->spec.bfd))
		bfd_session_update(p->bfd, &p->spec.bfd);
	else if (!p->bfd && p->spec.has_bfd &&
	    bfd_session_add(gw.bfd, &p->spec.bfd, bfd_changed, p, &p->bfd) != 0)
		log_err(LOG_MOD_NB, "%s: cannot start BFD", p->spec.name);
	gw_path_statics(p, &old);
	gw_spec_clear(&old);
}

/* ------------------------------------------------------ the nb module */

/* The specs validate built, handed to the prepare of the same transaction
 * (nb_core runs every validate, then every prepare) instead of built twice. */
static struct {
	struct gw_conf		*conf;
	const struct nb_txn	*txn;
	const struct lyd_node	*cfg;
} gw_checked;

static void
gw_checked_drop(void)
{
	gw_conf_free(gw_checked.conf);
	memset(&gw_checked, 0, sizeof(gw_checked));
}

static int
gw_validate(const struct nb_txn *t)
{
	int	 rc;

	gw_checked_drop();
	if ((rc = gw_conf_build_checked(t->new_cfg, &gw_checked.conf, t->err)) == 0) {
		gw_checked.txn = t;
		gw_checked.cfg = t->new_cfg;
	}
	return rc;
}

static int
gw_prepare(const struct nb_txn *t, void **ctx)
{
	struct gw_conf	*c;
	int		 rc;

	if (gw_checked.conf && gw_checked.txn == t && gw_checked.cfg == t->new_cfg) {
		*ctx = gw_checked.conf;
		gw_checked.conf = NULL;
		gw_checked_drop();
		return 0;
	}
	gw_checked_drop();
	if (!(c = calloc(1, sizeof(*c))))
		return -ENOMEM;
	if ((rc = gw_conf_build(t->new_cfg, c, t->err)) != 0) {
		gw_conf_free(c);
		return rc;
	}
	*ctx = c;
	return 0;
}

static void
gw_abort(const struct nb_txn *t, void *ctx)
{
	gw_conf_free(ctx);
}

/*
 * Path keys -> indices: an open-addressing table of index + 1, so that
 * matching the live paths to the specs is linear in their number.
 */
struct gw_kmap {
	uint32_t	*slot;
	size_t		 mask;
};

static uint32_t
gw_key_hash(const char *k)
{
	uint32_t	 h = 2166136261u;	/* FNV-1a */

	while (*k)
		h = (h ^ (uint8_t)*k++) * 16777619u;
	return h;
}

static int
gw_kmap_init(struct gw_kmap *m, size_t n)
{
	size_t	 cap = 16;

	while (cap < 2 * n + 1)
		cap *= 2;
	m->mask = cap - 1;
	return (m->slot = calloc(cap, sizeof(*m->slot))) ? 0 : -ENOMEM;
}

/* The slot of key: empty (0) or holding the index of the key's first entry. */
static uint32_t *
gw_kmap_slot(const struct gw_kmap *m, const char *key,
    const char *(*key_at)(size_t))
{
	size_t	 i = gw_key_hash(key) & m->mask;

	while (m->slot[i] && strcmp(key_at(m->slot[i] - 1), key) != 0)
		i = (i + 1) & m->mask;
	return &m->slot[i];
}

static const struct gw_conf	*gw_apply_conf;

static const char *
gw_spec_key_at(size_t i)
{
	return gw_apply_conf->specs[i].key;
}

static const char *
gw_path_key_at(size_t i)
{
	return gw.paths[i]->spec.key;
}

static void
gw_apply(const struct nb_txn *t, void *ctx)
{
	struct gw_conf		*c = ctx;
	struct bgp_global_cfg	 g = { .local_as = c->as, .router_id = c->router_id };
	struct gw_path		**gone;
	struct gw_kmap		 specs, live;
	uint32_t		*next, *slot;
	size_t			 i, j, n = 0, ngone = 0;

	if (c->as != gw.conf_as || c->router_id != gw.conf_router_id) {
		bgp_global_set(gw.bgp, &g);
		gw.conf_as = c->as;
		gw.conf_router_id = c->router_id;
	}
	if (memcmp(&c->policy, &gw.policy, sizeof(c->policy)) != 0) {
		gw.policy = c->policy;
		rib_policy_set(gw.rib, &gw.policy);
	}
	if (c->port != gw.port) {
		int	 rc = bgp_listen(gw.bgp, c->port);

		if (rc != 0)
			log_err(LOG_MOD_BGP, "cannot listen on port %u: %s", c->port,
			    strerror(-rc));
		gw.port = c->port;
	}
	/* Remove paths that are gone or changed beyond an update. The table
	 * holds only the kept ones before any is destroyed: deleting a BGP peer
	 * runs the session hook, which looks paths up by source. */
	/* Specs by key; next[] chains specs of the same key in spec order
	 * (keys are unique unless names contain '/'). */
	gone = calloc(gw.npaths ? gw.npaths : 1, sizeof(*gone));
	next = calloc(c->nspecs ? c->nspecs : 1, sizeof(*next));
	gw_apply_conf = c;
	if (!gone || !next || gw_kmap_init(&specs, c->nspecs) != 0 ||
	    gw_kmap_init(&live, gw.npaths + c->nspecs) != 0)
		abort();
	for (j = c->nspecs; j-- > 0;) {
		slot = gw_kmap_slot(&specs, c->specs[j].key, gw_spec_key_at);
		next[j] = *slot;
		*slot = (uint32_t)j + 1;
	}
	for (i = 0; i < gw.npaths; i++) {
		struct gw_path	*p = gw.paths[i];
		bool		 keep = false;

		slot = gw_kmap_slot(&specs, p->spec.key, gw_spec_key_at);
		for (uint32_t k = *slot; k && !keep; k = next[k - 1])
			keep = gw_spec_compatible(&c->specs[k - 1], &p->spec);
		if (keep)
			gw.paths[n++] = p;
		else
			gone[ngone++] = p;
	}
	gw.npaths = n;
	for (i = 0; i < ngone; i++)
		gw_path_destroy(gone[i]);
	free(gone);
	free(next);
	free(specs.slot);
	/* The first live path of each key, as a scan in table order finds it. */
	for (i = 0; i < gw.npaths; i++) {
		slot = gw_kmap_slot(&live, gw.paths[i]->spec.key, gw_path_key_at);
		if (!*slot)
			*slot = (uint32_t)i + 1;
	}
	for (j = 0; j < c->nspecs; j++) {
		struct gw_path	*p = NULL;

		slot = gw_kmap_slot(&live, c->specs[j].key, gw_path_key_at);
		if (*slot)
			p = gw.paths[*slot - 1];
		if (p) {
			gw_path_update(p, &c->specs[j]);
			continue;
		}
		if (gw.npaths == gw.cap) {
			size_t		 ncap = gw.cap ? gw.cap * 2 : 16;
			struct gw_path	**np = realloc(gw.paths, ncap * sizeof(*np));

			if (!np)
				abort();
			gw.paths = np;
			gw.cap = ncap;
		}
		gw.paths[gw.npaths++] = gw_path_create(&c->specs[j]);
		/* the key of the path just created: slot still points at it */
		*slot = (uint32_t)gw.npaths;
	}
	free(live.slot);
	if (gw.fib)
		fib_flush(gw.fib);
	gw_conf_free(c);
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
};

static const char *
boot_leaf(const struct lyd_node *cfg, const char *path)
{
	struct lyd_node	*l = NULL;

	if (!cfg || lyd_find_path(cfg, path, 0, &l) != LY_SUCCESS || !l)
		return NULL;
	return lyd_get_value(l);
}

int
nb_gateway_start(const struct lyd_node *boot_cfg, struct nb_err *err)
{
	const char		*tbl = boot_leaf(boot_cfg, "kernel-table");
	const char		*pic = boot_leaf(boot_cfg, "prefix-independent-convergence");
	struct fib_cfg		 fc = { .table = tbl ? (uint32_t)strtoul(tbl, NULL, 10) : 254 };
	struct rib_cfg		 rc = { .attr_ops = &gw_attr_ops };
	struct bgp_global_cfg	 g = { 0 };
	int			 n;

	fc.nh_compat_off = !pic || strcmp(pic, "true") == 0;
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
		log_info(LOG_MOD_FIB, "adopted %zu routes from a previous run; they stay until "
		    "the sessions settle", gw.adopted);
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
	if (!(gw.rib = rib_new(&rc)) || !(gw.bfd = bfd_new(loop_get())) ||
	    !(gw.bgp = bgp_new(loop_get(), &g, &gw_bgp_hooks, NULL))) {
		nb_err_set(err, "", "cannot create the routing modules");
		nb_gateway_fini();
		return -ENOMEM;
	}
	rib_journal_subscribe(gw.rib, on_journal, NULL);
	rib_alarm_subscribe(gw.rib, on_alarm, NULL);
	return 0;
}

void
nb_gateway_register(void)
{
	nb_module_register(&gw_module);
	gw_alarms_register();
	gw_rpc_register();
}

void
nb_gateway_fini(void)
{
	/* The kernel keeps forwarding as it does now while we are away (the
	 * next run adopts its routes): sessions going down must not move them. */
	if (gw.rib)
		rib_fib_detach(gw.rib);
	/* Nothing is re-selected on the way out: a full table's million
	 * one-by-one withdrawals would only delay the exit (rib_free frees). */
	gw.stopping = true;
	/* The sessions end as a restart, not as a de-configuration: helpers keep
	 * our routes (RFC 4724) while the next run comes up. */
	bgp_stop_begin(gw.bgp);
	/* Take each path out of the table before destroying it: deleting its
	 * BGP peer runs the session hook, which looks paths up by source. */
	gw_checked_drop();
	while (gw.npaths > 0)
		gw_path_destroy(gw.paths[--gw.npaths]);
	free(gw.paths);
	gw.paths = NULL;
	gw.npaths = gw.cap = 0;
	/* Closing completes on the loop after gw is cleared: the handle is ours
	 * to free then (it was also left open once the routes were reconciled). */
	if (gw.settle_timer)
		uv_close((uv_handle_t *)gw.settle_timer, gw_settle_timer_free);
	if (gw.bgp)
		bgp_free(gw.bgp);
	if (gw.bfd)
		bfd_free(gw.bfd);
	if (gw.rib)
		rib_free(gw.rib);
	if (gw.fib)
		fib_free(gw.fib);
	memset(&gw, 0, sizeof(gw));
}

int
nb_gw_clear_bgp(const char *addr, bool soft, struct nb_err *err)
{
	struct ipaddr	 a;
	struct bgp_peer	*p;

	if (ipaddr_parse(addr, &a) != 0) {
		nb_err_set(err, "", "'%s' is not an IP address", addr);
		return -EINVAL;
	}
	if (!gw.bgp || !(p = bgp_peer_find(gw.bgp, &a))) {
		nb_err_set(err, "", "no BGP neighbor %s", addr);
		return -ENOENT;
	}
	return bgp_peer_clear(p, soft);
}
